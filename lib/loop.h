/* Event loop glue over sd-event: monotonic millisecond timers owned by their object (armed at
 * absolute CLOCK_MONOTONIC deadlines, so a hot restart can carry them over), fd watches and
 * signals delivered into the loop. Cancel and stop are safe to repeat. */
#ifndef HS_LOOP_H
#define HS_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct sd_event;
struct sd_event_source;

struct hs_loop {
	struct sd_event *ev;
};

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t hs_now_ms(void);

int hs_loop_init(struct hs_loop *loop);
void hs_loop_free(struct hs_loop *loop);
/* Runs until hs_loop_exit(); returns the exit code given to it, or a negative errno. */
int hs_loop_run(struct hs_loop *loop);
void hs_loop_exit(struct hs_loop *loop, int code);

struct hs_timer;
typedef void (*hs_timer_cb)(struct hs_timer *t, void *arg);

struct hs_timer {
	struct hs_loop *loop;
	struct sd_event_source *src;
	hs_timer_cb cb;
	void *arg;
	uint64_t deadline_ms; /* absolute, CLOCK_MONOTONIC; 0 when not armed */
	int64_t priority;     /* sd-event's: lower runs first; 0 by default */
};

void hs_timer_init(struct hs_timer *t, struct hs_loop *loop, hs_timer_cb cb, void *arg);
int hs_timer_arm_at(struct hs_timer *t, uint64_t deadline_ms);
int hs_timer_arm_in(struct hs_timer *t, uint64_t delay_ms);
void hs_timer_cancel(struct hs_timer *t);
/* Among sources ready at once, lower priorities run first (0 by default). Bulk work runs at a
 * higher number than the heartbeat, and all bulk work at the same one, so that it takes turns. */
void hs_timer_set_priority(struct hs_timer *t, int64_t priority);
bool hs_timer_armed(const struct hs_timer *t);
/* Releases the kernel side; the object may be freed afterwards. Safe to repeat. */
void hs_timer_free(struct hs_timer *t);

struct hs_io;
typedef void (*hs_io_cb)(struct hs_io *io, int fd, uint32_t revents, void *arg);

struct hs_io {
	struct sd_event_source *src;
	int fd;
	hs_io_cb cb;
	void *arg;
};

/* events are EPOLLIN/EPOLLOUT; the fd stays owned by the caller. */
int hs_io_start(struct hs_io *io, struct hs_loop *loop, int fd, uint32_t events, hs_io_cb cb,
		void *arg);
int hs_io_set_events(struct hs_io *io, uint32_t events);
int hs_io_set_priority(struct hs_io *io, int64_t priority);
void hs_io_stop(struct hs_io *io);

typedef void (*hs_signal_cb)(int signo, void *arg);
/* Blocks signo for the process and delivers it through the loop. */
int hs_loop_on_signal(struct hs_loop *loop, int signo, hs_signal_cb cb, void *arg);

#endif
