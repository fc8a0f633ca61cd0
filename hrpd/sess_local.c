/* Session sync, the boxes' own addresses (sess.h): ours for the policy (connections of the box
 * itself are never synced), told to the peer, and the peer's as it tells them (record feature
 * sess-peer-local): its own connections routed through us are never synced either. */
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>

#include "data.h"
#include "hrpd.h"
#include "issu.h"
#include "log.h"
#include "sess.h"
#include "sess_int.h"

/* Read again every few seconds (a VIP moves at takeover). */
void hrpd_sess_local_refresh(struct hrpd_sess *ss, bool force)
{
	uint64_t now = hs_now_ms();
	if (!force && now - ss->local_at_ms < HRPD_SESS_LOCAL_REFRESH_MS)
		return;
	ss->local_at_ms = now;
	struct ifaddrs *all;
	if (getifaddrs(&all) < 0)
		return;
	uint8_t found[HRPD_SESS_LOCAL_MAX][16];
	size_t n = 0;
	for (struct ifaddrs *i = all; i && n < HRPD_SESS_LOCAL_MAX; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		memset(found[n], 0, 16);
		if (i->ifa_addr->sa_family == AF_INET)
			memcpy(found[n++], &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		else if (i->ifa_addr->sa_family == AF_INET6)
			memcpy(found[n++], &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
	}
	freeifaddrs(all);
	hs_sess_addrs_sort(found, n);
	if (n != ss->pol.n_local || (n && memcmp(found, ss->local, n * 16u)))
		ss->local_changed = true; /* the peer hears of it (hrpd_sess_tell_local) */
	if (n)
		memcpy(ss->local, found, n * 16u);
	ss->pol.local = (const uint8_t(*)[16])ss->local;
	ss->pol.n_local = n;
}

/* The peer leaves our own connections out of its sync and digests, as we do (a flow of ours
 * routed through it is one we would refuse): it hears our addresses once per peer process,
 * whenever they change, and every HRPD_SESS_TELL_LOCAL_MS (a peer's hot restart keeps its
 * process but not the list). */
void hrpd_sess_tell_local(struct hrpd_sess *ss, bool peer_up)
{
	struct hrpd *h = ss->h;
	if (!ss->on || !peer_up || hrpd_data_plan_held(h) ||
	    !hrpd_sess_peer_reads(ss, HRP_FEAT_SESS_PEER_LOCAL))
		return;
	hrpd_sess_local_refresh(ss, false);
	uint64_t now = hs_now_ms();
	bool news =
		!ss->local_told || ss->local_told_to != h->peer.incarnation || ss->local_changed;
	if (!news && now - ss->local_told_ms < HRPD_SESS_TELL_LOCAL_MS)
		return;
	uint8_t rec[3 + HRPD_SESS_LOCAL_MAX * 16];
	size_t len = hs_sess_local_addrs_encode(ss->pol.local, ss->pol.n_local, rec, sizeof(rec));
	if (!len || hrpd_sess_control_send(ss, rec, len, 0) < 0)
		return;
	ss->local_told = true;
	ss->local_told_to = h->peer.incarnation;
	ss->local_told_ms = now;
	ss->local_changed = false;
	if (news)
		hs_info(HRPD_SESS_PREFIX,
			"told the peer our %zu addresses: it syncs none of our own connections",
			ss->pol.n_local);
}

/* The peer's own addresses (record feature sess-peer-local): its own connections routed
 * through us are not synced, as it would refuse them. NULL, or why the record is dropped. */
const char *hrpd_sess_rx_peer_local(struct hrpd_sess *ss, const uint8_t *rec, size_t len)
{
	uint8_t told[HS_SESS_LOCAL_ADDRS_MAX][16];
	size_t n;
	enum hs_sess_ctl_err e = hs_sess_local_addrs_decode(rec, len, told, &n);
	if (e != HS_SESS_CTL_OK)
		return hs_sess_ctl_err_name(e);
	hs_sess_addrs_sort(told, n);
	bool same = ss->pol.peer_local && n == ss->pol.n_peer_local &&
		    (!n || !memcmp(told, ss->peer_local, n * 16u));
	if (n)
		memcpy(ss->peer_local, told, n * 16u);
	ss->pol.peer_local = (const uint8_t(*)[16])ss->peer_local;
	ss->pol.n_peer_local = n;
	if (!same) /* told again every HRPD_SESS_TELL_LOCAL_MS */
		hs_info(HRPD_SESS_PREFIX,
			"the peer's %zu addresses: its own connections through us are not synced",
			n);
	return NULL;
}
