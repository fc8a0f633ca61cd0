/* Hot restart of a daemon (doc/hot-restart.md). The old process starts the new binary with one
 * end of a UNIX socketpair (HS_HOT_FD names it), sends over it its sockets (SCM_RIGHTS, by name)
 * and its state (ops->snapshot), and exits without cleaning up once the new one confirms; if the
 * new one refuses, dies or stays silent for HS_HOT_TIMEOUT_MS, the old one goes on. */
#ifndef HS_DAEMON_HOT_H
#define HS_DAEMON_HOT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct hs_daemon;

#define HS_HOT_ENV "HS_HOT_FD"

/* Old side: starts a handover to exe (NULL: our own binary, as /proc/self/exe names it).
 * 0 once the sockets and snapshot are sent (the outcome comes later), or -errno with err set:
 * -EBUSY while one runs, -EOPNOTSUPP for a daemon without a snapshot. */
int hs_daemon_hot_start(struct hs_daemon *d, const char *exe, char *err, size_t errlen);
/* {"stage", "attempts", "confirmed", "aborted", "last_error"} for the status answer. */
json_t *hs_daemon_hot_status(const struct hs_daemon *d);

/* New side, before the daemon starts: when started by a hot restart, receives the sockets into
 * d->inherited and the snapshot into d->hot_state. 1 when hot, 0 when not, -errno (logged). */
int hs_daemon_hot_receive(struct hs_daemon *d);
/* New side, once started: READY=1 and MAINPID to the service manager, then the confirm. */
void hs_daemon_hot_confirm(struct hs_daemon *d);
/* New side, start failed: the old one is told why and goes on. */
void hs_daemon_hot_refuse(struct hs_daemon *d, const char *why);
/* New side: started by a hot restart and not confirmed yet (the socket and pid files are the
 * old process's still: not ours to remove). */
bool hs_daemon_hot_adopting(const struct hs_daemon *d);
/* Old side: a new process runs and has not confirmed or failed yet (it read our files at its
 * start: what we change now may not reach it). */
bool hs_daemon_hot_handing_over(const struct hs_daemon *d);
void hs_daemon_hot_free(struct hs_daemon *d);

#endif
