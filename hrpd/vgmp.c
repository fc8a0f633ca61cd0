/* vgmpd's side of hrpd. hrpd never decides the role: vgmpd hands over its VGMP payload
 * (vgmp-local), which every hello carries; hrpd hands back the peer's payload on every change
 * (event vgmp-peer), the peer going up or down at once (event peer), and the peer's VGMP
 * requests (event vgmp-request).
 *
 * A VGMP request (switchover, ack, nack) goes out at once with URGENT and ACK_REQUESTED on the
 * running link. The peer's hrpd acknowledges it at HRP level with a probe-ack naming its sequence
 * number, before and apart from any VGMP answer. Unacknowledged, it is sent again every quarter
 * of a hello interval (at least 5 ms), at most 3 times, so within one hello interval; then it
 * counts as lost (event vgmp-request-lost). Resends carry the same request id: the receiver
 * delivers each (type, id) once. */
#include <errno.h>
#include <string.h>

#include "cfgsync.h"
#include "hrpd.h"
#include "log.h"
#include "log_event.h"
#include "sess.h"

static void req_timer_fired(struct hs_timer *t, void *arg);

static json_t *digest_json(bool has, const uint8_t d[HRP_DIGEST_LEN])
{
	char hex[2 * HRP_DIGEST_LEN + 1];
	if (!has)
		return json_null();
	for (size_t i = 0; i < HRP_DIGEST_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return json_string(hex);
}

static int digest_parse(const char *s, uint8_t d[HRP_DIGEST_LEN])
{
	if (!s || strlen(s) != 2 * HRP_DIGEST_LEN)
		return -EINVAL;
	for (size_t i = 0; i < HRP_DIGEST_LEN; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		d[i] = (uint8_t)v;
	}
	return 0;
}

json_t *hrpd_vgmp_json(const struct hrp_vgmp *v)
{
	return json_pack("{s:i, s:s, s:I, s:o, s:o, s:o}", "priority", v->priority, "state",
			 hrp_vgmp_state_name(v->state), "readiness", (json_int_t)v->readiness,
			 "mode",
			 v->has_mode ? json_string(hrp_vgmp_mode_name(v->mode)) : json_null(),
			 "config_digest", digest_json(v->has_config_digest, v->config_digest),
			 "session_digest", digest_json(v->has_session_digest, v->session_digest));
}

static bool vgmp_equal(const struct hrp_vgmp *a, const struct hrp_vgmp *b)
{
	return a->priority == b->priority && a->state == b->state && a->readiness == b->readiness &&
	       a->has_mode == b->has_mode && (!a->has_mode || a->mode == b->mode) &&
	       a->has_config_digest == b->has_config_digest &&
	       (!a->has_config_digest ||
		memcmp(a->config_digest, b->config_digest, HRP_DIGEST_LEN) == 0) &&
	       a->has_session_digest == b->has_session_digest &&
	       (!a->has_session_digest ||
		memcmp(a->session_digest, b->session_digest, HRP_DIGEST_LEN) == 0);
}

/* Until vgmpd speaks: the configured priority and mode, state initialize, nothing ready. */
void hrpd_vgmp_default(struct hrpd *h)
{
	const struct hs_vgmpd_config *v = &h->d->config->vgmpd;
	h->local = (struct hrp_vgmp){
		.priority = (uint16_t)v->priority,
		.state = HRP_VGMP_INITIALIZE,
		.has_mode = true,
		.mode = v->mode == HS_MODE_LOAD_SHARING ? HRP_VGMP_MODE_LOAD_SHARING
							: HRP_VGMP_MODE_ACTIVE_STANDBY,
	};
	h->local_set = false;
	h->payload_gen = 1;
	hs_timer_init(&h->req_timer, &h->d->loop, req_timer_fired, h);
}

/* a is older than b, in serial number arithmetic (the generation wraps). */
static bool gen_older(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

void hrpd_vgmp_peer_hello(struct hrpd *h, const struct hrp_hello *hello)
{
	/* A hello that left on another link before the newest we took: its payload is stale. */
	if (hello->payload_gen && h->peer_payload_gen &&
	    gen_older(hello->payload_gen, h->peer_payload_gen)) {
		h->st.stale_payloads++;
		return;
	}
	if (hello->payload_gen)
		h->peer_payload_gen = hello->payload_gen;
	bool changed = !h->have_peer_hello || !vgmp_equal(&h->peer_hello.vgmp, &hello->vgmp);
	bool renamed = h->have_peer_hello && strcmp(h->peer_hello.sysname, hello->sysname) != 0;
	h->peer_hello = *hello;
	h->have_peer_hello = true;
	if (renamed)
		hs_notice("[hrp peer]", "the peer is now called %s", hello->sysname);
	if (!changed)
		return;
	hrpd_sess_update(h); /* readiness first: vgmpd must not see the peer before it */
	hrpd_cfgsync_update(h);
	hs_info("[hrp peer]", "%s: %s, priority %u, readiness 0x%x", hello->sysname,
		hrp_vgmp_state_name(hello->vgmp.state), hello->vgmp.priority,
		hello->vgmp.readiness);
	json_t *ev = json_pack("{s:o, s:s}", "payload", hrpd_vgmp_json(&hello->vgmp), "name",
			       hello->sysname);
	hrpd_publish(h, "vgmp-peer", ev);
	json_decref(ev);
}

void hrpd_vgmp_peer_event(struct hrpd *h, bool up, const char *reason)
{
	hrpd_sess_update(h);
	hrpd_cfgsync_update(h);
	json_t *ev = json_pack(
		"{s:s, s:s, s:o, s:o}", "state", up ? "up" : "down", "reason", reason, "name",
		h->have_peer_hello ? json_string(h->peer_hello.sysname) : json_null(), "payload",
		up && h->have_peer_hello ? hrpd_vgmp_json(&h->peer_hello.vgmp) : json_null());
	hrpd_publish(h, "peer", ev);
	json_decref(ev);
}

void hrpd_vgmp_reset_peer(struct hrpd *h)
{
	h->peer_payload_gen = 0; /* a new epoch counts from its own start */
	h->n_seen = 0;
	h->peer_registry.n = 0;
}

/* ---- vgmp-local ---- */

static int parse_name(const char *s, const char *(*name)(unsigned), unsigned max)
{
	for (unsigned i = 0; s && i < max; i++)
		if (strcmp(s, name(i)) == 0)
			return (int)i;
	return -1;
}

static void note_role(struct hrpd *h, uint8_t old, uint8_t now_state, const char *reason)
{
	if (old == now_state && h->local_set)
		return;
	snprintf(h->lc_old, sizeof(h->lc_old), "%s",
		 h->local_set ? hrp_vgmp_state_name(old) : "unknown");
	snprintf(h->lc_new, sizeof(h->lc_new), "%s", hrp_vgmp_state_name(now_state));
	snprintf(h->lc_reason, sizeof(h->lc_reason), "%s", reason ? reason : "vgmp");
	h->lc_local_prio = h->local.priority;
	h->lc_peer_prio = h->have_peer_hello ? h->peer_hello.vgmp.priority : -1;
	h->has_last_change = true;
	h->stable_since_ms = hrpd_uptime_ms(h);
	hs_event(LOG_NOTICE, "[hrp]",
		 &(struct hs_event){ .event = "hrp-role",
				     .old_state = h->lc_old,
				     .new_state = h->lc_new,
				     .reason = h->lc_reason,
				     .local_priority = h->lc_local_prio,
				     .peer_priority = h->lc_peer_prio >= 0
							      ? h->lc_peer_prio
							      : HS_EVENT_NO_PRIORITY });
}

/* {"priority": N, "state": S, "readiness": N, "mode": M, "config_digest": HEX,
 *  "session_digest": HEX, "urgent": B, "reason": "..."}: all but state optional. */
static int cmd_vgmp_local(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	struct hrpd *h = d->priv;
	json_int_t prio = h->local.priority, ready = h->local.readiness;
	const char *state = NULL, *mode = NULL, *cd = NULL, *sd = NULL, *reason = NULL;
	int urgent = 0;
	if (json_unpack(args, "{s:s, s?I, s?I, s?s, s?s, s?s, s?b, s?s}", "state", &state,
			"priority", &prio, "readiness", &ready, "mode", &mode, "config_digest", &cd,
			"session_digest", &sd, "urgent", &urgent, "reason", &reason) < 0) {
		snprintf(err, errlen,
			 "expected {\"state\": S, \"priority\": N, \"readiness\": N, "
			 "\"mode\": M, \"urgent\": B}");
		return -EINVAL;
	}
	struct hrp_vgmp v = h->local;
	int st = parse_name(state, hrp_vgmp_state_name, HRP_VGMP_STATE_MAX);
	int md = mode ? parse_name(mode, hrp_vgmp_mode_name, HRP_VGMP_MODE_MAX) : 0;
	if (st < 0 || md < 0 || prio < 0 || prio > 65535 || ready < 0 || ready > UINT32_MAX) {
		snprintf(err, errlen, "bad state, mode, priority (0-65535) or readiness");
		return -EINVAL;
	}
	if ((cd && digest_parse(cd, v.config_digest) < 0) ||
	    (sd && digest_parse(sd, v.session_digest) < 0)) {
		snprintf(err, errlen, "a digest is 64 hex digits");
		return -EINVAL;
	}
	v.has_config_digest = v.has_config_digest || cd;
	v.has_session_digest = v.has_session_digest || sd;
	v.state = (uint8_t)st;
	v.priority = (uint16_t)prio;
	v.readiness = (uint32_t)ready;
	if (mode) {
		v.has_mode = true;
		v.mode = (uint8_t)md;
	}
	uint8_t old = h->local.state;
	if (!vgmp_equal(&h->local, &v) && ++h->payload_gen == 0)
		h->payload_gen = 1;
	h->local = v;
	note_role(h, old, v.state, reason);
	h->local_set = true;
	hrpd_sess_update(h);
	hrpd_cfgsync_update(h);
	bool sent = false;
	if (urgent && h->enabled) {
		hrpd_send_hellos(h, true);
		sent = true;
	}
	*result =
		json_pack("{s:o, s:b}", "payload", hrpd_vgmp_json(&h->local), "urgent_sent", sent);
	return 0;
}

/* ---- requests ---- */

static int put_request(struct hrp_builder *b, const void *arg)
{
	return hrp_vgmp_request_put(b, arg);
}

static const char *kind_of(uint16_t type)
{
	switch (type) {
	case HRP_MSG_VGMP_SWITCHOVER: return "switchover";
	case HRP_MSG_VGMP_ACK: return "ack";
	case HRP_MSG_VGMP_NACK: return "nack";
	default: return "unknown";
	}
}

static uint32_t resend_ms(const struct hrpd *h)
{
	uint32_t s = h->hello_interval_ms / 4;
	return s > 5 ? s : 5;
}

static int req_send(struct hrpd *h, struct hrpd_request *q)
{
	struct hrpd_link *l = hrpd_running_link(h);
	int64_t seq =
		hrpd_send(h, l, q->type, HRP_F_URGENT | HRP_F_ACK_REQUESTED, put_request, &q->req);
	if (seq < 0)
		return (int)seq;
	q->seqs[q->sends < HRPD_REQ_SENDS ? q->sends : HRPD_REQ_SENDS - 1] = (uint32_t)seq;
	q->sends++;
	return 0;
}

static void req_rearm(struct hrpd *h)
{
	uint64_t next = UINT64_MAX;
	for (size_t i = 0; i < HRPD_REQ_MAX; i++)
		if (h->req[i].pending && h->req[i].next_ms < next)
			next = h->req[i].next_ms;
	if (next == UINT64_MAX)
		hs_timer_cancel(&h->req_timer);
	else
		hs_timer_arm_at(&h->req_timer, next);
}

void hrpd_vgmp_requests_rearm(struct hrpd *h)
{
	req_rearm(h);
}

static void req_lost(struct hrpd *h, struct hrpd_request *q, const char *why)
{
	q->pending = false;
	h->st.requests_lost++;
	hs_warn("[hrp]", "VGMP %s %u not acknowledged by the peer: %s", kind_of(q->type),
		q->req.request_id, why);
	json_t *ev = json_pack("{s:s, s:I, s:s}", "kind", kind_of(q->type), "request_id",
			       (json_int_t)q->req.request_id, "reason", why);
	hrpd_publish(h, "vgmp-request-lost", ev);
	json_decref(ev);
}

static void req_timer_fired(struct hs_timer *t, void *arg)
{
	struct hrpd *h = arg;
	uint64_t now = hs_now_ms();
	for (size_t i = 0; i < HRPD_REQ_MAX; i++) {
		struct hrpd_request *q = &h->req[i];
		if (!q->pending || now < q->next_ms)
			continue;
		if (q->sends >= HRPD_REQ_SENDS) {
			req_lost(h, q, "no HRP acknowledgement after 3 resends");
			continue;
		}
		h->st.retransmissions++;
		if (req_send(h, q) < 0)
			hs_debug(HS_DBG_HRP, "[hrp]", "resend of request %u failed",
				 q->req.request_id);
		q->next_ms = now + resend_ms(h);
	}
	req_rearm(h);
}

bool hrpd_vgmp_acked(struct hrpd *h, uint32_t ref_seq)
{
	for (size_t i = 0; i < HRPD_REQ_MAX; i++) {
		struct hrpd_request *q = &h->req[i];
		unsigned n = q->sends < HRPD_REQ_SENDS ? q->sends : HRPD_REQ_SENDS;
		for (unsigned k = 0; q->pending && k < n; k++)
			if (q->seqs[k] == ref_seq) {
				q->pending = false;
				hs_debug(HS_DBG_HRP, "[hrp]", "VGMP %s %u acknowledged (send %u)",
					 kind_of(q->type), q->req.request_id, k + 1);
				req_rearm(h);
				return true;
			}
	}
	return false;
}

/* {"kind": "switchover"|"ack"|"nack", "reason": NAME, "request_id": N (ack, nack),
 *  "state": S (switchover; default active)} */
static int cmd_vgmp_request(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	struct hrpd *h = d->priv;
	const char *kind = NULL, *reason = NULL, *state = "active";
	json_int_t id = -1;
	if (json_unpack(args, "{s:s, s?s, s?I, s?s}", "kind", &kind, "reason", &reason,
			"request_id", &id, "state", &state) < 0) {
		snprintf(err, errlen, "expected {\"kind\": K, \"reason\": R, \"request_id\": N}");
		return -EINVAL;
	}
	struct hrpd_request q = { .pending = true };
	if (strcmp(kind, "switchover") == 0)
		q.type = HRP_MSG_VGMP_SWITCHOVER;
	else if (strcmp(kind, "ack") == 0)
		q.type = HRP_MSG_VGMP_ACK;
	else if (strcmp(kind, "nack") == 0)
		q.type = HRP_MSG_VGMP_NACK;
	int rs = reason ? parse_name(reason, hrp_vgmp_reason_name, HRP_VGMP_REASON_MAX) : 0;
	int st = parse_name(state, hrp_vgmp_state_name, HRP_VGMP_STATE_MAX);
	if (!q.type || rs < 0 || st < 0 ||
	    (q.type != HRP_MSG_VGMP_SWITCHOVER && (id < 0 || id > UINT32_MAX))) {
		snprintf(err, errlen,
			 "kind switchover|ack|nack; ack and nack need the request_id "
			 "they answer; reason none|not-ready|priority|in-transition|"
			 "preempt-disabled|fault|admin");
		return -EINVAL;
	}
	if (!h->enabled || !hrpd_running_link(h)) {
		snprintf(err, errlen, "no running heartbeat link");
		return -ENOTCONN;
	}
	q.req.request_id = q.type == HRP_MSG_VGMP_SWITCHOVER ? ++h->next_request_id : (uint32_t)id;
	if (q.type == HRP_MSG_VGMP_SWITCHOVER) {
		q.req.has_state = true;
		q.req.state = (uint8_t)st;
		q.req.has_priority = true;
		q.req.priority = h->local.priority;
	}
	if (reason || q.type == HRP_MSG_VGMP_NACK) {
		q.req.has_reason = true;
		q.req.reason = (uint16_t)rs;
	}
	struct hrpd_request *slot = NULL;
	for (size_t i = 0; i < HRPD_REQ_MAX && !slot; i++)
		if (!h->req[i].pending)
			slot = &h->req[i];
	if (!slot) {
		/* The oldest waits longest: give it up for the new one. */
		slot = &h->req[0];
		req_lost(h, slot, "replaced by a newer request");
	}
	*slot = q;
	int r = req_send(h, slot);
	if (r < 0) {
		slot->pending = false;
		snprintf(err, errlen, "send: %s", strerror(-r));
		return r;
	}
	slot->next_ms = hs_now_ms() + resend_ms(h);
	req_rearm(h);
	*result = json_pack("{s:s, s:I, s:s}", "kind", kind, "request_id",
			    (json_int_t)slot->req.request_id, "link",
			    hrpd_running_link(h)->cfg.interface);
	return 0;
}

void hrpd_vgmp_rx_request(struct hrpd *h, struct hrpd_link *l, const struct hrp_rx_result *res)
{
	struct hrp_vgmp_request r;
	uint16_t type = res->msg.hdr.type;
	if (hrp_vgmp_request_get(res->msg.body, res->msg.body_len, &r) < 0)
		return;
	/* The HRP-level receipt: a probe-ack naming the message, resends included. */
	if (res->msg.hdr.flags & HRP_F_ACK_REQUESTED) {
		uint32_t seq = res->msg.hdr.seq;
		hrpd_send(h, l, HRP_MSG_PROBE_ACK, HRP_F_URGENT, hrpd_put_probe_ack, &seq);
	}
	for (unsigned i = 0; i < h->n_seen && i < HRPD_SEEN_MAX; i++)
		if (h->seen[i].type == type && h->seen[i].id == r.request_id) {
			h->st.requests_duplicate++;
			return;
		}
	h->seen[h->n_seen % HRPD_SEEN_MAX].type = type;
	h->seen[h->n_seen % HRPD_SEEN_MAX].id = r.request_id;
	h->n_seen++;
	hs_info("[hrp peer]", "VGMP %s %u (%s)", kind_of(type), r.request_id,
		r.has_reason ? hrp_vgmp_reason_name(r.reason) : "no reason");
	json_t *ev =
		json_pack("{s:s, s:I, s:s, s:o, s:o}", "kind", kind_of(type), "request_id",
			  (json_int_t)r.request_id, "reason",
			  r.has_reason ? hrp_vgmp_reason_name(r.reason) : "none", "state",
			  r.has_state ? json_string(hrp_vgmp_state_name(r.state)) : json_null(),
			  "priority", r.has_priority ? json_integer(r.priority) : json_null());
	hrpd_publish(h, "vgmp-request", ev);
	json_decref(ev);
}

const struct hs_ctl_command hrpd_vgmp_commands[] = {
	{ "vgmp-local",
	  "vgmpd's payload for the hellos: {\"state\", \"priority\", \"readiness\", "
	  "\"mode\", \"urgent\"}",
	  cmd_vgmp_local },
	{ "vgmp-request",
	  "send a VGMP request to the peer at once: {\"kind\": "
	  "switchover|ack|nack, \"reason\", \"request_id\"}",
	  cmd_vgmp_request },
	{ NULL },
};
