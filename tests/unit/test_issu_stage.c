/* The pair upgrade's stages (lib/issu_stage.h): the forward path in hot and cold mode, every way
 * back (command, timer, failed load, failed switchover), the crash table and the resume, the
 * refusals that leave the state untouched, and a random walk that checks the one rule that must
 * never break: no daemon of the active box is ever restarted. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "issu_stage.h"

#define MIN_MS (60ull * 1000)

static struct issu_actions out;

static int step(struct issu *s, enum issu_event_kind kind, uint64_t now)
{
	struct issu_event ev = { .kind = kind };
	return issu_step(s, &ev, now, &out, NULL);
}

static int step_ev(struct issu *s, struct issu_event ev, uint64_t now)
{
	return issu_step(s, &ev, now, &out, NULL);
}

static bool has_act(enum issu_act_kind k)
{
	for (size_t i = 0; i < out.n; i++)
		if (out.a[i].kind == k)
			return true;
	return false;
}

/* The last action, which is the one waited for when the machine is busy. */
static const struct issu_action *last(void)
{
	assert_true(out.n > 0);
	return &out.a[out.n - 1];
}

/* Answers the three restarts of box b in order, as the daemon's glue would. */
static void restarts_ok(struct issu *s, enum issu_box b, enum issu_act_kind kind, enum issu_bin to,
			uint64_t now)
{
	for (int d = 0; d < ISSU_D_MAX; d++) {
		assert_int_equal(last()->kind, kind);
		assert_int_equal(last()->box, b);
		assert_int_equal(last()->daemon, d);
		assert_int_equal(last()->bin, to);
		assert_true(step_ev(s,
				    (struct issu_event){ .kind = ISSU_EV_DAEMON_OK,
							 .box = b,
							 .daemon = (enum issu_daemon)d },
				    now) >= 0);
		assert_int_equal(s->bin[b][d], to);
	}
}

static void load(struct issu *s, enum hrp_compat verdict, uint64_t now)
{
	assert_int_equal(step(s, ISSU_EV_LOAD, now), ISSU_LOADING);
	assert_int_equal(out.a[0].kind, ISSU_ACT_PERSIST);
	assert_int_equal(last()->kind, ISSU_ACT_QUERY_REGISTRY);
	assert_int_equal(s->wait, ISSU_WAIT_VERDICT);
	step_ev(s, (struct issu_event){ .kind = ISSU_EV_VERDICT, .verdict = verdict }, now);
}

static void to_runswitched(struct issu *s, uint64_t now)
{
	issu_init(s, 0);
	load(s, HRP_COMPAT_FULL, now);
	restarts_ok(s, ISSU_BOX_FIRST, ISSU_ACT_HOT_RESTART, ISSU_BIN_NEW, now);
	assert_int_equal(step(s, ISSU_EV_RUNSWITCH, now), ISSU_RUNSWITCHED);
	assert_int_equal(step(s, ISSU_EV_SWITCHOVER_DONE, now), ISSU_RUNSWITCHED);
}

static void test_hot_path(void **state)
{
	(void)state;
	struct issu s;
	issu_init(&s, 0);
	load(&s, HRP_COMPAT_FULL, 1000);
	assert_int_equal(s.mode, ISSU_MODE_HOT);
	assert_false(has_act(ISSU_ACT_HOLD_BACK));
	/* hrpd last, so registries are exchanged with the others on the new version */
	restarts_ok(&s, ISSU_BOX_FIRST, ISSU_ACT_HOT_RESTART, ISSU_BIN_NEW, 2000);
	assert_int_equal(s.stage, ISSU_LOADED);
	assert_true(has_act(ISSU_ACT_REPORT));
	assert_false(issu_busy(&s));
	assert_int_equal(s.active, ISSU_BOX_SECOND);

	assert_int_equal(step(&s, ISSU_EV_RUNSWITCH, 3000), ISSU_RUNSWITCHED);
	assert_true(has_act(ISSU_ACT_START_TIMER));
	assert_int_equal(out.a[1].deadline_ms, 3000 + ISSU_ROLLBACK_TIMEOUT_MS);
	/* hot mode, hot restarts: no bulk sync needed before the switchover */
	assert_int_equal(last()->kind, ISSU_ACT_SWITCHOVER);
	assert_int_equal(last()->box, ISSU_BOX_FIRST);
	assert_int_equal(step(&s, ISSU_EV_SWITCHOVER_DONE, 4000), ISSU_RUNSWITCHED);
	assert_int_equal(s.active, ISSU_BOX_FIRST);
	assert_false(issu_busy(&s));

	assert_int_equal(step(&s, ISSU_EV_ACCEPT, 5000), ISSU_ACCEPTED);
	assert_true(has_act(ISSU_ACT_STOP_TIMER));
	assert_int_equal(s.deadline_ms, 0);
	assert_int_equal(step(&s, ISSU_EV_COMMIT, 6000), ISSU_COMMITTING);
	restarts_ok(&s, ISSU_BOX_SECOND, ISSU_ACT_HOT_RESTART, ISSU_BIN_NEW, 7000);
	assert_int_equal(s.stage, ISSU_COMMITTED);
	assert_true(has_act(ISSU_ACT_REPORT));
	assert_false(has_act(ISSU_ACT_RELEASE_HOLD)); /* nothing was held */
	assert_int_equal(s.since_ms, 7000);
}

static void test_partial_holds_back_until_committed(void **state)
{
	(void)state;
	struct issu s;
	issu_init(&s, 0);
	load(&s, HRP_COMPAT_PARTIAL, 0);
	assert_true(has_act(ISSU_ACT_HOLD_BACK));
	assert_int_equal(s.mode, ISSU_MODE_HOT);
	restarts_ok(&s, ISSU_BOX_FIRST, ISSU_ACT_HOT_RESTART, ISSU_BIN_NEW, 0);
	step(&s, ISSU_EV_RUNSWITCH, 0);
	step(&s, ISSU_EV_SWITCHOVER_DONE, 0);
	/* commit straight from runswitched stops the timer too */
	assert_int_equal(step(&s, ISSU_EV_COMMIT, 0), ISSU_COMMITTING);
	assert_true(has_act(ISSU_ACT_STOP_TIMER));
	restarts_ok(&s, ISSU_BOX_SECOND, ISSU_ACT_HOT_RESTART, ISSU_BIN_NEW, 0);
	assert_int_equal(s.stage, ISSU_COMMITTED);
	assert_true(has_act(ISSU_ACT_RELEASE_HOLD));
}

static void test_unknown_verdict_stops(void **state)
{
	(void)state;
	struct issu s;
	issu_init(&s, 0);
	load(&s, HRP_COMPAT_UNKNOWN, 0);
	assert_int_equal(s.stage, ISSU_IDLE);
	assert_false(has_act(ISSU_ACT_HOT_RESTART));
	assert_false(has_act(ISSU_ACT_COLD_RESTART));
	assert_true(has_act(ISSU_ACT_REPORT));
	assert_int_equal(s.bin[ISSU_BOX_FIRST][ISSU_D_HRPD], ISSU_BIN_OLD);
	assert_false(issu_busy(&s));
}

static void test_incompatible_cold_mode(void **state)
{
	(void)state;
	struct issu s;
	issu_init(&s, 0);
	load(&s, HRP_COMPAT_INCOMPATIBLE, 0);
	assert_int_equal(s.mode, ISSU_MODE_COLD);
	restarts_ok(&s, ISSU_BOX_FIRST, ISSU_ACT_COLD_RESTART, ISSU_BIN_NEW, 0);
	/* no sync between incompatible versions: loaded without waiting for one */
	assert_int_equal(s.stage, ISSU_LOADED);
	assert_true(s.needs_sync[ISSU_BOX_FIRST]);
	/* a plain switchover on the first box's own kernel sessions */
	step(&s, ISSU_EV_RUNSWITCH, 0);
	assert_int_equal(last()->kind, ISSU_ACT_SWITCHOVER);
	step(&s, ISSU_EV_SWITCHOVER_DONE, 0);
	assert_true(s.needs_sync[ISSU_BOX_SECOND]);
	step(&s, ISSU_EV_ACCEPT, 0);
	step(&s, ISSU_EV_COMMIT, 0);
	restarts_ok(&s, ISSU_BOX_SECOND, ISSU_ACT_COLD_RESTART, ISSU_BIN_NEW, 0);
	/* both on the new version: now a bulk sync can and must happen */
	assert_int_equal(s.stage, ISSU_COMMITTING);
	assert_int_equal(last()->kind, ISSU_ACT_AWAIT_SYNC);
	assert_int_equal(last()->box, ISSU_BOX_SECOND);
	step_ev(&s, (struct issu_event){ .kind = ISSU_EV_BULK_SYNC_DONE, .box = ISSU_BOX_SECOND },
		0);
	assert_int_equal(s.stage, ISSU_COMMITTED);
}

/* Rollback from runswitched: the upgraded box becomes standby, cold-starts the old version, gets
 * a bulk sync, and the old roles return. */
static void finish_rollback(struct issu *s)
{
	assert_int_equal(s->stage, ISSU_ROLLING_BACK);
	assert_int_equal(last()->kind, ISSU_ACT_SWITCHOVER);
	assert_int_equal(last()->box, ISSU_BOX_SECOND);
	step(s, ISSU_EV_SWITCHOVER_DONE, 0);
	restarts_ok(s, ISSU_BOX_FIRST, ISSU_ACT_COLD_RESTART, ISSU_BIN_OLD, 0);
	assert_int_equal(last()->kind, ISSU_ACT_AWAIT_SYNC);
	assert_int_equal(last()->box, ISSU_BOX_FIRST);
	step_ev(s, (struct issu_event){ .kind = ISSU_EV_BULK_SYNC_DONE, .box = ISSU_BOX_FIRST }, 0);
	assert_int_equal(s->stage, ISSU_IDLE);
	assert_true(has_act(ISSU_ACT_REPORT));
	assert_int_equal(s->active, ISSU_BOX_SECOND);
	for (int b = 0; b < ISSU_BOX_MAX; b++)
		for (int d = 0; d < ISSU_D_MAX; d++)
			assert_int_equal(s->bin[b][d], ISSU_BIN_OLD);
	assert_int_equal(s->deadline_ms, 0);
}

static void test_rollback_by_timer(void **state)
{
	(void)state;
	struct issu s;
	to_runswitched(&s, 1000);
	uint64_t due = 1000 + ISSU_ROLLBACK_TIMEOUT_MS;
	assert_int_equal(s.deadline_ms, due);
	assert_int_equal(step(&s, ISSU_EV_TIMER, due - 1), -EINVAL); /* stale timer */
	assert_int_equal(s.stage, ISSU_RUNSWITCHED);
	assert_int_equal(step(&s, ISSU_EV_TIMER, due), ISSU_ROLLING_BACK);
	assert_int_equal(s.rollback_from, ISSU_RUNSWITCHED);
	assert_true(has_act(ISSU_ACT_STOP_TIMER));
	finish_rollback(&s);
}

static void test_rollback_by_command_and_configured_timer(void **state)
{
	(void)state;
	struct issu s;
	issu_init(&s, 10 * MIN_MS);
	load(&s, HRP_COMPAT_FULL, 0);
	restarts_ok(&s, ISSU_BOX_FIRST, ISSU_ACT_HOT_RESTART, ISSU_BIN_NEW, 0);
	step(&s, ISSU_EV_RUNSWITCH, 0);
	assert_int_equal(s.deadline_ms, 10 * MIN_MS);
	step(&s, ISSU_EV_SWITCHOVER_DONE, 0);
	step(&s, ISSU_EV_ACCEPT, 0);
	assert_int_equal(step(&s, ISSU_EV_TIMER, 11 * MIN_MS), -EINVAL); /* stopped */
	assert_int_equal(step(&s, ISSU_EV_ROLLBACK, 0), ISSU_ROLLING_BACK);
	assert_int_equal(s.rollback_from, ISSU_ACCEPTED);
	finish_rollback(&s);
}

static void test_rollback_while_a_step_is_under_way(void **state)
{
	(void)state;
	struct issu s;
	issu_init(&s, 0);
	load(&s, HRP_COMPAT_FULL, 0);
	step_ev(&s,
		(struct issu_event){
			.kind = ISSU_EV_DAEMON_OK, .box = ISSU_BOX_FIRST, .daemon = ISSU_D_VRRPD },
		0);
	/* vgmpd's hot restart is under way: abort waits for its outcome, then undoes both */
	assert_int_equal(step(&s, ISSU_EV_ABORT, 0), ISSU_ROLLING_BACK);
	assert_true(issu_busy(&s));
	step_ev(&s,
		(struct issu_event){
			.kind = ISSU_EV_DAEMON_OK, .box = ISSU_BOX_FIRST, .daemon = ISSU_D_VGMPD },
		0);
	assert_int_equal(last()->kind, ISSU_ACT_COLD_RESTART);
	assert_int_equal(last()->daemon, ISSU_D_VRRPD);
	assert_int_equal(last()->bin, ISSU_BIN_OLD);
	step_ev(&s,
		(struct issu_event){
			.kind = ISSU_EV_DAEMON_OK, .box = ISSU_BOX_FIRST, .daemon = ISSU_D_VRRPD },
		0);
	assert_int_equal(last()->daemon, ISSU_D_VGMPD);
	step_ev(&s,
		(struct issu_event){
			.kind = ISSU_EV_DAEMON_OK, .box = ISSU_BOX_FIRST, .daemon = ISSU_D_VGMPD },
		0);
	/* hrpd was never touched; the cold restarts need a bulk sync, then idle */
	assert_int_equal(last()->kind, ISSU_ACT_AWAIT_SYNC);
	step_ev(&s, (struct issu_event){ .kind = ISSU_EV_BULK_SYNC_DONE, .box = ISSU_BOX_FIRST },
		0);
	assert_int_equal(s.stage, ISSU_IDLE);
	assert_int_equal(s.active, ISSU_BOX_SECOND);
}

static void test_failed_load_rolls_back(void **state)
{
	(void)state;
	struct issu s;
	issu_init(&s, 0);
	load(&s, HRP_COMPAT_PARTIAL, 0);
	step_ev(&s,
		(struct issu_event){
			.kind = ISSU_EV_DAEMON_OK, .box = ISSU_BOX_FIRST, .daemon = ISSU_D_VRRPD },
		0);
	/* vgmpd's hot restart fails: the old vgmpd goes on; vrrpd is put back cold */
	assert_int_equal(step_ev(&s,
				 (struct issu_event){ .kind = ISSU_EV_DAEMON_FAILED,
						      .box = ISSU_BOX_FIRST,
						      .daemon = ISSU_D_VGMPD },
				 0),
			 ISSU_ROLLING_BACK);
	assert_int_equal(s.bin[ISSU_BOX_FIRST][ISSU_D_VGMPD], ISSU_BIN_OLD);
	assert_true(has_act(ISSU_ACT_REPORT));
	assert_int_equal(last()->kind, ISSU_ACT_COLD_RESTART);
	assert_int_equal(last()->daemon, ISSU_D_VRRPD);
	step_ev(&s,
		(struct issu_event){
			.kind = ISSU_EV_DAEMON_OK, .box = ISSU_BOX_FIRST, .daemon = ISSU_D_VRRPD },
		0);
	step_ev(&s, (struct issu_event){ .kind = ISSU_EV_BULK_SYNC_DONE, .box = ISSU_BOX_FIRST },
		0);
	assert_int_equal(s.stage, ISSU_IDLE);
	assert_true(has_act(ISSU_ACT_RELEASE_HOLD));
}

static void test_switchover_refused_returns_to_loaded(void **state)
{
	(void)state;
	struct issu s;
	issu_init(&s, 0);
	load(&s, HRP_COMPAT_FULL, 0);
	restarts_ok(&s, ISSU_BOX_FIRST, ISSU_ACT_HOT_RESTART, ISSU_BIN_NEW, 0);
	step(&s, ISSU_EV_RUNSWITCH, 0);
	assert_int_equal(step(&s, ISSU_EV_SWITCHOVER_FAILED, 0), ISSU_LOADED);
	assert_true(has_act(ISSU_ACT_STOP_TIMER));
	assert_int_equal(s.active, ISSU_BOX_SECOND);
	assert_int_equal(s.deadline_ms, 0);
	assert_int_equal(step(&s, ISSU_EV_RUNSWITCH, 0), ISSU_RUNSWITCHED); /* try again */
}

static void test_rollback_stalls_after_retries(void **state)
{
	(void)state;
	struct issu s;
	to_runswitched(&s, 0);
	step(&s, ISSU_EV_ROLLBACK, 0);
	step(&s, ISSU_EV_SWITCHOVER_DONE, 0);
	for (unsigned i = 0; i < ISSU_RETRIES; i++) {
		assert_int_equal(last()->kind, ISSU_ACT_COLD_RESTART);
		step_ev(&s,
			(struct issu_event){ .kind = ISSU_EV_DAEMON_FAILED,
					     .box = ISSU_BOX_FIRST,
					     .daemon = ISSU_D_VRRPD },
			0);
		assert_int_equal(s.bin[ISSU_BOX_FIRST][ISSU_D_VRRPD], ISSU_BIN_UNKNOWN);
	}
	/* stalled: nothing under way, the operator is told, and `issu rollback` tries again */
	assert_false(issu_busy(&s));
	assert_int_equal(last()->kind, ISSU_ACT_REPORT);
	assert_int_equal(s.stage, ISSU_ROLLING_BACK);
	assert_int_equal(step(&s, ISSU_EV_ROLLBACK, 0), ISSU_ROLLING_BACK);
	assert_int_equal(last()->kind, ISSU_ACT_COLD_RESTART);
	assert_int_equal(s.rollback_from, ISSU_RUNSWITCHED); /* kept */
}

static void test_refusals_leave_state_untouched(void **state)
{
	(void)state;
	struct issu s, before;
	const char *why = NULL;
	struct issu_event ev;

	issu_init(&s, 0);
	static const enum issu_event_kind in_idle[] = {
		ISSU_EV_RUNSWITCH,      ISSU_EV_ACCEPT,  ISSU_EV_COMMIT,    ISSU_EV_ROLLBACK,
		ISSU_EV_ABORT,          ISSU_EV_VERDICT, ISSU_EV_DAEMON_OK, ISSU_EV_SWITCHOVER_DONE,
		ISSU_EV_BULK_SYNC_DONE, ISSU_EV_TIMER,
	};
	for (size_t i = 0; i < sizeof(in_idle) / sizeof(in_idle[0]); i++) {
		before = s;
		ev = (struct issu_event){ .kind = in_idle[i] };
		assert_int_equal(issu_step(&s, &ev, 0, &out, &why), -EINVAL);
		assert_non_null(why);
		assert_int_equal(out.n, 0);
		assert_int_equal(s.refused, before.refused + 1);
		s.refused = before.refused;
		s.why = before.why;
		assert_memory_equal(&s, &before, sizeof(s));
	}
	/* busy: commands wait; a wrong outcome is refused; the right one goes */
	load(&s, HRP_COMPAT_FULL, 0);
	before = s;
	assert_int_equal(step(&s, ISSU_EV_RUNSWITCH, 0), -EINVAL);
	assert_int_equal(step(&s, ISSU_EV_LOAD, 0), -EINVAL);
	assert_int_equal(step_ev(&s,
				 (struct issu_event){ .kind = ISSU_EV_DAEMON_OK,
						      .box = ISSU_BOX_FIRST,
						      .daemon = ISSU_D_HRPD },
				 0),
			 -EINVAL);
	assert_int_equal(step_ev(&s,
				 (struct issu_event){ .kind = ISSU_EV_DAEMON_OK,
						      .box = ISSU_BOX_SECOND,
						      .daemon = ISSU_D_VRRPD },
				 0),
			 -EINVAL);
	assert_int_equal(
		step_ev(&s, (struct issu_event){ .kind = ISSU_EV_PEER_VERSION, .box = 7 }, 0),
		-EINVAL);
	assert_int_equal(
		step_ev(&s,
			(struct issu_event){ .kind = ISSU_EV_VERDICT, .verdict = HRP_COMPAT_FULL },
			0),
		-EINVAL);
	assert_int_equal(step_ev(&s, (struct issu_event){ .kind = ISSU_EV_MAX }, 0), -EINVAL);
	assert_int_equal(issu_step(&s, NULL, 0, &out, NULL), -EINVAL);
	assert_int_equal(s.refused, before.refused + 8);
	s.refused = before.refused;
	s.why = before.why;
	assert_memory_equal(&s, &before, sizeof(s));
	assert_int_equal(s.transitions, 1);
}

static void test_crash_table(void **state)
{
	(void)state;
	assert_int_equal(issu_crash_policy(ISSU_LOADING, ISSU_BOX_FIRST), ISSU_CRASH_ROLLBACK);
	assert_int_equal(issu_crash_policy(ISSU_LOADING, ISSU_BOX_SECOND), ISSU_CRASH_ROLLBACK);
	assert_int_equal(issu_crash_policy(ISSU_LOADED, ISSU_BOX_FIRST), ISSU_CRASH_RESUME);
	assert_int_equal(issu_crash_policy(ISSU_RUNSWITCHED, ISSU_BOX_FIRST), ISSU_CRASH_ROLLBACK);
	assert_int_equal(issu_crash_policy(ISSU_RUNSWITCHED, ISSU_BOX_SECOND), ISSU_CRASH_RESUME);
	assert_int_equal(issu_crash_policy(ISSU_COMMITTING, ISSU_BOX_SECOND), ISSU_CRASH_RESUME);
	assert_int_equal(issu_crash_policy(ISSU_ROLLING_BACK, ISSU_BOX_FIRST), ISSU_CRASH_RESUME);
	assert_int_equal(issu_crash_policy(ISSU_STAGE_MAX, ISSU_BOX_FIRST), ISSU_CRASH_ROLLBACK);
}

static void test_resume_after_crash(void **state)
{
	(void)state;
	struct issu s;

	/* The new version crashed while active: the second box took over; roll back. */
	to_runswitched(&s, 0);
	uint64_t deadline = s.deadline_ms;
	assert_int_equal(step_ev(&s,
				 (struct issu_event){ .kind = ISSU_EV_RESUMED,
						      .box = ISSU_BOX_FIRST,
						      .stage = ISSU_RUNSWITCHED,
						      .active = ISSU_BOX_SECOND,
						      .bin = ISSU_BIN_NEW },
				 10),
			 ISSU_ROLLING_BACK);
	assert_int_equal(last()->kind, ISSU_ACT_COLD_RESTART); /* first is standby already */
	assert_int_equal(last()->box, ISSU_BOX_FIRST);
	assert_int_equal(last()->bin, ISSU_BIN_OLD);

	/* The old version crashed as standby: resume; it syncs and the timer is re-armed. */
	to_runswitched(&s, 0);
	deadline = s.deadline_ms;
	assert_int_equal(step_ev(&s,
				 (struct issu_event){ .kind = ISSU_EV_RESUMED,
						      .box = ISSU_BOX_SECOND,
						      .stage = ISSU_RUNSWITCHED,
						      .active = ISSU_BOX_FIRST,
						      .bin = ISSU_BIN_OLD },
				 10),
			 ISSU_RUNSWITCHED);
	assert_true(has_act(ISSU_ACT_START_TIMER));
	assert_int_equal(out.a[1].deadline_ms, deadline);
	assert_int_equal(last()->kind, ISSU_ACT_AWAIT_SYNC);
	assert_int_equal(last()->box, ISSU_BOX_SECOND);

	/* Committing, the second box came back not knowing what it runs: cold restarts onto the
	 * new version, then a sync, then committed. */
	to_runswitched(&s, 0);
	step(&s, ISSU_EV_COMMIT, 0);
	step_ev(&s,
		(struct issu_event){ .kind = ISSU_EV_RESUMED,
				     .box = ISSU_BOX_SECOND,
				     .stage = ISSU_COMMITTING,
				     .active = ISSU_BOX_FIRST,
				     .bin = ISSU_BIN_UNKNOWN },
		0);
	assert_int_equal(s.stage, ISSU_COMMITTING);
	restarts_ok(&s, ISSU_BOX_SECOND, ISSU_ACT_COLD_RESTART, ISSU_BIN_NEW, 0);
	step_ev(&s, (struct issu_event){ .kind = ISSU_EV_BULK_SYNC_DONE, .box = ISSU_BOX_SECOND },
		0);
	assert_int_equal(s.stage, ISSU_COMMITTED);

	/* Loading, whichever box: roll back. */
	issu_init(&s, 0);
	load(&s, HRP_COMPAT_FULL, 0);
	step_ev(&s,
		(struct issu_event){ .kind = ISSU_EV_RESUMED,
				     .box = ISSU_BOX_SECOND,
				     .stage = ISSU_LOADING,
				     .active = ISSU_BOX_SECOND,
				     .bin = ISSU_BIN_OLD },
		0);
	assert_int_equal(s.stage, ISSU_ROLLING_BACK);
	assert_int_equal(s.rollback_from, ISSU_LOADING);
	/* vrrpd's hot restart was under way: it may have happened, so it is undone cold */
	assert_int_equal(s.bin[ISSU_BOX_FIRST][ISSU_D_VRRPD], ISSU_BIN_UNKNOWN);
	assert_int_equal(last()->kind, ISSU_ACT_COLD_RESTART);
	assert_int_equal(last()->daemon, ISSU_D_VRRPD);
	assert_int_equal(last()->bin, ISSU_BIN_OLD);
}

/* Loading on the first box: vrrpd is on the new version, vgmpd's hot restart is under way, and
 * hrpd alone crashes and comes back on the old one. vrrpd may still run the new version:
 * unknown, and the rollback restarts it; the rollback never reports both boxes old while it
 * is not known. */
static void test_resume_after_hrpd_alone_crashed(void **state)
{
	(void)state;
	struct issu s;
	issu_init(&s, 0);
	load(&s, HRP_COMPAT_FULL, 0);
	assert_int_equal(s.wait_daemon, ISSU_D_VRRPD);
	step_ev(&s,
		(struct issu_event){ .kind = ISSU_EV_DAEMON_OK,
				     .box = ISSU_BOX_FIRST,
				     .daemon = ISSU_D_VRRPD },
		0);
	assert_int_equal(s.wait_daemon, ISSU_D_VGMPD);
	step_ev(&s,
		(struct issu_event){ .kind = ISSU_EV_RESUMED,
				     .box = ISSU_BOX_FIRST,
				     .stage = ISSU_LOADING,
				     .active = ISSU_BOX_SECOND,
				     .bin = ISSU_BIN_OLD },
		0);
	assert_int_equal(s.stage, ISSU_ROLLING_BACK);
	assert_int_equal(s.bin[ISSU_BOX_FIRST][ISSU_D_HRPD], ISSU_BIN_OLD);
	assert_int_equal(s.bin[ISSU_BOX_FIRST][ISSU_D_VRRPD], ISSU_BIN_UNKNOWN);
	assert_int_equal(s.bin[ISSU_BOX_FIRST][ISSU_D_VGMPD], ISSU_BIN_UNKNOWN);
	assert_int_equal(last()->kind, ISSU_ACT_COLD_RESTART);
	assert_int_equal(last()->daemon, ISSU_D_VRRPD);
	assert_int_equal(last()->bin, ISSU_BIN_OLD);
}

/* The active box's own crash left it active but on an unknown version (its hrpd came back
 * first): the machine never restarts it while active; it moves the roles away first. */
static void test_active_box_is_repaired_as_standby(void **state)
{
	(void)state;
	struct issu s;
	to_runswitched(&s, 0);
	step(&s, ISSU_EV_ACCEPT, 0);
	step_ev(&s,
		(struct issu_event){ .kind = ISSU_EV_RESUMED,
				     .box = ISSU_BOX_FIRST,
				     .stage = ISSU_ACCEPTED,
				     .active = ISSU_BOX_FIRST,
				     .bin = ISSU_BIN_UNKNOWN },
		0);
	assert_int_equal(s.stage, ISSU_ACCEPTED);
	assert_int_equal(last()->kind, ISSU_ACT_SWITCHOVER);
	assert_int_equal(last()->box, ISSU_BOX_SECOND);
}

/* A version seen that is not the stage's goal is repaired on the standby; a version report
 * for a daemon whose restart is awaited is refused (its outcome decides). */
static void test_peer_version_repairs_standby(void **state)
{
	(void)state;
	struct issu s;
	issu_init(&s, 0);
	load(&s, HRP_COMPAT_FULL, 0);
	restarts_ok(&s, ISSU_BOX_FIRST, ISSU_ACT_HOT_RESTART, ISSU_BIN_NEW, 0);
	assert_int_equal(s.stage, ISSU_LOADED);
	/* the standby's hrpd is seen on the old version (restarted by hand) */
	assert_int_equal(step_ev(&s,
				 (struct issu_event){ .kind = ISSU_EV_PEER_VERSION,
						      .box = ISSU_BOX_FIRST,
						      .bin = ISSU_BIN_OLD },
				 0),
			 ISSU_LOADED);
	assert_int_equal(last()->kind, ISSU_ACT_HOT_RESTART);
	assert_int_equal(last()->daemon, ISSU_D_HRPD);
	assert_int_equal(step_ev(&s,
				 (struct issu_event){ .kind = ISSU_EV_PEER_VERSION,
						      .box = ISSU_BOX_FIRST,
						      .bin = ISSU_BIN_NEW },
				 0),
			 -EINVAL);
	/* a bulk sync nobody waits for, for a box that needs none, is refused too */
	assert_int_equal(step_ev(&s,
				 (struct issu_event){ .kind = ISSU_EV_BULK_SYNC_DONE,
						      .box = ISSU_BOX_SECOND },
				 0),
			 -EINVAL);
}

/* A random walk over events, answered at random: whatever happens, no restart ever targets
 * the box that is active when it is asked for, and the state stays in range. */
static void test_random_walk_never_restarts_the_active_box(void **state)
{
	(void)state;
	struct issu s;
	unsigned seed = 12345, accepted = 0;
	issu_init(&s, 0);
	for (int i = 0; i < 200000; i++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = seed >> 8;
		struct issu_event ev = {
			.kind = (enum issu_event_kind)(r % ISSU_EV_MAX),
			.box = (enum issu_box)((r >> 4) % ISSU_BOX_MAX),
			.daemon = (enum issu_daemon)((r >> 5) % ISSU_D_MAX),
			.verdict = (enum hrp_compat)((r >> 7) % HRP_COMPAT_MAX),
			.bin = (enum issu_bin)((r >> 9) % ISSU_BIN_MAX),
			.stage = (enum issu_stage)((r >> 11) % ISSU_STAGE_MAX),
			.active = (enum issu_box)((r >> 14) % ISSU_BOX_MAX),
		};
		if (ev.kind == ISSU_EV_RESUMED && (r >> 15) % 50)
			continue; /* crashes are rare */
		if (issu_step(&s, &ev, (uint64_t)i * MIN_MS, &out, NULL) < 0)
			continue;
		accepted++;
		assert_true(s.stage >= 0 && s.stage < ISSU_STAGE_MAX);
		assert_true(out.n >= 1 && out.n <= ISSU_ACTIONS_MAX);
		assert_int_equal(out.a[0].kind, ISSU_ACT_PERSIST);
		for (size_t k = 0; k < out.n; k++)
			if (out.a[k].kind == ISSU_ACT_HOT_RESTART ||
			    out.a[k].kind == ISSU_ACT_COLD_RESTART)
				assert_int_not_equal(out.a[k].box, s.active);
	}
	assert_true(accepted > 1000);
	assert_true(s.transitions > 50);
}

static void test_names(void **state)
{
	(void)state;
	for (int i = 0; i < ISSU_STAGE_MAX; i++)
		assert_int_equal(issu_stage_from_name(issu_stage_name((enum issu_stage)i)), i);
	for (int i = 0; i < ISSU_BIN_MAX; i++)
		assert_int_equal(issu_bin_from_name(issu_bin_name((enum issu_bin)i)), i);
	for (int i = 0; i < ISSU_EV_MAX; i++)
		assert_string_not_equal(issu_event_name((enum issu_event_kind)i), "?");
	for (int i = 0; i < ISSU_ACT_MAX; i++)
		assert_string_not_equal(issu_act_name((enum issu_act_kind)i), "?");
	assert_string_equal(issu_stage_name(ISSU_STAGE_INVALID), "?");
	assert_int_equal(issu_stage_from_name("nope"), -1);
	assert_int_equal(issu_stage_from_name(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hot_path),
		cmocka_unit_test(test_partial_holds_back_until_committed),
		cmocka_unit_test(test_unknown_verdict_stops),
		cmocka_unit_test(test_incompatible_cold_mode),
		cmocka_unit_test(test_rollback_by_timer),
		cmocka_unit_test(test_rollback_by_command_and_configured_timer),
		cmocka_unit_test(test_rollback_while_a_step_is_under_way),
		cmocka_unit_test(test_failed_load_rolls_back),
		cmocka_unit_test(test_switchover_refused_returns_to_loaded),
		cmocka_unit_test(test_rollback_stalls_after_retries),
		cmocka_unit_test(test_refusals_leave_state_untouched),
		cmocka_unit_test(test_crash_table),
		cmocka_unit_test(test_resume_after_crash),
		cmocka_unit_test(test_resume_after_hrpd_alone_crashed),
		cmocka_unit_test(test_active_box_is_repaired_as_standby),
		cmocka_unit_test(test_peer_version_repairs_standby),
		cmocka_unit_test(test_random_walk_never_restarts_the_active_box),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
