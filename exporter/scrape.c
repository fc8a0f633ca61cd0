/* The socket side of a scrape: one connection per daemon, its calls in turn on it. */
#include "scrape.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_client.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"

#define PREFIX "[scrape]"

/* The control client numbers its requests in a static counter; scrapes from the HTTP thread and
 * the textfile loop take turns, which also spares the daemons two scrapes at once. */
static pthread_mutex_t scrape_lock = PTHREAD_MUTEX_INITIALIZER;

/* Asks one daemon its calls; returns whether it answered its first (status). */
static bool ask(struct hs_prom *p, const struct hs_scrape_opts *o, const char *daemon)
{
	char err[256];
	int fd = hs_ctl_connect(o->rundir, daemon, err, sizeof(err));
	if (fd < 0) {
		hs_debug(HS_DBG_CTL, PREFIX, "%s", err);
		return false;
	}
	bool first = true, up = false;
	for (size_t i = 0; i < hs_metric_n_calls; i++) {
		const struct hs_metric_call *c = &hs_metric_calls[i];
		json_t *resp = NULL;
		if (strcmp(c->daemon, daemon))
			continue;
		int r = hs_ctl_call(fd, c->cmd, NULL, o->timeout_ms, &resp, err, sizeof(err));
		if (r < 0) {
			/* a stream that timed out or broke cannot carry the next call */
			hs_debug(HS_DBG_CTL, PREFIX, "%s %s: %s", daemon, c->cmd, err);
			break;
		}
		bool ok = json_is_true(json_object_get(resp, "ok"));
		if (first)
			up = ok;
		first = false;
		/* an older daemon without the command answers unknown-command: fine */
		if (ok) {
			r = hs_metrics_from_reply(p, daemon, c->cmd,
						  json_object_get(resp, "result"));
			if (r < 0)
				hs_debug(HS_DBG_CTL, PREFIX, "%s %s: %s", daemon, c->cmd,
					 strerror(-r));
		}
		json_decref(resp);
		if (!up)
			break;
	}
	close(fd);
	return up;
}

static int scrape_locked(const struct hs_scrape_opts *o, char **text, size_t *len)
{
	static const char *const daemons[] = { "vgmpd", "vrrpd", "hrpd" };
	struct hs_prom *p = hs_prom_new();
	uint64_t t0 = hs_now_ms();
	if (!p || hs_metrics_declare(p) < 0) {
		hs_prom_free(p);
		return -ENOMEM;
	}
	for (size_t i = 0; i < sizeof(daemons) / sizeof(daemons[0]); i++)
		hs_metrics_up(p, daemons[i], ask(p, o, daemons[i]));
	hs_prom_add(p, "hotstandby_exporter_scrape_duration_seconds", NULL, 0,
		    (double)(hs_now_ms() - t0) / 1000.0);
	FILE *out = open_memstream(text, len);
	if (!out) {
		hs_prom_free(p);
		return -ENOMEM;
	}
	int r = hs_prom_write(p, out);
	hs_prom_free(p);
	if (fclose(out) != 0 || r < 0) {
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	return 0;
}

int hs_scrape(const struct hs_scrape_opts *o, char **text, size_t *len)
{
	pthread_mutex_lock(&scrape_lock);
	int r = scrape_locked(o, text, len);
	pthread_mutex_unlock(&scrape_lock);
	return r;
}
