/* What the three daemons share: command line, config load, run dir and pid file, logging, the
 * event loop, signals (TERM/INT stop, once the daemon agrees; HUP reloads), the control socket
 * with the common commands (status, version, help, debug, config), and the inherited sockets of
 * a hot restart. A daemon is an ops table; hs_daemon_main() runs it. */
#ifndef HS_DAEMON_H
#define HS_DAEMON_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "ctl_server.h"
#include "fdpass.h"
#include "loop.h"

struct hs_daemon;

struct hs_daemon_ops {
	const char *name;      /* "vrrpd": also the control socket's name */
	const char *protocols; /* for --version, e.g. "VRRP v2 v3" */
	/* After config load, before the loop runs. Take inherited sockets from d->inherited. */
	int (*start)(struct hs_daemon *d);
	/* The new config is valid; return 0 to take it (d->config is swapped after), or a negative
	 * errno to keep the old one. May be NULL: every valid config is taken. */
	int (*reload)(struct hs_daemon *d, const struct hs_config *next);
	void (*stop)(struct hs_daemon *d);
	/* Optional: the first SIGTERM / SIGINT. Return true to end the loop later yourself
	 * (hs_loop_exit(&d->loop, 0)), e.g. after handing a role over; a second signal ends it
	 * at once. NULL or false: the loop ends now. */
	bool (*stop_request)(struct hs_daemon *d);
	/* Adds the daemon's own fields to the "status" answer. */
	void (*status)(struct hs_daemon *d, json_t *obj);
	const struct hs_ctl_command *commands; /* NULL-terminated; handlers get the daemon */
	/* Optional: more lines for --version (hrpd prints its message registry). */
	void (*version_extra)(FILE *out);
	/* Optional, both or neither: hot restart (lib/daemon_hot.h). The state to hand over (new
	 * reference), and the daemon's sockets by the names its start() takes them under. */
	json_t *(*snapshot)(struct hs_daemon *d);
	int (*hot_fds)(struct hs_daemon *d, struct hs_fdset *out);
	/* Optional: before anything starts, a reason (written to why) to refuse a hot restart now,
	 * e.g. state that cannot be carried; return 0 to go ahead. */
	int (*hot_refuse)(struct hs_daemon *d, char *why, size_t len);
	/* Optional: the handover this process started was aborted (it goes on). */
	void (*hot_aborted)(struct hs_daemon *d);
	/* New side: start() arranged to call hs_daemon_hot_confirm() itself from the loop, within
	 * HS_HOT_TIMEOUT_MS (e.g. once it has sent its first message): the old process goes on
	 * until then. false: confirmed as soon as start() succeeds. */
	bool hot_confirms_itself;
};

struct hs_daemon {
	const struct hs_daemon_ops *ops;
	struct hs_loop loop;
	struct hs_config *config;
	struct hs_ctl_server *ctl;
	struct hs_fdset inherited;
	char config_path[PATH_MAX];
	char rundir[PATH_MAX];
	char pidfile[PATH_MAX];
	bool foreground;
	bool debug;
	bool stopping; /* a stop signal came */
	uint64_t started_ms;
	uint64_t reloads;
	uint64_t reload_failures;
	char last_reload_error[512];
	uint64_t config_changes;         /* config-set requests that changed something */
	uint64_t config_change_failures; /* config-set requests refused */
	char apply_error[256];           /* ops->reload may say here why it refuses a config */
	void *priv;                      /* the daemon's own state */
	/* Hot restart (lib/daemon_hot.c). */
	char **argv;                 /* the new binary gets the same arguments */
	int pidfile_fd;              /* locked for our life; handed over */
	json_t *hot_state;           /* new side: the old process's snapshot, for start() */
	struct hs_daemon_hot *hot;   /* the handover under way, its counters */
	bool handed_over;            /* old side: the new one runs: leave everything in place */
};

/* Returns the process exit code: 0 after a clean stop, 1 on a run-time failure, 2 for a bad
 * command line or config. */
int hs_daemon_main(const struct hs_daemon_ops *ops, int argc, char **argv);

/* Asks for SCHED_RR at priority (1-99; 0: stays in normal scheduling), where the kernel allows
 * it: adverts at 10 ms, and decisions that must reach another daemon within a millisecond, must
 * not wait behind a busy CPU. Only for daemons whose every turn of the loop is short. Logged at
 * debug level when refused. With SCHED_RESET_ON_FORK: every child (and thread) starts in normal
 * scheduling. */
#define HS_DAEMON_RT_PRIORITY 10
void hs_daemon_realtime(int priority);
/* setpriority() to value (-20..19) where allowed, and the same for the session's autogroup when
 * the daemon leads its session (else the nice weighs only inside it); logged at debug level when
 * refused. */
void hs_daemon_nice(int value);
/* Writes this process's pid into the pid file it holds (d->pidfile_fd), from offset 0: at
 * start, and after an aborted hot restart (the new process may have written its own). */
int hs_daemon_pid_write(struct hs_daemon *d);

/* Validates path and applies it through ops->reload; what SIGHUP does. Returns 0 or -errno. */
int hs_daemon_reload(struct hs_daemon *d);
/* Takes a valid config through ops->reload and makes it the running one: the step a reload and
 * a config-set (daemon_config.c) share. Returns 0 (next is the daemon's now), or the reload's
 * -errno with next still the caller's and the running config untouched. */
int hs_daemon_apply(struct hs_daemon *d, struct hs_config *next);
/* config-set and config-show (daemon_config.c), on every daemon's control socket. */
extern const struct hs_ctl_command hs_daemon_config_commands[];

#endif
