/* hrpd's hot-restart snapshot in JSON (hrp_snapshot.h). 64-bit values that may pass INT64_MAX
 * (epochs, replay bitmaps) are hex strings; deadlines are integers or null (never). */
#include "hrp_snapshot.h"
#include "hex.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY_MAX 65536 /* a registry or hello body: far above what either holds */

/* ---- writing ---- */

static json_t *u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *deadline(uint64_t ms)
{
	return ms == HRP_LV_NEVER ? json_null() : u64(ms);
}

static json_t *hex64(uint64_t v)
{
	char s[24];
	snprintf(s, sizeof(s), "%016llx", (unsigned long long)v);
	return json_string(s);
}

static json_t *hex(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);
	if (!s)
		return NULL;
	hs_hex(p, n, s);
	json_t *j = json_string(s);
	free(s);
	return j;
}

/* A TLV body built by put(b, arg), as hex. */
static json_t *body_hex(int (*put)(struct hrp_builder *, const void *), const void *arg)
{
	uint8_t *buf = malloc(BODY_MAX);
	if (!buf)
		return NULL;
	struct hrp_builder b;
	hrp_msg_begin(&b, buf, BODY_MAX, HRP_MSG_HELLO, 0);
	json_t *j = put(&b, arg) == 0 && b.err == 0 ? hex(buf + HRP_HDR_LEN, b.len - HRP_HDR_LEN)
						    : NULL;
	free(buf);
	return j;
}

static int put_hello(struct hrp_builder *b, const void *arg)
{
	return hrp_hello_put(b, arg);
}

static int put_vgmp(struct hrp_builder *b, const void *arg)
{
	return hrp_vgmp_put(b, arg);
}

static int put_registry(struct hrp_builder *b, const void *arg)
{
	return hrp_registry_encode(arg, b);
}

/* The counters by name: a reader keeps those it knows. */
#define C(s, field)                                                                                \
	{                                                                                          \
#field, offsetof(struct s, field)                                                  \
	}
struct named {
	const char *name;
	size_t off;
};
static const struct named hrp_counter_fields[] = {
	C(hrp_counters, rx),         C(hrp_counters, accepted),   C(hrp_counters, unknown_tlvs),
	C(hrp_counters, new_epochs), C(hrp_counters, challenges),
};
static const struct named lv_counter_fields[] = {
	C(hrp_lv_counters, peer_up),         C(hrp_lv_counters, peer_down),
	C(hrp_lv_counters, negotiations),    C(hrp_lv_counters, negotiations_recovered),
	C(hrp_lv_counters, probes),          C(hrp_lv_counters, restarts),
	C(hrp_lv_counters, running_changes), C(hrp_lv_counters, link_changes),
};
static const struct named link_counter_fields[] = {
	C(hrp_snap_link, hellos_sent),
	C(hrp_snap_link, hellos_received),
	C(hrp_snap_link, tx),
	C(hrp_snap_link, rx),
	C(hrp_snap_link, tx_errors),
	C(hrp_snap_link, wrong_source),
	C(hrp_snap_link, auth_failures),
};
#undef C
#define N(a) (sizeof(a) / sizeof((a)[0]))

static void named_put(json_t *o, const struct named *f, size_t n, const void *base)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v;
		memcpy(&v, (const char *)base + f[i].off, sizeof(v));
		json_object_set_new(o, f[i].name, u64(v));
	}
}

static json_t *peer_encode(const struct hrp_peer *p)
{
	json_t *win = json_array(), *old = json_array();
	for (int i = 0; i < HRP_STREAM_MAX; i++)
		json_array_append_new(win, json_pack("{s:b, s:I, s:o}", "valid", p->win[i].valid,
						     "top", (json_int_t)p->win[i].top, "bitmap",
						     hex64(p->win[i].bitmap)));
	for (unsigned i = 0; i < p->n_old && i < HRP_EPOCH_HISTORY; i++)
		json_array_append_new(old, hex64(p->old_epochs[i]));
	return json_pack(
		"{s:b, s:b, s:I, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:i, s:i, s:o, s:o, s:o}",
		"keyed", p->keyed, "known", p->known, "sender_id", (json_int_t)p->sender_id,
		"epoch", hex64(p->epoch), "windows", win, "old_epochs", old, "next_epoch",
		p->has_next_epoch ? hex64(p->next_epoch) : json_null(), "challenge_pending",
		p->challenge_pending, "nonce", hex(p->nonce, HRP_NONCE_LEN), "challenge_issued_ms",
		u64(p->challenge_issued_ms), "challenge_sent_ms", u64(p->challenge_sent_ms),
		"key_slot", p->key_slot, "key_id", p->key_id, "epoch_changes",
		u64(p->epoch_changes), "epochs_taken_back", u64(p->epochs_taken_back),
		"incarnation", hex64(p->incarnation));
}

static json_t *lv_encode(const struct hrp_liveness *lv)
{
	json_t *links = json_array(), *counters = json_object();
	for (size_t i = 0; i < lv->p.n_links && i < HRP_LV_LINKS_MAX; i++) {
		const struct hrp_lv_link *l = &lv->link[i];
		json_array_append_new(links,
				      json_pack("{s:b, s:b, s:s, s:o, s:o}", "admin_up",
						l->admin_up, "heard", l->heard, "state",
						hrp_lv_link_state_name(l->state), "last_rx_ms",
						u64(l->last_rx_ms), "since_ms", u64(l->since_ms)));
	}
	named_put(counters, lv_counter_fields, N(lv_counter_fields), &lv->counters);
	return json_pack("{s:i, s:i, s:i, s:b, s:i, s:s, s:o, s:o, s:b, s:i, s:o, s:o, s:o, s:o}",
			 "interval_ms", (int)lv->p.hello_interval_ms, "dead_count",
			 (int)lv->p.dead_count, "peer_interval_ms", (int)lv->peer_interval_ms,
			 "started", lv->started, "running", lv->running, "peer",
			 hrp_lv_peer_state_name(lv->peer), "peer_since_ms", u64(lv->peer_since_ms),
			 "peer_last_rx_ms", u64(lv->peer_last_rx_ms), "announced_up",
			 lv->announced_up, "probes_sent", (int)lv->probes_sent, "next_probe_ms",
			 deadline(lv->next_probe_ms), "next_hello_ms", deadline(lv->next_hello_ms),
			 "counters", counters, "links", links);
}

static json_t *vgmp_encode(const struct hrp_snapshot *s)
{
	json_t *req = json_array(), *seen = json_array();
	for (size_t i = 0; i < s->n_requests && i < HRP_SNAP_REQ_MAX; i++) {
		const struct hrp_snap_request *q = &s->req[i];
		json_t *seqs = json_array();
		for (unsigned k = 0; k < q->sends && k < HRP_SNAP_SENDS_MAX; k++)
			json_array_append_new(seqs, u64(q->seqs[k]));
		json_array_append_new(
			req,
			json_pack("{s:i, s:I, s:o, s:o, s:o, s:o, s:o}", "type", q->type,
				  "request_id", (json_int_t)q->req.request_id, "state",
				  q->req.has_state ? json_integer(q->req.state) : json_null(),
				  "priority",
				  q->req.has_priority ? json_integer(q->req.priority) : json_null(),
				  "reason",
				  q->req.has_reason ? json_integer(q->req.reason) : json_null(),
				  "seqs", seqs, "next_ms", deadline(q->next_ms)));
	}
	for (size_t i = 0; i < s->n_seen && i < HRP_SNAP_SEEN_MAX; i++)
		json_array_append_new(seen, json_pack("{s:i, s:I}", "type", s->seen[i].type, "id",
						      (json_int_t)s->seen[i].id));
	return json_pack("{s:o, s:I, s:I, s:I, s:o, s:o}", "local",
			 s->local_set ? body_hex(put_vgmp, &s->local) : json_null(), "payload_gen",
			 (json_int_t)s->payload_gen, "peer_payload_gen",
			 (json_int_t)s->peer_payload_gen, "next_request_id",
			 (json_int_t)s->next_request_id, "requests", req, "seen", seen);
}

static json_t *links_encode(const struct hrp_snapshot *s)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < s->n_links; i++) {
		const struct hrp_snap_link *l = &s->links[i];
		json_t *o = json_pack("{s:s, s:o, s:b, s:I}", "interface", l->interface,
				      "last_rx_ms", u64(l->last_rx_ms), "heard", l->heard, "rtt_us",
				      (json_int_t)l->rtt_us);
		if (o)
			named_put(o, link_counter_fields, N(link_counter_fields), l);
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *data_encode(const struct hrp_snapshot *s)
{
	json_t *a = json_array();
	for (unsigned c = 1; a && c < HRP_CHAN_MAX; c++) {
		const struct hrp_snap_data_chan *d = &s->data[c];
		if (!d->used)
			continue;
		/* A reader of minor 1 drops the records it cannot read: its producer must then
		 * send a full snapshot, so its "resync" says so. */
		bool held = s->data_tx && s->data_tx->ch[c].records;
		json_t *o = json_pack("{s:i, s:I, s:b, s:b, s:I}", "channel", (int)c, "tx_next",
				      (json_int_t)d->tx_next, "resync", d->resync || held,
				      "rx_synced", d->rx_synced, "rx_next", (json_int_t)d->rx_next);
		json_t *st = o && s->data_tx ? hrp_snap_stream_encode(s->data_tx, d, c) : NULL;
		if (!o || (s->data_tx && (!st || json_object_set_new(o, "stream", st) < 0)) ||
		    json_array_append_new(a, o) < 0) {
			json_decref(o);
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *session_encode(const struct hrp_snap_session *ss)
{
	if (!ss->present)
		return json_null();
	return json_pack("{s:b, s:b, s:b, s:b, s:b, s:b, s:o, s:b, s:{s:o, s:o}}", "local_active",
			 ss->local_active, "source", ss->source, "peer_was_up", ss->peer_was_up,
			 "synced", ss->synced, "ready", ss->ready, "resync_owed", ss->resync_owed,
			 "synced_epoch", hex64(ss->synced_epoch), "missed_sync", ss->missed_sync,
			 "dirty", "ranges", hex64(ss->dirty.ranges), "asked_ms",
			 u64(ss->dirty.asked_ms));
}

json_t *hrp_snapshot_encode(const struct hrp_snapshot *s)
{
	if (s->n_links < 1 || s->n_links > HRP_LV_LINKS_MAX || s->n_links != s->lv.p.n_links)
		return NULL;
	json_t *counters = json_object();
	if (counters)
		named_put(counters, hrp_counter_fields, N(hrp_counter_fields), &s->counters);
	json_t *tx = json_pack("{s:o, s:[I, I], s:[I, I]}", "epoch", hex64(s->tx.epoch), "seq",
			       (json_int_t)s->tx.seq[HRP_STREAM_HEARTBEAT],
			       (json_int_t)s->tx.seq[HRP_STREAM_DATA], "count",
			       (json_int_t)s->tx.count[HRP_STREAM_HEARTBEAT],
			       (json_int_t)s->tx.count[HRP_STREAM_DATA]);
	json_t *j = json_pack(
		"{s:s, s:i, s:i, s:I, s:o*, s:o, s:i, s:o*, s:o*, s:o*, s:o, s:o, s:o*, s:o*, "
		"s:o*}",
		"format", HRP_SNAPSHOT_FORMAT, "major", HRP_SNAPSHOT_MAJOR, "minor",
		HRP_SNAPSHOT_MINOR, "sender_id", (json_int_t)s->sender_id, "tx", tx, "next_epoch",
		s->next_epoch_set ? hex64(s->next_epoch) : json_null(), "next_epoch_announced",
		(int)s->next_epoch_announced, "peer", peer_encode(&s->peer), "counters", counters,
		"liveness", lv_encode(&s->lv), "peer_hello",
		s->have_peer_hello ? body_hex(put_hello, &s->peer_hello) : json_null(),
		"peer_registry",
		s->peer_registry.n ? body_hex(put_registry, &s->peer_registry) : json_null(),
		"vgmp", vgmp_encode(s), "links", links_encode(s), "data", data_encode(s));
	if (j && (json_object_set_new(j, "session", session_encode(&s->session)) < 0 ||
		  json_object_set_new(j, "data_conn", hrp_snap_conn_encode(&s->data_conn)) < 0)) {
		json_decref(j);
		return NULL;
	}
	/* A part that failed to build (no memory) must not pass for an absent one. */
	if (j && (!json_object_get(j, "tx") || !json_object_get(j, "peer") ||
		  !json_object_get(j, "liveness") || !json_object_get(j, "vgmp") ||
		  !json_object_get(j, "links") || !json_object_get(j, "data") ||
		  !json_object_get(j, "counters"))) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* ---- reading ---- */

/* The first failure, with the field to blame; later reads see it and do nothing. */
struct rd {
	char *err;
	size_t errlen;
	int r;
};

static void fail(struct rd *rd, const char *what)
{
	if (rd->r == 0) {
		snprintf(rd->err, rd->errlen, "malformed hrpd snapshot: %s", what);
		rd->r = -EINVAL;
	}
}

static uint64_t rd_u64(struct rd *rd, const json_t *o, const char *key, uint64_t max)
{
	const json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max) {
		fail(rd, key);
		return 0;
	}
	return (uint64_t)json_integer_value(v);
}

static uint64_t rd_deadline(struct rd *rd, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return !v || json_is_null(v) ? HRP_LV_NEVER : rd_u64(rd, o, key, HRP_LV_NEVER - 1);
}

static bool rd_bool(struct rd *rd, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	if (v && !json_is_boolean(v))
		fail(rd, key);
	return json_is_true(v);
}

static uint64_t hex64_of(struct rd *rd, const json_t *v, const char *what)
{
	uint8_t b[8];
	if (!json_is_string(v) || hs_unhex(json_string_value(v), b, 8) != 8) {
		fail(rd, what);
		return 0;
	}
	return hrp_get_u64(b);
}

/* A TLV body (hex) read by get(); absent or null: *present false. */
static void rd_body(struct rd *rd, const json_t *o, const char *key, bool *present,
		    int (*get)(const uint8_t *, size_t, void *), void *out)
{
	const json_t *v = json_object_get(o, key);
	*present = false;
	if (!v || json_is_null(v))
		return;
	uint8_t *buf = malloc(BODY_MAX);
	long n = buf && json_is_string(v) ? hs_unhex(json_string_value(v), buf, BODY_MAX) : -1;
	if (n < 0 || get(buf, (size_t)n, out) < 0)
		fail(rd, key);
	else
		*present = true;
	free(buf);
}

static int get_hello(const uint8_t *b, size_t n, void *out)
{
	return hrp_hello_get(b, n, out);
}

static int get_vgmp(const uint8_t *b, size_t n, void *out)
{
	return hrp_vgmp_get(b, n, out);
}

static int get_registry(const uint8_t *b, size_t n, void *out)
{
	return hrp_registry_decode(b, n, out);
}

static void named_get(struct rd *rd, const json_t *o, const struct named *f, size_t n, void *base)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = rd_u64(rd, o, f[i].name, UINT64_MAX);
		memcpy((char *)base + f[i].off, &v, sizeof(v));
	}
}

static int lookup_name(const char *(*name)(int), int max, const char *s)
{
	for (int i = 0; s && i < max; i++)
		if (strcmp(name(i), s) == 0)
			return i;
	return -1;
}

static const char *link_state_name(int i)
{
	return hrp_lv_link_state_name((enum hrp_lv_link_state)i);
}

static const char *peer_state_name(int i)
{
	return hrp_lv_peer_state_name((enum hrp_lv_peer_state)i);
}

static void peer_decode(struct rd *rd, const json_t *o, struct hrp_peer *p)
{
	const json_t *win = json_object_get(o, "windows"), *old = json_object_get(o, "old_epochs");
	if (!json_is_object(o) || !json_is_array(win) || json_array_size(win) < HRP_STREAM_MAX ||
	    !json_is_array(old) || json_array_size(old) > HRP_EPOCH_HISTORY) {
		fail(rd, "peer");
		return;
	}
	hrp_peer_init(p, rd_bool(rd, o, "keyed"));
	p->known = rd_bool(rd, o, "known");
	p->sender_id = (uint32_t)rd_u64(rd, o, "sender_id", UINT32_MAX);
	p->epoch = hex64_of(rd, json_object_get(o, "epoch"), "peer.epoch");
	for (int i = 0; i < HRP_STREAM_MAX; i++) {
		const json_t *w = json_array_get(win, (size_t)i);
		p->win[i].valid = rd_bool(rd, w, "valid");
		p->win[i].top = (uint32_t)rd_u64(rd, w, "top", UINT32_MAX);
		p->win[i].bitmap = hex64_of(rd, json_object_get(w, "bitmap"), "peer.bitmap");
	}
	p->n_old = (unsigned)json_array_size(old);
	for (unsigned i = 0; i < p->n_old; i++)
		p->old_epochs[i] = hex64_of(rd, json_array_get(old, i), "peer.old_epochs");
	const json_t *next = json_object_get(o, "next_epoch");
	p->has_next_epoch = next && !json_is_null(next);
	if (p->has_next_epoch)
		p->next_epoch = hex64_of(rd, next, "peer.next_epoch");
	p->challenge_pending = rd_bool(rd, o, "challenge_pending");
	const json_t *nonce = json_object_get(o, "nonce");
	if (nonce && (!json_is_string(nonce) ||
		      hs_unhex(json_string_value(nonce), p->nonce, HRP_NONCE_LEN) != HRP_NONCE_LEN))
		fail(rd, "peer.nonce");
	p->challenge_issued_ms = rd_u64(rd, o, "challenge_issued_ms", INT64_MAX);
	p->challenge_sent_ms = rd_u64(rd, o, "challenge_sent_ms", INT64_MAX);
	const json_t *slot = json_object_get(o, "key_slot");
	p->key_slot = HRP_KEY_NONE;
	if (slot && (!json_is_integer(slot) || json_integer_value(slot) < HRP_KEY_NONE ||
		     json_integer_value(slot) >= HRP_KEY_SLOTS))
		fail(rd, "peer.key_slot");
	else if (slot)
		p->key_slot = (int)json_integer_value(slot);
	p->key_id = (uint8_t)rd_u64(rd, o, "key_id", UINT8_MAX);
	p->epoch_changes = rd_u64(rd, o, "epoch_changes", INT64_MAX);
	p->epochs_taken_back = rd_u64(rd, o, "epochs_taken_back", INT64_MAX); /* minor 4 */
	/* minor 5; absent: the epoch names the process (an epoch change announced before the
	 * snapshot reads as a restart once more) */
	const json_t *inc = json_object_get(o, "incarnation");
	p->incarnation = inc ? hex64_of(rd, inc, "peer.incarnation") : p->epoch;
}

static void lv_decode(struct rd *rd, const json_t *o, struct hrp_liveness *lv)
{
	const json_t *links = json_object_get(o, "links");
	if (!json_is_object(o) || !json_is_array(links)) {
		fail(rd, "liveness");
		return;
	}
	struct hrp_lv_params p = {
		.hello_interval_ms = (uint32_t)rd_u64(rd, o, "interval_ms", UINT32_MAX),
		.dead_count = (uint32_t)rd_u64(rd, o, "dead_count", UINT32_MAX),
		.n_links = json_array_size(links),
	};
	/* The core's own checks on its parameters (interval, dead count, link count). */
	if (rd->r || hrp_lv_init(lv, &p) < 0) {
		fail(rd, "liveness parameters");
		return;
	}
	lv->peer_interval_ms = (uint32_t)rd_u64(rd, o, "peer_interval_ms", 60000);
	lv->started = rd_bool(rd, o, "started");
	const json_t *running = json_object_get(o, "running");
	if (!json_is_integer(running) || json_integer_value(running) < -1 ||
	    json_integer_value(running) >= (json_int_t)p.n_links)
		fail(rd, "liveness.running");
	else
		lv->running = (int)json_integer_value(running);
	int peer = lookup_name(peer_state_name, HRP_LV_PEER_STATE_MAX,
			       json_string_value(json_object_get(o, "peer")));
	if (peer < 0)
		fail(rd, "liveness.peer");
	else
		lv->peer = (enum hrp_lv_peer_state)peer;
	lv->peer_since_ms = rd_u64(rd, o, "peer_since_ms", INT64_MAX);
	lv->peer_last_rx_ms = rd_u64(rd, o, "peer_last_rx_ms", INT64_MAX);
	lv->announced_up = rd_bool(rd, o, "announced_up");
	lv->probes_sent = (unsigned)rd_u64(rd, o, "probes_sent", HRP_LV_PROBES);
	lv->next_probe_ms = rd_deadline(rd, o, "next_probe_ms");
	lv->next_hello_ms = rd_deadline(rd, o, "next_hello_ms");
	named_get(rd, json_object_get(o, "counters"), lv_counter_fields, N(lv_counter_fields),
		  &lv->counters);
	for (size_t i = 0; i < p.n_links; i++) {
		const json_t *l = json_array_get(links, i);
		int st = lookup_name(link_state_name, HRP_LV_LINK_STATE_MAX,
				     json_string_value(json_object_get(l, "state")));
		if (st < 0) {
			fail(rd, "liveness.links.state");
			return;
		}
		lv->link[i].state = (enum hrp_lv_link_state)st;
		lv->link[i].admin_up = rd_bool(rd, l, "admin_up");
		lv->link[i].heard = rd_bool(rd, l, "heard");
		lv->link[i].last_rx_ms = rd_u64(rd, l, "last_rx_ms", INT64_MAX);
		lv->link[i].since_ms = rd_u64(rd, l, "since_ms", INT64_MAX);
	}
	/* The running link is the one in state running, and only it. */
	for (size_t i = 0; i < p.n_links; i++)
		if ((lv->link[i].state == HRP_LV_LINK_RUNNING) != ((int)i == lv->running))
			fail(rd, "liveness: running link and link states disagree");
}

static void vgmp_decode(struct rd *rd, const json_t *o, struct hrp_snapshot *s)
{
	const json_t *req = json_object_get(o, "requests"), *seen = json_object_get(o, "seen");
	if (!json_is_object(o) || (req && !json_is_array(req)) || (seen && !json_is_array(seen)) ||
	    json_array_size(req) > HRP_SNAP_REQ_MAX || json_array_size(seen) > HRP_SNAP_SEEN_MAX) {
		fail(rd, "vgmp");
		return;
	}
	rd_body(rd, o, "local", &s->local_set, get_vgmp, &s->local);
	s->payload_gen = (uint32_t)rd_u64(rd, o, "payload_gen", UINT32_MAX);
	s->peer_payload_gen = (uint32_t)rd_u64(rd, o, "peer_payload_gen", UINT32_MAX);
	s->next_request_id = (uint32_t)rd_u64(rd, o, "next_request_id", UINT32_MAX);
	s->n_requests = json_array_size(req);
	for (size_t i = 0; i < s->n_requests; i++) {
		const json_t *q = json_array_get(req, i), *seqs = json_object_get(q, "seqs");
		struct hrp_snap_request *r = &s->req[i];
		if (!json_is_array(seqs) || json_array_size(seqs) > HRP_SNAP_SENDS_MAX) {
			fail(rd, "vgmp.requests.seqs");
			return;
		}
		r->type = (uint16_t)rd_u64(rd, q, "type", UINT16_MAX);
		r->req.request_id = (uint32_t)rd_u64(rd, q, "request_id", UINT32_MAX);
		r->req.has_state = json_is_integer(json_object_get(q, "state"));
		r->req.state = (uint8_t)rd_u64(rd, q, "state", UINT8_MAX);
		r->req.has_priority = json_is_integer(json_object_get(q, "priority"));
		r->req.priority = (uint16_t)rd_u64(rd, q, "priority", UINT16_MAX);
		r->req.has_reason = json_is_integer(json_object_get(q, "reason"));
		r->req.reason = (uint16_t)rd_u64(rd, q, "reason", UINT16_MAX);
		r->sends = (unsigned)json_array_size(seqs);
		for (unsigned k = 0; k < r->sends; k++) {
			const json_t *v = json_array_get(seqs, k);
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > UINT32_MAX)
				fail(rd, "vgmp.requests.seqs");
			else
				r->seqs[k] = (uint32_t)json_integer_value(v);
		}
		r->next_ms = rd_deadline(rd, q, "next_ms");
	}
	s->n_seen = json_array_size(seen);
	for (size_t i = 0; i < s->n_seen; i++) {
		s->seen[i].type = (uint16_t)rd_u64(rd, json_array_get(seen, i), "type", UINT16_MAX);
		s->seen[i].id = (uint32_t)rd_u64(rd, json_array_get(seen, i), "id", UINT32_MAX);
	}
}

static void links_decode(struct rd *rd, const json_t *a, struct hrp_snapshot *s)
{
	if (!json_is_array(a) || json_array_size(a) != s->lv.p.n_links) {
		fail(rd, "links (one per liveness link)");
		return;
	}
	s->n_links = json_array_size(a);
	for (size_t i = 0; i < s->n_links; i++) {
		const json_t *o = json_array_get(a, i), *rtt = json_object_get(o, "rtt_us");
		const char *ifname = json_string_value(json_object_get(o, "interface"));
		struct hrp_snap_link *l = &s->links[i];
		if (!ifname || !ifname[0] || strlen(ifname) >= sizeof(l->interface) ||
		    (rtt && (!json_is_integer(rtt) || json_integer_value(rtt) < -1))) {
			fail(rd, "links.interface or rtt_us");
			return;
		}
		snprintf(l->interface, sizeof(l->interface), "%s", ifname);
		named_get(rd, o, link_counter_fields, N(link_counter_fields), l);
		l->last_rx_ms = rd_u64(rd, o, "last_rx_ms", INT64_MAX);
		l->heard = rd_bool(rd, o, "heard");
		l->rtt_us = rtt ? (int64_t)json_integer_value(rtt) : -1;
	}
}

static void data_decode(struct rd *rd, const json_t *a, struct hrp_snapshot *s)
{
	size_t i, bytes = 0;
	const json_t *o;
	if (a && !json_is_array(a)) {
		fail(rd, "data");
		return;
	}
	json_array_foreach (a, i, o) {
		uint64_t c = rd_u64(rd, o, "channel", UINT8_MAX);
		/* A channel this binary does not know (a newer one's) is skipped. */
		if (rd->r || c == 0 || c >= HRP_CHAN_MAX)
			continue;
		struct hrp_snap_data_chan *d = &s->data[c];
		if (d->used) {
			fail(rd, "data.channel (a channel twice)");
			continue;
		}
		d->used = true;
		d->tx_next = (uint32_t)rd_u64(rd, o, "tx_next", UINT32_MAX);
		d->resync = rd_bool(rd, o, "resync");
		d->rx_synced = rd_bool(rd, o, "rx_synced");
		d->rx_next = (uint32_t)rd_u64(rd, o, "rx_next", UINT32_MAX);
		const json_t *st = json_object_get(o, "stream");
		if (rd->r || !st)
			continue;
		if (!s->data_tx && (s->data_tx = calloc(1, sizeof(*s->data_tx))))
			hrp_stream_tx_init(s->data_tx, 0, NULL);
		const char *why =
			s->data_tx ? hrp_snap_stream_decode(st, (unsigned)c, s->data_tx, d, &bytes)
				   : "data.stream (no memory)";
		if (why)
			fail(rd, why);
	}
	/* A channel without its stream (written by a binary that did not have it): its numbering
	 * only, as a minor-1 snapshot gives it, so that data_tx is whole. */
	for (unsigned c = 1; s->data_tx && c < HRP_CHAN_MAX; c++)
		if (s->data[c].used && !s->data[c].stream)
			hrp_stream_tx_restore_chan(s->data_tx, c, s->data[c].tx_next - 1u,
						   s->data[c].tx_next, s->data[c].resync, false);
}

/* Minor 6. Absent (an older writer): no range is dirty. An older hrpd could not carry them, and
 * marking every range dirty would have the peer send its whole table after every upgrade; the
 * periodic consistency check still finds what an older one forgot, as it did before. */
static void dirty_decode(struct rd *rd, const json_t *o, struct hs_sess_dirty *d)
{
	hs_sess_dirty_init(d);
	if (!o)
		return;
	if (!json_is_object(o)) {
		fail(rd, "session.dirty");
		return;
	}
	d->ranges = hex64_of(rd, json_object_get(o, "ranges"), "session.dirty.ranges");
	d->asked_ms = rd_u64(rd, o, "asked_ms", INT64_MAX);
}

static void session_decode(struct rd *rd, const json_t *o, struct hrp_snap_session *ss)
{
	if (!o || json_is_null(o))
		return;
	if (!json_is_object(o)) {
		fail(rd, "session");
		return;
	}
	ss->present = true;
	ss->local_active = rd_bool(rd, o, "local_active");
	ss->source = rd_bool(rd, o, "source");
	ss->peer_was_up = rd_bool(rd, o, "peer_was_up");
	ss->synced = rd_bool(rd, o, "synced");
	ss->ready = rd_bool(rd, o, "ready");
	ss->resync_owed = rd_bool(rd, o, "resync_owed");
	ss->missed_sync = rd_bool(rd, o, "missed_sync"); /* minor 3; absent: not missed */
	const json_t *e = json_object_get(o, "synced_epoch");
	if (e)
		ss->synced_epoch = hex64_of(rd, e, "session.synced_epoch");
	dirty_decode(rd, json_object_get(o, "dirty"), &ss->dirty);
}

static void tx_decode(struct rd *rd, const json_t *o, struct hrp_tx *tx, uint32_t sender_id)
{
	const json_t *seq = json_object_get(o, "seq"), *count = json_object_get(o, "count");
	if (!json_is_object(o) || !json_is_array(seq) || !json_is_array(count) ||
	    json_array_size(seq) < HRP_STREAM_MAX || json_array_size(count) < HRP_STREAM_MAX) {
		fail(rd, "tx");
		return;
	}
	tx->sender_id = sender_id;
	tx->epoch = hex64_of(rd, json_object_get(o, "epoch"), "tx.epoch");
	if (tx->epoch == 0)
		fail(rd, "tx.epoch");
	for (int i = 0; i < HRP_STREAM_MAX; i++) {
		const json_t *a = json_array_get(seq, (size_t)i),
			     *b = json_array_get(count, (size_t)i);
		if (!json_is_integer(a) || !json_is_integer(b) || json_integer_value(a) < 0 ||
		    json_integer_value(a) > UINT32_MAX || json_integer_value(b) < 0 ||
		    json_integer_value(b) > UINT32_MAX)
			fail(rd, "tx.seq or tx.count");
		else {
			tx->seq[i] = (uint32_t)json_integer_value(a);
			tx->count[i] = (uint32_t)json_integer_value(b);
		}
	}
}

static int check_version(const json_t *j, struct hrp_snapshot *out, char *err, size_t errlen)
{
	const char *format = NULL;
	int major = -1, minor = 0;
	if (json_unpack((json_t *)j, "{s:s, s:i, s?i}", "format", &format, "major", &major, "minor",
			&minor) < 0) {
		snprintf(err, errlen, "not an hrpd snapshot (format or major missing)");
		return -EINVAL;
	}
	if (strcmp(format, HRP_SNAPSHOT_FORMAT) != 0) {
		snprintf(err, errlen, "snapshot format '%s', expected '%s'", format,
			 HRP_SNAPSHOT_FORMAT);
		return -EPROTONOSUPPORT;
	}
	/* A newer major version may mean something else by the fields we know: refuse rather
	 * than guess (the old process goes on; a cold restart is the way). */
	if (major > HRP_SNAPSHOT_MAJOR || major < 1 || minor < 0) {
		snprintf(err, errlen,
			 "snapshot version %d.%d is not readable by this hrpd (reads %d.x): "
			 "hot restart refused, use a cold restart",
			 major, minor, HRP_SNAPSHOT_MAJOR);
		return -EPROTONOSUPPORT;
	}
	out->major = (unsigned)major;
	out->minor = (unsigned)minor;
	return 0;
}

int hrp_snapshot_decode(const json_t *j, struct hrp_snapshot *out, char *err, size_t errlen)
{
	struct hrp_snapshot *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	int r = check_version(j, s, err, errlen);
	if (r < 0) {
		free(s);
		return r;
	}
	struct rd rd = { .err = err, .errlen = errlen };
	s->sender_id = (uint32_t)rd_u64(&rd, j, "sender_id", UINT32_MAX);
	if (s->sender_id == 0)
		fail(&rd, "sender_id");
	tx_decode(&rd, json_object_get(j, "tx"), &s->tx, s->sender_id);
	const json_t *next = json_object_get(j, "next_epoch");
	s->next_epoch_set = next && !json_is_null(next);
	if (s->next_epoch_set)
		s->next_epoch = hex64_of(&rd, next, "next_epoch");
	s->next_epoch_announced = (unsigned)rd_u64(&rd, j, "next_epoch_announced", UINT32_MAX);
	peer_decode(&rd, json_object_get(j, "peer"), &s->peer);
	named_get(&rd, json_object_get(j, "counters"), hrp_counter_fields, N(hrp_counter_fields),
		  &s->counters);
	lv_decode(&rd, json_object_get(j, "liveness"), &s->lv);
	rd_body(&rd, j, "peer_hello", &s->have_peer_hello, get_hello, &s->peer_hello);
	bool have_reg;
	rd_body(&rd, j, "peer_registry", &have_reg, get_registry, &s->peer_registry);
	vgmp_decode(&rd, json_object_get(j, "vgmp"), s);
	if (rd.r == 0)
		links_decode(&rd, json_object_get(j, "links"), s);
	data_decode(&rd, json_object_get(j, "data"), s);
	session_decode(&rd, json_object_get(j, "session"), &s->session);
	const char *why =
		rd.r ? NULL : hrp_snap_conn_decode(json_object_get(j, "data_conn"), &s->data_conn);
	if (why)
		fail(&rd, why);
	if (rd.r == 0)
		*out = *s;
	else
		hrp_snapshot_release(s);
	free(s);
	return rd.r;
}

void hrp_snapshot_release(struct hrp_snapshot *s)
{
	if (s->data_tx) {
		hrp_stream_tx_free(s->data_tx);
		free(s->data_tx);
		s->data_tx = NULL;
	}
	free(s->data_conn.in);
	free(s->data_conn.out);
	s->data_conn.in = s->data_conn.out = NULL;
	s->data_conn.present = false;
}
