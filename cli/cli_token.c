/* Splitting a command line into tokens, and the parser's error words. */
#include <errno.h>
#include <string.h>

#include "cli_parse.h"
#include "json_text.h"

static const char *const error_messages[CLI_E_MAX] = {
	[CLI_OK] = "",
	[CLI_E_UNRECOGNIZED] = "Error: Unrecognized command found at '^' position.",
	[CLI_E_INCOMPLETE] = "Error: Incomplete command found at '^' position.",
	[CLI_E_AMBIGUOUS] = "Error: Ambiguous command found at '^' position.",
	[CLI_E_TOO_MANY] = "Error: Too many parameters found at '^' position.",
	[CLI_E_WRONG_PARAM] = "Error: Wrong parameter found at '^' position.",
};

static const char *const error_codes[CLI_E_MAX] = {
	[CLI_OK] = "ok",
	[CLI_E_UNRECOGNIZED] = "unrecognized-command",
	[CLI_E_INCOMPLETE] = "incomplete-command",
	[CLI_E_AMBIGUOUS] = "ambiguous-command",
	[CLI_E_TOO_MANY] = "too-many-parameters",
	[CLI_E_WRONG_PARAM] = "wrong-parameter",
};

const char *cli_error_message(enum cli_error_kind kind)
{
	return (unsigned)kind < CLI_E_MAX ? error_messages[kind] : "Error: Unknown error.";
}

const char *cli_error_code(enum cli_error_kind kind)
{
	return (unsigned)kind < CLI_E_MAX ? error_codes[kind] : "unknown";
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int fail(struct cli_error *err, enum cli_error_kind kind, size_t token, size_t col)
{
	if (err) {
		err->kind = kind;
		err->token = token;
		err->col = col;
	}
	return -EINVAL;
}

int cli_tokenize(const char *line, struct cli_tokens *out, struct cli_error *err)
{
	size_t len = strlen(line), i = 0, w = 0;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len > CLI_LINE_MAX)
		return fail(err, CLI_E_TOO_MANY, 0, CLI_LINE_MAX);

	memset(out, 0, sizeof(*out));
	for (;;) {
		while (i < len && is_blank(line[i]))
			i++;
		if (i == len)
			break;
		if (out->count == CLI_TOKENS_MAX)
			return fail(err, CLI_E_TOO_MANY, out->count, i);
		out->off[out->count] = (uint16_t)w;
		out->col[out->count] = (uint16_t)i;
		while (i < len && !is_blank(line[i])) {
			if (line[i] != '"') {
				out->buf[w++] = line[i++];
				continue;
			}
			size_t quote = i++;
			while (i < len && line[i] != '"') {
				/* \" and \\ in quotes: a quote or a backslash of the word's own */
				if (line[i] == '\\' && i + 1 < len &&
				    (line[i + 1] == '"' || line[i + 1] == '\\'))
					i++;
				out->buf[w++] = line[i++];
			}
			if (i == len)
				return fail(err, CLI_E_WRONG_PARAM, out->count, quote);
			i++;
		}
		/* Tokens travel to the daemons in JSON, which takes only UTF-8. */
		const char *tok = out->buf + out->off[out->count];
		if (!hs_text_is_utf8(tok, (size_t)(out->buf + w - tok)))
			return fail(err, CLI_E_WRONG_PARAM, out->count, out->col[out->count]);
		out->buf[w++] = '\0';
		out->count++;
		out->end = i;
	}
	out->open = out->count > 0 && out->end == len;
	if (err)
		err->kind = CLI_OK;
	return 0;
}
