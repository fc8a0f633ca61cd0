/* Asynchronous child processes (see child.h). */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void reap(struct vgmpd_child *c, int *status)
{
	waitpid(c->pid, status, 0);
	hs_io_stop(&c->io);
	hs_timer_cancel(&c->timer);
	close(c->pidfd);
	c->pidfd = -1;
	c->pid = 0;
}

static void exited(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct vgmpd_child *c = arg;
	int status = 0;
	bool timed_out = c->timed_out;
	/* Whatever it left behind in its group goes with it. */
	kill(-c->pid, SIGKILL);
	reap(c, &status);
	c->cb(c, status, timed_out, c->arg);
}

static void timed_out(struct hs_timer *t, void *arg)
{
	struct vgmpd_child *c = arg;
	if (!c->pid)
		return;
	/* The whole group: a shell script's children too. The pidfd reports the end. */
	c->timed_out = true;
	kill(-c->pid, SIGKILL);
}

int vgmpd_spawn(const char *file, bool search, char *const argv[], char *const envp[],
		int out_fd, pid_t *pid)
{
	posix_spawnattr_t at;
	posix_spawn_file_actions_t fa;
	sigset_t none, dflt;
	sigemptyset(&none);
	sigemptyset(&dflt);
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaddset(&dflt, s);
	posix_spawnattr_init(&at);
	/* A group of its own (so that a timeout kills all of it), and none of the loop's blocked
	 * signals or handlers. */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dflt);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3); /* none of ours, whatever their flags */
	int r = (search ? posix_spawnp : posix_spawn)(pid, file, &fa, &at, argv,
						      envp ? envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return r;
}

void vgmpd_child_init(struct vgmpd_child *c, struct hs_loop *loop, vgmpd_child_cb cb, void *arg)
{
	*c = (struct vgmpd_child){ .loop = loop, .pidfd = -1, .cb = cb, .arg = arg };
	hs_timer_init(&c->timer, loop, timed_out, c);
}

int vgmpd_child_run(struct vgmpd_child *c, const char *path, char *const argv[],
		    char *const envp[], uint32_t timeout_ms)
{
	if (c->pid)
		return -EBUSY;
	pid_t pid;
	int r = vgmpd_spawn(path, false, argv, envp, -1, &pid);
	if (r != 0)
		return -r;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0 || hs_io_start(&c->io, c->loop, pidfd, EPOLLIN, exited, c) < 0) {
		r = pidfd < 0 ? -errno : -EIO;
		if (pidfd >= 0)
			close(pidfd);
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return r;
	}
	c->pid = pid;
	c->pidfd = pidfd;
	c->timed_out = false;
	hs_timer_arm_in(&c->timer, timeout_ms);
	return 0;
}

bool vgmpd_child_running(const struct vgmpd_child *c)
{
	return c->pid != 0;
}

void vgmpd_child_free(struct vgmpd_child *c)
{
	if (c->pid) {
		kill(-c->pid, SIGKILL);
		int status;
		reap(c, &status);
	}
	hs_timer_free(&c->timer);
}

void vgmpd_child_abandon(struct vgmpd_child *c)
{
	if (c->pid) {
		hs_io_stop(&c->io);
		close(c->pidfd);
		c->pidfd = -1;
		c->pid = 0;
	}
	hs_timer_cancel(&c->timer);
}
