/* Notify hooks (vgmpd.notify): after each state change, the hooks whose `on` matches run in
 * config order, one at a time, asynchronously (child.c), each with its timeout; a hook that runs
 * past it is killed with its process group and counted. The election never waits for them.
 * Each gets HS_STATE, HS_OLD_STATE, HS_REASON and HS_PRIORITY in its environment. `on = "fault"`
 * hooks run when the box becomes degraded (a tracked object costs priority), with HS_STATE
 * "fault" and HS_OLD_STATE the VGMP state it is in. */
#ifndef VGMPD_NOTIFY_H
#define VGMPD_NOTIFY_H

#include <jansson.h>

#include "child.h"
#include "config.h"

#define VGMPD_NOTIFY_QUEUE 32

struct vgmpd_notify_job {
	struct hs_vgmp_notify_config hook; /* a copy: a reload does not pull it away */
	char state[16], old_state[16], reason[96];
	unsigned priority;
};

struct vgmpd_notify {
	struct vgmpd_child child;
	struct vgmpd_notify_job q[VGMPD_NOTIFY_QUEUE]; /* q[head] runs */
	size_t head, len;
	unsigned long long queued, runs, ok, failed, timeouts, spawn_errors, dropped;
};

void vgmpd_notify_init(struct vgmpd_notify *n, struct hs_loop *loop);
void vgmpd_notify_free(struct vgmpd_notify *n);
/* A hot restart's old process: the running hook goes on to its end; the queued ones are dropped
 * (logged), the new process runs the hooks of the changes it makes. */
void vgmpd_notify_abandon(struct vgmpd_notify *n);
/* Queues the hooks of c that match `event` (a state name, or "fault") and starts the first. */
void vgmpd_notify_event(struct vgmpd_notify *n, const struct hs_vgmpd_config *c,
			const char *event, const char *state, const char *old_state,
			const char *reason, unsigned priority);
json_t *vgmpd_notify_status(const struct vgmpd_notify *n, const struct hs_vgmpd_config *c);

#endif
