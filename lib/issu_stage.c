/* The pair upgrade's stages (see issu_stage.h and doc/issu.md, "Stages").
 *
 * One table says, per stage, the goal (which binaries each box runs, which box is active), the
 * commands it takes, what a crash of either box leads to, and the stage that follows once the
 * goal is met. One planner moves the facts one safe step towards the current stage's goal; the
 * forward stages, the rollback and the resume after a crash all go through it. Its rules:
 *   - only the standby box's daemons are restarted, never the active box's;
 *   - a box that was cold-(re)started gets a bulk sync before it becomes active, when the two
 *     versions can sync at all (hot mode, or both boxes on one version);
 *   - a restart onto the new version in hot mode is a hot restart; everything else (the cold
 *     mode, a rollback onto the old version, a daemon in an unknown state) is a cold restart,
 *     because an older binary refuses a newer snapshot (doc/hot-restart.md). */
#include "issu_stage.h"

#include <errno.h>
#include <string.h>

#define CMD(e) (1u << (e))
/* Taken even while a step is under way: its outcome is still fed in, then the plan changes. */
#define URGENT (CMD(ISSU_EV_ROLLBACK) | CMD(ISSU_EV_ABORT) | CMD(ISSU_EV_TIMER))

struct stage_rule {
	enum issu_bin goal_bin[ISSU_BOX_MAX];
	enum issu_box goal_active;
	bool needs_verdict;      /* nothing restarts before the verdict is known */
	enum issu_stage reached; /* the stage once the goal is met */
	uint32_t commands;       /* CMD() of the commands (and the timer) it takes */
	enum issu_on_crash on_crash[ISSU_BOX_MAX]; /* [box that crashed or restarted] */
};

#define O   ISSU_BIN_OLD
#define N   ISSU_BIN_NEW
#define F   ISSU_BOX_FIRST
#define S   ISSU_BOX_SECOND
#define RES ISSU_CRASH_RESUME
#define RB  ISSU_CRASH_ROLLBACK

/* The stages table (doc/issu.md has it for humans; keep the two in step). Crash column, why:
 *   loading:      half the daemons may be new, the verdict may be lost: back to a known state.
 *   runswitched:  the new version, active, crashed: that is what the rollback timer is for.
 *                 The old version crashing as standby says nothing about the new one: resume.
 *   accepted on:  the operator kept the new version: resume (repair) towards the goal.
 *   rolling-back: go on rolling back. */
#define LOAD CMD(ISSU_EV_LOAD)
#define RUNS CMD(ISSU_EV_RUNSWITCH)
#define ACPT CMD(ISSU_EV_ACCEPT)
#define CMIT CMD(ISSU_EV_COMMIT)
#define RLBK CMD(ISSU_EV_ROLLBACK)
#define ABRT CMD(ISSU_EV_ABORT)
#define TIMR CMD(ISSU_EV_TIMER)
/* clang-format off */
static const struct stage_rule rules[ISSU_STAGE_MAX] = {
	/* stage: goal bins, active box, needs the verdict, reached, commands, crash of 1st/2nd */
	[ISSU_IDLE] = { {O, O}, S, false, ISSU_IDLE, LOAD, {RES, RES} },
	[ISSU_LOADING] = { {N, O}, S, true, ISSU_LOADED, RLBK | ABRT, {RB, RB} },
	[ISSU_LOADED] = { {N, O}, S, true, ISSU_LOADED, RUNS | RLBK | ABRT, {RES, RES} },
	[ISSU_RUNSWITCHED] = { {N, O}, F, true, ISSU_RUNSWITCHED, ACPT | CMIT | RLBK | TIMR,
			       {RB, RES} },
	[ISSU_ACCEPTED] = { {N, O}, F, true, ISSU_ACCEPTED, CMIT | RLBK, {RES, RES} },
	[ISSU_COMMITTING] = { {N, N}, F, true, ISSU_COMMITTED, CMIT | RLBK, {RES, RES} },
	[ISSU_COMMITTED] = { {N, N}, F, true, ISSU_COMMITTED, LOAD, {RES, RES} },
	[ISSU_ROLLING_BACK] = { {O, O}, S, false, ISSU_IDLE, RLBK, {RES, RES} },
};
/* clang-format on */
#undef LOAD
#undef RUNS
#undef ACPT
#undef CMIT
#undef RLBK
#undef ABRT
#undef TIMR

/* The stage a command (or the timer) leads to. */
static const enum issu_stage cmd_next[ISSU_EV_MAX] = {
	[ISSU_EV_LOAD] = ISSU_LOADING,          [ISSU_EV_RUNSWITCH] = ISSU_RUNSWITCHED,
	[ISSU_EV_ACCEPT] = ISSU_ACCEPTED,       [ISSU_EV_COMMIT] = ISSU_COMMITTING,
	[ISSU_EV_ROLLBACK] = ISSU_ROLLING_BACK, [ISSU_EV_ABORT] = ISSU_ROLLING_BACK,
	[ISSU_EV_TIMER] = ISSU_ROLLING_BACK,
};

#undef O
#undef N
#undef F
#undef S
#undef RES
#undef RB

static void push(struct issu_actions *out, enum issu_act_kind kind, enum issu_box box,
		 enum issu_daemon d, enum issu_bin bin, uint64_t deadline_ms)
{
	if (out->n < ISSU_ACTIONS_MAX)
		out->a[out->n++] = (struct issu_action){ .kind = kind,
							 .box = box,
							 .daemon = d,
							 .bin = bin,
							 .deadline_ms = deadline_ms };
}

static void act(struct issu_actions *out, enum issu_act_kind kind)
{
	push(out, kind, ISSU_BOX_FIRST, ISSU_D_VRRPD, ISSU_BIN_OLD, 0);
}

static void reset_facts(struct issu *s)
{
	s->mode = ISSU_MODE_NONE;
	s->has_verdict = false;
	s->verdict = HRP_COMPAT_UNKNOWN;
	s->active = ISSU_BOX_SECOND;
	for (int b = 0; b < ISSU_BOX_MAX; b++) {
		for (int d = 0; d < ISSU_D_MAX; d++)
			s->bin[b][d] = ISSU_BIN_OLD;
		s->needs_sync[b] = false;
	}
	s->wait = ISSU_WAIT_NONE;
	s->retries = 0;
	s->rollback_from = ISSU_STAGE_INVALID;
	s->deadline_ms = 0;
}

void issu_init(struct issu *s, uint64_t timeout_ms)
{
	memset(s, 0, sizeof(*s));
	s->stage = ISSU_IDLE;
	s->timeout_ms = timeout_ms ? timeout_ms : ISSU_ROLLBACK_TIMEOUT_MS;
	reset_facts(s);
	s->why = "initial";
}

bool issu_busy(const struct issu *s)
{
	return s->wait != ISSU_WAIT_NONE;
}

/* Session state can flow between the boxes: both hrpds known, and on one version or in hot
 * mode (registries compatible). */
static bool can_sync(const struct issu *s)
{
	enum issu_bin a = s->bin[ISSU_BOX_FIRST][ISSU_D_HRPD];
	enum issu_bin b = s->bin[ISSU_BOX_SECOND][ISSU_D_HRPD];
	if (a == ISSU_BIN_UNKNOWN || b == ISSU_BIN_UNKNOWN)
		return false;
	return a == b || s->mode == ISSU_MODE_HOT;
}

static bool box_at(const struct issu *s, enum issu_box b, enum issu_bin bin)
{
	for (int d = 0; d < ISSU_D_MAX; d++)
		if (s->bin[b][d] != bin)
			return false;
	return true;
}

/* One safe step towards the stage's goal, as an action and what to wait for; false: the goal
 * is met. */
static bool plan(struct issu *s, struct issu_actions *out)
{
	const struct stage_rule *r = &rules[s->stage];
	enum issu_box sb = issu_other_box(s->active);

	if (r->needs_verdict && !s->has_verdict) {
		push(out, ISSU_ACT_QUERY_REGISTRY, ISSU_BOX_FIRST, ISSU_D_HRPD, ISSU_BIN_NEW, 0);
		s->wait = ISSU_WAIT_VERDICT;
		return true;
	}
	for (int d = 0; d < ISSU_D_MAX; d++) {
		enum issu_bin cur = s->bin[sb][d], to = r->goal_bin[sb];
		if (cur == to)
			continue;
		s->wait_hot = s->mode == ISSU_MODE_HOT && cur == ISSU_BIN_OLD && to == ISSU_BIN_NEW;
		push(out, s->wait_hot ? ISSU_ACT_HOT_RESTART : ISSU_ACT_COLD_RESTART, sb,
		     (enum issu_daemon)d, to, 0);
		s->wait = ISSU_WAIT_RESTART;
		s->wait_box = sb;
		s->wait_daemon = (enum issu_daemon)d;
		s->wait_bin = to;
		return true;
	}
	/* The standby is where it should be. The roles move when the goal wants the other box
	 * active, or when the active box is off its goal (it is repaired as standby). */
	bool switch_roles =
		r->goal_active != s->active || !box_at(s, s->active, r->goal_bin[s->active]);
	if (s->needs_sync[sb] && can_sync(s)) {
		push(out, ISSU_ACT_AWAIT_SYNC, sb, ISSU_D_HRPD, s->bin[sb][ISSU_D_HRPD], 0);
		s->wait = ISSU_WAIT_BULK_SYNC;
		s->wait_box = sb;
		return true;
	}
	if (switch_roles) {
		push(out, ISSU_ACT_SWITCHOVER, sb, ISSU_D_VGMPD, s->bin[sb][ISSU_D_VGMPD], 0);
		s->wait = ISSU_WAIT_SWITCHOVER;
		s->wait_box = sb;
		return true;
	}
	return false;
}

static void set_stage(struct issu *s, enum issu_stage to, uint64_t now_ms, const char *why)
{
	if (s->stage != to) {
		s->stage = to;
		s->since_ms = now_ms;
		s->transitions++;
	}
	s->why = why;
}

static void stop_timer(struct issu *s, struct issu_actions *out)
{
	if (s->deadline_ms) {
		act(out, ISSU_ACT_STOP_TIMER);
		s->deadline_ms = 0;
	}
}

/* The goal of a stage is met: the stage that follows, with its entry actions. */
static void arrive(struct issu *s, uint64_t now_ms, struct issu_actions *out)
{
	enum issu_stage to = rules[s->stage].reached;

	if (to == s->stage)
		return;
	switch (to) {
	case ISSU_LOADED: set_stage(s, to, now_ms, "new version loaded on the standby"); break;
	case ISSU_COMMITTED: set_stage(s, to, now_ms, "both boxes run the new version"); break;
	case ISSU_IDLE:
		set_stage(s, to, now_ms, "rolled back: both boxes on the old version");
		break;
	default: set_stage(s, to, now_ms, s->why); break;
	}
	if ((to == ISSU_COMMITTED || to == ISSU_IDLE) && s->verdict == HRP_COMPAT_PARTIAL)
		act(out, ISSU_ACT_RELEASE_HOLD);
	if (to == ISSU_IDLE) {
		stop_timer(s, out);
		s->mode = ISSU_MODE_NONE;
		s->has_verdict = false;
		s->verdict = HRP_COMPAT_UNKNOWN;
		s->rollback_from = ISSU_STAGE_INVALID;
	}
	act(out, ISSU_ACT_REPORT);
}

/* A command (or the timer) moves to its stage. */
static void enter(struct issu *s, enum issu_event_kind kind, uint64_t now_ms,
		  struct issu_actions *out)
{
	enum issu_stage from = s->stage, to = cmd_next[kind];

	s->retries = 0;
	switch (to) {
	case ISSU_LOADING:
		reset_facts(s);
		set_stage(s, to, now_ms, "issu load");
		break;
	case ISSU_RUNSWITCHED:
		s->deadline_ms = now_ms + s->timeout_ms;
		push(out, ISSU_ACT_START_TIMER, ISSU_BOX_FIRST, ISSU_D_VRRPD, ISSU_BIN_NEW,
		     s->deadline_ms);
		set_stage(s, to, now_ms, "issu runswitch");
		break;
	case ISSU_ACCEPTED:
		stop_timer(s, out);
		set_stage(s, to, now_ms, "issu accept");
		break;
	case ISSU_COMMITTING:
		stop_timer(s, out);
		set_stage(s, to, now_ms, "issu commit");
		break;
	case ISSU_ROLLING_BACK:
		stop_timer(s, out);
		if (from != ISSU_ROLLING_BACK)
			s->rollback_from = from;
		set_stage(s, to, now_ms,
			  kind == ISSU_EV_TIMER   ? "rollback timer expired"
			  : kind == ISSU_EV_ABORT ? "issu abort"
						  : "issu rollback");
		break;
	default: break;
	}
}

static void rollback(struct issu *s, uint64_t now_ms, struct issu_actions *out, const char *why)
{
	enter(s, ISSU_EV_ROLLBACK, now_ms, out);
	s->why = why;
	act(out, ISSU_ACT_REPORT);
}

/* A step failed. Returns true when the machine stops trying (the operator decides). */
static bool failed(struct issu *s, struct issu_actions *out, const char *why)
{
	s->why = why;
	if (++s->retries < ISSU_RETRIES)
		return false;
	act(out, ISSU_ACT_REPORT); /* stalled: `issu commit` / `issu rollback` tries again */
	return true;
}

static int refuse(const char **reason, const char *why)
{
	*reason = why;
	return -EINVAL;
}

static bool valid_event(const struct issu_event *ev)
{
	return ev && ev->kind >= 0 && ev->kind < ISSU_EV_MAX && ev->box >= 0 &&
	       ev->box < ISSU_BOX_MAX && ev->daemon >= 0 && ev->daemon < ISSU_D_MAX &&
	       ev->bin >= 0 && ev->bin < ISSU_BIN_MAX && ev->active >= 0 &&
	       ev->active < ISSU_BOX_MAX;
}

/* The event handlers: each applies one kind of event to s (a copy the caller throws away on
 * refusal) and returns 1 when the machine should plan its next step, 0 when it should not, or
 * -EINVAL with *reason. */
#define HANDLER(name)                                                                              \
	static int name(struct issu *s, const struct issu_event *ev, uint64_t now_ms,              \
			struct issu_actions *out, const char **reason)

HANDLER(on_command)
{
	if (!(rules[s->stage].commands & CMD(ev->kind)))
		return refuse(reason, "command not allowed in this stage");
	if (issu_busy(s) && !(URGENT & CMD(ev->kind)))
		return refuse(reason, "a step is under way");
	if (ev->kind == ISSU_EV_TIMER && (!s->deadline_ms || now_ms < s->deadline_ms))
		return refuse(reason, "rollback timer not due");
	enter(s, ev->kind, now_ms, out);
	return 1;
}

HANDLER(on_verdict)
{
	if (s->wait != ISSU_WAIT_VERDICT)
		return refuse(reason, "no verdict expected");
	if (ev->verdict < 0 || ev->verdict >= HRP_COMPAT_MAX)
		return refuse(reason, "verdict out of range");
	s->wait = ISSU_WAIT_NONE;
	s->has_verdict = true;
	s->verdict = ev->verdict;
	s->mode = ev->verdict == HRP_COMPAT_INCOMPATIBLE ? ISSU_MODE_COLD
		  : ev->verdict == HRP_COMPAT_UNKNOWN    ? ISSU_MODE_NONE
							 : ISSU_MODE_HOT;
	if (ev->verdict == HRP_COMPAT_UNKNOWN && s->stage == ISSU_LOADING) {
		/* Nothing was restarted yet: the upgrade just stops. */
		set_stage(s, ISSU_IDLE, now_ms, "peer's registry unknown: upgrade stopped");
		reset_facts(s);
		act(out, ISSU_ACT_REPORT);
		return 0;
	}
	if (ev->verdict == HRP_COMPAT_PARTIAL && s->stage == ISSU_LOADING)
		act(out, ISSU_ACT_HOLD_BACK);
	return 1;
}

HANDLER(on_restart)
{
	if (s->wait != ISSU_WAIT_RESTART || s->wait_box != ev->box || s->wait_daemon != ev->daemon)
		return refuse(reason, "no restart of this daemon expected");
	s->wait = ISSU_WAIT_NONE;
	if (ev->kind == ISSU_EV_DAEMON_OK) {
		s->bin[ev->box][ev->daemon] = s->wait_bin;
		if (!s->wait_hot)
			s->needs_sync[ev->box] = true;
		s->retries = 0;
		return 1;
	}
	/* A failed hot restart leaves the old process running; a failed cold one leaves nothing
	 * we can count on. */
	if (!s->wait_hot) {
		s->bin[ev->box][ev->daemon] = ISSU_BIN_UNKNOWN;
		s->needs_sync[ev->box] = true;
	}
	if (s->stage == ISSU_LOADING) {
		rollback(s, now_ms, out, "restart onto the new version failed");
		return 1;
	}
	return failed(s, out, "restart failed") ? 0 : 1;
}

HANDLER(on_switchover)
{
	if (s->wait != ISSU_WAIT_SWITCHOVER)
		return refuse(reason, "no switchover expected");
	s->wait = ISSU_WAIT_NONE;
	if (ev->kind == ISSU_EV_SWITCHOVER_DONE) {
		s->active = s->wait_box;
		/* The old active goes on as standby; it stays in step only if the two versions
		 * can sync. */
		if (!can_sync(s))
			s->needs_sync[issu_other_box(s->active)] = true;
		s->retries = 0;
		return 1;
	}
	if (s->stage == ISSU_RUNSWITCHED) {
		stop_timer(s, out);
		set_stage(s, ISSU_LOADED, now_ms, "switchover refused: roles unchanged");
		act(out, ISSU_ACT_REPORT);
		return 0;
	}
	return failed(s, out, "switchover failed") ? 0 : 1;
}

HANDLER(on_bulk_sync)
{
	(void)now_ms;
	(void)out;
	bool awaited = s->wait == ISSU_WAIT_BULK_SYNC && s->wait_box == ev->box;
	if (!s->needs_sync[ev->box] && !awaited)
		return refuse(reason, "no bulk sync expected for this box");
	s->needs_sync[ev->box] = false;
	if (awaited)
		s->wait = ISSU_WAIT_NONE;
	return 1;
}

HANDLER(on_peer_version)
{
	(void)now_ms;
	(void)out;
	if (s->wait == ISSU_WAIT_RESTART && s->wait_box == ev->box && s->wait_daemon == ISSU_D_HRPD)
		return refuse(reason, "its restart's outcome is awaited");
	s->bin[ev->box][ISSU_D_HRPD] = ev->bin;
	return 1;
}

HANDLER(on_resumed)
{
	if (ev->stage < 0 || ev->stage >= ISSU_STAGE_MAX)
		return refuse(reason, "stage out of range");
	/* Whatever was under way is lost with the crash: a restart under way may or may not
	 * have happened. The box came back on ev->bin with no session state it can vouch for. */
	set_stage(s, ev->stage, now_ms, "resumed after a crash");
	s->active = ev->active;
	if (s->wait == ISSU_WAIT_RESTART)
		s->bin[s->wait_box][s->wait_daemon] = ISSU_BIN_UNKNOWN;
	s->wait = ISSU_WAIT_NONE;
	s->retries = 0;
	/* The restarted hrpd runs ev->bin. Its siblings either restarted with it (a reboot: the
	 * same binaries) or ran on (hrpd alone crashed): a sibling recorded on another version
	 * may be on either, so it is unknown and the plan restarts it onto the goal. */
	for (int d = 0; d < ISSU_D_MAX; d++)
		if (d == ISSU_D_HRPD || s->bin[ev->box][d] != ev->bin)
			s->bin[ev->box][d] = d == ISSU_D_HRPD ? ev->bin : ISSU_BIN_UNKNOWN;
	s->needs_sync[ev->box] = true;
	if (issu_crash_policy(ev->stage, ev->box) == ISSU_CRASH_ROLLBACK &&
	    s->stage != ISSU_ROLLING_BACK) {
		rollback(s, now_ms, out, "crash midway: rolling back");
		return 1;
	}
	if (s->deadline_ms) /* the timer died with the process; the deadline did not */
		push(out, ISSU_ACT_START_TIMER, ISSU_BOX_FIRST, ISSU_D_VRRPD, ISSU_BIN_NEW,
		     s->deadline_ms);
	return 1;
}

typedef int (*issu_handler)(struct issu *s, const struct issu_event *ev, uint64_t now_ms,
			    struct issu_actions *out, const char **reason);

static const issu_handler handlers[ISSU_EV_MAX] = {
	[ISSU_EV_LOAD] = on_command,
	[ISSU_EV_RUNSWITCH] = on_command,
	[ISSU_EV_ACCEPT] = on_command,
	[ISSU_EV_COMMIT] = on_command,
	[ISSU_EV_ROLLBACK] = on_command,
	[ISSU_EV_ABORT] = on_command,
	[ISSU_EV_TIMER] = on_command,
	[ISSU_EV_VERDICT] = on_verdict,
	[ISSU_EV_DAEMON_OK] = on_restart,
	[ISSU_EV_DAEMON_FAILED] = on_restart,
	[ISSU_EV_SWITCHOVER_DONE] = on_switchover,
	[ISSU_EV_SWITCHOVER_FAILED] = on_switchover,
	[ISSU_EV_BULK_SYNC_DONE] = on_bulk_sync,
	[ISSU_EV_PEER_VERSION] = on_peer_version,
	[ISSU_EV_RESUMED] = on_resumed,
};

int issu_step(struct issu *s, const struct issu_event *ev, uint64_t now_ms,
	      struct issu_actions *out, const char **why)
{
	struct issu n;
	const char *reason = "invalid event";
	int r = -EINVAL;

	out->n = 0;
	if (s->stage < 0 || s->stage >= ISSU_STAGE_MAX)
		reason = "machine in an invalid stage";
	else if (valid_event(ev)) {
		n = *s;
		act(out, ISSU_ACT_PERSIST); /* the record first: a crash after it resumes */
		r = handlers[ev->kind](&n, ev, now_ms, out, &reason);
		if (r > 0 && !issu_busy(&n) && !plan(&n, out))
			arrive(&n, now_ms, out);
	}
	if (r < 0) {
		out->n = 0;
		s->refused++;
		s->why = reason;
		if (why)
			*why = reason;
		return -EINVAL;
	}
	*s = n;
	if (why)
		*why = s->why;
	return s->stage;
}

enum issu_on_crash issu_crash_policy(enum issu_stage stage, enum issu_box crashed)
{
	if (stage < 0 || stage >= ISSU_STAGE_MAX || crashed < 0 || crashed >= ISSU_BOX_MAX)
		return ISSU_CRASH_ROLLBACK;
	return rules[stage].on_crash[crashed];
}

/* ---- names ---- */

static const char *const stage_names[ISSU_STAGE_MAX] = {
	[ISSU_IDLE] = "idle",           [ISSU_LOADING] = "loading",
	[ISSU_LOADED] = "loaded",       [ISSU_RUNSWITCHED] = "runswitched",
	[ISSU_ACCEPTED] = "accepted",   [ISSU_COMMITTING] = "committing",
	[ISSU_COMMITTED] = "committed", [ISSU_ROLLING_BACK] = "rolling-back",
};
static const char *const event_names[ISSU_EV_MAX] = {
	[ISSU_EV_LOAD] = "load",
	[ISSU_EV_RUNSWITCH] = "runswitch",
	[ISSU_EV_ACCEPT] = "accept",
	[ISSU_EV_COMMIT] = "commit",
	[ISSU_EV_ROLLBACK] = "rollback",
	[ISSU_EV_ABORT] = "abort",
	[ISSU_EV_VERDICT] = "verdict",
	[ISSU_EV_DAEMON_OK] = "daemon-ok",
	[ISSU_EV_DAEMON_FAILED] = "daemon-failed",
	[ISSU_EV_SWITCHOVER_DONE] = "switchover-done",
	[ISSU_EV_SWITCHOVER_FAILED] = "switchover-failed",
	[ISSU_EV_BULK_SYNC_DONE] = "bulk-sync-done",
	[ISSU_EV_PEER_VERSION] = "peer-version",
	[ISSU_EV_TIMER] = "timer",
	[ISSU_EV_RESUMED] = "resumed",
};
static const char *const box_names[ISSU_BOX_MAX] = {
	[ISSU_BOX_FIRST] = "first",
	[ISSU_BOX_SECOND] = "second",
};
static const char *const daemon_names[ISSU_D_MAX] = {
	[ISSU_D_VRRPD] = "vrrpd",
	[ISSU_D_VGMPD] = "vgmpd",
	[ISSU_D_HRPD] = "hrpd",
};
static const char *const bin_names[ISSU_BIN_MAX] = {
	[ISSU_BIN_OLD] = "old",
	[ISSU_BIN_NEW] = "new",
	[ISSU_BIN_UNKNOWN] = "unknown",
};
static const char *const mode_names[ISSU_MODE_MAX] = {
	[ISSU_MODE_NONE] = "none",
	[ISSU_MODE_HOT] = "hot",
	[ISSU_MODE_COLD] = "cold",
};
static const char *const wait_names[ISSU_WAIT_MAX] = {
	[ISSU_WAIT_NONE] = "none",           [ISSU_WAIT_VERDICT] = "verdict",
	[ISSU_WAIT_RESTART] = "restart",     [ISSU_WAIT_SWITCHOVER] = "switchover",
	[ISSU_WAIT_BULK_SYNC] = "bulk-sync",
};
static const char *const act_names[ISSU_ACT_MAX] = {
	[ISSU_ACT_QUERY_REGISTRY] = "query-registry",
	[ISSU_ACT_HOT_RESTART] = "hot-restart",
	[ISSU_ACT_COLD_RESTART] = "cold-restart",
	[ISSU_ACT_SWITCHOVER] = "switchover",
	[ISSU_ACT_AWAIT_SYNC] = "await-sync",
	[ISSU_ACT_START_TIMER] = "start-timer",
	[ISSU_ACT_STOP_TIMER] = "stop-timer",
	[ISSU_ACT_HOLD_BACK] = "hold-back",
	[ISSU_ACT_RELEASE_HOLD] = "release-hold",
	[ISSU_ACT_PERSIST] = "persist",
	[ISSU_ACT_REPORT] = "report",
};

#define NAME(table, v, max) ((v) >= 0 && (v) < (max) ? (table)[v] : "?")

const char *issu_stage_name(enum issu_stage s)
{
	return NAME(stage_names, s, ISSU_STAGE_MAX);
}
const char *issu_event_name(enum issu_event_kind e)
{
	return NAME(event_names, e, ISSU_EV_MAX);
}
const char *issu_box_name(enum issu_box b)
{
	return NAME(box_names, b, ISSU_BOX_MAX);
}
const char *issu_daemon_name(enum issu_daemon d)
{
	return NAME(daemon_names, d, ISSU_D_MAX);
}
const char *issu_bin_name(enum issu_bin b)
{
	return NAME(bin_names, b, ISSU_BIN_MAX);
}
const char *issu_mode_name(enum issu_mode m)
{
	return NAME(mode_names, m, ISSU_MODE_MAX);
}
const char *issu_wait_name(enum issu_wait w)
{
	return NAME(wait_names, w, ISSU_WAIT_MAX);
}
const char *issu_act_name(enum issu_act_kind a)
{
	return NAME(act_names, a, ISSU_ACT_MAX);
}

static int lookup(const char *const *table, int max, const char *name)
{
	for (int i = 0; name && i < max; i++)
		if (table[i] && !strcmp(table[i], name))
			return i;
	return -1;
}

int issu_stage_from_name(const char *n)
{
	return lookup(stage_names, ISSU_STAGE_MAX, n);
}
int issu_box_from_name(const char *n)
{
	return lookup(box_names, ISSU_BOX_MAX, n);
}
int issu_daemon_from_name(const char *n)
{
	return lookup(daemon_names, ISSU_D_MAX, n);
}
int issu_bin_from_name(const char *n)
{
	return lookup(bin_names, ISSU_BIN_MAX, n);
}
int issu_mode_from_name(const char *n)
{
	return lookup(mode_names, ISSU_MODE_MAX, n);
}
int issu_wait_from_name(const char *n)
{
	return lookup(wait_names, ISSU_WAIT_MAX, n);
}
