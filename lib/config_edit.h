/* A running config, one group at a time: changed by path (what config-set applies), printed in
 * libconfig syntax and shown as JSON (what config-show answers and hrpctl saves). Pure: no I/O.
 *
 * A change names a setting by its path in the schema, "vgmpd.preempt_delay" or
 * "vgmpd.ospf_cost.cost", and an operation:
 *     {"path": P, "value": V}                set (op "set" is the default)
 *     {"path": P, "op": "unset"}             back to the schema's default (a list: empty)
 *     {"path": P, "op": "add", "value": S}   one more item of a list of strings (no-op if there)
 *     {"path": P, "op": "remove", "value": S}  one item less (an error if it is not there)
 * A copy of the config gets every change of a request, then is validated whole by the loader
 * (types, ranges, cross-field checks): all the changes are taken, or none. */
#ifndef HS_CONFIG_EDIT_H
#define HS_CONFIG_EDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"

#define HS_CFG_EDIT_MAX 16 /* changes in one request */

/* Applies changes (a JSON array of the objects above) to a copy of cur. Only settings of the
 * group named owner may change (a daemon changes its own group). Returns 0 with *out (a new
 * config, cur's source kept) and *changed (owner's group differs from cur's), or -EINVAL (a bad
 * change, or the result fails validation), -ENOENT (no such setting, or no such item to remove),
 * -EPERM (another group), -ENOMEM; why in err, naming the setting. */
int hs_config_edit(const struct hs_config *cur, const char *owner, const json_t *changes,
		   struct hs_config **out, bool *changed, char *err, size_t errlen);

/* Writes one top-level group ("global", "vrrpd", "vgmpd", "hrpd") as the printer does:
 * `name = { ... };`, every setting included. -ENOENT for an unknown group. */
int hs_config_print_group(const struct hs_config *cfg, const char *group, FILE *out);
/* The same in a malloc'd string; NULL for an unknown group or no memory. */
char *hs_config_print_group_string(const struct hs_config *cfg, const char *group);

/* One group as a JSON object, keys in schema order (enums and addresses as strings, lists of
 * groups as arrays of objects); NULL for an unknown group. */
json_t *hs_config_group_json(const struct hs_config *cfg, const char *group);

#endif
