/* The HRP message registry: every message type with its name, its own version, the minimum body
 * length and the TLVs it knows; and the TLV table (name, allowed lengths). Receivers dispatch
 * through it (OpenBSD pfsync style: a table indexed by type, a minimum length each); two boxes
 * exchange it (message type "registry") and compare the two to decide whether their versions can
 * work together. doc/hrp-protocol.md has the same tables for humans. */
#ifndef HS_HRP_REGISTRY_H
#define HS_HRP_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrp_wire.h"

/* Message types. Numbers are never reused; new types are appended. */
enum hrp_msg_type {
	HRP_MSG_INVALID = 0,
	HRP_MSG_HELLO = 1,              /* heartbeat with the VGMP payload */
	HRP_MSG_PROBE = 2,              /* re-negotiation: "are you there?" */
	HRP_MSG_PROBE_ACK = 3,          /* answer to a probe */
	HRP_MSG_CHALLENGE = 4,          /* nonce to prove a new epoch */
	HRP_MSG_CHALLENGE_RESPONSE = 5, /* nonce echoed under HMAC */
	HRP_MSG_NOT_SUPPORTED = 6,      /* answer to a type (or critical TLV) we do not know */
	HRP_MSG_REGISTRY = 7,           /* the sender's message registry */
	HRP_MSG_VGMP_SWITCHOVER = 8,    /* VGMP state-switchover request */
	HRP_MSG_VGMP_ACK = 9,           /* VGMP: switchover allowed */
	HRP_MSG_VGMP_NACK = 10,         /* VGMP: switchover refused */
	HRP_MSG_DATA = 11,              /* bulk data, sequenced per channel */
	HRP_MSG_DATA_ACK = 12,          /* cumulative acknowledgement of data */
	HRP_MSG_ISSU = 13,              /* pair upgrade: a step asked of the peer, its answer, or
					   the upgrade record's copy (lib/issu_msg.h) */
	HRP_MSG_MAX,
};

/* TLV types (bit 15, HRP_TLV_CRITICAL, is not part of the number). */
enum hrp_tlv_type {
	HRP_TLV_INVALID = 0,
	HRP_TLV_SYSNAME = 1,          /* 1..64 bytes, no NUL: the box's name */
	HRP_TLV_NONCE = 2,            /* 16 bytes */
	HRP_TLV_REF_SEQ = 3,          /* u32: the sequence number of the message answered */
	HRP_TLV_REF_TYPE = 4,         /* u16: the message type answered */
	HRP_TLV_PROTO_VERSION = 5,    /* u8 major, u8 minor */
	HRP_TLV_NEXT_EPOCH = 6,       /* u64: the epoch the sender will switch to */
	HRP_TLV_KEY_IDS = 7,          /* 1..8 x u8: key ids the sender accepts */
	HRP_TLV_REG_ENTRY = 8,        /* one registry entry, see hrp_registry_encode() */
	HRP_TLV_REF_TLV = 9,          /* u16: a critical TLV type not understood */
	HRP_TLV_HELLO_INTERVAL = 10,  /* u32 ms */
	HRP_TLV_VGMP_PRIORITY = 11,   /* u16 */
	HRP_TLV_VGMP_STATE = 12,      /* u8, enum hrp_vgmp_state */
	HRP_TLV_VGMP_MODE = 13,       /* u8, enum hrp_vgmp_mode */
	HRP_TLV_VGMP_READINESS = 14,  /* u32, HRP_VGMP_R_* bits */
	HRP_TLV_CONFIG_DIGEST = 15,   /* 32 bytes */
	HRP_TLV_SESSION_DIGEST = 16,  /* 32 bytes */
	HRP_TLV_VGMP_REQUEST_ID = 17, /* u32 */
	HRP_TLV_VGMP_REASON = 18,     /* u16, enum hrp_vgmp_reason */
	HRP_TLV_DATA_CHANNEL = 19,    /* u8, enum hrp_data_channel */
	HRP_TLV_DATA_SEQ = 20,        /* u32 */
	HRP_TLV_DATA_PAYLOAD = 21,    /* 0..65535 bytes, repeatable */
	HRP_TLV_DATA_ACK_SEQ = 22,    /* u32, cumulative */
	HRP_TLV_DATA_WINDOW = 23,     /* u32, messages the receiver can take */
	HRP_TLV_DATA_FLAGS = 24,      /* u32, HRP_DATA_F_* bits */
	HRP_TLV_PAYLOAD_GEN = 25,     /* u32: the VGMP payload's generation (hello 1.1) */
	HRP_TLV_ISSU_OP = 26,         /* u8, enum issu_msg_op */
	HRP_TLV_ISSU_ID = 27,         /* u32: the step's id, echoed by its answer */
	HRP_TLV_ISSU_STEP = 28,       /* u8 step kind, u8 daemon, u8 binary (old/new) */
	HRP_TLV_ISSU_STATUS = 29,     /* u8, enum issu_msg_status */
	HRP_TLV_ISSU_TEXT = 30,       /* 1..255 bytes: the binaries' directory, or a reason */
	HRP_TLV_ISSU_RECORD = 31,     /* 1..65535 bytes: the upgrade record (JSON) */
	HRP_TLV_DATA_STREAM_SEQ = 32, /* u32: the first data-stream number the asker may take
					 from the responder (challenge-response 1.1) */
	HRP_TLV_MAX,
};

/* Record features: numbers in the TLV space that are never sent as TLVs (hrp_tlv_info() knows
 * none of them, so a body that carried one would skip it). A type's registry entry lists them
 * beside its TLVs to say which features of its payload's records the box reads; the verdict
 * compares and narrows them like TLVs, so a feature missing from the peer's entry is one the
 * sender leaves out of its records (doc/hrp-protocol.md, section 9.1). Numbers are never reused. */
enum hrp_feature {
	HRP_FEAT_BASE = 0x7f00,
	HRP_FEAT_SESS_EXP_NAT = 0x7f01, /* data 1.1, session channel: an expectation's NAT part
					   (flag bit 3 of the expectation record) */
	/* data 1.2, session channel: an entry's directional zones (op 3 and the extension byte,
	   hrp_session.h) */
	HRP_FEAT_SESS_DIR_ZONE = 0x7f02,
	/* data 1.3, session channel: a consistency check's bucket digests (control record 0x88)
	   and the unsettled part of its result (sess_control.h) */
	HRP_FEAT_SESS_CHECK_BUCKETS = 0x7f03,
	/* data 1.3, session channel: the sender's own addresses (control record 0x89) */
	HRP_FEAT_SESS_PEER_LOCAL = 0x7f04,
	HRP_FEAT_END,
};

/* Per-message rule for one TLV. */
#define HRP_TLV_REQUIRED 0x01u
#define HRP_TLV_MULTI    0x02u

struct hrp_tlv_rule {
	uint16_t tlv;
	uint8_t flags;
};

/* Message flags in the registry. */
#define HRP_MSGF_CORE      0x0001u /* both peers must speak it at the same major version */
#define HRP_MSGF_NO_WINDOW 0x0002u /* exempt from the epoch/replay check (challenge handshake) */

struct hrp_msg_info {
	const char *name;
	uint8_t ver_major;
	uint8_t ver_minor;
	uint16_t flags;
	uint16_t min_len; /* minimum body length: the required TLVs at their shortest */
	uint8_t n_tlvs;
	const struct hrp_tlv_rule *tlvs;
	uint8_t n_feats; /* record features the type's payload may carry (enum hrp_feature) */
	const uint16_t *feats;
};

struct hrp_tlv_info {
	const char *name;
	uint16_t min_len;
	uint16_t max_len;
};

/* NULL for a type we do not know. */
const struct hrp_msg_info *hrp_msg_info(uint16_t type);
const struct hrp_tlv_info *hrp_tlv_info(uint16_t type);
const char *hrp_msg_type_name(uint16_t type); /* "unknown" if not known */
const char *hrp_tlv_type_name(uint16_t type); /* also names a record feature */
/* "sess-exp-nat", or NULL when f is not a record feature we know. */
const char *hrp_feature_name(uint16_t f);

/* Checks a body against its type's registry entry: minimum length, every TLV within bounds, the
 * known ones of an allowed length, the required ones present, single-valued ones not repeated.
 * Unknown TLVs are skipped by length and counted in *unknown (may be NULL); an unknown TLV with
 * the critical bit set stops the check with HRP_DROP_CRITICAL_TLV and its type in *bad_tlv.
 * Returns 0, or -EBADMSG with *why (and *bad_tlv when a TLV is to blame; may be NULL). */
int hrp_body_check(const struct hrp_msg_info *mi, const uint8_t *body, size_t len,
		   unsigned *unknown, uint16_t *bad_tlv, enum hrp_drop *why);

/* ---- registries as values: ours, or a peer's decoded from the wire ---- */

#define HRP_REGISTRY_MAX 64
#define HRP_REG_TLVS_MAX 32
#define HRP_REG_NAME_MAX 32

struct hrp_reg_entry {
	uint16_t type;
	uint8_t ver_major;
	uint8_t ver_minor;
	uint16_t flags;
	uint16_t min_len;
	uint8_t n_tlvs;
	uint16_t tlvs[HRP_REG_TLVS_MAX]; /* the TLVs, then the record features (enum hrp_feature) */
	char name[HRP_REG_NAME_MAX + 1];
};

struct hrp_registry {
	uint8_t proto_major;
	uint8_t proto_minor;
	size_t n; /* 0: not known (peer has not sent it) */
	struct hrp_reg_entry e[HRP_REGISTRY_MAX];
};

/* Our registry, from the built-in table and HS_HRP_VERSION_*; in a test build
 * (--with-test-version) changed as lib/hrp_test_version.h says. */
void hrp_registry_local(struct hrp_registry *r);
/* The built-in table as it is, whatever the build's test version. */
void hrp_registry_builtin(struct hrp_registry *r);
const struct hrp_reg_entry *hrp_registry_find(const struct hrp_registry *r, uint16_t type);

/* Appends TLV proto-version and one TLV reg-entry per type to a message being built (normally of
 * type HRP_MSG_REGISTRY). Entry value: type u16, major u8, minor u8, flags u16, min_len u16,
 * n_tlvs u8, name_len u8, n_tlvs x u16 TLV types, name. Returns 0 or the builder's error. */
int hrp_registry_encode(const struct hrp_registry *r, struct hrp_builder *b);

/* Decodes a registry body. Unknown TLVs are skipped. Returns 0, -EBADMSG (malformed, a type twice,
 * no proto-version) or -E2BIG (more entries or TLVs than we hold); *r untouched on failure. */
int hrp_registry_decode(const uint8_t *body, size_t len, struct hrp_registry *r);

/* Writes one line per type, "hello 1.0", to buf (NUL-terminated, truncated to len). Returns the
 * length it needed, like snprintf. For `hrpd --version` and the control socket. */
int hrp_registry_format(const struct hrp_registry *r, char *buf, size_t len);

/* ---- comparing two registries ---- */

enum hrp_compat {
	HRP_COMPAT_FULL,         /* every type at the same version with the same TLVs */
	HRP_COMPAT_PARTIAL,      /* differences that only disable or narrow optional features */
	HRP_COMPAT_UNKNOWN,      /* the peer's registry is not known */
	HRP_COMPAT_INCOMPATIBLE, /* another protocol major, or a core type missing or at another
				    major */
	HRP_COMPAT_MAX,
};

enum hrp_diff_kind {
	HRP_DIFF_MINOR,      /* same major, different minor: newer side's additions are skipped */
	HRP_DIFF_TLVS,       /* same version, different TLV lists (a build mismatch) */
	HRP_DIFF_MAJOR,      /* different major: the type is unusable between the two */
	HRP_DIFF_LOCAL_ONLY, /* we have it, the peer does not: it will answer not-supported */
	HRP_DIFF_PEER_ONLY,  /* the peer has it, we do not */
	HRP_DIFF_MAX,
};

struct hrp_compat_diff {
	uint16_t type;
	enum hrp_diff_kind kind;
	bool core;
	uint8_t local_major, local_minor; /* 0.0 when absent */
	uint8_t peer_major, peer_minor;
	char name[HRP_REG_NAME_MAX + 1];
};

struct hrp_compat_result {
	enum hrp_compat verdict;
	size_t n_diffs;
	struct hrp_compat_diff diffs[2 * HRP_REGISTRY_MAX];
};

/* Pure. peer NULL or empty: HRP_COMPAT_UNKNOWN. Returns 0, or -EINVAL on NULL local/out. */
int hrp_registry_compare(const struct hrp_registry *local, const struct hrp_registry *peer,
			 struct hrp_compat_result *out);

const char *hrp_compat_name(enum hrp_compat c);
const char *hrp_diff_kind_name(enum hrp_diff_kind k);

#endif
