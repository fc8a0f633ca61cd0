/* A planned stop: hand the active role over first (see vgmp_stop.h). The conditions mirror what
 * vgmp_admin_switchover() accepts and what the peer acks (doc/vgmp.md, "Switchover requests"),
 * so that a stop waits only for a handover that can happen. */
#include "vgmp_stop.h"

static const char *const plan_names[VGMP_STOP_PLAN_MAX] = {
	[VGMP_STOP_NOW] = "stop now",
	[VGMP_STOP_HANDOVER] = "hand over first",
	[VGMP_STOP_WAIT] = "wait for the handover under way",
};

static const char *const reason_names[VGMP_STOP_R_MAX] = {
	[VGMP_STOP_R_DISABLED] = "handover at stop disabled",
	[VGMP_STOP_R_NOT_ACTIVE] = "not active",
	[VGMP_STOP_R_NO_PEER] = "no live peer",
	[VGMP_STOP_R_PEER_NOT_STANDBY] = "the peer is not standby",
	[VGMP_STOP_R_PEER_NOT_READY] = "the peer's session sync is not done",
	[VGMP_STOP_R_FROZEN] = "maintenance freeze",
	[VGMP_STOP_R_HANDOVER] = "the peer is a ready standby",
	[VGMP_STOP_R_UNDER_WAY] = "a switchover request is out",
};

static const char *const progress_names[VGMP_STOP_PROGRESS_MAX] = {
	[VGMP_STOP_PENDING] = "pending",
	[VGMP_STOP_HANDED_OVER] = "handed over",
	[VGMP_STOP_GAVE_UP] = "gave up",
};

const char *vgmp_stop_plan_name(enum vgmp_stop_plan p)
{
	return (unsigned)p < VGMP_STOP_PLAN_MAX ? plan_names[p] : "?";
}

const char *vgmp_stop_reason_name(enum vgmp_stop_reason r)
{
	return (unsigned)r < VGMP_STOP_R_MAX ? reason_names[r] : "?";
}

const char *vgmp_stop_progress_name(enum vgmp_stop_progress p)
{
	return (unsigned)p < VGMP_STOP_PROGRESS_MAX ? progress_names[p] : "?";
}

static enum vgmp_stop_plan verdict(enum vgmp_stop_reason r, enum vgmp_stop_reason *why)
{
	if (why)
		*why = r;
	return r == VGMP_STOP_R_HANDOVER    ? VGMP_STOP_HANDOVER
	       : r == VGMP_STOP_R_UNDER_WAY ? VGMP_STOP_WAIT
					    : VGMP_STOP_NOW;
}

enum vgmp_stop_plan vgmp_stop_plan(const struct vgmp *v, uint32_t timeout_ms,
				   enum vgmp_stop_reason *why)
{
	const struct vgmp_peer *pe = &v->peer;
	/* The operator asked for a plain stop. */
	if (timeout_ms == 0)
		return verdict(VGMP_STOP_R_DISABLED, why);
	/* Only the active box holds traffic that the peer does not (load-balance shares it:
	 * each box holds its own bindings, and the peer takes them when it sees us die). */
	if (!v->enabled || v->state != VGMP_STATE_ACTIVE)
		return verdict(VGMP_STOP_R_NOT_ACTIVE, why);
	if (pe->status != VGMP_PEER_ALIVE)
		return verdict(VGMP_STOP_R_NO_PEER, why);
	/* Our request is out already (hrp switchover, or a fault request): its end is ours. */
	if (v->ho.giving)
		return verdict(VGMP_STOP_R_UNDER_WAY, why);
	/* A freeze holds the roles; the peer nacks (admin) while ours is on. */
	if (v->frozen || (pe->readiness & VGMP_R_FROZEN))
		return verdict(VGMP_STOP_R_FROZEN, why);
	if (pe->state != VGMP_STATE_STANDBY)
		return verdict(VGMP_STOP_R_PEER_NOT_STANDBY, why);
	/* A planned handover loses no session: the peer acks only with its table complete. */
	if (!(pe->readiness & HRP_VGMP_R_SESSIONS_SYNCED))
		return verdict(VGMP_STOP_R_PEER_NOT_READY, why);
	return verdict(VGMP_STOP_R_HANDOVER, why);
}

enum vgmp_stop_progress vgmp_stop_progress(const struct vgmp *v)
{
	/* The peer announced active and we let go (HANDED_OVER), or lost the role otherwise:
	 * either way no traffic of ours is left to hand over. */
	if (!vgmp_state_holds(v->state))
		return VGMP_STOP_HANDED_OVER;
	if (v->ho.giving)
		return VGMP_STOP_PENDING;
	return VGMP_STOP_GAVE_UP;
}
