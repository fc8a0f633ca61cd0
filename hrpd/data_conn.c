/* The data channel's sockets: one TCP connection between the boxes, over the running heartbeat
 * link. The box with the lower sender id connects, from its local address on the running link to
 * the peer's address on that link, port hrpd.port; the other listens on every link's local
 * address (SO_BINDTODEVICE, IP_FREEBIND) and accepts only from that link's configured remote
 * address, only while the peer is up, and only a connection it should not have opened itself.
 * A new connection from the peer replaces the old one.
 *
 * Sockets are non-blocking, TCP_NODELAY, keepalive off (the heartbeat decides liveness), DSCP
 * AF11 (bulk never ahead of the CS6 hellos on their own UDP sockets), and their sd-event sources
 * run at a lower priority than the heartbeat's timer, UDP sockets and the control socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "data_int.h"
#include "issu_send.h"
#include "log.h"

#define ACCEPT_BURST 4

static const char *const close_names[HRPD_DATA_CLOSE_MAX] = {
	[HRPD_DATA_CLOSE_PEER] = "peer-closed",
	[HRPD_DATA_CLOSE_ERROR] = "error",
	[HRPD_DATA_CLOSE_TIMEOUT] = "connect-timeout",
	[HRPD_DATA_CLOSE_GARBAGE] = "garbage",
	[HRPD_DATA_CLOSE_DROPPED] = "dropped-message",
	[HRPD_DATA_CLOSE_UNEXPECTED] = "unexpected-message",
	[HRPD_DATA_CLOSE_GAP] = "gap",
	[HRPD_DATA_CLOSE_BAD_ACK] = "bad-ack",
	[HRPD_DATA_CLOSE_LINK] = "running-link-changed",
	[HRPD_DATA_CLOSE_PEER_DOWN] = "peer-down",
	[HRPD_DATA_CLOSE_RESTART] = "peer-restarted",
	[HRPD_DATA_CLOSE_REPLACED] = "replaced",
	[HRPD_DATA_CLOSE_RELOAD] = "link-removed",
	[HRPD_DATA_CLOSE_BUILD] = "build-failed",
	[HRPD_DATA_CLOSE_HOT] = "hot-restart",
	[HRPD_DATA_CLOSE_PLAN] = "held-back",
};

static const char *const state_names[HRPD_DATA_STATE_MAX] = {
	[HRPD_DATA_IDLE] = "idle",
	[HRPD_DATA_CONNECTING] = "connecting",
	[HRPD_DATA_UP] = "up",
};

const char *hrpd_data_close_name(enum hrpd_data_close c)
{
	return (unsigned)c < HRPD_DATA_CLOSE_MAX ? close_names[c] : "unknown";
}

const char *hrpd_data_state_name(enum hrpd_data_state s)
{
	return (unsigned)s < HRPD_DATA_STATE_MAX ? state_names[s] : "unknown";
}

bool hrpd_data_we_connect(const struct hrpd *h)
{
	return h->peer.known && h->sender_id < h->peer.sender_id;
}

static bool is_addr(const struct hs_addr *a, const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET && a->family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == a->v4.s_addr;
	if (ss->ss_family == AF_INET6 && a->family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, &a->v6, 16) == 0;
	return false;
}

/* Device, DSCP AF11, and for IPv6 no mapped addresses. */
static int sock_base(int fd, int family, const char *ifname)
{
	int one = 1, tos = HRPD_DATA_TOS;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0)
		return -errno;
	if (family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
			return -errno;
	} else if (setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)) < 0) {
		return -errno;
	}
	return 0;
}

/* A connection: no Nagle, no keepalive (the heartbeat is the liveness), and a user timeout so
 * that data the peer's kernel never acknowledges ends the connection even when no link change
 * does (twice the dead time, at least 2 s). */
static void conn_opts(struct hrpd *h, int fd, int family)
{
	int one = 1, zero = 0, tos = HRPD_DATA_TOS;
	unsigned timeout = 2u * (unsigned)hrp_lv_dead_time_ms(&h->lv);
	if (timeout < 2000)
		timeout = 2000;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &zero, sizeof(zero));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &timeout, sizeof(timeout));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
	else
		setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
}

static void lower_priority(struct hs_io *io)
{
	if (io->src)
		hs_io_set_priority(io, HRPD_DATA_PRIORITY);
}

/* ---- the connection ---- */

static void conn_ready(struct hs_io *io, int fd, uint32_t revents, void *arg);

void hrpd_data_events(struct hrpd_data *dc)
{
	if (!dc->io_on)
		return;
	uint32_t ev = EPOLLOUT;
	if (dc->state == HRPD_DATA_UP) {
		ev = EPOLLIN;
		if (dc->out_len > dc->out_off || hrp_stream_tx_pending(&dc->tx))
			ev |= EPOLLOUT;
	}
	if (ev != dc->events && hs_io_set_events(&dc->io, ev) == 0)
		dc->events = ev;
}

static int link_of(const struct hrpd_data *dc)
{
	const struct hrpd *h = dc->h;
	for (size_t i = 0; i < h->n_links; i++) {
		const struct hs_hrp_link_config *c = &h->links[i]->cfg;
		if (strcmp(c->interface, dc->link_name) == 0 &&
		    hs_addr_equal(&c->local, &dc->link_local) &&
		    hs_addr_equal(&c->remote, &dc->link_remote))
			return (int)i;
	}
	return -1;
}

static void conn_link(struct hrpd_data *dc, int link)
{
	const struct hs_hrp_link_config *c = &dc->h->links[link]->cfg;
	dc->link = link;
	snprintf(dc->link_name, sizeof(dc->link_name), "%s", c->interface);
	dc->link_local = c->local;
	dc->link_remote = c->remote;
}

/* The connection is established (ours or the peer's): everything not acknowledged goes again,
 * the receiver's channels start fresh, and it owes the sender its acks at once. */
static void conn_up(struct hrpd_data *dc, uint64_t now)
{
	struct hrpd *h = dc->h;
	dc->state = HRPD_DATA_UP;
	dc->since_ms = now;
	dc->up_peer_known = h->peer.known;
	dc->up_peer_id = h->peer.sender_id;
	dc->up_peer_epoch = h->peer.epoch;
	dc->up_first_seq = h->tx.seq[HRP_STREAM_DATA];
	dc->in_len = 0;
	dc->out_off = dc->out_len = 0;
	dc->events = 0;
	hrp_stream_tx_rewind(&dc->tx);
	/* A peer that restarted numbers afresh: an ack of its old numbers would close this
	 * connection ("ack of what was never sent") before its first record. */
	hrpd_data_follow_epoch(dc);
	hrp_stream_rx_connected(&dc->rx);
	if (dc->ever_up)
		dc->st.reconnects++;
	dc->ever_up = true;
	if (dc->outgoing)
		dc->st.connects++;
	else
		dc->st.accepts++;
	char rb[64];
	hs_notice(HRPD_DATA_PREFIX, "connected over %s (%s %s)", dc->link_name,
		  dc->outgoing ? "to" : "from", hs_addr_str(&dc->link_remote, rb, sizeof(rb)));
	hrpd_data_queue_acks(dc, now);
	hrpd_data_events(dc);
	hrpd_data_arm(dc, now);
}

static int conn_watch(struct hrpd_data *dc, uint32_t events)
{
	int r = hs_io_start(&dc->io, &dc->h->d->loop, dc->fd, events, conn_ready, dc);
	if (r < 0)
		return r;
	dc->io_on = true;
	dc->events = events;
	lower_priority(&dc->io);
	return 0;
}

static void connect_done(struct hrpd_data *dc)
{
	int err = 0;
	socklen_t el = sizeof(err);
	if (getsockopt(dc->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		err = errno;
	if (err) {
		hrpd_data_close(dc, HRPD_DATA_CLOSE_ERROR, "connect: %s", strerror(err));
		return;
	}
	conn_up(dc, hs_now_ms());
}

static void conn_ready(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct hrpd_data *dc = arg;
	if (dc->state == HRPD_DATA_CONNECTING) {
		connect_done(dc);
		return;
	}
	unsigned gen = dc->gen;
	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
		hrpd_data_read(dc);
	if (gen == dc->gen && dc->state == HRPD_DATA_UP && (revents & EPOLLOUT))
		hrpd_data_write(dc);
}

int hrpd_data_connect(struct hrpd_data *dc, int link, uint64_t now)
{
	struct hrpd *h = dc->h;
	const struct hrpd_link *l = h->links[link];
	const struct hs_hrp_link_config *c = &l->cfg;
	struct sockaddr_storage local, remote;
	socklen_t ll = hs_addr_sockaddr(&c->local, 0, (int)if_nametoindex(c->interface), &local);
	socklen_t rl =
		hs_addr_sockaddr(&c->remote, h->port, (int)if_nametoindex(c->interface), &remote);
	int fd = socket(c->local.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return -errno;
	int r = sock_base(fd, c->local.family, c->interface);
	if (r == 0 && bind(fd, (struct sockaddr *)&local, ll) < 0)
		r = -errno;
	if (r == 0) {
		conn_opts(h, fd, c->local.family);
		if (connect(fd, (struct sockaddr *)&remote, rl) < 0 && errno != EINPROGRESS)
			r = -errno;
	}
	if (r < 0) {
		close(fd);
		dc->st.connect_failures++;
		dc->next_connect_ms = now + dc->backoff_ms;
		if (dc->backoff_ms < HRPD_DATA_BACKOFF_MAX)
			dc->backoff_ms *= 2;
		hs_info(HRPD_DATA_PREFIX, "connect over %s: %s", c->interface, strerror(-r));
		return r;
	}
	dc->fd = fd;
	conn_link(dc, link);
	dc->outgoing = true;
	dc->since_ms = now;
	dc->state = HRPD_DATA_CONNECTING;
	r = conn_watch(dc, EPOLLOUT);
	if (r < 0) {
		hrpd_data_close(dc, HRPD_DATA_CLOSE_ERROR, "watch: %s", strerror(-r));
		return r;
	}
	hs_debug(HS_DBG_HRP, HRPD_DATA_PREFIX, "connecting over %s", c->interface);
	return 0;
}

/* ---- a hot restart's connection ---- */

int hrpd_data_conn_adopt(struct hrpd_data *dc, int fd, const char *link, bool outgoing,
			 uint64_t since_ms)
{
	for (size_t i = 0; i < dc->h->n_links; i++) {
		if (strcmp(dc->h->links[i]->cfg.interface, link) != 0)
			continue;
		dc->fd = fd;
		conn_link(dc, (int)i);
		dc->outgoing = outgoing;
		dc->since_ms = since_ms;
		dc->state = HRPD_DATA_UP;
		dc->ever_up = true;
		dc->events = 0;
		return 0;
	}
	return -ENOENT;
}

int hrpd_data_conn_resume(struct hrpd_data *dc)
{
	if (dc->state != HRPD_DATA_UP)
		return 0;
	if (!dc->io_on) {
		int r = conn_watch(dc, EPOLLIN);
		if (r < 0) {
			hrpd_data_close(dc, HRPD_DATA_CLOSE_ERROR, "watch: %s", strerror(-r));
			return r;
		}
	}
	uint64_t now = hs_now_ms();
	hrpd_data_queue_acks(dc, now);
	hrpd_data_events(dc);
	hrpd_data_arm(dc, now);
	return 0;
}

void hrpd_data_conn_pause(struct hrpd_data *dc)
{
	if (dc->state == HRPD_DATA_CONNECTING)
		hrpd_data_close(dc, HRPD_DATA_CLOSE_HOT, "a connect under way is not handed over");
	/* Unwatched, not merely masked: epoll reports a hang-up or an error whatever the mask,
	 * and a read here would take bytes that are the new process's. */
	if (dc->state == HRPD_DATA_UP && dc->io_on) {
		hs_io_stop(&dc->io);
		dc->io_on = false;
		dc->events = 0;
	}
}

void hrpd_data_close(struct hrpd_data *dc, enum hrpd_data_close why, const char *fmt, ...)
{
	if (dc->state == HRPD_DATA_IDLE)
		return;
	uint64_t now = hs_now_ms();
	bool was_up = dc->state == HRPD_DATA_UP;
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (dc->io_on)
		hs_io_stop(&dc->io);
	dc->io_on = false;
	close(dc->fd);
	dc->fd = -1;
	dc->state = HRPD_DATA_IDLE;
	dc->gen++;
	dc->in_len = 0;
	dc->out_off = dc->out_len = 0;
	if ((unsigned)why < HRPD_DATA_CLOSE_MAX)
		dc->st.closed[why]++;
	if (was_up) {
		hs_notice(HRPD_DATA_PREFIX, "connection over %s closed: %s (up %llu ms)",
			  dc->link_name, msg, (unsigned long long)(now - dc->since_ms));
		/* Records in flight stall until a new connection acknowledges them. */
		if (hrp_stream_tx_outstanding(&dc->tx) && !dc->stalled) {
			dc->stalled = true;
			dc->stall_from_ms = dc->last_progress_ms;
		}
	} else {
		dc->st.connect_failures++;
		hs_info(HRPD_DATA_PREFIX, "connect over %s failed: %s", dc->link_name, msg);
	}
	/* A link change or a restarted peer: at once. Anything else: back off (50 ms .. 1 s). */
	if (why == HRPD_DATA_CLOSE_LINK || why == HRPD_DATA_CLOSE_RESTART ||
	    why == HRPD_DATA_CLOSE_REPLACED) {
		dc->next_connect_ms = now;
	} else {
		dc->next_connect_ms = now + dc->backoff_ms;
		if (dc->backoff_ms < HRPD_DATA_BACKOFF_MAX)
			dc->backoff_ms *= 2;
	}
	hrpd_data_arm(dc, now);
}

/* ---- listeners ---- */

static bool peer_live(const struct hrpd *h)
{
	return h->enabled &&
	       (h->lv.peer == HRP_LV_PEER_UP || h->lv.peer == HRP_LV_PEER_NEGOTIATING);
}

static const char *refuse_reason(const struct hrpd *h, const struct hrpd_link *l,
				 const struct sockaddr_storage *from)
{
	if (!l)
		return "no such link";
	if (!is_addr(&l->cfg.remote, from))
		return "not the link's remote address";
	if (!h->enabled)
		return "hrp is disabled";
	if (hrpd_data_plan_held(h))
		return ISSU_DATA_HELD_WHY;
	if (hrpd_data_we_connect(h))
		return "we connect to the peer (lower sender id), not it to us";
	return NULL;
}

static void refuse(struct hrpd_data *dc, int fd, const char *ifname, const char *why)
{
	uint64_t n = ++dc->st.refused;
	if (!(n & (n - 1)))
		hs_info(HRPD_DATA_PREFIX, "refused a connection on %s: %s (%llu so far)", ifname,
			why, (unsigned long long)n);
	close(fd);
}

/* The peer's connection becomes ours, replacing any other. */
static void adopt(struct hrpd_data *dc, int fd, int link)
{
	struct hrpd *h = dc->h;
	if (dc->state != HRPD_DATA_IDLE)
		hrpd_data_close(dc, HRPD_DATA_CLOSE_REPLACED, "the peer connected again over %s",
				h->links[link]->cfg.interface);
	conn_opts(h, fd, h->links[link]->cfg.local.family);
	dc->fd = fd;
	conn_link(dc, link);
	dc->outgoing = false;
	if (conn_watch(dc, EPOLLIN) < 0) {
		close(fd);
		dc->fd = -1;
		return;
	}
	dc->state = HRPD_DATA_CONNECTING; /* for conn_up's bookkeeping only */
	conn_up(dc, hs_now_ms());
}

void hrpd_data_held_drop(struct hrpd_data *dc)
{
	if (dc->held_fd >= 0)
		close(dc->held_fd);
	dc->held_fd = -1;
}

uint64_t hrpd_data_held_check(struct hrpd_data *dc, uint64_t now)
{
	struct hrpd *h = dc->h;
	if (dc->held_fd < 0)
		return HRP_STREAM_NEVER;
	int fd = dc->held_fd;
	bool link_ok = (size_t)dc->held_link < h->n_links;
	const char *name = link_ok ? h->links[dc->held_link]->cfg.interface : "?";
	if (link_ok && peer_live(h) && !hrpd_data_we_connect(h)) {
		dc->held_fd = -1;
		adopt(dc, fd, dc->held_link);
		return HRP_STREAM_NEVER;
	}
	if (!link_ok || !h->enabled || (peer_live(h) && hrpd_data_we_connect(h)) ||
	    now - dc->held_ms >= HRPD_DATA_CONNECT_MS) {
		dc->held_fd = -1;
		refuse(dc, fd, name,
		       peer_live(h) ? "we connect to the peer, not it to us"
				    : "the peer did not come up");
		return HRP_STREAM_NEVER;
	}
	return dc->held_ms + HRPD_DATA_CONNECT_MS;
}

static void accept_one(struct hrpd_data_listener *L, int fd, const struct sockaddr_storage *from)
{
	struct hrpd_data *dc = L->dc;
	struct hrpd *h = dc->h;
	const struct hrpd_link *l = (size_t)L->index < h->n_links ? h->links[L->index] : NULL;
	const char *why = refuse_reason(h, l, from);
	if (why) {
		refuse(dc, fd, L->ifname, why);
		return;
	}
	if (!peer_live(h)) {
		/* The peer heard our hello before we heard its: hold the connection, unread. A
		 * newer one replaces the one held (the peer gave up on it): refused, counted. */
		if (dc->held_fd >= 0) {
			bool ok = (size_t)dc->held_link < h->n_links;
			refuse(dc, dc->held_fd, ok ? h->links[dc->held_link]->cfg.interface : "?",
			       "the peer connected again");
		}
		dc->held_fd = fd;
		dc->held_link = L->index;
		dc->held_ms = hs_now_ms();
		hrpd_data_arm(dc, dc->held_ms);
		return;
	}
	adopt(dc, fd, L->index);
}

static void listener_ready(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct hrpd_data_listener *L = arg;
	for (int i = 0; i < ACCEPT_BURST; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		int cfd =
			accept4(L->fd, (struct sockaddr *)&from, &fl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				hs_debug(HS_DBG_HRP, HRPD_DATA_PREFIX, "accept on %s: %s",
					 L->ifname, strerror(errno));
			return;
		}
		accept_one(L, cfd, &from);
	}
}

static void listener_close(struct hrpd_data_listener *L)
{
	if (L->io_on)
		hs_io_stop(&L->io);
	L->io_on = false;
	if (L->fd >= 0)
		close(L->fd);
	L->fd = -1;
}

/* The listening socket fd (ours from here: closed on failure) watched for connections. */
static int listener_watch(struct hrpd_data_listener *L, int fd)
{
	int r = hs_io_start(&L->io, &L->dc->h->d->loop, fd, EPOLLIN, listener_ready, L);
	if (r < 0) {
		close(fd);
		return r;
	}
	L->fd = fd;
	L->io_on = true;
	lower_priority(&L->io);
	return 0;
}

static int listener_open(struct hrpd_data_listener *L)
{
	struct sockaddr_storage ss;
	L->ifindex = (int)if_nametoindex(L->ifname);
	socklen_t sl = hs_addr_sockaddr(&L->local, L->port, L->ifindex, &ss);
	char name[64];
	snprintf(name, sizeof(name), "hrp-data:%s", L->ifname);
	/* A hot restart hands the listener over: connections queued on it are not refused. */
	int fd = hs_fdset_take(&L->dc->h->d->inherited, name);
	if (fd >= 0)
		return listener_watch(L, fd);
	fd = socket(L->local.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return -errno;
	int one = 1;
	int r = sock_base(fd, L->local.family, L->ifname);
	if (r == 0 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		       setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one)) < 0 ||
		       bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 4) < 0))
		r = -errno;
	if (r < 0) {
		close(fd);
		return r;
	}
	return listener_watch(L, fd);
}

static bool listener_is(const struct hrpd_data_listener *L, const struct hrpd_link *l, int port)
{
	return L->port == port && strcmp(L->ifname, l->cfg.interface) == 0 &&
	       hs_addr_equal(&L->local, &l->cfg.local);
}

/* One listener per link, on the link's local address and hrpd.port; a failed one is tried
 * again every HRPD_DATA_LISTEN_RETRY_MS. */
void hrpd_data_listen_sync(struct hrpd_data *dc, uint64_t now)
{
	struct hrpd *h = dc->h;
	for (int i = 0; i < HS_HRP_LINKS_MAX; i++) {
		struct hrpd_data_listener *L = &dc->lis[i];
		const struct hrpd_link *l = (size_t)i < h->n_links ? h->links[i] : NULL;
		if (l && listener_is(L, l, h->port)) {
			/* its interface made again (the link follows it, link.c): a listener bound
			 * to the old one accepts nothing */
			if (L->fd >= 0 && l->fd >= 0 && l->ifindex != L->ifindex) {
				hs_notice(HRPD_DATA_PREFIX, "%s made again: listening again",
					  L->ifname);
				listener_close(L);
				L->last_try_ms = 0;
			}
			if (L->fd >= 0 ||
			    (L->last_try_ms && now - L->last_try_ms < HRPD_DATA_LISTEN_RETRY_MS))
				continue;
		} else {
			listener_close(L);
			L->last_try_ms = 0;
			L->last_err = 0;
			if (!l)
				continue;
			snprintf(L->ifname, sizeof(L->ifname), "%s", l->cfg.interface);
			L->local = l->cfg.local;
			L->port = h->port;
		}
		L->dc = dc;
		L->index = i;
		L->last_try_ms = now ? now : 1;
		int r = listener_open(L);
		if (r < 0 && r != L->last_err)
			hs_warn(HRPD_DATA_PREFIX, "cannot listen on %s port %d: %s (retrying)",
				L->ifname, L->port, strerror(-r));
		else if (r == 0)
			hs_debug(HS_DBG_HRP, HRPD_DATA_PREFIX, "listening on %s port %d", L->ifname,
				 L->port);
		L->last_err = r;
	}
}

uint64_t hrpd_data_listen_deadline(const struct hrpd_data *dc)
{
	uint64_t next = HRP_STREAM_NEVER;
	for (int i = 0; i < HS_HRP_LINKS_MAX; i++) {
		const struct hrpd_data_listener *L = &dc->lis[i];
		if (L->ifname[0] && L->fd < 0 && L->last_try_ms &&
		    L->last_try_ms + HRPD_DATA_LISTEN_RETRY_MS < next)
			next = L->last_try_ms + HRPD_DATA_LISTEN_RETRY_MS;
	}
	return next;
}

void hrpd_data_listen_close(struct hrpd_data *dc)
{
	for (int i = 0; i < HS_HRP_LINKS_MAX; i++) {
		listener_close(&dc->lis[i]);
		dc->lis[i].ifname[0] = 0;
	}
}

/* After a reload: the connection keeps running if its link is still there (under its new
 * index), else it goes. */
void hrpd_data_conn_relink(struct hrpd_data *dc)
{
	if (dc->state == HRPD_DATA_IDLE)
		return;
	int i = link_of(dc);
	if (i < 0)
		hrpd_data_close(dc, HRPD_DATA_CLOSE_RELOAD, "link %s removed", dc->link_name);
	else
		dc->link = i;
}
