/* query-registry (doc/issu.md): the registry of the binaries in a directory, read from what
 * their `hrpd --version` prints. hrpd prints one machine-readable line beside its human table,
 * "registry: HEX", the hex of the registry's TLV body (the same bytes as the "registry" message),
 * so the new version's registry is compared exactly, TLV lists included. Pure: text in and out. */
#ifndef HS_ISSU_QUERY_H
#define HS_ISSU_QUERY_H

#include <stddef.h>

#include "hrp_registry.h"

#define ISSU_REGISTRY_PREFIX "registry: "

/* The line for r ("registry: HEX\n") into buf. Returns the length, or -ENOBUFS / -EMSGSIZE. */
int issu_registry_line(const struct hrp_registry *r, char *buf, size_t len);
/* The registry from a --version output. 0, -ENOENT (no such line: an hrpd older than the
 * upgrade, or not hrpd), or -EBADMSG (bad hex or a registry that does not decode); *r untouched
 * on failure. */
int issu_registry_from_version(const char *text, struct hrp_registry *r);

#endif
