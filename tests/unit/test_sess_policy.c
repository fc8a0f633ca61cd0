/* Session sync policy: what is never synced, the hold timeout an entry of the peer's is written
 * with, and the timeout it gets back at takeover. */
#include <netinet/in.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sess_policy.h"

#define HRP_PORT 18514

static struct hs_sess v4(uint8_t proto, const char *src, const char *dst, uint16_t sport,
			 uint16_t dport)
{
	struct hs_sess s = { .family = AF_INET, .l4proto = proto, .op = HS_SESS_NEW };
	unsigned a[4], b[4];
	assert_int_equal(sscanf(src, "%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]), 4);
	assert_int_equal(sscanf(dst, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]), 4);
	for (int i = 0; i < 4; i++) {
		s.orig.src[i] = (uint8_t)a[i];
		s.orig.dst[i] = (uint8_t)b[i];
	}
	s.orig.sport = sport;
	s.orig.dport = dport;
	hs_sess_tuple_invert(s.family, s.l4proto, &s.orig, &s.reply);
	return s;
}

static void forwarded_flows_are_synced(void **state)
{
	(void)state;
	struct hs_sess_policy p;
	hs_sess_policy_default(&p, HRP_PORT);
	struct hs_sess tcp = v4(IPPROTO_TCP, "192.0.2.10", "203.0.113.130", 40000, 443);
	struct hs_sess udp = v4(IPPROTO_UDP, "192.0.2.10", "203.0.113.130", 40000, 53);
	struct hs_sess icmp = v4(IPPROTO_ICMP, "192.0.2.10", "203.0.113.130", 7, 8 << 8);
	struct hs_sess gre = v4(47, "192.0.2.10", "203.0.113.130", 0, 0);
	assert_int_equal(hs_sess_classify(&p, &tcp), HS_SESS_SYNC);
	assert_int_equal(hs_sess_classify(&p, &udp), HS_SESS_SYNC);
	assert_int_equal(hs_sess_classify(&p, &icmp), HS_SESS_SYNC);
	assert_int_equal(hs_sess_classify(&p, &gre), HS_SESS_SYNC);
}

static void own_control_traffic_is_never_synced(void **state)
{
	(void)state;
	struct hs_sess_policy p;
	hs_sess_policy_default(&p, HRP_PORT);
	struct hs_sess hrp_udp = v4(IPPROTO_UDP, "203.0.113.1", "203.0.113.2", 18514, 18514);
	struct hs_sess hrp_tcp = v4(IPPROTO_TCP, "203.0.113.1", "203.0.113.2", 50123, 18514);
	struct hs_sess hrp_back = v4(IPPROTO_TCP, "203.0.113.2", "203.0.113.1", 18514, 50123);
	struct hs_sess vrrp = v4(112, "192.0.2.2", "224.0.0.18", 0, 0);
	struct hs_sess ospf = v4(89, "198.51.100.1", "198.51.100.2", 0, 0);
	struct hs_sess bgp = v4(IPPROTO_TCP, "198.51.100.1", "198.51.100.2", 33000, 179);
	struct hs_sess bfd = v4(IPPROTO_UDP, "198.51.100.1", "198.51.100.2", 49152, 3784);
	struct hs_sess mcast = v4(IPPROTO_UDP, "192.0.2.10", "239.1.1.1", 5000, 5000);
	struct hs_sess ll = v4(IPPROTO_UDP, "169.254.0.1", "192.0.2.10", 5000, 5000);
	assert_int_equal(hs_sess_classify(&p, &hrp_udp), HS_SESS_SKIP_HRP);
	assert_int_equal(hs_sess_classify(&p, &hrp_tcp), HS_SESS_SKIP_HRP);
	assert_int_equal(hs_sess_classify(&p, &hrp_back), HS_SESS_SKIP_HRP);
	assert_int_equal(hs_sess_classify(&p, &vrrp), HS_SESS_SKIP_CONTROL);
	assert_int_equal(hs_sess_classify(&p, &ospf), HS_SESS_SKIP_CONTROL);
	assert_int_equal(hs_sess_classify(&p, &bgp), HS_SESS_SKIP_CONTROL);
	assert_int_equal(hs_sess_classify(&p, &bfd), HS_SESS_SKIP_CONTROL);
	assert_int_equal(hs_sess_classify(&p, &mcast), HS_SESS_SKIP_LOCALNET);
	assert_int_equal(hs_sess_classify(&p, &ll), HS_SESS_SKIP_LOCALNET);
	/* The same flow on another port is synced: the check is the port, not the address. */
	struct hs_sess web = v4(IPPROTO_TCP, "203.0.113.1", "203.0.113.2", 50123, 8080);
	assert_int_equal(hs_sess_classify(&p, &web), HS_SESS_SYNC);
}

static void ipv6_link_local_and_multicast_are_not_synced(void **state)
{
	(void)state;
	struct hs_sess_policy p;
	hs_sess_policy_default(&p, HRP_PORT);
	struct hs_sess s = { .family = AF_INET6, .l4proto = IPPROTO_UDP };
	s.orig.src[0] = 0x20, s.orig.src[1] = 0x01, s.orig.src[2] = 0x0d, s.orig.src[3] = 0xb8;
	s.orig.dst[0] = 0x20, s.orig.dst[1] = 0x01, s.orig.dst[2] = 0x0d, s.orig.dst[3] = 0xb8;
	s.orig.dst[15] = 1;
	s.orig.sport = 1000, s.orig.dport = 2000;
	assert_int_equal(hs_sess_classify(&p, &s), HS_SESS_SYNC);
	s.orig.dst[0] = 0xff, s.orig.dst[1] = 0x02;
	assert_int_equal(hs_sess_classify(&p, &s), HS_SESS_SKIP_LOCALNET);
	s.orig.dst[0] = 0xfe, s.orig.dst[1] = 0x80;
	assert_int_equal(hs_sess_classify(&p, &s), HS_SESS_SKIP_LOCALNET);
}

static void protocol_filters(void **state)
{
	(void)state;
	struct hs_sess_policy p;
	hs_sess_policy_default(&p, HRP_PORT);
	p.sync_udp = false;
	struct hs_sess udp = v4(IPPROTO_UDP, "192.0.2.10", "203.0.113.130", 40000, 53);
	struct hs_sess tcp = v4(IPPROTO_TCP, "192.0.2.10", "203.0.113.130", 40000, 443);
	assert_int_equal(hs_sess_classify(&p, &udp), HS_SESS_SKIP_FILTER);
	assert_int_equal(hs_sess_classify(&p, &tcp), HS_SESS_SYNC);
	assert_string_equal(hs_sess_verdict_name(HS_SESS_SKIP_FILTER), "filter");
}

static void connections_of_the_box_itself_are_not_synced(void **state)
{
	(void)state;
	struct hs_sess_policy p;
	hs_sess_policy_default(&p, HRP_PORT);
	uint8_t local[3][16] = { { 198, 51, 100, 1 }, { 192, 0, 2, 2 }, { 192, 0, 2, 1 } };
	hs_sess_addrs_sort(local, 3);
	assert_true(memcmp(local[0], local[1], 16) < 0 && memcmp(local[1], local[2], 16) < 0);
	p.local = (const uint8_t(*)[16])local;
	p.n_local = 3;
	/* ssh to the box (its LAN address), and a connection the box opens */
	struct hs_sess ssh = v4(IPPROTO_TCP, "192.0.2.10", "192.0.2.2", 40000, 22);
	struct hs_sess out = v4(IPPROTO_TCP, "198.51.100.1", "203.0.113.130", 40000, 80);
	assert_int_equal(hs_sess_classify(&p, &ssh), HS_SESS_SKIP_LOCAL);
	assert_int_equal(hs_sess_classify(&p, &out), HS_SESS_SKIP_LOCAL);
	/* DNAT from the VIP to a server, and SNAT of a client to the VIP: forwarded */
	struct hs_sess dnat = v4(IPPROTO_TCP, "192.0.2.10", "192.0.2.1", 40000, 8080);
	memcpy(dnat.reply.src, (uint8_t[4]){ 203, 0, 113, 130 }, 4);
	dnat.reply.sport = 80;
	assert_int_equal(hs_sess_classify(&p, &dnat), HS_SESS_SYNC);
	struct hs_sess snat = v4(IPPROTO_TCP, "192.0.2.10", "203.0.113.130", 40000, 80);
	memcpy(snat.reply.dst, (uint8_t[4]){ 192, 0, 2, 1 }, 4);
	assert_int_equal(hs_sess_classify(&p, &snat), HS_SESS_SYNC);
	/* a forwarded flow between two foreign hosts */
	struct hs_sess fwd = v4(IPPROTO_TCP, "192.0.2.10", "203.0.113.130", 40000, 80);
	assert_int_equal(hs_sess_classify(&p, &fwd), HS_SESS_SYNC);
}

/* The peer's own connections routed through this box (the standby reaching a server through the
 * active): the peer would refuse them as its own, so neither box syncs them. */
static void connections_of_the_peer_box_are_not_synced(void **state)
{
	(void)state;
	struct hs_sess_policy p;
	hs_sess_policy_default(&p, HRP_PORT);
	uint8_t local[1][16] = { { 192, 0, 2, 2 } };
	uint8_t peer[2][16] = { { 203, 0, 113, 6 }, { 192, 0, 2, 3 } };
	hs_sess_addrs_sort(peer, 2);
	p.local = (const uint8_t(*)[16])local;
	p.n_local = 1;
	struct hs_sess from_peer = v4(IPPROTO_TCP, "192.0.2.3", "203.0.113.130", 40000, 9031);
	struct hs_sess to_peer = v4(IPPROTO_TCP, "203.0.113.130", "192.0.2.3", 40000, 22);
	assert_int_equal(hs_sess_classify(&p, &from_peer), HS_SESS_SYNC); /* list not told yet */
	p.peer_local = (const uint8_t(*)[16])peer;
	p.n_peer_local = 2;
	assert_int_equal(hs_sess_classify(&p, &from_peer), HS_SESS_SKIP_PEER_LOCAL);
	assert_int_equal(hs_sess_classify(&p, &to_peer), HS_SESS_SKIP_PEER_LOCAL);
	assert_string_equal(hs_sess_verdict_name(HS_SESS_SKIP_PEER_LOCAL), "peer_local");
	/* the peer SNATed to a foreign address, or a foreign host's flow: forwarded */
	struct hs_sess snat = from_peer;
	memcpy(snat.reply.dst, (uint8_t[4]){ 198, 51, 100, 9 }, 4);
	assert_int_equal(hs_sess_classify(&p, &snat), HS_SESS_SYNC);
	struct hs_sess fwd = v4(IPPROTO_TCP, "192.0.2.10", "203.0.113.130", 40000, 80);
	assert_int_equal(hs_sess_classify(&p, &fwd), HS_SESS_SYNC);
	/* our own stays ours */
	struct hs_sess ssh = v4(IPPROTO_TCP, "192.0.2.10", "192.0.2.2", 40000, 22);
	assert_int_equal(hs_sess_classify(&p, &ssh), HS_SESS_SKIP_LOCAL);
}

static void excluded_prefixes_and_protocol_names(void **state)
{
	(void)state;
	struct hs_sess_policy p;
	hs_sess_policy_default(&p, HRP_PORT);
	const char *why = NULL;
	assert_int_equal(hs_sess_prefix_parse("203.0.113.128/25", &p.exclude[0], &why), 0);
	assert_int_equal(hs_sess_prefix_parse("2001:db8::/32", &p.exclude[1], &why), 0);
	p.n_exclude = 2;
	struct hs_sess in = v4(IPPROTO_TCP, "192.0.2.10", "203.0.113.130", 40000, 443);
	struct hs_sess out = v4(IPPROTO_TCP, "192.0.2.10", "203.0.113.127", 40000, 443);
	assert_int_equal(hs_sess_classify(&p, &in), HS_SESS_SKIP_FILTER);
	assert_int_equal(hs_sess_classify(&p, &out), HS_SESS_SYNC);
	struct hs_sess_prefix x;
	assert_int_equal(hs_sess_prefix_parse("192.0.2.1", &x, &why), 0);
	assert_int_equal(x.plen, 32);
	assert_int_equal(hs_sess_prefix_parse("192.0.2.0/33", &x, &why), -1);
	assert_non_null(strstr(why, "0-32"));
	assert_int_equal(hs_sess_prefix_parse("192.0.2.0/", &x, &why), -1);
	assert_int_equal(hs_sess_prefix_parse("not-an-address", &x, &why), -1);
	assert_int_equal(hs_sess_prefix_parse("2001:db8::1/129", &x, &why), -1);

	const char *only_tcp[] = { "tcp" };
	assert_int_equal(hs_sess_policy_protocols(&p, only_tcp, 1, &why), 0);
	struct hs_sess udp = v4(IPPROTO_UDP, "192.0.2.10", "198.51.100.9", 40000, 53);
	struct hs_sess tcp = v4(IPPROTO_TCP, "192.0.2.10", "198.51.100.9", 40000, 443);
	assert_int_equal(hs_sess_classify(&p, &udp), HS_SESS_SKIP_FILTER);
	assert_int_equal(hs_sess_classify(&p, &tcp), HS_SESS_SYNC);
	assert_int_equal(hs_sess_policy_protocols(&p, NULL, 0, &why), 0); /* none: all */
	assert_int_equal(hs_sess_classify(&p, &udp), HS_SESS_SYNC);
	const char *bad[] = { "tcp", "xtp" };
	assert_int_equal(hs_sess_policy_protocols(&p, bad, 2, &why), -1);
	assert_non_null(strstr(why, "tcp, udp"));
}

static void hold_timeouts(void **state)
{
	(void)state;
	struct hs_sess_policy p;
	hs_sess_policy_default(&p, HRP_PORT);
	struct hs_sess tcp = v4(IPPROTO_TCP, "192.0.2.10", "203.0.113.130", 40000, 443);
	tcp.timeout = 431999;
	assert_int_equal(hs_sess_hold_timeout(&p, &tcp), 431999); /* the source's */
	tcp.timeout = 0;
	assert_int_equal(hs_sess_hold_timeout(&p, &tcp), 1); /* never "no timeout" */
	struct hs_sess udp = v4(IPPROTO_UDP, "192.0.2.10", "203.0.113.130", 40000, 53);
	udp.timeout = 25;
	assert_int_equal(hs_sess_hold_timeout(&p, &udp), 3600);
	udp.timeout = 7200;
	assert_int_equal(hs_sess_hold_timeout(&p, &udp), 7200);
}

/* An established TCP entry synced with a short timeout (300 s: data unacknowledged at the
 * source's dump or event) is held as long as the kernel holds one with traffic: the packets
 * that refresh it at the source send no event. Other states keep the source's timeout. */
static void hold_established_like(void **state)
{
	(void)state;
	struct hs_sess_policy p;
	hs_sess_policy_default(&p, HRP_PORT);
	p.tcp_established_s = 86400;
	struct hs_sess tcp = v4(IPPROTO_TCP, "192.0.2.10", "203.0.113.130", 40000, 443);
	tcp.proto_state = 3; /* TCP_CONNTRACK_ESTABLISHED */
	tcp.timeout = 300;
	assert_int_equal(hs_sess_hold_timeout(&p, &tcp), 86400);
	tcp.timeout = 431999; /* the source's is longer: kept */
	assert_int_equal(hs_sess_hold_timeout(&p, &tcp), 431999);
	tcp.proto_state = 7; /* TIME_WAIT: changes with packets, each an event */
	tcp.timeout = 120;
	assert_int_equal(hs_sess_hold_timeout(&p, &tcp), 120);
	struct hs_sess sctp = v4(IPPROTO_SCTP, "192.0.2.10", "203.0.113.130", 40000, 3868);
	sctp.proto_state = 4; /* SCTP_CONNTRACK_ESTABLISHED */
	sctp.timeout = 5;
	assert_int_equal(hs_sess_hold_timeout(&p, &sctp), 210);
	sctp.proto_state = 2; /* COOKIE_WAIT */
	assert_int_equal(hs_sess_hold_timeout(&p, &sctp), 5);
	struct hs_sess dccp = v4(IPPROTO_DCCP, "192.0.2.10", "203.0.113.130", 40000, 5004);
	dccp.proto_state = 4; /* DCCP_CONNTRACK_OPEN */
	dccp.timeout = 60;
	assert_int_equal(hs_sess_hold_timeout(&p, &dccp), 43200);
	/* No DCCP state: a kernel without DCCP tracking (the lab's 6.18) tracks it as generic */
	dccp.proto_state = 0;
	assert_int_equal(hs_sess_hold_timeout(&p, &dccp), 3600);
	dccp.timeout = 3500;
	assert_int_equal(hs_sess_takeover_timeout(&p, &dccp), 600);
	/* A mark-only update carries no state: the entry here keeps its timer. */
	tcp.op = HS_SESS_UPDATE;
	tcp.proto_state = 0;
	tcp.timeout = 300;
	assert_int_equal(hs_sess_hold_timeout(&p, &tcp), 0);
	tcp.op = HS_SESS_NEW; /* a create needs one */
	assert_int_equal(hs_sess_hold_timeout(&p, &tcp), 300);
}

static void takeover_gives_protocol_timeouts_back(void **state)
{
	(void)state;
	struct hs_sess_policy p;
	hs_sess_policy_default(&p, HRP_PORT);
	p.udp_timeout_s = 5;
	p.udp_stream_timeout_s = 7;
	struct hs_sess udp = v4(IPPROTO_UDP, "192.0.2.10", "203.0.113.130", 40000, 53);
	udp.timeout = 3500;
	assert_int_equal(hs_sess_takeover_timeout(&p, &udp), 5);
	udp.status = 0x2; /* IPS_SEEN_REPLY: a stream */
	assert_int_equal(hs_sess_takeover_timeout(&p, &udp), 7);
	udp.timeout = 4; /* already below: left alone */
	assert_int_equal(hs_sess_takeover_timeout(&p, &udp), 0);
	struct hs_sess icmp = v4(IPPROTO_ICMP, "192.0.2.10", "203.0.113.130", 7, 8 << 8);
	icmp.timeout = 3600;
	assert_int_equal(hs_sess_takeover_timeout(&p, &icmp), 30);
	struct hs_sess tcp = v4(IPPROTO_TCP, "192.0.2.10", "203.0.113.130", 40000, 443);
	tcp.timeout = 431999;
	assert_int_equal(hs_sess_takeover_timeout(&p, &tcp), 0); /* per state, synced */
	tcp.proto_state = 3; /* established, held: back to this box's own established timeout */
	p.tcp_established_s = 86400;
	assert_int_equal(hs_sess_takeover_timeout(&p, &tcp), 86400);
	tcp.timeout = 500; /* below it: left alone */
	assert_int_equal(hs_sess_takeover_timeout(&p, &tcp), 0);
	struct hs_sess gre = v4(47, "192.0.2.10", "203.0.113.130", 0, 0);
	gre.timeout = 3600;
	assert_int_equal(hs_sess_takeover_timeout(&p, &gre), 600);
}

/* A box that missed the peer's updates (its data channel held back) makes its TCP entries
 * liberal at takeover; not otherwise, not other protocols, not entries liberal already. */
static void takeover_liberal_after_missed_sync(void **state)
{
	(void)state;
	struct hs_sess tcp = v4(IPPROTO_TCP, "192.0.2.10", "203.0.113.130", 40000, 443);
	tcp.proto_state = 3; /* established */
	assert_false(hs_sess_takeover_liberal(false, &tcp));
	assert_true(hs_sess_takeover_liberal(true, &tcp));
	tcp.tcp_flags[0] = HS_SESS_TCP_LIBERAL; /* one direction only: still to do */
	assert_true(hs_sess_takeover_liberal(true, &tcp));
	tcp.tcp_flags[1] = HS_SESS_TCP_LIBERAL | 0x01; /* both (a synced entry): nothing */
	assert_false(hs_sess_takeover_liberal(true, &tcp));
	tcp.tcp_flags[0] = tcp.tcp_flags[1] = 0;
	tcp.proto_state = 0; /* no protocol part in the entry */
	assert_false(hs_sess_takeover_liberal(true, &tcp));
	struct hs_sess udp = v4(IPPROTO_UDP, "192.0.2.10", "203.0.113.130", 40000, 53);
	assert_false(hs_sess_takeover_liberal(true, &udp));
}

static void tcp_state_filter(void **state)
{
	(void)state;
	struct hs_sess_policy p;
	const char *why = NULL;
	hs_sess_policy_default(&p, HRP_PORT);
	struct hs_sess tcp = v4(IPPROTO_TCP, "192.0.2.10", "203.0.113.130", 40000, 443);
	tcp.proto_state = 1; /* SYN_SENT */
	assert_int_equal(hs_sess_classify(&p, &tcp), HS_SESS_SYNC); /* no filter: every state */

	const char *settled[] = { "established", "fin_wait", "close_wait", "time_wait" };
	assert_int_equal(hs_sess_policy_tcp_states(&p, settled, 4, &why), 0);
	assert_int_equal(hs_sess_classify(&p, &tcp), HS_SESS_SKIP_STATE);
	tcp.proto_state = 2; /* SYN_RECV */
	assert_int_equal(hs_sess_classify(&p, &tcp), HS_SESS_SKIP_STATE);
	tcp.proto_state = 3; /* ESTABLISHED */
	assert_int_equal(hs_sess_classify(&p, &tcp), HS_SESS_SYNC);
	tcp.proto_state = 6; /* LAST_ACK: not listed */
	tcp.op = HS_SESS_UPDATE;
	assert_int_equal(hs_sess_classify(&p, &tcp), HS_SESS_SKIP_STATE);
	/* A destroy carries no state, and a mark-only update none either: both go. */
	tcp.op = HS_SESS_DESTROY;
	assert_int_equal(hs_sess_classify(&p, &tcp), HS_SESS_SYNC);
	tcp.op = HS_SESS_UPDATE;
	tcp.proto_state = 0;
	assert_int_equal(hs_sess_classify(&p, &tcp), HS_SESS_SYNC);
	/* A state number no kernel has (from a peer's record) is outside any set. */
	tcp.proto_state = 200;
	assert_int_equal(hs_sess_classify(&p, &tcp), HS_SESS_SKIP_STATE);
	/* Other protocols are not filtered by TCP state. */
	struct hs_sess sctp = v4(IPPROTO_SCTP, "192.0.2.10", "203.0.113.130", 40000, 443);
	sctp.proto_state = 1;
	assert_int_equal(hs_sess_classify(&p, &sctp), HS_SESS_SYNC);
	assert_string_equal(hs_sess_verdict_name(HS_SESS_SKIP_STATE), "state");

	const char *bad[] = { "established", "ESTABLISHED" };
	assert_int_equal(hs_sess_policy_tcp_states(&p, bad, 2, &why), -1);
	assert_non_null(strstr(why, "syn_sent"));
	assert_int_equal(hs_sess_policy_tcp_states(&p, NULL, 0, &why), 0); /* none: all */
	tcp.proto_state = 1;
	assert_int_equal(hs_sess_classify(&p, &tcp), HS_SESS_SYNC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forwarded_flows_are_synced),
		cmocka_unit_test(own_control_traffic_is_never_synced),
		cmocka_unit_test(ipv6_link_local_and_multicast_are_not_synced),
		cmocka_unit_test(protocol_filters),
		cmocka_unit_test(connections_of_the_box_itself_are_not_synced),
		cmocka_unit_test(connections_of_the_peer_box_are_not_synced),
		cmocka_unit_test(excluded_prefixes_and_protocol_names),
		cmocka_unit_test(hold_timeouts),
		cmocka_unit_test(hold_established_like),
		cmocka_unit_test(takeover_gives_protocol_timeouts_back),
		cmocka_unit_test(takeover_liberal_after_missed_sync),
		cmocka_unit_test(tcp_state_filter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
