/* The pair upgrade's hold on a cold-started vgmpd (doc/issu.md, "Keeping the roles"). The
 * upgrade restarts only the standby box's daemons, and a box it cold-restarts becomes active
 * only by the upgrade's own switchover. A fresh vgmpd knows nothing of that: on a box that
 * outranks the active peer it would preempt back once synced and past its delay (s59: 8 s
 * after the commit). hrpd asks the new vgmpd to keep to standby as after an operator's
 * handover (`yielded`), so the roles stay as the upgrade's record says. A plain restart (a
 * service manager's stop and start) asks nothing and preempts back as configured (s52). */
#ifndef HS_VGMP_KEEP_H
#define HS_VGMP_KEEP_H

#include <stdint.h>

#include "vgmp_fsm.h"

/* No preemption back until the ends of an operator's handover (doc/vgmp.md: undo, the peer's
 * restart or death, another switchover, hrp disable), or a priority above the base: a tracked
 * object down now (an OSPF adjacency after the restart) that comes back does not end it.
 * 0; -EAGAIN while hrp enable is not known (enabling would clear it: ask again); -EPERM
 * when this box holds a role (active, load-balance) or hrp is disabled: nothing to keep. */
int vgmp_admin_keep_standby(struct vgmp *v, uint64_t now_ms);

#endif
