/* The fake daemon table the hrpctl executor and renderer tests run lines against: canned answers
 * per daemon and command, the calls made, the outcome (exit code, stdout, stderr). The including
 * test defines `static struct cli_grammar real;` (the real command table) before including it. */
#ifndef HS_TEST_CLI_FAKE_H
#define HS_TEST_CLI_FAKE_H

#include <stdlib.h>
#include <time.h>


struct fake_answer {
	const char *daemon;
	const char *cmd;
	const char *result;  /* JSON of "result" */
	const char *refusal; /* ok=false with this message */
	const char *code;    /* of the refusal; "failed" when NULL */
	bool down;
	bool once; /* answers one call only: the next same call gets the next matching answer */
};

struct fake {
	const struct fake_answer *answers;
	size_t n;
	char calls[8][64];
	char args[8][512]; /* each call's args as compact JSON, "" for none */
	size_t ncalls;
	int save_rc;       /* what the save op returns */
	json_t *saved;     /* the view the save op got */
	bool used[64];     /* the `once` answers given */
};

static int fake_call(void *ctx, const char *daemon, const char *cmd, json_t *args,
		     json_t **response, char *err, size_t errlen)
{
	struct fake *f = ctx;

	if (f->ncalls < 8) {
		char *a = args ? json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		snprintf(f->args[f->ncalls], sizeof(f->args[0]), "%s", a ? a : "");
		free(a);
		snprintf(f->calls[f->ncalls++], sizeof(f->calls[0]), "%s %s", daemon, cmd);
	}
	for (size_t i = 0; i < f->n; i++) {
		const struct fake_answer *a = &f->answers[i];
		if (strcmp(a->daemon, daemon) || strcmp(a->cmd, cmd) || (i < 64 && f->used[i]))
			continue;
		if (a->once && i < 64)
			f->used[i] = true;
		if (a->down)
			break;
		if (a->refusal)
			*response = json_pack("{s:i, s:b, s:{s:s, s:s}}", "id", 1, "ok", 0, "error",
					      "code", a->code ? a->code : "failed", "message",
					      a->refusal);
		else
			*response = json_pack("{s:i, s:b, s:o}", "id", 1, "ok", 1, "result",
					      json_loads(a->result, 0, NULL));
		return 0;
	}
	snprintf(err, errlen, "cannot reach %s at /run/hs-test/%s.sock: %s", daemon, daemon,
		 strerror(ENOENT));
	return -ENOENT;
}

/* 2016-05-06 14:42:24 UTC */
#define FAKE_NOW_MS 1462545744000LL

static int64_t fake_now(void *ctx)
{
	return FAKE_NOW_MS;
}

/* save: keeps the view, says it wrote FILE.bak, or fails with save_rc. */
static int fake_save(void *ctx, json_t *view, char *err, size_t errlen)
{
	struct fake *f = ctx;

	json_decref(f->saved);
	f->saved = json_deep_copy(view);
	if (f->save_rc < 0) {
		snprintf(err, errlen, "cannot write /etc/hs.conf: %s", strerror(-f->save_rc));
		return f->save_rc;
	}
	json_object_set_new(view, "global_from", json_string("file"));
	json_object_set_new(view, "backup", json_string("/etc/hs.conf.bak"));
	return 0;
}

static const struct cli_ops fake_ops = { .call = fake_call, .now_ms = fake_now, .save = fake_save };

static const char hrpd_status[] =
	"{\"daemon\": \"hrpd\", \"version\": \"0.1.0\", \"pid\": 10, \"name\": \"fw1\","
	" \"uptime_ms\": 4260000, \"config\": \"/etc/hotstandby/hotstandby.conf\", \"reloads\": 0,"
	" \"reload_failures\": 0, \"debug\": [],"
	" \"hrp\": {\"enabled\": true, \"role\": \"active\", \"peer_role\": \"standby\","
	" \"hello_interval_ms\": 1000, \"dead_count\": 5, \"auto_sync_config\": true,"
	" \"auto_sync_sessions\": true, \"mirror_session\": false, \"stable_since_ms\": 3600000,"
	" \"last_change\": {\"old\": \"standby\", \"new\": \"active\","
	" \"reason\": \"peer priority lower\", \"local_priority\": 45000, \"peer_priority\": "
	"44998},"
	" \"channel_usage\": 0.0, \"running_link\": \"hb0\","
	" \"peer\": {\"state\": \"up\", \"last_rx_ms_ago\": 412},"
	" \"heartbeat\": {\"dead_time_ms\": 5875}}}";

static const char vgmpd_status[] =
	"{\"daemon\": \"vgmpd\", \"name\": \"fw1\", \"vgmp\": {\"state\": \"active\","
	" \"priority\": 45000, \"base_priority\": 45000, \"fault_penalty\": 2,"
	" \"mode\": \"active-standby\", \"standby_device\": false, \"preempt\": true,"
	" \"preempt_delay_s\": 60, \"peer\": {\"state\": \"standby\", \"priority\": 44998},"
	" \"tracked\": [{\"type\": \"interface\", \"name\": \"up0\", \"state\": \"up\"}],"
	" \"ospf_cost\": {\"enable\": true, \"cost\": 65500, \"applied\": 0}}}";

static const char vrrpd_status[] =
	"{\"daemon\": \"vrrpd\", \"groups\": ["
	"{\"interface\": \"lan0\", \"vrid\": 1, \"family\": \"ipv4\", \"version\": 3,"
	" \"state\": \"master\", \"priority\": 120, \"advert_interval_cs\": 100,"
	" \"vips\": [\"192.0.2.1\"], \"vgmp\": \"active\", \"preempt\": true,"
	" \"preempt_delay_s\": 0, \"accept\": false, \"vmac\": true, \"master\": null},"
	"{\"interface\": \"lan1\", \"vrid\": 2, \"family\": \"ipv4\", \"version\": 3,"
	" \"state\": \"backup\", \"priority\": 100, \"advert_interval_cs\": 50,"
	" \"vips\": [\"198.51.100.1\", \"198.51.100.2\"], \"vgmp\": \"none\", \"preempt\": false,"
	" \"preempt_delay_s\": 0, \"accept\": true, \"vmac\": false, \"master\": \"198.51.100.3\"},"
	"{\"interface\": \"lan0\", \"vrid\": 1, \"family\": \"ipv6\", \"version\": 3,"
	" \"state\": \"backup\", \"priority\": 100, \"advert_interval_cs\": 100,"
	" \"vips\": [\"2001:db8:1::1\"], \"vgmp\": \"standby\", \"preempt\": true,"
	" \"preempt_delay_s\": 0, \"accept\": false, \"vmac\": true, \"master\": null}]}";

static const struct fake_answer healthy[] = {
	{ .daemon = "hrpd", .cmd = "status", .result = hrpd_status },
	{ .daemon = "vgmpd", .cmd = "status", .result = vgmpd_status },
	{ .daemon = "vrrpd", .cmd = "status", .result = vrrpd_status },
	{ .daemon = "hrpd", .cmd = "hrp-enable", .result = "{\"enabled\": true}" },
	{ .daemon = "hrpd", .cmd = "hrp-disable", .refusal = "HRP is busy syncing." },
	{ .daemon = "hrpd",
	  .cmd = "hrp-interfaces",
	  .result = "{\"interfaces\": [{\"interface\": \"hb0\", \"local\": \"203.0.113.1\","
		    " \"remote\": \"203.0.113.2\", \"state\": \"running\"},"
		    " {\"interface\": \"hb1\", \"local\": \"203.0.113.5\","
		    " \"remote\": \"203.0.113.6\", \"state\": \"ready\"}]}" },
	{ .daemon = "vrrpd",
	  .cmd = "version",
	  .result = "{\"daemon\": \"vrrpd\", \"version\": \"0.1.0\", \"protocols\": \"VRRP v2 "
		    "v3\"}" },
	{ .daemon = "vgmpd", .cmd = "version", .down = true },
	{ .daemon = "hrpd",
	  .cmd = "version",
	  .result = "{\"daemon\": \"hrpd\", \"version\": \"0.1.0\", \"protocols\": \"HRP 1.0\"}" },
	/* an hrpd older than the readiness part of display hrp state verbose */
	{ .daemon = "hrpd",
	  .cmd = "session-stats",
	  .refusal = "unknown command 'session-stats' (try 'help')",
	  .code = "unknown-command" },
	{ .daemon = "hrpd",
	  .cmd = "data-stats",
	  .refusal = "unknown command 'data-stats' (try 'help')",
	  .code = "unknown-command" },
	{ .daemon = "hrpd",
	  .cmd = "session-consistency",
	  .refusal = "unknown command 'session-consistency' (try 'help')",
	  .code = "unknown-command" },
};

struct outcome {
	int rc;
	char *out;
	char *err;
	size_t outlen, errlen;
	struct fake fake;
};

static void run_line(struct outcome *o, const struct fake_answer *answers, size_t n,
		     const char *line, bool json, bool interactive)
{
	FILE *out, *err;

	memset(o, 0, sizeof(*o));
	o->fake = (struct fake){ .answers = answers, .n = n };
	out = open_memstream(&o->out, &o->outlen);
	err = open_memstream(&o->err, &o->errlen);
	assert_non_null(out);
	assert_non_null(err);
	struct cli_session s = {
		.grammar = &real,
		.ops = &fake_ops,
		.ctx = &o->fake,
		.json = json,
		.interactive = interactive,
		.prompt_len = 5, /* "<fw1>" */
		.out = out,
		.err = err,
	};
	o->rc = cli_exec_line(&s, line);
	fclose(out);
	fclose(err);
}

static void outcome_free(struct outcome *o)
{
	free(o->out);
	free(o->err);
	json_decref(o->fake.saved);
}

#define HEALTHY healthy, sizeof(healthy) / sizeof(healthy[0])

/* The renderer tests' group setup: the real command table, times printed in UTC. */
static inline int real_grammar_utc_setup(void **state)
{
	char err[160];

	setenv("TZ", "UTC", 1);
	tzset();
	return cli_grammar_init(&real, &cli_commands, err, sizeof(err));
}

static inline int real_grammar_teardown(void **state)
{
	cli_grammar_clear(&real);
	return 0;
}

static inline void assert_keys(const json_t *obj, const char *const *keys, size_t n)
{
	const char *key;
	json_t *value;
	size_t i = 0;

	assert_true(json_is_object(obj));
	assert_int_equal(json_object_size(obj), n);
	json_object_foreach ((json_t *)obj, key, value) {
		assert_string_equal(key, keys[i]);
		i++;
	}
}

#endif
