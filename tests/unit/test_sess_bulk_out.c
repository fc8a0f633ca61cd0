/* A bulk's source side: dump entries sent live since the bulk opened stay out of it (a live
 * destroy is not undone by the dump's older copy), mark-only updates do not count, other ranges
 * are not the bulk's, and a damaged bulk takes nothing more. */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sess_bulk_out.h"

static struct hs_sess entry(uint32_t i, uint8_t op)
{
	struct hs_sess s = { .family = AF_INET, .l4proto = IPPROTO_TCP, .op = op };
	s.orig.src[0] = 192, s.orig.src[2] = 2, s.orig.src[3] = (uint8_t)i;
	s.orig.dst[0] = 203, s.orig.dst[2] = 113, s.orig.dst[3] = 130;
	s.orig.sport = (uint16_t)(1024 + i / 256);
	s.orig.dport = 443;
	hs_sess_tuple_invert(s.family, s.l4proto, &s.orig, &s.reply);
	s.proto_state = op == HS_SESS_DESTROY ? 0 : 3;
	return s;
}

static void live_keys_leave_the_dump(void **state)
{
	(void)state;
	struct hs_sess_bulk_out b;
	hs_sess_bulk_out_init(&b);
	struct hs_sess x = entry(1, HS_SESS_NEW), y = entry(2, HS_SESS_NEW);
	assert_false(hs_sess_bulk_out_take(&b, &x)); /* no bulk open */
	hs_sess_bulk_out_open(&b, HS_SESS_RANGES_ALL);
	assert_true(hs_sess_bulk_out_take(&b, &x));
	struct hs_sess gone = entry(1, HS_SESS_DESTROY);
	hs_sess_bulk_out_live(&b, &gone);
	assert_false(hs_sess_bulk_out_take(&b, &x)); /* the dump's copy would bring it back */
	assert_true(hs_sess_bulk_out_take(&b, &y));
	struct hs_sess newer = entry(2, HS_SESS_UPDATE);
	hs_sess_bulk_out_live(&b, &newer);
	assert_false(hs_sess_bulk_out_take(&b, &y)); /* the live state is the newer one */
	hs_sess_bulk_out_close(&b);
	hs_sess_bulk_out_open(&b, HS_SESS_RANGES_ALL); /* the next bulk starts with nothing */
	assert_true(hs_sess_bulk_out_take(&b, &x));
	hs_sess_bulk_out_close(&b);
}

static void mark_only_updates_do_not_count(void **state)
{
	(void)state;
	struct hs_sess_bulk_out b;
	hs_sess_bulk_out_init(&b);
	hs_sess_bulk_out_open(&b, HS_SESS_RANGES_ALL);
	struct hs_sess x = entry(3, HS_SESS_NEW), mark = entry(3, HS_SESS_UPDATE);
	mark.proto_state = 0;
	hs_sess_bulk_out_live(&b, &mark);
	assert_true(hs_sess_bulk_out_take(&b, &x)); /* the peer may need the full copy */
	struct hs_sess udp = entry(3, HS_SESS_UPDATE);
	udp.l4proto = IPPROTO_UDP;
	udp.proto_state = 0;
	struct hs_sess udp_dump = udp;
	udp_dump.op = HS_SESS_NEW;
	hs_sess_bulk_out_live(&b, &udp); /* no state to carry: a full update */
	assert_false(hs_sess_bulk_out_take(&b, &udp_dump));
	hs_sess_bulk_out_close(&b);
}

static void only_the_bulks_ranges(void **state)
{
	(void)state;
	struct hs_sess_bulk_out b;
	hs_sess_bulk_out_init(&b);
	struct hs_sess x = entry(4, HS_SESS_NEW);
	uint64_t mine = 1ull << hs_sess_range(&x);
	hs_sess_bulk_out_open(&b, ~mine);
	assert_false(hs_sess_bulk_out_take(&b, &x));
	hs_sess_bulk_out_live(&b, &x); /* not remembered: not the bulk's range */
	assert_int_equal(b.live.n, 0);
	hs_sess_bulk_out_open(&b, mine);
	assert_true(hs_sess_bulk_out_take(&b, &x));
	hs_sess_bulk_out_close(&b);
}

static void a_damaged_bulk_takes_nothing(void **state)
{
	(void)state;
	struct hs_sess_bulk_out b;
	hs_sess_bulk_out_init(&b);
	struct hs_sess x = entry(5, HS_SESS_NEW);
	hs_sess_bulk_out_damage(&b, "refused"); /* no bulk open: nothing to damage */
	assert_null(b.damaged);
	hs_sess_bulk_out_open(&b, HS_SESS_RANGES_ALL);
	hs_sess_bulk_out_damage(&b, "a record was refused");
	hs_sess_bulk_out_damage(&b, "later");
	assert_string_equal(b.damaged, "a record was refused");
	assert_false(hs_sess_bulk_out_take(&b, &x));
	hs_sess_bulk_out_open(&b, HS_SESS_RANGES_ALL); /* the next one is whole again */
	assert_null(b.damaged);
	assert_true(hs_sess_bulk_out_take(&b, &x));
	hs_sess_bulk_out_close(&b);
	assert_int_equal(b.ranges, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(live_keys_leave_the_dump),
		cmocka_unit_test(mark_only_updates_do_not_count),
		cmocka_unit_test(only_the_bulks_ranges),
		cmocka_unit_test(a_damaged_bulk_takes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
