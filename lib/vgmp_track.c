/* VGMP tracked objects: hold-down, flap damping, the running priority and its ledger. One
 * function, set_contribution(), changes the priority, and it writes the ledger entry.
 *
 * Choices (doc/vgmp.md says the same for operators):
 * - A flap is an up -> down report; unknown -> down is a first report, not a flap.
 * - A down shorter than the hold-down never counts, but it is still a flap for damping.
 * - A suppressed object counts as down even while it reports up; once reused it counts as what
 *   it reports. While a down is within its hold-down, the object keeps the effect it had.
 * - Unknown counts as up (Huawei's OSPF tracking does not count a neighbour before its first
 *   check either).
 * - The penalty decays by halving per half-life, linearly within one: integers only, exact at
 *   every half-life, so the reuse time can be computed rather than polled. */
#include "vgmp_track.h"

#include <errno.h>
#include <string.h>

#define DAMP_LIMIT     1000000u  /* penalty, suppress and reuse at most */
#define HALF_LIFE_MAX  86400000u /* one day */
#define DAMP_MAX_RATIO 4u        /* default cap: 4 * suppress */

static const char *const obj_names[VGMP_OBJ_MAX] = {
	[VGMP_OBJ_UNKNOWN] = "unknown",
	[VGMP_OBJ_UP] = "up",
	[VGMP_OBJ_DOWN] = "down",
};

static const char *const cause_names[VGMP_LEDGER_CAUSE_MAX] = {
	[VGMP_LEDGER_DOWN] = "down",
	[VGMP_LEDGER_UP] = "up",
	[VGMP_LEDGER_UNKNOWN] = "unknown",
	[VGMP_LEDGER_SUPPRESSED] = "suppressed (flapping)",
	[VGMP_LEDGER_REUSED] = "reused (damping decayed)",
	[VGMP_LEDGER_REMOVED] = "removed",
	[VGMP_LEDGER_BASE] = "base priority",
	[VGMP_LEDGER_PENALTY] = "fault penalty",
};

const char *vgmp_obj_state_name(enum vgmp_obj_state s)
{
	return (int)s >= 0 && s < VGMP_OBJ_MAX ? obj_names[s] : "?";
}

const char *vgmp_ledger_cause_name(enum vgmp_ledger_cause c)
{
	return (int)c >= 0 && c < VGMP_LEDGER_CAUSE_MAX ? cause_names[c] : "?";
}

/* ---- damping arithmetic ---- */

uint32_t vgmp_damp_decay(uint32_t p, uint64_t dt_ms, uint32_t half_life_ms)
{
	if (half_life_ms == 0)
		return p;
	uint64_t k = dt_ms / half_life_ms, r = dt_ms % half_life_ms;
	if (k >= 32)
		return 0;
	uint64_t q = p >> k;
	return (uint32_t)(q - q * r / (2u * (uint64_t)half_life_ms));
}

/* ceil(a * b / q) for a <= q, without overflowing 64 bits. */
static uint64_t mul_div_ceil(uint64_t a, uint64_t b, uint64_t q)
{
	uint64_t whole = b / q, rest = b % q;
	return a * whole + (a * rest + q - 1) / q;
}

uint64_t vgmp_damp_reuse_after(uint32_t p, uint32_t reuse, uint32_t half_life_ms)
{
	if (p < reuse)
		return 0;
	if (reuse == 0 || half_life_ms == 0)
		return VGMP_NEVER;
	/* k: the last half-life that starts at or above reuse; the crossing is inside it or at
	 * its end. */
	unsigned k = 0;
	while (k < 31 && (p >> (k + 1)) >= reuse)
		k++;
	uint64_t q = p >> k, h = half_life_ms;
	/* q - floor(q r / 2h) < reuse  <=>  q r >= (q - reuse + 1) 2h */
	uint64_t r = mul_div_ceil(q - reuse + 1, 2u * h, q);
	if (r > h)
		r = h;
	return (uint64_t)k * h + r;
}

/* ---- the registry ---- */

static uint64_t since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

static bool valid_id(const struct vgmp_track *t, int id)
{
	return id >= 0 && id < VGMP_TRACKERS_MAX && t->t[id].used;
}

static int weight(const struct vgmp_track *t, const struct vgmp_tracker *k)
{
	return k->p.weight ? k->p.weight : t->fault_penalty;
}

static uint16_t compute(const struct vgmp_track *t)
{
	long sum = t->base;
	for (int i = 0; i < VGMP_TRACKERS_MAX; i++)
		if (t->t[i].used)
			sum += t->t[i].contribution;
	if (sum < 0)
		return 0;
	return sum > 65535 ? 65535 : (uint16_t)sum;
}

static void ledger_add(struct vgmp_track *t, uint64_t now, int id, const char *name, int delta,
		       uint16_t old, enum vgmp_ledger_cause cause)
{
	struct vgmp_ledger_entry *e = &t->ledger[t->ledger_total % VGMP_LEDGER_MAX];
	*e = (struct vgmp_ledger_entry){
		.time_ms = now,
		.tracker = id,
		.delta = delta,
		.old_priority = old,
		.new_priority = t->priority,
		.cause = cause,
	};
	size_t n = strnlen(name, sizeof(e->name) - 1);
	memcpy(e->name, name, n); /* e->name is zeroed above */
	t->ledger_total++;
}

/* The one place the priority changes: a tracker's contribution, recomputed, recorded. */
static void set_contribution(struct vgmp_track *t, int id, int contribution,
			     enum vgmp_ledger_cause cause, uint64_t now)
{
	struct vgmp_tracker *k = &t->t[id];
	if (contribution == k->contribution)
		return;
	uint16_t old = t->priority;
	int delta = contribution - k->contribution;
	k->contribution = contribution;
	t->priority = compute(t);
	ledger_add(t, now, id, k->p.name, delta, old, cause);
}

/* Works out what the tracker counts as now and applies it. */
static void refresh(struct vgmp_track *t, int id, uint64_t now, bool newly_suppressed)
{
	struct vgmp_tracker *k = &t->t[id];
	bool reused = false;
	if (k->suppressed && vgmp_tracker_penalty(k, now) < k->p.damp.reuse) {
		k->suppressed = false;
		reused = true;
	}
	enum vgmp_obj_state eff = k->raw;
	if (k->suppressed)
		eff = VGMP_OBJ_DOWN;
	else if (k->raw == VGMP_OBJ_DOWN && since(now, k->raw_since_ms) < k->p.hold_down_ms)
		eff = k->effective; /* within the hold-down: keep the effect it had */
	enum vgmp_ledger_cause cause = eff == VGMP_OBJ_DOWN ? VGMP_LEDGER_DOWN
				       : eff == VGMP_OBJ_UP ? VGMP_LEDGER_UP
							    : VGMP_LEDGER_UNKNOWN;
	if (newly_suppressed)
		cause = VGMP_LEDGER_SUPPRESSED;
	else if (reused)
		cause = VGMP_LEDGER_REUSED;
	if (eff != k->effective) {
		k->effective = eff;
		k->changed_ms = now;
	}
	set_contribution(t, id, eff == VGMP_OBJ_DOWN ? -weight(t, k) : 0, cause, now);
}

uint32_t vgmp_tracker_penalty(const struct vgmp_tracker *k, uint64_t now_ms)
{
	return vgmp_damp_decay(k->penalty, since(now_ms, k->penalty_ms), k->p.damp.half_life_ms);
}

int vgmp_track_init(struct vgmp_track *t, uint16_t base, uint16_t fault_penalty)
{
	if (!t || base == 0 || fault_penalty == 0)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->base = base;
	t->fault_penalty = fault_penalty;
	t->priority = base;
	return 0;
}

int vgmp_track_reconfigure(struct vgmp_track *t, uint16_t base, uint16_t fault_penalty,
			   uint64_t now_ms)
{
	if (!t || base == 0 || fault_penalty == 0)
		return -EINVAL;
	if (base != t->base) {
		uint16_t old = t->priority;
		int delta = (int)base - (int)t->base;
		t->base = base;
		t->priority = compute(t);
		ledger_add(t, now_ms, VGMP_NO_TRACKER, "base", delta, old, VGMP_LEDGER_BASE);
	}
	t->fault_penalty = fault_penalty;
	for (int i = 0; i < VGMP_TRACKERS_MAX; i++) {
		struct vgmp_tracker *k = &t->t[i];
		if (k->used && k->effective == VGMP_OBJ_DOWN)
			set_contribution(t, i, -weight(t, k), VGMP_LEDGER_PENALTY, now_ms);
	}
	return 0;
}

void vgmp_track_recompute(struct vgmp_track *t)
{
	for (int i = 0; i < VGMP_TRACKERS_MAX; i++) {
		struct vgmp_tracker *k = &t->t[i];
		if (k->used)
			k->contribution = k->effective == VGMP_OBJ_DOWN ? -weight(t, k) : 0;
	}
	t->priority = compute(t);
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static bool params_ok(const struct vgmp_tracker_params *p)
{
	if (!terminated(p->name, sizeof(p->name)) || !p->name[0] ||
	    !terminated(p->type, sizeof(p->type)))
		return false;
	const struct vgmp_damping *d = &p->damp;
	if (d->penalty == 0)
		return true;
	if (d->penalty > DAMP_LIMIT || d->suppress > DAMP_LIMIT || d->reuse == 0 ||
	    d->reuse >= d->suppress || d->half_life_ms == 0 || d->half_life_ms > HALF_LIFE_MAX)
		return false;
	return d->max_penalty == 0 ||
	       (d->max_penalty >= d->suppress && d->max_penalty <= DAMP_MAX_RATIO * DAMP_LIMIT);
}

int vgmp_track_add(struct vgmp_track *t, const struct vgmp_tracker_params *p, uint64_t now_ms)
{
	if (!t || !p || !params_ok(p))
		return -EINVAL;
	if (vgmp_track_find(t, p->name) >= 0)
		return -EEXIST;
	for (int i = 0; i < VGMP_TRACKERS_MAX; i++) {
		struct vgmp_tracker *k = &t->t[i];
		if (k->used)
			continue;
		*k = (struct vgmp_tracker){
			.used = true,
			.p = *p,
			.raw = VGMP_OBJ_UNKNOWN,
			.raw_since_ms = now_ms,
			.effective = VGMP_OBJ_UNKNOWN,
			.penalty_ms = now_ms,
			.changed_ms = now_ms,
		};
		if (k->p.damp.penalty && !k->p.damp.max_penalty)
			k->p.damp.max_penalty = DAMP_MAX_RATIO * k->p.damp.suppress;
		return i;
	}
	return -ENOSPC;
}

int vgmp_track_remove(struct vgmp_track *t, int id, uint64_t now_ms)
{
	if (!t || !valid_id(t, id))
		return -ENOENT;
	set_contribution(t, id, 0, VGMP_LEDGER_REMOVED, now_ms);
	memset(&t->t[id], 0, sizeof(t->t[id]));
	return 0;
}

int vgmp_track_find(const struct vgmp_track *t, const char *name)
{
	for (int i = 0; t && name && i < VGMP_TRACKERS_MAX; i++)
		if (t->t[i].used && strcmp(t->t[i].p.name, name) == 0)
			return i;
	return -ENOENT;
}

const struct vgmp_tracker *vgmp_track_get(const struct vgmp_track *t, int id)
{
	return t && valid_id(t, id) ? &t->t[id] : NULL;
}

int vgmp_track_set(struct vgmp_track *t, int id, enum vgmp_obj_state s, uint64_t now_ms)
{
	if (!t || !valid_id(t, id))
		return -ENOENT;
	if ((int)s < 0 || s >= VGMP_OBJ_MAX)
		return -EINVAL;
	struct vgmp_tracker *k = &t->t[id];
	bool newly_suppressed = false;
	if (s != k->raw && k->raw == VGMP_OBJ_UP && s == VGMP_OBJ_DOWN) {
		k->flaps++;
		const struct vgmp_damping *d = &k->p.damp;
		if (d->penalty) {
			uint64_t p = (uint64_t)vgmp_tracker_penalty(k, now_ms) + d->penalty;
			k->penalty = (uint32_t)(p > d->max_penalty ? d->max_penalty : p);
			k->penalty_ms = now_ms;
			if (!k->suppressed && k->penalty >= d->suppress) {
				k->suppressed = true;
				k->suppressions++;
				newly_suppressed = true;
			}
		}
	}
	if (s != k->raw) {
		k->raw = s;
		k->raw_since_ms = now_ms;
	}
	refresh(t, id, now_ms, newly_suppressed);
	return 0;
}

void vgmp_track_timer(struct vgmp_track *t, uint64_t now_ms)
{
	for (int i = 0; i < VGMP_TRACKERS_MAX; i++)
		if (t->t[i].used)
			refresh(t, i, now_ms, false);
}

static uint64_t tracker_deadline(const struct vgmp_tracker *k)
{
	if (k->suppressed) {
		uint64_t dt =
			vgmp_damp_reuse_after(k->penalty, k->p.damp.reuse, k->p.damp.half_life_ms);
		return dt == VGMP_NEVER ? VGMP_NEVER : k->penalty_ms + dt;
	}
	if (k->raw == VGMP_OBJ_DOWN && k->effective != VGMP_OBJ_DOWN)
		return k->raw_since_ms + k->p.hold_down_ms;
	return VGMP_NEVER;
}

uint64_t vgmp_track_next_deadline(const struct vgmp_track *t)
{
	uint64_t next = VGMP_NEVER;
	for (int i = 0; i < VGMP_TRACKERS_MAX; i++) {
		if (!t->t[i].used)
			continue;
		uint64_t d = tracker_deadline(&t->t[i]);
		if (d < next)
			next = d;
	}
	return next;
}

bool vgmp_track_degraded(const struct vgmp_track *t)
{
	return t->priority < t->base;
}

size_t vgmp_ledger_count(const struct vgmp_track *t)
{
	return t->ledger_total < VGMP_LEDGER_MAX ? (size_t)t->ledger_total : VGMP_LEDGER_MAX;
}

const struct vgmp_ledger_entry *vgmp_ledger_get(const struct vgmp_track *t, size_t i)
{
	if (i >= vgmp_ledger_count(t))
		return NULL;
	return &t->ledger[(t->ledger_total - 1 - i) % VGMP_LEDGER_MAX];
}
