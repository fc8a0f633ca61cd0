/* vgmpd's planned stop as a process (vgmpd/stop.c, lib/daemon.c's stop_request): vgmpd runs in a
 * network namespace of its own against a fake hrpd (this file's child, on RUNDIR/hrpd.sock) that
 * shows it a peer and writes down every payload and request it is handed; no vrrpd. Active with a
 * ready standby peer, SIGTERM sends a switchover request and vgmpd waits: it exits once the peer
 * announces active (after handing hrpd its standby payload), at stop_handover_timeout, or at a
 * second SIGTERM. As standby it exits at once, asking nothing. */
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
#include "ctl_server.h"
#include "hrp_msg.h"
#include "loop.h"

enum peer_mode {
	PEER_STANDBY_SILENT, /* a ready standby that never answers a switchover request */
	PEER_STANDBY_TAKES,  /* a ready standby that acks and announces active at once */
	PEER_ACTIVE,         /* the active, outranking us: we are standby */
};

static struct {
	char dir[64], rundir[128], conf[128], log[128], bin[512];
} E;

/* ---- the fake hrpd (a child process) ---- */

static struct {
	enum peer_mode mode;
	struct hs_ctl_server *srv;
	FILE *log;
} F;

static json_t *peer_payload(const char *state, int priority)
{
	return json_pack("{s:i, s:s, s:i, s:s}", "priority", priority, "state", state, "readiness",
			 (int)HRP_VGMP_R_SESSIONS_SYNCED, "mode", "active-standby");
}

static int f_status(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	bool active = F.mode == PEER_ACTIVE;
	*result = json_pack("{s:{s:{s:s, s:s, s:o}, s:{s:b}}}", "hrp", "peer", "state", "up",
			    "name", "fw2", "payload",
			    peer_payload(active ? "active" : "standby", active ? 300 : 100),
			    "session", "ready", 1);
	return 0;
}

static int f_local(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	fprintf(F.log, "local %s\n", json_string_value(json_object_get(args, "state")));
	return 0;
}

static int f_request(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	const char *kind = json_string_value(json_object_get(args, "kind"));
	fprintf(F.log, "request %s\n", kind);
	*result = json_pack("{s:i}", "request_id", 7);
	if (F.mode == PEER_STANDBY_TAKES && kind && strcmp(kind, "switchover") == 0) {
		/* The peer acks and goes active before it answers anything else. */
		json_t *ack = json_pack("{s:s, s:i, s:s}", "kind", "ack", "request_id", 7, "reason",
					"none");
		json_t *up = json_pack("{s:s, s:o}", "name", "fw2", "payload",
				       peer_payload("active", 100));
		hs_ctl_server_publish(F.srv, "vgmp-request", ack);
		hs_ctl_server_publish(F.srv, "vgmp-peer", up);
		json_decref(ack);
		json_decref(up);
	}
	return 0;
}

static const struct hs_ctl_command fake_commands[] = {
	{ "status", "the peer as hrpd knows it", f_status },
	{ "vgmp-local", "our payload", f_local },
	{ "vgmp-request", "a request to the peer", f_request },
	{ NULL },
};

static void fake_term(int signo, void *arg)
{
	hs_loop_exit(arg, 0);
}

static pid_t start_fake(enum peer_mode mode)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct hs_loop loop;
		char path[256];
		F.mode = mode;
		F.log = fopen(E.log, "w");
		hs_ctl_socket_path(path, sizeof(path), E.rundir, "hrpd");
		if (!F.log || hs_loop_init(&loop) < 0 ||
		    hs_ctl_server_open(&F.srv, &loop, path, -1, (gid_t)-1) < 0)
			_exit(3);
		setvbuf(F.log, NULL, _IOLBF, 0);
		hs_ctl_server_add_commands(F.srv, fake_commands, NULL);
		hs_loop_on_signal(&loop, SIGTERM, fake_term, &loop);
		hs_loop_run(&loop);
		hs_ctl_server_close(F.srv, 1);
		_exit(0);
	}
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	/* Up once its socket answers. */
	char err[128];
	for (int i = 0; i < 500; i++) {
		int fd = hs_ctl_connect(E.rundir, "hrpd", err, sizeof(err));
		if (fd >= 0) {
			close(fd);
			return pid;
		}
		usleep(10000);
	}
	fail_msg("the fake hrpd did not start: %s", err);
	return -1;
}

/* ---- the test's side ---- */

static void setup_env(int timeout_ms)
{
	memset(&E, 0, sizeof(E));
	snprintf(E.dir, sizeof(E.dir), "/tmp/hs-vgmpd-stop-XXXXXX");
	assert_non_null(mkdtemp(E.dir));
	snprintf(E.rundir, sizeof(E.rundir), "%s/run", E.dir);
	assert_int_equal(mkdir(E.rundir, 0700), 0);
	snprintf(E.conf, sizeof(E.conf), "%s/hotstandby.conf", E.dir);
	snprintf(E.log, sizeof(E.log), "%s/fake-hrpd.log", E.dir);
	const char *top = getenv("top_builddir");
	char cwd[256];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	/* make check runs in tests/unit of the build tree. */
	snprintf(E.bin, sizeof(E.bin), "%s/%s/vgmpd/vgmpd", cwd, top ? top : "../..");
	FILE *f = fopen(E.conf, "w");
	assert_non_null(f);
	/* Hellos every 10 s: the core's request timeout (two of them) stays out of the way. */
	fprintf(f,
		"global = { name = \"fw1\"; rundir = \"%s\"; log_target = \"stderr\"; };\n"
		"vgmpd = { priority = 200; stop_handover_timeout = %d; };\n"
		"hrpd = { enable = true; hello_interval = 10000; links = ( { interface = \"hb0\"; "
		"local = \"203.0.113.1\"; remote = \"203.0.113.2\"; } ); };\n",
		E.rundir, timeout_ms);
	fclose(f);
}

static void cleanup_env(void)
{
	char path[256];
	snprintf(path, sizeof(path), "rm -rf '%s'", E.dir);
	assert_int_equal(system(path), 0);
}

static pid_t start_vgmpd(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		char log[160];
		snprintf(log, sizeof(log), "%s/vgmpd.log", E.dir);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0)
			dup2(fd, 2);
		/* Never a daemon of ours in the host's namespace (../shared/LAB.md). */
		if (unshare(CLONE_NEWNET) < 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
			_exit(126);
		execl(E.bin, "vgmpd", "-n", "-f", E.conf, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static char *vgmp_state(void)
{
	char err[256];
	static char state[32];
	int fd = hs_ctl_connect(E.rundir, "vgmpd", err, sizeof(err));
	if (fd < 0)
		return NULL;
	json_t *resp = NULL;
	int r = hs_ctl_call(fd, "status", NULL, 2000, &resp, err, sizeof(err));
	close(fd);
	if (r < 0)
		return NULL;
	json_t *v = json_object_get(json_object_get(resp, "result"), "vgmp");
	snprintf(state, sizeof(state), "%s", json_string_value(json_object_get(v, "state")));
	json_decref(resp);
	return state;
}

static void wait_state(const char *want)
{
	const char *s = NULL;
	for (int i = 0; i < 500; i++) {
		s = vgmp_state();
		if (s && strcmp(s, want) == 0)
			return;
		usleep(10000);
	}
	fail_msg("vgmpd never %s (%s)", want, s ? s : "not answering");
}

/* The fake's log has this line (count: how many times). */
static int logged(const char *line)
{
	char buf[128];
	int n = 0;
	FILE *f = fopen(E.log, "r");
	while (f && fgets(buf, sizeof(buf), f))
		n += strncmp(buf, line, strlen(line)) == 0 && buf[strlen(line)] == '\n';
	if (f)
		fclose(f);
	return n;
}

/* The last "local" state the fake was handed. */
static const char *last_local(void)
{
	static char last[64];
	char buf[128];
	last[0] = '\0';
	FILE *f = fopen(E.log, "r");
	while (f && fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "local %63s", last) != 1)
			continue;
	if (f)
		fclose(f);
	return last;
}

static void wait_logged(const char *line)
{
	for (int i = 0; i < 300 && !logged(line); i++)
		usleep(10000);
	if (!logged(line))
		fail_msg("the fake hrpd never got \"%s\"", line);
}

/* Waits at most ms for pid; its wait status, or -1 if it still runs. */
static int exited_within(pid_t pid, int ms)
{
	int status;
	for (int waited = 0; waited <= ms; waited += 5) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(5000);
	}
	return -1;
}

static uint64_t stop_and_time(pid_t pid, int within_ms, int *status)
{
	uint64_t t0 = hs_now_ms();
	kill(pid, SIGTERM);
	*status = exited_within(pid, within_ms);
	return hs_now_ms() - t0;
}

static void end_fake(pid_t fake)
{
	kill(fake, SIGTERM);
	waitpid(fake, NULL, 0);
}

static void assert_clean_exit(int status)
{
	assert_true(status != -1 && WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* The peer takes over at once: vgmpd exits as soon as hrpd has its standby payload. */
static void test_active_hands_over(void **state)
{
	setup_env(60000);
	pid_t fake = start_fake(PEER_STANDBY_TAKES);
	pid_t pid = start_vgmpd();
	wait_state("active");
	assert_int_equal(logged("request switchover"), 0);
	int status;
	uint64_t took = stop_and_time(pid, 5000, &status);
	assert_clean_exit(status);
	assert_true(took < 2000);
	assert_int_equal(logged("request switchover"), 1);
	assert_string_equal(last_local(), "standby"); /* confirmed before it left */
	end_fake(fake);
	cleanup_env();
}

/* The peer never answers: vgmpd waits; a second SIGTERM ends it at once. */
static void test_second_signal(void **state)
{
	setup_env(60000);
	pid_t fake = start_fake(PEER_STANDBY_SILENT);
	pid_t pid = start_vgmpd();
	wait_state("active");
	kill(pid, SIGTERM);
	wait_logged("request switchover");
	assert_int_equal(exited_within(pid, 500), -1); /* still waiting for the peer */
	assert_string_equal(vgmp_state(), "active");   /* and still holding the traffic */
	int status;
	uint64_t took = stop_and_time(pid, 3000, &status);
	assert_clean_exit(status);
	assert_true(took < 1000);
	end_fake(fake);
	cleanup_env();
}

/* The peer never answers: vgmpd gives up at stop_handover_timeout. */
static void test_timeout(void **state)
{
	setup_env(600);
	pid_t fake = start_fake(PEER_STANDBY_SILENT);
	pid_t pid = start_vgmpd();
	wait_state("active");
	int status;
	uint64_t took = stop_and_time(pid, 5000, &status);
	assert_clean_exit(status);
	assert_true(took >= 550 && took < 3000);
	assert_int_equal(logged("request switchover"), 1);
	end_fake(fake);
	cleanup_env();
}

/* The standby, and an active with the handover switched off, stop at once, asking nothing. */
static void test_stop_at_once(void **state)
{
	setup_env(60000);
	pid_t fake = start_fake(PEER_ACTIVE);
	pid_t pid = start_vgmpd();
	wait_state("standby");
	int status;
	uint64_t took = stop_and_time(pid, 3000, &status);
	assert_clean_exit(status);
	assert_true(took < 1000);
	assert_int_equal(logged("request switchover"), 0);
	end_fake(fake);
	cleanup_env();

	setup_env(0);
	fake = start_fake(PEER_STANDBY_SILENT);
	pid = start_vgmpd();
	wait_state("active");
	took = stop_and_time(pid, 3000, &status);
	assert_clean_exit(status);
	assert_true(took < 1000);
	assert_int_equal(logged("request switchover"), 0);
	end_fake(fake);
	cleanup_env();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_active_hands_over),
		cmocka_unit_test(test_second_signal),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_stop_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
