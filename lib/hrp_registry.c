/* The HRP message registry and the dispatch checks that use it.
 *
 * Design: one table indexed by message type (OpenBSD pfsync's pfsync_acts[] idea): each entry
 * names the type, gives its own version, the minimum body length, and the TLVs it knows with a
 * rule each (required, repeatable). The receive path checks a body against its entry and skips
 * TLVs it does not know by their length, so an older box keeps working with a newer one. The same
 * table, turned into a value (struct hrp_registry), is sent to the peer and compared with the
 * peer's: that comparison is the compatibility verdict used by the pair upgrade.
 *
 * Versioning rules (doc/hrp-protocol.md, "Versioning"): a minor version of a type may only add
 * optional TLVs; anything else (a new required TLV, a changed meaning or length) takes a new
 * major. Core types must match in major on both sides or the pair is incompatible. */
#include "hrp_registry.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hrp_test_version.h"
#include "version.h"

#define R    HRP_TLV_REQUIRED
#define M    HRP_TLV_MULTI
#define N(a) ((uint8_t)(sizeof(a) / sizeof((a)[0])))

static const struct hrp_tlv_rule hello_tlvs[] = {
	{ HRP_TLV_VGMP_PRIORITY, R }, { HRP_TLV_VGMP_STATE, R },     { HRP_TLV_VGMP_READINESS, R },
	{ HRP_TLV_VGMP_MODE, 0 },     { HRP_TLV_CONFIG_DIGEST, 0 },  { HRP_TLV_SESSION_DIGEST, 0 },
	{ HRP_TLV_SYSNAME, 0 },       { HRP_TLV_HELLO_INTERVAL, 0 }, { HRP_TLV_KEY_IDS, 0 },
	{ HRP_TLV_NEXT_EPOCH, 0 },    { HRP_TLV_PAYLOAD_GEN, 0 },
};
static const struct hrp_tlv_rule probe_tlvs[] = {
	{ HRP_TLV_SYSNAME, 0 },
};
static const struct hrp_tlv_rule probe_ack_tlvs[] = {
	{ HRP_TLV_REF_SEQ, R },
};
static const struct hrp_tlv_rule challenge_tlvs[] = {
	{ HRP_TLV_NONCE, R },
};
/* 1.1: data-stream-seq, so that the asker's data window starts closed (section 7.2). */
static const struct hrp_tlv_rule challenge_response_tlvs[] = {
	{ HRP_TLV_NONCE, R },
	{ HRP_TLV_KEY_IDS, 0 },
	{ HRP_TLV_DATA_STREAM_SEQ, 0 },
};
static const struct hrp_tlv_rule not_supported_tlvs[] = {
	{ HRP_TLV_REF_TYPE, R },
	{ HRP_TLV_REF_SEQ, R },
	{ HRP_TLV_PROTO_VERSION, 0 },
	{ HRP_TLV_REF_TLV, M },
};
static const struct hrp_tlv_rule registry_tlvs[] = {
	{ HRP_TLV_PROTO_VERSION, R },
	{ HRP_TLV_REG_ENTRY, M },
};
static const struct hrp_tlv_rule vgmp_switchover_tlvs[] = {
	{ HRP_TLV_VGMP_REQUEST_ID, R },
	{ HRP_TLV_VGMP_STATE, R },
	{ HRP_TLV_VGMP_PRIORITY, 0 },
	{ HRP_TLV_VGMP_REASON, 0 },
};
static const struct hrp_tlv_rule vgmp_ack_tlvs[] = {
	{ HRP_TLV_VGMP_REQUEST_ID, R },
};
static const struct hrp_tlv_rule vgmp_nack_tlvs[] = {
	{ HRP_TLV_VGMP_REQUEST_ID, R },
	{ HRP_TLV_VGMP_REASON, 0 },
};
static const struct hrp_tlv_rule data_tlvs[] = {
	{ HRP_TLV_DATA_CHANNEL, R },
	{ HRP_TLV_DATA_SEQ, R },
	{ HRP_TLV_DATA_PAYLOAD, M },
	{ HRP_TLV_DATA_FLAGS, 0 },
};
/* data 1.1, 1.2, 1.3: the records' features this box reads (section 9.1). */
static const uint16_t data_feats[] = {
	HRP_FEAT_SESS_EXP_NAT,
	HRP_FEAT_SESS_DIR_ZONE,
	HRP_FEAT_SESS_CHECK_BUCKETS,
	HRP_FEAT_SESS_PEER_LOCAL,
};
static const struct hrp_tlv_rule data_ack_tlvs[] = {
	{ HRP_TLV_DATA_CHANNEL, R },
	{ HRP_TLV_DATA_ACK_SEQ, R },
	{ HRP_TLV_DATA_WINDOW, 0 },
};
static const struct hrp_tlv_rule issu_tlvs[] = {
	{ HRP_TLV_ISSU_OP, R },	    { HRP_TLV_ISSU_ID, R },   { HRP_TLV_ISSU_STEP, 0 },
	{ HRP_TLV_ISSU_STATUS, 0 }, { HRP_TLV_ISSU_TEXT, 0 }, { HRP_TLV_ISSU_RECORD, 0 },
};

#define CORE  HRP_MSGF_CORE
#define NOWIN HRP_MSGF_NO_WINDOW

/* min_len: the sum of 4 + minimum length over the required TLVs (a unit test checks it). */
static const struct hrp_msg_info hrp_msg_table[HRP_MSG_MAX] = {
	[HRP_MSG_HELLO] = { "hello", 1, 1, CORE, 19, N(hello_tlvs), hello_tlvs },
	[HRP_MSG_PROBE] = { "probe", 1, 0, 0, 0, N(probe_tlvs), probe_tlvs },
	[HRP_MSG_PROBE_ACK] = { "probe-ack", 1, 0, 0, 8, N(probe_ack_tlvs), probe_ack_tlvs },
	[HRP_MSG_CHALLENGE] = { "challenge", 1, 0, CORE | NOWIN, 20, N(challenge_tlvs),
				challenge_tlvs },
	[HRP_MSG_CHALLENGE_RESPONSE] = { "challenge-response", 1, 1, CORE | NOWIN, 20,
					 N(challenge_response_tlvs), challenge_response_tlvs },
	[HRP_MSG_NOT_SUPPORTED] = { "not-supported", 1, 0, CORE, 14, N(not_supported_tlvs),
				    not_supported_tlvs },
	[HRP_MSG_REGISTRY] = { "registry", 1, 0, CORE, 6, N(registry_tlvs), registry_tlvs },
	[HRP_MSG_VGMP_SWITCHOVER] = { "vgmp-switchover-request", 1, 0, CORE, 13,
				      N(vgmp_switchover_tlvs), vgmp_switchover_tlvs },
	[HRP_MSG_VGMP_ACK] = { "vgmp-ack", 1, 0, CORE, 8, N(vgmp_ack_tlvs), vgmp_ack_tlvs },
	[HRP_MSG_VGMP_NACK] = { "vgmp-nack", 1, 0, CORE, 8, N(vgmp_nack_tlvs), vgmp_nack_tlvs },
	[HRP_MSG_DATA] = { "data", 1, 3, 0, 13, N(data_tlvs), data_tlvs, N(data_feats),
			   data_feats },
	[HRP_MSG_DATA_ACK] = { "data-ack", 1, 0, 0, 13, N(data_ack_tlvs), data_ack_tlvs },
	[HRP_MSG_ISSU] = { "issu", 1, 0, 0, 13, N(issu_tlvs), issu_tlvs },
};

static const struct hrp_tlv_info hrp_tlv_table[HRP_TLV_MAX] = {
	[HRP_TLV_SYSNAME] = { "sysname", 1, 64 },
	[HRP_TLV_NONCE] = { "nonce", HRP_NONCE_LEN, HRP_NONCE_LEN },
	[HRP_TLV_REF_SEQ] = { "ref-seq", 4, 4 },
	[HRP_TLV_REF_TYPE] = { "ref-type", 2, 2 },
	[HRP_TLV_PROTO_VERSION] = { "proto-version", 2, 2 },
	[HRP_TLV_NEXT_EPOCH] = { "next-epoch", 8, 8 },
	[HRP_TLV_KEY_IDS] = { "key-ids", 1, 8 },
	[HRP_TLV_REG_ENTRY] = { "reg-entry", 10, HRP_TLV_VAL_MAX },
	[HRP_TLV_REF_TLV] = { "ref-tlv", 2, 2 },
	[HRP_TLV_HELLO_INTERVAL] = { "hello-interval", 4, 4 },
	[HRP_TLV_VGMP_PRIORITY] = { "vgmp-priority", 2, 2 },
	[HRP_TLV_VGMP_STATE] = { "vgmp-state", 1, 1 },
	[HRP_TLV_VGMP_MODE] = { "vgmp-mode", 1, 1 },
	[HRP_TLV_VGMP_READINESS] = { "vgmp-readiness", 4, 4 },
	[HRP_TLV_CONFIG_DIGEST] = { "config-digest", HRP_DIGEST_LEN, HRP_DIGEST_LEN },
	[HRP_TLV_SESSION_DIGEST] = { "session-digest", HRP_DIGEST_LEN, HRP_DIGEST_LEN },
	[HRP_TLV_VGMP_REQUEST_ID] = { "vgmp-request-id", 4, 4 },
	[HRP_TLV_VGMP_REASON] = { "vgmp-reason", 2, 2 },
	[HRP_TLV_DATA_CHANNEL] = { "data-channel", 1, 1 },
	[HRP_TLV_DATA_SEQ] = { "data-seq", 4, 4 },
	[HRP_TLV_DATA_PAYLOAD] = { "data-payload", 0, HRP_TLV_VAL_MAX },
	[HRP_TLV_DATA_ACK_SEQ] = { "data-ack-seq", 4, 4 },
	[HRP_TLV_DATA_WINDOW] = { "data-window", 4, 4 },
	[HRP_TLV_DATA_FLAGS] = { "data-flags", 4, 4 },
	[HRP_TLV_PAYLOAD_GEN] = { "payload-gen", 4, 4 },
	[HRP_TLV_ISSU_OP] = { "issu-op", 1, 1 },
	[HRP_TLV_ISSU_ID] = { "issu-id", 4, 4 },
	[HRP_TLV_ISSU_STEP] = { "issu-step", 3, 3 },
	[HRP_TLV_ISSU_STATUS] = { "issu-status", 1, 1 },
	[HRP_TLV_ISSU_TEXT] = { "issu-text", 1, 255 },
	[HRP_TLV_ISSU_RECORD] = { "issu-record", 1, HRP_TLV_VAL_MAX },
	[HRP_TLV_DATA_STREAM_SEQ] = { "data-stream-seq", 4, 4 },
};

const struct hrp_msg_info *hrp_msg_info(uint16_t type)
{
	if (type >= HRP_MSG_MAX || !hrp_msg_table[type].name)
		return NULL;
	return &hrp_msg_table[type];
}

const struct hrp_tlv_info *hrp_tlv_info(uint16_t type)
{
	type &= (uint16_t)~HRP_TLV_CRITICAL;
	if (type >= HRP_TLV_MAX || !hrp_tlv_table[type].name)
		return NULL;
	return &hrp_tlv_table[type];
}

const char *hrp_msg_type_name(uint16_t type)
{
	const struct hrp_msg_info *mi = hrp_msg_info(type);
	return mi ? mi->name : "unknown";
}

static const char *const hrp_feature_names[HRP_FEAT_END - HRP_FEAT_BASE] = {
	[HRP_FEAT_SESS_EXP_NAT - HRP_FEAT_BASE] = "sess-exp-nat",
	[HRP_FEAT_SESS_DIR_ZONE - HRP_FEAT_BASE] = "sess-dir-zone",
	[HRP_FEAT_SESS_CHECK_BUCKETS - HRP_FEAT_BASE] = "sess-check-buckets",
	[HRP_FEAT_SESS_PEER_LOCAL - HRP_FEAT_BASE] = "sess-peer-local",
};

const char *hrp_feature_name(uint16_t f)
{
	if (f < HRP_FEAT_BASE || f >= HRP_FEAT_END)
		return NULL;
	return hrp_feature_names[f - HRP_FEAT_BASE];
}

const char *hrp_tlv_type_name(uint16_t type)
{
	const struct hrp_tlv_info *ti = hrp_tlv_info(type);
	const char *feat = hrp_feature_name(type);
	return ti ? ti->name : feat ? feat : "unknown";
}

static int rule_index(const struct hrp_msg_info *mi, uint16_t tlv)
{
	for (int i = 0; i < mi->n_tlvs; i++)
		if (mi->tlvs[i].tlv == tlv)
			return i;
	return -1;
}

static int bad(enum hrp_drop *why, enum hrp_drop d, uint16_t *bad_tlv, uint16_t tlv)
{
	if (why)
		*why = d;
	if (bad_tlv)
		*bad_tlv = tlv;
	return -EBADMSG;
}

int hrp_body_check(const struct hrp_msg_info *mi, const uint8_t *body, size_t len,
		   unsigned *unknown, uint16_t *bad_tlv, enum hrp_drop *why)
{
	struct hrp_tlv_iter it;
	struct hrp_tlv t;
	uint32_t seen = 0;
	unsigned skipped = 0;
	int r;

	if (len < mi->min_len)
		return bad(why, HRP_DROP_SHORT_BODY, bad_tlv, 0);
	hrp_tlv_iter_init(&it, body, len);
	while ((r = hrp_tlv_next(&it, &t)) == 1) {
		uint16_t tt = t.type & (uint16_t)~HRP_TLV_CRITICAL;
		int i = rule_index(mi, tt);
		if (i < 0) {
			/* Not a TLV this type knows (in this version): skip it by its length,
			 * unless the sender said it must be understood. */
			if (t.type & HRP_TLV_CRITICAL)
				return bad(why, HRP_DROP_CRITICAL_TLV, bad_tlv, t.type);
			skipped++;
			continue;
		}
		const struct hrp_tlv_info *ti = hrp_tlv_info(tt);
		if (!ti || t.len < ti->min_len || t.len > ti->max_len)
			return bad(why, HRP_DROP_BAD_TLV_LENGTH, bad_tlv, tt);
		if ((seen & (1u << i)) && !(mi->tlvs[i].flags & HRP_TLV_MULTI))
			return bad(why, HRP_DROP_DUP_TLV, bad_tlv, tt);
		seen |= 1u << i;
	}
	if (r < 0)
		return bad(why, HRP_DROP_BAD_TLV, bad_tlv, 0);
	for (int i = 0; i < mi->n_tlvs; i++)
		if ((mi->tlvs[i].flags & HRP_TLV_REQUIRED) && !(seen & (1u << i)))
			return bad(why, HRP_DROP_MISSING_TLV, bad_tlv, mi->tlvs[i].tlv);
	if (unknown)
		*unknown = skipped;
	return 0;
}

void hrp_registry_local(struct hrp_registry *r)
{
	/* HS_TEST_VERSION is 0 (none) except in the upgrade tests' second build. */
	hrp_registry_variant(r, (enum hrp_test_version)HS_TEST_VERSION);
}

void hrp_registry_builtin(struct hrp_registry *r)
{
	memset(r, 0, sizeof(*r));
	r->proto_major = HS_HRP_VERSION_MAJOR;
	r->proto_minor = HS_HRP_VERSION_MINOR;
	for (uint16_t t = 0; t < HRP_MSG_MAX && r->n < HRP_REGISTRY_MAX; t++) {
		const struct hrp_msg_info *mi = hrp_msg_info(t);
		if (!mi)
			continue;
		struct hrp_reg_entry *e = &r->e[r->n++];
		e->type = t;
		e->ver_major = mi->ver_major;
		e->ver_minor = mi->ver_minor;
		e->flags = mi->flags;
		e->min_len = mi->min_len;
		for (int i = 0; i < mi->n_tlvs && e->n_tlvs < HRP_REG_TLVS_MAX; i++)
			e->tlvs[e->n_tlvs++] = mi->tlvs[i].tlv;
		/* The features go in the same list: an older box sees numbers it does not know,
		 * and the verdict narrows them like TLVs. */
		for (int i = 0; i < mi->n_feats && e->n_tlvs < HRP_REG_TLVS_MAX; i++)
			e->tlvs[e->n_tlvs++] = mi->feats[i];
		snprintf(e->name, sizeof(e->name), "%s", mi->name);
	}
}

const struct hrp_reg_entry *hrp_registry_find(const struct hrp_registry *r, uint16_t type)
{
	for (size_t i = 0; r && i < r->n; i++)
		if (r->e[i].type == type)
			return &r->e[i];
	return NULL;
}

#define REG_ENTRY_FIXED 10u

int hrp_registry_encode(const struct hrp_registry *r, struct hrp_builder *b)
{
	uint8_t v[REG_ENTRY_FIXED + 2 * HRP_REG_TLVS_MAX + HRP_REG_NAME_MAX];
	uint8_t pv[2] = { r->proto_major, r->proto_minor };

	hrp_tlv_put(b, HRP_TLV_PROTO_VERSION, pv, sizeof(pv));
	for (size_t i = 0; i < r->n; i++) {
		const struct hrp_reg_entry *e = &r->e[i];
		size_t name_len = strnlen(e->name, HRP_REG_NAME_MAX);
		uint8_t n_tlvs = e->n_tlvs > HRP_REG_TLVS_MAX ? HRP_REG_TLVS_MAX : e->n_tlvs;
		hrp_put_u16(v, e->type);
		v[2] = e->ver_major;
		v[3] = e->ver_minor;
		hrp_put_u16(v + 4, e->flags);
		hrp_put_u16(v + 6, e->min_len);
		v[8] = n_tlvs;
		v[9] = (uint8_t)name_len;
		for (unsigned j = 0; j < n_tlvs; j++)
			hrp_put_u16(v + REG_ENTRY_FIXED + 2 * j, e->tlvs[j]);
		memcpy(v + REG_ENTRY_FIXED + 2 * n_tlvs, e->name, name_len);
		hrp_tlv_put(b, HRP_TLV_REG_ENTRY, v, REG_ENTRY_FIXED + 2 * n_tlvs + name_len);
	}
	return b->err;
}

static int reg_entry_decode(const struct hrp_tlv *t, struct hrp_reg_entry *e)
{
	if (t->len < REG_ENTRY_FIXED)
		return -EBADMSG;
	const uint8_t *v = t->val;
	unsigned n_tlvs = v[8], name_len = v[9];
	if (t->len != REG_ENTRY_FIXED + 2 * n_tlvs + name_len)
		return -EBADMSG;
	if (n_tlvs > HRP_REG_TLVS_MAX || name_len > HRP_REG_NAME_MAX)
		return -E2BIG;
	memset(e, 0, sizeof(*e));
	e->type = hrp_get_u16(v);
	e->ver_major = v[2];
	e->ver_minor = v[3];
	e->flags = hrp_get_u16(v + 4);
	e->min_len = hrp_get_u16(v + 6);
	e->n_tlvs = (uint8_t)n_tlvs;
	for (unsigned j = 0; j < n_tlvs; j++)
		e->tlvs[j] = hrp_get_u16(v + REG_ENTRY_FIXED + 2 * j);
	/* The name is for display only: anything unprintable becomes '?'. */
	for (unsigned j = 0; j < name_len; j++) {
		uint8_t c = v[REG_ENTRY_FIXED + 2 * n_tlvs + j];
		e->name[j] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	return 0;
}

int hrp_registry_decode(const uint8_t *body, size_t len, struct hrp_registry *r)
{
	struct hrp_registry tmp;
	struct hrp_tlv_iter it;
	struct hrp_tlv t;
	bool have_version = false;
	int ret;

	memset(&tmp, 0, sizeof(tmp));
	hrp_tlv_iter_init(&it, body, len);
	while ((ret = hrp_tlv_next(&it, &t)) == 1) {
		uint16_t tt = t.type & (uint16_t)~HRP_TLV_CRITICAL;
		if (tt == HRP_TLV_PROTO_VERSION) {
			if (t.len != 2 || have_version)
				return -EBADMSG;
			tmp.proto_major = t.val[0];
			tmp.proto_minor = t.val[1];
			have_version = true;
		} else if (tt == HRP_TLV_REG_ENTRY) {
			if (tmp.n >= HRP_REGISTRY_MAX)
				return -E2BIG;
			struct hrp_reg_entry *e = &tmp.e[tmp.n];
			int er = reg_entry_decode(&t, e);
			if (er < 0)
				return er;
			if (e->type == HRP_MSG_INVALID || hrp_registry_find(&tmp, e->type))
				return -EBADMSG;
			tmp.n++;
		}
	}
	if (ret < 0 || !have_version)
		return -EBADMSG;
	*r = tmp;
	return 0;
}

int hrp_registry_format(const struct hrp_registry *r, char *buf, size_t len)
{
	size_t need = 0;
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < r->n; i++) {
		const struct hrp_reg_entry *e = &r->e[i];
		int n = snprintf(len > need ? buf + need : NULL, len > need ? len - need : 0,
				 "%u %s %u.%u\n", e->type, e->name, e->ver_major, e->ver_minor);
		if (n < 0)
			return -EIO;
		need += (size_t)n;
	}
	return need > 0x7fffffff ? -EOVERFLOW : (int)need;
}

static bool same_tlvs(const struct hrp_reg_entry *a, const struct hrp_reg_entry *b)
{
	if (a->n_tlvs != b->n_tlvs)
		return false;
	for (unsigned i = 0; i < a->n_tlvs; i++) {
		bool found = false;
		for (unsigned j = 0; j < b->n_tlvs && !found; j++)
			found = a->tlvs[i] == b->tlvs[j];
		if (!found)
			return false;
	}
	return true;
}

static enum hrp_compat worse(enum hrp_compat a, enum hrp_compat b)
{
	return a > b ? a : b;
}

static void add_diff(struct hrp_compat_result *out, const struct hrp_reg_entry *l,
		     const struct hrp_reg_entry *p, enum hrp_diff_kind kind)
{
	const struct hrp_reg_entry *any = l ? l : p;
	bool core = (l && (l->flags & HRP_MSGF_CORE)) || (p && (p->flags & HRP_MSGF_CORE));
	enum hrp_compat v = HRP_COMPAT_PARTIAL;

	/* A core type unusable between the two (missing on a side, or another major) stops the
	 * pair from working at all; any other difference only turns a feature off or narrows it. */
	if (core && kind != HRP_DIFF_MINOR && kind != HRP_DIFF_TLVS)
		v = HRP_COMPAT_INCOMPATIBLE;
	out->verdict = worse(out->verdict, v);
	if (out->n_diffs >= sizeof(out->diffs) / sizeof(out->diffs[0]))
		return;
	struct hrp_compat_diff *d = &out->diffs[out->n_diffs++];
	*d = (struct hrp_compat_diff){
		.type = any->type,
		.kind = kind,
		.core = core,
		.local_major = l ? l->ver_major : 0,
		.local_minor = l ? l->ver_minor : 0,
		.peer_major = p ? p->ver_major : 0,
		.peer_minor = p ? p->ver_minor : 0,
	};
	memcpy(d->name, any->name, sizeof(d->name));
}

int hrp_registry_compare(const struct hrp_registry *local, const struct hrp_registry *peer,
			 struct hrp_compat_result *out)
{
	if (!local || !out)
		return -EINVAL;
	out->verdict = HRP_COMPAT_FULL;
	out->n_diffs = 0;
	if (!peer || peer->n == 0) {
		out->verdict = HRP_COMPAT_UNKNOWN;
		return 0;
	}
	if (peer->proto_major != local->proto_major)
		out->verdict = HRP_COMPAT_INCOMPATIBLE;
	for (size_t i = 0; i < local->n; i++) {
		const struct hrp_reg_entry *l = &local->e[i];
		const struct hrp_reg_entry *p = hrp_registry_find(peer, l->type);
		if (!p)
			add_diff(out, l, NULL, HRP_DIFF_LOCAL_ONLY);
		else if (p->ver_major != l->ver_major)
			add_diff(out, l, p, HRP_DIFF_MAJOR);
		else if (p->ver_minor != l->ver_minor)
			add_diff(out, l, p, HRP_DIFF_MINOR);
		else if (!same_tlvs(l, p))
			add_diff(out, l, p, HRP_DIFF_TLVS);
	}
	for (size_t i = 0; i < peer->n; i++)
		if (!hrp_registry_find(local, peer->e[i].type))
			add_diff(out, NULL, &peer->e[i], HRP_DIFF_PEER_ONLY);
	return 0;
}

static const char *const hrp_compat_names[HRP_COMPAT_MAX] = {
	[HRP_COMPAT_FULL] = "fully-compatible",
	[HRP_COMPAT_PARTIAL] = "partially-compatible",
	[HRP_COMPAT_UNKNOWN] = "unknown",
	[HRP_COMPAT_INCOMPATIBLE] = "incompatible",
};

static const char *const hrp_diff_kind_names[HRP_DIFF_MAX] = {
	[HRP_DIFF_MINOR] = "minor-version", [HRP_DIFF_TLVS] = "tlv-list",
	[HRP_DIFF_MAJOR] = "major-version", [HRP_DIFF_LOCAL_ONLY] = "local-only",
	[HRP_DIFF_PEER_ONLY] = "peer-only",
};

const char *hrp_compat_name(enum hrp_compat c)
{
	return (unsigned)c < HRP_COMPAT_MAX ? hrp_compat_names[c] : "invalid";
}

const char *hrp_diff_kind_name(enum hrp_diff_kind k)
{
	return (unsigned)k < HRP_DIFF_MAX ? hrp_diff_kind_names[k] : "invalid";
}
