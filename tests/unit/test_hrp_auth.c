/* HRP auth state: replay window (in order, replay, too old, wrap-around), keyring (ids,
 * rollover choice, verification), peer epochs and the challenge. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hrp_auth.h"

/* ---- replay window ---- */

static enum hrp_drop win_take(struct hrp_replay_window *w, uint32_t seq)
{
	enum hrp_drop d = hrp_replay_check(w, seq);
	if (d == HRP_DROP_NONE)
		hrp_replay_update(w, seq);
	return d;
}

static void test_window_basic(void **state)
{
	struct hrp_replay_window w = { 0 };

	assert_int_equal(win_take(&w, 100), HRP_DROP_NONE); /* first: anything */
	assert_int_equal(win_take(&w, 100), HRP_DROP_REPLAY);
	assert_int_equal(win_take(&w, 101), HRP_DROP_NONE);
	assert_int_equal(win_take(&w, 105), HRP_DROP_NONE);
	/* Out of order inside the window: accepted once. */
	assert_int_equal(win_take(&w, 103), HRP_DROP_NONE);
	assert_int_equal(win_take(&w, 103), HRP_DROP_REPLAY);
	assert_int_equal(win_take(&w, 102), HRP_DROP_NONE);
	assert_int_equal(w.top, 105);
	/* The window's far edge: 63 behind is in, 64 behind is out. */
	assert_int_equal(hrp_replay_check(&w, 105 - 63), HRP_DROP_NONE);
	assert_int_equal(hrp_replay_check(&w, 105 - 64), HRP_DROP_TOO_OLD);
	assert_int_equal(hrp_replay_check(&w, 0), HRP_DROP_TOO_OLD);
	/* A jump wider than the window clears it. */
	assert_int_equal(win_take(&w, 1000), HRP_DROP_NONE);
	assert_int_equal(w.bitmap, 1);
	assert_int_equal(win_take(&w, 999), HRP_DROP_NONE);
	assert_int_equal(win_take(&w, 105), HRP_DROP_TOO_OLD);
	/* Exactly 64 ahead shifts everything out but the new top. */
	assert_int_equal(win_take(&w, 1064), HRP_DROP_NONE);
	assert_int_equal(w.bitmap, 1);
	/* Check does not change anything. */
	struct hrp_replay_window copy = w;
	(void)hrp_replay_check(&w, 2000);
	assert_int_equal(copy.valid, w.valid);
	assert_int_equal(copy.top, w.top);
	assert_int_equal(copy.bitmap, w.bitmap);
}

static void test_window_wrap(void **state)
{
	struct hrp_replay_window w = { 0 };

	assert_int_equal(win_take(&w, 0xfffffffe), HRP_DROP_NONE);
	assert_int_equal(win_take(&w, 0xffffffff), HRP_DROP_NONE);
	assert_int_equal(win_take(&w, 0), HRP_DROP_NONE);
	assert_int_equal(win_take(&w, 1), HRP_DROP_NONE);
	assert_int_equal(w.top, 1);
	assert_int_equal(win_take(&w, 0xffffffff), HRP_DROP_REPLAY);
	assert_int_equal(win_take(&w, 0), HRP_DROP_REPLAY);
	/* Across the wrap, still in the window and never seen. */
	assert_int_equal(win_take(&w, 0xfffffff0), HRP_DROP_NONE);
	/* 65 behind 1, across the wrap. */
	assert_int_equal(win_take(&w, 0xffffffc0), HRP_DROP_TOO_OLD);
	/* Half the space ahead is "behind". */
	assert_int_equal(hrp_replay_check(&w, 0x80000001), HRP_DROP_TOO_OLD);
}

/* ---- keyring ---- */

static void test_keyring(void **state)
{
	struct hrp_keyring kr;
	uint8_t ids[4];

	hrp_keyring_init(&kr);
	assert_true(hrp_keyring_empty(&kr));
	assert_true(hrp_keyring_empty(NULL));
	assert_int_equal(hrp_keyring_tx_slot(&kr, NULL, 0), -ENOKEY);
	assert_int_equal(hrp_keyring_set(&kr, HRP_KEY_CURRENT, 0, "k", 0), -EINVAL);
	static const uint8_t longkey[HRP_KEY_MAX + 1];
	assert_int_equal(hrp_keyring_set(&kr, HRP_KEY_CURRENT, 0, longkey, sizeof(longkey)),
			 -EINVAL);
	assert_int_equal(hrp_keyring_set(&kr, HRP_KEY_SLOTS, 0, "k", 1), -EINVAL);
	assert_int_equal(hrp_keyring_set(&kr, HRP_KEY_CURRENT, 0, longkey, HRP_KEY_MAX), 0);

	/* Derived ids: 1..255, the same on both boxes, different for different keys (these). */
	uint8_t a = hrp_key_id_derive("alpha", 5), b = hrp_key_id_derive("beta", 4);
	assert_int_not_equal(a, 0);
	assert_int_not_equal(b, 0);
	assert_int_equal(a, hrp_key_id_derive("alpha", 5));
	assert_int_not_equal(a, b);
	assert_int_equal(hrp_keyring_set(&kr, HRP_KEY_CURRENT, 0, "alpha", 5), 0);
	assert_int_equal(hrp_keyring_key(&kr, HRP_KEY_CURRENT)->id, a);
	assert_null(hrp_keyring_key(&kr, HRP_KEY_NEXT));
	assert_int_equal(hrp_keyring_ids(&kr, ids, sizeof(ids)), 1);
	assert_int_equal(ids[0], a);

	/* Rollover choice: next only once the peer accepts it. */
	assert_int_equal(hrp_keyring_set(&kr, HRP_KEY_NEXT, 0, "beta", 4), 0);
	assert_int_equal(hrp_keyring_ids(&kr, ids, sizeof(ids)), 2);
	assert_int_equal(ids[1], b);
	assert_int_equal(hrp_keyring_tx_slot(&kr, NULL, 0), HRP_KEY_CURRENT);
	assert_int_equal(hrp_keyring_tx_slot(&kr, &a, 1), HRP_KEY_CURRENT);
	uint8_t both[2] = { a, b };
	assert_int_equal(hrp_keyring_tx_slot(&kr, both, 2), HRP_KEY_NEXT);
	assert_int_equal(hrp_keyring_tx_slot(&kr, &b, 1), HRP_KEY_NEXT);
	hrp_keyring_unset(&kr, HRP_KEY_CURRENT);
	assert_int_equal(hrp_keyring_tx_slot(&kr, NULL, 0), HRP_KEY_NEXT);
	hrp_keyring_wipe(&kr);
	assert_true(hrp_keyring_empty(&kr));
}

static size_t signed_msg(uint8_t *buf, size_t cap, const struct hrp_key *key)
{
	struct hrp_builder bld;
	struct hrp_tx tx;
	size_t len = 0;
	hrp_tx_init(&tx, 2, 3, 4);
	hrp_msg_begin(&bld, buf, cap, 1, 0);
	hrp_tlv_put_u32(&bld, 3, 5);
	assert_int_equal(hrp_msg_end(&bld, &tx, HRP_STREAM_HEARTBEAT, key, &len), 0);
	return len;
}

static int verify(const struct hrp_keyring *kr, const uint8_t *buf, size_t len, int *slot,
		  enum hrp_drop *why)
{
	struct hrp_msg m;
	assert_int_equal(hrp_msg_split(buf, len, &m, why), 0);
	*slot = 99;
	*why = HRP_DROP_NONE;
	return hrp_keyring_verify(kr, &m, slot, why);
}

static void test_keyring_verify(void **state)
{
	struct hrp_keyring none, cur, both, other;
	uint8_t plain[128], s1[128], s2[128];
	int slot;
	enum hrp_drop why;

	hrp_keyring_init(&none);
	hrp_keyring_init(&cur);
	hrp_keyring_init(&both);
	hrp_keyring_init(&other);
	hrp_keyring_set(&cur, HRP_KEY_CURRENT, 1, "k1", 2);
	hrp_keyring_set(&both, HRP_KEY_CURRENT, 1, "k1", 2);
	hrp_keyring_set(&both, HRP_KEY_NEXT, 2, "k2", 2);
	hrp_keyring_set(&other, HRP_KEY_CURRENT, 3, "k3", 2);

	size_t lp = signed_msg(plain, sizeof(plain), NULL);
	size_t l1 = signed_msg(s1, sizeof(s1), hrp_keyring_key(&both, HRP_KEY_CURRENT));
	size_t l2 = signed_msg(s2, sizeof(s2), hrp_keyring_key(&both, HRP_KEY_NEXT));

	assert_int_equal(verify(&none, plain, lp, &slot, &why), 0);
	assert_int_equal(slot, HRP_KEY_NONE);
	assert_int_equal(verify(NULL, plain, lp, &slot, &why), 0);
	assert_int_equal(verify(&cur, plain, lp, &slot, &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_AUTH_MISSING);
	assert_int_equal(verify(&none, s1, l1, &slot, &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_AUTH_UNEXPECTED);

	assert_int_equal(verify(&cur, s1, l1, &slot, &why), 0);
	assert_int_equal(slot, HRP_KEY_CURRENT);
	/* Signed with the next key: accepted by a box that has it as next... */
	assert_int_equal(verify(&both, s2, l2, &slot, &why), 0);
	assert_int_equal(slot, HRP_KEY_NEXT);
	/* ... and refused by one that does not know key id 2. */
	assert_int_equal(verify(&cur, s2, l2, &slot, &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_AUTH_UNKNOWN_KEY);
	assert_int_equal(verify(&other, s1, l1, &slot, &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_AUTH_UNKNOWN_KEY);

	/* Right id, wrong key bytes. */
	struct hrp_keyring wrong;
	hrp_keyring_init(&wrong);
	hrp_keyring_set(&wrong, HRP_KEY_CURRENT, 1, "kX", 2);
	assert_int_equal(verify(&wrong, s1, l1, &slot, &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_AUTH_BAD);
	/* Two keys with one id (a derived-id collision): both are tried. */
	hrp_keyring_set(&wrong, HRP_KEY_NEXT, 1, "k1", 2);
	assert_int_equal(verify(&wrong, s1, l1, &slot, &why), 0);
	assert_int_equal(slot, HRP_KEY_NEXT);
	/* A flipped MAC bit. */
	s1[l1 - 1] ^= 1;
	assert_int_equal(verify(&cur, s1, l1, &slot, &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_AUTH_BAD);
}

/* ---- peer ---- */

static struct hrp_hdr hdr(uint32_t sender, uint64_t epoch, uint32_t seq, bool data)
{
	return (struct hrp_hdr){ .sender_id = sender,
				 .epoch = epoch,
				 .seq = seq,
				 .flags = data ? HRP_F_DATA_STREAM : 0 };
}

#define HDR(s_, e_, q_, d_)                                                                        \
	(&(struct hrp_hdr){ .sender_id = (s_),                                                     \
			    .epoch = (e_),                                                         \
			    .seq = (q_),                                                           \
			    .flags = (d_) ? HRP_F_DATA_STREAM : 0 })

static void test_peer_no_key(void **state)
{
	struct hrp_peer p;
	hrp_peer_init(&p, false);
	struct hrp_hdr h = hdr(7, 0xe1, 10, false);

	/* First contact and restarts are taken at their word without a key. */
	assert_int_equal(hrp_peer_accept(&p, &h, 0), HRP_PEER_ACCEPT_NEW_EPOCH);
	assert_true(p.known);
	assert_int_equal(hrp_peer_accept(&p, &h, 0), HRP_PEER_DROP_REPLAY);
	h.seq = 11;
	assert_int_equal(hrp_peer_accept(&p, &h, 0), HRP_PEER_ACCEPT);
	h.seq = 11 - 64;
	assert_int_equal(hrp_peer_accept(&p, &h, 0), HRP_PEER_DROP_TOO_OLD);

	struct hrp_hdr h2 = hdr(7, 0xe2, 0, false);
	assert_int_equal(hrp_peer_accept(&p, &h2, 0), HRP_PEER_ACCEPT_NEW_EPOCH);
	assert_int_equal(p.epoch_changes, 2);
	/* The epoch it left: dropped, whatever the sequence number. */
	h.seq = 500;
	assert_int_equal(hrp_peer_accept(&p, &h, 0), HRP_PEER_DROP_OLD_EPOCH);
	/* Windows start fresh in the new epoch. */
	h2.seq = 1;
	assert_int_equal(hrp_peer_accept(&p, &h2, 0), HRP_PEER_ACCEPT);
}

static void test_peer_streams(void **state)
{
	struct hrp_peer p;
	hrp_peer_init(&p, false);
	struct hrp_hdr hb = hdr(7, 1, 10, false);
	assert_int_equal(hrp_peer_accept(&p, &hb, 0), HRP_PEER_ACCEPT_NEW_EPOCH);
	/* A burst of bulk data does not push hellos out of their window. */
	for (uint32_t s = 0; s < 500; s++) {
		struct hrp_hdr d = hdr(7, 1, s, true);
		assert_int_equal(hrp_peer_accept(&p, &d, 0), HRP_PEER_ACCEPT);
	}
	hb.seq = 11;
	assert_int_equal(hrp_peer_accept(&p, &hb, 0), HRP_PEER_ACCEPT);
	/* Each stream numbers on its own: heartbeat 10 did not make data 10 a replay (above),
	 * and data 499 does not make heartbeat 499 one. */
	struct hrp_hdr h499 = hdr(7, 1, 499, false);
	assert_int_equal(hrp_peer_check(&p, &h499, 0), HRP_PEER_ACCEPT);
	struct hrp_hdr d = hdr(7, 1, 499, true);
	assert_int_equal(hrp_peer_check(&p, &d, 0), HRP_PEER_DROP_REPLAY);
}

static const uint8_t nonce_a[HRP_NONCE_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
static const uint8_t nonce_b[HRP_NONCE_LEN] = { 0xbb };

/* Without a key, an epoch left on the word of a late message is taken back. Seen in the lab: both
 * boxes' hrpds restarted; hellos of fw1's stopped one, held ~1 s in the kernel's neighbour queue,
 * reached fw2 after the new one had been heard. fw2 took them for a restart, refused the live
 * epoch as one it had left, and the pair stayed dual-active for good. */
static void test_peer_no_key_late_epoch(void **state)
{
	struct hrp_peer p;
	hrp_peer_init(&p, false);
	p.epoch_takeback_ms = hrp_peer_takeback_ms(100, 100);
	assert_int_equal(p.epoch_takeback_ms, 200);
	assert_int_equal(hrp_peer_takeback_ms(100, 1000), 2000);
	assert_int_equal(hrp_peer_takeback_ms(UINT32_MAX, 0), UINT32_MAX);

	/* The live process (0xb) speaks every 100 ms; the stopped one's (0xa) burst is taken at
	 * its word as a restart, as before. */
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xb, 1, false), 0), HRP_PEER_ACCEPT_NEW_EPOCH);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xb, 2, false), 100), HRP_PEER_ACCEPT);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xa, 900, false), 150),
			 HRP_PEER_ACCEPT_NEW_EPOCH);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xa, 901, false), 151), HRP_PEER_ACCEPT);
	/* The live epoch, now one left, is refused while the burst's speaks... */
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xb, 3, false), 200), HRP_PEER_DROP_OLD_EPOCH);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xb, 4, false), 350), HRP_PEER_DROP_OLD_EPOCH);
	/* ...and taken back once it has been quiet for two hellos, in the same ring slot. */
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xb, 5, false), 351),
			 HRP_PEER_ACCEPT_NEW_EPOCH);
	assert_int_equal(p.epoch, 0xb);
	assert_int_equal(p.epoch_changes, 3);
	assert_int_equal(p.epochs_taken_back, 1);
	assert_int_equal(p.n_old, 1);
	assert_int_equal(p.old_epochs[0], 0xa);
	/* Not an announced change: what was sent to 0xa's process is sent again. */
	assert_false(p.epoch_announced);
	assert_int_equal(p.incarnation, 0xb);
	/* The window starts fresh: the live process goes on. */
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xb, 6, false), 451), HRP_PEER_ACCEPT);
	/* A time from before the last message heard (a loop's cached clock) is no quiet. */
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xa, 903, false), 300),
			 HRP_PEER_DROP_OLD_EPOCH);
	/* A late message of 0xa while 0xb speaks: dropped, no new flap. */
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xa, 902, false), 500),
			 HRP_PEER_DROP_OLD_EPOCH);
	/* A real restart (0xc) is still taken at once. */
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xc, 1, false), 520),
			 HRP_PEER_ACCEPT_NEW_EPOCH);
	assert_int_equal(p.n_old, 2);

	/* Without a quiet time set (0), an epoch left stays refused. */
	hrp_peer_init(&p, false);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xb, 1, false), 0), HRP_PEER_ACCEPT_NEW_EPOCH);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xa, 1, false), 1), HRP_PEER_ACCEPT_NEW_EPOCH);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xb, 2, false), 99999),
			 HRP_PEER_DROP_OLD_EPOCH);
}

/* With a key the challenge proves a restart: an epoch left stays refused, quiet or not. */
static void test_peer_key_old_epoch_stays_refused(void **state)
{
	struct hrp_peer p;
	uint8_t out[HRP_NONCE_LEN];
	hrp_peer_init(&p, true);
	p.epoch_takeback_ms = 200;
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xa, 1, false), 0), HRP_PEER_NEED_CHALLENGE);
	hrp_peer_challenge_start(&p, nonce_a, 0, out);
	assert_int_equal(hrp_peer_challenge_done(&p, HDR(7, 0xa, 2, false), nonce_a, NULL, 10),
			 HRP_PEER_ACCEPT_NEW_EPOCH);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xb, 1, false), 2000), HRP_PEER_NEED_CHALLENGE);
	hrp_peer_challenge_start(&p, nonce_b, 2000, out);
	assert_int_equal(hrp_peer_challenge_done(&p, HDR(7, 0xb, 2, false), nonce_b, NULL, 2010),
			 HRP_PEER_ACCEPT_NEW_EPOCH);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xa, 3, false), 9000), HRP_PEER_DROP_OLD_EPOCH);
}

static void test_peer_challenge(void **state)
{
	struct hrp_peer p;
	uint8_t out[HRP_NONCE_LEN];
	hrp_peer_init(&p, true);

	/* First contact with a key: prove it. */
	struct hrp_hdr h = hdr(7, 0xe1, 10, false);
	assert_int_equal(hrp_peer_accept(&p, &h, 1000), HRP_PEER_NEED_CHALLENGE);
	assert_false(p.known);
	hrp_peer_challenge_start(&p, nonce_a, 1000, out);
	assert_memory_equal(out, nonce_a, HRP_NONCE_LEN);
	h.seq = 11;
	assert_int_equal(hrp_peer_accept(&p, &h, 1500), HRP_PEER_CHALLENGE_PENDING);
	/* Unanswered for a retry interval: ask again, with the same nonce while it is fresh. */
	assert_int_equal(hrp_peer_accept(&p, &h, 2000), HRP_PEER_NEED_CHALLENGE);
	hrp_peer_challenge_start(&p, nonce_b, 2000, out);
	assert_memory_equal(out, nonce_a, HRP_NONCE_LEN);

	/* A wrong nonce, then the right one. */
	struct hrp_hdr resp = hdr(7, 0xe1, 12, false);
	assert_int_equal(hrp_peer_challenge_done(&p, &resp, nonce_b, NULL, 2100),
			 HRP_PEER_DROP_BAD_NONCE);
	assert_int_equal(hrp_peer_challenge_done(&p, &resp, nonce_a, NULL, 2100),
			 HRP_PEER_ACCEPT_NEW_EPOCH);
	assert_true(p.known);
	assert_int_equal(p.epoch, 0xe1);
	assert_false(p.challenge_pending);
	/* Good once. */
	assert_int_equal(hrp_peer_challenge_done(&p, &resp, nonce_a, NULL, 2100),
			 HRP_PEER_DROP_BAD_NONCE);
	/* What the peer sent before its response counts as seen; after it, new. */
	h.seq = 11;
	assert_int_equal(hrp_peer_accept(&p, &h, 2200), HRP_PEER_DROP_REPLAY);
	h.seq = 13;
	assert_int_equal(hrp_peer_accept(&p, &h, 2200), HRP_PEER_ACCEPT);

	/* The peer restarts: a new epoch needs a new challenge; a replay from the old one is
	 * dropped as such, never challenged. */
	struct hrp_hdr n = hdr(7, 0xe2, 0, false);
	assert_int_equal(hrp_peer_accept(&p, &n, 3000), HRP_PEER_NEED_CHALLENGE);
	assert_int_equal(p.epoch, 0xe1);
	hrp_peer_challenge_start(&p, nonce_b, 3000, out);
	assert_memory_equal(out, nonce_b, HRP_NONCE_LEN); /* the last one was used */
	struct hrp_hdr nr = hdr(7, 0xe2, 1, false);
	assert_int_equal(hrp_peer_challenge_done(&p, &nr, nonce_b, NULL, 3050),
			 HRP_PEER_ACCEPT_NEW_EPOCH);
	h.seq = 14;
	assert_int_equal(hrp_peer_accept(&p, &h, 3100), HRP_PEER_DROP_OLD_EPOCH);

	/* A response from an old epoch is refused even with the right nonce. */
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe3, 0, false), 4000),
			 HRP_PEER_NEED_CHALLENGE);
	hrp_peer_challenge_start(&p, nonce_a, 4000, out);
	assert_int_equal(hrp_peer_challenge_done(&p, HDR(7, 0xe1, 99, false), nonce_a, NULL, 4001),
			 HRP_PEER_DROP_OLD_EPOCH);
	/* An expired nonce is refused; a new challenge takes a fresh one. */
	assert_int_equal(hrp_peer_challenge_done(&p, HDR(7, 0xe3, 1, false), nonce_a, NULL,
						 4000 + HRP_CHALLENGE_LIFETIME_MS),
			 HRP_PEER_DROP_BAD_NONCE);
	hrp_peer_challenge_start(&p, nonce_b, 4000 + HRP_CHALLENGE_LIFETIME_MS, out);
	assert_memory_equal(out, nonce_b, HRP_NONCE_LEN);
	/* A response in the current epoch (a needless challenge) changes nothing but the nonce. */
	assert_int_equal(hrp_peer_challenge_done(&p, HDR(7, 0xe2, 5, false), nonce_b, NULL,
						 4000 + HRP_CHALLENGE_LIFETIME_MS),
			 HRP_PEER_ACCEPT);
	assert_int_equal(p.epoch, 0xe2);
	assert_false(p.challenge_pending);
}

/* Proves epoch 0xe1 of sender 7 on a fresh peer with a heartbeat response of seq 10 carrying
 * data_seq (NULL: none, an older peer). */
static void prove_with(struct hrp_peer *p, const uint32_t *data_seq)
{
	uint8_t out[HRP_NONCE_LEN];
	hrp_peer_init(p, true);
	assert_int_equal(hrp_peer_accept(p, HDR(7, 0xe1, 9, false), 0), HRP_PEER_NEED_CHALLENGE);
	hrp_peer_challenge_start(p, nonce_a, 0, out);
	assert_int_equal(hrp_peer_challenge_done(p, HDR(7, 0xe1, 10, false), nonce_a, data_seq, 5),
			 HRP_PEER_ACCEPT_NEW_EPOCH);
}

/* TLV data-stream-seq: the data window starts closed below it, across the wrap as elsewhere; the
 * heartbeat window is the response's as before. */
static void test_peer_challenge_data_seq(void **state)
{
	struct hrp_peer p;
	uint32_t seq = 500;

	prove_with(&p, &seq);
	assert_true(p.win[HRP_STREAM_DATA].valid);
	assert_int_equal(p.win[HRP_STREAM_DATA].top, 499);
	assert_int_equal(p.win[HRP_STREAM_DATA].bitmap, UINT64_MAX);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 499, true), 6), HRP_PEER_DROP_REPLAY);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 499 - 63, true), 6),
			 HRP_PEER_DROP_REPLAY);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 499 - 64, true), 6),
			 HRP_PEER_DROP_TOO_OLD);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 500, true), 6), HRP_PEER_ACCEPT);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 500, true), 6), HRP_PEER_DROP_REPLAY);
	/* The heartbeat stream: up to the response's 10 seen, as without the TLV. */
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 10, false), 6), HRP_PEER_DROP_REPLAY);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 11, false), 6), HRP_PEER_ACCEPT);

	/* 0: the top is 0xffffffff, and 0 comes after it. */
	seq = 0;
	prove_with(&p, &seq);
	assert_int_equal(p.win[HRP_STREAM_DATA].top, 0xffffffffu);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 0xffffffff, true), 6),
			 HRP_PEER_DROP_REPLAY);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 0xffffffc0, true), 6),
			 HRP_PEER_DROP_REPLAY);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 0xffffffbf, true), 6),
			 HRP_PEER_DROP_TOO_OLD);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 1, true), 6), HRP_PEER_ACCEPT);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 0, true), 6), HRP_PEER_ACCEPT);
	/* 1: only 0 below it in the window's reach after the wrap. */
	seq = 1;
	prove_with(&p, &seq);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 0, true), 6), HRP_PEER_DROP_REPLAY);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 0xfffffff0, true), 6),
			 HRP_PEER_DROP_REPLAY);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 1, true), 6), HRP_PEER_ACCEPT);
	/* Half the space away: behind, too old. */
	seq = 0x80000000u;
	prove_with(&p, &seq);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 0, true), 6), HRP_PEER_DROP_TOO_OLD);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 0x80000000u, true), 6), HRP_PEER_ACCEPT);
}

/* Where the TLV changes nothing: absent (an older peer: the data window starts empty, as
 * before), a response that came on the data stream itself, a needless challenge in the current
 * epoch, a refused response. */
static void test_peer_challenge_data_seq_ignored(void **state)
{
	struct hrp_peer p;
	uint8_t out[HRP_NONCE_LEN];
	uint32_t seq = 500;

	prove_with(&p, NULL);
	assert_false(p.win[HRP_STREAM_DATA].valid);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 3, true), 6), HRP_PEER_ACCEPT);

	/* On the data stream: its own number marks the data window; the TLV is not read. */
	hrp_peer_init(&p, true);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 9, true), 0), HRP_PEER_NEED_CHALLENGE);
	hrp_peer_challenge_start(&p, nonce_a, 0, out);
	assert_int_equal(hrp_peer_challenge_done(&p, HDR(7, 0xe1, 20, true), nonce_a, &seq, 5),
			 HRP_PEER_ACCEPT_NEW_EPOCH);
	assert_int_equal(p.win[HRP_STREAM_DATA].top, 20);
	assert_false(p.win[HRP_STREAM_HEARTBEAT].valid);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 21, true), 6), HRP_PEER_ACCEPT);

	/* Needless (the epoch is current): the windows stay as they are. */
	prove_with(&p, NULL);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 3, true), 6), HRP_PEER_ACCEPT);
	hrp_peer_challenge_start(&p, nonce_b, 7, out);
	assert_int_equal(hrp_peer_challenge_done(&p, HDR(7, 0xe1, 11, false), nonce_b, &seq, 8),
			 HRP_PEER_ACCEPT);
	assert_int_equal(p.win[HRP_STREAM_DATA].top, 3);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe1, 4, true), 9), HRP_PEER_ACCEPT);

	/* Refused (an old epoch): nothing changes. */
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe2, 1, false), 10), HRP_PEER_NEED_CHALLENGE);
	hrp_peer_challenge_start(&p, nonce_a, 10, out);
	assert_int_equal(hrp_peer_challenge_done(&p, HDR(7, 0xe2, 2, false), nonce_a, NULL, 11),
			 HRP_PEER_ACCEPT_NEW_EPOCH);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 0xe3, 1, false), 20), HRP_PEER_NEED_CHALLENGE);
	hrp_peer_challenge_start(&p, nonce_b, 20, out);
	struct hrp_replay_window before = p.win[HRP_STREAM_DATA];
	assert_int_equal(hrp_peer_challenge_done(&p, HDR(7, 0xe1, 99, false), nonce_b, &seq, 21),
			 HRP_PEER_DROP_OLD_EPOCH);
	assert_int_equal(p.win[HRP_STREAM_DATA].valid, before.valid);
	assert_int_equal(p.epoch, 0xe2);
}

static void test_peer_sender_change(void **state)
{
	struct hrp_peer p;
	hrp_peer_init(&p, true);
	uint8_t out[HRP_NONCE_LEN];
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 1, 0, false), 0), HRP_PEER_NEED_CHALLENGE);
	hrp_peer_challenge_start(&p, nonce_a, 0, out);
	assert_int_equal(hrp_peer_challenge_done(&p, HDR(7, 1, 1, false), nonce_a, NULL, 0),
			 HRP_PEER_ACCEPT_NEW_EPOCH);
	/* Same epoch, another sender id: not the peer we proved. */
	assert_int_equal(hrp_peer_accept(&p, HDR(8, 1, 2, false), 0), HRP_PEER_NEED_CHALLENGE);
}

static void test_peer_next_epoch(void **state)
{
	struct hrp_peer p;
	uint8_t out[HRP_NONCE_LEN];
	hrp_peer_init(&p, true);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 1, 0, false), 0), HRP_PEER_NEED_CHALLENGE);
	hrp_peer_challenge_start(&p, nonce_a, 0, out);
	assert_int_equal(hrp_peer_challenge_done(&p, HDR(7, 1, 1, false), nonce_a, NULL, 0),
			 HRP_PEER_ACCEPT_NEW_EPOCH);

	/* Announced: taken without a challenge, on either stream. */
	hrp_peer_expect_epoch(&p, 2);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 2, 0, true), 0), HRP_PEER_ACCEPT_NEW_EPOCH);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 2, 0, false), 0), HRP_PEER_ACCEPT);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 2, 0, true), 0), HRP_PEER_DROP_REPLAY);
	/* Not announced: challenged. An old epoch cannot be announced. */
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 3, 0, false), 0), HRP_PEER_NEED_CHALLENGE);
	hrp_peer_expect_epoch(&p, 1);
	assert_false(p.has_next_epoch);
	assert_int_equal(hrp_peer_accept(&p, HDR(7, 1, 50, false), 0), HRP_PEER_DROP_OLD_EPOCH);
}

static void test_peer_names(void **state)
{
	assert_string_equal(hrp_peer_verdict_name(HRP_PEER_NEED_CHALLENGE), "need-challenge");
	assert_string_equal(hrp_peer_verdict_name(HRP_PEER_VERDICT_MAX), "invalid");
	for (int v = 0; v < HRP_PEER_VERDICT_MAX; v++)
		assert_string_not_equal(hrp_peer_verdict_name(v), "invalid");
	assert_int_equal(hrp_peer_verdict_drop(HRP_PEER_ACCEPT), HRP_DROP_NONE);
	assert_int_equal(hrp_peer_verdict_drop(HRP_PEER_DROP_REPLAY), HRP_DROP_REPLAY);
	assert_int_equal(hrp_peer_verdict_drop(HRP_PEER_CHALLENGE_PENDING), HRP_DROP_UNKNOWN_EPOCH);
	assert_int_equal(hrp_peer_verdict_drop(HRP_PEER_DROP_BAD_NONCE), HRP_DROP_BAD_NONCE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_basic),
		cmocka_unit_test(test_window_wrap),
		cmocka_unit_test(test_keyring),
		cmocka_unit_test(test_keyring_verify),
		cmocka_unit_test(test_peer_no_key),
		cmocka_unit_test(test_peer_no_key_late_epoch),
		cmocka_unit_test(test_peer_key_old_epoch_stays_refused),
		cmocka_unit_test(test_peer_streams),
		cmocka_unit_test(test_peer_challenge),
		cmocka_unit_test(test_peer_challenge_data_seq),
		cmocka_unit_test(test_peer_challenge_data_seq_ignored),
		cmocka_unit_test(test_peer_sender_change),
		cmocka_unit_test(test_peer_next_epoch),
		cmocka_unit_test(test_peer_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
