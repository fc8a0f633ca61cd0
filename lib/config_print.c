/* Writes a config back in libconfig syntax, every setting included, walking the same schema as
 * the loader: parse -> print -> parse gives the same config. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_edit.h"
#include "config_schema.h"

static void indent(FILE *out, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", out);
}

static void print_string(FILE *out, const char *v)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static const void *at(const void *base, size_t offset)
{
	return (const char *)base + offset;
}

static void print_table(FILE *out, const struct hs_cfg_field *table, const void *obj, int depth);

static void print_group_body(FILE *out, const struct hs_cfg_field *sub, const void *obj, int depth)
{
	fputs("{\n", out);
	print_table(out, sub, obj, depth + 1);
	indent(out, depth);
	fputs("}", out);
}

static void print_field(FILE *out, const struct hs_cfg_field *f, const void *obj, int depth)
{
	const void *p = at(obj, f->offset);
	char buf[64];
	indent(out, depth);
	fprintf(out, "%s = ", f->name);
	switch (f->type) {
	case HS_CFG_BOOL: fputs(*(const bool *)p ? "true" : "false", out); break;
	case HS_CFG_INT: fprintf(out, "%d", *(const int *)p); break;
	case HS_CFG_STRING: print_string(out, p); break;
	case HS_CFG_ENUM: print_string(out, f->choices[*(const int *)p]); break;
	case HS_CFG_ADDR: print_string(out, hs_addr_str(p, buf, sizeof(buf))); break;
	case HS_CFG_STRLIST: {
		const struct hs_strlist *l = p;
		fputs("[", out);
		for (size_t i = 0; i < l->count; i++) {
			fputs(i ? ", " : " ", out);
			print_string(out, l->item[i]);
		}
		fputs(l->count ? " ]" : "]", out);
		break;
	}
	case HS_CFG_ADDRLIST: {
		const struct hs_addr *a = p;
		size_t n = *(const size_t *)at(obj, f->count_offset);
		fputs("[", out);
		for (size_t i = 0; i < n; i++) {
			fputs(i ? ", " : " ", out);
			print_string(out, hs_addr_str(&a[i], buf, sizeof(buf)));
		}
		fputs(n ? " ]" : "]", out);
		break;
	}
	case HS_CFG_GROUP: print_group_body(out, f->sub, p, depth); break;
	case HS_CFG_LIST: {
		const char *elems = *(void *const *)p;
		size_t n = *(const size_t *)at(obj, f->count_offset);
		fputs("(", out);
		for (size_t i = 0; i < n; i++) {
			fputs(i ? ",\n" : "\n", out);
			indent(out, depth + 1);
			print_group_body(out, f->sub, elems + i * f->size, depth + 1);
		}
		if (n) {
			fputs("\n", out);
			indent(out, depth);
		}
		fputs(")", out);
		break;
	}
	default: break;
	}
	fputs(";\n", out);
}

static void print_table(FILE *out, const struct hs_cfg_field *table, const void *obj, int depth)
{
	for (const struct hs_cfg_field *f = table; f->name; f++)
		print_field(out, f, obj, depth);
}

int hs_config_print(const struct hs_config *cfg, FILE *out)
{
	fputs("# hotstandby configuration (every setting, defaults included)\n", out);
	print_table(out, hs_config_schema, cfg, 0);
	return ferror(out) ? -1 : 0;
}

char *hs_config_print_string(const struct hs_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	int r = hs_config_print(cfg, f);
	fclose(f);
	if (r < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int hs_config_print_group(const struct hs_config *cfg, const char *group, FILE *out)
{
	const struct hs_cfg_field *f = hs_cfg_field_find(hs_config_schema, group);
	if (!f || f->type != HS_CFG_GROUP)
		return -ENOENT;
	print_field(out, f, cfg, 0);
	return ferror(out) ? -EIO : 0;
}

char *hs_config_print_group_string(const struct hs_config *cfg, const char *group)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	int r = hs_config_print_group(cfg, group, f);
	fclose(f);
	if (r < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
