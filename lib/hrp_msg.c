/* HRP typed message bodies and the receive pipeline.
 *
 * hrp_rx() is the receive checklist, one exit per drop reason, each counted:
 *   1. header: size, magic, major version, length field equal to the datagram;
 *   2. trailer: present exactly when a key is configured, key id known, HMAC right;
 *   3. not our own sender id (a looped-back message);
 *   4. type: known types are checked against the registry (minimum length, TLV bounds and
 *      lengths, required TLVs, no repeats); unknown TLVs are skipped and counted; an unknown type
 *      or an unknown must-understand TLV is answered with not-supported;
 *   5. epoch and replay window (not for challenge; challenge-response proves its nonce instead),
 *      committed last, so a message that fails any check leaves the window untouched. */
#include "hrp_msg.h"

#include <errno.h>
#include <string.h>

#include "hrp_test_version.h"
#include "version.h"

static const char *const vgmp_state_names[HRP_VGMP_STATE_MAX] = {
	[HRP_VGMP_INITIALIZE] = "initialize",
	[HRP_VGMP_LOAD_BALANCE] = "load-balance",
	[HRP_VGMP_ACTIVE] = "active",
	[HRP_VGMP_STANDBY] = "standby",
};

static const char *const vgmp_mode_names[HRP_VGMP_MODE_MAX] = {
	[HRP_VGMP_MODE_ACTIVE_STANDBY] = "active-standby",
	[HRP_VGMP_MODE_LOAD_SHARING] = "load-sharing",
};

static const char *const vgmp_reason_names[HRP_VGMP_REASON_MAX] = {
	[HRP_VGMP_REASON_NONE] = "none",
	[HRP_VGMP_REASON_NOT_READY] = "not-ready",
	[HRP_VGMP_REASON_PRIORITY] = "priority",
	[HRP_VGMP_REASON_IN_TRANSITION] = "in-transition",
	[HRP_VGMP_REASON_PREEMPT_DISABLED] = "preempt-disabled",
	[HRP_VGMP_REASON_FAULT] = "fault",
	[HRP_VGMP_REASON_ADMIN] = "admin",
};

static const char *const data_channel_names[HRP_CHAN_MAX] = {
	[HRP_CHAN_INVALID] = "invalid",
	[HRP_CHAN_SESSION] = "session",
	[HRP_CHAN_CONFIG] = "config",
	[HRP_CHAN_UPGRADE] = "upgrade",
};

static const char *const rx_verdict_names[HRP_RX_VERDICT_MAX] = {
	[HRP_RX_ACCEPT] = "accept",
	[HRP_RX_DROP] = "drop",
	[HRP_RX_NOT_SUPPORTED] = "not-supported",
	[HRP_RX_NEED_CHALLENGE] = "need-challenge",
};

const char *hrp_vgmp_state_name(unsigned state)
{
	return state < HRP_VGMP_STATE_MAX ? vgmp_state_names[state] : "unknown";
}

const char *hrp_vgmp_mode_name(unsigned mode)
{
	return mode < HRP_VGMP_MODE_MAX ? vgmp_mode_names[mode] : "unknown";
}

const char *hrp_vgmp_reason_name(unsigned reason)
{
	return reason < HRP_VGMP_REASON_MAX ? vgmp_reason_names[reason] : "unknown";
}

const char *hrp_data_channel_name(unsigned channel)
{
	return channel < HRP_CHAN_MAX ? data_channel_names[channel] : "unknown";
}

const char *hrp_rx_verdict_name(enum hrp_rx_verdict v)
{
	return (unsigned)v < HRP_RX_VERDICT_MAX ? rx_verdict_names[v] : "invalid";
}

/* The first TLV of a type whose length is within [min, max]: 1 found, 0 absent, -EBADMSG. */
static int get_tlv(const uint8_t *body, size_t len, uint16_t type, size_t min, size_t max,
		   struct hrp_tlv *t)
{
	int r = hrp_tlv_find(body, len, type, t);
	if (r == 1 && (t->len < min || t->len > max))
		return -EBADMSG;
	return r;
}

#define GET_FIXED(body, len, type, n, t) get_tlv(body, len, type, n, n, t)

int hrp_vgmp_put(struct hrp_builder *b, const struct hrp_vgmp *v)
{
	hrp_tlv_put_u16(b, HRP_TLV_VGMP_PRIORITY, v->priority);
	hrp_tlv_put_u8(b, HRP_TLV_VGMP_STATE, v->state);
	hrp_tlv_put_u32(b, HRP_TLV_VGMP_READINESS, v->readiness);
	if (v->has_mode)
		hrp_tlv_put_u8(b, HRP_TLV_VGMP_MODE, v->mode);
	if (v->has_config_digest)
		hrp_tlv_put(b, HRP_TLV_CONFIG_DIGEST, v->config_digest, HRP_DIGEST_LEN);
	if (v->has_session_digest)
		hrp_tlv_put(b, HRP_TLV_SESSION_DIGEST, v->session_digest, HRP_DIGEST_LEN);
	return b->err;
}

int hrp_vgmp_get(const uint8_t *body, size_t len, struct hrp_vgmp *v)
{
	struct hrp_vgmp x = { 0 };
	struct hrp_tlv t;
	int r;

	if (GET_FIXED(body, len, HRP_TLV_VGMP_PRIORITY, 2, &t) != 1)
		return -EBADMSG;
	x.priority = hrp_get_u16(t.val);
	if (GET_FIXED(body, len, HRP_TLV_VGMP_STATE, 1, &t) != 1)
		return -EBADMSG;
	x.state = t.val[0];
	if (GET_FIXED(body, len, HRP_TLV_VGMP_READINESS, 4, &t) != 1)
		return -EBADMSG;
	x.readiness = hrp_get_u32(t.val);
	if ((r = GET_FIXED(body, len, HRP_TLV_VGMP_MODE, 1, &t)) < 0)
		return r;
	if (r == 1) {
		x.has_mode = true;
		x.mode = t.val[0];
	}
	if ((r = GET_FIXED(body, len, HRP_TLV_CONFIG_DIGEST, HRP_DIGEST_LEN, &t)) < 0)
		return r;
	if (r == 1) {
		x.has_config_digest = true;
		memcpy(x.config_digest, t.val, HRP_DIGEST_LEN);
	}
	if ((r = GET_FIXED(body, len, HRP_TLV_SESSION_DIGEST, HRP_DIGEST_LEN, &t)) < 0)
		return r;
	if (r == 1) {
		x.has_session_digest = true;
		memcpy(x.session_digest, t.val, HRP_DIGEST_LEN);
	}
	*v = x;
	return 0;
}

int hrp_hello_put(struct hrp_builder *b, const struct hrp_hello *h)
{
	size_t n = strnlen(h->sysname, sizeof(h->sysname));
	hrp_vgmp_put(b, &h->vgmp);
	if (n)
		hrp_tlv_put(b, HRP_TLV_SYSNAME, h->sysname,
			    n > HRP_SYSNAME_MAX ? HRP_SYSNAME_MAX : n);
	if (h->hello_interval_ms)
		hrp_tlv_put_u32(b, HRP_TLV_HELLO_INTERVAL, h->hello_interval_ms);
	if (h->n_key_ids)
		hrp_tlv_put(b, HRP_TLV_KEY_IDS, h->key_ids,
			    h->n_key_ids > HRP_KEY_IDS_MAX ? HRP_KEY_IDS_MAX : h->n_key_ids);
	if (h->has_next_epoch)
		hrp_tlv_put_u64(b, HRP_TLV_NEXT_EPOCH, h->next_epoch);
	if (h->payload_gen)
		hrp_tlv_put_u32(b, HRP_TLV_PAYLOAD_GEN, h->payload_gen);
#if HS_TEST_VERSION == 2 /* HRP_TESTV_TLV: the test build's new TLV, skipped by older peers */
	hrp_tlv_put_u32(b, HRP_TLV_TEST_EXTENSION, 1);
#endif
	return b->err;
}

int hrp_hello_get(const uint8_t *body, size_t len, struct hrp_hello *h)
{
	struct hrp_hello x;
	struct hrp_tlv t;
	int r;

	memset(&x, 0, sizeof(x));
	if (hrp_vgmp_get(body, len, &x.vgmp) < 0)
		return -EBADMSG;
	if ((r = get_tlv(body, len, HRP_TLV_SYSNAME, 1, HRP_SYSNAME_MAX, &t)) < 0)
		return r;
	if (r == 1) {
		/* Printable ASCII and no blank, as our config takes names: anything else would
		 * break the JSON the name goes into (invalid UTF-8) or the logs it goes to. */
		for (size_t i = 0; i < t.len; i++)
			if (t.val[i] < 0x21 || t.val[i] > 0x7e)
				return -EBADMSG;
		memcpy(x.sysname, t.val, t.len);
	}
	if ((r = GET_FIXED(body, len, HRP_TLV_HELLO_INTERVAL, 4, &t)) < 0)
		return r;
	if (r == 1)
		x.hello_interval_ms = hrp_get_u32(t.val);
	if ((r = get_tlv(body, len, HRP_TLV_KEY_IDS, 1, HRP_KEY_IDS_MAX, &t)) < 0)
		return r;
	if (r == 1) {
		x.n_key_ids = (uint8_t)t.len;
		memcpy(x.key_ids, t.val, t.len);
	}
	if ((r = GET_FIXED(body, len, HRP_TLV_NEXT_EPOCH, 8, &t)) < 0)
		return r;
	if (r == 1) {
		x.has_next_epoch = true;
		x.next_epoch = hrp_get_u64(t.val);
	}
	if ((r = GET_FIXED(body, len, HRP_TLV_PAYLOAD_GEN, 4, &t)) < 0)
		return r;
	if (r == 1)
		x.payload_gen = hrp_get_u32(t.val);
	*h = x;
	return 0;
}

int hrp_probe_ack_put(struct hrp_builder *b, uint32_t ref_seq)
{
	return hrp_tlv_put_u32(b, HRP_TLV_REF_SEQ, ref_seq);
}

int hrp_probe_ack_get(const uint8_t *body, size_t len, uint32_t *ref_seq)
{
	struct hrp_tlv t;
	if (GET_FIXED(body, len, HRP_TLV_REF_SEQ, 4, &t) != 1)
		return -EBADMSG;
	*ref_seq = hrp_get_u32(t.val);
	return 0;
}

int hrp_challenge_put(struct hrp_builder *b, const uint8_t nonce[HRP_NONCE_LEN])
{
	return hrp_tlv_put(b, HRP_TLV_NONCE, nonce, HRP_NONCE_LEN);
}

int hrp_challenge_get(const uint8_t *body, size_t len, uint8_t nonce[HRP_NONCE_LEN])
{
	struct hrp_tlv t;
	if (GET_FIXED(body, len, HRP_TLV_NONCE, HRP_NONCE_LEN, &t) != 1)
		return -EBADMSG;
	memcpy(nonce, t.val, HRP_NONCE_LEN);
	return 0;
}

int hrp_response_data_seq_put(struct hrp_builder *b, uint32_t seq)
{
	return hrp_tlv_put_u32(b, HRP_TLV_DATA_STREAM_SEQ, seq);
}

int hrp_response_data_seq_get(const uint8_t *body, size_t len, uint32_t *seq)
{
	struct hrp_tlv t;
	int r = GET_FIXED(body, len, HRP_TLV_DATA_STREAM_SEQ, 4, &t);
	if (r == 1)
		*seq = hrp_get_u32(t.val);
	return r;
}

int hrp_not_supported_put(struct hrp_builder *b, const struct hrp_not_supported *ns)
{
	uint8_t pv[2] = { ns->proto_major, ns->proto_minor };
	hrp_tlv_put_u16(b, HRP_TLV_REF_TYPE, ns->ref_type);
	hrp_tlv_put_u32(b, HRP_TLV_REF_SEQ, ns->ref_seq);
	hrp_tlv_put(b, HRP_TLV_PROTO_VERSION, pv, sizeof(pv));
	for (unsigned i = 0; i < ns->n_ref_tlvs && i < HRP_REF_TLVS_MAX; i++)
		hrp_tlv_put_u16(b, HRP_TLV_REF_TLV, ns->ref_tlvs[i]);
	return b->err;
}

int hrp_not_supported_get(const uint8_t *body, size_t len, struct hrp_not_supported *ns)
{
	struct hrp_not_supported x = { 0 };
	struct hrp_tlv_iter it;
	struct hrp_tlv t;
	int r;

	if (GET_FIXED(body, len, HRP_TLV_REF_TYPE, 2, &t) != 1)
		return -EBADMSG;
	x.ref_type = hrp_get_u16(t.val);
	if (GET_FIXED(body, len, HRP_TLV_REF_SEQ, 4, &t) != 1)
		return -EBADMSG;
	x.ref_seq = hrp_get_u32(t.val);
	if ((r = GET_FIXED(body, len, HRP_TLV_PROTO_VERSION, 2, &t)) < 0)
		return r;
	if (r == 1) {
		x.proto_major = t.val[0];
		x.proto_minor = t.val[1];
	}
	hrp_tlv_iter_init(&it, body, len);
	while ((r = hrp_tlv_next_of(&it, HRP_TLV_REF_TLV, &t)) == 1) {
		if (t.len != 2)
			return -EBADMSG;
		if (x.n_ref_tlvs < HRP_REF_TLVS_MAX)
			x.ref_tlvs[x.n_ref_tlvs++] = hrp_get_u16(t.val);
	}
	if (r < 0)
		return r;
	*ns = x;
	return 0;
}

int hrp_not_supported_encode(void *buf, size_t cap, struct hrp_tx *tx, const struct hrp_key *key,
			     const struct hrp_hdr *offending, uint16_t bad_tlv, size_t *out_len)
{
	struct hrp_builder b;
	struct hrp_not_supported ns = {
		.ref_type = offending->type,
		.ref_seq = offending->seq,
		.proto_major = HS_HRP_VERSION_MAJOR,
		.proto_minor = HS_HRP_VERSION_MINOR,
		.n_ref_tlvs = bad_tlv ? 1 : 0,
		.ref_tlvs = { bad_tlv },
	};
	hrp_msg_begin(&b, buf, cap, HRP_MSG_NOT_SUPPORTED, 0);
	hrp_not_supported_put(&b, &ns);
	return hrp_msg_end(&b, tx, HRP_STREAM_HEARTBEAT, key, out_len);
}

int hrp_vgmp_request_put(struct hrp_builder *b, const struct hrp_vgmp_request *r)
{
	hrp_tlv_put_u32(b, HRP_TLV_VGMP_REQUEST_ID, r->request_id);
	if (r->has_state)
		hrp_tlv_put_u8(b, HRP_TLV_VGMP_STATE, r->state);
	if (r->has_priority)
		hrp_tlv_put_u16(b, HRP_TLV_VGMP_PRIORITY, r->priority);
	if (r->has_reason)
		hrp_tlv_put_u16(b, HRP_TLV_VGMP_REASON, r->reason);
	return b->err;
}

int hrp_vgmp_request_get(const uint8_t *body, size_t len, struct hrp_vgmp_request *out)
{
	struct hrp_vgmp_request x = { 0 };
	struct hrp_tlv t;
	int r;

	if (GET_FIXED(body, len, HRP_TLV_VGMP_REQUEST_ID, 4, &t) != 1)
		return -EBADMSG;
	x.request_id = hrp_get_u32(t.val);
	if ((r = GET_FIXED(body, len, HRP_TLV_VGMP_STATE, 1, &t)) < 0)
		return r;
	if (r == 1) {
		x.has_state = true;
		x.state = t.val[0];
	}
	if ((r = GET_FIXED(body, len, HRP_TLV_VGMP_PRIORITY, 2, &t)) < 0)
		return r;
	if (r == 1) {
		x.has_priority = true;
		x.priority = hrp_get_u16(t.val);
	}
	if ((r = GET_FIXED(body, len, HRP_TLV_VGMP_REASON, 2, &t)) < 0)
		return r;
	if (r == 1) {
		x.has_reason = true;
		x.reason = hrp_get_u16(t.val);
	}
	*out = x;
	return 0;
}

int hrp_data_put(struct hrp_builder *b, uint8_t channel, uint32_t seq, uint32_t flags)
{
	hrp_tlv_put_u8(b, HRP_TLV_DATA_CHANNEL, channel);
	hrp_tlv_put_u32(b, HRP_TLV_DATA_SEQ, seq);
	if (flags)
		hrp_tlv_put_u32(b, HRP_TLV_DATA_FLAGS, flags);
	return b->err;
}

int hrp_data_get(const uint8_t *body, size_t len, struct hrp_data *d)
{
	struct hrp_data x = { 0 };
	struct hrp_tlv_iter it;
	struct hrp_tlv t;
	int r;

	if (GET_FIXED(body, len, HRP_TLV_DATA_CHANNEL, 1, &t) != 1)
		return -EBADMSG;
	x.channel = t.val[0];
	if (GET_FIXED(body, len, HRP_TLV_DATA_SEQ, 4, &t) != 1)
		return -EBADMSG;
	x.seq = hrp_get_u32(t.val);
	if ((r = GET_FIXED(body, len, HRP_TLV_DATA_FLAGS, 4, &t)) < 0)
		return r;
	if (r == 1)
		x.flags = hrp_get_u32(t.val);
	hrp_tlv_iter_init(&it, body, len);
	while ((r = hrp_tlv_next_of(&it, HRP_TLV_DATA_PAYLOAD, &t)) == 1)
		x.n_payloads++;
	if (r < 0)
		return r;
	*d = x;
	return 0;
}

int hrp_data_ack_put(struct hrp_builder *b, const struct hrp_data_ack *a)
{
	hrp_tlv_put_u8(b, HRP_TLV_DATA_CHANNEL, a->channel);
	hrp_tlv_put_u32(b, HRP_TLV_DATA_ACK_SEQ, a->ack_seq);
	if (a->has_window)
		hrp_tlv_put_u32(b, HRP_TLV_DATA_WINDOW, a->window);
	return b->err;
}

int hrp_data_ack_get(const uint8_t *body, size_t len, struct hrp_data_ack *a)
{
	struct hrp_data_ack x = { 0 };
	struct hrp_tlv t;
	int r;

	if (GET_FIXED(body, len, HRP_TLV_DATA_CHANNEL, 1, &t) != 1)
		return -EBADMSG;
	x.channel = t.val[0];
	if (GET_FIXED(body, len, HRP_TLV_DATA_ACK_SEQ, 4, &t) != 1)
		return -EBADMSG;
	x.ack_seq = hrp_get_u32(t.val);
	if ((r = GET_FIXED(body, len, HRP_TLV_DATA_WINDOW, 4, &t)) < 0)
		return r;
	if (r == 1) {
		x.has_window = true;
		x.window = hrp_get_u32(t.val);
	}
	*a = x;
	return 0;
}

/* ---- receive pipeline ---- */

static enum hrp_rx_verdict rx_end(const struct hrp_rx_ctx *ctx, struct hrp_rx_result *res,
				  enum hrp_rx_verdict v, enum hrp_drop why)
{
	struct hrp_counters *c = ctx->counters;
	res->verdict = v;
	res->drop = why;
	if (!c)
		return v;
	if (why != HRP_DROP_NONE && (unsigned)why < HRP_DROP_MAX)
		c->drop[why]++;
	if (v == HRP_RX_NEED_CHALLENGE)
		c->challenges++;
	if (v == HRP_RX_ACCEPT) {
		c->accepted++;
		c->unknown_tlvs += res->unknown_tlvs;
		if (res->msg.hdr.type < HRP_RX_TYPES)
			c->rx_type[res->msg.hdr.type]++;
	}
	if (res->new_epoch)
		c->new_epochs++;
	return v;
}

/* Epoch and window, committed. Maps the peer's verdict to ours; on success `ok` is returned. */
static enum hrp_rx_verdict rx_window(const struct hrp_rx_ctx *ctx, struct hrp_rx_result *res,
				     uint64_t now_ms, enum hrp_rx_verdict ok, enum hrp_drop ok_why)
{
	struct hrp_peer *p = ctx->peer;
	enum hrp_peer_verdict pv = hrp_peer_accept(p, &res->msg.hdr, now_ms);
	res->peer_verdict = pv;
	switch (pv) {
	case HRP_PEER_ACCEPT_NEW_EPOCH:
		res->new_epoch = true;
		res->epoch_announced = p->epoch_announced;
		/* fall through */
	case HRP_PEER_ACCEPT:
		hrp_peer_note_key(p, res->key_slot, res->msg.key_id);
		return rx_end(ctx, res, ok, ok_why);
	case HRP_PEER_NEED_CHALLENGE:
		return rx_end(ctx, res, HRP_RX_NEED_CHALLENGE, hrp_peer_verdict_drop(pv));
	default: return rx_end(ctx, res, HRP_RX_DROP, hrp_peer_verdict_drop(pv));
	}
}

static enum hrp_rx_verdict rx_challenge_response(const struct hrp_rx_ctx *ctx,
						 struct hrp_rx_result *res, uint64_t now_ms)
{
	uint8_t nonce[HRP_NONCE_LEN];
	uint32_t data_seq;
	if (hrp_challenge_get(res->msg.body, res->msg.body_len, nonce) < 0)
		return rx_end(ctx, res, HRP_RX_DROP, HRP_DROP_MISSING_TLV);
	/* hrp_body_check() has seen its length; absent from an older peer (1.0). */
	bool has_seq = hrp_response_data_seq_get(res->msg.body, res->msg.body_len, &data_seq) == 1;
	enum hrp_peer_verdict pv = hrp_peer_challenge_done(ctx->peer, &res->msg.hdr, nonce,
							   has_seq ? &data_seq : NULL, now_ms);
	res->peer_verdict = pv;
	if (pv != HRP_PEER_ACCEPT && pv != HRP_PEER_ACCEPT_NEW_EPOCH)
		return rx_end(ctx, res, HRP_RX_DROP, hrp_peer_verdict_drop(pv));
	res->new_epoch = pv == HRP_PEER_ACCEPT_NEW_EPOCH;
	hrp_peer_note_key(ctx->peer, res->key_slot, res->msg.key_id);
	return rx_end(ctx, res, HRP_RX_ACCEPT, HRP_DROP_NONE);
}

enum hrp_rx_verdict hrp_rx(const struct hrp_rx_ctx *ctx, const uint8_t *buf, size_t len,
			   uint64_t now_ms, struct hrp_rx_result *res)
{
	enum hrp_drop why = HRP_DROP_NONE;

	memset(res, 0, sizeof(*res));
	res->key_slot = HRP_KEY_NONE;
	if (ctx->counters)
		ctx->counters->rx++;
	ctx->peer->keyed = !hrp_keyring_empty(ctx->keys);

	/* 1. Header and length. */
	if (hrp_msg_split(buf, len, &res->msg, &why) < 0)
		return rx_end(ctx, res, HRP_RX_DROP, why);
	/* 2. Trailer: before anything in the message is believed. */
	if (hrp_keyring_verify(ctx->keys, &res->msg, &res->key_slot, &why) < 0)
		return rx_end(ctx, res, HRP_RX_DROP, why);
	/* 3. Our own message, looped back by a switch or a cable. */
	if (res->msg.hdr.sender_id == ctx->local_id)
		return rx_end(ctx, res, HRP_RX_DROP, HRP_DROP_LOOPED);
	/* 4. Type and body. An unknown type still passes the window before we answer it, so a
	 *    replayed one is not answered twice. */
	const struct hrp_msg_info *mi = hrp_msg_info(res->msg.hdr.type);
	if (!mi)
		return rx_window(ctx, res, now_ms, HRP_RX_NOT_SUPPORTED, HRP_DROP_UNKNOWN_TYPE);
	if (hrp_body_check(mi, res->msg.body, res->msg.body_len, &res->unknown_tlvs, &res->bad_tlv,
			   &why) < 0) {
		if (why == HRP_DROP_CRITICAL_TLV)
			return rx_window(ctx, res, now_ms, HRP_RX_NOT_SUPPORTED, why);
		return rx_end(ctx, res, HRP_RX_DROP, why);
	}
	/* A hello is read whole here (a sysname with a NUL in it): one hrpd cannot read does not
	 * count as the peer's sign of life. */
	if (res->msg.hdr.type == HRP_MSG_HELLO &&
	    hrp_hello_get(res->msg.body, res->msg.body_len, &res->hello) < 0)
		return rx_end(ctx, res, HRP_RX_DROP, HRP_DROP_BAD_BODY);
	/* 5. Epoch and window. A challenge is answered whatever its epoch (answering proves
	 *    nothing to anyone but the key holder who asked); a response must match our nonce. */
	if (res->msg.hdr.type == HRP_MSG_CHALLENGE)
		return rx_end(ctx, res, HRP_RX_ACCEPT, HRP_DROP_NONE);
	if (res->msg.hdr.type == HRP_MSG_CHALLENGE_RESPONSE)
		return rx_challenge_response(ctx, res, now_ms);
	enum hrp_rx_verdict v = rx_window(ctx, res, now_ms, HRP_RX_ACCEPT, HRP_DROP_NONE);
	/* A next epoch announced in an accepted hello (authenticated, fresh) is believed. */
	if (v == HRP_RX_ACCEPT && res->msg.hdr.type == HRP_MSG_HELLO && res->hello.has_next_epoch)
		hrp_peer_expect_epoch(ctx->peer, res->hello.next_epoch);
	return v;
}

static const char *const hrp_rx_epoch_names[HRP_RX_EPOCH_MAX] = {
	[HRP_RX_EPOCH_SAME] = "same",
	[HRP_RX_EPOCH_FIRST] = "first",
	[HRP_RX_EPOCH_ANNOUNCED] = "announced",
	[HRP_RX_EPOCH_RESTART] = "restart",
};

const char *hrp_rx_epoch_name(enum hrp_rx_epoch e)
{
	return (unsigned)e < HRP_RX_EPOCH_MAX ? hrp_rx_epoch_names[e] : "invalid";
}

enum hrp_rx_epoch hrp_rx_epoch_change(const struct hrp_rx_result *res, bool was_known)
{
	if (!res->new_epoch)
		return HRP_RX_EPOCH_SAME;
	if (!was_known)
		return HRP_RX_EPOCH_FIRST;
	/* Announced in an accepted hello of the current epoch (section 7.3): the process that
	 * announced it goes on, with its registry, sessions and config. A challenged epoch is
	 * never one: the announcement was lost, or the peer restarted. */
	return res->epoch_announced ? HRP_RX_EPOCH_ANNOUNCED : HRP_RX_EPOCH_RESTART;
}
