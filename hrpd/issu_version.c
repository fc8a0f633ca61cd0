/* issu load's query-registry, without blocking hrpd's loop: the new hrpd's `--version` runs as
 * a child whose output is read as it comes (a loaded box takes tens of ms to start a binary,
 * and hellos at 10 ms must not wait for it). At most ISSU_VERSION_MAX_MS; then the child is
 * killed and the registry is unknown, which stops the upgrade. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrpd.h"
#include "issu.h"
#include "log.h"

#define PREFIX             "[issu]"
#define ISSU_VERSION_MAX_MS 5000u
#define ISSU_VERSION_OUT    65536u

extern char **environ;

static void finish(struct hrpd_issu *u, bool ok)
{
	struct hrpd_issu_version *q = &u->version;
	hs_io_stop(&q->io);
	hs_timer_cancel(&q->timeout);
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	if (q->pid > 0) {
		if (!ok)
			kill(q->pid, SIGKILL);
		waitpid(q->pid, NULL, 0); /* its stdout is closed: it has ended, or is killed */
		q->pid = 0;
	}
	char *out = q->out;
	size_t n = ok ? q->len : 0;
	q->out = NULL;
	q->len = 0;
	hrpd_issu_version_done(u, out ? out : "", n);
	free(out);
}

static void readable(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct hrpd_issu *u = arg;
	struct hrpd_issu_version *q = &u->version;
	(void)io;
	(void)revents;
	for (;;) {
		ssize_t n = read(fd, q->out + q->len, ISSU_VERSION_OUT - 1 - q->len);
		if (n > 0) {
			q->len += (size_t)n;
			q->out[q->len] = '\0';
			if (q->len < ISSU_VERSION_OUT - 1)
				continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		finish(u, n == 0 || q->len == ISSU_VERSION_OUT - 1);
		return;
	}
}

static void too_slow(struct hs_timer *t, void *arg)
{
	struct hrpd_issu *u = arg;
	(void)t;
	hs_warn(PREFIX, "%s --version took over %u ms: stopped", u->version.exe,
		ISSU_VERSION_MAX_MS);
	finish(u, false);
}

int hrpd_issu_version_start(struct hrpd_issu *u, const char *exe)
{
	struct hrpd_issu_version *q = &u->version;
	if (q->pid > 0)
		return -EBUSY;
	int p[2];
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	q->out = calloc(1, ISSU_VERSION_OUT);
	posix_spawn_file_actions_t fa;
	int r = q->out ? posix_spawn_file_actions_init(&fa) : ENOMEM;
	if (r == 0) {
		posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
		/* none of ours: a library's socket (libnftables') is not close-on-exec */
		posix_spawn_file_actions_addclosefrom_np(&fa, 3);
		snprintf(q->exe, sizeof(q->exe), "%s", exe);
		char *argv[] = { q->exe, "--version", NULL };
		pid_t pid;
		r = posix_spawn(&pid, exe, &fa, NULL, argv, environ);
		posix_spawn_file_actions_destroy(&fa);
		if (r == 0)
			q->pid = pid;
	}
	close(p[1]);
	if (r != 0) {
		close(p[0]);
		free(q->out);
		q->out = NULL;
		return -r;
	}
	q->fd = p[0];
	q->len = 0;
	if ((r = hs_io_start(&q->io, &u->h->d->loop, q->fd, EPOLLIN, readable, u)) < 0) {
		finish(u, false);
		return 0; /* reported through hrpd_issu_version_done() */
	}
	hs_timer_arm_in(&q->timeout, ISSU_VERSION_MAX_MS);
	return 0;
}

void hrpd_issu_version_init(struct hrpd_issu *u)
{
	u->version.fd = -1;
	hs_timer_init(&u->version.timeout, &u->h->d->loop, too_slow, u);
}

void hrpd_issu_version_free(struct hrpd_issu *u)
{
	struct hrpd_issu_version *q = &u->version;
	hs_io_stop(&q->io);
	hs_timer_free(&q->timeout);
	if (q->fd >= 0)
		close(q->fd);
	if (q->pid > 0) {
		kill(q->pid, SIGKILL);
		waitpid(q->pid, NULL, 0);
	}
	free(q->out);
	memset(q, 0, sizeof(*q));
	q->fd = -1;
}
