/* Event loop glue over sd-event. Timers are armed at absolute CLOCK_MONOTONIC deadlines in ms. */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
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
	return sd_event_new(&loop->ev);
}

void hs_loop_free(struct hs_loop *loop)
{
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

static int timer_fired(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct hs_timer *t = userdata;
	t->deadline_ms = 0;
	/* One-shot: the callback may re-arm, which re-enables the source. */
	t->cb(t, t->arg);
	return 0;
}

void hs_timer_init(struct hs_timer *t, struct hs_loop *loop, hs_timer_cb cb, void *arg)
{
	*t = (struct hs_timer){ .loop = loop, .cb = cb, .arg = arg };
}

int hs_timer_arm_at(struct hs_timer *t, uint64_t deadline_ms)
{
	/* A deadline of 0 would read as "not armed"; the monotonic clock is never that young. */
	if (deadline_ms == 0)
		deadline_ms = 1;
	uint64_t usec = deadline_ms * 1000u;
	int r;
	if (!t->src) {
		/* Accuracy 1 us: sd-event would otherwise coalesce wake-ups by up to 250 ms. */
		r = sd_event_add_time(t->loop->ev, &t->src, CLOCK_MONOTONIC, usec, 1, timer_fired,
				      t);
		if (r < 0)
			return r;
		if (t->priority)
			sd_event_source_set_priority(t->src, t->priority);
	} else {
		r = sd_event_source_set_time(t->src, usec);
		if (r < 0)
			return r;
		r = sd_event_source_set_enabled(t->src, SD_EVENT_ONESHOT);
		if (r < 0)
			return r;
	}
	t->deadline_ms = deadline_ms;
	return 0;
}

int hs_timer_arm_in(struct hs_timer *t, uint64_t delay_ms)
{
	return hs_timer_arm_at(t, hs_now_ms() + delay_ms);
}

void hs_timer_cancel(struct hs_timer *t)
{
	if (t->src)
		sd_event_source_set_enabled(t->src, SD_EVENT_OFF);
	t->deadline_ms = 0;
}

void hs_timer_set_priority(struct hs_timer *t, int64_t priority)
{
	t->priority = priority;
	if (t->src)
		sd_event_source_set_priority(t->src, priority);
}

bool hs_timer_armed(const struct hs_timer *t)
{
	return t->deadline_ms != 0;
}

void hs_timer_free(struct hs_timer *t)
{
	t->src = sd_event_source_disable_unref(t->src);
	t->deadline_ms = 0;
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
