/* HRP wire layer: header, builder, TLV reader, trailer, serial arithmetic, sequence numbers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hrp_wire.h"
#include "version.h"

static const struct hrp_hdr sample_hdr = {
	.ver_major = HS_HRP_VERSION_MAJOR,
	.ver_minor = 7,
	.type = 0x1234,
	.flags = 0x00f1,
	.length = 100,
	.epoch = 0x0102030405060708ull,
	.seq = 0xa1b2c3d4,
	.sender_id = 0x0a000001,
};

static void test_hdr_layout(void **state)
{
	/* clang-format off */
	static const uint8_t want[HRP_HDR_LEN] = {
		0x48, 0x52, HS_HRP_VERSION_MAJOR, 7,	/* magic, version 1.7 */
		0x12, 0x34, 0x00, 0xf1,			/* type, flags */
		0, 0, 0, 100,				/* length */
		1, 2, 3, 4, 5, 6, 7, 8,			/* epoch */
		0xa1, 0xb2, 0xc3, 0xd4,			/* seq */
		0x0a, 0, 0, 1,				/* sender id */
	};
	/* clang-format on */
	uint8_t out[HRP_HDR_LEN];
	hrp_hdr_encode(&sample_hdr, out);
	assert_memory_equal(out, want, sizeof(want));

	uint8_t buf[100] = { 0 };
	memcpy(buf, out, sizeof(out));
	struct hrp_hdr h;
	enum hrp_drop why = HRP_DROP_NONE;
	assert_int_equal(hrp_hdr_decode(buf, sizeof(buf), &h, &why), 0);
	/* Field by field: the struct has padding. */
	assert_int_equal(h.ver_major, sample_hdr.ver_major);
	assert_int_equal(h.ver_minor, sample_hdr.ver_minor);
	assert_int_equal(h.type, sample_hdr.type);
	assert_int_equal(h.flags, sample_hdr.flags);
	assert_int_equal(h.length, sample_hdr.length);
	assert_int_equal(h.epoch, sample_hdr.epoch);
	assert_int_equal(h.seq, sample_hdr.seq);
	assert_int_equal(h.sender_id, sample_hdr.sender_id);
}

static int decode_with(uint8_t *buf, size_t len, enum hrp_drop *why)
{
	struct hrp_hdr h;
	*why = HRP_DROP_NONE;
	return hrp_hdr_decode(buf, len, &h, why);
}

static void test_hdr_rejects(void **state)
{
	uint8_t buf[HRP_HDR_LEN];
	enum hrp_drop why;
	struct hrp_hdr h = sample_hdr;
	h.length = HRP_HDR_LEN;

	hrp_hdr_encode(&h, buf);
	assert_int_equal(decode_with(buf, sizeof(buf), &why), 0);
	assert_int_equal(decode_with(buf, sizeof(buf) - 1, &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_SHORT);

	buf[1] ^= 1;
	assert_int_equal(decode_with(buf, sizeof(buf), &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_BAD_MAGIC);
	buf[1] ^= 1;

	buf[2] = HS_HRP_VERSION_MAJOR + 1;
	struct hrp_hdr out = { 0 };
	assert_int_equal(hrp_hdr_decode(buf, sizeof(buf), &out, &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_BAD_VERSION);
	assert_int_equal(out.ver_major, HS_HRP_VERSION_MAJOR + 1); /* reported for the log */
	buf[2] = HS_HRP_VERSION_MAJOR;

	/* Any minor is fine: newer minors only add things we skip. */
	buf[3] = 0xff;
	assert_int_equal(decode_with(buf, sizeof(buf), &why), 0);

	hrp_put_u32(buf + 8, HRP_HDR_LEN - 1);
	assert_int_equal(decode_with(buf, sizeof(buf), &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_BAD_LENGTH);
	hrp_put_u32(buf + 8, HRP_MSG_SIZE_MAX + 1);
	assert_int_equal(decode_with(buf, sizeof(buf), &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_TOO_BIG);
	hrp_put_u32(buf + 8, HRP_MSG_SIZE_MAX);
	assert_int_equal(decode_with(buf, sizeof(buf), &why), 0);
}

static void test_seq_after(void **state)
{
	assert_true(hrp_seq_after(1, 0));
	assert_false(hrp_seq_after(0, 0));
	assert_false(hrp_seq_after(0, 1));
	assert_true(hrp_seq_after(0, 0xffffffffu)); /* wrap */
	assert_true(hrp_seq_after(5, 0xfffffff0u));
	assert_false(hrp_seq_after(0xffffffffu, 0));
	assert_true(hrp_seq_after(0x7fffffffu, 0));  /* 2^31 - 1 ahead */
	assert_false(hrp_seq_after(0x80000000u, 0)); /* 2^31: ambiguous, not after */
	assert_false(hrp_seq_after(0x80000001u, 0)); /* behind */
}

static void test_builder(void **state)
{
	uint8_t buf[64];
	struct hrp_builder b;
	struct hrp_tx tx;
	size_t len = 0;

	hrp_tx_init(&tx, 9, 0x1122334455667788ull, 41);
	hrp_msg_begin(&b, buf, sizeof(buf), 0x0102, HRP_F_URGENT | HRP_F_AUTH);
	assert_int_equal(hrp_tlv_put_u8(&b, 1, 0xab), 0);
	assert_int_equal(hrp_tlv_put_u16(&b, 2, 0xbeef), 0);
	assert_int_equal(hrp_tlv_put_u32(&b, 3, 0xdeadbeef), 0);
	assert_int_equal(hrp_tlv_put_u64(&b, 4, 0x0102030405060708ull), 0);
	assert_int_equal(hrp_tlv_put(&b, 5, NULL, 0), 0);
	assert_int_equal(hrp_msg_end(&b, &tx, HRP_STREAM_HEARTBEAT, NULL, &len), 0);
	/* clang-format off */
	static const uint8_t want[] = {
		0x48, 0x52, HS_HRP_VERSION_MAJOR, HS_HRP_VERSION_MINOR,
		0x01, 0x02, 0x00, 0x01, /* AUTH asked for without a key: cleared */
		0, 0, 0, 63,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
		0, 0, 0, 41,
		0, 0, 0, 9,
		0, 1, 0, 1, 0xab,
		0, 2, 0, 2, 0xbe, 0xef,
		0, 3, 0, 4, 0xde, 0xad, 0xbe, 0xef,
		0, 4, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8,
		0, 5, 0, 0,
	};
	/* clang-format on */
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(tx.seq[HRP_STREAM_HEARTBEAT], 42);
	assert_int_equal(tx.seq[HRP_STREAM_DATA], 41);

	/* The data stream: flag set, its own counter. */
	hrp_msg_begin(&b, buf, sizeof(buf), 7, 0);
	assert_int_equal(hrp_msg_end(&b, &tx, HRP_STREAM_DATA, NULL, &len), 0);
	assert_int_equal(hrp_get_u16(buf + 6), HRP_F_DATA_STREAM);
	assert_int_equal(hrp_get_u32(buf + 20), 41);
	assert_int_equal(tx.seq[HRP_STREAM_DATA], 42);
}

static void test_builder_errors(void **state)
{
	uint8_t buf[40];
	static uint8_t big[HRP_TLV_VAL_MAX + 1];
	struct hrp_builder b;
	struct hrp_tx tx;
	size_t len = 1234;

	hrp_tx_init(&tx, 9, 1, 100);
	/* No room: the error sticks and no sequence number is used. */
	hrp_msg_begin(&b, buf, sizeof(buf), 1, 0);
	assert_int_equal(hrp_tlv_put(&b, 1, big, 8), 0);
	assert_int_equal(hrp_tlv_put(&b, 1, big, 1), -ENOBUFS);
	assert_int_equal(hrp_tlv_put_u8(&b, 1, 0), -ENOBUFS);
	assert_int_equal(hrp_msg_end(&b, &tx, HRP_STREAM_HEARTBEAT, NULL, &len), -ENOBUFS);
	assert_int_equal(len, 1234);
	assert_int_equal(tx.seq[HRP_STREAM_HEARTBEAT], 100);

	hrp_msg_begin(&b, big, sizeof(big), 1, 0);
	assert_int_equal(hrp_tlv_put(&b, 1, big, HRP_TLV_VAL_MAX + 1), -EMSGSIZE);
	hrp_msg_begin(&b, big, sizeof(big), 1, 0);
	assert_int_equal(hrp_tlv_put(&b, 1, NULL, 3), -EINVAL);
	hrp_msg_begin(&b, buf, HRP_HDR_LEN - 1, 1, 0);
	assert_int_equal(b.err, -ENOBUFS);

	/* No room for the trailer. */
	struct hrp_key key = { .set = true, .id = 1, .len = 3, .bytes = "abc" };
	hrp_msg_begin(&b, buf, sizeof(buf), 1, 0);
	assert_int_equal(hrp_msg_end(&b, &tx, HRP_STREAM_HEARTBEAT, &key, &len), -ENOBUFS);
	assert_int_equal(hrp_msg_end(&b, &tx, HRP_STREAM_MAX, NULL, &len), -EINVAL);
}

static void test_tx_epoch_limit(void **state)
{
	uint8_t buf[HRP_HDR_LEN];
	struct hrp_builder b;
	struct hrp_tx tx;
	size_t len;

	hrp_tx_init(&tx, 1, 2, 0);
	assert_false(hrp_tx_epoch_aging(&tx));
	tx.count[HRP_STREAM_DATA] = HRP_TX_EPOCH_AGING;
	assert_true(hrp_tx_epoch_aging(&tx));
	tx.count[HRP_STREAM_DATA] = HRP_TX_EPOCH_LIMIT - 1;
	hrp_msg_begin(&b, buf, sizeof(buf), 1, 0);
	assert_int_equal(hrp_msg_end(&b, &tx, HRP_STREAM_DATA, NULL, &len), 0);
	hrp_msg_begin(&b, buf, sizeof(buf), 1, 0);
	assert_int_equal(hrp_msg_end(&b, &tx, HRP_STREAM_DATA, NULL, &len), -ERANGE);
	/* The other stream is not used up. */
	hrp_msg_begin(&b, buf, sizeof(buf), 1, 0);
	assert_int_equal(hrp_msg_end(&b, &tx, HRP_STREAM_HEARTBEAT, NULL, &len), 0);
	hrp_tx_new_epoch(&tx, 3, 0);
	assert_false(hrp_tx_epoch_aging(&tx));
	hrp_msg_begin(&b, buf, sizeof(buf), 1, 0);
	assert_int_equal(hrp_msg_end(&b, &tx, HRP_STREAM_DATA, NULL, &len), 0);
	assert_int_equal(hrp_get_u64(buf + 12), 3);
}

static void test_tlv_iter(void **state)
{
	static const uint8_t body[] = {
		0,    1, 0, 2, 0xaa, 0xbb, /* type 1, len 2 */
		0x80, 7, 0, 0,             /* type 7 critical, empty */
		0,    1, 0, 1, 0xcc,       /* type 1 again */
		0,    9, 0, 5, 1,    2,    /* overruns: says 5, has 2 */
	};
	struct hrp_tlv_iter it;
	struct hrp_tlv t;

	hrp_tlv_iter_init(&it, body, sizeof(body));
	assert_int_equal(hrp_tlv_next(&it, &t), 1);
	assert_int_equal(t.type, 1);
	assert_int_equal(t.len, 2);
	assert_ptr_equal(t.val, body + 4);
	assert_int_equal(hrp_tlv_next(&it, &t), 1);
	assert_int_equal(t.type, 0x8007);
	assert_int_equal(t.len, 0);
	assert_int_equal(hrp_tlv_next(&it, &t), 1);
	assert_int_equal(t.val[0], 0xcc);
	assert_int_equal(hrp_tlv_next(&it, &t), -EBADMSG);
	assert_int_equal(hrp_tlv_next(&it, &t), -EBADMSG); /* stays at the bad TLV */

	/* Clean end; a lone partial TLV header. */
	hrp_tlv_iter_init(&it, body, 15);
	int n = 0;
	while (hrp_tlv_next(&it, &t) == 1)
		n++;
	assert_int_equal(n, 3);
	assert_int_equal(hrp_tlv_next(&it, &t), 0);
	hrp_tlv_iter_init(&it, body, 3);
	assert_int_equal(hrp_tlv_next(&it, &t), -EBADMSG);
	hrp_tlv_iter_init(&it, NULL, 10);
	assert_int_equal(hrp_tlv_next(&it, &t), 0);

	/* find / next_of ignore the critical bit. */
	assert_int_equal(hrp_tlv_find(body, 15, 7, &t), 1);
	assert_int_equal(t.type, 0x8007);
	assert_int_equal(hrp_tlv_find(body, 15, 8, &t), 0);
	assert_int_equal(hrp_tlv_find(body, sizeof(body), 9, &t), -EBADMSG);
	hrp_tlv_iter_init(&it, body, 15);
	assert_int_equal(hrp_tlv_next_of(&it, 1, &t), 1);
	assert_int_equal(hrp_tlv_next_of(&it, 1, &t), 1);
	assert_int_equal(t.val[0], 0xcc);
	assert_int_equal(hrp_tlv_next_of(&it, 1, &t), 0);
}

static size_t build(uint8_t *buf, size_t cap, const struct hrp_key *key)
{
	struct hrp_builder b;
	struct hrp_tx tx;
	size_t len = 0;
	hrp_tx_init(&tx, 5, 6, 7);
	hrp_msg_begin(&b, buf, cap, 1, 0);
	hrp_tlv_put_u32(&b, 3, 0x01020304);
	assert_int_equal(hrp_msg_end(&b, &tx, HRP_STREAM_HEARTBEAT, key, &len), 0);
	return len;
}

static void test_split(void **state)
{
	uint8_t buf[128];
	struct hrp_msg m;
	enum hrp_drop why;
	size_t len = build(buf, sizeof(buf), NULL);

	assert_int_equal(hrp_msg_split(buf, len, &m, &why), 0);
	assert_false(m.has_trailer);
	assert_ptr_equal(m.body, buf + HRP_HDR_LEN);
	assert_int_equal(m.body_len, 8);
	/* Longer or shorter than the length field. */
	assert_int_equal(hrp_msg_split(buf, len + 1, &m, &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_BAD_LENGTH);
	assert_int_equal(hrp_msg_split(buf, len - 1, &m, &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_BAD_LENGTH);
	/* AUTH without room for the trailer. */
	buf[7] |= HRP_F_AUTH;
	assert_int_equal(hrp_msg_split(buf, len, &m, &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_AUTH_SHORT);
}

static void test_mac_every_byte(void **state)
{
	struct hrp_key key = { .set = true, .id = 7, .len = 6, .bytes = "secret" };
	struct hrp_key other = key;
	uint8_t buf[128];
	struct hrp_msg m;
	enum hrp_drop why;
	size_t len = build(buf, sizeof(buf), &key);

	assert_int_equal(len, HRP_HDR_LEN + 8 + HRP_TRAILER_LEN);
	assert_int_equal(hrp_msg_split(buf, len, &m, &why), 0);
	assert_true(m.has_trailer);
	assert_int_equal(m.key_id, 7);
	assert_int_equal(m.body_len, 8);
	assert_int_equal(hrp_mac_verify(&key, &m), 0);
	other.bytes[0] ^= 1;
	assert_int_equal(hrp_mac_verify(&other, &m), -EBADMSG);

	/* Every byte is covered, the trailer's key id and reserved bytes included. */
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= 0x40;
		struct hrp_msg mm = m; /* same layout, bytes changed underneath */
		assert_int_equal(hrp_mac_verify(&key, &mm), -EBADMSG);
		buf[i] ^= 0x40;
	}
	assert_int_equal(hrp_mac_verify(&key, &m), 0);
	assert_int_equal(hrp_mac_sign(NULL, buf, len), -EINVAL);
}

static void test_peek(void **state)
{
	uint8_t buf[256];
	size_t a = build(buf, sizeof(buf), NULL);
	size_t b = build(buf + a, sizeof(buf) - a, NULL);
	size_t n = 0;

	for (size_t cut = 0; cut < a; cut++)
		assert_int_equal(hrp_msg_peek(buf, cut, &n), 0);
	assert_int_equal(hrp_msg_peek(buf, a + b, &n), 1);
	assert_int_equal(n, a);
	assert_int_equal(hrp_msg_peek(buf + a, b, &n), 1);
	buf[0] = 0;
	assert_int_equal(hrp_msg_peek(buf, a + b, &n), -EBADMSG);
}

static void test_drop_names(void **state)
{
	for (int i = 0; i < HRP_DROP_MAX; i++) {
		const char *n = hrp_drop_name(i);
		assert_non_null(n);
		assert_string_not_equal(n, "invalid");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(n, hrp_drop_name(j));
	}
	assert_string_equal(hrp_drop_name(HRP_DROP_MAX), "invalid");
	assert_string_equal(hrp_drop_name(HRP_DROP_REPLAY), "replay");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_layout),     cmocka_unit_test(test_hdr_rejects),
		cmocka_unit_test(test_seq_after),      cmocka_unit_test(test_builder),
		cmocka_unit_test(test_builder_errors), cmocka_unit_test(test_tx_epoch_limit),
		cmocka_unit_test(test_tlv_iter),       cmocka_unit_test(test_split),
		cmocka_unit_test(test_mac_every_byte), cmocka_unit_test(test_peek),
		cmocka_unit_test(test_drop_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
