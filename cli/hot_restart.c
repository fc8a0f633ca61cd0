/* hot-restart daemon ... (see hot_restart.h). */
#include "hot_restart.h"

#include <errno.h>
#include <string.h>

#include "cli_parse.h"

int args_hot_restart(const struct cli_match *m, json_t **args)
{
	const char *exe = cli_match_param(m, "path");

	*args = exe ? json_pack("{s:s}", "exe", exe) : NULL;
	return exe && !*args ? -ENOMEM : 0;
}

static json_int_t pid_of(const json_t *status)
{
	return json_integer_value(json_object_get(status, "pid"));
}

static json_int_t hot_count(const json_t *status, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(status, "hot_restart"), key));
}

bool hot_restart_settled(json_t *const *results, const json_t *status)
{
	const json_t *before = results[HOT_RESULT_BEFORE];

	return pid_of(status) != pid_of(before) ||
	       hot_count(status, "aborted") > hot_count(before, "aborted");
}

int view_hot_restart(const struct cli_view_in *in, json_t **out)
{
	const json_t *before = in->results[HOT_RESULT_BEFORE];
	const json_t *after = in->results[HOT_RESULT_AFTER];
	const char *daemon = in->match->cmd->calls[HOT_RESULT_BEFORE].daemon;
	bool confirmed = after && pid_of(after) != pid_of(before);
	bool aborted =
		!confirmed && after && hot_count(after, "aborted") > hot_count(before, "aborted");
	const char *why = json_string_value(
		json_object_get(json_object_get(after, "hot_restart"), "last_error"));

	*out = json_pack("{s:s, s:s, s:I, s:o, s:o, s:I, s:b}", "daemon", daemon, "outcome",
			 confirmed ? "confirmed"
			 : aborted ? "aborted"
				   : "unknown",
			 "old_pid", pid_of(before), "new_pid",
			 confirmed ? json_integer(pid_of(after)) : json_null(), "reason",
			 aborted && why ? json_string(why) : json_null(), "attempts",
			 hot_count(after ? after : before, "attempts"), "failed", !confirmed);
	return *out ? 0 : -ENOMEM;
}

int render_hot_restart(const json_t *view, FILE *out)
{
	const char *daemon = json_string_value(json_object_get(view, "daemon"));
	const char *outcome = json_string_value(json_object_get(view, "outcome"));
	json_int_t old_pid = json_integer_value(json_object_get(view, "old_pid"));

	if (!strcmp(outcome, "confirmed"))
		fprintf(out, "Info: %s was restarted in place: pid %lld -> %lld.\n", daemon,
			(long long)old_pid,
			(long long)json_integer_value(json_object_get(view, "new_pid")));
	else if (!strcmp(outcome, "aborted"))
		fprintf(out, "Error: The hot restart of %s was aborted: %s. Pid %lld goes on.\n",
			daemon, json_string_value(json_object_get(view, "reason")),
			(long long)old_pid);
	else
		fprintf(out,
			"Error: The outcome of the hot restart of %s is not known (pid %lld was "
			"running); check its status.\n",
			daemon, (long long)old_pid);
	return 0;
}
