/* Fuzz target: what config sync reads from the peer (lib/cfgsync_core.h). The first input byte
 * picks:
 *   mode 0  a record of the config channel: a record that decodes must encode to the same bytes
 *           (flags aside) and decode again; a settings record's text comes back unchanged;
 *   mode 1  a table's text, through the canonical form (twice; that it is a fixed point holds
 *           for nft's own output, tests/unit/test_cfgsync.c, not for any bytes), the renames
 *           both ways (the map is a permutation, so the text comes back: a name unmapped here
 *           that is a peer's name would have no way back) and the diff. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfgsync_core.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		text(data + 1, size - 1);
	else
		record(data + 1, size - 1);
	return 0;
}
