/* Event loop glue over sd-event. Timers are armed at absolute CLOCK_MONOTONIC deadlines in ms, kept
 * in a heap per priority behind one sd-event time source each (loop.h says why). */
#include "loop.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "log.h"

uint64_t hs_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int hs_loop_init(struct hs_loop *loop)
{
	*loop = (struct hs_loop){ 0 };
	return sd_event_new(&loop->ev);
}

static struct hs_timer *timer_of(struct hs_theap_node *e)
{
	return (struct hs_timer *)((char *)e - offsetof(struct hs_timer, node));
}

void hs_loop_free(struct hs_loop *loop)
{
	for (unsigned i = 0; i < loop->n_queues; i++) {
		struct hs_timer_queue *q = &loop->queues[i];
		for (size_t k = 0; k < q->heap.n; k++)
			timer_of(q->heap.v[k])->deadline_ms = 0;
		/* The timers still armed read as cancelled: hs_timer_free() stays safe. */
		hs_theap_free(&q->heap);
		q->src = sd_event_source_disable_unref(q->src);
	}
	loop->n_queues = 0;
	loop->ev = sd_event_unref(loop->ev);
}

int hs_loop_run(struct hs_loop *loop)
{
	return sd_event_loop(loop->ev);
}

void hs_loop_exit(struct hs_loop *loop, int code)
{
	sd_event_exit(loop->ev, code);
}

static int queue_fired(sd_event_source *src, uint64_t usec, void *userdata);

/* Points the queue's time source at its earliest deadline, or turns it off; only when that
 * changed, and not in the middle of a pass (queue_fired sets it once at the end). */
static int queue_sync(struct hs_timer_queue *q)
{
	if (q->in_pass)
		return 0;
	struct hs_theap_node *top = hs_theap_top(&q->heap);
	uint64_t usec = top ? top->deadline * 1000u : 0;
	if (usec == q->src_usec)
		return 0;
	int r;
	if (!usec) {
		r = sd_event_source_set_enabled(q->src, SD_EVENT_OFF);
	} else if (!q->src) {
		/* Accuracy 1 us: sd-event would otherwise coalesce wake-ups by up to 250 ms. */
		r = sd_event_add_time(q->loop->ev, &q->src, CLOCK_MONOTONIC, usec, 1, queue_fired,
				      q);
		if (r >= 0)
			r = sd_event_source_set_enabled(q->src, SD_EVENT_ON);
		if (r >= 0 && q->priority)
			r = sd_event_source_set_priority(q->src, q->priority);
	} else {
		r = sd_event_source_set_time(q->src, usec);
		/* On, not one-shot: sd-event leaves it enabled when it fires, which saves turning it
		 * off and on again each wake-up; the end of each pass sets the next time or turns it
		 * off, and a time left in the past runs the due timers' next pass. */
		if (r >= 0 && !q->src_usec)
			r = sd_event_source_set_enabled(q->src, SD_EVENT_ON);
	}
	if (r < 0)
		return r;
	q->src_usec = usec;
	return 0;
}

static void timer_fire(struct hs_theap_node *e, void *arg)
{
	struct hs_timer *t = timer_of(e);
	t->deadline_ms = 0;
	/* One-shot: the callback may re-arm it, or free it; t is not touched afterwards. */
	t->cb(t, t->arg);
}

static int queue_fired(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct hs_timer_queue *q = userdata;
	q->in_pass = true;
	/* Bulk work takes one turn per loop iteration, so that the loop's other sources get
	 * theirs in between; timers that must not wait run together in one wake-up. */
	size_t max = q->priority > 0 ? 1 : 0;
	size_t fired = hs_theap_run_due(&q->heap, hs_now_ms(), max, timer_fire, NULL);
	q->loop->timer_wakeups++;
	q->loop->timers_fired += fired;
	q->in_pass = false;
	int r = queue_sync(q);
	if (r < 0)
		hs_err("loop", "timers of priority %" PRId64 " stalled: %s", q->priority,
		       strerror(-r));
	return 0;
}

static struct hs_timer_queue *queue_of(struct hs_loop *loop, int64_t priority)
{
	for (unsigned i = 0; i < loop->n_queues; i++)
		if (loop->queues[i].priority == priority)
			return &loop->queues[i];
	if (loop->n_queues == HS_LOOP_TIMER_QUEUES)
		return NULL;
	struct hs_timer_queue *q = &loop->queues[loop->n_queues++];
	*q = (struct hs_timer_queue){ .loop = loop, .priority = priority };
	hs_theap_init(&q->heap);
	return q;
}

void hs_timer_init(struct hs_timer *t, struct hs_loop *loop, hs_timer_cb cb, void *arg)
{
	*t = (struct hs_timer){ .loop = loop, .cb = cb, .arg = arg };
	hs_theap_node_init(&t->node);
}

int hs_timer_arm_at(struct hs_timer *t, uint64_t deadline_ms)
{
	/* A deadline of 0 would read as "not armed"; the monotonic clock is never that young. */
	if (deadline_ms == 0)
		deadline_ms = 1;
	if (!t->queue) {
		t->queue = queue_of(t->loop, t->priority);
		if (!t->queue)
			return -ENOSPC;
	}
	struct hs_timer_queue *q = t->queue;
	int r = hs_theap_arm(&q->heap, &t->node, deadline_ms);
	if (r < 0)
		return r;
	t->deadline_ms = deadline_ms;
	r = queue_sync(q);
	if (r < 0) {
		hs_timer_cancel(t);
		return r;
	}
	return 0;
}

int hs_timer_arm_in(struct hs_timer *t, uint64_t delay_ms)
{
	return hs_timer_arm_at(t, hs_now_ms() + delay_ms);
}

void hs_timer_cancel(struct hs_timer *t)
{
	t->deadline_ms = 0;
	/* Not armed, or zeroed and never armed (a queue is found at the first arm). */
	if (!t->queue || !hs_theap_node_armed(&t->node))
		return;
	hs_theap_cancel(&t->queue->heap, &t->node);
	/* Turning the source off can only fail for a source that is not there. */
	(void)queue_sync(t->queue);
}

void hs_timer_set_priority(struct hs_timer *t, int64_t priority)
{
	if (t->priority == priority)
		return;
	uint64_t deadline = t->deadline_ms;
	hs_timer_cancel(t);
	t->priority = priority;
	t->queue = NULL;
	if (deadline && hs_timer_arm_at(t, deadline) < 0)
		hs_err("loop", "timer lost moving to priority %" PRId64, priority);
}

bool hs_timer_armed(const struct hs_timer *t)
{
	return t->deadline_ms != 0;
}

void hs_timer_free(struct hs_timer *t)
{
	hs_timer_cancel(t);
}

static int io_ready(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct hs_io *io = userdata;
	io->cb(io, fd, revents, io->arg);
	return 0;
}

int hs_io_start(struct hs_io *io, struct hs_loop *loop, int fd, uint32_t events, hs_io_cb cb,
		void *arg)
{
	io->fd = fd;
	io->cb = cb;
	io->arg = arg;
	io->src = NULL;
	return sd_event_add_io(loop->ev, &io->src, fd, events, io_ready, io);
}

int hs_io_set_events(struct hs_io *io, uint32_t events)
{
	if (!io->src)
		return -EBADF;
	return sd_event_source_set_io_events(io->src, events);
}

int hs_io_set_priority(struct hs_io *io, int64_t priority)
{
	if (!io->src)
		return -EBADF;
	return sd_event_source_set_priority(io->src, priority);
}

void hs_io_stop(struct hs_io *io)
{
	io->src = sd_event_source_disable_unref(io->src);
}

struct signal_ctx {
	hs_signal_cb cb;
	void *arg;
};

static int signal_arrived(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata)
{
	struct signal_ctx *ctx = userdata;
	ctx->cb((int)si->ssi_signo, ctx->arg);
	return 0;
}

int hs_loop_on_signal(struct hs_loop *loop, int signo, hs_signal_cb cb, void *arg)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, signo);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	struct signal_ctx *ctx = malloc(sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->cb = cb;
	ctx->arg = arg;
	sd_event_source *src;
	int r = sd_event_add_signal(loop->ev, &src, signo, signal_arrived, ctx);
	if (r < 0) {
		free(ctx);
		return r;
	}
	/* The source lives as long as the loop; its context goes with it. */
	sd_event_source_set_destroy_callback(src, free);
	sd_event_source_set_floating(src, 1);
	sd_event_source_unref(src);
	return 0;
}
