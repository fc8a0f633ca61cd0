/* vgmpd: the VGMP group of the box: priority from tracked objects, election with the peer,
 * the box's role pushed to vrrpd and hrpd, OSPF cost on the standby.
 * This slice loads its section, reports its state and stops cleanly; the election lands with the
 * vgmpd issue. */
#include <jansson.h>

#include "daemon.h"

static json_t *tracked_json(const struct hs_vgmpd_config *v)
{
	json_t *a = json_array();
	for (size_t i = 0; i < v->track_interfaces.count; i++)
		json_array_append_new(a,
				      json_pack("{s:s, s:s, s:s}", "type", "interface", "name",
						v->track_interfaces.item[i], "state", "unknown"));
	return a;
}

static void vgmpd_status(struct hs_daemon *d, json_t *obj)
{
	const struct hs_vgmpd_config *v = &d->config->vgmpd;
	json_object_set_new(
		obj, "vgmp",
		json_pack("{s:s, s:i, s:i, s:i, s:s, s:b, s:b, s:i, s:n, s:o, s:{s:b, s:i, s:i}}",
			  "state", "initialize", "priority", v->priority, "base_priority",
			  v->priority, "fault_penalty", v->fault_penalty, "mode",
			  hs_vgmp_mode_name(v->mode), "standby_device", v->standby_device,
			  "preempt", v->preempt, "preempt_delay_s", v->preempt_delay_s, "peer",
			  "tracked", tracked_json(v), "ospf_cost", "enable", v->ospf_cost.enable,
			  "cost", v->ospf_cost.cost, "applied", 0));
}

static const struct hs_daemon_ops vgmpd_ops = {
	.name = "vgmpd",
	.protocols = "VGMP 1 (over HRP)",
	.status = vgmpd_status,
};

int main(int argc, char **argv)
{
	return hs_daemon_main(&vgmpd_ops, argc, argv);
}
