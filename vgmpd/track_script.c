/* Script tracker: runs a program every interval (exit 0 = up, anything else = down), one run at
 * a time, asynchronously (child.c: a pidfd in the loop); a run that outlives its timeout is
 * killed with its process group, counted, and counts as down. */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>

#include "log.h"
#include "trackers.h"
#include "vgmpd.h"

#define PREFIX "[track-script]"

static void run(struct vgmpd_tracker *k)
{
	struct vgmpd_script *s = &k->u.script;
	const struct hs_vgmp_tracker_config *t = &k->cfg;
	char *argv[HS_CFG_LIST_MAX + 2];
	size_t n = 0;
	argv[n++] = (char *)t->path;
	for (size_t i = 0; i < t->args.count; i++)
		argv[n++] = (char *)t->args.item[i];
	argv[n] = NULL;
	int r = vgmpd_child_run(&s->child, t->path, argv, NULL,
				(uint32_t)hs_vgmp_tracker_timeout_ms(t));
	if (r == -EBUSY)
		return; /* the last run is still going (its timeout ends it) */
	if (r < 0) {
		/* It cannot run: that says nothing good about what it checks. */
		if (s->spawn_errors++ == 0)
			hs_warn(PREFIX, "%s: cannot run %s: %s", k->name, t->path, strerror(-r));
		vgmpd_tracker_report(k, VGMP_OBJ_DOWN);
		return;
	}
	s->runs++;
}

static void timer_fired(struct hs_timer *tm, void *arg)
{
	struct vgmpd_tracker *k = arg;
	hs_timer_arm_in(&k->u.script.timer, (uint64_t)hs_vgmp_tracker_interval_ms(&k->cfg));
	run(k);
}

static void done(struct vgmpd_child *c, int status, bool timed_out, void *arg)
{
	struct vgmpd_tracker *k = arg;
	struct vgmpd_script *s = &k->u.script;
	s->last_status = status;
	bool up = !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (timed_out) {
		s->timeouts++;
		hs_warn(PREFIX, "%s: killed after %d ms", k->name, hs_vgmp_tracker_timeout_ms(&k->cfg));
	}
	if (up)
		s->ups++;
	else
		s->downs++;
	vgmpd_tracker_report(k, up ? VGMP_OBJ_UP : VGMP_OBJ_DOWN);
}

static int script_start(struct vgmpd_tracker *k)
{
	struct vgmpd_script *s = &k->u.script;
	s->last_status = -1;
	vgmpd_child_init(&s->child, &k->g->d->loop, done, k);
	hs_timer_init(&s->timer, &k->g->d->loop, timer_fired, k);
	/* The first run at once: the state is known within one timeout of the start. */
	return hs_timer_arm_in(&s->timer, 0);
}

static void script_stop(struct vgmpd_tracker *k)
{
	struct vgmpd_script *s = &k->u.script;
	hs_timer_free(&s->timer);
	vgmpd_child_free(&s->child);
}

static void script_status(const struct vgmpd_tracker *k, json_t *obj)
{
	const struct vgmpd_script *s = &k->u.script;
	json_t *last = json_null();
	if (s->last_status >= 0)
		last = WIFEXITED(s->last_status)
			       ? json_pack("{s:i}", "exit", WEXITSTATUS(s->last_status))
			       : json_pack("{s:i}", "signal", WTERMSIG(s->last_status));
	json_object_set_new(
		obj, "script",
		json_pack("{s:s, s:i, s:i, s:b, s:I, s:I, s:I, s:I, s:I, s:o}", "path", k->cfg.path,
			  "interval_ms", hs_vgmp_tracker_interval_ms(&k->cfg), "timeout_ms",
			  hs_vgmp_tracker_timeout_ms(&k->cfg), "running",
			  vgmpd_child_running(&s->child), "runs", (json_int_t)s->runs, "ups",
			  (json_int_t)s->ups, "downs", (json_int_t)s->downs, "timeouts",
			  (json_int_t)s->timeouts, "spawn_errors", (json_int_t)s->spawn_errors,
			  "last", last));
}

const struct vgmpd_tracker_ops vgmpd_track_script_ops = {
	.type = "script",
	.start = script_start,
	.stop = script_stop,
	.status = script_status,
};
