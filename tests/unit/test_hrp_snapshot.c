/* hrpd's hot-restart snapshot: encode -> decode keeps the channel's state; unknown fields are
 * skipped at every level (a newer minor version); a newer major version and another format are
 * refused with a message; malformed snapshots are refused whole; and a receiver restored from a
 * snapshot accepts the peer's next message without a new epoch or a challenge, refuses a replay,
 * and sends on with the next sequence numbers, which the peer accepts as well. */
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

#define KEY "hot restart test key"

/* One side of the channel: what hrp_rx() needs, and our own sending state. */
struct box {
	struct hrp_keyring kr;
	struct hrp_peer peer;
	struct hrp_counters c;
	struct hrp_tx tx;
	struct hrp_rx_ctx ctx;
};

static void box_init(struct box *b, uint32_t id, uint64_t epoch)
{
	memset(b, 0, sizeof(*b));
	hrp_tx_init(&b->tx, id, epoch, 1000);
	hrp_keyring_init(&b->kr);
	assert_int_equal(hrp_keyring_set(&b->kr, HRP_KEY_CURRENT, 0, KEY, strlen(KEY)), 0);
	hrp_peer_init(&b->peer, true);
	b->ctx = (struct hrp_rx_ctx){
		.local_id = id, .keys = &b->kr, .peer = &b->peer, .counters = &b->c
	};
}

static size_t box_msg(struct box *b, uint16_t type, const uint8_t *nonce, uint8_t *buf, size_t cap)
{
	struct hrp_builder bld;
	struct hrp_hello h = { .vgmp = { .priority = 150, .state = HRP_VGMP_ACTIVE } };
	size_t n = 0;
	hrp_msg_begin(&bld, buf, cap, type, 0);
	if (type == HRP_MSG_HELLO)
		hrp_hello_put(&bld, &h);
	else
		hrp_challenge_put(&bld, nonce);
	assert_int_equal(hrp_msg_end(&bld, &b->tx, HRP_STREAM_HEARTBEAT,
				     hrp_keyring_key(&b->kr, HRP_KEY_CURRENT), &n),
			 0);
	return n;
}

/* to proves from's epoch: a hello, the challenge, the response. */
static void prove(struct box *to, struct box *from, uint64_t now)
{
	uint8_t m[512], fresh[HRP_NONCE_LEN], nonce[HRP_NONCE_LEN], echo[HRP_NONCE_LEN];
	struct hrp_rx_result res;
	size_t n = box_msg(from, HRP_MSG_HELLO, NULL, m, sizeof(m));
	assert_int_equal(hrp_rx(&to->ctx, m, n, now, &res), HRP_RX_NEED_CHALLENGE);
	memset(fresh, 0x5c, sizeof(fresh));
	hrp_peer_challenge_start(&to->peer, fresh, now, nonce);
	n = box_msg(to, HRP_MSG_CHALLENGE, nonce, m, sizeof(m));
	assert_int_equal(hrp_rx(&from->ctx, m, n, now, &res), HRP_RX_ACCEPT);
	assert_int_equal(hrp_challenge_get(res.msg.body, res.msg.body_len, echo), 0);
	n = box_msg(from, HRP_MSG_CHALLENGE_RESPONSE, echo, m, sizeof(m));
	assert_int_equal(hrp_rx(&to->ctx, m, n, now, &res), HRP_RX_ACCEPT);
	assert_true(res.new_epoch);
}

/* A snapshot of a running receiver: a proven peer, liveness up, a request, two links. */
static void sample(struct hrp_snapshot *s, struct box *rx, struct box *peer, uint64_t now)
{
	struct hrp_lv_out out;
	struct hrp_lv_params p = { .hello_interval_ms = 100, .dead_count = 3, .n_links = 2 };
	memset(s, 0, sizeof(*s));
	box_init(rx, 0x11111111, 0x8000000000000001ull);
	box_init(peer, 0x22222222, 0xfedcba9876543210ull);
	prove(rx, peer, now);
	prove(peer, rx, now);
	s->sender_id = rx->tx.sender_id;
	s->tx = rx->tx;
	s->next_epoch_set = true;
	s->next_epoch = 0xffffffff00000001ull;
	s->next_epoch_announced = 5;
	s->peer = rx->peer;
	s->peer.epochs_taken_back = 3;
	s->peer.incarnation = 0x0123456789abcdefull; /* an epoch change it announced before */
	s->counters = rx->c;
	assert_int_equal(hrp_lv_init(&s->lv, &p), 0);
	hrp_lv_out_clear(&out);
	hrp_lv_start(&s->lv, now, &out);
	hrp_lv_rx(&s->lv, 0, HRP_LV_RX_HELLO, now + 10, &out);
	hrp_lv_rx(&s->lv, 1, HRP_LV_RX_HELLO, now + 12, &out);
	hrp_lv_set_peer_interval(&s->lv, 120);
	assert_int_equal(s->lv.peer, HRP_LV_PEER_UP);
	s->have_peer_hello = true;
	s->peer_hello.vgmp.priority = 150;
	s->peer_hello.vgmp.state = HRP_VGMP_ACTIVE;
	snprintf(s->peer_hello.sysname, sizeof(s->peer_hello.sysname), "fw2");
	s->peer_hello.hello_interval_ms = 120;
	s->peer_hello.payload_gen = 9;
	hrp_registry_local(&s->peer_registry);
	s->local_set = true;
	s->local.priority = 200;
	s->local.state = HRP_VGMP_STANDBY;
	s->local.readiness = HRP_VGMP_R_SESSIONS_SYNCED;
	s->payload_gen = 4;
	s->peer_payload_gen = 9;
	s->next_request_id = 77;
	s->n_requests = 1;
	s->req[0] = (struct hrp_snap_request){
		.type = HRP_MSG_VGMP_SWITCHOVER,
		.req = { .request_id = 76, .has_state = true, .state = HRP_VGMP_ACTIVE },
		.sends = 2,
		.seqs = { 1003, 1005 },
		.next_ms = now + 40,
	};
	s->n_seen = 1;
	s->seen[0].type = HRP_MSG_VGMP_ACK;
	s->seen[0].id = 31;
	s->n_links = 2;
	s->links[0] = (struct hrp_snap_link){ .interface = "hb0",
					      .hellos_sent = 10,
					      .rx = 12,
					      .last_rx_ms = now + 10,
					      .heard = true,
					      .rtt_us = 250 };
	s->links[1] = (struct hrp_snap_link){ .interface = "hb1", .rtt_us = -1 };
	s->data[HRP_CHAN_SESSION] = (struct hrp_snap_data_chan){
		.used = true, .tx_next = 500, .resync = true, .rx_synced = true, .rx_next = 42
	};
	s->session = (struct hrp_snap_session){ .present = true,
						.local_active = true,
						.source = true,
						.ready = true,
						.synced_epoch = peer->tx.epoch,
						.missed_sync = true,
						.dirty = { .ranges = 0x8000000000000011ull,
							   .asked_ms = now - 5 } };
}

static void assert_same(const struct hrp_snapshot *a, const struct hrp_snapshot *b)
{
	assert_int_equal(a->sender_id, b->sender_id);
	assert_memory_equal(&a->tx, &b->tx, sizeof(a->tx));
	assert_int_equal(a->next_epoch_set, b->next_epoch_set);
	assert_true(a->next_epoch == b->next_epoch);
	assert_int_equal(a->next_epoch_announced, b->next_epoch_announced);
	/* the peer, field by field (padding is not state) */
	assert_int_equal(a->peer.keyed, b->peer.keyed);
	assert_int_equal(a->peer.known, b->peer.known);
	assert_int_equal(a->peer.sender_id, b->peer.sender_id);
	assert_true(a->peer.epoch == b->peer.epoch);
	for (int i = 0; i < HRP_STREAM_MAX; i++) {
		assert_int_equal(a->peer.win[i].valid, b->peer.win[i].valid);
		assert_int_equal(a->peer.win[i].top, b->peer.win[i].top);
		assert_true(a->peer.win[i].bitmap == b->peer.win[i].bitmap);
	}
	assert_int_equal(a->peer.challenge_pending, b->peer.challenge_pending);
	assert_memory_equal(a->peer.nonce, b->peer.nonce, HRP_NONCE_LEN);
	assert_int_equal(a->peer.key_slot, b->peer.key_slot);
	assert_int_equal(a->peer.key_id, b->peer.key_id);
	assert_int_equal(a->peer.epochs_taken_back, b->peer.epochs_taken_back);
	assert_true(a->peer.incarnation == b->peer.incarnation);
	assert_int_equal(a->counters.accepted, b->counters.accepted);
	assert_int_equal(a->counters.new_epochs, b->counters.new_epochs);
	/* liveness */
	assert_int_equal(a->lv.p.n_links, b->lv.p.n_links);
	assert_int_equal(a->lv.p.hello_interval_ms, b->lv.p.hello_interval_ms);
	assert_int_equal(a->lv.peer_interval_ms, b->lv.peer_interval_ms);
	assert_int_equal(a->lv.started, b->lv.started);
	assert_int_equal(a->lv.running, b->lv.running);
	assert_int_equal(a->lv.peer, b->lv.peer);
	assert_int_equal(a->lv.announced_up, b->lv.announced_up);
	assert_true(a->lv.peer_last_rx_ms == b->lv.peer_last_rx_ms);
	assert_true(a->lv.next_hello_ms == b->lv.next_hello_ms);
	assert_true(a->lv.next_probe_ms == b->lv.next_probe_ms);
	assert_true(hrp_lv_next_deadline(&a->lv) == hrp_lv_next_deadline(&b->lv));
	assert_int_equal(a->lv.counters.peer_up, b->lv.counters.peer_up);
	for (size_t i = 0; i < a->lv.p.n_links; i++) {
		assert_int_equal(a->lv.link[i].state, b->lv.link[i].state);
		assert_true(a->lv.link[i].last_rx_ms == b->lv.link[i].last_rx_ms);
	}
	/* the peer's hello and registry, our payload, requests */
	assert_int_equal(a->have_peer_hello, b->have_peer_hello);
	assert_string_equal(a->peer_hello.sysname, b->peer_hello.sysname);
	assert_int_equal(a->peer_hello.payload_gen, b->peer_hello.payload_gen);
	assert_int_equal(a->peer_hello.vgmp.priority, b->peer_hello.vgmp.priority);
	assert_int_equal(a->peer_registry.n, b->peer_registry.n);
	assert_int_equal(a->local_set, b->local_set);
	assert_int_equal(a->local.priority, b->local.priority);
	assert_int_equal(a->local.readiness, b->local.readiness);
	assert_int_equal(a->payload_gen, b->payload_gen);
	assert_int_equal(a->peer_payload_gen, b->peer_payload_gen);
	assert_int_equal(a->next_request_id, b->next_request_id);
	assert_int_equal(a->n_requests, b->n_requests);
	for (size_t i = 0; i < a->n_requests; i++) {
		assert_int_equal(a->req[i].type, b->req[i].type);
		assert_int_equal(a->req[i].req.request_id, b->req[i].req.request_id);
		assert_int_equal(a->req[i].req.has_state, b->req[i].req.has_state);
		assert_int_equal(a->req[i].req.has_priority, b->req[i].req.has_priority);
		assert_int_equal(a->req[i].sends, b->req[i].sends);
		assert_memory_equal(a->req[i].seqs, b->req[i].seqs, sizeof(a->req[i].seqs));
		assert_true(a->req[i].next_ms == b->req[i].next_ms);
	}
	assert_int_equal(a->n_seen, b->n_seen);
	assert_int_equal(a->seen[0].id, b->seen[0].id);
	assert_int_equal(a->n_links, b->n_links);
	for (size_t i = 0; i < a->n_links; i++) {
		assert_string_equal(a->links[i].interface, b->links[i].interface);
		assert_int_equal(a->links[i].hellos_sent, b->links[i].hellos_sent);
		assert_int_equal(a->links[i].rx, b->links[i].rx);
		assert_int_equal(a->links[i].rtt_us, b->links[i].rtt_us);
		assert_int_equal(a->links[i].heard, b->links[i].heard);
	}
	for (int c = 0; c < HRP_CHAN_MAX; c++) {
		assert_int_equal(a->data[c].used, b->data[c].used);
		assert_int_equal(a->data[c].tx_next, b->data[c].tx_next);
		assert_int_equal(a->data[c].resync, b->data[c].resync);
		assert_int_equal(a->data[c].rx_next, b->data[c].rx_next);
		assert_int_equal(a->data[c].rx_synced, b->data[c].rx_synced);
	}
	assert_int_equal(a->session.present, b->session.present);
	assert_int_equal(a->session.source, b->session.source);
	assert_int_equal(a->session.local_active, b->session.local_active);
	assert_int_equal(a->session.ready, b->session.ready);
	assert_int_equal(a->session.synced, b->session.synced);
	assert_true(a->session.synced_epoch == b->session.synced_epoch);
	assert_int_equal(a->session.missed_sync, b->session.missed_sync);
}

static json_t *encoded(struct hrp_snapshot *s, struct box *rx, struct box *peer)
{
	sample(s, rx, peer, 1000000);
	json_t *j = hrp_snapshot_encode(s);
	assert_non_null(j);
	return j;
}

/* j as it travels: dumped to text and read back. */
static json_t *through_text(const json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);
	json_t *again = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(again);
	return again;
}

static void test_round_trip(void **state)
{
	static struct hrp_snapshot s, back;
	struct box rx, peer;
	char err[256] = "";
	json_t *j = encoded(&s, &rx, &peer);
	json_t *again = through_text(j);
	assert_int_equal(hrp_snapshot_decode(again, &back, err, sizeof(err)), 0);
	assert_int_equal(back.major, HRP_SNAPSHOT_MAJOR);
	assert_same(&s, &back);
	json_decref(again);
	json_decref(j);
}

static void test_unknown_fields_skipped(void **state)
{
	static struct hrp_snapshot s, back;
	struct box rx, peer;
	char err[256] = "";
	json_t *j = encoded(&s, &rx, &peer);
	json_object_set_new(j, "minor", json_integer(HRP_SNAPSHOT_MINOR + 3));
	json_object_set_new(j, "future", json_pack("{s:[i]}", "x", 1));
	json_object_set_new(json_object_get(j, "peer"), "future", json_true());
	json_object_set_new(json_object_get(j, "liveness"), "future", json_integer(5));
	json_object_set_new(
		json_array_get(json_object_get(json_object_get(j, "liveness"), "links"), 0),
		"future", json_string("x"));
	json_object_set_new(json_object_get(j, "vgmp"), "future", json_null());
	json_object_set_new(json_array_get(json_object_get(j, "links"), 1), "future",
			    json_integer(-1));
	json_object_set_new(json_array_get(json_object_get(j, "data"), 0), "future",
			    json_integer(2));
	/* a channel a newer binary has */
	json_array_append_new(json_object_get(j, "data"),
			      json_pack("{s:i, s:i}", "channel", 200, "tx_next", 1));
	assert_int_equal(hrp_snapshot_decode(j, &back, err, sizeof(err)), 0);
	assert_int_equal(back.minor, HRP_SNAPSHOT_MINOR + 3);
	assert_same(&s, &back);
	json_decref(j);
}

static void test_newer_major_refused(void **state)
{
	static struct hrp_snapshot s, back;
	struct box rx, peer;
	char err[256] = "";
	json_t *j = encoded(&s, &rx, &peer);
	json_object_set_new(j, "major", json_integer(HRP_SNAPSHOT_MAJOR + 1));
	assert_int_equal(hrp_snapshot_decode(j, &back, err, sizeof(err)), -EPROTONOSUPPORT);
	assert_non_null(strstr(err, "not readable by this hrpd"));
	assert_non_null(strstr(err, "cold restart"));
	assert_int_equal(back.sender_id, 0); /* nothing taken */
	json_object_set_new(j, "major", json_integer(HRP_SNAPSHOT_MAJOR));
	json_object_set_new(j, "format", json_string("vrrpd-snapshot"));
	assert_int_equal(hrp_snapshot_decode(j, &back, err, sizeof(err)), -EPROTONOSUPPORT);
	assert_non_null(strstr(err, "vrrpd-snapshot"));
	json_decref(j);
}

/* The missed-sync mark (minor 3) goes through a hot restart; a minor-2 snapshot, written before
 * the mark was carried, reads as "not missed" and the rest of the session part as it was. */
static void test_missed_sync_mark(void **state)
{
	static struct hrp_snapshot s, back;
	struct box rx, peer;
	char err[256] = "";
	json_t *j = encoded(&s, &rx, &peer);
	json_t *sess = json_object_get(j, "session");
	assert_int_equal(json_is_true(json_object_get(sess, "missed_sync")), 1);
	assert_int_equal(hrp_snapshot_decode(j, &back, err, sizeof(err)), 0);
	assert_true(back.session.missed_sync);
	hrp_snapshot_release(&back);
	json_object_set_new(j, "minor", json_integer(2));
	assert_int_equal(json_object_del(sess, "missed_sync"), 0);
	memset(&back, 0xff, sizeof(back)); /* nothing left over from the first decode */
	assert_int_equal(hrp_snapshot_decode(j, &back, err, sizeof(err)), 0);
	assert_int_equal(back.minor, 2);
	assert_true(back.session.present);
	assert_false(back.session.missed_sync);
	s.session.missed_sync = false;
	assert_same(&s, &back);
	hrp_snapshot_release(&back);
	json_decref(j);
}

/* The peer's incarnation (minor 5) goes through a hot restart, so that an epoch change the peer
 * announced before it makes session and config sync send nothing again after it; a minor-4
 * snapshot, written before it was carried, reads it as the peer's epoch. */
static void test_peer_incarnation(void **state)
{
	static struct hrp_snapshot s, back;
	struct box rx, peer;
	char err[256] = "";
	json_t *j = encoded(&s, &rx, &peer);
	assert_int_equal(hrp_snapshot_decode(j, &back, err, sizeof(err)), 0);
	assert_true(back.peer.incarnation == 0x0123456789abcdefull);
	assert_true(back.peer.epoch == 0xfedcba9876543210ull);
	hrp_snapshot_release(&back);
	json_object_set_new(j, "minor", json_integer(4));
	assert_int_equal(json_object_del(json_object_get(j, "peer"), "incarnation"), 0);
	memset(&back, 0xff, sizeof(back));
	assert_int_equal(hrp_snapshot_decode(j, &back, err, sizeof(err)), 0);
	assert_int_equal(back.minor, 4);
	assert_true(back.peer.incarnation == 0xfedcba9876543210ull);
	hrp_snapshot_release(&back);
	json_decref(j);
}

/* The dirty ranges (minor 6) go through a hot restart with the time of the last ask, so the new
 * process asks for them again, and no sooner than the hold allows; a minor-5 snapshot, written
 * before they were carried, reads as none dirty, the rest of the session part as it was. A part
 * cut short or of the wrong kind refuses the snapshot whole. */
static void test_dirty_ranges(void **state)
{
	static struct hrp_snapshot s, back;
	struct box rx, peer;
	char err[256] = "";
	json_t *j = encoded(&s, &rx, &peer);
	json_t *again = through_text(j);
	assert_int_equal(hrp_snapshot_decode(again, &back, err, sizeof(err)), 0);
	assert_true(back.session.dirty.ranges == 0x8000000000000011ull);
	assert_true(back.session.dirty.asked_ms == s.session.dirty.asked_ms);
	hrp_snapshot_release(&back);
	json_decref(again);

	json_t *dirty = json_object_get(json_object_get(j, "session"), "dirty");
	static const char *const bad[] = { "80000000000000", "80000000000000110", "zz", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_object_set_new(dirty, "ranges", json_string(bad[i]));
		memset(&back, 0xff, sizeof(back));
		if (hrp_snapshot_decode(j, &back, err, sizeof(err)) != -EINVAL)
			fail_msg("ranges '%s' accepted", bad[i]);
		assert_non_null(strstr(err, "session.dirty.ranges"));
	}
	json_object_del(dirty, "ranges");
	assert_int_equal(hrp_snapshot_decode(j, &back, err, sizeof(err)), -EINVAL);

	json_object_set_new(j, "minor", json_integer(5));
	assert_int_equal(json_object_del(json_object_get(j, "session"), "dirty"), 0);
	memset(&back, 0xff, sizeof(back)); /* nothing left over from the decodes before */
	assert_int_equal(hrp_snapshot_decode(j, &back, err, sizeof(err)), 0);
	assert_int_equal(back.minor, 5);
	assert_true(back.session.present && back.session.missed_sync);
	assert_true(back.session.dirty.ranges == 0 && back.session.dirty.asked_ms == 0);
	hrp_snapshot_release(&back);
	json_decref(j);
}

/* Each mutation alone refuses the whole snapshot. */
static void test_malformed_refused(void **state)
{
	static struct hrp_snapshot s, back;
	struct box rx, peer;
	static const char *const paths[] = {
		"sender_id=0",
		"tx.epoch=zz",
		"tx.seq=x",
		"peer.epoch=123",
		"peer.nonce=00",
		"peer.key_slot=7",
		"peer.incarnation=123",
		"liveness.running=5",
		"liveness.peer=asleep",
		"liveness.interval_ms=0",
		"liveness.links=x",
		"peer_hello=zz",
		"peer_registry=00",
		"vgmp.local=0",
		"vgmp.requests=x",
		"links=x",
		"data=x",
		"counters.rx=-1",
		"peer.windows=x",
		"session=x",
		"session.ready=1",
		"session.missed_sync=1",
		"session.dirty=x",
		"session.dirty.ranges=1",
		"session.dirty.asked_ms=-1",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char err[256] = "", path[64];
		json_t *j = encoded(&s, &rx, &peer), *o = j;
		snprintf(path, sizeof(path), "%s", paths[i]);
		char *eq = strchr(path, '='), *key = path, *dot;
		*eq = '\0';
		while ((dot = strchr(key, '.'))) {
			*dot = '\0';
			o = json_object_get(o, key);
			key = dot + 1;
		}
		const char *v = eq + 1;
		json_t *val =
			strcmp(v, "x") == 0 ? json_string("x")
			: v[0] == '-' || (v[0] >= '0' && v[0] <= '9' && strcmp(key, "nonce") &&
					  strcmp(key, "epoch") && strcmp(key, "local") &&
					  strcmp(key, "peer_registry"))
				? json_integer(atoi(v))
				: json_string(v);
		assert_int_equal(json_object_set_new(o, key, val), 0);
		int r = hrp_snapshot_decode(j, &back, err, sizeof(err));
		if (r != -EINVAL)
			fail_msg("%s: decode returned %d", paths[i], r);
		assert_non_null(strstr(err, "malformed hrpd snapshot"));
		assert_int_equal(back.sender_id, 0);
		json_decref(j);
	}
	char err[256];
	json_t *empty = json_object();
	assert_int_equal(hrp_snapshot_decode(empty, &back, err, sizeof(err)), -EINVAL);
	json_decref(empty);
}

/* The hot restart itself: the receiver's state goes through the snapshot into a new process. */
static void test_restored_goes_on(void **state)
{
	static struct hrp_snapshot s, back;
	struct box rx, peer, again;
	uint8_t m[512];
	struct hrp_rx_result res;
	struct hrp_lv_out out;
	char err[256] = "";
	uint64_t now = 1000000;
	json_t *j = encoded(&s, &rx, &peer);
	/* a hello the old process accepted, to be replayed at the new one */
	size_t n_old = box_msg(&peer, HRP_MSG_HELLO, NULL, m, sizeof(m));
	assert_int_equal(hrp_rx(&rx.ctx, m, n_old, now + 20, &res), HRP_RX_ACCEPT);
	uint8_t replay[512];
	memcpy(replay, m, n_old);
	json_decref(j);
	s.peer = rx.peer;
	s.tx = rx.tx;
	j = hrp_snapshot_encode(&s);
	assert_int_equal(hrp_snapshot_decode(j, &back, err, sizeof(err)), 0);
	json_decref(j);

	/* the new process: the same key, the restored peer and sequence numbers */
	box_init(&again, back.sender_id, back.tx.epoch);
	again.peer = back.peer;
	again.tx = back.tx;
	size_t n = box_msg(&peer, HRP_MSG_HELLO, NULL, m, sizeof(m));
	assert_int_equal(hrp_rx(&again.ctx, m, n, now + 100, &res), HRP_RX_ACCEPT);
	assert_false(res.new_epoch);
	assert_int_equal(again.c.challenges, 0);
	assert_int_equal(hrp_rx(&again.ctx, replay, n_old, now + 101, &res), HRP_RX_DROP);
	assert_int_equal(res.drop, HRP_DROP_REPLAY);
	/* our own messages go on where the old process stopped: the peer takes them as they are */
	uint32_t seq_before = rx.tx.seq[HRP_STREAM_HEARTBEAT];
	uint64_t peer_challenges = peer.c.challenges;
	n = box_msg(&again, HRP_MSG_HELLO, NULL, m, sizeof(m));
	assert_int_equal(hrp_get_u32(m + 20), seq_before);
	assert_int_equal(hrp_rx(&peer.ctx, m, n, now + 102, &res), HRP_RX_ACCEPT);
	assert_false(res.new_epoch);
	assert_int_equal(peer.c.challenges, peer_challenges);

	/* the liveness core: nothing due before the old deadlines, the peer stays up, no
	 * announcement of any kind */
	hrp_lv_out_clear(&out);
	uint64_t due = hrp_lv_next_deadline(&back.lv);
	assert_true(due == hrp_lv_next_deadline(&s.lv));
	hrp_lv_rx(&back.lv, 0, HRP_LV_RX_HELLO, now + 100, &out);
	hrp_lv_timer(&back.lv, now + 100, &out);
	for (size_t i = 0; i < out.n; i++) {
		assert_int_not_equal(out.act[i].kind, HRP_LV_ACT_PEER_DOWN);
		assert_int_not_equal(out.act[i].kind, HRP_LV_ACT_PEER_UP);
		assert_int_not_equal(out.act[i].kind, HRP_LV_ACT_PEER);
	}
	assert_int_equal(back.lv.peer, HRP_LV_PEER_UP);
	assert_int_equal(back.lv.counters.peer_up, s.lv.counters.peer_up);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_unknown_fields_skipped),
		cmocka_unit_test(test_newer_major_refused),
		cmocka_unit_test(test_missed_sync_mark),
		cmocka_unit_test(test_peer_incarnation),
		cmocka_unit_test(test_dirty_ranges),
		cmocka_unit_test(test_malformed_refused),
		cmocka_unit_test(test_restored_goes_on),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
