/* Interface sysctls for the virtual MAC.
 * - arp_ignore=1: answer ARP only for addresses on the interface the request came in on, so the
 *   base link never answers for a VIP that lives on the macvlan (FRR's backups otherwise answer
 *   with 2-3 MACs: ../shared/notes/vrrp-interop.md).
 * - arp_announce=2: the source of our own ARP requests is the best address of the outgoing link;
 *   with 0 (keepalived's default) a VIP may be announced with the real MAC and clients flip back.
 * - rp_filter=2 on the macvlan: packets to the gateway arrive on it but routes point out of the
 *   base link; strict reverse-path filtering would drop them.
 * - disable_ipv6=1 on an IPv4 macvlan: it needs no link-local and must send nothing from its vMAC.
 * - accept_dad=0 on an IPv6 macvlan: VIPs are not duplicates of anything, and DAD would hold them
 *   tentative for a second after a takeover. */
#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* family_dir is "ipv4" or "ipv6"; key the file under conf/IFNAME/. */
static int write_sysctl(const char *family_dir, const char *ifname, const char *key,
			const char *value)
{
	char path[256];
	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", family_dir, ifname, key);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, value, strlen(value));
	int r = n < 0 ? -errno : 0;
	close(fd);
	return r;
}

static int arp_rules(const char *ifname)
{
	int r = write_sysctl("ipv4", ifname, "arp_ignore", "1");
	if (r == 0)
		r = write_sysctl("ipv4", ifname, "arp_announce", "2");
	return r;
}

int vrrpd_sysctl_base(const char *ifname, int family)
{
	return family == AF_INET ? arp_rules(ifname) : 0;
}

int vrrpd_sysctl_vmac(const char *ifname, int family)
{
	/* Every vMAC link gets the ARP rules, an IPv6 group's too: a macvlan in bridge mode sees
	 * every broadcast, and with arp_ignore=0 it would answer for the IPv4 VIPs of the box with
	 * its own (IPv6) virtual MAC. */
	int r = arp_rules(ifname);
	if (r == 0)
		r = write_sysctl("ipv4", ifname, "rp_filter", "2");
	if (r == 0 && family == AF_INET6)
		r = write_sysctl("ipv6", ifname, "accept_dad", "0");
	/* An IPv4 group's vMAC link has no business in IPv6 (no link-local, no RS from the vMAC).
	 */
	if (r == 0 && family == AF_INET)
		r = write_sysctl("ipv6", ifname, "disable_ipv6", "1");
	return r;
}
