/* What the VGMP core's own files share, and nothing outside lib/vgmp_*.c may call: the election
 * (vgmp_fsm.c) and the handover (vgmp_handover.c: the switchover handshake and the operator's
 * switchover, release and freeze) act on one struct vgmp through these. vgmpd and the tests use
 * vgmp_fsm.h only. */
#ifndef HS_VGMP_INT_H
#define HS_VGMP_INT_H

#include "vgmp_fsm.h"

/* ---- what both read ---- */

static inline bool vgmp_peer_alive(const struct vgmp *v)
{
	return v->peer.status == VGMP_PEER_ALIVE;
}

static inline bool vgmp_frozen(const struct vgmp *v)
{
	return v->frozen || (vgmp_peer_alive(v) && (v->peer.readiness & VGMP_R_FROZEN));
}

/* The peer's last payload said active and VGMP_R_HANDED_OVER: it holds the role we handed it. */
static inline bool vgmp_peer_handed(const struct vgmp *v)
{
	return v->peer.state == VGMP_STATE_ACTIVE && (v->peer.readiness & VGMP_R_HANDED_OVER);
}

/* ---- vgmp_fsm.c: the election ---- */

/* Every entry point: record the event being handled (history, display)... */
void vgmp_begin(struct vgmp *v, enum vgmp_event ev);
/* ...and once its input is updated, re-elect, then one urgent hello if the payload changed. */
void vgmp_finish(struct vgmp *v, uint64_t now);
/* The one place the state changes. */
void vgmp_set_state(struct vgmp *v, enum vgmp_state to, enum vgmp_reason why, uint64_t now);
/* Send the pending hello, if any. */
void vgmp_flush_hello(struct vgmp *v);

/* ---- vgmp_handover.c: handing the active role over, and taking it ---- */

/* Our payload's handover bits: VGMP_R_HANDED_OVER, VGMP_R_YIELDED. */
uint32_t vgmp_handover_bits(const struct vgmp *v);
/* vgmp_set_state(), the state already changed: a request of ours ends, a take-over ends, and
 * whether we hold the role by the peer's handover. */
void vgmp_handover_state(struct vgmp *v, enum vgmp_state from, enum vgmp_reason why, uint64_t now);

/* Our switchover request ends with this result (v->ho.result). */
void vgmp_give_up(struct vgmp *v, enum vgmp_req_result res, uint64_t now);
void vgmp_yield_role(struct vgmp *v, uint16_t mark);
/* Ask the peer to take over (reason fault or admin); the pending hello goes first. */
void vgmp_send_switchover(struct vgmp *v, enum hrp_vgmp_reason reason, uint64_t now);
/* Before each election: a release ends when the peer took over, or refused to in time. */
void vgmp_release_end(struct vgmp *v, uint64_t now);
/* On the timer: requests and take-overs that ran out of time. */
void vgmp_handover_timeouts(struct vgmp *v, uint64_t now);
/* News of the peer, from vgmp_fsm.c's peer entry points before they re-elect: its payload
 * (peer.* already updated), its death (hrpd's or the silent verdict), its silence (true: held
 * alive, not taken as dead). */
void vgmp_handover_heard(struct vgmp *v, uint64_t now);
void vgmp_handover_peer_dead(struct vgmp *v, uint64_t now);
bool vgmp_silent_hold(struct vgmp *v, uint64_t silent_ms, uint64_t now);

#endif
