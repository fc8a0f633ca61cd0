/* The control socket server, driven by the real client over a real UNIX socket: a server process
 * with test commands, and the test as its client. Bad input gets an error answer, is counted, and
 * the server goes on. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctl_client.h"
#include "ctl_proto.h"
#include "ctl_server.h"
#include "loop.h"

static char rundir[64];
static pid_t server_pid;
static struct hs_ctl_server *srv;

static int cmd_echo(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	*result = json_pack("{s:O}", "args", args);
	return 0;
}

static int cmd_bad(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	snprintf(err, errlen, "no such thing");
	return -EINVAL;
}

static int cmd_fail(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	return -EIO;
}

static int cmd_emit(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	hs_ctl_server_publish(srv, "tick", args);
	return 0;
}

static int cmd_stats(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	const struct hs_ctl_stats *s = hs_ctl_server_stats(srv);
	*result = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "requests", (json_int_t)s->requests,
			    "errors", (json_int_t)s->errors, "bad_frames",
			    (json_int_t)s->bad_frames, "bad_json", (json_int_t)s->bad_json,
			    "unknown", (json_int_t)s->unknown_commands, "clients",
			    (json_int_t)hs_ctl_server_clients(srv));
	return 0;
}

/* An answer past the response limit. */
static int cmd_huge(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	size_t n = HS_CTL_MAX_RESPONSE + 1;
	char *s = malloc(n + 1);
	if (!s)
		return -ENOMEM;
	memset(s, 'x', n);
	s[n] = '\0';
	*result = json_pack("{s:s}", "blob", s);
	free(s);
	return 0;
}

static const struct hs_ctl_command test_commands[] = {
	{ "huge", "answers more than a frame holds", cmd_huge },
	{ "echo", "answers its args", cmd_echo },
	{ "bad", "always bad args", cmd_bad },
	{ "fail", "always fails", cmd_fail },
	{ "emit", "publishes a tick event", cmd_emit },
	{ "stats", "server counters", cmd_stats },
	{ NULL },
};

static void on_term(int signo, void *arg)
{
	hs_loop_exit(arg, 0);
}

static void run_server(void)
{
	struct hs_loop loop;
	char path[128];
	hs_ctl_socket_path(path, sizeof(path), rundir, "testd");
	if (hs_loop_init(&loop) < 0 || hs_ctl_server_open(&srv, &loop, path, -1, (gid_t)-1) < 0)
		_exit(3);
	hs_ctl_server_add_commands(srv, test_commands, NULL);
	hs_loop_on_signal(&loop, SIGTERM, on_term, &loop);
	hs_loop_run(&loop);
	hs_ctl_server_close(srv, 1);
	hs_loop_free(&loop);
	_exit(0);
}

static int connect_wait(void)
{
	char err[256];
	for (int i = 0; i < 200; i++) {
		int fd = hs_ctl_connect(rundir, "testd", err, sizeof(err));
		if (fd >= 0)
			return fd;
		usleep(10000);
	}
	fail_msg("server never listened: %s", err);
	return -1;
}

static int setup(void **state)
{
	snprintf(rundir, sizeof(rundir), "/tmp/hs-ctl-XXXXXX");
	if (!mkdtemp(rundir))
		return -1;
	/* Block SIGTERM before fork so none arrives before the loop watches it. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	server_pid = fork();
	if (server_pid == 0)
		run_server();
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	return server_pid > 0 ? 0 : -1;
}

static int teardown(void **state)
{
	kill(server_pid, SIGTERM);
	int status;
	waitpid(server_pid, &status, 0);
	char path[128];
	hs_ctl_socket_path(path, sizeof(path), rundir, "testd");
	/* A clean stop removes the socket file. */
	int gone = access(path, F_OK) != 0;
	rmdir(rundir);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 && gone ? 0 : -1;
}

/* Takes ownership of args. */
static json_t *call(int fd, const char *cmd, json_t *args)
{
	json_t *resp = NULL;
	char err[256];
	int r = hs_ctl_call(fd, cmd, args, 2000, &resp, err, sizeof(err));
	json_decref(args);
	if (r < 0)
		fail_msg("call %s: %s", cmd, err);
	return resp;
}

static const char *error_code(json_t *resp)
{
	return json_string_value(json_object_get(json_object_get(resp, "error"), "code"));
}

static void test_echo_and_errors(void **state)
{
	int fd = connect_wait();
	json_t *args = json_pack("{s:i}", "n", 7);
	json_t *r = call(fd, "echo", json_incref(args));
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_true(json_equal(json_object_get(json_object_get(r, "result"), "args"), args));
	json_decref(r);
	json_decref(args);

	r = call(fd, "nope", NULL);
	assert_string_equal(error_code(r), HS_CTL_E_UNKNOWN);
	json_decref(r);
	r = call(fd, "bad", NULL);
	assert_string_equal(error_code(r), HS_CTL_E_BAD_ARGS);
	json_decref(r);
	r = call(fd, "fail", NULL);
	assert_string_equal(error_code(r), HS_CTL_E_FAILED);
	json_decref(r);
	r = call(fd, "help", NULL);
	assert_int_equal(json_array_size(json_object_get(json_object_get(r, "result"), "commands")),
			 2 + 6);
	json_decref(r);
	close(fd);
}

static json_t *read_answer(int fd)
{
	json_t *msg = NULL;
	char err[256];
	if (hs_ctl_read(fd, 2000, &msg, err, sizeof(err)) < 0)
		fail_msg("read: %s", err);
	return msg;
}

static void test_malformed_keeps_connection(void **state)
{
	int fd = connect_wait();
	uint8_t buf[64];
	const char *junk = "{\"cmd\": ";
	hs_ctl_frame_header(buf, (uint32_t)strlen(junk));
	memcpy(buf + 4, junk, strlen(junk));
	assert_int_equal(send(fd, buf, 4 + strlen(junk), 0), (ssize_t)(4 + strlen(junk)));
	json_t *r = read_answer(fd);
	assert_string_equal(error_code(r), HS_CTL_E_BAD_JSON);
	json_decref(r);
	/* The framing is intact, so the same connection still works. */
	r = call(fd, "echo", NULL);
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	close(fd);
}

static void test_oversized_and_empty_close(void **state)
{
	int fd = connect_wait();
	uint8_t hdr[4];
	hs_ctl_frame_header(hdr, HS_CTL_MAX_REQUEST + 1);
	assert_int_equal(send(fd, hdr, 4, 0), 4);
	json_t *r = read_answer(fd);
	assert_string_equal(error_code(r), HS_CTL_E_BAD_FRAME);
	json_decref(r);
	/* A broken stream cannot be resynchronised: the server hangs up. */
	char c;
	assert_int_equal(recv(fd, &c, 1, 0), 0);
	close(fd);

	fd = connect_wait();
	hs_ctl_frame_header(hdr, 0);
	assert_int_equal(send(fd, hdr, 4, 0), 4);
	r = read_answer(fd);
	assert_string_equal(error_code(r), HS_CTL_E_BAD_FRAME);
	json_decref(r);
	close(fd);

	/* A client that sends half a frame and leaves does no harm. */
	fd = connect_wait();
	hs_ctl_frame_header(hdr, 100);
	assert_int_equal(send(fd, hdr, 4, 0), 4);
	close(fd);

	fd = connect_wait();
	r = call(fd, "stats", NULL);
	json_t *s = json_object_get(r, "result");
	assert_int_equal(json_integer_value(json_object_get(s, "bad_frames")), 2);
	assert_int_equal(json_integer_value(json_object_get(s, "errors")), 2);
	json_decref(r);
	close(fd);
}

static void test_subscribe(void **state)
{
	int sub = connect_wait();
	int ctl = connect_wait();
	json_t *r = call(sub, "subscribe", json_pack("{s:[s]}", "events", "tick"));
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	json_t *args = json_pack("{s:i}", "seq", 1);
	r = call(ctl, "emit", json_incref(args));
	json_decref(r);
	json_t *ev = read_answer(sub);
	assert_string_equal(json_string_value(json_object_get(ev, "event")), "tick");
	assert_true(json_equal(json_object_get(ev, "data"), args));
	json_decref(ev);
	json_decref(args);
	/* The subscriber still answers requests between events. */
	r = call(sub, "echo", NULL);
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	r = call(sub, "subscribe", json_pack("{s:i}", "events", 3));
	assert_string_equal(error_code(r), HS_CTL_E_BAD_ARGS);
	json_decref(r);
	close(sub);
	close(ctl);
}

/* An answer too large to send is replaced by an error with the request's id; the next answer on
 * the connection is its own (answers are matched by order: a missing one shifted them all). */
static void test_unsendable_answer_replaced(void **state)
{
	int fd = connect_wait();
	json_t *r = call(fd, "huge", NULL);
	assert_string_equal(error_code(r), HS_CTL_E_FAILED);
	json_decref(r);
	r = call(fd, "echo", json_pack("{s:i}", "n", 5));
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(r, "result"), "args"), "n")),
			 5);
	json_decref(r);
	close(fd);
}

/* A subscriber asks for an event and hangs up before the answer: the event's send to it fails
 * inside the command, and the connection is freed only after its read (the answer was queued on
 * freed memory: the ASan build's server died, so teardown's exit status fails the test). */
static void test_publish_to_gone_requester(void **state)
{
	for (int i = 0; i < 20; i++) {
		int fd = connect_wait();
		json_t *r = call(fd, "subscribe", json_pack("{s:[s]}", "events", "tick"));
		assert_true(json_is_true(json_object_get(r, "ok")));
		json_decref(r);
		uint8_t *frame;
		size_t len;
		json_t *args = json_pack("{s:i}", "seq", i);
		json_t *req = hs_ctl_request_new(7, "emit", args);
		assert_int_equal(hs_ctl_frame_encode(req, &frame, &len), 0);
		json_decref(req);
		json_decref(args);
		/* the server reads the request only once we are gone */
		kill(server_pid, SIGSTOP);
		assert_int_equal(send(fd, frame, len, 0), (ssize_t)len);
		free(frame);
		close(fd);
		kill(server_pid, SIGCONT);
	}
	int fd = connect_wait();
	json_t *r = call(fd, "stats", NULL);
	json_t *s = json_object_get(r, "result");
	assert_int_equal(json_integer_value(json_object_get(s, "requests")), 41);
	assert_int_equal(json_integer_value(json_object_get(s, "clients")), 1);
	json_decref(r);
	close(fd);
}

/* One whole frame from fd, blocking (5 s at most), as JSON; NULL when none came. */
static json_t *read_frame(int fd)
{
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	uint8_t hdr[HS_CTL_HEADER_LEN];
	if (recv(fd, hdr, sizeof(hdr), MSG_WAITALL) != (ssize_t)sizeof(hdr))
		return NULL;
	uint32_t len = hs_ctl_frame_length(hdr);
	char *p = malloc(len);
	json_t *j = NULL;
	if (p && recv(fd, p, len, MSG_WAITALL) == (ssize_t)len)
		j = json_loadb(p, len, 0, NULL);
	free(p);
	return j;
}

/* A client that floods requests without reading the answers gets a share of each loop turn,
 * not the whole of it: a second client's request, there before most of the flood was answered,
 * is answered while most of the flood still waits; then every request of the flood is answered,
 * in order. */
static void test_flood_shares_the_loop(void **state)
{
	enum { FLOOD = 2000 };
	int a = connect_wait();
	kill(server_pid, SIGSTOP);
	size_t cap = 0, used = 0;
	uint8_t *all = NULL;
	for (int i = 0; i < FLOOD; i++) {
		uint8_t *frame;
		size_t len;
		json_t *req = hs_ctl_request_new(i + 1, "echo", NULL);
		assert_int_equal(hs_ctl_frame_encode(req, &frame, &len), 0);
		json_decref(req);
		if (used + len > cap) {
			cap = (used + len) * 2;
			all = realloc(all, cap);
			assert_non_null(all);
		}
		memcpy(all + used, frame, len);
		used += len;
		free(frame);
	}
	assert_int_equal(send(a, all, used, 0), (ssize_t)used);
	free(all);
	int b = connect_wait(); /* in the listener's queue, accepted once the server runs */
	uint8_t *frame;
	size_t len;
	json_t *req = hs_ctl_request_new(1, "stats", NULL);
	assert_int_equal(hs_ctl_frame_encode(req, &frame, &len), 0);
	json_decref(req);
	assert_int_equal(send(b, frame, len, 0), (ssize_t)len);
	free(frame);
	kill(server_pid, SIGCONT);

	json_t *r = read_frame(b);
	assert_non_null(r);
	json_int_t served =
		json_integer_value(json_object_get(json_object_get(r, "result"), "requests"));
	assert_true(served >= 1 && served < FLOOD / 2);
	json_decref(r);
	for (int i = 0; i < FLOOD; i++) {
		r = read_frame(a);
		assert_non_null(r);
		assert_int_equal(json_integer_value(json_object_get(r, "id")), i + 1);
		assert_true(json_is_true(json_object_get(r, "ok")));
		json_decref(r);
	}
	close(a);
	close(b);
}

static void test_socket_is_private(void **state)
{
	char path[128];
	struct stat st;
	close(connect_wait());
	hs_ctl_socket_path(path, sizeof(path), rundir, "testd");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0077, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_keeps_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_and_empty_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subscribe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_publish_to_gone_requester, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsendable_answer_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_shares_the_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_is_private, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
