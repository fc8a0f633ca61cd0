/* The old process's side of a hot restart, as stages: idle -> spawned (the new binary runs with
 * its end of the socketpair) -> sent (sockets and snapshot are over) -> confirmed (the new one
 * took over: the old one exits without cleaning up) or aborted (the new one refused, died, or
 * was silent past the deadline: the old one goes on). Pure: the daemon feeds events with the
 * time and carries the stage out (lib/daemon_hot.c). doc/hot-restart.md. */
#ifndef HS_HOT_STAGE_H
#define HS_HOT_STAGE_H

#include <stdbool.h>
#include <stdint.h>

#define HS_HOT_TIMEOUT_MS 3000

enum hs_hot_stage {
	HS_HOT_IDLE,
	HS_HOT_SPAWNED,
	HS_HOT_SENT,
	HS_HOT_CONFIRMED,
	HS_HOT_ABORTED,
	HS_HOT_STAGE_MAX,
	HS_HOT_STAGE_INVALID = -1,
};

enum hs_hot_event {
	HS_HOT_EV_START,   /* the new process was started */
	HS_HOT_EV_SENT,    /* sockets and snapshot written */
	HS_HOT_EV_CONFIRM, /* the new process says it runs */
	HS_HOT_EV_REFUSED, /* the new process says it cannot take over (e.g. a newer snapshot) */
	HS_HOT_EV_GONE,    /* its end closed: it died */
	HS_HOT_EV_TIMEOUT, /* no word before the deadline */
	HS_HOT_EV_FAILED,  /* a local failure (spawn, send) */
	HS_HOT_EV_MAX,
	HS_HOT_EV_INVALID = -1,
};

struct hs_hot {
	enum hs_hot_stage stage;
	uint64_t started_ms;
	uint64_t deadline_ms; /* while spawned or sent */
	uint64_t attempts, confirmed, aborted;
	enum hs_hot_event last_abort; /* why the last attempt was aborted */
};

void hs_hot_init(struct hs_hot *h);
/* Applies ev at now; returns the new stage, or -EINVAL (h untouched) when ev does not apply:
 * a start while one runs, a confirm before the sockets were sent, anything after confirmed. */
int hs_hot_step(struct hs_hot *h, enum hs_hot_event ev, uint64_t now_ms);
/* A handover is under way (spawned or sent). */
bool hs_hot_busy(const struct hs_hot *h);
const char *hs_hot_stage_name(enum hs_hot_stage s);
const char *hs_hot_event_name(enum hs_hot_event e);

#endif
