/* VRRP raw sockets, gratuitous ARP and unsolicited NA. */
#include "socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

void vrrpd_group_addr(int family, struct hs_addr *out)
{
	/* Parsed once: every advert asks, and parsing was a fifth of its instructions (callgrind,
	 * bench/vrrp_callgrind.py). */
	static struct hs_addr v4, v6;
	static bool parsed;
	if (!parsed) {
		hs_addr_parse("224.0.0.18", &v4);
		hs_addr_parse("ff02::12", &v6);
		parsed = true;
	}
	*out = family == AF_INET6 ? v6 : v4;
}

static int fail(int fd)
{
	int r = -errno;
	close(fd);
	return r;
}

static int bind_dev(int fd, int ifindex)
{
	char name[IF_NAMESIZE];
	if (!if_indextoname((unsigned)ifindex, name))
		return -1;
	return setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, (socklen_t)strlen(name) + 1);
}

int vrrpd_sock_rx_open(int family, int ifindex, int fd)
{
	if (fd >= 0)
		return fd;
	fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRPD_PROTO);
	if (fd < 0)
		return -errno;
	int one = 1;
	if (bind_dev(fd, ifindex) < 0)
		return fail(fd);
	if (family == AF_INET) {
		struct ip_mreqn m = { .imr_ifindex = ifindex };
		inet_pton(AF_INET, "224.0.0.18", &m.imr_multiaddr);
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)) < 0)
			return fail(fd);
	} else {
		struct ipv6_mreq m = { .ipv6mr_interface = (unsigned)ifindex };
		inet_pton(AF_INET6, "ff02::12", &m.ipv6mr_multiaddr);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &m, sizeof(m)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0)
			return fail(fd);
	}
	return fd;
}

int vrrpd_sock_rx_read(int fd, int family, uint8_t *buf, size_t len, struct vrrpd_rx *rx)
{
	struct sockaddr_storage from;
	char control[256];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_name = &from,
			      .msg_namelen = sizeof(from),
			      .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control,
			      .msg_controllen = sizeof(control) };
	ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (msg.msg_flags & MSG_TRUNC) /* longer than any advert: not one */
		return -EBADMSG;
	memset(rx, 0, sizeof(*rx));
	if (family == AF_INET) {
		/* An IPv4 raw socket hands over the IP header too. */
		if ((size_t)n < sizeof(struct ip))
			return -EBADMSG;
		const struct ip *ip = (const struct ip *)buf;
		size_t hl = (size_t)ip->ip_hl * 4;
		if (hl < sizeof(struct ip) || hl > (size_t)n)
			return -EBADMSG;
		rx->src.family = rx->dst.family = AF_INET;
		rx->src.v4 = ip->ip_src;
		rx->dst.v4 = ip->ip_dst;
		rx->ttl = ip->ip_ttl;
		rx->payload = buf + hl;
		rx->len = (size_t)n - hl;
		return 0;
	}
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&from;
	rx->src.family = AF_INET6;
	rx->src.v6 = s6->sin6_addr;
	rx->ttl = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != IPPROTO_IPV6)
			continue;
		if (c->cmsg_type == IPV6_HOPLIMIT)
			memcpy(&rx->ttl, CMSG_DATA(c), sizeof(int));
		if (c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			rx->dst.family = AF_INET6;
			rx->dst.v6 = pi.ipi6_addr;
			rx->ifindex = (int)pi.ipi6_ifindex;
		}
	}
	rx->payload = buf;
	rx->len = (size_t)n;
	return 0;
}

int vrrpd_sock_tx_open(int family, int ifindex, int fd)
{
	if (fd >= 0)
		return fd;
	/* IPv4 sends through IPPROTO_RAW, which receives nothing: a raw socket of protocol 112 per
	 * group would sit in the kernel's raw-socket list that every VRRP packet received on the
	 * machine is checked against (255 groups: 255 sockets per packet). */
	fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    family == AF_INET ? IPPROTO_RAW : VRRPD_PROTO);
	if (fd < 0)
		return -errno;
	int one = 1, zero = 0, hops = 255;
	if (bind_dev(fd, ifindex) < 0)
		return fail(fd);
	if (family == AF_INET) {
		/* We write the IP header: source = the base link's address, TTL 255, TOS CS6. */
		if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero)) < 0)
			return fail(fd);
		struct ip_mreqn m = { .imr_ifindex = ifindex };
		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof(m)) < 0)
			return fail(fd);
	} else {
		int tclass = 0xc0;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof(zero)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)) <
			    0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof(tclass)) < 0)
			return fail(fd);
		/* IPv6 has no IPPROTO_RAW to send through: this socket of protocol 112 gets a copy
		 * of every VRRP packet on its link, which nobody reads. A filter that takes none
		 * keeps it from queueing them (a full buffer for every IPv6 group). */
		struct sock_filter none = BPF_STMT(BPF_RET | BPF_K, 0);
		struct sock_fprog prog = { .len = 1, .filter = &none };
		if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
			return fail(fd);
	}
	return fd;
}

static uint16_t ip_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Sends buf to `to` from src (NULL: the kernel's choice) on ifindex, with IPV6_PKTINFO. */
static int sendmsg6(int fd, int ifindex, const struct in6_addr *src, const struct sockaddr_in6 *to,
		    const void *buf, size_t len)
{
	char control[CMSG_SPACE(sizeof(struct in6_pktinfo))] = { 0 };
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr m = {
		.msg_name = (void *)to, .msg_namelen = sizeof(*to), .msg_iov = &iov, .msg_iovlen = 1
	};
	if (src) {
		m.msg_control = control;
		m.msg_controllen = sizeof(control);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
		struct in6_pktinfo pi = { .ipi6_addr = *src, .ipi6_ifindex = (unsigned)ifindex };
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	ssize_t n = sendmsg(fd, &m, MSG_DONTWAIT);
	return n < 0 ? -errno : 0;
}

/* An ICMPv6 message to all nodes (ff02::1) on ifindex, hop limit 255 as ND requires. */
static int icmp6_all_nodes(int ifindex, const struct in6_addr *src, const void *buf, size_t len)
{
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd < 0)
		return -errno;
	int hops = 255;
	setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
	setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex));
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)ifindex };
	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	int r = sendmsg6(fd, ifindex, src, &to, buf, len);
	close(fd);
	return r;
}

int vrrpd_sock_send(int fd, int family, int ifindex, const struct hs_addr *src,
		    const struct hs_addr *dst, const uint8_t *msg, size_t len)
{
	ssize_t n;
	if (family == AF_INET) {
		uint8_t pkt[sizeof(struct ip) + 1500];
		if (len > 1500)
			return -EMSGSIZE;
		struct ip *ip = (struct ip *)pkt;
		memset(ip, 0, sizeof(*ip));
		ip->ip_v = 4;
		ip->ip_hl = 5;
		ip->ip_tos = 0xc0;
		ip->ip_len = htons((uint16_t)(sizeof(*ip) + len));
		ip->ip_ttl = 255;
		ip->ip_p = VRRPD_PROTO;
		ip->ip_src = src->v4;
		ip->ip_dst = dst->v4;
		ip->ip_sum = htons(ip_checksum(ip, sizeof(*ip)));
		memcpy(pkt + sizeof(*ip), msg, len);
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = dst->v4 };
		n = sendto(fd, pkt, sizeof(*ip) + len, MSG_DONTWAIT, (struct sockaddr *)&to,
			   sizeof(to));
		return n < 0 ? -errno : 0;
	}
	struct sockaddr_in6 to = { .sin6_family = AF_INET6,
				   .sin6_addr = dst->v6,
				   .sin6_scope_id = (uint32_t)ifindex };
	/* The source is given per packet: the link-local of the interface, not the kernel's pick.
	 */
	return sendmsg6(fd, ifindex, &src->v6, &to, msg, len);
}

int vrrpd_arp_sock_open(void)
{
	/* Protocol 0: the kernel hooks no receive path to it, so nothing ever queues here. */
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

static int send_garp(int fd, int ifindex, const uint8_t mac[6], const struct hs_addr *vip)
{
	if (fd < 0)
		return fd;
	uint8_t frame[42];
	struct ether_header *eh = (struct ether_header *)frame;
	memset(eh->ether_dhost, 0xff, 6);
	memcpy(eh->ether_shost, mac, 6);
	eh->ether_type = htons(ETH_P_ARP);
	struct arphdr *ah = (struct arphdr *)(frame + sizeof(*eh));
	ah->ar_hrd = htons(ARPHRD_ETHER);
	ah->ar_pro = htons(ETH_P_IP);
	ah->ar_hln = 6;
	ah->ar_pln = 4;
	ah->ar_op = htons(ARPOP_REQUEST);
	uint8_t *p = (uint8_t *)(ah + 1);
	/* Sender and target are both the VIP: every host updates its cache, none answers. */
	memcpy(p, mac, 6);
	memcpy(p + 6, vip->bytes, 4);
	memset(p + 10, 0xff, 6);
	memcpy(p + 16, vip->bytes, 4);
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
				  .sll_ifindex = ifindex,
				  .sll_protocol = htons(ETH_P_ARP),
				  .sll_halen = 6 };
	memset(to.sll_addr, 0xff, 6);
	ssize_t n =
		sendto(fd, frame, sizeof(frame), MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to));
	return n < 0 ? -errno : 0;
}

static int send_na(int ifindex, const uint8_t mac[6], const struct hs_addr *vip)
{
	struct {
		struct nd_neighbor_advert na;
		struct nd_opt_hdr opt;
		uint8_t mac[6];
	} __attribute__((packed)) pkt = { 0 };
	pkt.na.nd_na_type = ND_NEIGHBOR_ADVERT;
	/* Override: caches switch to the new master's MAC at once (RFC 4861 §7.2.6). */
	pkt.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE | ND_NA_FLAG_ROUTER;
	pkt.na.nd_na_target = vip->v6;
	pkt.opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
	pkt.opt.nd_opt_len = 1;
	memcpy(pkt.mac, mac, 6);
	return icmp6_all_nodes(ifindex, NULL, &pkt, sizeof(pkt));
}

int vrrpd_announce(int arp_fd, int family, int ifindex, const uint8_t mac[6],
		   const struct hs_addr *vip)
{
	return family == AF_INET ? send_garp(arp_fd, ifindex, mac, vip)
				 : send_na(ifindex, mac, vip);
}

static bool addr_of(const struct ifaddrs *i, const char *ifname, int family)
{
	return i->ifa_addr && i->ifa_addr->sa_family == family && strcmp(i->ifa_name, ifname) == 0;
}

struct hs_addr *vrrpd_addrs_of(const struct ifaddrs *list, const char *ifname, int family,
			       size_t *n)
{
	size_t count = 0;
	*n = 0;
	for (const struct ifaddrs *i = list; i; i = i->ifa_next)
		count += addr_of(i, ifname, family);
	struct hs_addr *out = count ? calloc(count, sizeof(*out)) : NULL;
	if (!out)
		return NULL;
	for (const struct ifaddrs *i = list; i; i = i->ifa_next) {
		if (!addr_of(i, ifname, family))
			continue;
		struct hs_addr *a = &out[(*n)++];
		a->family = family;
		if (family == AF_INET)
			a->v4 = ((const struct sockaddr_in *)i->ifa_addr)->sin_addr;
		else
			a->v6 = ((const struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
	}
	return out;
}

int vrrpd_link_mac(int ifindex, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	if (!if_indextoname((unsigned)ifindex, ifr.ifr_name))
		return -errno;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int r = ioctl(fd, SIOCGIFHWADDR, &ifr) < 0 ? -errno : 0;
	close(fd);
	if (r == 0)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return r;
}

bool vrrpd_link_running(int ifindex)
{
	struct ifreq ifr = { 0 };
	if (!if_indextoname((unsigned)ifindex, ifr.ifr_name))
		return false;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool up = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_RUNNING);
	close(fd);
	return up;
}

int vrrpd_send_ra(int ifindex, const uint8_t mac[6], const struct hs_addr *src, uint16_t lifetime_s)
{
	struct {
		struct nd_router_advert ra;
		struct nd_opt_hdr opt;
		uint8_t mac[6];
	} __attribute__((packed)) pkt = { 0 };
	pkt.ra.nd_ra_type = ND_ROUTER_ADVERT;
	pkt.ra.nd_ra_curhoplimit = 64;
	pkt.ra.nd_ra_router_lifetime = htons(lifetime_s);
	pkt.opt.nd_opt_type = ND_OPT_SOURCE_LINKADDR;
	pkt.opt.nd_opt_len = 1;
	memcpy(pkt.mac, mac, 6);
	/* From the virtual link-local: hosts keep one default router across a failover. */
	return icmp6_all_nodes(ifindex, &src->v6, &pkt, sizeof(pkt));
}

void vrrpd_virtual_ll(const uint8_t mac[6], struct hs_addr *out)
{
	/* fe80::/64 with the modified EUI-64 of the virtual MAC (RFC 4291 appendix A). */
	*out = (struct hs_addr){ .family = AF_INET6 };
	out->bytes[0] = 0xfe;
	out->bytes[1] = 0x80;
	out->bytes[8] = mac[0] ^ 0x02;
	out->bytes[9] = mac[1];
	out->bytes[10] = mac[2];
	out->bytes[11] = 0xff;
	out->bytes[12] = 0xfe;
	out->bytes[13] = mac[3];
	out->bytes[14] = mac[4];
	out->bytes[15] = mac[5];
}
