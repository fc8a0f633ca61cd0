/* hs-ct-fill --count, --count-only and --wait-count (ct_fill.c has the modes' documentation):
 * the kernel's count of the namespace's entries, a dump's count of the pattern's, and the poll
 * until all N of the pattern are in. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "ct_fill.h"
#include "probe_common.h"

#define SERIES_GAP_NS (20 * NS_PER_MS) /* wait-count: at most one kept sample per 20 ms */
/* wait-count: an estimate this close to N that has not moved for STALL_NS is checked by a dump
 * (an other entry that expired keeps it one short for good: a bulk of 1M done in 12.6 s was
 * reported after 81 s). */
#define STALL_SLACK   16u
#define STALL_NS      (2 * NS_PER_S)

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

int run_count(bool dump)
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

/* wait-count's state across polls. */
struct waiter {
	struct mnl_socket *nl;
	int64_t t0, t_first, t_done, last_kept, confirm_ns, est_since;
	int64_t polled;     /* when the last poll was */
	const char *failed; /* the request that failed */
	uint64_t ours0, ours, all, dumps, polls, last_est;
	int64_t others; /* the kernel's entries that are not ours, as last counted */
	bool any_intr, reached;
	const char *done_by;
	struct poll_log plog;
	json_t *series;
};

/* The counts at the start: the kernel's, and a dump's of ours (others = the rest). */
static int wait_start(struct waiter *w)
{
	uint32_t entries;
	uint64_t all0;
	bool intr;

	if (kernel_count(w->nl, &entries, NULL) < 0 ||
	    dump_count(w->nl, &w->ours0, &all0, &intr) < 0)
		return -1;
	w->any_intr |= intr;
	w->others = (int64_t)entries - (int64_t)w->ours0;
	json_array_append_new(w->series, json_pack("[f, I]", 0.0, (json_int_t)w->ours0));
	w->last_est = w->ours0;
	w->dumps = 1;
	return 0;
}

/* The estimate of ours at poll time now: kept in the series at most every SERIES_GAP_NS (and
 * when it reaches N), and the time it last moved noted for the stall check. */
static void wait_note(struct waiter *w, int64_t now, uint64_t est)
{
	if (!w->t_first && est > w->ours0)
		w->t_first = now;
	if (est != w->last_est || !w->est_since)
		w->est_since = now;
	if (est != w->last_est && (now - w->last_kept >= SERIES_GAP_NS || est >= o.n)) {
		json_array_append_new(w->series,
				      json_pack("[f, I]", probe_ms(now - w->t0), (json_int_t)est));
		w->last_kept = now;
		w->last_est = est;
	}
}

/* A dump checks the poll at now that showed all N (or stalled just short): 1 when all N are
 * in (t_done set), 0 to poll on (others recounted), -1 on error. */
static int wait_confirm(struct waiter *w, int64_t now)
{
	int64_t others_then = w->others, others_now;
	bool intr;

	if (dump_count(w->nl, &w->ours, &w->all, &intr) < 0) {
		w->failed = "dump";
		return -1;
	}
	w->dumps++;
	w->any_intr |= intr;
	w->confirm_ns = probe_now_ns() - now;
	w->est_since = 0; /* a stall is checked once per STALL_NS */
	others_now = (int64_t)w->all - (int64_t)w->ours;
	if (w->ours < o.n) {
		w->others = others_now;
		return 0;
	}
	w->reached = true;
	if (others_now == others_then) {
		/* others unchanged since the poll: the poll was exact */
		w->t_done = now;
		w->done_by = "poll";
		return 1;
	}
	/* Others changed during the wait (a daemon's own connection came or went). The dump's end
	 * is no measure: a dump of a 1M table takes seconds (a bulk done in 11 s was reported
	 * 15.5 s). The polls are read again with the count of others now: the first that then
	 * shows all N is when they were there (early by the time of as many entries as others
	 * went, late if they came). */
	w->t_done = poll_log_first(&w->plog, o.n + (uint64_t)(others_now > 0 ? others_now : 0));
	w->done_by = "polls re-read";
	if (!w->t_done) {
		w->t_done = probe_now_ns();
		w->done_by = "dump end";
	}
	return 1;
}

/* One poll: 1 when all N are in, 0 to poll on, -1 on error. */
static int wait_poll(struct waiter *w)
{
	uint32_t entries;
	int64_t now;
	uint64_t est;

	if (kernel_count(w->nl, &entries, NULL) < 0) {
		w->failed = "IPCTNL_MSG_CT_GET_STATS";
		return -1;
	}
	now = w->polled = probe_now_ns();
	w->polls++;
	poll_log_add(&w->plog, now, entries);
	est = (int64_t)entries - w->others > 0 ? (uint64_t)((int64_t)entries - w->others) : 0;
	wait_note(w, now, est);
	bool stalled = est + STALL_SLACK >= o.n && now - w->est_since >= STALL_NS;
	return est >= o.n || stalled ? wait_confirm(w, now) : 0;
}

static void wait_report(struct waiter *w)
{
	json_t *res = json_pack("{s:s, s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:I}", "mode",
				"wait-count", "target", (json_int_t)o.n, "reached", w->reached,
				"ours", (json_int_t)w->ours, "ours_at_start", (json_int_t)w->ours0,
				"polls", (json_int_t)w->polls, "dumps", (json_int_t)w->dumps,
				"t_start_ns", (json_int_t)w->t0, "poll_ms", (json_int_t)o.poll_ms);

	json_object_set_new(res, "elapsed_ms",
			    w->reached ? json_real(probe_ms(w->t_done - w->t0)) : json_null());
	json_object_set_new(res, "t_done_ns", w->reached ? json_integer(w->t_done) : json_null());
	json_object_set_new(res, "t_first_ns", w->t_first ? json_integer(w->t_first) : json_null());
	json_object_set_new(res, "done_by", w->done_by ? json_string(w->done_by) : json_null());
	json_object_set_new(res, "confirm_dump_ms", json_real(probe_ms(w->confirm_ns)));
	json_object_set_new(res, "dump_interrupted", json_boolean(w->any_intr));
	json_object_set_new(res, "interrupted", json_boolean(probe_stop != 0));
	json_object_set_new(res, "series", w->series);
	probe_write_json(res, o.out);
}

/* The kernel's count every --poll-ms (cheap: no dump); "ours" is estimated as that count less
 * the other entries at the start. When the estimate reaches N, a dump checks it: if the dump
 * says fewer (other entries came meanwhile), the others are recounted and polling goes on. The
 * time reported is the poll that the dump confirmed; when the others had changed, the first
 * poll that shows all N with their new count (the dump's end only when none does). An
 * estimate that stalls just short of N (others went) is checked by a dump too. */
int run_wait(void)
{
	struct waiter w = { .nl = nl_open(0, o.rcvbuf > 0 ? o.rcvbuf : 4 << 20),
			    .t0 = probe_now_ns(),
			    .series = json_array() };
	int64_t timeout_ns = (o.timeout_ms > 0 ? o.timeout_ms : 60000) * NS_PER_MS;
	int64_t deadline, next;
	bool intr;

	if (wait_start(&w) < 0) {
		perror("initial count");
		return 1;
	}
	probe_touch(o.ready_file);
	deadline = probe_now_ns() + timeout_ns;
	next = probe_now_ns();
	while (!probe_stop) {
		int r = wait_poll(&w);

		if (r < 0) {
			if (probe_stop)
				break;
			perror(w.failed);
			return 1;
		}
		if (r > 0 || w.polled >= deadline)
			break;
		next += o.poll_ms * NS_PER_MS;
		if (next < w.polled)
			next = w.polled; /* late: no burst of polls to catch up */
		probe_sleep_until(next);
	}
	if (!w.reached && dump_count(w.nl, &w.ours, &w.all, &intr) == 0)
		w.dumps++;
	wait_report(&w);
	free(w.plog.v);
	mnl_socket_close(w.nl);
	return 0;
}
