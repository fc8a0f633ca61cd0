/* Static route sync's kernel side (cfgsync_int.h, doc/config-sync.md "Static routes"): the
 * operator's routes of the synced tables (hrpd.route_sync_tables, main by default) read over
 * rtnetlink as the "route static" pseudo-table's text (lib/cfgsync_route.h), a monitor socket
 * on the route groups that says when they may have changed, and the master's routes written
 * here: what we lack added (replacing a route of the same table, destination and metric),
 * what it lacks deleted.
 *
 * The operator's routes are those of protocol boot (`ip route add`) or static, of type
 * unicast, blackhole, unreachable or prohibit; a multipath route is skipped and counted. A
 * dump or a change is one request answered at once by the kernel, as nftables' are. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "cfgsync_int.h"
#include "log.h"

struct hrpd_routes {
	struct mnl_socket *mon, *req;
	struct hs_io io;
	bool io_on;
	void (*changed)(void *arg);
	void *arg;
	uint32_t seq;
	struct hrpd_route_stats st;
};

static void readable(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct hrpd_routes *rt = arg;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool any = false;
	for (int i = 0; i < 256; i++) { /* bounded: a flood is one change for us */
		ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r < 0 && errno == ENOBUFS) {
			rt->st.overruns++;
			any = true; /* lost some: read again all the same */
			continue;
		}
		if (r <= 0)
			break;
		rt->st.events++;
		any = true;
	}
	if (any)
		rt->changed(rt->arg);
}

struct hrpd_routes *hrpd_routes_open(struct hs_loop *loop, void (*changed)(void *arg), void *arg)
{
	struct hrpd_routes *rt = calloc(1, sizeof(*rt));
	if (!rt)
		return NULL;
	rt->changed = changed;
	rt->arg = arg;
	rt->seq = (uint32_t)time(NULL);
	rt->mon = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	rt->req = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	/* a kernel that does not answer must not hang the daemon */
	struct timeval tv = { .tv_sec = 2 };
	if (!rt->mon || !rt->req ||
	    setsockopt(mnl_socket_get_fd(rt->req), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    mnl_socket_bind(rt->mon, RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE, MNL_SOCKET_AUTOPID) <
		    0 ||
	    mnl_socket_bind(rt->req, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	if (hs_io_start(&rt->io, loop, mnl_socket_get_fd(rt->mon), EPOLLIN, readable, rt) < 0)
		goto fail;
	hs_io_set_priority(&rt->io, HRPD_BULK_PRIORITY);
	rt->io_on = true;
	return rt;
fail:
	hrpd_routes_close(rt);
	return NULL;
}

void hrpd_routes_close(struct hrpd_routes *rt)
{
	if (!rt)
		return;
	if (rt->io_on)
		hs_io_stop(&rt->io);
	if (rt->mon)
		mnl_socket_close(rt->mon);
	if (rt->req)
		mnl_socket_close(rt->req);
	free(rt);
}

const struct hrpd_route_stats *hrpd_routes_stats(const struct hrpd_routes *rt)
{
	static const struct hrpd_route_stats none;
	return rt ? &rt->st : &none;
}

/* ---- reading ---- */

struct dump {
	struct hrpd_routes *rt;
	const struct hs_route_filter *f;
	struct hs_route *v;
	size_t n, cap;
	bool full;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);
	if (mnl_attr_type_valid(a, RTA_MAX) > 0)
		tb[type] = a;
	return MNL_CB_OK;
}

static bool type_of(uint8_t rtm_type, uint8_t *out)
{
	switch (rtm_type) {
	case RTN_UNICAST: *out = HS_ROUTE_UNICAST; return true;
	case RTN_BLACKHOLE: *out = HS_ROUTE_BLACKHOLE; return true;
	case RTN_UNREACHABLE: *out = HS_ROUTE_UNREACHABLE; return true;
	case RTN_PROHIBIT: *out = HS_ROUTE_PROHIBIT; return true;
	default: return false;
	}
}

/* One route of the dump: kept when it is the operator's, in a synced table, synced here. */
static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	const struct rtmsg *rm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	struct hs_route r = { .family = rm->rtm_family, .dst_len = rm->rtm_dst_len };
	mnl_attr_parse(nlh, sizeof(*rm), attr_cb, tb);
	uint32_t table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rm->rtm_table;
	size_t alen = rm->rtm_family == AF_INET ? 4 : 16;
	r.table = table == RT_TABLE_MAIN ? 0 : table;
	if (table == RT_TABLE_LOCAL || table == RT_TABLE_UNSPEC || (rm->rtm_flags & RTM_F_CLONED) ||
	    (rm->rtm_protocol != RTPROT_BOOT && rm->rtm_protocol != RTPROT_STATIC) ||
	    (rm->rtm_family != AF_INET && rm->rtm_family != AF_INET6) ||
	    !type_of(rm->rtm_type, &r.type))
		return MNL_CB_OK;
	if (tb[RTA_MULTIPATH] || tb[RTA_VIA]) {
		d->rt->st.unsupported++;
		return MNL_CB_OK;
	}
	if (tb[RTA_DST] && mnl_attr_get_payload_len(tb[RTA_DST]) == alen)
		memcpy(r.dst, mnl_attr_get_payload(tb[RTA_DST]), alen);
	if (tb[RTA_GATEWAY] && mnl_attr_get_payload_len(tb[RTA_GATEWAY]) == alen) {
		memcpy(r.gw, mnl_attr_get_payload(tb[RTA_GATEWAY]), alen);
		r.has_gw = true;
	}
	if (d->f->src && tb[RTA_PREFSRC] && mnl_attr_get_payload_len(tb[RTA_PREFSRC]) == alen) {
		memcpy(r.src, mnl_attr_get_payload(tb[RTA_PREFSRC]), alen);
		r.has_src = true;
	}
	if (tb[RTA_OIF] && !if_indextoname(mnl_attr_get_u32(tb[RTA_OIF]), r.dev))
		r.dev[0] = '\0';
	if (tb[RTA_PRIORITY])
		r.metric = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	if (hs_route_classify(&r, d->f) != HS_ROUTE_SYNC)
		return MNL_CB_OK;
	if (d->n == HS_ROUTES_MAX) {
		d->full = true;
		return MNL_CB_OK;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		struct hs_route *w = realloc(d->v, cap * sizeof(*w));
		if (!w)
			return MNL_CB_ERROR;
		d->v = w;
		d->cap = cap;
	}
	d->v[d->n++] = r;
	return MNL_CB_OK;
}

/* Sends nlh and runs cb over the answer to its end (a dump's DONE or the ACK). */
static int talk(struct hrpd_routes *rt, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t portid = mnl_socket_get_portid(rt->req);
	/* What an earlier request left unread (it failed half-way) would answer this one. */
	while (recv(mnl_socket_get_fd(rt->req), buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	nlh->nlmsg_seq = ++rt->seq;
	if (mnl_socket_sendto(rt->req, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (int i = 0; i < 100000; i++) { /* bounded: a dump ends */
		ssize_t n = mnl_socket_recvfrom(rt->req, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		int r = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, cb, data);
		if (r < 0)
			return errno ? -errno : -EIO;
		if (r == MNL_CB_STOP)
			return 0;
	}
	return -EIO;
}

static int dump(struct hrpd_routes *rt, const struct hs_route_filter *f, struct hs_route **out)
{
	struct dump d = { .rt = rt, .f = f };
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	for (size_t i = 0; i < sizeof(families); i++) {
		char buf[MNL_SOCKET_BUFFER_SIZE];
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETROUTE;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		struct rtmsg *rm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rm));
		rm->rtm_family = families[i];
		int r = talk(rt, nlh, route_cb, &d);
		if (r < 0) {
			free(d.v);
			return r;
		}
	}
	if (d.full && rt->st.too_many++ == 0)
		hs_warn(HRPD_CFG_PREFIX, "more than %d static routes: the rest are not synced",
			HS_ROUTES_MAX);
	*out = d.v;
	return (int)d.n;
}

int hrpd_routes_list(struct hrpd_routes *rt, const struct hs_route_filter *f, char **text,
		     size_t *len, char *err, size_t errlen)
{
	struct hs_route *v = NULL;
	int n = dump(rt, f, &v);
	rt->st.reads++;
	if (n < 0) {
		rt->st.read_errors++;
		snprintf(err, errlen, "cannot read the routes: %s", strerror(-n));
		return n;
	}
	*text = hs_routes_text(v, (size_t)n, &f->tables, len);
	free(v);
	if (!*text) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* ---- writing ---- */

static int change(struct hrpd_routes *rt, const struct hs_route *r, bool add, unsigned ifindex)
{
	static const uint8_t types[HS_ROUTE_TYPE_MAX] = {
		[HS_ROUTE_UNICAST] = RTN_UNICAST,
		[HS_ROUTE_BLACKHOLE] = RTN_BLACKHOLE,
		[HS_ROUTE_UNREACHABLE] = RTN_UNREACHABLE,
		[HS_ROUTE_PROHIBIT] = RTN_PROHIBIT,
	};
	char buf[MNL_SOCKET_BUFFER_SIZE];
	size_t alen = r->family == AF_INET ? 4 : 16;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	struct rtmsg *rm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rm));
	rm->rtm_family = r->family;
	rm->rtm_dst_len = r->dst_len;
	uint32_t table = r->table ? r->table : RT_TABLE_MAIN;
	/* the header's table is a byte: RTA_TABLE says which beyond it */
	rm->rtm_table = table <= UINT8_MAX ? (uint8_t)table : RT_TABLE_COMPAT;
	if (add) {
		rm->rtm_protocol = RTPROT_STATIC;
		rm->rtm_type = types[r->type];
		/* a route to a link with no gateway is on that link; the rest are universe */
		rm->rtm_scope = r->type == HS_ROUTE_UNICAST && !r->has_gw && ifindex
					? RT_SCOPE_LINK
					: RT_SCOPE_UNIVERSE;
	} else {
		rm->rtm_scope = RT_SCOPE_NOWHERE; /* any */
	}
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (r->dst_len)
		mnl_attr_put(nlh, RTA_DST, alen, r->dst);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
	if (add && r->has_gw)
		mnl_attr_put(nlh, RTA_GATEWAY, alen, r->gw);
	if (add && ifindex)
		mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	if (add && r->has_src)
		mnl_attr_put(nlh, RTA_PREFSRC, alen, r->src);
	return talk(rt, nlh, NULL, NULL);
}

/* Appends "; what" to msg (cut when full). */
static void say(char *msg, size_t len, const char *what)
{
	size_t o = strlen(msg);
	if (o + 1 < len)
		snprintf(msg + o, len - o, "%s%s", o ? "; " : "", what);
}

/* What an apply could not do: counted, the first of each kind said in msg. */
struct outcome {
	size_t missing, failed;
	char *msg;
	size_t msglen;
};

/* Adds (replaces) or deletes one route. A route via an interface we lack is skipped: not tried
 * again until the master's next set. */
static void one_change(struct hrpd_routes *rt, const struct hs_route *r, bool add,
		       struct outcome *oc)
{
	char line[HS_ROUTE_LINE_MAX + 96];
	unsigned ifindex = add && r->dev[0] ? if_nametoindex(r->dev) : 0;
	if (add && r->dev[0] && !ifindex) {
		rt->st.missing_interface++;
		if (oc->missing++ == 0) {
			snprintf(line, sizeof(line), "no interface %s here", r->dev);
			say(oc->msg, oc->msglen, line);
		}
		return;
	}
	int e = change(rt, r, add, ifindex);
	if (e == 0) {
		if (add)
			rt->st.added++;
		else
			rt->st.deleted++;
		return;
	}
	rt->st.apply_errors++;
	if (oc->failed++ == 0) {
		hs_route_format(r, line, sizeof(line));
		snprintf(line + strlen(line), sizeof(line) - strlen(line), ": %s", strerror(-e));
		say(oc->msg, oc->msglen, line);
	}
}

int hrpd_routes_apply(struct hrpd_routes *rt, const struct hs_route_filter *f, const char *text,
		      size_t len, char *msg, size_t msglen)
{
	struct hs_route *want = NULL, *have = NULL;
	size_t bad = 0, n_add = 0, n_del = 0, *add = NULL, *del = NULL;
	struct outcome oc = { .msg = msg, .msglen = msglen };
	int ret = 0;
	msg[0] = '\0';
	/* ours in the tables the master's text covers: those it may change, whatever our own
	 * route_sync_tables says until its settings arrive */
	struct hs_route_filter theirs = *f;
	long nw = hs_routes_from_text(text, len, &want, &theirs.tables, &bad);
	if (nw < 0) {
		snprintf(msg, msglen, "routes: line %zu unreadable", bad);
		return (int)nw;
	}
	/* what our own filter keeps ours (via a heartbeat link, in route_sync_exclude) the
	 * master's text neither adds nor replaces here */
	size_t kept = 0;
	for (long i = 0; i < nw; i++)
		if (hs_route_classify(&want[i], &theirs) == HS_ROUTE_SYNC)
			want[kept++] = want[i];
	nw = (long)kept;
	int nh = dump(rt, &theirs, &have);
	if (nh < 0) {
		snprintf(msg, msglen, "routes: cannot read ours: %s", strerror(-nh));
		ret = nh;
		goto out;
	}
	add = calloc((size_t)nw + 1, sizeof(*add));
	del = calloc((size_t)nh + 1, sizeof(*del));
	if (!add || !del) {
		snprintf(msg, msglen, "routes: out of memory");
		ret = -ENOMEM;
		goto out;
	}
	/* deletes first: a route of the master's may need what a stale one of ours holds */
	hs_routes_plan(have, (size_t)nh, want, (size_t)nw, add, &n_add, del, &n_del);
	for (size_t i = 0; i < n_del; i++)
		one_change(rt, &have[del[i]], false, &oc);
	for (size_t i = 0; i < n_add; i++)
		one_change(rt, &want[add[i]], true, &oc);
	if (oc.missing || oc.failed) {
		char tmp[HS_CFGSYNC_MSG_MAX];
		snprintf(tmp, sizeof(tmp), "routes: %zu of %zu changes not made (%s)",
			 oc.missing + oc.failed, n_add + n_del, msg);
		snprintf(msg, msglen, "%s", tmp);
		hs_warn(HRPD_CFG_PREFIX, "%s", msg);
	} else if (n_add || n_del) {
		hs_info(HRPD_CFG_PREFIX, "routes: %zu added or replaced, %zu deleted", n_add,
			n_del);
	}
out:
	free(add);
	free(del);
	free(want);
	free(have);
	return ret;
}
