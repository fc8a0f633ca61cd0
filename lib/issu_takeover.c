/* Who runs the pair upgrade (see issu_takeover.h). */
#include "issu_takeover.h"

bool issu_under_way(enum issu_stage stage)
{
	return stage > ISSU_IDLE && stage < ISSU_STAGE_MAX && stage != ISSU_COMMITTED;
}

bool issu_claim_beats(const struct issu_claim *theirs, const struct issu_claim *ours)
{
	if (theirs->term != ours->term)
		return theirs->term > ours->term;
	/* equal terms (both took over in a split brain): one rule both boxes reach alike */
	return theirs->box == ISSU_BOX_FIRST && ours->box != ISSU_BOX_FIRST;
}

uint64_t issu_takeover_at(enum issu_stage copy_stage, uint64_t dead_since_ms, uint64_t delay_ms)
{
	if (!issu_under_way(copy_stage) || !dead_since_ms)
		return UINT64_MAX;
	return dead_since_ms + delay_ms;
}

uint64_t issu_resume_at(uint64_t started_ms, uint64_t peer_up_ms, uint64_t settle_ms,
			uint64_t delay_ms)
{
	uint64_t alone = started_ms + delay_ms;
	if (!peer_up_ms)
		return alone;
	uint64_t heard = peer_up_ms + settle_ms;
	return heard < alone ? heard : alone;
}
