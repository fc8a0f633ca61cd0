/* vrrpd's packet sockets. Adverts are received on the base link (one socket per interface and
 * family, joined to 224.0.0.18 / ff02::12) and sent from the group's virtual-MAC link, so the
 * source MAC is the virtual one (RFC 5798 §7.3). Every socket can be adopted by fd. */
#ifndef VRRPD_SOCKET_H
#define VRRPD_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

#define VRRPD_PROTO 112

struct vrrpd_rx {
	struct hs_addr src, dst;
	int ttl; /* TTL or hop limit */
	int ifindex;
	const uint8_t *payload; /* the VRRP message */
	size_t len;
};

/* Receive socket on a base interface; fd >= 0 adopts. Returns the fd or -errno. */
int vrrpd_sock_rx_open(int family, int ifindex, int fd);
/* Reads one packet into buf and fills rx (pointing into buf). Returns 0, -EAGAIN, or -EBADMSG for
 * a packet too short to carry an IP header. */
int vrrpd_sock_rx_read(int fd, int family, uint8_t *buf, size_t len, struct vrrpd_rx *rx);

/* Send socket bound to the virtual link (or the base link for a group without a vMAC). */
int vrrpd_sock_tx_open(int family, int ifindex, int fd);
/* Sends msg from src to dst (224.0.0.18 / ff02::12, or a unicast peer) with TTL 255. */
int vrrpd_sock_send(int fd, int family, int ifindex, const struct hs_addr *src,
		    const struct hs_addr *dst, const uint8_t *msg, size_t len);

/* The multicast group of the family. */
void vrrpd_group_addr(int family, struct hs_addr *out);

/* The packet socket gratuitous ARPs leave by, open for the daemon's life: closing an AF_PACKET
 * socket waits for an RCU grace period (~10 ms), which a socket per ARP paid for every VIP of
 * every group becoming master. Returns the fd or -errno. */
int vrrpd_arp_sock_open(void);
/* Gratuitous ARP (IPv4, through arp_fd) or unsolicited neighbour advertisement (IPv6) for vip,
 * sent on ifindex from mac. */
int vrrpd_announce(int arp_fd, int family, int ifindex, const uint8_t mac[6],
		   const struct hs_addr *vip);

/* Every address of family on ifname in list (getifaddrs(), read once for many groups), in the
 * kernel's order (IPv6: link-locals last): a calloc'd array to free, its length in *n; NULL with
 * *n 0 when there is none (or no memory). lib/vrrp_iface.h picks the primary. */
struct ifaddrs;
struct hs_addr *vrrpd_addrs_of(const struct ifaddrs *list, const char *ifname, int family,
			       size_t *n);

/* The kernel passes traffic on the link: admin up and carrier on (IFF_RUNNING). */
bool vrrpd_link_running(int ifindex);

/* A router advertisement to ff02::1 from src (the virtual link-local) with the source link-layer
 * option, sent on ifindex. 0 or -errno. */
int vrrpd_send_ra(int ifindex, const uint8_t mac[6], const struct hs_addr *src,
		  uint16_t lifetime_s);
/* The virtual link-local of a virtual MAC: fe80::200:5eff:fe00:2XX for VRID XX. */
void vrrpd_virtual_ll(const uint8_t mac[6], struct hs_addr *out);

/* The hardware address of a link. 0 or -errno. */
int vrrpd_link_mac(int ifindex, uint8_t mac[6]);

#endif
