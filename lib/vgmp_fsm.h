/* The VGMP election of one box (one group per box, Huawei's USG hot standby), pure.
 *
 * vgmpd feeds it what it learns, each time with now_ms (a monotonic clock): the peer's VGMP
 * payload and its death from hrpd, switchover requests / acks / nacks from the peer, tracked
 * objects going up and down, readiness (bulk session sync done), whether vrrpd still hears the
 * peer's adverts, operator actions (hrp enable, hrp switchover, freeze). The core decides the
 * state (initialize, active, standby, load-balance) and acts through an ops table: send a hello
 * now, send a request / ack / nack, set the VRRP roles, re-announce, change the OSPF cost,
 * notify. Timers are deadlines: vgmpd arms one at vgmp_next_deadline() and calls vgmp_tick().
 *
 * One function, vgmp_set_state() in vgmp_fsm.c, changes the state; it records old -> new (reason)
 * in the history, counts, sets the VRRP roles and notifies. The rules, one English sentence per
 * branch, are decide() in vgmp_fsm.c; doc/vgmp.md lists them for operators. The switchover
 * handshake and the operator's actions are vgmp_handover.c.
 *
 * Requires from the HRP payload: struct hrp_vgmp as it is, plus the readiness bits below
 * (VGMP_R_FROZEN, VGMP_R_COST_RAISED, VGMP_R_HANDED_OVER, VGMP_R_YIELDED). */
#ifndef HS_VGMP_FSM_H
#define HS_VGMP_FSM_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "hrp_msg.h"
#include "vgmp_role.h"
#include "vgmp_track.h"

/* Maintenance freeze: the sender keeps its role and the receiver does not take it (no preemption,
 * no switchover). To be added to hrp_msg.h and doc/hrp-protocol.md as HRP_VGMP_R_FROZEN. */
#ifdef HRP_VGMP_R_FROZEN
#define VGMP_R_FROZEN HRP_VGMP_R_FROZEN
#else
#define VGMP_R_FROZEN 0x00000010u
#endif

/* Our OSPF cost is raised (standby) in FRR, as vgmpd saw it (vgmp_ospf_applied), and no tracked
 * object of ours is down, so the upstream router has our raised LSA (or will within a
 * retransmit): the active may go back from VGMP_COST_PREFERRED to normal (vgmp_ospf_plan). */
#define VGMP_R_COST_RAISED HRP_VGMP_R_COST_RAISED

/* A planned handover (hrp switchover, or a release) binds both boxes while the new active holds
 * the role: the new active says VGMP_R_HANDED_OVER, the old one VGMP_R_YIELDED (also while it
 * releases). The old one does not take a peer that says HANDED_OVER as dead on a silent spell
 * (only hrpd's verdict, or a silence past the handover timeout), and a dual-active between the
 * two (a stall made the old one claim the role back) is settled by the handover, not by rank:
 * the old one steps back. An older peer sends neither and ignores both: rank as before. */
#define VGMP_R_HANDED_OVER HRP_VGMP_R_HANDED_OVER
#define VGMP_R_YIELDED     HRP_VGMP_R_YIELDED

#define VGMP_NAME_MAX    (HRP_SYSNAME_MAX + 1)
#define VGMP_HISTORY_MAX 16

/* Why the state is what it is (or why it stays): notify, history, display. */
enum vgmp_reason {
	VGMP_REASON_NONE,
	VGMP_REASON_HRP_DISABLED, /* hrp disabled: initialize */
	VGMP_REASON_STARTUP,      /* initialize: waiting for the peer's first hello */
	VGMP_REASON_NO_PEER,      /* no peer heard within the startup wait */
	VGMP_REASON_PEER_DEAD,    /* hrpd declared the peer dead */
	VGMP_REASON_PEER_SILENT,  /* the peer's adverts gone and its hellos silent: taken as dead
				   * before hrpd's dead time (vgmp_peer_silent) */
	VGMP_REASON_SPLIT_BRAIN,  /* peer dead on every heartbeat link, its adverts still heard */
	VGMP_REASON_HIGHER_PRIORITY,  /* we outrank a peer that is not active */
	VGMP_REASON_LOWER_PRIORITY,   /* the peer has a higher priority */
	VGMP_REASON_STANDBY_DEVICE,   /* equal priority: the configured standby device is standby */
	VGMP_REASON_PREEMPT,          /* we outrank the active peer and may preempt */
	VGMP_REASON_PREEMPT_DISABLED, /* ... but preemption is off */
	VGMP_REASON_NOT_READY,        /* ... but our bulk sync is not done */
	VGMP_REASON_PREEMPT_DELAY,    /* ... but the preempt delay runs */
	VGMP_REASON_YIELDED,          /* ... but we handed over by operator request */
	VGMP_REASON_PEER_ACTIVE,      /* equal rank: the peer is the current active */
	VGMP_REASON_STAY_ACTIVE,      /* we are the current active and nothing asks us to go */
	VGMP_REASON_TIE_READY,        /* equal rank, neither active: the synced box wins */
	VGMP_REASON_TIE_NAME,         /* equal rank, neither or both active: the lower name wins */
	VGMP_REASON_TIE_UNRESOLVED,   /* equal rank and equal names: a configuration error */
	VGMP_REASON_LOAD_SHARING,     /* load-sharing mode, equal priority */
	VGMP_REASON_WAIT_PEER,        /* we keep our traffic until the peer has taken it */
	VGMP_REASON_FAULT_HANDOVER,   /* degraded active: asked the peer to take over */
	VGMP_REASON_SWITCHOVER_FAULT, /* we accepted the peer's switchover request (its fault) */
	VGMP_REASON_SWITCHOVER_ADMIN, /* we accepted the peer's switchover request (operator) */
	VGMP_REASON_HANDED_OVER,      /* the peer took over at our request: we let go */
	VGMP_REASON_FROZEN,           /* maintenance freeze (ours or the peer's) */
	VGMP_REASON_RELEASED,         /* we released the role for the peer to take (no request) */
	VGMP_REASON_PEER_HANDED,      /* both active: the peer holds the role by our handover and
				       * we keep to it, so we step back (not rank) */
	VGMP_REASON_MAX,
	VGMP_REASON_INVALID = -1,
};

/* What the core was handling (history, display). */
enum vgmp_event {
	VGMP_EV_ENABLE,
	VGMP_EV_TICK,
	VGMP_EV_PEER_UPDATE,
	VGMP_EV_PEER_DOWN,
	VGMP_EV_PEER_ADVERTS,
	VGMP_EV_REQUEST,
	VGMP_EV_ACK,
	VGMP_EV_NACK,
	VGMP_EV_REQUEST_LOST,
	VGMP_EV_TRACKER,
	VGMP_EV_READY,
	VGMP_EV_ADMIN_SWITCHOVER,
	VGMP_EV_FREEZE,
	VGMP_EV_RECONFIGURE,
	VGMP_EV_MAX,
	VGMP_EV_INVALID = -1,
};

enum vgmp_msg {
	VGMP_MSG_SWITCHOVER,
	VGMP_MSG_ACK,
	VGMP_MSG_NACK,
	VGMP_MSG_MAX,
	VGMP_MSG_INVALID = -1,
};

enum vgmp_peer_status {
	VGMP_PEER_UNKNOWN, /* not heard since hrp enable */
	VGMP_PEER_ALIVE,   /* a payload heard and no peer-down since */
	VGMP_PEER_DEAD,    /* hrpd declared it dead */
	VGMP_PEER_STATUS_MAX,
};

/* The outcome of our last switchover request (display, hrp switchover). */
enum vgmp_req_result {
	VGMP_REQ_NONE,
	VGMP_REQ_PENDING, /* sent, no answer yet */
	VGMP_REQ_ACKED,   /* acked, waiting for the peer to announce active */
	VGMP_REQ_DONE,    /* the peer took over */
	VGMP_REQ_NACKED,
	VGMP_REQ_TIMEOUT, /* no answer in request_timeout_ms, or hrpd lost it */
	VGMP_REQ_ABORTED, /* the peer died, or took no role in handover_timeout_ms */
	VGMP_REQ_RESULT_MAX,
};

const char *vgmp_reason_name(enum vgmp_reason r);
const char *vgmp_event_name(enum vgmp_event e);
const char *vgmp_msg_name(enum vgmp_msg m);
const char *vgmp_peer_status_name(enum vgmp_peer_status s);
const char *vgmp_req_result_name(enum vgmp_req_result r);

/* A VGMP message, either way. hrpd's struct hrp_vgmp_request plus the message type. */
struct vgmp_request {
	enum vgmp_msg kind;
	uint32_t request_id;         /* ack / nack: the request answered; ours: 0 (hrpd numbers) */
	enum hrp_vgmp_reason reason; /* switchover: why; nack: why not */
	bool has_priority;           /* switchover: the sender's priority */
	uint16_t priority;
	bool has_state; /* switchover: the state the sender asks to take (we send standby) */
	enum vgmp_state state;
};

/* Floors of the switchover handshake's timeouts (vgmp_params_from_config): at 10 ms hellos
 * two hellos (20 ms) and the dead time (50 ms) are shorter than the stalls of a loaded box, and a
 * planned switchover given up half way leaves both boxes fighting for the role (issue 6: 36
 * probe packets lost at a load average of 6). A dead peer is still taken over at hrpd's dead
 * time: these only bound how long a handshake waits for a live, slow one. */
#define VGMP_REQUEST_TIMEOUT_MIN_MS  250u
#define VGMP_HANDOVER_TIMEOUT_MIN_MS 1000u

struct vgmp_params {
	uint16_t priority;      /* base, 1-65535 (45000) */
	uint16_t fault_penalty; /* per failed tracked object (2) */
	int mode;               /* enum hs_vgmp_mode */
	bool standby_device;
	bool preempt;
	uint32_t preempt_delay_ms;     /* counted from readiness (and from outranking the peer) */
	uint32_t startup_wait_ms;      /* initialize at most this long waiting for the peer */
	uint32_t request_timeout_ms;   /* an unanswered switchover request is given up (and a
					* fault request sent again) after this */
	uint32_t handover_timeout_ms;  /* an acked handover or a take-over is given up after this */
	bool ospf_cost;                /* adjust the OSPF cost (the op may be a no-op otherwise) */
	bool ospf_prefer;              /* the active's cost is known and above 1: a takeover goes
					* one below it (VGMP_COST_PREFERRED) until the peer confirms */
	uint32_t ospf_min_interval_ms; /* 0: one change per second */
	uint32_t silent_takeover_ms;   /* 0: off. See vgmp_peer_silent() */
	char name[VGMP_NAME_MAX];      /* our sysname: the tie-break of last resort */
};

struct vgmp;

/* Every member is required. During a state change v->state is already the new state. Order:
 * set_vrrp_roles, ospf_cost (if due), notify. The urgent hello goes once the event is handled
 * (one per event), except that a pending one goes before a switchover request: hrpd stamps the
 * request with the priority of the payload it holds. */
struct vgmp_ops {
	/* Our payload changed (vgmp_payload()): hand it to hrpd and send it at once (urgent). */
	void (*send_hello)(struct vgmp *v);
	/* A switchover request (request_id 0: hrpd numbers it; tell the core with
	 * vgmp_request_id()), or an ack / nack echoing the request's id. */
	void (*send_request)(struct vgmp *v, const struct vgmp_request *r);
	/* Set every bound VRRP group to vgmp_vrrp_role(state, binding). */
	void (*set_vrrp_roles)(struct vgmp *v, enum vgmp_state state);
	/* A healed split brain that we won: adverts and gratuitous ARP / NA now on every group we
	 * are master of, so that clients and switches leave the other box. */
	void (*reannounce)(struct vgmp *v);
	/* Set the OSPF cost of the configured interfaces: VGMP_COST_RAISED (the configured cost),
	 * VGMP_COST_NORMAL (the active's: configured, else the interface's own) or
	 * VGMP_COST_PREFERRED (the active's minus one). */
	void (*ospf_cost)(struct vgmp *v, enum vgmp_cost cost);
	/* The state changed; the daemon logs `old -> new (reason)`. */
	void (*notify)(struct vgmp *v, enum vgmp_state old, enum vgmp_state new_state,
		       enum vgmp_reason why);
};

/* What we know of the peer. */
struct vgmp_peer {
	enum vgmp_peer_status status;
	uint64_t since_ms; /* status since */
	uint64_t heard_ms; /* last payload */
	uint16_t priority;
	enum vgmp_state state;
	uint32_t readiness; /* HRP_VGMP_R_*, VGMP_R_FROZEN */
	bool has_mode;
	int mode; /* enum hs_vgmp_mode */
	char name[VGMP_NAME_MAX];
	bool adverts_seen; /* vrrpd still hears the peer's adverts on a bound group */
	bool silent;       /* dead by vgmp_peer_silent(), hrpd has not said so (yet) */
	bool unreachable;  /* dead by vgmp_peer_unreachable(): our hrpd is gone */
};

/* Handing the active role over, and taking it. */
struct vgmp_handover {
	bool giving; /* our switchover request is out: we let go once the peer announces active */
	bool acked;
	enum hrp_vgmp_reason reason; /* fault or admin */
	uint32_t request_id;         /* 0 until vgmp_request_id() */
	uint64_t sent_ms;
	uint64_t acked_ms;
	uint64_t retry_ms; /* no new fault request before this */
	bool taking;       /* we acked the peer's request and are active: its active state does
			    * not make us step down until it lets go */
	uint64_t taking_ms;
	bool yielded; /* we handed over at the operator's request: no preemption back until our
		       * priority rises above yielded_prio, the peer restarts or dies (kept if it
		       * held the role by the handover), another switchover, or
		       * vgmp_admin_resume(); VGMP_R_YIELDED */
	uint16_t yielded_prio; /* our priority when we handed over: a dip that recovers (a
				* tracker flap) leaves the handover standing */
	/* vgmp_admin_release(): standby, announced at priority 0, until the peer announces active
	 * or the handover timeout */
	bool releasing;
	uint64_t release_ms;
	/* we hold the active role because the peer handed it to us (its operator's switchover, or
	 * its release): VGMP_R_HANDED_OVER, until we leave active */
	bool handed;
	/* hrpd declared dead the peer that held the role we handed it, then: yielded is kept, in
	 * case that was our own stall, until the peer is heard again; 0: none */
	uint64_t dead_ms;
	uint32_t announced; /* VGMP_R_HANDED_OVER / _YIELDED as our last payload had them */
	enum vgmp_req_result result;        /* of our last request */
	enum hrp_vgmp_reason result_reason; /* its reason; for a nack, the peer's */
	uint64_t result_ms;
};

struct vgmp_change {
	uint64_t time_ms;
	enum vgmp_state old_state;
	enum vgmp_state new_state;
	enum vgmp_reason why;
	enum vgmp_event ev;
	uint16_t priority;
	int peer_priority; /* -1 when the peer is not alive */
};

struct vgmp_counters {
	uint64_t transitions;
	uint64_t entered[VGMP_STATE_MAX];
	uint64_t preempts;
	uint64_t hellos;
	uint64_t requests_sent;
	uint64_t requests_acked;
	uint64_t requests_nacked;
	uint64_t requests_timeout;
	uint64_t requests_received;
	uint64_t acks_sent;
	uint64_t nacks_sent[HRP_VGMP_REASON_MAX];
	uint64_t answers_stale; /* an ack / nack for no request of ours */
	uint64_t handover_timeouts;
	uint64_t late_acks; /* acks after our request had timed out: the handover went on */
	uint64_t split_brain_holds;
	uint64_t reannounces;
	uint64_t frozen_holds; /* transitions a freeze held back */
	uint64_t ties_unresolved;
	uint64_t ospf_changes;
	uint64_t silent_takeovers;   /* the peer taken as dead by vgmp_peer_silent() */
	uint64_t silent_held;        /* ...not taken: we handed it the role (a moment ago, or it
				      * still says VGMP_R_HANDED_OVER) */
	uint64_t handover_stepbacks; /* both active: we stepped back, the peer holds by handover */
	uint64_t peer_unreachable;   /* the peer taken as dead: our hrpd was gone too long */
};

struct vgmp {
	struct vgmp_params p;
	const struct vgmp_ops *ops;
	void *ctx;
	enum vgmp_state state;
	enum vgmp_reason reason; /* of the state, or why it stays (display) */
	enum vgmp_state wanted;  /* what the election chose before a freeze or make-before-break */
	uint64_t state_since_ms;
	bool enabled;
	bool enable_known; /* vgmp_set_enabled() has run, or a snapshot was restored: until then
			    * `enabled` is only the initial value and the OSPF cost is left alone */
	bool frozen;       /* ours; the peer's is its VGMP_R_FROZEN bit */
	bool ready;        /* bulk sync done (HRP_VGMP_R_SESSIONS_SYNCED) */
	uint64_t ready_since_ms;
	uint64_t started_ms;    /* hrp enable */
	uint64_t gate_since_ms; /* since when we have wanted to take traffic from the active peer */
	uint64_t recheck_ms; /* when the election may answer otherwise (preempt delay, startup) */
	bool want_fault;     /* degraded active outranked: a fault request is due at
			      * ho.retry_ms if none is out */
	bool split;          /* the peer died: if it comes back holding traffic and we win, we
			      * re-announce */
	bool mode_mismatch;  /* the peer's mode differs: active-standby rules apply */
	struct vgmp_track track;
	struct vgmp_peer peer;
	struct vgmp_handover ho;
	enum vgmp_cost cost;     /* OSPF: what we last applied */
	enum vgmp_cost cost_frr; /* ...and what FRR was last seen to have (vgmp_ospf_applied) */
	uint64_t cost_ms;
	uint64_t cost_at_ms;     /* a change held back by the rate limit */
	uint64_t peer_raised_ms; /* since when the peer confirms its raised cost (VGMP_NEVER) */
	bool hello_due;
	enum vgmp_event ev; /* being handled */
	struct vgmp_change history[VGMP_HISTORY_MAX];
	uint64_t history_total;
	struct vgmp_counters c;
};

/* Fills p from the config: vgmpd's section, the sysname, and hrpd's peer-dead time (hello
 * interval x dead count) as the startup wait and the handover timeout; the request timeout is
 * two hello intervals. 0 or -EINVAL. */
int vgmp_params_from_config(const struct hs_config *cfg, struct vgmp_params *p);

/* Copies p; state initialize, hrp disabled. 0 or -EINVAL (bad params, missing ops; v untouched
 * then). */
int vgmp_init(struct vgmp *v, const struct vgmp_params *p, const struct vgmp_ops *ops, void *ctx);
/* Reconfigure: the base priority and penalty go through the ledger; the rest applies at the
 * next decision. 0 or -EINVAL. */
int vgmp_set_params(struct vgmp *v, const struct vgmp_params *p, uint64_t now_ms);

/* hrp enable / undo hrp enable. Enabling starts the startup wait; disabling goes to initialize
 * at once (VIPs released, break before make: the operator's choice). */
int vgmp_set_enabled(struct vgmp *v, bool on, uint64_t now_ms);

/* vgmpd read FRR's OSPF cost at a cold start: the level the configured interfaces are at
 * (VGMP_COST_UNKNOWN: none of ours, or they differ). Taken as the level applied while the core
 * has applied nothing itself, so a standby whose previous process left the cost raised changes
 * nothing and confirms it at once (VGMP_R_COST_RAISED). The reading counts as a change at
 * now_ms for the one-change-a-second limit (ospfd may just have sent an LSA). Once the core has
 * applied a cost, FRR has ours and the reading is stale: ignored. 1 taken, 0 ignored,
 * -EINVAL. */
int vgmp_ospf_found(struct vgmp *v, enum vgmp_cost found, uint64_t now_ms);
/* What FRR has now on the configured interfaces, as vgmpd saw it: a change it took (the level
 * applied), a check of its running configuration, or VGMP_COST_UNKNOWN (a change failed, or a
 * check found another cost: ospfd restarted and lost ours). VGMP_R_COST_RAISED is sent only
 * while this confirms the raised cost the plan wants, so the peer never counts on a cost that
 * is not in FRR. Changes no cost itself. 0 or -EINVAL. */
int vgmp_ospf_applied(struct vgmp *v, enum vgmp_cost level, uint64_t now_ms);

/* Fires whatever is due (hold-downs, damping reuse, preempt delay, startup wait, request and
 * handover timeouts, a held-back OSPF change). */
int vgmp_tick(struct vgmp *v, uint64_t now_ms);
uint64_t vgmp_next_deadline(const struct vgmp *v);

/* hrpd: the peer's payload (a hello, or the peer coming up) with its sysname (may be NULL). */
int vgmp_peer_update(struct vgmp *v, const struct hrp_vgmp *payload, const char *name,
		     uint64_t now_ms);
/* hrpd: the peer is dead on every heartbeat link. */
int vgmp_peer_down(struct vgmp *v, uint64_t now_ms);
/* A faster take-over of a dead box. vrrpd reported master-down on a bound group (the peer's
 * adverts are gone: set by vgmp_set_peer_adverts()) and hrpd has heard nothing from the peer for
 * silent_ms: when that reaches p.silent_takeover_ms the peer is taken as dead at once, without
 * waiting for hrpd's dead time and re-negotiation (two silent channels, VRRP on the LANs and
 * HRP on the heartbeat links, agree). A peer that was only slow speaks again: hrpd's next
 * payload (vgmp_peer_update) makes it alive, and the election settles the pair as after a healed
 * split brain. 1 when the peer was taken as dead, 0 when not (off, adverts heard, the peer not
 * alive, not silent long enough), -EINVAL. */
int vgmp_peer_silent(struct vgmp *v, uint64_t silent_ms, uint64_t now_ms);
/* Our own hrpd has been gone for its dead time: nothing can tell us of the peer any more, and
 * the peer's hrpd has by now declared us dead and acts on it. So do we: the alive peer is taken
 * as dead (`unreachable`), and the split-brain policy decides by the VRRP adverts alone. Kept
 * alive, a standby whose hrpd died stayed standby when the active failed after it (nobody held
 * the traffic), and a degraded active could hand over to nobody. The peer's next payload (or
 * hrpd's dead verdict) once our hrpd is back ends it. 1 when the peer was taken as dead, 0 when
 * it was not alive, -EINVAL. */
int vgmp_peer_unreachable(struct vgmp *v, uint64_t now_ms);
/* vrrpd: the peer's adverts are (still) heard on a bound group, or a witness says the peer
 * lives. Only consulted while the peer is dead for hrpd (split-brain policy). */
int vgmp_set_peer_adverts(struct vgmp *v, bool seen, uint64_t now_ms);

/* hrpd: a VGMP message from the peer. 0 or -EINVAL. */
int vgmp_request_received(struct vgmp *v, const struct vgmp_request *r, uint64_t now_ms);
/* hrpd numbered our pending switchover request: acks / nacks must name it from now on. */
int vgmp_request_id(struct vgmp *v, uint32_t request_id);
/* hrpd: our request was never acknowledged at HRP level (vgmp-request-lost). */
int vgmp_request_lost(struct vgmp *v, uint64_t now_ms);

/* Trackers: the registry is v->track; these wrap it and re-elect when the priority moves. */
int vgmp_tracker_add(struct vgmp *v, const struct vgmp_tracker_params *p, uint64_t now_ms);
int vgmp_tracker_remove(struct vgmp *v, int id, uint64_t now_ms);
int vgmp_tracker_set(struct vgmp *v, int id, enum vgmp_obj_state s, uint64_t now_ms);

/* Bulk session sync done (or not: a new bulk sync started). */
int vgmp_set_ready(struct vgmp *v, bool ready, uint64_t now_ms);

/* hrp switchover on the active: ask the peer to take over; we let go once it announces active.
 * 0, or -EPERM (we are not active), -ENOTCONN (no live peer), -EBUSY (frozen), -EALREADY (a
 * request is out), -EAGAIN (the peer is not standby). The outcome: v->ho.result. */
int vgmp_admin_switchover(struct vgmp *v, uint64_t now_ms);

/* undo hrp switchover, on the box that handed over: it may preempt back again as configured,
 * the preempt delay counting from now. 0, or -EALREADY (it did not hand over, or that no longer
 * binds: its priority changed, the peer restarted or died, another switchover). */
int vgmp_admin_resume(struct vgmp *v, uint64_t now_ms);

/* Release on the active, for a peer that cannot be asked (the pair upgrade's cold mode: the
 * switchover request is a message the two versions no longer share, doc/issu.md): standby at
 * once and announced at priority 0, so that the peer takes over as from a lower box, without
 * a request and without its preemption gate. Break before make: the outage is one hello's
 * flight. It sticks like an operator's handover once the peer announces active; if the peer
 * does not within the handover timeout, the election runs as before (we take the role back).
 * Refused as vgmp_admin_switchover() is. The outcome: v->ho.result. */
int vgmp_admin_release(struct vgmp *v, uint64_t now_ms);

/* Maintenance freeze on / off. While frozen (here or on the peer) the roles stay as they are,
 * whatever trackers and preemption say, except that a dead peer is still taken over and a
 * dual-active is still resolved; payloads, ledger and display go on. */
int vgmp_freeze(struct vgmp *v, bool on, uint64_t now_ms);

/* What our hellos carry: priority, state, readiness (SESSIONS_SYNCED, PREEMPT, STANDBY_DEVICE,
 * VGMP_R_FROZEN, ...), mode. hrpd adds the config digest of its synced tables; CONFIG_SYNCED
 * and the session digest are in the protocol but nobody sets them yet (doc/vgmp.md). */
void vgmp_payload(const struct vgmp *v, struct hrp_vgmp *out);

uint16_t vgmp_priority(const struct vgmp *v);
bool vgmp_degraded(const struct vgmp *v);
/* The last state changes: count (at most VGMP_HISTORY_MAX) and entry i, 0 the newest. */
size_t vgmp_history_count(const struct vgmp *v);
const struct vgmp_change *vgmp_history_get(const struct vgmp *v, size_t i);

#endif
