/* The facts of a box that must match its peer's (pair_facts.h): built from the config, sysctls
 * added one by one, and their JSON form. The compare is pair_facts_cmp.c.
 *
 * JSON form (keys sorted, compact):
 *   {"dead_count": 3, "format": 1, "hello_interval_ms": 1000, "hrp_protocol": "1.0",
 *    "software": "0.9.0",
 *    "sysctl": {"net.netfilter.nf_conntrack_max": "262144", ...},
 *    "vrrp": [{"advert_interval_cs": 100, "family": "ipv4", "interface": "lan0",
 *              "version": 3, "vips": ["192.0.2.1"], "vrid": 1}, ...]}
 * The decoder checks each field with a reason for what is wrong and skips keys it does not
 * know. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>

#include "pair_facts.h"

static const char *const err_names[HS_PF_ERR_MAX] = {
	[HS_PF_OK] = "ok",
	[HS_PF_E_JSON] = "not-json-object",
	[HS_PF_E_FORMAT] = "bad-format",
	[HS_PF_E_FIELD] = "bad-field",
	[HS_PF_E_RANGE] = "out-of-range",
	[HS_PF_E_TOO_MANY] = "too-many",
	[HS_PF_E_STRING] = "bad-string",
	[HS_PF_E_DUPLICATE] = "duplicate-group",
};

static const char *const severity_names[HS_PF_SEVERITY_MAX] = {
	[HS_PF_WARNING] = "warning",
	[HS_PF_ERROR] = "error",
};

const char *hs_pf_err_name(unsigned err)
{
	return err < HS_PF_ERR_MAX ? err_names[err] : "unknown";
}

const char *hs_pf_severity_name(unsigned severity)
{
	return severity < HS_PF_SEVERITY_MAX ? severity_names[severity] : "unknown";
}

/* ---- building ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int cmp_group(const void *a, const void *b)
{
	const struct hs_pf_group *x = a, *y = b;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return x->vrid < y->vrid ? -1 : x->vrid > y->vrid;
}

static void sort_group(struct hs_pf_group *g)
{
	qsort(g->vips, g->n_vips, sizeof(g->vips[0]), cmp_str);
}

void hs_pair_facts_from_config(const struct hs_config *cfg, const char *software,
			       const char *hrp_protocol, struct hs_pair_facts *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->software, sizeof(f->software), "%s", software ? software : "");
	snprintf(f->hrp_protocol, sizeof(f->hrp_protocol), "%s", hrp_protocol ? hrp_protocol : "");
	f->hello_interval_ms = (uint32_t)cfg->hrpd.hello_interval_ms;
	f->dead_count = (uint32_t)cfg->hrpd.dead_count;
	for (size_t i = 0; i < cfg->vrrpd.n_groups && f->n_groups < HS_PF_GROUPS_MAX; i++) {
		const struct hs_vrrp_group_config *c = &cfg->vrrpd.groups[i];
		struct hs_pf_group *g = &f->groups[f->n_groups++];
		snprintf(g->interface, sizeof(g->interface), "%s", c->interface);
		g->family = c->family == HS_FAMILY_IPV6 ? AF_INET6 : AF_INET;
		g->vrid = c->vrid;
		g->version = c->version;
		g->advert_interval_cs = c->advert_interval_cs;
		for (size_t v = 0; v < c->n_vips && v < HS_PF_VIPS_MAX; v++)
			hs_addr_str(&c->vips[v], g->vips[g->n_vips++], HS_PF_ADDR_MAX);
		sort_group(g);
	}
	qsort(f->groups, f->n_groups, sizeof(f->groups[0]), cmp_group);
}

int hs_pair_facts_groups_from_text(const char *text, struct hs_pair_facts *f, char *err,
				   size_t errlen)
{
	struct hs_config *cfg = NULL;
	struct hs_cfg_errors *errs = calloc(1, sizeof(*errs));
	if (!errs) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int r = hs_config_load_string(text, "vrrpd's running config", &cfg, errs);
	if (r < 0) {
		snprintf(err, errlen, "%s", errs->count ? errs->msg[0] : strerror(-r));
		free(errs);
		return -EINVAL;
	}
	free(errs);
	struct hs_pair_facts *g = malloc(sizeof(*g));
	if (!g) {
		hs_config_free(cfg);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	hs_pair_facts_from_config(cfg, NULL, NULL, g);
	hs_config_free(cfg);
	f->n_groups = g->n_groups;
	memcpy(f->groups, g->groups, sizeof(f->groups));
	free(g);
	return 0;
}

bool hs_pair_facts_sysctl_wanted(const char *file_name)
{
	if (!strcmp(file_name, "nf_conntrack_max"))
		return true;
	return strncmp(file_name, "nf_conntrack_", 13) == 0 && strstr(file_name, "timeout");
}

/* Trimmed, every run of blanks one space: /proc/sys separates some values with tabs. */
static bool tidy(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	bool blank = false;
	for (; *in; in++) {
		bool b = *in == ' ' || *in == '\t' || *in == '\n' || *in == '\r';
		if (b) {
			blank = o > 0;
			continue;
		}
		if (blank && o + 1 < cap)
			out[o++] = ' ';
		blank = false;
		if (o + 1 >= cap)
			return false;
		out[o++] = *in;
	}
	out[o] = '\0';
	return o > 0;
}

static bool sysctl_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= HS_PF_SYSCTL_NAME)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '.' || *s == '-'))
			return false;
	return true;
}

int hs_pair_facts_add_sysctl(struct hs_pair_facts *f, const char *name, const char *value)
{
	char v[HS_PF_VALUE_MAX];
	if (!sysctl_name_ok(name) || !tidy(value, v, sizeof(v)))
		return -EINVAL;
	size_t at = 0;
	while (at < f->n_sysctls && strcmp(f->sysctls[at].name, name) < 0)
		at++;
	if (at < f->n_sysctls && !strcmp(f->sysctls[at].name, name)) {
		snprintf(f->sysctls[at].value, sizeof(f->sysctls[at].value), "%s", v);
		return 0;
	}
	if (f->n_sysctls >= HS_PF_SYSCTLS_MAX)
		return -ENOSPC;
	memmove(&f->sysctls[at + 1], &f->sysctls[at], (f->n_sysctls - at) * sizeof(f->sysctls[0]));
	snprintf(f->sysctls[at].name, sizeof(f->sysctls[at].name), "%s", name);
	snprintf(f->sysctls[at].value, sizeof(f->sysctls[at].value), "%s", v);
	f->n_sysctls++;
	return 0;
}

/* ---- JSON ---- */

static const char *family_name(int family)
{
	return family == AF_INET6 ? "ipv6" : "ipv4";
}

char *hs_pair_facts_encode(const struct hs_pair_facts *f)
{
	json_t *groups = json_array(), *sysctls = json_object();
	for (size_t i = 0; i < f->n_groups; i++) {
		const struct hs_pf_group *g = &f->groups[i];
		json_t *vips = json_array();
		for (size_t v = 0; v < g->n_vips; v++)
			json_array_append_new(vips, json_string(g->vips[v]));
		json_array_append_new(groups, json_pack("{s:s, s:s, s:i, s:i, s:i, s:o}",
							"interface", g->interface, "family",
							family_name(g->family), "vrid", g->vrid,
							"version", g->version, "advert_interval_cs",
							g->advert_interval_cs, "vips", vips));
	}
	for (size_t i = 0; i < f->n_sysctls; i++)
		json_object_set_new(sysctls, f->sysctls[i].name, json_string(f->sysctls[i].value));
	json_t *o = json_pack("{s:i, s:s, s:s, s:I, s:I, s:o, s:o}", "format", HS_PF_FORMAT,
			      "software", f->software, "hrp_protocol", f->hrp_protocol,
			      "hello_interval_ms", (json_int_t)f->hello_interval_ms, "dead_count",
			      (json_int_t)f->dead_count, "vrrp", groups, "sysctl", sysctls);
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	return text;
}

static enum hs_pf_err get_int(const json_t *o, const char *key, long long lo, long long hi,
			      long long *out)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		return HS_PF_E_FIELD;
	long long n = json_integer_value(v);
	if (n < lo || n > hi)
		return HS_PF_E_RANGE;
	*out = n;
	return HS_PF_OK;
}

static enum hs_pf_err get_str(const json_t *o, const char *key, char *out, size_t cap)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_string(v))
		return HS_PF_E_FIELD;
	size_t n = json_string_length(v);
	const char *s = json_string_value(v);
	if (n >= cap || strlen(s) != n) /* an embedded NUL */
		return HS_PF_E_STRING;
	memcpy(out, s, n + 1);
	return HS_PF_OK;
}

#define TRY(x)                                                                                     \
	do {                                                                                       \
		enum hs_pf_err e_ = (x);                                                           \
		if (e_ != HS_PF_OK)                                                                \
			return e_;                                                                 \
	} while (0)

static enum hs_pf_err get_vips(const json_t *arr, struct hs_pf_group *g)
{
	const json_t *v;
	size_t i;
	if (!json_is_array(arr))
		return HS_PF_E_FIELD;
	if (json_array_size(arr) > HS_PF_VIPS_MAX)
		return HS_PF_E_TOO_MANY;
	json_array_foreach (arr, i, v) {
		struct hs_addr a;
		if (!json_is_string(v))
			return HS_PF_E_FIELD;
		if (hs_addr_parse(json_string_value(v), &a) < 0 || a.family != g->family)
			return HS_PF_E_STRING;
		hs_addr_str(&a, g->vips[g->n_vips++], HS_PF_ADDR_MAX);
	}
	sort_group(g);
	return HS_PF_OK;
}

static enum hs_pf_err get_group(const json_t *o, struct hs_pf_group *g)
{
	char family[8];
	long long n;
	memset(g, 0, sizeof(*g));
	if (!json_is_object(o))
		return HS_PF_E_FIELD;
	TRY(get_str(o, "interface", g->interface, sizeof(g->interface)));
	if (!g->interface[0])
		return HS_PF_E_STRING;
	TRY(get_str(o, "family", family, sizeof(family)));
	if (!strcmp(family, "ipv4"))
		g->family = AF_INET;
	else if (!strcmp(family, "ipv6"))
		g->family = AF_INET6;
	else
		return HS_PF_E_RANGE;
	TRY(get_int(o, "vrid", 1, 255, &n));
	g->vrid = (int)n;
	TRY(get_int(o, "version", 2, 3, &n));
	g->version = (int)n;
	TRY(get_int(o, "advert_interval_cs", 1, 4095, &n));
	g->advert_interval_cs = (int)n;
	return get_vips(json_object_get(o, "vips"), g);
}

static enum hs_pf_err get_groups(const json_t *arr, struct hs_pair_facts *f)
{
	const json_t *v;
	size_t i;
	if (!json_is_array(arr))
		return HS_PF_E_FIELD;
	if (json_array_size(arr) > HS_PF_GROUPS_MAX)
		return HS_PF_E_TOO_MANY;
	json_array_foreach (arr, i, v)
		TRY(get_group(v, &f->groups[f->n_groups++]));
	qsort(f->groups, f->n_groups, sizeof(f->groups[0]), cmp_group);
	for (i = 1; i < f->n_groups; i++)
		if (cmp_group(&f->groups[i - 1], &f->groups[i]) == 0)
			return HS_PF_E_DUPLICATE;
	return HS_PF_OK;
}

static enum hs_pf_err get_sysctls(const json_t *obj, struct hs_pair_facts *f)
{
	const char *name;
	const json_t *v;
	if (!json_is_object(obj))
		return HS_PF_E_FIELD;
	if (json_object_size(obj) > HS_PF_SYSCTLS_MAX)
		return HS_PF_E_TOO_MANY;
	json_object_foreach ((json_t *)obj, name, v) {
		if (!json_is_string(v))
			return HS_PF_E_FIELD;
		if (strlen(json_string_value(v)) != json_string_length(v))
			return HS_PF_E_STRING;
		int r = hs_pair_facts_add_sysctl(f, name, json_string_value(v));
		if (r == -ENOSPC)
			return HS_PF_E_TOO_MANY;
		if (r < 0)
			return HS_PF_E_STRING;
	}
	return HS_PF_OK;
}

static enum hs_pf_err decode_obj(const json_t *o, struct hs_pair_facts *f)
{
	long long n;
	if (!json_is_object(o))
		return HS_PF_E_JSON;
	if (get_int(o, "format", HS_PF_FORMAT, HS_PF_FORMAT, &n) != HS_PF_OK)
		return HS_PF_E_FORMAT;
	TRY(get_str(o, "software", f->software, sizeof(f->software)));
	TRY(get_str(o, "hrp_protocol", f->hrp_protocol, sizeof(f->hrp_protocol)));
	TRY(get_int(o, "hello_interval_ms", 1, UINT32_MAX, &n));
	f->hello_interval_ms = (uint32_t)n;
	TRY(get_int(o, "dead_count", 1, UINT32_MAX, &n));
	f->dead_count = (uint32_t)n;
	TRY(get_groups(json_object_get(o, "vrrp"), f));
	return get_sysctls(json_object_get(o, "sysctl"), f);
}

enum hs_pf_err hs_pair_facts_decode(const char *text, size_t len, struct hs_pair_facts *f)
{
	memset(f, 0, sizeof(*f));
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	enum hs_pf_err e = decode_obj(o, f);
	json_decref(o);
	return e;
}
