/* The control protocol codec: framing (truncated, oversized, empty), request validation, answers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctl_proto.h"

static size_t frame(uint8_t *out, const char *payload)
{
	size_t n = strlen(payload);
	hs_ctl_frame_header(out, (uint32_t)n);
	memcpy(out + HS_CTL_HEADER_LEN, payload, n);
	return HS_CTL_HEADER_LEN + n;
}

static void test_frame_truncated_at_every_byte(void **state)
{
	uint8_t buf[128];
	size_t len = frame(buf, "{\"id\":1,\"cmd\":\"status\"}");
	size_t plen = 0;
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(hs_ctl_frame_peek(buf, cut, HS_CTL_MAX_REQUEST, &plen), 0);
	assert_int_equal(hs_ctl_frame_peek(buf, len, HS_CTL_MAX_REQUEST, &plen), 1);
	assert_int_equal(plen, len - HS_CTL_HEADER_LEN);
}

static void test_frame_two_in_a_row(void **state)
{
	uint8_t buf[128];
	size_t a = frame(buf, "{\"cmd\":\"a\"}");
	size_t b = frame(buf + a, "{\"cmd\":\"bb\"}");
	size_t plen;
	assert_int_equal(hs_ctl_frame_peek(buf, a + b, HS_CTL_MAX_REQUEST, &plen), 1);
	assert_int_equal(plen, 11);
	assert_int_equal(hs_ctl_frame_peek(buf + a, b, HS_CTL_MAX_REQUEST, &plen), 1);
	assert_int_equal(plen, 12);
}

static void test_frame_oversized_and_empty(void **state)
{
	uint8_t hdr[HS_CTL_HEADER_LEN];
	size_t plen = 99;
	hs_ctl_frame_header(hdr, HS_CTL_MAX_REQUEST + 1);
	assert_int_equal(hs_ctl_frame_peek(hdr, sizeof(hdr), HS_CTL_MAX_REQUEST, &plen), -EMSGSIZE);
	/* Exactly the limit is fine: it only needs more bytes. */
	hs_ctl_frame_header(hdr, HS_CTL_MAX_REQUEST);
	assert_int_equal(hs_ctl_frame_peek(hdr, sizeof(hdr), HS_CTL_MAX_REQUEST, &plen), 0);
	hs_ctl_frame_header(hdr, 0);
	assert_int_equal(hs_ctl_frame_peek(hdr, sizeof(hdr), HS_CTL_MAX_REQUEST, &plen), -EBADMSG);
	assert_int_equal(plen, 99);
}

static int parse(const char *text, struct hs_ctl_request *req, const char **code)
{
	char err[256];
	return hs_ctl_request_parse(text, strlen(text), req, code, err, sizeof(err));
}

static void test_request_valid(void **state)
{
	struct hs_ctl_request req;
	const char *code = NULL;
	assert_int_equal(
		parse("{\"id\": 42, \"cmd\": \"debug\", \"args\": {\"on\": true}}", &req, &code),
		0);
	assert_int_equal(req.id, 42);
	assert_string_equal(req.cmd, "debug");
	assert_true(json_is_true(json_object_get(req.args, "on")));
	hs_ctl_request_clear(&req);
	/* id and args are optional; a missing or null args becomes an empty object. */
	assert_int_equal(parse("{\"cmd\": \"status\"}", &req, &code), 0);
	assert_int_equal(req.id, 0);
	assert_true(json_is_object(req.args));
	hs_ctl_request_clear(&req);
	assert_int_equal(parse("{\"cmd\": \"status\", \"args\": null}", &req, &code), 0);
	assert_true(json_is_object(req.args));
	hs_ctl_request_clear(&req);
}

static void test_request_invalid(void **state)
{
	static const struct {
		const char *text, *code;
	} cases[] = {
		{ "{\"cmd\": \"status\"", HS_CTL_E_BAD_JSON },
		{ "not json", HS_CTL_E_BAD_JSON },
		{ "{\"cmd\": \"a\", \"cmd\": \"b\"}", HS_CTL_E_BAD_JSON },
		{ "[\"status\"]", HS_CTL_E_BAD_REQ },
		{ "\"status\"", HS_CTL_E_BAD_JSON },
		{ "{}", HS_CTL_E_BAD_REQ },
		{ "{\"cmd\": \"\"}", HS_CTL_E_BAD_REQ },
		{ "{\"cmd\": 5}", HS_CTL_E_BAD_REQ },
		{ "{\"cmd\": \"status\", \"id\": \"7\"}", HS_CTL_E_BAD_REQ },
		{ "{\"cmd\": \"status\", \"args\": [1]}", HS_CTL_E_BAD_REQ },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hs_ctl_request req = { .cmd = "untouched" };
		const char *code = NULL;
		assert_int_equal(parse(cases[i].text, &req, &code), -EBADMSG);
		assert_string_equal(code, cases[i].code);
		assert_string_equal(req.cmd, "untouched");
	}
}

static void test_request_truncated_json(void **state)
{
	const char *text = "{\"id\":1,\"cmd\":\"status\",\"args\":{\"verbose\":true}}";
	for (size_t cut = 0; cut < strlen(text); cut++) {
		struct hs_ctl_request req;
		const char *code;
		char err[256];
		assert_int_equal(hs_ctl_request_parse(text, cut, &req, &code, err, sizeof(err)),
				 -EBADMSG);
	}
}

static void test_answers_roundtrip(void **state)
{
	json_t *ok = hs_ctl_response_ok(9, json_pack("{s:i}", "x", 1));
	uint8_t *buf;
	size_t len, plen;
	assert_int_equal(hs_ctl_frame_encode(ok, &buf, &len), 0);
	assert_int_equal(hs_ctl_frame_peek(buf, len, HS_CTL_MAX_RESPONSE, &plen), 1);
	json_t *back = json_loadb((char *)buf + HS_CTL_HEADER_LEN, plen, 0, NULL);
	assert_true(json_equal(ok, back));
	assert_true(json_is_true(json_object_get(back, "ok")));
	free(buf);
	json_decref(back);
	json_decref(ok);

	json_t *e = hs_ctl_response_error(3, HS_CTL_E_UNKNOWN, "unknown command '%s'", "x");
	assert_true(json_is_false(json_object_get(e, "ok")));
	json_t *err = json_object_get(e, "error");
	assert_string_equal(json_string_value(json_object_get(err, "code")), "unknown-command");
	assert_string_equal(json_string_value(json_object_get(err, "message")),
			    "unknown command 'x'");
	json_decref(e);

	json_t *ev = hs_ctl_event_new("state", json_pack("{s:s}", "new", "master"));
	assert_string_equal(json_string_value(json_object_get(ev, "event")), "state");
	json_decref(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_truncated_at_every_byte),
		cmocka_unit_test(test_frame_two_in_a_row),
		cmocka_unit_test(test_frame_oversized_and_empty),
		cmocka_unit_test(test_request_valid),
		cmocka_unit_test(test_request_invalid),
		cmocka_unit_test(test_request_truncated_json),
		cmocka_unit_test(test_answers_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
