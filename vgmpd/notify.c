/* Notify hooks (see notify.h). */
#include "notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "log.h"

#define PREFIX "[notify]"

extern char **environ;

static void start_next(struct vgmpd_notify *n);

static void done(struct vgmpd_child *c, int status, bool timed_out, void *arg)
{
	struct vgmpd_notify *n = arg;
	const struct vgmpd_notify_job *j = &n->q[n->head];
	if (timed_out) {
		n->timeouts++;
		hs_warn(PREFIX, "%s (%s): killed after %d ms", j->hook.exec, j->state,
			j->hook.timeout_ms);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		n->ok++;
	} else {
		n->failed++;
		hs_warn(PREFIX, "%s (%s): failed (status %d)", j->hook.exec, j->state, status);
	}
	n->head = (n->head + 1) % VGMPD_NOTIFY_QUEUE;
	n->len--;
	start_next(n);
}

/* Our environment without HS_*, then the four variables: envp points into env and vars. */
static void build_env(const struct vgmpd_notify_job *j, char **envp, size_t cap,
		      char vars[4][128])
{
	size_t k = 0;
	for (char **e = environ; *e && k + 5 < cap; e++)
		if (strncmp(*e, "HS_", 3) != 0)
			envp[k++] = *e;
	snprintf(vars[0], sizeof(vars[0]), "HS_STATE=%s", j->state);
	snprintf(vars[1], sizeof(vars[1]), "HS_OLD_STATE=%s", j->old_state);
	snprintf(vars[2], sizeof(vars[2]), "HS_REASON=%s", j->reason);
	snprintf(vars[3], sizeof(vars[3]), "HS_PRIORITY=%u", j->priority);
	for (int i = 0; i < 4; i++)
		envp[k++] = vars[i];
	envp[k] = NULL;
}

static void start_next(struct vgmpd_notify *n)
{
	while (n->len > 0 && !vgmpd_child_running(&n->child)) {
		const struct vgmpd_notify_job *j = &n->q[n->head];
		char *argv[HS_CFG_LIST_MAX + 2];
		size_t a = 0;
		argv[a++] = (char *)j->hook.exec;
		for (size_t i = 0; i < j->hook.args.count; i++)
			argv[a++] = (char *)j->hook.args.item[i];
		argv[a] = NULL;
		char *envp[256];
		char vars[4][128];
		build_env(j, envp, sizeof(envp) / sizeof(envp[0]), vars);
		int r = vgmpd_child_run(&n->child, j->hook.exec, argv, envp,
					(uint32_t)j->hook.timeout_ms);
		if (r == 0) {
			n->runs++;
			return;
		}
		n->spawn_errors++;
		hs_err(PREFIX, "cannot run %s: %s", j->hook.exec, strerror(-r));
		n->head = (n->head + 1) % VGMPD_NOTIFY_QUEUE;
		n->len--;
	}
}

static bool matches(int on, const char *event)
{
	if (strcmp(event, "fault") == 0)
		return on == HS_NOTIFY_FAULT || on == HS_NOTIFY_ANY;
	return on == HS_NOTIFY_ANY ||
	       (on != HS_NOTIFY_FAULT && strcmp(hs_vgmp_notify_on_name(on), event) == 0);
}

void vgmpd_notify_event(struct vgmpd_notify *n, const struct hs_vgmpd_config *c,
			const char *event, const char *state, const char *old_state,
			const char *reason, unsigned priority)
{
	for (size_t i = 0; i < c->n_notify; i++) {
		if (!matches(c->notify[i].on, event))
			continue;
		if (n->len == VGMPD_NOTIFY_QUEUE) {
			n->dropped++;
			hs_warn(PREFIX, "queue full: %s not run for %s", c->notify[i].exec, state);
			continue;
		}
		struct vgmpd_notify_job *j = &n->q[(n->head + n->len) % VGMPD_NOTIFY_QUEUE];
		j->hook = c->notify[i];
		snprintf(j->state, sizeof(j->state), "%s", state);
		snprintf(j->old_state, sizeof(j->old_state), "%s", old_state);
		snprintf(j->reason, sizeof(j->reason), "%s", reason);
		j->priority = priority;
		n->len++;
		n->queued++;
	}
	start_next(n);
}

void vgmpd_notify_init(struct vgmpd_notify *n, struct hs_loop *loop)
{
	memset(n, 0, sizeof(*n));
	vgmpd_child_init(&n->child, loop, done, n);
}

void vgmpd_notify_free(struct vgmpd_notify *n)
{
	vgmpd_child_free(&n->child);
	n->len = 0;
}

void vgmpd_notify_abandon(struct vgmpd_notify *n)
{
	size_t queued = n->len - (vgmpd_child_running(&n->child) && n->len ? 1 : 0);
	if (queued)
		hs_warn(PREFIX, "hot restart: %zu queued hooks not run", queued);
	vgmpd_child_abandon(&n->child);
	n->len = 0;
}

json_t *vgmpd_notify_status(const struct vgmpd_notify *n, const struct hs_vgmpd_config *c)
{
	return json_pack("{s:i, s:i, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "hooks",
			 (int)c->n_notify, "pending", (int)n->len, "running",
			 vgmpd_child_running(&n->child), "queued", (json_int_t)n->queued, "runs",
			 (json_int_t)n->runs, "ok", (json_int_t)n->ok, "failed",
			 (json_int_t)n->failed, "timeouts", (json_int_t)n->timeouts,
			 "spawn_errors", (json_int_t)n->spawn_errors, "dropped",
			 (json_int_t)n->dropped);
}
