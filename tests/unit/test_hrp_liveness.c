/* HRP liveness: link states (down / ready / running), the running link, the peer's states
 * (unknown / up / negotiating / dead), the re-negotiation round and its exact dead time.
 * Time is simulated: the rig fires the timer at every deadline, as hrpd's one timer does. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hrp_liveness.h"

#define T0 100000u /* any start time */

struct rig {
	struct hrp_liveness lv;
	struct hrp_lv_out out;
	uint64_t now;
	size_t n;
	struct {
		uint64_t at;
		struct hrp_lv_act act;
	} log[4096];
};

static void collect(struct rig *r)
{
	assert_int_equal(r->out.lost, 0);
	for (size_t i = 0; i < r->out.n && r->n < 4096; i++) {
		r->log[r->n].at = r->now;
		r->log[r->n].act = r->out.act[i];
		r->n++;
	}
	hrp_lv_out_clear(&r->out);
}

static void rig_init(struct rig *r, uint32_t interval, uint32_t dead, size_t links)
{
	memset(r, 0, sizeof(*r));
	struct hrp_lv_params p = { .hello_interval_ms = interval,
				   .dead_count = dead,
				   .n_links = links };
	assert_int_equal(hrp_lv_init(&r->lv, &p), 0);
	r->now = T0;
	hrp_lv_start(&r->lv, r->now, &r->out);
	collect(r);
}

/* Fires the timer at every deadline up to t, then sets the clock to t. */
static void advance(struct rig *r, uint64_t t)
{
	for (int guard = 0; guard < 100000; guard++) {
		uint64_t d = hrp_lv_next_deadline(&r->lv);
		if (d == HRP_LV_NEVER || d > t)
			break;
		assert_true(d >= r->now); /* never a deadline in the past */
		r->now = d;
		hrp_lv_timer(&r->lv, r->now, &r->out);
		collect(r);
	}
	r->now = t;
}

static void rx(struct rig *r, int link, enum hrp_lv_rx what)
{
	hrp_lv_rx(&r->lv, link, what, r->now, &r->out);
	collect(r);
}

/* Hellos from the peer on the given links every `every` ms from now until t (exclusive). */
static void peer_hellos(struct rig *r, unsigned mask, uint32_t every, uint64_t until)
{
	for (uint64_t t = r->now; t < until; t += every) {
		advance(r, t);
		for (int i = 0; i < HRP_LV_LINKS_MAX; i++)
			if (mask & (1u << i))
				rx(r, i, HRP_LV_RX_HELLO);
	}
	advance(r, until);
}

static size_t count(const struct rig *r, enum hrp_lv_act_kind kind, size_t from)
{
	size_t n = 0;
	for (size_t i = from; i < r->n; i++)
		n += r->log[i].act.kind == kind;
	return n;
}

/* The first action of a kind at or after index from; fails the test if none. */
static size_t find(const struct rig *r, enum hrp_lv_act_kind kind, size_t from)
{
	for (size_t i = from; i < r->n; i++)
		if (r->log[i].act.kind == kind)
			return i;
	fail_msg("no action of kind %d after %zu", kind, from);
	return 0;
}

static size_t find_peer(const struct rig *r, enum hrp_lv_peer_state to, size_t from)
{
	for (size_t i = from; i < r->n; i++)
		if (r->log[i].act.kind == HRP_LV_ACT_PEER && r->log[i].act.new_ == (int)to)
			return i;
	fail_msg("peer never went %s", hrp_lv_peer_state_name(to));
	return 0;
}

/* ---- tests ---- */

static void test_names(void **state)
{
	assert_string_equal(hrp_lv_link_state_name(HRP_LV_LINK_RUNNING), "running");
	assert_string_equal(hrp_lv_link_state_name(HRP_LV_LINK_STATE_MAX), "invalid");
	assert_string_equal(hrp_lv_peer_state_name(HRP_LV_PEER_NEGOTIATING), "negotiating");
	assert_string_equal(hrp_lv_peer_state_name(HRP_LV_PEER_STATE_MAX), "invalid");
	for (int i = 0; i < HRP_LV_R_MAX; i++)
		assert_string_not_equal(hrp_lv_reason_name(i), "invalid");
	assert_string_equal(hrp_lv_reason_name(HRP_LV_R_MAX), "invalid");
}

static void test_params(void **state)
{
	struct hrp_liveness lv;
	struct hrp_lv_params p = { .hello_interval_ms = 9, .dead_count = 5, .n_links = 1 };
	assert_int_equal(hrp_lv_init(&lv, &p), -EINVAL);
	p.hello_interval_ms = 60001;
	assert_int_equal(hrp_lv_init(&lv, &p), -EINVAL);
	p.hello_interval_ms = 1000;
	p.n_links = 0;
	assert_int_equal(hrp_lv_init(&lv, &p), -EINVAL);
	p.n_links = HRP_LV_LINKS_MAX + 1;
	assert_int_equal(hrp_lv_init(&lv, &p), -EINVAL);
	p.n_links = 2;
	assert_int_equal(hrp_lv_init(&lv, &p), 0);
	assert_int_equal(hrp_lv_next_deadline(&lv), HRP_LV_NEVER); /* stopped */
	/* The figures: 1000 ms, 5 hellos: D 5000, b 125, round 875, dead 5875. */
	assert_int_equal(hrp_lv_silent_ms(&lv), 5000);
	assert_int_equal(hrp_lv_backoff_ms(&lv), 125);
	assert_int_equal(hrp_lv_negotiation_ms(&lv), 875);
	assert_int_equal(hrp_lv_dead_time_ms(&lv), 5875);
	/* The back-off has a floor of 5 ms: 10 ms hellos, 3 missed: 30 + 7 x 5. */
	p.hello_interval_ms = 10;
	p.dead_count = 3;
	assert_int_equal(hrp_lv_init(&lv, &p), 0);
	assert_int_equal(hrp_lv_backoff_ms(&lv), 5);
	assert_int_equal(hrp_lv_dead_time_ms(&lv), 65);
}

/* Hellos go out at the start and every interval, on absolute deadlines. */
static void test_hello_schedule(void **state)
{
	struct rig *r = malloc(sizeof(*r));
	rig_init(r, 100, 5, 2);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->log[0].act.kind, HRP_LV_ACT_SEND_HELLO);
	assert_int_equal(hrp_lv_next_deadline(&r->lv), T0 + 100);
	advance(r, T0 + 450);
	assert_int_equal(count(r, HRP_LV_ACT_SEND_HELLO, 0), 5); /* 0, 100, 200, 300, 400 */
	for (size_t i = 0; i < r->n; i++)
		if (r->log[i].act.kind == HRP_LV_ACT_SEND_HELLO)
			assert_int_equal((r->log[i].at - T0) % 100, 0);
	/* Late by more than an interval (a frozen box): one hello, no burst, schedule from now. */
	size_t n0 = r->n;
	r->now = T0 + 1234;
	hrp_lv_timer(&r->lv, r->now, &r->out);
	collect(r);
	assert_int_equal(count(r, HRP_LV_ACT_SEND_HELLO, n0), 1);
	assert_int_equal(r->lv.next_hello_ms, T0 + 1334);
	free(r);
}

/* The first hello: the link is ready then running, the peer up and announced once. */
static void test_first_hello(void **state)
{
	struct rig *r = malloc(sizeof(*r));
	rig_init(r, 100, 5, 2);
	advance(r, T0 + 30);
	size_t n0 = r->n;
	rx(r, 0, HRP_LV_RX_HELLO);
	assert_int_equal(r->lv.link[0].state, HRP_LV_LINK_RUNNING);
	assert_int_equal(r->lv.link[1].state, HRP_LV_LINK_DOWN);
	assert_int_equal(r->lv.running, 0);
	assert_int_equal(r->lv.peer, HRP_LV_PEER_UP);
	size_t i = find(r, HRP_LV_ACT_RUNNING, n0);
	assert_int_equal(r->log[i].act.old, -1);
	assert_int_equal(r->log[i].act.new_, 0);
	i = find_peer(r, HRP_LV_PEER_UP, n0);
	assert_int_equal(r->log[i].act.old, HRP_LV_PEER_UNKNOWN);
	assert_int_equal(count(r, HRP_LV_ACT_PEER_UP, n0), 1);
	/* The second link's hello: ready, not running; nothing announced again. */
	n0 = r->n;
	rx(r, 1, HRP_LV_RX_HELLO);
	assert_int_equal(r->lv.link[1].state, HRP_LV_LINK_READY);
	assert_int_equal(count(r, HRP_LV_ACT_PEER_UP, n0), 0);
	assert_int_equal(count(r, HRP_LV_ACT_RUNNING, n0), 0);
	assert_int_equal(r->lv.counters.peer_up, 1);
	free(r);
}

/* Running is the first ready link in config order: an earlier one takes over when it comes. */
static void test_running_order(void **state)
{
	struct rig *r = malloc(sizeof(*r));
	rig_init(r, 100, 5, 3);
	rx(r, 2, HRP_LV_RX_HELLO);
	assert_int_equal(r->lv.running, 2);
	size_t n0 = r->n;
	rx(r, 1, HRP_LV_RX_HELLO);
	assert_int_equal(r->lv.running, 1);
	assert_int_equal(r->lv.link[2].state, HRP_LV_LINK_READY);
	size_t i = find(r, HRP_LV_ACT_RUNNING, n0);
	assert_int_equal(r->log[i].act.reason, HRP_LV_R_PREFERRED);
	rx(r, 0, HRP_LV_RX_HELLO);
	assert_int_equal(r->lv.running, 0);
	assert_int_equal(r->lv.link[1].state, HRP_LV_LINK_READY);
	assert_int_equal(r->lv.counters.running_changes, 3);
	free(r);
}

/* One link lost (silent in its switch): at D the other becomes running; no peer-down, the peer
 * never leaves up. */
static void test_one_link_lost(void **state)
{
	struct rig *r = malloc(sizeof(*r));
	rig_init(r, 100, 5, 2);
	peer_hellos(r, 0x3, 100, T0 + 1000);
	assert_int_equal(r->lv.running, 0);
	/* Link 0 goes silent; its last hello came at T0 + 900. */
	size_t n0 = r->n;
	peer_hellos(r, 0x2, 100, T0 + 3000);
	size_t i = find(r, HRP_LV_ACT_RUNNING, n0);
	assert_int_equal(r->log[i].at, T0 + 900 + 500);
	assert_int_equal(r->log[i].act.old, 0);
	assert_int_equal(r->log[i].act.new_, 1);
	assert_int_equal(r->log[i].act.reason, HRP_LV_R_FAILOVER);
	assert_int_equal(r->lv.link[0].state, HRP_LV_LINK_DOWN);
	assert_int_equal(r->lv.link[1].state, HRP_LV_LINK_RUNNING);
	assert_int_equal(count(r, HRP_LV_ACT_PEER, n0), 0);
	assert_int_equal(count(r, HRP_LV_ACT_PEER_DOWN, n0), 0);
	assert_int_equal(count(r, HRP_LV_ACT_SEND_PROBE, n0), 0);
	/* Link 0 back: it is first in order, so it runs again. */
	n0 = r->n;
	peer_hellos(r, 0x3, 100, T0 + 3200);
	i = find(r, HRP_LV_ACT_RUNNING, n0);
	assert_int_equal(r->log[i].act.new_, 0);
	assert_int_equal(r->log[i].act.reason, HRP_LV_R_PREFERRED);
	assert_int_equal(r->lv.peer, HRP_LV_PEER_UP);
	free(r);
}

/* Every link silent: negotiating exactly at D with a probe on every link, more probes after b
 * and 2b, dead exactly at last + D + 7b, announced once. */
static void test_all_silent_dead_exact(void **state)
{
	struct rig *r = malloc(sizeof(*r));
	rig_init(r, 100, 5, 2);
	peer_hellos(r, 0x3, 100, T0 + 1000);
	uint64_t last = T0 + 900;
	uint32_t b = hrp_lv_backoff_ms(&r->lv);
	assert_int_equal(b, 12);
	size_t n0 = r->n;
	advance(r, T0 + 10000);
	size_t i = find_peer(r, HRP_LV_PEER_NEGOTIATING, n0);
	assert_int_equal(r->log[i].at, last + 500);
	assert_int_equal(r->log[i].act.reason, HRP_LV_R_SILENT);
	/* Probes: 3 rounds x 2 links, at last+D, +b, +3b. */
	assert_int_equal(count(r, HRP_LV_ACT_SEND_PROBE, n0), 6);
	uint64_t want[3] = { last + 500, last + 500 + b, last + 500 + 3 * b };
	size_t k = 0;
	for (size_t j = n0; j < r->n; j++) {
		if (r->log[j].act.kind != HRP_LV_ACT_SEND_PROBE)
			continue;
		assert_int_equal(r->log[j].at, want[k / 2]);
		assert_int_equal(r->log[j].act.link, (int)(k % 2));
		assert_int_equal(r->log[j].act.probe, k / 2 + 1);
		k++;
	}
	i = find_peer(r, HRP_LV_PEER_DEAD, n0);
	assert_int_equal(r->log[i].at, last + 500 + 7 * b);
	assert_int_equal(r->log[i].at, last + hrp_lv_dead_time_ms(&r->lv));
	assert_int_equal(r->log[i].act.reason, HRP_LV_R_PROBES_UNANSWERED);
	assert_int_equal(count(r, HRP_LV_ACT_PEER_DOWN, n0), 1);
	assert_int_equal(r->lv.counters.peer_down, 1);
	/* Both links went down at D, before the peer: the running one handed over to nothing. */
	i = find(r, HRP_LV_ACT_RUNNING, n0);
	assert_int_equal(r->log[i].act.new_, -1);
	assert_int_equal(r->log[i].at, last + 500);
	/* Dead: no more probes, hellos go on. */
	size_t n1 = r->n;
	advance(r, T0 + 20000);
	assert_int_equal(count(r, HRP_LV_ACT_SEND_PROBE, n1), 0);
	assert_true(count(r, HRP_LV_ACT_SEND_HELLO, n1) >= 99);
	/* Restore: the first hello brings it up, announced. */
	n1 = r->n;
	rx(r, 1, HRP_LV_RX_HELLO);
	assert_int_equal(r->lv.peer, HRP_LV_PEER_UP);
	assert_int_equal(count(r, HRP_LV_ACT_PEER_UP, n1), 1);
	assert_int_equal(r->lv.running, 1);
	free(r);
}

/* A hello (or a probe-ack) during the round: up again, nothing announced either way. */
static void test_answer_during_negotiation(void **state)
{
	for (int what = 0; what < 2; what++) {
		struct rig *r = malloc(sizeof(*r));
		rig_init(r, 100, 5, 2);
		peer_hellos(r, 0x3, 100, T0 + 1000);
		size_t n0 = r->n;
		uint64_t last = T0 + 900;
		uint32_t b = hrp_lv_backoff_ms(&r->lv);
		advance(r, last + 500 + b + 1); /* after the second probe */
		assert_int_equal(r->lv.peer, HRP_LV_PEER_NEGOTIATING);
		assert_int_equal(count(r, HRP_LV_ACT_SEND_PROBE, n0), 4);
		rx(r, 1, what ? HRP_LV_RX_PROBE_ACK : HRP_LV_RX_HELLO);
		assert_int_equal(r->lv.peer, HRP_LV_PEER_UP);
		size_t i = find_peer(r, HRP_LV_PEER_UP, n0);
		assert_int_equal(r->log[i].act.reason, what ? HRP_LV_R_PROBE_ACK : HRP_LV_R_HELLO);
		assert_int_equal(r->lv.running, 1);
		advance(r, last + 5000);
		/* It went silent again after the answer, so a second round came later, but at the
		 * answer nothing was announced. */
		assert_int_equal(count(r, HRP_LV_ACT_PEER_UP, n0), 0);
		assert_int_equal(r->lv.counters.negotiations_recovered, 1);
		size_t dead = find_peer(r, HRP_LV_PEER_DEAD, n0);
		assert_int_equal(r->log[dead].at, last + 500 + b + 1 + hrp_lv_dead_time_ms(&r->lv));
		free(r);
	}
}

/* A peer that appears, comes back from dead or restarts is answered with a hello at once (it
 * has not heard us yet), once an interval at most; a peer back from negotiation knew us. */
static void test_hello_answered(void **state)
{
	struct rig *r = malloc(sizeof(*r));
	rig_init(r, 100, 5, 2);
	advance(r, T0 + 30);
	size_t n0 = r->n;
	rx(r, 0, HRP_LV_RX_HELLO);
	assert_int_equal(count(r, HRP_LV_ACT_ANSWER_HELLO, n0), 1);
	size_t i = find(r, HRP_LV_ACT_ANSWER_HELLO, n0);
	assert_int_equal(r->log[i].act.old, HRP_LV_PEER_UNKNOWN);
	assert_int_equal(r->log[i].act.new_, HRP_LV_PEER_UP);
	/* Its hello on the other link, and its next ones: on schedule only. */
	n0 = r->n;
	rx(r, 1, HRP_LV_RX_HELLO);
	peer_hellos(r, 0x3, 100, T0 + 1000);
	assert_int_equal(count(r, HRP_LV_ACT_ANSWER_HELLO, n0), 0);
	/* A new epoch: answered; a second one within the interval is not. */
	n0 = r->n;
	rx(r, 0, HRP_LV_RX_RESTART);
	rx(r, 1, HRP_LV_RX_RESTART);
	assert_int_equal(count(r, HRP_LV_ACT_ANSWER_HELLO, n0), 1);
	advance(r, r->now + 100);
	rx(r, 0, HRP_LV_RX_RESTART);
	assert_int_equal(count(r, HRP_LV_ACT_ANSWER_HELLO, n0), 2);
	/* Silent into negotiation, then a hello: it knew us, no answer. */
	peer_hellos(r, 0x3, 100, r->now + 500);
	uint64_t last = r->now - 100;
	advance(r, last + 500 + hrp_lv_backoff_ms(&r->lv) + 1);
	assert_int_equal(r->lv.peer, HRP_LV_PEER_NEGOTIATING);
	n0 = r->n;
	rx(r, 0, HRP_LV_RX_HELLO);
	assert_int_equal(r->lv.peer, HRP_LV_PEER_UP);
	assert_int_equal(count(r, HRP_LV_ACT_ANSWER_HELLO, n0), 0);
	/* Dead, then back: answered. */
	advance(r, r->now + 5000);
	assert_int_equal(r->lv.peer, HRP_LV_PEER_DEAD);
	n0 = r->n;
	rx(r, 1, HRP_LV_RX_HELLO);
	assert_int_equal(r->lv.peer, HRP_LV_PEER_UP);
	assert_int_equal(count(r, HRP_LV_ACT_ANSWER_HELLO, n0), 1);
	free(r);
}

/* A freeze of the peer shorter than D: nothing at all happens. */
static void test_short_freeze(void **state)
{
	struct rig *r = malloc(sizeof(*r));
	rig_init(r, 100, 5, 2);
	peer_hellos(r, 0x3, 100, T0 + 1000);
	size_t n0 = r->n;
	advance(r, T0 + 900 + 499); /* the last hello came at +900: one ms short of D */
	peer_hellos(r, 0x3, 100, T0 + 3000);
	for (size_t i = n0; i < r->n; i++)
		assert_int_equal(r->log[i].act.kind, HRP_LV_ACT_SEND_HELLO);
	assert_int_equal(r->lv.counters.negotiations, 0);
	free(r);
}

/* A restarted peer (new epoch): while up only noted; after dead, up at once. */
static void test_restart(void **state)
{
	struct rig *r = malloc(sizeof(*r));
	rig_init(r, 100, 5, 2);
	peer_hellos(r, 0x3, 100, T0 + 1000);
	size_t n0 = r->n;
	rx(r, 0, HRP_LV_RX_RESTART);
	assert_int_equal(count(r, HRP_LV_ACT_RESTART, n0), 1);
	assert_int_equal(count(r, HRP_LV_ACT_PEER, n0), 0);
	assert_int_equal(r->lv.counters.restarts, 1);
	/* Dead, then back under a new epoch: up and announced, reason restart. */
	advance(r, T0 + 5000);
	assert_int_equal(r->lv.peer, HRP_LV_PEER_DEAD);
	n0 = r->n;
	rx(r, 1, HRP_LV_RX_RESTART);
	size_t i = find_peer(r, HRP_LV_PEER_UP, n0);
	assert_int_equal(r->log[i].act.reason, HRP_LV_R_RESTART);
	assert_int_equal(count(r, HRP_LV_ACT_PEER_UP, n0), 1);
	assert_int_equal(count(r, HRP_LV_ACT_RESTART, n0), 0);
	/* During negotiation: back up without an announcement. */
	peer_hellos(r, 0x3, 100, T0 + 6000);
	advance(r, T0 + 5900 + 501);
	assert_int_equal(r->lv.peer, HRP_LV_PEER_NEGOTIATING);
	n0 = r->n;
	rx(r, 0, HRP_LV_RX_RESTART);
	assert_int_equal(r->lv.peer, HRP_LV_PEER_UP);
	assert_int_equal(count(r, HRP_LV_ACT_PEER_UP, n0), 0);
	assert_int_equal(count(r, HRP_LV_ACT_PEER_DOWN, n0), 0);
	free(r);
}

/* A peer never heard from is declared dead at start + D + 7b, so vgmpd gets an answer. */
static void test_never_seen(void **state)
{
	struct rig *r = malloc(sizeof(*r));
	rig_init(r, 100, 5, 2);
	advance(r, T0 + 10000);
	size_t i = find_peer(r, HRP_LV_PEER_NEGOTIATING, 0);
	assert_int_equal(r->log[i].at, T0 + 500);
	assert_int_equal(r->log[i].act.old, HRP_LV_PEER_UNKNOWN);
	i = find_peer(r, HRP_LV_PEER_DEAD, 0);
	assert_int_equal(r->log[i].at, T0 + hrp_lv_dead_time_ms(&r->lv));
	assert_int_equal(count(r, HRP_LV_ACT_PEER_DOWN, 0), 1);
	assert_int_equal(count(r, HRP_LV_ACT_PEER_UP, 0), 0);
	assert_int_equal(count(r, HRP_LV_ACT_SEND_PROBE, 0), 6);
	/* Found during a round of a never-seen peer: announced up (it never was). */
	rig_init(r, 100, 5, 1);
	advance(r, T0 + 520);
	assert_int_equal(r->lv.peer, HRP_LV_PEER_NEGOTIATING);
	size_t n0 = r->n;
	rx(r, 0, HRP_LV_RX_PROBE_ACK);
	assert_int_equal(count(r, HRP_LV_ACT_PEER_UP, n0), 1);
	free(r);
}

/* Interface down: the link is down at once and the next one runs; the peer's clock is the
 * messages, so it is not touched. */
static void test_admin(void **state)
{
	struct rig *r = malloc(sizeof(*r));
	rig_init(r, 100, 5, 2);
	peer_hellos(r, 0x3, 100, T0 + 1000);
	size_t n0 = r->n;
	hrp_lv_admin(&r->lv, 0, false, r->now, &r->out);
	collect(r);
	assert_int_equal(r->lv.link[0].state, HRP_LV_LINK_DOWN);
	assert_int_equal(r->lv.running, 1);
	size_t i = find(r, HRP_LV_ACT_LINK, n0);
	assert_int_equal(r->log[i].act.reason, HRP_LV_R_ADMIN_DOWN);
	i = find(r, HRP_LV_ACT_RUNNING, n0);
	assert_int_equal(r->log[i].act.reason, HRP_LV_R_FAILOVER);
	/* A message arriving on it anyway keeps the peer alive but not the link. */
	rx(r, 0, HRP_LV_RX_HELLO);
	assert_int_equal(r->lv.link[0].state, HRP_LV_LINK_DOWN);
	/* Every interface down: links down, the peer lives on its last message, then the round
	 * (no link to probe on) and dead on time. */
	hrp_lv_admin(&r->lv, 1, false, r->now, &r->out);
	collect(r);
	assert_int_equal(r->lv.running, -1);
	assert_int_equal(r->lv.peer, HRP_LV_PEER_UP);
	uint64_t last = r->now;
	n0 = r->n;
	advance(r, last + 2000);
	assert_int_equal(count(r, HRP_LV_ACT_SEND_PROBE, n0), 0);
	i = find_peer(r, HRP_LV_PEER_DEAD, n0);
	assert_int_equal(r->log[i].at, last + hrp_lv_dead_time_ms(&r->lv));
	/* Up again: ready with the next message, not before. */
	hrp_lv_admin(&r->lv, 1, true, r->now, &r->out);
	collect(r);
	assert_int_equal(r->lv.link[1].state, HRP_LV_LINK_DOWN);
	rx(r, 1, HRP_LV_RX_HELLO);
	assert_int_equal(r->lv.link[1].state, HRP_LV_LINK_RUNNING);
	/* Out-of-range links are ignored. */
	hrp_lv_admin(&r->lv, 7, false, r->now, &r->out);
	rx(r, -1, HRP_LV_RX_HELLO);
	rx(r, 2, HRP_LV_RX_HELLO);
	assert_int_equal(r->out.n, 0);
	free(r);
}

/* undo hrp enable: links down, peer unknown, nothing announced, no timer; enable starts over. */
static void test_stop_start(void **state)
{
	struct rig *r = malloc(sizeof(*r));
	rig_init(r, 100, 5, 2);
	peer_hellos(r, 0x3, 100, T0 + 1000);
	size_t n0 = r->n;
	hrp_lv_stop(&r->lv, r->now, &r->out);
	collect(r);
	assert_int_equal(r->lv.peer, HRP_LV_PEER_UNKNOWN);
	assert_int_equal(r->lv.running, -1);
	assert_int_equal(count(r, HRP_LV_ACT_PEER_DOWN, n0), 0);
	assert_int_equal(count(r, HRP_LV_ACT_LINK, n0), 2);
	assert_int_equal(hrp_lv_next_deadline(&r->lv), HRP_LV_NEVER);
	rx(r, 0, HRP_LV_RX_HELLO); /* ignored while stopped */
	assert_int_equal(r->lv.peer, HRP_LV_PEER_UNKNOWN);
	hrp_lv_stop(&r->lv, r->now, &r->out); /* twice: nothing */
	assert_int_equal(r->out.n, 0);
	n0 = r->n;
	r->now += 10000;
	hrp_lv_start(&r->lv, r->now, &r->out);
	collect(r);
	assert_int_equal(count(r, HRP_LV_ACT_SEND_HELLO, n0), 1);
	rx(r, 0, HRP_LV_RX_HELLO);
	assert_int_equal(count(r, HRP_LV_ACT_PEER_UP, n0), 1);
	assert_int_equal(r->lv.counters.peer_up, 2);
	free(r);
}

/* The peer announces a longer interval: the dead time follows the larger one. */
static void test_peer_interval(void **state)
{
	struct rig *r = malloc(sizeof(*r));
	rig_init(r, 100, 5, 1);
	hrp_lv_set_peer_interval(&r->lv, 200);
	assert_int_equal(hrp_lv_interval_ms(&r->lv), 200);
	assert_int_equal(hrp_lv_dead_time_ms(&r->lv), 1000 + 7 * 25);
	peer_hellos(r, 0x1, 200, T0 + 2000);
	size_t n0 = r->n;
	advance(r, T0 + 5000);
	size_t i = find_peer(r, HRP_LV_PEER_DEAD, n0);
	assert_int_equal(r->log[i].at, T0 + 1800 + 1175);
	/* Hellos still go out at our own interval. */
	assert_int_equal(r->lv.next_hello_ms % 100, T0 % 100);
	/* Nonsense is ignored. */
	hrp_lv_set_peer_interval(&r->lv, 5);
	assert_int_equal(hrp_lv_interval_ms(&r->lv), 100);
	free(r);
}

/* A late timer (a busy box) stretches the round from when the probes really went out; the peer
 * is never declared dead before the last probe had its back-off. */
static void test_late_timer(void **state)
{
	struct rig *r = malloc(sizeof(*r));
	rig_init(r, 100, 5, 1);
	rx(r, 0, HRP_LV_RX_HELLO);
	uint32_t b = hrp_lv_backoff_ms(&r->lv);
	/* Woken 3 s late: negotiating now, first probe now. */
	r->now = T0 + 3000;
	hrp_lv_timer(&r->lv, r->now, &r->out);
	collect(r);
	assert_int_equal(r->lv.peer, HRP_LV_PEER_NEGOTIATING);
	assert_int_equal(r->lv.probes_sent, 1);
	size_t n0 = r->n;
	advance(r, T0 + 10000);
	size_t i = find_peer(r, HRP_LV_PEER_DEAD, n0);
	assert_int_equal(r->log[i].at, T0 + 3000 + 7 * b);
	free(r);
}

/* Reload: more links, fewer links, another interval; the peer stays up throughout. */
static void test_reconfigure(void **state)
{
	struct rig *r = malloc(sizeof(*r));
	rig_init(r, 100, 5, 2);
	peer_hellos(r, 0x3, 100, T0 + 1000);
	size_t n0 = r->n;
	struct hrp_lv_params p = { .hello_interval_ms = 50, .dead_count = 4, .n_links = 3 };
	int map3[3] = { 0, 1, -1 };
	assert_int_equal(hrp_lv_reconfigure(&r->lv, &p, map3, r->now, &r->out), 0);
	collect(r);
	assert_int_equal(r->lv.running, 0);
	assert_int_equal(r->lv.link[2].state, HRP_LV_LINK_DOWN);
	assert_int_equal(r->n, n0); /* nothing changed state */
	assert_true(r->lv.next_hello_ms <= r->now + 50);
	/* Drop the running link: old link 1 is now link 0 and runs. */
	struct hrp_lv_params p1 = { .hello_interval_ms = 50, .dead_count = 4, .n_links = 1 };
	int map1[1] = { 1 };
	assert_int_equal(hrp_lv_reconfigure(&r->lv, &p1, map1, r->now, &r->out), 0);
	collect(r);
	assert_int_equal(r->lv.running, 0);
	assert_int_equal(r->lv.link[0].state, HRP_LV_LINK_RUNNING);
	assert_int_equal(r->lv.peer, HRP_LV_PEER_UP);
	assert_int_equal(count(r, HRP_LV_ACT_PEER, n0), 0);
	/* The new timers apply: D = 200. */
	n0 = r->n;
	uint64_t last = r->now - 100; /* the last hello came at +900 */
	advance(r, r->now + 2000);
	size_t i = find_peer(r, HRP_LV_PEER_NEGOTIATING, n0);
	assert_int_equal(r->log[i].at, last + 200);
	struct hrp_lv_params bad = { .hello_interval_ms = 1, .dead_count = 4, .n_links = 1 };
	assert_int_equal(hrp_lv_reconfigure(&r->lv, &bad, map1, r->now, &r->out), -EINVAL);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_hello_schedule),
		cmocka_unit_test(test_first_hello),
		cmocka_unit_test(test_running_order),
		cmocka_unit_test(test_one_link_lost),
		cmocka_unit_test(test_all_silent_dead_exact),
		cmocka_unit_test(test_answer_during_negotiation),
		cmocka_unit_test(test_hello_answered),
		cmocka_unit_test(test_short_freeze),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_never_seen),
		cmocka_unit_test(test_admin),
		cmocka_unit_test(test_stop_start),
		cmocka_unit_test(test_peer_interval),
		cmocka_unit_test(test_late_timer),
		cmocka_unit_test(test_reconfigure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
