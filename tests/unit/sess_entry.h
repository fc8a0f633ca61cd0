/* The entry the session tests start from: an established IPv4 TCP entry
 * 192.0.2.1:sport -> 198.51.100.7:443 without NAT (the reply the inverse), op NEW, seen reply and
 * assured, 300 s. Each test changes what it is about. */
#ifndef TEST_SESS_ENTRY_H
#define TEST_SESS_ENTRY_H

#include <linux/netfilter/nf_conntrack_common.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "hrp_session.h"

static inline struct hs_sess test_tcp4_entry(uint16_t sport)
{
	struct hs_sess s;
	memset(&s, 0, sizeof(s));
	s.op = HS_SESS_NEW;
	s.family = AF_INET;
	s.l4proto = IPPROTO_TCP;
	memcpy(s.orig.src, (uint8_t[]){ 192, 0, 2, 1 }, 4);
	memcpy(s.orig.dst, (uint8_t[]){ 198, 51, 100, 7 }, 4);
	s.orig.sport = sport;
	s.orig.dport = 443;
	hs_sess_tuple_invert(s.family, s.l4proto, &s.orig, &s.reply);
	s.status = IPS_SEEN_REPLY | IPS_ASSURED;
	s.timeout = 300;
	s.proto_state = 3; /* TCP_CONNTRACK_ESTABLISHED */
	return s;
}

#endif
