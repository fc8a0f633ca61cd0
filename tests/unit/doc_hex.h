/* Reading a hex dump out of a doc section, so that a golden message in a test and the example in
 * the doc cannot drift apart. For cmocka tests (it asserts). */
#ifndef HS_TEST_DOC_HEX_H
#define HS_TEST_DOC_HEX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The bytes of the dump in the section of doc/NAME whose "## " heading contains heading: lines
 * of four spaces, a 4-digit hex offset (checked: the dump is contiguous), a space, then hex
 * bytes. Returns how many were read into out (at most cap). */
static inline size_t doc_hex_dump(const char *name, const char *heading, uint8_t *out, size_t cap)
{
	char path[1024], line[256];
	size_t n = 0;
	bool in_section = false;

	snprintf(path, sizeof(path), "%s/doc/%s", HS_TOP_SRCDIR, name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "## ", 3) == 0)
			in_section = strstr(line, heading) != NULL;
		unsigned off;
		int pos;
		if (!in_section || strncmp(line, "    ", 4) != 0 || strlen(line) < 10 ||
		    line[8] != ' ' || sscanf(line + 4, "%4x %n", &off, &pos) != 1)
			continue;
		pos += 4;
		assert_int_equal(off, n);
		unsigned byte;
		int used;
		for (char *p = line + pos; sscanf(p, "%2x%n", &byte, &used) == 1; p += used) {
			assert_true(n < cap);
			out[n++] = (uint8_t)byte;
		}
	}
	fclose(f);
	return n;
}

#endif
