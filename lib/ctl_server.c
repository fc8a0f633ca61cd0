/* The control socket server: accept, read frames, dispatch through command tables, answer,
 * publish events to subscribers. Never blocks: every socket is non-blocking and output is queued.
 */
#include "ctl_server.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "log.h"
#include "loop.h"

#define CTL_MAX_CLIENTS 64
#define CTL_MAX_TABLES  8
#define CTL_MAX_BACKLOG (4u * 1024u * 1024u) /* queued bytes before a subscriber is dropped */
#define CTL_READ_CHUNK  4096
#define CTL_READS_TURN  16 /* reads of one connection per loop turn: the others (hellos) wait */
#define CTL_FRAMES_TURN 64 /* requests of one connection answered per loop turn, for the same */
#define CTL_PREFIX      "[ctl]"

struct ctl_conn {
	struct hs_ctl_server *srv;
	struct ctl_conn *next;
	int fd;
	struct hs_io io;
	uint8_t *in;
	size_t in_len, in_cap;
	uint8_t *out;
	size_t out_len, out_off;
	json_t *subscriptions; /* array of event names; NULL when not subscribed */
	bool close_after_flush;
	struct hs_timer resume; /* whole frames left in `in` by the turn's budget or a backlog */
	/* Reading its frames: a command that publishes can fail a send to this very connection,
	 * which is then only closed (dead) and freed once the read is over. */
	bool in_use, dead;
};

struct ctl_table {
	const struct hs_ctl_command *cmds;
	void *ctx;
};

struct hs_ctl_server {
	struct hs_loop *loop;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd;
	gid_t allowed_gid;
	bool gid_set;
	struct hs_io listen_io;
	struct ctl_conn *conns;
	size_t n_conns;
	struct ctl_table tables[CTL_MAX_TABLES];
	size_t n_tables;
	struct hs_ctl_stats stats;
};

static void conn_free(struct ctl_conn *c)
{
	struct hs_ctl_server *s = c->srv;
	if (!c->dead) {
		for (struct ctl_conn **pp = &s->conns; *pp; pp = &(*pp)->next) {
			if (*pp == c) {
				*pp = c->next;
				break;
			}
		}
		s->n_conns--;
		hs_io_stop(&c->io);
		hs_timer_free(&c->resume);
		close(c->fd);
		c->fd = -1;
		c->dead = true;
	}
	if (c->in_use)
		return; /* conn_read frees it */
	free(c->in);
	free(c->out);
	json_decref(c->subscriptions);
	free(c);
}

static bool backlogged(const struct ctl_conn *c)
{
	return c->out_len - c->out_off > CTL_MAX_BACKLOG;
}

/* Whether c->in holds a whole frame (or a bad one) to handle. */
static bool frame_buffered(const struct ctl_conn *c)
{
	size_t plen;
	return c->in_len && hs_ctl_frame_peek(c->in, c->in_len, HS_CTL_MAX_REQUEST, &plen) != 0;
}

/* Writes what the kernel takes now; the rest waits for EPOLLOUT. Returns false if c was freed
 * (or is dead). A connection whose answers pile up is not read until they drain, and one that
 * is closing is not read at all. */
static bool conn_flush(struct ctl_conn *c)
{
	if (c->dead)
		return false;
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			conn_free(c);
			return false;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
		if (c->close_after_flush) {
			conn_free(c);
			return false;
		}
	}
	bool read = !c->close_after_flush && !backlogged(c);
	hs_io_set_events(&c->io, (read ? EPOLLIN : 0) | (c->out_len ? EPOLLOUT : 0));
	if (read && frame_buffered(c)) /* the socket may have nothing new to wake us */
		hs_timer_arm_in(&c->resume, 0);
	return true;
}

static int conn_queue(struct ctl_conn *c, json_t *msg)
{
	uint8_t *frame;
	size_t len;
	int r = hs_ctl_frame_encode(msg, &frame, &len);
	json_decref(msg);
	if (r < 0)
		return r;
	size_t pending = c->out_len - c->out_off;
	if (pending == 0) {
		/* The common case: nothing queued, the frame becomes the queue. */
		free(c->out);
		c->out = frame;
		c->out_off = 0;
		c->out_len = len;
		return 0;
	}
	memmove(c->out, c->out + c->out_off, pending);
	c->out_off = 0; /* the queue is where the memmove put it, whatever follows */
	c->out_len = pending;
	uint8_t *buf = realloc(c->out, pending + len);
	if (!buf) {
		free(frame);
		return -ENOMEM;
	}
	memcpy(buf + pending, frame, len);
	free(frame);
	c->out = buf;
	c->out_off = 0;
	c->out_len = pending + len;
	return 0;
}

static const struct hs_ctl_command *find_command(struct hs_ctl_server *s, const char *name,
						 void **ctx)
{
	for (size_t t = 0; t < s->n_tables; t++)
		for (const struct hs_ctl_command *c = s->tables[t].cmds; c->name; c++)
			if (strcmp(c->name, name) == 0) {
				*ctx = s->tables[t].ctx;
				return c;
			}
	return NULL;
}

static json_t *builtin_help(struct hs_ctl_server *s)
{
	json_t *list = json_array();
	json_array_append_new(list, json_pack("{s:s, s:s}", "name", "help", "help",
					      "list the commands this daemon answers"));
	json_array_append_new(list, json_pack("{s:s, s:s}", "name", "subscribe", "help",
					      "stream events: args {\"events\": [names]}"));
	for (size_t t = 0; t < s->n_tables; t++)
		for (const struct hs_ctl_command *c = s->tables[t].cmds; c->name; c++)
			json_array_append_new(list, json_pack("{s:s, s:s}", "name", c->name, "help",
							      c->help ? c->help : ""));
	return json_pack("{s:o}", "commands", list);
}

static json_t *builtin_subscribe(struct ctl_conn *c, json_int_t id, json_t *args)
{
	json_t *events = json_object_get(args, "events");
	if (events && !json_is_array(events))
		return hs_ctl_response_error(id, HS_CTL_E_BAD_ARGS, "\"events\" must be an array");
	size_t i;
	json_t *v;
	json_array_foreach (events, i, v) {
		if (!json_is_string(v))
			return hs_ctl_response_error(id, HS_CTL_E_BAD_ARGS,
						     "event names are strings");
	}
	json_decref(c->subscriptions);
	/* An empty or absent list subscribes to every event. */
	c->subscriptions = events ? json_incref(events) : json_array();
	return hs_ctl_response_ok(id, json_pack("{s:O}", "events", c->subscriptions));
}

static json_t *dispatch(struct ctl_conn *c, struct hs_ctl_request *req)
{
	struct hs_ctl_server *s = c->srv;
	if (strcmp(req->cmd, "help") == 0)
		return hs_ctl_response_ok(req->id, builtin_help(s));
	if (strcmp(req->cmd, "subscribe") == 0)
		return builtin_subscribe(c, req->id, req->args);
	void *ctx = NULL;
	const struct hs_ctl_command *cmd = find_command(s, req->cmd, &ctx);
	if (!cmd) {
		s->stats.unknown_commands++;
		return hs_ctl_response_error(req->id, HS_CTL_E_UNKNOWN,
					     "unknown command '%s' (try 'help')", req->cmd);
	}
	json_t *result = NULL;
	char err[256] = "";
	int r = cmd->handler(ctx, req->args, &result, err, sizeof(err));
	if (r < 0) {
		json_decref(result);
		return hs_ctl_response_error(req->id,
					     r == -EINVAL ? HS_CTL_E_BAD_ARGS : HS_CTL_E_FAILED,
					     "%s", err[0] ? err : strerror(-r));
	}
	return hs_ctl_response_ok(req->id, result);
}

static void handle_frame(struct ctl_conn *c, const uint8_t *payload, size_t len)
{
	struct hs_ctl_server *s = c->srv;
	struct hs_ctl_request req;
	const char *code;
	char err[256];
	json_t *answer;
	json_int_t id = 0;
	s->stats.requests++;
	if (hs_ctl_request_parse((const char *)payload, len, &req, &code, err, sizeof(err)) < 0) {
		if (strcmp(code, HS_CTL_E_BAD_JSON) == 0)
			s->stats.bad_json++;
		hs_debug(HS_DBG_CTL, CTL_PREFIX, "bad request: %s", err);
		answer = hs_ctl_response_error(0, code, "%s", err);
	} else {
		hs_debug(HS_DBG_CTL, CTL_PREFIX, "request %s", req.cmd);
		id = req.id;
		answer = dispatch(c, &req);
		hs_ctl_request_clear(&req);
	}
	if (json_is_false(json_object_get(answer, "ok")))
		s->stats.errors++;
	if (c->dead) { /* gone while the command ran */
		json_decref(answer);
		return;
	}
	/* Answers go in request order, matched by order: one that cannot be sent (too large, no
	 * memory) is replaced by a short error, never left out. */
	int r = conn_queue(c, answer);
	if (r < 0) {
		s->stats.errors++;
		hs_warn(CTL_PREFIX, "an answer could not be sent: %s", strerror(-r));
		if (conn_queue(c, hs_ctl_response_error(id, HS_CTL_E_FAILED,
							"the answer could not be sent: %s",
							strerror(-r))) < 0)
			conn_free(c); /* not even that: hung up rather than out of order */
	}
}

/* A stream whose framing is broken cannot be resynchronised: answer, then hang up. */
static void fail_stream(struct ctl_conn *c, const char *why)
{
	c->srv->stats.bad_frames++;
	c->srv->stats.errors++;
	hs_debug(HS_DBG_CTL, CTL_PREFIX, "bad frame: %s", why);
	conn_queue(c, hs_ctl_response_error(0, HS_CTL_E_BAD_FRAME, "%s", why));
	c->close_after_flush = true;
	c->in_len = 0;
}

/* Answers the whole frames in c->in, at most *budget of them and only while the answers do not
 * pile up; the rest stays for a later turn (the resume timer, or the backlog's drain). */
static void handle_frames(struct ctl_conn *c, int *budget)
{
	size_t off = 0, plen;
	int r;
	if (!c->in_len)
		return; /* c->in may be NULL yet */
	while (*budget > 0 && !c->dead && !c->close_after_flush && !backlogged(c) &&
	       (r = hs_ctl_frame_peek(c->in + off, c->in_len - off, HS_CTL_MAX_REQUEST, &plen)) !=
		       0) {
		if (r == -EMSGSIZE) {
			fail_stream(c, "request larger than 65536 bytes");
			return;
		}
		if (r < 0) {
			fail_stream(c, "empty frame");
			return;
		}
		handle_frame(c, c->in + off + HS_CTL_HEADER_LEN, plen);
		off += HS_CTL_HEADER_LEN + plen;
		(*budget)--;
	}
	if (c->dead || c->close_after_flush || !off)
		return;
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
}

static void conn_read(struct ctl_conn *c)
{
	int budget = CTL_FRAMES_TURN;
	c->in_use = true;
	handle_frames(c, &budget); /* what an earlier turn left */
	for (int turn = 0; turn < CTL_READS_TURN && budget > 0 && !c->dead &&
			   !c->close_after_flush && !backlogged(c);
	     turn++) {
		if (c->in_cap - c->in_len < CTL_READ_CHUNK) {
			size_t cap = c->in_cap ? c->in_cap * 2 : 2 * CTL_READ_CHUNK;
			uint8_t *p = realloc(c->in, cap);
			if (!p) {
				conn_free(c);
				break;
			}
			c->in = p;
			c->in_cap = cap;
		}
		ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			conn_free(c);
			break;
		}
		c->in_len += (size_t)n;
		handle_frames(c, &budget);
	}
	c->in_use = false;
	if (c->dead) {
		conn_free(c);
		return;
	}
	conn_flush(c);
}

static void resume_due(struct hs_timer *t, void *arg)
{
	(void)t;
	conn_read(arg);
}

static void conn_event(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct ctl_conn *c = arg;
	if (revents & EPOLLOUT) {
		if (!conn_flush(c))
			return;
	}
	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		if (c->close_after_flush && !(revents & EPOLLIN)) {
			conn_free(c);
			return;
		}
		conn_read(c);
	}
}

static bool peer_allowed(struct hs_ctl_server *s, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	if (cred.uid == 0 || cred.uid == geteuid())
		return true;
	if (!s->gid_set)
		return false;
	if (cred.gid == s->allowed_gid)
		return true;
	/* Supplementary groups of the peer's user count too. */
	struct passwd *pw = getpwuid(cred.uid);
	if (!pw)
		return false;
	gid_t few[64], *groups = few;
	int n = 64;
	bool in = false;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0) {
		/* more than 64 groups: n is how many there are */
		groups = n > 0 ? calloc((size_t)n, sizeof(*groups)) : NULL;
		if (!groups || getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
			n = 0;
	}
	for (int i = 0; i < n && !in; i++)
		in = groups[i] == s->allowed_gid;
	if (groups != few)
		free(groups);
	return in;
}

static void listener_event(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct hs_ctl_server *s = arg;
	for (int i = 0; i < 16; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0)
			return;
		if (s->n_conns >= CTL_MAX_CLIENTS || !peer_allowed(s, cfd)) {
			s->stats.rejected++;
			json_t *e = hs_ctl_response_error(0, HS_CTL_E_PERMISSION, "%s",
							  s->n_conns >= CTL_MAX_CLIENTS
								  ? "too many clients"
								  : "not allowed to connect");
			uint8_t *frame;
			size_t len;
			if (hs_ctl_frame_encode(e, &frame, &len) == 0) {
				(void)!send(cfd, frame, len, MSG_NOSIGNAL | MSG_DONTWAIT);
				free(frame);
			}
			json_decref(e);
			close(cfd);
			continue;
		}
		struct ctl_conn *c = calloc(1, sizeof(*c));
		if (!c || hs_io_start(&c->io, s->loop, cfd, EPOLLIN, conn_event, c) < 0) {
			free(c);
			close(cfd);
			continue;
		}
		c->srv = s;
		c->fd = cfd;
		hs_timer_init(&c->resume, s->loop, resume_due, c);
		c->next = s->conns;
		s->conns = c;
		s->n_conns++;
		s->stats.connections++;
	}
}

static int open_listener(const char *path, gid_t gid, bool gid_set)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A stale file from a crashed daemon would make bind fail: the pid file guards against two
	 * live daemons, so the old socket can go. */
	unlink(path);
	mode_t old = umask(gid_set ? 0117 : 0177);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r == 0 && gid_set && chown(path, (uid_t)-1, gid) < 0)
		r = -1;
	if (r == 0)
		r = listen(fd, 16);
	if (r < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int hs_ctl_server_open(struct hs_ctl_server **out, struct hs_loop *loop, const char *path,
		       int listen_fd, gid_t allowed_gid)
{
	struct hs_ctl_server *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->gid_set = (int)allowed_gid >= 0;
	s->allowed_gid = allowed_gid;
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->listen_fd = listen_fd >= 0 ? listen_fd : open_listener(path, allowed_gid, s->gid_set);
	if (s->listen_fd < 0) {
		int r = s->listen_fd;
		free(s);
		return r;
	}
	int r = hs_io_start(&s->listen_io, loop, s->listen_fd, EPOLLIN, listener_event, s);
	if (r < 0) {
		close(s->listen_fd);
		free(s);
		return r;
	}
	*out = s;
	return 0;
}

int hs_ctl_server_add_commands(struct hs_ctl_server *s, const struct hs_ctl_command *cmds,
			       void *ctx)
{
	if (s->n_tables >= CTL_MAX_TABLES)
		return -ENOSPC;
	s->tables[s->n_tables++] = (struct ctl_table){ .cmds = cmds, .ctx = ctx };
	return 0;
}

static bool subscribed(const struct ctl_conn *c, const char *event)
{
	if (!c->subscriptions)
		return false;
	if (json_array_size(c->subscriptions) == 0)
		return true;
	size_t i;
	json_t *v;
	json_array_foreach (c->subscriptions, i, v) {
		if (strcmp(json_string_value(v), event) == 0)
			return true;
	}
	return false;
}

void hs_ctl_server_publish(struct hs_ctl_server *s, const char *event, json_t *data)
{
	struct ctl_conn *next;
	for (struct ctl_conn *c = s->conns; c; c = next) {
		next = c->next;
		if (!subscribed(c, event))
			continue;
		if (c->out_len - c->out_off > CTL_MAX_BACKLOG) {
			s->stats.events_dropped++;
			hs_warn(CTL_PREFIX, "subscriber too slow, disconnecting it");
			conn_free(c);
			continue;
		}
		if (conn_queue(c, hs_ctl_event_new(event, json_incref(data))) == 0)
			s->stats.events_sent++;
		conn_flush(c);
	}
}

const struct hs_ctl_stats *hs_ctl_server_stats(const struct hs_ctl_server *s)
{
	return &s->stats;
}

size_t hs_ctl_server_clients(const struct hs_ctl_server *s)
{
	return s->n_conns;
}

int hs_ctl_server_listen_fd(const struct hs_ctl_server *s)
{
	return s->listen_fd;
}

void hs_ctl_server_close(struct hs_ctl_server *s, int unlink_path)
{
	if (!s)
		return;
	while (s->conns)
		conn_free(s->conns);
	hs_io_stop(&s->listen_io);
	close(s->listen_fd);
	if (unlink_path)
		unlink(s->path);
	free(s);
}
