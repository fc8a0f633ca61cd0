/* The mirror session's NFQUEUE socket (mirror_nfq.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "log.h"
#include "sess_mirror.h"
#include "mirror_nfq.h"

#define NFQ_RX_BUF        (64u * 1024u)
#define NFQ_VERDICT_BUF   (16u * 1024u)
#define NFQ_READS_PER_TURN 64
#define NFQ_QUEUE_MAXLEN  8192
#define NFQ_RCVBUF        (4 * 1024 * 1024)

struct hrpd_nfq {
	const struct hrpd_nfq_ops *ops;
	void *arg;
	uint16_t queue;
	struct mnl_socket *nl;
	struct hs_io io;
	char *rx;
	char *vbuf;
	size_t vlen;
	struct hrpd_nfq_stats st;
	bool passing; /* packets read now are let through: a config's answer awaited, closing */
};

static int packet_cb(const struct nlmsghdr *nlh, void *arg);

/* One config message: a command, or (cmd 0) the copy mode, flags and queue length. */
static int configure(struct hrpd_nfq *q, uint8_t cmd, bool ct_attrs)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->queue);
	if (cmd) {
		nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, cmd);
	} else {
		/* The headers, and the entry's zones (NFQA_CFG_F_CONNTRACK: a kernel option many
		 * kernels lack, which refuse the flag). Fail open: never drop for our sake. */
		nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, HS_MIRROR_COPY);
		nfq_nlmsg_cfg_put_qmaxlen(nlh, NFQ_QUEUE_MAXLEN);
		uint32_t flags =
			htonl(NFQA_CFG_F_FAIL_OPEN | (ct_attrs ? NFQA_CFG_F_CONNTRACK : 0));
		mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, flags);
		mnl_attr_put_u32(nlh, NFQA_CFG_MASK, flags);
	}
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	/* The socket is non-blocking: the kernel answered in our sendto, the ack is there, maybe
	 * behind packets queued before it (a chain left by a killed hrpd, or closing). */
	int r = MNL_CB_OK;
	bool was = q->passing;
	q->passing = true;
	for (int i = 0; i < NFQ_QUEUE_MAXLEN && r == MNL_CB_OK; i++) {
		ssize_t n = mnl_socket_recvfrom(q->nl, buf, sizeof(buf));
		if (n < 0) {
			r = -1;
			break;
		}
		r = mnl_cb_run(buf, (size_t)n, 0, 0, packet_cb, q);
	}
	int e = r < 0 ? -errno : r == MNL_CB_OK ? -ETIMEDOUT : 0;
	q->passing = was;
	hrpd_nfq_flush(q);
	return e;
}

static void read_queue(struct hrpd_nfq *q, int reads);

/* Every packet still in the socket gets its verdict: unbinding drops what waits for one. */
static void pass_pending(struct hrpd_nfq *q)
{
	q->passing = true;
	read_queue(q, NFQ_QUEUE_MAXLEN);
	hrpd_nfq_flush(q);
}

/* A zone is a big-endian u16 (the kernel's nla_put_be16); any other size is malformed. */
static int zone_of(const struct nlattr *a, uint16_t *zone)
{
	if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
		return MNL_CB_ERROR;
	*zone = ntohs(mnl_attr_get_u16(a));
	return MNL_CB_OK;
}

/* In CTA_TUPLE_ORIG / CTA_TUPLE_REPLY: CTA_TUPLE_ZONE, a zone of that direction only. */
static int tuple_attr_cb(const struct nlattr *a, void *data)
{
	return mnl_attr_get_type(a) == CTA_TUPLE_ZONE ? zone_of(a, data) : MNL_CB_OK;
}

/* In NFQA_CT, the entry as the kernel's events say it: CTA_ZONE, the zone of both directions,
 * and the tuples with their own zones. The rest is not ours to read. */
static int ct_attr_cb(const struct nlattr *a, void *data)
{
	struct hs_mirror_zones *z = data;
	uint16_t type = mnl_attr_get_type(a);
	if (type == CTA_ZONE)
		return zone_of(a, &z->zone);
	if (type != CTA_TUPLE_ORIG && type != CTA_TUPLE_REPLY)
		return MNL_CB_OK;
	if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
		return MNL_CB_ERROR;
	return mnl_attr_parse_nested(a, tuple_attr_cb, &z->dir[type == CTA_TUPLE_REPLY]);
}

/* The zones of a packet's entry from NFQA_CT (absent: unknown). -1 when malformed. */
static int ct_zones(const struct nlattr *ct, struct hs_mirror_zones *z)
{
	*z = (struct hs_mirror_zones){ .known = ct != NULL };
	if (ct && mnl_attr_parse_nested(ct, ct_attr_cb, z) < 0)
		return -1;
	return 0;
}

static int packet_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct hrpd_nfq *q = arg;
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR]) {
		q->st.bad_msgs++;
		return MNL_CB_OK;
	}
	const struct nfqnl_msg_packet_hdr *ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	q->st.packets++;
	if (q->passing) { /* let through, as fail-open would: never left to drop at unbind */
		hrpd_nfq_verdict(q, ntohl(ph->packet_id), true);
		return MNL_CB_OK;
	}
	struct hs_mirror_zones z;
	bool zones_ok = ct_zones(attr[NFQA_CT], &z) == 0;
	q->ops->packet(q->arg, ntohl(ph->packet_id),
		       attr[NFQA_PAYLOAD] ? mnl_attr_get_payload(attr[NFQA_PAYLOAD]) : NULL,
		       attr[NFQA_PAYLOAD] ? mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]) : 0,
		       zones_ok ? &z : NULL);
	return MNL_CB_OK;
}

/* Up to reads messages from the socket, each packet through packet_cb. */
static void read_queue(struct hrpd_nfq *q, int reads)
{
	for (int i = 0; i < reads; i++) {
		ssize_t n = mnl_socket_recvfrom(q->nl, q->rx, NFQ_RX_BUF);
		if (n < 0) {
			if (errno == ENOBUFS) {
				/* Queue messages lost: the kernel let their packets through unheld
				 * (fail open). Counted once per overrun, not per packet. */
				q->st.overruns++;
				continue;
			}
			break;
		}
		if (mnl_cb_run(q->rx, (size_t)n, 0, 0, packet_cb, q) < 0)
			q->st.bad_msgs++;
	}
}

static void readable(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct hrpd_nfq *q = arg;
	(void)io;
	(void)fd;
	(void)revents;
	read_queue(q, NFQ_READS_PER_TURN);
	q->ops->burst_done(q->arg);
}

void hrpd_nfq_flush(struct hrpd_nfq *q)
{
	if (!q->vlen)
		return;
	if (mnl_socket_sendto(q->nl, q->vbuf, q->vlen) < 0)
		q->st.verdict_errors++;
	q->vlen = 0;
}

void hrpd_nfq_verdict(struct hrpd_nfq *q, uint32_t id, bool accept)
{
	if (q->vlen + MNL_ALIGN(sizeof(struct nlmsghdr) + 64) > NFQ_VERDICT_BUF)
		hrpd_nfq_flush(q);
	struct nlmsghdr *nlh = nfq_nlmsg_put(q->vbuf + q->vlen, NFQNL_MSG_VERDICT, q->queue);
	nfq_nlmsg_verdict_put(nlh, (int)id, accept ? NF_ACCEPT : NF_DROP);
	q->vlen += nlh->nlmsg_len;
	q->st.verdicts++;
}

struct hrpd_nfq *hrpd_nfq_open(struct hs_loop *loop, uint16_t queue,
			       const struct hrpd_nfq_ops *ops, void *arg)
{
	struct hrpd_nfq *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->ops = ops;
	q->arg = arg;
	q->queue = queue;
	q->rx = malloc(NFQ_RX_BUF);
	q->vbuf = malloc(NFQ_VERDICT_BUF);
	q->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	int e = ENOMEM;
	if (!q->rx || !q->vbuf || !q->nl)
		goto fail;
	if (mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail_errno;
	int bytes = NFQ_RCVBUF;
	int fd = mnl_socket_get_fd(q->nl);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
	if ((e = -configure(q, NFQNL_CFG_CMD_BIND, false)))
		goto fail;
	/* Without the kernel's conntrack glue the flag is refused: headers only then. */
	q->st.ct_attrs = configure(q, 0, true) == 0;
	if (!q->st.ct_attrs && (e = -configure(q, 0, false)))
		goto fail;
	if (hs_io_start(&q->io, loop, fd, EPOLLIN, readable, q) < 0)
		goto fail_errno;
	return q;
fail_errno:
	e = errno;
fail:
	hrpd_nfq_close(q);
	errno = e;
	return NULL;
}

void hrpd_nfq_close(struct hrpd_nfq *q)
{
	if (!q)
		return;
	if (q->nl) {
		hrpd_nfq_flush(q);
		hs_io_stop(&q->io);
		if (q->rx && q->vbuf) { /* else never bound: open failed before */
			pass_pending(q);
			configure(q, NFQNL_CFG_CMD_UNBIND, false);
		}
		mnl_socket_close(q->nl);
	}
	free(q->rx);
	free(q->vbuf);
	free(q);
}

const struct hrpd_nfq_stats *hrpd_nfq_stats(const struct hrpd_nfq *q)
{
	return &q->st;
}
