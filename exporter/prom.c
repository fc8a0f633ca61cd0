/* The Prometheus text format: families, series and the escaping rules of the format. A scrape
 * holds a few hundred series, so lists and linear searches do. */
#include "prom.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct series {
	char *labels; /* "{a=\"b\",c=\"d\"}" as written, or "" */
	double value;
};

struct family {
	char *name;
	char *help;
	enum hs_prom_type type;
	struct series *s;
	size_t n, cap;
};

struct hs_prom {
	struct family *f;
	size_t n, cap;
	size_t samples;
};

static const char *const type_names[HS_PROM_TYPE_MAX] = {
	[HS_PROM_COUNTER] = "counter",
	[HS_PROM_GAUGE] = "gauge",
};

struct hs_prom *hs_prom_new(void)
{
	return calloc(1, sizeof(struct hs_prom));
}

void hs_prom_free(struct hs_prom *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		for (size_t j = 0; j < p->f[i].n; j++)
			free(p->f[i].s[j].labels);
		free(p->f[i].s);
		free(p->f[i].name);
		free(p->f[i].help);
	}
	free(p->f);
	free(p);
}

static bool valid(const char *name, bool colon)
{
	if (!name || !*name)
		return false;
	for (const char *c = name; *c; c++) {
		bool alpha = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' ||
			     (colon && *c == ':');
		if (!alpha && !(c > name && *c >= '0' && *c <= '9'))
			return false;
	}
	return true;
}

bool hs_prom_valid_name(const char *name)
{
	return valid(name, true);
}

bool hs_prom_valid_label_name(const char *name)
{
	/* names starting with __ are reserved for Prometheus itself */
	return valid(name, false) && strncmp(name, "__", 2) != 0;
}

static struct family *find(const struct hs_prom *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->f[i].name, name))
			return &p->f[i];
	return NULL;
}

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 16;
	void *a = realloc(*arr, c * size);
	if (!a)
		return -ENOMEM;
	*arr = a;
	*cap = c;
	return 0;
}

int hs_prom_family(struct hs_prom *p, const char *name, enum hs_prom_type type, const char *help)
{
	if (!hs_prom_valid_name(name) || type < 0 || type >= HS_PROM_TYPE_MAX)
		return -EINVAL;
	struct family *f = find(p, name);
	if (f)
		return f->type == type ? 0 : -EINVAL;
	if (grow((void **)&p->f, &p->cap, p->n, sizeof(*p->f)) < 0)
		return -ENOMEM;
	f = &p->f[p->n];
	*f = (struct family){ .name = strdup(name),
			      .help = strdup(help ? help : ""),
			      .type = type };
	if (!f->name || !f->help) {
		free(f->name);
		free(f->help);
		return -ENOMEM;
	}
	p->n++;
	return 0;
}

/* A label value escapes backslash, double quote and line feed. */
static void put_value(FILE *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(out, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", out);
		else
			fputc(*v, out);
	}
}

static char *labels_text(const struct hs_prom_label *labels, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s%s=\"", i ? "," : "{", labels[i].name);
		put_value(out, labels[i].value ? labels[i].value : "");
		fputc('"', out);
	}
	if (n)
		fputc('}', out);
	if (fclose(out) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int hs_prom_add(struct hs_prom *p, const char *name, const struct hs_prom_label *labels,
		size_t n_labels, double value)
{
	struct family *f = find(p, name);
	if (!f)
		return -ENOENT;
	for (size_t i = 0; i < n_labels; i++) {
		if (!hs_prom_valid_label_name(labels[i].name))
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(labels[i].name, labels[j].name))
				return -EINVAL;
	}
	char *text = labels_text(labels, n_labels);
	if (!text)
		return -ENOMEM;
	for (size_t i = 0; i < f->n; i++) {
		if (!strcmp(f->s[i].labels, text)) {
			free(text);
			return -EEXIST;
		}
	}
	if (grow((void **)&f->s, &f->cap, f->n, sizeof(*f->s)) < 0) {
		free(text);
		return -ENOMEM;
	}
	f->s[f->n++] = (struct series){ .labels = text, .value = value };
	p->samples++;
	return 0;
}

size_t hs_prom_samples(const struct hs_prom *p)
{
	return p->samples;
}

/* HELP escapes backslash and line feed only. */
static void put_help(FILE *out, const char *h)
{
	for (; *h; h++) {
		if (*h == '\\')
			fputs("\\\\", out);
		else if (*h == '\n')
			fputs("\\n", out);
		else
			fputc(*h, out);
	}
}

static void put_number(FILE *out, double v)
{
	if (isnan(v))
		fputs("NaN", out);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", out);
	else if (v == floor(v) && fabs(v) < 9007199254740992.0) /* 2^53: exact as an integer */
		fprintf(out, "%.0f", v);
	else
		fprintf(out, "%.15g", v);
}

int hs_prom_write(const struct hs_prom *p, FILE *out)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct family *f = &p->f[i];
		if (!f->n)
			continue;
		fprintf(out, "# HELP %s ", f->name);
		put_help(out, f->help);
		fprintf(out, "\n# TYPE %s %s\n", f->name, type_names[f->type]);
		for (size_t j = 0; j < f->n; j++) {
			fprintf(out, "%s%s ", f->name, f->s[j].labels);
			put_number(out, f->s[j].value);
			fputc('\n', out);
		}
	}
	return ferror(out) ? -EIO : 0;
}
