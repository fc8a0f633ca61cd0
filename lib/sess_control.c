/* The session channel's control records (sess_control.h). */
#include "sess_control.h"

#include <stdbool.h>
#include <string.h>

#include "hrp_wire.h"

#define RANGES_LEN         (1u + 8u)
#define RESULT_LEN         (1u + 4u + 8u + 4u + 4u)
#define RESULT_SETTLED_LEN (RESULT_LEN + 4u + 8u)
#define PART_LEN           HS_SESS_CTL_LONGEST

static size_t wire_len(uint8_t kind)
{
	switch (kind) {
	case HS_SESS_CTL_BULK_REQUEST:
	case HS_SESS_CTL_RANGES: return RANGES_LEN;
	case HS_SESS_CTL_DIGEST: return HS_SESS_CTL_DIGEST_LEN;
	case HS_SESS_CTL_DIGEST_RESULT: return RESULT_SETTLED_LEN;
	case HS_SESS_CTL_DIGEST_PART: return PART_LEN;
	default: return 0;
	}
}

size_t hs_sess_ctl_encode(const struct hs_sess_ctl *c, uint8_t *buf, size_t room)
{
	size_t len = wire_len(c->kind);
	if (c->kind == HS_SESS_CTL_DIGEST_RESULT && !c->settled_part)
		len = RESULT_LEN;
	if (!len || room < len)
		return 0;
	buf[0] = c->kind;
	switch (c->kind) {
	case HS_SESS_CTL_BULK_REQUEST:
	case HS_SESS_CTL_RANGES: hrp_put_u64(buf + 1, c->ranges); break;
	case HS_SESS_CTL_DIGEST:
		hrp_put_u32(buf + 1, c->check_id);
		hs_sess_digest_encode(&c->digest, buf + 5, HS_SESS_DIGEST_WIRE);
		break;
	case HS_SESS_CTL_DIGEST_RESULT:
		hrp_put_u32(buf + 1, c->check_id);
		hrp_put_u64(buf + 5, c->ranges);
		hrp_put_u32(buf + 13, c->answerer_total);
		hrp_put_u32(buf + 17, c->source_total);
		if (c->settled_part) {
			hrp_put_u32(buf + 21, c->unsettled_buckets);
			hrp_put_u64(buf + 25, c->undecided);
		}
		break;
	case HS_SESS_CTL_DIGEST_PART:
		hrp_put_u32(buf + 1, c->check_id);
		buf[5] = c->range;
		hrp_put_u64(buf + 6, c->unsettled);
		hs_sess_digest_encode(&c->digest, buf + 14, HS_SESS_DIGEST_WIRE);
		break;
	}
	return len;
}

enum hs_sess_ctl_err hs_sess_ctl_decode(const uint8_t *rec, size_t len, struct hs_sess_ctl *out)
{
	if (!len)
		return HS_SESS_CTL_EMPTY;
	size_t want = wire_len(rec[0]);
	if (!want)
		return HS_SESS_CTL_UNKNOWN;
	/* An older sender's bulk request names no ranges: it wants them all. */
	bool bare_request = rec[0] == HS_SESS_CTL_BULK_REQUEST && len == 1;
	bool short_result = rec[0] == HS_SESS_CTL_DIGEST_RESULT && len == RESULT_LEN;
	if (len != want && !bare_request && !short_result)
		return HS_SESS_CTL_LENGTH;
	struct hs_sess_ctl c;
	memset(&c, 0, sizeof(c));
	c.kind = rec[0];
	switch (c.kind) {
	case HS_SESS_CTL_BULK_REQUEST:
	case HS_SESS_CTL_RANGES:
		c.ranges = bare_request ? HS_SESS_RANGES_ALL : hrp_get_u64(rec + 1);
		break;
	case HS_SESS_CTL_DIGEST:
		c.check_id = hrp_get_u32(rec + 1);
		if (hs_sess_digest_decode(rec + 5, len - 5, &c.digest) < 0)
			return HS_SESS_CTL_LENGTH;
		break;
	case HS_SESS_CTL_DIGEST_RESULT:
		c.check_id = hrp_get_u32(rec + 1);
		c.ranges = hrp_get_u64(rec + 5);
		c.answerer_total = hrp_get_u32(rec + 13);
		c.source_total = hrp_get_u32(rec + 17);
		if (!short_result) {
			c.settled_part = true;
			c.unsettled_buckets = hrp_get_u32(rec + 21);
			c.undecided = hrp_get_u64(rec + 25);
		}
		break;
	case HS_SESS_CTL_DIGEST_PART:
		c.check_id = hrp_get_u32(rec + 1);
		c.range = rec[5];
		c.unsettled = hrp_get_u64(rec + 6);
		if (c.range >= HS_SESS_RANGES)
			return HS_SESS_CTL_RANGE;
		if (hs_sess_digest_decode(rec + 14, len - 14, &c.digest) < 0)
			return HS_SESS_CTL_LENGTH;
		break;
	}
	*out = c;
	return HS_SESS_CTL_OK;
}

size_t hs_sess_local_addrs_encode(const uint8_t (*addrs)[16], size_t n, uint8_t *buf, size_t room)
{
	size_t len = 3u + n * 16u;
	if (n > HS_SESS_LOCAL_ADDRS_MAX || room < len)
		return 0;
	buf[0] = HS_SESS_CTL_LOCAL_ADDRS;
	hrp_put_u16(buf + 1, (uint16_t)n);
	if (n)
		memcpy(buf + 3, addrs, n * 16u);
	return len;
}

enum hs_sess_ctl_err hs_sess_local_addrs_decode(const uint8_t *rec, size_t len,
						uint8_t (*addrs)[16], size_t *n)
{
	if (!len)
		return HS_SESS_CTL_EMPTY;
	if (rec[0] != HS_SESS_CTL_LOCAL_ADDRS)
		return HS_SESS_CTL_UNKNOWN;
	if (len < 3)
		return HS_SESS_CTL_LENGTH;
	size_t count = hrp_get_u16(rec + 1);
	if (count > HS_SESS_LOCAL_ADDRS_MAX)
		return HS_SESS_CTL_RANGE;
	if (len != 3u + count * 16u)
		return HS_SESS_CTL_LENGTH;
	if (count)
		memcpy(addrs, rec + 3, count * 16u);
	*n = count;
	return HS_SESS_CTL_OK;
}

const char *hs_sess_ctl_err_name(enum hs_sess_ctl_err e)
{
	switch (e) {
	case HS_SESS_CTL_OK: return "ok";
	case HS_SESS_CTL_EMPTY: return "empty";
	case HS_SESS_CTL_UNKNOWN: return "unknown kind";
	case HS_SESS_CTL_LENGTH: return "wrong length";
	case HS_SESS_CTL_RANGE: return "out of range";
	case HS_SESS_CTL_ERR_MAX: break;
	}
	return "?";
}
