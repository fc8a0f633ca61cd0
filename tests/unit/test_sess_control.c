/* The session channel's control records: each kind goes out and comes back the same, with the
 * layout doc/session-sync.md gives; a record of a known kind and any other length, an empty
 * one and one of another kind are refused whole; an older sender's bulk request without ranges
 * asks for every range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hrp_session.h"
#include "sess_control.h"

static struct hs_sess_ctl round_trip(const struct hs_sess_ctl *c, size_t want_len)
{
	uint8_t buf[HS_SESS_CTL_LONGEST + 8];
	size_t n = hs_sess_ctl_encode(c, buf, sizeof(buf));
	assert_int_equal(n, want_len);
	assert_int_equal(buf[0], c->kind);
	struct hs_sess_ctl back;
	memset(&back, 0xa5, sizeof(back));
	assert_int_equal(hs_sess_ctl_decode(buf, n, &back), HS_SESS_CTL_OK);
	return back;
}

static void every_kind_comes_back_the_same(void **state)
{
	(void)state;
	struct hs_sess_ctl req = { .kind = HS_SESS_CTL_BULK_REQUEST,
				   .ranges = 0x8000000000000101u };
	struct hs_sess_ctl back = round_trip(&req, 9);
	assert_int_equal(back.kind, HS_SESS_CTL_BULK_REQUEST);
	assert_true(back.ranges == req.ranges);

	struct hs_sess_ctl ranges = { .kind = HS_SESS_CTL_RANGES, .ranges = HS_SESS_RANGES_ALL };
	assert_true(round_trip(&ranges, 9).ranges == HS_SESS_RANGES_ALL);

	struct hs_sess_ctl dig = { .kind = HS_SESS_CTL_DIGEST, .check_id = 7 };
	for (unsigned r = 0; r < HS_SESS_RANGES; r++) {
		dig.digest.count[r] = r * 1000u + 1u;
		dig.digest.sum[r] = UINT64_C(0x0123456789abcdef) * (r + 1u);
	}
	back = round_trip(&dig, HS_SESS_CTL_DIGEST_LEN);
	assert_int_equal(back.check_id, 7);
	assert_memory_equal(&back.digest, &dig.digest, sizeof(dig.digest));

	struct hs_sess_ctl res = { .kind = HS_SESS_CTL_DIGEST_RESULT,
				   .check_id = 0xfffffffeu,
				   .ranges = 0x30,
				   .answerer_total = 199998,
				   .source_total = 200000 };
	back = round_trip(&res, 21);
	assert_int_equal(back.check_id, 0xfffffffeu);
	assert_true(back.ranges == 0x30);
	assert_int_equal(back.answerer_total, 199998);
	assert_int_equal(back.source_total, 200000);
}

static void the_layout_is_big_endian_field_by_field(void **state)
{
	(void)state;
	struct hs_sess_ctl res = { .kind = HS_SESS_CTL_DIGEST_RESULT,
				   .check_id = 0x01020304u,
				   .ranges = 0x0506070809101112u,
				   .answerer_total = 0x13141516u,
				   .source_total = 0x17181920u };
	const uint8_t want[] = { 0x82, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x10,
				 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x20 };
	uint8_t buf[32];
	assert_int_equal(hs_sess_ctl_encode(&res, buf, sizeof(buf)), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	struct hs_sess_ctl dig = { .kind = HS_SESS_CTL_DIGEST, .check_id = 0x0a0b0c0du };
	dig.digest.count[0] = 0x11223344u;
	dig.digest.sum[0] = 0x5566778899aabbccu;
	uint8_t d[HS_SESS_CTL_DIGEST_LEN];
	assert_int_equal(hs_sess_ctl_encode(&dig, d, sizeof(d)), sizeof(d));
	const uint8_t head[] = { 0x81, 0x0a, 0x0b, 0x0c, 0x0d, 0x11, 0x22, 0x33, 0x44,
				 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc };
	assert_memory_equal(d, head, sizeof(head));
}

static void a_digest_part_and_a_settled_result_round_trip(void **state)
{
	(void)state;
	struct hs_sess_ctl part = { .kind = HS_SESS_CTL_DIGEST_PART,
				    .check_id = 7,
				    .range = 63,
				    .unsettled = 0x8000000000000001u };
	part.digest.count[5] = 9;
	part.digest.sum[63] = 0xfedcba9876543210u;
	uint8_t buf[HS_SESS_CTL_LONGEST];
	assert_int_equal(hs_sess_ctl_encode(&part, buf, sizeof(buf)), HS_SESS_CTL_LONGEST);
	const uint8_t head[] = { 0x88, 0, 0, 0, 7, 63, 0x80, 0, 0, 0, 0, 0, 0, 1 };
	assert_memory_equal(buf, head, sizeof(head));
	struct hs_sess_ctl out;
	assert_int_equal(hs_sess_ctl_decode(buf, sizeof(buf), &out), HS_SESS_CTL_OK);
	assert_int_equal(out.range, 63);
	assert_true(out.unsettled == part.unsettled);
	assert_int_equal(out.digest.count[5], 9);
	assert_true(out.digest.sum[63] == part.digest.sum[63]);
	/* A range past the last one is refused whole. */
	buf[5] = 64;
	out.kind = 0x42;
	assert_int_equal(hs_sess_ctl_decode(buf, sizeof(buf), &out), HS_SESS_CTL_RANGE);
	assert_int_equal(out.kind, 0x42);
	assert_string_equal(hs_sess_ctl_err_name(HS_SESS_CTL_RANGE), "out of range");

	struct hs_sess_ctl res = { .kind = HS_SESS_CTL_DIGEST_RESULT,
				   .check_id = 3,
				   .ranges = 4,
				   .settled_part = true,
				   .unsettled_buckets = 77,
				   .undecided = 0x10 };
	size_t len = hs_sess_ctl_encode(&res, buf, sizeof(buf));
	assert_int_equal(len, 33);
	assert_int_equal(hs_sess_ctl_decode(buf, len, &out), HS_SESS_CTL_OK);
	assert_true(out.settled_part);
	assert_int_equal(out.unsettled_buckets, 77);
	assert_true(out.undecided == 0x10);
	/* An older box's result has no such part. */
	res.settled_part = false;
	assert_int_equal(hs_sess_ctl_encode(&res, buf, sizeof(buf)), 21);
	assert_int_equal(hs_sess_ctl_decode(buf, 21, &out), HS_SESS_CTL_OK);
	assert_false(out.settled_part);
	assert_int_equal(out.unsettled_buckets, 0);
}

static void own_addresses_round_trip_and_are_checked_whole(void **state)
{
	(void)state;
	uint8_t addrs[3][16] = { { 192, 0, 2, 3 }, { 203, 0, 113, 6 }, { 0x20, 0x01, 0x0d, 0xb8 } };
	addrs[2][15] = 3;
	uint8_t buf[3 + 3 * 16];
	assert_int_equal(hs_sess_local_addrs_encode(addrs, 3, buf, sizeof(buf) - 1), 0);
	assert_int_equal(hs_sess_local_addrs_encode(addrs, 3, buf, sizeof(buf)), sizeof(buf));
	const uint8_t head[] = { 0x89, 0, 3, 192, 0, 2, 3 };
	assert_memory_equal(buf, head, sizeof(head));
	static uint8_t back[HS_SESS_LOCAL_ADDRS_MAX][16];
	size_t n = 99;
	assert_int_equal(hs_sess_local_addrs_decode(buf, sizeof(buf), back, &n), HS_SESS_CTL_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(back, addrs, sizeof(addrs));
	/* none is a list too (a box with no address yet) */
	assert_int_equal(hs_sess_local_addrs_encode(addrs, 0, buf, sizeof(buf)), 3);
	assert_int_equal(hs_sess_local_addrs_decode(buf, 3, back, &n), HS_SESS_CTL_OK);
	assert_int_equal(n, 0);
	/* every other length, and a count past the most, is refused whole */
	hs_sess_local_addrs_encode(addrs, 3, buf, sizeof(buf));
	for (size_t len = 0; len < sizeof(buf); len++) {
		n = 99;
		assert_int_not_equal(hs_sess_local_addrs_decode(buf, len, back, &n),
				     HS_SESS_CTL_OK);
		assert_int_equal(n, 99);
	}
	buf[1] = 0x01, buf[2] = 0x01; /* 257 */
	assert_int_equal(hs_sess_local_addrs_decode(buf, sizeof(buf), back, &n), HS_SESS_CTL_RANGE);
	assert_int_equal(
		hs_sess_local_addrs_encode(addrs, HS_SESS_LOCAL_ADDRS_MAX + 1, buf, sizeof(buf)),
		0);
	buf[0] = HS_SESS_CTL_DIGEST;
	assert_int_equal(hs_sess_local_addrs_decode(buf, sizeof(buf), back, &n),
			 HS_SESS_CTL_UNKNOWN);
}

static void an_older_bulk_request_without_ranges_asks_for_all(void **state)
{
	(void)state;
	const uint8_t bare = HS_SESS_CTL_BULK_REQUEST;
	struct hs_sess_ctl c;
	assert_int_equal(hs_sess_ctl_decode(&bare, 1, &c), HS_SESS_CTL_OK);
	assert_int_equal(c.kind, HS_SESS_CTL_BULK_REQUEST);
	assert_true(c.ranges == HS_SESS_RANGES_ALL);
	/* Only a request may come bare: bare ranges open nothing. */
	const uint8_t bare_ranges = HS_SESS_CTL_RANGES;
	assert_int_equal(hs_sess_ctl_decode(&bare_ranges, 1, &c), HS_SESS_CTL_LENGTH);
}

static void every_other_length_is_refused_whole(void **state)
{
	(void)state;
	const uint8_t kinds[] = { HS_SESS_CTL_BULK_REQUEST, HS_SESS_CTL_DIGEST,
				  HS_SESS_CTL_DIGEST_RESULT, HS_SESS_CTL_RANGES,
				  HS_SESS_CTL_DIGEST_PART };
	uint8_t buf[HS_SESS_CTL_LONGEST + 2];
	memset(buf, 0x5a, sizeof(buf));
	for (size_t k = 0; k < sizeof(kinds); k++) {
		struct hs_sess_ctl c = { .kind = kinds[k] };
		size_t len = hs_sess_ctl_encode(&c, buf, sizeof(buf));
		assert_true(len > 0);
		size_t ok = 0;
		for (size_t n = 1; n <= sizeof(buf); n++) {
			struct hs_sess_ctl out = { .kind = 0x42 };
			enum hs_sess_ctl_err e = hs_sess_ctl_decode(buf, n, &out);
			if (e == HS_SESS_CTL_OK) {
				ok++;
				continue;
			}
			assert_int_equal(e, HS_SESS_CTL_LENGTH);
			assert_int_equal(out.kind, 0x42); /* untouched */
		}
		/* its own length, and for a request also the bare one, for a result also the
		 * one without the unsettled part */
		bool two = kinds[k] == HS_SESS_CTL_BULK_REQUEST ||
			   kinds[k] == HS_SESS_CTL_DIGEST_RESULT;
		assert_int_equal(ok, two ? 2 : 1);
	}
}

static void empty_and_foreign_records_are_not_ours(void **state)
{
	(void)state;
	struct hs_sess_ctl c;
	uint8_t rec[9] = { 0 };
	assert_int_equal(hs_sess_ctl_decode(rec, 0, &c), HS_SESS_CTL_EMPTY);
	rec[0] = HS_SESS_WIRE_VERSION; /* a session record */
	assert_int_equal(hs_sess_ctl_decode(rec, sizeof(rec), &c), HS_SESS_CTL_UNKNOWN);
	rec[0] = 0x84; /* the mirror's: another decoder's */
	assert_int_equal(hs_sess_ctl_decode(rec, sizeof(rec), &c), HS_SESS_CTL_UNKNOWN);
	assert_string_equal(hs_sess_ctl_err_name(HS_SESS_CTL_LENGTH), "wrong length");
	assert_string_equal(hs_sess_ctl_err_name(HS_SESS_CTL_ERR_MAX), "?");
}

static void encode_refuses_short_room_and_unknown_kinds(void **state)
{
	(void)state;
	uint8_t buf[HS_SESS_CTL_LONGEST];
	struct hs_sess_ctl dig = { .kind = HS_SESS_CTL_DIGEST };
	assert_int_equal(hs_sess_ctl_encode(&dig, buf, HS_SESS_CTL_DIGEST_LEN - 1), 0);
	struct hs_sess_ctl part = { .kind = HS_SESS_CTL_DIGEST_PART };
	assert_int_equal(hs_sess_ctl_encode(&part, buf, sizeof(buf) - 1), 0);
	struct hs_sess_ctl res = { .kind = HS_SESS_CTL_DIGEST_RESULT };
	assert_int_equal(hs_sess_ctl_encode(&res, buf, 20), 0);
	assert_int_equal(hs_sess_ctl_encode(&res, buf, 21), 21);
	struct hs_sess_ctl odd = { .kind = 0x84 };
	assert_int_equal(hs_sess_ctl_encode(&odd, buf, sizeof(buf)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_kind_comes_back_the_same),
		cmocka_unit_test(the_layout_is_big_endian_field_by_field),
		cmocka_unit_test(a_digest_part_and_a_settled_result_round_trip),
		cmocka_unit_test(own_addresses_round_trip_and_are_checked_whole),
		cmocka_unit_test(an_older_bulk_request_without_ranges_asks_for_all),
		cmocka_unit_test(every_other_length_is_refused_whole),
		cmocka_unit_test(empty_and_foreign_records_are_not_ours),
		cmocka_unit_test(encode_refuses_short_room_and_unknown_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
