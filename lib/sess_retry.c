/* Second tries of a batch of conntrack requests (sess_retry.h). */
#include <errno.h>

#include "sess_retry.h"

int hs_sess_retries_superseded(struct hs_sess_retry_req *reqs, size_t n,
			       struct hs_sess_keyset *seen)
{
	/* From the end: seen holds the keys of the newer requests after the one at hand. */
	hs_sess_keyset_clear(seen);
	int dropped = 0;
	for (size_t i = n; i-- > 0;) {
		reqs[i].superseded = reqs[i].retry && hs_sess_keyset_has(seen, reqs[i].key);
		dropped += reqs[i].superseded;
		if (reqs[i].newer && hs_sess_keyset_add(seen, reqs[i].key) < 0) {
			for (size_t j = i; j < n; j++) /* all or nothing */
				reqs[j].superseded = false;
			return -ENOMEM;
		}
	}
	return dropped;
}
