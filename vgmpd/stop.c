/* A planned stop: hand over, then confirm, then end the loop (see stop.h). */
#include "stop.h"

#include <inttypes.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "vgmp_stop.h"
#include "vgmpd.h"

#define PREFIX "[vgmp]"
/* While confirming, FRR's cost is polled: vtysh's end is no event of the core's. */
#define POLL_MS 20
/* What systemd should allow beyond our deadline for the rest of the stop. */
#define STOP_SLACK_MS 5000

static const char *const phase_names[VGMPD_STOP_PHASE_MAX] = {
	[VGMPD_STOP_RUNNING] = "running",
	[VGMPD_STOP_HANDOVER] = "handover",
	[VGMPD_STOP_CONFIRM] = "confirm",
	[VGMPD_STOP_DONE] = "done",
};

const char *vgmpd_stop_phase_name(enum vgmpd_stop_phase p)
{
	return (unsigned)p < VGMPD_STOP_PHASE_MAX ? phase_names[p] : "?";
}

static uint64_t elapsed(const struct vgmpd *g)
{
	return hs_now_ms() - g->stop.since_ms;
}

static void finish(struct vgmpd *g)
{
	g->stop.phase = VGMPD_STOP_DONE;
	hs_timer_cancel(&g->stop.timer);
	hs_loop_exit(&g->d->loop, 0);
}

/* The raised cost is in FRR, or there is none to raise: a router must not keep sending the
 * LAN's return traffic to a box that may be shut down next. */
static bool ospf_settled(const struct vgmpd *g)
{
	const struct vgmpd_ospf *o = &g->ospf;
	if (!g->v.p.ospf_cost || o->cfg->interfaces.count == 0)
		return true;
	return g->v.cost_at_ms == VGMP_NEVER && !vgmpd_ospf_busy(o) && o->wanted == o->applied;
}

static void vrrpd_confirmed(json_t *resp, void *arg)
{
	struct vgmpd *g = arg;
	if (g->closing)
		return;
	g->stop.vrrpd_due = false;
	vgmpd_stop_check(g);
}

static void hrpd_confirmed(json_t *resp, void *arg)
{
	struct vgmpd *g = arg;
	if (g->closing)
		return;
	g->stop.hrpd_due = false;
	vgmpd_stop_check(g);
}

/* We let go: vrrpd's groups must be backup and hrpd must carry our standby payload before we
 * leave. Each link answers in order, so the answer to a fresh copy confirms what went before.
 * A link that is down has nothing to confirm. */
static void confirm(struct vgmpd *g)
{
	struct vgmpd_stop *st = &g->stop;
	hs_notice(PREFIX, "stop: the peer took over after %" PRIu64 " ms; confirming", elapsed(g));
	st->phase = VGMPD_STOP_CONFIRM;
	st->vrrpd_due = st->hrpd_due = true;
	if (vgmpd_push_role(g, g->v.state, vrrpd_confirmed, g) < 0)
		st->vrrpd_due = false;
	if (st->phase == VGMPD_STOP_CONFIRM && vgmpd_push_payload(g, true, hrpd_confirmed, g) < 0)
		st->hrpd_due = false;
}

void vgmpd_stop_check(struct vgmpd *g)
{
	struct vgmpd_stop *st = &g->stop;
	if (st->phase == VGMPD_STOP_HANDOVER) {
		enum vgmp_stop_progress p = vgmp_stop_progress(&g->v);
		if (p == VGMP_STOP_PENDING)
			return;
		if (p == VGMP_STOP_GAVE_UP) {
			hs_warn(PREFIX, "stop: switchover %s after %" PRIu64 " ms; stopping anyway",
				vgmp_req_result_name(g->v.ho.result), elapsed(g));
			finish(g);
			return;
		}
		confirm(g);
	}
	if (st->phase != VGMPD_STOP_CONFIRM)
		return;
	if (st->vrrpd_due || st->hrpd_due)
		return;
	if (ospf_settled(g)) {
		hs_notice(PREFIX, "stop: handed over in %" PRIu64 " ms", elapsed(g));
		finish(g);
	} else {
		uint64_t at = hs_now_ms() + POLL_MS;
		hs_timer_arm_at(&st->timer, at < st->deadline_ms ? at : st->deadline_ms);
	}
}

static void timer_fired(struct hs_timer *t, void *arg)
{
	struct vgmpd *g = arg;
	if (hs_now_ms() < g->stop.deadline_ms) {
		vgmpd_stop_check(g);
		return;
	}
	hs_warn(PREFIX, "stop: %s not done within %d ms; stopping anyway",
		g->stop.phase == VGMPD_STOP_HANDOVER ? "the switchover is"
						     : "the confirmation of our standby state is",
		g->d->config->vgmpd.stop_handover_timeout_ms);
	finish(g);
}

bool vgmpd_stop_request(struct hs_daemon *d)
{
	struct vgmpd *g = d->priv;
	if (!g)
		return false;
	uint32_t timeout = (uint32_t)d->config->vgmpd.stop_handover_timeout_ms;
	uint64_t now = hs_now_ms();
	enum vgmp_stop_reason why;
	enum vgmp_stop_plan plan = vgmp_stop_plan(&g->v, timeout, &why);
	if (plan == VGMP_STOP_NOW) {
		hs_info(PREFIX, "stop: no handover (%s)", vgmp_stop_reason_name(why));
		return false;
	}
	if (plan == VGMP_STOP_HANDOVER) {
		int r = vgmp_admin_switchover(&g->v, now);
		if (r < 0) {
			hs_warn(PREFIX, "stop: no handover (switchover refused: %s)", strerror(-r));
			vgmpd_rearm(g);
			return false;
		}
	}
	hs_notice(PREFIX, "stop: %s (%s), at most %" PRIu32 " ms", vgmp_stop_plan_name(plan),
		  vgmp_stop_reason_name(why), timeout);
	/* systemd's TimeoutStopSec= may be shorter than the wait in a drop-in: extend it. */
	sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%" PRIu64, ((uint64_t)timeout + STOP_SLACK_MS) * 1000);
	g->stop.phase = VGMPD_STOP_HANDOVER;
	g->stop.since_ms = now;
	g->stop.deadline_ms = now + timeout;
	hs_timer_arm_at(&g->stop.timer, g->stop.deadline_ms);
	vgmpd_rearm(g); /* the request is out: arm the core's timer, and check at once */
	return true;
}

void vgmpd_stop_init(struct vgmpd *g)
{
	g->stop.phase = VGMPD_STOP_RUNNING;
	hs_timer_init(&g->stop.timer, &g->d->loop, timer_fired, g);
}

void vgmpd_stop_free(struct vgmpd *g)
{
	/* Late answers (the links close next) find nothing to do. */
	g->stop.phase = VGMPD_STOP_DONE;
	hs_timer_free(&g->stop.timer);
}
