/* The OSPF neighbour tracker's reading of FRR, pure: `show ip ospf neighbor json` as vtysh prints
 * it, searched for one neighbour (by router id or interface address, optionally on one interface).
 * vgmpd's track_ospf.c runs vtysh and hands the text over; nothing here touches a socket.
 *
 * FRR 8.4 prints {"neighbors": {"ROUTER-ID": [ {"nbrState": "Full/-", "address": ...,
 * "ifaceAddress": ..., "ifaceName": "up0:198.51.100.1", ...}, ... ]}}; older releases print
 * "state" instead of "nbrState" and some put the entries under the router id at the top level.
 * Both are read. A neighbour absent from the output is gone (Down): ospfd deletes a neighbour
 * when its dead timer runs out.
 *
 * Only Full counts as up. A pair of DROthers on a broadcast segment stays in 2-Way for good:
 * track the DR (or a point-to-point neighbour) instead.
 *
 * RFC 2328 10.1 (neighbour states). */
#ifndef HS_VGMP_OSPF_NBR_H
#define HS_VGMP_OSPF_NBR_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

enum vgmp_ospf_nbr_state {
	VGMP_OSPF_NBR_ABSENT, /* not in the output: deleted, or never seen */
	VGMP_OSPF_NBR_DOWN,
	VGMP_OSPF_NBR_ATTEMPT,
	VGMP_OSPF_NBR_INIT,
	VGMP_OSPF_NBR_2WAY,
	VGMP_OSPF_NBR_EXSTART,
	VGMP_OSPF_NBR_EXCHANGE,
	VGMP_OSPF_NBR_LOADING,
	VGMP_OSPF_NBR_FULL,
	VGMP_OSPF_NBR_OTHER, /* a state name we do not know ("Deleted", a newer FRR's) */
	VGMP_OSPF_NBR_STATE_MAX,
};

const char *vgmp_ospf_nbr_state_name(enum vgmp_ospf_nbr_state s);
/* FRR's state text ("Full/-", "2-Way/DROther", "ExStart"); the role after '/' is ignored. */
enum vgmp_ospf_nbr_state vgmp_ospf_nbr_state_parse(const char *s);
/* Full, and only Full, counts as up. */
bool vgmp_ospf_nbr_up(enum vgmp_ospf_nbr_state s);

/* Failures of the probe itself in a row (vtysh failed to start, timed out, or printed no
 * neighbour JSON) before the tracker says down: one lost answer is FRR or the box busy, not a
 * lost neighbour, and with no hold-down a single one moved the role. */
#define VGMP_OSPF_NBR_PROBE_FAILS 3

enum vgmp_ospf_nbr_verdict {
	VGMP_OSPF_NBR_KEEP, /* say nothing: the last report stands (unknown before the first) */
	VGMP_OSPF_NBR_SAY_UP,
	VGMP_OSPF_NBR_SAY_DOWN,
};

/* One run of the probe: answered with the neighbour's state (answered true), or failed.
 * *fails counts the failures in a row; an answer resets it. An answer is reported as it is
 * (up only when Full); a failure is kept quiet until the VGMP_OSPF_NBR_PROBE_FAILS-th in a row,
 * which is down. */
enum vgmp_ospf_nbr_verdict vgmp_ospf_nbr_run(unsigned *fails, bool answered,
					     enum vgmp_ospf_nbr_state s);

struct vgmp_ospf_nbr {
	enum vgmp_ospf_nbr_state state;
	char router_id[48];
	char address[48];
	char ifname[IF_NAMESIZE];
	unsigned entries; /* how many entries matched (one per interface it is a neighbour on) */
};

/* Looks for `neighbor` (its router id, or its address on the link) in text (len bytes, not
 * necessarily NUL-terminated); ifname, when not NULL or empty, limits the search to that
 * interface. Of several matching entries the best state wins. Returns 0 with *out filled (state
 * ABSENT if no entry matched), or -EINVAL when text is not FRR's neighbour JSON (vtysh printed an
 * error: ospfd not running, no OSPF instance); *out is untouched then. */
int vgmp_ospf_nbr_find(const char *text, size_t len, const char *neighbor, const char *ifname,
		       struct vgmp_ospf_nbr *out);

#endif
