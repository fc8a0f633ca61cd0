/* Session sync across a hot restart of hrpd (doc/hot-restart.md, "hrpd"): the conntrack event
 * and request sockets are handed over, so no event is lost (the ones the old process left unread
 * stay queued in the kernel's socket, and the echo filter still knows our request socket), and
 * the few flags that say where sync stands are carried (source or not, the peer's table complete
 * for its epoch, whether it missed the active peer's updates, the ranges whose writes were lost
 * and are still to be asked for again). A hot restart is refused while
 * a job is under way that the snapshot does not carry: a dump (bulk, takeover, digest, sweep),
 * a bulk being received, conntrack writes waiting for the kernel's answer, and the mirror
 * session while it runs (load-sharing with mirror_session on): the packets it holds in NFQUEUE
 * wait for the peer's ack of their flow, a hold that lives in this process only (configured but
 * not running, in active/standby, it holds nothing and refuses nothing).
 * Records batched for the data channel are handed to it first (hrpd_sess_hot_flush): the data
 * channel's stream travels whole. */
#include <stdio.h>

#include "data.h"
#include "hrp_snapshot.h"
#include "hrpd.h"
#include "log.h"
#include "sess.h"
#include "sess_int.h"

int hrpd_sess_hot_busy(const struct hrpd *h, char *why, size_t len)
{
	const struct hrpd_sess *ss = h->sess;
	if (!ss || !ss->ct)
		return 0;
	const char *what = NULL;
	if (ss->mirror)
		what = "the mirror session runs (new flows' first packets are held in NFQUEUE for "
		       "the peer's ack; the holds cannot be handed over): turn mirror_session off "
		       "or use a cold restart";
	else if (ss->dump != HS_SESS_DUMP_NONE || !hrpd_ct_idle(ss->ct))
		what = "a session dump or conntrack write is under way: try again in a moment";
	else if (ss->rx_bulk || ss->sweep_wanted)
		what = "a bulk session transfer from the peer is under way: try again when it is "
		       "done";
	else if (ss->rt.entries || ss->bulk.entries)
		what = "session records are waiting to be sent: try again in a moment";
	else if (ss->bulk_wanted || ss->takeover_wanted || ss->digest_wanted || ss->respond_wanted)
		what = "a session job is pending (bulk, takeover or check): try again in a moment";
	if (what)
		snprintf(why, len, "session sync: %s", what);
	return what != NULL;
}

void hrpd_sess_hot_flush(struct hrpd *h)
{
	struct hrpd_sess *ss = h->sess;
	/* The events read this turn, batched until the loop's next turn: handed to the data
	 * channel now, they travel in its snapshot. */
	if (ss && ss->ct && ss->dump == HS_SESS_DUMP_NONE && ss->rt.entries)
		hrpd_sess_rec_send(ss, &ss->rt, 0);
}

void hrpd_sess_hot_save(const struct hrpd *h, struct hrp_snap_session *out)
{
	const struct hrpd_sess *ss = h->sess;
	if (!ss || !ss->ct)
		return;
	*out = (struct hrp_snap_session){ .present = true,
					  .local_active = ss->local_active,
					  .source = ss->source,
					  .peer_was_up = ss->peer_was_up,
					  .synced = ss->synced,
					  .ready = ss->ready,
					  .resync_owed = ss->resync_owed,
					  .synced_epoch = ss->synced_epoch,
					  .missed_sync = ss->missed_sync,
					  .dirty = ss->dirty };
}

void hrpd_sess_hot_restore(struct hrpd *h, const struct hrp_snap_session *in)
{
	struct hrpd_sess *ss = h->sess;
	if (!ss || !ss->ct || !in->present)
		return;
	ss->local_active = in->local_active;
	ss->source = in->source;
	ss->peer_was_up = in->peer_was_up;
	ss->synced = in->synced;
	ss->synced_epoch = in->synced_epoch;
	ss->ready = in->ready;
	ss->resync_owed = in->resync_owed;
	/* Our table missed the active peer's updates: a takeover still makes its TCP entries
	 * liberal (an older hrpd's snapshot has no mark: not missed). */
	ss->missed_sync = in->missed_sync;
	/* Ranges whose writes were lost are still to be asked for, no sooner than the hold
	 * allows (an older hrpd's snapshot has none: the consistency check finds those). */
	ss->dirty = in->dirty;
	if (ss->dirty.ranges)
		hs_timer_arm_in(&ss->timer, 0);
	/* Not in the snapshot: an active box without its peer checks the table when it is back. */
	ss->changed_alone = in->local_active && !in->source;
	/* The adopted event socket is in the event groups: leave them unless we listen. */
	hrpd_sess_events_follow(ss);
	hs_info(HRPD_SESS_PREFIX,
		"resumed from the previous hrpd: %s, %s%s, %d ranges to ask for again",
		ss->source ? "sync source" : "not a sync source",
		ss->synced ? "the peer's table here" : "the peer's table not complete here",
		ss->missed_sync ? ", the active peer's updates missed" : "",
		__builtin_popcountll(ss->dirty.ranges));
}

void hrpd_sess_hot_freeze(struct hrpd *h, bool frozen)
{
	struct hrpd_sess *ss = h->sess;
	if (ss && ss->ct)
		hrpd_ct_events_hold(ss->ct, frozen);
}

int hrpd_sess_hot_fds(const struct hrpd *h, struct hs_fdset *out)
{
	const struct hrpd_sess *ss = h->sess;
	return ss && ss->ct ? hrpd_ct_hot_fds(ss->ct, out) : 0;
}
