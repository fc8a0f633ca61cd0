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

int run_listen(void)
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

