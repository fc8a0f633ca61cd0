/* The config channel's records (cfgsync_core.h, doc/config-sync.md "Records"). All integers are
 * big-endian. Every record opens with the same 40 bytes:
 *   u8 version (1), u8 kind, u16 flags (0; ignored), u32 generation, 32 bytes digest
 * then, by kind:
 *   full set, report: u8 n_tables; per table u8 name length, name, u8 present, u32 text
 *                     length, text
 *   result:           u32 generation answered, u8 status, u16 message length, message
 *   request:          nothing
 *   settings:         u8 apply (0/1), u32 text length, text (JSON); the digest is the text's
 *   settings result:  as a result
 *   facts:            u32 text length, text (JSON); the digest is the text's
 *   chunk:            u32 total, u32 offset, the piece (to the end); the generation is the
 *                     transfer's id, the digest the whole record's (cfgsync_chunk.c)
 * The decoder checks step by step and names the first thing wrong. */
#include <string.h>

#include "cfgsync_core.h"

static const char *const kind_names[HS_CFGSYNC_KIND_MAX] = {
	[HS_CFGSYNC_KIND_INVALID] = "invalid",
	[HS_CFGSYNC_FULL] = "full",
	[HS_CFGSYNC_RESULT] = "result",
	[HS_CFGSYNC_REQUEST] = "request",
	[HS_CFGSYNC_REPORT] = "report",
	[HS_CFGSYNC_SETTINGS] = "settings",
	[HS_CFGSYNC_SETTINGS_RES] = "settings-result",
	[HS_CFGSYNC_FACTS] = "facts",
	[HS_CFGSYNC_CHUNK] = "chunk",
};

static const char *const status_names[HS_CFGSYNC_STATUS_MAX] = {
	[HS_CFGSYNC_APPLIED] = "applied",     [HS_CFGSYNC_UNCHANGED] = "unchanged",
	[HS_CFGSYNC_FAILED] = "failed",       [HS_CFGSYNC_REVERTED] = "reverted",
	[HS_CFGSYNC_CONFIRMED] = "confirmed", [HS_CFGSYNC_REFUSED] = "refused",
};

static const char *const err_names[HS_CFGSYNC_ERR_MAX] = {
	[HS_CFGSYNC_OK] = "ok",
	[HS_CFGSYNC_E_TRUNCATED] = "truncated",
	[HS_CFGSYNC_E_VERSION] = "bad-version",
	[HS_CFGSYNC_E_KIND] = "bad-kind",
	[HS_CFGSYNC_E_TABLES] = "too-many-tables",
	[HS_CFGSYNC_E_NAME] = "bad-table-name",
	[HS_CFGSYNC_E_STATUS] = "bad-status",
	[HS_CFGSYNC_E_PRESENT] = "bad-present",
	[HS_CFGSYNC_E_TRAILING] = "trailing-bytes",
	[HS_CFGSYNC_E_DIGEST] = "digest-mismatch",
	[HS_CFGSYNC_E_SPACE] = "no-space",
	[HS_CFGSYNC_E_APPLY] = "bad-apply",
	[HS_CFGSYNC_E_CHUNK] = "bad-chunk",
	[HS_CFGSYNC_E_CHUNK_SIZE] = "chunk-too-large",
	[HS_CFGSYNC_E_ABANDONED] = "chunk-abandoned",
};

const char *hs_cfgsync_kind_name(unsigned kind)
{
	return kind < HS_CFGSYNC_KIND_MAX ? kind_names[kind] : "unknown";
}

const char *hs_cfgsync_status_name(unsigned status)
{
	return status < HS_CFGSYNC_STATUS_MAX ? status_names[status] : "unknown";
}

const char *hs_cfgsync_err_name(unsigned err)
{
	return err < HS_CFGSYNC_ERR_MAX ? err_names[err] : "unknown";
}

/* ---- writing ---- */

struct wr {
	uint8_t *p;
	size_t cap, len;
	bool full;
};

/* A writer without a buffer only counts (hs_cfgsync_encoded_len). */
static void put(struct wr *w, const void *src, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = true;
		return;
	}
	if (n && w->p)
		memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void put_u8(struct wr *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put_u16(struct wr *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put(w, b, 2);
}

static void put_u32(struct wr *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	put(w, b, 4);
}

static bool put_tables(struct wr *w, const struct hs_cfgsync_rec *r)
{
	if (r->n_tables > HS_CFGSYNC_TABLES_MAX)
		return false;
	put_u8(w, (uint8_t)r->n_tables);
	for (size_t i = 0; i < r->n_tables; i++) {
		const struct hs_cfgsync_table *t = &r->tables[i];
		size_t nl = strnlen(t->name, HS_CFGSYNC_NAME_MAX);
		if (nl == 0 || nl >= HS_CFGSYNC_NAME_MAX || t->len > UINT32_MAX)
			return false;
		put_u8(w, (uint8_t)nl);
		put(w, t->name, nl);
		put_u8(w, t->present);
		put_u32(w, t->present ? (uint32_t)t->len : 0);
		if (t->present)
			put(w, t->text, t->len);
	}
	return true;
}

size_t hs_cfgsync_encoded_len(const struct hs_cfgsync_rec *r)
{
	return hs_cfgsync_encode(r, NULL, SIZE_MAX);
}

size_t hs_cfgsync_encode(const struct hs_cfgsync_rec *r, uint8_t *buf, size_t cap)
{
	struct wr w = { .p = buf, .cap = cap };
	if (r->kind == HS_CFGSYNC_KIND_INVALID || r->kind >= HS_CFGSYNC_KIND_MAX)
		return 0;
	put_u8(&w, HS_CFGSYNC_VERSION);
	put_u8(&w, r->kind);
	put_u16(&w, 0);
	put_u32(&w, r->gen);
	put(&w, r->digest, HS_CFGSYNC_DIGEST_LEN);
	switch (r->kind) {
	case HS_CFGSYNC_FULL:
	case HS_CFGSYNC_REPORT:
		if (!put_tables(&w, r))
			return 0;
		break;
	case HS_CFGSYNC_SETTINGS:
		if (r->settings_len > UINT32_MAX)
			return 0;
		put_u8(&w, r->apply ? 1 : 0);
		put_u32(&w, (uint32_t)r->settings_len);
		put(&w, r->settings, r->settings_len);
		break;
	case HS_CFGSYNC_FACTS:
		if (r->facts_len > UINT32_MAX)
			return 0;
		put_u32(&w, (uint32_t)r->facts_len);
		put(&w, r->facts, r->facts_len);
		break;
	case HS_CFGSYNC_CHUNK:
		if (r->chunk_len == 0)
			return 0;
		put_u32(&w, r->chunk_total);
		put_u32(&w, r->chunk_off);
		put(&w, r->chunk, r->chunk_len);
		break;
	case HS_CFGSYNC_RESULT:
	case HS_CFGSYNC_SETTINGS_RES: {
		size_t ml = strnlen(r->msg, HS_CFGSYNC_MSG_MAX - 1);
		if (r->status >= HS_CFGSYNC_STATUS_MAX)
			return 0;
		put_u32(&w, r->ref_gen);
		put_u8(&w, r->status);
		put_u16(&w, (uint16_t)ml);
		put(&w, r->msg, ml);
		break;
	}
	default: break;
	}
	return w.full ? 0 : w.len;
}

/* ---- reading ---- */

struct rd {
	const uint8_t *p;
	size_t len, off;
};

static bool get(struct rd *r, void *dst, size_t n)
{
	if (n > r->len - r->off)
		return false;
	if (n)
		memcpy(dst, r->p + r->off, n);
	r->off += n;
	return true;
}

static bool get_u8(struct rd *r, uint8_t *v)
{
	return get(r, v, 1);
}

static bool get_u16(struct rd *r, uint16_t *v)
{
	uint8_t b[2];
	if (!get(r, b, 2))
		return false;
	*v = (uint16_t)(b[0] << 8 | b[1]);
	return true;
}

static bool get_u32(struct rd *r, uint32_t *v)
{
	uint8_t b[4];
	if (!get(r, b, 4))
		return false;
	*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return true;
}

static enum hs_cfgsync_err get_tables(struct rd *rd, struct hs_cfgsync_rec *r)
{
	uint8_t n;
	if (!get_u8(rd, &n))
		return HS_CFGSYNC_E_TRUNCATED;
	if (n > HS_CFGSYNC_TABLES_MAX)
		return HS_CFGSYNC_E_TABLES;
	for (size_t i = 0; i < n; i++) {
		struct hs_cfgsync_table *t = &r->tables[i];
		uint8_t nl, present;
		uint32_t tl;
		if (!get_u8(rd, &nl))
			return HS_CFGSYNC_E_TRUNCATED;
		if (nl == 0 || nl >= HS_CFGSYNC_NAME_MAX)
			return HS_CFGSYNC_E_NAME;
		if (!get(rd, t->name, nl))
			return HS_CFGSYNC_E_TRUNCATED;
		t->name[nl] = '\0';
		if (!hs_cfgsync_table_name_ok(t->name))
			return HS_CFGSYNC_E_NAME;
		if (!get_u8(rd, &present) || !get_u32(rd, &tl))
			return HS_CFGSYNC_E_TRUNCATED;
		if (present > 1 || (!present && tl))
			return HS_CFGSYNC_E_PRESENT;
		if (tl > rd->len - rd->off)
			return HS_CFGSYNC_E_TRUNCATED;
		t->present = present != 0;
		t->text = (const char *)rd->p + rd->off;
		t->len = tl;
		rd->off += tl;
	}
	r->n_tables = n;
	uint8_t d[HS_CFGSYNC_DIGEST_LEN];
	hs_cfgsync_digest(r->tables, r->n_tables, d);
	return memcmp(d, r->digest, sizeof(d)) == 0 ? HS_CFGSYNC_OK : HS_CFGSYNC_E_DIGEST;
}

static enum hs_cfgsync_err get_result(struct rd *rd, struct hs_cfgsync_rec *r)
{
	uint16_t ml;
	if (!get_u32(rd, &r->ref_gen) || !get_u8(rd, &r->status) || !get_u16(rd, &ml))
		return HS_CFGSYNC_E_TRUNCATED;
	if (r->status >= HS_CFGSYNC_STATUS_MAX)
		return HS_CFGSYNC_E_STATUS;
	if (ml > rd->len - rd->off)
		return HS_CFGSYNC_E_TRUNCATED;
	/* A longer message than we keep is cut, not refused: it is for people. */
	size_t keep = ml < HS_CFGSYNC_MSG_MAX - 1 ? ml : HS_CFGSYNC_MSG_MAX - 1;
	memcpy(r->msg, rd->p + rd->off, keep);
	r->msg[keep] = '\0';
	rd->off += ml;
	return HS_CFGSYNC_OK;
}

static enum hs_cfgsync_err get_settings(struct rd *rd, struct hs_cfgsync_rec *r)
{
	uint8_t apply;
	uint32_t tl;
	if (!get_u8(rd, &apply) || !get_u32(rd, &tl))
		return HS_CFGSYNC_E_TRUNCATED;
	if (apply > 1)
		return HS_CFGSYNC_E_APPLY;
	if (tl > rd->len - rd->off)
		return HS_CFGSYNC_E_TRUNCATED;
	r->apply = apply != 0;
	r->settings = (const char *)rd->p + rd->off;
	r->settings_len = tl;
	rd->off += tl;
	uint8_t d[HS_CFGSYNC_DIGEST_LEN];
	hs_cfgsync_settings_digest(r->settings, r->settings_len, d);
	return memcmp(d, r->digest, sizeof(d)) == 0 ? HS_CFGSYNC_OK : HS_CFGSYNC_E_DIGEST;
}

static enum hs_cfgsync_err get_facts(struct rd *rd, struct hs_cfgsync_rec *r)
{
	uint32_t tl;
	if (!get_u32(rd, &tl))
		return HS_CFGSYNC_E_TRUNCATED;
	if (tl > rd->len - rd->off)
		return HS_CFGSYNC_E_TRUNCATED;
	r->facts = (const char *)rd->p + rd->off;
	r->facts_len = tl;
	rd->off += tl;
	uint8_t d[HS_CFGSYNC_DIGEST_LEN];
	hs_cfgsync_settings_digest(r->facts, r->facts_len, d);
	return memcmp(d, r->digest, sizeof(d)) == 0 ? HS_CFGSYNC_OK : HS_CFGSYNC_E_DIGEST;
}

/* The piece's place is checked against the transfer by the reassembly (cfgsync_chunk.c); here
 * only that it is a piece of something that may be whole. */
static enum hs_cfgsync_err get_chunk(struct rd *rd, struct hs_cfgsync_rec *r)
{
	if (!get_u32(rd, &r->chunk_total) || !get_u32(rd, &r->chunk_off))
		return HS_CFGSYNC_E_TRUNCATED;
	if (r->chunk_total == 0 || r->chunk_total > HS_CFGSYNC_BIG_MAX)
		return HS_CFGSYNC_E_CHUNK_SIZE;
	r->chunk = rd->p + rd->off;
	r->chunk_len = rd->len - rd->off;
	rd->off = rd->len;
	if (r->chunk_len == 0 || r->chunk_off >= r->chunk_total ||
	    r->chunk_len > r->chunk_total - r->chunk_off)
		return HS_CFGSYNC_E_CHUNK;
	return HS_CFGSYNC_OK;
}

enum hs_cfgsync_err hs_cfgsync_decode(const uint8_t *buf, size_t len, struct hs_cfgsync_rec *r)
{
	struct rd rd = { .p = buf, .len = len };
	uint8_t version;
	uint16_t flags;
	memset(r, 0, sizeof(*r));
	if (!get_u8(&rd, &version))
		return HS_CFGSYNC_E_TRUNCATED;
	if (version != HS_CFGSYNC_VERSION)
		return HS_CFGSYNC_E_VERSION;
	if (!get_u8(&rd, &r->kind) || !get_u16(&rd, &flags) || !get_u32(&rd, &r->gen) ||
	    !get(&rd, r->digest, HS_CFGSYNC_DIGEST_LEN))
		return HS_CFGSYNC_E_TRUNCATED;
	enum hs_cfgsync_err e = HS_CFGSYNC_OK;
	switch (r->kind) {
	case HS_CFGSYNC_FULL:
	case HS_CFGSYNC_REPORT: e = get_tables(&rd, r); break;
	case HS_CFGSYNC_RESULT:
	case HS_CFGSYNC_SETTINGS_RES: e = get_result(&rd, r); break;
	case HS_CFGSYNC_REQUEST: break;
	case HS_CFGSYNC_SETTINGS: e = get_settings(&rd, r); break;
	case HS_CFGSYNC_FACTS: e = get_facts(&rd, r); break;
	case HS_CFGSYNC_CHUNK: e = get_chunk(&rd, r); break;
	default: return HS_CFGSYNC_E_KIND;
	}
	if (e != HS_CFGSYNC_OK)
		return e;
	return rd.off == rd.len ? HS_CFGSYNC_OK : HS_CFGSYNC_E_TRAILING;
}
