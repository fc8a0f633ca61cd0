/* hrpctl's renderers for today's daemons: display hrp state verbose with readiness and tracked
 * objects, display vgmp, interfaces and VRRP, each against JSON fixtures through the fake
 * daemon table (cli_fake.h). Session and config sync's commands: test_cli_render_sync.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cli_parse.h"
#include "commands.h"
#include "exec.h"
#include "render.h"

static struct cli_grammar real;

#include "cli_fake.h"

/* ---- display hrp state verbose and display vgmp with today's daemons: fw2, the standby ---- */

#define DIGEST_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DIGEST_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static const char hrpd_status_full[] =
	"{\"daemon\": \"hrpd\", \"version\": \"0.2.0\", \"name\": \"fw2\", \"uptime_ms\": 4260000,"
	" \"hrp\": {\"enabled\": true, \"role\": \"standby\", \"peer_role\": \"active\","
	" \"hello_interval_ms\": 100, \"dead_count\": 5, \"auto_sync_config\": true,"
	" \"auto_sync_sessions\": true, \"mirror_session\": false, \"stable_since_ms\": 3600000,"
	" \"last_change\": {\"old\": \"active\", \"new\": \"standby\", \"reason\": \"vgmp\","
	" \"local_priority\": 44996, \"peer_priority\": 45000},"
	" \"channel_usage\": 0.0, \"protocol\": \"1.1\", \"running_link\": \"hb0\","
	" \"peer\": {\"state\": \"up\", \"name\": \"fw1\", \"priority\": 45000, \"readiness\": 5,"
	" \"payload\": {\"priority\": 45000, \"state\": \"active\", \"readiness\": 5,"
	" \"mode\": \"active-standby\", \"config_digest\": \"" DIGEST_A "\","
	" \"session_digest\": null}, \"last_rx_ms_ago\": 40},"
	" \"heartbeat\": {\"dead_time_ms\": 584},"
	" \"local_payload\": {\"priority\": 44996, \"state\": \"standby\", \"readiness\": 0,"
	" \"mode\": \"active-standby\", \"config_digest\": \"" DIGEST_B "\","
	" \"session_digest\": null},"
	" \"peer_registry\": {\"known\": true, \"compat\": \"compatible\", \"differences\": 1,"
	" \"protocol\": \"1.0\"},"
	" \"session\": {\"available\": true, \"on\": true, \"source\": false, \"ready\": false,"
	" \"synced\": false, \"receiving_bulk\": true, \"dump\": \"none\", \"paused\": false,"
	" \"kernel_entries\": 5120, \"last_bulk_ms\": 840}}}";

/* Tracked objects in every state the renderer knows: a down held, a flapping object suppressed,
 * a failed script, and a tracker type this hrpctl has never heard of. */
#define TRACKED_FULL                                                                              \
	"[{\"type\": \"interface\", \"name\": \"up0\", \"state\": \"up\", \"reported\": \"down\","  \
	" \"contribution\": 0, \"suppressed\": false, \"flaps\": 3, \"weight\": 2,"                \
	" \"hold_down_ms\": 500, \"damping_penalty\": 0, \"hold_down_left_ms\": 300,"              \
	" \"damping\": null, \"interface\": \"up0\"},"                                             \
	" {\"type\": \"icmp\", \"name\": \"gw\", \"state\": \"down\", \"reported\": \"up\","       \
	" \"contribution\": -2, \"suppressed\": true, \"flaps\": 4, \"weight\": 2,"                \
	" \"hold_down_ms\": 0, \"damping_penalty\": 2400, \"hold_down_left_ms\": 0,"               \
	" \"damping\": {\"penalty\": 1000, \"suppress\": 2000, \"reuse\": 750,"                    \
	" \"half_life_ms\": 15000, \"max_penalty\": 8000, \"suppressions\": 1},"                   \
	" \"icmp\": {\"target\": \"198.51.100.2\", \"source\": \"\", \"socket\": \"datagram\","    \
	" \"interval_ms\": 1000, \"timeout_ms\": 500, \"count\": 3, \"misses\": 0, \"sent\": 120," \
	" \"replies\": 112, \"timeouts\": 8, \"unexpected\": 1, \"send_errors\": 0,"              \
	" \"rtt_ms\": 2, \"drops\": {\"short\": 0, \"other source\": 2}}},"                        \
	" {\"type\": \"script\", \"name\": \"dns\", \"state\": \"down\", \"reported\": \"down\","  \
	" \"contribution\": -2, \"suppressed\": false, \"flaps\": 1, \"weight\": 2,"               \
	" \"hold_down_ms\": 0, \"damping_penalty\": 0, \"hold_down_left_ms\": 0,"                  \
	" \"damping\": null, \"script\": {\"path\": \"/usr/local/libexec/check-dns\","             \
	" \"interval_ms\": 5000, \"timeout_ms\": 2000, \"running\": false, \"runs\": 40,"          \
	" \"ups\": 39, \"downs\": 1, \"timeouts\": 0, \"spawn_errors\": 0,"                        \
	" \"last\": {\"exit\": 1}}},"                                                              \
	" {\"type\": \"bfd\", \"name\": \"bfd 1\", \"state\": \"unknown\", \"contribution\": 0,"   \
	" \"weight\": 10, \"bfd\": {\"peer\": \"192.0.2.9\", \"session_state\": \"init\","         \
	" \"up\": false, \"flaps\": 2}}]"

#define NOTIFY_FULL                                                                               \
	"{\"hooks\": 2, \"pending\": 0, \"running\": false, \"queued\": 3, \"runs\": 3, \"ok\": 2," \
	" \"failed\": 1, \"timeouts\": 0, \"spawn_errors\": 0, \"dropped\": 0}"

static const char vgmpd_status_full[] =
	"{\"daemon\": \"vgmpd\", \"version\": \"0.2.0\", \"name\": \"fw2\", \"vgmp\": {"
	"\"state\": \"standby\", \"priority\": 44996, \"base_priority\": 45000,"
	" \"fault_penalty\": 2, \"mode\": \"active-standby\", \"standby_device\": false,"
	" \"preempt\": true, \"preempt_delay_s\": 60,"
	" \"peer\": {\"state\": \"active\", \"priority\": 45000},"
	" \"tracked\": " TRACKED_FULL ","
	" \"ospf_cost\": {\"enable\": true, \"cost\": 65500, \"applied\": 65500},"
	" \"ledger\": [{\"ago_ms\": 5000, \"object\": \"gw\", \"delta\": -2,"
	" \"old_priority\": 44998, \"new_priority\": 44996, \"cause\": \"suppressed (flapping)\"}],"
	" \"notify\": " NOTIFY_FULL ", \"stable_ms\": 660000,"
	" \"history\": [{\"ago_ms\": 660000, \"old\": \"active\", \"new\": \"standby\","
	" \"reason\": \"peer priority higher\", \"event\": \"peer-hello\", \"priority\": 44996,"
	" \"peer_priority\": 45000}]}}";

static const char vrrpd_status_full[] =
	"{\"daemon\": \"vrrpd\", \"version\": \"0.2.0\", \"groups\": [{\"interface\": \"lan0\","
	" \"vrid\": 1, \"family\": \"ipv4\", \"state\": \"backup\", \"vgmp\": \"standby\"}]}";

static const char data_stats_full[] =
	"{\"state\": \"up\", \"link\": \"hb0\", \"held_bytes\": 2404, \"channels\": {"
	"\"session\": {\"channel\": 1, \"pending\": 12, \"unacked\": 40, \"unacked_bytes\": 1080,"
	" \"held_bytes\": 1404, \"acks_behind\": 0, \"resync\": false},"
	" \"config\": {\"channel\": 2, \"pending\": 0, \"unacked\": 0, \"unacked_bytes\": 0,"
	" \"held_bytes\": 0, \"acks_behind\": 0, \"resync\": false},"
	" \"upgrade\": {\"channel\": 3, \"pending\": 2, \"unacked\": 3, \"unacked_bytes\": 600,"
	" \"held_bytes\": 1000, \"acks_behind\": 1, \"resync\": false}}}";

static const char consistency_full[] =
	"{\"last_check\": {\"at_ms_ago\": 12000, \"ranges\": 64, \"mismatched\": 2,"
	" \"entries_local\": 5120, \"entries_peer\": 5124, \"result\": \"mismatch\","
	" \"mismatched_ranges\": \"0000000000000011\", \"id\": 7},"
	" \"checks\": 10, \"mismatched_checks\": 1, \"resyncs\": 1, \"swept\": 0, \"interval_s\": 60}";

static const struct fake_answer standby_box[] = {
	{ .daemon = "hrpd", .cmd = "status", .result = hrpd_status_full },
	{ .daemon = "vgmpd", .cmd = "status", .result = vgmpd_status_full },
	{ .daemon = "vrrpd", .cmd = "status", .result = vrrpd_status_full },
	{ .daemon = "hrpd",
	  .cmd = "session-stats",
	  .result = "{\"status\": {}, \"statistics\": {\"bulks_received\": 2}}" },
	{ .daemon = "hrpd", .cmd = "data-stats", .result = data_stats_full },
	{ .daemon = "hrpd", .cmd = "session-consistency", .result = consistency_full },
};

/* hrpd is down: vgmpd and vrrpd answer. */
static const struct fake_answer no_hrpd[] = {
	{ .daemon = "vgmpd", .cmd = "status", .result = vgmpd_status_full },
	{ .daemon = "vrrpd", .cmd = "status", .result = vrrpd_status_full },
};

#define STANDBY_BOX standby_box, sizeof(standby_box) / sizeof(standby_box[0])
#define NO_HRPD     no_hrpd, sizeof(no_hrpd) / sizeof(no_hrpd[0])

static const char tracked_full_lines[] =
	" Tracked objects:\n"
	"   interface up0: up (reports down), contribution 0, weight 2\n"
	"     hold-down 500 ms (holding a down, 300 ms left); damping off; flaps 3\n"
	"   icmp gw: down (reports up), contribution -2, weight 2\n"
	"     hold-down off; damping penalty 2400, suppressed (per flap 1000, suppress 2000, reuse "
	"750, half-life 15000 ms, suppressions 1); flaps 4\n"
	"     icmp to 198.51.100.2 (datagram socket): every 1000 ms, timeout 500 ms, down after 3 "
	"misses\n"
	"     sent 120, replies 112, timeouts 8, unexpected 1, send errors 0, misses in a row 0, "
	"last rtt 2 ms\n"
	"     dropped (other source): 2\n"
	"   script dns: down, contribution -2, weight 2\n"
	"     hold-down off; damping off; flaps 1\n"
	"     script /usr/local/libexec/check-dns: every 5000 ms, timeout 2000 ms\n"
	"     runs 40, ups 39, downs 1, timeouts 0, spawn errors 0, last exit 1\n"
	"   bfd bfd 1: unknown, contribution 0, weight 10\n"
	"     bfd: peer 192.0.2.9, session_state init, up no, flaps 2\n";

/* Configuration, detail and tracked objects of fw2; hrpd's part of the configuration as given. */
#define FW2_MIDDLE(hello, dead, mirror, sync_config, sync_sessions)                               \
	"\n"                                                                                      \
	" Configuration:\n"                                                                       \
	" hello interval:              " hello "\n"                                               \
	" dead count:                  " dead "\n"                                                \
	" preempt:                     60s\n"                                                     \
	" mirror session:              " mirror "\n"                                              \
	" auto-sync configuration:     " sync_config "\n"                                         \
	" auto-sync connection-status: " sync_sessions "\n"                                       \
	" adjust ospf-cost:            on\n"                                                      \
	" mode:                        active-standby\n"                                          \
	" standby device:              off\n"                                                     \
	"\n"                                                                                      \
	" Detail information:\n"                                                                  \
	"                           lan0 vrrp vrid 1: standby\n"                                  \
	"                                        up0: up\n"                                       \
	"                                    icmp gw: down\n"                                     \
	"                                 script dns: down\n"                                     \
	"                                  bfd bfd 1: unknown\n"                                  \
	"                                  ospf-cost: +65500\n"                                   \
	"\n"

static const char fw2_changes[] = "\n"
				  " Priority changes (newest first):\n"
				  "   5 s ago: gw -2 -> 44996 (suppressed (flapping))\n";

static void test_render_hrp_state_readiness(void **state)
{
	static const char head[] =
		" Role: standby, peer: active\n"
		" Running priority: 44996, peer: 45000\n"
		" Backup channel usage: 0.00%\n"
		" Stable time: 0 days, 0 hours, 11 minutes\n"
		" Last state change information: 2016-05-06 14:31:24 HRP core state changed, "
		"old_state = active, new_state = standby, local_priority = 44996, peer_priority = "
		"45000, reason = vgmp.\n"
		"\n"
		" Heartbeat: peer up, running link hb0, peer heard 40 ms ago, dead after 584 ms of "
		"silence\n" FW2_MIDDLE("100ms", "5 hellos", "off", "on", "on");
	static const char readiness[] =
		"\n"
		" Readiness:\n"
		" session sync:                on, receiver\n"
		" sessions ready:              no (peer: yes)\n"
		" bulk sync done:              no\n"
		" receiving a bulk:            yes\n"
		" kernel sessions:             5120\n"
		" last bulk received:          took 840 ms (2 received in all)\n"
		" sync lag:                    52 records (1404 bytes) not yet acknowledged by the "
		"peer, 12 not sent yet\n"
		"   upgrade channel:           5 records (1000 bytes) not yet acknowledged by the "
		"peer, 2 not sent yet, 1 acks behind an earlier one\n"
		" last consistency check:      mismatch, 12 s ago: 2 of 64 ranges differ, entries "
		"here 5120, peer 5124\n"
		" config equal:                no (digest here bbbbbbbb..., peer aaaaaaaa...)\n"
		" versions here:               hrpd 0.2.0, vgmpd 0.2.0, vrrpd 0.2.0; HRP 1.1\n"
		" versions on the peer:        fw1: HRP 1.0 (compatible), software unknown\n";
	char want[4096];
	struct outcome o;

	run_line(&o, STANDBY_BOX, "display hrp state verbose", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	snprintf(want, sizeof(want), "%s%s%s%s", head, tracked_full_lines, readiness, fw2_changes);
	assert_string_equal(o.out, want);
	assert_string_equal(o.err, "");
	outcome_free(&o);
}

/* hrpd cannot be reached: vgmpd's part is shown, with its stable time and last change; hrpd is
 * asked once, and the command ends with the reason. */
static void test_render_hrp_state_no_hrpd(void **state)
{
	static const char head[] =
		" Role: standby, peer: active\n"
		" Running priority: 44996, peer: 45000\n"
		" Backup channel usage: 0.00%\n"
		" Stable time: 0 days, 0 hours, 11 minutes\n"
		" Last state change information: 2016-05-06 14:31:24 HRP core state changed, "
		"old_state = active, new_state = standby, local_priority = 44996, peer_priority = "
		"45000, reason = peer priority higher.\n";
	static const char verbose[] =
		"\n"
		" Heartbeat: unknown (hrpd not reachable)\n" FW2_MIDDLE("-", "-", "-", "-", "-");
	static const char readiness[] =
		"\n"
		" Readiness:\n"
		" session sync:                unknown (hrpd not reachable)\n"
		" sync lag:                    unknown (hrpd not reachable)\n"
		" last consistency check:      unknown (hrpd not reachable)\n"
		" config equal:                unknown (hrpd not reachable)\n"
		" versions here:               hrpd unknown, vgmpd 0.2.0, vrrpd 0.2.0; HRP unknown\n"
		" versions on the peer:        unknown (hrpd not reachable)\n";
	static const char why[] = "Error: cannot reach hrpd at /run/hs-test/hrpd.sock: No such "
				  "file or directory\n";
	char want[4096];
	struct outcome o;
	json_t *v;

	run_line(&o, NO_HRPD, "display hrp state", false, false);
	assert_int_equal(o.rc, CLI_EXIT_UNREACHABLE);
	assert_string_equal(o.out, head);
	assert_string_equal(o.err, why);
	outcome_free(&o);

	run_line(&o, NO_HRPD, "display hrp state verbose", false, false);
	assert_int_equal(o.rc, CLI_EXIT_UNREACHABLE);
	snprintf(want, sizeof(want), "%s%s%s%s%s", head, verbose, tracked_full_lines, readiness,
		 fw2_changes);
	assert_string_equal(o.out, want);
	assert_string_equal(o.err, why);
	/* hrpd is not asked again after its status failed */
	assert_int_equal(o.fake.ncalls, 3);
	assert_string_equal(o.fake.calls[0], "hrpd status");
	assert_string_equal(o.fake.calls[1], "vgmpd status");
	assert_string_equal(o.fake.calls[2], "vrrpd status");
	outcome_free(&o);

	run_line(&o, NO_HRPD, "display hrp state verbose", true, false);
	assert_int_equal(o.rc, CLI_EXIT_UNREACHABLE);
	v = json_loads(o.out, 0, NULL);
	assert_non_null(v);
	assert_string_equal(rj_str(rj_obj(v, "error"), "daemon", ""), "hrpd");
	assert_true(json_is_null(json_object_get(v, "heartbeat")));
	assert_true(json_is_null(json_object_get(v, "name")));
	json_t *r = rj_obj(v, "readiness"), *un = rj_obj(r, "unavailable");
	assert_true(json_is_null(json_object_get(r, "sessions")));
	assert_true(json_is_null(json_object_get(r, "sync_lag")));
	assert_true(json_is_null(json_object_get(r, "consistency")));
	assert_int_equal(json_object_size(un), 4);
	assert_string_equal(rj_str(un, "data-stats", ""),
			    "cannot reach hrpd at /run/hs-test/hrpd.sock: No such file or directory");
	json_decref(v);
	outcome_free(&o);
}

/* A box without conntrack, its data channel idle, its peer gone; one with a config digest that
 * its peer does not send. The readiness block says so, line by line. */
static void test_render_readiness_partial(void **state)
{
	static const struct fake_answer lonely[] = {
		{ .daemon = "hrpd",
		  .cmd = "status",
		  .result = "{\"version\": \"0.2.0\", \"hrp\": {\"protocol\": \"1.1\","
			    " \"peer\": {\"state\": \"dead\", \"name\": \"fw2\", \"payload\": null},"
			    " \"local_payload\": {\"config_digest\": \"" DIGEST_A "\"},"
			    " \"peer_registry\": {\"known\": false, \"compat\": \"unknown\"},"
			    " \"session\": {\"available\": false, \"why\": \"no conntrack netlink\"}}}" },
		{ .daemon = "vgmpd", .cmd = "status", .result = "{\"vgmp\": {}}" },
		{ .daemon = "vrrpd", .cmd = "status", .result = "{\"groups\": []}" },
		{ .daemon = "hrpd",
		  .cmd = "session-stats",
		  .result = "{\"status\": {\"available\": false}, \"statistics\": {}}" },
		{ .daemon = "hrpd",
		  .cmd = "data-stats",
		  .result = "{\"state\": \"idle\", \"link\": null, \"channels\": {\"session\":"
			    " {\"pending\": 3, \"unacked\": 0, \"held_bytes\": 81, \"resync\": true}}}" },
		{ .daemon = "hrpd",
		  .cmd = "session-consistency",
		  .refusal = "session sync is not available here" },
	};
	static const char readiness[] =
		" Readiness:\n"
		" session sync:                not available (no conntrack netlink)\n"
		" sync lag:                    3 records (81 bytes) not yet acknowledged by the peer, "
		"3 not sent yet, resync pending; data channel idle\n"
		" last consistency check:      unknown (session sync is not available here)\n"
		" config equal:                not compared (no peer)\n"
		" versions here:               hrpd 0.2.0, vgmpd unknown, vrrpd unknown; HRP 1.1\n"
		" versions on the peer:        fw2: HRP unknown (no registry yet), software unknown\n";
	struct outcome o;

	run_line(&o, lonely, 6, "display hrp state verbose", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.err, "");
	assert_non_null(strstr(o.out, readiness));
	outcome_free(&o);
}

/* --json: a documented merge; the parts taken from one daemon are its data as they are. */
static void test_json_hrp_state_readiness(void **state)
{
	static const char *const readiness_keys[] = {
		"sessions", "peer_sessions_ready", "bulks_received", "sync_lag", "consistency",
		"config",   "versions",            "unavailable",
	};
	struct outcome o;
	json_t *v, *r, *want;

	run_line(&o, STANDBY_BOX, "display hrp state verbose", true, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	v = json_loads(o.out, 0, NULL);
	assert_non_null(v);
	r = rj_obj(v, "readiness");
	assert_keys(r, readiness_keys, 8);
	/* unchanged: hrpd's session status, its consistency answer, vgmpd's tracked objects */
	want = json_loads(hrpd_status_full, 0, NULL);
	assert_true(json_equal(rj_obj(r, "sessions"), rj_obj(rj_obj(want, "hrp"), "session")));
	json_decref(want);
	want = json_loads(consistency_full, 0, NULL);
	assert_true(json_equal(rj_obj(r, "consistency"), want));
	json_decref(want);
	want = json_loads(TRACKED_FULL, 0, NULL);
	assert_true(json_equal(rj_arr(v, "tracked"), want));
	json_decref(want);
	assert_true(json_is_true(json_object_get(r, "peer_sessions_ready")));
	assert_int_equal(rj_int(r, "bulks_received", -1), 2);
	const json_t *lag = rj_obj(rj_obj(rj_obj(r, "sync_lag"), "channels"), "session");
	assert_int_equal(rj_int(lag, "pending", -1), 12);
	assert_int_equal(rj_int(lag, "unacked", -1), 40);
	assert_int_equal(rj_int(lag, "held_bytes", -1), 1404);
	const json_t *cfg = rj_obj(r, "config");
	assert_string_equal(rj_str(cfg, "local_digest", ""), DIGEST_B);
	assert_string_equal(rj_str(cfg, "peer_digest", ""), DIGEST_A);
	assert_true(json_is_false(json_object_get(cfg, "equal")));
	const json_t *ver = rj_obj(r, "versions");
	assert_string_equal(rj_str(rj_obj(ver, "local"), "vgmpd", ""), "0.2.0");
	assert_string_equal(rj_str(rj_obj(ver, "peer"), "hrp_protocol", ""), "1.0");
	assert_true(json_is_null(json_object_get(rj_obj(ver, "peer"), "software")));
	assert_int_equal(json_object_size(rj_obj(r, "unavailable")), 0);
	json_decref(v);
	outcome_free(&o);

	/* an older hrpd: the parts it cannot give are null, with the reason */
	run_line(&o, HEALTHY, "display hrp state verbose", true, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	v = json_loads(o.out, 0, NULL);
	r = rj_obj(v, "readiness");
	assert_keys(r, readiness_keys, 8);
	assert_true(json_is_null(json_object_get(r, "sessions")));
	assert_true(json_is_null(json_object_get(r, "sync_lag")));
	assert_true(json_is_null(json_object_get(rj_obj(r, "config"), "equal")));
	assert_string_equal(rj_str(rj_obj(r, "unavailable"), "session-consistency", ""),
			    "hrpd does not support session consistency checks");
	json_decref(v);
	outcome_free(&o);
}

static void test_render_vgmp_full(void **state)
{
	static const char head[] = " VGMP state: standby, peer: active\n"
				   " Mode: active-standby\n"
				   " Running priority: 44996, base: 45000, peer: 45000\n"
				   " Fault penalty: 2 per failed object\n"
				   " Standby device: no\n"
				   " Preempt: on, delay 60s\n"
				   " Adjust ospf-cost: on, cost 65500, applied +65500\n";
	static const char notify[] = " Notify hooks: 2, runs 3 (ok 2, failed 1, timeouts 0, spawn "
				     "errors 0), queued 3, pending 0, dropped 0\n";
	char want[4096];
	struct outcome o;
	json_t *v, *tracked, *hooks;

	run_line(&o, STANDBY_BOX, "display vgmp", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	snprintf(want, sizeof(want), "%s%s%s", head, tracked_full_lines, notify);
	assert_string_equal(o.out, want);
	outcome_free(&o);

	/* --json: stable keys; tracked objects and notify counters as vgmpd gave them */
	run_line(&o, STANDBY_BOX, "display vgmp", true, false);
	v = json_loads(o.out, 0, NULL);
	assert_non_null(v);
	tracked = json_loads(TRACKED_FULL, 0, NULL);
	hooks = json_loads(NOTIFY_FULL, 0, NULL);
	assert_true(json_equal(rj_arr(v, "tracked"), tracked));
	assert_true(json_equal(rj_obj(v, "notify"), hooks));
	json_decref(tracked);
	json_decref(hooks);
	json_decref(v);
	outcome_free(&o);

	/* an older vgmpd: no notify, one line per object */
	run_line(&o, HEALTHY, "display vgmp", true, false);
	v = json_loads(o.out, 0, NULL);
	assert_true(json_is_null(json_object_get(v, "notify")));
	assert_int_equal(json_array_size(rj_arr(v, "tracked")), 1);
	json_decref(v);
	outcome_free(&o);
}

static void test_render_hrp_interface(void **state)
{
	struct outcome o;

	run_line(&o, HEALTHY, "display hrp interface", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.out, " hb0 : running (local 203.0.113.1, remote 203.0.113.2)\n"
				   " hb1 : ready (local 203.0.113.5, remote 203.0.113.6)\n");
	outcome_free(&o);
}

static void test_render_vrrp(void **state)
{
	struct outcome o;

	run_line(&o, HEALTHY, "display vrrp", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.out, "  lan0 | Virtual Router 1\n"
				   "    State : Master\n"
				   "    Virtual IP : 192.0.2.1\n"
				   "    Master IP : local\n"
				   "    PriorityRun : 120\n"
				   "    Preempt : YES   Delay Time : 0 s\n"
				   "    TimerRun : 1 s\n"
				   "    Virtual MAC : 0000-5e00-0101\n"
				   "    Version : v3\n"
				   "    Accept Mode : NO\n"
				   "    Config type : vgmp-vrrp\n"
				   "    VGMP group : active\n"
				   "\n"
				   "  lan1 | Virtual Router 2\n"
				   "    State : Backup\n"
				   "    Virtual IP : 198.51.100.1\n"
				   "                 198.51.100.2\n"
				   "    Master IP : 198.51.100.3\n"
				   "    PriorityRun : 100\n"
				   "    Preempt : NO   Delay Time : 0 s\n"
				   "    TimerRun : 500 ms\n"
				   "    Version : v3\n"
				   "    Accept Mode : YES\n"
				   "    Config type : normal-vrrp\n"
				   "\n"
				   "  lan0 | Virtual Router 1 (IPv6)\n"
				   "    State : Backup\n"
				   "    Virtual IP : 2001:db8:1::1\n"
				   "    Master IP : -\n"
				   "    PriorityRun : 100\n"
				   "    Preempt : YES   Delay Time : 0 s\n"
				   "    TimerRun : 1 s\n"
				   "    Virtual MAC : 0000-5e00-0201\n"
				   "    Version : v3\n"
				   "    Accept Mode : NO\n"
				   "    Config type : vgmp-vrrp\n"
				   "    VGMP group : standby\n");
	outcome_free(&o);

	run_line(&o, HEALTHY, "display vrrp brief", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.out,
			    "VRID  State        Interface                Type     Virtual IP\n"
			    "----------------------------------------------------------------\n"
			    "1     Master       lan0                     Vgmp     192.0.2.1\n"
			    "2     Backup       lan1                     Normal   198.51.100.1\n"
			    "                                                     198.51.100.2\n"
			    "1     Backup       lan0                     Vgmp     2001:db8:1::1\n"
			    "----------------------------------------------------------------\n"
			    "Total:3      Master:1      Backup:2      Non-active:0\n");
	outcome_free(&o);
}

static const struct fake_answer vrrp_counted[] = {
	{ .daemon = "vrrpd",
	  .cmd = "status",
	  .result = "{\"groups\": [{\"interface\": \"lan0\", \"vrid\": 7, \"family\": \"ipv4\", "
		    "\"state\": \"backup\", \"counters\": {\"rx\": 12, \"rx_adverts\": 9, "
		    "\"rx_prio0\": 1, \"drops\": {\"ttl-not-255\": 3}, \"tx\": 4, \"transitions\": "
		    "2, \"became_master\": 1, \"preempt_discards\": 6, \"preempt_held\": 2, "
		    "\"split_brain_heals\": 3, \"split_brain_throttled\": 1}}], \"links\": "
		    "[{\"interface\": \"lan0\", \"family\": \"ipv4\", \"unmatched\": {\"rx\": 5, "
		    "\"drops\": {\"vrid-mismatch\": 5}}, \"rx_errors\": 1}], \"watch\": "
		    "{\"on\": true, \"notifications\": 40, \"overruns\": 1, \"passes\": 8, "
		    "\"stops\": 2, \"starts\": 3, \"readdressed\": 1}}" },
};

static void test_render_vrrp_statistics(void **state)
{
	struct outcome o;

	run_line(&o, vrrp_counted, 1, "dis vrrp stat", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.out,
			    "  lan0 | Virtual Router 7\n"
			    "    Received : 12   Adverts accepted : 9   Priority zero : 1\n"
			    "    Dropped (ttl-not-255) : 3\n"
			    "    Address list mismatch : 0\n"
			    "    Sent : 4   Priority zero sent : 0\n"
			    "    Transitions : 2   Became master : 1\n"
			    "    Preempt discards : 6   Accepted in preempt delay : 2\n"
			    "    Split-brain heals : 3 (throttled 1)   Reports to VGMP : 0   "
			    "Stalls : 0\n"
			    "\n"
			    "  lan0 (ipv4), packets for no group : 5   Socket errors : 1\n"
			    "    Dropped (vrid-mismatch) : 5\n"
			    "  Interface watch : on   Notifications : 40 (overruns 1)   Passes : "
			    "8\n"
			    "    Groups stopped : 2   started : 3   readdressed : 1\n");
	outcome_free(&o);
	/* --json hands over the daemon's counters as they are. */
	run_line(&o, vrrp_counted, 1, "display vrrp statistics", true, false);
	json_t *v = json_loads(o.out, 0, NULL);
	assert_non_null(v);
	json_t *g = json_array_get(json_object_get(v, "groups"), 0);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(g, "counters"), "drops"), "ttl-not-255")),
			 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "watch"), "stops")),
			 2);
	json_decref(v);
	outcome_free(&o);
}

static void test_render_vgmp(void **state)
{
	struct outcome o;

	run_line(&o, HEALTHY, "display vgmp", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.out, " VGMP state: active, peer: standby\n"
				   " Mode: active-standby\n"
				   " Running priority: 45000, base: 45000, peer: 44998\n"
				   " Fault penalty: 2 per failed object\n"
				   " Standby device: no\n"
				   " Preempt: on, delay 60s\n"
				   " Adjust ospf-cost: on, cost 65500, applied +0\n"
				   " Tracked objects:\n"
				   "   interface up0: up\n");
	outcome_free(&o);
}

/* vgmpd lost its hrpd: the peer is unknown, and the operator is told why. */
static void test_render_vgmp_hrpd_gone(void **state)
{
	static const struct fake_answer gone[] = {
		{ .daemon = "vgmpd",
		  .cmd = "status",
		  .result = "{\"vgmp\": {\"state\": \"standby\", \"peer\": null,"
			    " \"hrpd_connected\": false}}" },
	};
	struct outcome o;

	run_line(&o, gone, 1, "display vgmp", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_non_null(strstr(o.out, " VGMP state: standby, peer: unknown (hrpd gone: VRRP "
				      "adverts decide)\n"));
	outcome_free(&o);
	run_line(&o, gone, 1, "display vgmp", true, false);
	json_t *v = json_loads(o.out, 0, NULL);
	assert_true(json_is_false(json_object_get(v, "hrpd_connected")));
	json_decref(v);
	outcome_free(&o);
	/* an older vgmpd says nothing of it: nothing is claimed */
	run_line(&o, HEALTHY, "display vgmp", true, false);
	v = json_loads(o.out, 0, NULL);
	assert_true(json_is_null(json_object_get(v, "hrpd_connected")));
	json_decref(v);
	outcome_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_hrp_state_readiness),
		cmocka_unit_test(test_render_hrp_state_no_hrpd),
		cmocka_unit_test(test_render_readiness_partial),
		cmocka_unit_test(test_json_hrp_state_readiness),
		cmocka_unit_test(test_render_vgmp_full),
		cmocka_unit_test(test_render_hrp_interface),
		cmocka_unit_test(test_render_vrrp),
		cmocka_unit_test(test_render_vrrp_statistics),
		cmocka_unit_test(test_render_vgmp),
		cmocka_unit_test(test_render_vgmp_hrpd_gone),
	};

	return cmocka_run_group_tests(tests, real_grammar_utc_setup, real_grammar_teardown);
}
