/* Test versions of the HRP registry (see hrp_test_version.h). Each variant is one small,
 * documented change of the kind a real release makes, so that the upgrade tests meet each
 * compatibility verdict: minor -> partially compatible (minor-version), tlv -> partially
 * compatible (minor-version, one TLV the older side does not know), incompatible -> incompatible
 * (a core type at another major), old-data -> partially compatible (minor-version: the newer
 * side's data records leave out the features the older one does not read), incompatible-data ->
 * incompatible (as incompatible, and data at another major: no record crosses between the two). */
#include "hrp_test_version.h"

#include <stdio.h>
#include <string.h>

static struct hrp_reg_entry *entry(struct hrp_registry *r, uint16_t type)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].type == type)
			return &r->e[i];
	return NULL;
}

void hrp_registry_apply_test_version(struct hrp_registry *r, enum hrp_test_version v)
{
	struct hrp_reg_entry *e;

	switch (v) {
	case HRP_TESTV_MINOR:
		if ((e = entry(r, HRP_MSG_PROBE)))
			e->ver_minor++;
		break;
	case HRP_TESTV_TLV:
		/* A new optional TLV is a minor bump (doc/hrp-protocol.md, section 9). */
		if ((e = entry(r, HRP_MSG_HELLO)) && e->n_tlvs < HRP_REG_TLVS_MAX) {
			e->ver_minor++;
			e->tlvs[e->n_tlvs++] = HRP_TLV_TEST_EXTENSION;
		}
		break;
	case HRP_TESTV_INCOMPATIBLE:
		if ((e = entry(r, HRP_MSG_VGMP_SWITCHOVER))) {
			e->ver_major++;
			e->ver_minor = 0;
		}
		break;
	case HRP_TESTV_INCOMPATIBLE_DATA:
		/* data alone is not core (another major of it would be partial): the switchover
		 * request moves too, so that the verdict is incompatible and the mode cold. */
		hrp_registry_apply_test_version(r, HRP_TESTV_INCOMPATIBLE);
		if ((e = entry(r, HRP_MSG_DATA))) {
			e->ver_major++;
			e->ver_minor = 0;
		}
		break;
	case HRP_TESTV_OLD_DATA:
		/* The registry of a build before the data records' features: data 1.0 with its
		 * TLVs only. Its daemons still read what they read; only what they say changes. */
		if ((e = entry(r, HRP_MSG_DATA)) && e->ver_minor > 0) {
			e->ver_minor = 0;
			unsigned n = 0;
			for (unsigned i = 0; i < e->n_tlvs; i++)
				if (!hrp_feature_name(e->tlvs[i]))
					e->tlvs[n++] = e->tlvs[i];
			e->n_tlvs = (uint8_t)n;
		}
		break;
	default: break;
	}
}

void hrp_registry_variant(struct hrp_registry *r, enum hrp_test_version v)
{
	hrp_registry_builtin(r);
	hrp_registry_apply_test_version(r, v);
}

static const char *const names[HRP_TESTV_MAX] = {
	[HRP_TESTV_NONE] = "none",         [HRP_TESTV_MINOR] = "minor",
	[HRP_TESTV_TLV] = "tlv",           [HRP_TESTV_INCOMPATIBLE] = "incompatible",
	[HRP_TESTV_OLD_DATA] = "old-data", [HRP_TESTV_INCOMPATIBLE_DATA] = "incompatible-data",
};

const char *hrp_test_version_name(enum hrp_test_version v)
{
	return (unsigned)v < HRP_TESTV_MAX ? names[v] : "?";
}
