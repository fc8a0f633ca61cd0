/* rtnetlink requests for vrrpd with libmnl (see netlink.h). */
#include "netlink.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int vrrpd_nl_open(struct vrrpd_nl *nl, int fd)
{
	nl->sock = fd >= 0 ? mnl_socket_fdopen(fd) : mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock)
		return -errno;
	if (fd < 0 && mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = -errno;
		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return r;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	/* Extended ACKs name the attribute the kernel refused. */
	int one = 1;
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	return 0;
}

void vrrpd_nl_close(struct vrrpd_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

int vrrpd_nl_fd(const struct vrrpd_nl *nl)
{
	return nl->sock ? mnl_socket_get_fd(nl->sock) : -1;
}

int vrrpd_vmac_name(char *buf, size_t len, int family, int parent_ifindex, int vrid)
{
	int n = snprintf(buf, len, VRRPD_VMAC_PREFIX "%d.%d.%d", family == AF_INET6 ? 6 : 4,
			 parent_ifindex, vrid);
	return n < 0 || (size_t)n >= len || n >= IF_NAMESIZE ? -ENAMETOOLONG : 0;
}

void vrrpd_vmac_addr(uint8_t mac[6], int family, int vrid)
{
	mac[0] = 0x00;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = 0x00;
	mac[4] = family == AF_INET6 ? 0x02 : 0x01;
	mac[5] = (uint8_t)vrid;
}

/* Sends one request and waits for its ACK (or error). cb, when set, sees each reply message. */
static int transact(struct vrrpd_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint32_t seq = ++nl->seq;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	char buf[32768]; /* libmnl 1.0.4 has no MNL_SOCKET_DUMP_SIZE */
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		int r = mnl_cb_run(buf, (size_t)n, seq, nl->portid, cb, data);
		if (r <= MNL_CB_STOP)
			return r < 0 ? -errno : 0;
	}
}

static struct nlmsghdr *new_request(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

static int link_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_type_valid(attr, IFLA_MAX) > 0)
		tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static int group_attr(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr, tb);
	if (tb[IFLA_GROUP])
		*(uint32_t *)data = mnl_attr_get_u32(tb[IFLA_GROUP]);
	return MNL_CB_OK;
}

/* The interface group of a link (0, the default group, when unknown). */
static uint32_t link_group(struct vrrpd_nl *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = new_request(buf, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	uint32_t group = 0;
	return transact(nl, nlh, group_attr, &group) == 0 ? group : 0;
}

int vrrpd_nl_macvlan_ensure(struct vrrpd_nl *nl, const char *name, int parent_ifindex,
			    const uint8_t mac[6], int family)
{
	int existing = (int)if_nametoindex(name);
	if (existing > 0)
		return existing;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = new_request(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)parent_ifindex);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	/* The parent's interface group: firewall rules written for `iifgroup` of the LAN match
	 * its vMAC links too (a rule on `iifname lan0` does not see traffic to the gateway). */
	mnl_attr_put_u32(nlh, IFLA_GROUP, link_group(nl, parent_ifindex));
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	int r = transact(nl, nlh, NULL, NULL);
	if (r < 0 && r != -EEXIST)
		return r;
	int ifindex = (int)if_nametoindex(name);
	if (ifindex <= 0)
		return -ENODEV;
	if (family == AF_INET6) {
		/* No kernel-made link-local on the vMAC link: the virtual link-local is ours. The
		 * kernel refuses this mode at creation, so it is set afterwards. */
		nlh = new_request(buf, RTM_NEWLINK, 0);
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = ifindex;
		struct nlattr *af = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
		struct nlattr *in6 = mnl_attr_nest_start(nlh, AF_INET6);
		mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
		mnl_attr_nest_end(nlh, in6);
		mnl_attr_nest_end(nlh, af);
		r = transact(nl, nlh, NULL, NULL);
		if (r < 0)
			return r;
	}
	return ifindex;
}

int vrrpd_nl_link_set(struct vrrpd_nl *nl, int ifindex, bool up, int protodown)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = new_request(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	int r = transact(nl, nlh, NULL, NULL);
	if (r < 0 || protodown < 0)
		return r;
	nlh = new_request(buf, RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_u8(nlh, IFLA_PROTO_DOWN, (uint8_t)protodown);
	r = transact(nl, nlh, NULL, NULL);
	/* Not every driver takes protodown; admin state alone still keeps the backup quiet. */
	return r == -EOPNOTSUPP ? 0 : r;
}

int vrrpd_nl_link_set_mac(struct vrrpd_nl *nl, int ifindex, const uint8_t mac[6])
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = new_request(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return transact(nl, nlh, NULL, NULL);
}

void vrrpd_random_mac(uint8_t mac[6])
{
	if (getrandom(mac, 6, 0) != 6) {
		/* Unique enough without the entropy pool: it only has to differ from the others. */
		uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
		for (int i = 0; i < 6; i++)
			mac[i] = (uint8_t)(t >> (8 * i)) ^ (uint8_t)rand();
	}
	/* Locally administered (bit 1), unicast (bit 0 clear): never a vendor's, nor the virtual
	 * MAC. */
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
}

int vrrpd_nl_link_delete(struct vrrpd_nl *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = new_request(buf, RTM_DELLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	int r = transact(nl, nlh, NULL, NULL);
	return r == -ENODEV ? 0 : r;
}

static void put_addr(struct nlmsghdr *nlh, int ifindex, int family, const void *bytes,
		     uint8_t proto)
{
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	size_t alen = family == AF_INET ? 4 : 16;
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = family == AF_INET ? 32 : 128;
	ifa->ifa_index = (uint32_t)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, IFA_LOCAL, alen, bytes);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, bytes);
	if (proto)
		mnl_attr_put_u8(nlh, IFA_PROTO, proto);
}

int vrrpd_nl_addr(struct vrrpd_nl *nl, bool add, int ifindex, const struct hs_addr *a)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = new_request(buf, add ? RTM_NEWADDR : RTM_DELADDR,
					   add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	put_addr(nlh, ifindex, a->family, a->bytes, add ? VRRPD_IFA_PROTO : 0);
	/* A VIP is a host address: no prefix route, and no DAD (the backup holds it too). */
	if (add)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NOPREFIXROUTE | IFA_F_NODAD);
	int r = transact(nl, nlh, NULL, NULL);
	if (!add && (r == -EADDRNOTAVAIL || r == -ENODEV))
		return 0;
	return r;
}

/* Dump callbacks for the flush: collect what is ours, delete after the dump ends. */
struct flush_list {
	size_t n;
	struct {
		int ifindex, family;
		uint8_t bytes[16];
	} item[1024];
};

static int addr_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);
	if (mnl_attr_type_valid(attr, IFA_MAX) > 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int collect_addr(const struct nlmsghdr *nlh, void *data)
{
	struct flush_list *l = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, tb);
	if (!tb[IFA_PROTO] || mnl_attr_get_u8(tb[IFA_PROTO]) != VRRPD_IFA_PROTO)
		return MNL_CB_OK;
	const struct nlattr *a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || l->n >= sizeof(l->item) / sizeof(l->item[0]))
		return MNL_CB_OK;
	size_t alen = mnl_attr_get_payload_len(a);
	l->item[l->n].ifindex = (int)ifa->ifa_index;
	l->item[l->n].family = ifa->ifa_family;
	memcpy(l->item[l->n].bytes, mnl_attr_get_payload(a), alen > 16 ? 16 : alen);
	l->n++;
	return MNL_CB_OK;
}

static int collect_link(const struct nlmsghdr *nlh, void *data)
{
	struct flush_list *l = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr, tb);
	if (!tb[IFLA_IFNAME] || l->n >= sizeof(l->item) / sizeof(l->item[0]))
		return MNL_CB_OK;
	const char *name = mnl_attr_get_str(tb[IFLA_IFNAME]);
	if (strncmp(name, VRRPD_VMAC_PREFIX "4.", 5) == 0 ||
	    strncmp(name, VRRPD_VMAC_PREFIX "6.", 5) == 0)
		l->item[l->n++].ifindex = ifi->ifi_index;
	return MNL_CB_OK;
}

static int dump(struct vrrpd_nl *nl, uint16_t type, mnl_cb_t cb, struct flush_list *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = new_request(buf, type, NLM_F_DUMP);
	if (type == RTM_GETADDR) {
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = AF_UNSPEC;
	} else {
		struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
	}
	l->n = 0;
	return transact(nl, nlh, cb, l);
}

int vrrpd_nl_flush(struct vrrpd_nl *nl, int *links_removed, int *addrs_removed)
{
	struct flush_list *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	*links_removed = *addrs_removed = 0;
	int r = dump(nl, RTM_GETADDR, collect_addr, l);
	for (size_t i = 0; r == 0 && i < l->n; i++) {
		struct hs_addr a = { .family = l->item[i].family };
		memcpy(a.bytes, l->item[i].bytes, 16);
		if (vrrpd_nl_addr(nl, false, l->item[i].ifindex, &a) == 0)
			(*addrs_removed)++;
	}
	if (r == 0)
		r = dump(nl, RTM_GETLINK, collect_link, l);
	for (size_t i = 0; r == 0 && i < l->n; i++)
		if (vrrpd_nl_link_delete(nl, l->item[i].ifindex) == 0)
			(*links_removed)++;
	free(l);
	return r;
}
