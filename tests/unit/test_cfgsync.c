/* Config sync's pure core (lib/cfgsync_core.h): records round trip and every decode error; the
 * canonical text (dynamic set elements out, one-line groups sorted); renames both ways and
 * their parsing; the digest's inputs; the diff; the config role; commit-confirmed; the
 * settings record and which settings are synced and how a box's become the master's. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cfgsync_core.h"
#include "cfgsync_settings.h"
#include "hrp_msg.h"

static const char ruleset[] = "table inet hslab_fw {\n"
			      "\tset seen {\n"
			      "\t\ttype ipv4_addr\n"
			      "\t\tflags dynamic,timeout\n"
			      "\t\ttimeout 1m\n"
			      "\t\telements = { 192.0.2.99,\n"
			      "\t\t\t     192.0.2.98 }\n"
			      "\t}\n"
			      "\n"
			      "\tset allow {\n"
			      "\t\ttype ipv4_addr\n"
			      "\t\telements = { 192.0.2.11, 192.0.2.10 }\n"
			      "\t}\n"
			      "\n"
			      "\tchain input {\n"
			      "\t\ttype filter hook input priority filter; policy drop;   \n"
			      "\t\tiifname != { \"up0\", \"hb0\" } accept comment \"a, {b}\"\n"
			      "\t}\n"
			      "}\n";

static const char canonical[] = "table inet hslab_fw {\n"
				"\tset seen {\n"
				"\t\ttype ipv4_addr\n"
				"\t\tflags dynamic,timeout\n"
				"\t\ttimeout 1m\n"
				"\t}\n"
				"\n"
				"\tset allow {\n"
				"\t\ttype ipv4_addr\n"
				"\t\telements = { 192.0.2.10, 192.0.2.11 }\n"
				"\t}\n"
				"\n"
				"\tchain input {\n"
				"\t\ttype filter hook input priority filter; policy drop;\n"
				"\t\tiifname != { \"hb0\", \"up0\" } accept comment \"a, {b}\"\n"
				"\t}\n"
				"}\n";

/* ---- records ---- */

static struct hs_cfgsync_rec full_rec(void)
{
	struct hs_cfgsync_rec r = { .kind = HS_CFGSYNC_FULL, .gen = 7, .n_tables = 2 };
	snprintf(r.tables[0].name, sizeof(r.tables[0].name), "inet hslab_fw");
	r.tables[0].present = true;
	r.tables[0].text = canonical;
	r.tables[0].len = strlen(canonical);
	snprintf(r.tables[1].name, sizeof(r.tables[1].name), "ip nat");
	hs_cfgsync_digest(r.tables, r.n_tables, r.digest);
	return r;
}

static void full_set_round_trips(void **state)
{
	(void)state;
	struct hs_cfgsync_rec r = full_rec(), back;
	uint8_t buf[4096];
	size_t n = hs_cfgsync_encode(&r, buf, sizeof(buf));
	assert_int_equal(n, HS_CFGSYNC_HDR_LEN + 1 + (1 + 13 + 1 + 4 + strlen(canonical)) +
				    (1 + 6 + 1 + 4));
	assert_int_equal(buf[0], HS_CFGSYNC_VERSION);
	assert_int_equal(buf[1], HS_CFGSYNC_FULL);
	assert_int_equal(hs_cfgsync_decode(buf, n, &back), HS_CFGSYNC_OK);
	assert_int_equal(back.kind, HS_CFGSYNC_FULL);
	assert_int_equal(back.gen, 7);
	assert_int_equal(back.n_tables, 2);
	assert_string_equal(back.tables[0].name, "inet hslab_fw");
	assert_true(back.tables[0].present);
	assert_int_equal(back.tables[0].len, strlen(canonical));
	assert_memory_equal(back.tables[0].text, canonical, strlen(canonical));
	assert_string_equal(back.tables[1].name, "ip nat");
	assert_false(back.tables[1].present);
	assert_memory_equal(back.digest, r.digest, HS_CFGSYNC_DIGEST_LEN);
	/* too small a buffer: nothing */
	assert_int_equal(hs_cfgsync_encode(&r, buf, n - 1), 0);
}

static void result_and_request_round_trip(void **state)
{
	(void)state;
	struct hs_cfgsync_rec r = { .kind = HS_CFGSYNC_RESULT,
				    .gen = 3,
				    .ref_gen = 9,
				    .status = HS_CFGSYNC_FAILED },
			      back;
	snprintf(r.msg, sizeof(r.msg), "Error: syntax error");
	uint8_t buf[256];
	size_t n = hs_cfgsync_encode(&r, buf, sizeof(buf));
	assert_int_equal(n, HS_CFGSYNC_HDR_LEN + 4 + 1 + 2 + strlen(r.msg));
	assert_int_equal(hs_cfgsync_decode(buf, n, &back), HS_CFGSYNC_OK);
	assert_int_equal(back.ref_gen, 9);
	assert_int_equal(back.status, HS_CFGSYNC_FAILED);
	assert_string_equal(back.msg, "Error: syntax error");

	struct hs_cfgsync_rec q = { .kind = HS_CFGSYNC_REQUEST, .gen = 1 };
	n = hs_cfgsync_encode(&q, buf, sizeof(buf));
	assert_int_equal(n, HS_CFGSYNC_HDR_LEN);
	assert_int_equal(hs_cfgsync_decode(buf, n, &back), HS_CFGSYNC_OK);
	assert_int_equal(back.kind, HS_CFGSYNC_REQUEST);
	/* kind invalid or status unknown: not encoded */
	q.kind = HS_CFGSYNC_KIND_INVALID;
	assert_int_equal(hs_cfgsync_encode(&q, buf, sizeof(buf)), 0);
	r.status = HS_CFGSYNC_STATUS_MAX;
	assert_int_equal(hs_cfgsync_encode(&r, buf, sizeof(buf)), 0);
}

static void decode_names_each_error(void **state)
{
	(void)state;
	struct hs_cfgsync_rec r = full_rec(), back;
	uint8_t buf[4096], bad[4096];
	size_t n = hs_cfgsync_encode(&r, buf, sizeof(buf));

	/* every cut is truncated */
	for (size_t cut = 0; cut < n; cut++)
		assert_int_equal(hs_cfgsync_decode(buf, cut, &back), HS_CFGSYNC_E_TRUNCATED);
	memcpy(bad, buf, n);
	bad[n] = 0;
	assert_int_equal(hs_cfgsync_decode(bad, n + 1, &back), HS_CFGSYNC_E_TRAILING);
	bad[0] = 2;
	assert_int_equal(hs_cfgsync_decode(bad, n, &back), HS_CFGSYNC_E_VERSION);
	bad[0] = 1;
	bad[1] = 9;
	assert_int_equal(hs_cfgsync_decode(bad, n, &back), HS_CFGSYNC_E_KIND);
	bad[1] = HS_CFGSYNC_FULL;
	bad[HS_CFGSYNC_HDR_LEN] = HS_CFGSYNC_TABLES_MAX + 1;
	assert_int_equal(hs_cfgsync_decode(bad, n, &back), HS_CFGSYNC_E_TABLES);
	bad[HS_CFGSYNC_HDR_LEN] = 2;
	bad[HS_CFGSYNC_HDR_LEN + 2] = 'x'; /* "xnet hslab_fw": no such family */
	assert_int_equal(hs_cfgsync_decode(bad, n, &back), HS_CFGSYNC_E_NAME);
	bad[HS_CFGSYNC_HDR_LEN + 2] = 'i';
	bad[HS_CFGSYNC_HDR_LEN + 1] = 0; /* an empty name */
	assert_int_equal(hs_cfgsync_decode(bad, n, &back), HS_CFGSYNC_E_NAME);
	memcpy(bad, buf, n);
	bad[n - 1] = 1; /* "ip nat" absent, with a text (which would be its last byte) */
	assert_int_equal(hs_cfgsync_decode(bad, n + 1, &back), HS_CFGSYNC_E_PRESENT);
	assert_int_equal(hs_cfgsync_decode(bad, n, &back), HS_CFGSYNC_E_PRESENT);
	bad[n - 1] = 0;
	bad[n - 5] = 2; /* present 2 */
	assert_int_equal(hs_cfgsync_decode(bad, n, &back), HS_CFGSYNC_E_PRESENT);
	memcpy(bad, buf, n);
	bad[n - 20] ^= 1; /* one bit of the text: not the digest's */
	assert_int_equal(hs_cfgsync_decode(bad, n, &back), HS_CFGSYNC_E_DIGEST);

	struct hs_cfgsync_rec res = { .kind = HS_CFGSYNC_RESULT, .status = HS_CFGSYNC_APPLIED };
	n = hs_cfgsync_encode(&res, buf, sizeof(buf));
	buf[HS_CFGSYNC_HDR_LEN + 4] = HS_CFGSYNC_STATUS_MAX;
	assert_int_equal(hs_cfgsync_decode(buf, n, &back), HS_CFGSYNC_E_STATUS);
	assert_string_equal(hs_cfgsync_err_name(HS_CFGSYNC_E_DIGEST), "digest-mismatch");
	assert_string_equal(hs_cfgsync_kind_name(HS_CFGSYNC_REPORT), "report");
	assert_string_equal(hs_cfgsync_status_name(HS_CFGSYNC_REVERTED), "reverted");
	assert_string_equal(hs_cfgsync_kind_name(200), "unknown");
}

/* ---- settings ---- */

static void settings_record_round_trips(void **state)
{
	(void)state;
	static const char text[] = "{\"vgmpd.preempt_delay\":7}";
	struct hs_cfgsync_rec r = { .kind = HS_CFGSYNC_SETTINGS,
				    .gen = 4,
				    .apply = true,
				    .settings = text,
				    .settings_len = sizeof(text) - 1 },
			      back;
	uint8_t buf[256], bad[256];
	hs_cfgsync_settings_digest(text, sizeof(text) - 1, r.digest);
	size_t n = hs_cfgsync_encode(&r, buf, sizeof(buf));
	assert_int_equal(n, HS_CFGSYNC_HDR_LEN + 1 + 4 + sizeof(text) - 1);
	assert_int_equal(hs_cfgsync_decode(buf, n, &back), HS_CFGSYNC_OK);
	assert_int_equal(back.kind, HS_CFGSYNC_SETTINGS);
	assert_true(back.apply);
	assert_int_equal(back.settings_len, sizeof(text) - 1);
	assert_memory_equal(back.settings, text, sizeof(text) - 1);
	for (size_t cut = 0; cut < n; cut++)
		assert_int_equal(hs_cfgsync_decode(buf, cut, &back), HS_CFGSYNC_E_TRUNCATED);
	memcpy(bad, buf, n);
	bad[HS_CFGSYNC_HDR_LEN] = 2;
	assert_int_equal(hs_cfgsync_decode(bad, n, &back), HS_CFGSYNC_E_APPLY);
	memcpy(bad, buf, n);
	bad[n - 2] ^= 1; /* the text is not the digest's */
	assert_int_equal(hs_cfgsync_decode(bad, n, &back), HS_CFGSYNC_E_DIGEST);
	bad[n - 2] ^= 1;
	bad[n] = 0;
	assert_int_equal(hs_cfgsync_decode(bad, n + 1, &back), HS_CFGSYNC_E_TRAILING);

	/* the settings result is a result under its own kind */
	struct hs_cfgsync_rec res = { .kind = HS_CFGSYNC_SETTINGS_RES,
				      .ref_gen = 4,
				      .status = HS_CFGSYNC_FAILED };
	snprintf(res.msg, sizeof(res.msg), "vgmpd.preempt_delay: 9999 is out of range");
	n = hs_cfgsync_encode(&res, buf, sizeof(buf));
	assert_int_equal(hs_cfgsync_decode(buf, n, &back), HS_CFGSYNC_OK);
	assert_int_equal(back.kind, HS_CFGSYNC_SETTINGS_RES);
	assert_int_equal(back.ref_gen, 4);
	assert_string_equal(back.msg, res.msg);
	assert_string_equal(hs_cfgsync_kind_name(HS_CFGSYNC_SETTINGS), "settings");
	assert_string_equal(hs_cfgsync_err_name(HS_CFGSYNC_E_APPLY), "bad-apply");
}

static void settings_follow_the_schema_class(void **state)
{
	(void)state;
	assert_true(hs_cfgsync_setting_synced("vgmpd.preempt_delay"));
	assert_true(hs_cfgsync_setting_synced("hrpd.hello_interval"));
	assert_true(hs_cfgsync_setting_synced("vgmpd.ospf_cost.cost")); /* in a LOCAL group */
	assert_false(hs_cfgsync_setting_synced("vgmpd.priority"));      /* LOCAL */
	assert_false(hs_cfgsync_setting_synced("global.name"));
	assert_false(hs_cfgsync_setting_synced("vgmpd.ospf_cost")); /* a group */
	assert_false(hs_cfgsync_setting_synced("vgmpd.trackers"));  /* a list of groups */
	assert_false(hs_cfgsync_setting_synced("vgmpd.no_such"));
	assert_false(hs_cfgsync_setting_synced("vgmpd"));
	assert_false(hs_cfgsync_setting_synced(NULL));

	json_t *g = json_pack("{s:i, s:b, s:i, s:{s:b, s:i, s:[]}, s:[]}", "priority", 45000,
			      "preempt", 1, "preempt_delay", 7, "ospf_cost", "enable", 0, "cost",
			      65500, "interfaces", "trackers");
	json_t *out = json_object();
	assert_int_equal(hs_cfgsync_settings_pick("vgmpd", g, out), 4);
	assert_null(json_object_get(out, "vgmpd.priority"));
	assert_null(json_object_get(out, "vgmpd.ospf_cost.interfaces"));
	assert_int_equal(json_integer_value(json_object_get(out, "vgmpd.preempt_delay")), 7);
	char *text = hs_cfgsync_settings_text(out);
	assert_string_equal(text, "{\"vgmpd.ospf_cost.cost\":65500,\"vgmpd.ospf_cost.enable\":"
				  "false,\"vgmpd.preempt\":true,\"vgmpd.preempt_delay\":7}");
	free(text);
	assert_int_equal(hs_cfgsync_settings_pick("nogroup", g, out), 0);
	json_decref(g);
	json_decref(out);
}

static void settings_changes_never_touch_local_keys(void **state)
{
	(void)state;
	json_t *mine = json_pack("{s:i, s:b, s:i}", "vgmpd.preempt_delay", 60, "vgmpd.preempt", 1,
				 "hrpd.hello_interval", 1000);
	json_t *theirs =
		json_pack("{s:i, s:b, s:i, s:i, s:s}", "vgmpd.preempt_delay", 7, "vgmpd.preempt", 1,
			  "hrpd.hello_interval", 100, "vgmpd.priority", 100, "global.name", "fw1");
	size_t skipped = 0;
	json_t *c = hs_cfgsync_settings_changes(mine, theirs, "vgmpd", &skipped);
	assert_int_equal(json_array_size(c), 1);
	json_t *c0 = json_array_get(c, 0);
	assert_string_equal(json_string_value(json_object_get(c0, "path")), "vgmpd.preempt_delay");
	assert_int_equal(json_integer_value(json_object_get(c0, "value")), 7);
	assert_int_equal(skipped, 1); /* vgmpd.priority is LOCAL */
	json_decref(c);
	c = hs_cfgsync_settings_changes(mine, theirs, "hrpd", NULL);
	assert_int_equal(json_array_size(c), 1);
	json_decref(c);
	c = hs_cfgsync_settings_changes(mine, theirs, "global", &skipped);
	assert_int_equal(json_array_size(c), 0);
	json_decref(c);

	json_t *d = hs_cfgsync_settings_diff(mine, theirs);
	assert_int_equal(json_array_size(d), 4); /* sorted by path */
	assert_string_equal(json_string_value(json_object_get(json_array_get(d, 0), "path")),
			    "global.name");
	assert_true(json_is_null(json_object_get(json_array_get(d, 0), "here")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(d, 2), "path")),
			    "vgmpd.preempt_delay");
	json_decref(d);
	d = hs_cfgsync_settings_diff(mine, mine);
	assert_int_equal(json_array_size(d), 0);
	json_decref(d);
	json_decref(mine);
	json_decref(theirs);
}

/* ---- text ---- */

static void canon_drops_dynamic_elements_and_sorts_groups(void **state)
{
	(void)state;
	char out[2048];
	long n = hs_cfgsync_canon(ruleset, strlen(ruleset), out, sizeof(out));
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, canonical);
	/* canonical text is a fixed point */
	char again[2048];
	long m = hs_cfgsync_canon(out, (size_t)n, again, sizeof(again));
	assert_int_equal(m, n);
	assert_memory_equal(again, out, (size_t)n);
	/* no room */
	assert_int_equal(hs_cfgsync_canon(ruleset, strlen(ruleset), out, 10), -ENOSPC);
	/* no final newline: one is added */
	n = hs_cfgsync_canon("table ip t {\n}", 14, out, sizeof(out));
	assert_int_equal(n, 15);
	assert_memory_equal(out, "table ip t {\n}\n", 15);
}

static void table_names_are_checked(void **state)
{
	(void)state;
	assert_true(hs_cfgsync_table_name_ok("inet filter"));
	assert_true(hs_cfgsync_table_name_ok("netdev ingress-1.x"));
	assert_false(hs_cfgsync_table_name_ok("inet"));
	assert_false(hs_cfgsync_table_name_ok("inet "));
	assert_false(hs_cfgsync_table_name_ok("ipx filter"));
	assert_false(hs_cfgsync_table_name_ok("inet fil ter"));
	assert_false(hs_cfgsync_table_name_ok("inet f\"x"));
}

static void renames_parse_and_apply_both_ways(void **state)
{
	(void)state;
	const char *items[] = { "lan0=eth1", "eth1=lan0", "up0=wan" };
	struct hs_cfgsync_renames m;
	char err[128];
	assert_int_equal(hs_cfgsync_renames_parse(items, 3, &m, err, sizeof(err)), 0);
	assert_int_equal(m.n, 3);
	const char in[] = "iifname { \"lan0\", \"eth1\" } oifname \"up0\" comment \"lan0x\"\n";
	char out[256], back[256];
	long n = hs_cfgsync_rename(in, strlen(in), &m, true, out, sizeof(out));
	assert_true(n > 0);
	out[n] = '\0';
	/* swapped in one pass; a longer name that starts like one is left alone */
	assert_string_equal(out,
			    "iifname { \"eth1\", \"lan0\" } oifname \"wan\" comment \"lan0x\"\n");
	long m2 = hs_cfgsync_rename(out, (size_t)n, &m, false, back, sizeof(back));
	back[m2] = '\0';
	assert_string_equal(back, in);
	/* canon sorts a one-line set's elements, so a renamed text is put in canonical form
	 * again (hrpd's xform): else the order follows this box's names, not the peer's */
	const char *one[] = { "lan0=a0" };
	struct hs_cfgsync_renames r1;
	assert_int_equal(hs_cfgsync_renames_parse(one, 1, &r1, err, sizeof(err)), 0);
	const char mine[] =
		"table inet t {\n\tchain c {\n\t\tiifname { \"lan0\", \"eth1\" } accept\n"
		"\t}\n}\n";
	const char peers[] =
		"table inet t {\n\tchain c {\n\t\tiifname { \"a0\", \"eth1\" } accept\n"
		"\t}\n}\n";
	char c1[256], r2[256], c3[256], pc[256];
	long l1 = hs_cfgsync_canon(mine, strlen(mine), c1, sizeof(c1));
	long l2 = hs_cfgsync_rename(c1, (size_t)l1, &r1, true, r2, sizeof(r2));
	long l3 = hs_cfgsync_canon(r2, (size_t)l2, c3, sizeof(c3));
	long lp = hs_cfgsync_canon(peers, strlen(peers), pc, sizeof(pc));
	assert_true(l1 > 0 && l2 > 0 && l3 > 0 && lp > 0);
	assert_false(l2 == lp && memcmp(r2, pc, (size_t)lp) == 0); /* renamed alone: unsorted */
	assert_int_equal(l3, lp);
	assert_memory_equal(c3, pc, (size_t)lp);
	/* an unterminated quote is copied as it is */
	n = hs_cfgsync_rename("a \"lan0", 7, &m, true, out, sizeof(out));
	assert_int_equal(n, 7);
	assert_int_equal(hs_cfgsync_rename(in, strlen(in), &m, true, out, 5), -ENOSPC);

	const char *bad1[] = { "lan0" };
	assert_int_equal(hs_cfgsync_renames_parse(bad1, 1, &m, err, sizeof(err)), -EINVAL);
	const char *bad2[] = { "a=b", "a=c" };
	assert_int_equal(hs_cfgsync_renames_parse(bad2, 2, &m, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "twice"));
	const char *bad3[] = { "a=b", "c=b" };
	assert_int_equal(hs_cfgsync_renames_parse(bad3, 2, &m, err, sizeof(err)), -EINVAL);
	assert_non_null(hs_cfgsync_rename_check("averyveryverylongname=b"));
	assert_non_null(hs_cfgsync_rename_check("a b=c"));
	assert_null(hs_cfgsync_rename_check("eth0.100=bond0"));

	/* the canonical naming is the smaller sysname's */
	assert_false(hs_cfgsync_canon_is_peer("fw1", "fw2"));
	assert_true(hs_cfgsync_canon_is_peer("fw2", "fw1"));
	assert_false(hs_cfgsync_canon_is_peer("fw2", ""));
}

static void digest_covers_names_presence_and_text(void **state)
{
	(void)state;
	struct hs_cfgsync_table t[2] = {
		{ .name = "inet a", .present = true, .text = "x\n", .len = 2 }, { .name = "ip b" }
	};
	uint8_t d0[32], d1[32];
	char hex[65];
	hs_cfgsync_digest(t, 2, d0);
	hs_cfgsync_digest_hex(d0, hex);
	assert_int_equal(strlen(hex), 64);
	/* the same input, the same digest; every part matters */
	hs_cfgsync_digest(t, 2, d1);
	assert_memory_equal(d0, d1, 32);
	t[1].present = true;
	hs_cfgsync_digest(t, 2, d1);
	assert_memory_not_equal(d0, d1, 32);
	t[1].present = false;
	t[0].text = "y\n";
	hs_cfgsync_digest(t, 2, d1);
	assert_memory_not_equal(d0, d1, 32);
	t[0].text = "x\n";
	snprintf(t[1].name, sizeof(t[1].name), "ip c");
	hs_cfgsync_digest(t, 2, d1);
	assert_memory_not_equal(d0, d1, 32);
	/* an absent table's text is not hashed */
	snprintf(t[1].name, sizeof(t[1].name), "ip b");
	t[1].text = "junk";
	t[1].len = 4;
	hs_cfgsync_digest(t, 2, d1);
	assert_memory_equal(d0, d1, 32);
	/* the known answer for no table: SHA-256 of nothing */
	hs_cfgsync_digest(t, 0, d1);
	hs_cfgsync_digest_hex(d1, hex);
	assert_string_equal(hex,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void diff_shows_lines_on_one_side_only(void **state)
{
	(void)state;
	const char a[] = "t {\n  accept\n  drop\n}\n";
	const char b[] = "t {\n  drop\n  log\n  log\n}\n";
	char out[256];
	assert_int_equal(hs_cfgsync_diff(a, strlen(a), b, strlen(b), out, sizeof(out), 10), 3);
	assert_string_equal(out, "-   accept\n+   log\n+   log\n");
	assert_int_equal(hs_cfgsync_diff(a, strlen(a), a, strlen(a), out, sizeof(out), 10), 0);
	assert_string_equal(out, "");
	assert_int_equal(hs_cfgsync_diff(a, strlen(a), b, strlen(b), out, sizeof(out), 1), 3);
	assert_string_equal(out, "-   accept\n... 2 more\n");
	/* too small for the second line: whole lines only, then the count of the rest */
	char small[12 + 48];
	assert_int_equal(hs_cfgsync_diff(a, strlen(a), b, strlen(b), small, sizeof(small), 10), 3);
	assert_string_equal(small, "-   accept\n... 2 more\n");
}

/* The diff against the plain definition, on random sets of few distinct lines (many copies of
 * each): a line of one side is shown once for every copy the other side lacks, in its order. */
static size_t naive_diff(char **a, size_t na, char **b, size_t nb, char *out)
{
	bool used_a[64] = { false }, used_b[64] = { false };
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			if (!used_b[j] && strcmp(a[i], b[j]) == 0) {
				used_a[i] = used_b[j] = true;
				break;
			}
	for (size_t i = 0; i < na; i++)
		if (!used_a[i] && ++n)
			sprintf(out + strlen(out), "- %s\n", a[i]);
	for (size_t j = 0; j < nb; j++)
		if (!used_b[j] && ++n)
			sprintf(out + strlen(out), "+ %s\n", b[j]);
	return n;
}

static void diff_matches_plain_definition(void **state)
{
	(void)state;
	static char *words[] = { "a", "b", "ab", "", "ba", "b " };
	srand(7);
	for (int round = 0; round < 300; round++) {
		char *a[64], *b[64], ta[512] = "", tb[512] = "", want[2048], got[2048];
		size_t na = (size_t)(rand() % 40), nb = (size_t)(rand() % 40);
		for (size_t i = 0; i < na; i++) {
			a[i] = words[rand() % 6];
			sprintf(ta + strlen(ta), "%s\n", a[i]);
		}
		for (size_t j = 0; j < nb; j++) {
			b[j] = words[rand() % 6];
			sprintf(tb + strlen(tb), "%s\n", b[j]);
		}
		/* the diff reads lines without trailing blanks, as the tables compare them */
		for (size_t i = 0; i < na; i++)
			if (strcmp(a[i], "b ") == 0)
				a[i] = "b";
		for (size_t j = 0; j < nb; j++)
			if (strcmp(b[j], "b ") == 0)
				b[j] = "b";
		size_t n = naive_diff(a, na, b, nb, want);
		long r = hs_cfgsync_diff(ta, strlen(ta), tb, strlen(tb), got, sizeof(got), 100);
		assert_int_equal(r, (long)n);
		assert_string_equal(got, want);
	}
}

/* ---- role ---- */

/* A set the peer failed or reverted is not sent again by itself (it would loop), until the peer
 * takes our current set: then a return to the refused tables goes out as any change. */
static void a_refusal_is_forgotten_once_the_peer_takes_our_current_set(void **state)
{
	(void)state;
	assert_true(hs_cfgsync_refusal_cleared(HS_CFGSYNC_APPLIED, 2, 2));
	assert_true(hs_cfgsync_refusal_cleared(HS_CFGSYNC_UNCHANGED, 7, 7));
	assert_true(hs_cfgsync_refusal_cleared(HS_CFGSYNC_CONFIRMED, 3, 3));
	/* a late result of an older set says nothing of what we send now */
	assert_false(hs_cfgsync_refusal_cleared(HS_CFGSYNC_APPLIED, 2, 3));
	assert_false(hs_cfgsync_refusal_cleared(HS_CFGSYNC_CONFIRMED, 3, 4));
	/* not taken */
	assert_false(hs_cfgsync_refusal_cleared(HS_CFGSYNC_FAILED, 3, 3));
	assert_false(hs_cfgsync_refusal_cleared(HS_CFGSYNC_REVERTED, 3, 3));
	assert_false(hs_cfgsync_refusal_cleared(HS_CFGSYNC_REFUSED, 3, 3));
	assert_false(hs_cfgsync_refusal_cleared(HS_CFGSYNC_STATUS_MAX, 3, 3));
}

static void role_follows_vgmp(void **state)
{
	(void)state;
	assert_int_equal(hs_cfgsync_role(HRP_VGMP_ACTIVE, true, HRP_VGMP_STANDBY, "fw2", "fw1"),
			 HS_CFGSYNC_ROLE_MASTER);
	assert_int_equal(hs_cfgsync_role(HRP_VGMP_STANDBY, true, HRP_VGMP_ACTIVE, "fw1", "fw2"),
			 HS_CFGSYNC_ROLE_STANDBY);
	assert_int_equal(hs_cfgsync_role(HRP_VGMP_INITIALIZE, true, HRP_VGMP_ACTIVE, "a", "b"),
			 HS_CFGSYNC_ROLE_STANDBY);
	/* load-sharing: the smaller sysname */
	assert_int_equal(
		hs_cfgsync_role(HRP_VGMP_LOAD_BALANCE, true, HRP_VGMP_LOAD_BALANCE, "fw1", "fw2"),
		HS_CFGSYNC_ROLE_MASTER);
	assert_int_equal(
		hs_cfgsync_role(HRP_VGMP_LOAD_BALANCE, true, HRP_VGMP_LOAD_BALANCE, "fw2", "fw1"),
		HS_CFGSYNC_ROLE_STANDBY);
	/* both active for a moment: the same rule */
	assert_int_equal(hs_cfgsync_role(HRP_VGMP_ACTIVE, true, HRP_VGMP_ACTIVE, "fw2", "fw1"),
			 HS_CFGSYNC_ROLE_STANDBY);
	/* the peer down: an active box leads, a standby nobody */
	assert_int_equal(hs_cfgsync_role(HRP_VGMP_ACTIVE, false, HRP_VGMP_ACTIVE, "fw2", "fw1"),
			 HS_CFGSYNC_ROLE_MASTER);
	assert_int_equal(hs_cfgsync_role(HRP_VGMP_STANDBY, false, HRP_VGMP_ACTIVE, "fw1", "fw2"),
			 HS_CFGSYNC_ROLE_NONE);
	assert_int_equal(hs_cfgsync_role(HRP_VGMP_STANDBY, true, HRP_VGMP_STANDBY, "fw1", "fw2"),
			 HS_CFGSYNC_ROLE_NONE);
	assert_string_equal(hs_cfgsync_role_name(HS_CFGSYNC_ROLE_MASTER), "master");
}

/* ---- commit-confirmed ---- */

static void confirmed_when_the_window_passes_with_the_master_heard(void **state)
{
	(void)state;
	struct hs_cc cc;
	uint64_t next;
	enum hs_cc_reason why;
	hs_cc_init(&cc, 10000, 300);
	assert_int_equal(hs_cc_tick(&cc, 50, 40, &next, &why), HS_CC_NONE);
	assert_int_equal(next, UINT64_MAX);
	assert_true(hs_cc_applied(&cc, 4, 1000));
	assert_int_equal(cc.state, HS_CC_CONFIRMING);
	/* hellos every 100 ms */
	for (uint64_t t = 1100; t < 11000; t += 100) {
		assert_int_equal(hs_cc_tick(&cc, t, t, &next, &why), HS_CC_NONE);
		assert_int_equal(next, t + 300 < 11000 ? t + 300 : 11000);
	}
	assert_int_equal(hs_cc_tick(&cc, 11000, 10950, &next, &why), HS_CC_CONFIRM);
	assert_int_equal(why, HS_CC_R_WINDOW_PASSED);
	assert_int_equal(cc.state, HS_CC_IDLE);
	assert_int_equal(hs_cc_peer_lost(&cc, &why), HS_CC_NONE);
}

static void reverted_when_the_master_falls_silent(void **state)
{
	(void)state;
	struct hs_cc cc;
	uint64_t next;
	enum hs_cc_reason why;
	hs_cc_init(&cc, 10000, 300);
	assert_true(hs_cc_applied(&cc, 4, 1000));
	/* a hello from before the apply proves nothing: silence counts from the apply */
	assert_int_equal(hs_cc_tick(&cc, 1200, 990, &next, &why), HS_CC_NONE);
	assert_int_equal(next, 1300);
	assert_int_equal(hs_cc_tick(&cc, 1299, 990, &next, &why), HS_CC_NONE);
	assert_int_equal(hs_cc_tick(&cc, 1300, 990, &next, &why), HS_CC_REVERT);
	assert_int_equal(why, HS_CC_R_SILENT);
	assert_int_equal(cc.state, HS_CC_IDLE);
	assert_string_equal(hs_cc_reason_name(why), "the config master fell silent");

	/* heard after the apply, then silent */
	assert_true(hs_cc_applied(&cc, 5, 2000));
	assert_int_equal(hs_cc_tick(&cc, 2500, 2400, &next, &why), HS_CC_NONE);
	assert_int_equal(next, 2700);
	assert_int_equal(hs_cc_tick(&cc, 2700, 2400, &next, &why), HS_CC_REVERT);
}

static void a_second_apply_keeps_the_first_previous_policy(void **state)
{
	(void)state;
	struct hs_cc cc;
	enum hs_cc_reason why;
	uint64_t next;
	hs_cc_init(&cc, 1000, 300);
	assert_true(hs_cc_applied(&cc, 1, 100));
	assert_false(hs_cc_applied(&cc, 2, 500)); /* keep the one from before gen 1 */
	assert_int_equal(cc.gen, 2);
	/* the window starts again */
	assert_int_equal(hs_cc_tick(&cc, 1100, 1090, &next, &why), HS_CC_NONE);
	assert_int_equal(next, 1390 < 1500 ? 1390 : 1500);
	assert_int_equal(hs_cc_peer_lost(&cc, &why), HS_CC_REVERT);
	assert_int_equal(why, HS_CC_R_PEER_LOST);
	assert_true(hs_cc_applied(&cc, 3, 2000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_set_round_trips),
		cmocka_unit_test(result_and_request_round_trip),
		cmocka_unit_test(decode_names_each_error),
		cmocka_unit_test(settings_record_round_trips),
		cmocka_unit_test(settings_follow_the_schema_class),
		cmocka_unit_test(settings_changes_never_touch_local_keys),
		cmocka_unit_test(canon_drops_dynamic_elements_and_sorts_groups),
		cmocka_unit_test(table_names_are_checked),
		cmocka_unit_test(renames_parse_and_apply_both_ways),
		cmocka_unit_test(digest_covers_names_presence_and_text),
		cmocka_unit_test(diff_shows_lines_on_one_side_only),
		cmocka_unit_test(diff_matches_plain_definition),
		cmocka_unit_test(role_follows_vgmp),
		cmocka_unit_test(a_refusal_is_forgotten_once_the_peer_takes_our_current_set),
		cmocka_unit_test(confirmed_when_the_window_passes_with_the_master_heard),
		cmocka_unit_test(reverted_when_the_master_falls_silent),
		cmocka_unit_test(a_second_apply_keeps_the_first_previous_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
