/* Session sync of conntrack helpers and expectations (sess_expect.h). libmnl moves the
 * messages, libnetfilter_conntrack builds and parses them (nfexp_*), lib/sess_exp codes the
 * records. Expectations are few (one per FTP PORT or PASV), so one socket reads the events and
 * one sends our requests, each answered at once (the kernel runs a request inside sendto). */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "hrpd.h"
#include "issu.h"
#include "nfnl_msg.h"
#include "log.h"
#include "sess_exp.h"
#include "sess_expect.h"
#include "sess_int.h"

#define EXP_PREFIX     "[hrp session]"
#define EXP_RX_BUF     8192
#define EXP_READS_TURN 64
#define EXP_REC_MAX    2048 /* bytes of one expectation record: ~30 IPv4 expectations */
/* NAT expectations of one turn whose master is read again: one per event read, so never full */
#define EXP_REREAD_MAX EXP_READS_TURN
/* reads of the request socket for one answer: a dump's tail left there comes first */
#define EXP_ANSWER_READS 64

enum exp_refusal {
	EXP_R_NO_MASTER,  /* ENOENT: the master entry is not here */
	EXP_R_NO_HELPER,  /* EOPNOTSUPP: the master has no helper here, or no such helper */
	EXP_R_EXISTS,     /* EEXIST: we have it already */
	EXP_R_OTHER,
	EXP_R_MAX,
};

static const char *const refusal_names[EXP_R_MAX] = {
	[EXP_R_NO_MASTER] = "no_master",
	[EXP_R_NO_HELPER] = "no_helper",
	[EXP_R_EXISTS] = "exists",
	[EXP_R_OTHER] = "other",
};

struct exp_stats {
	uint64_t events_new, events_destroy, events_own, events_bad, events_skipped, overruns;
	uint64_t helper_records_sent, helper_entries_sent, records_sent, sent, send_refused;
	uint64_t helper_records_received, helper_entries_received, records_received, received;
	uint64_t created, deleted, gone, request_errors, bulk_sent;
	uint64_t nat_held_back, nat_stripped; /* the send plan: the peer reads no NAT part */
	uint64_t refused[EXP_R_MAX];
	uint64_t decode_errors[HS_SESS_EXP_ERR_MAX];
};

struct hrpd_sess_expect {
	struct hrpd_sess *ss;
	struct mnl_socket *ev, *req;
	uint32_t req_portid, seq;
	struct hs_io ev_io;
	bool listening;
	/* Read as netlink messages in place: aligned as their header (after the bool above it
	 * was not, and UBSan stopped hrpd at the first expectation dump, lab s58). */
	_Alignas(struct nlmsghdr) uint8_t rx[EXP_RX_BUF];
	uint8_t rec[EXP_REC_MAX];
	size_t rec_len;
	unsigned rec_n;
	uint64_t last_warn_ms;
	struct hs_sess reread[EXP_REREAD_MAX]; /* masters to read again after this turn */
	unsigned n_reread;
	struct exp_stats st;
};

/* The feature's state lives beside the session sync's; sess_int.h has the pointer. */
static struct hrpd_sess_expect *of(const struct hrpd_sess *ss)
{
	return ss->expect;
}

static void warn_limited(struct hrpd_sess_expect *x, const char *what, int err)
{
	uint64_t now = hs_now_ms();
	if (now - x->last_warn_ms < 1000)
		return;
	x->last_warn_ms = now;
	hs_warn(EXP_PREFIX, "expectation: %s (%s)", what, strerror(err));
}

/* ---- conversions ---- */

static void get_tuple(const struct nf_conntrack *o, struct hs_sess_tuple *t)
{
	memset(t, 0, sizeof(*t));
	if (nfct_get_attr_u8(o, ATTR_L3PROTO) == AF_INET6) {
		memcpy(t->src, nfct_get_attr(o, ATTR_ORIG_IPV6_SRC), 16);
		memcpy(t->dst, nfct_get_attr(o, ATTR_ORIG_IPV6_DST), 16);
	} else {
		uint32_t a = nfct_get_attr_u32(o, ATTR_ORIG_IPV4_SRC);
		uint32_t b = nfct_get_attr_u32(o, ATTR_ORIG_IPV4_DST);
		memcpy(t->src, &a, 4);
		memcpy(t->dst, &b, 4);
	}
	if (nfct_attr_is_set(o, ATTR_ORIG_PORT_SRC))
		t->sport = ntohs(nfct_get_attr_u16(o, ATTR_ORIG_PORT_SRC));
	if (nfct_attr_is_set(o, ATTR_ORIG_PORT_DST))
		t->dport = ntohs(nfct_get_attr_u16(o, ATTR_ORIG_PORT_DST));
}

/* The NAT part a NAT helper left (nf_nat_ftp behind SNAT: the client's own port, and
 * "nat-follow-master"); the library parses it (its header: the direction is u8). */
static void get_nat(const struct nf_expect *x, struct hs_sess_exp *e)
{
	const struct nf_conntrack *n = nfexp_attr_is_set(x, ATTR_EXP_NAT_TUPLE) ?
					       nfexp_get_attr(x, ATTR_EXP_NAT_TUPLE) : NULL;
	const char *fn = nfexp_attr_is_set(x, ATTR_EXP_FN) ? nfexp_get_attr(x, ATTR_EXP_FN) : NULL;
	if (!n && !(fn && fn[0]))
		return;
	e->nat = true;
	if (n) {
		e->nat_dir = nfexp_attr_is_set(x, ATTR_EXP_NAT_DIR) &&
			     nfexp_get_attr_u8(x, ATTR_EXP_NAT_DIR) ? 1 : 0;
		if (e->family == AF_INET6) {
			const void *a = nfct_get_attr(n, ATTR_ORIG_IPV6_SRC);
			if (a) /* the kernel always sends it; without it the address stays 0 */
				memcpy(e->nat_addr, a, 16);
		} else {
			uint32_t a = nfct_get_attr_u32(n, ATTR_ORIG_IPV4_SRC);
			memcpy(e->nat_addr, &a, 4);
		}
		e->nat_port = ntohs(nfct_get_attr_u16(n, ATTR_ORIG_PORT_SRC));
	}
	if (fn)
		snprintf(e->fn, sizeof(e->fn), "%s", fn);
}

static bool from_exp(const struct nf_expect *x, uint8_t op, struct hs_sess_exp *e)
{
	const struct nf_conntrack *m = nfexp_get_attr(x, ATTR_EXP_MASTER);
	const struct nf_conntrack *t = nfexp_get_attr(x, ATTR_EXP_EXPECTED);
	const struct nf_conntrack *k = nfexp_get_attr(x, ATTR_EXP_MASK);
	if (!m || !t || !k)
		return false;
	memset(e, 0, sizeof(*e));
	e->op = op;
	e->family = nfct_get_attr_u8(t, ATTR_L3PROTO);
	if (e->family != AF_INET && e->family != AF_INET6)
		return false;
	e->master_l4proto = nfct_get_attr_u8(m, ATTR_L4PROTO);
	get_tuple(m, &e->master);
	e->l4proto = nfct_get_attr_u8(t, ATTR_L4PROTO);
	get_tuple(t, &e->tuple);
	get_tuple(k, &e->mask);
	if (nfexp_attr_is_set(x, ATTR_EXP_ZONE))
		e->zone = nfexp_get_attr_u16(x, ATTR_EXP_ZONE);
	e->timeout = nfexp_get_attr_u32(x, ATTR_EXP_TIMEOUT);
	e->flags = nfexp_get_attr_u32(x, ATTR_EXP_FLAGS);
	e->cls = (uint8_t)nfexp_get_attr_u32(x, ATTR_EXP_CLASS);
	const char *name = nfexp_get_attr(x, ATTR_EXP_HELPER_NAME);
	if (name && hs_sess_helper_name_ok(name))
		snprintf(e->helper, sizeof(e->helper), "%s", name);
	get_nat(x, e);
	return true;
}

static struct nf_conntrack *tuple_object(uint8_t family, uint8_t l4proto,
					 const struct hs_sess_tuple *t)
{
	struct nf_conntrack *o = nfct_new();
	if (!o)
		return NULL;
	nfct_set_attr_u8(o, ATTR_L3PROTO, family);
	nfct_set_attr_u8(o, ATTR_L4PROTO, l4proto);
	if (family == AF_INET6) {
		nfct_set_attr(o, ATTR_ORIG_IPV6_SRC, t->src);
		nfct_set_attr(o, ATTR_ORIG_IPV6_DST, t->dst);
	} else {
		uint32_t a, b;
		memcpy(&a, t->src, 4);
		memcpy(&b, t->dst, 4);
		nfct_set_attr_u32(o, ATTR_ORIG_IPV4_SRC, a);
		nfct_set_attr_u32(o, ATTR_ORIG_IPV4_DST, b);
	}
	nfct_set_attr_u16(o, ATTR_ORIG_PORT_SRC, htons(t->sport));
	nfct_set_attr_u16(o, ATTR_ORIG_PORT_DST, htons(t->dport));
	return o;
}

/* The NAT part of a create, put on the message after the library's part: the library
 * (libnetfilter_conntrack 1.0.9) parses CTA_EXPECT_NAT and CTA_EXPECT_FN but its builder leaves
 * them out (seen: a rebuilt dump lost attributes 10 and 11). The NAT tuple carries the saved
 * address and port as its source, the master's protocol, and a zero destination; the kernel
 * wants every part of it (ctnetlink_parse_expect_nat). */
static const uint8_t no_addr[16]; /* a NAT tuple's unused destination; no saved address */

static void put_tuple_attr(struct nlmsghdr *nlh, uint16_t type, const struct hs_sess_exp *e)
{
	struct nlattr *t = mnl_attr_nest_start(nlh, type);
	struct nlattr *ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	if (e->family == AF_INET6) {
		mnl_attr_put(nlh, CTA_IP_V6_SRC, 16, e->nat_addr);
		mnl_attr_put(nlh, CTA_IP_V6_DST, 16, no_addr);
	} else {
		mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, e->nat_addr);
		mnl_attr_put(nlh, CTA_IP_V4_DST, 4, no_addr);
	}
	mnl_attr_nest_end(nlh, ip);
	struct nlattr *proto = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, e->master_l4proto);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(e->nat_port));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, 0);
	mnl_attr_nest_end(nlh, proto);
	mnl_attr_nest_end(nlh, t);
}

static void put_nat(struct nlmsghdr *nlh, const struct hs_sess_exp *e)
{
	if (memcmp(e->nat_addr, no_addr, sizeof(no_addr)) || e->nat_port) {
		struct nlattr *nat = mnl_attr_nest_start(nlh, CTA_EXPECT_NAT);
		mnl_attr_put_u32(nlh, CTA_EXPECT_NAT_DIR, htonl(e->nat_dir));
		put_tuple_attr(nlh, CTA_EXPECT_NAT_TUPLE, e);
		mnl_attr_nest_end(nlh, nat);
	}
	if (e->fn[0])
		mnl_attr_put_strz(nlh, CTA_EXPECT_FN, e->fn);
}

/* The kernel's object for e: a create carries everything, a delete the expected tuple. */
static struct nf_expect *to_exp(const struct hs_sess_exp *e)
{
	struct nf_expect *x = nfexp_new();
	struct nf_conntrack *t = tuple_object(e->family, e->l4proto, &e->tuple);
	struct nf_conntrack *m = NULL, *k = NULL;
	if (x && t && e->op == HS_SESS_EXP_NEW) {
		m = tuple_object(e->family, e->master_l4proto, &e->master);
		k = tuple_object(e->family, e->l4proto, &e->mask);
	}
	if (!x || !t || (e->op == HS_SESS_EXP_NEW && (!m || !k))) {
		nfexp_destroy(x);
		nfct_destroy(t);
		nfct_destroy(m);
		nfct_destroy(k);
		return NULL;
	}
	nfexp_set_attr(x, ATTR_EXP_EXPECTED, t); /* copied: the objects go below */
	if (e->zone)
		nfexp_set_attr_u16(x, ATTR_EXP_ZONE, e->zone);
	if (e->op == HS_SESS_EXP_NEW) {
		nfexp_set_attr(x, ATTR_EXP_MASTER, m);
		nfexp_set_attr(x, ATTR_EXP_MASK, k);
		nfexp_set_attr_u32(x, ATTR_EXP_TIMEOUT, e->timeout);
		nfexp_set_attr_u32(x, ATTR_EXP_FLAGS, e->flags);
		if (e->helper[0]) {
			nfexp_set_attr(x, ATTR_EXP_HELPER_NAME, e->helper);
			nfexp_set_attr_u32(x, ATTR_EXP_CLASS, e->cls);
		}
	}
	nfct_destroy(t);
	nfct_destroy(m);
	nfct_destroy(k);
	return x;
}

/* ---- the peer's expectations into our kernel ---- */

static enum exp_refusal refusal_of(int err)
{
	switch (err) {
	case ENOENT: return EXP_R_NO_MASTER;
	case EOPNOTSUPP: return EXP_R_NO_HELPER;
	case EEXIST: return EXP_R_EXISTS;
	default: return EXP_R_OTHER;
	}
}

/* The kernel's answer to our last request (it is queued before sendto returns): 0 or its error.
 * Messages of other numbers are skipped: the tail of a dump that ended in an error would
 * otherwise be taken for the answer. */
static int answer(struct hrpd_sess_expect *x)
{
	for (int i = 0; i < EXP_ANSWER_READS; i++) {
		ssize_t n = recv(mnl_socket_get_fd(x->req), x->rx, sizeof(x->rx), MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		int len = (int)n;
		for (const struct nlmsghdr *a = (const struct nlmsghdr *)x->rx;
		     mnl_nlmsg_ok(a, len); a = mnl_nlmsg_next(a, &len)) {
			if (a->nlmsg_seq != x->seq || a->nlmsg_type != NLMSG_ERROR)
				continue;
			const struct nlmsgerr *err = mnl_nlmsg_get_payload(a);
			return err->error;
		}
	}
	return 0;
}

/* One request, answered within sendto: 0 or the kernel's negative errno. */
static int request(struct hrpd_sess_expect *x, const struct hs_sess_exp *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nf_expect *o = to_exp(e);
	if (!o)
		return -ENOMEM;
	bool create = e->op == HS_SESS_EXP_NEW;
	struct nlmsghdr *nlh = hrpd_nfnl_msg(
		buf, NFNL_SUBSYS_CTNETLINK_EXP, create ? IPCTNL_MSG_EXP_NEW : IPCTNL_MSG_EXP_DELETE,
		NLM_F_ACK | (create ? NLM_F_CREATE | NLM_F_EXCL : 0), ++x->seq, e->family);
	int r = nfexp_nlmsg_build(nlh, o);
	nfexp_destroy(o);
	if (r < 0)
		return -EINVAL;
	if (create && e->nat)
		put_nat(nlh, e);
	if (mnl_socket_sendto(x->req, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return answer(x);
}

static void apply(struct hrpd_sess *ss, struct hrpd_sess_expect *x, const struct hs_sess_exp *e)
{
	/* The master's entry is the policy's unit: the box's own connections stay home. */
	struct hs_sess m = { .op = HS_SESS_UPDATE, .family = e->family,
			     .l4proto = e->master_l4proto, .zone = e->zone, .orig = e->master };
	hs_sess_tuple_invert(m.family, m.l4proto, &m.orig, &m.reply);
	if (hs_sess_classify(&ss->pol, &m) != HS_SESS_SYNC) {
		x->st.events_skipped++;
		return;
	}
	int r = request(x, e);
	if (e->op == HS_SESS_EXP_DESTROY) {
		if (r == 0)
			x->st.deleted++;
		else if (r == -ENOENT)
			x->st.gone++; /* used by its data connection, or timed out, here first */
		else
			x->st.request_errors++;
		return;
	}
	if (r == 0) {
		x->st.created++;
		return;
	}
	x->st.refused[refusal_of(-r)]++;
	warn_limited(x, "the kernel refused one of the peer's", -r);
}

void hrpd_sess_expect_rx(struct hrpd_sess *ss, const uint8_t *rec, size_t len)
{
	struct hrpd_sess_expect *x = of(ss);
	if (!x) {
		ss->st.control_bad++; /* counted where the other records' drops are */
		return;
	}
	x->st.records_received++;
	size_t off = 0;
	struct hs_sess_exp e;
	enum hs_sess_exp_err err = hs_sess_exp_record_check(rec, len, &off);
	while (err == HS_SESS_EXP_OK && (err = hs_sess_exp_decode(rec, len, &off, &e)) ==
						HS_SESS_EXP_OK) {
		x->st.received++;
		apply(ss, x, &e);
	}
	if (err != HS_SESS_EXP_END) {
		x->st.decode_errors[err < HS_SESS_EXP_ERR_MAX ? err : 0]++;
		hs_warn(EXP_PREFIX, "an expectation record of the peer is bad (%s)",
			hs_sess_exp_err_name(err));
	}
}

/* Entries with a helper: applied like any entry of the peer, created with the helper. */
void hrpd_sess_expect_rx_helper(struct hrpd_sess *ss, const uint8_t *rec, size_t len)
{
	struct hrpd_sess_expect *x = of(ss);
	char name[HS_SESS_HELPER_MAX];
	size_t inner, off = 0;
	enum hs_sess_exp_err he = hs_sess_helper_record_open(rec, len, name, &inner);
	if (he != HS_SESS_EXP_OK) {
		if (x)
			x->st.decode_errors[he < HS_SESS_EXP_ERR_MAX ? he : 0]++;
		ss->st.control_bad++;
		hs_warn(EXP_PREFIX, "a helper record of the peer is bad (%s)",
			hs_sess_exp_err_name(he));
		return;
	}
	if (x)
		x->st.helper_records_received++;
	struct hs_sess s;
	unsigned n = 0;
	enum hs_sess_err e = hs_sess_record_check(rec + inner, len - inner, &off);
	while (e == HS_SESS_OK &&
	       (e = hs_sess_decode(rec + inner, len - inner, &off, &s)) == HS_SESS_OK) {
		memcpy(s.helper, name, sizeof(s.helper));
		hrpd_sess_apply_entry(ss, &s);
		n++;
	}
	hrpd_ct_flush(ss->ct);
	ss->st.entries_received += n;
	if (ss->rx_bulk)
		ss->rx_bulk_entries += n;
	if (x)
		x->st.helper_entries_received += n;
	if (e != HS_SESS_END) {
		ss->st.decode_errors[e < HS_SESS_ERR_MAX ? e : 0]++;
		hs_warn(EXP_PREFIX, "a helper record of the peer is bad (%s) after %u entries",
			hs_sess_err_name(e), n);
	}
}

/* ---- ours to the peer ---- */

bool hrpd_sess_expect_helper_entry(struct hrpd_sess *ss, struct hrpd_sess_rec *r,
				   const struct hs_sess *s)
{
	struct hrpd_sess_expect *x = of(ss);
	if (!x || s->op == HS_SESS_DESTROY || !hs_sess_helper_name_ok(s->helper))
		return false;
	hrpd_sess_rec_send(ss, r, 0); /* what came before goes first */
	uint8_t buf[2 + HS_SESS_HELPER_MAX + 1 + HS_SESS_ENTRY_MAX];
	size_t n = hs_sess_helper_record_begin(buf, sizeof(buf), s->helper);
	n += hs_sess_record_begin(buf + n, sizeof(buf) - n);
	size_t m = hs_sess_encode(s, buf + n, sizeof(buf) - n);
	if (!m) {
		ss->st.encode_errors++;
		return true;
	}
	if (hrpd_sess_control_send(ss, buf, n + m, 0) < 0) {
		x->st.send_refused++;
		return true; /* the channel owes the peer a bulk transfer now */
	}
	x->st.helper_records_sent++;
	x->st.helper_entries_sent++;
	return true;
}

static void rec_send(struct hrpd_sess *ss, struct hrpd_sess_expect *x)
{
	if (!x->rec_n)
		return;
	/* The masters' entries are in records sent before (or in rt now): they go first. */
	hrpd_sess_rec_send(ss, &ss->rt, 0);
	if (hrpd_sess_control_send(ss, x->rec, x->rec_len, 0) < 0) {
		x->st.send_refused += x->rec_n;
	} else {
		x->st.records_sent++;
		x->st.sent += x->rec_n;
	}
	x->rec_len = hs_sess_exp_record_begin(x->rec, sizeof(x->rec));
	x->rec_n = 0;
}

static void rec_add(struct hrpd_sess *ss, struct hrpd_sess_expect *x, struct hs_sess_exp *e)
{
	/* The send plan (doc/issu.md): a peer of an older version reads a NAT part as bad-op and
	 * drops the rest of the record with it. */
	bool reads_nat = hrpd_sess_peer_reads(ss, HRP_FEAT_SESS_EXP_NAT);
	switch (hs_sess_exp_fit(e, reads_nat)) {
	case HS_SESS_EXP_FIT_HELD: x->st.nat_held_back++; return;
	case HS_SESS_EXP_FIT_STRIPPED: x->st.nat_stripped++; break;
	default: break;
	}
	if (hs_sess_exp_len(e) > sizeof(x->rec) - x->rec_len)
		rec_send(ss, x);
	size_t n = hs_sess_exp_encode(e, x->rec + x->rec_len, sizeof(x->rec) - x->rec_len);
	if (!n) {
		ss->st.encode_errors++;
		return;
	}
	x->rec_len += n;
	x->rec_n++;
}

static void on_event(struct hrpd_sess *ss, struct hrpd_sess_expect *x, const struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_pid && nlh->nlmsg_pid == x->req_portid) {
		x->st.events_own++; /* one we wrote for the peer: never back */
		return;
	}
	uint8_t type = nlh->nlmsg_type & 0xff;
	uint8_t op = type == IPCTNL_MSG_EXP_NEW ? HS_SESS_EXP_NEW : HS_SESS_EXP_DESTROY;
	struct nf_expect *o = nfexp_new();
	struct hs_sess_exp e;
	bool ok = o && (nlh->nlmsg_type >> 8) == NFNL_SUBSYS_CTNETLINK_EXP &&
		  (type == IPCTNL_MSG_EXP_NEW || type == IPCTNL_MSG_EXP_DELETE) &&
		  nfexp_nlmsg_parse(nlh, o) >= 0 && from_exp(o, op, &e);
	nfexp_destroy(o);
	if (!ok) {
		x->st.events_bad++;
		return;
	}
	if (op == HS_SESS_EXP_NEW)
		x->st.events_new++;
	else
		x->st.events_destroy++;
	struct hs_sess m = { .op = HS_SESS_UPDATE, .family = e.family,
			     .l4proto = e.master_l4proto, .zone = e.zone, .orig = e.master };
	hs_sess_tuple_invert(m.family, m.l4proto, &m.orig, &m.reply);
	if (hs_sess_classify(&ss->pol, &m) != HS_SESS_SYNC) {
		x->st.events_skipped++;
		return;
	}
	rec_add(ss, x, &e);
	/* The NAT helper that made it rewrote its master's packet too, and the kernel tells no one
	 * of the master's new sequence adjustment: read it at the end of this turn (the helper has
	 * finished with the packet by then) and send it. Without it the peer's copy of an FTP
	 * control connection behind SNAT breaks at the failover. */
	if (op == HS_SESS_EXP_NEW && e.nat && x->n_reread < EXP_REREAD_MAX)
		x->reread[x->n_reread++] = m;
}

static void ev_readable(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct hrpd_sess *ss = arg;
	struct hrpd_sess_expect *x = of(ss);
	(void)io;
	(void)revents;
	for (int i = 0; x && i < EXP_READS_TURN; i++) {
		ssize_t n = recv(fd, x->rx, sizeof(x->rx), MSG_DONTWAIT);
		if (n < 0) {
			if (errno != ENOBUFS)
				break;
			/* Lost: they live seconds, a resync would come too late. Counted. */
			x->st.overruns++;
			warn_limited(x, "events lost (the socket overran)", ENOBUFS);
			continue;
		}
		if (!x->listening || !ss->source)
			continue;
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)x->rx;
		int len = (int)n;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			on_event(ss, x, nlh);
	}
	if (!x)
		return;
	rec_send(ss, x);
	for (unsigned i = 0; i < x->n_reread; i++)
		hrpd_sess_reread(ss, &x->reread[i]);
	x->n_reread = 0;
}

/* Our expectations to the peer after a bulk transfer: the ones made while it was away (or
 * while we were not its source) would otherwise never reach it. A dump of the kernel's list,
 * read at once (a handful: one per PORT or PASV in flight); the masters went in the bulk. */
void hrpd_sess_expect_bulk(struct hrpd_sess *ss)
{
	struct hrpd_sess_expect *x = of(ss);
	if (!x)
		return;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = hrpd_nfnl_msg(buf, NFNL_SUBSYS_CTNETLINK_EXP, IPCTNL_MSG_EXP_GET,
					     NLM_F_DUMP, ++x->seq, AF_UNSPEC);
	if (mnl_socket_sendto(x->req, nlh, nlh->nlmsg_len) < 0) {
		warn_limited(x, "cannot dump ours for the peer", errno);
		return;
	}
	unsigned n = 0;
	bool done = false;
	/* Each recv returns the next part of the dump (the kernel makes it in the call), until
	 * NLMSG_DONE: read whole, however large; a part left in the socket would only be skipped
	 * by the next request's answer(). */
	while (!done) {
		ssize_t got = recv(mnl_socket_get_fd(x->req), x->rx, sizeof(x->rx), MSG_DONTWAIT);
		if (got < 0)
			break;
		const struct nlmsghdr *m = (const struct nlmsghdr *)x->rx;
		int len = (int)got;
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_type == NLMSG_DONE || m->nlmsg_type == NLMSG_ERROR) {
				done = true;
				break;
			}
			struct nf_expect *o = nfexp_new();
			struct hs_sess_exp e;
			bool ok = o && nfexp_nlmsg_parse(m, o) >= 0 && from_exp(o, HS_SESS_EXP_NEW, &e);
			nfexp_destroy(o);
			if (!ok) {
				x->st.events_bad++;
				continue;
			}
			struct hs_sess ms = { .op = HS_SESS_UPDATE, .family = e.family,
					      .l4proto = e.master_l4proto, .zone = e.zone,
					      .orig = e.master };
			hs_sess_tuple_invert(ms.family, ms.l4proto, &ms.orig, &ms.reply);
			if (hs_sess_classify(&ss->pol, &ms) != HS_SESS_SYNC) {
				x->st.events_skipped++;
				continue;
			}
			rec_add(ss, x, &e);
			n++;
		}
	}
	if (!done) {
		x->st.events_bad++;
		warn_limited(x, "the dump of ours for the peer did not end: sent in part", EMSGSIZE);
	}
	x->st.bulk_sent += n;
	rec_send(ss, x);
}

/* ---- life ---- */

static void listen_set(struct hrpd_sess_expect *x, bool on)
{
	static const unsigned groups[] = { NFNLGRP_CONNTRACK_EXP_NEW,
					   NFNLGRP_CONNTRACK_EXP_DESTROY };
	if (x->listening == on)
		return;
	x->listening = on;
	int fd = mnl_socket_get_fd(x->ev);
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (setsockopt(fd, SOL_NETLINK, on ? NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP,
			       &groups[i], sizeof(groups[i])) < 0)
			hs_warn(EXP_PREFIX, "expectation event group %u: %s", groups[i],
				strerror(errno));
}

static struct mnl_socket *open_socket(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	return nl;
}

void hrpd_sess_expect_free(struct hrpd_sess *ss)
{
	struct hrpd_sess_expect *x = of(ss);
	if (!x)
		return;
	hs_io_stop(&x->ev_io);
	if (x->ev)
		mnl_socket_close(x->ev);
	if (x->req)
		mnl_socket_close(x->req);
	free(x);
	ss->expect = NULL;
}

static int open_all(struct hrpd_sess *ss)
{
	struct hrpd_sess_expect *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->ss = ss;
	ss->expect = x;
	x->rec_len = hs_sess_exp_record_begin(x->rec, sizeof(x->rec));
	x->ev = open_socket();
	x->req = open_socket();
	if (!x->ev || !x->req ||
	    hs_io_start(&x->ev_io, &ss->h->d->loop, mnl_socket_get_fd(x->ev), EPOLLIN,
			ev_readable, ss) < 0) {
		int e = errno ? errno : ENOMEM;
		hrpd_sess_expect_free(ss);
		return -e;
	}
	hs_io_set_priority(&x->ev_io, HRPD_BULK_PRIORITY);
	x->req_portid = mnl_socket_get_portid(x->req);
	return 0;
}

void hrpd_sess_expect_configure(struct hrpd_sess *ss, bool on)
{
	if (on == (of(ss) != NULL))
		return;
	if (!on) {
		hrpd_sess_expect_free(ss);
		hs_info(EXP_PREFIX, "helpers and expectations: not synced");
		return;
	}
	int r = open_all(ss);
	if (r < 0)
		hs_warn(EXP_PREFIX, "helpers and expectations: no netlink socket (%s): not synced",
			strerror(-r));
	else
		hs_info(EXP_PREFIX, "helpers and expectations: synced");
}

void hrpd_sess_expect_update(struct hrpd_sess *ss)
{
	struct hrpd_sess_expect *x = of(ss);
	if (x)
		listen_set(x, ss->source);
}

json_t *hrpd_sess_expect_stats_json(const struct hrpd_sess *ss)
{
	const struct hrpd_sess_expect *x = of(ss);
	if (!x)
		return json_pack("{s:b}", "enabled", false);
	const struct exp_stats *s = &x->st;
	json_t *refused = json_object(), *dec = json_object();
	for (int i = 0; i < EXP_R_MAX; i++)
		json_object_set_new(refused, refusal_names[i], json_integer((json_int_t)s->refused[i]));
	for (int i = HS_SESS_EXP_BAD_KIND; i < HS_SESS_EXP_ERR_MAX; i++)
		json_object_set_new(dec, hs_sess_exp_err_name(i),
				    json_integer((json_int_t)s->decode_errors[i]));
	struct {
		const char *name;
		uint64_t v;
	} f[] = {
		{ "events_new", s->events_new },
		{ "events_destroy", s->events_destroy },
		{ "events_own", s->events_own },
		{ "events_bad", s->events_bad },
		{ "skipped", s->events_skipped },
		{ "overruns", s->overruns },
		{ "helper_records_sent", s->helper_records_sent },
		{ "helper_entries_sent", s->helper_entries_sent },
		{ "records_sent", s->records_sent },
		{ "sent", s->sent },
		{ "bulk_sent", s->bulk_sent },
		{ "send_refused", s->send_refused },
		{ "helper_records_received", s->helper_records_received },
		{ "helper_entries_received", s->helper_entries_received },
		{ "records_received", s->records_received },
		{ "received", s->received },
		{ "created", s->created },
		{ "deleted", s->deleted },
		{ "gone", s->gone },
		{ "request_errors", s->request_errors },
		{ "nat_held_back", s->nat_held_back },
		{ "nat_stripped", s->nat_stripped },
	};
	json_t *o = json_pack("{s:b, s:b}", "enabled", true, "listening", x->listening);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		json_object_set_new(o, f[i].name, json_integer((json_int_t)f[i].v));
	json_object_set_new(o, "refused", refused);
	json_object_set_new(o, "decode_errors", dec);
	return o;
}
