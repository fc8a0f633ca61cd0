/* Config sync's part of hrpd's hot-restart snapshot (lib/cfgsync_hot_codec.c): a set, a
 * result, digests, 64-bit values, counters and ages round-trip; what does not check out is taken
 * as absent, never half-read; a newer writer's extra counters and fields are skipped. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cfgsync_hot_codec.h"

static void fill(uint8_t *d, uint8_t seed)
{
	for (size_t i = 0; i < HS_CFGSYNC_DIGEST_LEN; i++)
		d[i] = (uint8_t)(seed + 37 * i);
}

static void test_digest_roundtrip(void **state)
{
	uint8_t d[HS_CFGSYNC_DIGEST_LEN], back[HS_CFGSYNC_DIGEST_LEN];
	fill(d, 0xf0);
	json_t *o = json_pack("{s:o}", "d", hrpd_cfg_hot_digest(d));
	assert_true(hrpd_cfg_hot_get_digest(o, "d", back));
	assert_memory_equal(d, back, sizeof(d));
	json_decref(o);
}

static void test_digest_bad_untouched(void **state)
{
	uint8_t back[HS_CFGSYNC_DIGEST_LEN];
	memset(back, 0xaa, sizeof(back));
	char odd[2 * HS_CFGSYNC_DIGEST_LEN + 1];
	memset(odd, '0', sizeof(odd) - 1);
	odd[sizeof(odd) - 1] = '\0';
	odd[5] = 'z'; /* not hex */
	json_t *o = json_pack("{s:s, s:s, s:i}", "short", "abcd", "odd", odd, "int", 5);
	assert_false(hrpd_cfg_hot_get_digest(o, "short", back));
	assert_false(hrpd_cfg_hot_get_digest(o, "odd", back));
	assert_false(hrpd_cfg_hot_get_digest(o, "int", back));
	assert_false(hrpd_cfg_hot_get_digest(o, "missing", back));
	for (size_t i = 0; i < sizeof(back); i++)
		assert_int_equal(back[i], 0xaa);
	json_decref(o);
}

static void test_u64_and_u32(void **state)
{
	uint64_t v = 0;
	json_t *o = json_pack("{s:o, s:s, s:s, s:i, s:i, s:I}", "e",
			      hrpd_cfg_hot_u64(0xfe588a936c1276a3ull), "bad", "12x", "long",
			      "11112222333344445", "n", 7, "neg", -1, "big", (json_int_t)1 << 33);
	assert_true(hrpd_cfg_hot_get_u64(o, "e", &v));
	assert_true(v == 0xfe588a936c1276a3ull);
	assert_false(hrpd_cfg_hot_get_u64(o, "bad", &v));
	assert_false(hrpd_cfg_hot_get_u64(o, "long", &v));
	assert_false(hrpd_cfg_hot_get_u64(o, "n", &v));
	assert_true(v == 0xfe588a936c1276a3ull); /* untouched by the failures */
	assert_int_equal(hrpd_cfg_hot_get_u32(o, "n", 9), 7);
	assert_int_equal(hrpd_cfg_hot_get_u32(o, "neg", 9), 9);
	assert_int_equal(hrpd_cfg_hot_get_u32(o, "big", 9), 9);
	assert_int_equal(hrpd_cfg_hot_get_u32(o, "e", 9), 9);
	json_decref(o);
}

static void test_counters_newer_and_older(void **state)
{
	uint64_t c[3] = { 1, 2, 3 }, back[4] = { 0 }, fewer[2] = { 0 };
	json_t *o = json_pack("{s:o}", "c", hrpd_cfg_hot_counters(c, 3));
	hrpd_cfg_hot_get_counters(o, "c", back, 4); /* a reader that counts more */
	assert_true(back[0] == 1 && back[1] == 2 && back[2] == 3 && back[3] == 0);
	hrpd_cfg_hot_get_counters(o, "c", fewer, 2); /* one that counts less */
	assert_true(fewer[0] == 1 && fewer[1] == 2);
	json_array_set_new(json_object_get(o, "c"), 1, json_string("x"));
	uint64_t again[3] = { 9, 9, 9 };
	hrpd_cfg_hot_get_counters(o, "c", again, 3);
	assert_true(again[0] == 1 && again[1] == 9 && again[2] == 3);
	json_decref(o);
}

static void test_age_across_processes(void **state)
{
	/* The old process's uptime 50000 ms, the event at 48000: 2000 ms old. The new process
	 * is 30 ms up: the event is before its start, and its age stays 2000 (+ the handover). */
	json_t *a = hrpd_cfg_hot_age(50000, 48000);
	assert_int_equal(json_integer_value(a), 2000);
	json_t *o = json_pack("{s:o}", "age_ms", a);
	uint64_t at = hrpd_cfg_hot_get_at(30, o, "age_ms");
	assert_true((uint64_t)(30 - at) == 2000);
	json_decref(o);
}

static void test_result_roundtrip(void **state)
{
	struct hrpd_cfg_result r = {
		.have = true, .gen = 42, .status = HS_CFGSYNC_REVERTED, .at_ms = 9000
	};
	snprintf(r.msg, sizeof(r.msg), "master silent");
	json_t *o = json_pack("{s:o, s:o}", "r", hrpd_cfg_hot_result(10000, &r), "none",
			      hrpd_cfg_hot_result(10000, &(struct hrpd_cfg_result){ 0 }));
	assert_true(json_is_null(json_object_get(o, "none")));
	struct hrpd_cfg_result back = { 0 }, none = { 0 };
	hrpd_cfg_hot_get_result(5000, o, "r", &back);
	assert_true(back.have);
	assert_int_equal(back.gen, 42);
	assert_int_equal(back.status, HS_CFGSYNC_REVERTED);
	assert_string_equal(back.msg, "master silent");
	assert_int_equal(back.at_ms, 4000);
	/* younger than the new process: shown from its start, not wrapped */
	hrpd_cfg_hot_get_result(100, o, "r", &back);
	assert_int_equal(back.at_ms, 0);
	hrpd_cfg_hot_get_result(5000, o, "none", &none);
	assert_false(none.have);
	/* a status this reader does not know: no result */
	json_object_set_new(json_object_get(o, "r"), "status", json_integer(HS_CFGSYNC_STATUS_MAX));
	hrpd_cfg_hot_get_result(5000, o, "r", &none);
	assert_false(none.have);
	json_decref(o);
}

static void make_set(struct hrpd_cfg_set *s)
{
	memset(s, 0, sizeof(*s));
	s->n = 2;
	snprintf(s->t[0].name, sizeof(s->t[0].name), "inet hslab_fw");
	s->t[0].present = true;
	s->t[0].text = strdup("table inet hslab_fw {\n\tchain input {\n\t}\n}\n");
	s->t[0].len = strlen(s->t[0].text);
	snprintf(s->t[1].name, sizeof(s->t[1].name), "ip nat");
	s->t[1].present = false;
	fill(s->digest, 3);
}

static void test_set_roundtrip(void **state)
{
	struct hrpd_cfg_set s, back = { 0 };
	make_set(&s);
	json_t *o = hrpd_cfg_hot_set(&s);
	json_object_set_new(o, "from_a_newer_writer", json_true()); /* skipped */
	assert_int_equal(hrpd_cfg_hot_get_set(o, &back), 0);
	assert_int_equal(back.n, 2);
	assert_string_equal(back.t[0].name, "inet hslab_fw");
	assert_true(back.t[0].present);
	assert_int_equal(back.t[0].len, s.t[0].len);
	assert_memory_equal(back.t[0].text, s.t[0].text, s.t[0].len);
	assert_string_equal(back.t[1].name, "ip nat");
	assert_false(back.t[1].present);
	assert_null(back.t[1].text);
	assert_memory_equal(back.digest, s.digest, HS_CFGSYNC_DIGEST_LEN);
	json_decref(o);
	hrpd_cfg_set_clear(&back);
	hrpd_cfg_set_clear(&s);
}

static void test_set_bad_is_cleared(void **state)
{
	struct hrpd_cfg_set s, back = { 0 };
	make_set(&s);
	/* a present table without its text */
	json_t *o = hrpd_cfg_hot_set(&s);
	json_object_del(json_array_get(json_object_get(o, "tables"), 0), "text");
	assert_int_equal(hrpd_cfg_hot_get_set(o, &back), -EINVAL);
	assert_int_equal(back.n, 0);
	json_decref(o);
	/* no digest */
	o = hrpd_cfg_hot_set(&s);
	json_object_del(o, "digest");
	assert_int_equal(hrpd_cfg_hot_get_set(o, &back), -EINVAL);
	json_decref(o);
	/* a table without a name, after a good one: nothing half-read */
	o = hrpd_cfg_hot_set(&s);
	json_object_set_new(json_array_get(json_object_get(o, "tables"), 1), "name",
			    json_integer(1));
	assert_int_equal(hrpd_cfg_hot_get_set(o, &back), -EINVAL);
	assert_int_equal(back.n, 0);
	assert_null(back.t[0].text);
	json_decref(o);
	/* more tables than a set holds */
	o = hrpd_cfg_hot_set(&s);
	json_t *tables = json_object_get(o, "tables");
	while (json_array_size(tables) <= HS_CFGSYNC_TABLES_MAX)
		json_array_append_new(tables,
				      json_pack("{s:s, s:b}", "name", "ip x", "present", 0));
	assert_int_equal(hrpd_cfg_hot_get_set(o, &back), -EINVAL);
	json_decref(o);
	/* not an object at all */
	assert_int_equal(hrpd_cfg_hot_get_set(NULL, &back), -EINVAL);
	hrpd_cfg_set_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_roundtrip),
		cmocka_unit_test(test_digest_bad_untouched),
		cmocka_unit_test(test_u64_and_u32),
		cmocka_unit_test(test_counters_newer_and_older),
		cmocka_unit_test(test_age_across_processes),
		cmocka_unit_test(test_result_roundtrip),
		cmocka_unit_test(test_set_roundtrip),
		cmocka_unit_test(test_set_bad_is_cleared),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
