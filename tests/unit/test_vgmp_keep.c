/* The pair upgrade's hold on a vgmpd it cold-started (lib/vgmp_keep.h), in the two-box
 * simulation (vgmp_sim.h): fw1 outranks fw2 (the standby device) and handed the role over; its
 * vgmpd then starts afresh. Asked to keep to standby, it does not preempt back, not even when a
 * tracker down at its start comes back; a plain restart preempts back as configured. */
#include "vgmp_sim.h"

#include "vgmp_keep.h"

static void restart(int i)
{
	S.b[i].running = false;
	S.b[i].n_ospf = 0;
	sim_init(i);
	S.lost_at[1 - i] = VGMP_NEVER;
	S.declared[1 - i] = false;
	sim_enable(i);
}

/* fw1 active, then handed over to fw2 by the operator (the upgrade's runswitch or commit). */
static void handed_to_fw2(void)
{
	sim_setup(5, 5);
	S.b[B].p.standby_device = true;
	sim_start_both(false);
	set_ready(A);
	set_ready(B);
	run_until(10000);
	assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
	assert_int_equal(vgmp_admin_switchover(&S.b[A].v, S.now), 0);
	run_until(S.now + 5000);
	assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
}

static void test_plain_restart_preempts_back(void **state)
{
	(void)state;
	handed_to_fw2();
	restart(A);
	set_ready(A);
	run_until(S.now + 70000); /* past the preempt delay (60 s) */
	assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
}

static void test_kept_after_cold_restart(void **state)
{
	(void)state;
	handed_to_fw2();
	restart(A);
	assert_int_equal(vgmp_admin_keep_standby(&S.b[A].v, S.now), 0);
	set_ready(A);
	run_until(S.now + 70000);
	assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
	assert_int_equal(S.b[A].v.reason, VGMP_REASON_YIELDED);
	assert_true(S.b[A].v.ho.yielded); /* VGMP_R_YIELDED in its payload */
	/* the operator's undo ends it as it ends a handover: preempts back after the delay */
	assert_int_equal(vgmp_admin_resume(&S.b[A].v, S.now), 0);
	run_until(S.now + 70000);
	assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
}

static void test_kept_across_a_tracker_that_recovers(void **state)
{
	(void)state;
	handed_to_fw2();
	S.b[A].running = false;
	S.b[A].n_ospf = 0;
	sim_init(A);
	int t = add_tracker(A, "up0");
	assert_int_equal(vgmp_tracker_set(&S.b[A].v, t, VGMP_OBJ_DOWN, S.now), 0);
	S.lost_at[B] = VGMP_NEVER;
	S.declared[B] = false;
	sim_enable(A);
	assert_int_equal(vgmp_admin_keep_standby(&S.b[A].v, S.now), 0);
	set_ready(A);
	run_until(S.now + 5000);
	/* its OSPF adjacency (say) back: priority 45000 again, still below no mark it had */
	assert_int_equal(vgmp_tracker_set(&S.b[A].v, t, VGMP_OBJ_UP, S.now), 0);
	run_until(S.now + 70000);
	assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
}

static void test_refusals(void **state)
{
	(void)state;
	assert_int_equal(vgmp_admin_keep_standby(NULL, 0), -EINVAL);
	sim_setup(5, 5);
	sim_init(A);
	/* hrp enable not known yet: enabling would clear it, so not yet */
	assert_int_equal(vgmp_admin_keep_standby(&S.b[A].v, S.now), -EAGAIN);
	assert_false(S.b[A].v.ho.yielded);
	sim_init(B);
	sim_enable(A);
	sim_enable(B);
	set_ready(A);
	set_ready(B);
	run_until(10000);
	assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
	/* the active box holds a role: nothing to keep */
	assert_int_equal(vgmp_admin_keep_standby(&S.b[A].v, S.now), -EPERM);
	assert_false(S.b[A].v.ho.yielded);
	/* hrp disabled (known): no role to keep, and no "not yet" to ask again forever */
	assert_int_equal(vgmp_set_enabled(&S.b[B].v, false, S.now), 0);
	assert_int_equal(vgmp_admin_keep_standby(&S.b[B].v, S.now), -EPERM);
	assert_false(S.b[B].v.ho.yielded);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_restart_preempts_back),
		cmocka_unit_test(test_kept_after_cold_restart),
		cmocka_unit_test(test_kept_across_a_tracker_that_recovers),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
