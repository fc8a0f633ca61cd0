/* Config sync: the nftables tables named in hrpd.config_sync_tables follow the config master
 * (doc/config-sync.md).
 *
 * Every box reads its synced tables after each nftables change (once the changes settle) and
 * puts their digest in its hellos. The config master (the active box; in load-sharing the
 * smaller sysname) sends them on the config channel (HRP_CHAN_CONFIG) as a full set when they
 * change, when the peer comes up or restarts, and on hrp sync config; the config standby
 * applies them in one nftables transaction and answers with a result. The standby keeps its
 * previous tables for hrpd.config_confirm_ms and puts them back when the master falls silent
 * (commit-confirmed). Other boxes send their set as a report, for display hrp config
 * consistency. */
#ifndef HRPD_CFGSYNC_H
#define HRPD_CFGSYNC_H

#include <jansson.h>

#include "config.h"
#include "ctl_server.h"

struct hrpd;

/* main.c: after hrpd_data_init(). A box without nftables runs without config sync and says so. */
int hrpd_cfgsync_init(struct hrpd *h);
void hrpd_cfgsync_free(struct hrpd *h);
/* The config sync settings of c (by reload, before hrpd_cfgsync_update()). */
void hrpd_cfgsync_configure(struct hrpd *h, const struct hs_hrpd_config *c);
/* After anything that may change the config role or what the peer holds: our VGMP state, the
 * peer's hello payload, the peer up, down or restarted, hrp enabled or disabled. Cheap. */
void hrpd_cfgsync_update(struct hrpd *h);
/* ctl.c: "config" in status and in hrp-statistics. */
json_t *hrpd_cfgsync_status_json(const struct hrpd *h);
json_t *hrpd_cfgsync_stats_json(const struct hrpd *h);
/* hot.c (cfgsync_hot.c): 1 with why while config sync holds what a hot restart cannot carry;
 * its part of the snapshot (a new reference; NULL without memory). hrpd_cfgsync_init() of the
 * new process restores it from the daemon's hot_state. */
int hrpd_cfgsync_hot_busy(const struct hrpd *h, char *why, size_t len);
json_t *hrpd_cfgsync_hot_save(const struct hrpd *h);
/* config-sync (hrp sync config), config-consistency (display hrp config consistency). */
extern const struct hs_ctl_command hrpd_cfgsync_commands[];

#endif
