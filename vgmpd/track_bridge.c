/* Bridge member tracker (VLAN / bridge member ports): up while `port` is enslaved to `bridge`,
 * admin up with carrier, and in STP state forwarding. Everything comes from the link monitor
 * (link_monitor.c): IFLA_MASTER and the port's IFLA_BRPORT_STATE in ordinary link messages (the
 * dump at start), and the bridge's own AF_BRIDGE messages on every port state change (STP, a
 * `bridge link set ... state`, carrier loss: the bridge disables the port). While a dump is under
 * way nothing is judged (a port's message comes before its bridge's); at its end every tracker
 * is, and a port or bridge that does not exist then is down. So is an interface tracker's
 * interface (trackers.c) that the dump did not show.
 *
 * Port states (linux/if_bridge.h, IEEE 802.1D 8.4): disabled 0, listening 1, learning 2,
 * forwarding 3, blocking 4. Only forwarding passes traffic, so only forwarding is up. */
#include <linux/if_bridge.h>
#include <string.h>

#include "log.h"
#include "trackers.h"
#include "vgmpd.h"

#define PREFIX "[track-bridge]"

static const char *port_state_name(int s)
{
	static const char *const names[] = {
		[BR_STATE_DISABLED] = "disabled", [BR_STATE_LISTENING] = "listening",
		[BR_STATE_LEARNING] = "learning", [BR_STATE_FORWARDING] = "forwarding",
		[BR_STATE_BLOCKING] = "blocking",
	};
	return s >= 0 && s <= BR_STATE_BLOCKING ? names[s] : "none";
}

static bool member_up(const struct vgmpd_bridge *b)
{
	return b->bridge_ifindex > 0 && b->port_up && b->port_master == b->bridge_ifindex &&
	       b->port_state == BR_STATE_FORWARDING;
}

static void evaluate(struct vgmpd_tracker *k)
{
	vgmpd_tracker_report(k, member_up(&k->u.bridge) ? VGMP_OBJ_UP : VGMP_OBJ_DOWN);
}

/* One message, for one tracker: true if it spoke of its bridge or its port. */
static bool apply(struct vgmpd_bridge *b, const struct hs_vgmp_tracker_config *c,
		  const struct vgmpd_link_port *p)
{
	bool mine = false;
	if (!p->bridge_msg && strcmp(p->ifname, c->bridge) == 0) {
		b->bridge_ifindex = p->deleted ? 0 : p->ifindex;
		mine = true;
	}
	if (strcmp(p->ifname, c->port) == 0) {
		b->port_seen = true;
		if (p->bridge_msg) {
			/* The bridge about its port: a deletion means it left the bridge. The
			 * bridge's message about itself (no state) says nothing of the port. */
			if (p->deleted) {
				b->port_master = 0;
				b->port_state = -1;
			} else if (p->state >= 0) {
				b->port_master = p->master;
				b->port_state = p->state;
				b->port_up = p->up;
			}
		} else {
			b->port_ifindex = p->deleted ? 0 : p->ifindex;
			b->port_up = !p->deleted && p->up;
			b->port_master = p->deleted ? 0 : p->master;
			b->port_state = p->deleted ? -1 : p->state;
		}
		mine = true;
	}
	if (mine)
		b->messages++;
	return mine;
}

void vgmpd_trackers_port(struct vgmpd *g, const struct vgmpd_link_port *p)
{
	for (int id = 0; id < VGMP_TRACKERS_MAX; id++) {
		struct vgmpd_tracker *k = g->trk[id];
		/* Mid dump the picture is half there: a port comes before its bridge (ifindex
		 * order) and looked enslaved to nothing, a false down. Judged at the dump's end. */
		if (k && k->ops == &vgmpd_track_bridge_ops && apply(&k->u.bridge, &k->cfg, p) &&
		    k->u.bridge.port_seen && !g->links.dumping)
			evaluate(k);
	}
}

void vgmpd_trackers_dump_done(struct vgmpd *g)
{
	for (int id = 0; id < VGMP_TRACKERS_MAX; id++) {
		struct vgmpd_tracker *k = g->trk[id];
		if (!k)
			continue;
		/* Whole now; not in the dump: it does not exist, so down. */
		if (k->ops == &vgmpd_track_bridge_ops) {
			k->u.bridge.port_seen = true;
			evaluate(k);
		} else if (k->ops == &vgmpd_track_vrrp_ops && k->u.vrrp.link == VGMP_OBJ_UNKNOWN) {
			vgmpd_track_vrrp_link(k, false);
		} else if (k->ops == &vgmpd_track_interface_ops &&
			   k->reported == VGMP_OBJ_UNKNOWN) {
			/* A mistyped or missing interface would otherwise count as up for ever. */
			hs_warn(PREFIX, "interface %s: not in the link dump: down",
				k->cfg.interface);
			vgmpd_tracker_report(k, VGMP_OBJ_DOWN);
		}
	}
}

static void port_msg(const struct vgmpd_link_port *p, void *arg)
{
	vgmpd_trackers_port(arg, p);
}

static void dumped(void *arg)
{
	vgmpd_trackers_dump_done(arg);
}

void vgmpd_trackers_watch_ports(struct vgmpd *g)
{
	g->links.port_cb = port_msg;
	g->links.done_cb = dumped;
}

static int bridge_start(struct vgmpd_tracker *k)
{
	k->u.bridge = (struct vgmpd_bridge){ .port_state = -1 };
	/* The state comes with the next link dump (vgmpd asks for one when such a tracker is
	 * added). */
	return 0;
}

static void bridge_stop(struct vgmpd_tracker *k)
{
}

static void bridge_status(const struct vgmpd_tracker *k, json_t *obj)
{
	const struct vgmpd_bridge *b = &k->u.bridge;
	json_object_set_new(
		obj, "bridge_member",
		json_pack("{s:s, s:s, s:b, s:b, s:b, s:b, s:s, s:I}", "bridge", k->cfg.bridge,
			  "port", k->cfg.port, "bridge_exists", b->bridge_ifindex > 0,
			  "port_exists", b->port_ifindex > 0, "enslaved",
			  b->bridge_ifindex > 0 && b->port_master == b->bridge_ifindex, "carrier",
			  b->port_up, "port_state", port_state_name(b->port_state), "messages",
			  (json_int_t)b->messages));
}

const struct vgmpd_tracker_ops vgmpd_track_bridge_ops = {
	.type = "bridge-member",
	.start = bridge_start,
	.stop = bridge_stop,
	.status = bridge_status,
};
