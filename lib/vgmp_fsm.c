/* VGMP election: decide() states the rules, one English comment per branch; two filters keep the
 * promises that hold whatever the rules say (make-before-break, maintenance freeze);
 * vgmp_set_state() is the only place the state changes. Every entry point records its event,
 * updates its input, then vgmp_finish() re-elects and sends one urgent hello if the payload
 * changed. The handover (the switchover handshake, the operator's switchover, release and
 * freeze) is vgmp_handover.c; what the two files share is vgmp_int.h.
 *
 * Choices where the brief left room (doc/vgmp.md says the same for operators):
 * - Rank: priority first; on equal priority in active-standby the configured standby device
 *   ranks lower. Ranking higher makes a box active at once only if the peer is not active;
 *   taking over from an active peer is preemption (preempt on, bulk sync done, preempt delay
 *   counted from the later of readiness and the moment we came to outrank it).
 * - Equal rank: the current active stays; with neither (or both) active the box whose sessions
 *   are synced wins, then the lower sysname.
 * - A degraded active that ranks lower asks the peer to take over (switchover request, reason
 *   fault), again every request timeout until answered; the peer acks whatever its preemption
 *   settings and readiness say. An operator switchover needs the peer's bulk sync done.
 * - Make-before-break: a box never lets go of traffic the peer has not taken: active or
 *   load-balance -> standby only once the peer announces active, active -> load-balance only
 *   once it holds its share.
 * - An operator switchover sticks: the box that handed over does not preempt back until its
 *   priority rises above the one it handed over at (a dip that recovers is no reason), the
 *   peer restarts or dies (unless it held the role by the handover),
 *   another switchover, or vgmp_admin_resume().
 *   While the new active holds the role by it, both say so in their payloads (VGMP_R_HANDED_OVER,
 *   VGMP_R_YIELDED): a silent spell of the new active is not taken as death, and a dual-active
 *   between them goes to the new active.
 * - Freeze keeps the roles; a dead peer is still taken over (an outage is not maintenance) and a
 *   dual-active is still resolved. The peer honours our freeze through VGMP_R_FROZEN.
 * - Load-sharing applies only when both boxes say so (mode mismatch: active-standby rules). */
#include "vgmp_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- what the rules read ---- */

uint16_t vgmp_priority(const struct vgmp *v)
{
	return v->track.priority;
}

bool vgmp_degraded(const struct vgmp *v)
{
	return vgmp_track_degraded(&v->track);
}

/* Load-sharing rules apply only when both boxes are configured for it. */
static bool load_sharing(const struct vgmp *v)
{
	return v->p.mode == HS_MODE_LOAD_SHARING &&
	       (!v->peer.has_mode || v->peer.mode == HS_MODE_LOAD_SHARING);
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* > 0: we outrank the peer; < 0: it outranks us; *why says what decided. Priority first; on
 * equal priority in active-standby, the configured standby device ranks lower. */
static int rank(const struct vgmp *v, bool ls, enum vgmp_reason *why)
{
	uint16_t mine = vgmp_priority(v), theirs = v->peer.priority;
	if (mine != theirs) {
		*why = mine > theirs ? VGMP_REASON_HIGHER_PRIORITY : VGMP_REASON_LOWER_PRIORITY;
		return mine > theirs ? 1 : -1;
	}
	bool peer_sd = v->peer.readiness & HRP_VGMP_R_STANDBY_DEVICE;
	if (!ls && v->p.standby_device != peer_sd) {
		*why = VGMP_REASON_STANDBY_DEVICE;
		return v->p.standby_device ? -1 : 1;
	}
	*why = VGMP_REASON_NONE;
	return 0;
}

/* Equal rank with neither or both active: < 0 we win. With neither active, the box whose sessions
 * are synced; then the lower sysname (the only input of a dual-active: both hold sessions of
 * their own, and a name cannot change while a hello is in flight). Equal names cannot be told
 * apart (0). */
static int tie(const struct vgmp *v, enum vgmp_reason *why)
{
	bool peer_ready = v->peer.readiness & HRP_VGMP_R_SESSIONS_SYNCED;
	bool dual = v->state == VGMP_STATE_ACTIVE && v->peer.state == VGMP_STATE_ACTIVE;
	if (!dual && v->ready != peer_ready) {
		*why = VGMP_REASON_TIE_READY;
		return v->ready ? -1 : 1;
	}
	int c = strcmp(v->p.name, v->peer.name);
	*why = c ? VGMP_REASON_TIE_NAME : VGMP_REASON_TIE_UNRESOLVED;
	return c;
}

/* ---- the rules ---- */

struct verdict {
	enum vgmp_state to;
	enum vgmp_reason why;
	uint64_t recheck_ms; /* the answer may change then */
	bool gate;           /* the preemption gate was consulted */
	bool fault_request;  /* ask the peer to take over */
};

static struct verdict go(enum vgmp_state to, enum vgmp_reason why)
{
	return (struct verdict){ .to = to, .why = why, .recheck_ms = VGMP_NEVER };
}

/* We would take traffic from an active peer (preemption): allowed only with preemption on, our
 * bulk sync done and the delay passed, counted from the later of readiness and the moment we
 * first wanted to. Not during a freeze, nor after we handed over at the operator's request.
 * Held back, a box keeps what it holds and is standby otherwise. */
static struct verdict preempt(struct vgmp *v, enum vgmp_state to, uint64_t now)
{
	struct verdict d = go(to, VGMP_REASON_PREEMPT);
	d.gate = true;
	if (v->gate_since_ms == VGMP_NEVER)
		v->gate_since_ms = now;
	enum vgmp_reason no = VGMP_REASON_NONE;
	if (vgmp_frozen(v))
		no = VGMP_REASON_FROZEN;
	else if (v->ho.yielded)
		no = VGMP_REASON_YIELDED;
	else if (!v->p.preempt)
		no = VGMP_REASON_PREEMPT_DISABLED;
	else if (!v->ready)
		no = VGMP_REASON_NOT_READY;
	else {
		uint64_t at = max_u64(v->ready_since_ms, v->gate_since_ms) + v->p.preempt_delay_ms;
		if (now < at) {
			no = VGMP_REASON_PREEMPT_DELAY;
			d.recheck_ms = at;
		}
	}
	if (no != VGMP_REASON_NONE) {
		d.to = vgmp_state_holds(v->state) ? v->state : VGMP_STATE_STANDBY;
		d.why = no;
	}
	return d;
}

/* Load-sharing mode, equal priority: both load-balance. */
static struct verdict decide_ls(struct vgmp *v, uint64_t now)
{
	enum vgmp_state s = v->state, ps = v->peer.state;
	/* Already sharing: go on. */
	if (s == VGMP_STATE_LOAD_BALANCE)
		return go(s, VGMP_REASON_LOAD_SHARING);
	/* Active: hand the peer its share once it holds it (or both are active: both share). */
	if (s == VGMP_STATE_ACTIVE)
		return vgmp_state_holds(ps) ? go(VGMP_STATE_LOAD_BALANCE, VGMP_REASON_LOAD_SHARING)
					    : go(s, VGMP_REASON_WAIT_PEER);
	/* Taking our share back from an active peer is preemption. */
	if (ps == VGMP_STATE_ACTIVE)
		return preempt(v, VGMP_STATE_LOAD_BALANCE, now);
	/* Nobody holds everything: share at once. */
	return go(VGMP_STATE_LOAD_BALANCE, VGMP_REASON_LOAD_SHARING);
}

/* A handover under way, or one that binds the pair, decides before rank (the peer is alive):
 * true with *out set. */
static bool handover_decides(const struct vgmp *v, uint64_t now, struct verdict *out)
{
	const struct vgmp_peer *pe = &v->peer;
	enum vgmp_state s = v->state, ps = pe->state;
	/* We released the role: standby (ranked below the peer) until it takes over, at most the
	 * handover timeout. */
	if (v->ho.releasing) {
		*out = go(VGMP_STATE_STANDBY, VGMP_REASON_RELEASED);
		uint64_t until = v->ho.release_ms + v->p.handover_timeout_ms;
		if (now < until)
			out->recheck_ms = until;
		return true;
	}
	/* Our switchover request: the peer announces active, so we let go. */
	if (v->ho.giving && ps == VGMP_STATE_ACTIVE)
		*out = go(VGMP_STATE_STANDBY, VGMP_REASON_HANDED_OVER);
	/* We took over at the peer's request: its active state is the moment before it lets go. */
	else if (v->ho.taking && s == VGMP_STATE_ACTIVE && ps == VGMP_STATE_ACTIVE)
		*out = go(s, v->reason);
	/* Both active after a planned handover (a stall made the old active take the role back):
	 * the handover decides, not rank. We hold the role by it and the peer keeps to it: stay;
	 * the peer steps back by the next rule. Both read the same two bits, so they agree. */
	else if (v->ho.handed && s == VGMP_STATE_ACTIVE && ps == VGMP_STATE_ACTIVE &&
		 (pe->readiness & VGMP_R_YIELDED))
		*out = go(s, v->reason);
	/* We handed the role over and keep to that, and the peer holds it by that handover: step
	 * back. */
	else if (v->ho.yielded && s == VGMP_STATE_ACTIVE && vgmp_peer_handed(v))
		*out = go(VGMP_STATE_STANDBY, VGMP_REASON_PEER_HANDED);
	else
		return false;
	return true;
}

static struct verdict decide(struct vgmp *v, uint64_t now)
{
	const struct vgmp_peer *pe = &v->peer;
	enum vgmp_state s = v->state, ps = pe->state;
	enum vgmp_reason why;

	/* hrp disabled: no election. */
	if (!v->enabled)
		return go(VGMP_STATE_INITIALIZE, VGMP_REASON_HRP_DISABLED);
	/* Starting: wait for the peer's first hello, at most the startup wait. */
	if (pe->status == VGMP_PEER_UNKNOWN && now - v->started_ms < v->p.startup_wait_ms) {
		struct verdict d = go(s, VGMP_REASON_STARTUP);
		d.recheck_ms = v->started_ms + v->p.startup_wait_ms;
		return d;
	}
	if (pe->status != VGMP_PEER_ALIVE) {
		/* No heartbeat, but the peer's adverts are still heard: a split brain. Stay as we
		 * are; whoever held traffic holds it. */
		if (pe->adverts_seen)
			return go(s, VGMP_REASON_SPLIT_BRAIN);
		/* Alone (no peer ever heard, or hrpd declared it dead): active at once. */
		return go(VGMP_STATE_ACTIVE, pe->status == VGMP_PEER_UNKNOWN ? VGMP_REASON_NO_PEER
					     : pe->silent			   ? VGMP_REASON_PEER_SILENT
										   : VGMP_REASON_PEER_DEAD);
	}
	struct verdict held;
	if (handover_decides(v, now, &held))
		return held;

	bool ls = load_sharing(v);
	int r = rank(v, ls, &why);
	if (ls && r == 0)
		return decide_ls(v, now);
	if (r > 0) {
		/* We outrank it: stay active, or take over from a peer that is not active... */
		if (s == VGMP_STATE_ACTIVE || ps != VGMP_STATE_ACTIVE)
			return go(VGMP_STATE_ACTIVE, why);
		/* ...but take over from an active peer only as preemption allows. */
		return preempt(v, VGMP_STATE_ACTIVE, now);
	}
	if (r < 0) {
		/* It outranks us and is active: standby. */
		if (ps == VGMP_STATE_ACTIVE)
			return go(VGMP_STATE_STANDBY, why);
		/* We hold the traffic: keep it until the peer takes it. If a tracked fault is why
		 * we rank lower, ask it to take over now rather than wait for its preemption. */
		if (s == VGMP_STATE_ACTIVE && vgmp_degraded(v)) {
			struct verdict d = go(s, VGMP_REASON_FAULT_HANDOVER);
			d.fault_request = true;
			return d;
		}
		if (vgmp_state_holds(s))
			return go(s, s == VGMP_STATE_ACTIVE ? VGMP_REASON_STAY_ACTIVE
							    : VGMP_REASON_WAIT_PEER);
		/* We hold nothing: standby; the peer takes over when it hears us. */
		return go(VGMP_STATE_STANDBY, why);
	}
	/* Equal rank, active-standby: the current active stays. */
	if (s == VGMP_STATE_ACTIVE && ps != VGMP_STATE_ACTIVE)
		return go(s, VGMP_REASON_STAY_ACTIVE);
	if (ps == VGMP_STATE_ACTIVE && s != VGMP_STATE_ACTIVE)
		return go(VGMP_STATE_STANDBY, VGMP_REASON_PEER_ACTIVE);
	/* Neither active (both starting) or both (a healed split brain): the synced box, then the
	 * lower name. Equal names cannot be told apart: a configuration error; stay available. */
	int t = tie(v, &why);
	if (t == 0)
		return go(VGMP_STATE_ACTIVE, why);
	return go(t < 0 ? VGMP_STATE_ACTIVE : VGMP_STATE_STANDBY, why);
}

/* Make-before-break: never let go of traffic the peer has not taken. */
static void keep_traffic(const struct vgmp *v, struct verdict *d)
{
	enum vgmp_state s = v->state, ps = v->peer.state;
	/* a release lets go first: the peer cannot be asked, it takes over when it hears us */
	if (!v->enabled || !vgmp_peer_alive(v) || d->to == s || v->ho.releasing)
		return;
	bool ok = true;
	if (s == VGMP_STATE_ACTIVE && d->to == VGMP_STATE_LOAD_BALANCE)
		ok = vgmp_state_holds(ps);
	else if (vgmp_state_holds(s) && !vgmp_state_holds(d->to))
		ok = ps == VGMP_STATE_ACTIVE;
	if (!ok) {
		d->to = s;
		d->why = VGMP_REASON_WAIT_PEER;
	}
}

/* Maintenance freeze: established roles stay. Let through: leaving initialize (the preemption
 * gate already held back anything that would take traffic), a disabled hrp, a dead peer's
 * takeover (decided above the freeze), taking traffic nobody holds (the peer restarted), and the
 * end of a dual-active. A freeze keeps roles; it never makes an outage. */
static void hold_frozen(const struct vgmp *v, struct verdict *d)
{
	enum vgmp_state s = v->state, ps = v->peer.state;
	if (!vgmp_frozen(v) || d->to == s || s == VGMP_STATE_INITIALIZE || !v->enabled ||
	    !vgmp_peer_alive(v))
		return;
	if (!vgmp_state_holds(ps) && vgmp_state_holds(d->to))
		return;
	if (s == VGMP_STATE_ACTIVE && ps == VGMP_STATE_ACTIVE && d->to != VGMP_STATE_ACTIVE)
		return;
	d->to = v->state;
	d->why = VGMP_REASON_FROZEN;
}

/* ---- actions ---- */

static void push_history(struct vgmp *v, enum vgmp_state from, uint64_t now)
{
	struct vgmp_change *c = &v->history[v->history_total % VGMP_HISTORY_MAX];
	*c = (struct vgmp_change){
		.time_ms = now,
		.old_state = from,
		.new_state = v->state,
		.why = v->reason,
		.ev = v->ev,
		.priority = vgmp_priority(v),
		.peer_priority = vgmp_peer_alive(v) ? v->peer.priority : -1,
	};
	v->history_total++;
}

/* VGMP_R_COST_RAISED: the plan wants the raised cost and FRR was seen to have it. */
static bool cost_raised_confirmed(const struct vgmp *v)
{
	return v->cost == VGMP_COST_RAISED && v->cost_frr == VGMP_COST_RAISED;
}

/* The cost plan, applied when due. */
static void ospf_step(struct vgmp *v, uint64_t now)
{
	v->cost_at_ms = VGMP_NEVER;
	if (!v->p.ospf_cost)
		return;
	bool raised = vgmp_peer_alive(v) && v->peer.state == VGMP_STATE_STANDBY &&
		      (v->peer.readiness & VGMP_R_COST_RAISED);
	if (!raised)
		v->peer_raised_ms = VGMP_NEVER;
	else if (v->peer_raised_ms == VGMP_NEVER)
		v->peer_raised_ms = now;
	struct vgmp_ospf_in in = {
		.enable_known = v->enable_known,
		.hrp_enabled = v->enabled,
		.state = v->state,
		.peer_alive = vgmp_peer_alive(v),
		.peer_state = v->peer.state,
		.applied = v->cost,
		.last_change_ms = v->cost_ms,
		.min_interval_ms = v->p.ospf_min_interval_ms,
		.now_ms = now,
		.prefer = v->p.ospf_prefer,
		.peer_raised_ms = v->peer_raised_ms,
	};
	struct vgmp_ospf_step st;
	vgmp_ospf_plan(&in, &st);
	if (st.target == VGMP_COST_UNKNOWN || st.wait_peer)
		return;
	if (st.at_ms > now) {
		v->cost_at_ms = st.at_ms;
		return;
	}
	/* The peer hears of it (VGMP_R_COST_RAISED) when the confirmed raised level goes (a raise
	 * is told once FRR has it: vgmp_ospf_applied), and only then: a hello more at start would
	 * move the first exchange of hellos. */
	bool was = cost_raised_confirmed(v);
	v->cost = st.target;
	v->cost_ms = now;
	if (was != cost_raised_confirmed(v))
		v->hello_due = true;
	v->c.ospf_changes++;
	v->ops->ospf_cost(v, st.target);
}

/* The one place the state changes. */
void vgmp_set_state(struct vgmp *v, enum vgmp_state to, enum vgmp_reason why, uint64_t now)
{
	enum vgmp_state from = v->state;
	v->reason = why;
	if (to == from)
		return;
	v->state = to; /* first: the actions below see the new state */
	v->state_since_ms = now;
	vgmp_handover_state(v, from, why, now);
	if (why == VGMP_REASON_PREEMPT)
		v->c.preempts++;
	v->c.transitions++;
	v->c.entered[to]++;
	push_history(v, from, now);
	v->hello_due = true;
	v->ops->set_vrrp_roles(v, to);
	ospf_step(v, now);
	v->ops->notify(v, from, to, why);
}

void vgmp_flush_hello(struct vgmp *v)
{
	if (!v->hello_due)
		return;
	v->hello_due = false;
	v->c.hellos++;
	v->ops->send_hello(v);
}

/* A degraded active asks the peer to take over: once per request timeout. */
static void fault_request(struct vgmp *v, uint64_t now)
{
	if (v->ho.giving || now < v->ho.retry_ms)
		return;
	vgmp_send_switchover(v, HRP_VGMP_REASON_FAULT, now);
	v->ho.retry_ms = now + v->p.request_timeout_ms;
}

/* The peer is back after a split: if it holds traffic and we still hold ours, we won;
 * re-announce so that clients and switches leave it. Either way the split is over. */
static void heal(struct vgmp *v)
{
	if (!v->split || !vgmp_peer_alive(v))
		return;
	if (vgmp_state_holds(v->state) && vgmp_state_holds(v->peer.state)) {
		v->c.reannounces++;
		v->ops->reannounce(v);
	}
	v->split = false;
}

static void evaluate(struct vgmp *v, uint64_t now)
{
	vgmp_release_end(v, now);
	struct verdict d = decide(v, now);
	if (!d.gate)
		v->gate_since_ms = VGMP_NEVER;
	v->wanted = d.to;
	keep_traffic(v, &d);
	hold_frozen(v, &d);
	/* A freeze keeps a degraded active where it is: no request. */
	if (d.fault_request && vgmp_frozen(v)) {
		d.fault_request = false;
		d.why = VGMP_REASON_FROZEN;
	}
	v->recheck_ms = d.recheck_ms;
	if (d.why != v->reason) {
		if (d.why == VGMP_REASON_SPLIT_BRAIN)
			v->c.split_brain_holds++;
		if (d.why == VGMP_REASON_FROZEN)
			v->c.frozen_holds++;
		if (d.why == VGMP_REASON_TIE_UNRESOLVED)
			v->c.ties_unresolved++;
		if (d.why == VGMP_REASON_PEER_HANDED)
			v->c.handover_stepbacks++;
	}
	v->want_fault = d.fault_request;
	if (v->want_fault)
		fault_request(v, now);
	vgmp_set_state(v, d.to, d.why, now);
	heal(v);
	ospf_step(v, now);
}

void vgmp_begin(struct vgmp *v, enum vgmp_event ev)
{
	v->ev = ev;
}

/* Re-elect, then one urgent hello if the payload changed. The handover bits change with the
 * state mostly, but not only (an undo, the peer's restart or death): compared here. */
void vgmp_finish(struct vgmp *v, uint64_t now)
{
	evaluate(v, now);
	uint32_t bits = vgmp_handover_bits(v);
	if (bits != v->ho.announced) {
		v->ho.announced = bits;
		v->hello_due = true;
	}
	vgmp_flush_hello(v);
}

/* Our priority moved: the peer must hear it now. An operator's handover binds until we rank
 * higher than when we handed over: a fault of ours, or one that recovers (an OSPF neighbour
 * flapping during maintenance), is no reason to take the role back. */
static void priority_moved(struct vgmp *v, uint16_t before)
{
	if (vgmp_priority(v) == before)
		return;
	v->hello_due = true;
	if (vgmp_priority(v) > v->ho.yielded_prio)
		v->ho.yielded = false;
}

/* ---- setup ---- */

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static bool params_ok(const struct vgmp_params *p)
{
	return p->priority >= 1 && p->fault_penalty >= 1 && p->mode >= 0 && p->mode < HS_MODE_MAX &&
	       p->request_timeout_ms >= 1 && p->handover_timeout_ms >= 1 &&
	       terminated(p->name, sizeof(p->name));
}

int vgmp_params_from_config(const struct hs_config *cfg, struct vgmp_params *p)
{
	if (!cfg || !p)
		return -EINVAL;
	const struct hs_vgmpd_config *c = &cfg->vgmpd;
	const struct hs_hrpd_config *h = &cfg->hrpd;
	if (c->priority < 1 || c->priority > 65535 || c->fault_penalty < 1 ||
	    c->fault_penalty > 65535 || c->mode < 0 || c->mode >= HS_MODE_MAX ||
	    c->preempt_delay_s < 0 || c->preempt_delay_s > 86400 || h->hello_interval_ms < 1 ||
	    h->hello_interval_ms > 600000 || h->dead_count < 1 || h->dead_count > 1000)
		return -EINVAL;
	uint32_t dead = (uint32_t)h->hello_interval_ms * (uint32_t)h->dead_count;
	struct vgmp_params n = {
		.priority = (uint16_t)c->priority,
		.fault_penalty = (uint16_t)c->fault_penalty,
		.mode = c->mode,
		.standby_device = c->standby_device,
		.preempt = c->preempt,
		.preempt_delay_ms = (uint32_t)c->preempt_delay_s * 1000u,
		.startup_wait_ms = dead,
		.request_timeout_ms = (uint32_t)max_u64(2u * (uint32_t)h->hello_interval_ms,
							VGMP_REQUEST_TIMEOUT_MIN_MS),
		.handover_timeout_ms = (uint32_t)max_u64(dead, VGMP_HANDOVER_TIMEOUT_MIN_MS),
		.ospf_cost = c->ospf_cost.enable,
		.ospf_prefer = c->ospf_cost.active_cost >= 2,
		.ospf_min_interval_ms = VGMP_OSPF_MIN_INTERVAL_MS,
		/* three hellos missed: below hrpd's dead time (dead_count hellos and a
		 * re-negotiation), above a hello's jitter */
		.silent_takeover_ms = c->fast_takeover ? 3u * (uint32_t)h->hello_interval_ms : 0,
	};
	snprintf(n.name, sizeof(n.name), "%s", cfg->global.name);
	*p = n;
	return 0;
}

int vgmp_init(struct vgmp *v, const struct vgmp_params *p, const struct vgmp_ops *ops, void *ctx)
{
	if (!v || !p || !ops || !params_ok(p))
		return -EINVAL;
	if (!ops->send_hello || !ops->send_request || !ops->set_vrrp_roles || !ops->reannounce ||
	    !ops->ospf_cost || !ops->notify)
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	v->p = *p;
	v->ops = ops;
	v->ctx = ctx;
	vgmp_track_init(&v->track, p->priority, p->fault_penalty);
	v->state = v->wanted = VGMP_STATE_INITIALIZE;
	v->reason = VGMP_REASON_HRP_DISABLED;
	v->peer.status = VGMP_PEER_UNKNOWN;
	v->peer.state = VGMP_STATE_INITIALIZE;
	v->gate_since_ms = v->recheck_ms = VGMP_NEVER;
	v->cost = v->cost_frr = VGMP_COST_UNKNOWN;
	v->cost_ms = v->cost_at_ms = v->peer_raised_ms = VGMP_NEVER;
	return 0;
}

int vgmp_set_params(struct vgmp *v, const struct vgmp_params *p, uint64_t now_ms)
{
	if (!v || !p || !params_ok(p))
		return -EINVAL;
	vgmp_begin(v, VGMP_EV_RECONFIGURE);
	uint16_t before = vgmp_priority(v);
	vgmp_track_reconfigure(&v->track, p->priority, p->fault_penalty, now_ms);
	priority_moved(v, before);
	if (p->preempt != v->p.preempt || p->standby_device != v->p.standby_device ||
	    p->mode != v->p.mode)
		v->hello_due = true;
	bool ospf_switched = p->ospf_cost != v->p.ospf_cost;
	v->p = *p;
	/* adjust ospf-cost switched off: the plan stops, so a raised cost goes back now; switched
	 * either way, the plan starts afresh from an unknown cost. */
	if (ospf_switched) {
		if (v->cost == VGMP_COST_RAISED) {
			v->c.ospf_changes++;
			v->cost_ms = now_ms;
			v->ops->ospf_cost(v, VGMP_COST_NORMAL);
		}
		v->cost = VGMP_COST_UNKNOWN;
	}
	vgmp_finish(v, now_ms);
	return 0;
}

/* ---- the daemon's entry points ---- */

int vgmp_set_enabled(struct vgmp *v, bool on, uint64_t now_ms)
{
	if (!v)
		return -EINVAL;
	vgmp_begin(v, VGMP_EV_ENABLE);
	v->enable_known = true;
	if (on != v->enabled) {
		v->enabled = on;
		bool adverts = v->peer.adverts_seen;
		if (v->ho.giving)
			vgmp_give_up(v, VGMP_REQ_ABORTED, now_ms);
		v->ho.taking = v->ho.yielded = v->ho.releasing = false;
		v->split = false;
		v->gate_since_ms = VGMP_NEVER;
		if (on) {
			/* A fresh start: the peer is unknown until it speaks. */
			v->started_ms = now_ms;
			memset(&v->peer, 0, sizeof(v->peer));
			v->peer.status = VGMP_PEER_UNKNOWN;
			v->peer.state = VGMP_STATE_INITIALIZE;
			v->peer.since_ms = now_ms;
			v->peer.adverts_seen = adverts;
		}
		v->hello_due = true;
	}
	vgmp_finish(v, now_ms);
	return 0;
}

int vgmp_ospf_found(struct vgmp *v, enum vgmp_cost found, uint64_t now_ms)
{
	if (!v || (int)found < 0 || found >= VGMP_COST_MAX)
		return -EINVAL;
	if (!v->p.ospf_cost || found == VGMP_COST_UNKNOWN || v->cost != VGMP_COST_UNKNOWN ||
	    v->cost_ms != VGMP_NEVER)
		return 0;
	v->cost = v->cost_frr = found; /* read from FRR: confirmed */
	/* Counted as a change now for the one-change-a-second limit: ospfd may have sent an LSA
	 * just before (its adjacency forming at a first start, the old process's change at a
	 * restart), and a router drops a second one within its min-arrival (s42: a standby's raise
	 * 0.1 s after its adjacency was dropped and came 1.7 s later, new flows meanwhile on two
	 * equal routes). */
	v->cost_ms = now_ms;
	/* Our raised cost confirmed to an elected peer; in initialize the election's own hello
	 * will carry it. */
	if (found == VGMP_COST_RAISED && v->state != VGMP_STATE_INITIALIZE)
		v->hello_due = true;
	ospf_step(v, now_ms);
	vgmp_flush_hello(v);
	return 1;
}

int vgmp_ospf_applied(struct vgmp *v, enum vgmp_cost level, uint64_t now_ms)
{
	if (!v || (int)level < 0 || level >= VGMP_COST_MAX)
		return -EINVAL;
	bool was = cost_raised_confirmed(v);
	v->cost_frr = level;
	/* A confirmation the peer counts on (or no longer may): told at once. */
	if (was != cost_raised_confirmed(v) && v->state != VGMP_STATE_INITIALIZE) {
		v->hello_due = true;
		vgmp_flush_hello(v);
	}
	(void)now_ms;
	return 0;
}

int vgmp_tick(struct vgmp *v, uint64_t now_ms)
{
	if (!v)
		return -EINVAL;
	vgmp_begin(v, VGMP_EV_TICK);
	uint16_t before = vgmp_priority(v);
	vgmp_track_timer(&v->track, now_ms);
	priority_moved(v, before);
	vgmp_handover_timeouts(v, now_ms);
	vgmp_finish(v, now_ms);
	return 0;
}

uint64_t vgmp_next_deadline(const struct vgmp *v)
{
	const struct vgmp_handover *h = &v->ho;
	uint64_t n = min_u64(vgmp_track_next_deadline(&v->track), v->recheck_ms);
	if (h->giving)
		n = min_u64(n, h->acked ? h->acked_ms + v->p.handover_timeout_ms
					: h->sent_ms + v->p.request_timeout_ms);
	else if (v->want_fault)
		n = min_u64(n, h->retry_ms);
	if (h->taking)
		n = min_u64(n, h->taking_ms + v->p.handover_timeout_ms);
	return min_u64(n, v->cost_at_ms);
}

int vgmp_peer_update(struct vgmp *v, const struct hrp_vgmp *payload, const char *name,
		     uint64_t now_ms)
{
	if (!v || !payload)
		return -EINVAL;
	vgmp_begin(v, VGMP_EV_PEER_UPDATE);
	struct vgmp_peer *pe = &v->peer;
	if (pe->status != VGMP_PEER_ALIVE) {
		pe->status = VGMP_PEER_ALIVE;
		pe->since_ms = now_ms;
	}
	pe->silent = false;
	pe->unreachable = false;
	pe->heard_ms = now_ms;
	pe->priority = payload->priority;
	pe->state = vgmp_state_from_hrp(payload->state);
	pe->readiness = payload->readiness;
	pe->has_mode = payload->has_mode;
	pe->mode = payload->mode == HRP_VGMP_MODE_LOAD_SHARING ? HS_MODE_LOAD_SHARING
							       : HS_MODE_ACTIVE_STANDBY;
	if (name)
		snprintf(pe->name, sizeof(pe->name), "%s", name);
	v->mode_mismatch = pe->has_mode && pe->mode != v->p.mode;
	vgmp_handover_heard(v, now_ms);
	vgmp_finish(v, now_ms);
	return 0;
}

/* The peer is gone: by hrpd's word, (silent) by vgmp_peer_silent()'s, or (unreachable) because
 * our hrpd is gone. */
static void peer_dead(struct vgmp *v, bool silent, bool unreachable, uint64_t now_ms)
{
	vgmp_begin(v, VGMP_EV_PEER_DOWN);
	if (v->peer.status != VGMP_PEER_DEAD) {
		v->peer.status = VGMP_PEER_DEAD;
		v->peer.since_ms = now_ms;
	}
	v->peer.silent = silent;
	v->peer.unreachable = unreachable;
	vgmp_handover_peer_dead(v, now_ms);
	v->split = true;
	vgmp_finish(v, now_ms);
}

int vgmp_peer_down(struct vgmp *v, uint64_t now_ms)
{
	if (!v)
		return -EINVAL;
	peer_dead(v, false, false, now_ms);
	return 0;
}

int vgmp_peer_silent(struct vgmp *v, uint64_t silent_ms, uint64_t now_ms)
{
	if (!v)
		return -EINVAL;
	if (!v->p.silent_takeover_ms || !v->enabled || !vgmp_peer_alive(v) ||
	    v->peer.adverts_seen || silent_ms < v->p.silent_takeover_ms)
		return 0;
	if (vgmp_silent_hold(v, silent_ms, now_ms))
		return 0;
	v->c.silent_takeovers++;
	peer_dead(v, true, false, now_ms);
	return 1;
}

int vgmp_peer_unreachable(struct vgmp *v, uint64_t now_ms)
{
	if (!v)
		return -EINVAL;
	if (!vgmp_peer_alive(v))
		return 0;
	v->c.peer_unreachable++;
	peer_dead(v, false, true, now_ms);
	return 1;
}

int vgmp_set_peer_adverts(struct vgmp *v, bool seen, uint64_t now_ms)
{
	if (!v)
		return -EINVAL;
	vgmp_begin(v, VGMP_EV_PEER_ADVERTS);
	v->peer.adverts_seen = seen;
	vgmp_finish(v, now_ms);
	return 0;
}

int vgmp_tracker_add(struct vgmp *v, const struct vgmp_tracker_params *p, uint64_t now_ms)
{
	return v ? vgmp_track_add(&v->track, p, now_ms) : -EINVAL;
}

int vgmp_tracker_remove(struct vgmp *v, int id, uint64_t now_ms)
{
	if (!v)
		return -EINVAL;
	uint16_t before = vgmp_priority(v);
	int r = vgmp_track_remove(&v->track, id, now_ms);
	if (r < 0)
		return r;
	vgmp_begin(v, VGMP_EV_TRACKER);
	priority_moved(v, before);
	vgmp_finish(v, now_ms);
	return 0;
}

int vgmp_tracker_set(struct vgmp *v, int id, enum vgmp_obj_state s, uint64_t now_ms)
{
	if (!v)
		return -EINVAL;
	uint16_t before = vgmp_priority(v);
	int r = vgmp_track_set(&v->track, id, s, now_ms);
	if (r < 0)
		return r;
	vgmp_begin(v, VGMP_EV_TRACKER);
	priority_moved(v, before);
	vgmp_finish(v, now_ms);
	return 0;
}

int vgmp_set_ready(struct vgmp *v, bool ready, uint64_t now_ms)
{
	if (!v)
		return -EINVAL;
	vgmp_begin(v, VGMP_EV_READY);
	if (ready != v->ready) {
		v->ready = ready;
		if (ready)
			v->ready_since_ms = now_ms;
		v->hello_due = true;
	}
	vgmp_finish(v, now_ms);
	return 0;
}

void vgmp_payload(const struct vgmp *v, struct hrp_vgmp *out)
{
	uint32_t r = 0;
	if (v->ready)
		r |= HRP_VGMP_R_SESSIONS_SYNCED;
	if (v->p.preempt)
		r |= HRP_VGMP_R_PREEMPT;
	if (v->p.standby_device)
		r |= HRP_VGMP_R_STANDBY_DEVICE;
	if (v->frozen)
		r |= VGMP_R_FROZEN;
	if (cost_raised_confirmed(v) && !vgmp_track_degraded(&v->track))
		r |= VGMP_R_COST_RAISED;
	r |= vgmp_handover_bits(v);
	*out = (struct hrp_vgmp){
		.priority = v->ho.releasing ? 0 : vgmp_priority(v), /* ranked below the peer */
		.state = (uint8_t)vgmp_state_to_hrp(v->state),
		.readiness = r,
		.has_mode = true,
		.mode = v->p.mode == HS_MODE_LOAD_SHARING ? HRP_VGMP_MODE_LOAD_SHARING
							  : HRP_VGMP_MODE_ACTIVE_STANDBY,
	};
}

size_t vgmp_history_count(const struct vgmp *v)
{
	return v->history_total < VGMP_HISTORY_MAX ? (size_t)v->history_total : VGMP_HISTORY_MAX;
}

const struct vgmp_change *vgmp_history_get(const struct vgmp *v, size_t i)
{
	if (i >= vgmp_history_count(v))
		return NULL;
	return &v->history[(v->history_total - 1 - i) % VGMP_HISTORY_MAX];
}
