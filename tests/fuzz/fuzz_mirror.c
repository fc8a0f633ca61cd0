/* Fuzz target: what the mirror session reads (lib/sess_mirror.h). The first input byte picks:
 *   mode 0  a queued packet's first bytes (the kernel copies them): the entry it gives must
 *           encode as a session record entry and decode to the same tuple;
 *   mode 1  a control record of the peer: a mirror record (token, then a session record read
 *           entry by entry) or an acknowledgement. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hrp_session.h"
#include "sess_mirror.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void packet(const uint8_t *p, size_t n)
{
	struct hs_sess s, back;
	uint8_t rec[1 + HS_SESS_ENTRY_MAX];
	if (n > HS_MIRROR_COPY)
		n = HS_MIRROR_COPY;
	if (hs_mirror_packet_entry(p, n, &s) < 0)
		return;
	size_t off = 0, len = hs_sess_record_begin(rec, sizeof(rec));
	size_t e = hs_sess_encode(&s, rec + len, sizeof(rec) - len);
	if (!e)
		__builtin_trap(); /* every entry of a packet is encodable */
	len += e;
	if (hs_sess_record_check(rec, len, &off) != HS_SESS_OK ||
	    hs_sess_decode(rec, len, &off, &back) != HS_SESS_OK ||
	    memcmp(&back.orig, &s.orig, sizeof(s.orig)) != 0 || back.l4proto != s.l4proto ||
	    back.op != s.op)
		__builtin_trap();
}

static void control(const uint8_t *rec, size_t len)
{
	uint32_t token;
	struct hs_sess s;
	if (hs_mirror_parse(rec, len, HS_MIRROR_REC_ACK, &token) == 0 && len != 5)
		__builtin_trap();
	if (hs_mirror_parse(rec, len, HS_MIRROR_REC_NEW, &token) < 0)
		return;
	size_t off = 0;
	const uint8_t *r = rec + HS_MIRROR_NEW_HDR;
	size_t n = len - HS_MIRROR_NEW_HDR;
	enum hs_sess_err e = hs_sess_record_check(r, n, &off);
	while (e == HS_SESS_OK && (e = hs_sess_decode(r, n, &off, &s)) == HS_SESS_OK)
		if (off > n)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		control(data + 1, size - 1);
	else
		packet(data + 1, size - 1);
	return 0;
}
