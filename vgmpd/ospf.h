/* OSPF cost adjustment in FRR, run asynchronously: one change at a time, the latest wanted cost
 * wins, and a change is re-applied when it failed (FRR restarting). Straight to ospfd's vty socket
 * (ospf_vty.c, ~1 ms) when it is there, else through a vtysh process (~30-80 ms: it was most of
 * the return traffic's delay at a takeover). An ops table so bird or a script can follow (only
 * FRR's is built). */
#ifndef VGMPD_OSPF_H
#define VGMPD_OSPF_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "frr_vty.h"
#include "loop.h"
#include "vgmp_role.h"

/* vgmpd_ospf_read(): the costs ospfd's running configuration gives the configured interfaces,
 * in their order (0: none set; n 0 when it could not be read). */
typedef void (*vgmpd_ospf_found_cb)(void *arg, const int *costs, size_t n);
/* The cost FRR was seen to have on every configured interface: a change it took, or a check of
 * its running configuration; -1 when a change failed or a check found another cost. */
typedef void (*vgmpd_ospf_applied_cb)(void *arg, int cost);

struct vgmpd_ospf {
	struct hs_loop *loop;
	const struct hs_ospf_cost_config *cfg; /* points into the running config */
	int wanted;  /* cost to apply; 0: FRR's default (no ip ospf cost) */
	int applied; /* last cost FRR took; -1 unknown */
	pid_t child;
	int pidfd;
	int child_cost;
	struct hs_io io;
	struct hs_timer child_timeout; /* a vtysh stuck on a stuck FRR is killed */
	struct hs_timer retry;
	/* ospf_vty.c: the change in flight on ospfd's vty socket (fd -1: none) */
	int vty_fd;
	unsigned vty_commands;
	struct frr_vty_reader vty;
	struct hs_io vty_io;
	struct hs_timer vty_timeout;
	/* vgmpd_ospf_read(): the running configuration read on the vty (text: its output) */
	bool reading;
	char *text;
	vgmpd_ospf_found_cb found;
	void *found_arg;
	vgmpd_ospf_applied_cb applied_cb;
	void *applied_arg;
	/* every VGMPD_OSPF_CHECK_MS: is our cost still in ospfd's running configuration? An
	 * ospfd restart (watchfrr, systemctl restart frr) starts from frr.conf without it */
	struct hs_timer check;
	bool checking;
	unsigned long long runs, failures, vty_runs;
	unsigned long long checks, reapplies; /* checks read; re-applied after one found it lost */
};

#ifndef VGMPD_OSPF_CHECK_MS /* a test sets it shorter */
#define VGMPD_OSPF_CHECK_MS 5000
#endif

/* The cost for a level of the plan (lib/vgmp_role.h): raised -> cost; normal -> active_cost (0:
 * the interface's own, `no ip ospf cost`); preferred -> active_cost - 1; -1 for unknown. */
int vgmpd_ospf_cost_value(const struct hs_ospf_cost_config *cfg, enum vgmp_cost level);

/* applied (may be NULL) hears what FRR took and what the checks find. */
void vgmpd_ospf_init(struct vgmpd_ospf *o, struct hs_loop *loop,
		     const struct hs_ospf_cost_config *cfg, vgmpd_ospf_applied_cb applied,
		     void *arg);
/* A reload: the settings to follow from now on (before the core acts on the new config). A
 * new interface list or socket applies the wanted cost again; the caller then asks for it. */
void vgmpd_ospf_reconfigure(struct vgmpd_ospf *o, const struct hs_ospf_cost_config *next);
/* Asks for cost (0: default) on every configured interface; runs now or after the running one. */
void vgmpd_ospf_want(struct vgmpd_ospf *o, int cost);
void vgmpd_ospf_free(struct vgmpd_ospf *o);
/* A change or a read is in flight (vtysh or the vty socket). */
bool vgmpd_ospf_busy(const struct vgmpd_ospf *o);
/* At a cold start: reads the cost ospfd has now (a previous vgmpd may have raised it) and tells
 * cb, once, unless the vty socket cannot be reached. Changes wanted meanwhile wait for it. */
void vgmpd_ospf_read(struct vgmpd_ospf *o, vgmpd_ospf_found_cb cb, void *arg);

/* ospf_vty.c: starts the change of o->wanted on ospfd's vty socket; 0, or a negative errno when
 * the socket is not there or refuses us (the caller then runs vtysh). Ends in
 * vgmpd_ospf_finished(). */
void vgmpd_ospf_vty_init(struct vgmpd_ospf *o);
int vgmpd_ospf_vty_start(struct vgmpd_ospf *o);
void vgmpd_ospf_vty_close(struct vgmpd_ospf *o);
/* ospf_vty.c: starts the read of ospfd's running configuration; 0 or a negative errno. Ends in
 * vgmpd_ospf_read_finished() with the text (NULL when it failed). */
int vgmpd_ospf_vty_read(struct vgmpd_ospf *o);
/* ospf.c: a change ended, applied or not; a read ended. */
void vgmpd_ospf_finished(struct vgmpd_ospf *o, bool ok, const char *how);
void vgmpd_ospf_read_finished(struct vgmpd_ospf *o, const char *config);

#endif
