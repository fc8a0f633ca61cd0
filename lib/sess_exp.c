/* Session sync of helpers and expectations (sess_exp.h): the helper record's head and the
 * expectation record. Pure: no sockets, no kernel.
 *
 * An expectation's length follows from its first byte (the family) and its last-but-one field
 * (the helper name's length), so the decoder checks the fixed part, then the name, then reads.
 * Its checklist, one error each: the record's kind, an op and flag bits it knows (bad-op), the
 * fixed part within the record (truncated), the name's length and characters (bad-helper), the
 * name within the record (truncated); then the NAT part's fixed bytes (truncated), its direction
 * and its function's name (bad-nat), that name within the record (truncated). */
#include "sess_exp.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "hrp_wire.h"

#define TUPLE_LEN(alen) (2u * (alen) + 4u)
/* Everything but the helper name: flags, master l4proto, zone, master tuple, l4proto, tuple,
 * mask, timeout, flags, class, name length. */
#define FIXED_LEN(alen) (4u + 3u * TUPLE_LEN(alen) + 1u + 4u + 4u + 1u + 1u)

/* The NAT part but its function's name: direction, saved address and port, name length. */
#define NAT_FIXED_LEN(alen) (1u + (alen) + 2u + 1u)

static_assert(HS_SESS_EXP_LONGEST == FIXED_LEN(16u) + HS_SESS_HELPER_MAX - 1u +
					     NAT_FIXED_LEN(16u) + HS_SESS_EXP_FN_MAX - 1u,
	      "HS_SESS_EXP_LONGEST is the layout's longest");

static const char *const err_names[HS_SESS_EXP_ERR_MAX] = {
	[HS_SESS_EXP_OK] = "ok",
	[HS_SESS_EXP_END] = "end",
	[HS_SESS_EXP_BAD_KIND] = "bad-kind",
	[HS_SESS_EXP_TRUNCATED] = "truncated",
	[HS_SESS_EXP_BAD_OP] = "bad-op",
	[HS_SESS_EXP_BAD_FAMILY] = "bad-family",
	[HS_SESS_EXP_BAD_HELPER] = "bad-helper",
	[HS_SESS_EXP_BAD_NAT] = "bad-nat",
};

const char *hs_sess_exp_err_name(enum hs_sess_exp_err e)
{
	return (unsigned)e < HS_SESS_EXP_ERR_MAX ? err_names[e] : "?";
}

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

static bool chars_ok(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!name_char_ok(p[i]))
			return false;
	return true;
}

static bool name_bytes_ok(const char *p, size_t n)
{
	return n >= 1 && n <= HS_SESS_HELPER_MAX - 1 && chars_ok(p, n);
}

bool hs_sess_helper_name_ok(const char *name)
{
	return name && name_bytes_ok(name, strnlen(name, HS_SESS_HELPER_MAX));
}

/* ---- helper record ---- */

size_t hs_sess_helper_record_begin(uint8_t *buf, size_t room, const char *helper)
{
	if (!buf || !hs_sess_helper_name_ok(helper))
		return 0;
	size_t n = strlen(helper);
	if (room < 2 + n)
		return 0;
	buf[0] = HS_SESS_REC_HELPER;
	buf[1] = (uint8_t)n;
	memcpy(buf + 2, helper, n);
	return 2 + n;
}

enum hs_sess_exp_err hs_sess_helper_record_open(const uint8_t *rec, size_t len,
						char helper[HS_SESS_HELPER_MAX], size_t *inner)
{
	if (!rec || len < 2)
		return HS_SESS_EXP_TRUNCATED;
	if (rec[0] != HS_SESS_REC_HELPER)
		return HS_SESS_EXP_BAD_KIND;
	size_t n = rec[1];
	if (n < 1 || n > HS_SESS_HELPER_MAX - 1)
		return HS_SESS_EXP_BAD_HELPER;
	if (len < 2 + n)
		return HS_SESS_EXP_TRUNCATED;
	if (!name_bytes_ok((const char *)rec + 2, n))
		return HS_SESS_EXP_BAD_HELPER;
	memcpy(helper, rec + 2, n);
	helper[n] = '\0';
	*inner = 2 + n;
	return HS_SESS_EXP_OK;
}

/* ---- expectation record ---- */

static size_t alen_of(uint8_t family)
{
	return family == AF_INET6 ? 16u : 4u;
}

/* The helper name's length, or -1 when it is not one we send. */
static int helper_len(const char *helper)
{
	size_t n = strnlen(helper, HS_SESS_HELPER_MAX);
	if (n == 0)
		return 0;
	return name_bytes_ok(helper, n) ? (int)n : -1;
}

/* The function name's length, or -1 when it is not one we send. */
static int fn_len(const char *fn)
{
	size_t n = strnlen(fn, HS_SESS_EXP_FN_MAX);
	return n < HS_SESS_EXP_FN_MAX && chars_ok(fn, n) ? (int)n : -1;
}

static size_t nat_len(const struct hs_sess_exp *e)
{
	if (!e->nat)
		return 0;
	int n = fn_len(e->fn);
	if (n < 0 || e->nat_dir > 1)
		return SIZE_MAX;
	return NAT_FIXED_LEN(alen_of(e->family)) + (size_t)n;
}

size_t hs_sess_exp_len(const struct hs_sess_exp *e)
{
	if (!e || (e->family != AF_INET && e->family != AF_INET6) || e->op > HS_SESS_EXP_DESTROY)
		return 0;
	int n = helper_len(e->helper);
	size_t nat = nat_len(e);
	if (n < 0 || nat == SIZE_MAX)
		return 0;
	return FIXED_LEN(alen_of(e->family)) + (size_t)n + nat;
}

size_t hs_sess_exp_record_begin(uint8_t *buf, size_t room)
{
	if (!buf || room < 1)
		return 0;
	buf[0] = HS_SESS_REC_EXPECT;
	return 1;
}

static uint8_t *put_tuple(uint8_t *p, const struct hs_sess_tuple *t, size_t alen)
{
	memcpy(p, t->src, alen);
	memcpy(p + alen, t->dst, alen);
	hrp_put_u16(p + 2 * alen, t->sport);
	hrp_put_u16(p + 2 * alen + 2, t->dport);
	return p + TUPLE_LEN(alen);
}

size_t hs_sess_exp_encode(const struct hs_sess_exp *e, uint8_t *buf, size_t room)
{
	size_t n = hs_sess_exp_len(e);
	if (!n || !buf || room < n)
		return 0;
	size_t alen = alen_of(e->family);
	size_t name = (size_t)helper_len(e->helper);
	uint8_t *p = buf;
	*p++ = (uint8_t)(e->op | (e->family == AF_INET6 ? HS_SESS_EXP_F_IPV6 : 0) |
			 (e->nat ? HS_SESS_EXP_F_NAT : 0));
	*p++ = e->master_l4proto;
	hrp_put_u16(p, e->zone);
	p += 2;
	p = put_tuple(p, &e->master, alen);
	*p++ = e->l4proto;
	p = put_tuple(p, &e->tuple, alen);
	p = put_tuple(p, &e->mask, alen);
	hrp_put_u32(p, e->timeout);
	hrp_put_u32(p + 4, e->flags);
	p += 8;
	*p++ = e->cls;
	*p++ = (uint8_t)name;
	memcpy(p, e->helper, name);
	p += name;
	if (e->nat) {
		size_t fn = strlen(e->fn);
		*p++ = e->nat_dir;
		memcpy(p, e->nat_addr, alen);
		hrp_put_u16(p + alen, e->nat_port);
		p += alen + 2;
		*p++ = (uint8_t)fn;
		memcpy(p, e->fn, fn);
		p += fn;
	}
	assert((size_t)(p - buf) == n);
	return n;
}

enum hs_sess_exp_err hs_sess_exp_record_check(const uint8_t *rec, size_t len, size_t *off)
{
	if (!rec || len < 1)
		return HS_SESS_EXP_TRUNCATED;
	if (rec[0] != HS_SESS_REC_EXPECT)
		return HS_SESS_EXP_BAD_KIND;
	*off = 1;
	return HS_SESS_EXP_OK;
}

static const uint8_t *get_tuple(const uint8_t *p, struct hs_sess_tuple *t, size_t alen)
{
	memcpy(t->src, p, alen);
	memcpy(t->dst, p + alen, alen);
	t->sport = hrp_get_u16(p + 2 * alen);
	t->dport = hrp_get_u16(p + 2 * alen + 2);
	return p + TUPLE_LEN(alen);
}

enum hs_sess_exp_err hs_sess_exp_decode(const uint8_t *rec, size_t len, size_t *off,
					struct hs_sess_exp *out)
{
	if (!rec || *off > len)
		return HS_SESS_EXP_TRUNCATED;
	if (*off == len)
		return HS_SESS_EXP_END;
	const uint8_t *p = rec + *off;
	size_t left = len - *off;
	uint8_t f = p[0];
	if ((f & HS_SESS_EXP_F_OP_MASK) > HS_SESS_EXP_DESTROY ||
	    (f & ~(HS_SESS_EXP_F_OP_MASK | HS_SESS_EXP_F_IPV6 | HS_SESS_EXP_F_NAT)))
		return HS_SESS_EXP_BAD_OP;
	size_t alen = f & HS_SESS_EXP_F_IPV6 ? 16u : 4u;
	size_t fixed = FIXED_LEN(alen);
	if (left < fixed)
		return HS_SESS_EXP_TRUNCATED;
	size_t name = p[fixed - 1];
	if (name > HS_SESS_HELPER_MAX - 1)
		return HS_SESS_EXP_BAD_HELPER;
	if (left < fixed + name)
		return HS_SESS_EXP_TRUNCATED;
	if (name && !name_bytes_ok((const char *)p + fixed, name))
		return HS_SESS_EXP_BAD_HELPER;
	size_t nat = 0, fn = 0;
	const uint8_t *n0 = p + fixed + name; /* the NAT part, if any */
	if (f & HS_SESS_EXP_F_NAT) {
		nat = NAT_FIXED_LEN(alen);
		if (left < fixed + name + nat)
			return HS_SESS_EXP_TRUNCATED;
		fn = n0[nat - 1];
		if (n0[0] > 1 || fn > HS_SESS_EXP_FN_MAX - 1)
			return HS_SESS_EXP_BAD_NAT;
		if (left < fixed + name + nat + fn)
			return HS_SESS_EXP_TRUNCATED;
		if (!chars_ok((const char *)n0 + nat, fn))
			return HS_SESS_EXP_BAD_NAT;
	}

	struct hs_sess_exp e;
	memset(&e, 0, sizeof(e));
	e.op = f & HS_SESS_EXP_F_OP_MASK;
	e.family = f & HS_SESS_EXP_F_IPV6 ? AF_INET6 : AF_INET;
	e.master_l4proto = p[1];
	e.zone = hrp_get_u16(p + 2);
	const uint8_t *q = get_tuple(p + 4, &e.master, alen);
	e.l4proto = *q++;
	q = get_tuple(q, &e.tuple, alen);
	q = get_tuple(q, &e.mask, alen);
	e.timeout = hrp_get_u32(q);
	e.flags = hrp_get_u32(q + 4);
	q += 8;
	e.cls = *q++;
	q++; /* the name's length, read above */
	memcpy(e.helper, q, name);
	if (f & HS_SESS_EXP_F_NAT) {
		e.nat = true;
		e.nat_dir = n0[0];
		memcpy(e.nat_addr, n0 + 1, alen);
		e.nat_port = hrp_get_u16(n0 + 1 + alen);
		memcpy(e.fn, n0 + nat, fn);
	}
	*out = e;
	*off += fixed + name + nat + fn;
	return HS_SESS_EXP_OK;
}

/* ---- the send plan ---- */

enum hs_sess_exp_fit hs_sess_exp_fit(struct hs_sess_exp *e, bool peer_reads_nat)
{
	if (!e->nat || peer_reads_nat)
		return HS_SESS_EXP_FIT_AS_IS;
	/* The peer deletes by the expected tuple alone (the NAT part is for a create). A create
	 * without it is worse than none: the NAT helper moved the tuple's destination to the
	 * translated address and port, and only the saved ones lead back to the client. */
	if (e->op != HS_SESS_EXP_DESTROY)
		return HS_SESS_EXP_FIT_HELD;
	e->nat = false;
	e->nat_dir = 0;
	memset(e->nat_addr, 0, sizeof(e->nat_addr));
	e->nat_port = 0;
	memset(e->fn, 0, sizeof(e->fn));
	return HS_SESS_EXP_FIT_STRIPPED;
}
