/* hrpd: the HRP channel between the two boxes (heartbeats, session and config sync, upgrade).
 * This slice loads its section, keeps the run-time "hrp enable" switch, lists its heartbeat
 * links and stops cleanly; the channel lands with the hrpd issue. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>

#include "daemon.h"
#include "log.h"
#include "version.h"

struct hrpd {
	bool enabled; /* run-time switch: starts from hrpd.enable, flipped by hrp enable / undo */
	uint64_t stable_since_ms;
};

static struct hrpd *hrpd_of(struct hs_daemon *d)
{
	return d->priv;
}

static int hrpd_start(struct hs_daemon *d)
{
	struct hrpd *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->enabled = d->config->hrpd.enable;
	h->stable_since_ms = hs_now_ms() - d->started_ms;
	d->priv = h;
	return 0;
}

static void hrpd_stop(struct hs_daemon *d)
{
	free(d->priv);
	d->priv = NULL;
}

static void hrpd_status(struct hs_daemon *d, json_t *obj)
{
	const struct hs_hrpd_config *c = &d->config->hrpd;
	struct hrpd *h = hrpd_of(d);
	json_object_set_new(
		obj, "hrp",
		json_pack("{s:b, s:s, s:s, s:i, s:i, s:b, s:b, s:b, s:I, s:n, s:f, s:s}", "enabled",
			  h->enabled, "role", "unknown", "peer_role", "unknown",
			  "hello_interval_ms", c->hello_interval_ms, "dead_count", c->dead_count,
			  "auto_sync_config", c->auto_sync_config, "auto_sync_sessions",
			  c->auto_sync_sessions, "mirror_session", c->mirror_session,
			  "stable_since_ms", (json_int_t)h->stable_since_ms, "last_change",
			  "channel_usage", 0.0, "protocol", HS_HRP_VERSION_STRING));
}

static int set_enabled(struct hs_daemon *d, bool on, json_t **result)
{
	struct hrpd *h = hrpd_of(d);
	if (h->enabled != on)
		hs_notice("[hrp]", "hrp %s", on ? "enabled" : "disabled");
	h->enabled = on;
	*result = json_pack("{s:b}", "enabled", h->enabled);
	return 0;
}

static int cmd_enable(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	return set_enabled(ctx, true, result);
}

static int cmd_disable(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	return set_enabled(ctx, false, result);
}

static int cmd_interfaces(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	const struct hs_hrpd_config *c = &d->config->hrpd;
	json_t *a = json_array();
	char l[64], r[64];
	for (size_t i = 0; i < c->n_links; i++)
		json_array_append_new(
			a,
			json_pack("{s:s, s:s, s:s, s:s}", "interface", c->links[i].interface,
				  "local", hs_addr_str(&c->links[i].local, l, sizeof(l)), "remote",
				  hs_addr_str(&c->links[i].remote, r, sizeof(r)), "state", "down"));
	*result = json_pack("{s:o}", "interfaces", a);
	return 0;
}

static const struct hs_ctl_command hrpd_commands[] = {
	{ "hrp-enable", "hrp enable: take part in hot standby", cmd_enable },
	{ "hrp-disable", "undo hrp enable", cmd_disable },
	{ "hrp-interfaces", "heartbeat links and their state", cmd_interfaces },
	{ NULL },
};

static const struct hs_daemon_ops hrpd_ops = {
	.name = "hrpd",
	.protocols = "HRP 1.0",
	.start = hrpd_start,
	.stop = hrpd_stop,
	.status = hrpd_status,
	.commands = hrpd_commands,
};

int main(int argc, char **argv)
{
	return hs_daemon_main(&hrpd_ops, argc, argv);
}
