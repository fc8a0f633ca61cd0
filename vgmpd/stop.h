/* A planned stop (SIGTERM / SIGINT, `systemctl stop`): the active box hands its role over first,
 * as `hrp switchover` does, and vgmpd exits once the peer has taken over and vrrpd, hrpd and FRR
 * have our standby state, or at vgmpd.stop_handover_timeout. lib/vgmp_stop.c decides; this file
 * keeps the deadline and ends the loop. A second signal ends it at once (lib/daemon.c). */
#ifndef VGMPD_STOP_H
#define VGMPD_STOP_H

#include <stdbool.h>
#include <stdint.h>

#include "loop.h"

struct vgmpd;
struct hs_daemon;

enum vgmpd_stop_phase {
	VGMPD_STOP_RUNNING,  /* no stop asked */
	VGMPD_STOP_HANDOVER, /* our switchover request is out: waiting for the peer to take over */
	VGMPD_STOP_CONFIRM,  /* we let go: waiting for vrrpd and hrpd to confirm, FRR's cost */
	VGMPD_STOP_DONE,     /* the loop ends */
	VGMPD_STOP_PHASE_MAX,
};

struct vgmpd_stop {
	enum vgmpd_stop_phase phase;
	uint64_t since_ms, deadline_ms;
	bool vrrpd_due, hrpd_due; /* their answers to our last word */
	struct hs_timer timer;
};

void vgmpd_stop_init(struct vgmpd *g);
void vgmpd_stop_free(struct vgmpd *g);
/* ops->stop_request: true while a handover runs (the loop ends later). */
bool vgmpd_stop_request(struct hs_daemon *d);
/* After every call into the core (vgmpd_rearm): is the stop's wait over? */
void vgmpd_stop_check(struct vgmpd *g);
const char *vgmpd_stop_phase_name(enum vgmpd_stop_phase p);

#endif
