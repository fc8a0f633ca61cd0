/* JSON strings from text that need not be UTF-8 (json_text.h). */
#include "json_text.h"

#include <stdlib.h>
#include <string.h>

bool hs_text_is_utf8(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	bool ok = j != NULL;
	json_decref(j);
	return ok;
}

json_t *hs_json_text(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	if (j)
		return j;
	char *ascii = malloc(n + 1);
	if (!ascii)
		return NULL;
	for (size_t i = 0; i < n; i++)
		ascii[i] = (unsigned char)s[i] > 0x7f ? '?' : s[i];
	j = json_stringn(ascii, n);
	free(ascii);
	return j;
}
