/* display hrp session statistics, display hrp session consistency, hrp sync connection-status.
 *
 * The views are hrpd's answers as they come (session-stats, session-consistency, session-sync),
 * so --json prints them unchanged. The renderers read the fields they know and never fail on the
 * others: a counter of "statistics" they do not know is listed by its name when it is not zero,
 * anything else they do not know is left to --json. */
#include <string.h>

#include "render.h"

static long long num(const json_t *obj, const char *key)
{
	return (long long)rj_int(obj, key, 0);
}

static const char *yes_no(const json_t *obj, const char *key)
{
	return rj_bool(obj, key, false) ? "yes" : "no";
}

/* The members of "statistics" the fixed lines below show. */
static const char *const known_counters[] = {
	"events_new",
	"events_update",
	"events_destroy",
	"events_not_source",
	"event_overruns",
	"event_msgs_bad",
	"records_sent",
	"entries_sent",
	"bytes_sent",
	"records_refused",
	"entries_refused",
	"encode_errors",
	"records_received",
	"entries_received",
	"bytes_received",
	"entries_applied",
	"received_not_synced",
	"labels_lost",
	"kernel_requests",
	"kernel_batches",
	"kernel_send_errors",
	"kernel_replaced",
	"kernel_gone",
	"bulk_requests_sent",
	"bulk_requests_received",
	"bulks_sent",
	"bulks_failed",
	"bulk_entries_sent",
	"bulks_received",
	"bulk_entries_received",
	"bulks_abandoned",
	"sweeps_skipped",
	"dumps",
	"dump_errors",
	"dumps_cancelled",
	"takeovers",
	"timeouts_reset",
	"mirror", /* its own lines */
};

/* The per-reason counters, shown when not zero, each with its label. */
static const struct {
	const char *key, *label;
} reasons[] = {
	{ "skipped", "skipped" },
	{ "decode_errors", "decode error" },
	{ "apply_errors", "apply error" },
};

static bool is_known(const char *key)
{
	for (size_t i = 0; i < sizeof(known_counters) / sizeof(known_counters[0]); i++)
		if (!strcmp(key, known_counters[i]))
			return true;
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (!strcmp(key, reasons[i].key))
			return true;
	return false;
}

/* "   label (reason): n" for each non-zero integer member, as display hrp statistics does. */
static void reason_lines(const json_t *obj, const char *label, FILE *out)
{
	const char *name;
	const json_t *n;

	json_object_foreach ((json_t *)obj, name, n)
		if (json_is_integer(n) && json_integer_value(n))
			fprintf(out, "   %s (%s): %lld\n", label, name,
				(long long)json_integer_value(n));
}

static void render_session_status(const json_t *st, const json_t *c, FILE *out)
{
	const char *dump = rj_str(st, "dump", "none");
	json_int_t kernel = rj_int(st, "kernel_entries", -1);

	fprintf(out, " Session sync: %s, role: %s, ready: %s, synced: %s",
		render_onoff(rj_bool(st, "on", false)),
		rj_bool(st, "source", false) ? "sync source" : "receiver", yes_no(st, "ready"),
		yes_no(st, "synced"));
	if (rj_bool(st, "receiving_bulk", false))
		fputs(", receiving a bulk", out);
	if (strcmp(dump, "none"))
		fprintf(out, ", dumping (%s%s)", dump,
			rj_bool(st, "paused", false) ? ", paused" : "");
	fputc('\n', out);
	fputs(" Kernel sessions: ", out);
	if (kernel >= 0)
		fprintf(out, "%lld", (long long)kernel);
	else
		fputs("unknown", out);
	if (num(c, "bulks_received") > 0)
		fprintf(out, ", last bulk received in %lld ms", num(st, "last_bulk_ms"));
	fputc('\n', out);
}

static void render_session_counters(const json_t *c, FILE *out)
{
	const char *name;
	const json_t *n;

	fprintf(out,
		" Events: new %lld, update %lld, destroy %lld, not source %lld, overruns %lld, "
		"bad %lld\n",
		num(c, "events_new"), num(c, "events_update"), num(c, "events_destroy"),
		num(c, "events_not_source"), num(c, "event_overruns"), num(c, "event_msgs_bad"));
	fprintf(out, " Sent: %lld records, %lld entries, %lld bytes\n", num(c, "records_sent"),
		num(c, "entries_sent"), num(c, "bytes_sent"));
	fprintf(out, " Received: %lld records, %lld entries, %lld bytes\n",
		num(c, "records_received"), num(c, "entries_received"), num(c, "bytes_received"));
	fprintf(out,
		" Applied: %lld entries, not for sync %lld, updates after our destroy %lld, "
		"labels lost %lld\n",
		num(c, "entries_applied"), num(c, "received_not_synced"),
		num(c, "updates_after_destroy"), num(c, "labels_lost"));
	fprintf(out,
		" Kernel requests: %lld in %lld batches, send errors %lld, replaced %lld, "
		"gone %lld\n",
		num(c, "kernel_requests"), num(c, "kernel_batches"), num(c, "kernel_send_errors"),
		num(c, "kernel_replaced"), num(c, "kernel_gone"));
	fprintf(out, " Refused: %lld records, %lld entries, encode errors %lld\n",
		num(c, "records_refused"), num(c, "entries_refused"), num(c, "encode_errors"));
	fprintf(out, " Resync requests: sent %lld, received %lld\n", num(c, "bulk_requests_sent"),
		num(c, "bulk_requests_received"));
	fprintf(out,
		" Bulks: sent %lld (%lld entries), failed %lld, received %lld (%lld entries), "
		"abandoned %lld, sweeps skipped %lld\n",
		num(c, "bulks_sent"), num(c, "bulk_entries_sent"), num(c, "bulks_failed"),
		num(c, "bulks_received"), num(c, "bulk_entries_received"),
		num(c, "bulks_abandoned"), num(c, "sweeps_skipped"));
	fprintf(out,
		" Dumps: %lld, errors %lld, cancelled %lld; takeovers %lld, timeouts reset %lld\n",
		num(c, "dumps"), num(c, "dump_errors"), num(c, "dumps_cancelled"),
		num(c, "takeovers"), num(c, "timeouts_reset"));
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		reason_lines(rj_obj(c, reasons[i].key), reasons[i].label, out);
	/* counters of a newer hrpd */
	json_object_foreach ((json_t *)c, name, n) {
		if (is_known(name))
			continue;
		if (json_is_integer(n) && json_integer_value(n))
			fprintf(out, "   %s: %lld\n", name, (long long)json_integer_value(n));
		else if (json_is_object(n))
			reason_lines(n, name, out);
	}
}

/* The mirror session's holds (doc/session-sync.md, "Mirror session"). */
static void render_mirror(const json_t *m, FILE *out)
{
	if (!m)
		return;
	if (!rj_bool(m, "on", false)) {
		fputs(" Mirror session: off\n", out);
		return;
	}
	fprintf(out, " Mirror session: on, hold up to %lld ms, holding %lld now\n",
		num(m, "hold_ms"), num(m, "held_now"));
	fprintf(out, "   held %lld: released by the peer's ack %lld, by the hold time %lld, "
		     "at stop %lld\n",
		num(m, "held"), num(m, "released_acked"), num(m, "released_timeout"),
		num(m, "released_stop"));
	fprintf(out, "   passed unheld: not synced %lld, unreadable %lld, no peer %lld, "
		     "holds full %lld, channel full %lld\n",
		num(m, "unheld_policy"), num(m, "unheld_unreadable"), num(m, "unheld_no_peer"),
		num(m, "unheld_full"), num(m, "unheld_channel"));
	fprintf(out, "   ack delay: avg %lld us, max %lld us, p99 <= %lld us (%lld records)\n",
		num(m, "ack_delay_us_avg"), num(m, "ack_delay_us_max"),
		num(m, "ack_delay_us_p99_le"), num(m, "ack_delays"));
	fprintf(out, "   conflicts: kept ours %lld, took the peer's %lld (packets dropped %lld)\n",
		num(m, "conflicts_kept"), num(m, "conflicts_taken"), num(m, "conflict_drops"));
	fprintf(out, "   the peer's: %lld records, %lld entries, %lld acks sent, %lld bad\n",
		num(m, "peer_records"), num(m, "peer_entries"), num(m, "acks_sent"),
		num(m, "peer_records_bad"));
}

int render_hrp_session_statistics(const json_t *v, FILE *out)
{
	const json_t *st = rj_obj(v, "status"), *c = rj_obj(v, "statistics");

	if (!rj_bool(st, "available", false)) {
		fprintf(out, " Session sync: not available (%s)\n",
			rj_str(st, "why", "hrpd gave no reason"));
		if (json_object_size(c) == 0)
			return 0;
	} else {
		render_session_status(st, c, out);
	}
	render_session_counters(c, out);
	render_mirror(rj_obj(c, "mirror"), out);
	return 0;
}

int render_hrp_session_consistency(const json_t *v, FILE *out)
{
	const json_t *last = rj_obj(v, "last_check");
	const char *result = rj_str(last, "result", "none");

	if (!last || !strcmp(result, "none")) {
		fputs(" Last check: none yet\n", out);
	} else {
		fprintf(out, " Last check: %s, %lld s ago\n", result,
			num(last, "at_ms_ago") / 1000);
		fprintf(out, "   ranges compared %lld, mismatched %lld\n", num(last, "ranges"),
			num(last, "mismatched"));
		fprintf(out, "   entries local %lld, peer %lld\n", num(last, "entries_local"),
			num(last, "entries_peer"));
		/* hrpd from data 1.3 on: what changed while the tables were read is left out */
		if (json_object_get(last, "unsettled_buckets"))
			fprintf(out,
				"   buckets left out (changed during the check) %lld of %lld, "
				"ranges left out whole %lld\n",
				num(last, "unsettled_buckets"), num(last, "buckets"),
				num(last, "undecided"));
	}
	fprintf(out, " Checks: %lld, resyncs: %lld\n", num(v, "checks"), num(v, "resyncs"));
	return 0;
}

int render_hrp_sync(const json_t *v, FILE *out)
{
	const char *what = rj_str(v, "started", NULL);

	if (what)
		fprintf(out, "%s\n", what);
	return 0;
}
