/* The event loop glue: absolute-deadline timers, safe cancel, fd watches, signals in the loop. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <cmocka.h>

#include "loop.h"

struct record {
	struct hs_loop *loop;
	int order[8];
	int n;
	uint64_t fired_at[8];
};

static struct record rec;

static void note(struct hs_timer *t, void *arg)
{
	int id = (int)(intptr_t)arg;
	rec.fired_at[rec.n] = hs_now_ms();
	rec.order[rec.n++] = id;
	if (id == 99)
		hs_loop_exit(rec.loop, 7);
}

static void test_timers_fire_in_deadline_order(void **state)
{
	struct hs_loop loop;
	assert_int_equal(hs_loop_init(&loop), 0);
	memset(&rec, 0, sizeof(rec));
	rec.loop = &loop;
	struct hs_timer a, b, c, stop;
	hs_timer_init(&a, &loop, note, (void *)1);
	hs_timer_init(&b, &loop, note, (void *)2);
	hs_timer_init(&c, &loop, note, (void *)3);
	hs_timer_init(&stop, &loop, note, (void *)99);
	uint64_t now = hs_now_ms();
	assert_int_equal(hs_timer_arm_at(&b, now + 30), 0);
	assert_int_equal(hs_timer_arm_at(&a, now + 10), 0);
	assert_int_equal(hs_timer_arm_at(&c, now + 20), 0);
	assert_int_equal(hs_timer_arm_at(&stop, now + 60), 0);
	assert_true(hs_timer_armed(&c));
	assert_int_equal(c.deadline_ms, now + 20);
	/* Cancel is safe to repeat, and a cancelled timer never fires. */
	hs_timer_cancel(&c);
	hs_timer_cancel(&c);
	assert_false(hs_timer_armed(&c));
	assert_int_equal(hs_loop_run(&loop), 7);
	assert_int_equal(rec.n, 3);
	assert_int_equal(rec.order[0], 1);
	assert_int_equal(rec.order[1], 2);
	assert_int_equal(rec.order[2], 99);
	/* Never early. */
	assert_true(rec.fired_at[0] >= now + 10);
	assert_true(rec.fired_at[1] >= now + 30);
	assert_false(hs_timer_armed(&a));
	hs_timer_free(&a);
	hs_timer_free(&a);
	hs_timer_free(&b);
	hs_timer_free(&c);
	hs_timer_free(&stop);
	hs_loop_free(&loop);
}

static int rearms;

static void rearm(struct hs_timer *t, void *arg)
{
	if (++rearms < 5)
		hs_timer_arm_in(t, 1);
	else
		hs_loop_exit(arg, 0);
}

static void test_rearm_from_callback(void **state)
{
	struct hs_loop loop;
	hs_loop_init(&loop);
	struct hs_timer t;
	hs_timer_init(&t, &loop, rearm, &loop);
	rearms = 0;
	hs_timer_arm_in(&t, 1);
	assert_int_equal(hs_loop_run(&loop), 0);
	assert_int_equal(rearms, 5);
	hs_timer_free(&t);
	hs_loop_free(&loop);
}

static void on_readable(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	char buf[8];
	ssize_t n = read(fd, buf, sizeof(buf));
	assert_true(revents & EPOLLIN);
	hs_loop_exit(arg, (int)n);
}

static void test_io_watch(void **state)
{
	struct hs_loop loop;
	hs_loop_init(&loop);
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct hs_io io;
	assert_int_equal(hs_io_start(&io, &loop, p[0], EPOLLIN, on_readable, &loop), 0);
	assert_int_equal(write(p[1], "abc", 3), 3);
	assert_int_equal(hs_loop_run(&loop), 3);
	hs_io_stop(&io);
	hs_io_stop(&io);
	close(p[0]);
	close(p[1]);
	hs_loop_free(&loop);
}

static void on_usr1(int signo, void *arg)
{
	hs_loop_exit(arg, signo);
}

static void raise_usr1(struct hs_timer *t, void *arg)
{
	raise(SIGUSR1);
}

static void test_signal_in_loop(void **state)
{
	struct hs_loop loop;
	hs_loop_init(&loop);
	assert_int_equal(hs_loop_on_signal(&loop, SIGUSR1, on_usr1, &loop), 0);
	struct hs_timer t;
	hs_timer_init(&t, &loop, raise_usr1, NULL);
	hs_timer_arm_in(&t, 5);
	assert_int_equal(hs_loop_run(&loop), SIGUSR1);
	hs_timer_free(&t);
	hs_loop_free(&loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_fire_in_deadline_order),
		cmocka_unit_test(test_rearm_from_callback),
		cmocka_unit_test(test_io_watch),
		cmocka_unit_test(test_signal_in_loop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
