/* vgmpd's control view (display vgmp, display hrp state verbose) and operator commands. */
#include <errno.h>
#include <string.h>

#include "vgmp_keep.h"
#include "vgmp_snapshot.h"
#include "vgmpd.h"

/* How long a down report is still held before it counts; 0 when none is being held. */
static json_int_t hold_down_left(const struct vgmp_tracker *k, uint64_t now)
{
	uint64_t held = now - k->raw_since_ms;
	if (k->raw != VGMP_OBJ_DOWN || k->suppressed || k->effective == VGMP_OBJ_DOWN ||
	    held >= k->p.hold_down_ms)
		return 0;
	return (json_int_t)(k->p.hold_down_ms - held);
}

/* The damping settings (null when damping is off) and how often it suppressed the object. */
static json_t *damping_json(const struct vgmp_tracker *k)
{
	const struct vgmp_damping *d = &k->p.damp;
	if (!d->penalty)
		return json_null();
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "penalty", (json_int_t)d->penalty,
			 "suppress", (json_int_t)d->suppress, "reuse", (json_int_t)d->reuse,
			 "half_life_ms", (json_int_t)d->half_life_ms, "max_penalty",
			 (json_int_t)d->max_penalty, "suppressions", (json_int_t)k->suppressions);
}

static json_t *tracked_json(const struct vgmpd *g, uint64_t now)
{
	const struct vgmp *v = &g->v;
	json_t *a = json_array();
	for (int id = 0; id < VGMP_TRACKERS_MAX; id++) {
		const struct vgmp_tracker *k = vgmp_track_get(&v->track, id);
		if (!k)
			continue;
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:b, s:i, s:i, s:i, s:I}", "type",
				      k->p.type, "name", k->p.name, "state",
				      vgmp_obj_state_name(k->effective), "reported",
				      vgmp_obj_state_name(k->raw), "contribution", k->contribution,
				      "suppressed", k->suppressed, "flaps", (int)k->flaps,
				      "weight", k->p.weight ? k->p.weight : v->track.fault_penalty,
				      "hold_down_ms", (int)k->p.hold_down_ms, "damping_penalty",
				      (json_int_t)vgmp_tracker_penalty(k, now));
		if (o) {
			json_object_set_new(o, "hold_down_left_ms",
					    json_integer(hold_down_left(k, now)));
			json_object_set_new(o, "damping", damping_json(k));
		}
		const struct vgmpd_tracker *t = vgmpd_tracker_of(g, id);
		if (o && t)
			t->ops->status(t, o);
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *ledger_json(const struct vgmp *v, uint64_t now)
{
	json_t *a = json_array();
	for (size_t i = 0; i < vgmp_ledger_count(&v->track); i++) {
		const struct vgmp_ledger_entry *e = vgmp_ledger_get(&v->track, i);
		json_array_append_new(a, json_pack("{s:I, s:s, s:i, s:i, s:i, s:s}", "ago_ms",
						   (json_int_t)(now - e->time_ms), "object",
						   e->name, "delta", e->delta, "old_priority",
						   e->old_priority, "new_priority", e->new_priority,
						   "cause", vgmp_ledger_cause_name(e->cause)));
	}
	return a;
}

static json_t *history_json(const struct vgmp *v, uint64_t now)
{
	json_t *a = json_array();
	for (size_t i = 0; i < vgmp_history_count(v); i++) {
		const struct vgmp_change *c = vgmp_history_get(v, i);
		json_array_append_new(
			a, json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:o}", "ago_ms",
				     (json_int_t)(now - c->time_ms), "old",
				     vgmp_state_name(c->old_state), "new",
				     vgmp_state_name(c->new_state), "reason",
				     vgmp_reason_name(c->why), "event", vgmp_event_name(c->ev),
				     "priority", c->priority, "peer_priority",
				     c->peer_priority < 0 ? json_null()
							  : json_integer(c->peer_priority)));
	}
	return a;
}

void vgmpd_status(struct hs_daemon *d, json_t *obj)
{
	struct vgmpd *g = d->priv;
	const struct hs_vgmpd_config *c = &d->config->vgmpd;
	if (!g)
		return;
	const struct vgmp *v = &g->v;
	uint64_t now = hs_now_ms();
	json_t *peer = json_null();
	if (v->peer.status == VGMP_PEER_ALIVE)
		peer = json_pack("{s:s, s:i, s:s, s:I}", "state", vgmp_state_name(v->peer.state),
				 "priority", v->peer.priority, "name", v->peer.name, "heard_ms_ago",
				 (json_int_t)(now - v->peer.heard_ms));
	json_t *o = json_pack(
		"{s:s, s:s, s:i, s:i, s:i, s:s, s:b, s:b, s:i, s:o, s:s, s:o, s:{s:b, s:i, s:i, "
		"s:I, s:I}}",
		"state", vgmp_state_name(v->state), "reason", vgmp_reason_name(v->reason),
		"priority", vgmp_priority(v), "base_priority", c->priority, "fault_penalty",
		c->fault_penalty, "mode", hs_vgmp_mode_name(c->mode), "standby_device",
		c->standby_device, "preempt", c->preempt, "preempt_delay_s", c->preempt_delay_s,
		"peer", peer, "peer_status", vgmp_peer_status_name(v->peer.status), "tracked",
		tracked_json(g, now), "ospf_cost", "enable", c->ospf_cost.enable, "cost",
		c->ospf_cost.cost, "applied", g->ospf.applied < 0 ? 0 : g->ospf.applied, "runs",
		(json_int_t)g->ospf.runs, "failures", (json_int_t)g->ospf.failures);
	/* how many changes went straight to ospfd's vty (the rest: vtysh) */
	json_object_set_new(json_object_get(o, "ospf_cost"), "vty_runs",
			    json_integer((json_int_t)g->ospf.vty_runs));
	/* the periodic checks of ospfd's running config, and the costs they found lost */
	json_object_set_new(json_object_get(o, "ospf_cost"), "checks",
			    json_integer((json_int_t)g->ospf.checks));
	json_object_set_new(json_object_get(o, "ospf_cost"), "reapplies",
			    json_integer((json_int_t)g->ospf.reapplies));
	/* the active's cost (0: the interface's own) and the plan's level: normal, raised, or
	 * preferred (a takeover one below normal until the peer confirms its raised cost) */
	json_object_set_new(json_object_get(o, "ospf_cost"), "active_cost",
			    json_integer(c->ospf_cost.active_cost));
	json_object_set_new(json_object_get(o, "ospf_cost"), "level",
			    json_string(vgmp_cost_name(v->cost)));
	json_object_set_new(o, "enabled", json_boolean(v->enabled));
	/* false: nothing is heard of the peer, and after hrpd's dead time it is taken as dead */
	json_object_set_new(o, "hrpd_connected", json_boolean(hs_ctl_link_up(g->hrpd)));
	/* status requests hrpd left unanswered for its dead time while the adverts were gone */
	json_object_set_new(o, "hrpd_unanswered", json_integer((json_int_t)g->hrpd_mute_count));
	json_object_set_new(o, "ready", json_boolean(v->ready));
	json_object_set_new(o, "frozen", json_boolean(v->frozen));
	json_object_set_new(o, "degraded", json_boolean(vgmp_degraded(v)));
	json_object_set_new(o, "stable_ms", json_integer((json_int_t)(now - v->state_since_ms)));
	json_object_set_new(o, "switchover",
			    json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:I}", "last_result",
				      vgmp_req_result_name(v->ho.result), "giving", v->ho.giving,
				      "taking", v->ho.taking, "releasing", v->ho.releasing,
				      /* the handover bits (doc/vgmp.md) and what they did */
				      "yielded", v->ho.yielded, "handed", v->ho.handed,
				      "stepbacks", (json_int_t)v->c.handover_stepbacks));
	json_object_set_new(o, "stop", json_string(vgmpd_stop_phase_name(g->stop.phase)));
	json_object_set_new(o, "ledger", ledger_json(v, now));
	json_object_set_new(o, "notify", vgmpd_notify_status(&g->notify, c));
	json_object_set_new(o, "history", history_json(v, now));
	json_object_set_new(o, "links",
			    json_pack("{s:b, s:b}", "hrpd", hs_ctl_link_up(g->hrpd), "vrrpd",
				      hs_ctl_link_up(g->vrrpd)));
	json_object_set_new(o, "counters", vgmp_counters_encode(&v->c));
	json_object_set_new(o, "peer_unreadable", json_integer((json_int_t)g->peer_unreadable));
	json_object_set_new(o, "link_monitor",
			    json_pack("{s:I, s:I, s:I, s:I}", "events", (json_int_t)g->links.events,
				      "overruns", (json_int_t)g->links.overruns, "interrupted",
				      (json_int_t)g->links.interrupted, "errors",
				      (json_int_t)g->links.errors));
	json_object_set_new(obj, "vgmp", o);
}

static int answer(struct vgmpd *g, int r, const char *what, json_t **result, char *err,
		  size_t errlen)
{
	vgmpd_rearm(g);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", what,
			 r == -EPERM      ? "this box is not active"
			 : r == -ENOTCONN ? "no live peer"
			 : r == -EBUSY    ? "the pair is frozen for maintenance"
			 : r == -EALREADY ? "already under way, or nothing to undo"
			 : r == -EAGAIN   ? "the peer is not standby"
					  : strerror(-r));
		return r == -EINVAL ? -EINVAL : -EIO;
	}
	*result = json_pack("{s:s, s:s}", "state", vgmp_state_name(g->v.state), "switchover",
			    vgmp_req_result_name(g->v.ho.result));
	return 0;
}

static int cmd_switchover(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vgmpd *g = ((struct hs_daemon *)ctx)->priv;
	return answer(g, vgmp_admin_switchover(&g->v, hs_now_ms()), "hrp switchover", result, err,
		      errlen);
}

static int cmd_resume(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vgmpd *g = ((struct hs_daemon *)ctx)->priv;
	return answer(g, vgmp_admin_resume(&g->v, hs_now_ms()), "undo hrp switchover", result, err,
		      errlen);
}

static int cmd_release(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vgmpd *g = ((struct hs_daemon *)ctx)->priv;
	return answer(g, vgmp_admin_release(&g->v, hs_now_ms()), "hrp release", result, err,
		      errlen);
}

/* The pair upgrade, having cold-started this vgmpd on the standby box: keep to standby as after
 * an operator's handover (lib/vgmp_keep.h). "not yet" is asked again by hrpd. */
static int cmd_keep_standby(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vgmpd *g = ((struct hs_daemon *)ctx)->priv;
	int r = vgmp_admin_keep_standby(&g->v, hs_now_ms());
	if (r == -EAGAIN || r == -EPERM) {
		snprintf(err, errlen, "keep standby: %s",
			 r == -EAGAIN ? "not yet: hrp enable not known"
				       : "this box holds a role, or hrp is disabled");
		return -EIO;
	}
	return answer(g, r, "keep standby", result, err, errlen);
}

static int flag_arg(json_t *args, const char *key, int *on, char *err, size_t errlen)
{
	if (json_unpack(args, "{s:b}", key, on) < 0) {
		snprintf(err, errlen, "expected {\"%s\": true|false}", key);
		return -EINVAL;
	}
	return 0;
}

static int cmd_freeze(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vgmpd *g = ((struct hs_daemon *)ctx)->priv;
	int on;
	int r = flag_arg(args, "on", &on, err, errlen);
	return r < 0 ? r
		     : answer(g, vgmp_freeze(&g->v, on, hs_now_ms()), "freeze", result, err,
			      errlen);
}

/* Readiness (bulk session sync done); set by the session-sync issue, by hand until then. */
static int cmd_ready(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vgmpd *g = ((struct hs_daemon *)ctx)->priv;
	int on;
	int r = flag_arg(args, "ready", &on, err, errlen);
	return r < 0 ? r
		     : answer(g, vgmp_set_ready(&g->v, on, hs_now_ms()), "ready", result, err,
			      errlen);
}

static int cmd_enable(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vgmpd *g = ((struct hs_daemon *)ctx)->priv;
	int on;
	int r = flag_arg(args, "on", &on, err, errlen);
	return r < 0 ? r
		     : answer(g, vgmp_set_enabled(&g->v, on, hs_now_ms()), "enable", result, err,
			      errlen);
}

const struct hs_ctl_command vgmpd_commands[] = {
	{ "hrp-switchover", "hrp switchover: hand the active role to the peer, losing nothing",
	  cmd_switchover },
	{ "hrp-switchover-undo", "undo hrp switchover: allow preempting back", cmd_resume },
	{ "hrp-release",
	  "let go of the active role at once, announced below the peer, which takes over as from "
	  "a lower box (no request: the pair upgrade's cold mode)",
	  cmd_release },
	{ "hrp-keep-standby",
	  "keep to standby as after an operator's handover, no preemption back (the pair upgrade, "
	  "after it cold-started this vgmpd)",
	  cmd_keep_standby },
	{ "vgmp-freeze", "maintenance freeze: {\"on\": BOOL}", cmd_freeze },
	{ "vgmp-ready", "readiness (bulk sync done): {\"ready\": BOOL}", cmd_ready },
	{ "vgmp-enable", "take part in the election: {\"on\": BOOL} (hrp enable)", cmd_enable },
	{ NULL },
};
