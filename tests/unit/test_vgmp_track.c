/* VGMP trackers and the priority ledger: registry rules, priority arithmetic, hold-down, flap
 * damping (the decay arithmetic against brute force, suppression and reuse at the computed
 * time), reconfiguration, removal, the ledger ring. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vgmp_track.h"

static struct vgmp_tracker_params tp(const char *name, uint32_t hold_ms)
{
	struct vgmp_tracker_params p = { .hold_down_ms = hold_ms };
	snprintf(p.name, sizeof(p.name), "%s", name);
	snprintf(p.type, sizeof(p.type), "interface");
	return p;
}

static const struct vgmp_ledger_entry *newest(const struct vgmp_track *t)
{
	const struct vgmp_ledger_entry *e = vgmp_ledger_get(t, 0);
	assert_non_null(e);
	return e;
}

static void assert_entry(const struct vgmp_ledger_entry *e, uint64_t time, int tracker,
			 const char *name, int delta, unsigned old, unsigned new_prio,
			 enum vgmp_ledger_cause cause)
{
	assert_int_equal(e->time_ms, time);
	assert_int_equal(e->tracker, tracker);
	assert_string_equal(e->name, name);
	assert_int_equal(e->delta, delta);
	assert_int_equal(e->old_priority, old);
	assert_int_equal(e->new_priority, new_prio);
	assert_int_equal(e->cause, cause);
}

static void test_names(void **state)
{
	assert_string_equal(vgmp_obj_state_name(VGMP_OBJ_UP), "up");
	assert_string_equal(vgmp_obj_state_name(VGMP_OBJ_DOWN), "down");
	assert_string_equal(vgmp_obj_state_name(VGMP_OBJ_UNKNOWN), "unknown");
	assert_string_equal(vgmp_obj_state_name(VGMP_OBJ_MAX), "?");
	for (int c = 0; c < VGMP_LEDGER_CAUSE_MAX; c++)
		assert_string_not_equal(vgmp_ledger_cause_name((enum vgmp_ledger_cause)c), "?");
	assert_string_equal(vgmp_ledger_cause_name(VGMP_LEDGER_CAUSE_INVALID), "?");
}

static void test_registry(void **state)
{
	struct vgmp_track t;
	assert_int_equal(vgmp_track_init(&t, 0, 2), -EINVAL);
	assert_int_equal(vgmp_track_init(&t, 45000, 0), -EINVAL);
	assert_int_equal(vgmp_track_init(&t, 45000, 2), 0);
	assert_int_equal(t.priority, 45000);
	assert_false(vgmp_track_degraded(&t));
	assert_int_equal(vgmp_ledger_count(&t), 0);
	assert_null(vgmp_ledger_get(&t, 0));
	assert_int_equal(vgmp_track_next_deadline(&t), VGMP_NEVER);

	struct vgmp_tracker_params p = tp("eth1", 0);
	assert_int_equal(vgmp_track_add(&t, &p, 0), 0);
	assert_int_equal(vgmp_track_add(&t, &p, 0), -EEXIST);
	p = tp("", 0);
	assert_int_equal(vgmp_track_add(&t, &p, 0), -EINVAL);
	p = tp("eth2", 0);
	memset(p.type, 'x', sizeof(p.type)); /* not terminated */
	assert_int_equal(vgmp_track_add(&t, &p, 0), -EINVAL);
	p = tp("eth2", 0);
	p.damp = (struct vgmp_damping){
		.penalty = 1000, .suppress = 500, .reuse = 750, .half_life_ms = 1000
	}; /* reuse above suppress */
	assert_int_equal(vgmp_track_add(&t, &p, 0), -EINVAL);
	p.damp = (struct vgmp_damping){ .penalty = 1000, .suppress = 2000, .reuse = 750 };
	assert_int_equal(vgmp_track_add(&t, &p, 0), -EINVAL); /* no half-life */
	p.damp = (struct vgmp_damping){ .penalty = 1000,
					.suppress = 2000,
					.reuse = 750,
					.half_life_ms = 1000,
					.max_penalty = 1500 };
	assert_int_equal(vgmp_track_add(&t, &p, 0), -EINVAL); /* cap below suppress */
	p.damp.max_penalty = 0;
	assert_int_equal(vgmp_track_add(&t, &p, 0), 1);
	assert_int_equal(vgmp_track_get(&t, 1)->p.damp.max_penalty, 8000); /* 4 x suppress */

	assert_int_equal(vgmp_track_find(&t, "eth1"), 0);
	assert_int_equal(vgmp_track_find(&t, "eth2"), 1);
	assert_int_equal(vgmp_track_find(&t, "eth9"), -ENOENT);
	assert_null(vgmp_track_get(&t, 2));
	assert_null(vgmp_track_get(&t, -1));
	assert_int_equal(vgmp_track_set(&t, 5, VGMP_OBJ_DOWN, 0), -ENOENT);
	assert_int_equal(vgmp_track_set(&t, 0, VGMP_OBJ_MAX, 0), -EINVAL);
	assert_int_equal(vgmp_track_remove(&t, 7, 0), -ENOENT);

	/* Full at VGMP_TRACKERS_MAX; a removed slot is reused. */
	for (int i = 2; i < VGMP_TRACKERS_MAX; i++) {
		char name[16];
		snprintf(name, sizeof(name), "t%d", i);
		p = tp(name, 0);
		assert_int_equal(vgmp_track_add(&t, &p, 0), i);
	}
	p = tp("one-too-many", 0);
	assert_int_equal(vgmp_track_add(&t, &p, 0), -ENOSPC);
	assert_int_equal(vgmp_track_remove(&t, 10, 0), 0);
	assert_int_equal(vgmp_track_add(&t, &p, 0), 10);
	/* Nothing changed the priority, so nothing was written. */
	assert_int_equal(t.priority, 45000);
	assert_int_equal(vgmp_ledger_count(&t), 0);
}

/* -fault_penalty per object that counts as down; unknown costs nothing; the ledger says who. */
static void test_priority_and_ledger(void **state)
{
	struct vgmp_track t;
	vgmp_track_init(&t, 45000, 2);
	struct vgmp_tracker_params p = tp("eth1", 0);
	int a = vgmp_track_add(&t, &p, 0);
	p = tp("ip-link isp", 0);
	snprintf(p.type, sizeof(p.type), "ip-link");
	p.weight = 10;
	int b = vgmp_track_add(&t, &p, 0);

	assert_int_equal(vgmp_track_set(&t, a, VGMP_OBJ_UP, 100), 0);
	assert_int_equal(t.priority, 45000);
	assert_int_equal(vgmp_ledger_count(&t), 0);

	vgmp_track_set(&t, a, VGMP_OBJ_DOWN, 200);
	assert_int_equal(t.priority, 44998);
	assert_true(vgmp_track_degraded(&t));
	assert_int_equal(vgmp_track_get(&t, a)->contribution, -2);
	assert_int_equal(vgmp_track_get(&t, a)->effective, VGMP_OBJ_DOWN);
	assert_entry(newest(&t), 200, a, "eth1", -2, 45000, 44998, VGMP_LEDGER_DOWN);

	/* A repeated report changes nothing. */
	vgmp_track_set(&t, a, VGMP_OBJ_DOWN, 250);
	assert_int_equal(vgmp_ledger_count(&t), 1);

	/* A first report of down (from unknown) counts, with the tracker's own weight. */
	vgmp_track_set(&t, b, VGMP_OBJ_DOWN, 300);
	assert_int_equal(t.priority, 44988);
	assert_entry(newest(&t), 300, b, "ip-link isp", -10, 44998, 44988, VGMP_LEDGER_DOWN);
	assert_int_equal(vgmp_track_get(&t, b)->flaps, 0); /* unknown -> down is no flap */

	vgmp_track_set(&t, a, VGMP_OBJ_UP, 400);
	assert_entry(newest(&t), 400, a, "eth1", 2, 44988, 44990, VGMP_LEDGER_UP);
	/* Unknown counts as up. */
	vgmp_track_set(&t, b, VGMP_OBJ_UNKNOWN, 500);
	assert_entry(newest(&t), 500, b, "ip-link isp", 10, 44990, 45000, VGMP_LEDGER_UNKNOWN);
	assert_false(vgmp_track_degraded(&t));

	/* Removing a down tracker gives its contribution back. */
	vgmp_track_set(&t, a, VGMP_OBJ_DOWN, 600);
	assert_int_equal(vgmp_track_get(&t, a)->flaps, 2);
	assert_int_equal(vgmp_track_remove(&t, a, 700), 0);
	assert_entry(newest(&t), 700, a, "eth1", 2, 44998, 45000, VGMP_LEDGER_REMOVED);
	assert_null(vgmp_track_get(&t, a));

	/* Oldest first when read from the end. */
	assert_int_equal(vgmp_ledger_count(&t), 6);
	assert_entry(vgmp_ledger_get(&t, 5), 200, a, "eth1", -2, 45000, 44998, VGMP_LEDGER_DOWN);
	assert_null(vgmp_ledger_get(&t, 6));

	/* Clamped at 0, and the ledger shows the clamped result. */
	struct vgmp_track small;
	vgmp_track_init(&small, 5, 4);
	p = tp("x", 0);
	int x = vgmp_track_add(&small, &p, 0);
	p = tp("y", 0);
	int y = vgmp_track_add(&small, &p, 0);
	vgmp_track_set(&small, x, VGMP_OBJ_DOWN, 1);
	vgmp_track_set(&small, y, VGMP_OBJ_DOWN, 2);
	assert_int_equal(small.priority, 0);
	assert_entry(newest(&small), 2, y, "y", -4, 1, 0, VGMP_LEDGER_DOWN);
}

static void test_hold_down(void **state)
{
	struct vgmp_track t;
	vgmp_track_init(&t, 45000, 2);
	struct vgmp_tracker_params p = tp("eth1", 500);
	int a = vgmp_track_add(&t, &p, 0);
	vgmp_track_set(&t, a, VGMP_OBJ_UP, 0);

	/* A short down never counts. */
	vgmp_track_set(&t, a, VGMP_OBJ_DOWN, 1000);
	assert_int_equal(t.priority, 45000);
	assert_int_equal(vgmp_track_next_deadline(&t), 1500);
	vgmp_track_timer(&t, 1300);
	assert_int_equal(t.priority, 45000);
	vgmp_track_set(&t, a, VGMP_OBJ_UP, 1400);
	assert_int_equal(vgmp_track_next_deadline(&t), VGMP_NEVER);
	vgmp_track_timer(&t, 1500);
	assert_int_equal(t.priority, 45000);
	assert_int_equal(vgmp_ledger_count(&t), 0);
	assert_int_equal(vgmp_track_get(&t, a)->flaps, 1); /* still a flap for damping */

	/* A long one counts exactly when the hold-down runs out. */
	vgmp_track_set(&t, a, VGMP_OBJ_DOWN, 2000);
	vgmp_track_timer(&t, 2499);
	assert_int_equal(t.priority, 45000);
	assert_int_equal(vgmp_track_next_deadline(&t), 2500);
	vgmp_track_timer(&t, 2500);
	assert_int_equal(t.priority, 44998);
	assert_entry(newest(&t), 2500, a, "eth1", -2, 45000, 44998, VGMP_LEDGER_DOWN);
	assert_int_equal(vgmp_track_next_deadline(&t), VGMP_NEVER);
	/* Recovery counts at once. */
	vgmp_track_set(&t, a, VGMP_OBJ_UP, 2600);
	assert_int_equal(t.priority, 45000);
	assert_entry(newest(&t), 2600, a, "eth1", 2, 44998, 45000, VGMP_LEDGER_UP);
}

static uint64_t brute_reuse_after(uint32_t p, uint32_t reuse, uint32_t hl)
{
	uint64_t dt = 0;
	while (vgmp_damp_decay(p, dt, hl) >= reuse)
		dt++;
	return dt;
}

static void test_damp_arithmetic(void **state)
{
	/* Exact at every half-life. */
	assert_int_equal(vgmp_damp_decay(1000, 0, 10000), 1000);
	assert_int_equal(vgmp_damp_decay(1000, 10000, 10000), 500);
	assert_int_equal(vgmp_damp_decay(1000, 20000, 10000), 250);
	assert_int_equal(vgmp_damp_decay(1000, 5000, 10000), 750); /* linear within one */
	assert_int_equal(vgmp_damp_decay(1000, 32 * 10000ull, 10000), 0);
	assert_int_equal(vgmp_damp_decay(UINT32_MAX, 31 * 1000ull, 1000), 1);
	assert_int_equal(vgmp_damp_decay(1000, 12345, 0), 1000);

	/* Never increasing. */
	uint32_t prev = vgmp_damp_decay(3001, 0, 997);
	for (uint64_t dt = 1; dt < 12000; dt++) {
		uint32_t cur = vgmp_damp_decay(3001, dt, 997);
		assert_true(cur <= prev);
		prev = cur;
	}

	/* reuse_after is the first moment below reuse. */
	static const uint32_t cases[][3] = {
		{ 1000, 750, 10000 }, { 1999, 750, 10000 }, { 2000, 1000, 1000 },
		{ 3001, 1, 997 },     { 8000, 799, 333 },   { 1500, 1499, 100 },
		{ 751, 750, 5000 },   { 1, 1, 50 },         { 100000, 3, 77 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t p = cases[i][0], r = cases[i][1], hl = cases[i][2];
		uint64_t got = vgmp_damp_reuse_after(p, r, hl);
		assert_int_equal(got, brute_reuse_after(p, r, hl));
		assert_true(vgmp_damp_decay(p, got, hl) < r);
		if (got > 0)
			assert_true(vgmp_damp_decay(p, got - 1, hl) >= r);
	}
	assert_int_equal(vgmp_damp_reuse_after(500, 750, 1000), 0);
	assert_int_equal(vgmp_damp_reuse_after(500, 0, 1000), VGMP_NEVER);
	assert_int_equal(vgmp_damp_reuse_after(500, 400, 0), VGMP_NEVER);
}

static void test_damping(void **state)
{
	struct vgmp_track t;
	vgmp_track_init(&t, 45000, 2);
	struct vgmp_tracker_params p = tp("eth1", 0);
	p.damp = (struct vgmp_damping){
		.penalty = 1000, .suppress = 1500, .reuse = 750, .half_life_ms = 10000
	};
	int a = vgmp_track_add(&t, &p, 0);
	vgmp_track_set(&t, a, VGMP_OBJ_UP, 0);

	/* First flap: penalty 1000, below suppress; it counts as a plain down. */
	vgmp_track_set(&t, a, VGMP_OBJ_DOWN, 10);
	const struct vgmp_tracker *k = vgmp_track_get(&t, a);
	assert_int_equal(k->penalty, 1000);
	assert_false(k->suppressed);
	assert_entry(newest(&t), 10, a, "eth1", -2, 45000, 44998, VGMP_LEDGER_DOWN);
	vgmp_track_set(&t, a, VGMP_OBJ_UP, 20);
	assert_int_equal(t.priority, 45000);

	/* Second flap 20 ms later: 999 + 1000 = 1999, suppressed. */
	vgmp_track_set(&t, a, VGMP_OBJ_DOWN, 30);
	assert_int_equal(k->penalty, 1999);
	assert_true(k->suppressed);
	assert_int_equal(k->suppressions, 1);
	assert_entry(newest(&t), 30, a, "eth1", -2, 45000, 44998, VGMP_LEDGER_SUPPRESSED);

	/* Up again, but suppressed: still counts as down, nothing written. */
	size_t n = vgmp_ledger_count(&t);
	vgmp_track_set(&t, a, VGMP_OBJ_UP, 40);
	assert_int_equal(t.priority, 44998);
	assert_int_equal(k->effective, VGMP_OBJ_DOWN);
	assert_int_equal(vgmp_ledger_count(&t), n);

	/* Reused exactly when the penalty decays below 750. */
	uint64_t at = 30 + brute_reuse_after(1999, 750, 10000);
	assert_int_equal(vgmp_track_next_deadline(&t), at);
	vgmp_track_timer(&t, at - 1);
	assert_int_equal(t.priority, 44998);
	assert_true(vgmp_tracker_penalty(k, at - 1) >= 750);
	vgmp_track_timer(&t, at);
	assert_false(k->suppressed);
	assert_int_equal(t.priority, 45000);
	assert_entry(newest(&t), at, a, "eth1", 2, 44998, 45000, VGMP_LEDGER_REUSED);
	assert_int_equal(vgmp_track_next_deadline(&t), VGMP_NEVER);

	/* Reused while it reports down: stays down, no entry. */
	vgmp_track_set(&t, a, VGMP_OBJ_DOWN, at + 1);
	vgmp_track_set(&t, a, VGMP_OBJ_UP, at + 2);
	vgmp_track_set(&t, a, VGMP_OBJ_DOWN, at + 3); /* suppressed again */
	assert_true(k->suppressed);
	n = vgmp_ledger_count(&t);
	uint64_t at2 = vgmp_track_next_deadline(&t);
	vgmp_track_timer(&t, at2);
	assert_false(k->suppressed);
	assert_int_equal(k->effective, VGMP_OBJ_DOWN);
	assert_int_equal(t.priority, 44998);
	/* Reuse while down changed no contribution: nothing written. */
	assert_int_equal(vgmp_ledger_count(&t), n);

	/* The cap. */
	struct vgmp_track c;
	vgmp_track_init(&c, 100, 1);
	p = tp("flappy", 0);
	p.damp = (struct vgmp_damping){ .penalty = 1000,
					.suppress = 1500,
					.reuse = 750,
					.half_life_ms = 60000,
					.max_penalty = 3000 };
	int f = vgmp_track_add(&c, &p, 0);
	for (int i = 0; i < 10; i++) {
		vgmp_track_set(&c, f, VGMP_OBJ_UP, (uint64_t)i * 2);
		vgmp_track_set(&c, f, VGMP_OBJ_DOWN, (uint64_t)i * 2 + 1);
	}
	assert_int_equal(vgmp_track_get(&c, f)->penalty, 3000);
	assert_int_equal(vgmp_track_get(&c, f)->flaps, 10);
	assert_int_equal(vgmp_track_get(&c, f)->suppressions, 1);
}

/* Suppression while a down is inside its hold-down makes it count at once. */
static void test_damping_with_hold_down(void **state)
{
	struct vgmp_track t;
	vgmp_track_init(&t, 45000, 2);
	struct vgmp_tracker_params p = tp("eth1", 1000);
	p.damp = (struct vgmp_damping){
		.penalty = 1000, .suppress = 1500, .reuse = 750, .half_life_ms = 10000
	};
	int a = vgmp_track_add(&t, &p, 0);
	vgmp_track_set(&t, a, VGMP_OBJ_UP, 0);
	vgmp_track_set(&t, a, VGMP_OBJ_DOWN, 100); /* held */
	vgmp_track_set(&t, a, VGMP_OBJ_UP, 200);
	assert_int_equal(t.priority, 45000);
	vgmp_track_set(&t, a, VGMP_OBJ_DOWN, 300); /* suppressed: counts now, not at 1300 */
	assert_int_equal(t.priority, 44998);
	assert_entry(newest(&t), 300, a, "eth1", -2, 45000, 44998, VGMP_LEDGER_SUPPRESSED);
}

static void test_reconfigure(void **state)
{
	struct vgmp_track t;
	vgmp_track_init(&t, 45000, 2);
	struct vgmp_tracker_params p = tp("eth1", 0);
	int a = vgmp_track_add(&t, &p, 0);
	p = tp("bfd 1", 0);
	p.weight = 7;
	int b = vgmp_track_add(&t, &p, 0);
	vgmp_track_set(&t, a, VGMP_OBJ_DOWN, 10);
	vgmp_track_set(&t, b, VGMP_OBJ_DOWN, 10);
	assert_int_equal(t.priority, 44991);

	assert_int_equal(vgmp_track_reconfigure(&t, 45002, 2, 20), 0);
	assert_int_equal(t.priority, 44993);
	assert_entry(newest(&t), 20, VGMP_NO_TRACKER, "base", 2, 44991, 44993, VGMP_LEDGER_BASE);

	/* The penalty changes only the trackers without their own weight. */
	size_t n = vgmp_ledger_count(&t);
	assert_int_equal(vgmp_track_reconfigure(&t, 45002, 5, 30), 0);
	assert_int_equal(t.priority, 44990);
	assert_int_equal(vgmp_ledger_count(&t), n + 1);
	assert_entry(newest(&t), 30, a, "eth1", -3, 44993, 44990, VGMP_LEDGER_PENALTY);
	/* Unchanged config: nothing written. */
	assert_int_equal(vgmp_track_reconfigure(&t, 45002, 5, 40), 0);
	assert_int_equal(vgmp_ledger_count(&t), n + 1);
	assert_int_equal(vgmp_track_reconfigure(&t, 0, 5, 40), -EINVAL);
}

static void test_ledger_ring(void **state)
{
	struct vgmp_track t;
	vgmp_track_init(&t, 45000, 2);
	struct vgmp_tracker_params p = tp("eth1", 0);
	int a = vgmp_track_add(&t, &p, 0);
	for (int i = 0; i < 40; i++)
		vgmp_track_set(&t, a, i % 2 ? VGMP_OBJ_UP : VGMP_OBJ_DOWN, (uint64_t)i);
	assert_int_equal(t.ledger_total, 40);
	assert_int_equal(vgmp_ledger_count(&t), VGMP_LEDGER_MAX);
	for (size_t i = 0; i < VGMP_LEDGER_MAX; i++) {
		const struct vgmp_ledger_entry *e = vgmp_ledger_get(&t, i);
		uint64_t when = 39 - i;
		assert_int_equal(e->time_ms, when);
		assert_int_equal(e->delta, when % 2 ? 2 : -2);
		assert_int_equal(e->cause, when % 2 ? VGMP_LEDGER_UP : VGMP_LEDGER_DOWN);
	}
	assert_null(vgmp_ledger_get(&t, VGMP_LEDGER_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_priority_and_ledger),
		cmocka_unit_test(test_hold_down),
		cmocka_unit_test(test_damp_arithmetic),
		cmocka_unit_test(test_damping),
		cmocka_unit_test(test_damping_with_hold_down),
		cmocka_unit_test(test_reconfigure),
		cmocka_unit_test(test_ledger_ring),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
