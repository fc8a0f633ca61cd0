/* The loop's timer heap: deadline order, equal deadlines in arming order, cancel and re-arm from
 * inside a pass, the per-pass limit, and a long random run against a plain reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "timer_heap.h"

#define N_TIMERS 64

struct timer {
	struct hs_theap_node node;
	int id;
	void (*action)(struct timer *self); /* run when it fires, NULL for nothing */
};

static struct fixture {
	struct hs_theap heap;
	struct timer t[N_TIMERS];
	int fired[4 * N_TIMERS];
	size_t n_fired;
	uint64_t now;
} F;

static void setup_timers(void)
{
	memset(&F, 0, sizeof(F));
	hs_theap_init(&F.heap);
	for (int i = 0; i < N_TIMERS; i++) {
		hs_theap_node_init(&F.t[i].node);
		F.t[i].id = i;
	}
}

static void fire(struct hs_theap_node *e, void *arg)
{
	struct timer *t = (struct timer *)((char *)e - offsetof(struct timer, node));
	assert_false(hs_theap_node_armed(e)); /* out before its callback */
	assert_ptr_equal(arg, &F);
	assert_true(F.n_fired < sizeof(F.fired) / sizeof(F.fired[0]));
	F.fired[F.n_fired++] = t->id;
	if (t->action)
		t->action(t);
}

static size_t run(uint64_t now, size_t max)
{
	return hs_theap_run_due(&F.heap, now, max, fire, &F);
}

static void arm(int id, uint64_t deadline)
{
	assert_int_equal(hs_theap_arm(&F.heap, &F.t[id].node, deadline), 0);
}

static void test_deadline_order(void **state)
{
	setup_timers();
	uint64_t deadlines[] = { 50, 10, 40, 20, 30, 60 };
	for (int i = 0; i < 6; i++)
		arm(i, deadlines[i]);
	assert_int_equal(hs_theap_top(&F.heap)->deadline, 10);
	/* Only what is due: nothing early. */
	assert_int_equal(run(9, 0), 0);
	assert_int_equal(run(35, 0), 3);
	assert_int_equal(F.fired[0], 1);
	assert_int_equal(F.fired[1], 3);
	assert_int_equal(F.fired[2], 4);
	assert_int_equal(hs_theap_top(&F.heap)->deadline, 40);
	assert_int_equal(run(1000, 0), 3);
	assert_int_equal(F.fired[3], 2);
	assert_int_equal(F.fired[4], 0);
	assert_int_equal(F.fired[5], 5);
	assert_null(hs_theap_top(&F.heap));
	hs_theap_free(&F.heap);
}

static void test_equal_deadlines_in_arming_order(void **state)
{
	setup_timers();
	int order[] = { 7, 3, 9, 1, 5 };
	for (int i = 0; i < 5; i++)
		arm(order[i], 100);
	arm(2, 99);
	/* Re-arming moves a timer behind the others of its new deadline. */
	arm(3, 100);
	assert_int_equal(run(100, 0), 6);
	int want[] = { 2, 7, 9, 1, 5, 3 };
	for (int i = 0; i < 6; i++)
		assert_int_equal(F.fired[i], want[i]);
	hs_theap_free(&F.heap);
}

static void cancel_timer_2(struct timer *self)
{
	hs_theap_cancel(&F.heap, &F.t[2].node);
	hs_theap_cancel(&F.heap, &self->node); /* its own: already out, nothing happens */
}

static void test_cancel_while_firing(void **state)
{
	setup_timers();
	F.t[1].action = cancel_timer_2;
	arm(1, 10);
	arm(2, 10); /* due in the same pass, cancelled by 1 before its turn */
	arm(3, 10);
	assert_int_equal(run(10, 0), 2);
	assert_int_equal(F.fired[0], 1);
	assert_int_equal(F.fired[1], 3);
	assert_false(hs_theap_node_armed(&F.t[2].node));
	assert_int_equal(run(1000, 0), 0);
	/* Cancel of a node that is not armed, and twice, changes nothing. */
	hs_theap_cancel(&F.heap, &F.t[2].node);
	assert_null(hs_theap_top(&F.heap));
	hs_theap_free(&F.heap);
}

static void rearm_for_now(struct timer *self)
{
	/* Re-armed at the pass's own time: it must wait for the next pass, not loop. */
	assert_int_equal(hs_theap_arm(&F.heap, &self->node, F.now), 0);
}

static void test_rearm_in_callback_runs_next_pass(void **state)
{
	setup_timers();
	F.now = 20;
	F.t[0].action = rearm_for_now;
	arm(0, 10);
	arm(1, 20);
	assert_int_equal(run(F.now, 0), 2);
	assert_int_equal(F.fired[0], 0);
	assert_int_equal(F.fired[1], 1);
	assert_true(hs_theap_node_armed(&F.t[0].node));
	assert_int_equal(hs_theap_top(&F.heap)->deadline, 20);
	F.t[0].action = NULL;
	assert_int_equal(run(F.now, 0), 1);
	assert_int_equal(F.fired[2], 0);
	assert_null(hs_theap_top(&F.heap));
	hs_theap_free(&F.heap);
}

static void rearm_timer_5_in_past(struct timer *self)
{
	assert_int_equal(hs_theap_arm(&F.heap, &F.t[5].node, 1), 0);
}

static void test_rearm_into_the_past_ends_the_pass(void **state)
{
	setup_timers();
	F.t[0].action = rearm_timer_5_in_past;
	arm(0, 10);
	arm(1, 20);
	arm(2, 30);
	/* 5 comes first now; it and the rest run next pass, none is lost. */
	assert_int_equal(run(50, 0), 1);
	assert_int_equal(run(50, 0), 3);
	assert_int_equal(F.fired[1], 5);
	assert_int_equal(F.fired[2], 1);
	assert_int_equal(F.fired[3], 2);
	hs_theap_free(&F.heap);
}

static void test_max_per_pass(void **state)
{
	setup_timers();
	for (int i = 0; i < 5; i++)
		arm(i, 10 + (uint64_t)i);
	assert_int_equal(run(100, 1), 1);
	assert_int_equal(run(100, 2), 2);
	assert_int_equal(run(100, 0), 2);
	for (int i = 0; i < 5; i++)
		assert_int_equal(F.fired[i], i);
	hs_theap_free(&F.heap);
}

static void test_free_disarms_what_is_left(void **state)
{
	setup_timers();
	arm(0, 10);
	arm(1, 20);
	hs_theap_free(&F.heap);
	assert_false(hs_theap_node_armed(&F.t[0].node));
	assert_false(hs_theap_node_armed(&F.t[1].node));
	assert_null(hs_theap_top(&F.heap));
	/* Usable again after a free. */
	arm(1, 5);
	assert_int_equal(run(5, 0), 1);
	hs_theap_free(&F.heap);
}

/* The earliest armed timer by (deadline, seq) in a plain scan. */
static int reference_top(const uint64_t *deadline, const uint64_t *seq, const int *armed)
{
	int best = -1;
	for (int i = 0; i < N_TIMERS; i++) {
		if (!armed[i])
			continue;
		if (best < 0 || deadline[i] < deadline[best] ||
		    (deadline[i] == deadline[best] && seq[i] < seq[best]))
			best = i;
	}
	return best;
}

static void test_random_against_reference(void **state)
{
	setup_timers();
	uint64_t deadline[N_TIMERS] = { 0 }, seq[N_TIMERS] = { 0 }, next_seq = 0;
	int armed[N_TIMERS] = { 0 };
	srand(14);
	for (int step = 0; step < 20000; step++) {
		int i = rand() % N_TIMERS;
		int op = rand() % 3;
		if (op < 2) { /* arm or re-arm, few distinct deadlines: many ties */
			uint64_t d = (uint64_t)(rand() % 16);
			arm(i, d);
			deadline[i] = d;
			seq[i] = next_seq++;
			armed[i] = 1;
		} else {
			hs_theap_cancel(&F.heap, &F.t[i].node);
			armed[i] = 0;
		}
		int want = reference_top(deadline, seq, armed);
		struct hs_theap_node *top = hs_theap_top(&F.heap);
		if (want < 0) {
			assert_null(top);
		} else {
			assert_ptr_equal(top, &F.t[want].node);
		}
		for (int k = 0; k < N_TIMERS; k++)
			assert_int_equal(hs_theap_node_armed(&F.t[k].node), armed[k]);
	}
	/* Everything left fires once, in (deadline, arming) order. */
	size_t left = 0;
	for (int k = 0; k < N_TIMERS; k++)
		left += (size_t)armed[k];
	assert_int_equal(run(UINT64_MAX, 0), left);
	for (size_t k = 0; k < left; k++) {
		int want = reference_top(deadline, seq, armed);
		assert_int_equal(F.fired[k], want);
		armed[want] = 0;
	}
	hs_theap_free(&F.heap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deadline_order),
		cmocka_unit_test(test_equal_deadlines_in_arming_order),
		cmocka_unit_test(test_cancel_while_firing),
		cmocka_unit_test(test_rearm_in_callback_runs_next_pass),
		cmocka_unit_test(test_rearm_into_the_past_ends_the_pass),
		cmocka_unit_test(test_max_per_pass),
		cmocka_unit_test(test_free_disarms_what_is_left),
		cmocka_unit_test(test_random_against_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
