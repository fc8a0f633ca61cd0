/* A set of Prometheus samples and its text exposition format (version 0.0.4): each family once,
 * in the order it was declared, with its HELP and TYPE lines before its samples; each series
 * (name and labels) once. Pure: it writes to a FILE and nothing else. */
#ifndef HS_PROM_H
#define HS_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum hs_prom_type {
	HS_PROM_COUNTER,
	HS_PROM_GAUGE,
	HS_PROM_TYPE_MAX,
};

struct hs_prom_label {
	const char *name;
	const char *value;
};

struct hs_prom;

struct hs_prom *hs_prom_new(void);
void hs_prom_free(struct hs_prom *p);

/* [a-zA-Z_:][a-zA-Z0-9_:]* and [a-zA-Z_][a-zA-Z0-9_]* (not starting with "__"). */
bool hs_prom_valid_name(const char *name);
bool hs_prom_valid_label_name(const char *name);

/* Declares a family; declaring it again with the same type is a no-op. Returns 0, -EINVAL for
 * a bad name or another type than before, -ENOMEM. */
int hs_prom_family(struct hs_prom *p, const char *name, enum hs_prom_type type, const char *help);

/* Adds one sample of a declared family. Returns 0, -ENOENT (family not declared), -EINVAL (a
 * bad label name), -EEXIST (the series is there already: the first value stays), -ENOMEM. */
int hs_prom_add(struct hs_prom *p, const char *name, const struct hs_prom_label *labels,
		size_t n_labels, double value);

/* The number of samples; the families that have samples, written in the text format. */
size_t hs_prom_samples(const struct hs_prom *p);
int hs_prom_write(const struct hs_prom *p, FILE *out);

#endif
