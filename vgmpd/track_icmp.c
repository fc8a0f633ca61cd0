/* ICMP reachability tracker: one echo at a time toward a target, every interval, each target
 * with its own socket and timer on the loop. An unprivileged ICMP datagram socket
 * (SOCK_DGRAM/IPPROTO_ICMP, net.ipv4.ping_group_range) where allowed, a raw socket otherwise. The
 * codec and the schedule (which reply is expected, misses before down) are pure, in
 * lib/vgmp_probe.c; this file owns the socket and the timer. */
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "trackers.h"
#include "vgmpd.h"

#define PREFIX "[track-icmp]"

static void arm(struct vgmpd_tracker *k)
{
	hs_timer_arm_at(&k->u.icmp.timer, vgmp_probe_next_deadline(&k->u.icmp.probe));
}

static void report_if(struct vgmpd_tracker *k, bool changed)
{
	if (changed)
		vgmpd_tracker_report(k, k->u.icmp.probe.state);
}

static void send_probe(struct vgmpd_tracker *k, uint16_t seq, uint64_t now)
{
	struct vgmpd_icmp *c = &k->u.icmp;
	uint8_t buf[VGMP_ICMP_ECHO_LEN];
	size_t len = vgmp_icmp_echo_build(buf, sizeof(buf), c->ipv6, c->id, seq, (uint32_t)k->id);
	struct sockaddr_storage ss;
	socklen_t sl = hs_addr_sockaddr(&c->target, 0, 0, &ss);
	if (sendto(c->fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&ss, sl) < 0) {
		/* No route, or the buffer is full: no answer can come, a miss now. */
		bool changed;
		if (c->send_errors++ == 0)
			hs_warn(PREFIX, "%s: cannot send: %s", k->name, strerror(errno));
		vgmp_probe_send_failed(&c->probe, now, &changed);
		report_if(k, changed);
	}
}

static void timer_fired(struct hs_timer *t, void *arg)
{
	struct vgmpd_tracker *k = arg;
	uint64_t now = hs_now_ms();
	uint16_t seq;
	bool changed;
	enum vgmp_probe_action a = vgmp_probe_due(&k->u.icmp.probe, now, &seq, &changed);
	report_if(k, changed);
	if (a == VGMP_PROBE_SEND)
		send_probe(k, seq, now);
	arm(k);
}

static bool from_target(const struct vgmpd_icmp *c, const struct sockaddr_storage *ss)
{
	if (c->ipv6)
		return ss->ss_family == AF_INET6 &&
		       memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, &c->target.v6, 16) ==
			       0;
	return ss->ss_family == AF_INET &&
	       ((const struct sockaddr_in *)ss)->sin_addr.s_addr == c->target.v4.s_addr;
}

static void readable(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct vgmpd_tracker *k = arg;
	struct vgmpd_icmp *c = &k->u.icmp;
	/* Bounded: a flood is read over several loop turns. */
	for (int i = 0; i < 32; i++) {
		uint8_t buf[1500];
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
		if (n < 0)
			return;
		if (!from_target(c, &ss)) {
			c->other_source++;
			continue;
		}
		struct vgmp_icmp_echo e;
		enum vgmp_icmp_drop d = vgmp_icmp_echo_parse(buf, (size_t)n, c->ipv6,
							     c->raw && !c->ipv6,
							     c->raw ? c->id : -1, &e);
		if (d != VGMP_ICMP_OK) {
			c->drops[d]++;
			continue;
		}
		bool changed;
		vgmp_probe_reply(&c->probe, e.seq, hs_now_ms(), &changed);
		report_if(k, changed);
	}
}

static int open_socket(struct vgmpd_icmp *c)
{
	int family = c->ipv6 ? AF_INET6 : AF_INET;
	int proto = c->ipv6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	c->raw = false;
	if (fd < 0) {
		/* Not in ping_group_range: a raw socket (needs CAP_NET_RAW). */
		fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
		if (fd < 0)
			return -errno;
		c->raw = true;
		if (c->ipv6) {
			struct icmp6_filter f;
			ICMP6_FILTER_SETBLOCKALL(&f);
			ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
			setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
		}
	}
	return fd;
}

static int icmp_start(struct vgmpd_tracker *k)
{
	struct vgmpd_icmp *c = &k->u.icmp;
	const struct hs_vgmp_tracker_config *t = &k->cfg;
	c->fd = -1;
	hs_timer_init(&c->timer, &k->g->d->loop, timer_fired, k);
	if (hs_addr_parse(t->target, &c->target) < 0)
		return -EINVAL;
	c->ipv6 = c->target.family == AF_INET6;
	int r = vgmp_probe_init(&c->probe, (uint32_t)hs_vgmp_tracker_interval_ms(t),
				(uint32_t)hs_vgmp_tracker_timeout_ms(t), (uint32_t)t->count,
				hs_now_ms());
	if (r < 0)
		return r;
	c->fd = open_socket(c);
	if (c->fd < 0)
		return c->fd;
	/* Datagram sockets get their echo id from the kernel (the bound "port"), which also
	 * hands us only our replies; raw sockets see all replies and match our own id. */
	struct hs_addr any = { .family = c->target.family };
	struct hs_addr src = any;
	if (t->source[0] && hs_addr_parse(t->source, &src) < 0)
		return -EINVAL;
	struct sockaddr_storage ss;
	socklen_t sl = hs_addr_sockaddr(&src, 0, 0, &ss);
	if ((t->source[0] || !c->raw) && bind(c->fd, (struct sockaddr *)&ss, sl) < 0)
		return -errno;
	c->id = (uint16_t)(getpid() * 31 + k->id);
	if (!c->raw) {
		sl = sizeof(ss);
		if (getsockname(c->fd, (struct sockaddr *)&ss, &sl) == 0)
			c->id = ntohs(c->ipv6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
	}
	r = hs_io_start(&c->io, &k->g->d->loop, c->fd, EPOLLIN, readable, k);
	if (r < 0)
		return r;
	hs_info(PREFIX, "%s: probing %s every %u ms (timeout %u ms, down after %u), %s socket",
		k->name, t->target, c->probe.interval_ms, c->probe.timeout_ms, c->probe.count,
		c->raw ? "raw" : "datagram");
	arm(k);
	return 0;
}

static void icmp_stop(struct vgmpd_tracker *k)
{
	struct vgmpd_icmp *c = &k->u.icmp;
	hs_timer_free(&c->timer);
	if (c->fd >= 0) {
		hs_io_stop(&c->io);
		close(c->fd);
		c->fd = -1;
	}
}

static void icmp_status(const struct vgmpd_tracker *k, json_t *obj)
{
	const struct vgmpd_icmp *c = &k->u.icmp;
	const struct vgmp_probe *p = &c->probe;
	json_t *drops = json_object();
	for (int d = VGMP_ICMP_OK + 1; d < VGMP_ICMP_DROP_MAX; d++)
		json_object_set_new(drops, vgmp_icmp_drop_name(d), json_integer((json_int_t)c->drops[d]));
	json_object_set_new(drops, "other source", json_integer((json_int_t)c->other_source));
	json_object_set_new(
		obj, "icmp",
		json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:i, s:o}",
			  "target", k->cfg.target, "source", k->cfg.source, "socket",
			  c->fd < 0 ? "none" : c->raw ? "raw" : "datagram", "interval_ms",
			  (int)p->interval_ms, "timeout_ms", (int)p->timeout_ms, "count",
			  (int)p->count, "misses", (int)p->misses, "sent", (json_int_t)p->sent,
			  "replies", (json_int_t)p->replies, "timeouts", (json_int_t)p->timeouts,
			  "unexpected", (json_int_t)p->unexpected, "send_errors",
			  (json_int_t)c->send_errors, "rtt_ms", (int)p->last_rtt_ms, "drops",
			  drops));
}

const struct vgmpd_tracker_ops vgmpd_track_icmp_ops = {
	.type = "icmp",
	.start = icmp_start,
	.stop = icmp_stop,
	.status = icmp_status,
};
