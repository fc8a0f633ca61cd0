/* Room for conntrack labels on a box that writes the peer's labelled entries (sess_int.h).
 *
 * The kernel gives an entry room for labels only if the namespace's ruleset uses them (an
 * nftables `ct label set`, xtables' connlabel) when the entry is CREATED; an entry without room
 * never gets its labels, whatever later updates carry. So when session sync starts, in either
 * role (a source may become the receiver at any time, and the peer may label a flow only after
 * its first packets, when our copy exists), hrpd loads a table of its own whose one rule sets a
 * label in a chain no hook runs: the rule is never evaluated, but loading it makes the kernel
 * count labels as used, and every entry created from then on has room. session_labels_room =
 * false loads nothing. A clean stop removes the table; the old process of a hot restart leaves
 * it to the new one, whose load replaces its rule (no second copy). A peer's update whose labels
 * still find no room (an entry older than the table, or the load failed) is counted
 * (labels_lost), from the kernel's answer that hrpd reads anyway. */
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>

#include "hrpd.h"
#include "log.h"
#include "sess_int.h"

#define LABELS_TABLE "hotstandby_labels"

/* Bit 127, the last: a label this rule could set if it ever ran, which it cannot. Flushed
 * first: a hot restart's new process finds the old one's table and loads it again. */
static const char load_cmd[] = "table inet " LABELS_TABLE "\n"
			       "flush table inet " LABELS_TABLE "\n"
			       "table inet " LABELS_TABLE " {\n"
			       "\tchain room {\n"
			       "\t\tct label set 127\n"
			       "\t}\n"
			       "}\n";
static const char delete_cmd[] = "delete table inet " LABELS_TABLE "\n";

/* Runs one nft command buffer; 0, or -1 with nft's first error line in err. */
static int nft_run(const char *cmd, char *err, size_t errlen)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx || nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx)) {
		snprintf(err, errlen, "no nftables context");
		if (ctx)
			nft_ctx_free(ctx);
		return -1;
	}
	int r = nft_run_cmd_from_buffer(ctx, cmd);
	if (r) {
		const char *e = nft_ctx_get_error_buffer(ctx);
		snprintf(err, errlen, "%.*s", (int)strcspn(e ? e : "", "\n"), e ? e : "");
	}
	nft_ctx_free(ctx);
	return r ? -1 : 0;
}

void hrpd_sess_labels_room(struct hrpd_sess *ss)
{
	struct hrpd_sess_labels *l = &ss->labels;
	if (!l->wanted || l->state != HRPD_LABELS_UNNEEDED)
		return;
	if (nft_run(load_cmd, l->error, sizeof(l->error)) < 0) {
		l->state = HRPD_LABELS_FAILED;
		hs_warn(HRPD_SESS_PREFIX,
			"the table that gives entries room for conntrack labels could not be loaded "
			"(%s): the peer's entries are written without their labels",
			l->error);
		return;
	}
	l->state = HRPD_LABELS_LOADED;
	hs_notice(HRPD_SESS_PREFIX, "table inet " LABELS_TABLE " loaded: entries created from now "
				    "on have room for the peer's conntrack labels");
}

void hrpd_sess_labels_lost(struct hrpd_sess *ss)
{
	struct hrpd_sess_labels *l = &ss->labels;
	ss->st.labels_lost++;
	if (l->lost_warned)
		return;
	l->lost_warned = true;
	hs_warn(HRPD_SESS_PREFIX,
		"a session of the peer came with conntrack labels that its entry here has no room "
		"for (created before table inet " LABELS_TABLE " was loaded, or without it: room %s)"
		": the labels are lost, the rest is applied; counted in labels_lost, said once",
		hrpd_sess_labels_state(ss));
}

void hrpd_sess_labels_release(struct hrpd_sess *ss, bool handed_over)
{
	struct hrpd_sess_labels *l = &ss->labels;
	if (l->state != HRPD_LABELS_LOADED || handed_over)
		return;
	char err[sizeof(l->error)];
	if (nft_run(delete_cmd, err, sizeof(err)) < 0)
		hs_warn(HRPD_SESS_PREFIX, "table inet " LABELS_TABLE " not removed: %s", err);
	l->state = HRPD_LABELS_UNNEEDED;
}

const char *hrpd_sess_labels_state(const struct hrpd_sess *ss)
{
	switch (ss->labels.state) {
	case HRPD_LABELS_LOADED: return "loaded";
	case HRPD_LABELS_FAILED: return "failed";
	default: return "not needed";
	}
}
