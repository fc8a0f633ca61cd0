/* vrrpd's hot-restart snapshot: what a new vrrpd needs to go on where the old one stopped, per
 * group its state, role, timer deadlines (absolute CLOCK_MONOTONIC ms: both processes share the
 * clock), the master heard and the counters. JSON, versioned: a reader skips fields it does not
 * know (a minor version adds fields) and refuses a newer major version (doc/hot-restart.md).
 * Pure: no sockets; the daemon moves groups in and out with vrrp_fsm_save / vrrp_fsm_restore. */
#ifndef HS_VRRP_SNAPSHOT_H
#define HS_VRRP_SNAPSHOT_H

#include <jansson.h>
#include <net/if.h>
#include <stddef.h>

#include "vrrp_fsm.h"

#define VRRP_SNAPSHOT_FORMAT "vrrpd-snapshot"
#define VRRP_SNAPSHOT_MAJOR  1
#define VRRP_SNAPSHOT_MINOR  2

/* One group, keyed by (interface, family, vrid). */
struct vrrp_snap_group {
	char interface[IF_NAMESIZE];
	int family; /* AF_INET or AF_INET6 */
	int vrid;
	enum vrrp_state state;
	enum vrrp_role role;
	struct vrrp_timers t;               /* VRRP_NEVER when disarmed */
	enum vrrp_reason master_down_cause; /* 1.1: why the master-down timer runs */
	struct hs_addr master_addr;
	uint8_t master_priority;
	uint16_t master_adver_interval_cs;
	struct vrrp_counters counters;
	uint32_t owner_added; /* 1.2: vrrpd's, an owner's VIPs it added (bit i: VIP i) */
};

struct vrrp_snapshot {
	unsigned major, minor; /* of the snapshot read */
	char role[16];         /* the VGMP role last applied, "" for none */
	size_t n_groups;
	struct vrrp_snap_group *groups;
};

/* The JSON object of a snapshot (new reference), or NULL without memory. */
json_t *vrrp_snapshot_encode(const struct vrrp_snapshot *s);
/* Fills out from j. 0; -EPROTONOSUPPORT for another format or a newer major version, -EINVAL for
 * a malformed one (err says which, out empty). Unknown fields are skipped. */
int vrrp_snapshot_decode(const json_t *j, struct vrrp_snapshot *out, char *err, size_t errlen);
void vrrp_snapshot_free(struct vrrp_snapshot *s);
/* The entry for a group, or NULL. */
const struct vrrp_snap_group *vrrp_snapshot_find(const struct vrrp_snapshot *s,
						 const char *interface, int family, int vrid);

/* The run-time state of f (an initialised, started group) into g; identity fields untouched. */
void vrrp_fsm_save(const struct vrrp_fsm *f, struct vrrp_snap_group *g);
/* Puts a saved state into f (initialised, not started) without any action: the VIPs, vMAC and
 * adverts of the old process simply go on. 0 or -EINVAL (a bad state, or a role a group of
 * this binding cannot have; f untouched). */
int vrrp_fsm_restore(struct vrrp_fsm *f, const struct vrrp_snap_group *g);

#endif
