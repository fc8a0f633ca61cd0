/* Which hotstandby settings follow the config master, and how a box's become the master's
 * (cfgsync_settings.h). The class of a setting is read from the schema only: a key added there
 * as SYNCED is synced, a LOCAL one never is, whatever a peer sends. */
#include <stdlib.h>
#include <string.h>

#include "cfgsync_settings.h"
#include "config_schema.h"

static const struct hs_cfg_field *lookup(const char *path)
{
	const struct hs_cfg_field *table = hs_config_schema, *f = NULL;
	char buf[HS_CFG_KEY_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return NULL;
	for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok;
	     tok = strtok_r(NULL, ".", &save)) {
		if (!table)
			return NULL;
		f = hs_cfg_field_find(table, tok);
		if (!f)
			return NULL;
		table = f->type == HS_CFG_GROUP ? f->sub : NULL;
	}
	return f;
}

bool hs_cfgsync_setting_synced(const char *path)
{
	const struct hs_cfg_field *f = path && strchr(path, '.') ? lookup(path) : NULL;
	return f && f->cls == HS_CFG_SYNCED && f->type != HS_CFG_GROUP && f->type != HS_CFG_LIST;
}

/* Groups are walked whatever their own class: a LOCAL group (vgmpd.ospf_cost) may hold
 * SYNCED settings; lists of groups (VRRP groups, trackers) are per box and never walked. */
static size_t pick(const struct hs_cfg_field *table, const char *prefix, const json_t *obj,
		   json_t *out)
{
	size_t n = 0;
	char path[HS_CFG_KEY_MAX];

	for (const struct hs_cfg_field *f = table; f->name; f++) {
		json_t *v = json_object_get(obj, f->name);
		if (!v ||
		    snprintf(path, sizeof(path), "%s.%s", prefix, f->name) >= (int)sizeof(path))
			continue;
		if (f->type == HS_CFG_GROUP)
			n += pick(f->sub, path, v, out);
		else if (f->type != HS_CFG_LIST && f->cls == HS_CFG_SYNCED &&
			 json_object_set(out, path, v) == 0)
			n++;
	}
	return n;
}

size_t hs_cfgsync_settings_pick(const char *group, const json_t *group_json, json_t *out)
{
	const struct hs_cfg_field *g = hs_cfg_field_find(hs_config_schema, group);
	if (!g || g->type != HS_CFG_GROUP || !json_is_object(group_json) || !json_is_object(out))
		return 0;
	return pick(g->sub, group, group_json, out);
}

char *hs_cfgsync_settings_text(const json_t *settings)
{
	return json_dumps(settings, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
}

static bool in_group(const char *path, const char *group)
{
	size_t gl = strlen(group);
	return strncmp(path, group, gl) == 0 && path[gl] == '.';
}

json_t *hs_cfgsync_settings_changes(const json_t *mine, const json_t *theirs, const char *group,
				    size_t *skipped)
{
	json_t *changes = json_array(), *v;
	const char *path;
	size_t skip = 0;

	json_object_foreach ((json_t *)theirs, path, v) {
		if (!in_group(path, group))
			continue;
		if (!hs_cfgsync_setting_synced(path)) {
			skip++;
			continue;
		}
		if (json_equal(json_object_get(mine, path), v))
			continue;
		json_array_append_new(changes, json_pack("{s:s, s:O}", "path", path, "value", v));
	}
	if (skipped)
		*skipped = skip;
	return changes;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *hs_cfgsync_settings_diff(const json_t *mine, const json_t *theirs)
{
	json_t *both = json_object(), *out = json_array(), *v;
	const char *path;

	json_object_update(both, (json_t *)mine);
	json_object_update(both, (json_t *)theirs);
	size_t n = json_object_size(both), i = 0;
	const char **keys = calloc(n ? n : 1, sizeof(*keys));
	json_object_foreach (both, path, v) {
		if (keys && !json_equal(json_object_get(mine, path), json_object_get(theirs, path)))
			keys[i++] = path;
	}
	if (keys)
		qsort(keys, i, sizeof(*keys), by_path);
	for (size_t k = 0; keys && k < i; k++) {
		json_t *h = json_object_get(mine, keys[k]), *p = json_object_get(theirs, keys[k]);
		json_array_append_new(
			out, json_pack("{s:s, s:O?, s:O?}", "path", keys[k], "here", h, "peer", p));
	}
	free(keys);
	json_decref(both);
	return out;
}
