/* A heartbeat link: its own UDP socket, bound to local:port on the link's interface
 * (SO_BINDTODEVICE, IP_FREEBIND so that it binds before the address is there), non-blocking,
 * CS6 in IP_TOS / IPV6_TCLASS; adopted by the name "hrp-hb:IF" from a hot restart. Hellos never
 * share it with bulk data. Receiving reads at most HRPD_RX_BURST datagrams per turn and takes
 * only those from the link's remote address. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hrpd.h"
#include "log.h"

#define TOS_CS6 0xc0

static int open_socket(struct hrpd_link *l)
{
	const struct hs_hrp_link_config *c = &l->cfg;
	int fd = socket(c->local.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	int one = 1, tos = TOS_CS6, prio = 6;
	struct sockaddr_storage ss;
	socklen_t sl = hs_addr_sockaddr(&c->local, l->port, l->ifindex, &ss);
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, c->interface,
		       (socklen_t)strlen(c->interface) + 1) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_PRIORITY, &prio, sizeof(prio)) < 0 ||
	    setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one)) < 0)
		goto fail;
	if (c->local.family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
			goto fail;
	} else if (setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)) < 0) {
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		goto fail;
	return fd;
fail:;
	int r = -errno;
	close(fd);
	return r;
}

static bool from_remote(const struct hrpd_link *l, const struct sockaddr_storage *ss)
{
	const struct hs_addr *r = &l->cfg.remote;
	if (ss->ss_family == AF_INET && r->family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == r->v4.s_addr;
	if (ss->ss_family == AF_INET6 && r->family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, &r->v6, 16) == 0;
	return false;
}

static void link_readable(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	hrpd_link_drain(arg);
}

void hrpd_link_drain(struct hrpd_link *l)
{
	static uint8_t buf[HRPD_RX_BUF];
	if (l->fd < 0)
		return;
	/* Bounded: at most HRPD_RX_BURST datagrams, then the loop runs timers and other links. */
	for (int i = 0; i < HRPD_RX_BURST; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(l->fd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				hs_debug(HS_DBG_HRP, l->prefix, "receive: %s", strerror(errno));
			if (errno != EINTR)
				return;
			continue;
		}
		if (!l->h->enabled) {
			l->h->st.rx_disabled++;
			continue;
		}
		if (!from_remote(l, &from)) {
			l->wrong_source++;
			l->h->st.wrong_source++;
			continue;
		}
		hrpd_chan_receive(l, buf, (size_t)n, hs_now_ms());
	}
}

static void set_admin(struct hrpd_link *l, bool up, const char *why)
{
	if (up == l->admin_up && strcmp(why, l->admin_why) == 0)
		return;
	if (up)
		hs_info(l->prefix, "interface usable");
	else
		hs_warn(l->prefix, "not usable: %s", why);
	l->admin_up = up;
	snprintf(l->admin_why, sizeof(l->admin_why), "%s", why);
}

static void close_socket(struct hrpd_link *l)
{
	if (l->io_on)
		hs_io_stop(&l->io);
	l->io_on = false;
	close(l->fd);
	l->fd = -1;
}

/* The interface our socket is bound to (SO_BINDTODEVICE ties it to an index) is still the one
 * by the link's name. A bond, VLAN or veth deleted and made again is a new index: the old
 * socket sends nothing (ENODEV) and hears nothing, so it is opened again at once; a deleted
 * interface closes it, and it is opened once the name is back. */
static void follow_interface(struct hrpd_link *l)
{
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", l->cfg.interface);
	int r = ioctl(l->fd, SIOCGIFINDEX, &ifr);
	if (r == 0 && ifr.ifr_ifindex == l->ifindex)
		return;
	if (r == 0)
		hs_notice(l->prefix, "interface made again (index %d, was %d): socket opened again",
			  ifr.ifr_ifindex, l->ifindex);
	else
		hs_warn(l->prefix, "interface deleted: socket closed until it is back");
	close_socket(l);
	l->renewals++;
	l->last_open_ms = 0;
}

bool hrpd_link_refresh(struct hrpd_link *l, uint64_t now)
{
	bool was = l->admin_up;
	if (l->fd >= 0)
		follow_interface(l);
	if (l->fd < 0 && (l->last_open_ms == 0 || now - l->last_open_ms >= HRPD_REOPEN_MS)) {
		l->last_open_ms = now;
		l->ifindex = (int)if_nametoindex(l->cfg.interface);
		if (l->ifindex <= 0) {
			set_admin(l, false, "no such interface");
			return was != l->admin_up;
		}
		char name[64];
		snprintf(name, sizeof(name), "hrp-hb:%s", l->cfg.interface);
		int fd = hs_fdset_take(&l->h->d->inherited, name);
		if (fd < 0)
			fd = open_socket(l);
		if (fd < 0) {
			char why[96];
			snprintf(why, sizeof(why), "socket: %s", strerror(-fd));
			set_admin(l, false, why);
			return was != l->admin_up;
		}
		int r = hs_io_start(&l->io, &l->h->d->loop, fd, EPOLLIN, link_readable, l);
		if (r < 0) {
			/* Unwatched, it would be deaf for good: closed, opened again next time. */
			close(fd);
			char why[96];
			snprintf(why, sizeof(why), "watch: %s", strerror(-r));
			set_admin(l, false, why);
			return was != l->admin_up;
		}
		l->fd = fd;
		l->io_on = true;
	}
	if (l->fd < 0)
		return was != l->admin_up;
	/* Interface up with carrier: SIOCGIFFLAGS on our own socket, once per hello. */
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", l->cfg.interface);
	if (ioctl(l->fd, SIOCGIFFLAGS, &ifr) < 0)
		set_admin(l, false, "interface gone");
	else if (!(ifr.ifr_flags & IFF_UP))
		set_admin(l, false, "interface administratively down");
	else if (!(ifr.ifr_flags & IFF_RUNNING))
		set_admin(l, false, "no carrier");
	else
		set_admin(l, true, "");
	return was != l->admin_up;
}

int hrpd_link_send(struct hrpd_link *l, const uint8_t *buf, size_t len)
{
	if (l->fd < 0)
		return -ENOTCONN;
	struct sockaddr_storage ss;
	socklen_t sl = hs_addr_sockaddr(&l->cfg.remote, l->port, l->ifindex, &ss);
	if (sendto(l->fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&ss, sl) < 0) {
		int r = -errno;
		l->tx_errors++;
		hs_debug(HS_DBG_HRP, l->prefix, "send: %s", strerror(-r));
		return r;
	}
	l->tx++;
	return 0;
}

struct hrpd_link *hrpd_link_new(struct hrpd *h, int index, const struct hs_hrp_link_config *cfg,
				int port)
{
	struct hrpd_link *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->h = h;
	l->index = index;
	l->cfg = *cfg;
	l->port = port;
	l->fd = -1;
	l->rtt_us = -1;
	l->admin_up = true;
	snprintf(l->prefix, sizeof(l->prefix), "[hrp %s]", cfg->interface);
	return l;
}

bool hrpd_link_same(const struct hrpd_link *l, const struct hs_hrp_link_config *cfg, int port)
{
	return port == l->port && strcmp(cfg->interface, l->cfg.interface) == 0 &&
	       hs_addr_equal(&cfg->local, &l->cfg.local) &&
	       hs_addr_equal(&cfg->remote, &l->cfg.remote);
}

void hrpd_link_free(struct hrpd_link *l)
{
	if (!l)
		return;
	if (l->io_on)
		hs_io_stop(&l->io);
	if (l->fd >= 0)
		close(l->fd);
	free(l);
}
