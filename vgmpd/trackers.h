/* vgmpd's trackers: the objects whose state costs priority, built from the config (`trackers`
 * and the `track_interfaces` shorthand). Each type is an ops table in a file of its own
 * (interface: link_monitor.c through trackers.c, icmp: track_icmp.c, script: track_script.c);
 * each reports up / down to the pure core (vgmp_track via vgmp_tracker_set), where hold-down,
 * damping, weights and the ledger apply. */
#ifndef VGMPD_TRACKERS_H
#define VGMPD_TRACKERS_H

#include <jansson.h>
#include <stdbool.h>

#include "child.h"
#include "config.h"
#include "loop.h"
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
	} u;
};

extern const struct vgmpd_tracker_ops vgmpd_track_interface_ops;
extern const struct vgmpd_tracker_ops vgmpd_track_icmp_ops;
extern const struct vgmpd_tracker_ops vgmpd_track_script_ops;

/* Makes the running set match the config: a tracker whose settings are unchanged keeps its
 * state; the others are removed, added and started. Returns how many interface trackers were
 * added (their state comes from a link dump). */
int vgmpd_trackers_sync(struct vgmpd *g, const struct hs_vgmpd_config *c, uint64_t now);
void vgmpd_trackers_free(struct vgmpd *g);
/* A link changed: every interface tracker on it reports. */
void vgmpd_trackers_link(struct vgmpd *g, const char *ifname, bool up);
/* A tracker's report, to the core. */
void vgmpd_tracker_report(struct vgmpd_tracker *k, enum vgmp_obj_state s);
/* The runtime tracker of a core id, or NULL. */
const struct vgmpd_tracker *vgmpd_tracker_of(const struct vgmpd *g, int id);

#endif
