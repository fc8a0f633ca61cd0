/* The VGMP election. Two simulated boxes wired back to back through the pure API: every payload,
 * request, ack and nack goes through a queue with a configurable one-way delay, hellos also go
 * out every hello interval as hrpd sends them, and hrpd's peer-dead verdict comes after the dead
 * time of silence. Each scenario runs under several delay pairs (both orders of arrival), and
 * after every delivery and every millisecond the invariants are checked:
 * - never both active once each has heard the other's current payload (state, priority,
 *   readiness), and a dual-active never lasts longer than the messages that end it take (the
 *   make-before-break window);
 * - never both standby once each has heard the other's current payload;
 * - make-before-break: of two bound VRRP groups, G1 (binding active on fw1, standby on fw2) and
 *   G2 (the other way round), one that has a master never loses it while the pair is intact;
 *   the one exception (doc/vgmp.md) is the end of a dual-active whose hellos cross while a
 *   priority changes: both may step down, for one message flight at most;
 * - the VRRP roles always follow the state; OSPF changes at most once per second per box.
 * Then single-box cases with a scripted peer: request answers, timeouts, the OSPF rate limit,
 * hrp disable, validation, names, payload, history. */
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
	} ospf[OSPFMAX];
	unsigned n_ospf;
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

static struct box *peer_of(struct box *b)
{
	return &S.b[1 - b->idx];
}

static uint64_t dmax(void)
{
	return S.b[A].delay > S.b[B].delay ? S.b[A].delay : S.b[B].delay;
}

/* ---- the recorder ops ---- */

static void enqueue(struct box *from, const struct msg *m)
{
	struct box *to = peer_of(from);
	if (!S.link || !from->running || !to->running)
		return;
	assert_true(from->qn < QMAX);
	from->q[from->qn] = *m;
	from->q[from->qn].at = S.now + from->delay;
	from->qn++;
}

static void send_payload(struct box *b)
{
	struct msg m = { .kind = M_HELLO };
	vgmp_payload(&b->v, &m.pl);
	snprintf(m.name, sizeof(m.name), "%s", b->p.name);
	enqueue(b, &m);
}

static void o_hello(struct vgmp *v)
{
	struct box *b = v->ctx;
	b->hellos++;
	b->last_payload_prio = vgmp_priority(v);
	send_payload(b);
}

static void o_request(struct vgmp *v, const struct vgmp_request *r)
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

static void o_roles(struct vgmp *v, enum vgmp_state s)
{
	struct box *b = v->ctx;
	assert_int_equal(s, v->state);
	b->roles = s;
}

static void o_reannounce(struct vgmp *v)
{
	struct box *b = v->ctx;
	assert_true(vgmp_state_holds(v->state));
	b->reannounces++;
}

static void o_ospf(struct vgmp *v, bool raise)
{
	struct box *b = v->ctx;
	if (b->n_ospf == OSPFMAX) { /* keep the last ones */
		memmove(b->ospf, b->ospf + 1, (OSPFMAX - 1) * sizeof(b->ospf[0]));
		b->n_ospf--;
	}
	if (b->n_ospf > 0) {
		/* One change per box per second, and each a real change. */
		assert_true(S.now >= b->ospf[b->n_ospf - 1].t + VGMP_OSPF_MIN_INTERVAL_MS);
		assert_int_not_equal(raise, b->ospf[b->n_ospf - 1].raise);
	}
	/* Raised on standby only; lowered when holding traffic (or hrp disabled, or the
	 * adjustment switched off). */
	if (raise)
		assert_int_equal(v->state, VGMP_STATE_STANDBY);
	else
		assert_true(vgmp_state_holds(v->state) || !v->enabled || !v->p.ospf_cost);
	b->ospf[b->n_ospf].t = S.now;
	b->ospf[b->n_ospf].seq = ++S.seq;
	b->ospf[b->n_ospf].raise = raise;
	b->n_ospf++;
}

static void o_notify(struct vgmp *v, enum vgmp_state old, enum vgmp_state new_state,
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

static void check(void)
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
static void settle(void)
{
	bool any = true;
	while (any) {
		any = false;
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

static void step(void)
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

static void run_until(uint64_t t)
{
	while (S.now < t) {
		S.now++;
		step();
	}
}

static struct vgmp_params default_params(const char *name)
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

static void sim_setup(uint32_t d_ab, uint32_t d_ba)
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
static void sim_init(int i)
{
	struct box *b = &S.b[i];
	assert_int_equal(vgmp_init(&b->v, &b->p, &ops, b), 0);
	b->roles = VGMP_STATE_INITIALIZE;
	b->running = true;
}

static void sim_enable(int i)
{
	if (!S.b[i].running)
		sim_init(i);
	assert_int_equal(vgmp_set_enabled(&S.b[i].v, true, S.now), 0);
	settle();
	check();
}

static void sim_start_both(bool b_first)
{
	sim_init(A);
	sim_init(B);
	sim_enable(b_first ? B : A);
	sim_enable(b_first ? A : B);
}

static void sim_kill(int i)
{
	S.b[i].running = false;
	S.b[i].qn = 0;
	S.lost_at[1 - i] = S.now;
}

static void sim_cut(void)
{
	S.link = false;
	S.b[A].qn = S.b[B].qn = 0;
	S.lost_at[A] = S.lost_at[B] = S.now;
}

static void sim_restore(void)
{
	S.link = true;
	S.lost_at[A] = S.lost_at[B] = VGMP_NEVER;
	S.declared[A] = S.declared[B] = false;
}

static void assert_states(enum vgmp_state a, enum vgmp_state b)
{
	if (S.b[A].v.state != a || S.b[B].v.state != b)
		fail_msg("at %llu: fw1 %s (%s), fw2 %s (%s); wanted %s, %s",
			 (unsigned long long)S.now, vgmp_state_name(S.b[A].v.state),
			 vgmp_reason_name(S.b[A].v.reason), vgmp_state_name(S.b[B].v.state),
			 vgmp_reason_name(S.b[B].v.reason), vgmp_state_name(a), vgmp_state_name(b));
}

static int add_tracker(int i, const char *name)
{
	struct vgmp_tracker_params tp = { 0 };
	snprintf(tp.name, sizeof(tp.name), "%s", name);
	snprintf(tp.type, sizeof(tp.type), "interface");
	int id = vgmp_tracker_add(&S.b[i].v, &tp, S.now);
	assert_true(id >= 0);
	assert_int_equal(vgmp_tracker_set(&S.b[i].v, id, VGMP_OBJ_UP, S.now), 0);
	return id;
}

static void set_ready(int i)
{
	assert_int_equal(vgmp_set_ready(&S.b[i].v, true, S.now), 0);
	settle();
}

static const uint32_t delays[][2] = { { 0, 0 }, { 1, 40 }, { 40, 1 }, { 25, 25 } };
#define N_DELAYS (sizeof(delays) / sizeof(delays[0]))

/* ---- scenarios: two boxes ---- */

/* Both start together, equal priority: the standby device is standby, even with the lower name
 * and whichever starts first; nobody flaps on the way. */
static void test_start_together_standby_device(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		for (int order = 0; order < 2; order++) {
			sim_setup(delays[d][0], delays[d][1]);
			S.b[B].p.standby_device = true;
			snprintf(S.b[B].p.name, sizeof(S.b[B].p.name), "fw0");
			sim_start_both(order);
			run_until(10000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			assert_int_equal(S.b[B].v.reason, VGMP_REASON_STANDBY_DEVICE);
			assert_int_equal(S.b[A].v.c.entered[VGMP_STATE_STANDBY], 0);
			assert_int_equal(S.b[B].v.c.entered[VGMP_STATE_ACTIVE], 0);
			/* Decided on the first hellos, not after the startup wait. */
			assert_true(S.b[A].active_at <= dmax());
			assert_int_equal(S.b[A].roles, VGMP_STATE_ACTIVE);
			assert_int_equal(S.b[B].roles, VGMP_STATE_STANDBY);
		}
	}
}

/* Neither is the standby device: the synced box, then the lower name. */
static void test_start_together_ties(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		for (int order = 0; order < 2; order++) {
			sim_setup(delays[d][0], delays[d][1]);
			sim_start_both(order);
			run_until(10000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			const struct vgmp_change *c = vgmp_history_get(&S.b[A].v, 0);
			assert_int_equal(c->new_state, VGMP_STATE_ACTIVE);
			assert_int_equal(c->why, VGMP_REASON_TIE_NAME);
			assert_int_equal(c->ev, VGMP_EV_PEER_UPDATE);
			assert_int_equal(S.b[B].v.c.entered[VGMP_STATE_ACTIVE], 0);

			/* fw2 has its sessions synced (it was active before a restart): it wins. */
			sim_setup(delays[d][0], delays[d][1]);
			sim_init(A);
			sim_init(B);
			assert_int_equal(vgmp_set_ready(&S.b[B].v, true, 0), 0);
			sim_enable(order ? B : A);
			sim_enable(order ? A : B);
			run_until(10000);
			assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
			assert_int_equal(vgmp_history_get(&S.b[B].v, 0)->why,
					 VGMP_REASON_TIE_READY);
		}
	}
}

/* One box alone goes active after the startup wait; the other joins with a higher priority and
 * preemption off: it stays standby for good. */
static void test_start_staggered_no_preempt(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		sim_setup(delays[d][0], delays[d][1]);
		S.b[B].p.priority = 45002;
		S.b[B].p.preempt = false;
		sim_enable(A);
		run_until(2999);
		assert_int_equal(S.b[A].v.state, VGMP_STATE_INITIALIZE);
		assert_int_equal(S.b[A].v.reason, VGMP_REASON_STARTUP);
		run_until(3000);
		assert_int_equal(S.b[A].v.state, VGMP_STATE_ACTIVE);
		assert_int_equal(S.b[A].v.reason, VGMP_REASON_NO_PEER);
		set_ready(A);

		run_until(10000);
		sim_enable(B);
		run_until(12000);
		set_ready(B);
		run_until(200000);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_int_equal(S.b[B].v.reason, VGMP_REASON_PREEMPT_DISABLED);
		assert_int_equal(S.b[A].v.reason, VGMP_REASON_STAY_ACTIVE);
		assert_int_equal(S.b[B].v.c.entered[VGMP_STATE_ACTIVE], 0);
	}
}

/* Preemption: not before readiness, then exactly the preempt delay after it; the old active lets
 * go only once it hears the new one. */
static void test_preempt_after_readiness_and_delay(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		sim_setup(delays[d][0], delays[d][1]);
		S.b[B].p.priority = 45002;
		sim_enable(A);
		run_until(3000);
		set_ready(A);
		run_until(10000);
		sim_enable(B);
		run_until(20000);
		assert_int_equal(S.b[B].v.state, VGMP_STATE_STANDBY);
		assert_int_equal(S.b[B].v.reason, VGMP_REASON_NOT_READY);
		set_ready(B); /* bulk sync done at 20000 */
		run_until(79999);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_int_equal(S.b[B].v.reason, VGMP_REASON_PREEMPT_DELAY);
		assert_int_equal(vgmp_next_deadline(&S.b[B].v), 80000);
		run_until(80000);
		assert_int_equal(S.b[B].v.state, VGMP_STATE_ACTIVE);
		assert_int_equal(vgmp_history_get(&S.b[B].v, 0)->why, VGMP_REASON_PREEMPT);
		assert_int_equal(S.b[B].v.c.preempts, 1);
		run_until(80000 + S.b[B].delay + 1);
		assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
		assert_int_equal(S.b[A].standby_at, 80000 + S.b[B].delay);
		assert_int_equal(vgmp_history_get(&S.b[A].v, 0)->why, VGMP_REASON_LOWER_PRIORITY);

		/* Never ready: never preempts. */
		sim_setup(delays[d][0], delays[d][1]);
		S.b[B].p.priority = 45002;
		sim_enable(A);
		run_until(10000);
		sim_enable(B);
		run_until(300000);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_int_equal(S.b[B].v.reason, VGMP_REASON_NOT_READY);
	}
}

/* A tracked fault on the active: it asks at once and the peer takes over at once, whatever the
 * peer's preemption settings and readiness; then recovery preempts back per config. */
static void test_fault_failover_and_recovery(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		for (int preempt = 0; preempt < 2; preempt++) {
			sim_setup(delays[d][0], delays[d][1]);
			uint32_t ab = S.b[A].delay, ba = S.b[B].delay;
			S.b[A].p.preempt = preempt;
			S.b[B].p.standby_device = true;
			S.b[B].p.preempt = false; /* and never ready */
			sim_init(A);
			sim_init(B);
			int eth1 = add_tracker(A, "eth1");
			set_ready(A);
			sim_enable(A);
			sim_enable(B);
			run_until(10000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);

			unsigned hellos = S.b[A].hellos;
			assert_int_equal(vgmp_tracker_set(&S.b[A].v, eth1, VGMP_OBJ_DOWN, S.now),
					 0);
			assert_int_equal(vgmp_priority(&S.b[A].v), 44998);
			assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 1);
			assert_int_equal(S.b[A].last_sent.reason, HRP_VGMP_REASON_FAULT);
			assert_int_equal(S.b[A].hellos, hellos + 1); /* the fault, at once */
			assert_int_equal(S.b[A].v.reason, VGMP_REASON_FAULT_HANDOVER);
			const struct vgmp_ledger_entry *e = vgmp_ledger_get(&S.b[A].v.track, 0);
			assert_int_equal(e->time_ms, 10000);
			assert_int_equal(e->tracker, eth1);
			assert_string_equal(e->name, "eth1");
			assert_int_equal(e->delta, -2);
			assert_int_equal(e->old_priority, 45000);
			assert_int_equal(e->new_priority, 44998);
			assert_int_equal(e->cause, VGMP_LEDGER_DOWN);
			settle();

			run_until(10000 + ab + ba + 1);
			assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
			assert_int_equal(S.b[B].active_at, 10000 + ab);
			assert_int_equal(S.b[A].standby_at, 10000 + ab + ba);
			assert_int_equal(vgmp_history_get(&S.b[B].v, 0)->why,
					 VGMP_REASON_SWITCHOVER_FAULT);
			assert_int_equal(vgmp_history_get(&S.b[A].v, 0)->why,
					 VGMP_REASON_HANDED_OVER);
			assert_int_equal(S.b[B].sent[VGMP_MSG_ACK], 1);
			assert_int_equal(S.b[A].v.ho.result, VGMP_REQ_DONE);
			assert_false(S.b[A].v.ho.yielded);
			/* New active lowered its OSPF cost before the old one raised its own. */
			struct box *na = &S.b[B], *oa = &S.b[A];
			assert_false(na->ospf[na->n_ospf - 1].raise);
			assert_true(oa->ospf[oa->n_ospf - 1].raise);
			assert_true(na->ospf[na->n_ospf - 1].seq < oa->ospf[oa->n_ospf - 1].seq);

			/* Recovery at 40000: equal priority, fw2 is the standby device. */
			run_until(40000);
			assert_int_equal(vgmp_tracker_set(&S.b[A].v, eth1, VGMP_OBJ_UP, S.now), 0);
			settle();
			assert_int_equal(vgmp_priority(&S.b[A].v), 45000);
			if (!preempt) {
				run_until(300000);
				assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
				assert_int_equal(S.b[A].v.reason, VGMP_REASON_PREEMPT_DISABLED);
				continue;
			}
			run_until(40000 + ab + 1);
			assert_int_equal(S.b[A].v.reason, VGMP_REASON_PREEMPT_DELAY);
			run_until(99999);
			assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
			run_until(100000);
			assert_int_equal(S.b[A].v.state, VGMP_STATE_ACTIVE);
			run_until(100000 + ab + 1);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			assert_int_equal(S.b[B].v.reason, VGMP_REASON_STANDBY_DEVICE);
		}
	}
}

/* hrpd declares the peer dead: active at once. */
static void test_peer_dead(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		sim_setup(delays[d][0], delays[d][1]);
		S.b[B].p.standby_device = true;
		sim_start_both(false);
		run_until(10000);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		sim_kill(A);
		run_until(12999);
		assert_int_equal(S.b[B].v.state, VGMP_STATE_STANDBY);
		run_until(13000);
		assert_int_equal(S.b[B].v.state, VGMP_STATE_ACTIVE);
		assert_int_equal(S.b[B].active_at, 13000);
		const struct vgmp_change *c = vgmp_history_get(&S.b[B].v, 0);
		assert_int_equal(c->why, VGMP_REASON_PEER_DEAD);
		assert_int_equal(c->ev, VGMP_EV_PEER_DOWN);
		assert_int_equal(c->peer_priority, -1);
		assert_int_equal(S.b[B].roles, VGMP_STATE_ACTIVE);
		assert_false(S.b[B].ospf[S.b[B].n_ospf - 1].raise);
		assert_int_equal(S.b[B].ospf[S.b[B].n_ospf - 1].t, 13000);
	}
}

/* Heartbeats dead but the peer's adverts heard: a split brain, the standby stays; once the
 * adverts stop too, it takes over. */
static void test_split_brain_hold(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		sim_setup(delays[d][0], delays[d][1]);
		S.b[B].p.standby_device = true;
		sim_start_both(false);
		run_until(10000);
		sim_cut();
		assert_int_equal(vgmp_set_peer_adverts(&S.b[B].v, true, S.now), 0);
		run_until(30000);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_int_equal(S.b[B].v.reason, VGMP_REASON_SPLIT_BRAIN);
		assert_int_equal(S.b[B].v.c.split_brain_holds, 1);
		assert_int_equal(S.b[B].v.peer.status, VGMP_PEER_DEAD);
		assert_int_equal(S.b[A].v.reason, VGMP_REASON_PEER_DEAD);
		assert_int_equal(vgmp_set_peer_adverts(&S.b[B].v, false, S.now), 0);
		assert_int_equal(S.b[B].v.state, VGMP_STATE_ACTIVE);
		assert_int_equal(S.b[B].v.reason, VGMP_REASON_PEER_DEAD);
	}
}

/* A split brain heals: both active; the lower steps down, the winner re-announces. */
static void test_split_brain_heal(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		for (int sd = 0; sd < 2; sd++) {
			sim_setup(delays[d][0], delays[d][1]);
			S.b[B].p.standby_device = sd; /* else: equal rank, fw1 wins by name */
			S.dual_max = S.hello_ms + (uint32_t)dmax() + 1;
			sim_start_both(true);
			set_ready(A);
			set_ready(B);
			run_until(10000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			sim_cut();
			run_until(13000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_ACTIVE);
			assert_true(S.b[A].v.split && S.b[B].v.split);
			/* fw1 starts a bulk sync meanwhile: a dual-active is settled by rank and
			 * name only, inputs that cannot change while hellos cross. */
			assert_int_equal(vgmp_set_ready(&S.b[A].v, false, S.now), 0);
			run_until(40000);
			sim_restore();
			run_until(45000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			assert_int_equal(S.b[A].reannounces, 1);
			assert_int_equal(S.b[B].reannounces, 0);
			assert_false(S.b[A].v.split || S.b[B].v.split);
			assert_int_equal(vgmp_history_get(&S.b[B].v, 0)->why,
					 sd ? VGMP_REASON_STANDBY_DEVICE : VGMP_REASON_TIE_NAME);
			assert_true(S.b[B].standby_at <= 40000 + S.hello_ms + dmax());
		}
	}
}

/* Load-sharing: equal -> both load-balance; one degraded -> the other active; recovery ->
 * load-balance again after the preempt delay. */
static void test_load_sharing(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		sim_setup(delays[d][0], delays[d][1]);
		uint32_t ab = S.b[A].delay, ba = S.b[B].delay;
		S.b[A].p.mode = S.b[B].p.mode = HS_MODE_LOAD_SHARING;
		sim_init(A);
		sim_init(B);
		int eth1 = add_tracker(B, "eth1");
		sim_enable(A);
		sim_enable(B);
		set_ready(A);
		set_ready(B);
		run_until(10000);
		assert_states(VGMP_STATE_LOAD_BALANCE, VGMP_STATE_LOAD_BALANCE);
		assert_int_equal(S.b[A].v.reason, VGMP_REASON_LOAD_SHARING);

		assert_int_equal(vgmp_tracker_set(&S.b[B].v, eth1, VGMP_OBJ_DOWN, S.now), 0);
		settle();
		assert_int_equal(S.b[B].sent[VGMP_MSG_SWITCHOVER],
				 0); /* the peer just takes over */
		run_until(10000 + ba + ab + 1);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_int_equal(S.b[A].active_at, 10000 + ba);
		assert_int_equal(S.b[B].standby_at, 10000 + ba + ab);
		assert_int_equal(S.b[A].v.reason, VGMP_REASON_HIGHER_PRIORITY);

		run_until(40000);
		assert_int_equal(vgmp_tracker_set(&S.b[B].v, eth1, VGMP_OBJ_UP, S.now), 0);
		settle();
		run_until(99999);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_int_equal(S.b[B].v.reason, VGMP_REASON_PREEMPT_DELAY);
		run_until(100000);
		assert_int_equal(S.b[B].v.state, VGMP_STATE_LOAD_BALANCE);
		run_until(100000 + ba + 1);
		assert_states(VGMP_STATE_LOAD_BALANCE, VGMP_STATE_LOAD_BALANCE);
		/* The active kept its traffic until the peer held its share. */
		assert_true(S.b[A].v.state_since_ms >= S.b[B].v.state_since_ms);
	}
}

/* A mode mismatch: active-standby rules on both. */
static void test_mode_mismatch(void **state)
{
	sim_setup(5, 5);
	S.b[A].p.mode = HS_MODE_LOAD_SHARING;
	sim_start_both(false);
	run_until(10000);
	assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
	assert_true(S.b[A].v.mode_mismatch);
	assert_true(S.b[B].v.mode_mismatch);
}

/* The mode changes at run time (config sync reaches one box first): the box that would let go of
 * its share keeps it until the other holds everything. */
static void test_mode_change(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		sim_setup(delays[d][0], delays[d][1]);
		S.b[A].p.mode = S.b[B].p.mode = HS_MODE_LOAD_SHARING;
		sim_start_both(false);
		set_ready(A);
		set_ready(B);
		run_until(10000);
		assert_states(VGMP_STATE_LOAD_BALANCE, VGMP_STATE_LOAD_BALANCE);
		struct vgmp_params p = S.b[B].p;
		p.mode = HS_MODE_ACTIVE_STANDBY;
		assert_int_equal(vgmp_set_params(&S.b[B].v, &p, S.now), 0);
		/* fw2 loses the tie by name but holds G2 until fw1 is active. */
		assert_int_equal(S.b[B].v.state, VGMP_STATE_LOAD_BALANCE);
		assert_int_equal(S.b[B].v.reason, VGMP_REASON_WAIT_PEER);
		assert_int_equal(S.b[B].v.wanted, VGMP_STATE_STANDBY);
		settle();
		run_until(20000);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_true(S.b[B].standby_at >= S.b[A].active_at);
	}
}

static void sim_restart(int i)
{
	S.b[i].running = false;
	S.b[i].n_ospf = 0; /* a new process knows nothing of the old one's changes */
	sim_init(i);
	S.lost_at[1 - i] = VGMP_NEVER;
	S.declared[1 - i] = false;
	sim_enable(i);
}

/* A box comes back with the same rank (its peer took over meanwhile): the current active stays,
 * even when the returning box would win the tie by name, before and after its bulk sync. Once
 * after hrpd declared it dead, once within the dead time (hrpd never said so). */
static void test_rejoin_equal_rank(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		for (int quick = 0; quick < 2; quick++) {
			sim_setup(delays[d][0], delays[d][1]);
			sim_start_both(false);
			set_ready(A);
			set_ready(B);
			run_until(10000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			sim_kill(A);
			if (quick) {
				/* fw2 is still standby: back before the dead time, fw1 is the
				 * active no more (it restarted), so fw2 takes over. */
				run_until(11500);
				sim_restart(A);
				run_until(12000);
				assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
				assert_int_equal(vgmp_history_get(&S.b[B].v, 0)->why,
						 VGMP_REASON_TIE_READY);
			} else {
				run_until(20000);
				assert_int_equal(S.b[B].v.state, VGMP_STATE_ACTIVE);
				sim_restart(A);
				run_until(25000);
				assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
			}
			unsigned transitions = (unsigned)S.b[B].v.c.transitions;
			assert_int_equal(S.b[A].v.reason, VGMP_REASON_PEER_ACTIVE);
			run_until(30000);
			set_ready(A); /* bulk sync done: fw1 would now win a tie by name */
			run_until(200000);
			assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
			assert_int_equal(S.b[B].v.reason, VGMP_REASON_STAY_ACTIVE);
			assert_int_equal(S.b[B].v.c.transitions, transitions);
		}
	}
}

/* hrp switchover: the new active takes over before the old lets go; the handover sticks. Asked
 * at 9990 so that the old active's periodic hello of 10000, still saying active, reaches the new
 * one after it took over (the window the take-over must survive). */
static void test_admin_switchover(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		for (int sd = 0; sd < 2; sd++) {
			sim_setup(delays[d][0], delays[d][1]);
			uint32_t ab = S.b[A].delay, ba = S.b[B].delay;
			S.b[B].p.standby_device = sd; /* else: equal rank, fw1 by name */
			sim_start_both(false);
			set_ready(A);
			set_ready(B);
			run_until(9990);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			assert_int_equal(vgmp_admin_switchover(&S.b[B].v, S.now), -EPERM);

			assert_int_equal(vgmp_admin_switchover(&S.b[A].v, S.now), 0);
			assert_int_equal(vgmp_admin_switchover(&S.b[A].v, S.now), -EALREADY);
			assert_int_equal(S.b[A].last_sent.reason, HRP_VGMP_REASON_ADMIN);
			assert_int_equal(S.b[A].v.ho.result, VGMP_REQ_PENDING);
			settle();
			run_until(9990 + ab + ba + 1);
			assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
			assert_int_equal(S.b[B].active_at, 9990 + ab);
			assert_int_equal(S.b[A].standby_at, 9990 + ab + ba);
			assert_int_equal(vgmp_history_get(&S.b[B].v, 0)->why,
					 VGMP_REASON_SWITCHOVER_ADMIN);
			assert_int_equal(vgmp_history_get(&S.b[A].v, 0)->why,
					 VGMP_REASON_HANDED_OVER);
			assert_int_equal(S.b[A].v.ho.result, VGMP_REQ_DONE);
			assert_true(S.b[A].v.ho.yielded);
			assert_int_equal(S.b[B].v.c.entered[VGMP_STATE_STANDBY], 1); /* no bounce */

			/* It sticks: with fw1 outranking (fw2 the standby device) fw1 would
			 * preempt, but not back after an operator's switchover. */
			run_until(300000);
			assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
			assert_int_equal(S.b[A].v.reason,
					 sd ? VGMP_REASON_YIELDED : VGMP_REASON_PEER_ACTIVE);
			assert_int_equal(S.b[B].v.c.entered[VGMP_STATE_STANDBY], 1);

			if (sd) {
				/* undo hrp switchover: fw1 preempts again, the delay counting from
				 * the resume. */
				assert_int_equal(vgmp_admin_resume(&S.b[A].v, S.now), 0);
				assert_int_equal(vgmp_admin_resume(&S.b[A].v, S.now), -EALREADY);
				assert_int_equal(S.b[A].v.reason, VGMP_REASON_PREEMPT_DELAY);
				assert_int_equal(vgmp_next_deadline(&S.b[A].v), 360000);
				run_until(360000 + ab + 1);
				assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
				assert_int_equal(S.b[A].active_at, 360000);
				continue;
			}

			/* And back by the operator on fw2. */
			assert_int_equal(vgmp_admin_switchover(&S.b[B].v, S.now), 0);
			settle();
			run_until(300000 + ab + ba + 1);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
			assert_false(S.b[A].v.ho.yielded);
			run_until(400000);
			assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		}
	}
}

/* The peer refuses (bulk sync not done): nothing moves; and the calls that fail fast. */
static void test_admin_switchover_refused(void **state)
{
	sim_setup(10, 10);
	S.b[B].p.standby_device = true;
	sim_start_both(false);
	set_ready(A);
	run_until(10000);
	assert_int_equal(vgmp_admin_switchover(&S.b[A].v, S.now), 0);
	run_until(10030);
	assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
	assert_int_equal(S.b[B].sent[VGMP_MSG_NACK], 1);
	assert_int_equal(S.b[B].v.c.nacks_sent[HRP_VGMP_REASON_NOT_READY], 1);
	assert_int_equal(S.b[A].v.ho.result, VGMP_REQ_NACKED);
	assert_int_equal(S.b[A].v.ho.result_reason, HRP_VGMP_REASON_NOT_READY);
	assert_false(S.b[A].v.ho.giving);
	run_until(20000);
	assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 1); /* an admin request is not retried */

	assert_int_equal(vgmp_freeze(&S.b[B].v, true, S.now), 0);
	run_until(20020);
	assert_int_equal(vgmp_admin_switchover(&S.b[A].v, S.now), -EBUSY);
	assert_int_equal(vgmp_freeze(&S.b[B].v, false, S.now), 0);
	run_until(20040);
	sim_kill(B);
	run_until(24000);
	assert_int_equal(vgmp_admin_switchover(&S.b[A].v, S.now), -ENOTCONN);
}

/* Freeze: roles stay whatever the trackers say, on both boxes; lifting it lets the fault
 * through. A dead peer is still taken over. */
static void test_freeze(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		sim_setup(delays[d][0], delays[d][1]);
		uint32_t ab = S.b[A].delay, ba = S.b[B].delay;
		S.b[B].p.standby_device = true;
		sim_init(A);
		sim_init(B);
		int eth1 = add_tracker(A, "eth1");
		sim_enable(A);
		sim_enable(B);
		set_ready(A);
		set_ready(B);
		run_until(10000);
		assert_int_equal(vgmp_freeze(&S.b[A].v, true, S.now), 0);
		struct hrp_vgmp pl;
		vgmp_payload(&S.b[A].v, &pl);
		assert_true(pl.readiness & VGMP_R_FROZEN);
		run_until(11000);
		assert_int_equal(vgmp_tracker_set(&S.b[A].v, eth1, VGMP_OBJ_DOWN, S.now), 0);
		run_until(200000);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
		assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 0);
		assert_int_equal(S.b[A].v.reason, VGMP_REASON_FROZEN);
		assert_int_equal(S.b[A].v.wanted, VGMP_STATE_ACTIVE);
		assert_int_equal(S.b[B].v.reason, VGMP_REASON_FROZEN);
		assert_int_equal(S.b[B].v.wanted, VGMP_STATE_STANDBY);
		/* The ledger still records. */
		assert_int_equal(vgmp_ledger_get(&S.b[A].v.track, 0)->new_priority, 44998);

		assert_int_equal(vgmp_freeze(&S.b[A].v, false, S.now), 0);
		settle();
		assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 1);
		run_until(200000 + ab + ba + 1);
		assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);

		/* Frozen standby, dead active: taken over all the same. */
		assert_int_equal(vgmp_freeze(&S.b[A].v, true, S.now), 0);
		run_until(201000);
		sim_kill(B);
		run_until(201000 + S.dead_ms);
		assert_int_equal(S.b[A].v.state, VGMP_STATE_ACTIVE);
		assert_int_equal(S.b[A].v.reason, VGMP_REASON_PEER_DEAD);
	}
}

/* Freeze in load-sharing: a degraded box does not make the other take everything. */
static void test_freeze_load_sharing(void **state)
{
	for (size_t d = 0; d < N_DELAYS; d++) {
		sim_setup(delays[d][0], delays[d][1]);
		S.b[A].p.mode = S.b[B].p.mode = HS_MODE_LOAD_SHARING;
		sim_init(A);
		sim_init(B);
		int eth1 = add_tracker(B, "eth1");
		sim_enable(A);
		sim_enable(B);
		set_ready(A);
		set_ready(B);
		run_until(10000);
		assert_states(VGMP_STATE_LOAD_BALANCE, VGMP_STATE_LOAD_BALANCE);
		assert_int_equal(vgmp_freeze(&S.b[A].v, true, S.now), 0);
		settle();
		run_until(11000);
		assert_int_equal(vgmp_tracker_set(&S.b[B].v, eth1, VGMP_OBJ_DOWN, S.now), 0);
		settle();
		run_until(100000);
		assert_states(VGMP_STATE_LOAD_BALANCE, VGMP_STATE_LOAD_BALANCE);
		assert_int_equal(S.b[A].v.reason, VGMP_REASON_FROZEN);
		assert_int_equal(S.b[A].v.wanted, VGMP_STATE_ACTIVE);
		assert_int_equal(S.b[A].v.c.frozen_holds, 1);
		assert_int_equal(vgmp_freeze(&S.b[A].v, false, S.now), 0);
		settle();
		run_until(101000);
		assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
	}
}

/* Equal names cannot be told apart: both stay available and it is counted. */
static void test_tie_unresolved(void **state)
{
	sim_setup(5, 5);
	S.check = false;
	snprintf(S.b[B].p.name, sizeof(S.b[B].p.name), "fw1");
	sim_start_both(false);
	run_until(10000);
	assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_ACTIVE);
	assert_true(S.b[A].v.c.ties_unresolved >= 1);
	assert_int_equal(S.b[A].v.reason, VGMP_REASON_TIE_UNRESOLVED);
}

/* A seeded random soak: tracker flaps, readiness, operator switchovers, freezes, link cuts,
 * crashes and restarts, in any order, with every invariant checked throughout; then quiet, and
 * the pair must settle on one active and one standby (or both load-balance). */
static uint32_t rnd_state;

static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

static void soak(uint32_t seed, int mode)
{
	rnd_state = seed;
	sim_setup(rnd(30), rnd(30));
	S.dual_max = S.hello_ms + 2 * (uint32_t)dmax() + 1;
	int trk[2];
	for (int i = 0; i < 2; i++) {
		S.b[i].p.mode = mode;
		S.b[i].p.preempt_delay_ms = 5000;
		S.b[i].p.standby_device = i == B && rnd(2);
		sim_init(i);
		trk[i] = add_tracker(i, "eth1");
		sim_enable(i);
	}
	for (int n = 0; n < 300; n++) {
		run_until(S.now + 1 + rnd(3000));
		int i = (int)rnd(2);
		struct box *b = &S.b[i];
		switch (rnd(9)) {
		case 0:
		case 1:
			if (b->running)
				vgmp_tracker_set(&b->v, trk[i],
						 rnd(2) ? VGMP_OBJ_UP : VGMP_OBJ_DOWN, S.now);
			break;
		case 2:
			if (b->running)
				vgmp_set_ready(&b->v, rnd(4) != 0, S.now);
			break;
		case 3:
			if (b->running)
				vgmp_admin_switchover(&b->v, S.now);
			break;
		case 4:
			if (b->running)
				vgmp_freeze(&b->v, rnd(3) == 0, S.now);
			break;
		case 5:
			if (S.link && rnd(3) == 0)
				sim_cut();
			else if (!S.link)
				sim_restore();
			break;
		case 6:
			if (b->running && peer_of(b)->running && rnd(3) == 0)
				sim_kill(i);
			else if (!b->running)
				sim_restart(i);
			break;
		case 7:
			if (b->running)
				vgmp_set_peer_adverts(&b->v, rnd(4) == 0, S.now);
			break;
		default: break;
		}
		settle();
		check();
	}
	/* Quiet: everything healthy, no freeze, no adverts without heartbeats. */
	if (!S.link)
		sim_restore();
	for (int i = 0; i < 2; i++) {
		if (!S.b[i].running) {
			sim_restart(i);
			trk[i] = add_tracker(i, "eth1");
		}
		vgmp_tracker_set(&S.b[i].v, trk[i], VGMP_OBJ_UP, S.now);
		vgmp_freeze(&S.b[i].v, false, S.now);
		vgmp_set_peer_adverts(&S.b[i].v, false, S.now);
		vgmp_set_ready(&S.b[i].v, true, S.now);
		settle();
	}
	run_until(S.now + 10000); /* requests still out are answered */
	for (int i = 0; i < 2; i++) {
		vgmp_admin_resume(&S.b[i].v, S.now);
		settle();
	}
	run_until(S.now + 30000);
	enum vgmp_state a = S.b[A].v.state, b = S.b[B].v.state;
	if (mode == HS_MODE_LOAD_SHARING) /* standby-device means nothing there */
		assert_states(VGMP_STATE_LOAD_BALANCE, VGMP_STATE_LOAD_BALANCE);
	else if (!((a == VGMP_STATE_ACTIVE && b == VGMP_STATE_STANDBY) ||
		   (a == VGMP_STATE_STANDBY && b == VGMP_STATE_ACTIVE)))
		fail_msg("seed %u: settled on %s / %s", seed, vgmp_state_name(a),
			 vgmp_state_name(b));
}

static void test_random_soak(void **state)
{
	/* VGMP_SOAK_SEED=n replays one (with VGMP_TEST_VERBOSE=1 to see it); VGMP_SOAK_COUNT=n runs
	 * more. */
	const char *one = getenv("VGMP_SOAK_SEED"), *count = getenv("VGMP_SOAK_COUNT");
	uint32_t first = one ? (uint32_t)atoi(one) : 1;
	uint32_t last = one ? first : count ? (uint32_t)atoi(count) : 40;
	for (uint32_t seed = first; seed <= last; seed++) {
		if (S.verbose || one || count)
			printf("--- seed %u\n", seed);
		soak(seed, seed % 4 == 0 ? HS_MODE_LOAD_SHARING : HS_MODE_ACTIVE_STANDBY);
	}
}

/* ---- one box, the peer scripted ---- */

static struct hrp_vgmp peer_payload(enum vgmp_state s, uint16_t prio, uint32_t readiness)
{
	return (struct hrp_vgmp){
		.priority = prio,
		.state = (uint8_t)vgmp_state_to_hrp(s),
		.readiness = readiness,
		.has_mode = true,
		.mode = HRP_VGMP_MODE_ACTIVE_STANDBY,
	};
}

static void fake_peer(enum vgmp_state s, uint16_t prio, uint32_t readiness)
{
	struct hrp_vgmp pl = peer_payload(s, prio, readiness);
	assert_int_equal(vgmp_peer_update(&S.b[A].v, &pl, "peer", S.now), 0);
}

static void solo(void)
{
	sim_setup(0, 0);
	S.check = false;
	S.b[B].running = false; /* messages to it are dropped */
	sim_init(A);
	sim_enable(A);
}

static void answer_is(enum vgmp_msg kind, uint32_t id, enum hrp_vgmp_reason reason)
{
	assert_int_equal(S.b[A].last_sent.kind, kind);
	assert_int_equal(S.b[A].last_sent.request_id, id);
	assert_int_equal(S.b[A].last_sent.reason, reason);
}

static void test_request_answers(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	struct vgmp_request r = { .kind = VGMP_MSG_SWITCHOVER, .request_id = 1 };

	/* In initialize: not ready to take anything over. */
	assert_int_equal(vgmp_request_received(v, &r, S.now), 0);
	answer_is(VGMP_MSG_NACK, 1, HRP_VGMP_REASON_NOT_READY);

	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);

	r = (struct vgmp_request){ .kind = VGMP_MSG_SWITCHOVER,
				   .request_id = 2,
				   .reason = HRP_VGMP_REASON_FAULT,
				   .has_priority = true,
				   .priority = 45002 };
	vgmp_request_received(v, &r, S.now);
	answer_is(VGMP_MSG_NACK, 2, HRP_VGMP_REASON_PRIORITY);

	r = (struct vgmp_request){ .kind = VGMP_MSG_SWITCHOVER,
				   .request_id = 3,
				   .reason = HRP_VGMP_REASON_ADMIN,
				   .has_priority = true,
				   .priority = 45000 };
	vgmp_request_received(v, &r, S.now);
	answer_is(VGMP_MSG_NACK, 3, HRP_VGMP_REASON_NOT_READY);

	r.request_id = 4;
	r.has_state = true;
	r.state = VGMP_STATE_ACTIVE; /* "let me take over": not a request we understand */
	vgmp_request_received(v, &r, S.now);
	answer_is(VGMP_MSG_NACK, 4, HRP_VGMP_REASON_NONE);

	vgmp_freeze(v, true, S.now);
	r = (struct vgmp_request){ .kind = VGMP_MSG_SWITCHOVER,
				   .request_id = 5,
				   .reason = HRP_VGMP_REASON_FAULT,
				   .has_priority = true,
				   .priority = 44998 };
	vgmp_request_received(v, &r, S.now);
	answer_is(VGMP_MSG_NACK, 5, HRP_VGMP_REASON_ADMIN);
	vgmp_freeze(v, false, S.now);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);

	/* A fault request before its hello: the request's priority counts. */
	r.request_id = 6;
	vgmp_request_received(v, &r, S.now);
	answer_is(VGMP_MSG_ACK, 6, HRP_VGMP_REASON_NONE);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(v->reason, VGMP_REASON_SWITCHOVER_FAULT);
	assert_true(v->ho.taking);
	assert_int_equal(v->peer.priority, 44998);
	/* Its old hello, still active with the old priority: we do not step back. */
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	fake_peer(VGMP_STATE_STANDBY, 44998, 0);
	assert_false(v->ho.taking);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(v->c.acks_sent, 1);
	assert_int_equal(v->c.requests_received, 6);
	assert_int_equal(v->c.nacks_sent[HRP_VGMP_REASON_NOT_READY], 2);

	/* The taker gives up its window after the handover timeout if the peer never lets go. */
	solo();
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	r.request_id = 7;
	vgmp_request_received(v, &r, S.now);
	fake_peer(VGMP_STATE_ACTIVE, 44998, 0);
	uint64_t t = S.now;
	run_until(t + 2999);
	assert_true(v->ho.taking);
	run_until(t + 3000);
	assert_false(v->ho.taking);
	assert_int_equal(v->c.handover_timeouts, 1);
	/* Then it is a plain dual-active: we outrank the peer, we stay. */
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
}

static void test_request_giving(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	int eth1 = add_tracker(A, "eth1");
	fake_peer(VGMP_STATE_STANDBY, 45000, HRP_VGMP_R_STANDBY_DEVICE);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(vgmp_request_id(v, 9), -ENOENT); /* nothing out */

	uint64_t t0 = S.now;
	vgmp_tracker_set(v, eth1, VGMP_OBJ_DOWN, S.now);
	assert_true(v->ho.giving);
	assert_int_equal(v->ho.request_id, 1);
	assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 1);

	/* An ack for another request: stale. */
	struct vgmp_request ack = { .kind = VGMP_MSG_ACK, .request_id = 99 };
	vgmp_request_received(v, &ack, S.now);
	assert_int_equal(v->c.answers_stale, 1);
	assert_false(v->ho.acked);

	/* A request from the peer while ours is out. */
	struct vgmp_request r = { .kind = VGMP_MSG_SWITCHOVER,
				  .request_id = 40,
				  .reason = HRP_VGMP_REASON_ADMIN };
	vgmp_request_received(v, &r, S.now);
	answer_is(VGMP_MSG_NACK, 40, HRP_VGMP_REASON_IN_TRANSITION);

	/* hrpd lost it: given up; resent when the request timeout comes round. */
	vgmp_request_lost(v, S.now);
	assert_false(v->ho.giving);
	assert_int_equal(v->ho.result, VGMP_REQ_TIMEOUT);
	assert_int_equal(vgmp_next_deadline(v), t0 + 2000);
	run_until(t0 + 1999);
	assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 1);
	run_until(t0 + 2000);
	assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 2);
	assert_int_equal(v->ho.request_id, 2);

	/* Unanswered: timeout, and the next goes out in the same tick. */
	run_until(t0 + 4000);
	assert_int_equal(v->c.requests_timeout, 2);
	assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 3);

	/* A nack: given up; the next fault request waits a request timeout. */
	struct vgmp_request nack = { .kind = VGMP_MSG_NACK,
				     .request_id = 3,
				     .reason = HRP_VGMP_REASON_PRIORITY };
	run_until(t0 + 4100);
	vgmp_request_received(v, &nack, S.now);
	assert_int_equal(v->ho.result, VGMP_REQ_NACKED);
	assert_int_equal(v->ho.result_reason, HRP_VGMP_REASON_PRIORITY);
	assert_int_equal(vgmp_next_deadline(v), t0 + 6100);
	run_until(t0 + 6100);
	assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 4);

	/* Acked, but the peer never announces active: given up after the handover timeout. */
	ack.request_id = 4;
	vgmp_request_received(v, &ack, S.now);
	assert_int_equal(v->ho.result, VGMP_REQ_ACKED);
	vgmp_request_received(v, &ack, S.now); /* a second ack is stale */
	assert_int_equal(v->c.answers_stale, 2);
	assert_int_equal(vgmp_next_deadline(v), t0 + 6100 + 3000);
	run_until(t0 + 9100);
	assert_int_equal(v->c.handover_timeouts, 1);
	assert_int_equal(v->ho.result, VGMP_REQ_PENDING); /* the next one is already out... */
	assert_int_equal(S.b[A].sent[VGMP_MSG_SWITCHOVER], 5);
	/* ...and this time the peer goes active before its ack arrives: we let go all the same. */
	fake_peer(VGMP_STATE_ACTIVE, 45000, HRP_VGMP_R_STANDBY_DEVICE);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(v->reason, VGMP_REASON_HANDED_OVER);
	assert_int_equal(v->ho.result, VGMP_REQ_DONE);
	assert_int_equal(v->c.requests_sent, 5);

	/* The peer dies mid-request: aborted, we take over. */
	solo();
	eth1 = add_tracker(A, "eth1");
	fake_peer(VGMP_STATE_STANDBY, 45000, 0);
	vgmp_tracker_set(v, eth1, VGMP_OBJ_DOWN, S.now);
	assert_true(v->ho.giving);
	vgmp_peer_down(v, S.now);
	assert_int_equal(v->ho.result, VGMP_REQ_ABORTED);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(v->reason, VGMP_REASON_PEER_DEAD);
}

/* The OSPF cost: a raise waits for the peer's active state; at most one change per second. */
static void test_ospf_rate_limit_and_wait(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	struct box *b = &S.b[A];
	run_until(100);
	/* Standby behind a peer that is not active yet: no raise. */
	fake_peer(VGMP_STATE_STANDBY, 45002, 0);
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(b->n_ospf, 0);
	run_until(300);
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	assert_int_equal(b->n_ospf, 1);
	assert_true(b->ospf[0].raise);
	assert_int_equal(b->ospf[0].t, 300);
	assert_int_equal(v->cost, VGMP_COST_RAISED);

	/* Peer dead 200 ms later: active at once, the lower waits for the second to pass. */
	run_until(500);
	vgmp_peer_down(v, S.now);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(b->n_ospf, 1);
	assert_int_equal(vgmp_next_deadline(v), 1300);
	run_until(1299);
	assert_int_equal(b->n_ospf, 1);
	run_until(1300);
	assert_int_equal(b->n_ospf, 2);
	assert_false(b->ospf[1].raise);
	assert_int_equal(v->c.ospf_changes, 2);

	/* A change that is undone within the second never happens. */
	run_until(1500);
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0); /* standby: raise due at 2300 */
	assert_int_equal(v->state, VGMP_STATE_STANDBY);
	assert_int_equal(vgmp_next_deadline(v), 2300);
	vgmp_peer_down(v, S.now); /* active again: nothing to do */
	assert_int_equal(vgmp_next_deadline(v), VGMP_NEVER);
	run_until(3000);
	assert_int_equal(b->n_ospf, 2);

	/* hrp disabled from standby: back to the normal cost. */
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	assert_int_equal(b->n_ospf, 3);
	run_until(5000);
	vgmp_set_enabled(v, false, S.now);
	assert_int_equal(v->state, VGMP_STATE_INITIALIZE);
	assert_int_equal(v->reason, VGMP_REASON_HRP_DISABLED);
	assert_int_equal(b->roles, VGMP_STATE_INITIALIZE);
	assert_int_equal(b->n_ospf, 4);
	assert_false(b->ospf[3].raise);

	/* OSPF adjustment off: never called. */
	solo();
	S.b[A].p.ospf_cost = false;
	sim_init(A);
	sim_enable(A);
	run_until(10000);
	assert_int_equal(S.b[A].v.state, VGMP_STATE_ACTIVE);
	assert_int_equal(S.b[A].n_ospf, 0);
}

/* undo hrp adjust ospf-cost enable on a raised standby puts the cost back at once; enabled
 * again, the plan raises it afresh (a second after the last change). */
static void test_ospf_switched_at_run_time(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	struct box *b = &S.b[A];
	struct vgmp_params p = b->p;
	run_until(300);
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	assert_int_equal(b->n_ospf, 1);
	assert_true(b->ospf[0].raise);

	run_until(1500);
	p.ospf_cost = false;
	assert_int_equal(vgmp_set_params(v, &p, S.now), 0);
	assert_int_equal(b->n_ospf, 2);
	assert_false(b->ospf[1].raise);
	assert_int_equal(b->ospf[1].t, 1500);
	run_until(2000);
	assert_int_equal(b->n_ospf, 2);

	p.ospf_cost = true;
	assert_int_equal(vgmp_set_params(v, &p, S.now), 0);
	assert_int_equal(vgmp_next_deadline(v), 2500);
	run_until(2500);
	assert_int_equal(b->n_ospf, 3);
	assert_true(b->ospf[2].raise);
	assert_int_equal(v->cost, VGMP_COST_RAISED);
}

/* Alone at startup with the peer's adverts heard: do not go active. */
static void test_startup_split_guard(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	assert_int_equal(vgmp_set_peer_adverts(v, true, S.now), 0);
	assert_int_equal(vgmp_next_deadline(v), 3000);
	run_until(5000);
	assert_int_equal(v->state, VGMP_STATE_INITIALIZE);
	assert_int_equal(v->reason, VGMP_REASON_SPLIT_BRAIN);
	vgmp_set_peer_adverts(v, false, S.now);
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	assert_int_equal(v->reason, VGMP_REASON_NO_PEER);
	/* The input is kept across hrp disable / enable. */
	vgmp_set_peer_adverts(v, true, S.now);
	vgmp_set_enabled(v, false, S.now);
	vgmp_set_enabled(v, true, S.now);
	run_until(S.now + 3000);
	assert_int_equal(v->state, VGMP_STATE_INITIALIZE);
}

static void test_trackers_through_fsm(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	fake_peer(VGMP_STATE_STANDBY, 45000, HRP_VGMP_R_STANDBY_DEVICE);
	int eth1 = add_tracker(A, "eth1");
	struct vgmp_tracker_params tp = { .hold_down_ms = 500 };
	snprintf(tp.name, sizeof(tp.name), "bfd 1");
	int bfd = vgmp_tracker_add(v, &tp, S.now);
	assert_true(bfd >= 0);
	assert_int_equal(vgmp_tracker_add(v, &tp, S.now), -EEXIST);
	assert_int_equal(vgmp_tracker_set(v, 42, VGMP_OBJ_DOWN, S.now), -ENOENT);
	assert_int_equal(vgmp_tracker_remove(v, 42, S.now), -ENOENT);

	/* A priority change is sent at once; a report that changes nothing is not. */
	unsigned hellos = S.b[A].hellos;
	vgmp_tracker_set(v, eth1, VGMP_OBJ_UP, S.now);
	assert_int_equal(S.b[A].hellos, hellos);
	vgmp_tracker_set(v, bfd, VGMP_OBJ_DOWN, S.now); /* held down */
	assert_int_equal(S.b[A].hellos, hellos);
	assert_int_equal(vgmp_next_deadline(v), S.now + 500);
	run_until(S.now + 500);
	assert_int_equal(vgmp_priority(v), 44998);
	assert_true(vgmp_degraded(v));
	assert_int_equal(S.b[A].hellos, hellos + 1);
	const struct vgmp_ledger_entry *e = vgmp_ledger_get(&v->track, 0);
	assert_string_equal(e->name, "bfd 1");
	assert_int_equal(e->time_ms, S.now);
	/* Equal base, fw1 is the peer's better only by standby-device: still the active. */
	assert_int_equal(v->state, VGMP_STATE_ACTIVE);
	/* Removing it gives the priority back and is sent. */
	assert_int_equal(vgmp_tracker_remove(v, bfd, S.now), 0);
	assert_int_equal(vgmp_priority(v), 45000);
	assert_int_equal(S.b[A].hellos, hellos + 2);
	assert_int_equal(vgmp_ledger_get(&v->track, 0)->cause, VGMP_LEDGER_REMOVED);

	/* Reconfigure: the base goes through the ledger and is sent. */
	struct vgmp_params p = S.b[A].p;
	p.priority = 45002;
	assert_int_equal(vgmp_set_params(v, &p, S.now), 0);
	assert_int_equal(vgmp_priority(v), 45002);
	assert_int_equal(vgmp_ledger_get(&v->track, 0)->cause, VGMP_LEDGER_BASE);
	assert_int_equal(S.b[A].hellos, hellos + 3);
	p.request_timeout_ms = 0;
	assert_int_equal(vgmp_set_params(v, &p, S.now), -EINVAL);
}

static void test_payload(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	struct hrp_vgmp pl;
	vgmp_payload(v, &pl);
	assert_int_equal(pl.priority, 45000);
	assert_int_equal(pl.state, HRP_VGMP_INITIALIZE);
	assert_int_equal(pl.readiness, HRP_VGMP_R_PREEMPT);
	assert_true(pl.has_mode);
	assert_int_equal(pl.mode, HRP_VGMP_MODE_ACTIVE_STANDBY);
	assert_false(pl.has_config_digest || pl.has_session_digest);

	S.b[A].p.standby_device = true;
	S.b[A].p.preempt = false;
	S.b[A].p.mode = HS_MODE_LOAD_SHARING;
	sim_init(A);
	sim_enable(A);
	unsigned hellos = S.b[A].hellos;
	vgmp_set_ready(v, true, S.now);
	assert_int_equal(S.b[A].hellos, hellos + 1);
	vgmp_set_ready(v, true, S.now); /* no change, no hello */
	assert_int_equal(S.b[A].hellos, hellos + 1);
	vgmp_freeze(v, true, S.now);
	run_until(3000);
	vgmp_payload(v, &pl);
	assert_int_equal(pl.state, HRP_VGMP_ACTIVE);
	assert_int_equal(pl.readiness,
			 HRP_VGMP_R_SESSIONS_SYNCED | HRP_VGMP_R_STANDBY_DEVICE | VGMP_R_FROZEN);
	assert_int_equal(pl.mode, HRP_VGMP_MODE_LOAD_SHARING);
	/* Unknown readiness bits from the peer are ignored; an unknown state reads initialize. */
	struct hrp_vgmp odd = peer_payload(VGMP_STATE_ACTIVE, 45000, 0xffff0000u);
	odd.state = 77;
	vgmp_peer_update(v, &odd, NULL, S.now);
	assert_int_equal(v->peer.state, VGMP_STATE_INITIALIZE);
	assert_string_equal(v->peer.name, "");
}

static void test_history(void **state)
{
	solo();
	struct vgmp *v = &S.b[A].v;
	assert_int_equal(vgmp_history_count(v), 0);
	assert_null(vgmp_history_get(v, 0));
	run_until(3000);
	fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	const struct vgmp_change *c = vgmp_history_get(v, 0);
	assert_int_equal(c->old_state, VGMP_STATE_ACTIVE);
	assert_int_equal(c->new_state, VGMP_STATE_STANDBY);
	assert_int_equal(c->why, VGMP_REASON_LOWER_PRIORITY);
	assert_int_equal(c->ev, VGMP_EV_PEER_UPDATE);
	assert_int_equal(c->priority, 45000);
	assert_int_equal(c->peer_priority, 45002);
	c = vgmp_history_get(v, 1);
	assert_int_equal(c->new_state, VGMP_STATE_ACTIVE);
	assert_int_equal(c->why, VGMP_REASON_NO_PEER);
	assert_int_equal(c->ev, VGMP_EV_TICK);
	assert_int_equal(c->time_ms, 3000);
	for (int i = 0; i < 20; i++) {
		vgmp_peer_down(v, S.now);
		fake_peer(VGMP_STATE_ACTIVE, 45002, 0);
	}
	assert_int_equal(vgmp_history_count(v), VGMP_HISTORY_MAX);
	assert_int_equal(v->c.transitions, 42);
	assert_int_equal(vgmp_history_get(v, 0)->new_state, VGMP_STATE_STANDBY);
	assert_int_equal(vgmp_history_get(v, 1)->new_state, VGMP_STATE_ACTIVE);
	assert_null(vgmp_history_get(v, VGMP_HISTORY_MAX));
}

static void test_init_and_config(void **state)
{
	struct vgmp v;
	struct vgmp_params p = default_params("fw1");
	assert_int_equal(vgmp_init(&v, &p, &ops, NULL), 0);
	assert_int_equal(v.state, VGMP_STATE_INITIALIZE);
	assert_false(v.enabled);
	assert_int_equal(vgmp_next_deadline(&v), VGMP_NEVER);
	assert_int_equal(vgmp_init(NULL, &p, &ops, NULL), -EINVAL);
	assert_int_equal(vgmp_init(&v, NULL, &ops, NULL), -EINVAL);
	assert_int_equal(vgmp_init(&v, &p, NULL, NULL), -EINVAL);
	struct vgmp_ops missing = ops;
	missing.reannounce = NULL;
	assert_int_equal(vgmp_init(&v, &p, &missing, NULL), -EINVAL);
	struct vgmp_params bad = p;
	bad.priority = 0;
	assert_int_equal(vgmp_init(&v, &bad, &ops, NULL), -EINVAL);
	bad = p;
	bad.mode = HS_MODE_MAX;
	assert_int_equal(vgmp_init(&v, &bad, &ops, NULL), -EINVAL);
	bad = p;
	bad.handover_timeout_ms = 0;
	assert_int_equal(vgmp_init(&v, &bad, &ops, NULL), -EINVAL);
	bad = p;
	memset(bad.name, 'x', sizeof(bad.name));
	assert_int_equal(vgmp_init(&v, &bad, &ops, NULL), -EINVAL);
	assert_int_equal(vgmp_tick(NULL, 0), -EINVAL);
	assert_int_equal(vgmp_peer_update(&v, NULL, "x", 0), -EINVAL);
	struct vgmp_request r = { .kind = VGMP_MSG_MAX };
	assert_int_equal(vgmp_request_received(&v, &r, 0), -EINVAL);

	struct hs_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.global.name, sizeof(cfg.global.name), "fw2");
	cfg.vgmpd = (struct hs_vgmpd_config){ .priority = 45000,
					      .fault_penalty = 2,
					      .mode = HS_MODE_LOAD_SHARING,
					      .standby_device = true,
					      .preempt = true,
					      .preempt_delay_s = 60 };
	cfg.vgmpd.ospf_cost.enable = true;
	cfg.hrpd.hello_interval_ms = 1000;
	cfg.hrpd.dead_count = 5;
	struct vgmp_params out;
	assert_int_equal(vgmp_params_from_config(&cfg, &out), 0);
	assert_int_equal(out.priority, 45000);
	assert_int_equal(out.fault_penalty, 2);
	assert_int_equal(out.mode, HS_MODE_LOAD_SHARING);
	assert_true(out.standby_device);
	assert_true(out.preempt);
	assert_int_equal(out.preempt_delay_ms, 60000);
	assert_int_equal(out.startup_wait_ms, 5000);
	assert_int_equal(out.request_timeout_ms, 2000);
	assert_int_equal(out.handover_timeout_ms, 5000);
	assert_true(out.ospf_cost);
	assert_int_equal(out.ospf_min_interval_ms, 1000);
	assert_string_equal(out.name, "fw2");
	assert_int_equal(vgmp_init(&v, &out, &ops, NULL), 0);
	cfg.vgmpd.priority = 0;
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(vgmp_params_from_config(&cfg, &out), -EINVAL);
	assert_int_equal(out.priority, 0x5a5a); /* untouched */
	cfg.vgmpd.priority = 45000;
	cfg.hrpd.dead_count = 0;
	assert_int_equal(vgmp_params_from_config(&cfg, &out), -EINVAL);
	assert_int_equal(vgmp_params_from_config(NULL, &out), -EINVAL);
}

static void test_names(void **state)
{
	for (int i = 0; i < VGMP_REASON_MAX; i++)
		assert_string_not_equal(vgmp_reason_name((enum vgmp_reason)i), "?");
	for (int i = 0; i < VGMP_EV_MAX; i++)
		assert_string_not_equal(vgmp_event_name((enum vgmp_event)i), "?");
	for (int i = 0; i < VGMP_MSG_MAX; i++)
		assert_string_not_equal(vgmp_msg_name((enum vgmp_msg)i), "?");
	for (int i = 0; i < VGMP_PEER_STATUS_MAX; i++)
		assert_string_not_equal(vgmp_peer_status_name((enum vgmp_peer_status)i), "?");
	for (int i = 0; i < VGMP_REQ_RESULT_MAX; i++)
		assert_string_not_equal(vgmp_req_result_name((enum vgmp_req_result)i), "?");
	assert_string_equal(vgmp_reason_name(VGMP_REASON_PEER_DEAD), "peer dead");
	assert_string_equal(vgmp_reason_name(VGMP_REASON_SPLIT_BRAIN),
			    "split brain: peer still advertises");
	assert_string_equal(vgmp_reason_name(VGMP_REASON_MAX), "?");
	assert_string_equal(vgmp_event_name(VGMP_EV_INVALID), "?");
	assert_string_equal(vgmp_msg_name(VGMP_MSG_NACK), "nack");
	assert_string_equal(vgmp_req_result_name(VGMP_REQ_RESULT_MAX), "?");
	/* The readiness bit we add does not collide with the wire's. */
	assert_int_equal(VGMP_R_FROZEN & (HRP_VGMP_R_SESSIONS_SYNCED | HRP_VGMP_R_CONFIG_SYNCED |
					  HRP_VGMP_R_PREEMPT | HRP_VGMP_R_STANDBY_DEVICE),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_together_standby_device),
		cmocka_unit_test(test_start_together_ties),
		cmocka_unit_test(test_start_staggered_no_preempt),
		cmocka_unit_test(test_preempt_after_readiness_and_delay),
		cmocka_unit_test(test_fault_failover_and_recovery),
		cmocka_unit_test(test_peer_dead),
		cmocka_unit_test(test_split_brain_hold),
		cmocka_unit_test(test_split_brain_heal),
		cmocka_unit_test(test_load_sharing),
		cmocka_unit_test(test_mode_mismatch),
		cmocka_unit_test(test_mode_change),
		cmocka_unit_test(test_rejoin_equal_rank),
		cmocka_unit_test(test_admin_switchover),
		cmocka_unit_test(test_admin_switchover_refused),
		cmocka_unit_test(test_freeze),
		cmocka_unit_test(test_freeze_load_sharing),
		cmocka_unit_test(test_tie_unresolved),
		cmocka_unit_test(test_random_soak),
		cmocka_unit_test(test_request_answers),
		cmocka_unit_test(test_request_giving),
		cmocka_unit_test(test_ospf_rate_limit_and_wait),
		cmocka_unit_test(test_ospf_switched_at_run_time),
		cmocka_unit_test(test_startup_split_guard),
		cmocka_unit_test(test_trackers_through_fsm),
		cmocka_unit_test(test_payload),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_init_and_config),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
