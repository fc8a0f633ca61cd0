/* Config sync's chunks (lib/cfgsync_chunk.c): a full set too large for one record is split and
 * put back together byte for byte; a piece out of place, a corrupted piece, a piece of a size
 * that cannot be and a transfer replaced before its end are each refused with their reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cfgsync_core.h"

/* A table with one named set of n addresses, as nft prints a big one. */
static char *big_table(size_t n, size_t *len)
{
	size_t cap = 64 + n * 24;
	char *t = malloc(cap);
	size_t o = (size_t)snprintf(t, cap,
				    "table inet big {\n\tset many {\n\t\ttype ipv4_addr\n"
				    "\t\telements = { ");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(t + o, cap - o, "10.%zu.%zu.%zu%s", (i >> 16) & 255,
				      (i >> 8) & 255, i & 255,
				      i + 1 < n ? ",\n\t\t\t     " : " }\n");
	o += (size_t)snprintf(t + o, cap - o, "\t}\n}\n");
	*len = o;
	return t;
}

/* The full set of one big table, encoded: *len bytes. */
static uint8_t *big_record(size_t n_elems, size_t *len, char **text)
{
	struct hs_cfgsync_rec r = { .kind = HS_CFGSYNC_FULL, .gen = 7, .n_tables = 1 };
	size_t tl;
	*text = big_table(n_elems, &tl);
	snprintf(r.tables[0].name, sizeof(r.tables[0].name), "inet big");
	r.tables[0].present = true;
	r.tables[0].text = *text;
	r.tables[0].len = tl;
	hs_cfgsync_digest(r.tables, 1, r.digest);
	*len = hs_cfgsync_encoded_len(&r);
	assert_true(*len > HS_CFGSYNC_REC_MAX);
	uint8_t *buf = malloc(*len);
	assert_int_equal(hs_cfgsync_encode(&r, buf, *len), *len);
	return buf;
}

/* Chunk i of whole, decoded. */
static void chunk_of(const uint8_t *whole, size_t len, uint32_t id, size_t i, uint8_t *buf,
		     struct hs_cfgsync_rec *r)
{
	size_t n = hs_cfgsync_chunk_encode(whole, len, id, i, buf, HS_CFGSYNC_REC_MAX);
	assert_true(n > 0 && n <= HS_CFGSYNC_REC_MAX);
	assert_int_equal(hs_cfgsync_decode(buf, n, r), HS_CFGSYNC_OK);
	assert_int_equal(r->kind, HS_CFGSYNC_CHUNK);
}

static void a_20k_element_set_goes_in_chunks_and_comes_back_whole(void **state)
{
	size_t len;
	char *text;
	uint8_t *whole = big_record(20000, &len, &text);
	size_t count = hs_cfgsync_chunk_count(len);
	assert_true(count >= 2);
	assert_int_equal(hs_cfgsync_chunk_encode(whole, len, 1, count, NULL, 0), 0);

	struct hs_cfgsync_reasm ra = { 0 };
	uint8_t *buf = malloc(HS_CFGSYNC_REC_MAX);
	const uint8_t *got = NULL;
	size_t got_len = 0;
	for (size_t i = 0; i < count; i++) {
		struct hs_cfgsync_rec r;
		bool abandoned;
		enum hs_cfgsync_err err;
		chunk_of(whole, len, 1, i, buf, &r);
		enum hs_cfgsync_reasm_step s =
			hs_cfgsync_reasm_feed(&ra, &r, &got, &got_len, &abandoned, &err);
		assert_false(abandoned);
		assert_int_equal(s, i + 1 < count ? HS_REASM_MORE : HS_REASM_DONE);
	}
	assert_int_equal(got_len, len);
	assert_memory_equal(got, whole, len);

	struct hs_cfgsync_rec *full = calloc(1, sizeof(*full));
	assert_int_equal(hs_cfgsync_decode(got, got_len, full), HS_CFGSYNC_OK);
	assert_int_equal(full->kind, HS_CFGSYNC_FULL);
	assert_int_equal(full->tables[0].len, strlen(text));
	assert_memory_equal(full->tables[0].text, text, strlen(text));
	free(full);
	hs_cfgsync_reasm_reset(&ra);
	free(buf);
	free(whole);
	free(text);
}

static void a_piece_out_of_place_drops_the_transfer(void **state)
{
	size_t len;
	char *text;
	uint8_t *whole = big_record(20000, &len, &text), *buf = malloc(HS_CFGSYNC_REC_MAX);
	struct hs_cfgsync_reasm ra = { 0 };
	struct hs_cfgsync_rec r;
	const uint8_t *got;
	size_t got_len;
	bool abandoned;
	enum hs_cfgsync_err err;

	/* a transfer that starts in the middle */
	chunk_of(whole, len, 1, 1, buf, &r);
	assert_int_equal(hs_cfgsync_reasm_feed(&ra, &r, &got, &got_len, &abandoned, &err),
			 HS_REASM_ERROR);
	assert_int_equal(err, HS_CFGSYNC_E_CHUNK);

	/* a piece skipped: dropped, and what follows has nothing to continue */
	chunk_of(whole, len, 1, 0, buf, &r);
	assert_int_equal(hs_cfgsync_reasm_feed(&ra, &r, &got, &got_len, &abandoned, &err),
			 HS_REASM_MORE);
	chunk_of(whole, len, 1, 2, buf, &r);
	assert_int_equal(hs_cfgsync_reasm_feed(&ra, &r, &got, &got_len, &abandoned, &err),
			 HS_REASM_ERROR);
	assert_int_equal(err, HS_CFGSYNC_E_CHUNK);
	assert_false(ra.active);

	/* a piece of another transfer (another id) in the middle */
	chunk_of(whole, len, 1, 0, buf, &r);
	hs_cfgsync_reasm_feed(&ra, &r, &got, &got_len, &abandoned, &err);
	chunk_of(whole, len, 2, 1, buf, &r);
	assert_int_equal(hs_cfgsync_reasm_feed(&ra, &r, &got, &got_len, &abandoned, &err),
			 HS_REASM_ERROR);
	assert_int_equal(err, HS_CFGSYNC_E_CHUNK);

	/* a record that is not a chunk */
	struct hs_cfgsync_rec req = { .kind = HS_CFGSYNC_REQUEST };
	assert_int_equal(hs_cfgsync_reasm_feed(&ra, &req, &got, &got_len, &abandoned, &err),
			 HS_REASM_ERROR);
	assert_int_equal(err, HS_CFGSYNC_E_KIND);
	free(buf);
	free(whole);
	free(text);
}

static void a_new_transfer_abandons_the_unfinished_one(void **state)
{
	size_t len;
	char *text;
	uint8_t *whole = big_record(20000, &len, &text), *buf = malloc(HS_CFGSYNC_REC_MAX);
	size_t count = hs_cfgsync_chunk_count(len);
	struct hs_cfgsync_reasm ra = { 0 };
	struct hs_cfgsync_rec r;
	const uint8_t *got = NULL;
	size_t got_len = 0;
	bool abandoned;
	enum hs_cfgsync_err err;

	chunk_of(whole, len, 1, 0, buf, &r);
	hs_cfgsync_reasm_feed(&ra, &r, &got, &got_len, &abandoned, &err);
	enum hs_cfgsync_reasm_step s = HS_REASM_ERROR;
	for (size_t i = 0; i < count; i++) {
		chunk_of(whole, len, 2, i, buf, &r);
		s = hs_cfgsync_reasm_feed(&ra, &r, &got, &got_len, &abandoned, &err);
		assert_int_equal(abandoned, i == 0);
	}
	assert_int_equal(s, HS_REASM_DONE);
	assert_memory_equal(got, whole, len);
	/* done: a reset finds nothing under way */
	assert_false(hs_cfgsync_reasm_reset(&ra));
	free(buf);
	free(whole);
	free(text);
}

static void a_corrupted_piece_fails_the_whole_digest(void **state)
{
	size_t len;
	char *text;
	uint8_t *whole = big_record(20000, &len, &text), *buf = malloc(HS_CFGSYNC_REC_MAX);
	size_t count = hs_cfgsync_chunk_count(len);
	struct hs_cfgsync_reasm ra = { 0 };
	struct hs_cfgsync_rec r;
	const uint8_t *got;
	size_t got_len;
	bool abandoned;
	enum hs_cfgsync_err err = HS_CFGSYNC_OK;
	enum hs_cfgsync_reasm_step s = HS_REASM_MORE;
	for (size_t i = 0; i < count; i++) {
		size_t n = hs_cfgsync_chunk_encode(whole, len, 3, i, buf, HS_CFGSYNC_REC_MAX);
		if (i == 1)
			buf[n - 1] ^= 0x20;
		assert_int_equal(hs_cfgsync_decode(buf, n, &r), HS_CFGSYNC_OK);
		s = hs_cfgsync_reasm_feed(&ra, &r, &got, &got_len, &abandoned, &err);
	}
	assert_int_equal(s, HS_REASM_ERROR);
	assert_int_equal(err, HS_CFGSYNC_E_DIGEST);
	assert_false(ra.active);
	free(buf);
	free(whole);
	free(text);
}

static void impossible_sizes_are_refused_by_the_decoder(void **state)
{
	uint8_t piece[4] = { 1, 2, 3, 4 }, buf[128];
	struct hs_cfgsync_rec r = { .kind = HS_CFGSYNC_CHUNK, .chunk = piece, .chunk_len = 4 };
	struct hs_cfgsync_rec back;
	struct {
		uint32_t total, off;
		enum hs_cfgsync_err want;
	} cases[] = {
		{ 0, 0, HS_CFGSYNC_E_CHUNK_SIZE },
		{ HS_CFGSYNC_BIG_MAX + 1u, 0, HS_CFGSYNC_E_CHUNK_SIZE },
		{ 3, 0, HS_CFGSYNC_E_CHUNK },   /* the piece runs past the end */
		{ 10, 10, HS_CFGSYNC_E_CHUNK }, /* starts at the end */
		{ 10, 6, HS_CFGSYNC_OK },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r.chunk_total = cases[i].total;
		r.chunk_off = cases[i].off;
		size_t n = hs_cfgsync_encode(&r, buf, sizeof(buf));
		assert_int_equal(n, HS_CFGSYNC_CHUNK_HDR + 4);
		assert_int_equal(hs_cfgsync_decode(buf, n, &back), cases[i].want);
		/* without its offset field it is cut short */
		assert_int_equal(hs_cfgsync_decode(buf, HS_CFGSYNC_HDR_LEN + 6, &back),
				 HS_CFGSYNC_E_TRUNCATED);
	}
	/* an empty piece is neither written nor read */
	r.chunk_len = 0;
	r.chunk_total = 10;
	r.chunk_off = 0;
	assert_int_equal(hs_cfgsync_encode(&r, buf, sizeof(buf)), 0);
	r.chunk_len = 4;
	size_t n = hs_cfgsync_encode(&r, buf, sizeof(buf));
	assert_int_equal(hs_cfgsync_decode(buf, n - 4, &back), HS_CFGSYNC_E_CHUNK);
	assert_string_equal(hs_cfgsync_err_name(HS_CFGSYNC_E_ABANDONED), "chunk-abandoned");
}

static void chunk_counts_at_the_edges(void **state)
{
	assert_int_equal(hs_cfgsync_chunk_count(0), 0);
	assert_int_equal(hs_cfgsync_chunk_count(1), 1);
	assert_int_equal(hs_cfgsync_chunk_count(HS_CFGSYNC_CHUNK_DATA), 1);
	assert_int_equal(hs_cfgsync_chunk_count(HS_CFGSYNC_CHUNK_DATA + 1), 2);
	assert_int_equal(hs_cfgsync_chunk_count(HS_CFGSYNC_BIG_MAX + 1u), 0);
	assert_true(HS_CFGSYNC_CHUNK_HDR + HS_CFGSYNC_CHUNK_DATA == HS_CFGSYNC_REC_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_20k_element_set_goes_in_chunks_and_comes_back_whole),
		cmocka_unit_test(a_piece_out_of_place_drops_the_transfer),
		cmocka_unit_test(a_new_transfer_abandons_the_unfinished_one),
		cmocka_unit_test(a_corrupted_piece_fails_the_whole_digest),
		cmocka_unit_test(impossible_sizes_are_refused_by_the_decoder),
		cmocka_unit_test(chunk_counts_at_the_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
