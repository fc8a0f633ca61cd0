/* What the mirror session holds, as the iptables-restore input of hrpd's chain (sess_mirror.h).
 *
 * Held (queued to hrpd), forwarded packets only (the source is not one of ours) and no NATed
 * flow (its tuples are not in the headers at POSTROUTING; it is synced in real time, unheld):
 *   - a packet that creates an entry (conntrack state NEW): TCP, UDP, ICMP echo;
 *   - a TCP SYN that conntrack took for a packet of an entry it already had, one with a reply
 *     seen (state ESTABLISHED, original direction): a client that reuses the port of an older
 *     connection whose entry is still here (SYN_RECV of a failed attempt, a closing state) and
 *     not on the peer. conntrack lets such a SYN pass without a new entry ("ignored": it waits
 *     for the SYN-ACK to tell), so it is no NEW packet; unheld and unmirrored, the peer, which
 *     sees the SYN-ACK, has no entry, drops it as invalid, and every retransmission meets the
 *     same (s43: 47 of 200 flows, the CI flake's 4). Mirrored as any SYN, the peer's entry of
 *     the tuple becomes this connection's;
 *   - a TCP SYN-ACK, which moves an entry to SYN_RECV (the box that saw the SYN needs that
 *     state before the client's ACK arrives there).
 * --queue-bypass: packets pass when no hrpd is bound to the queue. */
#include <stdio.h>

#include "sess_mirror.h"

int hs_mirror_rules(char *buf, size_t len, bool v6, uint16_t queue, const char *chain)
{
	char q[64], fwd[96];
	snprintf(q, sizeof(q), "-j NFQUEUE --queue-num %u --queue-bypass", queue);
	snprintf(fwd, sizeof(fwd), "-A %s -m addrtype ! --src-type LOCAL", chain);
	const char *plain = "-m conntrack ! --ctstate SNAT,DNAT";
	int n = snprintf(
		buf, len,
		"*mangle\n"
		":%s - [0:0]\n"
		"%s -p tcp -m conntrack --ctstate NEW %s %s\n"
		"%s -p tcp --tcp-flags SYN,ACK,FIN,RST SYN -m conntrack --ctstate ESTABLISHED "
		"--ctdir ORIGINAL %s %s\n"
		"%s -p udp -m conntrack --ctstate NEW %s %s\n"
		"%s -p %s -m %s --%s-type echo-request -m conntrack --ctstate NEW %s %s\n"
		"%s -p tcp --tcp-flags SYN,ACK SYN,ACK -m conntrack --ctdir REPLY %s %s\n"
		"-A POSTROUTING -j %s\n"
		"COMMIT\n",
		chain, fwd, plain, q, fwd, plain, q, fwd, plain, q, fwd, v6 ? "ipv6-icmp" : "icmp",
		v6 ? "icmp6" : "icmp", v6 ? "icmpv6" : "icmp", plain, q, fwd, plain, q, chain);
	return n < 0 || (size_t)n >= len ? -1 : n;
}
