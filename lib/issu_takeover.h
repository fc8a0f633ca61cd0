/* Who runs the pair upgrade when the box that ran it is gone or comes back (doc/issu.md, "When
 * the box that runs it dies"). The runner's hrpd holds the machine; the other box keeps a copy
 * of its record. Pure: facts in, decisions out, no clock of its own.
 *
 * - The copy's holder takes the upgrade over once hrpd has declared the runner dead and it
 *   stayed dead for the takeover delay (a restart of the runner's hrpd, which the upgrade itself
 *   does, is shorter). The takeover bumps the record's term.
 * - Two boxes that both run it (the old runner back from a freeze, or a split brain) keep the
 *   claim of the higher term; at equal terms the first box's. The loser drops its machine and
 *   keeps the winner's record as its copy.
 * - A runner that starts cold with a record under way waits for the peer's word before it
 *   resumes: until the peer has been up a moment (its record, if it took over, comes first),
 *   or, with no peer, for the takeover delay. */
#ifndef HS_ISSU_TAKEOVER_H
#define HS_ISSU_TAKEOVER_H

#include <stdbool.h>
#include <stdint.h>

#include "issu_stage.h"

#define ISSU_TAKEOVER_DELAY_MS 10000 /* default: several dead times, longer than a restart */
#define ISSU_START_SETTLE_MS   1000  /* peer up this long: its record would have come */

/* An upgrade under way: not idle, not committed. */
bool issu_under_way(enum issu_stage stage);

struct issu_claim {
	uint32_t term;
	enum issu_box box; /* the box that runs it */
};

/* True when theirs beats ours. */
bool issu_claim_beats(const struct issu_claim *theirs, const struct issu_claim *ours);

/* When a copy holder takes over: the peer dead since dead_since_ms (0: not dead) and the copy
 * at stage. Returns the time to do it (now or later), or UINT64_MAX: not due. */
uint64_t issu_takeover_at(enum issu_stage copy_stage, uint64_t dead_since_ms, uint64_t delay_ms);

/* A runner started cold with a record under way, at started_ms: when it resumes. peer_up_ms is
 * when the peer came up (0: not up). Returns the time (UINT64_MAX never happens: with no peer it
 * resumes alone after delay_ms). */
uint64_t issu_resume_at(uint64_t started_ms, uint64_t peer_up_ms, uint64_t settle_ms,
			uint64_t delay_ms);

#endif
