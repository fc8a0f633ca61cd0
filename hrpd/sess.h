/* Session sync: conntrack sessions follow the active box (doc/session-sync.md).
 *
 * The box whose VGMP state is active (both, in load-sharing) is a source: kernel events that are
 * not its own writes go out at once, batched per turn of the loop, as session records on the data
 * channel (HRP_CHAN_SESSION). Every box writes the peer's records into its kernel table with hold
 * timeouts, so a takeover needs no commit; the takeover gives the held entries their protocol
 * timeouts back. A box that needs the peer's table (the peer is active, and we have not had its
 * table since it started) asks for a bulk transfer; until it has it, it is not ready and vgmpd
 * does not let it preempt. */
#ifndef HRPD_SESS_H
#define HRPD_SESS_H

#include <jansson.h>
#include <stdbool.h>

#include "config.h"
#include "ctl_server.h"

struct hrpd;

/* main.c: after hrpd_data_init(). Opens the ctnetlink sockets; a box without conntrack (no
 * module) runs without session sync and says so. */
int hrpd_sess_init(struct hrpd *h);
void hrpd_sess_free(struct hrpd *h);
/* The session settings of c (at start and by reload, before hrpd_sess_update()). */
void hrpd_sess_configure(struct hrpd *h, const struct hs_hrpd_config *c);
/* After anything that may change what session sync does: our VGMP state (vgmp-local), the
 * peer's hello payload, the peer up or down, hrp enabled or disabled, a reload. Cheap. */
void hrpd_sess_update(struct hrpd *h);
void hrpd_sess_peer_restarted(struct hrpd *h);
/* Readiness for vgmpd: false while we wait for the active peer's table. */
bool hrpd_sess_ready(const struct hrpd *h);
/* ctl.c: "session" in status and in hrp-statistics. */
json_t *hrpd_sess_status_json(const struct hrpd *h);
json_t *hrpd_sess_stats_json(const struct hrpd *h);
/* session-sync (hrp sync connection-status), session-stats. */
extern const struct hs_ctl_command hrpd_sess_commands[];

/* Hot restart (sess_hot.c): 1 with why while a job the snapshot does not carry is under way;
 * the flags to carry and to take back (hrpd_sess_init() calls restore when h->hot_snap has
 * them); the old process's events held after its snapshot; the conntrack sockets to hand. */
struct hrp_snap_session;
struct hs_fdset;
int hrpd_sess_hot_busy(const struct hrpd *h, char *why, size_t len);
/* Before the busy check: the records batched this turn go to the data channel (and travel). */
void hrpd_sess_hot_flush(struct hrpd *h);
void hrpd_sess_hot_save(const struct hrpd *h, struct hrp_snap_session *out);
void hrpd_sess_hot_restore(struct hrpd *h, const struct hrp_snap_session *in);
void hrpd_sess_hot_freeze(struct hrpd *h, bool frozen);
int hrpd_sess_hot_fds(const struct hrpd *h, struct hs_fdset *out);

#endif
