/* The reliable data channel: records from the sync features (hrpd_data_send) to the peer and the
 * peer's records back, in order and once, over the TCP connection of data_conn.c.
 *
 * Messages on the connection are whole HRP messages on the data stream (header, TLVs, HMAC
 * trailer when keyed), back to back, framed by their length field (hrp_msg_peek). Each one goes
 * through hrp_rx() like a datagram; anything it refuses, anything that is not a data or data-ack
 * message of the peer, and bytes that are not HRP framing end the connection (counted by reason):
 * the sender sends again what was not acknowledged on the next one, so a refused message never
 * becomes a silent gap.
 *
 * The arithmetic (numbering, acks, resend, limit, duplicates, gaps) is lib/hrp_stream's. This
 * file moves bytes in bounded slices: one turn of the loop writes at most HRPD_DATA_TX_TURN bytes
 * (HRPD_DATA_TX_MSGS messages built) and reads at most HRPD_DATA_RX_TURN; EPOLLOUT brings the
 * rest, so the heartbeat (its own timer and UDP sockets, served first) never waits on bulk data. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "data_int.h"
#include "issu.h"
#include "issu_send.h"
#include "log.h"

static void timer_fired(struct hs_timer *t, void *arg);

static struct hrpd_data *data_of(const struct hrpd *h)
{
	return h ? h->data : NULL;
}

static bool chan_ok(unsigned ch)
{
	return ch > HRP_CHAN_INVALID && ch < HRP_CHAN_MAX;
}

/* ---- life ---- */

int hrpd_data_init(struct hrpd *h)
{
	struct hrpd_data *dc = calloc(1, sizeof(*dc));
	if (!dc)
		return -ENOMEM;
	dc->in = malloc(HRPD_DATA_IN_CAP);
	dc->out = malloc(HRPD_DATA_OUT_CAP);
	if (!dc->in || !dc->out) {
		free(dc->in);
		free(dc->out);
		free(dc);
		return -ENOMEM;
	}
	dc->h = h;
	dc->fd = -1;
	dc->held_fd = -1;
	dc->link = -1;
	dc->backoff_ms = HRPD_DATA_BACKOFF_MIN;
	for (int i = 0; i < HS_HRP_LINKS_MAX; i++)
		dc->lis[i].fd = -1;
	/* Random first numbers: a receiver that missed our restart sees a gap, never a run of
	 * "duplicates" it would drop. */
	uint32_t first[HRP_CHAN_MAX];
	randombytes_buf(first, sizeof(first));
	hrp_stream_tx_init(&dc->tx, HRPD_DATA_LIMIT_DEFAULT, first);
	hrp_stream_rx_init(&dc->rx, HRPD_DATA_ACK_EVERY, HRPD_DATA_ACK_MS);
	for (unsigned ch = 0; ch < HRP_CHAN_MAX; ch++) {
		dc->handler[ch].ops = &hrpd_data_event_ops;
		dc->handler[ch].arg = dc;
	}
	hrpd_data_digest_init(dc);
	hs_timer_init(&dc->timer, &h->d->loop, timer_fired, dc);
	h->data = dc;
	hrpd_data_listen_sync(dc, hs_now_ms());
	return 0;
}

void hrpd_data_free(struct hrpd *h)
{
	struct hrpd_data *dc = data_of(h);
	if (!dc)
		return;
	if (h->d->handed_over)
		hrpd_data_hot_release(h);
	hrpd_data_close(dc, HRPD_DATA_CLOSE_PEER_DOWN, "hrpd stops");
	hrpd_data_held_drop(dc);
	hrpd_data_listen_close(dc);
	hs_timer_free(&dc->timer);
	hrp_stream_tx_free(&dc->tx);
	free(dc->in);
	free(dc->out);
	free(dc);
	h->data = NULL;
}

/* ---- the API ---- */

int hrpd_data_register(struct hrpd *h, unsigned channel, const struct hrpd_data_ops *ops, void *arg)
{
	struct hrpd_data *dc = data_of(h);
	if (!dc || !chan_ok(channel))
		return -EINVAL;
	dc->handler[channel].ops = ops ? ops : &hrpd_data_event_ops;
	dc->handler[channel].arg = ops ? arg : dc;
	return 0;
}

int hrpd_data_send_flags(struct hrpd *h, unsigned channel, const void *buf, size_t len,
			 uint32_t flags)
{
	struct hrpd_data *dc = data_of(h);
	if (!dc)
		return -EINVAL;
	if (hrpd_issu_data_held(h)) {
		dc->st.plan_refused++; /* the producers catch up once the channel runs again */
		return -EPERM;
	}
	bool idle = !hrp_stream_tx_outstanding(&dc->tx);
	bool had = hrp_stream_tx_needs_resync(&dc->tx, channel);
	int r = hrp_stream_tx_queue(&dc->tx, channel, buf, len, flags);
	if (r == 0) {
		hrpd_data_digest(&dc->tx_digest[channel], buf, len);
		if (idle)
			dc->last_progress_ms = hs_now_ms(); /* a stall counts from here */
		hrpd_data_events(dc);
		return 0;
	}
	if ((r == -ENOBUFS || r == -ENOMEM) && !had) {
		const struct hrp_stream_tx_chan *c = &dc->tx.ch[channel];
		hs_warn(HRPD_DATA_PREFIX,
			"channel %s refuses records (%s): %zu bytes held, limit %zu; resync "
			"marked",
			hrp_data_channel_name(channel), strerror(-r), c->bytes, dc->tx.limit_bytes);
		json_t *ev = json_pack("{s:i, s:s}", "channel", (int)channel, "reason",
				       r == -ENOBUFS ? "full" : "no-memory");
		hrpd_publish(h, "data-resync", ev);
		json_decref(ev);
	}
	return r;
}

int hrpd_data_send(struct hrpd *h, unsigned channel, const void *buf, size_t len)
{
	return hrpd_data_send_flags(h, channel, buf, len, 0);
}

bool hrpd_data_needs_resync(const struct hrpd *h, unsigned channel)
{
	const struct hrpd_data *dc = data_of(h);
	return dc && hrp_stream_tx_needs_resync(&dc->tx, channel);
}

size_t hrpd_data_held(const struct hrpd *h, unsigned channel, size_t *limit)
{
	const struct hrpd_data *dc = data_of(h);
	*limit = dc ? dc->tx.limit_bytes : 0;
	return dc && chan_ok(channel) ? dc->tx.ch[channel].bytes : 0;
}

void hrpd_data_resync_done(struct hrpd *h, unsigned channel)
{
	struct hrpd_data *dc = data_of(h);
	if (dc)
		hrp_stream_tx_resync_done(&dc->tx, channel);
}

bool hrpd_data_plan_held(const struct hrpd *h)
{
	return hrpd_issu_data_held(h);
}

uint32_t hrpd_data_first_seq(const struct hrpd *h, const struct hrp_hdr *asker)
{
	const struct hrpd_data *dc = data_of(h);
	/* Everything on a connection that came up before we knew the asker's process went to
	 * another one (or to no one): a recording of it must not be taken. */
	if (dc && dc->state == HRPD_DATA_UP && dc->up_peer_known &&
	    dc->up_peer_id == asker->sender_id && dc->up_peer_epoch == asker->epoch)
		return dc->up_first_seq;
	return h->tx.seq[HRP_STREAM_DATA];
}

/* ---- output ---- */

/* Room for need more bytes at the end of the output buffer, compacting it when that helps. */
static bool out_room(struct hrpd_data *dc, size_t need)
{
	if (HRPD_DATA_OUT_CAP - dc->out_len >= need)
		return true;
	if (dc->out_off) {
		memmove(dc->out, dc->out + dc->out_off, dc->out_len - dc->out_off);
		dc->out_len -= dc->out_off;
		dc->out_off = 0;
	}
	return HRPD_DATA_OUT_CAP - dc->out_len >= need;
}

static int finish(struct hrpd_data *dc, struct hrp_builder *b, uint16_t type)
{
	struct hrpd *h = dc->h;
	size_t len;
	int r = hrp_msg_end(b, &h->tx, HRP_STREAM_DATA, hrpd_tx_key(h), &len);
	if (r < 0) {
		hrpd_data_close(dc, HRPD_DATA_CLOSE_BUILD, "cannot build %s: %s",
				hrp_msg_type_name(type), strerror(-r));
		return r;
	}
	dc->out_len += len;
	dc->st.messages_out++;
	h->st.tx_type[type]++;
	return 0;
}

void hrpd_data_queue_acks(struct hrpd_data *dc, uint64_t now)
{
	if (dc->state != HRPD_DATA_UP)
		return;
	for (unsigned ch = 1; ch < HRP_CHAN_MAX; ch++) {
		while (hrp_stream_rx_ack_due(&dc->rx, ch, now) && out_room(dc, HRPD_DATA_ACK_LEN)) {
			struct hrp_data_ack a = { .channel = (uint8_t)ch };
			struct hrp_builder b;
			if (!hrp_stream_rx_ack_take(&dc->rx, ch, &a.ack_seq))
				break;
			hrp_msg_begin(&b, dc->out + dc->out_len, HRPD_DATA_ACK_LEN,
				      HRP_MSG_DATA_ACK, 0);
			hrp_data_ack_put(&b, &a);
			if (finish(dc, &b, HRP_MSG_DATA_ACK) < 0)
				return;
			dc->st.acks_sent++;
		}
	}
	hrpd_data_events(dc);
}

/* The next data message into the output buffer: 1 built, 0 nothing to send, < 0 closed. */
static int build_data(struct hrpd_data *dc)
{
	struct hrp_builder b;
	struct hrp_stream_put info;
	hrp_msg_begin(&b, dc->out + dc->out_len, HRPD_DATA_MSG_MAX, HRP_MSG_DATA,
		      HRP_F_ACK_REQUESTED);
	int r = hrp_stream_tx_put(&dc->tx, &b, HRPD_DATA_MSG_BODY, HRPD_DATA_MSG_RECS, &info);
	if (r < 0) {
		hrpd_data_close(dc, HRPD_DATA_CLOSE_BUILD, "cannot build data: %s", strerror(-r));
		return r;
	}
	if (r == 0)
		return 0;
	r = finish(dc, &b, HRP_MSG_DATA);
	return r < 0 ? r : 1;
}

void hrpd_data_write(struct hrpd_data *dc)
{
	size_t budget = HRPD_DATA_TX_TURN;
	unsigned msgs = 0, gen = dc->gen;
	hrpd_data_queue_acks(dc, hs_now_ms());
	if (gen != dc->gen)
		return;
	for (;;) {
		while (msgs < HRPD_DATA_TX_MSGS && dc->out_len - dc->out_off < budget &&
		       hrp_stream_tx_pending(&dc->tx) &&
		       out_room(dc, HRPD_DATA_MSG_MAX + 16u * HRPD_DATA_ACK_LEN)) {
			int r = build_data(dc);
			if (r < 0)
				return;
			if (r == 0)
				break;
			msgs++;
		}
		size_t pending = dc->out_len - dc->out_off;
		if (!pending)
			break;
		ssize_t n = send(dc->fd, dc->out + dc->out_off, pending < budget ? pending : budget,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break; /* the kernel's buffer is full: EPOLLOUT brings us back */
			hrpd_data_close(dc, HRPD_DATA_CLOSE_ERROR, "send: %s", strerror(errno));
			return;
		}
		dc->out_off += (size_t)n;
		dc->st.bytes_out += (uint64_t)n;
		budget -= (size_t)n;
		if (dc->out_off == dc->out_len)
			dc->out_off = dc->out_len = 0;
		if (budget == 0 || msgs >= HRPD_DATA_TX_MSGS) {
			/* This turn's share is spent; the loop serves the others first. */
			if (dc->out_len > dc->out_off || hrp_stream_tx_pending(&dc->tx))
				dc->st.tx_turns_capped++;
			break;
		}
	}
	hrpd_data_events(dc);
}

/* ---- input ---- */

static void deliver(struct hrpd_data *dc, unsigned ch, uint32_t seq, uint32_t flags,
		    const uint8_t *rec, size_t len)
{
	hrpd_data_digest(&dc->rx_digest[ch], rec, len);
	const struct hrpd_data_ops *ops = dc->handler[ch].ops;
	if (ops && ops->deliver)
		ops->deliver(dc->handler[ch].arg, ch, seq, flags, rec, len);
	dc->delivered_chans |= 1u << ch;
}

/* The consumers that had records this turn hear that all of them are in. */
static void turn_delivered(struct hrpd_data *dc)
{
	uint32_t chans = dc->delivered_chans;
	dc->delivered_chans = 0;
	for (unsigned ch = 0; chans && ch < HRP_CHAN_MAX; ch++) {
		const struct hrpd_data_ops *ops = dc->handler[ch].ops;
		if ((chans >> ch & 1) && ops && ops->delivered)
			ops->delivered(dc->handler[ch].arg, ch);
	}
}

/* A data message: its records through the receiver, in order. False: the connection went. */
static bool rx_data(struct hrpd_data *dc, const struct hrp_rx_result *res, uint64_t now)
{
	struct hrp_data d;
	struct hrp_tlv_iter it;
	struct hrp_tlv t;
	unsigned gen = dc->gen;
	if (hrp_data_get(res->msg.body, res->msg.body_len, &d) < 0) {
		hrpd_data_close(dc, HRPD_DATA_CLOSE_UNEXPECTED,
				"a data message without its fields");
		return false;
	}
	unsigned ch = d.channel;
	if (!chan_ok(ch)) {
		/* A channel of a newer peer: not acknowledged, so its sender resyncs it later. */
		dc->st.unknown_channel += d.n_payloads;
		return true;
	}
	hrp_tlv_iter_init(&it, res->msg.body, res->msg.body_len);
	for (uint32_t i = 0; hrp_tlv_next_of(&it, HRP_TLV_DATA_PAYLOAD, &t) == 1; i++) {
		uint32_t seq = d.seq + i, from = 0, to = 0;
		uint32_t flags = 0;
		if (i == 0)
			flags |= d.flags & HRP_DATA_F_BULK_BEGIN;
		if (i + 1 == d.n_payloads)
			flags |= d.flags & HRP_DATA_F_BULK_END;
		switch (hrp_stream_rx_record(&dc->rx, ch, seq, now, &from, &to)) {
		case HRP_STREAM_RX_DELIVER: deliver(dc, ch, seq, flags, t.val, t.len); break;
		case HRP_STREAM_RX_DUPLICATE: break;
		case HRP_STREAM_RX_GAP:
			hrpd_data_close(dc, HRPD_DATA_CLOSE_GAP,
					"channel %s: record %u arrived, %u expected",
					hrp_data_channel_name(ch), seq, dc->rx.ch[ch].next);
			return false;
		case HRP_STREAM_RX_RESYNC: {
			hs_warn(HRPD_DATA_PREFIX,
				"channel %s: the peer no longer has records %u..%u: lost, its "
				"snapshot is needed",
				hrp_data_channel_name(ch), from, to);
			const struct hrpd_data_ops *ops = dc->handler[ch].ops;
			if (ops && ops->lost)
				ops->lost(dc->handler[ch].arg, ch, from, to);
			if (gen != dc->gen)
				return false;
			deliver(dc, ch, seq, flags, t.val, t.len);
			break;
		}
		default: return true;
		}
		if (gen != dc->gen)
			return false;
	}
	return true;
}

static void progress(struct hrpd_data *dc, uint64_t now)
{
	if (dc->stalled) {
		dc->stalled = false;
		dc->st.stall_last_ms = now - dc->stall_from_ms;
		if (dc->st.stall_last_ms > dc->st.stall_max_ms)
			dc->st.stall_max_ms = dc->st.stall_last_ms;
		hs_info(HRPD_DATA_PREFIX, "acknowledgements again after a stall of %llu ms",
			(unsigned long long)dc->st.stall_last_ms);
	}
	dc->last_progress_ms = now;
}

static bool rx_ack(struct hrpd_data *dc, const struct hrp_rx_result *res, uint64_t now)
{
	struct hrp_data_ack a;
	struct hrp_stream_ack_out o;
	if (hrp_data_ack_get(res->msg.body, res->msg.body_len, &a) < 0) {
		hrpd_data_close(dc, HRPD_DATA_CLOSE_UNEXPECTED, "a data-ack without its fields");
		return false;
	}
	dc->st.acks_received++;
	unsigned ch = a.channel;
	const struct hrp_stream_tx_chan *c = chan_ok(ch) ? &dc->tx.ch[ch] : NULL;
	uint32_t had = c ? c->acked : 0;
	switch (hrp_stream_tx_ack(&dc->tx, ch, a.ack_seq, &o)) {
	case HRP_STREAM_ACK_OK:
		progress(dc, now);
		if (o.room) {
			hs_info(HRPD_DATA_PREFIX, "channel %s has room again (%zu bytes held)",
				hrp_data_channel_name(ch), c->bytes);
			const struct hrpd_data_ops *ops = dc->handler[ch].ops;
			if (ops && ops->room)
				ops->room(dc->handler[ch].arg, ch);
		}
		return true;
	case HRP_STREAM_ACK_DUPLICATE: return true;
	case HRP_STREAM_ACK_BEHIND:
		hs_warn(HRPD_DATA_PREFIX,
			"channel %s: the peer has records up to %u only, %u were acknowledged: "
			"it lost some, resync marked",
			hrp_data_channel_name(ch), a.ack_seq, had);
		return true;
	case HRP_STREAM_ACK_AHEAD:
		hrpd_data_close(dc, HRPD_DATA_CLOSE_BAD_ACK,
				"channel %s: ack of %u, only up to %u was sent",
				hrp_data_channel_name(ch), a.ack_seq, c->sent_top - 1u);
		return false;
	default: dc->st.unknown_channel++; return true;
	}
}

/* The peer's epoch on the data stream: a new one that it did not announce means it restarted and
 * numbers its records afresh. */
void hrpd_data_follow_epoch(struct hrpd_data *dc)
{
	struct hrpd *h = dc->h;
	if (!h->peer.known || (dc->rx_epoch_set && dc->rx_epoch == h->peer.epoch))
		return;
	if (dc->rx_epoch_set) {
		bool rollover = dc->next_epoch_set && h->peer.epoch == dc->next_epoch;
		if (!rollover) {
			hs_notice(HRPD_DATA_PREFIX,
				  "the peer restarted (epoch 0x%016llx): its records are numbered "
				  "afresh",
				  (unsigned long long)h->peer.epoch);
			hrp_stream_rx_reset(&dc->rx);
		}
		dc->next_epoch_set = false;
	}
	dc->rx_epoch_set = true;
	dc->rx_epoch = h->peer.epoch;
}

/* One framed message. False: the connection went. */
static bool rx_message(struct hrpd_data *dc, const uint8_t *buf, size_t len, uint64_t now)
{
	struct hrpd *h = dc->h;
	struct hrp_hdr hdr;
	enum hrp_drop why;
	dc->st.messages_in++;
	if (hrp_hdr_decode(buf, len, &hdr, &why) < 0) {
		hrpd_data_close(dc, HRPD_DATA_CLOSE_GARBAGE, "%s", hrp_drop_name(why));
		return false;
	}
	if (!(hdr.flags & HRP_F_DATA_STREAM) ||
	    (hdr.type != HRP_MSG_DATA && hdr.type != HRP_MSG_DATA_ACK)) {
		hrpd_data_close(dc, HRPD_DATA_CLOSE_UNEXPECTED, "%s (type %u) on the data stream",
				hrp_msg_type_name(hdr.type), hdr.type);
		return false;
	}
	if (!h->peer.known || hdr.sender_id != h->peer.sender_id) {
		hrpd_data_close(dc, HRPD_DATA_CLOSE_UNEXPECTED,
				"sender id 0x%08x is not the peer's", hdr.sender_id);
		return false;
	}
	struct hrp_rx_ctx ctx = { .local_id = h->sender_id,
				  .keys = &h->keys,
				  .peer = &h->peer,
				  .counters = &h->counters };
	struct hrp_rx_result res;
	enum hrp_rx_verdict v = hrp_rx(&ctx, buf, len, now, &res);
	if (v != HRP_RX_ACCEPT) {
		hrpd_data_close(dc, HRPD_DATA_CLOSE_DROPPED, "%s: %s", hrp_rx_verdict_name(v),
				hrp_drop_name(res.drop));
		return false;
	}
	hrpd_data_follow_epoch(dc);
	dc->backoff_ms = HRPD_DATA_BACKOFF_MIN; /* this connection works */
	unsigned gen = dc->gen;
	bool ok = hdr.type == HRP_MSG_DATA ? rx_data(dc, &res, now) : rx_ack(dc, &res, now);
	return ok && gen == dc->gen; /* a consumer's callback may have ended the connection */
}

/* Whole messages out of the input buffer. False: the connection went. */
static bool parse(struct hrpd_data *dc, uint64_t now)
{
	size_t off = 0;
	for (;;) {
		size_t mlen;
		int r = hrp_msg_peek(dc->in + off, dc->in_len - off, &mlen);
		if (r < 0) {
			hrpd_data_close(dc, HRPD_DATA_CLOSE_GARBAGE,
					"not an HRP message at byte %llu of the stream",
					(unsigned long long)(dc->st.bytes_in - (dc->in_len - off)));
			return false;
		}
		if (r == 0)
			break;
		if (!rx_message(dc, dc->in + off, mlen, now))
			return false;
		off += mlen;
	}
	if (off) {
		memmove(dc->in, dc->in + off, dc->in_len - off);
		dc->in_len -= off;
	}
	return true;
}

/* This turn's share of the input; false when the connection went. */
static bool read_turn(struct hrpd_data *dc, uint64_t now)
{
	size_t budget = HRPD_DATA_RX_TURN;
	while (budget) {
		size_t room = HRPD_DATA_IN_CAP - dc->in_len;
		if (!room) { /* cannot happen: parse() leaves less than one message */
			hrpd_data_close(dc, HRPD_DATA_CLOSE_GARBAGE, "input buffer full");
			return false;
		}
		ssize_t n = recv(dc->fd, dc->in + dc->in_len, room < budget ? room : budget,
				 MSG_DONTWAIT);
		if (n == 0) {
			hrpd_data_close(dc, HRPD_DATA_CLOSE_PEER, "closed by the peer");
			return false;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			hrpd_data_close(dc, HRPD_DATA_CLOSE_ERROR, "receive: %s", strerror(errno));
			return false;
		}
		dc->in_len += (size_t)n;
		dc->st.bytes_in += (uint64_t)n;
		budget -= (size_t)n;
		if (!parse(dc, now))
			return false;
		if (!budget)
			dc->st.rx_turns_capped++; /* the rest next turn, after the others */
	}
	return true;
}

void hrpd_data_read(struct hrpd_data *dc)
{
	uint64_t now = hs_now_ms();
	bool up = read_turn(dc, now);
	turn_delivered(dc); /* what was delivered before a close too */
	if (!up)
		return;
	hrpd_data_queue_acks(dc, now);
	hrpd_data_arm(dc, now);
}

/* ---- timers and liveness ---- */

void hrpd_data_arm(struct hrpd_data *dc, uint64_t now)
{
	struct hrpd *h = dc->h;
	uint64_t next = hrpd_data_listen_deadline(dc);
	if (dc->held_fd >= 0 && dc->held_ms + HRPD_DATA_CONNECT_MS < next)
		next = dc->held_ms + HRPD_DATA_CONNECT_MS;
	if (dc->state == HRPD_DATA_UP) {
		uint64_t ack = hrp_stream_rx_ack_deadline(&dc->rx);
		/* An ack owed now that did not fit goes when the output drains (EPOLLOUT). */
		if (ack != HRP_STREAM_NEVER && ack <= now)
			ack = dc->out_len > dc->out_off ? HRP_STREAM_NEVER : now + 1;
		if (ack < next)
			next = ack;
	} else if (dc->state == HRPD_DATA_CONNECTING) {
		if (dc->since_ms + HRPD_DATA_CONNECT_MS < next)
			next = dc->since_ms + HRPD_DATA_CONNECT_MS;
	} else if (!dc->plan_held && h->enabled && h->lv.peer == HRP_LV_PEER_UP &&
		   hrpd_data_we_connect(h) && h->lv.running >= 0 &&
		   (size_t)h->lv.running < h->n_links && dc->next_connect_ms < next) {
		/* The next connect attempt (the same conditions as in hrpd_data_check). */
		next = dc->next_connect_ms > now ? dc->next_connect_ms : now + 1;
	}
	if (next == HRP_STREAM_NEVER)
		hs_timer_cancel(&dc->timer);
	else if (!hs_timer_armed(&dc->timer) || dc->timer.deadline_ms != next)
		hs_timer_arm_at(&dc->timer, next);
}

static void timer_fired(struct hs_timer *t, void *arg)
{
	struct hrpd_data *dc = arg;
	hrpd_data_queue_acks(dc, hs_now_ms());
	hrpd_data_check(dc->h);
}

/* The send plan (issu.c) says the peer's version cannot read data records (another major of
 * data or data-ack): a connection would carry messages the peer refuses, and each refusal would
 * end it and start a reconnect loop. So: no connection, none accepted, until a registry exchange
 * changes the plan (the commit, a rollback). Logged and counted once each way; true while held. */
static bool plan_hold(struct hrpd_data *dc, uint64_t now)
{
	struct hrpd *h = dc->h;
	bool held = hrpd_issu_data_held(h);
	if (held != dc->plan_held) {
		dc->plan_held = held;
		if (held) {
			dc->st.plan_holds++;
			dc->plan_held_ms = now;
			hs_notice(HRPD_DATA_PREFIX, "data channel: %s", ISSU_DATA_HELD_WHY);
		} else {
			hs_notice(HRPD_DATA_PREFIX,
				  "data channel: the send plan lets it run again (held %llu ms)",
				  (unsigned long long)(now - dc->plan_held_ms));
			dc->next_connect_ms = now;
			dc->backoff_ms = HRPD_DATA_BACKOFF_MIN;
		}
		json_t *ev = json_pack("{s:b, s:s}", "held_back", held, "why",
				       held ? ISSU_DATA_HELD_WHY : "the send plan allows it");
		hrpd_publish(h, "data-plan", ev);
		json_decref(ev);
	}
	if (held) {
		hrpd_data_close(dc, HRPD_DATA_CLOSE_PLAN, "%s", ISSU_DATA_HELD_WHY);
		hrpd_data_held_drop(dc);
	}
	return held;
}

void hrpd_data_check(struct hrpd *h)
{
	struct hrpd_data *dc = data_of(h);
	if (!dc || dc->hot_frozen)
		return;
	uint64_t now = hs_now_ms();
	if (h->peer.has_next_epoch) {
		dc->next_epoch_set = true;
		dc->next_epoch = h->peer.next_epoch;
	}
	hrpd_data_listen_sync(dc, now);
	if (plan_hold(dc, now)) {
		hrpd_data_arm(dc, now);
		return;
	}
	hrpd_data_held_check(dc, now);
	bool live = h->enabled &&
		    (h->lv.peer == HRP_LV_PEER_UP || h->lv.peer == HRP_LV_PEER_NEGOTIATING);
	if (!live) {
		hrpd_data_close(dc, HRPD_DATA_CLOSE_PEER_DOWN, "%s",
				h->enabled ? "the peer is down" : "hrp disabled");
		hrpd_data_arm(dc, now);
		return;
	}
	if (dc->state == HRPD_DATA_CONNECTING && now - dc->since_ms >= HRPD_DATA_CONNECT_MS)
		hrpd_data_close(dc, HRPD_DATA_CLOSE_TIMEOUT, "no answer within %u ms",
				HRPD_DATA_CONNECT_MS);
	if (hrpd_data_we_connect(h)) {
		int run = h->lv.running;
		bool run_ok = run >= 0 && (size_t)run < h->n_links;
		/* The connection follows the running link; while no link runs (every one silent,
		 * the peer negotiating) it stays where it is and may yet recover. */
		if (dc->state != HRPD_DATA_IDLE && run_ok && run != dc->link)
			hrpd_data_close(dc, HRPD_DATA_CLOSE_LINK, "the running link is now %s",
					h->links[run]->cfg.interface);
		if (dc->state == HRPD_DATA_IDLE && run_ok && h->lv.peer == HRP_LV_PEER_UP &&
		    now >= dc->next_connect_ms)
			hrpd_data_connect(dc, run, now);
	}
	hrpd_data_arm(dc, now);
}

void hrpd_data_peer_restart(struct hrpd *h)
{
	struct hrpd_data *dc = data_of(h);
	if (!dc || (dc->next_epoch_set && h->peer.epoch == dc->next_epoch))
		return; /* an announced epoch change: the same process goes on */
	/* A connection that has not carried the new epoch belongs to the old process. */
	if (!(dc->rx_epoch_set && dc->rx_epoch == h->peer.epoch))
		hrpd_data_close(dc, HRPD_DATA_CLOSE_RESTART, "the peer restarted");
}

void hrpd_data_reconfigure(struct hrpd *h)
{
	struct hrpd_data *dc = data_of(h);
	if (!dc)
		return;
	hrpd_data_conn_relink(dc);
	hrpd_data_held_drop(dc);
	hrpd_data_listen_sync(dc, hs_now_ms());
	hrpd_data_check(h);
}
