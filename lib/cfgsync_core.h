/* Config sync of the firewall policy, pure (doc/config-sync.md): the records of the config
 * channel (HRP_CHAN_CONFIG), the canonical form of the synced nftables tables and its digest,
 * the interface rename table, the config role, and the commit-confirmed state machine of an
 * applied ruleset. hrpd (hrpd/cfgsync*.c) reads and writes the kernel through libnftables and
 * feeds these functions bytes, text and the current time; nothing here touches a socket or a
 * clock.
 *
 * Files: cfgsync_rec.c (records), cfgsync_text.c (canonical text, renames, digest, diff),
 * cfgsync_fsm.c (config role, commit-confirmed). */
#ifndef HS_CFGSYNC_CORE_H
#define HS_CFGSYNC_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HS_CFGSYNC_VERSION    1
#define HS_CFGSYNC_DIGEST_LEN 32 /* SHA-256 */
#define HS_CFGSYNC_TABLES_MAX 16
#define HS_CFGSYNC_NAME_MAX   64     /* "FAMILY NAME" of a table, with its NUL */
#define HS_CFGSYNC_MSG_MAX    512    /* an apply result's message, with its NUL */
#define HS_CFGSYNC_REC_MAX    65535u /* one record of the data channel */
#define HS_CFGSYNC_HDR_LEN    40u    /* version, kind, flags, generation, digest */

/* ---- records ---- */

enum hs_cfgsync_kind {
	HS_CFGSYNC_KIND_INVALID = 0,
	HS_CFGSYNC_FULL = 1,    /* the config master's synced set: apply it */
	HS_CFGSYNC_RESULT = 2,  /* what became of a full set here: status and why */
	HS_CFGSYNC_REQUEST = 3, /* send me your full set (hrp sync config on the standby) */
	HS_CFGSYNC_REPORT = 4, /* my synced set, to compare with (display hrp config consistency) */
	HS_CFGSYNC_SETTINGS = 5,     /* my SYNCED hotstandby settings (JSON): apply or compare */
	HS_CFGSYNC_SETTINGS_RES = 6, /* what became of a settings record with apply set */
	HS_CFGSYNC_FACTS = 7, /* what must match the peer and is not synced (lib/pair_facts.h) */
	HS_CFGSYNC_CHUNK = 8, /* a piece of a record larger than one (cfgsync_chunk.c) */
	HS_CFGSYNC_KIND_MAX,
};

enum hs_cfgsync_status {
	HS_CFGSYNC_APPLIED = 0,   /* in the kernel; commit-confirmed runs */
	HS_CFGSYNC_UNCHANGED = 1, /* the same digest was in the kernel already */
	HS_CFGSYNC_FAILED = 2,    /* the transaction failed: nothing changed */
	HS_CFGSYNC_REVERTED = 3,  /* the master's hellos stopped: the previous policy is back */
	HS_CFGSYNC_CONFIRMED = 4, /* the confirm window passed with the master heard */
	HS_CFGSYNC_REFUSED = 5,   /* not the config standby, or the record did not check out */
	HS_CFGSYNC_STATUS_MAX,
};

enum hs_cfgsync_err {
	HS_CFGSYNC_OK = 0,
	HS_CFGSYNC_E_TRUNCATED,  /* shorter than its header or a field */
	HS_CFGSYNC_E_VERSION,    /* not HS_CFGSYNC_VERSION */
	HS_CFGSYNC_E_KIND,       /* an unknown kind */
	HS_CFGSYNC_E_TABLES,     /* more than HS_CFGSYNC_TABLES_MAX tables */
	HS_CFGSYNC_E_NAME,       /* a table name empty, too long or not "FAMILY NAME" */
	HS_CFGSYNC_E_STATUS,     /* an unknown result status */
	HS_CFGSYNC_E_PRESENT,    /* present not 0 or 1, or an absent table with text */
	HS_CFGSYNC_E_TRAILING,   /* bytes after the last field */
	HS_CFGSYNC_E_DIGEST,     /* a full set or report whose digest is not that of its tables */
	HS_CFGSYNC_E_SPACE,      /* encoding: does not fit */
	HS_CFGSYNC_E_APPLY,      /* a settings record's apply flag not 0 or 1 */
	HS_CFGSYNC_E_CHUNK,      /* a chunk that does not continue the transfer under way */
	HS_CFGSYNC_E_CHUNK_SIZE, /* a chunked record empty or larger than HS_CFGSYNC_BIG_MAX */
	HS_CFGSYNC_E_ABANDONED, /* a transfer left unfinished: a new one started, or records lost */
	HS_CFGSYNC_ERR_MAX,
};

const char *hs_cfgsync_kind_name(unsigned kind);
const char *hs_cfgsync_status_name(unsigned status);
const char *hs_cfgsync_err_name(unsigned err);

/* One synced table. text is its canonical form (hs_cfgsync_canon), not NUL-terminated; it
 * points into the decoded record or the caller's buffer. */
struct hs_cfgsync_table {
	char name[HS_CFGSYNC_NAME_MAX]; /* "inet filter" */
	bool present;                   /* false: the table does not exist on the sender */
	const char *text;
	size_t len;
};

struct hs_cfgsync_rec {
	uint8_t kind;
	uint32_t gen;                          /* the sender's generation of its synced set */
	uint8_t digest[HS_CFGSYNC_DIGEST_LEN]; /* the sender's digest of its synced set */
	size_t n_tables;                       /* FULL, REPORT */
	struct hs_cfgsync_table tables[HS_CFGSYNC_TABLES_MAX];
	uint32_t ref_gen;             /* RESULT, SETTINGS_RES: the generation it answers */
	uint8_t status;               /* RESULT, SETTINGS_RES: enum hs_cfgsync_status */
	char msg[HS_CFGSYNC_MSG_MAX]; /* RESULT, SETTINGS_RES: why, "" when nothing to say */
	bool apply;           /* SETTINGS: from the config master, to apply (else compare) */
	const char *settings; /* SETTINGS: JSON {path: value}, not NUL-terminated */
	size_t settings_len;
	const char *facts; /* FACTS: JSON (hs_pair_facts_encode), not NUL-terminated */
	size_t facts_len;
	uint32_t chunk_total, chunk_off; /* CHUNK: the whole record's length, this piece's place */
	const uint8_t *chunk;            /* CHUNK: the piece, chunk_len bytes */
	size_t chunk_len;
};

/* A settings record's digest: SHA-256 over its text (hs_cfgsync_settings_text's form). */
void hs_cfgsync_settings_digest(const char *text, size_t len, uint8_t out[HS_CFGSYNC_DIGEST_LEN]);

/* Encodes r into buf. Returns the length, or 0 when it does not fit (or r is invalid). */
size_t hs_cfgsync_encode(const struct hs_cfgsync_rec *r, uint8_t *buf, size_t cap);
/* The length hs_cfgsync_encode() would write (0: r is invalid). */
size_t hs_cfgsync_encoded_len(const struct hs_cfgsync_rec *r);
/* Decodes one record; tables' text and settings point into buf. A full set or report must carry
 * the digest of its tables, a settings record that of its text. Returns HS_CFGSYNC_OK with *r
 * filled, or the reason (*r unspecified). */
enum hs_cfgsync_err hs_cfgsync_decode(const uint8_t *buf, size_t len, struct hs_cfgsync_rec *r);

/* ---- chunks: a record larger than one data-channel record ---- */

/* A chunk is a record of kind HS_CFGSYNC_CHUNK: the header's generation is the transfer's id,
 * its digest the SHA-256 of the whole record; then u32 total (the whole record's length),
 * u32 offset, and the piece (at least one byte, up to the end of the record). The pieces of a
 * transfer go in order on the ordered data channel; the receiver keeps at most one transfer,
 * at most HS_CFGSYNC_BIG_MAX bytes. */
#define HS_CFGSYNC_CHUNK_HDR  (HS_CFGSYNC_HDR_LEN + 8u)
#define HS_CFGSYNC_CHUNK_DATA (HS_CFGSYNC_REC_MAX - HS_CFGSYNC_CHUNK_HDR)
#define HS_CFGSYNC_BIG_MAX    (4u * 1024u * 1024u)

/* How many chunks a record of len bytes takes (0: too large to send). */
size_t hs_cfgsync_chunk_count(size_t len);
/* Chunk index of the record whole[len] as transfer id into buf. Returns its length, or 0 when
 * index is past the last chunk, len is 0 or over HS_CFGSYNC_BIG_MAX, or cap is too small. */
size_t hs_cfgsync_chunk_encode(const uint8_t *whole, size_t len, uint32_t id, size_t index,
			       uint8_t *buf, size_t cap);

/* The receiver's transfer under way. */
struct hs_cfgsync_reasm {
	bool active;
	uint32_t id, total, have;
	uint8_t digest[HS_CFGSYNC_DIGEST_LEN];
	uint8_t *buf; /* total bytes, malloc'd */
};

enum hs_cfgsync_reasm_step {
	HS_REASM_MORE = 0, /* kept: more chunks to come */
	HS_REASM_DONE,     /* the record is whole: *whole, *whole_len until the next feed/reset */
	HS_REASM_ERROR,    /* dropped, with the reason; the transfer under way is dropped too */
};

/* Feeds one decoded chunk record. *abandoned: an unfinished transfer was dropped because this
 * chunk starts a new one (count it). *err: the reason on HS_REASM_ERROR. */
enum hs_cfgsync_reasm_step hs_cfgsync_reasm_feed(struct hs_cfgsync_reasm *ra,
						 const struct hs_cfgsync_rec *r,
						 const uint8_t **whole, size_t *whole_len,
						 bool *abandoned, enum hs_cfgsync_err *err);
/* Drops the transfer under way (records lost, the peer gone). Returns true when one was. */
bool hs_cfgsync_reasm_reset(struct hs_cfgsync_reasm *ra);

/* ---- canonical text, renames, digest ---- */

/* Checks "FAMILY NAME" (family ip, ip6, inet, arp, bridge, netdev; name [A-Za-z0-9_.-]+). */
bool hs_cfgsync_table_name_ok(const char *s);

/* The canonical form of one table as `nft -s list table` prints it (no handles, no counter
 * values): the elements of dynamic sets (state, not policy: the packet path fills them) are
 * left out, trailing blanks cut, and it ends with one newline. Returns the length written, or
 * -ENOSPC (cap too small; out holds a prefix). */
long hs_cfgsync_canon(const char *in, size_t len, char *out, size_t cap);

#define HS_CFGSYNC_IFNAME_MAX  16
#define HS_CFGSYNC_RENAMES_MAX 32

/* Interfaces named differently on the two boxes: "local=peer" (this box's name, the peer's). */
struct hs_cfgsync_renames {
	size_t n;
	struct {
		char local[HS_CFGSYNC_IFNAME_MAX];
		char peer[HS_CFGSYNC_IFNAME_MAX];
	} e[HS_CFGSYNC_RENAMES_MAX];
};

/* Parses "local=peer" items; returns 0, or -EINVAL with why in err (a bad item, an interface
 * named twice on one side). */
int hs_cfgsync_renames_parse(const char *const *items, size_t n, struct hs_cfgsync_renames *m,
			     char *err, size_t errlen);
/* Checks one item (the config's check_string): NULL when fine, or why not. */
const char *hs_cfgsync_rename_check(const char *item);

/* The digest and the records use one naming for both boxes: the names of the box with the
 * smaller sysname. True when that is the peer's (this box renames local -> peer to canonical,
 * and peer -> local back). An unknown peer ("") leaves our names. */
bool hs_cfgsync_canon_is_peer(const char *local_sysname, const char *peer_sysname);

/* Replaces each quoted interface name ("lan0", as nft prints iifname, oifname, device) found
 * in the map: local -> peer when to_peer, else peer -> local; in one pass, so swapped names
 * stay right. Returns the length written or -ENOSPC. */
long hs_cfgsync_rename(const char *in, size_t len, const struct hs_cfgsync_renames *m, bool to_peer,
		       char *out, size_t cap);

/* SHA-256 over the tables in order: for each, its name's length (u8) and name, present (u8),
 * text length (u32, big-endian) and text. The caller keeps the tables in config order. */
void hs_cfgsync_digest(const struct hs_cfgsync_table *t, size_t n,
		       uint8_t out[HS_CFGSYNC_DIGEST_LEN]);
/* 64 lowercase hex digits and a NUL. */
void hs_cfgsync_digest_hex(const uint8_t d[HS_CFGSYNC_DIGEST_LEN], char out[65]);

/* A short line diff of two texts: each line of a that b lacks as "- line\n", each of b that a
 * lacks as "+ line\n" (counted as multisets, in the order they come), at most max_lines lines,
 * then "... N more\n"; only whole lines, as many as fit in cap. Returns the number of
 * differing lines (0: the same lines), or -ENOMEM. */
long hs_cfgsync_diff(const char *a, size_t alen, const char *b, size_t blen, char *out, size_t cap,
		     unsigned max_lines);

/* ---- config role ---- */

enum hs_cfgsync_role {
	HS_CFGSYNC_ROLE_NONE = 0, /* neither sends nor applies (initialize, or no active box) */
	HS_CFGSYNC_ROLE_MASTER,   /* sends its synced set */
	HS_CFGSYNC_ROLE_STANDBY,  /* applies the master's */
	HS_CFGSYNC_ROLE_MAX,
};

const char *hs_cfgsync_role_name(unsigned role);

/* The config role from the VGMP states (enum hrp_vgmp_state values): the active box is the
 * master; when both are active or both in load-balance, the one with the smaller sysname. A
 * box whose peer is not up is the master when active or in load-balance, else none. */
enum hs_cfgsync_role hs_cfgsync_role(unsigned local_state, bool peer_up, unsigned peer_state,
				     const char *local_sysname, const char *peer_sysname);

/* Whether the peer's result for our set ref_gen (enum hs_cfgsync_status) lets the master forget
 * a set the peer refused earlier (failed or reverted), which it does not send again by itself:
 * the peer took our current set (our_gen), so the refusal is history, and the tables returning
 * to the refused set (a rollback) go out as any change. A late result of an older set does not. */
bool hs_cfgsync_refusal_cleared(unsigned status, uint32_t ref_gen, uint32_t our_gen);

/* ---- commit-confirmed ---- */

enum hs_cc_state {
	HS_CC_IDLE = 0,   /* nothing to confirm */
	HS_CC_CONFIRMING, /* applied; the previous policy is kept until the window ends */
	HS_CC_STATE_MAX,
};

enum hs_cc_action {
	HS_CC_NONE = 0,
	HS_CC_CONFIRM, /* drop the kept previous policy */
	HS_CC_REVERT,  /* put the kept previous policy back */
};

enum hs_cc_reason {
	HS_CC_R_NONE = 0,
	HS_CC_R_WINDOW_PASSED, /* confirmed: the window ended with the master heard */
	HS_CC_R_SILENT,        /* reverted: no message from the master for silence_ms */
	HS_CC_R_PEER_LOST,     /* reverted: the peer went down */
	HS_CC_R_MAX,
};

const char *hs_cc_state_name(unsigned state);
const char *hs_cc_reason_name(unsigned reason);

struct hs_cc {
	enum hs_cc_state state;
	uint32_t confirm_ms; /* the window after an apply */
	uint32_t silence_ms; /* the master unheard this long within the window: revert */
	uint64_t applied_ms;
	uint32_t gen; /* the master's generation under confirmation */
};

void hs_cc_init(struct hs_cc *cc, uint32_t confirm_ms, uint32_t silence_ms);
/* A full set of generation gen was applied at now. Returns true when the caller must keep the
 * policy it had before (the state was idle); while confirming, the policy kept is the one from
 * before the first unconfirmed apply, and the window starts again. */
bool hs_cc_applied(struct hs_cc *cc, uint32_t gen, uint64_t now);
/* The peer went down: while confirming, revert. */
enum hs_cc_action hs_cc_peer_lost(struct hs_cc *cc, enum hs_cc_reason *why);
/* Time passes. last_rx_ms: the last message accepted from the master (0: none). Reverts when
 * the master has been silent for silence_ms (counted from the apply at the earliest), confirms
 * when the window has passed. *next_ms: when to call again (UINT64_MAX: idle). */
enum hs_cc_action hs_cc_tick(struct hs_cc *cc, uint64_t now, uint64_t last_rx_ms, uint64_t *next_ms,
			     enum hs_cc_reason *why);

#endif
