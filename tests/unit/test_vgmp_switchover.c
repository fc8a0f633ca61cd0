/* The operator's actions on two simulated boxes (vgmp_sim.h: the wiring, the delay pairs and the
 * invariants checked throughout): hrp switchover (a late ack, a slow pair, a refusal), the
 * handover that follows it at 10 ms hellos (the new active stalls, dies or is frozen; the old
 * active stalls; the undo; a priority dip), hrp release, and freeze in both modes. The election
 * itself is in test_vgmp_fsm.c. */
#include "vgmp_sim.h"

/* hrp switchover: the new active takes over before the old lets go; the handover sticks. Asked
 * at 9990 so that the old active's periodic hello of 10000, still saying active, reaches the new
 * one after it took over (the window the take-over must survive). */
static void test_admin_switchover(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		for (int sd = 0; sd < 2; sd++) {
			sim_setup(delays[d][0], delays[d][1]);
			uint32_t ab = S.b[A].delay, ba = S.b[B].delay;
			S.b[B].p.standby_device = sd; /* else: equal rank, fw1 by name */
			sim_start_both(false);
			set_ready(A);
			set_ready(B);
			run_until(9990);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			assert_int_equal(vgmp_admin_switchover(&S.b[B].v, S.now), -EPERM);

			assert_int_equal(vgmp_admin_switchover(&S.b[A].v, S.now), 0);
			assert_int_equal(vgmp_admin_switchover(&S.b[A].v, S.now), -EALREADY);
			assert_int_equal(S.b[A].last_sent.reason, HRP_VGMP_REASON_ADMIN);
			assert_int_equal(S.b[A].v.ho.result, VGMP_REQ_PENDING);
			settle();
			run_until(9990 + ab + ba + 1);
			assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
			assert_int_equal(S.b[B].active_at, 9990 + ab);
			assert_int_equal(S.b[A].standby_at, 9990 + ab + ba);
			assert_int_equal(vgmp_history_get(&S.b[B].v, 0)->why,
					 VGMP_REASON_SWITCHOVER_ADMIN);
			assert_int_equal(vgmp_history_get(&S.b[A].v, 0)->why,
					 VGMP_REASON_HANDED_OVER);
			assert_int_equal(S.b[A].v.ho.result, VGMP_REQ_DONE);
			assert_true(S.b[A].v.ho.yielded);
			assert_int_equal(S.b[B].v.c.entered[VGMP_STATE_STANDBY], 1); /* no bounce */

			/* It sticks: with fw1 outranking (fw2 the standby device) fw1 would
			 * preempt, but not back after an operator's switchover. */
			run_until(300000);
			assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
			assert_int_equal(S.b[A].v.reason,
					 sd ? VGMP_REASON_YIELDED : VGMP_REASON_PEER_ACTIVE);
			assert_int_equal(S.b[B].v.c.entered[VGMP_STATE_STANDBY], 1);

			if (sd) {
				/* undo hrp switchover: fw1 preempts again, the delay counting from
				 * the resume. */
				assert_int_equal(vgmp_admin_resume(&S.b[A].v, S.now), 0);
				assert_int_equal(vgmp_admin_resume(&S.b[A].v, S.now), -EALREADY);
				assert_int_equal(S.b[A].v.reason, VGMP_REASON_PREEMPT_DELAY);
				assert_int_equal(vgmp_next_deadline(&S.b[A].v), 360000);
				run_until(360000 + ab + 1);
				assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
				assert_int_equal(S.b[A].active_at, 360000);
				continue;
			}

			/* And back by the operator on fw2. */
			assert_int_equal(vgmp_admin_switchover(&S.b[B].v, S.now), 0);
			settle();
			run_until(300000 + ab + ba + 1);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			assert_false(S.b[A].v.ho.yielded);
			run_until(400000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		}
	}
}

/* The ack comes after our request timed out (a loaded box): the peer has taken over, so we let
 * go and the operator's switchover holds; before, both stayed active for the handover timeout
 * and fw1 took the role back. */
static void test_admin_switchover_late_ack(void **state)
{
	sim_setup(25, 25);
	S.b[B].p.standby_device = true;
	S.b[A].p.request_timeout_ms = 30; /* the ack is due after 50 ms */
	sim_start_both(false);
	set_ready(A);
	set_ready(B);
	run_until(9990);
	assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
	assert_int_equal(vgmp_admin_switchover(&S.b[A].v, S.now), 0);
	settle();
	run_until(9990 + 31);
	assert_int_equal(S.b[A].v.ho.result, VGMP_REQ_TIMEOUT);
	run_until(9990 + 200);
	assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
	assert_int_equal(S.b[A].v.c.late_acks, 1);
	assert_int_equal(vgmp_history_get(&S.b[A].v, 0)->why, VGMP_REASON_HANDED_OVER);
	assert_true(S.b[A].v.ho.yielded);
	run_until(300000); /* fw1 outranks fw2 (the standby device) but does not preempt back */
	assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
	assert_int_equal(S.b[A].v.reason, VGMP_REASON_YIELDED);
	assert_int_equal(S.b[B].v.c.entered[VGMP_STATE_STANDBY], 1);
}

/* A switchover at 10 ms hellos between loaded boxes (40 ms per message flight): the handshake's
 * timeouts from the config keep their floors, so fw2's take-over outlasts the round trip of
 * fw1's letting go and nobody bounces. With two hellos (20 ms) and the dead time (50 ms) fw2
 * gave up its take-over before it heard fw1 let go, went back to standby, and the pair fought
 * for the role (the lab lost 36 probe packets at a load average of 6). */
static void test_admin_switchover_slow_pair(void **state)
{
	struct hs_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.vgmpd = (struct hs_vgmpd_config){
		.priority = 45000, .fault_penalty = 2, .preempt = true, .preempt_delay_s = 60
	};
	cfg.hrpd.hello_interval_ms = 10;
	cfg.hrpd.dead_count = 5;
	sim_setup(40, 40);
	S.hello_ms = 10;
	S.dead_ms = 50;
	for (int i = 0; i < 2; i++) {
		snprintf(cfg.global.name, sizeof(cfg.global.name), "%s", i == A ? "fw1" : "fw2");
		cfg.vgmpd.standby_device = i == B;
		assert_int_equal(vgmp_params_from_config(&cfg, &S.b[i].p), 0);
	}
	sim_start_both(false);
	set_ready(A);
	set_ready(B);
	run_until(9990);
	assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
	assert_int_equal(vgmp_admin_switchover(&S.b[A].v, S.now), 0);
	settle();
	run_until(9990 + 40 + 40 + 1);
	assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
	assert_int_equal(S.b[A].v.ho.result, VGMP_REQ_DONE);
	run_until(20000);
	assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
	assert_int_equal(S.b[B].v.c.entered[VGMP_STATE_STANDBY], 1); /* no bounce */
	assert_int_equal(S.b[A].v.c.entered[VGMP_STATE_ACTIVE], 1);
	assert_int_equal(S.b[B].v.c.handover_timeouts, 0);
}

/* A planned switchover at 10 ms hellos (the config's timeouts: a handover timeout of 1 s, the
 * silent take-over at 30 ms), fw2 the standby device so that rank alone would give fw1 the role
 * back. Once it is done both payloads say so (fw2 VGMP_R_HANDED_OVER, fw1 VGMP_R_YIELDED); run
 * on to 15000, well past the first handover timeout. */
static void switched_slow_pair(size_t d)
{
	struct hs_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.vgmpd = (struct hs_vgmpd_config){ .priority = 45000,
					      .fault_penalty = 2,
					      .preempt = true,
					      .preempt_delay_s = 60,
					      .fast_takeover = true };
	cfg.hrpd.hello_interval_ms = 10;
	cfg.hrpd.dead_count = 5;
	sim_setup(delays[d][0], delays[d][1]);
	S.hello_ms = 10;
	S.dead_ms = 50;
	S.dual_max = S.hello_ms + 2 * (uint32_t)dmax() + 1;
	for (int i = 0; i < 2; i++) {
		snprintf(cfg.global.name, sizeof(cfg.global.name), "%s", i == A ? "fw1" : "fw2");
		cfg.vgmpd.standby_device = i == B;
		assert_int_equal(vgmp_params_from_config(&cfg, &S.b[i].p), 0);
	}
	assert_int_equal(S.b[A].p.silent_takeover_ms, 30);
	sim_start_both(false);
	set_ready(A);
	set_ready(B);
	run_until(9990);
	assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
	assert_int_equal(vgmp_admin_switchover(&S.b[A].v, S.now), 0);
	settle();
	run_until(15000);
	assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
	struct hrp_vgmp pa, pb;
	vgmp_payload(&S.b[A].v, &pa);
	vgmp_payload(&S.b[B].v, &pb);
	assert_int_equal(pa.readiness & (VGMP_R_HANDED_OVER | VGMP_R_YIELDED), VGMP_R_YIELDED);
	assert_int_equal(pb.readiness & (VGMP_R_HANDED_OVER | VGMP_R_YIELDED), VGMP_R_HANDED_OVER);
	assert_true(S.b[A].v.peer.readiness & VGMP_R_HANDED_OVER);
}

/* A box frozen for a while (a loaded machine): it neither sends nor hears, its timers wait. */
static void stall(int i, bool on)
{
	S.b[i].running = !on;
}

/* After a planned switchover the new active stalls (40 ms at 10 ms hellos, its adverts and
 * hellos gone): the old active's fast take-over does not take it as dead, because its last
 * payload says it holds the role by handover. Without the bit fw1 took the role back (peer
 * silent), and when fw2 spoke again the pair fought by rank and fw1, outranking the standby
 * device, kept it: the switchover undone and packets lost (issue 6). */
static void test_switchover_stall_no_fight(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		switched_slow_pair(d);
		struct vgmp *fw1 = &S.b[A].v;
		stall(B, true);
		run_until(15040);
		assert_int_equal(vgmp_set_peer_adverts(fw1, false, S.now), 0); /* master-down */
		assert_int_equal(vgmp_peer_silent(fw1, 40, S.now), 0);
		assert_int_equal(fw1->c.silent_held, 1);
		assert_int_equal(fw1->c.silent_takeovers, 0);
		assert_int_equal(fw1->state, VGMP_STATE_STANDBY);
		stall(B, false);
		run_until(20000);
		assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
		assert_int_equal(fw1->c.entered[VGMP_STATE_ACTIVE], 1); /* at the start only */
		assert_int_equal(S.b[B].v.c.entered[VGMP_STATE_STANDBY], 1);
	}
}

/* The same, but the new active is gone for good: hrpd's dead verdict (50 ms) still makes fw1
 * take over, only the 30 ms guess of the silent take-over is held. The peer comes back
 * restarted (no bit): fw1 keeps the role. */
static void test_switchover_peer_dead_taken_over(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		switched_slow_pair(d);
		struct vgmp *fw1 = &S.b[A].v;
		sim_kill(B);
		run_until(15030);
		assert_int_equal(vgmp_set_peer_adverts(fw1, false, S.now), 0);
		assert_int_equal(vgmp_peer_silent(fw1, 30, S.now), 0);
		assert_int_equal(fw1->state, VGMP_STATE_STANDBY);
		run_until(15049);
		assert_int_equal(fw1->state, VGMP_STATE_STANDBY);
		run_until(15050);
		assert_int_equal(fw1->state, VGMP_STATE_ACTIVE);
		assert_int_equal(fw1->reason, VGMP_REASON_PEER_DEAD);
		sim_restart(B);
		run_until(20000);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_false(fw1->ho.yielded); /* the peer restarted: the handover is over */
		assert_int_equal(fw1->c.handover_stepbacks, 0);
	}
}

/* Box i stalls 60 ms into the switched pair; the other one's hrpd declares it dead and the
 * other one is active then. */
static void stalled_then_declared(int i, struct vgmp *declarer)
{
	stall(i, true);
	run_until(15060);
	assert_int_equal(vgmp_peer_down(declarer, S.now), 0);
	assert_int_equal(declarer->state, VGMP_STATE_ACTIVE);
}

/* The old active stalls (200 ms, past the dead time): when it runs again its hrpd declares the
 * peer dead before it reads the peer's hellos, so it takes the role back (peer dead) and
 * announces active; fw2's hrpd has declared it dead meanwhile too. When the two hear each
 * other, the handover decides, not rank: fw1 steps back and fw2 never lets go. Before, fw1
 * outranked the standby device and fw2 stepped down. */
static void test_switchover_stalled_old_active_steps_back(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		switched_slow_pair(d);
		struct vgmp *fw1 = &S.b[A].v, *fw2 = &S.b[B].v;
		stalled_then_declared(A, fw2);
		run_until(15200);
		stall(A, false);
		assert_int_equal(vgmp_peer_down(fw1, S.now), 0);
		assert_int_equal(fw1->state, VGMP_STATE_ACTIVE);
		assert_int_equal(fw1->reason, VGMP_REASON_PEER_DEAD);
		assert_true(fw1->ho.yielded); /* it held the role we handed it: kept */
		settle();
		run_until(16000);
		assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
		assert_int_equal(vgmp_history_get(fw1, 0)->why, VGMP_REASON_PEER_HANDED);
		assert_int_equal(fw1->c.handover_stepbacks, 1);
		assert_int_equal(fw2->c.entered[VGMP_STATE_STANDBY], 1); /* fw2 never let go */
		run_until(100000);
		assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
		assert_int_equal(fw1->reason, VGMP_REASON_YIELDED);
	}
}

/* The new active is frozen for seconds (a box failure it comes back from): hrpd declares it
 * dead, fw1 takes over and runs the traffic and the session table. When fw2 is heard again,
 * long after the verdict, the handover is over: fw2 still says it holds the role by handover,
 * but fw1 no longer keeps to it and keeps the role by rank (fw2 is the standby device), so the
 * box with the newer sessions stays active. Heard again at once (test above), fw1 steps back. */
static void test_switchover_frozen_new_active_loses_handover(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		switched_slow_pair(d);
		struct vgmp *fw1 = &S.b[A].v, *fw2 = &S.b[B].v;
		stalled_then_declared(B, fw1);
		assert_true(fw1->ho.yielded); /* kept until fw2 is heard again */
		run_until(17060); /* frozen 2 s, past the handover timeout (1 s) */
		stall(B, false);
		settle();
		run_until(20000);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_false(fw1->ho.yielded);
		assert_int_equal(fw1->c.handover_stepbacks, 0);
		assert_int_equal(fw1->ho.dead_ms, 0);
		assert_false(fw2->ho.handed);
	}
}

/* undo hrp switchover ends the handover: fw1 preempts and fw2, which held the role by handover,
 * steps down by rank (fw1 no longer says VGMP_R_YIELDED), and loses its VGMP_R_HANDED_OVER. */
static void test_switchover_undo_ends_handover(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		switched_slow_pair(d);
		struct vgmp *fw1 = &S.b[A].v, *fw2 = &S.b[B].v;
		unsigned hellos = S.b[A].hellos;
		assert_int_equal(vgmp_admin_resume(fw1, S.now), 0);
		assert_int_equal(S.b[A].hellos, hellos + 1); /* the bit went: said at once */
		struct hrp_vgmp pl;
		vgmp_payload(fw1, &pl);
		assert_false(pl.readiness & VGMP_R_YIELDED);
		run_until(15000 + 60000 + 100);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_int_equal(vgmp_history_get(fw1, 0)->why, VGMP_REASON_PREEMPT);
		assert_false(fw2->ho.handed);
		vgmp_payload(fw2, &pl);
		assert_false(pl.readiness & VGMP_R_HANDED_OVER);
		assert_int_equal(fw1->c.handover_stepbacks, 0);
	}
}

/* A tracker of the old active flaps while the operator works on it (its OSPF neighbour, the
 * link being recabled): its priority dips and comes back, and the handover stands, past the
 * preempt delay. Before, any change of priority ended it and fw1 preempted back. Only a priority
 * above the one it handed over at ends it (here a raised base): then fw1 preempts after its
 * delay, as after an undo. */
static void test_switchover_survives_priority_dip(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		switched_slow_pair(d);
		struct vgmp *fw1 = &S.b[A].v;
		assert_int_equal(fw1->ho.yielded_prio, 45000);
		int nbr = add_tracker(A, "ospf");
		assert_int_equal(vgmp_tracker_set(fw1, nbr, VGMP_OBJ_DOWN, S.now), 0);
		run_until(15500);
		assert_int_equal(vgmp_priority(fw1), 44998);
		assert_int_equal(vgmp_tracker_set(fw1, nbr, VGMP_OBJ_UP, S.now), 0);
		assert_int_equal(vgmp_priority(fw1), 45000);
		assert_true(fw1->ho.yielded);
		run_until(15500 + 60000 + 1000);
		assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
		assert_int_equal(fw1->reason, VGMP_REASON_YIELDED);

		struct vgmp_params p = S.b[A].p;
		p.priority = 45002;
		assert_int_equal(vgmp_set_params(fw1, &p, S.now), 0);
		assert_false(fw1->ho.yielded);
		uint64_t raised = S.now;
		run_until(raised + 60000 + 100);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_int_equal(vgmp_history_get(fw1, 0)->why, VGMP_REASON_PREEMPT);
	}
}

/* The peer refuses (bulk sync not done): nothing moves; and the calls that fail fast. */
static void test_admin_switchover_refused(void **state)
{
	sim_setup(10, 10);
	S.b[B].p.standby_device = true;
	sim_start_both(false);
	set_ready(A);
	run_until(10000);
	assert_int_equal(vgmp_admin_switchover(&S.b[A].v, S.now), 0);
	run_until(10030);
	assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
	assert_int_equal(S.b[B].sent[VGMP_MSG_NACK], 1);
	assert_int_equal(S.b[B].v.c.nacks_sent[HRP_VGMP_REASON_NOT_READY], 1);
	assert_int_equal(S.b[A].v.ho.result, VGMP_REQ_NACKED);
	assert_int_equal(S.b[A].v.ho.result_reason, HRP_VGMP_REASON_NOT_READY);
	assert_false(S.b[A].v.ho.giving);
	run_until(20000);
	assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 1); /* an admin request is not retried */

	assert_int_equal(vgmp_freeze(&S.b[B].v, true, S.now), 0);
	run_until(20020);
	assert_int_equal(vgmp_admin_switchover(&S.b[A].v, S.now), -EBUSY);
	assert_int_equal(vgmp_freeze(&S.b[B].v, false, S.now), 0);
	run_until(20040);
	sim_kill(B);
	run_until(24000);
	assert_int_equal(vgmp_admin_switchover(&S.b[A].v, S.now), -ENOTCONN);
}

/* hrp release (the pair upgrade's cold mode, where the switchover request is a message the two
 * versions no longer share): no request; the active lets go at once, announced at priority 0,
 * and the standby takes over when it hears that, without its bulk sync (the versions may not
 * sync): the gap is one hello's flight. Then it sticks like an operator's switchover. */
static void test_admin_release(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		for (int sd = 0; sd < 2; sd++) {
			sim_setup(delays[d][0], delays[d][1]);
			uint32_t ab = S.b[A].delay, ba = S.b[B].delay;
			S.b[B].p.standby_device = sd; /* else: equal rank, fw1 by name */
			sim_start_both(false);
			run_until(9990);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			assert_int_equal(vgmp_admin_release(&S.b[B].v, S.now), -EPERM);

			/* break before make, on purpose: the gap is checked here */
			S.check = false;
			assert_int_equal(vgmp_admin_release(&S.b[A].v, S.now), 0);
			assert_int_equal(S.b[A].v.state, VGMP_STATE_STANDBY);
			assert_int_equal(S.b[A].v.reason, VGMP_REASON_RELEASED);
			assert_int_equal(S.b[A].v.ho.result, VGMP_REQ_PENDING);
			assert_int_equal(vgmp_admin_release(&S.b[A].v, S.now), -EPERM);
			struct hrp_vgmp pl;
			vgmp_payload(&S.b[A].v, &pl);
			assert_int_equal(pl.priority, 0);
			settle();
			run_until(9990 + ab + ba + 1);
			assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
			assert_int_equal(S.b[A].standby_at, 9990);
			assert_int_equal(S.b[B].active_at, 9990 + ab);
			assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 0);
			assert_int_equal(S.b[A].v.ho.result, VGMP_REQ_DONE);
			assert_false(S.b[A].v.ho.releasing);
			assert_true(S.b[A].v.ho.yielded);
			vgmp_payload(&S.b[A].v, &pl);
			assert_int_equal(pl.priority, 45000);

			S.check = true;
			run_until(300000); /* it sticks: fw1 does not take the role back */
			assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
			assert_int_equal(S.b[B].v.c.entered[VGMP_STATE_STANDBY], 1);
			assert_int_equal(S.b[A].v.c.entered[VGMP_STATE_ACTIVE], 1);
		}
	}
}

/* Freeze: roles stay whatever the trackers say, on both boxes; lifting it lets the fault
 * through. A dead peer is still taken over. */
static void test_freeze(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		sim_setup(delays[d][0], delays[d][1]);
		uint32_t ab = S.b[A].delay, ba = S.b[B].delay;
		S.b[B].p.standby_device = true;
		sim_init(A);
		sim_init(B);
		int eth1 = add_tracker(A, "eth1");
		sim_enable(A);
		sim_enable(B);
		set_ready(A);
		set_ready(B);
		run_until(10000);
		assert_int_equal(vgmp_freeze(&S.b[A].v, true, S.now), 0);
		struct hrp_vgmp pl;
		vgmp_payload(&S.b[A].v, &pl);
		assert_true(pl.readiness & VGMP_R_FROZEN);
		run_until(11000);
		assert_int_equal(vgmp_tracker_set(&S.b[A].v, eth1, VGMP_OBJ_DOWN, S.now), 0);
		run_until(200000);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 0);
		assert_int_equal(S.b[A].v.reason, VGMP_REASON_FROZEN);
		assert_int_equal(S.b[A].v.wanted, VGMP_STATE_ACTIVE);
		assert_int_equal(S.b[B].v.reason, VGMP_REASON_FROZEN);
		assert_int_equal(S.b[B].v.wanted, VGMP_STATE_STANDBY);
		/* The ledger still records. */
		assert_int_equal(vgmp_ledger_get(&S.b[A].v.track, 0)->new_priority, 44998);

		assert_int_equal(vgmp_freeze(&S.b[A].v, false, S.now), 0);
		settle();
		assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 1);
		run_until(200000 + ab + ba + 1);
		assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);

		/* Frozen standby, dead active: taken over all the same. */
		assert_int_equal(vgmp_freeze(&S.b[A].v, true, S.now), 0);
		run_until(201000);
		sim_kill(B);
		run_until(201000 + S.dead_ms);
		assert_int_equal(S.b[A].v.state, VGMP_STATE_ACTIVE);
		assert_int_equal(S.b[A].v.reason, VGMP_REASON_PEER_DEAD);
	}
}

/* Freeze in load-sharing: a degraded box does not make the other take everything. */
static void test_freeze_load_sharing(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		sim_setup(delays[d][0], delays[d][1]);
		S.b[A].p.mode = S.b[B].p.mode = HS_MODE_LOAD_SHARING;
		sim_init(A);
		sim_init(B);
		int eth1 = add_tracker(B, "eth1");
		sim_enable(A);
		sim_enable(B);
		set_ready(A);
		set_ready(B);
		run_until(10000);
		assert_states(VGMP_STATE_LOAD_BALANCE, VGMP_STATE_LOAD_BALANCE);
		assert_int_equal(vgmp_freeze(&S.b[A].v, true, S.now), 0);
		settle();
		run_until(11000);
		assert_int_equal(vgmp_tracker_set(&S.b[B].v, eth1, VGMP_OBJ_DOWN, S.now), 0);
		settle();
		run_until(100000);
		assert_states(VGMP_STATE_LOAD_BALANCE, VGMP_STATE_LOAD_BALANCE);
		assert_int_equal(S.b[A].v.reason, VGMP_REASON_FROZEN);
		assert_int_equal(S.b[A].v.wanted, VGMP_STATE_ACTIVE);
		assert_int_equal(S.b[A].v.c.frozen_holds, 1);
		assert_int_equal(vgmp_freeze(&S.b[A].v, false, S.now), 0);
		settle();
		run_until(101000);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admin_switchover),
		cmocka_unit_test(test_admin_switchover_late_ack),
		cmocka_unit_test(test_admin_switchover_slow_pair),
		cmocka_unit_test(test_admin_switchover_refused),
		cmocka_unit_test(test_switchover_stall_no_fight),
		cmocka_unit_test(test_switchover_peer_dead_taken_over),
		cmocka_unit_test(test_switchover_stalled_old_active_steps_back),
		cmocka_unit_test(test_switchover_frozen_new_active_loses_handover),
		cmocka_unit_test(test_switchover_undo_ends_handover),
		cmocka_unit_test(test_switchover_survives_priority_dip),
		cmocka_unit_test(test_admin_release),
		cmocka_unit_test(test_freeze),
		cmocka_unit_test(test_freeze_load_sharing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
