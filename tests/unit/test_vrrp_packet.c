/* The VRRP codec: golden decodes of the keepalived 2.2.7 captures (../shared/vectors/vrrp, copied
 * to tests/fuzz/corpus/vrrp), byte-identical re-encoding, both checksum modes, truncation at every
 * byte, every decoder drop reason, encoder errors, and the failover capture replayed through a
 * backup's state machine. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "vrrp_fsm.h"
#include "vrrp_packet.h"

#define VECTORS HS_TOP_SRCDIR "/tests/fuzz/corpus/vrrp/"

/* ---- a tiny pcap reader: classic pcap, Ethernet (optionally one VLAN tag), IPv4 / IPv6 ---- */

#define FRAMES_MAX 64

struct frame {
	uint64_t ts_ms;
	uint16_t ethertype; /* after a VLAN tag */
	uint8_t proto;      /* IPv4 protocol / IPv6 next header; 0 for other frames */
	struct vrrp_ipinfo ip;
	const uint8_t *payload; /* the IP payload: the VRRP message for proto 112 */
	size_t len;
	const uint8_t *l2; /* from the Ethernet header */
	size_t l2_len;
};

struct capture {
	uint8_t *data;
	size_t size;
	size_t n;
	struct frame f[FRAMES_MAX];
};

static uint32_t rd32(const uint8_t *p, bool swap)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void parse_ip(struct frame *fr, const uint8_t *p, size_t len)
{
	if (fr->ethertype == 0x0800 && len >= 20 && (p[0] >> 4) == 4) {
		size_t ihl = (p[0] & 0x0f) * 4u, tot = be16(p + 2);
		assert_true(ihl >= 20 && tot >= ihl && tot <= len);
		fr->proto = p[9];
		fr->ip.ttl = p[8];
		fr->ip.src.family = fr->ip.dst.family = AF_INET;
		memcpy(fr->ip.src.bytes, p + 12, 4);
		memcpy(fr->ip.dst.bytes, p + 16, 4);
		fr->payload = p + ihl;
		fr->len = tot - ihl;
	} else if (fr->ethertype == 0x86dd && len >= 40 && (p[0] >> 4) == 6) {
		size_t plen = be16(p + 4);
		assert_true(40 + plen <= len);
		fr->proto = p[6]; /* no extension headers in our captures */
		fr->ip.ttl = p[7];
		fr->ip.src.family = fr->ip.dst.family = AF_INET6;
		memcpy(fr->ip.src.bytes, p + 8, 16);
		memcpy(fr->ip.dst.bytes, p + 24, 16);
		fr->payload = p + 40;
		fr->len = plen;
	}
}

static void pcap_load(const char *name, struct capture *cap)
{
	char path[512];
	snprintf(path, sizeof(path), VECTORS "%s", name);
	FILE *fp = fopen(path, "rb");
	if (!fp)
		fail_msg("cannot open %s", path);
	memset(cap, 0, sizeof(*cap));
	cap->data = malloc(1 << 16);
	assert_non_null(cap->data);
	cap->size = fread(cap->data, 1, 1 << 16, fp);
	fclose(fp);
	assert_true(cap->size >= 24);

	uint32_t magic;
	memcpy(&magic, cap->data, 4);
	bool swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	bool nsec = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
	assert_true(swap || magic == 0xa1b2c3d4 || nsec);
	assert_int_equal(rd32(cap->data + 20, swap), 1); /* LINKTYPE_ETHERNET */

	for (size_t off = 24; off < cap->size;) {
		assert_true(off + 16 <= cap->size);
		uint32_t incl = rd32(cap->data + off + 8, swap);
		assert_true(off + 16 + incl <= cap->size && cap->n < FRAMES_MAX);
		struct frame *fr = &cap->f[cap->n++];
		fr->ts_ms = (uint64_t)rd32(cap->data + off, swap) * 1000 +
			    rd32(cap->data + off + 4, swap) / (nsec ? 1000000 : 1000);
		fr->l2 = cap->data + off + 16;
		fr->l2_len = incl;
		size_t l2hdr = 14;
		assert_true(incl >= l2hdr);
		fr->ethertype = be16(fr->l2 + 12);
		if (fr->ethertype == 0x8100 && incl >= 18) {
			fr->ethertype = be16(fr->l2 + 16);
			l2hdr = 18;
		}
		parse_ip(fr, fr->l2 + l2hdr, incl - l2hdr);
		off += 16 + incl;
	}
}

static void pcap_free(struct capture *cap)
{
	free(cap->data);
	cap->data = NULL;
}

static struct hs_addr addr(const char *s)
{
	struct hs_addr a;
	if (hs_addr_parse(s, &a) != 0)
		fail_msg("bad address %s", s);
	return a;
}

static struct vrrp_ipinfo ipinfo(const char *src, const char *dst)
{
	struct vrrp_ipinfo ip = { .src = addr(src), .dst = addr(dst), .ttl = 255 };
	return ip;
}

/* ---- golden decodes: the values tshark prints for each capture ---- */

struct golden {
	unsigned frame; /* 1-based, as tshark numbers them */
	const char *src, *dst;
	uint8_t prio;
	uint16_t checksum;
};

struct golden_file {
	const char *name;
	int version;
	uint8_t vrid;
	uint16_t interval_cs;
	const char *vip;
	size_t n_frames; /* all frames, VRRP or not */
	size_t n;
	struct golden g[16];
};

#define R1 "192.0.2.1"
#define R2 "192.0.2.2"
#define MC "224.0.0.18"
#define L1 "fe80::c0ff:fe00:201"
#define L2 "fe80::c0ff:fe00:202"
#define M6 "ff02::12"

static const struct golden_file golden_files[] = {
	{ "vrrp_v3.pcap",
	  3,
	  51,
	  100,
	  "192.0.2.254",
	  9,
	  9,
	  { { 1, R1, MC, 200, 0xa0d7 },
	    { 2, R1, MC, 200, 0xa0d7 },
	    { 3, R1, MC, 200, 0xa0d7 },
	    { 4, R1, MC, 200, 0xa0d7 },
	    { 5, R1, MC, 0, 0x68d8 },
	    { 6, R2, MC, 100, 0x04d7 },
	    { 7, R2, MC, 100, 0x04d7 },
	    { 8, R2, MC, 100, 0x04d7 },
	    { 9, R2, MC, 0, 0x68d7 } } },
	{ "vrrp_v2.pcap",
	  2,
	  51,
	  100,
	  "192.0.2.254",
	  7,
	  7,
	  { { 1, R1, MC, 200, 0x53cb },
	    { 2, R1, MC, 200, 0x53cb },
	    { 3, R1, MC, 200, 0x53cb },
	    { 4, R1, MC, 0, 0x1bcc },
	    { 5, R2, MC, 100, 0xb7cb },
	    { 6, R2, MC, 100, 0xb7cb },
	    { 7, R2, MC, 0, 0x1bcc } } },
	{ "vrrp_v3_ipv6.pcap",
	  3,
	  53,
	  100,
	  "2001:db8:51::254",
	  7,
	  7,
	  { { 1, L1, M6, 200, 0x16e7 },
	    { 2, L1, M6, 200, 0x16e7 },
	    { 3, L1, M6, 200, 0x16e7 },
	    { 4, L1, M6, 0, 0xdee7 },
	    { 5, L2, M6, 100, 0x7ae6 },
	    { 6, L2, M6, 100, 0x7ae6 },
	    { 7, L2, M6, 0, 0xdee6 } } },
	{ "vrrp_v3_vmac.pcap",
	  3,
	  51,
	  100,
	  "192.0.2.254",
	  5,
	  5,
	  { { 1, R1, MC, 200, 0xa0d7 },
	    { 2, R1, MC, 200, 0xa0d7 },
	    { 3, R1, MC, 200, 0xa0d7 },
	    { 4, R1, MC, 200, 0xa0d7 },
	    { 5, R1, MC, 0, 0x68d8 } } },
	{ "vrrp_v3_unicast.pcap",
	  3,
	  51,
	  100,
	  "192.0.2.254",
	  7,
	  7,
	  { { 1, R1, R2, 200, 0xbee7 },
	    { 2, R1, R2, 200, 0xbee7 },
	    { 3, R1, R2, 200, 0xbee7 },
	    { 4, R1, R2, 0, 0x86e8 },
	    { 5, R2, R1, 100, 0x22e8 },
	    { 6, R2, R1, 100, 0x22e8 },
	    { 7, R2, R1, 0, 0x86e8 } } },
	{ "vrrp_v3_failover_with_garp.pcap",
	  3,
	  51,
	  100,
	  "192.0.2.254",
	  19,
	  9,
	  { { 1, R1, MC, 200, 0xa0d7 },
	    { 7, R1, MC, 200, 0xa0d7 },
	    { 8, R1, MC, 200, 0xa0d7 },
	    { 9, R1, MC, 200, 0xa0d7 },
	    { 10, R1, MC, 0, 0x68d8 },
	    { 11, R2, MC, 100, 0x04d7 },
	    { 17, R2, MC, 100, 0x04d7 },
	    { 18, R2, MC, 100, 0x04d7 },
	    { 19, R2, MC, 0, 0x68d7 } } },
};

static void check_golden_file(const struct golden_file *gf)
{
	struct capture cap;
	static struct vrrp_advert adv;
	uint8_t out[VRRP_MSG_MAX];
	struct vrrp_counters c = { 0 };
	pcap_load(gf->name, &cap);
	assert_int_equal(cap.n, gf->n_frames);

	size_t n_vrrp = 0;
	for (size_t i = 0; i < cap.n; i++)
		n_vrrp += cap.f[i].proto == VRRP_IPPROTO;
	assert_int_equal(n_vrrp, gf->n);

	for (size_t i = 0; i < gf->n; i++) {
		const struct golden *g = &gf->g[i];
		const struct frame *fr = &cap.f[g->frame - 1];
		struct hs_addr src = addr(g->src), dst = addr(g->dst), vip = addr(gf->vip);
		assert_int_equal(fr->proto, VRRP_IPPROTO);
		assert_int_equal(fr->ip.ttl, 255);
		assert_true(hs_addr_equal(&fr->ip.src, &src));
		assert_true(hs_addr_equal(&fr->ip.dst, &dst));

		memset(&adv, 0, sizeof(adv));
		assert_int_equal(
			vrrp_decode(fr->payload, fr->len, &fr->ip, VRRP_CKSUM_PSEUDO, &adv, &c),
			VRRP_DROP_NONE);
		assert_int_equal(adv.version, gf->version);
		assert_int_equal(adv.type, VRRP_TYPE_ADVERT);
		assert_int_equal(adv.vrid, gf->vrid);
		assert_int_equal(adv.priority, g->prio);
		assert_int_equal(adv.interval_cs, gf->interval_cs);
		assert_int_equal(adv.checksum, g->checksum);
		assert_int_equal(adv.family, src.family);
		assert_int_equal(adv.n_addrs, 1);
		assert_true(hs_addr_equal(&adv.addrs[0], &vip));
		assert_int_equal(vrrp_peek_vrid(fr->payload, fr->len), gf->vrid);

		/* Re-encoding gives the same bytes, checksum included. */
		int n = vrrp_encode(&adv, &fr->ip, VRRP_CKSUM_PSEUDO, out, sizeof(out));
		assert_int_equal(n, (int)fr->len);
		assert_memory_equal(out, fr->payload, fr->len);

		/* The mode matters only for v3 over IPv4: there the capture's checksum is valid
		 * only with the pseudo-header (tshark: "v2-style sum ok=False"). */
		bool v3v4 = gf->version == 3 && src.family == AF_INET;
		assert_int_equal(vrrp_checksum(fr->payload, fr->len, gf->version, &fr->ip,
					       VRRP_CKSUM_PSEUDO),
				 0);
		assert_int_equal(vrrp_checksum(fr->payload, fr->len, gf->version, &fr->ip,
					       VRRP_CKSUM_RFC9568) == 0,
				 !v3v4);
		assert_int_equal(
			vrrp_decode(fr->payload, fr->len, &fr->ip, VRRP_CKSUM_RFC9568, &adv, &c),
			v3v4 ? VRRP_DROP_CHECKSUM : VRRP_DROP_NONE);
		/* For v3 the v2-style sum (message alone) is wrong in every capture, IPv6 too. */
		if (gf->version == 3)
			assert_int_not_equal(
				vrrp_checksum(fr->payload, fr->len, 2, NULL, VRRP_CKSUM_PSEUDO), 0);
	}
	assert_int_equal(c.rx, 2 * gf->n);
	assert_int_equal(c.drops[VRRP_DROP_CHECKSUM],
			 gf->version == 3 && strchr(gf->vip, ':') == NULL ? gf->n : 0);
	pcap_free(&cap);
}

static void test_golden_v3(void **state)
{
	check_golden_file(&golden_files[0]);
}

static void test_golden_v2(void **state)
{
	check_golden_file(&golden_files[1]);
}

static void test_golden_v3_ipv6(void **state)
{
	check_golden_file(&golden_files[2]);
}

static void test_golden_v3_vmac(void **state)
{
	check_golden_file(&golden_files[3]);
}

static void test_golden_v3_unicast(void **state)
{
	check_golden_file(&golden_files[4]);
}

static void test_golden_failover(void **state)
{
	check_golden_file(&golden_files[5]);
}

/* Packet 1 of vrrp_v3.pcap as vrrp_v3_packet.txt shows it (tshark -V -x). */
static const uint8_t v3_pkt1[] = { 0x31, 0x33, 0xc8, 0x01, 0x00, 0x64,
				   0xa0, 0xd7, 0xc0, 0x00, 0x02, 0xfe };

static void test_v3_packet1_tshark(void **state)
{
	struct vrrp_ipinfo ip = ipinfo(R1, MC);
	static struct vrrp_advert adv;
	struct capture cap;
	pcap_load("vrrp_v3.pcap", &cap);
	assert_int_equal(cap.f[0].l2_len, 46); /* "Frame 1: 46 bytes on wire" */
	assert_int_equal(cap.f[0].len, sizeof(v3_pkt1));
	assert_memory_equal(cap.f[0].payload, v3_pkt1, sizeof(v3_pkt1));
	pcap_free(&cap);

	assert_int_equal(vrrp_decode(v3_pkt1, sizeof(v3_pkt1), &ip, VRRP_CKSUM_PSEUDO, &adv, NULL),
			 VRRP_DROP_NONE);
	assert_int_equal(adv.vrid, 51);
	assert_int_equal(adv.priority, 200);
	assert_int_equal(adv.interval_cs, 100);
	assert_int_equal(adv.checksum, 0xa0d7);
	char buf[INET6_ADDRSTRLEN];
	assert_string_equal(hs_addr_str(&adv.addrs[0], buf, sizeof(buf)), "192.0.2.254");

	/* The checksum field recomputed: 0xa0d7 with the pseudo-header, something else without. */
	uint8_t m[sizeof(v3_pkt1)];
	memcpy(m, v3_pkt1, sizeof(m));
	m[6] = m[7] = 0;
	assert_int_equal(vrrp_checksum(m, sizeof(m), 3, &ip, VRRP_CKSUM_PSEUDO), 0xa0d7);
	uint16_t alone = vrrp_checksum(m, sizeof(m), 3, &ip, VRRP_CKSUM_RFC9568);
	assert_int_not_equal(alone, 0xa0d7);
	assert_int_equal(alone, vrrp_checksum(m, sizeof(m), 2, NULL, VRRP_CKSUM_PSEUDO));

	/* Encoded the RFC 9568 way, it decodes only in that mode. */
	uint8_t out[64];
	assert_int_equal(vrrp_encode(&adv, NULL, VRRP_CKSUM_RFC9568, out, sizeof(out)), 12);
	assert_int_equal(out[6] << 8 | out[7], alone);
	assert_int_equal(vrrp_decode(out, 12, &ip, VRRP_CKSUM_RFC9568, &adv, NULL), VRRP_DROP_NONE);
	assert_int_equal(vrrp_decode(out, 12, &ip, VRRP_CKSUM_PSEUDO, &adv, NULL),
			 VRRP_DROP_CHECKSUM);
}

/* Older keepalived put the multicast group in the pseudo-header of unicast adverts
 * (keepalived issue 642); the capture uses the real destination, and so do we. */
static void test_unicast_pseudo_header_uses_real_destination(void **state)
{
	struct capture cap;
	static struct vrrp_advert adv;
	pcap_load("vrrp_v3_unicast.pcap", &cap);
	struct vrrp_ipinfo ip = cap.f[0].ip;
	assert_int_equal(
		vrrp_decode(cap.f[0].payload, cap.f[0].len, &ip, VRRP_CKSUM_PSEUDO, &adv, NULL),
		VRRP_DROP_NONE);
	ip.dst = addr(MC);
	assert_int_equal(
		vrrp_decode(cap.f[0].payload, cap.f[0].len, &ip, VRRP_CKSUM_PSEUDO, &adv, NULL),
		VRRP_DROP_CHECKSUM);
	pcap_free(&cap);
}

/* The failover capture's GARPs: the new master announces the VIP from its own MAC. */
static void test_failover_garps(void **state)
{
	struct capture cap;
	pcap_load("vrrp_v3_failover_with_garp.pcap", &cap);
	size_t garps = 0;
	for (size_t i = 0; i < cap.n; i++) {
		const struct frame *fr = &cap.f[i];
		if (fr->ethertype != 0x0806)
			continue;
		const uint8_t *arp = fr->l2 + 14;
		assert_true(fr->l2_len >= 14 + 28);
		assert_int_equal(be16(arp + 6), 1);                   /* request */
		assert_memory_equal(arp + 8, fr->l2 + 6, 6);          /* sender MAC = source MAC */
		assert_memory_equal(arp + 14, arp + 24, 4);           /* sender IP = target IP */
		assert_memory_equal(arp + 14, "\xc0\x00\x02\xfe", 4); /* the VIP */
		assert_int_equal(fr->l2[11], i < 10 ? 0x01 : 0x02);   /* R1's, then R2's */
		garps++;
	}
	assert_int_equal(garps, 10);
	pcap_free(&cap);
}

/* ---- checks and drop reasons ---- */

static void fix_cksum(uint8_t *m, size_t len, const struct vrrp_ipinfo *ip,
		      enum vrrp_cksum_mode mode)
{
	m[6] = m[7] = 0;
	uint16_t s = vrrp_checksum(m, len, m[0] >> 4, ip, mode);
	m[6] = (uint8_t)(s >> 8);
	m[7] = (uint8_t)s;
}

static const uint8_t v2_pkt1[] = { 0x21, 0x33, 0xc8, 0x01, 0x00, 0x01, 0x53, 0xcb, 0xc0, 0x00,
				   0x02, 0xfe, 0,    0,    0,    0,    0,    0,    0,    0 };
static const uint8_t v6_pkt1[] = { 0x31, 0x35, 0xc8, 0x01, 0x00, 0x64, 0x16, 0xe7,
				   0x20, 0x01, 0x0d, 0xb8, 0x00, 0x51, 0,    0,
				   0,    0,    0,    0,    0,    0,    0x02, 0x54 };

struct msg_case {
	const char *name;
	const uint8_t *msg;
	size_t len;
	const char *src, *dst;
};

static const struct msg_case msg_cases[] = {
	{ "v3 IPv4", v3_pkt1, sizeof(v3_pkt1), R1, MC },
	{ "v2", v2_pkt1, sizeof(v2_pkt1), R1, MC },
	{ "v3 IPv6", v6_pkt1, sizeof(v6_pkt1), L1, M6 },
};

static void test_truncation_every_byte(void **state)
{
	static struct vrrp_advert adv, sentinel;
	uint8_t buf[64];
	memset(&sentinel, 0x5a, sizeof(sentinel));
	for (size_t k = 0; k < sizeof(msg_cases) / sizeof(msg_cases[0]); k++) {
		const struct msg_case *mc = &msg_cases[k];
		struct vrrp_ipinfo ip = ipinfo(mc->src, mc->dst);
		struct vrrp_counters c = { 0 };
		for (size_t len = 0; len < mc->len; len++) {
			adv = sentinel;
			/* A copy of exactly len bytes, so that ASan sees any read past it. */
			uint8_t *cut = malloc(len ? len : 1);
			memcpy(cut, mc->msg, len);
			enum vrrp_drop d = vrrp_decode(cut, len, &ip, VRRP_CKSUM_PSEUDO, &adv, &c);
			free(cut);
			if (d != VRRP_DROP_SHORT)
				fail_msg("%s cut at %zu: %s", mc->name, len, vrrp_drop_name(d));
			assert_memory_equal(&adv, &sentinel, sizeof(adv)); /* untouched */
		}
		assert_int_equal(c.rx, mc->len);
		assert_int_equal(c.drops[VRRP_DROP_SHORT], mc->len);
		/* Whole: fine. One byte more: trailing garbage. */
		memcpy(buf, mc->msg, mc->len);
		buf[mc->len] = 0;
		assert_int_equal(vrrp_decode(buf, mc->len, &ip, VRRP_CKSUM_PSEUDO, &adv, &c),
				 VRRP_DROP_NONE);
		assert_int_equal(vrrp_decode(buf, mc->len + 1, &ip, VRRP_CKSUM_PSEUDO, &adv, &c),
				 VRRP_DROP_LENGTH);
	}
}

/* A message mutated by edit (offset, value), checksum fixed up unless keep_sum, expected drop. */
struct drop_case {
	const char *what;
	const struct msg_case *base;
	int ttl;
	int off, val; /* off < 0: no edit */
	bool keep_sum;
	int len_delta;
	enum vrrp_drop want;
};

static void test_every_decoder_drop(void **state)
{
	const struct msg_case *v3 = &msg_cases[0], *v2 = &msg_cases[1], *v6 = &msg_cases[2];
	const struct drop_case cases[] = {
		{ "ttl 254", v3, 254, -1, 0, false, 0, VRRP_DROP_TTL },
		{ "ttl 0", v6, 0, -1, 0, false, 0, VRRP_DROP_TTL },
		{ "ttl first, then the bad checksum", v3, 1, 9, 0x99, true, 0, VRRP_DROP_TTL },
		{ "7 bytes", v3, 255, -1, 0, false, -5, VRRP_DROP_SHORT },
		{ "version 1", v3, 255, 0, 0x11, false, 0, VRRP_DROP_VERSION },
		{ "version 4", v3, 255, 0, 0x41, false, 0, VRRP_DROP_VERSION },
		{ "version 0", v2, 255, 0, 0x01, false, 0, VRRP_DROP_VERSION },
		{ "type 0", v3, 255, 0, 0x30, false, 0, VRRP_DROP_TYPE },
		{ "type 2", v2, 255, 0, 0x22, false, 0, VRRP_DROP_TYPE },
		{ "v2 over IPv6", v6, 255, 0, 0x21, false, 0, VRRP_DROP_FAMILY },
		{ "count 0", v3, 255, 3, 0, false, 0, VRRP_DROP_NO_ADDRS },
		{ "count 2, one address", v3, 255, 3, 2, false, 0, VRRP_DROP_SHORT },
		{ "count 2, one IPv6 address", v6, 255, 3, 2, false, 0, VRRP_DROP_SHORT },
		{ "v2 without authentication data", v2, 255, -1, 0, false, -8, VRRP_DROP_SHORT },
		{ "trailing bytes", v2, 255, -1, 0, false, 4, VRRP_DROP_LENGTH },
		{ "address changed", v3, 255, 11, 0xfd, true, 0, VRRP_DROP_CHECKSUM },
		{ "v6 address changed", v6, 255, 23, 0x55, true, 0, VRRP_DROP_CHECKSUM },
		{ "v2 priority changed", v2, 255, 2, 0xc9, true, 0, VRRP_DROP_CHECKSUM },
		{ "v2 auth type 1 (simple text)", v2, 255, 4, 1, false, 0, VRRP_DROP_AUTH },
		{ "v2 auth type 2 (AH)", v2, 255, 4, 2, false, 0, VRRP_DROP_AUTH },
		{ "v2 interval 0", v2, 255, 5, 0, false, 0, VRRP_DROP_INTERVAL },
		{ "v3 interval 0", v3, 255, 5, 0, false, 0, VRRP_DROP_INTERVAL },
		{ "v3 reserved bits set: ignored", v3, 255, 4, 0xf0, false, 0, VRRP_DROP_NONE },
		{ "v2 auth data not zero: ignored", v2, 255, 19, 0x77, false, 0, VRRP_DROP_NONE },
	};
	bool reached[VRRP_DROP_MAX] = { false };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct drop_case *dc = &cases[i];
		uint8_t m[64] = { 0 };
		static struct vrrp_advert adv;
		struct vrrp_counters c = { 0 };
		struct vrrp_ipinfo ip = ipinfo(dc->base->src, dc->base->dst);
		size_t len = dc->base->len + dc->len_delta;
		memcpy(m, dc->base->msg, dc->base->len);
		if (dc->off >= 0)
			m[dc->off] = (uint8_t)dc->val;
		if (!dc->keep_sum && len >= VRRP_HDR_LEN)
			fix_cksum(m, len, &ip, VRRP_CKSUM_PSEUDO);
		ip.ttl = dc->ttl;
		enum vrrp_drop d = vrrp_decode(m, len, &ip, VRRP_CKSUM_PSEUDO, &adv, &c);
		if (d != dc->want)
			fail_msg("%s: got %s, want %s", dc->what, vrrp_drop_name(d),
				 vrrp_drop_name(dc->want));
		assert_int_equal(c.rx, 1);
		if (d != VRRP_DROP_NONE)
			assert_int_equal(c.drops[d], 1);
		reached[d] = true;
	}
	/* The caller-side family errors. */
	struct vrrp_ipinfo ip = ipinfo(R1, L1);
	static struct vrrp_advert adv;
	struct vrrp_counters c = { 0 };
	assert_int_equal(vrrp_decode(v3_pkt1, sizeof(v3_pkt1), &ip, 0, &adv, &c), VRRP_DROP_FAMILY);
	memset(&ip.src, 0, sizeof(ip.src));
	ip.dst = ip.src;
	assert_int_equal(vrrp_decode(v3_pkt1, sizeof(v3_pkt1), &ip, 0, &adv, &c), VRRP_DROP_FAMILY);
	assert_int_equal(vrrp_decode(v3_pkt1, sizeof(v3_pkt1), NULL, 0, &adv, &c),
			 VRRP_DROP_FAMILY);
	ip = ipinfo(R1, MC);
	assert_int_equal(vrrp_decode(NULL, 0, &ip, 0, &adv, &c), VRRP_DROP_SHORT);
	assert_int_equal(vrrp_decode(NULL, 5, &ip, 0, &adv, &c), VRRP_DROP_FAMILY);
	ip.ttl = 64;
	assert_int_equal(vrrp_decode(NULL, 0, &ip, 0, &adv, &c), VRRP_DROP_TTL);
	assert_int_equal(c.rx, 6);
	assert_int_equal(c.drops[VRRP_DROP_FAMILY], 4);
	/* Every decoder reason was reached (the group's are in test_vrrp_fsm). */
	for (int d = VRRP_DROP_NONE; d <= VRRP_DROP_INTERVAL; d++)
		if (!reached[d])
			fail_msg("drop reason %s not reached", vrrp_drop_name(d));
}

static void test_v3_reserved_bits_ignored(void **state)
{
	struct vrrp_ipinfo ip = ipinfo(R1, MC);
	static struct vrrp_advert adv;
	uint8_t m[sizeof(v3_pkt1)], out[64];
	memcpy(m, v3_pkt1, sizeof(m));
	m[4] |= 0xa0;
	fix_cksum(m, sizeof(m), &ip, VRRP_CKSUM_PSEUDO);
	assert_int_equal(vrrp_decode(m, sizeof(m), &ip, VRRP_CKSUM_PSEUDO, &adv, NULL),
			 VRRP_DROP_NONE);
	assert_int_equal(adv.interval_cs, 100);
	/* Sent with the reserved bits clear again: the original capture's bytes. */
	assert_int_equal(vrrp_encode(&adv, &ip, VRRP_CKSUM_PSEUDO, out, sizeof(out)), 12);
	assert_memory_equal(out, v3_pkt1, sizeof(v3_pkt1));
}

/* ---- encoder ---- */

static void base_advert(struct vrrp_advert *a, int version, const char *vip)
{
	memset(a, 0, sizeof(*a));
	a->version = (uint8_t)version;
	a->type = VRRP_TYPE_ADVERT;
	a->vrid = 51;
	a->priority = 200;
	a->interval_cs = 100;
	a->addrs[0] = addr(vip);
	a->family = a->addrs[0].family;
	a->n_addrs = 1;
}

static void test_encode_errors(void **state)
{
	static struct vrrp_advert a;
	uint8_t out[VRRP_MSG_MAX];
	struct vrrp_ipinfo ip4 = ipinfo(R1, MC), ip6 = ipinfo(L1, M6), mixed = ipinfo(L1, MC);
	base_advert(&a, 3, "192.0.2.254");
	assert_int_equal(vrrp_encode(&a, &ip4, VRRP_CKSUM_PSEUDO, out, sizeof(out)), 12);
	assert_int_equal(vrrp_encode(NULL, &ip4, VRRP_CKSUM_PSEUDO, out, sizeof(out)), -EINVAL);
	assert_int_equal(vrrp_encode(&a, &ip4, VRRP_CKSUM_PSEUDO, out, 12), 12);
	assert_int_equal(vrrp_encode(&a, &ip4, VRRP_CKSUM_PSEUDO, out, 11), -ENOBUFS);
	assert_int_equal(vrrp_encode(&a, &ip4, VRRP_CKSUM_PSEUDO, NULL, 64), -ENOBUFS);
	assert_int_equal(vrrp_encode(&a, NULL, VRRP_CKSUM_PSEUDO, out, sizeof(out)), -EINVAL);
	assert_int_equal(vrrp_encode(&a, &ip6, VRRP_CKSUM_PSEUDO, out, sizeof(out)), -EINVAL);
	assert_int_equal(vrrp_encode(&a, &mixed, VRRP_CKSUM_PSEUDO, out, sizeof(out)), -EINVAL);
	struct vrrp_ipinfo dst6 = ipinfo(R1, M6); /* the destination of another family */
	assert_int_equal(vrrp_encode(&a, &dst6, VRRP_CKSUM_PSEUDO, out, sizeof(out)), -EINVAL);
	assert_int_equal(vrrp_encode(&a, NULL, VRRP_CKSUM_RFC9568, out, sizeof(out)), 12);
	assert_int_equal(vrrp_encode(&a, &ip4, VRRP_CKSUM_MAX, out, sizeof(out)), -EINVAL);
	assert_int_equal(vrrp_encode(&a, &ip4, VRRP_CKSUM_INVALID, out, sizeof(out)), -EINVAL);

	a.version = 4;
	assert_int_equal(vrrp_encode(&a, &ip4, 0, out, sizeof(out)), -EINVAL);
	a.version = 3;
	a.type = 2;
	assert_int_equal(vrrp_encode(&a, &ip4, 0, out, sizeof(out)), -EINVAL);
	a.type = 1;
	a.interval_cs = 0;
	assert_int_equal(vrrp_encode(&a, &ip4, 0, out, sizeof(out)), -EINVAL);
	a.interval_cs = 4096;
	assert_int_equal(vrrp_encode(&a, &ip4, 0, out, sizeof(out)), -EINVAL);
	a.interval_cs = 4095;
	assert_int_equal(vrrp_encode(&a, &ip4, 0, out, sizeof(out)), 12);
	assert_int_equal(out[4], 0x0f);
	assert_int_equal(out[5], 0xff);
	a.interval_cs = 1;
	assert_int_equal(vrrp_encode(&a, &ip4, 0, out, sizeof(out)), 12);
	a.n_addrs = 0;
	assert_int_equal(vrrp_encode(&a, &ip4, 0, out, sizeof(out)), -EINVAL);
	a.n_addrs = 2;
	a.addrs[1] = addr("2001:db8::1");
	assert_int_equal(vrrp_encode(&a, &ip4, 0, out, sizeof(out)), -EINVAL);
	a.addrs[1] = addr("192.0.2.253");
	assert_int_equal(vrrp_encode(&a, &ip4, 0, out, sizeof(out)), 16);
	a.family = AF_UNIX;
	assert_int_equal(vrrp_encode(&a, &ip4, 0, out, sizeof(out)), -EINVAL);

	/* v2: IPv4 only, whole seconds 1-255, no pseudo-header (ip may be NULL). */
	base_advert(&a, 2, "192.0.2.254");
	assert_int_equal(vrrp_encode(&a, NULL, VRRP_CKSUM_PSEUDO, out, sizeof(out)), 20);
	assert_memory_equal(out, v2_pkt1, sizeof(v2_pkt1));
	a.interval_cs = 150;
	assert_int_equal(vrrp_encode(&a, NULL, 0, out, sizeof(out)), -EINVAL);
	a.interval_cs = 25500;
	assert_int_equal(vrrp_encode(&a, NULL, 0, out, sizeof(out)), 20);
	assert_int_equal(out[5], 255);
	a.interval_cs = 25600;
	assert_int_equal(vrrp_encode(&a, NULL, 0, out, sizeof(out)), -EINVAL);
	a.interval_cs = 0;
	assert_int_equal(vrrp_encode(&a, NULL, 0, out, sizeof(out)), -EINVAL);
	base_advert(&a, 2, "2001:db8::1");
	assert_int_equal(vrrp_encode(&a, &ip6, 0, out, sizeof(out)), -EINVAL);

	/* v3 IPv6: the pseudo-header in either mode. */
	base_advert(&a, 3, "2001:db8:51::254");
	a.vrid = 53;
	assert_int_equal(vrrp_encode(&a, NULL, VRRP_CKSUM_RFC9568, out, sizeof(out)), -EINVAL);
	assert_int_equal(vrrp_encode(&a, &ip6, VRRP_CKSUM_RFC9568, out, sizeof(out)), 24);
	assert_memory_equal(out, v6_pkt1, sizeof(v6_pkt1));
}

static void test_max_addresses(void **state)
{
	static struct vrrp_advert a, b;
	static uint8_t out[VRRP_MSG_MAX + 1];
	struct vrrp_ipinfo ip6 = ipinfo(L1, M6), ip4 = ipinfo(R1, MC);

	base_advert(&a, 3, "2001:db8::1");
	a.n_addrs = VRRP_ADDRS_MAX;
	for (unsigned i = 0; i < a.n_addrs; i++) {
		a.addrs[i] = a.addrs[0];
		a.addrs[i].bytes[14] = (uint8_t)(i >> 8);
		a.addrs[i].bytes[15] = (uint8_t)i;
	}
	int n = vrrp_encode(&a, &ip6, 0, out, sizeof(out));
	assert_int_equal(n, VRRP_MSG_MAX);
	assert_int_equal(vrrp_decode(out, (size_t)n, &ip6, 0, &b, NULL), VRRP_DROP_NONE);
	assert_int_equal(b.n_addrs, 255);
	for (unsigned i = 0; i < a.n_addrs; i++)
		assert_true(hs_addr_equal(&a.addrs[i], &b.addrs[i]));
	a.n_addrs = 256;
	assert_int_equal(vrrp_encode(&a, &ip6, 0, out, sizeof(out)), -EINVAL);

	base_advert(&a, 2, "10.0.0.0");
	a.n_addrs = VRRP_ADDRS_MAX;
	for (unsigned i = 0; i < a.n_addrs; i++) {
		a.addrs[i] = a.addrs[0];
		a.addrs[i].bytes[3] = (uint8_t)i;
	}
	n = vrrp_encode(&a, NULL, 0, out, sizeof(out));
	assert_int_equal(n, 8 + 255 * 4 + 8);
	assert_int_equal(vrrp_decode(out, (size_t)n, &ip4, 0, &b, NULL), VRRP_DROP_NONE);
	assert_int_equal(b.n_addrs, 255);
	assert_true(hs_addr_equal(&a.addrs[254], &b.addrs[254]));
}

/* ---- helpers and name tables ---- */

static void test_checksum_odd_length(void **state)
{
	const uint8_t one[] = { 0x01 }, three[] = { 0x01, 0x02, 0x03 };
	assert_int_equal(vrrp_checksum(one, 1, 2, NULL, 0), 0xfeff);
	assert_int_equal(vrrp_checksum(three, 3, 2, NULL, 0), (uint16_t) ~(0x0102 + 0x0300));
	assert_int_equal(vrrp_checksum(NULL, 0, 2, NULL, 0), 0xffff);
	/* Carries fold: 0xffff + 0x0001 = 0x0001 after the end-around carry. */
	const uint8_t carry[] = { 0xff, 0xff, 0x00, 0x01 };
	assert_int_equal(vrrp_checksum(carry, 4, 2, NULL, 0), (uint16_t)~0x0001);
}

static void test_addrs_match(void **state)
{
	static struct vrrp_advert a;
	struct hs_addr ours[3] = { addr("2001:db8::1"), addr("2001:db8::2"), addr("fe80::1") };
	base_advert(&a, 3, "2001:db8::2");
	a.addrs[1] = addr("2001:db8::1");
	a.n_addrs = 2;
	/* keepalived / FRR form against a config with the link-local first, and the reverse. */
	assert_true(vrrp_addrs_match(&a, ours, 3));
	assert_true(vrrp_addrs_match(&a, ours, 2));
	a.addrs[2] = a.addrs[0];
	a.addrs[0] = addr("fe80::99"); /* the RFC form: link-local first */
	a.n_addrs = 3;
	assert_true(vrrp_addrs_match(&a, ours, 2));
	assert_true(vrrp_addrs_match(&a, ours, 3));
	a.addrs[2] = addr("2001:db8::3");
	assert_false(vrrp_addrs_match(&a, ours, 3));
	a.n_addrs = 2; /* fe80::99, 2001:db8::1: one of ours missing */
	assert_false(vrrp_addrs_match(&a, ours, 2));

	base_advert(&a, 3, "192.0.2.254");
	struct hs_addr v4[2] = { addr("192.0.2.254"), addr("192.0.2.253") };
	assert_true(vrrp_addrs_match(&a, v4, 1));
	assert_false(vrrp_addrs_match(&a, v4, 2));
	assert_false(vrrp_addrs_match(&a, v4 + 1, 1));
}

static void test_addr_helpers(void **state)
{
	struct hs_addr ll = addr("fe80::1"), ll2 = addr("febf::1"), site = addr("fec0::1"),
		       glob = addr("2001:db8::1"), v4 = addr("169.254.0.1");
	assert_true(vrrp_addr_is_v6_linklocal(&ll));
	assert_true(vrrp_addr_is_v6_linklocal(&ll2));
	assert_false(vrrp_addr_is_v6_linklocal(&site));
	assert_false(vrrp_addr_is_v6_linklocal(&glob));
	assert_false(vrrp_addr_is_v6_linklocal(&v4));

	struct hs_addr a = addr("192.0.2.1"), b = addr("192.0.2.2"), none = { 0 };
	assert_true(vrrp_addr_cmp(&a, &b) < 0);
	assert_true(vrrp_addr_cmp(&b, &a) > 0);
	assert_int_equal(vrrp_addr_cmp(&a, &a), 0);
	assert_true(vrrp_addr_cmp(&a, &none) > 0);
	assert_true(vrrp_addr_cmp(&none, &glob) < 0);
	assert_true(vrrp_addr_cmp(&ll, &glob) > 0);

	assert_int_equal(vrrp_peek_vrid(v3_pkt1, 2), 51);
	assert_int_equal(vrrp_peek_vrid(v3_pkt1, 1), -EBADMSG);
	assert_int_equal(vrrp_peek_vrid(NULL, 8), -EBADMSG);

	struct vrrp_counters c = { 0 };
	vrrp_count_drop(&c, VRRP_DROP_TTL);
	vrrp_count_drop(&c, VRRP_DROP_NONE);
	vrrp_count_drop(&c, VRRP_DROP_MAX);
	vrrp_count_drop(NULL, VRRP_DROP_TTL);
	assert_int_equal(c.drops[VRRP_DROP_TTL], 1);
	assert_int_equal(c.drops[VRRP_DROP_NONE], 0);
}

static void test_names(void **state)
{
	/* Every reason has its own name (a missing designated initialiser shows as "?"). */
	for (int i = 0; i < VRRP_DROP_MAX; i++) {
		assert_string_not_equal(vrrp_drop_name(i), "?");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(vrrp_drop_name(i), vrrp_drop_name(j));
	}
	assert_string_equal(vrrp_drop_name(VRRP_DROP_TTL), "ttl-not-255");
	assert_string_equal(vrrp_drop_name(VRRP_DROP_CHECKSUM), "bad-checksum");
	assert_string_equal(vrrp_drop_name(VRRP_DROP_MAX), "?");
	assert_string_equal(vrrp_drop_name((enum vrrp_drop) - 1), "?");

	assert_string_equal(vrrp_cksum_mode_name(VRRP_CKSUM_PSEUDO), "pseudo-header");
	assert_string_equal(vrrp_cksum_mode_name(VRRP_CKSUM_RFC9568), "rfc9568");
	assert_string_equal(vrrp_cksum_mode_name(VRRP_CKSUM_INVALID), "?");
	assert_string_equal(vrrp_cksum_mode_name(VRRP_CKSUM_MAX), "?");
	assert_int_equal(vrrp_cksum_mode_from_name("rfc9568"), VRRP_CKSUM_RFC9568);
	assert_int_equal(vrrp_cksum_mode_from_name("pseudo-header"), VRRP_CKSUM_PSEUDO);
	assert_int_equal(vrrp_cksum_mode_from_name("RFC9568"), VRRP_CKSUM_INVALID);
	assert_int_equal(vrrp_cksum_mode_from_name(NULL), VRRP_CKSUM_INVALID);
}

/* ---- the failover capture through a backup's state machine ---- */

struct replay {
	int to_master, to_backup, adverts, announces;
	enum vrrp_reason last_why;
	uint64_t master_at;
};

static struct replay rp;

static void rp_send(struct vrrp_fsm *f, uint8_t prio)
{
	rp.adverts++;
}

static void rp_vips(struct vrrp_fsm *f, bool up)
{
}

static void rp_announce(struct vrrp_fsm *f)
{
	rp.announces++;
}

static void rp_notify(struct vrrp_fsm *f, enum vrrp_state from, enum vrrp_state to,
		      enum vrrp_reason why)
{
	rp.to_master += to == VRRP_STATE_MASTER;
	rp.to_backup += to == VRRP_STATE_BACKUP;
	rp.last_why = why;
}

static void rp_report(struct vrrp_fsm *f, enum vrrp_vgmp_event ev)
{
	fail_msg("an unbound group reported to vgmpd");
}

static void rp_mismatch(struct vrrp_fsm *f, const struct vrrp_advert *a, const struct hs_addr *s)
{
	fail_msg("address list mismatch in the capture");
}

static const struct vrrp_fsm_ops rp_ops = {
	.send_advert = rp_send,
	.set_vips = rp_vips,
	.announce = rp_announce,
	.notify = rp_notify,
	.report_to_vgmp = rp_report,
	.addr_mismatch = rp_mismatch,
};

/* R2 (192.0.2.2, priority 100) hears R1's adverts, then R1's priority 0: it must take over after
 * Skew_Time = (256 - 100) * 100 / 256 = 60 cs, before keepalived's first advert as R2 (frame 11,
 * 610 ms after frame 10); its own adverts come back and are dropped as such. */
static void test_failover_replay(void **state)
{
	struct capture cap;
	struct vrrp_fsm f;
	struct vrrp_params p = {
		.vrid = 51,
		.version = 3,
		.family = AF_INET,
		.priority = 100,
		.interval_cs = 100,
		.preempt = true,
		.primary = addr(R2),
		.n_vips = 1,
		.vips = { addr("192.0.2.254") },
	};
	memset(&rp, 0, sizeof(rp));
	pcap_load("vrrp_v3_failover_with_garp.pcap", &cap);
	assert_int_equal(vrrp_fsm_init(&f, &p, &rp_ops, NULL), 0);
	assert_int_equal(vrrp_fsm_startup(&f, cap.f[0].ts_ms - 1), 0);
	assert_int_equal(f.state, VRRP_STATE_BACKUP);

	uint64_t prio0_at = 0;
	for (size_t i = 0; i < cap.n; i++) {
		const struct frame *fr = &cap.f[i];
		uint64_t at = vrrp_fsm_next_deadline(&f);
		if (at <= fr->ts_ms) {
			enum vrrp_state was = f.state;
			vrrp_fsm_timer(&f, at);
			if (was != VRRP_STATE_MASTER && f.state == VRRP_STATE_MASTER)
				rp.master_at = at;
		}
		if (fr->proto != VRRP_IPPROTO)
			continue;
		enum vrrp_drop d = vrrp_fsm_receive(&f, fr->payload, fr->len, &fr->ip, fr->ts_ms);
		bool own = hs_addr_equal(&fr->ip.src, &p.primary);
		assert_int_equal(d, own ? VRRP_DROP_OWN : VRRP_DROP_NONE);
		if (!own && fr->payload[2] == 0)
			prio0_at = fr->ts_ms;
	}
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_int_equal(rp.to_backup, 1);
	assert_int_equal(rp.to_master, 1);
	assert_int_equal(rp.last_why, VRRP_REASON_MASTER_RESIGNED);
	assert_int_equal(rp.master_at, prio0_at + 600);
	assert_true(rp.master_at <= cap.f[10].ts_ms); /* frame 11: R2's first advert */
	assert_int_equal(rp.announces, 1);
	assert_int_equal(f.counters.drops[VRRP_DROP_OWN], 4);
	assert_int_equal(f.counters.rx_adverts, 5);
	assert_int_equal(f.counters.rx_prio0, 1);
	assert_int_equal(f.master_adver_interval_cs, 100);
	pcap_free(&cap);
}

/* Unicast peers: only they are heard, and whatever their TTL (routed peers); no peers, the
 * multicast rule stands. */
static void test_unicast_admit(void **state)
{
	struct hs_addr peers[2], other;
	assert_int_equal(hs_addr_parse("192.0.2.3", &peers[0]), 0);
	assert_int_equal(hs_addr_parse("198.51.100.3", &peers[1]), 0);
	assert_int_equal(hs_addr_parse("192.0.2.9", &other), 0);
	struct vrrp_ipinfo ip = { .src = peers[1], .dst = peers[0], .ttl = 62 }, out;
	assert_int_equal(vrrp_unicast_admit(peers, 2, &ip, &out), VRRP_DROP_NONE);
	assert_int_equal(out.ttl, VRRP_TTL);
	assert_true(hs_addr_equal(&out.src, &peers[1]));
	ip.src = other;
	assert_int_equal(vrrp_unicast_admit(peers, 2, &ip, &out), VRRP_DROP_NOT_PEER);
	assert_string_equal(vrrp_drop_name(VRRP_DROP_NOT_PEER), "not-a-peer");
	assert_int_equal(vrrp_unicast_admit(NULL, 0, &ip, &out), VRRP_DROP_NONE);
	assert_int_equal(out.ttl, 62); /* decode then drops it as ttl-not-255 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_v3),
		cmocka_unit_test(test_golden_v2),
		cmocka_unit_test(test_golden_v3_ipv6),
		cmocka_unit_test(test_golden_v3_vmac),
		cmocka_unit_test(test_golden_v3_unicast),
		cmocka_unit_test(test_golden_failover),
		cmocka_unit_test(test_v3_packet1_tshark),
		cmocka_unit_test(test_unicast_pseudo_header_uses_real_destination),
		cmocka_unit_test(test_failover_garps),
		cmocka_unit_test(test_truncation_every_byte),
		cmocka_unit_test(test_every_decoder_drop),
		cmocka_unit_test(test_v3_reserved_bits_ignored),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_max_addresses),
		cmocka_unit_test(test_checksum_odd_length),
		cmocka_unit_test(test_addrs_match),
		cmocka_unit_test(test_addr_helpers),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_unicast_admit),
		cmocka_unit_test(test_failover_replay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
