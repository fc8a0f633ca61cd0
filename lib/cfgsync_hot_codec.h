/* The pure codec of config sync's part of a hot restart's snapshot (hrpd/cfgsync_hot.c glues it):
 * the synced sets and results, and the field helpers the three parts share. A value of the
 * wrong type or missing is taken as absent (false, dflt, or the output left untouched): that
 * state starts afresh, as after a cold restart. Uptime-relative times travel as ages (the two
 * processes' uptimes differ); 64-bit values and digests as hex. No sockets, no clock. */
#ifndef HS_CFGSYNC_HOT_CODEC_H
#define HS_CFGSYNC_HOT_CODEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfgsync_core.h"

/* A synced set: each table's canonical text (malloc'd) and the digest over them. */
struct hrpd_cfg_set {
	size_t n;
	struct {
		char name[HS_CFGSYNC_NAME_MAX];
		bool present;
		char *text;
		size_t len;
	} t[HS_CFGSYNC_TABLES_MAX];
	uint8_t digest[HS_CFGSYNC_DIGEST_LEN];
};

struct hrpd_cfg_result {
	bool have;
	uint32_t gen;
	uint8_t status; /* enum hs_cfgsync_status */
	char msg[HS_CFGSYNC_MSG_MAX];
	uint64_t at_ms; /* daemon uptime */
};

void hrpd_cfg_set_clear(struct hrpd_cfg_set *s);

json_t *hrpd_cfg_hot_digest(const uint8_t *d);
bool hrpd_cfg_hot_get_digest(const json_t *o, const char *key, uint8_t *d);
json_t *hrpd_cfg_hot_u64(uint64_t v);
bool hrpd_cfg_hot_get_u64(const json_t *o, const char *key, uint64_t *v);
uint32_t hrpd_cfg_hot_get_u32(const json_t *o, const char *key, uint32_t dflt);
bool hrpd_cfg_hot_get_bool(const json_t *o, const char *key);
/* Counters as an array: a reader with more keeps 0 in the ones the writer did not have. */
json_t *hrpd_cfg_hot_counters(const uint64_t *c, size_t n);
void hrpd_cfg_hot_get_counters(const json_t *o, const char *key, uint64_t *c, size_t n);
/* at_ms (an uptime) as its age at uptime_ms, and back: the result may wrap below 0 (before
 * this process started), which keeps uptime - at the true age. */
json_t *hrpd_cfg_hot_age(uint64_t uptime_ms, uint64_t at_ms);
uint64_t hrpd_cfg_hot_get_at(uint64_t uptime_ms, const json_t *o, const char *key);
/* A result (null when it has none), and back (at_ms not below 0: it is shown as is). */
json_t *hrpd_cfg_hot_result(uint64_t uptime_ms, const struct hrpd_cfg_result *r);
void hrpd_cfg_hot_get_result(uint64_t uptime_ms, const json_t *o, const char *key,
			     struct hrpd_cfg_result *r);
/* A set with its texts, and back: 0, or -EINVAL for one that does not check out (a table
 * without a name or a text, too many tables, no digest; set cleared), -ENOMEM. */
json_t *hrpd_cfg_hot_set(const struct hrpd_cfg_set *set);
int hrpd_cfg_hot_get_set(const json_t *o, struct hrpd_cfg_set *set);

#endif
