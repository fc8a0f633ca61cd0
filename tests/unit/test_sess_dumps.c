/* Which table dump runs next and which running one stops for it: the takeover first, then the
 * sweep, the bulk and the check; a check stops for any of the others, a sweep for a takeover
 * only, and neither a bulk (its receiver has its start) nor a takeover ever stops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sess_dumps.h"

static void nothing_wanted_runs_nothing(void **state)
{
	(void)state;
	struct hs_sess_dump_wants w = { 0 };
	assert_int_equal(hs_sess_dump_next(&w), HS_SESS_DUMP_NONE);
}

static void the_most_urgent_wanted_runs_first(void **state)
{
	(void)state;
	struct hs_sess_dump_wants w = {
		.takeover = true, .sweep = true, .bulk = true, .digest = true
	};
	assert_int_equal(hs_sess_dump_next(&w), HS_SESS_DUMP_TAKEOVER);
	w.takeover = false;
	assert_int_equal(hs_sess_dump_next(&w), HS_SESS_DUMP_SWEEP);
	w.sweep = false;
	assert_int_equal(hs_sess_dump_next(&w), HS_SESS_DUMP_BULK);
	w.bulk = false;
	assert_int_equal(hs_sess_dump_next(&w), HS_SESS_DUMP_DIGEST);
	/* Each alone is chosen too. */
	struct hs_sess_dump_wants only_sweep = { .sweep = true };
	assert_int_equal(hs_sess_dump_next(&only_sweep), HS_SESS_DUMP_SWEEP);
}

static void a_check_stops_for_any_more_urgent_dump(void **state)
{
	(void)state;
	assert_true(hs_sess_dump_yields(HS_SESS_DUMP_DIGEST, HS_SESS_DUMP_BULK));
	assert_true(hs_sess_dump_yields(HS_SESS_DUMP_DIGEST, HS_SESS_DUMP_SWEEP));
	assert_true(hs_sess_dump_yields(HS_SESS_DUMP_DIGEST, HS_SESS_DUMP_TAKEOVER));
	assert_false(hs_sess_dump_yields(HS_SESS_DUMP_DIGEST, HS_SESS_DUMP_DIGEST));
	assert_false(hs_sess_dump_yields(HS_SESS_DUMP_DIGEST, HS_SESS_DUMP_NONE));
}

static void a_sweep_stops_for_a_takeover_only(void **state)
{
	(void)state;
	assert_true(hs_sess_dump_yields(HS_SESS_DUMP_SWEEP, HS_SESS_DUMP_TAKEOVER));
	assert_false(hs_sess_dump_yields(HS_SESS_DUMP_SWEEP, HS_SESS_DUMP_BULK));
	assert_false(hs_sess_dump_yields(HS_SESS_DUMP_SWEEP, HS_SESS_DUMP_DIGEST));
	assert_false(hs_sess_dump_yields(HS_SESS_DUMP_SWEEP, HS_SESS_DUMP_SWEEP));
}

static void a_bulk_and_a_takeover_never_stop(void **state)
{
	(void)state;
	for (int n = HS_SESS_DUMP_NONE; n <= HS_SESS_DUMP_TAKEOVER; n++) {
		assert_false(hs_sess_dump_yields(HS_SESS_DUMP_BULK, (enum hs_sess_dump)n));
		assert_false(hs_sess_dump_yields(HS_SESS_DUMP_TAKEOVER, (enum hs_sess_dump)n));
		assert_false(hs_sess_dump_yields(HS_SESS_DUMP_NONE, (enum hs_sess_dump)n));
	}
}

static void each_dump_has_its_name(void **state)
{
	(void)state;
	assert_string_equal(hs_sess_dump_name(HS_SESS_DUMP_NONE), "none");
	assert_string_equal(hs_sess_dump_name(HS_SESS_DUMP_DIGEST), "check");
	assert_string_equal(hs_sess_dump_name(HS_SESS_DUMP_BULK), "bulk");
	assert_string_equal(hs_sess_dump_name(HS_SESS_DUMP_SWEEP), "sweep");
	assert_string_equal(hs_sess_dump_name(HS_SESS_DUMP_TAKEOVER), "takeover");
	assert_string_equal(hs_sess_dump_name((enum hs_sess_dump)99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nothing_wanted_runs_nothing),
		cmocka_unit_test(the_most_urgent_wanted_runs_first),
		cmocka_unit_test(a_check_stops_for_any_more_urgent_dump),
		cmocka_unit_test(a_sweep_stops_for_a_takeover_only),
		cmocka_unit_test(a_bulk_and_a_takeover_never_stop),
		cmocka_unit_test(each_dump_has_its_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
