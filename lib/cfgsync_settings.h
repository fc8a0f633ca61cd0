/* Config sync of hotstandby's own settings, pure (doc/config-sync.md "Settings sync"): which
 * settings follow the config master (the schema's SYNCED class, declared once in
 * config_schema.c), their canonical text for the settings record and its digest, and the
 * config-set changes that make a box's settings the master's. A settings object is flat JSON,
 * {"vgmpd.preempt_delay": 60, "hrpd.hello_interval": 1000, ...}, values as config-show gives
 * them. */
#ifndef HS_CFGSYNC_SETTINGS_H
#define HS_CFGSYNC_SETTINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* True when path ("vgmpd.ospf_cost.cost") names a setting of class SYNCED. */
bool hs_cfgsync_setting_synced(const char *path);

/* Adds to out (an object) the SYNCED settings of one group found in group_json (what
 * config-show answers under settings.GROUP), keyed by path. Returns how many were added. */
size_t hs_cfgsync_settings_pick(const char *group, const json_t *group_json, json_t *out);

/* The canonical text of a settings object: compact JSON, keys sorted. malloc'd, or NULL. */
char *hs_cfgsync_settings_text(const json_t *settings);

/* The config-set changes ([{"path", "value"}], new) that make mine's settings of group equal
 * theirs: a SYNCED path of group whose value differs or is missing in mine. Paths that are not
 * SYNCED (a LOCAL key, an unknown one) are never changed; *skipped counts them (may be NULL). */
json_t *hs_cfgsync_settings_changes(const json_t *mine, const json_t *theirs, const char *group,
				    size_t *skipped);

/* The settings that differ: [{"path", "here", "peer"}] (new; a missing side is null), sorted by
 * path. */
json_t *hs_cfgsync_settings_diff(const json_t *mine, const json_t *theirs);

#endif
