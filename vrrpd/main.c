/* vrrpd: VRRP (RFC 5798 v3, RFC 3768 v2) gateway redundancy for IPv4 and IPv6.
 * Groups run the pure state machine of lib/vrrp_fsm.c; this daemon carries out its actions on the
 * kernel: a virtual-MAC macvlan per group, VIPs tagged as ours, adverts, gratuitous ARP / NA.
 * `vrrpd --flush` removes whatever a dead vrrpd left behind. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accept.h"
#include "log.h"
#include "vrrpd.h"

static void groups_free(struct vrrpd *vd)
{
	for (size_t i = 0; i < vd->n_groups; i++)
		vrrpd_group_free(vd->groups[i]);
	free(vd->groups);
	vd->groups = NULL;
	vd->n_groups = 0;
}

/* Builds the group list for cfg, keeping (moving over) running groups whose config is the same. */
static int groups_build(struct vrrpd *vd, const struct hs_vrrpd_config *cfg)
{
	size_t n = cfg->n_groups ? cfg->n_groups : 1;
	struct vrrpd_group **next = calloc(n, sizeof(*next));
	size_t *from = calloc(n, sizeof(*from)); /* the old slot of a kept group, or SIZE_MAX */
	if (!next || !from) {
		free(next);
		free(from);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->n_groups; i++) {
		from[i] = SIZE_MAX;
		for (size_t j = 0; j < vd->n_groups; j++) {
			struct vrrpd_group *old = vd->groups[j];
			if (old && memcmp(&old->cfg, &cfg->groups[i], sizeof(old->cfg)) == 0) {
				next[i] = old;
				from[i] = j;
				vd->groups[j] = NULL;
				break;
			}
		}
		if (!next[i] && !(next[i] = vrrpd_group_new(vd, &cfg->groups[i]))) {
			/* Undone: kept groups go back to their slots, running on; new ones go. */
			for (size_t k = 0; k < i; k++) {
				if (from[k] != SIZE_MAX)
					vd->groups[from[k]] = next[k];
				else
					vrrpd_group_free(next[k]);
			}
			free(next);
			free(from);
			return -ENOMEM;
		}
	}
	free(from);
	/* What is left of the old list was removed or changed: it leaves, VIPs and vMAC go. */
	for (size_t j = 0; j < vd->n_groups; j++)
		if (vd->groups[j]) {
			hs_notice(vd->groups[j]->prefix, "removed by reload");
			vrrpd_group_free(vd->groups[j]);
		}
	free(vd->groups);
	vd->groups = next;
	vd->n_groups = cfg->n_groups;
	/* New groups start where their interface is usable, the others once it is (watch.c). */
	vrrpd_watch_pass_all(&vd->watch);
	vrrpd_accept_apply(cfg);
	return 0;
}

static int flush_leftovers(struct vrrpd *vd)
{
	int links, addrs;
	int r = vrrpd_nl_flush(&vd->nl, &links, &addrs);
	if (r == 0 && (links || addrs))
		hs_notice("[vrrp]", "removed what a previous vrrpd left: %d links, %d addresses",
			  links, addrs);
	return r;
}

static const char *const roles[] = { "initialize", "active", "standby", "load-balance" };

/* A hot restart's snapshot: refused whole when unreadable (the old vrrpd goes on). */
static int take_snapshot(struct hs_daemon *d, struct vrrpd *vd, struct vrrp_snapshot *snap)
{
	int r = vrrp_snapshot_decode(d->hot_state, snap, d->apply_error,
				     sizeof(d->apply_error));
	if (r < 0) {
		hs_err("[hot]", "%s", d->apply_error);
		return r;
	}
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(snap->role, roles[i]) == 0)
			vd->role = roles[i];
	vd->snap = snap;
	return 0;
}

static int vrrpd_start(struct hs_daemon *d)
{
	struct vrrpd *vd = calloc(1, sizeof(*vd));
	if (!vd)
		return -ENOMEM;
	vd->d = d;
	vd->arp_fd = -1;
	d->priv = vd;
	struct vrrp_snapshot snap = { 0 };
	int r = d->hot_state ? take_snapshot(d, vd, &snap) : 0;
	if (r < 0)
		return r;
	r = vrrpd_nl_open(&vd->nl, hs_fdset_take(&d->inherited, "netlink"));
	if (r < 0)
		return r;
	/* A hot restart hands its links over; any other start cleans up after a dead vrrpd. */
	if (!d->hot_state && d->inherited.count == 0)
		flush_leftovers(vd);
	hs_daemon_realtime(HS_DAEMON_RT_PRIORITY);
	/* Subscribed before the groups look at their interfaces: no change falls in between. */
	vrrpd_watch_open(&vd->watch, vd);
	r = groups_build(vd, &d->config->vrrpd);
	vd->snap = NULL;
	vrrp_snapshot_free(&snap);
	return r;
}

static json_t *vrrpd_snapshot(struct hs_daemon *d)
{
	struct vrrpd *vd = d->priv;
	struct vrrp_snapshot s = { .n_groups = 0 };
	snprintf(s.role, sizeof(s.role), "%s", vd->role ? vd->role : "");
	s.groups = calloc(vd->n_groups ? vd->n_groups : 1, sizeof(*s.groups));
	if (!s.groups)
		return NULL;
	for (size_t i = 0; i < vd->n_groups; i++) {
		const struct vrrpd_group *g = vd->groups[i];
		if (!g->running)
			continue;
		struct vrrp_snap_group *out = &s.groups[s.n_groups++];
		snprintf(out->interface, sizeof(out->interface), "%s", g->cfg.interface);
		out->family = g->fsm.p.family;
		out->vrid = g->cfg.vrid;
		vrrp_fsm_save(&g->fsm, out);
		out->owner_added = g->owner_added;
	}
	json_t *j = vrrp_snapshot_encode(&s);
	vrrp_snapshot_free(&s);
	return j;
}

static int vrrpd_hot_fds(struct hs_daemon *d, struct hs_fdset *out)
{
	struct vrrpd *vd = d->priv;
	char name[64];
	int r = hs_fdset_add(out, "netlink", vrrpd_nl_fd(&vd->nl));
	for (struct vrrpd_link *l = vd->links; r == 0 && l; l = l->next) {
		vrrpd_link_rx_name(name, sizeof(name), l->family, l->ifname);
		r = hs_fdset_add(out, name, l->rx_fd);
	}
	for (size_t i = 0; r == 0 && i < vd->n_groups; i++) {
		if (vd->groups[i]->tx_fd < 0)
			continue;
		vrrpd_group_tx_name(vd->groups[i], name, sizeof(name));
		r = hs_fdset_add(out, name, vd->groups[i]->tx_fd);
	}
	return r;
}

static void vrrpd_stop(struct hs_daemon *d)
{
	struct vrrpd *vd = d->priv;
	if (!vd)
		return;
	if (d->handed_over) {
		/* The new vrrpd holds the VIPs, vMAC links and accept rules now. */
		for (size_t i = 0; i < vd->n_groups; i++)
			vrrpd_group_abandon(vd->groups[i]);
		free(vd->groups);
		vd->groups = NULL;
		vd->n_groups = 0;
	}
	vrrpd_watch_close(&vd->watch);
	groups_free(vd);
	vrrpd_links_free(vd);
	if (!d->handed_over)
		vrrpd_accept_remove();
	vrrpd_nl_close(&vd->nl);
	if (vd->arp_fd >= 0)
		close(vd->arp_fd);
	free(vd);
	d->priv = NULL;
}

static int vrrpd_reload(struct hs_daemon *d, const struct hs_config *next)
{
	return groups_build(d->priv, &next->vrrpd);
}

static const struct hs_daemon_ops vrrpd_ops = {
	.name = "vrrpd",
	.protocols = "VRRP v2 (RFC 3768), v3 (RFC 5798)",
	.start = vrrpd_start,
	.stop = vrrpd_stop,
	.stop_request = vrrpd_stop_request,
	.reload = vrrpd_reload,
	.status = vrrpd_status,
	.commands = vrrpd_commands,
	.snapshot = vrrpd_snapshot,
	.hot_fds = vrrpd_hot_fds,
};

/* `vrrpd --flush`: for the service manager after any stop, and for the lab. */
static int flush_main(void)
{
	struct vrrpd vd = { 0 };
	int r = vrrpd_nl_open(&vd.nl, -1);
	int links = 0, addrs = 0;
	if (r == 0)
		r = vrrpd_nl_flush(&vd.nl, &links, &addrs);
	vrrpd_nl_close(&vd.nl);
	vrrpd_accept_remove();
	if (r < 0) {
		fprintf(stderr, "vrrpd --flush: %s\n", strerror(-r));
		return 1;
	}
	printf("vrrpd --flush: removed %d virtual-MAC links and %d addresses\n", links, addrs);
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--flush") == 0)
			return flush_main();
	return hs_daemon_main(&vrrpd_ops, argc, argv);
}
