/* vgmpd's trackers: the objects whose state costs priority, built from the config (`trackers`
 * and the `track_interfaces` shorthand). Each type is an ops table in a file of its own
 * (interface: link_monitor.c through trackers.c, icmp: track_icmp.c, script: track_script.c,
 * ospf-neighbor: track_ospf.c, vrrp: track_vrrp.c, bridge-member: track_bridge.c);
 * each reports up / down to the pure core (vgmp_track via vgmp_tracker_set), where hold-down,
 * damping, weights and the ledger apply. */
#ifndef VGMPD_TRACKERS_H
#define VGMPD_TRACKERS_H

#include <jansson.h>
#include <stdbool.h>

#include "child.h"
#include "config.h"
#include "link_monitor.h"
#include "loop.h"
#include "vgmp_ospf_nbr.h"
#include "vgmp_probe.h"
#include "vgmp_track.h"

struct vgmpd;
struct vgmpd_tracker;

struct vgmpd_tracker_ops {
	const char *type;
	/* Opens what it needs; the first report may come later. 0 or -errno. */
	int (*start)(struct vgmpd_tracker *k);
	void (*stop)(struct vgmpd_tracker *k);
	/* Adds its own fields (target, counters, ...) to its status object. */
	void (*status)(const struct vgmpd_tracker *k, json_t *obj);
};

struct vgmpd_icmp {
	int fd;
	bool raw, ipv6;
	struct hs_addr target;
	uint16_t id;
	struct vgmp_probe probe;
	struct hs_io io;
	struct hs_timer timer;
	unsigned long long drops[VGMP_ICMP_DROP_MAX], other_source, send_errors;
};

struct vgmpd_script {
	struct vgmpd_child child;
	struct hs_timer timer;
	int last_status; /* -1: none yet */
	unsigned long long runs, ups, downs, timeouts, spawn_errors;
};

/* vtysh's stdout, read while it runs (track_ospf.c). */
struct vgmpd_ospf_nbr_probe {
	pid_t pid; /* 0: none running */
	int pidfd, out;
	bool timed_out;
	struct hs_io pid_io, out_io;
	struct hs_timer timer, kill_timer;
	char *buf;
	size_t len, cap;
	struct vgmp_ospf_nbr last;
	unsigned fails_in_row; /* probe failures since the last answer (vgmp_ospf_nbr_run) */
	unsigned long long runs, ups, downs, failures, timeouts, unreadable;
};

struct vgmpd_vrrp_answer;
/* The group's state as vrrpd says (track_vrrp.c). */
enum vgmpd_vrrp_seen {
	VGMPD_VRRP_UNKNOWN, /* vrrpd not connected, or no answer yet */
	VGMPD_VRRP_ABSENT,  /* vrrpd has no such group */
	VGMPD_VRRP_INIT,    /* Initialize, or not running */
	VGMPD_VRRP_BACKUP,
	VGMPD_VRRP_MASTER,
	VGMPD_VRRP_SEEN_MAX,
};

struct vgmpd_vrrp {
	struct hs_timer timer;
	struct vgmpd_vrrp_answer *pending; /* a status request out */
	enum vgmpd_vrrp_seen seen;
	enum vgmp_obj_state link; /* the group's interface (link monitor) */
	unsigned long long polls, answers, events;
};

struct vgmpd_bridge {
	int bridge_ifindex; /* 0: no such bridge (yet) */
	bool port_seen;     /* a message about the port came */
	bool port_up;       /* admin up and carrier */
	int port_ifindex, port_master, port_state; /* state: BR_STATE_*, -1 none */
	unsigned long long messages;
};

struct vgmpd_tracker {
	struct vgmpd *g;
	const struct vgmpd_tracker_ops *ops;
	int id; /* in the core */
	char name[VGMP_TRACKER_NAME_MAX];
	struct hs_vgmp_tracker_config cfg; /* a copy: runs on across a reload that keeps it */
	enum vgmp_obj_state reported;
	union {
		struct vgmpd_icmp icmp;
		struct vgmpd_script script;
		struct vgmpd_ospf_nbr_probe ospf;
		struct vgmpd_vrrp vrrp;
		struct vgmpd_bridge bridge;
	} u;
};

extern const struct vgmpd_tracker_ops vgmpd_track_interface_ops;
extern const struct vgmpd_tracker_ops vgmpd_track_icmp_ops;
extern const struct vgmpd_tracker_ops vgmpd_track_script_ops;
extern const struct vgmpd_tracker_ops vgmpd_track_ospf_ops;
extern const struct vgmpd_tracker_ops vgmpd_track_vrrp_ops;
extern const struct vgmpd_tracker_ops vgmpd_track_bridge_ops;

/* Makes the running set match the config: a tracker whose settings are unchanged keeps its
 * state; the others are removed, added and started. Returns how many trackers were added whose
 * state comes from a link dump (interface, vrrp, bridge-member). */
int vgmpd_trackers_sync(struct vgmpd *g, const struct hs_vgmpd_config *c, uint64_t now);
void vgmpd_trackers_free(struct vgmpd *g);
/* A link changed: every interface tracker on it reports (and vrrp trackers of its groups). */
void vgmpd_trackers_link(struct vgmpd *g, const char *ifname, bool up);
/* track_bridge.c: a link or bridge port message; the end of a link dump. */
void vgmpd_trackers_port(struct vgmpd *g, const struct vgmpd_link_port *p);
/* Hands the link monitor's port messages and dump ends to the above (after it is opened). */
void vgmpd_trackers_watch_ports(struct vgmpd *g);
void vgmpd_trackers_dump_done(struct vgmpd *g);
/* track_vrrp.c: vrrpd's `vrrp-state` event; the link to vrrpd came up or went down. */
void vgmpd_trackers_vrrp_event(struct vgmpd *g, json_t *data);
void vgmpd_trackers_vrrp_link(struct vgmpd *g, bool up);
void vgmpd_track_vrrp_link(struct vgmpd_tracker *k, bool up);
/* A tracker's report, to the core. */
void vgmpd_tracker_report(struct vgmpd_tracker *k, enum vgmp_obj_state s);
/* The runtime tracker of a core id, or NULL. */
const struct vgmpd_tracker *vgmpd_tracker_of(const struct vgmpd *g, int id);

#endif
