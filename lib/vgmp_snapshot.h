/* vgmpd's hot-restart snapshot: what a new vgmpd needs to go on where the old one stopped without
 * one action of its own: the state, its reason and the wanted state, hrp enable / freeze /
 * readiness, every timer as an absolute CLOCK_MONOTONIC ms deadline (both processes share the
 * clock; null when disarmed), the trackers' run-time states (hold-down, damping), the view of the
 * peer, a handover under way, the OSPF cost applied, the ledger, the history and the counters.
 *
 * JSON, versioned like vrrpd's (lib/vrrp_snapshot.h): a reader skips the fields it does not know
 * at every level (a minor version adds fields) and refuses another format or a newer major
 * version whole; a malformed snapshot (a missing field, an unknown state name, a list too long)
 * is refused whole too. doc/hot-restart.md.
 *
 * Pure: no sockets, no clock. Two steps so that a refusal comes before the daemon does anything:
 * decode (checks everything) into a struct vgmp_snapshot, then restore into a core made by
 * vgmp_init() whose trackers were added from the config (matched by name). */
#ifndef HS_VGMP_SNAPSHOT_H
#define HS_VGMP_SNAPSHOT_H

#include <jansson.h>
#include <stddef.h>

#include "vgmp_fsm.h"

#define VGMP_SNAPSHOT_FORMAT "vgmpd-snapshot"
#define VGMP_SNAPSHOT_MAJOR  1
#define VGMP_SNAPSHOT_MINOR  4

struct vgmp_snapshot {
	unsigned major, minor; /* of the snapshot read */
	uint16_t priority;     /* the priority the old process announced */
	/* The saved run-time state. p, ops and ctx are unused; track.t[] holds the saved trackers
	 * in their saved slots (name, type and run-time fields; no other settings). */
	struct vgmp core;
};

/* The core's counters as the snapshot holds them (new reference): {"transitions", ...,
 * "entered": {STATE: n}, "nacks_sent": {REASON: n}}; vgmpd's status shows the same object. */
json_t *vgmp_counters_encode(const struct vgmp_counters *c);

/* The JSON object of v's run-time state (new reference), or NULL without memory. */
json_t *vgmp_snapshot_encode(const struct vgmp *v);
/* Fills *out from j (out may be large: allocate it). 0; -EPROTONOSUPPORT for another format or
 * a newer major version, -EINVAL for a malformed one (err says which). Unknown fields are
 * skipped. */
int vgmp_snapshot_decode(const json_t *j, struct vgmp_snapshot *out, char *err, size_t errlen);

/* Puts the saved state into v (vgmp_init'ed, its trackers added) without any action: no hello,
 * no role, no OSPF cost, no notify. A saved tracker goes to v's tracker of the same name; one
 * that v lacks is dropped, one that v has and the snapshot lacks stays as added (unknown).
 * Contributions and the priority are worked out again with v's weights; if the priority is not
 * the one announced, a hello is due at the next event. Returns how many trackers were matched. */
int vgmp_snapshot_restore(struct vgmp *v, const struct vgmp_snapshot *s);

#endif
