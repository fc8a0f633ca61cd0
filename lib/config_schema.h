/* The config schema: every setting declared once, with type, range, default and class. The loader
 * (config.c), the semantic checks (config_check.c) and the printer (config_print.c) walk it. */
#ifndef HS_CONFIG_SCHEMA_H
#define HS_CONFIG_SCHEMA_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum hs_cfg_type {
	HS_CFG_BOOL,
	HS_CFG_INT,
	HS_CFG_STRING,
	HS_CFG_ENUM,
	HS_CFG_ADDR,
	HS_CFG_STRLIST,
	HS_CFG_ADDRLIST,
	HS_CFG_GROUP,
	HS_CFG_LIST, /* a list of groups, allocated */
	HS_CFG_TYPE_MAX,
};

/* Config sync (a later issue) sends SYNCED settings to the peer and never LOCAL ones. */
enum hs_cfg_class { HS_CFG_LOCAL, HS_CFG_SYNCED, HS_CFG_CLASS_MAX };

struct hs_cfg_ctx;

struct hs_cfg_field {
	const char *name; /* NULL ends a table */
	enum hs_cfg_type type;
	size_t offset;
	size_t size;         /* STRING: buffer size; LIST: element size; ADDRLIST: capacity */
	int64_t min, max;    /* INT: range; STRING: length; lists: element count */
	int64_t def;         /* BOOL / INT / ENUM default */
	const char *def_str; /* STRING default */
	const char *const *choices;     /* ENUM names, index = value, NULL-terminated */
	const struct hs_cfg_field *sub; /* GROUP and LIST members */
	size_t count_offset;            /* LIST / ADDRLIST: where the size_t count lives */
	bool required;
	bool restart; /* read at start only: a run-time change (config-set) is refused */
	enum hs_cfg_class cls;
	/* STRING and STRLIST items: returns NULL when fine, or why not. */
	const char *(*check_string)(const char *value);
	/* GROUP / LIST element: cross-field checks once the object is filled. */
	void (*check_object)(struct hs_cfg_ctx *ctx, const void *obj, const config_setting_t *s);
	const char *help;
};

/* The top-level table: global, vrrpd, vgmpd, hrpd. */
extern const struct hs_cfg_field hs_config_schema[];

/* Reports an error at a setting (or at the file when s is NULL). */
void hs_cfg_error(struct hs_cfg_ctx *ctx, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Cross-field checks (config_check.c), hooked into the schema. */
void hs_cfg_check_vrrp_group(struct hs_cfg_ctx *ctx, const void *obj, const config_setting_t *s);
void hs_cfg_check_vrrpd(struct hs_cfg_ctx *ctx, const void *obj, const config_setting_t *s);
void hs_cfg_check_hrp_link(struct hs_cfg_ctx *ctx, const void *obj, const config_setting_t *s);
void hs_cfg_check_hrpd(struct hs_cfg_ctx *ctx, const void *obj, const config_setting_t *s);
void hs_cfg_check_vgmp_tracker(struct hs_cfg_ctx *ctx, const void *obj, const config_setting_t *s);
void hs_cfg_check_vgmpd(struct hs_cfg_ctx *ctx, const void *obj, const config_setting_t *s);

/* The field of a table by name, or NULL. */
const struct hs_cfg_field *hs_cfg_field_find(const struct hs_cfg_field *table, const char *name);

#endif
