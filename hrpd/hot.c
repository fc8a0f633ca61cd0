/* hrpd's hot restart (doc/hot-restart.md, "hrpd"). The old process hands over its heartbeat
 * sockets ("hrp-hb:IF"), the data channel's listeners and connection and the conntrack event and
 * request sockets ("ct-events", "ct-requests"); lib/daemon_hot adds the control listener and the
 * pid file. Its snapshot (lib/hrp_snapshot) carries the heartbeat channel whole: the new process
 * goes on with the same epoch and sequence numbers, the peer's proven epoch and replay windows,
 * the liveness core and its deadlines, so that the peer sees hellos go on as before: no gap, no
 * new epoch, no challenge, no peer-down. vgmpd reconnects to the control socket and finds the
 * peer up with the same payload.
 *
 * The old process goes on running between its snapshot and its exit, and the new one confirms
 * only once its first hellos are out (a new process on a busy machine may wait for the CPU; the
 * old one's hellos cover that time). Their messages must never share a sequence number: the
 * snapshot hands over numbers HRPD_HOT_SEQ_SKIP ahead (a forward jump passes the peer's replay
 * window; the old one's late messages arrive as too old), and an aborted handover moves the old
 * one's past whatever the new one may have sent. Data and conntrack events belong to one process
 * at a time: the old one freezes them at its snapshot (data_hot.c, sess_hot.c) and thaws them if
 * the handover aborts; the new one keeps them frozen until its confirm.
 *
 * Config sync's state travels as the snapshot's "cfgsync" part (cfgsync_hot.c).
 *
 * The data channel's connection is handed over too ("hrp-data-conn"), with its stream whole
 * (data_hot.c): records in flight travel in the snapshot.
 *
 * What is not carried makes it refuse, with the reason in the answer and in status.hot_restart:
 * a commit-confirmed window open here or a settings apply under way (config sync), the mirror
 * session, a session job in flight, more data records held than a snapshot carries. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgsync.h"
#include "daemon_hot.h"
#include "data.h"
#include "hrp_snapshot.h"
#include "hrpd.h"
#include "log.h"
#include "sess.h"

#define HRPD_HOT_SEQ_SKIP 4096u
/* The longest the new process waits for its first hellos before it confirms anyway (below the
 * old one's HS_HOT_TIMEOUT_MS). */
#define HRPD_HOT_CONFIRM_MS 1000u

_Static_assert(HRPD_REQ_MAX == HRP_SNAP_REQ_MAX, "request slots");
_Static_assert(HRPD_REQ_SENDS == HRP_SNAP_SENDS_MAX, "request sends");
_Static_assert(HRPD_SEEN_MAX == HRP_SNAP_SEEN_MAX, "seen requests");
_Static_assert(HS_HRP_LINKS_MAX == HRP_LV_LINKS_MAX, "links");

/* ---- old side ---- */

int hrpd_hot_refuse(struct hs_daemon *d, char *why, size_t len)
{
	struct hrpd *h = d->priv;
	if (!h) {
		snprintf(why, len, "hrpd is not started");
		return 1;
	}
	hrpd_sess_hot_flush(h);
	return hrpd_cfgsync_hot_busy(h, why, len) || hrpd_sess_hot_busy(h, why, len) ||
	       hrpd_data_hot_busy(h, why, len);
}

static void save_vgmp(const struct hrpd *h, struct hrp_snapshot *s)
{
	s->local_set = h->local_set;
	s->local = h->local;
	s->payload_gen = h->payload_gen;
	s->peer_payload_gen = h->peer_payload_gen;
	s->next_request_id = h->next_request_id;
	for (size_t i = 0; i < HRPD_REQ_MAX; i++) {
		const struct hrpd_request *q = &h->req[i];
		if (!q->pending)
			continue;
		struct hrp_snap_request *r = &s->req[s->n_requests++];
		r->type = q->type;
		r->req = q->req;
		r->sends = q->sends < HRPD_REQ_SENDS ? q->sends : HRPD_REQ_SENDS;
		memcpy(r->seqs, q->seqs, sizeof(r->seqs));
		r->next_ms = q->next_ms;
	}
	s->n_seen = h->n_seen < HRPD_SEEN_MAX ? h->n_seen : HRPD_SEEN_MAX;
	for (size_t i = 0; i < s->n_seen; i++) {
		s->seen[i].type = h->seen[i].type;
		s->seen[i].id = h->seen[i].id;
	}
}

static void save_links(const struct hrpd *h, struct hrp_snapshot *s)
{
	s->n_links = h->lv.p.n_links;
	for (size_t i = 0; i < s->n_links && i < h->n_links; i++) {
		const struct hrpd_link *l = h->links[i];
		struct hrp_snap_link *o = &s->links[i];
		snprintf(o->interface, sizeof(o->interface), "%s", l->cfg.interface);
		o->hellos_sent = l->hellos_sent;
		o->hellos_received = l->hellos_received;
		o->tx = l->tx;
		o->rx = l->rx;
		o->tx_errors = l->tx_errors;
		o->wrong_source = l->wrong_source;
		o->auth_failures = l->auth_failures;
		o->last_rx_ms = l->last_rx_ms;
		o->heard = l->heard;
		o->rtt_us = l->rtt_us;
	}
}

json_t *hrpd_hot_snapshot(struct hs_daemon *d)
{
	struct hrpd *h = d->priv;
	struct hrp_snapshot *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->sender_id = h->sender_id;
	s->tx = h->tx;
	for (int i = 0; i < HRP_STREAM_MAX; i++) {
		s->tx.seq[i] += HRPD_HOT_SEQ_SKIP;
		s->tx.count[i] += HRPD_HOT_SEQ_SKIP;
	}
	s->next_epoch_set = h->next_epoch_set;
	s->next_epoch = h->next_epoch;
	s->next_epoch_announced = h->next_epoch_announced;
	s->peer = h->peer;
	s->counters = h->counters;
	s->lv = h->lv;
	s->have_peer_hello = h->have_peer_hello;
	s->peer_hello = h->peer_hello;
	s->peer_registry = h->peer_registry;
	save_vgmp(h, s);
	save_links(h, s);
	hrpd_data_hot_save(h, s);
	hrpd_sess_hot_save(h, &s->session);
	json_t *j = hrp_snapshot_encode(s);
	free(s); /* its data stream and connection were the data channel's, borrowed */
	/* Config sync's part is hrpd's own (cfgsync_hot.c); a reader that does not know it
	 * skips it. */
	json_t *cfg = j ? hrpd_cfgsync_hot_save(h) : NULL;
	if (j && (!cfg || json_object_set_new(j, "cfgsync", cfg) < 0)) {
		json_decref(j);
		j = NULL;
	}
	/* Test hook (lab s55): a snapshot of a newer major version, which the new one refuses. */
	const char *major = getenv("HS_TEST_HOT_SNAPSHOT_MAJOR");
	if (j && major)
		json_object_set_new(j, "major", json_integer(atoi(major)));
	if (j) {
		/* From here the new process owns the data numbers and the unread events. */
		hrpd_data_hot_freeze(h, true);
		hrpd_sess_hot_freeze(h, true);
		hs_notice("[hot]", "snapshot taken: epoch 0x%016llx, hello seq %u (+%u), peer %s",
			  (unsigned long long)h->tx.epoch, h->tx.seq[HRP_STREAM_HEARTBEAT],
			  HRPD_HOT_SEQ_SKIP, hrp_lv_peer_state_name(h->lv.peer));
	}
	return j;
}

void hrpd_hot_aborted(struct hs_daemon *d)
{
	struct hrpd *h = d->priv;
	if (!h)
		return;
	/* The new process may have sent hellos under the numbers we handed it: ours go on past
	 * them, or the peer would take ours for old ones. */
	for (int i = 0; i < HRP_STREAM_MAX; i++) {
		h->tx.seq[i] += 2 * HRPD_HOT_SEQ_SKIP;
		h->tx.count[i] += 2 * HRPD_HOT_SEQ_SKIP;
	}
	hrpd_sess_hot_freeze(h, false);
	hrpd_data_hot_freeze(h, false);
}

int hrpd_hot_fds(struct hs_daemon *d, struct hs_fdset *out)
{
	struct hrpd *h = d->priv;
	char name[64];
	int r = 0;
	for (size_t i = 0; r == 0 && i < h->n_links; i++) {
		if (h->links[i]->fd < 0)
			continue;
		snprintf(name, sizeof(name), "hrp-hb:%s", h->links[i]->cfg.interface);
		r = hs_fdset_add(out, name, h->links[i]->fd);
	}
	if (r == 0)
		r = hrpd_data_hot_fds(h, out);
	if (r == 0)
		r = hrpd_sess_hot_fds(h, out);
	return r;
}

/* ---- new side ---- */

int hrpd_hot_take(struct hs_daemon *d, struct hrp_snapshot **out)
{
	struct hrp_snapshot *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	int r = hrp_snapshot_decode(d->hot_state, s, d->apply_error, sizeof(d->apply_error));
	if (r < 0) {
		hs_err("[hot]", "%s", d->apply_error);
		free(s);
		return r;
	}
	*out = s;
	return 0;
}

void hrpd_hot_snap_free(struct hrp_snapshot *s)
{
	if (s)
		hrp_snapshot_release(s);
	free(s);
}

static int refuse(struct hrpd *h, const char *why)
{
	snprintf(h->d->apply_error, sizeof(h->d->apply_error),
		 "%s: hot restart refused, use a cold restart", why);
	hs_err("[hot]", "%s", h->d->apply_error);
	return -EINVAL;
}

/* What the snapshot's state means only under the same identity, keys and links. */
static int check_same(struct hrpd *h, const struct hrp_snapshot *s)
{
	if (s->sender_id != h->sender_id)
		return refuse(h, "the sender id differs (sysname changed)");
	if (s->peer.keyed != h->peer.keyed)
		return refuse(h, "a key was added or removed");
	if (s->n_links != (h->n_links ? h->n_links : 1))
		return refuse(h, "the heartbeat links differ from the running ones");
	for (size_t i = 0; i < h->n_links; i++)
		if (strcmp(s->links[i].interface, h->links[i]->cfg.interface) != 0)
			return refuse(h, "the heartbeat links differ from the running ones");
	return 0;
}

static void restore_vgmp(struct hrpd *h, const struct hrp_snapshot *s)
{
	if (s->local_set) {
		h->local_set = true;
		h->local = s->local;
	}
	h->payload_gen = s->payload_gen ? s->payload_gen : h->payload_gen;
	h->peer_payload_gen = s->peer_payload_gen;
	h->next_request_id = s->next_request_id;
	for (size_t i = 0; i < s->n_requests && i < HRPD_REQ_MAX; i++) {
		struct hrpd_request *q = &h->req[i];
		q->pending = true;
		q->type = s->req[i].type;
		q->req = s->req[i].req;
		q->sends = s->req[i].sends;
		memcpy(q->seqs, s->req[i].seqs, sizeof(q->seqs));
		q->next_ms = s->req[i].next_ms;
	}
	h->n_seen = (unsigned)s->n_seen;
	for (size_t i = 0; i < s->n_seen; i++) {
		h->seen[i].type = s->seen[i].type;
		h->seen[i].id = s->seen[i].id;
	}
}

int hrpd_hot_restore(struct hrpd *h, struct hrp_snapshot *s)
{
	int r = check_same(h, s);
	if (r < 0)
		return r;
	h->tx = s->tx;
	h->next_epoch_set = s->next_epoch_set;
	h->next_epoch = s->next_epoch;
	h->next_epoch_announced = s->next_epoch_announced;
	uint32_t takeback_ms = h->peer.epoch_takeback_ms;
	h->peer = s->peer;
	/* Not in the snapshot: the quiet time is this process's, and the peer's current epoch was
	 * live a moment ago (a late message of an epoch left is no reason to go back to it). */
	h->peer.epoch_takeback_ms = takeback_ms;
	h->peer.current_heard_ms = hs_now_ms();
	h->counters.rx = s->counters.rx;
	h->counters.accepted = s->counters.accepted;
	h->counters.unknown_tlvs = s->counters.unknown_tlvs;
	h->counters.new_epochs = s->counters.new_epochs;
	h->counters.challenges = s->counters.challenges;
	h->lv = s->lv;
	h->have_peer_hello = s->have_peer_hello;
	h->peer_hello = s->peer_hello;
	h->peer_registry = s->peer_registry;
	restore_vgmp(h, s);
	for (size_t i = 0; i < h->n_links; i++) {
		struct hrpd_link *l = h->links[i];
		const struct hrp_snap_link *o = &s->links[i];
		l->hellos_sent = o->hellos_sent;
		l->hellos_received = o->hellos_received;
		l->tx = o->tx;
		l->rx = o->rx;
		l->tx_errors = o->tx_errors;
		l->wrong_source = o->wrong_source;
		l->auth_failures = o->auth_failures;
		l->last_rx_ms = o->last_rx_ms;
		l->heard = o->heard;
		l->rtt_us = o->rtt_us;
	}
	hrpd_data_hot_restore(h, s);
	h->enabled = s->lv.started && h->n_links > 0;
	hs_notice("[hot]", "resumed: epoch 0x%016llx, hello seq %u, peer %s (epoch 0x%016llx), %s",
		  (unsigned long long)h->tx.epoch, h->tx.seq[HRP_STREAM_HEARTBEAT],
		  hrp_lv_peer_state_name(h->lv.peer), (unsigned long long)h->peer.epoch,
		  h->enabled ? "enabled" : "disabled");
	return 0;
}

void hrpd_hot_resume(struct hrpd *h)
{
	struct hrp_lv_out out;
	hrp_lv_out_clear(&out);
	uint64_t now = hs_now_ms();
	/* The config may have new timers: as a reload would take them, links in place. */
	const struct hs_hrpd_config *c = &h->d->config->hrpd;
	if (h->lv.p.hello_interval_ms != (uint32_t)c->hello_interval_ms ||
	    h->lv.p.dead_count != (uint32_t)c->dead_count) {
		int same[HS_HRP_LINKS_MAX];
		for (int i = 0; i < HS_HRP_LINKS_MAX; i++)
			same[i] = i;
		hrpd_chan_reconfigure(h, same);
	}
	for (size_t i = 0; i < h->n_links; i++) {
		struct hrpd_link *l = h->links[i];
		if (l->admin_up != h->lv.link[i].admin_up)
			hrp_lv_admin(&h->lv, (int)i, l->admin_up, now, &out);
	}
	hrpd_apply(h, &out); /* arms the timer at the old deadlines; the data channel connects */
	hrpd_vgmp_requests_rearm(h);
	hrpd_sess_update(h);
	hrpd_cfgsync_update(h);
	uint64_t next = hrp_lv_next_deadline(&h->lv);
	hs_info("[hot]", "next hello in %lld ms, timer due in %lld ms",
		(long long)(h->lv.next_hello_ms - now), (long long)(next - now));
}

/* The old process exits on our confirm. Sent once our first hellos are out, it leaves no moment
 * in which neither process sends them: a freshly started process on a busy machine may wait for
 * the CPU, and meanwhile the old one goes on. */
static void confirm(struct hrpd *h)
{
	if (!h->hot_confirm_pending)
		return;
	h->hot_confirm_pending = false;
	hs_timer_cancel(&h->hot_timer);
	hs_daemon_hot_confirm(h->d);
	/* Ours now: the data channel connects, the conntrack events are read. */
	hrpd_sess_hot_freeze(h, false);
	hrpd_data_hot_freeze(h, false);
}

static void confirm_fired(struct hs_timer *t, void *arg)
{
	confirm(arg);
}

void hrpd_hot_confirm_later(struct hrpd *h)
{
	/* Until the confirm only hellos go out: if we die before it, the old process goes on with
	 * the data numbers and the events as it left them. */
	hrpd_data_hot_freeze(h, true);
	hrpd_sess_hot_freeze(h, true);
	hs_timer_init(&h->hot_timer, &h->d->loop, confirm_fired, h);
	h->hot_confirm_pending = true;
	hs_timer_arm_in(&h->hot_timer, h->enabled ? HRPD_HOT_CONFIRM_MS : 0);
}

void hrpd_hot_hellos_sent(struct hrpd *h)
{
	confirm(h);
}
