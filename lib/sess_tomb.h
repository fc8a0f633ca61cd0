/* Recent destroys of this box's own conntrack entries, by key hash (hs_sess_key_hash).
 *
 * Why: with two sync sources (load-sharing), the peer may send an update of an entry in the same
 * moment our kernel destroys it (a RST seen here, a close). The update crosses our destroy on the
 * wire; applied, it finds no entry and would create it again: a stale entry (for example
 * SYN_RECV of a connection that is gone) that a new connection reusing the tuple later meets,
 * and conntrack then treats that connection's SYN as a retransmission of the old one: no new
 * entry, no sync of it, and the peer drops its SYN-ACK. An update of a tuple destroyed here a
 * moment ago is dropped instead (the peer applies our destroy too). A new entry of the tuple
 * clears its stone.
 *
 * Direct-mapped and bounded: a stone overwritten by another key only means the old behaviour for
 * that one. No clock here: the caller passes the time. */
#ifndef HS_SESS_TOMB_H
#define HS_SESS_TOMB_H

#include <stdbool.h>
#include <stdint.h>

#define HS_TOMB_SLOTS  65536u /* 1 MiB: ~1 s of destroys at 50k/s keeps its stones */
#define HS_TOMB_TTL_MS 5000u  /* longer than any update spends on the way here */

struct hs_tomb_slot {
	uint64_t key;
	uint64_t at_ms; /* the destroy's time + 1; 0: empty */
};

struct hs_tomb {
	struct hs_tomb_slot *slots; /* NULL until the first destroy */
	uint64_t buried, cleared, overwritten;
};

void hs_tomb_init(struct hs_tomb *t);
void hs_tomb_free(struct hs_tomb *t);
/* Our kernel destroyed the entry of key at now_ms. -ENOMEM when the table cannot be had. */
int hs_tomb_bury(struct hs_tomb *t, uint64_t key, uint64_t now_ms);
/* A new entry of key exists (ours or the peer's): updates of it are welcome again. */
void hs_tomb_clear(struct hs_tomb *t, uint64_t key);
/* Key was destroyed here less than HS_TOMB_TTL_MS before now_ms. */
bool hs_tomb_recent(const struct hs_tomb *t, uint64_t key, uint64_t now_ms);

#endif
