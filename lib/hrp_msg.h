/* HRP messages, pure: the typed bodies (hello with its VGMP payload, probe-ack, challenge,
 * not-supported, VGMP switchover/ack/nack, data, data-ack) and the receive pipeline hrp_rx() that
 * takes a datagram from the wire to a verdict. hrpd owns sockets and timers; it calls hrp_rx()
 * on every message and acts on the verdict. */
#ifndef HS_HRP_MSG_H
#define HS_HRP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrp_auth.h"
#include "hrp_registry.h"
#include "hrp_wire.h"

/* ---- VGMP payload (values on the wire; vgmpd maps its own enums to these) ---- */

enum hrp_vgmp_state {
	HRP_VGMP_INITIALIZE = 0,
	HRP_VGMP_LOAD_BALANCE = 1,
	HRP_VGMP_ACTIVE = 2,
	HRP_VGMP_STANDBY = 3,
	HRP_VGMP_STATE_MAX,
};

enum hrp_vgmp_mode {
	HRP_VGMP_MODE_ACTIVE_STANDBY = 0,
	HRP_VGMP_MODE_LOAD_SHARING = 1,
	HRP_VGMP_MODE_MAX,
};

/* Readiness bits. Unknown bits are ignored by receivers. */
#define HRP_VGMP_R_SESSIONS_SYNCED 0x00000001u /* bulk session sync done: may preempt */
#define HRP_VGMP_R_CONFIG_SYNCED   0x00000002u /* config in sync with the peer */
#define HRP_VGMP_R_PREEMPT         0x00000004u /* preemption enabled */
#define HRP_VGMP_R_STANDBY_DEVICE  0x00000008u /* configured as standby device */
#define HRP_VGMP_R_FROZEN          0x00000010u /* maintenance freeze: roles held on both */
#define HRP_VGMP_R_COST_RAISED     0x00000020u /* standby's OSPF cost raised, no fault of its own */
#define HRP_VGMP_R_HANDED_OVER     0x00000040u /* holds the role the peer handed over */
#define HRP_VGMP_R_YIELDED         0x00000080u /* handed the role over, keeps to that */

enum hrp_vgmp_reason {
	HRP_VGMP_REASON_NONE = 0,
	HRP_VGMP_REASON_NOT_READY = 1,     /* sync not finished */
	HRP_VGMP_REASON_PRIORITY = 2,      /* our priority is higher */
	HRP_VGMP_REASON_IN_TRANSITION = 3, /* a switchover is already under way */
	HRP_VGMP_REASON_PREEMPT_DISABLED = 4,
	HRP_VGMP_REASON_FAULT = 5, /* a tracked object failed */
	HRP_VGMP_REASON_ADMIN = 6, /* operator request */
	HRP_VGMP_REASON_MAX,
};

const char *hrp_vgmp_state_name(unsigned state);
const char *hrp_vgmp_mode_name(unsigned mode);
const char *hrp_vgmp_reason_name(unsigned reason);

struct hrp_vgmp {
	uint16_t priority;
	uint8_t state;      /* enum hrp_vgmp_state; other values passed through */
	uint32_t readiness; /* HRP_VGMP_R_* */
	bool has_mode;
	uint8_t mode;
	bool has_config_digest;
	uint8_t config_digest[HRP_DIGEST_LEN];
	bool has_session_digest;
	uint8_t session_digest[HRP_DIGEST_LEN];
};

#define HRP_SYSNAME_MAX 64
#define HRP_KEY_IDS_MAX 8

struct hrp_hello {
	struct hrp_vgmp vgmp;
	char sysname[HRP_SYSNAME_MAX + 1]; /* "" when absent */
	uint32_t hello_interval_ms;        /* 0 when absent */
	uint8_t n_key_ids;
	uint8_t key_ids[HRP_KEY_IDS_MAX];
	bool has_next_epoch;
	uint64_t next_epoch;
	/* The sender's VGMP payload generation, one up at every change: hellos go on every link,
	 * each link in order but not the links among themselves, so an older payload can arrive
	 * after a newer one. 0 when absent (a 1.0 sender). */
	uint32_t payload_gen;
};

/* The put functions append TLVs to a message begun with hrp_msg_begin(); they return 0 or the
 * builder's (sticky) error. The get functions read a body (normally one hrp_rx() accepted) and
 * return 0 or -EBADMSG; the output is untouched on failure. Unknown TLVs are skipped. */
int hrp_vgmp_put(struct hrp_builder *b, const struct hrp_vgmp *v);
int hrp_vgmp_get(const uint8_t *body, size_t len, struct hrp_vgmp *v);
int hrp_hello_put(struct hrp_builder *b, const struct hrp_hello *h);
int hrp_hello_get(const uint8_t *body, size_t len, struct hrp_hello *h);

/* probe-ack: the probe's sequence number. */
int hrp_probe_ack_put(struct hrp_builder *b, uint32_t ref_seq);
int hrp_probe_ack_get(const uint8_t *body, size_t len, uint32_t *ref_seq);

/* challenge and challenge-response share a body: the nonce. */
int hrp_challenge_put(struct hrp_builder *b, const uint8_t nonce[HRP_NONCE_LEN]);
int hrp_challenge_get(const uint8_t *body, size_t len, uint8_t nonce[HRP_NONCE_LEN]);
/* challenge-response 1.1: TLV data-stream-seq, the first data-stream number the responder
 * stands by (doc/hrp-protocol.md, section 7.2). get: 1 with *seq, 0 absent (an older peer),
 * -EBADMSG when malformed; *seq untouched unless 1. */
int hrp_response_data_seq_put(struct hrp_builder *b, uint32_t seq);
int hrp_response_data_seq_get(const uint8_t *body, size_t len, uint32_t *seq);

#define HRP_REF_TLVS_MAX 8

struct hrp_not_supported {
	uint16_t ref_type;
	uint32_t ref_seq;
	uint8_t proto_major; /* the answering side's protocol version */
	uint8_t proto_minor;
	uint8_t n_ref_tlvs; /* critical TLVs not understood */
	uint16_t ref_tlvs[HRP_REF_TLVS_MAX];
};

int hrp_not_supported_put(struct hrp_builder *b, const struct hrp_not_supported *ns);
int hrp_not_supported_get(const uint8_t *body, size_t len, struct hrp_not_supported *ns);
/* The whole answer to a message hrp_rx() judged HRP_RX_NOT_SUPPORTED: offending is its header,
 * bad_tlv the critical TLV not understood (0: none, the type itself is unknown). Sent on the
 * heartbeat stream, signed with key when non-NULL. Returns as hrp_msg_end(). */
int hrp_not_supported_encode(void *buf, size_t cap, struct hrp_tx *tx, const struct hrp_key *key,
			     const struct hrp_hdr *offending, uint16_t bad_tlv, size_t *out_len);

/* VGMP switchover request, ack and nack: one body type. A request carries request_id and the
 * state the sender asks to take; ack and nack echo request_id, a nack gives a reason. */
struct hrp_vgmp_request {
	uint32_t request_id;
	bool has_state;
	uint8_t state;
	bool has_priority;
	uint16_t priority;
	bool has_reason;
	uint16_t reason;
};

int hrp_vgmp_request_put(struct hrp_builder *b, const struct hrp_vgmp_request *r);
int hrp_vgmp_request_get(const uint8_t *body, size_t len, struct hrp_vgmp_request *r);

/* ---- data channel (transport and resend are hrpd's) ---- */

enum hrp_data_channel {
	HRP_CHAN_INVALID = 0,
	HRP_CHAN_SESSION = 1, /* session sync */
	HRP_CHAN_CONFIG = 2,  /* config sync */
	HRP_CHAN_UPGRADE = 3, /* pair upgrade */
	HRP_CHAN_MAX,
};

#define HRP_DATA_F_BULK_BEGIN 0x00000001u /* first message of a bulk transfer */
#define HRP_DATA_F_BULK_END   0x00000002u /* last message of a bulk transfer */

const char *hrp_data_channel_name(unsigned channel);

struct hrp_data {
	uint8_t channel;
	uint32_t seq;   /* per channel; serial arithmetic */
	uint32_t flags; /* HRP_DATA_F_* */
	size_t n_payloads;
};

/* Starts a data body; then hrp_tlv_put(b, HRP_TLV_DATA_PAYLOAD, ...) once per record. */
int hrp_data_put(struct hrp_builder *b, uint8_t channel, uint32_t seq, uint32_t flags);
int hrp_data_get(const uint8_t *body, size_t len, struct hrp_data *d);
/* Walks the payloads: init the iterator on the body, then hrp_tlv_next_of(it,
 * HRP_TLV_DATA_PAYLOAD, &t) until it returns 0. */

struct hrp_data_ack {
	uint8_t channel;
	uint32_t ack_seq; /* every data seq up to and including this one was received */
	bool has_window;
	uint32_t window;
};

int hrp_data_ack_put(struct hrp_builder *b, const struct hrp_data_ack *a);
int hrp_data_ack_get(const uint8_t *body, size_t len, struct hrp_data_ack *a);

/* ---- receive pipeline ---- */

enum hrp_rx_verdict {
	HRP_RX_ACCEPT,         /* act on it: res->msg (a restart? hrp_rx_epoch_change()) */
	HRP_RX_DROP,           /* counted under res->drop */
	HRP_RX_NOT_SUPPORTED,  /* answer hrp_not_supported_encode(&res->msg.hdr, res->bad_tlv) */
	HRP_RX_NEED_CHALLENGE, /* hrp_peer_challenge_start(), then send a challenge */
	HRP_RX_VERDICT_MAX,
};

const char *hrp_rx_verdict_name(enum hrp_rx_verdict v);

struct hrp_rx_ctx {
	uint32_t local_id;              /* our sender id: our own messages are dropped */
	const struct hrp_keyring *keys; /* NULL or empty: no authentication */
	struct hrp_peer *peer;
	struct hrp_counters *counters; /* may be NULL */
};

struct hrp_rx_result {
	enum hrp_rx_verdict verdict;
	enum hrp_drop drop; /* HRP_DROP_NONE when accepted */
	struct hrp_msg msg; /* header always filled once the header parsed */
	int key_slot;       /* slot that verified it, HRP_KEY_NONE unsigned */
	/* new_epoch: the peer's epoch changed (or is the first we know); epoch_announced: to the
	 * one it announced, the same process goes on (hrp_rx_epoch_change()) */
	bool new_epoch;
	bool epoch_announced;
	unsigned unknown_tlvs;
	uint16_t bad_tlv; /* the TLV to blame, when one is */
	enum hrp_peer_verdict peer_verdict;
	struct hrp_hello hello; /* the body, read whole, of an accepted hello */
};

/* One datagram (or one framed message from the data stream), checked in this order: header,
 * length, trailer and HMAC, own sender id, type and body against the registry, then epoch and
 * replay window (committed only for a message that passed everything else). challenge is exempt
 * from the window; challenge-response is checked against the outstanding nonce. An accepted
 * message from the peer's current epoch that announces a next epoch records it. Counts every
 * outcome in ctx->counters. */
enum hrp_rx_verdict hrp_rx(const struct hrp_rx_ctx *ctx, const uint8_t *buf, size_t len,
			   uint64_t now_ms, struct hrp_rx_result *res);

/* What a message that passed the window (accepted, or answered as not supported) says of the
 * peer's process; was_known: whether an epoch of the peer was known before it. */
enum hrp_rx_epoch {
	HRP_RX_EPOCH_SAME,      /* the epoch we knew */
	HRP_RX_EPOCH_FIRST,     /* the first we know of the peer: nothing to follow */
	HRP_RX_EPOCH_ANNOUNCED, /* the next epoch it announced: the same process goes on */
	HRP_RX_EPOCH_RESTART,   /* one it did not announce: a new process (without a key, maybe
				 * an epoch taken back), whose state must be built afresh */
	HRP_RX_EPOCH_MAX,
};

const char *hrp_rx_epoch_name(enum hrp_rx_epoch e);
enum hrp_rx_epoch hrp_rx_epoch_change(const struct hrp_rx_result *res, bool was_known);

#endif
