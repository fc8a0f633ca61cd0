/* FRR's OSPF neighbour JSON (see vgmp_ospf_nbr.h). */
#include "vgmp_ospf_nbr.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config.h"

static const char *const state_names[VGMP_OSPF_NBR_STATE_MAX] = {
	[VGMP_OSPF_NBR_ABSENT] = "absent",     [VGMP_OSPF_NBR_DOWN] = "down",
	[VGMP_OSPF_NBR_ATTEMPT] = "attempt",   [VGMP_OSPF_NBR_INIT] = "init",
	[VGMP_OSPF_NBR_2WAY] = "2-way",        [VGMP_OSPF_NBR_EXSTART] = "exstart",
	[VGMP_OSPF_NBR_EXCHANGE] = "exchange", [VGMP_OSPF_NBR_LOADING] = "loading",
	[VGMP_OSPF_NBR_FULL] = "full",         [VGMP_OSPF_NBR_OTHER] = "other",
};

const char *vgmp_ospf_nbr_state_name(enum vgmp_ospf_nbr_state s)
{
	return s >= 0 && s < VGMP_OSPF_NBR_STATE_MAX ? state_names[s] : "?";
}

enum vgmp_ospf_nbr_state vgmp_ospf_nbr_state_parse(const char *s)
{
	/* FRR's lsm names (ospf_nsm.c), then "/role". */
	static const struct {
		const char *frr;
		enum vgmp_ospf_nbr_state s;
	} names[] = {
		{ "Down", VGMP_OSPF_NBR_DOWN },       { "Attempt", VGMP_OSPF_NBR_ATTEMPT },
		{ "Init", VGMP_OSPF_NBR_INIT },       { "2-Way", VGMP_OSPF_NBR_2WAY },
		{ "ExStart", VGMP_OSPF_NBR_EXSTART }, { "Exchange", VGMP_OSPF_NBR_EXCHANGE },
		{ "Loading", VGMP_OSPF_NBR_LOADING }, { "Full", VGMP_OSPF_NBR_FULL },
	};
	if (!s)
		return VGMP_OSPF_NBR_OTHER;
	size_t n = strcspn(s, "/");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].frr) == n && strncasecmp(s, names[i].frr, n) == 0)
			return names[i].s;
	return VGMP_OSPF_NBR_OTHER;
}

bool vgmp_ospf_nbr_up(enum vgmp_ospf_nbr_state s)
{
	return s == VGMP_OSPF_NBR_FULL;
}

enum vgmp_ospf_nbr_verdict vgmp_ospf_nbr_run(unsigned *fails, bool answered,
					     enum vgmp_ospf_nbr_state s)
{
	if (answered) {
		*fails = 0;
		return vgmp_ospf_nbr_up(s) ? VGMP_OSPF_NBR_SAY_UP : VGMP_OSPF_NBR_SAY_DOWN;
	}
	if (*fails < VGMP_OSPF_NBR_PROBE_FAILS)
		(*fails)++;
	return *fails >= VGMP_OSPF_NBR_PROBE_FAILS ? VGMP_OSPF_NBR_SAY_DOWN : VGMP_OSPF_NBR_KEEP;
}

/* How good a state is, to pick the best of several entries: Full above all, anything known
 * above an unknown name, which is above absent. */
static int rank(enum vgmp_ospf_nbr_state s)
{
	return s == VGMP_OSPF_NBR_OTHER ? 1 : s == VGMP_OSPF_NBR_ABSENT ? 0 : (int)s + 1;
}

static bool same_addr(const char *a, const char *b)
{
	struct hs_addr x, y;
	if (!a || !b)
		return false;
	if (hs_addr_parse(a, &x) == 0 && hs_addr_parse(b, &y) == 0)
		return hs_addr_equal(&x, &y);
	return strcmp(a, b) == 0;
}

/* "up0:198.51.100.1" -> "up0" */
static void iface_of(const char *s, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", s ? (int)strcspn(s, ":") : 0, s ? s : "");
}

static void consider(const char *rid, json_t *e, const char *neighbor, const char *ifname,
		     struct vgmp_ospf_nbr *best)
{
	if (!json_is_object(e))
		return;
	const char *addr = json_string_value(json_object_get(e, "ifaceAddress"));
	if (!addr)
		addr = json_string_value(json_object_get(e, "address"));
	if (!same_addr(rid, neighbor) && !same_addr(addr, neighbor))
		return;
	char ifc[IF_NAMESIZE];
	iface_of(json_string_value(json_object_get(e, "ifaceName")), ifc, sizeof(ifc));
	if (ifname && ifname[0] && strcmp(ifc, ifname) != 0)
		return;
	const char *st = json_string_value(json_object_get(e, "nbrState"));
	if (!st)
		st = json_string_value(json_object_get(e, "state"));
	enum vgmp_ospf_nbr_state s = vgmp_ospf_nbr_state_parse(st);
	best->entries++;
	if (best->entries > 1 && rank(s) <= rank(best->state))
		return;
	best->state = s;
	snprintf(best->router_id, sizeof(best->router_id), "%s", rid);
	snprintf(best->address, sizeof(best->address), "%s", addr ? addr : "");
	snprintf(best->ifname, sizeof(best->ifname), "%s", ifc);
}

int vgmp_ospf_nbr_find(const char *text, size_t len, const char *neighbor, const char *ifname,
		       struct vgmp_ospf_nbr *out)
{
	json_error_t err;
	json_t *root = text ? json_loadb(text, len, 0, &err) : NULL;
	if (!json_is_object(root)) {
		json_decref(root);
		return -EINVAL;
	}
	/* FRR 7.5 and later: under "neighbors"; before: the router ids at the top. */
	json_t *nbrs = json_object_get(root, "neighbors");
	if (!nbrs)
		nbrs = root;
	if (!json_is_object(nbrs)) {
		json_decref(root);
		return -EINVAL;
	}
	struct vgmp_ospf_nbr best = { .state = VGMP_OSPF_NBR_ABSENT };
	const char *rid;
	json_t *v;
	json_object_foreach (nbrs, rid, v) {
		if (json_is_array(v)) {
			size_t i;
			json_t *e;
			json_array_foreach (v, i, e)
				consider(rid, e, neighbor, ifname, &best);
		} else {
			consider(rid, v, neighbor, ifname, &best);
		}
	}
	json_decref(root);
	*out = best;
	return 0;
}
