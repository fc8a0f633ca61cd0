/* The send plan applied to a message (doc/issu.md, "Verdict and held-back messages"): each box
 * sends every type at the version the other one knows. Given this box's verdict against the
 * peer's registry, a body about to go out is left as built, narrowed (the TLVs the peer's entry
 * does not list are cut out, in place), or not sent at all. Pure: bytes in, bytes out. */
#ifndef HS_ISSU_SEND_H
#define HS_ISSU_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "issu_verdict.h"

/* Applies v's plan for type to body (len bytes, TLVs). Returns 0 with *len (and *omitted, the
 * TLVs cut out; may be NULL) updated, -EPERM when the type is not to be sent, or -EBADMSG when
 * the body does not parse (left as it is). v NULL or without held types: 0, body untouched. */
int issu_send_narrow(const struct issu_verdict *v, uint16_t type, uint8_t *body, size_t *len,
		     unsigned *omitted);

#endif
