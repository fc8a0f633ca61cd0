/* The data channel's stream and connection in hrpd's hot-restart snapshot (hrp_snapshot.h,
 * minor 2), so that the new process takes the connection over with nothing lost and nothing
 * renumbered: per channel the sender's numbering and every record not yet acknowledged (and which
 * of them went out on this connection), the receiver's place in the peer's records; and the
 * connection's link and the bytes in flight inside hrpd.
 *
 *   "stream": {"acked", "sent_top", "full", "resync", "unsent",
 *              "records": [{"flags", "data": hex}, ..] (oldest first, from acked + 1),
 *              "rx_fresh", "rx_ack_owed", "rx_lost_ack": null | n}
 *   "data_conn": null | {"link", "outgoing", "since_ms", "in": hex, "out": hex}
 *
 * Unknown fields are skipped; what does not add up (records that do not end at tx_next, a sent
 * record past sent_top, more bytes than the bounds) refuses the snapshot. Pure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "hrp_snapshot.h"

static json_t *hex_of(const uint8_t *p, size_t n)
{
	char *t = malloc(2 * n + 1);
	if (!t)
		return NULL;
	hs_hex(p, n, t);
	json_t *j = json_string(t);
	free(t);
	return j;
}

json_t *hrp_snap_stream_encode(const struct hrp_stream_tx *tx, const struct hrp_snap_data_chan *d,
			       unsigned ch)
{
	const struct hrp_stream_tx_chan *c = &tx->ch[ch];
	json_t *recs = json_array();
	for (const struct hrp_stream_rec *r = c->head; recs && r; r = r->next) {
		json_t *o = json_pack("{s:i, s:o*}", "flags", (int)r->flags, "data",
				      hex_of(r->data, r->len));
		if (!o || !json_object_get(o, "data") || json_array_append_new(recs, o) < 0) {
			json_decref(recs);
			return NULL;
		}
	}
	if (!recs)
		return NULL;
	return json_pack("{s:I, s:I, s:b, s:b, s:I, s:o, s:b, s:b, s:o}", "acked",
			 (json_int_t)c->acked, "sent_top", (json_int_t)c->sent_top, "full", c->full,
			 "resync", c->resync, "unsent", (json_int_t)c->unsent, "records", recs,
			 "rx_fresh", d->rx_fresh, "rx_ack_owed", d->rx_ack_owed, "rx_lost_ack",
			 d->rx_lost_owed ? json_integer(d->rx_lost_ack) : json_null());
}

static bool get_u32(const json_t *o, const char *key, uint32_t *v)
{
	const json_t *j = json_object_get(o, key);
	if (!json_is_integer(j) || json_integer_value(j) < 0 ||
	    json_integer_value(j) > (json_int_t)UINT32_MAX)
		return false;
	*v = (uint32_t)json_integer_value(j);
	return true;
}

/* Absent: false; present, not a boolean: *ok false. */
static bool get_bool(const json_t *o, const char *key, bool *ok)
{
	const json_t *j = json_object_get(o, key);
	if (j && !json_is_boolean(j))
		*ok = false;
	return json_is_true(j);
}

/* One record of channel ch from {"flags", "data"}: NULL, or the field to blame. */
static const char *record_decode(const json_t *o, unsigned ch, bool sent, struct hrp_stream_tx *tx,
				 size_t *bytes)
{
	uint32_t flags = 0;
	const char *hex = json_string_value(json_object_get(o, "data"));
	if (!json_is_object(o) || !hex ||
	    (json_object_get(o, "flags") && !get_u32(o, "flags", &flags)))
		return "data.stream.records";
	size_t n = strlen(hex) / 2;
	if (n > HRP_TLV_VAL_MAX || *bytes + n > HRP_SNAP_DATA_BYTES_MAX)
		return "data.stream.records (too many bytes)";
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf || hs_unhex(hex, buf, n) != (long)n) {
		free(buf);
		return "data.stream.records.data";
	}
	int r = hrp_stream_tx_restore_rec(tx, ch, buf, n, flags, sent);
	free(buf);
	*bytes += n;
	return r < 0 ? "data.stream.records" : NULL;
}

const char *hrp_snap_stream_decode(const json_t *o, unsigned ch, struct hrp_stream_tx *tx,
				   struct hrp_snap_data_chan *d, size_t *bytes)
{
	uint32_t acked, sent_top, unsent = 0, lost;
	const json_t *recs = json_object_get(o, "records");
	bool ok = true;
	if (!json_is_object(o) || !get_u32(o, "acked", &acked) ||
	    !get_u32(o, "sent_top", &sent_top) || !json_is_array(recs) ||
	    (json_object_get(o, "unsent") && !get_u32(o, "unsent", &unsent)) ||
	    unsent > json_array_size(recs))
		return "data.stream";
	bool full = get_bool(o, "full", &ok), resync = get_bool(o, "resync", &ok);
	d->rx_fresh = get_bool(o, "rx_fresh", &ok);
	d->rx_ack_owed = get_bool(o, "rx_ack_owed", &ok);
	const json_t *la = json_object_get(o, "rx_lost_ack");
	d->rx_lost_owed = la && !json_is_null(la);
	if (d->rx_lost_owed && !get_u32(o, "rx_lost_ack", &lost))
		return "data.stream.rx_lost_ack";
	d->rx_lost_ack = d->rx_lost_owed ? lost : 0;
	if (!ok)
		return "data.stream (a flag that is not a boolean)";
	/* The records run from acked + 1 to tx_next - 1: their count is fixed by the numbers. */
	if (json_array_size(recs) != (uint32_t)(d->tx_next - acked - 1u))
		return "data.stream.records (not acked + 1 .. tx_next - 1)";
	hrp_stream_tx_restore_chan(tx, ch, acked, sent_top, resync, full);
	size_t i, sent = json_array_size(recs) - unsent;
	const json_t *r;
	json_array_foreach (recs, i, r) {
		const char *why = record_decode(r, ch, i < sent, tx, bytes);
		if (why)
			return why;
	}
	if (hrp_stream_tx_restore_check(tx, ch) < 0)
		return "data.stream.sent_top";
	d->resync = resync;
	d->stream = true;
	return NULL;
}

json_t *hrp_snap_conn_encode(const struct hrp_snap_data_conn *c)
{
	if (!c->present)
		return json_null();
	json_t *in = hex_of(c->in, c->in_len), *out = hex_of(c->out, c->out_len);
	if (!in || !out) {
		json_decref(in);
		json_decref(out);
		return NULL;
	}
	return json_pack("{s:s, s:b, s:I, s:o, s:o}", "link", c->link, "outgoing", c->outgoing,
			 "since_ms", (json_int_t)c->since_ms, "in", in, "out", out);
}

static const char *buf_decode(const json_t *o, const char *key, uint8_t **p, size_t *len)
{
	const char *hex = json_string_value(json_object_get(o, key));
	if (!hex)
		return key;
	size_t n = strlen(hex) / 2;
	if (n > HRP_SNAP_CONN_BUF_MAX)
		return key;
	*p = malloc(n ? n : 1);
	if (!*p || hs_unhex(hex, *p, n) != (long)n)
		return key;
	*len = n;
	return NULL;
}

const char *hrp_snap_conn_decode(const json_t *o, struct hrp_snap_data_conn *c)
{
	if (!o || json_is_null(o))
		return NULL;
	const char *link = json_string_value(json_object_get(o, "link"));
	const json_t *since = json_object_get(o, "since_ms");
	bool ok = true;
	if (!json_is_object(o) || !link || !link[0] || strlen(link) >= sizeof(c->link) ||
	    !json_is_integer(since) || json_integer_value(since) < 0)
		return "data_conn";
	snprintf(c->link, sizeof(c->link), "%s", link);
	c->outgoing = get_bool(o, "outgoing", &ok);
	c->since_ms = (uint64_t)json_integer_value(since);
	c->present = true; /* from here the buffers are the snapshot's, to release */
	const char *why = buf_decode(o, "in", &c->in, &c->in_len);
	if (!why)
		why = buf_decode(o, "out", &c->out, &c->out_len);
	if (!why && !ok)
		why = "data_conn.outgoing";
	return why;
}
