/* hrpd's conversions between the kernel's conntrack objects and struct hs_sess
 * (hrpd/sess_ct_conv.c, built into the test) through real ctnetlink messages, built and parsed by
 * libnetfilter_conntrack as hrpd does, without a kernel: zones. A kernel entry in a directional
 * zone (nftables "ct original zone set", CTA_TUPLE_ZONE in the original or reply tuple) is read
 * into zone_dir[], and written back in its tuple, without CTA_ZONE (the kernel refuses a tuple's
 * zone after a zone that is not 0); a plain zone is read and written as before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sess_ct_conv.c"
#include "nfnl_msg.h"
#include "sess_entry.h"

#define MSG_ROOM 4096

/* An established TCP entry 192.0.2.1:40000 -> 198.51.100.7:443 without NAT. */
static struct hs_sess plain_sess(void)
{
	return test_tcp4_entry(40000);
}

/* The ctnetlink message of o, as hrpd sends it (sess_ct.c) and the kernel reports one. */
static struct nlmsghdr *build(void *buf, const struct nf_conntrack *o, uint8_t family)
{
	struct nlmsghdr *nlh =
		hrpd_nfnl_msg(buf, NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_NEW, 0, 1, family);
	assert_int_equal(nfct_nlmsg_build(nlh, o), 0);
	return nlh;
}

/* What hrpd writes for s (the tuples with_reply, and a create's body) as a message. */
static struct nlmsghdr *build_sess(void *buf, const struct hs_sess *s, bool with_reply)
{
	struct nf_conntrack *o = nfct_new();
	assert_non_null(o);
	hrpd_ct_set_tuples(o, s, with_reply);
	hrpd_ct_set_body(o, s, s->timeout, false, false);
	struct nlmsghdr *nlh = build(buf, o, s->family);
	nfct_destroy(o);
	return nlh;
}

/* The zones in a message: CTA_ZONE, and CTA_TUPLE_ZONE of each tuple; -1 when absent, and
 * *has_reply whether it has a reply tuple at all. */
struct zones {
	int zone, orig, reply;
	bool has_reply;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);
	if (type <= CTA_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

static int tuple_zone(const struct nlattr *nest)
{
	const struct nlattr *tb[CTA_TUPLE_MAX + 1] = { 0 };
	if (!nest)
		return -1;
	assert_true(mnl_attr_parse_nested(nest, attr_cb, tb) >= 0);
	if (!tb[CTA_TUPLE_ZONE])
		return -1;
	return ntohs(mnl_attr_get_u16(tb[CTA_TUPLE_ZONE]));
}

static struct zones zones_of(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[CTA_MAX + 1] = { 0 };
	assert_true(mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, tb) >= 0);
	assert_non_null(tb[CTA_TUPLE_ORIG]);
	return (struct zones){
		.zone = tb[CTA_ZONE] ? ntohs(mnl_attr_get_u16(tb[CTA_ZONE])) : -1,
		.orig = tuple_zone(tb[CTA_TUPLE_ORIG]),
		.reply = tuple_zone(tb[CTA_TUPLE_REPLY]),
		.has_reply = tb[CTA_TUPLE_REPLY] != NULL,
	};
}

/* ---- the kernel's entry to ours ---- */

/* A kernel entry with these zones (-1: none reported) as hrpd_ct_parse() reads it. */
static struct hs_sess parsed(int zone, int orig, int reply)
{
	char buf[MSG_ROOM];
	struct hs_sess in = plain_sess(), out;
	struct nf_conntrack *o = nfct_new();
	assert_non_null(o);
	hrpd_ct_set_tuples(o, &in, true);
	hrpd_ct_set_body(o, &in, in.timeout, false, false);
	nfct_attr_unset(o, ATTR_ZONE);
	if (zone >= 0)
		nfct_set_attr_u16(o, ATTR_ZONE, (uint16_t)zone);
	if (orig >= 0)
		nfct_set_attr_u16(o, ATTR_ORIG_ZONE, (uint16_t)orig);
	if (reply >= 0)
		nfct_set_attr_u16(o, ATTR_REPL_ZONE, (uint16_t)reply);
	struct nlmsghdr *nlh = build(buf, o, AF_INET);
	nfct_destroy(o);
	/* The message says what the kernel's would. */
	struct zones z = zones_of(nlh);
	assert_int_equal(z.zone, zone);
	assert_int_equal(z.orig, orig);
	assert_int_equal(z.reply, reply);
	memset(&out, 0xff, sizeof(out));
	assert_true(hrpd_ct_parse(nlh, HS_SESS_NEW, &out));
	assert_int_equal(out.orig.sport, 40000);
	return out;
}

static void test_parse_dir_zones(void **state)
{
	(void)state;
	/* nftables "ct original zone set 5": the original tuple's zone only. */
	struct hs_sess s = parsed(-1, 5, -1);
	assert_int_equal(s.zone_dir[0], 5);
	assert_int_equal(s.zone_dir[1], 0);
	assert_int_equal(s.zone, 0);
	/* "ct reply zone set 0x1234" */
	s = parsed(-1, -1, 0x1234);
	assert_int_equal(s.zone_dir[0], 0);
	assert_int_equal(s.zone_dir[1], 0x1234);
	assert_int_equal(s.zone, 0);
	/* A plain zone, as before: no directional zone. */
	s = parsed(9, -1, -1);
	assert_int_equal(s.zone, 9);
	assert_int_equal(s.zone_dir[0], 0);
	assert_int_equal(s.zone_dir[1], 0);
	/* And none at all. */
	s = parsed(-1, -1, -1);
	assert_int_equal(s.zone, 0);
	assert_int_equal(s.zone_dir[0], 0);
	assert_int_equal(s.zone_dir[1], 0);
	/* A destroy keeps its zones too: they name the entry. */
	char buf[MSG_ROOM];
	struct hs_sess in = plain_sess(), out;
	in.zone_dir[0] = 77;
	assert_true(hrpd_ct_parse(build_sess(buf, &in, false), HS_SESS_DESTROY, &out));
	assert_int_equal(out.op, HS_SESS_DESTROY);
	assert_int_equal(out.zone_dir[0], 77);
}

/* ---- ours to the kernel's ---- */

static void test_write_dir_zones(void **state)
{
	(void)state;
	char buf[MSG_ROOM];
	struct hs_sess s = plain_sess();
	struct zones z;

	/* Original zone: in the original tuple, without CTA_ZONE, with or without the reply. */
	s.zone_dir[0] = 5;
	for (int with_reply = 0; with_reply < 2; with_reply++) {
		z = zones_of(build_sess(buf, &s, with_reply));
		assert_int_equal(z.zone, -1);
		assert_int_equal(z.orig, 5);
		assert_int_equal(z.reply, -1);
		assert_int_equal(z.has_reply, with_reply);
	}

	/* Reply zone: in the reply tuple of a create; an update or delete keys the entry by the
	 * original tuple alone (its original direction is in no zone): no reply tuple made of a
	 * zone only. */
	s = plain_sess();
	s.zone_dir[1] = 0x1234;
	z = zones_of(build_sess(buf, &s, true));
	assert_int_equal(z.zone, -1);
	assert_int_equal(z.orig, -1);
	assert_int_equal(z.reply, 0x1234);
	z = zones_of(build_sess(buf, &s, false));
	assert_int_equal(z.zone, -1);
	assert_int_equal(z.orig, -1);
	assert_false(z.has_reply);

	/* A plain zone as before: CTA_ZONE, also 0, and no tuple zone. */
	s = plain_sess();
	s.zone = 9;
	z = zones_of(build_sess(buf, &s, true));
	assert_int_equal(z.zone, 9);
	assert_int_equal(z.orig, -1);
	assert_int_equal(z.reply, -1);
	s.zone = 0;
	z = zones_of(build_sess(buf, &s, true));
	assert_int_equal(z.zone, 0);
	assert_int_equal(z.orig, -1);
	assert_int_equal(z.reply, -1);
}

/* What the peer writes is what its kernel reports back: zones and tuples survive. */
static void test_round_trip(void **state)
{
	(void)state;
	static const uint16_t cases[][3] = { { 0, 5, 0 }, { 0, 0, 6 }, { 7, 0, 0 }, { 0, 0, 0 } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[MSG_ROOM];
		struct hs_sess in = plain_sess(), out;
		in.zone = cases[i][0];
		in.zone_dir[0] = cases[i][1];
		in.zone_dir[1] = cases[i][2];
		assert_true(hrpd_ct_parse(build_sess(buf, &in, true), HS_SESS_NEW, &out));
		assert_int_equal(out.zone, in.zone);
		assert_int_equal(out.zone_dir[0], in.zone_dir[0]);
		assert_int_equal(out.zone_dir[1], in.zone_dir[1]);
		assert_int_equal(out.orig.sport, in.orig.sport);
		assert_int_equal(out.reply.dport, in.reply.dport);
		/* hence the same key as the source's entry: digests and retries agree */
		assert_true(hs_sess_key_hash(&out) == hs_sess_key_hash(&in));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_dir_zones),
		cmocka_unit_test(test_write_dir_zones),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
