/* The pair upgrade's HRP message, "issu" (type 13, doc/hrp-protocol.md): how the hrpd that runs
 * the upgrade (doc/issu.md, "Who orchestrates") asks the peer's hrpd for a step on its box, how
 * the peer answers, and how the upgrade record's copy reaches the peer.
 *
 *   ask     id, step (kind, daemon, binary), text: the directory of that binary's files
 *   answer  id, status (done, failed, running), text: the reason of a failure
 *   record  id, the record as JSON (lib/issu_record.h; decoded there)
 *
 * A step is idempotent on the box that does it ("make vrrpd run this binary", "hand the active
 * role over"): the asker sends the same ask again until it gets a final answer, and a step
 * already done answers done at once. Pure: bytes in, a message or a drop reason out. */
#ifndef HS_ISSU_MSG_H
#define HS_ISSU_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrp_wire.h"

enum issu_msg_op {
	ISSU_MSG_ASK = 1,
	ISSU_MSG_ANSWER = 2,
	ISSU_MSG_RECORD = 3,
	ISSU_MSG_OP_MAX,
};

enum issu_step_kind {
	ISSU_STEP_HOT_RESTART = 1,  /* the daemon onto the binary, in place (doc/hot-restart.md) */
	ISSU_STEP_COLD_RESTART = 2, /* the daemon stopped and started on the binary */
	ISSU_STEP_HANDOVER = 3,     /* this box, active, hands the role to the peer */
	ISSU_STEP_AWAIT_SYNC = 4,   /* this box has the active peer's session table */
	ISSU_STEP_RELEASE = 5,      /* this box, active, lets go for the peer to take over (cold
				     * mode: no switchover request, doc/issu.md) */
	ISSU_STEP_MAX,
};

enum issu_msg_status {
	ISSU_MSG_DONE = 1,
	ISSU_MSG_FAILED = 2,
	ISSU_MSG_RUNNING = 3, /* under way: ask again later */
	ISSU_MSG_STATUS_MAX,
};

/* Why a message was dropped: each is counted (display issu state, "messages"). */
enum issu_msg_drop {
	ISSU_DROP_NONE,
	ISSU_DROP_MALFORMED,    /* a TLV runs past the body, or a known TLV of a wrong length */
	ISSU_DROP_OP,           /* an op we do not know */
	ISSU_DROP_NO_STEP,      /* an ask without its step */
	ISSU_DROP_STEP,         /* a step kind, daemon or binary out of range */
	ISSU_DROP_NO_STATUS,    /* an answer without its status */
	ISSU_DROP_STATUS,       /* a status out of range */
	ISSU_DROP_NO_RECORD,    /* a record message without the record */
	ISSU_DROP_TEXT,         /* text with a NUL or a control character in it */
	ISSU_DROP_NO_PATH,      /* a restart asked without the binaries' directory */
	ISSU_DROP_FOREIGN_PATH, /* a restart onto a directory the upgrade's record does not name */
	ISSU_DROP_MAX,
};

#define ISSU_MSG_TEXT_MAX 255

struct issu_msg {
	enum issu_msg_op op;
	uint32_t id;
	enum issu_step_kind step;
	uint8_t daemon; /* enum issu_daemon */
	uint8_t bin;    /* enum issu_bin: the binary's release, for the logs */
	enum issu_msg_status status;
	char text[ISSU_MSG_TEXT_MAX + 1]; /* "" when absent */
	const uint8_t *record;            /* points into the body; NULL when absent */
	size_t record_len;
};

/* Appends the TLVs of m (as its op needs them) to a message being built. Returns 0 or the
 * builder's error; -EINVAL for an op out of range. */
int issu_msg_put(struct hrp_builder *b, const struct issu_msg *m);
/* Reads and checks a body. Returns 0 with *m set, or -EBADMSG with *why; *m untouched then. */
int issu_msg_get(const uint8_t *body, size_t len, struct issu_msg *m, enum issu_msg_drop *why);

const char *issu_msg_op_name(enum issu_msg_op op);
const char *issu_step_name(enum issu_step_kind k);
const char *issu_msg_status_name(enum issu_msg_status s);
const char *issu_msg_drop_name(enum issu_msg_drop d);

#endif
