/* vrrpd's rtnetlink requests (libmnl): the virtual-MAC macvlans, the VIPs (tagged with our
 * IFA_PROTO so that a flush finds exactly what a vrrpd left behind), and the flush itself.
 * Requests are answered by the kernel at once; nothing here waits on the network. */
#ifndef VRRPD_NETLINK_H
#define VRRPD_NETLINK_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/* IFA_PROTO value marking addresses vrrpd added (the kernel uses 0-3). */
#define VRRPD_IFA_PROTO 0x68
/* Our macvlans are named "hsv4.IFINDEX.VRID" / "hsv6.IFINDEX.VRID". */
#define VRRPD_VMAC_PREFIX "hsv"

struct mnl_socket;

struct vrrpd_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
};

/* Opens the request socket, or adopts fd (hot restart) when >= 0. */
int vrrpd_nl_open(struct vrrpd_nl *nl, int fd);
void vrrpd_nl_close(struct vrrpd_nl *nl);
int vrrpd_nl_fd(const struct vrrpd_nl *nl);

/* "hsv4.3.51"; returns -ENAMETOOLONG if it would not fit IFNAMSIZ. */
int vrrpd_vmac_name(char *buf, size_t len, int family, int parent_ifindex, int vrid);
/* 00:00:5e:00:01:VRID (IPv4) or 00:00:5e:00:02:VRID (IPv6), RFC 5798 §7.3. */
void vrrpd_vmac_addr(uint8_t mac[6], int family, int vrid);

/* Creates (or finds, if a previous vrrpd left it) the macvlan in bridge mode on parent; IPv6
 * ones get addrgenmode none. Returns its ifindex or -errno. */
int vrrpd_nl_macvlan_ensure(struct vrrpd_nl *nl, const char *name, int parent_ifindex,
			    const uint8_t mac[6], int family);
/* up: admin state; protodown: -1 leaves it, 0/1 sets IFLA_PROTO_DOWN (ignored if unsupported). */
int vrrpd_nl_link_set(struct vrrpd_nl *nl, int ifindex, bool up, int protodown);
/* Sets the link's MAC. A running macvlan keeps its carrier, but the kernel answers only after
 * an RCU grace period (the macvlan is rehashed): ~15 ms on a busy machine. */
int vrrpd_nl_link_set_mac(struct vrrpd_nl *nl, int ifindex, const uint8_t mac[6]);
/* A random locally administered unicast MAC (a backup's vMAC link, vmac_backup random-mac). */
void vrrpd_random_mac(uint8_t mac[6]);
int vrrpd_nl_link_delete(struct vrrpd_nl *nl, int ifindex);

/* Adds or deletes a VIP as /32 or /128, noprefixroute and nodad, tagged VRRPD_IFA_PROTO.
 * Adding an existing one or deleting a missing one is not an error. */
int vrrpd_nl_addr(struct vrrpd_nl *nl, bool add, int ifindex, const struct hs_addr *a);

/* Removes every address tagged VRRPD_IFA_PROTO and every macvlan named VRRPD_VMAC_PREFIX*. */
int vrrpd_nl_flush(struct vrrpd_nl *nl, int *links_removed, int *addrs_removed);

#endif
