/* Session sync's ctnetlink conversions: the kernel's conntrack objects (libnetfilter_conntrack)
 * to and from struct hs_sess. sess_ct.c builds its requests and reads events and dumps with
 * them. */
#ifndef HRPD_SESS_CT_CONV_H
#define HRPD_SESS_CT_CONV_H

#include <stdbool.h>
#include <stdint.h>

#include "hrp_session.h"

struct nf_conntrack;
struct nlmsghdr;

/* A kernel message (event, dump entry or answer) as op; false when it is not one we sync. */
bool hrpd_ct_parse(const struct nlmsghdr *nlh, uint8_t op, struct hs_sess *s);
/* The original tuple (and the reply, with_reply) and the zone, as the kernel keys an entry: a
 * directional zone in its tuple instead of the zone (the reply's only with_reply). */
void hrpd_ct_set_tuples(struct nf_conntrack *o, const struct hs_sess *s, bool with_reply);
/* The NAT binding of a create (nothing without IPS_SRC_NAT / IPS_DST_NAT). */
void hrpd_ct_set_nat(struct nf_conntrack *o, const struct hs_sess *s);
/* What a create or update writes besides the tuples: the status bits (unless keep_status), the
 * timeout (none when 0: a create needs one), mark, sequence adjustment, labels and protocol
 * state (TCP liberal unless tcp_window). */
void hrpd_ct_set_body(struct nf_conntrack *o, const struct hs_sess *s, uint32_t timeout_s,
		      bool tcp_window, bool keep_status);

#endif
