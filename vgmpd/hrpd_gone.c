/* Our own hrpd gone (crashed, stopped, or slow to come back from a restart): vgmpd hears nothing
 * of the peer any more, while the peer's hrpd declares us dead after its dead time and the peer
 * acts on that. Once the same time has passed here, the peer is taken as dead too
 * (vgmp_peer_unreachable) and the split-brain policy decides by the VRRP adverts alone: a standby
 * that still hears the active stays standby, and takes over when the active's adverts stop. The
 * last alive view used to be kept for as long as hrpd was gone: a standby whose hrpd had died
 * stayed standby through the active's failure, and nobody held the traffic. A hot restart of
 * hrpd comes back well within the dead time and changes nothing. An hrpd that hangs keeps its
 * link up: when the peer's adverts go (silent.c asks hrpd then), an hrpd that does not answer
 * within its dead time is taken as gone the same way, not only once a watchdog kills it. Once
 * hrpd speaks again, its status is asked until it has a verdict on the peer (up with its
 * payload, or dead): hrpd tells vgmpd only of changes, and a peer that stayed up for an hrpd
 * that was merely stopped is no change; without asking, a box that took over while its hrpd
 * hung stayed active beside the peer for good. */
#include "log.h"
#include "vgmpd.h"

#define PREFIX "[vgmp]"
/* hrpd answers but has no verdict on the peer yet (negotiating): asked again after this */
#define REASK_MS 100

static void gone_fired(struct hs_timer *t, void *arg)
{
	struct vgmpd *g = arg;
	(void)t;
	if (g->closing || hs_ctl_link_up(g->hrpd))
		return;
	if (vgmp_peer_unreachable(&g->v, hs_now_ms()) == 1)
		hs_warn(PREFIX,
			"hrpd has been gone for %u ms (its dead time): the peer is taken as dead, "
			"and the VRRP adverts decide until hrpd is back",
			g->hrpd_dead_ms);
	vgmpd_rearm(g);
}

static void mute_fired(struct hs_timer *t, void *arg)
{
	struct vgmpd *g = arg;
	(void)t;
	if (g->closing)
		return;
	g->hrpd_mute_count++;
	if (vgmp_peer_unreachable(&g->v, hs_now_ms()) == 1)
		hs_warn(PREFIX,
			"hrpd has not answered for %u ms (its dead time) while the peer's adverts "
			"are gone: the peer is taken as dead, and the VRRP adverts decide until "
			"hrpd answers",
			g->hrpd_dead_ms);
	vgmpd_rearm(g);
}

static void reask_fired(struct hs_timer *t, void *arg)
{
	struct vgmpd *g = arg;
	(void)t;
	if (!g->closing && g->v.peer.unreachable)
		hs_ctl_link_request(g->hrpd, "status", NULL, vgmpd_hrpd_status_answer, g);
}

void vgmpd_hrpd_gone_init(struct vgmpd *g)
{
	hs_timer_init(&g->hrpd_gone, &g->d->loop, gone_fired, g);
	hs_timer_init(&g->hrpd_mute, &g->d->loop, mute_fired, g);
	hs_timer_init(&g->hrpd_reask, &g->d->loop, reask_fired, g);
	/* the missed hellos alone until hrpd's status tells its whole dead time */
	const struct hs_hrpd_config *c = &g->d->config->hrpd;
	g->hrpd_dead_ms = (uint32_t)c->hello_interval_ms * (uint32_t)c->dead_count;
	/* not connected yet: a hot-restored alive peer must not outlive an hrpd that never comes */
	hs_timer_arm_in(&g->hrpd_gone, g->hrpd_dead_ms);
}

void vgmpd_hrpd_gone_free(struct vgmpd *g)
{
	hs_timer_free(&g->hrpd_gone);
	hs_timer_free(&g->hrpd_mute);
	hs_timer_free(&g->hrpd_reask);
}

void vgmpd_hrpd_asked(struct vgmpd *g)
{
	if (!hs_timer_armed(&g->hrpd_mute))
		hs_timer_arm_in(&g->hrpd_mute, g->hrpd_dead_ms);
}

void vgmpd_hrpd_answered(struct vgmpd *g)
{
	hs_timer_cancel(&g->hrpd_mute);
	if (!g->closing && g->v.peer.unreachable && !hs_timer_armed(&g->hrpd_reask))
		hs_timer_arm_in(&g->hrpd_reask, REASK_MS);
}

void vgmpd_hrpd_lost(struct vgmpd *g)
{
	if (g->closing)
		return;
	hs_notice(PREFIX, "lost hrpd: the peer is taken as dead if hrpd is not back in %u ms",
		  g->hrpd_dead_ms);
	hs_timer_arm_in(&g->hrpd_gone, g->hrpd_dead_ms);
}

void vgmpd_hrpd_back(struct vgmpd *g)
{
	hs_timer_cancel(&g->hrpd_gone);
	hs_timer_cancel(&g->hrpd_mute); /* a new hrpd: the old one's silence is no news */
}

void vgmpd_hrpd_dead_time(struct vgmpd *g, const json_t *ms)
{
	if (json_is_integer(ms) && json_integer_value(ms) > 0 &&
	    json_integer_value(ms) <= UINT32_MAX)
		g->hrpd_dead_ms = (uint32_t)json_integer_value(ms);
}
