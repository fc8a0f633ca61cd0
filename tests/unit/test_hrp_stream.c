/* The data channel's pure core (lib/hrp_stream): in-order delivery through real data messages,
 * duplicates after a reconnect, resend of what was not acknowledged, ack arithmetic across the
 * 32-bit wrap, the back-pressure limit and the resync flag, a gap mid-connection and at the start
 * of one, ack timing, bulk flags, round robin, and a long run with random reconnects and lost
 * acks that must deliver every record exactly once and in order. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hrp_stream.h"

#define LIMIT   (1u << 20)
#define MSG_CAP 70000u

/* ---- a rig: one sender, one receiver, messages encoded and decoded for real ---- */

struct got {
	unsigned ch;
	uint32_t seq;
	uint32_t flags;
	size_t len;
	uint8_t data[64];
};

struct rig {
	struct hrp_stream_tx tx;
	struct hrp_stream_rx rx;
	struct hrp_tx htx; /* header sequence numbers, as hrpd's */
	uint64_t now;
	size_t n_got;
	struct got got[4096];
	unsigned gaps, resyncs, dups;
	uint32_t lost_from, lost_to;
	size_t msgs;
};

static void rig_init(struct rig *r, size_t limit, const uint32_t *first)
{
	memset(r, 0, sizeof(*r));
	hrp_stream_tx_init(&r->tx, limit, first);
	hrp_stream_rx_init(&r->rx, 4, 10);
	hrp_tx_init(&r->htx, 0x0a000001u, 0x1122334455667788ull, 0);
	r->now = 1000;
	hrp_stream_rx_connected(&r->rx);
}

static void rig_free(struct rig *r)
{
	hrp_stream_tx_free(&r->tx);
}

/* Record i of a channel: 8 bytes, its index twice, so order and content are both checked. */
static void rec_of(uint32_t i, uint8_t out[8])
{
	hrp_put_u32(out, i);
	hrp_put_u32(out + 4, ~i);
}

static void queue_n(struct rig *r, unsigned ch, uint32_t from, uint32_t n)
{
	uint8_t rec[8];
	for (uint32_t i = from; i < from + n; i++) {
		rec_of(i, rec);
		assert_int_equal(hrp_stream_tx_queue(&r->tx, ch, rec, sizeof(rec), 0), 0);
	}
}

/* Builds the next message (at most max_records); returns its length, 0 when nothing waits. */
static size_t build(struct rig *r, uint8_t *buf, size_t max_records, struct hrp_stream_put *info)
{
	struct hrp_builder b;
	size_t len;
	hrp_msg_begin(&b, buf, MSG_CAP, HRP_MSG_DATA, HRP_F_ACK_REQUESTED);
	int n = hrp_stream_tx_put(&r->tx, &b, 65536, max_records, info);
	assert_true(n >= 0);
	if (n == 0)
		return 0;
	assert_int_equal(hrp_msg_end(&b, &r->htx, HRP_STREAM_DATA, NULL, &len), 0);
	r->msgs++;
	return len;
}

/* The receiving hrpd's part: split, decode, each record through hrp_stream_rx_record. Returns
 * false when a gap asks for the connection to go. */
static bool receive(struct rig *r, const uint8_t *buf, size_t len)
{
	struct hrp_msg m;
	enum hrp_drop why;
	struct hrp_data d;
	assert_int_equal(hrp_msg_split(buf, len, &m, &why), 0);
	assert_true(m.hdr.flags & HRP_F_DATA_STREAM);
	assert_int_equal(hrp_data_get(m.body, m.body_len, &d), 0);
	struct hrp_tlv_iter it;
	struct hrp_tlv t;
	hrp_tlv_iter_init(&it, m.body, m.body_len);
	for (uint32_t i = 0; hrp_tlv_next_of(&it, HRP_TLV_DATA_PAYLOAD, &t) == 1; i++) {
		uint32_t from = 0, to = 0;
		enum hrp_stream_rx_verdict v =
			hrp_stream_rx_record(&r->rx, d.channel, d.seq + i, r->now, &from, &to);
		switch (v) {
		case HRP_STREAM_RX_GAP: r->gaps++; return false;
		case HRP_STREAM_RX_DUPLICATE: r->dups++; continue;
		case HRP_STREAM_RX_RESYNC:
			r->resyncs++;
			r->lost_from = from;
			r->lost_to = to;
			/* fall through */
		case HRP_STREAM_RX_DELIVER: {
			assert_true(r->n_got < 4096);
			struct got *g = &r->got[r->n_got++];
			g->ch = d.channel;
			g->seq = d.seq + i;
			g->flags = 0;
			if (i == 0)
				g->flags |= d.flags & HRP_DATA_F_BULK_BEGIN;
			if (i + 1 == d.n_payloads)
				g->flags |= d.flags & HRP_DATA_F_BULK_END;
			g->len = t.len < sizeof(g->data) ? t.len : sizeof(g->data);
			memcpy(g->data, t.val, g->len);
			break;
		}
		default: fail_msg("verdict %s", hrp_stream_rx_verdict_name(v));
		}
	}
	return true;
}

/* Sends everything pending, message by message, straight into the receiver. */
static void pump(struct rig *r, size_t max_records)
{
	static uint8_t buf[MSG_CAP];
	struct hrp_stream_put info;
	size_t len;
	while ((len = build(r, buf, max_records, &info)) > 0)
		assert_true(receive(r, buf, len));
}

/* The receiver's due acks, delivered to the sender (or lost, with lose). */
static unsigned acks(struct rig *r, bool lose, enum hrp_stream_ack *last)
{
	unsigned n = 0;
	for (unsigned ch = 1; ch < HRP_CHAN_MAX; ch++) {
		uint32_t a;
		while (hrp_stream_rx_ack_due(&r->rx, ch, r->now) &&
		       hrp_stream_rx_ack_take(&r->rx, ch, &a)) {
			n++;
			if (lose)
				continue;
			enum hrp_stream_ack v = hrp_stream_tx_ack(&r->tx, ch, a, NULL);
			if (last)
				*last = v;
			assert_true(v == HRP_STREAM_ACK_OK || v == HRP_STREAM_ACK_DUPLICATE ||
				    v == HRP_STREAM_ACK_BEHIND);
		}
	}
	return n;
}

/* A new connection: the sender rewinds, the receiver's channels are fresh. */
static void reconnect(struct rig *r)
{
	hrp_stream_tx_rewind(&r->tx);
	hrp_stream_rx_connected(&r->rx);
}

static void assert_got(const struct rig *r, size_t at, unsigned ch, uint32_t index, uint32_t seq)
{
	uint8_t want[8];
	rec_of(index, want);
	assert_true(at < r->n_got);
	assert_int_equal(r->got[at].ch, ch);
	assert_int_equal(r->got[at].seq, seq);
	assert_int_equal(r->got[at].len, 8);
	assert_memory_equal(r->got[at].data, want, 8);
}

/* ---- tests ---- */

static void test_in_order(void **state)
{
	struct rig r;
	rig_init(&r, LIMIT, NULL);
	queue_n(&r, HRP_CHAN_SESSION, 0, 10);
	assert_int_equal(r.tx.ch[HRP_CHAN_SESSION].records, 10);
	assert_int_equal(r.tx.ch[HRP_CHAN_SESSION].bytes, 10 * (8 + HRP_STREAM_REC_COST));
	assert_true(hrp_stream_tx_pending(&r.tx));
	pump(&r, 4);
	assert_int_equal(r.msgs, 3); /* 4 + 4 + 2 */
	assert_false(hrp_stream_tx_pending(&r.tx));
	assert_true(hrp_stream_tx_outstanding(&r.tx));
	assert_int_equal(r.n_got, 10);
	for (uint32_t i = 0; i < 10; i++)
		assert_got(&r, i, HRP_CHAN_SESSION, i, i);
	/* Ten records, ack_every 4: due by count. */
	assert_true(hrp_stream_rx_ack_due(&r.rx, HRP_CHAN_SESSION, r.now));
	assert_int_equal(acks(&r, false, NULL), 1);
	assert_false(hrp_stream_tx_outstanding(&r.tx));
	const struct hrp_stream_tx_chan *c = &r.tx.ch[HRP_CHAN_SESSION];
	assert_int_equal(c->c.sent, 10);
	assert_int_equal(c->c.resent, 0);
	assert_int_equal(c->c.acked, 10);
	assert_int_equal(c->records, 0);
	assert_int_equal(c->bytes, 0);
	assert_int_equal(r.rx.ch[HRP_CHAN_SESSION].c.delivered, 10);
	rig_free(&r);
}

static void test_duplicates_after_reconnect(void **state)
{
	struct rig r;
	rig_init(&r, LIMIT, NULL);
	queue_n(&r, HRP_CHAN_SESSION, 0, 10);
	pump(&r, 3);
	/* The ack dies with the connection. */
	assert_int_equal(acks(&r, true, NULL), 1);
	assert_int_equal(r.tx.ch[HRP_CHAN_SESSION].records, 10);
	reconnect(&r);
	/* Everything is sent again; the receiver drops all ten. */
	pump(&r, 3);
	assert_int_equal(r.n_got, 10);
	assert_int_equal(r.dups, 10);
	assert_int_equal(r.rx.ch[HRP_CHAN_SESSION].c.duplicates, 10);
	assert_int_equal(r.tx.ch[HRP_CHAN_SESSION].c.resent, 10);
	/* Duplicates make the ack due at once, whatever the count and the time. */
	assert_true(hrp_stream_rx_ack_due(&r.rx, HRP_CHAN_SESSION, r.now));
	acks(&r, false, NULL);
	assert_false(hrp_stream_tx_outstanding(&r.tx));
	rig_free(&r);
}

static void test_resend_unacked(void **state)
{
	struct rig r;
	static uint8_t buf[MSG_CAP];
	struct hrp_stream_put info;
	rig_init(&r, LIMIT, NULL);
	queue_n(&r, HRP_CHAN_CONFIG, 0, 10);
	/* Six records reach the peer and are acknowledged; four are sent into a dying connection.
	 */
	size_t len = build(&r, buf, 6, &info);
	assert_int_equal(info.records, 6);
	assert_true(receive(&r, buf, len));
	r.now += 10; /* ack delay */
	acks(&r, false, NULL);
	assert_int_equal(r.tx.ch[HRP_CHAN_CONFIG].records, 4);
	len = build(&r, buf, 6, &info);
	assert_int_equal(info.records, 4);
	assert_int_equal(info.resent, 0);
	/* (lost) */
	reconnect(&r);
	/* The receiver's fresh connection owes its ack at once: nothing new for the sender. */
	enum hrp_stream_ack last = HRP_STREAM_ACK_MAX;
	assert_int_equal(acks(&r, false, &last), 1);
	assert_int_equal(last, HRP_STREAM_ACK_DUPLICATE);
	len = build(&r, buf, 100, &info);
	assert_int_equal(info.channel, HRP_CHAN_CONFIG);
	assert_int_equal(info.first_seq, 6);
	assert_int_equal(info.records, 4);
	assert_int_equal(info.resent, 4);
	assert_true(receive(&r, buf, len));
	assert_int_equal(r.n_got, 10);
	for (uint32_t i = 0; i < 10; i++)
		assert_got(&r, i, HRP_CHAN_CONFIG, i, i);
	assert_int_equal(r.dups, 0);
	r.now += 10;
	acks(&r, false, NULL);
	assert_false(hrp_stream_tx_outstanding(&r.tx));
	rig_free(&r);
}

/* An ack that arrives after a rewind but before the resend frees records the cursor had not
 * reached again: they are not sent a second time. */
static void test_ack_after_rewind_skips(void **state)
{
	struct rig r;
	rig_init(&r, LIMIT, NULL);
	queue_n(&r, HRP_CHAN_SESSION, 0, 8);
	pump(&r, 8);
	hrp_stream_tx_rewind(&r.tx);
	assert_int_equal(r.tx.ch[HRP_CHAN_SESSION].unsent, 8);
	struct hrp_stream_ack_out out;
	assert_int_equal(hrp_stream_tx_ack(&r.tx, HRP_CHAN_SESSION, 4, &out), HRP_STREAM_ACK_OK);
	assert_int_equal(out.freed, 5);
	assert_int_equal(r.tx.ch[HRP_CHAN_SESSION].unsent, 3);
	assert_ptr_equal(r.tx.ch[HRP_CHAN_SESSION].cursor, r.tx.ch[HRP_CHAN_SESSION].head);
	assert_int_equal(r.tx.ch[HRP_CHAN_SESSION].head->seq, 5);
	rig_free(&r);
}

static void test_ack_wrap(void **state)
{
	uint32_t first[HRP_CHAN_MAX] = { 0, 0xfffffffau, 0, 0 };
	struct rig r;
	struct hrp_stream_ack_out out;
	rig_init(&r, LIMIT, first);
	struct hrp_stream_tx_chan *c = &r.tx.ch[HRP_CHAN_SESSION];
	assert_int_equal(c->acked, 0xfffffff9u);
	/* Nothing sent: every ack is a duplicate or ahead. */
	assert_int_equal(hrp_stream_tx_ack(&r.tx, HRP_CHAN_SESSION, 0xfffffff9u, NULL),
			 HRP_STREAM_ACK_DUPLICATE);
	assert_int_equal(hrp_stream_tx_ack(&r.tx, HRP_CHAN_SESSION, 0xfffffffau, NULL),
			 HRP_STREAM_ACK_AHEAD);
	queue_n(&r, HRP_CHAN_SESSION, 0, 12); /* 0xfffffffa .. 0x00000005 */
	assert_int_equal(c->tail->seq, 5);
	pump(&r, 5);
	assert_int_equal(r.n_got, 12);
	for (uint32_t i = 0; i < 12; i++)
		assert_got(&r, i, HRP_CHAN_SESSION, i, 0xfffffffau + i);
	assert_int_equal(c->sent_top, 6);
	/* Across the wrap: 0xffffffff, then 3. */
	assert_int_equal(hrp_stream_tx_ack(&r.tx, HRP_CHAN_SESSION, 0xffffffffu, &out),
			 HRP_STREAM_ACK_OK);
	assert_int_equal(out.freed, 6);
	assert_int_equal(c->head->seq, 0);
	assert_int_equal(hrp_stream_tx_ack(&r.tx, HRP_CHAN_SESSION, 3, &out), HRP_STREAM_ACK_OK);
	assert_int_equal(out.freed, 4);
	assert_int_equal(c->head->seq, 4);
	assert_int_equal(hrp_stream_tx_ack(&r.tx, HRP_CHAN_SESSION, 3, NULL),
			 HRP_STREAM_ACK_DUPLICATE);
	/* Beyond the last sent (5): ahead, nothing changes. */
	assert_int_equal(hrp_stream_tx_ack(&r.tx, HRP_CHAN_SESSION, 6, NULL), HRP_STREAM_ACK_AHEAD);
	assert_int_equal(hrp_stream_tx_ack(&r.tx, HRP_CHAN_SESSION, 0x7fffffffu, NULL),
			 HRP_STREAM_ACK_AHEAD);
	assert_int_equal(c->c.acks_ahead, 3);
	assert_false(c->resync);
	/* Behind the last ack (3), across the wrap: the peer lost records; resync. */
	assert_int_equal(hrp_stream_tx_ack(&r.tx, HRP_CHAN_SESSION, 0xfffffffeu, NULL),
			 HRP_STREAM_ACK_BEHIND);
	assert_true(c->resync);
	assert_int_equal(c->acked, 3);
	assert_int_equal(hrp_stream_tx_ack(&r.tx, HRP_CHAN_SESSION, 5, &out), HRP_STREAM_ACK_OK);
	assert_int_equal(out.freed, 2);
	assert_false(hrp_stream_tx_outstanding(&r.tx));
	/* The receiver across the wrap: duplicates are the ones before next. */
	assert_int_equal(r.rx.ch[HRP_CHAN_SESSION].next, 6);
	assert_int_equal(
		hrp_stream_rx_record(&r.rx, HRP_CHAN_SESSION, 0xfffffffbu, r.now, NULL, NULL),
		HRP_STREAM_RX_DUPLICATE);
	assert_int_equal(hrp_stream_rx_record(&r.rx, HRP_CHAN_SESSION, 5, r.now, NULL, NULL),
			 HRP_STREAM_RX_DUPLICATE);
	assert_int_equal(hrp_stream_rx_record(&r.rx, HRP_CHAN_SESSION, 6, r.now, NULL, NULL),
			 HRP_STREAM_RX_DELIVER);
	rig_free(&r);
}

static void test_backpressure(void **state)
{
	const size_t per = 8 + HRP_STREAM_REC_COST;
	struct rig r;
	struct hrp_stream_ack_out out;
	uint8_t rec[8] = { 0 };
	rig_init(&r, 10 * per, NULL);
	struct hrp_stream_tx_chan *c = &r.tx.ch[HRP_CHAN_SESSION];
	queue_n(&r, HRP_CHAN_SESSION, 0, 10);
	assert_int_equal(c->bytes, 10 * per);
	assert_false(hrp_stream_tx_needs_resync(&r.tx, HRP_CHAN_SESSION));
	/* Full: refused, resync marked, nothing held grows. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(hrp_stream_tx_queue(&r.tx, HRP_CHAN_SESSION, rec, 8, 0), -ENOBUFS);
	assert_true(hrp_stream_tx_needs_resync(&r.tx, HRP_CHAN_SESSION));
	assert_int_equal(c->c.refused, 5);
	assert_int_equal(c->c.resync_marks, 1);
	assert_int_equal(c->records, 10);
	assert_int_equal(c->bytes, 10 * per);
	/* Other channels have their own limit. */
	assert_int_equal(hrp_stream_tx_queue(&r.tx, HRP_CHAN_CONFIG, rec, 8, 0), 0);
	assert_false(hrp_stream_tx_needs_resync(&r.tx, HRP_CHAN_CONFIG));
	/* Sending does not free: only acks do. */
	pump(&r, 100);
	assert_int_equal(hrp_stream_tx_queue(&r.tx, HRP_CHAN_SESSION, rec, 8, 0), -ENOBUFS);
	/* Acked to 4 of 10 held: 6 held, more than half: no room announced yet. */
	assert_int_equal(hrp_stream_tx_ack(&r.tx, HRP_CHAN_SESSION, 3, &out), HRP_STREAM_ACK_OK);
	assert_false(out.room);
	assert_int_equal(hrp_stream_tx_ack(&r.tx, HRP_CHAN_SESSION, 4, &out), HRP_STREAM_ACK_OK);
	assert_true(out.room);
	assert_int_equal(hrp_stream_tx_ack(&r.tx, HRP_CHAN_SESSION, 5, &out), HRP_STREAM_ACK_OK);
	assert_false(out.room); /* announced once */
	/* Room again; the flag stays until the producer says it sent a snapshot. */
	assert_int_equal(hrp_stream_tx_queue(&r.tx, HRP_CHAN_SESSION, rec, 8, 0), 0);
	assert_true(hrp_stream_tx_needs_resync(&r.tx, HRP_CHAN_SESSION));
	hrp_stream_tx_resync_done(&r.tx, HRP_CHAN_SESSION);
	assert_false(hrp_stream_tx_needs_resync(&r.tx, HRP_CHAN_SESSION));
	/* Bad input is not back-pressure. */
	assert_int_equal(hrp_stream_tx_queue(&r.tx, 0, rec, 8, 0), -EINVAL);
	assert_int_equal(hrp_stream_tx_queue(&r.tx, HRP_CHAN_MAX, rec, 8, 0), -EINVAL);
	assert_int_equal(hrp_stream_tx_queue(&r.tx, HRP_CHAN_SESSION, rec, 65536, 0), -EINVAL);
	assert_false(hrp_stream_tx_needs_resync(&r.tx, HRP_CHAN_SESSION));
	/* A lower limit refuses until the held bytes drop below it. */
	hrp_stream_tx_set_limit(&r.tx, per);
	assert_int_equal(hrp_stream_tx_queue(&r.tx, HRP_CHAN_SESSION, rec, 8, 0), -ENOBUFS);
	rig_free(&r);
}

static void test_gap(void **state)
{
	struct rig r;
	uint32_t from = 0, to = 0, a;
	rig_init(&r, LIMIT, NULL);
	struct hrp_stream_rx *rx = &r.rx;
	const unsigned ch = HRP_CHAN_SESSION;
	assert_int_equal(hrp_stream_rx_record(rx, ch, 100, r.now, NULL, NULL),
			 HRP_STREAM_RX_DELIVER); /* the first record starts the numbering */
	assert_int_equal(hrp_stream_rx_record(rx, ch, 101, r.now, NULL, NULL),
			 HRP_STREAM_RX_DELIVER);
	/* Mid-connection: a gap asks for a reconnect and changes nothing. */
	assert_int_equal(hrp_stream_rx_record(rx, ch, 105, r.now, &from, &to), HRP_STREAM_RX_GAP);
	assert_int_equal(rx->ch[ch].next, 102);
	assert_int_equal(rx->ch[ch].c.gaps, 1);
	assert_int_equal(rx->ch[ch].c.resyncs, 0);
	/* On the new connection the sender resends from 102: fine. */
	hrp_stream_rx_connected(rx);
	assert_true(hrp_stream_rx_ack_take(rx, ch, &a));
	assert_int_equal(a, 101);
	assert_int_equal(hrp_stream_rx_record(rx, ch, 102, r.now, NULL, NULL),
			 HRP_STREAM_RX_DELIVER);
	/* Another connection starting at 110: 103..109 are gone for good. */
	hrp_stream_rx_connected(rx);
	assert_true(hrp_stream_rx_ack_take(rx, ch, &a));
	assert_int_equal(hrp_stream_rx_record(rx, ch, 110, r.now, &from, &to),
			 HRP_STREAM_RX_RESYNC);
	assert_int_equal(from, 103);
	assert_int_equal(to, 109);
	assert_int_equal(rx->ch[ch].c.lost, 7);
	assert_int_equal(rx->ch[ch].c.resyncs, 1);
	/* The sender hears of it first (an ack behind), then the cumulative ack. */
	assert_true(hrp_stream_rx_ack_due(rx, ch, r.now));
	assert_int_equal(hrp_stream_rx_ack_deadline(rx), 0);
	assert_true(hrp_stream_rx_ack_take(rx, ch, &a));
	assert_int_equal(a, 102);
	assert_true(hrp_stream_rx_ack_take(rx, ch, &a));
	assert_int_equal(a, 110);
	assert_false(hrp_stream_rx_ack_take(rx, ch, &a));
	assert_int_equal(hrp_stream_rx_ack_deadline(rx), HRP_STREAM_NEVER);
	rig_free(&r);
}

/* The whole loop: the sender's queue holds 20..29 only (the peer acknowledged 0..19 to a
 * receiver that then lost them, e.g. a hot restart without its state): the new connection's
 * first record is a gap; the receiver resyncs and the sender's flag goes up. */
static void test_gap_end_to_end(void **state)
{
	struct rig r;
	rig_init(&r, LIMIT, NULL);
	queue_n(&r, HRP_CHAN_SESSION, 0, 20);
	pump(&r, 100);
	acks(&r, false, NULL);
	assert_false(hrp_stream_tx_outstanding(&r.tx));
	/* The receiver forgets 10..19 (simulated: its next goes back). */
	r.rx.ch[HRP_CHAN_SESSION].next = 10;
	queue_n(&r, HRP_CHAN_SESSION, 20, 10);
	reconnect(&r);
	enum hrp_stream_ack last = HRP_STREAM_ACK_MAX;
	acks(&r, false, &last); /* its ack at connect: 9, behind the 19 acknowledged */
	assert_int_equal(last, HRP_STREAM_ACK_BEHIND);
	assert_true(hrp_stream_tx_needs_resync(&r.tx, HRP_CHAN_SESSION));
	hrp_stream_tx_resync_done(&r.tx, HRP_CHAN_SESSION);
	r.rx.ch[HRP_CHAN_SESSION].fresh = true;
	pump(&r, 100);
	assert_int_equal(r.resyncs, 1);
	assert_int_equal(r.lost_from, 10);
	assert_int_equal(r.lost_to, 19);
	assert_int_equal(r.n_got, 30);
	assert_got(&r, 20, HRP_CHAN_SESSION, 20, 20);
	acks(&r, false, &last);
	assert_int_equal(last, HRP_STREAM_ACK_OK);
	assert_true(hrp_stream_tx_needs_resync(&r.tx, HRP_CHAN_SESSION));
	assert_false(hrp_stream_tx_outstanding(&r.tx));
	rig_free(&r);
}

static void test_ack_timing(void **state)
{
	struct hrp_stream_rx rx;
	uint32_t a;
	hrp_stream_rx_init(&rx, 4, 10);
	const unsigned ch = HRP_CHAN_CONFIG;
	assert_int_equal(hrp_stream_rx_ack_deadline(&rx), HRP_STREAM_NEVER);
	assert_false(hrp_stream_rx_ack_take(&rx, ch, &a)); /* nothing received: nothing to ack */
	hrp_stream_rx_connected(&rx);
	assert_false(hrp_stream_rx_ack_due(&rx, ch, 0)); /* not synced: no ack at connect */
	hrp_stream_rx_record(&rx, ch, 7, 1000, NULL, NULL);
	assert_false(hrp_stream_rx_ack_due(&rx, ch, 1000));
	assert_int_equal(hrp_stream_rx_ack_deadline(&rx), 1010);
	hrp_stream_rx_record(&rx, ch, 8, 1005, NULL, NULL);
	assert_int_equal(hrp_stream_rx_ack_deadline(&rx), 1010); /* from the first unacked */
	assert_false(hrp_stream_rx_ack_due(&rx, ch, 1009));
	assert_true(hrp_stream_rx_ack_due(&rx, ch, 1010));
	assert_true(hrp_stream_rx_ack_take(&rx, ch, &a));
	assert_int_equal(a, 8);
	assert_int_equal(hrp_stream_rx_ack_deadline(&rx), HRP_STREAM_NEVER);
	/* By count: the 4th record since the last ack. */
	for (uint32_t s = 9; s < 12; s++) {
		hrp_stream_rx_record(&rx, ch, s, 2000, NULL, NULL);
		assert_false(hrp_stream_rx_ack_due(&rx, ch, 2000));
	}
	hrp_stream_rx_record(&rx, ch, 12, 2000, NULL, NULL);
	assert_true(hrp_stream_rx_ack_due(&rx, ch, 2000));
	assert_true(hrp_stream_rx_ack_take(&rx, ch, &a));
	assert_int_equal(a, 12);
	/* A reconnect: the ack is repeated at once. */
	hrp_stream_rx_connected(&rx);
	assert_true(hrp_stream_rx_ack_due(&rx, ch, 2000));
	assert_int_equal(hrp_stream_rx_ack_deadline(&rx), 0);
	assert_true(hrp_stream_rx_ack_take(&rx, ch, &a));
	assert_int_equal(a, 12);
	/* A reset (the peer restarted): the next record starts afresh, anywhere. */
	hrp_stream_rx_reset(&rx);
	assert_false(hrp_stream_rx_ack_take(&rx, ch, &a));
	assert_int_equal(hrp_stream_rx_record(&rx, ch, 5, 3000, NULL, NULL), HRP_STREAM_RX_DELIVER);
	assert_int_equal(rx.ch[ch].c.resets, 1);
	assert_int_equal(rx.ch[ch].c.delivered, 7);
	assert_int_equal(hrp_stream_rx_record(&rx, 0, 5, 3000, NULL, NULL),
			 HRP_STREAM_RX_BAD_CHANNEL);
	assert_int_equal(hrp_stream_rx_record(&rx, HRP_CHAN_MAX, 5, 3000, NULL, NULL),
			 HRP_STREAM_RX_BAD_CHANNEL);
}

static void test_bulk_flags(void **state)
{
	struct rig r;
	uint8_t rec[8];
	rig_init(&r, LIMIT, NULL);
	const unsigned ch = HRP_CHAN_SESSION;
	/* 0 1 [2 BEGIN] 3 4 [5 END] 6 [7 BEGIN|END] 8 */
	static const uint32_t fl[] = { 0,
				       0,
				       HRP_DATA_F_BULK_BEGIN,
				       0,
				       0,
				       HRP_DATA_F_BULK_END,
				       0,
				       HRP_DATA_F_BULK_BEGIN | HRP_DATA_F_BULK_END,
				       0 };
	for (uint32_t i = 0; i < 9; i++) {
		rec_of(i, rec);
		assert_int_equal(hrp_stream_tx_queue(&r.tx, ch, rec, 8, fl[i]), 0);
	}
	pump(&r, 100);
	/* Messages: [0 1] [2 3 4 5] [6] [7] [8]. */
	assert_int_equal(r.msgs, 5);
	assert_int_equal(r.n_got, 9);
	for (uint32_t i = 0; i < 9; i++) {
		assert_got(&r, i, ch, i, i);
		assert_int_equal(r.got[i].flags, fl[i]);
	}
	rig_free(&r);
}

static void test_round_robin_and_limits(void **state)
{
	struct rig r;
	static uint8_t buf[MSG_CAP];
	struct hrp_stream_put info;
	rig_init(&r, LIMIT, NULL);
	queue_n(&r, HRP_CHAN_SESSION, 0, 100);
	queue_n(&r, HRP_CHAN_CONFIG, 0, 12); /* 10 + 2 */
	queue_n(&r, HRP_CHAN_UPGRADE, 0, 1);
	unsigned order[6];
	for (int i = 0; i < 6; i++) {
		assert_true(build(&r, buf, 10, &info) > 0);
		order[i] = info.channel;
	}
	assert_int_equal(order[0], HRP_CHAN_SESSION);
	assert_int_equal(order[1], HRP_CHAN_CONFIG);
	assert_int_equal(order[2], HRP_CHAN_UPGRADE);
	assert_int_equal(order[3], HRP_CHAN_SESSION);
	assert_int_equal(order[4], HRP_CHAN_CONFIG);
	assert_int_equal(order[5], HRP_CHAN_SESSION);
	/* A body bound of 100 bytes: 13 of channel and seq, 12 per record: 7 records. */
	struct hrp_builder b;
	hrp_msg_begin(&b, buf, MSG_CAP, HRP_MSG_DATA, 0);
	assert_int_equal(hrp_stream_tx_put(&r.tx, &b, 100, 1000, &info), 1);
	assert_int_equal(info.records, 7);
	/* A builder too small for the next record: -ENOBUFS, nothing moves. */
	uint32_t before = r.tx.ch[HRP_CHAN_SESSION].cursor->seq;
	hrp_msg_begin(&b, buf, HRP_HDR_LEN + 20, HRP_MSG_DATA, 0);
	assert_int_equal(hrp_stream_tx_put(&r.tx, &b, 65536, 1000, &info), -ENOBUFS);
	assert_int_equal(r.tx.ch[HRP_CHAN_SESSION].cursor->seq, before);
	/* A big record goes alone even past max_body. */
	static uint8_t big[60000];
	struct hrp_stream_tx tx;
	hrp_stream_tx_init(&tx, LIMIT, NULL);
	assert_int_equal(hrp_stream_tx_queue(&tx, HRP_CHAN_UPGRADE, big, sizeof(big), 0), 0);
	assert_int_equal(hrp_stream_tx_queue(&tx, HRP_CHAN_UPGRADE, big, 10, 0), 0);
	hrp_msg_begin(&b, buf, MSG_CAP, HRP_MSG_DATA, 0);
	assert_int_equal(hrp_stream_tx_put(&tx, &b, 1000, 1000, &info), 1);
	assert_int_equal(info.records, 1);
	assert_int_equal(info.bytes, sizeof(big));
	hrp_stream_tx_free(&tx);
	rig_free(&r);
}

/* A long run: records of random sizes on all channels, connections that die at random points
 * (with what was in flight and the acks on the way lost), until everything is acknowledged.
 * Every record must arrive exactly once, in order, per channel. */
static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static void test_random_reconnects(void **state)
{
	uint32_t first[HRP_CHAN_MAX] = { 0, 0xffffff00u, 7, 0x7ffffff0u };
	struct rig *r = calloc(1, sizeof(*r));
	static uint8_t buf[MSG_CAP];
	struct hrp_stream_put info;
	assert_non_null(r);
	rig_init(r, 64 * 1024, first);
	uint32_t queued[HRP_CHAN_MAX] = { 0 }, expect[HRP_CHAN_MAX] = { 0 };
	const uint32_t total = 3000;
	unsigned reconnects = 0;
	for (int step = 0; step < 200000; step++) {
		bool done = true;
		for (unsigned ch = 1; ch < HRP_CHAN_MAX; ch++)
			if (queued[ch] < total || r->tx.ch[ch].head)
				done = false;
		if (done)
			break;
		uint32_t what = rnd() % 100;
		r->now += rnd() % 3;
		if (what < 40) {
			unsigned ch = 1 + rnd() % (HRP_CHAN_MAX - 1);
			if (queued[ch] < total) {
				uint8_t rec[8];
				rec_of(queued[ch], rec);
				int e = hrp_stream_tx_queue(&r->tx, ch, rec, 8, 0);
				if (e == 0)
					queued[ch]++;
				else
					assert_int_equal(e, -ENOBUFS);
			}
		} else if (what < 85) {
			size_t len = build(r, buf, 1 + rnd() % 20, &info);
			if (len && !receive(r, buf, len))
				fail_msg("a gap within one connection");
		} else if (what < 97) {
			acks(r, false, NULL);
		} else {
			/* The connection dies: unsent acks die too. */
			acks(r, true, NULL);
			reconnect(r);
			reconnects++;
		}
		/* Deliveries are checked as they come: one channel's records in order. */
		while (r->n_got) {
			struct got *g = &r->got[0];
			uint8_t want[8];
			rec_of(expect[g->ch], want);
			assert_memory_equal(g->data, want, 8);
			assert_int_equal(g->seq, first[g->ch] + expect[g->ch]);
			expect[g->ch]++;
			memmove(&r->got[0], &r->got[1], (r->n_got - 1) * sizeof(r->got[0]));
			r->n_got--;
		}
		if (r->now > 1000000)
			r->now = 1000;
	}
	for (unsigned ch = 1; ch < HRP_CHAN_MAX; ch++) {
		assert_int_equal(expect[ch], total);
		assert_int_equal(r->rx.ch[ch].c.delivered, total);
		assert_int_equal(r->tx.ch[ch].c.acked, total);
		assert_int_equal(r->rx.ch[ch].c.resyncs, 0);
		assert_int_equal(r->rx.ch[ch].c.gaps, 0);
		assert_false(r->tx.ch[ch].resync && r->tx.ch[ch].c.acks_behind);
	}
	assert_true(reconnects > 100);
	print_message("  %u reconnects, %zu messages, %llu resent, %llu duplicates\n", reconnects,
		      r->msgs, (unsigned long long)r->tx.ch[1].c.resent,
		      (unsigned long long)r->rx.ch[1].c.duplicates);
	rig_free(r);
	free(r);
}

static void test_names(void **state)
{
	assert_string_equal(hrp_stream_ack_name(HRP_STREAM_ACK_BEHIND), "behind");
	assert_string_equal(hrp_stream_ack_name(HRP_STREAM_ACK_MAX), "invalid");
	assert_string_equal(hrp_stream_rx_verdict_name(HRP_STREAM_RX_RESYNC), "resync");
	assert_string_equal(hrp_stream_rx_verdict_name(HRP_STREAM_RX_VERDICT_MAX), "invalid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_duplicates_after_reconnect),
		cmocka_unit_test(test_resend_unacked),
		cmocka_unit_test(test_ack_after_rewind_skips),
		cmocka_unit_test(test_ack_wrap),
		cmocka_unit_test(test_backpressure),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_gap_end_to_end),
		cmocka_unit_test(test_ack_timing),
		cmocka_unit_test(test_bulk_flags),
		cmocka_unit_test(test_round_robin_and_limits),
		cmocka_unit_test(test_random_reconnects),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
