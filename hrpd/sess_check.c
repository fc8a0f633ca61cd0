/* Session sync, consistency (sess.h): the source sends the digest of its synced table
 * (lib/sess_digest: per range of key hashes, count and sum of content hashes) in order on the
 * session channel, so the receiver has applied every earlier record when it reads it; the
 * receiver digests its own table, answers with the ranges that differ, and asks for the ranges
 * that differed in two checks running (a range can differ once while entries are in flight).
 *
 * Neither side's dump is a snapshot: records keep coming while the tables are read, and an
 * entry a record changed meanwhile may be read before the change on one box and after it on the
 * other. Under steady churn every range differed in every check, and every other check sent the
 * whole table again. So each side notes the buckets (1/64 of a range) of the entries records
 * changed while its part ran, and a peer of record feature sess-check-buckets is sent the
 * digest bucket by bucket with the source's buckets marked: the receiver compares every bucket
 * that neither side marked.
 *
 * The sweep after a bulk transfer removes what the transfer's ranges did not bring. */
#include <errno.h>
#include <string.h>

#include "hrpd.h"
#include "issu.h"
#include "log.h"
#include "sess.h"
#include "sess_int.h"

/* What the digest covers: the status bits the receiver's kernel reproduces. */
#define DIGEST_STATUS (0x2u /* SEEN_REPLY */ | 0x4u /* ASSURED */ | 0x10u /* SRC_NAT */ | \
		       0x20u /* DST_NAT */)

static void settle_fired(struct hs_timer *t, void *arg);

static void check_fired(struct hs_timer *t, void *arg)
{
	struct hrpd_sess *ss = arg;
	(void)t;
	if (ss->source)
		hrpd_sess_check_now(ss);
	hrpd_sess_check_arm(ss);
}

void hrpd_sess_check_init(struct hrpd_sess *ss)
{
	hs_timer_init(&ss->check_timer, &ss->h->d->loop, check_fired, ss);
	hs_timer_init(&ss->settle_timer, &ss->h->d->loop, settle_fired, ss);
	hs_sess_keyset_init(&ss->rx_keys);
	hs_sess_keyset_init(&ss->sweep_keys);
}

void hrpd_sess_check_free(struct hrpd_sess *ss)
{
	hs_timer_free(&ss->check_timer);
	hs_timer_free(&ss->settle_timer);
	hs_sess_keyset_free(&ss->rx_keys);
	hs_sess_keyset_free(&ss->sweep_keys);
}

void hrpd_sess_check_arm(struct hrpd_sess *ss)
{
	if (ss->check_interval_ms && ss->source)
		hs_timer_arm_in(&ss->check_timer, ss->check_interval_ms);
	else
		hs_timer_cancel(&ss->check_timer);
}

int hrpd_sess_check_now(struct hrpd_sess *ss)
{
	if (!ss->source)
		return -EAGAIN;
	ss->digest_wanted = true;
	hrpd_sess_kick(ss);
	return 0;
}

/* ---- the digest dump (either side) ---- */

static void touched_open(struct hrpd_sess_touched *t)
{
	memset(t->set, 0, sizeof(t->set));
	t->open = true;
}

void hrpd_sess_check_touch(struct hrpd_sess *ss, const struct hs_sess *s)
{
	if (!ss->own_check.open && !ss->peer_check.open)
		return;
	uint64_t key = hs_sess_key_hash(s);
	if (ss->own_check.open)
		hs_sess_unsettled_note(ss->own_check.set, key);
	if (ss->peer_check.open)
		hs_sess_unsettled_note(ss->peer_check.set, key);
}

void hrpd_sess_check_dump_start(struct hrpd_sess *ss)
{
	if (ss->digest_responding) {
		hs_sess_buckets_init(&ss->answer_dig);
	} else {
		hs_sess_buckets_init(&ss->dig);
		touched_open(&ss->own_check);
	}
}

void hrpd_sess_digest_entry(struct hrpd_sess *ss, const struct hs_sess *s)
{
	if (hs_sess_classify(&ss->pol, s) != HS_SESS_SYNC)
		return;
	struct hs_sess room;
	struct hs_sess c = *hrpd_sess_for_peer(ss, s, &room); /* counted as the peer keys it */
	c.status &= DIGEST_STATUS;
	hs_sess_buckets_add(ss->digest_responding ? &ss->answer_dig : &ss->dig, &c);
}

static void note_check(struct hrpd_sess *ss, const struct hs_sess_ctl *res, uint64_t local,
		       uint64_t peer, bool buckets)
{
	uint64_t mismatched = res->ranges;
	ss->last = (struct hrpd_sess_check){ .valid = true,
					     .at_ms = hs_now_ms(),
					     .id = res->check_id,
					     .mismatched = mismatched,
					     .local_total = local,
					     .peer_total = peer,
					     .buckets = buckets,
					     .unsettled_buckets = res->unsettled_buckets,
					     .undecided = res->undecided };
	ss->st.checks++;
	if (mismatched)
		ss->st.checks_mismatched++;
}

/* The ranges of our table that differ from the source's, every bucket left out that either
 * side's records changed while it was read (res: unsettled_buckets, undecided). */
static uint64_t compare(struct hrpd_sess *ss, const struct hs_sess_digest *ours,
			struct hs_sess_ctl *res)
{
	bool buckets = ss->peer_has_buckets;
	hs_sess_unsettled skip;
	uint64_t diff;
	if (buckets) {
		for (unsigned r = 0; r < HS_SESS_RANGES; r++)
			skip[r] = ss->peer_unsettled[r] | ss->peer_check.set[r];
		diff = hs_sess_buckets_diff(&ss->answer_dig, &ss->peer_buckets, skip);
	} else {
		/* An older source sends ranges: those we changed while reading are left out. */
		uint64_t changed = 0, whole;
		hs_sess_unsettled_count(ss->peer_check.set, &changed, &whole);
		for (unsigned r = 0; r < HS_SESS_RANGES; r++)
			skip[r] = changed >> r & 1 ? UINT64_MAX : 0;
		diff = hs_sess_digest_diff(ours, &ss->peer_dig) & ~changed;
	}
	uint64_t any;
	res->unsettled_buckets = hs_sess_unsettled_count(skip, &any, &res->undecided);
	return diff;
}

/* The receiver: our digest against the source's. */
static void respond(struct hrpd_sess *ss)
{
	struct hs_sess_digest ours;
	hs_sess_buckets_fold(&ss->answer_dig, &ours);
	struct hs_sess_ctl res = { .kind = HS_SESS_CTL_DIGEST_RESULT,
				   .check_id = ss->peer_check_id,
				   .settled_part =
					   hrpd_sess_peer_reads(ss, HRP_FEAT_SESS_CHECK_BUCKETS) };
	uint64_t diff = compare(ss, &ours, &res);
	ss->peer_check.open = false;
	uint64_t persistent = diff & ss->prev_mismatch;
	ss->prev_mismatch = diff;
	uint64_t n_ours = hs_sess_digest_total(&ours), theirs = hs_sess_digest_total(&ss->peer_dig);
	res.ranges = diff;
	res.answerer_total = (uint32_t)n_ours;
	res.source_total = (uint32_t)theirs;
	note_check(ss, &res, n_ours, theirs, ss->peer_has_buckets);
	hrpd_sess_control_put(ss, &res, 0);
	if (!diff) {
		hs_info(HRPD_SESS_PREFIX,
			"check %u: consistent (%" PRIu64 " sessions; %u of %u buckets left out, "
			"changed while the tables were read)",
			ss->peer_check_id, n_ours, res.unsettled_buckets, HS_SESS_BUCKETS);
		return;
	}
	hs_notice(HRPD_SESS_PREFIX,
		  "check %u: %d ranges differ (we hold %" PRIu64 ", the peer %" PRIu64 ")%s",
		  ss->peer_check_id, __builtin_popcountll(diff), n_ours, theirs,
		  persistent ? ": asking for the ranges that differed twice" : "");
	if (persistent) {
		ss->st.range_resyncs++;
		ss->st.ranges_resynced += (uint64_t)__builtin_popcountll(persistent);
		hrpd_sess_request_bulk(ss, persistent);
	}
}

/* The source's buckets, range by range, each with those its records changed meanwhile. */
static int send_parts(struct hrpd_sess *ss, uint32_t id)
{
	for (unsigned r = 0; r < HS_SESS_RANGES; r++) {
		struct hs_sess_ctl p = { .kind = HS_SESS_CTL_DIGEST_PART,
					 .check_id = id,
					 .range = (uint8_t)r,
					 .unsettled = ss->own_check.set[r] };
		hs_sess_buckets_range_get(&ss->dig, r, &p.digest);
		int e = hrpd_sess_control_put(ss, &p, 0);
		if (e < 0)
			return e;
	}
	return 0;
}

/* The source: the digest goes after every record queued so far. */
static void send_digest(struct hrpd_sess *ss)
{
	struct hs_sess_ctl c = { .kind = HS_SESS_CTL_DIGEST, .check_id = ++ss->check_id };
	hs_sess_buckets_fold(&ss->dig, &c.digest);
	hrpd_sess_rec_send(ss, &ss->rt, 0);
	uint64_t ranges, whole;
	unsigned unsettled = hs_sess_unsettled_count(ss->own_check.set, &ranges, &whole);
	bool buckets = hrpd_sess_peer_reads(ss, HRP_FEAT_SESS_CHECK_BUCKETS);
	if (buckets && send_parts(ss, c.check_id) < 0)
		return;
	if (hrpd_sess_control_put(ss, &c, 0) == 0)
		hs_info(HRPD_SESS_PREFIX,
			"check %u: digest of %" PRIu64 " sessions sent%s (%u buckets changed "
			"while read)",
			ss->check_id, hs_sess_digest_total(&c.digest),
			buckets ? " bucket by bucket" : "", unsettled);
}

static void settle_fired(struct hs_timer *t, void *arg)
{
	struct hrpd_sess *ss = arg;
	(void)t;
	ss->settling = false;
	if (ss->source)
		send_digest(ss);
	ss->own_check.open = false;
	hrpd_sess_kick(ss);
}

void hrpd_sess_digest_done(struct hrpd_sess *ss, bool ok)
{
	bool responding = ss->digest_responding;
	ss->digest_responding = false;
	if (!ok) {
		hs_warn(HRPD_SESS_PREFIX, "a table dump for a consistency check failed");
		if (!responding)
			ss->own_check.open = false;
		return;
	}
	if (responding) {
		respond(ss);
	} else if (ss->source) {
		/* Events the kernel made while we read are read meanwhile: noted, not missed. */
		ss->settling = true;
		hs_timer_arm_in(&ss->settle_timer, HRPD_SESS_CHECK_SETTLE_MS);
	} else {
		ss->own_check.open = false;
	}
}

void hrpd_sess_rx_digest_part(struct hrpd_sess *ss, const struct hs_sess_ctl *c)
{
	if (c->check_id != ss->parts_id) {
		ss->parts_id = c->check_id;
		ss->parts_have = 0;
	}
	hs_sess_buckets_range_set(&ss->parts, c->range, &c->digest);
	ss->parts_unsettled[c->range] = c->unsettled;
	ss->parts_have |= UINT64_C(1) << c->range;
}

void hrpd_sess_rx_digest(struct hrpd_sess *ss, const struct hs_sess_ctl *c)
{
	ss->peer_dig = c->digest;
	ss->peer_check_id = c->check_id;
	ss->peer_has_buckets = ss->parts_id == c->check_id && ss->parts_have == HS_SESS_RANGES_ALL;
	if (ss->peer_has_buckets) {
		ss->peer_buckets = ss->parts;
		memcpy(ss->peer_unsettled, ss->parts_unsettled, sizeof(ss->peer_unsettled));
	}
	/* While a bulk is coming the table is known to differ: the bulk's sweep settles it. */
	if (ss->rx_bulk)
		return;
	/* An answer whose dump is reading our table answers this newer digest instead: what
	 * changed since the older one is noted already (a second answer would note nothing). */
	if (ss->digest_responding)
		return;
	/* Changes from here on may be read before or after they are made: noted. */
	if (!ss->respond_wanted)
		touched_open(&ss->peer_check);
	ss->respond_wanted = true;
	hrpd_sess_kick(ss);
}

void hrpd_sess_rx_digest_result(struct hrpd_sess *ss, const struct hs_sess_ctl *c)
{
	uint64_t diff = c->ranges;
	/* The peer answered: its table is "local" there, ours (the source's) is its "peer". */
	note_check(ss, c, c->source_total, c->answerer_total, c->settled_part);
	if (diff)
		hs_notice(HRPD_SESS_PREFIX, "check %u: the peer finds %d ranges differ",
			  ss->last.id, __builtin_popcountll(diff));
	/* After changes the peer missed: a second check at once, so that the ranges that still
	 * differ count as differing twice and the peer asks for them. */
	if (ss->alone_checks_left && --ss->alone_checks_left && diff) {
		ss->digest_wanted = true;
		hrpd_sess_kick(ss);
	}
}

/* ---- the sweep after a bulk transfer ---- */

void hrpd_sess_sweep_entry(struct hrpd_sess *ss, const struct hs_sess *s)
{
	if (ss->local_active || /* we forward flows of our own now */
	    !(ss->sweep_ranges >> hs_sess_range(s) & 1) ||
	    hs_sess_classify(&ss->pol, s) != HS_SESS_SYNC ||
	    hs_sess_keyset_has(&ss->sweep_keys, hs_sess_key_hash(s)))
		return;
	struct hs_sess d = *s;
	d.op = HS_SESS_DESTROY;
	if (hrpd_ct_apply(ss->ct, &d, 0, false, false) == 0)
		ss->st.swept++;
}

void hrpd_sess_sweep_done(struct hrpd_sess *ss, bool ok)
{
	hrpd_ct_flush(ss->ct);
	if (ok && ss->st.swept)
		hs_info(HRPD_SESS_PREFIX, "sweep: %" PRIu64 " stale sessions removed so far",
			ss->st.swept);
	/* A bulk that ended meanwhile put its keys here for the next sweep. Otherwise the
	 * memory goes back: 16 MiB a set at a million sessions. */
	if (!ss->sweep_wanted)
		hs_sess_keyset_free(&ss->sweep_keys);
}

void hrpd_sess_sweep_drop(struct hrpd_sess *ss)
{
	if (ss->dump == HS_SESS_DUMP_SWEEP)
		return; /* still reading the keys */
	ss->sweep_wanted = false;
	ss->sweep_ranges = 0;
	hs_sess_keyset_free(&ss->sweep_keys);
}
