/* Accept mode (RFC 5798 6.4.3): a master not in accept mode must not accept packets addressed to
 * its VIPs, the address owner excepted. Linux accepts whatever is a local address, so vrrpd keeps
 * an nftables table of its own (inet hs_vrrpd) that drops them in the input hook; forwarded
 * traffic is untouched, IPv6 neighbour discovery to a VIP still works. */
#ifndef VRRPD_ACCEPT_H
#define VRRPD_ACCEPT_H

#include "config.h"

#define VRRPD_NFT_TABLE "hs_vrrpd"

/* Installs (replacing) the table for the groups of cfg. Runs nft at start and reload only, never
 * on a state change. 0, or -errno (nft missing or refused: logged, not fatal). */
int vrrpd_accept_apply(const struct hs_vrrpd_config *cfg);
/* Removes the table (stop, --flush). */
void vrrpd_accept_remove(void);

#endif
