/* The pairing consistency check's pure core (lib/pair_facts.h): facts from a config and
 * sysctls, their JSON form both ways and every decode error, the facts record of the config
 * channel, and the compare with real differences (VIPs, intervals, a group on one box, a
 * conntrack timeout, versions, renamed interfaces). */
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
#include "config.h"
#include "config_edit.h"
#include "pair_facts.h"

#define CONF                                                                                       \
	"global = { name = \"fw1\"; };\n"                                                          \
	"hrpd = { hello_interval = 200; dead_count = 3; };\n"                                      \
	"vrrpd = { groups = (\n"                                                                   \
	" { interface = \"lan0\"; vrid = 2; vips = [ \"192.0.2.2\" ]; },\n"                        \
	" { interface = \"lan0\"; vrid = 1; vips = [ \"192.0.2.9\", \"192.0.2.1\" ]; },\n"         \
	" { interface = \"lan0\"; vrid = 1; family = \"ipv6\"; vips = [ \"2001:db8::1\" ]; }\n"    \
	"); };\n"

static struct hs_pair_facts *facts_of(const char *conf, const char *software)
{
	struct hs_config *cfg = NULL;
	struct hs_cfg_errors errs;
	struct hs_pair_facts *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(hs_config_load_string(conf, "test", &cfg, &errs), 0);
	hs_pair_facts_from_config(cfg, software, "1.0", f);
	hs_config_free(cfg);
	assert_int_equal(hs_pair_facts_add_sysctl(f, "net.netfilter.nf_conntrack_max", "262144\n"),
			 0);
	assert_int_equal(hs_pair_facts_add_sysctl(
				 f, "net.netfilter.nf_conntrack_tcp_timeout_established", "432000"),
			 0);
	return f;
}

static void facts_from_the_config_are_sorted(void **state)
{
	(void)state;
	struct hs_pair_facts *f = facts_of(CONF, "0.9");
	assert_int_equal(f->hello_interval_ms, 200);
	assert_int_equal(f->dead_count, 3);
	assert_int_equal(f->n_groups, 3);
	/* ipv4 before ipv6, by VRID; the VIPs sorted */
	assert_int_equal(f->groups[0].family, AF_INET);
	assert_int_equal(f->groups[0].vrid, 1);
	assert_string_equal(f->groups[0].vips[0], "192.0.2.1");
	assert_string_equal(f->groups[0].vips[1], "192.0.2.9");
	assert_int_equal(f->groups[1].vrid, 2);
	assert_int_equal(f->groups[2].family, AF_INET6);
	assert_int_equal(f->groups[0].advert_interval_cs, 100);
	/* sysctls sorted by name, values trimmed */
	assert_int_equal(f->n_sysctls, 2);
	assert_string_equal(f->sysctls[0].name, "net.netfilter.nf_conntrack_max");
	assert_string_equal(f->sysctls[0].value, "262144");
	free(f);
}

static void sysctls_wanted_tidied_and_bounded(void **state)
{
	(void)state;
	struct hs_pair_facts *f = calloc(1, sizeof(*f));
	assert_true(hs_pair_facts_sysctl_wanted("nf_conntrack_max"));
	assert_true(hs_pair_facts_sysctl_wanted("nf_conntrack_udp_timeout_stream"));
	assert_false(hs_pair_facts_sysctl_wanted("nf_conntrack_buckets"));
	assert_false(hs_pair_facts_sysctl_wanted("nf_log_all_netns"));
	assert_int_equal(hs_pair_facts_add_sysctl(f, "a.b", " 4096\t16384 \n"), 0);
	assert_string_equal(f->sysctls[0].value, "4096 16384");
	assert_int_equal(hs_pair_facts_add_sysctl(f, "a.b", "7"), 0); /* replaced, not added */
	assert_int_equal(f->n_sysctls, 1);
	assert_string_equal(f->sysctls[0].value, "7");
	assert_int_equal(hs_pair_facts_add_sysctl(f, "A/b", "1"), -EINVAL);
	assert_int_equal(hs_pair_facts_add_sysctl(f, "a.c", " \n"), -EINVAL);
	assert_int_equal(hs_pair_facts_add_sysctl(f, "a.c", "123456789012345678901234567890123"),
			 -EINVAL);
	for (int i = 0; f->n_sysctls < HS_PF_SYSCTLS_MAX; i++) {
		char name[32];
		snprintf(name, sizeof(name), "x.%03d", i);
		assert_int_equal(hs_pair_facts_add_sysctl(f, name, "1"), 0);
	}
	assert_int_equal(hs_pair_facts_add_sysctl(f, "z.z", "1"), -ENOSPC);
	free(f);
}

static void json_round_trip(void **state)
{
	(void)state;
	struct hs_pair_facts *f = facts_of(CONF, "0.9"), *back = calloc(1, sizeof(*back));
	char *text = hs_pair_facts_encode(f);
	assert_non_null(text);
	assert_non_null(strstr(text, "\"vips\":[\"192.0.2.1\",\"192.0.2.9\"]"));
	assert_int_equal(hs_pair_facts_decode(text, strlen(text), back), HS_PF_OK);
	assert_int_equal(hs_pair_facts_compare(f, back, NULL, NULL, 0), 0);
	assert_int_equal(back->n_groups, 3);
	assert_int_equal(back->groups[2].family, AF_INET6);
	assert_string_equal(back->groups[2].vips[0], "2001:db8::1");
	char *again = hs_pair_facts_encode(back);
	assert_string_equal(again, text); /* the same facts, the same bytes */
	free(again);
	free(text);
	free(f);
	free(back);
}

struct bad_case {
	const char *json;
	enum hs_pf_err err;
};

#define HEAD                                                                                       \
	"{\"format\":1,\"software\":\"0.9\",\"hrp_protocol\":\"1.0\",\"hello_interval_ms\":200,"
#define GRP                                                                                        \
	"{\"interface\":\"lan0\",\"family\":\"ipv4\",\"vrid\":1,\"version\":3,\"advert_interval_"  \
	"cs\":100,"

static void every_decode_error_is_named(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{ "", HS_PF_E_JSON },
		{ "[1,2]", HS_PF_E_JSON },
		{ "{\"format\":1", HS_PF_E_JSON },
		{ "{\"format\":2}", HS_PF_E_FORMAT },
		{ HEAD "\"dead_count\":\"3\",\"vrrp\":[],\"sysctl\":{}}", HS_PF_E_FIELD },
		{ HEAD "\"dead_count\":0,\"vrrp\":[],\"sysctl\":{}}", HS_PF_E_RANGE },
		{ HEAD "\"dead_count\":3,\"sysctl\":{}}", HS_PF_E_FIELD },
		{ HEAD "\"dead_count\":3,\"vrrp\":[],\"sysctl\":[]}", HS_PF_E_FIELD },
		{ HEAD "\"dead_count\":3,\"vrrp\":[],\"sysctl\":{\"a b\":\"1\"}}", HS_PF_E_STRING },
		{ HEAD "\"dead_count\":3,\"vrrp\":[],\"sysctl\":{\"a\":1}}", HS_PF_E_FIELD },
		/* jansson refuses a NUL inside a string */
		{ HEAD "\"dead_count\":3,\"vrrp\":[],\"sysctl\":{\"a\":\"1\\u0000\"}}",
		  HS_PF_E_JSON },
		{ HEAD "\"dead_count\":3,\"vrrp\":[" GRP "\"vips\":[\"192.0.2.1\"]}," GRP
		       "\"vips\":[]}],\"sysctl\":{}}",
		  HS_PF_E_DUPLICATE },
		{ HEAD "\"dead_count\":3,\"vrrp\":[" GRP
		       "\"vips\":[\"2001:db8::1\"]}],\"sysctl\":{}}",
		  HS_PF_E_STRING },
		{ HEAD "\"dead_count\":3,\"vrrp\":[" GRP
		       "\"vips\":[\"192.0.2.256\"]}],\"sysctl\":{}}",
		  HS_PF_E_STRING },
		{ HEAD "\"dead_count\":3,\"vrrp\":[{\"interface\":\"lan0\",\"family\":\"ipx\"}],"
		       "\"sysctl\":{}}",
		  HS_PF_E_RANGE },
		{ HEAD "\"dead_count\":3,\"vrrp\":[{\"interface\":\"a-very-long-ifname\"}],"
		       "\"sysctl\":{}}",
		  HS_PF_E_STRING },
		{ HEAD "\"dead_count\":3,\"vrrp\":[{\"interface\":\"lan0\",\"family\":\"ipv4\","
		       "\"vrid\":256}],\"sysctl\":{}}",
		  HS_PF_E_RANGE },
		{ HEAD "\"dead_count\":3,\"vrrp\":[7],\"sysctl\":{}}", HS_PF_E_FIELD },
		/* a key twice */
		{ HEAD "\"dead_count\":3,\"dead_count\":4,\"vrrp\":[],\"sysctl\":{}}",
		  HS_PF_E_JSON },
	};
	struct hs_pair_facts *f = calloc(1, sizeof(*f));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum hs_pf_err e = hs_pair_facts_decode(cases[i].json, strlen(cases[i].json), f);
		if (e != cases[i].err)
			fail_msg("case %zu: %s, wanted %s", i, hs_pf_err_name(e),
				 hs_pf_err_name(cases[i].err));
	}
	/* too many VIPs */
	char big[2048];
	size_t o = (size_t)snprintf(big, sizeof(big),
				    HEAD "\"dead_count\":3,\"vrrp\":[" GRP "\"vips\":[");
	for (int i = 0; i <= HS_PF_VIPS_MAX; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "%s\"192.0.2.%d\"", i ? "," : "",
				      i + 1);
	snprintf(big + o, sizeof(big) - o, "]}],\"sysctl\":{}}");
	assert_int_equal(hs_pair_facts_decode(big, strlen(big), f), HS_PF_E_TOO_MANY);
	/* unknown keys are skipped: a newer peer may say more */
	const char *newer = HEAD "\"dead_count\":3,\"vrrp\":[],\"sysctl\":{},\"later\":[1]}";
	assert_int_equal(hs_pair_facts_decode(newer, strlen(newer), f), HS_PF_OK);
	assert_string_equal(hs_pf_err_name(HS_PF_E_DUPLICATE), "duplicate-group");
	free(f);
}

static const struct hs_pf_diff *find(const struct hs_pf_diff *d, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(d[i].what, what))
			return &d[i];
	fail_msg("no difference \"%s\"", what);
	return NULL;
}

static void compare_lists_every_difference(void **state)
{
	(void)state;
	struct hs_pair_facts *a = facts_of(CONF, "0.9");
	/* the peer: vrid 1 with another VIP, vrid 2 with another interval, no ipv6 group, a vrid
	 * 3, a slower hello, another TCP timeout and an extra sysctl, a newer version */
	struct hs_pair_facts *b = facts_of(
		"global = { name = \"fw2\"; };\n"
		"hrpd = { hello_interval = 1000; dead_count = 3; };\n"
		"vrrpd = { groups = (\n"
		" { interface = \"lan0\"; vrid = 1; vips = [ \"192.0.2.1\", \"192.0.2.8\" ]; },\n"
		" { interface = \"lan0\"; vrid = 2; advert_interval = 200; vips = [ \"192.0.2.2\" "
		"]; },\n"
		" { interface = \"lan1\"; vrid = 3; vips = [ \"198.51.100.9\" ]; }\n"
		"); };\n",
		"1.0");
	assert_int_equal(hs_pair_facts_add_sysctl(
				 b, "net.netfilter.nf_conntrack_tcp_timeout_established", "600"),
			 0);
	assert_int_equal(
		hs_pair_facts_add_sysctl(b, "net.netfilter.nf_conntrack_udp_timeout", "30"), 0);
	struct hs_pf_diff d[16];
	size_t n = hs_pair_facts_compare(a, b, NULL, d, 16);
	assert_int_equal(n, 8);
	const struct hs_pf_diff *x = find(d, n, "vrrp ipv4 vrid 1 virtual addresses");
	assert_string_equal(x->here, "192.0.2.1 192.0.2.9");
	assert_string_equal(x->peer, "192.0.2.1 192.0.2.8");
	assert_int_equal(x->severity, HS_PF_ERROR);
	x = find(d, n, "vrrp ipv4 vrid 2 advert interval");
	assert_string_equal(x->here, "100 cs");
	assert_string_equal(x->peer, "200 cs");
	assert_int_equal(x->severity, HS_PF_ERROR);
	x = find(d, n, "vrrp ipv4 vrid 3");
	assert_string_equal(x->here, "absent");
	assert_string_equal(x->peer, "lan1, 198.51.100.9");
	x = find(d, n, "vrrp ipv6 vrid 1");
	assert_string_equal(x->here, "lan0, 2001:db8::1");
	assert_string_equal(x->peer, "absent");
	x = find(d, n, "hrpd.hello_interval");
	assert_string_equal(x->here, "200");
	assert_string_equal(x->peer, "1000");
	assert_int_equal(x->severity, HS_PF_ERROR);
	x = find(d, n, "net.netfilter.nf_conntrack_tcp_timeout_established");
	assert_string_equal(x->here, "432000");
	assert_string_equal(x->peer, "600");
	assert_int_equal(x->severity, HS_PF_WARNING);
	x = find(d, n, "net.netfilter.nf_conntrack_udp_timeout");
	assert_string_equal(x->here, "absent");
	x = find(d, n, "software version");
	assert_int_equal(x->severity, HS_PF_WARNING);
	/* stable order: versions, hrpd, groups, sysctls */
	assert_string_equal(d[0].what, "software version");
	assert_string_equal(d[n - 1].what, "net.netfilter.nf_conntrack_udp_timeout");
	/* a short array still counts them all */
	assert_int_equal(hs_pair_facts_compare(a, b, NULL, d, 2), 8);
	/* and the other way round, the sides swap */
	n = hs_pair_facts_compare(b, a, NULL, d, 16);
	assert_int_equal(n, 8);
	assert_string_equal(find(d, n, "vrrp ipv4 vrid 3")->here, "lan1, 198.51.100.9");
	free(a);
	free(b);
}

static void renamed_interfaces_are_the_same(void **state)
{
	(void)state;
	struct hs_pair_facts *a = facts_of(CONF, "0.9"), *b = facts_of(CONF, "0.9");
	for (size_t i = 0; i < b->n_groups; i++)
		snprintf(b->groups[i].interface, sizeof(b->groups[i].interface), "eth1");
	struct hs_pf_diff d[8];
	size_t n = hs_pair_facts_compare(a, b, NULL, d, 8);
	assert_int_equal(n, 3);
	assert_string_equal(d[0].what, "vrrp ipv4 vrid 1 interface");
	assert_string_equal(d[0].here, "lan0");
	assert_string_equal(d[0].peer, "eth1");
	static const char *const items[] = { "lan0=eth1" };
	struct hs_cfgsync_renames m;
	char err[64];
	assert_int_equal(hs_cfgsync_renames_parse(items, 1, &m, err, sizeof(err)), 0);
	assert_int_equal(hs_pair_facts_compare(a, b, &m, d, 8), 0);
	free(a);
	free(b);
}

static void facts_record_round_trip(void **state)
{
	(void)state;
	struct hs_pair_facts *f = facts_of(CONF, "0.9");
	char *text = hs_pair_facts_encode(f);
	struct hs_cfgsync_rec r = { .kind = HS_CFGSYNC_FACTS, .gen = 4 }, back;
	r.facts = text;
	r.facts_len = strlen(text);
	hs_cfgsync_settings_digest(text, r.facts_len, r.digest);
	uint8_t buf[4096];
	size_t n = hs_cfgsync_encode(&r, buf, sizeof(buf));
	assert_int_equal(n, HS_CFGSYNC_HDR_LEN + 4 + r.facts_len);
	assert_int_equal(hs_cfgsync_decode(buf, n, &back), HS_CFGSYNC_OK);
	assert_int_equal(back.kind, HS_CFGSYNC_FACTS);
	assert_int_equal(back.facts_len, r.facts_len);
	assert_memory_equal(back.facts, text, r.facts_len);
	assert_string_equal(hs_cfgsync_kind_name(HS_CFGSYNC_FACTS), "facts");
	for (size_t cut = 0; cut < n; cut++)
		assert_int_equal(hs_cfgsync_decode(buf, cut, &back), HS_CFGSYNC_E_TRUNCATED);
	buf[n - 2] ^= 1; /* the text no longer has the header's digest */
	assert_int_equal(hs_cfgsync_decode(buf, n, &back), HS_CFGSYNC_E_DIGEST);
	free(text);
	free(f);
}

/* A hello interval changed on the config master differs on the standby for about a second,
 * until settings sync applies it there: held back for the grace time, then shown. Other
 * differences are never held. */
static void synced_timers_are_held_for_the_grace_time(void **state)
{
	(void)state;
	struct hs_pf_diff d[3] = {
		{ .what = "hrpd.hello_interval", .here = "100", .peer = "200" },
		{ .what = "vrrp ipv4 vrid 1 advert interval", .here = "100", .peer = "200" },
		{ .what = "hrpd.dead_count", .here = "5", .peer = "3" },
	};
	struct hs_pf_diff w[3];
	uint64_t since = 0;
	size_t held;
	memcpy(w, d, sizeof(d));
	assert_int_equal(hs_pair_facts_hold_synced(w, 3, 10000, &since, 3000, &held), 1);
	assert_int_equal(held, 2);
	assert_string_equal(w[0].what, "vrrp ipv4 vrid 1 advert interval");
	assert_int_equal(since, 10000);
	/* still within the grace time a poll later */
	memcpy(w, d, sizeof(d));
	assert_int_equal(hs_pair_facts_hold_synced(w, 3, 12999, &since, 3000, &held), 1);
	/* lasted: shown, all three, in their order */
	memcpy(w, d, sizeof(d));
	assert_int_equal(hs_pair_facts_hold_synced(w, 3, 13000, &since, 3000, &held), 3);
	assert_int_equal(held, 0);
	assert_string_equal(w[2].what, "hrpd.dead_count");
	/* gone: the clock starts again at the next one */
	assert_int_equal(hs_pair_facts_hold_synced(w + 1, 1, 14000, &since, 3000, &held), 1);
	assert_int_equal(since, 0);
	memcpy(w, d, sizeof(d));
	assert_int_equal(hs_pair_facts_hold_synced(w, 3, 20000, &since, 3000, &held), 1);
	assert_int_equal(since, 20000);
}

/* vrrpd's running groups, read back from config-show's text of its global and vrrpd groups:
 * the same groups as the config they were printed from; a group changed there (not in any
 * file) is what the facts say; text that is not a config is refused and changes nothing. */
static void running_groups_come_from_vrrpds_text(void **state)
{
	(void)state;
	struct hs_config *cfg = NULL;
	struct hs_cfg_errors errs;
	assert_int_equal(hs_config_load_string(CONF, "test", &cfg, &errs), 0);
	char *g = hs_config_print_group_string(cfg, "global");
	char *v = hs_config_print_group_string(cfg, "vrrpd");
	assert_non_null(g);
	assert_non_null(v);
	size_t cap = strlen(g) + strlen(v) + 2;
	char *text = malloc(cap);
	snprintf(text, cap, "%s\n%s", g, v);
	struct hs_pair_facts *file = facts_of(CONF, "1.0"), *run = calloc(1, sizeof(*run));
	char err[256];
	assert_int_equal(hs_pair_facts_groups_from_text(text, run, err, sizeof(err)), 0);
	assert_int_equal(run->n_groups, file->n_groups);
	assert_memory_equal(run->groups, file->groups, sizeof(file->groups[0]) * file->n_groups);

	free(text);
	/* vrrpd runs vrid 2 with another interval than the file says */
	const char *runtext = "global = { name = \"fw1\"; };\n"
			      "vrrpd = { groups = ( { interface = \"lan0\"; vrid = 2; "
			      "advert_interval = 250; vips = [ \"192.0.2.2\" ]; } ); };\n";
	assert_int_equal(hs_pair_facts_groups_from_text(runtext, run, err, sizeof(err)), 0);
	assert_int_equal(run->n_groups, 1);
	assert_int_equal(run->groups[0].advert_interval_cs, 250);
	assert_int_equal(hs_pair_facts_groups_from_text("vrrpd = {", run, err, sizeof(err)),
			 -EINVAL);
	assert_true(err[0] != '\0');
	assert_int_equal(run->n_groups, 1);
	hs_config_free(cfg);
	free(g);
	free(v);
	free(file);
	free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(facts_from_the_config_are_sorted),
		cmocka_unit_test(sysctls_wanted_tidied_and_bounded),
		cmocka_unit_test(json_round_trip),
		cmocka_unit_test(every_decode_error_is_named),
		cmocka_unit_test(compare_lists_every_difference),
		cmocka_unit_test(renamed_interfaces_are_the_same),
		cmocka_unit_test(facts_record_round_trip),
		cmocka_unit_test(synced_timers_are_held_for_the_grace_time),
		cmocka_unit_test(running_groups_come_from_vrrpds_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
