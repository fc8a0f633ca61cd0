/* HRP liveness, pure: the state of each heartbeat link (down / ready / running) and of the peer
 * (unknown / up / negotiating / dead) as functions of events and the current time. hrpd feeds it
 * what happened (an accepted message on link i, a probe answered, an interface going down, the
 * timer) with now_ms and carries out the actions it returns (send a hello, send a probe on link i,
 * log and announce a state change); it arms one timer at hrp_lv_next_deadline().
 *
 * The rules (doc/hrpd.md has them with the numbers):
 *   - A link is ready while it is administratively up (interface up with carrier, socket open)
 *     and an accepted message arrived on it within D = dead_count x interval; else down.
 *   - The running link is the first ready link in config order: when it fails the next ready one
 *     takes over at once; when an earlier one becomes ready it takes over again.
 *   - The peer is up while any message arrived (on any link) within D. When every link has been
 *     silent for D it is negotiating: a probe goes out on every administratively-up link at once,
 *     then after a back-off b = max(interval / 8, 5) ms, then after 2b; the round ends b x 4
 *     after the last probe. Anything accepted in between brings it back to up with no peer-down.
 *     When the round ends unanswered the peer is dead:
 *         dead at  last_rx + dead_count x interval + 7 x max(interval / 8, 5)   (timers on time)
 *     where interval is the larger of ours and the one the peer announces in its hellos.
 *   - A peer never heard from counts from hrp_lv_start(): it is declared dead at the same time
 *     after the start, so vgmpd always gets an answer.
 *   - peer-up is announced when the peer becomes up and it was not announced up before;
 *     peer-down on every entry into dead. Negotiating alone announces nothing.
 *
 * Table-driven: one table for the peer (state x event -> next state, reason). Every change goes
 * through one function per object that records it in the output for the daemon to log. */
#ifndef HS_HRP_LIVENESS_H
#define HS_HRP_LIVENESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HRP_LV_LINKS_MAX      4 /* HS_HRP_LINKS_MAX */
#define HRP_LV_NEVER          UINT64_MAX
#define HRP_LV_PROBES         3 /* probes in one re-negotiation round */
#define HRP_LV_BACKOFF_MIN_MS 5u

enum hrp_lv_link_state {
	HRP_LV_LINK_DOWN,
	HRP_LV_LINK_READY,
	HRP_LV_LINK_RUNNING,
	HRP_LV_LINK_STATE_MAX,
};

enum hrp_lv_peer_state {
	HRP_LV_PEER_UNKNOWN, /* not heard from since the start (or hrp enable) */
	HRP_LV_PEER_UP,
	HRP_LV_PEER_NEGOTIATING, /* every link silent for D: probing */
	HRP_LV_PEER_DEAD,
	HRP_LV_PEER_STATE_MAX,
};

enum hrp_lv_reason {
	HRP_LV_R_NONE,
	HRP_LV_R_HELLO,             /* a hello (or another accepted message) arrived */
	HRP_LV_R_PROBE_ACK,         /* a probe was answered */
	HRP_LV_R_RESTART,           /* the peer came back under a new epoch */
	HRP_LV_R_SILENT,            /* nothing accepted for dead_count hello intervals */
	HRP_LV_R_ADMIN_DOWN,        /* interface down, without carrier, or its socket failed */
	HRP_LV_R_PREFERRED,         /* an earlier link in config order became ready */
	HRP_LV_R_FAILOVER,          /* the running link went down */
	HRP_LV_R_PROBES_UNANSWERED, /* the re-negotiation round ended without an answer */
	HRP_LV_R_STOPPED,           /* hrp disabled, or the link removed by reload */
	HRP_LV_R_MAX,
};

/* What arrived (an accepted message; a challenge is not proof of life and is not reported). */
enum hrp_lv_rx {
	HRP_LV_RX_HELLO,
	HRP_LV_RX_PROBE_ACK,
	HRP_LV_RX_RESTART, /* any accepted message that started a new epoch of a peer we knew,
			      one it did not announce */
	HRP_LV_RX_OTHER,   /* probe, VGMP, challenge-response, registry, ... */
	HRP_LV_RX_MAX,
};

const char *hrp_lv_link_state_name(enum hrp_lv_link_state s);
const char *hrp_lv_peer_state_name(enum hrp_lv_peer_state s);
const char *hrp_lv_reason_name(enum hrp_lv_reason r);

/* ---- actions ---- */

enum hrp_lv_act_kind {
	HRP_LV_ACT_SEND_HELLO, /* send a hello on every link that can send */
	HRP_LV_ACT_SEND_PROBE, /* send a probe (ACK_REQUESTED) on .link; .probe is 1..HRP_LV_PROBES
				*/
	HRP_LV_ACT_LINK,       /* .link went .old -> .new (enum hrp_lv_link_state) */
	HRP_LV_ACT_RUNNING,    /* the running link is now .new (was .old; -1: none) */
	HRP_LV_ACT_PEER,       /* the peer went .old -> .new (enum hrp_lv_peer_state) */
	HRP_LV_ACT_PEER_UP,    /* announce: the peer is up (tell vgmpd at once) */
	HRP_LV_ACT_PEER_DOWN,  /* announce: the peer is dead (tell vgmpd at once) */
	HRP_LV_ACT_RESTART,    /* the peer restarted (new epoch) while up: no state change */
	HRP_LV_ACT_ANSWER_HELLO, /* send a hello on every link now, out of schedule: the peer just
				  * appeared or restarted and has not heard us yet */
	HRP_LV_ACT_KIND_MAX,
};

struct hrp_lv_act {
	enum hrp_lv_act_kind kind;
	int link; /* SEND_PROBE, LINK; -1 otherwise */
	int old, new_;
	enum hrp_lv_reason reason;
	unsigned probe;
};

#define HRP_LV_ACTS_MAX 40

/* The actions of one call, in the order to carry them out. A call appends to it: the caller
 * clears it (hrp_lv_out_clear) before each event it wants to see alone. */
struct hrp_lv_out {
	size_t n;
	size_t lost; /* past HRP_LV_ACTS_MAX: cannot happen with HRP_LV_LINKS_MAX links */
	struct hrp_lv_act act[HRP_LV_ACTS_MAX];
};

void hrp_lv_out_clear(struct hrp_lv_out *out);

/* ---- state ---- */

struct hrp_lv_params {
	uint32_t hello_interval_ms; /* 10..60000 */
	uint32_t dead_count;        /* 2..60 */
	size_t n_links;             /* 1..HRP_LV_LINKS_MAX */
};

struct hrp_lv_link {
	bool admin_up;
	bool heard; /* last_rx_ms is valid */
	enum hrp_lv_link_state state;
	uint64_t last_rx_ms;
	uint64_t since_ms; /* when state was entered */
};

struct hrp_lv_counters {
	uint64_t peer_up;   /* announcements */
	uint64_t peer_down; /* announcements */
	uint64_t negotiations;
	uint64_t negotiations_recovered; /* rounds ended by an answer (no peer-down) */
	uint64_t probes;
	uint64_t restarts;
	uint64_t running_changes;
	uint64_t link_changes;
};

struct hrp_liveness {
	struct hrp_lv_params p;
	uint32_t peer_interval_ms; /* announced by the peer; 0: not known */
	bool started;
	struct hrp_lv_link link[HRP_LV_LINKS_MAX];
	int running; /* index of the running link, -1: none */
	enum hrp_lv_peer_state peer;
	uint64_t peer_since_ms;
	uint64_t peer_last_rx_ms; /* last accepted message on any link; the start until one came */
	bool announced_up;        /* peer-up told and no peer-down since */
	unsigned probes_sent;     /* in the current round */
	uint64_t next_probe_ms;   /* next probe, or the end of the round after the last */
	uint64_t next_hello_ms;
	bool answered;        /* answered_ms is valid */
	uint64_t answered_ms; /* the last ANSWER_HELLO: at most one an interval */
	struct hrp_lv_counters counters;
};

/* Stopped, peer unknown, every link down but administratively up. -EINVAL on bad params. */
int hrp_lv_init(struct hrp_liveness *lv, const struct hrp_lv_params *p);
/* hrp enable: hellos at once and every interval from now; the peer's D counts from now. */
void hrp_lv_start(struct hrp_liveness *lv, uint64_t now_ms, struct hrp_lv_out *out);
/* undo hrp enable: every link down, the peer unknown, nothing announced, no more hellos. */
void hrp_lv_stop(struct hrp_liveness *lv, uint64_t now_ms, struct hrp_lv_out *out);

/* An accepted message on link i. Ignored while stopped or for a bad index. */
void hrp_lv_rx(struct hrp_liveness *lv, int link, enum hrp_lv_rx what, uint64_t now_ms,
	       struct hrp_lv_out *out);
/* The interface of link i went up (with carrier, socket open) or down. */
void hrp_lv_admin(struct hrp_liveness *lv, int link, bool up, uint64_t now_ms,
		  struct hrp_lv_out *out);
/* The timer fired (or any time: nothing happens before a deadline). */
void hrp_lv_timer(struct hrp_liveness *lv, uint64_t now_ms, struct hrp_lv_out *out);
/* The interval the peer announces (0: unknown); dead time uses the larger of the two. */
void hrp_lv_set_peer_interval(struct hrp_liveness *lv, uint32_t interval_ms);
/* Reload: new timers and links. old_index[i] is the index new link i had before (-1: new link,
 * starts down); links not named are dropped. The peer's state is kept. -EINVAL on bad params. */
int hrp_lv_reconfigure(struct hrp_liveness *lv, const struct hrp_lv_params *p, const int *old_index,
		       uint64_t now_ms, struct hrp_lv_out *out);

/* The earliest deadline to call hrp_lv_timer() at, HRP_LV_NEVER when stopped. */
uint64_t hrp_lv_next_deadline(const struct hrp_liveness *lv);

/* The figures of the rules above, with the effective interval. */
uint32_t hrp_lv_interval_ms(const struct hrp_liveness *lv);    /* max(ours, the peer's) */
uint64_t hrp_lv_silent_ms(const struct hrp_liveness *lv);      /* D = dead_count x interval */
uint32_t hrp_lv_backoff_ms(const struct hrp_liveness *lv);     /* b */
uint64_t hrp_lv_negotiation_ms(const struct hrp_liveness *lv); /* (2^PROBES - 1) x b */
uint64_t hrp_lv_dead_time_ms(const struct hrp_liveness *lv);   /* D + negotiation */

#endif
