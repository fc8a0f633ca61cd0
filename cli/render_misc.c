/* display version and help. */
#include <errno.h>
#include <string.h>

#include "cli_parse.h"
#include "render.h"
#include "version.h"

int view_version(const struct cli_view_in *in, json_t **out)
{
	const struct cli_command *cmd = in->match ? in->match->cmd : NULL;
	json_t *list = json_array(), *v;

	for (size_t i = 0; cmd && i < CLI_CALLS_MAX && cmd->calls[i].daemon; i++) {
		const json_t *r = in->results[i];
		json_array_append_new(list, json_pack("{s:s, s:o, s:o, s:s?}", "daemon",
						      cmd->calls[i].daemon, "version",
						      rj_str_or_null(r, "version"), "protocols",
						      rj_str_or_null(r, "protocols"), "error",
						      in->errors ? in->errors[i] : NULL));
	}
	v = json_pack("{s:s, s:o}", "hrpctl", HS_VERSION, "daemons", list);
	*out = v;
	return v ? 0 : -ENOMEM;
}

int render_version(const json_t *v, FILE *out)
{
	const json_t *d;
	size_t i;

	fprintf(out, "hotstandby software, version %s\n", rj_str(v, "hrpctl", "unknown"));
	fprintf(out, " %-6s : %s\n", "hrpctl", rj_str(v, "hrpctl", "unknown"));
	json_array_foreach (rj_arr(v, "daemons"), i, d) {
		if (rj_str(d, "error", NULL)) {
			fprintf(out, " %-6s : not reachable\n", rj_str(d, "daemon", "?"));
			continue;
		}
		fprintf(out, " %-6s : %s", rj_str(d, "daemon", "?"),
			rj_str(d, "version", "unknown"));
		if (rj_str(d, "protocols", NULL))
			fprintf(out, " (%s)", rj_str(d, "protocols", ""));
		fputc('\n', out);
	}
	return 0;
}

int view_help(const struct cli_view_in *in, json_t **out)
{
	json_t *list = json_array(), *v;

	for (size_t i = 0; in->table && i < in->table->n_rows; i++) {
		const struct cli_command *c = &in->table->rows[i];
		json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "command", c->pattern,
						      "help", c->help ? c->help : "", "synced",
						      (c->flags & CLI_F_SYNCED) != 0));
	}
	v = json_pack("{s:o}", "commands", list);
	*out = v;
	return v ? 0 : -ENOMEM;
}

int render_help(const json_t *v, FILE *out)
{
	const json_t *c;
	size_t i, width = 0;

	json_array_foreach (rj_arr(v, "commands"), i, c) {
		size_t len = strlen(rj_str(c, "command", ""));
		width = len > width ? len : width;
	}
	json_array_foreach (rj_arr(v, "commands"), i, c)
		fprintf(out, "  %-*s  %s%s\n", (int)width, rj_str(c, "command", ""),
			rj_str(c, "help", ""), rj_bool(c, "synced", false) ? " (+B)" : "");
	fputs("  Keywords may be shortened (dis hrp st); '?' after a word lists what may follow.\n"
	      "  Commands marked (+B) are backed up to the peer; the HRP standby refuses them\n"
	      "  unless hrp standby config enable.\n"
	      "  Config commands change the running config at once; save writes it to the config\n"
	      "  file: a new file beside it (fsync), the old one hard-linked as FILE.bak, then\n"
	      "  renamed over FILE, and an fsync of the directory (doc/hrpctl.md).\n",
	      out);
	return 0;
}
