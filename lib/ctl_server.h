/* The control socket of a daemon: a UNIX stream listener in the run dir, framed JSON requests
 * dispatched through command tables, subscriptions for event streams. A bad request gets an error
 * answer and is counted; the daemon goes on. Only root or the configured group may connect. */
#ifndef HS_CTL_SERVER_H
#define HS_CTL_SERVER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct hs_loop;

struct hs_ctl_command {
	const char *name; /* NULL ends a table */
	const char *help;
	/* Returns 0 and sets *result (may stay NULL for an empty object), or a negative errno with
	 * a message in err. -EINVAL answers "bad-args", anything else "failed". */
	int (*handler)(void *ctx, json_t *args, json_t **result, char *err, size_t errlen);
};

struct hs_ctl_stats {
	uint64_t connections;
	uint64_t rejected; /* peer credentials refused, or too many clients */
	uint64_t requests;
	uint64_t errors; /* answers with ok=false */
	uint64_t bad_frames;
	uint64_t bad_json;
	uint64_t unknown_commands;
	uint64_t events_sent;
	uint64_t events_dropped; /* a subscriber too slow to keep up is disconnected */
};

struct hs_ctl_server;

/* Listens on path (removing a stale socket file), or adopts listen_fd when >= 0 (hot restart).
 * allowed_gid < 0 means root only. */
int hs_ctl_server_open(struct hs_ctl_server **out, struct hs_loop *loop, const char *path,
		       int listen_fd, gid_t allowed_gid);
/* Adds a NULL-terminated command table; handlers get ctx. Up to 8 tables. */
int hs_ctl_server_add_commands(struct hs_ctl_server *s, const struct hs_ctl_command *cmds,
			       void *ctx);
/* Sends event to every connection subscribed to it. data is borrowed. */
void hs_ctl_server_publish(struct hs_ctl_server *s, const char *event, json_t *data);
const struct hs_ctl_stats *hs_ctl_server_stats(const struct hs_ctl_server *s);
size_t hs_ctl_server_clients(const struct hs_ctl_server *s);
int hs_ctl_server_listen_fd(const struct hs_ctl_server *s);
/* unlink_path false keeps the socket file (a hot restart hands the listener over). */
void hs_ctl_server_close(struct hs_ctl_server *s, int unlink_path);

#endif
