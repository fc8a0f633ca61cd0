/* Test versions of the HRP registry: a second "version" of hotstandby for the upgrade tests,
 * without a second source tree. `./configure --with-test-version=minor|tlv|incompatible|old-data|
 * incompatible-data`
 * picks the variant the daemons report (HS_TEST_VERSION, default 0: none); unit tests build every
 * variant in one normal build through hrp_registry_variant(). Never used in production builds.
 * doc/issu.md, "Test versions". */
#ifndef HS_HRP_TEST_VERSION_H
#define HS_HRP_TEST_VERSION_H

#include "hs_build.h" /* HS_TEST_VERSION */
#include "hrp_registry.h"

enum hrp_test_version {
	HRP_TESTV_NONE = 0,         /* the registry as built */
	HRP_TESTV_MINOR = 1,        /* probe 1.0 -> 1.1: a non-core type at a newer minor */
	HRP_TESTV_TLV = 2,          /* hello one minor up with a new optional TLV (test-extension),
				       which this build also sends in its hellos */
	HRP_TESTV_INCOMPATIBLE = 3, /* vgmp-switchover-request 1.0 -> 2.0: a core type at another
				       major */
	HRP_TESTV_OLD_DATA = 4,     /* an older build: data 1.2 -> 1.0 without its record
				       features (it reads no expectation NAT part) */
	HRP_TESTV_INCOMPATIBLE_DATA = 5, /* incompatible's change, and data 1.2 -> 2.0: a cold
					    mode whose versions cannot sync at all */
	HRP_TESTV_MAX,
};

/* The new TLV of the "tlv" variant: u32, optional in hello. A number far above the real ones, so
 * that it never collides with a TLV added later (numbers are never reused). */
#define HRP_TLV_TEST_EXTENSION 0x7ff0u

#ifndef HS_TEST_VERSION
#define HS_TEST_VERSION 0
#endif

/* Our registry (hrp_registry_builtin()) changed as variant v says. v out of range: as NONE. */
void hrp_registry_variant(struct hrp_registry *r, enum hrp_test_version v);
/* Applies variant v to a registry built from our table (the types it changes must be in it). */
void hrp_registry_apply_test_version(struct hrp_registry *r, enum hrp_test_version v);
/* "none", "minor", "tlv", "incompatible", "old-data", "incompatible-data"; "?" out of range. */
const char *hrp_test_version_name(enum hrp_test_version v);

#endif
