/* Fuzz target: the peer's facts of the pairing consistency check (lib/pair_facts.h). Facts that
 * decode must encode, decode again to the same facts (no difference either way) and encode to
 * the same bytes; the compare with a box of our own must not go past its array. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pair_facts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs_pair_facts *f = malloc(sizeof(*f)), *back = malloc(sizeof(*back));
	struct hs_pair_facts *ours = calloc(1, sizeof(*ours));
	struct hs_pf_diff d[4];
	char *text = NULL, *again = NULL;
	if (!f || !back || !ours)
		goto out;
	if (hs_pair_facts_decode((const char *)data, size, f) != HS_PF_OK)
		goto out;
	text = hs_pair_facts_encode(f);
	if (!text)
		goto out;
	if (hs_pair_facts_decode(text, strlen(text), back) != HS_PF_OK ||
	    hs_pair_facts_compare(f, back, NULL, d, 4) != 0 ||
	    hs_pair_facts_compare(back, f, NULL, NULL, 0) != 0)
		__builtin_trap();
	again = hs_pair_facts_encode(back);
	if (!again || strcmp(again, text) != 0)
		__builtin_trap();
	/* every fact of theirs differs from an empty box's, at most once each */
	size_t n = hs_pair_facts_compare(ours, f, NULL, d, 4);
	if (n > 4 + f->n_groups + f->n_sysctls)
		__builtin_trap();
out:
	free(text);
	free(again);
	free(f);
	free(back);
	free(ours);
	return 0;
}
