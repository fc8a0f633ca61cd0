/* The ctnetlink side of session sync (sess_ct.h): conversions between the kernel's conntrack
 * objects and struct hs_sess (sess_ct_conv.c), the event socket with its echo filter, dumps read
 * in slices, and batched requests with their error answers counted. */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/filter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "nfnl_msg.h"
#include "sess_ct.h"
#include "sess_ct_conv.h"
#include "sess_retry.h"

#define CT_PREFIX       "[hrp session]"
#define BATCH_BYTES     (48u * 1024u) /* one sendto of requests: under the default sndbuf */
#define EVENTS_PER_TURN 256           /* event messages read per turn of the loop */
/* Event messages per recvmmsg(): the kernel queues each event as a datagram of its own, and one
 * recv per event made the system calls' entry and exit about a fifth of a source's time. */
#define EV_BATCH        64
#define EV_MSG_MAX      8192u /* one event message (an IPv6 entry with everything: ~1 KiB) */
#define DUMP_PER_TURN   8             /* dump buffers (each many entries) read per turn */
#define RX_BUF          (64u * 1024u)
#define DUMP_RCVBUF     (4 * 1024 * 1024) /* a dump's buffers: the kernel fills ahead */
#define BATCH_MAX       1024          /* requests in one batch */

enum hrpd_ct_req_kind {
	HRPD_CT_REQ_APPLY,   /* s as the peer sent it */
	HRPD_CT_REQ_TIMEOUT, /* only the timeout (if any), and the TCP liberal flag (if asked) */
	HRPD_CT_REQ_DELETE,  /* delete s, whatever its op (the first half of a replace) */
	HRPD_CT_REQ_RETRY,   /* (in the retry list only) an APPLY with the other guess */
};

/* A request of the batch being built or sent, kept to match the kernel's answer. */
struct hrpd_ct_req {
	uint32_t seq;
	uint8_t kind;
	bool tcp_window;
	bool replaced; /* already the second try */
	bool create;   /* APPLY: create (with the NAT binding), else update the live entry */
	bool keep_status; /* an update that leaves the live entry's status bits as they are */
	bool fresh;       /* a new connection: an entry of its tuple here is an older one */
	bool liberal;     /* TIMEOUT: set the TCP liberal flag both ways */
	uint16_t at;      /* (in the retry list) its place in the batch it was refused in */
	uint32_t timeout_s;
	struct hs_sess s;
};

struct hrpd_ct {
	const struct hrpd_ct_ops *ops;
	void *arg;
	/* get: single reads (hrpd_ct_read), never a dump on it: a read must not wait for the
	 * dump socket, whose dump may run for seconds or pause for the data channel */
	struct mnl_socket *ev, *req, *dump, *get;
	unsigned req_portid;
	struct hs_io ev_io, req_io, dump_io;
	struct hs_loop *loop; /* for a new dump socket (hrpd_ct_dump_cancel) */
	int64_t priority;
	bool listening;
	bool dumping, dump_paused;
	uint32_t dump_seq;
	uint32_t seq;
	struct mnl_nlmsg_batch *batch;
	struct hrpd_ct_req *pend; /* BATCH_MAX: the batch's requests, in order */
	size_t n_pend;
	struct hrpd_ct_req *retry, *retry_a, *retry_b; /* BATCH_MAX each */
	struct hs_sess_retry_req *order; /* BATCH_MAX: the batch's keys, for its retries */
	struct hs_sess_keyset seen, ended;
	char *batch_buf;
	char *rx;
	char *ev_buf;             /* EV_BATCH messages of EV_MSG_MAX */
	struct mmsghdr *ev_msgs;  /* EV_BATCH, each with one iovec into ev_buf */
	struct iovec *ev_iov;
	bool two_sources; /* both boxes write: a refused status change is not a replace */
	struct hrpd_ct_stats st;
};

/* ---- requests ---- */

/* The kernel answers a batch while we send it (netlink runs the requests in our sendto), so
 * after each flush the error answers are read at once and matched to the requests by sequence
 * number. A live entry that refuses a change (EBUSY: a status bit that can only be set, a NAT
 * binding) is deleted and created again, once: the source's version wins. */
static void answers_read(struct hrpd_ct *ct);

static struct nlmsghdr *put_request(struct hrpd_ct *ct, uint16_t type, uint16_t flags,
				    uint8_t family)
{
	if (mnl_nlmsg_batch_size(ct->batch) + 1024 > BATCH_BYTES || ct->n_pend == BATCH_MAX)
		hrpd_ct_flush(ct);
	return hrpd_nfnl_msg(mnl_nlmsg_batch_current(ct->batch), NFNL_SUBSYS_CTNETLINK, type,
			     flags, ++ct->seq, family);
}

static void commit_request(struct hrpd_ct *ct, const struct nlmsghdr *nlh,
			   const struct hrpd_ct_req *req)
{
	ct->st.requests++;
	ct->pend[ct->n_pend] = *req;
	ct->pend[ct->n_pend].seq = nlh->nlmsg_seq;
	ct->n_pend++;
	if (!mnl_nlmsg_batch_next(ct->batch))
		hrpd_ct_flush(ct);
}

static int request(struct hrpd_ct *ct, const struct hrpd_ct_req *req)
{
	const struct hs_sess *s = &req->s;
	if (s->family != AF_INET && s->family != AF_INET6)
		return -EINVAL;
	struct nf_conntrack *o = nfct_new(); /* fresh: no attribute of an earlier entry stays */
	if (!o)
		return -ENOMEM;
	struct nlmsghdr *nlh;
	if (req->kind == HRPD_CT_REQ_TIMEOUT) {
		hrpd_ct_set_tuples(o, s, true);
		if (req->timeout_s)
			nfct_set_attr_u32(o, ATTR_TIMEOUT, req->timeout_s);
		if (req->liberal) { /* the mask changes that one bit and leaves the rest */
			nfct_set_attr_u8(o, ATTR_TCP_FLAGS_ORIG, IP_CT_TCP_FLAG_BE_LIBERAL);
			nfct_set_attr_u8(o, ATTR_TCP_FLAGS_REPL, IP_CT_TCP_FLAG_BE_LIBERAL);
			nfct_set_attr_u8(o, ATTR_TCP_MASK_ORIG, IP_CT_TCP_FLAG_BE_LIBERAL);
			nfct_set_attr_u8(o, ATTR_TCP_MASK_REPL, IP_CT_TCP_FLAG_BE_LIBERAL);
		}
		nlh = put_request(ct, IPCTNL_MSG_CT_NEW, 0, s->family);
	} else if (s->op == HS_SESS_DESTROY || req->kind == HRPD_CT_REQ_DELETE) {
		hrpd_ct_set_tuples(o, s, false);
		nlh = put_request(ct, IPCTNL_MSG_CT_DELETE, 0, s->family);
	} else if (req->create) {
		hrpd_ct_set_tuples(o, s, true);
		hrpd_ct_set_nat(o, s);
		/* The kernel creates nothing without a timeout: an update that left the timer
		 * alone (0), retried as a create, takes the source's. */
		uint32_t t = req->timeout_s ? req->timeout_s : (s->timeout ? s->timeout : 1);
		hrpd_ct_set_body(o, s, t, req->tcp_window, false);
		/* Only a create takes a helper: the kernel gives a live entry none. */
		if (s->helper[0])
			nfct_set_attr(o, ATTR_HELPER_NAME, s->helper);
		nlh = put_request(ct, IPCTNL_MSG_CT_NEW, NLM_F_CREATE | NLM_F_EXCL, s->family);
	} else {
		/* A live entry takes no NAT binding (EOPNOTSUPP): only what may change. */
		hrpd_ct_set_tuples(o, s, false);
		hrpd_ct_set_body(o, s, req->timeout_s, req->tcp_window, req->keep_status);
		nlh = put_request(ct, IPCTNL_MSG_CT_NEW, 0, s->family);
	}
	int r = nfct_nlmsg_build(nlh, o);
	nfct_destroy(o);
	if (r < 0) {
		/* Never sent: its number goes back, so the pending requests' numbers stay
		 * consecutive, as pending() finds them. */
		ct->seq--;
		ct->st.apply_errors[HRPD_CT_ERR_INVAL]++;
		return -EINVAL;
	}
	commit_request(ct, nlh, req);
	return 0;
}

int hrpd_ct_apply(struct hrpd_ct *ct, const struct hs_sess *s, uint32_t timeout_s,
		  bool tcp_window, bool fresh)
{
	/* A new entry is created, a changed one updated; the kernel's answer corrects a guess
	 * that was wrong (answer_error). */
	struct hrpd_ct_req req = { .kind = HRPD_CT_REQ_APPLY, .s = *s, .timeout_s = timeout_s,
				   .tcp_window = tcp_window, .create = s->op == HS_SESS_NEW,
				   .fresh = fresh && s->op == HS_SESS_NEW };
	return request(ct, &req);
}

int hrpd_ct_set_timeout(struct hrpd_ct *ct, const struct hs_sess *s, uint32_t timeout_s)
{
	return hrpd_ct_takeover(ct, s, timeout_s, false);
}

int hrpd_ct_takeover(struct hrpd_ct *ct, const struct hs_sess *s, uint32_t timeout_s,
		     bool liberal)
{
	struct hrpd_ct_req req = { .kind = HRPD_CT_REQ_TIMEOUT, .s = *s, .timeout_s = timeout_s,
				   .liberal = liberal && s->l4proto == IPPROTO_TCP };
	return request(ct, &req);
}

/* The ranges of the batch's requests: those whose outcome is unknown when its answers are lost. */
static uint64_t pending_ranges(const struct hrpd_ct *ct)
{
	if (!ct->n_pend)
		return HS_SESS_RANGES_ALL; /* answers of no batch we know of */
	uint64_t ranges = 0;
	for (size_t i = 0; i < ct->n_pend; i++)
		ranges |= 1ull << hs_sess_range(&ct->pend[i].s);
	return ranges;
}

static void writes_lost(struct hrpd_ct *ct, int err)
{
	if (ct->ops->writes_lost)
		ct->ops->writes_lost(ct->arg, pending_ranges(ct), err);
}

void hrpd_ct_flush(struct hrpd_ct *ct)
{
	size_t len = mnl_nlmsg_batch_size(ct->batch);
	if (!len)
		return;
	ct->st.request_batches++;
	if (mnl_socket_sendto(ct->req, mnl_nlmsg_batch_head(ct->batch), len) < 0) {
		int e = errno;
		ct->st.request_send_errors++;
		hs_warn(CT_PREFIX, "sending %zu bytes of requests: %s", len, strerror(e));
		writes_lost(ct, e); /* none of them ran */
	}
	mnl_nlmsg_batch_reset(ct->batch);
	answers_read(ct);
}

static enum hrpd_ct_apply_err classify(int err)
{
	switch (err) {
	case ENOENT: return HRPD_CT_ERR_NOENT;
	case EEXIST: return HRPD_CT_ERR_EXIST;
	case EINVAL:
	case EOPNOTSUPP: return HRPD_CT_ERR_INVAL;
	case ENOMEM:
	case ENOSPC: return HRPD_CT_ERR_NOMEM;
	case EBUSY: return HRPD_CT_ERR_BUSY;
	default: return HRPD_CT_ERR_OTHER;
	}
}

static const struct hrpd_ct_req *pending(const struct hrpd_ct *ct, uint32_t seq)
{
	if (!ct->n_pend)
		return NULL;
	uint32_t i = seq - ct->pend[0].seq;
	return i < ct->n_pend && ct->pend[i].seq == seq ? &ct->pend[i] : NULL;
}

static void answer_error(struct hrpd_ct *ct, uint32_t seq, int err, struct hrpd_ct_req *retry,
			 size_t *n_retry)
{
	const struct hrpd_ct_req *req = pending(ct, seq);
	enum hrpd_ct_apply_err c = classify(err);
	/* An update's labels for a live entry created without room for them: the kernel set
	 * the rest of the update before it came to the labels (ctnetlink_change_conntrack). */
	if (err == ENOSPC && req && req->kind == HRPD_CT_REQ_APPLY && !req->create &&
	    req->s.op != HS_SESS_DESTROY && (req->s.has & HS_SESS_HAS_LABELS))
		c = HRPD_CT_ERR_LABELS;
	bool again = req && req->kind == HRPD_CT_REQ_APPLY && !req->replaced &&
		     req->s.op != HS_SESS_DESTROY && *n_retry < BATCH_MAX;
	/* A new connection whose tuple is taken here by an older one (closed, not yet timed
	 * out): the old one goes. */
	if (again && c == HRPD_CT_ERR_EXIST && req->create && req->fresh) {
		struct hrpd_ct_req *r = &retry[(*n_retry)++];
		*r = *req;
		r->at = (uint16_t)(req - ct->pend);
		ct->st.replaced++;
		return;
	}
	/* Created, but it was there: an update. Updated, but it was not there: a create. */
	if (again && ((c == HRPD_CT_ERR_EXIST && req->create) ||
		      (c == HRPD_CT_ERR_NOENT && !req->create))) {
		struct hrpd_ct_req *r = &retry[(*n_retry)++];
		*r = *req;
		r->at = (uint16_t)(req - ct->pend);
		r->create = !req->create;
		r->kind = HRPD_CT_REQ_RETRY;
		ct->st.second_tries++;
		return;
	}
	if (again && c == HRPD_CT_ERR_BUSY) {
		struct hrpd_ct_req *r = &retry[(*n_retry)++];
		*r = *req;
		r->at = (uint16_t)(req - ct->pend);
		if (ct->two_sources && !req->create) {
			/* The live entry has a bit the update would clear (seen-reply, assured:
			 * they can only be set), from its own traffic: both boxes' views are
			 * right, so keep the bits and take the rest. A replace would throw away
			 * what this box's conntrack knows of the flow. */
			r->kind = HRPD_CT_REQ_RETRY;
			r->keep_status = true;
			ct->st.second_tries++;
			return;
		}
		r->create = true;
		ct->st.replaced++;
		return;
	}
	/* A timeout reset or a delete of an entry that has just gone: nothing to do. */
	if (c == HRPD_CT_ERR_NOENT && req &&
	    (req->kind == HRPD_CT_REQ_TIMEOUT || req->kind == HRPD_CT_REQ_DELETE)) {
		ct->st.gone++;
		return;
	}
	ct->st.apply_errors[c]++;
	if (ct->ops->apply_error)
		ct->ops->apply_error(ct->arg, c, err);
}

/* Drops the retries that a later request of the batch for the same entry supersedes (its state
 * is newer, or it is the destroy): run after it, they would undo it (lib/sess_retry.h). Returns how
 * many retries stay. */
static size_t retries_keep(struct hrpd_ct *ct, struct hrpd_ct_req *retry, size_t n_retry)
{
	for (size_t i = 0; i < ct->n_pend; i++)
		ct->order[i] = (struct hs_sess_retry_req){
			.key = hs_sess_key_hash(&ct->pend[i].s),
			.newer = ct->pend[i].kind != HRPD_CT_REQ_TIMEOUT,
			.ends = ct->pend[i].kind == HRPD_CT_REQ_DELETE ||
				(ct->pend[i].kind == HRPD_CT_REQ_APPLY &&
				 (ct->pend[i].s.op == HS_SESS_DESTROY || ct->pend[i].create)),
		};
	for (size_t i = 0; i < n_retry; i++) {
		ct->order[retry[i].at].retry = true;
		/* a new connection that replaces an older entry of its tuple */
		ct->order[retry[i].at].fresh =
			retry[i].kind == HRPD_CT_REQ_APPLY && retry[i].fresh && retry[i].create;
	}
	/* With no memory for the keys every retry goes, as before. */
	if (hs_sess_retries_superseded(ct->order, ct->n_pend, &ct->seen, &ct->ended) <= 0)
		return n_retry;
	size_t kept = 0;
	for (size_t i = 0; i < n_retry; i++) {
		if (ct->order[retry[i].at].superseded)
			ct->st.retries_superseded++;
		else
			retry[kept++] = retry[i];
	}
	return kept;
}

static void answers_read(struct hrpd_ct *ct)
{
	struct hrpd_ct_req *retry = ct->retry;
	size_t n_retry = 0;
	bool lost = false;
	int fd = mnl_socket_get_fd(ct->req);
	/* Every answer of the batch, to the last: the kernel wrote them during the sendto(), one
	 * datagram each, and the pending requests are forgotten below. Reading only a turn's worth
	 * (as for events) left the rest unmatched: a bulk of updates into a table that lacked most
	 * of them lost every entry whose "no such entry" came after the 256th. */
	for (int i = 0; i < BATCH_MAX + EVENTS_PER_TURN; i++) {
		ssize_t n = recv(fd, ct->rx, RX_BUF, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS) {
				/* Which requests failed is unknown: reported below, once */
				ct->st.apply_errors[HRPD_CT_ERR_LOST]++;
				lost = true;
				continue;
			}
			break; /* EAGAIN */
		}
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)ct->rx;
		int len = (int)n;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			if (e->error)
				answer_error(ct, nlh->nlmsg_seq, -e->error, retry, &n_retry);
		}
	}
	if (lost)
		writes_lost(ct, ENOBUFS);
	if (n_retry)
		n_retry = retries_keep(ct, retry, n_retry);
	ct->n_pend = 0;
	if (!n_retry)
		return;
	/* The retries own ct->retry until they are queued: the flushes below use a fresh one. */
	ct->retry = ct->retry == ct->retry_a ? ct->retry_b : ct->retry_a;
	for (size_t i = 0; i < n_retry; i++) {
		if (retry[i].kind == HRPD_CT_REQ_RETRY) {
			retry[i].kind = HRPD_CT_REQ_APPLY;
		} else {
			struct hrpd_ct_req del = retry[i];
			del.kind = HRPD_CT_REQ_DELETE;
			del.replaced = true;
			request(ct, &del);
		}
		retry[i].replaced = true;
		request(ct, &retry[i]);
	}
	hrpd_ct_flush(ct);
}

static void req_readable(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	(void)io;
	(void)fd;
	(void)revents;
	answers_read(arg);
}

/* ---- events ---- */

static int ev_type_op(uint16_t type, uint16_t flags)
{
	switch (type & 0xff) {
	case IPCTNL_MSG_CT_NEW:
		return (flags & (NLM_F_CREATE | NLM_F_EXCL)) ? HS_SESS_NEW : HS_SESS_UPDATE;
	case IPCTNL_MSG_CT_DELETE: return HS_SESS_DESTROY;
	default: return -1;
	}
}

/* The events of one datagram. */
static void ev_datagram(struct hrpd_ct *ct, const void *buf, size_t n, int flags)
{
	if (flags & MSG_TRUNC) { /* cannot happen below EV_MSG_MAX: counted, never silent */
		ct->st.event_msgs_bad++;
		return;
	}
	const struct nlmsghdr *nlh = buf;
	int len = (int)n;
	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		int op = ev_type_op(nlh->nlmsg_type, nlh->nlmsg_flags);
		struct hs_sess s;
		if (op < 0 || !hrpd_ct_parse(nlh, (uint8_t)op, &s)) {
			ct->st.event_msgs_bad++;
			continue;
		}
		ct->st.events++;
		ct->ops->event(ct->arg, &s);
	}
}

/* At most EVENTS_PER_TURN messages a turn, EV_BATCH per system call. */
static void ev_readable(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct hrpd_ct *ct = arg;
	(void)io;
	(void)revents;
	int got = 0;
	uint64_t events = ct->st.events;
	for (int calls = 0; calls < EVENTS_PER_TURN && got < EVENTS_PER_TURN; calls++) {
		int n = recvmmsg(fd, ct->ev_msgs, EV_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == ENOBUFS) {
				ct->st.overruns++;
				if (ct->listening && ct->ops->overrun)
					ct->ops->overrun(ct->arg);
				continue;
			}
			break;
		}
		got += n;
		if (ct->listening)
			for (int m = 0; m < n; m++)
				ev_datagram(ct, ct->ev_iov[m].iov_base, ct->ev_msgs[m].msg_len,
					    ct->ev_msgs[m].msg_hdr.msg_flags);
		if (n < EV_BATCH)
			break; /* drained */
	}
	if (ct->st.events != events && ct->ops->events_done)
		ct->ops->events_done(ct->arg);
}

/* Drops in the kernel every event whose netlink port id is our request socket's: the echo of
 * what we wrote for the peer. BPF loads words in network order, hence htonl. */
static int attach_echo_filter(struct hrpd_ct *ct)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct nlmsghdr, nlmsg_pid)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(ct->req_portid), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };
	return setsockopt(mnl_socket_get_fd(ct->ev), SOL_SOCKET, SO_ATTACH_FILTER, &prog,
			  sizeof(prog));
}

/* Off, the event socket leaves the conntrack groups: the kernel then builds no event message for
 * us at all (on a standby, every entry we write would otherwise cost one, filtered or not). */
void hrpd_ct_listen(struct hrpd_ct *ct, bool on)
{
	static const unsigned groups[] = { NFNLGRP_CONNTRACK_NEW, NFNLGRP_CONNTRACK_UPDATE,
					   NFNLGRP_CONNTRACK_DESTROY };
	if (ct->listening == on)
		return;
	ct->listening = on;
	int fd = mnl_socket_get_fd(ct->ev);
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (setsockopt(fd, SOL_NETLINK, on ? NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP,
			       &groups[i], sizeof(groups[i])) < 0)
			hs_warn(CT_PREFIX, "conntrack event group %u: %s", groups[i],
				strerror(errno));
}

/* ---- dumps ---- */

static int dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct hrpd_ct *ct = arg;
	struct hs_sess s;
	if (!hrpd_ct_parse(nlh, HS_SESS_UPDATE, &s)) {
		ct->st.dump_errors++;
		return MNL_CB_OK;
	}
	ct->st.dump_entries++;
	ct->ops->dump_entry(ct->arg, &s);
	return MNL_CB_OK;
}

static void dump_finish(struct hrpd_ct *ct, bool ok)
{
	ct->dumping = false;
	ct->dump_paused = false;
	hs_io_set_events(&ct->dump_io, 0);
	if (!ok)
		ct->st.dump_errors++;
	if (ct->ops->dump_done)
		ct->ops->dump_done(ct->arg, ok);
}

static void dump_readable(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct hrpd_ct *ct = arg;
	(void)io;
	(void)revents;
	for (int i = 0; i < DUMP_PER_TURN && ct->dumping && !ct->dump_paused; i++) {
		ssize_t n = recv(fd, ct->rx, RX_BUF, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			hs_warn(CT_PREFIX, "table dump: %s", strerror(errno));
			dump_finish(ct, false);
			return;
		}
		int r = mnl_cb_run(ct->rx, (size_t)n, ct->dump_seq, mnl_socket_get_portid(ct->dump),
				   dump_cb, ct);
		if (r == MNL_CB_STOP) {
			dump_finish(ct, true);
			return;
		}
		if (r < 0) {
			hs_warn(CT_PREFIX, "table dump: %s", strerror(errno));
			dump_finish(ct, false);
			return;
		}
	}
}

int hrpd_ct_dump_start(struct hrpd_ct *ct)
{
	if (ct->dumping)
		return -EBUSY;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = hrpd_nfnl_msg(buf, NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_GET,
					     NLM_F_DUMP, ct->dump_seq = ++ct->seq, AF_UNSPEC);
	if (mnl_socket_sendto(ct->dump, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	ct->dumping = true;
	ct->dump_paused = false;
	ct->st.dumps++;
	hs_io_set_events(&ct->dump_io, EPOLLIN);
	return 0;
}

int hrpd_ct_read(struct hrpd_ct *ct, const struct hs_sess *key, struct hs_sess *out)
{
	struct nf_conntrack *o = nfct_new();
	if (!o)
		return -ENOMEM;
	hrpd_ct_set_tuples(o, key, false);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = hrpd_nfnl_msg(buf, NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_GET, 0,
					     ++ct->seq, key->family);
	int r = nfct_nlmsg_build(nlh, o);
	nfct_destroy(o);
	if (r < 0)
		return -EINVAL;
	/* On a socket of its own: the dump socket may be in the middle of a dump (a bulk's, a
	 * check's), and a read there got the dump's messages, or was refused while one ran. */
	if (mnl_socket_sendto(ct->get, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	/* answered within sendto, like a batch; an answer left by an earlier read that failed
	 * half way is skipped, never read as this entry */
	char ans[MNL_SOCKET_BUFFER_SIZE];
	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(ct->get), ans, sizeof(ans), MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN ? -ENODATA : -errno; /* no answer */
		const struct nlmsghdr *a = (const struct nlmsghdr *)ans;
		if (!mnl_nlmsg_ok(a, (int)n))
			return -EBADMSG;
		if (a->nlmsg_seq != nlh->nlmsg_seq)
			continue;
		if (a->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(a);
			return e->error ? e->error : -ENOENT;
		}
		return hrpd_ct_parse(a, HS_SESS_UPDATE, out) ? 0 : -EBADMSG;
	}
}

bool hrpd_ct_dump_running(const struct hrpd_ct *ct)
{
	return ct->dumping;
}

void hrpd_ct_dump_pause(struct hrpd_ct *ct, bool paused)
{
	if (!ct->dumping || ct->dump_paused == paused)
		return;
	ct->dump_paused = paused;
	hs_io_set_events(&ct->dump_io, paused ? 0 : EPOLLIN);
}

/* ---- life ---- */

static struct mnl_socket *open_socket(unsigned groups)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	return nl;
}

static void set_rcvbuf(struct mnl_socket *nl, int bytes)
{
	int fd = mnl_socket_get_fd(nl);
	/* FORCE passes rmem_max where we may (root); the plain one otherwise. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
}

static int watch_dump(struct hrpd_ct *ct, struct mnl_socket *nl, uint32_t events)
{
	int r = hs_io_start(&ct->dump_io, ct->loop, mnl_socket_get_fd(nl), events, dump_readable,
			    ct);
	if (r == 0)
		hs_io_set_priority(&ct->dump_io, ct->priority);
	return r;
}

int hrpd_ct_dump_cancel(struct hrpd_ct *ct)
{
	if (!ct->dumping)
		return 0;
	/* Netlink stops a dump only with the socket it runs on: a new socket, and the kernel
	 * drops the old one's walk. The old one stays until the new one is watched. */
	struct mnl_socket *nl = open_socket(0);
	if (!nl)
		return -errno;
	hs_io_stop(&ct->dump_io);
	int r = watch_dump(ct, nl, 0);
	if (r < 0) {
		mnl_socket_close(nl);
		watch_dump(ct, ct->dump, ct->dump_paused ? 0 : EPOLLIN);
		return r;
	}
	mnl_socket_close(ct->dump);
	ct->dump = nl;
	ct->dumping = false;
	ct->dump_paused = false;
	set_rcvbuf(ct->dump, DUMP_RCVBUF);
	ct->st.dumps_cancelled++;
	return 0;
}

/* An inherited socket (hot restart) when the set has it, else a new one. */
static struct mnl_socket *adopt_socket(struct hs_fdset *inherited, const char *name, bool *adopted)
{
	int fd = inherited ? hs_fdset_take(inherited, name) : -1;
	*adopted = false;
	if (fd < 0)
		return open_socket(0);
	struct mnl_socket *nl = mnl_socket_fdopen(fd);
	if (!nl)
		close(fd);
	*adopted = nl != NULL;
	return nl;
}

struct hrpd_ct *hrpd_ct_open(struct hs_loop *loop, const struct hrpd_ct_ops *ops, void *arg,
			     int rcvbuf, int64_t priority)
{
	return hrpd_ct_open_adopt(loop, ops, arg, rcvbuf, priority, NULL);
}

bool hrpd_ct_idle(const struct hrpd_ct *ct)
{
	return !ct->dumping && ct->n_pend == 0 && mnl_nlmsg_batch_is_empty(ct->batch);
}

void hrpd_ct_events_hold(struct hrpd_ct *ct, bool held)
{
	hs_io_set_events(&ct->ev_io, held ? 0 : EPOLLIN);
}

int hrpd_ct_hot_fds(const struct hrpd_ct *ct, struct hs_fdset *out)
{
	int r = hs_fdset_add(out, "ct-events", mnl_socket_get_fd(ct->ev));
	return r < 0 ? r : hs_fdset_add(out, "ct-requests", mnl_socket_get_fd(ct->req));
}

struct hrpd_ct *hrpd_ct_open_adopt(struct hs_loop *loop, const struct hrpd_ct_ops *ops, void *arg,
				   int rcvbuf, int64_t priority, struct hs_fdset *inherited)
{
	bool ev_adopted, req_adopted;
	struct hrpd_ct *ct = calloc(1, sizeof(*ct));
	if (!ct)
		return NULL;
	ct->ops = ops;
	ct->arg = arg;
	ct->batch_buf = malloc(BATCH_BYTES + MNL_SOCKET_BUFFER_SIZE);
	ct->rx = malloc(RX_BUF);
	ct->ev_buf = malloc((size_t)EV_BATCH * EV_MSG_MAX);
	ct->ev_msgs = calloc(EV_BATCH, sizeof(*ct->ev_msgs));
	ct->ev_iov = calloc(EV_BATCH, sizeof(*ct->ev_iov));
	if (ct->ev_buf && ct->ev_msgs && ct->ev_iov)
		for (size_t m = 0; m < EV_BATCH; m++) {
			ct->ev_iov[m] = (struct iovec){ ct->ev_buf + m * EV_MSG_MAX, EV_MSG_MAX };
			ct->ev_msgs[m].msg_hdr.msg_iov = &ct->ev_iov[m];
			ct->ev_msgs[m].msg_hdr.msg_iovlen = 1;
		}
	ct->pend = calloc(BATCH_MAX, sizeof(*ct->pend));
	ct->retry = ct->retry_a = calloc(BATCH_MAX, sizeof(*ct->pend));
	ct->retry_b = calloc(BATCH_MAX, sizeof(*ct->pend));
	ct->order = calloc(BATCH_MAX, sizeof(*ct->order));
	hs_sess_keyset_init(&ct->seen);
	hs_sess_keyset_init(&ct->ended);
	/* The event socket joins the event groups while listening; an adopted one may be in them
	 * already: taken as listening, so that a "not listening" leaves them. */
	ct->ev = adopt_socket(inherited, "ct-events", &ev_adopted);
	ct->listening = ev_adopted;
	ct->req = adopt_socket(inherited, "ct-requests", &req_adopted);
	if (ev_adopted || req_adopted)
		hs_info(CT_PREFIX, "adopted the previous hrpd's conntrack sockets:%s%s",
			ev_adopted ? " events" : "", req_adopted ? " requests" : "");
	ct->dump = open_socket(0);
	ct->get = open_socket(0);
	if (!ct->batch_buf || !ct->rx || !ct->ev_buf || !ct->ev_msgs || !ct->ev_iov || !ct->pend ||
	    !ct->retry_a || !ct->retry_b || !ct->order || !ct->ev || !ct->req || !ct->dump ||
	    !ct->get)
		goto fail;
	ct->batch = mnl_nlmsg_batch_start(ct->batch_buf, BATCH_BYTES);
	if (!ct->batch)
		goto fail;
	ct->req_portid = mnl_socket_get_portid(ct->req);
	if (attach_echo_filter(ct) < 0)
		goto fail;
	set_rcvbuf(ct->ev, rcvbuf);
	set_rcvbuf(ct->req, 4 * 1024 * 1024);
	set_rcvbuf(ct->dump, DUMP_RCVBUF);
	ct->loop = loop;
	ct->priority = priority;
	if (hs_io_start(&ct->ev_io, loop, mnl_socket_get_fd(ct->ev), EPOLLIN, ev_readable, ct) < 0 ||
	    hs_io_start(&ct->req_io, loop, mnl_socket_get_fd(ct->req), EPOLLIN, req_readable, ct) <
		    0 ||
	    watch_dump(ct, ct->dump, 0) < 0)
		goto fail;
	hs_io_set_priority(&ct->ev_io, priority);
	hs_io_set_priority(&ct->req_io, priority);
	return ct;
fail:;
	int e = errno ? errno : ENOMEM;
	hrpd_ct_close(ct);
	errno = e;
	return NULL;
}

void hrpd_ct_close(struct hrpd_ct *ct)
{
	if (!ct)
		return;
	hs_io_stop(&ct->ev_io);
	hs_io_stop(&ct->req_io);
	hs_io_stop(&ct->dump_io);
	if (ct->batch) {
		hrpd_ct_flush(ct);
		mnl_nlmsg_batch_stop(ct->batch);
	}
	if (ct->ev)
		mnl_socket_close(ct->ev);
	if (ct->req)
		mnl_socket_close(ct->req);
	if (ct->dump)
		mnl_socket_close(ct->dump);
	if (ct->get)
		mnl_socket_close(ct->get);
	free(ct->batch_buf);
	free(ct->rx);
	free(ct->ev_buf);
	free(ct->ev_msgs);
	free(ct->ev_iov);
	free(ct->pend);
	free(ct->retry_a);
	free(ct->retry_b);
	free(ct->order);
	hs_sess_keyset_free(&ct->seen);
	hs_sess_keyset_free(&ct->ended);
	free(ct);
}

void hrpd_ct_two_sources(struct hrpd_ct *ct, bool on)
{
	ct->two_sources = on;
}

const struct hrpd_ct_stats *hrpd_ct_stats(const struct hrpd_ct *ct)
{
	return &ct->st;
}

const char *hrpd_ct_err_name(enum hrpd_ct_apply_err e)
{
	static const char *const names[HRPD_CT_ERR_MAX] = {
		[HRPD_CT_ERR_NOENT] = "no_entry", [HRPD_CT_ERR_EXIST] = "exists",
		[HRPD_CT_ERR_INVAL] = "refused",  [HRPD_CT_ERR_NOMEM] = "table_full",
		[HRPD_CT_ERR_BUSY] = "busy",      [HRPD_CT_ERR_OTHER] = "other",
		[HRPD_CT_ERR_LOST] = "answers_lost", [HRPD_CT_ERR_LABELS] = "no_label_room",
	};
	return e < HRPD_CT_ERR_MAX ? names[e] : "?";
}

long hrpd_ct_count(void)
{
	FILE *f = fopen("/proc/sys/net/netfilter/nf_conntrack_count", "re");
	if (!f)
		return -1;
	long n = -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}
