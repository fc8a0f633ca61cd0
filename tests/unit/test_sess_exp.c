/* Helper and expectation records (lib/sess_exp.h): byte layout, round trips for both families,
 * what is not encodable, every decoder error at the byte that causes it, truncation at every
 * length, the NAT part, and the helper record's head around a session record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "hrp_session.h"
#include "sess_exp.h"

/* An FTP PORT expectation as the ftp helper makes it: the server may connect from any port
 * (mask sport 0) to the client's announced address and port. */
static struct hs_sess_exp ftp_v4(void)
{
	struct hs_sess_exp e;
	memset(&e, 0, sizeof(e));
	e.op = HS_SESS_EXP_NEW;
	e.family = AF_INET;
	e.zone = 0;
	e.master_l4proto = IPPROTO_TCP;
	memcpy(e.master.src, (uint8_t[]){ 192, 0, 2, 100 }, 4);
	memcpy(e.master.dst, (uint8_t[]){ 203, 0, 113, 130 }, 4);
	e.master.sport = 40000;
	e.master.dport = 21;
	e.l4proto = IPPROTO_TCP;
	memcpy(e.tuple.src, (uint8_t[]){ 203, 0, 113, 130 }, 4);
	memcpy(e.tuple.dst, (uint8_t[]){ 192, 0, 2, 100 }, 4);
	e.tuple.sport = 0;
	e.tuple.dport = 50123;
	memset(e.mask.src, 0xff, 4);
	memset(e.mask.dst, 0xff, 4);
	e.mask.sport = 0;
	e.mask.dport = 0xffff;
	e.timeout = 300;
	e.flags = 0;
	e.cls = 0;
	strcpy(e.helper, "ftp");
	return e;
}

static bool tuple_eq(const struct hs_sess_tuple *a, const struct hs_sess_tuple *b)
{
	return memcmp(a->src, b->src, 16) == 0 && memcmp(a->dst, b->dst, 16) == 0 &&
	       a->sport == b->sport && a->dport == b->dport;
}

static void assert_same(const struct hs_sess_exp *a, const struct hs_sess_exp *b)
{
	assert_int_equal(a->op, b->op);
	assert_int_equal(a->family, b->family);
	assert_int_equal(a->zone, b->zone);
	assert_int_equal(a->master_l4proto, b->master_l4proto);
	assert_true(tuple_eq(&a->master, &b->master));
	assert_int_equal(a->l4proto, b->l4proto);
	assert_true(tuple_eq(&a->tuple, &b->tuple));
	assert_true(tuple_eq(&a->mask, &b->mask));
	assert_int_equal(a->timeout, b->timeout);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->cls, b->cls);
	assert_string_equal(a->helper, b->helper);
	assert_int_equal(a->nat, b->nat);
	assert_int_equal(a->nat_dir, b->nat_dir);
	assert_memory_equal(a->nat_addr, b->nat_addr, 16);
	assert_int_equal(a->nat_port, b->nat_port);
	assert_string_equal(a->fn, b->fn);
}

/* The same PORT behind SNAT to the VIP 192.0.2.1, as nf_nat_ftp leaves it: the expectation is
 * for the VIP's rewritten port, and its NAT part sends the data connection on to the client's
 * own port, like its master (reply direction). */
static struct hs_sess_exp ftp_v4_snat(void)
{
	struct hs_sess_exp e = ftp_v4();
	memcpy(e.tuple.dst, (uint8_t[]){ 192, 0, 2, 1 }, 4);
	e.tuple.dport = 50200;
	e.nat = true;
	e.nat_dir = 1;
	memcpy(e.nat_addr, (uint8_t[]){ 192, 0, 2, 100 }, 4);
	e.nat_port = 50123;
	strcpy(e.fn, "nat-follow-master");
	return e;
}

static void ipv4_layout_byte_by_byte(void **state)
{
	(void)state;
	struct hs_sess_exp e = ftp_v4();
	uint8_t buf[HS_SESS_EXP_LONGEST + 1];
	size_t n = hs_sess_exp_record_begin(buf, sizeof(buf));
	assert_int_equal(n, 1);
	assert_int_equal(buf[0], HS_SESS_REC_EXPECT);
	size_t m = hs_sess_exp_encode(&e, buf + n, sizeof(buf) - n);
	/* 4 + 3 tuples of 12 + 1 + 4 + 4 + 1 + 1 + "ftp" */
	assert_int_equal(m, 4 + 36 + 1 + 4 + 4 + 1 + 1 + 3);
	assert_int_equal(m, hs_sess_exp_len(&e));
	const uint8_t want[] = {
		0x00, 6, 0, 0,                                   /* new, IPv4; tcp; zone 0 */
		192, 0, 2, 100, 203, 0, 113, 130, 0x9c, 0x40, 0, 21, /* master */
		6,                                               /* expected: tcp */
		203, 0, 113, 130, 192, 0, 2, 100, 0, 0, 0xc3, 0xcb, /* tuple */
		255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0xff, 0xff, /* mask */
		0, 0, 1, 44, 0, 0, 0, 0, 0, 3, 'f', 't', 'p',    /* timeout, flags, class, name */
	};
	assert_int_equal(m, sizeof(want));
	assert_memory_equal(buf + 1, want, sizeof(want));
}

static void round_trip_both_families_and_a_destroy(void **state)
{
	(void)state;
	struct hs_sess_exp in[3] = { ftp_v4(), ftp_v4(), ftp_v4() };
	in[1].family = AF_INET6;
	in[1].zone = 7;
	memset(in[1].master.src, 0x20, 16);
	memset(in[1].tuple.dst, 0x30, 16);
	memset(in[1].mask.src, 0xff, 16);
	memset(in[1].mask.dst, 0xff, 16);
	in[1].flags = 1;
	in[1].cls = 1;
	strcpy(in[1].helper, "sip-5060.x_y");
	in[2].op = HS_SESS_EXP_DESTROY;
	in[2].helper[0] = '\0'; /* no name: still one expectation */
	uint8_t rec[3 * HS_SESS_EXP_LONGEST + 1];
	size_t len = hs_sess_exp_record_begin(rec, sizeof(rec));
	for (int i = 0; i < 3; i++) {
		size_t n = hs_sess_exp_encode(&in[i], rec + len, sizeof(rec) - len);
		assert_true(n > 0);
		len += n;
	}
	size_t off = 0;
	assert_int_equal(hs_sess_exp_record_check(rec, len, &off), HS_SESS_EXP_OK);
	for (int i = 0; i < 3; i++) {
		struct hs_sess_exp out;
		assert_int_equal(hs_sess_exp_decode(rec, len, &off, &out), HS_SESS_EXP_OK);
		assert_same(&in[i], &out);
	}
	struct hs_sess_exp out;
	assert_int_equal(hs_sess_exp_decode(rec, len, &off, &out), HS_SESS_EXP_END);
	assert_int_equal(off, len);
}

static void the_longest_is_the_longest(void **state)
{
	(void)state;
	struct hs_sess_exp e = ftp_v4();
	e.family = AF_INET6;
	strcpy(e.helper, "abcdefghijklmno"); /* 15 */
	e.nat = true;
	memset(e.fn, 'f', HS_SESS_EXP_FN_MAX - 1); /* 31, NUL kept by the memset's end */
	assert_int_equal(hs_sess_exp_len(&e), HS_SESS_EXP_LONGEST);
	uint8_t buf[HS_SESS_EXP_LONGEST];
	assert_int_equal(hs_sess_exp_encode(&e, buf, sizeof(buf)), HS_SESS_EXP_LONGEST);
	assert_int_equal(hs_sess_exp_encode(&e, buf, sizeof(buf) - 1), 0); /* no room */
}

static void what_is_not_encodable(void **state)
{
	(void)state;
	uint8_t buf[HS_SESS_EXP_LONGEST];
	struct hs_sess_exp e = ftp_v4();
	e.family = AF_UNIX;
	assert_int_equal(hs_sess_exp_encode(&e, buf, sizeof(buf)), 0);
	e = ftp_v4();
	e.op = 2;
	assert_int_equal(hs_sess_exp_encode(&e, buf, sizeof(buf)), 0);
	e = ftp_v4();
	strcpy(e.helper, "ft p");
	assert_int_equal(hs_sess_exp_encode(&e, buf, sizeof(buf)), 0);
	e = ftp_v4();
	memset(e.helper, 'a', sizeof(e.helper)); /* no NUL within 16: too long */
	assert_int_equal(hs_sess_exp_len(&e), 0);
}

static void decoder_errors(void **state)
{
	(void)state;
	struct hs_sess_exp e = ftp_v4(), out;
	uint8_t rec[1 + HS_SESS_EXP_LONGEST];
	size_t len = hs_sess_exp_record_begin(rec, sizeof(rec));
	len += hs_sess_exp_encode(&e, rec + len, sizeof(rec) - len);
	size_t off = 0;

	rec[0] = HS_SESS_REC_HELPER;
	assert_int_equal(hs_sess_exp_record_check(rec, len, &off), HS_SESS_EXP_BAD_KIND);
	rec[0] = HS_SESS_REC_EXPECT;
	assert_int_equal(hs_sess_exp_record_check(rec, 0, &off), HS_SESS_EXP_TRUNCATED);
	assert_int_equal(hs_sess_exp_record_check(rec, len, &off), HS_SESS_EXP_OK);
	assert_int_equal(off, 1);

	uint8_t keep = rec[1];
	rec[1] = 0x02; /* op 2 */
	assert_int_equal(hs_sess_exp_decode(rec, len, &off, &out), HS_SESS_EXP_BAD_OP);
	rec[1] = 0x10; /* a flag bit that means nothing */
	assert_int_equal(hs_sess_exp_decode(rec, len, &off, &out), HS_SESS_EXP_BAD_OP);
	rec[1] = keep;
	assert_int_equal(off, 1); /* untouched */

	size_t name_len_at = len - 4; /* the name's length byte, before "ftp" */
	rec[name_len_at] = 16;
	assert_int_equal(hs_sess_exp_decode(rec, len, &off, &out), HS_SESS_EXP_BAD_HELPER);
	rec[name_len_at] = 3;
	rec[len - 2] = ' ';
	assert_int_equal(hs_sess_exp_decode(rec, len, &off, &out), HS_SESS_EXP_BAD_HELPER);
	rec[len - 2] = 't';

	/* Every shorter record is truncated, never read past. */
	for (size_t cut = 2; cut < len; cut++) {
		size_t o = 1;
		assert_int_equal(hs_sess_exp_decode(rec, cut, &o, &out), HS_SESS_EXP_TRUNCATED);
		assert_int_equal(o, 1);
	}
	assert_int_equal(hs_sess_exp_decode(rec, len, &off, &out), HS_SESS_EXP_OK);
	assert_same(&e, &out);
	assert_string_equal(hs_sess_exp_err_name(HS_SESS_EXP_BAD_HELPER), "bad-helper");
	assert_string_equal(hs_sess_exp_err_name(HS_SESS_EXP_ERR_MAX), "?");
}

static void nat_part(void **state)
{
	(void)state;
	struct hs_sess_exp e = ftp_v4_snat(), out;
	uint8_t rec[1 + HS_SESS_EXP_LONGEST];
	size_t len = hs_sess_exp_record_begin(rec, sizeof(rec));
	size_t n = hs_sess_exp_encode(&e, rec + len, sizeof(rec) - len);
	/* the fixed part, "ftp", then dir, address, port, length and the name */
	assert_int_equal(n, 4 + 3 * 12 + 1 + 4 + 4 + 1 + 1 + 3 + (1 + 4 + 2 + 1 + 17));
	len += n;
	assert_int_equal(rec[1], HS_SESS_EXP_NEW | HS_SESS_EXP_F_NAT);
	const uint8_t *p = rec + len - 25;
	assert_memory_equal(p, ((uint8_t[]){ 1, 192, 0, 2, 100, 0xc3, 0xcb, 17 }), 8);
	assert_memory_equal(p + 8, "nat-follow-master", 17);
	size_t off = 1;
	assert_int_equal(hs_sess_exp_decode(rec, len, &off, &out), HS_SESS_EXP_OK);
	assert_same(&e, &out);
	assert_int_equal(off, len);

	/* IPv6, and a NAT part with no function */
	struct hs_sess_exp v6 = e;
	v6.family = AF_INET6;
	memset(v6.nat_addr, 0x20, 16);
	v6.fn[0] = '\0';
	off = 1;
	len = 1 + hs_sess_exp_encode(&v6, rec + 1, sizeof(rec) - 1);
	assert_int_equal(hs_sess_exp_decode(rec, len, &off, &out), HS_SESS_EXP_OK);
	assert_same(&v6, &out);

	/* errors in the NAT part, at the byte that causes them; every cut is truncated */
	len = 1 + hs_sess_exp_encode(&e, rec + 1, sizeof(rec) - 1);
	size_t dir_at = len - 25, fn_len_at = len - 18;
	off = 1;
	rec[dir_at] = 2;
	assert_int_equal(hs_sess_exp_decode(rec, len, &off, &out), HS_SESS_EXP_BAD_NAT);
	rec[dir_at] = 1;
	rec[fn_len_at] = HS_SESS_EXP_FN_MAX;
	assert_int_equal(hs_sess_exp_decode(rec, len, &off, &out), HS_SESS_EXP_BAD_NAT);
	rec[fn_len_at] = 17;
	rec[len - 1] = '/';
	assert_int_equal(hs_sess_exp_decode(rec, len, &off, &out), HS_SESS_EXP_BAD_NAT);
	rec[len - 1] = 'r';
	assert_int_equal(off, 1);
	for (size_t cut = 2; cut < len; cut++) {
		size_t o = 1;
		assert_int_equal(hs_sess_exp_decode(rec, cut, &o, &out), HS_SESS_EXP_TRUNCATED);
	}
	assert_int_equal(hs_sess_exp_decode(rec, len, &off, &out), HS_SESS_EXP_OK);
	assert_string_equal(hs_sess_exp_err_name(HS_SESS_EXP_BAD_NAT), "bad-nat");

	/* not encodable: a direction above 1, a function name with a space */
	e = ftp_v4_snat();
	e.nat_dir = 2;
	assert_int_equal(hs_sess_exp_len(&e), 0);
	e = ftp_v4_snat();
	strcpy(e.fn, "nat follow");
	assert_int_equal(hs_sess_exp_encode(&e, rec, sizeof(rec)), 0);
}

static void helper_record_wraps_a_session_record(void **state)
{
	(void)state;
	uint8_t rec[64 + HS_SESS_ENTRY_MAX];
	size_t len = hs_sess_helper_record_begin(rec, sizeof(rec), "ftp");
	assert_int_equal(len, 5);
	assert_memory_equal(rec, ((uint8_t[]){ HS_SESS_REC_HELPER, 3, 'f', 't', 'p' }), 5);
	len += hs_sess_record_begin(rec + len, sizeof(rec) - len);
	struct hs_sess s;
	memset(&s, 0, sizeof(s));
	s.op = HS_SESS_NEW;
	s.family = AF_INET;
	s.l4proto = IPPROTO_TCP;
	memcpy(s.orig.src, (uint8_t[]){ 192, 0, 2, 100 }, 4);
	memcpy(s.orig.dst, (uint8_t[]){ 203, 0, 113, 130 }, 4);
	s.orig.sport = 40000;
	s.orig.dport = 21;
	hs_sess_tuple_invert(s.family, s.l4proto, &s.orig, &s.reply);
	s.proto_state = 3;
	len += hs_sess_encode(&s, rec + len, sizeof(rec) - len);

	char name[HS_SESS_HELPER_MAX] = "unchanged";
	size_t inner = 0, off = 0;
	assert_int_equal(hs_sess_helper_record_open(rec, len, name, &inner), HS_SESS_EXP_OK);
	assert_string_equal(name, "ftp");
	assert_int_equal(inner, 5);
	struct hs_sess out;
	assert_int_equal(hs_sess_record_check(rec + inner, len - inner, &off), HS_SESS_OK);
	assert_int_equal(hs_sess_decode(rec + inner, len - inner, &off, &out), HS_SESS_OK);
	assert_int_equal(out.orig.dport, 21);

	strcpy(name, "unchanged");
	assert_int_equal(hs_sess_helper_record_open(rec, 4, name, &inner), HS_SESS_EXP_TRUNCATED);
	assert_string_equal(name, "unchanged");
	rec[1] = 0;
	assert_int_equal(hs_sess_helper_record_open(rec, len, name, &inner),
			 HS_SESS_EXP_BAD_HELPER);
	rec[1] = 3;
	rec[3] = '/';
	assert_int_equal(hs_sess_helper_record_open(rec, len, name, &inner),
			 HS_SESS_EXP_BAD_HELPER);
	rec[0] = HS_SESS_REC_EXPECT;
	assert_int_equal(hs_sess_helper_record_open(rec, len, name, &inner), HS_SESS_EXP_BAD_KIND);
	assert_string_equal(name, "unchanged");

	assert_int_equal(hs_sess_helper_record_begin(rec, sizeof(rec), ""), 0);
	assert_int_equal(hs_sess_helper_record_begin(rec, 4, "ftp"), 0);
	assert_false(hs_sess_helper_name_ok("abcdefghijklmnop")); /* 16 */
	assert_true(hs_sess_helper_name_ok("abcdefghijklmno"));   /* 15 */
}

/* The send plan for a peer that reads no NAT part (its registry's data entry lacks
 * HRP_FEAT_SESS_EXP_NAT): a new NAT expectation is held back, a destroy goes without the part,
 * and what the peer reads goes as it is. */
static void fit_for_a_peer_without_the_nat_part(void **state)
{
	(void)state;
	struct hs_sess_exp e = ftp_v4_snat(), orig = e;
	assert_int_equal(hs_sess_exp_fit(&e, true), HS_SESS_EXP_FIT_AS_IS);
	assert_same(&e, &orig);
	assert_int_equal(hs_sess_exp_fit(&e, false), HS_SESS_EXP_FIT_HELD);
	assert_same(&e, &orig); /* held: left as it is */

	struct hs_sess_exp plain = ftp_v4(), plain0 = plain;
	assert_int_equal(hs_sess_exp_fit(&plain, false), HS_SESS_EXP_FIT_AS_IS);
	assert_same(&plain, &plain0);

	/* A destroy without its NAT part: the flag byte has bit 3 clear, so an older reader takes
	 * it, and the expected tuple, all a delete needs, is the same. */
	struct hs_sess_exp d = ftp_v4_snat();
	d.op = HS_SESS_EXP_DESTROY;
	assert_int_equal(hs_sess_exp_fit(&d, false), HS_SESS_EXP_FIT_STRIPPED);
	assert_false(d.nat);
	assert_int_equal(d.nat_port, 0);
	assert_string_equal(d.fn, "");
	uint8_t rec[HS_SESS_EXP_LONGEST + 1];
	size_t n = hs_sess_exp_record_begin(rec, sizeof(rec));
	size_t m = hs_sess_exp_encode(&d, rec + n, sizeof(rec) - n);
	assert_int_equal(m, hs_sess_exp_len(&d));
	assert_int_equal(rec[n] & HS_SESS_EXP_F_NAT, 0);
	size_t off;
	struct hs_sess_exp back;
	assert_int_equal(hs_sess_exp_record_check(rec, n + m, &off), HS_SESS_EXP_OK);
	assert_int_equal(hs_sess_exp_decode(rec, n + m, &off, &back), HS_SESS_EXP_OK);
	assert_false(back.nat);
	assert_int_equal(back.op, HS_SESS_EXP_DESTROY);
	assert_true(tuple_eq(&back.tuple, &orig.tuple));
	assert_int_equal(hs_sess_exp_decode(rec, n + m, &off, &back), HS_SESS_EXP_END);
	/* and the same destroy for a peer that reads it keeps the part */
	struct hs_sess_exp d2 = ftp_v4_snat();
	d2.op = HS_SESS_EXP_DESTROY;
	assert_int_equal(hs_sess_exp_fit(&d2, true), HS_SESS_EXP_FIT_AS_IS);
	assert_true(d2.nat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_layout_byte_by_byte),
		cmocka_unit_test(round_trip_both_families_and_a_destroy),
		cmocka_unit_test(the_longest_is_the_longest),
		cmocka_unit_test(what_is_not_encodable),
		cmocka_unit_test(decoder_errors),
		cmocka_unit_test(nat_part),
		cmocka_unit_test(helper_record_wraps_a_session_record),
		cmocka_unit_test(fit_for_a_peer_without_the_nat_part),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
