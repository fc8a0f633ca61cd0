/* node_exporter's textfile collector reads *.prom files from a directory: the file is written
 * beside its final name and renamed over it, so the collector never reads half of it. */
#ifndef HS_TEXTFILE_H
#define HS_TEXTFILE_H

#include <stddef.h>

/* Returns 0 or a negative errno (the old file stays). */
int hs_textfile_write(const char *path, const char *text, size_t len);

#endif
