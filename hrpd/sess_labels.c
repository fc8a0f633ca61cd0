/* Room for conntrack labels on a box that writes the peer's labelled entries (sess_int.h).
 *
 * The kernel gives a new entry room for labels only in a namespace whose ruleset uses them (an
 * nftables `ct label set`, xtables' connlabel); elsewhere an entry is created, and updated,
 * without its labels and without an error. So before the first labelled entry of the peer is
 * written, hrpd loads a table of its own whose one rule sets a label in a chain no hook runs:
 * the rule is never evaluated, but loading it makes the kernel count labels as used, and every
 * entry created from then on has room. A clean stop removes the table; the old process of a hot
 * restart leaves it to the new one. */
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>

#include "hrpd.h"
#include "log.h"
#include "sess_int.h"

#define LABELS_TABLE "hotstandby_labels"

/* Bit 127, the last: a label this rule could set if it ever ran, which it cannot. */
static const char load_cmd[] = "table inet " LABELS_TABLE " {\n"
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
	if (l->state != HRPD_LABELS_UNNEEDED)
		return;
	if (nft_run(load_cmd, l->error, sizeof(l->error)) < 0) {
		l->state = HRPD_LABELS_FAILED;
		hs_warn(HRPD_SESS_PREFIX,
			"the peer's entries carry conntrack labels, and the table that gives them room "
			"here could not be loaded (%s): they are written without their labels",
			l->error);
		return;
	}
	l->state = HRPD_LABELS_LOADED;
	hs_notice(HRPD_SESS_PREFIX,
		  "the peer's entries carry conntrack labels: table inet " LABELS_TABLE
		  " loaded, so that the kernel keeps them");
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
