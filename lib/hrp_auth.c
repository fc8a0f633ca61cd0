/* HRP authentication state: keyring, anti-replay window, peer epoch and challenge.
 *
 * Design. Every message carries the sender's boot epoch (64 random bits chosen at start) and a
 * sequence number per stream. Within the epoch the receiver keeps a 64-entry sliding window per
 * stream, exactly as IPsec does (RFC 4303 section 3.4.3 and appendix A): ahead of the window is
 * new, inside it is new once, behind it is too old. Serial-number arithmetic (RFC 1982) lets a
 * sequence number wrap from 0xffffffff to 0.
 *
 * A message from an epoch we have not proven could be a recording from before our own restart,
 * so with a key configured it is not believed until the peer answers a challenge: we send a
 * fresh nonce, the peer echoes it in a challenge-response signed in its current epoch, and only
 * a live holder of the key can do that. The response also names the first number of the peer's
 * data stream it stands by, so that stream too starts closed below it: after our own restart the
 * peer's epoch goes on, and its data messages from before are recordings. A restarted peer is
 * thus accepted after one round trip, a replayed one never. Epochs the peer has left are remembered
 * and dropped outright. A peer that must roll its epoch (2^31 messages) announces the next one
 * first and is not challenged.
 *
 * Follows: RFC 4303 (anti-replay window), RFC 1982 (serial numbers), RFC 2104 (HMAC). */
#include "hrp_auth.h"

#include <errno.h>
#include <string.h>
#include <sodium.h>

void hrp_keyring_init(struct hrp_keyring *kr)
{
	memset(kr, 0, sizeof(*kr));
}

void hrp_keyring_wipe(struct hrp_keyring *kr)
{
	sodium_memzero(kr, sizeof(*kr));
}

uint8_t hrp_key_id_derive(const void *key, size_t len)
{
	static const char label[] = "hrp key id";
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)label, sizeof(label) - 1);
	crypto_hash_sha256_update(&st, key, len);
	crypto_hash_sha256_final(&st, h);
	return (uint8_t)(1 + h[0] % 255);
}

int hrp_keyring_set(struct hrp_keyring *kr, enum hrp_key_slot slot, uint8_t id, const void *key,
		    size_t len)
{
	if ((unsigned)slot >= HRP_KEY_SLOTS || !key || len == 0 || len > HRP_KEY_MAX)
		return -EINVAL;
	if (sodium_init() < 0)
		return -EIO;
	struct hrp_key *k = &kr->slot[slot];
	sodium_memzero(k, sizeof(*k));
	memcpy(k->bytes, key, len);
	k->len = (uint8_t)len;
	k->id = id ? id : hrp_key_id_derive(key, len);
	k->set = true;
	return 0;
}

void hrp_keyring_unset(struct hrp_keyring *kr, enum hrp_key_slot slot)
{
	if ((unsigned)slot < HRP_KEY_SLOTS)
		sodium_memzero(&kr->slot[slot], sizeof(kr->slot[slot]));
}

bool hrp_keyring_empty(const struct hrp_keyring *kr)
{
	if (!kr)
		return true;
	for (int s = 0; s < HRP_KEY_SLOTS; s++)
		if (kr->slot[s].set)
			return false;
	return true;
}

const struct hrp_key *hrp_keyring_key(const struct hrp_keyring *kr, enum hrp_key_slot slot)
{
	if (!kr || (unsigned)slot >= HRP_KEY_SLOTS || !kr->slot[slot].set)
		return NULL;
	return &kr->slot[slot];
}

size_t hrp_keyring_ids(const struct hrp_keyring *kr, uint8_t *ids, size_t cap)
{
	size_t n = 0;
	for (int s = 0; s < HRP_KEY_SLOTS && n < cap; s++)
		if (kr->slot[s].set)
			ids[n++] = kr->slot[s].id;
	return n;
}

int hrp_keyring_tx_slot(const struct hrp_keyring *kr, const uint8_t *peer_ids, size_t n_peer_ids)
{
	const struct hrp_key *cur = hrp_keyring_key(kr, HRP_KEY_CURRENT);
	const struct hrp_key *next = hrp_keyring_key(kr, HRP_KEY_NEXT);

	if (next)
		for (size_t i = 0; i < n_peer_ids; i++)
			if (peer_ids[i] == next->id)
				return HRP_KEY_NEXT;
	if (cur)
		return HRP_KEY_CURRENT;
	if (next)
		return HRP_KEY_NEXT;
	return -ENOKEY;
}

static int auth_drop(enum hrp_drop *why, enum hrp_drop d)
{
	if (why)
		*why = d;
	return -EBADMSG;
}

int hrp_keyring_verify(const struct hrp_keyring *kr, const struct hrp_msg *m, int *slot,
		       enum hrp_drop *why)
{
	bool keyed = !hrp_keyring_empty(kr);
	bool tried = false;

	if (!keyed && !m->has_trailer) {
		*slot = HRP_KEY_NONE;
		return 0;
	}
	if (!keyed)
		return auth_drop(why, HRP_DROP_AUTH_UNEXPECTED);
	if (!m->has_trailer)
		return auth_drop(why, HRP_DROP_AUTH_MISSING);
	for (int s = 0; s < HRP_KEY_SLOTS; s++) {
		const struct hrp_key *k = hrp_keyring_key(kr, s);
		if (!k || k->id != m->key_id)
			continue;
		tried = true;
		if (hrp_mac_verify(k, m) == 0) {
			*slot = s;
			return 0;
		}
	}
	return auth_drop(why, tried ? HRP_DROP_AUTH_BAD : HRP_DROP_AUTH_UNKNOWN_KEY);
}

enum hrp_drop hrp_replay_check(const struct hrp_replay_window *w, uint32_t seq)
{
	if (!w->valid || hrp_seq_after(seq, w->top))
		return HRP_DROP_NONE;
	uint32_t back = w->top - seq;
	if (back >= HRP_REPLAY_WINDOW)
		return HRP_DROP_TOO_OLD;
	if (w->bitmap & (UINT64_C(1) << back))
		return HRP_DROP_REPLAY;
	return HRP_DROP_NONE;
}

void hrp_replay_update(struct hrp_replay_window *w, uint32_t seq)
{
	if (!w->valid) {
		*w = (struct hrp_replay_window){ .valid = true, .top = seq, .bitmap = 1 };
		return;
	}
	if (hrp_seq_after(seq, w->top)) {
		uint32_t shift = seq - w->top;
		w->bitmap = shift >= HRP_REPLAY_WINDOW ? 1 : (w->bitmap << shift) | 1;
		w->top = seq;
		return;
	}
	uint32_t back = w->top - seq;
	if (back < HRP_REPLAY_WINDOW)
		w->bitmap |= UINT64_C(1) << back;
}

static const char *const hrp_peer_verdict_names[HRP_PEER_VERDICT_MAX] = {
	[HRP_PEER_ACCEPT] = "accept",
	[HRP_PEER_ACCEPT_NEW_EPOCH] = "accept-new-epoch",
	[HRP_PEER_DROP_REPLAY] = "drop-replay",
	[HRP_PEER_DROP_TOO_OLD] = "drop-too-old",
	[HRP_PEER_DROP_OLD_EPOCH] = "drop-old-epoch",
	[HRP_PEER_NEED_CHALLENGE] = "need-challenge",
	[HRP_PEER_CHALLENGE_PENDING] = "challenge-pending",
	[HRP_PEER_DROP_BAD_NONCE] = "drop-bad-nonce",
};

const char *hrp_peer_verdict_name(enum hrp_peer_verdict v)
{
	return (unsigned)v < HRP_PEER_VERDICT_MAX ? hrp_peer_verdict_names[v] : "invalid";
}

enum hrp_drop hrp_peer_verdict_drop(enum hrp_peer_verdict v)
{
	switch (v) {
	case HRP_PEER_DROP_REPLAY: return HRP_DROP_REPLAY;
	case HRP_PEER_DROP_TOO_OLD: return HRP_DROP_TOO_OLD;
	case HRP_PEER_DROP_OLD_EPOCH: return HRP_DROP_OLD_EPOCH;
	case HRP_PEER_NEED_CHALLENGE:
	case HRP_PEER_CHALLENGE_PENDING: return HRP_DROP_UNKNOWN_EPOCH;
	case HRP_PEER_DROP_BAD_NONCE: return HRP_DROP_BAD_NONCE;
	default: return HRP_DROP_NONE;
	}
}

void hrp_peer_init(struct hrp_peer *p, bool keyed)
{
	*p = (struct hrp_peer){ .keyed = keyed, .key_slot = HRP_KEY_NONE };
}

uint32_t hrp_peer_takeback_ms(uint32_t own_interval_ms, uint32_t peer_interval_ms)
{
	uint32_t i = own_interval_ms > peer_interval_ms ? own_interval_ms : peer_interval_ms;
	return i > UINT32_MAX / 2 ? UINT32_MAX : 2 * i;
}

static unsigned stream_of(const struct hrp_hdr *h)
{
	return (h->flags & HRP_F_DATA_STREAM) ? HRP_STREAM_DATA : HRP_STREAM_HEARTBEAT;
}

static bool is_current(const struct hrp_peer *p, const struct hrp_hdr *h)
{
	return p->known && h->sender_id == p->sender_id && h->epoch == p->epoch;
}

static bool is_old_epoch(const struct hrp_peer *p, uint64_t epoch)
{
	unsigned n = p->n_old < HRP_EPOCH_HISTORY ? p->n_old : HRP_EPOCH_HISTORY;
	for (unsigned i = 0; i < n; i++)
		if (p->old_epochs[i] == epoch)
			return true;
	/* The current epoch under another sender id is not an old epoch. */
	return false;
}

/* The next epoch the peer announced (hrp_peer_expect_epoch), from the same sender. */
static bool is_announced(const struct hrp_peer *p, const struct hrp_hdr *h)
{
	return p->known && p->has_next_epoch && h->epoch == p->next_epoch &&
	       h->sender_id == p->sender_id;
}

enum hrp_peer_verdict hrp_peer_check(const struct hrp_peer *p, const struct hrp_hdr *h,
				     uint64_t now_ms)
{
	if (is_current(p, h)) {
		/* The epoch we know: the window decides. */
		switch (hrp_replay_check(&p->win[stream_of(h)], h->seq)) {
		case HRP_DROP_REPLAY: return HRP_PEER_DROP_REPLAY;
		case HRP_DROP_TOO_OLD: return HRP_PEER_DROP_TOO_OLD;
		default: return HRP_PEER_ACCEPT;
		}
	}
	/* An epoch the peer has left: a late or replayed message, never a restart. Without a key
	 * the epoch may have been left on the word of a late message: hellos of a stopped hrpd,
	 * held ~1 s in the kernel's neighbour queue, reached a peer that had restarted too and knew
	 * only the new process; taken for a restart, they got the live epoch refused for good and
	 * the pair stayed dual-active. So an epoch left is taken back once the current one has
	 * gone quiet: a live process speaks every hello, a late burst does not. */
	if (is_old_epoch(p, h->epoch)) {
		bool current_quiet = p->epoch_takeback_ms &&
				     now_ms >= p->current_heard_ms + p->epoch_takeback_ms;
		return !p->keyed && current_quiet ? HRP_PEER_ACCEPT_NEW_EPOCH
						  : HRP_PEER_DROP_OLD_EPOCH;
	}
	/* The epoch the peer told us (authenticated, in its current epoch) it would switch to. */
	if (is_announced(p, h))
		return HRP_PEER_ACCEPT_NEW_EPOCH;
	/* Without a key nothing can be proven: take the restart at its word. */
	if (!p->keyed)
		return HRP_PEER_ACCEPT_NEW_EPOCH;
	/* With a key: only after a challenge, asked for again once the last one has gone
	 * unanswered for HRP_CHALLENGE_RETRY_MS. */
	if (p->challenge_pending && now_ms - p->challenge_sent_ms < HRP_CHALLENGE_RETRY_MS)
		return HRP_PEER_CHALLENGE_PENDING;
	return HRP_PEER_NEED_CHALLENGE;
}

/* The one place the peer's epoch changes. announced: the epoch the peer announced, so the same
 * process goes on (its incarnation stays); any other change is a new process. */
static void peer_set_epoch(struct hrp_peer *p, const struct hrp_hdr *h, bool mark_below,
			   bool announced)
{
	if (p->known && p->epoch != h->epoch) {
		/* The epoch left joins the ring, in the slot of the one taken back if it was in. */
		unsigned n = p->n_old < HRP_EPOCH_HISTORY ? p->n_old : HRP_EPOCH_HISTORY;
		unsigned i = 0;
		while (i < n && p->old_epochs[i] != h->epoch)
			i++;
		if (i < n) {
			p->old_epochs[i] = p->epoch;
			p->epochs_taken_back++;
		} else {
			p->old_epochs[p->n_old % HRP_EPOCH_HISTORY] = p->epoch;
			p->n_old++;
		}
	}
	p->epoch_announced = announced && p->known;
	if (!p->epoch_announced)
		p->incarnation = h->epoch;
	p->known = true;
	p->sender_id = h->sender_id;
	p->epoch = h->epoch;
	p->has_next_epoch = false;
	p->challenge_pending = false;
	sodium_memzero(p->nonce, sizeof(p->nonce));
	for (int s = 0; s < HRP_STREAM_MAX; s++)
		p->win[s] = (struct hrp_replay_window){ 0 };
	struct hrp_replay_window *w = &p->win[stream_of(h)];
	*w = (struct hrp_replay_window){ .valid = true, .top = h->seq, .bitmap = 1 };
	/* After a challenge, what the peer sent before its response was never accepted and is
	 * stale by now: count it as seen. */
	if (mark_below)
		w->bitmap = UINT64_MAX;
	p->epoch_changes++;
}

enum hrp_peer_verdict hrp_peer_accept(struct hrp_peer *p, const struct hrp_hdr *h, uint64_t now_ms)
{
	enum hrp_peer_verdict v = hrp_peer_check(p, h, now_ms);
	if (v == HRP_PEER_ACCEPT)
		hrp_replay_update(&p->win[stream_of(h)], h->seq);
	else if (v == HRP_PEER_ACCEPT_NEW_EPOCH)
		peer_set_epoch(p, h, false, is_announced(p, h));
	if (v == HRP_PEER_ACCEPT || v == HRP_PEER_ACCEPT_NEW_EPOCH)
		p->current_heard_ms = now_ms;
	return v;
}

void hrp_peer_challenge_start(struct hrp_peer *p, const uint8_t fresh_nonce[HRP_NONCE_LEN],
			      uint64_t now_ms, uint8_t nonce_out[HRP_NONCE_LEN])
{
	if (!p->challenge_pending || now_ms - p->challenge_issued_ms >= HRP_CHALLENGE_LIFETIME_MS) {
		memcpy(p->nonce, fresh_nonce, HRP_NONCE_LEN);
		p->challenge_issued_ms = now_ms;
		p->challenge_pending = true;
	}
	p->challenge_sent_ms = now_ms;
	memcpy(nonce_out, p->nonce, HRP_NONCE_LEN);
}

enum hrp_peer_verdict hrp_peer_challenge_done(struct hrp_peer *p, const struct hrp_hdr *h,
					      const uint8_t nonce[HRP_NONCE_LEN],
					      const uint32_t *data_seq, uint64_t now_ms)
{
	if (!p->challenge_pending || now_ms - p->challenge_issued_ms >= HRP_CHALLENGE_LIFETIME_MS ||
	    sodium_memcmp(nonce, p->nonce, HRP_NONCE_LEN) != 0)
		return HRP_PEER_DROP_BAD_NONCE;
	if (is_current(p, h)) {
		/* We asked needlessly (a stale trigger): nothing to change but the nonce. */
		p->challenge_pending = false;
		sodium_memzero(p->nonce, sizeof(p->nonce));
		p->current_heard_ms = now_ms;
		return HRP_PEER_ACCEPT;
	}
	/* A live key holder answering from an epoch it has left would reuse sequence numbers. */
	if (is_old_epoch(p, h->epoch))
		return HRP_PEER_DROP_OLD_EPOCH;
	peer_set_epoch(p, h, true, false);
	/* The other stream would start empty: its first message, whatever its number, would be
	 * taken, and a recording of this epoch from before our restart with it (audit). */
	if (data_seq && stream_of(h) != HRP_STREAM_DATA)
		p->win[HRP_STREAM_DATA] = (struct hrp_replay_window){ .valid = true,
								      .top = *data_seq - 1,
								      .bitmap = UINT64_MAX };
	p->current_heard_ms = now_ms;
	return HRP_PEER_ACCEPT_NEW_EPOCH;
}

void hrp_peer_expect_epoch(struct hrp_peer *p, uint64_t next_epoch)
{
	if (!p->known || next_epoch == p->epoch || is_old_epoch(p, next_epoch))
		return;
	p->has_next_epoch = true;
	p->next_epoch = next_epoch;
}

void hrp_peer_note_key(struct hrp_peer *p, int slot, uint8_t id)
{
	p->key_slot = slot;
	p->key_id = id;
}
