/* The upgrade's messages between the two hrpds (HRP type "issu", lib/issu_msg.h): sent on the
 * running link, signed like every heartbeat message, and read defensively with each drop counted
 * by its reason. An ask starts (or reports) the step here; an answer is the outcome of our ask;
 * a record is the copy of the peer's record, kept on disk beside ours. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hrpd.h"
#include "issu.h"
#include "log.h"

#define PREFIX "[issu]"
/* The record's copy travels in one message (HRPD_MSG_BUF, 4096 bytes with its header, TLVs and
 * trailer); its history is trimmed to fit. Two 256-byte release paths and every HRP type held
 * back come to ~3.2 KB. */
#define RECORD_MAX 3800

static int put_msg(struct hrp_builder *b, const void *arg)
{
	return issu_msg_put(b, arg);
}

int hrpd_issu_send(struct hrpd_issu *u, const struct issu_msg *m)
{
	struct hrpd *h = u->h;
	struct hrpd_link *l = hrpd_running_link(h);
	if (!l || !h->enabled) {
		u->st.tx_failed++;
		return -ENOTCONN;
	}
	int64_t r = hrpd_send(h, l, HRP_MSG_ISSU, HRP_F_URGENT, put_msg, m);
	if (r < 0) {
		u->st.tx_failed++;
		return (int)r;
	}
	u->st.tx++;
	return 0;
}

int hrpd_issu_send_record(struct hrpd_issu *u)
{
	size_t len;
	char *text = hrpd_issu_record_text(&u->rec, RECORD_MAX, &len);
	if (!text) {
		uint64_t n = ++u->st.tx_failed;
		if (!(n & (n - 1)))
			hs_warn(PREFIX,
				"no copy of the record for the peer (over %d bytes even "
				"without its history, or no memory): it cannot take over (%llu so "
				"far)",
				RECORD_MAX, (unsigned long long)n);
		return -EMSGSIZE;
	}
	struct issu_msg m = { .op = ISSU_MSG_RECORD,
			      .id = u->next_id,
			      .record = (const uint8_t *)text,
			      .record_len = len };
	int r = hrpd_issu_send(u, &m);
	free(text);
	return r;
}

static void take_record(struct hrpd_issu *u, const struct issu_msg *m)
{
	static struct issu_record r;
	char err[256];
	json_error_t je;
	json_t *j = json_loadb((const char *)m->record, m->record_len, 0, &je);
	if (!j || issu_record_decode(j, &r, err, sizeof(err)) < 0) {
		u->st.records_refused++;
		hs_warn(PREFIX, "the peer's record refused: %s", j ? err : je.text);
		json_decref(j);
		return;
	}
	json_decref(j);
	u->st.records_received++;
	if (u->orchestrating && issu_under_way(u->m.stage)) {
		/* both boxes run it: the stronger claim goes on (issu_takeover.c) */
		hrpd_issu_arbitrate(u, &r);
		return;
	}
	/* the peer runs the upgrade now: ours (finished) is history, on disk too (a restart of
	 * this hrpd must load the copy, or it would refuse the peer's steps) */
	u->orchestrating = false;
	u->have_copy = true;
	u->rec = r;
	hrpd_issu_unstore(u, ISSU_FILE);
	hrpd_issu_store(u, ISSU_PEER_FILE, &r);
}

/* A restart runs the binaries of the directory it names: only the old or the new release of
 * the upgrade whose record the runner sent us (before every step) is taken, never any path a
 * peer (or someone on an unkeyed heartbeat link) names. */
static bool refuse_foreign_path(struct hrpd_issu *u, const struct issu_msg *m)
{
	if (m->step != ISSU_STEP_HOT_RESTART && m->step != ISSU_STEP_COLD_RESTART)
		return false;
	const char *old_dir = hrpd_issu_dir(u, ISSU_BIN_OLD),
		   *new_dir = hrpd_issu_dir(u, ISSU_BIN_NEW);
	if (u->have_copy && ((old_dir[0] && !strcmp(m->text, old_dir)) ||
			     (new_dir[0] && !strcmp(m->text, new_dir))))
		return false;
	uint64_t n = ++u->st.drops[ISSU_DROP_FOREIGN_PATH];
	if (!(n & (n - 1)))
		hs_warn(PREFIX, "refused a restart onto %s: %s (%llu so far)", m->text,
			u->have_copy ? "not a release of the upgrade's record"
				     : "no record of the peer's upgrade here",
			(unsigned long long)n);
	/* Without a copy yet, "under way": the runner sends its record before each step and
	 * asks again; a failure would count against the step (at loading, a rollback). */
	struct issu_msg a = { .op = ISSU_MSG_ANSWER,
			      .id = m->id,
			      .status = u->have_copy ? ISSU_MSG_FAILED : ISSU_MSG_RUNNING };
	if (u->have_copy)
		snprintf(a.text, sizeof(a.text), "not a release of the upgrade here");
	hrpd_issu_send(u, &a);
	return true;
}

void hrpd_issu_rx(struct hrpd *h, const uint8_t *body, size_t len)
{
	struct hrpd_issu *u = h->issu;
	struct issu_msg m;
	enum issu_msg_drop why;

	if (!u)
		return;
	u->st.rx++;
	if (issu_msg_get(body, len, &m, &why) < 0) {
		uint64_t n = ++u->st.drops[why < ISSU_DROP_MAX ? why : ISSU_DROP_MALFORMED];
		if (!(n & (n - 1)))
			hs_warn(PREFIX, "dropped an issu message: %s (%llu so far)",
				issu_msg_drop_name(why), (unsigned long long)n);
		return;
	}
	switch (m.op) {
	case ISSU_MSG_ASK: {
		if (hrpd_issu_refuse_ask(u, m.id) || refuse_foreign_path(u, &m))
			break;
		enum issu_msg_status st =
			hrpd_issu_job_start(u, true, m.id, m.step, (enum issu_daemon)m.daemon,
					    (enum issu_bin)m.bin, m.text);
		if (st == ISSU_MSG_RUNNING) {
			struct issu_msg a = { .op = ISSU_MSG_ANSWER,
					      .id = m.id,
					      .status = ISSU_MSG_RUNNING };
			hrpd_issu_send(u, &a);
		}
		break;
	}
	case ISSU_MSG_ANSWER: hrpd_issu_outcome(u, m.id, m.status, m.text); break;
	default: take_record(u, &m); break;
	}
}
