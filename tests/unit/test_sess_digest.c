/* Session table digests (per-range count and sum, order-independent, ranges named on a mismatch,
 * wire form) and key sets (add, find, growth, clear). */
#include <netinet/in.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sess_digest.h"

static struct hs_sess entry(uint32_t i)
{
	struct hs_sess s = { .family = AF_INET, .l4proto = IPPROTO_TCP, .op = HS_SESS_UPDATE };
	s.orig.src[0] = 192, s.orig.src[1] = 0, s.orig.src[2] = 2, s.orig.src[3] = (uint8_t)i;
	s.orig.dst[0] = 203, s.orig.dst[1] = 0, s.orig.dst[2] = 113, s.orig.dst[3] = 130;
	s.orig.sport = (uint16_t)(1024 + i / 256);
	s.orig.dport = 443;
	hs_sess_tuple_invert(s.family, s.l4proto, &s.orig, &s.reply);
	s.status = 0x0e;
	s.proto_state = 3;
	s.timeout = 100 + i;
	return s;
}

static void order_does_not_matter_and_timeouts_do_not_count(void **state)
{
	(void)state;
	struct hs_sess_digest a, b;
	hs_sess_digest_init(&a);
	hs_sess_digest_init(&b);
	for (uint32_t i = 0; i < 1000; i++) {
		struct hs_sess s = entry(i);
		hs_sess_digest_add(&a, &s);
		struct hs_sess t = entry(999 - i);
		t.timeout = 7; /* another box's timer */
		hs_sess_digest_add(&b, &t);
	}
	assert_int_equal(hs_sess_digest_total(&a), 1000);
	assert_int_equal(hs_sess_digest_diff(&a, &b), 0);
}

static void a_changed_entry_names_its_range(void **state)
{
	(void)state;
	struct hs_sess_digest a, b;
	hs_sess_digest_init(&a);
	hs_sess_digest_init(&b);
	for (uint32_t i = 0; i < 500; i++) {
		struct hs_sess s = entry(i);
		hs_sess_digest_add(&a, &s);
		if (i == 77)
			s.proto_state = 5; /* another TCP state on one box */
		if (i != 123)      /* one entry missing on the other */
			hs_sess_digest_add(&b, &s);
	}
	struct hs_sess e77 = entry(77), e123 = entry(123);
	uint64_t want = UINT64_C(1) << hs_sess_range(&e77) | UINT64_C(1) << hs_sess_range(&e123);
	assert_int_equal(hs_sess_digest_diff(&a, &b), want);
	assert_int_equal(hs_sess_digest_total(&b), 499);
}

/* Both boxes' tables, and which bucket each side left out. */
struct two_tables {
	struct hs_sess_buckets a, b;
	hs_sess_unsettled skip;
};

static struct two_tables *two_tables_of(uint32_t n)
{
	struct two_tables *t = test_calloc(1, sizeof(*t));
	for (uint32_t i = 0; i < n; i++) {
		struct hs_sess s = entry(i);
		hs_sess_buckets_add(&t->a, &s);
		hs_sess_buckets_add(&t->b, &s);
	}
	return t;
}

static void buckets_fold_into_the_range_digest(void **state)
{
	(void)state;
	struct two_tables *t = two_tables_of(2000);
	struct hs_sess_digest folded, plain;
	hs_sess_digest_init(&plain);
	for (uint32_t i = 0; i < 2000; i++) {
		struct hs_sess s = entry(i);
		hs_sess_digest_add(&plain, &s);
		/* the bucket lies inside the range */
		assert_int_equal(hs_sess_bucket_of(hs_sess_key_hash(&s)) /
					 HS_SESS_BUCKETS_PER_RANGE,
				 hs_sess_range(&s));
	}
	hs_sess_buckets_fold(&t->a, &folded);
	assert_int_equal(hs_sess_digest_diff(&folded, &plain), 0);
	assert_int_equal(hs_sess_digest_total(&folded), 2000);
	/* a range's 64 buckets travel as one digest's slots */
	struct hs_sess_digest part;
	struct hs_sess_buckets copy;
	hs_sess_buckets_init(&copy);
	for (unsigned r = 0; r < HS_SESS_RANGES; r++) {
		hs_sess_buckets_range_get(&t->a, r, &part);
		hs_sess_buckets_range_set(&copy, r, &part);
	}
	assert_memory_equal(&copy, &t->a, sizeof(copy));
	test_free(t);
}

static void an_unsettled_bucket_hides_only_itself(void **state)
{
	(void)state;
	struct two_tables *t = two_tables_of(2000);
	/* Entry 77 changed on one box while the boxes read their tables (its bucket is
	 * unsettled); entry 123 is missing for real, in a bucket nobody touched. */
	struct hs_sess e77 = entry(77), e123 = entry(123);
	hs_sess_buckets_init(&t->b);
	for (uint32_t i = 0; i < 2000; i++) {
		struct hs_sess s = entry(i);
		if (i == 77)
			s.proto_state = 5;
		if (i != 123)
			hs_sess_buckets_add(&t->b, &s);
	}
	uint64_t r77 = UINT64_C(1) << hs_sess_range(&e77), r123 = UINT64_C(1)
								  << hs_sess_range(&e123);
	assert_true(hs_sess_buckets_diff(&t->a, &t->b, t->skip) == (r77 | r123));
	hs_sess_unsettled_note(t->skip, hs_sess_key_hash(&e77));
	assert_true(hs_sess_buckets_diff(&t->a, &t->b, t->skip) == r123);
	/* Leaving out 123's bucket too hides it: the skip is what decides, nothing else. */
	hs_sess_unsettled_note(t->skip, hs_sess_key_hash(&e123));
	assert_true(hs_sess_buckets_diff(&t->a, &t->b, t->skip) == 0);
	uint64_t ranges, whole;
	unsigned n = hs_sess_unsettled_count(t->skip, &ranges, &whole);
	bool same = hs_sess_bucket_of(hs_sess_key_hash(&e77)) ==
		    hs_sess_bucket_of(hs_sess_key_hash(&e123));
	assert_int_equal(n, same ? 1 : 2);
	assert_true(ranges == (r77 | r123));
	assert_true(whole == 0);
	memset(t->skip, 0xff, sizeof(t->skip[0]) * 3);
	hs_sess_unsettled_count(t->skip, &ranges, &whole);
	assert_true(whole == 7);
	test_free(t);
}

static void wire_round_trip(void **state)
{
	(void)state;
	struct hs_sess_digest a, b;
	hs_sess_digest_init(&a);
	for (uint32_t i = 0; i < 300; i++) {
		struct hs_sess s = entry(i);
		hs_sess_digest_add(&a, &s);
	}
	uint8_t buf[HS_SESS_DIGEST_WIRE + 1];
	assert_int_equal(hs_sess_digest_encode(&a, buf, sizeof(buf) - 2), 0);
	assert_int_equal(hs_sess_digest_encode(&a, buf, sizeof(buf)), HS_SESS_DIGEST_WIRE);
	assert_int_equal(hs_sess_digest_decode(buf, HS_SESS_DIGEST_WIRE - 1, &b), -1);
	assert_int_equal(hs_sess_digest_decode(buf, HS_SESS_DIGEST_WIRE, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
}

static void keyset(void **state)
{
	(void)state;
	struct hs_sess_keyset k;
	hs_sess_keyset_init(&k);
	assert_false(hs_sess_keyset_has(&k, 42));
	for (uint64_t i = 0; i < 5000; i++)
		assert_int_equal(hs_sess_keyset_add(&k, i * UINT64_C(0x9e3779b97f4a7c15)), 0);
	assert_int_equal(k.n, 5000);
	assert_int_equal(hs_sess_keyset_add(&k, 0), 0); /* present already (i = 0) */
	assert_int_equal(k.n, 5000);
	for (uint64_t i = 0; i < 5000; i++)
		assert_true(hs_sess_keyset_has(&k, i * UINT64_C(0x9e3779b97f4a7c15)));
	assert_false(hs_sess_keyset_has(&k, 5000 * UINT64_C(0x9e3779b97f4a7c15)));
	assert_true(k.cap >= 5000 * 4 / 3);
	hs_sess_keyset_clear(&k);
	assert_int_equal(k.n, 0);
	assert_false(hs_sess_keyset_has(&k, UINT64_C(0x9e3779b97f4a7c15)));
	hs_sess_keyset_free(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(order_does_not_matter_and_timeouts_do_not_count),
		cmocka_unit_test(a_changed_entry_names_its_range),
		cmocka_unit_test(buckets_fold_into_the_range_digest),
		cmocka_unit_test(an_unsettled_bucket_hides_only_itself),
		cmocka_unit_test(wire_round_trip),
		cmocka_unit_test(keyset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
