/* The loop-driven control link: connect, request and answer, a subscribed event, the other
 * daemon killed (pending answers get NULL, "disconnected") and back (reconnect, resubscribe). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctl_client.h"
#include "ctl_link.h"
#include "ctl_server.h"
#include "loop.h"

static char rundir[64];
static struct hs_ctl_server *srv;

static int cmd_echo(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	*result = json_pack("{s:O}", "args", args);
	return 0;
}

static int cmd_emit(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	hs_ctl_server_publish(srv, "tick", args);
	return 0;
}

/* Exits without answering: the request is in flight when the connection goes. */
static int cmd_die(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	_exit(0);
}

static const struct hs_ctl_command server_commands[] = {
	{ "echo", "answers its args", cmd_echo },
	{ "die", "exits at once, answering nothing", cmd_die },
	{ "emit", "publishes a tick", cmd_emit },
	{ NULL },
};

static void server_term(int signo, void *arg)
{
	hs_loop_exit(arg, 0);
}

static pid_t start_server(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct hs_loop loop;
		char path[128];
		hs_ctl_socket_path(path, sizeof(path), rundir, "peerd");
		if (hs_loop_init(&loop) < 0 ||
		    hs_ctl_server_open(&srv, &loop, path, -1, (gid_t)-1) < 0)
			_exit(3);
		hs_ctl_server_add_commands(srv, server_commands, NULL);
		hs_loop_on_signal(&loop, SIGTERM, server_term, &loop);
		hs_loop_run(&loop);
		hs_ctl_server_close(srv, 1);
		_exit(0);
	}
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	return pid;
}

struct run {
	struct hs_loop loop;
	struct hs_ctl_link *link;
	pid_t server;
	int connects, disconnects, answers, null_answers, ticks;
	json_int_t last_tick;
	int refused_while_down;
};

static void on_answer(json_t *resp, void *arg)
{
	struct run *r = arg;
	if (!resp) {
		r->null_answers++;
		return;
	}
	r->answers++;
	json_t *args = json_object_get(json_object_get(resp, "result"), "args");
	assert_int_equal(json_integer_value(json_object_get(args, "n")), r->connects);
}

static void on_connected(struct hs_ctl_link *l, void *arg)
{
	struct run *r = arg;
	r->connects++;
	assert_int_equal(
		hs_ctl_link_request(l, "echo", json_pack("{s:i}", "n", r->connects), on_answer, r),
		0);
	assert_int_equal(
		hs_ctl_link_request(l, "emit", json_pack("{s:i}", "seq", r->connects), NULL, NULL),
		0);
}

static void on_disconnected(struct hs_ctl_link *l, void *arg)
{
	struct run *r = arg;
	r->disconnects++;
	waitpid(r->server, NULL, 0);
	r->refused_while_down = hs_ctl_link_request(l, "echo", NULL, on_answer, r);
	/* The other daemon comes back: the link must find it again by itself. */
	r->server = start_server();
}

static void on_event(struct hs_ctl_link *l, const char *event, json_t *data, void *arg)
{
	struct run *r = arg;
	assert_string_equal(event, "tick");
	r->ticks++;
	r->last_tick = json_integer_value(json_object_get(data, "seq"));
	if (r->ticks == 1)
		/* A request whose answer will never come: the server exits on it. */
		assert_int_equal(hs_ctl_link_request(l, "die", NULL, on_answer, r), 0);
	else
		hs_loop_exit(&r->loop, 0);
}

static const struct hs_ctl_link_ops ops = {
	.connected = on_connected,
	.disconnected = on_disconnected,
	.event = on_event,
};

static void give_up(struct hs_timer *t, void *arg)
{
	hs_loop_exit(arg, -ETIMEDOUT);
}

static void test_link_lifecycle(void **state)
{
	static const char *const events[] = { "tick", NULL };
	struct run r = { 0 };
	snprintf(rundir, sizeof(rundir), "/tmp/hs-link-XXXXXX");
	assert_non_null(mkdtemp(rundir));
	assert_int_equal(hs_loop_init(&r.loop), 0);
	/* The link starts before the server: it retries until the socket is there. */
	assert_int_equal(hs_ctl_link_open(&r.link, &r.loop, rundir, "peerd", events, &ops, &r), 0);
	r.server = start_server();
	struct hs_timer deadline;
	hs_timer_init(&deadline, &r.loop, give_up, &r.loop);
	hs_timer_arm_in(&deadline, 10000);
	assert_int_equal(hs_loop_run(&r.loop), 0);
	assert_int_equal(r.connects, 2);
	assert_int_equal(r.disconnects, 1);
	assert_int_equal(r.ticks, 2);
	assert_int_equal(r.last_tick, 2);
	/* Two echoes answered (one per connection); the one in flight when the server died got
	 * NULL; a request while down was refused. */
	assert_int_equal(r.answers, 2);
	assert_int_equal(r.null_answers, 1);
	assert_int_equal(r.refused_while_down, -ENOTCONN);
	hs_ctl_link_close(r.link);
	hs_timer_free(&deadline);
	kill(r.server, SIGTERM);
	waitpid(r.server, NULL, 0);
	hs_loop_free(&r.loop);
	rmdir(rundir);
}

struct gone {
	struct hs_loop loop;
	pid_t server;
	int calls, rc, calls_in_call;
};

static void count_null(json_t *resp, void *arg)
{
	struct gone *g = arg;
	assert_null(resp);
	g->calls++;
	hs_loop_exit(&g->loop, 0);
}

/* Connected: the other daemon dies (its EOF not read yet), then a request. */
static void kill_then_ask(struct hs_ctl_link *l, void *arg)
{
	struct gone *g = arg;
	kill(g->server, SIGKILL);
	waitpid(g->server, NULL, 0);
	g->rc = hs_ctl_link_request(l, "echo", NULL, count_null, g);
	g->calls_in_call = g->calls;
}

/* The request's send fails inside the call. It was queued, so the call says 0 and the callback
 * runs once, on the loop's next turn (the link went down inside the call, answered NULL and
 * said -ENOTCONN: callers that free their argument on an error freed it twice, and flags they
 * set on 0 outlived the answer). */
static void test_request_send_fails(void **state)
{
	static const struct hs_ctl_link_ops gone_ops = { .connected = kill_then_ask };
	struct gone g = { .calls = 0 };
	struct hs_ctl_link *link;
	snprintf(rundir, sizeof(rundir), "/tmp/hs-link-XXXXXX");
	assert_non_null(mkdtemp(rundir));
	assert_int_equal(hs_loop_init(&g.loop), 0);
	g.server = start_server();
	assert_int_equal(hs_ctl_link_open(&link, &g.loop, rundir, "peerd", NULL, &gone_ops, &g), 0);
	struct hs_timer deadline;
	hs_timer_init(&deadline, &g.loop, give_up, &g.loop);
	hs_timer_arm_in(&deadline, 10000);
	assert_int_equal(hs_loop_run(&g.loop), 0);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.calls_in_call, 0);
	assert_int_equal(g.calls, 1);
	assert_false(hs_ctl_link_up(link));
	assert_int_equal(hs_ctl_link_request(link, "echo", NULL, count_null, &g), -ENOTCONN);
	assert_int_equal(g.calls, 1);
	hs_ctl_link_close(link);
	hs_timer_free(&deadline);
	hs_loop_free(&g.loop);
	char path[128];
	hs_ctl_socket_path(path, sizeof(path), rundir, "peerd");
	unlink(path);
	rmdir(rundir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_lifecycle),
		cmocka_unit_test(test_request_send_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
