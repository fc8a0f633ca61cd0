/* The config role and commit-confirmed (cfgsync_core.h).
 *
 * Commit-confirmed: a synced ruleset can drop the boxes' own traffic (an accept in one base
 * chain does not stop another chain's drop). So the config standby keeps its previous policy
 * after an apply, and puts it back when the master falls silent within the confirm window:
 * silent for silence_ms (hrpd makes that shorter than the peer's dead time, so the revert comes
 * before the peer is declared dead and nobody takes over), or the peer going down. The window
 * passing with the master heard confirms. */
#include <stdint.h>
#include <string.h>

#include "cfgsync_core.h"
#include "hrp_msg.h"

static const char *const role_names[HS_CFGSYNC_ROLE_MAX] = {
	[HS_CFGSYNC_ROLE_NONE] = "none",
	[HS_CFGSYNC_ROLE_MASTER] = "master",
	[HS_CFGSYNC_ROLE_STANDBY] = "standby",
};

static const char *const cc_state_names[HS_CC_STATE_MAX] = {
	[HS_CC_IDLE] = "idle",
	[HS_CC_CONFIRMING] = "confirming",
};

static const char *const cc_reason_names[HS_CC_R_MAX] = {
	[HS_CC_R_NONE] = "none",
	[HS_CC_R_WINDOW_PASSED] = "confirm window passed",
	[HS_CC_R_SILENT] = "the config master fell silent",
	[HS_CC_R_PEER_LOST] = "the peer went down",
};

const char *hs_cfgsync_role_name(unsigned role)
{
	return role < HS_CFGSYNC_ROLE_MAX ? role_names[role] : "unknown";
}

const char *hs_cc_state_name(unsigned state)
{
	return state < HS_CC_STATE_MAX ? cc_state_names[state] : "unknown";
}

const char *hs_cc_reason_name(unsigned reason)
{
	return reason < HS_CC_R_MAX ? cc_reason_names[reason] : "unknown";
}

static bool leads(unsigned s)
{
	return s == HRP_VGMP_ACTIVE || s == HRP_VGMP_LOAD_BALANCE;
}

enum hs_cfgsync_role hs_cfgsync_role(unsigned local_state, bool peer_up, unsigned peer_state,
				     const char *local_sysname, const char *peer_sysname)
{
	bool we = leads(local_state), they = peer_up && leads(peer_state);
	if (we && they) {
		/* Both active (a transition, split brain) or both in load-balance: the smaller
		 * sysname leads; equal names never pair (HRP drops them as looped). */
		if (local_state == HRP_VGMP_ACTIVE && peer_state == HRP_VGMP_LOAD_BALANCE)
			return HS_CFGSYNC_ROLE_MASTER;
		if (local_state == HRP_VGMP_LOAD_BALANCE && peer_state == HRP_VGMP_ACTIVE)
			return HS_CFGSYNC_ROLE_STANDBY;
		return strcmp(local_sysname, peer_sysname) < 0 ? HS_CFGSYNC_ROLE_MASTER
							       : HS_CFGSYNC_ROLE_STANDBY;
	}
	if (we)
		return HS_CFGSYNC_ROLE_MASTER;
	if (they)
		return HS_CFGSYNC_ROLE_STANDBY;
	return HS_CFGSYNC_ROLE_NONE;
}

bool hs_cfgsync_refusal_cleared(unsigned status, uint32_t ref_gen, uint32_t our_gen)
{
	bool taken = status == HS_CFGSYNC_APPLIED || status == HS_CFGSYNC_UNCHANGED ||
		     status == HS_CFGSYNC_CONFIRMED;
	return taken && ref_gen == our_gen;
}

void hs_cc_init(struct hs_cc *cc, uint32_t confirm_ms, uint32_t silence_ms)
{
	memset(cc, 0, sizeof(*cc));
	cc->confirm_ms = confirm_ms;
	cc->silence_ms = silence_ms ? silence_ms : 1;
}

bool hs_cc_applied(struct hs_cc *cc, uint32_t gen, uint64_t now)
{
	bool keep = cc->state == HS_CC_IDLE;
	cc->state = HS_CC_CONFIRMING;
	cc->applied_ms = now;
	cc->gen = gen;
	return keep;
}

enum hs_cc_action hs_cc_peer_lost(struct hs_cc *cc, enum hs_cc_reason *why)
{
	if (cc->state != HS_CC_CONFIRMING) {
		*why = HS_CC_R_NONE;
		return HS_CC_NONE;
	}
	cc->state = HS_CC_IDLE;
	*why = HS_CC_R_PEER_LOST;
	return HS_CC_REVERT;
}

enum hs_cc_action hs_cc_tick(struct hs_cc *cc, uint64_t now, uint64_t last_rx_ms, uint64_t *next_ms,
			     enum hs_cc_reason *why)
{
	*why = HS_CC_R_NONE;
	*next_ms = UINT64_MAX;
	if (cc->state != HS_CC_CONFIRMING)
		return HS_CC_NONE;
	/* Silence counts from the apply at the earliest: a hello from before proves nothing. */
	uint64_t heard = last_rx_ms > cc->applied_ms ? last_rx_ms : cc->applied_ms;
	uint64_t silent_at = heard + cc->silence_ms;
	uint64_t window_end = cc->applied_ms + cc->confirm_ms;
	if (now >= silent_at) {
		cc->state = HS_CC_IDLE;
		*why = HS_CC_R_SILENT;
		return HS_CC_REVERT;
	}
	if (now >= window_end) {
		cc->state = HS_CC_IDLE;
		*why = HS_CC_R_WINDOW_PASSED;
		return HS_CC_CONFIRM;
	}
	*next_ms = silent_at < window_end ? silent_at : window_end;
	return HS_CC_NONE;
}
