/* HRP registry: table consistency, body checks against it, registry encode/decode/compare. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hrp_registry.h"
#include "version.h"

static void test_table_consistent(void **state)
{
	int known = 0;
	for (uint16_t t = 0; t < HRP_MSG_MAX + 5; t++) {
		const struct hrp_msg_info *mi = hrp_msg_info(t);
		if (t == HRP_MSG_INVALID || t >= HRP_MSG_MAX) {
			assert_null(mi);
			assert_string_equal(hrp_msg_type_name(t), "unknown");
			continue;
		}
		assert_non_null(mi);
		known++;
		assert_true(mi->n_tlvs <= 32); /* the seen-bitmask in hrp_body_check() */
		assert_true(mi->n_tlvs <= HRP_REG_TLVS_MAX);
		assert_true(strlen(mi->name) <= HRP_REG_NAME_MAX);
		assert_int_equal(mi->ver_major, 1);
		unsigned min = 0;
		for (int i = 0; i < mi->n_tlvs; i++) {
			const struct hrp_tlv_info *ti = hrp_tlv_info(mi->tlvs[i].tlv);
			assert_non_null(ti);
			if (mi->tlvs[i].flags & HRP_TLV_REQUIRED)
				min += HRP_TLV_HDR_LEN + ti->min_len;
			for (int j = 0; j < i; j++)
				assert_int_not_equal(mi->tlvs[i].tlv, mi->tlvs[j].tlv);
		}
		/* The dispatch table's minimum length is exactly the required TLVs. */
		assert_int_equal(mi->min_len, min);
		/* Record features are named, never TLVs, and fit the entry beside the TLVs. */
		assert_true(mi->n_tlvs + mi->n_feats <= HRP_REG_TLVS_MAX);
		for (int i = 0; i < mi->n_feats; i++) {
			assert_non_null(hrp_feature_name(mi->feats[i]));
			assert_null(hrp_tlv_info(mi->feats[i]));
		}
		for (uint16_t u = 1; u < t; u++)
			assert_string_not_equal(mi->name, hrp_msg_info(u)->name);
	}
	assert_int_equal(known, HRP_MSG_MAX - 1);
	for (uint16_t t = 1; t < HRP_TLV_MAX; t++) {
		const struct hrp_tlv_info *ti = hrp_tlv_info(t);
		assert_non_null(ti);
		assert_true(ti->min_len <= ti->max_len);
		assert_ptr_equal(hrp_tlv_info(t | HRP_TLV_CRITICAL), ti);
	}
	assert_null(hrp_tlv_info(HRP_TLV_MAX));
	assert_string_equal(hrp_msg_type_name(HRP_MSG_HELLO), "hello");
	assert_string_equal(hrp_tlv_type_name(HRP_TLV_VGMP_PRIORITY), "vgmp-priority");
}

/* A body of TLVs written by hand. */
struct body {
	uint8_t b[512];
	size_t len;
};

static void put(struct body *bd, uint16_t type, size_t len, uint8_t fill)
{
	hrp_put_u16(bd->b + bd->len, type);
	hrp_put_u16(bd->b + bd->len + 2, (uint16_t)len);
	memset(bd->b + bd->len + 4, fill, len);
	bd->len += 4 + len;
}

static int check(const struct body *bd, uint16_t type, unsigned *unknown, uint16_t *bad,
		 enum hrp_drop *why)
{
	*unknown = 99;
	*bad = 0;
	*why = HRP_DROP_NONE;
	return hrp_body_check(hrp_msg_info(type), bd->b, bd->len, unknown, bad, why);
}

static void hello_required(struct body *bd)
{
	bd->len = 0;
	put(bd, HRP_TLV_VGMP_PRIORITY, 2, 1);
	put(bd, HRP_TLV_VGMP_STATE, 1, 2);
	put(bd, HRP_TLV_VGMP_READINESS, 4, 0);
}

static void test_body_check(void **state)
{
	struct body bd;
	unsigned unknown;
	uint16_t bad;
	enum hrp_drop why;

	hello_required(&bd);
	assert_int_equal(check(&bd, HRP_MSG_HELLO, &unknown, &bad, &why), 0);
	assert_int_equal(unknown, 0);

	/* Unknown TLVs (new numbers, or known ones this type does not use) skipped and counted. */
	put(&bd, 0x0777, 5, 0xee);
	put(&bd, HRP_TLV_DATA_SEQ, 4, 0);
	put(&bd, HRP_TLV_SYSNAME, 3, 'a');
	assert_int_equal(check(&bd, HRP_MSG_HELLO, &unknown, &bad, &why), 0);
	assert_int_equal(unknown, 2);

	/* ... unless marked must-understand. */
	put(&bd, 0x0778 | HRP_TLV_CRITICAL, 0, 0);
	assert_int_equal(check(&bd, HRP_MSG_HELLO, &unknown, &bad, &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_CRITICAL_TLV);
	assert_int_equal(bad, 0x0778 | HRP_TLV_CRITICAL);

	/* A known TLV with the critical bit is just known. */
	hello_required(&bd);
	put(&bd, HRP_TLV_SYSNAME | HRP_TLV_CRITICAL, 3, 'a');
	assert_int_equal(check(&bd, HRP_MSG_HELLO, &unknown, &bad, &why), 0);

	/* Repeated single-valued TLV. */
	hello_required(&bd);
	put(&bd, HRP_TLV_VGMP_STATE, 1, 3);
	assert_int_equal(check(&bd, HRP_MSG_HELLO, &unknown, &bad, &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_DUP_TLV);
	assert_int_equal(bad, HRP_TLV_VGMP_STATE);

	/* Missing required TLV (the body is still long enough). */
	bd.len = 0;
	put(&bd, HRP_TLV_VGMP_PRIORITY, 2, 1);
	put(&bd, HRP_TLV_VGMP_STATE, 1, 2);
	put(&bd, HRP_TLV_SYSNAME, 10, 'a');
	assert_int_equal(check(&bd, HRP_MSG_HELLO, &unknown, &bad, &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_MISSING_TLV);
	assert_int_equal(bad, HRP_TLV_VGMP_READINESS);

	/* Wrong length for a known TLV: too long, too short. */
	hello_required(&bd);
	put(&bd, HRP_TLV_CONFIG_DIGEST, 33, 0);
	assert_int_equal(check(&bd, HRP_MSG_HELLO, &unknown, &bad, &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_BAD_TLV_LENGTH);
	assert_int_equal(bad, HRP_TLV_CONFIG_DIGEST);
	hello_required(&bd);
	put(&bd, HRP_TLV_SYSNAME, 0, 0);
	assert_int_equal(check(&bd, HRP_MSG_HELLO, &unknown, &bad, &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_BAD_TLV_LENGTH);

	/* Below the type's minimum length. */
	hello_required(&bd);
	bd.len--;
	assert_int_equal(check(&bd, HRP_MSG_HELLO, &unknown, &bad, &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_SHORT_BODY);

	/* A TLV running past the body. */
	hello_required(&bd);
	put(&bd, 0x0777, 4, 0);
	bd.len -= 1;
	assert_int_equal(check(&bd, HRP_MSG_HELLO, &unknown, &bad, &why), -EBADMSG);
	assert_int_equal(why, HRP_DROP_BAD_TLV);

	/* Repeatable TLVs. */
	bd.len = 0;
	put(&bd, HRP_TLV_DATA_CHANNEL, 1, 1);
	put(&bd, HRP_TLV_DATA_SEQ, 4, 0);
	put(&bd, HRP_TLV_DATA_PAYLOAD, 0, 0);
	put(&bd, HRP_TLV_DATA_PAYLOAD, 100, 0);
	put(&bd, HRP_TLV_DATA_PAYLOAD, 7, 0);
	assert_int_equal(check(&bd, HRP_MSG_DATA, &unknown, &bad, &why), 0);
	assert_int_equal(unknown, 0);
	/* A record feature's number in a body is no TLV of the type: skipped by its length. */
	put(&bd, HRP_FEAT_SESS_EXP_NAT, 3, 0);
	assert_int_equal(check(&bd, HRP_MSG_DATA, &unknown, &bad, &why), 0);
	assert_int_equal(unknown, 1);

	/* A probe may be empty. */
	bd.len = 0;
	assert_int_equal(check(&bd, HRP_MSG_PROBE, &unknown, &bad, &why), 0);
}

static size_t encode_registry(const struct hrp_registry *r, uint8_t *buf, size_t cap,
			      const uint8_t **body)
{
	struct hrp_builder b;
	struct hrp_tx tx;
	size_t len = 0;
	hrp_tx_init(&tx, 1, 1, 0);
	hrp_msg_begin(&b, buf, cap, HRP_MSG_REGISTRY, 0);
	assert_int_equal(hrp_registry_encode(r, &b), 0);
	assert_int_equal(hrp_msg_end(&b, &tx, HRP_STREAM_HEARTBEAT, NULL, &len), 0);
	*body = buf + HRP_HDR_LEN;
	return len - HRP_HDR_LEN;
}

static void test_registry_roundtrip(void **state)
{
	static struct hrp_registry local, back;
	uint8_t buf[4096];
	const uint8_t *body;

	hrp_registry_local(&local);
	assert_int_equal(local.n, HRP_MSG_MAX - 1);
	assert_int_equal(local.proto_major, HS_HRP_VERSION_MAJOR);
	assert_int_equal(local.proto_minor, HS_HRP_VERSION_MINOR);
	const struct hrp_reg_entry *h = hrp_registry_find(&local, HRP_MSG_HELLO);
	assert_non_null(h);
	assert_string_equal(h->name, "hello");
	assert_true(h->flags & HRP_MSGF_CORE);
	assert_null(hrp_registry_find(&local, 999));
	/* data 1.3 lists the session channel's expectation NAT part, directional zones, check
	 * buckets and own addresses after its TLVs */
	static struct hrp_registry built;
	hrp_registry_builtin(&built);
	const struct hrp_reg_entry *d = hrp_registry_find(&built, HRP_MSG_DATA);
	assert_non_null(d);
	assert_int_equal(d->ver_minor, 3);
	assert_int_equal(d->n_tlvs, hrp_msg_info(HRP_MSG_DATA)->n_tlvs + 4);
	assert_int_equal(d->tlvs[d->n_tlvs - 4], HRP_FEAT_SESS_EXP_NAT);
	assert_int_equal(d->tlvs[d->n_tlvs - 3], HRP_FEAT_SESS_DIR_ZONE);
	assert_int_equal(d->tlvs[d->n_tlvs - 2], HRP_FEAT_SESS_CHECK_BUCKETS);
	assert_int_equal(d->tlvs[d->n_tlvs - 1], HRP_FEAT_SESS_PEER_LOCAL);
	assert_string_equal(hrp_feature_name(HRP_FEAT_SESS_DIR_ZONE), "sess-dir-zone");
	assert_string_equal(hrp_feature_name(HRP_FEAT_SESS_CHECK_BUCKETS), "sess-check-buckets");
	assert_string_equal(hrp_feature_name(HRP_FEAT_SESS_PEER_LOCAL), "sess-peer-local");
	assert_null(hrp_feature_name(HRP_FEAT_BASE));
	assert_null(hrp_feature_name(HRP_FEAT_END));

	size_t len = encode_registry(&local, buf, sizeof(buf), &body);
	/* The message passes its own body check. */
	unsigned unknown;
	enum hrp_drop why;
	assert_int_equal(
		hrp_body_check(hrp_msg_info(HRP_MSG_REGISTRY), body, len, &unknown, NULL, &why), 0);
	assert_int_equal(hrp_registry_decode(body, len, &back), 0);
	assert_memory_equal(&back, &local, sizeof(local));

	/* Every truncation of the body is refused or is a shorter, still valid list. */
	for (size_t cut = 0; cut < len; cut++) {
		static struct hrp_registry r;
		int ret = hrp_registry_decode(body, cut, &r);
		if (ret == 0)
			assert_true(r.n < local.n);
		else
			assert_int_equal(ret, -EBADMSG);
	}
}

static void test_registry_decode_errors(void **state)
{
	static struct hrp_registry r, untouched;
	struct body bd;
	uint8_t entry[10 + 2 + 3];

	memset(&untouched, 0x5a, sizeof(untouched));
	/* No proto-version. */
	bd.len = 0;
	memcpy(&r, &untouched, sizeof(r));
	assert_int_equal(hrp_registry_decode(bd.b, bd.len, &r), -EBADMSG);
	assert_memory_equal(&r, &untouched, sizeof(r));

	/* One well-formed entry: type 1, v1.2, flags 0, min 0, 1 TLV (5), name "abc". */
	static const uint8_t e1[] = { 0, 1, 1, 2, 0, 0, 0, 0, 1, 3, 0, 5, 'a', 'b', 'c' };
	memcpy(entry, e1, sizeof(e1));
	bd.len = 0;
	put(&bd, HRP_TLV_PROTO_VERSION, 2, 1);
	memcpy(bd.b + bd.len, (uint8_t[]){ 0, HRP_TLV_REG_ENTRY, 0, sizeof(entry) }, 4);
	memcpy(bd.b + bd.len + 4, entry, sizeof(entry));
	bd.len += 4 + sizeof(entry);
	put(&bd, 0x0777, 3, 0); /* unknown: skipped */
	assert_int_equal(hrp_registry_decode(bd.b, bd.len, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.e[0].ver_minor, 2);
	assert_int_equal(r.e[0].tlvs[0], 5);
	assert_string_equal(r.e[0].name, "abc");

	/* The same type twice. */
	memcpy(bd.b + bd.len, (uint8_t[]){ 0, HRP_TLV_REG_ENTRY, 0, sizeof(entry) }, 4);
	memcpy(bd.b + bd.len + 4, entry, sizeof(entry));
	size_t dup_len = bd.len + 4 + sizeof(entry);
	assert_int_equal(hrp_registry_decode(bd.b, dup_len, &r), -EBADMSG);

	/* An entry whose counts do not add up to its length. */
	bd.b[6 + 4 + 9] = 4; /* name_len 4, only 3 bytes */
	assert_int_equal(hrp_registry_decode(bd.b, bd.len, &r), -EBADMSG);
	bd.b[6 + 4 + 9] = 3;

	/* Too many entries for us. */
	bd.len = 0;
	put(&bd, HRP_TLV_PROTO_VERSION, 2, 1);
	size_t big_len = bd.len;
	static uint8_t big[4 + 6 + (HRP_REGISTRY_MAX + 1) * 14];
	memcpy(big, bd.b, bd.len);
	for (unsigned i = 0; i <= HRP_REGISTRY_MAX; i++) {
		uint8_t e[10] = { 0, (uint8_t)(i + 1), 1, 0, 0, 0, 0, 0, 0, 0 };
		memcpy(big + big_len, (uint8_t[]){ 0, HRP_TLV_REG_ENTRY, 0, 10 }, 4);
		memcpy(big + big_len + 4, e, 10);
		big_len += 14;
	}
	assert_int_equal(hrp_registry_decode(big, big_len, &r), -E2BIG);
	assert_int_equal(hrp_registry_decode(big, big_len - 14, &r), 0);
	assert_int_equal(r.n, HRP_REGISTRY_MAX);
}

static struct hrp_reg_entry *entry_of(struct hrp_registry *r, uint16_t type)
{
	return (struct hrp_reg_entry *)hrp_registry_find(r, type);
}

static void drop_entry(struct hrp_registry *r, uint16_t type)
{
	struct hrp_reg_entry *e = entry_of(r, type);
	size_t i = (size_t)(e - r->e);
	memmove(&r->e[i], &r->e[i + 1], (r->n - i - 1) * sizeof(r->e[0]));
	r->n--;
}

static void test_registry_compare(void **state)
{
	static struct hrp_registry local, peer;
	static struct hrp_compat_result res;

	hrp_registry_local(&local);

	peer = local;
	assert_int_equal(hrp_registry_compare(&local, &peer, &res), 0);
	assert_int_equal(res.verdict, HRP_COMPAT_FULL);
	assert_int_equal(res.n_diffs, 0);

	assert_int_equal(hrp_registry_compare(&local, NULL, &res), 0);
	assert_int_equal(res.verdict, HRP_COMPAT_UNKNOWN);
	peer.n = 0;
	assert_int_equal(hrp_registry_compare(&local, &peer, &res), 0);
	assert_int_equal(res.verdict, HRP_COMPAT_UNKNOWN);
	assert_int_equal(hrp_registry_compare(NULL, &peer, &res), -EINVAL);

	/* A newer minor of a type (one more optional TLV): partially compatible. */
	peer = local;
	struct hrp_reg_entry *e = entry_of(&peer, HRP_MSG_HELLO);
	e->ver_minor = 2;
	e->tlvs[e->n_tlvs++] = 0x0100;
	assert_int_equal(hrp_registry_compare(&local, &peer, &res), 0);
	assert_int_equal(res.verdict, HRP_COMPAT_PARTIAL);
	assert_int_equal(res.n_diffs, 1);
	assert_int_equal(res.diffs[0].type, HRP_MSG_HELLO);
	assert_int_equal(res.diffs[0].kind, HRP_DIFF_MINOR);
	assert_int_equal(res.diffs[0].local_minor, 1);
	assert_int_equal(res.diffs[0].peer_minor, 2);
	assert_string_equal(res.diffs[0].name, "hello");

	/* The peer has a type we do not, and lacks an optional one of ours. */
	peer = local;
	drop_entry(&peer, HRP_MSG_DATA_ACK);
	peer.e[peer.n++] = (struct hrp_reg_entry){ .type = 40, .ver_major = 1, .name = "new" };
	assert_int_equal(hrp_registry_compare(&local, &peer, &res), 0);
	assert_int_equal(res.verdict, HRP_COMPAT_PARTIAL);
	assert_int_equal(res.n_diffs, 2);
	assert_int_equal(res.diffs[0].type, HRP_MSG_DATA_ACK);
	assert_int_equal(res.diffs[0].kind, HRP_DIFF_LOCAL_ONLY);
	assert_false(res.diffs[0].core);
	assert_int_equal(res.diffs[1].type, 40);
	assert_int_equal(res.diffs[1].kind, HRP_DIFF_PEER_ONLY);

	/* Same version, different TLVs: flagged, partial. */
	peer = local;
	entry_of(&peer, HRP_MSG_DATA)->tlvs[0] = 0x0200;
	assert_int_equal(hrp_registry_compare(&local, &peer, &res), 0);
	assert_int_equal(res.verdict, HRP_COMPAT_PARTIAL);
	assert_int_equal(res.diffs[0].kind, HRP_DIFF_TLVS);

	/* A non-core type at another major: the feature is off, still partial. */
	peer = local;
	entry_of(&peer, HRP_MSG_DATA)->ver_major = 2;
	assert_int_equal(hrp_registry_compare(&local, &peer, &res), 0);
	assert_int_equal(res.verdict, HRP_COMPAT_PARTIAL);
	assert_int_equal(res.diffs[0].kind, HRP_DIFF_MAJOR);

	/* A core type at another major, or missing: incompatible. */
	peer = local;
	entry_of(&peer, HRP_MSG_VGMP_SWITCHOVER)->ver_major = 2;
	assert_int_equal(hrp_registry_compare(&local, &peer, &res), 0);
	assert_int_equal(res.verdict, HRP_COMPAT_INCOMPATIBLE);
	assert_true(res.diffs[0].core);
	peer = local;
	drop_entry(&peer, HRP_MSG_HELLO);
	assert_int_equal(hrp_registry_compare(&local, &peer, &res), 0);
	assert_int_equal(res.verdict, HRP_COMPAT_INCOMPATIBLE);
	/* A core type only the peer has (it marks it core): incompatible. */
	peer = local;
	peer.e[peer.n++] = (struct hrp_reg_entry){
		.type = 41, .ver_major = 1, .flags = HRP_MSGF_CORE, .name = "x"
	};
	assert_int_equal(hrp_registry_compare(&local, &peer, &res), 0);
	assert_int_equal(res.verdict, HRP_COMPAT_INCOMPATIBLE);

	/* Another protocol major: incompatible even with the same types. */
	peer = local;
	peer.proto_major++;
	assert_int_equal(hrp_registry_compare(&local, &peer, &res), 0);
	assert_int_equal(res.verdict, HRP_COMPAT_INCOMPATIBLE);
	/* Another protocol minor alone: nothing differs in use. */
	peer = local;
	peer.proto_minor++;
	assert_int_equal(hrp_registry_compare(&local, &peer, &res), 0);
	assert_int_equal(res.verdict, HRP_COMPAT_FULL);

	assert_string_equal(hrp_compat_name(HRP_COMPAT_PARTIAL), "partially-compatible");
	assert_string_equal(hrp_diff_kind_name(HRP_DIFF_PEER_ONLY), "peer-only");
	assert_string_equal(hrp_compat_name(HRP_COMPAT_MAX), "invalid");
}

static void test_registry_format(void **state)
{
	static struct hrp_registry local;
	char buf[2048], small[8];

	hrp_registry_local(&local);
	int n = hrp_registry_format(&local, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	assert_non_null(strstr(buf, "1 hello 1.1\n")); /* 1.1: the payload generation */
	assert_non_null(strstr(buf, "12 data-ack 1.0\n"));
	assert_int_equal(hrp_registry_format(&local, small, sizeof(small)), n);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(hrp_registry_format(&local, NULL, 0), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_consistent),
		cmocka_unit_test(test_body_check),
		cmocka_unit_test(test_registry_roundtrip),
		cmocka_unit_test(test_registry_decode_errors),
		cmocka_unit_test(test_registry_compare),
		cmocka_unit_test(test_registry_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
