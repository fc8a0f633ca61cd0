/* hrpd's control-socket view: status (the "hrp" section of display hrp state), the heartbeat
 * links (display hrp interface), the counters (display hrp statistics), and the run-time switch
 * (hrp enable / undo hrp enable). Every answer is JSON; times are ms. */
#include <errno.h>
#include <string.h>

#include "cfgsync.h"
#include "data.h"
#include "hrpd.h"
#include "log.h"
#include "sess.h"
#include "version.h"

void hrpd_publish(struct hrpd *h, const char *event, json_t *data)
{
	if (h->d->ctl)
		hs_ctl_server_publish(h->d->ctl, event, data);
}

uint64_t hrpd_uptime_ms(const struct hrpd *h)
{
	return hs_now_ms() - h->d->started_ms;
}

static json_t *hex64(uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)v);
	return json_string(buf);
}

static json_t *registry_json(void)
{
	static struct hrp_registry r;
	if (r.n == 0)
		hrp_registry_local(&r);
	json_t *a = json_array();
	char ver[16];
	for (size_t i = 0; i < r.n; i++) {
		snprintf(ver, sizeof(ver), "%u.%u", r.e[i].ver_major, r.e[i].ver_minor);
		json_array_append_new(a, json_pack("{s:i, s:s, s:s}", "type", r.e[i].type, "name",
						   r.e[i].name, "version", ver));
	}
	return a;
}

static enum hrp_lv_peer_state peer_state(const struct hrpd *h)
{
	return h->enabled ? h->lv.peer : HRP_LV_PEER_UNKNOWN;
}

static json_t *peer_json(const struct hrpd *h)
{
	const struct hrp_hello *p = &h->peer_hello;
	bool have = h->have_peer_hello && h->enabled;
	json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:I, s:o}", "state",
			      hrp_lv_peer_state_name(peer_state(h)), "name",
			      have ? json_string(p->sysname) : json_null(), "priority",
			      have ? json_integer(p->vgmp.priority) : json_null(), "readiness",
			      have ? json_integer(p->vgmp.readiness) : json_null(), "epoch",
			      h->peer.known ? hex64(h->peer.epoch) : json_null(), "since_ms",
			      (json_int_t)(h->lv.peer_since_ms > h->d->started_ms
						   ? h->lv.peer_since_ms - h->d->started_ms
						   : 0),
			      "payload", have ? hrpd_vgmp_json(&p->vgmp) : json_null());
	/* The last accepted message from the peer on any link, the base of the dead time. */
	bool heard = h->enabled && h->lv.peer != HRP_LV_PEER_UNKNOWN;
	json_object_set_new(o, "last_rx_ms_ago",
			    heard ? json_integer((json_int_t)(hs_now_ms() - h->lv.peer_last_rx_ms))
				  : json_null());
	/* The same instant on the time base of since_ms (daemon uptime): since_ms - last_rx_ms is
	 * how long the peer was silent before its current state. */
	json_object_set_new(
		o, "last_rx_ms",
		heard && h->lv.peer_last_rx_ms >= h->d->started_ms
			? json_integer((json_int_t)(h->lv.peer_last_rx_ms - h->d->started_ms))
			: json_null());
	return o;
}

static json_t *heartbeat_json(const struct hrpd *h)
{
	const struct hrp_liveness *lv = &h->lv;
	return json_pack("{s:i, s:i, s:i, s:I, s:i, s:i, s:I, s:I}", "interval_ms",
			 (int)hrp_lv_interval_ms(lv), "peer_interval_ms", (int)lv->peer_interval_ms,
			 "dead_count", (int)lv->p.dead_count, "silent_ms",
			 (json_int_t)hrp_lv_silent_ms(lv), "backoff_ms", (int)hrp_lv_backoff_ms(lv),
			 "probes", HRP_LV_PROBES, "negotiation_ms",
			 (json_int_t)hrp_lv_negotiation_ms(lv), "dead_time_ms",
			 (json_int_t)hrp_lv_dead_time_ms(lv));
}

static json_t *auth_json(const struct hrpd *h)
{
	uint8_t ids[HRP_KEY_IDS_MAX];
	size_t n = hrp_keyring_ids(&h->keys, ids, sizeof(ids));
	json_t *a = json_array(), *pa = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer(ids[i]));
	for (size_t i = 0; h->have_peer_hello && i < h->peer_hello.n_key_ids; i++)
		json_array_append_new(pa, json_integer(h->peer_hello.key_ids[i]));
	int slot = hrp_keyring_tx_slot(&h->keys, h->peer_hello.key_ids,
				       h->have_peer_hello ? h->peer_hello.n_key_ids : 0);
	const struct hrp_key *k = slot >= 0 ? hrp_keyring_key(&h->keys, slot) : NULL;
	const char *peer_slot = h->peer.key_slot == HRP_KEY_CURRENT ? "current"
				: h->peer.key_slot == HRP_KEY_NEXT  ? "next"
								    : "none";
	return json_pack("{s:b, s:o, s:o, s:o, s:s, s:o}", "keyed", n > 0, "key_ids", a,
			 "tx_key_id", k ? json_integer(k->id) : json_null(), "peer_key_ids", pa,
			 "peer_signs_with", peer_slot, "peer_key_id",
			 h->peer.key_slot != HRP_KEY_NONE ? json_integer(h->peer.key_id)
							  : json_null());
}

static json_t *peer_registry_json(const struct hrpd *h)
{
	struct hrp_registry local;
	struct hrp_compat_result *cr = malloc(sizeof(*cr));
	hrp_registry_local(&local);
	const char *verdict = "unknown";
	if (cr && hrp_registry_compare(&local, &h->peer_registry, cr) == 0)
		verdict = hrp_compat_name(cr->verdict);
	json_t *o = json_pack("{s:b, s:s, s:I}", "known", h->peer_registry.n > 0, "compat", verdict,
			      "differences", (json_int_t)(cr ? cr->n_diffs : 0));
	free(cr);
	/* The peer's HRP protocol version, from its registry; its software version is not sent. */
	char ver[16];
	snprintf(ver, sizeof(ver), "%u.%u", h->peer_registry.proto_major,
		 h->peer_registry.proto_minor);
	json_object_set_new(o, "protocol", h->peer_registry.n > 0 ? json_string(ver) : json_null());
	return o;
}

void hrpd_status(struct hs_daemon *d, json_t *obj)
{
	const struct hs_hrpd_config *c = &d->config->hrpd;
	struct hrpd *h = d->priv;
	if (!h)
		return;
	struct hrpd_link *run = hrpd_running_link(h);
	bool peer_live =
		peer_state(h) == HRP_LV_PEER_UP || peer_state(h) == HRP_LV_PEER_NEGOTIATING;
	json_t *lc = h->has_last_change
			     ? json_pack("{s:s, s:s, s:s, s:i, s:o}", "old", h->lc_old, "new",
					 h->lc_new, "reason", h->lc_reason, "local_priority",
					 h->lc_local_prio, "peer_priority",
					 h->lc_peer_prio >= 0 ? json_integer(h->lc_peer_prio)
							      : json_null())
			     : json_null();
	json_t *o = json_pack(
		"{s:b, s:s, s:s, s:o, s:i, s:i, s:b, s:b, s:b, s:I, s:o, s:f, s:s, s:o, s:o}",
		"enabled", h->enabled, "role",
		h->local_set ? hrp_vgmp_state_name(h->local.state) : "unknown", "peer_role",
		peer_live && h->have_peer_hello ? hrp_vgmp_state_name(h->peer_hello.vgmp.state)
						: "unknown",
		"peer", peer_json(h), "hello_interval_ms", (int)h->hello_interval_ms, "dead_count",
		h->dead_count, "auto_sync_config", c->auto_sync_config, "auto_sync_sessions",
		c->auto_sync_sessions, "mirror_session", c->mirror_session, "stable_since_ms",
		(json_int_t)h->stable_since_ms, "last_change", lc, "channel_usage",
		hrpd_data_usage_pct(h), "protocol", HS_HRP_VERSION_STRING, "registry",
		registry_json(), "running_link",
		run && h->enabled ? json_string(run->cfg.interface) : json_null());
	json_object_set_new(o, "heartbeat", heartbeat_json(h));
	json_object_set_new(o, "auth", auth_json(h));
	json_object_set_new(o, "sender_id", json_integer(h->sender_id));
	json_object_set_new(o, "epoch", hex64(h->tx.epoch));
	json_object_set_new(o, "sysname", json_string(h->sysname));
	json_object_set_new(o, "local_payload", hrpd_vgmp_json(&h->local));
	json_object_set_new(o, "peer_registry", peer_registry_json(h));
	json_object_set_new(o, "session", hrpd_sess_status_json(h));
	json_object_set_new(o, "config", hrpd_cfgsync_status_json(h));
	json_object_set_new(o, "data_channel", hrpd_data_status_json(h));
	json_object_set_new(obj, "hrp", o);
}

static int set_enabled(struct hs_daemon *d, bool on, json_t **result, char *err, size_t errlen)
{
	struct hrpd *h = d->priv;
	if (on && h->n_links == 0) {
		snprintf(err, errlen, "HRP needs at least one heartbeat link (hrpd.links)");
		return -EINVAL;
	}
	if (h->enabled != on) {
		hs_notice("[hrp]", "hrp %s", on ? "enabled" : "disabled");
		h->enabled = on;
		hrpd_chan_enable(h, on);
	}
	*result = json_pack("{s:b}", "enabled", h->enabled);
	return 0;
}

static int cmd_enable(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	return set_enabled(ctx, true, result, err, errlen);
}

static int cmd_disable(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	return set_enabled(ctx, false, result, err, errlen);
}

static int cmd_interfaces(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	struct hrpd *h = d->priv;
	uint64_t now = hs_now_ms();
	json_t *a = json_array();
	char lb[64], rb[64];
	for (size_t i = 0; i < h->n_links; i++) {
		const struct hrpd_link *l = h->links[i];
		enum hrp_lv_link_state st = h->enabled ? h->lv.link[i].state : HRP_LV_LINK_DOWN;
		json_t *o = json_pack(
			"{s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:s, s:I, s:I, s:I, s:I, s:I, s:I}",
			"interface", l->cfg.interface, "local",
			hs_addr_str(&l->cfg.local, lb, sizeof(lb)), "remote",
			hs_addr_str(&l->cfg.remote, rb, sizeof(rb)), "state",
			hrp_lv_link_state_name(st), "hellos_sent", (json_int_t)l->hellos_sent,
			"hellos_received", (json_int_t)l->hellos_received, "last_rx_ms_ago",
			l->heard ? json_integer((json_int_t)(now - l->last_rx_ms)) : json_null(),
			"admin", l->admin_up ? "up" : l->admin_why, "tx", (json_int_t)l->tx, "rx",
			(json_int_t)l->rx, "tx_errors", (json_int_t)l->tx_errors, "wrong_source",
			(json_int_t)l->wrong_source, "auth_failures", (json_int_t)l->auth_failures,
			"since_ms",
			(json_int_t)(h->lv.link[i].since_ms > d->started_ms
					     ? h->lv.link[i].since_ms - d->started_ms
					     : 0));
		if (l->rtt_us >= 0)
			json_object_set_new(o, "rtt_ms", json_real((double)l->rtt_us / 1000.0));
		json_object_set_new(o, "renewals", json_integer((json_int_t)l->renewals));
		json_array_append_new(a, o);
	}
	*result = json_pack("{s:o}", "interfaces", a);
	return 0;
}

static json_t *per_type(const uint64_t *n)
{
	json_t *o = json_object();
	for (uint16_t t = 1; t < HRP_MSG_MAX && t < HRP_RX_TYPES; t++)
		json_object_set_new(o, hrp_msg_type_name(t), json_integer((json_int_t)n[t]));
	return o;
}

static int cmd_statistics(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	struct hrpd *h = d->priv;
	const struct hrp_counters *c = &h->counters;
	const struct hrpd_stats *s = &h->st;
	const struct hrp_lv_counters *lc = &h->lv.counters;
	json_t *drops = json_object();
	uint64_t auth = 0, dropped = 0;
	for (int i = 1; i < HRP_DROP_MAX; i++) {
		json_object_set_new(drops, hrp_drop_name(i), json_integer((json_int_t)c->drop[i]));
		dropped += c->drop[i];
		if (i >= HRP_DROP_AUTH_MISSING && i <= HRP_DROP_AUTH_BAD)
			auth += c->drop[i];
	}
	json_t *o = json_pack("{s:o, s:o, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:I}", "sent",
			      per_type(s->tx_type), "received", per_type(c->rx_type), "rx",
			      (json_int_t)c->rx, "accepted", (json_int_t)c->accepted, "dropped",
			      (json_int_t)dropped, "drops", drops, "auth_failures",
			      (json_int_t)auth, "unknown_tlvs", (json_int_t)c->unknown_tlvs,
			      "new_epochs", (json_int_t)c->new_epochs, "challenges_needed",
			      (json_int_t)c->challenges);
	struct {
		const char *name;
		uint64_t v;
	} more[] = {
		{ "challenges_sent", s->challenges_sent },
		{ "challenge_responses_sent", s->challenge_responses_sent },
		{ "challenges_throttled", s->challenges_throttled },
		{ "not_supported_sent", s->not_supported_sent },
		{ "not_supported_received", s->not_supported_received },
		{ "probes_sent", s->probes_sent },
		{ "rtt_probes_sent", s->rtt_probes_sent },
		{ "probe_acks_received", s->probe_acks_received },
		{ "retransmissions", s->retransmissions },
		{ "vgmp_requests_lost", s->requests_lost },
		{ "vgmp_requests_duplicate", s->requests_duplicate },
		{ "wrong_source", s->wrong_source },
		{ "wrong_sender", s->wrong_sender },
		{ "rx_while_disabled", s->rx_disabled },
		{ "tx_errors", s->tx_errors },
		{ "data_ignored", s->data_ignored },
		{ "epoch_switches", s->epoch_switches },
		{ "epochs_taken_back", h->peer.epochs_taken_back },
		{ "stale_payloads", s->stale_payloads },
		{ "registry_unreadable", s->registry_unreadable },
		{ "peer_up", lc->peer_up },
		{ "peer_down", lc->peer_down },
		{ "negotiations", lc->negotiations },
		{ "negotiations_recovered", lc->negotiations_recovered },
		{ "peer_restarts", lc->restarts },
		{ "running_changes", lc->running_changes },
	};
	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		json_object_set_new(o, more[i].name, json_integer((json_int_t)more[i].v));
	json_object_set_new(o, "data", hrpd_data_stats_json(h));
	json_object_set_new(o, "session", hrpd_sess_stats_json(h));
	json_object_set_new(o, "config", hrpd_cfgsync_stats_json(h));
	*result = o;
	return 0;
}

const struct hs_ctl_command hrpd_commands[] = {
	{ "hrp-enable", "hrp enable: take part in hot standby", cmd_enable },
	{ "hrp-disable", "undo hrp enable", cmd_disable },
	{ "hrp-interfaces", "heartbeat links and their state", cmd_interfaces },
	{ "hrp-statistics", "HRP messages sent and received, drops by reason", cmd_statistics },
	{ NULL },
};
