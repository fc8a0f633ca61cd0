/* How a master that hands over lets go without losing what the LAN still sends it.
 *
 * A switch sends frames for the shared virtual MAC to the port it last saw a frame from that
 * MAC on. A master that hands over (vgmpd made it backup while the new master is already up, or
 * a graceful stop) sends a priority-0 advert from the virtual MAC, so the switch points back at
 * it until the new master's next frame. Letting go therefore has two steps:
 *
 * 1. the VIPs: held (still answering ARP / ND) until the new master's first advert, or for a
 *    hold when none comes;
 * 2. the vMAC link, after a handover: it stays up, silent (no addresses) and still forwarding,
 *    for a linger. The advert that ended step 1 may have left the new master before our last
 *    frame (it was already in flight or queued in our socket when we resigned), so the switch
 *    may still point at us; the new master answers our priority 0 at once and advertises every
 *    interval, and the linger outlasts both with room for a loaded machine. Taking the link
 *    down at once dropped 0-4 packets of a 1 ms probe at 10 ms adverts (issue 6).
 *
 * A graceful stop (unbound) needs no linger: the backup becomes master only after our priority
 * 0, so its first advert already follows our last frame. A plain step-down (no virtual MAC to
 * keep, or no handover) takes the link down at once.
 *
 * Pure arithmetic: no clocks, no sockets; vrrpd arms its timers with these. */
#ifndef HS_VRRP_LETGO_H
#define HS_VRRP_LETGO_H

#include <stdbool.h>
#include <stdint.h>

enum vrrp_letgo_kind {
	VRRP_LETGO_NOW,      /* a plain step-down: nothing to hold */
	VRRP_LETGO_HANDOVER, /* a bound master made backup by vgmpd, the new master already up */
	VRRP_LETGO_STOP,     /* an unbound master's graceful stop (the backup takes over) */
	VRRP_LETGO_MAX,
	VRRP_LETGO_INVALID = -1,
};

/* The linger of the vMAC link after a handover: 3 advert intervals, at least 100 ms (the new
 * master's answer to our priority 0 on a loaded machine), at most 3 s. */
#define VRRP_LETGO_LINGER_MIN_MS 100u
#define VRRP_LETGO_LINGER_MAX_MS 3000u

const char *vrrp_letgo_kind_name(enum vrrp_letgo_kind k);

/* Which way a master leaving its VIPs lets go: without a virtual MAC there is nothing to hold
 * (clients keep its real MAC, which still routes); a graceful stop holds as STOP; a bound group
 * that vgmpd made backup holds as HANDOVER; anything else (shutdown, hrp disabled) goes now. */
enum vrrp_letgo_kind vrrp_letgo_kind_of(bool vmac, bool stopping, bool bound_to_backup);

/* Step 1: how long the VIPs are held waiting for the new master's first advert, in ms; 0 for
 * VRRP_LETGO_NOW or an invalid kind. HANDOVER: three intervals, 20 ms to 1 s (the new master
 * answers our priority 0 at once, so this runs out only when that answer is lost). STOP: one
 * interval + 50 ms, at most 3 s (the backup waits Skew_Time, under one interval). */
uint64_t vrrp_letgo_hold_ms(enum vrrp_letgo_kind k, unsigned interval_cs);

/* Step 2: how long after letting go of the VIPs the vMAC link stays up, in ms; 0 (down at the
 * link-down timer's next turn) for everything but HANDOVER. */
uint64_t vrrp_letgo_linger_ms(enum vrrp_letgo_kind k, unsigned interval_cs);

#endif
