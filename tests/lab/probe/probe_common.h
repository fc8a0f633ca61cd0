/* What the two lab traffic probes share: monotonic time, option parsing helpers, the stop flag set
 * by SIGINT/SIGTERM, and writing the JSON result. The probes run on one host (the lab's namespaces
 * share CLOCK_MONOTONIC), so timestamps from the peer are comparable with our own. */
#ifndef HS_PROBE_COMMON_H
#define HS_PROBE_COMMON_H

#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define NS_PER_MS 1000000LL
#define NS_PER_S  1000000000LL

extern volatile sig_atomic_t probe_stop;

/* SIGINT and SIGTERM set probe_stop; installed without SA_RESTART so blocking calls return. */
void probe_signals(void);

int64_t probe_now_ns(void);
/* Sleeps until the absolute CLOCK_MONOTONIC time; returns early (0) when a signal arrives. */
void probe_sleep_until(int64_t deadline_ns);
double probe_ms(int64_t ns);

/* Parses "ADDR" (IPv4 or IPv6) and port into ss; returns 0 or -1. */
int probe_addr(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len);
/* Parses a non-negative integer within [min, max]; exits with a message on error. */
long probe_num(const char *opt, const char *val, long min, long max);
/* argv[1]: "server" (true) or "client" (false); anything else calls usage(), which exits. */
bool probe_mode(int argc, char **argv, void (*usage)(void));

/* Writes obj (consumed) as one line of JSON to path, or to stdout when path is NULL. 0 or -1. */
int probe_write_json(json_t *obj, const char *path);

/* Asks for SCHED_FIFO at a low real-time priority, so that the sender keeps its schedule on a
 * busy 2-core machine (measured: lateness at the edge of an outage drops from up to ~27 ms to a
 * few ms). Warns and goes on without it when not allowed. */
void probe_realtime(void);

/* Creates path (empty) to tell a script that the probe is listening; no-op for NULL. */
void probe_touch(const char *path);

#endif
