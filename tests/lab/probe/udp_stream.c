#include "udp_stream.h"

#include <stdlib.h>
#include <string.h>

#include "probe_common.h"

/* A sequence number further than this past the highest one is not ours (2^26 packets = 18 h). */
#define SEQ_JUMP_MAX (1ULL << 26)

void udp_stream_init(struct udp_stream *s)
{
	memset(s, 0, sizeof(*s));
	s->highest = -1;
}

void udp_stream_free(struct udp_stream *s)
{
	free(s->seen);
	udp_stream_init(s);
}

static int seen_grow(struct udp_stream *s, uint64_t seq)
{
	size_t need = seq / 8 + 1, n;
	uint8_t *p;

	if (need <= s->seen_bytes)
		return 0;
	n = s->seen_bytes ? s->seen_bytes : 4096;
	while (n < need)
		n *= 2;
	p = realloc(s->seen, n);
	if (!p)
		return -1;
	memset(p + s->seen_bytes, 0, n - s->seen_bytes);
	s->seen = p;
	s->seen_bytes = n;
	return 0;
}

static void gap(struct udp_stream *s, int64_t from_ns, int64_t to_ns)
{
	if (to_ns - from_ns > s->max_gap_ns) {
		s->max_gap_ns = to_ns - from_ns;
		s->max_gap_at_ns = from_ns - s->start_ns;
	}
}

int udp_stream_add(struct udp_stream *s, uint64_t seq, int64_t sched_ns, int64_t start_ns,
		   int64_t rx_ns)
{
	if (seq > (uint64_t)(s->highest < 0 ? 0 : s->highest) + SEQ_JUMP_MAX)
		return -1;
	if (seen_grow(s, seq) < 0)
		return -1;
	if (s->seen[seq / 8] & (1u << (seq % 8))) {
		s->duplicates++;
		return 0;
	}
	s->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
	s->received++;

	if (s->last_rx_ns && rx_ns - s->last_rx_ns > s->max_rx_gap_ns)
		s->max_rx_gap_ns = rx_ns - s->last_rx_ns;
	s->last_rx_ns = rx_ns;

	if (s->highest < 0) {
		/* First arrival: the leading gap runs from the stream's start. */
		s->start_ns = start_ns;
		gap(s, start_ns, sched_ns);
	} else if ((int64_t)seq < s->highest) {
		s->reordered++;
		return 0;
	} else {
		gap(s, s->last_sched_ns, sched_ns);
	}
	s->highest = (int64_t)seq;
	s->last_sched_ns = sched_ns;
	return 0;
}

void udp_stream_finish(struct udp_stream *s, int64_t stop_sched_ns)
{
	if (stop_sched_ns <= 0)
		return;
	if (s->highest < 0) {
		/* Nothing arrived: the whole stream is one gap, if we know when it started. */
		if (s->start_ns)
			gap(s, s->start_ns, stop_sched_ns);
		return;
	}
	gap(s, s->last_sched_ns, stop_sched_ns);
}

json_t *udp_stream_json(const struct udp_stream *s, int64_t sent)
{
	bool known = sent >= 0;
	int64_t n = known ? sent : s->highest + 1;
	int64_t lost = n - (int64_t)s->received;

	return json_pack("{s:I, s:b, s:I, s:I, s:I, s:I, s:f, s:f, s:f}", "sent", (json_int_t)n,
			 "sent_known", known, "received", (json_int_t)s->received, "lost",
			 (json_int_t)(lost > 0 ? lost : 0), "duplicates", (json_int_t)s->duplicates,
			 "reordered", (json_int_t)s->reordered, "max_gap_ms",
			 probe_ms(s->max_gap_ns), "max_gap_at_ms", probe_ms(s->max_gap_at_ns),
			 "max_rx_gap_ms", probe_ms(s->max_rx_gap_ns));
}
