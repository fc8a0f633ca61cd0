/* The three daemons as processes: start from a config, answer status, reload on SIGHUP (a bad
 * file keeps the old config), refuse a second instance, refuse a bad config with exit code 2, and
 * stop cleanly on SIGTERM leaving no socket or pid file behind. */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctl_client.h"

static const char *const daemons[] = { "vrrpd", "vgmpd", "hrpd" };

struct env {
	char dir[64];
	char conf[128];
	char rundir[128];
	char bin[512];
	const char *name;
};

static void write_conf(const struct env *e, int priority, const char *extra)
{
	FILE *f = fopen(e->conf, "w");
	assert_non_null(f);
	fprintf(f,
		"global = { name = \"fw1\"; rundir = \"%s\"; log_target = \"stderr\"; };\n"
		"vrrpd = { groups = ( { interface = \"lan0\"; vrid = 1; priority = %d; "
		"vips = [ \"192.0.2.1\" ]; } ); };\n"
		"vgmpd = { priority = %d; };\n"
		"hrpd = { enable = true; links = ( { interface = \"hb0\"; local = \"203.0.113.1\"; "
		"remote = \"203.0.113.2\"; } ); };\n%s",
		e->rundir, priority > 254 ? 254 : priority, priority, extra);
	fclose(f);
}

static pid_t spawn(const struct env *e, int quiet)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (quiet) {
			int null = open("/dev/null", O_WRONLY);
			dup2(null, 2);
		}
		/* Never a daemon of ours in the host's namespace (../shared/LAB.md): each runs in a
		 * network namespace of its own, made with a user namespace when not root. */
		if (unshare(CLONE_NEWNET) < 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
			_exit(126);
		execl(e->bin, e->name, "-n", "-f", e->conf, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static json_t *status_of(const struct env *e, int wait_ms)
{
	char err[256] = "";
	for (int waited = 0; waited <= wait_ms; waited += 10) {
		int fd = hs_ctl_connect(e->rundir, e->name, err, sizeof(err));
		if (fd >= 0) {
			json_t *resp = NULL;
			int r = hs_ctl_call(fd, "status", NULL, 2000, &resp, err, sizeof(err));
			close(fd);
			if (r == 0) {
				json_t *result = json_incref(json_object_get(resp, "result"));
				json_decref(resp);
				return result;
			}
		}
		usleep(10000);
	}
	fail_msg("%s did not answer: %s", e->name, err);
	return NULL;
}

static int setup_env(struct env *e, const char *name)
{
	memset(e, 0, sizeof(*e));
	e->name = name;
	snprintf(e->dir, sizeof(e->dir), "/tmp/hs-daemon-XXXXXX");
	if (!mkdtemp(e->dir))
		return -1;
	snprintf(e->conf, sizeof(e->conf), "%s/hotstandby.conf", e->dir);
	snprintf(e->rundir, sizeof(e->rundir), "%s/run", e->dir);
	const char *top = getenv("top_builddir");
	char cwd[256];
	if (!getcwd(cwd, sizeof(cwd)))
		return -1;
	/* make check runs in tests/unit of the build tree. */
	snprintf(e->bin, sizeof(e->bin), "%s/%s/%s/%s", cwd, top ? top : "../..", name, name);
	return 0;
}

static int int_of(json_t *o, const char *key)
{
	return (int)json_integer_value(json_object_get(o, key));
}

static void wait_reload_count(const struct env *e, const char *key, int want)
{
	for (int i = 0; i < 300; i++) {
		json_t *s = status_of(e, 2000);
		int n = int_of(s, key);
		json_decref(s);
		if (n == want)
			return;
		usleep(10000);
	}
	fail_msg("%s never reached %s=%d", e->name, key, want);
}

static void check_one(const char *name)
{
	struct env e;
	assert_int_equal(setup_env(&e, name), 0);
	write_conf(&e, 200, "");
	pid_t pid = spawn(&e, 0);
	json_t *s = status_of(&e, 5000);
	assert_string_equal(json_string_value(json_object_get(s, "daemon")), name);
	assert_string_equal(json_string_value(json_object_get(s, "name")), "fw1");
	assert_int_equal(int_of(s, "pid"), pid);
	json_decref(s);

	/* A second instance on the same run dir refuses to start. */
	pid_t twin = spawn(&e, 1);
	int status;
	waitpid(twin, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);

	/* SIGHUP with a bad file: counted, old config kept. */
	write_conf(&e, 200, "vgmpd = { priority = 1; };\n" /* duplicate section: syntax error */);
	kill(pid, SIGHUP);
	wait_reload_count(&e, "reload_failures", 1);
	s = status_of(&e, 2000);
	assert_int_equal(int_of(s, "reloads"), 0);
	assert_non_null(strstr(json_string_value(json_object_get(s, "last_reload_error")),
			       "hotstandby.conf"));
	if (strcmp(name, "vgmpd") == 0)
		assert_int_equal(int_of(json_object_get(s, "vgmp"), "priority"), 200);
	json_decref(s);

	/* SIGHUP with a good file: the new values are live. */
	write_conf(&e, 150, "");
	kill(pid, SIGHUP);
	wait_reload_count(&e, "reloads", 1);
	s = status_of(&e, 2000);
	if (strcmp(name, "vgmpd") == 0)
		assert_int_equal(int_of(json_object_get(s, "vgmp"), "priority"), 150);
	if (strcmp(name, "vrrpd") == 0)
		assert_int_equal(
			int_of(json_array_get(json_object_get(s, "groups"), 0), "priority"), 150);
	assert_int_equal(int_of(s, "reload_failures"), 1);
	assert_string_equal(json_string_value(json_object_get(s, "last_reload_error")), "");
	json_decref(s);

	/* SIGTERM: exit 0, socket and pid file gone. */
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	char path[256];
	snprintf(path, sizeof(path), "%s/%s.sock", e.rundir, name);
	assert_int_not_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/%s.pid", e.rundir, name);
	assert_int_not_equal(access(path, F_OK), 0);

	/* A bad config at start: exit code 2, nothing started. */
	write_conf(&e, 200, "bogus = 1;\n");
	pid = spawn(&e, 1);
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 2);

	unlink(e.conf);
	rmdir(e.rundir);
	rmdir(e.dir);
}

static void test_vrrpd(void **state)
{
	check_one(daemons[0]);
}

static void test_vgmpd(void **state)
{
	check_one(daemons[1]);
}

static void test_hrpd(void **state)
{
	check_one(daemons[2]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vrrpd),
		cmocka_unit_test(test_vgmpd),
		cmocka_unit_test(test_hrpd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
