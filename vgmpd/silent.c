/* The faster take-over of a dead box (lib/vgmp_fsm.h, vgmp_peer_silent): when vrrpd reports
 * master-down on a bound group, hrpd is asked how long the peer has been silent; three hellos
 * missed and the peer is taken as dead at once, instead of after hrpd's dead time and
 * re-negotiation (5 hellos + ~35 ms at 10 ms hellos, against 3 adverts + skew for VRRP). Not
 * silent long enough yet (the LAN may fail a little before the heartbeat links): asked again
 * when it would be, while the adverts stay gone. hrpd tells only changes, so once hrpd's own
 * dead time has passed after a take-over its status is asked again: a peer that was only slow
 * is alive there, and the election settles the pair. A peer hrpd still negotiates with (it
 * never declared it dead, so its "up" again is no change to tell) is asked about once more
 * after another dead time, until hrpd says up or dead: asked once, a box thawed after a box
 * failure stayed active beside its peer for good. A peer that holds the role we handed it
 * (VGMP_R_HANDED_OVER) is not taken as dead on its silence alone (the core holds it): asked
 * again once the silence passes the handover timeout. One timer does all. */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "log_event.h"
#include "vgmpd.h"

#define PREFIX "[vgmp]"
/* after hrpd's dead time: its verdict is in by then */
#define RECHECK_SLACK_MS 50

static void silence_answer(json_t *resp, void *arg)
{
	struct vgmpd *g = arg;
	if (!resp)
		return; /* hrpd went away: its restart tells us what it knows */
	vgmpd_hrpd_answered(g);
	json_t *hrp = json_object_get(json_object_get(resp, "result"), "hrp");
	json_t *ago = json_object_get(json_object_get(hrp, "peer"), "last_rx_ms_ago");
	json_t *dead = json_object_get(json_object_get(hrp, "heartbeat"), "dead_time_ms");
	if (!json_is_integer(ago) || json_integer_value(ago) < 0)
		return;
	uint64_t silent = (uint64_t)json_integer_value(ago), now = hs_now_ms();
	uint32_t need = g->v.p.silent_takeover_ms, hold = g->v.p.handover_timeout_ms;
	uint64_t held = g->v.c.silent_held;
	if (vgmp_peer_silent(&g->v, silent, now) != 1) {
		bool waiting = g->v.peer.status == VGMP_PEER_ALIVE && !g->v.peer.adverts_seen;
		if (need && silent < need && waiting) {
			hs_timer_arm_in(&g->silent_recheck, need - silent + 1);
		} else if (g->v.c.silent_held != held && waiting && silent < hold) {
			/* held: we handed it the role; asked again when the hold ends, unless
			 * hrpd's verdict comes first */
			hs_info(PREFIX,
				"the peer has been silent for %llu ms but holds the role we handed "
				"it: not taken as dead before hrpd says so (or %u ms of silence)",
				(unsigned long long)silent, hold);
			hs_timer_arm_in(&g->silent_recheck, hold - silent + 1);
		}
		return;
	}
	hs_notice(PREFIX,
		  "the peer's adverts are gone and hrpd has heard nothing from it for %llu ms: "
		  "taken as dead now, not after hrpd's dead time",
		  (unsigned long long)silent);
	vgmpd_rearm(g);
	uint64_t wait = json_is_integer(dead) && json_integer_value(dead) > 0
				? (uint64_t)json_integer_value(dead)
				: 0;
	hs_timer_arm_in(&g->silent_recheck, (wait > silent ? wait - silent : 0) + RECHECK_SLACK_MS);
}

/* hrpd's verdict on a peer taken as dead: up or dead settles it; neither yet (negotiating),
 * asked again after hrpd's dead time. */
static void verdict_answer(json_t *resp, void *arg)
{
	struct vgmpd *g = arg;
	if (!resp)
		return; /* hrpd went away: its restart tells us what it knows */
	vgmpd_hrpd_status_answer(resp, arg);
	if (!g->v.peer.silent)
		return;
	json_t *hrp = json_object_get(json_object_get(resp, "result"), "hrp");
	json_t *dead = json_object_get(json_object_get(hrp, "heartbeat"), "dead_time_ms");
	uint64_t wait = json_is_integer(dead) && json_integer_value(dead) > 0
				? (uint64_t)json_integer_value(dead)
				: 1000;
	hs_timer_arm_in(&g->silent_recheck, wait + RECHECK_SLACK_MS);
}

static void recheck_fired(struct hs_timer *t, void *arg)
{
	struct vgmpd *g = arg;
	(void)t;
	if (g->v.peer.silent) /* taken over: hrpd's verdict */
		hs_ctl_link_request(g->hrpd, "status", NULL, verdict_answer, g);
	else /* not silent long enough when asked */
		vgmpd_silent_master_down(g);
}

void vgmpd_silent_master_down(struct vgmpd *g)
{
	/* the cheap checks first: most master-downs need no question to hrpd */
	if (g->v.peer.status != VGMP_PEER_ALIVE || g->v.peer.adverts_seen)
		return;
	/* asked even without the fast take-over: an hrpd that hangs answers nothing
	 * (hrpd_gone.c) */
	if (hs_ctl_link_request(g->hrpd, "status", NULL, silence_answer, g) == 0)
		vgmpd_hrpd_asked(g);
}

void vgmpd_silent_init(struct vgmpd *g)
{
	hs_timer_init(&g->silent_recheck, &g->d->loop, recheck_fired, g);
}

void vgmpd_silent_free(struct vgmpd *g)
{
	hs_timer_free(&g->silent_recheck);
}
