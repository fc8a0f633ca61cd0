/* One direction of the sequenced UDP probe, as its receiver counts it. Pure: no sockets, no clock.
 *
 * Every packet carries its sequence number and the time its sender had scheduled it for (absolute
 * CLOCK_MONOTONIC deadlines, one per interval). The longest gap is measured on that schedule axis:
 * the time between the scheduled sends of two consecutive in-order arrivals, plus a leading gap
 * (stream start to the first arrival) and a trailing gap (last arrival to the sender's last send).
 * A network outage of T ms with a 1 ms interval therefore shows as a gap of T + 1 ms, whatever the
 * receiver's own scheduling jitter. The arrival axis (kernel receive timestamps) is kept too, as
 * max_rx_gap_ms: it includes host jitter, which is what an application would feel. */
#ifndef HS_UDP_STREAM_H
#define HS_UDP_STREAM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct udp_stream {
	uint8_t *seen; /* bitmap by sequence number */
	size_t seen_bytes;
	uint64_t received; /* unique packets */
	uint64_t duplicates;
	uint64_t reordered; /* arrived after a higher sequence number */
	int64_t highest; /* highest sequence number seen, -1 before the first */
	int64_t start_ns; /* the sender's stream start, from the packets */
	int64_t last_sched_ns; /* scheduled send time of the highest sequence number */
	int64_t max_gap_ns;
	int64_t max_gap_at_ns; /* where the longest gap starts, from start_ns */
	int64_t last_rx_ns; /* arrival axis */
	int64_t max_rx_gap_ns;
};

void udp_stream_init(struct udp_stream *s);
void udp_stream_free(struct udp_stream *s);

/* Counts one DATA packet; rx_ns is its arrival time (any clock, only differences are used).
 * Returns 0, or -1 when the bitmap cannot grow (the packet is then ignored). */
int udp_stream_add(struct udp_stream *s, uint64_t seq, int64_t sched_ns, int64_t start_ns,
		   int64_t rx_ns);

/* Closes the trailing gap at the sender's last scheduled send (0: unknown, no trailing gap). */
void udp_stream_finish(struct udp_stream *s, int64_t stop_sched_ns);

/* {sent, received, lost, duplicates, reordered, max_gap_ms, max_gap_at_ms, max_rx_gap_ms};
 * sent < 0 means unknown: sent and lost are then lower bounds from the highest sequence seen
 * and "sent_known" is false. */
json_t *udp_stream_json(const struct udp_stream *s, int64_t sent);

#endif
