/* Session sync, the peer's records (sess.h): entries written into our kernel with hold timeouts,
 * bulk transfers (which ranges they cover, which keys they brought, for the sweep that follows),
 * and the control records (bulk requests, digests and their results). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "data.h"
#include "hrpd.h"
#include "log.h"
#include "mirror.h"
#include "sess.h"
#include "sess_int.h"
#include "sess_mirror.h"
#include "sess_exp.h"
#include "sess_expect.h"

void hrpd_sess_apply_entry(struct hrpd_sess *ss, const struct hs_sess *s)
{
	enum hs_sess_verdict v = hs_sess_classify(&ss->pol, s);
	if (v != HS_SESS_SYNC) {
		ss->st.rx_skipped++;
		return;
	}
	hrpd_sess_check_touch(ss, s);
	if (hrpd_mirror_conflict(ss, s))
		return; /* ours stays: a conflict we win, or an older entry's destroy */
	if (ss->tomb.slots && !ss->rx_bulk) { /* we buried destroys: both are sources */
		uint64_t key = hs_sess_key_hash(s);
		if (s->op == HS_SESS_NEW) {
			hs_tomb_clear(&ss->tomb, key);
		} else if (s->op == HS_SESS_UPDATE && hs_tomb_recent(&ss->tomb, key, hs_now_ms())) {
			/* Sent before the peer had our destroy: created again, it would be a
			 * stale entry that a new connection of the tuple runs into. */
			ss->st.updates_after_destroy++;
			return;
		}
	}
	if (ss->rx_bulk && !ss->rx_keys_short && s->op != HS_SESS_DESTROY &&
	    (ss->rx_ranges >> hs_sess_range(s) & 1) &&
	    hs_sess_keyset_add(&ss->rx_keys, hs_sess_key_hash(s)) < 0) {
		/* The bulk goes on (its entries are written, it still makes us synced); only the
		 * sweep of what it did not bring is off. */
		ss->rx_keys_short = true;
		ss->st.sweeps_skipped++;
		hs_warn(HRPD_SESS_PREFIX, "no memory for the bulk's %zu keys: no sweep after it",
			ss->rx_keys.n + 1);
	}
	/* An entry that comes in real time after a bulk ended, before its sweep has read our
	 * table, is no stale one: the sweep must keep it. */
	bool sweeping = ss->sweep_wanted || ss->dump == HS_SESS_DUMP_SWEEP;
	if (sweeping && s->op != HS_SESS_DESTROY && (ss->sweep_ranges >> hs_sess_range(s) & 1) &&
	    hs_sess_keyset_add(&ss->sweep_keys, hs_sess_key_hash(s)) < 0) {
		ss->sweep_ranges = 0; /* no memory for the keys: the sweep removes nothing */
		ss->st.sweeps_skipped++;
		hs_warn(HRPD_SESS_PREFIX, "no memory for the sweep's keys: no sweep this time");
	}
	/* A bulk to a joining box mostly brings what it lacks: create first. A bulk to a table
	 * that already holds sessions (a resync after lost records or a peer gone for a moment, a
	 * range repair) mostly finds them there: an update first, as the source sent it. Each
	 * wrong guess costs a second request, and a million of them were the standby's largest
	 * cost in a resync at 1M sessions (the kernel's lookups: bench/session_scale.py). */
	/* Loaded when session sync started; here only if entries come while it is off. */
	if ((s->has & HS_SESS_HAS_LABELS) && ss->labels.state == HRPD_LABELS_UNNEEDED)
		hrpd_sess_labels_room(ss);
	struct hs_sess c = *s;
	if (ss->rx_bulk && c.op == HS_SESS_UPDATE && !ss->rx_bulk_update_first)
		c.op = HS_SESS_NEW;
	/* With two sources (mirror session) a new connection of the peer's replaces an older
	 * entry of its tuple here: updating would keep the old one's bits (seen-reply, assured:
	 * the kernel lets them only be set) and its closed state. */
	bool fresh = ss->mirror && !ss->rx_bulk && s->op == HS_SESS_NEW;
	if (hrpd_ct_apply(ss->ct, &c, hs_sess_hold_timeout(&ss->pol, s), ss->tcp_window, fresh) ==
	    0)
		ss->st.entries_applied++;
}

int hrpd_sess_request_bulk(struct hrpd_sess *ss, uint64_t ranges)
{
	struct hs_sess_ctl c = { .kind = HS_SESS_CTL_BULK_REQUEST, .ranges = ranges };
	int r = hrpd_sess_control_put(ss, &c, 0);
	if (r == 0) {
		ss->requested_ms = hs_now_ms();
		ss->st.bulk_requests_sent++;
		if (ranges == HS_SESS_RANGES_ALL)
			hs_info(HRPD_SESS_PREFIX, "asked the peer for its session table");
		else
			hs_info(HRPD_SESS_PREFIX, "asked the peer for ranges 0x%016" PRIx64, ranges);
	}
	return r;
}

static void bulk_begin(struct hrpd_sess *ss, uint64_t ranges)
{
	/* A sweep of the last bulk would remove what this one brings: the new one sweeps. */
	ss->sweep_wanted = false;
	ss->sweep_ranges = 0;
	ss->rx_bulk = true;
	ss->rx_ranges = ranges;
	hs_sess_dirty_covered(&ss->dirty, ranges); /* rewritten from here on */
	ss->rx_bulk_entries = 0;
	ss->rx_bulk_started_ms = hs_now_ms();
	ss->rx_bulk_update_first = hrpd_ct_count() > HRPD_SESS_UPDATE_FIRST_MIN;
	ss->rx_keys_short = false;
	hs_sess_keyset_clear(&ss->rx_keys);
}

void hrpd_sess_bulk_abandon(struct hrpd_sess *ss, const char *why)
{
	if (!ss->rx_bulk)
		return;
	ss->rx_bulk = false;
	ss->rx_ranges = 0;
	hs_sess_keyset_free(&ss->rx_keys);
	ss->st.bulks_abandoned++;
	ss->st.bulk_entries_received += ss->rx_bulk_entries;
	hs_warn(HRPD_SESS_PREFIX,
		"the peer's bulk transfer stopped after %" PRIu64 " sessions (%s): no sweep; the "
		"table is asked for again if it is still due",
		ss->rx_bulk_entries, why);
}

static void bulk_end(struct hrpd_sess *ss)
{
	ss->rx_bulk = false;
	ss->st.bulks_received++;
	ss->st.bulk_entries_received += ss->rx_bulk_entries;
	ss->last_bulk_ms = hs_now_ms() - ss->rx_bulk_started_ms;
	bool all = ss->rx_ranges == HS_SESS_RANGES_ALL;
	hs_notice(HRPD_SESS_PREFIX, "bulk transfer from the peer%s: %" PRIu64 " sessions in %" PRIu64
		  " ms%s", all ? "" : " (ranges)", ss->rx_bulk_entries, ss->last_bulk_ms,
		  ss->rx_bulk_update_first ? " (updates first: our table held sessions)" : "");
	if (all) {
		ss->missed_sync = false; /* the peer's table is here again */
		ss->synced = true;
		ss->synced_epoch = ss->h->peer.incarnation;
	}
	/* What the peer did not send in these ranges is stale here: swept, unless we forward
	 * flows of our own (load-sharing), which the peer may not have yet. */
	if (ss->rx_ranges && !ss->local_active && !ss->rx_keys_short) {
		struct hs_sess_keyset k = ss->sweep_keys;
		ss->sweep_keys = ss->rx_keys;
		ss->rx_keys = k; /* the last sweep's */
		ss->sweep_wanted = true;
		ss->sweep_ranges = ss->rx_ranges;
	}
	hs_sess_keyset_free(&ss->rx_keys); /* unused until the next bulk, which starts small */
	hrpd_sess_update(ss->h);
}

/* A record of the bulk transfers and consistency checks (lib/sess_control.h): NULL, or why it is
 * dropped. */
static const char *check_record(struct hrpd_sess *ss, uint32_t flags, const uint8_t *rec,
				size_t len)
{
	struct hs_sess_ctl c;
	enum hs_sess_ctl_err e = hs_sess_ctl_decode(rec, len, &c);
	if (e != HS_SESS_CTL_OK)
		return hs_sess_ctl_err_name(e);
	switch (c.kind) {
	case HS_SESS_CTL_BULK_REQUEST:
		ss->st.bulk_requests_received++;
		ss->bulk_wanted = true;
		ss->bulk_wanted_ranges |= c.ranges;
		hrpd_sess_kick(ss);
		break;
	case HS_SESS_CTL_RANGES:
		if (!(flags & HRP_DATA_F_BULK_BEGIN))
			return "ranges outside a bulk's first record";
		if (!c.ranges) {
			/* The source dropped its bulk (a record of it refused, or it stopped
			 * being a source): what came stays, nothing is swept. */
			hrpd_sess_bulk_abandon(ss, "the peer dropped it");
			hrpd_sess_kick(ss);
			break;
		}
		bulk_begin(ss, c.ranges);
		if (flags & HRP_DATA_F_BULK_END)
			bulk_end(ss);
		break;
	case HS_SESS_CTL_DIGEST: hrpd_sess_rx_digest(ss, &c); break;
	case HS_SESS_CTL_DIGEST_RESULT: hrpd_sess_rx_digest_result(ss, &c); break;
	case HS_SESS_CTL_DIGEST_PART: hrpd_sess_rx_digest_part(ss, &c); break;
	}
	return NULL;
}

/* Any record that is not a session record: NULL, or why it is dropped. The mirror's and the
 * helpers' decoders count their own bad records. */
static const char *control_record(struct hrpd_sess *ss, uint32_t flags, const uint8_t *rec,
				  size_t len)
{
	switch (rec[0]) {
	case HS_MIRROR_REC_NEW: hrpd_mirror_rx_new(ss, rec, len); return NULL;
	case HS_MIRROR_REC_ACK: hrpd_mirror_rx_ack(ss, rec, len); return NULL;
	case HS_SESS_REC_HELPER: hrpd_sess_expect_rx_helper(ss, rec, len); return NULL;
	case HS_SESS_REC_EXPECT: hrpd_sess_expect_rx(ss, rec, len); return NULL;
	case HS_SESS_CTL_LOCAL_ADDRS: return hrpd_sess_rx_peer_local(ss, rec, len);
	default: return check_record(ss, flags, rec, len);
	}
}

static void deliver(void *arg, unsigned channel, uint32_t seq, uint32_t flags, const uint8_t *rec,
		    size_t len)
{
	struct hrpd_sess *ss = arg;
	(void)channel;
	(void)seq;
	ss->st.records_received++;
	ss->st.bytes_received += len;
	if (len && rec[0] != HS_SESS_WIRE_VERSION) {
		/* What came before is in the kernel first: a digest compares our table as of
		 * this point, a bulk's ranges and a mirror's acknowledgement count on it. */
		hrpd_ct_flush(ss->ct);
		const char *why = control_record(ss, flags, rec, len);
		if (why) {
			ss->st.control_bad++;
			hs_warn(HRPD_SESS_PREFIX, "a session control record of the peer is bad "
						  "(kind 0x%02x, %zu bytes: %s): dropped",
				rec[0], len, why);
		}
		return;
	}
	if (flags & HRP_DATA_F_BULK_BEGIN) /* a bulk of every range, from an older sender */
		bulk_begin(ss, HS_SESS_RANGES_ALL);
	size_t off = 0;
	enum hs_sess_err e = hs_sess_record_check(rec, len, &off);
	struct hs_sess s;
	unsigned n = 0;
	while (e == HS_SESS_OK && (e = hs_sess_decode(rec, len, &off, &s)) == HS_SESS_OK) {
		if (!hrpd_mirror_peer_echo(ss, &s))
			hrpd_sess_apply_entry(ss, &s);
		n++;
	}
	/* The requests leave when the batch is full or at the end of the data channel's turn
	 * (delivered): one sendto for many small real-time records, not one each. */
	ss->st.entries_received += n;
	if (ss->rx_bulk)
		ss->rx_bulk_entries += n;
	if (e != HS_SESS_END) {
		ss->st.decode_errors[e < HS_SESS_ERR_MAX ? e : 0]++;
		hs_warn(HRPD_SESS_PREFIX, "a session record of the peer is bad (%s) after %u entries",
			hs_sess_err_name(e), n);
	}
	if ((flags & HRP_DATA_F_BULK_END) && ss->rx_bulk) {
		hrpd_ct_flush(ss->ct); /* the sweep that follows reads our table */
		bulk_end(ss);
	}
}

static void delivered(void *arg, unsigned channel)
{
	struct hrpd_sess *ss = arg;
	(void)channel;
	hrpd_ct_flush(ss->ct);
}

static void lost(void *arg, unsigned channel, uint32_t from, uint32_t to)
{
	struct hrpd_sess *ss = arg;
	(void)channel;
	hs_warn(HRPD_SESS_PREFIX, "session records %u-%u of the peer are lost: asking again", from,
		to);
	hrpd_sess_bulk_abandon(ss, "records lost");
	ss->synced = false;
	ss->requested_ms = 0;
	hrpd_sess_update(ss->h);
}

static void room(void *arg, unsigned channel)
{
	struct hrpd_sess *ss = arg;
	(void)channel;
	hrpd_sess_kick(ss);
}

const struct hrpd_data_ops hrpd_sess_data_ops = {
	.deliver = deliver,
	.lost = lost,
	.room = room,
	.delivered = delivered,
};
