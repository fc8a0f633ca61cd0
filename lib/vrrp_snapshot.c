/* vrrpd's hot-restart snapshot in JSON, and the moves of a group's state in and out of it. */
#include "vrrp_snapshot.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const char *const states[VRRP_STATE_MAX] = {
	[VRRP_STATE_INIT] = "initialize",
	[VRRP_STATE_BACKUP] = "backup",
	[VRRP_STATE_MASTER] = "master",
};

static const char *const roles[VRRP_ROLE_MAX] = {
	[VRRP_ROLE_BACKUP] = "backup",
	[VRRP_ROLE_MASTER] = "master",
};

/* The counters by name: a reader keeps those it knows. */
#define C(field)                                                                                   \
	{                                                                                          \
#field, offsetof(struct vrrp_counters, field)                                      \
	}
static const struct {
	const char *name;
	size_t off;
} counters[] = {
	C(rx),
	C(rx_adverts),
	C(rx_prio0),
	C(addr_list_mismatch),
	C(tx),
	C(tx_prio0),
	C(transitions),
	C(became_master),
	C(preempt_discards),
	C(preempt_held),
	C(split_brain_heals),
	C(split_brain_throttled),
	C(vgmp_reports),
	C(stalls),
};
#undef C

static int lookup(const char *const *table, int max, const char *name)
{
	for (int i = 0; name && i < max; i++)
		if (table[i] && strcmp(table[i], name) == 0)
			return i;
	return -1;
}

/* Deadlines: null when disarmed. */
static json_t *deadline(uint64_t ms)
{
	return ms == VRRP_NEVER ? json_null() : json_integer((json_int_t)ms);
}

static uint64_t deadline_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_integer(v) && json_integer_value(v) >= 0 ? (uint64_t)json_integer_value(v)
								: VRRP_NEVER;
}

static json_t *counters_encode(const struct vrrp_counters *c)
{
	json_t *o = json_object();
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		uint64_t v;
		memcpy(&v, (const char *)c + counters[i].off, sizeof(v));
		json_object_set_new(o, counters[i].name, json_integer((json_int_t)v));
	}
	json_t *drops = json_object();
	for (int d = 1; d < VRRP_DROP_MAX; d++)
		if (c->drops[d])
			json_object_set_new(drops, vrrp_drop_name(d),
					    json_integer((json_int_t)c->drops[d]));
	json_object_set_new(o, "drops", drops);
	return o;
}

static void counters_decode(const json_t *o, struct vrrp_counters *c)
{
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		const json_t *v = json_object_get(o, counters[i].name);
		uint64_t n = json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
		memcpy((char *)c + counters[i].off, &n, sizeof(n));
	}
	const json_t *drops = json_object_get(o, "drops");
	for (int d = 1; d < VRRP_DROP_MAX; d++) {
		const json_t *v = json_object_get(drops, vrrp_drop_name(d));
		c->drops[d] = json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
	}
}

static json_t *group_encode(const struct vrrp_snap_group *g)
{
	char addr[64] = "";
	if (g->master_addr.family)
		hs_addr_str(&g->master_addr, addr, sizeof(addr));
	json_t *o = json_pack(
		"{s:s, s:s, s:i, s:s, s:s, s:o, s:o, s:o, s:s, s:i, s:i}", "interface",
		g->interface, "family", g->family == AF_INET6 ? "ipv6" : "ipv4", "vrid", g->vrid,
		"state", states[g->state], "role", roles[g->role], "adver_ms",
		deadline(g->t.adver_ms), "master_down_ms", deadline(g->t.master_down_ms),
		"preempt_ms", deadline(g->t.preempt_ms), "master_addr", addr, "master_priority",
		g->master_priority, "master_adver_interval_cs", g->master_adver_interval_cs);
	if (o) {
		json_object_set_new(o, "master_down_cause",
				    json_string(vrrp_reason_name(g->master_down_cause)));
		json_object_set_new(o, "counters", counters_encode(&g->counters));
		if (g->owner_added)
			json_object_set_new(o, "owner_added", json_integer(g->owner_added));
	}
	return o;
}

json_t *vrrp_snapshot_encode(const struct vrrp_snapshot *s)
{
	json_t *groups = json_array();
	for (size_t i = 0; groups && i < s->n_groups; i++) {
		const struct vrrp_snap_group *g = &s->groups[i];
		if (g->state < 0 || g->state >= VRRP_STATE_MAX || g->role < 0 ||
		    g->role >= VRRP_ROLE_MAX ||
		    json_array_append_new(groups, group_encode(g)) < 0) {
			json_decref(groups);
			return NULL;
		}
	}
	return json_pack("{s:s, s:i, s:i, s:s, s:o*}", "format", VRRP_SNAPSHOT_FORMAT, "major",
			 VRRP_SNAPSHOT_MAJOR, "minor", VRRP_SNAPSHOT_MINOR, "role", s->role,
			 "groups", groups);
}

static int group_decode(const json_t *o, struct vrrp_snap_group *g, char *err, size_t errlen)
{
	const char *ifname = NULL, *family = NULL, *state = NULL, *role = NULL, *addr = "";
	int vrid = 0, prio = 0, interval = 0;
	if (json_unpack((json_t *)o, "{s:s, s:s, s:i, s:s, s:s, s?s, s?i, s?i}", "interface",
			&ifname, "family", &family, "vrid", &vrid, "state", &state, "role", &role,
			"master_addr", &addr, "master_priority", &prio, "master_adver_interval_cs",
			&interval) < 0) {
		snprintf(err, errlen, "a group lacks interface, family, vrid, state or role");
		return -EINVAL;
	}
	int st = lookup(states, VRRP_STATE_MAX, state), ro = lookup(roles, VRRP_ROLE_MAX, role);
	bool v6 = strcmp(family, "ipv6") == 0;
	if (st < 0 || ro < 0 || (!v6 && strcmp(family, "ipv4") != 0) || vrid < 1 || vrid > 255 ||
	    prio < 0 || prio > 255 || interval < 0 || interval > 25500 ||
	    strlen(ifname) >= sizeof(g->interface)) {
		snprintf(err, errlen, "group %s VRID %d: a field is out of range", ifname, vrid);
		return -EINVAL;
	}
	memset(g, 0, sizeof(*g));
	snprintf(g->interface, sizeof(g->interface), "%s", ifname);
	g->family = v6 ? AF_INET6 : AF_INET;
	g->vrid = vrid;
	g->state = (enum vrrp_state)st;
	g->role = (enum vrrp_role)ro;
	g->t.adver_ms = deadline_of(o, "adver_ms");
	g->t.master_down_ms = deadline_of(o, "master_down_ms");
	g->t.preempt_ms = deadline_of(o, "preempt_ms");
	/* 1.1; a 1.0 snapshot (or a name this version does not know) restores the plain cause */
	g->master_down_cause = VRRP_REASON_MASTER_DOWN;
	const char *cause = json_string_value(json_object_get(o, "master_down_cause"));
	for (int r = 0; cause && r < VRRP_REASON_MAX; r++)
		if (strcmp(cause, vrrp_reason_name((enum vrrp_reason)r)) == 0)
			g->master_down_cause = (enum vrrp_reason)r;
	if (addr[0] &&
	    (hs_addr_parse(addr, &g->master_addr) < 0 || g->master_addr.family != g->family)) {
		snprintf(err, errlen, "group %s VRID %d: bad master address '%s'", ifname, vrid,
			 addr);
		return -EINVAL;
	}
	g->master_priority = (uint8_t)prio;
	g->master_adver_interval_cs = (uint16_t)interval;
	counters_decode(json_object_get(o, "counters"), &g->counters);
	/* 1.2; absent before: nothing added (an older vrrpd added an owner's VIPs unchecked) */
	json_int_t added = json_integer_value(json_object_get(o, "owner_added"));
	g->owner_added = added > 0 && added <= 0xffff ? (uint32_t)added : 0;
	return 0;
}

int vrrp_snapshot_decode(const json_t *j, struct vrrp_snapshot *out, char *err, size_t errlen)
{
	const char *format = NULL, *role = "";
	int major = -1, minor = 0;
	json_t *groups = NULL;
	memset(out, 0, sizeof(*out));
	if (json_unpack((json_t *)j, "{s:s, s:i, s?i, s?s, s:o}", "format", &format, "major",
			&major, "minor", &minor, "role", &role, "groups", &groups) < 0 ||
	    !json_is_array(groups)) {
		snprintf(err, errlen, "not a vrrpd snapshot (format, major or groups missing)");
		return -EINVAL;
	}
	if (strcmp(format, VRRP_SNAPSHOT_FORMAT) != 0) {
		snprintf(err, errlen, "snapshot format '%s', expected '%s'", format,
			 VRRP_SNAPSHOT_FORMAT);
		return -EPROTONOSUPPORT;
	}
	/* A newer major version may mean something else by the fields we know: refuse rather
	 * than guess (the caller falls back to a cold restart). */
	if (major > VRRP_SNAPSHOT_MAJOR || major < 1) {
		snprintf(err, errlen,
			 "snapshot version %d.%d is not readable by this vrrpd (reads %d.x): "
			 "hot restart refused, use a cold restart",
			 major, minor, VRRP_SNAPSHOT_MAJOR);
		return -EPROTONOSUPPORT;
	}
	size_t n = json_array_size(groups);
	struct vrrp_snap_group *g = calloc(n ? n : 1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int r = group_decode(json_array_get(groups, i), &g[i], err, errlen);
		if (r < 0) {
			free(g);
			return r;
		}
	}
	out->major = (unsigned)major;
	out->minor = (unsigned)minor;
	snprintf(out->role, sizeof(out->role), "%s", role);
	out->groups = g;
	out->n_groups = n;
	return 0;
}

void vrrp_snapshot_free(struct vrrp_snapshot *s)
{
	free(s->groups);
	s->groups = NULL;
	s->n_groups = 0;
}

const struct vrrp_snap_group *vrrp_snapshot_find(const struct vrrp_snapshot *s,
						 const char *interface, int family, int vrid)
{
	for (size_t i = 0; s && i < s->n_groups; i++) {
		const struct vrrp_snap_group *g = &s->groups[i];
		if (g->family == family && g->vrid == vrid && strcmp(g->interface, interface) == 0)
			return g;
	}
	return NULL;
}

void vrrp_fsm_save(const struct vrrp_fsm *f, struct vrrp_snap_group *g)
{
	g->state = f->state;
	g->role = f->role;
	g->t = f->t;
	g->master_down_cause = f->master_down_cause;
	g->master_addr = f->master_addr;
	g->master_priority = f->master_priority;
	g->master_adver_interval_cs = f->master_adver_interval_cs;
	g->counters = f->counters;
}

int vrrp_fsm_restore(struct vrrp_fsm *f, const struct vrrp_snap_group *g)
{
	if (g->state < 0 || g->state >= VRRP_STATE_MAX || g->role < 0 || g->role >= VRRP_ROLE_MAX)
		return -EINVAL;
	if (g->family != f->p.family || g->vrid != f->p.vrid)
		return -EINVAL;
	if (g->master_addr.family && g->master_addr.family != f->p.family)
		return -EINVAL;
	f->state = g->state;
	f->role = vrrp_fsm_is_bound(f) ? g->role : VRRP_ROLE_BACKUP;
	f->t = g->t;
	f->master_down_cause = g->master_down_cause;
	f->master_priority = g->master_priority;
	f->master_adver_interval_cs =
		g->master_adver_interval_cs ? g->master_adver_interval_cs : f->p.interval_cs;
	/* As master we are the master: our own address, whatever the old one heard. */
	f->master_addr = f->state == VRRP_STATE_MASTER ? f->p.primary : g->master_addr;
	f->counters = g->counters;
	return 0;
}
