/* Chunks (cfgsync_core.h, doc/config-sync.md "Records"): a record larger than one record of the
 * data channel (a table with a big set) goes as several chunk records, and the receiver puts
 * it back together before decoding it as usual.
 *
 * The data channel delivers in order and once, or says that records were lost; so a transfer
 * is simply its pieces one after the other. The receiver keeps one transfer at most, of at
 * most HS_CFGSYNC_BIG_MAX bytes, and checks the whole record's SHA-256 before handing it on:
 * a piece out of place drops the transfer, a new transfer replaces an unfinished one. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "cfgsync_core.h"

size_t hs_cfgsync_chunk_count(size_t len)
{
	if (len == 0 || len > HS_CFGSYNC_BIG_MAX)
		return 0;
	return (len + HS_CFGSYNC_CHUNK_DATA - 1) / HS_CFGSYNC_CHUNK_DATA;
}

size_t hs_cfgsync_chunk_encode(const uint8_t *whole, size_t len, uint32_t id, size_t index,
			       uint8_t *buf, size_t cap)
{
	if (index >= hs_cfgsync_chunk_count(len))
		return 0;
	size_t off = index * HS_CFGSYNC_CHUNK_DATA;
	size_t n = len - off < HS_CFGSYNC_CHUNK_DATA ? len - off : HS_CFGSYNC_CHUNK_DATA;
	struct hs_cfgsync_rec r = {
		.kind = HS_CFGSYNC_CHUNK,
		.gen = id,
		.chunk_total = (uint32_t)len,
		.chunk_off = (uint32_t)off,
		.chunk = whole + off,
		.chunk_len = n,
	};
	crypto_hash_sha256(r.digest, whole, len);
	return hs_cfgsync_encode(&r, buf, cap);
}

bool hs_cfgsync_reasm_reset(struct hs_cfgsync_reasm *ra)
{
	bool was = ra->active;
	free(ra->buf);
	memset(ra, 0, sizeof(*ra));
	return was;
}

/* Does r continue the transfer under way: same id, digest and total, at the next offset? */
static bool continues(const struct hs_cfgsync_reasm *ra, const struct hs_cfgsync_rec *r)
{
	return ra->active && r->gen == ra->id && r->chunk_total == ra->total &&
	       r->chunk_off == ra->have &&
	       memcmp(r->digest, ra->digest, HS_CFGSYNC_DIGEST_LEN) == 0;
}

static enum hs_cfgsync_reasm_step fail(struct hs_cfgsync_reasm *ra, enum hs_cfgsync_err *err,
				       enum hs_cfgsync_err why)
{
	hs_cfgsync_reasm_reset(ra);
	*err = why;
	return HS_REASM_ERROR;
}

enum hs_cfgsync_reasm_step hs_cfgsync_reasm_feed(struct hs_cfgsync_reasm *ra,
						 const struct hs_cfgsync_rec *r,
						 const uint8_t **whole, size_t *whole_len,
						 bool *abandoned, enum hs_cfgsync_err *err)
{
	*abandoned = false;
	*err = HS_CFGSYNC_OK;
	if (r->kind != HS_CFGSYNC_CHUNK)
		return fail(ra, err, HS_CFGSYNC_E_KIND);
	/* The decoder checked these; a caller that did not decode gets the same answer. */
	if (r->chunk_total == 0 || r->chunk_total > HS_CFGSYNC_BIG_MAX)
		return fail(ra, err, HS_CFGSYNC_E_CHUNK_SIZE);
	if (r->chunk_len == 0 || r->chunk_off >= r->chunk_total ||
	    r->chunk_len > r->chunk_total - r->chunk_off)
		return fail(ra, err, HS_CFGSYNC_E_CHUNK);
	if (r->chunk_off == 0) {
		/* A new transfer; an unfinished one before it will never end. */
		*abandoned = hs_cfgsync_reasm_reset(ra);
		ra->buf = malloc(r->chunk_total);
		if (!ra->buf)
			return fail(ra, err, HS_CFGSYNC_E_SPACE);
		ra->active = true;
		ra->id = r->gen;
		ra->total = r->chunk_total;
		memcpy(ra->digest, r->digest, HS_CFGSYNC_DIGEST_LEN);
	} else if (!continues(ra, r)) {
		return fail(ra, err, HS_CFGSYNC_E_CHUNK);
	}
	memcpy(ra->buf + ra->have, r->chunk, r->chunk_len);
	ra->have += (uint32_t)r->chunk_len;
	if (ra->have < ra->total)
		return HS_REASM_MORE;
	uint8_t d[HS_CFGSYNC_DIGEST_LEN];
	crypto_hash_sha256(d, ra->buf, ra->total);
	if (memcmp(d, ra->digest, sizeof(d)) != 0)
		return fail(ra, err, HS_CFGSYNC_E_DIGEST);
	/* Whole: handed out until the next feed or reset, which frees it. */
	ra->active = false;
	*whole = ra->buf;
	*whole_len = ra->total;
	return HS_REASM_DONE;
}
