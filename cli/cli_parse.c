/* Matching tokens against every command pattern at once.
 *
 * Each rule keeps the set of its elements the next token may match (a bit per element; bit n
 * means "the command may end here"). A token is resolved once for all rules, in this order:
 *   1. a keyword equal to it (case-insensitive) anywhere among the possible keywords;
 *   2. the only keyword it is a prefix of; two or more different ones: the table's preferred
 *      keyword among them if there is exactly one (state over statistics), else ambiguous;
 *   3. otherwise a parameter: the rules whose possible parameters accept it go on; if some rule
 *      had a parameter there and none accepts it: wrong parameter;
 *   4. otherwise: unrecognized if some rule expected more words, too many parameters if every
 *      living rule was already complete.
 * When the tokens run out, the first rule (table order) that may end there is the command; if
 * none, the command is incomplete. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_parse.h"

typedef uint32_t pos_set; /* CLI_ELEMS_MAX + 1 bits */

/* How one token was taken: as this keyword, or as a parameter. */
struct decision {
	bool keyword;
	struct cli_span kw;
};

static bool has(pos_set s, unsigned i)
{
	return (s >> i) & 1u;
}

static pos_set closure(const struct cli_rule *r, pos_set s)
{
	for (unsigned i = 0; i < r->n; i++)
		if (has(s, i) && r->elem[i].skip)
			s |= 1u << r->elem[i].skip;
	return s;
}

static bool span_eq(struct cli_span a, struct cli_span b)
{
	return a.len == b.len && !strncasecmp(a.s, b.s, a.len);
}

static bool elem_has_keyword(const struct cli_elem *e, struct cli_span kw)
{
	if (e->kind != CLI_ELEM_KEYWORD)
		return false;
	for (unsigned a = 0; a < e->n_alts; a++)
		if (span_eq(e->alt[a], kw))
			return true;
	return false;
}

static bool elem_takes(const struct cli_elem *e, const struct decision *d, const char *tok)
{
	if (d->keyword)
		return elem_has_keyword(e, d->kw);
	return e->kind != CLI_ELEM_KEYWORD && cli_param_check(e, tok) == 0;
}

static pos_set advance(const struct cli_rule *r, pos_set before, const struct decision *d,
		       const char *tok)
{
	pos_set next = 0;

	for (unsigned i = 0; i < r->n; i++)
		if (has(before, i) && elem_takes(&r->elem[i], d, tok))
			next |= 1u << (i + 1);
	return closure(r, next);
}

static int set_error(struct cli_error *err, enum cli_error_kind kind, size_t token, size_t col)
{
	if (err) {
		err->kind = kind;
		err->token = token;
		err->col = col;
	}
	return -EINVAL;
}

static bool preferred(const struct cli_grammar *g, struct cli_span kw)
{
	for (const char *const *p = g->table->preferred; p && *p; p++)
		if (strlen(*p) == kw.len && strncasecmp(*p, kw.s, kw.len) == 0)
			return true;
	return false;
}

/* Steps 1, 2 and 4 of the header comment; step 3 is decided by the caller. */
static enum cli_error_kind resolve(const struct cli_grammar *g, const pos_set *sets,
				   const char *tok, struct decision *d)
{
	size_t tlen = strlen(tok);
	struct cli_span prefix = { 0 }, pref = { 0 };
	bool ambiguous = false, any_elem = false, any_param = false, two_pref = false;

	for (size_t r = 0; r < g->n; r++) {
		const struct cli_rule *rule = &g->rules[r];
		for (unsigned i = 0; i < rule->n; i++) {
			const struct cli_elem *e = &rule->elem[i];
			if (!has(sets[r], i))
				continue;
			any_elem = true;
			if (e->kind != CLI_ELEM_KEYWORD) {
				any_param = true;
				continue;
			}
			for (unsigned a = 0; a < e->n_alts; a++) {
				struct cli_span alt = e->alt[a];
				if (tlen > alt.len || strncasecmp(tok, alt.s, tlen))
					continue;
				if (tlen == alt.len) {
					*d = (struct decision){ .keyword = true, .kw = alt };
					return CLI_OK;
				}
				if (!prefix.s)
					prefix = alt;
				else if (!span_eq(prefix, alt))
					ambiguous = true;
				if (preferred(g, alt)) {
					two_pref |= pref.s && !span_eq(pref, alt);
					pref = alt;
				}
			}
		}
	}
	if (ambiguous && pref.s && !two_pref) {
		*d = (struct decision){ .keyword = true, .kw = pref };
		return CLI_OK;
	}
	if (ambiguous)
		return CLI_E_AMBIGUOUS;
	if (prefix.s) {
		*d = (struct decision){ .keyword = true, .kw = prefix };
		return CLI_OK;
	}
	if (any_param) {
		*d = (struct decision){ .keyword = false };
		return CLI_OK;
	}
	return any_elem ? CLI_E_UNRECOGNIZED : CLI_E_TOO_MANY;
}

/* Runs the first ntok tokens through every rule; sets[] ends with each rule's possible next
 * elements (0 for a dead rule). */
static int walk(const struct cli_grammar *g, const struct cli_tokens *t, size_t ntok, pos_set *sets,
		struct decision *dec, struct cli_error *err)
{
	for (size_t r = 0; r < g->n; r++)
		sets[r] = closure(&g->rules[r], 1u);

	for (size_t k = 0; k < ntok; k++) {
		const char *tok = cli_token(t, k);
		enum cli_error_kind why = resolve(g, sets, tok, &dec[k]);
		bool alive = false;

		if (why != CLI_OK)
			return set_error(err, why, k, t->col[k]);
		for (size_t r = 0; r < g->n; r++) {
			if (sets[r])
				sets[r] = advance(&g->rules[r], sets[r], &dec[k], tok);
			alive = alive || sets[r];
		}
		if (!alive)
			return set_error(err, CLI_E_WRONG_PARAM, k, t->col[k]);
	}
	return 0;
}

/* Which element of the chosen rule each token matched: forward sets, then back from the end. */
static void fill_words(const struct cli_rule *r, const struct decision *dec, struct cli_match *m)
{
	const struct cli_tokens *t = &m->tokens;
	pos_set before[CLI_TOKENS_MAX], s = closure(r, 1u);
	unsigned target = r->n;

	for (size_t k = 0; k < t->count; k++) {
		before[k] = s;
		s = advance(r, s, &dec[k], cli_token(t, k));
	}
	for (size_t k = t->count; k-- > 0;) {
		unsigned i;
		for (i = 0; i < r->n; i++)
			if (has(before[k], i) &&
			    elem_takes(&r->elem[i], &dec[k], cli_token(t, k)) &&
			    has(closure(r, 1u << (i + 1)), target))
				break;
		if (i == r->n) /* cannot happen: the walk reached the end through some element */
			i = 0;
		m->word[k] =
			(struct cli_match_word){ .kind = r->elem[i].kind, .name = r->elem[i].name };
		if (dec[k].keyword)
			m->word[k].keyword = dec[k].kw;
		target = i;
	}
}

int cli_parse(const struct cli_grammar *g, const struct cli_tokens *t, struct cli_match *m,
	      struct cli_error *err)
{
	struct decision dec[CLI_TOKENS_MAX];
	pos_set *sets;
	size_t r;
	int rc;

	if (t->count == 0)
		return set_error(err, CLI_E_INCOMPLETE, 0, 0);
	sets = calloc(g->n ? g->n : 1, sizeof(*sets));
	if (!sets)
		return -ENOMEM;
	rc = walk(g, t, t->count, sets, dec, err);
	if (rc == 0) {
		for (r = 0; r < g->n; r++)
			if (has(sets[r], g->rules[r].n))
				break;
		if (r == g->n) {
			rc = set_error(err, CLI_E_INCOMPLETE, t->count, t->end);
		} else {
			memset(m, 0, sizeof(*m));
			m->cmd = g->rules[r].cmd;
			m->tokens = *t;
			fill_words(&g->rules[r], dec, m);
			if (err)
				err->kind = CLI_OK;
		}
	}
	free(sets);
	return rc;
}

int cli_parse_line(const struct cli_grammar *g, const char *line, struct cli_match *m,
		   struct cli_error *err)
{
	struct cli_tokens t;
	int rc = cli_tokenize(line, &t, err);

	return rc < 0 ? rc : cli_parse(g, &t, m, err);
}

static bool span_is(struct cli_span s, const char *str)
{
	return strlen(str) == s.len && !strncmp(s.s, str, s.len);
}

bool cli_match_has(const struct cli_match *m, const char *keyword)
{
	for (size_t k = 0; k < m->tokens.count; k++)
		if (m->word[k].kind == CLI_ELEM_KEYWORD && span_is(m->word[k].keyword, keyword))
			return true;
	return false;
}

const char *cli_match_param(const struct cli_match *m, const char *name)
{
	for (size_t k = 0; k < m->tokens.count; k++)
		if (m->word[k].kind != CLI_ELEM_KEYWORD && span_is(m->word[k].name, name))
			return cli_token(&m->tokens, k);
	return NULL;
}

int cli_match_int(const struct cli_match *m, const char *name, long *out)
{
	const char *v = cli_match_param(m, name);

	if (!v)
		return -ENOENT;
	*out = strtol(v, NULL, 10);
	return 0;
}

/* Help for a keyword or parameter at element i of rule r: the command's own help when the word
 * ends it there, else the table's word help, else the parameter type's. */
static void elem_help(const struct cli_grammar *g, const struct cli_rule *r, unsigned i,
		      struct cli_span word, char *buf, size_t len)
{
	const struct cli_table *tb = g->table;
	const struct cli_elem *e = &r->elem[i];
	bool param = e->kind != CLI_ELEM_KEYWORD;

	if (has(closure(r, 1u << (i + 1)), r->n)) {
		snprintf(buf, len, "%s%s", r->cmd->help ? r->cmd->help : "",
			 (r->cmd->flags & CLI_F_SYNCED) ? " (+B)" : "");
		return;
	}
	for (size_t w = 0; tb && w < tb->n_words; w++) {
		const char *key = tb->words[w].word;
		if (param ? (key[0] == '<' && strlen(key) == (size_t)word.len + 2 &&
			     !strncmp(key + 1, word.s, word.len) && key[word.len + 1] == '>')
			  : span_is(word, key)) {
			snprintf(buf, len, "%s", tb->words[w].help);
			return;
		}
	}
	snprintf(buf, len, "%s", param ? cli_param_help(e->kind) : "");
}

/* Adds a choice unless one with the same word is there; keeps the first help. */
static void add_choice(struct cli_choice *all, size_t *n, const char *word, size_t wlen,
		       bool keyword, const struct cli_grammar *g, const struct cli_rule *r,
		       unsigned i, struct cli_span help_key)
{
	char w[CLI_WORD_MAX];

	snprintf(w, sizeof(w), "%.*s", (int)wlen, word);
	for (size_t c = 0; c < *n; c++)
		if (!strcmp(all[c].word, w))
			return;
	if (*n == CLI_CHOICES_MAX)
		return;
	memcpy(all[*n].word, w, sizeof(w));
	all[*n].keyword = keyword;
	all[*n].help[0] = '\0';
	if (r)
		elem_help(g, r, i, help_key, all[*n].help, sizeof(all[*n].help));
	(*n)++;
}

static int choice_cmp(const void *a, const void *b)
{
	const struct cli_choice *x = a, *y = b;

	return strcmp(x->word, y->word);
}

/* Fills all[] with what may come next; *params tells whether a parameter was possible. */
static void collect(const struct cli_grammar *g, const pos_set *sets, const char *partial,
		    struct cli_choice *all, size_t *n, bool *params)
{
	size_t plen = partial ? strlen(partial) : 0;
	bool cr = false;

	for (size_t r = 0; r < g->n; r++) {
		const struct cli_rule *rule = &g->rules[r];
		for (unsigned i = 0; i < rule->n; i++) {
			const struct cli_elem *e = &rule->elem[i];
			char form[CLI_WORD_MAX];
			if (!has(sets[r], i))
				continue;
			if (e->kind != CLI_ELEM_KEYWORD) {
				*params = true;
				if (partial && cli_param_check(e, partial) < 0)
					continue;
				cli_param_form(e, form, sizeof(form));
				add_choice(all, n, form, strlen(form), false, g, rule, i, e->name);
				continue;
			}
			for (unsigned a = 0; a < e->n_alts; a++)
				if (plen <= e->alt[a].len &&
				    !strncasecmp(e->alt[a].s, partial ? partial : "", plen))
					add_choice(all, n, e->alt[a].s, e->alt[a].len, true, g,
						   rule, i, e->alt[a]);
		}
		cr = cr || (!partial && has(sets[r], rule->n));
	}
	/* keywords first and sorted, then parameters in table order */
	size_t k = 0;
	for (size_t c = 0; c < *n; c++)
		if (all[c].keyword) {
			struct cli_choice tmp = all[c];
			memmove(&all[k + 1], &all[k], (c - k) * sizeof(*all));
			all[k++] = tmp;
		}
	qsort(all, k, sizeof(*all), choice_cmp);
	if (cr)
		add_choice(all, n, "<cr>", 4, false, g, NULL, 0, (struct cli_span){ 0 });
}

int cli_choices(const struct cli_grammar *g, const char *line, struct cli_choice *out, size_t max,
		struct cli_error *err)
{
	struct decision dec[CLI_TOKENS_MAX];
	struct cli_choice *all;
	struct cli_tokens t;
	size_t n = 0, nfull;
	pos_set *sets;
	int rc = cli_tokenize(line, &t, err);

	if (rc < 0)
		return rc;
	nfull = t.open ? t.count - 1 : t.count;
	sets = calloc(g->n ? g->n : 1, sizeof(*sets));
	all = calloc(CLI_CHOICES_MAX, sizeof(*all));
	if (!sets || !all) {
		free(sets);
		free(all);
		return -ENOMEM;
	}
	rc = walk(g, &t, nfull, sets, dec, err);
	if (rc == 0) {
		bool params = false;
		collect(g, sets, t.open ? cli_token(&t, t.count - 1) : NULL, all, &n, &params);
		memcpy(out, all, (n < max ? n : max) * sizeof(*out));
		rc = (int)(n < max ? n : max);
		if (n == 0 && t.open)
			rc = set_error(err, params ? CLI_E_WRONG_PARAM : CLI_E_UNRECOGNIZED,
				       t.count - 1, t.col[t.count - 1]);
	}
	free(sets);
	free(all);
	return rc;
}

int cli_complete(const struct cli_grammar *g, const char *line, char *buf, size_t len)
{
	struct cli_choice *c;
	struct cli_tokens t;
	size_t plen, common = 0, nkw = 0, first = 0;
	int n, out = 0;

	if (len)
		buf[0] = '\0';
	if (cli_tokenize(line, &t, NULL) < 0)
		return -EINVAL;
	if (!t.open)
		return 0;
	c = calloc(CLI_CHOICES_MAX, sizeof(*c));
	if (!c)
		return -ENOMEM;
	plen = strlen(cli_token(&t, t.count - 1));
	n = cli_choices(g, line, c, CLI_CHOICES_MAX, NULL);
	for (int i = 0; i < n; i++) {
		if (!c[i].keyword)
			continue;
		if (nkw++ == 0) {
			first = (size_t)i;
			common = strlen(c[i].word);
		}
		while (common > 0 && strncmp(c[i].word, c[first].word, common))
			common--;
	}
	if (n < 0)
		out = n;
	else if (nkw == 1)
		out = snprintf(buf, len, "%s ", c[first].word + plen);
	else if (nkw > 1 && common > plen)
		out = snprintf(buf, len, "%.*s", (int)(common - plen), c[first].word + plen);
	free(c);
	return out;
}
