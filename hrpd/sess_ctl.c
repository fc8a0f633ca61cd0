/* Session sync on the control socket: the "session" sections of status and hrp-statistics, and
 * the commands session-sync (hrp sync connection-status) and session-stats. */
#include <errno.h>
#include <stdio.h>

#include "data.h"
#include "hrpd.h"
#include "mirror.h"
#include "sess.h"
#include "sess_expect.h"
#include "sess_int.h"

static json_t *u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

json_t *hrpd_sess_status_json(const struct hrpd *h)
{
	const struct hrpd_sess *ss = h->sess;
	if (!ss || !ss->ct)
		return json_pack("{s:b, s:s}", "available", false, "why", "no conntrack netlink");
	json_t *o = json_pack("{s:b, s:b, s:b, s:b, s:b, s:b, s:s, s:b}", "available", true, "on",
			      ss->on, "source", ss->source, "ready", ss->ready, "synced", ss->synced,
			      "receiving_bulk", ss->rx_bulk, "dump", hs_sess_dump_name(ss->dump), "paused",
			      ss->paused);
	json_object_set_new(o, "kernel_entries", json_integer(hrpd_ct_count()));
	/* the data channel held back by the send plan (doc/issu.md): nothing goes either way */
	json_object_set_new(o, "held_back", json_boolean(hrpd_data_plan_held(h)));
	json_object_set_new(o, "last_bulk_ms", u64(ss->last_bulk_ms));
	json_object_set_new(o, "labels_room", json_string(hrpd_sess_labels_state(ss)));
	json_object_set_new(o, "remembers_destroys",
			    json_boolean(hrpd_sess_remembers_destroys(ss, hs_now_ms())));
	if (ss->labels.state == HRPD_LABELS_FAILED)
		json_object_set_new(o, "labels_room_error", json_string(ss->labels.error));
	return o;
}

json_t *hrpd_sess_stats_json(const struct hrpd *h)
{
	const struct hrpd_sess *ss = h->sess;
	if (!ss || !ss->ct)
		return json_object();
	const struct hrpd_sess_stats *s = &ss->st;
	const struct hrpd_ct_stats *k = hrpd_ct_stats(ss->ct);
	json_t *skipped = json_object(), *dec = json_object(), *apply = json_object();
	for (int i = 1; i < HS_SESS_VERDICT_MAX; i++)
		json_object_set_new(skipped, hs_sess_verdict_name(i), u64(s->skipped[i]));
	for (int i = HS_SESS_BAD_VERSION; i < HS_SESS_ERR_MAX; i++)
		json_object_set_new(dec, hs_sess_err_name(i), u64(s->decode_errors[i]));
	for (int i = 0; i < HRPD_CT_ERR_MAX; i++)
		json_object_set_new(apply, hrpd_ct_err_name(i), u64(k->apply_errors[i]));
	struct {
		const char *name;
		uint64_t v;
	} f[] = {
		{ "events_new", s->events[0] },
		{ "events_update", s->events[1] },
		{ "events_destroy", s->events[2] },
		{ "events_not_source", s->events_not_source },
		{ "events_alone", s->events_alone },
		{ "checks_after_alone", s->checks_after_alone },
		{ "event_overruns", k->overruns },
		{ "event_msgs_bad", k->event_msgs_bad },
		{ "records_sent", s->records_sent },
		{ "entries_sent", s->entries_sent },
		{ "bytes_sent", s->bytes_sent },
		{ "records_refused", s->records_refused },
		{ "entries_refused", s->entries_refused },
		{ "encode_errors", s->encode_errors },
		{ "dir_zones_stripped", s->dir_zones_stripped },
		{ "records_received", s->records_received },
		{ "entries_received", s->entries_received },
		{ "bytes_received", s->bytes_received },
		{ "entries_applied", s->entries_applied },
		{ "received_not_synced", s->rx_skipped },
		{ "kernel_requests", k->requests },
		{ "kernel_batches", k->request_batches },
		{ "kernel_send_errors", k->request_send_errors },
		{ "kernel_replaced", k->replaced },
		{ "kernel_second_tries", k->second_tries },
		{ "kernel_retries_superseded", k->retries_superseded },
		{ "kernel_gone", k->gone },
		{ "bulk_requests_sent", s->bulk_requests_sent },
		{ "bulk_requests_received", s->bulk_requests_received },
		{ "bulks_sent", s->bulks_sent },
		{ "bulks_failed", s->bulks_failed },
		{ "bulk_entries_sent", s->bulk_entries_sent },
		{ "bulks_received", s->bulks_received },
		{ "bulk_entries_received", s->bulk_entries_received },
		{ "bulks_abandoned", s->bulks_abandoned },
		{ "sweeps_skipped", s->sweeps_skipped },
		{ "dumps", k->dumps },
		{ "dump_errors", k->dump_errors },
		{ "dumps_cancelled", k->dumps_cancelled },
		{ "takeovers", s->takeovers },
		{ "timeouts_reset", s->timeouts_reset },
		{ "made_liberal", s->made_liberal },
		{ "checks", s->checks },
		{ "checks_mismatched", s->checks_mismatched },
		{ "range_resyncs", s->range_resyncs },
		{ "ranges_resynced", s->ranges_resynced },
		{ "swept", s->swept },
		{ "control_bad", s->control_bad },
		{ "updates_after_destroy", s->updates_after_destroy },
		{ "rereads", s->rereads },
		{ "rereads_failed", s->rereads_failed },
		{ "destroys_remembered", ss->tomb.buried },
		{ "labels_lost", s->labels_lost },
		{ "lost_writes", s->lost_writes },
		{ "lost_writes_resyncs", s->lost_writes_resyncs },
		{ "lost_writes_ranges", s->lost_writes_ranges },
		{ "lost_writes_unrepaired", s->lost_writes_unrepaired },
	};
	json_t *o = json_object();
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		json_object_set_new(o, f[i].name, u64(f[i].v));
	json_object_set_new(o, "skipped", skipped);
	json_object_set_new(o, "decode_errors", dec);
	json_object_set_new(o, "apply_errors", apply);
	json_object_set_new(o, "mirror", hrpd_mirror_stats_json(ss));
	json_object_set_new(o, "expectations", hrpd_sess_expect_stats_json(ss));
	return o;
}

/* The active sends its table again; a standby asks the active for it. */
static int cmd_sync(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	struct hrpd *h = d->priv;
	struct hrpd_sess *ss = h->sess;
	(void)args;
	if (!ss || !ss->on) {
		snprintf(err, errlen, "session sync is off (hrp disabled, auto-sync off or no "
				      "conntrack)");
		return -EINVAL;
	}
	const char *what;
	if (ss->source) {
		ss->bulk_wanted = true;
		ss->bulk_not_before_ms = 0; /* the operator's word: no pause after a dropped bulk */
		what = "sending our session table to the peer";
	} else {
		ss->synced = false;
		ss->requested_ms = 0;
		what = "asking the peer for its session table";
	}
	hrpd_sess_update(h);
	*result = json_pack("{s:s}", "started", what);
	return 0;
}

static json_t *consistency_json(const struct hrpd_sess *ss)
{
	const struct hrpd_sess_check *c = &ss->last;
	json_t *last = json_pack(
		"{s:I, s:i, s:i, s:I, s:I, s:s, s:s}", "at_ms_ago",
		(json_int_t)(c->valid ? hs_now_ms() - c->at_ms : 0), "ranges", HS_SESS_RANGES,
		"mismatched", __builtin_popcountll(c->mismatched), "entries_local",
		(json_int_t)c->local_total, "entries_peer", (json_int_t)c->peer_total, "result",
		!c->valid ? "none" : c->mismatched ? "mismatch" : "consistent", "mismatched_ranges",
		"");
	char hex[17];
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)c->mismatched);
	json_object_set_new(last, "mismatched_ranges", json_string(hex));
	json_object_set_new(last, "id", json_integer(c->id));
	/* Buckets left out: their entries changed while the tables were read (sess_check.c). */
	json_object_set_new(last, "by_bucket", json_boolean(c->buckets));
	json_object_set_new(last, "buckets", json_integer(HS_SESS_BUCKETS));
	json_object_set_new(last, "unsettled_buckets", json_integer(c->unsettled_buckets));
	json_object_set_new(last, "undecided", json_integer(__builtin_popcountll(c->undecided)));
	return json_pack("{s:o, s:I, s:I, s:I, s:I, s:i}", "last_check", last, "checks",
			 (json_int_t)ss->st.checks, "mismatched_checks",
			 (json_int_t)ss->st.checks_mismatched, "resyncs",
			 (json_int_t)ss->st.range_resyncs, "swept", (json_int_t)ss->st.swept,
			 "interval_s", (int)(ss->check_interval_ms / 1000));
}

static int cmd_consistency(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	struct hrpd *h = d->priv;
	(void)args;
	if (!h->sess || !h->sess->ct) {
		snprintf(err, errlen, "session sync is not available here");
		return -EINVAL;
	}
	*result = consistency_json(h->sess);
	return 0;
}

static int cmd_check(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	struct hrpd *h = d->priv;
	(void)args;
	if (!h->sess || hrpd_sess_check_now(h->sess) < 0) {
		snprintf(err, errlen, "only the sync source (the active box) starts a check");
		return -EINVAL;
	}
	*result = json_pack("{s:I}", "check", (json_int_t)h->sess->check_id + 1);
	return 0;
}

static int cmd_stats(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	(void)args;
	(void)err;
	(void)errlen;
	*result = json_pack("{s:o, s:o}", "status", hrpd_sess_status_json(d->priv), "statistics",
			    hrpd_sess_stats_json(d->priv));
	return 0;
}

const struct hs_ctl_command hrpd_sess_commands[] = {
	{ "session-sync", "hrp sync connection-status: a bulk transfer of the session table",
	  cmd_sync },
	{ "session-stats", "session sync state and counters", cmd_stats },
	{ "session-consistency", "the last consistency check of the synced session tables",
	  cmd_consistency },
	{ "session-check", "a consistency check now (on the sync source)", cmd_check },
	{ NULL, NULL, NULL },
};
