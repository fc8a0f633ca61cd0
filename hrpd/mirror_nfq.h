/* The mirror session's NFQUEUE (libmnl moves the messages, libnetfilter_queue builds and parses
 * them): packets arrive with their first HS_MIRROR_COPY bytes (their headers) and, where the
 * kernel can (CONFIG_NETFILTER_NETLINK_GLUE_CT), their entry's conntrack attributes; verdicts
 * leave in batches. The queue fails open: a full queue, or no hrpd bound to it, lets packets
 * pass. */
#ifndef HRPD_MIRROR_NFQ_H
#define HRPD_MIRROR_NFQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "sess_mirror.h"

struct hrpd_nfq;

struct hrpd_nfq_ops {
	/* One queued packet: its id, its first bytes (from the IP header on), and its entry's
	 * zones from its conntrack attributes (known false when the kernel gives none; zones NULL
	 * when they were malformed: the packet cannot be held). */
	void (*packet)(void *arg, uint32_t id, const uint8_t *pkt, size_t len,
		       const struct hs_mirror_zones *zones);
	/* After each burst of packets read in one turn of the loop. */
	void (*burst_done)(void *arg);
};

struct hrpd_nfq_stats {
	uint64_t packets, bad_msgs, overruns, verdicts, verdict_errors;
	bool ct_attrs; /* the kernel gives each packet's conntrack attributes */
};

struct hrpd_nfq *hrpd_nfq_open(struct hs_loop *loop, uint16_t queue,
			       const struct hrpd_nfq_ops *ops, void *arg);
void hrpd_nfq_close(struct hrpd_nfq *q);
/* Queues a verdict (accept or drop) for packet id; they leave at hrpd_nfq_flush() or when the
 * batch is full. */
void hrpd_nfq_verdict(struct hrpd_nfq *q, uint32_t id, bool accept);
void hrpd_nfq_flush(struct hrpd_nfq *q);
const struct hrpd_nfq_stats *hrpd_nfq_stats(const struct hrpd_nfq *q);

#endif
