/* The exporter's pure part: the text format (escaping, numbers, one series once), the metrics
 * table's own consistency (names, types, labels, each one in doc/metrics.md), and the conversion
 * of the daemons' answers as captured in the reference lab (tests/unit/metrics/, saved by
 * tests/lab/scenarios/s51_metrics.py with HS_METRICS_FIXTURES=DIR; the mirror session's from
 * s43_mirror.py's load-sharing lab), read back with a strict reader of the format. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "listen.h"
#include "metrics.h"
#include "prom.h"

#define FIXTURES HS_TOP_SRCDIR "/tests/unit/metrics/"

static char *render(const struct hs_prom *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(hs_prom_write(p, out), 0);
	fclose(out);
	return buf;
}

/* ---- the text format ---- */

static void test_prom_format(void **state)
{
	struct hs_prom *p = hs_prom_new();
	const struct hs_prom_label l[] = { { "reason", "a\"b\\c\nd" }, { "x", "1" } };
	assert_int_equal(hs_prom_family(p, "t_total", HS_PROM_COUNTER, "help \\ with\nbreak"), 0);
	assert_int_equal(hs_prom_family(p, "t_total", HS_PROM_COUNTER, "again"), 0);
	assert_int_equal(hs_prom_family(p, "t_total", HS_PROM_GAUGE, "other type"), -EINVAL);
	assert_int_equal(hs_prom_family(p, "bad-name", HS_PROM_GAUGE, ""), -EINVAL);
	assert_int_equal(hs_prom_family(p, "g", HS_PROM_GAUGE, "a gauge"), 0);
	assert_int_equal(hs_prom_family(p, "empty", HS_PROM_GAUGE, "no samples"), 0);
	assert_int_equal(hs_prom_add(p, "t_total", l, 2, 3), 0);
	assert_int_equal(hs_prom_add(p, "t_total", l, 2, 4), -EEXIST);
	assert_int_equal(hs_prom_add(p, "t_total", l, 1, 5), 0);
	assert_int_equal(hs_prom_add(p, "nope", NULL, 0, 1), -ENOENT);
	const struct hs_prom_label bad[] = { { "__name__", "x" } }, twice[] = { l[1], l[1] };
	assert_int_equal(hs_prom_add(p, "g", bad, 1, 1), -EINVAL);
	assert_int_equal(hs_prom_add(p, "g", twice, 2, 1), -EINVAL);
	assert_int_equal(hs_prom_add(p, "g", NULL, 0, 0.25), 0);
	assert_int_equal(hs_prom_samples(p), 3);
	char *text = render(p);
	assert_string_equal(text, "# HELP t_total help \\\\ with\\nbreak\n"
				  "# TYPE t_total counter\n"
				  "t_total{reason=\"a\\\"b\\\\c\\nd\",x=\"1\"} 3\n"
				  "t_total{reason=\"a\\\"b\\\\c\\nd\"} 5\n"
				  "# HELP g a gauge\n"
				  "# TYPE g gauge\n"
				  "g 0.25\n");
	free(text);
	hs_prom_free(p);
}

static void test_prom_numbers(void **state)
{
	const double v[] = { 0, 44998, 1e20, 0.001, -2, 1.0 / 0.0 };
	struct hs_prom *p = hs_prom_new();
	assert_int_equal(hs_prom_family(p, "n", HS_PROM_GAUGE, NULL), 0);
	for (int i = 0; i < 6; i++) {
		char idx[4];
		snprintf(idx, sizeof(idx), "%d", i);
		const struct hs_prom_label l = { "i", idx };
		assert_int_equal(hs_prom_add(p, "n", &l, 1, v[i]), 0);
	}
	char *text = render(p);
	/* integers up to 2^53 as integers; 1e20 is past it: %.15g */
	assert_non_null(strstr(text, "n{i=\"2\"} 1e+20\n"));
	assert_non_null(strstr(text, "n{i=\"1\"} 44998\n"));
	assert_non_null(strstr(text, "n{i=\"3\"} 0.001\n"));
	assert_non_null(strstr(text, "n{i=\"4\"} -2\n"));
	assert_non_null(strstr(text, "n{i=\"5\"} +Inf\n"));
	free(text);
	hs_prom_free(p);
}

/* ---- the table ---- */

static const struct hs_metric_row *first_of(const char *name)
{
	for (size_t i = 0; i < hs_metric_n_rows; i++)
		if (hs_metric_rows[i].name && !strcmp(hs_metric_rows[i].name, name))
			return &hs_metric_rows[i];
	return NULL;
}

static bool label_list_valid(const char *list)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", list ? list : "");
	for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (!hs_prom_valid_label_name(t))
			return false;
	return true;
}

static bool has_call(const char *daemon, const char *cmd)
{
	for (size_t i = 0; i < hs_metric_n_calls; i++)
		if ((!daemon || !strcmp(hs_metric_calls[i].daemon, daemon)) &&
		    !strcmp(hs_metric_calls[i].cmd, cmd))
			return true;
	return false;
}

static void test_table_is_consistent(void **state)
{
	for (size_t i = 0; i < hs_metric_n_rows; i++) {
		const struct hs_metric_row *r = &hs_metric_rows[i];
		char name[160], arg[64];
		if (r->kind == HS_MK_SKIP) {
			assert_non_null(r->path);
			continue;
		}
		snprintf(name, sizeof(name), "%s%s", r->name,
			 r->kind == HS_MK_OTHERS ? "x_total" : "");
		if (!hs_prom_valid_name(name) || strncmp(name, "hotstandby_", 11))
			fail_msg("row %zu: bad name %s", i, r->name);
		bool total = strlen(name) > 6 && !strcmp(name + strlen(name) - 6, "_total");
		if (total != (r->type == HS_PROM_COUNTER))
			fail_msg("%s: a counter's name ends in _total, a gauge's does not",
				 r->name);
		if (!r->help || !*r->help)
			fail_msg("%s: no help", r->name);
		if (!label_list_valid(r->labels) || (r->labels && !r->each))
			fail_msg("%s: bad labels", r->name);
		if (r->kind == HS_MK_STATE || r->kind == HS_MK_MAP ||
		    (r->kind == HS_MK_VALUE && r->arg)) {
			snprintf(arg, sizeof(arg), "%s", r->arg ? r->arg : "");
			arg[strcspn(arg, "=")] = '\0';
			if (!hs_prom_valid_label_name(arg))
				fail_msg("%s: bad label in arg %s", r->name, r->arg);
		}
		if (r->kind != HS_MK_NONE && !has_call(r->daemon, r->cmd))
			fail_msg("%s: the exporter never asks %s", r->name, r->cmd);
		/* rows sharing a family agree on it */
		const struct hs_metric_row *f = first_of(r->name);
		if (f->type != r->type || strcmp(f->help, r->help))
			fail_msg("%s: rows of one family differ in type or help", r->name);
	}
	for (size_t i = 0; i < hs_metric_n_calls; i++) {
		bool used = false;
		for (size_t j = 0; j < hs_metric_n_rows; j++)
			used |= hs_metric_rows[j].cmd &&
				!strcmp(hs_metric_rows[j].cmd, hs_metric_calls[i].cmd);
		assert_true(used);
	}
	struct hs_prom *p = hs_prom_new();
	assert_int_equal(hs_metrics_declare(p), 0);
	hs_prom_free(p);
}

/* doc/metrics.md lists every metric of the table. */
static void test_every_metric_documented(void **state)
{
	FILE *f = fopen(HS_TOP_SRCDIR "/doc/metrics.md", "r");
	assert_non_null(f);
	static char doc[1 << 17];
	size_t n = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[n] = '\0';
	for (size_t i = 0; i < hs_metric_n_rows; i++) {
		const struct hs_metric_row *r = &hs_metric_rows[i];
		char want[160];
		if (r->kind == HS_MK_SKIP || r->kind == HS_MK_OTHERS)
			continue;
		snprintf(want, sizeof(want), "| `%s` |", r->name);
		if (!strstr(doc, want))
			fail_msg("%s is not in doc/metrics.md", r->name);
	}
}

/* ---- a strict reader of the output ---- */

struct seen {
	char names[512][96];
	size_t n;
};

static bool seen_has(const struct seen *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], name))
			return true;
	return false;
}

/* Every sample after its family's HELP and TYPE, each family declared once, each series once. */
static size_t strict_read(const char *text)
{
	static struct seen types;
	size_t samples = 0;
	char *copy = strdup(text), *save;
	char **lines = calloc(8192, sizeof(char *));
	types.n = 0;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char name[96];
		if (!strncmp(l, "# HELP ", 7))
			continue;
		if (!strncmp(l, "# TYPE ", 7)) {
			sscanf(l + 7, "%95s", name);
			if (seen_has(&types, name))
				fail_msg("family %s declared twice", name);
			snprintf(types.names[types.n++], sizeof(types.names[0]), "%s", name);
			continue;
		}
		size_t n = strcspn(l, "{ ");
		snprintf(name, sizeof(name), "%.*s", (int)n, l);
		if (!hs_prom_valid_name(name) || !types.n || strcmp(types.names[types.n - 1], name))
			fail_msg("sample not under its family's TYPE: %s", l);
		for (size_t i = 0; i < samples; i++) {
			const char *a = lines[i], *b = l;
			size_t sa = strrchr(a, ' ') - a, sb = strrchr(b, ' ') - b;
			if (sa == sb && !strncmp(a, b, sa))
				fail_msg("series twice: %s", l);
		}
		if (samples < 8192)
			lines[samples] = l;
		samples++;
	}
	free(lines);
	free(copy);
	return samples;
}

/* ---- answers captured in the lab ---- */

static const char *const fixtures[][2] = {
	{ "vgmpd", "status" },        { "vrrpd", "status" },
	{ "hrpd", "status" },         { "hrpd", "hrp-interfaces" },
	{ "hrpd", "hrp-statistics" }, { "hrpd", "session-stats" },
	{ "hrpd", "data-stats" },     { "hrpd", "session-consistency" },
};

static json_t *fixture(const char *daemon, const char *cmd)
{
	char path[512];
	json_error_t err;
	snprintf(path, sizeof(path), FIXTURES "%s-%s.json", daemon, cmd);
	json_t *j = json_load_file(path, 0, &err);
	if (!j)
		fail_msg("%s: %s", path, err.text);
	return j;
}

static bool has_line(const char *text, const char *line)
{
	char want[600];
	snprintf(want, sizeof(want), "\n%s\n", line);
	return strstr(text, want) != NULL;
}

static void want_line(const char *text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void want_line(const char *text, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!has_line(text, line))
		fail_msg("missing: %s", line);
}

static char *all_fixtures(void)
{
	struct hs_prom *p = hs_prom_new();
	assert_int_equal(hs_metrics_declare(p), 0);
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		json_t *j = fixture(fixtures[i][0], fixtures[i][1]);
		int r = hs_metrics_from_reply(p, fixtures[i][0], fixtures[i][1], j);
		if (r <= 0)
			fail_msg("%s %s: %d", fixtures[i][0], fixtures[i][1], r);
		json_decref(j);
	}
	for (int d = 0; d < 3; d++)
		assert_int_equal(
			hs_metrics_up(p, (const char *[]){ "vgmpd", "vrrpd", "hrpd" }[d], true), 0);
	char *text = render(p);
	hs_prom_free(p);
	return text;
}

static void test_fixtures_read_strictly(void **state)
{
	char *text = all_fixtures();
	size_t n = strict_read(text);
	assert_true(n > 200);
	/* the table reads everything today's daemons send: no counter fell to the catch-all */
	assert_null(strstr(text, "counter of"));
	free(text);
}

/* A bridge member tracker's own counter, from its object (the vgmpd fixture has one). */
static void want_bridge_tracker(const char *text, const json_t *tracked)
{
	const json_t *item;
	size_t i;

	json_array_foreach (tracked, i, item) {
		const json_t *b = json_object_get(item, "bridge_member");
		if (b)
			want_line(text,
				  "hotstandby_vgmp_track_bridge_messages_total{type=\"%s\","
				  "name=\"%s\"} %lld",
				  json_string_value(json_object_get(item, "type")),
				  json_string_value(json_object_get(item, "name")),
				  (long long)json_integer_value(json_object_get(b, "messages")));
	}
	assert_true(has_line(text,
			     "hotstandby_vgmp_track_bridge_messages_total{type=\"bridge-member\","
			     "name=\"lan0-in-br\"} 37"));
}

/* Input a daemon could not read or lost: vgmpd's core counters and what it could not read
 * from hrpd, vrrpd's socket errors. */
static void want_unread_counters(const char *text, const json_t *v)
{
	want_line(text, "hotstandby_vgmp_peer_unreadable_total %lld",
		  (long long)json_integer_value(json_object_get(v, "peer_unreadable")));
	want_line(text, "hotstandby_vgmp_answers_stale_total %lld",
		  (long long)json_integer_value(
			  json_object_get(json_object_get(v, "counters"), "answers_stale")));
	want_line(text,
		  "hotstandby_vrrp_socket_errors_total{interface=\"lan0\",family=\"ipv4\"} 1");
	want_line(text, "hotstandby_vgmp_link_event_overruns_total %lld",
		  (long long)json_integer_value(
			  json_object_get(json_object_get(v, "link_monitor"), "overruns")));
	/* vgmpd's own hrpd: connected in the capture, never gone its dead time */
	want_line(text, "hotstandby_vgmp_hrpd_connected %d",
		  json_is_true(json_object_get(v, "hrpd_connected")));
	want_line(text, "hotstandby_vgmp_peer_unreachable_total %lld",
		  (long long)json_integer_value(
			  json_object_get(json_object_get(v, "counters"), "peer_unreachable")));
	want_line(text, "hotstandby_vgmp_hrpd_unanswered_total %lld",
		  (long long)json_integer_value(json_object_get(v, "hrpd_unanswered")));
}

static void test_fixtures_values(void **state)
{
	char *text = all_fixtures();
	json_t *vg = fixture("vgmpd", "status"), *vr = fixture("vrrpd", "status");
	json_t *hi = fixture("hrpd", "hrp-interfaces"), *hs = fixture("hrpd", "hrp-statistics");
	json_t *ss = fixture("hrpd", "session-stats"), *st = fixture("hrpd", "status");
	const json_t *v = json_object_get(vg, "vgmp"), *item;
	size_t i;

	want_line(text, "hotstandby_vgmp_state{state=\"%s\"} 1",
		  json_string_value(json_object_get(v, "state")));
	want_line(text, "hotstandby_vgmp_state{state=\"initialize\"} 0");
	want_line(text, "hotstandby_vgmp_priority %lld",
		  (long long)json_integer_value(json_object_get(v, "priority")));
	if (json_is_object(json_object_get(v, "peer")))
		want_line(text, "hotstandby_vgmp_peer_priority %lld",
			  (long long)json_integer_value(
				  json_object_get(json_object_get(v, "peer"), "priority")));
	want_bridge_tracker(text, json_object_get(v, "tracked"));
	want_unread_counters(text, v);
	json_array_foreach (json_object_get(vr, "groups"), i, item) {
		want_line(text,
			  "hotstandby_vrrp_state{interface=\"%s\",vrid=\"%lld\",family=\"%s\","
			  "state=\"%s\"} 1",
			  json_string_value(json_object_get(item, "interface")),
			  (long long)json_integer_value(json_object_get(item, "vrid")),
			  json_string_value(json_object_get(item, "family")),
			  json_string_value(json_object_get(item, "state")));
		want_line(text,
			  "hotstandby_vrrp_sent_adverts_total{interface=\"%s\",vrid=\"%lld\","
			  "family=\"%s\"} %lld",
			  json_string_value(json_object_get(item, "interface")),
			  (long long)json_integer_value(json_object_get(item, "vrid")),
			  json_string_value(json_object_get(item, "family")),
			  (long long)json_integer_value(
				  json_object_get(json_object_get(item, "counters"), "tx")));
	}
	json_array_foreach (json_object_get(hi, "interfaces"), i, item) {
		const char *ifname = json_string_value(json_object_get(item, "interface"));
		want_line(text, "hotstandby_hrp_link_hellos_sent_total{interface=\"%s\"} %lld",
			  ifname,
			  (long long)json_integer_value(json_object_get(item, "hellos_sent")));
		want_line(text, "hotstandby_hrp_link_state{interface=\"%s\",state=\"%s\"} 1",
			  ifname, json_string_value(json_object_get(item, "state")));
	}
	const char *reason;
	json_object_foreach (json_object_get(hs, "drops"), reason, item)
		want_line(text, "hotstandby_hrp_drops_total{reason=\"%s\"} %lld", reason,
			  (long long)json_integer_value(item));
	want_line(text, "hotstandby_hrp_challenges_throttled_total %lld",
		  (long long)json_integer_value(json_object_get(hs, "challenges_throttled")));
	assert_int_equal(json_integer_value(json_object_get(hs, "challenges_throttled")), 2);
	want_line(text, "hotstandby_hrp_registry_unreadable_total %lld",
		  (long long)json_integer_value(json_object_get(hs, "registry_unreadable")));
	want_line(text, "hotstandby_hrp_messages_sent_total{type=\"hello\"} %lld",
		  (long long)json_integer_value(
			  json_object_get(json_object_get(hs, "sent"), "hello")));
	const json_t *c = json_object_get(ss, "statistics");
	want_line(text, "hotstandby_session_events_total{event=\"new\"} %lld",
		  (long long)json_integer_value(json_object_get(c, "events_new")));
	want_line(text, "hotstandby_session_sent_bytes_total %lld",
		  (long long)json_integer_value(json_object_get(c, "bytes_sent")));
	want_line(text, "hotstandby_session_bulks_abandoned_total %lld",
		  (long long)json_integer_value(json_object_get(c, "bulks_abandoned")));
	assert_int_equal(json_integer_value(json_object_get(c, "bulks_abandoned")), 1);
	const json_t *hrp = json_object_get(st, "hrp");
	want_line(text, "hotstandby_hrp_peer_state{state=\"%s\"} 1",
		  json_string_value(json_object_get(json_object_get(hrp, "peer"), "state")));
	want_line(text, "hotstandby_up{daemon=\"hrpd\"} 1");
	want_line(text, "hotstandby_uptime_seconds{daemon=\"hrpd\"} %g",
		  (double)json_integer_value(json_object_get(st, "uptime_ms")) / 1000.0);
	/* sums of labelled series are not exported twice */
	assert_null(strstr(text, "hotstandby_hrp_dropped_total"));
	json_decref(vg);
	json_decref(vr);
	json_decref(hi);
	json_decref(hs);
	json_decref(ss);
	json_decref(st);
	free(text);
}

/* Mirror session on (session-stats of fw2 captured in the load-sharing lab, s43, after its
 * conflicts: late acks, conflicts taken, drops): every member of "mirror" has its series, gauges
 * in seconds, releases and unheld packets by reason; with mirroring off, none of them. */
static void test_mirror_session(void **state)
{
	json_t *ss = fixture("hrpd", "session-stats-mirror");
	const json_t *m = json_object_get(json_object_get(ss, "statistics"), "mirror");
	struct hs_prom *p = hs_prom_new();
	assert_int_equal(hs_metrics_declare(p), 0);
	assert_true(hs_metrics_from_reply(p, "hrpd", "session-stats", ss) > 0);
	char *text = render(p);
	hs_prom_free(p);
	strict_read(text);
	assert_null(strstr(text, "counter of")); /* no member fell to the catch-alls */
#define M(k) ((long long)json_integer_value(json_object_get(m, k)))
	want_line(text, "hotstandby_session_mirror_enabled 1");
	want_line(text, "hotstandby_session_mirror_hold_seconds %.15g", (double)M("hold_ms") * 0.001);
	want_line(text, "hotstandby_session_mirror_held_packets %lld", M("held_now"));
	want_line(text, "hotstandby_session_mirror_holds_total %lld", M("held"));
	assert_true(M("held") > 0 && M("conflicts_taken") > 0 && M("acks_late") > 0);
	static const char *const released[][2] = {
		{ "acked", "released_acked" },
		{ "timeout", "released_timeout" },
		{ "stop", "released_stop" },
	};
	for (size_t i = 0; i < 3; i++)
		want_line(text, "hotstandby_session_mirror_released_total{reason=\"%s\"} %lld",
			  released[i][0], M(released[i][1]));
	static const char *const unheld[] = { "policy", "unreadable", "no_peer", "full",
					      "channel" };
	for (size_t i = 0; i < 5; i++) {
		char key[32];
		snprintf(key, sizeof(key), "unheld_%s", unheld[i]);
		want_line(text, "hotstandby_session_mirror_unheld_total{reason=\"%s\"} %lld",
			  unheld[i], M(key));
	}
	static const char *const counters[][2] = {
		{ "records_sent", "sent_records" },
		{ "acks_received", "acks_received" },
		{ "acks_late", "acks_late" },
		{ "peer_records", "received_records" },
		{ "peer_entries", "received_entries" },
		{ "peer_records_bad", "received_records_bad" },
		{ "acks_sent", "acks_sent" },
		{ "conflicts_kept", "conflicts_kept" },
		{ "conflicts_taken", "conflicts_taken" },
		{ "conflict_drops", "conflict_drops" },
		{ "events_already_mirrored", "events_already_mirrored" },
		{ "ack_delays", "ack_delays" },
		{ "queue_packets", "queue_packets" },
		{ "queue_msgs_bad", "queue_messages_bad" },
		{ "queue_overruns", "queue_overruns" },
		{ "queue_verdicts", "queue_verdicts" },
		{ "queue_verdict_errors", "queue_verdict_errors" },
	};
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		want_line(text, "hotstandby_session_mirror_%s_total %lld", counters[i][1],
			  M(counters[i][0]));
	static const char *const delays[][2] = {
		{ "ack_delay_us_avg", "average" },
		{ "ack_delay_us_max", "max" },
		{ "ack_delay_us_p50_le", "p50" },
		{ "ack_delay_us_p99_le", "p99" },
	};
	for (size_t i = 0; i < 4; i++) {
		assert_true(M(delays[i][0]) > 0);
		want_line(text, "hotstandby_session_mirror_ack_delay_%s_seconds %.15g", delays[i][1],
			  (double)M(delays[i][0]) * 0.000001);
	}
	want_line(text, "hotstandby_session_mirror_ack_delay_p99_seconds 0.016384");
#undef M
	free(text);
	json_decref(ss);

	/* A counter of a newer hrpd: exported by its name. */
	p = hs_prom_new();
	assert_int_equal(hs_metrics_declare(p), 0);
	json_t *j = json_pack("{s:{s:{s:b, s:i, s:i}}}", "statistics", "mirror", "on", 1, "held", 4,
			      "held_ipv6", 2);
	assert_true(hs_metrics_from_reply(p, "hrpd", "session-stats", j) > 0);
	json_decref(j);
	text = render(p);
	hs_prom_free(p);
	want_line(text, "hotstandby_session_mirror_holds_total 4");
	want_line(text, "hotstandby_session_mirror_held_ipv6_total 2");
	assert_null(strstr(text, "hotstandby_session_mirror_held_total"));
	free(text);

	/* Mirroring off ({"on": false}, the lab's active-standby capture): only the flag. */
	text = all_fixtures();
	want_line(text, "hotstandby_session_mirror_enabled 0");
	assert_null(strstr(text, "\nhotstandby_session_mirror_holds_total "));
	assert_null(strstr(text, "\nhotstandby_session_mirror_released_total{"));
	assert_null(strstr(text, "\nhotstandby_session_mirror_ack_delay_p99_seconds "));
	free(text);
}

/* ---- the edges ---- */

static void test_unreachable_and_unknown(void **state)
{
	struct hs_prom *p = hs_prom_new();
	assert_int_equal(hs_metrics_declare(p), 0);
	assert_int_equal(hs_metrics_up(p, "hrpd", false), 0);
	json_t *j = json_pack("{s:{s:s, s:i}}", "vgmp", "state", "weird", "priority", 7);
	assert_true(hs_metrics_from_reply(p, "vgmpd", "status", j) > 0);
	json_decref(j);
	/* a counter of a newer hrpd: exported by its name; the known ones not twice */
	j = json_pack("{s:{s:i, s:i, s:{s:i}}}", "statistics", "events_new", 3, "mirror_held", 5,
		      "skipped", "not-tcp", 2);
	assert_true(hs_metrics_from_reply(p, "hrpd", "session-stats", j) > 0);
	json_decref(j);
	/* not an object: nothing */
	assert_int_equal(hs_metrics_from_reply(p, "hrpd", "status", NULL), -EINVAL);
	char *text = render(p);
	want_line(text, "hotstandby_up{daemon=\"hrpd\"} 0");
	want_line(text, "hotstandby_vgmp_state{state=\"active\"} 0");
	want_line(text, "hotstandby_vgmp_state{state=\"weird\"} 1");
	want_line(text, "hotstandby_vgmp_priority 7");
	want_line(text, "hotstandby_session_mirror_held_total 5");
	want_line(text, "hotstandby_session_events_total{event=\"new\"} 3");
	want_line(text, "hotstandby_session_skipped_total{reason=\"not-tcp\"} 2");
	assert_null(strstr(text, "hotstandby_session_events_new_total"));
	assert_null(strstr(text, "hotstandby_session_skipped_total 2"));
	strict_read(text);
	free(text);
	hs_prom_free(p);
}

static void test_listen_parse(void **state)
{
	struct sockaddr_storage sa;
	socklen_t len;
	assert_int_equal(hs_listen_parse("127.0.0.1:9469", &sa, &len), 0);
	assert_int_equal(sa.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&sa)->sin_port), 9469);
	assert_int_equal(hs_listen_parse("[::1]:80", &sa, &len), 0);
	assert_int_equal(sa.ss_family, AF_INET6);
	assert_int_equal(hs_listen_parse(":9469", &sa, &len), 0);
	assert_int_equal(((struct sockaddr_in *)&sa)->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	const char *bad[] = { "localhost:80", "1.2.3.4", "1.2.3.4:",   "1.2.3.4:99999",
			      "::1:80",       "[::1]80", "1.2.3.4:80x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (hs_listen_parse(bad[i], &sa, &len) != -EINVAL)
			fail_msg("accepted %s", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prom_format),
		cmocka_unit_test(test_prom_numbers),
		cmocka_unit_test(test_table_is_consistent),
		cmocka_unit_test(test_every_metric_documented),
		cmocka_unit_test(test_fixtures_read_strictly),
		cmocka_unit_test(test_fixtures_values),
		cmocka_unit_test(test_mirror_session),
		cmocka_unit_test(test_unreachable_and_unknown),
		cmocka_unit_test(test_listen_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
