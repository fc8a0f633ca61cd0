/* The "issu" message's codec (see issu_msg.h). The receive checklist, one drop reason each:
 * TLVs well formed, a known op, then what the op needs (an ask its step and, for a restart, the
 * directory; an answer its status; a record message its record), values in range, text
 * printable. Unknown TLVs are skipped (hrp_body_check() has already bounded the body). */
#include "issu_msg.h"

#include <errno.h>
#include <string.h>

#include "hrp_registry.h"
#include "issu_stage.h"

int issu_msg_put(struct hrp_builder *b, const struct issu_msg *m)
{
	if (m->op < ISSU_MSG_ASK || m->op >= ISSU_MSG_OP_MAX)
		return -EINVAL;
	hrp_tlv_put_u8(b, HRP_TLV_ISSU_OP, (uint8_t)m->op);
	hrp_tlv_put_u32(b, HRP_TLV_ISSU_ID, m->id);
	if (m->op == ISSU_MSG_ASK) {
		uint8_t step[3] = { (uint8_t)m->step, m->daemon, m->bin };
		hrp_tlv_put(b, HRP_TLV_ISSU_STEP, step, sizeof(step));
	}
	if (m->op == ISSU_MSG_ANSWER)
		hrp_tlv_put_u8(b, HRP_TLV_ISSU_STATUS, (uint8_t)m->status);
	size_t tl = strnlen(m->text, ISSU_MSG_TEXT_MAX);
	if (tl)
		hrp_tlv_put(b, HRP_TLV_ISSU_TEXT, m->text, tl);
	if (m->op == ISSU_MSG_RECORD && m->record && m->record_len)
		hrp_tlv_put(b, HRP_TLV_ISSU_RECORD, m->record, m->record_len);
	return b->err;
}

/* The first TLV of type, of a length in [min, max]: 1, 0 absent, -EBADMSG. */
static int get(const uint8_t *body, size_t len, uint16_t type, size_t min, size_t max,
	       struct hrp_tlv *t)
{
	int r = hrp_tlv_find(body, len, type, t);
	if (r == 1 && (t->len < min || t->len > max))
		return -EBADMSG;
	return r;
}

static int drop(enum issu_msg_drop *why, enum issu_msg_drop reason)
{
	*why = reason;
	return -EBADMSG;
}

static bool printable(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
	return true;
}

int issu_msg_get(const uint8_t *body, size_t len, struct issu_msg *out, enum issu_msg_drop *why)
{
	struct issu_msg m;
	struct hrp_tlv t;
	int r;

	memset(&m, 0, sizeof(m));
	if (get(body, len, HRP_TLV_ISSU_OP, 1, 1, &t) != 1)
		return drop(why, ISSU_DROP_MALFORMED);
	m.op = (enum issu_msg_op)t.val[0];
	if (get(body, len, HRP_TLV_ISSU_ID, 4, 4, &t) != 1)
		return drop(why, ISSU_DROP_MALFORMED);
	m.id = hrp_get_u32(t.val);
	if (m.op < ISSU_MSG_ASK || m.op >= ISSU_MSG_OP_MAX)
		return drop(why, ISSU_DROP_OP);
	if ((r = get(body, len, HRP_TLV_ISSU_TEXT, 1, ISSU_MSG_TEXT_MAX, &t)) < 0)
		return drop(why, ISSU_DROP_MALFORMED);
	if (r == 1) {
		if (!printable(t.val, t.len))
			return drop(why, ISSU_DROP_TEXT);
		memcpy(m.text, t.val, t.len);
	}
	switch (m.op) {
	case ISSU_MSG_ASK:
		if ((r = get(body, len, HRP_TLV_ISSU_STEP, 3, 3, &t)) < 0)
			return drop(why, ISSU_DROP_MALFORMED);
		if (r == 0)
			return drop(why, ISSU_DROP_NO_STEP);
		m.step = (enum issu_step_kind)t.val[0];
		m.daemon = t.val[1];
		m.bin = t.val[2];
		if (m.step < ISSU_STEP_HOT_RESTART || m.step >= ISSU_STEP_MAX ||
		    m.daemon >= ISSU_D_MAX || m.bin >= ISSU_BIN_MAX)
			return drop(why, ISSU_DROP_STEP);
		if ((m.step == ISSU_STEP_HOT_RESTART || m.step == ISSU_STEP_COLD_RESTART) &&
		    !m.text[0])
			return drop(why, ISSU_DROP_NO_PATH);
		break;
	case ISSU_MSG_ANSWER:
		if ((r = get(body, len, HRP_TLV_ISSU_STATUS, 1, 1, &t)) < 0)
			return drop(why, ISSU_DROP_MALFORMED);
		if (r == 0)
			return drop(why, ISSU_DROP_NO_STATUS);
		m.status = (enum issu_msg_status)t.val[0];
		if (m.status < ISSU_MSG_DONE || m.status >= ISSU_MSG_STATUS_MAX)
			return drop(why, ISSU_DROP_STATUS);
		break;
	default:
		if ((r = get(body, len, HRP_TLV_ISSU_RECORD, 1, HRP_TLV_VAL_MAX, &t)) < 0)
			return drop(why, ISSU_DROP_MALFORMED);
		if (r == 0)
			return drop(why, ISSU_DROP_NO_RECORD);
		m.record = t.val;
		m.record_len = t.len;
		break;
	}
	*out = m;
	*why = ISSU_DROP_NONE;
	return 0;
}

static const char *const op_names[ISSU_MSG_OP_MAX] = {
	[ISSU_MSG_ASK] = "ask",
	[ISSU_MSG_ANSWER] = "answer",
	[ISSU_MSG_RECORD] = "record",
};
static const char *const step_names[ISSU_STEP_MAX] = {
	[ISSU_STEP_HOT_RESTART] = "hot-restart",
	[ISSU_STEP_COLD_RESTART] = "cold-restart",
	[ISSU_STEP_HANDOVER] = "handover",
	[ISSU_STEP_AWAIT_SYNC] = "await-sync",
	[ISSU_STEP_RELEASE] = "release",
};
static const char *const status_names[ISSU_MSG_STATUS_MAX] = {
	[ISSU_MSG_DONE] = "done",
	[ISSU_MSG_FAILED] = "failed",
	[ISSU_MSG_RUNNING] = "running",
};
static const char *const drop_names[ISSU_DROP_MAX] = {
	[ISSU_DROP_NONE] = "none",
	[ISSU_DROP_MALFORMED] = "malformed",
	[ISSU_DROP_OP] = "unknown-op",
	[ISSU_DROP_NO_STEP] = "no-step",
	[ISSU_DROP_STEP] = "step-out-of-range",
	[ISSU_DROP_NO_STATUS] = "no-status",
	[ISSU_DROP_STATUS] = "status-out-of-range",
	[ISSU_DROP_NO_RECORD] = "no-record",
	[ISSU_DROP_TEXT] = "bad-text",
	[ISSU_DROP_NO_PATH] = "no-path",
	[ISSU_DROP_FOREIGN_PATH] = "foreign-path",
};

#define NAME(table, v, max) ((int)(v) >= 0 && (int)(v) < (max) && (table)[v] ? (table)[v] : "?")

const char *issu_msg_op_name(enum issu_msg_op op)
{
	return NAME(op_names, op, ISSU_MSG_OP_MAX);
}
const char *issu_step_name(enum issu_step_kind k)
{
	return NAME(step_names, k, ISSU_STEP_MAX);
}
const char *issu_msg_status_name(enum issu_msg_status s)
{
	return NAME(status_names, s, ISSU_MSG_STATUS_MAX);
}
const char *issu_msg_drop_name(enum issu_msg_drop d)
{
	return NAME(drop_names, d, ISSU_DROP_MAX);
}
