/* A planned stop of vgmpd (SIGTERM, `systemctl stop`), pure. The active box hands its role over
 * first, the way `hrp switchover` does (make-before-break: the peer takes the traffic before we
 * let go), and vgmpd exits once the peer has announced active or a timeout has passed; any other
 * box just stops. These functions say which, from the election's state; vgmpd (vgmpd/stop.c)
 * sends the request through vgmp_admin_switchover(), keeps the deadline and ends the loop. */
#ifndef HS_VGMP_STOP_H
#define HS_VGMP_STOP_H

#include <stdint.h>

#include "vgmp_fsm.h"

enum vgmp_stop_plan {
	VGMP_STOP_NOW,      /* nothing to hand over, or nobody to take it: stop at once */
	VGMP_STOP_HANDOVER, /* ask the peer to take over, stop once it has */
	VGMP_STOP_WAIT,     /* a handover of ours is already under way: stop once it ends */
	VGMP_STOP_PLAN_MAX,
};

/* Why the plan is what it is (logged). */
enum vgmp_stop_reason {
	VGMP_STOP_R_DISABLED,         /* vgmpd.stop_handover_timeout is 0 */
	VGMP_STOP_R_NOT_ACTIVE,       /* we are not the active box: no traffic of ours to move */
	VGMP_STOP_R_NO_PEER,          /* no live peer to take it */
	VGMP_STOP_R_PEER_NOT_STANDBY, /* the peer is starting, or active itself */
	VGMP_STOP_R_PEER_NOT_READY,   /* its bulk sync is not done: it would refuse (not-ready) */
	VGMP_STOP_R_FROZEN,           /* maintenance freeze: roles stay, the peer would refuse */
	VGMP_STOP_R_HANDOVER,         /* a ready standby peer: hand over */
	VGMP_STOP_R_UNDER_WAY,        /* our switchover request is already out */
	VGMP_STOP_R_MAX,
};

/* Where a handover at stop stands. */
enum vgmp_stop_progress {
	VGMP_STOP_PENDING,     /* our request is out (or acked) and we still hold the traffic */
	VGMP_STOP_HANDED_OVER, /* the peer announced active and we let go */
	VGMP_STOP_GAVE_UP,     /* the request ended without a handover (nack, timeout, the peer
				* died or restarted): v->ho.result says which */
	VGMP_STOP_PROGRESS_MAX,
};

const char *vgmp_stop_plan_name(enum vgmp_stop_plan p);
const char *vgmp_stop_reason_name(enum vgmp_stop_reason r);
const char *vgmp_stop_progress_name(enum vgmp_stop_progress p);

/* The plan for a stop signal now, with why (may be NULL). timeout_ms 0: never hand over. */
enum vgmp_stop_plan vgmp_stop_plan(const struct vgmp *v, uint32_t timeout_ms,
				   enum vgmp_stop_reason *why);
/* After the plan was HANDOVER (and vgmp_admin_switchover() took the request) or WAIT. */
enum vgmp_stop_progress vgmp_stop_progress(const struct vgmp *v);

#endif
