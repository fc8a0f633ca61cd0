/* Fuzz target: the session channel's control records (lib/sess_control.h), as hrpd reads them
 * from the peer: a bulk request, a bulk's ranges, a consistency check's digest or its result.
 * A record that decodes is encoded again and must give the same bytes (a bare bulk request, the
 * one short form, gives the full one) and decode to the same fields. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sess_control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const struct hs_sess_ctl *a, const struct hs_sess_ctl *b)
{
	return a->kind == b->kind && a->check_id == b->check_id && a->ranges == b->ranges &&
	       a->answerer_total == b->answerer_total && a->source_total == b->source_total &&
	       memcmp(&a->digest, &b->digest, sizeof(a->digest)) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs_sess_ctl c, again;
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
