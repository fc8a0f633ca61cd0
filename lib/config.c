/* Loads hotstandby.conf: libconfig parses, the schema table types, ranges and defaults every
 * setting, config_check.c adds the cross-field rules. All errors are collected, none applied. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_schema.h"

struct hs_cfg_ctx {
	const char *source;
	struct hs_cfg_errors *errs;
};

/* "vrrpd.groups[1].priority" for a setting. */
static void setting_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *chain[16];
	size_t n = 0;
	for (const config_setting_t *p = s; p && !config_setting_is_root(p) && n < 16;
	     p = config_setting_parent(p))
		chain[n++] = p;
	size_t off = 0;
	buf[0] = '\0';
	while (n-- > 0 && off < len) {
		const char *name = config_setting_name(chain[n]);
		int w = name ? snprintf(buf + off, len - off, "%s%s", off ? "." : "", name)
			     : snprintf(buf + off, len - off, "[%d]",
					config_setting_index(chain[n]));
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

void hs_cfg_error(struct hs_cfg_ctx *ctx, const config_setting_t *s, const char *fmt, ...)
{
	struct hs_cfg_errors *e = ctx->errs;
	if (e->count >= HS_CFG_ERRORS_MAX) {
		e->dropped++;
		return;
	}
	char why[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	char *out = e->msg[e->count++];
	size_t cap = sizeof(e->msg[0]);
	if (!s) {
		snprintf(out, cap, "%s: %s", ctx->source, why);
		return;
	}
	char path[128];
	setting_path(s, path, sizeof(path));
	const char *file = config_setting_source_file(s);
	snprintf(out, cap, "%s:%u: %s: %s", file ? file : ctx->source,
		 config_setting_source_line(s), path, why);
}

static void *at(void *base, size_t offset)
{
	return (char *)base + offset;
}

static void set_defaults(const struct hs_cfg_field *table, void *obj)
{
	for (const struct hs_cfg_field *f = table; f->name; f++) {
		void *p = at(obj, f->offset);
		switch (f->type) {
		case HS_CFG_BOOL: *(bool *)p = f->def != 0; break;
		case HS_CFG_INT:
		case HS_CFG_ENUM: *(int *)p = (int)f->def; break;
		case HS_CFG_STRING: snprintf(p, f->size, "%s", f->def_str ? f->def_str : ""); break;
		case HS_CFG_GROUP: set_defaults(f->sub, p); break;
		default: /* addresses and lists start empty (zeroed) */ break;
		}
	}
}

static bool is_list_like(const config_setting_t *s)
{
	return config_setting_is_array(s) || config_setting_is_list(s);
}

static void load_table(struct hs_cfg_ctx *ctx, const struct hs_cfg_field *table,
		       const config_setting_t *group, void *obj);

static void load_string(struct hs_cfg_ctx *ctx, const struct hs_cfg_field *f,
			const config_setting_t *s, char *dst, size_t size, int64_t minlen)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		hs_cfg_error(ctx, s, "expected a string in double quotes");
		return;
	}
	const char *v = config_setting_get_string(s);
	size_t len = strlen(v);
	if ((int64_t)len < minlen) {
		hs_cfg_error(ctx, s, "must not be empty");
		return;
	}
	if (len >= size) {
		hs_cfg_error(ctx, s, "too long: %zu characters, at most %zu", len, size - 1);
		return;
	}
	const char *why = f->check_string ? f->check_string(v) : NULL;
	if (why) {
		hs_cfg_error(ctx, s, "'%s': %s", v, why);
		return;
	}
	memcpy(dst, v, len + 1);
}

static void load_enum(struct hs_cfg_ctx *ctx, const struct hs_cfg_field *f,
		      const config_setting_t *s, int *dst)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		hs_cfg_error(ctx, s, "expected a string in double quotes");
		return;
	}
	const char *v = config_setting_get_string(s);
	char choices[160] = "";
	for (int i = 0; f->choices[i]; i++) {
		if (strcmp(v, f->choices[i]) == 0) {
			*dst = i;
			return;
		}
		size_t used = strlen(choices);
		snprintf(choices + used, sizeof(choices) - used, "%s%s", i ? ", " : "",
			 f->choices[i]);
	}
	hs_cfg_error(ctx, s, "'%s' is not one of: %s", v, choices);
}

static void load_addr(struct hs_cfg_ctx *ctx, const config_setting_t *s, struct hs_addr *dst)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		hs_cfg_error(ctx, s, "expected an address in double quotes");
		return;
	}
	const char *v = config_setting_get_string(s);
	if (hs_addr_parse(v, dst) < 0)
		hs_cfg_error(ctx, s, "'%s' is not an IPv4 or IPv6 address", v);
}

static bool check_count(struct hs_cfg_ctx *ctx, const struct hs_cfg_field *f,
			const config_setting_t *s, int n)
{
	if (n < f->min || n > f->max) {
		hs_cfg_error(ctx, s, "has %d entries, expected %lld to %lld", n, (long long)f->min,
			     (long long)f->max);
		return false;
	}
	return true;
}

static void load_list(struct hs_cfg_ctx *ctx, const struct hs_cfg_field *f,
		      const config_setting_t *s, void *obj)
{
	if (config_setting_type(s) != CONFIG_TYPE_LIST) {
		hs_cfg_error(ctx, s, "expected a list of groups: ( { ... }, { ... } )");
		return;
	}
	int n = config_setting_length(s);
	if (!check_count(ctx, f, s, n))
		return;
	void *elems = calloc((size_t)n ? (size_t)n : 1, f->size);
	if (!elems) {
		hs_cfg_error(ctx, s, "out of memory");
		return;
	}
	*(void **)at(obj, f->offset) = elems;
	*(size_t *)at(obj, f->count_offset) = (size_t)n;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		void *elem = (char *)elems + (size_t)i * f->size;
		set_defaults(f->sub, elem);
		if (!config_setting_is_group(e)) {
			hs_cfg_error(ctx, e, "expected a group { ... }");
			continue;
		}
		size_t before = ctx->errs->count;
		load_table(ctx, f->sub, e, elem);
		/* Cross-field checks only make sense on an element whose fields all loaded. */
		if (f->check_object && ctx->errs->count == before)
			f->check_object(ctx, elem, e);
	}
}

static void load_field(struct hs_cfg_ctx *ctx, const struct hs_cfg_field *f,
		       const config_setting_t *s, void *obj)
{
	void *p = at(obj, f->offset);
	switch (f->type) {
	case HS_CFG_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			hs_cfg_error(ctx, s, "expected true or false");
		else
			*(bool *)p = config_setting_get_bool(s);
		break;
	case HS_CFG_INT: {
		int t = config_setting_type(s);
		if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
			hs_cfg_error(ctx, s, "expected a whole number");
			break;
		}
		long long v = config_setting_get_int64(s);
		if (v < f->min || v > f->max)
			hs_cfg_error(ctx, s, "%lld is out of range %lld..%lld", v,
				     (long long)f->min, (long long)f->max);
		else
			*(int *)p = (int)v;
		break;
	}
	case HS_CFG_STRING: load_string(ctx, f, s, p, f->size, f->min); break;
	case HS_CFG_ENUM: load_enum(ctx, f, s, p); break;
	case HS_CFG_ADDR: load_addr(ctx, s, p); break;
	case HS_CFG_STRLIST: {
		struct hs_strlist *l = p;
		if (!is_list_like(s)) {
			hs_cfg_error(ctx, s, "expected a list of strings: [ \"a\", \"b\" ]");
			break;
		}
		int n = config_setting_length(s);
		if (!check_count(ctx, f, s, n))
			break;
		for (int i = 0; i < n; i++)
			load_string(ctx, f, config_setting_get_elem(s, (unsigned)i), l->item[i],
				    sizeof(l->item[i]), 1);
		l->count = (size_t)n;
		break;
	}
	case HS_CFG_ADDRLIST: {
		if (!is_list_like(s)) {
			hs_cfg_error(ctx, s, "expected a list of addresses: [ \"192.0.2.1\" ]");
			break;
		}
		int n = config_setting_length(s);
		if (!check_count(ctx, f, s, n))
			break;
		struct hs_addr *a = p;
		for (int i = 0; i < n; i++)
			load_addr(ctx, config_setting_get_elem(s, (unsigned)i), &a[i]);
		*(size_t *)at(obj, f->count_offset) = (size_t)n;
		break;
	}
	case HS_CFG_GROUP:
		if (!config_setting_is_group(s)) {
			hs_cfg_error(ctx, s, "expected a group { ... }");
			break;
		}
		size_t before = ctx->errs->count;
		load_table(ctx, f->sub, s, p);
		if (f->check_object && ctx->errs->count == before)
			f->check_object(ctx, p, s);
		break;
	case HS_CFG_LIST: load_list(ctx, f, s, obj); break;
	default: hs_cfg_error(ctx, s, "internal: unknown setting type");
	}
}

static void load_table(struct hs_cfg_ctx *ctx, const struct hs_cfg_field *table,
		       const config_setting_t *group, void *obj)
{
	/* Every setting in the file must be known: a typo must not silently keep a default. */
	int n = config_setting_length(group);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(s);
		if (!name || !hs_cfg_field_find(table, name))
			hs_cfg_error(ctx, s, "unknown setting");
	}
	for (const struct hs_cfg_field *f = table; f->name; f++) {
		const config_setting_t *s = config_setting_get_member(group, f->name);
		if (!s) {
			/* A list that needs entries cannot be left out either. */
			bool needs_entries = (f->type == HS_CFG_ADDRLIST || f->type == HS_CFG_LIST ||
					      f->type == HS_CFG_STRLIST) &&
					     f->min > 0;
			if (f->required || needs_entries)
				hs_cfg_error(ctx, group, "missing required setting '%s'", f->name);
			else if (f->type == HS_CFG_GROUP && f->check_object)
				f->check_object(ctx, at(obj, f->offset), group);
			continue;
		}
		load_field(ctx, f, s, obj);
	}
}

static void free_table(const struct hs_cfg_field *table, void *obj)
{
	for (const struct hs_cfg_field *f = table; f->name; f++) {
		if (f->type == HS_CFG_GROUP) {
			free_table(f->sub, at(obj, f->offset));
		} else if (f->type == HS_CFG_LIST) {
			void *elems = *(void **)at(obj, f->offset);
			size_t n = *(size_t *)at(obj, f->count_offset);
			for (size_t i = 0; i < n && elems; i++)
				free_table(f->sub, (char *)elems + i * f->size);
			free(elems);
			*(void **)at(obj, f->offset) = NULL;
		}
	}
}

void hs_config_free(struct hs_config *cfg)
{
	if (!cfg)
		return;
	free_table(hs_config_schema, cfg);
	free(cfg);
}

static int load(config_t *lc, int parsed, const char *source, struct hs_config **out,
		struct hs_cfg_errors *errs)
{
	struct hs_cfg_ctx ctx = { .source = source, .errs = errs };
	memset(errs, 0, sizeof(*errs));
	if (!parsed) {
		const char *file = config_error_file(lc);
		snprintf(errs->msg[0], sizeof(errs->msg[0]), "%s:%d: syntax error: %s",
			 file ? file : source, config_error_line(lc), config_error_text(lc));
		errs->count = 1;
		return -EINVAL;
	}
	struct hs_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return -ENOMEM;
	snprintf(cfg->source, sizeof(cfg->source), "%s", source);
	set_defaults(hs_config_schema, cfg);
	load_table(&ctx, hs_config_schema, config_root_setting(lc), cfg);
	if (errs->count > 0) {
		hs_config_free(cfg);
		return -EINVAL;
	}
	*out = cfg;
	return 0;
}

int hs_config_load_file(const char *path, struct hs_config **out, struct hs_cfg_errors *errs)
{
	/* Open once ourselves: libconfig reports an unreadable file without its reason. */
	FILE *f = fopen(path, "r");
	if (!f) {
		int r = -errno;
		memset(errs, 0, sizeof(*errs));
		snprintf(errs->msg[0], sizeof(errs->msg[0]), "%s: cannot open: %s", path,
			 strerror(-r));
		errs->count = 1;
		return r;
	}
	fclose(f);
	config_t lc;
	config_init(&lc);
	/* config_read_file names the file in every setting and error, and resolves @include
	 * relative to it. */
	int parsed = config_read_file(&lc, path);
	int r = load(&lc, parsed, path, out, errs);
	config_destroy(&lc);
	return r;
}

int hs_config_load_string(const char *text, const char *name, struct hs_config **out,
			  struct hs_cfg_errors *errs)
{
	config_t lc;
	config_init(&lc);
	int parsed = config_read_string(&lc, text);
	int r = load(&lc, parsed, name, out, errs);
	config_destroy(&lc);
	return r;
}

void hs_cfg_errors_print(const struct hs_cfg_errors *errs, FILE *out)
{
	for (size_t i = 0; i < errs->count; i++)
		fprintf(out, "%s\n", errs->msg[i]);
	if (errs->dropped)
		fprintf(out, "(%zu more errors not shown)\n", errs->dropped);
}
