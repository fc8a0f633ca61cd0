/* The upgrade's verdict and send plan (lib/issu_verdict.h) over pairs of registries built by
 * hand (same, minor bump, new TLV, new type on one side, core and non-core type at another
 * major, another protocol major, peer unknown), seen from both boxes; and the test versions
 * (lib/hrp_test_version.h): each variant against the normal registry gives the level the upgrade
 * tests expect. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hrp_test_version.h"
#include "issu_send.h"
#include "issu_verdict.h"

#define T_NEW_THING 40 /* a type only one side has */

static struct issu_verdict v;

static void reg_init(struct hrp_registry *r)
{
	memset(r, 0, sizeof(*r));
	r->proto_major = 1;
}

static struct hrp_reg_entry *reg_add(struct hrp_registry *r, uint16_t type, uint8_t major,
				     uint8_t minor, uint16_t flags, const char *name, unsigned n,
				     const uint16_t *tlvs)
{
	struct hrp_reg_entry *e = &r->e[r->n++];
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->ver_major = major;
	e->ver_minor = minor;
	e->flags = flags;
	e->n_tlvs = (uint8_t)n;
	if (n)
		memcpy(e->tlvs, tlvs, n * sizeof(*tlvs));
	snprintf(e->name, sizeof(e->name), "%s", name);
	return e;
}

static const uint16_t hello_tlvs[] = { HRP_TLV_VGMP_PRIORITY, HRP_TLV_VGMP_STATE,
				       HRP_TLV_VGMP_READINESS };
static const uint16_t hello_tlvs_new[] = { HRP_TLV_VGMP_PRIORITY, HRP_TLV_VGMP_STATE,
					   HRP_TLV_VGMP_READINESS, HRP_TLV_TEST_EXTENSION };
static const uint16_t probe_tlvs[] = { HRP_TLV_SYSNAME };
static const uint16_t sw_tlvs[] = { HRP_TLV_VGMP_REQUEST_ID, HRP_TLV_VGMP_STATE };

/* A small "old version": hello (core), probe, vgmp-switchover-request (core). */
static void reg_old(struct hrp_registry *r)
{
	reg_init(r);
	reg_add(r, HRP_MSG_HELLO, 1, 1, HRP_MSGF_CORE, "hello", 3, hello_tlvs);
	reg_add(r, HRP_MSG_PROBE, 1, 0, 0, "probe", 1, probe_tlvs);
	reg_add(r, HRP_MSG_VGMP_SWITCHOVER, 1, 0, HRP_MSGF_CORE, "vgmp-switchover-request", 2,
		sw_tlvs);
}

static struct hrp_reg_entry *entry(struct hrp_registry *r, uint16_t type)
{
	return (struct hrp_reg_entry *)hrp_registry_find(r, type);
}

static void test_same_is_full(void **state)
{
	(void)state;
	struct hrp_registry a, b;
	reg_old(&a);
	reg_old(&b);
	assert_int_equal(issu_verdict_compute(&a, &b, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_FULL);
	assert_int_equal(v.n_held, 0);
	assert_false(v.peer_newer);
	assert_true(issu_may_send(&v, HRP_MSG_HELLO));
	assert_true(issu_may_send_tlv(&v, HRP_MSG_HELLO, HRP_TLV_VGMP_STATE));
	assert_true(issu_verdict_proceeds(v.level));
}

static void test_minor_bump_is_partial_sent_at_older_version(void **state)
{
	(void)state;
	struct hrp_registry newer, older;
	reg_old(&newer);
	reg_old(&older);
	entry(&newer, HRP_MSG_PROBE)->ver_minor = 1;

	assert_int_equal(issu_verdict_compute(&newer, &older, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_PARTIAL);
	assert_int_equal(v.n_held, 1);
	const struct issu_held *h = issu_verdict_find(&v, HRP_MSG_PROBE);
	assert_non_null(h);
	assert_string_equal(h->name, "probe");
	assert_int_equal(h->diff, HRP_DIFF_MINOR);
	assert_int_equal(h->send, ISSU_SEND_AS_BUILT); /* no TLV to leave out */
	assert_int_equal(h->send_major, 1);
	assert_int_equal(h->send_minor, 0); /* the version the older box knows */
	assert_int_equal(h->local_minor, 1);
	assert_int_equal(h->peer_minor, 0);
	assert_false(v.peer_newer);
	assert_null(issu_verdict_find(&v, HRP_MSG_HELLO));

	/* the older box names the same type; it sends its own version, which the newer reads */
	assert_int_equal(issu_verdict_compute(&older, &newer, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_PARTIAL);
	h = issu_verdict_find(&v, HRP_MSG_PROBE);
	assert_non_null(h);
	assert_int_equal(h->send, ISSU_SEND_AS_BUILT);
	assert_int_equal(h->send_minor, 0);
	assert_true(v.peer_newer);
}

static void test_new_tlv_is_narrowed(void **state)
{
	(void)state;
	struct hrp_registry newer, older;
	reg_old(&newer);
	reg_old(&older);
	struct hrp_reg_entry *e = entry(&newer, HRP_MSG_HELLO);
	e->ver_minor = 2;
	e->n_tlvs = 4;
	memcpy(e->tlvs, hello_tlvs_new, sizeof(hello_tlvs_new));

	assert_int_equal(issu_verdict_compute(&newer, &older, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_PARTIAL);
	const struct issu_held *h = issu_verdict_find(&v, HRP_MSG_HELLO);
	assert_non_null(h);
	assert_true(h->core);
	assert_int_equal(h->send, ISSU_SEND_NARROWED);
	assert_int_equal(h->send_minor, 1);
	assert_int_equal(h->n_omit, 1);
	assert_int_equal(h->omit[0], HRP_TLV_TEST_EXTENSION);
	assert_true(issu_may_send(&v, HRP_MSG_HELLO));
	assert_false(issu_may_send_tlv(&v, HRP_MSG_HELLO, HRP_TLV_TEST_EXTENSION));
	assert_true(issu_may_send_tlv(&v, HRP_MSG_HELLO, HRP_TLV_VGMP_PRIORITY));

	/* same version, different TLV lists (a build mismatch): each side leaves out its extra */
	entry(&newer, HRP_MSG_HELLO)->ver_minor = 1;
	assert_int_equal(issu_verdict_compute(&newer, &older, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_PARTIAL);
	h = issu_verdict_find(&v, HRP_MSG_HELLO);
	assert_int_equal(h->diff, HRP_DIFF_TLVS);
	assert_int_equal(h->send, ISSU_SEND_NARROWED);
	assert_int_equal(h->omit[0], HRP_TLV_TEST_EXTENSION);
}

static void test_new_type_on_one_side_is_never_sent(void **state)
{
	(void)state;
	struct hrp_registry newer, older;
	reg_old(&newer);
	reg_old(&older);
	reg_add(&newer, T_NEW_THING, 1, 0, 0, "new-thing", 1, probe_tlvs);

	assert_int_equal(issu_verdict_compute(&newer, &older, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_PARTIAL);
	const struct issu_held *h = issu_verdict_find(&v, T_NEW_THING);
	assert_non_null(h);
	assert_int_equal(h->diff, HRP_DIFF_LOCAL_ONLY);
	assert_int_equal(h->send, ISSU_SEND_NEVER);
	assert_false(issu_may_send(&v, T_NEW_THING));
	assert_false(issu_may_send_tlv(&v, T_NEW_THING, HRP_TLV_SYSNAME));

	assert_int_equal(issu_verdict_compute(&older, &newer, &v), 0);
	h = issu_verdict_find(&v, T_NEW_THING);
	assert_non_null(h);
	assert_int_equal(h->diff, HRP_DIFF_PEER_ONLY);
	assert_string_equal(h->name, "new-thing");
	assert_true(v.peer_newer);

	/* a new core type the older box lacks cannot be held back: incompatible */
	reg_add(&newer, T_NEW_THING + 1, 1, 0, HRP_MSGF_CORE, "new-core", 0, NULL);
	assert_int_equal(issu_verdict_compute(&newer, &older, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_INCOMPATIBLE);
}

static void test_other_major(void **state)
{
	(void)state;
	struct hrp_registry newer, older;
	reg_old(&newer);
	reg_old(&older);
	/* a non-core type at another major: that feature is off between the two */
	entry(&newer, HRP_MSG_PROBE)->ver_major = 2;
	assert_int_equal(issu_verdict_compute(&newer, &older, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_PARTIAL);
	assert_int_equal(issu_verdict_find(&v, HRP_MSG_PROBE)->send, ISSU_SEND_NEVER);
	assert_int_equal(issu_verdict_find(&v, HRP_MSG_PROBE)->diff, HRP_DIFF_MAJOR);

	/* a core type at another major: incompatible, cold mode only */
	entry(&newer, HRP_MSG_VGMP_SWITCHOVER)->ver_major = 2;
	assert_int_equal(issu_verdict_compute(&newer, &older, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_INCOMPATIBLE);
	const struct issu_held *h = issu_verdict_find(&v, HRP_MSG_VGMP_SWITCHOVER);
	assert_non_null(h);
	assert_true(h->core);
	assert_int_equal(h->send, ISSU_SEND_NEVER);
	assert_int_equal(v.n_held, 2);
	assert_true(issu_verdict_proceeds(v.level));

	/* another protocol major, even with every type the same */
	reg_old(&newer);
	newer.proto_major = 2;
	assert_int_equal(issu_verdict_compute(&newer, &older, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_INCOMPATIBLE);
}

static void test_peer_unknown_stops(void **state)
{
	(void)state;
	struct hrp_registry local, empty;
	reg_old(&local);
	reg_init(&empty);
	assert_int_equal(issu_verdict_compute(&local, NULL, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_UNKNOWN);
	assert_int_equal(v.n_held, 0);
	assert_false(issu_verdict_proceeds(v.level));
	assert_int_equal(issu_verdict_compute(&local, &empty, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_UNKNOWN);

	v.level = HRP_COMPAT_FULL;
	assert_int_equal(issu_verdict_compute(NULL, &local, &v), -EINVAL);
	assert_int_equal(issu_verdict_compute(&local, &local, NULL), -EINVAL);
	assert_int_equal(v.level, HRP_COMPAT_FULL); /* untouched */
}

/* Each test version against the normal registry, both ways, with what is held back. */
static void test_test_versions(void **state)
{
	(void)state;
	static const struct {
		enum hrp_test_version tv;
		enum hrp_compat level;
		uint16_t held;
		enum issu_send send; /* from the test version's (newer) side */
	} cases[] = {
		{ HRP_TESTV_NONE, HRP_COMPAT_FULL, 0, ISSU_SEND_AS_BUILT },
		{ HRP_TESTV_MINOR, HRP_COMPAT_PARTIAL, HRP_MSG_PROBE, ISSU_SEND_AS_BUILT },
		{ HRP_TESTV_TLV, HRP_COMPAT_PARTIAL, HRP_MSG_HELLO, ISSU_SEND_NARROWED },
		{ HRP_TESTV_INCOMPATIBLE, HRP_COMPAT_INCOMPATIBLE, HRP_MSG_VGMP_SWITCHOVER,
		  ISSU_SEND_NEVER },
		/* the older side sends as built; the normal side narrows (test below) */
		{ HRP_TESTV_OLD_DATA, HRP_COMPAT_PARTIAL, HRP_MSG_DATA, ISSU_SEND_AS_BUILT },
	};
	struct hrp_registry normal, test;
	hrp_registry_builtin(&normal);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hrp_registry_variant(&test, cases[i].tv);
		for (int dir = 0; dir < 2; dir++) {
			assert_int_equal(dir ? issu_verdict_compute(&normal, &test, &v)
					     : issu_verdict_compute(&test, &normal, &v),
					 0);
			assert_int_equal(v.level, cases[i].level);
			assert_int_equal(v.n_held, cases[i].held ? 1 : 0);
			if (!cases[i].held)
				continue;
			const struct issu_held *h = issu_verdict_find(&v, cases[i].held);
			assert_non_null(h);
			if (dir == 0)
				assert_int_equal(h->send, cases[i].send);
		}
	}
	hrp_registry_variant(&test, HRP_TESTV_TLV);
	assert_int_equal(issu_verdict_compute(&test, &normal, &v), 0);
	assert_false(issu_may_send_tlv(&v, HRP_MSG_HELLO, HRP_TLV_TEST_EXTENSION));
	/* the TLV is one the normal build does not know: older boxes skip it by its length */
	assert_null(hrp_tlv_info(HRP_TLV_TEST_EXTENSION));

	/* out of range: as none */
	hrp_registry_variant(&test, HRP_TESTV_MAX);
	assert_int_equal(issu_verdict_compute(&test, &normal, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_FULL);
	assert_string_equal(hrp_test_version_name(HRP_TESTV_TLV), "tlv");
	assert_string_equal(hrp_test_version_name(HRP_TESTV_MAX), "?");

	/* what the daemons of this build report is the configured variant */
	struct hrp_registry local;
	hrp_registry_local(&local);
	hrp_registry_variant(&test, (enum hrp_test_version)HS_TEST_VERSION);
	assert_memory_equal(&local, &test, sizeof(local));
}

/* The data channel's record features (doc/hrp-protocol.md, section 9.1): a box whose data entry
 * lists HRP_FEAT_SESS_EXP_NAT, against one whose entry (an older build) does not, leaves the
 * expectations' NAT part out; the older box sends as built; two boxes that list it, nothing. */
static const uint16_t data_tlvs[] = { HRP_TLV_DATA_CHANNEL, HRP_TLV_DATA_SEQ, HRP_TLV_DATA_PAYLOAD,
				      HRP_TLV_DATA_FLAGS };
static const uint16_t data_tlvs_feat[] = { HRP_TLV_DATA_CHANNEL, HRP_TLV_DATA_SEQ,
					   HRP_TLV_DATA_PAYLOAD, HRP_TLV_DATA_FLAGS,
					   HRP_FEAT_SESS_EXP_NAT };

static void test_data_features_narrowed(void **state)
{
	(void)state;
	struct hrp_registry newer, older;
	reg_old(&older);
	reg_add(&older, HRP_MSG_DATA, 1, 0, 0, "data", 4, data_tlvs);
	reg_old(&newer);
	reg_add(&newer, HRP_MSG_DATA, 1, 1, 0, "data", 5, data_tlvs_feat);

	assert_int_equal(issu_verdict_compute(&newer, &older, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_PARTIAL);
	assert_int_equal(v.n_held, 1);
	const struct issu_held *h = issu_verdict_find(&v, HRP_MSG_DATA);
	assert_non_null(h);
	assert_int_equal(h->diff, HRP_DIFF_MINOR);
	assert_int_equal(h->send, ISSU_SEND_NARROWED);
	assert_int_equal(h->send_minor, 0);
	assert_int_equal(h->n_omit, 1);
	assert_int_equal(h->omit[0], HRP_FEAT_SESS_EXP_NAT);
	assert_true(issu_may_send(&v, HRP_MSG_DATA));
	assert_false(issu_may_send_tlv(&v, HRP_MSG_DATA, HRP_FEAT_SESS_EXP_NAT));
	assert_true(issu_may_send_tlv(&v, HRP_MSG_DATA, HRP_TLV_DATA_PAYLOAD));
	assert_string_equal(hrp_tlv_type_name(HRP_FEAT_SESS_EXP_NAT), "sess-exp-nat");

	/* a feature is never a TLV of a body: narrowing a data body leaves it whole */
	uint8_t body[] = {
		0, HRP_TLV_DATA_CHANNEL, 0, 1, 1, 0, HRP_TLV_DATA_SEQ, 0, 4, 0, 0, 0, 7
	};
	size_t len = sizeof(body);
	unsigned cut = 9;
	assert_int_equal(issu_send_narrow(&v, HRP_MSG_DATA, body, &len, &cut), 0);
	assert_int_equal(len, sizeof(body));
	assert_int_equal(cut, 0);

	/* the older box: nothing of its own to leave out, and it knows the peer is newer */
	assert_int_equal(issu_verdict_compute(&older, &newer, &v), 0);
	h = issu_verdict_find(&v, HRP_MSG_DATA);
	assert_non_null(h);
	assert_int_equal(h->send, ISSU_SEND_AS_BUILT);
	assert_true(v.peer_newer);

	/* both list it: nothing held back */
	assert_int_equal(issu_verdict_compute(&newer, &newer, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_FULL);
	assert_true(issu_may_send_tlv(&v, HRP_MSG_DATA, HRP_FEAT_SESS_EXP_NAT));

	/* the peer's registry not known yet: taken as equal, like every type of the plan */
	struct hrp_registry none;
	memset(&none, 0, sizeof(none));
	assert_int_equal(issu_verdict_compute(&newer, &none, &v), 0);
	assert_true(issu_may_send_tlv(&v, HRP_MSG_DATA, HRP_FEAT_SESS_EXP_NAT));

	/* the same with this build's table and the old-data test version */
	struct hrp_registry normal, old;
	hrp_registry_builtin(&normal);
	hrp_registry_variant(&old, HRP_TESTV_OLD_DATA);
	const struct hrp_reg_entry *e = hrp_registry_find(&old, HRP_MSG_DATA);
	assert_non_null(e);
	for (unsigned i = 0; i < e->n_tlvs; i++)
		assert_null(hrp_feature_name(e->tlvs[i]));
	assert_int_equal(issu_verdict_compute(&normal, &old, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_PARTIAL);
	assert_int_equal(v.n_held, 1);
	h = issu_verdict_find(&v, HRP_MSG_DATA);
	assert_non_null(h);
	assert_int_equal(h->send, ISSU_SEND_NARROWED);
	assert_false(issu_may_send_tlv(&v, HRP_MSG_DATA, HRP_FEAT_SESS_EXP_NAT));
	assert_string_equal(hrp_test_version_name(HRP_TESTV_OLD_DATA), "old-data");
}

/* data 1.2 (sess-exp-nat and sess-dir-zone) against a data 1.1 peer (sess-exp-nat only): only
 * the directional zones are left out of the session records. */
static const uint16_t data_tlvs_dir_zone[] = { HRP_TLV_DATA_CHANNEL,  HRP_TLV_DATA_SEQ,
					       HRP_TLV_DATA_PAYLOAD,  HRP_TLV_DATA_FLAGS,
					       HRP_FEAT_SESS_EXP_NAT, HRP_FEAT_SESS_DIR_ZONE };

static void test_data_dir_zone_narrowed(void **state)
{
	(void)state;
	struct hrp_registry newer, older;
	reg_old(&older);
	reg_add(&older, HRP_MSG_DATA, 1, 1, 0, "data", 5, data_tlvs_feat);
	reg_old(&newer);
	reg_add(&newer, HRP_MSG_DATA, 1, 2, 0, "data", 6, data_tlvs_dir_zone);

	assert_int_equal(issu_verdict_compute(&newer, &older, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_PARTIAL);
	const struct issu_held *h = issu_verdict_find(&v, HRP_MSG_DATA);
	assert_non_null(h);
	assert_int_equal(h->send, ISSU_SEND_NARROWED);
	assert_int_equal(h->n_omit, 1);
	assert_int_equal(h->omit[0], HRP_FEAT_SESS_DIR_ZONE);
	assert_false(issu_may_send_tlv(&v, HRP_MSG_DATA, HRP_FEAT_SESS_DIR_ZONE));
	assert_true(issu_may_send_tlv(&v, HRP_MSG_DATA, HRP_FEAT_SESS_EXP_NAT));
	assert_string_equal(hrp_tlv_type_name(HRP_FEAT_SESS_DIR_ZONE), "sess-dir-zone");

	/* this build against old-data (1.0, no feature): both left out */
	struct hrp_registry normal, old;
	hrp_registry_builtin(&normal);
	hrp_registry_variant(&old, HRP_TESTV_OLD_DATA);
	assert_int_equal(hrp_registry_find(&old, HRP_MSG_DATA)->ver_minor, 0);
	assert_int_equal(issu_verdict_compute(&normal, &old, &v), 0);
	assert_false(issu_may_send_tlv(&v, HRP_MSG_DATA, HRP_FEAT_SESS_DIR_ZONE));
	assert_false(issu_may_send_tlv(&v, HRP_MSG_DATA, HRP_FEAT_SESS_EXP_NAT));
	/* two boxes of this build: sent */
	assert_int_equal(issu_verdict_compute(&normal, &normal, &v), 0);
	assert_true(issu_may_send_tlv(&v, HRP_MSG_DATA, HRP_FEAT_SESS_DIR_ZONE));
}

/* incompatible-data (doc/issu.md, "Test versions"): the switchover request and data at another
 * major. Incompatible both ways (the cold mode), and each box's plan holds the data channel
 * back: the other side reads neither major. */
static void test_incompatible_data(void **state)
{
	(void)state;
	struct hrp_registry normal, test;
	hrp_registry_builtin(&normal);
	hrp_registry_variant(&test, HRP_TESTV_INCOMPATIBLE_DATA);
	for (int dir = 0; dir < 2; dir++) {
		assert_int_equal(dir ? issu_verdict_compute(&normal, &test, &v)
				     : issu_verdict_compute(&test, &normal, &v),
				 0);
		assert_int_equal(v.level, HRP_COMPAT_INCOMPATIBLE);
		assert_true(issu_verdict_proceeds(v.level));
		assert_int_equal(v.n_held, 2);
		const struct issu_held *sw = issu_verdict_find(&v, HRP_MSG_VGMP_SWITCHOVER);
		const struct issu_held *d = issu_verdict_find(&v, HRP_MSG_DATA);
		assert_non_null(sw);
		assert_non_null(d);
		assert_int_equal(sw->send, ISSU_SEND_NEVER);
		assert_int_equal(d->send, ISSU_SEND_NEVER);
		assert_int_equal(d->diff, HRP_DIFF_MAJOR);
		assert_false(d->core);
		assert_int_equal(dir ? d->peer_major : d->local_major, 2);
		assert_int_equal(dir ? d->local_major : d->peer_major, 1);
		/* data-ack is as it was: only the data type moved */
		assert_null(issu_verdict_find(&v, HRP_MSG_DATA_ACK));
		assert_false(issu_may_send_tlv(&v, HRP_MSG_DATA, HRP_FEAT_SESS_EXP_NAT));
		assert_true(issu_data_channel_held(&v));
	}
	assert_string_equal(hrp_test_version_name(HRP_TESTV_INCOMPATIBLE_DATA),
			    "incompatible-data");
	/* two boxes of the new version again (after the commit): nothing held, the channel back */
	assert_int_equal(issu_verdict_compute(&test, &test, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_FULL);
	assert_false(issu_data_channel_held(&v));
}

/* The data channel is held back only when the plan says never for data or data-ack; every
 * other test version, an unknown peer and a narrowed data type keep it. */
static void test_data_channel_held(void **state)
{
	(void)state;
	struct hrp_registry normal, test, none;
	hrp_registry_builtin(&normal);
	for (int tv = 0; tv < HRP_TESTV_MAX; tv++) {
		hrp_registry_variant(&test, (enum hrp_test_version)tv);
		for (int dir = 0; dir < 2; dir++) {
			assert_int_equal(dir ? issu_verdict_compute(&normal, &test, &v)
					     : issu_verdict_compute(&test, &normal, &v),
					 0);
			assert_int_equal(issu_data_channel_held(&v),
					 tv == HRP_TESTV_INCOMPATIBLE_DATA);
		}
	}
	memset(&none, 0, sizeof(none));
	assert_int_equal(issu_verdict_compute(&normal, &none, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_UNKNOWN);
	assert_false(issu_data_channel_held(&v));
	assert_false(issu_data_channel_held(NULL));

	/* data-ack alone at another major holds the channel too (its acks could not go) */
	struct hrp_registry a, b;
	static const uint16_t ack_tlvs[] = { HRP_TLV_DATA_CHANNEL };
	reg_old(&a);
	reg_add(&a, HRP_MSG_DATA_ACK, 1, 0, 0, "data-ack", 1, ack_tlvs);
	reg_old(&b);
	reg_add(&b, HRP_MSG_DATA_ACK, 2, 0, 0, "data-ack", 1, ack_tlvs);
	assert_int_equal(issu_verdict_compute(&a, &b, &v), 0);
	assert_int_equal(v.level, HRP_COMPAT_PARTIAL); /* not core: the verdict alone is partial */
	assert_true(issu_data_channel_held(&v));
	assert_int_equal(issu_verdict_compute(&a, &a, &v), 0);
	assert_false(issu_data_channel_held(&v));
}

static void test_send_names(void **state)
{
	(void)state;
	for (int i = 0; i < ISSU_SEND_MAX; i++)
		assert_int_equal(issu_send_from_name(issu_send_name((enum issu_send)i)), i);
	assert_int_equal(issu_send_from_name("sometimes"), -1);
	assert_string_equal(issu_send_name(ISSU_SEND_MAX), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_is_full),
		cmocka_unit_test(test_minor_bump_is_partial_sent_at_older_version),
		cmocka_unit_test(test_new_tlv_is_narrowed),
		cmocka_unit_test(test_new_type_on_one_side_is_never_sent),
		cmocka_unit_test(test_other_major),
		cmocka_unit_test(test_peer_unknown_stops),
		cmocka_unit_test(test_test_versions),
		cmocka_unit_test(test_data_features_narrowed),
		cmocka_unit_test(test_data_dir_zone_narrowed),
		cmocka_unit_test(test_incompatible_data),
		cmocka_unit_test(test_data_channel_held),
		cmocka_unit_test(test_send_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
