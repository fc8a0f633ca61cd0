/* Cross-field rules of the config: what a single setting's type and range cannot say. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cfgsync_core.h"
#include "config_schema.h"

static const config_setting_t *member(const config_setting_t *s, const char *name)
{
	const config_setting_t *m = s ? config_setting_get_member(s, name) : NULL;
	return m ? m : s;
}

void hs_cfg_check_vrrp_group(struct hs_cfg_ctx *ctx, const void *obj, const config_setting_t *s)
{
	const struct hs_vrrp_group_config *g = obj;
	int want = g->family == HS_FAMILY_IPV6 ? AF_INET6 : AF_INET;
	for (size_t i = 0; i < g->n_vips; i++) {
		if (g->vips[i].family != want) {
			hs_cfg_error(ctx, member(s, "vips"), "address %zu is not %s like the group",
				     i + 1, hs_family_name(g->family));
			break;
		}
		for (size_t j = 0; j < i; j++)
			if (hs_addr_equal(&g->vips[i], &g->vips[j]))
				hs_cfg_error(ctx, member(s, "vips"),
					     "address %zu repeats address %zu", i + 1, j + 1);
	}
	for (size_t i = 0; i < g->n_unicast_peers; i++)
		if (g->unicast_peers[i].family != want) {
			hs_cfg_error(ctx, member(s, "unicast_peers"),
				     "peer %zu is not %s like the group", i + 1,
				     hs_family_name(g->family));
			break;
		}
	if (g->router_advert && (g->family != HS_FAMILY_IPV6 || !g->vmac))
		hs_cfg_error(ctx, member(s, "router_advert"),
			     "router advertisements need an IPv6 group with a virtual MAC");
	if (g->version == 2 && g->family != HS_FAMILY_IPV4)
		hs_cfg_error(ctx, member(s, "version"), "VRRPv2 is IPv4 only (RFC 3768)");
	/* The v2 header carries whole seconds: anything else would not interoperate. */
	if (g->version == 2 && g->advert_interval_cs % 100 != 0)
		hs_cfg_error(ctx, member(s, "advert_interval"),
			     "VRRPv2 advertises whole seconds: use a multiple of 100 centiseconds");
	if (g->version == 3 && g->advert_interval_cs > 4095)
		hs_cfg_error(ctx, member(s, "advert_interval"),
			     "VRRPv3 intervals stop at 4095 centiseconds (12 bits); up to 25500 "
			     "(255 s) is VRRPv2's");
	if (g->priority == 255 && g->vgmp != HS_BIND_NONE)
		hs_cfg_error(ctx, member(s, "priority"),
			     "an address owner (255) cannot be bound to VGMP: it is always master");
}

void hs_cfg_check_vrrpd(struct hs_cfg_ctx *ctx, const void *obj, const config_setting_t *s)
{
	const struct hs_vrrpd_config *v = obj;
	const config_setting_t *list = config_setting_get_member(s, "groups");
	for (size_t i = 0; i < v->n_groups; i++)
		for (size_t j = 0; j < i; j++) {
			const struct hs_vrrp_group_config *a = &v->groups[i], *b = &v->groups[j];
			if (a->vrid == b->vrid && a->family == b->family &&
			    strcmp(a->interface, b->interface) == 0)
				hs_cfg_error(ctx,
					     list ? config_setting_get_elem(list, (unsigned)i) : s,
					     "VRID %d (%s) on %s is already group %zu", a->vrid,
					     hs_family_name(a->family), a->interface, j + 1);
		}
}

void hs_cfg_check_hrp_link(struct hs_cfg_ctx *ctx, const void *obj, const config_setting_t *s)
{
	const struct hs_hrp_link_config *l = obj;
	if (l->local.family != l->remote.family)
		hs_cfg_error(ctx, member(s, "remote"), "local and remote are not the same family");
	else if (hs_addr_equal(&l->local, &l->remote))
		hs_cfg_error(ctx, member(s, "remote"), "remote is the local address");
}

/* Each item is checked alone by the schema; here, that no interface is renamed twice. */
static void check_renames(struct hs_cfg_ctx *ctx, const struct hs_hrpd_config *h,
			  const config_setting_t *s)
{
	const char *items[HS_CFG_LIST_MAX];
	struct hs_cfgsync_renames m;
	char err[160];
	for (size_t i = 0; i < h->config_rename.count; i++)
		items[i] = h->config_rename.item[i];
	if (hs_cfgsync_renames_parse(items, h->config_rename.count, &m, err, sizeof(err)) < 0)
		hs_cfg_error(ctx, member(s, "config_rename"), "%s", err);
}

void hs_cfg_check_hrpd(struct hs_cfg_ctx *ctx, const void *obj, const config_setting_t *s)
{
	const struct hs_hrpd_config *h = obj;
	if (h->enable && h->n_links == 0)
		hs_cfg_error(ctx, member(s, "enable"), "HRP needs at least one heartbeat link");
	if (h->key_next[0] && !h->key_current[0])
		hs_cfg_error(ctx, member(s, "key_next"), "a next key needs a current key");
	for (size_t i = 0; i < h->n_links; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(h->links[i].interface, h->links[j].interface) == 0)
				hs_cfg_error(ctx, member(s, "links"),
					     "link %zu uses interface %s like link %zu", i + 1,
					     h->links[i].interface, j + 1);
	check_renames(ctx, h, s);
}

static void check_trackers(struct hs_cfg_ctx *ctx, const struct hs_vgmpd_config *v,
			   const config_setting_t *s);

void hs_cfg_check_vgmpd(struct hs_cfg_ctx *ctx, const void *obj, const config_setting_t *s)
{
	const struct hs_vgmpd_config *v = obj;
	if (v->ospf_cost.enable && v->ospf_cost.interfaces.count == 0)
		hs_cfg_error(ctx, member(s, "ospf_cost"),
			     "adjusting the OSPF cost needs at least one interface");
	if (v->ospf_cost.active_cost && v->ospf_cost.active_cost >= v->ospf_cost.cost)
		hs_cfg_error(ctx, member(s, "ospf_cost"),
			     "active_cost (%d) must be below the standby's cost (%d)",
			     v->ospf_cost.active_cost, v->ospf_cost.cost);
	check_trackers(ctx, v, s);
}

/* ---- vgmpd trackers ---- */

const char *hs_vgmp_tracker_name(const struct hs_vgmp_tracker_config *t, char *buf, size_t len)
{
	if (t->name[0])
		snprintf(buf, len, "%s", t->name);
	else if (t->type == HS_TRACK_ICMP)
		snprintf(buf, len, "%s", t->target);
	else if (t->type == HS_TRACK_SCRIPT)
		snprintf(buf, len, "%s", t->path);
	else if (t->type == HS_TRACK_OSPF_NEIGHBOR)
		snprintf(buf, len, "%s%s%s", t->neighbor, t->interface[0] ? "/" : "", t->interface);
	else if (t->type == HS_TRACK_VRRP)
		snprintf(buf, len, "%s/%d%s", t->interface, t->vrid,
			 t->family == HS_FAMILY_IPV6 ? "/ipv6" : "");
	else if (t->type == HS_TRACK_BRIDGE_MEMBER)
		snprintf(buf, len, "%s/%s", t->bridge, t->port);
	else
		snprintf(buf, len, "%s", t->interface);
	return buf;
}

int hs_vgmp_tracker_interval_ms(const struct hs_vgmp_tracker_config *t)
{
	return t->interval_ms ? t->interval_ms : t->type == HS_TRACK_SCRIPT ? 5000 : 1000;
}

int hs_vgmp_tracker_timeout_ms(const struct hs_vgmp_tracker_config *t)
{
	if (t->timeout_ms)
		return t->timeout_ms;
	if (t->type == HS_TRACK_OSPF_NEIGHBOR)
		return hs_vgmp_tracker_interval_ms(t);
	return t->type == HS_TRACK_SCRIPT ? 2000 : 500;
}

/* A setting of another tracker type, given a value: a mistake worth saying. */
static void only_for(struct hs_cfg_ctx *ctx, const config_setting_t *s, const char *name,
		     bool set, const char *types)
{
	const config_setting_t *m = config_setting_get_member(s, name);
	if (set)
		hs_cfg_error(ctx, m ? m : s, "'%s' is for %s trackers only", name, types);
}

void hs_cfg_check_vgmp_tracker(struct hs_cfg_ctx *ctx, const void *obj, const config_setting_t *s)
{
	const struct hs_vgmp_tracker_config *t = obj;
	const char *type = hs_vgmp_tracker_type_name(t->type);
	bool icmp = t->type == HS_TRACK_ICMP, script = t->type == HS_TRACK_SCRIPT;
	bool ospf = t->type == HS_TRACK_OSPF_NEIGHBOR, vrrp = t->type == HS_TRACK_VRRP;
	bool bridge = t->type == HS_TRACK_BRIDGE_MEMBER;
	if (t->type == HS_TRACK_INTERFACE && !t->interface[0])
		hs_cfg_error(ctx, s, "an interface tracker needs 'interface'");
	if (icmp && !t->target[0])
		hs_cfg_error(ctx, s, "an icmp tracker needs 'target'");
	if (script && !t->path[0])
		hs_cfg_error(ctx, s, "a script tracker needs 'path'");
	if (ospf && !t->neighbor[0])
		hs_cfg_error(ctx, s, "an ospf-neighbor tracker needs 'neighbor'");
	if (vrrp && (!t->interface[0] || !t->vrid))
		hs_cfg_error(ctx, s, "a vrrp tracker needs 'interface' and 'vrid' (the vrrpd group)");
	if (bridge && (!t->bridge[0] || !t->port[0]))
		hs_cfg_error(ctx, s, "a bridge-member tracker needs 'bridge' and 'port'");
	if (bridge && t->bridge[0] && strcmp(t->bridge, t->port) == 0)
		hs_cfg_error(ctx, member(s, "port"), "the port '%s' is the bridge itself", t->port);
	only_for(ctx, s, "interface",
		 t->type != HS_TRACK_INTERFACE && !ospf && !vrrp && t->interface[0],
		 "interface, ospf-neighbor and vrrp");
	only_for(ctx, s, "target", !icmp && t->target[0], "icmp");
	only_for(ctx, s, "source", !icmp && t->source[0], "icmp");
	only_for(ctx, s, "path", !script && t->path[0], "script");
	only_for(ctx, s, "args", !script && t->args.count, "script");
	only_for(ctx, s, "neighbor", !ospf && t->neighbor[0], "ospf-neighbor");
	only_for(ctx, s, "vrid", !vrrp && t->vrid, "vrrp");
	only_for(ctx, s, "bridge", !bridge && t->bridge[0], "bridge-member");
	only_for(ctx, s, "port", !bridge && t->port[0], "bridge-member");
	only_for(ctx, s, "interval", (t->type == HS_TRACK_INTERFACE || bridge) && t->interval_ms,
		 "icmp, script, ospf-neighbor and vrrp");
	only_for(ctx, s, "timeout", !icmp && !script && !ospf && t->timeout_ms,
		 "icmp, script and ospf-neighbor");
	if (icmp && t->target[0] && t->source[0]) {
		struct hs_addr a, b;
		if (hs_addr_parse(t->target, &a) == 0 && hs_addr_parse(t->source, &b) == 0 &&
		    a.family != b.family)
			hs_cfg_error(ctx, member(s, "source"),
				     "source and target are not the same family");
	}
	if ((icmp || script || ospf) &&
	    hs_vgmp_tracker_timeout_ms(t) > hs_vgmp_tracker_interval_ms(t))
		hs_cfg_error(ctx, member(s, "timeout"),
			     "the %s probe's timeout (%d ms) is longer than its interval (%d ms): "
			     "one probe at a time",
			     type, hs_vgmp_tracker_timeout_ms(t), hs_vgmp_tracker_interval_ms(t));
	const struct hs_vgmp_damping_config *d = &t->damping;
	if (d->penalty > 0) {
		const config_setting_t *ds = member(s, "damping");
		if (d->reuse >= d->suppress)
			hs_cfg_error(ctx, ds, "damping: reuse (%d) must be below suppress (%d)",
				     d->reuse, d->suppress);
		if (d->max_penalty && d->max_penalty < d->suppress)
			hs_cfg_error(ctx, ds, "damping: max_penalty (%d) is below suppress (%d)",
				     d->max_penalty, d->suppress);
	}
}

static void check_trackers(struct hs_cfg_ctx *ctx, const struct hs_vgmpd_config *v,
			   const config_setting_t *s)
{
	const config_setting_t *list = config_setting_get_member(s, "trackers");
	char a[HS_CFG_NAME_MAX + 16], b[HS_CFG_NAME_MAX + 16];
	for (size_t i = 0; i < v->n_trackers; i++) {
		const config_setting_t *e =
			list ? config_setting_get_elem(list, (unsigned)i) : NULL;
		hs_vgmp_tracker_name(&v->trackers[i], a, sizeof(a));
		if (strlen(a) >= HS_CFG_NAME_MAX) {
			hs_cfg_error(ctx, e ? e : s,
				     "the derived name '%s' is too long: give the tracker a 'name'",
				     a);
			continue;
		}
		for (size_t j = 0; j < v->track_interfaces.count; j++)
			if (strcmp(a, v->track_interfaces.item[j]) == 0)
				hs_cfg_error(ctx, e ? e : s,
					     "tracker '%s' is already in track_interfaces", a);
		for (size_t j = 0; j < i; j++)
			if (strcmp(a, hs_vgmp_tracker_name(&v->trackers[j], b, sizeof(b))) == 0)
				hs_cfg_error(ctx, e ? e : s, "tracker '%s' is already tracker %zu",
					     a, j + 1);
	}
}
