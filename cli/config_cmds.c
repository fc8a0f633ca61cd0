/* The config commands' arguments, display current-configuration and save (config_cmds.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli_parse.h"
#include "config_cmds.h"
#include "render.h"

/* ---- config-set arguments ---- */

static json_t *set(const char *path, json_t *value)
{
	return json_pack("{s:s, s:o}", "path", path, "value", value);
}

static json_t *unset(const char *path)
{
	return json_pack("{s:s, s:s}", "path", path, "op", "unset");
}

static json_t *list_op(const char *path, const char *op, const char *item)
{
	return json_pack("{s:s, s:s, s:s}", "path", path, "op", op, "value", item);
}

/* Takes the list (and every change in it). */
static int changes(json_t **args, json_t *list)
{
	*args = list ? json_pack("{s:o}", "changes", list) : NULL;
	return *args ? 0 : -ENOMEM;
}

static int one(json_t **args, json_t *change)
{
	return changes(args, change ? json_pack("[o]", change) : NULL);
}

int args_preempt(const struct cli_match *m, json_t **args)
{
	json_t *list = json_pack("[o]", set("vgmpd.preempt", json_true()));
	long delay;

	if (list && cli_match_int(m, "delay", &delay) == 0)
		json_array_append_new(list, set("vgmpd.preempt_delay", json_integer(delay)));
	return changes(args, list);
}

/* undo hrp preempt: no preemption; undo hrp preempt delay: the default delay again. */
int args_undo_preempt(const struct cli_match *m, json_t **args)
{
	if (cli_match_has(m, "delay"))
		return one(args, unset("vgmpd.preempt_delay"));
	return one(args, set("vgmpd.preempt", json_false()));
}

int args_standby_device(const struct cli_match *m, json_t **args)
{
	return one(args, set("vgmpd.standby_device", json_true()));
}

int args_undo_standby_device(const struct cli_match *m, json_t **args)
{
	return one(args, set("vgmpd.standby_device", json_false()));
}

int args_ospf_cost(const struct cli_match *m, json_t **args)
{
	json_t *list = json_pack("[o]", set("vgmpd.ospf_cost.enable", json_true()));
	long cost;

	if (list && cli_match_int(m, "cost", &cost) == 0)
		json_array_append_new(list, set("vgmpd.ospf_cost.cost", json_integer(cost)));
	return changes(args, list);
}

int args_undo_ospf_cost(const struct cli_match *m, json_t **args)
{
	return one(args, set("vgmpd.ospf_cost.enable", json_false()));
}

int args_mirror(const struct cli_match *m, json_t **args)
{
	return one(args, set("hrpd.mirror_session", json_true()));
}

int args_undo_mirror(const struct cli_match *m, json_t **args)
{
	return one(args, set("hrpd.mirror_session", json_false()));
}

/* hrp auto-sync [config|connection-status]: the one named, or both. */
static int auto_sync(const struct cli_match *m, json_t **args, bool on)
{
	bool config = cli_match_has(m, "config"), sessions = cli_match_has(m, "connection-status");
	json_t *list = json_array();

	if (list && (config || !sessions))
		json_array_append_new(list, set("hrpd.auto_sync_config", json_boolean(on)));
	if (list && (sessions || !config))
		json_array_append_new(list, set("hrpd.auto_sync_sessions", json_boolean(on)));
	return changes(args, list);
}

int args_auto_sync(const struct cli_match *m, json_t **args)
{
	return auto_sync(m, args, true);
}

int args_undo_auto_sync(const struct cli_match *m, json_t **args)
{
	return auto_sync(m, args, false);
}

int args_track(const struct cli_match *m, json_t **args)
{
	const char *ifname = cli_match_param(m, "ifname");

	return ifname ? one(args, list_op("vgmpd.track_interfaces", "add", ifname)) : -EINVAL;
}

int args_undo_track(const struct cli_match *m, json_t **args)
{
	const char *ifname = cli_match_param(m, "ifname");

	return ifname ? one(args, list_op("vgmpd.track_interfaces", "remove", ifname)) : -EINVAL;
}

int args_standby_config(const struct cli_match *m, json_t **args)
{
	return one(args, set("hrpd.standby_config", json_true()));
}

int args_undo_standby_config(const struct cli_match *m, json_t **args)
{
	return one(args, set("hrpd.standby_config", json_false()));
}

int args_firewall_nft(const struct cli_match *m, json_t **args)
{
	const char *text = cli_match_param(m, "string");

	if (!text)
		return -EINVAL;
	*args = json_pack("{s:s}", "command", text);
	return *args ? 0 : -ENOMEM;
}

/* ---- display current-configuration and save ---- */

static const char *const daemons[CFG_RESULT_MAX] = {
	[CFG_RESULT_VRRPD] = "vrrpd",
	[CFG_RESULT_VGMPD] = "vgmpd",
	[CFG_RESULT_HRPD] = "hrpd",
};

char *cli_config_text(const char *header, const char *global, const char *vrrpd, const char *vgmpd,
		      const char *hrpd)
{
	const char *const groups[] = { global, vrrpd, vgmpd, hrpd };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (header)
		fputs(header, f);
	/* '#' between the groups, as the appliance separates its sections */
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		size_t n = groups[i] ? strlen(groups[i]) : 0;
		fprintf(f, "#\n%s%s", groups[i] ? groups[i] : "",
			n && groups[i][n - 1] != '\n' ? "\n" : "");
	}
	fputs("#\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* What a daemon's config-show answered for one group. */
static const json_t *group_of(const json_t *result, const char *part, const char *group)
{
	return json_object_get(json_object_get(result, part), group);
}

static const char *text_of(const json_t *result, const char *group)
{
	return json_string_value(group_of(result, "text", group));
}

int view_current_config(const struct cli_view_in *in, json_t **out)
{
	const json_t *vg = in->results[CFG_RESULT_VGMPD];
	json_t *config = json_object(), *unsaved = json_object(), *v;
	const json_t *global = group_of(vg, "settings", "global");
	char *text;

	json_object_set_new(config, "global", global ? json_deep_copy(global) : json_null());
	for (int i = 0; i < CFG_RESULT_MAX; i++) {
		const json_t *g = group_of(in->results[i], "settings", daemons[i]);
		json_object_set_new(config, daemons[i], g ? json_deep_copy(g) : json_null());
		json_object_set_new(unsaved, daemons[i], rj_int_or_null(in->results[i], "changes"));
	}
	text = cli_config_text(NULL, text_of(vg, "global"),
			       text_of(in->results[CFG_RESULT_VRRPD], "vrrpd"),
			       text_of(vg, "vgmpd"), text_of(in->results[CFG_RESULT_HRPD], "hrpd"));
	v = json_pack("{s:o, s:o, s:o, s:s?}", "file", rj_str_or_null(vg, "file"),
		      "unsaved_changes", unsaved, "config", config, "text", text);
	free(text);
	*out = v;
	return v ? 0 : -ENOMEM;
}

int render_current_config(const json_t *view, FILE *out)
{
	fputs(rj_str(view, "text", ""), out);
	return 0;
}

int view_save(const struct cli_view_in *in, json_t **out)
{
	const json_t *vg = in->results[CFG_RESULT_VGMPD];
	json_t *files = json_object(), *groups = json_object(), *v;
	const json_t *global = group_of(vg, "text", "global");
	const char *file = rj_str(vg, "file", NULL);

	for (int i = 0; i < CFG_RESULT_MAX; i++) {
		const char *f = rj_str(in->results[i], "file", NULL);
		const char *t = text_of(in->results[i], daemons[i]);
		json_object_set_new(files, daemons[i], f ? json_string(f) : json_null());
		json_object_set_new(groups, daemons[i], t ? json_string(t) : json_null());
		if (!f || !file || strcmp(f, file) != 0)
			file = NULL;
	}
	v = json_pack("{s:o, s:o, s:o, s:o}", "file", file ? json_string(file) : json_null(),
		      "files", files, "global", global ? json_deep_copy(global) : json_null(),
		      "groups", groups);
	*out = v;
	return v ? 0 : -ENOMEM;
}

int render_save(const json_t *view, FILE *out)
{
	const char *file = rj_str(view, "file", "?");

	fprintf(out, "Info: The current configuration was written to %s.\n", file);
	if (rj_str(view, "backup", NULL))
		fprintf(out, "Info: The previous file is kept as %s.\n",
			rj_str(view, "backup", ""));
	if (!strcmp(rj_str(view, "global_from", "file"), "running"))
		fprintf(out,
			"Warning: %s could not be read: the global group was taken from the "
			"running config.\n",
			file);
	return 0;
}
