/* The session channel's control records (pure): the requests and answers of bulk transfers and
 * consistency checks, which travel on the same channel as the session records, in order with
 * them (a digest compares the table as of its place in the stream).
 *
 * Each record begins with its kind; a session record begins with its wire version, which is
 * below 0x80. All fields are big-endian, and every kind has one length (a bulk request from an
 * older sender may come without its ranges: every range). The peer is authenticated, but a
 * record it sends is still input: decoding checks it whole before anything is used. */
#ifndef HS_SESS_CONTROL_H
#define HS_SESS_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "sess_digest.h"

enum hs_sess_ctl_kind {
	HS_SESS_CTL_BULK_REQUEST = 0x80,  /* [u64 ranges]: "send me these ranges" (all if absent) */
	HS_SESS_CTL_DIGEST = 0x81,        /* u32 check id, the source's digest */
	HS_SESS_CTL_DIGEST_RESULT = 0x82, /* u32 id, u64 ranges that differ, u32 ours, u32 yours */
	HS_SESS_CTL_RANGES = 0x83,        /* u64 ranges: opens a bulk transfer of them */
};

#define HS_SESS_CTL_LONGEST (1u + 4u + HS_SESS_DIGEST_WIRE) /* a digest */

struct hs_sess_ctl {
	uint8_t kind;      /* enum hs_sess_ctl_kind */
	uint32_t check_id; /* DIGEST, DIGEST_RESULT */
	/* BULK_REQUEST, RANGES: the ranges asked for or sent; DIGEST_RESULT: those that differ */
	uint64_t ranges;
	/* DIGEST_RESULT: the entries the answering box holds, and those the source's digest
	 * counted (each side's total, as the answerer saw them) */
	uint32_t answerer_total, source_total;
	struct hs_sess_digest digest; /* DIGEST */
};

enum hs_sess_ctl_err {
	HS_SESS_CTL_OK,
	HS_SESS_CTL_EMPTY,   /* no byte at all */
	HS_SESS_CTL_UNKNOWN, /* not a kind of this header (another decoder's, or garbage) */
	HS_SESS_CTL_LENGTH,  /* a known kind of the wrong length */
	HS_SESS_CTL_ERR_MAX
};

/* The record's bytes into buf: its length, or 0 when room is short or the kind unknown. */
size_t hs_sess_ctl_encode(const struct hs_sess_ctl *c, uint8_t *buf, size_t room);
/* The record in rec[0..len) into *out (untouched unless HS_SESS_CTL_OK). */
enum hs_sess_ctl_err hs_sess_ctl_decode(const uint8_t *rec, size_t len, struct hs_sess_ctl *out);
const char *hs_sess_ctl_err_name(enum hs_sess_ctl_err e);

#endif
