/* What a VGMP state means: names, wire values, the VRRP role of a bound group, the OSPF cost
 * plan. Pure tables and arithmetic; see vgmp_role.h. */
#include "vgmp_role.h"

#include "config.h"

static const char *const state_names[VGMP_STATE_MAX] = {
	[VGMP_STATE_INITIALIZE] = "initialize",
	[VGMP_STATE_LOAD_BALANCE] = "load-balance",
	[VGMP_STATE_ACTIVE] = "active",
	[VGMP_STATE_STANDBY] = "standby",
};

static const enum hrp_vgmp_state to_wire[VGMP_STATE_MAX] = {
	[VGMP_STATE_INITIALIZE] = HRP_VGMP_INITIALIZE,
	[VGMP_STATE_LOAD_BALANCE] = HRP_VGMP_LOAD_BALANCE,
	[VGMP_STATE_ACTIVE] = HRP_VGMP_ACTIVE,
	[VGMP_STATE_STANDBY] = HRP_VGMP_STANDBY,
};

static const enum vgmp_state from_wire[HRP_VGMP_STATE_MAX] = {
	[HRP_VGMP_INITIALIZE] = VGMP_STATE_INITIALIZE,
	[HRP_VGMP_LOAD_BALANCE] = VGMP_STATE_LOAD_BALANCE,
	[HRP_VGMP_ACTIVE] = VGMP_STATE_ACTIVE,
	[HRP_VGMP_STANDBY] = VGMP_STATE_STANDBY,
};

static const char *const cost_names[VGMP_COST_MAX] = {
	[VGMP_COST_UNKNOWN] = "unknown",
	[VGMP_COST_NORMAL] = "normal",
	[VGMP_COST_PREFERRED] = "preferred",
	[VGMP_COST_RAISED] = "raised",
};

/* The role table: [state][binding]. Active-standby never mixes: every bound group follows the
 * box's state; load-balance follows each group's binding. */
static const enum vrrp_role role_table[VGMP_STATE_MAX][HS_BIND_MAX] = {
	[VGMP_STATE_INITIALIZE] = {
		[HS_BIND_NONE] = VRRP_ROLE_INVALID,
		[HS_BIND_ACTIVE] = VRRP_ROLE_BACKUP,
		[HS_BIND_STANDBY] = VRRP_ROLE_BACKUP,
	},
	[VGMP_STATE_LOAD_BALANCE] = {
		[HS_BIND_NONE] = VRRP_ROLE_INVALID,
		[HS_BIND_ACTIVE] = VRRP_ROLE_MASTER,
		[HS_BIND_STANDBY] = VRRP_ROLE_BACKUP,
	},
	[VGMP_STATE_ACTIVE] = {
		[HS_BIND_NONE] = VRRP_ROLE_INVALID,
		[HS_BIND_ACTIVE] = VRRP_ROLE_MASTER,
		[HS_BIND_STANDBY] = VRRP_ROLE_MASTER,
	},
	[VGMP_STATE_STANDBY] = {
		[HS_BIND_NONE] = VRRP_ROLE_INVALID,
		[HS_BIND_ACTIVE] = VRRP_ROLE_BACKUP,
		[HS_BIND_STANDBY] = VRRP_ROLE_BACKUP,
	},
};

const char *vgmp_state_name(enum vgmp_state s)
{
	return (int)s >= 0 && s < VGMP_STATE_MAX ? state_names[s] : "?";
}

const char *vgmp_cost_name(enum vgmp_cost c)
{
	return (int)c >= 0 && c < VGMP_COST_MAX ? cost_names[c] : "?";
}

enum vgmp_cost vgmp_cost_level(int found, int raised, int active_cost)
{
	if (found < 0)
		return VGMP_COST_UNKNOWN;
	if (raised > 0 && found == raised)
		return VGMP_COST_RAISED;
	if (found == active_cost)
		return VGMP_COST_NORMAL;
	if (active_cost >= 2 && found == active_cost - 1)
		return VGMP_COST_PREFERRED;
	return VGMP_COST_UNKNOWN;
}

enum hrp_vgmp_state vgmp_state_to_hrp(enum vgmp_state s)
{
	return (int)s >= 0 && s < VGMP_STATE_MAX ? to_wire[s] : HRP_VGMP_INITIALIZE;
}

enum vgmp_state vgmp_state_from_hrp(unsigned wire)
{
	return wire < HRP_VGMP_STATE_MAX ? from_wire[wire] : VGMP_STATE_INITIALIZE;
}

bool vgmp_state_holds(enum vgmp_state s)
{
	return s == VGMP_STATE_ACTIVE || s == VGMP_STATE_LOAD_BALANCE;
}

enum vrrp_role vgmp_vrrp_role(enum vgmp_state s, int binding)
{
	if ((int)s < 0 || s >= VGMP_STATE_MAX || binding < 0 || binding >= HS_BIND_MAX)
		return VRRP_ROLE_INVALID;
	return role_table[s][binding];
}

/* The cost each state wants; VGMP_COST_UNKNOWN: leave it as it is. */
static enum vgmp_cost wanted_cost(bool enabled, enum vgmp_state s)
{
	if (!enabled)
		return VGMP_COST_NORMAL;
	switch (s) {
	case VGMP_STATE_STANDBY: return VGMP_COST_RAISED;
	case VGMP_STATE_ACTIVE:
	case VGMP_STATE_LOAD_BALANCE: return VGMP_COST_NORMAL;
	default: return VGMP_COST_UNKNOWN;
	}
}

/* Active with prefer: one below normal until the peer's raised cost has been confirmed for
 * gap; *hold_until is when normal may come (0: at once). */
static enum vgmp_cost active_cost(const struct vgmp_ospf_in *in, uint32_t gap,
				  uint64_t *hold_until)
{
	*hold_until = 0;
	if (!in->prefer || in->state != VGMP_STATE_ACTIVE || !in->hrp_enabled)
		return VGMP_COST_NORMAL;
	if (in->peer_raised_ms == VGMP_NEVER)
		return VGMP_COST_PREFERRED;
	/* Already normal (or never preferred): stay. Preferred: back after the hold. */
	if (in->applied == VGMP_COST_PREFERRED)
		*hold_until = in->peer_raised_ms + gap;
	return VGMP_COST_NORMAL;
}

void vgmp_ospf_plan(const struct vgmp_ospf_in *in, struct vgmp_ospf_step *out)
{
	*out = (struct vgmp_ospf_step){ .target = VGMP_COST_UNKNOWN, .at_ms = VGMP_NEVER };
	uint32_t gap = in->min_interval_ms ? in->min_interval_ms : VGMP_OSPF_MIN_INTERVAL_MS;
	uint64_t hold_until = 0;
	if (!in->enable_known)
		return; /* "disabled" is only the initial value: FRR keeps what it has */
	enum vgmp_cost want = wanted_cost(in->hrp_enabled, in->state);
	if (want == VGMP_COST_NORMAL)
		want = active_cost(in, gap, &hold_until);
	if (want == VGMP_COST_UNKNOWN || want == in->applied)
		return;
	out->target = want;
	/* Raising before the peer has lowered would leave no cheap path for a moment: wait for it
	 * to announce active. A dead peer has nothing to lower. */
	if (want == VGMP_COST_RAISED && in->hrp_enabled && in->peer_alive &&
	    in->peer_state != VGMP_STATE_ACTIVE) {
		out->wait_peer = true;
		return;
	}
	uint64_t at = in->now_ms;
	if (in->last_change_ms != VGMP_NEVER && in->last_change_ms + gap > at)
		at = in->last_change_ms + gap;
	if (hold_until > at)
		at = hold_until;
	out->at_ms = at;
}
