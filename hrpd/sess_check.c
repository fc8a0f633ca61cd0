/* Session sync, consistency (sess.h): the source sends the digest of its synced table
 * (lib/sess_digest: per range of key hashes, count and sum of content hashes) in order on the
 * session channel, so the receiver has applied every earlier record when it reads it; the
 * receiver digests its own table, answers with the ranges that differ, and asks for the ranges
 * that differed in two checks running (a range can differ once while entries are in flight).
 * The sweep after a bulk transfer removes what the transfer's ranges did not bring. */
#include <errno.h>
#include <string.h>

#include "hrpd.h"
#include "log.h"
#include "sess.h"
#include "sess_int.h"

/* What the digest covers: the status bits the receiver's kernel reproduces. */
#define DIGEST_STATUS (0x2u /* SEEN_REPLY */ | 0x4u /* ASSURED */ | 0x10u /* SRC_NAT */ | \
		       0x20u /* DST_NAT */)

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
	hs_sess_keyset_init(&ss->rx_keys);
	hs_sess_keyset_init(&ss->sweep_keys);
}

void hrpd_sess_check_free(struct hrpd_sess *ss)
{
	hs_timer_free(&ss->check_timer);
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

void hrpd_sess_digest_entry(struct hrpd_sess *ss, const struct hs_sess *s)
{
	if (hs_sess_classify(&ss->pol, s) != HS_SESS_SYNC)
		return;
	struct hs_sess c = *s;
	c.status &= DIGEST_STATUS;
	/* Counted as the peer has it: a peer without sess-dir-zone was sent the entry in zone 0,
	 * and keys it so. */
	if ((c.zone_dir[0] || c.zone_dir[1]) && !hrpd_sess_peer_reads_dir_zone(ss))
		hs_sess_strip_dir_zone(&c);
	hs_sess_digest_add(&ss->dig, &c);
}

static void note_check(struct hrpd_sess *ss, uint32_t id, uint64_t mismatched, uint64_t local,
		       uint64_t peer)
{
	ss->last = (struct hrpd_sess_check){ .valid = true, .at_ms = hs_now_ms(), .id = id,
					     .mismatched = mismatched, .local_total = local,
					     .peer_total = peer };
	ss->st.checks++;
	if (mismatched)
		ss->st.checks_mismatched++;
}

/* The receiver: our digest against the source's. */
static void respond(struct hrpd_sess *ss)
{
	uint64_t diff = hs_sess_digest_diff(&ss->dig, &ss->peer_dig);
	uint64_t persistent = diff & ss->prev_mismatch;
	ss->prev_mismatch = diff;
	uint64_t ours = hs_sess_digest_total(&ss->dig),
		 theirs = hs_sess_digest_total(&ss->peer_dig);
	note_check(ss, ss->peer_check_id, diff, ours, theirs);
	struct hs_sess_ctl res = { .kind = HS_SESS_CTL_DIGEST_RESULT,
				   .check_id = ss->peer_check_id,
				   .ranges = diff,
				   .answerer_total = (uint32_t)ours,
				   .source_total = (uint32_t)theirs };
	hrpd_sess_control_put(ss, &res, 0);
	if (!diff) {
		hs_info(HRPD_SESS_PREFIX, "check %u: consistent (%" PRIu64 " sessions)",
			ss->peer_check_id, ours);
		return;
	}
	hs_notice(HRPD_SESS_PREFIX,
		  "check %u: %d ranges differ (we hold %" PRIu64 ", the peer %" PRIu64 ")%s",
		  ss->peer_check_id, __builtin_popcountll(diff), ours, theirs,
		  persistent ? ": asking for the ranges that differed twice" : "");
	if (persistent) {
		ss->st.range_resyncs++;
		ss->st.ranges_resynced += (uint64_t)__builtin_popcountll(persistent);
		hrpd_sess_request_bulk(ss, persistent);
	}
}

/* The source: the digest goes after every record queued so far. */
static void send_digest(struct hrpd_sess *ss)
{
	struct hs_sess_ctl c = { .kind = HS_SESS_CTL_DIGEST,
				 .check_id = ++ss->check_id,
				 .digest = ss->dig };
	hrpd_sess_rec_send(ss, &ss->rt, 0);
	if (hrpd_sess_control_put(ss, &c, 0) == 0)
		hs_info(HRPD_SESS_PREFIX, "check %u: digest of %" PRIu64 " sessions sent",
			ss->check_id, hs_sess_digest_total(&ss->dig));
}

void hrpd_sess_digest_done(struct hrpd_sess *ss, bool ok)
{
	bool responding = ss->digest_responding;
	ss->digest_responding = false;
	if (!ok) {
		hs_warn(HRPD_SESS_PREFIX, "a table dump for a consistency check failed");
		return;
	}
	if (responding)
		respond(ss);
	else if (ss->source)
		send_digest(ss);
}

void hrpd_sess_rx_digest(struct hrpd_sess *ss, const struct hs_sess_ctl *c)
{
	ss->peer_dig = c->digest;
	ss->peer_check_id = c->check_id;
	/* While a bulk is coming the table is known to differ: the bulk's sweep settles it. */
	if (ss->rx_bulk)
		return;
	ss->respond_wanted = true;
	hrpd_sess_kick(ss);
}

void hrpd_sess_rx_digest_result(struct hrpd_sess *ss, const struct hs_sess_ctl *c)
{
	uint64_t diff = c->ranges;
	/* The peer answered: its table is "local" there, ours (the source's) is its "peer". */
	note_check(ss, c->check_id, diff, c->source_total, c->answerer_total);
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
