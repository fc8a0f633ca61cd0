/* display vrrp and display vrrp brief, in the appliance's layout:
 *     lan0 | Virtual Router 1
 *       State : Master
 *       Virtual IP : 192.0.2.1
 *       ...
 * and the brief table (VRID  State  Interface  Type  Virtual IP) with its totals line. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "render.h"

static json_t *group_view(const json_t *g)
{
	json_t *vips = json_array(), *vip;
	size_t i;

	json_array_foreach (rj_arr(g, "vips"), i, vip)
		if (json_is_string(vip))
			json_array_append(vips, vip);
	return json_pack(
		"{s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o}",
		"interface", rj_str_or_null(g, "interface"), "vrid", rj_int_or_null(g, "vrid"),
		"family", rj_str_or_null(g, "family"), "version", rj_int_or_null(g, "version"),
		"state", rj_str(g, "state", "initialize"), "priority",
		rj_int_or_null(g, "priority"), "priority_config",
		rj_int_or_null(g, "priority_config"), "advert_interval_cs",
		rj_int_or_null(g, "advert_interval_cs"), "vips", vips, "vgmp",
		rj_str(g, "vgmp", "none"), "preempt", rj_bool_or_null(g, "preempt"),
		"preempt_delay_s", rj_int_or_null(g, "preempt_delay_s"), "accept",
		rj_bool_or_null(g, "accept"), "vmac", rj_bool_or_null(g, "vmac"), "master",
		rj_str_or_null(g, "master"));
}

int view_vrrp(const struct cli_view_in *in, json_t **out)
{
	const json_t *g;
	json_t *list = json_array(), *v;
	size_t i;

	json_array_foreach (rj_arr(in->results[0], "groups"), i, g)
		json_array_append_new(list, group_view(g));
	v = json_pack("{s:o}", "groups", list);
	*out = v;
	return v ? 0 : -ENOMEM;
}

/* "master" -> "Master" */
static const char *capitalised(const char *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s", s);
	buf[0] = (char)toupper((unsigned char)buf[0]);
	return buf;
}

static const char *yes_no(const json_t *g, const char *key)
{
	return rj_bool(g, key, false) ? "YES" : "NO";
}

/* RFC 5798 section 7.3: 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6. */
static void vmac_text(const json_t *g, char *buf, size_t len)
{
	bool v6 = !strcmp(rj_str(g, "family", "ipv4"), "ipv6");

	snprintf(buf, len, "0000-5e00-%02x%02x", v6 ? 2 : 1,
		 (unsigned)(rj_int(g, "vrid", 0) & 0xff));
}

static void interval_text(const json_t *g, char *buf, size_t len)
{
	json_int_t cs = rj_int(g, "advert_interval_cs", 100);

	if (cs % 100 == 0)
		snprintf(buf, len, "%lld s", (long long)(cs / 100));
	else
		snprintf(buf, len, "%lld ms", (long long)cs * 10);
}

static void render_group(const json_t *g, FILE *out)
{
	const json_t *vip;
	const char *binding = rj_str(g, "vgmp", "none");
	char buf[64];
	size_t i;

	fprintf(out, "  %s | Virtual Router %lld%s\n", rj_str(g, "interface", "?"),
		(long long)rj_int(g, "vrid", 0),
		strcmp(rj_str(g, "family", "ipv4"), "ipv6") ? "" : " (IPv6)");
	fprintf(out, "    State : %s\n",
		capitalised(rj_str(g, "state", "initialize"), buf, sizeof(buf)));
	json_array_foreach (rj_arr(g, "vips"), i, vip)
		fprintf(out, "    %s%s\n", i == 0 ? "Virtual IP : " : "             ",
			json_string_value(vip));
	if (json_array_size(rj_arr(g, "vips")) == 0)
		fputs("    Virtual IP : -\n", out);
	if (rj_str(g, "master", NULL))
		fprintf(out, "    Master IP : %s\n", rj_str(g, "master", ""));
	else
		fprintf(out, "    Master IP : %s\n",
			!strcmp(rj_str(g, "state", ""), "master") ? "local" : "-");
	fprintf(out, "    PriorityRun : %lld\n", (long long)rj_int(g, "priority", 0));
	if (json_is_integer(json_object_get(g, "priority_config")))
		fprintf(out, "    PriorityConfig : %lld\n",
			(long long)rj_int(g, "priority_config", 0));
	fprintf(out, "    Preempt : %s   Delay Time : %lld s\n", yes_no(g, "preempt"),
		(long long)rj_int(g, "preempt_delay_s", 0));
	interval_text(g, buf, sizeof(buf));
	fprintf(out, "    TimerRun : %s\n", buf);
	if (rj_bool(g, "vmac", false)) {
		vmac_text(g, buf, sizeof(buf));
		fprintf(out, "    Virtual MAC : %s\n", buf);
	}
	fprintf(out, "    Version : v%lld\n", (long long)rj_int(g, "version", 3));
	fprintf(out, "    Accept Mode : %s\n", yes_no(g, "accept"));
	if (!strcmp(binding, "none")) {
		fputs("    Config type : normal-vrrp\n", out);
	} else {
		fputs("    Config type : vgmp-vrrp\n", out);
		fprintf(out, "    VGMP group : %s\n", binding);
	}
}

int render_vrrp(const json_t *v, FILE *out)
{
	const json_t *g;
	size_t i;

	if (json_array_size(rj_arr(v, "groups")) == 0)
		fputs("Info: The VRRP does not exist.\n", out);
	json_array_foreach (rj_arr(v, "groups"), i, g) {
		if (i > 0)
			fputc('\n', out);
		render_group(g, out);
	}
	return 0;
}

static const char brief_rule[] =
	"----------------------------------------------------------------\n";

int render_vrrp_brief(const json_t *v, FILE *out)
{
	const json_t *g, *vip;
	size_t i, j, master = 0, backup = 0, other = 0;
	char state[32];

	fputs("VRID  State        Interface                Type     Virtual IP\n", out);
	fputs(brief_rule, out);
	json_array_foreach (rj_arr(v, "groups"), i, g) {
		const char *s = rj_str(g, "state", "initialize");
		const json_t *vips = rj_arr(g, "vips");
		master += !strcmp(s, "master");
		backup += !strcmp(s, "backup");
		other += strcmp(s, "master") && strcmp(s, "backup");
		fprintf(out, "%-5lld %-12s %-24s %-8s %s\n", (long long)rj_int(g, "vrid", 0),
			capitalised(s, state, sizeof(state)), rj_str(g, "interface", "?"),
			strcmp(rj_str(g, "vgmp", "none"), "none") ? "Vgmp" : "Normal",
			json_array_size(vips) ? json_string_value(json_array_get(vips, 0)) : "-");
		json_array_foreach (vips, j, vip)
			if (j > 0)
				fprintf(out, "%53s%s\n", "", json_string_value(vip));
	}
	fputs(brief_rule, out);
	fprintf(out, "Total:%-6zu Master:%-6zu Backup:%-6zu Non-active:%zu\n",
		master + backup + other, master, backup, other);
	return 0;
}
