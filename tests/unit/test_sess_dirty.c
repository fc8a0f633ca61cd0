/* Ranges dirty after writes of the peer's entries into our kernel were lost (lib/sess_dirty):
 * asked for again of a peer that sends its entries, once no bulk of it arrives or waits for its
 * sweep, at most once per hold; a bulk covering a range cleans it; a box that becomes active
 * forgets them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sess_dirty.h"

#define HOLD 1000

static struct hs_sess_dirty_now at(uint64_t now_ms)
{
	return (struct hs_sess_dirty_now){ .now_ms = now_ms, .hold_ms = HOLD, .peer_source = true };
}

static void nothing_lost_asks_nothing(void **state)
{
	(void)state;
	struct hs_sess_dirty d;
	hs_sess_dirty_init(&d);
	struct hs_sess_dirty_now n = at(5000);
	uint64_t again = 7;
	assert_true(hs_sess_dirty_due(&d, &n, &again) == 0);
	assert_true(again == 0);
}

static void lost_ranges_are_asked_for_at_once_then_clean(void **state)
{
	(void)state;
	struct hs_sess_dirty d;
	hs_sess_dirty_init(&d);
	hs_sess_dirty_mark(&d, 1ull << 3);
	hs_sess_dirty_mark(&d, 1ull << 60 | 1ull << 3);
	struct hs_sess_dirty_now n = at(5000);
	uint64_t again;
	assert_true(hs_sess_dirty_due(&d, &n, &again) == (1ull << 3 | 1ull << 60));
	assert_true(again == 0);
	hs_sess_dirty_asked(&d, 1ull << 3 | 1ull << 60, 5000);
	assert_true(hs_sess_dirty_due(&d, &n, &again) == 0);
	assert_true(again == 0); /* nothing waits */
}

static void not_while_a_bulk_arrives_or_its_sweep_waits(void **state)
{
	(void)state;
	struct hs_sess_dirty d;
	hs_sess_dirty_init(&d);
	hs_sess_dirty_mark(&d, 1ull << 9);
	struct hs_sess_dirty_now n = at(5000);
	n.receiving = true;
	uint64_t again;
	assert_true(hs_sess_dirty_due(&d, &n, &again) == 0);
	assert_true(again == 0); /* the bulk's end and its sweep's bring the caller back */
	n.receiving = false;
	assert_true(hs_sess_dirty_due(&d, &n, &again) == 1ull << 9);
}

static void a_peer_that_sends_nothing_is_not_asked_and_they_wait(void **state)
{
	(void)state;
	struct hs_sess_dirty d;
	hs_sess_dirty_init(&d);
	hs_sess_dirty_mark(&d, 1ull << 1);
	struct hs_sess_dirty_now n = at(5000);
	n.peer_source = false;
	uint64_t again;
	assert_true(hs_sess_dirty_due(&d, &n, &again) == 0);
	n.peer_source = true; /* the peer is back, still active */
	assert_true(hs_sess_dirty_due(&d, &n, &again) == 1ull << 1);
}

static void at_most_one_ask_per_hold(void **state)
{
	(void)state;
	struct hs_sess_dirty d;
	hs_sess_dirty_init(&d);
	hs_sess_dirty_mark(&d, 1ull << 2);
	struct hs_sess_dirty_now n = at(5000);
	uint64_t again;
	assert_true(hs_sess_dirty_due(&d, &n, &again) == 1ull << 2);
	hs_sess_dirty_asked(&d, 1ull << 2, 5000);
	/* The socket overruns again at once: asked for after the hold only. */
	hs_sess_dirty_mark(&d, 1ull << 2 | 1ull << 4);
	n.now_ms = 5400;
	assert_true(hs_sess_dirty_due(&d, &n, &again) == 0);
	assert_true(again == 5000 + HOLD);
	n.now_ms = 5000 + HOLD;
	assert_true(hs_sess_dirty_due(&d, &n, &again) == (1ull << 2 | 1ull << 4));
	assert_true(again == 0);
}

static void a_request_the_peer_did_not_take_is_asked_again(void **state)
{
	(void)state;
	struct hs_sess_dirty d;
	hs_sess_dirty_init(&d);
	hs_sess_dirty_mark(&d, 1ull << 5);
	struct hs_sess_dirty_now n = at(5000);
	uint64_t again;
	assert_true(hs_sess_dirty_due(&d, &n, &again) == 1ull << 5);
	/* not asked (the channel refused the request): still due */
	n.now_ms = 5001;
	assert_true(hs_sess_dirty_due(&d, &n, &again) == 1ull << 5);
}

static void a_bulk_cleans_the_ranges_it_covers(void **state)
{
	(void)state;
	struct hs_sess_dirty d;
	hs_sess_dirty_init(&d);
	hs_sess_dirty_mark(&d, 1ull << 7 | 1ull << 8);
	hs_sess_dirty_covered(&d, 1ull << 7);
	struct hs_sess_dirty_now n = at(5000);
	uint64_t again;
	assert_true(hs_sess_dirty_due(&d, &n, &again) == 1ull << 8);
	hs_sess_dirty_covered(&d, UINT64_MAX); /* a full bulk */
	assert_true(hs_sess_dirty_due(&d, &n, &again) == 0);
	/* Lost during the bulk (after its start): dirty again. */
	hs_sess_dirty_mark(&d, 1ull << 7);
	assert_true(hs_sess_dirty_due(&d, &n, &again) == 1ull << 7);
}

static void an_active_box_forgets_them(void **state)
{
	(void)state;
	struct hs_sess_dirty d;
	hs_sess_dirty_init(&d);
	hs_sess_dirty_mark(&d, 1ull << 0 | 1ull << 63);
	assert_int_equal(hs_sess_dirty_forget(&d), 2);
	struct hs_sess_dirty_now n = at(5000);
	uint64_t again;
	assert_true(hs_sess_dirty_due(&d, &n, &again) == 0);
	assert_int_equal(hs_sess_dirty_forget(&d), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nothing_lost_asks_nothing),
		cmocka_unit_test(lost_ranges_are_asked_for_at_once_then_clean),
		cmocka_unit_test(not_while_a_bulk_arrives_or_its_sweep_waits),
		cmocka_unit_test(a_peer_that_sends_nothing_is_not_asked_and_they_wait),
		cmocka_unit_test(at_most_one_ask_per_hold),
		cmocka_unit_test(a_request_the_peer_did_not_take_is_asked_again),
		cmocka_unit_test(a_bulk_cleans_the_ranges_it_covers),
		cmocka_unit_test(an_active_box_forgets_them),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
