/* display vgmp: the election as vgmpd sees it. */
#include <errno.h>

#include "render.h"

static json_t *tracked_view(const json_t *vgmp)
{
	const json_t *item;
	json_t *list = json_array();
	size_t i;

	json_array_foreach (rj_arr(vgmp, "tracked"), i, item)
		json_array_append_new(list, json_pack("{s:s, s:o, s:s}", "type",
						      rj_str(item, "type", "interface"), "name",
						      rj_str_or_null(item, "name"), "state",
						      rj_str(item, "state", "unknown")));
	return list;
}

int view_vgmp(const struct cli_view_in *in, json_t **out)
{
	const json_t *vgmp = rj_obj(in->results[0], "vgmp"), *peer = rj_obj(vgmp, "peer");
	const json_t *ospf = rj_obj(vgmp, "ospf_cost");
	json_t *v, *pv = peer ? json_pack("{s:o, s:o}", "state", rj_str_or_null(peer, "state"),
					  "priority", rj_int_or_null(peer, "priority"))
			      : json_null();

	v = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:{s:o, s:o, s:o}}",
		      "state", rj_str(vgmp, "state", "initialize"), "mode",
		      rj_str_or_null(vgmp, "mode"), "priority", rj_int_or_null(vgmp, "priority"),
		      "base_priority", rj_int_or_null(vgmp, "base_priority"), "fault_penalty",
		      rj_int_or_null(vgmp, "fault_penalty"), "standby_device",
		      rj_bool_or_null(vgmp, "standby_device"), "preempt",
		      rj_bool_or_null(vgmp, "preempt"), "preempt_delay_s",
		      rj_int_or_null(vgmp, "preempt_delay_s"), "peer", pv, "tracked",
		      tracked_view(vgmp), "ospf_cost", "enable", rj_bool_or_null(ospf, "enable"),
		      "cost", rj_int_or_null(ospf, "cost"), "applied",
		      rj_int_or_null(ospf, "applied"));
	*out = v;
	return v ? 0 : -ENOMEM;
}

static void print_int(FILE *out, const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_integer(v))
		fprintf(out, "%lld", (long long)json_integer_value(v));
	else
		fputs("unknown", out);
}

int render_vgmp(const json_t *v, FILE *out)
{
	const json_t *peer = rj_obj(v, "peer"), *ospf = rj_obj(v, "ospf_cost"), *item;
	size_t i;

	fprintf(out, " VGMP state: %s, peer: %s\n", rj_str(v, "state", "initialize"),
		rj_str(peer, "state", "unknown"));
	fprintf(out, " Mode: %s\n", rj_str(v, "mode", "-"));
	fputs(" Running priority: ", out);
	print_int(out, v, "priority");
	fputs(", base: ", out);
	print_int(out, v, "base_priority");
	fputs(", peer: ", out);
	print_int(out, peer, "priority");
	fputs("\n Fault penalty: ", out);
	print_int(out, v, "fault_penalty");
	fprintf(out, " per failed object\n Standby device: %s\n",
		rj_bool(v, "standby_device", false) ? "yes" : "no");
	if (rj_bool(v, "preempt", false))
		fprintf(out, " Preempt: on, delay %llds\n",
			(long long)rj_int(v, "preempt_delay_s", 0));
	else
		fputs(" Preempt: off\n", out);
	if (rj_bool(ospf, "enable", false))
		fprintf(out, " Adjust ospf-cost: on, cost %lld, applied +%lld\n",
			(long long)rj_int(ospf, "cost", 0), (long long)rj_int(ospf, "applied", 0));
	else
		fputs(" Adjust ospf-cost: off\n", out);
	fputs(" Tracked objects:", out);
	if (json_array_size(rj_arr(v, "tracked")) == 0)
		fputs(" none", out);
	fputc('\n', out);
	json_array_foreach (rj_arr(v, "tracked"), i, item)
		fprintf(out, "   %s %s: %s\n", rj_str(item, "type", "interface"),
			rj_str(item, "name", "?"), rj_str(item, "state", "unknown"));
	return 0;
}
