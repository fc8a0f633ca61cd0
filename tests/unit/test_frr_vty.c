/* FRR's vty protocol (lib/frr_vty.c): the commands of an OSPF cost change, and the reader of a
 * daemon's answers, fed whole and byte by byte, with output text, a failure and a 0 code. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "frr_vty.h"

/* The NUL-separated commands of buf as one '|'-joined string. */
static void joined(const char *buf, int len, char *out, size_t outlen)
{
	size_t at = 0;
	for (int i = 0; i < len && at + 1 < outlen; i++)
		out[at++] = buf[i] ? buf[i] : '|';
	out[at] = 0;
}

static void test_cost_commands(void **state)
{
	char buf[256], text[256];
	unsigned n = 0;
	const char *const one[] = { "lan0" };
	int len = frr_vty_cost_commands(buf, sizeof(buf), one, 1, 65500, &n);
	assert_true(len > 0);
	assert_int_equal(n, 5);
	joined(buf, len, text, sizeof(text));
	assert_string_equal(text,
			    "enable|configure terminal|interface lan0|ip ospf cost 65500|end|");
	const char *const two[] = { "lan0", "lan1" };
	len = frr_vty_cost_commands(buf, sizeof(buf), two, 2, 0, &n);
	assert_int_equal(n, 7);
	joined(buf, len, text, sizeof(text));
	assert_string_equal(text, "enable|configure terminal|interface lan0|no ip ospf cost|"
				  "interface lan1|no ip ospf cost|end|");
}

static void test_cost_commands_refused(void **state)
{
	char buf[256];
	unsigned n = 99;
	const char *const bad[] = { "lan 0" }, *const slash[] = { "a/b" }, *const empty[] = { "" };
	const char *const ok[] = { "lan0" };
	assert_int_equal(frr_vty_cost_commands(buf, sizeof(buf), ok, 0, 1, &n), -EINVAL);
	assert_int_equal(frr_vty_cost_commands(buf, sizeof(buf), bad, 1, 1, &n), -EINVAL);
	assert_int_equal(frr_vty_cost_commands(buf, sizeof(buf), slash, 1, 1, &n), -EINVAL);
	assert_int_equal(frr_vty_cost_commands(buf, sizeof(buf), empty, 1, 1, &n), -EINVAL);
	assert_int_equal(frr_vty_cost_commands(buf, sizeof(buf), ok, 1, 65536, &n), -EINVAL);
	assert_int_equal(frr_vty_cost_commands(buf, sizeof(buf), ok, 1, -1, &n), -EINVAL);
	/* Too small for the last command: refused, the count untouched. */
	assert_int_equal(frr_vty_cost_commands(buf, 40, ok, 1, 65500, &n), -ENOSPC);
	assert_int_equal(n, 99);
}

/* Five answers as ospfd sends them: the second with output, the fourth a warning (code 1). */
static const char answers_text[] = "\0\0\0\0"
				   "ok\n\0\0\0\0"
				   "\0\0\0\0"
				   "% no\n\0\0\0\1"
				   "\0\0\0\0";
#define answers     ((const uint8_t *)answers_text)
#define ANSWERS_LEN (sizeof(answers_text) - 1)

static void test_reader_whole(void **state)
{
	struct frr_vty_reader r;
	frr_vty_reader_init(&r);
	assert_int_equal(frr_vty_feed(&r, answers, ANSWERS_LEN), 5);
	assert_int_equal(r.failed, 1);
	assert_int_equal(r.first_code, 1);
	assert_int_equal(r.first_bad, 3);
}

static void test_reader_bytewise(void **state)
{
	struct frr_vty_reader r;
	frr_vty_reader_init(&r);
	unsigned seen = 0;
	for (size_t i = 0; i < ANSWERS_LEN; i++) {
		unsigned now = frr_vty_feed(&r, answers + i, 1);
		assert_true(now == seen || now == seen + 1); /* one answer at most per byte */
		seen = now;
	}
	assert_int_equal(seen, 5);
	assert_int_equal(r.failed, 1);
	assert_int_equal(r.first_bad, 3);
	/* An answer cut before its code is not counted. */
	frr_vty_reader_init(&r);
	assert_int_equal(frr_vty_feed(&r, answers, 3), 0);
	assert_int_equal(frr_vty_feed(&r, answers + 3, 1), 1);
	assert_int_equal(r.failed, 0);
	assert_int_equal(r.first_code, FRR_VTY_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cost_commands),
		cmocka_unit_test(test_cost_commands_refused),
		cmocka_unit_test(test_reader_whole),
		cmocka_unit_test(test_reader_bytewise),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
