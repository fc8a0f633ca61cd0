/* Second tries of a batch of conntrack requests (sess_retry.h). */
#include <errno.h>

#include "sess_retry.h"

int hs_sess_retries_superseded(struct hs_sess_retry_req *reqs, size_t n,
			       struct hs_sess_keyset *seen, struct hs_sess_keyset *ended)
{
	/* From the end: the sets hold the keys of the requests after the one at hand. */
	hs_sess_keyset_clear(seen);
	hs_sess_keyset_clear(ended);
	int dropped = 0;
	for (size_t i = n; i-- > 0;) {
		struct hs_sess_retry_req *r = &reqs[i];
		r->superseded = r->retry && hs_sess_keyset_has(r->fresh ? ended : seen, r->key);
		dropped += r->superseded;
		if ((r->newer && hs_sess_keyset_add(seen, r->key) < 0) ||
		    (r->ends && hs_sess_keyset_add(ended, r->key) < 0)) {
			for (size_t j = i; j < n; j++) /* all or nothing */
				reqs[j].superseded = false;
			return -ENOMEM;
		}
	}
	return dropped;
}
