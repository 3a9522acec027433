/*
 * loop.h - a small epoll event loop (redis ae.c is the model): fd read/write
 * interest with a callback, caller-owned timers kept in a binary heap, a
 * before-sleep hook, stop.  Time is esctp_tstamp nanoseconds from
 * CLOCK_MONOTONIC unless a clock is injected (tests).  Single-threaded.
 */
#ifndef CLI_LOOP_H
#define CLI_LOOP_H

#include <stdbool.h>
#include <stddef.h>

#include "esctp.h"

typedef struct loop loop;
typedef struct loop_timer loop_timer;

#define LOOP_READ 1u
#define LOOP_WRITE 2u
#define LOOP_HANGUP 4u /* reported, never asked for: EPOLLHUP or EPOLLERR */
/* Asked with LOOP_READ/LOOP_WRITE: report each arrival, each freeing of
 * room and each shutdown by the peer once (EPOLLET | EPOLLRDHUP), not the
 * state: the callback must then read (or write) until it would block, or
 * remember that it did not. */
#define LOOP_EDGE 8u

/* Called with the ready subset of the registered interest (LOOP_READ,
 * LOOP_WRITE; errors and hang-ups are reported as both), plus LOOP_HANGUP
 * on an error or hang-up whatever the interest, even none: the callback
 * must then stop watching the fd (or close it), or it is called again. */
typedef void (*loop_fd_fn)(loop *l, int fd, unsigned events, void *arg);
typedef void (*loop_timer_fn)(loop *l, loop_timer *t, void *arg);
typedef void (*loop_hook_fn)(loop *l, void *arg);
typedef esctp_tstamp (*loop_clock_fn)(void *arg);

/* A timer lives in memory the caller owns (no allocation per arm).  Fill it
 * with loop_timer_init(); the fields are private. */
struct loop_timer {
	esctp_tstamp when;
	size_t slot; /* index in the heap + 1; 0 when not armed */
	loop_timer_fn fn;
	void *arg;
};

/* Creates a loop.  Returns NULL with errno set when epoll_create1 fails. */
loop *loop_new(void);
/* Frees the loop (not the timers nor the fds, which the caller owns). */
void loop_free(loop *l);

/* Sets the fd's interest to mask (LOOP_READ|LOOP_WRITE) with fn and arg,
 * registering it on first use; mask 0 keeps the fd registered with no
 * interest.  Returns 0, or -1 with errno set (epoll_ctl, ENOMEM). */
int loop_fd_set(loop *l, int fd, unsigned mask, loop_fd_fn fn, void *arg);
/* Forgets the fd (call before closing it).  Safe inside a callback. */
void loop_fd_del(loop *l, int fd);

void loop_timer_init(loop_timer *t, loop_timer_fn fn, void *arg);
/* Arms (or re-arms) t to fire once at `when`.  A fired timer is disarmed
 * before its callback runs, so the callback may re-arm it.  Returns 0 or -1
 * (ENOMEM growing the heap). */
int loop_timer_set(loop *l, loop_timer *t, esctp_tstamp when);
void loop_timer_cancel(loop *l, loop_timer *t);
static inline bool loop_timer_armed(const loop_timer *t)
{
	return t->slot != 0;
}

/* Runs fn before every wait for events. */
void loop_set_before_sleep(loop *l, loop_hook_fn fn, void *arg);
/* Replaces the clock (NULL restores CLOCK_MONOTONIC). */
void loop_set_clock(loop *l, loop_clock_fn fn, void *arg);
esctp_tstamp loop_now(loop *l);

/* Waits at most timeout_ms (-1: until a timer or event) and runs what is
 * ready: expired timers, then fd callbacks.  Returns the number of callbacks
 * run, or -1 with errno set when epoll_wait fails (EINTR is not a failure). */
int loop_run_once(loop *l, int timeout_ms);
/* Runs until loop_stop().  Returns 0, or -1 when epoll_wait fails. */
int loop_run(loop *l);
void loop_stop(loop *l);

#endif
