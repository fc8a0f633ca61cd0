/* hs-ct-fill --churn RATE --seconds S --n N: real-time churn of a table that holds the N
 * entries [seed, seed + N) of the fill pattern. For S seconds, RATE new entries a second are
 * created (indices seed + N, seed + N + 1, ...) and RATE a second of the oldest are deleted
 * (seed, seed + 1, ...), so the table keeps its size while every entry that goes is one that
 * a sync has to remove on the peer. At the end the live range is
 * [next_delete, next_create): the benchmark compares both boxes' tables over it and over the
 * deleted range [seed, next_delete).
 *
 * The work is paced in ticks of 10 ms: at each tick the creates and deletes due by then go out,
 * interleaved, in batches of --batch messages (one sendmsg each, ACK on the last), the fastest
 * way ctnetlink takes requests. A tick that is late (the box's CPUs are busy) catches up at
 * once; "late_ms" is how far behind the schedule the last request went out. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ct_fill.h"
#include "probe_common.h"

#define CHURN_TICK_NS (10 * NS_PER_MS)

/* Requests due by t (ns since the start) at RATE a second, at most total. */
static uint64_t due_at(int64_t t, uint64_t total)
{
	uint64_t ticks = (uint64_t)(t / CHURN_TICK_NS) + 1;
	uint64_t due = (uint64_t)o.churn_rate * ticks * (uint64_t)CHURN_TICK_NS / (uint64_t)NS_PER_S;

	return due < total ? due : total;
}

struct churn {
	struct mnl_socket *nl;
	struct nf_conntrack *ct;
	char *buf;
	uint32_t seq;
	uint64_t created, deleted, batches;
	struct errs e;
};

/* One sendmsg of up to --batch requests: creates and deletes taken in turn while due. 0, or -1
 * when the send failed. */
static int churn_batch(struct churn *c, uint64_t due)
{
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(c->buf, (size_t)o.batch * MSG_ROOM);
	uint32_t first = c->seq + 1;
	struct nlmsghdr *last = NULL;
	unsigned k = 0;

	while (k < o.batch && (c->created < due || c->deleted < due)) {
		bool create = c->created < due && (c->created <= c->deleted || c->deleted >= due);
		uint64_t i = create ? o.seed + o.n + c->created : o.seed + c->deleted;
		struct nlmsghdr *nlh = last = put_header(
			mnl_nlmsg_batch_current(b), create ? IPCTNL_MSG_CT_NEW : IPCTNL_MSG_CT_DELETE,
			(uint16_t)(create ? NLM_F_CREATE | NLM_F_EXCL : 0), ++c->seq, AF_INET);

		if (build_entry(nlh, c->ct, i, create) < 0)
			count_errno(&c->e, EINVAL);
		if (create)
			c->created++;
		else
			c->deleted++;
		k++;
		mnl_nlmsg_batch_next(b);
	}
	if (k == 0)
		return 0;
	/* the ACK of the last message tells that the kernel has run them all */
	last->nlmsg_flags |= NLM_F_ACK;
	if (send_all(c->nl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)) < 0)
		return -1;
	if (read_answers(c->nl, first, c->seq, &c->e) < 0 && !probe_stop) {
		c->e.unacked_batches++;
		c->e.total += k;
	}
	mnl_nlmsg_batch_stop(b);
	c->batches++;
	return 0;
}

int run_churn(void)
{
	struct churn c = { .seq = (uint32_t)time(NULL) << 8 };
	uint64_t total = (uint64_t)o.churn_rate * (uint64_t)o.churn_seconds;
	int64_t t0, t1, late = 0;
	bool failed = false;
	json_t *res;
	double secs;

	c.nl = nl_open(0, o.rcvbuf > 0 ? o.rcvbuf : 8 << 20);
	c.ct = nfct_new();
	c.buf = malloc(((size_t)o.batch + 1) * MSG_ROOM);
	if (!c.ct || !c.buf) {
		perror("malloc");
		return 1;
	}
	t0 = probe_now_ns();
	/* bounded: every turn sends at least one request or sleeps until the next tick */
	while ((c.created < total || c.deleted < total) && !probe_stop) {
		int64_t now = probe_now_ns() - t0;
		uint64_t due = due_at(now, total);

		if (c.created >= due && c.deleted >= due) {
			probe_sleep_until(t0 + (now / CHURN_TICK_NS + 1) * CHURN_TICK_NS);
			continue;
		}
		if (churn_batch(&c, due) < 0) {
			if (!probe_stop) {
				perror("sendmsg");
				failed = true;
			}
			break;
		}
		/* how late this request went out: the tick it belonged to started at
		 * (its index / rate) */
		if (c.created > 0) {
			int64_t sched = (int64_t)((c.created - 1) * (uint64_t)NS_PER_S /
						  (uint64_t)o.churn_rate);
			int64_t behind = probe_now_ns() - t0 - sched - CHURN_TICK_NS;

			if (behind > late)
				late = behind;
		}
	}
	t1 = probe_now_ns();
	secs = (double)(t1 - t0) / 1e9;
	res = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:I, s:I, s:I, "
			"s:I, s:b}",
			"mode", "churn", "n", (json_int_t)o.n, "seed", (json_int_t)o.seed, "rate",
			(json_int_t)o.churn_rate, "seconds_planned", (json_int_t)o.churn_seconds,
			"created", (json_int_t)c.created, "deleted", (json_int_t)c.deleted,
			"errors", (json_int_t)c.e.total, "seconds", secs, "events_rate",
			secs > 0 ? (double)(c.created + c.deleted) / secs : 0.0, "late_ms",
			(double)late / 1e6, "batches", (json_int_t)c.batches, "unacked_batches",
			(json_int_t)c.e.unacked_batches, "t_start_ns", (json_int_t)t0, "t_end_ns",
			(json_int_t)t1, "interrupted", probe_stop != 0);
	json_object_set_new(res, "errnos", errnos_json(&c.e));
	json_object_set_new(res, "next_delete", json_integer((json_int_t)(o.seed + c.deleted)));
	json_object_set_new(res, "next_create",
			    json_integer((json_int_t)(o.seed + o.n + c.created)));
	json_object_set_new(res, "base_port", json_integer(o.base_port));
	probe_write_json(res, o.out);
	nfct_destroy(c.ct);
	free(c.buf);
	mnl_socket_close(c.nl);
	return failed ? 1 : 0;
}
