/* Session sync records: conntrack entries as bytes. Pure: no sockets, no clocks, no kernel.
 *
 * An entry's first byte says what follows (op, family, which optional parts), its second the
 * l4proto, and with op 3 (HS_SESS_F_OP_EXT) its third the extension byte, which has the real op
 * and the directional zones; from those the entry's length is known (entry_len()), so both sides
 * check room and bounds once, then write or read without further checks. The decoder's
 * checklist, one error each: the leading bytes (truncated), a known op with no flag or extension
 * bit its op forbids (bad-op), then the whole entry within the record (truncated).
 *
 * The reply tuple is inverted as the kernel does (nf_conntrack_proto_icmp.c and
 * nf_conntrack_proto_icmpv6.c, invmap[]), so an entry without NAT leaves it out and the peer
 * rebuilds it. The hashes are SipHash-2-4 (libsodium's crypto_shorthash_siphash24) with the
 * all-zero key over a fixed serialization: the same on every host and build.
 *
 * doc/hrp-protocol.md, "Session records", has the layout and an example. */
#include "hrp_session.h"

#include <assert.h>
#include <string.h>
#include <netinet/in.h>
#include <sodium.h>

#include "hrp_wire.h"

#define TCP_PROTO_LEN   5u /* state, wscale[2], flags[2] */
#define SCTP_PROTO_LEN  9u /* state, vtag[2] */
#define DCCP_PROTO_LEN  1u /* state */
#define TUPLE_LEN(alen) (2u * (alen) + 4u)
#define SEQADJ_LEN      24u

static_assert(HS_SESS_ENTRY_LONGEST == 2u + 1u + 2u + 2u + 2u + 2u * TUPLE_LEN(16u) + 4u + 4u + 4u +
					       16u + SEQADJ_LEN + SCTP_PROTO_LEN,
	      "HS_SESS_ENTRY_LONGEST is not the longest entry");
static_assert(HS_SESS_ENTRY_LONGEST <= HS_SESS_ENTRY_MAX, "HS_SESS_ENTRY_MAX too small");
static_assert(HS_SESS_DESTROY < HS_SESS_F_OP_EXT, "op 3 must stay the extension's");

static const char *const err_names[HS_SESS_ERR_MAX] = {
	[HS_SESS_OK] = "ok",
	[HS_SESS_END] = "end",
	[HS_SESS_BAD_VERSION] = "bad-version",
	[HS_SESS_TRUNCATED] = "truncated",
	[HS_SESS_BAD_OP] = "bad-op",
	[HS_SESS_BAD_FAMILY] = "bad-family",
};

const char *hs_sess_err_name(enum hs_sess_err e)
{
	if ((unsigned)e >= HS_SESS_ERR_MAX || !err_names[e])
		return "invalid";
	return err_names[e];
}

/* ---- tuple inversion ---- */

/* The kernel's invmap[]: the answer's type + 1, 0 for a type with no answer. */
/* clang-format off */
static const uint8_t icmp_invmap[] = {
	[8] = 0 + 1,   /* echo -> echo reply */
	[0] = 8 + 1,   /* echo reply -> echo */
	[13] = 14 + 1, /* timestamp */
	[14] = 13 + 1,
	[15] = 16 + 1, /* information */
	[16] = 15 + 1,
	[17] = 18 + 1, /* address mask */
	[18] = 17 + 1,
};

static const uint8_t icmpv6_invmap[] = {
	[128 - 128] = 129 + 1, /* echo request -> echo reply */
	[129 - 128] = 128 + 1,
	[139 - 128] = 140 + 1, /* node information query -> reply */
	[140 - 128] = 139 + 1,
};
/* clang-format on */

static uint16_t icmp_invert_type(const uint8_t *map, size_t n, unsigned base, uint16_t type_code)
{
	unsigned type = type_code >> 8;
	if (type < base || type - base >= n || !map[type - base])
		return type_code;
	return (uint16_t)((unsigned)(map[type - base] - 1) << 8 | (type_code & 0xffu));
}

void hs_sess_tuple_invert(uint8_t family, uint8_t l4proto, const struct hs_sess_tuple *orig,
			  struct hs_sess_tuple *out)
{
	memcpy(out->src, orig->dst, sizeof(out->src));
	memcpy(out->dst, orig->src, sizeof(out->dst));
	if (family == AF_INET && l4proto == IPPROTO_ICMP) {
		out->sport = orig->sport;
		out->dport = icmp_invert_type(icmp_invmap, sizeof(icmp_invmap), 0, orig->dport);
	} else if (family == AF_INET6 && l4proto == IPPROTO_ICMPV6) {
		out->sport = orig->sport;
		out->dport =
			icmp_invert_type(icmpv6_invmap, sizeof(icmpv6_invmap), 128, orig->dport);
	} else {
		out->sport = orig->dport;
		out->dport = orig->sport;
	}
}

/* ---- lengths ---- */

static size_t proto_len(uint8_t l4proto)
{
	switch (l4proto) {
	case IPPROTO_TCP: return TCP_PROTO_LEN;
	case IPPROTO_SCTP: return SCTP_PROTO_LEN;
	case IPPROTO_DCCP: return DCCP_PROTO_LEN;
	default: return 0;
	}
}

static size_t addr_len(uint8_t flags)
{
	return (flags & HS_SESS_F_IPV6) ? 16u : 4u;
}

/* The op of an entry whose flags are flags and extension byte ext (0 when it has none). */
static uint8_t entry_op(uint8_t flags, uint8_t ext)
{
	uint8_t op = flags & HS_SESS_F_OP_MASK;
	return op == HS_SESS_F_OP_EXT ? (ext & HS_SESS_X_OP_MASK) : op;
}

/* The length of an entry whose leading bytes are flags, l4proto and, with op 3, the extension
 * byte ext (flags and ext already checked). */
static size_t entry_len(uint8_t flags, uint8_t ext, uint8_t l4proto)
{
	size_t tl = TUPLE_LEN(addr_len(flags));
	size_t n = 2 + tl;
	if ((flags & HS_SESS_F_OP_MASK) == HS_SESS_F_OP_EXT) {
		n += 1;
		if (ext & HS_SESS_X_ZONE_ORIG)
			n += 2;
		if (ext & HS_SESS_X_ZONE_REPLY)
			n += 2;
	}
	if (flags & HS_SESS_F_ZONE)
		n += 2;
	if (flags & HS_SESS_F_REPLY)
		n += tl;
	if (entry_op(flags, ext) == HS_SESS_DESTROY)
		return n;
	n += 4 + 4; /* status, timeout */
	if (flags & HS_SESS_F_MARK)
		n += 4;
	if (flags & HS_SESS_F_LABELS)
		n += 16;
	if (flags & HS_SESS_F_SEQADJ)
		n += SEQADJ_LEN;
	return n + proto_len(l4proto);
}

static bool tuple_equal(const struct hs_sess_tuple *a, const struct hs_sess_tuple *b, size_t alen)
{
	return memcmp(a->src, b->src, alen) == 0 && memcmp(a->dst, b->dst, alen) == 0 &&
	       a->sport == b->sport && a->dport == b->dport;
}

/* The flags byte s is sent with and its extension byte (0: none); false when s cannot be
 * encoded. */
static bool entry_flags(const struct hs_sess *s, uint8_t *flags, uint8_t *ext)
{
	uint8_t f, x = 0;
	if (s->op > HS_SESS_DESTROY)
		return false;
	if (s->family == AF_INET)
		f = 0;
	else if (s->family == AF_INET6)
		f = HS_SESS_F_IPV6;
	else
		return false;
	if (s->zone_dir[0])
		x |= HS_SESS_X_ZONE_ORIG;
	if (s->zone_dir[1])
		x |= HS_SESS_X_ZONE_REPLY;
	if (x) {
		x |= s->op;
		f |= HS_SESS_F_OP_EXT;
	} else {
		f |= s->op;
	}
	if (s->zone)
		f |= HS_SESS_F_ZONE;
	if (s->op != HS_SESS_DESTROY) {
		struct hs_sess_tuple inv;
		hs_sess_tuple_invert(s->family, s->l4proto, &s->orig, &inv);
		if (!tuple_equal(&s->reply, &inv, addr_len(f)))
			f |= HS_SESS_F_REPLY;
		if (s->has & HS_SESS_HAS_MARK)
			f |= HS_SESS_F_MARK;
		if (s->has & HS_SESS_HAS_LABELS)
			f |= HS_SESS_F_LABELS;
		if (s->has & HS_SESS_HAS_SEQADJ)
			f |= HS_SESS_F_SEQADJ;
	}
	*flags = f;
	*ext = x;
	return true;
}

size_t hs_sess_entry_len(const struct hs_sess *s)
{
	uint8_t f, x;
	return entry_flags(s, &f, &x) ? entry_len(f, x, s->l4proto) : 0;
}

bool hs_sess_strip_dir_zone(struct hs_sess *s)
{
	bool had = s->zone_dir[0] || s->zone_dir[1];
	s->zone_dir[0] = s->zone_dir[1] = 0;
	return had;
}

/* ---- encoding ---- */

/* A write cursor; the room was checked before the first write. */
struct wr {
	uint8_t *p;
};

static void put_u8(struct wr *w, uint8_t v)
{
	*w->p++ = v;
}

static void put_u16(struct wr *w, uint16_t v)
{
	hrp_put_u16(w->p, v);
	w->p += 2;
}

static void put_u32(struct wr *w, uint32_t v)
{
	hrp_put_u32(w->p, v);
	w->p += 4;
}

static void put_bytes(struct wr *w, const void *v, size_t n)
{
	memcpy(w->p, v, n);
	w->p += n;
}

static void put_tuple(struct wr *w, const struct hs_sess_tuple *t, size_t alen)
{
	put_bytes(w, t->src, alen);
	put_bytes(w, t->dst, alen);
	put_u16(w, t->sport);
	put_u16(w, t->dport);
}

size_t hs_sess_record_begin(uint8_t *buf, size_t room)
{
	if (!buf || room < 1)
		return 0;
	buf[0] = HS_SESS_WIRE_VERSION;
	return 1;
}

size_t hs_sess_encode(const struct hs_sess *s, uint8_t *buf, size_t room)
{
	uint8_t f, x;
	if (!entry_flags(s, &f, &x))
		return 0;
	size_t n = entry_len(f, x, s->l4proto);
	if (!buf || room < n)
		return 0;

	struct wr w = { .p = buf };
	size_t alen = addr_len(f);
	put_u8(&w, f);
	put_u8(&w, s->l4proto);
	if (x) {
		put_u8(&w, x);
		if (x & HS_SESS_X_ZONE_ORIG)
			put_u16(&w, s->zone_dir[0]);
		if (x & HS_SESS_X_ZONE_REPLY)
			put_u16(&w, s->zone_dir[1]);
	}
	if (f & HS_SESS_F_ZONE)
		put_u16(&w, s->zone);
	put_tuple(&w, &s->orig, alen);
	if (f & HS_SESS_F_REPLY)
		put_tuple(&w, &s->reply, alen);
	if (s->op != HS_SESS_DESTROY) {
		put_u32(&w, s->status);
		put_u32(&w, s->timeout);
		if (f & HS_SESS_F_MARK)
			put_u32(&w, s->mark);
		if (f & HS_SESS_F_LABELS)
			put_bytes(&w, s->labels, sizeof(s->labels));
		if (f & HS_SESS_F_SEQADJ) {
			for (int d = 0; d < 2; d++) {
				put_u32(&w, s->seqadj[d].correction_pos);
				put_u32(&w, s->seqadj[d].offset_before);
				put_u32(&w, s->seqadj[d].offset_after);
			}
		}
		switch (s->l4proto) {
		case IPPROTO_TCP:
			put_u8(&w, s->proto_state);
			put_u8(&w, s->wscale[0]);
			put_u8(&w, s->wscale[1]);
			put_u8(&w, s->tcp_flags[0]);
			put_u8(&w, s->tcp_flags[1]);
			break;
		case IPPROTO_SCTP:
			put_u8(&w, s->proto_state);
			put_u32(&w, s->vtag[0]);
			put_u32(&w, s->vtag[1]);
			break;
		case IPPROTO_DCCP: put_u8(&w, s->proto_state); break;
		default: break;
		}
	}
	assert((size_t)(w.p - buf) == n);
	return n;
}

/* ---- decoding ---- */

/* A read cursor; the entry's whole length was checked before the first read. */
struct rd {
	const uint8_t *p;
};

static uint8_t get_u8(struct rd *r)
{
	return *r->p++;
}

static uint16_t get_u16(struct rd *r)
{
	uint16_t v = hrp_get_u16(r->p);
	r->p += 2;
	return v;
}

static uint32_t get_u32(struct rd *r)
{
	uint32_t v = hrp_get_u32(r->p);
	r->p += 4;
	return v;
}

static void get_bytes(struct rd *r, void *v, size_t n)
{
	memcpy(v, r->p, n);
	r->p += n;
}

static void get_tuple(struct rd *r, struct hs_sess_tuple *t, size_t alen)
{
	get_bytes(r, t->src, alen);
	get_bytes(r, t->dst, alen);
	t->sport = get_u16(r);
	t->dport = get_u16(r);
}

enum hs_sess_err hs_sess_record_check(const uint8_t *buf, size_t len, size_t *off)
{
	if (!buf || len < 1)
		return HS_SESS_TRUNCATED;
	if (buf[0] != HS_SESS_WIRE_VERSION)
		return HS_SESS_BAD_VERSION;
	*off = 1;
	return HS_SESS_OK;
}

/* Flags that a destroy must not carry. */
#define DESTROY_FORBIDDEN (HS_SESS_F_REPLY | HS_SESS_F_MARK | HS_SESS_F_LABELS | HS_SESS_F_SEQADJ)

/* The decoder's checklist on an entry's leading bytes e (left of the record): its extension
 * byte (*x, 0 without one) and its whole length (*n), or the first error. */
static enum hs_sess_err entry_head(const uint8_t *e, size_t left, uint8_t *x, size_t *n)
{
	uint8_t f = e[0];
	*x = 0;
	if ((f & HS_SESS_F_OP_MASK) == HS_SESS_F_OP_EXT) {
		if (left < 3)
			return HS_SESS_TRUNCATED;
		*x = e[2];
		if ((*x & HS_SESS_X_RESERVED) || (*x & HS_SESS_X_OP_MASK) > HS_SESS_DESTROY)
			return HS_SESS_BAD_OP;
	}
	if (entry_op(f, *x) == HS_SESS_DESTROY && (f & DESTROY_FORBIDDEN))
		return HS_SESS_BAD_OP;
	if (left < 2)
		return HS_SESS_TRUNCATED;
	*n = entry_len(f, *x, e[1]);
	return left < *n ? HS_SESS_TRUNCATED : HS_SESS_OK;
}

/* What an entry that is no destroy carries after its tuples (flags f). */
static void get_state(struct rd *r, uint8_t f, struct hs_sess *s)
{
	s->status = get_u32(r);
	s->timeout = get_u32(r);
	if (f & HS_SESS_F_MARK) {
		s->has |= HS_SESS_HAS_MARK;
		s->mark = get_u32(r);
	}
	if (f & HS_SESS_F_LABELS) {
		s->has |= HS_SESS_HAS_LABELS;
		get_bytes(r, s->labels, sizeof(s->labels));
	}
	if (f & HS_SESS_F_SEQADJ) {
		s->has |= HS_SESS_HAS_SEQADJ;
		for (int d = 0; d < 2; d++) {
			s->seqadj[d].correction_pos = get_u32(r);
			s->seqadj[d].offset_before = get_u32(r);
			s->seqadj[d].offset_after = get_u32(r);
		}
	}
	switch (s->l4proto) {
	case IPPROTO_TCP:
		s->proto_state = get_u8(r);
		s->wscale[0] = get_u8(r);
		s->wscale[1] = get_u8(r);
		s->tcp_flags[0] = get_u8(r);
		s->tcp_flags[1] = get_u8(r);
		break;
	case IPPROTO_SCTP:
		s->proto_state = get_u8(r);
		s->vtag[0] = get_u32(r);
		s->vtag[1] = get_u32(r);
		break;
	case IPPROTO_DCCP: s->proto_state = get_u8(r); break;
	default: break;
	}
}

enum hs_sess_err hs_sess_decode(const uint8_t *buf, size_t len, size_t *off, struct hs_sess *out)
{
	if (*off == len)
		return HS_SESS_END;
	if (!buf || *off > len)
		return HS_SESS_TRUNCATED;

	const uint8_t *e = buf + *off;
	uint8_t f = e[0], x;
	size_t n;
	enum hs_sess_err err = entry_head(e, len - *off, &x, &n);
	if (err != HS_SESS_OK)
		return err;

	struct hs_sess s;
	memset(&s, 0, sizeof(s));
	struct rd r = { .p = e + 2 };
	size_t alen = addr_len(f);
	s.op = entry_op(f, x);
	s.family = (f & HS_SESS_F_IPV6) ? AF_INET6 : AF_INET;
	s.l4proto = e[1];
	if ((f & HS_SESS_F_OP_MASK) == HS_SESS_F_OP_EXT) {
		r.p++; /* the extension byte, x */
		if (x & HS_SESS_X_ZONE_ORIG)
			s.zone_dir[0] = get_u16(&r);
		if (x & HS_SESS_X_ZONE_REPLY)
			s.zone_dir[1] = get_u16(&r);
	}
	if (f & HS_SESS_F_ZONE)
		s.zone = get_u16(&r);
	get_tuple(&r, &s.orig, alen);
	if (f & HS_SESS_F_REPLY)
		get_tuple(&r, &s.reply, alen);
	else
		hs_sess_tuple_invert(s.family, s.l4proto, &s.orig, &s.reply);
	if (s.op != HS_SESS_DESTROY)
		get_state(&r, f, &s);
	assert((size_t)(r.p - e) == n);
	*out = s;
	*off += n;
	return HS_SESS_OK;
}

/* ---- hashes ---- */

/* Room for the content hash's bytes: key (4 + 2 tuples of 16 + 4 + directional zones 4) + reply
 * tuple + 4 + 4 + 1. */
#define HASH_BUF_LEN (4u + 2u * TUPLE_LEN(16u) + 4u + 4u + 4u + 1u)

static size_t key_bytes(const struct hs_sess *s, struct wr *w)
{
	uint8_t *start = w->p;
	bool v6 = s->family == AF_INET6;
	put_u8(w, v6 ? 6 : 4);
	put_u8(w, s->l4proto);
	put_u16(w, s->zone);
	put_tuple(w, &s->orig, v6 ? 16u : 4u);
	/* Only when there is one: an entry without stays the key it was before them, so that
	 * versions before and after agree on it in digests. */
	if (s->zone_dir[0] || s->zone_dir[1]) {
		put_u16(w, s->zone_dir[0]);
		put_u16(w, s->zone_dir[1]);
	}
	return (size_t)(w->p - start);
}

static uint64_t siphash(const uint8_t *in, size_t len)
{
	static const uint8_t zero_key[crypto_shorthash_siphash24_KEYBYTES];
	uint8_t h[crypto_shorthash_siphash24_BYTES];
	crypto_shorthash_siphash24(h, in, len, zero_key);
	uint64_t v = 0;
	for (int i = crypto_shorthash_siphash24_BYTES - 1; i >= 0; i--)
		v = v << 8 | h[i];
	return v;
}

uint64_t hs_sess_key_hash(const struct hs_sess *s)
{
	uint8_t buf[HASH_BUF_LEN];
	struct wr w = { .p = buf };
	return siphash(buf, key_bytes(s, &w));
}

uint64_t hs_sess_content_hash(const struct hs_sess *s)
{
	uint8_t buf[HASH_BUF_LEN];
	struct wr w = { .p = buf };
	key_bytes(s, &w);
	put_tuple(&w, &s->reply, s->family == AF_INET6 ? 16u : 4u);
	put_u32(&w, s->status & HS_SESS_STATUS_SYNCED);
	put_u32(&w, (s->has & HS_SESS_HAS_MARK) ? s->mark : 0);
	put_u8(&w, s->proto_state);
	return siphash(buf, (size_t)(w.p - buf));
}
