/* Who runs the pair upgrade (lib/issu_takeover.h): the higher term wins, the first box at equal
 * terms, and both boxes reach the same answer; a copy holder takes over only a running upgrade,
 * after the delay; a cold-started runner resumes once the peer has been up a moment, or alone
 * after the delay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "issu_takeover.h"

static void test_under_way(void **state)
{
	(void)state;
	assert_false(issu_under_way(ISSU_IDLE));
	assert_false(issu_under_way(ISSU_COMMITTED));
	assert_false(issu_under_way(ISSU_STAGE_MAX));
	assert_false(issu_under_way(ISSU_STAGE_INVALID));
	for (int st = ISSU_IDLE + 1; st < ISSU_STAGE_MAX; st++)
		if (st != ISSU_COMMITTED)
			assert_true(issu_under_way((enum issu_stage)st));
}

static void test_claims(void **state)
{
	(void)state;
	struct issu_claim first0 = { 0, ISSU_BOX_FIRST }, second0 = { 0, ISSU_BOX_SECOND },
			  second1 = { 1, ISSU_BOX_SECOND }, first2 = { 2, ISSU_BOX_FIRST };
	/* the survivor's takeover (term 1) beats the old runner back from a freeze (term 0) */
	assert_true(issu_claim_beats(&second1, &first0));
	assert_false(issu_claim_beats(&first0, &second1));
	assert_true(issu_claim_beats(&first2, &second1));
	/* equal terms: the first box, seen alike from both sides */
	assert_true(issu_claim_beats(&first0, &second0));
	assert_false(issu_claim_beats(&second0, &first0));
	/* a claim never beats itself: a box that hears its own term back keeps running */
	assert_false(issu_claim_beats(&second1, &second1));
	assert_false(issu_claim_beats(&first0, &first0));
}

static void test_takeover_at(void **state)
{
	(void)state;
	/* dead at 5 s: due 10 s later */
	assert_int_equal(issu_takeover_at(ISSU_RUNSWITCHED, 5000, ISSU_TAKEOVER_DELAY_MS),
			 5000 + ISSU_TAKEOVER_DELAY_MS);
	assert_int_equal(issu_takeover_at(ISSU_LOADING, 7, 0), 7);
	/* peer alive, or nothing under way: never */
	assert_int_equal(issu_takeover_at(ISSU_RUNSWITCHED, 0, 100), UINT64_MAX);
	assert_int_equal(issu_takeover_at(ISSU_IDLE, 5000, 100), UINT64_MAX);
	assert_int_equal(issu_takeover_at(ISSU_COMMITTED, 5000, 100), UINT64_MAX);
}

static void test_resume_at(void **state)
{
	(void)state;
	/* no peer: alone after the delay */
	assert_int_equal(issu_resume_at(1000, 0, ISSU_START_SETTLE_MS, 10000), 11000);
	/* the peer came up at 2 s: its word would have come by 3 s */
	assert_int_equal(issu_resume_at(1000, 2000, ISSU_START_SETTLE_MS, 10000), 3000);
	/* a peer up only late: never later than alone */
	assert_int_equal(issu_resume_at(1000, 10500, ISSU_START_SETTLE_MS, 10000), 11000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_under_way),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_takeover_at),
		cmocka_unit_test(test_resume_at),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
