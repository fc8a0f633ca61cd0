/* Config sync's control-socket view (cfgsync.h): "config" in status and hrp-statistics,
 * config-sync (hrp sync config) and config-consistency (display hrp config consistency). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfgsync_int.h"
#include "json_text.h"
#include "log.h"

static json_t *hex_or_null(bool has, const uint8_t d[HS_CFGSYNC_DIGEST_LEN])
{
	char hex[65];
	if (!has)
		return json_null();
	hs_cfgsync_digest_hex(d, hex);
	return json_string(hex);
}

static json_t *result_json(const struct hrpd_cfg_result *r)
{
	if (!r->have)
		return json_null();
	return json_pack("{s:i, s:s, s:s, s:I}", "generation", (int)r->gen, "status",
			 hs_cfgsync_status_name(r->status), "message", r->msg, "at_ms",
			 (json_int_t)r->at_ms);
}

static const char *off_reason(const struct hrpd_cfgsync *cs)
{
	if (!cs)
		return "not started";
	if (!cs->nft)
		return cs->nft_why;
	if (cs->tables.count == 0)
		return "no tables in hrpd.config_sync_tables";
	if (!cs->have_local)
		return "the synced tables could not be read";
	return NULL;
}

static json_t *peer_digest(const struct hrpd *h)
{
	bool live = h->enabled &&
		    (h->lv.peer == HRP_LV_PEER_UP || h->lv.peer == HRP_LV_PEER_NEGOTIATING);
	return hex_or_null(live && h->have_peer_hello && h->peer_hello.vgmp.has_config_digest,
			   h->peer_hello.vgmp.config_digest);
}

json_t *hrpd_cfgsync_status_json(const struct hrpd *h)
{
	const struct hrpd_cfgsync *cs = h->cfgsync;
	const char *why = off_reason(cs);
	json_t *tables = json_array();
	for (size_t i = 0; cs && i < cs->tables.count; i++)
		json_array_append_new(tables, json_string(cs->tables.item[i]));
	json_t *o = json_pack("{s:b, s:o, s:s, s:o, s:o, s:i, s:o}", "on", why == NULL, "why_off",
			      why ? json_string(why) : json_null(), "role",
			      hs_cfgsync_role_name(cs ? cs->role : 0), "tables", tables, "digest",
			      hex_or_null(cs && cs->have_local, cs ? cs->local.digest : NULL),
			      "generation", cs ? (int)cs->gen : 0, "peer_digest", peer_digest(h));
	if (!cs)
		return o;
	json_t *pd = json_object_get(o, "peer_digest");
	json_object_set_new(o, "equal",
			    cs->have_local && json_is_string(pd)
				    ? json_boolean(cs->mismatch == false)
				    : json_null());
	json_object_set_new(o, "drift", json_boolean(cs->drift_logged));
	uint64_t now = hs_now_ms();
	uint64_t end = cs->cc.applied_ms + cs->cc.confirm_ms;
	json_object_set_new(
		o, "confirm",
		json_pack("{s:s, s:i, s:o}", "state", hs_cc_state_name(cs->cc.state), "generation",
			  (int)cs->cc.gen, "left_ms",
			  cs->cc.state == HS_CC_CONFIRMING
				  ? json_integer(end > now ? (json_int_t)(end - now) : 0)
				  : json_null()));
	json_object_set_new(o, "peer_result", result_json(&cs->last_rx));
	json_object_set_new(o, "local_result", result_json(&cs->last_tx));
	json_object_set_new(o, "settings", hrpd_settings_status_json(cs, false));
	json_object_set_new(o, "pair", hrpd_facts_status_json(cs, false));
	return o;
}

/* hrp-statistics -> config.routes (doc/config-sync.md "Static routes") */
static json_t *route_stats_json(const struct hrpd_route_stats *rs)
{
	const struct {
		const char *name;
		uint64_t v;
	} route_counters[] = {
		{ "events", rs->events },
		{ "overruns", rs->overruns },
		{ "reads", rs->reads },
		{ "read_errors", rs->read_errors },
		{ "too_many", rs->too_many },
		{ "unsupported", rs->unsupported },
		{ "added", rs->added },
		{ "deleted", rs->deleted },
		{ "missing_interface", rs->missing_interface },
		{ "apply_errors", rs->apply_errors },
	};
	json_t *routes = json_object();
	for (size_t i = 0; i < sizeof(route_counters) / sizeof(route_counters[0]); i++)
		json_object_set_new(routes, route_counters[i].name,
				    json_integer((json_int_t)route_counters[i].v));
	return routes;
}

json_t *hrpd_cfgsync_stats_json(const struct hrpd *h)
{
	const struct hrpd_cfgsync *cs = h->cfgsync;
	if (!cs)
		return json_null();
	const struct hrpd_cfg_stats *s = &cs->st;
	json_t *rx = json_object(), *errs = json_object(), *res = json_object();
	for (unsigned k = 1; k < HS_CFGSYNC_KIND_MAX; k++)
		json_object_set_new(rx, hs_cfgsync_kind_name(k),
				    json_integer((json_int_t)s->received[k]));
	for (unsigned e = 1; e < HS_CFGSYNC_ERR_MAX; e++)
		json_object_set_new(errs, hs_cfgsync_err_name(e),
				    json_integer((json_int_t)s->rx_errors[e]));
	for (unsigned st = 0; st < HS_CFGSYNC_STATUS_MAX; st++)
		json_object_set_new(res, hs_cfgsync_status_name(st),
				    json_integer((json_int_t)s->results_received[st]));
	json_t *o = json_pack("{s:o, s:o, s:o}", "received", rx, "rx_errors", errs, "peer_results",
			      res);
	struct {
		const char *name;
		uint64_t v;
	} more[] = {
		{ "reads", s->reads },
		{ "read_errors", s->read_errors },
		{ "nft_events", hrpd_nft_events(cs->nft) },
		{ "nft_overruns", hrpd_nft_overruns(cs->nft) },
		{ "rx_no_memory", s->rx_no_memory },
		{ "full_sent", s->full_sent },
		{ "reports_sent", s->reports_sent },
		{ "requests_sent", s->requests_sent },
		{ "results_sent", s->results_sent },
		{ "send_errors", s->send_errors },
		{ "held_back", s->held_back },
		{ "too_large", s->too_large },
		{ "chunked_sent", s->chunked_sent },
		{ "chunks_sent", s->chunks_sent },
		{ "chunked_received", s->chunked_received },
		{ "applied", s->applied },
		{ "unchanged", s->unchanged },
		{ "apply_failed", s->apply_failed },
		{ "refused", s->refused },
		{ "confirmed", s->confirmed },
		{ "reverted", s->reverted },
		{ "revert_failed", s->revert_failed },
		{ "drift_detected", s->drift_detected },
		{ "nft_run", s->nft_run },
		{ "nft_failed", s->nft_failed },
		{ "nft_refused", s->nft_refused },
	};
	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		json_object_set_new(o, more[i].name, json_integer((json_int_t)more[i].v));
	json_object_set_new(o, "routes", route_stats_json(hrpd_routes_stats(cs->routes)));
	json_object_set_new(o, "settings", hrpd_settings_stats_json(cs));
	json_object_set_new(o, "pair", hrpd_facts_stats_json(cs));
	return o;
}

/* hrp sync config: the master sends its full set now (also one the peer refused before); the
 * standby asks the master for it. */
static int cmd_sync(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	struct hrpd *h = d->priv;
	struct hrpd_cfgsync *cs = h->cfgsync;
	const char *why = off_reason(cs);
	if (cs && cs->nft && cs->tables.count) {
		hrpd_cfgsync_read(cs); /* what the kernel has now, not after the settle time */
		why = off_reason(cs);
	}
	bool live = h->enabled && h->lv.peer == HRP_LV_PEER_UP && h->peer.known;
	/* The settings follow whether or not tables are synced. */
	int rs = live && cs ? hrpd_settings_send(cs, true) : -ENOTCONN;
	if (why && rs == 0 && cs->role != HS_CFGSYNC_ROLE_STANDBY) {
		*result =
			json_pack("{s:s, s:s, s:i}", "started", "Sent the synced settings.", "role",
				  hs_cfgsync_role_name(cs->role), "generation", (int)cs->gen);
		return 0;
	}
	if (why) {
		snprintf(err, errlen, "config sync is off: %s", why);
		return -EOPNOTSUPP;
	}
	if (!live) {
		snprintf(err, errlen, "the peer is not up");
		return -ENOTCONN;
	}
	char msg[160];
	int r;
	if (cs->role == HS_CFGSYNC_ROLE_MASTER) {
		r = hrpd_cfgsync_send_set(cs, true);
		snprintf(msg, sizeof(msg), "Sent the synced tables (%zu, generation %u) to %s.",
			 cs->local.n, cs->gen, h->peer_hello.sysname);
	} else if (cs->role == HS_CFGSYNC_ROLE_STANDBY) {
		r = hrpd_cfgsync_send_request(cs);
		snprintf(msg, sizeof(msg), "Asked the config master %s for its tables.",
			 h->peer_hello.sysname);
	} else {
		snprintf(err, errlen, "this box has no config role (neither box is active)");
		return -EAGAIN;
	}
	if (r < 0) {
		snprintf(err, errlen, "not sent: %s", strerror(-r));
		return r;
	}
	hs_notice(HRPD_CFG_PREFIX, "hrp sync config: %s", msg);
	*result = json_pack("{s:s, s:s, s:i}", "started", msg, "role",
			    hs_cfgsync_role_name(cs->role), "generation", (int)cs->gen);
	return 0;
}

static const struct hrpd_cfg_set_entry_view {
	const char *text;
	size_t len;
	bool present, known;
} none_view;

static struct hrpd_cfg_set_entry_view find(const struct hrpd_cfg_set *s, bool have,
					   const char *name)
{
	for (size_t i = 0; have && i < s->n; i++)
		if (!strcmp(s->t[i].name, name))
			return (struct hrpd_cfg_set_entry_view){ .text = s->t[i].text,
								 .len = s->t[i].len,
								 .present = s->t[i].present,
								 .known = true };
	return none_view;
}

static json_t *table_json(const struct hrpd_cfgsync *cs, const char *name)
{
	struct hrpd_cfg_set_entry_view here = find(&cs->local, cs->have_local, name);
	struct hrpd_cfg_set_entry_view there = find(&cs->peer, cs->have_peer, name);
	json_t *o = json_pack("{s:s, s:o, s:o}", "table", name, "here",
			      here.known ? json_boolean(here.present) : json_null(), "peer",
			      there.known ? json_boolean(there.present) : json_null());
	if (!here.known || !there.known) {
		json_object_set_new(o, "equal", json_null());
		return o;
	}
	char *diff = malloc(4096);
	long n =
		diff ? hs_cfgsync_diff(here.present ? here.text : "", here.present ? here.len : 0,
				       there.present ? there.text : "",
				       there.present ? there.len : 0, diff, 4096, HRPD_CFG_DIFF_MAX)
		     : -ENOMEM;
	bool equal = here.present == there.present && n == 0;
	json_object_set_new(o, "equal", json_boolean(equal));
	json_object_set_new(o, "differing_lines", n >= 0 ? json_integer(n) : json_null());
	json_object_set_new(o, "diff", n > 0 ? hs_json_text(diff, strlen(diff)) : json_null());
	free(diff);
	return o;
}

/* display hrp config consistency: the digests, and per synced table whether the peer's last
 * full set or report holds the same text, with the lines that differ ("-" only here, "+" only
 * on the peer). */
static int cmd_consistency(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	struct hrpd *h = d->priv;
	const struct hrpd_cfgsync *cs = h->cfgsync;
	const char *why = off_reason(cs);
	json_t *o = hrpd_cfgsync_status_json(h);
	json_object_set_new(o, "peer",
			    h->have_peer_hello ? json_string(h->peer_hello.sysname) : json_null());
	json_t *tables = json_array();
	for (size_t i = 0; !why && i < cs->tables.count; i++)
		json_array_append_new(tables, table_json(cs, cs->tables.item[i]));
	json_object_set_new(o, "table_states", tables);
	json_t *ps = json_null();
	if (cs && cs->have_peer) {
		json_t *pd = json_object_get(o, "peer_digest");
		char hex[65];
		hs_cfgsync_digest_hex(cs->peer.digest, hex);
		ps = json_pack("{s:s, s:i, s:I, s:b}", "kind", hs_cfgsync_kind_name(cs->peer_kind),
			       "generation", (int)cs->peer_gen, "age_ms",
			       (json_int_t)(hrpd_uptime_ms(h) - cs->peer_at_ms), "current",
			       json_is_string(pd) && !strcmp(json_string_value(pd), hex));
	}
	json_object_set_new(o, "peer_set", ps);
	json_object_set_new(o, "settings", hrpd_settings_status_json(cs, true));
	json_object_set_new(o, "pair", hrpd_facts_status_json(cs, true));
	*result = o;
	return 0;
}

/* firewall nft "...": one nft command run here, so that the operator changes the policy through
 * the pair's CLI. The config standby refuses it, as it refuses every (+B) change, unless hrp
 * standby config enable: its synced tables follow the master and a change would be drift. */
static int cmd_nft(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	struct hrpd *h = d->priv;
	struct hrpd_cfgsync *cs = h->cfgsync;
	const char *text = json_string_value(json_object_get(args, "command"));
	if (!text || !*text) {
		snprintf(err, errlen, "no nft command given");
		return -EINVAL;
	}
	if (!cs || !cs->nft) {
		snprintf(err, errlen, "hrpd has no nftables context here");
		return -EOPNOTSUPP;
	}
	if (cs->role == HS_CFGSYNC_ROLE_STANDBY && !d->config->hrpd.standby_config) {
		cs->st.nft_refused++;
		snprintf(err, errlen, "this box is the config standby: change the policy on the "
				      "active (or hrp standby config enable)");
		return -EPERM;
	}
	int r = hrpd_nft_run(cs->nft, text, err, errlen);
	if (r < 0) {
		cs->st.nft_failed++;
		return r;
	}
	cs->st.nft_run++;
	*result = json_pack("{s:s, s:s}", "started", "Done.", "role",
			    hs_cfgsync_role_name(cs->role));
	return *result ? 0 : -ENOMEM;
}

const struct hs_ctl_command hrpd_cfgsync_commands[] = {
	{ "config-sync", "hrp sync config: send the synced tables to the peer now", cmd_sync },
	{ "config-nft", "firewall nft: run one nft command here (refused on the config standby)",
	  cmd_nft },
	{ "config-consistency", "the synced tables here and on the peer, and what differs",
	  cmd_consistency },
	{ NULL },
};
