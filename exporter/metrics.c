/* Walks the metrics table (metrics_table.c) over one control-socket answer. */
#include "metrics.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define LABELS_MAX 8

struct labels {
	struct hs_prom_label l[LABELS_MAX];
	char names[LABELS_MAX][32];
	char values[LABELS_MAX][96];
	size_t n;
};

/* The member at a dotted path ("hrp.peer.state"); "" is obj itself. */
static const json_t *at(const json_t *obj, const char *path)
{
	char key[64];
	while (obj && path && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		obj = json_is_object(obj) ? json_object_get(obj, key) : NULL;
		path += n + (dot ? 1 : 0);
	}
	return obj;
}

static bool number(const json_t *v, double *out)
{
	if (json_is_integer(v))
		*out = (double)json_integer_value(v);
	else if (json_is_real(v))
		*out = json_real_value(v);
	else if (json_is_boolean(v))
		*out = json_is_true(v) ? 1 : 0;
	else
		return false;
	return true;
}

static void add_label(struct labels *ls, const char *name, size_t name_len, const json_t *v,
		      const char *text)
{
	if (ls->n >= LABELS_MAX)
		return;
	size_t i = ls->n++;
	snprintf(ls->names[i], sizeof(ls->names[i]), "%.*s", (int)name_len, name);
	if (text)
		snprintf(ls->values[i], sizeof(ls->values[i]), "%s", text);
	else if (json_is_string(v))
		snprintf(ls->values[i], sizeof(ls->values[i]), "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(ls->values[i], sizeof(ls->values[i]), "%lld",
			 (long long)json_integer_value(v));
	else if (json_is_boolean(v))
		snprintf(ls->values[i], sizeof(ls->values[i]), "%s",
			 json_is_true(v) ? "true" : "false");
	else
		ls->values[i][0] = '\0';
	ls->l[i] = (struct hs_prom_label){ ls->names[i], ls->values[i] };
}

/* "name=value" of a row's arg as one more label. */
static void add_fixed(struct labels *ls, const char *arg)
{
	const char *eq = arg ? strchr(arg, '=') : NULL;
	if (eq)
		add_label(ls, arg, (size_t)(eq - arg), NULL, eq + 1);
}

struct walk {
	struct hs_prom *p;
	const char *daemon;
	const char *cmd;
	int added;
	int err;
};

static void put(struct walk *w, const char *name, const struct labels *ls, double v)
{
	int r = hs_prom_add(w->p, name, ls->l, ls->n, v);
	if (r == 0)
		w->added++;
	else if (!w->err)
		w->err = r;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool row_matches(const struct hs_metric_row *r, const char *daemon, const char *cmd)
{
	return r->cmd && !strcmp(r->cmd, cmd) && (!r->daemon || !strcmp(r->daemon, daemon));
}

/* Does another row of the same answer and member read path.key? */
static bool read_elsewhere(const struct hs_metric_row *self, const char *daemon, const char *cmd,
			   const char *key)
{
	char full[128];
	snprintf(full, sizeof(full), "%s%s%s", self->path, *self->path ? "." : "", key);
	for (size_t i = 0; i < hs_metric_n_rows; i++) {
		const struct hs_metric_row *r = &hs_metric_rows[i];
		if (r != self && row_matches(r, daemon, cmd) && same(r->each, self->each) &&
		    r->path && !strcmp(r->path, full))
			return true;
	}
	return false;
}

static void others(struct walk *w, const struct hs_metric_row *r, const struct labels *ls,
		   const json_t *obj)
{
	const char *key;
	const json_t *v;
	char name[160];
	json_object_foreach ((json_t *)obj, key, v) {
		if (!json_is_integer(v) || read_elsewhere(r, w->daemon, w->cmd, key))
			continue;
		snprintf(name, sizeof(name), "%s%s_total", r->name, key);
		if (hs_prom_family(w->p, name, r->type, r->help) == 0)
			put(w, name, ls, (double)json_integer_value(v));
	}
}

/* One value per known state ("label=a|b|c"): 1 for the current, 0 for the others. */
static void state(struct walk *w, const struct hs_metric_row *r, const struct labels *base,
		  const char *current)
{
	const char *eq = strchr(r->arg, '=');
	size_t name_len = eq ? (size_t)(eq - r->arg) : strlen(r->arg);
	bool known = false;
	struct labels ls;
	for (const char *s = eq ? eq + 1 : NULL; s && *s;) {
		const char *bar = strchr(s, '|');
		size_t n = bar ? (size_t)(bar - s) : strlen(s);
		char value[64];
		snprintf(value, sizeof(value), "%.*s", (int)n, s);
		ls = *base;
		add_label(&ls, r->arg, name_len, NULL, value);
		bool is = !strcmp(value, current);
		known |= is;
		put(w, r->name, &ls, is ? 1 : 0);
		s += n + (bar ? 1 : 0);
	}
	if (!known) {
		ls = *base;
		add_label(&ls, r->arg, name_len, NULL, current);
		put(w, r->name, &ls, 1);
	}
}

static void sample(struct walk *w, const struct hs_metric_row *r, const struct labels *base,
		   const json_t *obj)
{
	const json_t *v = at(obj, r->path), *m;
	double scale = r->scale ? r->scale : 1, x, y;
	struct labels ls = *base;
	const char *key;

	switch (r->kind) {
	case HS_MK_VALUE:
		add_fixed(&ls, r->arg);
		if (number(v, &x))
			put(w, r->name, &ls, x * scale);
		break;
	case HS_MK_STATE:
		if (json_is_string(v))
			state(w, r, base, json_string_value(v));
		break;
	case HS_MK_MAP:
		json_object_foreach ((json_t *)v, key, m) {
			ls = *base;
			add_label(&ls, r->arg, strlen(r->arg), NULL, key);
			if (number(m, &x))
				put(w, r->name, &ls, x * scale);
		}
		break;
	case HS_MK_EQUALS:
		if (json_is_string(v))
			put(w, r->name, &ls, strcmp(json_string_value(v), r->arg) ? 0 : 1);
		break;
	case HS_MK_DIFF:
		if (number(v, &x) && number(at(obj, r->arg), &y))
			put(w, r->name, &ls, (x - y) * scale);
		break;
	case HS_MK_OTHERS:
		if (json_is_object(v))
			others(w, r, &ls, v);
		break;
	case HS_MK_SKIP:
	case HS_MK_NONE: break;
	}
}

/* The labels a member of `each` gives: its key first for an object's member, then members. */
static void item_labels(const struct hs_metric_row *r, struct labels *ls, const char *key,
			const json_t *item)
{
	const char *s = r->labels;
	if (key && s && *s) {
		size_t n = strcspn(s, ",");
		add_label(ls, s, n, NULL, key);
		s += n + (s[n] == ',');
	}
	while (s && *s) {
		size_t n = strcspn(s, ",");
		char name[32];
		snprintf(name, sizeof(name), "%.*s", (int)n, s);
		add_label(ls, s, n, json_object_get(item, name), NULL);
		s += n + (s[n] == ',');
	}
}

static void row(struct walk *w, const struct hs_metric_row *r, const json_t *result)
{
	struct labels base = { .n = 0 }, ls;
	if (!r->daemon)
		add_label(&base, "daemon", strlen("daemon"), NULL, w->daemon);
	if (!r->each) {
		sample(w, r, &base, result);
		return;
	}
	const json_t *each = at(result, r->each), *item;
	const char *key;
	size_t i;
	json_array_foreach (each, i, item) {
		ls = base;
		item_labels(r, &ls, NULL, item);
		sample(w, r, &ls, item);
	}
	if (json_is_object(each)) {
		json_object_foreach ((json_t *)each, key, item) {
			ls = base;
			item_labels(r, &ls, key, item);
			sample(w, r, &ls, item);
		}
	}
}

int hs_metrics_declare(struct hs_prom *p)
{
	for (size_t i = 0; i < hs_metric_n_rows; i++) {
		const struct hs_metric_row *r = &hs_metric_rows[i];
		if (r->kind == HS_MK_SKIP || r->kind == HS_MK_OTHERS)
			continue;
		int e = hs_prom_family(p, r->name, r->type, r->help);
		if (e < 0)
			return e;
	}
	return 0;
}

int hs_metrics_from_reply(struct hs_prom *p, const char *daemon, const char *cmd,
			  const json_t *result)
{
	struct walk w = { .p = p, .daemon = daemon, .cmd = cmd };
	if (!json_is_object(result))
		return -EINVAL;
	for (size_t i = 0; i < hs_metric_n_rows; i++)
		if (row_matches(&hs_metric_rows[i], daemon, cmd))
			row(&w, &hs_metric_rows[i], result);
	return w.err ? w.err : w.added;
}

int hs_metrics_up(struct hs_prom *p, const char *daemon, bool up)
{
	const struct hs_prom_label l = { "daemon", daemon };
	return hs_prom_add(p, "hotstandby_up", &l, 1, up ? 1 : 0);
}
