/* HRP messages and the receive pipeline: golden messages (byte for byte, the first one is the
 * hex example in doc/hrp-protocol.md), truncation at every byte, bad HMAC at every byte, header
 * drops, unknown TLVs and types. Replay, epochs and keys: test_hrp_peer.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "doc_hex.h"

#include "hrp_box.h"
#include "hrp_msg.h"
#include "version.h"

#define EXAMPLE_KEY "hrp-example-key"
#define EPOCH_FW1   0x0123456789abcdefull
#define EPOCH_FW2   0xfedcba9876543210ull

/* doc/hrp-protocol.md, "Example": fw1's hello, signed with key id 1 = "hrp-example-key". The
 * HMAC was checked independently (Python hmac/hashlib) when the example was written. */
static const uint8_t golden_hello[] = {
	0x48, 0x52, 0x01, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0xb4, 0x01, 0x23, 0x45,
	0x67, 0x89, 0xab, 0xcd, 0xef, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x0b,
	0x00, 0x02, 0xaf, 0xc8, 0x00, 0x0c, 0x00, 0x01, 0x02, 0x00, 0x0e, 0x00, 0x04, 0x00, 0x00,
	0x00, 0x03, 0x00, 0x0d, 0x00, 0x01, 0x00, 0x00, 0x0f, 0x00, 0x20, 0x11, 0x11, 0x11, 0x11,
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x00, 0x10,
	0x00, 0x20, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
	0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
	0x22, 0x22, 0x22, 0x22, 0x00, 0x01, 0x00, 0x03, 0x66, 0x77, 0x31, 0x00, 0x0a, 0x00, 0x04,
	0x00, 0x00, 0x03, 0xe8, 0x00, 0x07, 0x00, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0xc7, 0x0d,
	0xb5, 0xfb, 0x64, 0x4a, 0x59, 0xa8, 0x0b, 0xe0, 0x54, 0x3f, 0x2c, 0x1e, 0x46, 0x61, 0x0d,
	0xb4, 0xf4, 0xa2, 0x8b, 0x64, 0x1b, 0xae, 0x9d, 0x62, 0x59, 0x94, 0x89, 0xc4, 0xd4, 0x46,
};

/* fw1's urgent switchover request, signed, next sequence number. */
static const uint8_t golden_switchover[] = {
	0x48, 0x52, 0x01, 0x00, 0x00, 0x08, 0x00, 0x07, 0x00, 0x00, 0x00, 0x53, 0x01, 0x23,
	0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x00, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x01,
	0x00, 0x11, 0x00, 0x04, 0x00, 0x00, 0x00, 0x09, 0x00, 0x0c, 0x00, 0x01, 0x02, 0x00,
	0x12, 0x00, 0x02, 0x00, 0x06, 0x01, 0x00, 0x00, 0x00, 0xbc, 0x64, 0xd1, 0x3e, 0x0c,
	0x6a, 0x93, 0xe0, 0x31, 0x9d, 0x23, 0x68, 0x01, 0x33, 0x70, 0xec, 0x68, 0xac, 0x7b,
	0xe0, 0x00, 0x95, 0x58, 0x37, 0xc8, 0xe9, 0x49, 0x77, 0xea, 0x74, 0xf3, 0xf3,
};

/* fw2, no key: an urgent minimal hello (sequence 0xffffffff), then across the wrap a challenge
 * (0), on the data stream a data message (0xffffffff) and its ack (0), then not-supported (1). */
static const uint8_t golden_hello_plain[] = {
	0x48, 0x52, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x36, 0xfe, 0xdc,
	0xba, 0x98, 0x76, 0x54, 0x32, 0x10, 0xff, 0xff, 0xff, 0xff, 0x0a, 0x00, 0x00, 0x02,
	0x00, 0x0b, 0x00, 0x02, 0xaf, 0xc6, 0x00, 0x0c, 0x00, 0x01, 0x03, 0x00, 0x0e, 0x00,
	0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x03, 0x66, 0x77, 0x32,
};

static const uint8_t golden_challenge[] = {
	0x48, 0x52, 0x01, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30,
	0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x02, 0x00, 0x02, 0x00, 0x10, 0xa0, 0xa1, 0xa2, 0xa3,
	0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
};

static const uint8_t golden_data[] = {
	0x48, 0x52, 0x01, 0x00, 0x00, 0x0b, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x3c, 0xfe, 0xdc, 0xba,
	0x98, 0x76, 0x54, 0x32, 0x10, 0xff, 0xff, 0xff, 0xff, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x13,
	0x00, 0x01, 0x01, 0x00, 0x14, 0x00, 0x04, 0x00, 0x00, 0x00, 0x07, 0x00, 0x18, 0x00, 0x04,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x15, 0x00, 0x03, 0x61, 0x62, 0x63, 0x00, 0x15, 0x00, 0x00,
};

static const uint8_t golden_data_ack[] = {
	0x48, 0x52, 0x01, 0x00, 0x00, 0x0c, 0x00, 0x08, 0x00, 0x00, 0x00, 0x31, 0xfe,
	0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00,
	0x00, 0x02, 0x00, 0x13, 0x00, 0x01, 0x01, 0x00, 0x16, 0x00, 0x04, 0x00, 0x00,
	0x00, 0x07, 0x00, 0x17, 0x00, 0x04, 0x00, 0x00, 0x00, 0x40,
};

static const uint8_t golden_not_supported[] = {
	0x48, 0x52, 0x01, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30,
	0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10, 0x00, 0x00, 0x00, 0x01,
	0x0a, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x02, 0x00, 0x42, 0x00, 0x03,
	0x00, 0x04, 0x00, 0x00, 0x00, 0x05, 0x00, 0x05, 0x00, 0x02, 0x01, 0x00,
};

struct golden {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	bool is_signed;
	size_t min_ok; /* unsigned: a cut is a valid message iff at a TLV boundary >= this */
};

#define G(n, s, m)                                                                                 \
	{                                                                                          \
#n, n, sizeof(n), s, m                                                             \
	}
static const struct golden goldens[] = {
	G(golden_hello, true, 0),
	G(golden_switchover, true, 0),
	G(golden_hello_plain, false, HRP_HDR_LEN + 6 + 5 + 8),
	G(golden_challenge, false, HRP_HDR_LEN + 20),
	G(golden_data, false, HRP_HDR_LEN + 5 + 8),
	G(golden_data_ack, false, HRP_HDR_LEN + 5 + 8),
	G(golden_not_supported, false, HRP_HDR_LEN + 6 + 8),
};
#define N_GOLDENS (sizeof(goldens) / sizeof(goldens[0]))

static const uint8_t nonce_golden[HRP_NONCE_LEN] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf
};

static struct hrp_hello example_hello(void)
{
	struct hrp_hello h;
	memset(&h, 0, sizeof(h));
	h = (struct hrp_hello){
		.vgmp = { .priority = 45000,
			  .state = HRP_VGMP_ACTIVE,
			  .readiness = HRP_VGMP_R_SESSIONS_SYNCED | HRP_VGMP_R_CONFIG_SYNCED,
			  .has_mode = true,
			  .mode = HRP_VGMP_MODE_ACTIVE_STANDBY,
			  .has_config_digest = true,
			  .has_session_digest = true },
		.sysname = "fw1",
		.hello_interval_ms = 1000,
		.n_key_ids = 1,
		.key_ids = { 1 },
	};
	memset(h.vgmp.config_digest, 0x11, HRP_DIGEST_LEN);
	memset(h.vgmp.session_digest, 0x22, HRP_DIGEST_LEN);
	return h;
}

/* Field by field: structs have padding that memcmp would see. */
static void assert_vgmp_equal(const struct hrp_vgmp *a, const struct hrp_vgmp *b)
{
	assert_int_equal(a->priority, b->priority);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->readiness, b->readiness);
	assert_int_equal(a->has_mode, b->has_mode);
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->has_config_digest, b->has_config_digest);
	assert_memory_equal(a->config_digest, b->config_digest, HRP_DIGEST_LEN);
	assert_int_equal(a->has_session_digest, b->has_session_digest);
	assert_memory_equal(a->session_digest, b->session_digest, HRP_DIGEST_LEN);
}

static void assert_hello_equal(const struct hrp_hello *a, const struct hrp_hello *b)
{
	assert_vgmp_equal(&a->vgmp, &b->vgmp);
	assert_string_equal(a->sysname, b->sysname);
	assert_int_equal(a->hello_interval_ms, b->hello_interval_ms);
	assert_int_equal(a->n_key_ids, b->n_key_ids);
	assert_memory_equal(a->key_ids, b->key_ids, a->n_key_ids);
	assert_int_equal(a->has_next_epoch, b->has_next_epoch);
	assert_int_equal(a->next_epoch, b->next_epoch);
}

static void assert_request_equal(const struct hrp_vgmp_request *a, const struct hrp_vgmp_request *b)
{
	assert_int_equal(a->request_id, b->request_id);
	assert_int_equal(a->has_state, b->has_state);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->has_priority, b->has_priority);
	assert_int_equal(a->priority, b->priority);
	assert_int_equal(a->has_reason, b->has_reason);
	assert_int_equal(a->reason, b->reason);
}

static void test_golden_encode(void **state)
{
	struct hrp_keyring kr;
	struct hrp_tx tx1, tx2;
	struct hrp_builder b;
	uint8_t buf[512];
	size_t n;

	hrp_keyring_init(&kr);
	assert_int_equal(hrp_keyring_set(&kr, HRP_KEY_CURRENT, 1, EXAMPLE_KEY, 15), 0);
	const struct hrp_key *key = hrp_keyring_key(&kr, HRP_KEY_CURRENT);
	hrp_tx_init(&tx1, ID_FW1, EPOCH_FW1, 1);
	hrp_tx_init(&tx2, ID_FW2, EPOCH_FW2, 0xffffffff);

	struct hrp_hello h = example_hello();
	hrp_msg_begin(&b, buf, sizeof(buf), HRP_MSG_HELLO, 0);
	hrp_hello_put(&b, &h);
	assert_int_equal(hrp_msg_end(&b, &tx1, HRP_STREAM_HEARTBEAT, key, &n), 0);
	assert_int_equal(n, sizeof(golden_hello));
	assert_memory_equal(buf, golden_hello, n);

	struct hrp_vgmp_request q = { .request_id = 9,
				      .has_state = true,
				      .state = HRP_VGMP_ACTIVE,
				      .has_reason = true,
				      .reason = HRP_VGMP_REASON_ADMIN };
	hrp_msg_begin(&b, buf, sizeof(buf), HRP_MSG_VGMP_SWITCHOVER,
		      HRP_F_URGENT | HRP_F_ACK_REQUESTED);
	hrp_vgmp_request_put(&b, &q);
	assert_int_equal(hrp_msg_end(&b, &tx1, HRP_STREAM_HEARTBEAT, key, &n), 0);
	assert_int_equal(n, sizeof(golden_switchover));
	assert_memory_equal(buf, golden_switchover, n);

	struct hrp_hello h2 = { .vgmp = { .priority = 44998, .state = HRP_VGMP_STANDBY },
				.sysname = "fw2" };
	hrp_msg_begin(&b, buf, sizeof(buf), HRP_MSG_HELLO, HRP_F_URGENT);
	hrp_hello_put(&b, &h2);
	assert_int_equal(hrp_msg_end(&b, &tx2, HRP_STREAM_HEARTBEAT, NULL, &n), 0);
	assert_int_equal(n, sizeof(golden_hello_plain));
	assert_memory_equal(buf, golden_hello_plain, n);

	hrp_msg_begin(&b, buf, sizeof(buf), HRP_MSG_CHALLENGE, 0);
	hrp_challenge_put(&b, nonce_golden);
	assert_int_equal(hrp_msg_end(&b, &tx2, HRP_STREAM_HEARTBEAT, NULL, &n), 0);
	assert_int_equal(n, sizeof(golden_challenge));
	assert_memory_equal(buf, golden_challenge, n);

	hrp_msg_begin(&b, buf, sizeof(buf), HRP_MSG_DATA, HRP_F_ACK_REQUESTED);
	hrp_data_put(&b, HRP_CHAN_SESSION, 7, HRP_DATA_F_BULK_BEGIN);
	hrp_tlv_put(&b, HRP_TLV_DATA_PAYLOAD, "abc", 3);
	hrp_tlv_put(&b, HRP_TLV_DATA_PAYLOAD, NULL, 0);
	assert_int_equal(hrp_msg_end(&b, &tx2, HRP_STREAM_DATA, NULL, &n), 0);
	assert_int_equal(n, sizeof(golden_data));
	assert_memory_equal(buf, golden_data, n);

	struct hrp_data_ack a = {
		.channel = HRP_CHAN_SESSION, .ack_seq = 7, .has_window = true, .window = 64
	};
	hrp_msg_begin(&b, buf, sizeof(buf), HRP_MSG_DATA_ACK, 0);
	hrp_data_ack_put(&b, &a);
	assert_int_equal(hrp_msg_end(&b, &tx2, HRP_STREAM_DATA, NULL, &n), 0);
	assert_int_equal(n, sizeof(golden_data_ack));
	assert_memory_equal(buf, golden_data_ack, n);

	struct hrp_hdr offending = { .type = 0x0042, .seq = 5 };
	assert_int_equal(hrp_not_supported_encode(buf, sizeof(buf), &tx2, NULL, &offending, 0, &n),
			 0);
	assert_int_equal(n, sizeof(golden_not_supported));
	assert_memory_equal(buf, golden_not_supported, n);
}

/* The hex example in doc/hrp-protocol.md, section 10, is this golden message. */
static void test_doc_example(void **state)
{
	uint8_t doc[256];
	size_t n = doc_hex_dump("hrp-protocol.md", "10. Example", doc, sizeof(doc));
	assert_int_equal(n, sizeof(golden_hello));
	assert_memory_equal(doc, golden_hello, n);
}

static void test_golden_decode(void **state)
{
	struct box fw2;
	struct hrp_rx_result res;
	struct box fw1;

	/* fw2 with the example key proves fw1's epoch, then takes the golden messages. */
	box_init(&fw2, ID_FW2, EPOCH_FW2, 0);
	box_key(&fw2, HRP_KEY_CURRENT, 1, EXAMPLE_KEY);
	box_init(&fw1, ID_FW1, EPOCH_FW1, 0);
	box_key(&fw1, HRP_KEY_CURRENT, 1, EXAMPLE_KEY);

	assert_int_equal(box_rx(&fw2, golden_hello, sizeof(golden_hello), 0, &res),
			 HRP_RX_NEED_CHALLENGE);
	assert_int_equal(res.drop, HRP_DROP_UNKNOWN_EPOCH);
	prove(&fw2, &fw1, 0); /* fw1's response uses sequence 0 */
	assert_int_equal(box_rx(&fw2, golden_hello, sizeof(golden_hello), 1, &res), HRP_RX_ACCEPT);
	assert_int_equal(res.key_slot, HRP_KEY_CURRENT);
	assert_int_equal(res.msg.hdr.epoch, EPOCH_FW1);
	assert_int_equal(res.msg.hdr.seq, 1);
	assert_int_equal(res.msg.hdr.sender_id, ID_FW1);
	assert_int_equal(res.msg.hdr.ver_major, HS_HRP_VERSION_MAJOR);
	struct hrp_hello h, want = example_hello();
	assert_int_equal(hrp_hello_get(res.msg.body, res.msg.body_len, &h), 0);
	assert_hello_equal(&h, &want);
	assert_hello_equal(&res.hello, &want); /* the one hrp_rx hands over */
	assert_string_equal(hrp_vgmp_state_name(h.vgmp.state), "active");

	assert_int_equal(box_rx(&fw2, golden_switchover, sizeof(golden_switchover), 2, &res),
			 HRP_RX_ACCEPT);
	assert_true(res.msg.hdr.flags & HRP_F_URGENT);
	assert_true(res.msg.hdr.flags & HRP_F_ACK_REQUESTED);
	struct hrp_vgmp_request q;
	assert_int_equal(hrp_vgmp_request_get(res.msg.body, res.msg.body_len, &q), 0);
	assert_int_equal(q.request_id, 9);
	assert_true(q.has_state && q.state == HRP_VGMP_ACTIVE);
	assert_false(q.has_priority);
	assert_true(q.has_reason && q.reason == HRP_VGMP_REASON_ADMIN);
	assert_int_equal(fw2.c.accepted, 3);
	assert_int_equal(fw2.c.rx_type[HRP_MSG_HELLO], 1);
	assert_int_equal(fw2.c.rx_type[HRP_MSG_VGMP_SWITCHOVER], 1);

	/* The unsigned ones, at fw1 without a key. */
	box_init(&fw1, ID_FW1, EPOCH_FW1, 0);
	assert_int_equal(box_rx(&fw1, golden_hello_plain, sizeof(golden_hello_plain), 0, &res),
			 HRP_RX_ACCEPT);
	assert_true(res.new_epoch);
	assert_int_equal(hrp_hello_get(res.msg.body, res.msg.body_len, &h), 0);
	assert_int_equal(h.vgmp.priority, 44998);
	assert_string_equal(h.sysname, "fw2");
	assert_false(h.vgmp.has_mode);
	assert_int_equal(h.n_key_ids, 0);

	/* Across the sequence wrap: 0 after 0xffffffff. */
	assert_int_equal(box_rx(&fw1, golden_challenge, sizeof(golden_challenge), 0, &res),
			 HRP_RX_ACCEPT);
	uint8_t nonce[HRP_NONCE_LEN];
	assert_int_equal(hrp_challenge_get(res.msg.body, res.msg.body_len, nonce), 0);
	assert_memory_equal(nonce, nonce_golden, HRP_NONCE_LEN);

	assert_int_equal(box_rx(&fw1, golden_data, sizeof(golden_data), 0, &res), HRP_RX_ACCEPT);
	assert_true(res.msg.hdr.flags & HRP_F_DATA_STREAM);
	struct hrp_data d;
	assert_int_equal(hrp_data_get(res.msg.body, res.msg.body_len, &d), 0);
	assert_int_equal(d.channel, HRP_CHAN_SESSION);
	assert_int_equal(d.seq, 7);
	assert_int_equal(d.flags, HRP_DATA_F_BULK_BEGIN);
	assert_int_equal(d.n_payloads, 2);
	struct hrp_tlv_iter it;
	struct hrp_tlv t;
	hrp_tlv_iter_init(&it, res.msg.body, res.msg.body_len);
	assert_int_equal(hrp_tlv_next_of(&it, HRP_TLV_DATA_PAYLOAD, &t), 1);
	assert_int_equal(t.len, 3);
	assert_memory_equal(t.val, "abc", 3);
	assert_int_equal(hrp_tlv_next_of(&it, HRP_TLV_DATA_PAYLOAD, &t), 1);
	assert_int_equal(t.len, 0);
	assert_int_equal(hrp_tlv_next_of(&it, HRP_TLV_DATA_PAYLOAD, &t), 0);

	assert_int_equal(box_rx(&fw1, golden_data_ack, sizeof(golden_data_ack), 0, &res),
			 HRP_RX_ACCEPT);
	struct hrp_data_ack a;
	assert_int_equal(hrp_data_ack_get(res.msg.body, res.msg.body_len, &a), 0);
	assert_int_equal(a.ack_seq, 7);
	assert_true(a.has_window && a.window == 64);

	assert_int_equal(box_rx(&fw1, golden_not_supported, sizeof(golden_not_supported), 0, &res),
			 HRP_RX_ACCEPT);
	struct hrp_not_supported ns;
	assert_int_equal(hrp_not_supported_get(res.msg.body, res.msg.body_len, &ns), 0);
	assert_int_equal(ns.ref_type, 0x0042);
	assert_int_equal(ns.ref_seq, 5);
	assert_int_equal(ns.proto_major, HS_HRP_VERSION_MAJOR);
	assert_int_equal(ns.n_ref_tlvs, 0);
	assert_int_equal(fw1.c.drop[HRP_DROP_REPLAY], 0);
	assert_int_equal(fw1.c.accepted, 5);
}

/* TLV boundaries of a golden, walked here by hand, independently of the codec. */
static bool at_boundary(const struct golden *g, size_t cut)
{
	size_t end = g->len - (g->is_signed ? HRP_TRAILER_LEN : 0);
	size_t off = HRP_HDR_LEN;
	while (off < cut && off + 4 <= end)
		off += 4 + (size_t)(g->bytes[off + 2] << 8 | g->bytes[off + 3]);
	return off == cut;
}

static void test_truncation_every_byte(void **state)
{
	uint8_t buf[512];
	struct hrp_rx_result res;
	struct box rx;

	for (size_t gi = 0; gi < N_GOLDENS; gi++) {
		const struct golden *g = &goldens[gi];
		for (size_t cut = 0; cut < g->len; cut++) {
			size_t n = 0;
			/* Cut short, length field as sent: a truncated datagram, or a stream that
			 * needs more bytes. */
			box_init(&rx, ID_FW1 + 100, 1, 0);
			if (g->is_signed)
				box_key(&rx, HRP_KEY_CURRENT, 1, EXAMPLE_KEY);
			memcpy(buf, g->bytes, cut);
			assert_int_equal(box_rx(&rx, buf, cut, 0, &res), HRP_RX_DROP);
			assert_int_equal(res.drop,
					 cut < HRP_HDR_LEN ? HRP_DROP_SHORT : HRP_DROP_BAD_LENGTH);
			assert_int_equal(rx.c.drop[res.drop], 1);
			assert_int_equal(hrp_msg_peek(buf, cut, &n), 0);
			if (cut < HRP_HDR_LEN)
				continue;

			/* Cut short with the length field saying so: a signed message never
			 * passes; an unsigned one only when the cut falls between TLVs after the
			 * required ones. */
			hrp_put_u32(buf + 8, (uint32_t)cut);
			box_init(&rx, ID_FW1 + 100, 1, 0);
			if (g->is_signed)
				box_key(&rx, HRP_KEY_CURRENT, 1, EXAMPLE_KEY);
			enum hrp_rx_verdict v = box_rx(&rx, buf, cut, 0, &res);
			if (g->is_signed) {
				assert_int_equal(v, HRP_RX_DROP);
				assert_true(res.drop == HRP_DROP_AUTH_SHORT ||
					    res.drop == HRP_DROP_AUTH_BAD ||
					    res.drop == HRP_DROP_AUTH_UNKNOWN_KEY);
			} else if (cut >= g->min_ok && at_boundary(g, cut)) {
				assert_int_equal(v, HRP_RX_ACCEPT);
			} else {
				assert_int_equal(v, HRP_RX_DROP);
				assert_true(res.drop == HRP_DROP_SHORT_BODY ||
					    res.drop == HRP_DROP_BAD_TLV ||
					    res.drop == HRP_DROP_MISSING_TLV);
			}
		}
		/* And whole, it is a message. */
		size_t n = 0;
		assert_int_equal(hrp_msg_peek(g->bytes, g->len, &n), 1);
		assert_int_equal(n, g->len);
	}
}

static void test_bad_hmac_every_byte(void **state)
{
	struct box fw1, fw2, proven;
	struct hrp_rx_result res;
	uint8_t buf[sizeof(golden_hello)];

	box_init(&fw1, ID_FW1, EPOCH_FW1, 0);
	box_key(&fw1, HRP_KEY_CURRENT, 1, EXAMPLE_KEY);
	box_init(&proven, ID_FW2, EPOCH_FW2, 0);
	box_key(&proven, HRP_KEY_CURRENT, 1, EXAMPLE_KEY);
	prove(&proven, &fw1, 0);

	for (size_t i = 0; i < sizeof(buf); i++) {
		for (int bit = 0; bit < 8; bit++) {
			fw2 = proven;
			fw2.ctx.peer = &fw2.peer;
			fw2.ctx.keys = &fw2.kr;
			fw2.ctx.counters = &fw2.c;
			memset(&fw2.c, 0, sizeof(fw2.c));
			memcpy(buf, golden_hello, sizeof(buf));
			buf[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(box_rx(&fw2, buf, sizeof(buf), 0, &res), HRP_RX_DROP);
			assert_int_equal(fw2.c.accepted, 0);
			/* Past the fields checked before the HMAC (magic, version, flags, length),
			 * it is the HMAC, or for the key id byte, the key. */
			if (i == sizeof(buf) - HRP_TRAILER_LEN)
				assert_int_equal(res.drop, HRP_DROP_AUTH_UNKNOWN_KEY);
			else if (i >= 12 || i == 3 || i == 4 || i == 5)
				assert_int_equal(res.drop, HRP_DROP_AUTH_BAD);
		}
	}
	/* The key id byte names a key we do not have; the MAC itself is wrong. */
	memcpy(buf, golden_hello, sizeof(buf));
	buf[sizeof(buf) - HRP_TRAILER_LEN] = 9;
	fw2 = proven;
	fw2.ctx.peer = &fw2.peer;
	fw2.ctx.keys = &fw2.kr;
	fw2.ctx.counters = &fw2.c;
	memset(&fw2.c, 0, sizeof(fw2.c));
	assert_int_equal(box_rx(&fw2, buf, sizeof(buf), 0, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_AUTH_UNKNOWN_KEY);
	buf[sizeof(buf) - HRP_TRAILER_LEN] = 1;
	buf[sizeof(buf) - 1] ^= 0x80;
	assert_int_equal(box_rx(&fw2, buf, sizeof(buf), 0, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_AUTH_BAD);
	assert_int_equal(fw2.c.drop[HRP_DROP_AUTH_BAD], 1);
	assert_int_equal(fw2.c.drop[HRP_DROP_AUTH_UNKNOWN_KEY], 1);
	/* Untouched, it passes. */
	assert_int_equal(box_rx(&fw2, golden_hello, sizeof(golden_hello), 0, &res), HRP_RX_ACCEPT);
}

static void test_header_drops(void **state)
{
	struct box rx;
	struct hrp_rx_result res;
	uint8_t buf[sizeof(golden_hello_plain) + 1];

	box_init(&rx, ID_FW1, 1, 0);
	memcpy(buf, golden_hello_plain, sizeof(golden_hello_plain));
	buf[0] = 'X';
	assert_int_equal(box_rx(&rx, buf, sizeof(golden_hello_plain), 0, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_BAD_MAGIC);
	buf[0] = 0x48;
	buf[2] = 2;
	assert_int_equal(box_rx(&rx, buf, sizeof(golden_hello_plain), 0, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_BAD_VERSION);
	assert_int_equal(res.msg.hdr.ver_major, 2);
	buf[2] = 1;
	/* Trailing junk after the message. */
	buf[sizeof(golden_hello_plain)] = 0;
	assert_int_equal(box_rx(&rx, buf, sizeof(buf), 0, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_BAD_LENGTH);
	/* Signed, but no key here; unsigned, but a key here. */
	assert_int_equal(box_rx(&rx, golden_hello, sizeof(golden_hello), 0, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_AUTH_UNEXPECTED);
	box_key(&rx, HRP_KEY_CURRENT, 1, EXAMPLE_KEY);
	assert_int_equal(box_rx(&rx, golden_hello_plain, sizeof(golden_hello_plain), 0, &res),
			 HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_AUTH_MISSING);
	/* Our own message back. */
	box_init(&rx, ID_FW2, 1, 0);
	assert_int_equal(box_rx(&rx, golden_hello_plain, sizeof(golden_hello_plain), 0, &res),
			 HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_LOOPED);
	assert_int_equal(rx.c.rx, 1);
	assert_int_equal(rx.c.drop[HRP_DROP_LOOPED], 1);
}

/* A hello whose TLVs are well formed but whose sysname holds a NUL: dropped as bad-body, before
 * the window, so it is no sign of life and the next good hello is taken. */
static void test_hello_with_bad_body(void **state)
{
	struct box fw1, fw2;
	struct hrp_rx_result res;
	struct hrp_builder bld;
	struct hrp_hello h = { .vgmp = { .priority = 100, .state = HRP_VGMP_STANDBY } };
	uint8_t buf[256];
	size_t n = 0;
	box_init(&fw1, ID_FW1, 1, 0);
	box_init(&fw2, ID_FW2, 1, 0);
	hrp_msg_begin(&bld, buf, sizeof(buf), HRP_MSG_HELLO, 0);
	hrp_hello_put(&bld, &h);
	hrp_tlv_put(&bld, HRP_TLV_SYSNAME, "fw\0x", 4);
	assert_int_equal(hrp_msg_end(&bld, &fw1.tx, HRP_STREAM_HEARTBEAT, NULL, &n), 0);
	assert_int_equal(box_rx(&fw2, buf, n, 0, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_BAD_BODY);
	assert_string_equal(hrp_drop_name(HRP_DROP_BAD_BODY), "bad-body");
	assert_int_equal(fw2.c.drop[HRP_DROP_BAD_BODY], 1);
	assert_int_equal(fw2.c.accepted, 0);
	/* the same sequence number, readable this time: accepted (the window did not move) */
	box_init(&fw1, ID_FW1, 1, 0);
	n = box_hello(&fw1, buf, sizeof(buf), 100);
	assert_int_equal(box_rx(&fw2, buf, n, 0, &res), HRP_RX_ACCEPT);
	assert_int_equal(fw2.c.accepted, 1);
}

/* A message of type `type` with a body of raw TLVs, from fw1 (unsigned). */
static size_t raw_msg(struct hrp_tx *tx, uint16_t type, const uint8_t *body, size_t body_len,
		      uint8_t *buf, size_t cap)
{
	struct hrp_builder b;
	size_t n = 0;
	hrp_msg_begin(&b, buf, cap, type, 0);
	assert_true(b.len + body_len <= cap);
	memcpy(buf + b.len, body, body_len);
	b.len += body_len;
	assert_int_equal(hrp_msg_end(&b, tx, HRP_STREAM_HEARTBEAT, NULL, &n), 0);
	return n;
}

static void test_unknown_type(void **state)
{
	struct box fw1, fw2;
	struct hrp_rx_result res;
	uint8_t m[256], ans[256];
	static const uint8_t body[] = { 0x01, 0x00, 0x00, 0x02, 0xab, 0xcd };

	box_init(&fw1, ID_FW1, 0xe1, 0);
	box_init(&fw2, ID_FW2, 0xe2, 0);
	size_t n = raw_msg(&fw1.tx, 0x0042, body, sizeof(body), m, sizeof(m));
	assert_int_equal(box_rx(&fw2, m, n, 0, &res), HRP_RX_NOT_SUPPORTED);
	assert_int_equal(res.drop, HRP_DROP_UNKNOWN_TYPE);
	assert_int_equal(res.bad_tlv, 0);
	assert_int_equal(fw2.c.drop[HRP_DROP_UNKNOWN_TYPE], 1);
	assert_int_equal(fw2.c.accepted, 0);

	/* fw2 answers; fw1 reads the answer. */
	size_t na = 0;
	assert_int_equal(hrp_not_supported_encode(ans, sizeof(ans), &fw2.tx, NULL, &res.msg.hdr,
						  res.bad_tlv, &na),
			 0);
	struct hrp_rx_result r1;
	assert_int_equal(box_rx(&fw1, ans, na, 0, &r1), HRP_RX_ACCEPT);
	assert_int_equal(r1.msg.hdr.type, HRP_MSG_NOT_SUPPORTED);
	struct hrp_not_supported ns;
	assert_int_equal(hrp_not_supported_get(r1.msg.body, r1.msg.body_len, &ns), 0);
	assert_int_equal(ns.ref_type, 0x0042);
	assert_int_equal(ns.ref_seq, 0);
	assert_int_equal(ns.proto_major, HS_HRP_VERSION_MAJOR);
	assert_int_equal(ns.proto_minor, HS_HRP_VERSION_MINOR);

	/* The same message again is a replay, not answered twice. */
	assert_int_equal(box_rx(&fw2, m, n, 0, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_REPLAY);
	/* Type 0 is not a type either. */
	n = raw_msg(&fw1.tx, 0, body, 0, m, sizeof(m));
	assert_int_equal(box_rx(&fw2, m, n, 0, &res), HRP_RX_NOT_SUPPORTED);
}

static void test_unknown_tlvs(void **state)
{
	struct box fw1, fw2;
	struct hrp_rx_result res;
	uint8_t m[256], ans[256];
	struct hrp_builder b;
	struct hrp_hello want = { .vgmp = { .priority = 45000, .state = HRP_VGMP_ACTIVE } }, h;
	size_t n;

	box_init(&fw1, ID_FW1, 0xe1, 0);
	box_init(&fw2, ID_FW2, 0xe2, 0);
	/* A newer peer's hello: two TLVs we do not know, around ours. */
	hrp_msg_begin(&b, m, sizeof(m), HRP_MSG_HELLO, 0);
	hrp_tlv_put_u32(&b, 0x0700, 7);
	hrp_hello_put(&b, &want);
	hrp_tlv_put(&b, 0x0701, "future", 6);
	assert_int_equal(hrp_msg_end(&b, &fw1.tx, HRP_STREAM_HEARTBEAT, NULL, &n), 0);
	assert_int_equal(box_rx(&fw2, m, n, 0, &res), HRP_RX_ACCEPT);
	assert_int_equal(res.unknown_tlvs, 2);
	assert_int_equal(fw2.c.unknown_tlvs, 2);
	assert_int_equal(hrp_hello_get(res.msg.body, res.msg.body_len, &h), 0);
	assert_hello_equal(&h, &want);

	/* One it must understand: not-supported, naming the TLV. */
	hrp_msg_begin(&b, m, sizeof(m), HRP_MSG_HELLO, 0);
	hrp_hello_put(&b, &want);
	hrp_tlv_put_u32(&b, 0x0702 | HRP_TLV_CRITICAL, 1);
	assert_int_equal(hrp_msg_end(&b, &fw1.tx, HRP_STREAM_HEARTBEAT, NULL, &n), 0);
	assert_int_equal(box_rx(&fw2, m, n, 0, &res), HRP_RX_NOT_SUPPORTED);
	assert_int_equal(res.drop, HRP_DROP_CRITICAL_TLV);
	assert_int_equal(res.bad_tlv, 0x8702);
	assert_int_equal(fw2.c.drop[HRP_DROP_CRITICAL_TLV], 1);
	size_t na;
	assert_int_equal(hrp_not_supported_encode(ans, sizeof(ans), &fw2.tx, NULL, &res.msg.hdr,
						  res.bad_tlv, &na),
			 0);
	assert_int_equal(box_rx(&fw1, ans, na, 0, &res), HRP_RX_ACCEPT);
	struct hrp_not_supported ns;
	assert_int_equal(hrp_not_supported_get(res.msg.body, res.msg.body_len, &ns), 0);
	assert_int_equal(ns.ref_type, HRP_MSG_HELLO);
	assert_int_equal(ns.ref_seq, 1);
	assert_int_equal(ns.n_ref_tlvs, 1);
	assert_int_equal(ns.ref_tlvs[0], 0x8702);
}

/* vgmp-readiness's handover bits (0x40 handed over, 0x80 yielded) travel as they are; a hello
 * of an older sender (the golden ones) has neither: "not handed over". */
static void test_readiness_handover_bits(void **state)
{
	const uint32_t bits = HRP_VGMP_R_HANDED_OVER | HRP_VGMP_R_YIELDED;
	struct box fw1, fw2;
	struct hrp_rx_result res;
	struct hrp_builder b;
	uint8_t m[512];
	size_t n;
	struct hrp_hello want = example_hello(), h;

	assert_int_equal(HRP_VGMP_R_HANDED_OVER, 0x40);
	assert_int_equal(HRP_VGMP_R_YIELDED, 0x80);
	box_init(&fw1, ID_FW1, 0xe1, 0);
	box_init(&fw2, ID_FW2, 0xe2, 0);
	want.vgmp.readiness |= bits;
	hrp_msg_begin(&b, m, sizeof(m), HRP_MSG_HELLO, 0);
	hrp_hello_put(&b, &want);
	assert_int_equal(hrp_msg_end(&b, &fw1.tx, HRP_STREAM_HEARTBEAT, NULL, &n), 0);
	assert_int_equal(box_rx(&fw2, m, n, 0, &res), HRP_RX_ACCEPT);
	assert_int_equal(hrp_hello_get(res.msg.body, res.msg.body_len, &h), 0);
	assert_hello_equal(&h, &want);
	assert_int_equal(h.vgmp.readiness & bits, bits);

	box_init(&fw1, ID_FW1, EPOCH_FW1, 0);
	assert_int_equal(box_rx(&fw1, golden_hello_plain, sizeof(golden_hello_plain), 0, &res),
			 HRP_RX_ACCEPT);
	assert_int_equal(hrp_hello_get(res.msg.body, res.msg.body_len, &h), 0);
	assert_int_equal(h.vgmp.readiness & bits, 0);
	assert_int_equal(example_hello().vgmp.readiness & bits, 0); /* golden_hello's */
}

/* A hello's sysname is printable ASCII with no blank, as our config takes names: anything else
 * would break the JSON it goes into (invalid UTF-8) or the logs. */
static void test_hello_sysname_printable(void **state)
{
	(void)state;
	struct hrp_hello h;
	/* clang-format off */
	uint8_t odd_name[] = {
		0, HRP_TLV_VGMP_PRIORITY, 0, 2, 1, 2,
		0, HRP_TLV_VGMP_STATE, 0, 1, 2,
		0, HRP_TLV_VGMP_READINESS, 0, 4, 0, 0, 0, 0,
		0, HRP_TLV_SYSNAME, 0, 3, 'a', 0, 'b',
	};
	/* clang-format on */
	/* a byte that is not printable ASCII: Latin-1 (invalid UTF-8 in JSON), ESC, a blank */
	static const uint8_t odd[] = { 0xe9, 0x1b, ' ' };
	for (size_t i = 0; i < sizeof(odd); i++) {
		odd_name[sizeof(odd_name) - 2] = odd[i];
		assert_int_equal(hrp_hello_get(odd_name, sizeof(odd_name), &h), -EBADMSG);
	}
	odd_name[sizeof(odd_name) - 2] = '-';
	assert_int_equal(hrp_hello_get(odd_name, sizeof(odd_name), &h), 0);
	assert_string_equal(h.sysname, "a-b");
}

/* challenge-response 1.1: data-stream-seq optional, 4 bytes; absent from an older peer. */
static void test_response_data_seq(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct hrp_builder b;
	struct hrp_tx tx;
	size_t n;
	uint32_t ref;
	hrp_tx_init(&tx, 1, 1, 0);

	uint8_t nonce[HRP_NONCE_LEN] = { 9 };
	const struct hrp_msg_info *cr = hrp_msg_info(HRP_MSG_CHALLENGE_RESPONSE);
	hrp_msg_begin(&b, buf, sizeof(buf), HRP_MSG_CHALLENGE_RESPONSE, 0);
	hrp_challenge_put(&b, nonce);
	assert_int_equal(hrp_msg_end(&b, &tx, HRP_STREAM_HEARTBEAT, NULL, &n), 0);
	assert_int_equal(hrp_body_check(cr, buf + HRP_HDR_LEN, n - HRP_HDR_LEN, NULL, NULL, NULL),
			 0);
	ref = 0x55;
	assert_int_equal(hrp_response_data_seq_get(buf + HRP_HDR_LEN, n - HRP_HDR_LEN, &ref), 0);
	assert_int_equal(ref, 0x55);
	hrp_msg_begin(&b, buf, sizeof(buf), HRP_MSG_CHALLENGE_RESPONSE, 0);
	hrp_challenge_put(&b, nonce);
	hrp_response_data_seq_put(&b, 0xfffffffe);
	assert_int_equal(hrp_msg_end(&b, &tx, HRP_STREAM_HEARTBEAT, NULL, &n), 0);
	unsigned unknown = 9;
	assert_int_equal(
		hrp_body_check(cr, buf + HRP_HDR_LEN, n - HRP_HDR_LEN, &unknown, NULL, NULL), 0);
	assert_int_equal(unknown, 0);
	assert_int_equal(hrp_response_data_seq_get(buf + HRP_HDR_LEN, n - HRP_HDR_LEN, &ref), 1);
	assert_int_equal(ref, 0xfffffffe);
	enum hrp_drop why = HRP_DROP_NONE;
	hrp_msg_begin(&b, buf, sizeof(buf), HRP_MSG_CHALLENGE_RESPONSE, 0);
	hrp_challenge_put(&b, nonce);
	hrp_tlv_put_u16(&b, HRP_TLV_DATA_STREAM_SEQ, 1);
	assert_int_equal(hrp_msg_end(&b, &tx, HRP_STREAM_HEARTBEAT, NULL, &n), 0);
	assert_int_equal(hrp_body_check(cr, buf + HRP_HDR_LEN, n - HRP_HDR_LEN, NULL, NULL, &why),
			 -EBADMSG);
	assert_int_equal(why, HRP_DROP_BAD_TLV_LENGTH);
	assert_int_equal(hrp_response_data_seq_get(buf + HRP_HDR_LEN, n - HRP_HDR_LEN, &ref),
			 -EBADMSG);
}

static void test_typed_bodies(void **state)
{
	uint8_t buf[512];
	struct hrp_builder b;
	struct hrp_tx tx;
	size_t n;
	hrp_tx_init(&tx, 1, 1, 0);

	/* probe-ack */
	uint32_t ref = 0;
	hrp_msg_begin(&b, buf, sizeof(buf), HRP_MSG_PROBE_ACK, 0);
	hrp_probe_ack_put(&b, 0xabcdef01);
	assert_int_equal(hrp_msg_end(&b, &tx, HRP_STREAM_HEARTBEAT, NULL, &n), 0);
	assert_int_equal(hrp_probe_ack_get(buf + HRP_HDR_LEN, n - HRP_HDR_LEN, &ref), 0);
	assert_int_equal(ref, 0xabcdef01);
	assert_int_equal(hrp_probe_ack_get(buf + HRP_HDR_LEN, 0, &ref), -EBADMSG);

	/* ack / nack */
	struct hrp_vgmp_request q = { .request_id = 77,
				      .has_reason = true,
				      .reason = HRP_VGMP_REASON_NOT_READY },
				out;
	hrp_msg_begin(&b, buf, sizeof(buf), HRP_MSG_VGMP_NACK, 0);
	hrp_vgmp_request_put(&b, &q);
	assert_int_equal(hrp_msg_end(&b, &tx, HRP_STREAM_HEARTBEAT, NULL, &n), 0);
	assert_int_equal(hrp_body_check(hrp_msg_info(HRP_MSG_VGMP_NACK), buf + HRP_HDR_LEN,
					n - HRP_HDR_LEN, NULL, NULL, NULL),
			 0);
	assert_int_equal(hrp_vgmp_request_get(buf + HRP_HDR_LEN, n - HRP_HDR_LEN, &out), 0);
	assert_request_equal(&out, &q);
	assert_string_equal(hrp_vgmp_reason_name(out.reason), "not-ready");
	q = (struct hrp_vgmp_request){ .request_id = 78 };
	hrp_msg_begin(&b, buf, sizeof(buf), HRP_MSG_VGMP_ACK, 0);
	hrp_vgmp_request_put(&b, &q);
	assert_int_equal(hrp_msg_end(&b, &tx, HRP_STREAM_HEARTBEAT, NULL, &n), 0);
	assert_int_equal(n, HRP_HDR_LEN + 8);
	assert_int_equal(hrp_vgmp_request_get(buf + HRP_HDR_LEN, n - HRP_HDR_LEN, &out), 0);
	assert_request_equal(&out, &q);

	/* Hello getters refuse what the body check would: missing, wrong length, a NUL name. */
	struct hrp_hello h, untouched;
	memset(&untouched, 0x77, sizeof(untouched));
	/* clang-format off */
	static const uint8_t no_state[] = {
		0, HRP_TLV_VGMP_PRIORITY, 0, 2, 1, 2,
		0, HRP_TLV_VGMP_READINESS, 0, 4, 0, 0, 0, 0,
	};
	/* clang-format on */
	memcpy(&h, &untouched, sizeof(h));
	assert_int_equal(hrp_hello_get(no_state, sizeof(no_state), &h), -EBADMSG);
	assert_memory_equal(&h, &untouched, sizeof(h));
	/* clang-format off */
	static const uint8_t nul_name[] = {
		0, HRP_TLV_VGMP_PRIORITY, 0, 2, 1, 2,
		0, HRP_TLV_VGMP_STATE, 0, 1, 2,
		0, HRP_TLV_VGMP_READINESS, 0, 4, 0, 0, 0, 0,
		0, HRP_TLV_SYSNAME, 0, 3, 'a', 0, 'b',
	};
	/* clang-format on */
	assert_int_equal(hrp_hello_get(nul_name, sizeof(nul_name), &h), -EBADMSG);
	assert_int_equal(hrp_hello_get(nul_name, sizeof(nul_name) - 7, &h), 0);
	static const uint8_t long_prio[] = { 0, HRP_TLV_VGMP_PRIORITY, 0, 3, 1, 2, 3 };
	assert_int_equal(hrp_vgmp_get(long_prio, sizeof(long_prio), &h.vgmp), -EBADMSG);

	/* Names. */
	assert_string_equal(hrp_vgmp_state_name(HRP_VGMP_LOAD_BALANCE), "load-balance");
	assert_string_equal(hrp_vgmp_state_name(99), "unknown");
	assert_string_equal(hrp_vgmp_mode_name(HRP_VGMP_MODE_LOAD_SHARING), "load-sharing");
	assert_string_equal(hrp_data_channel_name(HRP_CHAN_CONFIG), "config");
	assert_string_equal(hrp_rx_verdict_name(HRP_RX_NOT_SUPPORTED), "not-supported");
	assert_string_equal(hrp_rx_verdict_name(HRP_RX_VERDICT_MAX), "invalid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_encode),
		cmocka_unit_test(test_doc_example),
		cmocka_unit_test(test_golden_decode),
		cmocka_unit_test(test_truncation_every_byte),
		cmocka_unit_test(test_bad_hmac_every_byte),
		cmocka_unit_test(test_header_drops),
		cmocka_unit_test(test_hello_with_bad_body),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_unknown_tlvs),
		cmocka_unit_test(test_readiness_handover_bits),
		cmocka_unit_test(test_typed_bodies),
		cmocka_unit_test(test_response_data_seq),
		cmocka_unit_test(test_hello_sysname_printable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
