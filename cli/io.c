/* Calling the daemons over their control sockets (lib/ctl_client.h). A connection that fails is
 * closed; a kept one that fails is reopened once, since its daemon may have restarted. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl_client.h"
#include "io.h"

#define IO_DAEMONS_MAX 8

struct cli_io_conn {
	char daemon[32];
	int fd;
};

struct cli_io {
	char rundir[PATH_MAX];
	size_t n;
	struct cli_io_conn conn[IO_DAEMONS_MAX];
};

int cli_io_new(struct cli_io **out, const char *rundir)
{
	struct cli_io *io = calloc(1, sizeof(*io));

	if (!io)
		return -ENOMEM;
	if (snprintf(io->rundir, sizeof(io->rundir), "%s", rundir) >= (int)sizeof(io->rundir)) {
		free(io);
		return -ENAMETOOLONG;
	}
	*out = io;
	return 0;
}

void cli_io_free(struct cli_io *io)
{
	if (!io)
		return;
	for (size_t i = 0; i < io->n; i++)
		if (io->conn[i].fd >= 0)
			close(io->conn[i].fd);
	free(io);
}

static struct cli_io_conn *conn_of(struct cli_io *io, const char *daemon)
{
	for (size_t i = 0; i < io->n; i++)
		if (!strcmp(io->conn[i].daemon, daemon))
			return &io->conn[i];
	if (io->n == IO_DAEMONS_MAX || strlen(daemon) >= sizeof(io->conn[0].daemon))
		return NULL;
	snprintf(io->conn[io->n].daemon, sizeof(io->conn[0].daemon), "%s", daemon);
	io->conn[io->n].fd = -1;
	return &io->conn[io->n++];
}

/* why: the call's own words (a malformed answer, a timeout), when it has some. */
static int unreachable(struct cli_io *io, const char *daemon, int rc, const char *why, char *err,
		       size_t errlen)
{
	char path[sizeof(io->rundir) + sizeof(io->conn[0].daemon) + 8];

	if (hs_ctl_socket_path(path, sizeof(path), io->rundir, daemon) < 0)
		snprintf(path, sizeof(path), "%s/%s.sock", io->rundir, daemon);
	snprintf(err, errlen, "cannot reach %s at %s: %s", daemon, path,
		 why && why[0] ? why : strerror(-rc));
	return rc;
}

static int io_call(void *ctx, const char *daemon, const char *cmd, json_t *args, json_t **response,
		   char *err, size_t errlen)
{
	struct cli_io *io = ctx;
	struct cli_io_conn *c = conn_of(io, daemon);
	char why[256] = "";
	int rc = -ENOBUFS;

	if (!c)
		return unreachable(io, daemon, rc, NULL, err, errlen);
	for (int attempt = 0; attempt < 2; attempt++) {
		bool fresh = c->fd < 0;
		if (fresh) {
			rc = hs_ctl_connect(io->rundir, daemon, why, sizeof(why));
			if (rc < 0) /* its words are ours already, path and all */
				return unreachable(io, daemon, rc, NULL, err, errlen);
			c->fd = rc;
		}
		rc = hs_ctl_call(c->fd, cmd, args, CLI_IO_TIMEOUT_MS, response, why, sizeof(why));
		if (rc == 0)
			return 0;
		close(c->fd);
		c->fd = -1;
		if (fresh || rc == -ETIMEDOUT)
			break;
	}
	return unreachable(io, daemon, rc, why, err, errlen);
}

static int64_t io_now_ms(void *ctx)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void io_sleep_ms(void *ctx, unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

const struct cli_ops cli_io_ops = {
	.call = io_call,
	.now_ms = io_now_ms,
	.sleep_ms = io_sleep_ms,
	.save = cli_io_save,
};
