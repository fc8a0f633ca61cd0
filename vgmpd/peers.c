/* vgmpd's links: hrpd carries our payload and requests to the peer and brings the peer's back;
 * vrrpd executes the roles. The core's ops are implemented here. A link that comes (back) up is
 * given our whole state at once, so a restart of either daemon loses nothing. */
#include <errno.h>
#include <string.h>

#include "hrp_msg.h"
#include "log.h"
#include "log_event.h"
#include "vgmpd.h"

#define PREFIX "[vgmp]"

static struct vgmpd *of(struct vgmp *v)
{
	return v->ctx;
}

/* The box became degraded: the `fault` hooks, with the newest ledger entry as the reason. */
static void check_fault(struct vgmpd *g)
{
	bool degraded = vgmp_degraded(&g->v);
	if (degraded && !g->was_degraded) {
		const struct vgmp_ledger_entry *e = vgmp_ledger_get(&g->v.track, 0);
		char reason[96];
		snprintf(reason, sizeof(reason), "%s %s", e ? e->name : "tracker",
			 e ? vgmp_ledger_cause_name(e->cause) : "down");
		vgmpd_notify_event(&g->notify, &g->d->config->vgmpd, "fault", "fault",
				   vgmp_state_name(g->v.state), reason, vgmp_priority(&g->v));
	}
	g->was_degraded = degraded;
}

void vgmpd_rearm(struct vgmpd *g)
{
	check_fault(g);
	vgmpd_stop_check(g);
	uint64_t next = vgmp_next_deadline(&g->v);
	if (next == VGMP_NEVER)
		hs_timer_cancel(&g->timer);
	else
		hs_timer_arm_at(&g->timer, next);
}

/* ---- the core's ops ---- */

int vgmpd_push_payload(struct vgmpd *g, bool urgent, hs_ctl_answer_cb cb, void *arg)
{
	struct hrp_vgmp pl;
	vgmp_payload(&g->v, &pl);
	json_t *args = json_pack("{s:s, s:i, s:I, s:b}", "state", hrp_vgmp_state_name(pl.state),
				 "priority", pl.priority, "readiness", (json_int_t)pl.readiness,
				 "urgent", urgent);
	if (pl.has_mode)
		json_object_set_new(args, "mode", json_string(hrp_vgmp_mode_name(pl.mode)));
	int r = hs_ctl_link_request(g->hrpd, "vgmp-local", args, cb, arg);
	if (r == 0)
		g->payloads_sent++;
	return r;
}

static void send_hello(struct vgmp *v)
{
	vgmpd_push_payload(of(v), true, NULL, NULL);
}

static void request_numbered(json_t *resp, void *arg)
{
	struct vgmpd *g = arg;
	if (g->closing)
		return;
	json_t *res = json_object_get(resp, "result");
	if (json_is_integer(json_object_get(res, "request_id"))) {
		vgmp_request_id(&g->v,
				(uint32_t)json_integer_value(json_object_get(res, "request_id")));
		return;
	}
	/* Refused (no running link) or the link went down: the request is lost. */
	vgmp_request_lost(&g->v, hs_now_ms());
	vgmpd_rearm(g);
}

static const char *const kind_names[VGMP_MSG_MAX] = {
	[VGMP_MSG_SWITCHOVER] = "switchover",
	[VGMP_MSG_ACK] = "ack",
	[VGMP_MSG_NACK] = "nack",
};

static void send_request(struct vgmp *v, const struct vgmp_request *r)
{
	struct vgmpd *g = of(v);
	json_t *args = json_pack("{s:s, s:s}", "kind", kind_names[r->kind], "reason",
				 hrp_vgmp_reason_name(r->reason));
	if (r->kind != VGMP_MSG_SWITCHOVER)
		json_object_set_new(args, "request_id", json_integer(r->request_id));
	if (r->has_state)
		json_object_set_new(args, "state",
				    json_string(hrp_vgmp_state_name(vgmp_state_to_hrp(r->state))));
	bool mine = r->kind == VGMP_MSG_SWITCHOVER;
	int rc = hs_ctl_link_request(g->hrpd, "vgmp-request", args, mine ? request_numbered : NULL,
				     g);
	g->requests_sent++;
	/* Not from inside the core's own call: the timer tells it right after. */
	if (rc < 0 && mine) {
		g->request_lost_due = true;
		hs_timer_arm_in(&g->timer, 0);
	}
}

int vgmpd_push_role(struct vgmpd *g, enum vgmp_state s, hs_ctl_answer_cb cb, void *arg)
{
	int r = hs_ctl_link_request(g->vrrpd, "vgmp-role",
				    json_pack("{s:s}", "role", vgmp_state_name(s)), cb, arg);
	if (r == 0)
		g->roles_sent++;
	return r;
}

static void set_vrrp_roles(struct vgmp *v, enum vgmp_state s)
{
	vgmpd_push_role(of(v), s, NULL, NULL);
}

static void reannounce(struct vgmp *v)
{
	hs_ctl_link_request(of(v)->vrrpd, "vrrp-reannounce", NULL, NULL, NULL);
}

static void ospf_cost(struct vgmp *v, enum vgmp_cost cost)
{
	/* ospf.cfg: during a reload already the new config (d->config is swapped after it) */
	int n = vgmpd_ospf_cost_value(of(v)->ospf.cfg, cost);
	if (n >= 0)
		vgmpd_ospf_want(&of(v)->ospf, n);
}

static void notify(struct vgmp *v, enum vgmp_state old, enum vgmp_state new_state,
		   enum vgmp_reason why)
{
	struct vgmpd *g = of(v);
	hs_event(LOG_NOTICE, PREFIX,
		 &(struct hs_event){ .event = "vgmp-state",
				     .old_state = vgmp_state_name(old),
				     .new_state = vgmp_state_name(new_state),
				     .reason = vgmp_reason_name(why),
				     .local_priority = vgmp_priority(v),
				     .peer_priority = v->peer.status == VGMP_PEER_ALIVE
							      ? (long)v->peer.priority
							      : HS_EVENT_NO_PRIORITY });
	json_t *ev = json_pack("{s:s, s:s, s:s, s:i}", "old", vgmp_state_name(old), "new",
			       vgmp_state_name(new_state), "reason", vgmp_reason_name(why),
			       "priority", vgmp_priority(v));
	if (g->d->ctl)
		hs_ctl_server_publish(g->d->ctl, "vgmp-state", ev);
	json_decref(ev);
	/* Last in the transition, after the VRRP roles and the OSPF cost; never waited for. */
	vgmpd_notify_event(&g->notify, &g->d->config->vgmpd, vgmp_state_name(new_state),
			   vgmp_state_name(new_state), vgmp_state_name(old), vgmp_reason_name(why),
			   vgmp_priority(v));
}

const struct vgmp_ops vgmpd_core_ops = {
	.send_hello = send_hello,
	.send_request = send_request,
	.set_vrrp_roles = set_vrrp_roles,
	.reannounce = reannounce,
	.ospf_cost = ospf_cost,
	.notify = notify,
};

/* ---- hrpd ---- */

static int parse_name(const char *s, const char *(*name)(unsigned), unsigned max)
{
	for (unsigned i = 0; s && i < max; i++)
		if (strcmp(s, name(i)) == 0)
			return (int)i;
	return -1;
}

/* {"priority", "state", "readiness", "mode"} as hrpd hands the peer's payload over. */
static int payload_from_json(json_t *o, struct hrp_vgmp *pl)
{
	const char *state = NULL, *mode = NULL;
	json_int_t prio = 0, ready = 0;
	if (json_unpack(o, "{s:I, s:s, s:I, s?s}", "priority", &prio, "state", &state, "readiness",
			&ready, "mode", &mode) < 0)
		return -EINVAL;
	int st = parse_name(state, hrp_vgmp_state_name, HRP_VGMP_STATE_MAX);
	if (st < 0 || prio < 0 || prio > 65535)
		return -EINVAL;
	*pl = (struct hrp_vgmp){ .priority = (uint16_t)prio,
				 .state = (uint8_t)st,
				 .readiness = (uint32_t)ready };
	int m = parse_name(mode, hrp_vgmp_mode_name, HRP_VGMP_MODE_MAX);
	if (m >= 0) {
		pl->has_mode = true;
		pl->mode = (uint8_t)m;
	}
	return 0;
}

/* What hrpd handed over from the peer and we cannot read (a state or kind newer than ours):
 * counted, said 1, 2, 4... times; the core keeps what it knew. */
static void unreadable(struct vgmpd *g, const char *what)
{
	unsigned long long n = ++g->peer_unreadable;
	if ((n & (n - 1)) == 0)
		hs_warn(PREFIX, "hrpd handed over %s we cannot read (%llu so far)", what, n);
}

static void peer_payload(struct vgmpd *g, json_t *data, uint64_t now)
{
	struct hrp_vgmp pl;
	if (payload_from_json(json_object_get(data, "payload"), &pl) < 0) {
		unreadable(g, "a peer payload");
		return;
	}
	vgmp_peer_update(&g->v, &pl, json_string_value(json_object_get(data, "name")), now);
}

static void peer_request(struct vgmpd *g, json_t *data, uint64_t now)
{
	const char *kind = json_string_value(json_object_get(data, "kind"));
	struct vgmp_request r = { .kind = VGMP_MSG_INVALID };
	for (int k = 0; kind && k < VGMP_MSG_MAX; k++)
		if (strcmp(kind, kind_names[k]) == 0)
			r.kind = (enum vgmp_msg)k;
	int reason = parse_name(json_string_value(json_object_get(data, "reason")),
				hrp_vgmp_reason_name, HRP_VGMP_REASON_MAX);
	if (r.kind == VGMP_MSG_INVALID) {
		unreadable(g, "a VGMP message of a kind");
		return;
	}
	r.request_id = (uint32_t)json_integer_value(json_object_get(data, "request_id"));
	r.reason = reason < 0 ? HRP_VGMP_REASON_NONE : (enum hrp_vgmp_reason)reason;
	json_t *prio = json_object_get(data, "priority");
	if (json_is_integer(prio)) {
		r.has_priority = true;
		r.priority = (uint16_t)json_integer_value(prio);
	}
	int st = parse_name(json_string_value(json_object_get(data, "state")), hrp_vgmp_state_name,
			    HRP_VGMP_STATE_MAX);
	if (st >= 0) {
		r.has_state = true;
		r.state = vgmp_state_from_hrp((unsigned)st);
	}
	vgmp_request_received(&g->v, &r, now);
}

/* hrpd's session sync: not ready while the active peer's table has not arrived, and a box that
 * is not ready does not preempt. */
static void session_ready(struct vgmpd *g, json_t *ready, uint64_t now)
{
	if (json_is_boolean(ready))
		vgmp_set_ready(&g->v, json_is_true(ready), now);
}

static void hrpd_event(struct hs_ctl_link *l, const char *event, json_t *data, void *arg)
{
	struct vgmpd *g = arg;
	uint64_t now = hs_now_ms();
	g->peer_events++;
	if (strcmp(event, "peer") == 0) {
		const char *state = json_string_value(json_object_get(data, "state"));
		if (state && strcmp(state, "down") == 0)
			vgmp_peer_down(&g->v, now);
		else if (json_is_object(json_object_get(data, "payload")))
			peer_payload(g, data, now);
	} else if (strcmp(event, "vgmp-peer") == 0) {
		peer_payload(g, data, now);
	} else if (strcmp(event, "session-ready") == 0) {
		session_ready(g, json_object_get(data, "ready"), now);
	} else if (strcmp(event, "vgmp-request") == 0) {
		peer_request(g, data, now);
	} else if (strcmp(event, "vgmp-request-lost") == 0) {
		const char *kind = json_string_value(json_object_get(data, "kind"));
		if (kind && strcmp(kind, "switchover") == 0)
			vgmp_request_lost(&g->v, now);
	}
	vgmpd_rearm(g);
	vgmpd_hrpd_answered(g);
}

/* What hrpd knew of the peer before we subscribed: events only tell changes. */
void vgmpd_hrpd_status_answer(json_t *resp, void *arg)
{
	struct vgmpd *g = arg;
	if (g->closing)
		return;
	json_t *hrp = json_object_get(json_object_get(resp, "result"), "hrp");
	json_t *peer = json_object_get(hrp, "peer");
	const char *state = json_string_value(json_object_get(peer, "state"));
	uint64_t now = hs_now_ms();
	vgmpd_hrpd_dead_time(g, json_object_get(json_object_get(hrp, "heartbeat"), "dead_time_ms"));
	session_ready(g, json_object_get(json_object_get(hrp, "session"), "ready"), now);
	if (state && strcmp(state, "up") == 0 && json_is_object(json_object_get(peer, "payload")))
		peer_payload(g, peer, now);
	else if (state && strcmp(state, "dead") == 0)
		vgmp_peer_down(&g->v, now);
	vgmpd_rearm(g);
	if (resp)
		vgmpd_hrpd_answered(g);
}

static void hrpd_connected(struct hs_ctl_link *l, void *arg)
{
	/* hrpd (re)started: it must carry our payload from its first hello; and we must learn
	 * what it already knows of the peer. */
	vgmpd_hrpd_back(arg);
	vgmpd_push_payload(arg, true, NULL, NULL);
	hs_ctl_link_request(l, "status", NULL, vgmpd_hrpd_status_answer, arg);
}

static void hrpd_disconnected(struct hs_ctl_link *l, void *arg)
{
	(void)l;
	vgmpd_hrpd_lost(arg);
}

static const struct hs_ctl_link_ops hrpd_ops = {
	.connected = hrpd_connected,
	.disconnected = hrpd_disconnected,
	.event = hrpd_event,
};

/* ---- vrrpd ---- */

/* A bound backup's last report, per group: it hears the master (master-heard) or not
 * (master-down). A group that leaves Backup is forgotten: a master hears no master, and its old
 * report would hold a split brain for good. Whether any backup still hears the peer. */
static bool backup_heard(struct vgmpd *g, const json_t *data, int heard /* -1: forget */)
{
	const char *ifname = json_string_value(json_object_get(data, "interface"));
	ifname = ifname ? ifname : "";
	const char *family = json_string_value(json_object_get(data, "family"));
	json_int_t vrid = json_integer_value(json_object_get(data, "vrid"));
	uint8_t fam = family && strcmp(family, "ipv6") == 0 ? 6 : 4;
	size_t i = 0;
	while (i < g->n_heard && !(strncmp(g->heard[i].ifname, ifname, 15) == 0 &&
				   g->heard[i].vrid == (uint8_t)vrid && g->heard[i].family == fam))
		i++;
	if (heard < 0) {
		if (i < g->n_heard)
			g->heard[i] = g->heard[--g->n_heard];
	} else {
		if (i == g->n_heard) {
			if (g->n_heard < VGMPD_HEARD_MAX)
				g->n_heard++;
			i = g->n_heard - 1;
			snprintf(g->heard[i].ifname, sizeof(g->heard[i].ifname), "%s", ifname);
			g->heard[i].vrid = (uint8_t)vrid;
			g->heard[i].family = fam;
		}
		g->heard[i].heard = heard;
	}
	for (i = 0; i < g->n_heard; i++)
		if (g->heard[i].heard)
			return true;
	return false;
}

static void vrrpd_event(struct hs_ctl_link *l, const char *event, json_t *data, void *arg)
{
	struct vgmpd *g = arg;
	const char *what = json_string_value(json_object_get(data, "event"));
	if (strcmp(event, "vrrp-state") == 0) {
		/* A group's transition: for the vrrp trackers (track_vrrp.c). */
		const char *to = json_string_value(json_object_get(data, "new"));
		if (!to || strcmp(to, "Backup") != 0)
			backup_heard(g, data, -1);
		vgmpd_trackers_vrrp_event(g, data);
		vgmpd_rearm(g);
		return;
	}
	if (strcmp(event, "vrrp-vgmp") != 0 || !what)
		return;
	/* Only the reports this version knows mean the peer advertises (a newer vrrpd's not). */
	bool known = false;
	for (int k = 0; k < VRRP_VGMP_EV_MAX && !known; k++)
		known = strcmp(what, vrrp_vgmp_event_name((enum vrrp_vgmp_event)k)) == 0;
	if (!known) {
		static bool told;
		if (!told)
			hs_warn(PREFIX, "vrrpd reports '%s', unknown to this vgmpd: ignored", what);
		told = true;
		return;
	}
	/* Another master on a bound group (heard now), or a bound backup hearing the master: the
	 * peer still advertises (split-brain policy); master-down: not on that group, and the
	 * peer is taken as advertising while another backup still hears it. */
	bool seen = strcmp(what, "master-down") != 0;
	bool backup = !seen || strcmp(what, "master-heard") == 0;
	vgmp_set_peer_adverts(&g->v, backup ? backup_heard(g, data, seen) : true, hs_now_ms());
	vgmpd_rearm(g);
	if (!seen)
		vgmpd_silent_master_down(g);
}

static void vrrpd_connected(struct hs_ctl_link *l, void *arg)
{
	struct vgmpd *g = arg;
	vgmpd_push_role(g, g->v.state, NULL, NULL);
	vgmpd_trackers_vrrp_link(g, true);
}

static void vrrpd_disconnected(struct hs_ctl_link *l, void *arg)
{
	struct vgmpd *g = arg;
	g->n_heard = 0; /* vrrpd reports again once it is back and has our role */
	vgmpd_trackers_vrrp_link(g, false);
	vgmpd_rearm(g);
}

static const struct hs_ctl_link_ops vrrpd_ops = {
	.connected = vrrpd_connected,
	.disconnected = vrrpd_disconnected,
	.event = vrrpd_event,
};

int vgmpd_peers_open(struct vgmpd *g)
{
	static const char *const hrpd_events[] = { "peer",	       "vgmp-peer",
						   "vgmp-request", "vgmp-request-lost",
						   "session-ready", NULL };
	static const char *const vrrpd_events[] = { "vrrp-vgmp", "vrrp-state", NULL };
	int r = hs_ctl_link_open(&g->hrpd, &g->d->loop, g->d->rundir, "hrpd", hrpd_events,
				 &hrpd_ops, g);
	if (r == 0)
		r = hs_ctl_link_open(&g->vrrpd, &g->d->loop, g->d->rundir, "vrrpd", vrrpd_events,
				     &vrrpd_ops, g);
	return r;
}

void vgmpd_peers_close(struct vgmpd *g)
{
	hs_ctl_link_close(g->hrpd);
	hs_ctl_link_close(g->vrrpd);
	g->hrpd = g->vrrpd = NULL;
}
