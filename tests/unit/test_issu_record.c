/* The persisted upgrade record (lib/issu_record.h): a machine's state survives encode -> text ->
 * decode -> restore (deadline as wall clock); unknown fields are skipped at every level; a newer
 * major and another format are refused; each malformed field is refused with its name and the
 * output untouched; the history keeps the newest entries; and mangled records never crash. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hrp_test_version.h"
#include "issu_record.h"

#define WALL0 1790000000000ull /* a Unix time in ms, 2026 */

static struct issu_actions out;
static struct issu_record rec, dec;
static char err[256];

static void ev(struct issu *s, struct issu_event e, uint64_t now)
{
	assert_true(issu_step(s, &e, now, &out, NULL) >= 0);
}

/* A pair in runswitched after a partial load, timer running; the record filled at every step. */
static void runswitched_record(struct issu *s, struct issu_record *r)
{
	struct hrp_registry normal, newer;
	struct issu_verdict v;

	issu_record_init(r);
	issu_init(s, 0);
	ev(s, (struct issu_event){ .kind = ISSU_EV_LOAD }, 1000);
	issu_record_from_state(r, s, 1000, WALL0 + 1000);
	ev(s, (struct issu_event){ .kind = ISSU_EV_VERDICT, .verdict = HRP_COMPAT_PARTIAL }, 2000);
	for (int d = 0; d < ISSU_D_MAX; d++)
		ev(s,
		   (struct issu_event){ .kind = ISSU_EV_DAEMON_OK,
					.box = ISSU_BOX_FIRST,
					.daemon = (enum issu_daemon)d },
		   3000);
	issu_record_from_state(r, s, 3000, WALL0 + 3000);
	ev(s, (struct issu_event){ .kind = ISSU_EV_RUNSWITCH }, 4000);
	ev(s, (struct issu_event){ .kind = ISSU_EV_SWITCHOVER_DONE }, 5000);
	issu_record_from_state(r, s, 5000, WALL0 + 5000);

	hrp_registry_builtin(&normal);
	hrp_registry_variant(&newer, HRP_TESTV_TLV);
	assert_int_equal(issu_verdict_compute(&newer, &normal, &v), 0);
	issu_record_set_held(r, &v);
	snprintf(r->old_rel.version, sizeof(r->old_rel.version), "1.3.0");
	snprintf(r->old_rel.path, sizeof(r->old_rel.path), "/usr/sbin");
	snprintf(r->new_rel.version, sizeof(r->new_rel.version), "1.4.0");
	snprintf(r->new_rel.path, sizeof(r->new_rel.path), "/opt/hotstandby-1.4.0/sbin");
	snprintf(r->box[ISSU_BOX_FIRST].name, sizeof(r->box[0].name), "fw2");
	snprintf(r->box[ISSU_BOX_SECOND].name, sizeof(r->box[0].name), "fw1");
	/* taken over once by the first box (minor 1's "runner") */
	r->has_runner = true;
	r->runner = ISSU_BOX_FIRST;
	r->term = 1;
}

static json_t *through_text(const json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);
	assert_non_null(text);
	json_t *back = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(back);
	return back;
}

static void test_roundtrip_and_restore(void **state)
{
	(void)state;
	struct issu s, restored;
	runswitched_record(&s, &rec);
	assert_int_equal(rec.n_history, 3); /* loading, loaded, runswitched */
	assert_int_equal(rec.history[1].stage, ISSU_LOADED);
	assert_int_equal(rec.history[2].at_unix_ms, WALL0 + 4000); /* when the stage began */
	assert_int_equal(rec.deadline_unix_ms, WALL0 + 4000 + ISSU_ROLLBACK_TIMEOUT_MS);
	assert_int_equal(rec.n_held, 1);

	json_t *j = issu_record_encode(&rec);
	assert_non_null(j);
	json_t *back = through_text(j);
	memset(&dec, 0xa5, sizeof(dec));
	assert_int_equal(issu_record_decode(back, &dec, err, sizeof(err)), 0);
	assert_memory_equal(&dec, &rec, sizeof(rec));
	json_decref(j);
	json_decref(back);

	/* The box rebooted: its monotonic clock starts again at 50 s, the wall clock moved on
	 * 10 min. The timer keeps its wall-clock deadline. */
	uint64_t now = 50000, wall = WALL0 + 5000 + 10 * 60000;
	assert_int_equal(issu_record_to_state(&dec, &restored, now, wall), 0);
	assert_int_equal(restored.stage, ISSU_RUNSWITCHED);
	assert_int_equal(restored.active, ISSU_BOX_FIRST);
	assert_int_equal(restored.mode, ISSU_MODE_HOT);
	assert_int_equal(restored.verdict, HRP_COMPAT_PARTIAL);
	assert_memory_equal(restored.bin, s.bin, sizeof(s.bin));
	assert_int_equal(restored.deadline_ms,
			 now + (WALL0 + 4000 + ISSU_ROLLBACK_TIMEOUT_MS - wall));
	/* and the restored machine goes on: the timer fires at its deadline and rolls back */
	struct issu_event t = { .kind = ISSU_EV_TIMER };
	assert_int_equal(issu_step(&restored, &t, restored.deadline_ms, &out, NULL),
			 ISSU_ROLLING_BACK);

	/* past the deadline after a long outage: due at once */
	assert_int_equal(
		issu_record_to_state(&dec, &restored, now, wall + 2 * ISSU_ROLLBACK_TIMEOUT_MS), 0);
	assert_int_equal(restored.deadline_ms, now);

	/* the wall clock went back a year (an RTC reset, NTP not yet synced): the timer runs
	 * its own length from now, not the year */
	assert_int_equal(issu_record_to_state(&dec, &restored, now, WALL0 - 365ull * 86400000), 0);
	assert_int_equal(restored.deadline_ms, now + ISSU_ROLLBACK_TIMEOUT_MS);
	assert_non_null(strstr(restored.why, "wall clock went back"));

	/* out-of-range values in a record are refused, the machine untouched */
	struct issu keep = restored;
	dec.box[ISSU_BOX_SECOND].bin[ISSU_D_HRPD] = ISSU_BIN_MAX;
	assert_int_equal(issu_record_to_state(&dec, &restored, now, wall), -EINVAL);
	assert_memory_equal(&keep, &restored, sizeof(keep));
}

static void test_unknown_fields_skipped_everywhere(void **state)
{
	(void)state;
	struct issu s;
	runswitched_record(&s, &rec);
	json_t *j = issu_record_encode(&rec);
	json_object_set_new(j, "minor", json_integer(7));
	json_object_set_new(j, "future", json_string("x"));
	json_object_set_new(json_object_get(j, "timer"), "jitter", json_integer(5));
	json_object_set_new(json_object_get(j, "wait"), "since", json_integer(5));
	json_object_set_new(json_object_get(json_object_get(j, "boxes"), "first"), "uptime",
			    json_integer(5));
	json_object_set_new(
		json_object_get(json_object_get(json_object_get(j, "boxes"), "first"), "daemons"),
		"exporter", json_string("new"));
	json_object_set_new(json_array_get(json_object_get(j, "held"), 0), "reason",
			    json_string("y"));
	json_object_set_new(json_array_get(json_object_get(j, "history"), 0), "who",
			    json_string("op"));
	assert_int_equal(issu_record_decode(j, &dec, err, sizeof(err)), 0);
	assert_int_equal(dec.minor, 7);
	dec.minor = rec.minor;
	assert_memory_equal(&dec, &rec, sizeof(rec));
	json_decref(j);
}

static void test_newer_major_and_other_format_refused(void **state)
{
	(void)state;
	struct issu s;
	runswitched_record(&s, &rec);
	json_t *j = issu_record_encode(&rec);
	json_object_set_new(j, "major", json_integer(ISSU_RECORD_MAJOR + 1));
	memset(&dec, 0x5a, sizeof(dec));
	struct issu_record keep = dec;
	assert_int_equal(issu_record_decode(j, &dec, err, sizeof(err)), -EPROTONOSUPPORT);
	char newer[32];
	snprintf(newer, sizeof(newer), "%d.%d is not readable", ISSU_RECORD_MAJOR + 1,
		 ISSU_RECORD_MINOR);
	assert_non_null(strstr(err, newer));
	assert_memory_equal(&dec, &keep, sizeof(dec));
	json_object_set_new(j, "major", json_integer(1));
	json_object_set_new(j, "format", json_string("hotstandby-hrpd"));
	assert_int_equal(issu_record_decode(j, &dec, err, sizeof(err)), -EPROTONOSUPPORT);
	assert_non_null(strstr(err, "format"));
	json_decref(j);
}

/* Each case changes one field of a good record; the message must name the field. */
static void test_malformed_fields_refused(void **state)
{
	(void)state;
	static const struct {
		const char *path; /* "a" or "a/b" or "a/b/c"; "#0" picks an array element */
		const char *json; /* the new value; NULL: delete */
		const char *named;
	} cases[] = {
		{ "stage", "\"upgrading\"", "stage" },
		{ "stage", "3", "stage" },
		{ "stage", NULL, "stage" },
		{ "major", "-1", "major" },
		{ "major", "1.5", "major" },
		{ "active", "\"third\"", "active" },
		{ "verdict", "\"mostly\"", "verdict" },
		{ "mode", "[]", "mode" },
		{ "boxes", NULL, "boxes" },
		{ "boxes/second", NULL, "second" },
		{ "boxes/first/daemons", "{}", "vrrpd" },
		{ "boxes/first/daemons/hrpd", "\"newer\"", "hrpd" },
		{ "boxes/first/needs_sync", "1", "needs_sync" },
		{ "boxes/first/name",
		  "\"0123456789012345678901234567890123456789012345678901234567890123456789\"",
		  "name" },
		{ "timer", "5", "timer" },
		{ "timer/deadline", "-5", "deadline" },
		{ "timer/timeout_ms", "0", "timeout_ms" },
		{ "timer/timeout_ms", "604800001", "timeout_ms" },
		{ "wait/what", "\"coffee\"", "what" },
		{ "held", "{}", "held" },
		{ "held/#0", "7", "held" },
		{ "held/#0/send", "\"maybe\"", "send" },
		{ "held/#0/type", "70000", "type" },
		{ "held/#0/send_at", "[1]", "send_at" },
		{ "held/#0/omit", "[1, \"x\"]", "omit" },
		{ "history/#0/at", "\"noon\"", "at" },
		{ "history/#0", "null", "history" },
		{ "old/path", "\"a\\u0000b\"", "NUL" },
		{ "retries", "100000", "retries" },
		{ "runner", "5", "runner" },
		{ "runner/box", "\"third\"", "box" },
		{ "runner/term", "-1", "term" },
		{ "runner/term", "4294967296", "term" },
		{ "runner/term", NULL, "term" },
	};
	struct issu s;
	runswitched_record(&s, &rec);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = issu_record_encode(&rec), *parent = j;
		char path[128], *save = NULL, *tok, *next;
		snprintf(path, sizeof(path), "%s", cases[i].path);
		tok = strtok_r(path, "/", &save);
		while ((next = strtok_r(NULL, "/", &save))) {
			parent = tok[0] == '#' ? json_array_get(parent, (size_t)atoi(tok + 1))
					       : json_object_get(parent, tok);
			assert_non_null(parent);
			tok = next;
		}
		json_t *nv = cases[i].json ? json_loads(cases[i].json,
							JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL)
					   : NULL;
		if (tok[0] == '#')
			json_array_set_new(parent, (size_t)atoi(tok + 1), nv);
		else if (nv)
			json_object_set_new(parent, tok, nv);
		else
			json_object_del(parent, tok);
		memset(&dec, 0x5a, sizeof(dec));
		struct issu_record keep = dec;
		int r = issu_record_decode(j, &dec, err, sizeof(err));
		if (r != -EINVAL || !strstr(err, cases[i].named))
			fail_msg("case %s = %s: r %d, err \"%s\"", cases[i].path,
				 cases[i].json ? cases[i].json : "(deleted)", r, err);
		assert_memory_equal(&dec, &keep, sizeof(dec));
		json_decref(j);
	}
	assert_int_equal(issu_record_decode(NULL, &dec, err, sizeof(err)), -EINVAL);
	json_t *arr = json_array();
	assert_int_equal(issu_record_decode(arr, &dec, err, 0),
			 -EINVAL); /* no room for a message */
	json_decref(arr);
}

/* A minor-0 record (before "runner") decodes with no runner: its writer ran the upgrade. */
static void test_minor0_record_has_no_runner(void **state)
{
	(void)state;
	struct issu s;
	runswitched_record(&s, &rec);
	json_t *j = issu_record_encode(&rec);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "runner"), "term")),
			 1);
	json_object_del(j, "runner");
	json_object_set_new(j, "minor", json_integer(0));
	assert_int_equal(issu_record_decode(j, &dec, err, sizeof(err)), 0);
	assert_false(dec.has_runner);
	assert_int_equal(dec.term, 0);
	assert_int_equal(dec.minor, 0);
	assert_int_equal(dec.stage, ISSU_RUNSWITCHED);
	json_decref(j);
}

static void test_history_keeps_newest(void **state)
{
	(void)state;
	struct issu s;
	issu_record_init(&rec);
	issu_init(&s, 0);
	for (int i = 0; i < 40; i++) {
		s.stage = (enum issu_stage)(i % ISSU_STAGE_MAX);
		s.since_ms = (uint64_t)i;
		issu_record_from_state(&rec, &s, (uint64_t)i, WALL0 + (uint64_t)i);
		issu_record_from_state(&rec, &s, (uint64_t)i, WALL0 + (uint64_t)i); /* no change */
	}
	assert_int_equal(rec.n_history, ISSU_RECORD_HISTORY);
	assert_int_equal(rec.history[0].at_unix_ms, WALL0 + 40 - ISSU_RECORD_HISTORY);
	assert_int_equal(rec.history[ISSU_RECORD_HISTORY - 1].at_unix_ms, WALL0 + 39);

	/* a newer writer keeping more history: the newest are kept */
	json_t *j = issu_record_encode(&rec);
	json_t *h = json_object_get(j, "history");
	json_t *copy = json_deep_copy(h);
	json_array_extend(h, copy); /* extend takes no reference */
	json_decref(copy);
	assert_int_equal(issu_record_decode(j, &dec, err, sizeof(err)), 0);
	assert_int_equal(dec.n_history, ISSU_RECORD_HISTORY);
	assert_int_equal(dec.history[ISSU_RECORD_HISTORY - 1].at_unix_ms, WALL0 + 39);
	json_decref(j);
}

/* Mangled text: every prefix, and bytes changed at random; nothing may crash, and what decodes
 * must encode again. */
static void test_mangled_records_never_crash(void **state)
{
	(void)state;
	struct issu s;
	unsigned seed = 7, decoded = 0;
	runswitched_record(&s, &rec);
	json_t *j = issu_record_encode(&rec);
	char *text = json_dumps(j, JSON_COMPACT);
	size_t len = strlen(text);
	char *buf = malloc(len + 1);
	assert_non_null(buf);
	for (size_t n = 0; n < len + 3000; n++) {
		memcpy(buf, text, len + 1);
		if (n < len) {
			buf[n] = '\0';
		} else {
			for (int k = 0; k < 3; k++) {
				seed = seed * 1103515245u + 12345u;
				buf[(seed >> 8) % len] =
					"{}[]\",:0-9aeftnlrsu \\"[(seed >> 20) % 22];
			}
		}
		json_t *m = json_loads(buf, 0, NULL);
		if (!m)
			continue;
		if (issu_record_decode(m, &dec, err, sizeof(err)) == 0) {
			decoded++;
			json_t *again = issu_record_encode(&dec);
			assert_non_null(again);
			json_decref(again);
		} else {
			assert_true(err[0] != '\0');
		}
		json_decref(m);
	}
	assert_true(decoded > 0);
	free(buf);
	free(text);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_and_restore),
		cmocka_unit_test(test_unknown_fields_skipped_everywhere),
		cmocka_unit_test(test_newer_major_and_other_format_refused),
		cmocka_unit_test(test_malformed_fields_refused),
		cmocka_unit_test(test_minor0_record_has_no_runner),
		cmocka_unit_test(test_history_keeps_newest),
		cmocka_unit_test(test_mangled_records_never_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
