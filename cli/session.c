/* Session loops. The terminal one uses libedit: '?' is bound to list what may follow the text
 * before the cursor, Tab to complete the word under it; both ask the pure parser. Its prompt
 * shows the config role, asked of vgmpd before each line (a switchover changes it). */
#include <histedit.h>
#include <stdlib.h>
#include <string.h>

#include "role.h"
#include "session.h"

int cli_run_stream(struct cli_session *s, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	int worst = CLI_EXIT_OK;

	s->interactive = false;
	while (!s->quit && getline(&line, &cap, in) >= 0) {
		int rc = cli_exec_line(s, line);
		worst = rc > worst ? rc : worst;
	}
	free(line);
	return worst;
}

struct terminal {
	struct cli_session *s;
	const char *name;
	char prompt[96];
};

static void update_prompt(struct terminal *t)
{
	t->s->prompt_len =
		cli_prompt_format(t->prompt, sizeof(t->prompt), cli_role_query(t->s), t->name);
}

static struct terminal *terminal_of(EditLine *el)
{
	void *t = NULL;

	el_get(el, EL_CLIENTDATA, &t);
	return t;
}

static char *prompt_of(EditLine *el)
{
	return terminal_of(el)->prompt;
}

/* The text from the start of the line to the cursor. */
static void text_before_cursor(EditLine *el, char *buf, size_t len)
{
	const LineInfo *li = el_line(el);
	size_t n = (size_t)(li->cursor - li->buffer);

	snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), li->buffer);
}

static unsigned char help_key(EditLine *el, int ch)
{
	struct terminal *t = terminal_of(el);
	char text[CLI_LINE_MAX + 2];

	text_before_cursor(el, text, sizeof(text) - 1);
	strcat(text, "?");
	fputs("?\n", stdout);
	cli_exec_line(t->s, text);
	fflush(stdout);
	return CC_REDISPLAY;
}

static unsigned char complete_key(EditLine *el, int ch)
{
	struct terminal *t = terminal_of(el);
	char text[CLI_LINE_MAX + 2], add[CLI_WORD_MAX + 2];
	size_t len;
	int n;

	text_before_cursor(el, text, sizeof(text) - 1);
	n = cli_complete(t->s->grammar, text, add, sizeof(add));
	if (n > 0)
		return el_insertstr(el, add) == 0 ? CC_REFRESH : CC_REFRESH_BEEP;
	len = strlen(text);
	if (len == 0 || text[len - 1] == ' ')
		return CC_REFRESH_BEEP;
	/* several words fit and share no longer prefix: show them, as '?' would */
	strcat(text, "?");
	fputc('\n', stdout);
	cli_exec_line(t->s, text);
	fflush(stdout);
	return CC_REDISPLAY;
}

static EditLine *terminal_open(struct terminal *t, History *h)
{
	EditLine *el = el_init("hrpctl", stdin, stdout, stderr);

	if (!el)
		return NULL;
	el_set(el, EL_CLIENTDATA, t);
	el_set(el, EL_PROMPT, prompt_of);
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_SIGNAL, 1);
	el_set(el, EL_HIST, history, h);
	el_set(el, EL_ADDFN, "hs-help", "List what may follow", help_key);
	el_set(el, EL_BIND, "?", "hs-help", NULL);
	el_set(el, EL_ADDFN, "hs-complete", "Complete the word", complete_key);
	el_set(el, EL_BIND, "^I", "hs-complete", NULL);
	el_source(el, NULL); /* ~/.editrc, if any */
	return el;
}

int cli_run_terminal(struct cli_session *s, const char *name)
{
	struct terminal t = { .s = s, .name = name };
	History *h = history_init();
	HistEvent ev;
	EditLine *el;
	const char *line;
	int count;

	if (!h)
		return CLI_EXIT_COMMAND;
	history(h, &ev, H_SETSIZE, 500);
	history(h, &ev, H_SETUNIQUE, 1);
	el = terminal_open(&t, h);
	if (!el) {
		history_end(h);
		return CLI_EXIT_COMMAND;
	}
	s->interactive = true;
	update_prompt(&t);
	while (!s->quit && (line = el_gets(el, &count)) != NULL) {
		if (strspn(line, " \t\r\n") < strlen(line))
			history(h, &ev, H_ENTER, line);
		cli_exec_line(s, line);
		update_prompt(&t);
	}
	if (!s->quit)
		fputc('\n', stdout);
	el_end(el);
	history_end(h);
	return CLI_EXIT_OK;
}
