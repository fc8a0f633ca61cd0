/* Session sync decisions that need no kernel: which conntrack entries are never synced (the
 * boxes' own HRP, VRRP, routing and BFD traffic, link-local and multicast), the timeout an entry
 * is written with on the receiving box (a hold timeout, since the kernel sends no event when a
 * timer is refreshed), and the timeout it gets back when that box takes over. */
#ifndef HS_SESS_POLICY_H
#define HS_SESS_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "hrp_session.h"

#define HS_SESS_EXCLUDE_MAX 32

/* An address prefix: IPv4 in the first 4 bytes of addr. */
struct hs_sess_prefix {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t plen;
	uint8_t addr[16];
};

struct hs_sess_policy {
	uint16_t hrp_port;        /* the HRP channel's UDP/TCP port */
	uint32_t hold_timeout_s;  /* UDP, ICMP and others on the receiving box */
	/* this box's protocol timeouts (the nf_conntrack_*_timeout sysctls), for the takeover */
	uint32_t udp_timeout_s, udp_stream_timeout_s, icmp_timeout_s, generic_timeout_s;
	/* this box's timeouts of an established TCP or SCTP entry and an open DCCP one: what the
	 * kernel gives such an entry at each packet, which the peer never hears of */
	uint32_t tcp_established_s, sctp_established_s, dccp_open_s;
	bool sync_tcp, sync_udp, sync_icmp, sync_other; /* filters by protocol */
	/* TCP states synced, one bit per TCP_CONNTRACK_* value; 0: every state. An entry whose
	 * state leaves the set is deleted on the peer (hrpd sends its update as a destroy), so
	 * the peer holds exactly the source's entries in these states and the digests agree. */
	uint16_t tcp_states;
	struct hs_sess_prefix exclude[HS_SESS_EXCLUDE_MAX]; /* never synced: either end in one */
	size_t n_exclude;
	/* the box's own addresses (16 bytes each, IPv4 in the first 4), sorted by
	 * hs_sess_addrs_sort(): connections that end or start on the box itself are its own */
	const uint8_t (*local)[16];
	size_t n_local;
	/* the peer's own addresses as it told them (same form; record feature sess-peer-local):
	 * its own connections routed through this box are its own too, which it would not take
	 * as synced ones, so neither box syncs or digests them */
	const uint8_t (*peer_local)[16];
	size_t n_peer_local;
};

enum hs_sess_verdict {
	HS_SESS_SYNC = 0,
	HS_SESS_SKIP_HRP,        /* our own channel */
	HS_SESS_SKIP_CONTROL,    /* VRRP, OSPF, IGMP, PIM, BGP, BFD */
	HS_SESS_SKIP_LOCALNET,   /* link-local or multicast */
	HS_SESS_SKIP_FILTER,     /* the configured filters */
	HS_SESS_SKIP_LOCAL,      /* to or from the box itself (management, its own clients) */
	HS_SESS_SKIP_STATE,      /* a TCP state outside the configured ones */
	HS_SESS_SKIP_PEER_LOCAL, /* to or from the peer box itself (routed through this one) */
	HS_SESS_VERDICT_MAX,
};
const char *hs_sess_verdict_name(enum hs_sess_verdict v);

/* "ADDR/PLEN" (IPv4 or IPv6; no /PLEN: the host). Returns 0, or -1 with *why set. */
int hs_sess_prefix_parse(const char *text, struct hs_sess_prefix *out, const char **why);
/* Sets the protocol filters from names ("tcp", "udp", "icmp" for ICMP and ICMPv6, "other");
 * none: every protocol. Returns 0, or -1 with *why set for an unknown name. */
int hs_sess_policy_protocols(struct hs_sess_policy *p, const char *const *names, size_t n,
			     const char **why);

/* Sets the TCP state filter from the kernel's state names ("syn_sent", "syn_recv",
 * "established", "fin_wait", "close_wait", "last_ack", "time_wait", "close", "syn_sent2");
 * none: every state. Returns 0, or -1 with *why set for an unknown name. */
int hs_sess_policy_tcp_states(struct hs_sess_policy *p, const char *const *names, size_t n,
			      const char **why);

/* Sorts addrs (n of them) for the policy's local list. */
void hs_sess_addrs_sort(uint8_t (*addrs)[16], size_t n);

/* Defaults: the kernel's own timeouts, a 1 h hold, every protocol synced, no local address. */
void hs_sess_policy_default(struct hs_sess_policy *p, uint16_t hrp_port);
/* A destroy, and an update that carries no protocol state (proto_state 0: the kernel's
 * mark-only updates), are never held back by the TCP state filter. */
enum hs_sess_verdict hs_sess_classify(const struct hs_sess_policy *p, const struct hs_sess *s);
/* The timeout an entry of the peer's is written with here. TCP, SCTP and DCCP keep the
 * source's, but an established (DCCP: open) entry gets at least this box's timeout of the state:
 * the source's packets refresh it with no event, and the value it reported may be a short one
 * (TCP's 300 s while data is unacknowledged). The others get at least the hold timeout.
 * 0 for an update without protocol state (a mark change): the entry keeps the timeout it has. */
uint32_t hs_sess_hold_timeout(const struct hs_sess_policy *p, const struct hs_sess *s);
/* At takeover: the timeout this entry goes back to (the protocol's own; an established TCP,
 * SCTP or open DCCP entry: its state's), or 0 to leave it. */
uint32_t hs_sess_takeover_timeout(const struct hs_sess_policy *p, const struct hs_sess *s);

/* IP_CT_TCP_FLAG_BE_LIBERAL (linux/netfilter/nf_conntrack_tcp.h) in hs_sess.tcp_flags. */
#define HS_SESS_TCP_LIBERAL 0x08u
/* At takeover by a box whose table missed the active peer's updates (the data channel was held
 * back by the upgrade's send plan, doc/issu.md): its own TCP entries track the windows as they
 * were when it stopped forwarding, and would judge the flows' packets since then out of window
 * (ACKs of data never seen here). True when s is to be made liberal, as synced entries are. */
bool hs_sess_takeover_liberal(bool missed_sync, const struct hs_sess *s);

#endif
