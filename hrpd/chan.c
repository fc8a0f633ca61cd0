/* The heartbeat channel: messages out (hello, probe, probe-ack, challenge and its response,
 * not-supported, registry), messages in through hrp_rx() and a dispatch table by type, and the
 * glue to the liveness core (its one timer, its actions).
 *
 * Each link gets its own hello with its own sequence number, so that every link's hellos pass the
 * replay window and prove that link. Our sender id is the first 4 bytes (big-endian) of
 * SHA-256("hrp sender id" || sysname), 1 if that is 0: fixed per box, different between two
 * boxes with different names. The epoch is 64 random bits from randombytes_buf at start. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfgsync.h"
#include "data.h"
#include "hrpd.h"
#include "issu.h"
#include "log.h"
#include "log_event.h"
#include "sess.h"

#define PEER_PREFIX "[hrp peer]"

uint64_t hrpd_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint32_t sender_id_of(const char *name)
{
	crypto_hash_sha256_state st;
	uint8_t md[crypto_hash_sha256_BYTES];
	static const char tag[] = "hrp sender id";
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)tag, sizeof(tag) - 1);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
	crypto_hash_sha256_final(&st, md);
	uint32_t id = hrp_get_u32(md);
	return id ? id : 1;
}

static uint64_t random_epoch(void)
{
	uint64_t e = 0;
	while (e == 0)
		randombytes_buf(&e, sizeof(e));
	return e;
}

int hrpd_keys_load(struct hrp_keyring *kr, const struct hs_hrpd_config *c)
{
	hrp_keyring_init(kr);
	int r = 0;
	if (c->key_current[0])
		r = hrp_keyring_set(kr, HRP_KEY_CURRENT, 0, c->key_current, strlen(c->key_current));
	if (r == 0 && c->key_next[0])
		r = hrp_keyring_set(kr, HRP_KEY_NEXT, 0, c->key_next, strlen(c->key_next));
	return r;
}

static void timer_fired(struct hs_timer *t, void *arg);

int hrpd_chan_init(struct hrpd *h)
{
	if (sodium_init() < 0)
		return -EIO;
	const struct hs_hrpd_config *c = &h->d->config->hrpd;
	snprintf(h->sysname, sizeof(h->sysname), "%s", h->d->config->global.name);
	if (!h->sysname[0] && gethostname(h->sysname, sizeof(h->sysname) - 1) < 0)
		snprintf(h->sysname, sizeof(h->sysname), "hrpd");
	h->sender_id = sender_id_of(h->sysname);
	hrp_tx_init(&h->tx, h->sender_id, random_epoch(), 0);
	int r = hrpd_keys_load(&h->keys, c);
	if (r < 0)
		return r;
	hrp_peer_init(&h->peer, !hrp_keyring_empty(&h->keys));
	randombytes_buf(&h->next_request_id, sizeof(h->next_request_id));
	h->hello_interval_ms = (uint32_t)c->hello_interval_ms;
	h->peer.epoch_takeback_ms = hrp_peer_takeback_ms(h->hello_interval_ms, 0);
	h->dead_count = c->dead_count;
	h->port = c->port;
	hs_timer_init(&h->timer, &h->d->loop, timer_fired, h);
	struct hrp_lv_params p = { .hello_interval_ms = h->hello_interval_ms,
				   .dead_count = (uint32_t)h->dead_count,
				   .n_links = h->n_links ? h->n_links : 1 };
	r = hrp_lv_init(&h->lv, &p);
	if (r < 0)
		return r;
	hs_info("[hrp]", "sender id 0x%08x (from sysname %s), epoch 0x%016llx, %s", h->sender_id,
		h->sysname, (unsigned long long)h->tx.epoch,
		hrp_keyring_empty(&h->keys) ? "no key: messages are not authenticated"
					    : "messages signed with HMAC-SHA256");
	return 0;
}

struct hrpd_link *hrpd_running_link(struct hrpd *h)
{
	int i = h->lv.running;
	return i >= 0 && (size_t)i < h->n_links ? h->links[i] : NULL;
}

/* ---- sending ---- */

const struct hrp_key *hrpd_tx_key(struct hrpd *h)
{
	int slot = hrp_keyring_tx_slot(&h->keys, h->peer_hello.key_ids,
				       h->have_peer_hello ? h->peer_hello.n_key_ids : 0);
	return slot >= 0 ? hrp_keyring_key(&h->keys, slot) : NULL;
}

static int sent(struct hrpd *h, struct hrpd_link *l, uint16_t type, const uint8_t *buf, size_t len)
{
	int r = hrpd_link_send(l, buf, len);
	if (r < 0) {
		h->st.tx_errors++;
		return r;
	}
	if (type < HRP_RX_TYPES)
		h->st.tx_type[type]++;
	return 0;
}

int64_t hrpd_send(struct hrpd *h, struct hrpd_link *l, uint16_t type, uint16_t flags,
		  int (*put)(struct hrp_builder *b, const void *arg), const void *arg)
{
	uint8_t buf[HRPD_MSG_BUF];
	struct hrp_builder b;
	size_t len;
	if (!l || l->fd < 0)
		return -ENOTCONN;
	hrp_msg_begin(&b, buf, sizeof(buf), type, flags);
	if (put)
		put(&b, arg);
	/* the send plan against the peer's version (issu.c): held back, or narrowed */
	if (hrpd_issu_narrow(h, type, &b) < 0)
		return -EPERM;
	uint32_t seq = h->tx.seq[HRP_STREAM_HEARTBEAT];
	int r = hrp_msg_end(&b, &h->tx, HRP_STREAM_HEARTBEAT, hrpd_tx_key(h), &len);
	if (r < 0) {
		hs_err(l->prefix, "cannot build %s: %s", hrp_msg_type_name(type), strerror(-r));
		return r;
	}
	r = sent(h, l, type, buf, len);
	return r < 0 ? r : (int64_t)seq;
}

static int put_hello(struct hrp_builder *b, const void *arg)
{
	const struct hrpd *h = arg;
	struct hrp_hello hello = { .vgmp = h->local, .hello_interval_ms = h->hello_interval_ms,
				   .payload_gen = h->payload_gen };
	snprintf(hello.sysname, sizeof(hello.sysname), "%s", h->sysname);
	hello.n_key_ids = (uint8_t)hrp_keyring_ids(&h->keys, hello.key_ids, HRP_KEY_IDS_MAX);
	if (h->next_epoch_set) {
		hello.has_next_epoch = true;
		hello.next_epoch = h->next_epoch;
	}
	return hrp_hello_put(b, &hello);
}

static int put_sysname(struct hrp_builder *b, const void *arg)
{
	const char *name = arg;
	return name[0] ? hrp_tlv_put(b, HRP_TLV_SYSNAME, name, strlen(name)) : 0;
}

int hrpd_put_probe_ack(struct hrp_builder *b, const void *arg)
{
	return hrp_probe_ack_put(b, *(const uint32_t *)arg);
}

static int put_challenge(struct hrp_builder *b, const void *arg)
{
	return hrp_challenge_put(b, arg);
}

struct challenge_answer {
	const struct hrpd *h;
	const struct hrp_hdr *asker;
	uint8_t nonce[HRP_NONCE_LEN];
};

static int put_challenge_response(struct hrp_builder *b, const void *arg)
{
	const struct challenge_answer *a = arg;
	uint8_t ids[HRP_KEY_IDS_MAX];
	size_t n = hrp_keyring_ids(&a->h->keys, ids, sizeof(ids));
	hrp_challenge_put(b, a->nonce);
	if (n)
		hrp_tlv_put(b, HRP_TLV_KEY_IDS, ids, n);
	/* So that the asker takes nothing older of our data stream (hrp-protocol 7.2); an older
	 * asker skips it. */
	return hrp_response_data_seq_put(b, hrpd_data_first_seq(a->h, a->asker));
}

static int put_registry(struct hrp_builder *b, const void *arg)
{
	static struct hrp_registry local;
	if (local.n == 0)
		hrp_registry_local(&local);
	return hrp_registry_encode(&local, b);
}

int hrpd_send_registry(struct hrpd *h)
{
	int64_t r = hrpd_send(h, hrpd_running_link(h), HRP_MSG_REGISTRY, HRP_F_ACK_REQUESTED,
			      put_registry, NULL);
	return r < 0 ? (int)r : 0;
}

/* Epoch ageing (2^30 messages on a stream): the next epoch is announced in hellos, then taken. */
static void epoch_age(struct hrpd *h)
{
	if (!h->next_epoch_set && hrp_tx_epoch_aging(&h->tx)) {
		h->next_epoch = random_epoch();
		h->next_epoch_set = true;
		h->next_epoch_announced = 0;
		hs_notice("[hrp]", "epoch ageing: announcing the next epoch 0x%016llx",
			  (unsigned long long)h->next_epoch);
	} else if (h->next_epoch_set && h->next_epoch_announced >= HRPD_EPOCH_ANNOUNCE) {
		hrp_tx_new_epoch(&h->tx, h->next_epoch, 0);
		h->next_epoch_set = false;
		h->st.epoch_switches++;
		hs_notice("[hrp]", "switched to epoch 0x%016llx", (unsigned long long)h->tx.epoch);
	}
}

void hrpd_send_hellos(struct hrpd *h, bool urgent)
{
	epoch_age(h);
	for (size_t i = 0; i < h->n_links; i++) {
		struct hrpd_link *l = h->links[i];
		if (l->fd < 0 || !l->admin_up)
			continue;
		if (hrpd_send(h, l, HRP_MSG_HELLO, urgent ? HRP_F_URGENT : 0, put_hello, h) >= 0)
			l->hellos_sent++;
		/* Every HRPD_RTT_EVERY hellos, a probe that measures the link's round trip. */
		if (!urgent && l->hellos_sent % HRPD_RTT_EVERY == 1 &&
		    h->lv.link[i].state != HRP_LV_LINK_DOWN) {
			int64_t seq =
				hrpd_send(h, l, HRP_MSG_PROBE, HRP_F_ACK_REQUESTED, NULL, NULL);
			if (seq >= 0) {
				l->rtt_pending = true;
				l->rtt_seq = (uint32_t)seq;
				l->rtt_sent_us = hrpd_now_us();
				h->st.rtt_probes_sent++;
			}
		}
	}
	if (h->next_epoch_set)
		h->next_epoch_announced++;
	if (h->hot_confirm_pending)
		hrpd_hot_hellos_sent(h);
}

/* ---- receiving ---- */

static bool drop_is_auth(enum hrp_drop d)
{
	return d >= HRP_DROP_AUTH_MISSING && d <= HRP_DROP_AUTH_BAD;
}

/* One line per link and reason the first time, then at 2, 4, 8, ... so a flood cannot fill the
 * log; the counters have every one. */
static void log_drop(struct hrpd_link *l, const struct hrp_rx_result *res)
{
	enum hrp_drop d = res->drop;
	if ((unsigned)d >= HRP_DROP_MAX)
		return;
	uint64_t n = ++l->drops_logged[d];
	if (n & (n - 1))
		return;
	char extra[96] = "";
	if (drop_is_auth(d)) {
		uint8_t ids[HRP_KEY_IDS_MAX];
		size_t k = hrp_keyring_ids(&l->h->keys, ids, sizeof(ids));
		char ours[24] = "no key here";
		if (k == 1)
			snprintf(ours, sizeof(ours), "ours: %u", ids[0]);
		else if (k > 1)
			snprintf(ours, sizeof(ours), "ours: %u, %u", ids[0], ids[1]);
		if (res->msg.has_trailer)
			snprintf(extra, sizeof(extra), " (signed with key id %u; %s)",
				 res->msg.key_id, ours);
		else
			snprintf(extra, sizeof(extra), " (not signed; %s)", ours);
	} else if (d == HRP_DROP_BAD_VERSION) {
		snprintf(extra, sizeof(extra), " (peer speaks %u.%u)", res->msg.hdr.ver_major,
			 res->msg.hdr.ver_minor);
	}
	bool loud = drop_is_auth(d) || d == HRP_DROP_BAD_VERSION || d == HRP_DROP_LOOPED;
	if (loud)
		hs_warn(l->prefix, "dropped a message: %s%s (%llu so far)", hrp_drop_name(d), extra,
			(unsigned long long)n);
	else
		hs_info(l->prefix, "dropped a message: %s%s (%llu so far)", hrp_drop_name(d), extra,
			(unsigned long long)n);
}

typedef void (*rx_fn)(struct hrpd *h, struct hrpd_link *l, const struct hrp_rx_result *res,
		      uint64_t now);

static void rx_hello(struct hrpd *h, struct hrpd_link *l, const struct hrp_rx_result *res,
		     uint64_t now)
{
	const struct hrp_hello *hello = &res->hello; /* hrp_rx read it whole */
	l->hellos_received++;
	if (hello->hello_interval_ms && hello->hello_interval_ms != h->hello_interval_ms &&
	    (!h->have_peer_hello || h->peer_hello.hello_interval_ms != hello->hello_interval_ms))
		hs_warn(PEER_PREFIX,
			"the peer's hello interval is %u ms, ours %u ms: the dead time "
			"follows the larger",
			hello->hello_interval_ms, h->hello_interval_ms);
	hrp_lv_set_peer_interval(&h->lv, hello->hello_interval_ms);
	h->peer.epoch_takeback_ms =
		hrp_peer_takeback_ms(h->hello_interval_ms, hello->hello_interval_ms);
	hrpd_vgmp_peer_hello(h, hello);
}

static void rx_probe(struct hrpd *h, struct hrpd_link *l, const struct hrp_rx_result *res,
		     uint64_t now)
{
	uint32_t ref = res->msg.hdr.seq;
	hrpd_send(h, l, HRP_MSG_PROBE_ACK, HRP_F_URGENT, hrpd_put_probe_ack, &ref);
}

static void rx_probe_ack(struct hrpd *h, struct hrpd_link *l, const struct hrp_rx_result *res,
			 uint64_t now)
{
	uint32_t ref;
	if (hrp_probe_ack_get(res->msg.body, res->msg.body_len, &ref) < 0)
		return;
	h->st.probe_acks_received++;
	if (l->rtt_pending && ref == l->rtt_seq) {
		l->rtt_pending = false;
		l->rtt_us = (int64_t)(hrpd_now_us() - l->rtt_sent_us);
		return;
	}
	hrpd_vgmp_acked(h, ref);
}

static void rx_challenge(struct hrpd *h, struct hrpd_link *l, const struct hrp_rx_result *res,
			 uint64_t now)
{
	struct challenge_answer arg = { .h = h, .asker = &res->msg.hdr };
	if (hrp_challenge_get(res->msg.body, res->msg.body_len, arg.nonce) < 0)
		return;
	/* A peer asks once a second a link, with a fresh nonce each time. A challenge is exempt
	 * from the replay window: a nonce answered in the last second, or a ninth challenge in a
	 * second, is a replay or a flood that would make us send two messages for each. */
	bool again = false;
	for (unsigned i = 0; i < HRPD_CHALLENGE_RING; i++)
		again |= l->answered_ms[i] && now - l->answered_ms[i] < HRP_CHALLENGE_RETRY_MS &&
			 memcmp(l->answered_nonce[i], arg.nonce, HRP_NONCE_LEN) == 0;
	uint64_t oldest = l->answered_ms[l->answered_next];
	if (again || (oldest && now - oldest < HRP_CHALLENGE_RETRY_MS)) {
		h->st.challenges_throttled++;
		return;
	}
	l->answered_ms[l->answered_next] = now;
	memcpy(l->answered_nonce[l->answered_next], arg.nonce, HRP_NONCE_LEN);
	l->answered_next = (l->answered_next + 1) % HRPD_CHALLENGE_RING;
	/* Answered whatever its epoch: only a key holder can use the answer (hrp-protocol 7.2). */
	if (hrpd_send(h, l, HRP_MSG_CHALLENGE_RESPONSE, HRP_F_URGENT, put_challenge_response,
		      &arg) < 0)
		return;
	h->st.challenge_responses_sent++;
	/* And a hello right behind it: the asker takes it once the response has proven us, so
	 * the link comes up within a round trip instead of at our next hello. */
	if (h->enabled && hrpd_send(h, l, HRP_MSG_HELLO, HRP_F_URGENT, put_hello, h) >= 0)
		l->hellos_sent++;
}

static void rx_challenge_response(struct hrpd *h, struct hrpd_link *l,
				  const struct hrp_rx_result *res, uint64_t now)
{
	hs_info(l->prefix, "the peer proved epoch 0x%016llx", (unsigned long long)h->peer.epoch);
}

static void rx_not_supported(struct hrpd *h, struct hrpd_link *l, const struct hrp_rx_result *res,
			     uint64_t now)
{
	struct hrp_not_supported ns;
	h->st.not_supported_received++;
	if (hrp_not_supported_get(res->msg.body, res->msg.body_len, &ns) == 0)
		hs_info(l->prefix, "the peer does not support %s (type %u, seq %u)",
			hrp_msg_type_name(ns.ref_type), ns.ref_type, ns.ref_seq);
}

static void rx_registry(struct hrpd *h, struct hrpd_link *l, const struct hrp_rx_result *res,
			uint64_t now)
{
	struct hrp_registry r;
	int e = hrp_registry_decode(res->msg.body, res->msg.body_len, &r);
	if (e == 0) {
		h->peer_registry = r;
		hrpd_issu_peer_registry(h);
	} else {
		/* the peer's types stay as last known; it is still acked, or it would send it again
		 * for ever */
		uint64_t n = ++h->st.registry_unreadable;
		if ((n & (n - 1)) == 0)
			hs_warn(PEER_PREFIX,
				"cannot read the peer's registry: %s (%llu so far); the upgrade "
				"checks go on with the one last read",
				e == -E2BIG ? "more types than we hold" : "malformed",
				(unsigned long long)n);
	}
	if (res->msg.hdr.flags & HRP_F_ACK_REQUESTED)
		hrpd_send(h, l, HRP_MSG_REGISTRY, 0, put_registry, NULL);
}

static void rx_vgmp(struct hrpd *h, struct hrpd_link *l, const struct hrp_rx_result *res,
		    uint64_t now)
{
	hrpd_vgmp_rx_request(h, l, res);
}

static void rx_data(struct hrpd *h, struct hrpd_link *l, const struct hrp_rx_result *res,
		    uint64_t now)
{
	/* Data travels on the data channel's TCP connection (data.c), never in datagrams. */
	h->st.data_ignored++;
}

static void rx_issu(struct hrpd *h, struct hrpd_link *l, const struct hrp_rx_result *res,
		    uint64_t now)
{
	(void)l;
	(void)now;
	hrpd_issu_rx(h, res->msg.body, res->msg.body_len);
}

/* pfsync style: one handler per type; hrp_rx() has already checked each body against the
 * registry (minimum length, TLVs), so a handler only reads. */
static const rx_fn rx_table[HRP_MSG_MAX] = {
	[HRP_MSG_HELLO] = rx_hello,
	[HRP_MSG_PROBE] = rx_probe,
	[HRP_MSG_PROBE_ACK] = rx_probe_ack,
	[HRP_MSG_CHALLENGE] = rx_challenge,
	[HRP_MSG_CHALLENGE_RESPONSE] = rx_challenge_response,
	[HRP_MSG_NOT_SUPPORTED] = rx_not_supported,
	[HRP_MSG_REGISTRY] = rx_registry,
	[HRP_MSG_VGMP_SWITCHOVER] = rx_vgmp,
	[HRP_MSG_VGMP_ACK] = rx_vgmp,
	[HRP_MSG_VGMP_NACK] = rx_vgmp,
	[HRP_MSG_DATA] = rx_data,
	[HRP_MSG_DATA_ACK] = rx_data,
	[HRP_MSG_ISSU] = rx_issu,
};

static void send_challenge(struct hrpd *h, struct hrpd_link *l, uint64_t now)
{
	uint8_t fresh[HRP_NONCE_LEN], nonce[HRP_NONCE_LEN];
	randombytes_buf(fresh, sizeof(fresh));
	hrp_peer_challenge_start(&h->peer, fresh, now, nonce);
	if (hrpd_send(h, l, HRP_MSG_CHALLENGE, HRP_F_URGENT | HRP_F_ACK_REQUESTED, put_challenge,
		      nonce) >= 0)
		h->st.challenges_sent++;
	hs_info(l->prefix, "a message from an unproven epoch: challenge sent");
}

static void answer_not_supported(struct hrpd *h, struct hrpd_link *l,
				 const struct hrp_rx_result *res)
{
	uint8_t buf[HRPD_MSG_BUF];
	size_t len;
	if (hrp_not_supported_encode(buf, sizeof(buf), &h->tx, hrpd_tx_key(h), &res->msg.hdr,
				     res->bad_tlv, &len) < 0)
		return;
	if (sent(h, l, HRP_MSG_NOT_SUPPORTED, buf, len) == 0)
		h->st.not_supported_sent++;
}

/* While the peer is up, a well-formed, authentic message under another sender id is not the
 * peer: without a key hrp_rx() would take it as the peer's new epoch and then refuse the real
 * peer's epoch as an old one. Once the peer is dead (or never seen) any sender may come. Malformed
 * or unauthentic messages go on to hrp_rx(), which counts them under their reason. */
static bool foreign_sender(const struct hrpd *h, const uint8_t *buf, size_t len)
{
	struct hrp_msg m;
	enum hrp_drop why;
	int slot;
	if (!h->peer.known ||
	    (h->lv.peer != HRP_LV_PEER_UP && h->lv.peer != HRP_LV_PEER_NEGOTIATING))
		return false;
	if (hrp_msg_split(buf, len, &m, &why) < 0 || m.hdr.sender_id == h->peer.sender_id ||
	    m.hdr.sender_id == h->sender_id)
		return false;
	return hrp_keyring_verify(&h->keys, &m, &slot, &why) == 0;
}

/* A known peer's new epoch: a restart, or (no key) an epoch taken back once the one that had
 * replaced it went quiet (taken_back: the count before this message). */
static void log_new_epoch(const struct hrpd *h, uint64_t taken_back)
{
	uint64_t n = h->peer.epochs_taken_back;
	if (n == taken_back) {
		hs_notice(PEER_PREFIX, "the peer restarted: epoch 0x%016llx",
			  (unsigned long long)h->peer.epoch);
		return;
	}
	/* 1st, 2nd, 4th, ...: an alternating forger floods no log */
	if (!(n & (n - 1)))
		hs_warn(PEER_PREFIX,
			"the peer's epoch 0x%016llx taken back: the one that had replaced it (a "
			"late message's, or a forger's) went quiet (%llu so far)",
			(unsigned long long)h->peer.epoch, (unsigned long long)n);
}

void hrpd_chan_receive(struct hrpd_link *l, const uint8_t *buf, size_t len, uint64_t now)
{
	struct hrpd *h = l->h;
	if (foreign_sender(h, buf, len)) {
		uint64_t n = ++h->st.wrong_sender;
		if (!(n & (n - 1)))
			hs_warn(l->prefix,
				"dropped a message from sender id 0x%08x while the peer "
				"(0x%08x) is up (%llu so far)",
				hrp_get_u32(buf + 24), h->peer.sender_id, (unsigned long long)n);
		return;
	}
	bool was_known = h->peer.known;
	uint64_t taken_back = h->peer.epochs_taken_back;
	struct hrp_rx_ctx ctx = { .local_id = h->sender_id,
				  .keys = &h->keys,
				  .peer = &h->peer,
				  .counters = &h->counters };
	struct hrp_rx_result res;
	l->rx++;
	enum hrp_rx_verdict v = hrp_rx(&ctx, buf, len, now, &res);
	/* A restart rebuilds what we hold of the peer; an announced epoch keeps it (the same
	 * process goes on: doc/hrp-protocol.md 7.3). */
	enum hrp_rx_epoch ec = hrp_rx_epoch_change(&res, was_known);
	switch (v) {
	case HRP_RX_DROP:
		if (drop_is_auth(res.drop))
			l->auth_failures++;
		log_drop(l, &res);
		return;
	case HRP_RX_NEED_CHALLENGE: send_challenge(h, l, now); return;
	case HRP_RX_NOT_SUPPORTED:
		/* Authenticated and fresh: answered, and it proves the peer is there. */
		answer_not_supported(h, l, &res);
		break;
	case HRP_RX_ACCEPT: {
		uint16_t type = res.msg.hdr.type;
		if (ec == HRP_RX_EPOCH_ANNOUNCED)
			hs_info(PEER_PREFIX,
				"the peer switched to the epoch it announced: 0x%016llx",
				(unsigned long long)h->peer.epoch);
		if (ec == HRP_RX_EPOCH_RESTART) {
			log_new_epoch(h, taken_back);
			hrpd_vgmp_reset_peer(h);
			hrpd_data_peer_restart(h);
			hrpd_sess_peer_restarted(h);
			hrpd_issu_peer_restarted(h);
			hrpd_sess_update(h); /* its table is due again */
			hrpd_cfgsync_update(h);
		}
		if (type < HRP_MSG_MAX && rx_table[type])
			rx_table[type](h, l, &res, now);
		/* A challenge proves nothing about the peer's liveness: anyone can replay one. */
		if (type == HRP_MSG_CHALLENGE)
			return;
		break;
	}
	default: return;
	}
	/* A peer comes up with its hello, so that vgmpd hears of it with its payload; other
	 * messages keep a known peer alive (a probe-ack during negotiation, VGMP requests). */
	if (res.msg.hdr.type != HRP_MSG_HELLO &&
	    (h->lv.peer == HRP_LV_PEER_UNKNOWN || h->lv.peer == HRP_LV_PEER_DEAD))
		return;
	enum hrp_lv_rx what = res.msg.hdr.type == HRP_MSG_HELLO       ? HRP_LV_RX_HELLO
			      : res.msg.hdr.type == HRP_MSG_PROBE_ACK ? HRP_LV_RX_PROBE_ACK
								      : HRP_LV_RX_OTHER;
	if (ec == HRP_RX_EPOCH_RESTART)
		what = HRP_LV_RX_RESTART;
	l->heard = true;
	l->last_rx_ms = now;
	struct hrp_lv_out out;
	hrp_lv_out_clear(&out);
	hrp_lv_rx(&h->lv, l->index, what, now, &out);
	hrpd_apply(h, &out);
}

/* ---- liveness glue ---- */

static const char *link_name(struct hrpd *h, int i)
{
	return i >= 0 && (size_t)i < h->n_links ? h->links[i]->cfg.interface : "none";
}

static void apply_one(struct hrpd *h, const struct hrp_lv_act *a)
{
	switch (a->kind) {
	case HRP_LV_ACT_SEND_HELLO: hrpd_send_hellos(h, false); break;
	case HRP_LV_ACT_ANSWER_HELLO: hrpd_send_hellos(h, true); break;
	case HRP_LV_ACT_SEND_PROBE:
		if ((size_t)a->link < h->n_links &&
		    hrpd_send(h, h->links[a->link], HRP_MSG_PROBE,
			      HRP_F_URGENT | HRP_F_ACK_REQUESTED, put_sysname, h->sysname) >= 0)
			h->st.probes_sent++;
		break;
	case HRP_LV_ACT_LINK:
		if ((size_t)a->link < h->n_links)
			hs_event(LOG_NOTICE, h->links[a->link]->prefix,
				 &(struct hs_event){
					 .event = "hrp-link",
					 .old_state = hrp_lv_link_state_name(a->old),
					 .new_state = hrp_lv_link_state_name(a->new_),
					 .reason = hrp_lv_reason_name(a->reason),
					 .local_priority = HS_EVENT_NO_PRIORITY,
					 .peer_priority = HS_EVENT_NO_PRIORITY,
					 .extra = { { "interface", link_name(h, a->link) } } });
		break;
	case HRP_LV_ACT_RUNNING:
		hs_event(LOG_NOTICE, "[hrp running link]",
			 &(struct hs_event){ .event = "hrp-running-link",
					     .old_state = link_name(h, a->old),
					     .new_state = link_name(h, a->new_),
					     .reason = hrp_lv_reason_name(a->reason),
					     .local_priority = HS_EVENT_NO_PRIORITY,
					     .peer_priority = HS_EVENT_NO_PRIORITY });
		break;
	case HRP_LV_ACT_PEER:
		hs_event(LOG_NOTICE, PEER_PREFIX,
			 &(struct hs_event){
				 .event = "hrp-peer",
				 .old_state = hrp_lv_peer_state_name(a->old),
				 .new_state = hrp_lv_peer_state_name(a->new_),
				 .reason = hrp_lv_reason_name(a->reason),
				 .local_priority = h->local_set ? (long)h->local.priority
								: HS_EVENT_NO_PRIORITY,
				 .peer_priority = h->have_peer_hello
							  ? (long)h->peer_hello.vgmp.priority
							  : HS_EVENT_NO_PRIORITY });
		if (a->new_ == HRP_LV_PEER_NEGOTIATING)
			hs_notice(PEER_PREFIX,
				  "every link silent for %llu ms: probing, dead in %llu ms unless "
				  "answered",
				  (unsigned long long)hrp_lv_silent_ms(&h->lv),
				  (unsigned long long)hrp_lv_negotiation_ms(&h->lv));
		break;
	case HRP_LV_ACT_PEER_UP: {
		hrpd_vgmp_peer_event(h, true, hrp_lv_reason_name(a->reason));
		hrpd_issu_peer_event(h, true);
		hrpd_send(h, hrpd_running_link(h), HRP_MSG_REGISTRY, HRP_F_ACK_REQUESTED,
			  put_registry, NULL);
		break;
	}
	case HRP_LV_ACT_PEER_DOWN:
		hrpd_vgmp_peer_event(h, false, hrp_lv_reason_name(a->reason));
		hrpd_issu_peer_event(h, false);
		break;
	case HRP_LV_ACT_RESTART: break; /* logged where the new epoch was seen */
	default: break;
	}
}

void hrpd_apply(struct hrpd *h, struct hrp_lv_out *out)
{
	for (size_t i = 0; i < out->n; i++)
		apply_one(h, &out->act[i]);
	hrp_lv_out_clear(out);
	uint64_t next = hrp_lv_next_deadline(&h->lv);
	if (next == HRP_LV_NEVER)
		hs_timer_cancel(&h->timer);
	else
		hs_timer_arm_at(&h->timer, next);
	hrpd_data_check(h); /* the data connection follows the peer and the running link */
}

/* Interfaces first (admin changes), then what is queued on every socket (a busy or frozen box
 * must not read its own backlog as the peer's silence), then the liveness timer. */
static void timer_fired(struct hs_timer *t, void *arg)
{
	struct hrpd *h = arg;
	uint64_t now = hs_now_ms();
	struct hrp_lv_out out;
	hrp_lv_out_clear(&out);
	for (size_t i = 0; i < h->n_links; i++) {
		struct hrpd_link *l = h->links[i];
		if (hrpd_link_refresh(l, now))
			hrp_lv_admin(&h->lv, (int)i, l->admin_up, now, &out);
	}
	hrpd_apply(h, &out);
	for (size_t i = 0; i < h->n_links; i++)
		hrpd_link_drain(h->links[i]);
	hrp_lv_timer(&h->lv, hs_now_ms(), &out);
	hrpd_apply(h, &out);
}

void hrpd_chan_enable(struct hrpd *h, bool on)
{
	struct hrp_lv_out out;
	hrp_lv_out_clear(&out);
	uint64_t now = hs_now_ms();
	if (on) {
		for (size_t i = 0; i < h->n_links; i++) {
			hrpd_link_refresh(h->links[i], now);
			hrp_lv_admin(&h->lv, (int)i, h->links[i]->admin_up, now, &out);
		}
		hrp_lv_start(&h->lv, now, &out);
	} else {
		hrp_lv_stop(&h->lv, now, &out);
		hrpd_vgmp_reset_peer(h);
		h->have_peer_hello = false;
	}
	hrpd_apply(h, &out);
	hrpd_sess_update(h);
	hrpd_cfgsync_update(h);
}

void hrpd_chan_reconfigure(struct hrpd *h, const int *old_index)
{
	struct hrp_lv_params p = { .hello_interval_ms = h->hello_interval_ms,
				   .dead_count = (uint32_t)h->dead_count,
				   .n_links = h->n_links ? h->n_links : 1 };
	struct hrp_lv_out out;
	hrp_lv_out_clear(&out);
	uint64_t now = hs_now_ms();
	if (hrp_lv_reconfigure(&h->lv, &p, old_index, now, &out) < 0) {
		hs_err("[hrp]", "liveness parameters refused");
		return;
	}
	for (size_t i = 0; i < h->n_links; i++) {
		hrpd_link_refresh(h->links[i], now);
		hrp_lv_admin(&h->lv, (int)i, h->links[i]->admin_up, now, &out);
	}
	hrpd_apply(h, &out);
}
