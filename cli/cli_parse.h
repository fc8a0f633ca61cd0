/* The command-line parser of hrpctl, pure: no I/O, no daemon, no terminal.
 *
 * A line is split into tokens (blanks separate them, double quotes keep blanks inside one), then
 * matched against every row of a command table at once. A row's pattern is a list of words:
 *     display hrp state [verbose]        keywords, and an optional group in brackets
 *     hrp auto-sync [config|connection-status]   optional alternative keywords
 *     {enable|disable}                  required alternative keywords
 *     hrp preempt [delay <delay:1-3600>] typed parameters, optionally named
 *     hrp track interface <IFNAME>       <lo-hi> INTEGER, <IFNAME>, <IPADDR>, <STRING>
 * Keywords are case-insensitive and may be shortened to any prefix that is unique among the
 * keywords possible at that position (`dis hrp st`). An exact keyword beats a longer one with the
 * same prefix. A token that matches no keyword is tried as a parameter.
 *
 * Errors carry the token and column to put the caret under, and Huawei's wording. */
#ifndef HS_CLI_PARSE_H
#define HS_CLI_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli_command.h"

#define CLI_LINE_MAX   510 /* as on the appliance */
#define CLI_TOKENS_MAX 32
#define CLI_ELEMS_MAX  24 /* elements of one pattern */
#define CLI_ALTS_MAX   8  /* alternative keywords of one element */
#define CLI_STRING_MAX 255
#define CLI_WORD_MAX   48 /* a choice's display form */
#define CLI_HELP_MAX   160

enum cli_error_kind {
	CLI_OK,
	CLI_E_UNRECOGNIZED,
	CLI_E_INCOMPLETE,
	CLI_E_AMBIGUOUS,
	CLI_E_TOO_MANY,
	CLI_E_WRONG_PARAM,
	CLI_E_MAX,
};

struct cli_error {
	enum cli_error_kind kind;
	size_t token; /* index of the offending token (== count for "incomplete") */
	size_t col;   /* column in the line to put the caret under */
};

/* "Error: Unrecognized command found at '^' position." */
const char *cli_error_message(enum cli_error_kind kind);
/* Stable code for JSON errors: "unrecognized-command", ... */
const char *cli_error_code(enum cli_error_kind kind);

struct cli_tokens {
	char buf[CLI_LINE_MAX + 1]; /* the tokens, NUL-separated, quotes removed */
	size_t count;
	uint16_t off[CLI_TOKENS_MAX]; /* where each token starts in buf */
	uint16_t col[CLI_TOKENS_MAX]; /* where each token starts in the line */
	size_t end;                   /* column just past the last token */
	bool open; /* the line ends inside the last token (no blank after it): for ? and Tab */
};

/* Returns 0, or -EINVAL with err set (a line too long, too many tokens, an open quote). */
int cli_tokenize(const char *line, struct cli_tokens *out, struct cli_error *err);

static inline const char *cli_token(const struct cli_tokens *t, size_t i)
{
	return t->buf + t->off[i];
}

enum cli_elem_kind {
	CLI_ELEM_KEYWORD,
	CLI_ELEM_INTEGER,
	CLI_ELEM_IFNAME,
	CLI_ELEM_IPADDR,
	CLI_ELEM_STRING,
	CLI_ELEM_MAX,
};

struct cli_span {
	const char *s; /* into the pattern, not NUL-terminated */
	uint8_t len;
};

struct cli_elem {
	enum cli_elem_kind kind;
	uint8_t n_alts;
	struct cli_span alt[CLI_ALTS_MAX]; /* keywords */
	struct cli_span name; /* parameters: "<delay:1-3600>" -> delay, else the type */
	long min, max;        /* INTEGER range; length range for the others */
	uint8_t skip; /* > 0: an optional group starts here and this is the element after it */
};

struct cli_rule {
	const struct cli_command *cmd;
	uint8_t n;
	struct cli_elem elem[CLI_ELEMS_MAX];
};

struct cli_grammar {
	const struct cli_table *table;
	size_t n;
	struct cli_rule *rules;
};

/* Compiles one pattern. Returns 0, or -EINVAL with why in err. */
int cli_pattern_compile(const char *pattern, struct cli_rule *out, char *err, size_t errlen);
/* Compiles every row of a table; a bad pattern is reported with its row. Returns 0 or -errno. */
int cli_grammar_init(struct cli_grammar *g, const struct cli_table *table, char *err,
		     size_t errlen);
void cli_grammar_clear(struct cli_grammar *g);

/* Checks a token against a parameter element: 0, or -EINVAL (a wrong parameter). */
int cli_param_check(const struct cli_elem *e, const char *token);
/* "INTEGER<1-3600>", "IFNAME<1-15>", ... */
void cli_param_form(const struct cli_elem *e, char *buf, size_t len);
const char *cli_param_help(enum cli_elem_kind kind);

struct cli_match_word {
	enum cli_elem_kind kind;
	struct cli_span keyword; /* the whole keyword when kind is KEYWORD */
	struct cli_span name;    /* the parameter's name otherwise */
};

struct cli_match {
	const struct cli_command *cmd;
	struct cli_tokens tokens;
	struct cli_match_word word[CLI_TOKENS_MAX];
};

/* Matches the tokens against the grammar. Returns 0 with *m filled, or -EINVAL with err set.
 * An empty line is CLI_E_INCOMPLETE at column 0. */
int cli_parse(const struct cli_grammar *g, const struct cli_tokens *t, struct cli_match *m,
	      struct cli_error *err);
/* Tokenises and parses one line. */
int cli_parse_line(const struct cli_grammar *g, const char *line, struct cli_match *m,
		   struct cli_error *err);

/* A keyword given in the line, by its full name ("verbose"). */
bool cli_match_has(const struct cli_match *m, const char *keyword);
/* A parameter's text by name, or NULL when the line has none. */
const char *cli_match_param(const struct cli_match *m, const char *name);
/* Returns 0 with *out, or -ENOENT. */
int cli_match_int(const struct cli_match *m, const char *name, long *out);

struct cli_choice {
	char word[CLI_WORD_MAX]; /* a keyword, a parameter form, or "<cr>" */
	char help[CLI_HELP_MAX];
	bool keyword;
};

#define CLI_CHOICES_MAX 64

/* What may come next: the text is the line up to the cursor. When it ends inside a word, the
 * keywords that word may abbreviate; otherwise every keyword and parameter possible after the
 * last word, and "<cr>" when the command is complete there. Keywords are sorted, then
 * parameters, then <cr>. Returns the number of choices (some beyond max may be left out), or
 * -EINVAL with err set when the words before fail to parse. */
int cli_choices(const struct cli_grammar *g, const char *line, struct cli_choice *out, size_t max,
		struct cli_error *err);

/* Tab: the text to insert at the end of line to complete its last word (with a blank after a
 * unique keyword), or to extend it to the longest common prefix. Returns the length written to
 * buf (0: nothing to add), or -EINVAL. */
int cli_complete(const struct cli_grammar *g, const char *line, char *buf, size_t len);

#endif
