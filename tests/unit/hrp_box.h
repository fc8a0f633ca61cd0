/* A box for the HRP receive-pipeline tests: what hrpd keeps per peer (its sender, keyring, the
 * peer's state and counters), and the exchanges the tests repeat. Include after cmocka.h. */
#ifndef HS_TEST_HRP_BOX_H
#define HS_TEST_HRP_BOX_H

#include <string.h>

#include "hrp_msg.h"

#define ID_FW1 0x0a000001u
#define ID_FW2 0x0a000002u

struct box {
	struct hrp_tx tx;
	struct hrp_keyring kr;
	struct hrp_peer peer;
	struct hrp_counters c;
	struct hrp_rx_ctx ctx;
	uint8_t peer_ids[HRP_KEY_IDS_MAX];
	size_t n_peer_ids;
};

static inline void box_init(struct box *b, uint32_t id, uint64_t epoch, uint32_t first_seq)
{
	memset(b, 0, sizeof(*b));
	hrp_tx_init(&b->tx, id, epoch, first_seq);
	hrp_keyring_init(&b->kr);
	hrp_peer_init(&b->peer, false);
	b->ctx = (struct hrp_rx_ctx){
		.local_id = id, .keys = &b->kr, .peer = &b->peer, .counters = &b->c
	};
}

static inline void box_key(struct box *b, enum hrp_key_slot slot, uint8_t id, const char *key)
{
	assert_int_equal(hrp_keyring_set(&b->kr, slot, id, key, strlen(key)), 0);
}

static inline const struct hrp_key *box_tx_key(const struct box *b)
{
	int slot = hrp_keyring_tx_slot(&b->kr, b->peer_ids, b->n_peer_ids);
	return slot < 0 ? NULL : hrp_keyring_key(&b->kr, slot);
}

static inline size_t box_hello(struct box *b, uint8_t *buf, size_t cap, uint16_t priority)
{
	struct hrp_builder bld;
	struct hrp_hello h = { .vgmp = { .priority = priority, .state = HRP_VGMP_STANDBY } };
	size_t n = 0;
	h.n_key_ids = (uint8_t)hrp_keyring_ids(&b->kr, h.key_ids, HRP_KEY_IDS_MAX);
	hrp_msg_begin(&bld, buf, cap, HRP_MSG_HELLO, 0);
	hrp_hello_put(&bld, &h);
	assert_int_equal(hrp_msg_end(&bld, &b->tx, HRP_STREAM_HEARTBEAT, box_tx_key(b), &n), 0);
	return n;
}

static inline size_t box_challenge(struct box *b, uint16_t type, const uint8_t nonce[HRP_NONCE_LEN],
				   uint8_t *buf, size_t cap)
{
	struct hrp_builder bld;
	size_t n = 0;
	hrp_msg_begin(&bld, buf, cap, type, 0);
	hrp_challenge_put(&bld, nonce);
	assert_int_equal(hrp_msg_end(&bld, &b->tx, HRP_STREAM_HEARTBEAT, box_tx_key(b), &n), 0);
	return n;
}

/* A challenge-response as hrpd sends it: with TLV data-stream-seq unless data_seq is NULL (an
 * older hrpd's). */
static inline size_t box_response(struct box *b, const uint8_t nonce[HRP_NONCE_LEN],
				  const uint32_t *data_seq, uint8_t *buf, size_t cap)
{
	struct hrp_builder bld;
	size_t n = 0;
	hrp_msg_begin(&bld, buf, cap, HRP_MSG_CHALLENGE_RESPONSE, HRP_F_URGENT);
	hrp_challenge_put(&bld, nonce);
	if (data_seq)
		hrp_tlv_put_u32(&bld, HRP_TLV_DATA_STREAM_SEQ, *data_seq);
	assert_int_equal(hrp_msg_end(&bld, &b->tx, HRP_STREAM_HEARTBEAT, box_tx_key(b), &n), 0);
	return n;
}

/* A data message on the data stream, one record. */
static inline size_t box_data(struct box *b, uint32_t data_seq, uint8_t *buf, size_t cap)
{
	struct hrp_builder bld;
	size_t n = 0;
	hrp_msg_begin(&bld, buf, cap, HRP_MSG_DATA, 0);
	hrp_data_put(&bld, HRP_CHAN_SESSION, data_seq, 0);
	hrp_tlv_put(&bld, HRP_TLV_DATA_PAYLOAD, "rec", 3);
	assert_int_equal(hrp_msg_end(&bld, &b->tx, HRP_STREAM_DATA, box_tx_key(b), &n), 0);
	return n;
}

static inline enum hrp_rx_verdict box_rx(struct box *b, const uint8_t *m, size_t len, uint64_t now,
					 struct hrp_rx_result *res)
{
	enum hrp_rx_verdict v = hrp_rx(&b->ctx, m, len, now, res);
	assert_int_equal(v, res->verdict);
	/* What hrpd does with hellos: remember the key ids the peer accepts (hrp_rx read the
	 * hello whole). */
	if (v == HRP_RX_ACCEPT && res->msg.hdr.type == HRP_MSG_HELLO) {
		memcpy(b->peer_ids, res->hello.key_ids, res->hello.n_key_ids);
		b->n_peer_ids = res->hello.n_key_ids;
	}
	return v;
}

/* The whole exchange when `from`'s epoch is unknown to `to`: to challenges, from answers. */
static inline void prove(struct box *to, struct box *from, uint64_t now)
{
	uint8_t ch[256], resp[256], nonce[HRP_NONCE_LEN], fresh[HRP_NONCE_LEN];
	struct hrp_rx_result res;
	memset(fresh, (int)(now & 0xff) ^ 0x5c, sizeof(fresh));
	hrp_peer_challenge_start(&to->peer, fresh, now, nonce);
	size_t n = box_challenge(to, HRP_MSG_CHALLENGE, nonce, ch, sizeof(ch));
	assert_int_equal(box_rx(from, ch, n, now, &res), HRP_RX_ACCEPT);
	assert_int_equal(res.msg.hdr.type, HRP_MSG_CHALLENGE);
	uint8_t echo[HRP_NONCE_LEN];
	assert_int_equal(hrp_challenge_get(res.msg.body, res.msg.body_len, echo), 0);
	n = box_challenge(from, HRP_MSG_CHALLENGE_RESPONSE, echo, resp, sizeof(resp));
	assert_int_equal(box_rx(to, resp, n, now, &res), HRP_RX_ACCEPT);
	assert_true(res.new_epoch);
}

#endif
