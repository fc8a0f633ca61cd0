/* Writing the box's config file so that a crash at any moment leaves the old file or the new one
 * whole, never a mix, and the old one kept beside it:
 *   1. the text goes to a new file FILE.tmp.XXXXXX in the same directory (so the rename below
 *      stays within one file system), with the old file's mode and owner (0600 when there was
 *      none: the file holds keys), and is fsync'd;
 *   2. the old file is hard-linked as FILE.bak (through FILE.bak.tmp and a rename, so an older
 *      FILE.bak is replaced in one step);
 *   3. rename(FILE.tmp.XXXXXX, FILE): readers see the old file or the new one;
 *   4. the directory is fsync'd, so the rename survives a power cut.
 * On any failure the temporary file is removed and FILE is untouched. */
#ifndef HS_CONFIG_SAVE_H
#define HS_CONFIG_SAVE_H

#include <stdbool.h>
#include <stddef.h>

/* Returns 0 with *backup telling whether FILE.bak was made (false: there was no FILE), or a
 * negative errno with the step and the path in err. */
int hs_config_save_file(const char *path, const char *text, bool *backup, char *err, size_t errlen);

#endif
