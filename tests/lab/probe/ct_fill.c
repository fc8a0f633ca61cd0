/* hs-ct-fill: fills, empties, counts and watches the conntrack table of the network namespace it
 * runs in, through ctnetlink (libmnl moves the messages, libnetfilter_conntrack builds them).
 * The session-sync benchmark (bench/session_sync.py) runs it in the lab's boxes.
 *
 *   hs-ct-fill [--create] N     N IPv4 TCP ESTABLISHED entries, in batches
 *   hs-ct-fill --delete N       deletes the N entries of the same --seed / --base-port
 *   hs-ct-fill --count          entries of the fill pattern ("ours") and all IPv4 ones (a dump),
 *                               and the kernel's own count of this namespace (all families)
 *   hs-ct-fill --count-only     only the kernel's count (IPCTNL_MSG_CT_GET_STATS: no dump)
 *   hs-ct-fill --wait-count N   polls until the table holds >= N entries of the pattern
 *   hs-ct-fill --listen N       counts NEW events of the pattern until N distinct ones came
 *   hs-ct-fill --churn RATE --seconds S --n N
 *                               RATE new and RATE deleted entries a second for S seconds, the
 *                               table holding the N of the pattern (ct_churn.c)
 *
 * Options: --seed S (the first entry's index: two fills with ranges that do not overlap never
 * collide), --base-port P (source ports start there), --batch B (messages per sendmsg),
 * --ct-timeout S (the entries' timeout, 3600), --timeout-ms T (wait-count and listen: give up
 * after T; create and delete: per batch), --poll-ms P (wait-count), --rcvbuf BYTES (listen:
 * 256 MiB, so that a listener that waits for a CPU loses nothing),
 * --times-out FILE, --ready-file F, --out FILE.
 *
 * Entry i (i = seed .. seed + N - 1) is, without NAT:
 *   src 192.0.2.(128 + k) for k = i mod 254 below 127, else 198.51.100.(1 + k);
 *   sport base-port + i / 254; dst 203.0.113.(64 + i mod 32) (203.0.113.64/27, no lab host
 *   there); dport 443; status SEEN_REPLY|ASSURED, TCP state ESTABLISHED.
 * So every tuple is distinct, and the index can be read back from a tuple (events, dumps).
 *
 * Create/delete: one sendmsg carries B messages (mnl_nlmsg_batch); only the last asks for an
 * ACK, the kernel answers the others only when they fail (the kernel processes them inside
 * sendmsg, so the answers are queued when it returns). Answers are read in loops bounded by
 * --timeout-ms; every error is counted by errno, a batch whose last answer never came counts
 * all its entries as errors ("unacked_batches"), and an overrun of our socket (ENOBUFS) is
 * counted too. EINTR is retried; SIGINT/SIGTERM stop the run and the JSON says "interrupted".
 *
 * The result is one line of JSON on stdout (or --out FILE), e.g. for a fill
 *   {"mode":"create","n":10000,"created":10000,"errors":0,"seconds":0.05,"rate":200000,...}
 * Times are CLOCK_MONOTONIC ns (the lab's namespaces share it): t_start_ns (before the first
 * sendmsg), t_last_send_ns (the last sendmsg returned: all entries are in), t_end_ns (its ACK
 * read), ...
 *
 * --times-out FILE writes N little-endian u64, one per entry of the range:
 *   create: when the entry was created (the batch's sendmsg, interpolated linearly over its
 *           messages: the kernel creates them one after another inside the call);
 *   listen: when its NEW event arrived here (0: never).
 * wait-count's t_done_ns is the poll that first showed all N, confirmed by a dump; when the
 * other entries changed meanwhile, the polls are read again with the new count of others
 * ("done_by": "poll", "polls re-read", or "dump end" when none shows them).
 * The benchmark pairs the two files of a run for per-entry latencies. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nf_conntrack_tcp.h> /* TCP_CONNTRACK_ESTABLISHED */

#include "ct_fill.h"
#include "probe_common.h"

#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

/* Sources in the upper halves of 192.0.2.0/24 and 198.51.100.0/24: the lab's own hosts are in
 * the lower halves, and an entry from a box's own address is not a forwarded flow. */
#define SRC_FIRST   128u
#define SRC_HALF    127u /* .128 - .254 */
#define N_SRC       (2u * SRC_HALF)
#define DST_FIRST   64u  /* 203.0.113.64/27 */
#define N_DST       32u
#define FILL_DPORT  443u
#define RX_BUF      (1u << 18)
#define SERIES_GAP_NS (20 * NS_PER_MS) /* wait-count: at most one kept sample per 20 ms */
/* wait-count: an estimate this close to N that has not moved for STALL_NS is checked by a dump
 * (an other entry that expired keeps it one short for good: a bulk of 1M done in 12.6 s was
 * reported after 81 s). */
#define STALL_SLACK   16u
#define STALL_NS      (2 * NS_PER_S)

struct opts o = {
	.base_port = 1024, .batch = 256, .ct_timeout = 3600, .timeout_ms = -1, .poll_ms = 5,
	.rcvbuf = -1,
};

struct tup {
	uint32_t src, dst; /* network order */
	uint16_t sport, dport; /* host order */
	uint8_t proto;
};

/* ---- the fill pattern ---- */

uint64_t index_max(void)
{
	return (uint64_t)(65536u - o.base_port) * N_SRC;
}

static void tuple_of(uint64_t i, struct tup *t)
{
	uint32_t k = (uint32_t)(i % N_SRC);
	char a[INET_ADDRSTRLEN];

	if (k < SRC_HALF)
		snprintf(a, sizeof(a), "192.0.2.%u", SRC_FIRST + k);
	else
		snprintf(a, sizeof(a), "198.51.100.%u", SRC_FIRST + k - SRC_HALF);
	inet_pton(AF_INET, a, &t->src);
	snprintf(a, sizeof(a), "203.0.113.%u", DST_FIRST + (unsigned)(i % N_DST));
	inet_pton(AF_INET, a, &t->dst);
	t->sport = (uint16_t)(o.base_port + i / N_SRC);
	t->dport = FILL_DPORT;
	t->proto = IPPROTO_TCP;
}

/* The index of a tuple of the pattern, or false when it is not one of ours. */
static bool index_of(const struct tup *t, uint64_t *out)
{
	uint32_t s = ntohl(t->src), d = ntohl(t->dst), k;
	uint64_t i;

	if (t->proto != IPPROTO_TCP || t->dport != FILL_DPORT || t->sport < o.base_port)
		return false;
	if ((d & 0xffffffe0u) != (0xcb007100u | DST_FIRST)) /* 203.0.113.64/27 */
		return false;
	if ((s & 0xffffff00u) == 0xc0000200u && (s & 0xff) >= SRC_FIRST && (s & 0xff) <= 254)
		k = (s & 0xff) - SRC_FIRST; /* 192.0.2.128/25 */
	else if ((s & 0xffffff00u) == 0xc6336400u && (s & 0xff) >= SRC_FIRST && (s & 0xff) <= 254)
		k = (s & 0xff) - SRC_FIRST + SRC_HALF; /* 198.51.100.128/25 */
	else
		return false;
	i = (uint64_t)(t->sport - o.base_port) * N_SRC + k;
	if ((d & 0x1f) != i % N_DST)
		return false;
	*out = i;
	return true;
}

/* ours = in [seed, seed + n); with no n (--count alone): every index from seed on */
static bool in_range(uint64_t i, uint64_t *j)
{
	if (i < o.seed || (o.n && i - o.seed >= o.n))
		return false;
	*j = i - o.seed;
	return true;
}

/* ---- parsing ctnetlink messages (only what the pattern needs) ---- */

struct attrs {
	const struct nlattr *tb[CTA_MAX + 1];
	int max;
};
_Static_assert(CTA_TUPLE_MAX <= CTA_MAX && CTA_IP_MAX <= CTA_MAX && CTA_PROTO_MAX <= CTA_MAX &&
		       CTA_STATS_GLOBAL_MAX <= CTA_MAX,
	       "struct attrs holds every attribute set parsed here");

static int attr_cb(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	int type = mnl_attr_get_type(attr);

	if (type <= a->max)
		a->tb[type] = attr;
	return MNL_CB_OK;
}

static bool nested(const struct nlattr *attr, int max, struct attrs *a)
{
	memset(a, 0, sizeof(*a));
	a->max = max;
	return attr && mnl_attr_parse_nested(attr, attr_cb, a) >= 0;
}

/* The original tuple of a CT message (new event, dump entry); false if it is not IPv4. */
static bool parse_orig(const struct nlmsghdr *nlh, struct tup *t)
{
	struct attrs top, tuple, ip, proto;

	memset(&top, 0, sizeof(top));
	top.max = CTA_MAX;
	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, &top) < 0)
		return false;
	if (!nested(top.tb[CTA_TUPLE_ORIG], CTA_TUPLE_MAX, &tuple) ||
	    !nested(tuple.tb[CTA_TUPLE_IP], CTA_IP_MAX, &ip) ||
	    !nested(tuple.tb[CTA_TUPLE_PROTO], CTA_PROTO_MAX, &proto))
		return false;
	if (!ip.tb[CTA_IP_V4_SRC] || !ip.tb[CTA_IP_V4_DST] || !proto.tb[CTA_PROTO_NUM] ||
	    mnl_attr_get_payload_len(ip.tb[CTA_IP_V4_SRC]) < 4 ||
	    mnl_attr_get_payload_len(ip.tb[CTA_IP_V4_DST]) < 4)
		return false;
	memcpy(&t->src, mnl_attr_get_payload(ip.tb[CTA_IP_V4_SRC]), 4);
	memcpy(&t->dst, mnl_attr_get_payload(ip.tb[CTA_IP_V4_DST]), 4);
	t->proto = mnl_attr_get_u8(proto.tb[CTA_PROTO_NUM]);
	t->sport = proto.tb[CTA_PROTO_SRC_PORT] ? ntohs(mnl_attr_get_u16(proto.tb[CTA_PROTO_SRC_PORT]))
						: 0;
	t->dport = proto.tb[CTA_PROTO_DST_PORT] ? ntohs(mnl_attr_get_u16(proto.tb[CTA_PROTO_DST_PORT]))
						: 0;
	return true;
}

/* ---- sockets ---- */

struct mnl_socket *nl_open(unsigned groups, long rcvbuf)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int one = 1, size = (int)rcvbuf;

	if (!nl) {
		perror("mnl_socket_open");
		exit(1);
	}
	if (mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		perror("mnl_socket_bind");
		exit(1);
	}
	/* Error answers without a copy of the request: smaller, fewer overruns. */
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
	    setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		fprintf(stderr, "warning: receive buffer %ld: %s\n", rcvbuf, strerror(errno));
	return nl;
}

struct nlmsghdr *put_header(void *buf, uint8_t msg, uint16_t flags, uint32_t seq,
				   uint8_t family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfh;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | msg;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nfh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfh));
	nfh->nfgen_family = family;
	nfh->version = NFNETLINK_V0;
	nfh->res_id = 0;
	return nlh;
}

/* sendmsg to the kernel: all or nothing. EINTR is retried; ENOBUFS/ENOMEM (no skb) briefly,
 * bounded. 0 or -1 (errno). */
int send_all(struct mnl_socket *nl, const void *buf, size_t len)
{
	for (int tries = 0; tries < 200; tries++) {
		ssize_t r = mnl_socket_sendto(nl, buf, len);

		if (r >= 0)
			return 0;
		if (errno == EINTR && !probe_stop)
			continue;
		if ((errno == ENOBUFS || errno == ENOMEM || errno == EAGAIN) && !probe_stop) {
			usleep(5000);
			continue;
		}
		return -1;
	}
	return -1;
}

/* One recv with a deadline. >0 bytes; 0 timeout or stop; -1 error other than ENOBUFS
 * (ENOBUFS: *overruns++ and 0 bytes read, call again). */
static ssize_t recv_until(struct mnl_socket *nl, void *buf, size_t len, int64_t deadline,
			  uint64_t *overruns, bool *timed_out)
{
	struct pollfd pfd = { .fd = mnl_socket_get_fd(nl), .events = POLLIN };

	*timed_out = false;
	for (int spins = 0; spins < 1000000; spins++) {
		int64_t left = deadline - probe_now_ns();
		int r;
		ssize_t n;

		if (probe_stop)
			return 0;
		if (left <= 0) {
			*timed_out = true;
			return 0;
		}
		r = poll(&pfd, 1, (int)(left / NS_PER_MS) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			continue; /* the deadline check above ends it */
		n = recv(pfd.fd, buf, len, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (errno == EINTR || errno == EAGAIN)
			continue;
		if (errno == ENOBUFS) {
			(*overruns)++;
			continue;
		}
		return -1;
	}
	*timed_out = true;
	return 0;
}

/* ---- create / delete ---- */

void count_errno(struct errs *e, int err)
{
	e->total++;
	e->by_errno[err > 0 && err < 256 ? err : 0]++;
}

/* Reads the answers of one batch (seqs first..last): error answers of any message, then the
 * answer of the last (its ACK, or its error). 0 when that came, -1 when not (timeout, stop). */
int read_answers(struct mnl_socket *nl, uint32_t first, uint32_t last, struct errs *e)
{
	static char buf[RX_BUF];
	int64_t deadline = probe_now_ns() + (o.timeout_ms > 0 ? o.timeout_ms : 5000) * NS_PER_MS;
	bool timed_out;

	for (int reads = 0; reads < 100000; reads++) {
		ssize_t n = recv_until(nl, buf, sizeof(buf), deadline, &e->overruns, &timed_out);
		const struct nlmsghdr *nlh;
		int len;
		bool done = false;

		if (n < 0) {
			perror("recv");
			return -1;
		}
		if (n == 0) {
			if (timed_out || probe_stop)
				return -1;
			continue;
		}
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *err;

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			err = mnl_nlmsg_get_payload(nlh);
			if (nlh->nlmsg_seq < first || nlh->nlmsg_seq > last) {
				e->stale++; /* of an earlier batch given up on */
				continue;
			}
			if (err->error)
				count_errno(e, -err->error);
			if (nlh->nlmsg_seq == last)
				done = true;
		}
		if (done)
			return 0;
	}
	return -1;
}

static uint8_t *times_alloc(void)
{
	uint8_t *t;

	if (!o.times_out)
		return NULL;
	t = calloc(o.n ? o.n : 1, 8);
	if (!t) {
		perror("calloc");
		exit(1);
	}
	return t;
}

static void times_put(uint8_t *t, uint64_t j, int64_t ns)
{
	uint64_t v = (uint64_t)ns;

	for (int b = 0; b < 8; b++)
		t[j * 8 + (uint64_t)b] = (uint8_t)(v >> (8 * b));
}

static int times_write(const uint8_t *t)
{
	FILE *f;
	char tmp[4096];
	size_t w;

	if (!t)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", o.times_out);
	f = fopen(tmp, "wb");
	if (!f) {
		fprintf(stderr, "%s: %s\n", tmp, strerror(errno));
		return -1;
	}
	w = fwrite(t, 8, o.n, f);
	if (fclose(f) != 0 || w != o.n || rename(tmp, o.times_out) < 0) {
		fprintf(stderr, "cannot write %s: %s\n", o.times_out, strerror(errno));
		return -1;
	}
	return 0;
}

json_t *errnos_json(const struct errs *e)
{
	json_t *obj = json_object();

	for (int i = 0; i < 256; i++) {
		const char *name = i ? strerrorname_np(i) : "other";

		if (e->by_errno[i])
			json_object_set_new(obj, name ? name : "unknown",
					    json_integer((json_int_t)e->by_errno[i]));
	}
	return obj;
}

int build_entry(struct nlmsghdr *nlh, struct nf_conntrack *ct, uint64_t i, bool create)
{
	struct tup t;

	tuple_of(i, &t);
	nfct_set_attr_u8(ct, ATTR_ORIG_L3PROTO, AF_INET);
	nfct_set_attr_u32(ct, ATTR_ORIG_IPV4_SRC, t.src);
	nfct_set_attr_u32(ct, ATTR_ORIG_IPV4_DST, t.dst);
	nfct_set_attr_u8(ct, ATTR_ORIG_L4PROTO, IPPROTO_TCP);
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_SRC, htons(t.sport));
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_DST, htons(t.dport));
	if (create) {
		nfct_set_attr_u8(ct, ATTR_REPL_L3PROTO, AF_INET);
		nfct_set_attr_u32(ct, ATTR_REPL_IPV4_SRC, t.dst);
		nfct_set_attr_u32(ct, ATTR_REPL_IPV4_DST, t.src);
		nfct_set_attr_u8(ct, ATTR_REPL_L4PROTO, IPPROTO_TCP);
		nfct_set_attr_u16(ct, ATTR_REPL_PORT_SRC, htons(t.dport));
		nfct_set_attr_u16(ct, ATTR_REPL_PORT_DST, htons(t.sport));
		nfct_set_attr_u32(ct, ATTR_STATUS, IPS_SEEN_REPLY | IPS_ASSURED);
		nfct_set_attr_u32(ct, ATTR_TIMEOUT, o.ct_timeout);
		nfct_set_attr_u8(ct, ATTR_TCP_STATE, TCP_CONNTRACK_ESTABLISHED);
	}
	return nfct_nlmsg_build(nlh, ct);
}

static int run_batches(bool create)
{
	struct mnl_socket *nl = nl_open(0, o.rcvbuf > 0 ? o.rcvbuf : 8 << 20);
	size_t bufsize = ((size_t)o.batch + 1) * MSG_ROOM;
	char *buf = malloc(bufsize);
	struct nf_conntrack *ct = nfct_new();
	uint8_t *times = create ? times_alloc() : NULL;
	struct errs e;
	uint32_t seq = (uint32_t)time(NULL) << 8;
	uint64_t done = 0, batches = 0, build_errors = 0;
	int64_t t0, t1, t_last_send = 0;
	bool failed = false;
	json_t *res;
	double secs;

	if (!buf || !ct) {
		perror("malloc");
		return 1;
	}
	memset(&e, 0, sizeof(e));
	t0 = probe_now_ns();
	while (done < o.n && !probe_stop) {
		struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, (size_t)o.batch * MSG_ROOM);
		uint64_t k = o.n - done < o.batch ? o.n - done : o.batch;
		uint32_t first = seq + 1;
		int64_t ts, te;

		for (uint64_t m = 0; m < k; m++) {
			bool last = m + 1 == k;
			struct nlmsghdr *nlh = put_header(
				mnl_nlmsg_batch_current(b), create ? IPCTNL_MSG_CT_NEW : IPCTNL_MSG_CT_DELETE,
				(uint16_t)((create ? NLM_F_CREATE | NLM_F_EXCL : 0) | (last ? NLM_F_ACK : 0)),
				++seq, AF_INET);

			if (build_entry(nlh, ct, o.seed + done + m, create) < 0) {
				build_errors++;
				count_errno(&e, EINVAL);
			}
			if (!mnl_nlmsg_batch_next(b)) {
				/* cannot happen: MSG_ROOM per message is more than one takes */
				fprintf(stderr, "batch buffer full at message %" PRIu64 "\n", m);
				return 1;
			}
		}
		ts = probe_now_ns();
		if (send_all(nl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)) < 0) {
			if (probe_stop)
				break;
			perror("sendmsg");
			failed = true;
			break;
		}
		te = t_last_send = probe_now_ns();
		if (read_answers(nl, first, seq, &e) < 0) {
			if (probe_stop)
				break;
			/* the last answer never came: what became of the batch is unknown */
			e.unacked_batches++;
			e.total += k;
		}
		if (times)
			for (uint64_t m = 0; m < k; m++)
				times_put(times, done + m, ts + (te - ts) * (int64_t)(m + 1) / (int64_t)k);
		mnl_nlmsg_batch_stop(b);
		done += k;
		batches++;
	}
	t1 = probe_now_ns();
	secs = (double)(t1 - t0) / 1e9;
	res = json_pack("{s:s, s:I, s:I, s:I, s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}",
			"mode", create ? "create" : "delete", "n", (json_int_t)o.n, "attempted",
			(json_int_t)done, create ? "created" : "deleted",
			(json_int_t)(done - (e.total < done ? e.total : done)), "seconds", secs, "rate",
			secs > 0 ? (double)(done - (e.total < done ? e.total : done)) / secs : 0.0,
			"errors", (json_int_t)e.total, "batch", (json_int_t)o.batch, "batches",
			(json_int_t)batches, "unacked_batches", (json_int_t)e.unacked_batches,
			"overruns", (json_int_t)e.overruns, "t_start_ns", (json_int_t)t0, "t_end_ns",
			(json_int_t)t1, "seed", (json_int_t)o.seed, "interrupted", probe_stop != 0);
	json_object_set_new(res, "errnos", errnos_json(&e));
	json_object_set_new(res, "base_port", json_integer(o.base_port));
	/* the last sendmsg's return: every entry was in the table then (t_end_ns also has the
	 * reading of its ACK) */
	json_object_set_new(res, "t_last_send_ns", json_integer(t_last_send));
	if (e.stale)
		json_object_set_new(res, "stale_answers", json_integer((json_int_t)e.stale));
	if (!create)
		json_object_set_new(res, "missing",
				    json_integer((json_int_t)e.by_errno[ENOENT]));
	if (times_write(times) < 0)
		failed = true;
	probe_write_json(res, o.out);
	nfct_destroy(ct);
	free(times);
	free(buf);
	mnl_socket_close(nl);
	return failed ? 1 : 0;
}

/* ---- counting ---- */

/* The kernel's count of this namespace's entries (all families), without a dump. */
static int kernel_count(struct mnl_socket *nl, uint32_t *entries, uint32_t *max)
{
	static char buf[16384];
	static uint32_t seq = 1;
	uint64_t overruns = 0;
	bool timed_out;
	int64_t deadline;
	struct nlmsghdr *nlh = put_header(buf, IPCTNL_MSG_CT_GET_STATS, 0, ++seq, AF_UNSPEC);

	if (send_all(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	deadline = probe_now_ns() + 2 * NS_PER_S;
	for (int reads = 0; reads < 1000; reads++) {
		ssize_t n = recv_until(nl, buf, sizeof(buf), deadline, &overruns, &timed_out);
		int len = (int)n;

		if (n <= 0) {
			if (n == 0 && !timed_out && !probe_stop)
				continue;
			return -1;
		}
		for (const struct nlmsghdr *m = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			struct attrs a;

			if (m->nlmsg_seq != seq)
				continue;
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = mnl_nlmsg_get_payload(m);

				if (err->error) {
					errno = -err->error;
					return -1;
				}
				continue;
			}
			memset(&a, 0, sizeof(a));
			a.max = CTA_STATS_GLOBAL_MAX;
			if (mnl_attr_parse(m, sizeof(struct nfgenmsg), attr_cb, &a) < 0 ||
			    !a.tb[CTA_STATS_GLOBAL_ENTRIES]) {
				errno = EPROTO;
				return -1;
			}
			*entries = ntohl(mnl_attr_get_u32(a.tb[CTA_STATS_GLOBAL_ENTRIES]));
			if (max)
				*max = a.tb[CTA_STATS_GLOBAL_MAX_ENTRIES]
					       ? ntohl(mnl_attr_get_u32(a.tb[CTA_STATS_GLOBAL_MAX_ENTRIES]))
					       : 0;
			return 0;
		}
	}
	errno = ETIMEDOUT;
	return -1;
}

/* A dump of the IPv4 table: how many entries, how many of them in our range. */
static int dump_count(struct mnl_socket *nl, uint64_t *ours, uint64_t *all, bool *intr)
{
	static char buf[RX_BUF];
	static uint32_t seq = 1u << 30;
	uint64_t overruns = 0;
	bool timed_out;
	int64_t deadline;
	struct nlmsghdr *nlh = put_header(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, ++seq, AF_INET);

	*ours = *all = 0;
	*intr = false;
	if (send_all(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	deadline = probe_now_ns() + 60 * NS_PER_S;
	for (int reads = 0; reads < 10000000; reads++) {
		ssize_t n = recv_until(nl, buf, sizeof(buf), deadline, &overruns, &timed_out);
		int len = (int)n;

		if (n <= 0) {
			if (n == 0 && !timed_out && !probe_stop)
				continue;
			if (n == 0)
				errno = probe_stop ? EINTR : ETIMEDOUT;
			return -1;
		}
		for (const struct nlmsghdr *m = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			struct tup t;
			uint64_t i, j;

			if (m->nlmsg_seq != seq)
				continue;
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				*intr = true;
			if (m->nlmsg_type == NLMSG_DONE)
				return 0;
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = mnl_nlmsg_get_payload(m);

				errno = err->error ? -err->error : EPROTO;
				return -1;
			}
			(*all)++;
			if (parse_orig(m, &t) && index_of(&t, &i) && in_range(i, &j))
				(*ours)++;
		}
	}
	errno = ETIMEDOUT;
	return -1;
}

static int run_count(bool dump)
{
	struct mnl_socket *nl = nl_open(0, o.rcvbuf > 0 ? o.rcvbuf : 4 << 20);
	uint32_t entries = 0, max = 0;
	uint64_t ours = 0, all = 0;
	bool intr = false;
	int64_t t0 = probe_now_ns();
	json_t *res;

	if (kernel_count(nl, &entries, &max) < 0) {
		perror("IPCTNL_MSG_CT_GET_STATS");
		return 1;
	}
	res = json_pack("{s:s, s:I, s:I}", "mode", dump ? "count" : "count-only", "kernel_entries",
			(json_int_t)entries, "max", (json_int_t)max);
	if (dump) {
		if (dump_count(nl, &ours, &all, &intr) < 0) {
			perror("dump");
			json_decref(res);
			return 1;
		}
		json_object_set_new(res, "ours", json_integer((json_int_t)ours));
		json_object_set_new(res, "ipv4", json_integer((json_int_t)all));
		json_object_set_new(res, "dump_interrupted", json_boolean(intr));
		json_object_set_new(res, "n", json_integer((json_int_t)o.n));
		json_object_set_new(res, "seed", json_integer((json_int_t)o.seed));
	}
	json_object_set_new(res, "seconds", json_real((double)(probe_now_ns() - t0) / 1e9));
	probe_write_json(res, o.out);
	mnl_socket_close(nl);
	return 0;
}

/* ---- wait-count: polls until our N are in the table ---- */

/* Every poll of wait-count: when it was and the kernel's count then. */
struct poll_rec {
	int64_t t;
	uint32_t entries;
};

struct poll_log {
	struct poll_rec *v;
	size_t n, cap;
};

static void poll_log_add(struct poll_log *l, int64_t t, uint32_t entries)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4096;
		struct poll_rec *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return; /* the re-read below then falls back to the dump's end */
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (struct poll_rec){ t, entries };
}

/* The first poll whose count held want entries, or 0. */
static int64_t poll_log_first(const struct poll_log *l, uint64_t want)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].entries >= want)
			return l->v[i].t;
	return 0;
}

/* The kernel's count every --poll-ms (cheap: no dump); "ours" is estimated as that count less
 * the other entries at the start. When the estimate reaches N, a dump checks it: if the dump
 * says fewer (other entries came meanwhile), the others are recounted and polling goes on. The
 * time reported is the poll that the dump confirmed; when the others had changed, the first
 * poll that shows all N with their new count (the dump's end only when none does). An
 * estimate that stalls just short of N (others went) is checked by a dump too. */
static int run_wait(void)
{
	struct mnl_socket *nl = nl_open(0, o.rcvbuf > 0 ? o.rcvbuf : 4 << 20);
	int64_t t0 = probe_now_ns(), deadline, next, t_first = 0, t_done = 0, last_kept = 0;
	int64_t timeout_ns = (o.timeout_ms > 0 ? o.timeout_ms : 60000) * NS_PER_MS;
	uint32_t entries;
	uint64_t ours0, all0, ours = 0, all = 0, dumps = 1, polls = 0, est = 0, last_est = 0;
	int64_t others;
	bool intr, any_intr = false, reached = false;
	const char *done_by = NULL;
	int64_t confirm_ns = 0, est_since = 0;
	struct poll_log plog = { 0 };
	json_t *series = json_array(), *res;

	if (kernel_count(nl, &entries, NULL) < 0 || dump_count(nl, &ours0, &all0, &intr) < 0) {
		perror("initial count");
		return 1;
	}
	any_intr |= intr;
	others = (int64_t)entries - (int64_t)ours0;
	json_array_append_new(series, json_pack("[f, I]", 0.0, (json_int_t)ours0));
	last_est = ours0;
	probe_touch(o.ready_file);
	deadline = probe_now_ns() + timeout_ns;
	next = probe_now_ns();
	while (!probe_stop) {
		int64_t now;

		if (kernel_count(nl, &entries, NULL) < 0) {
			if (probe_stop)
				break;
			perror("IPCTNL_MSG_CT_GET_STATS");
			return 1;
		}
		now = probe_now_ns();
		polls++;
		poll_log_add(&plog, now, entries);
		est = (int64_t)entries - others > 0 ? (uint64_t)((int64_t)entries - others) : 0;
		if (!t_first && est > ours0)
			t_first = now;
		if (est != last_est || !est_since)
			est_since = now;
		if (est != last_est && (now - last_kept >= SERIES_GAP_NS || est >= o.n)) {
			json_array_append_new(series, json_pack("[f, I]", probe_ms(now - t0),
								(json_int_t)est));
			last_kept = now;
			last_est = est;
		}
		bool stalled = est + STALL_SLACK >= o.n && now - est_since >= STALL_NS;
		if (est >= o.n || stalled) {
			int64_t others_then = others;

			if (dump_count(nl, &ours, &all, &intr) < 0) {
				if (probe_stop)
					break;
				perror("dump");
				return 1;
			}
			dumps++;
			any_intr |= intr;
			confirm_ns = probe_now_ns() - now;
			est_since = 0; /* a stall is checked once per STALL_NS */
			if (ours >= o.n) {
				int64_t others_now = (int64_t)all - (int64_t)ours;

				reached = true;
				if (others_now == others_then) {
					/* others unchanged since the poll: the poll was exact */
					t_done = now;
					done_by = "poll";
					break;
				}
				/* Others changed during the wait (a daemon's own connection came
				 * or went). The dump's end is no measure: a dump of a 1M table
				 * takes seconds (a bulk done in 11 s was reported 15.5 s). The
				 * polls are read again with the count of others now: the first
				 * that then shows all N is when they were there (early by the
				 * time of as many entries as others went, late if they came). */
				t_done = poll_log_first(&plog, o.n + (uint64_t)(others_now > 0 ? others_now : 0));
				done_by = "polls re-read";
				if (!t_done) {
					t_done = probe_now_ns();
					done_by = "dump end";
				}
				break;
			}
			others = (int64_t)all - (int64_t)ours;
		}
		if (now >= deadline)
			break;
		next += o.poll_ms * NS_PER_MS;
		if (next < now)
			next = now; /* late: no burst of polls to catch up */
		probe_sleep_until(next);
	}
	if (!reached && dump_count(nl, &ours, &all, &intr) == 0)
		dumps++;
	res = json_pack("{s:s, s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:I}", "mode", "wait-count",
			"target", (json_int_t)o.n, "reached", reached, "ours", (json_int_t)ours,
			"ours_at_start", (json_int_t)ours0, "polls", (json_int_t)polls, "dumps",
			(json_int_t)dumps, "t_start_ns", (json_int_t)t0, "poll_ms",
			(json_int_t)o.poll_ms);
	json_object_set_new(res, "elapsed_ms",
			    reached ? json_real(probe_ms(t_done - t0)) : json_null());
	json_object_set_new(res, "t_done_ns", reached ? json_integer(t_done) : json_null());
	json_object_set_new(res, "t_first_ns", t_first ? json_integer(t_first) : json_null());
	json_object_set_new(res, "done_by", done_by ? json_string(done_by) : json_null());
	json_object_set_new(res, "confirm_dump_ms", json_real(probe_ms(confirm_ns)));
	json_object_set_new(res, "dump_interrupted", json_boolean(any_intr));
	json_object_set_new(res, "interrupted", json_boolean(probe_stop != 0));
	json_object_set_new(res, "series", series);
	probe_write_json(res, o.out);
	free(plog.v);
	mnl_socket_close(nl);
	return 0;
}

/* ---- listen: NEW events of our range ---- */

static int run_listen(void)
{
	static char buf[RX_BUF];
	struct mnl_socket *nl = nl_open(NF_NETLINK_CONNTRACK_NEW,
				      o.rcvbuf > 0 ? o.rcvbuf : 256 << 20);
	uint8_t *seen = calloc(o.n ? o.n : 1, 1);
	uint8_t *times = times_alloc();
	int64_t t0 = probe_now_ns(), t_first = 0, t_last = 0;
	int64_t deadline = t0 + (o.timeout_ms > 0 ? o.timeout_ms : 60000) * NS_PER_MS;
	uint64_t events = 0, ours_events = 0, distinct = 0, others = 0, overruns = 0, bad = 0;
	uint64_t recvs = 0;
	bool timed_out = false, failed = false;
	json_t *res;

	if (!seen) {
		perror("calloc");
		return 1;
	}
	probe_touch(o.ready_file);
	while (distinct < o.n && !probe_stop) {
		ssize_t n = recv_until(nl, buf, sizeof(buf), deadline, &overruns, &timed_out);
		int64_t now = probe_now_ns();
		int len = (int)n;

		if (n < 0) {
			perror("recv");
			failed = true;
			break;
		}
		if (n == 0) {
			if (timed_out || probe_stop)
				break;
			continue;
		}
		recvs++;
		for (const struct nlmsghdr *m = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			struct tup t;
			uint64_t i, j;

			if (m->nlmsg_type != ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW))
				continue;
			events++;
			if (!parse_orig(m, &t)) {
				bad++;
				continue;
			}
			if (!index_of(&t, &i) || !in_range(i, &j)) {
				others++;
				continue;
			}
			ours_events++;
			if (seen[j])
				continue;
			seen[j] = 1;
			distinct++;
			if (!t_first)
				t_first = now;
			t_last = now;
			if (times)
				times_put(times, j, now);
		}
	}
	res = json_pack("{s:s, s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "mode",
			"listen", "target", (json_int_t)o.n, "reached", distinct >= o.n, "distinct",
			(json_int_t)distinct, "events", (json_int_t)events, "ours_events",
			(json_int_t)ours_events, "other_events", (json_int_t)others, "unparsed",
			(json_int_t)bad, "overruns", (json_int_t)overruns, "recvs",
			(json_int_t)recvs, "t_start_ns", (json_int_t)t0);
	json_object_set_new(res, "t_first_ns", t_first ? json_integer(t_first) : json_null());
	json_object_set_new(res, "t_last_ns", t_last ? json_integer(t_last) : json_null());
	json_object_set_new(res, "seconds",
			    t_last > t_first ? json_real((double)(t_last - t_first) / 1e9)
					     : json_null());
	/* distinct - 1 intervals between the first and the last event */
	json_object_set_new(res, "rate",
			    t_last > t_first && distinct > 1
				    ? json_real((double)(distinct - 1) * 1e9 / (double)(t_last - t_first))
				    : json_null());
	json_object_set_new(res, "timed_out", json_boolean(timed_out));
	json_object_set_new(res, "interrupted", json_boolean(probe_stop != 0));
	if (times_write(times) < 0)
		failed = true;
	probe_write_json(res, o.out);
	free(times);
	free(seen);
	mnl_socket_close(nl);
	return failed ? 1 : 0;
}

/* ---- main ---- */

static void usage(void)
{
	fprintf(stderr,
		"usage: hs-ct-fill [--create] N | --delete N | --count [--n N] | --count-only |\n"
		"                  --wait-count N | --listen N | --churn RATE --seconds S --n N\n"
		"       [--seed S] [--base-port P] [--batch B] [--ct-timeout S] [--timeout-ms T]\n"
		"       [--poll-ms P] [--rcvbuf BYTES] [--times-out FILE] [--ready-file F]\n"
		"       [--out FILE]\n");
	exit(2);
}

static void set_mode(enum mode m, const char *opt, const char *val)
{
	if (o.mode != M_NONE) {
		fprintf(stderr, "%s: only one of --create, --delete, --count, --count-only, "
				"--wait-count, --listen, --churn\n", opt);
		exit(2);
	}
	o.mode = m;
	if (val)
		o.n = (uint64_t)probe_num(opt, val, 0, 100000000);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "create", required_argument, NULL, 'C' },
		{ "delete", required_argument, NULL, 'D' },
		{ "count", no_argument, NULL, 'c' },
		{ "count-only", no_argument, NULL, 'k' },
		{ "wait-count", required_argument, NULL, 'w' },
		{ "listen", required_argument, NULL, 'l' },
		{ "churn", required_argument, NULL, 'u' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "n", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "base-port", required_argument, NULL, 'p' },
		{ "batch", required_argument, NULL, 'b' },
		{ "ct-timeout", required_argument, NULL, 'T' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "poll-ms", required_argument, NULL, 'P' },
		{ "rcvbuf", required_argument, NULL, 'r' },
		{ "times-out", required_argument, NULL, 'x' },
		{ "ready-file", required_argument, NULL, 'R' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'C': set_mode(M_CREATE, "--create", optarg); break;
		case 'D': set_mode(M_DELETE, "--delete", optarg); break;
		case 'c': set_mode(M_COUNT, "--count", NULL); break;
		case 'k': set_mode(M_COUNT_ONLY, "--count-only", NULL); break;
		case 'w': set_mode(M_WAIT, "--wait-count", optarg); break;
		case 'l': set_mode(M_LISTEN, "--listen", optarg); break;
		case 'u':
			set_mode(M_CHURN, "--churn", NULL);
			o.churn_rate = probe_num("--churn", optarg, 1, 1000000);
			break;
		case 'S': o.churn_seconds = probe_num("--seconds", optarg, 1, 3600); break;
		case 'n': o.n = (uint64_t)probe_num("--n", optarg, 0, 100000000); break;
		case 's': o.seed = (uint64_t)probe_num("--seed", optarg, 0, 1000000000); break;
		case 'p': o.base_port = (unsigned)probe_num("--base-port", optarg, 1, 65535); break;
		case 'b': o.batch = (unsigned)probe_num("--batch", optarg, 1, BATCH_MAX); break;
		case 'T': o.ct_timeout = (unsigned)probe_num("--ct-timeout", optarg, 1, 864000); break;
		case 't': o.timeout_ms = probe_num("--timeout-ms", optarg, 1, 86400000); break;
		case 'P': o.poll_ms = probe_num("--poll-ms", optarg, 1, 10000); break;
		case 'r': o.rcvbuf = probe_num("--rcvbuf", optarg, 4096, 1L << 30); break;
		case 'x': o.times_out = optarg; break;
		case 'R': o.ready_file = optarg; break;
		case 'o': o.out = optarg; break;
		default: usage();
		}
	}
	if (optind < argc) {
		if (optind + 1 != argc)
			usage();
		set_mode(M_CREATE, "N", argv[optind]);
	}
	if (o.mode == M_NONE)
		usage();
	if (o.mode == M_CHURN && o.churn_seconds == 0) {
		fprintf(stderr, "--churn needs --seconds\n");
		return 2;
	}
	if (o.seed + o.n + (uint64_t)o.churn_rate * (uint64_t)o.churn_seconds > index_max()) {
		fprintf(stderr, "seed + N (+ churn) = %" PRIu64 " is more than the pattern holds with "
				"base port %u (%" PRIu64 ")\n",
			o.seed + o.n + (uint64_t)o.churn_rate * (uint64_t)o.churn_seconds,
			o.base_port, index_max());
		return 2;
	}
	probe_signals();
	switch (o.mode) {
	case M_CREATE: return run_batches(true);
	case M_DELETE: return run_batches(false);
	case M_COUNT: return run_count(true);
	case M_COUNT_ONLY: return run_count(false);
	case M_WAIT: return run_wait();
	case M_LISTEN: return run_listen();
	case M_CHURN: return run_churn();
	case M_NONE: break;
	}
	return 2;
}
