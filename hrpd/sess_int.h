/* Session sync's insides, shared by sess.c (the logic) and sess_ctl.c (statistics and
 * commands). */
#ifndef HRPD_SESS_INT_H
#define HRPD_SESS_INT_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

#include "hrp_session.h"
#include "loop.h"
#include "sess_ct.h"
#include "sess_policy.h"

#define HRPD_SESS_PREFIX            "[hrp session]"
#define HRPD_SESS_REC_MAX           16384 /* bytes per record: ~600 IPv4 TCP entries */
#define HRPD_SESS_REC_BULK_REQUEST  0x80  /* a record of this one byte: "send me your table" */
#define HRPD_SESS_REQUEST_RETRY_MS  3000
#define HRPD_SESS_PAUSE_POLL_MS     2
#define HRPD_SESS_EVENT_RCVBUF      (16 * 1024 * 1024)

struct hrpd;

struct hrpd_sess_rec {
	uint8_t buf[HRPD_SESS_REC_MAX];
	size_t len;
	unsigned entries;
};

enum hrpd_sess_dump {
	HRPD_SESS_DUMP_NONE,
	HRPD_SESS_DUMP_BULK,     /* our table to the peer */
	HRPD_SESS_DUMP_TAKEOVER, /* held timeouts back to the protocol's */
};

struct hrpd_sess_stats {
	uint64_t events[3]; /* new, update, destroy */
	uint64_t events_not_source;
	uint64_t skipped[HS_SESS_VERDICT_MAX];
	uint64_t records_sent, entries_sent, bytes_sent, records_refused, entries_refused;
	uint64_t encode_errors;
	uint64_t records_received, entries_received, bytes_received, entries_applied, rx_skipped;
	uint64_t decode_errors[HS_SESS_ERR_MAX];
	uint64_t bulk_requests_sent, bulk_requests_received;
	uint64_t bulks_sent, bulks_failed, bulk_entries_sent, bulks_received, bulk_entries_received;
	uint64_t takeovers, timeouts_reset;
};

struct hrpd_sess {
	struct hrpd *h;
	struct hrpd_ct *ct; /* NULL: no conntrack here, session sync off */
	struct hs_sess_policy pol;
	bool tcp_window;
	bool on;           /* hrp enabled, auto-sync on, conntrack here */
	bool local_active; /* our VGMP state is active or load-balance */
	bool source;       /* we send our events */
	struct hrpd_sess_rec rt, bulk;
	struct hs_timer flush; /* sends rt after the burst of events read this turn */
	struct hs_timer timer; /* bulk request retry, paused dump poll */
	/* dumps */
	enum hrpd_sess_dump dump;
	uint64_t dump_started_ms;
	bool paused;
	bool bulk_wanted;     /* the peer asked, or the operator */
	bool resync_owed;     /* records refused or events lost: the peer needs the table */
	bool takeover_wanted;
	bool bulk_first;
	uint64_t bulk_entries;
	uint64_t reset_before;
	/* the peer's table */
	bool rx_bulk;
	uint64_t rx_bulk_entries, rx_bulk_started_ms, last_bulk_ms;
	bool synced;
	uint64_t synced_epoch;
	uint64_t requested_ms;
	bool ready;
	uint64_t last_apply_warn_ms;
	struct hrpd_sess_stats st;
};

/* sess.c: does what is due now (dumps, requests, back-pressure) and re-arms the timer. */
void hrpd_sess_kick(struct hrpd_sess *ss);

#endif
