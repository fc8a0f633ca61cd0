/* hrpd: the HRP channel between the two boxes. This issue builds its heartbeat side: hellos with
 * the VGMP payload on one UDP socket per heartbeat link, the liveness of the links and of the peer
 * (lib/hrp_liveness: running / ready / down, peer up / negotiating / dead after one
 * re-negotiation round), authentication with replay protection and the challenge at a new epoch
 * (lib/hrp_auth, lib/hrp_msg), VGMP requests sent at once, and the control commands vgmpd and
 * hrpctl use. hrpd never decides the role: vgmpd does. The reliable data channel (data*.c) carries
 * the records of session and config sync over TCP on the running link. doc/hrpd.md describes it
 * all. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgsync.h"
#include "daemon_hot.h"
#include "data.h"
#include "hrp_snapshot.h"
#include "hrpd.h"
#include "issu.h"
#include "issu_query.h"
#include "log.h"
#include "sess.h"
#include "version.h"

static void links_free(struct hrpd *h)
{
	for (size_t i = 0; i < h->n_links; i++)
		hrpd_link_free(h->links[i]);
	h->n_links = 0;
}

/* A hot restart: the old process's state after the links, the channel and the data channel are
 * made and before session sync starts (it reads the restored flags). */
static int start_parts(struct hrpd *h, struct hrp_snapshot *snap)
{
	int r = hrpd_chan_init(h);
	if (r < 0)
		return r;
	r = hrpd_data_init(h);
	if (r < 0)
		return r;
	hrpd_vgmp_default(h);
	if (snap && (r = hrpd_hot_restore(h, snap)) < 0)
		return r;
	h->hot_snap = snap;
	r = hrpd_sess_init(h);
	h->hot_snap = NULL;
	if (r < 0)
		return r;
	return hrpd_cfgsync_init(h);
}

static int hrpd_start(struct hs_daemon *d)
{
	const struct hs_hrpd_config *c = &d->config->hrpd;
	struct hrp_snapshot *snap = NULL;
	if (!d->hot_state && hs_daemon_hot_adopting(d)) {
		snprintf(d->apply_error, sizeof(d->apply_error),
			 "the handover carries no snapshot: hot restart refused");
		return -EINVAL;
	}
	int r = d->hot_state ? hrpd_hot_take(d, &snap) : 0;
	if (r < 0)
		return r;
	struct hrpd *h = calloc(1, sizeof(*h));
	if (!h) {
		hrpd_hot_snap_free(snap);
		return -ENOMEM;
	}
	h->d = d;
	d->priv = h;
	for (size_t i = 0; i < c->n_links && i < HS_HRP_LINKS_MAX; i++) {
		h->links[i] = hrpd_link_new(h, (int)i, &c->links[i], c->port);
		if (!h->links[i]) {
			hrpd_hot_snap_free(snap);
			return -ENOMEM;
		}
		h->n_links = i + 1;
	}
	r = start_parts(h, snap);
	hrpd_hot_snap_free(snap);
	if (r < 0)
		return r;
	if (d->ctl) {
		hs_ctl_server_add_commands(d->ctl, hrpd_vgmp_commands, d);
		hs_ctl_server_add_commands(d->ctl, hrpd_data_commands, d);
		hs_ctl_server_add_commands(d->ctl, hrpd_sess_commands, d);
		hs_ctl_server_add_commands(d->ctl, hrpd_cfgsync_commands, d);
		hs_ctl_server_add_commands(d->ctl, hrpd_issu_commands, d);
	}
	/* the pair upgrade: resumes from its record (issu.c) */
	if ((r = hrpd_issu_init(h)) < 0)
		return r;
	/* Normal scheduling by default: the data channel's bulk work shares this thread, and a
	 * real-time hrpd busy with it starves the softirq work that delivers the hellos (a false
	 * peer-down under load, measured by bench/hrp_liveness.py). */
	hs_daemon_realtime(c->realtime_priority);
	hs_daemon_nice(c->nice);
	/* Sockets open (or adopted) now, enabled or not, so that a hot restart can hand them on. */
	uint64_t now = hs_now_ms();
	for (size_t i = 0; i < h->n_links; i++)
		hrpd_link_refresh(h->links[i], now);
	if (d->hot_state) {
		/* enabled as the old process was (hrp enable may differ from the file) */
		hrpd_hot_confirm_later(h);
		if (h->enabled)
			hrpd_hot_resume(h);
		return 0;
	}
	h->enabled = c->enable && h->n_links > 0;
	if (h->enabled)
		hrpd_chan_enable(h, true);
	else
		hs_notice("[hrp]", "hrp is disabled (hrp enable starts it)");
	return 0;
}

static void hrpd_stop(struct hs_daemon *d)
{
	struct hrpd *h = d->priv;
	if (!h)
		return;
	hs_timer_free(&h->timer);
	hs_timer_free(&h->req_timer);
	hs_timer_free(&h->hot_timer);
	hrpd_issu_free(h);
	hrpd_cfgsync_free(h);
	hrpd_sess_free(h);
	hrpd_data_free(h);
	links_free(h);
	hrp_keyring_wipe(&h->keys);
	free(h);
	d->priv = NULL;
}

/* The links of c, in its order: those that stay the same (interface, addresses, port) are the
 * old ones (kept[], old_index[] say which), the others new. -ENOMEM frees what it made. */
static int reload_links(struct hrpd *h, const struct hs_hrpd_config *c, size_t n,
			struct hrpd_link **links, int *old_index, bool *kept)
{
	for (size_t i = 0; i < n; i++) {
		old_index[i] = -1;
		for (size_t j = 0; j < h->n_links; j++)
			if (!kept[j] && hrpd_link_same(h->links[j], &c->links[i], c->port)) {
				kept[j] = true;
				old_index[i] = (int)j;
				links[i] = h->links[j];
				break;
			}
	}
	for (size_t i = 0; i < n; i++)
		if (!links[i] && !(links[i] = hrpd_link_new(h, (int)i, &c->links[i], c->port))) {
			for (size_t k = 0; k < i; k++)
				if (old_index[k] < 0)
					hrpd_link_free(links[k]);
			return -ENOMEM;
		}
	return 0;
}

/* New timers, keys and links; links that stay the same (interface, addresses, port) keep their
 * socket and state, so the peer is not dropped. */
static int hrpd_reload(struct hs_daemon *d, const struct hs_config *next)
{
	struct hrpd *h = d->priv;
	const struct hs_hrpd_config *c = &next->hrpd;
	struct hrp_keyring kr;
	int r = hrpd_keys_load(&kr, c);
	if (r < 0) {
		hrp_keyring_wipe(&kr);
		return r;
	}
	struct hrpd_link *links[HS_HRP_LINKS_MAX] = { NULL };
	int old_index[HS_HRP_LINKS_MAX];
	bool kept[HS_HRP_LINKS_MAX] = { false };
	size_t n = c->n_links < HS_HRP_LINKS_MAX ? c->n_links : HS_HRP_LINKS_MAX;
	if ((r = reload_links(h, c, n, links, old_index, kept)) < 0) {
		hrp_keyring_wipe(&kr);
		return r;
	}
	/* Nothing can fail from here on. */
	for (size_t j = 0; j < h->n_links; j++)
		if (!kept[j]) {
			hs_notice(h->links[j]->prefix, "removed by reload");
			hrpd_link_free(h->links[j]);
		}
	for (size_t i = 0; i < n; i++) {
		links[i]->index = (int)i;
		h->links[i] = links[i];
	}
	h->n_links = n;
	hrp_keyring_wipe(&h->keys);
	h->keys = kr;
	h->hello_interval_ms = (uint32_t)c->hello_interval_ms;
	h->dead_count = c->dead_count;
	h->port = c->port;
	hrpd_data_reconfigure(h); /* before the liveness: the connection's link has a new index */
	if (strcmp(next->global.name, d->config->global.name) != 0)
		hs_warn("[hrp]",
			"a new sysname takes effect in hellos now, in the sender id at the "
			"next start");
	snprintf(h->sysname, sizeof(h->sysname), "%s",
		 next->global.name[0] ? next->global.name : h->sysname);
	if (!h->local_set) {
		h->local.priority = (uint16_t)next->vgmpd.priority;
		h->local.mode = next->vgmpd.mode == HS_MODE_LOAD_SHARING
					? HRP_VGMP_MODE_LOAD_SHARING
					: HRP_VGMP_MODE_ACTIVE_STANDBY;
	}
	/* hrpd.enable changed in the file: as hrp enable / undo hrp enable. */
	bool want = c->enable != d->config->hrpd.enable ? c->enable : h->enabled;
	want = want && n > 0;
	if (h->enabled) {
		hrpd_chan_reconfigure(h, old_index);
	} else {
		struct hrp_lv_out out = { 0 };
		struct hrp_lv_params p = { .hello_interval_ms = h->hello_interval_ms,
					   .dead_count = (uint32_t)h->dead_count,
					   .n_links = n ? n : 1 };
		hrp_lv_reconfigure(&h->lv, &p, old_index, hs_now_ms(), &out);
	}
	if (want != h->enabled) {
		hs_notice("[hrp]", "hrp %s by reload", want ? "enabled" : "disabled");
		h->enabled = want;
		hrpd_chan_enable(h, want);
	}
	hrpd_sess_configure(h, c);
	hrpd_sess_update(h);
	hrpd_cfgsync_configure(h, c);
	hrpd_cfgsync_update(h);
	hs_info("[hrp]", "reloaded: hello %u ms, dead count %d, %zu links, %s",
		h->hello_interval_ms, h->dead_count, h->n_links,
		hrp_keyring_empty(&h->keys) ? "no key" : "keyed");
	return 0;
}

static void hrpd_version_extra(FILE *out)
{
	struct hrp_registry r;
	char buf[2048];
	hrp_registry_local(&r);
	hrp_registry_format(&r, buf, sizeof(buf));
	fprintf(out, "message registry (protocol %s):\n%s", HS_HRP_VERSION_STRING, buf);
	/* The same, machine-readable, for `issu load` (lib/issu_query.h). */
	static char line[2 * 8192 + 32];
	if (issu_registry_line(&r, line, sizeof(line)) > 0)
		fputs(line, out);
}

static const struct hs_daemon_ops hrpd_ops = {
	.name = "hrpd",
	.protocols = "HRP " HS_HRP_VERSION_STRING,
	.start = hrpd_start,
	.stop = hrpd_stop,
	.reload = hrpd_reload,
	.status = hrpd_status,
	.commands = hrpd_commands,
	.version_extra = hrpd_version_extra,
	.snapshot = hrpd_hot_snapshot,
	.hot_fds = hrpd_hot_fds,
	.hot_refuse = hrpd_hot_refuse,
	.hot_aborted = hrpd_hot_aborted,
	.hot_confirms_itself = true,
};

int main(int argc, char **argv)
{
	return hs_daemon_main(&hrpd_ops, argc, argv);
}
