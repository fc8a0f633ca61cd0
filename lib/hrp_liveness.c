/* HRP liveness of the heartbeat links and of the peer (see hrp_liveness.h for the rules).
 *
 * The peer's state machine is one table, state x event -> next state; the event's reason comes
 * with it. A link's state is down or up (ready); which up link is running is derived after every
 * event: the first in config order. peer_set() and link_set() are the only places the states
 * change; each appends an action for the daemon to log and act on.
 *
 * The re-negotiation round follows the idea of probing a silent neighbour directly with a short
 * exponential back-off before declaring it gone, rather than trusting periodic hellos alone. */
#include "hrp_liveness.h"

#include <errno.h>
#include <string.h>

static const char *const link_state_names[HRP_LV_LINK_STATE_MAX] = {
	[HRP_LV_LINK_DOWN] = "down",
	[HRP_LV_LINK_READY] = "ready",
	[HRP_LV_LINK_RUNNING] = "running",
};

static const char *const peer_state_names[HRP_LV_PEER_STATE_MAX] = {
	[HRP_LV_PEER_UNKNOWN] = "unknown",
	[HRP_LV_PEER_UP] = "up",
	[HRP_LV_PEER_NEGOTIATING] = "negotiating",
	[HRP_LV_PEER_DEAD] = "dead",
};

static const char *const reason_names[HRP_LV_R_MAX] = {
	[HRP_LV_R_NONE] = "none",
	[HRP_LV_R_HELLO] = "hello",
	[HRP_LV_R_PROBE_ACK] = "probe answered",
	[HRP_LV_R_RESTART] = "peer restarted",
	[HRP_LV_R_SILENT] = "hellos missed",
	[HRP_LV_R_ADMIN_DOWN] = "interface down",
	[HRP_LV_R_PREFERRED] = "preferred link ready",
	[HRP_LV_R_FAILOVER] = "running link down",
	[HRP_LV_R_PROBES_UNANSWERED] = "probes unanswered",
	[HRP_LV_R_STOPPED] = "stopped",
};

const char *hrp_lv_link_state_name(enum hrp_lv_link_state s)
{
	return (unsigned)s < HRP_LV_LINK_STATE_MAX ? link_state_names[s] : "invalid";
}

const char *hrp_lv_peer_state_name(enum hrp_lv_peer_state s)
{
	return (unsigned)s < HRP_LV_PEER_STATE_MAX ? peer_state_names[s] : "invalid";
}

const char *hrp_lv_reason_name(enum hrp_lv_reason r)
{
	return (unsigned)r < HRP_LV_R_MAX ? reason_names[r] : "invalid";
}

void hrp_lv_out_clear(struct hrp_lv_out *out)
{
	out->n = 0;
	out->lost = 0;
}

static void emit(struct hrp_lv_out *out, enum hrp_lv_act_kind kind, int link, int old, int new_,
		 enum hrp_lv_reason reason, unsigned probe)
{
	if (out->n >= HRP_LV_ACTS_MAX) {
		out->lost++;
		return;
	}
	out->act[out->n++] = (struct hrp_lv_act){ .kind = kind,
						  .link = link,
						  .old = old,
						  .new_ = new_,
						  .reason = reason,
						  .probe = probe };
}

/* ---- the figures ---- */

uint32_t hrp_lv_interval_ms(const struct hrp_liveness *lv)
{
	uint32_t i = lv->p.hello_interval_ms;
	return lv->peer_interval_ms > i ? lv->peer_interval_ms : i;
}

uint64_t hrp_lv_silent_ms(const struct hrp_liveness *lv)
{
	return (uint64_t)lv->p.dead_count * hrp_lv_interval_ms(lv);
}

uint32_t hrp_lv_backoff_ms(const struct hrp_liveness *lv)
{
	uint32_t b = hrp_lv_interval_ms(lv) / 8;
	return b > HRP_LV_BACKOFF_MIN_MS ? b : HRP_LV_BACKOFF_MIN_MS;
}

uint64_t hrp_lv_negotiation_ms(const struct hrp_liveness *lv)
{
	return (uint64_t)hrp_lv_backoff_ms(lv) * ((1u << HRP_LV_PROBES) - 1u);
}

uint64_t hrp_lv_dead_time_ms(const struct hrp_liveness *lv)
{
	return hrp_lv_silent_ms(lv) + hrp_lv_negotiation_ms(lv);
}

static bool params_ok(const struct hrp_lv_params *p)
{
	return p->hello_interval_ms >= 10 && p->hello_interval_ms <= 60000 && p->dead_count >= 1 &&
	       p->dead_count <= 1000 && p->n_links >= 1 && p->n_links <= HRP_LV_LINKS_MAX;
}

/* ---- the peer: one table ---- */

enum peer_event {
	PEV_RX,      /* an accepted message (hello, probe-ack, restart, other) */
	PEV_SILENT,  /* nothing accepted on any link for D */
	PEV_GIVE_UP, /* the re-negotiation round ended unanswered */
	PEV_STOP,    /* hrp disabled */
	PEV_MAX,
};

#define STAY (-1)

/* next state, or STAY. */
static const int8_t peer_table[HRP_LV_PEER_STATE_MAX][PEV_MAX] = {
	/* Never heard from: the first message makes it up; silence since the start is treated as
	 * if it had been up, so that a peer that never comes is declared dead in the same time. */
	[HRP_LV_PEER_UNKNOWN] = { [PEV_RX] = HRP_LV_PEER_UP,
				  [PEV_SILENT] = HRP_LV_PEER_NEGOTIATING,
				  [PEV_GIVE_UP] = STAY,
				  [PEV_STOP] = STAY },
	/* Up: silence on every link for D starts the re-negotiation round. */
	[HRP_LV_PEER_UP] = { [PEV_RX] = STAY,
			     [PEV_SILENT] = HRP_LV_PEER_NEGOTIATING,
			     [PEV_GIVE_UP] = STAY,
			     [PEV_STOP] = HRP_LV_PEER_UNKNOWN },
	/* Negotiating: any answer (or any message) and it is up again, nothing announced; the
	 * round ending unanswered makes it dead. */
	[HRP_LV_PEER_NEGOTIATING] = { [PEV_RX] = HRP_LV_PEER_UP,
				      [PEV_SILENT] = STAY,
				      [PEV_GIVE_UP] = HRP_LV_PEER_DEAD,
				      [PEV_STOP] = HRP_LV_PEER_UNKNOWN },
	/* Dead: the first message brings it back (announced up). */
	[HRP_LV_PEER_DEAD] = { [PEV_RX] = HRP_LV_PEER_UP,
			       [PEV_SILENT] = STAY,
			       [PEV_GIVE_UP] = STAY,
			       [PEV_STOP] = HRP_LV_PEER_UNKNOWN },
};

static void send_probes(struct hrp_liveness *lv, uint64_t now, struct hrp_lv_out *out);

/* The one place the peer's state changes: entry actions, counters, the action records. */
static void peer_set(struct hrp_liveness *lv, enum hrp_lv_peer_state next, enum hrp_lv_reason why,
		     uint64_t now, struct hrp_lv_out *out)
{
	enum hrp_lv_peer_state old = lv->peer;
	if (next == old)
		return;
	lv->peer = next;
	lv->peer_since_ms = now;
	emit(out, HRP_LV_ACT_PEER, -1, (int)old, (int)next, why, 0);
	switch (next) {
	case HRP_LV_PEER_NEGOTIATING:
		lv->counters.negotiations++;
		lv->probes_sent = 0;
		send_probes(lv, now, out);
		break;
	case HRP_LV_PEER_UP:
		if (old == HRP_LV_PEER_NEGOTIATING)
			lv->counters.negotiations_recovered++;
		if (!lv->announced_up) {
			lv->announced_up = true;
			lv->counters.peer_up++;
			emit(out, HRP_LV_ACT_PEER_UP, -1, (int)old, (int)next, why, 0);
		}
		break;
	case HRP_LV_PEER_DEAD:
		lv->announced_up = false;
		lv->counters.peer_down++;
		emit(out, HRP_LV_ACT_PEER_DOWN, -1, (int)old, (int)next, why, 0);
		break;
	case HRP_LV_PEER_UNKNOWN: lv->announced_up = false; break;
	default: break;
	}
}

static void peer_event(struct hrp_liveness *lv, enum peer_event ev, enum hrp_lv_reason why,
		       uint64_t now, struct hrp_lv_out *out)
{
	int next = peer_table[lv->peer][ev];
	if (next != STAY)
		peer_set(lv, (enum hrp_lv_peer_state)next, why, now, out);
}

/* One probe of the round on every link that can send; the next after b, 2b, ...; after the last
 * the round ends 2^(PROBES-1) x b later. Scheduled from when each probe really went out, so a
 * late timer stretches the round and never shortens it. */
static void send_probes(struct hrp_liveness *lv, uint64_t now, struct hrp_lv_out *out)
{
	unsigned k = ++lv->probes_sent;
	for (size_t i = 0; i < lv->p.n_links; i++)
		if (lv->link[i].admin_up)
			emit(out, HRP_LV_ACT_SEND_PROBE, (int)i, 0, 0, HRP_LV_R_SILENT, k);
	lv->counters.probes++;
	lv->next_probe_ms = now + ((uint64_t)hrp_lv_backoff_ms(lv) << (k - 1));
}

/* ---- links ---- */

static void link_set(struct hrp_liveness *lv, size_t i, enum hrp_lv_link_state next,
		     enum hrp_lv_reason why, uint64_t now, struct hrp_lv_out *out)
{
	struct hrp_lv_link *l = &lv->link[i];
	if (l->state == next)
		return;
	emit(out, HRP_LV_ACT_LINK, (int)i, (int)l->state, (int)next, why, 0);
	l->state = next;
	l->since_ms = now;
	lv->counters.link_changes++;
}

/* The running link is the first link that is up, in config order. */
static void select_running(struct hrp_liveness *lv, enum hrp_lv_reason why, uint64_t now,
			   struct hrp_lv_out *out)
{
	int want = -1;
	for (size_t i = 0; i < lv->p.n_links && want < 0; i++)
		if (lv->link[i].state != HRP_LV_LINK_DOWN)
			want = (int)i;
	int old = lv->running;
	if (want == old)
		return;
	enum hrp_lv_reason r = why;
	if (old >= 0 && lv->link[old].state == HRP_LV_LINK_RUNNING) {
		/* Still up: an earlier link came back and takes over. */
		link_set(lv, (size_t)old, HRP_LV_LINK_READY, HRP_LV_R_PREFERRED, now, out);
		r = HRP_LV_R_PREFERRED;
	} else if (old >= 0) {
		r = HRP_LV_R_FAILOVER;
	}
	if (want >= 0)
		link_set(lv, (size_t)want, HRP_LV_LINK_RUNNING, r, now, out);
	lv->running = want;
	lv->counters.running_changes++;
	emit(out, HRP_LV_ACT_RUNNING, -1, old, want, r, 0);
}

/* ---- events ---- */

int hrp_lv_init(struct hrp_liveness *lv, const struct hrp_lv_params *p)
{
	if (!params_ok(p))
		return -EINVAL;
	memset(lv, 0, sizeof(*lv));
	lv->p = *p;
	lv->running = -1;
	lv->peer = HRP_LV_PEER_UNKNOWN;
	for (size_t i = 0; i < HRP_LV_LINKS_MAX; i++)
		lv->link[i].admin_up = true;
	return 0;
}

void hrp_lv_start(struct hrp_liveness *lv, uint64_t now, struct hrp_lv_out *out)
{
	if (lv->started)
		return;
	lv->started = true;
	lv->peer = HRP_LV_PEER_UNKNOWN;
	lv->peer_since_ms = now;
	lv->peer_last_rx_ms = now;
	lv->announced_up = false;
	lv->probes_sent = 0;
	lv->next_hello_ms = now;
	for (size_t i = 0; i < lv->p.n_links; i++) {
		lv->link[i].heard = false;
		lv->link[i].since_ms = now;
	}
	hrp_lv_timer(lv, now, out);
}

void hrp_lv_stop(struct hrp_liveness *lv, uint64_t now, struct hrp_lv_out *out)
{
	if (!lv->started)
		return;
	for (size_t i = 0; i < lv->p.n_links; i++)
		link_set(lv, i, HRP_LV_LINK_DOWN, HRP_LV_R_STOPPED, now, out);
	select_running(lv, HRP_LV_R_STOPPED, now, out);
	peer_event(lv, PEV_STOP, HRP_LV_R_STOPPED, now, out);
	lv->started = false;
}

void hrp_lv_rx(struct hrp_liveness *lv, int link, enum hrp_lv_rx what, uint64_t now,
	       struct hrp_lv_out *out)
{
	static const enum hrp_lv_reason why_of[HRP_LV_RX_MAX] = {
		[HRP_LV_RX_HELLO] = HRP_LV_R_HELLO,
		[HRP_LV_RX_PROBE_ACK] = HRP_LV_R_PROBE_ACK,
		[HRP_LV_RX_RESTART] = HRP_LV_R_RESTART,
		[HRP_LV_RX_OTHER] = HRP_LV_R_HELLO,
	};
	if (!lv->started || link < 0 || (size_t)link >= lv->p.n_links ||
	    (unsigned)what >= HRP_LV_RX_MAX)
		return;
	enum hrp_lv_reason why = why_of[what];
	struct hrp_lv_link *l = &lv->link[link];
	/* A message that slipped in on a link we hold down proves the peer, not the link. */
	if (l->admin_up) {
		l->heard = true;
		l->last_rx_ms = now;
		if (l->state == HRP_LV_LINK_DOWN) {
			link_set(lv, (size_t)link, HRP_LV_LINK_READY, why, now, out);
			select_running(lv, why, now, out);
		}
	}
	lv->peer_last_rx_ms = now;
	enum hrp_lv_peer_state was = lv->peer;
	if (what == HRP_LV_RX_RESTART) {
		lv->counters.restarts++;
		if (lv->peer == HRP_LV_PEER_UP)
			emit(out, HRP_LV_ACT_RESTART, -1, (int)lv->peer, (int)lv->peer, why, 0);
	}
	peer_event(lv, PEV_RX, why, now, out);
	/* A peer that just came (or came back under a new epoch) has not heard us yet: a hello
	 * now, rather than at our next one, brings it up within a round trip instead of up to
	 * an interval later (a joining box's bulk and readiness wait for it). Once an interval,
	 * so a stream of forged new epochs gets no more from us than our own schedule. */
	bool fresh = what == HRP_LV_RX_RESTART ||
		     (lv->peer == HRP_LV_PEER_UP &&
		      (was == HRP_LV_PEER_UNKNOWN || was == HRP_LV_PEER_DEAD));
	if (fresh && (!lv->answered || now - lv->answered_ms >= lv->p.hello_interval_ms)) {
		lv->answered = true;
		lv->answered_ms = now;
		emit(out, HRP_LV_ACT_ANSWER_HELLO, -1, (int)was, (int)lv->peer, why, 0);
	}
}

void hrp_lv_admin(struct hrp_liveness *lv, int link, bool up, uint64_t now, struct hrp_lv_out *out)
{
	if (link < 0 || (size_t)link >= lv->p.n_links)
		return;
	struct hrp_lv_link *l = &lv->link[link];
	l->admin_up = up;
	if (up || !lv->started)
		return; /* up: ready once a message arrives on it */
	link_set(lv, (size_t)link, HRP_LV_LINK_DOWN, HRP_LV_R_ADMIN_DOWN, now, out);
	select_running(lv, HRP_LV_R_ADMIN_DOWN, now, out);
}

void hrp_lv_timer(struct hrp_liveness *lv, uint64_t now, struct hrp_lv_out *out)
{
	if (!lv->started)
		return;
	uint64_t d = hrp_lv_silent_ms(lv);
	if (now >= lv->next_hello_ms) {
		emit(out, HRP_LV_ACT_SEND_HELLO, -1, 0, 0, HRP_LV_R_NONE, 0);
		lv->next_hello_ms += lv->p.hello_interval_ms;
		/* Late by more than an interval (a busy or frozen box): skip, never burst. */
		if (lv->next_hello_ms <= now)
			lv->next_hello_ms = now + lv->p.hello_interval_ms;
	}
	for (size_t i = 0; i < lv->p.n_links; i++) {
		struct hrp_lv_link *l = &lv->link[i];
		if (l->state != HRP_LV_LINK_DOWN && now >= l->last_rx_ms + d)
			link_set(lv, i, HRP_LV_LINK_DOWN, HRP_LV_R_SILENT, now, out);
	}
	select_running(lv, HRP_LV_R_SILENT, now, out);
	if ((lv->peer == HRP_LV_PEER_UNKNOWN || lv->peer == HRP_LV_PEER_UP) &&
	    now >= lv->peer_last_rx_ms + d) {
		peer_event(lv, PEV_SILENT, HRP_LV_R_SILENT, now, out);
	} else if (lv->peer == HRP_LV_PEER_NEGOTIATING && now >= lv->next_probe_ms) {
		if (lv->probes_sent < HRP_LV_PROBES)
			send_probes(lv, now, out);
		else
			peer_event(lv, PEV_GIVE_UP, HRP_LV_R_PROBES_UNANSWERED, now, out);
	}
}

void hrp_lv_set_peer_interval(struct hrp_liveness *lv, uint32_t interval_ms)
{
	lv->peer_interval_ms = interval_ms >= 10 && interval_ms <= 60000 ? interval_ms : 0;
}

int hrp_lv_reconfigure(struct hrp_liveness *lv, const struct hrp_lv_params *p, const int *old_index,
		       uint64_t now, struct hrp_lv_out *out)
{
	if (!params_ok(p))
		return -EINVAL;
	struct hrp_lv_link next[HRP_LV_LINKS_MAX];
	int running = -1;
	for (size_t i = 0; i < p->n_links; i++) {
		int o = old_index ? old_index[i] : -1;
		if (o >= 0 && (size_t)o < lv->p.n_links) {
			next[i] = lv->link[o];
			if (o == lv->running)
				running = (int)i;
		} else {
			next[i] = (struct hrp_lv_link){ .admin_up = true,
							.state = HRP_LV_LINK_DOWN,
							.since_ms = now };
		}
	}
	for (size_t i = p->n_links; i < HRP_LV_LINKS_MAX; i++)
		next[i] = (struct hrp_lv_link){ .admin_up = true };
	memcpy(lv->link, next, sizeof(next));
	lv->running = running;
	/* The old running link may have been removed while another is up: demote any other
	 * "running" mark, the selection below sets it again. */
	for (size_t i = 0; i < p->n_links; i++)
		if ((int)i != running && lv->link[i].state == HRP_LV_LINK_RUNNING)
			lv->link[i].state = HRP_LV_LINK_READY;
	lv->p = *p;
	if (lv->started && lv->next_hello_ms > now + p->hello_interval_ms)
		lv->next_hello_ms = now + p->hello_interval_ms;
	if (lv->started)
		select_running(lv, HRP_LV_R_STOPPED, now, out);
	return 0;
}

uint64_t hrp_lv_next_deadline(const struct hrp_liveness *lv)
{
	if (!lv->started)
		return HRP_LV_NEVER;
	uint64_t d = hrp_lv_silent_ms(lv), next = lv->next_hello_ms;
	for (size_t i = 0; i < lv->p.n_links; i++)
		if (lv->link[i].state != HRP_LV_LINK_DOWN && lv->link[i].last_rx_ms + d < next)
			next = lv->link[i].last_rx_ms + d;
	if ((lv->peer == HRP_LV_PEER_UNKNOWN || lv->peer == HRP_LV_PEER_UP) &&
	    lv->peer_last_rx_ms + d < next)
		next = lv->peer_last_rx_ms + d;
	if (lv->peer == HRP_LV_PEER_NEGOTIATING && lv->next_probe_ms < next)
		next = lv->next_probe_ms;
	return next;
}
