/* The pair upgrade's machine in hrpd (see issu.h): commands and outcomes go in as events
 * (issu_step), the actions come out and are carried out in order, here or on the peer. Outcomes
 * that arrive while actions run are queued and fed after them, so the machine never runs inside
 * itself. The record is written before anything else (the persist action comes first) and a
 * copy goes to the peer. At start, a record left by this hrpd resumes: a restart of this very
 * hrpd that the machine waited for is its outcome; another step under way is asked again (every
 * step is idempotent); anything else is a crash, fed as ISSU_EV_RESUMED. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cfgsync.h"
#include "daemon.h"
#include "data.h"
#include "hrpd.h"
#include "issu.h"
#include "issu_query.h"
#include "issu_send.h"
#include "log.h"
#include "sess.h"
#include "version.h"

#define PREFIX "[issu]"

uint64_t hrpd_issu_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int hrpd_issu_exe(const char *dir, enum issu_daemon d, char *out, size_t len)
{
	const char *name = issu_daemon_name(d);
	char cand[PATH_MAX];

	for (size_t i = 0; i < 2; i++) {
		int n = i == 0 ? snprintf(cand, sizeof(cand), "%s/%s", dir, name)
			       : snprintf(cand, sizeof(cand), "%s/%s/%s", dir, name, name);
		struct stat st;
		if (n < 0 || (size_t)n >= sizeof(cand) || stat(cand, &st) != 0 ||
		    !S_ISREG(st.st_mode) || access(cand, X_OK) != 0)
			continue;
		char *real = realpath(cand, NULL);
		if (!real)
			continue;
		n = snprintf(out, len, "%s", real);
		free(real);
		return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
	}
	return -ENOENT;
}

const char *hrpd_issu_dir(const struct hrpd_issu *u, enum issu_bin bin)
{
	return bin == ISSU_BIN_NEW ? u->rec.new_rel.path : u->rec.old_rel.path;
}

/* ---- actions ---- */

static void persist(struct hrpd_issu *u)
{
	issu_record_from_state(&u->rec, &u->m, hs_now_ms(), hrpd_issu_wall_ms());
	if (hrpd_issu_store(u, ISSU_FILE, &u->rec) < 0)
		u->st.persist_failures++;
	/* no link yet (a new process before its confirm): sent again until it goes */
	if (hrpd_issu_send_record(u) < 0)
		hs_timer_arm_in(&u->record_timer, ISSU_ASK_EVERY_MS);
	else
		hs_timer_cancel(&u->record_timer);
}

static void record_again(struct hs_timer *t, void *arg)
{
	struct hrpd_issu *u = arg;
	if (u->orchestrating && hrpd_issu_send_record(u) < 0)
		hs_timer_arm_in(t, ISSU_ASK_EVERY_MS);
}

static void queue_event(struct hrpd_issu *u, const struct issu_event *ev)
{
	if (u->n_queued < sizeof(u->queue) / sizeof(u->queue[0]))
		u->queue[u->n_queued++] = *ev;
	else
		hs_err(PREFIX, "event queue full: %s lost", issu_event_name(ev->kind));
}

static int feed(struct hrpd_issu *u, const struct issu_event *ev, const char **why);

/* query-registry: the new binaries' registry against ours, from their hrpd --version, which
 * runs as a child (issu_version.c); the verdict is fed when it has answered. */
static void query_registry(struct hrpd_issu *u)
{
	char exe[PATH_MAX];
	int r = hrpd_issu_exe(u->rec.new_rel.path, ISSU_D_HRPD, exe, sizeof(exe));
	if (r == 0)
		r = hrpd_issu_version_start(u, exe);
	if (r < 0) {
		hs_warn(PREFIX, "cannot run %s/hrpd --version: %s", u->rec.new_rel.path,
			strerror(-r));
		hrpd_issu_version_done(u, "", 0);
	}
}

void hrpd_issu_version_done(struct hrpd_issu *u, const char *out, size_t n)
{
	struct hrp_registry local, next;
	struct issu_event ev = { .kind = ISSU_EV_VERDICT, .verdict = HRP_COMPAT_UNKNOWN };
	hrp_registry_local(&local);
	if (n && issu_registry_from_version(out, &next) == 0) {
		issu_verdict_compute(&local, &next, &u->verdict);
		ev.verdict = u->verdict.level;
		issu_record_set_held(&u->rec, &u->verdict);
		const char *sp = strchr(out, ')');
		if (sp && sscanf(sp + 1, " %32s", u->rec.new_rel.version) != 1)
			u->rec.new_rel.version[0] = '\0';
	} else {
		memset(&u->verdict, 0, sizeof(u->verdict));
		u->verdict.level = HRP_COMPAT_UNKNOWN;
		hs_warn(PREFIX, "no registry from %s/hrpd --version", u->rec.new_rel.path);
	}
	hs_notice(PREFIX, "verdict: %s (%zu types differ)", hrp_compat_name(ev.verdict),
		  u->verdict.n_held);
	feed(u, &ev, NULL); /* from the loop: fed now; from an action: queued */
}

/* The step awaited, here: the one job may still run a step it took for the peer when it was
 * the runner (a takeover); then it is tried again with the asks' period until it starts. */
static void start_local(struct hrpd_issu *u)
{
	const struct hrpd_issu_job *j = &u->job;
	hrpd_issu_job_start(u, false, u->wait_id, u->ask.step, (enum issu_daemon)u->ask.daemon,
			    (enum issu_bin)u->ask.bin, u->ask.text);
	if (u->wait_id && !(j->used && j->id == u->wait_id && !j->for_peer))
		hs_timer_arm_in(&u->ask_timer, ISSU_ASK_EVERY_MS);
}

/* A step, here or asked of the peer. */
static void do_step(struct hrpd_issu *u, enum issu_box where, enum issu_step_kind kind,
		    enum issu_daemon d, enum issu_bin bin)
{
	u->wait_id = ++u->next_id;
	u->wait_remote = where != u->local;
	u->ask = (struct issu_msg){ .op = ISSU_MSG_ASK,
				    .id = u->wait_id,
				    .step = kind,
				    .daemon = (uint8_t)d,
				    .bin = (uint8_t)bin };
	snprintf(u->ask.text, sizeof(u->ask.text), "%.255s", hrpd_issu_dir(u, bin));
	hs_info(PREFIX, "step %u: %s %s of the %s box (%s)", u->wait_id, issu_step_name(kind),
		issu_daemon_name(d), issu_box_name(where), u->wait_remote ? "peer" : "here");
	if (u->wait_remote) {
		hrpd_issu_send(u, &u->ask);
		hs_timer_arm_in(&u->ask_timer, ISSU_ASK_EVERY_MS);
		return;
	}
	start_local(u);
}

static void report(struct hrpd_issu *u)
{
	snprintf(u->report, sizeof(u->report), "%.20s: %.150s", issu_stage_name(u->m.stage),
		 u->m.why ? u->m.why : "");
	hs_notice(PREFIX, "%s", u->report);
	json_t *ev = json_pack("{s:s, s:s}", "stage", issu_stage_name(u->m.stage), "why",
			       u->m.why ? u->m.why : "");
	hrpd_publish(u->h, "issu", ev);
	json_decref(ev);
}

static void arm_rollback(struct hrpd_issu *u, uint64_t deadline_ms)
{
	hs_timer_arm_at(&u->rollback_timer, deadline_ms);
}

static void carry_out(struct hrpd_issu *u, const struct issu_action *a)
{
	switch (a->kind) {
	case ISSU_ACT_PERSIST: persist(u); break;
	case ISSU_ACT_QUERY_REGISTRY: query_registry(u); break;
	case ISSU_ACT_HOT_RESTART:
		do_step(u, a->box, ISSU_STEP_HOT_RESTART, a->daemon, a->bin);
		break;
	case ISSU_ACT_COLD_RESTART:
		do_step(u, a->box, ISSU_STEP_COLD_RESTART, a->daemon, a->bin);
		break;
	case ISSU_ACT_SWITCHOVER:
		/* .box becomes active: the active one, the other, hands over; in cold mode by a
		 * release, since the two versions share no switchover request */
		do_step(u, issu_other_box(a->box),
			u->m.mode == ISSU_MODE_COLD ? ISSU_STEP_RELEASE : ISSU_STEP_HANDOVER,
			ISSU_D_VGMPD, a->bin);
		break;
	case ISSU_ACT_AWAIT_SYNC:
		do_step(u, a->box, ISSU_STEP_AWAIT_SYNC, ISSU_D_HRPD, a->bin);
		break;
	case ISSU_ACT_START_TIMER: arm_rollback(u, a->deadline_ms); break;
	case ISSU_ACT_STOP_TIMER: hs_timer_cancel(&u->rollback_timer); break;
	case ISSU_ACT_HOLD_BACK:
		hs_notice(PREFIX, "partially compatible: %zu message types held back",
			  u->verdict.n_held);
		break;
	case ISSU_ACT_RELEASE_HOLD:
		hs_notice(PREFIX, "one version again: nothing held back");
		break;
	case ISSU_ACT_REPORT: report(u); break;
	default: break;
	}
}

/* Feeds ev and then whatever the actions queued, in order. */
static int feed(struct hrpd_issu *u, const struct issu_event *ev, const char **why)
{
	struct issu_actions out;
	const char *reason = NULL;
	int first = 0;

	queue_event(u, ev);
	if (u->feeding)
		return 0;
	u->feeding = true;
	for (unsigned i = 0; i < u->n_queued; i++) {
		struct issu_event e = u->queue[i];
		enum issu_stage from = u->m.stage;
		int r = issu_step(&u->m, &e, hs_now_ms(), &out, &reason);
		if (i == 0)
			first = r;
		if (r < 0) {
			hs_info(PREFIX, "%s refused in %s: %s", issu_event_name(e.kind),
				issu_stage_name(from), reason);
			if (i == 0 && why)
				*why = reason;
			continue;
		}
		if (from != u->m.stage)
			hs_notice(PREFIX, "%s -> %s (%s)", issu_stage_name(from),
				  issu_stage_name(u->m.stage), reason ? reason : "");
		for (size_t k = 0; k < out.n; k++)
			carry_out(u, &out.a[k]);
	}
	u->n_queued = 0;
	u->feeding = false;
	return first < 0 ? first : 0;
}

int hrpd_issu_feed(struct hrpd_issu *u, const struct issu_event *ev)
{
	return feed(u, ev, NULL);
}

/* ---- outcomes ---- */

void hrpd_issu_outcome(struct hrpd_issu *u, uint32_t id, enum issu_msg_status status,
		       const char *why)
{
	if (!u->orchestrating || id != u->wait_id || status == ISSU_MSG_RUNNING) {
		if (status != ISSU_MSG_RUNNING && id != u->wait_id)
			u->st.answers_stale++;
		return;
	}
	bool ok = status == ISSU_MSG_DONE;
	const struct issu_msg *a = &u->ask;
	struct issu_event ev = { .box = u->m.wait_box, .daemon = (enum issu_daemon)a->daemon };
	u->wait_id = 0;
	hs_timer_cancel(&u->ask_timer);
	hs_info(PREFIX, "step %u (%s %s) %s%s%s", id, issu_step_name(a->step),
		issu_daemon_name(a->daemon), ok ? "done" : "failed", why && *why ? ": " : "",
		why ? why : "");
	switch (a->step) {
	case ISSU_STEP_HOT_RESTART:
	case ISSU_STEP_COLD_RESTART:
		ev.kind = ok ? ISSU_EV_DAEMON_OK : ISSU_EV_DAEMON_FAILED;
		break;
	case ISSU_STEP_HANDOVER:
	case ISSU_STEP_RELEASE:
		ev.kind = ok ? ISSU_EV_SWITCHOVER_DONE : ISSU_EV_SWITCHOVER_FAILED;
		break;
	default:
		if (!ok) { /* no failure event for a sync: wait on, ask again */
			do_step(u, u->m.wait_box, ISSU_STEP_AWAIT_SYNC, ISSU_D_HRPD, ISSU_BIN_OLD);
			return;
		}
		ev.kind = ISSU_EV_BULK_SYNC_DONE;
		break;
	}
	feed(u, &ev, NULL);
}

static void ask_again(struct hs_timer *t, void *arg)
{
	struct hrpd_issu *u = arg;
	(void)t;
	if (!u->wait_id)
		return;
	if (!u->wait_remote) {
		start_local(u);
		return;
	}
	hrpd_issu_send(u, &u->ask);
	hs_timer_arm_in(&u->ask_timer, ISSU_ASK_EVERY_MS);
}

static void rollback_due(struct hs_timer *t, void *arg)
{
	struct hrpd_issu *u = arg;
	struct issu_event ev = { .kind = ISSU_EV_TIMER };
	(void)t;
	hs_notice(PREFIX, "rollback timer expired");
	feed(u, &ev, NULL);
}

/* ---- commands ---- */

int hrpd_issu_command(struct hrpd_issu *u, enum issu_event_kind kind, char *why, size_t len)
{
	const char *reason = NULL;
	struct issu_event ev = { .kind = kind };

	if (!u->orchestrating) {
		snprintf(why, len,
			 u->have_copy && u->rec.stage != ISSU_IDLE
				 ? "the upgrade is run by the peer's hrpd: type it there"
				 : "no upgrade under way (issu load starts one)");
		u->st.refused_commands++;
		return -EPERM;
	}
	if (u->start_held) {
		snprintf(why, len, "resuming the upgrade: waiting for the peer's word first");
		u->st.refused_commands++;
		return -EAGAIN;
	}
	if (feed(u, &ev, &reason) < 0) {
		snprintf(why, len, "%s", reason ? reason : "refused");
		u->st.refused_commands++;
		return -EINVAL;
	}
	return 0;
}

/* Where this hrpd's binaries are: the directory d such that d/hrpd or d/hrpd/hrpd is us, and
 * where the other daemons are too. */
static int own_dir(char *out, size_t len)
{
	char self[PATH_MAX], exe[PATH_MAX];
	if (hrpd_issu_self_exe(self, sizeof(self)) < 0)
		return -ENOENT;
	snprintf(out, len, "%s", self);
	for (int up = 0; up < 2; up++) {
		char *slash = strrchr(out, '/');
		if (!slash || slash == out)
			return -ENOENT;
		*slash = '\0';
		bool all = hrpd_issu_exe(out, ISSU_D_HRPD, exe, sizeof(exe)) == 0 &&
			   !strcmp(exe, self);
		for (int d = 0; all && d < ISSU_D_HRPD; d++)
			all = hrpd_issu_exe(out, (enum issu_daemon)d, exe, sizeof(exe)) == 0;
		if (all)
			return 0;
	}
	return -ENOENT;
}

int hrpd_issu_load(struct hrpd_issu *u, const char *path, uint64_t timeout_ms, char *why,
		   size_t len)
{
	struct hrpd *h = u->h;
	char exe[PATH_MAX], real[PATH_MAX];

	if (u->have_copy && !u->orchestrating && u->rec.stage != ISSU_IDLE &&
	    u->rec.stage != ISSU_COMMITTED) {
		snprintf(why, len, "the peer's hrpd runs an upgrade (stage %s)",
			 issu_stage_name(u->rec.stage));
		return -EPERM;
	}
	if (u->orchestrating && u->m.stage != ISSU_IDLE && u->m.stage != ISSU_COMMITTED) {
		snprintf(why, len, "an upgrade is under way (stage %s)",
			 issu_stage_name(u->m.stage));
		return -EINVAL;
	}
	if (!h->have_peer_hello || !h->peer_hello.sysname[0]) {
		snprintf(why, len, "the peer is not up: the pair upgrade needs both boxes");
		return -ENOTCONN;
	}
	bool local_standby = h->local.state == HRP_VGMP_STANDBY;
	bool peer_standby = h->peer_hello.vgmp.state == HRP_VGMP_STANDBY;
	if (local_standby == peer_standby) {
		snprintf(why, len, "one box must be active and the other standby");
		return -EINVAL;
	}
	for (int d = 0; d < ISSU_D_MAX; d++)
		if (hrpd_issu_exe(path, (enum issu_daemon)d, exe, sizeof(exe)) < 0) {
			snprintf(why, len, "no %s in %s", issu_daemon_name((enum issu_daemon)d),
				 path);
			return -ENOENT;
		}
	if (!realpath(path, real) || own_dir(exe, sizeof(exe)) < 0) {
		snprintf(why, len, "cannot tell where the running binaries are");
		return -ENOENT;
	}
	if (!strcmp(real, exe)) {
		snprintf(why, len, "%s holds the running version", path);
		return -EINVAL;
	}
	issu_init(&u->m, timeout_ms);
	issu_record_init(&u->rec);
	snprintf(u->rec.old_rel.path, sizeof(u->rec.old_rel.path), "%.256s", exe);
	snprintf(u->rec.old_rel.version, sizeof(u->rec.old_rel.version), "%s", HS_VERSION);
	snprintf(u->rec.new_rel.path, sizeof(u->rec.new_rel.path), "%.256s", real);
	u->local = local_standby ? ISSU_BOX_FIRST : ISSU_BOX_SECOND;
	u->rec.has_runner = true; /* term 0: nobody took it over yet */
	u->rec.runner = u->local;
	snprintf(u->rec.box[u->local].name, sizeof(u->rec.box[0].name), "%s", h->sysname);
	snprintf(u->rec.box[issu_other_box(u->local)].name, sizeof(u->rec.box[0].name), "%s",
		 h->peer_hello.sysname);
	u->orchestrating = true;
	u->have_copy = false;
	u->wait_id = 0;
	hs_notice(PREFIX, "issu load %s: this box (%s) is the %s box", real, h->sysname,
		  issu_box_name(u->local));
	return hrpd_issu_command(u, ISSU_EV_LOAD, why, len);
}

/* ---- the send plan ---- */

static void plan_compute(struct hrpd *h)
{
	struct hrpd_issu *u = h->issu;
	struct hrp_registry local;
	hrp_registry_local(&local);
	enum hrp_compat before = u->plan.level;
	size_t held = u->plan.n_held;
	issu_verdict_compute(&local, &h->peer_registry, &u->plan);
	if (u->plan.level != before || u->plan.n_held != held)
		hs_notice(PREFIX, "send plan against the peer's registry: %s, %zu types held back",
			  hrp_compat_name(u->plan.level), u->plan.n_held);
}

void hrpd_issu_peer_registry(struct hrpd *h)
{
	if (!h->issu)
		return;
	bool data_held = hrpd_issu_data_held(h);
	plan_compute(h);
	/* The data channel and its producers follow the plan at once, both ways. */
	if (hrpd_issu_data_held(h) != data_held) {
		hrpd_data_check(h);
		hrpd_sess_update(h);
		hrpd_cfgsync_update(h);
	}
}

int hrpd_issu_narrow(struct hrpd *h, uint16_t type, struct hrp_builder *b)
{
	struct hrpd_issu *u = h->issu;
	unsigned cut = 0;
	if (!u || !u->plan.n_held || b->err || b->len < HRP_HDR_LEN)
		return 0;
	size_t len = b->len - HRP_HDR_LEN;
	int r = issu_send_narrow(&u->plan, type, b->buf + HRP_HDR_LEN, &len, &cut);
	if (r == -EPERM) {
		u->plan_not_sent++;
		return r;
	}
	if (r == 0) {
		b->len = HRP_HDR_LEN + len;
		u->plan_tlvs_omitted += cut;
	}
	return 0;
}

bool hrpd_issu_peer_reads(const struct hrpd *h, uint16_t type, uint16_t feature)
{
	return !h->issu || issu_may_send_tlv(&h->issu->plan, type, feature);
}

bool hrpd_issu_data_held(const struct hrpd *h)
{
	return h->issu && issu_data_channel_held(&h->issu->plan);
}

static void registry_due(struct hs_timer *t, void *arg)
{
	struct hrpd_issu *u = arg;
	if (hrpd_send_registry(u->h) < 0)
		hs_timer_arm_in(t, ISSU_ASK_EVERY_MS);
}

/* ---- start: resume from our record ---- */

static enum issu_bin own_bin(const struct hrpd_issu *u)
{
	char self[PATH_MAX], exe[PATH_MAX];
	if (hrpd_issu_self_exe(self, sizeof(self)) < 0)
		return ISSU_BIN_UNKNOWN;
	for (int b = ISSU_BIN_OLD; b <= ISSU_BIN_NEW; b++)
		if (hrpd_issu_exe(hrpd_issu_dir(u, (enum issu_bin)b), ISSU_D_HRPD, exe,
				  sizeof(exe)) == 0 &&
		    !strcmp(exe, self))
			return (enum issu_bin)b;
	return ISSU_BIN_UNKNOWN;
}

void hrpd_issu_resume(struct hrpd_issu *u)
{
	struct issu *m = &u->m;
	struct issu_event ev = { .box = u->local };

	if (m->deadline_ms)
		arm_rollback(u, m->deadline_ms);
	if (m->wait == ISSU_WAIT_RESTART && m->wait_box == u->local &&
	    m->wait_daemon == ISSU_D_HRPD) {
		/* our own restart, waited for: this process is its outcome */
		bool ok = own_bin(u) == m->wait_bin;
		hs_notice(PREFIX, "resumed after the restart of this hrpd: %s",
			  ok ? "on the binary asked for" : "not on the binary asked for");
		ev.kind = ok ? ISSU_EV_DAEMON_OK : ISSU_EV_DAEMON_FAILED;
		ev.daemon = ISSU_D_HRPD;
		u->ask.step = m->wait_hot ? ISSU_STEP_HOT_RESTART : ISSU_STEP_COLD_RESTART;
		feed(u, &ev, NULL);
		return;
	}
	if (u->h->d->hot_state && m->wait != ISSU_WAIT_NONE) {
		/* a hot restart of ours nobody waited for (hot-restart by hand): the step under
		 * way is asked again */
		struct issu_actions one = { .n = 1 };
		one.a[0] = (struct issu_action){ .box = m->wait_box,
						 .daemon = m->wait_daemon,
						 .bin = m->wait_bin };
		switch (m->wait) {
		case ISSU_WAIT_RESTART:
			one.a[0].kind = m->wait_hot ? ISSU_ACT_HOT_RESTART : ISSU_ACT_COLD_RESTART;
			break;
		case ISSU_WAIT_SWITCHOVER: one.a[0].kind = ISSU_ACT_SWITCHOVER; break;
		case ISSU_WAIT_BULK_SYNC: one.a[0].kind = ISSU_ACT_AWAIT_SYNC; break;
		default: one.a[0].kind = ISSU_ACT_QUERY_REGISTRY; break;
		}
		hs_notice(PREFIX, "resumed at %s: %s asked again", issu_stage_name(m->stage),
			  issu_act_name(one.a[0].kind));
		carry_out(u, &one.a[0]);
		return;
	}
	if (m->stage == ISSU_IDLE || m->stage == ISSU_COMMITTED || u->h->d->hot_state)
		return; /* nothing under way, or handed over whole by a hot restart */
	/* a crash or a cold start midway: the crash table says resume or roll back */
	ev.kind = ISSU_EV_RESUMED;
	ev.bin = own_bin(u);
	ev.stage = m->stage;
	ev.active = m->active;
	hs_notice(PREFIX, "resumed at %s after a restart of this box (running %s): %s",
		  issu_stage_name(m->stage), issu_bin_name(ev.bin), m->why);
	feed(u, &ev, NULL);
}

int hrpd_issu_restore(struct hrpd_issu *u)
{
	const char *self = u->h->sysname;
	enum issu_box local = !strcmp(u->rec.box[ISSU_BOX_FIRST].name, self)    ? ISSU_BOX_FIRST
			      : !strcmp(u->rec.box[ISSU_BOX_SECOND].name, self) ? ISSU_BOX_SECOND
										 : ISSU_BOX_MAX;
	if (local == ISSU_BOX_MAX || issu_record_to_state(&u->rec, &u->m, hs_now_ms(),
							  hrpd_issu_wall_ms()) < 0)
		return -EINVAL;
	u->orchestrating = true;
	u->local = local;
	u->next_id = (uint32_t)hrpd_issu_wall_ms(); /* not the ids of the process before */
	/* the verdict's held-back types come back from the record */
	memset(&u->verdict, 0, sizeof(u->verdict));
	u->verdict.level = u->rec.has_verdict ? u->rec.verdict : HRP_COMPAT_UNKNOWN;
	for (size_t i = 0; i < u->rec.n_held; i++)
		u->verdict.held[u->verdict.n_held++] = u->rec.held[i];
	return 0;
}

static void load_at_start(struct hrpd_issu *u)
{
	char err[256];
	int r = hrpd_issu_load_file(u, ISSU_FILE, &u->rec, err, sizeof(err));
	if (r == 0 && !issu_under_way(u->rec.stage)) {
		/* a finished record of ours from an earlier upgrade (kept by an older hrpd) and
		 * the peer's copy under way: the peer runs this one */
		static struct issu_record copy;
		if (hrpd_issu_load_file(u, ISSU_PEER_FILE, &copy, err, sizeof(err)) == 0 &&
		    issu_under_way(copy.stage)) {
			hrpd_issu_unstore(u, ISSU_FILE);
			u->rec = copy;
			u->have_copy = true;
			return;
		}
	}
	if (r == -ENOENT) {
		r = hrpd_issu_load_file(u, ISSU_PEER_FILE, &u->rec, err, sizeof(err));
		u->have_copy = r == 0;
		if (r < 0 && r != -ENOENT)
			hs_warn(PREFIX, "the peer's record copy refused: %s", err);
		return;
	}
	if (r < 0) {
		hs_err(PREFIX, "record refused: %s", err);
		return;
	}
	if (hrpd_issu_restore(u) < 0) {
		hs_err(PREFIX, "record holds values out of range, or not this box's: not resumed");
		return;
	}
	if (!u->rec.has_runner) { /* a minor-0 record: its writer, this box, ran it */
		u->rec.has_runner = true;
		u->rec.runner = u->local;
	}
	/* A cold start midway: the peer may have taken the upgrade over while we were gone. */
	if (!u->h->d->hot_state && issu_under_way(u->m.stage)) {
		hrpd_issu_hold_start(u);
		return;
	}
	hrpd_issu_resume(u);
}

int hrpd_issu_init(struct hrpd *h)
{
	struct hrpd_issu *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->h = h;
	h->issu = u;
	issu_init(&u->m, 0);
	issu_record_init(&u->rec);
	u->next_id = (uint32_t)hrpd_issu_wall_ms();
	hs_timer_init(&u->ask_timer, &h->d->loop, ask_again, u);
	hs_timer_init(&u->rollback_timer, &h->d->loop, rollback_due, u);
	hs_timer_init(&u->record_timer, &h->d->loop, record_again, u);
	hs_timer_init(&u->registry_timer, &h->d->loop, registry_due, u);
	hrpd_issu_takeover_init(u);
	/* the plan from the registry the snapshot carried; a hot-started hrpd may be another
	 * version than the one the peer knows: it says so once it runs (the data channel and the
	 * sync features read the plan when they next look) */
	plan_compute(h);
	if (h->d->hot_state)
		hs_timer_arm_in(&u->registry_timer, 1000);
	hrpd_issu_job_init(u);
	hrpd_issu_version_init(u);
	load_at_start(u);
	return 0;
}

void hrpd_issu_free(struct hrpd *h)
{
	struct hrpd_issu *u = h->issu;
	if (!u)
		return;
	hrpd_issu_job_free(u);
	hrpd_issu_version_free(u);
	hs_timer_free(&u->ask_timer);
	hs_timer_free(&u->rollback_timer);
	hs_timer_free(&u->record_timer);
	hs_timer_free(&u->registry_timer);
	hrpd_issu_takeover_free(u);
	free(u);
	h->issu = NULL;
}
