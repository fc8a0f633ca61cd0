/* The VGMP election between two simulated boxes (vgmp_sim.h: the wiring, the delay pairs and
 * the invariants checked throughout): start-up and ties, preemption, tracked faults, the OSPF
 * cost, a dead peer, split brain, load sharing, a mode mismatch or change, rejoin, an
 * unresolved tie, and a seeded random soak of every input. The operator's actions (switchover,
 * release, freeze) are in test_vgmp_switchover.c; the single-box cases with a scripted peer in
 * test_vgmp_fsm_solo.c and test_vgmp_ospf_cost.c. */
#include "vgmp_sim.h"

/* Both start together, equal priority: the standby device is standby, even with the lower name
 * and whichever starts first; nobody flaps on the way. */
static void test_start_together_standby_device(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		for (int order = 0; order < 2; order++) {
			sim_setup(delays[d][0], delays[d][1]);
			S.b[B].p.standby_device = true;
			snprintf(S.b[B].p.name, sizeof(S.b[B].p.name), "fw0");
			sim_start_both(order);
			run_until(10000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			assert_int_equal(S.b[B].v.reason, VGMP_REASON_STANDBY_DEVICE);
			assert_int_equal(S.b[A].v.c.entered[VGMP_STATE_STANDBY], 0);
			assert_int_equal(S.b[B].v.c.entered[VGMP_STATE_ACTIVE], 0);
			/* Decided on the first hellos, not after the startup wait. */
			assert_true(S.b[A].active_at <= dmax());
			assert_int_equal(S.b[A].roles, VGMP_STATE_ACTIVE);
			assert_int_equal(S.b[B].roles, VGMP_STATE_STANDBY);
		}
	}
}

/* Neither is the standby device: the synced box, then the lower name. */
static void test_start_together_ties(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		for (int order = 0; order < 2; order++) {
			sim_setup(delays[d][0], delays[d][1]);
			sim_start_both(order);
			run_until(10000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			const struct vgmp_change *c = vgmp_history_get(&S.b[A].v, 0);
			assert_int_equal(c->new_state, VGMP_STATE_ACTIVE);
			assert_int_equal(c->why, VGMP_REASON_TIE_NAME);
			assert_int_equal(c->ev, VGMP_EV_PEER_UPDATE);
			assert_int_equal(S.b[B].v.c.entered[VGMP_STATE_ACTIVE], 0);

			/* fw2 has its sessions synced (it was active before a restart): it wins. */
			sim_setup(delays[d][0], delays[d][1]);
			sim_init(A);
			sim_init(B);
			assert_int_equal(vgmp_set_ready(&S.b[B].v, true, 0), 0);
			sim_enable(order ? B : A);
			sim_enable(order ? A : B);
			run_until(10000);
			assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
			assert_int_equal(vgmp_history_get(&S.b[B].v, 0)->why,
					 VGMP_REASON_TIE_READY);
		}
	}
}

/* One box alone goes active after the startup wait; the other joins with a higher priority and
 * preemption off: it stays standby for good. */
static void test_start_staggered_no_preempt(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		sim_setup(delays[d][0], delays[d][1]);
		S.b[B].p.priority = 45002;
		S.b[B].p.preempt = false;
		sim_enable(A);
		run_until(2999);
		assert_int_equal(S.b[A].v.state, VGMP_STATE_INITIALIZE);
		assert_int_equal(S.b[A].v.reason, VGMP_REASON_STARTUP);
		run_until(3000);
		assert_int_equal(S.b[A].v.state, VGMP_STATE_ACTIVE);
		assert_int_equal(S.b[A].v.reason, VGMP_REASON_NO_PEER);
		set_ready(A);

		run_until(10000);
		sim_enable(B);
		run_until(12000);
		set_ready(B);
		run_until(200000);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_int_equal(S.b[B].v.reason, VGMP_REASON_PREEMPT_DISABLED);
		assert_int_equal(S.b[A].v.reason, VGMP_REASON_STAY_ACTIVE);
		assert_int_equal(S.b[B].v.c.entered[VGMP_STATE_ACTIVE], 0);
	}
}

/* Preemption: not before readiness, then exactly the preempt delay after it; the old active lets
 * go only once it hears the new one. */
static void test_preempt_after_readiness_and_delay(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		sim_setup(delays[d][0], delays[d][1]);
		S.b[B].p.priority = 45002;
		sim_enable(A);
		run_until(3000);
		set_ready(A);
		run_until(10000);
		sim_enable(B);
		run_until(20000);
		assert_int_equal(S.b[B].v.state, VGMP_STATE_STANDBY);
		assert_int_equal(S.b[B].v.reason, VGMP_REASON_NOT_READY);
		set_ready(B); /* bulk sync done at 20000 */
		run_until(79999);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_int_equal(S.b[B].v.reason, VGMP_REASON_PREEMPT_DELAY);
		assert_int_equal(vgmp_next_deadline(&S.b[B].v), 80000);
		run_until(80000);
		assert_int_equal(S.b[B].v.state, VGMP_STATE_ACTIVE);
		assert_int_equal(vgmp_history_get(&S.b[B].v, 0)->why, VGMP_REASON_PREEMPT);
		assert_int_equal(S.b[B].v.c.preempts, 1);
		run_until(80000 + S.b[B].delay + 1);
		assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
		assert_int_equal(S.b[A].standby_at, 80000 + S.b[B].delay);
		assert_int_equal(vgmp_history_get(&S.b[A].v, 0)->why, VGMP_REASON_LOWER_PRIORITY);

		/* Never ready: never preempts. */
		sim_setup(delays[d][0], delays[d][1]);
		S.b[B].p.priority = 45002;
		sim_enable(A);
		run_until(10000);
		sim_enable(B);
		run_until(300000);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_int_equal(S.b[B].v.reason, VGMP_REASON_NOT_READY);
	}
}

/* A tracked fault on the active: it asks at once and the peer takes over at once, whatever the
 * peer's preemption settings and readiness; then recovery preempts back per config. */
static void test_fault_failover_and_recovery(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		for (int preempt = 0; preempt < 2; preempt++) {
			sim_setup(delays[d][0], delays[d][1]);
			uint32_t ab = S.b[A].delay, ba = S.b[B].delay;
			S.b[A].p.preempt = preempt;
			S.b[B].p.standby_device = true;
			S.b[B].p.preempt = false; /* and never ready */
			sim_init(A);
			sim_init(B);
			int eth1 = add_tracker(A, "eth1");
			set_ready(A);
			sim_enable(A);
			sim_enable(B);
			run_until(10000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);

			unsigned hellos = S.b[A].hellos;
			assert_int_equal(vgmp_tracker_set(&S.b[A].v, eth1, VGMP_OBJ_DOWN, S.now),
					 0);
			assert_int_equal(vgmp_priority(&S.b[A].v), 44998);
			assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 1);
			assert_int_equal(S.b[A].last_sent.reason, HRP_VGMP_REASON_FAULT);
			assert_int_equal(S.b[A].hellos, hellos + 1); /* the fault, at once */
			assert_int_equal(S.b[A].v.reason, VGMP_REASON_FAULT_HANDOVER);
			const struct vgmp_ledger_entry *e = vgmp_ledger_get(&S.b[A].v.track, 0);
			assert_int_equal(e->time_ms, 10000);
			assert_int_equal(e->tracker, eth1);
			assert_string_equal(e->name, "eth1");
			assert_int_equal(e->delta, -2);
			assert_int_equal(e->old_priority, 45000);
			assert_int_equal(e->new_priority, 44998);
			assert_int_equal(e->cause, VGMP_LEDGER_DOWN);
			settle();

			run_until(10000 + ab + ba + 1);
			assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
			assert_int_equal(S.b[B].active_at, 10000 + ab);
			assert_int_equal(S.b[A].standby_at, 10000 + ab + ba);
			assert_int_equal(vgmp_history_get(&S.b[B].v, 0)->why,
					 VGMP_REASON_SWITCHOVER_FAULT);
			assert_int_equal(vgmp_history_get(&S.b[A].v, 0)->why,
					 VGMP_REASON_HANDED_OVER);
			assert_int_equal(S.b[B].sent[VGMP_MSG_ACK], 1);
			assert_int_equal(S.b[A].v.ho.result, VGMP_REQ_DONE);
			assert_false(S.b[A].v.ho.yielded);
			/* New active lowered its OSPF cost before the old one raised its own. */
			struct box *na = &S.b[B], *oa = &S.b[A];
			assert_false(na->ospf[na->n_ospf - 1].raise);
			assert_true(oa->ospf[oa->n_ospf - 1].raise);
			assert_true(na->ospf[na->n_ospf - 1].seq < oa->ospf[oa->n_ospf - 1].seq);

			/* Recovery at 40000: equal priority, fw2 is the standby device. */
			run_until(40000);
			assert_int_equal(vgmp_tracker_set(&S.b[A].v, eth1, VGMP_OBJ_UP, S.now), 0);
			settle();
			assert_int_equal(vgmp_priority(&S.b[A].v), 45000);
			if (!preempt) {
				run_until(300000);
				assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
				assert_int_equal(S.b[A].v.reason, VGMP_REASON_PREEMPT_DISABLED);
				continue;
			}
			run_until(40000 + ab + 1);
			assert_int_equal(S.b[A].v.reason, VGMP_REASON_PREEMPT_DELAY);
			run_until(99999);
			assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
			run_until(100000);
			assert_int_equal(S.b[A].v.state, VGMP_STATE_ACTIVE);
			run_until(100000 + ab + 1);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			assert_int_equal(S.b[B].v.reason, VGMP_REASON_STANDBY_DEVICE);
		}
	}
}

/* The OSPF tie after a tracked-link failure (adjust ospf-cost with an active cost): the new
 * active goes one below normal at once and stays there while the old active, standby now, has
 * a tracked object down (its raised LSA may not leave the box); once it is whole again and says
 * so, the new active goes back to normal a second later. A dead peer likewise. */
static void test_ospf_preferred_takeover(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		sim_setup(delays[d][0], delays[d][1]);
		uint32_t ab = S.b[A].delay, ba = S.b[B].delay;
		S.b[A].p.ospf_prefer = S.b[B].p.ospf_prefer = true;
		S.b[A].p.preempt = false;
		S.b[B].p.standby_device = true;
		S.b[B].p.preempt = false;
		sim_init(A);
		sim_init(B);
		int eth1 = add_tracker(A, "eth1");
		set_ready(A);
		sim_enable(A);
		sim_enable(B);
		run_until(10000);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		struct box *a = &S.b[A], *b = &S.b[B];
		/* Settled: fw1 normal (after its start's preferred), fw2 raised and saying so. */
		assert_int_equal(a->ospf[a->n_ospf - 1].cost, VGMP_COST_NORMAL);
		assert_int_equal(b->ospf[b->n_ospf - 1].cost, VGMP_COST_RAISED);
		struct hrp_vgmp pl;
		vgmp_payload(&b->v, &pl);
		assert_true(pl.readiness & VGMP_R_COST_RAISED);

		assert_int_equal(vgmp_tracker_set(&a->v, eth1, VGMP_OBJ_DOWN, S.now), 0);
		settle();
		run_until(10000 + ab + ba + 1);
		assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
		assert_int_equal(b->ospf[b->n_ospf - 1].cost, VGMP_COST_PREFERRED);
		assert_int_equal(b->ospf[b->n_ospf - 1].t, 10000 + ab);
		assert_int_equal(a->ospf[a->n_ospf - 1].cost, VGMP_COST_RAISED);
		vgmp_payload(&a->v, &pl);
		assert_false(pl.readiness & VGMP_R_COST_RAISED); /* raised, but eth1 is down */

		run_until(40000);
		assert_int_equal(b->ospf[b->n_ospf - 1].cost, VGMP_COST_PREFERRED);
		assert_int_equal(b->ospf[b->n_ospf - 1].t, 10000 + ab);
		assert_int_equal(vgmp_tracker_set(&a->v, eth1, VGMP_OBJ_UP, S.now), 0);
		settle();
		vgmp_payload(&a->v, &pl);
		assert_true(pl.readiness & VGMP_R_COST_RAISED);
		run_until(40000 + ab + 999);
		assert_int_equal(b->ospf[b->n_ospf - 1].cost, VGMP_COST_PREFERRED);
		run_until(40000 + ab + 1000);
		assert_int_equal(b->ospf[b->n_ospf - 1].cost, VGMP_COST_NORMAL);
		assert_int_equal(b->ospf[b->n_ospf - 1].t, 40000 + ab + 1000);
		assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);

		/* fw2 dies: fw1 takes over one below normal and stays there while fw2 is gone. */
		sim_kill(B);
		run_until(50000);
		assert_int_equal(a->v.state, VGMP_STATE_ACTIVE);
		assert_int_equal(a->ospf[a->n_ospf - 1].cost, VGMP_COST_PREFERRED);
		uint64_t t = a->ospf[a->n_ospf - 1].t;
		run_until(90000);
		assert_int_equal(a->ospf[a->n_ospf - 1].t, t);
		assert_int_equal(a->ospf[a->n_ospf - 1].cost, VGMP_COST_PREFERRED);
	}
}

/* vgmpd's cold start: readiness (until hrpd says otherwise) and FRR's cost as read, then hrp
 * enable (vgmpd/main.c's order). */
static void cold_start(int i, enum vgmp_cost frr)
{
	struct vgmp *v = &S.b[i].v;
	assert_int_equal(vgmp_set_ready(v, true, S.now), 0);
	assert_true(vgmp_ospf_found(v, frr, S.now) >= 0);
	assert_int_equal(vgmp_set_enabled(v, true, S.now), 0);
	settle();
	check();
}

/* Issue 13's rollback: the standby's vgmpd is cold-restarted and finds FRR at the cost its old
 * process raised. It never lowers it (the recorder fails any lower by a box holding no traffic)
 * and changes nothing at all, while the first start of the pair (FRR at the interface's own cost
 * on both boxes) converges with fw1 active at the normal cost and fw2 raised, with and without
 * the preferred cost. */
static void test_cold_restart_standby_keeps_cost(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		for (int prefer = 0; prefer < 2; prefer++) {
			sim_setup(delays[d][0], delays[d][1]);
			struct box *a = &S.b[A], *b = &S.b[B];
			a->p.ospf_prefer = b->p.ospf_prefer = prefer;
			sim_init(A);
			sim_init(B);
			cold_start(A, VGMP_COST_NORMAL);
			run_until(300);
			cold_start(B, VGMP_COST_NORMAL);
			run_until(10000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			assert_int_equal(a->v.cost, VGMP_COST_NORMAL);
			assert_int_equal(b->v.cost, VGMP_COST_RAISED);
			assert_int_equal(b->n_ospf, 1);

			/* fw2's vgmpd stops (a standby stops at once) and a new one starts. */
			b->running = false;
			b->qn = 0;
			run_until(10400);
			b->n_ospf = 0;
			sim_init(B);
			cold_start(B, VGMP_COST_RAISED);
			struct hrp_vgmp pl;
			run_until(20000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			assert_int_equal(b->n_ospf, 0);
			assert_int_equal(b->v.cost, VGMP_COST_RAISED);
			vgmp_payload(&b->v, &pl);
			assert_true(pl.readiness & VGMP_R_COST_RAISED);
			assert_int_equal(a->v.cost, VGMP_COST_NORMAL);
		}
	}
}

/* hrpd declares the peer dead: active at once. */
static void test_peer_dead(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		sim_setup(delays[d][0], delays[d][1]);
		S.b[B].p.standby_device = true;
		sim_start_both(false);
		run_until(10000);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		sim_kill(A);
		run_until(12999);
		assert_int_equal(S.b[B].v.state, VGMP_STATE_STANDBY);
		run_until(13000);
		assert_int_equal(S.b[B].v.state, VGMP_STATE_ACTIVE);
		assert_int_equal(S.b[B].active_at, 13000);
		const struct vgmp_change *c = vgmp_history_get(&S.b[B].v, 0);
		assert_int_equal(c->why, VGMP_REASON_PEER_DEAD);
		assert_int_equal(c->ev, VGMP_EV_PEER_DOWN);
		assert_int_equal(c->peer_priority, -1);
		assert_int_equal(S.b[B].roles, VGMP_STATE_ACTIVE);
		assert_false(S.b[B].ospf[S.b[B].n_ospf - 1].raise);
		assert_int_equal(S.b[B].ospf[S.b[B].n_ospf - 1].t, 13000);
	}
}

/* Heartbeats dead but the peer's adverts heard: a split brain, the standby stays; once the
 * adverts stop too, it takes over. */
static void test_split_brain_hold(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		sim_setup(delays[d][0], delays[d][1]);
		S.b[B].p.standby_device = true;
		sim_start_both(false);
		run_until(10000);
		sim_cut();
		assert_int_equal(vgmp_set_peer_adverts(&S.b[B].v, true, S.now), 0);
		run_until(30000);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_int_equal(S.b[B].v.reason, VGMP_REASON_SPLIT_BRAIN);
		assert_int_equal(S.b[B].v.c.split_brain_holds, 1);
		assert_int_equal(S.b[B].v.peer.status, VGMP_PEER_DEAD);
		assert_int_equal(S.b[A].v.reason, VGMP_REASON_PEER_DEAD);
		assert_int_equal(vgmp_set_peer_adverts(&S.b[B].v, false, S.now), 0);
		assert_int_equal(S.b[B].v.state, VGMP_STATE_ACTIVE);
		assert_int_equal(S.b[B].v.reason, VGMP_REASON_PEER_DEAD);
	}
}

/* The standby's own hrpd dies. fw1's hrpd declares it dead; fw2 hears nothing of fw1 any more,
 * and after the same dead time takes it as dead too (vgmp_peer_unreachable): it holds standby
 * while fw1's adverts are heard, and takes over once they stop. Kept as alive, fw2 stayed
 * standby through fw1's failure. Once hrpd is back, fw1's payload ends it. */
static void test_hrpd_gone_standby(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		for (int fails = 0; fails < 2; fails++) {
			sim_setup(delays[d][0], delays[d][1]);
			S.b[B].p.standby_device = true;
			sim_start_both(false);
			run_until(10000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			sim_cut();
			S.declared[B] = true; /* fw2's hrpd is gone: it declares nothing */
			assert_int_equal(vgmp_set_peer_adverts(&S.b[B].v, true, S.now), 0);
			run_until(10000 + S.dead_ms);
			assert_int_equal(S.b[B].v.peer.status, VGMP_PEER_ALIVE);
			assert_int_equal(vgmp_peer_unreachable(&S.b[B].v, S.now), 1);
			assert_int_equal(vgmp_peer_unreachable(&S.b[B].v, S.now), 0); /* once */
			assert_int_equal(S.b[B].v.c.peer_unreachable, 1);
			assert_true(S.b[B].v.peer.unreachable);
			run_until(20000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			assert_int_equal(S.b[B].v.reason, VGMP_REASON_SPLIT_BRAIN);
			if (fails) {
				/* fw1 fails: its adverts stop, and fw2 takes over */
				sim_kill(A);
				assert_int_equal(vgmp_set_peer_adverts(&S.b[B].v, false, S.now), 0);
				assert_int_equal(S.b[B].v.state, VGMP_STATE_ACTIVE);
				assert_int_equal(S.b[B].v.reason, VGMP_REASON_PEER_DEAD);
				assert_int_equal(S.b[B].roles, VGMP_STATE_ACTIVE);
				continue;
			}
			/* fw2's hrpd is back: fw1 heard again, the pair as it was */
			sim_restore();
			run_until(25000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			assert_int_equal(S.b[B].v.peer.status, VGMP_PEER_ALIVE);
			assert_false(S.b[B].v.peer.unreachable);
		}
	}
}

/* A split brain heals: both active; the lower steps down, the winner re-announces. */
static void test_split_brain_heal(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		for (int sd = 0; sd < 2; sd++) {
			sim_setup(delays[d][0], delays[d][1]);
			S.b[B].p.standby_device = sd; /* else: equal rank, fw1 wins by name */
			S.dual_max = S.hello_ms + (uint32_t)dmax() + 1;
			sim_start_both(true);
			set_ready(A);
			set_ready(B);
			run_until(10000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			sim_cut();
			run_until(13000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_ACTIVE);
			assert_true(S.b[A].v.split && S.b[B].v.split);
			/* fw1 starts a bulk sync meanwhile: a dual-active is settled by rank and
			 * name only, inputs that cannot change while hellos cross. */
			assert_int_equal(vgmp_set_ready(&S.b[A].v, false, S.now), 0);
			run_until(40000);
			sim_restore();
			run_until(45000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			assert_int_equal(S.b[A].reannounces, 1);
			assert_int_equal(S.b[B].reannounces, 0);
			assert_false(S.b[A].v.split || S.b[B].v.split);
			assert_int_equal(vgmp_history_get(&S.b[B].v, 0)->why,
					 sd ? VGMP_REASON_STANDBY_DEVICE : VGMP_REASON_TIE_NAME);
			assert_true(S.b[B].standby_at <= 40000 + S.hello_ms + dmax());
		}
	}
}

/* Load-sharing: equal -> both load-balance; one degraded -> the other active; recovery ->
 * load-balance again after the preempt delay. */
static void test_load_sharing(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		sim_setup(delays[d][0], delays[d][1]);
		uint32_t ab = S.b[A].delay, ba = S.b[B].delay;
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
		assert_int_equal(S.b[A].v.reason, VGMP_REASON_LOAD_SHARING);

		assert_int_equal(vgmp_tracker_set(&S.b[B].v, eth1, VGMP_OBJ_DOWN, S.now), 0);
		settle();
		assert_int_equal(S.b[B].sent[VGMP_MSG_SWITCHOVER],
				 0); /* the peer just takes over */
		run_until(10000 + ba + ab + 1);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_int_equal(S.b[A].active_at, 10000 + ba);
		assert_int_equal(S.b[B].standby_at, 10000 + ba + ab);
		assert_int_equal(S.b[A].v.reason, VGMP_REASON_HIGHER_PRIORITY);

		run_until(40000);
		assert_int_equal(vgmp_tracker_set(&S.b[B].v, eth1, VGMP_OBJ_UP, S.now), 0);
		settle();
		run_until(99999);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_int_equal(S.b[B].v.reason, VGMP_REASON_PREEMPT_DELAY);
		run_until(100000);
		assert_int_equal(S.b[B].v.state, VGMP_STATE_LOAD_BALANCE);
		run_until(100000 + ba + 1);
		assert_states(VGMP_STATE_LOAD_BALANCE, VGMP_STATE_LOAD_BALANCE);
		/* The active kept its traffic until the peer held its share. */
		assert_true(S.b[A].v.state_since_ms >= S.b[B].v.state_since_ms);
	}
}

/* A mode mismatch: active-standby rules on both. */
static void test_mode_mismatch(void **state)
{
	sim_setup(5, 5);
	S.b[A].p.mode = HS_MODE_LOAD_SHARING;
	sim_start_both(false);
	run_until(10000);
	assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
	assert_true(S.b[A].v.mode_mismatch);
	assert_true(S.b[B].v.mode_mismatch);
}

/* The mode changes at run time (config sync reaches one box first): the box that would let go of
 * its share keeps it until the other holds everything. */
static void test_mode_change(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		sim_setup(delays[d][0], delays[d][1]);
		S.b[A].p.mode = S.b[B].p.mode = HS_MODE_LOAD_SHARING;
		sim_start_both(false);
		set_ready(A);
		set_ready(B);
		run_until(10000);
		assert_states(VGMP_STATE_LOAD_BALANCE, VGMP_STATE_LOAD_BALANCE);
		struct vgmp_params p = S.b[B].p;
		p.mode = HS_MODE_ACTIVE_STANDBY;
		assert_int_equal(vgmp_set_params(&S.b[B].v, &p, S.now), 0);
		/* fw2 loses the tie by name but holds G2 until fw1 is active. */
		assert_int_equal(S.b[B].v.state, VGMP_STATE_LOAD_BALANCE);
		assert_int_equal(S.b[B].v.reason, VGMP_REASON_WAIT_PEER);
		assert_int_equal(S.b[B].v.wanted, VGMP_STATE_STANDBY);
		settle();
		run_until(20000);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_true(S.b[B].standby_at >= S.b[A].active_at);
	}
}

/* A box comes back with the same rank (its peer took over meanwhile): the current active stays,
 * even when the returning box would win the tie by name, before and after its bulk sync. Once
 * after hrpd declared it dead, once within the dead time (hrpd never said so). */
static void test_rejoin_equal_rank(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		for (int quick = 0; quick < 2; quick++) {
			sim_setup(delays[d][0], delays[d][1]);
			sim_start_both(false);
			set_ready(A);
			set_ready(B);
			run_until(10000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			sim_kill(A);
			if (quick) {
				/* fw2 is still standby: back before the dead time, fw1 is the
				 * active no more (it restarted), so fw2 takes over. */
				run_until(11500);
				sim_restart(A);
				run_until(12000);
				assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
				assert_int_equal(vgmp_history_get(&S.b[B].v, 0)->why,
						 VGMP_REASON_TIE_READY);
			} else {
				run_until(20000);
				assert_int_equal(S.b[B].v.state, VGMP_STATE_ACTIVE);
				sim_restart(A);
				run_until(25000);
				assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
			}
			unsigned transitions = (unsigned)S.b[B].v.c.transitions;
			assert_int_equal(S.b[A].v.reason, VGMP_REASON_PEER_ACTIVE);
			run_until(30000);
			set_ready(A); /* bulk sync done: fw1 would now win a tie by name */
			run_until(200000);
			assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
			assert_int_equal(S.b[B].v.reason, VGMP_REASON_STAY_ACTIVE);
			assert_int_equal(S.b[B].v.c.transitions, transitions);
		}
	}
}

/* Equal names cannot be told apart: both stay available and it is counted. */
static void test_tie_unresolved(void **state)
{
	sim_setup(5, 5);
	S.check = false;
	snprintf(S.b[B].p.name, sizeof(S.b[B].p.name), "fw1");
	sim_start_both(false);
	run_until(10000);
	assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_ACTIVE);
	assert_true(S.b[A].v.c.ties_unresolved >= 1);
	assert_int_equal(S.b[A].v.reason, VGMP_REASON_TIE_UNRESOLVED);
}

/* A seeded random soak: tracker flaps, readiness, operator switchovers, freezes, link cuts,
 * crashes and restarts, in any order, with every invariant checked throughout; then quiet, and
 * the pair must settle on one active and one standby (or both load-balance). */
static uint32_t rnd_state;

static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

static void soak(uint32_t seed, int mode)
{
	rnd_state = seed;
	sim_setup(rnd(30), rnd(30));
	S.dual_max = S.hello_ms + 2 * (uint32_t)dmax() + 1;
	int trk[2];
	for (int i = 0; i < 2; i++) {
		S.b[i].p.mode = mode;
		S.b[i].p.preempt_delay_ms = 5000;
		S.b[i].p.standby_device = i == B && rnd(2);
		sim_init(i);
		trk[i] = add_tracker(i, "eth1");
		sim_enable(i);
	}
	for (int n = 0; n < 300; n++) {
		run_until(S.now + 1 + rnd(3000));
		int i = (int)rnd(2);
		struct box *b = &S.b[i];
		switch (rnd(9)) {
		case 0:
		case 1:
			if (b->running)
				vgmp_tracker_set(&b->v, trk[i],
						 rnd(2) ? VGMP_OBJ_UP : VGMP_OBJ_DOWN, S.now);
			break;
		case 2:
			if (b->running)
				vgmp_set_ready(&b->v, rnd(4) != 0, S.now);
			break;
		case 3:
			if (b->running)
				vgmp_admin_switchover(&b->v, S.now);
			break;
		case 4:
			if (b->running)
				vgmp_freeze(&b->v, rnd(3) == 0, S.now);
			break;
		case 5:
			if (S.link && rnd(3) == 0)
				sim_cut();
			else if (!S.link)
				sim_restore();
			break;
		case 6:
			if (b->running && peer_of(b)->running && rnd(3) == 0)
				sim_kill(i);
			else if (!b->running)
				sim_restart(i);
			break;
		case 7:
			if (b->running)
				vgmp_set_peer_adverts(&b->v, rnd(4) == 0, S.now);
			break;
		default: break;
		}
		settle();
		check();
	}
	/* Quiet: everything healthy, no freeze, no adverts without heartbeats. */
	if (!S.link)
		sim_restore();
	for (int i = 0; i < 2; i++) {
		if (!S.b[i].running) {
			sim_restart(i);
			trk[i] = add_tracker(i, "eth1");
		}
		vgmp_tracker_set(&S.b[i].v, trk[i], VGMP_OBJ_UP, S.now);
		vgmp_freeze(&S.b[i].v, false, S.now);
		vgmp_set_peer_adverts(&S.b[i].v, false, S.now);
		vgmp_set_ready(&S.b[i].v, true, S.now);
		settle();
	}
	run_until(S.now + 10000); /* requests still out are answered */
	for (int i = 0; i < 2; i++) {
		vgmp_admin_resume(&S.b[i].v, S.now);
		settle();
	}
	run_until(S.now + 30000);
	enum vgmp_state a = S.b[A].v.state, b = S.b[B].v.state;
	if (mode == HS_MODE_LOAD_SHARING) /* standby-device means nothing there */
		assert_states(VGMP_STATE_LOAD_BALANCE, VGMP_STATE_LOAD_BALANCE);
	else if (!((a == VGMP_STATE_ACTIVE && b == VGMP_STATE_STANDBY) ||
		   (a == VGMP_STATE_STANDBY && b == VGMP_STATE_ACTIVE)))
		fail_msg("seed %u: settled on %s / %s", seed, vgmp_state_name(a),
			 vgmp_state_name(b));
}

static void test_random_soak(void **state)
{
	/* VGMP_SOAK_SEED=n replays one (with VGMP_TEST_VERBOSE=1 to see it); VGMP_SOAK_COUNT=n runs
	 * more. */
	const char *one = getenv("VGMP_SOAK_SEED"), *count = getenv("VGMP_SOAK_COUNT");
	uint32_t first = one ? (uint32_t)atoi(one) : 1;
	uint32_t last = one ? first : count ? (uint32_t)atoi(count) : 40;
	for (uint32_t seed = first; seed <= last; seed++) {
		if (S.verbose || one || count)
			printf("--- seed %u\n", seed);
		soak(seed, seed % 4 == 0 ? HS_MODE_LOAD_SHARING : HS_MODE_ACTIVE_STANDBY);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_together_standby_device),
		cmocka_unit_test(test_start_together_ties),
		cmocka_unit_test(test_start_staggered_no_preempt),
		cmocka_unit_test(test_preempt_after_readiness_and_delay),
		cmocka_unit_test(test_fault_failover_and_recovery),
		cmocka_unit_test(test_ospf_preferred_takeover),
		cmocka_unit_test(test_peer_dead),
		cmocka_unit_test(test_cold_restart_standby_keeps_cost),
		cmocka_unit_test(test_split_brain_hold),
		cmocka_unit_test(test_split_brain_heal),
		cmocka_unit_test(test_hrpd_gone_standby),
		cmocka_unit_test(test_load_sharing),
		cmocka_unit_test(test_mode_mismatch),
		cmocka_unit_test(test_mode_change),
		cmocka_unit_test(test_rejoin_equal_rank),
		cmocka_unit_test(test_tie_unresolved),
		cmocka_unit_test(test_random_soak),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
