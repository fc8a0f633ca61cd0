/* Cross-field rules of the config: what a single setting's type and range cannot say. */
#include <string.h>
#include <sys/socket.h>

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
}

void hs_cfg_check_vgmpd(struct hs_cfg_ctx *ctx, const void *obj, const config_setting_t *s)
{
	const struct hs_vgmpd_config *v = obj;
	if (v->ospf_cost.enable && v->ospf_cost.interfaces.count == 0)
		hs_cfg_error(ctx, member(s, "ospf_cost"),
			     "adjusting the OSPF cost needs at least one interface");
}
