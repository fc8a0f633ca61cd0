/* Receive side: one raw socket per (base interface, family), shared by every group on it;
 * packets are handed to the group whose VRID they carry. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"
#include "socket.h"
#include "vrrpd.h"

static void link_readable(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct vrrpd_link *l = arg;
	uint8_t buf[VRRP_MSG_MAX +
		    64]; /* the largest advert (255 IPv6 addresses) and an IP header */
	/* Bounded: one turn of the loop reads at most 64 packets, then lets timers run. */
	for (int i = 0; i < 64; i++) {
		struct vrrpd_rx rx;
		int r = vrrpd_sock_rx_read(fd, l->family, buf, sizeof(buf), &rx);
		if (r == -EAGAIN)
			return;
		if (r < 0 && r != -EBADMSG) {
			uint64_t n = ++l->rx_errors;
			if ((n & (n - 1)) == 0)
				hs_warn("[vrrp]", "%s: reading: %s (%llu so far)", l->ifname,
					strerror(-r), (unsigned long long)n);
			continue;
		}
		l->unmatched.rx++;
		if (r < 0) { /* an IP header we cannot read */
			vrrp_count_drop(&l->unmatched, VRRP_DROP_SHORT);
			continue;
		}
		int vrid = vrrp_peek_vrid(rx.payload, rx.len);
		struct vrrpd_group *g =
			vrid > 0 ? vrrpd_group_find(l->vd, l->ifindex, l->family, vrid) : NULL;
		if (!g) {
			vrrp_count_drop(&l->unmatched,
					vrid >= 0 ? VRRP_DROP_VRID : VRRP_DROP_SHORT);
			continue;
		}
		l->unmatched.rx--; /* counted by the group */
		struct vrrp_ipinfo ip = { .src = rx.src, .dst = rx.dst, .ttl = rx.ttl };
		vrrpd_group_receive(g, rx.payload, rx.len, &ip);
	}
}

void vrrpd_link_rx_name(char *buf, size_t len, int family, const char *ifname)
{
	snprintf(buf, len, "vrrp%d-rx:%s", family == AF_INET6 ? 6 : 4, ifname);
}

struct vrrpd_link *vrrpd_link_get(struct vrrpd *vd, const char *ifname, int family)
{
	int ifindex = (int)if_nametoindex(ifname);
	if (ifindex <= 0) {
		hs_err("[vrrp]", "interface %s: %s", ifname, strerror(errno));
		return NULL;
	}
	/* One of the name on a dead index (the interface deleted and created again) is not it:
	 * its socket hears nothing; released once no group uses it (watch.c). */
	for (struct vrrpd_link *l = vd->links; l; l = l->next)
		if (l->family == family && l->ifindex == ifindex && strcmp(l->ifname, ifname) == 0)
			return l;
	struct vrrpd_link *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	char name[64];
	vrrpd_link_rx_name(name, sizeof(name), family, ifname);
	l->rx_fd = vrrpd_sock_rx_open(family, ifindex, hs_fdset_take(&vd->d->inherited, name));
	if (l->rx_fd < 0) {
		hs_err("[vrrp]", "%s: receive socket: %s", ifname, strerror(-l->rx_fd));
		free(l);
		return NULL;
	}
	if (hs_io_start(&l->io, &vd->d->loop, l->rx_fd, EPOLLIN, link_readable, l) < 0) {
		close(l->rx_fd);
		free(l);
		return NULL;
	}
	/* Adverts already received go before any timer: after a stall of the loop, a master-down
	 * timer must not fire ahead of the advert that would have re-armed it. */
	hs_io_set_priority(&l->io, VRRPD_RX_PRIORITY);
	l->vd = vd;
	snprintf(l->ifname, sizeof(l->ifname), "%s", ifname);
	l->ifindex = ifindex;
	l->family = family;
	l->next = vd->links;
	vd->links = l;
	return l;
}

static void link_free(struct vrrpd_link *l)
{
	hs_io_stop(&l->io);
	close(l->rx_fd);
	free(l);
}

void vrrpd_link_release_unused(struct vrrpd *vd)
{
	struct vrrpd_link **pp = &vd->links;
	while (*pp) {
		struct vrrpd_link *l = *pp;
		bool used = false;
		for (size_t i = 0; i < vd->n_groups && !used; i++)
			used = vd->groups[i]->link == l;
		if (used) {
			pp = &l->next;
			continue;
		}
		*pp = l->next;
		link_free(l);
	}
}

void vrrpd_links_free(struct vrrpd *vd)
{
	while (vd->links) {
		struct vrrpd_link *l = vd->links;
		vd->links = l->next;
		link_free(l);
	}
}
