/* Passing sockets between processes with SCM_RIGHTS: the building block of hot restart. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "fdpass.h"

/* The child opens a UDP socket on loopback and hands it over; the parent sends a datagram to that
 * port and reads it from the passed fd: the very socket crossed the process boundary. */
static void test_socket_crosses_processes(void **state)
{
	int sp[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sp[0]);
		int u = socket(AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t len = sizeof(a);
		if (u < 0 || bind(u, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    getsockname(u, (struct sockaddr *)&a, &len) < 0)
			_exit(2);
		uint16_t port = a.sin_port;
		_exit(hs_fd_send(sp[1], &u, 1, &port, sizeof(port)) == 0 ? 0 : 3);
	}
	close(sp[1]);
	int fds[4];
	size_t n = 4;
	uint16_t port = 0;
	ssize_t got = hs_fd_recv(sp[0], fds, &n, &port, sizeof(port));
	assert_int_equal(got, (ssize_t)sizeof(port));
	assert_int_equal(n, 1);
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = port,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(sendto(s, "hello", 5, 0, (struct sockaddr *)&to, sizeof(to)), 5);
	char buf[16] = "";
	assert_int_equal(recv(fds[0], buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "hello", 5);
	close(s);
	close(fds[0]);
	close(sp[0]);
}

static void test_too_many_fds_refused_and_closed(void **state)
{
	int sp[2], p[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	assert_int_equal(pipe(p), 0);
	int two[2] = { p[0], p[1] };
	assert_int_equal(hs_fd_send(sp[1], two, 2, "x", 1), 0);
	close(p[0]);
	close(p[1]);
	int fds[1] = { -1 };
	size_t n = 1;
	char c;
	assert_int_equal(hs_fd_recv(sp[0], fds, &n, &c, 1), -EMSGSIZE);
	assert_int_equal(fds[0], -1);
	/* Nothing leaked: the next fd number is the lowest free one again. */
	int probe = dup(0);
	assert_true(probe <= p[1]);
	close(probe);
	assert_int_equal(hs_fd_send(sp[1], NULL, 0, "", 0), -EINVAL);
	close(sp[0]);
	close(sp[1]);
}

static void test_fdset(void **state)
{
	struct hs_fdset set;
	hs_fdset_init(&set);
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(hs_fdset_add(&set, "ctl", p[0]), 0);
	assert_int_equal(hs_fdset_add(&set, "vrrp4:lan0", p[1]), 0);
	assert_int_equal(
		hs_fdset_add(&set, "a-name-that-is-far-too-long-for-the-fixed-size-slot-x", 5),
		-ENAMETOOLONG);
	assert_int_equal(hs_fdset_take(&set, "ctl"), p[0]);
	assert_int_equal(hs_fdset_take(&set, "ctl"), -1);
	assert_int_equal(hs_fdset_take(&set, "nothing"), -1);
	hs_fdset_close_all(&set);
	assert_int_equal(set.count, 0);
	/* close_all closed the write end nobody took: the read end now sees EOF. */
	char c;
	assert_int_equal(read(p[0], &c, 1), 0);
	close(p[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_crosses_processes),
		cmocka_unit_test(test_too_many_fds_refused_and_closed),
		cmocka_unit_test(test_fdset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
