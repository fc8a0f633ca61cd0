/* Running one command line. Errors come out in Huawei's form for a human (the line, a caret
 * under the offending word, the sentence) or as {"error": {...}} on the output with --json. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "json_text.h"
#include "exec.h"
#include "role.h"

#define ERR_PREFIX "Error: "

static int print_json_error(struct cli_session *s, json_t *error)
{
	json_t *obj = json_pack("{s:o}", "error", error);

	if (obj) {
		json_dumpf(obj, s->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', s->out);
		json_decref(obj);
	}
	return 0;
}

/* line is the command as typed, without its newline. */
static int parse_error(struct cli_session *s, const char *line, const struct cli_error *e)
{
	const char *msg = cli_error_message(e->kind);

	if (s->json) {
		print_json_error(s,
				 json_pack("{s:s, s:s, s:I, s:o}", "code", cli_error_code(e->kind),
					   "message", msg + strlen(ERR_PREFIX), "position",
					   (json_int_t)e->col, "command",
					   hs_json_text(line, strlen(line))));
		return CLI_EXIT_COMMAND;
	}
	if (!s->interactive)
		fprintf(s->err, "%s\n", line);
	fprintf(s->err, "%*s^\n%s\n", (int)((s->interactive ? s->prompt_len : 0) + e->col), "",
		msg);
	return CLI_EXIT_COMMAND;
}

static int unreachable(struct cli_session *s, const char *daemon, const char *why)
{
	if (s->json)
		print_json_error(s, json_pack("{s:s, s:s, s:s}", "code", "unreachable", "daemon",
					      daemon, "message", why));
	else
		fprintf(s->err, ERR_PREFIX "%s\n", why);
	return CLI_EXIT_UNREACHABLE;
}

/* The daemon answered ok=false. A daemon that does not know the command is older than this
 * hrpctl: the row's own sentence says so when it has one. */
static const char *refusal(const struct cli_call *call, const json_t *resp, const char **codep)
{
	const json_t *e = json_object_get(resp, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));

	if (call->unsupported && code && !strcmp(code, HS_CTL_E_UNKNOWN))
		msg = call->unsupported;
	if (codep)
		*codep = code;
	return msg ? msg : "the daemon refused the command";
}

/* Shows the refusal; the command fails with it. */
static int daemon_error(struct cli_session *s, const struct cli_call *call, const json_t *resp)
{
	const char *code;
	const char *msg = refusal(call, resp, &code);

	if (s->json)
		print_json_error(s, json_pack("{s:s, s:s, s:s}", "code", code ? code : "failed",
					      "daemon", call->daemon, "message", msg));
	else
		fprintf(s->err, ERR_PREFIX "%s\n", msg);
	return CLI_EXIT_COMMAND;
}

/* A (+B) command on the config standby is refused unless hrp standby config enable: vgmpd says
 * the role, hrpd the setting (asked only on the standby). */
static int standby_guard(struct cli_session *s, const struct cli_command *cmd)
{
	json_t *resp = NULL, *args;
	char why[320];
	enum cli_role role;
	bool allowed;

	if (s->ops->call(s->ctx, "vgmpd", "status", NULL, &resp, why, sizeof(why)) < 0)
		return unreachable(s, "vgmpd", why);
	role = cli_config_role(json_object_get(resp, "result"));
	json_decref(resp);
	if (!cli_standby_refuses(cmd->flags, role, false))
		return CLI_EXIT_OK;
	args = json_pack("{s:[s]}", "groups", "hrpd");
	resp = NULL;
	if (s->ops->call(s->ctx, "hrpd", "config-show", args, &resp, why, sizeof(why)) < 0) {
		json_decref(args);
		return unreachable(s, "hrpd", why);
	}
	json_decref(args);
	allowed = cli_standby_config(json_object_get(resp, "result"));
	json_decref(resp);
	if (!cli_standby_refuses(cmd->flags, role, allowed))
		return CLI_EXIT_OK;
	if (s->json)
		print_json_error(s, json_pack("{s:s, s:s}", "code", "hrp-standby", "message",
					      CLI_STANDBY_REFUSAL + strlen(ERR_PREFIX)));
	else
		fprintf(s->err, "%s\n", CLI_STANDBY_REFUSAL);
	return CLI_EXIT_COMMAND;
}

/* save: the view names the file and its groups; the ops write it. */
static int save_view(struct cli_session *s, json_t *view)
{
	char why[512] = "";
	int rc = s->ops->save ? s->ops->save(s->ctx, view, why, sizeof(why)) : -ENOTSUP;

	if (rc == 0)
		return CLI_EXIT_OK;
	if (!why[0])
		snprintf(why, sizeof(why), "cannot save the configuration: %s", strerror(-rc));
	if (s->json)
		print_json_error(s, json_pack("{s:s, s:s}", "code", "save-failed", "message", why));
	else
		fprintf(s->err, ERR_PREFIX "%s\n", why);
	return CLI_EXIT_COMMAND;
}

/* "xyz ?" or "xy?": lists what may follow; a lone "?" is "help". */
static int list_choices(struct cli_session *s, const char *line, size_t qpos)
{
	char text[CLI_LINE_MAX + 1];
	struct cli_choice *c = calloc(CLI_CHOICES_MAX, sizeof(*c));
	struct cli_error e;
	size_t width = 0;
	int n;

	if (!c)
		return CLI_EXIT_COMMAND;
	snprintf(text, sizeof(text), "%.*s", (int)qpos, line);
	n = cli_choices(s->grammar, text, c, CLI_CHOICES_MAX, &e);
	if (n < 0) {
		free(c);
		return n == -EINVAL ? parse_error(s, line, &e) : CLI_EXIT_COMMAND;
	}
	if (s->json) {
		json_t *list = json_array();
		for (int i = 0; i < n; i++)
			json_array_append_new(list, json_pack("{s:s, s:s}", "word", c[i].word,
							      "help", c[i].help));
		json_t *obj = json_pack("{s:o}", "choices", list);
		json_dumpf(obj, s->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', s->out);
		json_decref(obj);
	} else {
		for (int i = 0; i < n; i++)
			width = strlen(c[i].word) > width ? strlen(c[i].word) : width;
		for (int i = 0; i < n; i++)
			fprintf(s->out, "  %-*s  %s\n", (int)width, c[i].word, c[i].help);
	}
	free(c);
	return CLI_EXIT_OK;
}

struct answers {
	json_t *results[CLI_CALLS_MAX];
	const char *errors[CLI_CALLS_MAX];
	char why[CLI_CALLS_MAX][320];
	bool unreachable[CLI_CALLS_MAX];
};

static void answers_clear(struct answers *a)
{
	for (size_t i = 0; i < CLI_CALLS_MAX; i++)
		json_decref(a->results[i]);
}

/* A daemon that could not be reached is not tried again within the command: -(j + 1) when
 * calls[j] before i found it unreachable, else 0. */
static int was_unreachable(const struct cli_command *cmd, const struct answers *a, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (!a->results[j] && a->unreachable[j] &&
		    !strcmp(cmd->calls[j].daemon, cmd->calls[i].daemon))
			return -(int)(j + 1);
	return 0;
}

/* A waiting call (cli_call.until): the last answer, final or not; bounded in count whatever the
 * clock does. */
static int call_until(struct cli_session *s, const struct cli_call *call, json_t *const *results,
		      json_t *args, json_t **resp, char *why, size_t whylen)
{
	int rc = -ETIMEDOUT;

	for (int n = 0; n < CLI_REPEAT_MAX; n++) {
		if (n > 0 && s->ops->sleep_ms)
			s->ops->sleep_ms(s->ctx, CLI_REPEAT_MS);
		json_decref(*resp);
		*resp = NULL;
		why[0] = '\0';
		rc = s->ops->call(s->ctx, call->daemon, call->cmd, args, resp, why, whylen);
		if (rc == 0 && json_is_true(json_object_get(*resp, "ok")) &&
		    call->until(results, json_object_get(*resp, "result")))
			break;
	}
	return rc;
}

/* Makes the row's calls. Returns CLI_EXIT_OK, or the exit code after printing the failure;
 * *partial is set when an optional daemon could not be reached. */
static int make_calls(struct cli_session *s, const struct cli_match *m, struct answers *a,
		      bool *partial)
{
	const struct cli_command *cmd = m->cmd;

	for (size_t i = 0; i < CLI_CALLS_MAX && cmd->calls[i].daemon; i++) {
		const struct cli_call *call = &cmd->calls[i];
		json_t *args = NULL, *resp = NULL;
		int rc = call->args ? call->args(m, &args) : 0;

		if (rc < 0) {
			if (s->json)
				print_json_error(s, json_pack("{s:s, s:s}", "code", "arguments",
							      "message", strerror(-rc)));
			else
				fprintf(s->err, ERR_PREFIX "%s\n", strerror(-rc));
			return CLI_EXIT_COMMAND;
		}
		a->why[i][0] = '\0';
		rc = was_unreachable(cmd, a, i);
		if (rc < 0)
			snprintf(a->why[i], sizeof(a->why[i]), "%s", a->why[-rc - 1]);
		else if (call->until)
			rc = call_until(s, call, a->results, args, &resp, a->why[i],
					sizeof(a->why[i]));
		else
			rc = s->ops->call(s->ctx, call->daemon, call->cmd, args, &resp, a->why[i],
					  sizeof(a->why[i]));
		json_decref(args);
		if (rc < 0) {
			a->unreachable[i] = true;
			if (!a->why[i][0])
				snprintf(a->why[i], sizeof(a->why[i]), "cannot reach %s: %s",
					 call->daemon, strerror(-rc));
			if (call->soft) {
				a->errors[i] = a->why[i];
				continue;
			}
			if (!call->optional)
				return unreachable(s, call->daemon, a->why[i]);
			a->errors[i] = a->why[i];
			*partial = true;
			continue;
		}
		if (!json_is_true(json_object_get(resp, "ok")) && call->soft) {
			snprintf(a->why[i], sizeof(a->why[i]), "%s", refusal(call, resp, NULL));
			a->errors[i] = a->why[i];
			json_decref(resp);
			continue;
		}
		if (!json_is_true(json_object_get(resp, "ok"))) {
			rc = daemon_error(s, call, resp);
			json_decref(resp);
			return rc;
		}
		a->results[i] = json_object_get(resp, "result");
		a->results[i] = a->results[i] ? json_incref(a->results[i]) : json_object();
		json_decref(resp);
	}
	return CLI_EXIT_OK;
}

static int show(struct cli_session *s, const struct cli_match *m, struct answers *a, bool partial)
{
	const struct cli_command *cmd = m->cmd;
	struct cli_view_in in = {
		.match = m,
		.table = s->grammar->table,
		.results = a->results,
		.errors = a->errors,
		.now_ms = s->ops && s->ops->now_ms ? s->ops->now_ms(s->ctx) : 0,
	};
	json_t *view = NULL;
	int rc = CLI_EXIT_OK;

	if (cmd->view) {
		if (cmd->view(&in, &view) < 0 || !view) {
			fputs(ERR_PREFIX "Out of memory.\n", s->err);
			return CLI_EXIT_COMMAND;
		}
	} else if (cmd->calls[0].daemon) {
		view = a->results[0] ? json_incref(a->results[0]) : json_object();
	}
	if (view && (cmd->flags & CLI_F_SAVE) && save_view(s, view) != CLI_EXIT_OK) {
		json_decref(view);
		return CLI_EXIT_COMMAND;
	}
	for (size_t i = 0; partial && i < CLI_CALLS_MAX && cmd->calls[i].daemon; i++) {
		if (!a->errors[i] || cmd->calls[i].soft)
			continue;
		if (s->json && view)
			json_object_set_new(view, "error",
					    json_pack("{s:s, s:s, s:s}", "code", "unreachable",
						      "daemon", cmd->calls[i].daemon, "message",
						      a->errors[i]));
		rc = CLI_EXIT_UNREACHABLE;
	}
	if (view && rc == CLI_EXIT_OK && json_is_true(json_object_get(view, "failed")))
		rc = CLI_EXIT_COMMAND;
	if (view && s->json) {
		json_dumpf(view, s->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', s->out);
	} else if (view && cmd->render) {
		cmd->render(view, s->out);
	}
	for (size_t i = 0; !s->json && partial && i < CLI_CALLS_MAX && cmd->calls[i].daemon; i++)
		if (a->errors[i] && !cmd->calls[i].soft)
			fprintf(s->err, ERR_PREFIX "%s\n", a->errors[i]);
	json_decref(view);
	return rc;
}

int cli_exec_line(struct cli_session *s, const char *raw)
{
	char line[CLI_LINE_MAX + 2];
	struct cli_match *m;
	struct cli_error e;
	struct answers a = { 0 };
	bool partial = false;
	size_t len = strlen(raw), last;
	int rc;

	while (len > 0 && (raw[len - 1] == '\n' || raw[len - 1] == '\r'))
		len--;
	if (len > CLI_LINE_MAX) {
		e = (struct cli_error){ .kind = CLI_E_TOO_MANY, .col = CLI_LINE_MAX };
		snprintf(line, sizeof(line), "%.*s", CLI_LINE_MAX, raw);
		return parse_error(s, line, &e);
	}
	snprintf(line, sizeof(line), "%.*s", (int)len, raw);
	for (last = len; last > 0 && strchr(" \t", line[last - 1]); last--)
		;
	if (last > 0 && line[last - 1] == '?') {
		if (strspn(line, " \t") < last - 1)
			return list_choices(s, line, last - 1);
		snprintf(line, sizeof(line), "help");
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return CLI_EXIT_COMMAND;
	rc = cli_parse_line(s->grammar, line, m, &e);
	if (rc < 0) {
		bool empty = e.kind == CLI_E_INCOMPLETE && e.token == 0;
		free(m);
		return empty           ? CLI_EXIT_OK
		       : rc == -EINVAL ? parse_error(s, line, &e)
				       : CLI_EXIT_COMMAND;
	}
	if (m->cmd->flags & CLI_F_QUIT) {
		s->quit = true;
		free(m);
		return CLI_EXIT_OK;
	}
	rc = (m->cmd->flags & CLI_F_SYNCED) ? standby_guard(s, m->cmd) : CLI_EXIT_OK;
	if (rc == CLI_EXIT_OK)
		rc = make_calls(s, m, &a, &partial);
	if (rc == CLI_EXIT_OK)
		rc = show(s, m, &a, partial);
	answers_clear(&a);
	free(m);
	fflush(s->out);
	return rc;
}
