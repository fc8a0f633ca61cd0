/* A planned stop (lib/vgmp_stop.c): which boxes hand over before they stop, and when the wait
 * ends. One box through the election's API with the peer scripted, as vgmpd drives it: the plan
 * on SIGTERM, then vgmp_admin_switchover() and the peer's answers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vgmp_stop.h"

#define TIMEOUT 3000u
#define READY   HRP_VGMP_R_SESSIONS_SYNCED

static struct {
	struct vgmp v;
	uint64_t now;
	enum vgmp_state roles; /* what vrrpd was told last */
	unsigned requests;
	struct vgmp_request last;
} S;

static void o_hello(struct vgmp *v)
{
}

static void o_request(struct vgmp *v, const struct vgmp_request *r)
{
	S.requests++;
	S.last = *r;
}

static void o_roles(struct vgmp *v, enum vgmp_state s)
{
	S.roles = s;
}

static void o_reannounce(struct vgmp *v)
{
}

static void o_ospf(struct vgmp *v, enum vgmp_cost cost)
{
}

static void o_notify(struct vgmp *v, enum vgmp_state old, enum vgmp_state new_state,
		     enum vgmp_reason why)
{
}

static const struct vgmp_ops ops = {
	.send_hello = o_hello,
	.send_request = o_request,
	.set_vrrp_roles = o_roles,
	.reannounce = o_reannounce,
	.ospf_cost = o_ospf,
	.notify = o_notify,
};

static void peer(enum vgmp_state s, uint16_t prio, uint32_t readiness)
{
	struct hrp_vgmp pl = {
		.priority = prio,
		.state = (uint8_t)vgmp_state_to_hrp(s),
		.readiness = readiness,
		.has_mode = true,
		.mode = HRP_VGMP_MODE_ACTIVE_STANDBY,
	};
	assert_int_equal(vgmp_peer_update(&S.v, &pl, "fw2", S.now), 0);
}

static void answer(enum vgmp_msg kind, enum hrp_vgmp_reason reason)
{
	struct vgmp_request r = { .kind = kind, .request_id = S.last.request_id, .reason = reason };
	assert_int_equal(vgmp_request_received(&S.v, &r, S.now), 0);
}

/* fw1 enabled, synced, priority 45000; nothing heard of the peer yet. */
static void box(void)
{
	memset(&S, 0, sizeof(S));
	S.now = 1000;
	struct vgmp_params p = {
		.priority = 45000,
		.fault_penalty = 2,
		.preempt = true,
		.startup_wait_ms = 3000,
		.request_timeout_ms = 2000,
		.handover_timeout_ms = 3000,
		.name = "fw1",
	};
	assert_int_equal(vgmp_init(&S.v, &p, &ops, NULL), 0);
	assert_int_equal(vgmp_set_enabled(&S.v, true, S.now), 0);
	assert_int_equal(vgmp_set_ready(&S.v, true, S.now), 0);
}

/* fw1 active, fw2 a ready standby: the box a planned stop hands over from. */
static void active_pair(void)
{
	box();
	peer(VGMP_STATE_STANDBY, 44000, READY);
	assert_int_equal(S.v.state, VGMP_STATE_ACTIVE);
	assert_int_equal(S.roles, VGMP_STATE_ACTIVE);
}

static void plan_is(uint32_t timeout, enum vgmp_stop_plan plan, enum vgmp_stop_reason why)
{
	enum vgmp_stop_reason r = VGMP_STOP_R_MAX;
	assert_int_equal(vgmp_stop_plan(&S.v, timeout, &r), plan);
	assert_int_equal(r, why);
	assert_int_equal(vgmp_stop_plan(&S.v, timeout, NULL), plan);
}

/* Stop on SIGTERM: hand over, the peer acks and announces active, we let go. */
static void start_handover(void)
{
	plan_is(TIMEOUT, VGMP_STOP_HANDOVER, VGMP_STOP_R_HANDOVER);
	assert_int_equal(vgmp_admin_switchover(&S.v, S.now), 0);
	assert_int_equal(S.last.kind, VGMP_MSG_SWITCHOVER);
	assert_int_equal(S.last.reason, HRP_VGMP_REASON_ADMIN);
	assert_int_equal(vgmp_stop_progress(&S.v), VGMP_STOP_PENDING);
}

static void test_active_hands_over(void **state)
{
	active_pair();
	start_handover();
	S.now += 1;
	answer(VGMP_MSG_ACK, HRP_VGMP_REASON_NONE);
	/* Acked, but the peer has not announced active: we still hold the traffic. */
	assert_int_equal(vgmp_stop_progress(&S.v), VGMP_STOP_PENDING);
	assert_int_equal(S.v.state, VGMP_STATE_ACTIVE);
	assert_int_equal(S.roles, VGMP_STATE_ACTIVE);
	S.now += 1;
	peer(VGMP_STATE_ACTIVE, 44000, READY);
	assert_int_equal(vgmp_stop_progress(&S.v), VGMP_STOP_HANDED_OVER);
	assert_int_equal(S.v.state, VGMP_STATE_STANDBY);
	assert_int_equal(S.roles, VGMP_STATE_STANDBY); /* vrrpd's groups: backup */
	assert_int_equal(S.v.ho.result, VGMP_REQ_DONE);
}

/* The announcement may come before the ack: it is the answer. */
static void test_announce_before_ack(void **state)
{
	active_pair();
	start_handover();
	peer(VGMP_STATE_ACTIVE, 44000, READY);
	assert_int_equal(vgmp_stop_progress(&S.v), VGMP_STOP_HANDED_OVER);
	assert_int_equal(S.roles, VGMP_STATE_STANDBY);
}

/* The request ends without a handover: stop anyway, at once, whatever the outcome. */
static void test_gave_up(void **state)
{
	active_pair();
	start_handover();
	answer(VGMP_MSG_NACK, HRP_VGMP_REASON_NOT_READY);
	assert_int_equal(vgmp_stop_progress(&S.v), VGMP_STOP_GAVE_UP);
	assert_int_equal(S.v.ho.result, VGMP_REQ_NACKED);
	assert_int_equal(S.v.state, VGMP_STATE_ACTIVE);

	/* No answer within the request timeout. */
	active_pair();
	start_handover();
	S.now += 1999;
	vgmp_tick(&S.v, S.now);
	assert_int_equal(vgmp_stop_progress(&S.v), VGMP_STOP_PENDING);
	S.now += 1;
	vgmp_tick(&S.v, S.now);
	assert_int_equal(vgmp_stop_progress(&S.v), VGMP_STOP_GAVE_UP);
	assert_int_equal(S.v.ho.result, VGMP_REQ_TIMEOUT);

	/* hrpd could not deliver it. */
	active_pair();
	start_handover();
	vgmp_request_lost(&S.v, S.now);
	assert_int_equal(vgmp_stop_progress(&S.v), VGMP_STOP_GAVE_UP);

	/* Acked, but the peer never announced active (handover timeout). */
	active_pair();
	start_handover();
	answer(VGMP_MSG_ACK, HRP_VGMP_REASON_NONE);
	S.now += 3000;
	vgmp_tick(&S.v, S.now);
	assert_int_equal(vgmp_stop_progress(&S.v), VGMP_STOP_GAVE_UP);
	assert_int_equal(S.v.ho.result, VGMP_REQ_ABORTED);

	/* The peer died meanwhile: we stay active, and there is nobody to wait for. */
	active_pair();
	start_handover();
	vgmp_peer_down(&S.v, S.now);
	assert_int_equal(vgmp_stop_progress(&S.v), VGMP_STOP_GAVE_UP);
	assert_int_equal(S.v.state, VGMP_STATE_ACTIVE);

	/* The peer restarted meanwhile. */
	active_pair();
	start_handover();
	peer(VGMP_STATE_INITIALIZE, 44000, 0);
	assert_int_equal(vgmp_stop_progress(&S.v), VGMP_STOP_GAVE_UP);
}

/* Every box that has nothing to hand over, or nobody ready to take it, stops at once. */
static void test_stop_now(void **state)
{
	/* The operator switched it off. */
	active_pair();
	plan_is(0, VGMP_STOP_NOW, VGMP_STOP_R_DISABLED);

	/* The standby. */
	box();
	peer(VGMP_STATE_ACTIVE, 46000, READY);
	assert_int_equal(S.v.state, VGMP_STATE_STANDBY);
	plan_is(TIMEOUT, VGMP_STOP_NOW, VGMP_STOP_R_NOT_ACTIVE);

	/* Starting (initialize: the startup wait), and hrp disabled. */
	box();
	assert_int_equal(S.v.state, VGMP_STATE_INITIALIZE);
	plan_is(TIMEOUT, VGMP_STOP_NOW, VGMP_STOP_R_NOT_ACTIVE);
	active_pair();
	vgmp_set_enabled(&S.v, false, S.now);
	plan_is(TIMEOUT, VGMP_STOP_NOW, VGMP_STOP_R_NOT_ACTIVE);

	/* Alone: no peer heard within the startup wait, or the peer is dead. */
	box();
	S.now += 3000;
	vgmp_tick(&S.v, S.now);
	assert_int_equal(S.v.state, VGMP_STATE_ACTIVE);
	plan_is(TIMEOUT, VGMP_STOP_NOW, VGMP_STOP_R_NO_PEER);
	active_pair();
	vgmp_peer_down(&S.v, S.now);
	assert_int_equal(S.v.state, VGMP_STATE_ACTIVE);
	plan_is(TIMEOUT, VGMP_STOP_NOW, VGMP_STOP_R_NO_PEER);

	/* The peer still starting, so not standby yet. */
	box();
	peer(VGMP_STATE_INITIALIZE, 44000, READY);
	assert_int_equal(S.v.state, VGMP_STATE_ACTIVE);
	plan_is(TIMEOUT, VGMP_STOP_NOW, VGMP_STOP_R_PEER_NOT_STANDBY);

	/* The peer's bulk sync is not done: it would nack, and lose sessions if it took over. */
	box();
	peer(VGMP_STATE_STANDBY, 44000, 0);
	assert_int_equal(S.v.state, VGMP_STATE_ACTIVE);
	plan_is(TIMEOUT, VGMP_STOP_NOW, VGMP_STOP_R_PEER_NOT_READY);

	/* A maintenance freeze, ours or the peer's. */
	active_pair();
	vgmp_freeze(&S.v, true, S.now);
	plan_is(TIMEOUT, VGMP_STOP_NOW, VGMP_STOP_R_FROZEN);
	active_pair();
	peer(VGMP_STATE_STANDBY, 44000, READY | VGMP_R_FROZEN);
	plan_is(TIMEOUT, VGMP_STOP_NOW, VGMP_STOP_R_FROZEN);
	assert_int_equal(vgmp_admin_switchover(&S.v, S.now), -EBUSY); /* as the plan said */
}

/* Load-sharing: each box holds its own share, no single active to hand over from. */
static void test_load_balance_stops_now(void **state)
{
	box();
	struct vgmp_params p = S.v.p;
	p.mode = HS_MODE_LOAD_SHARING;
	assert_int_equal(vgmp_set_params(&S.v, &p, S.now), 0);
	struct hrp_vgmp pl = { .priority = 45000,
			       .state = (uint8_t)vgmp_state_to_hrp(VGMP_STATE_LOAD_BALANCE),
			       .readiness = READY,
			       .has_mode = true,
			       .mode = HRP_VGMP_MODE_LOAD_SHARING };
	vgmp_peer_update(&S.v, &pl, "fw2", S.now);
	assert_int_equal(S.v.state, VGMP_STATE_LOAD_BALANCE);
	plan_is(TIMEOUT, VGMP_STOP_NOW, VGMP_STOP_R_NOT_ACTIVE);
}

/* A switchover already under way (the operator's, or a degraded box's fault request): the stop
 * waits for its end instead of sending another. */
static void test_under_way(void **state)
{
	active_pair();
	assert_int_equal(vgmp_admin_switchover(&S.v, S.now), 0);
	unsigned sent = S.requests;
	plan_is(TIMEOUT, VGMP_STOP_WAIT, VGMP_STOP_R_UNDER_WAY);
	assert_int_equal(S.requests, sent);
	assert_int_equal(vgmp_stop_progress(&S.v), VGMP_STOP_PENDING);
	peer(VGMP_STATE_ACTIVE, 44000, READY);
	assert_int_equal(vgmp_stop_progress(&S.v), VGMP_STOP_HANDED_OVER);

	/* A fault request: degraded below a peer that is not preempting yet. */
	active_pair();
	struct vgmp_tracker_params tp = { .type = "interface", .name = "up0" };
	int id = vgmp_tracker_add(&S.v, &tp, S.now);
	assert_true(id >= 0);
	peer(VGMP_STATE_STANDBY, 44999, READY);
	assert_int_equal(vgmp_tracker_set(&S.v, id, VGMP_OBJ_DOWN, S.now), 0);
	assert_true(S.v.ho.giving);
	assert_int_equal(S.last.reason, HRP_VGMP_REASON_FAULT);
	plan_is(TIMEOUT, VGMP_STOP_WAIT, VGMP_STOP_R_UNDER_WAY);
}

static void test_names(void **state)
{
	for (int p = 0; p < VGMP_STOP_PLAN_MAX; p++)
		assert_string_not_equal(vgmp_stop_plan_name((enum vgmp_stop_plan)p), "?");
	for (int r = 0; r < VGMP_STOP_R_MAX; r++)
		assert_string_not_equal(vgmp_stop_reason_name((enum vgmp_stop_reason)r), "?");
	for (int p = 0; p < VGMP_STOP_PROGRESS_MAX; p++)
		assert_string_not_equal(vgmp_stop_progress_name((enum vgmp_stop_progress)p), "?");
	assert_string_equal(vgmp_stop_plan_name(VGMP_STOP_PLAN_MAX), "?");
	assert_string_equal(vgmp_stop_reason_name((enum vgmp_stop_reason)-1), "?");
	assert_string_equal(vgmp_stop_progress_name(VGMP_STOP_PROGRESS_MAX), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_active_hands_over),
		cmocka_unit_test(test_announce_before_ack),
		cmocka_unit_test(test_gave_up),
		cmocka_unit_test(test_stop_now),
		cmocka_unit_test(test_load_balance_stops_now),
		cmocka_unit_test(test_under_way),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
