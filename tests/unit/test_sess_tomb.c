/* Stones of our own destroys: an update crossing a destroy is known for the TTL and no longer,
 * a new entry clears the stone, another key in the same slot is no match, and nothing is
 * allocated before the first destroy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sess_tomb.h"

static struct hs_tomb t;

static int setup(void **state)
{
	(void)state;
	hs_tomb_init(&t);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	hs_tomb_free(&t);
	return 0;
}

static void a_destroy_is_recent_for_the_ttl(void **state)
{
	(void)state;
	assert_int_equal(hs_tomb_bury(&t, 0x1234, 1000), 0);
	assert_true(hs_tomb_recent(&t, 0x1234, 1000));
	assert_true(hs_tomb_recent(&t, 0x1234, 1000 + HS_TOMB_TTL_MS - 1));
	assert_false(hs_tomb_recent(&t, 0x1234, 1000 + HS_TOMB_TTL_MS));
	assert_int_equal(t.buried, 1);
}

static void a_new_entry_clears_its_stone(void **state)
{
	(void)state;
	hs_tomb_bury(&t, 0x77, 50);
	hs_tomb_clear(&t, 0x77);
	assert_false(hs_tomb_recent(&t, 0x77, 51));
	assert_int_equal(t.cleared, 1);
	hs_tomb_bury(&t, 0x77, 60); /* destroyed again: a stone again */
	assert_true(hs_tomb_recent(&t, 0x77, 61));
}

static void another_key_in_the_slot_is_no_match(void **state)
{
	(void)state;
	uint64_t a = 0x5, b = 0x5 + HS_TOMB_SLOTS; /* the same slot */
	hs_tomb_bury(&t, a, 10);
	assert_false(hs_tomb_recent(&t, b, 11));
	hs_tomb_clear(&t, b); /* not a's: a keeps its stone */
	assert_true(hs_tomb_recent(&t, a, 11));
	assert_int_equal(t.cleared, 0);
	hs_tomb_bury(&t, b, 12); /* b takes the slot: a is forgotten, counted */
	assert_false(hs_tomb_recent(&t, a, 13));
	assert_true(hs_tomb_recent(&t, b, 13));
	assert_int_equal(t.overwritten, 1);
	hs_tomb_bury(&t, a, 12 + HS_TOMB_TTL_MS); /* b's stone has expired: no loss */
	assert_int_equal(t.overwritten, 1);
}

static void nothing_before_the_first_destroy(void **state)
{
	(void)state;
	assert_null(t.slots);
	assert_false(hs_tomb_recent(&t, 0, 0));
	hs_tomb_clear(&t, 0);
	assert_null(t.slots);
	assert_int_equal(hs_tomb_bury(&t, 0, 0), 0); /* key 0 at time 0 is a stone too */
	assert_true(hs_tomb_recent(&t, 0, 0));
}

static void a_clock_going_back_is_no_match(void **state)
{
	(void)state;
	hs_tomb_bury(&t, 0x9, 5000);
	assert_false(hs_tomb_recent(&t, 0x9, 4000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_destroy_is_recent_for_the_ttl, setup, teardown),
		cmocka_unit_test_setup_teardown(a_new_entry_clears_its_stone, setup, teardown),
		cmocka_unit_test_setup_teardown(another_key_in_the_slot_is_no_match, setup, teardown),
		cmocka_unit_test_setup_teardown(nothing_before_the_first_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(a_clock_going_back_is_no_match, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
