/* VRRP group tracker: one vrrpd group (interface, vrid, family), up while vrrpd runs it as
 * Master or Backup and its interface has its link.
 *
 * Down means any of: the group is in Initialize (vrrpd could not start it, or its interface went
 * away, went down or lost its address: reason `interface`), it is not in vrrpd's config, or its
 * interface is down (admin down or no carrier, from the link monitor: vrrpd keeps a bound group
 * running on a dead link, vgmpd's call). Unknown (costs nothing) while
 * vrrpd is not connected, before its first answer, and from its stop (Initialize for reason
 * shutdown) on: a vrrpd restart does not move the roles.
 *
 * vrrpd publishes `vrrp-state` on every transition of a group, which vgmpd subscribes to
 * (peers.c), so a change counts at once. A group leaving vrrpd's config is not an event of its
 * own, so each tracker also asks for vrrpd's status every interval (default 1000 ms). Master and
 * Backup both count as up: VGMP itself decides which one a bound group is. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "trackers.h"
#include "vgmpd.h"

#define PREFIX "[track-vrrp]"

/* A status request in flight; detached (k = NULL) when its tracker goes first. */
struct vgmpd_vrrp_answer {
	struct vgmpd_tracker *k;
};

static const char *const seen_names[VGMPD_VRRP_SEEN_MAX] = {
	[VGMPD_VRRP_UNKNOWN] = "unknown", [VGMPD_VRRP_ABSENT] = "absent",
	[VGMPD_VRRP_INIT] = "initialize", [VGMPD_VRRP_BACKUP] = "backup",
	[VGMPD_VRRP_MASTER] = "master",
};

/* vrrpd's state names: lower case in its status, capitalised in its events. */
static enum vgmpd_vrrp_seen seen_of(const char *state, bool running)
{
	if (!running || !state)
		return VGMPD_VRRP_INIT;
	if (strcasecmp(state, "master") == 0)
		return VGMPD_VRRP_MASTER;
	if (strcasecmp(state, "backup") == 0)
		return VGMPD_VRRP_BACKUP;
	return VGMPD_VRRP_INIT;
}

static bool is_group(const struct hs_vgmp_tracker_config *c, json_t *o)
{
	const char *ifname = json_string_value(json_object_get(o, "interface"));
	const char *family = json_string_value(json_object_get(o, "family"));
	json_t *vrid = json_object_get(o, "vrid");
	return ifname && family && json_is_integer(vrid) && strcmp(ifname, c->interface) == 0 &&
	       json_integer_value(vrid) == c->vrid &&
	       strcmp(family, hs_family_name(c->family)) == 0;
}

static void evaluate(struct vgmpd_tracker *k)
{
	const struct vgmpd_vrrp *r = &k->u.vrrp;
	enum vgmp_obj_state s;
	if (r->link == VGMP_OBJ_DOWN)
		s = VGMP_OBJ_DOWN;
	else if (r->seen == VGMPD_VRRP_UNKNOWN)
		s = VGMP_OBJ_UNKNOWN;
	else if (r->seen == VGMPD_VRRP_MASTER || r->seen == VGMPD_VRRP_BACKUP)
		s = VGMP_OBJ_UP;
	else
		s = VGMP_OBJ_DOWN;
	if (s != k->reported)
		vgmpd_tracker_report(k, s);
}

static void set_seen(struct vgmpd_tracker *k, enum vgmpd_vrrp_seen seen)
{
	if (seen != k->u.vrrp.seen)
		hs_debug(HS_DBG_VGMP, PREFIX, "%s: vrrpd says %s", k->name, seen_names[seen]);
	k->u.vrrp.seen = seen;
	evaluate(k);
}

static void answered(json_t *resp, void *arg)
{
	struct vgmpd_vrrp_answer *a = arg;
	struct vgmpd_tracker *k = a->k;
	free(a);
	if (!k)
		return;
	k->u.vrrp.pending = NULL; /* first: the tracker's free must not touch a */
	if (k->g->closing)
		return;
	json_t *groups = json_object_get(json_object_get(resp, "result"), "groups");
	if (!json_is_array(groups)) {
		/* The link went down before the answer, or vrrpd could not answer. */
		set_seen(k, VGMPD_VRRP_UNKNOWN);
		return;
	}
	k->u.vrrp.answers++;
	size_t i;
	json_t *o;
	json_array_foreach (groups, i, o) {
		if (is_group(&k->cfg, o)) {
			set_seen(k, seen_of(json_string_value(json_object_get(o, "state")),
					    json_is_true(json_object_get(o, "running"))));
			return;
		}
	}
	set_seen(k, VGMPD_VRRP_ABSENT);
}

static void poll_now(struct vgmpd_tracker *k)
{
	struct vgmpd_vrrp *r = &k->u.vrrp;
	if (r->pending || !k->g->vrrpd || !hs_ctl_link_up(k->g->vrrpd))
		return;
	struct vgmpd_vrrp_answer *a = calloc(1, sizeof(*a));
	if (!a)
		return;
	a->k = k;
	if (hs_ctl_link_request(k->g->vrrpd, "status", NULL, answered, a) < 0) {
		free(a);
		return;
	}
	r->pending = a;
	r->polls++;
}

static void timer_fired(struct hs_timer *t, void *arg)
{
	struct vgmpd_tracker *k = arg;
	hs_timer_arm_in(&k->u.vrrp.timer, (uint64_t)hs_vgmp_tracker_interval_ms(&k->cfg));
	poll_now(k);
}

void vgmpd_trackers_vrrp_event(struct vgmpd *g, json_t *data)
{
	for (int id = 0; id < VGMP_TRACKERS_MAX; id++) {
		struct vgmpd_tracker *k = g->trk[id];
		if (!k || k->ops != &vgmpd_track_vrrp_ops || !is_group(&k->cfg, data))
			continue;
		k->u.vrrp.events++;
		/* An event is about a running group (Initialize: it is stopping). vrrpd stopping
		 * says so (reason shutdown) just before its socket closes: unknown, as the
		 * disconnect, or stopping vrrpd on the active would move the role. A group removed
		 * from its config is absent at the next poll; any other reason (its interface
		 * gone) is a fault. */
		enum vgmpd_vrrp_seen seen =
			seen_of(json_string_value(json_object_get(data, "new")), true);
		const char *why = json_string_value(json_object_get(data, "reason"));
		if (seen == VGMPD_VRRP_INIT && why && strcmp(why, "shutdown") == 0)
			seen = VGMPD_VRRP_UNKNOWN;
		set_seen(k, seen);
	}
}

void vgmpd_trackers_vrrp_link(struct vgmpd *g, bool up)
{
	for (int id = 0; id < VGMP_TRACKERS_MAX; id++) {
		struct vgmpd_tracker *k = g->trk[id];
		if (!k || k->ops != &vgmpd_track_vrrp_ops)
			continue;
		if (up)
			poll_now(k);
		else
			set_seen(k, VGMPD_VRRP_UNKNOWN);
	}
}

void vgmpd_track_vrrp_link(struct vgmpd_tracker *k, bool up)
{
	k->u.vrrp.link = up ? VGMP_OBJ_UP : VGMP_OBJ_DOWN;
	evaluate(k);
}

static int vrrp_start(struct vgmpd_tracker *k)
{
	struct vgmpd_vrrp *r = &k->u.vrrp;
	*r = (struct vgmpd_vrrp){ .seen = VGMPD_VRRP_UNKNOWN, .link = VGMP_OBJ_UNKNOWN };
	hs_timer_init(&r->timer, &k->g->d->loop, timer_fired, k);
	/* The first question at once; the link's state comes with the next link dump. */
	return hs_timer_arm_in(&r->timer, 0);
}

static void vrrp_stop(struct vgmpd_tracker *k)
{
	struct vgmpd_vrrp *r = &k->u.vrrp;
	hs_timer_free(&r->timer);
	if (r->pending) {
		r->pending->k = NULL; /* its answer frees it */
		r->pending = NULL;
	}
}

static void vrrp_status(const struct vgmpd_tracker *k, json_t *obj)
{
	const struct vgmpd_vrrp *r = &k->u.vrrp;
	json_object_set_new(obj, "vrrp",
			    json_pack("{s:s, s:i, s:s, s:s, s:s, s:i, s:I, s:I, s:I}", "interface",
				      k->cfg.interface, "vrid", k->cfg.vrid, "family",
				      hs_family_name(k->cfg.family), "group_state",
				      seen_names[r->seen], "link", vgmp_obj_state_name(r->link),
				      "interval_ms", hs_vgmp_tracker_interval_ms(&k->cfg), "polls",
				      (json_int_t)r->polls, "answers", (json_int_t)r->answers,
				      "events", (json_int_t)r->events));
}

const struct vgmpd_tracker_ops vgmpd_track_vrrp_ops = {
	.type = "vrrp",
	.start = vrrp_start,
	.stop = vrrp_stop,
	.status = vrrp_status,
};
