/* Static route sync, pure (doc/config-sync.md "Static routes"): the operator's routes of the
 * main table and of the tables of hrpd.route_sync_tables as the text of one pseudo-table of the
 * synced set ("route static"), which is digested, sent, diffed and renamed like an nftables table;
 * which routes are synced; and what the config standby must add and delete to hold the master's.
 * hrpd (hrpd/cfgsync_route.c) reads and writes the kernel over rtnetlink and feeds these functions
 * routes. No sockets here.
 *
 * A route is one line, its interface quoted so that the rename table applies to it:
 *   inet 198.51.100.128/25 via 198.51.100.2 dev "up0" metric 0
 *   inet6 2001:db8:5::/64 dev "lan0" metric 1024 type blackhole
 *   inet 0.0.0.0/0 via 192.0.2.9 dev "up1" src 192.0.2.10 metric 0 table 100
 * A text that covers tables other than the main table alone says which in its first line,
 * "tables main 100": the standby replaces its routes of those tables, and of no other, whatever
 * its own setting says yet. With the defaults (the main table, no source) the text is what it
 * was before tables and sources were synced. */
#ifndef HS_CFGSYNC_ROUTE_H
#define HS_CFGSYNC_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sess_policy.h"

#define HS_CFGSYNC_ROUTES   "route static" /* the pseudo-table's name in the synced set */
#define HS_ROUTE_IFNAME_MAX 16
#define HS_ROUTES_MAX       4096 /* routes of one text at most */
#define HS_ROUTE_LOCAL_IFS  8    /* interfaces whose routes never leave the box */
#define HS_ROUTE_LINE_MAX   256  /* the longest line there can be is 211 bytes */
#define HS_ROUTE_TABLES_MAX 32   /* tables of hrpd.route_sync_tables (HS_CFG_LIST_MAX) */
#define HS_ROUTE_TABLE_MAIN 254  /* the kernel's RT_TABLE_MAIN */

enum hs_route_type {
	HS_ROUTE_UNICAST = 0,
	HS_ROUTE_BLACKHOLE,
	HS_ROUTE_UNREACHABLE,
	HS_ROUTE_PROHIBIT,
	HS_ROUTE_TYPE_MAX,
};

struct hs_route {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t dst_len;
	uint8_t dst[16]; /* IPv4 in the first 4 bytes */
	bool has_gw;
	uint8_t gw[16];
	char dev[HS_ROUTE_IFNAME_MAX]; /* "" when the route names none */
	bool has_src;
	uint8_t src[16]; /* the preferred source address (RTA_PREFSRC) */
	uint32_t metric;
	uint8_t type;   /* enum hs_route_type */
	uint32_t table; /* 0 for main */
};

/* The tables a text covers: their ids, sorted, no repeats (0 for main); none: main alone. */
struct hs_route_tables {
	uint32_t id[HS_ROUTE_TABLES_MAX];
	size_t n;
};

/* Which of a box's routes are its own: never sent, never removed by the peer's. */
struct hs_route_filter {
	char local_ifs[HS_ROUTE_LOCAL_IFS][HS_ROUTE_IFNAME_MAX]; /* the heartbeat links */
	size_t n_local_ifs;
	struct hs_sess_prefix exclude[HS_SESS_EXCLUDE_MAX]; /* hrpd.route_sync_exclude */
	size_t n_exclude;
	struct hs_route_tables tables; /* hrpd.route_sync_tables (hs_route_tables_add) */
	bool src;                      /* hrpd.route_sync_src: preferred sources ride */
};

enum hs_route_verdict {
	HS_ROUTE_SYNC = 0,
	HS_ROUTE_SKIP_HEARTBEAT, /* via a heartbeat link */
	HS_ROUTE_SKIP_EXCLUDED,  /* its destination within a prefix of route_sync_exclude */
	HS_ROUTE_SKIP_TABLE,     /* in a table not synced */
};

enum hs_route_verdict hs_route_classify(const struct hs_route *r, const struct hs_route_filter *f);

/* A table of hrpd.route_sync_tables: "main" (or 254), or a number of 1..4294967295 other than
 * 255 (local: the kernel's own routes). Sets *id (0 for main) and returns 0, or -EINVAL with
 * why. */
int hs_route_table_parse(const char *s, uint32_t *id, const char **why);
/* Adds id to t, kept sorted without repeats (full: ignored). */
void hs_route_tables_add(struct hs_route_tables *t, uint32_t id);

/* The line of r, NUL-terminated, without its newline. Returns its length or -ENOSPC/-EINVAL. */
int hs_route_format(const struct hs_route *r, char *out, size_t cap);
/* One line back (without its newline). Returns 0 or -EINVAL. */
int hs_route_parse(const char *line, size_t len, struct hs_route *r);

/* The pseudo-table's text: the "tables" line when t covers more than main alone (t may be NULL:
 * main alone), then the lines of routes, sorted, each ending in a newline; "" for none.
 * Returns a malloc'd text (its length in *len) or NULL without memory or for a bad route. */
char *hs_routes_text(const struct hs_route *routes, size_t n, const struct hs_route_tables *t,
		     size_t *len);
/* A text back into routes (malloc'd *out; NULL when none) and the tables it covers (*t). Returns
 * the count, or -EINVAL with the first bad line's number (from 1) in *bad_line (a route of a
 * table the text does not cover is one), or -E2BIG past HS_ROUTES_MAX. */
long hs_routes_from_text(const char *text, size_t len, struct hs_route **out,
			 struct hs_route_tables *t, size_t *bad_line);

/* Same table, destination, metric and family: the kernel holds one of them (a replace changes
 * it). */
bool hs_route_same_key(const struct hs_route *a, const struct hs_route *b);
bool hs_route_equal(const struct hs_route *a, const struct hs_route *b);

/* What makes have into want: add[] (indexes into want: routes not in have as they are; an add
 * replaces a route of the same key) and del[] (indexes into have: keys want lacks). The
 * arrays hold n_want and n_have entries. */
void hs_routes_plan(const struct hs_route *have, size_t n_have, const struct hs_route *want,
		    size_t n_want, size_t *add, size_t *n_add, size_t *del, size_t *n_del);

#endif
