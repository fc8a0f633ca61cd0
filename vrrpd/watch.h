/* vrrpd's watch on its interfaces: the kernel's link and address notifications (rtnetlink,
 * libmnl) mark the interfaces they name; a pass then puts each group's facts to
 * lib/vrrp_iface.h and stops, starts or re-addresses the group. */
#ifndef VRRPD_WATCH_H
#define VRRPD_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "loop.h"

#define VRRPD_WATCH_MARKS    32
#define VRRPD_WATCH_RETRY_MS 1000 /* a failed start, or no notifications: looked at again */

struct vrrpd;

struct vrrpd_watch {
	struct vrrpd *vd;
	struct mnl_socket *sock;
	struct hs_io io;
	struct hs_timer pass; /* one pass for every burst of notifications */
	int marked[VRRPD_WATCH_MARKS];
	size_t n_marked;
	bool all;   /* more than VRRPD_WATCH_MARKS, or notifications lost: every group */
	bool retry; /* a start failed in this pass */
	unsigned long long notifications, overruns, passes, stops, starts, readdressed;
};

/* Subscribes; a failure is logged and leaves vrrpd without notifications: waiting groups are
 * then looked at every VRRPD_WATCH_RETRY_MS. */
int vrrpd_watch_open(struct vrrpd_watch *w, struct vrrpd *vd);
void vrrpd_watch_close(struct vrrpd_watch *w);
/* One pass over every group now (start, reload); marks are cleared. */
void vrrpd_watch_pass_all(struct vrrpd_watch *w);

#endif
