/* hot-restart daemon {vrrpd|vgmpd|hrpd} [exe PATH]: a daemon replaced by a new binary in place
 * (doc/hot-restart.md, doc/hrpctl.md). The row asks the daemon's status (its pid, its counts),
 * sends hot-restart, then asks the status again until the outcome is known: another pid
 * answers (the new process confirmed), or the old one counts one more abort. Pure: the view and
 * the renderer take the answers. */
#ifndef HS_CLI_HOT_RESTART_H
#define HS_CLI_HOT_RESTART_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli_command.h"

/* The row's calls, in this order. */
enum hot_restart_result {
	HOT_RESULT_BEFORE, /* status */
	HOT_RESULT_START,  /* hot-restart */
	HOT_RESULT_AFTER,  /* status, repeated until hot_restart_settled() (optional) */
	HOT_RESULT_MAX,
};

/* {"exe": PATH} when the line names one. */
int args_hot_restart(const struct cli_match *m, json_t **args);
/* Another pid answers, or the old one counts one more abort. */
bool hot_restart_settled(json_t *const *results, const json_t *status);
/* {"daemon", "outcome": "confirmed"|"aborted"|"unknown", "old_pid", "new_pid", "reason",
 *  "attempts", "failed"}: failed unless confirmed. */
int view_hot_restart(const struct cli_view_in *in, json_t **out);
int render_hot_restart(const json_t *view, FILE *out);

#endif
