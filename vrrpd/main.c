/* vrrpd: VRRP (RFC 5798 v3, RFC 3768 v2) gateway redundancy for IPv4 and IPv6.
 * This slice loads its groups, answers on the control socket and stops cleanly; the protocol
 * itself lands with the vrrpd issue. */
#include <jansson.h>

#include "daemon.h"

static const char *const group_state_names[] = { "initialize", "backup", "master" };

static json_t *group_json(const struct hs_vrrp_group_config *g)
{
	char buf[64];
	json_t *vips = json_array();
	for (size_t i = 0; i < g->n_vips; i++)
		json_array_append_new(vips,
				      json_string(hs_addr_str(&g->vips[i], buf, sizeof(buf))));
	return json_pack("{s:s, s:i, s:s, s:i, s:s, s:i, s:i, s:o, s:s, s:b, s:i, s:b, s:b, s:n}",
			 "interface", g->interface, "vrid", g->vrid, "family",
			 hs_family_name(g->family), "version", g->version, "state",
			 group_state_names[0], "priority", g->priority, "advert_interval_cs",
			 g->advert_interval_cs, "vips", vips, "vgmp", hs_vgmp_binding_name(g->vgmp),
			 "preempt", g->preempt, "preempt_delay_s", g->preempt_delay_s, "accept",
			 g->accept, "vmac", g->vmac, "master");
}

static void vrrpd_status(struct hs_daemon *d, json_t *obj)
{
	json_t *groups = json_array();
	for (size_t i = 0; i < d->config->vrrpd.n_groups; i++)
		json_array_append_new(groups, group_json(&d->config->vrrpd.groups[i]));
	json_object_set_new(obj, "groups", groups);
}

static const struct hs_daemon_ops vrrpd_ops = {
	.name = "vrrpd",
	.protocols = "VRRP v2 (RFC 3768), v3 (RFC 5798)",
	.status = vrrpd_status,
};

int main(int argc, char **argv)
{
	return hs_daemon_main(&vrrpd_ops, argc, argv);
}
