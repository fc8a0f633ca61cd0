/* Session sync of conntrack helpers and their expectations (hrpd.session_sync_expectations):
 * two control records of the session channel. Pure: bytes in, structs out; hrpd/sess_exp.c talks
 * to the kernel.
 *
 * An FTP data connection is let through as RELATED only if the box has the expectation that the
 * ftp helper made when it read PORT or PASV on the control connection; and the helper runs on a
 * control connection only if its conntrack entry was created with the helper. So the peer needs
 * both: the control connection's entry with its helper, and the expectations.
 *
 *  - helper record  (HS_SESS_REC_HELPER): u8 kind, u8 name length (1-15), the helper's name,
 *    then one session record (lib/hrp_session.h: version byte, entries) whose entries all have
 *    that helper;
 *  - expectation record (HS_SESS_REC_EXPECT): u8 kind, then expectations back to back, each:
 *      u8 flags (bits 0-1 op: 0 new, 1 destroy, 2-3 invalid; bit 2 IPv6; bits 3-7 zero),
 *      u8 master l4proto, u16 zone, master's original tuple (src, dst, u16 sport, u16 dport),
 *      u8 l4proto of the expected connection, its tuple, its mask (same layout),
 *      u32 timeout (s), u32 flags (NF_CT_EXPECT_*), u8 class, u8 helper name length (0-15),
 *      the name; then, when flag bit 3 is set, the NAT part: u8 direction (0 original, 1 reply),
 *      the saved address, u16 saved port (what a NAT helper rewrote, e.g. the FTP client's
 *      own address and port behind SNAT), u8 length (0-31) and name of the expectation's
 *      function (the kernel's "nat-follow-master": the data connection is translated like its
 *      master). Without it the peer's copy admits the data connection but does not translate
 *      it. An older peer reads that bit as bad-op, so a peer whose registry does not list
 *      the feature (HRP_FEAT_SESS_EXP_NAT) never gets it: hs_sess_exp_fit() below.
 *    Addresses are 4 bytes (IPv4) or 16 (IPv6), integers big-endian. doc/hrp-protocol.md,
 *    "Session records", has the table. */
#ifndef HS_SESS_EXP_H
#define HS_SESS_EXP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrp_session.h"

#define HS_SESS_REC_HELPER 0x86 /* entries with their helper */
#define HS_SESS_REC_EXPECT 0x87 /* expectations */

#define HS_SESS_EXP_F_OP_MASK 0x03u
#define HS_SESS_EXP_F_IPV6    0x04u
#define HS_SESS_EXP_F_NAT     0x08u
#define HS_SESS_EXP_FN_MAX    32 /* with its NUL */
/* The longest expectation: IPv6, three tuples, a 15-byte helper name, the NAT part with a
 * 31-byte function name. */
#define HS_SESS_EXP_LONGEST                                                                    \
	(4u + 3u * 36u + 1u + 4u + 4u + 1u + 1u + 15u + (1u + 16u + 2u + 1u + 31u))

enum hs_sess_exp_op {
	HS_SESS_EXP_NEW = 0,
	HS_SESS_EXP_DESTROY = 1,
};

struct hs_sess_exp {
	uint8_t op;     /* enum hs_sess_exp_op */
	uint8_t family; /* AF_INET or AF_INET6 */
	uint16_t zone;
	uint8_t master_l4proto;
	struct hs_sess_tuple master; /* the master connection's original tuple */
	uint8_t l4proto;             /* of the expected connection */
	struct hs_sess_tuple tuple;  /* the expected connection's original tuple */
	struct hs_sess_tuple mask;   /* which bits of tuple must match (a port 0: any) */
	uint32_t timeout;            /* seconds left on the source */
	uint32_t flags;              /* NF_CT_EXPECT_* */
	uint8_t cls;                 /* the helper's expectation class */
	char helper[HS_SESS_HELPER_MAX]; /* "" when the source named none */
	bool nat;                        /* the NAT part below was sent (F_NAT) */
	uint8_t nat_dir;                 /* 0 original, 1 reply */
	uint8_t nat_addr[16];            /* the saved address: 4 bytes for IPv4 */
	uint16_t nat_port;               /* the saved port */
	char fn[HS_SESS_EXP_FN_MAX];     /* "" or the expectation's function */
};

enum hs_sess_exp_err {
	HS_SESS_EXP_OK = 0,
	HS_SESS_EXP_END,        /* no expectation left: the record is done */
	HS_SESS_EXP_BAD_KIND,   /* the record's first byte is not the kind asked for */
	HS_SESS_EXP_TRUNCATED,  /* runs past the record's end */
	HS_SESS_EXP_BAD_OP,     /* op 2 or 3, or flag bits that mean nothing */
	HS_SESS_EXP_BAD_FAMILY, /* an encoder's error: a family other than AF_INET / AF_INET6 */
	HS_SESS_EXP_BAD_HELPER, /* a helper name too long, empty where one is needed, or not
				   [A-Za-z0-9_.-] */
	HS_SESS_EXP_BAD_NAT,    /* a NAT part's direction above 1, or its function's name too
				   long or not [A-Za-z0-9_.-] */
	HS_SESS_EXP_ERR_MAX,
};
const char *hs_sess_exp_err_name(enum hs_sess_exp_err e);

/* A helper name as the kernel names helpers: 1-15 bytes of [A-Za-z0-9_.-]. */
bool hs_sess_helper_name_ok(const char *name);

/* Helper record: writes kind, length and name; returns the bytes written (2 + length), or 0
 * when the name is not valid or room is too small. The caller appends a session record
 * (hs_sess_record_begin() and entries) right after. */
size_t hs_sess_helper_record_begin(uint8_t *buf, size_t room, const char *helper);
/* Reads a helper record's head: the name into helper (NUL-terminated) and *inner the offset of
 * the session record inside it. On an error nothing is written. */
enum hs_sess_exp_err hs_sess_helper_record_open(const uint8_t *rec, size_t len,
						char helper[HS_SESS_HELPER_MAX], size_t *inner);

/* Expectation record: the kind byte; returns 1, or 0 when room is 0. */
size_t hs_sess_exp_record_begin(uint8_t *buf, size_t room);
/* The bytes hs_sess_exp_encode() writes for e, or 0 when e is not encodable. */
size_t hs_sess_exp_len(const struct hs_sess_exp *e);
/* Appends e; returns the bytes written, or 0 when it does not fit (nothing written) or e is not
 * encodable (op, family, helper name). */
size_t hs_sess_exp_encode(const struct hs_sess_exp *e, uint8_t *buf, size_t room);
/* Reading: *off = 0 and hs_sess_exp_record_check(), then hs_sess_exp_decode() until END or an
 * error (the rest is unreadable then). decode fills every field of *out and moves *off past the
 * expectation; on any other return *off and *out are untouched. Never reads past len. */
enum hs_sess_exp_err hs_sess_exp_record_check(const uint8_t *rec, size_t len, size_t *off);
enum hs_sess_exp_err hs_sess_exp_decode(const uint8_t *rec, size_t len, size_t *off,
					struct hs_sess_exp *out);

/* An expectation for a peer that may not read the NAT part (the send plan of the pair upgrade:
 * its registry's data entry lacks HRP_FEAT_SESS_EXP_NAT, doc/issu.md). */
enum hs_sess_exp_fit {
	HS_SESS_EXP_FIT_AS_IS,    /* send e as it is: no NAT part, or the peer reads it */
	HS_SESS_EXP_FIT_STRIPPED, /* e's NAT part was taken out: a destroy, which needs only the
				     expected tuple */
	HS_SESS_EXP_FIT_HELD,     /* do not send e: a new expectation without its NAT part would
				     let the data connection in on the peer untranslated, to the
				     address the NAT helper wrote (e.g. the firewall's own) */
	HS_SESS_EXP_FIT_MAX,
};
/* Pure: decides, and strips e's NAT part in place when the answer is STRIPPED. */
enum hs_sess_exp_fit hs_sess_exp_fit(struct hs_sess_exp *e, bool peer_reads_nat);

#endif
