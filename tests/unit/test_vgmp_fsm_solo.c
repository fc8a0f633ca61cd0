/* The VGMP election, one box against a scripted peer (vgmp_solo.h): request answers, timeouts,
 * release and the handover bits, silent take-over, the start-up split guard, trackers, hrp
 * disable, validation, names, payload, history. The OSPF cost plan: test_vgmp_ospf_cost.c. */
#include "vgmp_solo.h"

static void test_request_answers(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	struct vgmp_request r = { .kind = VGMP_MSG_SWITCHOVER, .request_id = 1 };

	/* In initialize: not ready to take anything over. */
	assert_int_equal(vgmp_request_received(v, &r, S.now), 0);
	answer_is(VGMP_MSG_NACK, 1, HRP_VGMP_REASON_NOT_READY);

	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);

	r = (struct vgmp_request){ .kind = VGMP_MSG_SWITCHOVER,
				   .request_id = 2,
				   .reason = HRP_VGMP_REASON_FAULT,
				   .has_priority = true,
				   .priority = 45002 };
	vgmp_request_received(v, &r, S.now);
	answer_is(VGMP_MSG_NACK, 2, HRP_VGMP_REASON_PRIORITY);

	r = (struct vgmp_request){ .kind = VGMP_MSG_SWITCHOVER,
				   .request_id = 3,
				   .reason = HRP_VGMP_REASON_ADMIN,
				   .has_priority = true,
				   .priority = 45000 };
	vgmp_request_received(v, &r, S.now);
	answer_is(VGMP_MSG_NACK, 3, HRP_VGMP_REASON_NOT_READY);

	r.request_id = 4;
	r.has_state = true;
	r.state = VGMP_STATE_ACTIVE; /* "let me take over": not a request we understand */
	vgmp_request_received(v, &r, S.now);
	answer_is(VGMP_MSG_NACK, 4, HRP_VGMP_REASON_NONE);

	vgmp_freeze(v, true, S.now);
	r = (struct vgmp_request){ .kind = VGMP_MSG_SWITCHOVER,
				   .request_id = 5,
				   .reason = HRP_VGMP_REASON_FAULT,
				   .has_priority = true,
				   .priority = 44998 };
	vgmp_request_received(v, &r, S.now);
	answer_is(VGMP_MSG_NACK, 5, HRP_VGMP_REASON_ADMIN);
	vgmp_freeze(v, false, S.now);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);

	/* A fault request before its hello: the request's priority counts. */
	r.request_id = 6;
	vgmp_request_received(v, &r, S.now);
	answer_is(VGMP_MSG_ACK, 6, HRP_VGMP_REASON_NONE);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(v->reason, VGMP_REASON_SWITCHOVER_FAULT);
	assert_true(v->ho.taking);
	assert_int_equal(v->peer.priority, 44998);
	/* Its old hello, still active with the old priority: we do not step back. */
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	fake_peer(VGMP_STATE_STANDBY, 44998, 0);
	assert_false(v->ho.taking);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(v->c.acks_sent, 1);
	assert_int_equal(v->c.requests_received, 6);
	assert_int_equal(v->c.nacks_sent[HRP_VGMP_REASON_NOT_READY], 2);

	/* The taker gives up its window after the handover timeout if the peer never lets go. */
	solo();
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	r.request_id = 7;
	vgmp_request_received(v, &r, S.now);
	fake_peer(VGMP_STATE_ACTIVE, 44998, 0);
	uint64_t t = S.now;
	run_until(t + 2999);
	assert_true(v->ho.taking);
	run_until(t + 3000);
	assert_false(v->ho.taking);
	assert_int_equal(v->c.handover_timeouts, 1);
	/* Then it is a plain dual-active: we outrank the peer, we stay. */
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
}

/* hrpd numbers our request only after it timed out (a loaded box: vgmpd, hrpd and the peer all
 * late): the number is kept, so the ack that follows still completes the operator's switchover;
 * before, it was stale and both boxes stayed active until the peer's take-over ran out. */
static void test_request_numbered_late(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	fake_peer(VGMP_STATE_STANDBY, 45000,
		  HRP_VGMP_R_STANDBY_DEVICE | HRP_VGMP_R_SESSIONS_SYNCED);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(vgmp_admin_switchover(v, S.now), 0);
	v->ho.request_id = 0; /* hrpd has not answered yet */
	run_until(S.now + v->p.request_timeout_ms);
	assert_false(v->ho.giving);
	assert_int_equal(v->ho.result, VGMP_REQ_TIMEOUT);

	assert_int_equal(vgmp_request_id(v, 7), 0);
	assert_int_equal(v->ho.request_id, 7);
	assert_int_equal(vgmp_request_id(v, 8), 0); /* the first number stays */
	assert_int_equal(v->ho.request_id, 7);

	struct vgmp_request ack = { .kind = VGMP_MSG_ACK, .request_id = 7 };
	vgmp_request_received(v, &ack, S.now);
	assert_int_equal(v->c.late_acks, 1);
	assert_int_equal(v->ho.result, VGMP_REQ_ACKED);
	fake_peer(VGMP_STATE_ACTIVE, 45000, HRP_VGMP_R_STANDBY_DEVICE | HRP_VGMP_R_SESSIONS_SYNCED);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(v->reason, VGMP_REASON_HANDED_OVER);
	assert_int_equal(v->ho.result, VGMP_REQ_DONE);
	/* Nothing out any more: a number now belongs to no request of ours. */
	assert_int_equal(vgmp_request_id(v, 9), -ENOENT);
}

/* Neither hrpd's number nor the ack ever came (lost, or too late for the request timeout), but
 * the peer announces active: it took over at our request, so we let go and the handover sticks.
 * Only within the handover timeout of the time-out, and only for an operator's request. */
static void test_request_timed_out_peer_took_over(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	uint32_t ready = HRP_VGMP_R_STANDBY_DEVICE | HRP_VGMP_R_SESSIONS_SYNCED;
	fake_peer(VGMP_STATE_STANDBY, 45000, ready);
	assert_int_equal(vgmp_admin_switchover(v, S.now), 0);
	v->ho.request_id = 0;
	run_until(S.now + v->p.request_timeout_ms);
	assert_int_equal(v->ho.result, VGMP_REQ_TIMEOUT);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	fake_peer(VGMP_STATE_ACTIVE, 45000, ready);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(v->reason, VGMP_REASON_HANDED_OVER);
	assert_int_equal(v->ho.result, VGMP_REQ_DONE);
	assert_true(v->ho.yielded);
	assert_int_equal(v->c.late_acks, 1);

	/* The new active falls silent right after taking over (busy, as in the lab at 10 ms
	 * hellos): no fast take-over within the handover timeout; after it, the usual one. */
	v->p.silent_takeover_ms = 30;
	assert_int_equal(vgmp_peer_silent(v, 40, S.now), 0);
	assert_int_equal(v->c.silent_held, 1);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	run_until(v->ho.result_ms + v->p.handover_timeout_ms);
	assert_int_equal(vgmp_peer_silent(v, 40, S.now), 1);
	assert_int_equal(v->c.silent_takeovers, 1);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);

	/* Too late: after the handover timeout the peer's active state is a plain dual-active
	 * (we outrank the standby device and stay). */
	solo();
	fake_peer(VGMP_STATE_STANDBY, 45000, ready);
	assert_int_equal(vgmp_admin_switchover(v, S.now), 0);
	v->ho.request_id = 0;
	run_until(S.now + v->p.request_timeout_ms + v->p.handover_timeout_ms);
	fake_peer(VGMP_STATE_ACTIVE, 45000, ready);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(v->c.late_acks, 0);
}

static void test_request_giving(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	int eth1 = add_tracker(A, "eth1");
	fake_peer(VGMP_STATE_STANDBY, 45000, HRP_VGMP_R_STANDBY_DEVICE);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(vgmp_request_id(v, 9), -ENOENT); /* nothing out */

	uint64_t t0 = S.now;
	vgmp_tracker_set(v, eth1, VGMP_OBJ_DOWN, S.now);
	assert_true(v->ho.giving);
	assert_int_equal(v->ho.request_id, 1);
	assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 1);

	/* An ack for another request: stale. */
	struct vgmp_request ack = { .kind = VGMP_MSG_ACK, .request_id = 99 };
	vgmp_request_received(v, &ack, S.now);
	assert_int_equal(v->c.answers_stale, 1);
	assert_false(v->ho.acked);

	/* A request from the peer while ours is out. */
	struct vgmp_request r = { .kind = VGMP_MSG_SWITCHOVER,
				  .request_id = 40,
				  .reason = HRP_VGMP_REASON_ADMIN };
	vgmp_request_received(v, &r, S.now);
	answer_is(VGMP_MSG_NACK, 40, HRP_VGMP_REASON_IN_TRANSITION);

	/* hrpd lost it: given up; resent when the request timeout comes round. */
	vgmp_request_lost(v, S.now);
	assert_false(v->ho.giving);
	assert_int_equal(v->ho.result, VGMP_REQ_TIMEOUT);
	assert_int_equal(vgmp_next_deadline(v), t0 + 2000);
	run_until(t0 + 1999);
	assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 1);
	run_until(t0 + 2000);
	assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 2);
	assert_int_equal(v->ho.request_id, 2);

	/* Unanswered: timeout, and the next goes out in the same tick. */
	run_until(t0 + 4000);
	assert_int_equal(v->c.requests_timeout, 2);
	assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 3);

	/* A nack: given up; the next fault request waits a request timeout. */
	struct vgmp_request nack = { .kind = VGMP_MSG_NACK,
				     .request_id = 3,
				     .reason = HRP_VGMP_REASON_PRIORITY };
	run_until(t0 + 4100);
	vgmp_request_received(v, &nack, S.now);
	assert_int_equal(v->ho.result, VGMP_REQ_NACKED);
	assert_int_equal(v->ho.result_reason, HRP_VGMP_REASON_PRIORITY);
	assert_int_equal(vgmp_next_deadline(v), t0 + 6100);
	run_until(t0 + 6100);
	assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 4);

	/* Acked, but the peer never announces active: given up after the handover timeout. */
	ack.request_id = 4;
	vgmp_request_received(v, &ack, S.now);
	assert_int_equal(v->ho.result, VGMP_REQ_ACKED);
	vgmp_request_received(v, &ack, S.now); /* a second ack is stale */
	assert_int_equal(v->c.answers_stale, 2);
	assert_int_equal(vgmp_next_deadline(v), t0 + 6100 + 3000);
	run_until(t0 + 9100);
	assert_int_equal(v->c.handover_timeouts, 1);
	assert_int_equal(v->ho.result, VGMP_REQ_PENDING); /* the next one is already out... */
	assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 5);
	/* ...and this time the peer goes active before its ack arrives: we let go all the same. */
	fake_peer(VGMP_STATE_ACTIVE, 45000, HRP_VGMP_R_STANDBY_DEVICE);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(v->reason, VGMP_REASON_HANDED_OVER);
	assert_int_equal(v->ho.result, VGMP_REQ_DONE);
	assert_int_equal(v->c.requests_sent, 5);

	/* The peer dies mid-request: aborted, we take over. */
	solo();
	eth1 = add_tracker(A, "eth1");
	fake_peer(VGMP_STATE_STANDBY, 45000, 0);
	vgmp_tracker_set(v, eth1, VGMP_OBJ_DOWN, S.now);
	assert_true(v->ho.giving);
	vgmp_peer_down(v, S.now);
	assert_int_equal(v->ho.result, VGMP_REQ_ABORTED);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(v->reason, VGMP_REASON_PEER_DEAD);
}

/* A release the peer never answers (it does not take over): at the handover timeout the
 * election runs again and the role comes back, rather than stay with nobody; a dead peer ends
 * it at once. The calls that fail fast. */
static void test_release_not_taken(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	assert_int_equal(vgmp_admin_release(v, S.now), -EPERM); /* initialize */
	fake_peer(VGMP_STATE_STANDBY, 45000, HRP_VGMP_R_STANDBY_DEVICE);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(vgmp_freeze(v, true, S.now), 0);
	assert_int_equal(vgmp_admin_release(v, S.now), -EBUSY);
	assert_int_equal(vgmp_freeze(v, false, S.now), 0);

	uint64_t t0 = S.now;
	assert_int_equal(vgmp_admin_release(v, S.now), 0);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(S.b[A].roles, VGMP_STATE_STANDBY);
	assert_int_equal(vgmp_next_deadline(v), t0 + S.b[A].p.handover_timeout_ms);
	run_until(t0 + 10);
	fake_peer(VGMP_STATE_STANDBY, 45000, HRP_VGMP_R_STANDBY_DEVICE); /* heard us, stays */
	assert_int_equal(v->reason, VGMP_REASON_RELEASED);
	run_until(t0 + S.b[A].p.handover_timeout_ms - 1);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	run_until(t0 + S.b[A].p.handover_timeout_ms);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(v->ho.result, VGMP_REQ_ABORTED);
	assert_false(v->ho.yielded);

	/* Past the timeout with no word from the peer since the release: it may have taken over
	 * unheard, so no role is taken back on a stale view; its next hello decides. */
	run_until(S.now + 100);
	t0 = S.now;
	assert_int_equal(vgmp_admin_release(v, S.now), 0);
	run_until(t0 + 3 * S.b[A].p.handover_timeout_ms);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_true(v->ho.releasing);
	assert_int_equal(vgmp_next_deadline(v) > S.now, true); /* no busy re-check */
	fake_peer(VGMP_STATE_ACTIVE, 45000, HRP_VGMP_R_STANDBY_DEVICE);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(v->ho.result, VGMP_REQ_DONE);
	assert_true(v->ho.yielded);
	fake_peer(VGMP_STATE_STANDBY, 45000, HRP_VGMP_R_STANDBY_DEVICE); /* back as before */
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);

	/* The peer falls silent during a release while its adverts are heard (a loaded box that
	 * took over): we stay standby, and when it is heard again, active, we do not preempt it. */
	run_until(S.now + 100);
	assert_int_equal(vgmp_admin_release(v, S.now), 0);
	assert_int_equal(vgmp_set_peer_adverts(v, true, S.now), 0);
	vgmp_peer_down(v, S.now);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(v->reason, VGMP_REASON_SPLIT_BRAIN);
	assert_int_equal(v->ho.result, VGMP_REQ_ABORTED);
	assert_false(v->ho.releasing);
	fake_peer(VGMP_STATE_ACTIVE, 45000, HRP_VGMP_R_STANDBY_DEVICE);
	run_until(S.now + 120000); /* past any preempt delay */
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(v->reason, VGMP_REASON_YIELDED);

	/* The peer dies during a release, its adverts gone too: active at once. */
	fake_peer(VGMP_STATE_STANDBY, 45000, HRP_VGMP_R_STANDBY_DEVICE);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(vgmp_set_peer_adverts(v, false, S.now), 0);
	assert_int_equal(vgmp_admin_release(v, S.now), 0);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	vgmp_peer_down(v, S.now);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_false(v->ho.releasing);
	assert_int_equal(vgmp_admin_release(v, S.now), -ENOTCONN);
}

/* Our payload's handover bits. */
static uint32_t ho_bits(void)
{
	struct hrp_vgmp pl;
	vgmp_payload(&S.b[A].v, &pl);
	return pl.readiness & (VGMP_R_HANDED_OVER | VGMP_R_YIELDED);
}

/* VGMP_R_HANDED_OVER while we hold the role the peer handed us (its operator's request, its
 * release), not after a fault request nor any other way to active, gone when we leave active;
 * VGMP_R_YIELDED while we keep to a handover of ours (and while we release), gone at the undo
 * with a hello at once. */
static void test_handover_bits(void **state)
{
	const uint32_t sync = HRP_VGMP_R_SESSIONS_SYNCED, sd = HRP_VGMP_R_STANDBY_DEVICE;
	struct vgmp_request r = { .kind = VGMP_MSG_SWITCHOVER,
				  .request_id = 1,
				  .reason = HRP_VGMP_REASON_ADMIN,
				  .has_priority = true,
				  .priority = 45000,
				  .has_state = true,
				  .state = VGMP_STATE_STANDBY };
	/* Taken at the peer's operator request. */
	solo();
	struct vgmp *v = &S.b[A].v;
	assert_int_equal(vgmp_set_ready(v, true, S.now), 0);
	fake_peer(VGMP_STATE_ACTIVE, 45000, sync);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(ho_bits(), 0);
	assert_int_equal(vgmp_request_received(v, &r, S.now), 0);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(ho_bits(), VGMP_R_HANDED_OVER);
	fake_peer(VGMP_STATE_STANDBY, 45000, sync | VGMP_R_YIELDED); /* it let go */
	assert_int_equal(ho_bits(), VGMP_R_HANDED_OVER);
	/* The peer preempts after its undo (no VGMP_R_YIELDED): rank, and the bit goes. */
	fake_peer(VGMP_STATE_ACTIVE, 45002, sync);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(ho_bits(), 0);

	/* Taken at a fault request: no handover. */
	solo();
	assert_int_equal(vgmp_set_ready(v, true, S.now), 0);
	fake_peer(VGMP_STATE_ACTIVE, 45000, sync);
	r.reason = HRP_VGMP_REASON_FAULT;
	r.priority = 44998;
	assert_int_equal(vgmp_request_received(v, &r, S.now), 0);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(ho_bits(), 0);

	/* Released to us: the peer standby at priority 0, keeping to it. */
	solo();
	fake_peer(VGMP_STATE_ACTIVE, 45000, sync);
	fake_peer(VGMP_STATE_STANDBY, 0, VGMP_R_YIELDED);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(ho_bits(), VGMP_R_HANDED_OVER);
	/* A peer at priority 0 by its trackers (no VGMP_R_YIELDED) released nothing. */
	solo();
	fake_peer(VGMP_STATE_ACTIVE, 45000, sync);
	fake_peer(VGMP_STATE_STANDBY, 0, sync);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(ho_bits(), 0);

	/* Ours: the operator's switchover done, we keep to it; the undo says so at once. */
	solo();
	fake_peer(VGMP_STATE_STANDBY, 45000, sync | sd);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(vgmp_admin_switchover(v, S.now), 0);
	fake_peer(VGMP_STATE_ACTIVE, 45000, sync | sd | VGMP_R_HANDED_OVER);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(ho_bits(), VGMP_R_YIELDED);
	unsigned hellos = S.b[A].hellos;
	assert_int_equal(vgmp_admin_resume(v, S.now), 0);
	assert_int_equal(ho_bits(), 0);
	assert_int_equal(S.b[A].hellos, hellos + 1);
	/* A release: said while it runs, and kept once the peer took over. */
	solo();
	fake_peer(VGMP_STATE_STANDBY, 45000, sync | sd);
	assert_int_equal(vgmp_admin_release(v, S.now), 0);
	assert_int_equal(ho_bits(), VGMP_R_YIELDED);
	fake_peer(VGMP_STATE_ACTIVE, 45000, sync | sd | VGMP_R_HANDED_OVER);
	assert_true(v->ho.yielded);
	assert_int_equal(ho_bits(), VGMP_R_YIELDED);
	/* hrp disable and enable: a fresh start, no handover. */
	assert_int_equal(vgmp_set_enabled(v, false, S.now), 0);
	assert_int_equal(ho_bits(), 0);
}

/* A peer that holds the role we handed it (VGMP_R_HANDED_OVER) is not taken as dead on a silent
 * spell, however long after the handover, up to a handover timeout of silence; if it is and
 * comes back holding the role, we step back. An older peer's payload (no bit) reads as "not
 * handed over": taken at the usual three hellos once the first handover timeout has passed. */
static void test_silent_hold_handed(void **state)
{
	const uint32_t sync = HRP_VGMP_R_SESSIONS_SYNCED, sd = HRP_VGMP_R_STANDBY_DEVICE;
	solo();
	struct vgmp *v = &S.b[A].v;
	v->p.silent_takeover_ms = 30;
	uint32_t hold = v->p.handover_timeout_ms;
	fake_peer(VGMP_STATE_STANDBY, 45000, sync | sd);
	assert_int_equal(vgmp_admin_switchover(v, S.now), 0);
	fake_peer(VGMP_STATE_ACTIVE, 45000, sync | sd | VGMP_R_HANDED_OVER);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	run_until(S.now + 10 * hold); /* long past the handover */
	assert_int_equal(vgmp_set_peer_adverts(v, false, S.now), 0);
	assert_int_equal(vgmp_peer_silent(v, 40, S.now), 0);
	assert_int_equal(vgmp_peer_silent(v, hold - 1, S.now), 0);
	assert_int_equal(v->c.silent_held, 2);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(vgmp_peer_silent(v, hold, S.now), 1);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(v->reason, VGMP_REASON_PEER_SILENT);
	assert_true(v->ho.yielded);
	assert_int_equal(ho_bits(), VGMP_R_YIELDED);
	/* It was only slow and holds the role: we step back (we outrank it otherwise). */
	S.now += 5;
	fake_peer(VGMP_STATE_ACTIVE, 45000, sync | sd | VGMP_R_HANDED_OVER);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(v->reason, VGMP_REASON_PEER_HANDED);
	assert_int_equal(v->c.handover_stepbacks, 1);

	/* An older peer, the same switchover: its payload has no bit. */
	solo();
	v->p.silent_takeover_ms = 30;
	fake_peer(VGMP_STATE_STANDBY, 45000, sync | sd);
	assert_int_equal(vgmp_admin_switchover(v, S.now), 0);
	fake_peer(VGMP_STATE_ACTIVE, 45000, sync | sd);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_false(v->peer.readiness & VGMP_R_HANDED_OVER);
	run_until(S.now + 10 * hold);
	assert_int_equal(vgmp_set_peer_adverts(v, false, S.now), 0);
	assert_int_equal(vgmp_peer_silent(v, 40, S.now), 1);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	/* ...and a dual-active with it goes by rank, as before: we outrank the standby device. */
	S.now += 5;
	fake_peer(VGMP_STATE_ACTIVE, 45000, sync | sd);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(v->c.handover_stepbacks, 0);
}

/* Alone at startup with the peer's adverts heard: do not go active. */
static void test_startup_split_guard(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	assert_int_equal(vgmp_set_peer_adverts(v, true, S.now), 0);
	assert_int_equal(vgmp_next_deadline(v), 3000);
	run_until(5000);
	assert_int_equal(v->state, VGMP_STATE_INITIALIZE);
	assert_int_equal(v->reason, VGMP_REASON_SPLIT_BRAIN);
	vgmp_set_peer_adverts(v, false, S.now);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(v->reason, VGMP_REASON_NO_PEER);
	/* The input is kept across hrp disable / enable. */
	vgmp_set_peer_adverts(v, true, S.now);
	vgmp_set_enabled(v, false, S.now);
	vgmp_set_enabled(v, true, S.now);
	run_until(S.now + 3000);
	assert_int_equal(v->state, VGMP_STATE_INITIALIZE);
}

static void test_trackers_through_fsm(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	fake_peer(VGMP_STATE_STANDBY, 45000, HRP_VGMP_R_STANDBY_DEVICE);
	int eth1 = add_tracker(A, "eth1");
	struct vgmp_tracker_params tp = { .hold_down_ms = 500 };
	snprintf(tp.name, sizeof(tp.name), "bfd 1");
	int bfd = vgmp_tracker_add(v, &tp, S.now);
	assert_true(bfd >= 0);
	assert_int_equal(vgmp_tracker_add(v, &tp, S.now), -EEXIST);
	assert_int_equal(vgmp_tracker_set(v, 42, VGMP_OBJ_DOWN, S.now), -ENOENT);
	assert_int_equal(vgmp_tracker_remove(v, 42, S.now), -ENOENT);

	/* A priority change is sent at once; a report that changes nothing is not. */
	unsigned hellos = S.b[A].hellos;
	vgmp_tracker_set(v, eth1, VGMP_OBJ_UP, S.now);
	assert_int_equal(S.b[A].hellos, hellos);
	vgmp_tracker_set(v, bfd, VGMP_OBJ_DOWN, S.now); /* held down */
	assert_int_equal(S.b[A].hellos, hellos);
	assert_int_equal(vgmp_next_deadline(v), S.now + 500);
	run_until(S.now + 500);
	assert_int_equal(vgmp_priority(v), 44998);
	assert_true(vgmp_degraded(v));
	assert_int_equal(S.b[A].hellos, hellos + 1);
	const struct vgmp_ledger_entry *e = vgmp_ledger_get(&v->track, 0);
	assert_string_equal(e->name, "bfd 1");
	assert_int_equal(e->time_ms, S.now);
	/* Equal base, fw1 is the peer's better only by standby-device: still the active. */
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	/* Removing it gives the priority back and is sent. */
	assert_int_equal(vgmp_tracker_remove(v, bfd, S.now), 0);
	assert_int_equal(vgmp_priority(v), 45000);
	assert_int_equal(S.b[A].hellos, hellos + 2);
	assert_int_equal(vgmp_ledger_get(&v->track, 0)->cause, VGMP_LEDGER_REMOVED);

	/* Reconfigure: the base goes through the ledger and is sent. */
	struct vgmp_params p = S.b[A].p;
	p.priority = 45002;
	assert_int_equal(vgmp_set_params(v, &p, S.now), 0);
	assert_int_equal(vgmp_priority(v), 45002);
	assert_int_equal(vgmp_ledger_get(&v->track, 0)->cause, VGMP_LEDGER_BASE);
	assert_int_equal(S.b[A].hellos, hellos + 3);
	p.request_timeout_ms = 0;
	assert_int_equal(vgmp_set_params(v, &p, S.now), -EINVAL);
}

static void test_payload(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	struct hrp_vgmp pl;
	vgmp_payload(v, &pl);
	assert_int_equal(pl.priority, 45000);
	assert_int_equal(pl.state, HRP_VGMP_INITIALIZE);
	assert_int_equal(pl.readiness, HRP_VGMP_R_PREEMPT);
	assert_true(pl.has_mode);
	assert_int_equal(pl.mode, HRP_VGMP_MODE_ACTIVE_STANDBY);
	assert_false(pl.has_config_digest || pl.has_session_digest);

	S.b[A].p.standby_device = true;
	S.b[A].p.preempt = false;
	S.b[A].p.mode = HS_MODE_LOAD_SHARING;
	sim_init(A);
	sim_enable(A);
	unsigned hellos = S.b[A].hellos;
	vgmp_set_ready(v, true, S.now);
	assert_int_equal(S.b[A].hellos, hellos + 1);
	vgmp_set_ready(v, true, S.now); /* no change, no hello */
	assert_int_equal(S.b[A].hellos, hellos + 1);
	vgmp_freeze(v, true, S.now);
	run_until(3000);
	vgmp_payload(v, &pl);
	assert_int_equal(pl.state, HRP_VGMP_ACTIVE);
	assert_int_equal(pl.readiness,
			 HRP_VGMP_R_SESSIONS_SYNCED | HRP_VGMP_R_STANDBY_DEVICE | VGMP_R_FROZEN);
	assert_int_equal(pl.mode, HRP_VGMP_MODE_LOAD_SHARING);
	/* Unknown readiness bits from the peer are ignored; an unknown state reads initialize. */
	struct hrp_vgmp odd = peer_payload(VGMP_STATE_ACTIVE, 45000, 0xffff0000u);
	odd.state = 77;
	vgmp_peer_update(v, &odd, NULL, S.now);
	assert_int_equal(v->peer.state, VGMP_STATE_INITIALIZE);
	assert_string_equal(v->peer.name, "");
}

static void test_history(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	assert_int_equal(vgmp_history_count(v), 0);
	assert_null(vgmp_history_get(v, 0));
	run_until(3000);
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	const struct vgmp_change *c = vgmp_history_get(v, 0);
	assert_int_equal(c->old_state, VGMP_STATE_ACTIVE);
	assert_int_equal(c->new_state, VGMP_STATE_STANDBY);
	assert_int_equal(c->why, VGMP_REASON_LOWER_PRIORITY);
	assert_int_equal(c->ev, VGMP_EV_PEER_UPDATE);
	assert_int_equal(c->priority, 45000);
	assert_int_equal(c->peer_priority, 45002);
	c = vgmp_history_get(v, 1);
	assert_int_equal(c->new_state, VGMP_STATE_ACTIVE);
	assert_int_equal(c->why, VGMP_REASON_NO_PEER);
	assert_int_equal(c->ev, VGMP_EV_TICK);
	assert_int_equal(c->time_ms, 3000);
	for (int i = 0; i < 20; i++) {
		vgmp_peer_down(v, S.now);
		fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	}
	assert_int_equal(vgmp_history_count(v), VGMP_HISTORY_MAX);
	assert_int_equal(v->c.transitions, 42);
	assert_int_equal(vgmp_history_get(v, 0)->new_state, VGMP_STATE_STANDBY);
	assert_int_equal(vgmp_history_get(v, 1)->new_state, VGMP_STATE_ACTIVE);
	assert_null(vgmp_history_get(v, VGMP_HISTORY_MAX));
}

/* The faster take-over of a dead box: master-down (adverts gone) and three hellos missed. */
static void test_silent_takeover(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	v->p.silent_takeover_ms = 30; /* 10 ms hellos */
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);

	/* The peer's adverts are still heard: hrpd's silence alone proves nothing. */
	assert_int_equal(vgmp_set_peer_adverts(v, true, S.now), 0);
	assert_int_equal(vgmp_peer_silent(v, 1000, S.now), 0);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	/* Adverts gone, but hellos missed for less than three intervals. */
	assert_int_equal(vgmp_set_peer_adverts(v, false, S.now), 0);
	assert_int_equal(vgmp_peer_silent(v, 29, S.now), 0);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(v->peer.status, VGMP_PEER_ALIVE);
	/* Both silent long enough: active at once, and says why. */
	assert_int_equal(vgmp_peer_silent(v, 30, S.now), 1);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(v->reason, VGMP_REASON_PEER_SILENT);
	assert_int_equal(vgmp_history_get(v, 0)->new_state, VGMP_STATE_ACTIVE);
	assert_int_equal(vgmp_history_get(v, 0)->why, VGMP_REASON_PEER_SILENT);
	assert_int_equal(v->c.silent_takeovers, 1);
	/* Not twice: the peer is no longer alive. */
	assert_int_equal(vgmp_peer_silent(v, 60, S.now), 0);
	assert_int_equal(v->c.silent_takeovers, 1);
	/* hrpd confirms: the reason becomes hrpd's. */
	S.now += 60;
	assert_int_equal(vgmp_peer_down(v, S.now), 0);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(v->reason, VGMP_REASON_PEER_DEAD);
	assert_false(v->peer.silent);

	/* A peer that was only slow: its next payload makes it alive, and it outranks us. */
	solo();
	v = &S.b[A].v;
	v->p.silent_takeover_ms = 30;
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	vgmp_set_peer_adverts(v, false, S.now);
	assert_int_equal(vgmp_peer_silent(v, 40, S.now), 1);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	S.now += 10;
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	assert_int_equal(v->peer.status, VGMP_PEER_ALIVE);
	assert_false(v->peer.silent);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);

	/* Off: never. */
	solo();
	v = &S.b[A].v;
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	vgmp_set_peer_adverts(v, false, S.now);
	assert_int_equal(vgmp_peer_silent(v, 100000, S.now), 0);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(vgmp_peer_silent(NULL, 0, 0), -EINVAL);
}

static void test_init_and_config(void **state)
{
	struct vgmp v;
	struct vgmp_params p = default_params("fw1");
	assert_int_equal(vgmp_init(&v, &p, &ops, NULL), 0);
	assert_int_equal(v.state, VGMP_STATE_INITIALIZE);
	assert_false(v.enabled);
	assert_int_equal(vgmp_next_deadline(&v), VGMP_NEVER);
	assert_int_equal(vgmp_init(NULL, &p, &ops, NULL), -EINVAL);
	assert_int_equal(vgmp_init(&v, NULL, &ops, NULL), -EINVAL);
	assert_int_equal(vgmp_init(&v, &p, NULL, NULL), -EINVAL);
	struct vgmp_ops missing = ops;
	missing.reannounce = NULL;
	assert_int_equal(vgmp_init(&v, &p, &missing, NULL), -EINVAL);
	struct vgmp_params bad = p;
	bad.priority = 0;
	assert_int_equal(vgmp_init(&v, &bad, &ops, NULL), -EINVAL);
	bad = p;
	bad.mode = HS_MODE_MAX;
	assert_int_equal(vgmp_init(&v, &bad, &ops, NULL), -EINVAL);
	bad = p;
	bad.handover_timeout_ms = 0;
	assert_int_equal(vgmp_init(&v, &bad, &ops, NULL), -EINVAL);
	bad = p;
	memset(bad.name, 'x', sizeof(bad.name));
	assert_int_equal(vgmp_init(&v, &bad, &ops, NULL), -EINVAL);
	assert_int_equal(vgmp_tick(NULL, 0), -EINVAL);
	assert_int_equal(vgmp_peer_update(&v, NULL, "x", 0), -EINVAL);
	struct vgmp_request r = { .kind = VGMP_MSG_MAX };
	assert_int_equal(vgmp_request_received(&v, &r, 0), -EINVAL);

	struct hs_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.global.name, sizeof(cfg.global.name), "fw2");
	cfg.vgmpd = (struct hs_vgmpd_config){ .priority = 45000,
					      .fault_penalty = 2,
					      .mode = HS_MODE_LOAD_SHARING,
					      .standby_device = true,
					      .preempt = true,
					      .preempt_delay_s = 60 };
	cfg.vgmpd.ospf_cost.enable = true;
	cfg.hrpd.hello_interval_ms = 1000;
	cfg.hrpd.dead_count = 5;
	struct vgmp_params out;
	assert_int_equal(vgmp_params_from_config(&cfg, &out), 0);
	assert_int_equal(out.priority, 45000);
	assert_int_equal(out.fault_penalty, 2);
	assert_int_equal(out.mode, HS_MODE_LOAD_SHARING);
	assert_true(out.standby_device);
	assert_true(out.preempt);
	assert_int_equal(out.preempt_delay_ms, 60000);
	assert_int_equal(out.startup_wait_ms, 5000);
	assert_int_equal(out.request_timeout_ms, 2000);
	assert_int_equal(out.handover_timeout_ms, 5000);
	assert_true(out.ospf_cost);
	assert_int_equal(out.ospf_min_interval_ms, 1000);
	assert_int_equal(out.silent_takeover_ms, 0); /* fast_takeover off */
	assert_string_equal(out.name, "fw2");
	cfg.vgmpd.fast_takeover = true;
	assert_int_equal(vgmp_params_from_config(&cfg, &out), 0);
	assert_int_equal(out.silent_takeover_ms, 3000); /* three hellos */
	/* At 10 ms hellos the handshake's timeouts keep their floors: a loaded box stalls longer
	 * than two hellos or the dead time. */
	cfg.hrpd.hello_interval_ms = 10;
	assert_int_equal(vgmp_params_from_config(&cfg, &out), 0);
	assert_int_equal(out.request_timeout_ms, VGMP_REQUEST_TIMEOUT_MIN_MS);
	assert_int_equal(out.handover_timeout_ms, VGMP_HANDOVER_TIMEOUT_MIN_MS);
	assert_int_equal(out.startup_wait_ms, 50); /* the dead time itself is hrpd's */
	assert_int_equal(out.silent_takeover_ms, 30);
	cfg.hrpd.hello_interval_ms = 1000;
	assert_int_equal(vgmp_params_from_config(&cfg, &out), 0);
	assert_int_equal(vgmp_init(&v, &out, &ops, NULL), 0);
	cfg.vgmpd.priority = 0;
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(vgmp_params_from_config(&cfg, &out), -EINVAL);
	assert_int_equal(out.priority, 0x5a5a); /* untouched */
	cfg.vgmpd.priority = 45000;
	cfg.hrpd.dead_count = 0;
	assert_int_equal(vgmp_params_from_config(&cfg, &out), -EINVAL);
	assert_int_equal(vgmp_params_from_config(NULL, &out), -EINVAL);
}

static void test_names(void **state)
{
	for (int i = 0; i < VGMP_REASON_MAX; i++)
		assert_string_not_equal(vgmp_reason_name((enum vgmp_reason)i), "?");
	for (int i = 0; i < VGMP_EV_MAX; i++)
		assert_string_not_equal(vgmp_event_name((enum vgmp_event)i), "?");
	for (int i = 0; i < VGMP_MSG_MAX; i++)
		assert_string_not_equal(vgmp_msg_name((enum vgmp_msg)i), "?");
	for (int i = 0; i < VGMP_PEER_STATUS_MAX; i++)
		assert_string_not_equal(vgmp_peer_status_name((enum vgmp_peer_status)i), "?");
	for (int i = 0; i < VGMP_REQ_RESULT_MAX; i++)
		assert_string_not_equal(vgmp_req_result_name((enum vgmp_req_result)i), "?");
	assert_string_equal(vgmp_reason_name(VGMP_REASON_PEER_DEAD), "peer dead");
	assert_string_equal(vgmp_reason_name(VGMP_REASON_SPLIT_BRAIN),
			    "split brain: peer still advertises");
	assert_string_equal(vgmp_reason_name(VGMP_REASON_MAX), "?");
	assert_string_equal(vgmp_event_name(VGMP_EV_INVALID), "?");
	assert_string_equal(vgmp_msg_name(VGMP_MSG_NACK), "nack");
	assert_string_equal(vgmp_req_result_name(VGMP_REQ_RESULT_MAX), "?");
	/* The readiness bit we add does not collide with the wire's. */
	assert_int_equal(VGMP_R_FROZEN & (HRP_VGMP_R_SESSIONS_SYNCED | HRP_VGMP_R_CONFIG_SYNCED |
					  HRP_VGMP_R_PREEMPT | HRP_VGMP_R_STANDBY_DEVICE),
			 0);
	assert_string_equal(vgmp_reason_name(VGMP_REASON_PEER_HANDED),
			    "peer holds the role by handover");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_answers),
		cmocka_unit_test(test_request_numbered_late),
		cmocka_unit_test(test_request_timed_out_peer_took_over),
		cmocka_unit_test(test_request_giving),
		cmocka_unit_test(test_release_not_taken),
		cmocka_unit_test(test_handover_bits),
		cmocka_unit_test(test_silent_hold_handed),
		cmocka_unit_test(test_startup_split_guard),
		cmocka_unit_test(test_trackers_through_fsm),
		cmocka_unit_test(test_payload),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_silent_takeover),
		cmocka_unit_test(test_init_and_config),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
