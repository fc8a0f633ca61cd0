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

/* Many timers due at one deadline run in one wake-up, in arming order; one of them cancels a
 * later one of the same pass and frees itself, which must be safe. */
static struct hs_timer many[20];
static struct hs_timer *to_cancel;

static int many_order[20], many_n;

static void note_many(struct hs_timer *t, void *arg)
{
	assert_true(many_n < 20);
	many_order[many_n++] = (int)(intptr_t)arg;
}

static void note_and_cancel(struct hs_timer *t, void *arg)
{
	note_many(t, arg);
	hs_timer_cancel(to_cancel);
	hs_timer_free(t);
}

static void test_one_wakeup_serves_every_due_timer(void **state)
{
	struct hs_loop loop;
	assert_int_equal(hs_loop_init(&loop), 0);
	memset(&rec, 0, sizeof(rec));
	rec.loop = &loop;
	many_n = 0;
	uint64_t at = hs_now_ms() + 20;
	for (int i = 0; i < 20; i++) {
		hs_timer_init(&many[i], &loop, i == 3 ? note_and_cancel : note_many,
			      (void *)(intptr_t)i);
		assert_int_equal(hs_timer_arm_at(&many[i], at), 0);
	}
	to_cancel = &many[4];
	struct hs_timer stop;
	hs_timer_init(&stop, &loop, note, (void *)99);
	assert_int_equal(hs_timer_arm_at(&stop, at + 30), 0);
	assert_int_equal(hs_loop_run(&loop), 7);
	/* In arming order, without 4, which 3 cancelled. */
	assert_int_equal(many_n, 19);
	for (int i = 0; i < 19; i++)
		assert_int_equal(many_order[i], i < 4 ? i : i + 1);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.order[0], 99);
	assert_false(hs_timer_armed(&many[4]));
	assert_int_equal(loop.timers_fired, 20);
	/* Two wake-ups: the 19 at one deadline together, then the stop timer. */
	assert_int_equal(loop.timer_wakeups, 2);
	for (int i = 0; i < 20; i++)
		hs_timer_free(&many[i]);
	hs_timer_free(&stop);
	hs_loop_free(&loop);
}

/* Bulk timers (priority above 0) take one turn per loop iteration; a pipe written by the first
 * bulk timer is read before the second runs, though both were due at once. */
static int turns[4], n_turns;
static int pipe_fds[2];

static void bulk_turn(struct hs_timer *t, void *arg)
{
	turns[n_turns++] = (int)(intptr_t)arg;
	if (n_turns == 1)
		assert_int_equal(write(pipe_fds[1], "x", 1), 1);
}

static void bulk_readable(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	char c;
	assert_int_equal(read(fd, &c, 1), 1);
	turns[n_turns++] = 0;
}

static void stop_loop(struct hs_timer *t, void *arg)
{
	hs_loop_exit(arg, 0);
}

static void test_bulk_timers_take_turns(void **state)
{
	struct hs_loop loop;
	assert_int_equal(hs_loop_init(&loop), 0);
	assert_int_equal(pipe(pipe_fds), 0);
	struct hs_io io;
	assert_int_equal(hs_io_start(&io, &loop, pipe_fds[0], EPOLLIN, bulk_readable, NULL), 0);
	n_turns = 0;
	struct hs_timer a, b, stop;
	hs_timer_init(&a, &loop, bulk_turn, (void *)1);
	hs_timer_init(&b, &loop, bulk_turn, (void *)2);
	hs_timer_init(&stop, &loop, stop_loop, &loop);
	hs_timer_set_priority(&a, 10);
	hs_timer_set_priority(&b, 10);
	uint64_t at = hs_now_ms() + 10;
	assert_int_equal(hs_timer_arm_at(&a, at), 0);
	assert_int_equal(hs_timer_arm_at(&b, at), 0);
	assert_int_equal(hs_timer_arm_at(&stop, at + 30), 0);
	assert_int_equal(hs_loop_run(&loop), 0);
	assert_int_equal(n_turns, 3);
	assert_int_equal(turns[0], 1);
	assert_int_equal(turns[1], 0);
	assert_int_equal(turns[2], 2);
	hs_io_stop(&io);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	hs_timer_free(&a);
	hs_timer_free(&b);
	hs_timer_free(&stop);
	hs_loop_free(&loop);
}

/* A priority set on an armed timer moves it and keeps its deadline; too many distinct
 * priorities is an error, not a crash; freeing after the loop is gone is safe. */
static void test_priorities_and_free_after_loop(void **state)
{
	struct hs_loop loop;
	assert_int_equal(hs_loop_init(&loop), 0);
	struct hs_timer t[HS_LOOP_TIMER_QUEUES + 1];
	uint64_t at = hs_now_ms() + 1000;
	for (int i = 0; i <= HS_LOOP_TIMER_QUEUES; i++) {
		hs_timer_init(&t[i], &loop, note, NULL);
		hs_timer_set_priority(&t[i], i);
		assert_int_equal(hs_timer_arm_at(&t[i], at), i < HS_LOOP_TIMER_QUEUES ? 0 : -ENOSPC);
	}
	assert_false(hs_timer_armed(&t[HS_LOOP_TIMER_QUEUES]));
	hs_timer_set_priority(&t[1], 2);
	assert_true(hs_timer_armed(&t[1]));
	assert_int_equal(t[1].deadline_ms, at);
	assert_ptr_equal(t[1].queue, t[2].queue);
	hs_loop_free(&loop);
	assert_false(hs_timer_armed(&t[0]));
	for (int i = 0; i <= HS_LOOP_TIMER_QUEUES; i++)
		hs_timer_free(&t[i]);
	/* A zeroed timer that was never initialised frees too. */
	struct hs_timer zero;
	memset(&zero, 0, sizeof(zero));
	hs_timer_free(&zero);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_fire_in_deadline_order),
		cmocka_unit_test(test_rearm_from_callback),
		cmocka_unit_test(test_io_watch),
		cmocka_unit_test(test_signal_in_loop),
		cmocka_unit_test(test_one_wakeup_serves_every_due_timer),
		cmocka_unit_test(test_bulk_timers_take_turns),
		cmocka_unit_test(test_priorities_and_free_after_loop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
