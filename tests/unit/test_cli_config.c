/* hrpctl's config commands: every row parses (abbreviations, errors with the caret), the
 * config-set changes each one sends, the (+B) marks against the schema's classes, the standby
 * refusal (the pure decision and the executor around it), the prompt, display
 * current-configuration and save against a fake daemon table. */
#include <errno.h>
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
#include "config_cmds.h"
#include "config_schema.h"
#include "exec.h"
#include "render.h"
#include "role.h"

static struct cli_grammar real;

#include "cli_fake.h"

static int setup(void **state)
{
	char err[160];

	return cli_grammar_init(&real, &cli_commands, err, sizeof(err));
}

static int teardown(void **state)
{
	cli_grammar_clear(&real);
	return 0;
}

static const char *parsed(const char *line)
{
	static struct cli_match m;
	struct cli_error e;

	return cli_parse_line(&real, line, &m, &e) < 0 ? NULL : m.cmd->pattern;
}

static void expect_error(const char *line, enum cli_error_kind kind, size_t col)
{
	struct cli_match m;
	struct cli_error e = { 0 };

	if (cli_parse_line(&real, line, &m, &e) != -EINVAL || e.kind != kind || e.col != col)
		fail_msg("'%s': kind %d col %zu, want kind %d col %zu", line, e.kind, e.col, kind,
			 col);
}

/* ---- parsing ---- */

static void test_every_row_parses(void **state)
{
	static const struct {
		const char *line, *pattern;
	} lines[] = {
		{ "display current-configuration", "display current-configuration" },
		{ "dis cur", "display current-configuration" },
		{ "hrp preempt", "hrp preempt [delay <delay:1-3600>]" },
		{ "hrp pre del 5", "hrp preempt [delay <delay:1-3600>]" },
		{ "undo hrp preempt", "undo hrp preempt [delay]" },
		{ "undo hrp pre", "undo hrp preempt [delay]" },
		{ "undo hrp pre d", "undo hrp preempt [delay]" },
		{ "hrp standby-device", "hrp standby-device" },
		{ "hrp standby-", "hrp standby-device" },
		{ "undo hrp standby-d", "undo hrp standby-device" },
		{ "hrp adjust ospf-cost enable", "hrp adjust ospf-cost enable [<cost:1-65535>]" },
		{ "hrp adj o e 100", "hrp adjust ospf-cost enable [<cost:1-65535>]" },
		{ "undo hrp adj o e", "undo hrp adjust ospf-cost enable" },
		{ "hrp mirror session enable", "hrp mirror session enable" },
		{ "hrp mi s e", "hrp mirror session enable" },
		{ "undo hrp mi s e", "undo hrp mirror session enable" },
		{ "hrp auto-sync", "hrp auto-sync [config|connection-status]" },
		{ "hrp au config", "hrp auto-sync [config|connection-status]" },
		{ "hrp au conn", "hrp auto-sync [config|connection-status]" },
		{ "undo hrp auto-sync connection-status",
		  "undo hrp auto-sync [config|connection-status]" },
		{ "hrp sync config", "hrp sync config" },
		{ "hrp sync conf", "hrp sync config" },
		{ "hrp sync conn", "hrp sync connection-status" },
		{ "hrp track interface up0", "hrp track interface <IFNAME>" },
		{ "hrp tr i up0", "hrp track interface <IFNAME>" },
		{ "undo hrp tr int up0", "undo hrp track interface <IFNAME>" },
		{ "hrp standby config enable", "hrp standby config enable" },
		{ "hrp standby c e", "hrp standby config enable" },
		{ "undo hrp standby config enable", "undo hrp standby config enable" },
		{ "save", "save" },
		{ "sa", "save" },
		{ "SAVE", "save" },
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const char *p = parsed(lines[i].line);
		if (!p || strcmp(p, lines[i].pattern) != 0)
			fail_msg("'%s' parsed as '%s', want '%s'", lines[i].line, p ? p : "(error)",
				 lines[i].pattern);
	}
}

static void test_parse_errors(void **state)
{
	expect_error("hrp preempt delay 0", CLI_E_WRONG_PARAM, 18);
	expect_error("hrp preempt delay 3601", CLI_E_WRONG_PARAM, 18);
	expect_error("hrp preempt delay", CLI_E_INCOMPLETE, 17);
	expect_error("hrp adjust ospf-cost enable 70000", CLI_E_WRONG_PARAM, 28);
	expect_error("hrp adjust ospf-cost", CLI_E_INCOMPLETE, 20);
	expect_error("hrp track interface", CLI_E_INCOMPLETE, 19);
	expect_error("hrp track interface eth/0", CLI_E_WRONG_PARAM, 20);
	expect_error("hrp mirror session", CLI_E_INCOMPLETE, 18);
	/* config and connection-status both start with "con" */
	expect_error("hrp sync con", CLI_E_AMBIGUOUS, 9);
	expect_error("hrp auto-sync con", CLI_E_AMBIGUOUS, 14);
	/* standby, standby-device, switchover, sync */
	expect_error("hrp s", CLI_E_AMBIGUOUS, 4);
	expect_error("display current-configuration all", CLI_E_TOO_MANY, 30);
	expect_error("undo hrp preempt delay 5", CLI_E_TOO_MANY, 23);
	expect_error("save now", CLI_E_TOO_MANY, 5);
	expect_error("hrp standby config", CLI_E_INCOMPLETE, 18);
}

/* ---- the changes each command sends ---- */

static const char config_set_ok[] = "{\"changed\": true, \"changes\": 1}";

static const struct fake_answer active[] = {
	{ .daemon = "vgmpd", .cmd = "status", .result = vgmpd_status },
	{ .daemon = "vgmpd", .cmd = "config-set", .result = config_set_ok },
	{ .daemon = "hrpd", .cmd = "config-set", .result = config_set_ok },
	{ .daemon = "hrpd",
	  .cmd = "config-sync",
	  .refusal = "unknown command 'config-sync' (try 'help')",
	  .code = "unknown-command" },
};
#define ACTIVE active, sizeof(active) / sizeof(active[0])

/* Runs line on the active box; returns the config-set call's args (static buffer). */
static const char *sent(const char *line, const char *daemon)
{
	static char args[512];
	char want[64];
	struct outcome o;

	run_line(&o, ACTIVE, line, false, false);
	if (o.rc != CLI_EXIT_OK)
		fail_msg("'%s': exit %d: %s", line, o.rc, o.err);
	snprintf(want, sizeof(want), "%s config-set", daemon);
	args[0] = '\0';
	for (size_t i = 0; i < o.fake.ncalls; i++)
		if (!strcmp(o.fake.calls[i], want))
			memcpy(args, o.fake.args[i], sizeof(args));
	assert_string_equal(o.out, ""); /* silent on success, as on the appliance */
	outcome_free(&o);
	return args;
}

#define SET(p, v)  "{\"path\":\"" p "\",\"value\":" v "}"
#define CHANGES(x) "{\"changes\":[" x "]}"

static void test_changes_sent(void **state)
{
	assert_string_equal(sent("hrp preempt", "vgmpd"), CHANGES(SET("vgmpd.preempt", "true")));
	assert_string_equal(
		sent("hrp preempt delay 5", "vgmpd"),
		CHANGES(SET("vgmpd.preempt", "true") "," SET("vgmpd.preempt_delay", "5")));
	assert_string_equal(sent("undo hrp preempt", "vgmpd"),
			    CHANGES(SET("vgmpd.preempt", "false")));
	assert_string_equal(sent("undo hrp preempt delay", "vgmpd"),
			    CHANGES("{\"op\":\"unset\",\"path\":\"vgmpd.preempt_delay\"}"));
	assert_string_equal(sent("hrp standby-device", "vgmpd"),
			    CHANGES(SET("vgmpd.standby_device", "true")));
	assert_string_equal(sent("undo hrp standby-device", "vgmpd"),
			    CHANGES(SET("vgmpd.standby_device", "false")));
	assert_string_equal(sent("hrp adjust ospf-cost enable", "vgmpd"),
			    CHANGES(SET("vgmpd.ospf_cost.enable", "true")));
	assert_string_equal(sent("hrp adjust ospf-cost enable 100", "vgmpd"),
			    CHANGES(SET("vgmpd.ospf_cost.enable",
					"true") "," SET("vgmpd.ospf_cost.cost", "100")));
	assert_string_equal(sent("undo hrp adjust ospf-cost enable", "vgmpd"),
			    CHANGES(SET("vgmpd.ospf_cost.enable", "false")));
	assert_string_equal(sent("hrp mirror session enable", "hrpd"),
			    CHANGES(SET("hrpd.mirror_session", "true")));
	assert_string_equal(sent("undo hrp mirror session enable", "hrpd"),
			    CHANGES(SET("hrpd.mirror_session", "false")));
	assert_string_equal(sent("hrp auto-sync", "hrpd"),
			    CHANGES(SET("hrpd.auto_sync_config",
					"true") "," SET("hrpd.auto_sync_sessions", "true")));
	assert_string_equal(sent("hrp auto-sync config", "hrpd"),
			    CHANGES(SET("hrpd.auto_sync_config", "true")));
	assert_string_equal(sent("undo hrp auto-sync connection-status", "hrpd"),
			    CHANGES(SET("hrpd.auto_sync_sessions", "false")));
	assert_string_equal(sent("hrp track interface up1", "vgmpd"),
			    CHANGES("{\"op\":\"add\",\"path\":\"vgmpd.track_interfaces\","
				    "\"value\":\"up1\"}"));
	assert_string_equal(sent("undo hrp track interface up1", "vgmpd"),
			    CHANGES("{\"op\":\"remove\",\"path\":\"vgmpd.track_interfaces\","
				    "\"value\":\"up1\"}"));
	assert_string_equal(sent("hrp standby config enable", "hrpd"),
			    CHANGES(SET("hrpd.standby_config", "true")));
	assert_string_equal(sent("undo hrp standby config enable", "hrpd"),
			    CHANGES(SET("hrpd.standby_config", "false")));
}

/* The schema field of a path, or NULL. */
static const struct hs_cfg_field *field_of(const char *path)
{
	const struct hs_cfg_field *table = hs_config_schema, *f = NULL;
	char buf[128];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok;
	     tok = strtok_r(NULL, ".", &save)) {
		if (!table)
			return NULL;
		f = hs_cfg_field_find(table, tok);
		if (!f)
			return NULL;
		table = f->type == HS_CFG_GROUP ? f->sub : NULL;
	}
	return f;
}

/* A row is (+B) exactly when every setting it changes is synced in the schema: the table's mark
 * and config sync's class cannot drift apart. */
static void test_synced_marks_follow_schema(void **state)
{
	size_t checked = 0;

	for (size_t r = 0; r < cli_commands.n_rows; r++) {
		const struct cli_command *c = &cli_commands.rows[r];
		const struct cli_call *call = &c->calls[0];
		struct cli_match m = { .cmd = c };
		json_t *args = NULL, *ch;
		size_t i;
		bool all_synced = true;

		if (call->daemon && strcmp(call->cmd, "config-nft") == 0) {
			assert_true(c->flags & CLI_F_SYNCED); /* the synced policy */
			continue;
		}
		if (!call->daemon || strcmp(call->cmd, "config-set") != 0) {
			assert_false(c->flags & CLI_F_SYNCED); /* only config is backed up */
			continue;
		}
		if (strstr(c->pattern, "<IFNAME>")) /* the builder needs its parameter */
			assert_int_equal(cli_parse_line(&real,
							strstr(c->pattern, "undo")
								? "undo hrp track interface up0"
								: "hrp track interface up0",
							&m, NULL),
					 0);
		assert_int_equal(call->args(&m, &args), 0);
		json_array_foreach (json_object_get(args, "changes"), i, ch) {
			const char *path = json_string_value(json_object_get(ch, "path"));
			const struct hs_cfg_field *f = field_of(path);
			if (!f)
				fail_msg("%s: no setting %s in the schema", c->pattern, path);
			if (strncmp(path, call->daemon, strlen(call->daemon)) != 0)
				fail_msg("%s: %s is not %s's", c->pattern, path, call->daemon);
			all_synced = all_synced && f->cls == HS_CFG_SYNCED;
		}
		if (all_synced != ((c->flags & CLI_F_SYNCED) != 0))
			fail_msg("%s: (+B) %d, schema synced %d", c->pattern,
				 (c->flags & CLI_F_SYNCED) != 0, all_synced);
		json_decref(args);
		checked++;
	}
	assert_int_equal(checked, 14);
}

static void test_help_marks(void **state)
{
	struct outcome o;

	run_line(&o, ACTIVE, "help", false, false);
	assert_non_null(strstr(o.out, "  hrp preempt [delay <delay:1-3600>]  "));
	assert_non_null(strstr(o.out, "after the delay (+B)\n"));
	assert_non_null(strstr(o.out, "Raise the OSPF cost on the standby (default 65500) so "
				      "that traffic comes to the active (+B)\n"));
	assert_non_null(strstr(o.out, "Track an interface: its failure lowers the VGMP "
				      "priority\n"));
	assert_null(strstr(o.out, "priority (+B)"));
	outcome_free(&o);

	run_line(&o, ACTIVE, "hrp mirror session ?", false, false);
	assert_string_equal(o.out, "  enable  Mirror new sessions to the peer before their first "
				   "packet passes (load sharing with asymmetric paths) (+B)\n");
	outcome_free(&o);
	run_line(&o, ACTIVE, "hrp preempt ?", false, false);
	assert_string_equal(o.out, "  delay  Preemption delay\n"
				   "  <cr>   \n");
	outcome_free(&o);
	run_line(&o, ACTIVE, "hrp adjust ospf-cost enable ?", false, false);
	assert_non_null(strstr(o.out, "  INTEGER<1-65535>  Raise the OSPF cost"));
	outcome_free(&o);
}

/* ---- the standby refusal ---- */

static const char vgmpd_standby[] =
	"{\"daemon\": \"vgmpd\", \"vgmp\": {\"state\": \"standby\", \"enabled\": true}}";
static const char hrpd_cfg_off[] =
	"{\"settings\": {\"hrpd\": {\"enable\": true, \"standby_config\": false}}}";
static const char hrpd_cfg_on[] =
	"{\"settings\": {\"hrpd\": {\"enable\": true, \"standby_config\": true}}}";

static json_t *j(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	assert_non_null(v);
	return v;
}

static void test_role_decision(void **state)
{
	static const struct {
		const char *status;
		enum cli_role role;
	} roles[] = {
		{ "{\"vgmp\": {\"state\": \"active\", \"enabled\": true}}", CLI_ROLE_MASTER },
		{ "{\"vgmp\": {\"state\": \"load-balance\", \"enabled\": true}}", CLI_ROLE_MASTER },
		{ "{\"vgmp\": {\"state\": \"standby\", \"enabled\": true}}", CLI_ROLE_STANDBY },
		{ "{\"vgmp\": {\"state\": \"standby\"}}", CLI_ROLE_STANDBY },
		{ "{\"vgmp\": {\"state\": \"standby\", \"enabled\": false}}", CLI_ROLE_NONE },
		{ "{\"vgmp\": {\"state\": \"initialize\", \"enabled\": true}}", CLI_ROLE_NONE },
		{ "{\"vgmp\": {}}", CLI_ROLE_NONE },
		{ "{}", CLI_ROLE_NONE },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		json_t *v = j(roles[i].status);
		if (cli_config_role(v) != roles[i].role)
			fail_msg("%s: role %d, want %d", roles[i].status, cli_config_role(v),
				 roles[i].role);
		json_decref(v);
	}
	assert_int_equal(cli_config_role(NULL), CLI_ROLE_NONE);

	/* refused: synced, on the standby, not allowed there; any one missing lets it through */
	assert_true(cli_standby_refuses(CLI_F_SYNCED, CLI_ROLE_STANDBY, false));
	assert_false(cli_standby_refuses(CLI_F_SYNCED, CLI_ROLE_STANDBY, true));
	assert_false(cli_standby_refuses(CLI_F_SYNCED, CLI_ROLE_MASTER, false));
	assert_false(cli_standby_refuses(CLI_F_SYNCED, CLI_ROLE_NONE, false));
	assert_false(cli_standby_refuses(0, CLI_ROLE_STANDBY, false));
	assert_false(cli_standby_refuses(CLI_F_SAVE, CLI_ROLE_STANDBY, false));

	json_t *off = j(hrpd_cfg_off), *on = j(hrpd_cfg_on);
	assert_false(cli_standby_config(off));
	assert_true(cli_standby_config(on));
	assert_false(cli_standby_config(NULL));
	json_decref(off);
	json_decref(on);

	assert_int_equal(cli_prompt_format(buf, sizeof(buf), CLI_ROLE_MASTER, "fw1"), 11);
	assert_string_equal(buf, "HRP_M[fw1]>");
	cli_prompt_format(buf, sizeof(buf), CLI_ROLE_STANDBY, "fw2");
	assert_string_equal(buf, "HRP_S[fw2]>");
	assert_int_equal(cli_prompt_format(buf, sizeof(buf), CLI_ROLE_NONE, "fw1"), 5);
	assert_string_equal(buf, "<fw1>");
	assert_int_equal(cli_prompt_format(buf, 6, CLI_ROLE_MASTER, "fw1"), 5);
	assert_string_equal(buf, "HRP_M");
}

static void test_standby_refusal(void **state)
{
	const struct fake_answer standby[] = {
		{ .daemon = "vgmpd", .cmd = "status", .result = vgmpd_standby },
		{ .daemon = "hrpd", .cmd = "config-show", .result = hrpd_cfg_off },
		{ .daemon = "vgmpd", .cmd = "config-set", .result = config_set_ok },
		{ .daemon = "hrpd", .cmd = "config-set", .result = config_set_ok },
	};
	const struct fake_answer allowed[] = {
		{ .daemon = "vgmpd", .cmd = "status", .result = vgmpd_standby },
		{ .daemon = "hrpd", .cmd = "config-show", .result = hrpd_cfg_on },
		{ .daemon = "vgmpd", .cmd = "config-set", .result = config_set_ok },
	};
	struct outcome o;
	json_t *v;

	run_line(&o, standby, 4, "hrp preempt delay 5", false, false);
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	assert_string_equal(o.err, "Error: The device is in HRP standby state, so this command "
				   "cannot be executed.\n");
	assert_int_equal(o.fake.ncalls, 2); /* the role and the setting; no config-set */
	assert_string_equal(o.fake.calls[0], "vgmpd status");
	assert_string_equal(o.fake.calls[1], "hrpd config-show");
	assert_string_equal(o.fake.args[1], "{\"groups\":[\"hrpd\"]}");
	outcome_free(&o);

	run_line(&o, standby, 4, "undo hrp mi s e", true, false);
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	v = json_loads(o.out, 0, NULL);
	assert_string_equal(rj_str(rj_obj(v, "error"), "code", ""), "hrp-standby");
	assert_string_equal(rj_str(rj_obj(v, "error"), "message", ""),
			    "The device is in HRP standby state, so this command cannot be "
			    "executed.");
	json_decref(v);
	outcome_free(&o);

	/* local settings are the standby's own: no question asked */
	run_line(&o, standby, 4, "hrp track interface up1", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_int_equal(o.fake.ncalls, 1);
	assert_string_equal(o.fake.calls[0], "vgmpd config-set");
	outcome_free(&o);
	run_line(&o, standby, 4, "hrp standby config enable", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.fake.calls[0], "hrpd config-set");
	outcome_free(&o);

	/* hrp standby config enable set: taken */
	run_line(&o, allowed, 3, "hrp preempt delay 5", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_int_equal(o.fake.ncalls, 3);
	assert_string_equal(o.fake.calls[2], "vgmpd config-set");
	outcome_free(&o);

	/* on the active the role is enough */
	run_line(&o, ACTIVE, "hrp preempt delay 5", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_int_equal(o.fake.ncalls, 2);
	assert_string_equal(o.fake.calls[0], "vgmpd status");
	assert_string_equal(o.fake.calls[1], "vgmpd config-set");
	outcome_free(&o);

	/* no vgmpd: the role cannot be known, the command does not run */
	run_line(&o, standby + 1, 3, "hrp mirror session enable", false, false);
	assert_int_equal(o.rc, CLI_EXIT_UNREACHABLE);
	assert_string_equal(o.err, "Error: cannot reach vgmpd at /run/hs-test/vgmpd.sock: No such "
				   "file or directory\n");
	assert_int_equal(o.fake.ncalls, 1);
	outcome_free(&o);
	/* no hrpd on the standby: the setting cannot be known either */
	run_line(&o, standby, 1, "hrp preempt", false, false);
	assert_int_equal(o.rc, CLI_EXIT_UNREACHABLE);
	assert_non_null(strstr(o.err, "cannot reach hrpd"));
	outcome_free(&o);
}

static void test_daemon_refuses(void **state)
{
	const struct fake_answer refusing[] = {
		{ .daemon = "vgmpd", .cmd = "status", .result = vgmpd_status },
		{ .daemon = "vgmpd",
		  .cmd = "config-set",
		  .refusal =
			  "vgmpd.ospf_cost: adjusting the OSPF cost needs at least one interface",
		  .code = "bad-args" },
	};
	struct outcome o;

	run_line(&o, refusing, 2, "hrp adjust ospf-cost enable", false, false);
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	assert_string_equal(o.err, "Error: vgmpd.ospf_cost: adjusting the OSPF cost needs at least "
				   "one interface\n");
	outcome_free(&o);

	run_line(&o, ACTIVE, "hrp sync config", false, false);
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	assert_string_equal(o.err, "Error: hrpd does not support config sync\n");
	outcome_free(&o);
	run_line(&o, NULL, 0, "hrp track interface up0", false, false);
	assert_int_equal(o.rc, CLI_EXIT_UNREACHABLE);
	assert_non_null(strstr(o.err, "cannot reach vgmpd"));
	outcome_free(&o);
}

static void test_prompt_query(void **state)
{
	const struct fake_answer standby[] = {
		{ .daemon = "vgmpd", .cmd = "status", .result = vgmpd_standby },
	};
	struct fake f = { .answers = healthy, .n = sizeof(healthy) / sizeof(healthy[0]) };
	struct cli_session s = { .grammar = &real, .ops = &fake_ops, .ctx = &f };

	assert_int_equal(cli_role_query(&s), CLI_ROLE_MASTER);
	f = (struct fake){ .answers = standby, .n = 1 };
	assert_int_equal(cli_role_query(&s), CLI_ROLE_STANDBY);
	f = (struct fake){ 0 };
	assert_int_equal(cli_role_query(&s), CLI_ROLE_NONE);
}

/* ---- display current-configuration and save ---- */

#define SHOW(d, grp, text, extra)                                                                  \
	"{\"daemon\": \"" d "\", \"file\": \"/etc/hs.conf\", \"changes\": 2, \"text\": {" text     \
	"}, \"settings\": {\"" grp "\": {\"x\": 1}" extra "}}"

static const struct fake_answer shows[] = {
	{ .daemon = "vrrpd",
	  .cmd = "config-show",
	  .result =
		  SHOW("vrrpd", "vrrpd", "\"vrrpd\": \"vrrpd = {\\n  groups = ();\\n};\\n\"", "") },
	{ .daemon = "vgmpd",
	  .cmd = "config-show",
	  .result = SHOW("vgmpd", "vgmpd",
			 "\"global\": \"global = {\\n  name = \\\"fw1\\\";\\n};\\n\", "
			 "\"vgmpd\": \"vgmpd = {\\n  preempt_delay = 5;\\n};\\n\"",
			 ", \"global\": {\"name\": \"fw1\"}") },
	{ .daemon = "hrpd",
	  .cmd = "config-show",
	  .result = SHOW("hrpd", "hrpd", "\"hrpd\": \"hrpd = {\\n  enable = true;\\n};\\n\"", "") },
};
#define SHOWS shows, sizeof(shows) / sizeof(shows[0])

static const char current_text[] = "#\n"
				   "global = {\n  name = \"fw1\";\n};\n"
				   "#\n"
				   "vrrpd = {\n  groups = ();\n};\n"
				   "#\n"
				   "vgmpd = {\n  preempt_delay = 5;\n};\n"
				   "#\n"
				   "hrpd = {\n  enable = true;\n};\n"
				   "#\n";

static void test_current_configuration(void **state)
{
	static const char *const keys[] = { "file", "unsaved_changes", "config", "text" };
	static const char *const groups[] = { "global", "vrrpd", "vgmpd", "hrpd" };
	struct outcome o;
	json_t *v;

	run_line(&o, SHOWS, "dis cur", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.out, current_text);
	assert_int_equal(o.fake.ncalls, 3);
	assert_string_equal(o.fake.calls[0], "vrrpd config-show");
	assert_string_equal(o.fake.calls[2], "hrpd config-show");
	outcome_free(&o);

	run_line(&o, SHOWS, "display current-configuration", true, false);
	v = json_loads(o.out, 0, NULL);
	assert_keys(v, keys, 4);
	assert_keys(rj_obj(v, "config"), groups, 4);
	assert_string_equal(rj_str(rj_obj(rj_obj(v, "config"), "global"), "name", ""), "fw1");
	assert_int_equal(rj_int(rj_obj(v, "unsaved_changes"), "hrpd", -1), 2);
	assert_string_equal(rj_str(v, "text", ""), current_text);
	assert_string_equal(rj_str(v, "file", ""), "/etc/hs.conf");
	json_decref(v);
	outcome_free(&o);

	/* each daemon is needed: its group cannot be shown from another's copy */
	run_line(&o, shows, 2, "display current-configuration", false, false);
	assert_int_equal(o.rc, CLI_EXIT_UNREACHABLE);
	assert_string_equal(o.out, "");
	assert_non_null(strstr(o.err, "cannot reach hrpd"));
	outcome_free(&o);

	char *t = cli_config_text("# h\n", "g = 1;", NULL, "v = 2;\n", "h = 3;\n");
	assert_string_equal(t, "# h\n#\ng = 1;\n#\n#\nv = 2;\n#\nh = 3;\n#\n");
	free(t);
}

static void test_save(void **state)
{
	struct outcome o;
	json_t *v;

	run_line(&o, SHOWS, "save", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.out, "Info: The current configuration was written to /etc/hs.conf.\n"
				   "Info: The previous file is kept as /etc/hs.conf.bak.\n");
	v = o.fake.saved;
	assert_non_null(v);
	assert_string_equal(rj_str(v, "file", ""), "/etc/hs.conf");
	assert_string_equal(rj_str(v, "global", ""), "global = {\n  name = \"fw1\";\n};\n");
	assert_string_equal(rj_str(rj_obj(v, "groups"), "vgmpd", ""),
			    "vgmpd = {\n  preempt_delay = 5;\n};\n");
	assert_string_equal(rj_str(rj_obj(v, "files"), "hrpd", ""), "/etc/hs.conf");
	outcome_free(&o);

	/* the writer fails: a command error with its reason */
	memset(&o, 0, sizeof(o));
	{
		FILE *out, *err;
		out = open_memstream(&o.out, &o.outlen);
		err = open_memstream(&o.err, &o.errlen);
		o.fake = (struct fake){ .answers = shows, .n = 3, .save_rc = -EACCES };
		struct cli_session s = {
			.grammar = &real, .ops = &fake_ops, .ctx = &o.fake, .out = out, .err = err
		};
		o.rc = cli_exec_line(&s, "save");
		fclose(out);
		fclose(err);
	}
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	assert_string_equal(o.out, "");
	assert_string_equal(o.err, "Error: cannot write /etc/hs.conf: Permission denied\n");
	outcome_free(&o);

	/* daemons reading different files: the view says so (the writer refuses it) */
	const struct fake_answer other[] = {
		shows[0],
		shows[1],
		{ .daemon = "hrpd",
		  .cmd = "config-show",
		  .result =
			  "{\"file\": \"/tmp/other.conf\", \"text\": {\"hrpd\": \"hrpd = {};\"}}" },
	};
	run_line(&o, other, 3, "save", true, false);
	v = o.fake.saved;
	assert_true(json_is_null(json_object_get(v, "file")));
	assert_string_equal(rj_str(rj_obj(v, "files"), "hrpd", ""), "/tmp/other.conf");
	outcome_free(&o);
}

/* hot-restart daemon: status, hot-restart, status again until another pid answers (confirmed)
 * or the old one counts an abort; refused at once, nothing is waited for. */
static void test_hot_restart(void **state)
{
	static const struct fake_answer confirmed[] = {
		{ .daemon = "vgmpd", .cmd = "status", .once = true,
		  .result = "{\"pid\": 100, \"hot_restart\": {\"aborted\": 0, \"attempts\": 0}}" },
		{ .daemon = "vgmpd", .cmd = "hot-restart", .result = "{\"stage\": \"sent\"}" },
		{ .daemon = "vgmpd", .cmd = "status", .once = true,
		  .result = "{\"pid\": 100, \"hot_restart\": {\"stage\": \"sent\", "
			    "\"aborted\": 0, \"attempts\": 1}}" },
		{ .daemon = "vgmpd", .cmd = "status", .once = true, .down = true },
		{ .daemon = "vgmpd", .cmd = "status",
		  .result = "{\"pid\": 200, \"hot_restart\": {\"stage\": \"idle\", "
			    "\"aborted\": 0, \"attempts\": 0}}" },
	};
	struct outcome o;
	run_line(&o, confirmed, 5, "hot-restart daemon vgmpd exe /usr/sbin/vgmpd.new", true,
		 false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_int_equal(o.fake.ncalls, 5);
	assert_string_equal(o.fake.calls[1], "vgmpd hot-restart");
	assert_string_equal(o.fake.args[1], "{\"exe\":\"/usr/sbin/vgmpd.new\"}");
	json_t *v = json_loads(o.out, 0, NULL);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "outcome")), "confirmed");
	assert_int_equal(json_integer_value(json_object_get(v, "old_pid")), 100);
	assert_int_equal(json_integer_value(json_object_get(v, "new_pid")), 200);
	assert_true(json_is_false(json_object_get(v, "failed")));
	json_decref(v);
	outcome_free(&o);

	static const struct fake_answer aborted[] = {
		{ .daemon = "vrrpd", .cmd = "status", .once = true,
		  .result = "{\"pid\": 100, \"hot_restart\": {\"aborted\": 2}}" },
		{ .daemon = "vrrpd", .cmd = "hot-restart", .result = "{\"stage\": \"sent\"}" },
		{ .daemon = "vrrpd", .cmd = "status",
		  .result = "{\"pid\": 100, \"hot_restart\": {\"stage\": \"aborted\", "
			    "\"aborted\": 3, \"attempts\": 3, \"last_error\": \"snapshot "
			    "version 2.0 is not readable\"}}" },
	};
	run_line(&o, aborted, 3, "hot dae vr", false, false);
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	assert_non_null(strstr(o.out, "The hot restart of vrrpd was aborted: snapshot version 2.0 "
				      "is not readable. Pid 100 goes on."));
	assert_int_equal(o.fake.ncalls, 3);
	assert_string_equal(o.fake.args[1], "");
	outcome_free(&o);

	static const struct fake_answer busy[] = {
		{ .daemon = "hrpd", .cmd = "status", .result = "{\"pid\": 100}" },
		{ .daemon = "hrpd", .cmd = "hot-restart",
		  .refusal = "a hot restart or a stop is under way" },
	};
	run_line(&o, busy, 2, "hot-restart daemon hrpd", false, false);
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	assert_non_null(strstr(o.err, "a hot restart or a stop is under way"));
	assert_int_equal(o.fake.ncalls, 2);
	outcome_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row_parses),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_changes_sent),
		cmocka_unit_test(test_synced_marks_follow_schema),
		cmocka_unit_test(test_help_marks),
		cmocka_unit_test(test_role_decision),
		cmocka_unit_test(test_standby_refusal),
		cmocka_unit_test(test_daemon_refuses),
		cmocka_unit_test(test_prompt_query),
		cmocka_unit_test(test_current_configuration),
		cmocka_unit_test(test_save),
		cmocka_unit_test(test_hot_restart),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
