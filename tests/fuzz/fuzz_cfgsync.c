/* Fuzz target: what config sync reads from the peer (lib/cfgsync_core.h). The first input byte
 * picks:
 *   mode 0  a record of the config channel: a record that decodes must encode to the same bytes
 *           (flags aside) and decode again; a settings record's text comes back unchanged;
 *   mode 1  a table's text, through the canonical form (twice; that it is a fixed point holds
 *           for nft's own output, tests/unit/test_cfgsync.c, not for any bytes), the renames
 *           both ways (the map is a permutation, so the text comes back: a name unmapped here
 *           that is a peer's name would have no way back) and the diff;
 *   mode 2  a stream of records (each u16 length first) through the decoder and the chunk
 *           reassembly, as hrpd's config channel takes them: a whole record handed out has
 *           the length and digest its chunks announced and is decoded in turn;
 *   mode 4  a "route static" text (the peer's static routes, lib/cfgsync_route.h): the routes
 *           and the tables it reads give a text that reads back to the same routes and tables. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfgsync_core.h"
#include "cfgsync_route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void record(const uint8_t *p, size_t n)
{
	struct hs_cfgsync_rec r, back;
	if (hs_cfgsync_decode(p, n, &r) != HS_CFGSYNC_OK)
		return;
	uint8_t *buf = malloc(n + 1);
	if (!buf)
		return;
	size_t m = hs_cfgsync_encode(&r, buf, n + 1);
	/* a result's message may be cut to what we keep; nothing else changes length */
	bool result = r.kind == HS_CFGSYNC_RESULT || r.kind == HS_CFGSYNC_SETTINGS_RES;
	if (m == 0 || (!result && m != n) || m > n)
		__builtin_trap();
	if (!result && memcmp(buf + 4, p + 4, n - 4) != 0)
		__builtin_trap();
	if (hs_cfgsync_decode(buf, m, &back) != HS_CFGSYNC_OK || back.kind != r.kind ||
	    back.gen != r.gen || back.n_tables != r.n_tables || back.apply != r.apply ||
	    back.settings_len != r.settings_len ||
	    (r.settings_len && memcmp(back.settings, r.settings, r.settings_len) != 0))
		__builtin_trap();
	free(buf);
}

static void text(const uint8_t *p, size_t n)
{
	static const char *const items[] = { "lan0=eth1", "eth1=lan0" }; /* a permutation */
	struct hs_cfgsync_renames m;
	char err[64];
	size_t cap = 2 * n + 16;
	char *a = malloc(cap), *b = malloc(cap), *c = malloc(cap);
	if (!a || !b || !c || hs_cfgsync_renames_parse(items, 2, &m, err, sizeof(err)) < 0)
		goto out;
	long la = hs_cfgsync_canon((const char *)p, n, a, cap);
	if (la < 0)
		goto out;
	long lb = hs_cfgsync_canon(a, (size_t)la, b, cap);
	lb = hs_cfgsync_rename(a, (size_t)la, &m, true, b, cap);
	if (lb < 0)
		goto out;
	long lc = hs_cfgsync_rename(b, (size_t)lb, &m, false, c, cap);
	if (lc != la || memcmp(a, c, (size_t)la) != 0)
		__builtin_trap();
	char diff[256];
	hs_cfgsync_diff(a, (size_t)la, (const char *)p, n, diff, sizeof(diff), 8);
out:
	free(a);
	free(b);
	free(c);
}

static void chunks(const uint8_t *p, size_t n)
{
	struct hs_cfgsync_reasm ra = { 0 };
	struct hs_cfgsync_rec *r = malloc(sizeof(*r)), *inner = malloc(sizeof(*inner));
	size_t off = 0;
	while (r && inner && off + 2 <= n) {
		size_t len = (size_t)p[off] << 8 | p[off + 1];
		off += 2;
		if (len > n - off)
			len = n - off;
		const uint8_t *rec = p + off;
		off += len;
		if (hs_cfgsync_decode(rec, len, r) != HS_CFGSYNC_OK || r->kind != HS_CFGSYNC_CHUNK)
			continue;
		const uint8_t *whole = NULL;
		size_t whole_len = 0;
		bool abandoned;
		enum hs_cfgsync_err err;
		enum hs_cfgsync_reasm_step s =
			hs_cfgsync_reasm_feed(&ra, r, &whole, &whole_len, &abandoned, &err);
		if ((s == HS_REASM_ERROR) != (err != HS_CFGSYNC_OK))
			__builtin_trap();
		if (s != HS_REASM_DONE)
			continue;
		uint8_t d[HS_CFGSYNC_DIGEST_LEN];
		hs_cfgsync_settings_digest((const char *)whole, whole_len, d);
		if (whole_len != r->chunk_total || memcmp(d, r->digest, sizeof(d)) != 0)
			__builtin_trap();
		hs_cfgsync_decode(whole, whole_len, inner);
	}
	hs_cfgsync_reasm_reset(&ra);
	free(r);
	free(inner);
}

static void routes(const uint8_t *p, size_t n)
{
	struct hs_route *v = NULL, *back = NULL;
	struct hs_route_tables t, back_t;
	size_t bad = 0, len = 0;
	long count = hs_routes_from_text((const char *)p, n, &v, &t, &bad);
	if (count < 0)
		return;
	char *text = hs_routes_text(v, (size_t)count, &t, &len);
	if (!text)
		__builtin_trap(); /* every route read must print */
	if (hs_routes_from_text(text, len, &back, &back_t, &bad) != count)
		__builtin_trap();
	/* the tables it covers come back too (main alone, said or not, is no line) */
	bool t_main = t.n == 0 || (t.n == 1 && t.id[0] == 0);
	bool back_main = back_t.n == 0 || (back_t.n == 1 && back_t.id[0] == 0);
	if (t_main != back_main || (!t_main && memcmp(&t, &back_t, sizeof(t)) != 0))
		__builtin_trap();
	/* the text is sorted, so the order may differ: every route must be there */
	for (long i = 0; i < count; i++) {
		bool found = false;
		for (long j = 0; j < count && !found; j++)
			found = hs_route_equal(&v[i], &back[j]);
		if (!found)
			__builtin_trap();
	}
	free(text);
	free(v);
	free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		text(data + 1, size - 1);
	else if (data[0] & 2)
		chunks(data + 1, size - 1);
	else if (data[0] & 4)
		routes(data + 1, size - 1);
	else
		record(data + 1, size - 1);
	return 0;
}
