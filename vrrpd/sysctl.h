/* The per-interface sysctls a virtual MAC needs (see sysctl.c for why each). */
#ifndef VRRPD_SYSCTL_H
#define VRRPD_SYSCTL_H

/* On the base link: never answer ARP for a VIP with the real MAC, never announce a VIP as the
 * source of our own ARP requests. */
int vrrpd_sysctl_base(const char *ifname, int family);
/* On the virtual-MAC link: the same ARP rules, loose reverse-path filtering so traffic arriving on
 * it is forwarded, and no DAD for IPv6 (the backup holds the same addresses, down). */
int vrrpd_sysctl_vmac(const char *ifname, int family);

#endif
