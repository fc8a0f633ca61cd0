/* issu ... (see issu.h). The view is hrpd's issu-state answer as it comes. */
#include "issu.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "cli_parse.h"

int args_issu_load(const struct cli_match *m, json_t **args)
{
	long secs = 0;
	const char *path = cli_match_param(m, "path");

	if (cli_match_int(m, "sec", &secs) < 0)
		secs = 0;
	*args = json_pack("{s:s, s:I}", "path", path ? path : "", "rollback_timer_s",
			  (json_int_t)secs);
	return *args ? 0 : -ENOMEM;
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "-";
}

int render_issu_command(const json_t *view, FILE *out)
{
	const json_t *wait = json_object_get(view, "wait");
	fprintf(out, "Info: The upgrade is at stage %s", str(view, "stage"));
	if (strcmp(str(wait, "what"), "none") != 0)
		fprintf(out, " (waiting for %s of the %s box)", str(wait, "what"),
			str(wait, "box"));
	fprintf(out, ".\n");
	return 0;
}

static void wall(FILE *out, json_int_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[32] = "-";
	if (ms > 0 && gmtime_r(&t, &tm))
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	fputs(buf, out);
}

static void box_line(FILE *out, const char *label, const json_t *b)
{
	const json_t *d = json_object_get(b, "daemons");
	fprintf(out, " %-15s: %-12s vrrpd %s, vgmpd %s, hrpd %s%s\n", label, str(b, "name"),
		str(d, "vrrpd"), str(d, "vgmpd"), str(d, "hrpd"),
		json_is_true(json_object_get(b, "needs_sync")) ? " (needs a bulk sync)" : "");
}

/* The step under way (hrpd/issu_job.c): what it does, for which box, where it is and why. */
static void step_line(FILE *out, const json_t *step)
{
	if (!json_is_object(step))
		return;
	fprintf(out, " %-15s: %s %s (%s), %s, attempt %lld", "Step", str(step, "step"),
		str(step, "daemon"), !strcmp(str(step, "for"), "peer") ? "the peer" : "this box",
		str(step, "status"),
		(long long)json_integer_value(json_object_get(step, "attempts")));
	const char *why = str(step, "why");
	if (why[0] && strcmp(why, "-") != 0)
		fprintf(out, ": %s", why);
	fputc('\n', out);
}

int render_issu_state(const json_t *view, FILE *out)
{
	const json_t *boxes = json_object_get(view, "boxes");
	const json_t *timer = json_object_get(view, "timer");
	const json_t *wait = json_object_get(view, "wait");
	const json_t *left = json_object_get(view, "timer_left_ms");
	size_t i;
	const json_t *e;

	if (!strcmp(str(view, "orchestrator"), "none") &&
	    !json_array_size(json_object_get(view, "history"))) {
		fprintf(out, "Info: No pair upgrade has run on this box (issu load starts one).\n");
		return 0;
	}
	fprintf(out, " %-15s: %s since ", "Stage", str(view, "stage"));
	wall(out, json_integer_value(json_object_get(view, "since")));
	fprintf(out, " UTC\n %-15s: %s\n %-15s: %s\n", "Mode", str(view, "mode"), "Verdict",
		str(view, "verdict"));
	const json_t *runner = json_object_get(view, "runner");
	fprintf(out, " %-15s: %s (this box: %s)", "Run by", str(view, "orchestrator"),
		str(view, "this_box"));
	if (json_is_object(runner)) /* record minor 1: the runner's box and term */
		fprintf(out, ", the %s box, term %lld", str(runner, "box"),
			(long long)json_integer_value(json_object_get(runner, "term")));
	if (json_is_true(json_object_get(view, "waiting_for_peer")))
		fputs(", waiting for the peer's word", out);
	fputc('\n', out);
	fprintf(out, " %-15s: %s  %s\n", "Old version",
		str(json_object_get(view, "old"), "version"),
		str(json_object_get(view, "old"), "path"));
	fprintf(out, " %-15s: %s  %s\n", "New version",
		str(json_object_get(view, "new"), "version"),
		str(json_object_get(view, "new"), "path"));
	box_line(out, "First box", json_object_get(boxes, "first"));
	box_line(out, "Second box", json_object_get(boxes, "second"));
	fprintf(out, " %-15s: %s\n", "Active", str(view, "active"));
	if (json_integer_value(json_object_get(timer, "deadline")) > 0) {
		fprintf(out, " %-15s: expires ", "Rollback timer");
		wall(out, json_integer_value(json_object_get(timer, "deadline")));
		if (json_is_integer(left))
			fprintf(out, " UTC (%lld s left)",
				(long long)(json_integer_value(left) / 1000));
		fputc('\n', out);
	} else {
		fprintf(out, " %-15s: not running\n", "Rollback timer");
	}
	if (strcmp(str(wait, "what"), "none") != 0)
		fprintf(out, " %-15s: %s of the %s box (%s)\n", "Waiting for", str(wait, "what"),
			str(wait, "box"), str(wait, "daemon"));
	step_line(out, json_object_get(view, "step"));
	fprintf(out, " Held back:%s\n",
		json_array_size(json_object_get(view, "held")) ? "" : " nothing");
	json_array_foreach (json_object_get(view, "held"), i, e)
		fprintf(out, "   %-24s %-14s send %s\n", str(e, "name"), str(e, "diff"),
			str(e, "send"));
	fprintf(out, " History:\n");
	json_array_foreach (json_object_get(view, "history"), i, e) {
		fputs("   ", out);
		wall(out, json_integer_value(json_object_get(e, "at")));
		fprintf(out, "  %-13s %s\n", str(e, "stage"), str(e, "why"));
	}
	return 0;
}
