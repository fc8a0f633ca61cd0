/* What a VGMP state means, pure: the four states (Huawei's initialize, load-balance, active,
 * standby), their names and their values on the HRP wire; the VRRP role each bound group takes in
 * each state; and the OSPF cost plan (which cost, and when a box may change it).
 *
 * The election itself is in vgmp_fsm.h; these helpers are separate so that vgmpd, hrpctl and the
 * tests can use them without an election. doc/vgmp.md describes the rules. */
#ifndef HS_VGMP_ROLE_H
#define HS_VGMP_ROLE_H

#include <stdbool.h>
#include <stdint.h>

#include "hrp_msg.h"
#include "vrrp_fsm.h"

#define VGMP_NEVER UINT64_MAX /* a disarmed deadline */

enum vgmp_state {
	VGMP_STATE_INITIALIZE,
	VGMP_STATE_LOAD_BALANCE,
	VGMP_STATE_ACTIVE,
	VGMP_STATE_STANDBY,
	VGMP_STATE_MAX,
	VGMP_STATE_INVALID = -1,
};

const char *vgmp_state_name(enum vgmp_state s);
/* The wire value of a state (enum hrp_vgmp_state), and back: an unknown wire value reads as
 * initialize (a peer we cannot understand holds no traffic we know of). */
enum hrp_vgmp_state vgmp_state_to_hrp(enum vgmp_state s);
enum vgmp_state vgmp_state_from_hrp(unsigned wire);
/* Active and load-balance hold traffic (are master of some bound VRRP group). */
bool vgmp_state_holds(enum vgmp_state s);

/* The role of a VRRP group bound to VGMP (binding HS_BIND_ACTIVE / HS_BIND_STANDBY) in a VGMP
 * state: active -> master, standby and initialize -> backup, load-balance -> master for the
 * `active` binding and backup for the `standby` one. VRRP_ROLE_INVALID for an unbound group
 * (HS_BIND_NONE: plain RFC 5798, not ours) or a bad argument. */
enum vrrp_role vgmp_vrrp_role(enum vgmp_state s, int binding);

/* ---- OSPF cost ---- */

enum vgmp_cost {
	VGMP_COST_UNKNOWN, /* as FRR has it (nothing applied yet); as a target: no change */
	VGMP_COST_NORMAL,  /* the interface's own cost (`no ip ospf cost`) */
	VGMP_COST_RAISED,  /* the configured cost (65500 by default) */
	VGMP_COST_PREFERRED, /* the active's cost minus one: a takeover wins the upstream router's
			      * tie with the old active's last LSA (see vgmp_ospf_plan) */
	VGMP_COST_MAX,
	VGMP_COST_INVALID = -1,
};

const char *vgmp_cost_name(enum vgmp_cost c);

/* The level a cost found in FRR at a cold start stands for (found: its `ip ospf cost`, 0 for
 * none), given the configured raised cost and the active's (0: the interface's own): raised,
 * normal, or preferred (active_cost - 1, with active_cost 2 or more); unknown for anything else,
 * which is not ours (the first decision then puts it right). */
enum vgmp_cost vgmp_cost_level(int found, int raised, int active_cost);

#define VGMP_OSPF_MIN_INTERVAL_MS 1000u /* one change per box per second */

struct vgmp_ospf_in {
	/* false until the core has been told whether hrp is enabled (a cold start before its
	 * config is applied): hrp_enabled is only the initial value then, and decides nothing */
	bool enable_known;
	bool hrp_enabled;
	enum vgmp_state state; /* ours, after the transition */
	bool peer_alive;
	enum vgmp_state peer_state;
	enum vgmp_cost applied;   /* what we last applied */
	uint64_t last_change_ms;  /* when, VGMP_NEVER if never */
	uint32_t min_interval_ms; /* 0: VGMP_OSPF_MIN_INTERVAL_MS */
	uint64_t now_ms;
	bool prefer; /* the active's cost is known and above 1: VGMP_COST_PREFERRED exists */
	/* Since when the peer has said, alive and standby, that its raised cost is in FRR and no
	 * tracked object of its is down (so its LSA could leave the box); VGMP_NEVER: it has not. */
	uint64_t peer_raised_ms;
};

struct vgmp_ospf_step {
	enum vgmp_cost target; /* VGMP_COST_UNKNOWN: nothing to do */
	bool wait_peer;        /* a raise waits until the peer announces active */
	uint64_t at_ms;        /* earliest time allowed (rate limit); VGMP_NEVER while waiting */
};

/* The plan: standby -> raised; active, load-balance, or hrp disabled -> normal; initialize while
 * enabled -> no change (the election has not spoken), and no change at all before enable_known:
 * a cold-started vgmpd finds FRR with the cost its previous process left (raised, on a standby),
 * and lowering it before the election has spoken gave the upstream router two equal routes. A
 * raise waits until the peer announces active (or is dead), so that on a switchover the new
 * active lowers its cost first; a lower is never held back for the peer. Any change waits until
 * min_interval_ms after the last one.
 *
 * With prefer, the active goes one below normal until the peer has confirmed its raised cost:
 * a peer that failed (its uplink, the whole box) cannot flood its raised cost, so the upstream
 * router keeps its last LSA, at the normal cost, until its adjacency dies; one below wins that
 * tie at once. Back to normal once the peer's confirmation has lasted min_interval_ms (and
 * min_interval_ms after our last change), so no router sees two LSAs within its min-arrival. */
void vgmp_ospf_plan(const struct vgmp_ospf_in *in, struct vgmp_ospf_step *out);

#endif
