/* Reachability probes for VGMP trackers, pure: the ICMP echo codec (no sockets) and the probe
 * schedule of one target (when to send, which reply is expected, how many misses make it down).
 *
 * vgmpd's ICMP tracker owns the socket and the timer; it asks vgmp_probe_due() what to do at
 * each deadline, feeds every datagram through vgmp_icmp_echo_parse() and vgmp_probe_reply(), and
 * reports the probe's state to the tracker core (vgmp_track.h), where hold-down and damping
 * apply. One probe is out at a time (timeout <= interval), matched by id and sequence number.
 *
 * RFC 792 (ICMP echo), RFC 4443 (ICMPv6 echo). */
#ifndef HS_VGMP_PROBE_H
#define HS_VGMP_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vgmp_track.h"

/* ---- ICMP echo codec ---- */

#define VGMP_ICMP_ECHO_LEN 24 /* header (8) + payload (16): magic, tracker tag, send time */

enum vgmp_icmp_drop {
	VGMP_ICMP_OK,
	VGMP_ICMP_SHORT,       /* shorter than an echo header (or the IPv4 header it claims) */
	VGMP_ICMP_NOT_IP,      /* raw IPv4: not a version 4 header, or not ICMP */
	VGMP_ICMP_NOT_REPLY,   /* another ICMP type (our own request, unreachable, NS/NA, ...) */
	VGMP_ICMP_BAD_CODE,    /* echo reply with a code other than 0 */
	VGMP_ICMP_BAD_CSUM,    /* IPv4 checksum wrong (ICMPv6's is the kernel's to check) */
	VGMP_ICMP_OTHER_ID,    /* someone else's echo (raw sockets see every reply) */
	VGMP_ICMP_DROP_MAX,
};

const char *vgmp_icmp_drop_name(enum vgmp_icmp_drop d);

struct vgmp_icmp_echo {
	uint16_t id;
	uint16_t seq;
};

/* An echo request (type 8, or 128 with ipv6) of VGMP_ICMP_ECHO_LEN bytes into buf; the IPv4
 * checksum is computed, the ICMPv6 one left 0 (the kernel fills it). The bytes written, or 0 if
 * buf is too small. */
size_t vgmp_icmp_echo_build(uint8_t *buf, size_t len, bool ipv6, uint16_t id, uint16_t seq,
			    uint32_t tag);
/* A datagram read from an ICMP socket: ip_header is true for raw IPv4 sockets (the kernel hands
 * over the IP header). want_id < 0 accepts any id (datagram sockets: the kernel has matched it).
 * VGMP_ICMP_OK with *out set, or why it was dropped (*out untouched). */
enum vgmp_icmp_drop vgmp_icmp_echo_parse(const uint8_t *buf, size_t len, bool ipv6,
					 bool ip_header, int want_id, struct vgmp_icmp_echo *out);
/* The Internet checksum (RFC 1071) of len bytes. */
uint16_t vgmp_inet_csum(const uint8_t *buf, size_t len);

/* ---- the schedule of one target ---- */

struct vgmp_probe {
	uint32_t interval_ms, timeout_ms, count;
	uint16_t seq;      /* of the last probe sent */
	bool outstanding;  /* the last probe is unanswered and not yet timed out */
	uint64_t sent_ms;  /* when it went */
	uint64_t next_ms;  /* when the next one goes */
	uint32_t misses;   /* unanswered in a row */
	enum vgmp_obj_state state;
	uint64_t sent, replies, timeouts, unexpected; /* unexpected: stale or unknown seq */
	uint32_t last_rtt_ms;
};

/* count >= 1, 0 < timeout_ms <= interval_ms. The first probe is due at now. 0 or -EINVAL. */
int vgmp_probe_init(struct vgmp_probe *p, uint32_t interval_ms, uint32_t timeout_ms,
		    uint32_t count, uint64_t now_ms);

enum vgmp_probe_action { VGMP_PROBE_NOTHING, VGMP_PROBE_SEND };
/* At a deadline: times the outstanding probe out if due (a miss; down after `count` in a row),
 * and says whether a probe must go now; then *seq is its sequence number and it counts as sent
 * (call vgmp_probe_send_failed() if the socket refused it). *changed tells whether the state
 * changed. */
enum vgmp_probe_action vgmp_probe_due(struct vgmp_probe *p, uint64_t now_ms, uint16_t *seq,
				      bool *changed);
/* The socket would not take it: a miss at once (no reply can come). *changed as above. */
void vgmp_probe_send_failed(struct vgmp_probe *p, uint64_t now_ms, bool *changed);
/* A reply with seq: 0 when it answers the outstanding probe (up; misses reset), -ESTALE when it
 * does not (late, duplicate, or another seq: counted in `unexpected`). *changed as above. */
int vgmp_probe_reply(struct vgmp_probe *p, uint16_t seq, uint64_t now_ms, bool *changed);
/* The next deadline: the outstanding probe's timeout or the next send. */
uint64_t vgmp_probe_next_deadline(const struct vgmp_probe *p);

#endif
