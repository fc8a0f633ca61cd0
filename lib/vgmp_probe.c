/* ICMP echo codec and probe schedule (see vgmp_probe.h). */
#include "vgmp_probe.h"

#include <errno.h>
#include <string.h>

#define ICMP4_ECHO_REQUEST 8
#define ICMP4_ECHO_REPLY   0
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY   129
#define ICMP_HDR_LEN       8
#define IPPROTO_ICMP_NUM   1
#define PROBE_MAGIC        0x68735670u /* "hsVp" */

static const char *const drop_names[VGMP_ICMP_DROP_MAX] = {
	[VGMP_ICMP_OK] = "ok",
	[VGMP_ICMP_SHORT] = "too short",
	[VGMP_ICMP_NOT_IP] = "not an IPv4 ICMP packet",
	[VGMP_ICMP_NOT_REPLY] = "not an echo reply",
	[VGMP_ICMP_BAD_CODE] = "bad code",
	[VGMP_ICMP_BAD_CSUM] = "bad checksum",
	[VGMP_ICMP_OTHER_ID] = "another id",
};

const char *vgmp_icmp_drop_name(enum vgmp_icmp_drop d)
{
	return d < VGMP_ICMP_DROP_MAX ? drop_names[d] : "?";
}

uint16_t vgmp_inet_csum(const uint8_t *buf, size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)buf[i] << 8 | buf[i + 1];
	if (len & 1)
		sum += (uint32_t)buf[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

size_t vgmp_icmp_echo_build(uint8_t *buf, size_t len, bool ipv6, uint16_t id, uint16_t seq,
			    uint32_t tag)
{
	if (len < VGMP_ICMP_ECHO_LEN)
		return 0;
	memset(buf, 0, VGMP_ICMP_ECHO_LEN);
	buf[0] = ipv6 ? ICMP6_ECHO_REQUEST : ICMP4_ECHO_REQUEST;
	put16(buf + 4, id);
	put16(buf + 6, seq);
	put32(buf + 8, PROBE_MAGIC);
	put32(buf + 12, tag);
	if (!ipv6)
		put16(buf + 2, vgmp_inet_csum(buf, VGMP_ICMP_ECHO_LEN));
	return VGMP_ICMP_ECHO_LEN;
}

enum vgmp_icmp_drop vgmp_icmp_echo_parse(const uint8_t *buf, size_t len, bool ipv6,
					 bool ip_header, int want_id, struct vgmp_icmp_echo *out)
{
	if (ip_header && !ipv6) {
		if (len < 20)
			return VGMP_ICMP_SHORT;
		size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
		if (buf[0] >> 4 != 4 || ihl < 20 || buf[9] != IPPROTO_ICMP_NUM)
			return VGMP_ICMP_NOT_IP;
		if (len < ihl)
			return VGMP_ICMP_SHORT;
		buf += ihl;
		len -= ihl;
	}
	if (len < ICMP_HDR_LEN)
		return VGMP_ICMP_SHORT;
	if (buf[0] != (ipv6 ? ICMP6_ECHO_REPLY : ICMP4_ECHO_REPLY))
		return VGMP_ICMP_NOT_REPLY;
	if (buf[1] != 0)
		return VGMP_ICMP_BAD_CODE;
	if (!ipv6 && vgmp_inet_csum(buf, len) != 0)
		return VGMP_ICMP_BAD_CSUM;
	uint16_t id = get16(buf + 4);
	if (want_id >= 0 && id != (uint16_t)want_id)
		return VGMP_ICMP_OTHER_ID;
	out->id = id;
	out->seq = get16(buf + 6);
	return VGMP_ICMP_OK;
}

/* ---- schedule ---- */

int vgmp_probe_init(struct vgmp_probe *p, uint32_t interval_ms, uint32_t timeout_ms,
		    uint32_t count, uint64_t now_ms)
{
	if (count < 1 || timeout_ms == 0 || timeout_ms > interval_ms)
		return -EINVAL;
	*p = (struct vgmp_probe){ .interval_ms = interval_ms, .timeout_ms = timeout_ms,
				  .count = count, .next_ms = now_ms, .state = VGMP_OBJ_UNKNOWN };
	return 0;
}

static void set_state(struct vgmp_probe *p, enum vgmp_obj_state s, bool *changed)
{
	if (p->state != s) {
		p->state = s;
		*changed = true;
	}
}

static void miss(struct vgmp_probe *p, bool *changed)
{
	p->outstanding = false;
	p->timeouts++;
	if (p->misses < UINT32_MAX)
		p->misses++;
	if (p->misses >= p->count)
		set_state(p, VGMP_OBJ_DOWN, changed);
}

enum vgmp_probe_action vgmp_probe_due(struct vgmp_probe *p, uint64_t now_ms, uint16_t *seq,
				      bool *changed)
{
	*changed = false;
	if (p->outstanding && now_ms >= p->sent_ms + p->timeout_ms)
		miss(p, changed);
	if (now_ms < p->next_ms)
		return VGMP_PROBE_NOTHING;
	/* A late loop turn does not send a burst: the schedule restarts from now. */
	p->next_ms = p->next_ms + p->interval_ms > now_ms ? p->next_ms + p->interval_ms
							  : now_ms + p->interval_ms;
	p->seq++;
	p->outstanding = true;
	p->sent_ms = now_ms;
	p->sent++;
	*seq = p->seq;
	return VGMP_PROBE_SEND;
}

void vgmp_probe_send_failed(struct vgmp_probe *p, uint64_t now_ms, bool *changed)
{
	*changed = false;
	if (p->outstanding)
		miss(p, changed);
}

int vgmp_probe_reply(struct vgmp_probe *p, uint16_t seq, uint64_t now_ms, bool *changed)
{
	*changed = false;
	if (!p->outstanding || seq != p->seq || now_ms >= p->sent_ms + p->timeout_ms) {
		p->unexpected++;
		return -ESTALE;
	}
	p->outstanding = false;
	p->replies++;
	p->misses = 0;
	p->last_rtt_ms = (uint32_t)(now_ms - p->sent_ms);
	set_state(p, VGMP_OBJ_UP, changed);
	return 0;
}

uint64_t vgmp_probe_next_deadline(const struct vgmp_probe *p)
{
	uint64_t next = p->next_ms;
	if (p->outstanding && p->sent_ms + p->timeout_ms < next)
		next = p->sent_ms + p->timeout_ms;
	return next;
}
