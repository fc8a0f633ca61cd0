/* display hrp state [verbose] and display hrp interface.
 *
 * The state combines two daemons: hrpd knows the HRP side (enabled, heartbeat, sync settings,
 * the last change), vgmpd the election (state, running priority, the peer's state and priority,
 * tracked objects). The role shown is hrpd's, or vgmpd's state while hrpd says "unknown". When
 * hrpd cannot be reached, vgmpd stands in for the stable time and the last change (its newest
 * history entry), the heartbeat is null, and the command ends with the "unreachable" error.
 * pair_consistency is hrpd's status hrp.config.pair as it is (the pairing check's summary),
 * present only when hrpd makes that check.
 *
 * verbose adds, with stable keys: heartbeat, priority_changes (vgmpd's ledger as it is),
 * configuration, detail (Huawei's list of monitored objects), tracked (vgmpd's tracked objects as
 * they are: render_track.c) and readiness (render_ready.c). */
#include <errno.h>
#include <string.h>

#include "cli_parse.h"
#include "render.h"

/* hrpd is down: vgmpd's newest change, in the same form. */
static json_t *vgmp_change_view(const json_t *vgmp, int64_t now_ms)
{
	const json_t *c = json_array_get(rj_arr(vgmp, "history"), 0);
	char when[32];

	if (!json_is_object(c))
		return json_null();
	render_timestamp(when, sizeof(when), now_ms - rj_int(c, "ago_ms", 0));
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "time", when, "old_state",
			 rj_str_or_null(c, "old"), "new_state", rj_str_or_null(c, "new"), "reason",
			 rj_str_or_null(c, "reason"), "local_priority",
			 rj_int_or_null(c, "priority"), "peer_priority",
			 rj_int_or_null(c, "peer_priority"));
}

static json_t *last_change_view(const json_t *hs, const json_t *hrp, int64_t now_ms)
{
	const json_t *lc = rj_obj(hrp, "last_change");
	int64_t age = rj_int(hs, "uptime_ms", 0) - rj_int(hrp, "stable_since_ms", 0);
	char when[32];

	if (!lc)
		return json_null();
	if (rj_str(lc, "time", NULL))
		snprintf(when, sizeof(when), "%s", rj_str(lc, "time", ""));
	else
		render_timestamp(when, sizeof(when), now_ms - (age > 0 ? age : 0));
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "time", when, "old_state",
			 rj_str_or_null(lc, "old"), "new_state", rj_str_or_null(lc, "new"),
			 "reason", rj_str_or_null(lc, "reason"), "local_priority",
			 rj_int_or_null(lc, "local_priority"), "peer_priority",
			 rj_int_or_null(lc, "peer_priority"));
}

static json_t *configuration_view(const json_t *hrp, const json_t *vgmp)
{
	const json_t *ospf = rj_obj(vgmp, "ospf_cost");

	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "hello_interval_ms", rj_int_or_null(hrp, "hello_interval_ms"),
			 "dead_count", rj_int_or_null(hrp, "dead_count"), "preempt",
			 rj_bool_or_null(vgmp, "preempt"), "preempt_delay_s",
			 rj_int_or_null(vgmp, "preempt_delay_s"), "mirror_session",
			 rj_bool_or_null(hrp, "mirror_session"), "auto_sync_config",
			 rj_bool_or_null(hrp, "auto_sync_config"), "auto_sync_sessions",
			 rj_bool_or_null(hrp, "auto_sync_sessions"), "adjust_ospf_cost",
			 rj_bool_or_null(ospf, "enable"), "ospf_cost", rj_int_or_null(ospf, "cost"),
			 "mode", rj_str_or_null(vgmp, "mode"), "standby_device",
			 rj_bool_or_null(vgmp, "standby_device"));
}

static int add_detail(json_t *list, const char *object, const char *state)
{
	return json_array_append_new(list,
				     json_pack("{s:s, s:s}", "object", object, "state", state));
}

/* A bound VRRP group's state as the detail shows it: the role it holds for VGMP. */
static const char *group_role(const char *state)
{
	if (!strcmp(state, "master"))
		return "active";
	if (!strcmp(state, "backup"))
		return "standby";
	return state;
}

/* The objects VGMP watches: bound VRRP groups, tracked objects, the OSPF cost adjustment. */
static json_t *detail_view(const json_t *vgmp, const json_t *vrrp_status)
{
	const json_t *ospf = rj_obj(vgmp, "ospf_cost"), *item;
	json_t *list = json_array();
	char name[160];
	size_t i;

	json_array_foreach (rj_arr(vrrp_status, "groups"), i, item) {
		const char *state = rj_str(item, "state", "unknown");
		if (!strcmp(rj_str(item, "vgmp", "none"), "none"))
			continue;
		/* Huawei configures IPv6 groups with "vrrp6 vrid N" */
		snprintf(name, sizeof(name), "%s %s vrid %lld", rj_str(item, "interface", "?"),
			 strcmp(rj_str(item, "family", "ipv4"), "ipv6") ? "vrrp" : "vrrp6",
			 (long long)rj_int(item, "vrid", 0));
		add_detail(list, name, group_role(state));
	}
	json_array_foreach (rj_arr(vgmp, "tracked"), i, item) {
		const char *type = rj_str(item, "type", "interface");
		if (!strcmp(type, "interface"))
			snprintf(name, sizeof(name), "%s", rj_str(item, "name", "?"));
		else
			snprintf(name, sizeof(name), "%s %s", type, rj_str(item, "name", "?"));
		add_detail(list, name, rj_str(item, "state", "unknown"));
	}
	if (rj_bool(ospf, "enable", false)) {
		char cost[32];
		snprintf(cost, sizeof(cost), "+%lld", (long long)rj_int(ospf, "applied", 0));
		add_detail(list, "ospf-cost", cost);
	}
	return list;
}

int view_hrp_state(const struct cli_view_in *in, json_t **out)
{
	const json_t *hs = in->results[HRP_RESULT_HRPD], *vs = in->results[HRP_RESULT_VGMPD];
	const json_t *hrp = rj_obj(hs, "hrp"), *vgmp = rj_obj(vs, "vgmp");
	const json_t *peer = rj_obj(vgmp, "peer");
	const char *role = rj_str(hrp, "role", "unknown");
	const char *peer_role = rj_str(hrp, "peer_role", "unknown");
	int64_t stable = rj_int(hs, "uptime_ms", 0) - rj_int(hrp, "stable_since_ms", 0);
	json_t *v, *change;

	if (!strcmp(role, "unknown"))
		role = rj_str(vgmp, "state", "unknown");
	if (!hs)
		stable = rj_int(vgmp, "stable_ms", 0);
	change = hs ? last_change_view(hs, hrp, in->now_ms) : vgmp_change_view(vgmp, in->now_ms);
	if (peer)
		peer_role = rj_str(peer, "state", "unknown");
	v = json_pack("{s:o, s:b, s:s, s:s, s:o, s:o, s:f, s:I, s:o}", "name",
		      rj_str_or_null(hs, "name"), "enabled", rj_bool(hrp, "enabled", false), "role",
		      role, "peer_role", peer_role, "running_priority",
		      rj_int_or_null(vgmp, "priority"), "peer_priority",
		      rj_int_or_null(peer, "priority"), "backup_channel_usage",
		      rj_real(hrp, "channel_usage", 0.0), "stable_time_s",
		      (json_int_t)(stable > 0 ? stable / 1000 : 0), "last_change", change);
	/* the pairing check's summary, from an hrpd that makes it */
	if (v && rj_obj(rj_obj(hrp, "config"), "pair"))
		json_object_set_new(v, "pair_consistency",
				    json_deep_copy(rj_obj(rj_obj(hrp, "config"), "pair")));
	/* the data channel held back by the send plan (doc/issu.md, the cold mode): only then */
	if (v && rj_bool(rj_obj(hrp, "data_channel"), "held_back", false))
		json_object_set_new(v, "data_channel", json_deep_copy(rj_obj(hrp, "data_channel")));
	if (v && in->match && cli_match_has(in->match, "verbose")) {
		const json_t *hb = rj_obj(hrp, "heartbeat"), *hpeer = rj_obj(hrp, "peer");
		json_object_set_new(
			v, "heartbeat",
			!hs ? json_null()
			    : json_pack("{s:s, s:o, s:o, s:o}", "peer_state",
					rj_str(hpeer, "state", "unknown"), "running_link",
					rj_str_or_null(hrp, "running_link"), "peer_heard_ms_ago",
					rj_int_or_null(hpeer, "last_rx_ms_ago"), "dead_time_ms",
					rj_int_or_null(hb, "dead_time_ms")));
		json_t *ledger = json_deep_copy(rj_arr(vgmp, "ledger"));
		json_object_set_new(v, "priority_changes", ledger ? ledger : json_array());
		json_object_set_new(v, "configuration", configuration_view(hrp, vgmp));
		json_object_set_new(v, "detail", detail_view(vgmp, in->results[HRP_RESULT_VRRPD]));
		json_object_set_new(v, "tracked", view_tracked(vgmp));
		json_object_set_new(v, "readiness", view_hrp_readiness(in));
	}
	*out = v;
	return v ? 0 : -ENOMEM;
}

static void print_int_or(FILE *out, const json_t *obj, const char *key, const char *dflt)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_integer(v))
		fprintf(out, "%lld", (long long)json_integer_value(v));
	else
		fputs(dflt, out);
}

static void render_last_change(const json_t *lc, FILE *out)
{
	fputs(" Last state change information: ", out);
	if (!json_is_object(lc)) {
		fputs("none\n", out);
		return;
	}
	fprintf(out, "%s HRP core state changed, old_state = %s, new_state = %s",
		rj_str(lc, "time", "-"), rj_str(lc, "old_state", "unknown"),
		rj_str(lc, "new_state", "unknown"));
	if (json_is_integer(json_object_get(lc, "local_priority"))) {
		fprintf(out, ", local_priority = %lld, peer_priority = ",
			(long long)rj_int(lc, "local_priority", 0));
		print_int_or(out, lc, "peer_priority", "unknown");
	}
	if (rj_str(lc, "reason", NULL))
		fprintf(out, ", reason = %s", rj_str(lc, "reason", ""));
	fputs(".\n", out);
}

/* One "label: value" line of the Configuration block, values in one column as on the box. */
static void config_line(FILE *out, const char *label, const char *fmt_value)
{
	fprintf(out, " %-29s%s\n", label, fmt_value);
}

static const char *bool_or_dash(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_boolean(v) ? render_onoff(json_is_true(v)) : "-";
}

static void render_configuration(const json_t *c, FILE *out)
{
	char buf[64];

	fputs("\n Configuration:\n", out);
	if (json_is_integer(json_object_get(c, "hello_interval_ms")))
		snprintf(buf, sizeof(buf), "%lldms", (long long)rj_int(c, "hello_interval_ms", 0));
	else
		snprintf(buf, sizeof(buf), "-");
	config_line(out, "hello interval:", buf);
	if (json_is_integer(json_object_get(c, "dead_count")))
		snprintf(buf, sizeof(buf), "%lld hellos", (long long)rj_int(c, "dead_count", 0));
	config_line(out,
		    "dead count:", json_is_integer(json_object_get(c, "dead_count")) ? buf : "-");
	if (rj_bool(c, "preempt", false))
		snprintf(buf, sizeof(buf), "%llds", (long long)rj_int(c, "preempt_delay_s", 0));
	else
		snprintf(buf, sizeof(buf), "%s", bool_or_dash(c, "preempt"));
	config_line(out, "preempt:", buf);
	config_line(out, "mirror session:", bool_or_dash(c, "mirror_session"));
	config_line(out, "auto-sync configuration:", bool_or_dash(c, "auto_sync_config"));
	config_line(out, "auto-sync connection-status:", bool_or_dash(c, "auto_sync_sessions"));
	config_line(out, "adjust ospf-cost:", bool_or_dash(c, "adjust_ospf_cost"));
	config_line(out, "mode:", rj_str(c, "mode", "-"));
	config_line(out, "standby device:", bool_or_dash(c, "standby_device"));
}

static void render_detail(const json_t *list, FILE *out)
{
	const json_t *item;
	char label[176];
	size_t i;

	fputs("\n Detail information:\n", out);
	json_array_foreach (list, i, item) {
		snprintf(label, sizeof(label), "%s:", rj_str(item, "object", "?"));
		fprintf(out, "%44s %s\n", label, rj_str(item, "state", "unknown"));
	}
}

/* One line: how many facts that must match the peer differ (display hrp config consistency
 * lists them). */
static void render_pair_line(const json_t *p, FILE *out)
{
	if (!p)
		return;
	if (!rj_bool(p, "compared", false))
		fputs(" Pair consistency: not compared\n", out);
	else if (rj_int(p, "count", 0) == 0)
		fputs(" Pair consistency: no differences\n", out);
	else
		fprintf(out, " Pair consistency: %lld difference%s (%lld error%s)\n",
			(long long)rj_int(p, "count", 0), rj_int(p, "count", 0) == 1 ? "" : "s",
			(long long)rj_int(p, "errors", 0), rj_int(p, "errors", 0) == 1 ? "" : "s");
}

int render_hrp_state(const json_t *v, FILE *out)
{
	char stable[64];

	fprintf(out, " Role: %s, peer: %s\n", rj_str(v, "role", "unknown"),
		rj_str(v, "peer_role", "unknown"));
	fputs(" Running priority: ", out);
	print_int_or(out, v, "running_priority", "unknown");
	fputs(", peer: ", out);
	print_int_or(out, v, "peer_priority", "unknown");
	fprintf(out, "\n Backup channel usage: %.2f%%\n", rj_real(v, "backup_channel_usage", 0.0));
	render_duration(stable, sizeof(stable), rj_int(v, "stable_time_s", 0) * 1000);
	fprintf(out, " Stable time: %s\n", stable);
	render_last_change(json_object_get(v, "last_change"), out);
	render_pair_line(rj_obj(v, "pair_consistency"), out);
	if (rj_bool(rj_obj(v, "data_channel"), "held_back", false))
		fprintf(out, " Data channel: %s\n",
			rj_str(rj_obj(v, "data_channel"), "why", "held back by the send plan"));
	if (json_is_null(json_object_get(v, "heartbeat")))
		fputs("\n Heartbeat: unknown (hrpd not reachable)\n", out);
	if (rj_obj(v, "heartbeat")) {
		const json_t *hb = rj_obj(v, "heartbeat");
		fprintf(out, "\n Heartbeat: peer %s, running link %s, peer heard ",
			rj_str(hb, "peer_state", "unknown"), rj_str(hb, "running_link", "none"));
		print_int_or(out, hb, "peer_heard_ms_ago", "-");
		fputs(" ms ago, dead after ", out);
		print_int_or(out, hb, "dead_time_ms", "-");
		fputs(" ms of silence\n", out);
	}
	if (rj_obj(v, "configuration"))
		render_configuration(rj_obj(v, "configuration"), out);
	if (rj_arr(v, "detail"))
		render_detail(rj_arr(v, "detail"), out);
	if (rj_arr(v, "tracked")) {
		fputc('\n', out);
		render_tracked(rj_arr(v, "tracked"), out);
	}
	if (rj_obj(v, "readiness"))
		render_hrp_readiness(rj_obj(v, "readiness"), out);
	if (json_array_size(rj_arr(v, "priority_changes"))) {
		const json_t *e;
		size_t i;
		fputs("\n Priority changes (newest first):\n", out);
		json_array_foreach (rj_arr(v, "priority_changes"), i, e)
			fprintf(out, "   %lld s ago: %s %+lld -> %lld (%s)\n",
				(long long)(rj_int(e, "ago_ms", 0) / 1000),
				rj_str(e, "object", "?"), (long long)rj_int(e, "delta", 0),
				(long long)rj_int(e, "new_priority", 0), rj_str(e, "cause", "?"));
	}
	return 0;
}

int view_hrp_interface(const struct cli_view_in *in, json_t **out)
{
	/* The daemon's link objects as they are: state, counters, round-trip time. */
	json_t *list = json_deep_copy(rj_arr(in->results[0], "interfaces"));
	json_t *v = json_pack("{s:o}", "interfaces", list ? list : json_array());
	*out = v;
	return v ? 0 : -ENOMEM;
}

int render_hrp_interface(const json_t *v, FILE *out)
{
	const json_t *list = rj_arr(v, "interfaces"), *item;
	size_t i;

	if (json_array_size(list) == 0)
		fputs(" No heartbeat interface is configured.\n", out);
	json_array_foreach (list, i, item) {
		fprintf(out, " %s : %s", rj_str(item, "interface", "?"),
			rj_str(item, "state", "?"));
		if (rj_str(item, "remote", NULL))
			fprintf(out, " (local %s, remote %s)", rj_str(item, "local", "-"),
				rj_str(item, "remote", "-"));
		fputc('\n', out);
		if (json_object_get(item, "hellos_sent"))
			fprintf(out, "   hellos sent %lld, received %lld, auth failures %lld%s\n",
				(long long)rj_int(item, "hellos_sent", 0),
				(long long)rj_int(item, "hellos_received", 0),
				(long long)rj_int(item, "auth_failures", 0), "");
		if (json_is_number(json_object_get(item, "rtt_ms")))
			fprintf(out, "   rtt %.2f ms\n", rj_real(item, "rtt_ms", 0));
	}
	return 0;
}

int view_hrp_statistics(const struct cli_view_in *in, json_t **out)
{
	*out = json_deep_copy(in->results[0]);
	return *out ? 0 : -ENOMEM;
}

static void per_type_line(const json_t *v, const char *key, const char *label, FILE *out)
{
	const char *name;
	const json_t *n;
	fprintf(out, " %s:", label);
	json_object_foreach ((json_t *)rj_obj(v, key), name, n)
		if (json_integer_value(n))
			fprintf(out, " %s %lld", name, (long long)json_integer_value(n));
	fputc('\n', out);
}

int render_hrp_statistics(const json_t *v, FILE *out)
{
	const char *name;
	const json_t *n;
	per_type_line(v, "sent", "Sent", out);
	per_type_line(v, "received", "Received", out);
	fprintf(out, " Received in all: %lld, accepted %lld, dropped %lld\n",
		(long long)rj_int(v, "rx", 0), (long long)rj_int(v, "accepted", 0),
		(long long)rj_int(v, "dropped", 0));
	json_object_foreach ((json_t *)rj_obj(v, "drops"), name, n)
		if (json_integer_value(n))
			fprintf(out, "   dropped (%s): %lld\n", name,
				(long long)json_integer_value(n));
	fprintf(out, " Authentication failures: %lld\n", (long long)rj_int(v, "auth_failures", 0));
	fprintf(out, " Retransmissions: %lld, VGMP requests lost: %lld\n",
		(long long)rj_int(v, "retransmissions", 0),
		(long long)rj_int(v, "vgmp_requests_lost", 0));
	fprintf(out, " Peer up: %lld, peer down: %lld, re-negotiations: %lld (recovered %lld)\n",
		(long long)rj_int(v, "peer_up", 0), (long long)rj_int(v, "peer_down", 0),
		(long long)rj_int(v, "negotiations", 0),
		(long long)rj_int(v, "negotiations_recovered", 0));
	fprintf(out, " Not supported: sent %lld, received %lld\n",
		(long long)rj_int(v, "not_supported_sent", 0),
		(long long)rj_int(v, "not_supported_received", 0));
	return 0;
}
