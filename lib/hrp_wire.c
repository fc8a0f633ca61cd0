/* HRP wire layer: header, TLVs, trailer, sequence numbers. Pure: bytes in, bytes out.
 *
 * Decoding is a checklist, each step with its own drop reason: enough bytes for a header, the
 * magic, the major version (a minor version never stops us: newer minors only add TLVs and types,
 * which are skipped or answered with not-supported), a length field that is sane and equal to the
 * datagram, and room for the trailer when the AUTH flag says there is one. The HMAC is libsodium's
 * HMAC-SHA256, compared in constant time.
 *
 * Follows: RFC 1982 (serial-number arithmetic) for sequence numbers; RFC 2104 / RFC 4868 HMAC. */
#include "hrp_wire.h"

#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "version.h"

static const char *const hrp_drop_names[HRP_DROP_MAX] = {
	[HRP_DROP_NONE] = "none",
	[HRP_DROP_SHORT] = "short",
	[HRP_DROP_BAD_MAGIC] = "bad-magic",
	[HRP_DROP_BAD_VERSION] = "bad-version",
	[HRP_DROP_BAD_LENGTH] = "bad-length",
	[HRP_DROP_TOO_BIG] = "too-big",
	[HRP_DROP_AUTH_MISSING] = "auth-missing",
	[HRP_DROP_AUTH_UNEXPECTED] = "auth-unexpected",
	[HRP_DROP_AUTH_SHORT] = "auth-short",
	[HRP_DROP_AUTH_UNKNOWN_KEY] = "auth-unknown-key",
	[HRP_DROP_AUTH_BAD] = "auth-bad",
	[HRP_DROP_LOOPED] = "looped",
	[HRP_DROP_UNKNOWN_TYPE] = "unknown-type",
	[HRP_DROP_SHORT_BODY] = "short-body",
	[HRP_DROP_BAD_TLV] = "bad-tlv",
	[HRP_DROP_BAD_TLV_LENGTH] = "bad-tlv-length",
	[HRP_DROP_MISSING_TLV] = "missing-tlv",
	[HRP_DROP_DUP_TLV] = "duplicate-tlv",
	[HRP_DROP_CRITICAL_TLV] = "unknown-critical-tlv",
	[HRP_DROP_REPLAY] = "replay",
	[HRP_DROP_TOO_OLD] = "too-old",
	[HRP_DROP_OLD_EPOCH] = "old-epoch",
	[HRP_DROP_UNKNOWN_EPOCH] = "unknown-epoch",
	[HRP_DROP_BAD_NONCE] = "bad-nonce",
	[HRP_DROP_BAD_BODY] = "bad-body",
};

const char *hrp_drop_name(enum hrp_drop d)
{
	if ((unsigned)d >= HRP_DROP_MAX || !hrp_drop_names[d])
		return "invalid";
	return hrp_drop_names[d];
}

void hrp_hdr_encode(const struct hrp_hdr *h, uint8_t out[HRP_HDR_LEN])
{
	hrp_put_u16(out, HRP_MAGIC);
	out[2] = h->ver_major;
	out[3] = h->ver_minor;
	hrp_put_u16(out + 4, h->type);
	hrp_put_u16(out + 6, h->flags);
	hrp_put_u32(out + 8, h->length);
	hrp_put_u64(out + 12, h->epoch);
	hrp_put_u32(out + 20, h->seq);
	hrp_put_u32(out + 24, h->sender_id);
}

static int drop(enum hrp_drop *why, enum hrp_drop d)
{
	if (why)
		*why = d;
	return -EBADMSG;
}

int hrp_hdr_decode(const uint8_t *buf, size_t len, struct hrp_hdr *h, enum hrp_drop *why)
{
	if (len < HRP_HDR_LEN)
		return drop(why, HRP_DROP_SHORT);
	if (hrp_get_u16(buf) != HRP_MAGIC)
		return drop(why, HRP_DROP_BAD_MAGIC);
	if (buf[2] != HS_HRP_VERSION_MAJOR) {
		h->ver_major = buf[2];
		h->ver_minor = buf[3];
		return drop(why, HRP_DROP_BAD_VERSION);
	}
	uint32_t length = hrp_get_u32(buf + 8);
	if (length < HRP_HDR_LEN)
		return drop(why, HRP_DROP_BAD_LENGTH);
	if (length > HRP_MSG_SIZE_MAX)
		return drop(why, HRP_DROP_TOO_BIG);
	*h = (struct hrp_hdr){
		.ver_major = buf[2],
		.ver_minor = buf[3],
		.type = hrp_get_u16(buf + 4),
		.flags = hrp_get_u16(buf + 6),
		.length = length,
		.epoch = hrp_get_u64(buf + 12),
		.seq = hrp_get_u32(buf + 20),
		.sender_id = hrp_get_u32(buf + 24),
	};
	return 0;
}

int hrp_msg_peek(const uint8_t *buf, size_t len, size_t *msg_len)
{
	struct hrp_hdr h;
	if (len < HRP_HDR_LEN)
		return 0;
	if (hrp_hdr_decode(buf, len, &h, NULL) < 0)
		return -EBADMSG;
	if (len < h.length)
		return 0;
	*msg_len = h.length;
	return 1;
}

int hrp_msg_split(const uint8_t *buf, size_t len, struct hrp_msg *m, enum hrp_drop *why)
{
	struct hrp_hdr h;
	if (hrp_hdr_decode(buf, len, &h, why) < 0) {
		if (why && *why == HRP_DROP_BAD_VERSION) {
			m->hdr.ver_major = h.ver_major;
			m->hdr.ver_minor = h.ver_minor;
		}
		return -EBADMSG;
	}
	/* A datagram is exactly one message: a shorter one was truncated, a longer one has junk. */
	if (h.length != len)
		return drop(why, HRP_DROP_BAD_LENGTH);
	size_t body_len = len - HRP_HDR_LEN;
	const uint8_t *trailer = NULL;
	if (h.flags & HRP_F_AUTH) {
		if (body_len < HRP_TRAILER_LEN)
			return drop(why, HRP_DROP_AUTH_SHORT);
		body_len -= HRP_TRAILER_LEN;
		trailer = buf + HRP_HDR_LEN + body_len;
	}
	*m = (struct hrp_msg){
		.hdr = h,
		.raw = buf,
		.raw_len = len,
		.body = buf + HRP_HDR_LEN,
		.body_len = body_len,
		.has_trailer = trailer != NULL,
		.key_id = trailer ? trailer[0] : 0,
		.mac = trailer ? trailer + 4 : NULL,
	};
	return 0;
}

static int mac_compute(const struct hrp_key *key, const uint8_t *msg, size_t len,
		       uint8_t out[HRP_MAC_LEN])
{
	crypto_auth_hmacsha256_state st;
	if (crypto_auth_hmacsha256_init(&st, key->bytes, key->len) != 0 ||
	    crypto_auth_hmacsha256_update(&st, msg, len) != 0 ||
	    crypto_auth_hmacsha256_final(&st, out) != 0) {
		sodium_memzero(&st, sizeof(st));
		return -EIO;
	}
	sodium_memzero(&st, sizeof(st));
	return 0;
}

int hrp_mac_sign(const struct hrp_key *key, uint8_t *msg, size_t len)
{
	if (!key || !key->set || len < HRP_MAC_LEN)
		return -EINVAL;
	return mac_compute(key, msg, len - HRP_MAC_LEN, msg + len - HRP_MAC_LEN);
}

int hrp_mac_verify(const struct hrp_key *key, const struct hrp_msg *m)
{
	uint8_t mac[HRP_MAC_LEN];
	if (!key || !key->set || !m->has_trailer)
		return -EINVAL;
	if (mac_compute(key, m->raw, m->raw_len - HRP_MAC_LEN, mac) < 0)
		return -EIO;
	int r = crypto_verify_32(mac, m->mac) == 0 ? 0 : -EBADMSG;
	sodium_memzero(mac, sizeof(mac));
	return r;
}

void hrp_tx_init(struct hrp_tx *tx, uint32_t sender_id, uint64_t epoch, uint32_t first_seq)
{
	*tx = (struct hrp_tx){ .sender_id = sender_id };
	hrp_tx_new_epoch(tx, epoch, first_seq);
}

void hrp_tx_new_epoch(struct hrp_tx *tx, uint64_t epoch, uint32_t first_seq)
{
	tx->epoch = epoch;
	for (int s = 0; s < HRP_STREAM_MAX; s++) {
		tx->seq[s] = first_seq;
		tx->count[s] = 0;
	}
}

bool hrp_tx_epoch_aging(const struct hrp_tx *tx)
{
	for (int s = 0; s < HRP_STREAM_MAX; s++)
		if (tx->count[s] >= HRP_TX_EPOCH_AGING)
			return true;
	return false;
}

void hrp_msg_begin(struct hrp_builder *b, void *buf, size_t cap, uint16_t type, uint16_t flags)
{
	*b = (struct hrp_builder){ .buf = buf, .cap = cap, .len = HRP_HDR_LEN };
	if (!buf || cap < HRP_HDR_LEN) {
		b->err = -ENOBUFS;
		return;
	}
	/* Type and flags now; the rest is stamped by hrp_msg_end(). */
	memset(buf, 0, HRP_HDR_LEN);
	hrp_put_u16(b->buf + 4, type);
	hrp_put_u16(b->buf + 6, flags & (uint16_t)~HRP_F_AUTH);
}

int hrp_tlv_put(struct hrp_builder *b, uint16_t type, const void *val, size_t len)
{
	if (b->err)
		return b->err;
	if (len > HRP_TLV_VAL_MAX)
		return b->err = -EMSGSIZE;
	if (len && !val)
		return b->err = -EINVAL;
	if (b->cap - b->len < HRP_TLV_HDR_LEN + len)
		return b->err = -ENOBUFS;
	hrp_put_u16(b->buf + b->len, type);
	hrp_put_u16(b->buf + b->len + 2, (uint16_t)len);
	if (len)
		memcpy(b->buf + b->len + HRP_TLV_HDR_LEN, val, len);
	b->len += HRP_TLV_HDR_LEN + len;
	return 0;
}

int hrp_tlv_put_u8(struct hrp_builder *b, uint16_t type, uint8_t v)
{
	return hrp_tlv_put(b, type, &v, 1);
}

int hrp_tlv_put_u16(struct hrp_builder *b, uint16_t type, uint16_t v)
{
	uint8_t x[2];
	hrp_put_u16(x, v);
	return hrp_tlv_put(b, type, x, sizeof(x));
}

int hrp_tlv_put_u32(struct hrp_builder *b, uint16_t type, uint32_t v)
{
	uint8_t x[4];
	hrp_put_u32(x, v);
	return hrp_tlv_put(b, type, x, sizeof(x));
}

int hrp_tlv_put_u64(struct hrp_builder *b, uint16_t type, uint64_t v)
{
	uint8_t x[8];
	hrp_put_u64(x, v);
	return hrp_tlv_put(b, type, x, sizeof(x));
}

int hrp_msg_end(struct hrp_builder *b, struct hrp_tx *tx, enum hrp_stream stream,
		const struct hrp_key *key, size_t *out_len)
{
	if (b->err)
		return b->err;
	if ((unsigned)stream >= HRP_STREAM_MAX)
		return -EINVAL;
	bool auth = key && key->set;
	size_t total = b->len + (auth ? HRP_TRAILER_LEN : 0);
	if (total > b->cap)
		return -ENOBUFS;
	if (total > HRP_MSG_SIZE_MAX)
		return -EMSGSIZE;
	if (tx->count[stream] >= HRP_TX_EPOCH_LIMIT)
		return -ERANGE;

	uint16_t flags = hrp_get_u16(b->buf + 6);
	if (auth)
		flags |= HRP_F_AUTH;
	if (stream == HRP_STREAM_DATA)
		flags |= HRP_F_DATA_STREAM;
	else
		flags &= (uint16_t)~HRP_F_DATA_STREAM;
	struct hrp_hdr h = {
		.ver_major = HS_HRP_VERSION_MAJOR,
		.ver_minor = HS_HRP_VERSION_MINOR,
		.type = hrp_get_u16(b->buf + 4),
		.flags = flags,
		.length = (uint32_t)total,
		.epoch = tx->epoch,
		.seq = tx->seq[stream],
		.sender_id = tx->sender_id,
	};
	hrp_hdr_encode(&h, b->buf);
	if (auth) {
		uint8_t *t = b->buf + b->len;
		t[0] = key->id;
		t[1] = t[2] = t[3] = 0;
		int r = hrp_mac_sign(key, b->buf, total);
		if (r < 0)
			return r;
	}
	tx->seq[stream]++;
	tx->count[stream]++;
	*out_len = total;
	return 0;
}

void hrp_tlv_iter_init(struct hrp_tlv_iter *it, const uint8_t *body, size_t len)
{
	it->p = body;
	it->left = body ? len : 0;
}

int hrp_tlv_next(struct hrp_tlv_iter *it, struct hrp_tlv *t)
{
	if (it->left == 0)
		return 0;
	if (it->left < HRP_TLV_HDR_LEN)
		return -EBADMSG;
	uint16_t len = hrp_get_u16(it->p + 2);
	if (it->left - HRP_TLV_HDR_LEN < len)
		return -EBADMSG;
	t->type = hrp_get_u16(it->p);
	t->len = len;
	t->val = it->p + HRP_TLV_HDR_LEN;
	it->p += HRP_TLV_HDR_LEN + len;
	it->left -= HRP_TLV_HDR_LEN + len;
	return 1;
}

int hrp_tlv_next_of(struct hrp_tlv_iter *it, uint16_t type, struct hrp_tlv *t)
{
	struct hrp_tlv x;
	int r;
	while ((r = hrp_tlv_next(it, &x)) == 1) {
		if ((x.type & ~HRP_TLV_CRITICAL) == (type & ~HRP_TLV_CRITICAL)) {
			*t = x;
			return 1;
		}
	}
	return r;
}

int hrp_tlv_find(const uint8_t *body, size_t len, uint16_t type, struct hrp_tlv *t)
{
	struct hrp_tlv_iter it;
	hrp_tlv_iter_init(&it, body, len);
	return hrp_tlv_next_of(&it, type, t);
}
