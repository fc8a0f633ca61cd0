/* Second tries of a request batch: one that a later request of its entry supersedes is dropped
 * (a destroy after a refused update is not undone), the last refused request of an entry still
 * goes, a timeout reset supersedes nothing, and a new connection's replace of an older entry gives
 * way to a later destroy only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sess_retry.h"

static void a_later_request_of_the_entry_wins(void **state)
{
	(void)state;
	struct hs_sess_keyset seen;
	hs_sess_keyset_init(&seen);
	struct hs_sess_keyset ended;
	hs_sess_keyset_init(&ended);
	/* update X (refused: no entry), destroy X (ran), update Y (refused), create Z */
	struct hs_sess_retry_req r[] = {
		{ .key = 10, .newer = true, .retry = true },
		{ .key = 10, .newer = true, .ends = true },
		{ .key = 11, .newer = true, .retry = true },
		{ .key = 12, .newer = true, .ends = true },
	};
	assert_int_equal(hs_sess_retries_superseded(r, 4, &seen, &ended), 1);
	assert_true(r[0].superseded); /* its create would bring X back after the destroy */
	assert_false(r[2].superseded);
	assert_false(r[1].superseded);
	hs_sess_keyset_free(&seen);
	hs_sess_keyset_free(&ended);
}

static void the_last_of_an_entry_still_goes(void **state)
{
	(void)state;
	struct hs_sess_keyset seen;
	hs_sess_keyset_init(&seen);
	struct hs_sess_keyset ended;
	hs_sess_keyset_init(&ended);
	/* two updates of X, both refused: the newer one is tried again, the older one not */
	struct hs_sess_retry_req r[] = {
		{ .key = 7, .newer = true, .retry = true },
		{ .key = 8, .newer = true },
		{ .key = 7, .newer = true, .retry = true },
	};
	assert_int_equal(hs_sess_retries_superseded(r, 3, &seen, &ended), 1);
	assert_true(r[0].superseded);
	assert_false(r[2].superseded);
	hs_sess_keyset_free(&seen);
	hs_sess_keyset_free(&ended);
}

static void a_timeout_reset_supersedes_nothing(void **state)
{
	(void)state;
	struct hs_sess_keyset seen;
	hs_sess_keyset_init(&seen);
	struct hs_sess_keyset ended;
	hs_sess_keyset_init(&ended);
	struct hs_sess_retry_req r[] = {
		{ .key = 5, .newer = true, .retry = true },
		{ .key = 5, .newer = false }, /* the takeover's reset of the same entry */
	};
	assert_int_equal(hs_sess_retries_superseded(r, 2, &seen, &ended), 0);
	assert_false(r[0].superseded);
	/* a key of 0 is a key like any other */
	struct hs_sess_retry_req z[] = {
		{ .key = 0, .newer = true, .retry = true },
		{ .key = 0, .newer = true, .ends = true },
	};
	assert_int_equal(hs_sess_retries_superseded(z, 2, &seen, &ended), 1);
	assert_true(z[0].superseded);
	hs_sess_keyset_free(&seen);
	hs_sess_keyset_free(&ended);
}

/* A new connection refused because an older entry holds its tuple replaces it even when an update
 * follows in the batch (the update landed on the older entry); a later destroy still wins. */
static void a_fresh_replace_gives_way_to_an_end_only(void **state)
{
	(void)state;
	struct hs_sess_keyset seen, ended;
	hs_sess_keyset_init(&seen);
	hs_sess_keyset_init(&ended);
	struct hs_sess_retry_req r[] = {
		{ .key = 3, .newer = true, .ends = true, .retry = true, .fresh = true },
		{ .key = 3, .newer = true }, /* the peer's update of the new connection */
	};
	assert_int_equal(hs_sess_retries_superseded(r, 2, &seen, &ended), 0);
	assert_false(r[0].superseded);
	struct hs_sess_retry_req d[] = {
		{ .key = 3, .newer = true, .ends = true, .retry = true, .fresh = true },
		{ .key = 3, .newer = true, .ends = true }, /* its destroy */
	};
	assert_int_equal(hs_sess_retries_superseded(d, 2, &seen, &ended), 1);
	assert_true(d[0].superseded);
	hs_sess_keyset_free(&seen);
	hs_sess_keyset_free(&ended);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_later_request_of_the_entry_wins),
		cmocka_unit_test(the_last_of_an_entry_still_goes),
		cmocka_unit_test(a_timeout_reset_supersedes_nothing),
		cmocka_unit_test(a_fresh_replace_gives_way_to_an_end_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
