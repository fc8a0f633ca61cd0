/* What a VRRP group does about its interface, from the kernel's facts.
 *
 * vrrpd gathers the facts (vrrpd/watch.c) at every link or address notification of the kernel,
 * and at start; this decides. A group runs only on an interface that exists, with the index it
 * was set up on, and (unbound groups) that passes traffic and has an address to advertise from:
 *
 * - An interface deleted, or deleted and created again under a new index (a VLAN, bond or veth
 *   rebuilt), leaves the group's sockets and virtual-MAC link on a dead index: the group stops
 *   and starts afresh on the new one. So does a group whose virtual-MAC link was deleted.
 * - An unbound group on an interface that is down (no carrier, or admin down) or has no address
 *   stops (Initialize), as keepalived's FAULT and FRR's Initialize do: a backup that heard no
 *   master on a dead link would become master and, once the link returns, fight the real one.
 *   A bound group stays: vgmpd tracks its interfaces and moves the pair's roles (doc/vgmp.md).
 * - A group not running starts once its interface is usable: at start, an interface without an
 *   address (a v3 advert's checksum needs it; without one a master would send nothing) or not
 *   up waits instead of failing.
 *
 * Pure: no sockets, no clocks. */
#ifndef HS_VRRP_IFACE_H
#define HS_VRRP_IFACE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h" /* struct hs_addr */

struct vrrp_iface_facts {
	bool running;       /* the group runs (started, not stopped for its interface) */
	bool bound;         /* vgmp-bound: vgmpd decides its state */
	int ifindex;        /* the interface's index now; 0: no such interface */
	int ifindex_set_up; /* the index the running group was set up on */
	bool oper_up;       /* admin up and carrier on (IFF_RUNNING) */
	bool has_address;   /* a source for adverts: an IPv4 address, or an IPv6 link-local */
	bool vmac_lost;     /* the running group's virtual-MAC link is gone */
};

enum vrrp_iface_verdict {
	VRRP_IFACE_KEEP,  /* running, and stays so */
	VRRP_IFACE_STOP,  /* running: stop (Initialize); it starts again once usable */
	VRRP_IFACE_START, /* not running, usable: set up on the current index and start */
	VRRP_IFACE_WAIT,  /* not running, not usable yet */
};

enum vrrp_iface_why {
	VRRP_IFACE_OK,
	VRRP_IFACE_MISSING,    /* no interface of that name */
	VRRP_IFACE_RENEWED,    /* deleted and created again: a new index */
	VRRP_IFACE_DOWN,       /* admin down or no carrier */
	VRRP_IFACE_NO_ADDRESS, /* nothing to advertise from */
	VRRP_IFACE_VMAC_LOST,  /* the virtual-MAC link was deleted */
	VRRP_IFACE_WHY_MAX,
};

enum vrrp_iface_verdict vrrp_iface_decide(const struct vrrp_iface_facts *f,
					  enum vrrp_iface_why *why);
/* "interface-down": as logs, the control socket and vrrp-state events name it. */
const char *vrrp_iface_why_name(enum vrrp_iface_why why);

/* The address a group advertises from, among the interface's addresses of its family in the
 * kernel's order: the current one while it is still there (an address added later never takes
 * over); otherwise the first that is not excluded (our own VIPs: a VIP on the base link is no
 * primary) and, for IPv6, link-local. 0, or -1 when there is none (out untouched). */
int vrrp_iface_pick_primary(const struct hs_addr *have, size_t n_have,
			    const struct hs_addr *current, const struct hs_addr *excluded,
			    size_t n_excluded, struct hs_addr *out);

#endif
