/* A graceful stop without a gap: each unbound master sends its priority-0 advert and keeps its
 * VIPs and vMAC until the new master's first advert (or a grace under one interval and a bit),
 * then lets go; the daemon exits when the last group did. A second signal exits at once. */
#include "log.h"
#include "vrrpd.h"

bool vrrpd_stop_request(struct hs_daemon *d)
{
	struct vrrpd *vd = d->priv;
	if (!vd)
		return false;
	vd->stopping = 0;
	vd->exiting = true;
	for (size_t i = 0; i < vd->n_groups; i++)
		if (vrrpd_group_stop_begin(vd->groups[i]))
			vd->stopping++;
	if (vd->stopping)
		hs_notice("[vrrp]", "stopping: %u master group%s hold on until the new master speaks",
			  vd->stopping, vd->stopping == 1 ? "" : "s");
	return vd->stopping > 0;
}

void vrrpd_stop_group_done(struct vrrpd *vd)
{
	if (vd->stopping == 0)
		return;
	if (--vd->stopping == 0)
		hs_loop_exit(&vd->d->loop, 0);
}
