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
	/* A conflict is two boxes creating one tuple within the sync latency; a second is
	 * far more than that and still too short to catch a later, unrelated flow. */
	m->recent_ms = hold_ms * 4 > RECENT_MIN_MS ? hold_ms * 4 : RECENT_MIN_MS;
}

uint32_t hs_mirror_token(const struct hs_mirror *m)
{
	return m->next_token;
}

void hs_mirror_next_record(struct hs_mirror *m)
{
	m->next_token++;
}

static struct hs_mirror_hold *at(struct hs_mirror *m, size_t i)
{
	return &m->ring[(m->head + i) % HS_MIRROR_HOLDS_MAX];
}

int hs_mirror_hold(struct hs_mirror *m, uint32_t packet_id, uint64_t key, uint64_t now_ms)
{
	if (m->count == HS_MIRROR_HOLDS_MAX)
		return -1;
	struct hs_mirror_hold *h = at(m, m->count++);
	h->packet_id = packet_id;
	h->token = m->next_token;
	h->key = key;
	h->deadline_ms = now_ms + m->hold_ms;
	return 0;
}

static void remember(struct hs_mirror *m, uint64_t key, uint64_t now_ms)
{
	if (!key)
		return;
	m->recent[m->recent_next] = (struct hs_mirror_recent){ .key = key, .at_ms = now_ms };
	m->recent_next = (m->recent_next + 1) % HS_MIRROR_RECENT_MAX;
}

/* Pops the oldest hold into ids[n]. */
static void pop(struct hs_mirror *m, uint64_t now_ms, uint32_t *ids, size_t n)
{
	struct hs_mirror_hold *h = at(m, 0);
	ids[n] = h->packet_id;
	remember(m, h->key, now_ms);
	m->head = (m->head + 1) % HS_MIRROR_HOLDS_MAX;
	m->count--;
}

static bool token_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

size_t hs_mirror_ack(struct hs_mirror *m, uint32_t token, uint64_t now_ms, uint32_t *ids,
		     size_t max)
{
	size_t n = 0;
	while (n < max && m->count && token_le(at(m, 0)->token, token))
		pop(m, now_ms, ids, n++);
	return n;
}

size_t hs_mirror_expire(struct hs_mirror *m, uint64_t now_ms, uint32_t *ids, size_t max)
{
	size_t n = 0;
	while (n < max && m->count && at(m, 0)->deadline_ms <= now_ms)
		pop(m, now_ms, ids, n++);
	return n;
}

size_t hs_mirror_release_all(struct hs_mirror *m, uint64_t now_ms, uint32_t *ids, size_t max)
{
	size_t n = 0;
	while (n < max && m->count)
		pop(m, now_ms, ids, n++);
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

static long find_hold(struct hs_mirror *m, uint64_t key)
{
	if (!key)
		return -1;
	for (size_t i = 0; i < m->count; i++)
		if (at(m, i)->key == key)
			return (long)i;
	return -1;
}

bool hs_mirror_is_ours(const struct hs_mirror *m, uint64_t key, uint64_t now_ms)
{
	if (!key)
		return false;
	if (find_hold((struct hs_mirror *)m, key) >= 0)
		return true;
	for (size_t i = 0; i < HS_MIRROR_RECENT_MAX; i++) {
		const struct hs_mirror_recent *r = &m->recent[i];
		if (r->at_ms && r->key == key && now_ms - r->at_ms <= m->recent_ms)
			return true;
	}
	return false;
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
	/* The key is the peer's now: its next records of it are no conflict. */
	for (size_t i = 0; key && i < HS_MIRROR_RECENT_MAX; i++)
		if (m->recent[i].key == key)
			m->recent[i].at_ms = 0;
	long i = find_hold(m, key);
	if (i < 0)
		return false;
	*id = at(m, (size_t)i)->packet_id;
	/* Close the gap: the holds after it move up one, keeping the FIFO order. */
	for (size_t j = (size_t)i; j + 1 < m->count; j++)
		*at(m, j) = *at(m, j + 1);
	m->count--;
	return true;
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
