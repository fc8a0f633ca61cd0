/* The service manager's watchdog (systemd's WatchdogSec=): WATCHDOG=1 at half the interval while
 * the event loop turns, so that a daemon whose loop is stuck is killed and restarted. */
#ifndef HS_DAEMON_WATCHDOG_H
#define HS_DAEMON_WATCHDOG_H

#include "loop.h"

/* Starts the pings when this process was given a watchdog (WATCHDOG_USEC, and WATCHDOG_PID naming
 * it if set). The timer lives as long as the loop. Returns 1 when started, 0 when there is no
 * watchdog, or a negative errno. */
int hs_daemon_watchdog_start(struct hs_loop *loop);

#endif
