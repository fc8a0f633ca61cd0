/* VRRP state machine: two declarative tables (unbound = RFC 5798 section 6.4, bound = vgmpd
 * decides), one cell per state x event, and set_state(), the only place the state changes.
 *
 * Choices where the RFC leaves room (doc/vrrp.md says the same for operators):
 * - Preempt delay: runs from the first advert of a lower-priority master heard in Backup. Until it
 *   has passed, such adverts are followed as if preempt were off (the master-down timer is reset);
 *   afterwards they are discarded and the master-down timer takes over as in the RFC. An advert
 *   of our priority or higher, or leaving Backup, clears it. A dead master is never waited for.
 * - Split brain: a master hearing a lower-priority master (or an owner hearing anyone) sends an
 *   advert and gratuitous ARP / NA at once, at most once per advertisement interval; RFC 5798
 *   says to discard the advert.
 * - An owner (255) never leaves Master on an advert: another owner is a misconfiguration
 *   (VRRP_DROP_OWNER_CONFLICT). RFC 5798 7.1 has owners discard every advert.
 * - Address-list mismatches are counted and reported, never dropped, in v2 as in v3 (RFC 3768 7.1
 *   would drop v2 ones; dropping makes two masters, which is worse).
 * - v2 skew time follows RFC 3768: (256 - priority) / 256 s whatever the interval.
 *
 * RFC 5798 section 6 (VRRPv3), RFC 3768 section 6 (VRRPv2). */
#include "vrrp_fsm.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static const char *const state_names[VRRP_STATE_MAX] = {
	[VRRP_STATE_INIT] = "Initialize",
	[VRRP_STATE_BACKUP] = "Backup",
	[VRRP_STATE_MASTER] = "Master",
};

static const char *const event_names[VRRP_EV_MAX] = {
	[VRRP_EV_STARTUP] = "startup",         [VRRP_EV_SHUTDOWN] = "shutdown",
	[VRRP_EV_ADVER_TIMER] = "adver-timer", [VRRP_EV_MASTER_DOWN_TIMER] = "master-down-timer",
	[VRRP_EV_ADVERT] = "advert",           [VRRP_EV_ROLE_MASTER] = "role-master",
	[VRRP_EV_ROLE_BACKUP] = "role-backup",
};

static const char *const reason_names[VRRP_REASON_MAX] = {
	[VRRP_REASON_NONE] = "none",
	[VRRP_REASON_STARTUP] = "startup",
	[VRRP_REASON_OWNER] = "address-owner",
	[VRRP_REASON_SHUTDOWN] = "shutdown",
	[VRRP_REASON_MASTER_DOWN] = "master-down",
	[VRRP_REASON_MASTER_RESIGNED] = "master-resigned",
	[VRRP_REASON_PREEMPT] = "preempt",
	[VRRP_REASON_HIGHER_PRIORITY] = "higher-priority",
	[VRRP_REASON_HIGHER_ADDRESS] = "equal-priority-higher-address",
	[VRRP_REASON_VGMP] = "vgmp",
	[VRRP_REASON_INTERFACE] = "interface",
};

static const char *const role_names[VRRP_ROLE_MAX] = {
	[VRRP_ROLE_BACKUP] = "backup",
	[VRRP_ROLE_MASTER] = "master",
};

static const char *const vgmp_event_names[VRRP_VGMP_EV_MAX] = {
	[VRRP_VGMP_MASTER_DOWN] = "master-down",
	[VRRP_VGMP_HIGHER_MASTER] = "higher-priority-master",
	[VRRP_VGMP_LOWER_MASTER] = "lower-priority-master",
	[VRRP_VGMP_MASTER_HEARD] = "master-heard",
};

#define NAME(table, max, v) ((int)(v) >= 0 && (int)(v) < (max) && table[v] ? table[v] : "?")

const char *vrrp_state_name(enum vrrp_state s)
{
	return NAME(state_names, VRRP_STATE_MAX, s);
}

const char *vrrp_event_name(enum vrrp_event e)
{
	return NAME(event_names, VRRP_EV_MAX, e);
}

const char *vrrp_reason_name(enum vrrp_reason r)
{
	return NAME(reason_names, VRRP_REASON_MAX, r);
}

const char *vrrp_role_name(enum vrrp_role r)
{
	return NAME(role_names, VRRP_ROLE_MAX, r);
}

const char *vrrp_vgmp_event_name(enum vrrp_vgmp_event e)
{
	return NAME(vgmp_event_names, VRRP_VGMP_EV_MAX, e);
}

unsigned vrrp_skew_cs(int version, uint8_t priority, uint16_t master_interval_cs)
{
	if (version == 2)
		return (256u - priority) * 100u / 256u;
	return (256u - priority) * master_interval_cs / 256u;
}

unsigned vrrp_master_down_cs(int version, uint8_t priority, uint16_t master_interval_cs)
{
	return 3u * master_interval_cs + vrrp_skew_cs(version, priority, master_interval_cs);
}

/* ---- helpers of the actions ---- */

/* One event being handled: its inputs, and what the cell says back. */
struct vrrp_step {
	uint64_t now;
	const struct vrrp_advert *adv; /* VRRP_EV_ADVERT */
	const struct hs_addr *src;     /* VRRP_EV_ADVERT */
	enum vrrp_reason why;          /* in: the role events' reason; out: the transition's */
	enum vrrp_drop drop;           /* out: the cell dropped the advert */
};

static uint64_t after_cs(uint64_t now, unsigned cs)
{
	return now + (uint64_t)cs * 10u;
}

/* Rate limit of heals and vgmpd reports: once per advertisement interval. */
static bool due(uint64_t last, uint64_t now, unsigned interval_cs)
{
	return last == VRRP_NEVER || now >= after_cs(last, interval_cs);
}

bool vrrp_fsm_is_bound(const struct vrrp_fsm *f)
{
	return f->p.binding != HS_BIND_NONE;
}

uint8_t vrrp_fsm_priority(const struct vrrp_fsm *f)
{
	if (!vrrp_fsm_is_bound(f))
		return f->p.priority;
	return f->state == VRRP_STATE_MASTER ? VRRP_PRIO_BOUND_MASTER : VRRP_PRIO_BOUND_BACKUP;
}

bool vrrp_fsm_accepts(const struct vrrp_fsm *f)
{
	return f->state == VRRP_STATE_MASTER && (f->p.accept || f->p.priority == VRRP_PRIO_OWNER);
}

static void send_advert(struct vrrp_fsm *f, uint8_t priority)
{
	f->counters.tx++;
	if (priority == VRRP_PRIO_STOP)
		f->counters.tx_prio0++;
	f->ops->send_advert(f, priority);
}

static void arm_adver(struct vrrp_fsm *f, uint64_t now)
{
	f->t.adver_ms = after_cs(now, f->p.interval_cs);
}

static void arm_master_down(struct vrrp_fsm *f, uint64_t now, enum vrrp_reason cause)
{
	unsigned cs = vrrp_master_down_cs(f->p.version, vrrp_fsm_priority(f),
					  f->master_adver_interval_cs);
	f->t.master_down_ms = after_cs(now, cs);
	f->master_down_cause = cause;
}

/* The master is leaving (priority 0): take over after Skew_Time (RFC 5798 6.4.2). */
static void arm_skew(struct vrrp_fsm *f, uint64_t now)
{
	unsigned cs = vrrp_skew_cs(f->p.version, vrrp_fsm_priority(f), f->master_adver_interval_cs);
	f->t.master_down_ms = after_cs(now, cs);
	f->master_down_cause = VRRP_REASON_MASTER_RESIGNED;
}

/* Would this advert make an RFC master step down? Higher priority, or ours from a higher primary
 * address (RFC 5798 6.4.3; with our address unknown we lose every tie). */
static bool outranks_us(const struct vrrp_fsm *f, const struct vrrp_step *s)
{
	uint8_t prio = vrrp_fsm_priority(f);
	return s->adv->priority > prio ||
	       (s->adv->priority == prio && vrrp_addr_cmp(s->src, &f->p.primary) > 0);
}

/* Backup: this is our master: adopt its interval (v3; v2 intervals are equal by the receive
 * check), restart Master_Down_Timer, forget a pending preemption if it does not rank below us. */
static void follow_master(struct vrrp_fsm *f, const struct vrrp_step *s)
{
	f->master_adver_interval_cs = s->adv->interval_cs;
	f->master_addr = *s->src;
	f->master_priority = s->adv->priority;
	arm_master_down(f, s->now, VRRP_REASON_MASTER_DOWN);
	if (s->adv->priority >= vrrp_fsm_priority(f))
		f->t.preempt_ms = VRRP_NEVER;
}

/* Backup, preempt on, a lower master: is the preempt delay still running? It starts now if it
 * has not yet. */
static bool preempt_held(struct vrrp_fsm *f, uint64_t now)
{
	if (f->p.preempt_delay_ms == 0)
		return false;
	if (f->t.preempt_ms == VRRP_NEVER)
		f->t.preempt_ms = now + f->p.preempt_delay_ms;
	if (now >= f->t.preempt_ms)
		return false;
	f->counters.preempt_held++;
	return true;
}

/* Master: another master ranks below us and still talks (a healed split brain). Re-announce now,
 * advert and gratuitous ARP / NA, so that it steps down and clients leave its MAC. */
static void heal(struct vrrp_fsm *f, uint64_t now)
{
	if (!due(f->last_heal_ms, now, f->p.interval_cs)) {
		f->counters.split_brain_throttled++;
		return;
	}
	f->last_heal_ms = now;
	f->counters.split_brain_heals++;
	send_advert(f, vrrp_fsm_priority(f));
	f->ops->announce(f);
	arm_adver(f, now);
}

static bool report(struct vrrp_fsm *f, enum vrrp_vgmp_event ev, uint64_t now)
{
	if (!due(f->last_report_ms[ev], now, f->p.interval_cs))
		return false;
	f->last_report_ms[ev] = now;
	f->counters.vgmp_reports++;
	f->ops->report_to_vgmp(f, ev);
	return true;
}

/* The one place the state changes: exit actions of the old state, entry actions of the new one,
 * count, notify. */
static void set_state(struct vrrp_fsm *f, enum vrrp_state to, enum vrrp_reason why, uint64_t now)
{
	enum vrrp_state from = f->state;
	if (to == from)
		return;
	f->state = to; /* first: the actions below see the new state */
	if (from == VRRP_STATE_MASTER) {
		f->t.adver_ms = VRRP_NEVER;
		f->ops->set_vips(f, false);
	}
	f->t.master_down_ms = VRRP_NEVER;
	f->t.preempt_ms = VRRP_NEVER;
	f->last_heal_ms = VRRP_NEVER;
	for (int i = 0; i < VRRP_VGMP_EV_MAX; i++)
		f->last_report_ms[i] = VRRP_NEVER;
	f->heard_reported = false;

	switch (to) {
	case VRRP_STATE_MASTER:
		/* RFC 5798 6.4.1 / 6.4.2: advert, gratuitous ARP / NA, Adver_Timer. */
		f->master_addr = f->p.primary;
		f->master_priority = vrrp_fsm_priority(f);
		f->ops->set_vips(f, true);
		send_advert(f, vrrp_fsm_priority(f));
		f->ops->announce(f);
		arm_adver(f, now);
		f->counters.became_master++;
		break;
	case VRRP_STATE_BACKUP:
		/* Master_Adver_Interval was set by the action that chose Backup. */
		arm_master_down(f, now, VRRP_REASON_MASTER_DOWN);
		break;
	default: f->t.adver_ms = VRRP_NEVER; break;
	}
	f->counters.transitions++;
	f->ops->notify(f, from, to, why);
}

/* ---- actions: one per cell kind; each returns the next state ---- */

/* Nothing to do: a stale timer, a repeated command, a role kept for startup. */
static enum vrrp_state stay(struct vrrp_fsm *f, struct vrrp_step *s)
{
	return f->state;
}

/* Initialize does not listen (RFC 5798 6.4.1). */
static enum vrrp_state not_running(struct vrrp_fsm *f, struct vrrp_step *s)
{
	s->drop = VRRP_DROP_NOT_RUNNING;
	return f->state;
}

/* Initialize + Startup: the owner becomes Master at once; anyone else waits in Backup for
 * Master_Down_Interval (RFC 5798 6.4.1). */
static enum vrrp_state init_startup(struct vrrp_fsm *f, struct vrrp_step *s)
{
	f->master_adver_interval_cs = f->p.interval_cs;
	if (f->p.priority == VRRP_PRIO_OWNER) {
		s->why = VRRP_REASON_OWNER;
		return VRRP_STATE_MASTER;
	}
	s->why = VRRP_REASON_STARTUP;
	return VRRP_STATE_BACKUP;
}

/* Backup + Shutdown: cancel Master_Down_Timer (on leaving), go to Initialize. */
static enum vrrp_reason shutdown_reason(const struct vrrp_step *s)
{
	return s->why == VRRP_REASON_INTERFACE ? s->why : VRRP_REASON_SHUTDOWN;
}

static enum vrrp_state backup_shutdown(struct vrrp_fsm *f, struct vrrp_step *s)
{
	s->why = shutdown_reason(s);
	return VRRP_STATE_INIT;
}

/* Master + Shutdown: priority 0, so that a backup takes over after Skew_Time; VIPs go down on
 * leaving Master. */
static enum vrrp_state master_shutdown(struct vrrp_fsm *f, struct vrrp_step *s)
{
	send_advert(f, VRRP_PRIO_STOP);
	s->why = shutdown_reason(s);
	return VRRP_STATE_INIT;
}

/* Backup + Master_Down_Timer: no master left (or we preempt it): take over. */
static enum vrrp_state backup_master_down(struct vrrp_fsm *f, struct vrrp_step *s)
{
	s->why = f->master_down_cause;
	return VRRP_STATE_MASTER;
}

/* Master + Adver_Timer: advertise, re-arm. */
static enum vrrp_state master_adver_timer(struct vrrp_fsm *f, struct vrrp_step *s)
{
	send_advert(f, vrrp_fsm_priority(f));
	arm_adver(f, s->now);
	return f->state;
}

/* Backup + Advert (RFC 5798 6.4.2). */
static enum vrrp_state backup_advert(struct vrrp_fsm *f, struct vrrp_step *s)
{
	if (s->adv->priority == VRRP_PRIO_STOP) {
		/* The master resigns: Master_Down_Timer = Skew_Time. */
		arm_skew(f, s->now);
	} else if (f->p.preempt && s->adv->priority < vrrp_fsm_priority(f) &&
		   !preempt_held(f, s->now)) {
		/* We outrank it and preempt: discard, and Master_Down_Timer makes us Master. */
		f->master_down_cause = VRRP_REASON_PREEMPT;
		f->counters.preempt_discards++;
	} else {
		/* Preempt off, a priority not below ours, or preempt delay running: follow it. */
		follow_master(f, s);
	}
	return f->state;
}

/* Master + Advert (RFC 5798 6.4.3). */
static enum vrrp_state master_advert(struct vrrp_fsm *f, struct vrrp_step *s)
{
	if (s->adv->priority == VRRP_PRIO_STOP) {
		/* Another master resigns: advertise at once so that backups hear a master. */
		send_advert(f, vrrp_fsm_priority(f));
		arm_adver(f, s->now);
		return f->state;
	}
	if (f->p.priority == VRRP_PRIO_OWNER) {
		/* The owner stays: another owner is a misconfiguration; anyone else is healed. */
		if (s->adv->priority == VRRP_PRIO_OWNER)
			s->drop = VRRP_DROP_OWNER_CONFLICT;
		else
			heal(f, s->now);
		return f->state;
	}
	if (outranks_us(f, s)) {
		/* A better master: step down and follow its interval. */
		s->why = s->adv->priority > vrrp_fsm_priority(f) ? VRRP_REASON_HIGHER_PRIORITY
								 : VRRP_REASON_HIGHER_ADDRESS;
		f->master_adver_interval_cs = s->adv->interval_cs;
		f->master_addr = *s->src;
		f->master_priority = s->adv->priority;
		return VRRP_STATE_BACKUP;
	}
	/* A lower master: a split brain healed. Re-announce now. */
	heal(f, s->now);
	return f->state;
}

/* Bound, Initialize + Startup: the role vgmpd last gave (Backup until it speaks). */
static enum vrrp_state bound_startup(struct vrrp_fsm *f, struct vrrp_step *s)
{
	f->master_adver_interval_cs = f->p.interval_cs;
	s->why = VRRP_REASON_STARTUP;
	return f->role == VRRP_ROLE_MASTER ? VRRP_STATE_MASTER : VRRP_STATE_BACKUP;
}

/* Bound Backup + Master_Down_Timer: report it and stay; re-armed, so it repeats while no master
 * speaks. */
static enum vrrp_state bound_backup_master_down(struct vrrp_fsm *f, struct vrrp_step *s)
{
	report(f, VRRP_VGMP_MASTER_DOWN, s->now);
	f->heard_reported = false; /* the next advert is news again */
	arm_master_down(f, s->now, VRRP_REASON_MASTER_DOWN);
	return f->state;
}

/* Bound Backup + Advert: follow the master (interval, timer); priority 0 shortens the timer. No
 * preemption: vgmpd decides. The first advert since we became backup or reported master-down is
 * reported: with the heartbeats dead, a peer still advertising is a split brain, not a dead
 * peer (doc/vgmp.md, "Split-brain policy"). */
static enum vrrp_state bound_backup_advert(struct vrrp_fsm *f, struct vrrp_step *s)
{
	if (s->adv->priority == VRRP_PRIO_STOP) {
		arm_skew(f, s->now);
		return f->state;
	}
	follow_master(f, s);
	if (!f->heard_reported && report(f, VRRP_VGMP_MASTER_HEARD, s->now))
		f->heard_reported = true;
	return f->state;
}

/* Bound Master + Advert: never step down on our own; tell vgmpd about the other master. A lower
 * one is healed as an unbound master would. */
static enum vrrp_state bound_master_advert(struct vrrp_fsm *f, struct vrrp_step *s)
{
	if (s->adv->priority == VRRP_PRIO_STOP) {
		send_advert(f, vrrp_fsm_priority(f));
		arm_adver(f, s->now);
	} else if (outranks_us(f, s)) {
		report(f, VRRP_VGMP_HIGHER_MASTER, s->now);
	} else {
		heal(f, s->now);
		report(f, VRRP_VGMP_LOWER_MASTER, s->now);
	}
	return f->state;
}

/* Bound Backup + vgmpd says master. */
static enum vrrp_state role_to_master(struct vrrp_fsm *f, struct vrrp_step *s)
{
	return VRRP_STATE_MASTER;
}

/* Bound Master + vgmpd says backup: resign with priority 0, so that the peer's backup (or any RFC
 * router) takes over after Skew_Time if its own vgmpd has not already made it master. */
static enum vrrp_state role_to_backup(struct vrrp_fsm *f, struct vrrp_step *s)
{
	send_advert(f, VRRP_PRIO_STOP);
	f->master_adver_interval_cs = f->p.interval_cs;
	memset(&f->master_addr, 0, sizeof(f->master_addr));
	f->master_priority = 0;
	return VRRP_STATE_BACKUP;
}

/* ---- the tables ---- */

struct vrrp_cell {
	enum vrrp_state (*run)(struct vrrp_fsm *f, struct vrrp_step *s);
};

/* Unbound groups: RFC 5798 6.4. The role events are not theirs (NULL: -EINVAL). */
static const struct vrrp_cell rfc_table[VRRP_STATE_MAX][VRRP_EV_MAX] = {
	[VRRP_STATE_INIT] = {
		[VRRP_EV_STARTUP] = { init_startup },
		[VRRP_EV_SHUTDOWN] = { stay },
		[VRRP_EV_ADVER_TIMER] = { stay },
		[VRRP_EV_MASTER_DOWN_TIMER] = { stay },
		[VRRP_EV_ADVERT] = { not_running },
	},
	[VRRP_STATE_BACKUP] = {
		[VRRP_EV_STARTUP] = { stay },
		[VRRP_EV_SHUTDOWN] = { backup_shutdown },
		[VRRP_EV_ADVER_TIMER] = { stay },
		[VRRP_EV_MASTER_DOWN_TIMER] = { backup_master_down },
		[VRRP_EV_ADVERT] = { backup_advert },
	},
	[VRRP_STATE_MASTER] = {
		[VRRP_EV_STARTUP] = { stay },
		[VRRP_EV_SHUTDOWN] = { master_shutdown },
		[VRRP_EV_ADVER_TIMER] = { master_adver_timer },
		[VRRP_EV_MASTER_DOWN_TIMER] = { stay },
		[VRRP_EV_ADVERT] = { master_advert },
	},
};

/* Bound groups: only startup, shutdown and vgmpd's role change the state. */
static const struct vrrp_cell bound_table[VRRP_STATE_MAX][VRRP_EV_MAX] = {
	[VRRP_STATE_INIT] = {
		[VRRP_EV_STARTUP] = { bound_startup },
		[VRRP_EV_SHUTDOWN] = { stay },
		[VRRP_EV_ADVER_TIMER] = { stay },
		[VRRP_EV_MASTER_DOWN_TIMER] = { stay },
		[VRRP_EV_ADVERT] = { not_running },
		[VRRP_EV_ROLE_MASTER] = { stay },
		[VRRP_EV_ROLE_BACKUP] = { stay },
	},
	[VRRP_STATE_BACKUP] = {
		[VRRP_EV_STARTUP] = { stay },
		[VRRP_EV_SHUTDOWN] = { backup_shutdown },
		[VRRP_EV_ADVER_TIMER] = { stay },
		[VRRP_EV_MASTER_DOWN_TIMER] = { bound_backup_master_down },
		[VRRP_EV_ADVERT] = { bound_backup_advert },
		[VRRP_EV_ROLE_MASTER] = { role_to_master },
		[VRRP_EV_ROLE_BACKUP] = { stay },
	},
	[VRRP_STATE_MASTER] = {
		[VRRP_EV_STARTUP] = { stay },
		[VRRP_EV_SHUTDOWN] = { master_shutdown },
		[VRRP_EV_ADVER_TIMER] = { master_adver_timer },
		[VRRP_EV_MASTER_DOWN_TIMER] = { stay },
		[VRRP_EV_ADVERT] = { bound_master_advert },
		[VRRP_EV_ROLE_MASTER] = { stay },
		[VRRP_EV_ROLE_BACKUP] = { role_to_backup },
	},
};

static int dispatch(struct vrrp_fsm *f, enum vrrp_event ev, struct vrrp_step *s)
{
	if ((int)ev < 0 || ev >= VRRP_EV_MAX || (int)f->state < 0 || f->state >= VRRP_STATE_MAX)
		return -EINVAL;
	const struct vrrp_cell *c =
		vrrp_fsm_is_bound(f) ? &bound_table[f->state][ev] : &rfc_table[f->state][ev];
	if (!c->run)
		return -EINVAL;
	enum vrrp_state to = c->run(f, s);
	set_state(f, to, s->why, s->now);
	if (s->drop != VRRP_DROP_NONE)
		vrrp_count_drop(&f->counters, s->drop);
	return 0;
}

int vrrp_fsm_event(struct vrrp_fsm *f, enum vrrp_event ev, const struct vrrp_advert *adv,
		   const struct hs_addr *src, enum vrrp_reason why, uint64_t now_ms)
{
	if (!f || (ev == VRRP_EV_ADVERT && (!adv || !src)))
		return -EINVAL;
	if ((int)why < 0 || why >= VRRP_REASON_MAX)
		return -EINVAL;
	struct vrrp_step s = { .now = now_ms, .adv = adv, .src = src, .why = why };
	return dispatch(f, ev, &s);
}

/* ---- setup and the daemon's entry points ---- */

static bool interval_ok(int version, unsigned cs)
{
	if (version == 2)
		return cs >= 100 && cs <= VRRP_V2_INTERVAL_MAX && cs % 100 == 0;
	return cs >= 1 && cs <= VRRP_V3_INTERVAL_MAX;
}

static bool params_ok(const struct vrrp_params *p)
{
	if (p->vrid < 1 || (p->version != 2 && p->version != 3))
		return false;
	if ((p->family != AF_INET && p->family != AF_INET6) ||
	    (p->version == 2 && p->family != AF_INET))
		return false;
	if (p->priority < 1 || !interval_ok(p->version, p->interval_cs))
		return false;
	if (p->binding < 0 || p->binding >= HS_BIND_MAX ||
	    (p->binding != HS_BIND_NONE && p->priority == VRRP_PRIO_OWNER))
		return false;
	if ((int)p->cksum < 0 || p->cksum >= VRRP_CKSUM_MAX)
		return false;
	if (p->primary.family != 0 && p->primary.family != p->family)
		return false;
	if (p->n_vips < 1 || p->n_vips > HS_VRRP_VIPS_MAX)
		return false;
	for (size_t i = 0; i < p->n_vips; i++)
		if (p->vips[i].family != p->family)
			return false;
	return true;
}

int vrrp_params_from_config(const struct hs_vrrp_group_config *g, struct vrrp_params *p)
{
	if (!g || !p)
		return -EINVAL;
	if (g->vrid < 1 || g->vrid > 255 || g->priority < 1 || g->priority > 255 ||
	    g->advert_interval_cs < 1 || g->advert_interval_cs > VRRP_V2_INTERVAL_MAX ||
	    g->preempt_delay_s < 0 || g->preempt_delay_s > 4000000 || g->n_vips > HS_VRRP_VIPS_MAX)
		return -EINVAL;
	if (g->family != HS_FAMILY_IPV4 && g->family != HS_FAMILY_IPV6)
		return -EINVAL;
	struct vrrp_params n = {
		.vrid = (uint8_t)g->vrid,
		.version = (uint8_t)g->version,
		.family = g->family == HS_FAMILY_IPV6 ? AF_INET6 : AF_INET,
		.priority = (uint8_t)g->priority,
		.interval_cs = (uint16_t)g->advert_interval_cs,
		.preempt = g->preempt,
		.preempt_delay_ms = (uint32_t)g->preempt_delay_s * 1000u,
		.accept = g->accept,
		.binding = g->vgmp,
		.cksum = g->checksum == HS_VRRP_CKSUM_RFC9568 ? VRRP_CKSUM_RFC9568
							      : VRRP_CKSUM_PSEUDO,
		.n_vips = g->n_vips,
	};
	memcpy(n.vips, g->vips, g->n_vips * sizeof(g->vips[0]));
	if (!params_ok(&n))
		return -EINVAL;
	*p = n;
	return 0;
}

int vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_params *p, const struct vrrp_fsm_ops *ops,
		  void *ctx)
{
	if (!f || !p || !ops || !params_ok(p))
		return -EINVAL;
	if (!ops->send_advert || !ops->set_vips || !ops->announce || !ops->notify ||
	    !ops->report_to_vgmp || !ops->addr_mismatch)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	f->p = *p;
	f->ops = ops;
	f->ctx = ctx;
	f->state = VRRP_STATE_INIT;
	f->role = VRRP_ROLE_BACKUP;
	f->master_adver_interval_cs = p->interval_cs;
	f->master_down_cause = VRRP_REASON_MASTER_DOWN;
	f->t.adver_ms = f->t.master_down_ms = f->t.preempt_ms = VRRP_NEVER;
	f->last_heal_ms = VRRP_NEVER;
	for (int i = 0; i < VRRP_VGMP_EV_MAX; i++)
		f->last_report_ms[i] = VRRP_NEVER;
	return 0;
}

int vrrp_fsm_set_primary(struct vrrp_fsm *f, const struct hs_addr *primary)
{
	if (!f || !primary || (primary->family != 0 && primary->family != f->p.family))
		return -EINVAL;
	f->p.primary = *primary;
	if (f->state == VRRP_STATE_MASTER)
		f->master_addr = *primary;
	return 0;
}

int vrrp_fsm_startup(struct vrrp_fsm *f, uint64_t now_ms)
{
	return vrrp_fsm_event(f, VRRP_EV_STARTUP, NULL, NULL, VRRP_REASON_STARTUP, now_ms);
}

int vrrp_fsm_shutdown(struct vrrp_fsm *f, uint64_t now_ms)
{
	return vrrp_fsm_event(f, VRRP_EV_SHUTDOWN, NULL, NULL, VRRP_REASON_SHUTDOWN, now_ms);
}

int vrrp_fsm_shutdown_for_interface(struct vrrp_fsm *f, uint64_t now_ms)
{
	return vrrp_fsm_event(f, VRRP_EV_SHUTDOWN, NULL, NULL, VRRP_REASON_INTERFACE, now_ms);
}

/* Master_Down_Timer fired a whole Master_Down_Interval (at least VRRP_STALL_MIN_MS) after its
 * deadline: this process was not running (stopped, a paused VM, a stall of seconds), and the
 * adverts it did not read meanwhile are not the master's silence. A box thawed after a freeze
 * took the VIPs from a live master for a moment and cost seconds of traffic. */
static bool stalled(const struct vrrp_fsm *f, uint64_t now_ms)
{
	uint64_t interval = 10u * vrrp_master_down_cs(f->p.version, vrrp_fsm_priority(f),
						    f->master_adver_interval_cs);
	uint64_t floor = interval > VRRP_STALL_MIN_MS ? interval : VRRP_STALL_MIN_MS;
	return now_ms - f->t.master_down_ms >= floor;
}

int vrrp_fsm_timer(struct vrrp_fsm *f, uint64_t now_ms)
{
	if (!f)
		return -EINVAL;
	if (f->t.master_down_ms != VRRP_NEVER && now_ms >= f->t.master_down_ms) {
		if (stalled(f, now_ms)) {
			/* listen one interval more, as if just started as Backup */
			f->counters.stalls++;
			arm_master_down(f, now_ms, f->master_down_cause);
		} else {
			f->t.master_down_ms = VRRP_NEVER;
			vrrp_fsm_event(f, VRRP_EV_MASTER_DOWN_TIMER, NULL, NULL, VRRP_REASON_NONE,
				       now_ms);
		}
	}
	if (f->t.adver_ms != VRRP_NEVER && now_ms >= f->t.adver_ms) {
		f->t.adver_ms = VRRP_NEVER;
		vrrp_fsm_event(f, VRRP_EV_ADVER_TIMER, NULL, NULL, VRRP_REASON_NONE, now_ms);
	}
	return 0;
}

int vrrp_fsm_set_role(struct vrrp_fsm *f, enum vrrp_role role, enum vrrp_reason why,
		      uint64_t now_ms)
{
	if (!f || !vrrp_fsm_is_bound(f) || (role != VRRP_ROLE_MASTER && role != VRRP_ROLE_BACKUP))
		return -EINVAL;
	if ((int)why < 0 || why >= VRRP_REASON_MAX)
		return -EINVAL;
	f->role = role;
	/* vgmpd gives the role at every (re)connect: a vgmpd that starts afresh learns again
	 * whether the master is heard, at its next advert. */
	f->heard_reported = false;
	return vrrp_fsm_event(f,
			      role == VRRP_ROLE_MASTER ? VRRP_EV_ROLE_MASTER : VRRP_EV_ROLE_BACKUP,
			      NULL, NULL, why, now_ms);
}

uint64_t vrrp_fsm_next_deadline(const struct vrrp_fsm *f)
{
	return f->t.adver_ms < f->t.master_down_ms ? f->t.adver_ms : f->t.master_down_ms;
}

/* The group's receive checks (RFC 5798 7.1, RFC 3768 7.1) on a decoded advert. */
static enum vrrp_drop check(const struct vrrp_fsm *f, const struct vrrp_advert *adv,
			    const struct hs_addr *src)
{
	if (adv->vrid != f->p.vrid)
		return VRRP_DROP_VRID;
	if (adv->version != f->p.version)
		return VRRP_DROP_VERSION_MISMATCH;
	if (adv->family != f->p.family || src->family != f->p.family)
		return VRRP_DROP_FAMILY;
	if (f->p.primary.family != 0 && hs_addr_equal(src, &f->p.primary))
		return VRRP_DROP_OWN;
	if (adv->version == 2 && adv->interval_cs != f->p.interval_cs)
		return VRRP_DROP_INTERVAL_MISMATCH;
	return VRRP_DROP_NONE;
}

enum vrrp_drop vrrp_fsm_input(struct vrrp_fsm *f, const struct vrrp_advert *adv,
			      const struct hs_addr *src, uint64_t now_ms)
{
	if (!adv || !src) {
		vrrp_count_drop(&f->counters, VRRP_DROP_FAMILY);
		return VRRP_DROP_FAMILY;
	}
	enum vrrp_drop d = check(f, adv, src);
	if (d != VRRP_DROP_NONE) {
		vrrp_count_drop(&f->counters, d);
		return d;
	}
	struct vrrp_step s = { .now = now_ms, .adv = adv, .src = src, .why = VRRP_REASON_NONE };
	dispatch(f, VRRP_EV_ADVERT, &s); /* counts s.drop */
	if (s.drop != VRRP_DROP_NONE)
		return s.drop;
	f->counters.rx_adverts++;
	if (adv->priority == VRRP_PRIO_STOP)
		f->counters.rx_prio0++;
	if (!vrrp_addrs_match(adv, f->p.vips, f->p.n_vips)) {
		f->counters.addr_list_mismatch++;
		f->ops->addr_mismatch(f, adv, src);
	}
	return VRRP_DROP_NONE;
}

enum vrrp_drop vrrp_fsm_receive(struct vrrp_fsm *f, const uint8_t *buf, size_t len,
				const struct vrrp_ipinfo *ip, uint64_t now_ms)
{
	struct vrrp_advert adv;
	enum vrrp_drop d = vrrp_decode(buf, len, ip, f->p.cksum, &adv, &f->counters);
	if (d != VRRP_DROP_NONE)
		return d;
	return vrrp_fsm_input(f, &adv, &ip->src, now_ms);
}

int vrrp_fsm_build_advert(const struct vrrp_fsm *f, uint8_t priority, struct vrrp_advert *adv)
{
	if (!f || !adv)
		return -EINVAL;
	adv->version = f->p.version;
	adv->type = VRRP_TYPE_ADVERT;
	adv->vrid = f->p.vrid;
	adv->priority = priority;
	adv->interval_cs = f->p.interval_cs;
	adv->checksum = 0;
	adv->family = f->p.family;
	adv->n_addrs = (unsigned)f->p.n_vips;
	memcpy(adv->addrs, f->p.vips, f->p.n_vips * sizeof(f->p.vips[0]));
	return 0;
}

int vrrp_fsm_encode_advert(const struct vrrp_fsm *f, uint8_t priority, const struct hs_addr *dst,
			   uint8_t *buf, size_t size)
{
	struct vrrp_advert adv;
	int r = vrrp_fsm_build_advert(f, priority, &adv);
	if (r < 0)
		return r;
	struct vrrp_ipinfo ip = { .ttl = VRRP_TTL };
	if (dst) {
		ip.src = f->p.primary;
		ip.dst = *dst;
	}
	return vrrp_encode(&adv, dst ? &ip : NULL, f->p.cksum, buf, size);
}
