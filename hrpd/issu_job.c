/* The upgrade's steps on this box (see issu.h), for the machine here or for the peer's. Each
 * step is idempotent and checked by what it leaves behind, so an ask sent again, or a step asked
 * again after this hrpd restarted, ends at once when it is already done:
 *   restart   the daemon runs the binary asked for (/proc/PID/exe). vrrpd and vgmpd are asked
 *             over their control sockets: hot-restart {"exe"} then status until the pid changes
 *             or the attempt shows as aborted (retried: a refusal often says "try again"); cold:
 *             stopped with SIGTERM and started again, detached, with the same arguments. This
 *             hrpd restarts itself: hot through lib/daemon_hot, cold by a detached helper that
 *             starts the new binary once this process has ended;
 *   handover  this box is standby and the peer active (vgmpd's hrp-switchover, asked again if
 *             it did not take), asked only once the peer can take the role: standby, synced,
 *             and not ranked below us by a tracked object that is down (issu_handover.h);
 *   release   the same end, by vgmpd's hrp-release: the cold mode's switchover, which needs no
 *             message the two versions may not share;
 *   sync      session sync says this box has the active peer's table. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl_link.h"
#include "daemon_hot.h"
#include "hrpd.h"
#include "issu.h"
#include "log.h"
#include "sess.h"

#define PREFIX   "[issu]"
#define ATTEMPTS 6 /* hot restarts refused or aborted before the step fails */
#define RETRY_MS 500

enum phase {
	PH_START,    /* nothing done yet (or a refused attempt to retry) */
	PH_ASKED,    /* the hot restart is under way */
	PH_STOPPING, /* cold: the old process was told to stop */
	PH_STARTED,  /* cold: the new one was started */
	PH_KEEP,     /* cold, vgmpd: the new one is asked to keep to standby */
};

static int exe_of_pid(long pid, char *out, size_t len)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/%ld/exe", pid);
	ssize_t n = readlink(link, out, len - 1);
	if (n < 0)
		return -errno;
	out[n] = '\0';
	char *del = strstr(out, " (deleted)");
	if (del)
		*del = '\0';
	return 0;
}

int hrpd_issu_self_exe(char *out, size_t len)
{
	return exe_of_pid((long)getpid(), out, len);
}

/* Gone, or a zombie waiting for its parent (the lab's daemons are its children). */
static bool ended(long pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return true;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	return !p || p[1] == '\0' || p[2] == 'Z' || p[2] == 'X';
}

static void finish(struct hrpd_issu_job *j, enum issu_msg_status st, const char *why)
{
	struct hrpd_issu *u = j->u;
	j->status = st;
	if (why != j->why) /* not onto itself */
		snprintf(j->why, sizeof(j->why), "%s", why ? why : "");
	hs_timer_cancel(&j->poll);
	hs_info(PREFIX, "%s %s: %s%s%s", issu_step_name(j->kind), issu_daemon_name(j->daemon),
		issu_msg_status_name(st), j->why[0] ? ": " : "", j->why);
	if (j->for_peer) {
		struct issu_msg a = { .op = ISSU_MSG_ANSWER, .id = j->id, .status = st };
		snprintf(a.text, sizeof(a.text), "%s", j->why);
		hrpd_issu_send(u, &a);
	} else {
		hrpd_issu_outcome(u, j->id, st, j->why);
	}
}

/* ---- starting a process detached: the lab and the service manager keep their own ---- */

static void close_from(int lowfd)
{
	for (int fd = lowfd; fd < 1024; fd++)
		close(fd);
}

/* argv from /proc/PID/cmdline with argv[0] replaced by exe; free() the array and its [1]. */
static char **argv_of(long pid, const char *exe, char **block)
{
	char path[64];
	static char buf[8192];
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	size_t argc = 0;
	for (ssize_t i = 0; i < n; i++)
		argc += buf[i] == '\0';
	char **argv = calloc(argc + 2, sizeof(char *));
	*block = malloc((size_t)n + 1);
	if (!argv || !*block) {
		free(argv);
		free(*block);
		*block = NULL; /* the caller frees it too */
		return NULL;
	}
	memcpy(*block, buf, (size_t)n + 1);
	size_t k = 0;
	for (char *p = *block; p < *block + n && k <= argc; p += strlen(p) + 1)
		argv[k++] = p;
	argv[0] = (char *)exe;
	argv[k] = NULL;
	return argv;
}

/* Forks a grandchild (reparented away from us) that waits for wait_pid to end, then runs exe
 * with argv, its output into out_fd. Returns 0 or -errno. */
static int spawn_detached(const char *exe, char **argv, int out_fd, long wait_pid)
{
	pid_t c = fork();
	if (c < 0)
		return -errno;
	if (c == 0) {
		sigset_t all;
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		setsid();
		pid_t g = fork();
		if (g != 0)
			_exit(g < 0 ? 1 : 0); /* tells our waitpid whether the helper runs */
		/* none of hrpd's sockets, nor its pid file's lock, while it waits */
		if (out_fd >= 0) {
			dup2(out_fd, 1);
			dup2(out_fd, 2);
		}
		close_from(3);
		for (int i = 0; wait_pid > 0 && !ended(wait_pid) && i < 600; i++)
			usleep(50 * 1000);
		if (wait_pid > 0 && !ended(wait_pid))
			_exit(1); /* still running after 30 s: never two of it */
		unsetenv("HS_HOT_FD");
		execv(exe, argv);
		_exit(127);
	}
	int st = 0;
	if (waitpid(c, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EAGAIN;
}

/* This hrpd, cold: a helper starts exe once we have ended, and we stop. */
static void cold_self(struct hrpd_issu_job *j)
{
	struct hrpd *h = j->u->h;
	char **argv = NULL;
	char *block = NULL;
	argv = argv_of((long)getpid(), j->exe, &block);
	int out = open("/proc/self/fd/2", O_WRONLY | O_APPEND | O_CLOEXEC);
	if (!argv || spawn_detached(j->exe, argv, out, (long)getpid()) < 0) {
		finish(j, ISSU_MSG_FAILED, "could not start the new hrpd");
	} else {
		hs_notice(PREFIX, "cold restart onto %s: this hrpd stops now", j->exe);
		j->phase = PH_STARTED;
		hs_loop_exit(&h->d->loop, 0);
	}
	if (out >= 0)
		close(out);
	free(argv);
	free(block);
}

static void cold_stop(struct hrpd_issu_job *j, long pid)
{
	char **argv;
	char *block = NULL;
	char fdpath[64];

	if (!(argv = argv_of(pid, j->exe, &block))) {
		finish(j, ISSU_MSG_FAILED, "cannot read the daemon's command line");
		return;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/%ld/fd/2", pid);
	int out = open(fdpath, O_WRONLY | O_APPEND | O_CLOEXEC);
	/* the helper waits for the old process to end before it starts the new one */
	int r = spawn_detached(j->exe, argv, out, pid);
	if (out >= 0)
		close(out);
	free(argv);
	free(block);
	if (r < 0 || kill((pid_t)pid, SIGTERM) < 0) {
		finish(j, ISSU_MSG_FAILED, "could not stop the daemon");
		return;
	}
	j->old_pid = pid;
	j->phase = PH_STARTED;
}

/* ---- vrrpd and vgmpd, through their control sockets ---- */

struct answer_ctx {
	struct hrpd_issu *u;
	uint32_t id;
	bool status; /* a status request (else the hot-restart or switchover command) */
};

/* The hot-restart command's answer: a refusal ("try again") is retried a little later. */
static void hot_answered(json_t *resp, void *arg)
{
	struct answer_ctx *c = arg;
	struct hrpd_issu_job *j = c->u ? &c->u->job : NULL;
	if (j && j->used && j->id == c->id && j->status == ISSU_MSG_RUNNING &&
	    j->phase == PH_ASKED && !(resp && json_is_true(json_object_get(resp, "ok")))) {
		const char *m = json_string_value(
			json_object_get(json_object_get(resp, "error"), "message"));
		snprintf(j->why, sizeof(j->why), "%s", m ? m : "vrrpd or vgmpd went away");
		j->phase = PH_START;
		j->next_try_ms = hs_now_ms() + RETRY_MS;
	}
	free(c);
}

static void ignore_answer(json_t *resp, void *arg)
{
	(void)resp;
	(void)arg;
}

/* The keep request's answer: taken, or "not yet" (asked again), or not known to that vgmpd (a
 * build without it, on a rollback) or moot (it holds a role already): the restart is done. */
static void keep_answered(json_t *resp, void *arg)
{
	struct answer_ctx *c = arg;
	struct hrpd_issu_job *j = c->u ? &c->u->job : NULL;
	if (j && j->used && j->id == c->id && j->status == ISSU_MSG_RUNNING &&
	    j->phase == PH_KEEP) {
		j->keep_out = false;
		const char *m = json_string_value(
			json_object_get(json_object_get(resp, "error"), "message"));
		if (resp && json_is_true(json_object_get(resp, "ok"))) {
			hs_info(PREFIX, "vgmpd keeps to standby, as the upgrade's roles say");
			finish(j, ISSU_MSG_DONE, NULL);
		} else if (m && strstr(m, "not yet")) {
			j->next_try_ms = hs_now_ms() + RETRY_MS;
		} else {
			hs_notice(PREFIX, "vgmpd does not keep to standby: %s",
				  m ? m : "no answer");
			finish(j, ISSU_MSG_DONE, NULL);
		}
	}
	free(c);
}

/* A vgmpd this upgrade cold-started is on the standby box, which becomes active only by the
 * upgrade's own switchover: it must not preempt back meanwhile, nor after the commit (its
 * fresh state has no handover to keep to). hrp-keep-standby gives it one (lib/vgmp_keep.h). */
static void ask_keep(struct hrpd_issu_job *j)
{
	if (j->keep_out || hs_now_ms() < j->next_try_ms)
		return;
	struct answer_ctx *c = malloc(sizeof(*c));
	if (!c)
		return;
	*c = (struct answer_ctx){ .u = j->u, .id = j->id };
	if (hs_ctl_link_request(j->u->link[ISSU_D_VGMPD], "hrp-keep-standby", NULL, keep_answered,
				c) < 0) {
		free(c);
		return; /* not connected yet: tried again at the next tick */
	}
	j->keep_out = true;
}

static void on_status(struct hrpd_issu_job *j, json_t *res)
{
	long pid = (long)json_integer_value(json_object_get(res, "pid"));
	json_int_t aborted =
		json_integer_value(json_object_get(json_object_get(res, "hot_restart"), "aborted"));
	char exe[PATH_MAX];
	bool there = pid > 0 && exe_of_pid(pid, exe, sizeof(exe)) == 0 && !strcmp(exe, j->exe);

	if (pid <= 0)
		return;
	switch (j->phase) {
	case PH_START:
		if (there) {
			finish(j, ISSU_MSG_DONE, NULL);
			return;
		}
		if (j->kind == ISSU_STEP_COLD_RESTART) {
			cold_stop(j, pid);
			return;
		}
		if (hs_now_ms() < j->next_try_ms)
			return;
		if (j->attempts >= ATTEMPTS) {
			finish(j, ISSU_MSG_FAILED, j->why);
			return;
		}
		j->old_pid = pid;
		j->old_aborted = aborted;
		json_t *args = json_pack("{s:s}", "exe", j->exe);
		struct answer_ctx *c = malloc(sizeof(*c));
		if (!c) {
			json_decref(args);
			return;
		}
		*c = (struct answer_ctx){ .u = j->u, .id = j->id };
		if (hs_ctl_link_request(j->u->link[j->daemon], "hot-restart", args, hot_answered,
					c) < 0) {
			free(c);
			return; /* not connected: tried again at the next tick */
		}
		j->attempts++;
		j->phase = PH_ASKED;
		return;
	case PH_ASKED:
		if (pid != j->old_pid) {
			if (there)
				finish(j, ISSU_MSG_DONE, NULL);
			else
				finish(j, ISSU_MSG_FAILED, "the new process runs another binary");
		} else if (aborted > j->old_aborted) {
			snprintf(j->why, sizeof(j->why), "%s",
				 json_string_value(json_object_get(
					 json_object_get(res, "hot_restart"), "last_error")));
			j->phase = PH_START;
			j->next_try_ms = hs_now_ms() + RETRY_MS;
		}
		return;
	case PH_STARTED:
		if (pid != j->old_pid && there && j->daemon == ISSU_D_VGMPD) {
			j->phase = PH_KEEP;
			ask_keep(j);
		} else if (pid != j->old_pid) {
			finish(j, there ? ISSU_MSG_DONE : ISSU_MSG_FAILED,
			       there ? NULL : "the new process runs another binary");
		}
		return;
	case PH_KEEP: ask_keep(j); return;
	default: return;
	}
}

static void status_answered(json_t *resp, void *arg)
{
	struct answer_ctx *c = arg;
	struct hrpd_issu_job *j = c->u ? &c->u->job : NULL;
	if (j && j->used && j->id == c->id && j->status == ISSU_MSG_RUNNING) {
		j->request_out = false;
		if (resp && json_is_true(json_object_get(resp, "ok")))
			on_status(j, json_object_get(resp, "result"));
	}
	free(c);
}

static void ask_status(struct hrpd_issu_job *j)
{
	struct answer_ctx *c = malloc(sizeof(*c));
	if (!c)
		return;
	*c = (struct answer_ctx){ .u = j->u, .id = j->id, .status = true };
	if (hs_ctl_link_request(j->u->link[j->daemon], "status", NULL, status_answered, c) < 0) {
		free(c);
		return;
	}
	j->request_out = true;
}

/* ---- this hrpd ---- */

static json_int_t own_aborted(const struct hrpd *h)
{
	json_t *st = hs_daemon_hot_status(h->d);
	json_int_t n = json_integer_value(json_object_get(st, "aborted"));
	json_decref(st);
	return n;
}

static void tick_self(struct hrpd_issu_job *j, uint64_t now)
{
	struct hrpd *h = j->u->h;
	char self[PATH_MAX], err[256] = "";

	if (hrpd_issu_self_exe(self, sizeof(self)) == 0 && !strcmp(self, j->exe)) {
		finish(j, ISSU_MSG_DONE, NULL);
		return;
	}
	if (j->kind == ISSU_STEP_COLD_RESTART) {
		if (j->phase == PH_START)
			cold_self(j);
		return;
	}
	if (j->phase == PH_ASKED) {
		if (own_aborted(h) <= j->old_aborted)
			return;
		json_t *st = hs_daemon_hot_status(h->d);
		snprintf(j->why, sizeof(j->why), "%s",
			 json_string_value(json_object_get(st, "last_error")));
		json_decref(st);
		j->phase = PH_START;
		j->next_try_ms = now + RETRY_MS;
	}
	if (j->phase != PH_START || now < j->next_try_ms)
		return;
	if (j->attempts >= ATTEMPTS) {
		finish(j, ISSU_MSG_FAILED, j->why);
		return;
	}
	j->attempts++;
	j->old_aborted = own_aborted(h);
	if (hs_daemon_hot_start(h->d, j->exe, err, sizeof(err)) < 0) {
		snprintf(j->why, sizeof(j->why), "%s", err);
		j->next_try_ms = now + RETRY_MS;
		return;
	}
	hs_notice(PREFIX, "hot restart onto %s under way", j->exe);
	j->phase = PH_ASKED;
}

/* ---- the steps ---- */

/* The box to take the role can route (issu_handover.h): else the step waits, and its why (in
 * `display issu state`) and one log line per change say for what. */
static bool peer_can_take(struct hrpd_issu_job *j)
{
	struct hrpd *h = j->u->h;
	const struct hrp_vgmp *peer = &h->peer_hello.vgmp;
	bool up = h->have_peer_hello && h->lv.peer == HRP_LV_PEER_UP;
	enum issu_handover_wait w =
		up ? issu_handover_wait(&h->local, peer, j->kind == ISSU_STEP_RELEASE)
		   : ISSU_HO_NOT_STANDBY;

	if (w == ISSU_HO_ASK) {
		if (j->waiting != ISSU_HO_ASK)
			hs_info(PREFIX, "%s: the peer can take the role now (priority %u, ours %u)",
				issu_step_name(j->kind), peer->priority, h->local.priority);
		j->waiting = ISSU_HO_ASK;
		j->why[0] = '\0';
		return true;
	}
	if (up)
		snprintf(j->why, sizeof(j->why), "waiting: %s (priority %u, ours %u)",
			 issu_handover_wait_name(w), peer->priority, h->local.priority);
	else
		snprintf(j->why, sizeof(j->why), "waiting: the peer is not up");
	if (w != j->waiting)
		hs_info(PREFIX, "%s: not asked yet, %s", issu_step_name(j->kind), j->why);
	j->waiting = w;
	return false;
}

static void tick_handover(struct hrpd_issu_job *j, uint64_t now)
{
	struct hrpd *h = j->u->h;
	/* done once the new roles have held for a moment: a handover the election undoes at
	 * once (it bounced back) is asked again, and fails in the end */
	if (h->local.state == HRP_VGMP_STANDBY && h->have_peer_hello &&
	    h->peer_hello.vgmp.state == HRP_VGMP_ACTIVE && h->lv.peer == HRP_LV_PEER_UP) {
		if (!j->held_since_ms)
			j->held_since_ms = now;
		if (now - j->held_since_ms >= ISSU_ROLES_HELD_MS)
			finish(j, ISSU_MSG_DONE, NULL);
		return;
	}
	j->held_since_ms = 0;
	if (h->local.state != HRP_VGMP_ACTIVE || now < j->next_try_ms || !peer_can_take(j))
		return;
	const char *cmd = j->kind == ISSU_STEP_RELEASE ? "hrp-release" : "hrp-switchover";
	if (hs_ctl_link_request(j->u->link[ISSU_D_VGMPD], cmd, NULL, ignore_answer, NULL) == 0)
		j->next_try_ms = now + 5000; /* asked again if it did not take */
}

static void tick(struct hs_timer *t, void *arg)
{
	struct hrpd_issu_job *j = arg;
	struct hrpd *h = j->u->h;
	uint64_t now = hs_now_ms();
	(void)t;

	if (j->status != ISSU_MSG_RUNNING)
		return;
	if (now >= j->deadline_ms) {
		finish(j, ISSU_MSG_FAILED, j->why[0] ? j->why : "no outcome in time");
		return;
	}
	hs_timer_arm_in(&j->poll, ISSU_JOB_POLL_MS);
	switch (j->kind) {
	case ISSU_STEP_HOT_RESTART:
	case ISSU_STEP_COLD_RESTART:
		if (j->daemon == ISSU_D_HRPD)
			tick_self(j, now);
		else if (!j->request_out)
			ask_status(j);
		break;
	case ISSU_STEP_HANDOVER:
	case ISSU_STEP_RELEASE: tick_handover(j, now); break;
	case ISSU_STEP_AWAIT_SYNC:
		if (h->lv.peer == HRP_LV_PEER_UP && hrpd_sess_ready(h))
			finish(j, ISSU_MSG_DONE, NULL);
		break;
	default: finish(j, ISSU_MSG_FAILED, "unknown step"); break;
	}
}

enum issu_msg_status hrpd_issu_job_start(struct hrpd_issu *u, bool for_peer, uint32_t id,
					 enum issu_step_kind kind, enum issu_daemon d,
					 enum issu_bin bin, const char *dir)
{
	struct hrpd_issu_job *j = &u->job;
	char exe[PATH_MAX] = "";

	if (j->used && j->id == id && j->for_peer == for_peer) {
		if (for_peer && j->status != ISSU_MSG_RUNNING)
			finish(j, j->status, j->why); /* the answer again */
		return j->status;
	}
	if (j->used && j->status == ISSU_MSG_RUNNING)
		return ISSU_MSG_RUNNING; /* one step at a time: asked again, it starts later */
	if ((kind == ISSU_STEP_HOT_RESTART || kind == ISSU_STEP_COLD_RESTART) &&
	    hrpd_issu_exe(dir, d, exe, sizeof(exe)) < 0) {
		*j = (struct hrpd_issu_job){ .u = u,
					     .poll = j->poll,
					     .used = true,
					     .id = id,
					     .for_peer = for_peer,
					     .kind = kind,
					     .daemon = d };
		finish(j, ISSU_MSG_FAILED, "no such binary here");
		return ISSU_MSG_FAILED;
	}
	struct hs_timer poll = j->poll;
	*j = (struct hrpd_issu_job){ .u = u,
				     .poll = poll,
				     .used = true,
				     .id = id,
				     .for_peer = for_peer,
				     .kind = kind,
				     .daemon = d,
				     .bin = bin,
				     .status = ISSU_MSG_RUNNING };
	snprintf(j->exe, sizeof(j->exe), "%s", exe);
	uint64_t now = hs_now_ms();
	j->deadline_ms =
		now + (kind == ISSU_STEP_AWAIT_SYNC                              ? ISSU_SYNC_MS
		       : kind == ISSU_STEP_HANDOVER || kind == ISSU_STEP_RELEASE ? ISSU_HANDOVER_MS
										 : ISSU_RESTART_MS);
	hs_info(PREFIX, "step %u for %s: %s %s%s%s", id, for_peer ? "the peer" : "this box",
		issu_step_name(kind), issu_daemon_name(d), exe[0] ? " onto " : "", exe);
	tick(&j->poll, j);
	return j->status;
}

static const struct hs_ctl_link_ops link_ops = { 0 };

void hrpd_issu_job_init(struct hrpd_issu *u)
{
	struct hrpd *h = u->h;
	u->job.u = u;
	hs_timer_init(&u->job.poll, &h->d->loop, tick, &u->job);
	for (int d = 0; d < ISSU_D_HRPD; d++)
		if (hs_ctl_link_open(&u->link[d], &h->d->loop, h->d->rundir,
				     issu_daemon_name((enum issu_daemon)d), NULL, &link_ops, u) < 0)
			u->link[d] = NULL;
}

void hrpd_issu_job_free(struct hrpd_issu *u)
{
	u->job.used = false; /* pending answers find no job */
	for (int d = 0; d < ISSU_D_HRPD; d++)
		if (u->link[d])
			hs_ctl_link_close(u->link[d]);
	hs_timer_free(&u->job.poll);
}
