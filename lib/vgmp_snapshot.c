/* vgmpd's hot-restart snapshot in JSON (see vgmp_snapshot.h), and its restore into a new core.
 * Enum values travel by their names (the tables of vgmp_names.c, vgmp_role.c, vgmp_track.c and
 * hrp_msg.c): renaming one is a new major version. */
#include "vgmp_snapshot.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- names: int-taking wrappers, so that one lookup serves every table ---- */

typedef const char *(*name_fn)(int);

static const char *state_n(int i)
{
	return vgmp_state_name((enum vgmp_state)i);
}
static const char *reason_n(int i)
{
	return vgmp_reason_name((enum vgmp_reason)i);
}
static const char *event_n(int i)
{
	return vgmp_event_name((enum vgmp_event)i);
}
static const char *peer_status_n(int i)
{
	return vgmp_peer_status_name((enum vgmp_peer_status)i);
}
static const char *result_n(int i)
{
	return vgmp_req_result_name((enum vgmp_req_result)i);
}
static const char *cost_n(int i)
{
	return vgmp_cost_name((enum vgmp_cost)i);
}
static const char *obj_n(int i)
{
	return vgmp_obj_state_name((enum vgmp_obj_state)i);
}
static const char *cause_n(int i)
{
	return vgmp_ledger_cause_name((enum vgmp_ledger_cause)i);
}
static const char *hrp_reason_n(int i)
{
	return hrp_vgmp_reason_name((unsigned)i);
}
static const char *mode_n(int i)
{
	return hs_vgmp_mode_name(i);
}

static int lookup(name_fn fn, int max, const char *s)
{
	for (int i = 0; s && i < max; i++)
		if (strcmp(fn(i), s) == 0)
			return i;
	return -1;
}

/* The counters by name: a reader keeps those it knows. */
#define C(field)                                                                                   \
	{                                                                                          \
#field, offsetof(struct vgmp_counters, field)                                      \
	}
static const struct {
	const char *name;
	size_t off;
} counters[] = {
	C(transitions),      C(preempts),           C(hellos),
	C(requests_sent),    C(requests_acked),     C(requests_nacked),
	C(requests_timeout), C(requests_received),  C(acks_sent),
	C(answers_stale),    C(handover_timeouts),  C(split_brain_holds),
	C(reannounces),      C(frozen_holds),       C(ties_unresolved),
	C(ospf_changes),     C(silent_takeovers),   C(late_acks),
	C(silent_held),      C(handover_stepbacks), C(peer_unreachable),
};
#undef C
#define N_COUNTERS (sizeof(counters) / sizeof(counters[0]))

/* ---- encode ---- */

/* A time or deadline: null when disarmed (VGMP_NEVER). */
static json_t *ms(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? json_null() : json_integer((json_int_t)v);
}

static json_t *u64(uint64_t v)
{
	return json_integer((json_int_t)(v > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : v));
}

json_t *vgmp_counters_encode(const struct vgmp_counters *c)
{
	json_t *o = json_object();
	for (size_t i = 0; i < N_COUNTERS; i++) {
		uint64_t v;
		memcpy(&v, (const char *)c + counters[i].off, sizeof(v));
		json_object_set_new(o, counters[i].name, u64(v));
	}
	json_t *entered = json_object(), *nacks = json_object();
	for (int s = 0; s < VGMP_STATE_MAX; s++)
		json_object_set_new(entered, state_n(s), u64(c->entered[s]));
	for (int r = 0; r < HRP_VGMP_REASON_MAX; r++)
		if (c->nacks_sent[r])
			json_object_set_new(nacks, hrp_reason_n(r), u64(c->nacks_sent[r]));
	json_object_set_new(o, "entered", entered);
	json_object_set_new(o, "nacks_sent", nacks);
	return o;
}

static json_t *peer_encode(const struct vgmp_peer *p)
{
	json_t *o = json_object();
	json_object_set_new(o, "status", json_string(peer_status_n(p->status)));
	json_object_set_new(o, "since_ms", ms(p->since_ms));
	json_object_set_new(o, "heard_ms", ms(p->heard_ms));
	json_object_set_new(o, "priority", json_integer(p->priority));
	json_object_set_new(o, "state", json_string(state_n(p->state)));
	json_object_set_new(o, "readiness", json_integer(p->readiness));
	json_object_set_new(o, "mode", p->has_mode ? json_string(mode_n(p->mode)) : json_null());
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "adverts_seen", json_boolean(p->adverts_seen));
	json_object_set_new(o, "silent", json_boolean(p->silent));
	json_object_set_new(o, "unreachable", json_boolean(p->unreachable));
	return o;
}

static json_t *handover_encode(const struct vgmp_handover *h)
{
	json_t *o = json_object();
	json_object_set_new(o, "giving", json_boolean(h->giving));
	json_object_set_new(o, "acked", json_boolean(h->acked));
	json_object_set_new(o, "reason", json_string(hrp_reason_n(h->reason)));
	json_object_set_new(o, "request_id", json_integer(h->request_id));
	json_object_set_new(o, "sent_ms", ms(h->sent_ms));
	json_object_set_new(o, "acked_ms", ms(h->acked_ms));
	json_object_set_new(o, "retry_ms", ms(h->retry_ms));
	json_object_set_new(o, "taking", json_boolean(h->taking));
	json_object_set_new(o, "taking_ms", ms(h->taking_ms));
	json_object_set_new(o, "yielded", json_boolean(h->yielded));
	json_object_set_new(o, "yielded_prio", json_integer(h->yielded_prio));
	json_object_set_new(o, "releasing", json_boolean(h->releasing));
	json_object_set_new(o, "release_ms", ms(h->release_ms));
	json_object_set_new(o, "handed", json_boolean(h->handed));
	json_object_set_new(o, "dead_ms", ms(h->dead_ms));
	json_object_set_new(o, "result", json_string(result_n(h->result)));
	json_object_set_new(o, "result_reason", json_string(hrp_reason_n(h->result_reason)));
	json_object_set_new(o, "result_ms", ms(h->result_ms));
	return o;
}

static json_t *tracker_encode(const struct vgmp_tracker *k)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(k->p.name));
	json_object_set_new(o, "type", json_string(k->p.type));
	json_object_set_new(o, "reported", json_string(obj_n(k->raw)));
	json_object_set_new(o, "reported_since_ms", ms(k->raw_since_ms));
	json_object_set_new(o, "effective", json_string(obj_n(k->effective)));
	json_object_set_new(o, "suppressed", json_boolean(k->suppressed));
	json_object_set_new(o, "penalty", json_integer(k->penalty));
	json_object_set_new(o, "penalty_ms", ms(k->penalty_ms));
	json_object_set_new(o, "contribution", json_integer(k->contribution));
	json_object_set_new(o, "changed_ms", ms(k->changed_ms));
	json_object_set_new(o, "flaps", json_integer(k->flaps));
	json_object_set_new(o, "suppressions", json_integer(k->suppressions));
	return o;
}

static json_t *track_encode(const struct vgmp_track *t)
{
	json_t *trackers = json_array(), *ledger = json_array();
	for (int i = 0; i < VGMP_TRACKERS_MAX; i++)
		if (t->t[i].used)
			json_array_append_new(trackers, tracker_encode(&t->t[i]));
	for (size_t i = 0; i < vgmp_ledger_count(t); i++) {
		const struct vgmp_ledger_entry *e = vgmp_ledger_get(t, i);
		json_t *o = json_object();
		json_object_set_new(o, "time_ms", ms(e->time_ms));
		json_object_set_new(o, "tracker", json_integer(e->tracker));
		json_object_set_new(o, "name", json_string(e->name));
		json_object_set_new(o, "delta", json_integer(e->delta));
		json_object_set_new(o, "old_priority", json_integer(e->old_priority));
		json_object_set_new(o, "new_priority", json_integer(e->new_priority));
		json_object_set_new(o, "cause", json_string(cause_n(e->cause)));
		json_array_append_new(ledger, o);
	}
	json_t *o = json_object();
	json_object_set_new(o, "trackers", trackers);
	json_object_set_new(o, "ledger", ledger); /* newest first */
	json_object_set_new(o, "ledger_total", u64(t->ledger_total));
	return o;
}

static json_t *history_encode(const struct vgmp *v)
{
	json_t *a = json_array();
	for (size_t i = 0; i < vgmp_history_count(v); i++) {
		const struct vgmp_change *c = vgmp_history_get(v, i);
		json_t *o = json_object();
		json_object_set_new(o, "time_ms", ms(c->time_ms));
		json_object_set_new(o, "old", json_string(state_n(c->old_state)));
		json_object_set_new(o, "new", json_string(state_n(c->new_state)));
		json_object_set_new(o, "reason", json_string(reason_n(c->why)));
		json_object_set_new(o, "event", json_string(event_n(c->ev)));
		json_object_set_new(o, "priority", json_integer(c->priority));
		json_object_set_new(o, "peer_priority",
				    c->peer_priority < 0 ? json_null()
							 : json_integer(c->peer_priority));
		json_array_append_new(a, o);
	}
	return a; /* newest first */
}

json_t *vgmp_snapshot_encode(const struct vgmp *v)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "format", json_string(VGMP_SNAPSHOT_FORMAT));
	json_object_set_new(o, "major", json_integer(VGMP_SNAPSHOT_MAJOR));
	json_object_set_new(o, "minor", json_integer(VGMP_SNAPSHOT_MINOR));
	json_object_set_new(o, "priority", json_integer(vgmp_priority(v)));
	json_object_set_new(o, "state", json_string(state_n(v->state)));
	json_object_set_new(o, "reason", json_string(reason_n(v->reason)));
	json_object_set_new(o, "wanted", json_string(state_n(v->wanted)));
	json_object_set_new(o, "state_since_ms", ms(v->state_since_ms));
	json_object_set_new(o, "enabled", json_boolean(v->enabled));
	json_object_set_new(o, "frozen", json_boolean(v->frozen));
	json_object_set_new(o, "ready", json_boolean(v->ready));
	json_object_set_new(o, "ready_since_ms", ms(v->ready_since_ms));
	json_object_set_new(o, "started_ms", ms(v->started_ms));
	json_object_set_new(o, "gate_since_ms", ms(v->gate_since_ms));
	json_object_set_new(o, "recheck_ms", ms(v->recheck_ms));
	json_object_set_new(o, "want_fault", json_boolean(v->want_fault));
	json_object_set_new(o, "split", json_boolean(v->split));
	json_object_set_new(o, "hello_due", json_boolean(v->hello_due));
	json_object_set_new(o, "ospf_cost", json_string(cost_n(v->cost)));
	json_object_set_new(o, "ospf_cost_frr", json_string(cost_n(v->cost_frr)));
	json_object_set_new(o, "ospf_cost_ms", ms(v->cost_ms));
	json_object_set_new(o, "ospf_cost_at_ms", ms(v->cost_at_ms));
	json_object_set_new(o, "peer", peer_encode(&v->peer));
	json_object_set_new(o, "handover", handover_encode(&v->ho));
	json_object_set_new(o, "track", track_encode(&v->track));
	json_object_set_new(o, "history", history_encode(v));
	json_object_set_new(o, "history_total", u64(v->history_total));
	json_object_set_new(o, "counters", vgmp_counters_encode(&v->c));
	return o;
}

/* ---- decode: every getter records the first problem and returns the default ---- */

struct rd {
	char *err;
	size_t errlen;
	const char *where; /* "", "peer", "handover", "tracker", ... */
	int r;
};

static void bad(struct rd *rd, const char *key, const char *why)
{
	if (rd->r < 0)
		return;
	snprintf(rd->err, rd->errlen, "malformed vgmpd snapshot: %s%s%s %s", rd->where,
		 rd->where[0] ? "." : "", key, why);
	rd->r = -EINVAL;
}

static bool get_bool(struct rd *rd, const json_t *o, const char *key, bool def)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return def;
	if (!json_is_boolean(v))
		bad(rd, key, "is not true or false");
	return json_is_true(v);
}

/* A time or deadline: absent -> def, null -> VGMP_NEVER. */
static uint64_t get_ms(struct rd *rd, const json_t *o, const char *key, uint64_t def)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return def;
	if (json_is_null(v))
		return VGMP_NEVER;
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		bad(rd, key, "is not a time in ms or null");
		return def;
	}
	return (uint64_t)json_integer_value(v);
}

static uint64_t get_uint(struct rd *rd, const json_t *o, const char *key, uint64_t max)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max) {
		bad(rd, key, "is out of range");
		return 0;
	}
	return (uint64_t)json_integer_value(v);
}

static int get_int(struct rd *rd, const json_t *o, const char *key, int min, int max)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		bad(rd, key, "is out of range");
		return 0;
	}
	return (int)json_integer_value(v);
}

/* An enum by name: absent -> def (or malformed when def < 0), unknown -> malformed. */
static int get_name(struct rd *rd, const json_t *o, const char *key, name_fn fn, int max, int def)
{
	const json_t *v = json_object_get(o, key);
	if (!v) {
		if (def < 0)
			bad(rd, key, "is missing");
		return def < 0 ? 0 : def;
	}
	int i = lookup(fn, max, json_string_value(v));
	if (i < 0) {
		bad(rd, key, "is not a known name");
		return def < 0 ? 0 : def;
	}
	return i;
}

static void get_str(struct rd *rd, const json_t *o, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return;
	if (!json_is_string(v) || json_string_length(v) >= len ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		bad(rd, key, "is not a string that fits");
		return;
	}
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
}

/* An optional object (absent: all defaults); anything else than an object is malformed. */
static const json_t *get_obj(struct rd *rd, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	if (v && !json_is_object(v))
		bad(rd, key, "is not an object");
	return v;
}

static const json_t *get_array(struct rd *rd, const json_t *o, const char *key, size_t max)
{
	const json_t *v = json_object_get(o, key);
	if (v && (!json_is_array(v) || json_array_size(v) > max))
		bad(rd, key, "is not a list of the allowed length");
	return v;
}

static void counters_decode(struct rd *rd, const json_t *o, struct vgmp_counters *c)
{
	rd->where = "counters";
	for (size_t i = 0; i < N_COUNTERS; i++) {
		uint64_t n = get_uint(rd, o, counters[i].name, INT64_MAX);
		memcpy((char *)c + counters[i].off, &n, sizeof(n));
	}
	const json_t *entered = get_obj(rd, o, "entered"), *nacks = get_obj(rd, o, "nacks_sent");
	for (int s = 0; s < VGMP_STATE_MAX; s++)
		c->entered[s] = get_uint(rd, entered, state_n(s), INT64_MAX);
	for (int r = 0; r < HRP_VGMP_REASON_MAX; r++)
		c->nacks_sent[r] = get_uint(rd, nacks, hrp_reason_n(r), INT64_MAX);
}

static void peer_decode(struct rd *rd, const json_t *o, struct vgmp_peer *p)
{
	rd->where = "peer";
	p->status =
		get_name(rd, o, "status", peer_status_n, VGMP_PEER_STATUS_MAX, VGMP_PEER_UNKNOWN);
	p->since_ms = get_ms(rd, o, "since_ms", 0);
	p->heard_ms = get_ms(rd, o, "heard_ms", 0);
	p->priority = (uint16_t)get_uint(rd, o, "priority", UINT16_MAX);
	p->state = get_name(rd, o, "state", state_n, VGMP_STATE_MAX, VGMP_STATE_INITIALIZE);
	p->readiness = (uint32_t)get_uint(rd, o, "readiness", UINT32_MAX);
	const json_t *mode = json_object_get(o, "mode");
	p->has_mode = mode && !json_is_null(mode);
	if (p->has_mode)
		p->mode = get_name(rd, o, "mode", mode_n, HS_MODE_MAX, -1);
	get_str(rd, o, "name", p->name, sizeof(p->name));
	p->adverts_seen = get_bool(rd, o, "adverts_seen", false);
	p->silent = get_bool(rd, o, "silent", false);
	p->unreachable = get_bool(rd, o, "unreachable", false);
}

static void handover_decode(struct rd *rd, const json_t *o, struct vgmp_handover *h)
{
	rd->where = "handover";
	h->giving = get_bool(rd, o, "giving", false);
	h->acked = get_bool(rd, o, "acked", false);
	h->reason = get_name(rd, o, "reason", hrp_reason_n, HRP_VGMP_REASON_MAX, 0);
	h->request_id = (uint32_t)get_uint(rd, o, "request_id", UINT32_MAX);
	h->sent_ms = get_ms(rd, o, "sent_ms", 0);
	h->acked_ms = get_ms(rd, o, "acked_ms", 0);
	h->retry_ms = get_ms(rd, o, "retry_ms", 0);
	h->taking = get_bool(rd, o, "taking", false);
	h->taking_ms = get_ms(rd, o, "taking_ms", 0);
	h->yielded = get_bool(rd, o, "yielded", false);
	/* 1.2; before it, any change of priority ended the handover: 0 keeps that */
	h->yielded_prio = (uint16_t)get_uint(rd, o, "yielded_prio", UINT16_MAX);
	h->releasing = get_bool(rd, o, "releasing", false);
	h->release_ms = get_ms(rd, o, "release_ms", 0);
	h->handed = get_bool(rd, o, "handed", false); /* 1.1 */
	/* 1.3; before it the handover's holder died unnoticed by the new process, which then
	 * kept the handover however long the peer stayed away */
	h->dead_ms = get_ms(rd, o, "dead_ms", 0);
	h->result = get_name(rd, o, "result", result_n, VGMP_REQ_RESULT_MAX, VGMP_REQ_NONE);
	h->result_reason = get_name(rd, o, "result_reason", hrp_reason_n, HRP_VGMP_REASON_MAX, 0);
	h->result_ms = get_ms(rd, o, "result_ms", 0);
}

static void tracker_decode(struct rd *rd, const json_t *o, struct vgmp_track *t, size_t slot)
{
	struct vgmp_tracker *k = &t->t[slot];
	rd->where = "tracker";
	if (!json_is_object(o) || !json_is_string(json_object_get(o, "name"))) {
		bad(rd, "name", "is missing");
		return;
	}
	get_str(rd, o, "name", k->p.name, sizeof(k->p.name));
	for (size_t i = 0; rd->r == 0 && i < slot; i++)
		if (strcmp(t->t[i].p.name, k->p.name) == 0)
			bad(rd, "name", "is given twice");
	get_str(rd, o, "type", k->p.type, sizeof(k->p.type));
	k->used = true;
	k->raw = get_name(rd, o, "reported", obj_n, VGMP_OBJ_MAX, VGMP_OBJ_UNKNOWN);
	k->raw_since_ms = get_ms(rd, o, "reported_since_ms", 0);
	k->effective = get_name(rd, o, "effective", obj_n, VGMP_OBJ_MAX, VGMP_OBJ_UNKNOWN);
	k->suppressed = get_bool(rd, o, "suppressed", false);
	k->penalty = (uint32_t)get_uint(rd, o, "penalty", UINT32_MAX);
	k->penalty_ms = get_ms(rd, o, "penalty_ms", 0);
	k->contribution = get_int(rd, o, "contribution", -65535, 0);
	k->changed_ms = get_ms(rd, o, "changed_ms", 0);
	k->flaps = (uint32_t)get_uint(rd, o, "flaps", UINT32_MAX);
	k->suppressions = (uint32_t)get_uint(rd, o, "suppressions", UINT32_MAX);
}

static void ledger_decode(struct rd *rd, const json_t *o, struct vgmp_ledger_entry *e)
{
	rd->where = "ledger";
	if (!json_is_object(o)) {
		bad(rd, "entry", "is not an object");
		return;
	}
	e->time_ms = get_ms(rd, o, "time_ms", 0);
	e->tracker = get_int(rd, o, "tracker", VGMP_NO_TRACKER, VGMP_TRACKERS_MAX - 1);
	get_str(rd, o, "name", e->name, sizeof(e->name));
	e->delta = get_int(rd, o, "delta", -65535, 65535);
	e->old_priority = (uint16_t)get_uint(rd, o, "old_priority", UINT16_MAX);
	e->new_priority = (uint16_t)get_uint(rd, o, "new_priority", UINT16_MAX);
	e->cause = get_name(rd, o, "cause", cause_n, VGMP_LEDGER_CAUSE_MAX, -1);
}

static void track_decode(struct rd *rd, const json_t *o, struct vgmp_track *t)
{
	rd->where = "track";
	const json_t *trackers = get_array(rd, o, "trackers", VGMP_TRACKERS_MAX);
	const json_t *ledger = get_array(rd, o, "ledger", VGMP_LEDGER_MAX);
	t->ledger_total = get_uint(rd, o, "ledger_total", INT64_MAX);
	if (json_array_size(ledger) > t->ledger_total)
		bad(rd, "ledger_total", "is below the entries given");
	for (size_t i = 0; rd->r == 0 && i < json_array_size(trackers); i++)
		tracker_decode(rd, json_array_get(trackers, i), t, i);
	/* Newest first, into the ring where vgmp_ledger_get() finds it. */
	for (size_t i = 0; rd->r == 0 && i < json_array_size(ledger); i++)
		ledger_decode(rd, json_array_get(ledger, i),
			      &t->ledger[(t->ledger_total - 1 - i) % VGMP_LEDGER_MAX]);
}

static void history_decode(struct rd *rd, const json_t *a, struct vgmp *v)
{
	rd->where = "history";
	if (json_array_size(a) > v->history_total)
		bad(rd, "history_total", "is below the entries given");
	for (size_t i = 0; rd->r == 0 && i < json_array_size(a); i++) {
		const json_t *o = json_array_get(a, i);
		struct vgmp_change *c = &v->history[(v->history_total - 1 - i) % VGMP_HISTORY_MAX];
		if (!json_is_object(o)) {
			bad(rd, "entry", "is not an object");
			return;
		}
		c->time_ms = get_ms(rd, o, "time_ms", 0);
		c->old_state = get_name(rd, o, "old", state_n, VGMP_STATE_MAX, -1);
		c->new_state = get_name(rd, o, "new", state_n, VGMP_STATE_MAX, -1);
		c->why = get_name(rd, o, "reason", reason_n, VGMP_REASON_MAX, VGMP_REASON_NONE);
		c->ev = get_name(rd, o, "event", event_n, VGMP_EV_MAX, VGMP_EV_TICK);
		c->priority = (uint16_t)get_uint(rd, o, "priority", UINT16_MAX);
		const json_t *pp = json_object_get(o, "peer_priority");
		c->peer_priority = !pp || json_is_null(pp)
					   ? -1
					   : get_int(rd, o, "peer_priority", 0, UINT16_MAX);
	}
}

static void core_decode(struct rd *rd, const json_t *j, struct vgmp_snapshot *out)
{
	struct vgmp *v = &out->core;
	v->gate_since_ms = v->recheck_ms = v->cost_ms = v->cost_at_ms = VGMP_NEVER;
	out->priority = (uint16_t)get_uint(rd, j, "priority", UINT16_MAX);
	v->state = get_name(rd, j, "state", state_n, VGMP_STATE_MAX, -1);
	v->reason = get_name(rd, j, "reason", reason_n, VGMP_REASON_MAX, -1);
	v->wanted = get_name(rd, j, "wanted", state_n, VGMP_STATE_MAX, (int)v->state);
	v->state_since_ms = get_ms(rd, j, "state_since_ms", 0);
	v->enabled = get_bool(rd, j, "enabled", false);
	v->frozen = get_bool(rd, j, "frozen", false);
	v->ready = get_bool(rd, j, "ready", false);
	v->ready_since_ms = get_ms(rd, j, "ready_since_ms", 0);
	v->started_ms = get_ms(rd, j, "started_ms", 0);
	v->gate_since_ms = get_ms(rd, j, "gate_since_ms", VGMP_NEVER);
	v->recheck_ms = get_ms(rd, j, "recheck_ms", VGMP_NEVER);
	v->want_fault = get_bool(rd, j, "want_fault", false);
	v->split = get_bool(rd, j, "split", false);
	v->hello_due = get_bool(rd, j, "hello_due", false);
	v->cost = get_name(rd, j, "ospf_cost", cost_n, VGMP_COST_MAX, VGMP_COST_UNKNOWN);
	/* minor 3 and before: the old process sent VGMP_R_COST_RAISED on its plan alone */
	v->cost_frr = get_name(rd, j, "ospf_cost_frr", cost_n, VGMP_COST_MAX, (int)v->cost);
	v->cost_ms = get_ms(rd, j, "ospf_cost_ms", VGMP_NEVER);
	v->cost_at_ms = get_ms(rd, j, "ospf_cost_at_ms", VGMP_NEVER);
	v->history_total = get_uint(rd, j, "history_total", INT64_MAX);
	const json_t *peer = get_obj(rd, j, "peer"), *ho = get_obj(rd, j, "handover");
	const json_t *track = get_obj(rd, j, "track"), *counters_o = get_obj(rd, j, "counters");
	const json_t *history = get_array(rd, j, "history", VGMP_HISTORY_MAX);
	if (rd->r == 0)
		peer_decode(rd, peer, &v->peer);
	if (rd->r == 0)
		handover_decode(rd, ho, &v->ho);
	if (rd->r == 0)
		track_decode(rd, track, &v->track);
	if (rd->r == 0)
		history_decode(rd, history, v);
	if (rd->r == 0)
		counters_decode(rd, counters_o, &v->c);
}

int vgmp_snapshot_decode(const json_t *j, struct vgmp_snapshot *out, char *err, size_t errlen)
{
	const char *format = NULL;
	int major = -1, minor = 0;
	memset(out, 0, sizeof(*out));
	if (json_unpack((json_t *)j, "{s:s, s:i, s?i}", "format", &format, "major", &major, "minor",
			&minor) < 0) {
		snprintf(err, errlen, "not a vgmpd snapshot (format or major missing)");
		return -EINVAL;
	}
	if (strcmp(format, VGMP_SNAPSHOT_FORMAT) != 0) {
		snprintf(err, errlen, "snapshot format '%s', expected '%s'", format,
			 VGMP_SNAPSHOT_FORMAT);
		return -EPROTONOSUPPORT;
	}
	/* A newer major version may mean something else by the fields we know: refuse rather
	 * than guess (the old process goes on; a cold restart is the way down). */
	if (major > VGMP_SNAPSHOT_MAJOR || major < 1) {
		snprintf(err, errlen,
			 "snapshot version %d.%d is not readable by this vgmpd (reads %d.x): "
			 "hot restart refused, use a cold restart",
			 major, minor, VGMP_SNAPSHOT_MAJOR);
		return -EPROTONOSUPPORT;
	}
	struct rd rd = { .err = err, .errlen = errlen, .where = "" };
	core_decode(&rd, j, out);
	if (rd.r < 0) {
		memset(out, 0, sizeof(*out));
		return rd.r;
	}
	out->major = (unsigned)major;
	out->minor = (unsigned)(minor < 0 ? 0 : minor);
	return 0;
}

/* ---- restore ---- */

static void tracker_restore(struct vgmp_tracker *k, const struct vgmp_tracker *saved)
{
	k->raw = saved->raw;
	k->raw_since_ms = saved->raw_since_ms;
	k->effective = saved->effective;
	k->suppressed = saved->suppressed;
	k->penalty = saved->penalty;
	k->penalty_ms = saved->penalty_ms;
	k->changed_ms = saved->changed_ms;
	k->flaps = saved->flaps;
	k->suppressions = saved->suppressions;
}

int vgmp_snapshot_restore(struct vgmp *v, const struct vgmp_snapshot *s)
{
	const struct vgmp *c = &s->core;
	v->state = c->state;
	v->reason = c->reason;
	v->wanted = c->wanted;
	v->state_since_ms = c->state_since_ms;
	v->enabled = c->enabled;
	v->enable_known = true; /* the old process knew, and its cost is in FRR */
	v->frozen = c->frozen;
	v->ready = c->ready;
	v->ready_since_ms = c->ready_since_ms;
	v->started_ms = c->started_ms;
	v->gate_since_ms = c->gate_since_ms;
	v->recheck_ms = c->recheck_ms;
	v->want_fault = c->want_fault;
	v->split = c->split;
	v->peer = c->peer;
	v->mode_mismatch = v->peer.has_mode && v->peer.mode != v->p.mode;
	v->ho = c->ho;
	v->cost = c->cost;
	v->cost_frr = c->cost_frr;
	v->cost_ms = c->cost_ms;
	v->cost_at_ms = c->cost_at_ms;
	v->hello_due = c->hello_due;
	memcpy(v->history, c->history, sizeof(v->history));
	v->history_total = c->history_total;
	v->c = c->c;
	memcpy(v->track.ledger, c->track.ledger, sizeof(v->track.ledger));
	v->track.ledger_total = c->track.ledger_total;
	int matched = 0;
	for (int i = 0; i < VGMP_TRACKERS_MAX; i++) {
		const struct vgmp_tracker *saved = &c->track.t[i];
		int id = saved->used ? vgmp_track_find(&v->track, saved->p.name) : -1;
		if (id < 0)
			continue;
		tracker_restore(&v->track.t[id], saved);
		matched++;
	}
	vgmp_track_recompute(&v->track);
	/* The config changed a weight or the base: the peer must hear the new priority. */
	if (vgmp_priority(v) != s->priority)
		v->hello_due = true;
	/* The handover bits as the old process announced them: a 1.0 process announced none. */
	struct hrp_vgmp pl;
	vgmp_payload(v, &pl);
	v->ho.announced = pl.readiness & (VGMP_R_HANDED_OVER | VGMP_R_YIELDED);
	if (s->minor < 1 && v->ho.announced)
		v->hello_due = true;
	return matched;
}
