/* hrpctl(8) against hrpctl's command table: the page's COMMANDS section names a command in the
 * heading of its entry (".TP", then ".B display vgmp" or ".BR \"hrp enable\" \", \" ..."), in
 * the pattern syntax the table uses, italics standing for a parameter. Every line a heading
 * names (its [optional] parts, {choices} and ", "-separated commands expanded) must be a line
 * some row of cli/commands.c takes, word for word, and every line a row takes must be named on
 * the page. A new, renamed or removed command fails here until the page says so. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli_parse.h"
#include "commands.h"

#define LINES_MAX   512
#define LINE_LEN    160
#define HEADING_LEN 512

/* One command line, parameters written as "1", and where it came from. */
struct cmd_line {
	char text[LINE_LEN];
	char from[LINE_LEN];
};

struct line_set {
	struct cmd_line line[LINES_MAX];
	size_t n;
	int overflow;
};

static struct line_set page, table;
static int failures;

static void add_line(struct line_set *set, const char *text, const char *from)
{
	if (set->n == LINES_MAX) {
		set->overflow++;
		return;
	}
	snprintf(set->line[set->n].text, LINE_LEN, "%s", text);
	snprintf(set->line[set->n].from, LINE_LEN, "%s", from);
	set->n++;
}

static bool has_line(const struct line_set *set, const char *text)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->line[i].text, text) == 0)
			return true;
	return false;
}

/* Every line the rule takes from element i on, after the words already in buf. */
static void expand(const struct cli_rule *r, uint8_t i, char *buf, size_t used,
		   struct line_set *set, const char *from)
{
	if (i == r->n) {
		add_line(set, buf, from);
		return;
	}
	const struct cli_elem *e = &r->elem[i];
	if (e->skip)
		expand(r, e->skip, buf, used, set, from);
	for (uint8_t a = 0; a < (e->kind == CLI_ELEM_KEYWORD ? e->n_alts : 1); a++) {
		int n = e->kind == CLI_ELEM_KEYWORD
				? snprintf(buf + used, LINE_LEN - used, "%s%.*s", used ? " " : "",
					   e->alt[a].len, e->alt[a].s)
				: snprintf(buf + used, LINE_LEN - used, "%s1", used ? " " : "");
		assert_true(n > 0 && used + (size_t)n < LINE_LEN);
		expand(r, (uint8_t)(i + 1), buf, used + (size_t)n, set, from);
		buf[used] = '\0';
	}
}

static void expand_pattern(const char *pattern, struct line_set *set, const char *from)
{
	struct cli_rule rule;
	char why[128], buf[LINE_LEN] = "";
	if (cli_pattern_compile(pattern, &rule, why, sizeof(why)) < 0) {
		print_error("%s: \"%s\" is not a command pattern: %s\n", from, pattern, why);
		failures++;
		return;
	}
	expand(&rule, 0, buf, 0, set, from);
}

/* ---- the page: roff to pattern text ---- */

struct out_text {
	char *s;
	size_t len, used;
	bool in_italic; /* "<STRING>" already written for the italic run going on */
};

static void put(struct out_text *o, char c)
{
	if (o->used + 1 < o->len) {
		o->s[o->used++] = c;
		o->s[o->used] = '\0';
	}
}

static void put_str(struct out_text *o, const char *s)
{
	while (*s)
		put(o, *s++);
}

/* One macro argument in font ('B', 'I' or 'R'), its inline \fX escapes switching font. */
static void put_arg(struct out_text *o, const char *arg, size_t len, char font)
{
	for (size_t i = 0; i < len; i++) {
		if (arg[i] == '\\' && i + 2 < len && arg[i + 1] == 'f') {
			font = arg[i + 2] == 'P' ? 'R' : arg[i + 2];
			i += 2;
			continue;
		}
		char c = arg[i];
		if (c == '\\' && i + 1 < len) {
			c = arg[++i];
			if (c == '&')
				continue;
		}
		if (font == 'I') {
			if (!o->in_italic)
				put_str(o, "<STRING>");
			o->in_italic = true;
			continue;
		}
		o->in_italic = false;
		put(o, c);
	}
}

/* ".B ", ".BR ", ...: the font macro the line starts with, or NULL. */
static const char *font_macro(const char *line)
{
	static const char *const macros[] = { ".B ",  ".I ",  ".BR ", ".RB ", ".IR ",
					      ".RI ", ".BI ", ".IB ", NULL };
	for (size_t m = 0; macros[m]; m++)
		if (strncmp(line, macros[m], strlen(macros[m])) == 0)
			return macros[m];
	return NULL;
}

/* A font macro's line (".B a b", ".BR \"x y\" z", ...) as text, appended to o. */
static bool put_macro(struct out_text *o, const char *line)
{
	const char *name = font_macro(line);
	if (!name)
		return false;
	if (o->used)
		put(o, ' ');
	bool alternate = strlen(name) == 4;
	const char *p = line + strlen(name);
	for (size_t argi = 0;; argi++) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		const char *start = p;
		if (*p == '"') {
			start = ++p;
			while (*p && *p != '"')
				p++;
		} else {
			while (*p && (*p != ' ' || p[-1] == '\\'))
				p++;
		}
		char font = name[1 + (alternate ? argi % 2 : 0)];
		if (!alternate && argi > 0)
			put(o, ' ');
		o->in_italic = false;
		put_arg(o, start, (size_t)(p - start), font);
		if (*p == '"')
			p++;
	}
	return true;
}

/* Splits a heading at its top-level ", " into patterns, and expands each into page. */
static void add_heading(const char *heading, int lineno)
{
	char from[LINE_LEN], piece[HEADING_LEN];
	int depth = 0;
	size_t n = 0;
	snprintf(from, sizeof(from), "hrpctl.8.in:%d", lineno);
	for (const char *p = heading;; p++) {
		if (*p == '[' || *p == '{')
			depth++;
		else if ((*p == ']' || *p == '}') && depth > 0)
			depth--;
		if (*p && (*p != ',' || depth > 0)) {
			if (n + 1 < sizeof(piece))
				piece[n++] = *p;
			continue;
		}
		piece[n] = '\0';
		char *s = piece;
		while (*s == ' ')
			s++;
		for (size_t end = strlen(s); end > 0 && s[end - 1] == ' ';)
			s[--end] = '\0';
		if (*s)
			expand_pattern(s, &page, from);
		n = 0;
		if (!*p)
			break;
	}
}

/* The headings of the COMMANDS section: the macro lines after ".SH COMMANDS" and after each
 * ".TP", up to the entry's first line of text. */
static void load_page(void)
{
	char path[512], line[1024], heading[HEADING_LEN];
	snprintf(path, sizeof(path), "%s/doc/man/hrpctl.8.in", HS_TOP_SRCDIR);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	bool in_commands = false, in_heading = false;
	int lineno = 0, heading_line = 0;
	struct out_text o = { .s = heading, .len = sizeof(heading) };
	page.n = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, ".SH", 3) == 0 && in_commands)
			break;
		if (in_heading && put_macro(&o, line))
			continue;
		if (in_heading && o.used)
			add_heading(heading, heading_line);
		in_heading = false;
		if (strcmp(line, ".SH COMMANDS") == 0 ||
		    (in_commands && strcmp(line, ".TP") == 0)) {
			in_commands = in_heading = true;
			heading_line = lineno + 1;
			o.used = 0;
			heading[0] = '\0';
		}
	}
	fclose(f);
	assert_true(in_commands);
	assert_int_equal(page.overflow, 0);
}

static void load_table(void)
{
	table.n = 0;
	for (size_t i = 0; i < cli_commands.n_rows; i++)
		expand_pattern(cli_commands.rows[i].pattern, &table, cli_commands.rows[i].pattern);
	assert_int_equal(table.overflow, 0);
}

/* ---- the checks ---- */

static void test_every_command_is_on_the_page(void **state)
{
	(void)state;
	failures = 0;
	load_page();
	load_table();
	assert_true(table.n >= cli_commands.n_rows);
	for (size_t i = 0; i < table.n; i++) {
		if (has_line(&page, table.line[i].text))
			continue;
		print_error("\"%s\" (command \"%s\"): not named in the COMMANDS section of "
			    "doc/man/hrpctl.8.in\n",
			    table.line[i].text, table.line[i].from);
		failures++;
	}
	assert_int_equal(failures, 0);
}

static void test_page_names_no_other_command(void **state)
{
	(void)state;
	failures = 0;
	load_page();
	load_table();
	assert_true(page.n > 0);
	for (size_t i = 0; i < page.n; i++) {
		if (has_line(&table, page.line[i].text))
			continue;
		print_error("\"%s\" (%s): hrpctl has no such command\n", page.line[i].text,
			    page.line[i].from);
		failures++;
	}
	assert_int_equal(failures, 0);
}

/* The expansion the checks rely on: optional groups, choices and parameters. */
static void test_expansion(void **state)
{
	(void)state;
	struct line_set *set = calloc(1, sizeof(*set));
	assert_non_null(set);
	failures = 0;
	expand_pattern("hrp auto-sync [config | connection-status]", set, "t");
	expand_pattern("hot-restart daemon {vrrpd|hrpd} [exe <path:STRING>]", set, "t");
	assert_int_equal(failures, 0);
	assert_int_equal(set->n, 3 + 4);
	assert_true(has_line(set, "hrp auto-sync"));
	assert_true(has_line(set, "hrp auto-sync connection-status"));
	assert_true(has_line(set, "hot-restart daemon hrpd exe 1"));
	assert_true(has_line(set, "hot-restart daemon vrrpd"));
	assert_false(has_line(set, "hot-restart daemon"));

	char text[HEADING_LEN] = "";
	struct out_text o = { .s = text, .len = sizeof(text) };
	assert_true(put_macro(&o, ".BR \"hrp preempt \" [ delay\\ \\fIseconds\\fR \"], \" "
				  "\"undo hrp preempt\""));
	assert_string_equal(text, "hrp preempt [delay <STRING>], undo hrp preempt");
	o.used = 0;
	assert_true(put_macro(&o, ".B display hrp state \\fR[\\fBverbose\\fR]"));
	assert_string_equal(text, "display hrp state [verbose]");
	assert_false(put_macro(&o, "Plain text"));
	free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expansion),
		cmocka_unit_test(test_every_command_is_on_the_page),
		cmocka_unit_test(test_page_names_no_other_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
