/* WATCHDOG=1 for the service manager. The ping is a timer of the daemon's own loop, not a thread:
 * what systemd must learn is that the loop still turns, so a loop stuck in one callback for a
 * whole WatchdogSec= stops the pings and gets the daemon killed (SIGABRT) and restarted. */
#include "daemon_watchdog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "log.h"

struct watchdog {
	uint64_t period_us; /* half of WATCHDOG_USEC */
};

static int ping(sd_event_source *src, uint64_t usec, void *userdata)
{
	const struct watchdog *w = userdata;
	uint64_t now = usec;
	sd_notify(0, "WATCHDOG=1");
	/* From now, not from the planned time: a late turn must not bunch up the next pings. */
	sd_event_now(sd_event_source_get_event(src), CLOCK_MONOTONIC, &now);
	sd_event_source_set_time(src, now + w->period_us);
	return 0;
}

int hs_daemon_watchdog_start(struct hs_loop *loop)
{
	uint64_t interval_us = 0;
	/* The environment stays: a hot restart (a later issue) hands the watchdog on with it. */
	int r = sd_watchdog_enabled(0, &interval_us);
	if (r <= 0 || interval_us < 2)
		return r < 0 ? r : 0;
	struct watchdog *w = malloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->period_us = interval_us / 2;
	uint64_t now;
	sd_event_now(loop->ev, CLOCK_MONOTONIC, &now);
	sd_event_source *src = NULL;
	/* Accuracy 1/20 of the period: sd-event's default (250 ms) is too loose for short ones. */
	r = sd_event_add_time(loop->ev, &src, CLOCK_MONOTONIC, now + w->period_us,
			      w->period_us / 20 + 1, ping, w);
	if (r < 0) {
		free(w);
		hs_err(NULL, "watchdog: no timer: %s", strerror(-r));
		return r;
	}
	/* Ahead of any queued work: the ping says the loop turns, not that it is idle. */
	sd_event_source_set_priority(src, SD_EVENT_PRIORITY_IMPORTANT);
	sd_event_source_set_enabled(src, SD_EVENT_ON);
	sd_event_source_set_destroy_callback(src, free);
	sd_event_source_set_floating(src, 1);
	sd_event_source_unref(src);
	hs_info(NULL, "watchdog: WATCHDOG=1 every %llu ms",
		(unsigned long long)(w->period_us / 1000));
	return 1;
}
