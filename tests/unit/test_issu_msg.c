/* The pair upgrade's "issu" message (lib/issu_msg.c) and the registry line of `hrpd --version`
 * (lib/issu_query.c): round trips of each op, every drop reason, the body checked against the
 * registry entry, and the registry read back from a --version text. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hrp_registry.h"
#include "hrp_test_version.h"
#include "issu_msg.h"
#include "issu_query.h"
#include "issu_send.h"
#include "issu_stage.h"

static uint8_t buf[8192];

/* Builds m; returns the body length and points *body at it. */
static size_t build(const struct issu_msg *m, const uint8_t **body)
{
	struct hrp_builder b;
	hrp_msg_begin(&b, buf, sizeof(buf), HRP_MSG_ISSU, 0);
	assert_int_equal(issu_msg_put(&b, m), 0);
	*body = buf + HRP_HDR_LEN;
	return b.len - HRP_HDR_LEN;
}

static void check_body(const uint8_t *body, size_t len)
{
	unsigned unknown = 0;
	uint16_t bad = 0;
	enum hrp_drop why = HRP_DROP_NONE;
	assert_int_equal(
		hrp_body_check(hrp_msg_info(HRP_MSG_ISSU), body, len, &unknown, &bad, &why), 0);
	assert_int_equal(unknown, 0);
}

static void ask_round_trip(void **state)
{
	(void)state;
	struct issu_msg m = { .op = ISSU_MSG_ASK,
			      .id = 0xdeadbeef,
			      .step = ISSU_STEP_HOT_RESTART,
			      .daemon = ISSU_D_VGMPD,
			      .bin = ISSU_BIN_NEW };
	snprintf(m.text, sizeof(m.text), "/opt/hotstandby-1.4/sbin");
	const uint8_t *body;
	size_t len = build(&m, &body);
	check_body(body, len);
	struct issu_msg got;
	enum issu_msg_drop why = ISSU_DROP_MAX;
	assert_int_equal(issu_msg_get(body, len, &got, &why), 0);
	assert_int_equal(why, ISSU_DROP_NONE);
	assert_int_equal(got.op, ISSU_MSG_ASK);
	assert_int_equal(got.id, 0xdeadbeef);
	assert_int_equal(got.step, ISSU_STEP_HOT_RESTART);
	assert_int_equal(got.daemon, ISSU_D_VGMPD);
	assert_int_equal(got.bin, ISSU_BIN_NEW);
	assert_string_equal(got.text, "/opt/hotstandby-1.4/sbin");
	assert_null(got.record);
}

static void answer_and_record_round_trip(void **state)
{
	(void)state;
	struct issu_msg m = { .op = ISSU_MSG_ANSWER, .id = 7, .status = ISSU_MSG_FAILED };
	snprintf(m.text, sizeof(m.text), "hot restart refused: try again");
	const uint8_t *body;
	size_t len = build(&m, &body);
	check_body(body, len);
	struct issu_msg got;
	enum issu_msg_drop why;
	assert_int_equal(issu_msg_get(body, len, &got, &why), 0);
	assert_int_equal(got.status, ISSU_MSG_FAILED);
	assert_string_equal(got.text, "hot restart refused: try again");

	static const char rec[] = "{\"format\": \"hotstandby-issu\"}";
	struct issu_msg r = { .op = ISSU_MSG_RECORD,
			      .id = 8,
			      .record = (const uint8_t *)rec,
			      .record_len = strlen(rec) };
	len = build(&r, &body);
	check_body(body, len);
	assert_int_equal(issu_msg_get(body, len, &got, &why), 0);
	assert_int_equal(got.op, ISSU_MSG_RECORD);
	assert_int_equal(got.record_len, strlen(rec));
	assert_memory_equal(got.record, rec, strlen(rec));
}

/* A body of raw TLVs. */
static size_t raw(uint8_t *out, const uint8_t *tlvs, size_t n)
{
	memcpy(out, tlvs, n);
	return n;
}

static void expect_drop(const uint8_t *body, size_t len, enum issu_msg_drop want)
{
	struct issu_msg got = { .id = 99 };
	enum issu_msg_drop why = ISSU_DROP_NONE;
	assert_int_equal(issu_msg_get(body, len, &got, &why), -EBADMSG);
	assert_int_equal(why, want);
	assert_int_equal(got.id, 99); /* untouched */
}

#define OP(v)         0, 26, 0, 1, (v)
#define ID            0, 27, 0, 4, 0, 0, 0, 1
#define STEP(k, d, b) 0, 28, 0, 3, (k), (d), (b)
#define STATUS(v)     0, 29, 0, 1, (v)
#define TEXT1         0, 30, 0, 1, 'x'

static void every_drop_reason(void **state)
{
	(void)state;
	uint8_t b[128];
	const uint8_t no_op[] = { ID };
	expect_drop(b, raw(b, no_op, sizeof(no_op)), ISSU_DROP_MALFORMED);
	const uint8_t short_id[] = { OP(1), 0, 27, 0, 2, 0, 1 };
	expect_drop(b, raw(b, short_id, sizeof(short_id)), ISSU_DROP_MALFORMED);
	const uint8_t past_end[] = { OP(1), ID, 0, 30, 0, 9, 'a' };
	expect_drop(b, raw(b, past_end, sizeof(past_end)), ISSU_DROP_MALFORMED);
	const uint8_t bad_op[] = { OP(9), ID };
	expect_drop(b, raw(b, bad_op, sizeof(bad_op)), ISSU_DROP_OP);
	const uint8_t zero_op[] = { OP(0), ID };
	expect_drop(b, raw(b, zero_op, sizeof(zero_op)), ISSU_DROP_OP);
	const uint8_t no_step[] = { OP(1), ID, TEXT1 };
	expect_drop(b, raw(b, no_step, sizeof(no_step)), ISSU_DROP_NO_STEP);
	const uint8_t bad_kind[] = { OP(1), ID, STEP(7, 0, 0), TEXT1 };
	expect_drop(b, raw(b, bad_kind, sizeof(bad_kind)), ISSU_DROP_STEP);
	const uint8_t bad_daemon[] = { OP(1), ID, STEP(1, 3, 0), TEXT1 };
	expect_drop(b, raw(b, bad_daemon, sizeof(bad_daemon)), ISSU_DROP_STEP);
	const uint8_t bad_bin[] = { OP(1), ID, STEP(1, 0, 3), TEXT1 };
	expect_drop(b, raw(b, bad_bin, sizeof(bad_bin)), ISSU_DROP_STEP);
	const uint8_t no_path[] = { OP(1), ID, STEP(2, 0, 0) };
	expect_drop(b, raw(b, no_path, sizeof(no_path)), ISSU_DROP_NO_PATH);
	const uint8_t no_status[] = { OP(2), ID };
	expect_drop(b, raw(b, no_status, sizeof(no_status)), ISSU_DROP_NO_STATUS);
	const uint8_t bad_status[] = { OP(2), ID, STATUS(4) };
	expect_drop(b, raw(b, bad_status, sizeof(bad_status)), ISSU_DROP_STATUS);
	const uint8_t no_record[] = { OP(3), ID };
	expect_drop(b, raw(b, no_record, sizeof(no_record)), ISSU_DROP_NO_RECORD);
	const uint8_t nul_text[] = { OP(2), ID, STATUS(1), 0, 30, 0, 2, 'a', 0 };
	expect_drop(b, raw(b, nul_text, sizeof(nul_text)), ISSU_DROP_TEXT);

	/* a handover needs no directory; unknown TLVs are skipped */
	const uint8_t handover[] = { OP(1), ID, 0x12, 0x34, 0, 1, 0xff, STEP(3, 1, 0) };
	struct issu_msg got;
	enum issu_msg_drop why;
	assert_int_equal(issu_msg_get(handover, sizeof(handover), &got, &why), 0);
	assert_int_equal(got.step, ISSU_STEP_HANDOVER);
	assert_string_equal(got.text, "");
	/* the cold mode's switchover (a release) is a step of its own; the next kind is unknown */
	const uint8_t release[] = { OP(1), ID, STEP(5, 1, 0) };
	assert_int_equal(issu_msg_get(release, sizeof(release), &got, &why), 0);
	assert_int_equal(got.step, ISSU_STEP_RELEASE);
	assert_string_equal(issu_step_name(got.step), "release");
	const uint8_t next_kind[] = { OP(1), ID, STEP(6, 1, 0) };
	assert_int_equal(issu_msg_get(next_kind, sizeof(next_kind), &got, &why), -EBADMSG);
	assert_int_equal(why, ISSU_DROP_STEP);
}

static void put_refuses_bad_op(void **state)
{
	(void)state;
	struct hrp_builder b;
	struct issu_msg m = { .op = 0 };
	hrp_msg_begin(&b, buf, sizeof(buf), HRP_MSG_ISSU, 0);
	assert_int_equal(issu_msg_put(&b, &m), -EINVAL);
	assert_string_equal(issu_msg_drop_name(ISSU_DROP_NO_PATH), "no-path");
	assert_string_equal(issu_msg_drop_name(ISSU_DROP_FOREIGN_PATH), "foreign-path");
	assert_string_equal(issu_step_name(ISSU_STEP_MAX), "?");
}

static void registry_line_round_trip(void **state)
{
	(void)state;
	static struct hrp_registry minor, got;
	static char text[20000];
	hrp_registry_variant(&minor, HRP_TESTV_MINOR);
	int n = snprintf(text, sizeof(text),
			 "hrpd (hotstandby) 0.1.0\nmessage registry:\n1 hello 1.1\n");
	assert_true(issu_registry_line(&minor, text + n, sizeof(text) - (size_t)n) > 0);
	strcat(text, "trailing line\n");
	assert_int_equal(issu_registry_from_version(text, &got), 0);
	assert_int_equal(got.n, minor.n);
	const struct hrp_reg_entry *probe = hrp_registry_find(&got, HRP_MSG_PROBE);
	assert_non_null(probe);
	assert_int_equal(probe->ver_minor, 1);
	assert_non_null(hrp_registry_find(&got, HRP_MSG_ISSU));

	got.n = 42;
	assert_int_equal(issu_registry_from_version("hrpd 0.1\n1 hello 1.1\n", &got), -ENOENT);
	assert_int_equal(issu_registry_from_version("registry: zz\n", &got), -EBADMSG);
	assert_int_equal(issu_registry_from_version("registry: 0001\n", &got), -EBADMSG);
	assert_int_equal(got.n, 42); /* untouched */
	char small[8];
	assert_int_equal(issu_registry_line(&minor, small, sizeof(small)), -ENOBUFS);
}

/* The send plan on a body: the newer box (tlv variant) leaves its new TLV out of hellos to an
 * older peer; a type the peer reads at another major is not sent; same builds change nothing. */
static void send_plan_narrows(void **state)
{
	(void)state;
	static struct hrp_registry built, tlv, incompatible;
	static struct issu_verdict v;
	hrp_registry_builtin(&built);
	hrp_registry_variant(&tlv, HRP_TESTV_TLV);
	hrp_registry_variant(&incompatible, HRP_TESTV_INCOMPATIBLE);

	uint8_t body[64];
	const uint8_t hello[] = { 0,    11,   0, 2, 0xaf, 0xc8,         /* vgmp-priority */
				  0x7f, 0xf0, 0, 4, 0,    0,    0, 1,   /* test-extension */
				  0,    12,   0, 1, 2,                  /* vgmp-state */
				  0,    14,   0, 4, 0,    0,    0, 5 }; /* vgmp-readiness */
	const uint8_t narrowed[] = { 0, 11, 0,  2, 0xaf, 0xc8, 0, 12, 0, 1,
				     2, 0,  14, 0, 4,    0,    0, 0,  5 };
	size_t len = raw(body, hello, sizeof(hello));
	unsigned cut = 99;

	assert_int_equal(issu_verdict_compute(&tlv, &built, &v), 0);
	assert_int_equal(issu_send_narrow(&v, HRP_MSG_HELLO, body, &len, &cut), 0);
	assert_int_equal(cut, 1);
	assert_int_equal(len, sizeof(narrowed));
	assert_memory_equal(body, narrowed, sizeof(narrowed));
	/* other types go as built */
	len = raw(body, hello, sizeof(hello));
	assert_int_equal(issu_send_narrow(&v, HRP_MSG_PROBE, body, &len, &cut), 0);
	assert_int_equal(len, sizeof(hello));
	assert_int_equal(cut, 0);

	/* the older box sends its hello as built: the newer one reads it */
	assert_int_equal(issu_verdict_compute(&built, &tlv, &v), 0);
	len = raw(body, hello, sizeof(hello));
	assert_int_equal(issu_send_narrow(&v, HRP_MSG_HELLO, body, &len, NULL), 0);
	assert_int_equal(len, sizeof(hello));

	/* another major: never sent, either way */
	assert_int_equal(issu_verdict_compute(&incompatible, &built, &v), 0);
	assert_int_equal(issu_send_narrow(&v, HRP_MSG_VGMP_SWITCHOVER, body, &len, NULL), -EPERM);
	assert_int_equal(issu_verdict_compute(&built, &incompatible, &v), 0);
	assert_int_equal(issu_send_narrow(&v, HRP_MSG_VGMP_SWITCHOVER, body, &len, NULL), -EPERM);

	/* same registries, or no plan: untouched; a body that does not parse: refused whole */
	assert_int_equal(issu_verdict_compute(&built, &built, &v), 0);
	len = raw(body, hello, sizeof(hello));
	assert_int_equal(issu_send_narrow(&v, HRP_MSG_HELLO, body, &len, &cut), 0);
	assert_int_equal(issu_send_narrow(NULL, HRP_MSG_HELLO, body, &len, &cut), 0);
	assert_int_equal(len, sizeof(hello));
	assert_int_equal(issu_verdict_compute(&tlv, &built, &v), 0);
	len = sizeof(hello) - 1;
	assert_int_equal(issu_send_narrow(&v, HRP_MSG_HELLO, body, &len, &cut), -EBADMSG);
	assert_int_equal(len, sizeof(hello) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ask_round_trip),
		cmocka_unit_test(answer_and_record_round_trip),
		cmocka_unit_test(every_drop_reason),
		cmocka_unit_test(put_refuses_bad_op),
		cmocka_unit_test(registry_line_round_trip),
		cmocka_unit_test(send_plan_narrows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
