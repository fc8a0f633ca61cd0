/* The upgrade's verdict and send plan (see issu_verdict.h). The level is hrp_registry_compare()'s;
 * this file turns its per-type differences into what the local box sends. */
#include "issu_verdict.h"

#include <errno.h>
#include <string.h>

static bool has_tlv(const struct hrp_reg_entry *e, uint16_t tlv)
{
	for (unsigned i = 0; i < e->n_tlvs; i++)
		if (e->tlvs[i] == tlv)
			return true;
	return false;
}

/* Same major on both boxes: we send at the lower of the two versions, which means leaving out
 * the TLVs the peer's entry does not list. An older or equal local side leaves nothing out. */
static void plan_narrowed(struct issu_held *h, const struct hrp_reg_entry *l,
			  const struct hrp_reg_entry *p)
{
	for (unsigned i = 0; i < l->n_tlvs && h->n_omit < HRP_REG_TLVS_MAX; i++)
		if (!has_tlv(p, l->tlvs[i]))
			h->omit[h->n_omit++] = l->tlvs[i];
	bool local_newer = l->ver_minor > p->ver_minor;
	h->send = h->n_omit ? ISSU_SEND_NARROWED : ISSU_SEND_AS_BUILT;
	h->send_major = l->ver_major;
	h->send_minor = local_newer ? p->ver_minor : l->ver_minor;
}

static void plan(struct issu_held *h, const struct hrp_compat_diff *d,
		 const struct hrp_registry *local, const struct hrp_registry *peer)
{
	const struct hrp_reg_entry *l = hrp_registry_find(local, d->type);
	const struct hrp_reg_entry *p = hrp_registry_find(peer, d->type);

	memset(h, 0, sizeof(*h));
	h->type = d->type;
	memcpy(h->name, d->name, sizeof(h->name));
	h->diff = d->kind;
	h->core = d->core;
	h->local_major = d->local_major;
	h->local_minor = d->local_minor;
	h->peer_major = d->peer_major;
	h->peer_minor = d->peer_minor;
	switch (d->kind) {
	case HRP_DIFF_MINOR:
	case HRP_DIFF_TLVS: plan_narrowed(h, l, p); break;
	case HRP_DIFF_MAJOR:      /* neither side reads the other's major */
	case HRP_DIFF_LOCAL_ONLY: /* the peer would answer not-supported */
	case HRP_DIFF_PEER_ONLY:  /* we cannot build it anyway */
	default: h->send = ISSU_SEND_NEVER; break;
	}
}

int issu_verdict_compute(const struct hrp_registry *local, const struct hrp_registry *peer,
			 struct issu_verdict *out)
{
	struct hrp_compat_result cmp;
	struct issu_verdict v;

	if (!local || !out || hrp_registry_compare(local, peer, &cmp) < 0)
		return -EINVAL;
	memset(&v, 0, sizeof(v));
	v.level = cmp.verdict;
	for (size_t i = 0; i < cmp.n_diffs && v.n_held < sizeof(v.held) / sizeof(v.held[0]); i++) {
		const struct hrp_compat_diff *d = &cmp.diffs[i];
		plan(&v.held[v.n_held++], d, local, peer);
		if (d->kind == HRP_DIFF_PEER_ONLY ||
		    ((d->kind == HRP_DIFF_MINOR || d->kind == HRP_DIFF_MAJOR) &&
		     (d->peer_major > d->local_major ||
		      (d->peer_major == d->local_major && d->peer_minor > d->local_minor))))
			v.peer_newer = true;
	}
	*out = v;
	return 0;
}

const struct issu_held *issu_verdict_find(const struct issu_verdict *v, uint16_t type)
{
	for (size_t i = 0; v && i < v->n_held; i++)
		if (v->held[i].type == type)
			return &v->held[i];
	return NULL;
}

bool issu_may_send(const struct issu_verdict *v, uint16_t type)
{
	const struct issu_held *h = issu_verdict_find(v, type);
	return !h || h->send != ISSU_SEND_NEVER;
}

bool issu_may_send_tlv(const struct issu_verdict *v, uint16_t type, uint16_t tlv)
{
	const struct issu_held *h = issu_verdict_find(v, type);
	if (!h)
		return true;
	if (h->send == ISSU_SEND_NEVER)
		return false;
	for (unsigned i = 0; i < h->n_omit; i++)
		if (h->omit[i] == tlv)
			return false;
	return true;
}

bool issu_verdict_proceeds(enum hrp_compat level)
{
	return level == HRP_COMPAT_FULL || level == HRP_COMPAT_PARTIAL ||
	       level == HRP_COMPAT_INCOMPATIBLE;
}

static const char *const send_names[ISSU_SEND_MAX] = {
	[ISSU_SEND_AS_BUILT] = "as-built",
	[ISSU_SEND_NARROWED] = "narrowed",
	[ISSU_SEND_NEVER] = "never",
};

const char *issu_send_name(enum issu_send s)
{
	return (unsigned)s < ISSU_SEND_MAX ? send_names[s] : "?";
}

int issu_send_from_name(const char *name)
{
	for (int i = 0; name && i < ISSU_SEND_MAX; i++)
		if (!strcmp(name, send_names[i]))
			return i;
	return -1;
}
