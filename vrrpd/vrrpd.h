/* vrrpd's run-time objects: a link per (base interface, family) holding the receive socket that
 * all its groups share, and a group per configured VRRP instance wrapping the pure state machine
 * (lib/vrrp_fsm) with its timer, virtual MAC, VIPs and send socket. */
#ifndef VRRPD_VRRPD_H
#define VRRPD_VRRPD_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "daemon.h"
#include "netlink.h"
#include "watch.h"
#include "vrrp_fsm.h"
#include "vrrp_iface.h"
#include "vrrp_letgo.h"
#include "vrrp_snapshot.h"

#define VRRPD_HISTORY 16
/* sd-event priorities (0 is the default): adverts received go first (link.c), taking vMAC links
 * down last (link_down below), after every protocol timer that is due. */
#define VRRPD_RX_PRIORITY        (-10)
#define VRRPD_LINK_DOWN_PRIORITY 10

struct vrrpd;

struct vrrpd_link {
	struct vrrpd *vd;
	struct vrrpd_link *next;
	char ifname[IF_NAMESIZE];
	int ifindex;
	int family;
	int rx_fd;
	struct hs_io io;
	struct vrrp_counters unmatched; /* packets for no group of ours, and undecodable ones */
	uint64_t rx_errors;             /* the socket's errors: no packet read */
};

struct vrrpd_transition {
	uint64_t at_ms; /* monotonic */
	enum vrrp_state old, new_state;
	enum vrrp_reason why;
};

struct vrrpd_group {
	struct vrrpd *vd;
	struct hs_vrrp_group_config cfg; /* a copy: the daemon's config is replaced on reload */
	char prefix[48];                 /* "[lan0 VRID 1 IPv4]" for logs */
	struct vrrpd_link *link;
	struct vrrp_fsm fsm;
	struct hs_timer timer;
	struct hs_timer garp_repeat; /* one more announcement a while after becoming master */
	/* A vMAC link just brought up drops what it is given until the kernel has turned its
	 * carrier on (asynchronously): the first advert and announcement wait for that. With
	 * vmac_backup random-mac the link is running already; only the MAC change waits. */
	bool link_ready;
	bool held_advert, held_announce;
	uint8_t held_priority;
	unsigned link_waits;
	struct hs_timer link_wait;
	/* From becoming master to a vMAC link able to send, the last time (display vrrp). */
	uint64_t vmac_from_us, vmac_ready_us;
	/* A bound master demoted by vgmpd keeps its vMAC link and VIPs until the new master's
	 * advert arrives (or a grace runs out): switches learn the shared vMAC from the last frame
	 * they saw, which may be our own priority-0 advert, so letting go at once would drop what
	 * they still send our way. */
	bool grace;
	enum vrrp_letgo_kind letgo; /* how the grace lets go: hold, then linger (vrrp_letgo.h) */
	struct hs_timer grace_timer;
	/* The same at a graceful stop of an unbound master: its priority-0 advert makes the backup
	 * master at Skew_Time, and until that master's first advert we still forward and answer
	 * for the VIPs, so a planned stop loses nothing (the daemon exits when every group let go). */
	bool stopping;
	struct hs_timer ra_timer; /* router advertisements while master (router_advert) */
	/* Taking a vMAC link down (vmac_backup protodown), or setting a running one's random MAC
	 * back (random-mac), waits in the kernel for an RCU grace period (~15 ms): done from
	 * a timer, one link per turn of the loop, so that a hundred groups stepping down at once
	 * do not keep the adverts waiting in the receive socket (and a full socket drops them). */
	struct hs_timer link_down;
	char vmac_name[IF_NAMESIZE];
	int vmac_ifindex; /* the link VIPs live on and adverts leave from (the base without vMAC) */
	uint8_t vmac[6];
	uint8_t backup_mac[6]; /* the vMAC link's MAC while backup (vmac_backup random-mac) */
	bool vmac_on_link;     /* random-mac: the virtual MAC is the link's now */
	int tx_fd;
	int tx_ifindex; /* where adverts leave: the vMAC link, or the base link for unicast peers */
	bool running;
	/* Not running: what it waits for (lib/vrrp_iface.h); running: VRRP_IFACE_OK. */
	enum vrrp_iface_why iface_why;
	bool started_once;        /* its counters go on across a stop for its interface */
	uint32_t owner_added;     /* an owner without vMAC: the VIPs it added (bit i: vips[i]) */
	uint64_t start_failed_ms; /* the last start that failed (watch.c retries it); 0: none */
	uint64_t encode_errors;   /* adverts not sent: they could not be encoded */
	struct vrrpd_transition history[VRRPD_HISTORY];
	unsigned n_history;
};

struct vrrpd {
	struct hs_daemon *d;
	struct vrrpd_nl nl;
	struct vrrpd_link *links;
	struct vrrpd_group **groups;
	size_t n_groups;
	const char
		*role; /* the VGMP role last applied: initialize, active, standby, load-balance */
	/* While a hot restart's new process starts: the old one's state, groups resume from it. */
	const struct vrrp_snapshot *snap;
	int arp_fd;        /* gratuitous ARPs (socket.h); -errno until opened */
	unsigned stopping; /* groups still in their stop grace (stop.c) */
	bool exiting;      /* a stop was asked: the watch starts and stops nothing more */
	struct vrrpd_watch watch;
};

/* link.c */
struct vrrpd_link *vrrpd_link_get(struct vrrpd *vd, const char *ifname, int family);
void vrrpd_link_release_unused(struct vrrpd *vd);
void vrrpd_links_free(struct vrrpd *vd);

/* group.c */
struct vrrpd_group *vrrpd_group_new(struct vrrpd *vd, const struct hs_vrrp_group_config *cfg);
/* Sets the group up on its interface and starts it, advertising from primary (NULL: none known;
 * a hot restart's group resumes from its snapshot). watch.c decides when: usable. */
int vrrpd_group_start(struct vrrpd_group *g, const struct hs_addr *primary);
/* Its interface went away, down, or lost its address (watch.c): Initialize, its sockets
 * closed, VIPs gone; it starts again once the interface is usable. */
void vrrpd_group_stop_for_interface(struct vrrpd_group *g, enum vrrp_iface_why why);
/* Not running, its interface not usable yet: logged once per reason. */
void vrrpd_group_wait(struct vrrpd_group *g, enum vrrp_iface_why why);
/* Its address changed: adverts leave from the new one. */
void vrrpd_group_readdress(struct vrrpd_group *g, const struct hs_addr *primary);
/* Leaves (priority 0 advert if master), removes VIPs and the vMAC link, frees. */
void vrrpd_group_free(struct vrrpd_group *g);
/* A graceful stop: true when the group, master, sent its priority-0 advert and holds on until
 * the new master speaks; vrrpd_stop_group_done() comes when it let go. */
bool vrrpd_group_stop_begin(struct vrrpd_group *g);
/* Frees without a word on the wire or the kernel: a hot restart's new process owns it all. */
void vrrpd_group_abandon(struct vrrpd_group *g);
/* The group's name for its send socket in a hot restart. */
void vrrpd_group_tx_name(const struct vrrpd_group *g, char *buf, size_t len);
/* The receive socket's name of a link in a hot restart. */
void vrrpd_link_rx_name(char *buf, size_t len, int family, const char *ifname);
void vrrpd_group_receive(struct vrrpd_group *g, const uint8_t *msg, size_t len,
			 const struct vrrp_ipinfo *ip);
/* Applies the VGMP role of the box to a bound group. */
void vrrpd_group_apply_role(struct vrrpd_group *g, const char *role);
/* An advert and gratuitous ARP / NA now, if master (a healed split brain). 1 if sent. */
int vrrpd_group_reannounce(struct vrrpd_group *g);
struct vrrpd_group *vrrpd_group_find(struct vrrpd *vd, int ifindex, int family, int vrid);

/* stop.c */
bool vrrpd_stop_request(struct hs_daemon *d);
void vrrpd_stop_group_done(struct vrrpd *vd);

/* ctl.c */
extern const struct hs_ctl_command vrrpd_commands[];
void vrrpd_status(struct hs_daemon *d, json_t *obj);
void vrrpd_publish(struct vrrpd *vd, const char *event, json_t *data);
json_t *vrrpd_group_id_json(const struct vrrpd_group *g);
const char *vrrpd_state_name(enum vrrp_state s); /* "master": as the control socket says */

#endif
