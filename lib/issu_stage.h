/* The pair upgrade's stages (issue #13, doc/issu.md), as a pure function of (state, event, now):
 *
 *   idle -> loading -> loaded -> runswitched -> accepted -> committing -> committed
 *                 \________\___________\___________\___________\-> rolling-back -> idle
 *
 * Two boxes take part: "first", the box upgraded first (the standby when `issu load` is typed),
 * and "second", the other one (the active then, upgraded at `issu commit`). The machine keeps the
 * facts it needs (which binaries each daemon of each box runs, which box is active, which box
 * still needs a bulk sync) and every stage has a goal over those facts (a table in
 * issu_stage.c). Forward stages, rollback and the resume after a crash all use one planner that
 * moves the facts one safe step towards the goal: restart a daemon of the standby box, wait for
 * its bulk sync, or switch the roles over. It never restarts a daemon of the active box.
 *
 * The step function only decides; it returns actions (an out-list) that hrpd carries out, and
 * hrpd feeds the outcomes back as events. No sockets, clocks or files here. */
#ifndef HS_ISSU_STAGE_H
#define HS_ISSU_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrp_registry.h"

#define ISSU_ROLLBACK_TIMEOUT_MS (45ull * 60 * 1000)       /* as Cisco's rollback timer */
#define ISSU_ROLLBACK_MAX_MS     (7ull * 24 * 3600 * 1000) /* the longest an operator may set */
#define ISSU_RETRIES             3 /* a failed step of a rollback is tried this often */
#define ISSU_ACTIONS_MAX         16

enum issu_stage {
	ISSU_IDLE,
	ISSU_LOADING,      /* the first box's daemons go onto the new binaries */
	ISSU_LOADED,       /* the first box runs the new version, still standby; verdict known */
	ISSU_RUNSWITCHED,  /* the first box is active; the rollback timer runs */
	ISSU_ACCEPTED,     /* the timer is stopped; the new version stays */
	ISSU_COMMITTING,   /* the second box's daemons go onto the new binaries */
	ISSU_COMMITTED,    /* both boxes run the new version */
	ISSU_ROLLING_BACK, /* both boxes go back to the old binaries, the second box active */
	ISSU_STAGE_MAX,
	ISSU_STAGE_INVALID = -1,
};

enum issu_event_kind {
	/* operator commands */
	ISSU_EV_LOAD,
	ISSU_EV_RUNSWITCH,
	ISSU_EV_ACCEPT,
	ISSU_EV_COMMIT,
	ISSU_EV_ROLLBACK,
	ISSU_EV_ABORT, /* rollback before any role change (loading, loaded) */
	/* outcomes of the actions */
	ISSU_EV_VERDICT,           /* .verdict: computed from the two registries */
	ISSU_EV_DAEMON_OK,         /* .box, .daemon: the restart asked for is done */
	ISSU_EV_DAEMON_FAILED,     /* .box, .daemon: it failed (a failed hot restart leaves the old
				      process running; a failed cold one leaves it unknown) */
	ISSU_EV_SWITCHOVER_DONE,   /* the box asked for is active */
	ISSU_EV_SWITCHOVER_FAILED, /* refused or timed out: the roles are unchanged */
	ISSU_EV_BULK_SYNC_DONE,    /* .box has its bulk sync */
	ISSU_EV_PEER_VERSION,      /* .box's hrpd was seen running .bin */
	ISSU_EV_TIMER,             /* the rollback timer expired */
	ISSU_EV_RESUMED,           /* .box crashed or restarted and runs .bin now; its record
				      said .stage; .active is the box active now */
	ISSU_EV_MAX,
	ISSU_EV_INVALID = -1,
};

enum issu_box {
	ISSU_BOX_FIRST,  /* upgraded first: standby at load */
	ISSU_BOX_SECOND, /* upgraded at commit: active at load, and again after a rollback */
	ISSU_BOX_MAX,
};

/* The other box of the pair. */
static inline enum issu_box issu_other_box(enum issu_box b)
{
	return b == ISSU_BOX_FIRST ? ISSU_BOX_SECOND : ISSU_BOX_FIRST;
}

/* In the order they are restarted: hrpd last, so the registries are exchanged with every other
 * daemon already on the new version. */
enum issu_daemon {
	ISSU_D_VRRPD,
	ISSU_D_VGMPD,
	ISSU_D_HRPD,
	ISSU_D_MAX,
};

enum issu_bin {
	ISSU_BIN_OLD,     /* the version running before `issu load` */
	ISSU_BIN_NEW,     /* the version loaded */
	ISSU_BIN_UNKNOWN, /* after a crash or a failed cold restart */
	ISSU_BIN_MAX,
};

enum issu_mode {
	ISSU_MODE_NONE, /* verdict not known yet */
	ISSU_MODE_HOT, /* fully or partially compatible: hot restarts, sessions synced throughout */
	ISSU_MODE_COLD, /* incompatible: the first box cold-starts the new version, keeps its kernel
			   sessions, and takes over with a plain switchover */
	ISSU_MODE_MAX,
};

/* What the machine waits for. */
enum issu_wait {
	ISSU_WAIT_NONE,
	ISSU_WAIT_VERDICT,
	ISSU_WAIT_RESTART,    /* wait_box, wait_daemon, onto wait_bin */
	ISSU_WAIT_SWITCHOVER, /* wait_box to become active */
	ISSU_WAIT_BULK_SYNC,  /* wait_box to have its bulk sync */
	ISSU_WAIT_MAX,
};

enum issu_act_kind {
	ISSU_ACT_QUERY_REGISTRY, /* ask .box's new binaries for their registry (hrpd --version),
				    compare with the peer's, feed ISSU_EV_VERDICT */
	ISSU_ACT_HOT_RESTART,    /* .box's .daemon onto .bin's binary (doc/hot-restart.md) */
	ISSU_ACT_COLD_RESTART,   /* .box's .daemon stopped and started on .bin's binary; the kernel
				    sessions and the config stay */
	ISSU_ACT_SWITCHOVER,     /* planned switchover: .box becomes active */
	ISSU_ACT_AWAIT_SYNC,     /* .box needs a bulk sync before it may become active */
	ISSU_ACT_START_TIMER,    /* the rollback timer, to fire at .deadline_ms */
	ISSU_ACT_STOP_TIMER,
	ISSU_ACT_HOLD_BACK,    /* apply the verdict's send plan (issu_verdict.h) */
	ISSU_ACT_RELEASE_HOLD, /* both boxes run one version again: send everything */
	ISSU_ACT_PERSIST,      /* write the record (issu_record.h) before anything else */
	ISSU_ACT_REPORT,       /* the upgrade ended (committed, rolled back, stopped): tell the
				  operator why */
	ISSU_ACT_MAX,
};

struct issu_action {
	enum issu_act_kind kind;
	enum issu_box box;
	enum issu_daemon daemon;
	enum issu_bin bin;
	uint64_t deadline_ms;
};

struct issu_actions {
	size_t n;
	struct issu_action a[ISSU_ACTIONS_MAX];
};

struct issu_event {
	enum issu_event_kind kind;
	enum issu_box box;
	enum issu_daemon daemon;
	enum hrp_compat verdict;
	enum issu_bin bin;
	enum issu_stage stage;
	enum issu_box active;
};

struct issu {
	enum issu_stage stage;
	enum issu_mode mode;
	bool has_verdict;
	enum hrp_compat verdict;
	enum issu_box active;
	enum issu_bin bin[ISSU_BOX_MAX][ISSU_D_MAX];
	bool needs_sync[ISSU_BOX_MAX];
	enum issu_wait wait;
	enum issu_box wait_box;
	enum issu_daemon wait_daemon;
	enum issu_bin wait_bin;
	bool wait_hot;                 /* the restart waited for is a hot one */
	unsigned retries;              /* failures of the step waited for, in a rollback */
	enum issu_stage rollback_from; /* ISSU_STAGE_INVALID unless rolling back */
	uint64_t timeout_ms;           /* rollback timer length */
	uint64_t deadline_ms;          /* rollback timer, 0: not running */
	uint64_t since_ms;             /* in this stage since */
	uint64_t transitions, refused;
	const char *why; /* the last transition's or refusal's reason (a static string) */
};

/* Idle, both boxes on the old version, the second active; timeout_ms 0: the default. */
void issu_init(struct issu *s, uint64_t timeout_ms);

/* Applies ev at now_ms. Returns the new stage (which may be the same) with the actions to carry
 * out, in order, in *out (persist first), and the reason in *why (may be NULL); or -EINVAL with
 * *why when ev does not apply in this stage or does not match what the machine waits for: then
 * s is untouched but for its refused counter and why, and out->n is 0. */
int issu_step(struct issu *s, const struct issu_event *ev, uint64_t now_ms,
	      struct issu_actions *out, const char **why);

/* What a crash or restart of a box at a stage leads to (the table doc/issu.md shows). */
enum issu_on_crash {
	ISSU_CRASH_RESUME,   /* carry on towards the stage's goal (repairing the facts first) */
	ISSU_CRASH_ROLLBACK, /* roll back */
	ISSU_CRASH_MAX,
};
enum issu_on_crash issu_crash_policy(enum issu_stage stage, enum issu_box crashed);

/* The stage has work under way (a step waited for). */
bool issu_busy(const struct issu *s);

const char *issu_stage_name(enum issu_stage s);
const char *issu_event_name(enum issu_event_kind e);
const char *issu_box_name(enum issu_box b);
const char *issu_daemon_name(enum issu_daemon d);
const char *issu_bin_name(enum issu_bin b);
const char *issu_mode_name(enum issu_mode m);
const char *issu_wait_name(enum issu_wait w);
const char *issu_act_name(enum issu_act_kind a);
/* Reverse lookups for the record: the enum value, or -1. */
int issu_stage_from_name(const char *name);
int issu_box_from_name(const char *name);
int issu_daemon_from_name(const char *name);
int issu_bin_from_name(const char *name);
int issu_mode_from_name(const char *name);
int issu_wait_from_name(const char *name);

#endif
