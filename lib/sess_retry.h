/* Second tries of a batch of conntrack requests (pure).
 *
 * The kernel runs a batch of requests as it comes and answers each; one it refuses (an update of
 * an entry it lacks, a create of one it has, a change it must replace) is tried again after the
 * batch. A request later in the batch for the same entry (a destroy, a newer update) has run by
 * then, and the second try would undo it: a destroy, then the create of an earlier update's retry,
 * brought a dead entry back. So a second try goes only when no later request of the batch names
 * its entry; that later request carries the entry's newest state (or its end). A new connection
 * that replaces an older entry of its tuple (a fresh create refused as existing) gives way only to
 * a later destroy or create: a later update landed on the older entry, which is still to go. */
#ifndef HS_SESS_RETRY_H
#define HS_SESS_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sess_digest.h"

struct hs_sess_retry_req {
	uint64_t key;    /* hs_sess_key_hash() of its entry */
	bool newer;      /* it carries the entry's state (a peer's record), not a timeout reset */
	bool ends;       /* a destroy or a create: the entry's end, or a new one */
	bool retry;      /* refused: to be tried again */
	bool fresh;      /* the retry replaces an older entry of the tuple (only an end wins) */
	bool superseded; /* out: a later request names its entry; no second try */
};

/* reqs[0..n) in batch order. Sets superseded of each retry that a later request of the same key
 * supersedes, and returns how many; -ENOMEM: none is set. seen and ended are scratch. */
int hs_sess_retries_superseded(struct hs_sess_retry_req *reqs, size_t n,
			       struct hs_sess_keyset *seen, struct hs_sess_keyset *ended);

#endif
