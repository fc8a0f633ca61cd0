/* Session sync's insides, shared by sess.c (the logic) and sess_ctl.c (statistics and
 * commands). */
#ifndef HRPD_SESS_INT_H
#define HRPD_SESS_INT_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

#include "hrp_session.h"
#include "loop.h"
#include "sess_bulk_out.h"
#include "sess_control.h"
#include "sess_ct.h"
#include "sess_digest.h"
#include "sess_dirty.h"
#include "sess_dumps.h"
#include "sess_policy.h"
#include "sess_tomb.h"

#define HRPD_SESS_PREFIX           "[hrp session]"
#define HRPD_SESS_REC_MAX          16384 /* bytes per record: ~600 IPv4 TCP entries */
#define HRPD_SESS_REQUEST_RETRY_MS 3000
#define HRPD_SESS_BULK_PAUSE_MS    500 /* after a dropped bulk; doubled per drop in a row */
#define HRPD_SESS_BULK_PAUSE_MAX   30000
#define HRPD_SESS_PAUSE_POLL_MS    2
#define HRPD_SESS_LOCAL_MAX        256 /* the box's own addresses we know */
#define HRPD_SESS_LOCAL_REFRESH_MS 5000
#define HRPD_SESS_TELL_LOCAL_MS    30000 /* our addresses to the peer again (sess.c) */
_Static_assert(HRPD_SESS_LOCAL_MAX == HS_SESS_LOCAL_ADDRS_MAX,
	       "one record carries every address we know");
/* Ranges whose writes into our kernel were lost are asked for at most this often (sess_dirty.h). */
#define HRPD_SESS_LOST_HOLD_MS 1000
/* A bulk to a table that holds more entries than this updates first (sess_in.c). */
#define HRPD_SESS_UPDATE_FIRST_MIN 1024
/* The source's wait between the end of its check's dump and its digest (sess_check.c). */
#define HRPD_SESS_CHECK_SETTLE_MS 50

struct hrpd;
struct hrpd_mirror; /* mirror.c */
struct hrpd_sess_expect; /* sess_expect.c */

struct hrpd_sess_rec {
	uint8_t buf[HRPD_SESS_REC_MAX];
	size_t len;
	unsigned entries;
};

/* Buckets that records changed while a check ran (sess_check.c). */
struct hrpd_sess_touched {
	hs_sess_unsettled set;
	bool open;
};

/* The last consistency check, as either side saw it. */
struct hrpd_sess_check {
	bool valid;
	uint64_t at_ms;
	uint32_t id;
	uint64_t mismatched; /* ranges */
	uint64_t local_total, peer_total;
	bool buckets;               /* compared bucket by bucket (sess-check-buckets) */
	uint32_t unsettled_buckets; /* left out: changed while the tables were read */
	uint64_t undecided;         /* ranges left out whole */
};

struct hrpd_sess_stats {
	uint64_t events[3]; /* new, update, destroy */
	uint64_t events_not_source;
	uint64_t events_alone;        /* first change while active without the peer */
	uint64_t checks_after_alone; /* consistency checks when the peer came back after one */
	uint64_t skipped[HS_SESS_VERDICT_MAX];
	uint64_t records_sent, entries_sent, bytes_sent, records_refused, entries_refused;
	uint64_t encode_errors;
	uint64_t records_received, entries_received, bytes_received, entries_applied, rx_skipped;
	uint64_t decode_errors[HS_SESS_ERR_MAX];
	uint64_t bulk_requests_sent, bulk_requests_received;
	uint64_t bulks_sent, bulks_failed, bulk_entries_sent, bulks_received, bulk_entries_received;
	uint64_t bulks_abandoned; /* a bulk of the peer's cut short (sess_in.c) */
	uint64_t sweeps_skipped;  /* no memory for the keys a sweep needs */
	uint64_t takeovers, timeouts_reset;
	uint64_t made_liberal; /* TCP entries made liberal at a takeover after a missed sync */
	uint64_t checks, checks_mismatched, range_resyncs, ranges_resynced, swept;
	uint64_t control_bad;
	uint64_t updates_after_destroy; /* a peer's update that crossed our destroy (sess_tomb.h) */
	uint64_t rereads, rereads_failed; /* entries read again (hrpd_sess_reread) */
	uint64_t labels_lost; /* a peer's update whose labels our entry had no room for */
	/* Batches of writes into our kernel whose outcome is unknown (answers lost, or not sent:
	 * sess_ct.h writes_lost); the range transfers asked of the peer for them, and their
	 * ranges; those with no peer to ask (we are the only source, or became it). */
	uint64_t lost_writes, lost_writes_resyncs, lost_writes_ranges, lost_writes_unrepaired;
	/* Entries sent without their directional zones: the peer does not read them (record
	 * feature sess-dir-zone). */
	uint64_t dir_zones_stripped;
};

/* Room for the peer's conntrack labels (sess_labels.c). */
enum hrpd_labels_state { HRPD_LABELS_UNNEEDED, HRPD_LABELS_LOADED, HRPD_LABELS_FAILED };
struct hrpd_sess_labels {
	bool wanted; /* session_labels_room */
	enum hrpd_labels_state state;
	bool lost_warned;
	char error[160];
};

struct hrpd_sess {
	struct hrpd *h;
	struct hrpd_ct *ct; /* NULL: no conntrack here, session sync off */
	struct hs_sess_policy pol;
	uint8_t local[HRPD_SESS_LOCAL_MAX][16]; /* pol.local points here */
	uint64_t local_at_ms;
	/* Our addresses told to the peer process (its incarnation) since they last changed, and
	 * the peer's as it told them (pol.peer_local points there): record feature
	 * sess-peer-local (sess.c tell_local). */
	bool local_changed, local_told;
	uint64_t local_told_to, local_told_ms;
	uint8_t peer_local[HRPD_SESS_LOCAL_MAX][16];
	bool tcp_window;
	bool auto_sync;
	bool on;           /* hrp enabled, auto-sync on, conntrack here */
	bool local_active; /* our VGMP state is active or load-balance */
	bool source;       /* we send our events */
	bool peer_was_up;  /* at the last update */
	struct hrpd_sess_rec rt, bulk;
	struct hs_timer timer; /* bulk request retry, paused dump poll */
	/* dumps */
	enum hs_sess_dump dump;
	uint64_t dump_started_ms;
	bool paused;
	bool bulk_wanted;     /* the peer asked, or the operator */
	uint64_t bulk_wanted_ranges, bulk_ranges;
	struct hs_sess_bulk_out bulk_out; /* the bulk being sent: keys sent live, damage */
	bool resync_owed;     /* records refused or events lost: the peer needs the table */
	bool changed_alone;   /* our table changed while active without the peer (a check is due) */
	unsigned alone_checks_left; /* checks still to run for it (the peer resyncs on the second) */
	/* A dropped bulk (a record refused) is sent again after a pause that doubles with each
	 * drop in a row (HRPD_SESS_BULK_PAUSE_*): a channel that overflows would otherwise have a
	 * full dump started again at once, again and again. */
	unsigned bulks_dropped_in_row;
	uint64_t bulk_not_before_ms;
	bool takeover_wanted;
	/* our table missed the active peer's updates (the data channel held back, doc/issu.md):
	 * the next takeover makes our TCP entries liberal (takeover_liberal, for its dump) */
	bool missed_sync, takeover_liberal;
	uint64_t liberal_before;
	bool bulk_first;
	uint64_t bulk_entries;
	uint64_t reset_before;
	/* the peer's table */
	bool rx_bulk;
	uint64_t rx_ranges;           /* of the bulk being received */
	struct hs_sess_keyset rx_keys; /* what it brought, for the sweep */
	bool rx_keys_short;            /* no memory for one of them: no sweep after this bulk */
	struct hs_sess_keyset sweep_keys; /* rx_keys of the bulk being swept */
	bool sweep_wanted;
	uint64_t sweep_ranges;
	uint64_t rx_bulk_entries, rx_bulk_started_ms, last_bulk_ms;
	bool rx_bulk_update_first; /* our table held sessions when the bulk began (sess_in.c) */
	bool synced;
	uint64_t synced_epoch; /* the peer process synced from: hrp_peer.incarnation */
	uint64_t requested_ms;
	bool ready;
	uint64_t last_apply_warn_ms;
	uint64_t last_reread_warn_ms;
	uint64_t last_lost_warn_ms;
	struct hs_sess_dirty dirty; /* ranges whose writes of the peer's entries were lost */
	/* consistency checks (sess_check.c) */
	uint32_t check_interval_ms; /* 0: only by hand */
	struct hs_timer check_timer;
	bool digest_wanted, respond_wanted;
	bool digest_responding; /* the running digest dump answers the peer's */
	uint32_t check_id, peer_check_id;
	/* Our table, read for our own check (kept until its digest goes, after the settle) and
	 * read to answer the peer's: apart, as both run at once when both boxes are sources. */
	struct hs_sess_buckets dig, answer_dig;
	struct hs_sess_digest peer_dig;
	/* The source's buckets (sess-check-buckets) of the digest we answer, and of the next one
	 * range by range as its parts come, moved over when that digest arrives: a digest that
	 * comes while we answer an older one must not change the buckets under the answer. */
	struct hs_sess_buckets peer_buckets, parts;
	hs_sess_unsettled peer_unsettled, parts_unsettled;
	bool peer_has_buckets;
	uint32_t parts_id;
	uint64_t parts_have;
	/* Buckets of the entries a record changed while this box's part of a check runs: of
	 * our own check (from our dump until our digest goes) and of the peer's (from its
	 * digest until our answer). */
	struct hrpd_sess_touched own_check, peer_check;
	/* The source waits HRPD_SESS_CHECK_SETTLE_MS after its dump before it sends the digest:
	 * events the kernel made during the dump are read meanwhile, their buckets left out. */
	struct hs_timer settle_timer;
	bool settling;
	uint64_t prev_mismatch;
	struct hrpd_sess_check last;
	struct hrpd_sess_stats st;
	struct hs_tomb tomb; /* our recent destroys, while the peer is a source too */
	bool peer_source;            /* the peer is up and active: it sends its live entries */
	uint64_t peer_source_end_ms; /* when it stopped (0: never was): some may be on the way */
	struct hrpd_sess_labels labels;
	struct hrpd_mirror *mirror; /* NULL: not mirroring (mirror.h) */
	bool mirror_session;        /* configured: hrp mirror session enable */
	uint32_t mirror_hold_ms;
	uint16_t mirror_queue;
	struct hrpd_sess_expect *expect; /* NULL: helpers and expectations not synced */
};

/* sess_labels.c: when session sync starts (session_labels_room), the table that makes the
 * kernel give entries room for labels (once); removed at a stop that hands nothing over. */
void hrpd_sess_labels_room(struct hrpd_sess *ss);
void hrpd_sess_labels_release(struct hrpd_sess *ss, bool handed_over);
/* The kernel had no room for the labels of a peer's update: counted, said once. */
void hrpd_sess_labels_lost(struct hrpd_sess *ss);
const char *hrpd_sess_labels_state(const struct hrpd_sess *ss);

/* sess.c: as a source, our destroys are remembered (sess_tomb.h) while the peer sends live
 * entries too, and a stone's life after it stopped (its last records may still be on the way). */
bool hrpd_sess_remembers_destroys(const struct hrpd_sess *ss, uint64_t now_ms);
/* sess.c: does what is due now (dumps, requests, back-pressure) and re-arms the timer. */
void hrpd_sess_kick(struct hrpd_sess *ss);
/* The event socket in the conntrack groups or not, as what we are now asks (sess.c). */
void hrpd_sess_events_follow(struct hrpd_sess *ss);
void hrpd_sess_rec_reset(struct hrpd_sess_rec *r);
/* Sends a record of entries with flags; false when the channel refused it. */
bool hrpd_sess_rec_send(struct hrpd_sess *ss, struct hrpd_sess_rec *r, uint32_t flags);
/* Sends a control record; 0 or the channel's error. */
int hrpd_sess_control_send(struct hrpd_sess *ss, const uint8_t *rec, size_t len, uint32_t flags);
/* A bulk request, a bulk's ranges, a digest or a check's result (lib/sess_control.h). */
int hrpd_sess_control_put(struct hrpd_sess *ss, const struct hs_sess_ctl *c, uint32_t flags);
void hrpd_sess_start_dump(struct hrpd_sess *ss, enum hs_sess_dump what);

/* sess_in.c: the peer's records. */
extern const struct hrpd_data_ops hrpd_sess_data_ops;
/* One entry of the peer into our kernel (policy, mirror conflicts, hold timeout). */
void hrpd_sess_apply_entry(struct hrpd_sess *ss, const struct hs_sess *s);
/* A bulk of the peer's that will not end (the peer went, restarted or stopped being a source, or
 * records of it were lost): its entries stay, its sweep is not done, and the table is asked for
 * again when it is still due. */
void hrpd_sess_bulk_abandon(struct hrpd_sess *ss, const char *why);
/* The source reads key's entry again and sends it like an event (hrpd_ct_read says why). */
void hrpd_sess_reread(struct hrpd_sess *ss, const struct hs_sess *key);
/* 0, or the data channel's error (the request did not go). */
int hrpd_sess_request_bulk(struct hrpd_sess *ss, uint64_t ranges);
/* The peer's registry lists this record feature of data (or is not known yet). */
bool hrpd_sess_peer_reads(const struct hrpd_sess *ss, uint16_t feature);
/* s as the peer reads it, sent or digested: s itself, or its copy in room with the directional
 * zones cleared for a peer without record feature sess-dir-zone. */
const struct hs_sess *hrpd_sess_for_peer(const struct hrpd_sess *ss, const struct hs_sess *s,
					 struct hs_sess *room);

/* sess_local.c: the boxes' own addresses. Ours read again (force: now, else every few
 * seconds), told to the peer when due, and the peer's record of its own: NULL, or why it is
 * dropped. */
void hrpd_sess_local_refresh(struct hrpd_sess *ss, bool force);
void hrpd_sess_tell_local(struct hrpd_sess *ss, bool peer_up);
const char *hrpd_sess_rx_peer_local(struct hrpd_sess *ss, const uint8_t *rec, size_t len);

/* sess_check.c: consistency checks and the sweep after a bulk transfer. */
void hrpd_sess_check_init(struct hrpd_sess *ss);
void hrpd_sess_check_free(struct hrpd_sess *ss);
void hrpd_sess_check_arm(struct hrpd_sess *ss);
int hrpd_sess_check_now(struct hrpd_sess *ss);
void hrpd_sess_digest_entry(struct hrpd_sess *ss, const struct hs_sess *s);
void hrpd_sess_digest_done(struct hrpd_sess *ss, bool ok);
void hrpd_sess_rx_digest(struct hrpd_sess *ss, const struct hs_sess_ctl *c);
void hrpd_sess_rx_digest_result(struct hrpd_sess *ss, const struct hs_sess_ctl *c);
void hrpd_sess_rx_digest_part(struct hrpd_sess *ss, const struct hs_sess_ctl *c);
/* A record (sent or applied) changed s's entry: its bucket is left out of running checks. */
void hrpd_sess_check_touch(struct hrpd_sess *ss, const struct hs_sess *s);
/* The check's own dump starts: a fresh digest; for the source, a fresh set of changes. */
void hrpd_sess_check_dump_start(struct hrpd_sess *ss);
void hrpd_sess_sweep_entry(struct hrpd_sess *ss, const struct hs_sess *s);
void hrpd_sess_sweep_done(struct hrpd_sess *ss, bool ok);
/* The sweep is not wanted any more (a takeover): its keys go, unless its dump still reads them. */
void hrpd_sess_sweep_drop(struct hrpd_sess *ss);

#endif
