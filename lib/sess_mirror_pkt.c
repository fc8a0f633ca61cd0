/* The entry a held packet creates, read from its headers, in the zones hrpd read from the
 * queue's conntrack attributes (sess_mirror.h). */
#include <netinet/in.h>
#include <string.h>

#include "hrp_wire.h"
#include "sess_mirror.h"

/* The kernel's values (linux/netfilter/nf_conntrack_tcp.h, nf_conntrack_common.h): */
#define TCP_SYN_SENT      1
#define TCP_SYN_RECV      2
#define TCP_ESTABLISHED   3
#define TCP_F_WSCALE      0x01 /* IP_CT_TCP_FLAG_WINDOW_SCALE */
#define TCP_F_SACK_PERM   0x02 /* IP_CT_TCP_FLAG_SACK_PERM */
#define IPS_SEEN_REPLY    0x02
/* Default timeouts (s) of the states these packets leave an entry in. */
#define T_SYN_SENT        120
#define T_SYN_RECV        60
#define T_ESTABLISHED     432000
#define T_UDP             30
#define T_ICMP            30

#define TH_SYN 0x02
#define TH_ACK 0x10

/* Window scale and SACK-permitted from a SYN's options. */
static void tcp_options(const uint8_t *opt, size_t n, struct hs_sess *s)
{
	size_t i = 0;
	while (i < n) {
		uint8_t kind = opt[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || opt[i + 1] < 2 || i + opt[i + 1] > n)
			break;
		if (kind == 3 && opt[i + 1] == 3) {
			s->wscale[0] = opt[i + 2] > 14 ? 14 : opt[i + 2];
			s->tcp_flags[0] |= TCP_F_WSCALE;
		} else if (kind == 4 && opt[i + 1] == 2) {
			s->tcp_flags[0] |= TCP_F_SACK_PERM;
		}
		i += opt[i + 1];
	}
}

static int tcp_entry(const uint8_t *l4, size_t n, struct hs_sess *s)
{
	if (n < 20)
		return -1;
	size_t hlen = (size_t)(l4[12] >> 4) * 4;
	uint8_t flags = l4[13];
	s->orig.sport = (uint16_t)(l4[0] << 8 | l4[1]);
	s->orig.dport = (uint16_t)(l4[2] << 8 | l4[3]);
	if ((flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
		/* The reply direction: the entry's original tuple is the inverse. */
		struct hs_sess_tuple t = s->orig;
		memcpy(s->orig.src, t.dst, 16);
		memcpy(s->orig.dst, t.src, 16);
		s->orig.sport = t.dport;
		s->orig.dport = t.sport;
		s->op = HS_SESS_UPDATE;
		s->proto_state = TCP_SYN_RECV;
		s->status = IPS_SEEN_REPLY;
		s->timeout = T_SYN_RECV;
		return 0;
	}
	if (flags & TH_SYN) {
		s->proto_state = TCP_SYN_SENT;
		s->timeout = T_SYN_SENT;
		if (hlen > 20 && hlen <= n)
			tcp_options(l4 + 20, hlen - 20, s);
	} else {
		s->proto_state = TCP_ESTABLISHED;
		s->timeout = T_ESTABLISHED;
	}
	return 0;
}

static int l4_entry(uint8_t proto, const uint8_t *l4, size_t n, struct hs_sess *s)
{
	s->l4proto = proto;
	switch (proto) {
	case IPPROTO_TCP: return tcp_entry(l4, n, s);
	case IPPROTO_UDP:
		if (n < 8)
			return -1;
		s->orig.sport = (uint16_t)(l4[0] << 8 | l4[1]);
		s->orig.dport = (uint16_t)(l4[2] << 8 | l4[3]);
		s->timeout = T_UDP;
		return 0;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		uint8_t echo = proto == IPPROTO_ICMP ? 8 : 128;
		if (n < 8 || l4[0] != echo)
			return -1; /* the kernel tracks the other types as related or not at all */
		s->orig.sport = (uint16_t)(l4[4] << 8 | l4[5]);
		s->orig.dport = (uint16_t)(l4[0] << 8 | l4[1]);
		s->timeout = T_ICMP;
		return 0;
	}
	default: return -1;
	}
}

int hs_mirror_packet_entry(const uint8_t *pkt, size_t len, struct hs_sess *out)
{
	struct hs_sess s = { .op = HS_SESS_NEW };
	int r;
	if (len < 1)
		return -1;
	if (pkt[0] >> 4 == 4) {
		size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
		if (len < 20 || ihl < 20 || ihl > len || ((pkt[6] << 8 | pkt[7]) & 0x3fff))
			return -1; /* short, or a fragment: no ports to read */
		s.family = AF_INET;
		memcpy(s.orig.src, pkt + 12, 4);
		memcpy(s.orig.dst, pkt + 16, 4);
		r = l4_entry(pkt[9], pkt + ihl, len - ihl, &s);
	} else if (pkt[0] >> 4 == 6) {
		if (len < 40)
			return -1;
		s.family = AF_INET6;
		memcpy(s.orig.src, pkt + 8, 16);
		memcpy(s.orig.dst, pkt + 24, 16);
		r = l4_entry(pkt[6], pkt + 40, len - 40, &s); /* extension headers: refused */
	} else {
		return -1;
	}
	if (r < 0)
		return -1;
	hs_sess_tuple_invert(s.family, s.l4proto, &s.orig, &s.reply);
	*out = s;
	return 0;
}

void hs_mirror_entry_zones(struct hs_sess *s, const struct hs_mirror_zones *z)
{
	if (!z->known) /* the kernel gives no attributes: zone 0, as the headers say nothing */
		return;
	s->zone = z->zone;
	s->zone_dir[0] = z->dir[0];
	s->zone_dir[1] = z->dir[1];
}
