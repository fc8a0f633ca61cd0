/* A pair of simulated VGMP boxes wired back to back through the pure API: every payload,
 * request, ack and nack goes through a queue with a configurable one-way delay, hellos also go
 * out every hello interval as hrpd sends them, and hrpd's peer-dead verdict comes after the dead
 * time of silence. Each two-box scenario runs under the delay pairs of `delays` (both orders of
 * arrival), and after every delivery and every millisecond the invariants are checked:
 * - never both active once each has heard the other's current payload (state, priority,
 *   readiness), and a dual-active never lasts longer than the messages that end it take (the
 *   make-before-break window);
 * - never both standby once each has heard the other's current payload;
 * - make-before-break: of two bound VRRP groups, G1 (binding active on fw1, standby on fw2) and
 *   G2 (the other way round), one that has a master never loses it while the pair is intact;
 *   the one exception (doc/vgmp.md) is the end of a dual-active whose hellos cross while a
 *   priority changes: both may step down, for one message flight at most;
 * - the VRRP roles always follow the state; OSPF changes at most once per second per box.
 * Here too the helpers to start, cut, kill, restart and restore. Shared by test_vgmp_fsm.c (the
 * election, two boxes), test_vgmp_switchover.c (the operator's actions, two boxes) and
 * test_vgmp_fsm_solo.c (one box and a scripted peer), among others; each includes it once. */
#ifndef VGMP_SIM_H
#define VGMP_SIM_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vgmp_fsm.h"

#define QMAX    256
#define OSPFMAX 64
#define A       0
#define B       1

/* One-way delays (fw1 to fw2, fw2 to fw1): both orders of arrival, and equal. */
static const uint32_t delays[][2] = { { 0, 0 }, { 1, 40 }, { 40, 1 }, { 25, 25 } };
#define N_DELAYS (sizeof(delays) / sizeof(delays[0]))

enum { M_HELLO, M_REQ };

struct msg {
	uint64_t at;
	int kind;
	struct hrp_vgmp pl;
	char name[VGMP_NAME_MAX];
	struct vgmp_request rq;
};

struct box {
	int idx;
	struct vgmp v;
	struct vgmp_params p;
	bool running;   /* started and not killed */
	uint32_t delay; /* one way, to the peer */
	struct msg q[QMAX];
	size_t qn;
	uint32_t next_id; /* hrpd's request numbering */
	/* recorder */
	unsigned hellos, reannounces, notifies;
	int last_payload_prio; /* what hrpd holds: the priority of the last payload handed over */
	unsigned sent[VGMP_MSG_MAX];
	struct vgmp_request last_sent;
	enum vgmp_state roles;
	uint64_t active_at, standby_at; /* last entry into */
	struct {
		uint64_t t, seq;
		bool raise;
		enum vgmp_cost cost;
	} ospf[OSPFMAX];
	unsigned n_ospf;
	/* FRR: a change is confirmed (vgmp_ospf_applied) at the next settle(), unless frr_manual
	 * (the test confirms, or not, itself) */
	bool frr_manual, frr_due;
	enum vgmp_cost frr_pending;
};

static struct {
	struct box b[2];
	uint64_t now;
	bool link;
	uint64_t lost_at[2]; /* box i stopped hearing the other */
	bool declared[2];
	uint32_t dead_ms, hello_ms;
	uint64_t next_hello;
	bool check;
	uint64_t dual_since;
	uint32_t dual_max;
	uint64_t seq;
	bool covered[2]; /* group G1 (fw1 binding active), G2 (fw2 binding active) had a master */
	uint64_t last_dual; /* last moment both were active */
	uint64_t gap_since; /* a group without master since (only just after a dual-active) */
	bool verbose;
} S;

static inline struct box *peer_of(struct box *b)
{
	return &S.b[1 - b->idx];
}

static inline uint64_t dmax(void)
{
	return S.b[A].delay > S.b[B].delay ? S.b[A].delay : S.b[B].delay;
}

/* ---- the recorder ops ---- */

static inline void enqueue(struct box *from, const struct msg *m)
{
	struct box *to = peer_of(from);
	if (!S.link || !from->running || !to->running)
		return;
	assert_true(from->qn < QMAX);
	from->q[from->qn] = *m;
	from->q[from->qn].at = S.now + from->delay;
	from->qn++;
}

static inline void send_payload(struct box *b)
{
	struct msg m = { .kind = M_HELLO };
	vgmp_payload(&b->v, &m.pl);
	snprintf(m.name, sizeof(m.name), "%s", b->p.name);
	enqueue(b, &m);
}

static inline void o_hello(struct vgmp *v)
{
	struct box *b = v->ctx;
	b->hellos++;
	b->last_payload_prio = vgmp_priority(v);
	send_payload(b);
}

static inline void o_request(struct vgmp *v, const struct vgmp_request *r)
{
	struct box *b = v->ctx;
	struct msg m = { .kind = M_REQ, .rq = *r };
	b->sent[r->kind]++;
	if (r->kind == VGMP_MSG_SWITCHOVER) {
		assert_int_equal(r->request_id, 0);
		assert_true(r->has_state);
		assert_int_equal(r->state, VGMP_STATE_STANDBY);
		assert_true(r->has_priority);
		assert_int_equal(r->priority, vgmp_priority(v));
		/* hrpd fills the request's priority from its payload: it must be current. */
		assert_int_equal(b->last_payload_prio, r->priority);
		m.rq.request_id = ++b->next_id; /* hrpd numbers it and says so */
		assert_int_equal(vgmp_request_id(v, m.rq.request_id), 0);
	}
	b->last_sent = m.rq;
	if (S.verbose)
		printf("%6llu %s -> %s %u (%s)\n", (unsigned long long)S.now, b->p.name,
		       vgmp_msg_name(r->kind), m.rq.request_id, hrp_vgmp_reason_name(r->reason));
	enqueue(b, &m);
}

static inline void o_roles(struct vgmp *v, enum vgmp_state s)
{
	struct box *b = v->ctx;
	assert_int_equal(s, v->state);
	b->roles = s;
}

static inline void o_reannounce(struct vgmp *v)
{
	struct box *b = v->ctx;
	assert_true(vgmp_state_holds(v->state));
	b->reannounces++;
}

static inline void o_ospf(struct vgmp *v, enum vgmp_cost cost)
{
	struct box *b = v->ctx;
	bool raise = cost == VGMP_COST_RAISED;
	if (b->n_ospf == OSPFMAX) { /* keep the last ones */
		memmove(b->ospf, b->ospf + 1, (OSPFMAX - 1) * sizeof(b->ospf[0]));
		b->n_ospf--;
	}
	if (b->n_ospf > 0) {
		/* One change per box per second, and each a real change. */
		assert_true(S.now >= b->ospf[b->n_ospf - 1].t + VGMP_OSPF_MIN_INTERVAL_MS);
		assert_int_not_equal(cost, b->ospf[b->n_ospf - 1].cost);
	}
	/* One below normal only on the active, and only where the active's cost is known. */
	if (cost == VGMP_COST_PREFERRED)
		assert_true(v->state == VGMP_STATE_ACTIVE && v->p.ospf_prefer);
	/* Raised on standby only; lowered when holding traffic (or hrp known to be disabled, or
	 * the adjustment switched off): never by a box that has not been told yet whether hrp is
	 * enabled (a cold start finds FRR raised by its previous process). */
	if (raise)
		assert_int_equal(v->state, VGMP_STATE_STANDBY);
	else
		assert_true(vgmp_state_holds(v->state) || (v->enable_known && !v->enabled) ||
			    !v->p.ospf_cost);
	b->ospf[b->n_ospf].t = S.now;
	b->ospf[b->n_ospf].seq = ++S.seq;
	b->ospf[b->n_ospf].raise = raise;
	b->ospf[b->n_ospf].cost = cost;
	b->n_ospf++;
	b->frr_due = !b->frr_manual;
	b->frr_pending = cost;
}

static inline void o_notify(struct vgmp *v, enum vgmp_state old, enum vgmp_state new_state,
		     enum vgmp_reason why)
{
	struct box *b = v->ctx;
	assert_int_not_equal(old, new_state);
	assert_int_equal(v->state, new_state);
	assert_int_equal(b->roles, new_state); /* roles were set before notify */
	b->notifies++;
	if (new_state == VGMP_STATE_ACTIVE)
		b->active_at = S.now;
	if (new_state == VGMP_STATE_STANDBY)
		b->standby_at = S.now;
	if (S.verbose)
		printf("%6llu %s %s -> %s (%s) prio %u\n", (unsigned long long)S.now, b->p.name,
		       vgmp_state_name(old), vgmp_state_name(new_state), vgmp_reason_name(why),
		       vgmp_priority(v));
}

static const struct vgmp_ops ops = {
	.send_hello = o_hello,
	.send_request = o_request,
	.set_vrrp_roles = o_roles,
	.reannounce = o_reannounce,
	.ospf_cost = o_ospf,
	.notify = o_notify,
};

/* ---- the simulation ---- */

static inline void check(void)
{
	static enum vgmp_reason last[2];
	for (int i = 0; S.verbose && i < 2; i++)
		if (S.b[i].v.reason != last[i]) {
			last[i] = S.b[i].v.reason;
			printf("%6llu %s (%s: %s)\n", (unsigned long long)S.now, S.b[i].p.name,
			       vgmp_state_name(S.b[i].v.state), vgmp_reason_name(last[i]));
		}
	if (!S.check)
		return;
	struct vgmp *a = &S.b[A].v, *b = &S.b[B].v;
	if (!S.link || !S.b[A].running || !S.b[B].running || !a->enabled || !b->enabled) {
		S.dual_since = S.last_dual = S.gap_since = VGMP_NEVER;
		S.covered[0] = S.covered[1] = false;
		return;
	}
	if (a->state == VGMP_STATE_ACTIVE && b->state == VGMP_STATE_ACTIVE)
		S.last_dual = S.now;
	bool gap = false;
	for (int g = 0; g < 2; g++) {
		/* G1 is bound `active` on fw1 and `standby` on fw2; G2 the reverse. */
		int fw1_binding = g == 0 ? HS_BIND_ACTIVE : HS_BIND_STANDBY;
		int fw2_binding = g == 0 ? HS_BIND_STANDBY : HS_BIND_ACTIVE;
		bool master = vgmp_vrrp_role(a->state, fw1_binding) == VRRP_ROLE_MASTER ||
			      vgmp_vrrp_role(b->state, fw2_binding) == VRRP_ROLE_MASTER;
		bool after_dual = S.last_dual != VGMP_NEVER && S.now - S.last_dual <= dmax() + 1;
		if (S.covered[g] && !master && !after_dual && S.gap_since == VGMP_NEVER)
			fail_msg("group G%d lost its master at %llu (fw1 %s, fw2 %s)", g + 1,
				 (unsigned long long)S.now, vgmp_state_name(a->state),
				 vgmp_state_name(b->state));
		if ((S.covered[g] || S.gap_since != VGMP_NEVER) && !master)
			gap = true;
		else
			S.covered[g] = master;
	}
	if (!gap)
		S.gap_since = VGMP_NEVER;
	else if (S.gap_since == VGMP_NEVER)
		S.gap_since = S.now;
	else if (S.now - S.gap_since > S.dual_max)
		fail_msg("a group without master for %llu ms at %llu",
			 (unsigned long long)(S.now - S.gap_since), (unsigned long long)S.now);
	bool consistent = true;
	for (int i = 0; i < 2; i++) {
		struct hrp_vgmp pl;
		const struct vgmp_peer *view = &S.b[1 - i].v.peer;
		vgmp_payload(&S.b[i].v, &pl);
		consistent = consistent && view->status == VGMP_PEER_ALIVE &&
			     view->state == S.b[i].v.state && view->priority == pl.priority &&
			     view->readiness == pl.readiness;
	}
	if (a->state == VGMP_STATE_ACTIVE && b->state == VGMP_STATE_ACTIVE) {
		/* Whoever learns of the other's active state first settles it in that call. */
		if (consistent)
			fail_msg("both active with consistent views at %llu",
				 (unsigned long long)S.now);
		if (S.dual_since == VGMP_NEVER)
			S.dual_since = S.now;
		if (S.now - S.dual_since > S.dual_max)
			fail_msg("both active for %llu ms at %llu",
				 (unsigned long long)(S.now - S.dual_since),
				 (unsigned long long)S.now);
	} else {
		S.dual_since = VGMP_NEVER;
	}
	if (consistent && a->state == VGMP_STATE_STANDBY && b->state == VGMP_STATE_STANDBY)
		fail_msg("both standby with consistent views at %llu", (unsigned long long)S.now);
}

/* Delivers everything due, including what the deliveries themselves send with no delay. */
static inline void settle(void)
{
	bool any = true;
	while (any) {
		any = false;
		for (int i = 0; i < 2; i++) {
			struct box *b = &S.b[i];
			if (!b->running || !b->frr_due)
				continue;
			b->frr_due = false;
			any = true;
			assert_int_equal(vgmp_ospf_applied(&b->v, b->frr_pending, S.now), 0);
			check();
		}
		for (int i = 0; i < 2; i++) {
			struct box *from = &S.b[i], *to = peer_of(from);
			if (from->qn == 0 || from->q[0].at > S.now)
				continue;
			struct msg m = from->q[0];
			memmove(from->q, from->q + 1, (from->qn - 1) * sizeof(from->q[0]));
			from->qn--;
			any = true;
			if (!to->running || !S.link)
				continue;
			if (m.kind == M_HELLO)
				assert_int_equal(vgmp_peer_update(&to->v, &m.pl, m.name, S.now), 0);
			else
				assert_int_equal(vgmp_request_received(&to->v, &m.rq, S.now), 0);
			check();
		}
	}
}

static inline void step(void)
{
	settle();
	for (int i = 0; i < 2; i++) {
		struct box *b = &S.b[i];
		if (!b->running || S.lost_at[i] == VGMP_NEVER || S.declared[i] ||
		    S.now < S.lost_at[i] + S.dead_ms)
			continue;
		S.declared[i] = true;
		assert_int_equal(vgmp_peer_down(&b->v, S.now), 0);
	}
	if (S.now >= S.next_hello) {
		for (int i = 0; i < 2; i++)
			if (S.b[i].running && S.b[i].v.enabled)
				send_payload(&S.b[i]);
		S.next_hello += S.hello_ms;
	}
	for (int i = 0; i < 2; i++) {
		struct box *b = &S.b[i];
		if (b->running && vgmp_next_deadline(&b->v) <= S.now)
			assert_int_equal(vgmp_tick(&b->v, S.now), 0);
		/* Nothing due is left behind. */
		if (b->running)
			assert_true(vgmp_next_deadline(&b->v) > S.now);
	}
	settle();
	check();
}

static inline void run_until(uint64_t t)
{
	while (S.now < t) {
		S.now++;
		step();
	}
}

static inline struct vgmp_params default_params(const char *name)
{
	struct vgmp_params p = {
		.priority = 45000,
		.fault_penalty = 2,
		.mode = HS_MODE_ACTIVE_STANDBY,
		.preempt = true,
		.preempt_delay_ms = 60000,
		.startup_wait_ms = 3000,
		.request_timeout_ms = 2000,
		.handover_timeout_ms = 3000,
		.ospf_cost = true,
	};
	snprintf(p.name, sizeof(p.name), "%s", name);
	return p;
}

static inline void sim_setup(uint32_t d_ab, uint32_t d_ba)
{
	memset(&S, 0, sizeof(S));
	S.verbose = getenv("VGMP_TEST_VERBOSE") != NULL;
	for (int i = 0; i < 2; i++) {
		S.b[i].idx = i;
		S.b[i].p = default_params(i == A ? "fw1" : "fw2");
		S.lost_at[i] = VGMP_NEVER;
	}
	S.b[A].delay = d_ab;
	S.b[B].delay = d_ba;
	S.link = true;
	S.dead_ms = 3000;
	S.hello_ms = 1000;
	S.check = true;
	S.dual_since = S.last_dual = S.gap_since = VGMP_NEVER;
	S.dual_max = d_ab + d_ba + 1;
	if (S.verbose)
		printf("--- delays %u / %u\n", d_ab, d_ba);
}

/* Init only (trackers and readiness can be set before hrp enable). */
static inline void sim_init(int i)
{
	struct box *b = &S.b[i];
	assert_int_equal(vgmp_init(&b->v, &b->p, &ops, b), 0);
	b->roles = VGMP_STATE_INITIALIZE;
	b->frr_due = false;
	b->running = true;
}

static inline void sim_enable(int i)
{
	if (!S.b[i].running)
		sim_init(i);
	assert_int_equal(vgmp_set_enabled(&S.b[i].v, true, S.now), 0);
	settle();
	check();
}

static inline void sim_start_both(bool b_first)
{
	sim_init(A);
	sim_init(B);
	sim_enable(b_first ? B : A);
	sim_enable(b_first ? A : B);
}

static inline void sim_kill(int i)
{
	S.b[i].running = false;
	S.b[i].qn = 0;
	S.lost_at[1 - i] = S.now;
}

static inline void sim_restart(int i)
{
	S.b[i].running = false;
	S.b[i].n_ospf = 0; /* a new process knows nothing of the old one's changes */
	sim_init(i);
	S.lost_at[1 - i] = VGMP_NEVER;
	S.declared[1 - i] = false;
	sim_enable(i);
}

static inline void sim_cut(void)
{
	S.link = false;
	S.b[A].qn = S.b[B].qn = 0;
	S.lost_at[A] = S.lost_at[B] = S.now;
}

static inline void sim_restore(void)
{
	S.link = true;
	S.lost_at[A] = S.lost_at[B] = VGMP_NEVER;
	S.declared[A] = S.declared[B] = false;
}

static inline void assert_states(enum vgmp_state a, enum vgmp_state b)
{
	if (S.b[A].v.state != a || S.b[B].v.state != b)
		fail_msg("at %llu: fw1 %s (%s), fw2 %s (%s); wanted %s, %s",
			 (unsigned long long)S.now, vgmp_state_name(S.b[A].v.state),
			 vgmp_reason_name(S.b[A].v.reason), vgmp_state_name(S.b[B].v.state),
			 vgmp_reason_name(S.b[B].v.reason), vgmp_state_name(a), vgmp_state_name(b));
}

static inline int add_tracker(int i, const char *name)
{
	struct vgmp_tracker_params tp = { 0 };
	snprintf(tp.name, sizeof(tp.name), "%s", name);
	snprintf(tp.type, sizeof(tp.type), "interface");
	int id = vgmp_tracker_add(&S.b[i].v, &tp, S.now);
	assert_true(id >= 0);
	assert_int_equal(vgmp_tracker_set(&S.b[i].v, id, VGMP_OBJ_UP, S.now), 0);
	return id;
}

static inline void set_ready(int i)
{
	assert_int_equal(vgmp_set_ready(&S.b[i].v, true, S.now), 0);
	settle();
}

#endif
