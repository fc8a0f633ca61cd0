/* Running one command line: parse, call the daemons, build the view, print it. The daemons and
 * the clock are reached through an ops table, so this is testable without sockets. */
#ifndef HS_CLI_EXEC_H
#define HS_CLI_EXEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli_parse.h"

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_COMMAND = 1,     /* unknown / incomplete / ambiguous / wrong, or ok=false */
	CLI_EXIT_UNREACHABLE = 2, /* a daemon could not be reached */
};

struct cli_ops {
	/* Sends one request. Returns 0 with the whole response object ({"ok":..., "result"...}),
	 * or a negative errno with a sentence in err naming the daemon and why, e.g.
	 * "cannot reach hrpd at /run/hotstandby/hrpd.sock: No such file or directory". */
	int (*call)(void *ctx, const char *daemon, const char *cmd, json_t *args, json_t **response,
		    char *err, size_t errlen);
	int64_t (*now_ms)(void *ctx); /* wall clock, ms since the epoch */
	/* save (CLI_F_SAVE): writes the config file the view describes (config_cmds.h) and adds
	 * what it did to the view. Returns 0, or a negative errno with a sentence in err. */
	int (*save)(void *ctx, json_t *view, char *err, size_t errlen);
	/* Optional: a pause between the repeats of a waiting call (cli_call.until); NULL: none. */
	void (*sleep_ms)(void *ctx, unsigned ms);
};

struct cli_session {
	const struct cli_grammar *grammar;
	const struct cli_ops *ops;
	void *ctx;
	bool json;        /* one JSON object per command on out, errors included */
	bool interactive; /* the line is on screen after the prompt: the caret is shifted by
			   * prompt_len and the line is not echoed */
	size_t prompt_len;
	FILE *out; /* results */
	FILE *err; /* human errors */
	bool quit; /* set by quit / exit */
};

/* Runs one line ("?" at its end lists what may come next). Returns an enum cli_exit; a view
 * that says {"failed": true} (an operation that ran and did not succeed) exits
 * CLI_EXIT_COMMAND after it is shown. */
int cli_exec_line(struct cli_session *s, const char *line);

#endif
