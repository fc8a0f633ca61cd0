/* ctnetlink messages read into sessions (lib/sess_ctmsg.c): messages built by
 * libnetfilter_conntrack (the library hrpd writes with, the oracle of the layout) read back field
 * by field: IPv4 TCP with NAT, mark, zone, labels, sequence adjustment and TCP state; IPv6 UDP;
 * ICMP echo (reply inverted); SCTP and DCCP state; a destroy; and bad input refused. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "sess_ctmsg.h"

static char buf[8192];

/* A CT_NEW message of family with ct's attributes, as a kernel event carries them. */
static struct nlmsghdr *build(struct nf_conntrack *ct, uint8_t family)
{
	memset(buf, 0, sizeof(buf));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	assert_int_equal(nfct_nlmsg_build(nlh, ct), 0);
	return nlh;
}

static void v4(struct nf_conntrack *ct, int attr, const char *a)
{
	uint32_t x;
	assert_int_equal(inet_pton(AF_INET, a, &x), 1);
	nfct_set_attr_u32(ct, attr, x);
}

static void assert_v4(const uint8_t *got, const char *a)
{
	uint8_t want[16] = { 0 };
	assert_int_equal(inet_pton(AF_INET, a, want), 1);
	assert_memory_equal(got, want, 16);
}

static struct nf_conntrack *tcp_nat(void)
{
	struct nf_conntrack *ct = nfct_new();
	nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
	nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_TCP);
	v4(ct, ATTR_ORIG_IPV4_SRC, "192.0.2.10");
	v4(ct, ATTR_ORIG_IPV4_DST, "203.0.113.130");
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_SRC, htons(40000));
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_DST, htons(443));
	/* source NAT to 198.51.100.1:61000: the reply comes back to it */
	nfct_set_attr_u8(ct, ATTR_REPL_L3PROTO, AF_INET);
	nfct_set_attr_u8(ct, ATTR_REPL_L4PROTO, IPPROTO_TCP);
	v4(ct, ATTR_REPL_IPV4_SRC, "203.0.113.130");
	v4(ct, ATTR_REPL_IPV4_DST, "198.51.100.1");
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_SRC, htons(443));
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_DST, htons(61000));
	nfct_set_attr_u16(ct, ATTR_ZONE, 7);
	nfct_set_attr_u32(ct, ATTR_STATUS, IPS_SEEN_REPLY | IPS_ASSURED | IPS_SRC_NAT);
	nfct_set_attr_u32(ct, ATTR_TIMEOUT, 431999);
	nfct_set_attr_u32(ct, ATTR_MARK, 0x2a);
	nfct_set_attr_u8(ct, ATTR_TCP_STATE, 3);
	nfct_set_attr_u8(ct, ATTR_TCP_WSCALE_ORIG, 7);
	nfct_set_attr_u8(ct, ATTR_TCP_WSCALE_REPL, 9);
	nfct_set_attr_u8(ct, ATTR_TCP_FLAGS_ORIG, 0x23);
	nfct_set_attr_u8(ct, ATTR_TCP_MASK_ORIG, 0x23);
	nfct_set_attr_u8(ct, ATTR_TCP_FLAGS_REPL, 0x22);
	nfct_set_attr_u8(ct, ATTR_TCP_MASK_REPL, 0x22);
	nfct_set_attr_u32(ct, ATTR_ORIG_NAT_SEQ_CORRECTION_POS, 1000);
	nfct_set_attr_u32(ct, ATTR_ORIG_NAT_SEQ_OFFSET_BEFORE, 2);
	nfct_set_attr_u32(ct, ATTR_ORIG_NAT_SEQ_OFFSET_AFTER, 5);
	struct nfct_bitmask *b = nfct_bitmask_new(127);
	nfct_bitmask_set_bit(b, 0);
	nfct_bitmask_set_bit(b, 33);
	nfct_bitmask_set_bit(b, 127);
	nfct_set_attr(ct, ATTR_CONNLABELS, b);
	return ct;
}

static void ipv4_tcp_with_nat_mark_zone_labels_seqadj(void **state)
{
	(void)state;
	struct nf_conntrack *ct = tcp_nat();
	struct hs_sess s;
	assert_true(hs_sess_from_ctmsg(build(ct, AF_INET), HS_SESS_NEW, &s));
	nfct_destroy(ct);
	assert_int_equal(s.op, HS_SESS_NEW);
	assert_int_equal(s.family, AF_INET);
	assert_int_equal(s.l4proto, IPPROTO_TCP);
	assert_int_equal(s.zone, 7);
	assert_v4(s.orig.src, "192.0.2.10");
	assert_v4(s.orig.dst, "203.0.113.130");
	assert_int_equal(s.orig.sport, 40000);
	assert_int_equal(s.orig.dport, 443);
	assert_v4(s.reply.src, "203.0.113.130");
	assert_v4(s.reply.dst, "198.51.100.1");
	assert_int_equal(s.reply.sport, 443);
	assert_int_equal(s.reply.dport, 61000);
	/* the builder adds CONFIRMED, as a kernel event has it: the bits are read as they come */
	assert_int_equal(s.status, IPS_SEEN_REPLY | IPS_ASSURED | IPS_SRC_NAT | IPS_CONFIRMED);
	assert_int_equal(s.timeout, 431999);
	assert_int_equal(s.mark, 0x2a);
	assert_int_equal(s.proto_state, 3);
	assert_int_equal(s.wscale[0], 7);
	assert_int_equal(s.wscale[1], 9);
	assert_int_equal(s.tcp_flags[0], 0x23);
	assert_int_equal(s.tcp_flags[1], 0x22);
	assert_int_equal(s.seqadj[0].correction_pos, 1000);
	assert_int_equal(s.seqadj[0].offset_before, 2);
	assert_int_equal(s.seqadj[0].offset_after, 5);
	assert_int_equal(s.seqadj[1].correction_pos, 0);
	assert_int_equal(s.has, HS_SESS_HAS_MARK | HS_SESS_HAS_SEQADJ | HS_SESS_HAS_LABELS);
	uint8_t labels[16] = { [0] = 0x01, [4] = 0x02, [15] = 0x80 };
	assert_memory_equal(s.labels, labels, 16);
}

static void a_destroy_reads_only_the_tuples(void **state)
{
	(void)state;
	struct nf_conntrack *ct = tcp_nat();
	struct hs_sess s;
	assert_true(hs_sess_from_ctmsg(build(ct, AF_INET), HS_SESS_DESTROY, &s));
	nfct_destroy(ct);
	assert_int_equal(s.op, HS_SESS_DESTROY);
	assert_int_equal(s.zone, 7);
	assert_int_equal(s.orig.sport, 40000);
	assert_int_equal(s.reply.dport, 61000);
	assert_int_equal(s.status, 0);
	assert_int_equal(s.mark, 0);
	assert_int_equal(s.has, 0);
	assert_int_equal(s.proto_state, 0);
}

static void ipv6_udp(void **state)
{
	(void)state;
	struct nf_conntrack *ct = nfct_new();
	uint8_t a[16], b[16];
	inet_pton(AF_INET6, "2001:db8::1", a);
	inet_pton(AF_INET6, "2001:db8:1::2", b);
	nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET6);
	nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_UDP);
	nfct_set_attr(ct, ATTR_ORIG_IPV6_SRC, a);
	nfct_set_attr(ct, ATTR_ORIG_IPV6_DST, b);
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_SRC, htons(5353));
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_DST, htons(53));
	nfct_set_attr_u8(ct, ATTR_REPL_L3PROTO, AF_INET6);
	nfct_set_attr_u8(ct, ATTR_REPL_L4PROTO, IPPROTO_UDP);
	nfct_set_attr(ct, ATTR_REPL_IPV6_SRC, b);
	nfct_set_attr(ct, ATTR_REPL_IPV6_DST, a);
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_SRC, htons(53));
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_DST, htons(5353));
	nfct_set_attr_u32(ct, ATTR_TIMEOUT, 30);
	struct hs_sess s;
	assert_true(hs_sess_from_ctmsg(build(ct, AF_INET6), HS_SESS_UPDATE, &s));
	nfct_destroy(ct);
	assert_int_equal(s.family, AF_INET6);
	assert_int_equal(s.l4proto, IPPROTO_UDP);
	assert_memory_equal(s.orig.src, a, 16);
	assert_memory_equal(s.orig.dst, b, 16);
	assert_memory_equal(s.reply.src, b, 16);
	assert_int_equal(s.orig.sport, 5353);
	assert_int_equal(s.reply.dport, 5353);
	assert_int_equal(s.timeout, 30);
	assert_int_equal(s.has, 0);
}

static void icmp_echo_reply_is_the_inverse(void **state)
{
	(void)state;
	struct nf_conntrack *ct = nfct_new();
	nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
	nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_ICMP);
	v4(ct, ATTR_ORIG_IPV4_SRC, "192.0.2.10");
	v4(ct, ATTR_ORIG_IPV4_DST, "203.0.113.130");
	nfct_set_attr_u16(ct, ATTR_ICMP_ID, htons(0x1234));
	nfct_set_attr_u8(ct, ATTR_ICMP_TYPE, 8);
	nfct_set_attr_u8(ct, ATTR_ICMP_CODE, 0);
	struct hs_sess s, want_reply;
	assert_true(hs_sess_from_ctmsg(build(ct, AF_INET), HS_SESS_NEW, &s));
	nfct_destroy(ct);
	assert_int_equal(s.orig.sport, 0x1234);
	assert_int_equal(s.orig.dport, 8 << 8);
	hs_sess_tuple_invert(AF_INET, IPPROTO_ICMP, &s.orig, &want_reply.reply);
	assert_memory_equal(&s.reply, &want_reply.reply, sizeof(s.reply));
	assert_int_equal(s.reply.dport, 0); /* echo reply */
	assert_v4(s.reply.src, "203.0.113.130");
}

static void sctp_and_dccp_state(void **state)
{
	(void)state;
	struct nf_conntrack *ct = nfct_new();
	nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
	nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_SCTP);
	v4(ct, ATTR_ORIG_IPV4_SRC, "192.0.2.10");
	v4(ct, ATTR_ORIG_IPV4_DST, "203.0.113.130");
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_SRC, htons(2905));
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_DST, htons(2905));
	nfct_set_attr_u8(ct, ATTR_SCTP_STATE, 3);
	nfct_set_attr_u32(ct, ATTR_SCTP_VTAG_ORIG, 0xdeadbeef);
	nfct_set_attr_u32(ct, ATTR_SCTP_VTAG_REPL, 0x01020304);
	struct hs_sess s;
	assert_true(hs_sess_from_ctmsg(build(ct, AF_INET), HS_SESS_NEW, &s));
	assert_int_equal(s.proto_state, 3);
	assert_int_equal(s.vtag[0], 0xdeadbeef);
	assert_int_equal(s.vtag[1], 0x01020304);
	nfct_destroy(ct);

	ct = nfct_new();
	nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
	nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_DCCP);
	v4(ct, ATTR_ORIG_IPV4_SRC, "192.0.2.10");
	v4(ct, ATTR_ORIG_IPV4_DST, "203.0.113.130");
	nfct_set_attr_u8(ct, ATTR_DCCP_STATE, 4);
	assert_true(hs_sess_from_ctmsg(build(ct, AF_INET), HS_SESS_NEW, &s));
	assert_int_equal(s.l4proto, IPPROTO_DCCP);
	assert_int_equal(s.proto_state, 4);
	nfct_destroy(ct);
}

static void bad_input_is_refused(void **state)
{
	(void)state;
	struct nf_conntrack *ct = tcp_nat();
	struct hs_sess s;
	struct nlmsghdr *nlh = build(ct, AF_INET);
	nfct_destroy(ct);
	uint32_t full = nlh->nlmsg_len;

	/* a family we do not sync */
	((struct nfgenmsg *)mnl_nlmsg_get_payload(nlh))->nfgen_family = AF_UNSPEC;
	assert_false(hs_sess_from_ctmsg(nlh, HS_SESS_NEW, &s));
	((struct nfgenmsg *)mnl_nlmsg_get_payload(nlh))->nfgen_family = AF_INET;
	/* no room for the nfgenmsg */
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	assert_false(hs_sess_from_ctmsg(nlh, HS_SESS_NEW, &s));
	/* cut inside the original tuple: no tuple */
	nlh->nlmsg_len = NLMSG_HDRLEN + 4 + 12;
	assert_false(hs_sess_from_ctmsg(nlh, HS_SESS_NEW, &s));
	nlh->nlmsg_len = full;
	assert_true(hs_sess_from_ctmsg(nlh, HS_SESS_NEW, &s));

	/* a status of the wrong length */
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_INET;
	struct nlattr *t = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
	struct nlattr *ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put_u32(nlh, CTA_IP_V4_SRC, htonl(0xc0000201));
	mnl_attr_put_u32(nlh, CTA_IP_V4_DST, htonl(0xcb007182));
	mnl_attr_nest_end(nlh, ip);
	struct nlattr *pr = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, IPPROTO_UDP);
	mnl_attr_nest_end(nlh, pr);
	mnl_attr_nest_end(nlh, t);
	assert_true(hs_sess_from_ctmsg(nlh, HS_SESS_NEW, &s));
	mnl_attr_put_u16(nlh, CTA_STATUS, 8);
	assert_false(hs_sess_from_ctmsg(nlh, HS_SESS_NEW, &s));
	/* ... and an address of the wrong length: no tuple to trust */
	assert_true(hs_sess_from_ctmsg(nlh, HS_SESS_DESTROY, &s));
	((struct nlattr *)((char *)ip + NLA_HDRLEN))->nla_len = NLA_HDRLEN + 2;
	assert_false(hs_sess_from_ctmsg(nlh, HS_SESS_DESTROY, &s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_tcp_with_nat_mark_zone_labels_seqadj),
		cmocka_unit_test(a_destroy_reads_only_the_tuples),
		cmocka_unit_test(ipv6_udp),
		cmocka_unit_test(icmp_echo_reply_is_the_inverse),
		cmocka_unit_test(sctp_and_dccp_state),
		cmocka_unit_test(bad_input_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
