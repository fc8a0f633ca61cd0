/* Fuzz target: the session channel's control records (lib/sess_control.h), as hrpd reads them
 * from the peer: a bulk request, a bulk's ranges, a consistency check's digest, its parts or its
 * result, the peer's own addresses. A record that decodes is encoded again and must give the
 * same bytes (a bare bulk request, the one short form, gives the full one) and decode to the
 * same fields. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sess_control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const struct hs_sess_ctl *a, const struct hs_sess_ctl *b)
{
	return a->kind == b->kind && a->check_id == b->check_id && a->ranges == b->ranges &&
	       a->answerer_total == b->answerer_total && a->source_total == b->source_total &&
	       a->range == b->range && a->unsettled == b->unsettled &&
	       a->settled_part == b->settled_part && a->unsettled_buckets == b->unsettled_buckets &&
	       a->undecided == b->undecided &&
	       memcmp(&a->digest, &b->digest, sizeof(a->digest)) == 0;
}

/* The peer's own addresses: decoded, they encode to the same bytes. */
static void local_addrs(const uint8_t *data, size_t size)
{
	static uint8_t addrs[HS_SESS_LOCAL_ADDRS_MAX][16];
	static uint8_t buf[3 + HS_SESS_LOCAL_ADDRS_MAX * 16];
	size_t n;
	if (hs_sess_local_addrs_decode(data, size, addrs, &n) != HS_SESS_CTL_OK)
		return;
	size_t len = hs_sess_local_addrs_encode((const uint8_t(*)[16])addrs, n, buf, sizeof(buf));
	if (len != size || memcmp(buf, data, len) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs_sess_ctl c, again;
	local_addrs(data, size);
	enum hs_sess_ctl_err e = hs_sess_ctl_decode(data, size, &c);
	(void)hs_sess_ctl_err_name(e);
	if (e != HS_SESS_CTL_OK)
		return 0;
	uint8_t buf[HS_SESS_CTL_LONGEST];
	size_t n = hs_sess_ctl_encode(&c, buf, sizeof(buf));
	bool bare = size == 1 && data[0] == HS_SESS_CTL_BULK_REQUEST;
	if (n == 0 || (!bare && (n != size || memcmp(buf, data, n) != 0)))
		__builtin_trap();
	if (hs_sess_ctl_decode(buf, n, &again) != HS_SESS_CTL_OK || !same(&c, &again))
		__builtin_trap();
	return 0;
}
