/* The session channel's control records (pure): the requests and answers of bulk transfers and
 * consistency checks, which travel on the same channel as the session records, in order with
 * them (a digest compares the table as of its place in the stream).
 *
 * Each record begins with its kind; a session record begins with its wire version, which is
 * below 0x80. All fields are big-endian, and every kind has one length (a bulk request from an
 * older sender may come without its ranges: every range; a digest result from an older sender
 * comes without its unsettled part). The peer is authenticated, but a
 * record it sends is still input: decoding checks it whole before anything is used. */
#ifndef HS_SESS_CONTROL_H
#define HS_SESS_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sess_digest.h"

enum hs_sess_ctl_kind {
	HS_SESS_CTL_BULK_REQUEST = 0x80,  /* [u64 ranges]: "send me these ranges" (all if absent) */
	HS_SESS_CTL_DIGEST = 0x81,        /* u32 check id, the source's digest */
	HS_SESS_CTL_DIGEST_RESULT = 0x82, /* u32 id, u64 ranges that differ, u32 ours, u32 yours */
	HS_SESS_CTL_RANGES = 0x83,        /* u64 ranges: opens a bulk transfer of them */
	/* u32 check id, u8 range, u64 its unsettled buckets, the digest of its 64 buckets: one of
	 * the 64 that go before a DIGEST to a peer of record feature sess-check-buckets. */
	HS_SESS_CTL_DIGEST_PART = 0x88,
	/* u16 n, then n x 16 bytes (an IPv4 address in the first 4, the rest 0): the sender's
	 * own addresses (record feature sess-peer-local; hs_sess_local_addrs_*) */
	HS_SESS_CTL_LOCAL_ADDRS = 0x89,
};

#define HS_SESS_LOCAL_ADDRS_MAX 256 /* addresses in one record */

#define HS_SESS_CTL_DIGEST_LEN (1u + 4u + HS_SESS_DIGEST_WIRE)
#define HS_SESS_CTL_LONGEST    (HS_SESS_CTL_DIGEST_LEN + 1u + 8u) /* a digest part */

struct hs_sess_ctl {
	uint8_t kind;      /* enum hs_sess_ctl_kind */
	uint32_t check_id; /* DIGEST, DIGEST_RESULT */
	/* BULK_REQUEST, RANGES: the ranges asked for or sent; DIGEST_RESULT: those that differ */
	uint64_t ranges;
	/* DIGEST_RESULT: the entries the answering box holds, and those the source's digest
	 * counted (each side's total, as the answerer saw them) */
	uint32_t answerer_total, source_total;
	/* DIGEST: the source's digest; DIGEST_PART: range `range`'s buckets, in its 64 slots */
	struct hs_sess_digest digest;
	uint8_t range;      /* DIGEST_PART */
	uint64_t unsettled; /* DIGEST_PART: the range's buckets the source left out */
	/* DIGEST_RESULT, when `settled_part` (record feature sess-check-buckets): the buckets
	 * left out of the check (either side's) and the ranges left out whole */
	bool settled_part;
	uint32_t unsettled_buckets;
	uint64_t undecided;
};

enum hs_sess_ctl_err {
	HS_SESS_CTL_OK,
	HS_SESS_CTL_EMPTY,   /* no byte at all */
	HS_SESS_CTL_UNKNOWN, /* not a kind of this header (another decoder's, or garbage) */
	HS_SESS_CTL_LENGTH,  /* a known kind of the wrong length */
	HS_SESS_CTL_RANGE,   /* a digest part of a range that does not exist, too many addresses */
	HS_SESS_CTL_ERR_MAX
};

/* The record's bytes into buf: its length, or 0 when room is short or the kind unknown. */
size_t hs_sess_ctl_encode(const struct hs_sess_ctl *c, uint8_t *buf, size_t room);
/* The record in rec[0..len) into *out (untouched unless HS_SESS_CTL_OK). */
enum hs_sess_ctl_err hs_sess_ctl_decode(const uint8_t *rec, size_t len, struct hs_sess_ctl *out);
const char *hs_sess_ctl_err_name(enum hs_sess_ctl_err e);

/* The sender's own addresses (n at most HS_SESS_LOCAL_ADDRS_MAX) into buf: the record's length,
 * or 0 when room is short or n too large. */
size_t hs_sess_local_addrs_encode(const uint8_t (*addrs)[16], size_t n, uint8_t *buf, size_t room);
/* A LOCAL_ADDRS record into addrs (room for HS_SESS_LOCAL_ADDRS_MAX) and *n: HS_SESS_CTL_OK,
 * or why not (nothing written). */
enum hs_sess_ctl_err hs_sess_local_addrs_decode(const uint8_t *rec, size_t len,
						uint8_t (*addrs)[16], size_t *n);

#endif
