/* A VRRP group at run time: the pure state machine's actions carried out on the kernel (virtual
 * MAC link, VIPs, adverts, gratuitous ARP / NA), its one timer, its transition history. */
#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "log_event.h"
#include "socket.h"
#include "sysctl.h"
#include "vrrpd.h"

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static struct vrrpd_group *group_of(struct vrrp_fsm *f)
{
	return f->ctx;
}

static void rearm(struct vrrpd_group *g)
{
	uint64_t next = vrrp_fsm_next_deadline(&g->fsm);
	if (next == VRRP_NEVER)
		hs_timer_cancel(&g->timer);
	else
		hs_timer_arm_at(&g->timer, next);
}

static void timer_fired(struct hs_timer *t, void *arg)
{
	struct vrrpd_group *g = arg;
	vrrp_fsm_timer(&g->fsm, hs_now_ms());
	rearm(g);
}

static void send_one(struct vrrpd_group *g, uint8_t priority, const struct hs_addr *dst)
{
	struct vrrp_fsm *f = &g->fsm;
	uint8_t buf[VRRP_MSG_MAX];
	/* Encoded per destination: the checksum's pseudo-header names it. */
	int n = vrrp_fsm_encode_advert(f, priority, dst, buf, sizeof(buf));
	if (n < 0) {
		/* (no address to advertise from: a bound group on an interface that lost it) */
		uint64_t k = ++g->encode_errors;
		if ((k & (k - 1)) == 0)
			hs_err(g->prefix, "cannot encode advert: %s (%llu so far)", strerror(-n),
			       (unsigned long long)k);
		return;
	}
	int r = vrrpd_sock_send(g->tx_fd, f->p.family, g->tx_ifindex, &f->p.primary, dst, buf,
				(size_t)n);
	if (r < 0)
		hs_debug(HS_DBG_VRRP, g->prefix, "advert not sent: %s", strerror(-r));
}

static void send_advert(struct vrrp_fsm *f, uint8_t priority)
{
	struct vrrpd_group *g = group_of(f);
	if (!g->link_ready) {
		g->held_advert = true;
		g->held_priority = priority;
		return;
	}
	if (g->cfg.n_unicast_peers == 0) {
		struct hs_addr dst;
		vrrpd_group_addr(f->p.family, &dst);
		send_one(g, priority, &dst);
		return;
	}
	for (size_t i = 0; i < g->cfg.n_unicast_peers; i++)
		send_one(g, priority, &g->cfg.unicast_peers[i]);
}

/* An owner without a vMAC link owns its VIPs as the interface's own addresses: adding them with
 * NLM_F_REPLACE would take an IPv6 one over (our tag, no prefix route) and removing them would
 * take the operator's address away. It adds only those missing, and removes only those. */
static bool owner_without_vmac(const struct vrrpd_group *g)
{
	return g->cfg.priority == VRRP_PRIO_OWNER && !g->cfg.vmac;
}

/* The VIPs already on the interface (bit i: VIP i), read once for the lot. */
static uint32_t vips_present(const struct vrrpd_group *g)
{
	struct ifaddrs *list;
	if (getifaddrs(&list) < 0)
		return 0;
	size_t n;
	int family = g->cfg.family == HS_FAMILY_IPV6 ? AF_INET6 : AF_INET;
	struct hs_addr *have = vrrpd_addrs_of(list, g->cfg.interface, family, &n);
	freeifaddrs(list);
	uint32_t present = 0;
	for (size_t i = 0; i < g->cfg.n_vips; i++)
		for (size_t k = 0; k < n; k++)
			if (hs_addr_equal(&have[k], &g->cfg.vips[i]))
				present |= 1u << i;
	free(have);
	return present;
}

static int vips_change(struct vrrpd_group *g, bool add)
{
	int r = 0;
	bool owners = owner_without_vmac(g);
	/* an owner adds only the VIPs missing and removes only those it added */
	uint32_t skip = !owners ? 0 : add ? vips_present(g) : ~g->owner_added;
	for (size_t i = 0; i < g->cfg.n_vips; i++) {
		if (skip >> i & 1)
			continue;
		int e = vrrpd_nl_addr(&g->vd->nl, add, g->vmac_ifindex, &g->cfg.vips[i]);
		if (e < 0) {
			char a[64];
			hs_err(g->prefix, "%s %s: %s", add ? "adding" : "removing",
			       hs_addr_str(&g->cfg.vips[i], a, sizeof(a)), strerror(-e));
			r = e;
		} else if (owners) {
			g->owner_added =
				add ? g->owner_added | 1u << i : g->owner_added & ~(1u << i);
		}
	}
	return r;
}

static void announce_now(struct vrrpd_group *g);

/* Sends what waited for the vMAC link: 1 ms polls, 100 at most, then it goes anyway. */
static void link_wait_fired(struct hs_timer *t, void *arg)
{
	struct vrrpd_group *g = arg;
	bool running = vrrpd_link_running(g->vmac_ifindex);
	if (!running && ++g->link_waits < 100) {
		hs_timer_arm_in(&g->link_wait, 1);
		return;
	}
	if (!running)
		hs_warn(g->prefix, "%s is not running after 100 ms: sending anyway", g->vmac_name);
	g->link_ready = true;
	g->vmac_ready_us = now_us() - g->vmac_from_us;
	if (g->held_advert && g->running && g->fsm.state == VRRP_STATE_MASTER)
		send_advert(&g->fsm, g->held_priority);
	if (g->held_announce && g->running && g->fsm.state == VRRP_STATE_MASTER)
		announce_now(g);
	g->held_advert = g->held_announce = false;
}

static bool backup_random_mac(const struct vrrpd_group *g)
{
	return g->cfg.vmac && g->cfg.vmac_backup == HS_VMAC_BACKUP_RANDOM_MAC;
}

/* The backup's vMAC link: up with the random MAC and no addresses, or down and protodown. */
static void vmac_link_backup(struct vrrpd_group *g)
{
	struct vrrpd_nl *nl = &g->vd->nl;
	if (!backup_random_mac(g)) {
		vrrpd_nl_link_set(nl, g->vmac_ifindex, false, 1);
		return;
	}
	/* The MAC first: a link that comes up as backup (start, hot restart) never shows the
	 * virtual MAC; after stepping down it held it without addresses until now. */
	int r = vrrpd_nl_link_set_mac(nl, g->vmac_ifindex, g->backup_mac);
	if (r == 0) {
		g->vmac_on_link = false;
		r = vrrpd_nl_link_set(nl, g->vmac_ifindex, true, 0);
	}
	if (r < 0)
		hs_err(g->prefix, "%s as backup: %s", g->vmac_name, strerror(-r));
}

static void link_down_fired(struct hs_timer *t, void *arg)
{
	vmac_link_backup(arg);
}

/* The link-locals a master put on its running vMAC link: a backup's link stays up, and must
 * not answer neighbour solicitations for the shared virtual link-local. */
static void vmac_link_locals_off(struct vrrpd_group *g)
{
	struct vrrp_fsm *f = &g->fsm;
	if (f->p.family != AF_INET6)
		return;
	if (f->p.primary.family == AF_INET6)
		vrrpd_nl_addr(&g->vd->nl, false, g->vmac_ifindex, &f->p.primary);
	if (g->cfg.router_advert) {
		struct hs_addr ll;
		vrrpd_virtual_ll(g->vmac, &ll);
		vrrpd_nl_addr(&g->vd->nl, false, g->vmac_ifindex, &ll);
	}
}

static void release(struct vrrpd_group *g)
{
	/* After a handover the link lingers, still forwarding what the switch sends our way
	 * until the new master's frames have taught it otherwise (lib/vrrp_letgo.h). */
	uint64_t linger = g->grace ? vrrp_letgo_linger_ms(g->letgo, g->fsm.p.interval_cs) : 0;
	vips_change(g, false);
	/* A lingering link is up: nothing on it may answer for the shared link-locals. */
	if (backup_random_mac(g) || linger > 0)
		vmac_link_locals_off(g);
	/* The link stays up without addresses, silent, until the timer's turn (link_down in
	 * vrrpd.h): taking it down, or changing a running macvlan's MAC, waits for an RCU grace
	 * period in the kernel. */
	if (g->cfg.vmac)
		hs_timer_arm_in(&g->link_down, linger);
	if (linger > 0)
		hs_debug(HS_DBG_VRRP, g->prefix, "%s stays up, silent, for %llu ms", g->vmac_name,
			 (unsigned long long)linger);
	hs_timer_cancel(&g->link_wait);
	hs_timer_cancel(&g->grace_timer);
	hs_timer_cancel(&g->ra_timer);
	g->grace = false;
	g->letgo = VRRP_LETGO_NOW;
	g->held_advert = g->held_announce = false;
	g->link_ready = !g->cfg.vmac;
	if (g->stopping) {
		g->stopping = false;
		g->running = false; /* nothing is left to do at the exit */
		vrrpd_stop_group_done(g->vd);
	}
}

static void grace_over(struct hs_timer *t, void *arg)
{
	struct vrrpd_group *g = arg;
	hs_info(g->prefix, "no advert from the new master: letting go");
	release(g);
}

static void set_vips(struct vrrp_fsm *f, bool active)
{
	struct vrrpd_group *g = group_of(f);
	struct vrrpd_nl *nl = &g->vd->nl;
	if (active && g->grace) {
		/* Master again before letting go: everything is still in place. */
		hs_timer_cancel(&g->grace_timer);
		g->grace = false;
		return;
	}
	if (!active) {
		/* A graceful stop, or a handover to a master that is up already: keep the VIPs
		 * until the new master speaks (lib/vrrp_letgo.h). */
		enum vrrp_letgo_kind k =
			vrrp_letgo_kind_of(g->cfg.vmac, g->stopping,
					   vrrp_fsm_is_bound(f) && f->state == VRRP_STATE_BACKUP);
		uint64_t hold = vrrp_letgo_hold_ms(k, f->p.interval_cs);
		if (hold > 0) {
			g->grace = true;
			g->letgo = k;
			hs_timer_arm_in(&g->grace_timer, hold);
			return;
		}
	}
	if (active) {
		/* The vMAC link comes up first, so the VIPs and the announcements use it. */
		if (g->cfg.vmac) {
			g->vmac_from_us = now_us();
			hs_timer_cancel(&g->link_down);
			/* random-mac: the link is running already; the MAC change itself waits for
			 * an RCU grace period in the kernel (doc/vrrp.md). */
			if (backup_random_mac(g) && !g->vmac_on_link) {
				int r = vrrpd_nl_link_set_mac(nl, g->vmac_ifindex, g->vmac);
				if (r < 0)
					hs_err(g->prefix, "%s: virtual MAC: %s", g->vmac_name,
					       strerror(-r));
				g->vmac_on_link = r == 0;
			}
			g->link_ready = vrrpd_link_running(g->vmac_ifindex);
			if (!g->link_ready) {
				vrrpd_nl_link_set(nl, g->vmac_ifindex, true, 0);
				g->link_waits = 0;
				hs_timer_arm_in(&g->link_wait, 0);
			} else {
				g->vmac_ready_us = now_us() - g->vmac_from_us;
			}
		}
		/* IPv6 adverts leave from our link-local, which must live on the link they leave.
		 */
		if (g->cfg.vmac && f->p.family == AF_INET6 && f->p.primary.family == AF_INET6)
			vrrpd_nl_addr(nl, true, g->vmac_ifindex, &f->p.primary);
		/* Router advertisements leave from the virtual link-local, shared by both boxes. */
		if (g->cfg.router_advert) {
			struct hs_addr ll;
			vrrpd_virtual_ll(g->vmac, &ll);
			vrrpd_nl_addr(nl, true, g->vmac_ifindex, &ll);
		}
		vips_change(g, true);
	} else {
		release(g);
	}
}

static void send_ra(struct vrrpd_group *g)
{
	struct hs_addr ll;
	vrrpd_virtual_ll(g->vmac, &ll);
	int r = vrrpd_send_ra(g->vmac_ifindex, g->vmac, &ll, (uint16_t)g->cfg.router_lifetime_s);
	if (r < 0)
		hs_debug(HS_DBG_VRRP, g->prefix, "router advertisement not sent: %s", strerror(-r));
	hs_timer_arm_in(&g->ra_timer, (uint64_t)g->cfg.router_advert_s * 1000u);
}

static void ra_fired(struct hs_timer *t, void *arg)
{
	struct vrrpd_group *g = arg;
	if (g->running && g->fsm.state == VRRP_STATE_MASTER && g->link_ready)
		send_ra(g);
}

/* Opened on first use, and again after a failure. */
static int arp_socket(struct vrrpd *vd)
{
	if (vd->arp_fd < 0)
		vd->arp_fd = vrrpd_arp_sock_open();
	return vd->arp_fd;
}

static void announce_now(struct vrrpd_group *g)
{
	if (g->cfg.router_advert)
		send_ra(g);
	int arp_fd = g->fsm.p.family == AF_INET ? arp_socket(g->vd) : -1;
	for (int n = 0; n < g->cfg.garp_count; n++)
		for (size_t i = 0; i < g->cfg.n_vips; i++) {
			int r = vrrpd_announce(arp_fd, g->fsm.p.family, g->vmac_ifindex, g->vmac,
					       &g->cfg.vips[i]);
			if (r < 0)
				hs_debug(HS_DBG_VRRP, g->prefix, "announcement not sent: %s",
					 strerror(-r));
		}
}

static void announce(struct vrrp_fsm *f)
{
	struct vrrpd_group *g = group_of(f);
	if (!g->link_ready)
		g->held_announce = true;
	else
		announce_now(g);
	/* A switch or host that missed the first burst (a port still coming up, a busy CPU) hears
	 * it again a few seconds later. */
	if (g->cfg.garp_repeat_s > 0)
		hs_timer_arm_in(&g->garp_repeat, (uint64_t)g->cfg.garp_repeat_s * 1000u);
}

static void garp_repeat_fired(struct hs_timer *t, void *arg)
{
	struct vrrpd_group *g = arg;
	if (g->running && g->fsm.state == VRRP_STATE_MASTER)
		announce_now(g);
}

static void notify(struct vrrp_fsm *f, enum vrrp_state old, enum vrrp_state new_state,
		   enum vrrp_reason why)
{
	struct vrrpd_group *g = group_of(f);
	uint64_t now = hs_now_ms();
	char vrid[8];
	snprintf(vrid, sizeof(vrid), "%d", g->cfg.vrid);
	/* the master's priority as last heard, when a backup has one */
	bool heard = new_state == VRRP_STATE_BACKUP && f->master_priority;
	hs_event(LOG_NOTICE, g->prefix,
		 &(struct hs_event){ .event = "vrrp-state",
				     .old_state = vrrpd_state_name(old),
				     .new_state = vrrpd_state_name(new_state),
				     .reason = vrrp_reason_name(why),
				     .local_priority = vrrp_fsm_priority(f),
				     .peer_priority = heard ? (long)f->master_priority
							    : HS_EVENT_NO_PRIORITY,
				     .extra = { { "interface", g->cfg.interface },
						{ "vrid", vrid },
						{ "family", hs_family_name(g->cfg.family) } } });
	g->history[g->n_history % VRRPD_HISTORY] = (struct vrrpd_transition){
		.at_ms = now, .old = old, .new_state = new_state, .why = why
	};
	g->n_history++;
	json_t *ev = vrrpd_group_id_json(g);
	json_object_set_new(ev, "old", json_string(vrrp_state_name(old)));
	json_object_set_new(ev, "new", json_string(vrrp_state_name(new_state)));
	json_object_set_new(ev, "reason", json_string(vrrp_reason_name(why)));
	vrrpd_publish(g->vd, "vrrp-state", ev);
	json_decref(ev);
}

static void report_to_vgmp(struct vrrp_fsm *f, enum vrrp_vgmp_event e)
{
	struct vrrpd_group *g = group_of(f);
	hs_info(g->prefix, "reported to vgmpd: %s", vrrp_vgmp_event_name(e));
	json_t *ev = vrrpd_group_id_json(g);
	json_object_set_new(ev, "event", json_string(vrrp_vgmp_event_name(e)));
	vrrpd_publish(g->vd, "vrrp-vgmp", ev);
	json_decref(ev);
}

static void addr_mismatch(struct vrrp_fsm *f, const struct vrrp_advert *adv,
			  const struct hs_addr *src)
{
	struct vrrpd_group *g = group_of(f);
	char a[64];
	/* RFC 5798 7.1: log, do not drop. Logged on the first and then every 100th. */
	if (f->counters.addr_list_mismatch % 100 == 1)
		hs_warn(g->prefix, "advert from %s lists other addresses than ours (%llu so far)",
			hs_addr_str(src, a, sizeof(a)),
			(unsigned long long)f->counters.addr_list_mismatch);
}

static const struct vrrp_fsm_ops group_ops = {
	.send_advert = send_advert,
	.set_vips = set_vips,
	.announce = announce,
	.notify = notify,
	.report_to_vgmp = report_to_vgmp,
	.addr_mismatch = addr_mismatch,
};

struct vrrpd_group *vrrpd_group_new(struct vrrpd *vd, const struct hs_vrrp_group_config *cfg)
{
	struct vrrpd_group *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->vd = vd;
	g->cfg = *cfg;
	g->tx_fd = -1;
	snprintf(g->prefix, sizeof(g->prefix), "[%s VRID %d %s]", cfg->interface, cfg->vrid,
		 cfg->family == HS_FAMILY_IPV6 ? "IPv6" : "IPv4");
	hs_timer_init(&g->timer, &vd->d->loop, timer_fired, g);
	hs_timer_init(&g->garp_repeat, &vd->d->loop, garp_repeat_fired, g);
	hs_timer_init(&g->link_wait, &vd->d->loop, link_wait_fired, g);
	hs_timer_init(&g->grace_timer, &vd->d->loop, grace_over, g);
	hs_timer_init(&g->ra_timer, &vd->d->loop, ra_fired, g);
	hs_timer_init(&g->link_down, &vd->d->loop, link_down_fired, g);
	hs_timer_set_priority(&g->link_down, VRRPD_LINK_DOWN_PRIORITY);
	g->link_ready = !cfg->vmac;
	return g;
}

void vrrpd_group_tx_name(const struct vrrpd_group *g, char *buf, size_t len)
{
	snprintf(buf, len, "vrrp-tx:%d:%s", g->cfg.vrid, g->prefix);
}

/* The virtual-MAC link (or the base link when the group has none) and its send socket. */
static int setup_links(struct vrrpd_group *g, int family)
{
	struct vrrpd_link *l = g->link;
	if (!g->cfg.vmac) {
		g->vmac_ifindex = l->ifindex;
		int r = vrrpd_link_mac(l->ifindex, g->vmac);
		if (r < 0)
			return r;
	} else {
		int r = vrrpd_vmac_name(g->vmac_name, sizeof(g->vmac_name), family, l->ifindex,
					g->cfg.vrid);
		if (r < 0)
			return r;
		vrrpd_vmac_addr(g->vmac, family, g->cfg.vrid);
		r = vrrpd_nl_macvlan_ensure(&g->vd->nl, g->vmac_name, l->ifindex, g->vmac, family);
		if (r < 0) {
			hs_err(g->prefix, "virtual MAC link %s: %s", g->vmac_name, strerror(-r));
			return r;
		}
		g->vmac_ifindex = r;
		vrrpd_random_mac(g->backup_mac);
		/* Before it first comes up (random-mac backups are up): with the defaults it would
		 * answer ARP for every address of the box and, on an IPv4 group, run IPv6 on it. */
		if (vrrpd_sysctl_vmac(g->vmac_name, family) < 0 ||
		    vrrpd_sysctl_base(l->ifname, family) < 0)
			hs_warn(g->prefix, "interface sysctls not set: %s", strerror(errno));
		/* A hot restart finds the link as the old process left it: a master's stays up. */
		if (!g->vd->snap)
			vmac_link_backup(g);
	}
	char name[64];
	vrrpd_group_tx_name(g, name, sizeof(name));
	/* Unicast adverts leave from the base link: sent from the vMAC link, the ARP for the peer
	 * would ask from the virtual MAC, and a peer that is master too (split brain) holds that
	 * MAC: its answer never arrives and the split never heals. */
	g->tx_ifindex = g->cfg.n_unicast_peers ? l->ifindex : g->vmac_ifindex;
	g->tx_fd = vrrpd_sock_tx_open(family, g->tx_ifindex,
				      hs_fdset_take(&g->vd->d->inherited, name));
	if (g->tx_fd < 0) {
		hs_err(g->prefix, "send socket: %s", strerror(-g->tx_fd));
		return g->tx_fd;
	}
	return 0;
}

/* Hot restart: the old process's state, deadlines and all, with nothing redone: its VIPs, vMAC
 * link and adverts simply go on (a deadline already past fires at once). */
static int resume(struct vrrpd_group *g)
{
	bool master = g->fsm.state == VRRP_STATE_MASTER;
	g->link_ready = !g->cfg.vmac || master;
	g->vmac_on_link = master;
	g->running = true;
	/* The old process may have handed over before its turn to take the link down. */
	if (!master && g->cfg.vmac)
		hs_timer_arm_in(&g->link_down, 0);
	if (master && g->cfg.router_advert)
		hs_timer_arm_in(&g->ra_timer, (uint64_t)g->cfg.router_advert_s * 1000u);
	hs_info(g->prefix, "resumed as %s from the previous vrrpd", vrrpd_state_name(g->fsm.state));
	rearm(g);
	return 0;
}

int vrrpd_group_start(struct vrrpd_group *g, const struct hs_addr *primary)
{
	int family = g->cfg.family == HS_FAMILY_IPV6 ? AF_INET6 : AF_INET;
	if (g->tx_fd >= 0) { /* a start that failed half-way is tried again */
		close(g->tx_fd);
		g->tx_fd = -1;
	}
	g->link = vrrpd_link_get(g->vd, g->cfg.interface, family);
	if (!g->link)
		return -ENODEV;
	int r = setup_links(g, family);
	if (r < 0)
		return r;
	struct vrrp_params p;
	struct vrrp_counters kept = g->fsm.counters;
	r = vrrp_params_from_config(&g->cfg, &p);
	if (r == 0)
		r = vrrp_fsm_init(&g->fsm, &p, &group_ops, g);
	if (r < 0) {
		hs_err(g->prefix, "invalid parameters");
		return r;
	}
	/* Stopped for its interface and started again: the counters go on. */
	if (g->started_once)
		g->fsm.counters = kept;
	g->started_once = true;
	if (g->iface_why != VRRP_IFACE_OK)
		hs_notice(g->prefix, "%s is usable again: starting", g->cfg.interface);
	g->iface_why = VRRP_IFACE_OK;
	if (primary)
		vrrp_fsm_set_primary(&g->fsm, primary);
	const struct vrrp_snap_group *saved =
		vrrp_snapshot_find(g->vd->snap, g->cfg.interface, family, g->cfg.vrid);
	if (saved && vrrp_fsm_restore(&g->fsm, saved) == 0) {
		g->owner_added = saved->owner_added;
		return resume(g);
	}
	/* A bound group starts as backup and waits for vgmpd's word. */
	if (vrrp_fsm_is_bound(&g->fsm) && g->vd->role)
		vrrpd_group_apply_role(g, g->vd->role);
	vrrp_fsm_startup(&g->fsm, hs_now_ms());
	g->running = true;
	rearm(g);
	return 0;
}

void vrrpd_group_wait(struct vrrpd_group *g, enum vrrp_iface_why why)
{
	if (why == g->iface_why)
		return;
	g->iface_why = why;
	hs_notice(g->prefix, "not started: %s (%s): it starts once the interface is usable",
		  vrrp_iface_why_name(why), g->cfg.interface);
}

void vrrpd_group_stop_for_interface(struct vrrpd_group *g, enum vrrp_iface_why why)
{
	if (!g->running || g->stopping)
		return;
	hs_notice(g->prefix, "stopped: %s (%s): it starts again once the interface is usable",
		  vrrp_iface_why_name(why), g->cfg.interface);
	bool link_gone = why == VRRP_IFACE_MISSING || why == VRRP_IFACE_RENEWED;
	bool vmac_gone = link_gone || why == VRRP_IFACE_VMAC_LOST;
	/* A master leaves as at a stop (priority 0, if the link still carries it; VIPs off). */
	vrrp_fsm_shutdown_for_interface(&g->fsm, hs_now_ms());
	if (g->grace) /* a handover under way: nothing is held on a link that failed */
		release(g);
	hs_timer_cancel(&g->timer);
	hs_timer_cancel(&g->garp_repeat);
	hs_timer_cancel(&g->link_wait);
	hs_timer_cancel(&g->grace_timer);
	hs_timer_cancel(&g->ra_timer);
	hs_timer_cancel(&g->link_down);
	/* The vMAC link as a backup's now, not from a timer that the next start would race. */
	if (g->cfg.vmac && !vmac_gone)
		vmac_link_backup(g);
	if (vmac_gone)
		g->vmac_ifindex = 0; /* never delete by an index that may be someone else's */
	if (g->tx_fd >= 0)
		close(g->tx_fd);
	g->tx_fd = -1;
	g->running = false;
	g->link = NULL; /* watch.c lets an unused link (a dead index's socket) go */
	g->link_ready = !g->cfg.vmac;
	g->vmac_on_link = false;
	g->held_advert = g->held_announce = false;
	g->iface_why = why;
}

void vrrpd_group_readdress(struct vrrpd_group *g, const struct hs_addr *primary)
{
	struct vrrp_fsm *f = &g->fsm;
	char was[64], now[64];
	hs_notice(g->prefix, "adverts leave from %s now (%s is gone from %s)",
		  hs_addr_str(primary, now, sizeof(now)),
		  hs_addr_str(&f->p.primary, was, sizeof(was)), g->cfg.interface);
	/* An IPv6 master's link-local lives on its vMAC link too (set_vips): moved along. */
	bool on_vmac = g->cfg.vmac && f->p.family == AF_INET6 && f->state == VRRP_STATE_MASTER;
	if (on_vmac)
		vrrpd_nl_addr(&g->vd->nl, false, g->vmac_ifindex, &f->p.primary);
	vrrp_fsm_set_primary(f, primary);
	if (on_vmac)
		vrrpd_nl_addr(&g->vd->nl, true, g->vmac_ifindex, primary);
}

void vrrpd_group_receive(struct vrrpd_group *g, const uint8_t *msg, size_t len,
			 const struct vrrp_ipinfo *ip)
{
	struct vrrp_ipinfo admitted;
	enum vrrp_drop d =
		vrrp_unicast_admit(g->cfg.unicast_peers, g->cfg.n_unicast_peers, ip, &admitted);
	if (d != VRRP_DROP_NONE) {
		g->fsm.counters.rx++;
		vrrp_count_drop(&g->fsm.counters, d);
		hs_debug(HS_DBG_VRRP, g->prefix, "dropped: %s", vrrp_drop_name(d));
		return;
	}
	if (g->stopping) {
		/* Stopped, holding on: the first advert of the new master ends it. */
		struct vrrp_advert adv;
		if (vrrp_decode(msg, len, &admitted, g->fsm.p.cksum, &adv, &g->fsm.counters) ==
			    VRRP_DROP_NONE &&
		    adv.priority != VRRP_PRIO_STOP)
			release(g);
		return;
	}
	d = vrrp_fsm_receive(&g->fsm, msg, len, &admitted, hs_now_ms());
	if (d != VRRP_DROP_NONE)
		hs_debug(HS_DBG_VRRP, g->prefix, "dropped: %s", vrrp_drop_name(d));
	else if (g->grace && g->fsm.state == VRRP_STATE_BACKUP) {
		/* The new master spoke after our priority 0: switches now send its way. */
		hs_info(g->prefix, "the new master spoke: letting go");
		release(g);
	}
	rearm(g);
}

void vrrpd_group_apply_role(struct vrrpd_group *g, const char *role)
{
	if (!vrrp_fsm_is_bound(&g->fsm))
		return;
	bool master = strcmp(role, "active") == 0 ||
		      (strcmp(role, "load-balance") == 0 && g->cfg.vgmp == HS_BIND_ACTIVE);
	vrrp_fsm_set_role(&g->fsm, master ? VRRP_ROLE_MASTER : VRRP_ROLE_BACKUP, VRRP_REASON_VGMP,
			  hs_now_ms());
	if (g->running)
		rearm(g);
}

int vrrpd_group_reannounce(struct vrrpd_group *g)
{
	if (!g->running || g->fsm.state != VRRP_STATE_MASTER)
		return 0;
	send_advert(&g->fsm, vrrp_fsm_priority(&g->fsm));
	announce_now(g);
	return 1;
}

struct vrrpd_group *vrrpd_group_find(struct vrrpd *vd, int ifindex, int family, int vrid)
{
	for (size_t i = 0; i < vd->n_groups; i++) {
		struct vrrpd_group *g = vd->groups[i];
		if (g->running && g->link->ifindex == ifindex && g->link->family == family &&
		    g->cfg.vrid == vrid)
			return g;
	}
	return NULL;
}

/* The group's own timers and send socket; what it set up in the kernel is left to the caller. */
static void group_close(struct vrrpd_group *g)
{
	hs_timer_free(&g->timer);
	hs_timer_free(&g->garp_repeat);
	hs_timer_free(&g->link_wait);
	hs_timer_free(&g->grace_timer);
	hs_timer_free(&g->ra_timer);
	hs_timer_free(&g->link_down);
	if (g->tx_fd >= 0)
		close(g->tx_fd);
}

bool vrrpd_group_stop_begin(struct vrrpd_group *g)
{
	if (!g->running || !g->cfg.vmac || vrrp_fsm_is_bound(&g->fsm) ||
	    g->fsm.state != VRRP_STATE_MASTER)
		return false;
	g->stopping = true;
	vrrp_fsm_shutdown(&g->fsm, hs_now_ms()); /* the priority-0 advert; set_vips holds on */
	rearm(g);
	return g->stopping;
}

void vrrpd_group_abandon(struct vrrpd_group *g)
{
	group_close(g);
	free(g);
}

void vrrpd_group_free(struct vrrpd_group *g)
{
	if (g->running) {
		/* A master leaves with a priority-0 advert, so the backup takes over at Skew_Time.
		 */
		vrrp_fsm_shutdown(&g->fsm, hs_now_ms());
		release(g);
	}
	group_close(g);
	if (g->cfg.vmac && g->vmac_ifindex > 0)
		vrrpd_nl_link_delete(&g->vd->nl, g->vmac_ifindex);
	free(g);
}
