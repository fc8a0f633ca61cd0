/* The send plan applied to a message (doc/issu.md, "Verdict and held-back messages"): each box
 * sends every type at the version the other one knows. Given this box's verdict against the
 * peer's registry, a body about to go out is left as built, narrowed (the TLVs the peer's entry
 * does not list are cut out, in place), or not sent at all. Pure: bytes in, bytes out. */
#ifndef HS_ISSU_SEND_H
#define HS_ISSU_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "issu_verdict.h"

/* Applies v's plan for type to body (len bytes, TLVs). Returns 0 with *len (and *omitted, the
 * TLVs cut out; may be NULL) updated, -EPERM when the type is not to be sent, or -EBADMSG when
 * the body does not parse (left as it is). v NULL or without held types: 0, body untouched. */
int issu_send_narrow(const struct issu_verdict *v, uint16_t type, uint8_t *body, size_t *len,
		     unsigned *omitted);

/* The data channel carries data one way and data-ack the other on one connection: it is held
 * back (no connection, no record queued) while v says the peer cannot read either type, i.e.
 * its version is at another major of them. v NULL, or the peer's registry not known: false. */
bool issu_data_channel_held(const struct issu_verdict *v);
/* The line hrpd logs and shows while the channel is held back. */
#define ISSU_DATA_HELD_WHY "held back by the send plan: the peer's version cannot read it"

#endif
