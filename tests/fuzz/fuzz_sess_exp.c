/* Fuzz target: the helper and expectation records of the session channel (lib/sess_exp.h), as
 * hrpd reads them. The first input byte picks:
 *   mode 0  an expectation record: each expectation decoded is encoded again, no longer than the
 *           longest, and must decode to the same one;
 *   mode 1  a helper record: its head, then the session record inside it entry by entry. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hrp_session.h"
#include "sess_exp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool tuple_same(const struct hs_sess_tuple *a, const struct hs_sess_tuple *b)
{
	return memcmp(a->src, b->src, sizeof(a->src)) == 0 &&
	       memcmp(a->dst, b->dst, sizeof(a->dst)) == 0 && a->sport == b->sport &&
	       a->dport == b->dport;
}

static bool exp_same(const struct hs_sess_exp *a, const struct hs_sess_exp *b)
{
	return a->op == b->op && a->family == b->family && a->zone == b->zone &&
	       a->master_l4proto == b->master_l4proto && tuple_same(&a->master, &b->master) &&
	       a->l4proto == b->l4proto && tuple_same(&a->tuple, &b->tuple) &&
	       tuple_same(&a->mask, &b->mask) && a->timeout == b->timeout &&
	       a->flags == b->flags && a->cls == b->cls && strcmp(a->helper, b->helper) == 0;
}

static void expectations(const uint8_t *rec, size_t len)
{
	struct hs_sess_exp e, again;
	uint8_t buf[1 + HS_SESS_EXP_LONGEST];
	size_t off = 0;
	enum hs_sess_exp_err err = hs_sess_exp_record_check(rec, len, &off);
	while (err == HS_SESS_EXP_OK && (err = hs_sess_exp_decode(rec, len, &off, &e)) ==
						HS_SESS_EXP_OK) {
		if (off > len)
			__builtin_trap();
		size_t n = hs_sess_exp_record_begin(buf, sizeof(buf));
		size_t m = hs_sess_exp_encode(&e, buf + n, sizeof(buf) - n);
		if (m == 0 || m > HS_SESS_EXP_LONGEST || m != hs_sess_exp_len(&e))
			__builtin_trap();
		size_t o2 = 0;
		if (hs_sess_exp_record_check(buf, n + m, &o2) != HS_SESS_EXP_OK ||
		    hs_sess_exp_decode(buf, n + m, &o2, &again) != HS_SESS_EXP_OK ||
		    o2 != n + m || !exp_same(&e, &again))
			__builtin_trap();
	}
	(void)hs_sess_exp_err_name(err);
}

static void helper_record(const uint8_t *rec, size_t len)
{
	char name[HS_SESS_HELPER_MAX];
	size_t inner, off = 0;
	if (hs_sess_helper_record_open(rec, len, name, &inner) != HS_SESS_EXP_OK)
		return;
	if (inner > len || !hs_sess_helper_name_ok(name))
		__builtin_trap();
	struct hs_sess s;
	enum hs_sess_err e = hs_sess_record_check(rec + inner, len - inner, &off);
	while (e == HS_SESS_OK &&
	       (e = hs_sess_decode(rec + inner, len - inner, &off, &s)) == HS_SESS_OK)
		if (off > len - inner)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		helper_record(data + 1, size - 1);
	else
		expectations(data + 1, size - 1);
	return 0;
}
