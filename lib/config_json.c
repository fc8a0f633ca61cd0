/* A config group as JSON, walking the same schema as the printer: what config-show answers and
 * hrpctl's --json shows, so that scripts never parse libconfig text. */
#include <string.h>

#include "config_edit.h"
#include "config_schema.h"

static const void *at(const void *base, size_t offset)
{
	return (const char *)base + offset;
}

static json_t *table_json(const struct hs_cfg_field *table, const void *obj);

static json_t *addr_json(const struct hs_addr *a)
{
	char buf[64];
	return json_string(hs_addr_str(a, buf, sizeof(buf)));
}

static json_t *field_json(const struct hs_cfg_field *f, const void *obj)
{
	const void *p = at(obj, f->offset);
	json_t *a;

	switch (f->type) {
	case HS_CFG_BOOL: return json_boolean(*(const bool *)p);
	case HS_CFG_INT: return json_integer(*(const int *)p);
	case HS_CFG_STRING: return json_string(p);
	case HS_CFG_ENUM: return json_string(f->choices[*(const int *)p]);
	case HS_CFG_ADDR: return addr_json(p);
	case HS_CFG_STRLIST: {
		const struct hs_strlist *l = p;
		a = json_array();
		for (size_t i = 0; i < l->count; i++)
			json_array_append_new(a, json_string(l->item[i]));
		return a;
	}
	case HS_CFG_ADDRLIST: {
		size_t n = *(const size_t *)at(obj, f->count_offset);
		a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, addr_json((const struct hs_addr *)p + i));
		return a;
	}
	case HS_CFG_GROUP: return table_json(f->sub, p);
	case HS_CFG_LIST: {
		const char *elems = *(void *const *)p;
		size_t n = *(const size_t *)at(obj, f->count_offset);
		a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, table_json(f->sub, elems + i * f->size));
		return a;
	}
	default: return json_null();
	}
}

static json_t *table_json(const struct hs_cfg_field *table, const void *obj)
{
	json_t *o = json_object();

	for (const struct hs_cfg_field *f = table; f->name; f++)
		json_object_set_new(o, f->name, field_json(f, obj));
	return o;
}

json_t *hs_config_group_json(const struct hs_config *cfg, const char *group)
{
	const struct hs_cfg_field *f = hs_cfg_field_find(hs_config_schema, group);

	if (!cfg || !f || f->type != HS_CFG_GROUP)
		return NULL;
	return field_json(f, cfg);
}
