/* VGMP tracked objects and the priority ledger, pure.
 *
 * The running priority is OpenBSD carp's demotion counter turned upside down: the base priority
 * (45000) minus the contribution of every tracked object that counts as down (the group's fault
 * penalty, 2, or the tracker's own weight). The I/O trackers (interfaces, IP links, OSPF
 * neighbours, ...) live in vgmpd; they only report up / down / unknown here, with the time.
 *
 * What counts as down is decided per tracker:
 * - hold-down: a down counts once it has lasted hold_down_ms (an up counts at once);
 * - flap damping: every up -> down adds `penalty`, which halves every half_life_ms; at
 *   `suppress` or above the object is suppressed and counts as down whatever it reports, until
 *   the penalty has decayed below `reuse` (RFC 2439's scheme, in integers: see vgmp_damp_decay);
 * - unknown (no report yet, or the tracker cannot tell) counts as up: it never costs priority.
 *
 * Every change of a tracker's contribution (and of the base or the penalty) is written to the
 * ledger, a ring of the last VGMP_LEDGER_MAX changes: time, tracker, delta, old and new priority,
 * cause. `display hrp state verbose` prints it with each tracker's current contribution.
 *
 * Functions return 0 (or an id) or a negative errno; outputs are untouched on failure. */
#ifndef HS_VGMP_TRACK_H
#define HS_VGMP_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vgmp_role.h"

#define VGMP_TRACKERS_MAX     64
#define VGMP_LEDGER_MAX       32
#define VGMP_TRACKER_NAME_MAX 64
#define VGMP_TRACKER_TYPE_MAX 16
#define VGMP_NO_TRACKER       (-1) /* a ledger entry not caused by a tracker */

enum vgmp_obj_state {
	VGMP_OBJ_UNKNOWN,
	VGMP_OBJ_UP,
	VGMP_OBJ_DOWN,
	VGMP_OBJ_MAX,
	VGMP_OBJ_INVALID = -1,
};

enum vgmp_ledger_cause {
	VGMP_LEDGER_DOWN,       /* counts as down (at once, or when its hold-down ran out) */
	VGMP_LEDGER_UP,         /* came back */
	VGMP_LEDGER_UNKNOWN,    /* its state is no longer known: counts as up */
	VGMP_LEDGER_SUPPRESSED, /* flapping: damped, counts as down */
	VGMP_LEDGER_REUSED,     /* its penalty decayed below reuse: counts as what it reports */
	VGMP_LEDGER_REMOVED,    /* taken out of the registry */
	VGMP_LEDGER_BASE,       /* the base priority was reconfigured */
	VGMP_LEDGER_PENALTY,    /* the fault penalty was reconfigured */
	VGMP_LEDGER_CAUSE_MAX,
	VGMP_LEDGER_CAUSE_INVALID = -1,
};

const char *vgmp_obj_state_name(enum vgmp_obj_state s);
const char *vgmp_ledger_cause_name(enum vgmp_ledger_cause c);

/* Flap damping; penalty 0 turns it off. Otherwise 0 < reuse < suppress <= max_penalty and
 * half_life_ms > 0. */
struct vgmp_damping {
	uint32_t penalty;      /* added per flap (up -> down) */
	uint32_t suppress;     /* at or above: suppressed */
	uint32_t reuse;        /* suppressed until the penalty is below this */
	uint32_t half_life_ms; /* the penalty halves in this time */
	uint32_t max_penalty;  /* cap; 0: 4 * suppress */
};

struct vgmp_tracker_params {
	char name[VGMP_TRACKER_NAME_MAX]; /* unique, non-empty: "GigabitEthernet0/0/2", "bfd 1" */
	char type[VGMP_TRACKER_TYPE_MAX]; /* free text for display: "interface", "ip-link", ... */
	uint32_t hold_down_ms;            /* 0: a down counts at once */
	uint16_t weight;                  /* priority lost while down; 0: the fault penalty */
	struct vgmp_damping damp;
};

struct vgmp_tracker {
	bool used;
	struct vgmp_tracker_params p;
	enum vgmp_obj_state raw; /* last report */
	uint64_t raw_since_ms;
	enum vgmp_obj_state effective; /* what counts, after hold-down and damping */
	bool suppressed;
	uint32_t penalty; /* damping penalty as of penalty_ms (decays from there) */
	uint64_t penalty_ms;
	int contribution; /* 0 or minus the weight */
	uint64_t changed_ms;
	uint32_t flaps;
	uint32_t suppressions;
};

struct vgmp_ledger_entry {
	uint64_t time_ms;
	int tracker; /* id, or VGMP_NO_TRACKER */
	char name[VGMP_TRACKER_NAME_MAX];
	int delta; /* change of the contribution (or of the base) */
	uint16_t old_priority;
	uint16_t new_priority;
	enum vgmp_ledger_cause cause;
};

struct vgmp_track {
	uint16_t base;
	uint16_t fault_penalty;
	uint16_t priority; /* base + contributions, clamped to 0-65535 */
	struct vgmp_tracker t[VGMP_TRACKERS_MAX];
	struct vgmp_ledger_entry ledger[VGMP_LEDGER_MAX];
	uint64_t ledger_total; /* entries ever written */
};

/* base 1-65535, fault_penalty 1-65535. 0 or -EINVAL. */
int vgmp_track_init(struct vgmp_track *t, uint16_t base, uint16_t fault_penalty);
/* New base and penalty; ledger entries for the base and for each down tracker whose contribution
 * changes. 0 or -EINVAL. */
int vgmp_track_reconfigure(struct vgmp_track *t, uint16_t base, uint16_t fault_penalty,
			   uint64_t now_ms);

/* After a restore (vgmp_snapshot.h): every contribution from the tracker's effective state and
 * its weight, and the priority from them; no ledger entry (nothing changed, it is carried). */
void vgmp_track_recompute(struct vgmp_track *t);

/* A new tracker, state unknown. Its id (>= 0), or -EINVAL (bad params), -EEXIST (name taken),
 * -ENOSPC. */
int vgmp_track_add(struct vgmp_track *t, const struct vgmp_tracker_params *p, uint64_t now_ms);
/* Its contribution goes back (ledger: removed). 0 or -ENOENT. */
int vgmp_track_remove(struct vgmp_track *t, int id, uint64_t now_ms);
/* The id of a tracker by name, or -ENOENT. */
int vgmp_track_find(const struct vgmp_track *t, const char *name);
/* NULL if id is not in use. */
const struct vgmp_tracker *vgmp_track_get(const struct vgmp_track *t, int id);

/* A report: up, down or unknown. 0, -ENOENT or -EINVAL. */
int vgmp_track_set(struct vgmp_track *t, int id, enum vgmp_obj_state s, uint64_t now_ms);
/* Runs hold-downs and damping reuse that are due. */
void vgmp_track_timer(struct vgmp_track *t, uint64_t now_ms);
/* When a hold-down runs out or a suppressed tracker may be reused; VGMP_NEVER if none. */
uint64_t vgmp_track_next_deadline(const struct vgmp_track *t);

/* Below the base: some tracked object costs priority. */
bool vgmp_track_degraded(const struct vgmp_track *t);
/* A tracker's damping penalty decayed to now. */
uint32_t vgmp_tracker_penalty(const struct vgmp_tracker *k, uint64_t now_ms);

/* The ledger: count (at most VGMP_LEDGER_MAX) and entry i, 0 the newest; NULL past the end. */
size_t vgmp_ledger_count(const struct vgmp_track *t);
const struct vgmp_ledger_entry *vgmp_ledger_get(const struct vgmp_track *t, size_t i);

/* The damping arithmetic, exposed for tests and display. decay: p after dt_ms: halved per whole
 * half-life, linear within one (exact at every half-life, never increasing). reuse_after: the
 * least dt with decay(p, dt) < reuse (0 if p < reuse already); half_life_ms > 0. */
uint32_t vgmp_damp_decay(uint32_t p, uint64_t dt_ms, uint32_t half_life_ms);
uint64_t vgmp_damp_reuse_after(uint32_t p, uint32_t reuse, uint32_t half_life_ms);

#endif
