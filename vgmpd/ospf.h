/* OSPF cost adjustment through FRR's vtysh, run asynchronously: one vtysh at a time, the latest
 * wanted cost wins, and a change is re-applied when it failed (FRR restarting). An ops table so
 * bird or a script can follow (only FRR's is built). */
#ifndef VGMPD_OSPF_H
#define VGMPD_OSPF_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "loop.h"

struct vgmpd_ospf {
	struct hs_loop *loop;
	const struct hs_ospf_cost_config *cfg; /* points into the running config */
	int wanted;  /* cost to apply; 0: FRR's default (no ip ospf cost) */
	int applied; /* last cost FRR took; -1 unknown */
	pid_t child;
	int pidfd;
	int child_cost;
	struct hs_io io;
	struct hs_timer retry;
	unsigned long long runs, failures;
};

void vgmpd_ospf_init(struct vgmpd_ospf *o, struct hs_loop *loop,
		     const struct hs_ospf_cost_config *cfg);
/* Asks for cost (0: default) on every configured interface; runs now or after the running one. */
void vgmpd_ospf_want(struct vgmpd_ospf *o, int cost);
void vgmpd_ospf_free(struct vgmpd_ospf *o);

#endif
