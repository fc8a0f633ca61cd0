/* VRRP state machine of one group (VRID, family, interface): Initialize, Backup, Master.
 *
 * Pure: the daemon feeds it events with the current time (milliseconds of a monotonic clock) and
 * implements its actions in an ops table (send an advert, VIPs up / down, gratuitous ARP / NA,
 * notify, report to vgmpd). Timers are absolute deadlines in struct vrrp_timers; the daemon arms
 * one timer at vrrp_fsm_next_deadline() and calls vrrp_fsm_timer() when it fires.
 *
 * Two tables in vrrp_fsm.c, one cell per state x event:
 * - unbound groups (vgmp = none) run RFC 5798 section 6.4 (RFC 3768 6.4 for v2), with these
 *   additions: preempt delay, split-brain healing (a master that hears a lower-priority master
 *   re-announces with advert + gratuitous ARP / NA at once), address-list mismatch counted and
 *   reported but not dropped;
 * - bound groups (vgmp = active / standby, Huawei's binding) change state only through
 *   vrrp_fsm_set_role(), called on vgmpd's decision. The master still advertises on its timer; a
 *   master-down timeout or another master's advert is reported through ops->report_to_vgmp and
 *   changes nothing. The advertised priority is derived from the role: VRRP_PRIO_BOUND_MASTER as
 *   master (every RFC peer defers to it; only an address owner would not, and an owner cannot be
 *   bound), VRRP_PRIO_BOUND_BACKUP otherwise (never sent; used for skew time and display).
 *
 * Every state change goes through one function, which runs the exit and entry actions, counts it
 * and calls ops->notify(old, new, reason); the daemon logs `old -> new (reason)`.
 *
 * RFC 5798 (VRRPv3) section 6, RFC 3768 (VRRPv2) section 6. */
#ifndef HS_VRRP_FSM_H
#define HS_VRRP_FSM_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "vrrp_packet.h"

#define VRRP_NEVER             UINT64_MAX /* a disarmed timer */
#define VRRP_PRIO_BOUND_MASTER 254
/* Never sent: it sets only the skew, and a bound group has one backup, the peer's standby, with
 * no other backup to defer to, so the shortest skew short of the master's 254. */
#define VRRP_PRIO_BOUND_BACKUP 253
/* A Master_Down_Timer this late (or a whole Master_Down_Interval, if longer) was a stall of this
 * process, not the master's silence: the backup listens again (counters.stalls). */
#define VRRP_STALL_MIN_MS 250

enum vrrp_state {
	VRRP_STATE_INIT,
	VRRP_STATE_BACKUP,
	VRRP_STATE_MASTER,
	VRRP_STATE_MAX,
	VRRP_STATE_INVALID = -1,
};

enum vrrp_event {
	VRRP_EV_STARTUP,
	VRRP_EV_SHUTDOWN,
	VRRP_EV_ADVER_TIMER,
	VRRP_EV_MASTER_DOWN_TIMER,
	VRRP_EV_ADVERT,      /* an advert that passed every receive check */
	VRRP_EV_ROLE_MASTER, /* bound groups: vgmpd says master */
	VRRP_EV_ROLE_BACKUP, /* bound groups: vgmpd says backup */
	VRRP_EV_MAX,
	VRRP_EV_INVALID = -1,
};

/* Why the state changed (notify) or was asked to change (set_role). */
enum vrrp_reason {
	VRRP_REASON_NONE,
	VRRP_REASON_STARTUP,
	VRRP_REASON_OWNER, /* startup as the address owner (priority 255) */
	VRRP_REASON_SHUTDOWN,
	VRRP_REASON_MASTER_DOWN,     /* no advert for Master_Down_Interval */
	VRRP_REASON_MASTER_RESIGNED, /* the master sent priority 0; Skew_Time passed */
	VRRP_REASON_PREEMPT,         /* we outrank the master and preempt (adverts discarded) */
	VRRP_REASON_HIGHER_PRIORITY, /* an advert with a higher priority */
	VRRP_REASON_HIGHER_ADDRESS,  /* an advert with our priority from a higher primary address */
	VRRP_REASON_VGMP,            /* vgmpd's decision (bound groups) */
	VRRP_REASON_INTERFACE,       /* its interface went down, away, or lost its address */
	VRRP_REASON_MAX,
	VRRP_REASON_INVALID = -1,
};

enum vrrp_role {
	VRRP_ROLE_BACKUP,
	VRRP_ROLE_MASTER,
	VRRP_ROLE_MAX,
	VRRP_ROLE_INVALID = -1,
};

/* What a bound group reports to vgmpd instead of acting on it. */
enum vrrp_vgmp_event {
	VRRP_VGMP_MASTER_DOWN,   /* backup: no advert for Master_Down_Interval (repeats each one) */
	VRRP_VGMP_HIGHER_MASTER, /* master: an advert that would make an RFC router backup */
	VRRP_VGMP_LOWER_MASTER,  /* master: a lower-priority master (we re-announced at once) */
	/* backup: the master's first advert since we became backup or reported master-down (the
	 * peer still advertises: vgmpd's split-brain policy needs to know) */
	VRRP_VGMP_MASTER_HEARD,
	VRRP_VGMP_EV_MAX,
	VRRP_VGMP_EV_INVALID = -1,
};

/* A group's settings, copied into the FSM at init. */
struct vrrp_params {
	uint8_t vrid;         /* 1-255 */
	uint8_t version;      /* 2 or 3; 2 is IPv4 only */
	int family;           /* AF_INET or AF_INET6 */
	uint8_t priority;     /* 1-254; 255 = address owner (not with a binding) */
	uint16_t interval_cs; /* v3: 1-4095; v2: 100-25500 in whole seconds */
	bool preempt;         /* ignored by an owner, which always preempts, and by bound groups */
	uint32_t preempt_delay_ms;
	bool accept; /* accept mode: no effect here; see vrrp_fsm_accepts() */
	int binding; /* enum hs_vgmp_binding: HS_BIND_NONE is plain RFC 5798 */
	enum vrrp_cksum_mode cksum;
	struct hs_addr primary; /* our address on the link: the advert source and the tie-breaker;
				 * family 0 while unknown (we then lose every tie) */
	size_t n_vips;          /* 1-HS_VRRP_VIPS_MAX, all of the group's family; sent in this
				 * order, so an IPv6 group sends the RFC 5798 5.2.9 form (virtual
				 * link-local first) only if configured that way */
	struct hs_addr vips[HS_VRRP_VIPS_MAX];
};

struct vrrp_timers {
	uint64_t adver_ms;       /* Master: next advert */
	uint64_t master_down_ms; /* Backup: the master is declared down */
	/* Backup with preempt delay: when a lower-priority master may be preempted; informational
	 * (display): no event fires, the next advert after it is compared with now. */
	uint64_t preempt_ms;
};

struct vrrp_fsm;

/* Every member is required. The FSM passes itself; f->ctx is the daemon's pointer. During a state
 * change f->state is already the new state; the order is: the cell's own actions (e.g. the
 * priority-0 advert of a shutdown), set_vips(false) when leaving Master, then on entering Master
 * set_vips(true), send_advert, announce; notify comes last. */
struct vrrp_fsm_ops {
	/* Send one advert with this priority (0 when leaving) to the group's destinations; the
	 * daemon encodes it with vrrp_fsm_encode_advert(). */
	void (*send_advert)(struct vrrp_fsm *f, uint8_t priority);
	/* true: VIPs (and the vMAC) up, the group answers for them; false: down. */
	void (*set_vips)(struct vrrp_fsm *f, bool active);
	/* Gratuitous ARP (IPv4) / unsolicited NA with the router flag (IPv6) for every VIP. */
	void (*announce)(struct vrrp_fsm *f);
	/* The state changed; the daemon logs `old -> new (reason)`. */
	void (*notify)(struct vrrp_fsm *f, enum vrrp_state old, enum vrrp_state new_state,
		       enum vrrp_reason why);
	/* Bound groups only: something vgmpd decides about. */
	void (*report_to_vgmp)(struct vrrp_fsm *f, enum vrrp_vgmp_event ev);
	/* An accepted advert's address list differs from ours (RFC 5798 7.1: log, do not drop). */
	void (*addr_mismatch)(struct vrrp_fsm *f, const struct vrrp_advert *adv,
			      const struct hs_addr *src);
};

struct vrrp_fsm {
	struct vrrp_params p;
	const struct vrrp_fsm_ops *ops;
	void *ctx;
	enum vrrp_state state;
	enum vrrp_role role;               /* bound: last role from vgmpd (backup at first) */
	uint16_t master_adver_interval_cs; /* the master's interval (v3 backups adopt it) */
	struct hs_addr master_addr;        /* last master heard (ourselves when Master) */
	uint8_t master_priority;
	enum vrrp_reason master_down_cause; /* reason if the master-down timer fires */
	struct vrrp_timers t;
	uint64_t last_heal_ms; /* split-brain re-announcement, one per interval */
	uint64_t last_report_ms[VRRP_VGMP_EV_MAX]; /* bound: one report of a kind per interval */
	bool heard_reported; /* bound backup: master-heard sent, no master-down since */
	struct vrrp_counters counters;
};

const char *vrrp_state_name(enum vrrp_state s);
const char *vrrp_event_name(enum vrrp_event e);
const char *vrrp_reason_name(enum vrrp_reason r);
const char *vrrp_role_name(enum vrrp_role r);
const char *vrrp_vgmp_event_name(enum vrrp_vgmp_event e);

/* RFC 5798 6.1: Skew_Time = ((256 - priority) * Master_Adver_Interval) / 256 centiseconds.
 * v2 (RFC 3768 6.1): (256 - priority) / 256 seconds, whatever the interval. */
unsigned vrrp_skew_cs(int version, uint8_t priority, uint16_t master_interval_cs);
/* Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time, centiseconds. */
unsigned vrrp_master_down_cs(int version, uint8_t priority, uint16_t master_interval_cs);

/* Fills p from a group's config: family, binding, preempt delay in ms, checksum mode, primary
 * unknown. 0 or -EINVAL. */
int vrrp_params_from_config(const struct hs_vrrp_group_config *g, struct vrrp_params *p);

/* Copies p, state Initialize, timers off. 0, or -EINVAL for params out of range or missing ops
 * (f untouched then). */
int vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_params *p, const struct vrrp_fsm_ops *ops,
		  void *ctx);

/* The daemon learned (or lost: family 0) our address on the link. 0 or -EINVAL. */
int vrrp_fsm_set_primary(struct vrrp_fsm *f, const struct hs_addr *primary);

/* Events. Each returns 0, or -EINVAL when the event does not apply (see the tables). */
int vrrp_fsm_startup(struct vrrp_fsm *f, uint64_t now_ms);
int vrrp_fsm_shutdown(struct vrrp_fsm *f, uint64_t now_ms);
/* The same, with reason `interface`: its link went down or away (lib/vrrp_iface.h). */
int vrrp_fsm_shutdown_for_interface(struct vrrp_fsm *f, uint64_t now_ms);
/* Fires every timer whose deadline is <= now_ms. */
int vrrp_fsm_timer(struct vrrp_fsm *f, uint64_t now_ms);
/* Bound groups: vgmpd's decision, applied at once (in Initialize it is kept for startup).
 * -EINVAL for an unbound group or a bad role/reason. */
int vrrp_fsm_set_role(struct vrrp_fsm *f, enum vrrp_role role, enum vrrp_reason why,
		      uint64_t now_ms);

/* A raw message from the socket: decoded with the group's checksum mode, then checked and fed to
 * the state machine as vrrp_fsm_input() does. Returns VRRP_DROP_NONE or the drop reason (counted
 * in f->counters). */
enum vrrp_drop vrrp_fsm_receive(struct vrrp_fsm *f, const uint8_t *buf, size_t len,
				const struct vrrp_ipinfo *ip, uint64_t now_ms);
/* A decoded advert from src: the group's receive checks (VRID, version, family, own advert, v2
 * interval, address list: counted and reported, not dropped), then the ADVERT event. */
enum vrrp_drop vrrp_fsm_input(struct vrrp_fsm *f, const struct vrrp_advert *adv,
			      const struct hs_addr *src, uint64_t now_ms);

/* The table dispatcher behind the functions above, for tests: any event in any state. adv and
 * src are required for VRRP_EV_ADVERT (unchecked: use vrrp_fsm_input), why is used by the role
 * events. 0, or -EINVAL when the cell is not applicable or arguments are missing. */
int vrrp_fsm_event(struct vrrp_fsm *f, enum vrrp_event ev, const struct vrrp_advert *adv,
		   const struct hs_addr *src, enum vrrp_reason why, uint64_t now_ms);

/* Earliest armed deadline (adver or master-down), VRRP_NEVER when none. */
uint64_t vrrp_fsm_next_deadline(const struct vrrp_fsm *f);

/* The priority this group advertises now: the configured one, or the role's when bound. */
uint8_t vrrp_fsm_priority(const struct vrrp_fsm *f);
bool vrrp_fsm_is_bound(const struct vrrp_fsm *f);
/* The daemon accepts packets to the VIPs (adds them as local addresses): Master and accept mode
 * or owner (RFC 5798 6.4.3). */
bool vrrp_fsm_accepts(const struct vrrp_fsm *f);

/* Fills an advert of the group (its VIPs in configured order, interval, VRID, version) with this
 * priority, for send_advert: 0 or -EINVAL. */
int vrrp_fsm_build_advert(const struct vrrp_fsm *f, uint8_t priority, struct vrrp_advert *adv);
/* build + vrrp_encode from our primary address to dst: the message length or -errno. */
int vrrp_fsm_encode_advert(const struct vrrp_fsm *f, uint8_t priority, const struct hs_addr *dst,
			   uint8_t *buf, size_t size);

#endif
