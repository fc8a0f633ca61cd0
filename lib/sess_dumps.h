/* Which table dump hrpd's session sync runs next, and which running dump stops for it.
 *
 * Why: the kernel walks one conntrack dump per socket at a time, and hrpd reads one at a time.
 * At a million entries a dump takes seconds (5 s here), so a dump that must not wait (the
 * held timeouts and liberal windows of a box that just took over; a bulk a joining box waits
 * for, not ready, until it ends) stops a running one that can run again later. A consistency
 * check and a sweep read the table and start over; a takeover and a bulk are never stopped (a
 * bulk's receiver has its start; a takeover is the most urgent of all). */
#ifndef HS_SESS_DUMPS_H
#define HS_SESS_DUMPS_H

#include <stdbool.h>

/* In order of urgency, the least urgent first. */
enum hs_sess_dump {
	HS_SESS_DUMP_NONE,
	HS_SESS_DUMP_DIGEST,   /* our digest, for a consistency check (either side) */
	HS_SESS_DUMP_BULK,     /* our table to the peer */
	HS_SESS_DUMP_SWEEP,    /* after a bulk: what the peer did not send goes */
	HS_SESS_DUMP_TAKEOVER, /* held timeouts back to the protocol's, liberal windows */
};

/* The dumps wanted now (a flag stays set until its dump starts). */
struct hs_sess_dump_wants {
	bool takeover, sweep, bulk, digest;
};

/* The most urgent dump wanted, HS_SESS_DUMP_NONE if none. */
enum hs_sess_dump hs_sess_dump_next(const struct hs_sess_dump_wants *w);
/* Whether the running dump stops for the one wanted next (it runs again later). */
bool hs_sess_dump_yields(enum hs_sess_dump running, enum hs_sess_dump next);
const char *hs_sess_dump_name(enum hs_sess_dump d);

#endif
