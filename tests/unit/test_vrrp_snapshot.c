/* vrrpd's hot-restart snapshot: encode -> decode keeps every field; unknown fields are skipped
 * (a newer minor version); a newer major version and another format are refused with a message;
 * malformed groups are refused whole; a group saved from a running state machine and restored
 * into a fresh one goes on from the same deadlines without a single action. The old process's
 * handover stages (hot_stage.c): every transition, and what may not happen. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "hot_stage.h"
#include "vrrp_snapshot.h"

static unsigned actions; /* any action of the state machine */

static void a_send(struct vrrp_fsm *f, uint8_t prio)
{
	actions++;
}
static void a_vips(struct vrrp_fsm *f, bool up)
{
	actions++;
}
static void a_announce(struct vrrp_fsm *f)
{
	actions++;
}
static void a_notify(struct vrrp_fsm *f, enum vrrp_state a, enum vrrp_state b, enum vrrp_reason r)
{
	actions++;
}
static void a_report(struct vrrp_fsm *f, enum vrrp_vgmp_event ev)
{
	actions++;
}
static void a_mismatch(struct vrrp_fsm *f, const struct vrrp_advert *adv, const struct hs_addr *s)
{
}

static const struct vrrp_fsm_ops ops = {
	.send_advert = a_send,
	.set_vips = a_vips,
	.announce = a_announce,
	.notify = a_notify,
	.report_to_vgmp = a_report,
	.addr_mismatch = a_mismatch,
};

static struct hs_addr addr(const char *s)
{
	struct hs_addr a;
	assert_int_equal(hs_addr_parse(s, &a), 0);
	return a;
}

static struct vrrp_snap_group sample(void)
{
	struct vrrp_snap_group g = { .interface = "lan0", .family = AF_INET, .vrid = 7 };
	g.state = VRRP_STATE_BACKUP;
	g.role = VRRP_ROLE_MASTER;
	g.t.adver_ms = VRRP_NEVER;
	g.t.master_down_ms = 123456789012ull;
	g.t.preempt_ms = 5000;
	g.master_down_cause = VRRP_REASON_MASTER_RESIGNED;
	g.master_addr = addr("192.0.2.3");
	g.master_priority = 200;
	g.master_adver_interval_cs = 10;
	g.counters.rx = 11;
	g.counters.tx = 22;
	g.counters.became_master = 3;
	g.counters.vgmp_reports = 4;
	g.counters.drops[VRRP_DROP_TTL] = 5;
	return g;
}

static json_t *encode_one(const struct vrrp_snap_group *g, const char *role)
{
	struct vrrp_snapshot s = { .n_groups = 1, .groups = (struct vrrp_snap_group *)g };
	snprintf(s.role, sizeof(s.role), "%s", role);
	json_t *j = vrrp_snapshot_encode(&s);
	assert_non_null(j);
	return j;
}

static void test_round_trip(void **state)
{
	struct vrrp_snap_group g = sample();
	g.owner_added = 0x5;
	json_t *j = encode_one(&g, "active");
	struct vrrp_snapshot out;
	char err[256] = "";
	assert_int_equal(vrrp_snapshot_decode(j, &out, err, sizeof(err)), 0);
	assert_int_equal(out.major, VRRP_SNAPSHOT_MAJOR);
	assert_string_equal(out.role, "active");
	assert_int_equal(out.n_groups, 1);
	const struct vrrp_snap_group *r = vrrp_snapshot_find(&out, "lan0", AF_INET, 7);
	assert_non_null(r);
	assert_null(vrrp_snapshot_find(&out, "lan0", AF_INET6, 7));
	assert_null(vrrp_snapshot_find(&out, "lan1", AF_INET, 7));
	assert_int_equal(r->state, VRRP_STATE_BACKUP);
	assert_int_equal(r->role, VRRP_ROLE_MASTER);
	assert_true(r->t.adver_ms == VRRP_NEVER);
	assert_true(r->t.master_down_ms == 123456789012ull);
	assert_true(r->t.preempt_ms == 5000);
	assert_int_equal(r->master_down_cause, VRRP_REASON_MASTER_RESIGNED);
	assert_true(hs_addr_equal(&r->master_addr, &g.master_addr));
	assert_int_equal(r->master_priority, 200);
	assert_int_equal(r->master_adver_interval_cs, 10);
	assert_memory_equal(&r->counters, &g.counters, sizeof(g.counters));
	assert_int_equal(r->owner_added, 0x5);
	vrrp_snapshot_free(&out);
	/* 1.1 had no owner_added: nothing added */
	json_object_del(json_array_get(json_object_get(j, "groups"), 0), "owner_added");
	assert_int_equal(vrrp_snapshot_decode(j, &out, err, sizeof(err)), 0);
	assert_int_equal(out.groups[0].owner_added, 0);
	vrrp_snapshot_free(&out);
	/* 1.0 had no cause: the plain master-down */
	json_object_del(json_array_get(json_object_get(j, "groups"), 0), "master_down_cause");
	assert_int_equal(vrrp_snapshot_decode(j, &out, err, sizeof(err)), 0);
	assert_int_equal(out.groups[0].master_down_cause, VRRP_REASON_MASTER_DOWN);
	vrrp_snapshot_free(&out);
	json_decref(j);
}

static void test_unknown_fields_skipped(void **state)
{
	struct vrrp_snap_group g = sample();
	json_t *j = encode_one(&g, "");
	/* What a later minor version might add, at each level. */
	json_object_set_new(j, "minor", json_integer(VRRP_SNAPSHOT_MINOR + 3));
	json_object_set_new(j, "future_top", json_string("x"));
	json_t *grp = json_array_get(json_object_get(j, "groups"), 0);
	json_object_set_new(grp, "future_timer_ms", json_integer(42));
	json_object_set_new(json_object_get(grp, "counters"), "future_counter", json_integer(9));
	struct vrrp_snapshot out;
	char err[256] = "";
	assert_int_equal(vrrp_snapshot_decode(j, &out, err, sizeof(err)), 0);
	assert_int_equal(out.minor, VRRP_SNAPSHOT_MINOR + 3);
	assert_int_equal(out.groups[0].counters.rx, 11);
	assert_int_equal(out.groups[0].counters.drops[VRRP_DROP_TTL], 5);
	vrrp_snapshot_free(&out);
	json_decref(j);
}

static void test_newer_major_refused(void **state)
{
	struct vrrp_snap_group g = sample();
	json_t *j = encode_one(&g, "");
	json_object_set_new(j, "major", json_integer(VRRP_SNAPSHOT_MAJOR + 1));
	struct vrrp_snapshot out;
	char err[256] = "";
	assert_int_equal(vrrp_snapshot_decode(j, &out, err, sizeof(err)), -EPROTONOSUPPORT);
	assert_non_null(strstr(err, "not readable by this vrrpd"));
	assert_non_null(strstr(err, "cold restart"));
	assert_int_equal(out.n_groups, 0);
	assert_null(out.groups);
	/* The same major is read, whatever the minor. */
	json_object_set_new(j, "major", json_integer(VRRP_SNAPSHOT_MAJOR));
	json_object_set_new(j, "minor", json_integer(99));
	assert_int_equal(vrrp_snapshot_decode(j, &out, err, sizeof(err)), 0);
	vrrp_snapshot_free(&out);
	json_decref(j);
}

static void test_bad_snapshots_refused(void **state)
{
	struct vrrp_snapshot out;
	char err[256];
	json_t *j = json_pack("{s:s, s:i, s:[]}", "format", "hrpd-snapshot", "major", 1, "groups");
	assert_int_equal(vrrp_snapshot_decode(j, &out, err, sizeof(err)), -EPROTONOSUPPORT);
	assert_non_null(strstr(err, "hrpd-snapshot"));
	json_decref(j);
	j = json_pack("{s:s}", "format", VRRP_SNAPSHOT_FORMAT);
	assert_int_equal(vrrp_snapshot_decode(j, &out, err, sizeof(err)), -EINVAL);
	json_decref(j);
	/* One bad group spoils the whole snapshot. */
	struct vrrp_snap_group g = sample();
	const char *bad[][2] = { { "state", "leader" },
				 { "family", "ipx" },
				 { "master_addr", "2001:db8::1" },
				 { "master_addr", "nonsense" } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = encode_one(&g, "");
		json_t *grp = json_array_get(json_object_get(j, "groups"), 0);
		json_object_set_new(grp, bad[i][0], json_string(bad[i][1]));
		assert_int_equal(vrrp_snapshot_decode(j, &out, err, sizeof(err)), -EINVAL);
		assert_null(out.groups);
		json_decref(j);
	}
	j = encode_one(&g, "");
	json_object_set_new(json_array_get(json_object_get(j, "groups"), 0), "vrid",
			    json_integer(256));
	assert_int_equal(vrrp_snapshot_decode(j, &out, err, sizeof(err)), -EINVAL);
	json_decref(j);
}

static struct vrrp_params params(void)
{
	struct vrrp_params p = {
		.vrid = 7,
		.version = 3,
		.family = AF_INET,
		.priority = 200,
		.interval_cs = 10,
		.preempt = true,
		.cksum = VRRP_CKSUM_PSEUDO,
		.primary = addr("192.0.2.2"),
		.n_vips = 1,
		.vips = { addr("192.0.2.1") },
	};
	return p;
}

/* A master saved at t=1000 and restored in a new state machine: no action on restore, the next
 * advert leaves at the old deadline, not a full interval after the restore. */
static void test_save_restore_master(void **state)
{
	struct vrrp_params p = params();
	struct vrrp_fsm old, neu;
	assert_int_equal(vrrp_fsm_init(&old, &p, &ops, NULL), 0);
	vrrp_fsm_startup(&old, 1000);
	vrrp_fsm_timer(&old, 1000 + 400); /* master down: master */
	assert_int_equal(old.state, VRRP_STATE_MASTER);
	uint64_t next = vrrp_fsm_next_deadline(&old);
	struct vrrp_snap_group g = { .interface = "lan0", .family = AF_INET, .vrid = 7 };
	vrrp_fsm_save(&old, &g);
	json_t *j = encode_one(&g, "");
	struct vrrp_snapshot snap;
	char err[256];
	assert_int_equal(vrrp_snapshot_decode(j, &snap, err, sizeof(err)), 0);
	assert_int_equal(vrrp_fsm_init(&neu, &p, &ops, NULL), 0);
	actions = 0;
	assert_int_equal(vrrp_fsm_restore(&neu, &snap.groups[0]), 0);
	assert_int_equal(actions, 0);
	assert_int_equal(neu.state, VRRP_STATE_MASTER);
	assert_true(vrrp_fsm_next_deadline(&neu) == next);
	assert_true(hs_addr_equal(&neu.master_addr, &p.primary));
	assert_memory_equal(&neu.counters, &old.counters, sizeof(old.counters));
	/* The restored machine runs: its advert timer fires at the old deadline. */
	vrrp_fsm_timer(&neu, next - 1);
	assert_int_equal(actions, 0);
	vrrp_fsm_timer(&neu, next);
	assert_int_equal(actions, 1);
	assert_int_equal(neu.counters.tx, old.counters.tx + 1);
	/* Another group's entry does not fit this machine. */
	struct vrrp_snap_group other = snap.groups[0];
	other.vrid = 8;
	assert_int_equal(vrrp_fsm_restore(&neu, &other), -EINVAL);
	other = snap.groups[0];
	other.family = AF_INET6;
	assert_int_equal(vrrp_fsm_restore(&neu, &other), -EINVAL);
	vrrp_snapshot_free(&snap);
	json_decref(j);
}

static void test_hot_stages(void **state)
{
	struct hs_hot h;
	hs_hot_init(&h);
	assert_false(hs_hot_busy(&h));
	/* Nothing but a start from idle. */
	for (int ev = 0; ev < HS_HOT_EV_MAX; ev++)
		if (ev != HS_HOT_EV_START)
			assert_int_equal(hs_hot_step(&h, ev, 10), -EINVAL);
	assert_int_equal(hs_hot_step(&h, HS_HOT_EV_START, 10), HS_HOT_SPAWNED);
	assert_true(hs_hot_busy(&h));
	assert_true(h.deadline_ms == 10 + HS_HOT_TIMEOUT_MS);
	/* No second start, no confirm before the sockets were sent. */
	assert_int_equal(hs_hot_step(&h, HS_HOT_EV_START, 11), -EINVAL);
	assert_int_equal(hs_hot_step(&h, HS_HOT_EV_CONFIRM, 11), -EINVAL);
	assert_int_equal(hs_hot_step(&h, HS_HOT_EV_SENT, 12), HS_HOT_SENT);
	assert_int_equal(hs_hot_step(&h, HS_HOT_EV_TIMEOUT, 3010), HS_HOT_ABORTED);
	assert_int_equal(h.last_abort, HS_HOT_EV_TIMEOUT);
	assert_false(hs_hot_busy(&h));
	/* Each failure before the confirm aborts, from either busy stage. */
	const enum hs_hot_event fails[] = { HS_HOT_EV_REFUSED, HS_HOT_EV_GONE, HS_HOT_EV_FAILED };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(hs_hot_step(&h, HS_HOT_EV_START, 20), HS_HOT_SPAWNED);
		assert_int_equal(hs_hot_step(&h, fails[i], 21), HS_HOT_ABORTED);
		assert_int_equal(hs_hot_step(&h, HS_HOT_EV_START, 22), HS_HOT_SPAWNED);
		assert_int_equal(hs_hot_step(&h, HS_HOT_EV_SENT, 23), HS_HOT_SENT);
		assert_int_equal(hs_hot_step(&h, fails[i], 24), HS_HOT_ABORTED);
		assert_int_equal(h.last_abort, fails[i]);
	}
	assert_int_equal(hs_hot_step(&h, HS_HOT_EV_START, 30), HS_HOT_SPAWNED);
	assert_int_equal(hs_hot_step(&h, HS_HOT_EV_SENT, 31), HS_HOT_SENT);
	assert_int_equal(hs_hot_step(&h, HS_HOT_EV_CONFIRM, 32), HS_HOT_CONFIRMED);
	assert_int_equal(h.attempts, 8);
	assert_int_equal(h.aborted, 7);
	assert_int_equal(h.confirmed, 1);
	/* Confirmed is the end: a late timeout changes nothing. */
	for (int ev = 0; ev < HS_HOT_EV_MAX; ev++)
		assert_int_equal(hs_hot_step(&h, ev, 40), -EINVAL);
	assert_int_equal(h.stage, HS_HOT_CONFIRMED);
	assert_string_equal(hs_hot_stage_name(HS_HOT_SENT), "sent");
	assert_string_equal(hs_hot_event_name(HS_HOT_EV_GONE), "gone");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_unknown_fields_skipped),
		cmocka_unit_test(test_newer_major_refused),
		cmocka_unit_test(test_bad_snapshots_refused),
		cmocka_unit_test(test_save_restore_master),
		cmocka_unit_test(test_hot_stages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
