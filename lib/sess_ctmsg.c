/* ctnetlink message -> struct hs_sess (sess_ctmsg.h). The layout is the kernel's
 * (include/uapi/linux/netfilter/nfnetlink_conntrack.h): multi-byte numbers in network order,
 * nested attribute sets for tuples, protocol info and sequence adjustments. Every attribute is
 * checked for its exact length before it is read (mnl_attr_parse has checked that it lies within
 * the message); an attribute of a type we do not know is skipped. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nf_conntrack_tcp.h>

#include "sess_ctmsg.h"

#define ATTRS_MAX 32 /* above every CTA_*_MAX read here */
_Static_assert(CTA_MAX < ATTRS_MAX && CTA_TUPLE_MAX < ATTRS_MAX && CTA_IP_MAX < ATTRS_MAX &&
		       CTA_PROTO_MAX < ATTRS_MAX && CTA_PROTOINFO_MAX < ATTRS_MAX &&
		       CTA_PROTOINFO_TCP_MAX < ATTRS_MAX && CTA_PROTOINFO_SCTP_MAX < ATTRS_MAX &&
		       CTA_PROTOINFO_DCCP_MAX < ATTRS_MAX && CTA_SEQADJ_MAX < ATTRS_MAX,
	       "one table size for every attribute set");

struct attrs {
	const struct nlattr *tb[ATTRS_MAX];
	int max;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct attrs *t = data;
	int type = mnl_attr_get_type(a);
	if (type > t->max)
		return MNL_CB_OK; /* newer than us: skipped */
	t->tb[type] = a;
	return MNL_CB_OK;
}

static bool nested(const struct nlattr *a, int max, struct attrs *t)
{
	/* only the slots of this set: clearing the whole table was a tenth of the parse */
	memset(t->tb, 0, sizeof(t->tb[0]) * (size_t)(max + 1));
	t->max = max;
	return a && mnl_attr_parse_nested(a, attr_cb, t) >= 0;
}

/* The attribute's value when it has exactly the length of the type, else false. */
static bool get_u8(const struct nlattr *a, uint8_t *v)
{
	if (!a || mnl_attr_get_payload_len(a) != 1)
		return false;
	*v = mnl_attr_get_u8(a);
	return true;
}

static bool get_be16(const struct nlattr *a, uint16_t *v)
{
	if (!a || mnl_attr_get_payload_len(a) != 2)
		return false;
	*v = ntohs(mnl_attr_get_u16(a));
	return true;
}

static bool get_be32(const struct nlattr *a, uint32_t *v)
{
	if (!a || mnl_attr_get_payload_len(a) != 4)
		return false;
	*v = ntohl(mnl_attr_get_u32(a));
	return true;
}

static bool get_addr(const struct nlattr *a, size_t len, uint8_t *out)
{
	if (!a)
		return true; /* absent: zero, as the kernel never sends it so */
	if (mnl_attr_get_payload_len(a) != len)
		return false;
	memcpy(out, mnl_attr_get_payload(a), len);
	return true;
}

static bool is_icmp(uint8_t proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/* One tuple. ICMP's id, type and code go to sport and dport (type << 8 | code). */
static bool tuple(const struct nlattr *a, uint8_t family, uint8_t *l4proto,
		  struct hs_sess_tuple *t)
{
	struct attrs tu, ip, pr;
	if (!nested(a, CTA_TUPLE_MAX, &tu) || !nested(tu.tb[CTA_TUPLE_IP], CTA_IP_MAX, &ip) ||
	    !nested(tu.tb[CTA_TUPLE_PROTO], CTA_PROTO_MAX, &pr))
		return false;
	bool v4 = family == AF_INET;
	if (!get_addr(ip.tb[v4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC], v4 ? 4 : 16, t->src) ||
	    !get_addr(ip.tb[v4 ? CTA_IP_V4_DST : CTA_IP_V6_DST], v4 ? 4 : 16, t->dst) ||
	    !get_u8(pr.tb[CTA_PROTO_NUM], l4proto))
		return false;
	if (is_icmp(*l4proto)) {
		bool six = *l4proto == IPPROTO_ICMPV6;
		uint8_t type = 0, code = 0;
		if (pr.tb[six ? CTA_PROTO_ICMPV6_ID : CTA_PROTO_ICMP_ID] &&
		    !get_be16(pr.tb[six ? CTA_PROTO_ICMPV6_ID : CTA_PROTO_ICMP_ID], &t->sport))
			return false;
		if (pr.tb[six ? CTA_PROTO_ICMPV6_TYPE : CTA_PROTO_ICMP_TYPE] &&
		    !get_u8(pr.tb[six ? CTA_PROTO_ICMPV6_TYPE : CTA_PROTO_ICMP_TYPE], &type))
			return false;
		if (pr.tb[six ? CTA_PROTO_ICMPV6_CODE : CTA_PROTO_ICMP_CODE] &&
		    !get_u8(pr.tb[six ? CTA_PROTO_ICMPV6_CODE : CTA_PROTO_ICMP_CODE], &code))
			return false;
		t->dport = (uint16_t)(type << 8 | code);
		return true;
	}
	if (pr.tb[CTA_PROTO_SRC_PORT] && !get_be16(pr.tb[CTA_PROTO_SRC_PORT], &t->sport))
		return false;
	if (pr.tb[CTA_PROTO_DST_PORT] && !get_be16(pr.tb[CTA_PROTO_DST_PORT], &t->dport))
		return false;
	return true;
}

/* The kernel's labels are bits in host-order 32-bit words; ours are bytes, bit i in byte i/8. */
static void labels(const struct nlattr *a, struct hs_sess *s)
{
	if (!a)
		return;
	size_t len = mnl_attr_get_payload_len(a) / 4 * 4;
	const uint8_t *p = mnl_attr_get_payload(a);
	for (size_t w = 0; w < len / 4 && w < 4; w++) {
		uint32_t word;
		memcpy(&word, p + 4 * w, 4);
		for (unsigned bit = 0; bit < 32; bit++)
			if (word >> bit & 1) {
				unsigned i = (unsigned)w * 32 + bit;
				s->labels[i / 8] |= (uint8_t)(1u << (i % 8));
				s->has |= HS_SESS_HAS_LABELS;
			}
	}
}

static bool seqadj(const struct nlattr *a, struct hs_sess_seqadj *adj, bool *present)
{
	struct attrs t;
	if (!a)
		return true;
	if (!nested(a, CTA_SEQADJ_MAX, &t))
		return false;
	*present = *present || t.tb[CTA_SEQADJ_CORRECTION_POS];
	return (!t.tb[CTA_SEQADJ_CORRECTION_POS] ||
		get_be32(t.tb[CTA_SEQADJ_CORRECTION_POS], &adj->correction_pos)) &&
	       (!t.tb[CTA_SEQADJ_OFFSET_BEFORE] ||
		get_be32(t.tb[CTA_SEQADJ_OFFSET_BEFORE], &adj->offset_before)) &&
	       (!t.tb[CTA_SEQADJ_OFFSET_AFTER] ||
		get_be32(t.tb[CTA_SEQADJ_OFFSET_AFTER], &adj->offset_after));
}

/* An absent field reads as 0: the kernel leaves out what it has not. */
static bool opt_u8(const struct nlattr *a, uint8_t *v)
{
	return !a || get_u8(a, v);
}

static bool opt_be32(const struct nlattr *a, uint32_t *v)
{
	return !a || get_be32(a, v);
}

static bool tcp_flags(const struct nlattr *a, uint8_t *flags)
{
	if (!a)
		return true;
	if (mnl_attr_get_payload_len(a) != sizeof(struct nf_ct_tcp_flags))
		return false;
	*flags = ((const struct nf_ct_tcp_flags *)mnl_attr_get_payload(a))->flags;
	return true;
}

static bool protoinfo(const struct nlattr *a, struct hs_sess *s)
{
	struct attrs pi, t;
	if (!a)
		return true;
	if (!nested(a, CTA_PROTOINFO_MAX, &pi))
		return false;
	switch (s->l4proto) {
	case IPPROTO_TCP:
		if (!pi.tb[CTA_PROTOINFO_TCP])
			return true;
		return nested(pi.tb[CTA_PROTOINFO_TCP], CTA_PROTOINFO_TCP_MAX, &t) &&
		       opt_u8(t.tb[CTA_PROTOINFO_TCP_STATE], &s->proto_state) &&
		       opt_u8(t.tb[CTA_PROTOINFO_TCP_WSCALE_ORIGINAL], &s->wscale[0]) &&
		       opt_u8(t.tb[CTA_PROTOINFO_TCP_WSCALE_REPLY], &s->wscale[1]) &&
		       tcp_flags(t.tb[CTA_PROTOINFO_TCP_FLAGS_ORIGINAL], &s->tcp_flags[0]) &&
		       tcp_flags(t.tb[CTA_PROTOINFO_TCP_FLAGS_REPLY], &s->tcp_flags[1]);
	case IPPROTO_SCTP:
		if (!pi.tb[CTA_PROTOINFO_SCTP])
			return true;
		return nested(pi.tb[CTA_PROTOINFO_SCTP], CTA_PROTOINFO_SCTP_MAX, &t) &&
		       opt_u8(t.tb[CTA_PROTOINFO_SCTP_STATE], &s->proto_state) &&
		       opt_be32(t.tb[CTA_PROTOINFO_SCTP_VTAG_ORIGINAL], &s->vtag[0]) &&
		       opt_be32(t.tb[CTA_PROTOINFO_SCTP_VTAG_REPLY], &s->vtag[1]);
	case IPPROTO_DCCP:
		if (!pi.tb[CTA_PROTOINFO_DCCP])
			return true;
		return nested(pi.tb[CTA_PROTOINFO_DCCP], CTA_PROTOINFO_DCCP_MAX, &t) &&
		       opt_u8(t.tb[CTA_PROTOINFO_DCCP_STATE], &s->proto_state);
	default: return true;
	}
}

bool hs_sess_from_ctmsg(const struct nlmsghdr *nlh, uint8_t op, struct hs_sess *s)
{
	struct attrs top;
	memset(s, 0, sizeof(*s));
	memset(&top, 0, sizeof(top));
	top.max = CTA_MAX;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct nfgenmsg))
		return false;
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	s->op = op;
	s->family = g->nfgen_family;
	if (s->family != AF_INET && s->family != AF_INET6)
		return false;
	if (mnl_attr_parse(nlh, sizeof(*g), attr_cb, &top) < 0 || !top.tb[CTA_TUPLE_ORIG])
		return false;
	if (top.tb[CTA_ZONE] && !get_be16(top.tb[CTA_ZONE], &s->zone))
		return false;
	if (!tuple(top.tb[CTA_TUPLE_ORIG], s->family, &s->l4proto, &s->orig))
		return false;
	if (is_icmp(s->l4proto)) {
		hs_sess_tuple_invert(s->family, s->l4proto, &s->orig, &s->reply);
	} else if (top.tb[CTA_TUPLE_REPLY]) {
		uint8_t proto;
		if (!tuple(top.tb[CTA_TUPLE_REPLY], s->family, &proto, &s->reply))
			return false;
	}
	if (op == HS_SESS_DESTROY)
		return true;
	bool adj = false;
	if (!opt_be32(top.tb[CTA_STATUS], &s->status) ||
	    !opt_be32(top.tb[CTA_TIMEOUT], &s->timeout) ||
	    !opt_be32(top.tb[CTA_MARK], &s->mark) ||
	    !seqadj(top.tb[CTA_SEQ_ADJ_ORIG], &s->seqadj[0], &adj) ||
	    !seqadj(top.tb[CTA_SEQ_ADJ_REPLY], &s->seqadj[1], &adj) ||
	    !protoinfo(top.tb[CTA_PROTOINFO], s))
		return false;
	if (s->mark)
		s->has |= HS_SESS_HAS_MARK;
	if (adj)
		s->has |= HS_SESS_HAS_SEQADJ;
	labels(top.tb[CTA_LABELS], s);
	return true;
}
