/* Run-time config changes: editing a running config by path (every operation, every refusal, all
 * or nothing), a group printed and shown as JSON, config-set and config-show on a daemon whose
 * reload is a recorder (applied through it, refused without a trace), and the atomic file write
 * with its .bak. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "config_edit.h"
#include "config_save.h"
#include "daemon.h"

static const char base[] =
	"global = { name = \"fw1\"; };\n"
	"vgmpd = { preempt_delay = 30; track_interfaces = [ \"up0\" ]; };\n"
	"hrpd = { enable = true; links = ( { interface = \"hb0\"; local = \"203.0.113.1\";"
	" remote = \"203.0.113.2\"; } ); };\n";

static struct hs_config *load(void)
{
	struct hs_config *cfg = NULL;
	struct hs_cfg_errors errs;

	assert_int_equal(hs_config_load_string(base, "/etc/hs.conf", &cfg, &errs), 0);
	return cfg;
}

/* Edits with the changes given as JSON text; returns the result code, *out on success. */
static int edit(const struct hs_config *cur, const char *owner, const char *changes,
		struct hs_config **out, bool *changed, char *err)
{
	json_t *c = json_loads(changes, 0, NULL);
	int r;

	assert_non_null(c);
	*out = NULL;
	err[0] = '\0';
	r = hs_config_edit(cur, owner, c, out, changed, err, 256);
	json_decref(c);
	return r;
}

static void test_set_and_unset(void **state)
{
	struct hs_config *cur = load(), *next;
	bool changed;
	char err[256];

	assert_int_equal(edit(cur, "vgmpd",
			      "[{\"path\": \"vgmpd.preempt_delay\", \"value\": 5},"
			      " {\"path\": \"vgmpd.preempt\", \"op\": \"set\", \"value\": false},"
			      " {\"path\": \"vgmpd.ospf_cost.cost\", \"value\": 100},"
			      " {\"path\": \"vgmpd.mode\", \"value\": \"load-sharing\"}]",
			      &next, &changed, err),
			 0);
	assert_true(changed);
	assert_int_equal(next->vgmpd.preempt_delay_s, 5);
	assert_false(next->vgmpd.preempt);
	assert_int_equal(next->vgmpd.ospf_cost.cost, 100);
	assert_int_equal(next->vgmpd.mode, HS_MODE_LOAD_SHARING);
	/* the rest is the running config as it was, source included */
	assert_string_equal(next->source, "/etc/hs.conf");
	assert_string_equal(next->global.name, "fw1");
	assert_int_equal(next->hrpd.n_links, 1);
	assert_int_equal(cur->vgmpd.preempt_delay_s, 30);

	/* unset: the schema's default */
	struct hs_config *again;
	assert_int_equal(edit(next, "vgmpd",
			      "[{\"path\": \"vgmpd.preempt_delay\", \"op\": \"unset\"}]", &again,
			      &changed, err),
			 0);
	assert_true(changed);
	assert_int_equal(again->vgmpd.preempt_delay_s, 60);
	hs_config_free(again);

	/* the same value again changes nothing */
	assert_int_equal(edit(next, "vgmpd", "[{\"path\": \"vgmpd.preempt_delay\", \"value\": 5}]",
			      &again, &changed, err),
			 0);
	assert_false(changed);
	hs_config_free(again);
	hs_config_free(next);
	hs_config_free(cur);
}

static void test_lists(void **state)
{
	struct hs_config *cur = load(), *next, *again;
	bool changed;
	char err[256];

	assert_int_equal(edit(cur, "vgmpd",
			      "[{\"path\": \"vgmpd.track_interfaces\", \"op\": \"add\", \"value\": "
			      "\"up1\"}]",
			      &next, &changed, err),
			 0);
	assert_true(changed);
	assert_int_equal(next->vgmpd.track_interfaces.count, 2);
	assert_string_equal(next->vgmpd.track_interfaces.item[1], "up1");
	/* adding what is there is a no-op */
	assert_int_equal(edit(next, "vgmpd",
			      "[{\"path\": \"vgmpd.track_interfaces\", \"op\": \"add\", \"value\": "
			      "\"up0\"}]",
			      &again, &changed, err),
			 0);
	assert_false(changed);
	hs_config_free(again);
	assert_int_equal(edit(next, "vgmpd",
			      "[{\"path\": \"vgmpd.track_interfaces\", \"op\": \"remove\", "
			      "\"value\": \"up0\"}]",
			      &again, &changed, err),
			 0);
	assert_int_equal(again->vgmpd.track_interfaces.count, 1);
	assert_string_equal(again->vgmpd.track_interfaces.item[0], "up1");
	hs_config_free(again);
	/* removing what is not there is an error */
	assert_int_equal(edit(next, "vgmpd",
			      "[{\"path\": \"vgmpd.track_interfaces\", \"op\": \"remove\", "
			      "\"value\": \"up9\"}]",
			      &again, &changed, err),
			 -ENOENT);
	assert_string_equal(err, "'up9' is not in vgmpd.track_interfaces");
	/* a whole list, and an item the schema refuses */
	assert_int_equal(edit(next, "vgmpd",
			      "[{\"path\": \"vgmpd.track_interfaces\", \"value\": [\"a\", \"b\"]}]",
			      &again, &changed, err),
			 0);
	assert_int_equal(again->vgmpd.track_interfaces.count, 2);
	hs_config_free(again);
	assert_int_equal(edit(next, "vgmpd",
			      "[{\"path\": \"vgmpd.track_interfaces\", \"op\": \"add\", \"value\": "
			      "\"eth/0\"}]",
			      &again, &changed, err),
			 -EINVAL);
	assert_non_null(strstr(err, "vgmpd.track_interfaces"));
	assert_non_null(strstr(err, "an interface name has no '/'"));
	hs_config_free(next);
	hs_config_free(cur);
}

static void test_refusals(void **state)
{
	static const struct {
		const char *owner, *changes, *why;
		int rc;
	} bad[] = {
		{ "vgmpd", "[{\"path\": \"hrpd.mirror_session\", \"value\": true}]",
		  "'hrpd.mirror_session' is not a setting of vgmpd", -EPERM },
		{ "vgmpd", "[{\"path\": \"vgmpd.nope\", \"value\": 1}]",
		  "unknown setting 'vgmpd.nope'", -ENOENT },
		{ "vgmpd", "[{\"path\": \"vgmpd.preempt.x\", \"value\": 1}]",
		  "unknown setting 'vgmpd.preempt.x'", -ENOENT },
		{ "vgmpd", "[{\"path\": \"vgmpd.ospf_cost\", \"value\": 1}]",
		  "'vgmpd.ospf_cost' is a group: change its settings", -EINVAL },
		{ "vgmpd", "[{\"path\": \"vgmpd.preempt_delay\", \"value\": \"5\"}]",
		  "'vgmpd.preempt_delay' takes a whole number", -EINVAL },
		{ "vgmpd", "[{\"path\": \"vgmpd.preempt\", \"value\": 1}]",
		  "'vgmpd.preempt' takes true or false", -EINVAL },
		{ "vgmpd", "[{\"path\": \"vgmpd.preempt_delay\", \"value\": 3601}]",
		  "vgmpd.preempt_delay: 3601 is out of range 0..3600", -EINVAL },
		{ "vgmpd", "[{\"path\": \"vgmpd.mode\", \"value\": \"both\"}]",
		  "vgmpd.mode: 'both' is not one of: active-standby, load-sharing", -EINVAL },
		{ "vgmpd", "[{\"path\": \"vgmpd.preempt\", \"op\": \"flip\"}]",
		  "unknown op 'flip' (set, unset, add, remove)", -EINVAL },
		{ "vgmpd", "[{\"path\": \"vgmpd.preempt\", \"op\": \"add\", \"value\": \"x\"}]",
		  "'vgmpd.preempt': add takes one string of a list", -EINVAL },
		{ "vgmpd", "[{\"path\": \"vgmpd.preempt\"}]", "'vgmpd.preempt': set needs a value",
		  -EINVAL },
		{ "vgmpd", "[]", "expected {\"changes\": [1 to 16 changes]}", -EINVAL },
		{ "vgmpd", "[{\"value\": 1}]",
		  "a change is {\"path\": P, \"op\": set|unset|add|remove, \"value\": V}",
		  -EINVAL },
		/* a cross-field rule of the loader: HRP needs a link */
		{ "hrpd", "[{\"path\": \"hrpd.key_next\", \"value\": \"0123456789abcdef\"}]",
		  "hrpd.key_next: a next key needs a current key", -EINVAL },
	};
	struct hs_config *cur = load(), *next;
	bool changed;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = edit(cur, bad[i].owner, bad[i].changes, &next, &changed, err);
		if (r != bad[i].rc || strcmp(err, bad[i].why) != 0)
			fail_msg("%s: got %d '%s', want %d '%s'", bad[i].changes, r, err, bad[i].rc,
				 bad[i].why);
		assert_null(next);
	}
	/* all or nothing: a good change before a bad one is not taken either */
	assert_int_equal(edit(cur, "vgmpd",
			      "[{\"path\": \"vgmpd.preempt_delay\", \"value\": 5},"
			      " {\"path\": \"vgmpd.priority\", \"value\": 0}]",
			      &next, &changed, err),
			 -EINVAL);
	assert_null(next);
	assert_int_equal(cur->vgmpd.preempt_delay_s, 30);
	hs_config_free(cur);
}

static void test_group_text_and_json(void **state)
{
	struct hs_config *cur = load(), *back = NULL;
	struct hs_cfg_errors errs;
	char *text = hs_config_print_group_string(cur, "vgmpd");
	json_t *j = hs_config_group_json(cur, "vgmpd"), *h = hs_config_group_json(cur, "hrpd");

	assert_non_null(text);
	assert_true(strncmp(text, "vgmpd = {\n", 10) == 0);
	assert_non_null(strstr(text, "  preempt_delay = 30;\n"));
	assert_non_null(strstr(text, "  track_interfaces = [ \"up0\" ];\n"));
	assert_null(strstr(text, "hrpd"));
	/* a group's text loads back on its own */
	char *whole = NULL;
	assert_int_equal(asprintf(&whole, "global = { name = \"x\"; };\n%s", text) > 0, 1);
	assert_int_equal(hs_config_load_string(whole, "t", &back, &errs), 0);
	assert_int_equal(back->vgmpd.preempt_delay_s, 30);
	assert_null(hs_config_print_group_string(cur, "nope"));
	assert_null(hs_config_group_json(cur, "nope"));

	assert_int_equal(json_integer_value(json_object_get(j, "preempt_delay")), 30);
	assert_true(json_is_true(json_object_get(j, "preempt")));
	assert_string_equal(json_string_value(json_object_get(j, "mode")), "active-standby");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(j, "track_interfaces"), 0)),
		"up0");
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(j, "ospf_cost"), "cost")),
		65500);
	json_t *link = json_array_get(json_object_get(h, "links"), 0);
	assert_string_equal(json_string_value(json_object_get(link, "remote")), "203.0.113.2");
	assert_true(json_is_false(json_object_get(h, "standby_config")));
	json_decref(j);
	json_decref(h);
	free(whole);
	free(text);
	hs_config_free(back);
	hs_config_free(cur);
}

/* ---- config-set and config-show on a daemon whose reload is a recorder ---- */

struct recorder {
	int reloads;
	int refuse; /* the errno the reload returns; 0: takes it */
	int seen_delay;
};

static struct recorder rec;

static int fake_reload(struct hs_daemon *d, const struct hs_config *next)
{
	rec.reloads++;
	rec.seen_delay = next->vgmpd.preempt_delay_s;
	if (rec.refuse)
		snprintf(d->apply_error, sizeof(d->apply_error), "the mode cannot change now");
	return -rec.refuse;
}

static const struct hs_daemon_ops fake_ops = { .name = "vgmpd", .reload = fake_reload };

static int call(struct hs_daemon *d, const char *cmd, const char *args, json_t **result, char *err)
{
	json_t *a = json_loads(args, 0, NULL);
	int r = -ENOENT;

	*result = NULL;
	err[0] = '\0';
	for (const struct hs_ctl_command *c = hs_daemon_config_commands; c->name; c++)
		if (!strcmp(c->name, cmd))
			r = c->handler(d, a, result, err, 256);
	json_decref(a);
	return r;
}

static void test_config_set_command(void **state)
{
	struct hs_daemon d = { .ops = &fake_ops, .config = load() };
	struct hs_config *before = d.config;
	json_t *res;
	char err[256];

	snprintf(d.config_path, sizeof(d.config_path), "/etc/hs.conf");
	rec = (struct recorder){ 0 };
	assert_int_equal(call(&d, "config-set",
			      "{\"changes\": [{\"path\": \"vgmpd.preempt_delay\", \"value\": 5}]}",
			      &res, err),
			 0);
	/* through the daemon's reload, then the running config */
	assert_int_equal(rec.reloads, 1);
	assert_int_equal(rec.seen_delay, 5);
	assert_int_equal(d.config->vgmpd.preempt_delay_s, 5);
	assert_true(d.config != before);
	assert_true(json_is_true(json_object_get(res, "changed")));
	assert_int_equal(d.config_changes, 1);
	json_decref(res);

	/* no change: no reload, not counted */
	assert_int_equal(call(&d, "config-set",
			      "{\"changes\": [{\"path\": \"vgmpd.preempt_delay\", \"value\": 5}]}",
			      &res, err),
			 0);
	assert_int_equal(rec.reloads, 1);
	assert_true(json_is_false(json_object_get(res, "changed")));
	json_decref(res);

	/* the reload refuses: the running config stays, the reason is given */
	rec.refuse = EBUSY;
	before = d.config;
	assert_int_equal(call(&d, "config-set",
			      "{\"changes\": [{\"path\": \"vgmpd.preempt_delay\", \"value\": 9}]}",
			      &res, err),
			 -EIO);
	assert_string_equal(err, "vgmpd cannot take this change at run time: the mode cannot "
				 "change now");
	assert_true(d.config == before);
	assert_int_equal(d.config->vgmpd.preempt_delay_s, 5);
	assert_int_equal(d.config_change_failures, 1);

	/* another daemon's setting, and a setting read at start only */
	rec.refuse = 0;
	assert_int_equal(call(&d, "config-set",
			      "{\"changes\": [{\"path\": \"hrpd.enable\", \"value\": false}]}",
			      &res, err),
			 -EPERM);
	assert_int_equal(call(&d, "config-set",
			      "{\"changes\": [{\"path\": \"hrpd.nice\", \"value\": 0}]}", &res,
			      err),
			 -EINVAL);
	assert_string_equal(err, "hrpd.nice is read at start only: change it in the file and "
				 "restart vgmpd");
	assert_int_equal(rec.reloads, 2);
	assert_int_equal(d.config_change_failures, 3);

	/* config-show: global and the daemon's own group, text and JSON */
	assert_int_equal(call(&d, "config-show", "{}", &res, err), 0);
	assert_string_equal(json_string_value(json_object_get(res, "file")), "/etc/hs.conf");
	assert_int_equal(json_integer_value(json_object_get(res, "changes")), 1);
	json_t *text = json_object_get(res, "text"), *set = json_object_get(res, "settings");
	assert_int_equal(json_object_size(text), 2);
	assert_non_null(
		strstr(json_string_value(json_object_get(text, "vgmpd")), "preempt_delay = 5;"));
	assert_non_null(
		strstr(json_string_value(json_object_get(text, "global")), "name = \"fw1\";"));
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(set, "vgmpd"), "preempt_delay")),
		5);
	json_decref(res);
	assert_int_equal(call(&d, "config-show", "{\"groups\": [\"hrpd\"]}", &res, err), 0);
	assert_int_equal(json_object_size(json_object_get(res, "settings")), 1);
	json_decref(res);
	assert_int_equal(call(&d, "config-show", "{\"groups\": [\"nope\"]}", &res, err), -EINVAL);
	hs_config_free(d.config);
}

/* ---- the atomic write ---- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 4096);

	assert_non_null(f);
	assert_true(fread(buf, 1, 4095, f) > 0);
	fclose(f);
	return buf;
}

static void test_save_file(void **state)
{
	char dir[] = "/tmp/hs-save-XXXXXX", path[64], bak[80], err[256];
	struct stat st;
	bool backup = true;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/hs.conf", dir);
	snprintf(bak, sizeof(bak), "%s.bak", path);

	/* no file yet: written 0600, no backup */
	assert_int_equal(hs_config_save_file(path, "one\n", &backup, err, sizeof(err)), 0);
	assert_false(backup);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(access(bak, F_OK), -1);

	/* the old file becomes .bak, its mode stays */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(hs_config_save_file(path, "two\n", &backup, err, sizeof(err)), 0);
	assert_true(backup);
	char *now = slurp(path), *old = slurp(bak);
	assert_string_equal(now, "two\n");
	assert_string_equal(old, "one\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	free(now);
	free(old);

	/* a third save: .bak is the second file */
	assert_int_equal(hs_config_save_file(path, "three\n", &backup, err, sizeof(err)), 0);
	old = slurp(bak);
	assert_string_equal(old, "two\n");
	free(old);

	/* a directory that is not there: an error naming it, nothing left */
	char missing[96];
	snprintf(missing, sizeof(missing), "%s/no/hs.conf", dir);
	assert_true(hs_config_save_file(missing, "x\n", &backup, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "no/hs.conf"));

	unlink(path);
	unlink(bak);
	assert_int_equal(rmdir(dir), 0); /* no temporary file left behind */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_and_unset),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_group_text_and_json),
		cmocka_unit_test(test_config_set_command),
		cmocka_unit_test(test_save_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
