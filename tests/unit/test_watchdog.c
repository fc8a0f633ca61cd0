/* The systemd watchdog: WATCHDOG=1 at half of WATCHDOG_USEC while the loop turns, nothing without
 * a watchdog or when WATCHDOG_PID names another process; and a daemon started as systemd starts
 * it (NOTIFY_SOCKET, WATCHDOG_USEC) says READY=1, pings, and says STOPPING=1 on SIGTERM. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon_watchdog.h"
#include "loop.h"

struct notify {
	char dir[32];
	char path[64];
	int fd;
};

/* A datagram socket standing in for systemd's notify socket. */
static void notify_open(struct notify *n)
{
	snprintf(n->dir, sizeof(n->dir), "/tmp/hs-wd-XXXXXX");
	assert_non_null(mkdtemp(n->dir));
	snprintf(n->path, sizeof(n->path), "%s/notify", n->dir);
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(n->fd >= 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", n->path);
	assert_int_equal(bind(n->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setenv("NOTIFY_SOCKET", n->path, 1);
}

static void notify_close(struct notify *n)
{
	close(n->fd);
	unlink(n->path);
	rmdir(n->dir);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

/* Counts the messages received so far that contain what. */
static int count_messages(struct notify *n, const char *what)
{
	char buf[512];
	int count = 0;
	ssize_t len;
	while ((len = recv(n->fd, buf, sizeof(buf) - 1, 0)) >= 0) {
		buf[len] = '\0';
		if (strstr(buf, what))
			count++;
	}
	return count;
}

static void stop_loop(struct hs_timer *t, void *arg)
{
	hs_loop_exit(arg, 0);
}

/* Runs a loop with the watchdog for ms; returns what hs_daemon_watchdog_start() said. */
static int run_for(int ms)
{
	struct hs_loop loop;
	struct hs_timer stop;
	assert_int_equal(hs_loop_init(&loop), 0);
	int r = hs_daemon_watchdog_start(&loop);
	hs_timer_init(&stop, &loop, stop_loop, &loop);
	hs_timer_arm_in(&stop, (uint64_t)ms);
	assert_int_equal(hs_loop_run(&loop), 0);
	hs_timer_free(&stop);
	hs_loop_free(&loop);
	return r;
}

static void test_pings_at_half_the_interval(void **state)
{
	struct notify n;
	notify_open(&n);
	setenv("WATCHDOG_USEC", "100000", 1); /* 100 ms: a ping every 50 ms */
	unsetenv("WATCHDOG_PID");
	assert_int_equal(run_for(230), 1);
	int pings = count_messages(&n, "WATCHDOG=1");
	/* 50, 100, 150, 200 ms. Fewer on a loaded machine (each ping is planned from the last
	 * one's turn), never more: not faster than half the interval. */
	assert_in_range(pings, 2, 5);
	notify_close(&n);
}

static void test_no_watchdog_no_ping(void **state)
{
	struct notify n;
	notify_open(&n);
	unsetenv("WATCHDOG_USEC");
	assert_int_equal(run_for(60), 0);
	/* The watchdog of another process (before a fork, or a parent's). */
	char pid[32];
	snprintf(pid, sizeof(pid), "%d", (int)getppid());
	setenv("WATCHDOG_USEC", "20000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(run_for(60), 0);
	assert_int_equal(count_messages(&n, "WATCHDOG=1"), 0);
	notify_close(&n);
}

/* Waits up to ms for a message containing what; returns how many came. */
static int wait_for(struct notify *n, const char *what, int ms)
{
	for (int waited = 0; waited <= ms; waited += 10) {
		int c = count_messages(n, what);
		if (c > 0)
			return c;
		usleep(10000);
	}
	return 0;
}

static void test_daemon_under_systemd(void **state)
{
	struct notify n;
	notify_open(&n);
	char conf[96], rundir[96], bin[512], cwd[256];
	snprintf(conf, sizeof(conf), "%s/hotstandby.conf", n.dir);
	snprintf(rundir, sizeof(rundir), "%s/run", n.dir);
	FILE *f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f, "global = { name = \"fw1\"; rundir = \"%s\"; log_target = \"stderr\"; };\n",
		rundir);
	fclose(f);
	const char *top = getenv("top_builddir");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(bin, sizeof(bin), "%s/%s/vrrpd/vrrpd", cwd, top ? top : "../..");
	setenv("WATCHDOG_USEC", "200000", 1);
	unsetenv("WATCHDOG_PID");
	pid_t pid = fork();
	if (pid == 0) {
		/* Never a daemon of ours in the host's network namespace. */
		if (unshare(CLONE_NEWNET) < 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
			_exit(126);
		execl(bin, "vrrpd", "-n", "-f", conf, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	int ready = wait_for(&n, "READY=1", 5000);
	int pings = ready ? wait_for(&n, "WATCHDOG=1", 1000) : 0;
	kill(pid, SIGTERM);
	int status;
	waitpid(pid, &status, 0);
	int stopping = count_messages(&n, "STOPPING=1");
	unlink(conf);
	rmdir(rundir);
	notify_close(&n);
	assert_int_equal(ready, 1);
	assert_true(pings >= 1);
	assert_int_equal(stopping, 1);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pings_at_half_the_interval),
		cmocka_unit_test(test_no_watchdog_no_ping),
		cmocka_unit_test(test_daemon_under_systemd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
