/* VRRP advertisement codec: bytes in, a struct vrrp_advert out, and back. No sockets, no clocks.
 *
 * The codec handles the VRRP message only (what follows the IP header). The kernel builds the IP
 * header of a raw socket; the daemon reads the source, destination and TTL / hop limit from the
 * ancillary data and hands them over in a struct vrrp_ipinfo, because the checksum of v3 covers a
 * pseudo-header and RFC 5798 section 7.1 wants the TTL checked.
 *
 * Decoding validates step by step and stops at the first failed check with a reason of its own
 * (enum vrrp_drop); the caller owns the counters (struct vrrp_counters) and shows the reason names
 * in its display commands. The checks that need a group (VRID, version, interval, address
 * list) are the group's: see vrrp_fsm.h.
 *
 * Checksums: v2 sums the message alone (RFC 3768). v3 over IPv6 sums the RFC 8200 pseudo-header and
 * the message. v3 over IPv4 sums an IPv4 pseudo-header and the message by default
 * (VRRP_CKSUM_PSEUDO: what keepalived, FRR and tshark do, see the golden vectors); RFC 9568
 * section 5.2.8 says the message alone (VRRP_CKSUM_RFC9568), a per-group option for such peers.
 *
 * RFC 3768 (VRRPv2), RFC 5798 (VRRPv3), RFC 9568 (VRRPv3 revised: the IPv4 checksum). */
#ifndef HS_VRRP_PACKET_H
#define HS_VRRP_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define VRRP_IPPROTO         112
#define VRRP_TTL             255 /* sent with, and required on receipt (RFC 5798 section 5.1.1.3) */
#define VRRP_MCAST_V4        "224.0.0.18"
#define VRRP_MCAST_V6        "ff02::12"
#define VRRP_HDR_LEN         8
#define VRRP_V2_AUTH_LEN     8
#define VRRP_TYPE_ADVERT     1
#define VRRP_PRIO_STOP       0 /* the master is leaving */
#define VRRP_PRIO_DEFAULT    100
#define VRRP_PRIO_OWNER      255   /* the router that owns the virtual addresses */
#define VRRP_V3_INTERVAL_MAX 4095  /* centiseconds: 12 bits */
#define VRRP_V2_INTERVAL_MAX 25500 /* centiseconds: 255 whole seconds in 8 bits */
/* The Count IPvX Addrs field is 8 bits, so every advert decodes whole: no cap below 255. */
#define VRRP_ADDRS_MAX 255
/* Largest message: 255 IPv6 addresses (a v2 message is at most 8 + 255 * 4 + 8 = 1036). */
#define VRRP_MSG_MAX (VRRP_HDR_LEN + VRRP_ADDRS_MAX * 16)

/* How a v3 IPv4 checksum is computed (v2 and IPv6 have one rule each, whatever the mode). */
enum vrrp_cksum_mode {
	VRRP_CKSUM_PSEUDO,  /* pseudo-header + message: keepalived, FRR, tshark; the default */
	VRRP_CKSUM_RFC9568, /* message alone, as RFC 9568 section 5.2.8 and some vendors */
	VRRP_CKSUM_MAX,
	VRRP_CKSUM_INVALID = -1,
};

/* Why a packet was dropped. The first group is the decoder's; the second is the group's receive
 * checks and state (vrrp_fsm_input). VRRP_DROP_NONE is 0: success. */
enum vrrp_drop {
	VRRP_DROP_NONE = 0,
	VRRP_DROP_TTL,      /* TTL / hop limit is not 255: the sender is not on the link */
	VRRP_DROP_SHORT,    /* shorter than the header, or than its address count implies */
	VRRP_DROP_VERSION,  /* version is neither 2 nor 3 */
	VRRP_DROP_TYPE,     /* type is not 1 (Advertisement) */
	VRRP_DROP_FAMILY,   /* v2 over IPv6, or an address family the group does not run */
	VRRP_DROP_NO_ADDRS, /* Count IPvX Addrs is 0 (the minimum is 1) */
	VRRP_DROP_LENGTH,   /* bytes after the address list (and v2 authentication data) */
	VRRP_DROP_CHECKSUM,
	VRRP_DROP_AUTH,     /* v2 authentication type is not 0 (RFC 3768 removed the others) */
	VRRP_DROP_INTERVAL, /* advertisement interval 0 */
	VRRP_DROP_VRID,     /* no group with this VRID (on this interface and family) */
	VRRP_DROP_VERSION_MISMATCH,  /* a v2 advert for a v3 group or the reverse */
	VRRP_DROP_INTERVAL_MISMATCH, /* v2 only: the interval differs from ours (RFC 3768 7.1) */
	VRRP_DROP_OWN,               /* our own advert came back (source is our primary address) */
	VRRP_DROP_OWNER_CONFLICT, /* we own the addresses and so does the sender (priority 255) */
	VRRP_DROP_NOT_RUNNING,    /* the group is in Initialize */
	VRRP_DROP_NOT_PEER,       /* a group with unicast peers: the source is none of them */
	VRRP_DROP_MAX,
};

/* Per-group (or per-interface, for packets that match no group) receive and send statistics. */
struct vrrp_counters {
	uint64_t rx;                   /* packets handed to the decoder */
	uint64_t rx_adverts;           /* adverts that passed every check and reached the FSM */
	uint64_t rx_prio0;             /* of which priority 0 */
	uint64_t drops[VRRP_DROP_MAX]; /* drops[VRRP_DROP_NONE] stays 0 */
	uint64_t addr_list_mismatch;   /* accepted, but the address list differs from ours */
	uint64_t tx;                   /* adverts sent */
	uint64_t tx_prio0;             /* of which priority 0 */
	uint64_t transitions;          /* state changes */
	uint64_t became_master;        /* of which to Master */
	uint64_t preempt_discards;     /* lower-priority adverts a preempting backup discarded */
	uint64_t preempt_held;         /* lower-priority adverts accepted during preempt delay */
	uint64_t
		split_brain_heals; /* advert + gratuitous ARP / NA sent at once to a lower master */
	uint64_t split_brain_throttled; /* heals skipped: one already sent in this interval */
	uint64_t vgmp_reports;          /* events reported to vgmpd (bound groups) */
	uint64_t stalls; /* Master_Down_Timer fired an interval late: listened again (vrrp_fsm.c) */
};

/* What the IP layer knows about a packet: addresses (same family) and TTL / hop limit. */
struct vrrp_ipinfo {
	struct hs_addr src;
	struct hs_addr dst;
	int ttl; /* ignored by vrrp_encode */
};

/* A group with unicast peers (keepalived's unicast_peer) takes adverts from those peers only,
 * and from them whatever their TTL: a unicast peer may be routers away (keepalived's
 * unicast_ttl), and the TTL-255 rule guards the multicast link. On VRRP_DROP_NONE *out is ip
 * with the TTL check satisfied; otherwise VRRP_DROP_NOT_PEER. No peers: ip as it is. */
enum vrrp_drop vrrp_unicast_admit(const struct hs_addr *peers, size_t n_peers,
				  const struct vrrp_ipinfo *ip, struct vrrp_ipinfo *out);

/* One advertisement, decoded or to encode. */
struct vrrp_advert {
	uint8_t version; /* 2 or 3 */
	uint8_t type;    /* VRRP_TYPE_ADVERT */
	uint8_t vrid;
	uint8_t priority;
	/* Centiseconds. v3: Max Adver Int (1-4095). v2: Adver Int in whole seconds times 100 (100 -
	 * 25500); encoding a v2 interval that is not a whole number of seconds is -EINVAL. */
	uint16_t interval_cs;
	uint16_t checksum; /* decode: as received; encode: as computed */
	int family;        /* AF_INET or AF_INET6: the family of the packet and of every address */
	unsigned n_addrs;  /* 1-255 */
	struct hs_addr addrs[VRRP_ADDRS_MAX];
};

const char *vrrp_drop_name(enum vrrp_drop d);
const char *vrrp_cksum_mode_name(enum vrrp_cksum_mode m);
/* "pseudo-header" or "rfc9568"; VRRP_CKSUM_INVALID for anything else. */
enum vrrp_cksum_mode vrrp_cksum_mode_from_name(const char *name);

/* Counts one drop (reason > 0, < VRRP_DROP_MAX) in c; c may be NULL. */
void vrrp_count_drop(struct vrrp_counters *c, enum vrrp_drop reason);

/* The VRID of a raw message, so that the daemon can find the group (and its checksum mode and
 * counters) before decoding: 0-255, or -EBADMSG when len < 2. */
int vrrp_peek_vrid(const uint8_t *buf, size_t len);

/* The Internet checksum of the message as the rules above define it for this version, family
 * (ip->src.family) and mode. With the checksum field holding the right value the result is 0; with
 * the field zeroed it is the value to put there. ip may be NULL when no pseudo-header is used. */
uint16_t vrrp_checksum(const uint8_t *msg, size_t len, int version, const struct vrrp_ipinfo *ip,
		       enum vrrp_cksum_mode mode);

/* Validates and decodes one VRRP message. Checks, in order: TTL, length of the fixed header,
 * version, type, family, address count, length, checksum, v2 authentication type, interval.
 * Returns VRRP_DROP_NONE (0) with *out filled, or the reason of the first failed check with *out
 * untouched. Counts rx and the drop in c when c is not NULL. */
enum vrrp_drop vrrp_decode(const uint8_t *buf, size_t len, const struct vrrp_ipinfo *ip,
			   enum vrrp_cksum_mode mode, struct vrrp_advert *out,
			   struct vrrp_counters *c);

/* Encodes adv (its checksum field is ignored) into buf and computes the checksum; ip (source and
 * destination of this copy: unicast peers each get their own) is needed for v3 unless the mode is
 * RFC 9568 on IPv4. Returns the message length, -EINVAL for an advert that cannot be sent (version,
 * type, family, address count or families, interval, missing ip), or -ENOBUFS if size is short. */
int vrrp_encode(const struct vrrp_advert *adv, const struct vrrp_ipinfo *ip,
		enum vrrp_cksum_mode mode, uint8_t *buf, size_t size);

/* True when an advert's address list is the same set as ours, ignoring order and IPv6 link-local
 * addresses: RFC 5798 section 5.2.9 puts the virtual link-local first, keepalived and FRR leave it
 * out, and both forms must match. */
bool vrrp_addrs_match(const struct vrrp_advert *adv, const struct hs_addr *addrs, size_t n);

/* True for fe80::/10. */
bool vrrp_addr_is_v6_linklocal(const struct hs_addr *a);

/* memcmp order of two addresses of the same family, network byte order: <0, 0, >0. */
int vrrp_addr_cmp(const struct hs_addr *a, const struct hs_addr *b);

#endif
