/* hrpctl: the operator's command line of a hotstandby box.
 *
 *   hrpctl [-f FILE] [--rundir DIR] [--json] [COMMAND...]
 *
 * With a COMMAND it runs that one command; without, it reads commands from the terminal (with
 * line editing) or line by line from stdin. Exit status: 0 ok, 1 command error, 2 a daemon could
 * not be reached (or the config named by -f could not be read). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "io.h"
#include "session.h"
#include "version.h" /* hs_build.h: HS_VERSION, HS_DEFAULT_RUNDIR */

struct options {
	const char *config;
	const char *rundir;
	bool json;
	char command[CLI_LINE_MAX + 2];
	bool has_command;
};

static void usage(FILE *out)
{
	fputs("Usage: hrpctl [-f FILE] [--rundir DIR] [--json] [COMMAND...]\n"
	      "       hrpctl --version | -h\n"
	      "Runs one command (\"display hrp state\"), or reads commands from the terminal or\n"
	      "from stdin, one a line. \"help\" lists the commands.\n"
	      "  -f, --config FILE  take the run directory and the box's name from this config\n"
	      "      --rundir DIR   where the daemons' control sockets are "
	      "(default " HS_DEFAULT_RUNDIR ")\n"
	      "  -j, --json         print one JSON object per command; errors too, on stdout\n"
	      "  -V, --version      print the version\n"
	      "  -h, --help         print this help\n"
	      "Exit status: 0 ok, 1 command error, 2 a daemon (or the config) could not be "
	      "reached.\n"
	      "Config commands change the daemons' running config at once; \"save\" writes it to\n"
	      "the file the daemons read: FILE.tmp.XXXXXX beside it (fsync), the old file\n"
	      "hard-linked as FILE.bak, rename over FILE, fsync of the directory.\n",
	      out);
}

/* The words of a one-shot command, back into one line: a word with blanks or quotes is
 * quoted, its quotes and backslashes escaped (\" and \\), as the tokenizer reads them. */
static int join_command(struct options *o, int argc, char **argv)
{
	size_t used = 0, cap = sizeof(o->command);

	for (int i = 0; i < argc; i++) {
		bool quote = argv[i][0] == '\0' || strpbrk(argv[i], " \t\"");
		if (used + 2 >= cap)
			return -E2BIG;
		if (i)
			o->command[used++] = ' ';
		if (quote)
			o->command[used++] = '"';
		for (const char *p = argv[i]; *p; p++) {
			if (used + 3 >= cap)
				return -E2BIG;
			if (quote && (*p == '"' || *p == '\\'))
				o->command[used++] = '\\';
			o->command[used++] = *p;
		}
		if (quote) {
			if (used + 2 >= cap)
				return -E2BIG;
			o->command[used++] = '"';
		}
		o->command[used] = '\0';
	}
	o->has_command = argc > 0;
	return 0;
}

/* Returns -1 to go on, or the exit code. */
static int parse_options(struct options *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "rundir", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+f:jVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o->config = optarg; break;
		case 'r': o->rundir = optarg; break;
		case 'j': o->json = true; break;
		case 'V': printf("hrpctl (hotstandby) %s\n", HS_VERSION); return CLI_EXIT_OK;
		case 'h': usage(stdout); return CLI_EXIT_OK;
		default: usage(stderr); return CLI_EXIT_COMMAND;
		}
	}
	/* "hrpctl display vgmp --json" as well: no command takes a word that looks like it. */
	while (argc > optind &&
	       (!strcmp(argv[argc - 1], "--json") || !strcmp(argv[argc - 1], "-j"))) {
		o->json = true;
		argc--;
	}
	if (join_command(o, argc - optind, argv + optind) < 0) {
		fputs("Error: Too many parameters found at '^' position.\n", stderr);
		return CLI_EXIT_COMMAND;
	}
	return -1;
}

/* -f: the run directory (unless --rundir) and the box's name. */
static int read_config(struct options *o, char *rundir, size_t rlen, char *name, size_t nlen)
{
	struct hs_cfg_errors *errs = calloc(1, sizeof(*errs));
	struct hs_config *cfg = NULL;
	int rc;

	if (!errs)
		return -ENOMEM;
	rc = hs_config_load_file(o->config, &cfg, errs);
	if (rc < 0) {
		fprintf(stderr, "Error: cannot read the config %s: %s\n", o->config, strerror(-rc));
		hs_cfg_errors_print(errs, stderr);
		free(errs);
		return rc;
	}
	if (!o->rundir && cfg->global.rundir[0])
		snprintf(rundir, rlen, "%s", cfg->global.rundir);
	snprintf(name, nlen, "%s", cfg->global.name);
	hs_config_free(cfg);
	free(errs);
	return 0;
}

/* The prompt's name when the config gave none: hrpd's, else "hrpctl". */
static void name_from_hrpd(struct cli_session *s, char *name, size_t len)
{
	char err[256];
	json_t *resp = NULL;

	snprintf(name, len, "hrpctl");
	if (s->ops->call(s->ctx, "hrpd", "status", NULL, &resp, err, sizeof(err)) < 0)
		return;
	const char *n = json_string_value(json_object_get(json_object_get(resp, "result"), "name"));
	if (n && n[0])
		snprintf(name, len, "%s", n);
	json_decref(resp);
}

static int run(struct options *o, const char *rundir, char *name, size_t nlen)
{
	struct cli_grammar g;
	struct cli_io *io = NULL;
	char why[256];
	int rc = cli_grammar_init(&g, &cli_commands, why, sizeof(why));

	if (rc < 0) {
		fprintf(stderr, "Error: bad command table: %s\n", why);
		return CLI_EXIT_COMMAND;
	}
	rc = cli_io_new(&io, rundir);
	if (rc < 0) {
		fprintf(stderr, "Error: run directory %s: %s\n", rundir, strerror(-rc));
		cli_grammar_clear(&g);
		return CLI_EXIT_UNREACHABLE;
	}
	struct cli_session s = {
		.grammar = &g,
		.ops = &cli_io_ops,
		.ctx = io,
		.json = o->json,
		.out = stdout,
		.err = stderr,
	};
	if (o->has_command) {
		rc = cli_exec_line(&s, o->command);
	} else if (isatty(STDIN_FILENO) && !o->json) {
		if (!name[0])
			name_from_hrpd(&s, name, nlen);
		rc = cli_run_terminal(&s, name);
	} else {
		rc = cli_run_stream(&s, stdin);
	}
	cli_io_free(io);
	cli_grammar_clear(&g);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	char rundir[PATH_MAX], name[HS_CFG_NAME_MAX] = "";
	int rc = parse_options(&o, argc, argv);

	if (rc >= 0)
		return rc;
	snprintf(rundir, sizeof(rundir), "%s", o.rundir ? o.rundir : HS_DEFAULT_RUNDIR);
	if (o.config && read_config(&o, rundir, sizeof(rundir), name, sizeof(name)) < 0)
		return CLI_EXIT_UNREACHABLE;
	return run(&o, rundir, name, sizeof(name));
}
