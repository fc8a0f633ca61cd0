/* rtnetlink link monitor (see link_monitor.h). */
#include "link_monitor.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "log.h"

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_type_valid(attr, IFLA_MAX) > 0)
		tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static int nested_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);
	/* Sized for IFLA_BRPORT_*, which also holds every IFLA_INFO_* (fewer). */
	if (type <= IFLA_BRPORT_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

/* IFLA_BRPORT_STATE inside a nest (IFLA_PROTINFO, IFLA_INFO_SLAVE_DATA); -1 if not there. */
static int brport_state(const struct nlattr *nest)
{
	const struct nlattr *tb[IFLA_BRPORT_MAX + 1] = { 0 };
	if (!nest || mnl_attr_parse_nested(nest, nested_cb, tb) < 0 || !tb[IFLA_BRPORT_STATE] ||
	    mnl_attr_validate(tb[IFLA_BRPORT_STATE], MNL_TYPE_U8) < 0)
		return -1;
	return mnl_attr_get_u8(tb[IFLA_BRPORT_STATE]);
}

/* A bridge port's state in an ordinary link message: IFLA_LINKINFO / IFLA_INFO_SLAVE_KIND
 * "bridge" / IFLA_INFO_SLAVE_DATA. */
static int slave_state(const struct nlattr *linkinfo)
{
	const struct nlattr *tb[IFLA_BRPORT_MAX + 1] = { 0 };
	if (!linkinfo || mnl_attr_parse_nested(linkinfo, nested_cb, tb) < 0 ||
	    !tb[IFLA_INFO_SLAVE_KIND] || !tb[IFLA_INFO_SLAVE_DATA] ||
	    mnl_attr_validate(tb[IFLA_INFO_SLAVE_KIND], MNL_TYPE_NUL_STRING) < 0 ||
	    strcmp(mnl_attr_get_str(tb[IFLA_INFO_SLAVE_KIND]), "bridge") != 0)
		return -1;
	return brport_state(tb[IFLA_INFO_SLAVE_DATA]);
}

static int link_msg(const struct nlmsghdr *nlh, void *data)
{
	struct vgmpd_link_monitor *m = data;
	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, tb);
	if (!tb[IFLA_IFNAME])
		return MNL_CB_OK;
	/* Carrier is what a tracked port is about: admin up and lower layer up. */
	bool up = nlh->nlmsg_type == RTM_NEWLINK && (ifi->ifi_flags & IFF_UP) &&
		  (ifi->ifi_flags & IFF_LOWER_UP);
	bool bridge_msg = ifi->ifi_family == AF_BRIDGE;
	m->events++;
	if (m->port_cb) {
		struct vgmpd_link_port p = {
			.ifname = mnl_attr_get_str(tb[IFLA_IFNAME]),
			.ifindex = ifi->ifi_index,
			.deleted = nlh->nlmsg_type == RTM_DELLINK,
			.bridge_msg = bridge_msg,
			.up = (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_LOWER_UP),
			.master = tb[IFLA_MASTER] ? (int)mnl_attr_get_u32(tb[IFLA_MASTER]) : 0,
			.state = bridge_msg ? brport_state(tb[IFLA_PROTINFO])
					    : slave_state(tb[IFLA_LINKINFO]),
		};
		m->port_cb(&p, m->arg);
	}
	/* The bridge speaking of a port: not the link's own state. */
	if (!bridge_msg)
		m->cb(mnl_attr_get_str(tb[IFLA_IFNAME]), up, m->arg);
	return MNL_CB_OK;
}

static int request_dump(struct vgmpd_link_monitor *m)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = (unsigned)time(NULL);
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	return mnl_socket_sendto(m->sock, nlh, nlh->nlmsg_len) < 0 ? -errno : 0;
}

int vgmpd_link_monitor_dump(struct vgmpd_link_monitor *m)
{
	if (!m->sock)
		return -ENOTCONN;
	if (m->dumping) {
		m->redump = true;
		return 0;
	}
	int r = request_dump(m);
	m->dumping = r == 0;
	return r;
}

/* The dump ended (its last message, or an error in its place): the next one may start. */
static void dump_ended(struct vgmpd_link_monitor *m)
{
	m->dumping = false;
	if (m->redump) {
		m->redump = false;
		vgmpd_link_monitor_dump(m);
	}
}

/* An error answer: counted and said 1, 2, 4... times. It ends our dump, unless the kernel
 * refused ours because a dump already runs on the socket (the previous process's, after a
 * hot restart): ours then follows that one. */
static void error_answer(struct vgmpd_link_monitor *m, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	int err = nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*e)) ? -e->error : EIO;
	if (err == 0)
		return; /* an acknowledgement */
	unsigned long long n = ++m->errors;
	if ((n & (n - 1)) == 0)
		hs_warn("[track]", "link monitor: %s (%llu so far)", strerror(err), n);
	if (err == EBUSY)
		m->dumping = m->redump = true;
	else
		dump_ended(m);
}

/* One datagram's messages: each link message to link_msg; a dump the kernel marks
 * interrupted (the links changed under it) is asked again once it ends. */
static void messages(struct vgmpd_link_monitor *m, const char *buf, size_t len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int rem = (int)len;
	for (; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
		if ((nlh->nlmsg_flags & NLM_F_DUMP_INTR) && !m->redump) {
			unsigned long long n = ++m->interrupted;
			if ((n & (n - 1)) == 0)
				hs_info("[track]", "link dump interrupted (%llu so far): again", n);
			m->redump = true;
		}
		if (nlh->nlmsg_type == NLMSG_DONE) {
			/* an interrupted dump's end is not the picture: the next one's is */
			bool again = m->redump;
			dump_ended(m);
			if (!again && m->done_cb)
				m->done_cb(m->arg);
		} else if (nlh->nlmsg_type == NLMSG_ERROR) {
			error_answer(m, nlh);
		} else {
			link_msg(nlh, m);
		}
	}
}

static void readable(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct vgmpd_link_monitor *m = arg;
	char buf[16384];
	/* Bounded: a burst of changes is read over several loop turns. */
	for (int i = 0; i < 32; i++) {
		ssize_t n = mnl_socket_recvfrom(m->sock, buf, sizeof(buf));
		if (n < 0) {
			if (errno == ENOBUFS) {
				/* Events were lost: ask for the whole picture again. */
				m->overruns++;
				hs_warn("[track]", "link events overrun: dumping links again");
				vgmpd_link_monitor_dump(m);
				continue;
			}
			return;
		}
		messages(m, buf, (size_t)n);
	}
}

int vgmpd_link_monitor_open(struct vgmpd_link_monitor *m, struct hs_loop *loop, int fd,
			    vgmpd_link_cb cb, void *arg)
{
	m->cb = cb;
	m->arg = arg;
	m->port_cb = NULL;
	m->done_cb = NULL;
	m->events = m->overruns = m->interrupted = m->errors = 0;
	m->dumping = m->redump = false;
	m->sock = fd >= 0 ? mnl_socket_fdopen(fd)
			  : mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!m->sock)
		return -errno;
	if (fd < 0 && mnl_socket_bind(m->sock, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
		int r = -errno;
		mnl_socket_close(m->sock);
		m->sock = NULL;
		return r;
	}
	if (vgmpd_link_monitor_dump(m) < 0 ||
	    hs_io_start(&m->io, loop, mnl_socket_get_fd(m->sock), EPOLLIN, readable, m) < 0) {
		int r = -errno;
		mnl_socket_close(m->sock);
		m->sock = NULL;
		return r ? r : -EIO;
	}
	return 0;
}

void vgmpd_link_monitor_close(struct vgmpd_link_monitor *m)
{
	if (!m->sock)
		return;
	hs_io_stop(&m->io);
	mnl_socket_close(m->sock);
	m->sock = NULL;
}
