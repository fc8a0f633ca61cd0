/* Fuzz target: vgmpd's hot-restart snapshot (lib/vgmp_snapshot.h), as the new process reads the
 * old one's: any bytes are JSON-parsed and decoded; what decodes restores into a core with one
 * tracker, and that core's snapshot decodes again to the same state. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vgmp_snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void o_hello(struct vgmp *v)
{
}
static void o_request(struct vgmp *v, const struct vgmp_request *r)
{
}
static void o_roles(struct vgmp *v, enum vgmp_state s)
{
}
static void o_reannounce(struct vgmp *v)
{
}
static void o_ospf(struct vgmp *v, enum vgmp_cost cost)
{
}
static void o_notify(struct vgmp *v, enum vgmp_state a, enum vgmp_state b, enum vgmp_reason r)
{
}

static const struct vgmp_ops ops = {
	.send_hello = o_hello,
	.send_request = o_request,
	.set_vrrp_roles = o_roles,
	.reannounce = o_reannounce,
	.ospf_cost = o_ospf,
	.notify = o_notify,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, 0, NULL);
	if (!j)
		return 0;
	struct vgmp_snapshot *s = calloc(1, sizeof(*s)), *again = calloc(1, sizeof(*again));
	struct vgmp *v = calloc(1, sizeof(*v));
	char err[256];
	if (s && again && v && vgmp_snapshot_decode(j, s, err, sizeof(err)) == 0) {
		struct vgmp_params p = { .priority = 45000,
					 .fault_penalty = 2,
					 .request_timeout_ms = 2000,
					 .handover_timeout_ms = 3000,
					 .startup_wait_ms = 3000,
					 .name = "fw1" };
		struct vgmp_tracker_params tp = { .name = "eth1", .type = "interface" };
		if (vgmp_init(v, &p, &ops, NULL) != 0 || vgmp_tracker_add(v, &tp, 0) < 0)
			__builtin_trap();
		vgmp_snapshot_restore(v, s);
		json_t *back = vgmp_snapshot_encode(v);
		if (!back || vgmp_snapshot_decode(back, again, err, sizeof(err)) != 0 ||
		    again->core.state != s->core.state || again->core.reason != s->core.reason ||
		    again->core.history_total != s->core.history_total)
			__builtin_trap();
		vgmp_next_deadline(v);
		vgmp_tick(v, 1);
		json_decref(back);
	}
	free(s);
	free(again);
	free(v);
	json_decref(j);
	return 0;
}
