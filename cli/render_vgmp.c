/* display vgmp: the election as vgmpd sees it.
 *
 * The view has stable keys (a member vgmpd does not send is null); "tracked" is vgmpd's list of
 * tracked objects as it is (render_track.c) and "notify" vgmpd's notify-hook counters as they
 * are, or null from a vgmpd without hooks. */
#include <errno.h>

#include "render.h"

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
		      view_tracked(vgmp), "ospf_cost", "enable", rj_bool_or_null(ospf, "enable"),
		      "cost", rj_int_or_null(ospf, "cost"), "applied",
		      rj_int_or_null(ospf, "applied"));
	if (v) {
		/* false: our hrpd is gone, the peer is unknown (null from an older vgmpd) */
		json_object_set_new(v, "hrpd_connected", rj_bool_or_null(vgmp, "hrpd_connected"));
		json_t *notify = json_deep_copy(rj_obj(vgmp, "notify"));
		json_object_set_new(v, "notify", notify ? notify : json_null());
	}
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

/* " Notify hooks: 2, runs 5 (ok 4, failed 1, timeouts 0, spawn errors 0), ..." */
static void render_notify(const json_t *n, FILE *out)
{
	fprintf(out,
		" Notify hooks: %lld, runs %lld (ok %lld, failed %lld, timeouts %lld, spawn errors "
		"%lld), queued %lld, pending %lld, dropped %lld%s\n",
		(long long)rj_int(n, "hooks", 0), (long long)rj_int(n, "runs", 0),
		(long long)rj_int(n, "ok", 0), (long long)rj_int(n, "failed", 0),
		(long long)rj_int(n, "timeouts", 0), (long long)rj_int(n, "spawn_errors", 0),
		(long long)rj_int(n, "queued", 0), (long long)rj_int(n, "pending", 0),
		(long long)rj_int(n, "dropped", 0),
		rj_bool(n, "running", false) ? ", one running" : "");
}

int render_vgmp(const json_t *v, FILE *out)
{
	const json_t *peer = rj_obj(v, "peer"), *ospf = rj_obj(v, "ospf_cost");

	fprintf(out, " VGMP state: %s, peer: %s%s\n", rj_str(v, "state", "initialize"),
		rj_str(peer, "state", "unknown"),
		rj_bool(v, "hrpd_connected", true) ? "" : " (hrpd gone: VRRP adverts decide)");
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
	render_tracked(rj_arr(v, "tracked"), out);
	if (rj_obj(v, "notify"))
		render_notify(rj_obj(v, "notify"), out);
	return 0;
}
