/* The upgrade's compatibility verdict and send plan (issue #13, doc/issu.md, "Verdict").
 *
 * From the two boxes' message registries (hrp_registry_compare()) to one of four levels:
 *   full         every type at the same version: hot mode, nothing held back;
 *   partial      only optional features differ: hot mode, the differing types are named and
 *                held back (below);
 *   unknown      the peer's registry is not known: the upgrade stops;
 *   incompatible another protocol major, or a core type missing or at another major: only the
 *                cold mode may go on.
 * Holding back (Huawei's "backup block"): each box sends every type at the version the other one
 * knows. Per type the send plan says: send as built, send narrowed to the peer's TLV list (the
 * TLVs it does not know are left out), or do not send (the peer does not know the type, or knows
 * it only at another major). Pure: registries in, verdict out. */
#ifndef HS_ISSU_VERDICT_H
#define HS_ISSU_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrp_registry.h"

enum issu_send {
	ISSU_SEND_AS_BUILT, /* the peer knows every TLV we put in (it is as new or newer) */
	ISSU_SEND_NARROWED, /* at the peer's version: leave out the TLVs in .omit */
	ISSU_SEND_NEVER,    /* the peer cannot read the type: do not send it */
	ISSU_SEND_MAX,
};

/* One differing type: why it differs and what the local box sends of it. */
struct issu_held {
	uint16_t type;
	char name[HRP_REG_NAME_MAX + 1];
	enum hrp_diff_kind diff;
	bool core;
	uint8_t local_major, local_minor; /* 0.0: we do not know the type */
	uint8_t peer_major, peer_minor;   /* 0.0: the peer does not know it */
	enum issu_send send;
	uint8_t send_major, send_minor; /* the version we send it at (NARROWED, AS_BUILT) */
	uint8_t n_omit;
	uint16_t omit[HRP_REG_TLVS_MAX]; /* TLVs we know and the peer does not (NARROWED) */
};

struct issu_verdict {
	enum hrp_compat level;
	bool peer_newer; /* some type is at a higher version on the peer: it holds back for us */
	size_t n_held;
	struct issu_held held[2 * HRP_REGISTRY_MAX];
};

/* Pure. peer NULL or empty: level unknown, nothing held. Returns 0, or -EINVAL on NULL
 * local/out (out untouched). */
int issu_verdict_compute(const struct hrp_registry *local, const struct hrp_registry *peer,
			 struct issu_verdict *out);

/* The held entry of a type, or NULL: the type is the same on both boxes (send as built). */
const struct issu_held *issu_verdict_find(const struct issu_verdict *v, uint16_t type);
/* What the send path asks: may we send this type, and this TLV in it? */
bool issu_may_send(const struct issu_verdict *v, uint16_t type);
bool issu_may_send_tlv(const struct issu_verdict *v, uint16_t type, uint16_t tlv);

/* The upgrade goes on (hot mode for full and partial, cold mode for incompatible). */
bool issu_verdict_proceeds(enum hrp_compat level);
const char *issu_send_name(enum issu_send s);
int issu_send_from_name(const char *name);

#endif
