/* hs-ct-fill: fills, empties, counts and watches the conntrack table of the network namespace it
 * runs in, through ctnetlink (libmnl moves the messages, libnetfilter_conntrack builds them).
 * The session-sync benchmark (bench/session_sync.py) runs it in the lab's boxes.
 *
 *   hs-ct-fill [--create] N     N IPv4 TCP ESTABLISHED entries, in batches (--rate R: paced,
 *                               R entries a second, each batch sent when it is due)
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
 * --rate R (create: R entries a second, each batch sent when due; the benchmark's paced fill),
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

struct opts o = {
	.base_port = 1024, .batch = 256, .ct_timeout = 3600, .timeout_ms = -1, .poll_ms = 5,
	.rcvbuf = -1,
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
bool index_of(const struct tup *t, uint64_t *out)
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
bool in_range(uint64_t i, uint64_t *j)
{
	if (i < o.seed || (o.n && i - o.seed >= o.n))
		return false;
	*j = i - o.seed;
	return true;
}

/* ---- parsing ctnetlink messages (only what the pattern needs) ---- */

int attr_cb(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	int type = mnl_attr_get_type(attr);

	if (type <= a->max)
		a->tb[type] = attr;
	return MNL_CB_OK;
}

bool nested(const struct nlattr *attr, int max, struct attrs *a)
{
	memset(a, 0, sizeof(*a));
	a->max = max;
	return attr && mnl_attr_parse_nested(attr, attr_cb, a) >= 0;
}

/* The original tuple of a CT message (new event, dump entry); false if it is not IPv4. */
bool parse_orig(const struct nlmsghdr *nlh, struct tup *t)
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
ssize_t recv_until(struct mnl_socket *nl, void *buf, size_t len, int64_t deadline,
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

uint8_t *times_alloc(void)
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

void times_put(uint8_t *t, uint64_t j, int64_t ns)
{
	uint64_t v = (uint64_t)ns;

	for (int b = 0; b < 8; b++)
		t[j * 8 + (uint64_t)b] = (uint8_t)(v >> (8 * b));
}

int times_write(const uint8_t *t)
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

/* --create / --delete's state across batches. */
struct filler {
	bool create;
	struct mnl_socket *nl;
	char *buf;
	struct nf_conntrack *ct;
	uint8_t *times; /* --times-out: each entry's time in the table */
	struct errs e;
	uint32_t seq;
	uint64_t done, batches;
	int64_t t0, t1, t_last_send;
};

/* Builds the next k entries into one netlink batch, sends it and reads its answers. Returns 0,
 * or -1 with nothing sent when a signal stopped it, or when sendmsg failed (*failed set). */
static int fill_batch(struct filler *f, uint64_t k, bool *failed)
{
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(f->buf, (size_t)o.batch * MSG_ROOM);
	uint32_t first = f->seq + 1;
	int64_t ts, te;

	for (uint64_t m = 0; m < k; m++) {
		bool last = m + 1 == k;
		struct nlmsghdr *nlh =
			put_header(mnl_nlmsg_batch_current(b),
				   f->create ? IPCTNL_MSG_CT_NEW : IPCTNL_MSG_CT_DELETE,
				   (uint16_t)((f->create ? NLM_F_CREATE | NLM_F_EXCL : 0) |
					      (last ? NLM_F_ACK : 0)),
				   ++f->seq, AF_INET);

		if (build_entry(nlh, f->ct, o.seed + f->done + m, f->create) < 0)
			count_errno(&f->e, EINVAL);
		if (!mnl_nlmsg_batch_next(b)) {
			/* cannot happen: MSG_ROOM per message is more than one takes */
			fprintf(stderr, "batch buffer full at message %" PRIu64 "\n", m);
			exit(1);
		}
	}
	ts = probe_now_ns();
	if (send_all(f->nl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)) < 0) {
		if (!probe_stop) {
			perror("sendmsg");
			*failed = true;
		}
		return -1;
	}
	te = f->t_last_send = probe_now_ns();
	if (read_answers(f->nl, first, f->seq, &f->e) < 0) {
		if (probe_stop)
			return -1;
		/* the last answer never came: what became of the batch is unknown */
		f->e.unacked_batches++;
		f->e.total += k;
	}
	if (f->times)
		for (uint64_t m = 0; m < k; m++)
			times_put(f->times, f->done + m,
				  ts + (te - ts) * (int64_t)(m + 1) / (int64_t)k);
	mnl_nlmsg_batch_stop(b);
	f->done += k;
	f->batches++;
	return 0;
}

static void fill_report(const struct filler *f)
{
	const struct errs *e = &f->e;
	uint64_t ok = f->done - (e->total < f->done ? e->total : f->done);
	double secs = (double)(f->t1 - f->t0) / 1e9;
	json_t *res = json_pack(
		"{s:s, s:I, s:I, s:I, s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}",
		"mode", f->create ? "create" : "delete", "n", (json_int_t)o.n, "attempted",
		(json_int_t)f->done, f->create ? "created" : "deleted", (json_int_t)ok, "seconds",
		secs, "rate", secs > 0 ? (double)ok / secs : 0.0, "errors", (json_int_t)e->total,
		"batch", (json_int_t)o.batch, "batches", (json_int_t)f->batches, "unacked_batches",
		(json_int_t)e->unacked_batches, "overruns", (json_int_t)e->overruns, "t_start_ns",
		(json_int_t)f->t0, "t_end_ns", (json_int_t)f->t1, "seed", (json_int_t)o.seed,
		"interrupted", probe_stop != 0);

	json_object_set_new(res, "errnos", errnos_json(e));
	json_object_set_new(res, "base_port", json_integer(o.base_port));
	if (o.rate > 0)
		json_object_set_new(res, "rate_planned", json_integer(o.rate));
	/* the last sendmsg's return: every entry was in the table then (t_end_ns also has the
	 * reading of its ACK) */
	json_object_set_new(res, "t_last_send_ns", json_integer(f->t_last_send));
	if (e->stale)
		json_object_set_new(res, "stale_answers", json_integer((json_int_t)e->stale));
	if (!f->create)
		json_object_set_new(res, "missing", json_integer((json_int_t)e->by_errno[ENOENT]));
	probe_write_json(res, o.out);
}

static int run_batches(bool create)
{
	struct filler f = { .create = create,
			    .nl = nl_open(0, o.rcvbuf > 0 ? o.rcvbuf : 8 << 20),
			    .buf = malloc(((size_t)o.batch + 1) * MSG_ROOM),
			    .ct = nfct_new(),
			    .times = create ? times_alloc() : NULL,
			    .seq = (uint32_t)time(NULL) << 8 };
	bool failed = false;

	if (!f.buf || !f.ct) {
		perror("malloc");
		return 1;
	}
	f.t0 = probe_now_ns();
	while (f.done < o.n && !probe_stop) {
		uint64_t k = o.n - f.done < o.batch ? o.n - f.done : o.batch;

		/* paced: a batch leaves when its first entry is due (a late one at once) */
		if (o.rate > 0) {
			uint64_t due_ns = f.done * (uint64_t)NS_PER_S / (uint64_t)o.rate;
			probe_sleep_until(f.t0 + (int64_t)due_ns);
		}
		if (probe_stop || fill_batch(&f, k, &failed) < 0)
			break;
	}
	f.t1 = probe_now_ns();
	if (times_write(f.times) < 0)
		failed = true;
	fill_report(&f);
	nfct_destroy(f.ct);
	free(f.times);
	free(f.buf);
	mnl_socket_close(f.nl);
	return failed ? 1 : 0;
}

/* ---- main ---- */

static void usage(void)
{
	fprintf(stderr,
		"usage: hs-ct-fill [--create] N | --delete N | --count [--n N] | --count-only |\n"
		"                  --wait-count N | --listen N | --churn RATE --seconds S --n N\n"
		"       [--seed S] [--base-port P] [--batch B] [--rate R] [--ct-timeout S]\n"
		"       [--timeout-ms T] [--poll-ms P] [--rcvbuf BYTES] [--times-out FILE]\n"
		"       [--ready-file F] [--out FILE]\n");
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

/* Reads the options into o; a bad one ends the program with its message. */
static void parse_args(int argc, char **argv)
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
		{ "rate", required_argument, NULL, 'a' },
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
		case 'a': o.rate = probe_num("--rate", optarg, 1, 10000000); break;
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
}

/* The options that only make sense together: 0, or 2 with the reason printed. */
static int check_args(void)
{
	if (o.rate > 0 && o.mode != M_CREATE) {
		fprintf(stderr, "--rate paces a --create only\n");
		return 2;
	}
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
	return 0;
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);
	if (check_args() != 0)
		return 2;
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
