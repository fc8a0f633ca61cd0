/* vgmpd's run-time state: the pure VGMP election (lib/vgmp_fsm) and what feeds it and carries out
 * its decisions: hrpd (the peer's payload, requests, peer up/down), vrrpd (the roles of the bound
 * groups, re-announcements, the peer's adverts), rtnetlink (tracked interfaces) and FRR (the OSPF
 * cost). */
#ifndef VGMPD_VGMPD_H
#define VGMPD_VGMPD_H

#include "ctl_link.h"
#include "daemon.h"
#include "link_monitor.h"
#include "notify.h"
#include "ospf.h"
#include "stop.h"
#include "trackers.h"
#include "vgmp_fsm.h"

#define VGMPD_HEARD_MAX 256 /* bound groups told apart; more share the last slot */

struct vgmpd {
	struct hs_daemon *d;
	struct vgmp v;
	struct hs_timer timer;
	struct hs_timer silent_recheck; /* silent.c: asks hrpd again (silence, or its verdict) */
	struct hs_ctl_link *hrpd;
	struct hs_timer hrpd_gone;  /* hrpd_gone.c: hrpd away for its dead time */
	struct hs_timer hrpd_mute;  /* hrpd_gone.c: a status request unanswered that long */
	struct hs_timer hrpd_reask; /* hrpd_gone.c: its verdict on the peer, once it speaks */
	uint32_t hrpd_dead_ms;      /* hrpd's dead time, from its status */
	/* status requests hrpd left unanswered that long */
	unsigned long long hrpd_mute_count;
	struct hs_ctl_link *vrrpd;
	struct vgmpd_link_monitor links;
	struct vgmpd_ospf ospf;
	struct vgmpd_tracker *trk[VGMP_TRACKERS_MAX]; /* by core id */
	struct vgmpd_notify notify;
	bool was_degraded; /* for the `fault` hooks */
	bool request_lost_due; /* our request could not even be handed to hrpd */
	/* vgmpd_stop(): the links' pending answers come as NULL, ignored */
	bool closing;
	struct vgmpd_stop stop;
	unsigned long long payloads_sent, requests_sent, roles_sent, peer_events;
	unsigned long long peer_unreadable; /* a payload or request from hrpd we cannot read */
	/* peers.c: per bound backup group, whether vrrpd last reported the master heard; the
	 * peer advertises while any of them hears it (one LAN cut leaves the others) */
	struct vgmpd_heard {
		char ifname[16];
		uint8_t vrid, family;
		bool heard;
	} heard[VGMPD_HEARD_MAX];
	size_t n_heard;
};

/* peers.c: the links to hrpd and vrrpd, and the core's ops. */
extern const struct vgmp_ops vgmpd_core_ops;
int vgmpd_peers_open(struct vgmpd *g);
void vgmpd_peers_close(struct vgmpd *g);
/* After every call into the core: arm its one timer (and see whether a stop may end). */
void vgmpd_rearm(struct vgmpd *g);
/* Our payload to hrpd, our role to vrrpd; cb (may be NULL) gets the answer, or NULL when the
 * link goes down first. 0, or -ENOTCONN / -ENOMEM: cb is then never called. */
int vgmpd_push_payload(struct vgmpd *g, bool urgent, hs_ctl_answer_cb cb, void *arg);
int vgmpd_push_role(struct vgmpd *g, enum vgmp_state s, hs_ctl_answer_cb cb, void *arg);
/* hrpd's status: what it knows of the peer (and of session sync), fed to the core. */
void vgmpd_hrpd_status_answer(json_t *resp, void *arg);

/* silent.c: master-down on a bound group: ask hrpd how long the peer has been silent. */
void vgmpd_silent_master_down(struct vgmpd *g);
void vgmpd_silent_init(struct vgmpd *g);
void vgmpd_silent_free(struct vgmpd *g);

/* hrpd_gone.c: our hrpd away for its dead time takes the peer as dead (vgmp_peer_unreachable).
 * lost/back: the link to hrpd went down / came up; dead_time: hrpd's status' dead_time_ms;
 * asked: a status request that matters (the adverts are gone) is out; answered: hrpd spoke
 * (an answer or an event), and while the peer is unreachable its status is asked again. */
void vgmpd_hrpd_gone_init(struct vgmpd *g);
void vgmpd_hrpd_gone_free(struct vgmpd *g);
void vgmpd_hrpd_lost(struct vgmpd *g);
void vgmpd_hrpd_back(struct vgmpd *g);
void vgmpd_hrpd_dead_time(struct vgmpd *g, const json_t *ms);
void vgmpd_hrpd_asked(struct vgmpd *g);
void vgmpd_hrpd_answered(struct vgmpd *g);

/* hot.c: hot restart (doc/hot-restart.md). The old side's two ops; the new side decodes the
 * snapshot before anything is opened (refusing with d->apply_error set), and restores the core
 * and its own counters without any action once the trackers exist. */
struct vgmp_snapshot;
json_t *vgmpd_hot_snapshot(struct hs_daemon *d);
int vgmpd_hot_fds(struct hs_daemon *d, struct hs_fdset *out);
int vgmpd_hot_decode(struct hs_daemon *d, struct vgmp_snapshot **out);
void vgmpd_hot_restore(struct vgmpd *g, const struct vgmp_snapshot *s, const json_t *state);

/* ctl.c */
extern const struct hs_ctl_command vgmpd_commands[];
void vgmpd_status(struct hs_daemon *d, json_t *obj);

#endif
