/* The control protocol, pure codec: every frame is a 4-byte big-endian length and a JSON object.
 *   request   {"id": 7, "cmd": "status", "args": {...}}          (args optional)
 *   response  {"id": 7, "ok": true,  "result": {...}}
 *             {"id": 7, "ok": false, "error": {"code": "unknown-command", "message": "..."}}
 *   event     {"event": "state", "data": {...}}                   (after a "subscribe" request)
 * Requests are at most HS_CTL_MAX_REQUEST bytes; answers may be larger (session tables). */
#ifndef HS_CTL_PROTO_H
#define HS_CTL_PROTO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define HS_CTL_PROTO_VERSION 1
#define HS_CTL_HEADER_LEN    4
#define HS_CTL_MAX_REQUEST   (64u * 1024u)
#define HS_CTL_MAX_RESPONSE  (16u * 1024u * 1024u)

/* Error codes carried in error.code. */
#define HS_CTL_E_BAD_FRAME  "bad-frame"
#define HS_CTL_E_BAD_JSON   "bad-json"
#define HS_CTL_E_BAD_REQ    "bad-request"
#define HS_CTL_E_UNKNOWN    "unknown-command"
#define HS_CTL_E_BAD_ARGS   "bad-args"
#define HS_CTL_E_FAILED     "failed"
#define HS_CTL_E_PERMISSION "permission-denied"

/* Looks at buffered bytes. Returns 1 and sets *payload_len when a whole frame is present
 * (it spans HS_CTL_HEADER_LEN + *payload_len bytes), 0 when more bytes are needed, -EMSGSIZE when
 * the announced length exceeds max, -EBADMSG for an empty frame. */
int hs_ctl_frame_peek(const uint8_t *buf, size_t len, size_t max, size_t *payload_len);

/* The payload length a header announces. */
uint32_t hs_ctl_frame_length(const uint8_t hdr[HS_CTL_HEADER_LEN]);

/* Writes the 4-byte header for a payload of len bytes. */
void hs_ctl_frame_header(uint8_t out[HS_CTL_HEADER_LEN], uint32_t len);

struct hs_ctl_request {
	json_t *root; /* owns the request; free with hs_ctl_request_clear() */
	json_int_t id;
	const char *cmd;
	json_t *args; /* always an object (empty when absent) */
};

/* Returns 0, or -EBADMSG with a reason in err and *code set to HS_CTL_E_BAD_JSON or
 * HS_CTL_E_BAD_REQ. The request is untouched on failure. */
int hs_ctl_request_parse(const char *payload, size_t len, struct hs_ctl_request *req,
			 const char **code, char *err, size_t errlen);
void hs_ctl_request_clear(struct hs_ctl_request *req);

json_t *hs_ctl_request_new(json_int_t id, const char *cmd,
			   json_t *args /* borrowed, may be NULL */);
json_t *hs_ctl_response_ok(json_int_t id, json_t *result /* stolen, may be NULL */);
json_t *hs_ctl_response_error(json_int_t id, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
json_t *hs_ctl_event_new(const char *event, json_t *data /* stolen */);

/* Serialises obj as one frame (header + compact JSON) into a malloc'd buffer. */
int hs_ctl_frame_encode(const json_t *obj, uint8_t **out, size_t *out_len);

#endif
