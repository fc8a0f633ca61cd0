/* hs_daemon_nice() and autogroup scheduling: a daemon that leads its session gives its
 * autogroup the nice it takes (else its nice weighs only inside its own session, nothing against
 * the rest of the box); one in someone else's session leaves that session's group alone. Each
 * case runs in a child process (positive nice values: allowed without privileges).
 * hs_daemon_realtime(): the daemon runs SCHED_RR, what it spawns does not (skipped where real
 * time is refused). */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon.h"

#define SKIP_CODE 77

/* The nice of our autogroup, or -100 when the kernel has none. */
static int autogroup_nice_now(void)
{
	FILE *f = fopen("/proc/self/autogroup", "re");
	if (!f)
		return -100;
	int v = -100;
	if (fscanf(f, "/autogroup-%*d nice %d", &v) != 1)
		v = -100;
	fclose(f);
	return v;
}

/* Runs fn in a child and returns its exit code. */
static int in_child(int (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int leader(void)
{
	if (setsid() < 0)
		return 2;
	if (autogroup_nice_now() == -100)
		return SKIP_CODE;
	hs_daemon_nice(3);
	if (getpriority(PRIO_PROCESS, 0) != 3)
		return 3;
	return autogroup_nice_now() == 3 ? 0 : 4;
}

static int not_leader(void)
{
	int before = autogroup_nice_now();
	if (before == -100)
		return SKIP_CODE;
	hs_daemon_nice(before + 2 > 19 ? 19 : before + 2);
	return autogroup_nice_now() == before ? 0 : 5;
}

static void test_leader_sets_its_group(void **state)
{
	(void)state;
	int r = in_child(leader);
	if (r == SKIP_CODE)
		skip();
	assert_int_equal(r, 0);
}

static void test_other_session_left_alone(void **state)
{
	(void)state;
	int r = in_child(not_leader);
	if (r == SKIP_CODE)
		skip();
	assert_int_equal(r, 0);
}

/* A real-time daemon's child: normal scheduling (it ran SCHED_RR: scripts, hooks and vtysh). */
static int realtime_child(void)
{
	hs_daemon_realtime(1);
	if ((sched_getscheduler(0) & ~SCHED_RESET_ON_FORK) != SCHED_RR)
		return SKIP_CODE; /* no CAP_SYS_NICE, or no RT budget */
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return 6;
	if (pid == 0)
		_exit(sched_getscheduler(0) == SCHED_OTHER ? 0 : 7);
	int status = 0;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 8;
	return WEXITSTATUS(status);
}

static void test_realtime_not_inherited(void **state)
{
	(void)state;
	int r = in_child(realtime_child);
	if (r == SKIP_CODE)
		skip();
	assert_int_equal(r, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leader_sets_its_group),
		cmocka_unit_test(test_other_session_left_alone),
		cmocka_unit_test(test_realtime_not_inherited),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
