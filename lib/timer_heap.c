/* A binary min-heap of intrusive timer nodes, each knowing its index so that cancel is O(log n). */
#include "timer_heap.h"

#include <errno.h>
#include <stdlib.h>

void hs_theap_init(struct hs_theap *h)
{
	*h = (struct hs_theap){ 0 };
}

void hs_theap_free(struct hs_theap *h)
{
	for (size_t i = 0; i < h->n; i++)
		h->v[i]->index = HS_THEAP_NONE;
	free(h->v);
	hs_theap_init(h);
}

void hs_theap_node_init(struct hs_theap_node *e)
{
	*e = (struct hs_theap_node){ .index = HS_THEAP_NONE };
}

bool hs_theap_node_armed(const struct hs_theap_node *e)
{
	return e->index != HS_THEAP_NONE;
}

static bool earlier(const struct hs_theap_node *a, const struct hs_theap_node *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void place(struct hs_theap *h, size_t i, struct hs_theap_node *e)
{
	h->v[i] = e;
	e->index = i;
}

static void sift_up(struct hs_theap *h, size_t i)
{
	struct hs_theap_node *e = h->v[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!earlier(e, h->v[parent]))
			break;
		place(h, i, h->v[parent]);
		i = parent;
	}
	place(h, i, e);
}

static void sift_down(struct hs_theap *h, size_t i)
{
	struct hs_theap_node *e = h->v[i];
	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= h->n)
			break;
		if (child + 1 < h->n && earlier(h->v[child + 1], h->v[child]))
			child++;
		if (!earlier(h->v[child], e))
			break;
		place(h, i, h->v[child]);
		i = child;
	}
	place(h, i, e);
}

/* Puts the last node into hole i and restores the order around it. */
static void fill_hole(struct hs_theap *h, size_t i)
{
	struct hs_theap_node *last = h->v[--h->n];
	if (i == h->n)
		return;
	place(h, i, last);
	if (i > 0 && earlier(last, h->v[(i - 1) / 2]))
		sift_up(h, i);
	else
		sift_down(h, i);
}

int hs_theap_arm(struct hs_theap *h, struct hs_theap_node *e, uint64_t deadline)
{
	if (!hs_theap_node_armed(e) && h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 16;
		struct hs_theap_node **v = realloc(h->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	if (hs_theap_node_armed(e))
		fill_hole(h, e->index);
	e->deadline = deadline;
	e->seq = h->next_seq++;
	place(h, h->n++, e);
	sift_up(h, e->index);
	return 0;
}

void hs_theap_cancel(struct hs_theap *h, struct hs_theap_node *e)
{
	if (!hs_theap_node_armed(e))
		return;
	fill_hole(h, e->index);
	e->index = HS_THEAP_NONE;
}

struct hs_theap_node *hs_theap_top(const struct hs_theap *h)
{
	return h->n ? h->v[0] : NULL;
}

size_t hs_theap_run_due(struct hs_theap *h, uint64_t now, size_t max, hs_theap_fire_cb fire,
			void *arg)
{
	/* Nodes armed from here on (by the callbacks) wait for the next pass. */
	uint64_t pass = h->next_seq;
	size_t fired = 0;
	while (max == 0 || fired < max) {
		struct hs_theap_node *e = hs_theap_top(h);
		/* A node re-armed in this pass for a past deadline comes first and ends the pass:
		 * the due nodes behind it run in the next one, at once. */
		if (!e || e->deadline > now || e->seq >= pass)
			break;
		hs_theap_cancel(h, e);
		fired++;
		fire(e, arg);
	}
	return fired;
}
