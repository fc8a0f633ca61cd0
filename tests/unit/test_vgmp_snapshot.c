/* vgmpd's hot-restart snapshot (lib/vgmp_snapshot.h) on the simulated pair of vgmp_sim.h:
 * encode -> decode -> restore gives a core that encodes the same, without a single action;
 * a box restored in the middle of a hold-down makes the same decisions at the same times as the
 * box that ran on; unknown fields are skipped at every level; a newer major version and another
 * format are refused with a message; malformed snapshots are refused whole; trackers are matched
 * by name and the priority is worked out with the new weights. */
#include "vgmp_sim.h"

#include "vgmp_snapshot.h"

/* Both boxes up, fw1 (45010) active, fw2 (45000) standby; fw1 tracks eth1 (weight 20, 500 ms
 * hold-down) and a damped "bfd 1"; the latter flapped once. */
static void pair_running(void)
{
	sim_setup(2, 2);
	S.b[A].p.priority = 45010;
	sim_init(A);
	sim_init(B);
	struct vgmp_tracker_params tp = { .hold_down_ms = 500, .weight = 20 };
	snprintf(tp.name, sizeof(tp.name), "eth1");
	snprintf(tp.type, sizeof(tp.type), "interface");
	assert_int_equal(vgmp_tracker_add(&S.b[A].v, &tp, S.now), 0);
	struct vgmp_tracker_params bfd = {
		.damp = { .penalty = 1000, .suppress = 2500, .reuse = 800, .half_life_ms = 10000 },
	};
	snprintf(bfd.name, sizeof(bfd.name), "bfd 1");
	assert_int_equal(vgmp_tracker_add(&S.b[A].v, &bfd, S.now), 1);
	vgmp_tracker_set(&S.b[A].v, 0, VGMP_OBJ_UP, S.now);
	vgmp_tracker_set(&S.b[A].v, 1, VGMP_OBJ_UP, S.now);
	S.b[B].p.standby_device = true;
	sim_enable(A);
	sim_enable(B);
	set_ready(A);
	set_ready(B);
	run_until(4000);
	vgmp_tracker_set(&S.b[A].v, 1, VGMP_OBJ_DOWN, S.now);
	run_until(4100);
	vgmp_tracker_set(&S.b[A].v, 1, VGMP_OBJ_UP, S.now);
	run_until(5000);
	assert_states(VGMP_STATE_ACTIVE, VGMP_STATE_STANDBY);
}

/* A new core for box i as its new process makes it: same params, trackers from the "config"
 * (given in another order, so slots differ), no event yet. */
static void fresh_core(int i, struct vgmp *v, const char *const *names, size_t n)
{
	assert_int_equal(vgmp_init(v, &S.b[i].p, &ops, &S.b[i]), 0);
	for (size_t k = 0; k < n; k++) {
		struct vgmp_tracker_params tp = { 0 };
		snprintf(tp.name, sizeof(tp.name), "%s", names[k]);
		if (strcmp(names[k], "eth1") == 0) {
			tp.hold_down_ms = 500;
			tp.weight = 20;
			snprintf(tp.type, sizeof(tp.type), "interface");
		}
		if (strcmp(names[k], "bfd 1") == 0)
			tp.damp = (struct vgmp_damping){ .penalty = 1000,
							 .suppress = 2500,
							 .reuse = 800,
							 .half_life_ms = 10000 };
		assert_true(vgmp_tracker_add(v, &tp, S.now) >= 0);
	}
}

static struct vgmp_snapshot *decode_ok(json_t *j)
{
	struct vgmp_snapshot *s = calloc(1, sizeof(*s));
	char err[256] = "";
	assert_non_null(s);
	if (vgmp_snapshot_decode(j, s, err, sizeof(err)) != 0)
		fail_msg("decode: %s", err);
	return s;
}

/* Every action the recorder counts, so that a restore can be shown to do none. */
static unsigned actions(const struct box *b)
{
	unsigned sent = 0;
	for (int k = 0; k < VGMP_MSG_MAX; k++)
		sent += b->sent[k];
	return b->hellos + b->reannounces + b->notifies + b->n_ospf + sent;
}

static void test_round_trip(void **state)
{
	pair_running();
	vgmp_tracker_set(&S.b[A].v, 0, VGMP_OBJ_DOWN, S.now); /* within its hold-down */
	run_until(S.now + 100);
	S.b[A].v.ho.yielded_prio = 44990; /* fields the election does not read here */
	S.b[A].v.ho.dead_ms = S.now - 50;
	json_t *j = vgmp_snapshot_encode(&S.b[A].v);
	assert_non_null(j);
	struct vgmp_snapshot *s = decode_ok(j);
	assert_int_equal(s->major, VGMP_SNAPSHOT_MAJOR);
	assert_int_equal(s->minor, VGMP_SNAPSHOT_MINOR);
	assert_int_equal(s->priority, 45010);

	static const char *const names[] = { "bfd 1", "eth1" };
	struct vgmp v;
	fresh_core(A, &v, names, 2);
	unsigned before = actions(&S.b[A]);
	assert_int_equal(vgmp_snapshot_restore(&v, s), 2);
	assert_int_equal(actions(&S.b[A]), before);

	const struct vgmp *o = &S.b[A].v;
	assert_int_equal(v.state, VGMP_STATE_ACTIVE);
	assert_int_equal(v.state, o->state);
	assert_int_equal(v.reason, o->reason);
	assert_int_equal(v.wanted, o->wanted);
	assert_true(v.enabled && v.ready && !v.frozen);
	/* the cost plan goes on (it waits for hrp enable only at a cold start) */
	assert_true(v.enable_known);
	assert_true(v.state_since_ms == o->state_since_ms);
	assert_int_equal(v.cost, o->cost);
	assert_int_equal(v.cost_frr, o->cost_frr);
	assert_memory_equal(&v.peer, &o->peer, sizeof(v.peer));
	assert_memory_equal(&v.ho, &o->ho, sizeof(v.ho));
	assert_memory_equal(&v.c, &o->c, sizeof(v.c));
	assert_int_equal(vgmp_priority(&v), vgmp_priority(o));
	assert_true(vgmp_next_deadline(&v) == vgmp_next_deadline(o)); /* the hold-down's end */
	assert_true(vgmp_next_deadline(&v) == S.now + 400);
	assert_int_equal(vgmp_history_count(&v), vgmp_history_count(o));
	for (size_t i = 0; i < vgmp_history_count(o); i++)
		assert_memory_equal(vgmp_history_get(&v, i), vgmp_history_get(o, i),
				    sizeof(struct vgmp_change));
	assert_int_equal(vgmp_ledger_count(&v.track), vgmp_ledger_count(&o->track));
	for (size_t i = 0; i < vgmp_ledger_count(&o->track); i++)
		assert_memory_equal(vgmp_ledger_get(&v.track, i), vgmp_ledger_get(&o->track, i),
				    sizeof(struct vgmp_ledger_entry));
	/* Trackers by name, whatever their slot. */
	const struct vgmp_tracker *bfd =
		vgmp_track_get(&v.track, vgmp_track_find(&v.track, "bfd 1"));
	assert_int_equal(bfd->flaps, 1);
	assert_int_equal(bfd->penalty, 1000);
	assert_true(bfd->penalty_ms == 4000);
	const struct vgmp_tracker *eth1 =
		vgmp_track_get(&v.track, vgmp_track_find(&v.track, "eth1"));
	assert_int_equal(eth1->raw, VGMP_OBJ_DOWN);
	assert_int_equal(eth1->effective, VGMP_OBJ_UP);
	/* The same JSON again, but for the slots' order of the trackers. */
	json_t *again = vgmp_snapshot_encode(&v);
	json_t *t1 = json_object_get(json_object_get(j, "track"), "trackers");
	json_t *t2 = json_object_get(json_object_get(again, "track"), "trackers");
	assert_true(json_equal(json_array_get(t1, 0), json_array_get(t2, 1)));
	assert_true(json_equal(json_array_get(t1, 1), json_array_get(t2, 0)));
	json_object_del(json_object_get(j, "track"), "trackers");
	json_object_del(json_object_get(again, "track"), "trackers");
	assert_true(json_equal(j, again));
	json_decref(again);
	json_decref(j);
	free(s);
}

/* Older minor versions: the fields they lack take what those versions did. */
static void test_older_minors(void **state)
{
	pair_running();
	S.b[A].v.ho.yielded_prio = 44990;
	S.b[A].v.ho.dead_ms = S.now - 50;
	json_t *j = vgmp_snapshot_encode(&S.b[A].v);
	assert_non_null(j);
	struct vgmp_snapshot *s = decode_ok(j);
	/* A 1.1 snapshot has no yielded_prio: 0, so that any change of priority ends the handover
	 * as it did then. */
	json_object_del(json_object_get(j, "handover"), "yielded_prio");
	json_object_del(json_object_get(j, "handover"), "dead_ms"); /* 1.2 has none: unset */
	free(s);
	s = decode_ok(j);
	assert_int_equal(s->core.ho.yielded_prio, 0);
	assert_int_equal(s->core.ho.dead_ms, 0);
	/* What FRR was seen to have (1.4) goes across; a 1.3 snapshot has none: the plan's level,
	 * which the old process told the peer on. */
	json_object_set_new(j, "ospf_cost", json_string("raised"));
	json_object_set_new(j, "ospf_cost_frr", json_string("unknown"));
	free(s);
	s = decode_ok(j);
	assert_int_equal(s->core.cost, VGMP_COST_RAISED);
	assert_int_equal(s->core.cost_frr, VGMP_COST_UNKNOWN);
	json_object_del(j, "ospf_cost_frr");
	free(s);
	s = decode_ok(j);
	assert_int_equal(s->core.cost_frr, VGMP_COST_RAISED);
	json_decref(j);
	free(s);
}

/* What a run leaves to compare: states, history and OSPF changes of both boxes. */
struct outcome {
	enum vgmp_state st[2];
	uint64_t active_at[2], standby_at[2], history_total[2];
	struct vgmp_change last[2];
	unsigned n_ospf[2], sent[2];
	uint16_t prio[2];
};

static struct outcome outcome(void)
{
	struct outcome out;
	memset(&out, 0, sizeof(out));
	for (int i = 0; i < 2; i++) {
		struct box *b = &S.b[i];
		out.st[i] = b->v.state;
		out.active_at[i] = b->active_at;
		out.standby_at[i] = b->standby_at;
		out.history_total[i] = b->v.history_total;
		out.last[i] = *vgmp_history_get(&b->v, 0);
		out.n_ospf[i] = b->n_ospf;
		out.sent[i] = b->sent[VGMP_MSG_SWITCHOVER];
		out.prio[i] = vgmp_priority(&b->v);
	}
	return out;
}

static void test_restore_resumes_same_decisions(void **state)
{
	static typeof(S) saved;
	pair_running();
	/* eth1 goes down for good: after its 500 ms hold-down fw1 is degraded, asks fw2 to take
	 * over, and fw2 does. The handover is cut in the middle of the hold-down. */
	vgmp_tracker_set(&S.b[A].v, 0, VGMP_OBJ_DOWN, S.now);
	run_until(S.now + 300);
	uint64_t cut = S.now;
	json_t *j = vgmp_snapshot_encode(&S.b[A].v);
	saved = S;

	run_until(cut + 8000); /* the box that ran on */
	struct outcome ran = outcome();
	assert_states(VGMP_STATE_STANDBY, VGMP_STATE_ACTIVE);
	assert_int_equal(ran.sent[A], 1);
	assert_true(ran.standby_at[A] > cut && ran.standby_at[A] < cut + 400);

	S = saved; /* back to the cut: fw1's new process takes over from the snapshot */
	struct vgmp_snapshot *s = decode_ok(j);
	static const char *const names[] = { "eth1", "bfd 1" };
	unsigned before = actions(&S.b[A]);
	fresh_core(A, &S.b[A].v, names, 2);
	assert_int_equal(vgmp_snapshot_restore(&S.b[A].v, s), 2);
	assert_int_equal(actions(&S.b[A]), before);
	run_until(cut + 8000);
	struct outcome restored = outcome();
	assert_memory_equal(&restored, &ran, sizeof(ran));
	free(s);
	json_decref(j);
}

static void test_unknown_fields_skipped(void **state)
{
	pair_running();
	json_t *j = vgmp_snapshot_encode(&S.b[A].v);
	/* What a later minor version might add, at each level. */
	json_object_set_new(j, "minor", json_integer(VGMP_SNAPSHOT_MINOR + 3));
	json_object_set_new(j, "future_top", json_string("x"));
	json_object_set_new(json_object_get(j, "peer"), "future", json_integer(1));
	json_object_set_new(json_object_get(j, "handover"), "future_ms", json_integer(2));
	json_t *track = json_object_get(j, "track");
	json_object_set_new(track, "future", json_true());
	json_object_set_new(json_array_get(json_object_get(track, "trackers"), 0), "future",
			    json_array());
	json_object_set_new(json_array_get(json_object_get(track, "ledger"), 0), "future",
			    json_null());
	json_object_set_new(json_array_get(json_object_get(j, "history"), 0), "future",
			    json_string("y"));
	json_t *counters = json_object_get(j, "counters");
	json_object_set_new(counters, "future_counter", json_integer(9));
	json_object_set_new(json_object_get(counters, "entered"), "future-state", json_integer(9));
	struct vgmp_snapshot *s = decode_ok(j);
	assert_int_equal(s->minor, VGMP_SNAPSHOT_MINOR + 3);
	assert_int_equal(s->core.state, VGMP_STATE_ACTIVE);
	assert_true(s->core.c.transitions == S.b[A].v.c.transitions);
	assert_true(s->core.c.entered[VGMP_STATE_ACTIVE] == 1);
	assert_string_equal(s->core.peer.name, "fw2");
	free(s);
	json_decref(j);
}

static void test_newer_major_refused(void **state)
{
	pair_running();
	json_t *j = vgmp_snapshot_encode(&S.b[A].v);
	struct vgmp_snapshot *s = calloc(1, sizeof(*s));
	char err[256] = "";
	json_object_set_new(j, "major", json_integer(VGMP_SNAPSHOT_MAJOR + 1));
	json_object_set_new(j, "minor", json_integer(0));
	assert_int_equal(vgmp_snapshot_decode(j, s, err, sizeof(err)), -EPROTONOSUPPORT);
	assert_non_null(strstr(err, "snapshot version 2.0 is not readable by this vgmpd "
				    "(reads 1.x): hot restart refused"));
	json_object_set_new(j, "major", json_integer(0));
	assert_int_equal(vgmp_snapshot_decode(j, s, err, sizeof(err)), -EPROTONOSUPPORT);
	json_object_set_new(j, "major", json_integer(VGMP_SNAPSHOT_MAJOR));
	json_object_set_new(j, "format", json_string("vrrpd-snapshot"));
	assert_int_equal(vgmp_snapshot_decode(j, s, err, sizeof(err)), -EPROTONOSUPPORT);
	assert_non_null(strstr(err, "expected 'vgmpd-snapshot'"));
	json_object_del(j, "format");
	assert_int_equal(vgmp_snapshot_decode(j, s, err, sizeof(err)), -EINVAL);
	free(s);
	json_decref(j);
}

/* Each mutation of a good snapshot is refused, and leaves nothing decoded. */
static void test_malformed_refused_whole(void **state)
{
	static const char *const bad[] = {
		"{\"state\": \"bogus\"}",
		"{\"reason\": null}",
		"{\"enabled\": \"yes\"}",
		"{\"recheck_ms\": \"soon\"}",
		"{\"recheck_ms\": -5}",
		"{\"peer\": []}",
		"{\"peer\": {\"state\": \"master\"}}",
		"{\"peer\": {\"priority\": 70000}}",
		"{\"peer\": {\"mode\": \"both\"}}",
		"{\"handover\": {\"result\": \"maybe\"}}",
		"{\"history\": {}}",
		"{\"history_total\": 0}",
		"{\"counters\": {\"transitions\": -1}}",
		"{\"counters\": {\"entered\": {\"active\": \"x\"}}}",
		"{\"track\": {\"trackers\": [{\"type\": \"interface\"}]}}",
		"{\"track\": {\"trackers\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}}",
		"{\"track\": {\"trackers\": [{\"name\": \"a\", \"effective\": \"sideways\"}]}}",
		"{\"track\": {\"ledger_total\": 0}}",
		"{\"track\": {\"ledger\": [{\"cause\": \"boredom\"}], \"ledger_total\": 1}}",
	};
	pair_running();
	json_t *good = vgmp_snapshot_encode(&S.b[A].v);
	struct vgmp_snapshot *s = calloc(1, sizeof(*s)), *zero = calloc(1, sizeof(*s));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = json_deep_copy(good);
		json_t *patch = json_loads(bad[i], 0, NULL);
		assert_non_null(patch);
		const char *key;
		json_t *val;
		json_object_foreach (patch, key, val) {
			json_t *have = json_object_get(j, key);
			/* A nested patch replaces fields inside the object; null deletes. */
			if (json_is_object(val) && json_is_object(have) && json_object_size(val))
				json_object_update(have, val);
			else if (json_is_null(val))
				json_object_del(j, key);
			else
				json_object_set(j, key, val);
		}
		char err[256] = "";
		int r = vgmp_snapshot_decode(j, s, err, sizeof(err));
		if (r != -EINVAL)
			fail_msg("%s: decoded (%d)", bad[i], r);
		assert_non_null(strstr(err, "malformed vgmpd snapshot"));
		assert_memory_equal(s, zero, sizeof(*s));
		json_decref(patch);
		json_decref(j);
	}
	/* Not a snapshot at all. */
	char err[256] = "";
	json_t *junk = json_pack("[i]", 1);
	assert_int_equal(vgmp_snapshot_decode(junk, s, err, sizeof(err)), -EINVAL);
	json_decref(junk);
	free(s);
	free(zero);
	json_decref(good);
}

static void test_trackers_matched_by_name(void **state)
{
	pair_running();
	vgmp_tracker_set(&S.b[A].v, 0, VGMP_OBJ_DOWN, S.now);
	run_until(S.now + 1000); /* eth1 counts as down now */
	assert_int_equal(vgmp_priority(&S.b[A].v), 44990);
	json_t *j = vgmp_snapshot_encode(&S.b[A].v);
	struct vgmp_snapshot *s = decode_ok(j);
	/* The new config: "bfd 1" gone, "eth2" new, eth1 weighs 10 now (was 20). */
	struct vgmp v;
	assert_int_equal(vgmp_init(&v, &S.b[A].p, &ops, &S.b[A]), 0);
	struct vgmp_tracker_params tp = { .weight = 10 };
	snprintf(tp.name, sizeof(tp.name), "eth2");
	int eth2 = vgmp_tracker_add(&v, &tp, S.now);
	snprintf(tp.name, sizeof(tp.name), "eth1");
	int eth1 = vgmp_tracker_add(&v, &tp, S.now);
	assert_int_equal(vgmp_snapshot_restore(&v, s), 1);
	assert_int_equal(vgmp_track_get(&v.track, eth1)->effective, VGMP_OBJ_DOWN);
	assert_int_equal(vgmp_track_get(&v.track, eth2)->raw, VGMP_OBJ_UNKNOWN);
	assert_int_equal(vgmp_priority(&v), 45000);
	assert_true(v.hello_due); /* the peer heard 44990 */
	/* Unchanged weights: nothing to tell. */
	fresh_core(A, &v, (const char *const[]){ "eth1", "bfd 1" }, 2);
	vgmp_snapshot_restore(&v, s);
	assert_int_equal(vgmp_priority(&v), 44990);
	assert_false(v.hello_due);
	free(s);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_older_minors),
		cmocka_unit_test(test_restore_resumes_same_decisions),
		cmocka_unit_test(test_unknown_fields_skipped),
		cmocka_unit_test(test_newer_major_refused),
		cmocka_unit_test(test_malformed_refused_whole),
		cmocka_unit_test(test_trackers_matched_by_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
