/* Fuzz target: the HRP receive path as hrpd runs it, with a fixed key.
 *
 * The first input byte picks how the rest is used:
 *   mode 0  a byte stream from the data stream: framed with hrp_msg_peek(), each message through
 *           hrp_rx() with and without a key, then the typed decoder for its type;
 *   mode 1  one message re-signed with the fixed key and its epoch already proven, so that the
 *           fuzzer gets past the HMAC and the window into the body checks and decoders;
 *   mode 2  a bare body: checked against every registry entry, decoded by every typed decoder
 *           and as a registry (compared with ours), and read as a session record.
 * Every verdict's follow-up runs too: a not-supported answer, a challenge. Each data payload on
 * the session channel is read as a session record (lib/hrp_session.h): every entry decoded is
 * encoded again and must decode to the same entry. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hrp_msg.h"
#include "hrp_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_KEY      "hrp-fuzz-key"
#define FUZZ_LOCAL_ID 0x0a0000feu

static struct hrp_keyring keys;
static struct hrp_keyring no_keys;
static struct hrp_registry local_reg;
static int ready;

static void setup(void)
{
	if (ready)
		return;
	hrp_keyring_init(&keys);
	hrp_keyring_init(&no_keys);
	hrp_keyring_set(&keys, HRP_KEY_CURRENT, 1, FUZZ_KEY, strlen(FUZZ_KEY));
	hrp_keyring_set(&keys, HRP_KEY_NEXT, 2, FUZZ_KEY "-next", strlen(FUZZ_KEY "-next"));
	hrp_registry_local(&local_reg);
	ready = 1;
}

static bool tuple_same(const struct hs_sess_tuple *a, const struct hs_sess_tuple *b)
{
	return memcmp(a->src, b->src, sizeof(a->src)) == 0 &&
	       memcmp(a->dst, b->dst, sizeof(a->dst)) == 0 && a->sport == b->sport &&
	       a->dport == b->dport;
}

/* Field by field: the struct has padding. */
static bool sess_same(const struct hs_sess *a, const struct hs_sess *b)
{
	return a->op == b->op && a->family == b->family && a->l4proto == b->l4proto &&
	       a->zone == b->zone && a->zone_dir[0] == b->zone_dir[0] &&
	       a->zone_dir[1] == b->zone_dir[1] && tuple_same(&a->orig, &b->orig) &&
	       tuple_same(&a->reply, &b->reply) && a->status == b->status &&
	       a->timeout == b->timeout && a->has == b->has && a->mark == b->mark &&
	       memcmp(a->labels, b->labels, sizeof(a->labels)) == 0 &&
	       memcmp(a->seqadj, b->seqadj, sizeof(a->seqadj)) == 0 &&
	       a->proto_state == b->proto_state && a->wscale[0] == b->wscale[0] &&
	       a->wscale[1] == b->wscale[1] && a->tcp_flags[0] == b->tcp_flags[0] &&
	       a->tcp_flags[1] == b->tcp_flags[1] && a->vtag[0] == b->vtag[0] &&
	       a->vtag[1] == b->vtag[1];
}

/* A session record as hrpd reads it: entry by entry until the end or the first error. */
static void session_record(const uint8_t *rec, size_t len)
{
	struct hs_sess s, again;
	uint8_t buf[HS_SESS_ENTRY_MAX];
	size_t off = 0;
	enum hs_sess_err e = hs_sess_record_check(rec, len, &off);

	while (e == HS_SESS_OK && (e = hs_sess_decode(rec, len, &off, &s)) == HS_SESS_OK) {
		if (off > len)
			__builtin_trap();
		(void)hs_sess_key_hash(&s);
		(void)hs_sess_content_hash(&s);
		/* What was decoded encodes, no longer than the longest entry, to the same entry. */
		size_t n = hs_sess_encode(&s, buf, sizeof(buf));
		if (n == 0 || n > HS_SESS_ENTRY_LONGEST || n != hs_sess_entry_len(&s))
			__builtin_trap();
		size_t o2 = 0;
		uint8_t rec2[1 + HS_SESS_ENTRY_MAX];
		rec2[0] = HS_SESS_WIRE_VERSION;
		memcpy(rec2 + 1, buf, n);
		if (hs_sess_record_check(rec2, n + 1, &o2) != HS_SESS_OK ||
		    hs_sess_decode(rec2, n + 1, &o2, &again) != HS_SESS_OK || o2 != n + 1 ||
		    !sess_same(&s, &again))
			__builtin_trap();
	}
	(void)hs_sess_err_name(e);
}

static void decode_body(uint16_t type, const uint8_t *body, size_t len)
{
	static struct hrp_registry reg;
	static struct hrp_compat_result cmp;
	struct hrp_hello hello;
	struct hrp_vgmp_request req;
	struct hrp_not_supported ns;
	struct hrp_data dat;
	struct hrp_data_ack ack;
	uint8_t nonce[HRP_NONCE_LEN];
	uint32_t ref;
	struct hrp_tlv_iter it;
	struct hrp_tlv t;

	switch (type) {
	case HRP_MSG_HELLO:
		if (hrp_hello_get(body, len, &hello) == 0) {
			(void)hrp_vgmp_state_name(hello.vgmp.state);
			(void)hrp_vgmp_mode_name(hello.vgmp.mode);
		}
		break;
	case HRP_MSG_PROBE_ACK: (void)hrp_probe_ack_get(body, len, &ref); break;
	case HRP_MSG_CHALLENGE: (void)hrp_challenge_get(body, len, nonce); break;
	case HRP_MSG_CHALLENGE_RESPONSE:
		(void)hrp_challenge_get(body, len, nonce);
		(void)hrp_response_data_seq_get(body, len, &ref);
		break;
	case HRP_MSG_NOT_SUPPORTED: (void)hrp_not_supported_get(body, len, &ns); break;
	case HRP_MSG_REGISTRY:
		if (hrp_registry_decode(body, len, &reg) == 0)
			(void)hrp_registry_compare(&local_reg, &reg, &cmp);
		break;
	case HRP_MSG_VGMP_SWITCHOVER:
	case HRP_MSG_VGMP_ACK:
	case HRP_MSG_VGMP_NACK:
		if (hrp_vgmp_request_get(body, len, &req) == 0)
			(void)hrp_vgmp_reason_name(req.reason);
		break;
	case HRP_MSG_DATA:
		if (hrp_data_get(body, len, &dat) == 0) {
			hrp_tlv_iter_init(&it, body, len);
			while (hrp_tlv_next_of(&it, HRP_TLV_DATA_PAYLOAD, &t) == 1)
				if (dat.channel == HRP_CHAN_SESSION)
					session_record(t.val, t.len);
		}
		break;
	case HRP_MSG_DATA_ACK: (void)hrp_data_ack_get(body, len, &ack); break;
	default: break;
	}
}

/* What hrpd does after hrp_rx(). */
static void follow_up(struct hrp_peer *peer, const struct hrp_keyring *kr,
		      const struct hrp_rx_result *res)
{
	static const uint8_t fresh[HRP_NONCE_LEN] = { 0x5a };
	uint8_t out[512], nonce[HRP_NONCE_LEN];
	struct hrp_tx tx;
	size_t n;

	hrp_tx_init(&tx, FUZZ_LOCAL_ID, 42, 0);
	switch (res->verdict) {
	case HRP_RX_ACCEPT: decode_body(res->msg.hdr.type, res->msg.body, res->msg.body_len); break;
	case HRP_RX_NOT_SUPPORTED:
		(void)hrp_not_supported_encode(out, sizeof(out), &tx,
					       hrp_keyring_key(kr, HRP_KEY_CURRENT), &res->msg.hdr,
					       res->bad_tlv, &n);
		break;
	case HRP_RX_NEED_CHALLENGE: hrp_peer_challenge_start(peer, fresh, 0, nonce); break;
	default: (void)hrp_drop_name(res->drop); break;
	}
}

static void rx_one(const struct hrp_keyring *kr, const uint8_t *msg, size_t len, bool prove)
{
	struct hrp_peer peer;
	struct hrp_counters counters;
	struct hrp_rx_result res;
	struct hrp_hdr h;

	memset(&counters, 0, sizeof(counters));
	hrp_peer_init(&peer, !hrp_keyring_empty(kr));
	if (prove && hrp_hdr_decode(msg, len, &h, NULL) == 0) {
		/* As if a challenge had already proven this epoch. */
		peer.known = true;
		peer.sender_id = h.sender_id;
		peer.epoch = h.epoch;
	}
	struct hrp_rx_ctx ctx = {
		.local_id = FUZZ_LOCAL_ID, .keys = kr, .peer = &peer, .counters = &counters
	};
	hrp_rx(&ctx, msg, len, 0, &res);
	follow_up(&peer, kr, &res);
	/* The same message again: must not be accepted twice (replay), whatever it was. */
	enum hrp_rx_verdict v1 = res.verdict;
	hrp_rx(&ctx, msg, len, 0, &res);
	if (v1 == HRP_RX_ACCEPT && res.verdict == HRP_RX_ACCEPT &&
	    res.msg.hdr.type != HRP_MSG_CHALLENGE)
		__builtin_trap();
}

static void mode_stream(const uint8_t *data, size_t size)
{
	size_t off = 0, n;
	while (off < size && hrp_msg_peek(data + off, size - off, &n) == 1) {
		rx_one(&keys, data + off, n, false);
		rx_one(&no_keys, data + off, n, false);
		off += n;
	}
	/* And the whole input as one datagram. */
	rx_one(&keys, data, size, false);
	rx_one(&no_keys, data, size, false);
}

static void mode_signed(const uint8_t *data, size_t size)
{
	static uint8_t buf[HRP_MSG_SIZE_MAX];
	if (size < HRP_HDR_LEN || size + HRP_TRAILER_LEN > sizeof(buf))
		return;
	memcpy(buf, data, size);
	size_t total = size + HRP_TRAILER_LEN;
	hrp_put_u16(buf, HRP_MAGIC);
	buf[2] = 1;
	hrp_put_u16(buf + 6, (uint16_t)(hrp_get_u16(buf + 6) | HRP_F_AUTH));
	hrp_put_u32(buf + 8, (uint32_t)total);
	const struct hrp_key *k =
		hrp_keyring_key(&keys, (data[6] & 1) ? HRP_KEY_NEXT : HRP_KEY_CURRENT);
	buf[size] = k->id;
	buf[size + 1] = buf[size + 2] = buf[size + 3] = 0;
	if (hrp_mac_sign(k, buf, total) == 0)
		rx_one(&keys, buf, total, true);
}

static void mode_body(const uint8_t *data, size_t size)
{
	for (uint16_t t = 0; t <= HRP_MSG_MAX; t++) {
		const struct hrp_msg_info *mi = hrp_msg_info(t);
		unsigned unknown;
		uint16_t bad;
		enum hrp_drop why;
		if (mi)
			(void)hrp_body_check(mi, data, size, &unknown, &bad, &why);
		decode_body(t, data, size);
	}
	session_record(data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0: mode_stream(data + 1, size - 1); break;
	case 1: mode_signed(data + 1, size - 1); break;
	default: mode_body(data + 1, size - 1); break;
	}
	return 0;
}
