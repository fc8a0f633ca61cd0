/* The upgrade's control commands (doc/hrpctl.md, "Pair upgrade"): issu-load {"path",
 * "rollback_timer_s"}, issu-runswitch, issu-accept, issu-commit, issu-rollback, issu-abort, and
 * issu-state, the record as JSON with what only the running hrpd knows (who runs the upgrade,
 * the step under way, the timer's time left, the message counters). A command answers once the
 * machine has taken it; the stage then moves on by itself (poll issu-state). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "daemon_hot.h"
#include "hrpd.h"
#include "issu.h"

static struct hrpd_issu *issu_of(void *ctx)
{
	struct hrpd *h = ((struct hs_daemon *)ctx)->priv;
	return h ? h->issu : NULL;
}

/* During our own hot restart the new process has read the record already: a command taken
 * here would be lost with us. 0, or -EBUSY with err said. */
static int busy_handing_over(void *ctx, char *err, size_t errlen)
{
	if (!hs_daemon_hot_handing_over(ctx))
		return 0;
	snprintf(err, errlen, "hrpd is handing over to a new process: try again in a moment");
	return -EBUSY;
}

static int answer(struct hrpd_issu *u, int r, json_t **result)
{
	if (r < 0)
		return r == -EINVAL ? -EPERM
				    : r; /* refused by the machine: "failed", not bad args */
	*result = hrpd_issu_state_json(u);
	return 0;
}

static int cmd_load(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hrpd_issu *u = issu_of(ctx);
	const char *path = NULL;
	json_int_t secs = 0;
	int busy = busy_handing_over(ctx, err, errlen);
	if (!u)
		return -ENODEV;
	if (busy)
		return busy;
	if (json_unpack(args, "{s:s, s?I}", "path", &path, "rollback_timer_s", &secs) < 0 ||
	    secs < 0 || (uint64_t)secs > ISSU_ROLLBACK_MAX_MS / 1000) {
		snprintf(err, errlen, "expected {\"path\": DIR, \"rollback_timer_s\": 0..604800}");
		return -EINVAL;
	}
	return answer(u, hrpd_issu_load(u, path, (uint64_t)secs * 1000u, err, errlen), result);
}

#define COMMAND(fn, kind)                                                                          \
	static int fn(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)          \
	{                                                                                          \
		struct hrpd_issu *u = issu_of(ctx);                                                \
		int busy = busy_handing_over(ctx, err, errlen);                                    \
		(void)args;                                                                        \
		if (!u)                                                                            \
			return -ENODEV;                                                            \
		if (busy)                                                                          \
			return busy;                                                               \
		return answer(u, hrpd_issu_command(u, kind, err, errlen), result);                 \
	}
COMMAND(cmd_runswitch, ISSU_EV_RUNSWITCH)
COMMAND(cmd_accept, ISSU_EV_ACCEPT)
COMMAND(cmd_commit, ISSU_EV_COMMIT)
COMMAND(cmd_rollback, ISSU_EV_ROLLBACK)
COMMAND(cmd_abort, ISSU_EV_ABORT)
#undef COMMAND

static json_t *counters_json(const struct hrpd_issu_stats *st)
{
	json_t *drops = json_object();
	for (int i = ISSU_DROP_NONE + 1; i < ISSU_DROP_MAX; i++)
		json_object_set_new(drops, issu_msg_drop_name((enum issu_msg_drop)i),
				    json_integer((json_int_t)st->drops[i]));
	return json_pack("{s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "rx",
			 (json_int_t)st->rx,
			 "tx", (json_int_t)st->tx, "tx_failed", (json_int_t)st->tx_failed, "drops",
			 drops, "answers_stale", (json_int_t)st->answers_stale, "records_received",
			 (json_int_t)st->records_received, "records_refused",
			 (json_int_t)st->records_refused, "persist_failures",
			 (json_int_t)st->persist_failures, "refused_commands",
			 (json_int_t)st->refused_commands, "takeovers", (json_int_t)st->takeovers,
			 "yielded", (json_int_t)st->yielded, "asks_refused",
			 (json_int_t)st->asks_refused);
}

static json_t *job_json(const struct hrpd_issu_job *j)
{
	if (!j->used)
		return json_null();
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I}", "id", (json_int_t)j->id, "for",
			 j->for_peer ? "peer" : "here", "step", issu_step_name(j->kind), "daemon",
			 issu_daemon_name(j->daemon), "status", issu_msg_status_name(j->status),
			 "why", j->why, "attempts", (json_int_t)j->attempts);
}

json_t *hrpd_issu_state_json(const struct hrpd_issu *u)
{
	struct issu_record r = u->rec;
	uint64_t now = hs_now_ms();

	if (u->orchestrating) /* the machine's facts now, not as last written */
		issu_record_from_state(&r, &u->m, now, hrpd_issu_wall_ms());
	json_t *o = issu_record_encode(&r);
	if (!o)
		return NULL;
	const char *local = u->h->sysname;
	const char *role = u->orchestrating ? "here" : u->have_copy ? "peer" : "none";
	json_object_set_new(o, "orchestrator", json_string(role));
	json_object_set_new(o, "this_box",
			    json_string(!strcmp(r.box[ISSU_BOX_FIRST].name, local)    ? "first"
					: !strcmp(r.box[ISSU_BOX_SECOND].name, local) ? "second"
										      : "none"));
	uint64_t left = u->orchestrating && u->m.deadline_ms > now ? u->m.deadline_ms - now : 0;
	json_object_set_new(o, "timer_left_ms",
			    u->orchestrating && u->m.deadline_ms ? json_integer((json_int_t)left)
								 : json_null());
	json_object_set_new(o, "busy", json_boolean(u->orchestrating &&
						    (issu_busy(&u->m) || u->start_held)));
	json_object_set_new(o, "waiting_for_peer", json_boolean(u->start_held));
	json_object_set_new(o, "last_report", json_string(u->report));
	json_object_set_new(o, "step", job_json(&u->job));
	json_object_set_new(o, "messages", counters_json(&u->st));
	json_t *held = json_array();
	for (size_t i = 0; i < u->plan.n_held; i++) {
		const struct issu_held *e = &u->plan.held[i];
		json_t *omit = json_array();
		for (unsigned k = 0; k < e->n_omit; k++)
			json_array_append_new(omit, json_integer(e->omit[k]));
		json_array_append_new(held, json_pack("{s:s, s:s, s:o}", "name", e->name, "send",
						      issu_send_name(e->send), "omit", omit));
	}
	json_object_set_new(o, "send_plan",
			    json_pack("{s:s, s:o, s:I, s:I}", "level",
				      hrp_compat_name(u->plan.level), "held", held, "not_sent",
				      (json_int_t)u->plan_not_sent, "tlvs_omitted",
				      (json_int_t)u->plan_tlvs_omitted));
	return o;
}

static int cmd_state(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hrpd_issu *u = issu_of(ctx);
	(void)args;
	(void)err;
	(void)errlen;
	if (!u)
		return -ENODEV;
	*result = hrpd_issu_state_json(u);
	return *result ? 0 : -ENOMEM;
}

const struct hs_ctl_command hrpd_issu_commands[] = {
	{ "issu-load", "issu load: {\"path\": DIR of the new binaries, \"rollback_timer_s\": N}",
	  cmd_load },
	{ "issu-runswitch", "issu runswitch: switch over to the upgraded box", cmd_runswitch },
	{ "issu-accept", "issu accept: keep the new version (stops the rollback timer)",
	  cmd_accept },
	{ "issu-commit", "issu commit: upgrade the other box too", cmd_commit },
	{ "issu-rollback", "issu rollback: back to the old version, the old roles", cmd_rollback },
	{ "issu-abort", "issu abort: rollback before any role change", cmd_abort },
	{ "issu-state", "display issu state: stage, versions, verdict, held back, timer",
	  cmd_state },
	{ NULL },
};
