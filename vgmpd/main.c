/* vgmpd: the VGMP group of the box. The election is lib/vgmp_fsm.c (pure); this daemon feeds it
 * (hrpd's peer, the trackers of trackers.c, vrrpd's view of the peer's adverts, operator commands) and
 * carries out its decisions (hrpd payloads and requests, vrrpd roles, the OSPF cost via FRR). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vgmp_snapshot.h"
#include "vgmpd.h"

static void timer_fired(struct hs_timer *t, void *arg)
{
	struct vgmpd *g = arg;
	uint64_t now = hs_now_ms();
	if (g->request_lost_due) {
		g->request_lost_due = false;
		vgmp_request_lost(&g->v, now);
	}
	vgmp_tick(&g->v, now);
	vgmpd_rearm(g);
}

/* What ospfd had at our cold start, for the core (vgmp_ospf_found): the level, when every
 * configured interface is at one. A standby's previous process left it raised: kept. */
static void ospf_found(void *arg, const int *costs, size_t n)
{
	struct vgmpd *g = arg;
	const struct hs_ospf_cost_config *c = g->ospf.cfg;
	enum vgmp_cost level =
		n ? vgmp_cost_level(costs[0], c->cost, c->active_cost) : VGMP_COST_UNKNOWN;
	for (size_t i = 1; i < n; i++)
		if (costs[i] != costs[0])
			level = VGMP_COST_UNKNOWN;
	if (vgmp_ospf_found(&g->v, level, hs_now_ms()) == 1) {
		g->ospf.applied = g->ospf.wanted = costs[0];
		hs_info("[ospf-cost]", "cost %d (%s) as found: nothing to apply", costs[0],
			vgmp_cost_name(level));
	}
	vgmpd_rearm(g);
}

/* What FRR took, or what a check found, for the VGMP_R_COST_RAISED the peer counts on. */
static void ospf_applied(void *arg, int cost)
{
	struct vgmpd *g = arg;
	const struct hs_ospf_cost_config *c = g->ospf.cfg;
	enum vgmp_cost level =
		cost < 0 ? VGMP_COST_UNKNOWN : vgmp_cost_level(cost, c->cost, c->active_cost);
	vgmp_ospf_applied(&g->v, level, hs_now_ms());
	vgmpd_rearm(g);
}

static void link_changed(const char *ifname, bool up, void *arg)
{
	vgmpd_trackers_link(arg, ifname, up);
}

static int vgmpd_start(struct hs_daemon *d)
{
	/* A hot restart's snapshot first: refused before anything is opened or said. */
	struct vgmp_snapshot *snap = NULL;
	if (d->hot_state) {
		int r = vgmpd_hot_decode(d, &snap);
		if (r < 0)
			return r;
	}
	struct vgmpd *g = calloc(1, sizeof(*g));
	if (!g) {
		free(snap);
		return -ENOMEM;
	}
	g->d = d;
	d->priv = g;
	vgmpd_notify_init(&g->notify, &d->loop);
	struct vgmp_params p;
	int r = vgmp_params_from_config(d->config, &p);
	if (r == 0)
		r = vgmp_init(&g->v, &p, &vgmpd_core_ops, g);
	if (r < 0) {
		free(snap);
		return r;
	}
	hs_timer_init(&g->timer, &d->loop, timer_fired, g);
	vgmpd_silent_init(g);
	vgmpd_hrpd_gone_init(g);
	vgmpd_stop_init(g);
	vgmpd_ospf_init(&g->ospf, &d->loop, &d->config->vgmpd.ospf_cost, ospf_applied, g);
	/* A cold start: FRR has what the previous process left; read it rather than assume. */
	if (!snap)
		vgmpd_ospf_read(&g->ospf, ospf_found, g);
	/* The links first: every call into the core below may act through them. */
	r = vgmpd_peers_open(g);
	if (r < 0) {
		free(snap);
		return r;
	}
	uint64_t now = hs_now_ms();
	vgmpd_trackers_sync(g, &d->config->vgmpd, now);
	if (snap) {
		/* Where the old process stopped: no startup wait, nothing said or applied. */
		vgmpd_hot_restore(g, snap, d->hot_state);
		free(snap);
	} else {
		/* Ready until hrpd's session sync says otherwise (its status on connect, then the
		 * session-ready events): without a peer there is nothing to wait for. */
		vgmp_set_ready(&g->v, true, now);
	}
	r = vgmpd_link_monitor_open(&g->links, &d->loop, -1, link_changed, g);
	if (r < 0)
		return r;
	vgmpd_trackers_watch_ports(g); /* bridge-member and vrrp trackers */
	/* A hot restart keeps hrp enable as it was, unless the config now says otherwise. */
	if (!d->hot_state || g->v.enabled != d->config->hrpd.enable)
		vgmp_set_enabled(&g->v, d->config->hrpd.enable, now);
	/* A decision must reach vrrpd within a millisecond. */
	hs_daemon_realtime(HS_DAEMON_RT_PRIORITY);
	vgmpd_rearm(g);
	return 0;
}

static void vgmpd_stop(struct hs_daemon *d)
{
	struct vgmpd *g = d->priv;
	if (!g)
		return;
	/* The links first, while everything their pending answers touch is still here; those
	 * answers (NULL) change nothing now. */
	g->closing = true;
	vgmpd_peers_close(g);
	vgmpd_stop_free(g);
	vgmpd_link_monitor_close(&g->links);
	vgmpd_trackers_free(g);
	/* Handed over: an operator's hook that runs is not ours to kill. */
	if (d->handed_over)
		vgmpd_notify_abandon(&g->notify);
	vgmpd_notify_free(&g->notify);
	vgmpd_ospf_free(&g->ospf);
	hs_timer_free(&g->timer);
	vgmpd_silent_free(g);
	vgmpd_hrpd_gone_free(g);
	free(g);
	d->priv = NULL;
}

static int vgmpd_reload(struct hs_daemon *d, const struct hs_config *next)
{
	struct vgmpd *g = d->priv;
	struct vgmp_params p;
	int r = vgmp_params_from_config(next, &p);
	if (r < 0)
		return r;
	/* The new cost settings before the core acts on them: switched on, the plan's first
	 * change must find the adjustment enabled and the new interfaces (the daemon swaps
	 * d->config only after we return). */
	const struct hs_ospf_cost_config *was = g->ospf.cfg, *oc = &next->vgmpd.ospf_cost;
	bool was_on = was->enable;
	vgmpd_ospf_reconfigure(&g->ospf, oc);
	uint64_t now = hs_now_ms();
	r = vgmp_set_params(&g->v, &p, now);
	if (r < 0) {
		vgmpd_ospf_reconfigure(&g->ospf, was);
		return r;
	}
	/* New interface trackers learn their link's state from a fresh dump. */
	if (vgmpd_trackers_sync(g, &next->vgmpd, now) > 0)
		vgmpd_link_monitor_dump(&g->links);
	/* The plan knows the level, not the value: a new cost (raised, or the active's) for the
	 * level we are at, new interfaces, or the adjustment switched off (their own cost) are
	 * applied here. Off before and after: FRR is not ours to touch. */
	int n = vgmpd_ospf_cost_value(oc, g->v.cost);
	if (!oc->enable)
		n = 0;
	if ((was_on || oc->enable) && n >= 0 && (n != g->ospf.wanted || g->ospf.applied != n))
		vgmpd_ospf_want(&g->ospf, n);
	vgmpd_rearm(g);
	return 0;
}

static const struct hs_daemon_ops vgmpd_ops = {
	.name = "vgmpd",
	.protocols = "VGMP 1 (over HRP)",
	.start = vgmpd_start,
	.stop = vgmpd_stop,
	.stop_request = vgmpd_stop_request,
	.reload = vgmpd_reload,
	.status = vgmpd_status,
	.commands = vgmpd_commands,
	.snapshot = vgmpd_hot_snapshot,
	.hot_fds = vgmpd_hot_fds,
};

int main(int argc, char **argv)
{
	return hs_daemon_main(&vgmpd_ops, argc, argv);
}
