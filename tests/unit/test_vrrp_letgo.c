/* How a master that hands over lets go (lib/vrrp_letgo): which way, the hold of its VIPs and the
 * linger of its vMAC link, against the timings they must outlast for every advert interval. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vrrp_fsm.h"
#include "vrrp_letgo.h"
#include "vrrp_packet.h"

static void test_kind_of(void **state)
{
	/* Without a virtual MAC nothing is held, whatever the reason. */
	for (int stopping = 0; stopping < 2; stopping++)
		for (int bound = 0; bound < 2; bound++)
			assert_int_equal(vrrp_letgo_kind_of(false, stopping, bound),
					 VRRP_LETGO_NOW);
	assert_int_equal(vrrp_letgo_kind_of(true, true, false), VRRP_LETGO_STOP);
	assert_int_equal(vrrp_letgo_kind_of(true, false, true), VRRP_LETGO_HANDOVER);
	assert_int_equal(vrrp_letgo_kind_of(true, false, false), VRRP_LETGO_NOW);
	/* A stop wins: its hold ends at the new master's first advert, and it needs no linger. */
	assert_int_equal(vrrp_letgo_kind_of(true, true, true), VRRP_LETGO_STOP);
}

static void test_hold(void **state)
{
	/* The values vrrpd used before they moved here. */
	assert_int_equal(vrrp_letgo_hold_ms(VRRP_LETGO_HANDOVER, 1), 30);
	assert_int_equal(vrrp_letgo_hold_ms(VRRP_LETGO_HANDOVER, 10), 300);
	assert_int_equal(vrrp_letgo_hold_ms(VRRP_LETGO_HANDOVER, 100), 1000);
	assert_int_equal(vrrp_letgo_hold_ms(VRRP_LETGO_STOP, 1), 60);
	assert_int_equal(vrrp_letgo_hold_ms(VRRP_LETGO_STOP, 10), 150);
	assert_int_equal(vrrp_letgo_hold_ms(VRRP_LETGO_STOP, 4095), 3000);
	assert_int_equal(vrrp_letgo_hold_ms(VRRP_LETGO_NOW, 10), 0);
	assert_int_equal(vrrp_letgo_hold_ms(VRRP_LETGO_MAX, 10), 0);
	assert_int_equal(vrrp_letgo_hold_ms(VRRP_LETGO_INVALID, 10), 0);

	for (unsigned cs = 1; cs <= VRRP_V3_INTERVAL_MAX; cs++) {
		uint64_t h = vrrp_letgo_hold_ms(VRRP_LETGO_HANDOVER, cs);
		assert_true(h >= 20 && h <= 1000);
		/* A stop's backup takes over at Skew_Time (< one interval) after our priority 0:
		 * the hold outlasts it, up to the 3 s cap. */
		uint64_t skew_ms = vrrp_skew_cs(3, 1, (uint16_t)cs) * 10u;
		uint64_t s = vrrp_letgo_hold_ms(VRRP_LETGO_STOP, cs);
		assert_true(s > skew_ms || s == 3000);
		assert_true(s <= 3000);
	}
}

static void test_linger(void **state)
{
	assert_int_equal(vrrp_letgo_linger_ms(VRRP_LETGO_HANDOVER, 1), VRRP_LETGO_LINGER_MIN_MS);
	assert_int_equal(vrrp_letgo_linger_ms(VRRP_LETGO_HANDOVER, 10), 300);
	assert_int_equal(vrrp_letgo_linger_ms(VRRP_LETGO_HANDOVER, 100), VRRP_LETGO_LINGER_MAX_MS);
	/* Only a handover lingers: a stop's new master spoke after our last frame already. */
	for (int k = VRRP_LETGO_INVALID; k <= VRRP_LETGO_MAX; k++)
		if (k != VRRP_LETGO_HANDOVER)
			assert_int_equal(vrrp_letgo_linger_ms((enum vrrp_letgo_kind)k, 10), 0);

	/* For every interval the linger outlasts the new master's next regular advert (one
	 * interval) with 50 ms to spare, up to the cap; its answer to our priority 0 comes first.
	 */
	for (unsigned cs = 1; cs <= VRRP_V3_INTERVAL_MAX; cs++) {
		uint64_t l = vrrp_letgo_linger_ms(VRRP_LETGO_HANDOVER, cs);
		uint64_t need = (uint64_t)cs * 10u + 50u;
		assert_true(l >=
			    (need < VRRP_LETGO_LINGER_MAX_MS ? need : VRRP_LETGO_LINGER_MAX_MS));
		assert_true(l >= VRRP_LETGO_LINGER_MIN_MS && l <= VRRP_LETGO_LINGER_MAX_MS);
	}
}

static void test_names(void **state)
{
	assert_string_equal(vrrp_letgo_kind_name(VRRP_LETGO_NOW), "now");
	assert_string_equal(vrrp_letgo_kind_name(VRRP_LETGO_HANDOVER), "handover");
	assert_string_equal(vrrp_letgo_kind_name(VRRP_LETGO_STOP), "stop");
	assert_string_equal(vrrp_letgo_kind_name(VRRP_LETGO_MAX), "?");
	assert_string_equal(vrrp_letgo_kind_name(VRRP_LETGO_INVALID), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_of),
		cmocka_unit_test(test_hold),
		cmocka_unit_test(test_linger),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
