/* The loop-driven control client (see ctl_link.h). */
#include "ctl_link.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_client.h"
#include "ctl_proto.h"
#include "log.h"
#include "loop.h"

struct pending {
	struct pending *next;
	json_int_t id;
	hs_ctl_answer_cb cb;
	void *arg;
};

struct hs_ctl_link {
	struct hs_loop *loop;
	char path[108];
	char daemon[32];
	const char *const *events;
	const struct hs_ctl_link_ops *ops;
	void *arg;
	int fd;
	bool up;
	struct hs_io io;
	struct hs_timer retry;
	struct hs_timer broken; /* a request's send failed: down on the loop's next turn */
	uint8_t *in;
	size_t in_len, in_cap;
	uint8_t *out;
	size_t out_len, out_off;
	json_int_t next_id;
	struct pending *pending, **pending_tail;
	char prefix[48];
};

static void schedule_retry(struct hs_ctl_link *l)
{
	hs_timer_arm_in(&l->retry, HS_CTL_LINK_RETRY_MS);
}

/* Drops the connection: pending answers get NULL, the user hears "disconnected". */
static void link_down(struct hs_ctl_link *l)
{
	bool was_up = l->up;
	if (l->fd >= 0) {
		hs_io_stop(&l->io);
		close(l->fd);
		l->fd = -1;
	}
	l->up = false;
	hs_timer_cancel(&l->broken);
	l->in_len = l->out_len = l->out_off = 0;
	while (l->pending) {
		struct pending *p = l->pending;
		l->pending = p->next;
		if (p->cb)
			p->cb(NULL, p->arg);
		free(p);
	}
	l->pending_tail = &l->pending;
	if (was_up) {
		hs_info(l->prefix, "disconnected");
		if (l->ops->disconnected)
			l->ops->disconnected(l, l->arg);
	}
	schedule_retry(l);
}

static void send_failed(struct hs_timer *t, void *arg)
{
	struct hs_ctl_link *l = arg;
	(void)t;
	if (l->up)
		link_down(l);
}

static int flush_out(struct hs_ctl_link *l)
{
	while (l->out_off < l->out_len) {
		ssize_t n = send(l->fd, l->out + l->out_off, l->out_len - l->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return -EPIPE;
		l->out_off += (size_t)n;
	}
	if (l->out_off == l->out_len)
		l->out_off = l->out_len = 0;
	hs_io_set_events(&l->io, EPOLLIN | (l->out_len ? EPOLLOUT : 0));
	return 0;
}

static void handle_message(struct hs_ctl_link *l, json_t *msg)
{
	const char *event = json_string_value(json_object_get(msg, "event"));
	if (event) {
		if (l->ops->event)
			l->ops->event(l, event, json_object_get(msg, "data"), l->arg);
		return;
	}
	/* Answers come in request order on one connection. */
	struct pending *p = l->pending;
	if (!p)
		return;
	l->pending = p->next;
	if (!l->pending)
		l->pending_tail = &l->pending;
	if (json_is_false(json_object_get(msg, "ok")))
		hs_debug(HS_DBG_CTL, l->prefix, "request %lld refused: %s", (long long)p->id,
			 json_string_value(
				 json_object_get(json_object_get(msg, "error"), "message")));
	if (p->cb)
		p->cb(msg, p->arg);
	free(p);
}

static int read_in(struct hs_ctl_link *l)
{
	for (;;) {
		if (l->in_cap - l->in_len < 4096) {
			size_t cap = l->in_cap ? l->in_cap * 2 : 8192;
			if (cap > HS_CTL_MAX_RESPONSE + HS_CTL_HEADER_LEN + 8192)
				return -EMSGSIZE;
			uint8_t *p = realloc(l->in, cap);
			if (!p)
				return -ENOMEM;
			l->in = p;
			l->in_cap = cap;
		}
		ssize_t n = recv(l->fd, l->in + l->in_len, l->in_cap - l->in_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -ECONNRESET;
		l->in_len += (size_t)n;
		size_t off = 0, plen;
		int r;
		while ((r = hs_ctl_frame_peek(l->in + off, l->in_len - off, HS_CTL_MAX_RESPONSE,
					      &plen)) == 1) {
			json_t *msg = json_loadb((const char *)l->in + off + HS_CTL_HEADER_LEN,
						 plen, 0, NULL);
			off += HS_CTL_HEADER_LEN + plen;
			if (!json_is_object(msg)) {
				json_decref(msg);
				return -EBADMSG;
			}
			handle_message(l, msg);
			json_decref(msg);
			if (l->fd < 0)
				return 0; /* a callback closed the link */
		}
		if (r < 0)
			return r;
		memmove(l->in, l->in + off, l->in_len - off);
		l->in_len -= off;
	}
}

static void io_ready(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct hs_ctl_link *l = arg;
	int r = 0;
	if (revents & EPOLLOUT)
		r = flush_out(l);
	if (r == 0 && (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		r = read_in(l);
	if (r < 0)
		link_down(l);
}

static void subscribe(struct hs_ctl_link *l)
{
	if (!l->events || !l->events[0])
		return;
	json_t *names = json_array();
	for (const char *const *e = l->events; *e; e++)
		json_array_append_new(names, json_string(*e));
	hs_ctl_link_request(l, "subscribe", json_pack("{s:o}", "events", names), NULL, NULL);
}

static void try_connect(struct hs_timer *t, void *arg)
{
	struct hs_ctl_link *l = arg;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", l->path);
	/* A UNIX stream connect completes at once or fails at once: no half-open state. */
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    hs_io_start(&l->io, l->loop, fd, EPOLLIN, io_ready, l) < 0) {
		if (fd >= 0)
			close(fd);
		schedule_retry(l);
		return;
	}
	l->fd = fd;
	l->up = true;
	hs_info(l->prefix, "connected to %s", l->path);
	subscribe(l);
	if (l->ops->connected)
		l->ops->connected(l, l->arg);
}

int hs_ctl_link_open(struct hs_ctl_link **out, struct hs_loop *loop, const char *rundir,
		     const char *daemon, const char *const *events,
		     const struct hs_ctl_link_ops *ops, void *arg)
{
	struct hs_ctl_link *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	if (hs_ctl_socket_path(l->path, sizeof(l->path), rundir, daemon) < 0) {
		free(l);
		return -ENAMETOOLONG;
	}
	snprintf(l->daemon, sizeof(l->daemon), "%s", daemon);
	snprintf(l->prefix, sizeof(l->prefix), "[link %s]", daemon);
	l->loop = loop;
	l->events = events;
	l->ops = ops;
	l->arg = arg;
	l->fd = -1;
	l->next_id = 1;
	l->pending_tail = &l->pending;
	hs_timer_init(&l->retry, loop, try_connect, l);
	hs_timer_init(&l->broken, loop, send_failed, l);
	hs_timer_arm_in(&l->retry, 0);
	*out = l;
	return 0;
}

int hs_ctl_link_request(struct hs_ctl_link *l, const char *cmd, json_t *args, hs_ctl_answer_cb cb,
			void *cb_arg)
{
	if (!l || !l->up) {
		json_decref(args);
		return -ENOTCONN;
	}
	json_int_t id = l->next_id++;
	json_t *req = hs_ctl_request_new(id, cmd, args);
	json_decref(args);
	uint8_t *frame;
	size_t len;
	int r = hs_ctl_frame_encode(req, &frame, &len);
	json_decref(req);
	struct pending *p = r == 0 ? calloc(1, sizeof(*p)) : NULL;
	uint8_t *buf = p ? realloc(l->out, l->out_len + len) : NULL;
	if (!buf) {
		free(p);
		if (r == 0)
			free(frame);
		return r < 0 ? r : -ENOMEM;
	}
	memcpy(buf + l->out_len, frame, len);
	free(frame);
	l->out = buf;
	l->out_len += len;
	*p = (struct pending){ .id = id, .cb = cb, .arg = cb_arg };
	*l->pending_tail = p;
	l->pending_tail = &p->next;
	/* Sent at once where the socket takes it: a role change must not wait for the loop. A
	 * send that fails takes the link down on the loop's next turn, not inside this call: the
	 * request is queued (0), and its callback must not run before the caller has noted it. */
	if (flush_out(l) < 0)
		hs_timer_arm_in(&l->broken, 0);
	return 0;
}

bool hs_ctl_link_up(const struct hs_ctl_link *l)
{
	return l && l->up;
}

const char *hs_ctl_link_daemon(const struct hs_ctl_link *l)
{
	return l->daemon;
}

void hs_ctl_link_close(struct hs_ctl_link *l)
{
	if (!l)
		return;
	static const struct hs_ctl_link_ops silent;
	l->ops = &silent; /* closing is not news to the owner */
	link_down(l);
	hs_timer_free(&l->retry);
	hs_timer_free(&l->broken);
	free(l->in);
	free(l->out);
	free(l);
}
