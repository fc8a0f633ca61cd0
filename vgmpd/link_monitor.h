/* Interface link state from rtnetlink (libmnl): a dump at start, then every change, delivered
 * through the loop. An interface is up when it is administratively up and has carrier.
 *
 * For the bridge-member trackers, every message can also be handed over whole (port_cb): its
 * master (IFLA_MASTER) and, for a bridge port, its STP state (IFLA_BRPORT_STATE, from the link's
 * IFLA_INFO_SLAVE_DATA or from the bridge's own AF_BRIDGE messages, which the kernel sends on
 * every port state change). An AF_BRIDGE message never counts as the link going up or down: its
 * RTM_DELLINK means that the port left its bridge. */
#ifndef VGMPD_LINK_MONITOR_H
#define VGMPD_LINK_MONITOR_H

#include <stdbool.h>

#include "loop.h"

struct mnl_socket;

typedef void (*vgmpd_link_cb)(const char *ifname, bool up, void *arg);

/* One link message as the bridge-member tracker needs it. */
struct vgmpd_link_port {
	const char *ifname;
	int ifindex;
	bool deleted;     /* RTM_DELLINK: the link is gone (or, bridge_msg, left its bridge) */
	bool bridge_msg;  /* AF_BRIDGE: from the bridge about one of its ports (or itself) */
	bool up;          /* admin up and carrier */
	int master;       /* ifindex of its master; 0: none */
	int state;        /* bridge port state (BR_STATE_*); -1: not a bridge port, or not said */
};
typedef void (*vgmpd_link_port_cb)(const struct vgmpd_link_port *p, void *arg);
/* A dump's last message came. */
typedef void (*vgmpd_link_done_cb)(void *arg);

struct vgmpd_link_monitor {
	struct mnl_socket *sock;
	struct hs_io io;
	vgmpd_link_cb cb;
	vgmpd_link_port_cb port_cb; /* optional; set after open (answers come through the loop) */
	vgmpd_link_done_cb done_cb; /* optional */
	void *arg;
	unsigned long long events, overruns;
	unsigned long long interrupted; /* dumps the kernel marked interrupted: asked again */
	unsigned long long errors;      /* error answers */
	bool dumping;                   /* a dump of ours is under way: one at a time */
	bool redump;                    /* ask for another once it ends */
};

/* Opens (or adopts fd, for a hot restart) the socket, subscribes to link changes and asks for a
 * dump; the dump's answers arrive through cb like any change. 0 or -errno. */
int vgmpd_link_monitor_open(struct vgmpd_link_monitor *m, struct hs_loop *loop, int fd,
			    vgmpd_link_cb cb, void *arg);
/* Asks for the state of every link again (answers through cb); while a dump is under way, once
 * it ends (the kernel runs one dump per socket at a time). 0 or -errno. */
int vgmpd_link_monitor_dump(struct vgmpd_link_monitor *m);
void vgmpd_link_monitor_close(struct vgmpd_link_monitor *m);

#endif
