/* vgmpd's hot restart (doc/hot-restart.md): the snapshot of the election (lib/vgmp_snapshot.c)
 * plus the daemon's own bits (the OSPF cost FRR took, the link counters), and its restore in the
 * new process without one action: no startup wait, no hello, no role, no OSPF change.
 *
 * Sockets: only the control listener and the pid file go over (lib/daemon_hot.c does both).
 * - The links to hrpd and vrrpd are connected anew: neither daemon keeps any state per vgmpd
 *   connection or reacts to it closing (hrpd/vgmp.c, vrrpd/ctl.c), and what the new process
 *   pushes on connect (payload, role) is what the old one pushed: hrpd sees an equal payload (its
 *   payload generation does not move), vrrpd an unchanged role.
 * - The rtnetlink link monitor opens a socket of its own and dumps: sharing the old socket would
 *   let the old process, still running until the confirm, read the new one's dump answers. Two
 *   sockets both get every change while both exist, and the dump covers the time before.
 * - ICMP trackers open new sockets; script trackers start their first check at once. Until
 *   their first verdict, the trackers keep the states the snapshot carried. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vgmp_snapshot.h"
#include "vgmpd.h"

#define PREFIX "[hot]"

static json_t *daemon_part(const struct vgmpd *g)
{
	json_t *o = json_pack("{s:i, s:i, s:I, s:I, s:I, s:I, s:b}", "ospf_wanted", g->ospf.wanted,
			      "ospf_applied", g->ospf.applied, "payloads_sent",
			      (json_int_t)g->payloads_sent, "requests_sent",
			      (json_int_t)g->requests_sent, "roles_sent", (json_int_t)g->roles_sent,
			      "peer_events", (json_int_t)g->peer_events, "was_degraded",
			      g->was_degraded);
	/* an older vgmpd skips it, a newer one given a snapshot without it starts at 0 */
	json_object_set_new(o, "peer_unreadable", json_integer((json_int_t)g->peer_unreadable));
	return o;
}

json_t *vgmpd_hot_snapshot(struct hs_daemon *d)
{
	struct vgmpd *g = d->priv;
	json_t *j = vgmp_snapshot_encode(&g->v);
	if (j)
		json_object_set_new(j, "vgmpd", daemon_part(g));
	return j;
}

int vgmpd_hot_fds(struct hs_daemon *d, struct hs_fdset *out)
{
	return 0; /* see the top of this file */
}

int vgmpd_hot_decode(struct hs_daemon *d, struct vgmp_snapshot **out)
{
	json_t *state = d->hot_state, *copy = NULL;
	/* The lab's stand-in for an older vgmpd given a newer snapshot (s54): it reads the major
	 * version as this. */
	const char *major = getenv("HS_TEST_SNAPSHOT_MAJOR");
	if (major && (copy = json_deep_copy(state))) {
		json_object_set_new(copy, "major", json_integer(atoi(major)));
		state = copy;
	}
	struct vgmp_snapshot *s = calloc(1, sizeof(*s));
	int r = s ? vgmp_snapshot_decode(state, s, d->apply_error, sizeof(d->apply_error))
		  : -ENOMEM;
	json_decref(copy);
	if (r < 0) {
		if (r == -ENOMEM)
			snprintf(d->apply_error, sizeof(d->apply_error), "out of memory");
		hs_err(PREFIX, "%s", d->apply_error);
		free(s);
		return r;
	}
	*out = s;
	return 0;
}

static json_int_t counter(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_integer(v) && json_integer_value(v) > 0 ? json_integer_value(v) : 0;
}

/* Interface and bridge-member trackers report only up or down (from the link dump): they start
 * from what the core holds, so the log shows real changes only. The others stay unknown: a vrrp
 * tracker, say, skips reporting unknown only while it believes that is what it said last. */
static void reported_from_core(struct vgmpd *g)
{
	for (int id = 0; id < VGMP_TRACKERS_MAX; id++) {
		struct vgmpd_tracker *k = g->trk[id];
		const struct vgmp_tracker *t = vgmp_track_get(&g->v.track, id);
		if (k && t &&
		    (k->ops == &vgmpd_track_interface_ops || k->ops == &vgmpd_track_bridge_ops))
			k->reported = t->raw;
	}
}

void vgmpd_hot_restore(struct vgmpd *g, const struct vgmp_snapshot *s, const json_t *state)
{
	int matched = vgmp_snapshot_restore(&g->v, s);
	reported_from_core(g);
	const json_t *o = json_object_get(state, "vgmpd");
	g->payloads_sent = (unsigned long long)counter(o, "payloads_sent");
	g->requests_sent = (unsigned long long)counter(o, "requests_sent");
	g->roles_sent = (unsigned long long)counter(o, "roles_sent");
	g->peer_events = (unsigned long long)counter(o, "peer_events");
	g->peer_unreadable = (unsigned long long)counter(o, "peer_unreadable");
	g->was_degraded = json_is_true(json_object_get(o, "was_degraded"));
	const json_t *wanted = json_object_get(o, "ospf_wanted");
	const json_t *applied = json_object_get(o, "ospf_applied");
	if (json_is_integer(wanted) && json_is_integer(applied)) {
		g->ospf.applied = (int)json_integer_value(applied);
		/* A vtysh of the old process was cut short, or had failed: finish its work. */
		if (json_integer_value(wanted) != g->ospf.applied)
			vgmpd_ospf_want(&g->ospf, (int)json_integer_value(wanted));
		else
			g->ospf.wanted = g->ospf.applied;
	}
	hs_notice(PREFIX, "resumed %s (%s), priority %u, %d of the saved trackers, snapshot %u.%u",
		  vgmp_state_name(g->v.state), vgmp_reason_name(g->v.reason), vgmp_priority(&g->v),
		  matched, s->major, s->minor);
}
