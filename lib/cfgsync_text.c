/* The synced tables as text (cfgsync_core.h): their canonical form, the interface renames between
 * the boxes, the digest both boxes compare in their hellos, and a short diff for people. The
 * text is what `nft -s list table FAMILY NAME` prints; nft prints it the same way for the same
 * ruleset, so equal policies give equal text. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgsync_core.h"
#include "cfgsync_route.h"
#include "hex.h"

static const char *const families[] = { "ip", "ip6", "inet", "arp", "bridge", "netdev", NULL };

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

bool hs_cfgsync_table_name_ok(const char *s)
{
	if (strcmp(s, HS_CFGSYNC_ROUTES) == 0)
		return true; /* the static routes' pseudo-table (cfgsync_route.h) */
	const char *sp = strchr(s, ' ');
	if (!sp || strlen(s) >= HS_CFGSYNC_NAME_MAX)
		return false;
	bool fam = false;
	for (size_t i = 0; families[i] && !fam; i++)
		fam = strlen(families[i]) == (size_t)(sp - s) &&
		      strncmp(s, families[i], (size_t)(sp - s)) == 0;
	if (!fam || !sp[1])
		return false;
	for (const char *p = sp + 1; *p; p++)
		if (!name_char(*p))
			return false;
	return true;
}

/* ---- canonical form ---- */

struct out {
	char *p;
	size_t cap, len;
	bool full;
};

static void emit(struct out *o, const char *s, size_t n)
{
	if (o->full || n > o->cap - o->len) {
		size_t room = o->cap - o->len;
		if (!o->full && room) {
			memcpy(o->p + o->len, s, room);
			o->len += room;
		}
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

struct line {
	const char *s; /* without its newline and trailing blanks */
	size_t n;
};

static const char *next_line(const char *p, const char *end, struct line *l)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *e = nl ? nl : end;
	l->s = p;
	l->n = (size_t)(e - p);
	while (l->n && (l->s[l->n - 1] == ' ' || l->s[l->n - 1] == '\t' || l->s[l->n - 1] == '\r'))
		l->n--;
	return nl ? nl + 1 : end;
}

/* The line without its leading blanks starts with word. */
static bool starts(const struct line *l, const char *word)
{
	size_t i = 0, w = strlen(word);
	while (i < l->n && (l->s[i] == ' ' || l->s[i] == '\t'))
		i++;
	return l->n - i >= w && memcmp(l->s + i, word, w) == 0;
}

static bool has_word(const struct line *l, const char *word)
{
	size_t w = strlen(word);
	for (size_t i = 0; i + w <= l->n; i++)
		if (memcmp(l->s + i, word, w) == 0 && (i == 0 || !name_char(l->s[i - 1])) &&
		    (i + w == l->n || !name_char(l->s[i + w])))
			return true;
	return false;
}

static int braces(const struct line *l)
{
	int d = 0;
	for (size_t i = 0; i < l->n; i++)
		d += l->s[i] == '{' ? 1 : l->s[i] == '}' ? -1 : 0;
	return d;
}

/* A set (or map) block from its opening line: is it dynamic (filled by the packet path)? */
static bool set_is_dynamic(const char *p, const char *end)
{
	struct line l;
	int depth = 0;
	while (p < end) {
		p = next_line(p, end, &l);
		depth += braces(&l);
		if (starts(&l, "flags ") && has_word(&l, "dynamic"))
			return true;
		if (depth <= 0)
			break;
	}
	return false;
}

/* An anonymous set on one line ("{ b, a }", a vmap's "{ k : v, ... }"): its elements in sorted
 * order, so that the order the kernel lists them in cannot make two equal policies differ.
 * Braces and commas inside quotes are text; a group with nested braces is left as it is. */
#define GROUP_ELEMS_MAX 256

static int elem_cmp(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->s, y->s, n);
	return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* The end of the group opened at s[open] ('{'), or 0 when it does not close on this line or
 * holds another group. */
static size_t group_end(const char *s, size_t n, size_t open)
{
	bool q = false;
	for (size_t i = open + 1; i < n; i++) {
		if (s[i] == '"')
			q = !q;
		else if (!q && s[i] == '{')
			return 0;
		else if (!q && s[i] == '}')
			return i;
	}
	return 0;
}

static void emit_group(struct out *o, const char *s, size_t n)
{
	struct line e[GROUP_ELEMS_MAX];
	size_t k = 0, start = 0;
	bool q = false;
	if (strspn(s, " ") >= n) {
		emit(o, s, n);
		return;
	}
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] == '"')
			q = !q;
		if (i < n && (q || s[i] != ','))
			continue;
		if (k == GROUP_ELEMS_MAX) {
			emit(o, s, n);
			return;
		}
		size_t a = start, b = i;
		while (a < b && s[a] == ' ')
			a++;
		while (b > a && s[b - 1] == ' ')
			b--;
		e[k++] = (struct line){ .s = s + a, .n = b - a };
		start = i + 1;
	}
	qsort(e, k, sizeof(e[0]), elem_cmp);
	emit(o, " ", 1);
	for (size_t i = 0; i < k; i++) {
		if (i)
			emit(o, ", ", 2);
		emit(o, e[i].s, e[i].n);
	}
	emit(o, " ", 1);
}

static void emit_sorted(struct out *o, const struct line *l)
{
	size_t done = 0;
	bool q = false;
	for (size_t i = 0; i < l->n; i++) {
		if (l->s[i] == '"')
			q = !q;
		if (q || l->s[i] != '{')
			continue;
		size_t end = group_end(l->s, l->n, i);
		if (!end)
			continue;
		emit(o, l->s + done, i + 1 - done);
		emit_group(o, l->s + i + 1, end - i - 1);
		emit(o, "}", 1);
		done = end + 1;
		i = end;
	}
	emit(o, l->s + done, l->n - done);
	emit(o, "\n", 1);
}

long hs_cfgsync_canon(const char *in, size_t len, char *out, size_t cap)
{
	struct out o = { .p = out, .cap = cap };
	const char *p = in, *end = in + len;
	bool in_dynamic = false; /* inside a dynamic set's block */
	int set_depth = 0, skip_depth = 0;
	struct line l;
	while (p < end) {
		const char *here = p;
		p = next_line(p, end, &l);
		if (!in_dynamic && (starts(&l, "set ") || starts(&l, "map ")) && braces(&l) > 0 &&
		    set_is_dynamic(here, end)) {
			in_dynamic = true;
			set_depth = 0;
		}
		if (in_dynamic) {
			int d = braces(&l);
			if (skip_depth == 0 && starts(&l, "elements = ")) {
				skip_depth = d > 0 ? d : 0;
				set_depth += d;
				continue;
			}
			if (skip_depth > 0) {
				skip_depth += d;
				set_depth += d;
				if (skip_depth < 0)
					skip_depth = 0;
				continue;
			}
			set_depth += d;
			if (set_depth <= 0)
				in_dynamic = false;
		}
		if (l.n == 0 && p >= end)
			break; /* the last newline's empty tail */
		emit_sorted(&o, &l);
	}
	return o.full ? -ENOSPC : (long)o.len;
}

/* ---- renames ---- */

static bool ifname_ok(const char *s, size_t n)
{
	if (n == 0 || n >= HS_CFGSYNC_IFNAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '"' || s[i] == '=' || s[i] == '/' || s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

const char *hs_cfgsync_rename_check(const char *item)
{
	const char *eq = strchr(item, '=');
	if (!eq)
		return "expected LOCAL=PEER (interface names)";
	if (!ifname_ok(item, (size_t)(eq - item)) || !ifname_ok(eq + 1, strlen(eq + 1)))
		return "an interface name is 1 to 15 characters, without quotes, '=', '/' or "
		       "blanks";
	return NULL;
}

int hs_cfgsync_renames_parse(const char *const *items, size_t n, struct hs_cfgsync_renames *m,
			     char *err, size_t errlen)
{
	struct hs_cfgsync_renames x = { 0 };
	if (n > HS_CFGSYNC_RENAMES_MAX) {
		snprintf(err, errlen, "at most %d renames", HS_CFGSYNC_RENAMES_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		const char *why = hs_cfgsync_rename_check(items[i]);
		if (why) {
			snprintf(err, errlen, "%s: %s", items[i], why);
			return -EINVAL;
		}
		const char *eq = strchr(items[i], '=');
		snprintf(x.e[i].local, sizeof(x.e[i].local), "%.*s", (int)(eq - items[i]),
			 items[i]);
		snprintf(x.e[i].peer, sizeof(x.e[i].peer), "%s", eq + 1);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(x.e[j].local, x.e[i].local) ||
			    !strcmp(x.e[j].peer, x.e[i].peer)) {
				snprintf(err, errlen, "%s: an interface renamed twice", items[i]);
				return -EINVAL;
			}
		x.n = i + 1;
	}
	*m = x;
	return 0;
}

bool hs_cfgsync_canon_is_peer(const char *local_sysname, const char *peer_sysname)
{
	return peer_sysname && peer_sysname[0] && strcmp(peer_sysname, local_sysname) < 0;
}

long hs_cfgsync_rename(const char *in, size_t len, const struct hs_cfgsync_renames *m, bool to_peer,
		       char *out, size_t cap)
{
	struct out o = { .p = out, .cap = cap };
	size_t i = 0;
	while (i < len) {
		const char *q = memchr(in + i, '"', len - i);
		if (!q) {
			emit(&o, in + i, len - i);
			break;
		}
		size_t qs = (size_t)(q - in);
		const char *qe = memchr(q + 1, '"', len - qs - 1);
		if (!qe) {
			emit(&o, in + i, len - i);
			break;
		}
		emit(&o, in + i, qs + 1 - i); /* up to and with the opening quote */
		size_t n = (size_t)(qe - q - 1);
		const char *to = NULL;
		for (size_t k = 0; k < m->n && !to; k++) {
			const char *from = to_peer ? m->e[k].local : m->e[k].peer;
			if (strlen(from) == n && memcmp(from, q + 1, n) == 0)
				to = to_peer ? m->e[k].peer : m->e[k].local;
		}
		if (to)
			emit(&o, to, strlen(to));
		else
			emit(&o, q + 1, n);
		emit(&o, "\"", 1);
		i = (size_t)(qe - in) + 1;
	}
	return o.full ? -ENOSPC : (long)o.len;
}

/* ---- digest ---- */

void hs_cfgsync_digest(const struct hs_cfgsync_table *t, size_t n,
		       uint8_t out[HS_CFGSYNC_DIGEST_LEN])
{
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < n; i++) {
		size_t nl = strnlen(t[i].name, HS_CFGSYNC_NAME_MAX - 1);
		uint32_t tl = t[i].present ? (uint32_t)t[i].len : 0;
		uint8_t b[6] = { (uint8_t)nl,         t[i].present,       (uint8_t)(tl >> 24),
				 (uint8_t)(tl >> 16), (uint8_t)(tl >> 8), (uint8_t)tl };
		crypto_hash_sha256_update(&st, b, 1);
		crypto_hash_sha256_update(&st, (const unsigned char *)t[i].name, nl);
		crypto_hash_sha256_update(&st, b + 1, 5);
		if (tl)
			crypto_hash_sha256_update(&st, (const unsigned char *)t[i].text, tl);
	}
	crypto_hash_sha256_final(&st, out);
}

void hs_cfgsync_settings_digest(const char *text, size_t len, uint8_t out[HS_CFGSYNC_DIGEST_LEN])
{
	crypto_hash_sha256(out, (const unsigned char *)text, len);
}

void hs_cfgsync_digest_hex(const uint8_t d[HS_CFGSYNC_DIGEST_LEN], char out[65])
{
	hs_hex(d, HS_CFGSYNC_DIGEST_LEN, out);
}

/* ---- diff ---- */

static size_t split(const char *s, size_t len, struct line **out)
{
	size_t n = 0, cap = 16;
	struct line *v = malloc(cap * sizeof(*v));
	const char *p = s, *end = s + len;
	while (v && p < end) {
		if (n == cap) {
			struct line *w = realloc(v, 2 * cap * sizeof(*v));
			if (!w) {
				free(v);
				v = NULL;
				break;
			}
			v = w;
			cap *= 2;
		}
		p = next_line(p, end, &v[n]);
		n++;
	}
	*out = v;
	return v ? n : 0;
}

/* A line and where it was, for sorting. */
struct ranked {
	struct line l;
	size_t at;
};

static int line_cmp(const struct line *a, const struct line *b)
{
	int c = memcmp(a->s, b->s, a->n < b->n ? a->n : b->n);
	if (c)
		return c;
	return a->n < b->n ? -1 : a->n > b->n;
}

/* By content, then by place: equal lines keep their order. */
static int line_order(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;
	int c = line_cmp(&a->l, &b->l);
	return c ? c : a->at < b->at ? -1 : a->at > b->at;
}

static struct ranked *ranked(const struct line *v, size_t n)
{
	struct ranked *r = malloc((n ? n : 1) * sizeof(*r));
	for (size_t i = 0; r && i < n; i++)
		r[i] = (struct ranked){ v[i], i };
	if (r)
		qsort(r, n, sizeof(*r), line_order);
	return r;
}

/* Pairs equal lines of a and b, each taken once (the k-th copy in a with the k-th in b), in
 * sorted order: n log n, where a pair of 100,000-line sets compared line by line stalled the
 * loop for seconds. -ENOMEM or 0. */
static int pair_lines(const struct line *a, size_t na, const struct line *b, size_t nb,
		      bool *used_a, bool *used_b)
{
	struct ranked *ra = ranked(a, na), *rb = ranked(b, nb);
	int r = ra && rb ? 0 : -ENOMEM;
	for (size_t i = 0, j = 0; r == 0 && i < na && j < nb;) {
		int c = line_cmp(&ra[i].l, &rb[j].l);
		if (c == 0) {
			used_a[ra[i++].at] = true;
			used_b[rb[j++].at] = true;
		} else if (c < 0) {
			i++;
		} else {
			j++;
		}
	}
	free(ra);
	free(rb);
	return r;
}

#define DIFF_MORE_ROOM 48 /* "... N more\n" */

/* Lines of a without a partner (used false), in their order, as "prefix line\n". */
static long unmatched(const struct line *a, size_t na, const bool *used, const char *prefix,
		      struct out *o, unsigned max, unsigned *shown)
{
	long count = 0;
	for (size_t i = 0; i < na; i++) {
		if (used[i])
			continue;
		count++;
		/* a whole line or none (a cut could split a UTF-8 character), and always room
		 * left for the "... N more" line */
		if (*shown < max && !o->full &&
		    strlen(prefix) + a[i].n + 1 + DIFF_MORE_ROOM > o->cap - o->len)
			o->full = true;
		if (*shown < max && !o->full) {
			emit(o, prefix, strlen(prefix));
			emit(o, a[i].s, a[i].n);
			emit(o, "\n", 1);
			(*shown)++;
		}
	}
	return count;
}

long hs_cfgsync_diff(const char *a, size_t alen, const char *b, size_t blen, char *out, size_t cap,
		     unsigned max_lines)
{
	struct line *la = NULL, *lb = NULL;
	size_t na = split(a, alen, &la), nb = split(b, blen, &lb);
	bool *ua = calloc(na + 1, 1), *ub = calloc(nb + 1, 1);
	struct out o = { .p = out, .cap = cap ? cap - 1 : 0 };
	long r = -ENOMEM;
	if (la && lb && ua && ub && pair_lines(la, na, lb, nb, ua, ub) == 0) {
		unsigned shown = 0;
		r = unmatched(la, na, ua, "- ", &o, max_lines, &shown);
		r += unmatched(lb, nb, ub, "+ ", &o, max_lines, &shown);
		if (r > (long)shown) {
			char more[DIFF_MORE_ROOM];
			snprintf(more, sizeof(more), "... %ld more\n", r - (long)shown);
			o.full = false; /* its room was kept */
			emit(&o, more, strlen(more));
		}
	}
	if (cap)
		out[o.len] = '\0';
	free(la);
	free(lb);
	free(ua);
	free(ub);
	return r;
}
