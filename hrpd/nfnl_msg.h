/* The head of a ctnetlink request (conntrack or expectation subsystem): every request hrpd
 * sends to the kernel's conntrack table starts the same way. */
#ifndef HRPD_NFNL_MSG_H
#define HRPD_NFNL_MSG_H

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdint.h>

/* A message of subsystem subsys and type (IPCTNL_MSG_*) at buf, NLM_F_REQUEST | flags, with its
 * nfgenmsg for family; the caller appends the attributes. */
static inline struct nlmsghdr *hrpd_nfnl_msg(void *buf, uint8_t subsys, uint8_t type,
					     uint16_t flags, uint32_t seq, uint8_t family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (uint16_t)((subsys << 8) | type);
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	return nlh;
}

#endif
