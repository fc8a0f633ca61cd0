/* Ranges dirty after lost writes, until asked for again (sess_dirty.h). */
#include "sess_dirty.h"

void hs_sess_dirty_init(struct hs_sess_dirty *d)
{
	d->ranges = 0;
	d->asked_ms = 0;
}

void hs_sess_dirty_mark(struct hs_sess_dirty *d, uint64_t ranges)
{
	d->ranges |= ranges;
}

void hs_sess_dirty_covered(struct hs_sess_dirty *d, uint64_t ranges)
{
	d->ranges &= ~ranges;
}

uint64_t hs_sess_dirty_due(const struct hs_sess_dirty *d, const struct hs_sess_dirty_now *n,
			   uint64_t *again_ms)
{
	*again_ms = 0;
	if (!d->ranges || !n->peer_source || n->receiving)
		return 0; /* nothing, nobody to ask, or after the bulk and its sweep */
	if (d->asked_ms && n->now_ms - d->asked_ms < n->hold_ms) {
		*again_ms = d->asked_ms + n->hold_ms;
		return 0;
	}
	return d->ranges;
}

void hs_sess_dirty_asked(struct hs_sess_dirty *d, uint64_t ranges, uint64_t now_ms)
{
	d->ranges &= ~ranges;
	d->asked_ms = now_ms ? now_ms : 1;
}

unsigned hs_sess_dirty_forget(struct hs_sess_dirty *d)
{
	unsigned n = (unsigned)__builtin_popcountll(d->ranges);
	d->ranges = 0;
	return n;
}
