/* Mirror session holds, conflicts and wire helpers (sess_mirror.h). */
#include <string.h>

#include "hrp_wire.h"
#include "sess_mirror.h"

#define RECENT_MIN_MS 1000u

void hs_mirror_init(struct hs_mirror *m, uint32_t hold_ms)
{
	memset(m, 0, sizeof(*m));
	m->next_token = 1;
	m->hold_ms = hold_ms;
	/* A conflict is two boxes creating one tuple within the sync latency, an echo our
	 * kernel's event right after the release: a second is far more than either and still
	 * too short to catch a later, unrelated flow. */
	m->recent_ms = hold_ms * 4 > RECENT_MIN_MS ? hold_ms * 4 : RECENT_MIN_MS;
}

void hs_mirror_seed(struct hs_mirror *m, uint32_t first)
{
	m->next_token = first ? first : 1;
}

uint32_t hs_mirror_token(const struct hs_mirror *m)
{
	return m->next_token;
}

void hs_mirror_next_record(struct hs_mirror *m)
{
	m->next_token++;
}

static struct hs_mirror_seen *set_of(const struct hs_mirror *m, uint64_t key)
{
	return (struct hs_mirror_seen *)&m->seen[(key % HS_MIRROR_SEEN_SETS) * HS_MIRROR_SEEN_WAYS];
}

static bool recent(const struct hs_mirror *m, const struct hs_mirror_seen *sn, uint64_t now_ms)
{
	return sn->at_ms && now_ms - sn->at_ms <= m->recent_ms;
}

/* The way for a memory of key: its own, else an empty or stale one, else the oldest. */
static struct hs_mirror_seen *remember(struct hs_mirror *m, uint64_t key, uint64_t now_ms)
{
	struct hs_mirror_seen *set = set_of(m, key), *free_way = NULL, *oldest = set;
	for (unsigned w = 0; w < HS_MIRROR_SEEN_WAYS; w++) {
		if (set[w].at_ms && set[w].key == key)
			return &set[w];
		if (!free_way && !recent(m, &set[w], now_ms))
			free_way = &set[w];
		if (set[w].at_ms < oldest->at_ms)
			oldest = &set[w];
	}
	if (free_way)
		return free_way;
	m->seen_evicted++;
	return oldest;
}

static struct hs_mirror_hold *at(struct hs_mirror *m, size_t i)
{
	return &m->ring[(m->head + i) % HS_MIRROR_HOLDS_MAX];
}

int hs_mirror_hold(struct hs_mirror *m, uint32_t packet_id, uint64_t key, uint8_t state,
		   bool created, uint64_t now_ms)
{
	if (m->count == HS_MIRROR_HOLDS_MAX)
		return -1;
	struct hs_mirror_hold *h = at(m, m->count++);
	h->packet_id = packet_id;
	h->token = m->next_token;
	h->key = key;
	h->created = created;
	h->deadline_ms = now_ms + m->hold_ms;
	*remember(m, key, now_ms) = (struct hs_mirror_seen){
		.key = key, .at_ms = now_ms ? now_ms : 1, .state = state, .created = created
	};
	return 0;
}

/* Pops the oldest hold into ids[n]. */
static void pop(struct hs_mirror *m, uint32_t *ids, size_t n)
{
	ids[n] = at(m, 0)->packet_id;
	m->head = (m->head + 1) % HS_MIRROR_HOLDS_MAX;
	m->count--;
}

static bool token_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

size_t hs_mirror_ack(struct hs_mirror *m, uint32_t token, uint32_t *ids, size_t max)
{
	size_t n = 0;
	/* only a token between our oldest hold's and the record being filled: outside, it is a
	 * past session's ack (its tokens started elsewhere: hs_mirror_seed) or a forged one */
	if (!m->count || !token_le(at(m, 0)->token, token) || !token_le(token, m->next_token))
		return 0;
	while (n < max && m->count && token_le(at(m, 0)->token, token))
		pop(m, ids, n++);
	return n;
}

size_t hs_mirror_expire(struct hs_mirror *m, uint64_t now_ms, uint32_t *ids, size_t max)
{
	size_t n = 0;
	while (n < max && m->count && at(m, 0)->deadline_ms <= now_ms)
		pop(m, ids, n++);
	return n;
}

size_t hs_mirror_release_all(struct hs_mirror *m, uint32_t *ids, size_t max)
{
	size_t n = 0;
	while (n < max && m->count)
		pop(m, ids, n++);
	return n;
}

uint64_t hs_mirror_next_deadline(const struct hs_mirror *m)
{
	return m->count ? m->ring[m->head].deadline_ms : 0;
}

size_t hs_mirror_held(const struct hs_mirror *m)
{
	return m->count;
}

/* The memory of key, when it is recent. */
static const struct hs_mirror_seen *seen(const struct hs_mirror *m, uint64_t key,
					 uint64_t now_ms)
{
	const struct hs_mirror_seen *set = set_of(m, key);
	for (unsigned w = 0; w < HS_MIRROR_SEEN_WAYS; w++)
		if (set[w].key == key && recent(m, &set[w], now_ms))
			return &set[w];
	return NULL;
}

bool hs_mirror_echo(const struct hs_mirror *m, uint64_t key, bool created, uint8_t state,
		    uint64_t now_ms)
{
	const struct hs_mirror_seen *sn = seen(m, key, now_ms);
	return sn && !sn->peer && sn->created == created && sn->state == state;
}

void hs_mirror_peer_new(struct hs_mirror *m, uint64_t key, uint8_t state, uint64_t now_ms)
{
	*remember(m, key, now_ms) = (struct hs_mirror_seen){
		.key = key, .at_ms = now_ms ? now_ms : 1, .state = state, .peer = true
	};
}

bool hs_mirror_peer_echo(const struct hs_mirror *m, uint64_t key, uint8_t state,
			 uint64_t now_ms)
{
	const struct hs_mirror_seen *sn = seen(m, key, now_ms);
	return sn && sn->peer && sn->state == state;
}

bool hs_mirror_is_ours(const struct hs_mirror *m, uint64_t key, uint64_t now_ms)
{
	const struct hs_mirror_seen *sn = seen(m, key, now_ms);
	return sn && sn->created;
}

bool hs_mirror_we_win(const char *local_name, uint32_t local_id, const char *peer_name,
		      uint32_t peer_id)
{
	int c = strcmp(local_name ? local_name : "", peer_name ? peer_name : "");
	if (c)
		return c < 0;
	return local_id < peer_id;
}

enum hs_mirror_conflict hs_mirror_conflict(const struct hs_mirror *m, uint64_t key,
					   uint64_t now_ms, bool we_win)
{
	if (!hs_mirror_is_ours(m, key, now_ms))
		return HS_MIRROR_NO_CONFLICT;
	return we_win ? HS_MIRROR_KEEP_OURS : HS_MIRROR_TAKE_THEIRS;
}

bool hs_mirror_take(struct hs_mirror *m, uint64_t key, uint32_t *id)
{
	struct hs_mirror_seen *set = set_of(m, key);
	for (unsigned w = 0; w < HS_MIRROR_SEEN_WAYS; w++)
		if (set[w].key == key)
			set[w].created = false; /* the peer's now: its later records are no conflict */
	for (size_t i = 0; i < m->count; i++) {
		if (at(m, i)->key != key || !at(m, i)->created)
			continue;
		*id = at(m, i)->packet_id;
		/* Close the gap: the holds after it move up one, keeping the FIFO order. */
		for (size_t j = i; j + 1 < m->count; j++)
			*at(m, j) = *at(m, j + 1);
		m->count--;
		return true;
	}
	return false;
}

void hs_mirror_new_header(uint8_t *buf, uint32_t token)
{
	buf[0] = HS_MIRROR_REC_NEW;
	hrp_put_u32(buf + 1, token);
}

size_t hs_mirror_ack_encode(uint8_t *buf, size_t room, uint32_t token)
{
	if (room < 5)
		return 0;
	buf[0] = HS_MIRROR_REC_ACK;
	hrp_put_u32(buf + 1, token);
	return 5;
}

int hs_mirror_parse(const uint8_t *buf, size_t len, uint8_t kind, uint32_t *token)
{
	if (len < 5 || buf[0] != kind || (kind == HS_MIRROR_REC_ACK && len != 5))
		return -1;
	*token = hrp_get_u32(buf + 1);
	return 0;
}
