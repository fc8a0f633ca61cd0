/* Whether the upgrade may ask for the handover now (issu_handover.h). The order gives the
 * reason the operator sees: a starting peer first, then its bulk sync, then its rank. */
#include "issu_handover.h"

enum issu_handover_wait issu_handover_wait(const struct hrp_vgmp *ours, const struct hrp_vgmp *peer,
					   bool release)
{
	if (peer->state != HRP_VGMP_STANDBY)
		return ISSU_HO_NOT_STANDBY;
	/* vgmpd takes a planned switchover only with its table; a release needs none */
	if (!release && !(peer->readiness & HRP_VGMP_R_SESSIONS_SYNCED))
		return ISSU_HO_NOT_SYNCED;
	/* A peer below us has a tracked object down that costs it priority, e.g. its OSPF
	 * adjacency not yet Full after its restart. Given the role, it would drop the traffic
	 * until it routes; vgmpd would nack it (priority), and a release would not. */
	if (peer->priority < ours->priority)
		return ISSU_HO_LOWER;
	return ISSU_HO_ASK;
}

static const char *const names[ISSU_HO_MAX] = {
	[ISSU_HO_ASK] = "",
	[ISSU_HO_NOT_STANDBY] = "the peer is not standby",
	[ISSU_HO_NOT_SYNCED] = "the peer's bulk sync is not done",
	[ISSU_HO_LOWER] = "the peer ranks lower: a tracked object of it is down",
};

const char *issu_handover_wait_name(enum issu_handover_wait w)
{
	return w >= 0 && w < ISSU_HO_MAX ? names[w] : "?";
}
