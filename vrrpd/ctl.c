/* vrrpd's control-socket view: per-group state, timers, counters and history, and the VGMP role
 * command that vgmpd drives bound groups with. */
#include <errno.h>
#include <string.h>

#include "vrrpd.h"

void vrrpd_publish(struct vrrpd *vd, const char *event, json_t *data)
{
	if (vd->d->ctl)
		hs_ctl_server_publish(vd->d->ctl, event, data);
}

json_t *vrrpd_group_id_json(const struct vrrpd_group *g)
{
	return json_pack("{s:s, s:i, s:s}", "interface", g->cfg.interface, "vrid", g->cfg.vrid,
			 "family", hs_family_name(g->cfg.family));
}

static json_t *counters_json(const struct vrrp_counters *c)
{
	json_t *drops = json_object();
	for (int i = 1; i < VRRP_DROP_MAX; i++)
		if (c->drops[i])
			json_object_set_new(drops, vrrp_drop_name(i),
					    json_integer((json_int_t)c->drops[i]));
	json_t *o = json_pack(
		"{s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "rx",
		(json_int_t)c->rx, "rx_adverts", (json_int_t)c->rx_adverts, "rx_prio0",
		(json_int_t)c->rx_prio0, "drops", drops, "addr_list_mismatch",
		(json_int_t)c->addr_list_mismatch, "tx", (json_int_t)c->tx, "tx_prio0",
		(json_int_t)c->tx_prio0, "transitions", (json_int_t)c->transitions, "became_master",
		(json_int_t)c->became_master, "split_brain_heals", (json_int_t)c->split_brain_heals,
		"vgmp_reports", (json_int_t)c->vgmp_reports, "stalls", (json_int_t)c->stalls);
	/* the preemption's and the split-brain heal's own (lib/vrrp_packet.h) */
	json_object_set_new(o, "preempt_discards", json_integer((json_int_t)c->preempt_discards));
	json_object_set_new(o, "preempt_held", json_integer((json_int_t)c->preempt_held));
	json_object_set_new(o, "split_brain_throttled",
			    json_integer((json_int_t)c->split_brain_throttled));
	return o;
}

/* The control protocol names states in lower case ("master"), as every daemon does; so do the
 * structured log records. */
const char *vrrpd_state_name(enum vrrp_state s)
{
	static const char *const names[VRRP_STATE_MAX] = {
		[VRRP_STATE_INIT] = "initialize",
		[VRRP_STATE_BACKUP] = "backup",
		[VRRP_STATE_MASTER] = "master",
	};
	return s >= 0 && s < VRRP_STATE_MAX ? names[s] : "unknown";
}

static json_t *deadline_json(uint64_t deadline, uint64_t now)
{
	if (deadline == VRRP_NEVER)
		return json_null();
	return json_integer(deadline > now ? (json_int_t)(deadline - now) : 0);
}

static json_t *history_json(const struct vrrpd_group *g, uint64_t now)
{
	json_t *a = json_array();
	unsigned n = g->n_history < VRRPD_HISTORY ? g->n_history : VRRPD_HISTORY;
	for (unsigned i = 0; i < n; i++) {
		const struct vrrpd_transition *t =
			&g->history[(g->n_history - 1 - i) % VRRPD_HISTORY];
		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s}", "ago_ms",
						   (json_int_t)(now - t->at_ms), "old",
						   vrrpd_state_name(t->old), "new",
						   vrrpd_state_name(t->new_state), "reason",
						   vrrp_reason_name(t->why)));
	}
	return a;
}

static json_t *group_json(const struct vrrpd_group *g, uint64_t now)
{
	char buf[64];
	const struct vrrp_fsm *f = &g->fsm;
	json_t *vips = json_array();
	for (size_t i = 0; i < g->cfg.n_vips; i++)
		json_array_append_new(vips,
				      json_string(hs_addr_str(&g->cfg.vips[i], buf, sizeof(buf))));
	json_t *o = vrrpd_group_id_json(g);
	bool up = g->running;
	json_t *master = up && f->master_addr.family
				 ? json_string(hs_addr_str(&f->master_addr, buf, sizeof(buf)))
				 : json_null();
	unsigned interval = up ? f->master_adver_interval_cs : (unsigned)g->cfg.advert_interval_cs;
	uint8_t prio = up ? vrrp_fsm_priority(f) : (uint8_t)g->cfg.priority;
	json_object_update_new(
		o,
		json_pack("{s:i, s:s, s:i, s:i, s:i, s:i, s:o, s:s, s:b, s:i, s:b, s:b, s:s, s:o, "
			  "s:i, s:i, s:i}",
			  "version", g->cfg.version, "state",
			  up ? vrrpd_state_name(f->state) : "initialize", "priority", prio,
			  "priority_config", g->cfg.priority, "advert_interval_cs",
			  g->cfg.advert_interval_cs, "master_adver_interval_cs", interval, "vips",
			  vips, "vgmp", hs_vgmp_binding_name(g->cfg.vgmp), "preempt",
			  g->cfg.preempt, "preempt_delay_s", g->cfg.preempt_delay_s, "accept",
			  g->cfg.accept, "vmac", g->cfg.vmac, "vmac_link",
			  g->cfg.vmac ? g->vmac_name : g->cfg.interface, "master", master,
			  "master_priority", up ? f->master_priority : 0, "skew_cs",
			  vrrp_skew_cs(g->cfg.version, prio, (uint16_t)interval), "master_down_cs",
			  vrrp_master_down_cs(g->cfg.version, prio, (uint16_t)interval)));
	json_object_set_new(o, "running", json_boolean(up));
	/* not running: what it waits for (interface-down, no-address, ...); running: ok */
	json_object_set_new(o, "interface_status", json_string(vrrp_iface_why_name(g->iface_why)));
	if (g->cfg.vmac) {
		json_object_set_new(o, "vmac_backup",
				    json_string(g->cfg.vmac_backup == HS_VMAC_BACKUP_PROTODOWN
							? "protodown"
							: "random-mac"));
		/* protodown: until the carrier is on; random-mac: the MAC change */
		json_object_set_new(o, "vmac_ready_us", json_integer((json_int_t)g->vmac_ready_us));
	}
	json_object_set_new(o, "next_advert_ms",
			    deadline_json(up ? f->t.adver_ms : VRRP_NEVER, now));
	json_object_set_new(o, "master_down_in_ms",
			    deadline_json(up ? f->t.master_down_ms : VRRP_NEVER, now));
	json_object_set_new(o, "counters", counters_json(&f->counters));
	json_object_set_new(o, "history", history_json(g, now));
	return o;
}

void vrrpd_status(struct hs_daemon *d, json_t *obj)
{
	struct vrrpd *vd = d->priv;
	uint64_t now = hs_now_ms();
	json_t *groups = json_array();
	for (size_t i = 0; vd && i < vd->n_groups; i++)
		json_array_append_new(groups, group_json(vd->groups[i], now));
	json_object_set_new(obj, "groups", groups);
	json_object_set_new(obj, "vgmp_role", json_string(vd && vd->role ? vd->role : "none"));
	json_t *links = json_array();
	for (struct vrrpd_link *l = vd ? vd->links : NULL; l; l = l->next)
		json_array_append_new(links,
				      json_pack("{s:s, s:s, s:o, s:I}", "interface", l->ifname,
						"family", l->family == AF_INET6 ? "ipv6" : "ipv4",
						"unmatched", counters_json(&l->unmatched),
						"rx_errors", (json_int_t)l->rx_errors));
	json_object_set_new(obj, "links", links);
	if (vd) {
		const struct vrrpd_watch *w = &vd->watch;
		json_object_set_new(
			obj, "watch",
			json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I}", "on", w->sock != NULL,
				  "notifications", (json_int_t)w->notifications, "overruns",
				  (json_int_t)w->overruns, "passes", (json_int_t)w->passes, "stops",
				  (json_int_t)w->stops, "starts", (json_int_t)w->starts,
				  "readdressed", (json_int_t)w->readdressed));
	}
}

static const char *const roles[] = { "initialize", "active", "standby", "load-balance" };

/* {"role": "active" | "standby" | "load-balance" | "initialize"}: what vgmpd decided. */
static int cmd_vgmp_role(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	struct vrrpd *vd = d->priv;
	const char *role = NULL;
	if (json_unpack(args, "{s:s}", "role", &role) < 0) {
		snprintf(err, errlen, "expected {\"role\": ROLE}");
		return -EINVAL;
	}
	const char *known = NULL;
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(role, roles[i]) == 0)
			known = roles[i];
	if (!known) {
		snprintf(err, errlen, "unknown role '%s'", role);
		return -EINVAL;
	}
	vd->role = known;
	size_t bound = 0;
	for (size_t i = 0; i < vd->n_groups; i++) {
		if (!vrrp_fsm_is_bound(&vd->groups[i]->fsm))
			continue;
		vrrpd_group_apply_role(vd->groups[i], known);
		bound++;
	}
	*result = json_pack("{s:s, s:I}", "role", known, "groups", (json_int_t)bound);
	return 0;
}

/* vgmpd won a healed split brain: clients and switches must leave the other box now. */
static int cmd_reannounce(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct vrrpd *vd = ((struct hs_daemon *)ctx)->priv;
	int n = 0;
	for (size_t i = 0; i < vd->n_groups; i++)
		n += vrrpd_group_reannounce(vd->groups[i]);
	*result = json_pack("{s:i}", "groups", n);
	return 0;
}

const struct hs_ctl_command vrrpd_commands[] = {
	{ "vgmp-role", "apply the box's VGMP role to every bound group", cmd_vgmp_role },
	{ "vrrp-reannounce", "advert and gratuitous ARP / NA now on every master group",
	  cmd_reannounce },
	{ NULL },
};
