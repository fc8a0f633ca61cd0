/* The source's side of a bulk transfer (pure): which dump entries still go out, and whether the
 * transfer may end as complete.
 *
 * A dump entry is read before it is sent (the kernel fills the dump socket ahead, and entries
 * wait in the bulk's record), while real-time records leave at once: a live destroy of X sent
 * meanwhile, followed by the dump's older copy of X, brought X back on the peer, and the sweep
 * after the bulk kept it. So the keys sent live since the bulk opened are remembered, and the
 * dump leaves them out: the live records carry their newest state, in order.
 *
 * A bulk that lost a record (the channel refused it) must not end as complete: the peer would
 * sweep what it did not get, live sessions among it. Such a bulk is *damaged*: it ends with an
 * empty transfer that covers no range (hs_sess_bulk_out's caller sends it), and runs again. */
#ifndef HS_SESS_BULK_OUT_H
#define HS_SESS_BULK_OUT_H

#include <stdbool.h>
#include <stdint.h>

#include "hrp_session.h"
#include "sess_digest.h"

struct hs_sess_bulk_out {
	uint64_t ranges;            /* the ranges of the open bulk; 0: none open */
	struct hs_sess_keyset live; /* keys sent live in those ranges since it opened */
	const char *damaged;        /* why it cannot end as complete; NULL: it can */
};

void hs_sess_bulk_out_init(struct hs_sess_bulk_out *b);
/* A bulk of ranges opens (its ranges record is sent): nothing is remembered yet. */
void hs_sess_bulk_out_open(struct hs_sess_bulk_out *b, uint64_t ranges);
/* s goes out in real time. A mark-only update (no protocol state) is not remembered: a peer that
 * lacks the entry still needs the dump's copy, state and all. With no memory for the key the
 * bulk is damaged (its order can no longer be kept). */
void hs_sess_bulk_out_live(struct hs_sess_bulk_out *b, const struct hs_sess *s);
/* True when the dump's entry s goes in the bulk: in its ranges, not sent live since it opened,
 * and the bulk not damaged (a damaged one sends nothing more). */
bool hs_sess_bulk_out_take(const struct hs_sess_bulk_out *b, const struct hs_sess *s);
/* A record was refused while the bulk was open: it is damaged (why stays the first reason). */
void hs_sess_bulk_out_damage(struct hs_sess_bulk_out *b, const char *why);
/* The bulk is over (sent, dropped or stopped): the keys are freed. */
void hs_sess_bulk_out_close(struct hs_sess_bulk_out *b);

#endif
