/* Config sync inside hrpd: its state (cfgsync.c), the kernel side (cfgsync_nft.c) and the
 * control commands (cfgsync_ctl.c). */
#ifndef HRPD_CFGSYNC_INT_H
#define HRPD_CFGSYNC_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "cfgsync.h"
#include "cfgsync_core.h"
#include "cfgsync_hot_codec.h"
#include "cfgsync_route.h"
#include "hrpd.h"

#define HRPD_CFG_PREFIX   "[hrp config]"
#define HRPD_CFG_DRIFT_MS 2000 /* a digest mismatch that lasts this long is drift: logged */
#define HRPD_CFG_DIFF_MAX 40   /* lines of diff in config-consistency, per table */

/* ---- cfgsync_nft.c ---- */
struct hrpd_nft;
/* changed(arg) is called after nftables changed (any table). */
struct hrpd_nft *hrpd_nft_open(struct hs_loop *loop, void (*changed)(void *arg), void *arg);
void hrpd_nft_close(struct hrpd_nft *n);
uint64_t hrpd_nft_events(const struct hrpd_nft *n);
/* Monitor overruns: events lost, the tables read again all the same. */
uint64_t hrpd_nft_overruns(const struct hrpd_nft *n);
/* One table as `nft -s list table` prints it, in a malloc'd *text; a table that does not exist
 * gives 0 with *present false. Returns 0 or -errno with nft's error in err. */
int hrpd_nft_list(struct hrpd_nft *n, const char *table, char **text, bool *present, char *err,
		  size_t errlen);
/* Runs buf as one transaction. Returns 0, or -EINVAL with nft's error in err (nothing changed). */
int hrpd_nft_run(struct hrpd_nft *n, const char *buf, char *err, size_t errlen);

/* ---- cfgsync_route.c: static routes ---- */
struct hrpd_routes;
struct hrpd_route_stats {
	uint64_t events, overruns, reads, read_errors, too_many, unsupported;
	uint64_t added, deleted, missing_interface, apply_errors;
};
/* changed(arg) is called after a route changed (any table). */
struct hrpd_routes *hrpd_routes_open(struct hs_loop *loop, void (*changed)(void *arg), void *arg);
void hrpd_routes_close(struct hrpd_routes *rt);
const struct hrpd_route_stats *hrpd_routes_stats(const struct hrpd_routes *rt);
/* Our synced routes (f: which stay home) as the "route static" text, malloc'd in *text.
 * Returns 0 or -errno with why in err. */
int hrpd_routes_list(struct hrpd_routes *rt, const struct hs_route_filter *f, char **text,
		     size_t *len, char *err, size_t errlen);
/* Makes our synced routes those of text (in our names): adds, replaces, deletes. A route via
 * an interface we lack is skipped and counted. Returns 0 with what was not done in msg (""
 * when all was), or -errno with why (nothing was changed). */
int hrpd_routes_apply(struct hrpd_routes *rt, const struct hs_route_filter *f, const char *text,
		      size_t len, char *msg, size_t msglen);

/* ---- cfgsync.c ---- */

struct hrpd_cfg_stats {
	uint64_t reads, read_errors;
	uint64_t full_sent, reports_sent, requests_sent, results_sent, send_errors, too_large;
	uint64_t held_back; /* records not sent: the send plan holds the data channel back */
	uint64_t chunked_sent, chunks_sent, chunked_received; /* records over 64 KiB, in chunks */
	uint64_t received[HS_CFGSYNC_KIND_MAX];
	uint64_t rx_errors[HS_CFGSYNC_ERR_MAX];
	uint64_t rx_no_memory; /* the peer's records dropped for want of memory here */
	uint64_t results_received[HS_CFGSYNC_STATUS_MAX]; /* the peer's answers to our sets */
	uint64_t applied, unchanged, apply_failed, refused, confirmed, reverted, revert_failed;
	uint64_t drift_detected;
	uint64_t nft_run, nft_failed, nft_refused; /* firewall nft commands run here */
};

struct hrpd_cfg_settings;
struct hrpd_cfg_facts;

struct hrpd_cfgsync {
	struct hrpd *h;
	struct hrpd_cfg_settings *settings;  /* cfgsync_settings.c */
	struct hrpd_cfg_facts *facts;        /* cfgsync_facts.c */
	struct hrpd_nft *nft;                /* NULL: no nftables here */
	struct hrpd_routes *routes;          /* NULL: no rtnetlink (route sync off) */
	struct hs_route_filter route_filter; /* heartbeat links, route_sync_exclude, _tables */
	char nft_why[160];
	struct hs_timer settle, confirm, drift;
	/* settings */
	struct hs_strlist tables;
	struct hs_cfgsync_renames renames;
	uint32_t confirm_ms, settle_ms;
	bool auto_sync;
	/* ours, in the canonical naming (the smaller sysname's) */
	bool have_local;
	bool canon_peer; /* the canonical naming was the peer's at the last read */
	struct hrpd_cfg_set local;
	uint32_t gen; /* one up at every change of the local digest */
	/* the peer's, from its last full set or report */
	bool have_peer;
	uint8_t peer_kind;
	uint32_t peer_gen;
	uint64_t peer_at_ms;
	struct hrpd_cfg_set peer;
	/* what we sent to which peer process (sent_epoch: hrp_peer.incarnation) */
	enum hs_cfgsync_role role;
	bool sent_any;
	uint64_t sent_epoch;
	uint8_t sent_kind;
	uint8_t sent_digest[HS_CFGSYNC_DIGEST_LEN];
	bool has_refused; /* the peer failed or reverted this digest: not sent again by itself */
	uint8_t refused_digest[HS_CFGSYNC_DIGEST_LEN];
	/* commit-confirmed, on the config standby */
	struct hs_cc cc;
	uint8_t cc_digest[HS_CFGSYNC_DIGEST_LEN]; /* the master's set under confirmation */
	bool have_prev;
	struct hrpd_cfg_set prev; /* in local names, to put back */
	/* drift */
	bool mismatch, drift_logged;
	struct hrpd_cfg_result last_rx; /* the peer's answer to our last full set */
	struct hrpd_cfg_result last_tx; /* our answer to the peer's last full set */
	struct hrpd_cfg_stats st;
	/* a record larger than one data-channel record: its chunks, ours and the peer's */
	uint32_t chunk_id;
	struct hs_cfgsync_reasm reasm;
	/* a hot restart's first read: the previous process's digest, to keep its generation */
	bool hot_have_digest;
	uint8_t hot_digest[HS_CFGSYNC_DIGEST_LEN];
};

/* Sends our set now: a full set when we are the config master (force: also when the peer
 * refused it), else a report. Returns 0 or -errno. */
int hrpd_cfgsync_send_set(struct hrpd_cfgsync *cs, bool force);
/* Encodes and sends one record on the config channel. Returns 0 or -errno. */
int hrpd_cfgsync_send_rec(struct hrpd_cfgsync *cs, const struct hs_cfgsync_rec *r);
/* Asks the config master for its full set. */
int hrpd_cfgsync_send_request(struct hrpd_cfgsync *cs);
/* Reads our synced tables now (not waiting for the settle time). */
void hrpd_cfgsync_read(struct hrpd_cfgsync *cs);

/* ---- cfgsync_settings.c: the SYNCED hotstandby settings ---- */

int hrpd_settings_init(struct hrpd_cfgsync *cs);
void hrpd_settings_free(struct hrpd_cfgsync *cs);
/* The role or the peer changed: send what the peer lacks. */
void hrpd_settings_update(struct hrpd_cfgsync *cs);
/* A settings or settings-result record of the peer. */
void hrpd_settings_deliver(struct hrpd_cfgsync *cs, const struct hs_cfgsync_rec *r);
/* hrp sync config: send our settings now (to apply when we are the master). */
int hrpd_settings_send(struct hrpd_cfgsync *cs, bool force);
/* "settings" of status / config-consistency, and of hrp-statistics. */
json_t *hrpd_settings_status_json(const struct hrpd_cfgsync *cs, bool with_diff);
json_t *hrpd_settings_stats_json(const struct hrpd_cfgsync *cs);

/* ---- cfgsync_facts.c: the pairing consistency check ---- */

int hrpd_facts_init(struct hrpd_cfgsync *cs);
void hrpd_facts_free(struct hrpd_cfgsync *cs);
/* The peer came up, went down or restarted: send our facts when it lacks them (resend: what
 * we sent was refused by the data channel), forget its facts when it is down. */
void hrpd_facts_update(struct hrpd_cfgsync *cs, bool resend);
/* A facts record of the peer. */
void hrpd_facts_deliver(struct hrpd_cfgsync *cs, const struct hs_cfgsync_rec *r);
/* "pair" of status (with_list false) and config-consistency; of hrp-statistics. */
json_t *hrpd_facts_status_json(const struct hrpd_cfgsync *cs, bool with_list);
json_t *hrpd_facts_stats_json(const struct hrpd_cfgsync *cs);

/* ---- cfgsync_hot.c: the "cfgsync" part of a hot restart's snapshot ---- */

/* Restores the tables' part (before the first read) from the snapshot's part o. */
void hrpd_cfgsync_hot_restore_tables(struct hrpd_cfgsync *cs, const json_t *o);
/* cfgsync_settings.c and cfgsync_facts.c: their state in the part, and back. */
json_t *hrpd_settings_hot_save(const struct hrpd_cfgsync *cs);
void hrpd_settings_hot_restore(struct hrpd_cfgsync *cs, const json_t *o);
/* An apply of the peer's settings is waiting for the daemons' answers. */
bool hrpd_settings_hot_busy(const struct hrpd_cfgsync *cs);
json_t *hrpd_facts_hot_save(const struct hrpd_cfgsync *cs);
void hrpd_facts_hot_restore(struct hrpd_cfgsync *cs, const json_t *o);

#endif
