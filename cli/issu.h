/* The pair upgrade's commands (doc/hrpctl.md, "Pair upgrade"): issu load PATH [timer
 * SECONDS], issu runswitch / accept / commit / rollback / abort, display issu state. hrpd runs the
 * upgrade; each command answers with the upgrade's state once hrpd has taken it. */
#ifndef HS_CLI_ISSU_H
#define HS_CLI_ISSU_H

#include <jansson.h>
#include <stdio.h>

struct cli_match;

int args_issu_load(const struct cli_match *m, json_t **args);
/* After a command: the stage it led to. */
int render_issu_command(const json_t *view, FILE *out);
/* display issu state */
int render_issu_state(const json_t *view, FILE *out);

#endif
