/* display vrrp verbose and display vrrp statistics: the daemon's full group objects (timers,
 * counters, transitions) with the brief layout's header lines. */
#include <errno.h>
#include <string.h>

#include "render.h"

int view_vrrp_detail(const struct cli_view_in *in, json_t **out)
{
	json_t *groups = json_deep_copy(rj_arr(in->results[0], "groups"));
	json_t *links = json_deep_copy(rj_arr(in->results[0], "links"));
	*out = json_pack("{s:o, s:o}", "groups", groups ? groups : json_array(), "links",
			 links ? links : json_array());
	/* the interface watch's counters (vrrpd's status; none from an older vrrpd) */
	json_t *watch = json_object_get(in->results[0], "watch");
	if (*out && json_is_object(watch))
		json_object_set_new(*out, "watch", json_deep_copy(watch));
	return *out ? 0 : -ENOMEM;
}

static void print_drops(const json_t *counters, const char *indent, FILE *out)
{
	const char *reason;
	const json_t *n;
	const json_t *drops = json_object_get(counters, "drops");
	if (json_object_size(drops) == 0) {
		fprintf(out, "%sDropped : 0\n", indent);
		return;
	}
	json_object_foreach ((json_t *)drops, reason, n)
		fprintf(out, "%sDropped (%s) : %lld\n", indent, reason,
			(long long)json_integer_value(n));
}

static void group_title(const json_t *g, FILE *out)
{
	fprintf(out, "  %s | Virtual Router %lld%s\n", rj_str(g, "interface", "?"),
		(long long)rj_int(g, "vrid", 0),
		strcmp(rj_str(g, "family", "ipv4"), "ipv6") ? "" : " (IPv6)");
}

int render_vrrp_statistics(const json_t *v, FILE *out)
{
	const json_t *g, *l;
	size_t i;
	json_array_foreach (rj_arr(v, "groups"), i, g) {
		const json_t *c = json_object_get(g, "counters");
		group_title(g, out);
		fprintf(out,
			"    Received : %lld   Adverts accepted : %lld   Priority zero : %lld\n",
			(long long)rj_int(c, "rx", 0), (long long)rj_int(c, "rx_adverts", 0),
			(long long)rj_int(c, "rx_prio0", 0));
		print_drops(c, "    ", out);
		fprintf(out, "    Address list mismatch : %lld\n",
			(long long)rj_int(c, "addr_list_mismatch", 0));
		fprintf(out, "    Sent : %lld   Priority zero sent : %lld\n",
			(long long)rj_int(c, "tx", 0), (long long)rj_int(c, "tx_prio0", 0));
		fprintf(out, "    Transitions : %lld   Became master : %lld\n",
			(long long)rj_int(c, "transitions", 0),
			(long long)rj_int(c, "became_master", 0));
		fprintf(out, "    Preempt discards : %lld   Accepted in preempt delay : %lld\n",
			(long long)rj_int(c, "preempt_discards", 0),
			(long long)rj_int(c, "preempt_held", 0));
		fprintf(out,
			"    Split-brain heals : %lld (throttled %lld)   Reports to VGMP : %lld   "
			"Stalls : %lld\n\n",
			(long long)rj_int(c, "split_brain_heals", 0),
			(long long)rj_int(c, "split_brain_throttled", 0),
			(long long)rj_int(c, "vgmp_reports", 0), (long long)rj_int(c, "stalls", 0));
	}
	json_array_foreach (rj_arr(v, "links"), i, l) {
		const json_t *c = json_object_get(l, "unmatched");
		fprintf(out, "  %s (%s), packets for no group : %lld   Socket errors : %lld\n",
			rj_str(l, "interface", "?"), rj_str(l, "family", "?"),
			(long long)rj_int(c, "rx", 0), (long long)rj_int(l, "rx_errors", 0));
		print_drops(c, "    ", out);
	}
	const json_t *w = json_object_get(v, "watch");
	if (json_is_object(w))
		fprintf(out,
			"  Interface watch : %s   Notifications : %lld (overruns %lld)   Passes : "
			"%lld\n    Groups stopped : %lld   started : %lld   readdressed : %lld\n",
			json_is_true(json_object_get(w, "on")) ? "on" : "off",
			(long long)rj_int(w, "notifications", 0),
			(long long)rj_int(w, "overruns", 0), (long long)rj_int(w, "passes", 0),
			(long long)rj_int(w, "stops", 0), (long long)rj_int(w, "starts", 0),
			(long long)rj_int(w, "readdressed", 0));
	return 0;
}

static void ms_or_dash(FILE *out, const char *label, const json_t *g, const char *key)
{
	const json_t *x = json_object_get(g, key);
	if (json_is_integer(x))
		fprintf(out, "    %s : %lld ms\n", label, (long long)json_integer_value(x));
	else
		fprintf(out, "    %s : -\n", label);
}

int render_vrrp_verbose(const json_t *v, FILE *out)
{
	const json_t *g, *t;
	size_t i, j;
	json_array_foreach (rj_arr(v, "groups"), i, g) {
		if (i > 0)
			fputc('\n', out);
		json_t *one = json_pack("{s:[O]}", "groups", g);
		render_vrrp(one, out);
		json_decref(one);
		fprintf(out,
			"    Master adver interval : %lld cs   Skew : %lld cs   Master down : "
			"%lld cs\n",
			(long long)rj_int(g, "master_adver_interval_cs", 0),
			(long long)rj_int(g, "skew_cs", 0),
			(long long)rj_int(g, "master_down_cs", 0));
		ms_or_dash(out, "Next advert in", g, "next_advert_ms");
		ms_or_dash(out, "Master down in", g, "master_down_in_ms");
		fprintf(out, "    Virtual MAC link : %s\n", rj_str(g, "vmac_link", "-"));
		if (json_object_get(g, "interface_status"))
			fprintf(out, "    Interface : %s\n", rj_str(g, "interface_status", "-"));
		if (json_object_get(g, "vmac_backup"))
			fprintf(out,
				"    As backup : %s   Ready after the last takeover : %lld us\n",
				rj_str(g, "vmac_backup", "-"),
				(long long)rj_int(g, "vmac_ready_us", 0));
		fputs("    State changes (newest first):\n", out);
		json_array_foreach (rj_arr(g, "history"), j, t)
			fprintf(out, "      %lld ms ago: %s -> %s (%s)\n",
				(long long)rj_int(t, "ago_ms", 0), rj_str(t, "old", "?"),
				rj_str(t, "new", "?"), rj_str(t, "reason", "?"));
	}
	return 0;
}
