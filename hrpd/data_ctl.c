/* The data channel on the control socket: commands to queue records (data-send), read the
 * counters (data-stats, also the "data" section of hrp-statistics), compare what was sent with
 * what arrived (data-digest), clear a resync flag (data-resync-done) and set the limit
 * (data-limit); and the consumer of channels no feature has taken yet, which publishes each record
 * as an event (data, data-lost, data-room). Every answer is JSON. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_hot.h"
#include "data_int.h"
#include "issu_send.h"
#include "log.h"

#define GEN_MAX    8192u /* records one data-send may generate */
#define DIGEST_LEN 32u

/* ---- digests: BLAKE2b-256 over (u32 length, record) for every record, in order ---- */

void hrpd_data_digest_init(struct hrpd_data *dc)
{
	for (unsigned ch = 0; ch < HRP_CHAN_MAX; ch++) {
		crypto_generichash_init(&dc->tx_digest[ch], NULL, 0, DIGEST_LEN);
		crypto_generichash_init(&dc->rx_digest[ch], NULL, 0, DIGEST_LEN);
	}
}

void hrpd_data_digest(crypto_generichash_state *st, const uint8_t *rec, size_t len)
{
	uint8_t l[4];
	hrp_put_u32(l, (uint32_t)len);
	crypto_generichash_update(st, l, sizeof(l));
	if (len)
		crypto_generichash_update(st, rec, len);
}

static json_t *digest_json(const crypto_generichash_state *st)
{
	crypto_generichash_state copy = *st;
	uint8_t md[DIGEST_LEN];
	char hex[2 * DIGEST_LEN + 1];
	crypto_generichash_final(&copy, md, sizeof(md));
	sodium_bin2hex(hex, sizeof(hex), md, sizeof(md));
	return json_string(hex);
}

/* ---- the default consumer: events ---- */

static bool listened(const struct hrpd *h)
{
	return h->d->ctl && hs_ctl_server_clients(h->d->ctl) > 0;
}

static void ev_deliver(void *arg, unsigned ch, uint32_t seq, uint32_t flags, const uint8_t *rec,
		       size_t len)
{
	struct hrpd_data *dc = arg;
	if (!listened(dc->h))
		return;
	char *hex = malloc(2 * len + 1);
	if (!hex)
		return;
	sodium_bin2hex(hex, 2 * len + 1, rec, len);
	json_t *ev = json_pack("{s:i, s:I, s:s}", "channel", (int)ch, "seq", (json_int_t)seq,
			       "record", hex);
	if (flags)
		json_object_set_new(ev, "flags", json_integer(flags));
	hrpd_publish(dc->h, "data", ev);
	json_decref(ev);
	free(hex);
}

static void ev_lost(void *arg, unsigned ch, uint32_t from, uint32_t to)
{
	struct hrpd_data *dc = arg;
	json_t *ev = json_pack("{s:i, s:I, s:I}", "channel", (int)ch, "from", (json_int_t)from,
			       "to", (json_int_t)to);
	hrpd_publish(dc->h, "data-lost", ev);
	json_decref(ev);
}

static void ev_room(void *arg, unsigned ch)
{
	struct hrpd_data *dc = arg;
	json_t *ev = json_pack("{s:i}", "channel", (int)ch);
	hrpd_publish(dc->h, "data-room", ev);
	json_decref(ev);
}

const struct hrpd_data_ops hrpd_data_event_ops = {
	.deliver = ev_deliver,
	.lost = ev_lost,
	.room = ev_room,
};

/* ---- statistics ---- */

static json_t *channel_json(const struct hrpd_data *dc, unsigned ch)
{
	const struct hrp_stream_tx_chan *t = &dc->tx.ch[ch];
	const struct hrp_stream_rx_chan *r = &dc->rx.ch[ch];
	json_t *o =
		json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:I}",
			  "channel", (int)ch, "queued", (json_int_t)t->c.queued, "pending",
			  (json_int_t)t->unsent, "unacked", (json_int_t)(t->records - t->unsent),
			  "unacked_bytes", (json_int_t)(t->bytes - t->unsent_bytes), "held_bytes",
			  (json_int_t)t->bytes, "sent", (json_int_t)t->c.sent, "resent",
			  (json_int_t)t->c.resent, "acked", (json_int_t)t->c.acked, "refused",
			  (json_int_t)t->c.refused, "resync_marks", (json_int_t)t->c.resync_marks,
			  "resync", t->resync, "acks_behind", (json_int_t)t->c.acks_behind);
	json_object_set_new(o, "next_seq", json_integer(t->next_seq));
	json_object_set_new(o, "acked_seq", json_integer(t->acked));
	json_object_set_new(o, "received", json_integer((json_int_t)r->c.received));
	json_object_set_new(o, "delivered", json_integer((json_int_t)r->c.delivered));
	json_object_set_new(o, "duplicates", json_integer((json_int_t)r->c.duplicates));
	json_object_set_new(o, "gaps", json_integer((json_int_t)r->c.gaps));
	json_object_set_new(o, "lost", json_integer((json_int_t)r->c.lost));
	json_object_set_new(o, "rx_resyncs", json_integer((json_int_t)r->c.resyncs));
	json_object_set_new(o, "rx_resets", json_integer((json_int_t)r->c.resets));
	json_object_set_new(o, "acks_sent", json_integer((json_int_t)r->c.acks));
	json_object_set_new(o, "rx_next", r->synced ? json_integer(r->next) : json_null());
	return o;
}

json_t *hrpd_data_stats_json(const struct hrpd *h)
{
	const struct hrpd_data *dc = h->data;
	if (!dc)
		return json_null();
	const struct hrpd_data_stats *s = &dc->st;
	json_t *closed = json_object(), *chans = json_object();
	for (int i = 0; i < HRPD_DATA_CLOSE_MAX; i++)
		json_object_set_new(closed, hrpd_data_close_name(i),
				    json_integer((json_int_t)s->closed[i]));
	uint64_t tot[8] = { 0 };
	size_t held = 0;
	for (unsigned ch = 1; ch < HRP_CHAN_MAX; ch++) {
		const struct hrp_stream_tx_chan *t = &dc->tx.ch[ch];
		const struct hrp_stream_rx_chan *r = &dc->rx.ch[ch];
		json_object_set_new(chans, hrp_data_channel_name(ch), channel_json(dc, ch));
		tot[0] += t->c.queued;
		tot[1] += t->c.sent;
		tot[2] += t->c.resent;
		tot[3] += t->c.acked;
		tot[4] += r->c.delivered;
		tot[5] += r->c.duplicates;
		tot[6] += t->c.resync_marks;
		tot[7] += t->c.refused;
		held += t->bytes;
	}
	bool up = dc->state != HRPD_DATA_IDLE;
	const char *role = !h->peer.known ? NULL : hrpd_data_we_connect(h) ? "connect" : "accept";
	json_t *o = json_pack(
		"{s:s, s:o, s:o, s:I, s:I, s:I}", "state", hrpd_data_state_name(dc->state), "link",
		up ? json_string(dc->link_name) : json_null(), "role",
		role ? json_string(role) : json_null(), "since_ms",
		(json_int_t)(up && dc->since_ms > h->d->started_ms ? dc->since_ms - h->d->started_ms
								   : 0),
		"limit_bytes", (json_int_t)dc->tx.limit_bytes, "held_bytes", (json_int_t)held);
	struct {
		const char *name;
		uint64_t v;
	} more[] = {
		{ "queued", tot[0] },
		{ "sent", tot[1] },
		{ "resent", tot[2] },
		{ "acked", tot[3] },
		{ "received", tot[4] },
		{ "duplicates", tot[5] },
		{ "resync_marks", tot[6] },
		{ "refused", tot[7] },
		{ "taken_over", s->taken_over },
		{ "connects", s->connects },
		{ "accepts", s->accepts },
		{ "reconnects", s->reconnects },
		{ "connect_failures", s->connect_failures },
		{ "refused_connections", s->refused },
		{ "bytes_out", s->bytes_out },
		{ "bytes_in", s->bytes_in },
		{ "messages_out", s->messages_out },
		{ "messages_in", s->messages_in },
		{ "acks_sent", s->acks_sent },
		{ "acks_received", s->acks_received },
		{ "unknown_channel", s->unknown_channel },
		{ "tx_turns_capped", s->tx_turns_capped },
		{ "rx_turns_capped", s->rx_turns_capped },
		{ "stall_last_ms", s->stall_last_ms },
		{ "stall_max_ms", s->stall_max_ms },
		{ "plan_holds", s->plan_holds },
		{ "plan_refused", s->plan_refused },
	};
	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		json_object_set_new(o, more[i].name, json_integer((json_int_t)more[i].v));
	json_object_set_new(o, "closed", closed);
	json_object_set_new(o, "channels", chans);
	json_object_set_new(o, "held_back", json_boolean(dc->plan_held));
	json_object_set_new(o, "held_back_why",
			    dc->plan_held ? json_string(ISSU_DATA_HELD_WHY) : json_null());
	return o;
}

double hrpd_data_usage_pct(const struct hrpd *h)
{
	const struct hrpd_data *dc = h->data;
	double most = 0.0;
	for (unsigned ch = 1; dc && dc->tx.limit_bytes && ch < HRP_CHAN_MAX; ch++) {
		double pct = 100.0 * (double)dc->tx.ch[ch].bytes / (double)dc->tx.limit_bytes;
		most = pct > most ? pct : most;
	}
	return most;
}

json_t *hrpd_data_status_json(const struct hrpd *h)
{
	const struct hrpd_data *dc = h->data;
	if (!dc)
		return json_null();
	return json_pack("{s:s, s:b, s:o}", "state", hrpd_data_state_name(dc->state), "held_back",
			 dc->plan_held, "why",
			 dc->plan_held ? json_string(ISSU_DATA_HELD_WHY) : json_null());
}

/* ---- commands ---- */

static struct hrpd *hrpd_of(void *ctx)
{
	return ((struct hs_daemon *)ctx)->priv;
}

static int channel_arg(json_t *args, const char *key, unsigned *ch, char *err, size_t errlen)
{
	json_t *v = json_object_get(args, key);
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : -1;
	if (n <= HRP_CHAN_INVALID || n >= HRP_CHAN_MAX) {
		snprintf(err, errlen, "\"%s\": 1 (session), 2 (config) or 3 (upgrade)", key);
		return -EINVAL;
	}
	*ch = (unsigned)n;
	return 0;
}

/* Record k of a generated run: seed and index (big-endian u64 each), then bytes counting up
 * from the index: 16 + (size - 16). Python makes the same (tests/lab/scenarios/s25_*). */
static void gen_record(uint8_t *buf, size_t size, uint64_t seed, uint64_t index)
{
	hrp_put_u64(buf, seed);
	hrp_put_u64(buf + 8, index);
	for (size_t j = 16; j < size; j++)
		buf[j] = (uint8_t)(index + (j - 16));
}

struct send_result {
	size_t queued, refused;
	int err;
};

static void send_one(struct hrpd *h, unsigned ch, const uint8_t *rec, size_t len,
		     struct send_result *sr)
{
	/* The first refusal refuses the rest of the request: what was queued stays in order. */
	if (sr->err) {
		sr->refused++;
		return;
	}
	int r = hrpd_data_send(h, ch, rec, len);
	if (r < 0) {
		sr->err = r;
		sr->refused++;
	} else {
		sr->queued++;
	}
}

static int send_records(struct hrpd *h, unsigned ch, json_t *recs, struct send_result *sr,
			char *err, size_t errlen)
{
	size_t i, n = json_array_size(recs);
	json_t *v;
	/* All of them checked before any is queued. */
	json_array_foreach (recs, i, v) {
		const char *s = json_string_value(v);
		size_t l = s ? strlen(s) : 0;
		if (!s || l % 2 || l / 2 > HRP_TLV_VAL_MAX ||
		    strspn(s, "0123456789abcdefABCDEF") != l) {
			snprintf(err, errlen, "records[%zu]: hex, at most 65535 bytes", i);
			return -EINVAL;
		}
	}
	uint8_t *buf = malloc(HRP_TLV_VAL_MAX);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(recs, i));
		size_t len = 0;
		sodium_hex2bin(buf, HRP_TLV_VAL_MAX, s, strlen(s), NULL, &len, NULL);
		send_one(h, ch, buf, len, sr);
	}
	free(buf);
	return 0;
}

static int send_generated(struct hrpd *h, unsigned ch, json_t *gen, struct send_result *sr,
			  char *err, size_t errlen)
{
	json_int_t count, size = 200, seed = 0, start = 0;
	if (json_unpack(gen, "{s:I, s?I, s?I, s?I}", "count", &count, "size", &size, "seed", &seed,
			"start", &start) < 0 ||
	    count < 1 || count > GEN_MAX || size < 16 || size > HRP_TLV_VAL_MAX || start < 0) {
		snprintf(err, errlen,
			 "generate: {\"count\": 1..%u, \"size\": 16..65535, \"seed\", \"start\"}",
			 GEN_MAX);
		return -EINVAL;
	}
	uint8_t *buf = malloc((size_t)size);
	if (!buf)
		return -ENOMEM;
	for (json_int_t k = 0; k < count; k++) {
		gen_record(buf, (size_t)size, (uint64_t)seed, (uint64_t)(start + k));
		send_one(h, ch, buf, (size_t)size, sr);
	}
	free(buf);
	return 0;
}

static int cmd_send(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hrpd *h = hrpd_of(ctx);
	unsigned ch;
	if (channel_arg(args, "channel", &ch, err, errlen) < 0)
		return -EINVAL;
	/* After its snapshot the records are the new process's to take: queued here, they would
	 * die with this one. */
	if (h->data->hot_frozen && !hs_daemon_hot_adopting(h->d)) {
		snprintf(err, errlen, "hrpd is handing over to a new process: try again");
		return -EAGAIN;
	}
	json_t *recs = json_object_get(args, "records"), *gen = json_object_get(args, "generate");
	if (!!recs == !!gen || (recs && !json_is_array(recs)) || (gen && !json_is_object(gen))) {
		snprintf(err, errlen, "either \"records\": [hex, ...] or \"generate\": {...}");
		return -EINVAL;
	}
	struct send_result sr = { 0 };
	int r = recs ? send_records(h, ch, recs, &sr, err, errlen)
		     : send_generated(h, ch, gen, &sr, err, errlen);
	if (r < 0)
		return r;
	const struct hrpd_data *dc = h->data;
	const struct hrp_stream_tx_chan *c = &dc->tx.ch[ch];
	*result = json_pack("{s:I, s:I, s:o, s:b, s:I, s:I, s:I}", "queued", (json_int_t)sr.queued,
			    "refused", (json_int_t)sr.refused, "error",
			    sr.err == -ENOBUFS  ? json_string("ENOBUFS")
			    : sr.err == -ENOMEM ? json_string("ENOMEM")
			    : sr.err            ? json_string(strerror(-sr.err))
						: json_null(),
			    "resync", c->resync, "held_bytes", (json_int_t)c->bytes, "limit_bytes",
			    (json_int_t)dc->tx.limit_bytes, "next_seq", (json_int_t)c->next_seq);
	return 0;
}

static int cmd_stats(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	*result = hrpd_data_stats_json(hrpd_of(ctx));
	return 0;
}

static int cmd_digest(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	const struct hrpd_data *dc = hrpd_of(ctx)->data;
	json_t *chans = json_object();
	for (unsigned ch = 1; ch < HRP_CHAN_MAX; ch++)
		json_object_set_new(chans, hrp_data_channel_name(ch),
				    json_pack("{s:i, s:I, s:o, s:I, s:o}", "channel", (int)ch,
					      "queued", (json_int_t)dc->tx.ch[ch].c.queued,
					      "queued_digest", digest_json(&dc->tx_digest[ch]),
					      "delivered", (json_int_t)dc->rx.ch[ch].c.delivered,
					      "delivered_digest", digest_json(&dc->rx_digest[ch])));
	*result = json_pack("{s:s, s:o}", "algorithm", "blake2b-256 of (u32 length, record)...",
			    "channels", chans);
	return 0;
}

static int cmd_resync_done(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hrpd *h = hrpd_of(ctx);
	unsigned ch;
	if (channel_arg(args, "channel", &ch, err, errlen) < 0)
		return -EINVAL;
	bool was = hrpd_data_needs_resync(h, ch);
	hrpd_data_resync_done(h, ch);
	*result = json_pack("{s:i, s:b, s:b}", "channel", (int)ch, "was", was, "resync", false);
	return 0;
}

static int cmd_limit(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hrpd_data *dc = hrpd_of(ctx)->data;
	json_t *v = json_object_get(args, "bytes");
	if (v) {
		json_int_t n = json_is_integer(v) ? json_integer_value(v) : -1;
		if (n < (json_int_t)HRPD_DATA_LIMIT_MIN || n > (json_int_t)1 << 30) {
			snprintf(err, errlen, "\"bytes\": %u .. 1073741824", HRPD_DATA_LIMIT_MIN);
			return -EINVAL;
		}
		hrp_stream_tx_set_limit(&dc->tx, (size_t)n);
		hs_notice(HRPD_DATA_PREFIX, "limit per channel now %lld bytes", (long long)n);
	}
	*result = json_pack("{s:I}", "limit_bytes", (json_int_t)dc->tx.limit_bytes);
	return 0;
}

const struct hs_ctl_command hrpd_data_commands[] = {
	{ "data-send",
	  "queue records for the peer: {\"channel\": 1-3, \"records\": [hex, ...]} or "
	  "{\"channel\", \"generate\": {\"count\", \"size\", \"seed\", \"start\"}}",
	  cmd_send },
	{ "data-stats", "the data channel: connection, counters, per channel", cmd_stats },
	{ "data-digest", "running digests of the records queued and delivered, per channel",
	  cmd_digest },
	{ "data-resync-done", "the producer sent its snapshot: {\"channel\"} clears the flag",
	  cmd_resync_done },
	{ "data-limit", "bytes a channel may hold: {\"bytes\"} sets it", cmd_limit },
	{ NULL },
};
