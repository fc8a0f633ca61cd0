/* Who runs the pair upgrade (doc/issu.md, "When the box that runs it dies"; the rules are
 * lib/issu_takeover's). The box that holds the peer's copy of the record runs the upgrade from
 * it once hrpd has declared the runner dead for issu_takeover_delay, as the crash table of the
 * copy's stage says (the runner is the box that crashed). A runner that comes back, thawed or
 * started cold, hears the higher term and keeps the winner's record as its copy. */
#include <errno.h>
#include <string.h>

#include "daemon.h"
#include "hrpd.h"
#include "issu.h"
#include "log.h"

#define PREFIX "[issu]"

static uint64_t delay_ms(const struct hrpd_issu *u)
{
	const struct hs_config *c = u->h->d->config;
	return c ? (uint64_t)c->hrpd.issu_takeover_delay_ms : ISSU_TAKEOVER_DELAY_MS;
}

static void publish(struct hrpd_issu *u, const char *what, uint32_t term)
{
	json_t *ev = json_pack("{s:s, s:s, s:I}", "what", what, "stage",
			       issu_stage_name(u->orchestrating ? u->m.stage : u->rec.stage), "term",
			       (json_int_t)term);
	hrpd_publish(u->h, "issu-runner", ev);
	json_decref(ev);
}

/* The copy becomes our machine; the dead runner is the box that crashed. */
static void take_over(struct hrpd_issu *u)
{
	struct hrpd *h = u->h;
	uint32_t term = u->rec.term + 1;
	if (hrpd_issu_restore(u) < 0) {
		hs_err(PREFIX, "the peer's record is not one this box can run: not taken over");
		return;
	}
	u->have_copy = false;
	u->rec.has_runner = true;
	u->rec.runner = u->local;
	u->rec.term = term;
	u->st.takeovers++;
	enum issu_box dead = issu_other_box(u->local);
	hs_notice(PREFIX,
		  "%s, which ran the upgrade, is dead for %llu ms: this box runs it now (term %u, "
		  "at %s)",
		  u->rec.box[dead].name, (unsigned long long)(hs_now_ms() - u->peer_dead_ms), term,
		  issu_stage_name(u->m.stage));
	publish(u, "taken-over", term);
	bool active = h->local.state == HRP_VGMP_ACTIVE;
	struct issu_event ev = { .kind = ISSU_EV_RESUMED,
				 .box = dead,
				 .bin = ISSU_BIN_UNKNOWN,
				 .stage = u->m.stage,
				 .active = active ? u->local : u->m.active };
	hrpd_issu_feed(u, &ev);
}

static void takeover_due(struct hs_timer *t, void *arg)
{
	struct hrpd_issu *u = arg;
	(void)t;
	if (!u->orchestrating && u->have_copy && u->peer_dead_ms && issu_under_way(u->rec.stage))
		take_over(u);
}

static void start_due(struct hs_timer *t, void *arg)
{
	struct hrpd_issu *u = arg;
	(void)t;
	if (!u->start_held)
		return;
	u->start_held = false;
	hs_notice(PREFIX, "%s: no other runner claimed the upgrade; resuming",
		  u->peer_up_ms ? "the peer is up" : "no peer");
	hrpd_issu_resume(u);
}

static void arm_start(struct hrpd_issu *u)
{
	hs_timer_arm_at(&u->start_timer, issu_resume_at(u->started_ms, u->peer_up_ms,
							ISSU_START_SETTLE_MS, delay_ms(u)));
}

void hrpd_issu_hold_start(struct hrpd_issu *u)
{
	u->start_held = true;
	u->started_ms = hs_now_ms();
	hs_notice(PREFIX,
		  "record at %s (term %u): the peer may run the upgrade now; waiting for its word "
		  "before resuming (%llu ms at most)",
		  issu_stage_name(u->m.stage), u->rec.term, (unsigned long long)delay_ms(u));
	arm_start(u);
}

void hrpd_issu_peer_event(struct hrpd *h, bool up)
{
	struct hrpd_issu *u = h->issu;
	if (!u)
		return;
	uint64_t now = hs_now_ms();
	if (up) {
		u->peer_dead_ms = 0;
		u->peer_up_ms = now;
		hs_timer_cancel(&u->takeover_timer);
		if (u->start_held)
			arm_start(u);
		else if (u->orchestrating && issu_under_way(u->m.stage))
			hrpd_issu_send_record(u); /* a runner back from a freeze learns our term */
		return;
	}
	u->peer_up_ms = 0;
	u->peer_dead_ms = now;
	if (u->orchestrating || !u->have_copy || !issu_under_way(u->rec.stage))
		return;
	uint64_t at = issu_takeover_at(u->rec.stage, now, delay_ms(u));
	hs_notice(PREFIX,
		  "the peer, which runs the upgrade (at %s), is dead: this box runs it in %llu ms "
		  "unless the peer returns",
		  issu_stage_name(u->rec.stage), (unsigned long long)(at - now));
	hs_timer_arm_at(&u->takeover_timer, at);
}

/* When this box runs the upgrade, a restart of the peer's hrpd is a crash of the peer like
 * any other, and the crash table decides (resume, or roll back); unless it is the restart of
 * that hrpd the machine asked for. What the peer runs now is unknown: the plan restarts its
 * daemons onto the stage's goal, a step done at once where one already runs it. */
void hrpd_issu_peer_restarted(struct hrpd *h)
{
	struct hrpd_issu *u = h->issu;
	if (!u || !u->orchestrating || !issu_under_way(u->m.stage))
		return;
	enum issu_box peer = issu_other_box(u->local);
	const struct issu *m = &u->m;
	if (m->wait == ISSU_WAIT_RESTART && m->wait_box == peer && m->wait_daemon == ISSU_D_HRPD)
		return;
	hs_notice(PREFIX, "the peer's hrpd restarted at %s, not asked to: a crash of %s",
		  issu_stage_name(m->stage), u->rec.box[peer].name);
	bool active = h->local.state == HRP_VGMP_ACTIVE;
	struct issu_event ev = { .kind = ISSU_EV_RESUMED,
				 .box = peer,
				 .bin = ISSU_BIN_UNKNOWN,
				 .stage = m->stage,
				 .active = active ? u->local : m->active };
	hrpd_issu_feed(u, &ev);
}

bool hrpd_issu_arbitrate(struct hrpd_issu *u, const struct issu_record *r)
{
	struct issu_claim ours = { u->rec.term, u->local };
	/* a minor-0 record names no runner: its writer, the peer, ran it */
	struct issu_claim theirs = { r->term, r->has_runner ? r->runner : issu_other_box(u->local) };
	if (!issu_claim_beats(&theirs, &ours)) {
		hs_warn(PREFIX,
			"the peer runs the upgrade too (stage %s, term %u): ours (term %u) goes on; "
			"it gets our record",
			issu_stage_name(r->stage), r->term, u->rec.term);
		hrpd_issu_send_record(u);
		return false;
	}
	hs_notice(PREFIX,
		  "the peer runs the upgrade (stage %s, term %u, ours %u): this box stops running "
		  "it and keeps the peer's record",
		  issu_stage_name(r->stage), r->term, u->rec.term);
	u->orchestrating = false;
	u->start_held = false;
	u->have_copy = true;
	u->wait_id = 0;
	hs_timer_cancel(&u->start_timer);
	hs_timer_cancel(&u->ask_timer);
	hs_timer_cancel(&u->rollback_timer);
	hs_timer_cancel(&u->record_timer);
	u->rec = *r;
	u->st.yielded++;
	/* our record must not resume at our next start */
	hrpd_issu_unstore(u, ISSU_FILE);
	hrpd_issu_store(u, ISSU_PEER_FILE, r);
	publish(u, "yielded", r->term);
	return true;
}

bool hrpd_issu_refuse_ask(struct hrpd_issu *u, uint32_t id)
{
	if (!u->orchestrating || !issu_under_way(u->m.stage))
		return false;
	/* Two runners: our record decides which goes on. The answer says "under way", not
	 * "failed": a winner's ask is asked again and done once we have yielded, and a failure
	 * would count against its step. */
	u->st.asks_refused++;
	hrpd_issu_send_record(u);
	struct issu_msg a = { .op = ISSU_MSG_ANSWER, .id = id, .status = ISSU_MSG_RUNNING };
	hrpd_issu_send(u, &a);
	return true;
}

void hrpd_issu_takeover_init(struct hrpd_issu *u)
{
	hs_timer_init(&u->takeover_timer, &u->h->d->loop, takeover_due, u);
	hs_timer_init(&u->start_timer, &u->h->d->loop, start_due, u);
}

void hrpd_issu_takeover_free(struct hrpd_issu *u)
{
	hs_timer_free(&u->takeover_timer);
	hs_timer_free(&u->start_timer);
}
