/* A blocking client of the control protocol, for hrpctl and tests. */
#ifndef HS_CTL_CLIENT_H
#define HS_CTL_CLIENT_H

#include <jansson.h>
#include <stddef.h>

/* "<rundir>/<daemon>.sock"; returns -ENAMETOOLONG when it does not fit. */
int hs_ctl_socket_path(char *buf, size_t len, const char *rundir, const char *daemon);

/* Returns a connected fd or a negative errno with the reason in err. */
int hs_ctl_connect(const char *rundir, const char *daemon, char *err, size_t errlen);

/* Sends one request and waits up to timeout_ms for its answer (events arriving meanwhile are
 * skipped). Returns 0 with the whole response object in *response, or a negative errno. */
int hs_ctl_call(int fd, const char *cmd, json_t *args, int timeout_ms, json_t **response, char *err,
		size_t errlen);

/* Waits for the next frame (an event after subscribing). Returns 0 or a negative errno. */
int hs_ctl_read(int fd, int timeout_ms, json_t **msg, char *err, size_t errlen);

#endif
