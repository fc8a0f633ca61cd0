/* JSON strings from text that need not be UTF-8: an operator's command line, a peer's table
 * text. jansson refuses invalid UTF-8 (json_string returns NULL), and a NULL member makes the
 * whole object it belongs to fail to pack, so one odd byte would blank an answer. */
#ifndef HS_JSON_TEXT_H
#define HS_JSON_TEXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The n bytes as a JSON string: as they are when they are valid UTF-8, otherwise with every
 * byte above 0x7f replaced by '?'. NULL only when out of memory. */
json_t *hs_json_text(const char *s, size_t n);

/* Whether the n bytes are valid UTF-8 (jansson's own check). */
bool hs_text_is_utf8(const char *s, size_t n);

#endif
