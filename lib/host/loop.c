/*
 * loop.c - the epoll event loop: an fd table indexed by fd number and a
 * binary min-heap of caller-owned timers.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define LOOP_MAX_EVENTS 64

typedef struct fd_slot {
	unsigned mask;
	bool used;
	loop_fd_fn fn;
	void *arg;
} fd_slot;

struct loop {
	int epfd;
	bool stop;
	fd_slot *fds;
	size_t nfds;
	loop_timer **heap;
	size_t nheap, capheap;
	loop_hook_fn before_sleep;
	void *before_sleep_arg;
	loop_clock_fn clock;
	void *clock_arg;
};

static esctp_tstamp monotonic_now(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (esctp_tstamp)ts.tv_sec * ESCTP_SECOND +
	       (esctp_tstamp)ts.tv_nsec;
}

loop *loop_new(void)
{
	loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int saved = errno;
		free(l);
		errno = saved;
		return NULL;
	}
	l->clock = monotonic_now;
	return l;
}

void loop_free(loop *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nheap; i++)
		l->heap[i]->slot = 0;
	close(l->epfd);
	free(l->fds);
	free(l->heap);
	free(l);
}

/* ---- file descriptors ---- */

static int fds_reserve(loop *l, int fd)
{
	if ((size_t)fd < l->nfds)
		return 0;
	size_t n = l->nfds ? l->nfds : 64;
	while (n <= (size_t)fd)
		n *= 2;
	fd_slot *p = realloc(l->fds, n * sizeof(*p));
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = l->nfds; i < n; i++)
		p[i] = (fd_slot){0};
	l->fds = p;
	l->nfds = n;
	return 0;
}

int loop_fd_set(loop *l, int fd, unsigned mask, loop_fd_fn fn, void *arg)
{
	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (fds_reserve(l, fd) < 0)
		return -1;
	fd_slot *s = &l->fds[fd];
	struct epoll_event ev = {.data.fd = fd};
	if (mask & LOOP_READ)
		ev.events |= EPOLLIN;
	if (mask & LOOP_WRITE)
		ev.events |= EPOLLOUT;
	if (mask & LOOP_EDGE)
		ev.events |= EPOLLET | EPOLLRDHUP;
	if (!s->used || s->mask != mask) {
		int op = s->used ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
		if (epoll_ctl(l->epfd, op, fd, &ev) < 0)
			return -1;
	}
	s->used = true;
	s->mask = mask;
	s->fn = fn;
	s->arg = arg;
	return 0;
}

void loop_fd_del(loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].used)
		return;
	int saved = errno;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	errno = saved;
	l->fds[fd] = (fd_slot){0};
}

/* ---- timers: a min-heap on `when`; t->slot is its index + 1 ---- */

static void heap_place(loop *l, size_t i, loop_timer *t)
{
	l->heap[i] = t;
	t->slot = i + 1;
}

static void heap_up(loop *l, size_t i)
{
	loop_timer *t = l->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (l->heap[parent]->when <= t->when)
			break;
		heap_place(l, i, l->heap[parent]);
		i = parent;
	}
	heap_place(l, i, t);
}

static void heap_down(loop *l, size_t i)
{
	loop_timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && l->heap[c + 1]->when < l->heap[c]->when)
			c++;
		if (t->when <= l->heap[c]->when)
			break;
		heap_place(l, i, l->heap[c]);
		i = c;
	}
	heap_place(l, i, t);
}

void loop_timer_init(loop_timer *t, loop_timer_fn fn, void *arg)
{
	*t = (loop_timer){.fn = fn, .arg = arg};
}

void loop_timer_cancel(loop *l, loop_timer *t)
{
	if (!t->slot)
		return;
	size_t i = t->slot - 1;
	t->slot = 0;
	l->nheap--;
	if (i == l->nheap)
		return;
	loop_timer *moved = l->heap[l->nheap];
	heap_place(l, i, moved);
	heap_up(l, i);
	heap_down(l, moved->slot - 1);
}

int loop_timer_set(loop *l, loop_timer *t, esctp_tstamp when)
{
	if (t->slot) {
		size_t i = t->slot - 1;
		t->when = when;
		heap_up(l, i);
		heap_down(l, t->slot - 1);
		return 0;
	}
	if (l->nheap == l->capheap) {
		size_t n = l->capheap ? 2 * l->capheap : 16;
		loop_timer **h = realloc(l->heap, n * sizeof(*h));
		if (!h) {
			errno = ENOMEM;
			return -1;
		}
		l->heap = h;
		l->capheap = n;
	}
	t->when = when;
	heap_place(l, l->nheap++, t);
	heap_up(l, l->nheap - 1);
	return 0;
}

/* ---- running ---- */

void loop_set_before_sleep(loop *l, loop_hook_fn fn, void *arg)
{
	l->before_sleep = fn;
	l->before_sleep_arg = arg;
}

void loop_set_clock(loop *l, loop_clock_fn fn, void *arg)
{
	l->clock = fn ? fn : monotonic_now;
	l->clock_arg = fn ? arg : NULL;
}

esctp_tstamp loop_now(loop *l)
{
	return l->clock(l->clock_arg);
}

/* Runs the timers due now.  A callback that re-arms its timer in the past
 * waits for the next round, so this always ends. */
static int run_timers(loop *l)
{
	esctp_tstamp now = loop_now(l);
	size_t budget = l->nheap;
	int ran = 0;

	while (budget-- && l->nheap && l->heap[0]->when <= now) {
		loop_timer *t = l->heap[0];
		loop_timer_cancel(l, t);
		t->fn(l, t, t->arg);
		ran++;
	}
	return ran;
}

/* Milliseconds until the first timer, rounded up so it is never early. */
static int wait_ms(loop *l, int timeout_ms)
{
	if (!l->nheap)
		return timeout_ms;
	esctp_tstamp now = loop_now(l), when = l->heap[0]->when;
	if (when <= now)
		return 0;
	esctp_tstamp ms = (when - now + ESCTP_MS - 1) / ESCTP_MS;
	if (ms > 24 * 3600 * 1000)
		ms = 24 * 3600 * 1000;
	if (timeout_ms >= 0 && (esctp_tstamp)timeout_ms < ms)
		return timeout_ms;
	return (int)ms;
}

int loop_run_once(loop *l, int timeout_ms)
{
	struct epoll_event evs[LOOP_MAX_EVENTS];

	if (l->before_sleep)
		l->before_sleep(l, l->before_sleep_arg);
	/* The hook may have ended the loop (the daemon's last socket went
	 * while it stops): do not sleep until the next timer first. */
	if (l->stop)
		return 0;
	int n =
	    epoll_wait(l->epfd, evs, LOOP_MAX_EVENTS, wait_ms(l, timeout_ms));
	if (n < 0) {
		if (errno == EINTR)
			n = 0;
		else
			return -1;
	}
	int ran = run_timers(l);
	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		/* An earlier callback may have removed or changed this fd. */
		if ((size_t)fd >= l->nfds || !l->fds[fd].used)
			continue;
		fd_slot *s = &l->fds[fd];
		unsigned ready = 0;
		if (evs[i].events &
		    (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))
			ready |= LOOP_READ;
		if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			ready |= LOOP_WRITE;
		ready &= s->mask;
		/* A hang-up or an error is reported even without interest:
		 * epoll keeps reporting it, and an owner that ignored it
		 * would spin. */
		if (evs[i].events & (EPOLLERR | EPOLLHUP))
			ready |= LOOP_HANGUP;
		if (ready) {
			s->fn(l, fd, ready, s->arg);
			ran++;
		}
	}
	return ran;
}

int loop_run(loop *l)
{
	l->stop = false;
	while (!l->stop)
		if (loop_run_once(l, -1) < 0)
			return -1;
	return 0;
}

void loop_stop(loop *l)
{
	l->stop = true;
}
