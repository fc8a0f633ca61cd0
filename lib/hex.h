/* Bytes as lowercase hex text and back, for the snapshots and records that carry binary values
 * (epochs, digests, nonces, message bodies) in JSON. */
#ifndef HS_HEX_H
#define HS_HEX_H

#include <stddef.h>
#include <stdint.h>

/* n bytes into out, which holds 2n + 1 characters (NUL-terminated). */
void hs_hex(const uint8_t *p, size_t n, char *out);
/* Hex text (either case) into at most cap bytes: the byte count, or -1 (an odd length, a
 * character that is not hex, more than cap bytes); out may be written to when it fails. */
long hs_unhex(const char *s, uint8_t *out, size_t cap);

#endif
