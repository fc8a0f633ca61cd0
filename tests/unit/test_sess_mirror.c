/* Mirror session holds: FIFO release by acknowledgement and by deadline, a full ring, conflicts
 * (keys we created lately, the deterministic winner), echoes of our own mirrored changes,
 * taking one hold out, the entry a held packet's headers give in the zones its conntrack
 * attributes give, the wire helpers, and the rules that say which packets are held. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "sess_mirror.h"

static struct hs_mirror m;

static int setup(void **state)
{
	(void)state;
	hs_mirror_init(&m, 5);
	return 0;
}

static void ack_releases_every_hold_up_to_its_token(void **state)
{
	(void)state;
	uint32_t ids[8];
	uint32_t t1 = hs_mirror_token(&m);
	assert_int_equal(hs_mirror_hold(&m, 11, 0xa, 0, true, 100), 0);
	assert_int_equal(hs_mirror_hold(&m, 12, 0xb, 0, true, 100), 0);
	hs_mirror_next_record(&m);
	uint32_t t2 = hs_mirror_token(&m);
	assert_int_not_equal(t1, t2);
	assert_int_equal(hs_mirror_hold(&m, 13, 0xc, 0, true, 101), 0);
	hs_mirror_next_record(&m);
	assert_int_equal(hs_mirror_held(&m), 3);

	assert_int_equal(hs_mirror_ack(&m, t1, ids, 8), 2);
	assert_int_equal(ids[0], 11);
	assert_int_equal(ids[1], 12);
	assert_int_equal(hs_mirror_ack(&m, t1, ids, 8), 0); /* a repeated ack: nothing */
	assert_int_equal(hs_mirror_ack(&m, t2, ids, 8), 1);
	assert_int_equal(ids[0], 13);
	assert_int_equal(hs_mirror_held(&m), 0);
	assert_int_equal(hs_mirror_next_deadline(&m), 0);
}

/* Records are numbered from a seed each session: an ack of a past session still in flight
 * (before the first token, or past the current one) releases nothing. */
static void acks_of_a_past_session_release_nothing(void **state)
{
	(void)state;
	uint32_t ids[4];
	hs_mirror_seed(&m, 0x80000000u);
	assert_int_equal(hs_mirror_token(&m), 0x80000000u);
	assert_int_equal(hs_mirror_hold(&m, 1, 1, 0, true, 10), 0);
	hs_mirror_next_record(&m);
	assert_int_equal(hs_mirror_ack(&m, 5000, ids, 4), 0);        /* a past session's, ahead */
	assert_int_equal(hs_mirror_ack(&m, 0x7fffffffu, ids, 4), 0); /* just before the oldest */
	assert_int_equal(hs_mirror_ack(&m, 0x80000002u, ids, 4), 0); /* past the current record */
	assert_int_equal(hs_mirror_held(&m), 1);
	assert_int_equal(hs_mirror_ack(&m, 0x80000000u, ids, 4), 1);
	assert_int_equal(ids[0], 1);
	hs_mirror_seed(&m, 0); /* 0 is taken as 1 */
	assert_int_equal(hs_mirror_token(&m), 1);
	/* a long session, 2^31 records past its seed: its own acks still count */
	hs_mirror_seed(&m, 100);
	m.next_token = 100u + 0x80000000u + 10u;
	assert_int_equal(hs_mirror_hold(&m, 7, 7, 0, true, 10), 0);
	assert_int_equal(hs_mirror_ack(&m, hs_mirror_token(&m), ids, 4), 1);
	assert_int_equal(ids[0], 7);
}

static void ack_is_bounded_by_max(void **state)
{
	(void)state;
	uint32_t ids[2];
	uint32_t t = hs_mirror_token(&m);
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(hs_mirror_hold(&m, i, i, 0, true, 10), 0);
	assert_int_equal(hs_mirror_ack(&m, t, ids, 2), 2);
	assert_int_equal(ids[1], 1);
	assert_int_equal(hs_mirror_ack(&m, t, ids, 2), 2);
	assert_int_equal(hs_mirror_ack(&m, t, ids, 2), 1);
	assert_int_equal(ids[0], 4);
}

static void tokens_wrap_in_serial_order(void **state)
{
	(void)state;
	uint32_t ids[4];
	hs_mirror_seed(&m, UINT32_MAX);
	assert_int_equal(hs_mirror_hold(&m, 1, 1, 0, true, 10), 0);
	hs_mirror_next_record(&m); /* token 0 now */
	assert_int_equal(hs_mirror_hold(&m, 2, 2, 0, true, 10), 0);
	assert_int_equal(hs_mirror_ack(&m, UINT32_MAX, ids, 4), 1);
	assert_int_equal(ids[0], 1);
	assert_int_equal(hs_mirror_ack(&m, 0, ids, 4), 1);
	assert_int_equal(ids[0], 2);
}

static void deadline_releases_oldest_first(void **state)
{
	(void)state;
	uint32_t ids[4];
	hs_mirror_hold(&m, 1, 1, 0, true, 100);
	hs_mirror_hold(&m, 2, 2, 0, true, 103);
	assert_int_equal(hs_mirror_next_deadline(&m), 105);
	assert_int_equal(hs_mirror_expire(&m, 104, ids, 4), 0);
	assert_int_equal(hs_mirror_expire(&m, 105, ids, 4), 1);
	assert_int_equal(ids[0], 1);
	assert_int_equal(hs_mirror_next_deadline(&m), 108);
	assert_int_equal(hs_mirror_release_all(&m, ids, 4), 1);
	assert_int_equal(ids[0], 2);
}

static void a_full_ring_refuses_and_recovers(void **state)
{
	(void)state;
	uint32_t ids[1];
	for (uint32_t i = 0; i < HS_MIRROR_HOLDS_MAX; i++)
		assert_int_equal(hs_mirror_hold(&m, i, i, 0, true, 10), 0);
	assert_int_equal(hs_mirror_hold(&m, 99999, 1, 0, true, 10), -1);
	assert_int_equal(hs_mirror_expire(&m, 15, ids, 1), 1);
	assert_int_equal(ids[0], 0);
	assert_int_equal(hs_mirror_hold(&m, 99999, 1, 0, true, 10), 0); /* wraps around the ring */
	assert_int_equal(hs_mirror_held(&m), HS_MIRROR_HOLDS_MAX);
}

static void conflicts_are_keys_we_created_lately(void **state)
{
	(void)state;
	uint32_t ids[4];
	assert_int_equal(hs_mirror_conflict(&m, 0x77, 50, true), HS_MIRROR_NO_CONFLICT);
	hs_mirror_hold(&m, 5, 0x77, 1, true, 50);
	assert_int_equal(hs_mirror_conflict(&m, 0x77, 51, true), HS_MIRROR_KEEP_OURS);
	assert_int_equal(hs_mirror_conflict(&m, 0x77, 51, false), HS_MIRROR_TAKE_THEIRS);
	assert_int_equal(hs_mirror_ack(&m, hs_mirror_token(&m), ids, 4), 1);
	/* Released, but still ours for a while after it was mirrored. */
	assert_true(hs_mirror_is_ours(&m, 0x77, 50 + m.recent_ms));
	assert_false(hs_mirror_is_ours(&m, 0x77, 51 + m.recent_ms));
	assert_false(hs_mirror_is_ours(&m, 0x78, 51));
	/* Other keys of its set fill the other ways: the memory stays. One more, and the oldest
	 * goes (counted): no false conflict either way. */
	for (unsigned w = 1; w < HS_MIRROR_SEEN_WAYS; w++)
		hs_mirror_hold(&m, 6 + w, 0x77 + w * HS_MIRROR_SEEN_SETS, 1, true, 60 + w);
	assert_true(hs_mirror_is_ours(&m, 0x77, 70));
	assert_int_equal(m.seen_evicted, 0);
	hs_mirror_hold(&m, 20, 0x77 + HS_MIRROR_SEEN_WAYS * HS_MIRROR_SEEN_SETS, 1, true, 70);
	assert_false(hs_mirror_is_ours(&m, 0x77, 71));
	assert_int_equal(m.seen_evicted, 1);
	assert_true(hs_mirror_is_ours(&m, 0x77 + HS_MIRROR_SEEN_SETS, 71));
}

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* s43's burst, five times over: 1,000 flows held at once, each flow's new-entry event read after
 * all of them were mirrored. Direct-mapped, ~5 of them had lost their memory by then. */
static void a_burst_of_new_flows_keeps_every_memory(void **state)
{
	(void)state;
	uint64_t x = 43, keys[1000];
	for (unsigned i = 0; i < 1000; i++)
		hs_mirror_hold(&m, i, keys[i] = splitmix(&x), 1, true, 100);
	unsigned echoes = 0;
	for (unsigned i = 0; i < 1000; i++)
		echoes += hs_mirror_echo(&m, keys[i], true, 1, 105);
	assert_int_equal(echoes, 1000);
	assert_int_equal(m.seen_evicted, 0);
}

/* The peer mirrored a flow's creation to us; its own sync then sends that creation again (its
 * echo it did not recognise): that record is known, and only that one. */
static void the_peers_echo_is_known(void **state)
{
	(void)state;
	hs_mirror_peer_new(&m, 0xc3, 1, 200);
	assert_true(hs_mirror_peer_echo(&m, 0xc3, 1, 201));
	assert_false(hs_mirror_peer_echo(&m, 0xc3, 3, 201)); /* another state: news */
	assert_false(hs_mirror_peer_echo(&m, 0xc4, 1, 201));
	assert_false(hs_mirror_peer_echo(&m, 0xc3, 1, 201 + m.recent_ms));
	assert_false(hs_mirror_is_ours(&m, 0xc3, 201)); /* the peer's, no conflict */
	assert_false(hs_mirror_echo(&m, 0xc3, true, 1, 201)); /* nor our echo */
	/* We create the tuple ourselves afterwards: ours, and no longer the peer's echo. */
	hs_mirror_hold(&m, 9, 0xc3, 1, true, 300);
	assert_true(hs_mirror_is_ours(&m, 0xc3, 301));
	assert_false(hs_mirror_peer_echo(&m, 0xc3, 1, 301));
}

static void echoes_are_the_changes_a_record_carried(void **state)
{
	(void)state;
	hs_mirror_hold(&m, 1, 0xa1, 1, true, 100);  /* a SYN: created, SYN_SENT */
	hs_mirror_hold(&m, 2, 0xb2, 2, false, 100); /* a SYN-ACK: SYN_RECV of an entry we had */
	assert_true(hs_mirror_echo(&m, 0xa1, true, 1, 101));   /* the kernel's new-entry event */
	assert_false(hs_mirror_echo(&m, 0xa1, false, 1, 101)); /* an update is progress */
	assert_false(hs_mirror_echo(&m, 0xa1, true, 3, 101));  /* another state */
	assert_true(hs_mirror_echo(&m, 0xb2, false, 2, 101));
	assert_false(hs_mirror_echo(&m, 0xb2, false, 3, 101)); /* ESTABLISHED: new */
	assert_false(hs_mirror_echo(&m, 0xa1, true, 1, 101 + m.recent_ms));
	assert_false(hs_mirror_is_ours(&m, 0xb2, 101)); /* not created here: no conflict */
}

static void winner_is_the_same_on_both_boxes(void **state)
{
	(void)state;
	assert_true(hs_mirror_we_win("fw1", 9, "fw2", 1));
	assert_false(hs_mirror_we_win("fw2", 1, "fw1", 9));
	/* Equal names: the sender ids decide, and exactly one box wins. */
	assert_true(hs_mirror_we_win("fw", 1, "fw", 2));
	assert_false(hs_mirror_we_win("fw", 2, "fw", 1));
	assert_true(hs_mirror_we_win(NULL, 1, "a", 1));
}

static void take_removes_one_hold_and_keeps_the_order(void **state)
{
	(void)state;
	uint32_t ids[4], id = 0;
	hs_mirror_hold(&m, 1, 0x10, 0, true, 10);
	hs_mirror_hold(&m, 2, 0x20, 0, true, 10);
	hs_mirror_hold(&m, 3, 0x30, 0, true, 10);
	hs_mirror_hold(&m, 4, 0x40, 2, false, 10); /* not created here: never taken */
	assert_false(hs_mirror_take(&m, 0x99, &id));
	assert_false(hs_mirror_take(&m, 0x40, &id));
	assert_true(hs_mirror_take(&m, 0x20, &id));
	assert_int_equal(id, 2);
	assert_false(hs_mirror_is_ours(&m, 0x20, 12)); /* the peer's now */
	assert_int_equal(hs_mirror_release_all(&m, ids, 4), 3);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 3);
	assert_int_equal(ids[2], 4);
	/* Released keys are ours for a while, until taken. */
	assert_true(hs_mirror_is_ours(&m, 0x30, 13));
	assert_false(hs_mirror_take(&m, 0x30, &id));
	assert_false(hs_mirror_is_ours(&m, 0x30, 13));
}

/* ---- the entry of a held packet ---- */

static size_t ip4(uint8_t *p, uint8_t proto, const uint8_t *l4, size_t n)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[6] = 0x40; /* DF */
	p[9] = proto;
	memcpy(p + 12, (uint8_t[]){ 192, 0, 2, 100 }, 4);
	memcpy(p + 16, (uint8_t[]){ 203, 0, 113, 130 }, 4);
	memcpy(p + 20, l4, n);
	return 20 + n;
}

static const uint8_t syn[] = {
	0x9c, 0x40, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x80, 0x02, 0xff, 0xff, 0, 0, 0, 0,
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x01, 0x03, 0x03, 0x07, 0x00, 0x00, /* MSS SACK NOP WS7 */
};

static void a_syn_creates_syn_sent_with_its_window_scale(void **state)
{
	(void)state;
	uint8_t p[128];
	struct hs_sess s;
	size_t n = ip4(p, IPPROTO_TCP, syn, sizeof(syn));
	assert_int_equal(hs_mirror_packet_entry(p, n, &s), 0);
	assert_int_equal(s.op, HS_SESS_NEW);
	assert_int_equal(s.family, AF_INET);
	assert_int_equal(s.l4proto, IPPROTO_TCP);
	assert_int_equal(s.orig.sport, 40000);
	assert_int_equal(s.orig.dport, 443);
	assert_memory_equal(s.reply.src, p + 16, 4);
	assert_int_equal(s.reply.dport, 40000);
	assert_int_equal(s.proto_state, 1); /* SYN_SENT */
	assert_int_equal(s.wscale[0], 7);
	assert_int_equal(s.tcp_flags[0], 0x03); /* window scale, SACK permitted */
	assert_int_equal(s.timeout, 120);
	/* Headers cut in the options: the fixed part is enough, the options are not read. */
	assert_int_equal(hs_mirror_packet_entry(p, 20 + 24, &s), 0);
	assert_int_equal(s.tcp_flags[0], 0);
	assert_int_equal(hs_mirror_packet_entry(p, 20 + 19, &s), -1);
}

static void a_syn_ack_updates_the_entry_of_the_other_direction(void **state)
{
	(void)state;
	uint8_t p[128], sa[20];
	struct hs_sess s;
	memcpy(sa, syn, 20);
	sa[13] = 0x12;
	size_t n = ip4(p, IPPROTO_TCP, sa, sizeof(sa));
	assert_int_equal(hs_mirror_packet_entry(p, n, &s), 0);
	assert_int_equal(s.op, HS_SESS_UPDATE);
	assert_memory_equal(s.orig.src, p + 16, 4); /* the SYN-ACK's destination began it */
	assert_int_equal(s.orig.sport, 443);
	assert_int_equal(s.orig.dport, 40000);
	assert_int_equal(s.proto_state, 2); /* SYN_RECV */
	assert_int_equal(s.status & 0x02, 0x02); /* seen reply */
}

static void udp_and_icmp_echo_are_held_the_rest_is_not(void **state)
{
	(void)state;
	uint8_t p[128];
	struct hs_sess s;
	const uint8_t udp[8] = { 0x13, 0x88, 0x00, 0x35, 0, 8, 0, 0 };
	size_t n = ip4(p, IPPROTO_UDP, udp, sizeof(udp));
	assert_int_equal(hs_mirror_packet_entry(p, n, &s), 0);
	assert_int_equal(s.orig.sport, 5000);
	assert_int_equal(s.orig.dport, 53);
	p[6] = 0x20; /* more fragments */
	assert_int_equal(hs_mirror_packet_entry(p, n, &s), -1);

	const uint8_t echo[8] = { 8, 0, 0, 0, 0x12, 0x34, 0, 1 };
	n = ip4(p, IPPROTO_ICMP, echo, sizeof(echo));
	assert_int_equal(hs_mirror_packet_entry(p, n, &s), 0);
	assert_int_equal(s.orig.sport, 0x1234);
	assert_int_equal(s.orig.dport, 8 << 8);
	assert_int_equal(s.reply.dport, 0); /* echo reply */
	const uint8_t unreach[8] = { 3, 1, 0, 0, 0, 0, 0, 0 };
	n = ip4(p, IPPROTO_ICMP, unreach, sizeof(unreach));
	assert_int_equal(hs_mirror_packet_entry(p, n, &s), -1);
	n = ip4(p, 47 /* GRE */, udp, sizeof(udp));
	assert_int_equal(hs_mirror_packet_entry(p, n, &s), -1);
	assert_int_equal(hs_mirror_packet_entry(p, 0, &s), -1);
	/* Shorter than an IPv4 header (found by fuzz_mirror): nothing past the end is read. */
	const uint8_t short4[7] = { 0x45, 0x88, 0x00, 0x01, 0x84, 0x00, 0x71 };
	assert_int_equal(hs_mirror_packet_entry(short4, sizeof(short4), &s), -1);
}

static void ipv6_without_extension_headers(void **state)
{
	(void)state;
	uint8_t p[128] = { 0x60 };
	struct hs_sess s;
	p[6] = IPPROTO_TCP;
	p[8] = 0x20, p[9] = 0x01, p[10] = 0x0d, p[11] = 0xb8, p[23] = 1;
	p[24] = 0x20, p[25] = 0x01, p[26] = 0x0d, p[27] = 0xb8, p[39] = 2;
	memcpy(p + 40, syn, 20);
	assert_int_equal(hs_mirror_packet_entry(p, 60, &s), 0);
	assert_int_equal(s.family, AF_INET6);
	assert_int_equal(s.orig.dst[15], 2);
	assert_int_equal(s.reply.src[15], 2);
	p[6] = 0; /* hop-by-hop options first: not read */
	assert_int_equal(hs_mirror_packet_entry(p, 60, &s), -1);
	assert_int_equal(hs_mirror_packet_entry(p, 39, &s), -1);
}

/* A SYN of a flow in zone 5 (or an original-direction zone 7 and a reply zone 9): the held
 * entry takes the zones hrpd read from the queue's conntrack attributes, so its key is the one
 * of the kernel's event of that entry (which says the zones), and the event is the hold's echo.
 * Without the attributes (a kernel without the conntrack glue) the entry stays in zone 0. */
static void a_held_entry_has_its_zones(void **state)
{
	(void)state;
	static const struct hs_mirror_zones cases[] = {
		{ true, 5, { 0, 0 } },  /* a zone of both directions */
		{ true, 0, { 7, 0 } },  /* ct original zone set 7 */
		{ true, 0, { 0, 9 } },  /* ct reply zone set 9 */
		{ true, 0, { 7, 9 } },  /* both */
		{ false, 5, { 7, 9 } }, /* no attributes: ignored */
	};
	uint8_t p[128];
	size_t n = ip4(p, IPPROTO_TCP, syn, sizeof(syn));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hs_mirror_zones *z = &cases[i];
		struct hs_sess s, event;
		hs_mirror_init(&m, 5);
		assert_int_equal(hs_mirror_packet_entry(p, n, &s), 0);
		hs_mirror_entry_zones(&s, z);
		/* the kernel's new-entry event: the same entry, in its zones */
		assert_int_equal(hs_mirror_packet_entry(p, n, &event), 0);
		if (z->known) {
			event.zone = z->zone;
			event.zone_dir[0] = z->dir[0];
			event.zone_dir[1] = z->dir[1];
		}
		assert_int_equal(hs_mirror_hold(&m, 1, hs_sess_key_hash(&s), 1, true, 100), 0);
		if (!hs_mirror_echo(&m, hs_sess_key_hash(&event), true, 1, 101))
			fail_msg("case %zu: the event of the held entry is not its echo", i);
		assert_int_equal(s.zone, event.zone);
		assert_int_equal(s.zone_dir[0], event.zone_dir[0]);
		assert_int_equal(s.zone_dir[1], event.zone_dir[1]);
		if (!z->known)
			continue;
		/* the same tuple in zone 0 is another entry */
		struct hs_sess plain = event;
		plain.zone = plain.zone_dir[0] = plain.zone_dir[1] = 0;
		assert_false(hs_mirror_echo(&m, hs_sess_key_hash(&plain), true, 1, 101));
	}
}

static void wire_helpers(void **state)
{
	(void)state;
	uint8_t b[8];
	uint32_t t = 0;
	hs_mirror_new_header(b, 0x01020304);
	assert_int_equal(b[0], HS_MIRROR_REC_NEW);
	assert_int_equal(hs_mirror_parse(b, HS_MIRROR_NEW_HDR + 1, HS_MIRROR_REC_NEW, &t), 0);
	assert_int_equal(t, 0x01020304);
	assert_int_equal(hs_mirror_parse(b, 4, HS_MIRROR_REC_NEW, &t), -1);
	assert_int_equal(hs_mirror_ack_encode(b, 4, 7), 0);
	assert_int_equal(hs_mirror_ack_encode(b, sizeof(b), 7), 5);
	assert_int_equal(hs_mirror_parse(b, 5, HS_MIRROR_REC_ACK, &t), 0);
	assert_int_equal(t, 7);
	assert_int_equal(hs_mirror_parse(b, 6, HS_MIRROR_REC_ACK, &t), -1); /* trailing bytes */
	assert_int_equal(hs_mirror_parse(b, 5, HS_MIRROR_REC_NEW, &t), -1); /* another kind */
}

/* The hold rules, read back by a matcher of the few iptables matches they use: does a
 * forwarded, un-NATed packet of this protocol, TCP flags (SYN 0x02, ACK 0x10, FIN 0x01, RST
 * 0x04), conntrack state and direction go to the queue? */
#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_ACK 0x10

static unsigned tcp_flag_bits(const char *list)
{
	unsigned v = 0;
	v |= strstr(list, "SYN") ? F_SYN : 0;
	v |= strstr(list, "ACK") ? F_ACK : 0;
	v |= strstr(list, "FIN") ? F_FIN : 0;
	v |= strstr(list, "RST") ? F_RST : 0;
	return v;
}

static bool rule_queues(char *line, const char *proto, unsigned flags, const char *ctstate,
			const char *ctdir)
{
	bool neg = false, queued = false;
	char *save = NULL;
	for (char *w = strtok_r(line, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (strcmp(w, "!") == 0) {
			neg = true;
			continue;
		}
		if (strcmp(w, "-p") == 0) {
			if (strcmp(strtok_r(NULL, " ", &save), proto) != 0)
				return false;
		} else if (strcmp(w, "--tcp-flags") == 0) {
			unsigned mask = tcp_flag_bits(strtok_r(NULL, " ", &save));
			unsigned comp = tcp_flag_bits(strtok_r(NULL, " ", &save));
			if ((flags & mask) != comp)
				return false;
		} else if (strcmp(w, "--ctstate") == 0) {
			const char *v = strtok_r(NULL, " ", &save);
			if (!neg && !strstr(v, ctstate))
				return false; /* "! SNAT,DNAT": the packet is not NATed */
		} else if (strcmp(w, "--ctdir") == 0) {
			if (strcmp(strtok_r(NULL, " ", &save), ctdir) != 0)
				return false;
		} else if (strcmp(w, "--icmp-type") == 0 || strcmp(w, "--icmpv6-type") == 0) {
			strtok_r(NULL, " ", &save); /* echo requests only: not asked here */
		} else if (strcmp(w, "NFQUEUE") == 0) {
			queued = true;
		}
		neg = false;
	}
	return queued;
}

static bool held(const char *rules, const char *proto, unsigned flags, const char *ctstate,
		 const char *ctdir)
{
	char copy[2048];
	snprintf(copy, sizeof(copy), "%s", rules);
	char *save = NULL;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (strncmp(l, "-A HS-TEST ", 11) == 0 &&
		    rule_queues(l, proto, flags, ctstate, ctdir))
			return true;
	return false;
}

static void rules_hold_new_flows_syns_of_old_entries_and_syn_acks(void **state)
{
	(void)state;
	char r[2048];
	assert_true(hs_mirror_rules(r, sizeof(r), false, 7, "HS-TEST") > 0);
	assert_non_null(strstr(r, "*mangle\n:HS-TEST - [0:0]\n"));
	assert_non_null(strstr(r, "-A POSTROUTING -j HS-TEST\nCOMMIT\n"));
	/* A new flow's SYN, a SYN-ACK, a new UDP flow. */
	assert_true(held(r, "tcp", F_SYN, "NEW", "ORIGINAL"));
	assert_true(held(r, "tcp", F_SYN | F_ACK, "ESTABLISHED", "REPLY"));
	assert_true(held(r, "udp", 0, "NEW", "ORIGINAL"));
	/* A SYN that met an older entry of its tuple with a reply seen (a reused port): conntrack
	 * passes it as part of that entry. Unheld, the peer never hears of the new connection and
	 * drops its SYN-ACK (the s43 flake). */
	assert_true(held(r, "tcp", F_SYN, "ESTABLISHED", "ORIGINAL"));
	/* The flow's other packets are not held. */
	assert_false(held(r, "tcp", F_ACK, "ESTABLISHED", "ORIGINAL"));
	assert_false(held(r, "tcp", F_ACK, "ESTABLISHED", "REPLY"));
	assert_false(held(r, "tcp", F_FIN | F_ACK, "ESTABLISHED", "ORIGINAL"));
	assert_false(held(r, "tcp", F_SYN | F_RST, "ESTABLISHED", "ORIGINAL"));
	assert_false(held(r, "udp", 0, "ESTABLISHED", "ORIGINAL"));
	assert_non_null(strstr(r, "-p icmp -m icmp --icmp-type echo-request"));
	/* Every rule: forwarded packets only, no NATed flow, to queue 7, bypassed without hrpd. */
	char copy[2048], *save = NULL;
	snprintf(copy, sizeof(copy), "%s", r);
	unsigned n = 0;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "-A HS-TEST ", 11) != 0)
			continue;
		n++;
		assert_non_null(strstr(l, "-m addrtype ! --src-type LOCAL"));
		assert_non_null(strstr(l, "! --ctstate SNAT,DNAT"));
		assert_non_null(strstr(l, "-j NFQUEUE --queue-num 7 --queue-bypass"));
	}
	assert_int_equal(n, 5);

	assert_true(hs_mirror_rules(r, sizeof(r), true, 7, "HS-TEST") > 0);
	assert_non_null(strstr(r, "-p ipv6-icmp -m icmp6 --icmpv6-type echo-request"));
	assert_true(held(r, "tcp", F_SYN, "ESTABLISHED", "ORIGINAL"));
	assert_int_equal(hs_mirror_rules(r, 64, false, 7, "HS-TEST"), -1); /* does not fit */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(ack_releases_every_hold_up_to_its_token, setup),
		cmocka_unit_test_setup(acks_of_a_past_session_release_nothing, setup),
		cmocka_unit_test_setup(ack_is_bounded_by_max, setup),
		cmocka_unit_test_setup(tokens_wrap_in_serial_order, setup),
		cmocka_unit_test_setup(deadline_releases_oldest_first, setup),
		cmocka_unit_test_setup(a_full_ring_refuses_and_recovers, setup),
		cmocka_unit_test_setup(conflicts_are_keys_we_created_lately, setup),
		cmocka_unit_test_setup(echoes_are_the_changes_a_record_carried, setup),
		cmocka_unit_test_setup(a_burst_of_new_flows_keeps_every_memory, setup),
		cmocka_unit_test_setup(the_peers_echo_is_known, setup),
		cmocka_unit_test_setup(winner_is_the_same_on_both_boxes, setup),
		cmocka_unit_test_setup(take_removes_one_hold_and_keeps_the_order, setup),
		cmocka_unit_test(a_syn_creates_syn_sent_with_its_window_scale),
		cmocka_unit_test(a_syn_ack_updates_the_entry_of_the_other_direction),
		cmocka_unit_test(udp_and_icmp_echo_are_held_the_rest_is_not),
		cmocka_unit_test(ipv6_without_extension_headers),
		cmocka_unit_test(a_held_entry_has_its_zones),
		cmocka_unit_test_setup(wire_helpers, setup),
		cmocka_unit_test(rules_hold_new_flows_syns_of_old_entries_and_syn_acks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
