/* Session sync (sess.h): who sends, the records out (real time and bulk), the peer's records
 * into the kernel, readiness, and the takeover's timeouts. The kernel side is sess_ct.c; the
 * record format is lib/hrp_session; what is never synced and the timeouts are lib/sess_policy. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "hrpd.h"
#include "issu.h"
#include "issu_send.h"
#include "log.h"
#include "mirror.h"
#include "hrp_wire.h"
#include "sess.h"
#include "sess_ct.h"
#include "sess_expect.h"
#include "hrp_snapshot.h"
#include "sess_int.h"

static void timer_fired(struct hs_timer *t, void *arg);
static void read_protocol_timeouts(struct hrpd_sess *ss);

static bool active_state(uint8_t st)
{
	return st == HRP_VGMP_ACTIVE || st == HRP_VGMP_LOAD_BALANCE;
}

static bool peer_up(const struct hrpd *h)
{
	return h->enabled && h->lv.peer == HRP_LV_PEER_UP && h->have_peer_hello;
}

/* The peer sends its live entries too (load-sharing, or both active for a moment): only then
 * can its update cross our destroy on the wire. An active peer is a source (needs_peer_table). */
static bool peer_source(const struct hrpd *h)
{
	return peer_up(h) && active_state(h->peer_hello.vgmp.state);
}

bool hrpd_sess_remembers_destroys(const struct hrpd_sess *ss, uint64_t now_ms)
{
	return ss->source &&
	       (ss->peer_source ||
		(ss->peer_source_end_ms && now_ms - ss->peer_source_end_ms < HS_TOMB_TTL_MS));
}

/* ---- records out ---- */

/* The event socket is in the conntrack groups as the source, and as an active box without its
 * peer until the first change: that one tells that the peer, if it comes back, needs a check. */
static bool want_events(const struct hrpd_sess *ss)
{
	return ss->source || (ss->on && ss->local_active && !ss->changed_alone);
}

void hrpd_sess_events_follow(struct hrpd_sess *ss)
{
	if (ss->ct)
		hrpd_ct_listen(ss->ct, want_events(ss));
}

/* Our table changed while the peer could not hear of it: when it is back (the same process;
 * a restarted one asks for the table itself), a consistency check finds the ranges that differ
 * and resyncs those alone. */
static void changed_alone(struct hrpd_sess *ss)
{
	ss->changed_alone = true;
	hrpd_sess_events_follow(ss);
}

void hrpd_sess_rec_reset(struct hrpd_sess_rec *r)
{
	r->len = hs_sess_record_begin(r->buf, sizeof(r->buf));
	r->entries = 0;
}

/* Sends the record with flags; false when the channel refused it (it is full: its resync flag
 * is up, and we owe the peer a bulk transfer). */
bool hrpd_sess_rec_send(struct hrpd_sess *ss, struct hrpd_sess_rec *r, uint32_t flags)
{
	if (r->entries == 0 && !flags)
		return true;
	/* Dump entries waiting in the bulk's record were read before these live records were
	 * made: sent after them, an older copy would undo a live destroy or update. */
	if (r == &ss->rt && ss->bulk.entries && ss->bulk_out.ranges)
		hrpd_sess_rec_send(ss, &ss->bulk, 0);
	int e = hrpd_data_send_flags(ss->h, HRP_CHAN_SESSION, r->buf, r->len, flags);
	if (e < 0) {
		ss->st.records_refused++;
		ss->st.entries_refused += r->entries;
		ss->resync_owed = true;
		/* The peer must not sweep after a bulk that lost entries (live ones too). */
		hs_sess_bulk_out_damage(&ss->bulk_out, "a record was refused");
		hrpd_sess_rec_reset(r);
		return false;
	}
	ss->st.records_sent++;
	ss->st.entries_sent += r->entries;
	ss->st.bytes_sent += r->len;
	hrpd_sess_rec_reset(r);
	return true;
}

int hrpd_sess_control_send(struct hrpd_sess *ss, const uint8_t *rec, size_t len, uint32_t flags)
{
	int e = hrpd_data_send_flags(ss->h, HRP_CHAN_SESSION, rec, len, flags);
	if (e < 0) {
		ss->st.records_refused++;
		ss->resync_owed = true;
		hs_sess_bulk_out_damage(&ss->bulk_out, "a record was refused");
		return e;
	}
	ss->st.records_sent++;
	ss->st.bytes_sent += len;
	return 0;
}

int hrpd_sess_control_put(struct hrpd_sess *ss, const struct hs_sess_ctl *c, uint32_t flags)
{
	uint8_t rec[HS_SESS_CTL_LONGEST];
	size_t len = hs_sess_ctl_encode(c, rec, sizeof(rec));
	return len ? hrpd_sess_control_send(ss, rec, len, flags) : -EINVAL;
}

bool hrpd_sess_peer_reads(const struct hrpd_sess *ss, uint16_t feature)
{
	return hrpd_issu_peer_reads(ss->h, HRP_MSG_DATA, feature);
}

const struct hs_sess *hrpd_sess_for_peer(const struct hrpd_sess *ss, const struct hs_sess *s,
					 struct hs_sess *room)
{
	/* A peer that does not read directional zones would refuse the entry and the rest of its
	 * record: it gets the entry as before them, in zone 0. */
	if (!(s->zone_dir[0] || s->zone_dir[1]) || hrpd_sess_peer_reads(ss, HRP_FEAT_SESS_DIR_ZONE))
		return s;
	*room = *s;
	hs_sess_strip_dir_zone(room);
	return room;
}

static void rec_add(struct hrpd_sess *ss, struct hrpd_sess_rec *r, const struct hs_sess *e,
		    uint32_t flush_flags)
{
	struct hs_sess plain;
	const struct hs_sess *s = hrpd_sess_for_peer(ss, e, &plain);
	if (s == &plain)
		ss->st.dir_zones_stripped++;
	hrpd_sess_check_touch(ss, s);
	/* An entry with a conntrack helper goes in a helper record (session_sync_expectations). */
	if (s->helper[0] && hrpd_sess_expect_helper_entry(ss, r, s))
		return;
	size_t n = hs_sess_encode(s, r->buf + r->len, sizeof(r->buf) - r->len);
	if (!n) {
		hrpd_sess_rec_send(ss, r, flush_flags);
		n = hs_sess_encode(s, r->buf + r->len, sizeof(r->buf) - r->len);
	}
	if (!n) {
		ss->st.encode_errors++;
		return;
	}
	r->len += n;
	r->entries++;
}

static void on_events_done(void *arg);
static void local_change(struct hrpd_sess *ss, const struct hs_sess *s);

/* A kernel event (not our own write). */
static void on_event(void *arg, const struct hs_sess *s)
{
	struct hrpd_sess *ss = arg;
	ss->st.events[s->op < 3 ? s->op : 0]++;
	local_change(ss, s);
}

/* What our kernel changed (an event, or an entry read again) goes to the peer. */
static void local_change(struct hrpd_sess *ss, const struct hs_sess *s)
{
	if (!ss->source) {
		ss->st.events_not_source++;
		if (ss->on && ss->local_active && !ss->changed_alone) {
			/* Active without the peer (declared dead, or not seen yet). */
			ss->st.events_alone++;
			changed_alone(ss);
		}
		return;
	}
	hrpd_sess_local_refresh(ss, false);
	enum hs_sess_verdict v = hs_sess_classify(&ss->pol, s);
	struct hs_sess gone;
	if (v == HS_SESS_SKIP_STATE && s->op == HS_SESS_UPDATE) {
		/* It left the synced states: the peer's copy, if it has one, goes. */
		ss->st.skipped[v]++;
		gone = *s;
		gone.op = HS_SESS_DESTROY;
		s = &gone;
	} else if (v != HS_SESS_SYNC) {
		ss->st.skipped[v]++;
		return;
	}
	if (s->op == HS_SESS_NEW && ss->tomb.slots)
		hs_tomb_clear(&ss->tomb, hs_sess_key_hash(s));
	/* The bulk's dump leaves it out from now on: what it read may be older. */
	hs_sess_bulk_out_live(&ss->bulk_out, s);
	if (hrpd_mirror_echo(ss, s))
		return; /* (an old entry's destroy read after its tuple's new flow was held too) */
	/* A peer's update that crosses this destroy must not bring the entry back here. A standby
	 * peer sends none: no stone (a hash and a slot write a destroy) in active/standby. */
	if (s->op == HS_SESS_DESTROY) {
		uint64_t now = hs_now_ms();
		if (hrpd_sess_remembers_destroys(ss, now))
			hs_tomb_bury(&ss->tomb, hs_sess_key_hash(s), now);
	}
	rec_add(ss, &ss->rt, s, 0);
}

/* The record goes out as soon as this turn's burst of events is read (sess_ct reads a bounded
 * burst per turn). Sent from here rather than from a timer at 0 ms: re-arming a timer every
 * turn cost two timerfd_settime() calls, a tenth of a source's time at 60k events/s. */
void hrpd_sess_reread(struct hrpd_sess *ss, const struct hs_sess *key)
{
	struct hs_sess s;
	if (!ss->source || !ss->ct)
		return;
	int r = hrpd_ct_read(ss->ct, key, &s);
	if (r < 0) {
		/* Gone meanwhile (-ENOENT): its destroy event follows. Anything else is said. */
		ss->st.rereads_failed++;
		uint64_t now = hs_now_ms();
		if (r != -ENOENT && now - ss->last_reread_warn_ms >= 1000) {
			ss->last_reread_warn_ms = now;
			hs_warn(HRPD_SESS_PREFIX, "reading an entry again for the peer failed: %s",
				strerror(-r));
		}
		return;
	}
	ss->st.rereads++;
	local_change(ss, &s);
	on_events_done(ss);
}

static void on_events_done(void *arg)
{
	struct hrpd_sess *ss = arg;
	hrpd_sess_rec_send(ss, &ss->rt, 0);
	hrpd_sess_kick(ss);
}

static void on_overrun(void *arg)
{
	struct hrpd_sess *ss = arg;
	if (!ss->source)
		return;
	hs_warn(HRPD_SESS_PREFIX,
		"conntrack events lost (the event socket overran): the peer gets the table again");
	ss->resync_owed = true;
	hrpd_sess_kick(ss);
}

/* ---- bulk out: a dump of our table ---- */

/* The session channel holds more than 1/part of its limit. */
static bool channel_fill(const struct hrpd_sess *ss, size_t part)
{
	size_t limit;
	size_t held = hrpd_data_held(ss->h, HRP_CHAN_SESSION, &limit);
	return held > limit / part;
}

static void bulk_entry(struct hrpd_sess *ss, const struct hs_sess *s)
{
	enum hs_sess_verdict v = hs_sess_classify(&ss->pol, s);
	if (v != HS_SESS_SYNC) {
		ss->st.skipped[v]++;
		return;
	}
	if (!hs_sess_bulk_out_take(&ss->bulk_out, s))
		return; /* another range, sent live since the bulk opened, or a damaged bulk */
	rec_add(ss, &ss->bulk, s, 0);
	ss->bulk_entries++;
}

static void takeover_entry(struct hrpd_sess *ss, const struct hs_sess *s)
{
	uint32_t t = hs_sess_takeover_timeout(&ss->pol, s);
	bool liberal = hs_sess_takeover_liberal(ss->takeover_liberal, s);
	if ((t || liberal) && hrpd_ct_takeover(ss->ct, s, t, liberal) == 0) {
		ss->st.timeouts_reset += t != 0;
		ss->st.made_liberal += liberal;
	}
}

static void on_dump_entry(void *arg, const struct hs_sess *s)
{
	struct hrpd_sess *ss = arg;
	switch (ss->dump) {
	case HS_SESS_DUMP_BULK: bulk_entry(ss, s); break;
	case HS_SESS_DUMP_TAKEOVER: takeover_entry(ss, s); break;
	case HS_SESS_DUMP_DIGEST: hrpd_sess_digest_entry(ss, s); break;
	case HS_SESS_DUMP_SWEEP: hrpd_sess_sweep_entry(ss, s); break;
	default: break;
	}
	/* Back-pressure: a bulk never fills the channel; it waits while half is held. */
	if (ss->dump == HS_SESS_DUMP_BULK && channel_fill(ss, 2)) {
		hrpd_ct_dump_pause(ss->ct, true);
		ss->paused = true;
		hs_timer_arm_in(&ss->timer, HRPD_SESS_PAUSE_POLL_MS);
	}
}

/* A bulk that cannot end as complete ends as a transfer of no range (a ranges record of 0, first
 * and last record at once): the peer sweeps nothing and its partial bulk is over. An older hrpd
 * takes it for an empty range transfer, which sweeps nothing either. */
static void bulk_drop(struct hrpd_sess *ss, const char *why, bool again)
{
	uint64_t entries = ss->bulk_entries;
	hrpd_sess_rec_reset(&ss->bulk);
	hs_sess_bulk_out_close(&ss->bulk_out);
	struct hs_sess_ctl c = { .kind = HS_SESS_CTL_RANGES, .ranges = 0 };
	hrpd_sess_control_put(ss, &c, HRP_DATA_F_BULK_BEGIN | HRP_DATA_F_BULK_END);
	ss->st.bulks_failed++;
	again = again && ss->source; /* a source no more: nobody asks it for a table */
	/* once more, from the start, after a pause */
	if (again) {
		unsigned k = ss->bulks_dropped_in_row < 6 ? ss->bulks_dropped_in_row : 6;
		uint64_t pause = (uint64_t)HRPD_SESS_BULK_PAUSE_MS << k;
		if (pause > HRPD_SESS_BULK_PAUSE_MAX)
			pause = HRPD_SESS_BULK_PAUSE_MAX;
		ss->bulks_dropped_in_row++;
		ss->bulk_not_before_ms = hs_now_ms() + pause;
		ss->bulk_wanted = true;
		ss->bulk_wanted_ranges |= ss->bulk_ranges;
	}
	hs_warn(HRPD_SESS_PREFIX,
		"bulk transfer to the peer dropped after %" PRIu64
		" sessions (%s): the peer sweeps nothing%s",
		entries, why, again ? "; again" : "");
}

static void bulk_done(struct hrpd_sess *ss, bool ok, uint64_t ms)
{
	const char *damaged = ok ? ss->bulk_out.damaged : "the table dump failed";
	if (damaged) {
		bulk_drop(ss, damaged, true);
		return;
	}
	if (!hrpd_sess_rec_send(ss, &ss->bulk, HRP_DATA_F_BULK_END)) {
		bulk_drop(ss, "the channel refused its last record", true);
		return;
	}
	hs_sess_bulk_out_close(&ss->bulk_out);
	ss->bulks_dropped_in_row = 0;
	hrpd_sess_expect_bulk(ss); /* after their masters (off: nothing) */
	ss->st.bulks_sent++;
	ss->st.bulk_entries_sent += ss->bulk_entries;
	hs_notice(HRPD_SESS_PREFIX,
		  "bulk transfer to the peer: %" PRIu64 " sessions in %" PRIu64 " ms",
		  ss->bulk_entries, ms);
	if (!ss->resync_owed)
		hrpd_data_resync_done(ss->h, HRP_CHAN_SESSION);
}

static void on_dump_done(void *arg, bool ok)
{
	struct hrpd_sess *ss = arg;
	enum hs_sess_dump what = ss->dump;
	ss->dump = HS_SESS_DUMP_NONE;
	ss->paused = false;
	uint64_t ms = hs_now_ms() - ss->dump_started_ms;
	if (what == HS_SESS_DUMP_TAKEOVER) {
		hrpd_ct_flush(ss->ct);
		hs_info(HRPD_SESS_PREFIX,
			"takeover: %" PRIu64 " held timeouts reset, %" PRIu64
			" TCP entries made liberal (missed sync), in %" PRIu64 " ms",
			ss->st.timeouts_reset - ss->reset_before,
			ss->st.made_liberal - ss->liberal_before, ms);
		ss->takeover_liberal = false;
	} else if (what == HS_SESS_DUMP_DIGEST) {
		hrpd_sess_digest_done(ss, ok);
	} else if (what == HS_SESS_DUMP_SWEEP) {
		hrpd_sess_sweep_done(ss, ok);
	} else if (what == HS_SESS_DUMP_BULK) {
		bulk_done(ss, ok, ms);
	}
	hrpd_sess_kick(ss);
}

/* A bulk opens with the ranges it covers (the receiver sweeps them afterwards), in order after
 * every real-time record queued so far. */
static bool bulk_open(struct hrpd_sess *ss)
{
	if (ss->resync_owed || hrpd_data_needs_resync(ss->h, HRP_CHAN_SESSION))
		ss->bulk_wanted_ranges = HS_SESS_RANGES_ALL;
	ss->bulk_ranges = ss->bulk_wanted_ranges ? ss->bulk_wanted_ranges : HS_SESS_RANGES_ALL;
	struct hs_sess_ctl c = { .kind = HS_SESS_CTL_RANGES, .ranges = ss->bulk_ranges };
	hrpd_sess_rec_send(ss, &ss->rt, 0);
	if (hrpd_sess_control_put(ss, &c, HRP_DATA_F_BULK_BEGIN) < 0)
		return false;
	hs_sess_bulk_out_open(&ss->bulk_out, ss->bulk_ranges);
	ss->bulk_wanted = false;
	ss->bulk_wanted_ranges = 0;
	ss->resync_owed = false;
	ss->bulk_entries = 0;
	hrpd_sess_rec_reset(&ss->bulk);
	return true;
}

void hrpd_sess_start_dump(struct hrpd_sess *ss, enum hs_sess_dump what)
{
	hrpd_sess_local_refresh(ss, true);
	if (what == HS_SESS_DUMP_BULK && channel_fill(ss, 2))
		return; /* the room callback or the poll brings us back */
	if (hrpd_ct_dump_start(ss->ct) < 0)
		return;
	ss->dump = what;
	ss->dump_started_ms = hs_now_ms();
	switch (what) {
	case HS_SESS_DUMP_BULK:
		if (!bulk_open(ss)) {
			ss->dump = HS_SESS_DUMP_NONE; /* the dump's entries are ignored */
			ss->bulk_wanted = true;
		}
		break;
	case HS_SESS_DUMP_TAKEOVER:
		ss->takeover_wanted = false;
		read_protocol_timeouts(ss);
		ss->reset_before = ss->st.timeouts_reset;
		ss->liberal_before = ss->st.made_liberal;
		break;
	case HS_SESS_DUMP_DIGEST:
		ss->digest_responding = ss->respond_wanted;
		if (ss->respond_wanted)
			ss->respond_wanted = false;
		else
			ss->digest_wanted = false;
		hrpd_sess_check_dump_start(ss);
		break;
	case HS_SESS_DUMP_SWEEP: ss->sweep_wanted = false; break;
	default: break;
	}
}


static void apply_error(void *arg, enum hrpd_ct_apply_err e, int err)
{
	struct hrpd_sess *ss = arg;
	/* NOENT on a delete: the entry timed out here first. The rest is worth a line. */
	if (e == HRPD_CT_ERR_NOENT)
		return;
	if (e == HRPD_CT_ERR_LABELS) {
		hrpd_sess_labels_lost(ss);
		return;
	}
	uint64_t now = hs_now_ms();
	if (now - ss->last_apply_warn_ms >= 1000) {
		ss->last_apply_warn_ms = now;
		hs_warn(HRPD_SESS_PREFIX, "the kernel refused a session of the peer: %s (%s)",
			strerror(err), hrpd_ct_err_name(e));
	}
}

/* Writes of ours whose outcome is unknown (sess_ct.h): the ranges they touched may differ from
 * the peer's table, and are asked for again (hrpd_sess_kick). A box that is the only source
 * has no one to ask: its writes were its own (the takeover's timeouts). */
static void on_writes_lost(void *arg, uint64_t ranges, int err)
{
	struct hrpd_sess *ss = arg;
	bool unrepaired = ss->local_active && !peer_source(ss->h);
	ss->st.lost_writes++;
	if (unrepaired)
		ss->st.lost_writes_unrepaired++;
	else
		hs_sess_dirty_mark(&ss->dirty, ranges);
	uint64_t now = hs_now_ms();
	if (now - ss->last_lost_warn_ms >= 1000) {
		ss->last_lost_warn_ms = now;
		hs_warn(HRPD_SESS_PREFIX,
			"the outcome of writes into our conntrack table is unknown (%s): %d ranges "
			"%s",
			err == ENOBUFS ? "their answers were lost" : strerror(err),
			__builtin_popcountll(ranges),
			unrepaired ? "may differ (no peer sends them)"
				   : "are asked of the peer again");
	}
	/* Not from here: the writes may be flushed in the middle of a dump's or a record's work. */
	if (!unrepaired)
		hs_timer_arm_in(&ss->timer, 0);
}

static const struct hrpd_ct_ops ct_ops = {
	.event = on_event,
	.events_done = on_events_done,
	.overrun = on_overrun,
	.dump_entry = on_dump_entry,
	.dump_done = on_dump_done,
	.apply_error = apply_error,
	.writes_lost = on_writes_lost,
};

/* ---- what to do now ---- */

static bool needs_peer_table(const struct hrpd_sess *ss)
{
	const struct hrpd *h = ss->h;
	if (!ss->on || !peer_up(h) || !active_state(h->peer_hello.vgmp.state))
		return false;
	bool sharing = h->local.state == HRP_VGMP_LOAD_BALANCE;
	if (active_state(h->local.state) && !sharing)
		return false; /* the standby holds nothing of its own */
	return !(ss->synced && ss->synced_epoch == h->peer.incarnation);
}

static struct hs_sess_dump_wants dump_wants(const struct hrpd_sess *ss, uint64_t now)
{
	return (struct hs_sess_dump_wants){
		.takeover = ss->takeover_wanted,
		.sweep = ss->sweep_wanted,
		.bulk = ss->source && now >= ss->bulk_not_before_ms &&
			(ss->bulk_wanted || ss->resync_owed ||
			 hrpd_data_needs_resync(ss->h, HRP_CHAN_SESSION)),
		/* a check of ours waits while the last one settles */
		.digest = ss->respond_wanted || (ss->digest_wanted && ss->source && !ss->settling),
	};
}

/* Stops the running dump. False when the kernel's walk could not be stopped: it runs on. */
static bool dump_stop(struct hrpd_sess *ss)
{
	if (hrpd_ct_dump_cancel(ss->ct) < 0)
		return false;
	if (ss->dump == HS_SESS_DUMP_SWEEP)
		hrpd_ct_flush(ss->ct); /* the deletes so far */
	ss->dump = HS_SESS_DUMP_NONE;
	ss->paused = false;
	return true;
}

/* A check or a sweep stops for a more urgent dump (lib/sess_dumps.h) and runs again after it:
 * at a million entries it would hold a takeover or a joining box's bulk for seconds. */
static void dump_yield(struct hrpd_sess *ss, enum hs_sess_dump next, uint64_t now)
{
	enum hs_sess_dump running = ss->dump;
	if (!hs_sess_dump_yields(running, next) || !dump_stop(ss))
		return;
	if (running == HS_SESS_DUMP_SWEEP)
		ss->sweep_wanted = true;
	else if (ss->digest_responding)
		ss->respond_wanted = true;
	else
		ss->digest_wanted = true;
	ss->digest_responding = false;
	hs_info(HRPD_SESS_PREFIX,
		"the %s's dump stopped after %" PRIu64 " ms for a %s: it runs again after",
		hs_sess_dump_name(running), now - ss->dump_started_ms, hs_sess_dump_name(next));
}

/* Ranges whose writes into our kernel were lost (sess_dirty.h) go to the peer again as a range
 * transfer: after a bulk that is due or arriving and its sweep. Returns when to look again, or
 * 0. */
static uint64_t lost_writes_ask(struct hrpd_sess *ss, uint64_t now)
{
	bool peer_sends = ss->on && peer_source(ss->h) && !hrpd_data_plan_held(ss->h);
	if (ss->local_active && !peer_source(ss->h)) {
		if (hs_sess_dirty_forget(&ss->dirty)) /* our table counts now */
			ss->st.lost_writes_unrepaired++;
		return 0;
	}
	struct hs_sess_dirty_now n = {
		.now_ms = now,
		.hold_ms = HRPD_SESS_LOST_HOLD_MS,
		.peer_source = peer_sends,
		.receiving = ss->rx_bulk || ss->sweep_wanted || ss->dump == HS_SESS_DUMP_SWEEP ||
			     needs_peer_table(ss),
	};
	uint64_t again;
	uint64_t due = hs_sess_dirty_due(&ss->dirty, &n, &again);
	if (due && hrpd_sess_request_bulk(ss, due) == 0) {
		hs_sess_dirty_asked(&ss->dirty, due, now);
		ss->st.lost_writes_resyncs++;
		ss->st.lost_writes_ranges += (uint64_t)__builtin_popcountll(due);
	}
	return again;
}

void hrpd_sess_kick(struct hrpd_sess *ss)
{
	if (!ss->ct)
		return;
	hrpd_sess_tell_local(ss, peer_up(ss->h));
	uint64_t now = hs_now_ms();
	struct hs_sess_dump_wants wants = dump_wants(ss, now);
	enum hs_sess_dump urgent = hs_sess_dump_next(&wants);
	dump_yield(ss, urgent, now);
	/* One dump at a time, the most urgent first. */
	if (urgent != HS_SESS_DUMP_NONE && ss->dump == HS_SESS_DUMP_NONE &&
	    !hrpd_ct_dump_running(ss->ct))
		hrpd_sess_start_dump(ss, urgent);
	bool bulk_due = ss->dump == HS_SESS_DUMP_NONE && ss->source &&
			now >= ss->bulk_not_before_ms && (ss->bulk_wanted || ss->resync_owed) &&
			channel_fill(ss, 2);
	if (ss->paused && !channel_fill(ss, 4)) {
		ss->paused = false;
		hrpd_ct_dump_pause(ss->ct, false);
	}
	uint64_t next = 0;
	if (ss->paused || bulk_due)
		next = now + HRPD_SESS_PAUSE_POLL_MS;
	if (ss->source && ss->bulk_wanted && now < ss->bulk_not_before_ms &&
	    (!next || ss->bulk_not_before_ms < next))
		next = ss->bulk_not_before_ms; /* a dropped bulk's pause */
	/* A standby that needs the table stays not ready while the channel is held (its vgmpd does
	 * not preempt onto it), and asks for the table once the channel is back. */
	if (needs_peer_table(ss) && !ss->rx_bulk && !hrpd_data_plan_held(ss->h)) {
		if (!ss->requested_ms || now - ss->requested_ms >= HRPD_SESS_REQUEST_RETRY_MS)
			hrpd_sess_request_bulk(ss, HS_SESS_RANGES_ALL);
		uint64_t again = ss->requested_ms + HRPD_SESS_REQUEST_RETRY_MS;
		if (!next || again < next)
			next = again;
	}
	uint64_t lost_again = lost_writes_ask(ss, now);
	if (lost_again && (!next || lost_again < next))
		next = lost_again;
	if (next)
		hs_timer_arm_at(&ss->timer, next);
	else
		hs_timer_cancel(&ss->timer);
}

static void timer_fired(struct hs_timer *t, void *arg)
{
	(void)t;
	hrpd_sess_kick(arg);
}

static void publish_ready(struct hrpd_sess *ss)
{
	json_t *ev = json_pack("{s:b, s:b}", "ready", ss->ready, "synced", ss->synced);
	hrpd_publish(ss->h, "session-ready", ev);
	json_decref(ev);
}

void hrpd_sess_configure(struct hrpd *h, const struct hs_hrpd_config *c)
{
	struct hrpd_sess *ss = h->sess;
	if (!ss)
		return;
	ss->auto_sync = c->auto_sync_sessions;
	if (ss->mirror && (ss->mirror_hold_ms != (uint32_t)c->mirror_hold_ms ||
			   ss->mirror_queue != (uint16_t)c->mirror_queue))
		hrpd_mirror_update(ss, false); /* hrpd_sess_update() starts it again, changed */
	ss->mirror_session = c->mirror_session;
	ss->mirror_hold_ms = (uint32_t)c->mirror_hold_ms;
	ss->mirror_queue = (uint16_t)c->mirror_queue;
	ss->pol.hrp_port = (uint16_t)c->port;
	ss->pol.hold_timeout_s = (uint32_t)c->session_hold_timeout;
	ss->tcp_window = c->session_window_tracking;
	ss->labels.wanted = c->session_labels_room;
	hrpd_sess_expect_configure(ss, c->session_sync_expectations);
	/* Checked by the config loader: nothing here can fail. */
	const char *names[HS_CFG_LIST_MAX], *why;
	for (size_t i = 0; i < c->session_protocols.count; i++)
		names[i] = c->session_protocols.item[i];
	hs_sess_policy_protocols(&ss->pol, names, c->session_protocols.count, &why);
	for (size_t i = 0; i < c->session_tcp_states.count; i++)
		names[i] = c->session_tcp_states.item[i];
	hs_sess_policy_tcp_states(&ss->pol, names, c->session_tcp_states.count, &why);
	ss->pol.n_exclude = 0;
	for (size_t i = 0; i < c->session_exclude.count && i < HS_SESS_EXCLUDE_MAX; i++)
		if (hs_sess_prefix_parse(c->session_exclude.item[i],
					 &ss->pol.exclude[ss->pol.n_exclude], &why) == 0)
			ss->pol.n_exclude++;
	uint32_t ms = (uint32_t)c->session_check_interval * 1000u;
	if (ms != ss->check_interval_ms) {
		ss->check_interval_ms = ms;
		hrpd_sess_check_arm(ss);
	}
}

/* A restarted peer asks for our whole table itself: no check is due for it. */
void hrpd_sess_peer_restarted(struct hrpd *h)
{
	struct hrpd_sess *ss = h->sess;
	if (!ss)
		return;
	ss->changed_alone = false;
	hrpd_sess_bulk_abandon(ss, "the peer restarted");
	hrpd_sess_events_follow(ss);
}

/* Readiness (vgmpd's preemption input) follows whether the active peer's table is still due. */
static void follow_ready(struct hrpd_sess *ss)
{
	bool ready = !needs_peer_table(ss);
	if (ready == ss->ready)
		return;
	ss->ready = ready;
	hs_notice(HRPD_SESS_PREFIX, "%s",
		  ready ? "ready: the peer's sessions are here (or none are due)"
			: "not ready: waiting for the active peer's session table");
	publish_ready(ss);
}

/* The data channel is held back: a standby of an active peer misses its updates, and its TCP
 * entries go liberal if it takes over (doc/issu.md). */
static void note_missed_sync(struct hrpd_sess *ss)
{
	const struct hrpd *h = ss->h;
	if (!ss->on || ss->local_active || !peer_up(h) ||
	    !active_state(h->peer_hello.vgmp.state) || ss->missed_sync)
		return;
	ss->missed_sync = true;
	hs_notice(HRPD_SESS_PREFIX,
		  "the active peer's session updates cannot reach us (the data channel is held "
		  "back): our TCP entries go liberal if we take over");
}

/* At a takeover: the answer to the old source's check, and the sweep after its bulk, were the
 * standby's work. The sweep would remove our new flows' entries, which no bulk brought. */
static void standby_dumps_drop(struct hrpd_sess *ss)
{
	ss->respond_wanted = false;
	bool standby_dump = ss->dump == HS_SESS_DUMP_SWEEP ||
			    (ss->dump == HS_SESS_DUMP_DIGEST && ss->digest_responding);
	if (standby_dump) {
		enum hs_sess_dump running = ss->dump;
		if (!dump_stop(ss))
			return; /* it runs on; a sweep then removes nothing (sess_check.c) */
		ss->digest_responding = false;
		hs_info(HRPD_SESS_PREFIX, "taking over: the %s's dump stopped after %" PRIu64 " ms",
			hs_sess_dump_name(running), hs_now_ms() - ss->dump_started_ms);
	}
	hrpd_sess_sweep_drop(ss);
}

/* A bulk we send stops when we stop being a source: paused for a peer that died, it would wait
 * for channel room that never comes, and hold every other dump (the takeover's) for good. */
static void bulk_stop(struct hrpd_sess *ss)
{
	if (dump_stop(ss)) {
		bulk_drop(ss, "not a sync source now", false);
		return;
	}
	/* The kernel's walk runs on: read to its end, it sends nothing (on_dump_done drops it). */
	hs_sess_bulk_out_damage(&ss->bulk_out, "not a sync source now");
	ss->paused = false;
	hrpd_ct_dump_pause(ss->ct, false);
}

/* A bulk ends with its source's death or its role, not with a moment of silence (the negotiation
 * before a verdict): under load that would start a full bulk again and again. */
static void bulk_source_check(struct hrpd_sess *ss)
{
	const struct hrpd *h = ss->h;
	if (!h->enabled || h->lv.peer == HRP_LV_PEER_DEAD)
		hrpd_sess_bulk_abandon(ss, "the peer is down");
	else if (peer_up(h) && !active_state(h->peer_hello.vgmp.state))
		hrpd_sess_bulk_abandon(ss, "the peer is no source now");
}

void hrpd_sess_update(struct hrpd *h)
{
	struct hrpd_sess *ss = h->sess;
	if (!ss)
		return;
	ss->on = ss->ct && h->enabled && ss->auto_sync;
	if (ss->on)
		hrpd_sess_labels_room(ss); /* once: before any entry of the peer is written */
	bool was_active = ss->local_active;
	ss->local_active = active_state(h->local.state);
	if (ss->local_active && !was_active && ss->ct) {
		/* Held entries get their protocol timeouts back: we forward them now. A table that
		 * missed the peer's updates gets liberal TCP windows too. */
		ss->takeover_wanted = true;
		ss->takeover_liberal = ss->missed_sync;
		ss->missed_sync = false;
		ss->st.takeovers++;
		standby_dumps_drop(ss);
	}
	if (was_active && !ss->local_active) {
		/* Our own entries run on local timeouts and would expire here while the new
		 * active refreshes them: its table, held, replaces them. */
		ss->synced = false;
		ss->requested_ms = 0;
		ss->changed_alone = false; /* the new active's table replaces ours */
	}
	/* Not a source while the send plan holds the data channel back (the peer's version cannot
	 * read our records): nothing is queued, and the peer asks for our table once it can. */
	bool held = hrpd_data_plan_held(h);
	bool source = ss->on && ss->local_active && peer_up(h) && !held;
	if (held)
		note_missed_sync(ss);
	bool peer_sends = peer_source(h);
	if (ss->peer_source && !peer_sends) /* a frozen peer's last records may come after */
		ss->peer_source_end_ms = hs_now_ms();
	bulk_source_check(ss);
	ss->peer_source = peer_sends;
	if (source != ss->source) {
		ss->source = source;
		hs_info(HRPD_SESS_PREFIX, "%s",
			source ? "sync source: sessions go to the peer"
			: held ? "not a sync source: the data channel is " ISSU_DATA_HELD_WHY
			       : "not a sync source");
		if (source && ss->changed_alone) {
			ss->changed_alone = false;
			ss->digest_wanted = true; /* the kick below starts the check */
			ss->alone_checks_left = 2;
			ss->st.checks_after_alone++;
		}
		if (!source) {
			if (ss->dump == HS_SESS_DUMP_BULK)
				bulk_stop(ss);
			if (ss->rt.entries && ss->on && ss->local_active)
				changed_alone(ss); /* what the record held is lost */
			hrpd_sess_rec_reset(&ss->rt);
			ss->bulk_wanted = false;
			ss->bulk_wanted_ranges = 0;
			ss->digest_wanted = false;
		}
		hrpd_sess_check_arm(ss);
	}
	hrpd_sess_events_follow(ss);
	hrpd_sess_expect_update(ss);
	if (!peer_up(h))
		ss->requested_ms = 0;
	/* Load-sharing without the peer: its flows are ours now and the entries it wrote here
	 * still run on hold timeouts. */
	bool peer_was_up = ss->peer_was_up;
	ss->peer_was_up = peer_up(h);
	if (peer_was_up && !ss->peer_was_up && ss->local_active && ss->ct &&
	    h->peer_hello.vgmp.state == HRP_VGMP_LOAD_BALANCE) {
		ss->takeover_wanted = true;
		ss->st.takeovers++;
	}
	/* In place while the pair shares the load (a peer that is down lets packets pass at
	 * once): no rule changes in the middle of a failover. */
	hrpd_mirror_update(ss, ss->on && ss->mirror_session &&
				       h->local.mode == HRP_VGMP_MODE_LOAD_SHARING);
	follow_ready(ss);
	hrpd_sess_kick(ss);
}

bool hrpd_sess_ready(const struct hrpd *h)
{
	return !h->sess || h->sess->ready;
}

/* ---- life ---- */

static uint32_t sysctl_u32(const char *name, uint32_t dflt)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/net/netfilter/%s", name);
	FILE *f = fopen(path, "re");
	unsigned v;
	if (!f)
		return dflt;
	if (fscanf(f, "%u", &v) != 1)
		v = dflt;
	fclose(f);
	return v;
}

/* The timeouts a takeover gives back to held entries, and the established ones the peer's
 * entries are held with: this namespace's, as they are now (the operator may have tuned them
 * since we started). */
static void read_protocol_timeouts(struct hrpd_sess *ss)
{
	ss->pol.udp_timeout_s = sysctl_u32("nf_conntrack_udp_timeout", 30);
	ss->pol.udp_stream_timeout_s = sysctl_u32("nf_conntrack_udp_timeout_stream", 120);
	ss->pol.icmp_timeout_s = sysctl_u32("nf_conntrack_icmp_timeout", 30);
	ss->pol.generic_timeout_s = sysctl_u32("nf_conntrack_generic_timeout", 600);
	ss->pol.tcp_established_s = sysctl_u32("nf_conntrack_tcp_timeout_established", 432000);
	ss->pol.sctp_established_s = sysctl_u32("nf_conntrack_sctp_timeout_established", 210);
	ss->pol.dccp_open_s = sysctl_u32("nf_conntrack_dccp_timeout_open", 43200);
}

/* Every entry must report its destroy, or the peer would keep it for its hold time. */
static void events_on(void)
{
	FILE *f = fopen("/proc/sys/net/netfilter/nf_conntrack_events", "we");
	if (!f)
		return;
	fputs("1\n", f);
	fclose(f);
}

int hrpd_sess_init(struct hrpd *h)
{
	struct hrpd_sess *ss = calloc(1, sizeof(*ss));
	if (!ss)
		return -ENOMEM;
	ss->h = h;
	h->sess = ss;
	ss->ready = true;
	hs_sess_policy_default(&ss->pol, (uint16_t)h->port);
	read_protocol_timeouts(ss);
	hrpd_sess_rec_reset(&ss->rt);
	hrpd_sess_rec_reset(&ss->bulk);
	hs_sess_bulk_out_init(&ss->bulk_out);
	hs_sess_dirty_init(&ss->dirty);
	hs_timer_init(&ss->timer, &h->d->loop, timer_fired, ss);
	hs_timer_set_priority(&ss->timer, HRPD_BULK_PRIORITY);
	hrpd_sess_check_init(ss);
	hrpd_sess_configure(h, &h->d->config->hrpd);
	events_on();
	ss->ct = hrpd_ct_open_adopt(&h->d->loop, &ct_ops, ss,
				    h->d->config->hrpd.session_event_buffer, HRPD_BULK_PRIORITY,
				    &h->d->inherited);
	if (!ss->ct) {
		hs_warn(HRPD_SESS_PREFIX, "no conntrack netlink (%s): session sync is off",
			strerror(errno));
		return 0;
	}
	hrpd_data_register(h, HRP_CHAN_SESSION, &hrpd_sess_data_ops, ss);
	if (h->hot_snap)
		hrpd_sess_hot_restore(h, &h->hot_snap->session);
	hrpd_sess_update(h);
	return 0;
}

void hrpd_sess_free(struct hrpd *h)
{
	struct hrpd_sess *ss = h->sess;
	if (!ss)
		return;
	hrpd_mirror_free(ss);
	hrpd_sess_labels_release(ss, h->d->handed_over);
	hrpd_sess_expect_free(ss);
	hrpd_data_register(h, HRP_CHAN_SESSION, NULL, NULL);
	hrpd_ct_close(ss->ct); /* its last flush may arm the timer (on_writes_lost) */
	hs_timer_free(&ss->timer);
	hrpd_sess_check_free(ss);
	hs_sess_bulk_out_close(&ss->bulk_out);
	hs_tomb_free(&ss->tomb);
	free(ss);
	h->sess = NULL;
}
