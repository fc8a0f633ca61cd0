/* HRP's peer state through the receive pipeline: replay window, epoch change with and without
 * a key (challenge and response), a restarted box, key rollover, sequence wrap, the announced
 * next epoch (told apart from a restart), the registry exchange. Messages, goldens and drops
 * are in test_hrp_msg.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hrp_box.h"
#include "version.h"

static void test_replay_and_epoch_no_key(void **state)
{
	struct box fw1, fw2;
	struct hrp_rx_result res;
	uint8_t m1[256], m2[256], m3[256];

	box_init(&fw1, ID_FW1, 0xe1, 0);
	box_init(&fw2, ID_FW2, 0xe2, 0);
	size_t n1 = box_hello(&fw1, m1, sizeof(m1), 45000);
	size_t n2 = box_hello(&fw1, m2, sizeof(m2), 45000);

	assert_int_equal(box_rx(&fw2, m1, n1, 0, &res), HRP_RX_ACCEPT);
	assert_true(res.new_epoch);
	assert_int_equal(box_rx(&fw2, m1, n1, 0, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_REPLAY);
	assert_int_equal(box_rx(&fw2, m2, n2, 0, &res), HRP_RX_ACCEPT);
	assert_false(res.new_epoch);

	/* Too old: 64 hellos later. */
	for (int i = 0; i < 64; i++) {
		size_t n = box_hello(&fw1, m3, sizeof(m3), 45000);
		assert_int_equal(box_rx(&fw2, m3, n, 0, &res), HRP_RX_ACCEPT);
	}
	assert_int_equal(box_rx(&fw2, m2, n2, 0, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_TOO_OLD);

	/* fw1 restarts: without a key the new epoch is taken at once. */
	box_init(&fw1, ID_FW1, 0xe3, 0);
	size_t n3 = box_hello(&fw1, m3, sizeof(m3), 44998);
	assert_int_equal(box_rx(&fw2, m3, n3, 0, &res), HRP_RX_ACCEPT);
	assert_true(res.new_epoch);
	assert_int_equal(res.peer_verdict, HRP_PEER_ACCEPT_NEW_EPOCH);
	/* A late message from before the restart is dropped. */
	assert_int_equal(box_rx(&fw2, m1, n1, 0, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_OLD_EPOCH);
	assert_int_equal(fw2.c.new_epochs, 2);
	assert_int_equal(fw2.c.drop[HRP_DROP_REPLAY], 1);
	assert_int_equal(fw2.c.drop[HRP_DROP_TOO_OLD], 1);
	assert_int_equal(fw2.c.drop[HRP_DROP_OLD_EPOCH], 1);
}

static void test_restart_with_challenge(void **state)
{
	struct box fw1, fw2;
	struct hrp_rx_result res;
	uint8_t old_hello[256], early[256], m[256], ch[256], resp[256];
	uint8_t nonce[HRP_NONCE_LEN], fresh[HRP_NONCE_LEN] = { 0x42 };

	box_init(&fw1, ID_FW1, 0xe1, 0);
	box_key(&fw1, HRP_KEY_CURRENT, 1, "k1");
	box_init(&fw2, ID_FW2, 0xe2, 0);
	box_key(&fw2, HRP_KEY_CURRENT, 1, "k1");

	/* Link-up: each proves the other. */
	size_t n = box_hello(&fw1, m, sizeof(m), 45000);
	assert_int_equal(box_rx(&fw2, m, n, 0, &res), HRP_RX_NEED_CHALLENGE);
	prove(&fw2, &fw1, 0);
	size_t n_old = box_hello(&fw1, old_hello, sizeof(old_hello), 45000);
	assert_int_equal(box_rx(&fw2, old_hello, n_old, 10, &res), HRP_RX_ACCEPT);
	assert_int_equal(fw2.c.challenges, 1);

	/* fw1 restarts with a new epoch. Its first hellos wait for the challenge. */
	box_init(&fw1, ID_FW1, 0xe3, 0);
	box_key(&fw1, HRP_KEY_CURRENT, 1, "k1");
	size_t n_early = box_hello(&fw1, early, sizeof(early), 45000);
	assert_int_equal(box_rx(&fw2, early, n_early, 1000, &res), HRP_RX_NEED_CHALLENGE);
	assert_int_equal(res.drop, HRP_DROP_UNKNOWN_EPOCH);
	hrp_peer_challenge_start(&fw2.peer, fresh, 1000, nonce);
	size_t nch = box_challenge(&fw2, HRP_MSG_CHALLENGE, nonce, ch, sizeof(ch));
	n = box_hello(&fw1, m, sizeof(m), 45000);
	assert_int_equal(box_rx(&fw2, m, n, 1100, &res), HRP_RX_DROP); /* challenge out */
	assert_int_equal(res.peer_verdict, HRP_PEER_CHALLENGE_PENDING);

	/* fw1 does not know fw2's epoch either (it restarted), but answers challenges anyway. */
	assert_int_equal(box_rx(&fw1, ch, nch, 1200, &res), HRP_RX_ACCEPT);
	uint8_t echo[HRP_NONCE_LEN];
	assert_int_equal(hrp_challenge_get(res.msg.body, res.msg.body_len, echo), 0);
	size_t nresp = box_challenge(&fw1, HRP_MSG_CHALLENGE_RESPONSE, echo, resp, sizeof(resp));
	assert_int_equal(box_rx(&fw2, resp, nresp, 1300, &res), HRP_RX_ACCEPT);
	assert_true(res.new_epoch);
	assert_int_equal(fw2.peer.epoch, 0xe3);

	/* From now on fw1's hellos pass; nothing replayed does. */
	n = box_hello(&fw1, m, sizeof(m), 45000);
	assert_int_equal(box_rx(&fw2, m, n, 1400, &res), HRP_RX_ACCEPT);
	assert_int_equal(box_rx(&fw2, m, n, 1400, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_REPLAY);
	assert_int_equal(box_rx(&fw2, early, n_early, 1400, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_REPLAY);
	assert_int_equal(box_rx(&fw2, old_hello, n_old, 1400, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_OLD_EPOCH);
	assert_int_equal(box_rx(&fw2, resp, nresp, 1400, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_BAD_NONCE);
	assert_int_equal(fw2.c.new_epochs, 2);
}

static void test_replay_to_restarted_box(void **state)
{
	struct box fw1, fw2;
	struct hrp_rx_result res;
	uint8_t rec[256], ch[256], resp_rec[256], nonce[HRP_NONCE_LEN];
	const uint8_t f1[HRP_NONCE_LEN] = { 1 }, f2[HRP_NONCE_LEN] = { 2 };

	box_init(&fw1, ID_FW1, 0xe1, 0);
	box_key(&fw1, HRP_KEY_CURRENT, 1, "k1");
	box_init(&fw2, ID_FW2, 0xe2, 0);
	box_key(&fw2, HRP_KEY_CURRENT, 1, "k1");
	/* An attacker records a hello and a challenge-response of fw1. */
	size_t n_rec = box_hello(&fw1, rec, sizeof(rec), 45000);
	hrp_peer_challenge_start(&fw2.peer, f1, 0, nonce);
	size_t n_resp =
		box_challenge(&fw1, HRP_MSG_CHALLENGE_RESPONSE, nonce, resp_rec, sizeof(resp_rec));
	assert_int_equal(box_rx(&fw2, resp_rec, n_resp, 0, &res), HRP_RX_ACCEPT);

	/* fw2 restarts (state lost); fw1 is gone. The recordings never get in. */
	box_init(&fw2, ID_FW2, 0xe4, 0);
	box_key(&fw2, HRP_KEY_CURRENT, 1, "k1");
	for (uint64_t t = 0; t < 5000; t += 500) {
		enum hrp_rx_verdict v = box_rx(&fw2, rec, n_rec, t, &res);
		assert_true(v == HRP_RX_NEED_CHALLENGE || v == HRP_RX_DROP);
		if (v == HRP_RX_NEED_CHALLENGE) {
			hrp_peer_challenge_start(&fw2.peer, f2, t, nonce);
			(void)box_challenge(&fw2, HRP_MSG_CHALLENGE, nonce, ch, sizeof(ch));
		}
		assert_int_equal(box_rx(&fw2, resp_rec, n_resp, t, &res), HRP_RX_DROP);
		assert_int_equal(res.drop, HRP_DROP_BAD_NONCE);
	}
	assert_false(fw2.peer.known);
	assert_int_equal(fw2.c.accepted, 0);
	assert_int_equal(fw2.c.challenges, 5); /* asked again every HRP_CHALLENGE_RETRY_MS */
}

/* fw2 restarts (state lost) while fw1 goes on in its epoch: fw1's next hello is challenged and
 * fw1 answers, with TLV data-stream-seq unless data_seq is NULL (an older hrpd). Returns the TLVs
 * fw2 skipped in the response. */
static unsigned restart_and_prove(struct box *fw2, struct box *fw1, const uint32_t *data_seq,
				  uint64_t now)
{
	struct hrp_rx_result res;
	uint8_t m[256], ch[256], resp[256], nonce[HRP_NONCE_LEN], echo[HRP_NONCE_LEN];
	const uint8_t fresh[HRP_NONCE_LEN] = { 0x77 };

	box_init(fw2, ID_FW2, 0xe9, 0);
	box_key(fw2, HRP_KEY_CURRENT, 1, "k1");
	size_t n = box_hello(fw1, m, sizeof(m), 45000);
	assert_int_equal(box_rx(fw2, m, n, now, &res), HRP_RX_NEED_CHALLENGE);
	hrp_peer_challenge_start(&fw2->peer, fresh, now, nonce);
	n = box_challenge(fw2, HRP_MSG_CHALLENGE, nonce, ch, sizeof(ch));
	assert_int_equal(box_rx(fw1, ch, n, now, &res), HRP_RX_ACCEPT);
	assert_int_equal(hrp_challenge_get(res.msg.body, res.msg.body_len, echo), 0);
	n = box_response(fw1, echo, data_seq, resp, sizeof(resp));
	assert_int_equal(box_rx(fw2, resp, n, now, &res), HRP_RX_ACCEPT);
	assert_true(res.new_epoch);
	return res.unknown_tlvs;
}

/* fw1 and fw2 with the same key; fw2 has proven fw1 (a challenge answered). */
static void keyed_pair_proven(struct box *fw1, struct box *fw2)
{
	struct hrp_rx_result res;
	uint8_t m[256];

	box_init(fw1, ID_FW1, 0xe1, 0);
	box_key(fw1, HRP_KEY_CURRENT, 1, "k1");
	box_init(fw2, ID_FW2, 0xe2, 0);
	box_key(fw2, HRP_KEY_CURRENT, 1, "k1");
	size_t n = box_hello(fw1, m, sizeof(m), 45000);
	assert_int_equal(box_rx(fw2, m, n, 0, &res), HRP_RX_NEED_CHALLENGE);
	prove(fw2, fw1, 0);
}

/* A data record of fw1's current epoch recorded before fw2's restart is not taken by the
 * restarted fw2: fw1's challenge-response says where its data stream stands (audit: the data
 * window started empty, so the first recording played back was taken). */
static void test_restart_data_replay(void **state)
{
	struct box fw1, fw2;
	struct hrp_rx_result res;
	uint8_t m[256], rec[256], far[256], held[256];
	size_t n;

	keyed_pair_proven(&fw1, &fw2);
	/* fw1's data records reach fw2; an attacker records two, 70 apart. */
	size_t n_far = box_data(&fw1, 1, far, sizeof(far));
	assert_int_equal(box_rx(&fw2, far, n_far, 10, &res), HRP_RX_ACCEPT);
	for (uint32_t i = 0; i < 69; i++) {
		n = box_data(&fw1, 2 + i, m, sizeof(m));
		assert_int_equal(box_rx(&fw2, m, n, 10, &res), HRP_RX_ACCEPT);
	}
	size_t n_rec = box_data(&fw1, 71, rec, sizeof(rec));
	assert_int_equal(box_rx(&fw2, rec, n_rec, 10, &res), HRP_RX_ACCEPT);

	/* fw2 restarts; fw1 sends a record on its new connection before it is asked (fw2 holds
	 * that connection unread), and answers with the first number it sent there. */
	uint32_t first = fw1.tx.seq[HRP_STREAM_DATA];
	size_t n_held = box_data(&fw1, 72, held, sizeof(held));
	unsigned skipped = restart_and_prove(&fw2, &fw1, &first, 1000);
	assert_int_equal(box_rx(&fw2, rec, n_rec, 1100, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_REPLAY);
	assert_int_equal(skipped, 0); /* the TLV is the type's (an older fw2 skips it: 1) */
	assert_int_equal(box_rx(&fw2, far, n_far, 1100, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_TOO_OLD);
	/* What fw1 sent from the number it gave on is taken, once. */
	assert_int_equal(box_rx(&fw2, held, n_held, 1100, &res), HRP_RX_ACCEPT);
	assert_false(res.new_epoch);
	assert_int_equal(box_rx(&fw2, held, n_held, 1100, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_REPLAY);
	n = box_data(&fw1, 73, m, sizeof(m));
	assert_int_equal(box_rx(&fw2, m, n, 1100, &res), HRP_RX_ACCEPT);
	assert_int_equal(fw2.c.drop[HRP_DROP_REPLAY], 2);
	assert_int_equal(fw2.c.drop[HRP_DROP_TOO_OLD], 1);
}

/* An older fw1 sends no data-stream-seq: as before, its first data record after the response is
 * taken whatever its number (and a recording with it: what the TLV closes). */
static void test_restart_data_older_peer(void **state)
{
	struct box fw1, fw2;
	struct hrp_rx_result res;
	uint8_t m[256], rec[256];
	size_t n;

	keyed_pair_proven(&fw1, &fw2);
	size_t n_rec = box_data(&fw1, 1, rec, sizeof(rec));
	assert_int_equal(box_rx(&fw2, rec, n_rec, 10, &res), HRP_RX_ACCEPT);

	assert_int_equal(restart_and_prove(&fw2, &fw1, NULL, 1000), 0);
	assert_false(fw2.peer.win[HRP_STREAM_DATA].valid);
	assert_int_equal(box_rx(&fw2, rec, n_rec, 1100, &res), HRP_RX_ACCEPT);
	assert_int_equal(box_rx(&fw2, rec, n_rec, 1100, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_REPLAY);
	n = box_data(&fw1, 2, m, sizeof(m));
	assert_int_equal(box_rx(&fw2, m, n, 1100, &res), HRP_RX_ACCEPT);
}

static void test_key_rollover(void **state)
{
	struct box fw1, fw2;
	struct hrp_rx_result res;
	uint8_t m[256];
	size_t n;

	box_init(&fw1, ID_FW1, 0xe1, 0);
	box_init(&fw2, ID_FW2, 0xe2, 0);
	box_key(&fw1, HRP_KEY_CURRENT, 1, "old-key");
	box_key(&fw2, HRP_KEY_CURRENT, 1, "old-key");
	prove(&fw2, &fw1, 0);
	prove(&fw1, &fw2, 0);

	/* Step 1: the operator adds the next key on fw1 only. fw1 still signs with the current
	 * one (fw2 has not said it accepts key 2). */
	box_key(&fw1, HRP_KEY_NEXT, 2, "new-key");
	n = box_hello(&fw1, m, sizeof(m), 45000);
	assert_int_equal(box_rx(&fw2, m, n, 1, &res), HRP_RX_ACCEPT);
	assert_int_equal(fw2.peer.key_slot, HRP_KEY_CURRENT);
	assert_int_equal(fw2.peer.key_id, 1);
	n = box_hello(&fw2, m, sizeof(m), 45000);
	assert_int_equal(box_rx(&fw1, m, n, 1, &res), HRP_RX_ACCEPT);
	assert_int_equal(hrp_keyring_tx_slot(&fw1.kr, fw1.peer_ids, fw1.n_peer_ids),
			 HRP_KEY_CURRENT);

	/* Step 2: and on fw2. Its hello says it accepts key 2; both then sign with it. */
	box_key(&fw2, HRP_KEY_NEXT, 2, "new-key");
	n = box_hello(&fw2, m, sizeof(m), 45000);
	assert_int_equal(m[n - HRP_TRAILER_LEN], 2); /* fw1 said (step 1) it accepts key 2 */
	assert_int_equal(box_rx(&fw1, m, n, 2, &res), HRP_RX_ACCEPT);
	assert_int_equal(res.key_slot, HRP_KEY_NEXT);
	n = box_hello(&fw1, m, sizeof(m), 45000);
	assert_int_equal(m[n - HRP_TRAILER_LEN], 2); /* signed with key id 2 */
	assert_int_equal(box_rx(&fw2, m, n, 2, &res), HRP_RX_ACCEPT);
	assert_int_equal(fw2.peer.key_slot, HRP_KEY_NEXT);
	n = box_hello(&fw2, m, sizeof(m), 45000);
	assert_int_equal(box_rx(&fw1, m, n, 2, &res), HRP_RX_ACCEPT);
	assert_int_equal(fw1.peer.key_slot, HRP_KEY_NEXT);

	/* Step 3: the new key becomes current and the old one goes, one box at a time. */
	hrp_keyring_unset(&fw1.kr, HRP_KEY_NEXT);
	box_key(&fw1, HRP_KEY_CURRENT, 2, "new-key");
	n = box_hello(&fw1, m, sizeof(m), 45000);
	assert_int_equal(box_rx(&fw2, m, n, 3, &res), HRP_RX_ACCEPT);
	n = box_hello(&fw2, m, sizeof(m), 45000);
	assert_int_equal(box_rx(&fw1, m, n, 3, &res), HRP_RX_ACCEPT);
	assert_int_equal(fw1.peer.key_slot, HRP_KEY_CURRENT);
	hrp_keyring_unset(&fw2.kr, HRP_KEY_NEXT);
	box_key(&fw2, HRP_KEY_CURRENT, 2, "new-key");
	n = box_hello(&fw2, m, sizeof(m), 45000);
	assert_int_equal(box_rx(&fw1, m, n, 4, &res), HRP_RX_ACCEPT);
	n = box_hello(&fw1, m, sizeof(m), 45000);
	assert_int_equal(box_rx(&fw2, m, n, 4, &res), HRP_RX_ACCEPT);
	assert_int_equal(fw2.peer.key_slot, HRP_KEY_CURRENT);
	assert_int_equal(fw2.peer.key_id, 2);
	/* Not one message was lost on the way. */
	for (int d = 1; d < HRP_DROP_MAX; d++) {
		if (d == HRP_DROP_UNKNOWN_EPOCH)
			continue;
		assert_int_equal(fw1.c.drop[d], 0);
		assert_int_equal(fw2.c.drop[d], 0);
	}

	/* A key id neither box has. */
	struct box fw3;
	box_init(&fw3, 0x0a000003, 0xe9, 0);
	box_key(&fw3, HRP_KEY_CURRENT, 3, "other-key");
	n = box_hello(&fw3, m, sizeof(m), 45000);
	assert_int_equal(box_rx(&fw2, m, n, 5, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_AUTH_UNKNOWN_KEY);
}

static void test_seq_wrap(void **state)
{
	struct box fw1, fw2;
	struct hrp_rx_result res;
	uint8_t m[4][256];
	size_t n[4];

	box_init(&fw1, ID_FW1, 0xe1, 0xfffffffe);
	box_init(&fw2, ID_FW2, 0xe2, 0);
	for (int i = 0; i < 4; i++) {
		n[i] = box_hello(&fw1, m[i], sizeof(m[i]), 45000);
		assert_int_equal(box_rx(&fw2, m[i], n[i], 0, &res), HRP_RX_ACCEPT);
	}
	assert_int_equal(res.msg.hdr.seq, 1);
	assert_int_equal(hrp_get_u32(m[1] + 20), 0xffffffff);
	assert_int_equal(hrp_get_u32(m[2] + 20), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(box_rx(&fw2, m[i], n[i], 0, &res), HRP_RX_DROP);
		assert_int_equal(res.drop, HRP_DROP_REPLAY);
	}
}

static void test_next_epoch(void **state)
{
	struct box fw1, fw2;
	struct hrp_rx_result res;
	struct hrp_builder b;
	uint8_t m[256];
	size_t n;

	box_init(&fw1, ID_FW1, 0xe1, 0);
	box_init(&fw2, ID_FW2, 0xe2, 0);
	box_key(&fw1, HRP_KEY_CURRENT, 1, "k");
	box_key(&fw2, HRP_KEY_CURRENT, 1, "k");
	prove(&fw2, &fw1, 0);

	/* fw1's epoch is ageing: it announces the next one in its hellos, then switches. */
	struct hrp_hello h = { .vgmp = { .priority = 1 },
			       .has_next_epoch = true,
			       .next_epoch = 0xe5 };
	hrp_msg_begin(&b, m, sizeof(m), HRP_MSG_HELLO, 0);
	hrp_hello_put(&b, &h);
	assert_int_equal(hrp_msg_end(&b, &fw1.tx, HRP_STREAM_HEARTBEAT, box_tx_key(&fw1), &n), 0);
	assert_int_equal(box_rx(&fw2, m, n, 1, &res), HRP_RX_ACCEPT);
	assert_true(fw2.peer.has_next_epoch);
	hrp_tx_new_epoch(&fw1.tx, 0xe5, 0);
	n = box_hello(&fw1, m, sizeof(m), 2);
	assert_int_equal(box_rx(&fw2, m, n, 2, &res), HRP_RX_ACCEPT);
	assert_true(res.new_epoch);
	assert_int_equal(fw2.c.challenges, 0);
	/* The announced change is told apart from a restart: the same process goes on. */
	assert_true(res.epoch_announced);
	assert_int_equal(hrp_rx_epoch_change(&res, true), HRP_RX_EPOCH_ANNOUNCED);
	assert_int_equal(fw2.peer.epoch, 0xe5);
	assert_int_equal(fw2.peer.incarnation, 0xe1);
	/* The next hello of the new epoch is an ordinary one. */
	n = box_hello(&fw1, m, sizeof(m), 2);
	assert_int_equal(box_rx(&fw2, m, n, 2, &res), HRP_RX_ACCEPT);
	assert_false(res.new_epoch);
	assert_false(res.epoch_announced);
	assert_int_equal(hrp_rx_epoch_change(&res, true), HRP_RX_EPOCH_SAME);
	/* Without an announcement: challenged, and once proven a restart. */
	hrp_tx_new_epoch(&fw1.tx, 0xe6, 0);
	n = box_hello(&fw1, m, sizeof(m), 2);
	assert_int_equal(box_rx(&fw2, m, n, 3, &res), HRP_RX_NEED_CHALLENGE);
	uint8_t ch[256], resp[256], nonce[HRP_NONCE_LEN], echo[HRP_NONCE_LEN];
	uint8_t fresh[HRP_NONCE_LEN] = { 0x66 };
	hrp_peer_challenge_start(&fw2.peer, fresh, 3, nonce);
	n = box_challenge(&fw2, HRP_MSG_CHALLENGE, nonce, ch, sizeof(ch));
	assert_int_equal(box_rx(&fw1, ch, n, 3, &res), HRP_RX_ACCEPT);
	assert_int_equal(hrp_challenge_get(res.msg.body, res.msg.body_len, echo), 0);
	n = box_challenge(&fw1, HRP_MSG_CHALLENGE_RESPONSE, echo, resp, sizeof(resp));
	assert_int_equal(box_rx(&fw2, resp, n, 3, &res), HRP_RX_ACCEPT);
	assert_true(res.new_epoch);
	assert_false(res.epoch_announced);
	assert_int_equal(hrp_rx_epoch_change(&res, true), HRP_RX_EPOCH_RESTART);
	assert_int_equal(fw2.peer.epoch, 0xe6);
	assert_int_equal(fw2.peer.incarnation, 0xe6);
}

/* What hrpd does with an accepted message's epoch (hrpd_chan_receive acts on
 * hrp_rx_epoch_change(); session and config sync compare what they synced or sent against
 * peer.incarnation): an announced epoch change resets nothing and makes nothing due again, a
 * restart does. Without a key, where a restart is taken at its word. */
static void test_epoch_change_kinds(void **state)
{
	struct box fw1, fw2;
	struct hrp_rx_result res;
	struct hrp_builder b;
	uint8_t m[256];
	size_t n;

	box_init(&fw1, ID_FW1, 0xe1, 0);
	box_init(&fw2, ID_FW2, 0xe2, 0);
	n = box_hello(&fw1, m, sizeof(m), 1);
	assert_int_equal(box_rx(&fw2, m, n, 0, &res), HRP_RX_ACCEPT);
	assert_int_equal(hrp_rx_epoch_change(&res, false), HRP_RX_EPOCH_FIRST);
	assert_false(res.epoch_announced);
	assert_int_equal(fw2.peer.incarnation, 0xe1);
	/* Session sync takes the peer's table, config sync sends ours: both note the process. */
	uint64_t synced = fw2.peer.incarnation;

	/* fw1 announces 0xe5 and switches to it. */
	struct hrp_hello h = { .vgmp = { .priority = 1 },
			       .has_next_epoch = true,
			       .next_epoch = 0xe5 };
	hrp_msg_begin(&b, m, sizeof(m), HRP_MSG_HELLO, 0);
	hrp_hello_put(&b, &h);
	assert_int_equal(hrp_msg_end(&b, &fw1.tx, HRP_STREAM_HEARTBEAT, NULL, &n), 0);
	assert_int_equal(box_rx(&fw2, m, n, 1, &res), HRP_RX_ACCEPT);
	assert_int_equal(hrp_rx_epoch_change(&res, true), HRP_RX_EPOCH_SAME);
	hrp_tx_new_epoch(&fw1.tx, 0xe5, 0);
	n = box_hello(&fw1, m, sizeof(m), 1);
	assert_int_equal(box_rx(&fw2, m, n, 2, &res), HRP_RX_ACCEPT);
	assert_int_equal(res.peer_verdict, HRP_PEER_ACCEPT_NEW_EPOCH);
	assert_true(res.epoch_announced);
	/* Not a restart: no reset, no liveness restart; nothing synced is due again. */
	assert_int_equal(hrp_rx_epoch_change(&res, true), HRP_RX_EPOCH_ANNOUNCED);
	assert_int_equal(fw2.peer.epoch, 0xe5);
	assert_true(fw2.peer.incarnation == synced);
	/* Twice in a row, the identity still the first epoch's. */
	h.next_epoch = 0xe7;
	hrp_msg_begin(&b, m, sizeof(m), HRP_MSG_HELLO, 0);
	hrp_hello_put(&b, &h);
	assert_int_equal(hrp_msg_end(&b, &fw1.tx, HRP_STREAM_HEARTBEAT, NULL, &n), 0);
	assert_int_equal(box_rx(&fw2, m, n, 3, &res), HRP_RX_ACCEPT);
	hrp_tx_new_epoch(&fw1.tx, 0xe7, 0);
	n = box_hello(&fw1, m, sizeof(m), 1);
	assert_int_equal(box_rx(&fw2, m, n, 4, &res), HRP_RX_ACCEPT);
	assert_int_equal(hrp_rx_epoch_change(&res, true), HRP_RX_EPOCH_ANNOUNCED);
	assert_true(fw2.peer.incarnation == synced);

	/* fw1 restarts: a new epoch it did not announce is a new process. */
	box_init(&fw1, ID_FW1, 0xe9, 0);
	n = box_hello(&fw1, m, sizeof(m), 1);
	assert_int_equal(box_rx(&fw2, m, n, 5, &res), HRP_RX_ACCEPT);
	assert_true(res.new_epoch);
	assert_false(res.epoch_announced);
	assert_int_equal(hrp_rx_epoch_change(&res, true), HRP_RX_EPOCH_RESTART);
	assert_int_equal(fw2.peer.incarnation, 0xe9);
	assert_false(fw2.peer.incarnation == synced);
	/* An announcement the restart overtook is void: the old process's next epoch is not the
	 * new one's. */
	assert_false(fw2.peer.has_next_epoch);
	assert_string_equal(hrp_rx_epoch_name(HRP_RX_EPOCH_ANNOUNCED), "announced");
	assert_string_equal(hrp_rx_epoch_name(HRP_RX_EPOCH_MAX), "invalid");
}

static void test_registry_exchange(void **state)
{
	static struct hrp_registry mine, theirs;
	static struct hrp_compat_result cmp;
	struct box fw1, fw2;
	struct hrp_rx_result res;
	struct hrp_builder b;
	static uint8_t m[4096];
	size_t n;

	box_init(&fw1, ID_FW1, 0xe1, 0);
	box_init(&fw2, ID_FW2, 0xe2, 0);
	hrp_registry_local(&mine);
	hrp_msg_begin(&b, m, sizeof(m), HRP_MSG_REGISTRY, HRP_F_ACK_REQUESTED);
	hrp_registry_encode(&mine, &b);
	assert_int_equal(hrp_msg_end(&b, &fw1.tx, HRP_STREAM_HEARTBEAT, NULL, &n), 0);
	assert_int_equal(box_rx(&fw2, m, n, 0, &res), HRP_RX_ACCEPT);
	assert_int_equal(hrp_registry_decode(res.msg.body, res.msg.body_len, &theirs), 0);
	assert_int_equal(hrp_registry_compare(&mine, &theirs, &cmp), 0);
	assert_int_equal(cmp.verdict, HRP_COMPAT_FULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_and_epoch_no_key),
		cmocka_unit_test(test_restart_with_challenge),
		cmocka_unit_test(test_replay_to_restarted_box),
		cmocka_unit_test(test_restart_data_replay),
		cmocka_unit_test(test_restart_data_older_peer),
		cmocka_unit_test(test_key_rollover),
		cmocka_unit_test(test_seq_wrap),
		cmocka_unit_test(test_next_epoch),
		cmocka_unit_test(test_epoch_change_kinds),
		cmocka_unit_test(test_registry_exchange),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
