/* Event loop glue over sd-event: monotonic millisecond timers owned by their object (armed at
 * absolute CLOCK_MONOTONIC deadlines, so a hot restart can carry them over), fd watches and
 * signals delivered into the loop. Cancel and stop are safe to repeat.
 *
 * Timers are not sd-event sources each: the timers of one priority sit in a heap of ours behind
 * one sd-event time source, set to the earliest deadline once per wake-up, and a wake-up runs
 * every timer of priority 0 or below that is due (a source per timer was nine tenths of vrrpd's
 * instructions per advert at 100 groups: bench/README.md, vrrp-scale). Timers of a priority
 * above 0 (bulk work) run one per turn of the loop, as sources of their own did. */
#ifndef HS_LOOP_H
#define HS_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "timer_heap.h"

struct sd_event;
struct sd_event_source;
struct hs_loop;

/* The timers of one priority and the time source that wakes them. */
struct hs_timer_queue {
	struct hs_loop *loop;
	struct sd_event_source *src;
	struct hs_theap heap;
	int64_t priority;
	uint64_t src_usec; /* the time src is set to, 0 when off */
	bool in_pass;      /* set while its timers fire: the source is set once at the end */
};

/* Distinct timer priorities one loop may use (the daemons use 0 and one bulk level). */
#define HS_LOOP_TIMER_QUEUES 4

struct hs_loop {
	struct sd_event *ev;
	struct hs_timer_queue queues[HS_LOOP_TIMER_QUEUES];
	unsigned n_queues;
	uint64_t timer_wakeups; /* passes run and timers they fired: what the tests check */
	uint64_t timers_fired;
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
	struct hs_timer_queue *queue; /* of its priority, found at the first arm */
	struct hs_theap_node node;
	hs_timer_cb cb;
	void *arg;
	uint64_t deadline_ms; /* absolute, CLOCK_MONOTONIC; 0 when not armed */
	int64_t priority;     /* sd-event's: lower runs first; 0 by default */
};

void hs_timer_init(struct hs_timer *t, struct hs_loop *loop, hs_timer_cb cb, void *arg);
/* 0, -ENOMEM, -ENOSPC (more than HS_LOOP_TIMER_QUEUES priorities) or sd-event's error. */
int hs_timer_arm_at(struct hs_timer *t, uint64_t deadline_ms);
int hs_timer_arm_in(struct hs_timer *t, uint64_t delay_ms);
void hs_timer_cancel(struct hs_timer *t);
/* Among sources ready at once, lower priorities run first (0 by default). Bulk work runs at a
 * higher number than the heartbeat, and all bulk work at the same one, so that it takes turns. */
void hs_timer_set_priority(struct hs_timer *t, int64_t priority);
bool hs_timer_armed(const struct hs_timer *t);
/* Takes it out of the loop; the object may be freed afterwards, also from its own callback.
 * Safe to repeat, and after hs_loop_free(). */
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
