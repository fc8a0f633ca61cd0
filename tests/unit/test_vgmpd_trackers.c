/* vgmpd's link-dump and vrrpd-event trackers (vgmpd/track_bridge.c, vgmpd/track_vrrp.c) fed by
 * hand: the files are built in here, and the report to the core is a recorder. A bridge member
 * is not judged while a link dump is under way (its port comes before its bridge); an interface
 * tracker whose interface is not in a dump is down; vrrpd's own stop leaves a vrrp tracker
 * unknown, a group that went to Initialize for any other reason is down. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "track_bridge.c"
/* the two files' own static names, apart */
#undef PREFIX
#define evaluate vrrp_evaluate
#include "track_vrrp.c"
#undef evaluate

const struct vgmpd_tracker_ops vgmpd_track_interface_ops = { .type = "interface" };

/* The reports, in order. */
static struct {
	enum vgmp_obj_state s[16];
	unsigned n;
} R;

void vgmpd_tracker_report(struct vgmpd_tracker *k, enum vgmp_obj_state s)
{
	k->reported = s;
	if (R.n < 16)
		R.s[R.n] = s;
	R.n++;
}

static struct vgmpd *new_box(void)
{
	memset(&R, 0, sizeof(R));
	struct vgmpd *g = calloc(1, sizeof(*g));
	assert_non_null(g);
	return g;
}

static struct vgmpd_tracker *add(struct vgmpd *g, int id, const struct vgmpd_tracker_ops *ops,
				 const struct hs_vgmp_tracker_config *cfg)
{
	struct vgmpd_tracker *k = calloc(1, sizeof(*k));
	assert_non_null(k);
	*k = (struct vgmpd_tracker){
		.g = g, .ops = ops, .id = id, .cfg = *cfg, .reported = VGMP_OBJ_UNKNOWN
	};
	g->trk[id] = k;
	return k;
}

static void free_box(struct vgmpd *g)
{
	for (int id = 0; id < VGMP_TRACKERS_MAX; id++)
		free(g->trk[id]);
	free(g);
}

static void link_msg(struct vgmpd *g, const char *name, int ifindex, int master, int state)
{
	struct vgmpd_link_port p = {
		.ifname = name, .ifindex = ifindex, .up = true, .master = master, .state = state
	};
	vgmpd_trackers_port(g, &p);
}

/* A dump lists eth1 (ifindex 2, enslaved to 5) before br0 (5): no verdict until its end, and
 * then up. The fix's absence reported eth1 down at its own message. */
static void test_bridge_member_judged_at_dump_end(void **state)
{
	struct vgmpd *g = new_box();
	struct hs_vgmp_tracker_config c = { .type = HS_TRACK_BRIDGE_MEMBER };
	snprintf(c.bridge, sizeof(c.bridge), "br0");
	snprintf(c.port, sizeof(c.port), "eth1");
	struct vgmpd_tracker *k = add(g, 0, &vgmpd_track_bridge_ops, &c);
	assert_int_equal(bridge_start(k), 0);
	g->links.dumping = true;
	link_msg(g, "eth1", 2, 5, BR_STATE_FORWARDING);
	link_msg(g, "br0", 5, 0, -1);
	assert_int_equal(R.n, 0);
	g->links.dumping = false;
	vgmpd_trackers_dump_done(g);
	assert_int_equal(R.n, 1);
	assert_int_equal(R.s[0], VGMP_OBJ_UP);
	/* Outside a dump a change counts at once. */
	link_msg(g, "eth1", 2, 5, BR_STATE_BLOCKING);
	assert_int_equal(R.n, 2);
	assert_int_equal(R.s[1], VGMP_OBJ_DOWN);
	/* A port that no dump shows is down at the end of one. */
	struct hs_vgmp_tracker_config d = c;
	snprintf(d.port, sizeof(d.port), "eth9");
	struct vgmpd_tracker *k2 = add(g, 1, &vgmpd_track_bridge_ops, &d);
	assert_int_equal(bridge_start(k2), 0);
	vgmpd_trackers_dump_done(g);
	assert_int_equal(k2->reported, VGMP_OBJ_DOWN);
	free_box(g);
}

/* An interface tracker still unknown at a dump's end has no interface: down, not up for ever.
 * One the dump showed keeps its state. */
static void test_interface_missing_is_down(void **state)
{
	struct vgmpd *g = new_box();
	struct hs_vgmp_tracker_config c = { .type = HS_TRACK_INTERFACE };
	snprintf(c.interface, sizeof(c.interface), "nosuch0");
	struct vgmpd_tracker *missing = add(g, 0, &vgmpd_track_interface_ops, &c);
	snprintf(c.interface, sizeof(c.interface), "up0");
	struct vgmpd_tracker *seen = add(g, 1, &vgmpd_track_interface_ops, &c);
	seen->reported = VGMP_OBJ_UP;
	vgmpd_trackers_dump_done(g);
	assert_int_equal(missing->reported, VGMP_OBJ_DOWN);
	assert_int_equal(seen->reported, VGMP_OBJ_UP);
	assert_int_equal(R.n, 1);
	free_box(g);
}

static void vrrp_event(struct vgmpd *g, const char *new_state, const char *reason)
{
	json_t *ev =
		json_pack("{s:s, s:i, s:s, s:s, s:s}", "interface", "lan0", "vrid", 7, "family",
			  hs_family_name(HS_FAMILY_IPV4), "new", new_state, "reason", reason);
	vgmpd_trackers_vrrp_event(g, ev);
	json_decref(ev);
}

/* vrrpd stopping publishes Initialize (shutdown) before its socket closes: unknown, which costs
 * nothing, so stopping vrrpd on the active does not move the role. Initialize for another
 * reason (its interface went away) is a fault. */
static void test_vrrp_stop_is_unknown(void **state)
{
	struct vgmpd *g = new_box();
	struct hs_vgmp_tracker_config c = { .type = HS_TRACK_VRRP };
	c.vrid = 7;
	c.family = HS_FAMILY_IPV4;
	snprintf(c.interface, sizeof(c.interface), "lan0");
	struct vgmpd_tracker *k = add(g, 0, &vgmpd_track_vrrp_ops, &c);
	k->u.vrrp = (struct vgmpd_vrrp){ .seen = VGMPD_VRRP_UNKNOWN, .link = VGMP_OBJ_UP };
	vrrp_event(g, "Master", "vgmp");
	assert_int_equal(k->reported, VGMP_OBJ_UP);
	vrrp_event(g, "Initialize", "shutdown");
	assert_int_equal(k->reported, VGMP_OBJ_UNKNOWN);
	assert_int_equal(k->u.vrrp.seen, VGMPD_VRRP_UNKNOWN);
	vrrp_event(g, "Backup", "startup");
	assert_int_equal(k->reported, VGMP_OBJ_UP);
	vrrp_event(g, "Initialize", "interface");
	assert_int_equal(k->reported, VGMP_OBJ_DOWN);
	assert_int_equal(k->u.vrrp.events, 4);
	free_box(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bridge_member_judged_at_dump_end),
		cmocka_unit_test(test_interface_missing_is_down),
		cmocka_unit_test(test_vrrp_stop_is_unknown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
