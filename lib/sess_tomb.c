/* Recent destroys by key: sess_tomb.h. */
#include <errno.h>
#include <stdlib.h>

#include "sess_tomb.h"

static struct hs_tomb_slot *slot(const struct hs_tomb *t, uint64_t key)
{
	/* The key is a siphash: its low bits are as good as any. */
	return &t->slots[key & (HS_TOMB_SLOTS - 1)];
}

void hs_tomb_init(struct hs_tomb *t)
{
	*t = (struct hs_tomb){ 0 };
}

void hs_tomb_free(struct hs_tomb *t)
{
	free(t->slots);
	hs_tomb_init(t);
}

int hs_tomb_bury(struct hs_tomb *t, uint64_t key, uint64_t now_ms)
{
	if (!t->slots && !(t->slots = calloc(HS_TOMB_SLOTS, sizeof(*t->slots))))
		return -ENOMEM;
	struct hs_tomb_slot *s = slot(t, key);
	if (s->at_ms && s->key != key && now_ms + 1 - s->at_ms < HS_TOMB_TTL_MS)
		t->overwritten++;
	s->key = key;
	s->at_ms = now_ms + 1; /* 0 is an empty slot */
	t->buried++;
	return 0;
}

void hs_tomb_clear(struct hs_tomb *t, uint64_t key)
{
	if (!t->slots)
		return;
	struct hs_tomb_slot *s = slot(t, key);
	if (s->at_ms && s->key == key) {
		s->at_ms = 0;
		t->cleared++;
	}
}

bool hs_tomb_recent(const struct hs_tomb *t, uint64_t key, uint64_t now_ms)
{
	if (!t->slots)
		return false;
	const struct hs_tomb_slot *s = slot(t, key);
	return s->at_ms && s->key == key && now_ms + 1 >= s->at_ms &&
	       now_ms + 1 - s->at_ms < HS_TOMB_TTL_MS;
}
