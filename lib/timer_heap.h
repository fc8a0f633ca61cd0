/* A min-heap of timers by deadline, the bookkeeping behind the loop's one time source per
 * priority: arming, cancelling and re-arming cost O(log n) here instead of an event source each,
 * and one wake-up serves every timer that is due. Pure: no clock; the caller passes now.
 *
 * Order: earlier deadline first; equal deadlines in the order they were armed. A pass
 * (hs_theap_run_due) serves only timers armed before it began, so a callback that re-arms its
 * own timer for now runs it next pass, not in a loop; a timer cancelled by an earlier callback of
 * the same pass does not run. */
#ifndef HS_TIMER_HEAP_H
#define HS_TIMER_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HS_THEAP_NONE ((size_t)-1)

/* Embedded in the timer it orders; in at most one heap at a time. */
struct hs_theap_node {
	uint64_t deadline;
	uint64_t seq;   /* when it was armed: ties and the pass boundary */
	size_t index;   /* in the heap's array, HS_THEAP_NONE when not in a heap */
};

struct hs_theap {
	struct hs_theap_node **v;
	size_t n, cap;
	uint64_t next_seq;
};

void hs_theap_init(struct hs_theap *h);
/* Takes every node out (they read as not armed) and frees the array. */
void hs_theap_free(struct hs_theap *h);
void hs_theap_node_init(struct hs_theap_node *e);
bool hs_theap_node_armed(const struct hs_theap_node *e);

/* Arms e at deadline (moving it when already armed here). 0 or -ENOMEM, e untouched then. */
int hs_theap_arm(struct hs_theap *h, struct hs_theap_node *e, uint64_t deadline);
/* Takes e out; nothing when it is not armed. */
void hs_theap_cancel(struct hs_theap *h, struct hs_theap_node *e);
/* The earliest node, or NULL when empty. */
struct hs_theap_node *hs_theap_top(const struct hs_theap *h);

typedef void (*hs_theap_fire_cb)(struct hs_theap_node *e, void *arg);
/* Fires, earliest first, the nodes due at now (deadline <= now) that were armed before the pass,
 * at most max of them (0: no limit). Each is taken out before its callback, which may arm,
 * cancel or free any node, its own included. Returns how many fired. */
size_t hs_theap_run_due(struct hs_theap *h, uint64_t now, size_t max, hs_theap_fire_cb fire,
			void *arg);

#endif
