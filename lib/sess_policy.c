/* Session sync decisions without a kernel: sess_policy.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sess_policy.h"

#define IPS_SEEN_REPLY_BIT 0x2u /* the kernel's IPS_SEEN_REPLY: a UDP "stream" */

static const uint16_t control_ports[] = {
	179,  /* BGP */
	3784, /* BFD single hop */
	3785, /* BFD echo */
	4784, /* BFD multi hop */
};

const char *hs_sess_verdict_name(enum hs_sess_verdict v)
{
	static const char *const names[HS_SESS_VERDICT_MAX] = {
		[HS_SESS_SYNC] = "sync",
		[HS_SESS_SKIP_HRP] = "hrp",
		[HS_SESS_SKIP_CONTROL] = "control",
		[HS_SESS_SKIP_LOCALNET] = "link_local",
		[HS_SESS_SKIP_FILTER] = "filter",
		[HS_SESS_SKIP_LOCAL] = "local",
		[HS_SESS_SKIP_STATE] = "state",
		[HS_SESS_SKIP_PEER_LOCAL] = "peer_local",
	};
	return v < HS_SESS_VERDICT_MAX ? names[v] : "?";
}

void hs_sess_policy_default(struct hs_sess_policy *p, uint16_t hrp_port)
{
	*p = (struct hs_sess_policy){
		.hrp_port = hrp_port,
		.hold_timeout_s = 3600,
		.udp_timeout_s = 30,
		.udp_stream_timeout_s = 120,
		.icmp_timeout_s = 30,
		.generic_timeout_s = 600,
		.tcp_established_s = 432000,
		.sctp_established_s = 210,
		.dccp_open_s = 43200,
		.sync_tcp = true,
		.sync_udp = true,
		.sync_icmp = true,
		.sync_other = true,
	};
}

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP ||
	       proto == IPPROTO_UDPLITE || proto == IPPROTO_DCCP;
}

static bool either_port(const struct hs_sess_tuple *t, uint16_t port)
{
	return t->sport == port || t->dport == port;
}

static bool local_net(uint8_t family, const uint8_t *a)
{
	if (family == AF_INET)
		return (a[0] & 0xf0) == 0xe0 /* 224/4 */ || (a[0] == 169 && a[1] == 254) ||
		       a[0] == 127;
	static const uint8_t loop6[16] = { [15] = 1 };
	return a[0] == 0xff /* ff00::/8 */ || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
	       memcmp(a, loop6, 16) == 0;
}

int hs_sess_prefix_parse(const char *text, struct hs_sess_prefix *out, const char **why)
{
	char buf[64];
	struct hs_sess_prefix p = { 0 };
	if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf)) {
		*why = "too long for an address prefix";
		return -1;
	}
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, p.addr) == 1)
		p.family = AF_INET;
	else if (inet_pton(AF_INET6, buf, p.addr) == 1)
		p.family = AF_INET6;
	else {
		*why = "not an IPv4 or IPv6 address (ADDR or ADDR/PLEN)";
		return -1;
	}
	unsigned max = p.family == AF_INET ? 32 : 128, plen = max;
	if (slash) {
		char *end;
		unsigned long v = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || v > max) {
			*why = p.family == AF_INET ? "prefix length 0-32" : "prefix length 0-128";
			return -1;
		}
		plen = (unsigned)v;
	}
	p.plen = (uint8_t)plen;
	*out = p;
	return 0;
}

static bool in_prefix(const struct hs_sess_prefix *p, uint8_t family, const uint8_t *a)
{
	if (p->family != family)
		return false;
	unsigned full = p->plen / 8, rest = p->plen % 8;
	if (memcmp(p->addr, a, full) != 0)
		return false;
	return !rest || ((p->addr[full] ^ a[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

int hs_sess_policy_protocols(struct hs_sess_policy *p, const char *const *names, size_t n,
			     const char **why)
{
	bool tcp = !n, udp = !n, icmp = !n, other = !n;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], "tcp") == 0)
			tcp = true;
		else if (strcmp(names[i], "udp") == 0)
			udp = true;
		else if (strcmp(names[i], "icmp") == 0)
			icmp = true;
		else if (strcmp(names[i], "other") == 0)
			other = true;
		else {
			*why = "a protocol is tcp, udp, icmp or other";
			return -1;
		}
	}
	p->sync_tcp = tcp, p->sync_udp = udp, p->sync_icmp = icmp, p->sync_other = other;
	return 0;
}

/* The kernel's TCP_CONNTRACK_* values, in order (NONE is 0 and is no state to filter on). */
static const char *const tcp_state_names[] = {
	NULL, "syn_sent", "syn_recv", "established", "fin_wait", "close_wait",
	"last_ack", "time_wait", "close", "syn_sent2",
};
#define TCP_STATES (sizeof(tcp_state_names) / sizeof(tcp_state_names[0]))

int hs_sess_policy_tcp_states(struct hs_sess_policy *p, const char *const *names, size_t n,
			      const char **why)
{
	uint16_t mask = 0;
	for (size_t i = 0; i < n; i++) {
		size_t st = 1;
		while (st < TCP_STATES && strcmp(names[i], tcp_state_names[st]) != 0)
			st++;
		if (st == TCP_STATES) {
			*why = "a TCP state is syn_sent, syn_recv, established, fin_wait, close_wait, "
			       "last_ack, time_wait, close or syn_sent2";
			return -1;
		}
		mask |= (uint16_t)(1u << st);
	}
	p->tcp_states = mask;
	return 0;
}

static int addr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

void hs_sess_addrs_sort(uint8_t (*addrs)[16], size_t n)
{
	if (n > 1)
		qsort(addrs, n, 16, addr_cmp);
}

static bool is_in(const uint8_t (*list)[16], size_t n, const uint8_t *a)
{
	return n && bsearch(a, list, n, 16, addr_cmp);
}

/* The box of these addresses is an end of the connection: it accepted it (the original goes to
 * one of its addresses and the reply comes from it, so no DNAT sent it on) or opened it. A flow
 * DNATed from a VIP, or SNATed to one, has a foreign address at the other end and is forwarded. */
static bool own_connection(const uint8_t (*list)[16], size_t n, const struct hs_sess *s)
{
	return (is_in(list, n, s->orig.dst) && is_in(list, n, s->reply.src)) ||
	       (is_in(list, n, s->orig.src) && is_in(list, n, s->reply.dst));
}

enum hs_sess_verdict hs_sess_classify(const struct hs_sess_policy *p, const struct hs_sess *s)
{
	switch (s->l4proto) {
	case 112: /* VRRP */
	case 89:  /* OSPF */
	case 2:   /* IGMP */
	case 103: /* PIM */
		return HS_SESS_SKIP_CONTROL;
	default: break;
	}
	if (has_ports(s->l4proto)) {
		if (p->hrp_port && either_port(&s->orig, p->hrp_port))
			return HS_SESS_SKIP_HRP;
		for (size_t i = 0; i < sizeof(control_ports) / sizeof(control_ports[0]); i++)
			if (either_port(&s->orig, control_ports[i]))
				return HS_SESS_SKIP_CONTROL;
	}
	if (local_net(s->family, s->orig.src) || local_net(s->family, s->orig.dst))
		return HS_SESS_SKIP_LOCALNET;
	if (own_connection(p->local, p->n_local, s))
		return HS_SESS_SKIP_LOCAL;
	if (own_connection(p->peer_local, p->n_peer_local, s))
		return HS_SESS_SKIP_PEER_LOCAL;
	for (size_t i = 0; i < p->n_exclude; i++)
		if (in_prefix(&p->exclude[i], s->family, s->orig.src) ||
		    in_prefix(&p->exclude[i], s->family, s->orig.dst))
			return HS_SESS_SKIP_FILTER;
	bool want;
	switch (s->l4proto) {
	case IPPROTO_TCP: want = p->sync_tcp; break;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE: want = p->sync_udp; break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: want = p->sync_icmp; break;
	default: want = p->sync_other; break;
	}
	if (!want)
		return HS_SESS_SKIP_FILTER;
	if (s->l4proto == IPPROTO_TCP && p->tcp_states && s->op != HS_SESS_DESTROY &&
	    s->proto_state && (s->proto_state >= 16 || !(p->tcp_states >> s->proto_state & 1)))
		return HS_SESS_SKIP_STATE;
	return HS_SESS_SYNC;
}

/* The kernel's TCP_CONNTRACK_ESTABLISHED, SCTP_CONNTRACK_ESTABLISHED and DCCP_CONNTRACK_OPEN. */
#define TCP_STATE_ESTABLISHED  3
#define SCTP_STATE_ESTABLISHED 4
#define DCCP_STATE_OPEN        4

/* A DCCP entry without a state comes from a kernel without DCCP tracking (recent ones, the lab's
 * 6.18): it tracks DCCP as a generic protocol, whose timer packets refresh with no event. */
static bool stateful(const struct hs_sess *s)
{
	return s->l4proto == IPPROTO_TCP || s->l4proto == IPPROTO_SCTP ||
	       (s->l4proto == IPPROTO_DCCP && s->proto_state);
}

/* The timeout of an entry that carries traffic, for an established-like state; 0 for the other
 * states, whose changes come with packets and so with events. */
static uint32_t established_timeout(const struct hs_sess_policy *p, const struct hs_sess *s)
{
	switch (s->l4proto) {
	case IPPROTO_TCP:
		return s->proto_state == TCP_STATE_ESTABLISHED ? p->tcp_established_s : 0;
	case IPPROTO_SCTP:
		return s->proto_state == SCTP_STATE_ESTABLISHED ? p->sctp_established_s : 0;
	case IPPROTO_DCCP: return s->proto_state == DCCP_STATE_OPEN ? p->dccp_open_s : 0;
	default: return 0;
	}
}

uint32_t hs_sess_hold_timeout(const struct hs_sess_policy *p, const struct hs_sess *s)
{
	if (stateful(s)) {
		/* A mark-only update: the state (and so the right timeout) is the entry's here. */
		if (s->op == HS_SESS_UPDATE && !s->proto_state)
			return 0;
		uint32_t est = established_timeout(p, s);
		if (s->timeout < est)
			return est;
		return s->timeout ? s->timeout : 1;
	}
	return s->timeout > p->hold_timeout_s ? s->timeout : p->hold_timeout_s;
}

static uint32_t protocol_timeout(const struct hs_sess_policy *p, const struct hs_sess *s)
{
	if (stateful(s)) /* only the established-like states are held longer than the source's */
		return established_timeout(p, s);
	switch (s->l4proto) {
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		return (s->status & IPS_SEEN_REPLY_BIT) ? p->udp_stream_timeout_s
							 : p->udp_timeout_s;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: return p->icmp_timeout_s;
	default: return p->generic_timeout_s;
	}
}

bool hs_sess_takeover_liberal(bool missed_sync, const struct hs_sess *s)
{
	if (!missed_sync || s->l4proto != IPPROTO_TCP || !s->proto_state)
		return false; /* no TCP state in the entry: nothing to write it with */
	return !(s->tcp_flags[0] & s->tcp_flags[1] & HS_SESS_TCP_LIBERAL);
}

uint32_t hs_sess_takeover_timeout(const struct hs_sess_policy *p, const struct hs_sess *s)
{
	uint32_t t = protocol_timeout(p, s);
	return t && s->timeout > t ? t : 0;
}
