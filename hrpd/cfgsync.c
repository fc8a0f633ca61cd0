/* Config sync (cfgsync.h, doc/config-sync.md): our synced tables and their digest, the config
 * role, what goes to the peer and when, and the peer's records. The pure parts (records,
 * canonical text, renames, digest, role, commit-confirmed) are lib/cfgsync_core.h; the kernel
 * side is cfgsync_nft.c.
 *
 * Names: the records and the digest use the canonical naming (the interface names of the box
 * with the smaller sysname, hrpd.config_rename mapping the other box's); what goes into or comes
 * out of our kernel uses our own. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfgsync_int.h"
#include "data.h"
#include "log.h"

static void send_result(struct hrpd_cfgsync *cs, const struct hs_cfgsync_rec *full,
			enum hs_cfgsync_status status, const char *msg);

static bool peer_live(const struct hrpd *h)
{
	return h->enabled &&
	       (h->lv.peer == HRP_LV_PEER_UP || h->lv.peer == HRP_LV_PEER_NEGOTIATING);
}

static const char *peer_name(const struct hrpd *h)
{
	return h->have_peer_hello ? h->peer_hello.sysname : "";
}

/* Our names -> canonical (to_canon) or back: only when the canonical naming is the peer's. */
static bool renaming(const struct hrpd_cfgsync *cs)
{
	return cs->renames.n > 0 && hs_cfgsync_canon_is_peer(cs->h->sysname, peer_name(cs->h));
}

/* in -> a malloc'd text through canon (when canon) and rename (when rename: to_peer). */
static char *xform(const char *in, size_t len, bool canon, bool rename, bool to_peer,
		   const struct hs_cfgsync_renames *m, size_t *out_len)
{
	size_t cap = len + len / 2 + 256;
	for (int tries = 0; tries < 4; tries++, cap *= 4) {
		char *a = malloc(cap), *b = rename ? malloc(cap) : NULL;
		long n = -ENOMEM;
		bool in_b = rename; /* where the result is */
		if (a && (!rename || b)) {
			n = canon ? hs_cfgsync_canon(in, len, a, cap) : (long)len;
			if (!canon && len <= cap)
				memcpy(a, in, len);
			if (n >= 0 && rename)
				n = hs_cfgsync_rename(a, (size_t)n, m, to_peer, b, cap);
			/* canon sorts a set's elements: again after a rename, or the order would
			 * follow this box's names and never match the peer's text */
			if (n >= 0 && rename && canon) {
				n = hs_cfgsync_canon(b, (size_t)n, a, cap);
				in_b = false;
			}
		}
		if (n >= 0) {
			char *out = in_b ? b : a;
			free(in_b ? a : b);
			*out_len = (size_t)n;
			return out;
		}
		free(a);
		free(b);
		if (n != -ENOSPC)
			return NULL;
	}
	return NULL;
}

/* The static routes' pseudo-table (cfgsync_route.c), not an nftables table. */
static bool is_routes(const char *name)
{
	return strcmp(name, HS_CFGSYNC_ROUTES) == 0;
}

/* Reads the tables named into set: canonical text in the canonical naming (local_names false)
 * or in ours. Returns 0 or -errno with why in err; set is cleared first. */
static int read_set(struct hrpd_cfgsync *cs, const char (*names)[HS_CFG_NAME_MAX], size_t n,
		    bool local_names, struct hrpd_cfg_set *set, char *err, size_t errlen)
{
	hrpd_cfg_set_clear(set);
	bool ren = !local_names && renaming(cs);
	for (size_t i = 0; i < n; i++)
		if (is_routes(names[i]) && !cs->routes) {
			snprintf(err, errlen, "no rtnetlink: routes cannot be read");
			return -ENOTSUP;
		}
	for (size_t i = 0; i < n && i < HS_CFGSYNC_TABLES_MAX; i++) {
		char *raw = NULL;
		bool present = false, routes = is_routes(names[i]);
		size_t raw_len = 0;
		int r = routes ? hrpd_routes_list(cs->routes, &cs->route_filter, &raw, &raw_len,
						  err, errlen)
			       : hrpd_nft_list(cs->nft, names[i], &raw, &present, err, errlen);
		if (r < 0) {
			hrpd_cfg_set_clear(set);
			return r;
		}
		if (routes)
			present = true; /* the routes' text is canonical as it is made */
		else if (raw)
			raw_len = strlen(raw);
		snprintf(set->t[i].name, sizeof(set->t[i].name), "%s", names[i]);
		set->t[i].present = present;
		set->n = i + 1;
		if (!present)
			continue;
		set->t[i].text =
			xform(raw, raw_len, !routes, ren, true, &cs->renames, &set->t[i].len);
		free(raw);
		if (!set->t[i].text) {
			snprintf(err, errlen, "out of memory");
			hrpd_cfg_set_clear(set);
			return -ENOMEM;
		}
	}
	struct hs_cfgsync_table t[HS_CFGSYNC_TABLES_MAX];
	for (size_t i = 0; i < set->n; i++)
		t[i] = (struct hs_cfgsync_table){ .present = set->t[i].present,
						  .text = set->t[i].text,
						  .len = set->t[i].len };
	for (size_t i = 0; i < set->n; i++)
		memcpy(t[i].name, set->t[i].name, sizeof(t[i].name));
	hs_cfgsync_digest(t, set->n, set->digest);
	return 0;
}

static void hello_digest(struct hrpd_cfgsync *cs)
{
	struct hrpd *h = cs->h;
	bool has = cs->have_local;
	if (h->local.has_config_digest == has &&
	    (!has || memcmp(h->local.config_digest, cs->local.digest, HRP_DIGEST_LEN) == 0))
		return;
	h->local.has_config_digest = has;
	if (has)
		memcpy(h->local.config_digest, cs->local.digest, HRP_DIGEST_LEN);
	else
		memset(h->local.config_digest, 0, HRP_DIGEST_LEN);
	if (++h->payload_gen == 0)
		h->payload_gen = 1;
}

static void drift_check(struct hrpd_cfgsync *cs)
{
	struct hrpd *h = cs->h;
	bool cmp = cs->have_local && peer_live(h) && h->have_peer_hello &&
		   h->peer_hello.vgmp.has_config_digest;
	bool mismatch = cmp && memcmp(h->peer_hello.vgmp.config_digest, cs->local.digest,
				      HRP_DIGEST_LEN) != 0;
	if (mismatch && !cs->mismatch) {
		cs->mismatch = true;
		hs_timer_arm_in(&cs->drift, HRPD_CFG_DRIFT_MS);
	} else if (!mismatch && cs->mismatch) {
		cs->mismatch = false;
		hs_timer_cancel(&cs->drift);
		if (cs->drift_logged && cmp)
			hs_notice(HRPD_CFG_PREFIX, "the synced tables equal the peer's again");
		cs->drift_logged = false;
	}
}

static void drift_fired(struct hs_timer *t, void *arg)
{
	struct hrpd_cfgsync *cs = arg;
	char here[65], there[65];
	if (!cs->mismatch || cs->drift_logged)
		return;
	cs->drift_logged = true;
	cs->st.drift_detected++;
	hs_cfgsync_digest_hex(cs->local.digest, here);
	hs_cfgsync_digest_hex(cs->h->peer_hello.vgmp.config_digest, there);
	hs_warn(HRPD_CFG_PREFIX,
		"the synced tables differ from %s's (digest here %.8s, there %.8s): display hrp "
		"config consistency shows them, hrp sync config on the config master repairs them",
		peer_name(cs->h), here, there);
}

static void maybe_send(struct hrpd_cfgsync *cs)
{
	struct hrpd *h = cs->h;
	if (!cs->have_local || !peer_live(h) || !h->peer.known || hrpd_data_plan_held(h))
		return; /* a held channel: hrpd_cfgsync_update() sends once it runs again */
	uint8_t kind = cs->role == HS_CFGSYNC_ROLE_MASTER && cs->auto_sync ? HS_CFGSYNC_FULL
									   : HS_CFGSYNC_REPORT;
	if (cs->sent_any && cs->sent_epoch == h->peer.incarnation &&
	    memcmp(cs->sent_digest, cs->local.digest, HS_CFGSYNC_DIGEST_LEN) == 0) {
		if (cs->sent_kind == kind)
			return;
		/* A role change alone (our report of these tables becomes a full set) sends
		 * nothing: they are the old master's, or they drifted and the old master's word
		 * stands until hrp sync config (doc/config-sync.md, "The config role"). */
		if (kind == HS_CFGSYNC_FULL) {
			cs->sent_kind = kind;
			return;
		}
	}
	if (kind == HS_CFGSYNC_FULL && cs->has_refused &&
	    memcmp(cs->refused_digest, cs->local.digest, HS_CFGSYNC_DIGEST_LEN) == 0)
		return; /* the peer could not take it: hrp sync config sends it again */
	hrpd_cfgsync_send_set(cs, false);
}

void hrpd_cfgsync_read(struct hrpd_cfgsync *cs)
{
	struct hrpd_cfg_set set = { 0 };
	char err[256] = "";
	hs_timer_cancel(&cs->settle);
	if (!cs->nft || cs->tables.count == 0) {
		if (cs->have_local)
			hrpd_cfg_set_clear(&cs->local);
		cs->have_local = false;
		hello_digest(cs);
		return;
	}
	cs->st.reads++;
	cs->canon_peer = renaming(cs);
	if (read_set(cs, (const char(*)[HS_CFG_NAME_MAX])cs->tables.item, cs->tables.count, false,
		     &set, err, sizeof(err)) < 0) {
		if (cs->st.read_errors++ == 0)
			hs_warn(HRPD_CFG_PREFIX, "cannot read the synced tables: %s", err);
		return;
	}
	/* After a hot restart the first read compares with the previous process's tables. */
	const uint8_t *before = cs->have_local        ? cs->local.digest
				: cs->hot_have_digest ? cs->hot_digest
						      : NULL;
	bool changed = !before || memcmp(set.digest, before, HS_CFGSYNC_DIGEST_LEN) != 0;
	cs->hot_have_digest = false;
	hrpd_cfg_set_clear(&cs->local);
	cs->local = set;
	cs->have_local = true;
	if (changed) {
		char hex[65];
		cs->gen++;
		hs_cfgsync_digest_hex(cs->local.digest, hex);
		hs_info(HRPD_CFG_PREFIX, "synced tables read: digest %.16s, generation %u", hex,
			cs->gen);
	}
	hello_digest(cs);
	drift_check(cs);
	maybe_send(cs);
}

static void settle_fired(struct hs_timer *t, void *arg)
{
	hrpd_cfgsync_read(arg);
}

static void nft_changed(void *arg)
{
	struct hrpd_cfgsync *cs = arg;
	/* Read settle_ms after the first change: what follows within it is read at once. */
	if (!hs_timer_armed(&cs->settle))
		hs_timer_arm_in(&cs->settle, cs->settle_ms);
}

/* A route changed: read again only when the routes are synced (a routing daemon's changes are
 * many, and none of ours otherwise). */
static void routes_changed(void *arg)
{
	struct hrpd_cfgsync *cs = arg;
	for (size_t i = 0; i < cs->tables.count; i++)
		if (is_routes(cs->tables.item[i])) {
			nft_changed(cs);
			return;
		}
}

/* ---- sending ---- */

/* A record over one data-channel record goes in chunks, one after the other: the channel keeps
 * their order, and a refusal half-way leaves the peer an unfinished transfer, which the next
 * one replaces (the room callback sends again). */
static int send_chunks(struct hrpd_cfgsync *cs, const uint8_t *whole, size_t len)
{
	uint8_t *buf = malloc(HS_CFGSYNC_REC_MAX);
	size_t count = hs_cfgsync_chunk_count(len);
	int ret = 0;
	if (!buf)
		return -ENOMEM;
	cs->chunk_id++;
	for (size_t i = 0; i < count && ret == 0; i++) {
		size_t n = hs_cfgsync_chunk_encode(whole, len, cs->chunk_id, i, buf,
						   HS_CFGSYNC_REC_MAX);
		ret = n ? hrpd_data_send(cs->h, HRP_CHAN_CONFIG, buf, n) : -EMSGSIZE;
		if (ret == 0)
			cs->st.chunks_sent++;
	}
	if (ret == 0)
		cs->st.chunked_sent++;
	free(buf);
	return ret;
}

int hrpd_cfgsync_send_rec(struct hrpd_cfgsync *cs, const struct hs_cfgsync_rec *r)
{
	if (hrpd_data_plan_held(cs->h)) {
		cs->st.held_back++; /* not an error: the peer's version cannot read it */
		return -EPERM;
	}
	size_t len = hs_cfgsync_encoded_len(r);
	if (len == 0 || len > HS_CFGSYNC_BIG_MAX) {
		if (cs->st.too_large++ == 0)
			hs_err(HRPD_CFG_PREFIX,
			       "a config record of %zu bytes is larger than %u: not sent", len,
			       HS_CFGSYNC_BIG_MAX);
		return -EMSGSIZE;
	}
	uint8_t *buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	int ret = -EMSGSIZE;
	if (hs_cfgsync_encode(r, buf, len) != len)
		cs->st.too_large++; /* cannot be: the length was just counted */
	else if (len <= HS_CFGSYNC_REC_MAX)
		ret = hrpd_data_send(cs->h, HRP_CHAN_CONFIG, buf, len);
	else
		ret = send_chunks(cs, buf, len);
	if (ret < 0 && ret != -EMSGSIZE)
		cs->st.send_errors++;
	free(buf);
	return ret;
}

int hrpd_cfgsync_send_set(struct hrpd_cfgsync *cs, bool force)
{
	struct hrpd *h = cs->h;
	if (!cs->have_local)
		return -ENODATA;
	struct hs_cfgsync_rec *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	bool full = cs->role == HS_CFGSYNC_ROLE_MASTER && (cs->auto_sync || force);
	r->kind = full ? HS_CFGSYNC_FULL : HS_CFGSYNC_REPORT;
	r->gen = cs->gen;
	memcpy(r->digest, cs->local.digest, HS_CFGSYNC_DIGEST_LEN);
	r->n_tables = cs->local.n;
	for (size_t i = 0; i < cs->local.n; i++) {
		memcpy(r->tables[i].name, cs->local.t[i].name, HS_CFGSYNC_NAME_MAX);
		r->tables[i].present = cs->local.t[i].present;
		r->tables[i].text = cs->local.t[i].text;
		r->tables[i].len = cs->local.t[i].len;
	}
	int ret = hrpd_cfgsync_send_rec(cs, r);
	free(r);
	if (ret < 0)
		return ret;
	if (full) {
		cs->st.full_sent++;
		if (force)
			cs->has_refused = false;
		hs_info(HRPD_CFG_PREFIX, "sent the synced tables to %s (generation %u)",
			peer_name(h), cs->gen);
	} else {
		cs->st.reports_sent++;
	}
	cs->sent_any = true;
	cs->sent_epoch = h->peer.incarnation;
	cs->sent_kind = full ? HS_CFGSYNC_FULL : HS_CFGSYNC_REPORT;
	memcpy(cs->sent_digest, cs->local.digest, HS_CFGSYNC_DIGEST_LEN);
	return 0;
}

int hrpd_cfgsync_send_request(struct hrpd_cfgsync *cs)
{
	struct hs_cfgsync_rec r = { .kind = HS_CFGSYNC_REQUEST, .gen = cs->gen };
	memcpy(r.digest, cs->local.digest, HS_CFGSYNC_DIGEST_LEN);
	int ret = hrpd_cfgsync_send_rec(cs, &r);
	if (ret == 0)
		cs->st.requests_sent++;
	return ret;
}

static void send_result(struct hrpd_cfgsync *cs, const struct hs_cfgsync_rec *full,
			enum hs_cfgsync_status status, const char *msg)
{
	struct hs_cfgsync_rec *r = calloc(1, sizeof(*r));
	if (!r)
		return;
	r->kind = HS_CFGSYNC_RESULT;
	r->gen = cs->gen;
	r->ref_gen = full->gen;
	r->status = (uint8_t)status;
	memcpy(r->digest, full->digest, HS_CFGSYNC_DIGEST_LEN);
	snprintf(r->msg, sizeof(r->msg), "%s", msg ? msg : "");
	if (hrpd_cfgsync_send_rec(cs, r) == 0)
		cs->st.results_sent++;
	cs->last_tx = (struct hrpd_cfg_result){ .have = true,
						.gen = full->gen,
						.status = (uint8_t)status,
						.at_ms = hrpd_uptime_ms(cs->h) };
	snprintf(cs->last_tx.msg, sizeof(cs->last_tx.msg), "%s", r->msg);
	free(r);
}

/* ---- applying the master's set, commit-confirmed ---- */

/* Writes set's nftables tables in one transaction (nothing when it has none). */
static int apply_tables(struct hrpd_cfgsync *cs, const char *buf, char *err, size_t errlen)
{
	return buf[0] ? hrpd_nft_run(cs->nft, buf, err, errlen) : 0;
}

/* Writes set's routes, when it has them, after its tables; what could not be done is said in
 * msg (the set stays applied: a route the standby cannot take is reported, not retried). */
static void apply_routes(struct hrpd_cfgsync *cs, const struct hrpd_cfg_set *set, char *msg,
			 size_t msglen)
{
	for (size_t i = 0; i < set->n; i++) {
		if (!is_routes(set->t[i].name))
			continue;
		if (!cs->routes) {
			snprintf(msg, msglen, "routes: no rtnetlink here");
			return;
		}
		hrpd_routes_apply(cs->routes, &cs->route_filter,
				  set->t[i].text ? set->t[i].text : "", set->t[i].len, msg, msglen);
	}
}

/* "add table; delete table; the table" for each table of set (texts in our names): nft commits
 * the buffer as one transaction. An absent table is deleted. */
static char *apply_buffer(const struct hrpd_cfg_set *set)
{
	size_t cap = 1;
	for (size_t i = 0; i < set->n; i++)
		cap += 2 * HS_CFGSYNC_NAME_MAX + 32 + set->t[i].len;
	char *buf = malloc(cap);
	size_t o = 0;
	if (!buf)
		return NULL;
	for (size_t i = 0; i < set->n; i++) {
		if (is_routes(set->t[i].name))
			continue; /* written by apply_routes() */
		o += (size_t)snprintf(buf + o, cap - o, "add table %s\ndelete table %s\n",
				      set->t[i].name, set->t[i].name);
		if (set->t[i].present) {
			memcpy(buf + o, set->t[i].text, set->t[i].len);
			o += set->t[i].len;
			buf[o++] = '\n';
		}
	}
	buf[o] = '\0';
	return buf;
}

static void confirm_arm(struct hrpd_cfgsync *cs)
{
	uint64_t next;
	enum hs_cc_reason why;
	enum hs_cc_action a =
		hs_cc_tick(&cs->cc, hs_now_ms(), cs->h->lv.peer_last_rx_ms, &next, &why);
	if (a == HS_CC_NONE && next != UINT64_MAX)
		hs_timer_arm_at(&cs->confirm, next);
}

static void cc_done(struct hrpd_cfgsync *cs, enum hs_cc_action a, enum hs_cc_reason why)
{
	struct hs_cfgsync_rec ref = { .gen = cs->cc.gen };
	memcpy(ref.digest, cs->cc_digest, HS_CFGSYNC_DIGEST_LEN);
	hs_timer_cancel(&cs->confirm);
	if (a == HS_CC_CONFIRM) {
		cs->st.confirmed++;
		hs_info(HRPD_CFG_PREFIX, "the peer's tables (generation %u) confirmed", cs->cc.gen);
		send_result(cs, &ref, HS_CFGSYNC_CONFIRMED, hs_cc_reason_name(why));
	} else if (a == HS_CC_REVERT && cs->have_prev) {
		char err[256] = "";
		char *buf = apply_buffer(&cs->prev), rmsg[HS_CFGSYNC_MSG_MAX] = "";
		if (buf && apply_tables(cs, buf, err, sizeof(err)) == 0) {
			apply_routes(cs, &cs->prev, rmsg, sizeof(rmsg));
			cs->st.reverted++;
			hs_warn(HRPD_CFG_PREFIX,
				"reverted the peer's tables (generation %u): %s; the previous "
				"tables are back%s%s",
				cs->cc.gen, hs_cc_reason_name(why), rmsg[0] ? "; " : "", rmsg);
			send_result(cs, &ref, HS_CFGSYNC_REVERTED, hs_cc_reason_name(why));
		} else {
			cs->st.revert_failed++;
			hs_err(HRPD_CFG_PREFIX,
			       "could not revert the peer's tables (generation %u): %s", cs->cc.gen,
			       buf ? err : "out of memory");
		}
		free(buf);
		hrpd_cfgsync_read(cs);
	}
	hrpd_cfg_set_clear(&cs->prev);
	cs->have_prev = false;
}

static void confirm_fired(struct hs_timer *t, void *arg)
{
	struct hrpd_cfgsync *cs = arg;
	uint64_t next;
	enum hs_cc_reason why;
	enum hs_cc_action a =
		hs_cc_tick(&cs->cc, hs_now_ms(), cs->h->lv.peer_last_rx_ms, &next, &why);
	if (a != HS_CC_NONE)
		cc_done(cs, a, why);
	else if (next != UINT64_MAX)
		hs_timer_arm_at(&cs->confirm, next);
}

/* The master unheard this long reverts: within the peer's dead time, so that the revert comes
 * before either box declares the other dead. i * (N + 1) / 2: 3 hellos at N = 5. */
static uint32_t silence_ms(const struct hrpd *h)
{
	uint32_t i = hrp_lv_interval_ms(&h->lv);
	return i * (uint32_t)(h->dead_count + 1) / 2;
}

static bool set_has(const struct hrpd_cfg_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (!strcmp(set->t[i].name, name))
			return true;
	return false;
}

/* Moves from's tables to the end of to (from is left empty). */
static void set_take(struct hrpd_cfg_set *to, struct hrpd_cfg_set *from)
{
	for (size_t i = 0; i < from->n; i++) {
		if (to->n < HS_CFGSYNC_TABLES_MAX)
			to->t[to->n++] = from->t[i];
		else
			free(from->t[i].text);
	}
	from->n = 0;
}

static void apply_full(struct hrpd_cfgsync *cs, const struct hs_cfgsync_rec *r)
{
	char err[HS_CFGSYNC_MSG_MAX] = "";
	if (cs->role != HS_CFGSYNC_ROLE_STANDBY || !cs->nft) {
		cs->st.refused++;
		snprintf(err, sizeof(err), "%s is %s", cs->h->sysname,
			 cs->nft ? (cs->role == HS_CFGSYNC_ROLE_MASTER ? "the config master"
								       : "in no config role")
				 : "without nftables");
		send_result(cs, r, HS_CFGSYNC_REFUSED, err);
		return;
	}
	if (cs->have_local && cs->local.n == r->n_tables &&
	    memcmp(cs->local.digest, r->digest, HS_CFGSYNC_DIGEST_LEN) == 0) {
		cs->st.unchanged++;
		send_result(cs, r, HS_CFGSYNC_UNCHANGED, NULL);
		return;
	}
	struct hrpd_cfg_set *next = calloc(1, sizeof(*next)), prev = { 0 };
	char(*names)[HS_CFG_NAME_MAX] = calloc(HS_CFGSYNC_TABLES_MAX, HS_CFG_NAME_MAX);
	bool ren = renaming(cs), ok = next && names;
	for (size_t i = 0; ok && i < r->n_tables; i++) {
		snprintf(names[i], HS_CFG_NAME_MAX, "%s", r->tables[i].name);
		snprintf(next->t[i].name, sizeof(next->t[i].name), "%s", r->tables[i].name);
		next->t[i].present = r->tables[i].present;
		next->n = i + 1;
		if (r->tables[i].present)
			ok = (next->t[i].text = xform(r->tables[i].text, r->tables[i].len, false,
						      ren, false, &cs->renames, &next->t[i].len));
	}
	/* The policy to put back: the one from before the first unconfirmed apply. A table a
	 * later set of the same window brings in is read as it is now: no apply of the window
	 * has touched it yet. */
	bool keep = cs->cc.state == HS_CC_IDLE;
	size_t n_read = 0;
	for (size_t i = 0; ok && i < r->n_tables; i++)
		if (keep || (cs->have_prev && !set_has(&cs->prev, names[i])))
			memmove(names[n_read++], names[i], HS_CFG_NAME_MAX);
	if (ok && (keep || n_read) &&
	    read_set(cs, (const char(*)[HS_CFG_NAME_MAX])names, n_read, true, &prev, err,
		     sizeof(err)) < 0)
		ok = false;
	char *buf = ok ? apply_buffer(next) : NULL;
	if (!ok || !buf || apply_tables(cs, buf, err, sizeof(err)) < 0) {
		cs->st.apply_failed++;
		if (!err[0])
			snprintf(err, sizeof(err), "out of memory");
		hs_warn(HRPD_CFG_PREFIX, "the tables of %s (generation %u) were not applied: %s",
			peer_name(cs->h), r->gen, err);
		send_result(cs, r, HS_CFGSYNC_FAILED, err);
		hrpd_cfg_set_clear(&prev);
	} else {
		apply_routes(cs, next, err, sizeof(err));
		cs->st.applied++;
		cs->cc.confirm_ms = cs->confirm_ms;
		cs->cc.silence_ms = silence_ms(cs->h);
		memcpy(cs->cc_digest, r->digest, HS_CFGSYNC_DIGEST_LEN);
		if (hs_cc_applied(&cs->cc, r->gen, hs_now_ms())) {
			hrpd_cfg_set_clear(&cs->prev);
			cs->prev = prev;
			cs->have_prev = true;
		} else {
			set_take(&cs->prev, &prev);
		}
		hs_notice(HRPD_CFG_PREFIX,
			  "applied the tables of %s (generation %u); reverted if it falls silent "
			  "for %u ms within %u ms",
			  peer_name(cs->h), r->gen, cs->cc.silence_ms, cs->cc.confirm_ms);
		send_result(cs, r, HS_CFGSYNC_APPLIED, err[0] ? err : NULL);
		confirm_arm(cs);
		hrpd_cfgsync_read(cs);
	}
	free(buf);
	if (next)
		hrpd_cfg_set_clear(next);
	free(next);
	free(names);
}

/* ---- the peer's records ---- */

static void keep_peer_set(struct hrpd_cfgsync *cs, const struct hs_cfgsync_rec *r)
{
	hrpd_cfg_set_clear(&cs->peer);
	cs->have_peer = false;
	for (size_t i = 0; i < r->n_tables; i++) {
		memcpy(cs->peer.t[i].name, r->tables[i].name, HS_CFGSYNC_NAME_MAX);
		cs->peer.t[i].present = r->tables[i].present;
		cs->peer.n = i + 1;
		if (!r->tables[i].present)
			continue;
		cs->peer.t[i].text = malloc(r->tables[i].len + 1);
		if (!cs->peer.t[i].text) {
			hrpd_cfg_set_clear(&cs->peer);
			return;
		}
		memcpy(cs->peer.t[i].text, r->tables[i].text, r->tables[i].len);
		cs->peer.t[i].len = r->tables[i].len;
	}
	memcpy(cs->peer.digest, r->digest, HS_CFGSYNC_DIGEST_LEN);
	cs->have_peer = true;
	cs->peer_kind = r->kind;
	cs->peer_gen = r->gen;
	cs->peer_at_ms = hrpd_uptime_ms(cs->h);
}

static void rx_result(struct hrpd_cfgsync *cs, const struct hs_cfgsync_rec *r)
{
	cs->st.results_received[r->status]++;
	cs->last_rx = (struct hrpd_cfg_result){
		.have = true, .gen = r->ref_gen, .status = r->status, .at_ms = hrpd_uptime_ms(cs->h)
	};
	snprintf(cs->last_rx.msg, sizeof(cs->last_rx.msg), "%s", r->msg);
	if (r->status == HS_CFGSYNC_FAILED || r->status == HS_CFGSYNC_REVERTED ||
	    r->status == HS_CFGSYNC_REFUSED) {
		cs->has_refused = true;
		memcpy(cs->refused_digest, r->digest, HS_CFGSYNC_DIGEST_LEN);
		hs_warn(HRPD_CFG_PREFIX, "%s %s our tables (generation %u)%s%s", peer_name(cs->h),
			r->status == HS_CFGSYNC_FAILED     ? "could not apply"
			: r->status == HS_CFGSYNC_REVERTED ? "reverted"
							   : "refused",
			r->ref_gen, r->msg[0] ? ": " : "", r->msg);
	} else {
		hs_info(HRPD_CFG_PREFIX, "%s: our tables (generation %u) %s", peer_name(cs->h),
			r->ref_gen, hs_cfgsync_status_name(r->status));
		/* Kept, it held back any later return to the refused tables (s47 under ASan:
		 * a table's deletion went nowhere, its set being the one reverted at the start). */
		if (hs_cfgsync_refusal_cleared(r->status, r->ref_gen, cs->gen))
			cs->has_refused = false;
	}
}

/* A decode or reassembly error: counted, logged the first time per reason. */
static void rx_error(struct hrpd_cfgsync *cs, enum hs_cfgsync_err e, size_t len)
{
	if (cs->st.rx_errors[e]++ == 0)
		hs_warn(HRPD_CFG_PREFIX, "a config record of %s dropped: %s (%zu bytes)",
			peer_name(cs->h), hs_cfgsync_err_name(e), len);
}

static void deliver_one(struct hrpd_cfgsync *cs, const uint8_t *rec, size_t len, bool chunked);

/* A chunk: kept until its record is whole, then that record is delivered. */
static void rx_chunk(struct hrpd_cfgsync *cs, const struct hs_cfgsync_rec *r, size_t len)
{
	const uint8_t *whole = NULL;
	size_t whole_len = 0;
	bool abandoned;
	enum hs_cfgsync_err e;
	enum hs_cfgsync_reasm_step s =
		hs_cfgsync_reasm_feed(&cs->reasm, r, &whole, &whole_len, &abandoned, &e);
	if (abandoned)
		rx_error(cs, HS_CFGSYNC_E_ABANDONED, len);
	if (s == HS_REASM_ERROR && e == HS_CFGSYNC_E_SPACE) {
		/* our want of memory, not the peer's fault: counted as the doc names it */
		if (cs->st.rx_no_memory++ == 0)
			hs_err(HRPD_CFG_PREFIX, "a chunked record of %s dropped: out of memory",
			       peer_name(cs->h));
	} else if (s == HS_REASM_ERROR) {
		rx_error(cs, e, len);
	}
	if (s != HS_REASM_DONE)
		return;
	cs->st.chunked_received++;
	deliver_one(cs, whole, whole_len, true);
	hs_cfgsync_reasm_reset(&cs->reasm);
}

static void deliver_one(struct hrpd_cfgsync *cs, const uint8_t *rec, size_t len, bool chunked)
{
	struct hs_cfgsync_rec *r = calloc(1, sizeof(*r));
	if (!r) {
		if (cs->st.rx_no_memory++ == 0)
			hs_err(HRPD_CFG_PREFIX, "a record of %s dropped: out of memory",
			       peer_name(cs->h));
		return;
	}
	enum hs_cfgsync_err e = hs_cfgsync_decode(rec, len, r);
	if (e == HS_CFGSYNC_OK && chunked && r->kind == HS_CFGSYNC_CHUNK)
		e = HS_CFGSYNC_E_CHUNK; /* chunks of chunks are not a thing */
	if (e != HS_CFGSYNC_OK) {
		rx_error(cs, e, len);
		/* a full set that does not check out is answered, so the master knows */
		if (len >= HS_CFGSYNC_HDR_LEN && rec[1] == HS_CFGSYNC_FULL) {
			struct hs_cfgsync_rec ref = { .gen = (uint32_t)rec[4] << 24 |
							     (uint32_t)rec[5] << 16 |
							     (uint32_t)rec[6] << 8 | rec[7] };
			memcpy(ref.digest, rec + 8, HS_CFGSYNC_DIGEST_LEN);
			send_result(cs, &ref, HS_CFGSYNC_REFUSED, hs_cfgsync_err_name(e));
		}
		free(r);
		return;
	}
	cs->st.received[r->kind]++;
	/* A transfer's pieces go one after the other: another record in their midst means the
	 * master's send stopped halfway, and the rest will never come. */
	if (!chunked && r->kind != HS_CFGSYNC_CHUNK && hs_cfgsync_reasm_reset(&cs->reasm))
		rx_error(cs, HS_CFGSYNC_E_ABANDONED, len);
	switch (r->kind) {
	case HS_CFGSYNC_FULL:
		keep_peer_set(cs, r);
		apply_full(cs, r);
		break;
	case HS_CFGSYNC_REPORT: keep_peer_set(cs, r); break;
	case HS_CFGSYNC_RESULT: rx_result(cs, r); break;
	case HS_CFGSYNC_REQUEST:
		if (cs->role == HS_CFGSYNC_ROLE_MASTER) {
			hrpd_cfgsync_read(cs);
			hrpd_cfgsync_send_set(cs, true);
			hrpd_settings_send(cs, true);
		}
		break;
	case HS_CFGSYNC_SETTINGS:
	case HS_CFGSYNC_SETTINGS_RES: hrpd_settings_deliver(cs, r); break;
	case HS_CFGSYNC_FACTS: hrpd_facts_deliver(cs, r); break;
	case HS_CFGSYNC_CHUNK: rx_chunk(cs, r, len); break;
	default: break;
	}
	free(r);
}

static void deliver(void *arg, unsigned channel, uint32_t seq, uint32_t flags, const uint8_t *rec,
		    size_t len)
{
	deliver_one(arg, rec, len, false);
}

static void lost(void *arg, unsigned channel, uint32_t from, uint32_t to)
{
	struct hrpd_cfgsync *cs = arg;
	if (hs_cfgsync_reasm_reset(&cs->reasm))
		rx_error(cs, HS_CFGSYNC_E_ABANDONED, 0); /* its next pieces may be what was lost */
	if (cs->role == HS_CFGSYNC_ROLE_STANDBY)
		hrpd_cfgsync_send_request(cs);
}

static void room(void *arg, unsigned channel)
{
	struct hrpd_cfgsync *cs = arg;
	cs->sent_any = false; /* what we sent was refused: send it again */
	hrpd_data_resync_done(cs->h, HRP_CHAN_CONFIG);
	maybe_send(cs);
	hrpd_settings_update(cs);
	hrpd_facts_update(cs, true);
}

static const struct hrpd_data_ops cfgsync_data_ops = {
	.deliver = deliver,
	.lost = lost,
	.room = room,
};

/* ---- life ---- */

void hrpd_cfgsync_update(struct hrpd *h)
{
	struct hrpd_cfgsync *cs = h->cfgsync;
	if (!cs)
		return;
	bool live = peer_live(h);
	enum hs_cfgsync_role role =
		hs_cfgsync_role(h->local.state, live && h->have_peer_hello,
				h->peer_hello.vgmp.state, h->sysname, peer_name(h));
	if (role != cs->role) {
		hs_notice(HRPD_CFG_PREFIX, "config role %s -> %s", hs_cfgsync_role_name(cs->role),
			  hs_cfgsync_role_name(role));
		cs->role = role;
	}
	if (!live && hs_cfgsync_reasm_reset(&cs->reasm))
		rx_error(cs, HS_CFGSYNC_E_ABANDONED, 0);
	if (!live && cs->cc.state == HS_CC_CONFIRMING) {
		enum hs_cc_reason why;
		enum hs_cc_action a = hs_cc_peer_lost(&cs->cc, &why);
		cc_done(cs, a, why);
	}
	/* The canonical naming follows the peer's sysname: read again when it changes. */
	if (cs->have_local && renaming(cs) != cs->canon_peer) {
		hrpd_cfgsync_read(cs);
		return;
	}
	drift_check(cs);
	maybe_send(cs);
	hrpd_settings_update(cs);
	hrpd_facts_update(cs, false);
}

void hrpd_cfgsync_configure(struct hrpd *h, const struct hs_hrpd_config *c)
{
	struct hrpd_cfgsync *cs = h->cfgsync;
	char err[160];
	const char *items[HS_CFG_LIST_MAX];
	if (!cs)
		return;
	/* The static routes ride in the synced set as one more table, last. A set holds 16:
	 * more tables are named than that, the first ones are synced and a warning says so (a
	 * config error would stop a config that older versions took from loading). */
	struct hs_strlist tables = c->config_sync_tables;
	size_t room = HS_CFGSYNC_TABLES_MAX - (c->route_sync ? 1 : 0);
	if (tables.count > room) {
		hs_warn(HRPD_CFG_PREFIX,
			"config_sync_tables names %zu tables; only the first %zu are synced%s",
			tables.count, room,
			c->route_sync ? " (the routes take one place of 16)" : "");
		tables.count = room;
	}
	if (c->route_sync)
		snprintf(tables.item[tables.count++], HS_CFG_NAME_MAX, "%s", HS_CFGSYNC_ROUTES);
	bool tables_changed = memcmp(&cs->tables, &tables, sizeof(cs->tables)) != 0;
	struct hs_route_filter f = { 0 };
	for (size_t i = 0; i < c->n_links && f.n_local_ifs < HS_ROUTE_LOCAL_IFS; i++)
		snprintf(f.local_ifs[f.n_local_ifs++], HS_ROUTE_IFNAME_MAX, "%s",
			 c->links[i].interface);
	for (size_t i = 0; i < c->route_sync_exclude.count && i < HS_SESS_EXCLUDE_MAX; i++) {
		const char *why;
		if (hs_sess_prefix_parse(c->route_sync_exclude.item[i], &f.exclude[f.n_exclude],
					 &why) == 0)
			f.n_exclude++;
	}
	_Static_assert(HS_ROUTE_TABLES_MAX >= HS_CFG_LIST_MAX, "every table of the setting");
	for (size_t i = 0; i < c->route_sync_tables.count; i++) {
		const char *why;
		uint32_t id;
		if (hs_route_table_parse(c->route_sync_tables.item[i], &id, &why) == 0)
			hs_route_tables_add(&f.tables, id);
	}
	f.src = c->route_sync_src;
	if (memcmp(&f, &cs->route_filter, sizeof(f)) != 0) {
		cs->route_filter = f;
		tables_changed = true;
	}
	for (size_t i = 0; i < c->config_rename.count; i++)
		items[i] = c->config_rename.item[i];
	struct hs_cfgsync_renames m;
	if (hs_cfgsync_renames_parse(items, c->config_rename.count, &m, err, sizeof(err)) < 0) {
		hs_err(HRPD_CFG_PREFIX, "config_rename: %s (renames left as they were)", err);
	} else if (memcmp(&m, &cs->renames, sizeof(m)) != 0) {
		cs->renames = m;
		tables_changed = true;
	}
	cs->tables = tables;
	cs->confirm_ms = (uint32_t)c->config_confirm_ms;
	cs->settle_ms = (uint32_t)c->config_settle_ms;
	cs->auto_sync = c->auto_sync_config;
	if (tables_changed)
		hrpd_cfgsync_read(cs);
}

int hrpd_cfgsync_init(struct hrpd *h)
{
	struct hrpd_cfgsync *cs = calloc(1, sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	cs->h = h;
	h->cfgsync = cs;
	hs_timer_init(&cs->settle, &h->d->loop, settle_fired, cs);
	hs_timer_init(&cs->confirm, &h->d->loop, confirm_fired, cs);
	hs_timer_init(&cs->drift, &h->d->loop, drift_fired, cs);
	hs_timer_set_priority(&cs->settle, HRPD_BULK_PRIORITY);
	hs_cc_init(&cs->cc, (uint32_t)h->d->config->hrpd.config_confirm_ms, 1);
	cs->nft = hrpd_nft_open(&h->d->loop, nft_changed, cs);
	cs->routes = hrpd_routes_open(&h->d->loop, routes_changed, cs);
	if (!cs->routes && h->d->config->hrpd.route_sync)
		hs_warn(HRPD_CFG_PREFIX, "no rtnetlink: %s: static routes are not synced",
			strerror(errno));
	if (!cs->nft) {
		snprintf(cs->nft_why, sizeof(cs->nft_why), "no nftables netlink: %s",
			 strerror(errno));
		if (h->d->config->hrpd.config_sync_tables.count)
			hs_warn(HRPD_CFG_PREFIX, "%s: config sync is off", cs->nft_why);
	}
	hrpd_data_register(h, HRP_CHAN_CONFIG, &cfgsync_data_ops, cs);
	/* A hot restart: the previous process's state before the first read, so that the read
	 * finds what it sent and sends nothing again (cfgsync_hot.c). */
	const json_t *hot = h->d->hot_state ? json_object_get(h->d->hot_state, "cfgsync") : NULL;
	if (hot)
		hrpd_cfgsync_hot_restore_tables(cs, hot);
	hrpd_cfgsync_configure(h, &h->d->config->hrpd);
	int r = hrpd_settings_init(cs);
	if (r == 0)
		r = hrpd_facts_init(cs);
	if (r == 0 && hot) {
		hrpd_settings_hot_restore(cs, json_object_get(hot, "settings"));
		hrpd_facts_hot_restore(cs, json_object_get(hot, "facts"));
	}
	return r;
}

void hrpd_cfgsync_free(struct hrpd *h)
{
	struct hrpd_cfgsync *cs = h->cfgsync;
	if (!cs)
		return;
	hrpd_data_register(h, HRP_CHAN_CONFIG, NULL, NULL);
	hrpd_settings_free(cs);
	hrpd_facts_free(cs);
	hs_timer_free(&cs->settle);
	hs_timer_free(&cs->confirm);
	hs_timer_free(&cs->drift);
	hrpd_nft_close(cs->nft);
	hrpd_routes_close(cs->routes);
	hrpd_cfg_set_clear(&cs->local);
	hrpd_cfg_set_clear(&cs->peer);
	hrpd_cfg_set_clear(&cs->prev);
	hs_cfgsync_reasm_reset(&cs->reasm);
	free(cs);
	h->cfgsync = NULL;
}
