/* hrpctl's renderers for session sync (display hrp session statistics / consistency, hrp
 * sync) and config sync (display hrp config consistency, display hrp pair consistency, hrp sync
 * config), each against JSON fixtures through the fake daemon table (cli_fake.h). The state
 * and VRRP renderers: test_cli_render.c. */
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

/* ---- session sync: display hrp session statistics / consistency, hrp sync ---- */

static const char session_stats[] =
	"{\"status\": {\"available\": true, \"on\": true, \"source\": true, \"ready\": true,"
	" \"synced\": false, \"receiving_bulk\": false, \"dump\": \"bulk\", \"paused\": true,"
	" \"kernel_entries\": 1234, \"last_bulk_ms\": 512},"
	" \"statistics\": {\"events_new\": 200, \"events_update\": 100, \"events_destroy\": 40,"
	" \"events_not_source\": 0, \"event_overruns\": 1, \"event_msgs_bad\": 0,"
	" \"records_sent\": 12, \"entries_sent\": 340, \"bytes_sent\": 9180,"
	" \"records_refused\": 1, \"entries_refused\": 30, \"encode_errors\": 0,"
	" \"records_received\": 10, \"entries_received\": 300, \"bytes_received\": 8100,"
	" \"entries_applied\": 298, \"received_not_synced\": 2, \"labels_lost\": 3,"
	" \"kernel_requests\": 300,"
	" \"kernel_batches\": 20, \"kernel_send_errors\": 0, \"kernel_replaced\": 1,"
	" \"kernel_gone\": 0, \"bulk_requests_sent\": 1, \"bulk_requests_received\": 2,"
	" \"bulks_sent\": 2, \"bulks_failed\": 0, \"bulk_entries_sent\": 600,"
	" \"bulks_received\": 1, \"bulk_entries_received\": 300, \"bulks_abandoned\": 1,"
	" \"sweeps_skipped\": 2, \"dumps\": 3,"
	" \"dump_errors\": 0, \"dumps_cancelled\": 1, \"takeovers\": 1,"
	" \"timeouts_reset\": 300,"
	" \"skipped\": {\"hrp\": 12, \"control\": 0, \"link_local\": 4, \"filter\": 0},"
	" \"decode_errors\": {\"bad-version\": 0, \"truncated\": 1, \"bad-op\": 0,"
	" \"bad-family\": 0},"
	" \"apply_errors\": {\"no_entry\": 0, \"exists\": 3, \"refused\": 0, \"table_full\": 0,"
	" \"busy\": 0, \"other\": 0, \"answers_lost\": 0},"
	" \"mirror\": {\"on\": true, \"hold_ms\": 10, \"held_now\": 1, \"held\": 400,"
	" \"released_acked\": 396, \"released_timeout\": 3, \"released_stop\": 0,"
	" \"unheld_policy\": 2, \"unheld_unreadable\": 0, \"unheld_no_peer\": 5,"
	" \"unheld_full\": 0, \"unheld_channel\": 0, \"ack_delays\": 120,"
	" \"ack_delay_us_avg\": 850, \"ack_delay_us_max\": 9000, \"ack_delay_us_p99_le\": 8192,"
	" \"conflicts_kept\": 2, \"conflicts_taken\": 0, \"conflict_drops\": 0,"
	" \"peer_records\": 90, \"peer_entries\": 200, \"acks_sent\": 90,"
	" \"peer_records_bad\": 0}}}";

/* A newer hrpd: counters and sections this hrpctl does not know, of every type. */
static const char session_stats_newer[] =
	"{\"status\": {\"available\": true, \"on\": false, \"source\": false, \"ready\": false,"
	" \"synced\": false, \"receiving_bulk\": true, \"dump\": \"none\", \"paused\": false,"
	" \"kernel_entries\": -1, \"last_bulk_ms\": 0, \"mode\": \"ftfw\"},"
	" \"statistics\": {\"records_sent\": 5, \"ranges_checked\": 7, \"idle\": 0,"
	" \"label\": \"x\", \"retries\": {\"timeout\": 2, \"reset\": 0}, \"list\": [1, 2]},"
	" \"consistency\": {\"checks\": 4}}";

static const struct fake_answer sessions[] = {
	{ .daemon = "hrpd", .cmd = "session-stats", .result = session_stats },
	{ .daemon = "hrpd",
	  .cmd = "session-consistency",
	  .result = "{\"last_check\": {\"at_ms_ago\": 12500, \"ranges\": 256, \"mismatched\": 2,"
		    " \"entries_local\": 1234, \"entries_peer\": 1230, \"result\": \"mismatch\","
		    " \"buckets\": 4096, \"unsettled_buckets\": 37, \"undecided\": 1},"
		    " \"resyncs\": 1, \"checks\": 10}" },
	{ .daemon = "hrpd",
	  .cmd = "session-sync",
	  .result = "{\"started\": \"sending our session table to the peer\"}" },
};

static void test_render_session_statistics(void **state)
{
	struct outcome o;

	run_line(&o, sessions, 3, "dis hrp sess stat", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_int_equal(o.fake.ncalls, 1);
	assert_string_equal(o.fake.calls[0], "hrpd session-stats");
	assert_string_equal(o.err, "");
	assert_string_equal(
		o.out,
		" Session sync: on, role: sync source, ready: yes, synced: no, dumping (bulk, "
		"paused)\n"
		" Kernel sessions: 1234, last bulk received in 512 ms\n"
		" Events: new 200, update 100, destroy 40, not source 0, overruns 1, bad 0\n"
		" Sent: 12 records, 340 entries, 9180 bytes\n"
		" Received: 10 records, 300 entries, 8100 bytes\n"
		" Applied: 298 entries, not for sync 2, updates after our destroy 0, "
		"labels lost 3\n"
		" Kernel requests: 300 in 20 batches, send errors 0, replaced 1, gone 0\n"
		" Refused: 1 records, 30 entries, encode errors 0\n"
		" Resync requests: sent 1, received 2\n"
		" Bulks: sent 2 (600 entries), failed 0, received 1 (300 entries), abandoned 1, "
		"sweeps skipped 2\n"
		" Dumps: 3, errors 0, cancelled 1; takeovers 1, timeouts reset 300\n"
		"   skipped (hrp): 12\n"
		"   skipped (link_local): 4\n"
		"   decode error (truncated): 1\n"
		"   apply error (exists): 3\n"
		" Mirror session: on, hold up to 10 ms, holding 1 now\n"
		"   held 400: released by the peer's ack 396, by the hold time 3, at stop 0\n"
		"   passed unheld: not synced 2, unreadable 0, no peer 5, holds full 0, channel "
		"full 0\n"
		"   ack delay: avg 850 us, max 9000 us, p99 <= 8192 us (120 records)\n"
		"   conflicts: kept ours 2, took the peer's 0 (packets dropped 0)\n"
		"   the peer's: 90 records, 200 entries, 90 acks sent, 0 bad\n");
	outcome_free(&o);

	/* --json: hrpd's result unchanged */
	run_line(&o, sessions, 3, "display hrp session statistics", true, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	json_t *got = json_loads(o.out, 0, NULL), *want = json_loads(session_stats, 0, NULL);
	assert_non_null(got);
	assert_true(json_equal(got, want));
	json_decref(got);
	json_decref(want);
	outcome_free(&o);
}

static void test_render_session_statistics_tolerant(void **state)
{
	static const struct fake_answer newer[] = {
		{ .daemon = "hrpd", .cmd = "session-stats", .result = session_stats_newer },
	};
	static const struct fake_answer none[] = {
		{ .daemon = "hrpd",
		  .cmd = "session-stats",
		  .result =
			  "{\"status\": {\"available\": false, \"why\": \"no conntrack netlink\"},"
			  " \"statistics\": {}}" },
	};
	struct outcome o;

	/* unknown fields: non-zero counters by name, the rest left to --json; missing ones 0 */
	run_line(&o, newer, 1, "display hrp session statistics", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(
		o.out,
		" Session sync: off, role: receiver, ready: no, synced: no, receiving a bulk\n"
		" Kernel sessions: unknown\n"
		" Events: new 0, update 0, destroy 0, not source 0, overruns 0, bad 0\n"
		" Sent: 5 records, 0 entries, 0 bytes\n"
		" Received: 0 records, 0 entries, 0 bytes\n"
		" Applied: 0 entries, not for sync 0, updates after our destroy 0, "
		"labels lost 0\n"
		" Kernel requests: 0 in 0 batches, send errors 0, replaced 0, gone 0\n"
		" Refused: 0 records, 0 entries, encode errors 0\n"
		" Resync requests: sent 0, received 0\n"
		" Bulks: sent 0 (0 entries), failed 0, received 0 (0 entries), abandoned 0, "
		"sweeps skipped 0\n"
		" Dumps: 0, errors 0, cancelled 0; takeovers 0, timeouts reset 0\n"
		"   ranges_checked: 7\n"
		"   retries (timeout): 2\n");
	outcome_free(&o);
	run_line(&o, newer, 1, "display hrp session statistics", true, false);
	json_t *got = json_loads(o.out, 0, NULL);
	assert_int_equal(rj_int(rj_obj(got, "consistency"), "checks", 0), 4);
	json_decref(got);
	outcome_free(&o);

	run_line(&o, none, 1, "display hrp session statistics", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.out, " Session sync: not available (no conntrack netlink)\n");
	outcome_free(&o);

	/* not even the sections */
	static const struct fake_answer empty[] = {
		{ .daemon = "hrpd", .cmd = "session-stats", .result = "{}" },
	};
	run_line(&o, empty, 1, "display hrp session statistics", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.out, " Session sync: not available (hrpd gave no reason)\n");
	outcome_free(&o);
}

static void test_render_session_consistency(void **state)
{
	static const struct fake_answer never[] = {
		{ .daemon = "hrpd",
		  .cmd = "session-consistency",
		  .result = "{\"last_check\": {\"at_ms_ago\": 0, \"ranges\": 0, \"mismatched\": 0,"
			    " \"entries_local\": 0, \"entries_peer\": 0, \"result\": \"none\"},"
			    " \"resyncs\": 0, \"checks\": 0}" },
	};
	static const struct fake_answer older[] = {
		{ .daemon = "hrpd",
		  .cmd = "session-consistency",
		  .refusal = "unknown command 'session-consistency' (try 'help')",
		  .code = "unknown-command" },
	};
	static const struct fake_answer refused[] = {
		{ .daemon = "hrpd",
		  .cmd = "session-consistency",
		  .refusal = "session sync is off" },
	};
	struct outcome o;
	json_t *v;

	run_line(&o, sessions, 3, "dis hrp se con", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.fake.calls[0], "hrpd session-consistency");
	assert_string_equal(o.out, " Last check: mismatch, 12 s ago\n"
				   "   ranges compared 256, mismatched 2\n"
				   "   entries local 1234, peer 1230\n"
				   "   buckets left out (changed during the check) 37 of 4096, "
				   "ranges left out whole 1\n"
				   " Checks: 10, resyncs: 1\n");
	outcome_free(&o);

	run_line(&o, never, 1, "display hrp session consistency", false, false);
	assert_string_equal(o.out, " Last check: none yet\n"
				   " Checks: 0, resyncs: 0\n");
	outcome_free(&o);

	/* an hrpd older than the command */
	run_line(&o, older, 1, "display hrp session consistency", false, false);
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	assert_string_equal(o.out, "");
	assert_string_equal(o.err, "Error: hrpd does not support session consistency checks\n");
	outcome_free(&o);
	run_line(&o, older, 1, "display hrp session consistency", true, false);
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	v = json_loads(o.out, 0, NULL);
	assert_string_equal(rj_str(rj_obj(v, "error"), "code", ""), "unknown-command");
	assert_string_equal(rj_str(rj_obj(v, "error"), "daemon", ""), "hrpd");
	assert_string_equal(rj_str(rj_obj(v, "error"), "message", ""),
			    "hrpd does not support session consistency checks");
	json_decref(v);
	outcome_free(&o);

	/* other refusals keep the daemon's words */
	run_line(&o, refused, 1, "display hrp session consistency", false, false);
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	assert_string_equal(o.err, "Error: session sync is off\n");
	outcome_free(&o);
}

static void test_hrp_sync(void **state)
{
	static const struct fake_answer off[] = {
		{ .daemon = "hrpd",
		  .cmd = "session-sync",
		  .refusal = "session sync is off (hrp disabled, auto-sync off or no conntrack)" },
	};
	struct outcome o;

	run_line(&o, sessions, 3, "hrp sync connection-status", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_int_equal(o.fake.ncalls, 1);
	assert_string_equal(o.fake.calls[0], "hrpd session-sync");
	assert_string_equal(o.out, "sending our session table to the peer\n");
	outcome_free(&o);
	run_line(&o, sessions, 3, "hrp sy conn", true, false);
	assert_string_equal(o.out,
			    "{\n  \"started\": \"sending our session table to the peer\"\n}\n");
	outcome_free(&o);

	run_line(&o, off, 1, "hrp sync connection-status", false, false);
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	assert_string_equal(o.err, "Error: session sync is off (hrp disabled, auto-sync off or no "
				   "conntrack)\n");
	outcome_free(&o);

	/* operational: not a config that is backed up to the peer */
	for (size_t r = 0; r < cli_commands.n_rows; r++)
		if (!strcmp(cli_commands.rows[r].pattern, "hrp sync connection-status"))
			assert_false(cli_commands.rows[r].flags & CLI_F_SYNCED);
}

static void test_render_config_consistency(void **state)
{
	static const struct fake_answer drift[] = {
		{ .daemon = "hrpd",
		  .cmd = "config-consistency",
		  .result = "{\"on\": true, \"why_off\": null, \"role\": \"master\","
			    " \"peer\": \"fw2\","
			    " \"digest\": \"aa11\", \"peer_digest\": \"bb22\", \"equal\": false,"
			    " \"peer_set\": {\"kind\": \"report\", \"generation\": 4,"
			    " \"age_ms\": 3200,"
			    " \"current\": true},"
			    " \"table_states\": [{\"table\": \"inet hslab_fw\", \"here\": true,"
			    " \"peer\": true, \"equal\": false, \"differing_lines\": 1,"
			    " \"diff\": \"+ \\t\\tip saddr 192.0.2.9 drop\\n\"},"
			    " {\"table\": \"ip nat\", \"here\": false, \"peer\": null,"
			    " \"equal\": null}]}" },
	};
	static const struct fake_answer off[] = {
		{ .daemon = "hrpd",
		  .cmd = "config-consistency",
		  .result = "{\"on\": false,"
			    " \"why_off\": \"no tables in hrpd.config_sync_tables\"}" },
	};
	static const struct fake_answer older[] = {
		{ .daemon = "hrpd",
		  .cmd = "config-consistency",
		  .refusal = "unknown command 'config-consistency' (try 'help')",
		  .code = "unknown-command" },
	};
	struct outcome o;

	run_line(&o, drift, 1, "dis hrp conf con", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.fake.calls[0], "hrpd config-consistency");
	assert_string_equal(o.out, " Config role:        master\n"
				   " Peer:               fw2\n"
				   " Digest here:        aa11\n"
				   " Digest on the peer: bb22\n"
				   " Config equal:       no\n"
				   " Peer's tables:      from its report, generation 4, 3 s ago\n"
				   "\n"
				   " Table                    Here     Peer     Equal\n"
				   " inet hslab_fw            present  present  no\n"
				   "   + \t\tip saddr 192.0.2.9 drop\n"
				   " ip nat                   absent   unknown  unknown\n"
				   " (- only here, + only on the peer)\n");
	outcome_free(&o);

	run_line(&o, off, 1, "display hrp config consistency", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.out, " Config sync: off (no tables in hrpd.config_sync_tables)\n");
	outcome_free(&o);

	run_line(&o, older, 1, "display hrp config consistency", false, false);
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	assert_string_equal(o.err, "Error: hrpd does not support config sync\n");
	outcome_free(&o);
}

/* The pairing consistency check: its differences after the tables (shown also with config sync
 * off), and its one line in display hrp state. */
static void test_render_pair_consistency(void **state)
{
	static const struct fake_answer pair[] = {
		{ .daemon = "hrpd",
		  .cmd = "config-consistency",
		  .result = "{\"on\": false, \"why_off\": \"no tables in hrpd.config_sync_tables\","
			    " \"pair\": {\"compared\": true, \"count\": 2, \"errors\": 1,"
			    " \"warnings\": 1, \"differences\": ["
			    "{\"what\": \"vrrp ipv4 vrid 1 advert interval\", \"here\": \"100 cs\","
			    " \"peer\": \"200 cs\", \"severity\": \"error\"},"
			    " {\"what\": \"net.netfilter.nf_conntrack_udp_timeout\","
			    " \"here\": \"30\", \"peer\": \"60\", \"severity\": \"warning\"}]}}" },
	};
	static const struct fake_answer waiting[] = {
		{ .daemon = "hrpd",
		  .cmd = "config-consistency",
		  .result = "{\"on\": false, \"why_off\": \"no tables in hrpd.config_sync_tables\","
			    " \"pair\": {\"compared\": false, \"count\": null}}" },
	};
	static const struct fake_answer states[] = {
		{ .daemon = "hrpd",
		  .cmd = "status",
		  .result = "{\"name\": \"fw1\", \"uptime_ms\": 5000, \"hrp\": {\"enabled\": true,"
			    " \"role\": \"active\", \"peer_role\": \"standby\","
			    " \"stable_since_ms\": 5000, \"config\": {\"pair\": {\"compared\": true,"
			    " \"count\": 3, \"errors\": 1, \"warnings\": 2}}}}" },
		{ .daemon = "vgmpd", .cmd = "status", .result = "{\"vgmp\": {}}" },
		{ .daemon = "vrrpd", .cmd = "status", .result = "{\"groups\": []}" },
	};
	struct outcome o;

	run_line(&o, pair, 1, "display hrp config consistency", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(
		o.out,
		" Config sync: off (no tables in hrpd.config_sync_tables)\n"
		"\n"
		" Pair consistency:   2 differences (1 error, 1 warning)\n"
		"\n"
		" Fact                                                 Here                 Peer  "
		"               Severity\n"
		" vrrp ipv4 vrid 1 advert interval                     100 cs               200 cs"
		"               error\n"
		" net.netfilter.nf_conntrack_udp_timeout               30                   60    "
		"               warning\n");
	outcome_free(&o);

	run_line(&o, waiting, 1, "display hrp config consistency", false, false);
	assert_string_equal(o.out, " Config sync: off (no tables in hrpd.config_sync_tables)\n"
				   "\n"
				   " Pair consistency:   not compared (no facts from the peer yet)\n");
	outcome_free(&o);

	run_line(&o, states, 3, "display hrp state", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_non_null(strstr(o.out, "\n Pair consistency: 3 differences (1 error)\n"));
	outcome_free(&o);
	run_line(&o, states, 3, "display hrp state", true, false);
	assert_non_null(strstr(o.out, "\"pair_consistency\""));
	outcome_free(&o);
}

static void test_hrp_sync_config(void **state)
{
	static const struct fake_answer sent[] = {
		{ .daemon = "hrpd",
		  .cmd = "config-sync",
		  .result = "{\"started\": \"Sent the synced tables (1, generation 3) to fw2.\","
			    " \"role\": \"master\", \"generation\": 3}" },
	};
	static const struct fake_answer off[] = {
		{ .daemon = "hrpd",
		  .cmd = "config-sync",
		  .refusal = "config sync is off: no tables in hrpd.config_sync_tables" },
	};
	struct outcome o;

	run_line(&o, sent, 1, "hrp sync config", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.fake.calls[0], "hrpd config-sync");
	assert_string_equal(o.out, "Sent the synced tables (1, generation 3) to fw2.\n");
	outcome_free(&o);
	run_line(&o, off, 1, "hrp sync config", false, false);
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	assert_string_equal(o.err,
			    "Error: config sync is off: no tables in hrpd.config_sync_tables\n");
	outcome_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_session_statistics),
		cmocka_unit_test(test_render_session_statistics_tolerant),
		cmocka_unit_test(test_render_session_consistency),
		cmocka_unit_test(test_hrp_sync),
		cmocka_unit_test(test_render_config_consistency),
		cmocka_unit_test(test_render_pair_consistency),
		cmocka_unit_test(test_hrp_sync_config),
	};

	return cmocka_run_group_tests(tests, real_grammar_utc_setup, real_grammar_teardown);
}
