/* Session records: the golden IPv4 TCP entry (byte for byte, the hex example in
 * doc/hrp-protocol.md), round trips over family x protocol x NAT x every option (directional
 * zones too), destroys, a long record, truncation at every byte (each cut in a buffer of exactly
 * its size, for ASan), bad version, op and extension bits, no room, tuple inversion, the two
 * hashes, and directional zones: their golden bytes, what an older peer is sent, and the hashes
 * of entries without them unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>
#include "doc_hex.h"

#include "hrp_session.h"
#include "sess_entry.h"

#define IPPROTO_GRE_ 47 /* an "other" protocol: no per-protocol bytes */

/* doc/hrp-protocol.md, "Session records": an update of an established TCP connection
 * 192.0.2.1:40000 -> 198.51.100.7:443, no NAT, no zone, mark, labels or seqadj. 27 bytes. */
static const uint8_t golden_tcp4[] = {
	0x01,                   /* flags: op update, IPv4, nothing optional */
	0x06,                   /* l4proto TCP */
	0xc0, 0x00, 0x02, 0x01, /* orig src 192.0.2.1 */
	0xc6, 0x33, 0x64, 0x07, /* orig dst 198.51.100.7 */
	0x9c, 0x40,             /* sport 40000 */
	0x01, 0xbb,             /* dport 443 */
	0x00, 0x00, 0x01, 0x8e, /* status: SEEN_REPLY|ASSURED|CONFIRMED|SRC_NAT_DONE|DST_NAT_DONE */
	0x00, 0x06, 0x97, 0x80, /* timeout 432000 s */
	0x03,                   /* TCP_CONNTRACK_ESTABLISHED */
	0x07, 0x07,             /* window scale orig, reply */
	0x03, 0x23,             /* IP_CT_TCP_FLAG_* orig, reply */
};

/* SipHash-2-4 (all-zero key) of the golden entry's key bytes
 * 04 06 00 00 c0 00 02 01 c6 33 64 07 9c 40 01 bb, computed with an independent implementation
 * (a few lines of Python after the SipHash paper) when this test was written. */
#define GOLDEN_TCP4_KEY_HASH 0xa926b47cfe255339ull

static struct hs_sess golden_sess(void)
{
	struct hs_sess s = test_tcp4_entry(40000);
	s.op = HS_SESS_UPDATE;
	s.status = 0x18e;
	s.timeout = 432000;
	s.wscale[0] = s.wscale[1] = 7;
	s.tcp_flags[0] = 0x03;
	s.tcp_flags[1] = 0x23;
	return s;
}

/* Field by field: the struct has padding that memcmp would see. */
static void assert_tuple_equal(const struct hs_sess_tuple *a, const struct hs_sess_tuple *b)
{
	assert_memory_equal(a->src, b->src, sizeof(a->src));
	assert_memory_equal(a->dst, b->dst, sizeof(a->dst));
	assert_int_equal(a->sport, b->sport);
	assert_int_equal(a->dport, b->dport);
}

static void assert_sess_equal(const struct hs_sess *a, const struct hs_sess *b)
{
	assert_int_equal(a->op, b->op);
	assert_int_equal(a->family, b->family);
	assert_int_equal(a->l4proto, b->l4proto);
	assert_int_equal(a->zone, b->zone);
	assert_int_equal(a->zone_dir[0], b->zone_dir[0]);
	assert_int_equal(a->zone_dir[1], b->zone_dir[1]);
	assert_tuple_equal(&a->orig, &b->orig);
	assert_tuple_equal(&a->reply, &b->reply);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->timeout, b->timeout);
	assert_int_equal(a->has, b->has);
	assert_int_equal(a->mark, b->mark);
	assert_memory_equal(a->labels, b->labels, sizeof(a->labels));
	for (int d = 0; d < 2; d++) {
		assert_int_equal(a->seqadj[d].correction_pos, b->seqadj[d].correction_pos);
		assert_int_equal(a->seqadj[d].offset_before, b->seqadj[d].offset_before);
		assert_int_equal(a->seqadj[d].offset_after, b->seqadj[d].offset_after);
		assert_int_equal(a->wscale[d], b->wscale[d]);
		assert_int_equal(a->tcp_flags[d], b->tcp_flags[d]);
		assert_int_equal(a->vtag[d], b->vtag[d]);
	}
	assert_int_equal(a->proto_state, b->proto_state);
}

/* Decodes one entry from a record of exactly these bytes (version byte prepended). */
static enum hs_sess_err decode_entry(const uint8_t *entry, size_t len, struct hs_sess *out)
{
	uint8_t *rec = malloc(len + 1);
	size_t off;
	assert_non_null(rec);
	rec[0] = HS_SESS_WIRE_VERSION;
	memcpy(rec + 1, entry, len);
	assert_int_equal(hs_sess_record_check(rec, len + 1, &off), HS_SESS_OK);
	assert_int_equal(off, 1);
	enum hs_sess_err e = hs_sess_decode(rec, len + 1, &off, out);
	if (e == HS_SESS_OK) {
		assert_int_equal(off, len + 1);
		assert_int_equal(hs_sess_decode(rec, len + 1, &off, out), HS_SESS_END);
	}
	free(rec);
	return e;
}

static void test_golden_encode(void **state)
{
	struct hs_sess s = golden_sess();
	uint8_t buf[HS_SESS_ENTRY_MAX];

	assert_int_equal(sizeof(golden_tcp4), 27);
	assert_int_equal(hs_sess_entry_len(&s), 27);
	assert_int_equal(hs_sess_encode(&s, buf, sizeof(buf)), 27);
	assert_memory_equal(buf, golden_tcp4, sizeof(golden_tcp4));
	/* Exactly enough room is enough. */
	assert_int_equal(hs_sess_encode(&s, buf, 27), 27);
	/* Junk past the first 4 bytes of an IPv4 address is not sent. */
	memset(s.orig.src + 4, 0xee, 12);
	assert_int_equal(hs_sess_encode(&s, buf, sizeof(buf)), 27);
	assert_memory_equal(buf, golden_tcp4, sizeof(golden_tcp4));
}

static void test_golden_decode(void **state)
{
	struct hs_sess want = golden_sess(), got;
	memset(&got, 0xff, sizeof(got));
	assert_int_equal(decode_entry(golden_tcp4, sizeof(golden_tcp4), &got), HS_SESS_OK);
	assert_sess_equal(&got, &want);
	assert_int_equal(got.reply.src[0], 198);
	assert_int_equal(got.reply.sport, 443);
	assert_int_equal(got.reply.dport, 40000);
}

/* The hex example in doc/hrp-protocol.md, "Session records", is golden_tcp4. */
static void test_doc_example(void **state)
{
	uint8_t doc[64];
	size_t n = doc_hex_dump("hrp-protocol.md", "Session records", doc, sizeof(doc));
	assert_int_equal(n, sizeof(golden_tcp4));
	assert_memory_equal(doc, golden_tcp4, n);
}

/* ---- round trips ---- */

static const uint8_t protos[] = {
	IPPROTO_TCP,  IPPROTO_UDP,  IPPROTO_ICMP, IPPROTO_ICMPV6,
	IPPROTO_SCTP, IPPROTO_DCCP, IPPROTO_GRE_,
};

/* A full entry: every field set, whatever the wire will carry of it. */
static struct hs_sess make_sess(uint8_t op, uint8_t family, uint8_t proto, bool nat, unsigned opts,
				unsigned salt)
{
	struct hs_sess s;
	memset(&s, 0, sizeof(s));
	s.op = op;
	s.family = family;
	s.l4proto = proto;
	size_t alen = family == AF_INET6 ? 16 : 4;
	for (size_t i = 0; i < alen; i++) {
		s.orig.src[i] = (uint8_t)(0x10 + i + salt);
		s.orig.dst[i] = (uint8_t)(0x80 + i);
	}
	s.orig.sport = (uint16_t)(1024 + salt);
	s.orig.dport = (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
			       ? (uint16_t)((proto == IPPROTO_ICMP ? 8 : 128) << 8)
			       : 53;
	hs_sess_tuple_invert(family, proto, &s.orig, &s.reply);
	if (nat) {
		/* DNAT: the reply comes from the real server. */
		s.reply.src[alen - 1] ^= 0x5a;
		s.reply.sport = (uint16_t)(s.reply.sport + 1);
	}
	s.zone = (opts & 1) ? (uint16_t)(7 + salt) : 0;
	s.zone_dir[0] = (opts & 16) ? (uint16_t)(0x100 + salt) : 0;
	s.zone_dir[1] = (opts & 32) ? (uint16_t)(0x2000 + salt) : 0;
	s.status = 0x1ce;
	s.timeout = 120 + salt;
	s.mark = 0xdeadbeef;
	memset(s.labels, 0x3c, sizeof(s.labels));
	s.labels[15] = 0x01;
	for (int d = 0; d < 2; d++)
		s.seqadj[d] = (struct hs_sess_seqadj){ 0x10000000u + (unsigned)d, 5u + (unsigned)d,
						       17u + (unsigned)d };
	if (opts & 2)
		s.has |= HS_SESS_HAS_MARK;
	if (opts & 4)
		s.has |= HS_SESS_HAS_LABELS;
	if (opts & 8)
		s.has |= HS_SESS_HAS_SEQADJ;
	s.proto_state = 4;
	s.wscale[0] = 7;
	s.wscale[1] = 9;
	s.tcp_flags[0] = 0x0b;
	s.tcp_flags[1] = 0x2b;
	s.vtag[0] = 0x11223344;
	s.vtag[1] = 0x55667788;
	return s;
}

/* What the peer decodes from s: what the wire does not carry is zero. */
static struct hs_sess expected(const struct hs_sess *s)
{
	struct hs_sess x;
	memset(&x, 0, sizeof(x));
	size_t alen = s->family == AF_INET6 ? 16 : 4;
	x.op = s->op;
	x.family = s->family;
	x.l4proto = s->l4proto;
	x.zone = s->zone;
	x.zone_dir[0] = s->zone_dir[0];
	x.zone_dir[1] = s->zone_dir[1];
	memcpy(x.orig.src, s->orig.src, alen);
	memcpy(x.orig.dst, s->orig.dst, alen);
	x.orig.sport = s->orig.sport;
	x.orig.dport = s->orig.dport;
	if (s->op == HS_SESS_DESTROY) {
		hs_sess_tuple_invert(x.family, x.l4proto, &x.orig, &x.reply);
		return x;
	}
	memcpy(x.reply.src, s->reply.src, alen);
	memcpy(x.reply.dst, s->reply.dst, alen);
	x.reply.sport = s->reply.sport;
	x.reply.dport = s->reply.dport;
	x.status = s->status;
	x.timeout = s->timeout;
	x.has = s->has;
	if (s->has & HS_SESS_HAS_MARK)
		x.mark = s->mark;
	if (s->has & HS_SESS_HAS_LABELS)
		memcpy(x.labels, s->labels, sizeof(x.labels));
	if (s->has & HS_SESS_HAS_SEQADJ)
		memcpy(x.seqadj, s->seqadj, sizeof(x.seqadj));
	switch (s->l4proto) {
	case IPPROTO_TCP:
		x.proto_state = s->proto_state;
		memcpy(x.wscale, s->wscale, 2);
		memcpy(x.tcp_flags, s->tcp_flags, 2);
		break;
	case IPPROTO_SCTP:
		x.proto_state = s->proto_state;
		memcpy(x.vtag, s->vtag, sizeof(x.vtag));
		break;
	case IPPROTO_DCCP: x.proto_state = s->proto_state; break;
	default: break;
	}
	return x;
}

/* The length the layout in doc/hrp-protocol.md gives, computed independently of the codec. */
static size_t layout_len(const struct hs_sess *s, bool nat)
{
	size_t tuple = s->family == AF_INET6 ? 36 : 12;
	size_t n = 2 + tuple + (s->zone ? 2 : 0);
	if (s->zone_dir[0] || s->zone_dir[1]) /* the extension byte and each zone */
		n += 1 + (s->zone_dir[0] ? 2 : 0) + (s->zone_dir[1] ? 2 : 0);
	if (s->op == HS_SESS_DESTROY)
		return n;
	n += (nat ? tuple : 0) + 8;
	n += (s->has & HS_SESS_HAS_MARK) ? 4 : 0;
	n += (s->has & HS_SESS_HAS_LABELS) ? 16 : 0;
	n += (s->has & HS_SESS_HAS_SEQADJ) ? 24 : 0;
	switch (s->l4proto) {
	case IPPROTO_TCP: return n + 5;
	case IPPROTO_SCTP: return n + 9;
	case IPPROTO_DCCP: return n + 1;
	default: return n;
	}
}

static void round_trip(const struct hs_sess *s, bool nat)
{
	uint8_t buf[HS_SESS_ENTRY_MAX];
	struct hs_sess got, want = expected(s);

	size_t n = hs_sess_encode(s, buf, sizeof(buf));
	assert_int_equal(n, layout_len(s, nat));
	assert_int_equal(n, hs_sess_entry_len(s));
	assert_true(n <= HS_SESS_ENTRY_LONGEST);
	assert_int_equal(!!(buf[0] & HS_SESS_F_REPLY), nat && s->op != HS_SESS_DESTROY);
	memset(&got, 0xff, sizeof(got)); /* the decoder must overwrite every field */
	assert_int_equal(decode_entry(buf, n, &got), HS_SESS_OK);
	assert_sess_equal(&got, &want);
	/* And what was decoded encodes to the same bytes. */
	uint8_t again[HS_SESS_ENTRY_MAX];
	assert_int_equal(hs_sess_encode(&got, again, sizeof(again)), n);
	assert_memory_equal(again, buf, n);
}

static void test_round_trips(void **state)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	unsigned count = 0;
	for (size_t fi = 0; fi < 2; fi++)
		for (size_t pi = 0; pi < sizeof(protos); pi++)
			for (int nat = 0; nat < 2; nat++)
				for (unsigned opts = 0; opts < 64; opts++)
					for (uint8_t op = HS_SESS_NEW; op <= HS_SESS_UPDATE; op++) {
						struct hs_sess s =
							make_sess(op, families[fi], protos[pi], nat,
								  opts, opts);
						round_trip(&s, nat);
						count++;
					}
	assert_int_equal(count, 2 * 7 * 2 * 64 * 2);
}

static void test_longest_entry(void **state)
{
	struct hs_sess s = make_sess(HS_SESS_NEW, AF_INET6, IPPROTO_SCTP, true, 63, 1);
	uint8_t buf[HS_SESS_ENTRY_MAX];
	assert_int_equal(hs_sess_encode(&s, buf, sizeof(buf)), HS_SESS_ENTRY_LONGEST);
	assert_int_equal(HS_SESS_ENTRY_LONGEST, 142);
	assert_true(HS_SESS_ENTRY_LONGEST <= HS_SESS_ENTRY_MAX);
	assert_int_equal(buf[0], 0xff); /* every flag, op 3: the extension byte follows */
	assert_int_equal(buf[2], HS_SESS_X_ZONE_ORIG | HS_SESS_X_ZONE_REPLY | HS_SESS_NEW);
	round_trip(&s, true);
	/* Without the directional zones: the longest entry before them. */
	s = make_sess(HS_SESS_NEW, AF_INET6, IPPROTO_SCTP, true, 15, 1);
	assert_int_equal(hs_sess_encode(&s, buf, sizeof(buf)), 137);
	assert_int_equal(buf[0], 0xfc);
}

static void test_icmp_round_trip(void **state)
{
	/* Ping: id and type/code survive, the reply tuple is rebuilt as an echo reply. */
	struct hs_sess s = make_sess(HS_SESS_NEW, AF_INET, IPPROTO_ICMP, false, 0, 0);
	s.orig.sport = 0x4d2;
	s.orig.dport = 8 << 8;
	hs_sess_tuple_invert(s.family, s.l4proto, &s.orig, &s.reply);
	uint8_t buf[HS_SESS_ENTRY_MAX];
	struct hs_sess got;
	size_t n = hs_sess_encode(&s, buf, sizeof(buf));
	assert_int_equal(n, 22);
	assert_int_equal(decode_entry(buf, n, &got), HS_SESS_OK);
	assert_int_equal(got.reply.sport, 0x4d2);
	assert_int_equal(got.reply.dport, 0);
	/* A reply tuple that is not the echo reply (e.g. NAT of the id) goes on the wire. */
	s.reply.sport = 0x4d3;
	assert_int_equal(hs_sess_encode(&s, buf, sizeof(buf)), 34);
	round_trip(&s, true);
}

/* ---- destroys ---- */

static void test_destroy(void **state)
{
	uint8_t buf[HS_SESS_ENTRY_MAX];
	struct hs_sess got;

	/* Everything set, NAT too: only family, l4proto, zone and orig go. */
	struct hs_sess s = make_sess(HS_SESS_DESTROY, AF_INET, IPPROTO_TCP, true, 15, 0);
	size_t n = hs_sess_encode(&s, buf, sizeof(buf));
	assert_int_equal(n, 2 + 2 + 12);
	assert_int_equal(buf[0], HS_SESS_DESTROY | HS_SESS_F_ZONE);
	memset(&got, 0xff, sizeof(got));
	assert_int_equal(decode_entry(buf, n, &got), HS_SESS_OK);
	struct hs_sess want = expected(&s);
	assert_sess_equal(&got, &want);
	assert_int_equal(got.has, 0);
	assert_int_equal(got.status, 0);

	s = make_sess(HS_SESS_DESTROY, AF_INET6, IPPROTO_UDP, false, 0, 0);
	assert_int_equal(hs_sess_encode(&s, buf, sizeof(buf)), 2 + 36);
	assert_int_equal(buf[0], HS_SESS_DESTROY | HS_SESS_F_IPV6);
	for (size_t pi = 0; pi < sizeof(protos); pi++)
		for (unsigned opts = 0; opts < 64; opts++) {
			s = make_sess(HS_SESS_DESTROY, (opts & 1) ? AF_INET6 : AF_INET, protos[pi],
				      opts & 2, opts, opts);
			round_trip(&s, false);
		}
}

/* ---- records ---- */

/* A record of n entries of every kind; offs[i] = where entry i starts, offs[n] = the end. */
static size_t build_record(uint8_t *buf, size_t room, struct hs_sess *sent, size_t n, size_t *offs)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	size_t len = hs_sess_record_begin(buf, room);
	assert_int_equal(len, 1);
	for (size_t i = 0; i < n; i++) {
		sent[i] = make_sess((uint8_t)(i % 3), families[(i / 3) % 2],
				    protos[(i / 6) % sizeof(protos)], (i / 5) % 2, (unsigned)i % 64,
				    (unsigned)i);
		offs[i] = len;
		size_t w = hs_sess_encode(&sent[i], buf + len, room - len);
		assert_int_not_equal(w, 0);
		len += w;
	}
	offs[n] = len;
	return len;
}

#define MANY 300

static void test_many_entries(void **state)
{
	static uint8_t buf[MANY * HS_SESS_ENTRY_MAX];
	static struct hs_sess sent[MANY];
	static size_t offs[MANY + 1];
	size_t len = build_record(buf, sizeof(buf), sent, MANY, offs);
	size_t off = 0, i = 0;
	struct hs_sess got;
	enum hs_sess_err e;

	assert_int_equal(hs_sess_record_check(buf, len, &off), HS_SESS_OK);
	while ((e = hs_sess_decode(buf, len, &off, &got)) == HS_SESS_OK) {
		assert_true(i < MANY);
		struct hs_sess want = expected(&sent[i]);
		assert_sess_equal(&got, &want);
		assert_int_equal(off, offs[++i]);
	}
	assert_int_equal(e, HS_SESS_END);
	assert_int_equal(i, MANY);
	assert_int_equal(off, len);
	/* END again, and *out untouched. */
	memset(&got, 0x5a, sizeof(got));
	assert_int_equal(hs_sess_decode(buf, len, &off, &got), HS_SESS_END);
	assert_int_equal(got.op, 0x5a);

	/* A record with no entry. */
	off = 0;
	assert_int_equal(hs_sess_record_check(buf, 1, &off), HS_SESS_OK);
	assert_int_equal(hs_sess_decode(buf, 1, &off, &got), HS_SESS_END);
}

#define CUT_ENTRIES 24

/* Each cut in a heap buffer of exactly its length: ASan catches a read past it. */
static void test_truncation_every_byte(void **state)
{
	static uint8_t buf[CUT_ENTRIES * HS_SESS_ENTRY_MAX];
	struct hs_sess sent[CUT_ENTRIES];
	size_t offs[CUT_ENTRIES + 1];
	size_t len = build_record(buf, sizeof(buf), sent, CUT_ENTRIES, offs);

	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *rec = cut ? malloc(cut) : NULL;
		size_t off = 0, i = 0;
		struct hs_sess got;
		enum hs_sess_err e;

		if (cut)
			memcpy(rec, buf, cut);
		e = hs_sess_record_check(rec, cut, &off);
		if (cut == 0) {
			assert_int_equal(e, HS_SESS_TRUNCATED);
			continue;
		}
		assert_int_equal(e, HS_SESS_OK);
		while ((e = hs_sess_decode(rec, cut, &off, &got)) == HS_SESS_OK) {
			assert_int_equal(off, offs[++i]);
			assert_true(off <= cut);
		}
		/* Whole entries before the cut decode; the cut one is truncated, unless the cut
		 * falls between two entries. */
		assert_true(offs[i] <= cut && cut < offs[i + 1]);
		assert_int_equal(off, offs[i]);
		assert_int_equal(e, cut == offs[i] ? HS_SESS_END : HS_SESS_TRUNCATED);
		free(rec);
	}
}

static void test_bad_version(void **state)
{
	uint8_t rec[1 + sizeof(golden_tcp4)];
	size_t off = 42;
	memcpy(rec + 1, golden_tcp4, sizeof(golden_tcp4));
	rec[0] = 0;
	assert_int_equal(hs_sess_record_check(rec, sizeof(rec), &off), HS_SESS_BAD_VERSION);
	rec[0] = HS_SESS_WIRE_VERSION + 1;
	assert_int_equal(hs_sess_record_check(rec, sizeof(rec), &off), HS_SESS_BAD_VERSION);
	assert_int_equal(off, 42);
	rec[0] = HS_SESS_WIRE_VERSION;
	assert_int_equal(hs_sess_record_check(rec, sizeof(rec), &off), HS_SESS_OK);
	assert_int_equal(off, 1);
}

static void test_bad_op(void **state)
{
	struct hs_sess got;
	uint8_t e[sizeof(golden_tcp4)];
	memcpy(e, golden_tcp4, sizeof(e));

	/* Op 3: the extension byte (here the golden entry's 0xc0) has the op and bits 4-7 must be
	 * zero. Cut before the extension byte: truncated. */
	e[0] = 0x03;
	assert_int_equal(decode_entry(e, sizeof(e), &got), HS_SESS_BAD_OP);
	assert_int_equal(decode_entry(e, 1, &got), HS_SESS_TRUNCATED);
	assert_int_equal(decode_entry(e, 2, &got), HS_SESS_TRUNCATED);
	e[0] = 0xff;
	assert_int_equal(decode_entry(e, sizeof(e), &got), HS_SESS_BAD_OP);

	/* A destroy carries none of reply, mark, labels, seqadj. */
	static const uint8_t forbidden[] = { HS_SESS_F_REPLY, HS_SESS_F_MARK, HS_SESS_F_LABELS,
					     HS_SESS_F_SEQADJ };
	for (size_t i = 0; i < sizeof(forbidden); i++) {
		e[0] = (uint8_t)(HS_SESS_DESTROY | forbidden[i]);
		assert_int_equal(decode_entry(e, sizeof(e), &got), HS_SESS_BAD_OP);
	}
	/* A destroy with a zone is fine (14 + 2 bytes of the golden entry's bytes). */
	e[0] = HS_SESS_DESTROY | HS_SESS_F_ZONE;
	assert_int_equal(decode_entry(e, 16, &got), HS_SESS_OK);
	assert_int_equal(got.op, HS_SESS_DESTROY);
	assert_int_equal(got.zone, 0xc000);

	/* Off untouched on an error. */
	uint8_t rec[4] = { HS_SESS_WIRE_VERSION, 0x23, 0x06, 0x10 };
	size_t off = 1;
	assert_int_equal(hs_sess_decode(rec, sizeof(rec), &off, &got), HS_SESS_BAD_OP);
	assert_int_equal(off, 1);

	/* The encoder refuses what it cannot say. */
	struct hs_sess s = golden_sess();
	uint8_t buf[HS_SESS_ENTRY_MAX];
	s.op = 3;
	assert_int_equal(hs_sess_encode(&s, buf, sizeof(buf)), 0);
	assert_int_equal(hs_sess_entry_len(&s), 0);
	s = golden_sess();
	s.family = 0;
	assert_int_equal(hs_sess_encode(&s, buf, sizeof(buf)), 0);
}

static void test_no_room(void **state)
{
	struct hs_sess s = make_sess(HS_SESS_NEW, AF_INET6, IPPROTO_TCP, true, 15, 3);
	uint8_t buf[HS_SESS_ENTRY_MAX], fill[HS_SESS_ENTRY_MAX];
	size_t n = hs_sess_entry_len(&s);
	memset(fill, 0xaa, sizeof(fill));
	for (size_t room = 0; room < n; room++) {
		memcpy(buf, fill, sizeof(buf));
		assert_int_equal(hs_sess_encode(&s, buf, room), 0);
		assert_memory_equal(buf, fill, sizeof(buf));
	}
	assert_int_equal(hs_sess_encode(&s, buf, n), n);
	memcpy(buf, fill, sizeof(buf));
	assert_int_equal(hs_sess_record_begin(buf, 0), 0);
	assert_int_equal(buf[0], 0xaa);
	assert_int_equal(hs_sess_record_begin(buf, 1), 1);
	assert_int_equal(buf[0], HS_SESS_WIRE_VERSION);
}

/* ---- tuple inversion ---- */

static void test_invert(void **state)
{
	struct hs_sess_tuple o, r;
	memset(&o, 0, sizeof(o));
	memcpy(o.src, (uint8_t[]){ 10, 0, 0, 1 }, 4);
	memcpy(o.dst, (uint8_t[]){ 10, 0, 0, 2 }, 4);

	/* ICMP echo: same id, echo reply, same code; addresses swapped. */
	o.sport = 0x1234;
	o.dport = 8 << 8;
	hs_sess_tuple_invert(AF_INET, IPPROTO_ICMP, &o, &r);
	assert_memory_equal(r.src, o.dst, 16);
	assert_memory_equal(r.dst, o.src, 16);
	assert_int_equal(r.sport, 0x1234);
	assert_int_equal(r.dport, 0 << 8);

	/* clang-format off */
	static const struct {
		uint8_t family, proto, type, answer;
	} pairs[] = {
		{ AF_INET, IPPROTO_ICMP, 8, 0 },
		{ AF_INET, IPPROTO_ICMP, 0, 8 },
		{ AF_INET, IPPROTO_ICMP, 13, 14 },
		{ AF_INET, IPPROTO_ICMP, 14, 13 },
		{ AF_INET, IPPROTO_ICMP, 15, 16 },
		{ AF_INET, IPPROTO_ICMP, 17, 18 },
		{ AF_INET, IPPROTO_ICMP, 3, 3 },   /* unreachable: not tracked, unchanged */
		{ AF_INET, IPPROTO_ICMP, 200, 200 },
		{ AF_INET6, IPPROTO_ICMPV6, 128, 129 },
		{ AF_INET6, IPPROTO_ICMPV6, 129, 128 },
		{ AF_INET6, IPPROTO_ICMPV6, 139, 140 },
		{ AF_INET6, IPPROTO_ICMPV6, 140, 139 },
		{ AF_INET6, IPPROTO_ICMPV6, 1, 1 },
		{ AF_INET6, IPPROTO_ICMPV6, 135, 135 },
		{ AF_INET6, IPPROTO_ICMPV6, 255, 255 },
	};
	/* clang-format on */
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		o.sport = 0xbeef;
		o.dport = (uint16_t)(pairs[i].type << 8 | 0x05);
		hs_sess_tuple_invert(pairs[i].family, pairs[i].proto, &o, &r);
		assert_int_equal(r.sport, 0xbeef);
		assert_int_equal(r.dport, pairs[i].answer << 8 | 0x05);
	}

	/* TCP, UDP, and ICMP over the other family: ports swapped. */
	o.sport = 40000;
	o.dport = 443;
	hs_sess_tuple_invert(AF_INET, IPPROTO_TCP, &o, &r);
	assert_int_equal(r.sport, 443);
	assert_int_equal(r.dport, 40000);
	o.dport = 8 << 8;
	hs_sess_tuple_invert(AF_INET6, IPPROTO_ICMP, &o, &r);
	assert_int_equal(r.sport, 8 << 8);
	assert_int_equal(r.dport, 40000);

	/* Inverting twice gives orig back for every invertible tuple. */
	struct hs_sess_tuple rr;
	o.sport = 7;
	o.dport = 128 << 8;
	hs_sess_tuple_invert(AF_INET6, IPPROTO_ICMPV6, &o, &r);
	hs_sess_tuple_invert(AF_INET6, IPPROTO_ICMPV6, &r, &rr);
	assert_tuple_equal(&rr, &o);
}

/* ---- hashes ---- */

static void test_key_hash(void **state)
{
	struct hs_sess a = golden_sess(), b = golden_sess();
	uint64_t h = hs_sess_key_hash(&a);

	/* Stable: the documented serialization and SipHash-2-4. */
	assert_true(h == GOLDEN_TCP4_KEY_HASH);

	/* Same key, different everything else. */
	b.op = HS_SESS_DESTROY;
	b.status = 0;
	b.timeout = 1;
	b.reply.sport = 9;
	b.has = HS_SESS_HAS_MARK;
	b.mark = 5;
	b.proto_state = 7;
	memset(b.orig.src + 4, 0xee, 12); /* not part of an IPv4 address */
	assert_true(hs_sess_key_hash(&b) == h);

	/* Another zone, protocol, family, address or port: another key. */
	b = golden_sess();
	b.zone = 1;
	assert_true(hs_sess_key_hash(&b) != h);
	b = golden_sess();
	b.l4proto = IPPROTO_UDP;
	assert_true(hs_sess_key_hash(&b) != h);
	b = golden_sess();
	b.family = AF_INET6;
	assert_true(hs_sess_key_hash(&b) != h);
	b = golden_sess();
	b.orig.dst[3] ^= 1;
	assert_true(hs_sess_key_hash(&b) != h);
	b = golden_sess();
	b.orig.sport++;
	assert_true(hs_sess_key_hash(&b) != h);
}

static void test_content_hash(void **state)
{
	struct hs_sess a = golden_sess(), b;
	uint64_t h = hs_sess_content_hash(&a);
	assert_true(h != hs_sess_key_hash(&a));

	/* Not covered: timeout, TCP flags and window scales, non-synced status bits, op. */
	b = a;
	b.timeout = 1;
	b.tcp_flags[0] ^= 0xff;
	b.tcp_flags[1] ^= 0x10;
	b.wscale[1] = 14;
	b.status ^= 0x08 | 0x200 | 0x2000; /* CONFIRMED, DYING, OFFLOAD */
	b.op = HS_SESS_NEW;
	b.labels[0] = 1;
	b.vtag[0] = 2;
	assert_true(hs_sess_content_hash(&b) == h);

	/* Covered: mark, protocol state, each synced status bit, reply tuple, key. */
	b = a;
	b.has |= HS_SESS_HAS_MARK;
	b.mark = 0;
	assert_true(hs_sess_content_hash(&b) == h); /* an absent mark counts as 0 */
	b.mark = 1;
	assert_true(hs_sess_content_hash(&b) != h);
	b = a;
	b.mark = 1; /* not present: not counted */
	assert_true(hs_sess_content_hash(&b) == h);
	b = a;
	b.proto_state = 4;
	assert_true(hs_sess_content_hash(&b) != h);
	for (unsigned bit = 0; bit < 32; bit++) {
		b = a;
		b.status ^= 1u << bit;
		bool synced = (HS_SESS_STATUS_SYNCED >> bit) & 1;
		assert_int_equal(hs_sess_content_hash(&b) != h, synced);
	}
	b = a;
	b.reply.src[0] ^= 1;
	assert_true(hs_sess_content_hash(&b) != h);
	b = a;
	b.zone = 3;
	assert_true(hs_sess_content_hash(&b) != h);
}

/* ---- directional zones (record feature sess-dir-zone) ---- */

/* The golden entry in original-direction zone 5: op 3 in the flags, the extension byte (op 1
 * update, orig zone), the zone, then the golden entry's bytes from the orig tuple on. */
static const uint8_t golden_tcp4_orig_zone5[] = {
	0x03,                   /* flags: op 3 (extension byte follows), IPv4 */
	0x06,                   /* l4proto TCP */
	0x05,                   /* extension: op 1 update, orig zone present */
	0x00, 0x05,             /* orig zone 5 */
	0xc0, 0x00, 0x02, 0x01, /* the golden entry from here on */
	0xc6, 0x33, 0x64, 0x07, 0x9c, 0x40, 0x01, 0xbb, 0x00, 0x00, 0x01,
	0x8e, 0x00, 0x06, 0x97, 0x80, 0x03, 0x07, 0x07, 0x03, 0x23,
};

/* Computed with an independent SipHash-2-4 (Python, checked against GOLDEN_TCP4_KEY_HASH) over
 * the documented bytes: the golden entry's content (key, reply tuple, status & 0x77 = 6, mark 0,
 * state 3), and its key with orig zone 5 (u16 5, u16 0 appended) and with reply zone 5. */
#define GOLDEN_TCP4_CONTENT_HASH    0x6c382548a4b1619aull
#define GOLDEN_TCP4_ORIG5_KEY_HASH  0x10c5874a4d880108ull
#define GOLDEN_TCP4_REPLY5_KEY_HASH 0xf648b17abda7ecdfull

static void test_dir_zone_golden(void **state)
{
	struct hs_sess s = golden_sess(), got;
	uint8_t buf[HS_SESS_ENTRY_MAX];
	s.zone_dir[0] = 5;
	assert_int_equal(hs_sess_entry_len(&s), sizeof(golden_tcp4_orig_zone5));
	assert_int_equal(hs_sess_encode(&s, buf, sizeof(buf)), sizeof(golden_tcp4_orig_zone5));
	assert_memory_equal(buf, golden_tcp4_orig_zone5, sizeof(golden_tcp4_orig_zone5));
	memset(&got, 0xff, sizeof(got));
	assert_int_equal(decode_entry(golden_tcp4_orig_zone5, sizeof(golden_tcp4_orig_zone5), &got),
			 HS_SESS_OK);
	assert_sess_equal(&got, &s);

	/* A destroy in reply zone 0x0102: extension op 2 with the reply zone, then orig. */
	s = golden_sess();
	s.op = HS_SESS_DESTROY;
	s.zone_dir[1] = 0x0102;
	assert_int_equal(hs_sess_encode(&s, buf, sizeof(buf)), 2 + 1 + 2 + 12);
	assert_int_equal(buf[0], HS_SESS_F_OP_EXT);
	assert_int_equal(buf[2], HS_SESS_X_ZONE_REPLY | HS_SESS_DESTROY);
	assert_int_equal(buf[3], 0x01);
	assert_int_equal(buf[4], 0x02);
	assert_memory_equal(buf + 5, golden_tcp4 + 2, 12);
	memset(&got, 0xff, sizeof(got));
	assert_int_equal(decode_entry(buf, 17, &got), HS_SESS_OK);
	assert_int_equal(got.op, HS_SESS_DESTROY);
	assert_int_equal(got.zone_dir[0], 0);
	assert_int_equal(got.zone_dir[1], 0x0102);
	assert_int_equal(got.zone, 0);
}

/* A record of the format before directional zones decodes as "no directional zone", and an
 * entry with one is sent to an older peer (hs_sess_strip_dir_zone()) as exactly that format. */
static void test_dir_zone_older_format(void **state)
{
	struct hs_sess got, s = golden_sess();
	uint8_t buf[HS_SESS_ENTRY_MAX];
	memset(&got, 0xff, sizeof(got));
	assert_int_equal(decode_entry(golden_tcp4, sizeof(golden_tcp4), &got), HS_SESS_OK);
	assert_int_equal(got.zone_dir[0], 0);
	assert_int_equal(got.zone_dir[1], 0);

	assert_false(hs_sess_strip_dir_zone(&s)); /* nothing to strip */
	s.zone_dir[0] = 5;
	s.zone_dir[1] = 6;
	assert_true(hs_sess_strip_dir_zone(&s));
	assert_int_equal(s.zone_dir[0], 0);
	assert_int_equal(s.zone_dir[1], 0);
	assert_int_equal(hs_sess_encode(&s, buf, sizeof(buf)), sizeof(golden_tcp4));
	assert_memory_equal(buf, golden_tcp4, sizeof(golden_tcp4));
	assert_false(hs_sess_strip_dir_zone(&s));
	/* The plain zone stays. */
	s.zone = 9;
	s.zone_dir[1] = 6;
	assert_true(hs_sess_strip_dir_zone(&s));
	assert_int_equal(s.zone, 9);
}

static void test_dir_zone_bad_ext(void **state)
{
	struct hs_sess got;
	uint8_t e[sizeof(golden_tcp4_orig_zone5)];
	memcpy(e, golden_tcp4_orig_zone5, sizeof(e));
	assert_int_equal(decode_entry(e, sizeof(e), &got), HS_SESS_OK);

	/* Bits 4-7 of the extension byte, or its op 3: bad-op. */
	for (unsigned bit = 4; bit < 8; bit++) {
		e[2] = (uint8_t)(golden_tcp4_orig_zone5[2] | 1u << bit);
		assert_int_equal(decode_entry(e, sizeof(e), &got), HS_SESS_BAD_OP);
	}
	e[2] = HS_SESS_X_ZONE_ORIG | 3;
	assert_int_equal(decode_entry(e, sizeof(e), &got), HS_SESS_BAD_OP);
	/* A destroy named by the extension byte carries none of reply, mark, labels, seqadj. */
	e[2] = HS_SESS_X_ZONE_ORIG | HS_SESS_DESTROY;
	static const uint8_t forbidden[] = { HS_SESS_F_REPLY, HS_SESS_F_MARK, HS_SESS_F_LABELS,
					     HS_SESS_F_SEQADJ };
	for (size_t i = 0; i < sizeof(forbidden); i++) {
		e[0] = (uint8_t)(HS_SESS_F_OP_EXT | forbidden[i]);
		assert_int_equal(decode_entry(e, sizeof(e), &got), HS_SESS_BAD_OP);
	}
	e[0] = HS_SESS_F_OP_EXT;
	assert_int_equal(decode_entry(e, 2 + 1 + 2 + 12, &got), HS_SESS_OK);
	assert_int_equal(got.op, HS_SESS_DESTROY);
	assert_int_equal(got.zone_dir[0], 5);
	/* Each cut of the golden entry is truncated. */
	for (size_t cut = 1; cut < sizeof(golden_tcp4_orig_zone5); cut++)
		assert_int_equal(decode_entry(golden_tcp4_orig_zone5, cut, &got),
				 HS_SESS_TRUNCATED);
}

static void test_dir_zone_hashes(void **state)
{
	struct hs_sess s = golden_sess(), z;

	/* An entry without a directional zone: the hashes of before them. */
	assert_true(hs_sess_key_hash(&s) == GOLDEN_TCP4_KEY_HASH);
	assert_true(hs_sess_content_hash(&s) == GOLDEN_TCP4_CONTENT_HASH);

	/* With one: the documented serialization, another key for each direction, and not the
	 * key of the same plain zone. */
	s.zone_dir[0] = 5;
	assert_true(hs_sess_key_hash(&s) == GOLDEN_TCP4_ORIG5_KEY_HASH);
	assert_true(hs_sess_content_hash(&s) != GOLDEN_TCP4_CONTENT_HASH);
	s = golden_sess();
	s.zone_dir[1] = 5;
	assert_true(hs_sess_key_hash(&s) == GOLDEN_TCP4_REPLY5_KEY_HASH);
	z = golden_sess();
	z.zone = 5;
	assert_true(hs_sess_key_hash(&z) != GOLDEN_TCP4_ORIG5_KEY_HASH);
	assert_true(hs_sess_key_hash(&z) != GOLDEN_TCP4_REPLY5_KEY_HASH);
	/* Stripped for an older peer: the plain entry's hashes again. */
	assert_true(hs_sess_strip_dir_zone(&s));
	assert_true(hs_sess_key_hash(&s) == GOLDEN_TCP4_KEY_HASH);
	assert_true(hs_sess_content_hash(&s) == GOLDEN_TCP4_CONTENT_HASH);
}

static void test_err_names(void **state)
{
	assert_string_equal(hs_sess_err_name(HS_SESS_OK), "ok");
	assert_string_equal(hs_sess_err_name(HS_SESS_END), "end");
	assert_string_equal(hs_sess_err_name(HS_SESS_BAD_VERSION), "bad-version");
	assert_string_equal(hs_sess_err_name(HS_SESS_TRUNCATED), "truncated");
	assert_string_equal(hs_sess_err_name(HS_SESS_BAD_OP), "bad-op");
	assert_string_equal(hs_sess_err_name(HS_SESS_BAD_FAMILY), "bad-family");
	assert_string_equal(hs_sess_err_name(HS_SESS_ERR_MAX), "invalid");
	assert_string_equal(hs_sess_err_name((enum hs_sess_err)99), "invalid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_encode),
		cmocka_unit_test(test_golden_decode),
		cmocka_unit_test(test_doc_example),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_longest_entry),
		cmocka_unit_test(test_icmp_round_trip),
		cmocka_unit_test(test_destroy),
		cmocka_unit_test(test_many_entries),
		cmocka_unit_test(test_truncation_every_byte),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_bad_op),
		cmocka_unit_test(test_no_room),
		cmocka_unit_test(test_invert),
		cmocka_unit_test(test_key_hash),
		cmocka_unit_test(test_content_hash),
		cmocka_unit_test(test_dir_zone_golden),
		cmocka_unit_test(test_dir_zone_older_format),
		cmocka_unit_test(test_dir_zone_bad_ext),
		cmocka_unit_test(test_dir_zone_hashes),
		cmocka_unit_test(test_err_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
