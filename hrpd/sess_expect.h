/* Session sync of conntrack helpers and expectations (hrpd.session_sync_expectations;
 * doc/session-sync.md, "Helpers and expectations"; records: lib/sess_exp.h).
 *
 * On the sync source an entry with a helper (the FTP control connection, given "ftp" by a
 * `ct helper` rule) goes in a helper record, so that the peer creates it with the helper; and
 * the kernel's expectation events (NFNLGRP_CONNTRACK_EXP_NEW / _DESTROY, on a socket of their
 * own) go in expectation records. The peer creates and deletes them through ctnetlink, after
 * their master entry (records are delivered in order, and the master's entry was sent first).
 * Off by default: a peer that does not know the records would count them as bad and lose the
 * entries in them. */
#ifndef HRPD_SESS_EXPECT_H
#define HRPD_SESS_EXPECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrp_session.h"

struct hrpd_sess;
struct hrpd_sess_rec;

/* Switches the feature on or off (config); opens or closes the sockets. */
void hrpd_sess_expect_configure(struct hrpd_sess *ss, bool on);
/* Listens to expectation events while we are the sync source and the feature is on. */
void hrpd_sess_expect_update(struct hrpd_sess *ss);
void hrpd_sess_expect_free(struct hrpd_sess *ss);

/* An entry of ours about to go into r: true when it went in a helper record instead (the
 * feature is on and s has a helper); r was sent first, so the order holds. */
bool hrpd_sess_expect_helper_entry(struct hrpd_sess *ss, struct hrpd_sess_rec *r,
				   const struct hs_sess *s);

/* After a bulk transfer to the peer: our expectations of now go too (the masters went in it). */
void hrpd_sess_expect_bulk(struct hrpd_sess *ss);

/* The peer's helper record and expectation record (control records of the session channel). */
void hrpd_sess_expect_rx_helper(struct hrpd_sess *ss, const uint8_t *rec, size_t len);
void hrpd_sess_expect_rx(struct hrpd_sess *ss, const uint8_t *rec, size_t len);

/* "expectations" of session-stats. */
json_t *hrpd_sess_expect_stats_json(const struct hrpd_sess *ss);

#endif
