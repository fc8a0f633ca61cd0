/* Mirror session (mirror.h): queued packets become mirror records, the peer's acknowledgements
 * release them, the hold time releases the rest; the peer's mirror records are applied and
 * acknowledged; conflicts are settled the same way on both boxes. */
#include <errno.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hrp_wire.h"
#include "hrpd.h"
#include "log.h"
#include "mirror.h"
#include "mirror_nfq.h"
#include "sess_int.h"
#include "sess_mirror.h"

#define MIRROR_PREFIX  "[hrp mirror]"
#define RELEASE_BATCH  256
#define SENT_RING      256 /* send times of the last records, for the acknowledgement's delay */

struct hrpd_mirror_stats {
	uint64_t held, acked, timed_out, let_go, dropped_conflicts;
	uint64_t unheld_policy, unheld_unreadable, unheld_no_peer, unheld_full, unheld_channel;
	uint64_t records_sent, acks_received, acks_unexpected;
	uint64_t rx_records, rx_entries, acks_sent, rx_bad;
	uint64_t conflicts_kept, conflicts_taken;
	uint64_t echoes; /* our kernel's events of changes a mirror record carried: not sent */
	uint64_t peer_echoes; /* the peer's new-entry records of creations it mirrored: dropped */
	uint64_t old_destroys; /* destroys of a reused tuple's old entry, after its new one */
	uint64_t old_destroys_rx; /* the peer's such destroys, not applied */
	uint64_t ack_delay_us_sum, ack_delay_us_max, ack_delays;
	uint64_t ack_delay_log2[24]; /* µs, bucket b: [2^b, 2^(b+1)) */
};

struct hrpd_mirror {
	struct hrpd_sess *ss;
	struct hrpd_nfq *q;
	struct hs_mirror m;
	struct hs_timer timer;
	int liberal_before;
	uint8_t rec[HS_MIRROR_NEW_HDR + HRPD_SESS_REC_MAX];
	size_t len;
	unsigned entries;
	struct {
		uint32_t token;
		uint64_t at_us;
	} sent[SENT_RING];
	struct hrpd_mirror_stats st;
};

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void rec_reset(struct hrpd_mirror *mi)
{
	hs_mirror_new_header(mi->rec, hs_mirror_token(&mi->m));
	mi->len = HS_MIRROR_NEW_HDR +
		  hs_sess_record_begin(mi->rec + HS_MIRROR_NEW_HDR, HRPD_SESS_REC_MAX);
	mi->entries = 0;
}

static void release(struct hrpd_mirror *mi, const uint32_t *ids, size_t n, uint64_t *counter)
{
	for (size_t i = 0; i < n; i++)
		hrpd_nfq_verdict(mi->q, ids[i], true);
	*counter += n;
}

static void arm(struct hrpd_mirror *mi)
{
	uint64_t at = hs_mirror_next_deadline(&mi->m);
	if (at)
		hs_timer_arm_at(&mi->timer, at);
	else
		hs_timer_cancel(&mi->timer);
}

/* Sends the record being filled; when the channel refuses it, its packets go unheld. */
static void rec_send(struct hrpd_mirror *mi)
{
	if (!mi->entries)
		return;
	uint32_t token = hs_mirror_token(&mi->m);
	uint32_t ids[RELEASE_BATCH];
	/* Events read before these packets go first: the destroy of a reused tuple's old entry
	 * must not reach the peer after the new entry does. */
	hrpd_sess_rec_send(mi->ss, &mi->ss->rt, 0);
	if (hrpd_sess_control_send(mi->ss, mi->rec, mi->len, 0) < 0) {
		size_t n;
		while ((n = hs_mirror_ack(&mi->m, token, ids, RELEASE_BATCH)))
			release(mi, ids, n, &mi->st.unheld_channel);
	} else {
		mi->st.records_sent++;
		mi->sent[token % SENT_RING].token = token;
		mi->sent[token % SENT_RING].at_us = now_us();
	}
	hs_mirror_next_record(&mi->m);
	rec_reset(mi);
}

/* The entry a queued packet creates or moves, in its zones when the kernel says them (else zone
 * 0: its key is not the kernel entry's). The record carries it as the peer reads it. */
static int packet_entry(struct hrpd_mirror *mi, const uint8_t *pkt, size_t len,
			const struct hs_mirror_zones *zones, struct hs_sess *s, struct hs_sess *rec)
{
	if (!pkt || !zones || hs_mirror_packet_entry(pkt, len, s) < 0)
		return -1;
	hs_mirror_entry_zones(s, zones);
	if (hrpd_sess_for_peer(mi->ss, s, rec) == rec) /* as rec_add() sends it */
		mi->ss->st.dir_zones_stripped++;
	else
		*rec = *s;
	return 0;
}

static void on_packet(void *arg, uint32_t id, const uint8_t *pkt, size_t len,
		      const struct hs_mirror_zones *zones)
{
	struct hrpd_mirror *mi = arg;
	struct hrpd_sess *ss = mi->ss;
	struct hs_sess s, rec;
	if (!ss->source) { /* the peer is gone: nobody to wait for */
		hrpd_nfq_verdict(mi->q, id, true);
		mi->st.unheld_no_peer++;
		return;
	}
	if (packet_entry(mi, pkt, len, zones, &s, &rec) < 0) {
		hrpd_nfq_verdict(mi->q, id, true);
		mi->st.unheld_unreadable++;
		return;
	}
	if (hs_sess_classify(&ss->pol, &s) != HS_SESS_SYNC) {
		hrpd_nfq_verdict(mi->q, id, true);
		mi->st.unheld_policy++;
		return;
	}
	hrpd_sess_check_touch(ss, &rec); /* as the peer keys it */
	size_t room = sizeof(mi->rec) - mi->len;
	size_t n = hs_sess_encode(&rec, mi->rec + mi->len, room);
	if (!n) {
		rec_send(mi);
		n = hs_sess_encode(&rec, mi->rec + mi->len, sizeof(mi->rec) - mi->len);
	}
	if (!n || hs_mirror_hold(&mi->m, id, hs_sess_key_hash(&s), s.proto_state,
				 s.op == HS_SESS_NEW, hs_now_ms()) < 0) {
		hrpd_nfq_verdict(mi->q, id, true);
		mi->st.unheld_full++;
		return;
	}
	mi->len += n;
	mi->entries++;
	mi->st.held++;
	/* A new flow of a tuple we destroyed a moment ago: the peer's news of it is welcome. */
	if (s.op == HS_SESS_NEW && ss->tomb.slots)
		hs_tomb_clear(&ss->tomb, hs_sess_key_hash(&s));
}

static void on_burst_done(void *arg)
{
	struct hrpd_mirror *mi = arg;
	rec_send(mi);
	hrpd_nfq_flush(mi->q);
	arm(mi);
}

static const struct hrpd_nfq_ops nfq_ops = {
	.packet = on_packet,
	.burst_done = on_burst_done,
};

static void timer_fired(struct hs_timer *t, void *arg)
{
	struct hrpd_mirror *mi = arg;
	(void)t;
	uint32_t ids[RELEASE_BATCH];
	size_t n;
	while ((n = hs_mirror_expire(&mi->m, hs_now_ms(), ids, RELEASE_BATCH)))
		release(mi, ids, n, &mi->st.timed_out);
	hrpd_nfq_flush(mi->q);
	arm(mi);
}

/* ---- the peer's side ---- */

static void ack_delay(struct hrpd_mirror *mi, uint32_t token)
{
	if (mi->sent[token % SENT_RING].token != token || !mi->sent[token % SENT_RING].at_us)
		return;
	uint64_t d = now_us() - mi->sent[token % SENT_RING].at_us;
	mi->sent[token % SENT_RING].at_us = 0;
	mi->st.ack_delays++;
	mi->st.ack_delay_us_sum += d;
	if (d > mi->st.ack_delay_us_max)
		mi->st.ack_delay_us_max = d;
	unsigned b = 0;
	while (b + 1 < 24 && (d >> (b + 1)))
		b++;
	mi->st.ack_delay_log2[b]++;
}

void hrpd_mirror_rx_ack(struct hrpd_sess *ss, const uint8_t *rec, size_t len)
{
	struct hrpd_mirror *mi = ss->mirror;
	uint32_t token;
	if (hs_mirror_parse(rec, len, HS_MIRROR_REC_ACK, &token) < 0) {
		ss->st.control_bad++;
		return;
	}
	if (!mi) {
		return; /* we stopped mirroring: what we held is gone already */
	}
	mi->st.acks_received++;
	ack_delay(mi, token);
	uint32_t ids[RELEASE_BATCH];
	size_t n, total = 0;
	while ((n = hs_mirror_ack(&mi->m, token, ids, RELEASE_BATCH))) {
		release(mi, ids, n, &mi->st.acked);
		total += n;
	}
	if (!total)
		mi->st.acks_unexpected++; /* released by the hold time already */
	hrpd_nfq_flush(mi->q);
	arm(mi);
}

void hrpd_mirror_rx_new(struct hrpd_sess *ss, const uint8_t *rec, size_t len)
{
	struct hrpd_mirror *mi = ss->mirror;
	uint32_t token;
	size_t off = 0;
	if (hs_mirror_parse(rec, len, HS_MIRROR_REC_NEW, &token) < 0 ||
	    hs_sess_record_check(rec + HS_MIRROR_NEW_HDR, len - HS_MIRROR_NEW_HDR, &off) !=
		    HS_SESS_OK) {
		ss->st.control_bad++;
		return;
	}
	struct hs_sess s;
	enum hs_sess_err e;
	unsigned n = 0;
	while ((e = hs_sess_decode(rec + HS_MIRROR_NEW_HDR, len - HS_MIRROR_NEW_HDR, &off, &s)) ==
	       HS_SESS_OK) {
		uint64_t key = hs_sess_key_hash(&s), now = hs_now_ms();
		bool ours = mi && hs_mirror_is_ours(&mi->m, key, now);
		hrpd_sess_apply_entry(ss, &s);
		if (mi && !ours && s.op == HS_SESS_NEW)
			hs_mirror_peer_new(&mi->m, key, s.proto_state, now);
		n++;
	}
	/* The requests are in the kernel when the flush returns (netlink runs them in our
	 * sendto): the peer may let its packets go. */
	hrpd_ct_flush(ss->ct);
	ss->st.entries_received += n;
	if (e != HS_SESS_END) {
		ss->st.decode_errors[e < HS_SESS_ERR_MAX ? e : 0]++;
		if (mi)
			mi->st.rx_bad++;
	}
	uint8_t ack[5];
	hs_mirror_ack_encode(ack, sizeof(ack), token);
	int sent = hrpd_sess_control_send(ss, ack, sizeof(ack), 0);
	if (mi) {
		mi->st.rx_records++;
		mi->st.rx_entries += n;
		mi->st.acks_sent += sent == 0;
	}
}

bool hrpd_mirror_conflict(struct hrpd_sess *ss, const struct hs_sess *s)
{
	struct hrpd_mirror *mi = ss->mirror;
	if (mi && s->op == HS_SESS_DESTROY &&
	    hs_mirror_is_ours(&mi->m, hs_sess_key_hash(s), hs_now_ms())) {
		/* The peer's destroy of an older entry of a tuple we just created anew (its copy
		 * of the old one timed out there as our new one was on its way): ours stays. */
		mi->st.old_destroys_rx++;
		return true;
	}
	if (!mi || s->op != HS_SESS_NEW)
		return false;
	const struct hrpd *h = ss->h;
	uint64_t key = hs_sess_key_hash(s), now = hs_now_ms();
	bool win = hs_mirror_we_win(h->sysname, h->sender_id, h->peer_hello.sysname,
				    h->peer.sender_id);
	switch (hs_mirror_conflict(&mi->m, key, now, win)) {
	case HS_MIRROR_KEEP_OURS: mi->st.conflicts_kept++; return true;
	case HS_MIRROR_TAKE_THEIRS: {
		uint32_t id;
		mi->st.conflicts_taken++;
		if (hs_mirror_take(&mi->m, key, &id)) {
			/* Ours would clash with theirs at confirmation: the sender retransmits
			 * into the winner's entry. */
			hrpd_nfq_verdict(mi->q, id, false);
			hrpd_nfq_flush(mi->q);
			mi->st.dropped_conflicts++;
			arm(mi);
		}
		return false;
	}
	default: return false;
	}
}

/* ---- on and off ---- */

static void stop(struct hrpd_sess *ss, const char *why)
{
	struct hrpd_mirror *mi = ss->mirror;
	char err[256] = "";
	if (hrpd_mirror_rules_del(err, sizeof(err)) < 0)
		hs_warn(MIRROR_PREFIX, "could not remove chain %s: %s", HRPD_MIRROR_CHAIN, err);
	uint32_t ids[RELEASE_BATCH];
	size_t n;
	while ((n = hs_mirror_release_all(&mi->m, ids, RELEASE_BATCH)))
		release(mi, ids, n, &mi->st.let_go);
	hrpd_nfq_close(mi->q);
	if (mi->liberal_before >= 0)
		hrpd_mirror_liberal(mi->liberal_before);
	hrpd_ct_two_sources(ss->ct, false);
	hs_timer_free(&mi->timer);
	hs_notice(MIRROR_PREFIX, "mirror session off (%s): new flows pass unheld", why);
	free(mi);
	ss->mirror = NULL;
}

static void start(struct hrpd_sess *ss)
{
	struct hrpd_mirror *mi = calloc(1, sizeof(*mi));
	if (!mi)
		return;
	mi->ss = ss;
	hs_mirror_init(&mi->m, ss->mirror_hold_ms);
	hs_mirror_seed(&mi->m, randombytes_random()); /* a past session's acks match none */
	rec_reset(mi);
	mi->q = hrpd_nfq_open(&ss->h->d->loop, ss->mirror_queue, &nfq_ops, mi);
	if (!mi->q) {
		hs_err(MIRROR_PREFIX, "cannot bind NFQUEUE %u (%s): mirror session is off",
		       ss->mirror_queue, strerror(errno));
		free(mi);
		return;
	}
	char why[256] = "";
	if (hrpd_mirror_rules_add(ss->mirror_queue, why, sizeof(why)) < 0) {
		hs_err(MIRROR_PREFIX, "cannot add chain %s: %s: mirror session is off",
		       HRPD_MIRROR_CHAIN, why);
		hrpd_nfq_close(mi->q);
		free(mi);
		return;
	}
	hs_timer_init(&mi->timer, &ss->h->d->loop, timer_fired, mi);
	mi->liberal_before = hrpd_mirror_liberal(1);
	hrpd_ct_two_sources(ss->ct, true);
	ss->mirror = mi;
	hs_notice(MIRROR_PREFIX, "mirror session on: new flows wait up to %u ms for the peer "
				 "(NFQUEUE %u)", ss->mirror_hold_ms, ss->mirror_queue);
	if (!hrpd_nfq_stats(mi->q)->ct_attrs)
		hs_notice(MIRROR_PREFIX,
			  "the kernel gives no conntrack attributes with queued packets "
			  "(CONFIG_NETFILTER_NETLINK_GLUE_CT): a flow in a conntrack zone is "
			  "mirrored in zone 0, and its events do not match its hold");
}

void hrpd_mirror_update(struct hrpd_sess *ss, bool want)
{
	if (want && !ss->mirror)
		start(ss);
	else if (!want && ss->mirror)
		stop(ss, "not load-sharing, or mirroring disabled");
}

void hrpd_mirror_free(struct hrpd_sess *ss)
{
	if (ss->mirror)
		stop(ss, "hrpd stops");
}

/* ---- statistics ---- */

static uint64_t percentile_us(const struct hrpd_mirror_stats *st, double p)
{
	uint64_t want = (uint64_t)((double)st->ack_delays * p + 0.5), seen = 0;
	for (unsigned b = 0; b < 24; b++) {
		seen += st->ack_delay_log2[b];
		if (seen >= want && seen)
			return (uint64_t)1 << (b + 1); /* the bucket's upper bound */
	}
	return 0;
}

bool hrpd_mirror_peer_echo(struct hrpd_sess *ss, const struct hs_sess *s)
{
	struct hrpd_mirror *mi = ss->mirror;
	if (!mi || s->op != HS_SESS_NEW ||
	    !hs_mirror_peer_echo(&mi->m, hs_sess_key_hash(s), s->proto_state, hs_now_ms()))
		return false;
	mi->st.peer_echoes++;
	return true;
}

bool hrpd_mirror_echo(struct hrpd_sess *ss, const struct hs_sess *s)
{
	struct hrpd_mirror *mi = ss->mirror;
	if (!mi)
		return false;
	uint64_t key = hs_sess_key_hash(s), now = hs_now_ms();
	if (s->op == HS_SESS_DESTROY) {
		/* A tuple reused by a new connection: the kernel destroys the old entry as the new
		 * one's first packet comes, and the event may be read after that packet was
		 * mirrored. The peer replaced its old entry with the mirrored one already; this
		 * destroy would remove the new one. */
		if (!hs_mirror_is_ours(&mi->m, key, now))
			return false;
		mi->st.old_destroys++;
		return true;
	}
	if (!hs_mirror_echo(&mi->m, key, s->op == HS_SESS_NEW, s->proto_state, now))
		return false;
	mi->st.echoes++;
	return true;
}

json_t *hrpd_mirror_stats_json(const struct hrpd_sess *ss)
{
	const struct hrpd_mirror *mi = ss->mirror;
	if (!mi)
		return json_pack("{s:b}", "on", false);
	const struct hrpd_mirror_stats *st = &mi->st;
	const struct hrpd_nfq_stats *q = hrpd_nfq_stats(mi->q);
	struct {
		const char *name;
		uint64_t v;
	} f[] = {
		{ "hold_ms", mi->m.hold_ms },
		{ "held_now", hs_mirror_held(&mi->m) },
		{ "held", st->held },
		{ "released_acked", st->acked },
		{ "released_timeout", st->timed_out },
		{ "released_stop", st->let_go },
		{ "unheld_policy", st->unheld_policy },
		{ "unheld_unreadable", st->unheld_unreadable },
		{ "unheld_no_peer", st->unheld_no_peer },
		{ "unheld_full", st->unheld_full },
		{ "unheld_channel", st->unheld_channel },
		{ "records_sent", st->records_sent },
		{ "acks_received", st->acks_received },
		{ "acks_late", st->acks_unexpected },
		{ "peer_records", st->rx_records },
		{ "peer_entries", st->rx_entries },
		{ "acks_sent", st->acks_sent },
		{ "peer_records_bad", st->rx_bad },
		{ "conflicts_kept", st->conflicts_kept },
		{ "conflicts_taken", st->conflicts_taken },
		{ "conflict_drops", st->dropped_conflicts },
		{ "events_already_mirrored", st->echoes },
		{ "peer_echoes_dropped", st->peer_echoes },
		{ "memories_evicted", mi->m.seen_evicted },
		{ "destroys_of_reused_tuples", st->old_destroys },
		{ "peer_destroys_of_reused_tuples", st->old_destroys_rx },
		{ "ack_delays", st->ack_delays },
		{ "ack_delay_us_avg", st->ack_delays ? st->ack_delay_us_sum / st->ack_delays : 0 },
		{ "ack_delay_us_max", st->ack_delay_us_max },
		{ "ack_delay_us_p50_le", percentile_us(st, 0.5) },
		{ "ack_delay_us_p99_le", percentile_us(st, 0.99) },
		{ "queue_packets", q->packets },
		{ "queue_msgs_bad", q->bad_msgs },
		{ "queue_overruns", q->overruns },
		{ "queue_verdicts", q->verdicts },
		{ "queue_verdict_errors", q->verdict_errors },
	};
	json_t *o = json_pack("{s:b}", "on", true);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		json_object_set_new(o, f[i].name, json_integer((json_int_t)f[i].v));
	return o;
}
