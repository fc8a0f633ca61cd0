/* The pure codec of config sync's hot-restart part (cfgsync_hot_codec.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgsync_hot_codec.h"
#include "hex.h"

void hrpd_cfg_set_clear(struct hrpd_cfg_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->t[i].text);
	memset(s, 0, sizeof(*s));
}

/* ---- field helpers, shared with cfgsync_settings.c and cfgsync_facts.c ---- */

json_t *hrpd_cfg_hot_digest(const uint8_t *d)
{
	char hex[2 * HS_CFGSYNC_DIGEST_LEN + 1];
	hs_cfgsync_digest_hex(d, hex);
	return json_string(hex);
}

bool hrpd_cfg_hot_get_digest(const json_t *o, const char *key, uint8_t *d)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (!s || strlen(s) != 2 * HS_CFGSYNC_DIGEST_LEN)
		return false;
	uint8_t out[HS_CFGSYNC_DIGEST_LEN];
	if (hs_unhex(s, out, sizeof(out)) != (long)sizeof(out))
		return false;
	memcpy(d, out, sizeof(out)); /* untouched when not valid */
	return true;
}

json_t *hrpd_cfg_hot_u64(uint64_t v)
{
	char s[17];
	snprintf(s, sizeof(s), "%016llx", (unsigned long long)v);
	return json_string(s);
}

bool hrpd_cfg_hot_get_u64(const json_t *o, const char *key, uint64_t *v)
{
	const char *s = json_string_value(json_object_get(o, key));
	char *end = NULL;
	if (!s || !*s || strlen(s) > 16)
		return false;
	unsigned long long x = strtoull(s, &end, 16);
	if (*end)
		return false;
	*v = x;
	return true;
}

uint32_t hrpd_cfg_hot_get_u32(const json_t *o, const char *key, uint32_t dflt)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > (json_int_t)UINT32_MAX)
		return dflt;
	return (uint32_t)json_integer_value(v);
}

bool hrpd_cfg_hot_get_bool(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

json_t *hrpd_cfg_hot_counters(const uint64_t *c, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)c[i]));
	return a;
}

void hrpd_cfg_hot_get_counters(const json_t *o, const char *key, uint64_t *c, size_t n)
{
	const json_t *a = json_object_get(o, key);
	/* A newer process may count more: the ones it adds at the end start at 0. */
	for (size_t i = 0; i < n && i < json_array_size(a); i++) {
		const json_t *v = json_array_get(a, i);
		if (json_is_integer(v) && json_integer_value(v) >= 0)
			c[i] = (uint64_t)json_integer_value(v);
	}
}

json_t *hrpd_cfg_hot_age(uint64_t uptime_ms, uint64_t at_ms)
{
	return json_integer((json_int_t)(uptime_ms - at_ms));
}

uint64_t hrpd_cfg_hot_get_at(uint64_t uptime_ms, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	uint64_t age = json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
	return uptime_ms - age;
}

json_t *hrpd_cfg_hot_result(uint64_t uptime_ms, const struct hrpd_cfg_result *r)
{
	if (!r->have)
		return json_null();
	return json_pack("{s:I, s:i, s:s, s:o}", "generation", (json_int_t)r->gen, "status",
			 (int)r->status, "message", r->msg, "age_ms",
			 hrpd_cfg_hot_age(uptime_ms, r->at_ms));
}

void hrpd_cfg_hot_get_result(uint64_t uptime_ms, const json_t *o, const char *key,
			     struct hrpd_cfg_result *r)
{
	const json_t *j = json_object_get(o, key);
	uint32_t status = hrpd_cfg_hot_get_u32(j, "status", HS_CFGSYNC_STATUS_MAX);
	const char *msg = json_string_value(json_object_get(j, "message"));
	if (!json_is_object(j) || status >= HS_CFGSYNC_STATUS_MAX)
		return;
	*r = (struct hrpd_cfg_result){ .have = true,
				       .gen = hrpd_cfg_hot_get_u32(j, "generation", 0),
				       .status = (uint8_t)status };
	uint64_t at = hrpd_cfg_hot_get_at(uptime_ms, j, "age_ms");
	r->at_ms = at <= uptime_ms ? at : 0;
	snprintf(r->msg, sizeof(r->msg), "%s", msg ? msg : "");
}

json_t *hrpd_cfg_hot_set(const struct hrpd_cfg_set *set)
{
	json_t *tables = json_array();
	for (size_t i = 0; i < set->n; i++) {
		const char *name = set->t[i].name;
		json_array_append_new(
			tables, set->t[i].present
					? json_pack("{s:s, s:b, s:s%}", "name", name, "present", 1,
						    "text", set->t[i].text, set->t[i].len)
					: json_pack("{s:s, s:b}", "name", name, "present", 0));
	}
	return json_pack("{s:o, s:o}", "digest", hrpd_cfg_hot_digest(set->digest), "tables",
			 tables);
}

int hrpd_cfg_hot_get_set(const json_t *o, struct hrpd_cfg_set *set)
{
	const json_t *tables = json_object_get(o, "tables");
	int r = -EINVAL;
	hrpd_cfg_set_clear(set);
	if (!json_is_array(tables) || json_array_size(tables) > HS_CFGSYNC_TABLES_MAX ||
	    !hrpd_cfg_hot_get_digest(o, "digest", set->digest))
		goto bad;
	for (size_t i = 0; i < json_array_size(tables); i++) {
		const json_t *t = json_array_get(tables, i), *text = json_object_get(t, "text");
		const char *name = json_string_value(json_object_get(t, "name"));
		if (!name || !*name || strlen(name) >= sizeof(set->t[i].name))
			goto bad;
		snprintf(set->t[i].name, sizeof(set->t[i].name), "%s", name);
		set->n = i + 1;
		set->t[i].present = hrpd_cfg_hot_get_bool(t, "present");
		if (!set->t[i].present)
			continue;
		if (!json_is_string(text))
			goto bad;
		size_t len = json_string_length(text);
		set->t[i].text = malloc(len + 1);
		if (!set->t[i].text) {
			r = -ENOMEM;
			goto bad;
		}
		memcpy(set->t[i].text, json_string_value(text), len + 1);
		set->t[i].len = len;
	}
	return 0;
bad:
	hrpd_cfg_set_clear(set);
	return r;
}
