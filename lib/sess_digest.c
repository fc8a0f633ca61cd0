/* Session table digests and key sets: sess_digest.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hrp_wire.h"
#include "sess_digest.h"

unsigned hs_sess_range(const struct hs_sess *s)
{
	return (unsigned)(hs_sess_key_hash(s) >> 58);
}

void hs_sess_digest_init(struct hs_sess_digest *d)
{
	memset(d, 0, sizeof(*d));
}

void hs_sess_digest_add(struct hs_sess_digest *d, const struct hs_sess *s)
{
	unsigned r = hs_sess_range(s);
	d->count[r]++;
	d->sum[r] += hs_sess_content_hash(s);
}

uint64_t hs_sess_digest_total(const struct hs_sess_digest *d)
{
	uint64_t n = 0;
	for (unsigned r = 0; r < HS_SESS_RANGES; r++)
		n += d->count[r];
	return n;
}

uint64_t hs_sess_digest_diff(const struct hs_sess_digest *a, const struct hs_sess_digest *b)
{
	uint64_t bits = 0;
	for (unsigned r = 0; r < HS_SESS_RANGES; r++)
		if (a->count[r] != b->count[r] || a->sum[r] != b->sum[r])
			bits |= UINT64_C(1) << r;
	return bits;
}

size_t hs_sess_digest_encode(const struct hs_sess_digest *d, uint8_t *buf, size_t room)
{
	if (room < HS_SESS_DIGEST_WIRE)
		return 0;
	for (unsigned r = 0; r < HS_SESS_RANGES; r++) {
		uint8_t *p = buf + r * 12u;
		hrp_put_u32(p, d->count[r]);
		hrp_put_u64(p + 4, d->sum[r]);
	}
	return HS_SESS_DIGEST_WIRE;
}

int hs_sess_digest_decode(const uint8_t *buf, size_t len, struct hs_sess_digest *d)
{
	if (len != HS_SESS_DIGEST_WIRE)
		return -1;
	for (unsigned r = 0; r < HS_SESS_RANGES; r++) {
		const uint8_t *p = buf + r * 12u;
		d->count[r] = hrp_get_u32(p);
		d->sum[r] = hrp_get_u64(p + 4);
	}
	return 0;
}

/* ---- buckets ---- */

unsigned hs_sess_bucket_of(uint64_t key_hash)
{
	return (unsigned)(key_hash >> 52);
}

void hs_sess_buckets_init(struct hs_sess_buckets *b)
{
	memset(b, 0, sizeof(*b));
}

void hs_sess_buckets_add(struct hs_sess_buckets *b, const struct hs_sess *s)
{
	unsigned i = hs_sess_bucket_of(hs_sess_key_hash(s));
	b->count[i]++;
	b->sum[i] += hs_sess_content_hash(s);
}

void hs_sess_buckets_fold(const struct hs_sess_buckets *b, struct hs_sess_digest *out)
{
	hs_sess_digest_init(out);
	for (unsigned i = 0; i < HS_SESS_BUCKETS; i++) {
		out->count[i / HS_SESS_BUCKETS_PER_RANGE] += b->count[i];
		out->sum[i / HS_SESS_BUCKETS_PER_RANGE] += b->sum[i];
	}
}

void hs_sess_buckets_range_get(const struct hs_sess_buckets *b, unsigned r,
			       struct hs_sess_digest *out)
{
	memcpy(out->count, b->count + r * HS_SESS_BUCKETS_PER_RANGE, sizeof(out->count));
	memcpy(out->sum, b->sum + r * HS_SESS_BUCKETS_PER_RANGE, sizeof(out->sum));
}

void hs_sess_buckets_range_set(struct hs_sess_buckets *b, unsigned r,
			       const struct hs_sess_digest *in)
{
	memcpy(b->count + r * HS_SESS_BUCKETS_PER_RANGE, in->count, sizeof(in->count));
	memcpy(b->sum + r * HS_SESS_BUCKETS_PER_RANGE, in->sum, sizeof(in->sum));
}

uint64_t hs_sess_buckets_diff(const struct hs_sess_buckets *a, const struct hs_sess_buckets *b,
			      const hs_sess_unsettled skip)
{
	uint64_t bits = 0;
	for (unsigned i = 0; i < HS_SESS_BUCKETS; i++) {
		unsigned r = i / HS_SESS_BUCKETS_PER_RANGE;
		if (skip[r] >> (i % HS_SESS_BUCKETS_PER_RANGE) & 1)
			continue;
		if (a->count[i] != b->count[i] || a->sum[i] != b->sum[i])
			bits |= UINT64_C(1) << r;
	}
	return bits;
}

void hs_sess_unsettled_note(hs_sess_unsettled u, uint64_t key_hash)
{
	unsigned i = hs_sess_bucket_of(key_hash);
	u[i / HS_SESS_BUCKETS_PER_RANGE] |= UINT64_C(1) << (i % HS_SESS_BUCKETS_PER_RANGE);
}

unsigned hs_sess_unsettled_count(const hs_sess_unsettled u, uint64_t *ranges, uint64_t *whole)
{
	unsigned n = 0;
	*ranges = *whole = 0;
	for (unsigned r = 0; r < HS_SESS_RANGES; r++) {
		n += (unsigned)__builtin_popcountll(u[r]);
		if (u[r])
			*ranges |= UINT64_C(1) << r;
		if (u[r] == UINT64_MAX)
			*whole |= UINT64_C(1) << r;
	}
	return n;
}

/* ---- key set ---- */

void hs_sess_keyset_init(struct hs_sess_keyset *k)
{
	memset(k, 0, sizeof(*k));
}

void hs_sess_keyset_free(struct hs_sess_keyset *k)
{
	free(k->slot);
	hs_sess_keyset_init(k);
}

void hs_sess_keyset_clear(struct hs_sess_keyset *k)
{
	if (k->slot)
		memset(k->slot, 0, k->cap * sizeof(*k->slot));
	k->n = 0;
}

static uint64_t stored(uint64_t key)
{
	return key ? key : 1;
}

/* Key hashes are already uniform: the low bits pick the slot. */
static void place(uint64_t *slot, size_t cap, uint64_t v)
{
	size_t i = (size_t)v & (cap - 1);
	while (slot[i] && slot[i] != v)
		i = (i + 1) & (cap - 1);
	slot[i] = v;
}

static int grow(struct hs_sess_keyset *k)
{
	size_t cap = k->cap ? k->cap * 2 : 1024;
	uint64_t *slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < k->cap; i++)
		if (k->slot[i])
			place(slot, cap, k->slot[i]);
	free(k->slot);
	k->slot = slot;
	k->cap = cap;
	return 0;
}

int hs_sess_keyset_add(struct hs_sess_keyset *k, uint64_t key)
{
	if (hs_sess_keyset_has(k, key))
		return 0;
	if ((k->n + 1) * 4 > k->cap * 3 && grow(k) < 0) /* at most 3/4 full */
		return -ENOMEM;
	place(k->slot, k->cap, stored(key));
	k->n++;
	return 0;
}

bool hs_sess_keyset_has(const struct hs_sess_keyset *k, uint64_t key)
{
	if (!k->cap)
		return false;
	uint64_t v = stored(key);
	for (size_t i = (size_t)v & (k->cap - 1);; i = (i + 1) & (k->cap - 1)) {
		if (k->slot[i] == v)
			return true;
		if (!k->slot[i])
			return false;
	}
}
