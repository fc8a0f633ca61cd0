/* The pairing consistency check (doc/config-sync.md "Pairing consistency"): what must match
 * the peer and is not synced — VRRP groups, hrpd's timers, the conntrack sysctls, versions.
 *
 * Every HRPD_FACTS_POLL_MS we gather our facts (lib/pair_facts.h) from the config the daemons
 * share (hrpd reads the same file as vrrpd), our running hello interval and dead count, and
 * /proc/sys/net/netfilter of our namespace; we send them in a facts record when the peer comes
 * up (a new epoch) and when they change, keep the peer's, and compare. The set of differences
 * is logged once each time it changes, not at every poll. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgsync_int.h"
#include "ctl_link.h"
#include "log.h"
#include "pair_facts.h"
#include "version.h"

#define HRPD_FACTS_POLL_MS   1000
#define HRPD_FACTS_DIFF_MAX  64 /* differences kept for display */
#define HRPD_FACTS_LOG_LINES 16 /* differences logged one per line at a change */
#define HRPD_FACTS_PREFIX    "[hrp pair]"
#define NETFILTER_SYSCTLS    "/proc/sys/net/netfilter"

struct hrpd_cfg_facts {
	struct hrpd_cfgsync *cs;
	struct hs_timer poll;
	/* vrrpd's running groups (config-show), which the file may not have yet */
	struct hs_ctl_link *vrrpd;
	bool closing, asking;
	struct hs_pair_facts *running; /* its groups; NULL: vrrpd not heard: the file's */
	/* ours */
	bool have;
	struct hs_pair_facts *local;
	char *text; /* its JSON, as sent */
	uint8_t digest[HS_CFGSYNC_DIGEST_LEN];
	uint32_t gen;
	/* the peer's last facts record, dropped when the peer goes down */
	bool have_peer;
	struct hs_pair_facts *peer;
	uint32_t peer_gen;
	uint64_t peer_at_ms;
	/* what we sent to which peer process (sent_epoch: hrp_peer.incarnation) */
	bool sent_any;
	uint64_t sent_epoch;
	uint8_t sent_digest[HS_CFGSYNC_DIGEST_LEN];
	/* the differences: compared is false until both sides are known */
	bool compared;
	size_t n_diffs, n_errors;
	struct hs_pf_diff diffs[HRPD_FACTS_DIFF_MAX];
	/* differences in SYNCED timers, held back while settings sync may still repair them */
	size_t n_held;
	uint64_t held_since;
	char *logged; /* the set last logged, as text; NULL: none logged */
	struct {
		uint64_t polls, sysctl_errors, sent, send_errors, received, changes;
		uint64_t rx_errors[HS_PF_ERR_MAX];
		uint64_t vrrpd_errors; /* last: a hot restart's counters keep their places */
	} st;
};

static const char *peer_name(const struct hrpd *h)
{
	return h->have_peer_hello ? h->peer_hello.sysname : "the peer";
}

static bool peer_live(const struct hrpd *h)
{
	return h->enabled && h->lv.peer == HRP_LV_PEER_UP && h->peer.known;
}

/* ---- ours ---- */

static int read_value(const char *path, char *out, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, out, cap - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	out[n] = '\0';
	return 0;
}

/* nf_conntrack_max and the conntrack timeouts of our namespace; none when conntrack is not
 * loaded (the directory or the files are missing: the peer then shows them as absent here). */
static void gather_sysctls(struct hrpd_cfg_facts *fc, struct hs_pair_facts *f)
{
	DIR *dir = opendir(NETFILTER_SYSCTLS);
	struct dirent *e;
	if (!dir)
		return;
	while ((e = readdir(dir))) {
		char path[320], name[sizeof(e->d_name) + 16], value[HS_PF_VALUE_MAX + 8];
		if (!hs_pair_facts_sysctl_wanted(e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", NETFILTER_SYSCTLS, e->d_name);
		snprintf(name, sizeof(name), "net.netfilter.%s", e->d_name);
		if (read_value(path, value, sizeof(value)) < 0 ||
		    hs_pair_facts_add_sysctl(f, name, value) < 0)
			fc->st.sysctl_errors++;
	}
	closedir(dir);
}

/* Our facts now; true when they differ from the last. */
static bool gather(struct hrpd_cfg_facts *fc)
{
	struct hrpd *h = fc->cs->h;
	struct hs_pair_facts *f = malloc(sizeof(*f));
	if (!f)
		return false;
	hs_pair_facts_from_config(h->d->config, HS_VERSION, HS_HRP_VERSION_STRING, f);
	if (fc->running) {
		f->n_groups = fc->running->n_groups;
		memcpy(f->groups, fc->running->groups, sizeof(f->groups));
	}
	/* the running timers: hrpctl or the config master's settings may have changed them */
	f->hello_interval_ms = h->hello_interval_ms;
	f->dead_count = (uint32_t)h->dead_count;
	gather_sysctls(fc, f);
	char *text = hs_pair_facts_encode(f);
	if (!text) {
		free(f);
		return false;
	}
	uint8_t d[HS_CFGSYNC_DIGEST_LEN];
	hs_cfgsync_settings_digest(text, strlen(text), d);
	bool changed = !fc->have || memcmp(d, fc->digest, sizeof(d)) != 0;
	free(fc->local);
	free(fc->text);
	fc->local = f;
	fc->text = text;
	memcpy(fc->digest, d, sizeof(d));
	fc->have = true;
	if (changed) {
		fc->gen++;
		hs_info(HRPD_FACTS_PREFIX,
			"facts read: %zu VRRP groups, %zu sysctls, generation %u", f->n_groups,
			f->n_sysctls, fc->gen);
	}
	return changed;
}

/* ---- the differences ---- */

static char *set_text(const struct hrpd_cfg_facts *fc)
{
	size_t cap = 64 + fc->n_diffs * (HS_PF_WHAT_MAX + 2 * HS_PF_SIDE_MAX + 16), o = 0;
	char *t = malloc(cap);
	if (!t)
		return NULL;
	o += (size_t)snprintf(t, cap, "%zu\n", fc->n_diffs);
	for (size_t i = 0; i < fc->n_diffs && i < HRPD_FACTS_DIFF_MAX; i++)
		o += (size_t)snprintf(t + o, cap - o, "%s|%s|%s\n", fc->diffs[i].what,
				      fc->diffs[i].here, fc->diffs[i].peer);
	return t;
}

static void log_set(struct hrpd_cfg_facts *fc)
{
	struct hrpd *h = fc->cs->h;
	if (fc->n_diffs == 0) {
		hs_notice(HRPD_FACTS_PREFIX, "no differences with %s%s", peer_name(h),
			  fc->logged ? " any more" : "");
		return;
	}
	fc->st.changes++;
	hs_warn(HRPD_FACTS_PREFIX,
		"%zu differences with %s (%zu errors): display hrp config consistency shows them",
		fc->n_diffs, peer_name(h), fc->n_errors);
	for (size_t i = 0; i < fc->n_diffs && i < HRPD_FACTS_LOG_LINES; i++) {
		const struct hs_pf_diff *d = &fc->diffs[i];
		hs_warn(HRPD_FACTS_PREFIX, "%s: here %s, %s %s (%s)", d->what, d->here,
			peer_name(h), d->peer, hs_pf_severity_name(d->severity));
	}
	if (fc->n_diffs > HRPD_FACTS_LOG_LINES)
		hs_warn(HRPD_FACTS_PREFIX, "... and %zu more", fc->n_diffs - HRPD_FACTS_LOG_LINES);
}

static void compare(struct hrpd_cfg_facts *fc)
{
	fc->compared = fc->have && fc->have_peer;
	if (!fc->compared) {
		fc->n_diffs = fc->n_errors = fc->n_held = 0;
		fc->held_since = 0;
		return;
	}
	fc->n_diffs = hs_pair_facts_compare(fc->local, fc->peer, &fc->cs->renames, fc->diffs,
					    HRPD_FACTS_DIFF_MAX);
	size_t kept = fc->n_diffs < HRPD_FACTS_DIFF_MAX ? fc->n_diffs : HRPD_FACTS_DIFF_MAX;
	hs_pair_facts_hold_synced(fc->diffs, kept, hs_now_ms(), &fc->held_since,
				  HS_PF_SYNCED_GRACE_MS, &fc->n_held);
	fc->n_diffs -= fc->n_held;
	fc->n_errors = 0;
	for (size_t i = 0; i < fc->n_diffs && i < HRPD_FACTS_DIFF_MAX; i++)
		fc->n_errors += fc->diffs[i].severity == HS_PF_ERROR;
	/* Logged once per set: a poll that finds the same differences says nothing. */
	char *t = set_text(fc);
	if (!t || (fc->logged && !strcmp(t, fc->logged))) {
		free(t);
		return;
	}
	if (!fc->logged && fc->n_diffs == 0)
		hs_info(HRPD_FACTS_PREFIX, "no differences with %s", peer_name(fc->cs->h));
	else
		log_set(fc);
	free(fc->logged);
	fc->logged = t;
}

/* ---- sending ---- */

static int send_facts(struct hrpd_cfg_facts *fc)
{
	struct hrpd *h = fc->cs->h;
	struct hs_cfgsync_rec *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->kind = HS_CFGSYNC_FACTS;
	r->gen = fc->gen;
	r->facts = fc->text;
	r->facts_len = strlen(fc->text);
	memcpy(r->digest, fc->digest, HS_CFGSYNC_DIGEST_LEN);
	int ret = hrpd_cfgsync_send_rec(fc->cs, r);
	free(r);
	if (ret < 0) {
		if (ret != -EPERM) /* held back by the send plan: counted by config sync */
			fc->st.send_errors++;
		return ret;
	}
	fc->st.sent++;
	fc->sent_any = true;
	fc->sent_epoch = h->peer.incarnation;
	memcpy(fc->sent_digest, fc->digest, HS_CFGSYNC_DIGEST_LEN);
	return 0;
}

void hrpd_facts_update(struct hrpd_cfgsync *cs, bool resend)
{
	struct hrpd_cfg_facts *fc = cs->facts;
	struct hrpd *h = cs->h;
	if (!fc)
		return;
	if (!peer_live(h)) {
		/* the peer's facts are from a box that may come back changed: compare afresh */
		fc->have_peer = false;
		fc->compared = false;
		fc->n_diffs = fc->n_errors = fc->n_held = 0;
		fc->held_since = 0;
		return;
	}
	if (resend)
		fc->sent_any = false;
	if (!fc->have)
		return;
	if (fc->sent_any && fc->sent_epoch == h->peer.incarnation &&
	    memcmp(fc->sent_digest, fc->digest, HS_CFGSYNC_DIGEST_LEN) == 0)
		return;
	send_facts(fc);
}

/* vrrpd's answer: its running global and vrrpd groups as text. */
static void vrrpd_shown(json_t *resp, void *arg)
{
	struct hrpd_cfg_facts *fc = arg;
	if (!resp || fc->closing)
		return; /* the link went down (or we are closing): the next poll asks again */
	fc->asking = false;
	json_t *text = json_object_get(json_object_get(resp, "result"), "text");
	const char *g = json_string_value(json_object_get(text, "global"));
	const char *v = json_string_value(json_object_get(text, "vrrpd"));
	char err[256] = "not ok";
	size_t len = (g ? strlen(g) : 0) + (v ? strlen(v) : 0) + 2;
	char *both = g && v ? malloc(len) : NULL;
	struct hs_pair_facts *f = both ? malloc(sizeof(*f)) : NULL;
	int r = -EINVAL;
	if (f && json_is_true(json_object_get(resp, "ok"))) {
		snprintf(both, len, "%s\n%s", g, v);
		r = hs_pair_facts_groups_from_text(both, f, err, sizeof(err));
	}
	free(both);
	if (r < 0) {
		free(f);
		if (fc->st.vrrpd_errors++ == 0)
			hs_warn(HRPD_FACTS_PREFIX,
				"vrrpd's running groups unreadable (%s): the file's are compared",
				err);
		return;
	}
	free(fc->running);
	fc->running = f;
}

static void ask_vrrpd(struct hrpd_cfg_facts *fc)
{
	if (fc->asking || !hs_ctl_link_up(fc->vrrpd))
		return;
	json_t *args = json_pack("{s:[s, s]}", "groups", "global", "vrrpd");
	if (hs_ctl_link_request(fc->vrrpd, "config-show", args, vrrpd_shown, fc) == 0)
		fc->asking = true;
}

static void poll_fired(struct hs_timer *t, void *arg)
{
	struct hrpd_cfg_facts *fc = arg;
	fc->st.polls++;
	ask_vrrpd(fc); /* its answer is gathered at the next poll */
	/* held differences are looked at again: the grace time may have passed */
	if ((gather(fc) || fc->n_held) && fc->have_peer)
		compare(fc);
	hrpd_facts_update(fc->cs, false);
	hs_timer_arm_in(&fc->poll, HRPD_FACTS_POLL_MS);
}

void hrpd_facts_deliver(struct hrpd_cfgsync *cs, const struct hs_cfgsync_rec *r)
{
	struct hrpd_cfg_facts *fc = cs->facts;
	if (!fc)
		return;
	struct hs_pair_facts *f = malloc(sizeof(*f));
	if (!f) {
		if (cs->st.rx_no_memory++ == 0)
			hs_err(HRPD_FACTS_PREFIX, "the facts of %s dropped: out of memory",
			       peer_name(cs->h));
		return;
	}
	enum hs_pf_err e = hs_pair_facts_decode(r->facts, r->facts_len, f);
	if (e != HS_PF_OK) {
		if (fc->st.rx_errors[e]++ == 0)
			hs_warn(HRPD_FACTS_PREFIX, "the facts of %s dropped: %s (%zu bytes)",
				peer_name(cs->h), hs_pf_err_name(e), r->facts_len);
		free(f);
		return;
	}
	fc->st.received++;
	free(fc->peer);
	fc->peer = f;
	fc->have_peer = true;
	fc->peer_gen = r->gen;
	fc->peer_at_ms = hrpd_uptime_ms(cs->h);
	compare(fc);
}

/* ---- control ---- */

json_t *hrpd_facts_status_json(const struct hrpd_cfgsync *cs, bool with_list)
{
	const struct hrpd_cfg_facts *fc = cs ? cs->facts : NULL;
	if (!fc)
		return json_null();
	size_t kept = fc->n_diffs < HRPD_FACTS_DIFF_MAX ? fc->n_diffs : HRPD_FACTS_DIFF_MAX;
	json_t *o = json_pack(
		"{s:b, s:o, s:o, s:o}", "compared", fc->compared, "count",
		fc->compared ? json_integer((json_int_t)fc->n_diffs) : json_null(), "errors",
		fc->compared ? json_integer((json_int_t)fc->n_errors) : json_null(), "warnings",
		fc->compared ? json_integer((json_int_t)(kept - fc->n_errors)) : json_null());
	if (!with_list)
		return o;
	json_t *list = json_array();
	for (size_t i = 0; fc->compared && i < kept; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s}", "what",
						      fc->diffs[i].what, "here", fc->diffs[i].here,
						      "peer", fc->diffs[i].peer, "severity",
						      hs_pf_severity_name(fc->diffs[i].severity)));
	json_object_set_new(o, "differences", list);
	json_object_set_new(o, "held_back", json_integer((json_int_t)fc->n_held));
	json_object_set_new(o, "vrrp_source", json_string(fc->running ? "vrrpd" : "file"));
	json_object_set_new(o, "generation", json_integer(fc->gen));
	json_object_set_new(o, "peer_generation",
			    fc->have_peer ? json_integer(fc->peer_gen) : json_null());
	json_object_set_new(
		o, "peer_age_ms",
		fc->have_peer ? json_integer((json_int_t)(hrpd_uptime_ms(cs->h) - fc->peer_at_ms))
			      : json_null());
	json_object_set_new(o, "peer_software",
			    fc->have_peer ? json_string(fc->peer->software) : json_null());
	return o;
}

json_t *hrpd_facts_stats_json(const struct hrpd_cfgsync *cs)
{
	const struct hrpd_cfg_facts *fc = cs ? cs->facts : NULL;
	if (!fc)
		return json_null();
	json_t *errs = json_object();
	for (unsigned e = 1; e < HS_PF_ERR_MAX; e++)
		json_object_set_new(errs, hs_pf_err_name(e),
				    json_integer((json_int_t)fc->st.rx_errors[e]));
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "polls",
			 (json_int_t)fc->st.polls, "vrrpd_errors", (json_int_t)fc->st.vrrpd_errors,
			 "sysctl_errors", (json_int_t)fc->st.sysctl_errors, "sent",
			 (json_int_t)fc->st.sent, "send_errors", (json_int_t)fc->st.send_errors,
			 "received", (json_int_t)fc->st.received, "changes",
			 (json_int_t)fc->st.changes, "rx_errors", errs);
}

/* ---- across a hot restart (cfgsync_hot.c) ---- */

json_t *hrpd_facts_hot_save(const struct hrpd_cfgsync *cs)
{
	const struct hrpd_cfg_facts *fc = cs->facts;
	if (!fc)
		return json_null();
	json_t *o = json_pack("{s:I}", "generation", (json_int_t)fc->gen);
	if (!o)
		return NULL;
	if (fc->have)
		json_object_set_new(o, "digest", hrpd_cfg_hot_digest(fc->digest));
	if (fc->have_peer) {
		char *text = hs_pair_facts_encode(fc->peer);
		if (text)
			json_object_set_new(
				o, "peer",
				json_pack("{s:s, s:I, s:o}", "facts", text, "generation",
					  (json_int_t)fc->peer_gen, "age_ms",
					  hrpd_cfg_hot_age(hrpd_uptime_ms(cs->h), fc->peer_at_ms)));
		free(text);
	}
	if (fc->sent_any)
		json_object_set_new(o, "sent",
				    json_pack("{s:o, s:o}", "epoch",
					      hrpd_cfg_hot_u64(fc->sent_epoch), "digest",
					      hrpd_cfg_hot_digest(fc->sent_digest)));
	if (fc->logged)
		json_object_set_new(o, "logged", json_string(fc->logged));
	json_object_set_new(o, "counters",
			    hrpd_cfg_hot_counters((const uint64_t *)&fc->st,
						  sizeof(fc->st) / sizeof(uint64_t)));
	return o;
}

void hrpd_facts_hot_restore(struct hrpd_cfgsync *cs, const json_t *o)
{
	struct hrpd_cfg_facts *fc = cs->facts;
	if (!fc || !json_is_object(o))
		return;
	/* Gathered against the previous process's digest: the same facts keep its generation. */
	fc->gen = hrpd_cfg_hot_get_u32(o, "generation", 0);
	fc->have = hrpd_cfg_hot_get_digest(o, "digest", fc->digest);
	gather(fc);
	fc->have = fc->local != NULL;
	const json_t *sent = json_object_get(o, "sent");
	fc->sent_any = hrpd_cfg_hot_get_u64(sent, "epoch", &fc->sent_epoch) &&
		       hrpd_cfg_hot_get_digest(sent, "digest", fc->sent_digest);
	const char *logged = json_string_value(json_object_get(o, "logged"));
	free(fc->logged);
	fc->logged = logged ? strdup(logged) : NULL;
	hrpd_cfg_hot_get_counters(o, "counters", (uint64_t *)&fc->st,
				  sizeof(fc->st) / sizeof(uint64_t));
	const json_t *peer = json_object_get(o, "peer");
	const char *text = json_string_value(json_object_get(peer, "facts"));
	struct hs_pair_facts *f = text ? malloc(sizeof(*f)) : NULL;
	if (f && hs_pair_facts_decode(text, strlen(text), f) == HS_PF_OK) {
		free(fc->peer);
		fc->peer = f;
		fc->have_peer = true;
		fc->peer_gen = hrpd_cfg_hot_get_u32(peer, "generation", 0);
		fc->peer_at_ms = hrpd_cfg_hot_get_at(hrpd_uptime_ms(cs->h), peer, "age_ms");
		compare(fc); /* the same differences as logged: nothing logged again */
	} else {
		free(f);
	}
}

/* ---- life ---- */

static void vrrpd_connected(struct hs_ctl_link *l, void *arg)
{
	struct hrpd_cfg_facts *fc = arg;
	fc->asking = false;
	ask_vrrpd(fc);
}

/* vrrpd gone: its groups are no longer known to be running; the file's are compared. */
static void vrrpd_disconnected(struct hs_ctl_link *l, void *arg)
{
	struct hrpd_cfg_facts *fc = arg;
	fc->asking = false;
	free(fc->running);
	fc->running = NULL;
}

static const struct hs_ctl_link_ops vrrpd_link_ops = {
	.connected = vrrpd_connected,
	.disconnected = vrrpd_disconnected,
};

int hrpd_facts_init(struct hrpd_cfgsync *cs)
{
	struct hrpd_cfg_facts *fc = calloc(1, sizeof(*fc));
	if (!fc)
		return -ENOMEM;
	fc->cs = cs;
	cs->facts = fc;
	hs_timer_init(&fc->poll, &cs->h->d->loop, poll_fired, fc);
	hs_timer_set_priority(&fc->poll, HRPD_BULK_PRIORITY);
	int r = hs_ctl_link_open(&fc->vrrpd, &cs->h->d->loop, cs->h->d->rundir, "vrrpd", NULL,
				 &vrrpd_link_ops, fc);
	if (r < 0)
		return r;
	/* A hot restart gathers them once the previous generation is restored. */
	if (!cs->h->d->hot_state)
		gather(fc);
	hs_timer_arm_in(&fc->poll, HRPD_FACTS_POLL_MS);
	return 0;
}

void hrpd_facts_free(struct hrpd_cfgsync *cs)
{
	struct hrpd_cfg_facts *fc = cs->facts;
	if (!fc)
		return;
	fc->closing = true;
	hs_ctl_link_close(fc->vrrpd);
	hs_timer_free(&fc->poll);
	free(fc->running);
	free(fc->local);
	free(fc->text);
	free(fc->peer);
	free(fc->logged);
	free(fc);
	cs->facts = NULL;
}
