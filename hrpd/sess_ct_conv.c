/* The conversions of session sync's ctnetlink side (sess_ct_conv.h): the kernel's conntrack
 * objects (libnetfilter_conntrack) to and from struct hs_sess. */
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <string.h>

#include "sess_ct_conv.h"

static void get_addr(const struct nf_conntrack *o, uint8_t family, int v4, int v6, uint8_t *out)
{
	memset(out, 0, 16);
	const void *p = nfct_get_attr(o, family == AF_INET ? v4 : v6);
	if (p)
		memcpy(out, p, family == AF_INET ? 4 : 16);
}

static bool is_icmp(uint8_t proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

static void get_tuple(const struct nf_conntrack *o, struct hs_sess *s, bool reply)
{
	struct hs_sess_tuple *t = reply ? &s->reply : &s->orig;
	if (reply) {
		get_addr(o, s->family, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC, t->src);
		get_addr(o, s->family, ATTR_REPL_IPV4_DST, ATTR_REPL_IPV6_DST, t->dst);
	} else {
		get_addr(o, s->family, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC, t->src);
		get_addr(o, s->family, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST, t->dst);
	}
	if (is_icmp(s->l4proto)) {
		/* libnetfilter_conntrack keeps only the original's ICMP fields (from_ct). */
		if (!reply) {
			t->sport = ntohs(nfct_get_attr_u16(o, ATTR_ICMP_ID));
			t->dport = (uint16_t)(nfct_get_attr_u8(o, ATTR_ICMP_TYPE) << 8 |
					      nfct_get_attr_u8(o, ATTR_ICMP_CODE));
		}
		return;
	}
	if (reply) {
		t->sport = ntohs(nfct_get_attr_u16(o, ATTR_REPL_PORT_SRC));
		t->dport = ntohs(nfct_get_attr_u16(o, ATTR_REPL_PORT_DST));
	} else {
		t->sport = ntohs(nfct_get_attr_u16(o, ATTR_ORIG_PORT_SRC));
		t->dport = ntohs(nfct_get_attr_u16(o, ATTR_ORIG_PORT_DST));
	}
}

static void get_seqadj(const struct nf_conntrack *o, struct hs_sess *s)
{
	static const int attr[2][3] = {
		{ ATTR_ORIG_NAT_SEQ_CORRECTION_POS, ATTR_ORIG_NAT_SEQ_OFFSET_BEFORE,
		  ATTR_ORIG_NAT_SEQ_OFFSET_AFTER },
		{ ATTR_REPL_NAT_SEQ_CORRECTION_POS, ATTR_REPL_NAT_SEQ_OFFSET_BEFORE,
		  ATTR_REPL_NAT_SEQ_OFFSET_AFTER },
	};
	if (!nfct_attr_is_set(o, ATTR_ORIG_NAT_SEQ_CORRECTION_POS) &&
	    !nfct_attr_is_set(o, ATTR_REPL_NAT_SEQ_CORRECTION_POS))
		return;
	s->has |= HS_SESS_HAS_SEQADJ;
	for (int d = 0; d < 2; d++) {
		s->seqadj[d].correction_pos = nfct_get_attr_u32(o, attr[d][0]);
		s->seqadj[d].offset_before = nfct_get_attr_u32(o, attr[d][1]);
		s->seqadj[d].offset_after = nfct_get_attr_u32(o, attr[d][2]);
	}
}

static void get_labels(const struct nf_conntrack *o, struct hs_sess *s)
{
	const struct nfct_bitmask *b = nfct_get_attr(o, ATTR_CONNLABELS);
	if (!b)
		return;
	unsigned max = nfct_bitmask_maxbit(b);
	for (unsigned bit = 0; bit <= max && bit < 128; bit++)
		if (nfct_bitmask_test_bit(b, bit)) {
			s->labels[bit / 8] |= (uint8_t)(1u << (bit % 8));
			s->has |= HS_SESS_HAS_LABELS;
		}
}

/* The kernel's object to ours; false for what we do not sync (no layer 3 we know). */
static bool from_ct(const struct nf_conntrack *o, uint8_t op, struct hs_sess *s)
{
	memset(s, 0, sizeof(*s));
	s->op = op;
	s->family = nfct_get_attr_u8(o, ATTR_L3PROTO);
	if (s->family != AF_INET && s->family != AF_INET6)
		return false;
	s->l4proto = nfct_get_attr_u8(o, ATTR_L4PROTO);
	if (nfct_attr_is_set(o, ATTR_ZONE))
		s->zone = nfct_get_attr_u16(o, ATTR_ZONE);
	/* A zone of one direction (nftables "ct original zone set"): the kernel reports it in
	 * that direction's tuple (CTA_TUPLE_ZONE), and no CTA_ZONE. */
	if (nfct_attr_is_set(o, ATTR_ORIG_ZONE))
		s->zone_dir[0] = nfct_get_attr_u16(o, ATTR_ORIG_ZONE);
	if (nfct_attr_is_set(o, ATTR_REPL_ZONE))
		s->zone_dir[1] = nfct_get_attr_u16(o, ATTR_REPL_ZONE);
	get_tuple(o, s, false);
	if (is_icmp(s->l4proto)) {
		/* The reply's id, type and code are the inverse of the original's (the library
		 * keeps no others), but its addresses are the kernel's: behind NAT they differ,
		 * and the peer needs them for the binding (hrpd_ct_set_nat). */
		hs_sess_tuple_invert(s->family, s->l4proto, &s->orig, &s->reply);
		if (nfct_attr_is_set(o, s->family == AF_INET ? ATTR_REPL_IPV4_SRC
							     : ATTR_REPL_IPV6_SRC))
			get_addr(o, s->family, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC,
				 s->reply.src);
		if (nfct_attr_is_set(o, s->family == AF_INET ? ATTR_REPL_IPV4_DST
							     : ATTR_REPL_IPV6_DST))
			get_addr(o, s->family, ATTR_REPL_IPV4_DST, ATTR_REPL_IPV6_DST,
				 s->reply.dst);
	} else {
		get_tuple(o, s, true);
	}
	if (op == HS_SESS_DESTROY)
		return true;
	s->status = nfct_get_attr_u32(o, ATTR_STATUS);
	s->timeout = nfct_get_attr_u32(o, ATTR_TIMEOUT);
	if (nfct_attr_is_set(o, ATTR_MARK) && (s->mark = nfct_get_attr_u32(o, ATTR_MARK)))
		s->has |= HS_SESS_HAS_MARK;
	get_labels(o, s);
	get_seqadj(o, s);
	if (nfct_attr_is_set(o, ATTR_HELPER_NAME)) /* sess_expect.c sends it, when on */
		snprintf(s->helper, sizeof(s->helper), "%s",
			 (const char *)nfct_get_attr(o, ATTR_HELPER_NAME));
	switch (s->l4proto) {
	case IPPROTO_TCP:
		s->proto_state = nfct_get_attr_u8(o, ATTR_TCP_STATE);
		s->wscale[0] = nfct_get_attr_u8(o, ATTR_TCP_WSCALE_ORIG);
		s->wscale[1] = nfct_get_attr_u8(o, ATTR_TCP_WSCALE_REPL);
		s->tcp_flags[0] = nfct_get_attr_u8(o, ATTR_TCP_FLAGS_ORIG);
		s->tcp_flags[1] = nfct_get_attr_u8(o, ATTR_TCP_FLAGS_REPL);
		break;
	case IPPROTO_SCTP:
		s->proto_state = nfct_get_attr_u8(o, ATTR_SCTP_STATE);
		s->vtag[0] = nfct_get_attr_u32(o, ATTR_SCTP_VTAG_ORIG);
		s->vtag[1] = nfct_get_attr_u32(o, ATTR_SCTP_VTAG_REPL);
		break;
	case IPPROTO_DCCP: s->proto_state = nfct_get_attr_u8(o, ATTR_DCCP_STATE); break;
	default: break;
	}
	return true;
}

static void set_addr(struct nf_conntrack *o, uint8_t family, int v4, int v6, const uint8_t *a)
{
	nfct_set_attr_l(o, family == AF_INET ? v4 : v6, a, family == AF_INET ? 4 : 16);
}

void hrpd_ct_set_tuples(struct nf_conntrack *o, const struct hs_sess *s, bool with_reply)
{
	nfct_set_attr_u8(o, ATTR_L3PROTO, s->family);
	nfct_set_attr_u8(o, ATTR_L4PROTO, s->l4proto);
	/* A directional zone goes in its tuple (CTA_TUPLE_ZONE), without CTA_ZONE: the kernel
	 * refuses a tuple's zone after a zone that is not 0 (ctnetlink_parse_tuple_zone). */
	if (!s->zone_dir[0] && !s->zone_dir[1])
		nfct_set_attr_u16(o, ATTR_ZONE, s->zone);
	if (s->zone_dir[0])
		nfct_set_attr_u16(o, ATTR_ORIG_ZONE, s->zone_dir[0]);
	/* A reply zone goes only with the reply tuple: the original tuple alone finds the entry
	 * (its original direction is in no zone), and a reply tuple of a zone only is invalid. */
	if (s->zone_dir[1] && with_reply)
		nfct_set_attr_u16(o, ATTR_REPL_ZONE, s->zone_dir[1]);
	set_addr(o, s->family, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC, s->orig.src);
	set_addr(o, s->family, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST, s->orig.dst);
	if (is_icmp(s->l4proto)) {
		nfct_set_attr_u16(o, ATTR_ICMP_ID, htons(s->orig.sport));
		nfct_set_attr_u8(o, ATTR_ICMP_TYPE, (uint8_t)(s->orig.dport >> 8));
		nfct_set_attr_u8(o, ATTR_ICMP_CODE, (uint8_t)s->orig.dport);
	} else {
		nfct_set_attr_u16(o, ATTR_ORIG_PORT_SRC, htons(s->orig.sport));
		nfct_set_attr_u16(o, ATTR_ORIG_PORT_DST, htons(s->orig.dport));
	}
	if (!with_reply)
		return;
	set_addr(o, s->family, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC, s->reply.src);
	set_addr(o, s->family, ATTR_REPL_IPV4_DST, ATTR_REPL_IPV6_DST, s->reply.dst);
	nfct_set_attr_u8(o, ATTR_REPL_L3PROTO, s->family);
	nfct_set_attr_u8(o, ATTR_REPL_L4PROTO, s->l4proto);
	if (!is_icmp(s->l4proto)) {
		nfct_set_attr_u16(o, ATTR_REPL_PORT_SRC, htons(s->reply.sport));
		nfct_set_attr_u16(o, ATTR_REPL_PORT_DST, htons(s->reply.dport));
	}
}

/* NAT as the kernel wants it on a create: the binding, from the difference of the two tuples,
 * and the reply tuple as it was before NAT (the inverse of the original). The kernel applies the
 * binding to that reply itself; it sets IPS_SRC_NAT / IPS_DST_NAT, without which no packet is
 * translated, only when the binding changes the tuple: given the translated reply, it would find
 * nothing to change and keep an entry that holds the NAT tuples but never translates. The port
 * goes with the address whenever the protocol has ports, so that the kernel keeps the source's
 * port rather than choose one when the original is taken here. */
void hrpd_ct_set_nat(struct nf_conntrack *o, const struct hs_sess *s)
{
	if (!(s->status & (IPS_SRC_NAT | IPS_DST_NAT)))
		return;
	bool ports = s->l4proto == IPPROTO_TCP || s->l4proto == IPPROTO_UDP ||
		     s->l4proto == IPPROTO_UDPLITE || s->l4proto == IPPROTO_SCTP ||
		     s->l4proto == IPPROTO_DCCP;
	if (s->status & IPS_SRC_NAT) {
		set_addr(o, s->family, ATTR_SNAT_IPV4, ATTR_SNAT_IPV6, s->reply.dst);
		if (ports || (!is_icmp(s->l4proto) && s->reply.dport != s->orig.sport))
			nfct_set_attr_u16(o, ATTR_SNAT_PORT, htons(s->reply.dport));
	}
	if (s->status & IPS_DST_NAT) {
		set_addr(o, s->family, ATTR_DNAT_IPV4, ATTR_DNAT_IPV6, s->reply.src);
		if (ports || (!is_icmp(s->l4proto) && s->reply.sport != s->orig.dport))
			nfct_set_attr_u16(o, ATTR_DNAT_PORT, htons(s->reply.sport));
	}
	struct hs_sess_tuple pre;
	hs_sess_tuple_invert(s->family, s->l4proto, &s->orig, &pre);
	set_addr(o, s->family, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC, pre.src);
	set_addr(o, s->family, ATTR_REPL_IPV4_DST, ATTR_REPL_IPV6_DST, pre.dst);
	if (!is_icmp(s->l4proto)) {
		nfct_set_attr_u16(o, ATTR_REPL_PORT_SRC, htons(pre.sport));
		nfct_set_attr_u16(o, ATTR_REPL_PORT_DST, htons(pre.dport));
	}
}

void hrpd_ct_set_body(struct nf_conntrack *o, const struct hs_sess *s, uint32_t timeout_s,
		      bool tcp_window, bool keep_status)
{
	/* The NAT bits are the kernel's to set from the binding; confirmed and the rest are its
	 * own. */
	if (!keep_status)
		nfct_set_attr_u32(o, ATTR_STATUS, s->status & (IPS_SEEN_REPLY | IPS_ASSURED));
	if (timeout_s) /* 0: an update that leaves the entry's timer as it is */
		nfct_set_attr_u32(o, ATTR_TIMEOUT, timeout_s);
	/* The kernel reports a mark whenever it is not 0 (and a change to 0 too): an entry
	 * without one has mark 0, also when an update takes it back to 0 on the source. */
	nfct_set_attr_u32(o, ATTR_MARK, s->has & HS_SESS_HAS_MARK ? s->mark : 0);
	if (s->has & HS_SESS_HAS_SEQADJ) {
		nfct_set_attr_u32(o, ATTR_ORIG_NAT_SEQ_CORRECTION_POS, s->seqadj[0].correction_pos);
		nfct_set_attr_u32(o, ATTR_ORIG_NAT_SEQ_OFFSET_BEFORE, s->seqadj[0].offset_before);
		nfct_set_attr_u32(o, ATTR_ORIG_NAT_SEQ_OFFSET_AFTER, s->seqadj[0].offset_after);
		nfct_set_attr_u32(o, ATTR_REPL_NAT_SEQ_CORRECTION_POS, s->seqadj[1].correction_pos);
		nfct_set_attr_u32(o, ATTR_REPL_NAT_SEQ_OFFSET_BEFORE, s->seqadj[1].offset_before);
		nfct_set_attr_u32(o, ATTR_REPL_NAT_SEQ_OFFSET_AFTER, s->seqadj[1].offset_after);
	}
	if (s->has & HS_SESS_HAS_LABELS) {
		struct nfct_bitmask *b = nfct_bitmask_new(127);
		if (b) {
			for (unsigned bit = 0; bit < 128; bit++)
				if (s->labels[bit / 8] & (1u << (bit % 8)))
					nfct_bitmask_set_bit(b, bit);
			nfct_set_attr(o, ATTR_CONNLABELS, b); /* the object owns it now */
		}
	}
	/* State 0 (NONE) is no state a tracked connection reports: the event had no protoinfo
	 * (an update of the mark or a label alone carries none). Writing it would reset the
	 * entry's state here, so the protocol part is left as it is. */
	if (!s->proto_state)
		return;
	switch (s->l4proto) {
	case IPPROTO_TCP: {
		/* The kernel exports no window state, only scale and flags: without window
		 * tracking the synced entry is liberal, so the first packets after a takeover
		 * are not judged out of window. */
		uint8_t extra = tcp_window ? 0 : IP_CT_TCP_FLAG_BE_LIBERAL;
		nfct_set_attr_u8(o, ATTR_TCP_STATE, s->proto_state);
		nfct_set_attr_u8(o, ATTR_TCP_WSCALE_ORIG, s->wscale[0]);
		nfct_set_attr_u8(o, ATTR_TCP_WSCALE_REPL, s->wscale[1]);
		nfct_set_attr_u8(o, ATTR_TCP_FLAGS_ORIG, s->tcp_flags[0] | extra);
		nfct_set_attr_u8(o, ATTR_TCP_FLAGS_REPL, s->tcp_flags[1] | extra);
		nfct_set_attr_u8(o, ATTR_TCP_MASK_ORIG, s->tcp_flags[0] | extra);
		nfct_set_attr_u8(o, ATTR_TCP_MASK_REPL, s->tcp_flags[1] | extra);
		break;
	}
	case IPPROTO_SCTP:
		nfct_set_attr_u8(o, ATTR_SCTP_STATE, s->proto_state);
		nfct_set_attr_u32(o, ATTR_SCTP_VTAG_ORIG, s->vtag[0]);
		nfct_set_attr_u32(o, ATTR_SCTP_VTAG_REPL, s->vtag[1]);
		break;
	case IPPROTO_DCCP:
		/* The kernel takes no DCCP state without the original direction's role (EINVAL),
		 * and the record carries none: the client's, which the kernel gives every new
		 * entry (only a reverse reincarnation swaps the roles, nf_conntrack_proto_dccp). */
		nfct_set_attr_u8(o, ATTR_DCCP_STATE, s->proto_state);
		nfct_set_attr_u8(o, ATTR_DCCP_ROLE, 0 /* CT_DCCP_ROLE_CLIENT */);
		break;
	default: break;
	}
}

/* Parses into a fresh object: nfct_nlmsg_parse() only sets what the message has. */
bool hrpd_ct_parse(const struct nlmsghdr *nlh, uint8_t op, struct hs_sess *s)
{
	struct nf_conntrack *o = nfct_new();
	if (!o)
		return false;
	bool ok = nfct_nlmsg_parse(nlh, o) >= 0 && from_ct(o, op, s);
	nfct_destroy(o);
	return ok;
}
