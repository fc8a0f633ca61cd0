/* VGMP handover: handing the active role to the peer, and taking it at its request. The
 * election (vgmp_fsm.c) decides when a degraded active asks (a fault request); this file holds
 * how a request goes out, how the peer's request, ack and nack are answered, when either side
 * gives up (request and handover timeouts), and the operator's actions on the role: a planned
 * switchover (hrp switchover and its undo), the release of the pair upgrade's cold mode
 * (hrp-release) and the maintenance freeze (which refuses both). The rules the handover follows
 * are doc/vgmp.md, "Switchover requests" and "Operator actions". */
#include "vgmp_int.h"

#include <errno.h>

/* ---- our request, and its end ---- */

void vgmp_give_up(struct vgmp *v, enum vgmp_req_result res, uint64_t now)
{
	v->ho.giving = false;
	v->ho.acked = false;
	v->ho.result = res;
	v->ho.result_ms = now;
}

/* hrpd stamps a request with the priority of the payload it holds: hand it ours first. */
void vgmp_send_switchover(struct vgmp *v, enum hrp_vgmp_reason reason, uint64_t now)
{
	vgmp_flush_hello(v);
	struct vgmp_request r = {
		.kind = VGMP_MSG_SWITCHOVER,
		.reason = reason,
		.has_priority = true,
		.priority = vgmp_priority(v),
		.has_state = true,
		.state = VGMP_STATE_STANDBY,
	};
	v->ho.giving = true;
	v->ho.acked = false;
	v->ho.reason = reason;
	v->ho.request_id = 0;
	v->ho.sent_ms = now;
	v->ho.result = VGMP_REQ_PENDING;
	v->ho.result_reason = reason;
	v->ho.result_ms = now;
	v->c.requests_sent++;
	v->ops->send_request(v, &r);
}

/* ---- the handover in our state and payload ---- */

/* We handed the role over (or released it, or the upgrade asks us to keep to standby): no
 * preemption back until we rank higher than mark. */
void vgmp_yield_role(struct vgmp *v, uint16_t mark)
{
	v->ho.yielded = true;
	v->ho.yielded_prio = mark;
}

uint32_t vgmp_handover_bits(const struct vgmp *v)
{
	uint32_t r = 0;
	if (v->ho.handed)
		r |= VGMP_R_HANDED_OVER;
	if (v->ho.yielded || v->ho.releasing)
		r |= VGMP_R_YIELDED;
	return r;
}

/* The peer releases the role to us: standby, announced at priority 0, keeping to it. A box at
 * priority 0 by its trackers does not say VGMP_R_YIELDED. */
static bool peer_releases(const struct vgmp *v)
{
	return vgmp_peer_alive(v) && v->peer.state == VGMP_STATE_STANDBY && v->peer.priority == 0 &&
	       (v->peer.readiness & VGMP_R_YIELDED);
}

void vgmp_handover_state(struct vgmp *v, enum vgmp_state from, enum vgmp_reason why, uint64_t now)
{
	enum vgmp_state to = v->state;
	if (from == VGMP_STATE_ACTIVE)
		v->ho.taking = false;
	if (v->ho.giving && to != VGMP_STATE_ACTIVE) {
		/* Our request ends here: the peer took over, or hrp was disabled under it. */
		bool done = why == VGMP_REASON_HANDED_OVER;
		if (done && v->ho.reason == HRP_VGMP_REASON_ADMIN)
			vgmp_yield_role(v, vgmp_priority(v));
		vgmp_give_up(v, done ? VGMP_REQ_DONE : VGMP_REQ_ABORTED, now);
	}
	/* Active at the peer's operator request, or because it released the role to us: we hold
	 * it by handover until we leave active (a fault switchover, preemption after the peer's
	 * undo, hrp disable) or restart. Any other way to active is not a handover. Our own
	 * handover to it, if any, is over. */
	v->ho.handed = to == VGMP_STATE_ACTIVE &&
		       (why == VGMP_REASON_SWITCHOVER_ADMIN || peer_releases(v));
	if (v->ho.handed)
		v->ho.yielded = false;
}

/* A release ends when the peer announces active (it sticks then, as an operator's handover
 * does), or once the handover timeout has passed and the peer has spoken since the release
 * without taking over (the election then runs as before: the role comes back rather than stay
 * with nobody). A peer not heard since may have taken over unheard (a loaded box): taking the
 * role back on that stale view would make two actives, so we wait for its word or for hrpd's
 * verdict that it is dead. Either way our own priority is announced again. */
void vgmp_release_end(struct vgmp *v, uint64_t now)
{
	if (!v->ho.releasing)
		return;
	bool taken = vgmp_peer_alive(v) && v->peer.state == VGMP_STATE_ACTIVE;
	bool refused = vgmp_peer_alive(v) && v->peer.heard_ms > v->ho.release_ms &&
		       now >= v->ho.release_ms + v->p.handover_timeout_ms;
	if (!taken && !refused)
		return;
	v->ho.releasing = false;
	v->ho.yielded = false;
	if (taken)
		vgmp_yield_role(v, vgmp_priority(v));
	v->ho.result = taken ? VGMP_REQ_DONE : VGMP_REQ_ABORTED;
	v->ho.result_ms = now;
	v->hello_due = true;
}

/* Requests that ran out of time. */
void vgmp_handover_timeouts(struct vgmp *v, uint64_t now)
{
	struct vgmp_handover *h = &v->ho;
	if (h->giving && !h->acked && now >= h->sent_ms + v->p.request_timeout_ms) {
		v->c.requests_timeout++;
		vgmp_give_up(v, VGMP_REQ_TIMEOUT, now);
	} else if (h->giving && h->acked && now >= h->acked_ms + v->p.handover_timeout_ms) {
		v->c.handover_timeouts++;
		vgmp_give_up(v, VGMP_REQ_ABORTED, now);
	}
	if (h->taking && now >= h->taking_ms + v->p.handover_timeout_ms) {
		v->c.handover_timeouts++;
		h->taking = false;
	}
}

/* ---- news of the peer: what it means for a handover ---- */

/* The peer's payload (vgmp_peer_update), before the election. */
void vgmp_handover_heard(struct vgmp *v, uint64_t now)
{
	const struct vgmp_peer *pe = &v->peer;
	/* The peer let go (or restarted): our take-over is complete. */
	if (v->ho.taking && pe->state != VGMP_STATE_ACTIVE)
		v->ho.taking = false;
	/* The peer took over after our operator's request timed out (its ack, or hrpd's number
	 * for the request, came late or not at all: a loaded box): the handover goes on as a late
	 * ack makes it. Left alone, both stayed active until the peer's take-over ran out, and
	 * the rank gave the role back to us. */
	if (!v->ho.giving && v->ho.result == VGMP_REQ_TIMEOUT &&
	    v->ho.reason == HRP_VGMP_REASON_ADMIN && pe->state == VGMP_STATE_ACTIVE &&
	    v->state == VGMP_STATE_ACTIVE && now < v->ho.result_ms + v->p.handover_timeout_ms) {
		v->c.late_acks++;
		v->ho.giving = true;
		v->ho.acked = true;
		v->ho.acked_ms = now;
	}
	/* Heard again after hrpd's dead verdict on a peer that held the role we handed it: at once
	 * (within a handover timeout), the verdict was a stall of ours and the handover stands; a
	 * peer heard only later was down, and we have run the traffic and the session table since:
	 * the handover is over, and a new active frozen for seconds does not get the role back by
	 * it. */
	if (v->ho.dead_ms) {
		if (now >= v->ho.dead_ms + v->p.handover_timeout_ms)
			v->ho.yielded = false;
		v->ho.dead_ms = 0;
	}
	/* The peer restarted: an operator's handover no longer binds, a request of ours is void. */
	if (pe->state == VGMP_STATE_INITIALIZE) {
		v->ho.yielded = false;
		if (v->ho.giving)
			vgmp_give_up(v, VGMP_REQ_ABORTED, now);
	}
}

/* The peer is dead (hrpd's verdict or vgmp_peer_silent()'s), before the election: a request of
 * ours is void, a take-over complete. */
void vgmp_handover_peer_dead(struct vgmp *v, uint64_t now)
{
	if (v->ho.giving)
		vgmp_give_up(v, VGMP_REQ_ABORTED, now);
	/* A release the peer's death ends: we gave the role away on purpose, so a peer that was
	 * only silent for a while (a loaded box) is not preempted when it comes back; a dead one
	 * is taken over at once all the same (the rules above preemption). */
	bool released = v->ho.releasing;
	if (released) {
		v->ho.releasing = false;
		v->ho.result = VGMP_REQ_ABORTED;
		v->ho.result_ms = now;
		v->hello_due = true;
	}
	v->ho.taking = false;
	/* A peer that held the role we handed it may only look dead because we stalled: we take
	 * over (it may be dead), but keep to the handover until it is heard again, so that if it
	 * comes back at once still holding the role we step back rather than fight it by rank
	 * (vgmp_handover_heard ends it for a peer heard only later). A restarted peer comes back
	 * without the bit. */
	bool kept = v->ho.yielded && vgmp_peer_handed(v);
	v->ho.yielded = kept;
	if (released)
		vgmp_yield_role(v, vgmp_priority(v));
	if (kept && !v->ho.dead_ms)
		v->ho.dead_ms = now;
}

/* vgmp_peer_silent(): true when the peer is held alive, not taken as dead. hrpd's dead verdict
 * still applies. */
bool vgmp_silent_hold(struct vgmp *v, uint64_t silent_ms, uint64_t now)
{
	/* We handed the role over a moment ago: the new active is busy taking it (its VIPs, the
	 * OSPF cost, the session table it reads), not dead. At 10 ms hellos its silence of three
	 * hellos undid operators' switchovers in the lab. */
	bool fresh = v->ho.yielded && v->ho.result == VGMP_REQ_DONE &&
		     now < v->ho.result_ms + v->p.handover_timeout_ms;
	/* It holds the role we handed it, however long ago: a loaded box stalls 30-40 ms at 10 ms
	 * hellos, and taking the role back then started a fight decided by rank, not by the
	 * handover. Up to a handover timeout of silence. */
	bool handed = vgmp_peer_handed(v) && silent_ms < v->p.handover_timeout_ms;
	if (!fresh && !handed)
		return false;
	v->c.silent_held++;
	return true;
}

/* ---- requests, acks and nacks ---- */

/* May we take over at the peer's request? false with the nack's reason. */
static bool may_take_over(const struct vgmp *v, const struct vgmp_request *r, uint16_t theirs,
			  enum hrp_vgmp_reason *no)
{
	*no = HRP_VGMP_REASON_NONE;
	if (!v->enabled || v->state == VGMP_STATE_INITIALIZE)
		*no = HRP_VGMP_REASON_NOT_READY; /* we have not joined yet */
	else if (r->has_state && r->state != VGMP_STATE_STANDBY)
		*no = HRP_VGMP_REASON_NONE; /* only "take over from me" is understood */
	else if (vgmp_frozen(v))
		*no = HRP_VGMP_REASON_ADMIN;
	else if (v->ho.giving)
		*no = HRP_VGMP_REASON_IN_TRANSITION;
	else if (vgmp_priority(v) < theirs)
		*no = HRP_VGMP_REASON_PRIORITY;
	else if (r->reason != HRP_VGMP_REASON_FAULT && !v->ready)
		*no = HRP_VGMP_REASON_NOT_READY; /* a planned switchover loses no session */
	else
		return true;
	return false;
}

/* The peer asks us to take over (it asks to go standby). */
static void on_switchover(struct vgmp *v, const struct vgmp_request *r, uint64_t now)
{
	v->c.requests_received++;
	if (r->has_priority)
		v->peer.priority = r->priority; /* fresher than its last hello */
	enum hrp_vgmp_reason no;
	bool ok = may_take_over(v, r, v->peer.priority, &no);
	struct vgmp_request a = {
		.kind = ok ? VGMP_MSG_ACK : VGMP_MSG_NACK,
		.request_id = r->request_id,
		.reason = no,
	};
	if (!ok) {
		v->c.nacks_sent[no]++;
		v->ops->send_request(v, &a);
		return;
	}
	v->c.acks_sent++;
	v->ops->send_request(v, &a);
	v->ho.yielded = false;
	if (v->state != VGMP_STATE_ACTIVE) {
		/* Active now: the peer lets go when it hears us. */
		v->ho.taking = true;
		v->ho.taking_ms = now;
		vgmp_set_state(v, VGMP_STATE_ACTIVE,
			       r->reason == HRP_VGMP_REASON_FAULT ? VGMP_REASON_SWITCHOVER_FAULT
								  : VGMP_REASON_SWITCHOVER_ADMIN,
			       now);
	}
}

/* Does this ack / nack answer our request? */
static bool answers_ours(const struct vgmp *v, const struct vgmp_request *r)
{
	return v->ho.giving && (v->ho.request_id == 0 || v->ho.request_id == r->request_id);
}

static void on_ack(struct vgmp *v, const struct vgmp_request *r, uint64_t now)
{
	/* An ack that comes after our request timed out (a loaded box): the peer has taken the
	 * role by now, so the handover goes on as if it had come in time; giving it up would
	 * leave two actives and lose an operator's switchover to the next preemption. */
	if (!v->ho.giving && v->ho.result == VGMP_REQ_TIMEOUT && v->ho.request_id &&
	    v->ho.request_id == r->request_id && v->state == VGMP_STATE_ACTIVE) {
		v->c.late_acks++;
		v->ho.giving = true;
	}
	if (!answers_ours(v, r) || v->ho.acked) {
		v->c.answers_stale++;
		return;
	}
	v->c.requests_acked++;
	v->ho.acked = true;
	v->ho.acked_ms = now;
	v->ho.request_id = r->request_id;
	v->ho.result = VGMP_REQ_ACKED;
	v->ho.result_ms = now;
}

static void on_nack(struct vgmp *v, const struct vgmp_request *r, uint64_t now)
{
	if (!answers_ours(v, r)) {
		v->c.answers_stale++;
		return;
	}
	v->c.requests_nacked++;
	if (v->ho.reason == HRP_VGMP_REASON_FAULT)
		v->ho.retry_ms = now + v->p.request_timeout_ms;
	vgmp_give_up(v, VGMP_REQ_NACKED, now);
	v->ho.result_reason = r->reason;
}

int vgmp_request_received(struct vgmp *v, const struct vgmp_request *r, uint64_t now_ms)
{
	if (!v || !r || (int)r->kind < 0 || r->kind >= VGMP_MSG_MAX)
		return -EINVAL;
	switch (r->kind) {
	case VGMP_MSG_SWITCHOVER:
		vgmp_begin(v, VGMP_EV_REQUEST);
		on_switchover(v, r, now_ms);
		break;
	case VGMP_MSG_ACK:
		vgmp_begin(v, VGMP_EV_ACK);
		on_ack(v, r, now_ms);
		break;
	default:
		vgmp_begin(v, VGMP_EV_NACK);
		on_nack(v, r, now_ms);
		break;
	}
	vgmp_finish(v, now_ms);
	return 0;
}

int vgmp_request_id(struct vgmp *v, uint32_t request_id)
{
	if (!v)
		return -ENOENT;
	/* hrpd numbered our request after it timed out (a loaded box): keep the number, so that
	 * a late ack still completes the handover (on_ack). */
	bool timed_out = !v->ho.giving && v->ho.result == VGMP_REQ_TIMEOUT;
	if (!v->ho.giving && !timed_out)
		return -ENOENT;
	if (v->ho.request_id == 0)
		v->ho.request_id = request_id;
	return 0;
}

int vgmp_request_lost(struct vgmp *v, uint64_t now_ms)
{
	if (!v)
		return -EINVAL;
	vgmp_begin(v, VGMP_EV_REQUEST_LOST);
	if (v->ho.giving && !v->ho.acked) {
		v->c.requests_timeout++;
		vgmp_give_up(v, VGMP_REQ_TIMEOUT, now_ms);
	}
	vgmp_finish(v, now_ms);
	return 0;
}

/* ---- operator actions ---- */

/* Why an operator's handover (switchover or release) cannot start now; 0 when it can. */
static int handover_refused(const struct vgmp *v)
{
	if (v->state != VGMP_STATE_ACTIVE)
		return -EPERM;
	if (!vgmp_peer_alive(v))
		return -ENOTCONN;
	if (vgmp_frozen(v))
		return -EBUSY;
	if (v->ho.giving || v->ho.releasing)
		return -EALREADY;
	if (v->peer.state != VGMP_STATE_STANDBY)
		return -EAGAIN;
	return 0;
}

/* The operator's handover opens, unless handover_refused() says why not (the switchover and
 * the release alike). */
static int operator_handover_begin(struct vgmp *v)
{
	if (!v)
		return -EINVAL;
	int r = handover_refused(v);
	if (r < 0)
		return r;
	vgmp_begin(v, VGMP_EV_ADMIN_SWITCHOVER);
	v->ho.yielded = false;
	return 0;
}

int vgmp_admin_switchover(struct vgmp *v, uint64_t now_ms)
{
	int r = operator_handover_begin(v);
	if (r < 0)
		return r;
	vgmp_send_switchover(v, HRP_VGMP_REASON_ADMIN, now_ms);
	vgmp_finish(v, now_ms);
	return 0;
}

int vgmp_admin_resume(struct vgmp *v, uint64_t now_ms)
{
	if (!v)
		return -EINVAL;
	if (!v->ho.yielded)
		return -EALREADY;
	vgmp_begin(v, VGMP_EV_ADMIN_SWITCHOVER);
	v->ho.yielded = false;
	v->gate_since_ms = VGMP_NEVER; /* the preempt delay counts from now */
	vgmp_finish(v, now_ms);
	return 0;
}

int vgmp_admin_release(struct vgmp *v, uint64_t now_ms)
{
	int r = operator_handover_begin(v);
	if (r < 0)
		return r;
	v->ho.releasing = true;
	v->ho.release_ms = now_ms;
	v->ho.result = VGMP_REQ_PENDING;
	v->ho.result_reason = HRP_VGMP_REASON_ADMIN;
	v->ho.result_ms = now_ms;
	v->hello_due = true;
	vgmp_finish(v, now_ms);
	return 0;
}

int vgmp_freeze(struct vgmp *v, bool on, uint64_t now_ms)
{
	if (!v)
		return -EINVAL;
	vgmp_begin(v, VGMP_EV_FREEZE);
	if (on != v->frozen) {
		v->frozen = on;
		v->hello_due = true;
	}
	vgmp_finish(v, now_ms);
	return 0;
}
