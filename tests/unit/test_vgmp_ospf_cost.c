/* The OSPF cost plan through the VGMP election, one box against a scripted peer (vgmp_solo.h):
 * a raise waits for the peer's active state and is rate limited, the limit switched at run
 * time, a cold start reads FRR's cost before deciding, and "raised" is told only once FRR
 * confirms it. */
#include "vgmp_solo.h"

/* The OSPF cost: a raise waits for the peer's active state; at most one change per second. */
static void test_ospf_rate_limit_and_wait(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	struct box *b = &S.b[A];
	run_until(100);
	/* Standby behind a peer that is not active yet: no raise. */
	fake_peer(VGMP_STATE_STANDBY, 45002, 0);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(b->n_ospf, 0);
	run_until(300);
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	assert_int_equal(b->n_ospf, 1);
	assert_true(b->ospf[0].raise);
	assert_int_equal(b->ospf[0].t, 300);
	assert_int_equal(v->cost, VGMP_COST_RAISED);

	/* Peer dead 200 ms later: active at once, the lower waits for the second to pass. */
	run_until(500);
	vgmp_peer_down(v, S.now);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(b->n_ospf, 1);
	assert_int_equal(vgmp_next_deadline(v), 1300);
	run_until(1299);
	assert_int_equal(b->n_ospf, 1);
	run_until(1300);
	assert_int_equal(b->n_ospf, 2);
	assert_false(b->ospf[1].raise);
	assert_int_equal(v->c.ospf_changes, 2);

	/* A change that is undone within the second never happens. */
	run_until(1500);
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0); /* standby: raise due at 2300 */
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(vgmp_next_deadline(v), 2300);
	vgmp_peer_down(v, S.now); /* active again: nothing to do */
	assert_int_equal(vgmp_next_deadline(v), VGMP_NEVER);
	run_until(3000);
	assert_int_equal(b->n_ospf, 2);

	/* hrp disabled from standby: back to the normal cost. */
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	assert_int_equal(b->n_ospf, 3);
	run_until(5000);
	vgmp_set_enabled(v, false, S.now);
	assert_int_equal(v->state, VGMP_STATE_INITIALIZE);
	assert_int_equal(v->reason, VGMP_REASON_HRP_DISABLED);
	assert_int_equal(b->roles, VGMP_STATE_INITIALIZE);
	assert_int_equal(b->n_ospf, 4);
	assert_false(b->ospf[3].raise);

	/* OSPF adjustment off: never called. */
	solo();
	S.b[A].p.ospf_cost = false;
	sim_init(A);
	sim_enable(A);
	run_until(10000);
	assert_int_equal(S.b[A].v.state, VGMP_STATE_ACTIVE);
	assert_int_equal(S.b[A].n_ospf, 0);
}

/* A cold start in vgmpd's order: readiness, then FRR's cost as read, then hrp enable. Issue 13:
 * the standby's new vgmpd (an ISSU rollback) took the initial "disabled" for a decision and
 * lowered the cost its old process had raised, for a second: the upstream router had two equal
 * routes and new flows' return traffic went through the standby. */
static void test_ospf_cold_start(void **state)
{
	struct vgmp *v = &S.b[A].v;
	struct box *b = &S.b[A];
	struct hrp_vgmp pl;
	sim_setup(0, 0);
	S.check = false;
	S.b[B].running = false;
	sim_init(A);
	run_until(10);
	assert_int_equal(vgmp_set_ready(v, true, S.now), 0);
	assert_int_equal(b->n_ospf, 0); /* failed here: "disabled" lowered it */
	assert_int_equal(vgmp_ospf_found(v, VGMP_COST_RAISED, S.now), 1);
	assert_int_equal(v->cost, VGMP_COST_RAISED);
	assert_int_equal(vgmp_set_enabled(v, true, S.now), 0);
	assert_int_equal(v->state, VGMP_STATE_INITIALIZE);
	assert_int_equal(b->n_ospf, 0);
	/* hrpd's status: the peer is active. Standby; the cost stays, and is confirmed. */
	run_until(50);
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(b->n_ospf, 0);
	vgmp_payload(v, &pl);
	assert_true(pl.readiness & VGMP_R_COST_RAISED);
	/* The peer dies: active, and the cost goes down a second after the reading (ospfd may
	 * have sent an LSA just before it; the router would drop a second one sooner). */
	run_until(400);
	assert_int_equal(vgmp_peer_down(v, S.now), 0);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(b->n_ospf, 0);
	assert_int_equal(vgmp_next_deadline(v), 1010);
	run_until(1010);
	assert_int_equal(b->n_ospf, 1);
	assert_int_equal(b->ospf[0].cost, VGMP_COST_NORMAL);
	assert_int_equal(b->ospf[0].t, 1010);
	/* A reading that comes after a change of ours is stale. */
	assert_int_equal(vgmp_ospf_found(v, VGMP_COST_RAISED, S.now), 0);
	assert_int_equal(v->cost, VGMP_COST_NORMAL);

	/* Alone (no peer within the startup wait): active by the election's rules, and only then
	 * the cost goes down. */
	sim_setup(0, 0);
	S.check = false;
	S.b[B].running = false;
	sim_init(A);
	assert_int_equal(vgmp_set_ready(v, true, S.now), 0);
	assert_int_equal(vgmp_ospf_found(v, VGMP_COST_RAISED, S.now), 1);
	assert_int_equal(vgmp_set_enabled(v, true, S.now), 0);
	run_until(S.b[A].p.startup_wait_ms - 1); /* past the reading's second */
	assert_int_equal(b->n_ospf, 0);
	run_until(S.b[A].p.startup_wait_ms);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(v->reason, VGMP_REASON_NO_PEER);
	assert_int_equal(b->n_ospf, 1);
	assert_int_equal(b->ospf[0].cost, VGMP_COST_NORMAL);

	/* Nothing read (no ospfd yet): the first decision is applied, a standby raises. */
	sim_setup(0, 0);
	S.check = false;
	S.b[B].running = false;
	sim_init(A);
	assert_int_equal(vgmp_set_ready(v, true, S.now), 0);
	assert_int_equal(vgmp_ospf_found(v, VGMP_COST_UNKNOWN, S.now), 0);
	assert_int_equal(vgmp_set_enabled(v, true, S.now), 0);
	run_until(20);
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	assert_int_equal(b->n_ospf, 1);
	assert_int_equal(b->ospf[0].cost, VGMP_COST_RAISED);
	assert_int_equal(b->ospf[0].t, 20);

	/* hrp disabled in the config: the normal cost, as soon as that is known. */
	sim_setup(0, 0);
	S.check = false;
	S.b[B].running = false;
	sim_init(A);
	assert_int_equal(vgmp_ospf_found(v, VGMP_COST_RAISED, S.now), 1);
	assert_int_equal(b->n_ospf, 0);
	assert_int_equal(vgmp_set_enabled(v, false, S.now), 0);
	run_until(S.now + 999);
	assert_int_equal(b->n_ospf, 0);
	run_until(S.now + 1);
	assert_int_equal(b->n_ospf, 1);
	assert_int_equal(b->ospf[0].cost, VGMP_COST_NORMAL);

	/* Bad calls, and the adjustment off. */
	assert_int_equal(vgmp_ospf_found(NULL, VGMP_COST_RAISED, 0), -EINVAL);
	assert_int_equal(vgmp_ospf_found(v, VGMP_COST_MAX, 0), -EINVAL);
	assert_int_equal(vgmp_ospf_found(v, VGMP_COST_INVALID, 0), -EINVAL);
	sim_setup(0, 0);
	S.b[A].p.ospf_cost = false;
	sim_init(A);
	assert_int_equal(vgmp_ospf_found(v, VGMP_COST_RAISED, S.now), 0);
	assert_int_equal(v->cost, VGMP_COST_UNKNOWN);
}

/* VGMP_R_COST_RAISED stands on what FRR was seen to have, not on the plan: a raise is told once
 * vgmpd saw it taken, and no longer when a check finds FRR without it (ospfd restarted and lost
 * it); told again, with a hello each time, once it is back. */
static void test_ospf_raised_confirmed_by_frr(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	struct box *b = &S.b[A];
	struct hrp_vgmp pl;
	b->frr_manual = true;
	run_until(300);
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(b->n_ospf, 1);
	assert_int_equal(v->cost, VGMP_COST_RAISED);
	/* Asked of FRR, not taken yet: not told. */
	vgmp_payload(v, &pl);
	assert_false(pl.readiness & VGMP_R_COST_RAISED);
	unsigned hellos = b->hellos;
	assert_int_equal(vgmp_ospf_applied(v, VGMP_COST_RAISED, S.now), 0);
	vgmp_payload(v, &pl);
	assert_true(pl.readiness & VGMP_R_COST_RAISED);
	assert_int_equal(b->hellos, hellos + 1);
	/* A check finds ospfd without it: the peer hears at once that it is gone. */
	run_until(6000);
	assert_int_equal(vgmp_ospf_applied(v, VGMP_COST_UNKNOWN, S.now), 0);
	vgmp_payload(v, &pl);
	assert_false(pl.readiness & VGMP_R_COST_RAISED);
	assert_int_equal(b->hellos, hellos + 2);
	assert_int_equal(b->n_ospf, 1); /* the plan's level is unchanged: vgmpd re-applies it */
	assert_int_equal(v->cost, VGMP_COST_RAISED);
	/* The same news twice: no hello more. */
	assert_int_equal(vgmp_ospf_applied(v, VGMP_COST_NORMAL, S.now), 0);
	assert_int_equal(b->hellos, hellos + 2);
	assert_int_equal(vgmp_ospf_applied(v, VGMP_COST_RAISED, S.now), 0);
	vgmp_payload(v, &pl);
	assert_true(pl.readiness & VGMP_R_COST_RAISED);
	assert_int_equal(b->hellos, hellos + 3);
	/* FRR has it raised, but the plan lowered it (active): not told. */
	assert_int_equal(vgmp_peer_down(v, S.now), 0);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(v->cost, VGMP_COST_NORMAL);
	vgmp_payload(v, &pl);
	assert_false(pl.readiness & VGMP_R_COST_RAISED);
	assert_int_equal(vgmp_ospf_applied(NULL, VGMP_COST_RAISED, 0), -EINVAL);
	assert_int_equal(vgmp_ospf_applied(v, VGMP_COST_MAX, 0), -EINVAL);
	assert_int_equal(vgmp_ospf_applied(v, VGMP_COST_INVALID, 0), -EINVAL);
}

/* undo hrp adjust ospf-cost enable on a raised standby puts the cost back at once; enabled
 * again, the plan raises it afresh (a second after the last change). */
static void test_ospf_switched_at_run_time(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	struct box *b = &S.b[A];
	struct vgmp_params p = b->p;
	run_until(300);
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	assert_int_equal(b->n_ospf, 1);
	assert_true(b->ospf[0].raise);

	run_until(1500);
	p.ospf_cost = false;
	assert_int_equal(vgmp_set_params(v, &p, S.now), 0);
	assert_int_equal(b->n_ospf, 2);
	assert_false(b->ospf[1].raise);
	assert_int_equal(b->ospf[1].t, 1500);
	run_until(2000);
	assert_int_equal(b->n_ospf, 2);

	p.ospf_cost = true;
	assert_int_equal(vgmp_set_params(v, &p, S.now), 0);
	assert_int_equal(vgmp_next_deadline(v), 2500);
	run_until(2500);
	assert_int_equal(b->n_ospf, 3);
	assert_true(b->ospf[2].raise);
	assert_int_equal(v->cost, VGMP_COST_RAISED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ospf_rate_limit_and_wait),
		cmocka_unit_test(test_ospf_switched_at_run_time),
		cmocka_unit_test(test_ospf_cold_start),
		cmocka_unit_test(test_ospf_raised_confirmed_by_frr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
