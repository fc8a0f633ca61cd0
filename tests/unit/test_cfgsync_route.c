/* Static route sync's pure part (lib/cfgsync_route.c): a route's line and back (tables other
 * than main, preferred sources), the text's order, every malformed line refused, which routes
 * stay on their box (heartbeat links, route_sync_exclude, tables not in route_sync_tables),
 * and the add/delete plan that turns the standby's routes into the master's. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "cfgsync_core.h"
#include "cfgsync_route.h"

static struct hs_route route(int family, const char *dst, unsigned plen, const char *gw,
			     const char *dev, uint32_t metric)
{
	struct hs_route r = { .family = (uint8_t)family,
			      .dst_len = (uint8_t)plen,
			      .metric = metric };
	assert_int_equal(inet_pton(family, dst, r.dst), 1);
	if (gw) {
		assert_int_equal(inet_pton(family, gw, r.gw), 1);
		r.has_gw = true;
	}
	if (dev)
		snprintf(r.dev, sizeof(r.dev), "%s", dev);
	return r;
}

static void a_route_line_round_trips(void **state)
{
	struct hs_route in[] = {
		route(AF_INET, "198.51.100.128", 25, "198.51.100.2", "up0", 0),
		route(AF_INET6, "2001:db8:5::", 64, NULL, "lan0", 1024),
		route(AF_INET, "203.0.113.0", 24, "198.51.100.6", NULL, 20),
	};
	in[1].type = HS_ROUTE_BLACKHOLE;
	char line[HS_ROUTE_LINE_MAX];
	assert_true(hs_route_format(&in[0], line, sizeof(line)) > 0);
	assert_string_equal(line, "inet 198.51.100.128/25 via 198.51.100.2 dev \"up0\" metric 0");
	assert_true(hs_route_format(&in[1], line, sizeof(line)) > 0);
	assert_string_equal(line, "inet6 2001:db8:5::/64 dev \"lan0\" metric 1024 type blackhole");
	for (size_t i = 0; i < 3; i++) {
		struct hs_route back;
		assert_true(hs_route_format(&in[i], line, sizeof(line)) > 0);
		assert_int_equal(hs_route_parse(line, strlen(line), &back), 0);
		assert_true(hs_route_equal(&in[i], &back));
	}
	assert_int_equal(hs_route_format(&in[0], line, 10), -ENOSPC);
}

/* A route of another table, or with a preferred source, says so; one of main does not. */
static void tables_and_sources_round_trip(void **state)
{
	struct hs_route r = route(AF_INET, "0.0.0.0", 0, "192.0.2.9", "up1", 0);
	char line[HS_ROUTE_LINE_MAX];
	r.table = 100;
	r.has_src = true;
	assert_int_equal(inet_pton(AF_INET, "192.0.2.10", r.src), 1);
	assert_true(hs_route_format(&r, line, sizeof(line)) > 0);
	assert_string_equal(
		line, "inet 0.0.0.0/0 via 192.0.2.9 dev \"up1\" src 192.0.2.10 metric 0 table 100");
	struct hs_route back;
	assert_int_equal(hs_route_parse(line, strlen(line), &back), 0);
	assert_true(hs_route_equal(&r, &back));
	assert_int_equal(back.table, 100);

	struct hs_route v6 = route(AF_INET6, "2001:db8:7::", 48, "2001:db8::1", NULL, 1024);
	v6.table = 4294967295u;
	v6.has_src = true;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::10", v6.src), 1);
	assert_true(hs_route_format(&v6, line, sizeof(line)) > 0);
	assert_int_equal(hs_route_parse(line, strlen(line), &back), 0);
	assert_true(hs_route_equal(&v6, &back));

	/* another source is another route; the table is part of the key */
	struct hs_route other = r;
	other.src[3] = 11;
	assert_true(hs_route_same_key(&r, &other));
	assert_false(hs_route_equal(&r, &other));
	other = r;
	other.table = 0;
	assert_false(hs_route_same_key(&r, &other));
	assert_true(hs_route_format(&other, line, sizeof(line)) > 0);
	assert_null(strstr(line, "table"));
	/* the longest line there can be fits */
	struct hs_route longest = route(AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
					128, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.254",
					"a-name-15-chars", 4294967295u);
	longest.has_src = true;
	memset(longest.src, 0xff, sizeof(longest.src));
	longest.type = HS_ROUTE_UNREACHABLE;
	longest.table = 4294967295u;
	assert_int_equal(hs_route_format(&longest, line, sizeof(line)), 211);
	assert_int_equal(hs_route_parse(line, strlen(line), &back), 0);
	assert_true(hs_route_equal(&longest, &back));
	/* main and local are never written as numbers */
	other.table = HS_ROUTE_TABLE_MAIN;
	assert_int_equal(hs_route_format(&other, line, sizeof(line)), -EINVAL);
	other.table = 255;
	assert_int_equal(hs_route_format(&other, line, sizeof(line)), -EINVAL);
}

static void the_table_setting_reads_main_and_numbers(void **state)
{
	static const struct {
		const char *s;
		int rc;
		uint32_t id;
	} cases[] = {
		{ "main", 0, 0 },
		{ "254", 0, 0 },
		{ "100", 0, 100 },
		{ "253", 0, 253 },
		{ "4294967295", 0, 4294967295u },
		{ "255", -EINVAL, 0 },
		{ "local", -EINVAL, 0 },
		{ "0", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "x", -EINVAL, 0 },
		{ "4294967296", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "0100", -EINVAL, 0 },
		{ "100 ", -EINVAL, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t id = 7;
		const char *why = NULL;
		int rc = hs_route_table_parse(cases[i].s, &id, &why);
		assert_int_equal(rc, cases[i].rc);
		if (rc == 0)
			assert_int_equal(id, cases[i].id);
		else
			assert_non_null(why);
	}
}

static void malformed_lines_are_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"inet",
		"ipx 10.0.0.0/8 metric 0",
		"inet 10.0.0.0 metric 0",      /* no /PLEN */
		"inet 10.0.0.0/33 metric 0",   /* too long a prefix */
		"inet 2001:db8::/64 metric 0", /* the wrong family */
		"inet 10.0.0.0/8",             /* no metric */
		"inet 10.0.0.0/8 metric -1",
		"inet 10.0.0.0/8 metric 4294967296",
		"inet 10.0.0.0/8 dev up0 metric 0", /* unquoted: the rename table would miss it */
		"inet 10.0.0.0/8 dev \"\" metric 0",
		"inet 10.0.0.0/8 dev \"a-name-too-long-x\" metric 0",
		"inet 10.0.0.0/8 via 10.0.0.1 via 10.0.0.2 metric 0",
		"inet 10.0.0.0/8 metric 0 metric 1",
		"inet 10.0.0.0/8 metric 0 type anycast",
		"inet 10.0.0.0/8 metric 0 scope",
		"inet 10.0.0.0/8 metric 0 proto static",
		"inet 10.0.0.0/8\tmetric 0",
		"inet 10.0.0.0/8 metric 0 table 254", /* main is written without */
		"inet 10.0.0.0/8 metric 0 table 255", /* local: never synced */
		"inet 10.0.0.0/8 metric 0 table 0",
		"inet 10.0.0.0/8 metric 0 table main",
		"inet 10.0.0.0/8 metric 0 table 4294967296",
		"inet 10.0.0.0/8 metric 0 table 100 table 101",
		"inet 10.0.0.0/8 src 2001:db8::1 metric 0", /* the wrong family */
		"inet 10.0.0.0/8 src 10.0.0.1 src 10.0.0.2 metric 0",
		"inet 10.0.0.0/8 src metric 0",
	};
	struct hs_route r;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hs_route_parse(bad[i], strlen(bad[i]), &r), -EINVAL);
	static const char nul[] = "inet 10.0.0.0/8 metric 0\0 x";
	assert_int_equal(hs_route_parse(nul, sizeof(nul) - 1, &r), -EINVAL);
	char longword[400];
	memset(longword, 'x', sizeof(longword));
	memcpy(longword, "inet 10.0.0.0/8 metric 0 ", 25);
	assert_int_equal(hs_route_parse(longword, sizeof(longword), &r), -EINVAL);
}

static void the_text_is_sorted_and_reads_back(void **state)
{
	struct hs_route in[] = {
		route(AF_INET6, "2001:db8:5::", 64, NULL, "lan0", 1024),
		route(AF_INET, "203.0.113.0", 24, "198.51.100.6", NULL, 20),
		route(AF_INET, "198.51.100.128", 25, "198.51.100.2", "up0", 0),
	};
	size_t len;
	char *text = hs_routes_text(in, 3, NULL, &len);
	assert_non_null(text);
	assert_string_equal(text, "inet 198.51.100.128/25 via 198.51.100.2 dev \"up0\" metric 0\n"
				  "inet 203.0.113.0/24 via 198.51.100.6 metric 20\n"
				  "inet6 2001:db8:5::/64 dev \"lan0\" metric 1024\n");
	/* the same routes in another order give the same text (and so the same digest) */
	struct hs_route swapped[] = { in[2], in[0], in[1] };
	size_t len2;
	char *text2 = hs_routes_text(swapped, 3, NULL, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(text, text2, len);

	struct hs_route *back;
	struct hs_route_tables t;
	size_t bad = 0;
	assert_int_equal(hs_routes_from_text(text, len, &back, &t, &bad), 3);
	assert_int_equal(t.n, 0); /* no "tables" line: main alone */
	assert_true(hs_route_equal(&back[0], &in[2]));
	free(back);
	assert_int_equal(
		hs_routes_from_text("inet 10.0.0.0/8 metric 0\nnonsense\n", 34, &back, &t, &bad),
		-EINVAL);
	assert_int_equal(bad, 2);
	assert_int_equal(hs_routes_from_text("", 0, &back, &t, &bad), 0);
	char *empty = hs_routes_text(NULL, 0, NULL, &len);
	assert_string_equal(empty, "");
	assert_int_equal(len, 0);
	free(empty);
	free(text);
	free(text2);
}

/* A text that covers more than main says which tables first; the reader takes them, and a
 * route of a table the text does not cover makes the text unreadable. */
static void the_tables_line_says_what_a_text_covers(void **state)
{
	struct hs_route in[] = {
		route(AF_INET, "0.0.0.0", 0, "192.0.2.9", "up1", 0),
		route(AF_INET, "10.0.0.0", 8, "198.51.100.2", "up0", 0),
	};
	in[0].table = 100;
	struct hs_route_tables t = { 0 }, back_t;
	hs_route_tables_add(&t, 100);
	hs_route_tables_add(&t, 0);
	hs_route_tables_add(&t, 100); /* once */
	assert_int_equal(t.n, 2);
	size_t len, bad = 0;
	char *text = hs_routes_text(in, 2, &t, &len);
	assert_string_equal(text, "tables main 100\n"
				  "inet 0.0.0.0/0 via 192.0.2.9 dev \"up1\" metric 0 table 100\n"
				  "inet 10.0.0.0/8 via 198.51.100.2 dev \"up0\" metric 0\n");
	struct hs_route *back;
	assert_int_equal(hs_routes_from_text(text, len, &back, &back_t, &bad), 2);
	assert_int_equal(back_t.n, 2);
	assert_int_equal(back_t.id[0], 0);
	assert_int_equal(back_t.id[1], 100);
	free(back);
	free(text);
	/* main alone, said or not, writes no line: the text is the one of before */
	struct hs_route_tables main_only = { 0 };
	hs_route_tables_add(&main_only, 0);
	text = hs_routes_text(&in[1], 1, &main_only, &len);
	assert_string_equal(text, "inet 10.0.0.0/8 via 198.51.100.2 dev \"up0\" metric 0\n");
	free(text);
	/* a route outside the tables the text covers, a bad tables line, one not first */
	static const char *const bad_texts[] = {
		"inet 0.0.0.0/0 via 192.0.2.9 metric 0 table 100\n",
		"tables 100\ninet 10.0.0.0/8 metric 0\n",
		"tables\ninet 10.0.0.0/8 metric 0\n",
		"tables main 255\n",
		"tables main x\n",
		"inet 10.0.0.0/8 metric 0\ntables main 100\n",
	};
	static const size_t bad_line[] = { 1, 2, 1, 1, 1, 2 };
	for (size_t i = 0; i < sizeof(bad_texts) / sizeof(bad_texts[0]); i++) {
		assert_int_equal(hs_routes_from_text(bad_texts[i], strlen(bad_texts[i]), &back,
						     &back_t, &bad),
				 -EINVAL);
		assert_int_equal(bad, bad_line[i]);
		assert_null(back);
	}
}

static void renames_reach_the_quoted_interface(void **state)
{
	static const char *const items[] = { "up0=eth7" };
	struct hs_cfgsync_renames m;
	char err[64], out[256];
	assert_int_equal(hs_cfgsync_renames_parse(items, 1, &m, err, sizeof(err)), 0);
	static const char line[] = "inet 198.51.100.128/25 via 198.51.100.2 dev \"up0\" metric 0\n";
	long n = hs_cfgsync_rename(line, strlen(line), &m, true, out, sizeof(out));
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "inet 198.51.100.128/25 via 198.51.100.2 dev \"eth7\" metric 0\n");
	assert_true(hs_cfgsync_table_name_ok(HS_CFGSYNC_ROUTES));
}

static void heartbeat_and_excluded_routes_stay_home(void **state)
{
	struct hs_route_filter f = { .n_local_ifs = 1, .n_exclude = 2 };
	const char *why;
	snprintf(f.local_ifs[0], sizeof(f.local_ifs[0]), "hb0");
	assert_int_equal(hs_sess_prefix_parse("10.1.0.0/16", &f.exclude[0], &why), 0);
	assert_int_equal(hs_sess_prefix_parse("2001:db8:9::/48", &f.exclude[1], &why), 0);
	struct hs_route r = route(AF_INET, "203.0.113.64", 26, "203.0.113.2", "hb0", 0);
	assert_int_equal(hs_route_classify(&r, &f), HS_ROUTE_SKIP_HEARTBEAT);
	r = route(AF_INET, "10.1.2.0", 24, "198.51.100.2", "up0", 0);
	assert_int_equal(hs_route_classify(&r, &f), HS_ROUTE_SKIP_EXCLUDED);
	r = route(AF_INET, "10.0.0.0", 8, "198.51.100.2", "up0", 0); /* wider than the prefix */
	assert_int_equal(hs_route_classify(&r, &f), HS_ROUTE_SYNC);
	r = route(AF_INET, "10.2.0.0", 16, "198.51.100.2", "up0", 0);
	assert_int_equal(hs_route_classify(&r, &f), HS_ROUTE_SYNC);
	r = route(AF_INET6, "2001:db8:9:7::", 64, NULL, "lan0", 1024);
	assert_int_equal(hs_route_classify(&r, &f), HS_ROUTE_SKIP_EXCLUDED);
	r = route(AF_INET6, "2001:db8:a::", 64, NULL, "lan0", 1024);
	assert_int_equal(hs_route_classify(&r, &f), HS_ROUTE_SYNC);
}

/* No route_sync_tables: the main table alone; a list: its tables, main only if listed. */
static void tables_not_listed_stay_home(void **state)
{
	struct hs_route_filter f = { 0 };
	struct hs_route r = route(AF_INET, "10.2.0.0", 16, "198.51.100.2", "up0", 0);
	assert_int_equal(hs_route_classify(&r, &f), HS_ROUTE_SYNC);
	r.table = 100;
	assert_int_equal(hs_route_classify(&r, &f), HS_ROUTE_SKIP_TABLE);
	hs_route_tables_add(&f.tables, 100);
	assert_int_equal(hs_route_classify(&r, &f), HS_ROUTE_SYNC);
	r.table = 0;
	assert_int_equal(hs_route_classify(&r, &f), HS_ROUTE_SKIP_TABLE);
	hs_route_tables_add(&f.tables, 0);
	assert_int_equal(hs_route_classify(&r, &f), HS_ROUTE_SYNC);
	r.table = 200;
	assert_int_equal(hs_route_classify(&r, &f), HS_ROUTE_SKIP_TABLE);
}

static void the_plan_adds_replaces_and_deletes(void **state)
{
	struct hs_route have[] = {
		route(AF_INET, "198.51.100.128", 25, "198.51.100.2", "up0", 0), /* kept */
		route(AF_INET, "203.0.113.0", 24, "198.51.100.6", "up1", 0),    /* new gateway */
		route(AF_INET, "192.0.2.128", 25, "192.0.2.9", "lan0", 0),      /* gone */
	};
	struct hs_route want[] = {
		route(AF_INET, "198.51.100.128", 25, "198.51.100.2", "up0", 0),
		route(AF_INET, "203.0.113.0", 24, "198.51.100.2", "up0", 0),
		route(AF_INET6, "2001:db8:5::", 64, NULL, "lan0", 1024),   /* new */
		route(AF_INET, "192.0.2.128", 25, "192.0.2.9", "lan0", 5), /* another metric */
	};
	size_t add[4], del[3], n_add, n_del;
	hs_routes_plan(have, 3, want, 4, add, &n_add, del, &n_del);
	assert_int_equal(n_add, 3);
	assert_int_equal(add[0], 1);
	assert_int_equal(add[1], 2);
	assert_int_equal(add[2], 3);
	assert_int_equal(n_del, 1);
	assert_int_equal(del[0], 2);
	/* nothing to do when they are the same */
	hs_routes_plan(have, 3, have, 3, add, &n_add, del, &n_del);
	assert_int_equal(n_add + n_del, 0);
	/* everything goes when the master has none */
	hs_routes_plan(have, 3, NULL, 0, add, &n_add, del, &n_del);
	assert_int_equal(n_del, 3);
	/* the same destination in another table is another route: added, and main's deleted; a
	 * new source replaces the route */
	struct hs_route moved[] = { have[0], have[1], have[2] };
	moved[0].table = 100;
	moved[1].has_src = true;
	assert_int_equal(inet_pton(AF_INET, "198.51.100.9", moved[1].src), 1);
	hs_routes_plan(have, 3, moved, 3, add, &n_add, del, &n_del);
	assert_int_equal(n_add, 2);
	assert_int_equal(add[0], 0);
	assert_int_equal(add[1], 1);
	assert_int_equal(n_del, 1);
	assert_int_equal(del[0], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_route_line_round_trips),
		cmocka_unit_test(tables_and_sources_round_trip),
		cmocka_unit_test(the_table_setting_reads_main_and_numbers),
		cmocka_unit_test(malformed_lines_are_refused),
		cmocka_unit_test(the_text_is_sorted_and_reads_back),
		cmocka_unit_test(the_tables_line_says_what_a_text_covers),
		cmocka_unit_test(renames_reach_the_quoted_interface),
		cmocka_unit_test(heartbeat_and_excluded_routes_stay_home),
		cmocka_unit_test(tables_not_listed_stay_home),
		cmocka_unit_test(the_plan_adds_replaces_and_deletes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
