/*
 * ctorlib.c - a library whose constructor uses sockets before the shim's
 * constructors have run, as libcap-ng's does (its constructor calls
 * close()).  Run by tests/bats/shim.bats through ctorcheck, which links
 * it: ld.so runs the constructors of a program's libraries before those of
 * a preloaded one, which the test checks with LD_DEBUG=files.
 *
 * Built twice.  libctor.so, linked by ctorcheck, whose constructor:
 *   - starts RACERS threads that make their first socket calls at the
 *     same instant (each hook's first binding raced);
 *   - dlopen()s libctor_dl.so from a thread, whose constructor makes a
 *     TCP round trip;
 *   - makes a TCP round trip itself (socket, setsockopt, bind, listen,
 *     getsockname, connect, accept4, getpeername, getsockopt, dup2, dup3,
 *     close);
 *   - forks: the child makes a round trip while the parent makes one of
 *     its own, so that a control connection they shared would mix up their
 *     answers.  The child prints its pid ("fork child pid N"): its
 *     association must be logged by sctpd under that pid, not its parent's.
 * libctor_dl.so (-DCTORLIB_DLOPENED) makes one round trip in its
 * constructor.
 *
 * CTORCHECK_PORT=P: the round trips listen on 127.0.0.1 ports P (the
 * constructor), P+1 (the dlopened library), P+2 (the fork child) and P+3
 * (the parent meanwhile).  The checks hold for plain TCP as well as under
 * withsctp.  One "ok - WHO: ..." or "FAIL - WHO: ..." line per check.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctorlib.h"

#define RACERS 8
#define FORK_ROUNDS 10

static int checks, failures;

static void report(bool ok, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One write per line: threads and a fork child print at the same time. */
static void report(bool ok, const char *who, const char *fmt, ...)
{
	char line[400];
	va_list ap;
	int n =
	    snprintf(line, sizeof(line), "%s - %s: ", ok ? "ok" : "FAIL", who);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(1, line, (size_t)n) < 0)
		n = 0;
	__atomic_add_fetch(&checks, 1, __ATOMIC_RELAXED);
	if (!ok)
		__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
}

/* A check on the result r of a call: true when it holds. */
#define CHECK(who, cond, ...)                                                  \
	((cond) ? true : (report(false, who, __VA_ARGS__), false))

static const char *err(void)
{
	const char *name = strerrorname_np(errno);
	return name ? name : "?";
}

static int base_port(void)
{
	const char *s = getenv("CTORCHECK_PORT");
	int p = s ? atoi(s) : 0;
	return p > 0 && p < 65532 ? p : 0;
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static bool is_loopback(const struct sockaddr_in *a, socklen_t len, int port)
{
	return len == sizeof(*a) && a->sin_family == AF_INET &&
	       a->sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
	       (port == 0 ? a->sin_port != 0
			  : a->sin_port == htons((uint16_t)port));
}

/* Listener, client, accepted socket, and the accepted one's dup. */
typedef struct trip {
	int l, c, a, d;
} trip;

static bool trip_connect(const char *who, int port, trip *t)
{
	struct sockaddr_in a = loopback(port), got;
	socklen_t len = sizeof(got);
	int one = 1;

	t->l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!CHECK(who, t->l >= 0, "socket: %s", err()) ||
	    !CHECK(who,
		   setsockopt(t->l, SOL_SOCKET, SO_REUSEADDR, &one,
			      sizeof(one)) == 0,
		   "setsockopt(SO_REUSEADDR): %s", err()) ||
	    !CHECK(who, bind(t->l, (struct sockaddr *)&a, sizeof(a)) == 0,
		   "bind 127.0.0.1:%d: %s", port, err()) ||
	    !CHECK(who, listen(t->l, 4) == 0, "listen: %s", err()) ||
	    !CHECK(who,
		   getsockname(t->l, (struct sockaddr *)&got, &len) == 0 &&
		       is_loopback(&got, len, port),
		   "getsockname of the listener: not 127.0.0.1:%d", port))
		return false;
	t->c = socket(AF_INET, SOCK_STREAM, 0);
	if (!CHECK(who, t->c >= 0, "socket: %s", err()) ||
	    !CHECK(who, connect(t->c, (struct sockaddr *)&a, sizeof(a)) == 0,
		   "connect to 127.0.0.1:%d: %s", port, err()))
		return false;
	len = sizeof(got);
	t->a = accept4(t->l, (struct sockaddr *)&got, &len, SOCK_CLOEXEC);
	return CHECK(who, t->a >= 0, "accept4: %s", err()) &&
	       CHECK(who, is_loopback(&got, len, 0),
		     "accept4: the peer is not 127.0.0.1");
}

static bool trip_check(const char *who, int port, trip *t)
{
	struct sockaddr_in got;
	socklen_t len = sizeof(got);
	int type = 0;
	socklen_t tl = sizeof(type);
	char buf[8] = "";

	if (!CHECK(who,
		   getpeername(t->c, (struct sockaddr *)&got, &len) == 0 &&
		       is_loopback(&got, len, port),
		   "getpeername: not 127.0.0.1:%d", port) ||
	    !CHECK(who,
		   getsockopt(t->a, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 &&
		       type == SOCK_STREAM,
		   "getsockopt(SO_TYPE): %s, type %d", err(), type))
		return false;
	/* dup2 and dup3 over a number the program chose. */
	t->d = fcntl(t->a, F_DUPFD_CLOEXEC, 0);
	if (!CHECK(who, t->d >= 0, "F_DUPFD_CLOEXEC: %s", err()) ||
	    !CHECK(who, dup2(t->a, t->d) == t->d, "dup2: %s", err()) ||
	    !CHECK(who, dup3(t->a, t->d, O_CLOEXEC) == t->d, "dup3: %s", err()))
		return false;
	return CHECK(who, write(t->c, "ping", 4) == 4, "write: %s", err()) &&
	       CHECK(who,
		     read(t->d, buf, sizeof(buf)) == 4 &&
			 !memcmp(buf, "ping", 4),
		     "read on the dup: not \"ping\" (%s)", err());
}

static void trip_close(const char *who, trip *t)
{
	int fds[4] = {t->d, t->a, t->c, t->l};
	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0)
			CHECK(who, close(fds[i]) == 0, "close: %s", err());
}

/* A TCP connection to ourselves on 127.0.0.1:port, "ping" across it. */
static bool round_trip(const char *who, int port)
{
	trip t = {-1, -1, -1, -1};
	bool ok = trip_connect(who, port, &t) && trip_check(who, port, &t);
	trip_close(who, &t);
	if (ok)
		report(true, who, "round trip on 127.0.0.1:%d", port);
	return ok;
}

#ifdef CTORLIB_DLOPENED

/* Read with dlsym by the thread that loaded this library. */
__attribute__((visibility("default"))) int ctorlib_dl_checks;
__attribute__((visibility("default"))) int ctorlib_dl_failures;

__attribute__((constructor)) static void ctor_dl(void)
{
	int port = base_port();
	if (CHECK("dlopened constructor", port, "CTORCHECK_PORT unset"))
		round_trip("dlopened constructor", port + 1);
	ctorlib_dl_checks = checks;
	ctorlib_dl_failures = failures;
}

#else

int ctorlib_checks(void)
{
	return __atomic_load_n(&checks, __ATOMIC_RELAXED);
}

int ctorlib_failures(void)
{
	return __atomic_load_n(&failures, __ATOMIC_RELAXED);
}

static pthread_barrier_t start;

/* First calls of every hook, by all racers at the same instant. */
static void *racer(void *arg)
{
	const char *who = "racing thread";
	int sv[2], type = 0, one = 1;
	socklen_t tl = sizeof(type);
	struct sockaddr_in a;
	socklen_t al = sizeof(a);

	(void)arg;
	pthread_barrier_wait(&start);
	errno = 0;
	if (!CHECK(who, close(-1) == -1 && errno == EBADF,
		   "close(-1): expected EBADF, got %s", err()) ||
	    !CHECK(who, socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0,
		   "socketpair: %s", err()))
		return NULL;
	CHECK(who,
	      getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &tl) == 0 &&
		  type == SOCK_STREAM,
	      "getsockopt(SO_TYPE) of a socketpair: %s", err());
	close(sv[0]);
	close(sv[1]);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!CHECK(who, s >= 0, "socket(AF_INET, SOCK_STREAM): %s", err()))
		return NULL;
	if (CHECK(who,
		  setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) ==
		      0,
		  "setsockopt(SO_KEEPALIVE): %s", err()) &&
	    CHECK(who,
		  getsockname(s, (struct sockaddr *)&a, &al) == 0 &&
		      a.sin_family == AF_INET && a.sin_port == 0,
		  "getsockname of a new socket: %s, family %d", err(),
		  a.sin_family) &&
	    CHECK(who, close(s) == 0, "close: %s", err()))
		report(true, who,
		       "close, socketpair, socket, getsockopt, setsockopt, "
		       "getsockname");
	return NULL;
}

static void race(void)
{
	pthread_t th[RACERS];
	int n = 0;

	pthread_barrier_init(&start, NULL, RACERS);
	for (; n < RACERS; n++)
		if (pthread_create(&th[n], NULL, racer, NULL) != 0)
			break;
	if (!CHECK("constructor", n == RACERS, "pthread_create failed")) {
		/* The barrier would never open: it cannot be undone. */
		_exit(1);
	}
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
}

/* Loads libctor_dl.so, which lies beside this library. */
static void *loader(void *arg)
{
	const char *who = "dlopen thread";
	Dl_info info;
	char path[4096];

	(void)arg;
	if (!CHECK(who, dladdr((void *)loader, &info) && info.dli_fname,
		   "dladdr found no path for libctor.so"))
		return NULL;
	const char *slash = strrchr(info.dli_fname, '/');
	int dir = slash ? (int)(slash - info.dli_fname + 1) : 0;
	snprintf(path, sizeof(path), "%.*slibctor_dl.so", dir, info.dli_fname);
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!CHECK(who, h != NULL, "dlopen %s: %s", path, dlerror()))
		return NULL;
	int *dc = dlsym(h, "ctorlib_dl_checks");
	int *df = dlsym(h, "ctorlib_dl_failures");
	if (CHECK(who, dc && df && *dc > 0,
		  "the dlopened constructor did not run")) {
		__atomic_add_fetch(&checks, *dc, __ATOMIC_RELAXED);
		__atomic_add_fetch(&failures, *df, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void dlopen_in_thread(void)
{
	pthread_t th;
	if (CHECK("constructor", pthread_create(&th, NULL, loader, NULL) == 0,
		  "pthread_create failed"))
		pthread_join(th, NULL);
}

/* The child and the parent each make FORK_ROUNDS round trips at the same
 * time. */
static void fork_both(int port)
{
	fflush(stdout);
	pid_t pid = fork();
	if (!CHECK("constructor", pid >= 0, "fork: %s", err()))
		return;
	if (pid == 0) {
		report(true, "fork child", "fork child pid %d", (int)getpid());
		bool ok = true;
		for (int i = 0; i < FORK_ROUNDS && ok; i++)
			ok = round_trip("fork child", port + 2);
		_exit(ok ? 0 : 1);
	}
	bool ok = true;
	for (int i = 0; i < FORK_ROUNDS && ok; i++)
		ok = round_trip("fork parent", port + 3);
	int st = 0;
	pid_t w;
	do
		w = waitpid(pid, &st, 0);
	while (w < 0 && errno == EINTR);
	if (CHECK("fork parent",
		  w == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "the fork child failed (status %#x)", st))
		report(true, "fork parent", "the fork child passed");
}

__attribute__((constructor)) static void ctor(void)
{
	int port = base_port();
	if (!CHECK("constructor", port, "CTORCHECK_PORT unset"))
		return;
	race();
	dlopen_in_thread();
	round_trip("constructor", port);
	fork_both(port);
}

#endif
