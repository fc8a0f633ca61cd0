/* Whether the upgrade may ask the active box to hand the role to its peer now (doc/issu.md,
 * "Handing the role over"). A box that takes the role must route: a tracked object of it that is
 * down (its OSPF adjacency with the upstream router, not back yet after a cold start) ranks it
 * below the active box, and the step waits for it rather than move the traffic onto a box that
 * drops it. Pure: the two VGMP payloads in, what the step waits for out.
 *
 * vgmpd nacks a switchover request to a lower or unsynced peer anyway; the release (the cold
 * mode's switchover) is no request and nothing nacks it, so the step asks this first for both,
 * and `display issu state` says what it waits for. */
#ifndef HS_ISSU_HANDOVER_H
#define HS_ISSU_HANDOVER_H

#include <stdbool.h>

#include "hrp_msg.h"

enum issu_handover_wait {
	ISSU_HO_ASK,         /* the peer can take the role: ask now */
	ISSU_HO_NOT_STANDBY, /* the peer is not standby (starting, or it holds a role) */
	ISSU_HO_NOT_SYNCED,  /* a handover only: the peer's bulk sync is not done */
	ISSU_HO_LOWER,       /* the peer's priority is below ours: a tracked object is down */
	ISSU_HO_MAX,
};

/* ours: our VGMP payload (the active box's); peer: the peer's last one. release: the cold
 * mode's switchover, which needs no bulk sync of the peer. */
enum issu_handover_wait issu_handover_wait(const struct hrp_vgmp *ours, const struct hrp_vgmp *peer,
					   bool release);

/* What the step waits for, in words ("" for ISSU_HO_ASK). */
const char *issu_handover_wait_name(enum issu_handover_wait w);

#endif
