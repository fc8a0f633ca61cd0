/* hs-ct-fill --listen (ct_fill.c has the modes' documentation): NEW events of the fill
 * pattern's range, until N distinct ones came. */
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

/* What --listen counted so far. */
struct listener {
	uint8_t *seen;  /* per entry of the range: its NEW event came */
	uint8_t *times; /* --times-out: when */
	int64_t t0, t_first, t_last;
	uint64_t events, ours_events, distinct, others, overruns, bad, recvs;
	bool timed_out;
};

/* The events of one read (len bytes at buf), received at now. */
static void listen_take(struct listener *l, const char *buf, int len, int64_t now)
{
	for (const struct nlmsghdr *m = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(m, len);
	     m = mnl_nlmsg_next(m, &len)) {
		struct tup t;
		uint64_t i, j;

		if (m->nlmsg_type != ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW))
			continue;
		l->events++;
		if (!parse_orig(m, &t)) {
			l->bad++;
			continue;
		}
		if (!index_of(&t, &i) || !in_range(i, &j)) {
			l->others++;
			continue;
		}
		l->ours_events++;
		if (l->seen[j])
			continue;
		l->seen[j] = 1;
		l->distinct++;
		if (!l->t_first)
			l->t_first = now;
		l->t_last = now;
		if (l->times)
			times_put(l->times, j, now);
	}
}

static void listen_report(const struct listener *l)
{
	json_t *res = json_pack("{s:s, s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "mode",
				"listen", "target", (json_int_t)o.n, "reached", l->distinct >= o.n,
				"distinct", (json_int_t)l->distinct, "events",
				(json_int_t)l->events, "ours_events", (json_int_t)l->ours_events,
				"other_events", (json_int_t)l->others, "unparsed",
				(json_int_t)l->bad, "overruns", (json_int_t)l->overruns, "recvs",
				(json_int_t)l->recvs, "t_start_ns", (json_int_t)l->t0);
	bool span = l->t_last > l->t_first;

	json_object_set_new(res, "t_first_ns", l->t_first ? json_integer(l->t_first) : json_null());
	json_object_set_new(res, "t_last_ns", l->t_last ? json_integer(l->t_last) : json_null());
	json_object_set_new(res, "seconds",
			    span ? json_real((double)(l->t_last - l->t_first) / 1e9) : json_null());
	/* distinct - 1 intervals between the first and the last event */
	json_object_set_new(res, "rate",
			    span && l->distinct > 1 ? json_real((double)(l->distinct - 1) * 1e9 /
								(double)(l->t_last - l->t_first))
						    : json_null());
	json_object_set_new(res, "timed_out", json_boolean(l->timed_out));
	json_object_set_new(res, "interrupted", json_boolean(probe_stop != 0));
	probe_write_json(res, o.out);
}

int run_listen(void)
{
	static char buf[RX_BUF];
	struct mnl_socket *nl =
		nl_open(NF_NETLINK_CONNTRACK_NEW, o.rcvbuf > 0 ? o.rcvbuf : 256 << 20);
	struct listener l = { .seen = calloc(o.n ? o.n : 1, 1),
			      .times = times_alloc(),
			      .t0 = probe_now_ns() };
	int64_t deadline = l.t0 + (o.timeout_ms > 0 ? o.timeout_ms : 60000) * NS_PER_MS;
	bool failed = false;

	if (!l.seen) {
		perror("calloc");
		return 1;
	}
	probe_touch(o.ready_file);
	while (l.distinct < o.n && !probe_stop) {
		ssize_t n = recv_until(nl, buf, sizeof(buf), deadline, &l.overruns, &l.timed_out);

		if (n < 0) {
			perror("recv");
			failed = true;
			break;
		}
		if (n == 0) {
			if (l.timed_out || probe_stop)
				break;
			continue;
		}
		l.recvs++;
		listen_take(&l, buf, (int)n, probe_now_ns());
	}
	if (times_write(l.times) < 0)
		failed = true;
	listen_report(&l);
	free(l.times);
	free(l.seen);
	mnl_socket_close(nl);
	return failed ? 1 : 0;
}
