/* The reliable data channel's sender window and receiver, pure (hrp_stream.h says what each side
 * does). Sequence arithmetic is RFC 1982 serial arithmetic on 32 bits (hrp_seq_after): what a
 * channel holds unacknowledged is bounded by memory, far below 2^31 records. */
#include "hrp_stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const ack_names[HRP_STREAM_ACK_MAX] = {
	[HRP_STREAM_ACK_OK] = "ok",
	[HRP_STREAM_ACK_DUPLICATE] = "duplicate",
	[HRP_STREAM_ACK_BEHIND] = "behind",
	[HRP_STREAM_ACK_AHEAD] = "ahead",
	[HRP_STREAM_ACK_BAD_CHANNEL] = "bad-channel",
};

static const char *const rx_names[HRP_STREAM_RX_VERDICT_MAX] = {
	[HRP_STREAM_RX_DELIVER] = "deliver",
	[HRP_STREAM_RX_DUPLICATE] = "duplicate",
	[HRP_STREAM_RX_GAP] = "gap",
	[HRP_STREAM_RX_RESYNC] = "resync",
	[HRP_STREAM_RX_BAD_CHANNEL] = "bad-channel",
};

const char *hrp_stream_ack_name(enum hrp_stream_ack a)
{
	return (unsigned)a < HRP_STREAM_ACK_MAX ? ack_names[a] : "invalid";
}

const char *hrp_stream_rx_verdict_name(enum hrp_stream_rx_verdict v)
{
	return (unsigned)v < HRP_STREAM_RX_VERDICT_MAX ? rx_names[v] : "invalid";
}

static bool chan_ok(unsigned ch)
{
	return ch > HRP_CHAN_INVALID && ch < HRP_CHAN_MAX;
}

static size_t cost(size_t len)
{
	return len + HRP_STREAM_REC_COST;
}

/* ---- sender ---- */

void hrp_stream_tx_init(struct hrp_stream_tx *tx, size_t limit_bytes, const uint32_t *first_seq)
{
	memset(tx, 0, sizeof(*tx));
	tx->limit_bytes = limit_bytes;
	for (unsigned i = 0; i < HRP_CHAN_MAX; i++) {
		struct hrp_stream_tx_chan *c = &tx->ch[i];
		c->next_seq = first_seq ? first_seq[i] : 0;
		c->acked = c->next_seq - 1;
		c->sent_top = c->next_seq;
	}
}

void hrp_stream_tx_free(struct hrp_stream_tx *tx)
{
	for (unsigned i = 0; i < HRP_CHAN_MAX; i++) {
		struct hrp_stream_rec *r = tx->ch[i].head;
		while (r) {
			struct hrp_stream_rec *next = r->next;
			free(r);
			r = next;
		}
		tx->ch[i].head = tx->ch[i].tail = tx->ch[i].cursor = NULL;
		tx->ch[i].records = tx->ch[i].bytes = 0;
		tx->ch[i].unsent = tx->ch[i].unsent_bytes = 0;
	}
}

void hrp_stream_tx_set_limit(struct hrp_stream_tx *tx, size_t limit_bytes)
{
	tx->limit_bytes = limit_bytes;
}

static void mark_resync(struct hrp_stream_tx_chan *c)
{
	if (!c->resync)
		c->c.resync_marks++;
	c->resync = true;
}

/* A record at the tail of c, numbered next; unsent (the cursor's from the first one) unless sent
 * (a restored record the peer has had). NULL when out of memory. */
static struct hrp_stream_rec *append(struct hrp_stream_tx_chan *c, const void *rec, size_t len,
				     uint32_t flags, bool sent)
{
	struct hrp_stream_rec *r = malloc(sizeof(*r) + len);
	if (!r)
		return NULL;
	r->next = NULL;
	r->seq = c->next_seq++;
	r->flags = flags & (HRP_DATA_F_BULK_BEGIN | HRP_DATA_F_BULK_END);
	r->len = (uint16_t)len;
	if (len)
		memcpy(r->data, rec, len);
	if (c->tail)
		c->tail->next = r;
	else
		c->head = r;
	c->tail = r;
	c->records++;
	c->bytes += cost(len);
	if (!sent) {
		if (!c->cursor)
			c->cursor = r;
		c->unsent++;
		c->unsent_bytes += cost(len);
	}
	return r;
}

int hrp_stream_tx_queue(struct hrp_stream_tx *tx, unsigned ch, const void *rec, size_t len,
			uint32_t flags)
{
	if (!chan_ok(ch) || len > HRP_TLV_VAL_MAX || (len && !rec))
		return -EINVAL;
	struct hrp_stream_tx_chan *c = &tx->ch[ch];
	if (c->bytes + cost(len) > tx->limit_bytes) {
		/* Back-pressure: refused, the producer told to resync (never a silent drop). */
		c->c.refused++;
		c->full = true;
		mark_resync(c);
		return -ENOBUFS;
	}
	if (!append(c, rec, len, flags, false)) {
		c->c.refused++;
		c->full = true;
		mark_resync(c);
		return -ENOMEM;
	}
	c->c.queued++;
	return 0;
}

bool hrp_stream_tx_pending(const struct hrp_stream_tx *tx)
{
	for (unsigned i = 1; i < HRP_CHAN_MAX; i++)
		if (tx->ch[i].cursor)
			return true;
	return false;
}

bool hrp_stream_tx_outstanding(const struct hrp_stream_tx *tx)
{
	for (unsigned i = 1; i < HRP_CHAN_MAX; i++)
		if (tx->ch[i].head)
			return true;
	return false;
}

/* Round robin over the channels with unsent records, starting after the one served last, so
 * that a session bulk sync never holds a config change back for long. */
static unsigned next_channel(const struct hrp_stream_tx *tx)
{
	for (unsigned k = 1; k < HRP_CHAN_MAX; k++) {
		unsigned ch = (tx->last + k - 1) % (HRP_CHAN_MAX - 1) + 1;
		if (tx->ch[ch].cursor)
			return ch;
	}
	return HRP_CHAN_INVALID;
}

static void advance(struct hrp_stream_tx_chan *c, struct hrp_stream_put *out)
{
	struct hrp_stream_rec *r = c->cursor;
	c->cursor = r->next;
	c->unsent--;
	c->unsent_bytes -= cost(r->len);
	c->c.sent++;
	out->records++;
	out->bytes += r->len;
	if (hrp_seq_after(c->sent_top, r->seq)) {
		c->c.resent++;
		out->resent++;
	} else {
		c->sent_top = r->seq + 1;
	}
}

int hrp_stream_tx_put(struct hrp_stream_tx *tx, struct hrp_builder *b, size_t max_body,
		      size_t max_records, struct hrp_stream_put *out)
{
	static const size_t flags_tlv = HRP_TLV_HDR_LEN + 4;
	unsigned ch = next_channel(tx);
	if (ch == HRP_CHAN_INVALID)
		return 0;
	if (b->err)
		return b->err;
	struct hrp_stream_tx_chan *c = &tx->ch[ch];
	struct hrp_stream_rec *first = c->cursor;
	size_t start = b->len;
	/* Room for the record TLVs: what the builder has, less the flags TLV and the trailer. */
	size_t room = b->cap > start + flags_tlv + HRP_TRAILER_LEN
			      ? b->cap - start - flags_tlv - HRP_TRAILER_LEN
			      : 0;
	size_t head = 2 * HRP_TLV_HDR_LEN + 1 + 4; /* channel and data-seq */
	if (room < head + HRP_TLV_HDR_LEN + first->len)
		return -ENOBUFS;
	struct hrp_stream_put o = { .channel = ch, .first_seq = first->seq };
	hrp_data_put(b, (uint8_t)ch, first->seq, 0);
	uint32_t last_flags = 0;
	while (c->cursor) {
		struct hrp_stream_rec *r = c->cursor;
		size_t need = HRP_TLV_HDR_LEN + r->len;
		if (o.records > 0 &&
		    ((r->flags & HRP_DATA_F_BULK_BEGIN) || o.records >= max_records ||
		     b->len - start + need > max_body || b->len - start + need > room))
			break;
		hrp_tlv_put(b, HRP_TLV_DATA_PAYLOAD, r->data, r->len);
		last_flags = r->flags;
		advance(c, &o);
		if (r->flags & HRP_DATA_F_BULK_END)
			break;
	}
	o.flags = (first->flags & HRP_DATA_F_BULK_BEGIN) | (last_flags & HRP_DATA_F_BULK_END);
	if (o.flags)
		hrp_tlv_put_u32(b, HRP_TLV_DATA_FLAGS, o.flags);
	tx->last = ch;
	*out = o;
	return b->err ? b->err : 1;
}

static void free_through(struct hrp_stream_tx_chan *c, uint32_t ack_seq, size_t *freed)
{
	/* Records up to ack_seq leave the list; the cursor never points at a freed one. */
	while (c->head && !hrp_seq_after(c->head->seq, ack_seq)) {
		struct hrp_stream_rec *r = c->head;
		c->head = r->next;
		if (!c->head)
			c->tail = NULL;
		if (c->cursor == r) {
			/* Acknowledged before it was sent again (after a rewind): skip it. */
			c->cursor = r->next;
			c->unsent--;
			c->unsent_bytes -= cost(r->len);
		}
		c->records--;
		c->bytes -= cost(r->len);
		c->c.acked++;
		(*freed)++;
		free(r);
	}
}

enum hrp_stream_ack hrp_stream_tx_ack(struct hrp_stream_tx *tx, unsigned ch, uint32_t ack_seq,
				      struct hrp_stream_ack_out *out)
{
	struct hrp_stream_ack_out o = { 0 };
	if (out)
		*out = o;
	if (!chan_ok(ch))
		return HRP_STREAM_ACK_BAD_CHANNEL;
	struct hrp_stream_tx_chan *c = &tx->ch[ch];
	uint32_t d = ack_seq - c->acked;             /* how far past the last ack */
	uint32_t span = c->sent_top - c->acked - 1u; /* sent and not yet acknowledged */
	if (d == 0) {
		c->c.acks_duplicate++;
		return HRP_STREAM_ACK_DUPLICATE;
	}
	if (d > span) {
		if (hrp_seq_after(c->acked, ack_seq)) {
			/* The peer has less than it once acknowledged: it lost records we no longer
			 * hold. Its application needs a snapshot. */
			c->c.acks_behind++;
			mark_resync(c);
			return HRP_STREAM_ACK_BEHIND;
		}
		c->c.acks_ahead++;
		return HRP_STREAM_ACK_AHEAD;
	}
	free_through(c, ack_seq, &o.freed);
	c->acked = ack_seq;
	c->c.acks++;
	if (c->full && c->bytes <= tx->limit_bytes / 2) {
		c->full = false;
		o.room = true;
	}
	if (out)
		*out = o;
	return HRP_STREAM_ACK_OK;
}

void hrp_stream_tx_rewind(struct hrp_stream_tx *tx)
{
	for (unsigned i = 1; i < HRP_CHAN_MAX; i++) {
		struct hrp_stream_tx_chan *c = &tx->ch[i];
		c->cursor = c->head;
		c->unsent = c->records;
		c->unsent_bytes = c->bytes;
	}
}

bool hrp_stream_tx_needs_resync(const struct hrp_stream_tx *tx, unsigned ch)
{
	return chan_ok(ch) && tx->ch[ch].resync;
}

void hrp_stream_tx_resync_done(struct hrp_stream_tx *tx, unsigned ch)
{
	if (chan_ok(ch))
		tx->ch[ch].resync = false;
}

/* ---- hot restart ---- */

static void chan_empty(struct hrp_stream_tx_chan *c)
{
	struct hrp_stream_rec *r = c->head;
	while (r) {
		struct hrp_stream_rec *next = r->next;
		free(r);
		r = next;
	}
	c->head = c->tail = c->cursor = NULL;
	c->records = c->bytes = c->unsent = c->unsent_bytes = 0;
}

int hrp_stream_tx_restore_chan(struct hrp_stream_tx *tx, unsigned ch, uint32_t acked,
			       uint32_t sent_top, bool resync, bool full)
{
	if (!chan_ok(ch))
		return -EINVAL;
	struct hrp_stream_tx_chan *c = &tx->ch[ch];
	chan_empty(c);
	c->acked = acked;
	c->next_seq = acked + 1;
	c->sent_top = sent_top;
	c->resync = resync;
	c->full = full;
	return 0;
}

int hrp_stream_tx_restore_rec(struct hrp_stream_tx *tx, unsigned ch, const void *rec, size_t len,
			      uint32_t flags, bool sent)
{
	if (!chan_ok(ch) || len > HRP_TLV_VAL_MAX || (len && !rec))
		return -EINVAL;
	struct hrp_stream_tx_chan *c = &tx->ch[ch];
	if (sent && c->cursor)
		return -EINVAL; /* the unsent records are the newest */
	return append(c, rec, len, flags, sent) ? 0 : -ENOMEM;
}

int hrp_stream_tx_restore_check(const struct hrp_stream_tx *tx, unsigned ch)
{
	if (!chan_ok(ch))
		return -EINVAL;
	const struct hrp_stream_tx_chan *c = &tx->ch[ch];
	uint32_t first = c->acked + 1;
	/* acked < sent_top <= next_seq, and the records sent lie below sent_top. */
	if (c->sent_top - first > c->next_seq - first)
		return -EINVAL;
	uint32_t sent_end = c->cursor ? c->cursor->seq : c->next_seq;
	if (sent_end - first > c->sent_top - first)
		return -EINVAL;
	return 0;
}

/* ---- receiver ---- */

void hrp_stream_rx_init(struct hrp_stream_rx *rx, uint32_t ack_every, uint32_t ack_delay_ms)
{
	memset(rx, 0, sizeof(*rx));
	rx->ack_every = ack_every ? ack_every : 1;
	rx->ack_delay_ms = ack_delay_ms;
}

void hrp_stream_rx_connected(struct hrp_stream_rx *rx)
{
	for (unsigned i = 1; i < HRP_CHAN_MAX; i++) {
		struct hrp_stream_rx_chan *c = &rx->ch[i];
		c->fresh = true;
		/* The ack of the old connection may have died with it: repeat it at once, so the
		 * sender frees what we have before it sends it all again. */
		if (c->synced)
			c->now = true;
	}
}

void hrp_stream_rx_reset(struct hrp_stream_rx *rx)
{
	for (unsigned i = 1; i < HRP_CHAN_MAX; i++) {
		struct hrp_stream_rx_chan *c = &rx->ch[i];
		c->synced = false;
		c->owed = c->now = c->lost_owed = false;
		c->since = 0;
		c->c.resets++;
	}
}

static void delivered(struct hrp_stream_rx_chan *c, uint64_t now_ms)
{
	c->c.delivered++;
	if (!c->owed) {
		c->owed = true;
		c->owed_ms = now_ms;
	}
	c->since++;
}

enum hrp_stream_rx_verdict hrp_stream_rx_record(struct hrp_stream_rx *rx, unsigned ch, uint32_t seq,
						uint64_t now_ms, uint32_t *lost_from,
						uint32_t *lost_to)
{
	if (!chan_ok(ch))
		return HRP_STREAM_RX_BAD_CHANNEL;
	struct hrp_stream_rx_chan *c = &rx->ch[ch];
	bool fresh = c->fresh;
	c->fresh = false;
	c->c.received++;
	/* The first record from this peer (or since it restarted) starts the numbering. */
	if (!c->synced || seq == c->next) {
		c->synced = true;
		c->next = seq + 1;
		delivered(c, now_ms);
		return HRP_STREAM_RX_DELIVER;
	}
	if (hrp_seq_after(c->next, seq)) {
		/* Sent again after a reconnect, or our ack was late: drop, and ack at once. */
		c->c.duplicates++;
		c->now = true;
		return HRP_STREAM_RX_DUPLICATE;
	}
	c->c.gaps++;
	if (!fresh)
		return HRP_STREAM_RX_GAP; /* the connection lost something: resend on the next */
	/* A new connection starts past what we have: the sender's oldest record is newer than our
	 * next, so the ones between are gone for good. Say so to the sender (an ack behind what it
	 * saw acknowledged), then go on from here. */
	if (lost_from)
		*lost_from = c->next;
	if (lost_to)
		*lost_to = seq - 1;
	c->c.lost += seq - c->next;
	c->c.resyncs++;
	c->lost_owed = true;
	c->lost_ack = c->next - 1;
	c->next = seq + 1;
	delivered(c, now_ms);
	return HRP_STREAM_RX_RESYNC;
}

bool hrp_stream_rx_ack_due(const struct hrp_stream_rx *rx, unsigned ch, uint64_t now_ms)
{
	if (!chan_ok(ch))
		return false;
	const struct hrp_stream_rx_chan *c = &rx->ch[ch];
	if (c->lost_owed)
		return true;
	if (!c->synced)
		return false;
	return c->now ||
	       (c->owed && (c->since >= rx->ack_every || now_ms - c->owed_ms >= rx->ack_delay_ms));
}

bool hrp_stream_rx_ack_take(struct hrp_stream_rx *rx, unsigned ch, uint32_t *ack_seq)
{
	if (!chan_ok(ch))
		return false;
	struct hrp_stream_rx_chan *c = &rx->ch[ch];
	if (c->lost_owed) {
		c->lost_owed = false;
		*ack_seq = c->lost_ack;
		c->c.acks++;
		return true;
	}
	if (!c->synced || (!c->owed && !c->now))
		return false;
	*ack_seq = c->next - 1;
	c->owed = c->now = false;
	c->since = 0;
	c->c.acks++;
	return true;
}

uint64_t hrp_stream_rx_ack_deadline(const struct hrp_stream_rx *rx)
{
	uint64_t next = HRP_STREAM_NEVER;
	for (unsigned i = 1; i < HRP_CHAN_MAX; i++) {
		const struct hrp_stream_rx_chan *c = &rx->ch[i];
		uint64_t at = HRP_STREAM_NEVER;
		if (c->lost_owed || (c->synced && c->now))
			at = 0;
		else if (c->synced && c->owed)
			at = c->owed_ms + rx->ack_delay_ms;
		if (at < next)
			next = at;
	}
	return next;
}
