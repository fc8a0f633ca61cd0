/* A ctnetlink conntrack message (an event or a dump entry) read straight into struct hs_sess:
 * only the attributes session sync uses, with no libnetfilter_conntrack object in between (its
 * parse of every attribute into a fresh object was the largest cost of an event in hrpd's
 * profile at a million sessions: bench/session_scale.py). Pure: bytes in, struct out. */
#ifndef HS_SESS_CTMSG_H
#define HS_SESS_CTMSG_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "hrp_session.h"

/* Fills s (zeroed first) from nlh, a CT_NEW / CT_DELETE message with its nfgenmsg header, as
 * operation op. For HS_SESS_DESTROY only family, protocol, zone and the tuples are read. The
 * reply tuple of ICMP and ICMPv6 is the inverse of the original (hs_sess_tuple_invert), as the
 * kernel tracks it. False, with s unusable, when the message is not one we sync: truncated or
 * malformed attributes, a family other than AF_INET / AF_INET6, no original tuple. */
bool hs_sess_from_ctmsg(const struct nlmsghdr *nlh, uint8_t op, struct hs_sess *s);

#endif
