/* The pair upgrade's hold on a cold-started vgmpd (vgmp_keep.h). It sets what an operator's
 * handover leaves on the box that handed over, so the election's preemption rule already keeps
 * it standby (reason `handed over by operator`) and its payload says VGMP_R_YIELDED. */
#include <errno.h>

#include "vgmp_int.h"
#include "vgmp_keep.h"

int vgmp_admin_keep_standby(struct vgmp *v, uint64_t now_ms)
{
	if (!v)
		return -EINVAL;
	if (!v->enable_known)
		return -EAGAIN; /* enabling would clear it */
	if (!v->enabled || v->state == VGMP_STATE_ACTIVE || v->state == VGMP_STATE_LOAD_BALANCE)
		return -EPERM;
	vgmp_begin(v, VGMP_EV_ADMIN_SWITCHOVER);
	/* the base: a tracker down at the restart that recovers is no reason to take the role */
	uint16_t now_prio = vgmp_priority(v);
	vgmp_yield_role(v, now_prio > v->p.priority ? now_prio : v->p.priority);
	v->hello_due = true;
	vgmp_finish(v, now_ms);
	return 0;
}
