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

/* What a previous vgmpd left: ospfd's running configuration, read back. */
static void test_config_commands(void **state)
{
	char buf[64];
	unsigned n = 0;
	int len = frr_vty_config_commands(buf, sizeof(buf), &n);
	static const char want[] = "enable\0show running-config";
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(n, 2);
	assert_int_equal(frr_vty_config_commands(buf, 10, &n), -ENOSPC);
}

/* The output of the second command kept, pieces or whole; what does not fit is cut. */
static void test_reader_keeps_output(void **state)
{
	static const char text[] = "\0\0\0\0"
				   "line 1\nline 2\n\0\0\0\0";
	const uint8_t *p = (const uint8_t *)text;
	size_t len = sizeof(text) - 1;
	char out[64];
	struct frr_vty_reader r;
	frr_vty_reader_init(&r);
	frr_vty_reader_keep(&r, 1, out, sizeof(out));
	unsigned got = 0;
	for (size_t i = 0; i < len; i++)
		got = frr_vty_feed(&r, p + i, 1);
	assert_int_equal(got, 2);
	assert_string_equal(out, "line 1\nline 2\n");
	assert_false(r.text_cut);
	char small[5];
	frr_vty_reader_init(&r);
	frr_vty_reader_keep(&r, 1, small, sizeof(small));
	assert_int_equal(frr_vty_feed(&r, p, len), 2);
	assert_string_equal(small, "line");
	assert_true(r.text_cut);
	/* The first command's output is not kept. */
	static const char first[] = "ok\n\0\0\0\0\0\0\0\0";
	frr_vty_reader_init(&r);
	frr_vty_reader_keep(&r, 1, out, sizeof(out));
	frr_vty_feed(&r, (const uint8_t *)first, sizeof(first) - 1);
	assert_string_equal(out, "");
}

/* FRR 8.4's `show running-config` in ospfd, as the lab's fw2 has it with its cost raised. */
static const char running[] = "Building configuration...\n\nCurrent configuration:\n!\n"
			      "frr version 8.4.4\nfrr defaults traditional\nhostname fw2\n"
			      "log file /tmp/x/ospfd.log\nservice integrated-vtysh-config\n!\n"
			      "interface lan0\n ip ospf area 0\n ip ospf cost 65500\n"
			      " ip ospf passive\nexit\n!\n"
			      "interface lan01\n ip ospf cost 7\nexit\n!\n"
			      "interface up0\n ip ospf area 0\n ip ospf bfd\n"
			      " ip ospf cost 30 198.51.100.2\n ip ospf dead-interval 4\n"
			      "exit\n!\nrouter ospf\n ospf router-id 198.51.100.2\nexit\n!\nend\n";

static void test_config_cost(void **state)
{
	assert_int_equal(frr_ospf_config_cost(running, "lan0"), 65500);
	assert_int_equal(frr_ospf_config_cost(running, "lan01"), 7);
	/* a per-address cost is not the interface's */
	assert_int_equal(frr_ospf_config_cost(running, "up0"), 0);
	/* no block: FRR's own cost */
	assert_int_equal(frr_ospf_config_cost(running, "lan9"), 0);
	assert_int_equal(frr_ospf_config_cost("interface lan0\n ip ospf area 0\nexit\n", "lan0"),
			 0);
	/* a cost outside the block (the next one) is not taken; the last line without '\n' is */
	assert_int_equal(
		frr_ospf_config_cost("interface lan0\n!\ninterface x\n ip ospf cost 9\n", "lan0"),
		0);
	assert_int_equal(frr_ospf_config_cost("interface lan0 vrf red\n ip ospf cost 12", "lan0"),
			 12);
	assert_int_equal(frr_ospf_config_cost(" ip ospf cost 3\n", "lan0"), 0);
	assert_int_equal(frr_ospf_config_cost("interface lan0\n ip ospf cost 0\n", "lan0"), 0);
	assert_int_equal(frr_ospf_config_cost("interface lan0\n ip ospf cost 70000\n", "lan0"), 0);
	assert_int_equal(frr_ospf_config_cost("", "lan0"), 0);
	assert_int_equal(frr_ospf_config_cost(NULL, "lan0"), -EINVAL);
	assert_int_equal(frr_ospf_config_cost(running, "a b"), -EINVAL);
	assert_int_equal(frr_ospf_config_cost(running, ""), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cost_commands),
		cmocka_unit_test(test_cost_commands_refused),
		cmocka_unit_test(test_reader_whole),
		cmocka_unit_test(test_reader_bytewise),
		cmocka_unit_test(test_config_commands),
		cmocka_unit_test(test_reader_keeps_output),
		cmocka_unit_test(test_config_cost),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
