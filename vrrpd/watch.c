/* The kernel's word on our interfaces (watch.h): a group stops when its interface goes away or,
 * unbound, down or without an address; it starts once usable, and follows its address. */
#include "watch.h"

#include <errno.h>
#include <ifaddrs.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "daemon_hot.h"
#include "log.h"
#include "vrrp_snapshot.h"
#include "socket.h"
#include "vrrp_iface.h"
#include "vrrpd.h"

#define PREFIX "[vrrp watch]"

static void mark(struct vrrpd_watch *w, int ifindex)
{
	for (size_t i = 0; i < w->n_marked; i++)
		if (w->marked[i] == ifindex)
			return;
	if (w->n_marked == VRRPD_WATCH_MARKS)
		w->all = true;
	else
		w->marked[w->n_marked++] = ifindex;
}

static bool marked(const struct vrrpd_watch *w, int ifindex)
{
	if (w->all)
		return true;
	for (size_t i = 0; i < w->n_marked; i++)
		if (w->marked[i] == ifindex)
			return true;
	return false;
}

/* Our own doings come back as notifications too: VIPs (tagged) and the vMAC links going up
 * and down. Only a vMAC link's deletion is news. */
static bool own_vmac(const struct vrrpd *vd, int ifindex)
{
	for (size_t i = 0; i < vd->n_groups; i++)
		if (vd->groups[i]->cfg.vmac && vd->groups[i]->vmac_ifindex == ifindex)
			return true;
	return false;
}

static void take(struct vrrpd_watch *w, const struct nlmsghdr *nlh)
{
	w->notifications++;
	if (nlh->nlmsg_type == RTM_NEWLINK || nlh->nlmsg_type == RTM_DELLINK) {
		const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
		if (nlh->nlmsg_type == RTM_DELLINK || !own_vmac(w->vd, ifi->ifi_index))
			mark(w, ifi->ifi_index);
		return;
	}
	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	mnl_attr_for_each(a, nlh,
			  sizeof(*ifa)) if (mnl_attr_get_type(a) == IFA_PROTO &&
					    mnl_attr_get_payload_len(a) >= 1 &&
					    *(const uint8_t *)mnl_attr_get_payload(a) ==
						    VRRPD_IFA_PROTO) return; /* a VIP of ours */
	mark(w, (int)ifa->ifa_index);
}

static void readable(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct vrrpd_watch *w = arg;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	for (int turn = 0; turn < 64; turn++) {
		ssize_t n = mnl_socket_recvfrom(w->sock, buf, sizeof(buf));
		if (n < 0 && errno == ENOBUFS) {
			/* Lost notifications: every group is looked at again. */
			w->overruns++;
			w->all = true;
			continue;
		}
		if (n <= 0)
			break;
		int len = (int)n;
		for (const struct nlmsghdr *nlh = (const void *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len))
			take(w, nlh);
	}
	if (w->n_marked || w->all)
		hs_timer_arm_in(&w->pass, 0);
}

/* What one pass knows of the links: every link's index and name (one if_nameindex() dump) and
 * flags (getifaddrs()' AF_PACKET entries), read once for all groups: asked of the kernel per
 * group, a pass over 255 groups opened four sockets for each. */
struct links_view {
	struct if_nameindex *names;
	const struct ifaddrs *list;
};

static int view_index(const struct links_view *v, const char *name)
{
	for (const struct if_nameindex *i = v->names; i && i->if_index; i++)
		if (strcmp(i->if_name, name) == 0)
			return (int)i->if_index;
	return 0;
}

static const char *view_name(const struct links_view *v, int ifindex)
{
	for (const struct if_nameindex *i = v->names; i && i->if_index; i++)
		if ((int)i->if_index == ifindex)
			return i->if_name;
	return NULL;
}

static bool view_running(const struct links_view *v, const char *name)
{
	for (const struct ifaddrs *i = v->list; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_PACKET &&
		    strcmp(i->ifa_name, name) == 0)
			return (i->ifa_flags & IFF_RUNNING) != 0;
	return false;
}

/* The facts of one group; primary gets the address it would advertise from. */
static void facts_of(const struct vrrpd_group *g, const struct links_view *v,
		     struct vrrp_iface_facts *f, struct hs_addr *primary, bool *has_primary)
{
	int family = g->cfg.family == HS_FAMILY_IPV6 ? AF_INET6 : AF_INET;
	*f = (struct vrrp_iface_facts){
		.running = g->running,
		.bound = g->cfg.vgmp != HS_BIND_NONE,
		.ifindex = view_index(v, g->cfg.interface),
		.ifindex_set_up = g->running && g->link ? g->link->ifindex : 0,
	};
	f->oper_up = f->ifindex > 0 && view_running(v, g->cfg.interface);
	size_t n;
	struct hs_addr *have = vrrpd_addrs_of(v->list, g->cfg.interface, family, &n);
	const struct hs_addr *current = g->running ? &g->fsm.p.primary : NULL;
	/* Our VIPs on the base link are no primary; an owner's VIP is its own address. */
	size_t n_vips = g->cfg.priority == VRRP_PRIO_OWNER ? 0 : g->cfg.n_vips;
	*has_primary = vrrp_iface_pick_primary(have, n, current, g->cfg.vips, n_vips, primary) == 0;
	free(have);
	f->has_address = *has_primary;
	if (g->running && g->cfg.vmac) {
		const char *name = view_name(v, g->vmac_ifindex);
		f->vmac_lost = !name || strcmp(name, g->vmac_name) != 0;
	}
}

/* The old process's group, in a hot restart's snapshot. */
static bool in_snapshot(const struct vrrpd_group *g)
{
	int family = g->cfg.family == HS_FAMILY_IPV6 ? AF_INET6 : AF_INET;
	return g->vd->snap &&
	       vrrp_snapshot_find(g->vd->snap, g->cfg.interface, family, g->cfg.vrid) != NULL;
}

static void start(struct vrrpd_watch *w, struct vrrpd_group *g, const struct hs_addr *primary)
{
	if (vrrpd_group_start(g, primary) == 0 && g->running) {
		w->starts++;
		g->start_failed_ms = 0;
	} else {
		g->start_failed_ms = hs_now_ms(); /* tried again by the watch's retry, not sooner */
		w->retry = true;
	}
}

static void one(struct vrrpd_watch *w, struct vrrpd_group *g, const struct links_view *v)
{
	/* Twice at most: a group stopped for a renewed index starts on the new one at once. */
	for (int round = 0; round < 2; round++) {
		struct vrrp_iface_facts f;
		struct hs_addr primary;
		bool has_primary;
		facts_of(g, v, &f, &primary, &has_primary);
		enum vrrp_iface_why why;
		switch (vrrp_iface_decide(&f, &why)) {
		case VRRP_IFACE_KEEP:
			if (has_primary && !hs_addr_equal(&primary, &g->fsm.p.primary)) {
				vrrpd_group_readdress(g, &primary);
				w->readdressed++;
			}
			return;
		case VRRP_IFACE_WAIT:
			/* The old process's group resumes as it was, so that the next round stops
			 * it the proper way: a master's VIPs and vMAC link go. */
			if (f.ifindex > 0 && in_snapshot(g)) {
				start(w, g, has_primary ? &primary : NULL);
				if (g->running)
					continue;
			}
			vrrpd_group_wait(g, why);
			return;
		case VRRP_IFACE_START:
			if (g->start_failed_ms &&
			    hs_now_ms() - g->start_failed_ms < VRRPD_WATCH_RETRY_MS)
				return;
			start(w, g, &primary);
			return;
		case VRRP_IFACE_STOP:
			vrrpd_group_stop_for_interface(g, why);
			w->stops++;
			break;
		}
	}
}

static void pass(struct vrrpd_watch *w)
{
	struct vrrpd *vd = w->vd;
	if (vd->exiting || vd->d->handed_over)
		return;
	/* The snapshot is on its way to the new process, which makes a pass of its own at start;
	 * kept for later if the hand-over fails. */
	if (hs_daemon_hot_handing_over(vd->d)) {
		w->all = true;
		hs_timer_arm_in(&w->pass, 100);
		return;
	}
	struct ifaddrs *list = NULL;
	struct if_nameindex *names = NULL;
	if (getifaddrs(&list) < 0 || !(names = if_nameindex())) {
		hs_warn(PREFIX, "reading links and addresses: %s: trying again", strerror(errno));
		if (list)
			freeifaddrs(list);
		hs_timer_arm_in(&w->pass, 100);
		return;
	}
	const struct links_view view = { .names = names, .list = list };
	w->passes++;
	for (size_t i = 0; i < vd->n_groups; i++) {
		struct vrrpd_group *g = vd->groups[i];
		if (g->stopping)
			continue;
		bool touched = w->all || !g->running || (g->link && marked(w, g->link->ifindex)) ||
			       (g->cfg.vmac && marked(w, g->vmac_ifindex));
		if (touched)
			one(w, g, &view);
	}
	if_freenameindex(names);
	freeifaddrs(list);
	w->n_marked = 0;
	w->all = false;
	vrrpd_link_release_unused(vd);
	/* Without notifications (no socket), or after a start that failed, waiting groups are
	 * looked at again in a while. */
	bool waiting = false;
	for (size_t i = 0; i < vd->n_groups && !waiting; i++)
		waiting = !vd->groups[i]->running;
	if (waiting && (!w->sock || w->retry))
		hs_timer_arm_in(&w->pass, VRRPD_WATCH_RETRY_MS);
	w->retry = false;
}

static void pass_fired(struct hs_timer *t, void *arg)
{
	struct vrrpd_watch *w = arg;
	pass(w);
}

void vrrpd_watch_pass_all(struct vrrpd_watch *w)
{
	hs_timer_cancel(&w->pass);
	w->all = true;
	pass(w);
}

int vrrpd_watch_open(struct vrrpd_watch *w, struct vrrpd *vd)
{
	w->vd = vd;
	hs_timer_init(&w->pass, &vd->d->loop, pass_fired, w);
	w->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!w->sock ||
	    mnl_socket_bind(w->sock, RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
			    MNL_SOCKET_AUTOPID) < 0) {
		int r = -errno;
		hs_err(PREFIX, "link and address notifications: %s: interfaces are not watched",
		       strerror(-r));
		if (w->sock)
			mnl_socket_close(w->sock);
		w->sock = NULL;
		return r;
	}
	int r = hs_io_start(&w->io, &vd->d->loop, mnl_socket_get_fd(w->sock), EPOLLIN, readable, w);
	if (r < 0) {
		mnl_socket_close(w->sock);
		w->sock = NULL;
	}
	return r;
}

void vrrpd_watch_close(struct vrrpd_watch *w)
{
	if (w->sock) {
		hs_io_stop(&w->io);
		mnl_socket_close(w->sock);
		w->sock = NULL;
	}
	if (w->vd)
		hs_timer_free(&w->pass);
	w->vd = NULL;
}
