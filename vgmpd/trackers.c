/* The tracker set (see trackers.h) and the interface type. */
#include "trackers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vgmpd.h"

#define PREFIX "[track]"

void vgmpd_tracker_report(struct vgmpd_tracker *k, enum vgmp_obj_state s)
{
	struct vgmpd *g = k->g;
	if (s != k->reported)
		hs_info(PREFIX, "%s %s: %s -> %s", k->ops->type, k->name,
			vgmp_obj_state_name(k->reported), vgmp_obj_state_name(s));
	k->reported = s;
	vgmp_tracker_set(&g->v, k->id, s, hs_now_ms());
	vgmpd_rearm(g);
}

const struct vgmpd_tracker *vgmpd_tracker_of(const struct vgmpd *g, int id)
{
	return id >= 0 && id < VGMP_TRACKERS_MAX ? g->trk[id] : NULL;
}

/* ---- interface: link state from the link monitor ---- */

static int iface_start(struct vgmpd_tracker *k)
{
	return 0;
}

static void iface_stop(struct vgmpd_tracker *k)
{
}

static void iface_status(const struct vgmpd_tracker *k, json_t *obj)
{
	json_object_set_new(obj, "interface", json_string(k->cfg.interface));
}

const struct vgmpd_tracker_ops vgmpd_track_interface_ops = {
	.type = "interface",
	.start = iface_start,
	.stop = iface_stop,
	.status = iface_status,
};

void vgmpd_trackers_link(struct vgmpd *g, const char *ifname, bool up)
{
	for (int id = 0; id < VGMP_TRACKERS_MAX; id++) {
		struct vgmpd_tracker *k = g->trk[id];
		if (!k || strcmp(k->cfg.interface, ifname) != 0)
			continue;
		if (k->ops == &vgmpd_track_interface_ops)
			vgmpd_tracker_report(k, up ? VGMP_OBJ_UP : VGMP_OBJ_DOWN);
		else if (k->ops == &vgmpd_track_vrrp_ops)
			vgmpd_track_vrrp_link(k, up); /* a group on a dead link is down */
	}
}

/* ---- the set ---- */

static const struct vgmpd_tracker_ops *const type_ops[HS_TRACK_MAX] = {
	[HS_TRACK_INTERFACE] = &vgmpd_track_interface_ops,
	[HS_TRACK_ICMP] = &vgmpd_track_icmp_ops,
	[HS_TRACK_SCRIPT] = &vgmpd_track_script_ops,
	[HS_TRACK_OSPF_NEIGHBOR] = &vgmpd_track_ospf_ops,
	[HS_TRACK_VRRP] = &vgmpd_track_vrrp_ops,
	[HS_TRACK_BRIDGE_MEMBER] = &vgmpd_track_bridge_ops,
};

static void destroy(struct vgmpd *g, int id, uint64_t now)
{
	struct vgmpd_tracker *k = g->trk[id];
	if (k) {
		k->ops->stop(k);
		free(k);
		g->trk[id] = NULL;
	}
	vgmp_tracker_remove(&g->v, id, now);
}

/* Every tracker the config asks for, the shorthand first: n entries in want. */
static size_t wanted(const struct hs_vgmpd_config *c, struct hs_vgmp_tracker_config *want)
{
	size_t n = 0;
	for (size_t i = 0; i < c->track_interfaces.count; i++) {
		struct hs_vgmp_tracker_config *t = &want[n++];
		memset(t, 0, sizeof(*t));
		t->type = HS_TRACK_INTERFACE;
		snprintf(t->interface, sizeof(t->interface), "%s", c->track_interfaces.item[i]);
	}
	for (size_t i = 0; i < c->n_trackers; i++)
		want[n++] = c->trackers[i];
	return n;
}

static void params_of(const struct hs_vgmp_tracker_config *t, struct vgmp_tracker_params *p)
{
	memset(p, 0, sizeof(*p));
	hs_vgmp_tracker_name(t, p->name, sizeof(p->name));
	snprintf(p->type, sizeof(p->type), "%s", hs_vgmp_tracker_type_name(t->type));
	p->hold_down_ms = (uint32_t)t->hold_down_ms;
	p->weight = (uint16_t)t->weight;
	if (t->damping.penalty > 0)
		p->damp = (struct vgmp_damping){ .penalty = (uint32_t)t->damping.penalty,
						 .suppress = (uint32_t)t->damping.suppress,
						 .reuse = (uint32_t)t->damping.reuse,
						 .half_life_ms = (uint32_t)t->damping.half_life_ms,
						 .max_penalty = (uint32_t)t->damping.max_penalty };
}

/* The same tracker with the same settings: it keeps running (and its state). */
static bool same(const struct hs_vgmp_tracker_config *a, const struct hs_vgmp_tracker_config *b)
{
	const struct hs_vgmp_damping_config *x = &a->damping, *y = &b->damping;
	if (a->type != b->type || a->weight != b->weight || a->hold_down_ms != b->hold_down_ms ||
	    a->count != b->count || a->interval_ms != b->interval_ms ||
	    a->timeout_ms != b->timeout_ms || x->penalty != y->penalty ||
	    x->suppress != y->suppress || x->reuse != y->reuse ||
	    x->half_life_ms != y->half_life_ms || x->max_penalty != y->max_penalty ||
	    strcmp(a->name, b->name) || strcmp(a->interface, b->interface) ||
	    strcmp(a->target, b->target) || strcmp(a->source, b->source) ||
	    strcmp(a->path, b->path) || a->args.count != b->args.count ||
	    strcmp(a->neighbor, b->neighbor) || a->vrid != b->vrid || a->family != b->family ||
	    strcmp(a->bridge, b->bridge) || strcmp(a->port, b->port))
		return false;
	for (size_t i = 0; i < a->args.count; i++)
		if (strcmp(a->args.item[i], b->args.item[i]))
			return false;
	return true;
}

int vgmpd_trackers_sync(struct vgmpd *g, const struct hs_vgmpd_config *c, uint64_t now)
{
	static struct hs_vgmp_tracker_config want[HS_CFG_LIST_MAX + HS_VGMP_TRACKERS_MAX];
	bool kept[HS_CFG_LIST_MAX + HS_VGMP_TRACKERS_MAX] = { false };
	size_t n = wanted(c, want);
	int added_ifaces = 0;
	for (int id = 0; id < VGMP_TRACKERS_MAX; id++) {
		struct vgmpd_tracker *k = g->trk[id];
		if (!k) {
			/* Not ours (should not happen): the core's set follows the config. */
			if (vgmp_track_get(&g->v.track, id))
				vgmp_tracker_remove(&g->v, id, now);
			continue;
		}
		size_t i = 0;
		while (i < n && (kept[i] || !same(&k->cfg, &want[i])))
			i++;
		if (i < n)
			kept[i] = true;
		else
			destroy(g, id, now);
	}
	for (size_t i = 0; i < n; i++) {
		if (kept[i])
			continue;
		struct vgmp_tracker_params p;
		params_of(&want[i], &p);
		struct vgmpd_tracker *k = calloc(1, sizeof(*k));
		int id = k ? vgmp_tracker_add(&g->v, &p, now) : -ENOMEM;
		if (id < 0) {
			hs_err(PREFIX, "cannot track %s: %s", p.name, strerror(-id));
			free(k);
			continue;
		}
		*k = (struct vgmpd_tracker){ .g = g, .ops = type_ops[want[i].type], .id = id,
					     .cfg = want[i], .reported = VGMP_OBJ_UNKNOWN };
		snprintf(k->name, sizeof(k->name), "%s", p.name);
		g->trk[id] = k;
		int r = k->ops->start(k);
		if (r < 0) {
			/* It stays, unknown (costs nothing), and says why. */
			hs_err(PREFIX, "%s %s: cannot start: %s", k->ops->type, k->name,
			       strerror(-r));
			k->ops->stop(k); /* stop is safe to repeat */
		}
		/* Their state comes from the link monitor's dump. */
		if (want[i].type == HS_TRACK_INTERFACE || want[i].type == HS_TRACK_VRRP ||
		    want[i].type == HS_TRACK_BRIDGE_MEMBER)
			added_ifaces++;
		hs_info(PREFIX, "%s %s added (weight %d, hold-down %d ms%s)", k->ops->type,
			k->name, want[i].weight ? want[i].weight : c->fault_penalty,
			want[i].hold_down_ms, want[i].damping.penalty ? ", damped" : "");
	}
	return added_ifaces;
}

void vgmpd_trackers_free(struct vgmpd *g)
{
	for (int id = 0; id < VGMP_TRACKERS_MAX; id++) {
		struct vgmpd_tracker *k = g->trk[id];
		if (k) {
			k->ops->stop(k);
			free(k);
			g->trk[id] = NULL;
		}
	}
}
