/* Changing a running config by path (config_edit.h). The config is printed, parsed by libconfig,
 * changed there and loaded again: the loader's types, ranges and cross-field checks judge the
 * result exactly as they judge a file, and nothing here repeats them. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_edit.h"
#include "config_schema.h"

enum edit_op { EDIT_SET, EDIT_UNSET, EDIT_ADD, EDIT_REMOVE, EDIT_MAX };

static const char *const op_names[EDIT_MAX] = {
	[EDIT_SET] = "set", [EDIT_UNSET] = "unset", [EDIT_ADD] = "add", [EDIT_REMOVE] = "remove"
};

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int r,
						      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

/* The schema field of a path under owner's group: a setting, not a group or a list of groups. */
static int resolve(const char *path, const char *owner, const struct hs_cfg_field **out, char *err,
		   size_t errlen)
{
	const struct hs_cfg_field *table = hs_config_schema, *f = NULL;
	char buf[HS_CFG_KEY_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return fail(err, errlen, -ENOENT, "unknown setting '%.60s'", path);
	for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok;
	     tok = strtok_r(NULL, ".", &save)) {
		if (f && f->type != HS_CFG_GROUP)
			return fail(err, errlen, -ENOENT, "unknown setting '%s'", path);
		table = f ? f->sub : hs_config_schema;
		f = hs_cfg_field_find(table, tok);
		if (!f)
			return fail(err, errlen, -ENOENT, "unknown setting '%s'", path);
		if (table == hs_config_schema && strcmp(tok, owner) != 0)
			return fail(err, errlen, -EPERM, "'%s' is not a setting of %s", path,
				    owner);
	}
	if (!f || f->type == HS_CFG_GROUP || f->type == HS_CFG_LIST)
		return fail(err, errlen, -EINVAL, "'%s' is a group: change its settings", path);
	*out = f;
	return 0;
}

static bool is_list(const struct hs_cfg_field *f)
{
	return f->type == HS_CFG_STRLIST || f->type == HS_CFG_ADDRLIST;
}

static bool is_text(const struct hs_cfg_field *f)
{
	return f->type == HS_CFG_STRING || f->type == HS_CFG_ENUM || f->type == HS_CFG_ADDR;
}

static int list_find(const config_setting_t *s, const char *v)
{
	for (int i = 0; i < config_setting_length(s); i++) {
		const char *item = config_setting_get_string_elem(s, i);
		if (item && strcmp(item, v) == 0)
			return i;
	}
	return -1;
}

static int list_add(config_setting_t *s, const char *v)
{
	config_setting_t *e;

	if (list_find(s, v) >= 0)
		return 0;
	e = config_setting_add(s, NULL, CONFIG_TYPE_STRING);
	return e && config_setting_set_string(e, v) ? 0 : -ENOMEM;
}

static void list_clear(config_setting_t *s)
{
	while (config_setting_length(s) > 0)
		config_setting_remove_elem(s, 0);
}

static int set_value(config_setting_t *s, const struct hs_cfg_field *f, const json_t *v,
		     const char *path, char *err, size_t errlen)
{
	if (f->type == HS_CFG_BOOL && json_is_boolean(v))
		return config_setting_set_bool(s, json_is_true(v)) ? 0 : -EINVAL;
	if (f->type == HS_CFG_INT && json_is_integer(v)) {
		json_int_t n = json_integer_value(v);
		if (n < f->min || n > f->max)
			return fail(err, errlen, -EINVAL, "%s: %lld is out of range %lld..%lld",
				    path, (long long)n, (long long)f->min, (long long)f->max);
		return config_setting_set_int(s, (int)n) ? 0 : -EINVAL;
	}
	if (is_text(f) && json_is_string(v))
		return config_setting_set_string(s, json_string_value(v)) ? 0 : -ENOMEM;
	if (is_list(f) && json_is_array(v)) {
		size_t i;
		json_t *item;
		list_clear(s);
		json_array_foreach (v, i, item) {
			if (!json_is_string(item))
				return fail(err, errlen, -EINVAL, "'%s' takes a list of strings",
					    path);
			if (list_add(s, json_string_value(item)) < 0)
				return -ENOMEM;
		}
		return 0;
	}
	return fail(err, errlen, -EINVAL, "'%s' takes %s", path,
		    f->type == HS_CFG_BOOL  ? "true or false"
		    : f->type == HS_CFG_INT ? "a whole number"
		    : is_list(f)            ? "a list of strings"
					    : "a string");
}

static int unset_value(config_setting_t *s, const struct hs_cfg_field *f, const char *path,
		       char *err, size_t errlen)
{
	switch (f->type) {
	case HS_CFG_BOOL: return config_setting_set_bool(s, f->def != 0) ? 0 : -EINVAL;
	case HS_CFG_INT: return config_setting_set_int(s, (int)f->def) ? 0 : -EINVAL;
	case HS_CFG_ENUM: return config_setting_set_string(s, f->choices[f->def]) ? 0 : -EINVAL;
	case HS_CFG_STRING:
		return config_setting_set_string(s, f->def_str ? f->def_str : "") ? 0 : -EINVAL;
	case HS_CFG_STRLIST:
	case HS_CFG_ADDRLIST: list_clear(s); return 0;
	default: return fail(err, errlen, -EINVAL, "'%s' has no default", path);
	}
}

/* One change, on the parsed copy. */
static int apply(config_t *lc, const json_t *change, const char *owner, char *err, size_t errlen)
{
	const char *path = NULL, *opname = "set";
	const struct hs_cfg_field *f = NULL;
	json_t *value = NULL;
	config_setting_t *s;
	int op, r;

	if (json_unpack((json_t *)change, "{s:s, s?s, s?o}", "path", &path, "op", &opname, "value",
			&value) < 0)
		return fail(
			err, errlen, -EINVAL,
			"a change is {\"path\": P, \"op\": set|unset|add|remove, \"value\": V}");
	for (op = 0; op < EDIT_MAX && strcmp(opname, op_names[op]) != 0; op++)
		;
	if (op == EDIT_MAX)
		return fail(err, errlen, -EINVAL, "unknown op '%s' (set, unset, add, remove)",
			    opname);
	r = resolve(path, owner, &f, err, errlen);
	if (r < 0)
		return r;
	if (op != EDIT_UNSET && !value)
		return fail(err, errlen, -EINVAL, "'%s': %s needs a value", path, op_names[op]);
	if ((op == EDIT_ADD || op == EDIT_REMOVE) && (!is_list(f) || !json_is_string(value)))
		return fail(err, errlen, -EINVAL, "'%s': %s takes one string of a list", path,
			    op_names[op]);
	/* The printer writes every setting: a path the schema knows is in the copy. */
	s = config_lookup(lc, path);
	if (!s)
		return fail(err, errlen, -ENOENT, "unknown setting '%s'", path);
	switch (op) {
	case EDIT_SET: return set_value(s, f, value, path, err, errlen);
	case EDIT_UNSET: return unset_value(s, f, path, err, errlen);
	case EDIT_ADD: return list_add(s, json_string_value(value));
	default:
		r = list_find(s, json_string_value(value));
		if (r < 0)
			return fail(err, errlen, -ENOENT, "'%s' is not in %s",
				    json_string_value(value), path);
		return config_setting_remove_elem(s, (unsigned)r) ? 0 : -EINVAL;
	}
}

/* The loader's first complaint without "file:line: ", which means nothing in a printed copy. */
static void first_error(const struct hs_cfg_errors *errs, const char *source, char *err,
			size_t errlen)
{
	const char *m = errs->count ? errs->msg[0] : "invalid";
	size_t n = strlen(source);

	if (strncmp(m, source, n) == 0 && m[n] == ':') {
		const char *rest = strchr(m + n + 1, ':');
		m = rest && rest[1] == ' ' ? rest + 2 : m;
	}
	snprintf(err, errlen, "%s%s", m, errs->count > 1 ? " (and more)" : "");
}

/* Parses text, applies every change, writes the result back into *text. */
static int edit_text(char **text, const char *owner, const json_t *changes, char *err,
		     size_t errlen)
{
	config_t lc;
	char *buf = NULL;
	size_t len = 0, i;
	json_t *c;
	int r = 0;

	config_init(&lc);
	if (!config_read_string(&lc, *text)) {
		snprintf(err, errlen, "internal: the running config does not parse: %s",
			 config_error_text(&lc));
		config_destroy(&lc);
		return -EINVAL;
	}
	json_array_foreach (changes, i, c) {
		r = apply(&lc, c, owner, err, errlen);
		if (r < 0)
			break;
	}
	if (r == 0) {
		FILE *f = open_memstream(&buf, &len);
		if (f) {
			config_write(&lc, f);
			fclose(f);
		}
		r = buf ? 0 : -ENOMEM;
	}
	config_destroy(&lc);
	if (r == 0) {
		free(*text);
		*text = buf;
	}
	return r;
}

static bool group_differs(const struct hs_config *a, const struct hs_config *b, const char *group)
{
	char *x = hs_config_print_group_string(a, group);
	char *y = hs_config_print_group_string(b, group);
	bool differs = !x || !y || strcmp(x, y) != 0;

	free(x);
	free(y);
	return differs;
}

int hs_config_edit(const struct hs_config *cur, const char *owner, const json_t *changes,
		   struct hs_config **out, bool *changed, char *err, size_t errlen)
{
	static const char source[] = "running config";
	struct hs_cfg_errors *errs;
	struct hs_config *next = NULL;
	char *text;
	int r;

	if (!json_is_array(changes) || json_array_size(changes) == 0 ||
	    json_array_size(changes) > HS_CFG_EDIT_MAX) {
		snprintf(err, errlen, "expected {\"changes\": [1 to %d changes]}", HS_CFG_EDIT_MAX);
		return -EINVAL;
	}
	text = hs_config_print_string(cur);
	errs = calloc(1, sizeof(*errs));
	if (!text || !errs) {
		free(text);
		free(errs);
		return -ENOMEM;
	}
	r = edit_text(&text, owner, changes, err, errlen);
	if (r == 0) {
		r = hs_config_load_string(text, source, &next, errs);
		if (r == -EINVAL)
			first_error(errs, source, err, errlen);
	}
	free(text);
	free(errs);
	if (r < 0)
		return r;
	snprintf(next->source, sizeof(next->source), "%s", cur->source);
	*changed = group_differs(cur, next, owner);
	*out = next;
	return 0;
}
