/* Tracked objects, as display vgmp and display hrp state verbose show them.
 *
 * The view is vgmpd's "tracked" list as it is: each object with its type, name, state (what
 * counts), reported (what the tracker said), contribution to the priority (0 or minus the
 * weight), weight, hold_down_ms and hold_down_left_ms, damping (its settings, or null when off),
 * damping_penalty, suppressed, flaps, and a member of its own type ("icmp", "script", ...) with
 * its counters. The renderer shows what is there: an older vgmpd that sends type, name and state
 * only gets the one line it always had. */
#include <string.h>

#include "render.h"

json_t *view_tracked(const json_t *vgmp)
{
	json_t *list = json_deep_copy(rj_arr(vgmp, "tracked"));

	return list ? list : json_array();
}

static bool has(const json_t *obj, const char *key)
{
	return json_object_get(obj, key) != NULL;
}

static long long num(const json_t *obj, const char *key)
{
	return (long long)rj_int(obj, key, 0);
}

/* "   icmp gw: down (reports up), contribution -2, weight 2" */
static void head_line(const json_t *t, FILE *out)
{
	const char *state = rj_str(t, "state", "unknown");
	const char *reported = rj_str(t, "reported", NULL);

	fprintf(out, "   %s %s: %s", rj_str(t, "type", "interface"), rj_str(t, "name", "?"), state);
	if (reported && strcmp(reported, state))
		fprintf(out, " (reports %s)", reported);
	if (json_is_integer(json_object_get(t, "contribution")))
		fprintf(out, ", contribution %lld", num(t, "contribution"));
	if (json_is_integer(json_object_get(t, "weight")))
		fprintf(out, ", weight %lld", num(t, "weight"));
	fputc('\n', out);
}

/* "     hold-down 500 ms (holding a down, 300 ms left); damping off; flaps 0" */
static void knobs_line(const json_t *t, FILE *out)
{
	const json_t *damp = json_object_get(t, "damping");
	const char *sep = "     ";

	if (!has(t, "hold_down_ms") && !has(t, "damping") && !has(t, "damping_penalty") &&
	    !has(t, "flaps"))
		return;
	if (json_is_integer(json_object_get(t, "hold_down_ms"))) {
		if (num(t, "hold_down_ms") == 0)
			fprintf(out, "%shold-down off", sep);
		else
			fprintf(out, "%shold-down %lld ms", sep, num(t, "hold_down_ms"));
		if (num(t, "hold_down_left_ms") > 0)
			fprintf(out, " (holding a down, %lld ms left)",
				num(t, "hold_down_left_ms"));
		sep = "; ";
	}
	if (json_is_null(damp)) {
		fprintf(out, "%sdamping off", sep);
		sep = "; ";
	} else if (json_is_object(damp) || has(t, "damping_penalty")) {
		fprintf(out, "%sdamping penalty %lld%s", sep, num(t, "damping_penalty"),
			rj_bool(t, "suppressed", false) ? ", suppressed" : "");
		if (json_is_object(damp))
			fprintf(out,
				" (per flap %lld, suppress %lld, reuse %lld, half-life %lld ms, "
				"suppressions %lld)",
				num(damp, "penalty"), num(damp, "suppress"), num(damp, "reuse"),
				num(damp, "half_life_ms"), num(damp, "suppressions"));
		sep = "; ";
	}
	if (json_is_integer(json_object_get(t, "flaps")))
		fprintf(out, "%sflaps %lld", sep, num(t, "flaps"));
	fputc('\n', out);
}

/* "     dropped (reason): n" for each non-zero counter of a drops object. */
static void drop_lines(const json_t *drops, FILE *out)
{
	const char *name;
	const json_t *n;

	json_object_foreach ((json_t *)drops, name, n)
		if (json_is_integer(n) && json_integer_value(n))
			fprintf(out, "     dropped (%s): %lld\n", name,
				(long long)json_integer_value(n));
}

static void icmp_lines(const json_t *c, FILE *out)
{
	const char *source = rj_str(c, "source", "");

	fprintf(out, "     icmp to %s", rj_str(c, "target", "?"));
	if (source[0])
		fprintf(out, " from %s", source);
	fprintf(out, " (%s socket): every %lld ms, timeout %lld ms, down after %lld misses\n",
		rj_str(c, "socket", "?"), num(c, "interval_ms"), num(c, "timeout_ms"),
		num(c, "count"));
	fprintf(out,
		"     sent %lld, replies %lld, timeouts %lld, unexpected %lld, send errors %lld, "
		"misses in a row %lld, last rtt %lld ms\n",
		num(c, "sent"), num(c, "replies"), num(c, "timeouts"), num(c, "unexpected"),
		num(c, "send_errors"), num(c, "misses"), num(c, "rtt_ms"));
	drop_lines(rj_obj(c, "drops"), out);
}

static void script_lines(const json_t *c, FILE *out)
{
	const json_t *last = rj_obj(c, "last");

	fprintf(out, "     script %s: every %lld ms, timeout %lld ms%s\n", rj_str(c, "path", "?"),
		num(c, "interval_ms"), num(c, "timeout_ms"),
		rj_bool(c, "running", false) ? ", running now" : "");
	fprintf(out,
		"     runs %lld, ups %lld, downs %lld, timeouts %lld, spawn errors %lld, last ",
		num(c, "runs"), num(c, "ups"), num(c, "downs"), num(c, "timeouts"),
		num(c, "spawn_errors"));
	if (has(last, "exit"))
		fprintf(out, "exit %lld\n", num(last, "exit"));
	else if (has(last, "signal"))
		fprintf(out, "signal %lld\n", num(last, "signal"));
	else
		fputs("none\n", out);
}

/* A tracker type this hrpctl does not know: its scalar members, in the daemon's order. */
static void other_lines(const char *type, const json_t *c, FILE *out)
{
	const char *name, *sep = ": ";
	const json_t *v;

	fprintf(out, "     %s", type);
	json_object_foreach ((json_t *)c, name, v) {
		if (json_is_string(v))
			fprintf(out, "%s%s %s", sep, name, json_string_value(v));
		else if (json_is_integer(v))
			fprintf(out, "%s%s %lld", sep, name, (long long)json_integer_value(v));
		else if (json_is_boolean(v))
			fprintf(out, "%s%s %s", sep, name, json_is_true(v) ? "yes" : "no");
		else
			continue;
		sep = ", ";
	}
	fputc('\n', out);
	drop_lines(rj_obj(c, "drops"), out);
}

static void type_lines(const json_t *t, FILE *out)
{
	const char *name;
	const json_t *v;

	json_object_foreach ((json_t *)t, name, v) {
		if (!json_is_object(v) || !strcmp(name, "damping"))
			continue;
		if (!strcmp(name, "icmp"))
			icmp_lines(v, out);
		else if (!strcmp(name, "script"))
			script_lines(v, out);
		else
			other_lines(name, v, out);
	}
}

void render_tracked(const json_t *list, FILE *out)
{
	const json_t *t;
	size_t i;

	fputs(" Tracked objects:", out);
	if (json_array_size(list) == 0)
		fputs(" none", out);
	fputc('\n', out);
	json_array_foreach (list, i, t) {
		head_line(t, out);
		knobs_line(t, out);
		type_lines(t, out);
	}
}
