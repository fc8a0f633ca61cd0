/* Config sync of hotstandby's own SYNCED settings (doc/config-sync.md "Settings"): the config
 * master's vgmpd and hrpd settings of class SYNCED (lib/config_schema.c) follow to the peer.
 *
 * Every box reads its SYNCED settings from the daemons that own them (config-show on their
 * control sockets, every HRPD_SETTINGS_POLL_MS: a change made with hrpctl goes to vgmpd, not
 * through us) and keeps them as one flat JSON object with its digest. When they change, or the
 * peer comes up, the master sends them in a settings record with apply set; the config standby
 * turns the difference into config-set requests to the owning daemons (the path every run-time
 * change takes: validated whole, refused whole) and answers with a settings result. Other
 * boxes send theirs with apply clear, for display hrp config consistency. LOCAL settings are
 * never read into the object nor applied from a peer's (lib/cfgsync_settings.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfgsync_int.h"
#include "cfgsync_settings.h"
#include "config_edit.h"
#include "ctl_link.h"
#include "data.h"
#include "log.h"

#define HRPD_SETTINGS_POLL_MS 250

/* The groups that hold SYNCED settings, each owned by the daemon of the same name. */
static const char *const groups[] = { "vgmpd", "hrpd" };
#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

struct hrpd_cfg_settings {
	struct hrpd_cfgsync *cs;
	bool closing;
	struct hs_ctl_link *link[N_GROUPS];
	bool polling[N_GROUPS];
	json_t *group[N_GROUPS]; /* the last SYNCED settings read per group, NULL: not yet */
	struct hs_timer poll;
	/* ours: all groups read */
	bool have;
	json_t *local;
	uint8_t digest[HS_CFGSYNC_DIGEST_LEN];
	uint32_t gen;
	/* the peer's last settings record */
	json_t *peer;
	bool peer_apply;
	uint32_t peer_gen;
	uint8_t peer_digest[HS_CFGSYNC_DIGEST_LEN];
	uint64_t peer_at_ms;
	bool must_apply;   /* the peer's record asks to be applied and was not yet */
	unsigned applying; /* applies waiting for the daemons' answers (a hot restart waits) */
	/* what we sent to which peer process (sent_epoch: hrp_peer.incarnation) */
	bool sent_any, sent_apply;
	uint64_t sent_epoch;
	uint8_t sent_digest[HS_CFGSYNC_DIGEST_LEN];
	bool has_refused;
	uint8_t refused_digest[HS_CFGSYNC_DIGEST_LEN];
	/* What the pair last agreed on (one applied the other's, or both reported the same). A
	 * box that becomes the config master by a failover pushes its settings only when they
	 * differ from these: its copy may be older than a change the old master made just before
	 * it failed over, and must not undo it. */
	bool have_agreed;
	uint8_t agreed[HS_CFGSYNC_DIGEST_LEN];
	struct hrpd_cfg_result last_rx, last_tx;
	/* drift: the two digests differ; logged once per pair of digests once it lasts
	 * HRPD_CFG_DRIFT_MS (an apply on the standby takes a moment) */
	uint64_t differ_since_ms; /* 0: equal or not compared */
	bool drift_logged;
	uint8_t logged_here[HS_CFGSYNC_DIGEST_LEN], logged_peer[HS_CFGSYNC_DIGEST_LEN];
	struct {
		uint64_t polls, poll_errors, sent, reports_sent, send_errors;
		uint64_t applied, unchanged, apply_failed, refused, changes, local_skipped;
		uint64_t drift_detected;
		uint64_t results_received[HS_CFGSYNC_STATUS_MAX];
	} st;
};

/* One apply of the master's settings: a config-set per daemon, answered once all are back. */
struct apply {
	struct hrpd_cfg_settings *s;
	unsigned pending;
	size_t changes;
	uint32_t gen;
	uint8_t digest[HS_CFGSYNC_DIGEST_LEN];
	char err[HS_CFGSYNC_MSG_MAX];
};

static void apply_settings(struct hrpd_cfg_settings *s);

static const char *peer_name(const struct hrpd *h)
{
	return h->have_peer_hello ? h->peer_hello.sysname : "";
}

static bool peer_live(const struct hrpd *h)
{
	return h->enabled && h->lv.peer == HRP_LV_PEER_UP && h->peer.known;
}

static void send_result(struct hrpd_cfg_settings *s, uint32_t gen, const uint8_t *digest,
			enum hs_cfgsync_status status, const char *msg)
{
	struct hs_cfgsync_rec *r = calloc(1, sizeof(*r));
	if (!r)
		return;
	r->kind = HS_CFGSYNC_SETTINGS_RES;
	r->gen = s->gen;
	r->ref_gen = gen;
	r->status = (uint8_t)status;
	memcpy(r->digest, digest, HS_CFGSYNC_DIGEST_LEN);
	snprintf(r->msg, sizeof(r->msg), "%s", msg ? msg : "");
	int e = hrpd_cfgsync_send_rec(s->cs, r);
	if (e < 0 && e != -EPERM) /* -EPERM: held back by the send plan, counted there */
		s->st.send_errors++;
	s->last_tx = (struct hrpd_cfg_result){ .have = true,
					       .gen = gen,
					       .status = (uint8_t)status,
					       .at_ms = hrpd_uptime_ms(s->cs->h) };
	snprintf(s->last_tx.msg, sizeof(s->last_tx.msg), "%s", r->msg);
	free(r);
}

static void agree(struct hrpd_cfg_settings *s, const uint8_t *digest)
{
	s->have_agreed = true;
	memcpy(s->agreed, digest, HS_CFGSYNC_DIGEST_LEN);
}

/* Whether what we send asks the peer to apply it: the config master's settings do, at pairing,
 * when the master's change them, and by hand (force); not when they are what the pair already
 * agreed on (a failover made us master, nothing changed here). */
static bool want_apply(const struct hrpd_cfgsync *cs, bool force)
{
	const struct hrpd_cfg_settings *s = cs->settings;
	if (cs->role != HS_CFGSYNC_ROLE_MASTER || !(cs->auto_sync || force))
		return false;
	if (force || !s->sent_any || s->sent_epoch != cs->h->peer.incarnation)
		return true;
	return !s->have_agreed || memcmp(s->agreed, s->digest, HS_CFGSYNC_DIGEST_LEN) != 0;
}

int hrpd_settings_send(struct hrpd_cfgsync *cs, bool force)
{
	struct hrpd_cfg_settings *s = cs->settings;
	struct hrpd *h = cs->h;
	if (!s || !s->have)
		return -ENODATA;
	char *text = hs_cfgsync_settings_text(s->local);
	if (!text)
		return -ENOMEM;
	bool apply = want_apply(cs, force);
	struct hs_cfgsync_rec *r = calloc(1, sizeof(*r));
	int ret = -ENOMEM;
	if (r) {
		r->kind = HS_CFGSYNC_SETTINGS;
		r->gen = s->gen;
		r->apply = apply;
		r->settings = text;
		r->settings_len = strlen(text);
		memcpy(r->digest, s->digest, HS_CFGSYNC_DIGEST_LEN);
		ret = hrpd_cfgsync_send_rec(cs, r);
	}
	free(r);
	free(text);
	if (ret < 0) {
		if (ret != -EPERM) /* held back by the send plan: counted by config sync */
			s->st.send_errors++;
		return ret;
	}
	if (apply) {
		s->st.sent++;
		if (force)
			s->has_refused = false;
		hs_info(HRPD_CFG_PREFIX, "sent the synced settings to %s (generation %u)",
			peer_name(h), s->gen);
	} else {
		s->st.reports_sent++;
	}
	s->sent_any = true;
	s->sent_apply = apply;
	s->sent_epoch = h->peer.incarnation;
	memcpy(s->sent_digest, s->digest, HS_CFGSYNC_DIGEST_LEN);
	return 0;
}

void hrpd_settings_update(struct hrpd_cfgsync *cs)
{
	struct hrpd_cfg_settings *s = cs->settings;
	struct hrpd *h = cs->h;
	if (!s || !s->have || !peer_live(h))
		return;
	apply_settings(s);
	bool apply = want_apply(cs, false);
	/* Sent with apply and since agreed on: a report of the same settings would add nothing
	 * (the peer has them; a hot restart must not send it either). */
	bool agreed = s->have_agreed && memcmp(s->agreed, s->digest, HS_CFGSYNC_DIGEST_LEN) == 0;
	if (s->sent_any && s->sent_epoch == h->peer.incarnation &&
	    (s->sent_apply == apply || (s->sent_apply && agreed)) &&
	    memcmp(s->sent_digest, s->digest, HS_CFGSYNC_DIGEST_LEN) == 0)
		return;
	if (apply && s->has_refused &&
	    memcmp(s->refused_digest, s->digest, HS_CFGSYNC_DIGEST_LEN) == 0)
		return; /* the peer could not take them: hrp sync config sends them again */
	hrpd_settings_send(cs, false);
}

/* ---- reading ours ---- */

static void merge(struct hrpd_cfg_settings *s)
{
	json_t *all = json_object();
	for (size_t g = 0; g < N_GROUPS; g++) {
		if (!s->group[g]) {
			json_decref(all);
			return; /* not all read yet */
		}
		json_object_update(all, s->group[g]);
	}
	char *text = hs_cfgsync_settings_text(all);
	uint8_t d[HS_CFGSYNC_DIGEST_LEN];
	if (!text) {
		json_decref(all);
		return;
	}
	hs_cfgsync_settings_digest(text, strlen(text), d);
	free(text);
	bool changed = !s->have || memcmp(d, s->digest, sizeof(d)) != 0;
	json_decref(s->local);
	s->local = all;
	s->have = true;
	apply_settings(s);
	if (changed) {
		char hex[65];
		memcpy(s->digest, d, sizeof(d));
		s->gen++;
		hs_cfgsync_digest_hex(d, hex);
		hs_info(HRPD_CFG_PREFIX, "synced settings read: digest %.16s, generation %u", hex,
			s->gen);
		hrpd_settings_update(s->cs);
	}
}

static size_t group_of(const struct hrpd_cfg_settings *s, const struct hs_ctl_link *l)
{
	for (size_t g = 0; g < N_GROUPS; g++)
		if (s->link[g] == l)
			return g;
	return N_GROUPS;
}

struct poll_ctx {
	struct hrpd_cfg_settings *s;
	size_t g;
};

static void shown(json_t *resp, void *arg)
{
	struct poll_ctx *p = arg;
	struct hrpd_cfg_settings *s = p->s;
	size_t g = p->g;
	free(p);
	if (s->closing)
		return;
	s->polling[g] = false;
	json_t *gj = json_object_get(json_object_get(json_object_get(resp, "result"), "settings"),
				     groups[g]);
	if (!json_is_true(json_object_get(resp, "ok")) || !json_is_object(gj)) {
		s->st.poll_errors++;
		return;
	}
	json_t *picked = json_object();
	hs_cfgsync_settings_pick(groups[g], gj, picked);
	json_decref(s->group[g]);
	s->group[g] = picked;
	merge(s);
}

/* The settings that differ, "path (here X, peer Y), ...", for the log. */
static void diff_text(const struct hrpd_cfg_settings *s, char *out, size_t cap)
{
	json_t *d = hs_cfgsync_settings_diff(s->local, s->peer), *e;
	size_t i, o = 0;
	out[0] = '\0';
	json_array_foreach (d, i, e) {
		char *here = json_dumps(json_object_get(e, "here"), JSON_ENCODE_ANY | JSON_COMPACT);
		char *peer = json_dumps(json_object_get(e, "peer"), JSON_ENCODE_ANY | JSON_COMPACT);
		if (o < cap)
			o += (size_t)snprintf(out + o, cap - o, "%s%s (here %s, peer %s)",
					      i ? ", " : "",
					      json_string_value(json_object_get(e, "path")),
					      here ? here : "none", peer ? peer : "none");
		free(here);
		free(peer);
	}
	json_decref(d);
}

/* Settings drift: logged once for each pair of digests that stays different, and once when
 * they are equal again; a poll that finds the same drift says nothing. */
static void drift_check(struct hrpd_cfg_settings *s)
{
	struct hrpd_cfgsync *cs = s->cs;
	bool cmp = s->have && s->peer && peer_live(cs->h);
	bool differ = cmp && memcmp(s->digest, s->peer_digest, HS_CFGSYNC_DIGEST_LEN) != 0;
	uint64_t now = hs_now_ms();
	if (!differ) {
		if (cmp && s->drift_logged)
			hs_notice(HRPD_CFG_PREFIX, "the synced settings equal %s's again",
				  peer_name(cs->h));
		s->differ_since_ms = 0;
		if (cmp)
			s->drift_logged = false;
		return;
	}
	if (!s->differ_since_ms)
		s->differ_since_ms = now;
	if (now - s->differ_since_ms < HRPD_CFG_DRIFT_MS)
		return;
	if (s->drift_logged && !memcmp(s->logged_here, s->digest, HS_CFGSYNC_DIGEST_LEN) &&
	    !memcmp(s->logged_peer, s->peer_digest, HS_CFGSYNC_DIGEST_LEN))
		return;
	char what[512];
	diff_text(s, what, sizeof(what));
	s->drift_logged = true;
	memcpy(s->logged_here, s->digest, HS_CFGSYNC_DIGEST_LEN);
	memcpy(s->logged_peer, s->peer_digest, HS_CFGSYNC_DIGEST_LEN);
	s->st.drift_detected++;
	hs_warn(HRPD_CFG_PREFIX,
		"the synced settings differ from %s's: %s; hrp sync config on the config master "
		"repairs them",
		peer_name(cs->h), what[0] ? what : "(unknown)");
}

static void poll_fired(struct hs_timer *t, void *arg)
{
	struct hrpd_cfg_settings *s = arg;
	drift_check(s);
	for (size_t g = 0; g < N_GROUPS; g++) {
		if (s->polling[g] || !hs_ctl_link_up(s->link[g]))
			continue;
		struct poll_ctx *p = malloc(sizeof(*p));
		if (!p)
			break;
		*p = (struct poll_ctx){ .s = s, .g = g };
		json_t *args = json_pack("{s:[s]}", "groups", groups[g]);
		if (hs_ctl_link_request(s->link[g], "config-show", args, shown, p) < 0) {
			free(p);
			continue;
		}
		s->polling[g] = true;
		s->st.polls++;
	}
	hs_timer_arm_in(&s->poll, HRPD_SETTINGS_POLL_MS);
}

/* ---- applying the master's ---- */

static void apply_done(struct apply *a)
{
	struct hrpd_cfg_settings *s = a->s;
	if (a->err[0]) {
		s->st.apply_failed++;
		hs_warn(HRPD_CFG_PREFIX, "the settings of %s (generation %u) were not applied: %s",
			peer_name(s->cs->h), a->gen, a->err);
		send_result(s, a->gen, a->digest, HS_CFGSYNC_FAILED, a->err);
	} else {
		s->st.applied++;
		s->st.changes += a->changes;
		hs_notice(HRPD_CFG_PREFIX, "applied %zu settings of %s (generation %u)", a->changes,
			  peer_name(s->cs->h), a->gen);
		send_result(s, a->gen, a->digest, HS_CFGSYNC_APPLIED, NULL);
		agree(s, a->digest);
	}
	s->applying--;
	free(a);
	poll_fired(&s->poll, s); /* read them back now */
}

static void set_answered(json_t *resp, void *arg)
{
	struct apply *a = arg;
	if (a->s->closing) {
		if (--a->pending == 0)
			free(a);
		return;
	}
	if (!json_is_true(json_object_get(resp, "ok")) && !a->err[0]) {
		const char *m = json_string_value(
			json_object_get(json_object_get(resp, "error"), "message"));
		snprintf(a->err, sizeof(a->err), "%s", resp ? (m ? m : "refused") : "daemon gone");
	}
	if (--a->pending == 0)
		apply_done(a);
}

/* Applies the peer's last settings record when it asks for it and we can: as the config
 * standby with our own settings read. Until then it waits (a box in no role yet at pairing, or
 * vgmpd not started), except on the config master, which refuses it. */
static void apply_settings(struct hrpd_cfg_settings *s)
{
	struct hrpd_cfgsync *cs = s->cs;
	char why[HS_CFGSYNC_MSG_MAX];
	if (!s->must_apply)
		return;
	if (cs->role == HS_CFGSYNC_ROLE_MASTER) {
		s->must_apply = false;
		s->st.refused++;
		snprintf(why, sizeof(why), "%s is the config master", cs->h->sysname);
		send_result(s, s->peer_gen, s->peer_digest, HS_CFGSYNC_REFUSED, why);
		return;
	}
	if (cs->role != HS_CFGSYNC_ROLE_STANDBY || !s->have || !peer_live(cs->h))
		return;
	s->must_apply = false;
	json_t *theirs = s->peer;
	struct apply *a = calloc(1, sizeof(*a));
	json_t *changes[N_GROUPS] = { NULL };
	if (!a)
		return;
	*a = (struct apply){ .s = s, .gen = s->peer_gen };
	s->applying++;
	memcpy(a->digest, s->peer_digest, HS_CFGSYNC_DIGEST_LEN);
	for (size_t g = 0; g < N_GROUPS; g++) {
		size_t skipped = 0;
		changes[g] = hs_cfgsync_settings_changes(s->local, theirs, groups[g], &skipped);
		s->st.local_skipped += skipped;
		a->changes += json_array_size(changes[g]);
	}
	/* Count first, then send: an answer must not find pending at 0 before the last send. */
	a->pending = 1;
	for (size_t g = 0; g < N_GROUPS; g++) {
		/* config-set takes HS_CFG_EDIT_MAX changes at a time: more go in several requests,
		 * in order on the one link (each applied whole, the daemon's part not) */
		size_t n = json_array_size(changes[g]);
		for (size_t from = 0; from < n; from += HS_CFG_EDIT_MAX) {
			json_t *part = json_array();
			for (size_t i = from; part && i < n && i < from + HS_CFG_EDIT_MAX; i++)
				json_array_append(part, json_array_get(changes[g], i));
			json_t *args = part ? json_pack("{s:o}", "changes", part) : NULL;
			a->pending++;
			if (!args ||
			    hs_ctl_link_request(s->link[g], "config-set", args, set_answered, a) < 0) {
				snprintf(a->err, sizeof(a->err), "%s is not reachable", groups[g]);
				a->pending--;
				break;
			}
		}
		json_decref(changes[g]);
	}
	if (a->changes == 0) {
		s->st.unchanged++;
		send_result(s, a->gen, a->digest, HS_CFGSYNC_UNCHANGED, NULL);
		agree(s, a->digest);
		s->applying--;
		free(a);
		return;
	}
	if (--a->pending == 0)
		apply_done(a);
}

void hrpd_settings_deliver(struct hrpd_cfgsync *cs, const struct hs_cfgsync_rec *r)
{
	struct hrpd_cfg_settings *s = cs->settings;
	if (!s)
		return;
	if (r->kind == HS_CFGSYNC_SETTINGS_RES) {
		s->st.results_received[r->status]++;
		s->last_rx = (struct hrpd_cfg_result){ .have = true,
						       .gen = r->ref_gen,
						       .status = r->status,
						       .at_ms = hrpd_uptime_ms(cs->h) };
		snprintf(s->last_rx.msg, sizeof(s->last_rx.msg), "%s", r->msg);
		if (r->status == HS_CFGSYNC_APPLIED || r->status == HS_CFGSYNC_UNCHANGED)
			agree(s, r->digest);
		/* the tables' rule: once the peer took our current settings, a return to the
		 * ones it could not apply is a change like any other */
		if (hs_cfgsync_refusal_cleared(r->status, r->ref_gen, s->gen))
			s->has_refused = false;
		if (r->status == HS_CFGSYNC_FAILED || r->status == HS_CFGSYNC_REFUSED) {
			/* a refusal is about roles, not these settings: the next change resends */
			s->has_refused = r->status == HS_CFGSYNC_FAILED;
			memcpy(s->refused_digest, r->digest, HS_CFGSYNC_DIGEST_LEN);
			hs_warn(HRPD_CFG_PREFIX, "%s %s our settings (generation %u): %s",
				peer_name(cs->h),
				r->status == HS_CFGSYNC_FAILED ? "could not apply" : "refused",
				r->ref_gen, r->msg);
		}
		return;
	}
	json_t *theirs = json_loadb(r->settings, r->settings_len, 0, NULL);
	if (!json_is_object(theirs)) {
		json_decref(theirs);
		s->st.refused++;
		if (r->apply)
			send_result(s, r->gen, r->digest, HS_CFGSYNC_REFUSED, "not a JSON object");
		return;
	}
	json_decref(s->peer);
	s->peer = json_incref(theirs);
	s->peer_apply = r->apply;
	s->peer_gen = r->gen;
	s->peer_at_ms = hrpd_uptime_ms(cs->h);
	memcpy(s->peer_digest, r->digest, HS_CFGSYNC_DIGEST_LEN);
	if (s->have && memcmp(s->digest, r->digest, HS_CFGSYNC_DIGEST_LEN) == 0)
		agree(s, r->digest); /* the same settings on both boxes */
	s->must_apply = r->apply;
	apply_settings(s);
	json_decref(theirs);
}

/* ---- control ---- */

static json_t *result_json(const struct hrpd_cfg_result *r)
{
	if (!r->have)
		return json_null();
	return json_pack("{s:i, s:s, s:s, s:I}", "generation", (int)r->gen, "status",
			 hs_cfgsync_status_name(r->status), "message", r->msg, "at_ms",
			 (json_int_t)r->at_ms);
}

json_t *hrpd_settings_status_json(const struct hrpd_cfgsync *cs, bool with_diff)
{
	const struct hrpd_cfg_settings *s = cs ? cs->settings : NULL;
	char here[65], there[65];
	if (!s)
		return json_null();
	hs_cfgsync_digest_hex(s->digest, here);
	hs_cfgsync_digest_hex(s->peer_digest, there);
	bool both = s->have && s->peer;
	json_t *o = json_pack(
		"{s:o, s:i, s:o, s:o, s:o, s:o}", "digest",
		s->have ? json_string(here) : json_null(), "generation", (int)s->gen, "peer_digest",
		s->peer ? json_string(there) : json_null(), "equal",
		both ? json_boolean(memcmp(s->digest, s->peer_digest, HS_CFGSYNC_DIGEST_LEN) == 0)
		     : json_null(),
		"peer_result", result_json(&s->last_rx), "local_result", result_json(&s->last_tx));
	if (with_diff) {
		json_object_set_new(
			o, "count",
			json_integer(s->have ? (json_int_t)json_object_size(s->local) : 0));
		json_object_set_new(o, "differences",
				    both ? hs_cfgsync_settings_diff(s->local, s->peer)
					 : json_null());
	}
	return o;
}

json_t *hrpd_settings_stats_json(const struct hrpd_cfgsync *cs)
{
	const struct hrpd_cfg_settings *s = cs ? cs->settings : NULL;
	if (!s)
		return json_null();
	json_t *res = json_object();
	for (unsigned st = 0; st < HS_CFGSYNC_STATUS_MAX; st++)
		json_object_set_new(res, hs_cfgsync_status_name(st),
				    json_integer((json_int_t)s->st.results_received[st]));
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
			 "drift_detected", (json_int_t)s->st.drift_detected, "polls",
			 (json_int_t)s->st.polls, "poll_errors", (json_int_t)s->st.poll_errors,
			 "sent", (json_int_t)s->st.sent, "reports_sent",
			 (json_int_t)s->st.reports_sent, "send_errors",
			 (json_int_t)s->st.send_errors, "applied", (json_int_t)s->st.applied,
			 "unchanged", (json_int_t)s->st.unchanged, "apply_failed",
			 (json_int_t)s->st.apply_failed, "refused", (json_int_t)s->st.refused,
			 "changes", (json_int_t)s->st.changes, "local_skipped",
			 (json_int_t)s->st.local_skipped, "peer_results", res);
}

/* ---- across a hot restart (cfgsync_hot.c) ---- */

bool hrpd_settings_hot_busy(const struct hrpd_cfgsync *cs)
{
	return cs->settings && cs->settings->applying > 0;
}

json_t *hrpd_settings_hot_save(const struct hrpd_cfgsync *cs)
{
	const struct hrpd_cfg_settings *s = cs->settings;
	if (!s)
		return json_null();
	const struct hrpd *h = cs->h;
	json_t *o = json_pack("{s:I, s:b, s:b, s:I}", "generation", (json_int_t)s->gen,
			      "must_apply", s->must_apply, "drift_logged", s->drift_logged,
			      "differ_since_ms", (json_int_t)s->differ_since_ms);
	if (!o)
		return NULL;
	if (s->have) {
		json_object_set(o, "local", s->local);
		json_object_set_new(o, "digest", hrpd_cfg_hot_digest(s->digest));
	}
	if (s->peer)
		json_object_set_new(o, "peer",
				    json_pack("{s:O, s:b, s:I, s:o, s:o}", "settings", s->peer,
					      "apply", s->peer_apply, "generation",
					      (json_int_t)s->peer_gen, "digest",
					      hrpd_cfg_hot_digest(s->peer_digest), "age_ms",
					      hrpd_cfg_hot_age(hrpd_uptime_ms(h), s->peer_at_ms)));
	if (s->sent_any)
		json_object_set_new(o, "sent",
				    json_pack("{s:b, s:o, s:o}", "apply", s->sent_apply, "epoch",
					      hrpd_cfg_hot_u64(s->sent_epoch), "digest",
					      hrpd_cfg_hot_digest(s->sent_digest)));
	if (s->has_refused)
		json_object_set_new(o, "refused", hrpd_cfg_hot_digest(s->refused_digest));
	if (s->have_agreed)
		json_object_set_new(o, "agreed", hrpd_cfg_hot_digest(s->agreed));
	if (s->drift_logged) {
		json_object_set_new(o, "logged_here", hrpd_cfg_hot_digest(s->logged_here));
		json_object_set_new(o, "logged_peer", hrpd_cfg_hot_digest(s->logged_peer));
	}
	json_object_set_new(o, "last_rx", hrpd_cfg_hot_result(hrpd_uptime_ms(h), &s->last_rx));
	json_object_set_new(o, "last_tx", hrpd_cfg_hot_result(hrpd_uptime_ms(h), &s->last_tx));
	json_object_set_new(
		o, "counters",
		hrpd_cfg_hot_counters((const uint64_t *)&s->st, sizeof(s->st) / sizeof(uint64_t)));
	return o;
}

void hrpd_settings_hot_restore(struct hrpd_cfgsync *cs, const json_t *o)
{
	struct hrpd_cfg_settings *s = cs->settings;
	const struct hrpd *h = cs->h;
	if (!s || !json_is_object(o))
		return;
	/* Ours as the previous process last read them: the next poll finds them unchanged and
	 * keeps their generation. */
	const json_t *local = json_object_get(o, "local");
	if (json_is_object(local) && hrpd_cfg_hot_get_digest(o, "digest", s->digest)) {
		json_decref(s->local);
		s->local = json_deep_copy(local);
		s->have = s->local != NULL;
	}
	s->gen = hrpd_cfg_hot_get_u32(o, "generation", 0);
	const json_t *peer = json_object_get(o, "peer");
	const json_t *theirs = json_object_get(peer, "settings");
	if (json_is_object(theirs) && hrpd_cfg_hot_get_digest(peer, "digest", s->peer_digest)) {
		json_decref(s->peer);
		s->peer = json_deep_copy(theirs);
		s->peer_apply = hrpd_cfg_hot_get_bool(peer, "apply");
		s->peer_gen = hrpd_cfg_hot_get_u32(peer, "generation", 0);
		s->peer_at_ms = hrpd_cfg_hot_get_at(hrpd_uptime_ms(h), peer, "age_ms");
		s->must_apply = hrpd_cfg_hot_get_bool(o, "must_apply");
	}
	const json_t *sent = json_object_get(o, "sent");
	s->sent_any = hrpd_cfg_hot_get_u64(sent, "epoch", &s->sent_epoch) &&
		      hrpd_cfg_hot_get_digest(sent, "digest", s->sent_digest);
	s->sent_apply = hrpd_cfg_hot_get_bool(sent, "apply");
	s->has_refused = hrpd_cfg_hot_get_digest(o, "refused", s->refused_digest);
	s->have_agreed = hrpd_cfg_hot_get_digest(o, "agreed", s->agreed);
	s->drift_logged = hrpd_cfg_hot_get_bool(o, "drift_logged") &&
			  hrpd_cfg_hot_get_digest(o, "logged_here", s->logged_here) &&
			  hrpd_cfg_hot_get_digest(o, "logged_peer", s->logged_peer);
	const json_t *since = json_object_get(o, "differ_since_ms");
	s->differ_since_ms = json_is_integer(since) && json_integer_value(since) > 0
				     ? (uint64_t)json_integer_value(since)
				     : 0; /* CLOCK_MONOTONIC: both processes share it */
	hrpd_cfg_hot_get_result(hrpd_uptime_ms(h), o, "last_rx", &s->last_rx);
	hrpd_cfg_hot_get_result(hrpd_uptime_ms(h), o, "last_tx", &s->last_tx);
	hrpd_cfg_hot_get_counters(o, "counters", (uint64_t *)&s->st,
				  sizeof(s->st) / sizeof(uint64_t));
}

/* ---- life ---- */

static void link_connected(struct hs_ctl_link *l, void *arg)
{
	struct hrpd_cfg_settings *s = arg;
	size_t g = group_of(s, l);
	if (g < N_GROUPS)
		s->polling[g] = false;
}

static const struct hs_ctl_link_ops link_ops = {
	.connected = link_connected,
};

int hrpd_settings_init(struct hrpd_cfgsync *cs)
{
	struct hrpd *h = cs->h;
	struct hrpd_cfg_settings *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cs = cs;
	cs->settings = s;
	hs_timer_init(&s->poll, &h->d->loop, poll_fired, s);
	hs_timer_set_priority(&s->poll, HRPD_BULK_PRIORITY);
	for (size_t g = 0; g < N_GROUPS; g++) {
		int r = hs_ctl_link_open(&s->link[g], &h->d->loop, h->d->rundir, groups[g], NULL,
					 &link_ops, s);
		if (r < 0)
			return r;
	}
	hs_timer_arm_in(&s->poll, HRPD_SETTINGS_POLL_MS);
	return 0;
}

void hrpd_settings_free(struct hrpd_cfgsync *cs)
{
	struct hrpd_cfg_settings *s = cs->settings;
	if (!s)
		return;
	s->closing = true; /* the links answer what is pending with NULL: nothing is sent */
	for (size_t g = 0; g < N_GROUPS; g++) {
		hs_ctl_link_close(s->link[g]);
		json_decref(s->group[g]);
	}
	hs_timer_free(&s->poll);
	json_decref(s->local);
	json_decref(s->peer);
	free(s);
	cs->settings = NULL;
}
