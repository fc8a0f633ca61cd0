/* HRP wire layer, pure: the fixed header, the TLV writer and reader, the HMAC-SHA256 trailer, the
 * per-sender sequence numbers, and the drop reasons with their counters. No sockets, no clocks,
 * no logging. doc/hrp-protocol.md describes every field; this file follows it.
 *
 *   0      2      3      4      6      8            12                 20     24     28
 *   +------+------+------+------+------+------------+------------------+------+------+------~
 *   |magic |major |minor | type |flags | length     | boot epoch       | seq  |sender| TLVs...
 *   +------+------+------+------+------+------------+------------------+------+------+------~
 *   ~------+--------+----------+-----------------+
 *    TLVs  | key id | reserved | HMAC-SHA256 (32) |   trailer, present when flags has AUTH
 *   ~------+--------+----------+-----------------+
 *
 * All integers are big-endian. length counts the whole message (header, TLVs, trailer). */
#ifndef HS_HRP_WIRE_H
#define HS_HRP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HRP_MAGIC        0x4852u /* "HR" */
#define HRP_HDR_LEN      28u
#define HRP_TLV_HDR_LEN  4u
#define HRP_TLV_VAL_MAX  0xffffu
#define HRP_MAC_LEN      32u
#define HRP_TRAILER_LEN  36u /* key id, 3 reserved bytes, HMAC */
#define HRP_MSG_SIZE_MAX (256u * 1024u)
#define HRP_KEY_MAX      128u
#define HRP_NONCE_LEN    16u
#define HRP_DIGEST_LEN   32u
#define HRP_RX_TYPES     32u

/* Header flags. Undefined bits are sent as zero and ignored on receipt. */
#define HRP_F_URGENT        0x0001u /* sent at once, not at the next hello (VGMP fault, role) */
#define HRP_F_AUTH          0x0002u /* a trailer follows the TLVs */
#define HRP_F_ACK_REQUESTED 0x0004u /* the sender wants an answer (probe, registry, data) */
#define HRP_F_DATA_STREAM   0x0008u /* sent on the data stream: its own sequence space */

/* Each sender numbers two streams separately: the heartbeat stream (datagrams: hellos, probes,
 * VGMP, challenges) and the data stream (bulk data and its acks), so that a burst of bulk data
 * never pushes a hello out of the receiver's replay window. HRP_F_DATA_STREAM says which. */
enum hrp_stream {
	HRP_STREAM_HEARTBEAT,
	HRP_STREAM_DATA,
	HRP_STREAM_MAX,
};

struct hrp_hdr {
	uint8_t ver_major;
	uint8_t ver_minor;
	uint16_t type;
	uint16_t flags;
	uint32_t length;
	uint64_t epoch;
	uint32_t seq;
	uint32_t sender_id;
};

/* Why a received message was dropped. Each has its own counter in struct hrp_counters. */
enum hrp_drop {
	HRP_DROP_NONE,
	HRP_DROP_SHORT,            /* fewer bytes than a header */
	HRP_DROP_BAD_MAGIC,        /* not an HRP message */
	HRP_DROP_BAD_VERSION,      /* another protocol major version */
	HRP_DROP_BAD_LENGTH,       /* length field below a header or not the datagram's size */
	HRP_DROP_TOO_BIG,          /* length field above HRP_MSG_SIZE_MAX */
	HRP_DROP_AUTH_MISSING,     /* a key is configured, the message is not signed */
	HRP_DROP_AUTH_UNEXPECTED,  /* signed, but no key is configured here */
	HRP_DROP_AUTH_SHORT,       /* AUTH set, no room for the trailer */
	HRP_DROP_AUTH_UNKNOWN_KEY, /* key id matches neither the current nor the next key */
	HRP_DROP_AUTH_BAD,         /* HMAC mismatch */
	HRP_DROP_LOOPED,           /* our own sender id: a looped-back message */
	HRP_DROP_UNKNOWN_TYPE,     /* not in our registry: answered with not-supported */
	HRP_DROP_SHORT_BODY,       /* body below the type's minimum length */
	HRP_DROP_BAD_TLV,          /* a TLV overruns the body */
	HRP_DROP_BAD_TLV_LENGTH,   /* a known TLV with a length its type does not allow */
	HRP_DROP_MISSING_TLV,      /* a TLV the type requires is absent */
	HRP_DROP_DUP_TLV,          /* a single-valued TLV appears twice */
	HRP_DROP_CRITICAL_TLV,  /* an unknown TLV marked must-understand: answered not-supported */
	HRP_DROP_REPLAY,        /* sequence number already seen */
	HRP_DROP_TOO_OLD,       /* sequence number behind the replay window */
	HRP_DROP_OLD_EPOCH,     /* from an epoch the peer has left */
	HRP_DROP_UNKNOWN_EPOCH, /* new epoch or sender, not yet proven by a challenge */
	HRP_DROP_BAD_NONCE,     /* challenge response without a matching outstanding challenge */
	HRP_DROP_BAD_BODY,      /* TLVs well formed, but a value the type's reader refuses */
	HRP_DROP_MAX,
};

const char *hrp_drop_name(enum hrp_drop d);

/* Per-peer receive counters; shown by `display hrp statistics`. */
struct hrp_counters {
	uint64_t rx;           /* messages handed to hrp_rx() */
	uint64_t accepted;     /* verdict accept */
	uint64_t unknown_tlvs; /* skipped by length in accepted messages */
	uint64_t new_epochs;   /* peer restarts (or epoch rollovers) accepted */
	uint64_t challenges;   /* times a challenge was asked for */
	uint64_t drop[HRP_DROP_MAX];
	uint64_t rx_type[HRP_RX_TYPES]; /* accepted, per message type below HRP_RX_TYPES */
};

/* Big-endian helpers. */
static inline uint16_t hrp_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t hrp_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t hrp_get_u64(const uint8_t *p)
{
	return (uint64_t)hrp_get_u32(p) << 32 | hrp_get_u32(p + 4);
}

static inline void hrp_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void hrp_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void hrp_put_u64(uint8_t *p, uint64_t v)
{
	hrp_put_u32(p, (uint32_t)(v >> 32));
	hrp_put_u32(p + 4, (uint32_t)v);
}

/* Serial-number arithmetic (RFC 1982) on 32-bit sequence numbers: true when a comes after b,
 * i.e. a - b (mod 2^32) is in [1, 2^31 - 1]. 0 comes after 0xffffffff. */
static inline bool hrp_seq_after(uint32_t a, uint32_t b)
{
	return (uint32_t)(a - b) - 1u < 0x7fffffffu;
}

/* ---- header ---- */

void hrp_hdr_encode(const struct hrp_hdr *h, uint8_t out[HRP_HDR_LEN]);

/* Decodes and checks the header at buf: magic, major version, length field within
 * [HRP_HDR_LEN, HRP_MSG_SIZE_MAX]. Returns 0, or -EBADMSG with *why set; *h untouched on failure
 * except that ver_major/ver_minor are filled on HRP_DROP_BAD_VERSION (to report the peer's). */
int hrp_hdr_decode(const uint8_t *buf, size_t len, struct hrp_hdr *h, enum hrp_drop *why);

/* Stream framing (the data stream is a byte stream): returns 1 with *msg_len set when a whole
 * message is buffered, 0 when more bytes are needed, -EBADMSG for a bad header. */
int hrp_msg_peek(const uint8_t *buf, size_t len, size_t *msg_len);

/* A message split into its parts, not yet authenticated. */
struct hrp_msg {
	struct hrp_hdr hdr;
	const uint8_t *raw; /* the whole message */
	size_t raw_len;
	const uint8_t *body; /* the TLVs */
	size_t body_len;
	bool has_trailer; /* AUTH flag set: key_id and mac are valid */
	uint8_t key_id;
	const uint8_t *mac;
};

/* Splits a datagram: header checks, length field equal to len, trailer present when AUTH.
 * Returns 0 or -EBADMSG with *why. */
int hrp_msg_split(const uint8_t *buf, size_t len, struct hrp_msg *m, enum hrp_drop *why);

/* ---- keys and the trailer (HMAC-SHA256 by libsodium) ---- */

struct hrp_key {
	bool set;
	uint8_t id; /* 1..255: says on the wire which key signed */
	uint8_t len;
	uint8_t bytes[HRP_KEY_MAX];
};

/* HMAC-SHA256 over msg[0 .. len - HRP_MAC_LEN) written to msg[len - HRP_MAC_LEN ..]. */
int hrp_mac_sign(const struct hrp_key *key, uint8_t *msg, size_t len);
/* Constant-time check of the trailer of a split message. Returns 0 or -EBADMSG. */
int hrp_mac_verify(const struct hrp_key *key, const struct hrp_msg *m);

/* ---- sending: sequence numbers per stream under one boot epoch ---- */

/* An epoch carries at most 2^31 messages per stream: past that, old sequence numbers would look
 * new again to serial arithmetic. hrp_tx_epoch_aging() turns true at 2^30 so that the daemon can
 * announce its next epoch (TLV next-epoch in hellos) well before it must switch. */
#define HRP_TX_EPOCH_LIMIT 0x80000000u
#define HRP_TX_EPOCH_AGING 0x40000000u

struct hrp_tx {
	uint32_t sender_id;
	uint64_t epoch;
	uint32_t seq[HRP_STREAM_MAX];   /* next to send */
	uint32_t count[HRP_STREAM_MAX]; /* sent under this epoch */
};

/* epoch: random, chosen by the daemon at start (randombytes_buf). first_seq: any value (0). */
void hrp_tx_init(struct hrp_tx *tx, uint32_t sender_id, uint64_t epoch, uint32_t first_seq);
void hrp_tx_new_epoch(struct hrp_tx *tx, uint64_t epoch, uint32_t first_seq);
bool hrp_tx_epoch_aging(const struct hrp_tx *tx);

/* ---- building a message ---- */

/* Errors are sticky: the put functions may be chained and only hrp_msg_end()'s result checked. */
struct hrp_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err; /* first error: -ENOBUFS (no room), -EMSGSIZE (value > 65535), -EINVAL */
};

void hrp_msg_begin(struct hrp_builder *b, void *buf, size_t cap, uint16_t type, uint16_t flags);
int hrp_tlv_put(struct hrp_builder *b, uint16_t type, const void *val, size_t len);
int hrp_tlv_put_u8(struct hrp_builder *b, uint16_t type, uint8_t v);
int hrp_tlv_put_u16(struct hrp_builder *b, uint16_t type, uint16_t v);
int hrp_tlv_put_u32(struct hrp_builder *b, uint16_t type, uint32_t v);
int hrp_tlv_put_u64(struct hrp_builder *b, uint16_t type, uint64_t v);

/* Stamps version, epoch, the stream's next sequence number and the sender id from tx, the length,
 * and signs with key when key is non-NULL (key->set). The sequence number is used only when this
 * returns 0. Returns 0 with *out_len set, the builder's error, -ENOBUFS (no room for the trailer),
 * -EMSGSIZE (above HRP_MSG_SIZE_MAX) or -ERANGE (epoch used up: hrp_tx_new_epoch() first). */
int hrp_msg_end(struct hrp_builder *b, struct hrp_tx *tx, enum hrp_stream stream,
		const struct hrp_key *key, size_t *out_len);

/* ---- reading TLVs ---- */

/* Bit 15 of a TLV type: must-understand. A receiver that does not know such a TLV drops the
 * message and answers not-supported; other unknown TLVs are skipped by their length. */
#define HRP_TLV_CRITICAL 0x8000u

struct hrp_tlv {
	uint16_t type; /* as on the wire, critical bit included */
	uint16_t len;
	const uint8_t *val;
};

struct hrp_tlv_iter {
	const uint8_t *p;
	size_t left;
};

void hrp_tlv_iter_init(struct hrp_tlv_iter *it, const uint8_t *body, size_t len);
/* Returns 1 with *t set, 0 at the end of the body, -EBADMSG when a TLV header or value runs past
 * the end (the iterator then stays at the bad TLV). */
int hrp_tlv_next(struct hrp_tlv_iter *it, struct hrp_tlv *t);
/* The next TLV of one type (critical bit ignored), skipping the others. Same returns. */
int hrp_tlv_next_of(struct hrp_tlv_iter *it, uint16_t type, struct hrp_tlv *t);
/* The first TLV of a type in a body: 1 found, 0 absent, -EBADMSG malformed before it. */
int hrp_tlv_find(const uint8_t *body, size_t len, uint16_t type, struct hrp_tlv *t);

#endif
