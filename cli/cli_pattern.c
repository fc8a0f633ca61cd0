/* Compiling command patterns into element lists, and checking typed parameters.
 *
 * A pattern compiles to a flat list of elements; an optional group is marked on its first element
 * by the index of the element after the group, so matching is a walk over a set of positions
 * (cli_parse.c) with no backtracking. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_parse.h"

struct param_type {
	const char *spec; /* as written in a pattern */
	const char *name; /* default parameter name */
	const char *help;
	long min, max;
};

static const struct param_type param_types[CLI_ELEM_MAX] = {
	[CLI_ELEM_INTEGER] = { .spec = NULL, .name = "integer", .help = "Integer" },
	[CLI_ELEM_IFNAME] = { .spec = "IFNAME",
			      .name = "ifname",
			      .help = "Interface name",
			      .min = 1,
			      .max = IF_NAMESIZE - 1 },
	[CLI_ELEM_IPADDR] = { .spec = "IPADDR",
			      .name = "ipaddr",
			      .help = "IPv4 or IPv6 address",
			      .min = 2,
			      .max = INET6_ADDRSTRLEN - 1 },
	[CLI_ELEM_STRING] = { .spec = "STRING",
			      .name = "string",
			      .help = "String",
			      .min = 1,
			      .max = CLI_STRING_MAX },
};

const char *cli_param_help(enum cli_elem_kind kind)
{
	return kind > CLI_ELEM_KEYWORD && kind < CLI_ELEM_MAX ? param_types[kind].help : "";
}

void cli_param_form(const struct cli_elem *e, char *buf, size_t len)
{
	switch (e->kind) {
	case CLI_ELEM_INTEGER: snprintf(buf, len, "INTEGER<%ld-%ld>", e->min, e->max); break;
	case CLI_ELEM_IPADDR: snprintf(buf, len, "IPADDR<X.X.X.X|X:X::X>"); break;
	case CLI_ELEM_IFNAME:
	case CLI_ELEM_STRING:
		snprintf(buf, len, "%s<%ld-%ld>", param_types[e->kind].spec, e->min, e->max);
		break;
	default: snprintf(buf, len, "%.*s", e->alt[0].len, e->alt[0].s); break;
	}
}

static int check_integer(const struct cli_elem *e, const char *tok)
{
	const char *p = tok;
	char *end;
	long v;

	if (*p == '-' && e->min < 0)
		p++;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	v = strtol(tok, &end, 10);
	if (errno || *end || v < e->min || v > e->max)
		return -EINVAL;
	return 0;
}

/* The kernel's rule (dev_valid_name): no '/', ':' or blanks, not "." or "..". */
static int check_ifname(const char *tok)
{
	if (!strcmp(tok, ".") || !strcmp(tok, ".."))
		return -EINVAL;
	for (const char *p = tok; *p; p++)
		if (*p == '/' || *p == ':' || !isgraph((unsigned char)*p))
			return -EINVAL;
	return 0;
}

static int check_ipaddr(const char *tok)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, tok, buf) == 1 || inet_pton(AF_INET6, tok, buf) == 1)
		return 0;
	return -EINVAL;
}

int cli_param_check(const struct cli_elem *e, const char *tok)
{
	size_t len = strlen(tok);

	if (e->kind == CLI_ELEM_INTEGER)
		return check_integer(e, tok);
	if (e->kind <= CLI_ELEM_KEYWORD || e->kind >= CLI_ELEM_MAX)
		return -EINVAL;
	if (len < (size_t)e->min || len > (size_t)e->max)
		return -EINVAL;
	if (e->kind == CLI_ELEM_IFNAME)
		return check_ifname(tok);
	if (e->kind == CLI_ELEM_IPADDR)
		return check_ipaddr(tok);
	return 0;
}

/* Compiler state: the pattern, where we are, the rule being filled, the reason on failure. */
struct pstate {
	const char *s;
	size_t i;
	struct cli_rule *r;
	char *err;
	size_t errlen;
};

static int perr(struct pstate *p, const char *why)
{
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s at offset %zu", why, p->i);
	return -EINVAL;
}

static bool is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

static void skip_blanks(struct pstate *p)
{
	while (p->s[p->i] == ' ')
		p->i++;
}

static int new_elem(struct pstate *p, enum cli_elem_kind kind, struct cli_elem **out)
{
	if (p->r->n == CLI_ELEMS_MAX)
		return perr(p, "too many words");
	*out = &p->r->elem[p->r->n++];
	memset(*out, 0, sizeof(**out));
	(*out)->kind = kind;
	return 0;
}

static int parse_word(struct pstate *p, struct cli_span *out)
{
	size_t start = p->i;

	while (is_word_char(p->s[p->i]))
		p->i++;
	if (p->i == start)
		return perr(p, "a keyword expected");
	if (p->i - start > UINT8_MAX)
		return perr(p, "keyword too long");
	out->s = p->s + start;
	out->len = (uint8_t)(p->i - start);
	return 0;
}

/* "a|b|c" up to close, into one keyword element. */
static int parse_alternatives(struct pstate *p, char close, bool optional)
{
	struct cli_elem *e;
	int rc = new_elem(p, CLI_ELEM_KEYWORD, &e);

	for (; rc == 0;) {
		skip_blanks(p);
		if (e->n_alts == CLI_ALTS_MAX)
			return perr(p, "too many alternatives");
		rc = parse_word(p, &e->alt[e->n_alts++]);
		skip_blanks(p);
		if (rc == 0 && p->s[p->i] == close) {
			p->i++;
			if (optional)
				e->skip = p->r->n;
			return 0;
		}
		if (rc == 0 && p->s[p->i++] != '|')
			return perr(p, "'|' expected");
	}
	return rc;
}

static int parse_param(struct pstate *p)
{
	const char *close = strchr(p->s + p->i, '>'), *spec, *colon;
	struct cli_elem *e;
	int rc;

	if (!close)
		return perr(p, "'>' missing");
	spec = p->s + ++p->i;
	colon = memchr(spec, ':', (size_t)(close - spec));
	rc = new_elem(p, CLI_ELEM_STRING, &e);
	if (rc < 0)
		return rc;
	if (colon) {
		if (colon == spec || colon - spec > UINT8_MAX)
			return perr(p, "bad parameter name");
		e->name = (struct cli_span){ .s = spec, .len = (uint8_t)(colon - spec) };
		spec = colon + 1;
	}
	size_t len = (size_t)(close - spec);
	if (isdigit((unsigned char)*spec)) {
		char *end;
		e->kind = CLI_ELEM_INTEGER;
		e->min = strtol(spec, &end, 10);
		if (*end != '-')
			return perr(p, "bad range");
		e->max = strtol(end + 1, &end, 10);
		if (end != close || e->max < e->min)
			return perr(p, "bad range");
	} else {
		enum cli_elem_kind k;
		for (k = CLI_ELEM_IFNAME; k < CLI_ELEM_MAX; k++)
			if (strlen(param_types[k].spec) == len &&
			    !memcmp(spec, param_types[k].spec, len))
				break;
		if (k == CLI_ELEM_MAX)
			return perr(p, "unknown parameter type");
		e->kind = k;
		e->min = param_types[k].min;
		e->max = param_types[k].max;
	}
	if (!e->name.s)
		e->name = (struct cli_span){ .s = param_types[e->kind].name,
					     .len = (uint8_t)strlen(param_types[e->kind].name) };
	p->i = (size_t)(close - p->s) + 1;
	return 0;
}

static int parse_items(struct pstate *p, char close);

/* After '[': "a|b]" is one optional keyword element, anything else an optional group. */
static int parse_optional(struct pstate *p)
{
	size_t depth = 0, first = p->r->n;
	int rc;

	for (size_t j = p->i; p->s[j]; j++) {
		if (p->s[j] == '[' || p->s[j] == '{' || p->s[j] == '<')
			depth++;
		else if ((p->s[j] == '>' || p->s[j] == '}' || p->s[j] == ']') && depth > 0)
			depth--;
		else if (p->s[j] == ']')
			break;
		else if (p->s[j] == '|' && depth == 0)
			return parse_alternatives(p, ']', true);
	}
	rc = parse_items(p, ']');
	if (rc < 0)
		return rc;
	if (p->r->n == first)
		return perr(p, "empty group");
	if (p->r->elem[first].skip)
		return perr(p, "a group cannot start with another group");
	p->r->elem[first].skip = p->r->n;
	return 0;
}

static int parse_items(struct pstate *p, char close)
{
	for (int rc = 0; rc == 0;) {
		struct cli_elem *e;
		char c;

		skip_blanks(p);
		c = p->s[p->i];
		if (c == '\0')
			return close ? perr(p, "closing bracket missing") : 0;
		if (c == close) {
			p->i++;
			return 0;
		}
		if (c == '[') {
			p->i++;
			rc = parse_optional(p);
		} else if (c == '{') {
			p->i++;
			rc = parse_alternatives(p, '}', false);
		} else if (c == '<') {
			rc = parse_param(p);
		} else if (is_word_char(c)) {
			rc = new_elem(p, CLI_ELEM_KEYWORD, &e);
			if (rc == 0) {
				e->n_alts = 1;
				rc = parse_word(p, &e->alt[0]);
			}
		} else {
			rc = perr(p, "unexpected character");
		}
		if (rc == 0 && p->s[p->i] && p->s[p->i] != ' ' && p->s[p->i] != close &&
		    p->s[p->i] != '[')
			rc = perr(p, "a blank expected");
	}
	return -EINVAL;
}

int cli_pattern_compile(const char *pattern, struct cli_rule *out, char *err, size_t errlen)
{
	struct cli_rule r = { 0 };
	struct pstate p = { .s = pattern, .r = &r, .err = err, .errlen = errlen };
	int rc = parse_items(&p, '\0');

	if (rc == 0 && r.n == 0)
		rc = perr(&p, "empty pattern");
	if (rc == 0 && r.elem[0].kind != CLI_ELEM_KEYWORD)
		rc = perr(&p, "a command starts with a keyword");
	if (rc == 0)
		*out = r;
	return rc;
}

int cli_grammar_init(struct cli_grammar *g, const struct cli_table *table, char *err, size_t errlen)
{
	struct cli_rule *rules = calloc(table->n_rows ? table->n_rows : 1, sizeof(*rules));
	char why[128];

	if (!rules)
		return -ENOMEM;
	for (size_t i = 0; i < table->n_rows; i++) {
		int rc = cli_pattern_compile(table->rows[i].pattern, &rules[i], why, sizeof(why));
		if (rc < 0) {
			snprintf(err, errlen, "command \"%s\": %s", table->rows[i].pattern, why);
			free(rules);
			return rc;
		}
		rules[i].cmd = &table->rows[i];
	}
	g->table = table;
	g->n = table->n_rows;
	g->rules = rules;
	return 0;
}

void cli_grammar_clear(struct cli_grammar *g)
{
	free(g->rules);
	g->rules = NULL;
	g->n = 0;
}
