/* hrpctl's pair upgrade commands (cli/issu.c): the load's arguments from the words, and the
 * renderers of a command's answer and of display issu state. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli_parse.h"
#include "commands.h"
#include "issu.h"

static char *render(int (*fn)(const json_t *, FILE *), const char *json)
{
	json_t *v = json_loads(json, 0, NULL);
	assert_non_null(v);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(fn(v, f), 0);
	fclose(f);
	json_decref(v);
	return buf;
}

static const char *STATE =
	"{\"stage\": \"runswitched\", \"mode\": \"hot\", \"verdict\": \"partially-compatible\","
	" \"orchestrator\": \"here\", \"this_box\": \"second\", \"since\": 1790000004000,"
	" \"old\": {\"version\": \"1.3.0\", \"path\": \"/usr/sbin\"},"
	" \"new\": {\"version\": \"1.4.0\", \"path\": \"/opt/hs/sbin\"},"
	" \"boxes\": {\"first\": {\"name\": \"fw2\", \"daemons\": {\"vrrpd\": \"new\","
	" \"vgmpd\": \"new\", \"hrpd\": \"new\"}, \"needs_sync\": false},"
	" \"second\": {\"name\": \"fw1\", \"daemons\": {\"vrrpd\": \"old\", \"vgmpd\": \"old\","
	" \"hrpd\": \"old\"}, \"needs_sync\": true}},"
	" \"active\": \"first\", \"timer\": {\"timeout_ms\": 2700000, \"deadline\": 1790002704000},"
	" \"timer_left_ms\": 2690000,"
	" \"wait\": {\"what\": \"switchover\", \"box\": \"first\", \"daemon\": \"vgmpd\"},"
	" \"held\": [{\"name\": \"probe\", \"diff\": \"minor-version\", \"send\": \"as-built\"}],"
	" \"history\": [{\"stage\": \"loading\", \"at\": 1790000001000, \"why\": \"issu load\"}]}";

static void state_rendered(void **st)
{
	(void)st;
	char *out = render(render_issu_state, STATE);
	assert_non_null(strstr(out, " Stage          : runswitched since 2026-09-21"));
	assert_non_null(strstr(out, " Verdict        : partially-compatible\n"));
	assert_non_null(strstr(out, " Run by         : here (this box: second)\n"));
	assert_non_null(strstr(out, " New version    : 1.4.0  /opt/hs/sbin\n"));
	assert_non_null(strstr(out, "fw2          vrrpd new, vgmpd new, hrpd new\n"));
	assert_non_null(strstr(out, "hrpd old (needs a bulk sync)\n"));
	assert_non_null(strstr(out, "(2690 s left)"));
	assert_non_null(strstr(out, " Waiting for    : switchover of the first box (vgmpd)\n"));
	assert_non_null(strstr(out, "   probe                    minor-version  send as-built\n"));
	assert_non_null(strstr(out, "  loading       issu load\n"));
	assert_null(strstr(out, " Step"));
	free(out);
}

/* The step under way, and why it waits. */
static void state_step_rendered(void **st)
{
	(void)st;
	char text[4096];
	snprintf(text, sizeof(text),
		 "%.*s, \"step\": {\"id\": 4, \"for\": \"here\", \"step\": \"handover\","
		 " \"daemon\": \"vgmpd\", \"status\": \"running\", \"why\": \"waiting: the peer "
		 "ranks lower\", \"attempts\": 2}}",
		 (int)strlen(STATE) - 1, STATE);
	char *out = render(render_issu_state, text);
	assert_non_null(strstr(out,
			       " Step           : handover vgmpd (this box), running, attempt 2: "
			       "waiting: the peer ranks lower\n"));
	free(out);
}

/* A record minor 1 names the runner and its term; a cold-started runner waits for the peer. */
static void state_runner_rendered(void **st)
{
	(void)st;
	char text[4096];
	snprintf(text, sizeof(text), "%.*s, \"runner\": {\"box\": \"first\", \"term\": 1},"
		 " \"waiting_for_peer\": true}", (int)strlen(STATE) - 1, STATE);
	char *out = render(render_issu_state, text);
	assert_non_null(strstr(out, " Run by         : here (this box: second), the first box, "
				    "term 1, waiting for the peer's word\n"));
	free(out);
}

/* issu load's words become hrpd's arguments: the path, and the timer (0: hrpd's default). */
static void load_arguments(void **st)
{
	(void)st;
	struct cli_grammar g;
	struct cli_match m;
	struct cli_error e;
	char why[128];
	json_t *args = NULL;
	assert_int_equal(cli_grammar_init(&g, &cli_commands, why, sizeof(why)), 0);
	assert_int_equal(cli_parse_line(&g, "issu load /opt/hs-1.4/sbin timer 600", &m, &e), 0);
	assert_int_equal(args_issu_load(&m, &args), 0);
	assert_string_equal(json_string_value(json_object_get(args, "path")), "/opt/hs-1.4/sbin");
	assert_int_equal(json_integer_value(json_object_get(args, "rollback_timer_s")), 600);
	json_decref(args);
	assert_int_equal(cli_parse_line(&g, "issu load /opt/x", &m, &e), 0);
	assert_int_equal(args_issu_load(&m, &args), 0);
	assert_string_equal(json_string_value(json_object_get(args, "path")), "/opt/x");
	assert_int_equal(json_integer_value(json_object_get(args, "rollback_timer_s")), 0);
	json_decref(args);
	/* the timer's range is the grammar's: 0 and 86401 are refused before any call */
	assert_int_not_equal(cli_parse_line(&g, "issu load /opt/x timer 0", &m, &e), 0);
	assert_int_equal(e.kind, CLI_E_WRONG_PARAM);
	assert_int_not_equal(cli_parse_line(&g, "issu load /opt/x timer 86401", &m, &e), 0);
	cli_grammar_clear(&g);
}

static void idle_and_command(void **st)
{
	(void)st;
	char *out = render(render_issu_state,
			   "{\"stage\": \"idle\", \"orchestrator\": \"none\", \"history\": []}");
	assert_string_equal(out,
			    "Info: No pair upgrade has run on this box (issu load starts one).\n");
	free(out);
	out = render(render_issu_command, STATE);
	assert_string_equal(out, "Info: The upgrade is at stage runswitched (waiting for "
				 "switchover of the first box).\n");
	free(out);
	out = render(render_issu_command,
		     "{\"stage\": \"accepted\", \"wait\": {\"what\": \"none\"}}");
	assert_string_equal(out, "Info: The upgrade is at stage accepted.\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(state_rendered),
		cmocka_unit_test(state_runner_rendered),
		cmocka_unit_test(state_step_rendered),
		cmocka_unit_test(load_arguments),
		cmocka_unit_test(idle_and_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
