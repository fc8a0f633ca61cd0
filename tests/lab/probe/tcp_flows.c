/* hs-tcp-flows: N long-lived TCP connections through the firewalls. Each client flow sends a small
 * timestamped message every 10-20 ms (uniformly random per message); the server echoes every
 * byte. The client reports per flow whether it is alive at the end (no error, and an echo within
 * the last --alive-ms), its longest stall (longest time between two echoes, counting from the
 * connection's start and up to the end: a sender's own idle time between messages counts in) and
 * its longest wait (one message, from its send to its echo: what TCP itself held it up), and a
 * summary, as JSON (on exit or on SIGINT/SIGTERM).
 * With --open-every-ms E the flows are opened one every E ms instead of all at once (flows opened
 * while something happens, e.g. a pair upgrade's stage); each flow reports when it was opened.
 *
 *   hs-tcp-flows server [--bind ADDR] [--port P] [--duration S] [--out FILE] [--ready-file F]
 *   hs-tcp-flows client --server ADDR [--port P] [--bind ADDR] [--flows N] [--duration S]
 *                       [--min-ms A] [--max-ms B] [--alive-ms W] [--connect-timeout-ms T]
 *                       [--open-every-ms E] [--out FILE]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4, be64toh (the build defines it already) */
#endif
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe_common.h"

#define MSG_MAGIC    0x48535446u /* "HSTF" */
#define DEFAULT_PORT 9001
#define MAX_EVENTS   256
#define PEND_MAX     16384 /* one read: see conn_echo */

/* Big-endian on the wire; the server echoes it unchanged. */
struct msg {
	uint32_t magic;
	uint32_t flow;
	uint64_t seq;
	uint64_t sent_ns;
	uint64_t pad;
};

enum flow_state { FLOW_NOT_OPENED, FLOW_CONNECTING, FLOW_UP, FLOW_DEAD };

struct flow {
	int fd;
	enum flow_state state;
	const char *error;
	int64_t started_ns; /* connect() called */
	int64_t connected_ns;
	int64_t last_echo_ns;
	int64_t next_send_ns;
	int64_t max_stall_ns;
	int64_t max_wait_ns; /* of the messages echoed */
	uint64_t sent;
	uint64_t echoed;
	uint64_t bad;   /* echoes out of order or corrupted */
	int local_port; /* chosen by connect(): to find the flow in conntrack tables */
	uint8_t rbuf[sizeof(struct msg)];
	size_t rlen;
};

struct opts {
	const char *bind;
	const char *server;
	const char *out;
	const char *ready_file;
	int port;
	long duration_s;
	long flows;
	long min_ms, max_ms;
	long alive_ms;
	long connect_timeout_ms;
	long open_every_ms; /* 0: every flow at the start */
};

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64*: good enough to spread send times. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int set_nodelay(int fd)
{
	int one = 1;

	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* ---- client ---- */

static void flow_dead(struct flow *f, const char *why)
{
	if (f->state == FLOW_DEAD)
		return;
	f->state = FLOW_DEAD;
	f->error = why;
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

static int64_t next_send(const struct opts *o, int64_t now)
{
	long span = o->max_ms - o->min_ms;
	int64_t ms_us = o->min_ms * 1000 + (span ? (int64_t)(rng() % (uint64_t)(span * 1000)) : 0);

	return now + ms_us * 1000;
}

static void flow_connected(const struct opts *o, struct flow *f, int ep, int id, int64_t now)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)id };
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(f->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
		flow_dead(f, strerror(err ? err : errno));
		return;
	}
	f->state = FLOW_UP;
	f->connected_ns = f->last_echo_ns = now;
	f->next_send_ns = next_send(o, now);
	epoll_ctl(ep, EPOLL_CTL_MOD, f->fd, &ev);
}

static void flow_echo(struct flow *f, const struct msg *m, int id, int64_t now)
{
	if (ntohl(m->magic) != MSG_MAGIC || ntohl(m->flow) != (uint32_t)id ||
	    be64toh(m->seq) != f->echoed) {
		f->bad++;
		return;
	}
	int64_t wait = now - (int64_t)be64toh(m->sent_ns);
	if (now - f->last_echo_ns > f->max_stall_ns)
		f->max_stall_ns = now - f->last_echo_ns;
	if (wait > f->max_wait_ns)
		f->max_wait_ns = wait;
	f->last_echo_ns = now;
	f->echoed++;
}

static void flow_read(struct flow *f, int id, int64_t now)
{
	uint8_t buf[4096];
	size_t i;
	ssize_t n = read(f->fd, buf, sizeof(buf));

	if (n == 0) {
		flow_dead(f, "closed by the server");
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			flow_dead(f, strerror(errno));
		return;
	}
	for (i = 0; i < (size_t)n; i++) {
		f->rbuf[f->rlen++] = buf[i];
		if (f->rlen == sizeof(struct msg)) {
			struct msg m;

			memcpy(&m, f->rbuf, sizeof(m));
			flow_echo(f, &m, id, now);
			f->rlen = 0;
		}
	}
}

static void flow_send(const struct opts *o, struct flow *f, int id, int64_t now)
{
	struct msg m = {
		.magic = htonl(MSG_MAGIC),
		.flow = htonl((uint32_t)id),
		.seq = htobe64(f->sent),
		.sent_ns = htobe64((uint64_t)now),
	};
	ssize_t n = send(f->fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL);

	f->next_send_ns = next_send(o, now);
	if (n == (ssize_t)sizeof(m)) {
		f->sent++;
	} else if (n >= 0) {
		flow_dead(f, "short write"); /* cannot happen with a 32-byte message and room */
	} else if (errno != EAGAIN) {
		flow_dead(f, strerror(errno));
	}
	/* EAGAIN: the send buffer is full (a long outage); this message is skipped. */
}

/* The port connect() chose: a flow that never connects can be found in conntrack tables too. */
static int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return 0;
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
}

static int flow_open(const struct opts *o, struct flow *f, int ep, int id)
{
	struct sockaddr_storage ss, bs;
	socklen_t len, blen;
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = (uint32_t)id };

	f->fd = -1;
	f->started_ns = probe_now_ns();
	if (probe_addr(o->server, o->port, &ss, &len) < 0)
		return -1;
	f->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (f->fd < 0) {
		flow_dead(f, strerror(errno));
		return 0;
	}
	set_nodelay(f->fd);
	if (o->bind && (probe_addr(o->bind, 0, &bs, &blen) < 0 ||
			bind(f->fd, (struct sockaddr *)&bs, blen) < 0)) {
		flow_dead(f, "cannot bind");
		return 0;
	}
	f->state = FLOW_CONNECTING;
	if (connect(f->fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		flow_dead(f, strerror(errno));
		return 0;
	}
	f->local_port = local_port(f->fd);
	epoll_ctl(ep, EPOLL_CTL_ADD, f->fd, &ev);
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The index of the 99th percentile in a sorted array of n. */
static long p99_index(long n)
{
	return (n * 99) / 100 < n ? (n * 99) / 100 : n - 1;
}

static json_t *client_report(const struct opts *o, struct flow *fl, int64_t start, int64_t end)
{
	json_t *per = json_array(), *res;
	int64_t *stalls = calloc((size_t)o->flows, sizeof(*stalls));
	int64_t *waits = calloc((size_t)o->flows, sizeof(*waits));
	long i, alive = 0, connected = 0;
	uint64_t sent = 0, echoed = 0, bad = 0;

	for (i = 0; i < o->flows; i++) {
		struct flow *f = &fl[i];
		bool ok;

		if (f->state == FLOW_NOT_OPENED)
			flow_dead(f, "not opened before the end");
		if (f->state == FLOW_CONNECTING)
			flow_dead(f, "connect timed out");
		if (f->connected_ns) {
			connected++;
			/* The stall still under way at the end counts too. */
			if (end - f->last_echo_ns > f->max_stall_ns)
				f->max_stall_ns = end - f->last_echo_ns;
		}
		ok = f->state == FLOW_UP && end - f->last_echo_ns <= o->alive_ms * NS_PER_MS;
		alive += ok;
		sent += f->sent;
		echoed += f->echoed;
		bad += f->bad;
		if (stalls)
			stalls[i] = f->connected_ns ? f->max_stall_ns : end - f->started_ns;
		if (waits)
			waits[i] = f->max_wait_ns;
		json_array_append_new(
			per,
			json_pack("{s:i, s:i, s:b, s:s?, s:I, s:I, s:f, s:f, s:f, s:f}", "id",
				  (int)i, "local_port", f->local_port, "alive", ok, "error",
				  f->error, "sent", (json_int_t)f->sent, "echoed",
				  (json_int_t)f->echoed, "max_stall_ms",
				  probe_ms(f->connected_ns ? f->max_stall_ns : end - f->started_ns),
				  "max_wait_ms", probe_ms(f->max_wait_ns), "connect_ms",
				  f->connected_ns ? probe_ms(f->connected_ns - f->started_ns)
						  : -1.0,
				  "opened_ms",
				  f->started_ns ? probe_ms(f->started_ns - start) : -1.0));
	}
	if (stalls)
		qsort(stalls, (size_t)o->flows, sizeof(*stalls), cmp_i64);
	if (waits)
		qsort(waits, (size_t)o->flows, sizeof(*waits), cmp_i64);
	res = json_pack(
		"{s:s, s:s, s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:o}",
		"tool", "hs-tcp-flows", "role", "client", "flows", (int)o->flows, "connected",
		(int)connected, "alive", (int)alive, "dead", (int)(o->flows - alive), "sent",
		(json_int_t)sent, "echoed", (json_int_t)echoed, "bad_echoes", (json_int_t)bad,
		"max_stall_ms", stalls ? probe_ms(stalls[o->flows - 1]) : -1.0, "stall_p50_ms",
		stalls ? probe_ms(stalls[o->flows / 2]) : -1.0, "stall_p99_ms",
		stalls ? probe_ms(stalls[p99_index(o->flows)]) : -1.0, "max_wait_ms",
		waits ? probe_ms(waits[o->flows - 1]) : -1.0, "wait_p99_ms",
		waits ? probe_ms(waits[p99_index(o->flows)]) : -1.0, "per_flow", per);
	free(stalls);
	free(waits);
	return res;
}

static int run_client(const struct opts *o)
{
	struct epoll_event evs[MAX_EVENTS];
	struct flow *fl = calloc((size_t)o->flows, sizeof(*fl));
	int64_t start = probe_now_ns(), end = start + o->duration_s * NS_PER_S;
	int64_t every = o->open_every_ms * NS_PER_MS;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	long i, opened = 0;
	int rc;

	if (!fl || ep < 0) {
		perror("hs-tcp-flows");
		return 1;
	}
	for (i = 0; i < o->flows; i++)
		fl[i].fd = -1;
	while (!probe_stop) {
		int64_t now = probe_now_ns(), wake = end;
		int n, k, timeout;

		if (now >= end)
			break;
		/* the flows due by now (all of them at once without --open-every-ms) */
		for (; opened < o->flows && now >= start + opened * every; opened++) {
			if (flow_open(o, &fl[opened], ep, (int)opened) < 0) {
				fprintf(stderr, "bad server address '%s'\n", o->server);
				return 2;
			}
		}
		if (opened < o->flows && start + opened * every < wake)
			wake = start + opened * every;
		for (i = 0; i < opened; i++) {
			struct flow *f = &fl[i];
			int64_t conn_deadline = f->started_ns + o->connect_timeout_ms * NS_PER_MS;

			if (f->state == FLOW_CONNECTING && now >= conn_deadline)
				flow_dead(f, "connect timed out");
			if (f->state == FLOW_CONNECTING && conn_deadline < wake)
				wake = conn_deadline;
			if (f->state != FLOW_UP)
				continue;
			if (f->next_send_ns <= now)
				flow_send(o, f, (int)i, now);
			if (f->state == FLOW_UP && f->next_send_ns < wake)
				wake = f->next_send_ns;
		}
		timeout = (int)((wake - now + NS_PER_MS - 1) / NS_PER_MS);
		n = epoll_wait(ep, evs, MAX_EVENTS, timeout < 0 ? 0 : timeout);
		now = probe_now_ns();
		for (k = 0; k < n; k++) {
			int id = (int)evs[k].data.u32;
			struct flow *f = &fl[id];

			if (f->state == FLOW_CONNECTING)
				flow_connected(o, f, ep, id, now);
			else if (f->state == FLOW_UP)
				flow_read(f, id, now);
		}
	}
	rc = probe_write_json(client_report(o, fl, start, probe_now_ns()), o->out) < 0 ? 1 : 0;
	for (i = 0; i < o->flows; i++)
		if (fl[i].fd >= 0)
			close(fl[i].fd);
	free(fl);
	close(ep);
	return rc;
}

/* ---- server: echo every byte back, with backpressure ---- */

struct conn {
	uint8_t *pend;
	size_t plen;
	bool open;
};

struct server {
	int ep;
	int lfd;
	struct conn *conns; /* indexed by fd */
	size_t nconns;
	uint64_t accepted, closed, bytes;
};

static struct conn *conn_get(struct server *s, int fd)
{
	if ((size_t)fd >= s->nconns) {
		size_t n = s->nconns ? s->nconns : 1024;
		struct conn *c;

		while (n <= (size_t)fd)
			n *= 2;
		c = realloc(s->conns, n * sizeof(*c));
		if (!c)
			return NULL;
		memset(c + s->nconns, 0, (n - s->nconns) * sizeof(*c));
		s->conns = c;
		s->nconns = n;
	}
	return &s->conns[fd];
}

static void conn_close(struct server *s, int fd)
{
	struct conn *c = &s->conns[fd];

	free(c->pend);
	memset(c, 0, sizeof(*c));
	epoll_ctl(s->ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	s->closed++;
}

static void conn_accept(struct server *s)
{
	int budget = 1024;

	while (budget-- > 0) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN };
		struct conn *c;

		if (fd < 0)
			return;
		c = conn_get(s, fd);
		if (!c) {
			close(fd);
			continue;
		}
		set_nodelay(fd);
		c->open = true;
		ev.data.fd = fd;
		epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev);
		s->accepted++;
	}
}

/* Writes what is pending; returns false when the connection was closed. */
static bool conn_flush(struct server *s, int fd)
{
	struct conn *c = &s->conns[fd];
	struct epoll_event ev = { .data.fd = fd };
	ssize_t n;

	while (c->plen) {
		n = send(fd, c->pend, c->plen, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			conn_close(s, fd);
			return false;
		}
		memmove(c->pend, c->pend + n, c->plen - (size_t)n);
		c->plen -= (size_t)n;
	}
	/* Read again only once everything read before went out. */
	ev.events = c->plen ? EPOLLOUT : EPOLLIN;
	epoll_ctl(s->ep, EPOLL_CTL_MOD, fd, &ev);
	return true;
}

static void conn_echo(struct server *s, int fd)
{
	struct conn *c = &s->conns[fd];
	uint8_t buf[PEND_MAX];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_close(s, fd);
		return;
	}
	if (n < 0)
		return;
	s->bytes += (uint64_t)n;
	if (!c->pend) {
		c->pend = malloc(PEND_MAX);
		if (!c->pend) {
			conn_close(s, fd);
			return;
		}
	}
	memcpy(c->pend, buf, (size_t)n); /* nothing pending: see the dispatch in run_server */
	c->plen = (size_t)n;
	(void)conn_flush(s, fd);
}

static int run_server(const struct opts *o)
{
	struct server s = { 0 };
	struct epoll_event evs[MAX_EVENTS], ev = { .events = EPOLLIN };
	struct sockaddr_storage ss;
	socklen_t len;
	int64_t end = probe_now_ns() + o->duration_s * NS_PER_S;
	int one = 1;
	size_t i;

	if (probe_addr(o->bind ? o->bind : "0.0.0.0", o->port, &ss, &len) < 0) {
		fprintf(stderr, "bad bind address\n");
		return 2;
	}
	s.ep = epoll_create1(EPOLL_CLOEXEC);
	s.lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s.ep < 0 || s.lfd < 0 ||
	    setsockopt(s.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s.lfd, (struct sockaddr *)&ss, len) < 0 || listen(s.lfd, 4096) < 0) {
		perror("hs-tcp-flows server");
		return 1;
	}
	ev.data.fd = s.lfd;
	epoll_ctl(s.ep, EPOLL_CTL_ADD, s.lfd, &ev);
	probe_touch(o->ready_file);
	while (!probe_stop) {
		int64_t now = probe_now_ns();
		int n, k;

		if (now >= end)
			break;
		n = epoll_wait(s.ep, evs, MAX_EVENTS, (int)((end - now) / NS_PER_MS) + 1);
		for (k = 0; k < n; k++) {
			int fd = evs[k].data.fd;

			if (fd == s.lfd)
				conn_accept(&s);
			else if (s.conns[fd].plen) /* waiting to write (EPOLLOUT, or an error) */
				(void)conn_flush(&s, fd);
			else
				conn_echo(&s, fd);
		}
	}
	for (i = 0; i < s.nconns; i++)
		if (s.conns[i].open)
			conn_close(&s, (int)i);
	free(s.conns);
	close(s.lfd);
	close(s.ep);
	return probe_write_json(json_pack("{s:s, s:s, s:I, s:I, s:I}", "tool", "hs-tcp-flows",
					  "role", "server", "accepted", (json_int_t)s.accepted,
					  "closed", (json_int_t)s.closed, "bytes",
					  (json_int_t)s.bytes),
				o->out) < 0
		       ? 1
		       : 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: hs-tcp-flows server [--bind ADDR] [--port P] [--duration S] [--out FILE]\n"
		"                           [--ready-file F]\n"
		"       hs-tcp-flows client --server ADDR [--port P] [--bind ADDR] [--flows N]\n"
		"                           [--duration S] [--min-ms A] [--max-ms B] [--alive-ms "
		"W]\n"
		"                           [--connect-timeout-ms T] [--open-every-ms E]\n"
		"                           [--out FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "server", required_argument, NULL, 's' },
		{ "port", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "flows", required_argument, NULL, 'n' },
		{ "min-ms", required_argument, NULL, 'm' },
		{ "max-ms", required_argument, NULL, 'M' },
		{ "alive-ms", required_argument, NULL, 'a' },
		{ "connect-timeout-ms", required_argument, NULL, 'c' },
		{ "open-every-ms", required_argument, NULL, 'e' },
		{ "out", required_argument, NULL, 'o' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = {
		.port = DEFAULT_PORT,
		.duration_s = 10,
		.flows = 200,
		.min_ms = 10,
		.max_ms = 20,
		.alive_ms = 1000,
		.connect_timeout_ms = 5000,
	};
	bool server;
	int c;

	server = probe_mode(argc, argv, usage);
	optind = 2;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': o.bind = optarg; break;
		case 's': o.server = optarg; break;
		case 'p': o.port = (int)probe_num("--port", optarg, 1, 65535); break;
		case 'd': o.duration_s = probe_num("--duration", optarg, 1, 86400); break;
		case 'n': o.flows = probe_num("--flows", optarg, 1, 100000); break;
		case 'm': o.min_ms = probe_num("--min-ms", optarg, 1, 60000); break;
		case 'M': o.max_ms = probe_num("--max-ms", optarg, 1, 60000); break;
		case 'a': o.alive_ms = probe_num("--alive-ms", optarg, 1, 3600000); break;
		case 'c':
			o.connect_timeout_ms = probe_num("--connect-timeout-ms", optarg, 1, 600000);
			break;
		case 'e': o.open_every_ms = probe_num("--open-every-ms", optarg, 0, 600000); break;
		case 'o': o.out = optarg; break;
		case 'r': o.ready_file = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || server == (o.server != NULL) || o.min_ms > o.max_ms)
		usage();
	if (getrandom(&rng_state, sizeof(rng_state), 0) != sizeof(rng_state) || !rng_state)
		rng_state = (uint64_t)probe_now_ns() | 1;
	probe_signals();
	raise_nofile();
	return server ? run_server(&o) : run_client(&o);
}
