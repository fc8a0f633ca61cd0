/* Session sync records: the wire form of conntrack entries on hrpd's session channel. Pure: no
 * sockets, no libnetfilter_conntrack (hrpd/sess_ct.c converts to and from the kernel's objects).
 *
 * A record (one HRP data message on HRP_CHAN_SESSION) is one version byte, HS_SESS_WIRE_VERSION,
 * then entries back to back. Each entry is as short as its content allows (an IPv4 TCP entry
 * without NAT is 27 bytes): the reply tuple is left out when it is the inverse of the original
 * (no NAT), and zone, mark, labels and NAT sequence adjustment only when set. An entry with a
 * directional zone (nftables `ct original zone set`, the kernel's CTA_TUPLE_ZONE) is marked by
 * op 3 in its flags byte and an extension byte after the l4proto: an older reader refuses it
 * (bad-op) rather than misread it, so it is record feature sess-dir-zone, sent only to a peer
 * that lists it. doc/hrp-protocol.md, "Session records", has the layout byte by byte. */
#ifndef HS_HRP_SESSION_H
#define HS_HRP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HS_SESS_WIRE_VERSION 1
#define HS_SESS_ENTRY_MAX    160 /* room for any entry (asserted >= HS_SESS_ENTRY_LONGEST) */
/* The longest entry there is: IPv6, both tuples, zone, both directional zones, mark, labels,
 * seqadj, SCTP. */
#define HS_SESS_ENTRY_LONGEST 142

/* An entry's first byte. Bits 0-1 the op (3: the op is in the extension byte), then what the
 * entry carries. */
#define HS_SESS_F_OP_MASK 0x03u
#define HS_SESS_F_OP_EXT  0x03u /* an extension byte follows the l4proto */
#define HS_SESS_F_IPV6    0x04u
#define HS_SESS_F_REPLY   0x08u /* reply tuple present: it is not the inverse of orig (NAT) */
#define HS_SESS_F_ZONE    0x10u /* zone != 0 */
#define HS_SESS_F_MARK    0x20u /* not on a destroy */
#define HS_SESS_F_LABELS  0x40u /* not on a destroy */
#define HS_SESS_F_SEQADJ  0x80u /* not on a destroy */

/* The extension byte (record feature sess-dir-zone). Bits 0-1 the op (3 is invalid), then the
 * directional zones the entry carries; bits 4-7 are zero (bad-op). Sent only when the entry has
 * a directional zone: an entry without one is what it was before the extension. */
#define HS_SESS_X_OP_MASK    0x03u
#define HS_SESS_X_ZONE_ORIG  0x04u /* zone_dir[0] != 0 */
#define HS_SESS_X_ZONE_REPLY 0x08u /* zone_dir[1] != 0 */
#define HS_SESS_X_RESERVED   0xf0u

enum hs_sess_op {
	HS_SESS_NEW = 0,     /* create, or update when the peer already has it */
	HS_SESS_UPDATE = 1,  /* update, or create when the peer lacks it */
	HS_SESS_DESTROY = 2, /* delete; only family, l4proto, zones and orig are on the wire */
};

/* One direction's tuple. Ports in host order. ICMP and ICMPv6: sport is the echo id, dport
 * is (type << 8) | code. Protocols without ports: both 0. IPv4 addresses in the first 4 bytes,
 * the rest zero. */
struct hs_sess_tuple {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
};

/* The IPS_* status bits that are the connection's state rather than the kernel's bookkeeping:
 * IPS_EXPECTED, SEEN_REPLY, ASSURED, SRC_NAT, DST_NAT, SEQ_ADJUST (not CONFIRMED, DYING,
 * offload or template bits). hs_sess_content_hash() covers only these. */
#define HS_SESS_STATUS_SYNCED 0x77u

/* NAT sequence adjustment of one direction (the kernel's CTA_SEQADJ_*). */
struct hs_sess_seqadj {
	uint32_t correction_pos;
	uint32_t offset_before;
	uint32_t offset_after;
};

#define HS_SESS_HELPER_MAX 16 /* the kernel's NF_CT_HELPER_NAME_LEN, with the NUL */

#define HS_SESS_HAS_MARK   0x01u
#define HS_SESS_HAS_LABELS 0x02u
#define HS_SESS_HAS_SEQADJ 0x04u /* seqadj[0] original direction, seqadj[1] reply */

struct hs_sess {
	uint8_t op;     /* enum hs_sess_op */
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t l4proto;
	uint16_t zone;
	/* Directional zones (the kernel's NF_CT_ZONE_DIR_ORIG / _REPL: CTA_TUPLE_ZONE in the
	 * original or reply tuple, libnetfilter_conntrack's ATTR_ORIG_ZONE / ATTR_REPL_ZONE):
	 * [0] original direction, [1] reply; 0 none. */
	uint16_t zone_dir[2];
	struct hs_sess_tuple orig;
	struct hs_sess_tuple reply; /* the decoder fills it with the inverse of orig when absent */
	/* Not on the wire for HS_SESS_DESTROY: */
	uint32_t status;  /* IPS_* bits as the kernel has them */
	uint32_t timeout; /* seconds left on the source */
	uint8_t has;      /* HS_SESS_HAS_* */
	uint32_t mark;
	uint8_t labels[16];
	struct hs_sess_seqadj seqadj[2];
	/* TCP (l4proto 6): the kernel's TCP_CONNTRACK_* state, window scale and IP_CT_TCP_FLAG_*
	 * of each direction. SCTP (132): state and verification tags. */
	uint8_t proto_state;
	uint8_t wscale[2];
	uint8_t tcp_flags[2];
	uint32_t vtag[2];
	/* The conntrack helper's name, "" for none. Not in the entry's bytes: the helper record
	 * of lib/sess_exp.h carries it (hrpd.session_sync_expectations). */
	char helper[HS_SESS_HELPER_MAX];
};

/* The reply tuple that a connection without NAT has, as the kernel's conntrack inverts a tuple:
 * orig with source and destination addresses and ports swapped. ICMP (l4proto 1, AF_INET) and
 * ICMPv6 (58, AF_INET6): the id (sport) stays, the type of dport becomes its answer, both ways
 * (echo 8 <-> 0, timestamp 13 <-> 14, info 15 <-> 16, address mask 17 <-> 18; ICMPv6 echo
 * 128 <-> 129, node information 139 <-> 140), the code stays; other types are left as they are
 * (the kernel tracks none of them). out may not alias orig. */
void hs_sess_tuple_invert(uint8_t family, uint8_t l4proto, const struct hs_sess_tuple *orig,
			  struct hs_sess_tuple *out);

/* Writes the record's version byte; returns 1, or 0 when room is 0. */
size_t hs_sess_record_begin(uint8_t *buf, size_t room);
/* The bytes hs_sess_encode() writes for s, or 0 when s is not encodable (family, op). */
size_t hs_sess_entry_len(const struct hs_sess *s);
/* Appends s; returns the bytes written, or 0 when the entry does not fit in room (nothing is
 * written then) or s is not encodable (family, op). The reply tuple goes on the wire only when
 * it differs from hs_sess_tuple_invert(orig); mark, labels and seqadj when s->has says so;
 * directional zones when not 0 (in the extension byte's form: only for a peer that reads
 * sess-dir-zone, see hs_sess_strip_dir_zone()); a destroy carries only family, l4proto, zones
 * and orig. IPv4 addresses: only their first 4 bytes are read. */
size_t hs_sess_encode(const struct hs_sess *s, uint8_t *buf, size_t room);
/* s as a peer without record feature sess-dir-zone reads it: the directional zones cleared (the
 * entry is sent, and counted in digests, as before the feature: zone 0). True when there was
 * one to clear. */
bool hs_sess_strip_dir_zone(struct hs_sess *s);

enum hs_sess_err {
	HS_SESS_OK = 0,
	HS_SESS_END,         /* no entry left: the record is done */
	HS_SESS_BAD_VERSION, /* the record's version byte is not ours */
	HS_SESS_TRUNCATED,   /* an entry runs past the record's end */
	HS_SESS_BAD_OP,      /* extension op 3 or bits 4-7, or a destroy with a flag only
			      * new/update may carry */
	HS_SESS_BAD_FAMILY,  /* for callers: the wire names only IPv4 and IPv6, never decoded */
	HS_SESS_ERR_MAX,
};
const char *hs_sess_err_name(enum hs_sess_err e);

/* Reading a record: start at *off = 0 with hs_sess_record_check(), then hs_sess_decode() until
 * it returns HS_SESS_END or an error (the rest of the record is unreadable then: entries carry
 * no length of their own). */
enum hs_sess_err hs_sess_record_check(const uint8_t *buf, size_t len, size_t *off);
/* Decodes the entry at *off and moves *off past it. Fills every field of *out: what the entry
 * does not carry is zero, reply is the inverse of orig when absent, has from the flags. Never
 * reads past len. On any return but HS_SESS_OK, *off and *out are untouched. */
enum hs_sess_err hs_sess_decode(const uint8_t *buf, size_t len, size_t *off, struct hs_sess *out);

/* hrpd's own 64-bit hash of (family, l4proto, zones, orig tuple): it names the entry in digests
 * and in the range resync. Stable across versions and hosts (it is on the wire in digests):
 * SipHash-2-4 with the all-zero key over these bytes, integers big-endian,
 *   u8 IP version (4 or 6), u8 l4proto, u16 zone, orig src, orig dst (4 or 16 bytes each),
 *   u16 orig sport, u16 orig dport,
 *   and only when a directional zone is not 0: u16 zone_dir[0], u16 zone_dir[1]
 * (an entry without one hashes as before directional zones), the 8-byte result read as a
 * little-endian integer (SipHash's own convention). */
uint64_t hs_sess_key_hash(const struct hs_sess *s);

/* A hash of what a synced entry must agree on, for digests: SipHash-2-4, all-zero key, over the
 * key hash's bytes followed by
 *   reply src, reply dst, u16 reply sport, u16 reply dport, u32 status & HS_SESS_STATUS_SYNCED,
 *   u32 mark (0 when absent), u8 proto_state.
 * Not the timeout, TCP windows, flags or window scales, SCTP tags, labels or seqadj: they move
 * with every packet or are not part of the decision to resync. */
uint64_t hs_sess_content_hash(const struct hs_sess *s);

#endif
