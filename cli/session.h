/* hrpctl's session loops: commands read line by line from a stream (scripts, tests), or typed at
 * a terminal with line editing, history, '?' help and Tab completion. */
#ifndef HS_CLI_SESSION_H
#define HS_CLI_SESSION_H

#include <stdio.h>

#include "exec.h"

/* Runs every line of in until its end or quit. Returns the worst exit code of the lines. */
int cli_run_stream(struct cli_session *s, FILE *in);

/* Runs commands typed at the terminal behind the prompt "HRP_M[name]>", "HRP_S[name]>" or
 * "<name>" (role.h) until quit, exit or ^D.
 * Returns 0, or 1 when the terminal cannot be set up. */
int cli_run_terminal(struct cli_session *s, const char *name);

#endif
