/* The control protocol codec: length-prefixed JSON frames, request parsing, answers. Pure. */
#include "ctl_proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t hs_ctl_frame_length(const uint8_t hdr[HS_CTL_HEADER_LEN])
{
	return (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
}

int hs_ctl_frame_peek(const uint8_t *buf, size_t len, size_t max, size_t *payload_len)
{
	if (len < HS_CTL_HEADER_LEN)
		return 0;
	uint32_t n = hs_ctl_frame_length(buf);
	if (n == 0)
		return -EBADMSG;
	if (n > max)
		return -EMSGSIZE;
	if (len - HS_CTL_HEADER_LEN < n)
		return 0;
	*payload_len = n;
	return 1;
}

void hs_ctl_frame_header(uint8_t out[HS_CTL_HEADER_LEN], uint32_t len)
{
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
}

static int reject(const char **code, const char *what, char *err, size_t errlen, const char *fmt,
		  ...)
{
	*code = what;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

int hs_ctl_request_parse(const char *payload, size_t len, struct hs_ctl_request *req,
			 const char **code, char *err, size_t errlen)
{
	json_error_t jerr;
	/* JSON_REJECT_DUPLICATES: an ambiguous request is refused rather than guessed at. */
	json_t *root = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return reject(code, HS_CTL_E_BAD_JSON, err, errlen,
			      "malformed JSON at column %d: %s", jerr.column, jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return reject(code, HS_CTL_E_BAD_REQ, err, errlen, "a request is a JSON object");
	}
	json_t *cmd = json_object_get(root, "cmd");
	json_t *id = json_object_get(root, "id");
	json_t *args = json_object_get(root, "args");
	const char *why = NULL;
	if (!json_is_string(cmd) || json_string_length(cmd) == 0)
		why = "\"cmd\" must be a non-empty string";
	else if (id && !json_is_integer(id))
		why = "\"id\" must be an integer";
	else if (args && !json_is_object(args) && !json_is_null(args))
		why = "\"args\" must be an object";
	if (why) {
		json_decref(root);
		return reject(code, HS_CTL_E_BAD_REQ, err, errlen, "%s", why);
	}
	if (!args || json_is_null(args)) {
		args = json_object();
		json_object_set_new(root, "args", args);
	}
	*req = (struct hs_ctl_request){
		.root = root,
		.id = id ? json_integer_value(id) : 0,
		.cmd = json_string_value(cmd),
		.args = args,
	};
	return 0;
}

void hs_ctl_request_clear(struct hs_ctl_request *req)
{
	json_decref(req->root);
	*req = (struct hs_ctl_request){ 0 };
}

json_t *hs_ctl_request_new(json_int_t id, const char *cmd, json_t *args)
{
	/* "O" takes a reference to the caller's args; "o" hands over the fresh empty object. */
	if (args)
		return json_pack("{s:I, s:s, s:O}", "id", id, "cmd", cmd, "args", args);
	return json_pack("{s:I, s:s, s:o}", "id", id, "cmd", cmd, "args", json_object());
}

json_t *hs_ctl_response_ok(json_int_t id, json_t *result)
{
	return json_pack("{s:I, s:b, s:o}", "id", id, "ok", 1, "result",
			 result ? result : json_object());
}

json_t *hs_ctl_response_error(json_int_t id, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:I, s:b, s:{s:s, s:s}}", "id", id, "ok", 0, "error", "code", code,
			 "message", msg);
}

json_t *hs_ctl_event_new(const char *event, json_t *data)
{
	return json_pack("{s:s, s:o}", "event", event, "data", data ? data : json_object());
}

int hs_ctl_frame_encode(const json_t *obj, uint8_t **out, size_t *out_len)
{
	size_t n = json_dumpb(obj, NULL, 0, JSON_COMPACT);
	if (n == 0 || n > HS_CTL_MAX_RESPONSE)
		return -EMSGSIZE;
	uint8_t *buf = malloc(HS_CTL_HEADER_LEN + n);
	if (!buf)
		return -ENOMEM;
	json_dumpb(obj, (char *)buf + HS_CTL_HEADER_LEN, n, JSON_COMPACT);
	hs_ctl_frame_header(buf, (uint32_t)n);
	*out = buf;
	*out_len = HS_CTL_HEADER_LEN + n;
	return 0;
}
