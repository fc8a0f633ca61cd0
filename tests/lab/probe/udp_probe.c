/* hs-udp-probe: a sequenced UDP stream in each direction between a client and a server, one packet
 * per interval (1 ms by default) on absolute CLOCK_MONOTONIC deadlines, so the schedule never
 * drifts. Each side counts what it receives (udp_stream.c); at the end the client sends FIN with
 * its sent count, the server answers STATS with its own count and what it received, and the client
 * prints both directions as one JSON object (on exit, or early on SIGINT/SIGTERM).
 *
 *   hs-udp-probe server [--bind ADDR] [--port P] [--duration S] [--out FILE] [--ready-file F]
 *                       [--interval-us N] [--rt]
 *   hs-udp-probe client --server ADDR [--port P] [--bind ADDR] [--duration S] [--interval-us N]
 *                       [--out FILE] [--rt]
 * --rt asks for SCHED_FIFO (root) so that the schedule holds on a busy machine.
 *
 * The server serves one client session and exits after it (or at --duration, or on a signal). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4, be64toh (the build defines it already) */
#endif
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "probe_common.h"
#include "udp_stream.h"

#define PKT_MAGIC        0x48535550u /* "HSUP" */
#define DEFAULT_PORT     9000
#define CATCHUP_MAX      100 /* intervals a late sender still sends; more are skipped */
#define FIN_TRIES        20
#define FIN_WAIT_MS      100
#define SERVER_LINGER_MS 1000
#define STATS_MAX        1400

enum pkt_type { PKT_DATA = 1, PKT_FIN = 2, PKT_STATS = 3 };

/* All fields big-endian. FIN and STATS carry the sender's sent count in seq and its last
 * scheduled send in sched_ns; STATS is followed by the server's receive report as JSON text. */
struct pkt {
	uint32_t magic;
	uint32_t session;
	uint8_t type;
	uint8_t pad[7];
	uint64_t seq;
	uint64_t sched_ns;
	uint64_t start_ns;
};

struct tx_stream {
	int64_t start_ns;
	int64_t next_ns;
	int64_t interval_ns;
	int64_t last_sched_ns;
	uint64_t seq;
	uint64_t skipped;
	int64_t late_max_ns;
};

struct opts {
	const char *bind;
	const char *server;
	const char *out;
	const char *ready_file;
	int port;
	long duration_s;
	long interval_us;
	bool realtime;
};

struct probe {
	int fd;
	uint32_t session;
	bool locked; /* server: a session is under way */
	struct tx_stream tx;
	struct udp_stream rx;
	/* client: what STATS told us */
	bool have_stats;
	int64_t peer_sent;
	int64_t peer_stop_ns;
	json_t *peer_report; /* {"rx": its receive report, "tx": tx_json() of its stream} */
	/* server: what FIN told us */
	bool have_fin;
	int64_t fin_at_ns;
};

static void pkt_fill(struct pkt *p, uint32_t session, int type, uint64_t seq, int64_t sched,
		     int64_t start)
{
	memset(p, 0, sizeof(*p));
	p->magic = htonl(PKT_MAGIC);
	p->session = htonl(session);
	p->type = (uint8_t)type;
	p->seq = htobe64(seq);
	p->sched_ns = htobe64((uint64_t)sched);
	p->start_ns = htobe64((uint64_t)start);
}

/* Sends every packet that is due by now; a sender more than CATCHUP_MAX intervals late (frozen,
 * descheduled) skips the rest and re-aligns its schedule, so it never bursts. */
static void tx_due(struct probe *pr, int64_t now)
{
	struct tx_stream *t = &pr->tx;
	struct pkt p;
	int n = 0;

	if (now - t->next_ns > CATCHUP_MAX * t->interval_ns) {
		int64_t skip = (now - t->next_ns) / t->interval_ns;

		t->skipped += (uint64_t)skip;
		t->next_ns += skip * t->interval_ns;
	}
	while (t->next_ns <= now && n++ <= CATCHUP_MAX) {
		if (now - t->next_ns > t->late_max_ns)
			t->late_max_ns = now - t->next_ns;
		pkt_fill(&p, pr->session, PKT_DATA, t->seq, t->next_ns, t->start_ns);
		/* A send error (no route, no neighbour during a failover) is a lost packet. */
		(void)send(pr->fd, &p, sizeof(p), MSG_DONTWAIT);
		t->last_sched_ns = t->next_ns;
		t->seq++;
		t->next_ns += t->interval_ns;
	}
}

static int64_t rx_time(struct msghdr *msg)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
		}
	}
	return probe_now_ns();
}

/* What the sender knows of its own stream, merged into that direction's report. */
static json_t *tx_json(const struct tx_stream *t)
{
	return json_pack("{s:f, s:I}", "sender_late_max_ms", probe_ms(t->late_max_ns), "skipped",
			 (json_int_t)t->skipped);
}

static void send_stats(struct probe *pr)
{
	char buf[sizeof(struct pkt) + STATS_MAX];
	json_t *rep =
		json_pack("{s:o, s:o}", "rx", udp_stream_json(&pr->rx, -1), "tx", tx_json(&pr->tx));
	char *text;
	size_t len;

	pkt_fill((struct pkt *)buf, pr->session, PKT_STATS, pr->tx.seq, pr->tx.last_sched_ns,
		 pr->tx.start_ns);
	text = json_dumps(rep, JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_decref(rep);
	len = text ? strlen(text) : 0;
	if (len > STATS_MAX)
		len = 0;
	if (len)
		memcpy(buf + sizeof(struct pkt), text, len);
	free(text);
	(void)send(pr->fd, buf, sizeof(struct pkt) + len, MSG_DONTWAIT);
}

/* One received datagram. from/fromlen are only used by the server to lock on a client. */
static void handle(struct probe *pr, const char *buf, ssize_t n, int64_t rx_ns, bool server,
		   struct sockaddr_storage *from, socklen_t fromlen)
{
	const struct pkt *p = (const struct pkt *)buf;
	uint32_t session;

	if (n < (ssize_t)sizeof(*p) || ntohl(p->magic) != PKT_MAGIC)
		return;
	session = ntohl(p->session);
	if (server && !pr->locked) {
		if (p->type != PKT_DATA)
			return;
		/* The first packet of a session: answer that client only, start our stream. */
		if (connect(pr->fd, (struct sockaddr *)from, fromlen) < 0)
			return;
		pr->session = session;
		pr->locked = true;
		pr->tx.start_ns = pr->tx.next_ns = probe_now_ns();
	}
	if (session != pr->session)
		return;
	switch (p->type) {
	case PKT_DATA:
		(void)udp_stream_add(&pr->rx, be64toh(p->seq), (int64_t)be64toh(p->sched_ns),
				     (int64_t)be64toh(p->start_ns), rx_ns);
		break;
	case PKT_FIN:
		if (!server)
			break;
		if (!pr->have_fin) {
			pr->have_fin = true;
			pr->peer_sent = (int64_t)be64toh(p->seq);
			pr->peer_stop_ns = (int64_t)be64toh(p->sched_ns);
			udp_stream_finish(&pr->rx, pr->peer_stop_ns);
		}
		pr->fin_at_ns = probe_now_ns();
		send_stats(pr);
		break;
	case PKT_STATS:
		if (server || pr->have_stats)
			break;
		pr->have_stats = true;
		pr->peer_sent = (int64_t)be64toh(p->seq);
		pr->peer_stop_ns = (int64_t)be64toh(p->sched_ns);
		if (n > (ssize_t)sizeof(*p))
			pr->peer_report =
				json_loadb(buf + sizeof(*p), (size_t)n - sizeof(*p), 0, NULL);
		break;
	default: break;
	}
}

static void drain(struct probe *pr, bool server)
{
	char buf[2048], ctl[256];
	int budget = 4096; /* bounded: never starve the sender */

	while (budget-- > 0) {
		struct sockaddr_storage from;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl,
			.msg_controllen = sizeof(ctl),
		};
		ssize_t n = recvmsg(pr->fd, &msg, MSG_DONTWAIT);

		if (n < 0)
			return; /* EAGAIN, or an ICMP error reported on the connected socket */
		handle(pr, buf, n, rx_time(&msg), server, &from, msg.msg_namelen);
	}
}

static int open_socket(const struct opts *o, struct probe *pr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, buf = 1 << 20;
	const char *bind_addr = o->bind;
	int family;

	if (!bind_addr)
		bind_addr = (o->server && strchr(o->server, ':')) ? "::" : "0.0.0.0";
	if (probe_addr(bind_addr, o->server ? 0 : o->port, &ss, &len) < 0) {
		fprintf(stderr, "bad address '%s'\n", bind_addr);
		return -1;
	}
	family = ss.ss_family;
	pr->fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (pr->fd < 0 || setsockopt(pr->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0 ||
	    setsockopt(pr->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf)) < 0 ||
	    setsockopt(pr->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(pr->fd, (struct sockaddr *)&ss, len) < 0) {
		perror("socket");
		return -1;
	}
	if (o->server) {
		if (probe_addr(o->server, o->port, &ss, &len) < 0 || ss.ss_family != family) {
			fprintf(stderr, "bad server address '%s'\n", o->server);
			return -1;
		}
		if (connect(pr->fd, (struct sockaddr *)&ss, len) < 0) {
			perror("connect");
			return -1;
		}
	}
	return 0;
}

static json_t *common_json(const struct opts *o, const char *role)
{
	return json_pack("{s:s, s:s, s:f}", "tool", "hs-udp-probe", "role", role, "interval_ms",
			 (double)o->interval_us / 1000.0);
}

/* c2s as the server counted it, with our sent count (exact) and our own lateness; null when the
 * server never answered. */
static json_t *client_c2s(struct probe *pr)
{
	json_t *rx = json_object_get(pr->peer_report, "rx"), *c2s, *tx;
	json_int_t received;

	if (!json_is_object(rx))
		return json_null();
	c2s = json_deep_copy(rx);
	received = json_integer_value(json_object_get(c2s, "received"));
	json_object_set_new(c2s, "sent", json_integer((json_int_t)pr->tx.seq));
	json_object_set_new(c2s, "sent_known", json_true());
	json_object_set_new(c2s, "lost", json_integer((json_int_t)pr->tx.seq - received));
	tx = tx_json(&pr->tx);
	json_object_update(c2s, tx);
	json_decref(tx);
	return c2s;
}

static int run_client(const struct opts *o, struct probe *pr)
{
	int64_t end, total = (int64_t)o->duration_s * 1000000 / o->interval_us;
	json_t *res, *s2c, *peer_tx;
	int i;

	if (getrandom(&pr->session, sizeof(pr->session), 0) != sizeof(pr->session))
		pr->session = (uint32_t)getpid() ^ (uint32_t)probe_now_ns();
	pr->tx.start_ns = pr->tx.next_ns = probe_now_ns();
	end = pr->tx.start_ns + total * pr->tx.interval_ns;
	while (!probe_stop && pr->tx.next_ns < end) {
		probe_sleep_until(pr->tx.next_ns);
		tx_due(pr, probe_now_ns());
		drain(pr, false);
	}
	/* FIN until STATS comes back: bounded, the path may be down. */
	for (i = 0; i < FIN_TRIES && !pr->have_stats; i++) {
		struct pkt p;
		int64_t until = probe_now_ns() + FIN_WAIT_MS * NS_PER_MS;

		pkt_fill(&p, pr->session, PKT_FIN, pr->tx.seq, pr->tx.last_sched_ns,
			 pr->tx.start_ns);
		(void)send(pr->fd, &p, sizeof(p), MSG_DONTWAIT);
		while (!pr->have_stats && probe_now_ns() < until) {
			struct pollfd pfd = { .fd = pr->fd, .events = POLLIN };

			if (poll(&pfd, 1, 10) > 0)
				drain(pr, false);
		}
	}
	if (pr->have_stats) {
		udp_stream_finish(&pr->rx, pr->peer_stop_ns);
	} else {
		/* No answer: the server's stream ran at least until now, and started about when
		 * ours did if nothing of it arrived. */
		if (pr->rx.highest < 0)
			pr->rx.start_ns = pr->tx.start_ns;
		udp_stream_finish(&pr->rx, probe_now_ns());
	}
	res = common_json(o, "client");
	json_object_set_new(res, "peer_report", json_boolean(pr->have_stats));
	json_object_set_new(res, "c2s", client_c2s(pr));
	s2c = udp_stream_json(&pr->rx, pr->have_stats ? pr->peer_sent : -1);
	peer_tx = json_object_get(pr->peer_report, "tx");
	if (json_is_object(peer_tx))
		json_object_update(s2c, peer_tx);
	json_object_set_new(res, "s2c", s2c);
	return probe_write_json(res, o->out) < 0 ? 1 : 0;
}

static int run_server(const struct opts *o, struct probe *pr)
{
	int64_t end = probe_now_ns() + (int64_t)o->duration_s * NS_PER_S;
	json_t *res, *s2c;

	probe_touch(o->ready_file);
	while (!probe_stop && probe_now_ns() < end) {
		int64_t now = probe_now_ns();

		if (!pr->locked || pr->have_fin) {
			struct pollfd pfd = { .fd = pr->fd, .events = POLLIN };

			if (pr->have_fin && now - pr->fin_at_ns > SERVER_LINGER_MS * NS_PER_MS)
				break;
			if (poll(&pfd, 1, 50) > 0)
				drain(pr, true);
			continue;
		}
		probe_sleep_until(pr->tx.next_ns);
		drain(pr, true);
		if (!pr->have_fin)
			tx_due(pr, probe_now_ns());
	}
	res = common_json(o, "server");
	json_object_set_new(res, "c2s",
			    udp_stream_json(&pr->rx, pr->have_fin ? pr->peer_sent : -1));
	s2c = tx_json(&pr->tx);
	json_object_set_new(s2c, "sent", json_integer((json_int_t)pr->tx.seq));
	json_object_set_new(res, "s2c", s2c);
	return probe_write_json(res, o->out) < 0 ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: hs-udp-probe server [--bind ADDR] [--port P] [--duration S] [--out FILE]\n"
		"                           [--ready-file F] [--interval-us N] [--rt]\n"
		"       hs-udp-probe client --server ADDR [--port P] [--bind ADDR] [--duration S]\n"
		"                           [--interval-us N] [--out FILE] [--rt]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "server", required_argument, NULL, 's' },
		{ "port", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "interval-us", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "rt", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .port = DEFAULT_PORT, .duration_s = 10, .interval_us = 1000 };
	struct probe pr;
	bool server;
	int c, rc;

	server = probe_mode(argc, argv, usage);
	optind = 2;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': o.bind = optarg; break;
		case 's': o.server = optarg; break;
		case 'p': o.port = (int)probe_num("--port", optarg, 1, 65535); break;
		case 'd': o.duration_s = probe_num("--duration", optarg, 1, 86400); break;
		case 'i': o.interval_us = probe_num("--interval-us", optarg, 100, 1000000); break;
		case 'o': o.out = optarg; break;
		case 'r': o.ready_file = optarg; break;
		case 'R': o.realtime = true; break;
		default: usage();
		}
	}
	if (optind != argc || server == (o.server != NULL))
		usage();

	memset(&pr, 0, sizeof(pr));
	udp_stream_init(&pr.rx);
	pr.tx.interval_ns = o.interval_us * 1000;
	pr.peer_sent = -1;
	probe_signals();
	if (o.realtime)
		probe_realtime();
	if (open_socket(&o, &pr) < 0)
		return 1;
	rc = server ? run_server(&o, &pr) : run_client(&o, &pr);
	udp_stream_free(&pr.rx);
	json_decref(pr.peer_report);
	close(pr.fd);
	return rc;
}
