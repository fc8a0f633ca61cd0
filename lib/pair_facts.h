/* The pairing consistency check, pure (doc/config-sync.md "Pairing consistency"): the facts of a
 * box that must match its peer's and are not synced — its VRRP groups (interface, family, VRID,
 * virtual addresses, advert interval, version), hrpd's hello interval and dead count,
 * nf_conntrack_max and the conntrack timeout sysctls, its software and HRP protocol versions —
 * their JSON form for the facts record of the config channel, and the compare that lists every
 * difference. hrpd gathers the facts (the shared config file, /proc/sys of its namespace) and
 * sends them; nothing here reads a file or a clock. */
#ifndef HS_PAIR_FACTS_H
#define HS_PAIR_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfgsync_core.h"
#include "config.h"

#define HS_PF_FORMAT      1  /* the "format" of the JSON form */
#define HS_PF_GROUPS_MAX  64 /* VRRP groups of one box */
#define HS_PF_VIPS_MAX    HS_VRRP_VIPS_MAX
#define HS_PF_SYSCTLS_MAX 64
#define HS_PF_SYSCTL_NAME 80 /* "net.netfilter.nf_conntrack_tcp_timeout_established", NUL */
#define HS_PF_VALUE_MAX   32 /* a sysctl's value as /proc/sys gives it, NUL */
#define HS_PF_VERSION_MAX 32
#define HS_PF_ADDR_MAX    48
#define HS_PF_WHAT_MAX    96
#define HS_PF_SIDE_MAX    256

struct hs_pf_group {
	char interface[HS_CFGSYNC_IFNAME_MAX];
	int family; /* AF_INET or AF_INET6 */
	int vrid;   /* 1..255 */
	int version;
	int advert_interval_cs;
	size_t n_vips;
	char vips[HS_PF_VIPS_MAX][HS_PF_ADDR_MAX]; /* canonical text (inet_ntop), sorted */
};

struct hs_pf_sysctl {
	char name[HS_PF_SYSCTL_NAME]; /* dotted: "net.netfilter.nf_conntrack_max" */
	char value[HS_PF_VALUE_MAX];  /* trimmed, blanks collapsed to one space */
};

struct hs_pair_facts {
	char software[HS_PF_VERSION_MAX];
	char hrp_protocol[HS_PF_VERSION_MAX];
	uint32_t hello_interval_ms;
	uint32_t dead_count;
	size_t n_groups;
	struct hs_pf_group groups[HS_PF_GROUPS_MAX]; /* sorted by family, VRID */
	size_t n_sysctls;
	struct hs_pf_sysctl sysctls[HS_PF_SYSCTLS_MAX]; /* sorted by name */
};

enum hs_pf_err {
	HS_PF_OK = 0,
	HS_PF_E_JSON,      /* not a JSON object */
	HS_PF_E_FORMAT,    /* "format" missing or not HS_PF_FORMAT */
	HS_PF_E_FIELD,     /* a field missing or of the wrong type */
	HS_PF_E_RANGE,     /* a number out of its range, an unknown family */
	HS_PF_E_TOO_MANY,  /* more groups, VIPs or sysctls than we keep */
	HS_PF_E_STRING,    /* a string too long or empty, a bad sysctl name, a bad address */
	HS_PF_E_DUPLICATE, /* a VRRP group (family, VRID) twice */
	HS_PF_ERR_MAX,
};

enum hs_pf_severity {
	HS_PF_WARNING = 0, /* may be meant (an upgrade, a tuned timeout) but worth a look */
	HS_PF_ERROR,       /* the pair cannot work as one: a failover would change the service */
	HS_PF_SEVERITY_MAX,
};

/* One difference: what, its value here and on the peer ("absent" when a side lacks it). */
struct hs_pf_diff {
	char what[HS_PF_WHAT_MAX];
	char here[HS_PF_SIDE_MAX];
	char peer[HS_PF_SIDE_MAX];
	enum hs_pf_severity severity;
};

const char *hs_pf_err_name(unsigned err);
const char *hs_pf_severity_name(unsigned severity);

/* Sets f to the facts of cfg (its VRRP groups and hrpd's hello interval and dead count) and the
 * given versions; no sysctls yet. Groups past HS_PF_GROUPS_MAX are left out. */
void hs_pair_facts_from_config(const struct hs_config *cfg, const char *software,
			       const char *hrp_protocol, struct hs_pair_facts *f);
/* The VRRP groups as vrrpd runs them: text is its running config's global and vrrpd groups as
 * config-show prints them (a group changed with hrpctl and not saved is in it, unlike the
 * file). Replaces f's groups. Returns 0, or -EINVAL with why in err (f untouched). */
int hs_pair_facts_groups_from_text(const char *text, struct hs_pair_facts *f, char *err,
				   size_t errlen);

/* True when a sysctl file name under net/netfilter is one the pair compares:
 * nf_conntrack_max and every nf_conntrack_*timeout*. */
bool hs_pair_facts_sysctl_wanted(const char *file_name);
/* Adds one sysctl (value as read: trimmed and blanks collapsed here). Returns 0, -ENOSPC when
 * full, -EINVAL for an empty or too long name or value. Keeps the list sorted; a name added
 * again replaces its value. */
int hs_pair_facts_add_sysctl(struct hs_pair_facts *f, const char *name, const char *value);

/* The JSON text of f: compact, keys sorted (the same facts give the same bytes). malloc'd, or
 * NULL. */
char *hs_pair_facts_encode(const struct hs_pair_facts *f);
/* Reads a JSON text into f; unknown keys are skipped (a newer peer may say more). Returns
 * HS_PF_OK with f filled, or the first thing wrong (f unspecified). */
enum hs_pf_err hs_pair_facts_decode(const char *text, size_t len, struct hs_pair_facts *f);

/* Every difference between ours and the peer's, in a stable order: versions, hrpd timers, VRRP
 * groups by family and VRID, sysctls by name. Our interface names go through renames (local ->
 * peer; may be NULL) first. Fills up to cap diffs and returns how many differences there are
 * (may be more than cap). */
size_t hs_pair_facts_compare(const struct hs_pair_facts *ours, const struct hs_pair_facts *peer,
			     const struct hs_cfgsync_renames *renames, struct hs_pf_diff *out,
			     size_t cap);

/* Settings sync carries some facts to the standby by itself (hrpd's hello interval and dead
 * count are SYNCED settings): a change on the config master differs from the standby for about
 * a second, until the standby applies it. So a difference in one of them is held back until it
 * has lasted grace_ms. d: the kept differences (n of them); *since: when such a difference
 * first showed (0: none showing; updated). Removes the held ones from d (the others keep their
 * order) and returns how many are left; *held says how many were held back. */
#define HS_PF_SYNCED_GRACE_MS 5000u
size_t hs_pair_facts_hold_synced(struct hs_pf_diff *d, size_t n, uint64_t now_ms, uint64_t *since,
				 uint32_t grace_ms, size_t *held);

#endif
