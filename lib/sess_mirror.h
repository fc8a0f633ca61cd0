/* Mirror session: the first packet of a new flow is held until the peer has its entry. Pure: no
 * sockets, no clocks (times are the caller's milliseconds).
 *
 * In load-sharing both boxes forward, and the two directions of a flow may cross different boxes:
 * the SYN through fw1, the SYN-ACK through fw2. fw2's strict ruleset drops the SYN-ACK unless
 * fw2's kernel already has the entry, and a round trip through the lab is faster than any sync.
 * So hrpd holds the packet that creates an entry (or moves a TCP flow to SYN_RECV) in an NFQUEUE,
 * sends the entry to the peer in a mirror record with a token, and releases the packet when the
 * peer acknowledges that token (it acknowledges after its kernel has the entry) or when the hold
 * time passes (doc/session-sync.md, "Mirror session").
 *
 * Holds are a FIFO: tokens grow, every hold has the same hold time, and the peer acknowledges
 * mirror records in the order it reads them from the ordered data channel, so an acknowledgement
 * of token T releases every hold with a token up to T. */
#ifndef HS_SESS_MIRROR_H
#define HS_SESS_MIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrp_session.h"

/* Control records on the session channel (next to hrpd's 0x80-0x83): */
#define HS_MIRROR_REC_NEW 0x84 /* u32 token, then a session record (version byte, entries) */
#define HS_MIRROR_REC_ACK 0x85 /* u32 token: the entries of every record up to it are in */
#define HS_MIRROR_NEW_HDR 5

#define HS_MIRROR_HOLDS_MAX  4096 /* held packets at once; more pass unheld (counted) */
/* Entries mirrored lately, by key: sets of ways. A set holds the last HS_MIRROR_SEEN_WAYS keys
 * that map to it within recent_ms. Direct-mapped (one way), 200 flows opened at once had ~5
 * pairs in one slot; the later one made the earlier one's new-entry event look new, and that
 * record, sent again after the flow had moved on, reset the peer's entry to SYN_SENT (s43). */
#define HS_MIRROR_SEEN_SETS 4096
#define HS_MIRROR_SEEN_WAYS 4

struct hs_mirror_hold {
	uint32_t packet_id; /* the queue's id, for the verdict */
	uint32_t token;
	uint64_t key; /* hs_sess_key_hash() of the entry */
	bool created; /* the packet creates the entry (else: it moves one we had) */
	uint64_t deadline_ms;
};

/* What was mirrored of an entry lately, either way: a conflict is a peer's new entry that we
 * created ourselves a moment ago; an echo is our own kernel's event of the very change a mirror
 * record already carried (sending it too would only race the peer's later changes back); a
 * peer's echo is the same seen here, the peer's new-entry record of a flow it mirrored to us
 * (its own echo it failed to recognise). A full set forgets its oldest memory (counted): that
 * costs a redundant record or an unseen conflict, never a wrong release. */
struct hs_mirror_seen {
	uint64_t key;
	uint64_t at_ms; /* 0: empty */
	uint8_t state;  /* the protocol state the record carried */
	bool created;   /* we mirrored its creation */
	bool peer;      /* the peer mirrored its creation to us */
};

struct hs_mirror {
	struct hs_mirror_hold ring[HS_MIRROR_HOLDS_MAX];
	size_t head, count;
	uint32_t next_token; /* of the record being filled */
	struct hs_mirror_seen seen[HS_MIRROR_SEEN_SETS * HS_MIRROR_SEEN_WAYS];
	uint32_t hold_ms;
	uint32_t recent_ms;     /* how long a mirrored entry counts as ours */
	uint64_t seen_evicted; /* recent memories a full set forgot */
};

void hs_mirror_init(struct hs_mirror *m, uint32_t hold_ms);
/* Numbers this session's records from first (0 taken as 1): a random first keeps an ack of a
 * past session, still in flight, from releasing this one's holds (an ack counts only between
 * the oldest hold's token and the current one). */
void hs_mirror_seed(struct hs_mirror *m, uint32_t first);
/* The token the next mirror record carries; hs_mirror_next_record() after sending it. */
uint32_t hs_mirror_token(const struct hs_mirror *m);
void hs_mirror_next_record(struct hs_mirror *m);

/* Holds packet_id under the current token until now + hold_ms, and remembers that the entry
 * (key, with protocol state) was mirrored. created: the packet creates the entry (only created
 * entries can conflict). -1 when the ring is full: the caller lets the packet pass unheld. */
int hs_mirror_hold(struct hs_mirror *m, uint32_t packet_id, uint64_t key, uint8_t state,
		   bool created, uint64_t now_ms);
/* Releases the holds whose token is <= token (in serial-number order), oldest first, into
 * ids[] (at most max; call again while it returns max). */
size_t hs_mirror_ack(struct hs_mirror *m, uint32_t token, uint32_t *ids, size_t max);
/* Releases the holds whose deadline has passed. */
size_t hs_mirror_expire(struct hs_mirror *m, uint64_t now_ms, uint32_t *ids, size_t max);
/* Releases every hold (the peer is gone, mirroring stops). */
size_t hs_mirror_release_all(struct hs_mirror *m, uint32_t *ids, size_t max);
/* The earliest deadline, or 0 when nothing is held. */
uint64_t hs_mirror_next_deadline(const struct hs_mirror *m);
size_t hs_mirror_held(const struct hs_mirror *m);
/* Our kernel's event of an entry: true when a mirror record carried this very change within
 * recent_ms (the same key, a creation for a new-entry event and a change for an update, the same
 * protocol state), so the event need not go out again. */
bool hs_mirror_echo(const struct hs_mirror *m, uint64_t key, bool created, uint8_t state,
		    uint64_t now_ms);
/* The peer mirrored the creation of key's entry to us, in state. */
void hs_mirror_peer_new(struct hs_mirror *m, uint64_t key, uint8_t state, uint64_t now_ms);
/* A new-entry record of the peer's sync: true when the peer mirrored that very creation to us
 * within recent_ms (the same state): its echo, which would reset an entry that moved on. */
bool hs_mirror_peer_echo(const struct hs_mirror *m, uint64_t key, uint8_t state,
			 uint64_t now_ms);

/* A conflict: the peer's new entry has the key of a flow this box created itself a moment ago
 * (mirrored within recent_ms). Both boxes decide the same way which entry stays:
 * the one of the box with the smaller name (byte order; equal names: the smaller HRP sender
 * id). */
enum hs_mirror_conflict {
	HS_MIRROR_NO_CONFLICT,
	HS_MIRROR_KEEP_OURS,   /* we win: the peer's entry is not written, it takes ours */
	HS_MIRROR_TAKE_THEIRS, /* we lose: the peer's entry replaces ours; a held packet of ours
				* with that key is dropped (its sender retransmits into the
				* winner's entry) */
};
bool hs_mirror_is_ours(const struct hs_mirror *m, uint64_t key, uint64_t now_ms);
bool hs_mirror_we_win(const char *local_name, uint32_t local_id, const char *peer_name,
		      uint32_t peer_id);
enum hs_mirror_conflict hs_mirror_conflict(const struct hs_mirror *m, uint64_t key,
					   uint64_t now_ms, bool we_win);
/* A lost conflict: key is no longer ours (the peer's later records of it are no conflict);
 * removes its hold, if any, and gives the held packet's id (the caller drops it). */
bool hs_mirror_take(struct hs_mirror *m, uint64_t key, uint32_t *id);

/* The entry a held packet creates or moves, read from its headers (the queue copies the first
 * HS_MIRROR_COPY bytes; its zones, which no header says, come with hs_mirror_entry_zones()). A
 * packet the mirror holds is forwarded, not NATed (the rules leave NATed flows out: their tuples
 * are not in the headers at that hook), so the reply tuple is the inverse of the original:
 *   - a TCP SYN: a new entry in SYN_SENT (its window scale from the options);
 *   - a TCP SYN-ACK: the reply of an entry we have, now SYN_RECV (an update, op UPDATE);
 *   - another TCP packet (a loose pickup): a new entry in ESTABLISHED;
 *   - UDP, ICMP echo request, ICMPv6 echo request: a new entry.
 * Timeouts are the kernel's defaults for the state. 0, or -1 for a packet it cannot read or
 * will not hold (IPv6 extension headers, other protocols, fragments, truncated headers). */
#define HS_MIRROR_COPY 128
int hs_mirror_packet_entry(const uint8_t *pkt, size_t len, struct hs_sess *out);
/* The zones of a held packet's entry, as hrpd reads them from the queue's conntrack attributes
 * (NFQA_CT, given only by kernels with CONFIG_NETFILTER_NETLINK_GLUE_CT): zone is CTA_ZONE, the
 * zone of both directions; dir[0] / dir[1] the CTA_TUPLE_ZONE of CTA_TUPLE_ORIG /
 * CTA_TUPLE_REPLY, a zone of one direction; absent: 0. known is false without the attributes. */
struct hs_mirror_zones {
	bool known;
	uint16_t zone, dir[2];
};
/* Puts z's zones into the entry hs_mirror_packet_entry() gave, so that its key is the kernel
 * entry's and the kernel's events of it match its hold. Unknown zones leave it in zone 0. */
void hs_mirror_entry_zones(struct hs_sess *s, const struct hs_mirror_zones *z);

/* The iptables-restore input (mangle table) that creates chain, fills it with the rules that
 * queue the packets to hold to NFQUEUE queue, and hooks it into POSTROUTING
 * (lib/sess_mirror_rules.c says which packets and why). The text's length, or -1 when it does
 * not fit in len. */
int hs_mirror_rules(char *buf, size_t len, bool v6, uint16_t queue, const char *chain);

/* Wire helpers. A mirror record: HS_MIRROR_REC_NEW, u32 token (big-endian), then a session
 * record. An acknowledgement: HS_MIRROR_REC_ACK, u32 token. */
void hs_mirror_new_header(uint8_t *buf, uint32_t token);
size_t hs_mirror_ack_encode(uint8_t *buf, size_t room, uint32_t token);
/* The token of a mirror record or acknowledgement; -1 when it is too short or of another kind
 * (the record of a mirror NEW starts at buf + HS_MIRROR_NEW_HDR). */
int hs_mirror_parse(const uint8_t *buf, size_t len, uint8_t kind, uint32_t *token);

#endif
