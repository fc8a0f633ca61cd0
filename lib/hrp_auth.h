/* HRP authentication state, pure: the keyring (current and next key, with ids), the anti-replay
 * window (RFC 4303 style, 64 entries), and the peer's epoch with the challenge that proves a new
 * one. Time comes in as now_ms (any monotonic clock in milliseconds); nonces come in from the
 * caller (randombytes_buf in hrpd), so every transition is reproducible in a test. */
#ifndef HS_HRP_AUTH_H
#define HS_HRP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrp_wire.h"

/* ---- keyring ---- */

enum hrp_key_slot {
	HRP_KEY_CURRENT,
	HRP_KEY_NEXT,
	HRP_KEY_SLOTS,
	HRP_KEY_NONE = -1, /* message not signed (no key configured) */
};

struct hrp_keyring {
	struct hrp_key slot[HRP_KEY_SLOTS];
};

void hrp_keyring_init(struct hrp_keyring *kr);
/* Wipes the key bytes (sodium_memzero). */
void hrp_keyring_wipe(struct hrp_keyring *kr);
/* id 0: derived from the key (hrp_key_id_derive), so both boxes agree without configuring ids.
 * Returns 0, -EINVAL (len 0 or above HRP_KEY_MAX, bad slot) or -EIO (libsodium unusable). */
int hrp_keyring_set(struct hrp_keyring *kr, enum hrp_key_slot slot, uint8_t id, const void *key,
		    size_t len);
void hrp_keyring_unset(struct hrp_keyring *kr, enum hrp_key_slot slot);
bool hrp_keyring_empty(const struct hrp_keyring *kr);
const struct hrp_key *hrp_keyring_key(const struct hrp_keyring *kr, enum hrp_key_slot slot);
/* 1..255, from SHA-256("hrp key id" || key). */
uint8_t hrp_key_id_derive(const void *key, size_t len);
/* The ids we accept (current first), for TLV key-ids in hellos. Returns how many (0..2). */
size_t hrp_keyring_ids(const struct hrp_keyring *kr, uint8_t *ids, size_t cap);

/* The slot to sign with. The next key is used as soon as the peer says (TLV key-ids) that it
 * accepts it; until then the current one. So configuring the next key on both boxes, in either
 * order, switches both to it without a lost message; promoting it to current later changes
 * nothing on the wire. Returns the slot, or -ENOKEY when no key is set. */
int hrp_keyring_tx_slot(const struct hrp_keyring *kr, const uint8_t *peer_ids, size_t n_peer_ids);

/* Authenticates a split message. With no key configured an unsigned message passes (*slot =
 * HRP_KEY_NONE). Otherwise the key whose id the trailer names is tried (both, if both have that
 * id). Returns 0 with *slot, or -EBADMSG with *why: HRP_DROP_AUTH_MISSING, _UNEXPECTED,
 * _UNKNOWN_KEY or _BAD. */
int hrp_keyring_verify(const struct hrp_keyring *kr, const struct hrp_msg *m, int *slot,
		       enum hrp_drop *why);

/* ---- anti-replay window ---- */

#define HRP_REPLAY_WINDOW 64u

struct hrp_replay_window {
	bool valid;
	uint32_t top;    /* highest sequence number accepted */
	uint64_t bitmap; /* bit i: top - i accepted */
};

/* HRP_DROP_NONE, HRP_DROP_REPLAY or HRP_DROP_TOO_OLD; changes nothing. */
enum hrp_drop hrp_replay_check(const struct hrp_replay_window *w, uint32_t seq);
/* Marks seq accepted (call after hrp_replay_check() said none and the message was verified). */
void hrp_replay_update(struct hrp_replay_window *w, uint32_t seq);

/* ---- the peer: epoch, windows, challenge ---- */

#define HRP_EPOCH_HISTORY         4
#define HRP_CHALLENGE_RETRY_MS    1000u  /* ask again after this long without an answer */
#define HRP_CHALLENGE_LIFETIME_MS 10000u /* a nonce is good for this long */

enum hrp_peer_verdict {
	HRP_PEER_ACCEPT,
	HRP_PEER_ACCEPT_NEW_EPOCH, /* peer restarted (or rolled its epoch): windows reset;
				    * epoch_announced tells the two apart */
	HRP_PEER_DROP_REPLAY,
	HRP_PEER_DROP_TOO_OLD,
	HRP_PEER_DROP_OLD_EPOCH,
	HRP_PEER_NEED_CHALLENGE, /* unproven epoch: send a challenge (hrp_peer_challenge_start) */
	HRP_PEER_CHALLENGE_PENDING, /* unproven epoch, a challenge is out: drop quietly */
	HRP_PEER_DROP_BAD_NONCE,
	HRP_PEER_VERDICT_MAX,
};

const char *hrp_peer_verdict_name(enum hrp_peer_verdict v);
/* The drop reason a verdict counts under (HRP_DROP_NONE for the accepts). */
enum hrp_drop hrp_peer_verdict_drop(enum hrp_peer_verdict v);

struct hrp_peer {
	bool keyed; /* a key is configured: new epochs need a challenge */
	bool known; /* an epoch has been accepted */
	uint32_t sender_id;
	uint64_t epoch;
	struct hrp_replay_window win[HRP_STREAM_MAX];
	uint64_t old_epochs[HRP_EPOCH_HISTORY]; /* ring of epochs the peer has left */
	unsigned n_old;
	bool has_next_epoch; /* announced by the peer in an accepted message */
	uint64_t next_epoch;
	bool challenge_pending;
	uint8_t nonce[HRP_NONCE_LEN];
	uint64_t challenge_issued_ms;
	uint64_t challenge_sent_ms;
	int key_slot;   /* slot that verified the last accepted message, HRP_KEY_NONE if unsigned */
	uint8_t key_id; /* its id */
	uint64_t epoch_changes;
	/* Whether the last epoch change was the one the peer announced (section 7.3 of
	 * doc/hrp-protocol.md: the same process goes on), not a restart. */
	bool epoch_announced;
	/* The peer process: the first epoch we knew it by, kept across the epoch changes it
	 * announced, renewed by any other. What must be sent again to a new process (session
	 * and config sync) is compared against it, never against epoch. */
	uint64_t incarnation;
	/* Without a key, an epoch left is taken back once the current one has been quiet this
	 * long (0: never); the daemon sets it from the hello intervals (hrp_peer_takeback_ms). */
	uint32_t epoch_takeback_ms;
	uint64_t current_heard_ms; /* when a message of the current epoch was last accepted */
	uint64_t epochs_taken_back; /* epochs left and then taken back (late messages, forgers) */
};

void hrp_peer_init(struct hrp_peer *p, bool keyed);
/* The quiet time for epoch_takeback_ms: two hellos at the slower of the two intervals, inside
 * the dead time (dead_count, at least 2, hellos plus a margin: doc/hrpd.md). */
uint32_t hrp_peer_takeback_ms(uint32_t own_interval_ms, uint32_t peer_interval_ms);
/* The decision for a message from (sender id, epoch, seq) without changing anything:
 *   - the current epoch: accept, or drop as a replay / too old for the window;
 *   - an epoch the peer has left: drop; without a key, take it back as a new epoch once the
 *     current one has been quiet for epoch_takeback_ms (see hrp_peer_check() for why);
 *   - the next epoch the peer announced: accept as a new epoch;
 *   - any other epoch or sender: accept as a new epoch when no key is configured (nothing could
 *     prove it anyway), else ask for a challenge (or wait for the one already out). */
enum hrp_peer_verdict hrp_peer_check(const struct hrp_peer *p, const struct hrp_hdr *h,
				     uint64_t now_ms);
/* hrp_peer_check() and, on accept, the state change (window update, or switch to the new
 * epoch with fresh windows; epoch_announced and incarnation say whether the process is the
 * same). */
enum hrp_peer_verdict hrp_peer_accept(struct hrp_peer *p, const struct hrp_hdr *h, uint64_t now_ms);
/* Starts (or repeats) a challenge: keeps the outstanding nonce while it is fresh, otherwise
 * takes fresh_nonce. Writes the nonce to send to nonce_out. */
void hrp_peer_challenge_start(struct hrp_peer *p, const uint8_t fresh_nonce[HRP_NONCE_LEN],
			      uint64_t now_ms, uint8_t nonce_out[HRP_NONCE_LEN]);
/* An authenticated challenge-response carrying nonce: if it matches the outstanding challenge,
 * the sender's epoch becomes the peer's (every sequence number up to the response's counts as
 * seen; never an announced change: a new incarnation) and HRP_PEER_ACCEPT_NEW_EPOCH is returned
 * (HRP_PEER_ACCEPT if it was already current);
 * else HRP_PEER_DROP_BAD_NONCE (or _OLD_EPOCH). A nonce is good once.
 * data_seq: the response's TLV data-stream-seq (NULL when absent, an older peer): the first
 * data-stream number the peer stands by. Everything before it counts as seen on the data stream
 * too, so a recording of the epoch from before our own restart is not taken there either.
 * Ignored when the response itself came on the data stream (its own number says as much). */
enum hrp_peer_verdict hrp_peer_challenge_done(struct hrp_peer *p, const struct hrp_hdr *h,
					      const uint8_t nonce[HRP_NONCE_LEN],
					      const uint32_t *data_seq, uint64_t now_ms);
/* The peer announced (TLV next-epoch, in a message accepted in its current epoch) the epoch it
 * will switch to: that one is then accepted without a challenge. */
void hrp_peer_expect_epoch(struct hrp_peer *p, uint64_t next_epoch);
/* Records which key verified an accepted message (hrp_rx() calls it). key_slot then tells the
 * daemon whether the peer signs with the current or the next key: the rollover is complete when
 * it signs with the one we have as current and nothing is left in next. */
void hrp_peer_note_key(struct hrp_peer *p, int slot, uint8_t id);

#endif
