/* What a VGMP state means: names and wire values, the VRRP role of every binding in every state
 * (the whole table), and the OSPF cost plan (targets, waiting for the peer, the rate limit). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "vgmp_role.h"

static void test_names_and_wire(void **state)
{
	assert_string_equal(vgmp_state_name(VGMP_STATE_INITIALIZE), "initialize");
	assert_string_equal(vgmp_state_name(VGMP_STATE_LOAD_BALANCE), "load-balance");
	assert_string_equal(vgmp_state_name(VGMP_STATE_ACTIVE), "active");
	assert_string_equal(vgmp_state_name(VGMP_STATE_STANDBY), "standby");
	assert_string_equal(vgmp_state_name(VGMP_STATE_MAX), "?");
	assert_string_equal(vgmp_state_name(VGMP_STATE_INVALID), "?");
	assert_string_equal(vgmp_cost_name(VGMP_COST_RAISED), "raised");
	assert_string_equal(vgmp_cost_name(VGMP_COST_MAX), "?");

	/* Our names are the wire's names, and the mapping round-trips. */
	for (int s = 0; s < VGMP_STATE_MAX; s++) {
		enum hrp_vgmp_state w = vgmp_state_to_hrp((enum vgmp_state)s);
		assert_int_equal(vgmp_state_from_hrp(w), s);
		assert_string_equal(hrp_vgmp_state_name(w), vgmp_state_name((enum vgmp_state)s));
	}
	assert_int_equal(vgmp_state_to_hrp(VGMP_STATE_ACTIVE), HRP_VGMP_ACTIVE);
	assert_int_equal(vgmp_state_to_hrp(VGMP_STATE_STANDBY), HRP_VGMP_STANDBY);
	assert_int_equal(vgmp_state_to_hrp(VGMP_STATE_INVALID), HRP_VGMP_INITIALIZE);
	/* A state we do not know holds nothing we know of. */
	assert_int_equal(vgmp_state_from_hrp(HRP_VGMP_STATE_MAX), VGMP_STATE_INITIALIZE);
	assert_int_equal(vgmp_state_from_hrp(200), VGMP_STATE_INITIALIZE);

	assert_true(vgmp_state_holds(VGMP_STATE_ACTIVE));
	assert_true(vgmp_state_holds(VGMP_STATE_LOAD_BALANCE));
	assert_false(vgmp_state_holds(VGMP_STATE_STANDBY));
	assert_false(vgmp_state_holds(VGMP_STATE_INITIALIZE));
}

/* The whole table: active-standby never mixes, load-balance follows the binding. */
static void test_vrrp_role_table(void **state)
{
	static const struct {
		enum vgmp_state s;
		enum vrrp_role active_binding, standby_binding;
	} want[] = {
		{ VGMP_STATE_INITIALIZE, VRRP_ROLE_BACKUP, VRRP_ROLE_BACKUP },
		{ VGMP_STATE_ACTIVE, VRRP_ROLE_MASTER, VRRP_ROLE_MASTER },
		{ VGMP_STATE_STANDBY, VRRP_ROLE_BACKUP, VRRP_ROLE_BACKUP },
		{ VGMP_STATE_LOAD_BALANCE, VRRP_ROLE_MASTER, VRRP_ROLE_BACKUP },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(vgmp_vrrp_role(want[i].s, HS_BIND_ACTIVE), want[i].active_binding);
		assert_int_equal(vgmp_vrrp_role(want[i].s, HS_BIND_STANDBY),
				 want[i].standby_binding);
		assert_int_equal(vgmp_vrrp_role(want[i].s, HS_BIND_NONE), VRRP_ROLE_INVALID);
	}
	/* Two boxes in load-balance: every group has exactly one master. */
	for (int b = HS_BIND_ACTIVE; b <= HS_BIND_STANDBY; b++) {
		int other = b == HS_BIND_ACTIVE ? HS_BIND_STANDBY : HS_BIND_ACTIVE;
		assert_int_not_equal(vgmp_vrrp_role(VGMP_STATE_LOAD_BALANCE, b),
				     vgmp_vrrp_role(VGMP_STATE_LOAD_BALANCE, other));
	}
	assert_int_equal(vgmp_vrrp_role(VGMP_STATE_MAX, HS_BIND_ACTIVE), VRRP_ROLE_INVALID);
	assert_int_equal(vgmp_vrrp_role(VGMP_STATE_INVALID, HS_BIND_ACTIVE), VRRP_ROLE_INVALID);
	assert_int_equal(vgmp_vrrp_role(VGMP_STATE_ACTIVE, HS_BIND_MAX), VRRP_ROLE_INVALID);
	assert_int_equal(vgmp_vrrp_role(VGMP_STATE_ACTIVE, -1), VRRP_ROLE_INVALID);
}

static struct vgmp_ospf_step plan(enum vgmp_state s, bool peer_alive, enum vgmp_state ps,
				  enum vgmp_cost applied, uint64_t last, uint64_t now)
{
	struct vgmp_ospf_in in = {
		.enable_known = true,
		.hrp_enabled = true,
		.state = s,
		.peer_alive = peer_alive,
		.peer_state = ps,
		.applied = applied,
		.last_change_ms = last,
		.now_ms = now,
	};
	struct vgmp_ospf_step st;
	memset(&st, 0x55, sizeof(st));
	vgmp_ospf_plan(&in, &st);
	return st;
}

static void test_ospf_targets(void **state)
{
	struct vgmp_ospf_step st;
	/* Standby raises, once the peer is active. */
	st = plan(VGMP_STATE_STANDBY, true, VGMP_STATE_ACTIVE, VGMP_COST_UNKNOWN, VGMP_NEVER, 500);
	assert_int_equal(st.target, VGMP_COST_RAISED);
	assert_false(st.wait_peer);
	assert_int_equal(st.at_ms, 500);
	/* ... and waits while the peer has not announced active (it lowers first). */
	st = plan(VGMP_STATE_STANDBY, true, VGMP_STATE_STANDBY, VGMP_COST_NORMAL, VGMP_NEVER, 500);
	assert_int_equal(st.target, VGMP_COST_RAISED);
	assert_true(st.wait_peer);
	assert_int_equal(st.at_ms, VGMP_NEVER);
	st = plan(VGMP_STATE_STANDBY, true, VGMP_STATE_LOAD_BALANCE, VGMP_COST_NORMAL, VGMP_NEVER,
		  500);
	assert_true(st.wait_peer);
	/* A dead peer has nothing to lower first. */
	st = plan(VGMP_STATE_STANDBY, false, VGMP_STATE_STANDBY, VGMP_COST_NORMAL, VGMP_NEVER, 500);
	assert_int_equal(st.target, VGMP_COST_RAISED);
	assert_false(st.wait_peer);
	/* Active and load-balance lower, never waiting for the peer. */
	st = plan(VGMP_STATE_ACTIVE, true, VGMP_STATE_ACTIVE, VGMP_COST_RAISED, VGMP_NEVER, 700);
	assert_int_equal(st.target, VGMP_COST_NORMAL);
	assert_false(st.wait_peer);
	assert_int_equal(st.at_ms, 700);
	st = plan(VGMP_STATE_LOAD_BALANCE, true, VGMP_STATE_STANDBY, VGMP_COST_RAISED, VGMP_NEVER,
		  700);
	assert_int_equal(st.target, VGMP_COST_NORMAL);
	/* Nothing to do when applied already, or in initialize while the election runs. */
	st = plan(VGMP_STATE_ACTIVE, true, VGMP_STATE_STANDBY, VGMP_COST_NORMAL, 100, 700);
	assert_int_equal(st.target, VGMP_COST_UNKNOWN);
	assert_int_equal(st.at_ms, VGMP_NEVER);
	st = plan(VGMP_STATE_STANDBY, true, VGMP_STATE_ACTIVE, VGMP_COST_RAISED, 100, 700);
	assert_int_equal(st.target, VGMP_COST_UNKNOWN);
	st = plan(VGMP_STATE_INITIALIZE, true, VGMP_STATE_ACTIVE, VGMP_COST_RAISED, 100, 700);
	assert_int_equal(st.target, VGMP_COST_UNKNOWN);

	/* hrp disabled: back to normal. */
	struct vgmp_ospf_in in = {
		.enable_known = true,
		.hrp_enabled = false,
		.state = VGMP_STATE_INITIALIZE,
		.peer_alive = true,
		.peer_state = VGMP_STATE_STANDBY,
		.applied = VGMP_COST_RAISED,
		.last_change_ms = VGMP_NEVER,
		.now_ms = 9,
	};
	vgmp_ospf_plan(&in, &st);
	assert_int_equal(st.target, VGMP_COST_NORMAL);
	assert_int_equal(st.at_ms, 9);
	in.applied = VGMP_COST_NORMAL;
	vgmp_ospf_plan(&in, &st);
	assert_int_equal(st.target, VGMP_COST_UNKNOWN);
}

/* At most one change per box per second (or the configured interval). */
static void test_ospf_rate_limit(void **state)
{
	struct vgmp_ospf_step st;
	st = plan(VGMP_STATE_ACTIVE, true, VGMP_STATE_STANDBY, VGMP_COST_RAISED, 1000, 1500);
	assert_int_equal(st.target, VGMP_COST_NORMAL);
	assert_int_equal(st.at_ms, 2000);
	st = plan(VGMP_STATE_ACTIVE, true, VGMP_STATE_STANDBY, VGMP_COST_RAISED, 1000, 1999);
	assert_int_equal(st.at_ms, 2000);
	st = plan(VGMP_STATE_ACTIVE, true, VGMP_STATE_STANDBY, VGMP_COST_RAISED, 1000, 2000);
	assert_int_equal(st.at_ms, 2000);
	st = plan(VGMP_STATE_ACTIVE, true, VGMP_STATE_STANDBY, VGMP_COST_RAISED, 1000, 5000);
	assert_int_equal(st.at_ms, 5000);
	st = plan(VGMP_STATE_STANDBY, true, VGMP_STATE_ACTIVE, VGMP_COST_NORMAL, 4800, 5000);
	assert_int_equal(st.target, VGMP_COST_RAISED);
	assert_int_equal(st.at_ms, 5800);

	struct vgmp_ospf_in in = {
		.enable_known = true,
		.hrp_enabled = true,
		.state = VGMP_STATE_ACTIVE,
		.peer_state = VGMP_STATE_STANDBY,
		.peer_alive = true,
		.applied = VGMP_COST_RAISED,
		.last_change_ms = 1000,
		.min_interval_ms = 250,
		.now_ms = 1100,
	};
	vgmp_ospf_plan(&in, &st);
	assert_int_equal(st.at_ms, 1250);
}

/* With prefer (the active's cost known and above 1): an active goes one below normal until the
 * peer confirms its raised cost, then back to normal once that has lasted the interval. */
static struct vgmp_ospf_step plan_prefer(enum vgmp_state s, enum vgmp_cost applied,
					 uint64_t last, uint64_t peer_raised, uint64_t now)
{
	struct vgmp_ospf_in in = {
		.enable_known = true,
		.hrp_enabled = true,
		.state = s,
		.peer_alive = true,
		.peer_state = s == VGMP_STATE_ACTIVE ? VGMP_STATE_STANDBY : VGMP_STATE_ACTIVE,
		.applied = applied,
		.last_change_ms = last,
		.now_ms = now,
		.prefer = true,
		.peer_raised_ms = peer_raised,
	};
	struct vgmp_ospf_step st;
	memset(&st, 0x55, sizeof(st));
	vgmp_ospf_plan(&in, &st);
	return st;
}

static void test_ospf_preferred(void **state)
{
	struct vgmp_ospf_step st;
	assert_string_equal(vgmp_cost_name(VGMP_COST_PREFERRED), "preferred");
	/* A takeover (the peer failed: nothing confirmed) goes one below normal, at once. */
	st = plan_prefer(VGMP_STATE_ACTIVE, VGMP_COST_RAISED, 1000, VGMP_NEVER, 9000);
	assert_int_equal(st.target, VGMP_COST_PREFERRED);
	assert_false(st.wait_peer);
	assert_int_equal(st.at_ms, 9000);
	/* ... within the rate limit as any change. */
	st = plan_prefer(VGMP_STATE_ACTIVE, VGMP_COST_RAISED, 8500, VGMP_NEVER, 9000);
	assert_int_equal(st.at_ms, 9500);
	/* It stays there while the peer does not confirm (a standby with its uplink down). */
	st = plan_prefer(VGMP_STATE_ACTIVE, VGMP_COST_PREFERRED, 9000, VGMP_NEVER, 99000);
	assert_int_equal(st.target, VGMP_COST_UNKNOWN);
	assert_int_equal(st.at_ms, VGMP_NEVER);
	/* Confirmed at 40000: normal no sooner than a second later ... */
	st = plan_prefer(VGMP_STATE_ACTIVE, VGMP_COST_PREFERRED, 9000, 40000, 40000);
	assert_int_equal(st.target, VGMP_COST_NORMAL);
	assert_int_equal(st.at_ms, 41000);
	st = plan_prefer(VGMP_STATE_ACTIVE, VGMP_COST_PREFERRED, 9000, 40000, 41500);
	assert_int_equal(st.at_ms, 41500);
	/* ... nor within a second of our own last change. */
	st = plan_prefer(VGMP_STATE_ACTIVE, VGMP_COST_PREFERRED, 40800, 40000, 41000);
	assert_int_equal(st.at_ms, 41800);
	/* Normal already, the peer confirmed: nothing to do; the peer fails again: preferred. */
	st = plan_prefer(VGMP_STATE_ACTIVE, VGMP_COST_NORMAL, 9000, 40000, 50000);
	assert_int_equal(st.target, VGMP_COST_UNKNOWN);
	st = plan_prefer(VGMP_STATE_ACTIVE, VGMP_COST_NORMAL, 9000, VGMP_NEVER, 50000);
	assert_int_equal(st.target, VGMP_COST_PREFERRED);
	assert_int_equal(st.at_ms, 50000);
	/* A first decision (vgmpd restarted) with the peer confirmed: normal, no detour. */
	st = plan_prefer(VGMP_STATE_ACTIVE, VGMP_COST_UNKNOWN, VGMP_NEVER, 100, 50000);
	assert_int_equal(st.target, VGMP_COST_NORMAL);
	assert_int_equal(st.at_ms, 50000);
	/* Only the active: load-balance is normal, standby raised (after the peer is active). */
	st = plan_prefer(VGMP_STATE_LOAD_BALANCE, VGMP_COST_RAISED, VGMP_NEVER, VGMP_NEVER, 500);
	assert_int_equal(st.target, VGMP_COST_NORMAL);
	st = plan_prefer(VGMP_STATE_STANDBY, VGMP_COST_PREFERRED, VGMP_NEVER, VGMP_NEVER, 500);
	assert_int_equal(st.target, VGMP_COST_RAISED);
	assert_false(st.wait_peer);
	/* Without prefer an active is never below normal. */
	st = plan(VGMP_STATE_ACTIVE, false, VGMP_STATE_STANDBY, VGMP_COST_RAISED, VGMP_NEVER, 500);
	assert_int_equal(st.target, VGMP_COST_NORMAL);
	/* hrp disabled with prefer: normal. */
	struct vgmp_ospf_in in = {
		.enable_known = true,
		.hrp_enabled = false,
		.state = VGMP_STATE_ACTIVE,
		.applied = VGMP_COST_PREFERRED,
		.last_change_ms = VGMP_NEVER,
		.now_ms = 7,
		.prefer = true,
		.peer_raised_ms = VGMP_NEVER,
	};
	vgmp_ospf_plan(&in, &st);
	assert_int_equal(st.target, VGMP_COST_NORMAL);
	assert_int_equal(st.at_ms, 7);
}

/* A cold start, before the core has been told whether hrp is enabled: "disabled" is only the
 * initial value, so nothing changes, whatever FRR has (a previous process's raised cost on a
 * standby); told, the plan speaks. */
static void test_ospf_nothing_before_enable_known(void **state)
{
	struct vgmp_ospf_step st;
	struct vgmp_ospf_in in = {
		.enable_known = false,
		.hrp_enabled = false,
		.state = VGMP_STATE_INITIALIZE,
		.applied = VGMP_COST_UNKNOWN,
		.last_change_ms = VGMP_NEVER,
		.now_ms = 5,
	};
	for (int a = VGMP_COST_UNKNOWN; a < VGMP_COST_MAX; a++) {
		in.applied = (enum vgmp_cost)a;
		memset(&st, 0x55, sizeof(st));
		vgmp_ospf_plan(&in, &st);
		assert_int_equal(st.target, VGMP_COST_UNKNOWN);
		assert_false(st.wait_peer);
		assert_int_equal(st.at_ms, VGMP_NEVER);
	}
	/* Known disabled: the normal cost, at once. */
	in.enable_known = true;
	in.applied = VGMP_COST_RAISED;
	vgmp_ospf_plan(&in, &st);
	assert_int_equal(st.target, VGMP_COST_NORMAL);
	assert_int_equal(st.at_ms, 5);
	/* Known enabled, initialize: still nothing (the election has not spoken). */
	in.hrp_enabled = true;
	vgmp_ospf_plan(&in, &st);
	assert_int_equal(st.target, VGMP_COST_UNKNOWN);
}

/* What a cost read from FRR at a cold start stands for. */
static void test_cost_level(void **state)
{
	assert_int_equal(vgmp_cost_level(65500, 65500, 0), VGMP_COST_RAISED);
	assert_int_equal(vgmp_cost_level(0, 65500, 0), VGMP_COST_NORMAL);
	assert_int_equal(vgmp_cost_level(10, 65500, 0), VGMP_COST_UNKNOWN); /* not ours */
	assert_int_equal(vgmp_cost_level(10, 65500, 10), VGMP_COST_NORMAL);
	assert_int_equal(vgmp_cost_level(9, 65500, 10), VGMP_COST_PREFERRED);
	assert_int_equal(vgmp_cost_level(0, 65500, 10), VGMP_COST_UNKNOWN);
	/* no preferred below 1 */
	assert_int_equal(vgmp_cost_level(0, 65500, 1), VGMP_COST_UNKNOWN);
	assert_int_equal(vgmp_cost_level(65500, 65500, 10), VGMP_COST_RAISED);
	assert_int_equal(vgmp_cost_level(-22, 65500, 0), VGMP_COST_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_wire),
		cmocka_unit_test(test_vrrp_role_table),
		cmocka_unit_test(test_ospf_targets),
		cmocka_unit_test(test_ospf_rate_limit),
		cmocka_unit_test(test_ospf_preferred),
		cmocka_unit_test(test_ospf_nothing_before_enable_known),
		cmocka_unit_test(test_cost_level),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
