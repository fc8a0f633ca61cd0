/* hotstandby.conf(5) against the schema: every setting of lib/config_schema.c has an entry in
 * its section of doc/man/hotstandby.conf.5.in (".SS vgmpd.trackers", then ".TP" ".B name"),
 * whose first line states its type, range, default, choices and class as the schema does. A new
 * setting fails here until the page describes it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config_schema.h"
#include "hs_build.h"

#define ITEMS_MAX 256

struct item {
	char section[64];
	char key[64];
	char text[2048]; /* the entry, roff escapes and macros stripped, lines joined */
};

static struct item items[ITEMS_MAX];
static size_t n_items;
static char sections[32][64];
static size_t n_sections;

/* Text as a reader sees it: font escapes out, \- and \(dq as - and ", the run dir configured. */
static void plain(const char *in, char *out, size_t len)
{
	size_t o = 0;
	while (*in && o + 1 < len) {
		if (in[0] == '\\' && (in[1] == 'f') && in[2]) {
			in += 3;
		} else if (in[0] == '\\' && (in[1] == '-' || in[1] == '&')) {
			if (in[1] == '-')
				out[o++] = '-';
			in += 2;
		} else if (strncmp(in, "\\(dq", 4) == 0) {
			out[o++] = '"';
			in += 4;
		} else if (strncmp(in, "@HS_RUNDIR@", 11) == 0) {
			o += (size_t)snprintf(out + o, len - o, "%s", HS_DEFAULT_RUNDIR);
			o = o < len ? o : len - 1;
			in += 11;
		} else {
			out[o++] = *in++;
		}
	}
	out[o] = '\0';
}

static void load_page(void)
{
	char path[512], line[1024], text[1024];
	snprintf(path, sizeof(path), "%s/doc/man/hotstandby.conf.5.in", HS_TOP_SRCDIR);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char section[64] = "";
	struct item *cur = NULL;
	bool after_tp = false;
	n_items = n_sections = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, ".SS ", 4) == 0) {
			/* .SS "vgmpd.trackers (list of groups)": the path is the first word */
			if (sscanf(line + 4, " \"%63[^ \"]", section) != 1)
				sscanf(line + 4, " %63s", section);
			assert_true(n_sections < sizeof(sections) / sizeof(sections[0]));
			snprintf(sections[n_sections++], sizeof(sections[0]), "%s", section);
			cur = NULL;
		} else if (strncmp(line, ".SH ", 4) == 0) {
			section[0] = '\0';
			cur = NULL;
		} else if (strcmp(line, ".TP") == 0) {
			after_tp = true;
			cur = NULL;
			continue;
		} else if (after_tp && section[0] && strncmp(line, ".B ", 3) == 0) {
			assert_true(n_items < ITEMS_MAX);
			cur = &items[n_items++];
			snprintf(cur->section, sizeof(cur->section), "%s", section);
			snprintf(cur->key, sizeof(cur->key), "%.63s", line + 3);
			cur->text[0] = '\0';
		} else if (cur) {
			/* A macro line keeps its words: ".BR foo (5)" reads "foo (5)". */
			const char *words = line[0] == '.' ? strchr(line, ' ') : line;
			plain(words ? words : "", text, sizeof(text));
			size_t used = strlen(cur->text);
			snprintf(cur->text + used, sizeof(cur->text) - used, "%s%s",
				 used ? " " : "", text);
		}
		after_tp = false;
	}
	fclose(f);
}

static const struct item *find(const char *section, const char *key)
{
	for (size_t i = 0; i < n_items; i++)
		if (strcmp(items[i].section, section) == 0 && strcmp(items[i].key, key) == 0)
			return &items[i];
	return NULL;
}

static const char *const type_words[HS_CFG_TYPE_MAX] = {
	[HS_CFG_BOOL] = "(boolean",
	[HS_CFG_INT] = "(integer",
	[HS_CFG_STRING] = "(string",
	[HS_CFG_ENUM] = "(one of",
	[HS_CFG_ADDR] = "(address",
	[HS_CFG_STRLIST] = "(list of strings",
	[HS_CFG_ADDRLIST] = "(list of addresses",
	[HS_CFG_GROUP] = "(group",
	[HS_CFG_LIST] = "(list of groups",
};

static int failures;

/* Whether the entry's first line, "(type, range, default X, synced)", says want. */
static bool says(const struct item *it, const char *want)
{
	const char *close = strchr(it->text, ')');
	const char *at = strstr(it->text, want);
	return at && (!close || at <= close);
}

static void expect(const char *path, const struct item *it, const char *want)
{
	if (!says(it, want)) {
		print_error("%s: the entry does not say \"%s\": %.80s\n", path, want, it->text);
		failures++;
	}
}

static void check_field(const char *section, const struct hs_cfg_field *f)
{
	char path[160], want[160];
	snprintf(path, sizeof(path), "%s.%s", section, f->name);
	const struct item *it = find(section, f->name);
	if (!it) {
		print_error("%s: not in hotstandby.conf(5) (doc/man/hotstandby.conf.5.in, "
			    "section %s)\n",
			    path, section);
		failures++;
		return;
	}
	expect(path, it, type_words[f->type]);
	if (f->cls == HS_CFG_SYNCED)
		expect(path, it, ", synced)");
	else if (says(it, "synced")) {
		print_error("%s: local, but the entry says synced\n", path);
		failures++;
	}
	if (f->required) {
		expect(path, it, "required");
	} else if (f->type == HS_CFG_BOOL) {
		expect(path, it, f->def ? "default true" : "default false");
	} else if (f->type == HS_CFG_INT) {
		snprintf(want, sizeof(want), "default %lld", (long long)f->def);
		expect(path, it, want);
	} else if (f->type == HS_CFG_ENUM) {
		snprintf(want, sizeof(want), "default %s", f->choices[f->def]);
		expect(path, it, want);
	} else if (f->type == HS_CFG_STRING) {
		snprintf(want, sizeof(want), "default \"%s\"", f->def_str ? f->def_str : "");
		expect(path, it, want);
	} else if (f->type == HS_CFG_STRLIST) {
		expect(path, it, "default [ ]");
	}
	if (f->type == HS_CFG_INT || f->type == HS_CFG_LIST || f->type == HS_CFG_ADDRLIST) {
		snprintf(want, sizeof(want), ", %lld to %lld", (long long)f->min,
			 (long long)f->max);
		expect(path, it, want);
	}
	if (f->type == HS_CFG_ENUM)
		for (const char *const *c = f->choices; *c; c++) {
			snprintf(want, sizeof(want), " %s,", *c);
			expect(path, it, want);
		}
}

static void check_table(const char *section, const struct hs_cfg_field *table)
{
	for (const struct hs_cfg_field *f = table; f->name; f++) {
		check_field(section, f);
		if (f->type == HS_CFG_GROUP || f->type == HS_CFG_LIST) {
			char sub[64];
			snprintf(sub, sizeof(sub), "%s.%s", section, f->name);
			check_table(sub, f->sub);
		}
	}
}

static void test_every_setting_is_documented(void **state)
{
	load_page();
	failures = 0;
	for (const struct hs_cfg_field *top = hs_config_schema; top->name; top++) {
		bool found = false;
		for (size_t i = 0; i < n_sections; i++)
			found = found || strcmp(sections[i], top->name) == 0;
		if (!found) {
			print_error("section %s: not in hotstandby.conf(5)\n", top->name);
			failures++;
		}
		check_table(top->name, top->sub);
	}
	assert_int_equal(failures, 0);
}

/* And nothing is documented that the schema does not have (a renamed or removed setting). */
static void test_no_stale_entry(void **state)
{
	load_page();
	failures = 0;
	for (size_t i = 0; i < n_items; i++) {
		const struct hs_cfg_field *table = hs_config_schema, *f = NULL;
		char path[64], *save = NULL;
		snprintf(path, sizeof(path), "%s", items[i].section);
		for (char *w = strtok_r(path, ".", &save); w && table;
		     w = strtok_r(NULL, ".", &save)) {
			f = hs_cfg_field_find(table, w);
			table = f ? f->sub : NULL;
		}
		if (!table || !hs_cfg_field_find(table, items[i].key)) {
			print_error("%s.%s: in hotstandby.conf(5) but not in the schema\n",
				    items[i].section, items[i].key);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_setting_is_documented),
		cmocka_unit_test(test_no_stale_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
