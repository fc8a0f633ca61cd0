/* Session table digests and key sets, for the consistency check of session sync (pure).
 *
 * A table's digest is, for each of HS_SESS_RANGES ranges of hs_sess_key_hash() (its top bits),
 * the number of entries and the 64-bit sum of their hs_sess_content_hash(): independent of the
 * order entries are seen in, so two boxes can compare tables they read at different speeds, and a
 * mismatch names the ranges to send again. A key set remembers which entries a range resync
 * brought, so that what the peer did not send can be removed afterwards. */
#ifndef HS_SESS_DIGEST_H
#define HS_SESS_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrp_session.h"

#define HS_SESS_RANGES      64
#define HS_SESS_RANGES_ALL  UINT64_MAX
#define HS_SESS_DIGEST_WIRE (HS_SESS_RANGES * 12u) /* u32 count, u64 sum per range */

struct hs_sess_digest {
	uint32_t count[HS_SESS_RANGES];
	uint64_t sum[HS_SESS_RANGES];
};

/* The range of an entry: the top 6 bits of its key hash. */
unsigned hs_sess_range(const struct hs_sess *s);
void hs_sess_digest_init(struct hs_sess_digest *d);
void hs_sess_digest_add(struct hs_sess_digest *d, const struct hs_sess *s);
uint64_t hs_sess_digest_total(const struct hs_sess_digest *d);
/* Bit r set: range r differs between a and b (count or sum). */
uint64_t hs_sess_digest_diff(const struct hs_sess_digest *a, const struct hs_sess_digest *b);
/* Big-endian, range by range. encode returns HS_SESS_DIGEST_WIRE, or 0 when room is short;
 * decode returns 0, or -1 when len is not HS_SESS_DIGEST_WIRE. */
size_t hs_sess_digest_encode(const struct hs_sess_digest *d, uint8_t *buf, size_t room);
int hs_sess_digest_decode(const uint8_t *buf, size_t len, struct hs_sess_digest *d);

/* ---- buckets: a check that tolerates churn ----
 *
 * Each range splits into HS_SESS_BUCKETS_PER_RANGE buckets (the next 6 bits of the key hash).
 * Both boxes read their tables while records keep coming, so an entry changed during a check
 * may be counted before its change on one box and after it on the other: the bucket of every
 * entry a record touched during the check is left out of it (unsettled) on both sides, and the
 * rest is compared bucket by bucket. An unsettled set is HS_SESS_RANGES words, word r holding
 * the buckets of range r. */

#define HS_SESS_BUCKETS_PER_RANGE 64
#define HS_SESS_BUCKETS           (HS_SESS_RANGES * HS_SESS_BUCKETS_PER_RANGE)

struct hs_sess_buckets {
	uint32_t count[HS_SESS_BUCKETS];
	uint64_t sum[HS_SESS_BUCKETS];
};

typedef uint64_t hs_sess_unsettled[HS_SESS_RANGES];

/* The bucket of a key hash (0..HS_SESS_BUCKETS-1; its range is bucket / 64). */
unsigned hs_sess_bucket_of(uint64_t key_hash);
void hs_sess_buckets_init(struct hs_sess_buckets *b);
void hs_sess_buckets_add(struct hs_sess_buckets *b, const struct hs_sess *s);
/* The range digest of b (every bucket counted). */
void hs_sess_buckets_fold(const struct hs_sess_buckets *b, struct hs_sess_digest *out);
/* Range r's buckets as a digest of 64 slots (the wire form of one range), and back. */
void hs_sess_buckets_range_get(const struct hs_sess_buckets *b, unsigned r,
			       struct hs_sess_digest *out);
void hs_sess_buckets_range_set(struct hs_sess_buckets *b, unsigned r,
			       const struct hs_sess_digest *in);
/* Bit r: a bucket of range r that is not in skip differs between a and b. */
uint64_t hs_sess_buckets_diff(const struct hs_sess_buckets *a, const struct hs_sess_buckets *b,
			      const hs_sess_unsettled skip);
void hs_sess_unsettled_note(hs_sess_unsettled u, uint64_t key_hash);
/* How many buckets u holds, and the ranges of which it holds any (ranges) or all (whole). */
unsigned hs_sess_unsettled_count(const hs_sess_unsettled u, uint64_t *ranges, uint64_t *whole);

/* A set of key hashes (open addressing, grows by doubling). */
struct hs_sess_keyset {
	uint64_t *slot; /* 0 is "empty": a key hash of 0 is stored as 1 */
	size_t cap, n;
};
void hs_sess_keyset_init(struct hs_sess_keyset *k);
void hs_sess_keyset_free(struct hs_sess_keyset *k);
void hs_sess_keyset_clear(struct hs_sess_keyset *k);
/* Returns 0, or -ENOMEM (the set is unchanged). */
int hs_sess_keyset_add(struct hs_sess_keyset *k, uint64_t key);
bool hs_sess_keyset_has(const struct hs_sess_keyset *k, uint64_t key);

#endif
