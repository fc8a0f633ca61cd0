/* What a row of hrpctl's command table holds. A command is: its words, its help, whether its
 * config syncs to the peer, the daemon calls it makes, how the answers become one JSON view, and
 * how that view is shown to a human. Adding a command is adding a row (commands.c). */
#ifndef HS_CLI_COMMAND_H
#define HS_CLI_COMMAND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_CALLS_MAX 8

/* CLI_F_SYNCED (+B) config is backed up to the peer, and refused on the config standby unless
 * hrp standby config enable (role.h). */
#define CLI_F_SYNCED (1u << 0)
#define CLI_F_QUIT   (1u << 1) /* leaves an interactive session */
#define CLI_F_SAVE   (1u << 2) /* the view is written to the config file (cli_ops.save) */

struct cli_match;
struct cli_table;

struct cli_call {
	const char *daemon; /* "hrpd"; NULL ends the list */
	const char *cmd;    /* control command, "status" */
	/* Builds the request's args from the parsed words; NULL sends none. 0 or -errno. */
	int (*args)(const struct cli_match *m, json_t **args);
	/* The view is still built when this daemon cannot be reached (the command then ends with
	 * the "unreachable" error after showing what it has). */
	bool optional;
	/* A supplement: when this call fails in any way (unreachable, refused, unknown command),
	 * the view gets NULL and the reason in errors[i], and the command neither fails nor says
	 * more about it; the view shows what is missing. */
	bool soft;
	/* Shown instead of the daemon's words when it answers unknown-command: a daemon older
	 * than the command. NULL: the daemon's message. */
	const char *unsupported;
	/* A call that waits for an outcome (hot-restart): asked again every CLI_REPEAT_MS, at most
	 * CLI_REPEAT_MAX times, until until() says this answer is final; a failed call (a daemon
	 * between two processes) is asked again too. results[] holds the earlier calls' results.
	 * The view gets the last answer, final or not. */
	bool (*until)(json_t *const *results, const json_t *result);
};

#define CLI_REPEAT_MS  50
#define CLI_REPEAT_MAX 200

/* What a view builder gets. */
struct cli_view_in {
	const struct cli_match *match;
	const struct cli_table *table;
	json_t *const *results;    /* results[i]: the "result" of calls[i]; NULL if it failed */
	const char *const *errors; /* errors[i]: why an optional or soft calls[i] failed, or NULL */
	int64_t now_ms;            /* wall clock, ms since the epoch */
};

struct cli_command {
	const char *pattern; /* see cli_parse.h */
	const char *help;
	unsigned flags; /* CLI_F_* */
	struct cli_call calls[CLI_CALLS_MAX];
	/* Makes the JSON view (stable keys) that --json prints and render() shows. NULL: the view
	 * is the first call's result as it came. Returns 0 or -errno. */
	int (*view)(const struct cli_view_in *in, json_t **view);
	/* Human form, in the appliance's layout. NULL: silent, as config commands are on success.
	 */
	int (*render)(const json_t *view, FILE *out);
};

struct cli_keyword_help {
	const char *word; /* a keyword, or "<name>" for a named parameter */
	const char *help;
};

struct cli_table {
	const struct cli_command *rows;
	size_t n_rows;
	const struct cli_keyword_help *words; /* help of keywords that do not end a command */
	size_t n_words;
	/* Keywords that win an ambiguous abbreviation: "dis hrp st" is state, not statistics, as
	 * operators of the appliance type it. NULL-terminated; may be NULL. */
	const char *const *preferred;
};

#endif
