/* Ranges of our session table that may differ from the peer's because writes of its entries
 * into our kernel were lost, until they are asked for again (pure).
 *
 * Why: hrpd writes the peer's entries in batches and hears back only of the requests the
 * kernel refuses. When those answers are lost (the request socket overran: ENOBUFS) or a batch
 * was not sent at all, it cannot know which of the batch's writes failed, so every range of
 * hs_sess_range() the batch touched may differ from the source's table, silently, until the
 * next consistency check finds it twice. Those ranges are asked for again as a range transfer
 * (the source sends them, this box sweeps them), as a check does for ranges that differ twice:
 *  - only of a peer that sends its entries (up and active); while it does not, they wait, and
 *    a box that becomes active forgets them (its table is the one that counts now);
 *  - not while a bulk of the peer arrives, or its sweep is due or running: the range transfer
 *    would start before that sweep and cancel it (sess_in.c), and a bulk of a range rewrites
 *    it anyway, so the ranges a bulk covers are clean from its start;
 *  - at most once per hold: a socket that keeps overrunning must not have the source dump its
 *    table again and again.
 * No clock here: the caller passes the time. */
#ifndef HS_SESS_DIRTY_H
#define HS_SESS_DIRTY_H

#include <stdbool.h>
#include <stdint.h>

struct hs_sess_dirty {
	uint64_t ranges;   /* lost, not asked for yet */
	uint64_t asked_ms; /* the last ask (0: none yet) */
};

/* What the box is doing now. */
struct hs_sess_dirty_now {
	uint64_t now_ms;
	uint64_t hold_ms; /* the shortest time between two asks */
	bool peer_source; /* the peer sends its entries: it can be asked */
	bool receiving;   /* a bulk of the peer arrives, or its sweep is due or running */
};

void hs_sess_dirty_init(struct hs_sess_dirty *d);
/* Writes in ranges were lost. */
void hs_sess_dirty_mark(struct hs_sess_dirty *d, uint64_t ranges);
/* A bulk of the peer covering ranges begins: they are rewritten, clean. */
void hs_sess_dirty_covered(struct hs_sess_dirty *d, uint64_t ranges);
/* The ranges to ask the peer for now, or 0. When some wait only for the hold to pass, *again_ms
 * is when to look again (else 0). */
uint64_t hs_sess_dirty_due(const struct hs_sess_dirty *d, const struct hs_sess_dirty_now *n,
			   uint64_t *again_ms);
/* ranges were asked for at now_ms (the peer took the request): clean. */
void hs_sess_dirty_asked(struct hs_sess_dirty *d, uint64_t ranges, uint64_t now_ms);
/* Our table is the one that counts now: the dirty ranges are dropped. Returns how many. */
unsigned hs_sess_dirty_forget(struct hs_sess_dirty *d);

#endif
