/* Run-time config changes over the control socket, shared by the three daemons:
 *   config-set   {"changes": [{"path": "vgmpd.preempt_delay", "value": 5}, ...]}
 *   config-show  {"groups": ["vgmpd"]}   (default: global and the daemon's own group)
 * A change copies the running config, edits it and validates the copy whole (config_edit.c),
 * then applies it through the same ops->reload a SIGHUP reload uses, so each daemon's reload
 * logic is the only place that knows how to take a new setting. The change lives in the running
 * config only: `hrpctl save` writes the file, and a reload (SIGHUP) re-reads the file, dropping
 * unsaved changes. A daemon changes only its own group; a setting read only at start is refused,
 * as is a config the daemon's reload will not take: nothing is half-applied. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_edit.h"
#include "config_schema.h"
#include "daemon.h"
#include "log.h"

/* The first change whose setting the schema marks start-only, or NULL. */
static const char *start_only(const json_t *changes)
{
	size_t i;
	json_t *c;

	json_array_foreach (changes, i, c) {
		const char *path = json_string_value(json_object_get(c, "path"));
		const struct hs_cfg_field *table = hs_config_schema, *f = NULL;
		char buf[HS_CFG_KEY_MAX];
		snprintf(buf, sizeof(buf), "%s", path ? path : "");
		for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok && table;
		     tok = strtok_r(NULL, ".", &save)) {
			f = hs_cfg_field_find(table, tok);
			table = f && f->type == HS_CFG_GROUP ? f->sub : NULL;
		}
		if (f && f->restart)
			return path;
	}
	return NULL;
}

static int cmd_config_set(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	const json_t *changes = json_object_get(args, "changes");
	struct hs_config *next = NULL;
	const char *fixed = json_is_array(changes) ? start_only(changes) : NULL;
	bool changed = false;
	int r;

	if (fixed) {
		snprintf(err, errlen,
			 "%s is read at start only: change it in the file and restart %s", fixed,
			 d->ops->name);
		r = -EINVAL;
	} else {
		r = hs_config_edit(d->config, d->ops->name, changes, &next, &changed, err, errlen);
	}
	if (r == 0 && changed) {
		r = hs_daemon_apply(d, next);
		if (r < 0) {
			snprintf(err, errlen, "%s cannot take this change at run time: %s",
				 d->ops->name, d->apply_error[0] ? d->apply_error : strerror(-r));
			hs_config_free(next);
			r = -EIO; /* "failed", not "bad-args": the change itself was valid */
		}
	} else {
		hs_config_free(next);
	}
	if (r < 0) {
		d->config_change_failures++;
		hs_warn("[config]", "config-set refused: %s", err);
		return r;
	}
	if (changed) {
		d->config_changes++;
		hs_notice("[config]", "running config changed (%zu settings; not saved)",
			  json_array_size(changes));
	}
	*result = json_pack("{s:b, s:I}", "changed", changed, "changes",
			    (json_int_t)d->config_changes);
	return 0;
}

static json_t *groups_arg(struct hs_daemon *d, json_t *args)
{
	json_t *g = json_object_get(args, "groups");

	if (g)
		return json_incref(g);
	return json_pack("[s, s]", "global", d->ops->name);
}

static int cmd_config_show(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	json_t *groups = groups_arg(d, args), *text = json_object(), *settings = json_object(), *g;
	size_t i;
	int r = json_is_array(groups) ? 0 : -EINVAL;

	json_array_foreach (groups, i, g) {
		const char *name = json_string_value(g);
		char *t = name ? hs_config_print_group_string(d->config, name) : NULL;
		json_t *j = name ? hs_config_group_json(d->config, name) : NULL;
		if (!t || !j) {
			free(t);
			json_decref(j);
			r = -EINVAL;
			break;
		}
		json_object_set_new(text, name, json_string(t));
		json_object_set_new(settings, name, j);
		free(t);
	}
	json_decref(groups);
	if (r < 0) {
		snprintf(err, errlen,
			 "expected {\"groups\": [\"global\", \"vrrpd\", \"vgmpd\", "
			 "\"hrpd\"]}");
		json_decref(text);
		json_decref(settings);
		return r;
	}
	*result = json_pack("{s:s, s:s, s:s, s:I, s:o, s:o}", "daemon", d->ops->name, "group",
			    d->ops->name, "file", d->config_path, "changes",
			    (json_int_t)d->config_changes, "text", text, "settings", settings);
	return 0;
}

const struct hs_ctl_command hs_daemon_config_commands[] = {
	{ "config-set",
	  "change settings of this daemon's group in the running config: {\"changes\": [{\"path\", "
	  "\"op\": set|unset|add|remove, \"value\"}]}",
	  cmd_config_set },
	{ "config-show",
	  "groups of the running config as text and JSON: {\"groups\": [NAME, ...]} (default: "
	  "global and this daemon's)",
	  cmd_config_show },
	{ NULL },
};
