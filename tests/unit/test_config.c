/* The config loader: the example file, defaults, parse -> print -> parse, and every error path. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "hs_build.h"

#define MINIMAL "global = { name = \"fw1\"; };\n"

static struct hs_config *load_ok(const char *text)
{
	struct hs_config *cfg = NULL;
	struct hs_cfg_errors errs;
	int r = hs_config_load_string(text, "t.conf", &cfg, &errs);
	if (r != 0)
		hs_cfg_errors_print(&errs, stderr);
	assert_int_equal(r, 0);
	assert_non_null(cfg);
	return cfg;
}

static void test_example_file(void **state)
{
	struct hs_config *cfg = NULL;
	struct hs_cfg_errors errs;
	int r = hs_config_load_file(HS_TOP_SRCDIR "/etc/hotstandby.conf", &cfg, &errs);
	if (r)
		hs_cfg_errors_print(&errs, stderr);
	assert_int_equal(r, 0);
	assert_string_equal(cfg->global.name, "fw1");
	assert_int_equal(cfg->vrrpd.n_groups, 2);
	assert_int_equal(cfg->vrrpd.groups[1].family, HS_FAMILY_IPV6);
	assert_int_equal(cfg->vrrpd.groups[1].vips[0].family, AF_INET6);
	assert_int_equal(cfg->vrrpd.groups[0].vgmp, HS_BIND_ACTIVE);
	assert_int_equal(cfg->vgmpd.priority, 45000);
	assert_int_equal(cfg->vgmpd.track_interfaces.count, 2);
	assert_string_equal(cfg->vgmpd.track_interfaces.item[1], "up0");
	assert_int_equal(cfg->hrpd.n_links, 2);
	char buf[64];
	assert_string_equal(hs_addr_str(&cfg->hrpd.links[1].remote, buf, sizeof(buf)),
			    "203.0.113.6");
	hs_config_free(cfg);
}

static void test_defaults(void **state)
{
	struct hs_config *cfg = load_ok(MINIMAL);
	assert_string_equal(cfg->global.rundir, HS_DEFAULT_RUNDIR);
	assert_int_equal(cfg->global.log_target, HS_LOG_TARGET_SYSLOG);
	assert_int_equal(cfg->vrrpd.n_groups, 0);
	assert_int_equal(cfg->vgmpd.priority, 45000);
	assert_int_equal(cfg->vgmpd.fault_penalty, 2);
	assert_int_equal(cfg->vgmpd.preempt_delay_s, 60);
	assert_int_equal(cfg->vgmpd.ospf_cost.cost, 65500);
	assert_int_equal(cfg->hrpd.hello_interval_ms, 1000);
	assert_int_equal(cfg->hrpd.dead_count, 5);
	assert_false(cfg->hrpd.enable);
	hs_config_free(cfg);

	cfg = load_ok(MINIMAL "vrrpd = { groups = ( { interface = \"lan0\"; vrid = 7; vips = [ "
			      "\"192.0.2.1\" ]; } ); };");
	const struct hs_vrrp_group_config *g = &cfg->vrrpd.groups[0];
	assert_int_equal(g->version, 3);
	assert_int_equal(g->priority, 100);
	assert_int_equal(g->advert_interval_cs, 100);
	assert_true(g->preempt);
	assert_true(g->vmac);
	assert_int_equal(g->vmac_backup, HS_VMAC_BACKUP_PROTODOWN);
	assert_int_equal(g->vgmp, HS_BIND_NONE);
	hs_config_free(cfg);

	cfg = load_ok(MINIMAL
		      "vrrpd = { groups = ( { interface = \"lan0\"; vrid = 7; vmac_backup = "
		      "\"random-mac\"; vips = [ \"192.0.2.1\" ]; } ); };");
	assert_int_equal(cfg->vrrpd.groups[0].vmac_backup, HS_VMAC_BACKUP_RANDOM_MAC);
	hs_config_free(cfg);

	/* VRRPv2 advertises up to 255 s (a keepalived peer with advert_int 60). */
	cfg = load_ok(MINIMAL "vrrpd = { groups = ( { interface = \"lan0\"; vrid = 7; version = 2; "
			      "advert_interval = 25500; vips = [ \"192.0.2.1\" ]; } ); };");
	assert_int_equal(cfg->vrrpd.groups[0].advert_interval_cs, 25500);
	hs_config_free(cfg);
}

static void test_print_parse_roundtrip(void **state)
{
	struct hs_config *a = NULL;
	struct hs_cfg_errors errs;
	assert_int_equal(hs_config_load_file(HS_TOP_SRCDIR "/etc/hotstandby.conf", &a, &errs), 0);
	/* A string with characters that need escaping survives too. */
	snprintf(a->vgmpd.ospf_cost.vtysh_socket, sizeof(a->vgmpd.ospf_cost.vtysh_socket),
		 "/run/frr \"q\" \\x");
	char *pa = hs_config_print_string(a);
	assert_non_null(pa);
	struct hs_config *b = load_ok(pa);
	char *pb = hs_config_print_string(b);
	assert_string_equal(pa, pb);
	assert_string_equal(b->vgmpd.ospf_cost.vtysh_socket, "/run/frr \"q\" \\x");
	assert_int_equal(b->vrrpd.n_groups, a->vrrpd.n_groups);
	assert_true(hs_addr_equal(&a->vrrpd.groups[1].vips[0], &b->vrrpd.groups[1].vips[0]));
	assert_int_equal(b->hrpd.n_links, 2);
	free(pa);
	free(pb);
	hs_config_free(a);
	hs_config_free(b);
}

#define TRACKERS                                                                                   \
	"vgmpd = {\n track_interfaces = [ \"lan0\" ];\n trackers = (\n"                             \
	"  { type = \"interface\"; interface = \"up0\"; weight = 10; hold_down = 200;\n"         \
	"    damping = { penalty = 1000; suppress = 1500; reuse = 750; half_life = 10000; }; },\n" \
	"  { type = \"icmp\"; target = \"198.51.100.2\"; source = \"198.51.100.1\"; count = 2; "    \
	"interval = 200; timeout = 100; },\n"                                                    \
	"  { type = \"icmp\"; name = \"gw6\"; target = \"2001:db8::1\"; },\n"                      \
	"  { type = \"script\"; path = \"/usr/local/bin/check\"; args = [ \"-q\", \"x y\" ]; }\n" \
	" );\n notify = (\n"                                                                      \
	"  { on = \"active\"; exec = \"/bin/true\"; args = [ \"a\" ]; },\n"                        \
	"  { exec = \"/bin/logger\"; timeout = 100; }\n );\n};\n"

static void test_trackers(void **state)
{
	struct hs_config *a = load_ok(MINIMAL TRACKERS);
	const struct hs_vgmpd_config *v = &a->vgmpd;
	char name[64];
	assert_int_equal(v->n_trackers, 4);
	assert_int_equal(v->trackers[0].type, HS_TRACK_INTERFACE);
	assert_int_equal(v->trackers[0].weight, 10);
	assert_int_equal(v->trackers[0].hold_down_ms, 200);
	assert_int_equal(v->trackers[0].damping.half_life_ms, 10000);
	assert_string_equal(hs_vgmp_tracker_name(&v->trackers[0], name, sizeof(name)), "up0");
	assert_int_equal(v->trackers[1].type, HS_TRACK_ICMP);
	assert_int_equal(v->trackers[1].count, 2);
	assert_int_equal(hs_vgmp_tracker_interval_ms(&v->trackers[1]), 200);
	assert_string_equal(hs_vgmp_tracker_name(&v->trackers[1], name, sizeof(name)),
			    "198.51.100.2");
	/* Defaults: damping off, count 3, 1000 / 500 ms for icmp, 5000 / 2000 ms for scripts. */
	assert_int_equal(v->trackers[2].damping.penalty, 0);
	assert_int_equal(v->trackers[2].count, 3);
	assert_int_equal(hs_vgmp_tracker_interval_ms(&v->trackers[2]), 1000);
	assert_int_equal(hs_vgmp_tracker_timeout_ms(&v->trackers[2]), 500);
	assert_string_equal(hs_vgmp_tracker_name(&v->trackers[2], name, sizeof(name)), "gw6");
	assert_int_equal(hs_vgmp_tracker_interval_ms(&v->trackers[3]), 5000);
	assert_int_equal(hs_vgmp_tracker_timeout_ms(&v->trackers[3]), 2000);
	assert_int_equal(v->trackers[3].args.count, 2);
	assert_string_equal(v->trackers[3].args.item[1], "x y");
	assert_string_equal(hs_vgmp_tracker_name(&v->trackers[3], name, sizeof(name)),
			    "/usr/local/bin/check");
	assert_int_equal(v->n_notify, 2);
	assert_int_equal(v->notify[0].on, HS_NOTIFY_ACTIVE);
	assert_int_equal(v->notify[1].on, HS_NOTIFY_ANY);
	assert_int_equal(v->notify[0].timeout_ms, 5000);
	assert_int_equal(v->notify[1].timeout_ms, 100);
	/* parse -> print -> parse */
	char *pa = hs_config_print_string(a);
	struct hs_config *b = load_ok(pa);
	char *pb = hs_config_print_string(b);
	assert_string_equal(pa, pb);
	assert_int_equal(b->vgmpd.n_trackers, 4);
	assert_int_equal(b->vgmpd.n_notify, 2);
	assert_memory_equal(b->vgmpd.trackers, a->vgmpd.trackers,
			    4 * sizeof(struct hs_vgmp_tracker_config));
	assert_memory_equal(b->vgmpd.notify, a->vgmpd.notify,
			    2 * sizeof(struct hs_vgmp_notify_config));
	free(pa);
	free(pb);
	hs_config_free(a);
	hs_config_free(b);
}

/* The OSPF neighbour, VRRP group and bridge member trackers. */
#define TRACKERS2                                                                                  \
	"vgmpd = {\n trackers = (\n"                                                              \
	"  { type = \"ospf-neighbor\"; neighbor = \"198.51.100.2\"; interface = \"up0\"; "         \
	"interval = 300; hold_down = 100; },\n"                                                   \
	"  { type = \"ospf-neighbor\"; name = \"core\"; neighbor = \"10.0.0.9\"; timeout = 700; },\n" \
	"  { type = \"vrrp\"; interface = \"lan0\"; vrid = 1; },\n"                               \
	"  { type = \"vrrp\"; interface = \"lan0\"; vrid = 7; family = \"ipv6\"; interval = 200; " \
	"weight = 3; },\n"                                                                        \
	"  { type = \"bridge-member\"; bridge = \"br0\"; port = \"p1\";\n"                         \
	"    damping = { penalty = 1000; suppress = 1500; reuse = 750; }; }\n"                     \
	" );\n};\n"

static void test_trackers2(void **state)
{
	struct hs_config *a = load_ok(MINIMAL TRACKERS2);
	const struct hs_vgmpd_config *v = &a->vgmpd;
	char name[64];
	assert_int_equal(v->n_trackers, 5);
	const struct hs_vgmp_tracker_config *t = v->trackers;
	assert_int_equal(t[0].type, HS_TRACK_OSPF_NEIGHBOR);
	assert_string_equal(t[0].neighbor, "198.51.100.2");
	assert_string_equal(hs_vgmp_tracker_name(&t[0], name, sizeof(name)), "198.51.100.2/up0");
	/* ospf-neighbor: 1000 ms by default, vtysh may take the whole interval. */
	assert_int_equal(hs_vgmp_tracker_interval_ms(&t[0]), 300);
	assert_int_equal(hs_vgmp_tracker_timeout_ms(&t[0]), 300);
	assert_int_equal(hs_vgmp_tracker_interval_ms(&t[1]), 1000);
	assert_int_equal(hs_vgmp_tracker_timeout_ms(&t[1]), 700);
	assert_string_equal(hs_vgmp_tracker_name(&t[1], name, sizeof(name)), "core");
	assert_int_equal(t[2].type, HS_TRACK_VRRP);
	assert_int_equal(t[2].vrid, 1);
	assert_int_equal(t[2].family, HS_FAMILY_IPV4);
	assert_int_equal(hs_vgmp_tracker_interval_ms(&t[2]), 1000);
	assert_string_equal(hs_vgmp_tracker_name(&t[2], name, sizeof(name)), "lan0/1");
	assert_int_equal(t[3].family, HS_FAMILY_IPV6);
	assert_int_equal(t[3].weight, 3);
	assert_string_equal(hs_vgmp_tracker_name(&t[3], name, sizeof(name)), "lan0/7/ipv6");
	assert_int_equal(t[4].type, HS_TRACK_BRIDGE_MEMBER);
	assert_string_equal(t[4].bridge, "br0");
	assert_string_equal(t[4].port, "p1");
	assert_int_equal(t[4].damping.penalty, 1000);
	assert_string_equal(hs_vgmp_tracker_name(&t[4], name, sizeof(name)), "br0/p1");
	assert_string_equal(hs_vgmp_tracker_type_name(HS_TRACK_BRIDGE_MEMBER), "bridge-member");
	/* parse -> print -> parse */
	char *pa = hs_config_print_string(a);
	struct hs_config *b = load_ok(pa);
	char *pb = hs_config_print_string(b);
	assert_string_equal(pa, pb);
	assert_int_equal(b->vgmpd.n_trackers, 5);
	assert_memory_equal(b->vgmpd.trackers, a->vgmpd.trackers,
			    5 * sizeof(struct hs_vgmp_tracker_config));
	free(pa);
	free(pb);
	hs_config_free(a);
	hs_config_free(b);
}

#define TRK(body) MINIMAL "vgmpd = {\n trackers = (\n  { " body " }\n );\n};\n"

struct bad_case {
	const char *text;
	const char *expect; /* substring of the first error */
};

static const struct bad_case bad_cases[] = {
	{ "global = { name = \"fw1\" \n", "t.conf:2: syntax error" },
	{ "vrrpd = { };", "missing required setting 'global'" },
	{ "global = { };", "missing required setting 'name'" },
	{ MINIMAL "bogus = 1;", "t.conf:2: bogus: unknown setting" },
	{ "global = { name = \"fw1\";\n  rundri = \"/x\"; };",
	  "t.conf:2: global.rundri: unknown setting" },
	{ "global = { name = 5; };", "global.name: expected a string" },
	{ "global = { name = \"\"; };", "global.name: must not be empty" },
	{ "global = { name = \"fw 1\"; };", "a name has only letters" },
	{ "global = { name = \"fw1\"; rundir = \"run\"; };",
	  "global.rundir: 'run': a path is absolute" },
	{ "global = { name = \"fw1\"; log_target = \"file\"; };",
	  "'file' is not one of: syslog, stderr" },
	{ "global = { name = \"fw1\"; debug = [ \"vrrp\", \"nope\" ]; };",
	  "global.debug[1]: 'nope': unknown debug category" },
	{ "global = { name = \"fw1\"; debug = \"vrrp\"; };", "expected a list of strings" },
	{ "global = { name = "
	  "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"; };",
	  "too long: 73 characters, at most 63" },
	{ MINIMAL "vgmpd = { priority = 70000; };",
	  "vgmpd.priority: 70000 is out of range 1..65535" },
	{ MINIMAL "vgmpd = { priority = \"high\"; };", "vgmpd.priority: expected a whole number" },
	{ MINIMAL "vgmpd = { preempt = 1; };", "vgmpd.preempt: expected true or false" },
	{ MINIMAL "vgmpd = { mode = \"both\"; };",
	  "'both' is not one of: active-standby, load-sharing" },
	{ MINIMAL "vgmpd = { ospf_cost = { enable = true; }; };", "needs at least one interface" },
	{ MINIMAL "vgmpd = { ospf_cost = { cost = 100; active_cost = 100; }; };",
	  "active_cost (100) must be below the standby's cost (100)" },
	{ MINIMAL "vgmpd = { ospf_cost = { active_cost = 65535; }; };", "active_cost" },
	{ MINIMAL "vgmpd = { ospf_cost = 5; };", "vgmpd.ospf_cost: expected a group" },
	{ MINIMAL "vgmpd = { track_interfaces = [ \"a/b\" ]; };",
	  "'a/b': an interface name has no" },
	{ MINIMAL "vrrpd = { groups = { vrid = 1; }; };", "expected a list of groups" },
	{ MINIMAL "vrrpd = { groups = ( 5 ); };", "vrrpd.groups[0]: expected a group" },
	{ MINIMAL "vrrpd = { groups = ( { interface = \"lan0\"; vrid = 1; vmac_backup = \"down\"; "
		  "vips = [ \"192.0.2.1\" ]; } ); };",
	  "'down' is not one of: random-mac, protodown" },
	{ MINIMAL "vrrpd = { groups = ( { vrid = 1; vips = [ \"192.0.2.1\" ]; } ); };",
	  "vrrpd.groups[0]: missing required setting 'interface'" },
	{ MINIMAL
	  "vrrpd = { groups = ( { interface = \"lan0\"; vrid = 0; vips = [ \"192.0.2.1\" ]; "
	  "} ); };",
	  "vrrpd.groups[0].vrid: 0 is out of range 1..255" },
	{ MINIMAL "vrrpd = { groups = ( { interface = \"lan0\"; vrid = 1; } ); };",
	  "vrrpd.groups[0]: missing required setting 'vips'" },
	{ MINIMAL "vrrpd = { groups = ( { interface = \"lan0\"; vrid = 1; vips = [ ]; } ); };",
	  "vrrpd.groups[0].vips: has 0 entries, expected 1 to 16" },
	{ MINIMAL
	  "vrrpd = { groups = ( { interface = \"lan0\"; vrid = 1; vips = [ \"192.0.2.300\" ]; "
	  "} ); };",
	  "vips[0]: '192.0.2.300' is not an IPv4 or IPv6 address" },
	{ MINIMAL
	  "vrrpd = { groups = ( { interface = \"lan0\"; vrid = 1; vips = [ \"2001:db8::1\" ]; "
	  "} ); };",
	  "address 1 is not ipv4 like the group" },
	{ MINIMAL "vrrpd = { groups = ( { interface = \"lan0\"; vrid = 1; vips = [ \"192.0.2.1\", "
		  "\"192.0.2.1\" ]; } ); };",
	  "address 2 repeats address 1" },
	{ MINIMAL "vrrpd = { groups = ( { interface = \"lan0\"; vrid = 1; version = 2; family = "
		  "\"ipv6\"; vips = [ \"2001:db8::1\" ]; } ); };",
	  "VRRPv2 is IPv4 only" },
	{ MINIMAL "vrrpd = { groups = ( { interface = \"lan0\"; vrid = 1; version = 2; "
		  "advert_interval = 50; vips = [ \"192.0.2.1\" ]; } ); };",
	  "VRRPv2 advertises whole seconds" },
	{ MINIMAL "vrrpd = { groups = ( { interface = \"lan0\"; vrid = 1; advert_interval = 6000; "
		  "vips = [ \"192.0.2.1\" ]; } ); };",
	  "VRRPv3 intervals stop at 4095 centiseconds" },
	{ MINIMAL "vrrpd = { groups = ( { interface = \"lan0\"; vrid = 1; version = 2; "
		  "advert_interval = 25600; vips = [ \"192.0.2.1\" ]; } ); };",
	  "25600 is out of range 1..25500" },
	{ MINIMAL "vrrpd = { groups = ( { interface = \"lan0\"; vrid = 1; priority = 255; vgmp = "
		  "\"active\"; vips = [ \"192.0.2.1\" ]; } ); };",
	  "an address owner (255) cannot be bound to VGMP" },
	{ MINIMAL "vrrpd = { groups = (\n { interface = \"lan0\"; vrid = 1; vips = [ \"192.0.2.1\" "
		  "]; },\n { interface = \"lan0\"; vrid = 1; vips = [ \"192.0.2.2\" ]; } ); };",
	  "t.conf:4: vrrpd.groups[1]: VRID 1 (ipv4) on lan0 is already group 1" },
	{ MINIMAL "vrrpd = { groups = ( { interface = \"lan0\"; vrid = 1; checksum = \"none\"; vips "
		  "= [ \"192.0.2.1\" ]; } ); };",
	  "'none' is not one of: pseudo-header, rfc9568" },
	{ MINIMAL "vrrpd = { groups = ( { interface = \"lan0\"; vrid = 1; vips = [ \"192.0.2.1\" ]; "
		  "unicast_peers = [ \"2001:db8::2\" ]; } ); };",
	  "peer 1 is not ipv4 like the group" },
	{ MINIMAL "vrrpd = { groups = ( { interface = \"lan0\"; vrid = 1; router_advert = true; "
		  "vips = [ \"192.0.2.1\" ]; } ); };",
	  "router advertisements need an IPv6 group with a virtual MAC" },
	{ MINIMAL "hrpd = { enable = true; };",
	  "hrpd.enable: HRP needs at least one heartbeat link" },
	{ MINIMAL "hrpd = { key_current = \"short\"; };", "a key has at least 16 characters" },
	{ MINIMAL "hrpd = { key_next = \"0123456789abcdef\"; };",
	  "a next key needs a current key" },
	{ MINIMAL "hrpd = { links = ( { interface = \"hb0\"; local = \"203.0.113.1\"; remote = "
		  "\"2001:db8::2\"; } ); };",
	  "local and remote are not the same family" },
	{ MINIMAL "hrpd = { links = ( { interface = \"hb0\"; local = \"203.0.113.1\"; remote = "
		  "\"203.0.113.1\"; } ); };",
	  "remote is the local address" },
	{ MINIMAL "hrpd = { links = ( { interface = \"hb0\"; local = \"203.0.113.1\"; } ); };",
	  "hrpd.links[0]: missing required setting 'remote'" },
	{ MINIMAL "hrpd = { links = ( { interface = \"hb0\"; local = \"203.0.113.1\"; remote = "
		  "\"203.0.113.2\"; }, { interface = \"hb0\"; local = \"203.0.113.5\"; remote = "
		  "\"203.0.113.6\"; } ); };",
	  "link 2 uses interface hb0 like link 1" },
	{ TRK("type = \"ping\"; target = \"198.51.100.2\";"),
	  "t.conf:4: vgmpd.trackers[0].type: 'ping' is not one of: interface, icmp, script, "
	  "ospf-neighbor, vrrp, bridge-member" },
	{ TRK("target = \"198.51.100.2\";"),
	  "t.conf:4: vgmpd.trackers[0]: missing required setting 'type'" },
	{ TRK("type = \"icmp\";"), "t.conf:4: vgmpd.trackers[0]: an icmp tracker needs 'target'" },
	{ TRK("type = \"icmp\"; target = \"198.51.100.300\";"),
	  "t.conf:4: vgmpd.trackers[0].target: '198.51.100.300': not an IPv4 or IPv6 address" },
	{ TRK("type = \"icmp\"; target = \"198.51.100.2\"; source = \"2001:db8::1\";"),
	  "source and target are not the same family" },
	{ TRK("type = \"icmp\"; target = \"198.51.100.2\"; interval = 100;"),
	  "t.conf:4: vgmpd.trackers[0]: the icmp probe's timeout (500 ms) is longer than its "
	  "interval (100 ms)" },
	{ TRK("type = \"interface\";"), "an interface tracker needs 'interface'" },
	{ TRK("type = \"script\";"), "a script tracker needs 'path'" },
	{ TRK("type = \"script\"; path = \"check.sh\";"), "'check.sh': a path is absolute" },
	{ TRK("type = \"interface\"; interface = \"up0\"; target = \"198.51.100.2\";"),
	  "vgmpd.trackers[0].target: 'target' is for icmp trackers only" },
	{ TRK("type = \"icmp\"; target = \"198.51.100.2\"; damping = { penalty = 10; reuse = "
	      "3000; };"),
	  "vgmpd.trackers[0].damping: damping: reuse (3000) must be below suppress (2000)" },
	{ TRK("type = \"icmp\"; target = \"198.51.100.2\"; colour = 1;"),
	  "vgmpd.trackers[0].colour: unknown setting" },
	{ MINIMAL "vgmpd = { track_interfaces = [ \"up0\" ];\n trackers = ( { type = "
		  "\"interface\"; interface = \"up0\"; } ); };",
	  "t.conf:3: vgmpd.trackers[0]: tracker 'up0' is already in track_interfaces" },
	{ MINIMAL "vgmpd = { trackers = ( { type = \"icmp\"; target = \"192.0.2.9\"; },\n { type = "
		  "\"icmp\"; target = \"192.0.2.9\"; } ); };",
	  "t.conf:3: vgmpd.trackers[1]: tracker '192.0.2.9' is already tracker 1" },
	{ TRK("type = \"ospf-neighbor\";"),
	  "t.conf:4: vgmpd.trackers[0]: an ospf-neighbor tracker needs 'neighbor'" },
	{ TRK("type = \"ospf-neighbor\"; neighbor = \"2001:db8::1\";"),
	  "t.conf:4: vgmpd.trackers[0].neighbor: '2001:db8::1': not a router id or IPv4 address" },
	{ TRK("type = \"ospf-neighbor\"; neighbor = \"10.0.0.1\"; interval = 200; timeout = 300;"),
	  "the ospf-neighbor probe's timeout (300 ms) is longer than its interval (200 ms)" },
	{ TRK("type = \"ospf-neighbor\"; neighbor = \"10.0.0.1\"; port = \"p1\";"),
	  "vgmpd.trackers[0].port: 'port' is for bridge-member trackers only" },
	{ TRK("type = \"icmp\"; target = \"10.0.0.1\"; neighbor = \"10.0.0.1\";"),
	  "vgmpd.trackers[0].neighbor: 'neighbor' is for ospf-neighbor trackers only" },
	{ TRK("type = \"vrrp\"; interface = \"lan0\";"),
	  "t.conf:4: vgmpd.trackers[0]: a vrrp tracker needs 'interface' and 'vrid'" },
	{ TRK("type = \"vrrp\"; vrid = 1;"), "a vrrp tracker needs 'interface' and 'vrid'" },
	{ TRK("type = \"vrrp\"; interface = \"lan0\"; vrid = 256;"),
	  "vgmpd.trackers[0].vrid: 256 is out of range 0..255" },
	{ TRK("type = \"vrrp\"; interface = \"lan0\"; vrid = 1; family = \"ipx\";"),
	  "vgmpd.trackers[0].family: 'ipx' is not one of: ipv4, ipv6" },
	{ TRK("type = \"vrrp\"; interface = \"lan0\"; vrid = 1; timeout = 100;"),
	  "vgmpd.trackers[0].timeout: 'timeout' is for icmp, script and ospf-neighbor trackers only" },
	{ TRK("type = \"script\"; path = \"/bin/true\"; vrid = 1;"),
	  "vgmpd.trackers[0].vrid: 'vrid' is for vrrp trackers only" },
	{ TRK("type = \"bridge-member\"; bridge = \"br0\";"),
	  "t.conf:4: vgmpd.trackers[0]: a bridge-member tracker needs 'bridge' and 'port'" },
	{ TRK("type = \"bridge-member\"; bridge = \"br0\"; port = \"br0\";"),
	  "vgmpd.trackers[0].port: the port 'br0' is the bridge itself" },
	{ TRK("type = \"bridge-member\"; bridge = \"br0\"; port = \"a/b\";"),
	  "vgmpd.trackers[0].port: 'a/b': an interface name has no '/', ':' or white space" },
	{ TRK("type = \"bridge-member\"; bridge = \"br0\"; port = \"p1\"; interval = 100;"),
	  "vgmpd.trackers[0].interval: 'interval' is for icmp, script, ospf-neighbor and vrrp "
	  "trackers only" },
	{ TRK("type = \"bridge-member\"; bridge = \"br0\"; port = \"p1\"; interface = \"p1\";"),
	  "vgmpd.trackers[0].interface: 'interface' is for interface, ospf-neighbor and vrrp "
	  "trackers only" },
	{ MINIMAL "vgmpd = { trackers = ( { type = \"vrrp\"; interface = \"lan0\"; vrid = 1; },\n"
		  " { type = \"vrrp\"; interface = \"lan0\"; vrid = 1; family = \"ipv4\"; } ); };",
	  "t.conf:3: vgmpd.trackers[1]: tracker 'lan0/1' is already tracker 1" },
	{ MINIMAL "vgmpd = { notify = ( { on = \"master\"; exec = \"/bin/true\"; } ); };",
	  "'master' is not one of: active, standby, initialize, load-balance, fault, any" },
	{ MINIMAL "vgmpd = { notify = ( { on = \"active\"; } ); };",
	  "vgmpd.notify[0]: missing required setting 'exec'" },
	{ MINIMAL "vgmpd = { notify = ( { exec = \"/bin/true\"; timeout = 0; } ); };",
	  "vgmpd.notify[0].timeout: 0 is out of range 1..600000" },
	{ MINIMAL "hrpd = { hello_interval = 5; };",
	  "hrpd.hello_interval: 5 is out of range 10..60000" },
};

static void test_errors(void **state)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct hs_config *cfg = (struct hs_config *)0x1; /* must stay untouched */
		struct hs_cfg_errors errs;
		int r = hs_config_load_string(bad_cases[i].text, "t.conf", &cfg, &errs);
		if (r != -EINVAL || errs.count == 0 || !strstr(errs.msg[0], bad_cases[i].expect))
			fprintf(stderr, "case %zu: r=%d, first error: %s\n  expected: %s\n", i, r,
				errs.count ? errs.msg[0] : "(none)", bad_cases[i].expect);
		assert_int_equal(r, -EINVAL);
		assert_true(errs.count >= 1);
		assert_non_null(strstr(errs.msg[0], bad_cases[i].expect));
		assert_ptr_equal(cfg, (struct hs_config *)0x1);
	}
}

static void test_all_errors_collected(void **state)
{
	struct hs_config *cfg = NULL;
	struct hs_cfg_errors errs;
	int r = hs_config_load_string("global = { name = \"fw1\";\n x = 1;\n y = 2; };\n"
				      "vgmpd = {\n priority = 0;\n mode = \"x\"; };",
				      "t.conf", &cfg, &errs);
	assert_int_equal(r, -EINVAL);
	assert_int_equal(errs.count, 4);
	assert_non_null(strstr(errs.msg[0], "t.conf:2: global.x"));
	assert_non_null(strstr(errs.msg[1], "t.conf:3: global.y"));
	assert_non_null(strstr(errs.msg[2], "t.conf:5: vgmpd.priority"));
	assert_non_null(strstr(errs.msg[3], "t.conf:6: vgmpd.mode"));
	assert_null(cfg);
}

static void test_file_errors(void **state)
{
	struct hs_config *cfg = NULL;
	struct hs_cfg_errors errs;
	assert_int_equal(hs_config_load_file("/nonexistent/hs.conf", &cfg, &errs), -ENOENT);
	assert_non_null(strstr(errs.msg[0], "/nonexistent/hs.conf: cannot open"));
	/* A file's errors name the file and the line. */
	char path[] = "/tmp/hs-test-config-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("global = {\n  name = \"fw1\";\n};\nvgmpd = {\n  fault_penalty = 0;\n};\n", f);
	fclose(f);
	assert_int_equal(hs_config_load_file(path, &cfg, &errs), -EINVAL);
	char expect[128];
	snprintf(expect, sizeof(expect), "%s:5: vgmpd.fault_penalty: 0 is out of range", path);
	assert_non_null(strstr(errs.msg[0], expect));
	unlink(path);
	assert_null(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_file),          cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_print_parse_roundtrip), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_trackers),
		cmocka_unit_test(test_trackers2),
		cmocka_unit_test(test_all_errors_collected),  cmocka_unit_test(test_file_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
