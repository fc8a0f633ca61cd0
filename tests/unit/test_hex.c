/* Hex text (lib/hex.h): both ways, and every way a text can be refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hex.h"

static void test_round_trip(void **state)
{
	(void)state;
	const uint8_t in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	char text[2 * sizeof(in) + 1];
	uint8_t out[sizeof(in)];
	hs_hex(in, sizeof(in), text);
	assert_string_equal(text, "00017f80abff");
	assert_int_equal(hs_unhex(text, out, sizeof(out)), sizeof(in));
	assert_memory_equal(out, in, sizeof(in));
	assert_int_equal(hs_unhex("ABff", out, sizeof(out)), 2); /* either case */
	assert_int_equal(out[0], 0xab);
	hs_hex(in, 0, text);
	assert_string_equal(text, "");
	assert_int_equal(hs_unhex("", out, sizeof(out)), 0);
}

static void test_refused(void **state)
{
	(void)state;
	uint8_t out[4];
	assert_int_equal(hs_unhex("abc", out, sizeof(out)), -1);        /* odd length */
	assert_int_equal(hs_unhex("0g", out, sizeof(out)), -1);         /* not hex */
	assert_int_equal(hs_unhex("g0", out, sizeof(out)), -1);
	assert_int_equal(hs_unhex(" 0", out, sizeof(out)), -1);
	assert_int_equal(hs_unhex("0011223344", out, sizeof(out)), -1); /* 5 bytes in 4 */
	assert_int_equal(hs_unhex("00112233", out, sizeof(out)), 4);    /* exactly 4 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
