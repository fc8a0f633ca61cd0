/* hrpctl's pure part: the parser (matching, abbreviation, Huawei's errors and caret positions,
 * typed parameters, '?' and Tab), the views and renderers against JSON fixtures, and the executor
 * against a fake daemon table (exit codes, --json errors). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cli_parse.h"
#include "commands.h"
#include "exec.h"
#include "render.h"

/* ---- grammars: the real table, and a private one with parameters and clashing keywords ---- */

static const struct cli_command private_rows[] = {
	{ .pattern = "display hrp state [verbose]", .help = "Show the state" },
	{ .pattern = "display hrp statistics", .help = "Show counters" },
	{ .pattern = "debugging hrp {on|off}", .help = "Debug HRP" },
	{ .pattern = "hrp preempt [delay <delay:1-3600>]",
	  .help = "Enable preemption",
	  .flags = CLI_F_SYNCED },
	{ .pattern = "hrp track interface <IFNAME>",
	  .help = "Track an interface",
	  .flags = CLI_F_SYNCED },
	{ .pattern = "hrp interface <IFNAME> remote <peer:IPADDR>", .help = "Heartbeat link" },
	{ .pattern = "hrp auto-sync [config|connection-status]",
	  .help = "Back up automatically",
	  .flags = CLI_F_SYNCED },
	{ .pattern = "hrp sync", .help = "Back up now" },
	{ .pattern = "hrp sync-check", .help = "Compare the configs" },
	{ .pattern = "sysname <STRING>", .help = "Name the box" },
};

static const struct cli_keyword_help private_words[] = {
	{ .word = "display", .help = "Display information" },
	{ .word = "<delay>", .help = "Preemption delay, in seconds" },
};

static const struct cli_table private_table = {
	.rows = private_rows,
	.n_rows = sizeof(private_rows) / sizeof(private_rows[0]),
	.words = private_words,
	.n_words = sizeof(private_words) / sizeof(private_words[0]),
};

static struct cli_grammar real, priv;

static int setup(void **state)
{
	char err[160];

	setenv("TZ", "UTC", 1);
	tzset();
	if (cli_grammar_init(&real, &cli_commands, err, sizeof(err)) < 0)
		return -1;
	return cli_grammar_init(&priv, &private_table, err, sizeof(err));
}

static int teardown(void **state)
{
	cli_grammar_clear(&real);
	cli_grammar_clear(&priv);
	return 0;
}

static const char *parsed(const struct cli_grammar *g, const char *line)
{
	static struct cli_match m;
	struct cli_error e;

	if (cli_parse_line(g, line, &m, &e) < 0)
		return NULL;
	return m.cmd->pattern;
}

static void expect_error(const struct cli_grammar *g, const char *line, enum cli_error_kind kind,
			 size_t col)
{
	struct cli_match m;
	struct cli_error e = { 0 };

	assert_int_equal(cli_parse_line(g, line, &m, &e), -EINVAL);
	assert_int_equal(e.kind, kind);
	assert_int_equal(e.col, col);
}

/* ---- parser ---- */

static void test_exact(void **state)
{
	assert_string_equal(parsed(&real, "display hrp state"), "display hrp state");
	assert_string_equal(parsed(&real, "display hrp state verbose"),
			    "display hrp state verbose");
	assert_string_equal(parsed(&real, "  display   vrrp  brief  "), "display vrrp brief");
	assert_string_equal(parsed(&real, "display vrrp"), "display vrrp");
	assert_string_equal(parsed(&real, "undo hrp enable"), "undo hrp enable");
	assert_string_equal(parsed(&real, "hrp enable\n"), "hrp enable");
	assert_string_equal(parsed(&real, "help"), "help");
	assert_string_equal(parsed(&real, "display hrp session statistics"),
			    "display hrp session statistics");
	assert_string_equal(parsed(&real, "display hrp session consistency"),
			    "display hrp session consistency");
	assert_string_equal(parsed(&real, "hrp sync connection-status"),
			    "hrp sync connection-status");
}

static void test_abbreviation(void **state)
{
	assert_string_equal(parsed(&real, "dis hrp st"), "display hrp state");
	/* state is the preferred of state / statistics; statistics needs "stati" */
	assert_string_equal(parsed(&real, "dis hrp stat"), "display hrp state");
	assert_string_equal(parsed(&real, "dis hrp stati"), "display hrp statistics");
	assert_string_equal(parsed(&real, "dis hrp st v"), "display hrp state verbose");
	assert_string_equal(parsed(&real, "DIS HRP ST"), "display hrp state");
	assert_string_equal(parsed(&real, "d hrp i"), "display hrp interface");
	assert_string_equal(parsed(&real, "dis vr b"), "display vrrp brief");
	assert_string_equal(parsed(&real, "dis vg"), "display vgmp");
	assert_string_equal(parsed(&real, "dis ver"), "display version");
	assert_string_equal(parsed(&real, "u h e"), "undo hrp enable");
	assert_string_equal(parsed(&real, "hr e"), "hrp enable");
	assert_string_equal(parsed(&real, "dis hrp sess stat"), "display hrp session statistics");
	assert_string_equal(parsed(&real, "d h se s"), "display hrp session statistics");
	assert_string_equal(parsed(&real, "dis hrp se con"), "display hrp session consistency");
	assert_string_equal(parsed(&real, "hrp sy conn"), "hrp sync connection-status");
	assert_string_equal(parsed(&real, "hrp sy conf"), "hrp sync config");
	assert_string_equal(parsed(&real, "HR SYN CONN"), "hrp sync connection-status");
	/* session joins state and statistics after "hrp s": state stays the preferred */
	assert_string_equal(parsed(&real, "dis hrp s"), "display hrp state");
}

static void test_ambiguous(void **state)
{
	/* vrrp, vgmp, version */
	expect_error(&real, "dis v", CLI_E_AMBIGUOUS, 4);
	/* help, hrp */
	expect_error(&real, "h enable", CLI_E_AMBIGUOUS, 0);
	/* display, debugging */
	expect_error(&priv, "d hrp on", CLI_E_AMBIGUOUS, 0);
	assert_string_equal(parsed(&priv, "de hrp on"), "debugging hrp {on|off}");
	/* state, statistics */
	expect_error(&priv, "display hrp stat", CLI_E_AMBIGUOUS, 12);
	assert_string_equal(parsed(&priv, "display hrp stati"), "display hrp statistics");
	/* an exact keyword wins over a longer one it is a prefix of */
	assert_string_equal(parsed(&priv, "hrp sync"), "hrp sync");
	assert_string_equal(parsed(&priv, "hrp sync-"), "hrp sync-check");
	expect_error(&priv, "hrp syn", CLI_E_AMBIGUOUS, 4);
}

static void test_unrecognized(void **state)
{
	expect_error(&real, "displya hrp state", CLI_E_UNRECOGNIZED, 0);
	expect_error(&real, "display hrp foo", CLI_E_UNRECOGNIZED, 12);
	expect_error(&real, "display  hrp   foo bar", CLI_E_UNRECOGNIZED, 15);
	/* state could end here, but verbose could follow: the word is not one of ours */
	expect_error(&real, "display hrp state foo", CLI_E_UNRECOGNIZED, 18);
	expect_error(&real, "x", CLI_E_UNRECOGNIZED, 0);
}

static void test_incomplete(void **state)
{
	expect_error(&real, "display hrp", CLI_E_INCOMPLETE, 11);
	expect_error(&real, "display hrp   ", CLI_E_INCOMPLETE, 11);
	expect_error(&real, "undo", CLI_E_INCOMPLETE, 4);
	expect_error(&real, "display hrp session", CLI_E_INCOMPLETE, 19);
	expect_error(&real, "dis hrp sess", CLI_E_INCOMPLETE, 12);
	expect_error(&real, "hrp sync", CLI_E_INCOMPLETE, 8);
	expect_error(&priv, "hrp track interface", CLI_E_INCOMPLETE, 19);
	expect_error(&priv, "hrp preempt delay", CLI_E_INCOMPLETE, 17);
}

static void test_too_many(void **state)
{
	expect_error(&real, "hrp enable now", CLI_E_TOO_MANY, 11);
	expect_error(&real, "hrp sync connection-status now", CLI_E_TOO_MANY, 27);
	expect_error(&real, "display hrp state verbose please", CLI_E_TOO_MANY, 26);
	expect_error(&priv, "hrp preempt delay 60 70", CLI_E_TOO_MANY, 21);
	expect_error(&priv, "hrp track interface up0 up1", CLI_E_TOO_MANY, 24);
}

static void test_integer_param(void **state)
{
	struct cli_match m;
	struct cli_error e;
	long v = 0;

	assert_int_equal(cli_parse_line(&priv, "hrp preempt delay 60", &m, &e), 0);
	assert_string_equal(m.cmd->pattern, "hrp preempt [delay <delay:1-3600>]");
	assert_int_equal(cli_match_int(&m, "delay", &v), 0);
	assert_int_equal(v, 60);
	assert_true(cli_match_has(&m, "delay"));
	assert_int_equal(cli_parse_line(&priv, "hrp pre del 3600", &m, &e), 0);
	assert_int_equal(cli_match_int(&m, "delay", &v), 0);
	assert_int_equal(v, 3600);
	/* the optional group left out */
	assert_int_equal(cli_parse_line(&priv, "hrp preempt", &m, &e), 0);
	assert_int_equal(cli_match_int(&m, "delay", &v), -ENOENT);
	assert_false(cli_match_has(&m, "delay"));

	expect_error(&priv, "hrp preempt delay 3601", CLI_E_WRONG_PARAM, 18);
	expect_error(&priv, "hrp preempt delay 0", CLI_E_WRONG_PARAM, 18);
	expect_error(&priv, "hrp preempt delay -5", CLI_E_WRONG_PARAM, 18);
	expect_error(&priv, "hrp preempt delay 6x", CLI_E_WRONG_PARAM, 18);
	expect_error(&priv, "hrp preempt delay 99999999999999999999", CLI_E_WRONG_PARAM, 18);
}

static void test_ifname_param(void **state)
{
	struct cli_match m;
	struct cli_error e;

	assert_int_equal(cli_parse_line(&priv, "hrp track interface up0", &m, &e), 0);
	assert_string_equal(cli_match_param(&m, "ifname"), "up0");
	assert_int_equal(cli_parse_line(&priv, "hrp track interface abcdefghijklmno", &m, &e), 0);
	expect_error(&priv, "hrp track interface abcdefghijklmnop", CLI_E_WRONG_PARAM, 20);
	expect_error(&priv, "hrp track interface eth/0", CLI_E_WRONG_PARAM, 20);
	expect_error(&priv, "hrp track interface ..", CLI_E_WRONG_PARAM, 20);
}

static void test_ipaddr_and_string_params(void **state)
{
	struct cli_match m;
	struct cli_error e;

	assert_int_equal(cli_parse_line(&priv, "hrp interface hb0 remote 203.0.113.2", &m, &e), 0);
	assert_string_equal(cli_match_param(&m, "ifname"), "hb0");
	assert_string_equal(cli_match_param(&m, "peer"), "203.0.113.2");
	assert_int_equal(cli_parse_line(&priv, "hrp interface hb0 remote 2001:db8::2", &m, &e), 0);
	assert_string_equal(cli_match_param(&m, "peer"), "2001:db8::2");
	expect_error(&priv, "hrp interface hb0 remote 203.0.113.256", CLI_E_WRONG_PARAM, 25);
	/* a keyword after a parameter is still abbreviated */
	assert_int_equal(cli_parse_line(&priv, "hrp int hb0 rem 203.0.113.2", &m, &e), 0);

	assert_int_equal(cli_parse_line(&priv, "sysname \"fw 1\"", &m, &e), 0);
	assert_string_equal(cli_match_param(&m, "string"), "fw 1");
	expect_error(&priv, "sysname \"fw 1", CLI_E_WRONG_PARAM, 8);
	expect_error(&priv, "sysname \"\"", CLI_E_WRONG_PARAM, 8);
}

static void test_alternatives(void **state)
{
	struct cli_match m;
	struct cli_error e;

	assert_int_equal(cli_parse_line(&priv, "hrp auto-sync conn", &m, &e), 0);
	assert_true(cli_match_has(&m, "connection-status"));
	assert_false(cli_match_has(&m, "config"));
	assert_int_equal(cli_parse_line(&priv, "hrp auto-sync", &m, &e), 0);
	expect_error(&priv, "hrp auto-sync con", CLI_E_AMBIGUOUS, 14);
	assert_string_equal(parsed(&priv, "debugging hrp off"), "debugging hrp {on|off}");
	expect_error(&priv, "debugging hrp", CLI_E_INCOMPLETE, 13);
}

static void test_tokenizer(void **state)
{
	struct cli_tokens t;
	struct cli_error e;
	char long_line[CLI_LINE_MAX + 8];

	assert_int_equal(cli_tokenize("  dis  \"a b\"c x", &t, &e), 0);
	assert_int_equal(t.count, 3);
	assert_string_equal(cli_token(&t, 1), "a bc");
	assert_int_equal(t.col[1], 7);
	assert_int_equal(t.col[2], 14);
	assert_true(t.open);
	assert_int_equal(cli_tokenize("dis ", &t, &e), 0);
	assert_false(t.open);
	assert_int_equal(t.end, 3);

	memset(long_line, 'a', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	assert_int_equal(cli_tokenize(long_line, &t, &e), -EINVAL);
	assert_int_equal(e.kind, CLI_E_TOO_MANY);

	/* in quotes, \" and \\ are a quote and a backslash of the word; other backslashes stay */
	assert_int_equal(
		cli_tokenize("firewall nft \"add rule iifname \\\"eth0\\\" \\\\ \\d\"", &t, &e), 0);
	assert_int_equal(t.count, 3);
	assert_string_equal(cli_token(&t, 2), "add rule iifname \"eth0\" \\ \\d");

	/* a word that is not UTF-8 (Latin-1 e-acute) is a wrong parameter, caret under it;
	 * UTF-8 passes */
	assert_int_equal(cli_tokenize("dis hrp caf\xe9 x", &t, &e), -EINVAL);
	assert_int_equal(e.kind, CLI_E_WRONG_PARAM);
	assert_int_equal(e.token, 2);
	assert_int_equal(e.col, 8);
	assert_int_equal(cli_tokenize("dis hrp caf\xc3\xa9", &t, &e), 0);
	assert_string_equal(cli_token(&t, 2), "caf\xc3\xa9");
}

static void test_error_words(void **state)
{
	assert_string_equal(cli_error_message(CLI_E_UNRECOGNIZED),
			    "Error: Unrecognized command found at '^' position.");
	assert_string_equal(cli_error_message(CLI_E_INCOMPLETE),
			    "Error: Incomplete command found at '^' position.");
	assert_string_equal(cli_error_message(CLI_E_AMBIGUOUS),
			    "Error: Ambiguous command found at '^' position.");
	assert_string_equal(cli_error_message(CLI_E_TOO_MANY),
			    "Error: Too many parameters found at '^' position.");
	assert_string_equal(cli_error_message(CLI_E_WRONG_PARAM),
			    "Error: Wrong parameter found at '^' position.");
}

static void test_bad_patterns(void **state)
{
	static const char *const bad[] = {
		"display [verbose", "<1-3600> delay", "hrp preempt <1-x>", "hrp <FOO>",
		"hrp []",           "hrp {a|}",       "a [[b] c]",         "",
	};
	struct cli_rule r;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(cli_pattern_compile(bad[i], &r, err, sizeof(err)), -EINVAL);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(cli_pattern_compile("a [b [c]] <n:1-2>", &r, err, sizeof(err)), 0);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.elem[1].skip, 3);
	assert_int_equal(r.elem[2].skip, 3);
}

/* ---- '?' and Tab ---- */

static int choices(const struct cli_grammar *g, const char *line, struct cli_choice *c)
{
	struct cli_error e;

	return cli_choices(g, line, c, CLI_CHOICES_MAX, &e);
}

static void test_choices(void **state)
{
	struct cli_choice c[CLI_CHOICES_MAX];
	struct cli_error e;

	assert_int_equal(choices(&real, "display hrp ", c), 5);
	assert_string_equal(c[0].word, "config");
	assert_string_equal(c[0].help, "Configuration");
	assert_string_equal(c[1].word, "interface");
	assert_string_equal(c[1].help, "Display the heartbeat interfaces and their state");
	assert_string_equal(c[2].word, "session");
	assert_string_equal(c[2].help, "Session sync (connection status)");
	assert_string_equal(c[3].word, "state");
	assert_string_equal(c[3].help, "Display the hot standby state");
	assert_string_equal(c[4].word, "statistics");

	/* the same keyword after another word ends another command, with that one's help */
	assert_int_equal(choices(&real, "display hrp session ", c), 2);
	assert_string_equal(c[0].word, "consistency");
	assert_string_equal(c[1].word, "statistics");
	assert_string_equal(c[1].help,
			    "Display the session sync state and counters, drops by reason");
	assert_int_equal(choices(&real, "hrp sync ", c), 2);
	assert_string_equal(c[0].word, "config");
	assert_string_equal(c[1].word, "connection-status");

	assert_int_equal(choices(&real, "display hrp state ", c), 2);
	assert_string_equal(c[0].word, "verbose");
	assert_string_equal(c[1].word, "<cr>");

	assert_int_equal(choices(&real, "dis", c), 1);
	assert_string_equal(c[0].word, "display");
	assert_string_equal(c[0].help, "Display information");
	assert_int_equal(choices(&real, "display v", c), 3);
	assert_string_equal(c[0].word, "version");
	assert_string_equal(c[1].word, "vgmp");
	assert_string_equal(c[2].word, "vrrp");

	/* parameters, their help, the (+B) mark of a synced command */
	assert_int_equal(choices(&priv, "hrp preempt delay ", c), 1);
	assert_string_equal(c[0].word, "INTEGER<1-3600>");
	assert_string_equal(c[0].help, "Enable preemption (+B)");
	assert_int_equal(choices(&priv, "hrp preempt ", c), 2);
	assert_string_equal(c[0].word, "delay");
	assert_string_equal(c[1].word, "<cr>");
	assert_int_equal(choices(&priv, "hrp interface ", c), 1);
	assert_string_equal(c[0].word, "IFNAME<1-15>");
	assert_string_equal(c[0].help, "Interface name");

	/* a word being typed: the keywords it may start, or the parameter it may be */
	assert_int_equal(choices(&priv, "hrp preempt delay 6", c), 1);
	assert_string_equal(c[0].word, "INTEGER<1-3600>");
	assert_int_equal(cli_choices(&priv, "hrp preempt delay 6x", c, CLI_CHOICES_MAX, &e),
			 -EINVAL);
	assert_int_equal(e.kind, CLI_E_WRONG_PARAM);
	assert_int_equal(e.col, 18);
	assert_int_equal(cli_choices(&real, "display hrp x", c, CLI_CHOICES_MAX, &e), -EINVAL);
	assert_int_equal(e.kind, CLI_E_UNRECOGNIZED);
	assert_int_equal(e.col, 12);

	/* the words before must parse */
	assert_int_equal(cli_choices(&real, "display foo ", c, CLI_CHOICES_MAX, &e), -EINVAL);
	assert_int_equal(e.kind, CLI_E_UNRECOGNIZED);
	assert_int_equal(e.col, 8);
}

/* A word of a pattern as a line would give it: brackets dropped, the first alternative, a
 * parameter's smallest value. */
static void sample_word(const char *w, size_t len, char *out, size_t outlen)
{
	char buf[CLI_WORD_MAX];
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < sizeof(buf); i++)
		if (!strchr("[]{}", w[i]))
			buf[n++] = w[i];
	buf[n] = '\0';
	n = strcspn(buf, "|");
	buf[n] = '\0';
	if (buf[0] != '<') {
		snprintf(out, outlen, "%s", buf);
		return;
	}
	const char *spec = strchr(buf, ':') ? strchr(buf, ':') + 1 : buf + 1;
	if (!strncmp(spec, "IFNAME", 6))
		snprintf(out, outlen, "up0");
	else if (!strncmp(spec, "IPADDR", 6))
		snprintf(out, outlen, "192.0.2.1");
	else if (!strncmp(spec, "STRING", 6))
		snprintf(out, outlen, "x");
	else
		snprintf(out, outlen, "%ld", strtol(spec, NULL, 10));
}

static void test_every_keyword_has_help(void **state)
{
	struct cli_choice c[CLI_CHOICES_MAX];

	for (size_t r = 0; r < cli_commands.n_rows; r++) {
		char line[CLI_LINE_MAX] = "", word[CLI_WORD_MAX];
		const char *p = cli_commands.rows[r].pattern;
		for (;;) {
			int n = choices(&real, line, c);
			assert_true(n > 0);
			for (int i = 0; i < n; i++)
				if (strcmp(c[i].word, "<cr>")) {
					if (!c[i].help[0])
						fail_msg("no help for '%s' after '%s'", c[i].word,
							 line);
				}
			const char *sp = strchr(p, ' ');
			size_t len = sp ? (size_t)(sp - p) : strlen(p);
			size_t used = strlen(line);
			sample_word(p, len, word, sizeof(word));
			snprintf(line + used, sizeof(line) - used, "%s ", word);
			if (!sp)
				break;
			p = sp + 1;
		}
	}
}

static void test_complete(void **state)
{
	char buf[64];

	assert_int_equal(cli_complete(&real, "dis", buf, sizeof(buf)), 5);
	assert_string_equal(buf, "play ");
	/* Tab completes only what state and statistics share; Enter takes the preferred state. */
	assert_int_equal(cli_complete(&real, "display hrp st", buf, sizeof(buf)), 2);
	assert_string_equal(buf, "at");
	assert_int_equal(cli_complete(&real, "display hrp state", buf, sizeof(buf)), 1);
	assert_string_equal(buf, " ");
	assert_int_equal(cli_complete(&real, "display vr", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "rp ");
	/* vgmp, version, vrrp share only "v" */
	assert_int_equal(cli_complete(&real, "display v", buf, sizeof(buf)), 0);
	/* state, statistics share "stat" */
	assert_int_equal(cli_complete(&priv, "display hrp s", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "tat");
	assert_int_equal(cli_complete(&real, "display ", buf, sizeof(buf)), 0);
	assert_int_equal(cli_complete(&real, "dis hrp se", buf, sizeof(buf)), 6);
	assert_string_equal(buf, "ssion ");
	/* config, connection-status share "con" */
	assert_int_equal(cli_complete(&real, "hrp sync c", buf, sizeof(buf)), 2);
	assert_string_equal(buf, "on");
	assert_int_equal(cli_complete(&real, "hrp sync conn", buf, sizeof(buf)), 14);
	assert_string_equal(buf, "ection-status ");
}

#include "cli_fake.h"


static const char state_lines[] =
	" Role: active, peer: standby\n"
	" Running priority: 45000, peer: 44998\n"
	" Backup channel usage: 0.00%\n"
	" Stable time: 0 days, 0 hours, 11 minutes\n"
	" Last state change information: 2016-05-06 14:31:24 HRP core state changed, "
	"old_state = standby, new_state = active, local_priority = 45000, peer_priority = 44998, "
	"reason = peer priority lower.\n";

static void test_render_hrp_state(void **state)
{
	struct outcome o;

	run_line(&o, HEALTHY, "display hrp state", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.out, state_lines);
	assert_string_equal(o.err, "");
	assert_int_equal(o.fake.ncalls, 2);
	assert_string_equal(o.fake.calls[0], "hrpd status");
	assert_string_equal(o.fake.calls[1], "vgmpd status");
	outcome_free(&o);
}

static void test_render_hrp_state_verbose(void **state)
{
	static const char expected[] = " Heartbeat: peer up, running link hb0, peer heard 412 ms ago, "
				       "dead after 5875 ms of silence\n"
				       "\n"
				       " Configuration:\n"
				       " hello interval:              1000ms\n"
				       " dead count:                  5 hellos\n"
				       " preempt:                     60s\n"
				       " mirror session:              off\n"
				       " auto-sync configuration:     on\n"
				       " auto-sync connection-status: on\n"
				       " adjust ospf-cost:            on\n"
				       " mode:                        active-standby\n"
				       " standby device:              off\n"
				       "\n"
				       " Detail information:\n"
				       "                           lan0 vrrp vrid 1: active\n"
				       "                          lan0 vrrp6 vrid 1: standby\n"
				       "                                        up0: up\n"
				       "                                  ospf-cost: +0\n"
				       "\n"
				       /* a vgmpd that sends type, name and state only */
				       " Tracked objects:\n"
				       "   interface up0: up\n"
				       "\n"
				       /* an hrpd without session sync, data channel or registry */
				       " Readiness:\n"
				       " session sync:                unknown (hrpd does not report "
				       "it)\n"
				       " sync lag:                    unknown (hrpd does not report "
				       "its data channel)\n"
				       " last consistency check:      unknown (hrpd does not support "
				       "session consistency checks)\n"
				       " config equal:                not compared (no tables synced "
				       "here)\n"
				       " versions here:               hrpd 0.1.0, vgmpd unknown, "
				       "vrrpd unknown; HRP unknown\n"
				       " versions on the peer:        unknown\n";
	struct outcome o;
	char want[sizeof(state_lines) + sizeof(expected) + 2];

	run_line(&o, HEALTHY, "dis hrp st v", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	snprintf(want, sizeof(want), "%s\n%s", state_lines, expected);
	assert_string_equal(o.out, want);
	assert_string_equal(o.err, "");
	assert_int_equal(o.fake.ncalls, 6);
	assert_string_equal(o.fake.calls[3], "hrpd session-stats");
	assert_string_equal(o.fake.calls[4], "hrpd data-stats");
	assert_string_equal(o.fake.calls[5], "hrpd session-consistency");
	outcome_free(&o);
}

/* hrpd does not know the role yet: vgmpd's state stands in; no peer, no change yet. */
static void test_render_hrp_state_fallbacks(void **state)
{
	static const struct fake_answer lonely[] = {
		{ .daemon = "hrpd",
		  .cmd = "status",
		  .result = "{\"name\": \"fw2\", \"uptime_ms\": 93784000, \"hrp\": {\"enabled\": "
			    "true,"
			    " \"role\": \"unknown\", \"peer_role\": \"unknown\", "
			    "\"stable_since_ms\": 0,"
			    " \"last_change\": null, \"channel_usage\": 12.5}}" },
		{ .daemon = "vgmpd",
		  .cmd = "status",
		  .result = "{\"vgmp\": {\"state\": \"standby\", \"priority\": 44998,"
			    " \"peer\": null}}" },
	};
	struct outcome o;

	run_line(&o, lonely, 2, "display hrp state", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.out, " Role: standby, peer: unknown\n"
				   " Running priority: 44998, peer: unknown\n"
				   " Backup channel usage: 12.50%\n"
				   " Stable time: 1 days, 2 hours, 3 minutes\n"
				   " Last state change information: none\n");
	outcome_free(&o);
}


static void test_json_hrp_state(void **state)
{
	static const char *const keys[] = {
		"name",
		"enabled",
		"role",
		"peer_role",
		"running_priority",
		"peer_priority",
		"backup_channel_usage",
		"stable_time_s",
		"last_change",
		"heartbeat",
		"priority_changes",
		"configuration",
		"detail",
		"tracked",
		"readiness",
	};
	static const char *const change_keys[] = {
		"time", "old_state", "new_state", "reason", "local_priority", "peer_priority",
	};
	struct outcome o;
	json_t *v;

	run_line(&o, HEALTHY, "display hrp state verbose", true, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	v = json_loads(o.out, 0, NULL);
	assert_non_null(v);
	assert_keys(v, keys, 15);
	assert_string_equal(rj_str(rj_obj(v, "heartbeat"), "running_link", ""), "hb0");
	assert_string_equal(rj_str(v, "role", ""), "active");
	assert_int_equal(rj_int(v, "running_priority", 0), 45000);
	assert_int_equal(rj_int(v, "peer_priority", 0), 44998);
	assert_int_equal(rj_int(v, "stable_time_s", 0), 660);
	assert_keys(rj_obj(v, "last_change"), change_keys, 6);
	assert_string_equal(rj_str(rj_obj(v, "last_change"), "time", ""), "2016-05-06 14:31:24");
	assert_int_equal(rj_int(rj_obj(v, "configuration"), "hello_interval_ms", 0), 1000);
	assert_int_equal(json_array_size(rj_arr(v, "detail")), 4);
	/* pretty-printed */
	assert_non_null(strstr(o.out, "\n  \"role\": \"active\",\n"));
	json_decref(v);
	outcome_free(&o);

	/* without verbose the keys stop at last_change; a missing peer is null, not absent */
	static const struct fake_answer lonely[] = {
		{ .daemon = "hrpd", .cmd = "status", .result = "{}" },
		{ .daemon = "vgmpd", .cmd = "status", .result = "{}" },
	};
	run_line(&o, lonely, 2, "display hrp state", true, false);
	v = json_loads(o.out, 0, NULL);
	assert_non_null(v);
	assert_keys(v, keys, 9);
	assert_true(json_is_null(json_object_get(v, "peer_priority")));
	assert_true(json_is_null(json_object_get(v, "last_change")));
	json_decref(v);
	outcome_free(&o);
}

/* ---- exit codes and errors ---- */

static void test_caret(void **state)
{
	struct outcome o;

	run_line(&o, HEALTHY, "display hrp foo\n", false, false);
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	assert_string_equal(o.out, "");
	assert_string_equal(o.err, "display hrp foo\n"
				   "            ^\n"
				   "Error: Unrecognized command found at '^' position.\n");
	assert_int_equal(o.fake.ncalls, 0);
	outcome_free(&o);

	/* at a terminal the line is already on screen after the 5-column prompt */
	run_line(&o, HEALTHY, "dis hrp", false, true);
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	assert_string_equal(o.err, "            ^\n"
				   "Error: Incomplete command found at '^' position.\n");
	outcome_free(&o);
}

static void test_json_errors(void **state)
{
	struct outcome o;
	json_t *v, *e;

	run_line(&o, HEALTHY, "dis v", true, false);
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	assert_string_equal(o.err, "");
	v = json_loads(o.out, 0, NULL);
	e = rj_obj(v, "error");
	assert_non_null(e);
	assert_string_equal(rj_str(e, "code", ""), "ambiguous-command");
	assert_string_equal(rj_str(e, "message", ""), "Ambiguous command found at '^' position.");
	assert_int_equal(rj_int(e, "position", -1), 4);
	json_decref(v);
	outcome_free(&o);

	run_line(&o, NULL, 0, "display vrrp", true, false);
	assert_int_equal(o.rc, CLI_EXIT_UNREACHABLE);
	v = json_loads(o.out, 0, NULL);
	e = rj_obj(v, "error");
	assert_string_equal(rj_str(e, "code", ""), "unreachable");
	assert_string_equal(rj_str(e, "daemon", ""), "vrrpd");
	assert_string_equal(
		rj_str(e, "message", ""),
		"cannot reach vrrpd at /run/hs-test/vrrpd.sock: No such file or directory");
	json_decref(v);
	outcome_free(&o);

	/* a line that is not UTF-8 still gets its JSON error, the odd byte as '?' */
	run_line(&o, HEALTHY, "dis vrrp \xe9", true, false);
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	v = json_loads(o.out, 0, NULL);
	e = rj_obj(v, "error");
	assert_string_equal(rj_str(e, "code", ""), "wrong-parameter");
	assert_string_equal(rj_str(e, "command", ""), "dis vrrp ?");
	assert_int_equal(rj_int(e, "position", -1), 9);
	json_decref(v);
	outcome_free(&o);

	run_line(&o, HEALTHY, "undo hrp enable", true, false);
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	v = json_loads(o.out, 0, NULL);
	e = rj_obj(v, "error");
	assert_string_equal(rj_str(e, "code", ""), "failed");
	assert_string_equal(rj_str(e, "message", ""), "HRP is busy syncing.");
	json_decref(v);
	outcome_free(&o);
}

static void test_exit_codes(void **state)
{
	static const struct fake_answer no_vgmpd[] = {
		{ .daemon = "hrpd", .cmd = "status", .result = hrpd_status },
	};
	struct outcome o;

	/* one of the two daemons is down: nothing is shown but the reason */
	run_line(&o, no_vgmpd, 1, "display hrp state", false, false);
	assert_int_equal(o.rc, CLI_EXIT_UNREACHABLE);
	assert_string_equal(o.out, "");
	assert_string_equal(o.err, "Error: cannot reach vgmpd at /run/hs-test/vgmpd.sock: No such "
				   "file or directory\n");
	outcome_free(&o);

	run_line(&o, HEALTHY, "undo hrp enable", false, false);
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	assert_string_equal(o.err, "Error: HRP is busy syncing.\n");
	outcome_free(&o);

	/* config commands are silent on success, and say what they did with --json */
	run_line(&o, HEALTHY, "hrp enable", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.out, "");
	assert_string_equal(o.fake.calls[0], "hrpd hrp-enable");
	outcome_free(&o);
	run_line(&o, HEALTHY, "hrp enable", true, false);
	assert_string_equal(o.out, "{\n  \"enabled\": true\n}\n");
	outcome_free(&o);

	/* empty lines do nothing */
	run_line(&o, HEALTHY, "   \n", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.out, "");
	assert_string_equal(o.err, "");
	outcome_free(&o);
}

/* display version shows what it can reach, then fails with the reason. */
static void test_version(void **state)
{
	struct outcome o;
	json_t *v;

	run_line(&o, HEALTHY, "display version", false, false);
	assert_int_equal(o.rc, CLI_EXIT_UNREACHABLE);
	assert_non_null(strstr(o.out, " vrrpd  : 0.1.0 (VRRP v2 v3)\n"
				      " vgmpd  : not reachable\n"
				      " hrpd   : 0.1.0 (HRP 1.0)\n"));
	assert_string_equal(o.err, "Error: cannot reach vgmpd at /run/hs-test/vgmpd.sock: No such "
				   "file or directory\n");
	outcome_free(&o);

	run_line(&o, HEALTHY, "display version", true, false);
	v = json_loads(o.out, 0, NULL);
	assert_non_null(v);
	assert_int_equal(json_array_size(rj_arr(v, "daemons")), 3);
	assert_string_equal(rj_str(rj_obj(v, "error"), "daemon", ""), "vgmpd");
	json_decref(v);
	outcome_free(&o);
}

static void test_help_and_question_mark(void **state)
{
	struct outcome o;

	run_line(&o, HEALTHY, "?", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_non_null(strstr(
		o.out, "  display hrp state                              Display the hot standby "
		       "state\n"));
	assert_non_null(strstr(o.out, "  undo hrp enable                                Disable "
				      "hot standby\n"));
	assert_non_null(strstr(o.out, "  hrp sync connection-status                     Send the "
				      "session table to the peer now, or ask the peer for its "
				      "table\n"));
	outcome_free(&o);

	run_line(&o, HEALTHY, "display hrp ?", false, false);
	assert_int_equal(o.rc, CLI_EXIT_OK);
	assert_string_equal(o.out,
			    "  config      Configuration\n"
			    "  interface   Display the heartbeat interfaces and their state\n"
			    "  session     Session sync (connection status)\n"
			    "  state       Display the hot standby state\n"
			    "  statistics  Display the HRP message counters, drops by reason, "
			    "authentication failures\n");
	outcome_free(&o);

	run_line(&o, HEALTHY, "dis vr?", false, false);
	assert_string_equal(o.out, "  vrrp  Display the VRRP groups\n");
	outcome_free(&o);

	run_line(&o, HEALTHY, "display foo ?", false, false);
	assert_int_equal(o.rc, CLI_EXIT_COMMAND);
	assert_string_equal(o.err, "display foo ?\n"
				   "        ^\n"
				   "Error: Unrecognized command found at '^' position.\n");
	outcome_free(&o);
}

static void test_help_marks_synced(void **state)
{
	struct cli_match m = { .cmd = &private_rows[0] };
	struct cli_view_in in = { .match = &m, .table = &private_table };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	json_t *v = NULL;

	assert_int_equal(view_help(&in, &v), 0);
	render_help(v, out);
	fclose(out);
	/* the longest pattern (43 columns) sets the help column */
	assert_non_null(strstr(text, "  hrp preempt [delay <delay:1-3600>]           "
				     "Enable preemption (+B)\n"));
	assert_non_null(
		strstr(text, "  hrp sync                                     Back up now\n"));
	assert_true(
		json_is_true(json_object_get(json_array_get(rj_arr(v, "commands"), 3), "synced")));
	json_decref(v);
	free(text);
}

static void test_quit(void **state)
{
	FILE *null = fopen("/dev/null", "w");
	struct cli_session s = { .grammar = &real, .ops = &fake_ops, .out = null, .err = null };

	assert_non_null(null);
	assert_int_equal(cli_exec_line(&s, "display hrp"), CLI_EXIT_COMMAND);
	assert_false(s.quit);
	assert_int_equal(cli_exec_line(&s, "qu"), CLI_EXIT_OK);
	assert_true(s.quit);
	fclose(null);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_abbreviation),
		cmocka_unit_test(test_ambiguous),
		cmocka_unit_test(test_unrecognized),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_integer_param),
		cmocka_unit_test(test_ifname_param),
		cmocka_unit_test(test_ipaddr_and_string_params),
		cmocka_unit_test(test_alternatives),
		cmocka_unit_test(test_tokenizer),
		cmocka_unit_test(test_error_words),
		cmocka_unit_test(test_bad_patterns),
		cmocka_unit_test(test_choices),
		cmocka_unit_test(test_every_keyword_has_help),
		cmocka_unit_test(test_complete),
		cmocka_unit_test(test_render_hrp_state),
		cmocka_unit_test(test_render_hrp_state_verbose),
		cmocka_unit_test(test_render_hrp_state_fallbacks),
		cmocka_unit_test(test_json_hrp_state),
		cmocka_unit_test(test_caret),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_help_and_question_mark),
		cmocka_unit_test(test_help_marks_synced),
		cmocka_unit_test(test_quit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
