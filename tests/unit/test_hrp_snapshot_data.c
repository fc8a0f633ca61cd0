/* hrpd's hot-restart snapshot, minor 2: the data channel's stream and connection
 * (lib/hrp_snapshot_data.c). A sender with records acknowledged, sent and not yet acknowledged,
 * not yet sent, and a channel rewound by a reconnect goes through the snapshot (as text) and
 * comes back the same; the restored sender goes on where the old one stopped: the peer's
 * receiver, fed by the old sender and then by the restored one, delivers every record once, with
 * no gap, duplicate or reset, and its ack of what the old sender sent frees it in the new one.
 * A minor-1 reader, which drops the records, finds the channel's resync flag up. Unknown fields
 * are skipped; a stream or connection that does not add up refuses the snapshot whole. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hrp_snapshot.h"

#define S HRP_CHAN_SESSION
#define C HRP_CHAN_CONFIG
#define U HRP_CHAN_UPGRADE

struct rig {
	struct hrp_stream_tx tx;   /* the old process's sender */
	struct hrp_stream_rx peer; /* the peer's receiver */
	uint8_t in[5], out[7];
	struct hrp_snapshot s;
};

static void rec_of(uint32_t i, uint8_t *rec, size_t *len)
{
	*len = 3 + i % 5;
	for (size_t k = 0; k < *len; k++)
		rec[k] = (uint8_t)(i * 7 + k);
}

static void queue(struct hrp_stream_tx *tx, unsigned ch, uint32_t i, uint32_t flags)
{
	uint8_t rec[16];
	size_t len;
	rec_of(i, rec, &len);
	assert_int_equal(hrp_stream_tx_queue(tx, ch, rec, len, flags), 0);
}

/* The next message of tx (at most max records) into the peer's receiver; expects a message of
 * channel ch starting at first. Returns its record count. */
static size_t put_to_peer(struct hrp_stream_tx *tx, struct hrp_stream_rx *peer, unsigned ch,
			  uint32_t first, size_t max, bool feed)
{
	static uint8_t buf[8192];
	struct hrp_builder b;
	struct hrp_stream_put out;
	hrp_msg_begin(&b, buf, sizeof(buf), HRP_MSG_DATA, 0);
	assert_int_equal(hrp_stream_tx_put(tx, &b, 4096, max, &out), 1);
	assert_int_equal(out.channel, ch);
	assert_int_equal(out.first_seq, first);
	for (size_t i = 0; feed && i < out.records; i++)
		assert_int_equal(hrp_stream_rx_record(peer, ch, first + (uint32_t)i, 0, NULL, NULL),
				 HRP_STREAM_RX_DELIVER);
	return out.records;
}

/* A minimal heartbeat part (one link), so that the snapshot encodes and decodes. */
static void base(struct hrp_snapshot *s)
{
	struct hrp_lv_params p = { .hello_interval_ms = 100, .dead_count = 3, .n_links = 1 };
	memset(s, 0, sizeof(*s));
	s->sender_id = 0x11111111;
	hrp_tx_init(&s->tx, s->sender_id, 0x8000000000000001ull, 1000);
	hrp_peer_init(&s->peer, false);
	assert_int_equal(hrp_lv_init(&s->lv, &p), 0);
	s->n_links = 1;
	snprintf(s->links[0].interface, sizeof(s->links[0].interface), "hb0");
	s->links[0].rtt_us = -1;
}

/* Session: 10 records, 4 sent and 2 of them acknowledged; config: 3 sent; then a reconnect
 * (rewound: everything unacknowledged to send again) and session's 6 sent again, 2 left unsent.
 * Upgrade: nothing held. A connection with a
 * message half received and bytes half written. */
static void rig_init(struct rig *r)
{
	uint32_t first[HRP_CHAN_MAX] = { 0, 1000, 0xfffffffe, 77 };
	hrp_stream_tx_init(&r->tx, 1u << 20, first);
	hrp_stream_rx_init(&r->peer, 128, 10);
	for (uint32_t i = 0; i < 10; i++)
		queue(&r->tx, S, i, i == 0 ? HRP_DATA_F_BULK_BEGIN : 0);
	for (uint32_t i = 0; i < 3; i++)
		queue(&r->tx, C, 100 + i, 0);
	assert_int_equal(put_to_peer(&r->tx, &r->peer, S, 1000, 4, true), 4);
	assert_int_equal(hrp_stream_tx_ack(&r->tx, S, 1001, NULL), HRP_STREAM_ACK_OK);
	assert_int_equal(put_to_peer(&r->tx, &r->peer, C, 0xfffffffe, 4, false), 3);
	hrp_stream_tx_rewind(&r->tx); /* as after a reconnect: everything unacknowledged again */
	/* session's go again (the peer has 1002 and 1003 already: it gets the rest) */
	assert_int_equal(put_to_peer(&r->tx, &r->peer, S, 1002, 6, false), 6);
	for (uint32_t seq = 1004; seq < 1008; seq++)
		assert_int_equal(hrp_stream_rx_record(&r->peer, S, seq, 0, NULL, NULL),
				 HRP_STREAM_RX_DELIVER);
	base(&r->s);
	for (unsigned c = 1; c < HRP_CHAN_MAX; c++)
		r->s.data[c] = (struct hrp_snap_data_chan){ .used = true,
							    .tx_next = r->tx.ch[c].next_seq,
							    .rx_synced = c == S,
							    .rx_next = c == S ? 5000 : 0,
							    .stream = true,
							    .rx_fresh = c == U,
							    .rx_ack_owed = c == S,
							    .rx_lost_owed = c == C,
							    .rx_lost_ack = c == C ? 41 : 0 };
	r->s.data_tx = &r->tx;
	memcpy(r->in, "\x01\x02\x03\x04\x05", 5);
	memcpy(r->out, "abcdefg", 7);
	r->s.data_conn = (struct hrp_snap_data_conn){ .present = true,
						      .link = "hb1",
						      .outgoing = true,
						      .since_ms = 123456,
						      .in = r->in,
						      .in_len = 5,
						      .out = r->out,
						      .out_len = 7 };
}

static json_t *through_text(const json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);
	assert_non_null(text);
	json_t *again = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(again);
	return again;
}

static void assert_chan_same(const struct hrp_stream_tx_chan *a, const struct hrp_stream_tx_chan *b)
{
	assert_int_equal(a->next_seq, b->next_seq);
	assert_int_equal(a->acked, b->acked);
	assert_int_equal(a->sent_top, b->sent_top);
	assert_int_equal(a->records, b->records);
	assert_int_equal(a->bytes, b->bytes);
	assert_int_equal(a->unsent, b->unsent);
	assert_int_equal(a->unsent_bytes, b->unsent_bytes);
	assert_int_equal(a->resync, b->resync);
	assert_int_equal(a->full, b->full);
	assert_int_equal(a->cursor ? a->cursor->seq : 0, b->cursor ? b->cursor->seq : 0);
	const struct hrp_stream_rec *x = a->head, *y = b->head;
	for (; x && y; x = x->next, y = y->next) {
		assert_int_equal(x->seq, y->seq);
		assert_int_equal(x->flags, y->flags);
		assert_int_equal(x->len, y->len);
		assert_memory_equal(x->data, y->data, x->len);
	}
	assert_null(x);
	assert_null(y);
}

static void decode_ok(const json_t *j, struct hrp_snapshot *back)
{
	char err[256] = "";
	json_t *again = through_text(j);
	int r = hrp_snapshot_decode(again, back, err, sizeof(err));
	if (r != 0)
		fail_msg("decode: %d %s", r, err);
	json_decref(again);
}

static void test_stream_round_trip(void **state)
{
	static struct rig r;
	static struct hrp_snapshot back;
	rig_init(&r);
	json_t *j = hrp_snapshot_encode(&r.s);
	assert_non_null(j);
	assert_true(json_integer_value(json_object_get(j, "minor")) >= 2); /* has the stream */
	decode_ok(j, &back);
	assert_non_null(back.data_tx);
	for (unsigned c = 1; c < HRP_CHAN_MAX; c++) {
		assert_chan_same(&r.tx.ch[c], &back.data_tx->ch[c]);
		assert_true(back.data[c].stream);
		assert_int_equal(back.data[c].rx_fresh, r.s.data[c].rx_fresh);
		assert_int_equal(back.data[c].rx_ack_owed, r.s.data[c].rx_ack_owed);
		assert_int_equal(back.data[c].rx_lost_owed, r.s.data[c].rx_lost_owed);
		assert_int_equal(back.data[c].rx_lost_ack, r.s.data[c].rx_lost_ack);
		assert_false(back.data[c].resync); /* the real flag, not the minor-1 one */
	}
	assert_true(back.data_conn.present);
	assert_string_equal(back.data_conn.link, "hb1");
	assert_true(back.data_conn.outgoing);
	assert_int_equal(back.data_conn.since_ms, 123456);
	assert_int_equal(back.data_conn.in_len, 5);
	assert_memory_equal(back.data_conn.in, r.in, 5);
	assert_int_equal(back.data_conn.out_len, 7);
	assert_memory_equal(back.data_conn.out, r.out, 7);
	hrp_snapshot_release(&back);
	assert_null(back.data_tx);
	json_decref(j);
	hrp_stream_tx_free(&r.tx);
}

/* The new process's sender is the snapshot's: the peer sees the stream go on. */
static void test_restored_sender_goes_on(void **state)
{
	static struct rig r;
	static struct hrp_snapshot back;
	struct hrp_stream_ack_out o;
	rig_init(&r);
	json_t *j = hrp_snapshot_encode(&r.s);
	decode_ok(j, &back);
	json_decref(j);
	struct hrp_stream_tx tx = *back.data_tx; /* taken, as hrpd does, with its own limit */
	tx.limit_bytes = 1u << 20;
	free(back.data_tx);
	back.data_tx = NULL;
	/* a record queued by the new process is numbered on */
	queue(&tx, S, 10, 0);
	assert_int_equal(tx.ch[S].tail->seq, 1010);
	/* the session records the old process had not sent yet go from where it stopped */
	assert_int_equal(put_to_peer(&tx, &r.peer, S, 1008, 8, true), 3);
	assert_int_equal(r.peer.ch[S].c.delivered, 11);
	assert_int_equal(r.peer.ch[S].c.gaps, 0);
	assert_int_equal(r.peer.ch[S].c.duplicates, 0);
	assert_int_equal(r.peer.ch[S].c.resets, 0);
	/* the peer's ack covers what the old process sent: freed, not "ahead" */
	uint32_t ack;
	assert_true(hrp_stream_rx_ack_take(&r.peer, S, &ack));
	assert_int_equal(ack, 1010);
	assert_int_equal(hrp_stream_tx_ack(&tx, S, ack, &o), HRP_STREAM_ACK_OK);
	assert_int_equal(o.freed, 9);
	assert_int_equal(tx.ch[S].records, 0);
	assert_int_equal(tx.ch[S].bytes, 0);
	/* config was rewound: its three records go again, across the wrap */
	struct hrp_builder b;
	struct hrp_stream_put out;
	static uint8_t buf[4096];
	hrp_msg_begin(&b, buf, sizeof(buf), HRP_MSG_DATA, 0);
	assert_int_equal(hrp_stream_tx_put(&tx, &b, 4096, 8, &out), 1);
	assert_int_equal(out.channel, C);
	assert_int_equal(out.first_seq, 0xfffffffe);
	assert_int_equal(out.records, 3);
	assert_int_equal(out.resent, 3);
	assert_int_equal(hrp_stream_tx_ack(&tx, C, 0, &o), HRP_STREAM_ACK_OK);
	assert_int_equal(o.freed, 3);
	assert_false(hrp_stream_tx_outstanding(&tx));
	hrp_stream_tx_free(&tx);
	hrp_snapshot_release(&back);
	hrp_stream_tx_free(&r.tx);
}

/* A reader of minor 1 knows only the numbering: a channel with records in flight says resync. */
static void test_minor1_reader_resyncs(void **state)
{
	static struct rig r;
	static struct hrp_snapshot back;
	rig_init(&r);
	json_t *j = hrp_snapshot_encode(&r.s), *d;
	size_t i;
	json_array_foreach (json_object_get(j, "data"), i, d)
		json_object_del(d, "stream");
	json_object_del(j, "data_conn");
	decode_ok(j, &back);
	assert_null(back.data_tx);
	assert_false(back.data_conn.present);
	assert_true(back.data[S].resync);
	assert_true(back.data[C].resync);
	assert_false(back.data[U].resync); /* nothing held */
	assert_false(back.data[S].stream);
	assert_int_equal(back.data[S].tx_next, 1010);
	hrp_snapshot_release(&back);
	json_decref(j);
	hrp_stream_tx_free(&r.tx);
}

static void test_unknown_fields_skipped(void **state)
{
	static struct rig r;
	static struct hrp_snapshot back;
	rig_init(&r);
	json_t *j = hrp_snapshot_encode(&r.s);
	json_t *st = json_object_get(json_array_get(json_object_get(j, "data"), 0), "stream");
	json_object_set_new(st, "future", json_pack("{s:i}", "x", 1));
	json_object_set_new(json_array_get(json_object_get(st, "records"), 0), "future",
			    json_true());
	json_object_set_new(json_object_get(j, "data_conn"), "future", json_string("x"));
	decode_ok(j, &back);
	for (unsigned c = 1; c < HRP_CHAN_MAX; c++)
		assert_chan_same(&r.tx.ch[c], &back.data_tx->ch[c]);
	assert_int_equal(back.data_conn.out_len, 7);
	hrp_snapshot_release(&back);
	json_decref(j);
	hrp_stream_tx_free(&r.tx);
}

/* Set key of the object at path ("stream", "record0", "conn", "top") to val. */
static void mutate(json_t *j, const char *where, const char *key, json_t *val)
{
	json_t *st = json_object_get(json_array_get(json_object_get(j, "data"), 0), "stream");
	json_t *o = strcmp(where, "stream") == 0 ? st
		    : strcmp(where, "record0") == 0
			    ? json_array_get(json_object_get(st, "records"), 0)
		    : strcmp(where, "conn") == 0 ? json_object_get(j, "data_conn")
						 : j;
	json_t *data = json_object_get(j, "data");
	if (strcmp(key, "-twice") == 0)
		json_array_append_new(data, json_deep_copy(json_array_get(data, 0)));
	else if (strcmp(key, "-last") == 0)
		json_array_remove(json_object_get(st, "records"),
				  json_array_size(json_object_get(st, "records")) - 1);
	else
		assert_int_equal(json_object_set_new(o, key, val), 0);
}

static void test_malformed_refused(void **state)
{
	static struct rig r;
	static struct hrp_snapshot back;
	char big[2 * 70000 + 1];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	struct {
		const char *where, *key;
	} cases[] = {
		{ "stream", "-last" },       /* records do not reach tx_next */
		{ "stream", "unsent" },      /* more unsent than records */
		{ "stream", "sent_top" },    /* past tx_next */
		{ "stream", "acked" },       /* negative */
		{ "stream", "full" },        /* not a boolean */
		{ "stream", "records" },     /* not an array */
		{ "stream", "rx_lost_ack" }, /* not a number */
		{ "record0", "data" },       /* not hex */
		{ "record0", "flags" },      /* not a number */
		{ "record0", "big" },        /* a record above 65535 bytes */
		{ "conn", "link" },          /* empty */
		{ "conn", "in" },            /* odd hex */
		{ "conn", "since_ms" },      /* negative */
		{ "top", "data_conn" },      /* not an object */
		{ "top", "-twice" },         /* a channel twice */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256] = "";
		rig_init(&r);
		json_t *j = hrp_snapshot_encode(&r.s);
		const char *k = cases[i].key;
		json_t *st =
			json_object_get(json_array_get(json_object_get(j, "data"), 0), "stream");
		json_t *v =
			strcmp(k, "unsent") == 0 ? json_integer(11)
			: strcmp(k, "sent_top") == 0
				? json_integer(json_integer_value(json_object_get(st, "sent_top")) +
					       50)
			: strcmp(k, "acked") == 0 || strcmp(k, "since_ms") == 0 ? json_integer(-1)
			: strcmp(k, "full") == 0                                ? json_integer(1)
			: strcmp(k, "data") == 0                                ? json_string("zz")
			: strcmp(k, "flags") == 0 || strcmp(k, "rx_lost_ack") == 0 ||
					strcmp(k, "records") == 0
				? json_string("x")
			: strcmp(k, "link") == 0      ? json_string("")
			: strcmp(k, "in") == 0        ? json_string("abc")
			: strcmp(k, "data_conn") == 0 ? json_integer(5)
						      : NULL;
		if (strcmp(k, "big") == 0) {
			k = "data";
			v = json_string(big);
		}
		mutate(j, cases[i].where, k, v);
		int rc = hrp_snapshot_decode(j, &back, err, sizeof(err));
		if (rc != -EINVAL)
			fail_msg("%s.%s: decode returned %d", cases[i].where, cases[i].key, rc);
		assert_non_null(strstr(err, "malformed hrpd snapshot"));
		assert_null(back.data_tx); /* nothing taken, nothing left to free */
		json_decref(j);
		hrp_stream_tx_free(&r.tx);
	}
}

/* More record bytes than a snapshot carries: refused (the old process does not write one). */
static void test_too_many_bytes_refused(void **state)
{
	static struct hrp_snapshot s, back;
	static struct hrp_stream_tx tx;
	static uint8_t rec[HRP_TLV_VAL_MAX];
	char err[256] = "";
	hrp_stream_tx_init(&tx, 64u << 20, NULL);
	size_t n = HRP_SNAP_DATA_BYTES_MAX / sizeof(rec) + 1;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(hrp_stream_tx_queue(&tx, S, rec, sizeof(rec), 0), 0);
	base(&s);
	s.data[S] = (struct hrp_snap_data_chan){ .used = true, .tx_next = tx.ch[S].next_seq };
	s.data_tx = &tx;
	json_t *j = hrp_snapshot_encode(&s);
	assert_non_null(j);
	assert_int_equal(hrp_snapshot_decode(j, &back, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too many bytes"));
	json_decref(j);
	hrp_stream_tx_free(&tx);
}

/* The pure restore checks of lib/hrp_stream. */
static void test_stream_restore_checks(void **state)
{
	struct hrp_stream_tx tx;
	hrp_stream_tx_init(&tx, 1024, NULL);
	assert_int_equal(hrp_stream_tx_restore_chan(&tx, 0, 5, 6, false, false), -EINVAL);
	assert_int_equal(hrp_stream_tx_restore_chan(&tx, S, 5, 8, false, false), 0);
	assert_int_equal(hrp_stream_tx_restore_rec(&tx, S, "a", 1, 0, true), 0);
	assert_int_equal(hrp_stream_tx_restore_rec(&tx, S, "b", 1, 0, false), 0);
	/* a sent record after an unsent one */
	assert_int_equal(hrp_stream_tx_restore_rec(&tx, S, "c", 1, 0, true), -EINVAL);
	/* sent_top 8 past next_seq 8? no: 8 == next_seq is the limit, fine */
	assert_int_equal(hrp_stream_tx_restore_check(&tx, S), 0);
	assert_int_equal(tx.ch[S].next_seq, 8);
	assert_int_equal(tx.ch[S].cursor->seq, 7);
	assert_int_equal(tx.ch[S].unsent, 1);
	/* sent_top below a record sent */
	assert_int_equal(hrp_stream_tx_restore_chan(&tx, S, 5, 6, false, false), 0);
	assert_int_equal(hrp_stream_tx_restore_rec(&tx, S, "a", 1, 0, true), 0);
	assert_int_equal(hrp_stream_tx_restore_rec(&tx, S, "b", 1, 0, true), 0);
	assert_int_equal(hrp_stream_tx_restore_check(&tx, S), -EINVAL);
	/* the limit does not refuse restored records */
	assert_int_equal(hrp_stream_tx_restore_chan(&tx, C, 0, 1, false, false), 0);
	static uint8_t rec[2000];
	assert_int_equal(hrp_stream_tx_restore_rec(&tx, C, rec, sizeof(rec), 0, false), 0);
	assert_true(tx.ch[C].bytes > tx.limit_bytes);
	hrp_stream_tx_free(&tx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_round_trip),
		cmocka_unit_test(test_restored_sender_goes_on),
		cmocka_unit_test(test_minor1_reader_resyncs),
		cmocka_unit_test(test_unknown_fields_skipped),
		cmocka_unit_test(test_malformed_refused),
		cmocka_unit_test(test_too_many_bytes_refused),
		cmocka_unit_test(test_stream_restore_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
