/* Static routes as a synced pseudo-table (cfgsync_route.h): lines, their order, which routes
 * stay on their box, and the add/delete plan the config standby carries out. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cfgsync_route.h"

static const char *const type_names[HS_ROUTE_TYPE_MAX] = {
	[HS_ROUTE_UNICAST] = "unicast",
	[HS_ROUTE_BLACKHOLE] = "blackhole",
	[HS_ROUTE_UNREACHABLE] = "unreachable",
	[HS_ROUTE_PROHIBIT] = "prohibit",
};

static size_t addr_len(uint8_t family)
{
	return family == AF_INET ? 4 : 16;
}

/* The first plen bits of a and b are the same. */
static bool bits_equal(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned bytes = plen / 8, rest = plen % 8;
	if (memcmp(a, b, bytes) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

static bool covers(const struct hs_route_tables *t, uint32_t table)
{
	if (!t || t->n == 0)
		return table == 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->id[i] == table)
			return true;
	return false;
}

void hs_route_tables_add(struct hs_route_tables *t, uint32_t id)
{
	size_t i = 0;
	while (i < t->n && t->id[i] < id)
		i++;
	if ((i < t->n && t->id[i] == id) || t->n == HS_ROUTE_TABLES_MAX)
		return;
	memmove(&t->id[i + 1], &t->id[i], (t->n - i) * sizeof(t->id[0]));
	t->id[i] = id;
	t->n++;
}

/* Main alone, said or not: the text then has no "tables" line. */
static bool main_alone(const struct hs_route_tables *t)
{
	return !t || t->n == 0 || (t->n == 1 && t->id[0] == 0);
}

enum hs_route_verdict hs_route_classify(const struct hs_route *r, const struct hs_route_filter *f)
{
	if (!covers(&f->tables, r->table))
		return HS_ROUTE_SKIP_TABLE;
	for (size_t i = 0; r->dev[0] && i < f->n_local_ifs; i++)
		if (strcmp(r->dev, f->local_ifs[i]) == 0)
			return HS_ROUTE_SKIP_HEARTBEAT;
	for (size_t i = 0; i < f->n_exclude; i++) {
		const struct hs_sess_prefix *p = &f->exclude[i];
		if (p->family == r->family && r->dst_len >= p->plen &&
		    bits_equal(r->dst, p->addr, p->plen))
			return HS_ROUTE_SKIP_EXCLUDED;
	}
	return HS_ROUTE_SYNC;
}

/* A table number of a route's text or of the setting; main and local are not among them. */
static int table_number(const char *s, uint32_t *id)
{
	char *e;
	if (s[0] < '1' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 10);
	if (errno || *e || v > UINT32_MAX || v == HS_ROUTE_TABLE_MAIN || v == 255)
		return -EINVAL;
	*id = (uint32_t)v;
	return 0;
}

int hs_route_table_parse(const char *s, uint32_t *id, const char **why)
{
	if (strcmp(s, "main") == 0 || strcmp(s, "254") == 0) {
		*id = 0;
		return 0;
	}
	if (strcmp(s, "255") == 0 || strcmp(s, "local") == 0) {
		*why = "the local table holds the kernel's own routes: never synced";
		return -EINVAL;
	}
	if (table_number(s, id) < 0) {
		*why = "a table is \"main\" or a number of 1..4294967295";
		return -EINVAL;
	}
	return 0;
}

static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= HS_ROUTE_IFNAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] == '"' || s[i] == '/' || s[i] == 127)
			return false;
	return true;
}

int hs_route_format(const struct hs_route *r, char *out, size_t cap)
{
	char dst[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN], src[INET6_ADDRSTRLEN];
	size_t max = r->family == AF_INET ? 32 : 128;
	if ((r->family != AF_INET && r->family != AF_INET6) || r->dst_len > max ||
	    r->type >= HS_ROUTE_TYPE_MAX || (r->dev[0] && !ifname_ok(r->dev)) ||
	    r->table == HS_ROUTE_TABLE_MAIN || r->table == 255 ||
	    !inet_ntop(r->family, r->dst, dst, sizeof(dst)) ||
	    (r->has_gw && !inet_ntop(r->family, r->gw, gw, sizeof(gw))) ||
	    (r->has_src && !inet_ntop(r->family, r->src, src, sizeof(src))))
		return -EINVAL;
	char via[INET6_ADDRSTRLEN + 8] = "", dev[HS_ROUTE_IFNAME_MAX + 8] = "", type[24] = "";
	char source[INET6_ADDRSTRLEN + 8] = "", table[24] = "";
	if (r->has_gw)
		snprintf(via, sizeof(via), " via %s", gw);
	if (r->dev[0])
		snprintf(dev, sizeof(dev), " dev \"%s\"", r->dev);
	if (r->has_src)
		snprintf(source, sizeof(source), " src %s", src);
	if (r->type != HS_ROUTE_UNICAST)
		snprintf(type, sizeof(type), " type %s", type_names[r->type]);
	if (r->table)
		snprintf(table, sizeof(table), " table %u", r->table);
	int n = snprintf(out, cap, "%s %s/%u%s%s%s metric %u%s%s",
			 r->family == AF_INET ? "inet" : "inet6", dst, r->dst_len, via, dev, source,
			 r->metric, type, table);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

/* The next blank-separated word of s into w (at most cap - 1 bytes; "" at the end). Returns
 * where it ended, or NULL for a word too long. */
static const char *word(const char *s, const char *end, char *w, size_t cap)
{
	while (s < end && *s == ' ')
		s++;
	size_t n = 0;
	while (s < end && *s != ' ') {
		if (n + 1 >= cap)
			return NULL;
		w[n++] = *s++;
	}
	w[n] = '\0';
	return s;
}

static int parse_prefix(const char *w, struct hs_route *r)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(w, '/');
	char *endp;
	if (!slash || (size_t)(slash - w) >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, w, (size_t)(slash - w));
	addr[slash - w] = '\0';
	unsigned long plen = strtoul(slash + 1, &endp, 10);
	if (!slash[1] || *endp || plen > (r->family == AF_INET ? 32u : 128u) ||
	    inet_pton(r->family, addr, r->dst) != 1)
		return -EINVAL;
	r->dst_len = (uint8_t)plen;
	return 0;
}

int hs_route_parse(const char *line, size_t len, struct hs_route *r)
{
	const char *p = line, *end = line + len;
	char w[HS_ROUTE_LINE_MAX];
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] < ' ')
			return -EINVAL; /* a NUL would end a word early; tabs are not ours */
	if (!(p = word(p, end, w, sizeof(w))))
		return -EINVAL;
	if (strcmp(w, "inet") == 0)
		r->family = AF_INET;
	else if (strcmp(w, "inet6") == 0)
		r->family = AF_INET6;
	else
		return -EINVAL;
	if (!(p = word(p, end, w, sizeof(w))) || parse_prefix(w, r) < 0)
		return -EINVAL;
	bool metric = false;
	for (;;) {
		char v[HS_ROUTE_LINE_MAX];
		if (!(p = word(p, end, w, sizeof(w))))
			return -EINVAL;
		if (!w[0])
			break;
		if (!(p = word(p, end, v, sizeof(v))) || !v[0])
			return -EINVAL;
		if (strcmp(w, "via") == 0 && !r->has_gw) {
			if (inet_pton(r->family, v, r->gw) != 1)
				return -EINVAL;
			r->has_gw = true;
		} else if (strcmp(w, "dev") == 0 && !r->dev[0]) {
			size_t n = strlen(v);
			if (n < 3 || v[0] != '"' || v[n - 1] != '"' || n - 2 >= HS_ROUTE_IFNAME_MAX)
				return -EINVAL;
			memcpy(r->dev, v + 1, n - 2);
			r->dev[n - 2] = '\0';
			if (!ifname_ok(r->dev))
				return -EINVAL;
		} else if (strcmp(w, "metric") == 0 && !metric) {
			char *e;
			unsigned long m = strtoul(v, &e, 10);
			if (*e || v[0] == '-' || m > UINT32_MAX)
				return -EINVAL;
			r->metric = (uint32_t)m;
			metric = true;
		} else if (strcmp(w, "type") == 0 && r->type == HS_ROUTE_UNICAST) {
			size_t t = 1;
			while (t < HS_ROUTE_TYPE_MAX && strcmp(v, type_names[t]) != 0)
				t++;
			if (t == HS_ROUTE_TYPE_MAX)
				return -EINVAL;
			r->type = (uint8_t)t;
		} else if (strcmp(w, "src") == 0 && !r->has_src) {
			if (inet_pton(r->family, v, r->src) != 1)
				return -EINVAL;
			r->has_src = true;
		} else if (strcmp(w, "table") == 0 && !r->table) {
			if (table_number(v, &r->table) < 0)
				return -EINVAL; /* main is written without, local never */
		} else {
			return -EINVAL;
		}
	}
	return metric ? 0 : -EINVAL;
}

struct line_ref {
	char s[HS_ROUTE_LINE_MAX];
};

static int line_cmp(const void *a, const void *b)
{
	return strcmp(((const struct line_ref *)a)->s, ((const struct line_ref *)b)->s);
}

/* "tables main 100\n" into out (cap bytes); its length. */
static size_t tables_line(const struct hs_route_tables *t, char *out, size_t cap)
{
	size_t o = (size_t)snprintf(out, cap, "tables");
	for (size_t i = 0; i < t->n && o < cap; i++) {
		if (t->id[i] == 0)
			o += (size_t)snprintf(out + o, cap - o, " main");
		else
			o += (size_t)snprintf(out + o, cap - o, " %u", t->id[i]);
	}
	if (o < cap)
		o += (size_t)snprintf(out + o, cap - o, "\n");
	return o < cap ? o : cap - 1;
}

char *hs_routes_text(const struct hs_route *routes, size_t n, const struct hs_route_tables *t,
		     size_t *len)
{
	enum { HEAD_MAX = 16 + HS_ROUTE_TABLES_MAX * 11 };
	struct line_ref *v = calloc(n ? n : 1, sizeof(*v));
	char *text = v ? malloc(HEAD_MAX + n * HS_ROUTE_LINE_MAX + 1) : NULL;
	size_t o = 0;
	if (!text) {
		free(v);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (hs_route_format(&routes[i], v[i].s, sizeof(v[i].s)) < 0) {
			free(v);
			free(text);
			return NULL;
		}
	qsort(v, n, sizeof(*v), line_cmp);
	if (!main_alone(t))
		o = tables_line(t, text, HEAD_MAX);
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(v[i].s);
		memcpy(text + o, v[i].s, l);
		o += l;
		text[o++] = '\n';
	}
	text[o] = '\0';
	free(v);
	*len = o;
	return text;
}

/* The "tables" line (without its newline) into t: main or numbers, at least one. */
static int parse_tables(const char *p, const char *end, struct hs_route_tables *t)
{
	char w[HS_ROUTE_LINE_MAX];
	memset(t, 0, sizeof(*t));
	if (!(p = word(p, end, w, sizeof(w))) || strcmp(w, "tables") != 0)
		return -EINVAL;
	for (;;) {
		uint32_t id;
		if (!(p = word(p, end, w, sizeof(w))))
			return -EINVAL;
		if (!w[0])
			return t->n ? 0 : -EINVAL;
		if (strcmp(w, "main") == 0)
			id = 0;
		else if (table_number(w, &id) < 0)
			return -EINVAL;
		if (t->n == HS_ROUTE_TABLES_MAX)
			return -EINVAL;
		hs_route_tables_add(t, id);
	}
}

static int grow(struct hs_route **v, size_t *cap)
{
	size_t c = *cap ? 2 * *cap : 16;
	struct hs_route *w = realloc(*v, c * sizeof(*w));
	if (!w)
		return -ENOMEM;
	*v = w;
	*cap = c;
	return 0;
}

long hs_routes_from_text(const char *text, size_t len, struct hs_route **out,
			 struct hs_route_tables *t, size_t *bad_line)
{
	const char *p = text, *end = text + len;
	size_t n = 0, cap = 0, line = 0;
	struct hs_route *v = NULL;
	int e = 0;
	*out = NULL;
	memset(t, 0, sizeof(*t));
	while (p < end && e == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		line++;
		if (line == 1 && eol - p >= 6 && memcmp(p, "tables", 6) == 0) {
			e = parse_tables(p, eol, t);
		} else if (eol > p) {
			if (n == HS_ROUTES_MAX)
				e = -E2BIG;
			else if (n == cap)
				e = grow(&v, &cap);
			if (e == 0 && (hs_route_parse(p, (size_t)(eol - p), &v[n]) < 0 ||
				       !covers(t, v[n].table)))
				e = -EINVAL;
			n += e == 0;
		}
		p = nl ? nl + 1 : end;
	}
	if (e < 0) {
		free(v);
		if (e == -EINVAL)
			*bad_line = line;
		return e;
	}
	*out = v;
	return (long)n;
}

bool hs_route_same_key(const struct hs_route *a, const struct hs_route *b)
{
	return a->family == b->family && a->table == b->table && a->dst_len == b->dst_len &&
	       a->metric == b->metric && memcmp(a->dst, b->dst, addr_len(a->family)) == 0;
}

bool hs_route_equal(const struct hs_route *a, const struct hs_route *b)
{
	return hs_route_same_key(a, b) && a->type == b->type && a->has_gw == b->has_gw &&
	       (!a->has_gw || memcmp(a->gw, b->gw, addr_len(a->family)) == 0) &&
	       a->has_src == b->has_src &&
	       (!a->has_src || memcmp(a->src, b->src, addr_len(a->family)) == 0) &&
	       strcmp(a->dev, b->dev) == 0;
}

void hs_routes_plan(const struct hs_route *have, size_t n_have, const struct hs_route *want,
		    size_t n_want, size_t *add, size_t *n_add, size_t *del, size_t *n_del)
{
	*n_add = *n_del = 0;
	for (size_t i = 0; i < n_want; i++) {
		bool there = false;
		for (size_t j = 0; j < n_have && !there; j++)
			there = hs_route_equal(&want[i], &have[j]);
		if (!there)
			add[(*n_add)++] = i;
	}
	for (size_t j = 0; j < n_have; j++) {
		bool wanted = false;
		for (size_t i = 0; i < n_want && !wanted; i++)
			wanted = hs_route_same_key(&want[i], &have[j]);
		if (!wanted)
			del[(*n_del)++] = j;
	}
}
