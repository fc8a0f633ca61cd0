/* The compare of the pairing consistency check (pair_facts.h): every fact that differs between
 * the two boxes, with both values and how bad it is.
 *
 * Errors: what makes a failover change the service — a VRRP group on one box only, or with
 * another interface, other virtual addresses, another advert interval or version; another hello
 * interval or dead count (one box would declare the other dead at another time).
 * Warnings: what may be meant but is worth a look — a conntrack sysctl (a session synced to a
 * box with a shorter timeout expires sooner there), the software or HRP protocol version (an
 * upgrade in progress). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "pair_facts.h"

struct diffs {
	struct hs_pf_diff *out;
	size_t cap, n;
};

static void add(struct diffs *d, enum hs_pf_severity sev, const char *here, const char *peer,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add(struct diffs *d, enum hs_pf_severity sev, const char *here, const char *peer,
		const char *fmt, ...)
{
	if (d->n < d->cap) {
		struct hs_pf_diff *x = &d->out[d->n];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(x->what, sizeof(x->what), fmt, ap);
		va_end(ap);
		snprintf(x->here, sizeof(x->here), "%s", here);
		snprintf(x->peer, sizeof(x->peer), "%s", peer);
		x->severity = sev;
	}
	d->n++;
}

static void add_u32(struct diffs *d, enum hs_pf_severity sev, const char *what, uint32_t here,
		    uint32_t peer)
{
	char a[16], b[16];
	if (here == peer)
		return;
	snprintf(a, sizeof(a), "%u", here);
	snprintf(b, sizeof(b), "%u", peer);
	add(d, sev, a, b, "%s", what);
}

static const char *fam(int family)
{
	return family == AF_INET6 ? "ipv6" : "ipv4";
}

/* Our interface name as the peer calls it. */
static const char *peer_ifname(const struct hs_cfgsync_renames *m, const char *local)
{
	for (size_t i = 0; m && i < m->n; i++)
		if (!strcmp(m->e[i].local, local))
			return m->e[i].peer;
	return local;
}

static void vips_text(const struct hs_pf_group *g, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < g->n_vips && o < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? " " : "", g->vips[i]);
	if (g->n_vips == 0)
		snprintf(out, cap, "none");
}

static void group_text(const struct hs_pf_group *g, const char *ifname, char *out, size_t cap)
{
	char vips[HS_PF_SIDE_MAX - HS_CFGSYNC_IFNAME_MAX - 2]; /* room for "IFNAME, " */
	vips_text(g, vips, sizeof(vips));
	snprintf(out, cap, "%s, %s", ifname, vips);
}

static void cmp_group(struct diffs *d, const struct hs_pf_group *a, const struct hs_pf_group *b,
		      const struct hs_cfgsync_renames *m)
{
	char x[HS_PF_SIDE_MAX], y[HS_PF_SIDE_MAX];
	const char *ifa = peer_ifname(m, a->interface);
	const char *f = fam(a->family);
	if (strcmp(ifa, b->interface) != 0)
		add(d, HS_PF_ERROR, ifa, b->interface, "vrrp %s vrid %d interface", f, a->vrid);
	vips_text(a, x, sizeof(x));
	vips_text(b, y, sizeof(y));
	if (strcmp(x, y) != 0)
		add(d, HS_PF_ERROR, x, y, "vrrp %s vrid %d virtual addresses", f, a->vrid);
	if (a->advert_interval_cs != b->advert_interval_cs) {
		snprintf(x, sizeof(x), "%d cs", a->advert_interval_cs);
		snprintf(y, sizeof(y), "%d cs", b->advert_interval_cs);
		add(d, HS_PF_ERROR, x, y, "vrrp %s vrid %d advert interval", f, a->vrid);
	}
	if (a->version != b->version) {
		snprintf(x, sizeof(x), "%d", a->version);
		snprintf(y, sizeof(y), "%d", b->version);
		add(d, HS_PF_ERROR, x, y, "vrrp %s vrid %d version", f, a->vrid);
	}
}

static int order(const struct hs_pf_group *a, const struct hs_pf_group *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return a->vrid < b->vrid ? -1 : a->vrid > b->vrid;
}

/* Both lists are sorted by family and VRID: one merge pass. */
static void cmp_groups(struct diffs *d, const struct hs_pair_facts *ours,
		       const struct hs_pair_facts *peer, const struct hs_cfgsync_renames *m)
{
	size_t i = 0, j = 0;
	char t[HS_PF_SIDE_MAX];
	while (i < ours->n_groups || j < peer->n_groups) {
		const struct hs_pf_group *a = i < ours->n_groups ? &ours->groups[i] : NULL;
		const struct hs_pf_group *b = j < peer->n_groups ? &peer->groups[j] : NULL;
		int c = !a ? 1 : !b ? -1 : order(a, b);
		if (c < 0) {
			group_text(a, peer_ifname(m, a->interface), t, sizeof(t));
			add(d, HS_PF_ERROR, t, "absent", "vrrp %s vrid %d", fam(a->family),
			    a->vrid);
			i++;
		} else if (c > 0) {
			group_text(b, b->interface, t, sizeof(t));
			add(d, HS_PF_ERROR, "absent", t, "vrrp %s vrid %d", fam(b->family),
			    b->vrid);
			j++;
		} else {
			cmp_group(d, a, b, m);
			i++;
			j++;
		}
	}
}

static void cmp_sysctls(struct diffs *d, const struct hs_pair_facts *ours,
			const struct hs_pair_facts *peer)
{
	size_t i = 0, j = 0;
	while (i < ours->n_sysctls || j < peer->n_sysctls) {
		const struct hs_pf_sysctl *a = i < ours->n_sysctls ? &ours->sysctls[i] : NULL;
		const struct hs_pf_sysctl *b = j < peer->n_sysctls ? &peer->sysctls[j] : NULL;
		int c = !a ? 1 : !b ? -1 : strcmp(a->name, b->name);
		if (c < 0) {
			add(d, HS_PF_WARNING, a->value, "absent", "%s", a->name);
			i++;
		} else if (c > 0) {
			add(d, HS_PF_WARNING, "absent", b->value, "%s", b->name);
			j++;
		} else {
			if (strcmp(a->value, b->value) != 0)
				add(d, HS_PF_WARNING, a->value, b->value, "%s", a->name);
			i++;
			j++;
		}
	}
}

size_t hs_pair_facts_compare(const struct hs_pair_facts *ours, const struct hs_pair_facts *peer,
			     const struct hs_cfgsync_renames *renames, struct hs_pf_diff *out,
			     size_t cap)
{
	struct diffs d = { .out = out, .cap = out ? cap : 0 };
	if (strcmp(ours->software, peer->software) != 0)
		add(&d, HS_PF_WARNING, ours->software, peer->software, "software version");
	if (strcmp(ours->hrp_protocol, peer->hrp_protocol) != 0)
		add(&d, HS_PF_WARNING, ours->hrp_protocol, peer->hrp_protocol, "hrp protocol");
	add_u32(&d, HS_PF_ERROR, "hrpd.hello_interval", ours->hello_interval_ms,
		peer->hello_interval_ms);
	add_u32(&d, HS_PF_ERROR, "hrpd.dead_count", ours->dead_count, peer->dead_count);
	cmp_groups(&d, ours, peer, renames);
	cmp_sysctls(&d, ours, peer);
	return d.n;
}

/* The facts that are SYNCED settings too (lib/config_schema.c): settings sync repairs them. */
static bool synced_fact(const char *what)
{
	return strcmp(what, "hrpd.hello_interval") == 0 || strcmp(what, "hrpd.dead_count") == 0;
}

size_t hs_pair_facts_hold_synced(struct hs_pf_diff *d, size_t n, uint64_t now_ms, uint64_t *since,
				 uint32_t grace_ms, size_t *held)
{
	size_t synced = 0;
	for (size_t i = 0; i < n; i++)
		synced += synced_fact(d[i].what);
	*held = 0;
	if (!synced) {
		*since = 0;
		return n;
	}
	if (!*since)
		*since = now_ms ? now_ms : 1;
	if (now_ms - *since >= grace_ms)
		return n; /* lasted: settings sync did not repair it, so it is real */
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		if (!synced_fact(d[i].what))
			d[o++] = d[i];
	*held = n - o;
	return o;
}
