/*
 * sockcheck.c - checks of the emulated-socket contracts (DESIGN.md §3),
 * run under withsctp(1) by tests/bats/shim.bats.  Plain libc sockets API
 * and no project header: it is the kind of unmodified TCP program the
 * shim must serve.
 *
 * sockcheck COMMAND [ARGS], COMMAND one of:
 *   nbconnect-ok PORT           non-blocking connect to an echo server
 *   nbconnect-refused PORT      nothing listens on PORT
 *   nbconnect-timeout ADDR PORT ADDR never answers
 *   accept4-epoll PORT          20 clients on an epoll-driven listener
 *   sockopts                    options, AF_INET6, UDP and AF_UNIX
 *   fork-exec PORT              fork, exec, close-every-fd, control fd
 *   dup PORT                    dup, dup2, F_DUPFD_CLOEXEC
 *   bind PORT ok|ERRNO          bind (and listen) on PORT
 *   tcpinfo PORT                TCP_INFO and TCP_MAXSEG, lengths as TCP's
 *
 * The echo servers are at 127.0.0.1.  One line per check ("ok - ...");
 * the first failed check prints "FAIL - ..." with what was expected and
 * what came, and exits 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/tcp.h> /* the kernel's full struct tcp_info, not glibc's */
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define IO_TIMEOUT_MS 5000
#define NCLIENTS 20

/* ---- reporting ---- */

/* "ECONNREFUSED (Connection refused)" */
static const char *errstr(int e)
{
	static char buf[4][120];
	static int next;
	char *b = buf[next++ % 4];
	const char *name = strerrorname_np(e);
	snprintf(b, sizeof(buf[0]), "%s (%s)", name ? name : "?", strerror(e));
	return b;
}

/* The result of a call that should succeed: -1 shows errno. */
static const char *res(long r)
{
	static char buf[4][140];
	static int next;
	char *b = buf[next++ % 4];
	if (r < 0)
		snprintf(b, sizeof(buf[0]), "-1 %s", errstr(errno));
	else
		snprintf(b, sizeof(buf[0]), "%ld", r);
	return b;
}

static void on_alarm(int sig)
{
	static const char m[] = "FAIL - sockcheck: timed out (alarm)\n";
	(void)sig;
	if (write(1, m, sizeof(m) - 1) < 0)
		_exit(2);
	_exit(1);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* ---- addresses ---- */

static int parse_port(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 1 || v > 65535) {
		fprintf(stderr, "sockcheck: '%s' is not a port\n", s);
		exit(2);
	}
	return (int)v;
}

static struct sockaddr_in sin4(const char *ip, int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
		fprintf(stderr, "sockcheck: '%s' is not an IPv4 address\n", ip);
		exit(2);
	}
	return a;
}

static const char *fmt_addr(const struct sockaddr_storage *ss, socklen_t len)
{
	static char buf[4][160];
	static int next;
	char *b = buf[next++ % 4];
	char ip[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;
		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		snprintf(b, sizeof(buf[0]), "AF_INET %s:%u", ip,
			 ntohs(a->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		snprintf(b, sizeof(buf[0]), "AF_INET6 [%s]:%u", ip,
			 ntohs(a->sin6_port));
	} else if (ss->ss_family == AF_UNIX) {
		const struct sockaddr_un *a = (const void *)ss;
		size_t n = len > offsetof(struct sockaddr_un, sun_path)
			       ? len - offsetof(struct sockaddr_un, sun_path)
			       : 0;
		if (n > 0 && a->sun_path[0] == '\0')
			snprintf(b, sizeof(buf[0]), "AF_UNIX @%.*s",
				 (int)(n - 1), a->sun_path + 1);
		else
			snprintf(b, sizeof(buf[0]), "AF_UNIX %.*s", (int)n,
				 a->sun_path);
	} else {
		snprintf(b, sizeof(buf[0]), "family %d", ss->ss_family);
	}
	return b;
}

/* getpeername is AF_INET ip:port. */
static void check_peer(int fd, const char *ip, int port, const char *what)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	int r = getpeername(fd, (struct sockaddr *)&ss, &len);
	EXPECT(r == 0, "%s: getpeername: expected 0, got %s", what, res(r));
	struct sockaddr_in want = sin4(ip, port);
	const struct sockaddr_in *got = (const void *)&ss;
	EXPECT(ss.ss_family == AF_INET && len == sizeof(want) &&
		   got->sin_addr.s_addr == want.sin_addr.s_addr &&
		   got->sin_port == want.sin_port,
	       "%s: getpeername: expected AF_INET %s:%d (len %zu), got %s "
	       "(len %u)",
	       what, ip, port, sizeof(want), fmt_addr(&ss, len), len);
	pass("%s: getpeername %s", what, fmt_addr(&ss, len));
}

/* getsockname is AF_INET ip with a non-zero port (or exactly port). */
static void check_local(int fd, const char *ip, int port, const char *what)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	int r = getsockname(fd, (struct sockaddr *)&ss, &len);
	EXPECT(r == 0, "%s: getsockname: expected 0, got %s", what, res(r));
	struct sockaddr_in want = sin4(ip, port);
	const struct sockaddr_in *got = (const void *)&ss;
	EXPECT(ss.ss_family == AF_INET && len == sizeof(want) &&
		   got->sin_addr.s_addr == want.sin_addr.s_addr &&
		   (port ? got->sin_port == want.sin_port : got->sin_port != 0),
	       "%s: getsockname: expected AF_INET %s:%s, got %s (len %u)", what,
	       ip, port ? "PORT" : "non-zero port", fmt_addr(&ss, len), len);
	pass("%s: getsockname %s", what, fmt_addr(&ss, len));
}

/* ---- options and flags ---- */

static int get_int(int fd, int level, int name, const char *oname)
{
	int v = -12345;
	socklen_t l = sizeof(v);
	int r = getsockopt(fd, level, name, &v, &l);
	EXPECT(r == 0, "getsockopt(%s): expected 0, got %s", oname, res(r));
	EXPECT(l == sizeof(int), "getsockopt(%s): expected length %zu, got %u",
	       oname, sizeof(int), l);
	return v;
}

static void set_int(int fd, int level, int name, int v, const char *oname)
{
	int r = setsockopt(fd, level, name, &v, sizeof(v));
	EXPECT(r == 0, "setsockopt(%s, %d): expected 0, got %s", oname, v,
	       res(r));
}

/* Sets an int option and reads it back (booleans: non-zero). */
static void set_get(int fd, int level, int name, int v, bool boolean,
		    const char *oname)
{
	set_int(fd, level, name, v, oname);
	int g = get_int(fd, level, name, oname);
	EXPECT(boolean ? (g != 0) == (v != 0) : g == v,
	       "%s: set %d, expected getsockopt to return %s%d, got %d", oname,
	       v, boolean && v ? "non-zero like " : "", v, g);
	pass("%s set %d, get %d", oname, v, g);
}

static void check_flags(int fd, bool nonblock, bool cloexec, const char *what)
{
	int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
	EXPECT(fl >= 0 && fdfl >= 0, "%s: fcntl: %s", what, errstr(errno));
	EXPECT(((fl & O_NONBLOCK) != 0) == nonblock,
	       "%s: expected O_NONBLOCK %s, got %s", what,
	       nonblock ? "set" : "clear", (fl & O_NONBLOCK) ? "set" : "clear");
	EXPECT(((fdfl & FD_CLOEXEC) != 0) == cloexec,
	       "%s: expected FD_CLOEXEC %s, got %s", what,
	       cloexec ? "set" : "clear",
	       (fdfl & FD_CLOEXEC) ? "set" : "clear");
	pass("%s: O_NONBLOCK %s, FD_CLOEXEC %s", what, nonblock ? "on" : "off",
	     cloexec ? "on" : "off");
}

/* ---- I/O bounded in time ---- */

/* Waits for events on fd; returns revents, 0 on timeout. */
static int wait_fd(int fd, short events, int ms)
{
	struct pollfd p = {.fd = fd, .events = events};
	int r;
	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	EXPECT(r >= 0, "poll: %s", errstr(errno));
	return r ? p.revents : 0;
}

static void write_all(int fd, const void *buf, size_t n, const char *what)
{
	const char *p = buf;
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			EXPECT(wait_fd(fd, POLLOUT, IO_TIMEOUT_MS),
			       "%s: not writable within %d ms", what,
			       IO_TIMEOUT_MS);
			continue;
		}
		EXPECT(w > 0, "%s: send: expected bytes sent, got %s", what,
		       res(w));
		p += w;
		n -= (size_t)w;
	}
}

static void read_exact(int fd, void *buf, size_t n, const char *what)
{
	char *p = buf;
	while (n) {
		EXPECT(wait_fd(fd, POLLIN, IO_TIMEOUT_MS),
		       "%s: nothing to read within %d ms (%zu bytes missing)",
		       what, IO_TIMEOUT_MS, n);
		ssize_t r = recv(fd, p, n, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		EXPECT(r > 0, "%s: recv: expected data, got %s%s", what, res(r),
		       r == 0 ? " (EOF)" : "");
		p += r;
		n -= (size_t)r;
	}
}

/* Writes msg on wfd and reads it back from rfd (through an echo server). */
static void echo_check(int wfd, int rfd, const char *msg, const char *what)
{
	size_t n = strlen(msg);
	char back[512];
	write_all(wfd, msg, n, what);
	read_exact(rfd, back, n, what);
	EXPECT(!memcmp(back, msg, n), "%s: expected echo '%.*s', got '%.*s'",
	       what, (int)n - 1, msg, (int)n - 1, back);
	pass("%s: %zu bytes echoed", what, n);
}

/* A blocking TCP connection to 127.0.0.1:port. */
static int connect_to(int port, const char *what)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	EXPECT(fd >= 0, "%s: socket: expected an fd, got %s", what, res(fd));
	struct sockaddr_in a = sin4("127.0.0.1", port);
	int r = connect(fd, (struct sockaddr *)&a, sizeof(a));
	EXPECT(r == 0, "%s: connect to 127.0.0.1:%d: expected 0, got %s", what,
	       port, res(r));
	return fd;
}

/* A non-blocking connect: -1 EINPROGRESS (or 0). */
static int nb_connect(const char *ip, int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	EXPECT(fd >= 0, "socket(SOCK_NONBLOCK): expected an fd, got %s",
	       res(fd));
	struct sockaddr_in a = sin4(ip, port);
	int r = connect(fd, (struct sockaddr *)&a, sizeof(a));
	EXPECT(r == 0 || errno == EINPROGRESS,
	       "non-blocking connect to %s:%d: expected -1 EINPROGRESS or 0, "
	       "got %s",
	       ip, port, res(r));
	pass("non-blocking connect to %s:%d: %s", ip, port,
	     r == 0 ? "0" : "EINPROGRESS");
	return fd;
}

/* Polls for POLLOUT within ms; returns how long it took. */
static long wait_writable(int fd, int ms, const char *what)
{
	long t0 = now_ms();
	int rev = wait_fd(fd, POLLOUT, ms);
	EXPECT(rev & POLLOUT, "%s: expected POLLOUT within %d ms, got %s%#x",
	       what, ms, rev ? "revents " : "timeout, revents ", rev);
	long dt = now_ms() - t0;
	pass("%s: writable after %ld ms (revents %#x)", what, dt, rev);
	return dt;
}

static void expect_so_error(int fd, int want, const char *what)
{
	int e = get_int(fd, SOL_SOCKET, SO_ERROR, "SO_ERROR");
	EXPECT(e == want, "%s: SO_ERROR: expected %s, got %s", what,
	       want ? errstr(want) : "0", e ? errstr(e) : "0");
	pass("%s: SO_ERROR %s", what, want ? strerrorname_np(want) : "0");
}

/* ---- nbconnect-* ---- */

/* A connection that never came up takes no data: TCP's send() fails
 * (EPIPE once SO_ERROR has been read) rather than dropping the bytes. */
static void expect_send_fails(int fd, const char *what)
{
	ssize_t r = send(fd, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	int e = errno;
	EXPECT(r < 0 && e != EAGAIN,
	       "%s: send after the failure: expected -1 (EPIPE, as TCP), got "
	       "%s",
	       what, r < 0 ? errstr(e) : "1 (the byte was taken and dropped)");
	pass("%s: send after the failure: -1 %s", what, strerrorname_np(e));
}

static int cmd_nbconnect_ok(int argc, char **argv)
{
	EXPECT(argc == 1, "usage: nbconnect-ok PORT");
	int port = parse_port(argv[0]);
	int fd = nb_connect("127.0.0.1", port);
	wait_writable(fd, IO_TIMEOUT_MS, "connect");
	expect_so_error(fd, 0, "connect");
	check_peer(fd, "127.0.0.1", port, "connected");
	check_local(fd, "127.0.0.1", 0, "connected");
	echo_check(fd, fd, "hello through a non-blocking socket\n", "echo");
	echo_check(fd, fd, "and again\n", "echo");
	close(fd);
	return 0;
}

static int cmd_nbconnect_refused(int argc, char **argv)
{
	EXPECT(argc == 1, "usage: nbconnect-refused PORT");
	int port = parse_port(argv[0]);
	int fd = nb_connect("127.0.0.1", port);
	wait_writable(fd, IO_TIMEOUT_MS, "refused connect");
	expect_so_error(fd, ECONNREFUSED, "refused connect");
	/* Reading SO_ERROR clears it, as with TCP. */
	expect_so_error(fd, 0, "SO_ERROR read again");

	int b = socket(AF_INET, SOCK_STREAM, 0);
	EXPECT(b >= 0, "socket: expected an fd, got %s", res(b));
	struct sockaddr_in a = sin4("127.0.0.1", port);
	long t0 = now_ms();
	int r = connect(b, (struct sockaddr *)&a, sizeof(a));
	int e = errno;
	EXPECT(r == -1 && e == ECONNREFUSED,
	       "blocking connect to 127.0.0.1:%d: expected -1 ECONNREFUSED, "
	       "got %s",
	       port, r == 0 ? "0" : errstr(e));
	pass("blocking connect: -1 ECONNREFUSED after %ld ms", now_ms() - t0);
	close(b);

	expect_send_fails(fd, "refused connect");
	close(fd);
	return 0;
}

static int cmd_nbconnect_timeout(int argc, char **argv)
{
	EXPECT(argc == 2, "usage: nbconnect-timeout ADDR PORT");
	int port = parse_port(argv[1]);
	long t0 = now_ms();
	int fd = nb_connect(argv[0], port);
	int rev = wait_fd(fd, POLLOUT, 1000);
	EXPECT(rev == 0,
	       "expected no POLLOUT for the first second (the association is "
	       "not up), got revents %#x",
	       rev);
	pass("not writable during the first second");
	wait_writable(fd, 30000, "unanswered connect");
	expect_so_error(fd, ETIMEDOUT, "unanswered connect");
	pass("gave up after %ld ms", now_ms() - t0);
	expect_send_fails(fd, "unanswered connect");
	close(fd);
	return 0;
}

/* ---- accept4-epoll ---- */

/* The clients (a forked child): all connect, then each sends a line and
 * reads it back. */
static void accept_clients(int port)
{
	int fds[NCLIENTS];
	char what[40], msg[64];

	check_who = "accept4-epoll client";
	for (int i = 0; i < NCLIENTS; i++) {
		snprintf(what, sizeof(what), "client %d", i);
		fds[i] = connect_to(port, what);
	}
	pass("%d clients connected", NCLIENTS);
	for (int i = 0; i < NCLIENTS; i++) {
		snprintf(what, sizeof(what), "client %d", i);
		snprintf(msg, sizeof(msg), "message from client %d\n", i);
		write_all(fds[i], msg, strlen(msg), what);
	}
	for (int i = 0; i < NCLIENTS; i++) {
		char back[64];
		snprintf(what, sizeof(what), "client %d", i);
		snprintf(msg, sizeof(msg), "message from client %d\n", i);
		read_exact(fds[i], back, strlen(msg), what);
		EXPECT(!memcmp(back, msg, strlen(msg)),
		       "%s: expected '%s' back, got '%.*s'", what, msg,
		       (int)strlen(msg), back);
	}
	pass("%d messages echoed by accepted sockets", NCLIENTS);
	for (int i = 0; i < NCLIENTS; i++)
		close(fds[i]);
	exit(0);
}

static void expect_eagain(int l, const char *what)
{
	int r = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int e = errno;
	EXPECT(r < 0 && (e == EAGAIN || e == EWOULDBLOCK),
	       "accept4 on an empty queue (%s): expected -1 EAGAIN, got %s",
	       what, r >= 0 ? "an fd" : errstr(e));
	pass("accept4 on an empty queue (%s): EAGAIN", what);
}

/* Accepts every queued connection; returns how many. */
static int accept_all(int l, int ep, int port, int *nacc)
{
	int n = 0;
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		memset(&ss, 0, sizeof(ss));
		int c = accept4(l, (struct sockaddr *)&ss, &len,
				SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return n;
		EXPECT(c >= 0, "accept4 after EPOLLIN: expected an fd, got %s",
		       res(c));
		const struct sockaddr_in *a = (const void *)&ss;
		EXPECT(ss.ss_family == AF_INET &&
			   a->sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
			   a->sin_port != 0,
		       "accept4 address: expected AF_INET 127.0.0.1:non-zero, "
		       "got %s",
		       fmt_addr(&ss, len));
		char what[40];
		snprintf(what, sizeof(what), "accepted #%d", *nacc);
		if (*nacc == 0 || *nacc == NCLIENTS - 1) {
			/* Every socket is checked; two of them say so. */
			check_flags(c, true, true, what);
			check_local(c, "127.0.0.1", port, what);
			struct sockaddr_storage p;
			socklen_t pl = sizeof(p);
			int r = getpeername(c, (struct sockaddr *)&p, &pl);
			EXPECT(r == 0 && pl == len && !memcmp(&p, &ss, len),
			       "%s: getpeername: expected %s as accept4 said, "
			       "got %s (%s)",
			       what, fmt_addr(&ss, len), fmt_addr(&p, pl),
			       res(r));
			pass("%s: peer %s", what, fmt_addr(&ss, len));
		} else {
			int fl = fcntl(c, F_GETFL), fdfl = fcntl(c, F_GETFD);
			EXPECT((fl & O_NONBLOCK) && (fdfl & FD_CLOEXEC),
			       "%s: expected O_NONBLOCK and FD_CLOEXEC, got "
			       "flags %#x, fd flags %#x",
			       what, fl, fdfl);
		}
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = c};
		EXPECT(epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) == 0,
		       "epoll_ctl(ADD accepted): %s", errstr(errno));
		(*nacc)++;
		n++;
	}
}

/* Echoes what came on an accepted socket; true at EOF (closed). */
static bool serve_one(int ep, int c)
{
	char buf[256];
	ssize_t r = recv(c, buf, sizeof(buf), 0);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	EXPECT(r >= 0, "recv on an accepted socket: %s", errstr(errno));
	if (r == 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, c, NULL);
		close(c);
		return true;
	}
	write_all(c, buf, (size_t)r, "echo on an accepted socket");
	return false;
}

static int cmd_accept4_epoll(int argc, char **argv)
{
	EXPECT(argc == 1, "usage: accept4-epoll PORT");
	int port = parse_port(argv[0]);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	EXPECT(l >= 0, "socket: expected an fd, got %s", res(l));
	set_int(l, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
	struct sockaddr_in a = sin4("127.0.0.1", port);
	int r = bind(l, (struct sockaddr *)&a, sizeof(a));
	EXPECT(r == 0, "bind 127.0.0.1:%d: expected 0, got %s", port, res(r));
	r = listen(l, 64);
	EXPECT(r == 0, "listen: expected 0, got %s", res(r));
	check_flags(l, true, true, "listener");
	expect_eagain(l, "before any client");

	int ep = epoll_create1(EPOLL_CLOEXEC);
	EXPECT(ep >= 0, "epoll_create1: %s", errstr(errno));
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = l};
	EXPECT(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev) == 0,
	       "epoll_ctl(ADD listener): %s", errstr(errno));
	EXPECT(epoll_wait(ep, &ev, 1, 0) == 0,
	       "epoll: expected the listener not ready before any client");

	fflush(stdout);
	pid_t pid = fork();
	EXPECT(pid >= 0, "fork: %s", errstr(errno));
	if (pid == 0)
		accept_clients(port);

	int nacc = 0, nclosed = 0, wakeups = 0;
	while (nclosed < NCLIENTS) {
		struct epoll_event evs[32];
		int n = epoll_wait(ep, evs, 32, IO_TIMEOUT_MS);
		if (n < 0 && errno == EINTR)
			continue;
		EXPECT(n > 0,
		       "epoll_wait: expected events within %d ms, got %s "
		       "(%d accepted, %d closed so far)",
		       IO_TIMEOUT_MS, res(n), nacc, nclosed);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == l) {
				wakeups++;
				EXPECT(accept_all(l, ep, port, &nacc) > 0 ||
					   wakeups > 1,
				       "EPOLLIN on the listener but nothing "
				       "to accept");
			} else if (serve_one(ep, evs[i].data.fd)) {
				nclosed++;
			}
		}
	}
	EXPECT(nacc == NCLIENTS, "expected %d accepted, got %d", NCLIENTS,
	       nacc);
	pass("%d connections accepted after %d EPOLLIN on the listener, each "
	     "echoed and closed",
	     nacc, wakeups);
	expect_eagain(l, "after the clients");
	int st;
	EXPECT(waitpid(pid, &st, 0) == pid, "waitpid: %s", errstr(errno));
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "expected the client process to exit 0, got status %#x", st);
	close(ep);
	close(l);
	return 0;
}

/* ---- sockopts ---- */

static void check_identity(int fd, int domain, int type, int proto,
			   const char *what)
{
	int d = get_int(fd, SOL_SOCKET, SO_DOMAIN, "SO_DOMAIN");
	int t = get_int(fd, SOL_SOCKET, SO_TYPE, "SO_TYPE");
	int p = get_int(fd, SOL_SOCKET, SO_PROTOCOL, "SO_PROTOCOL");
	EXPECT(d == domain && t == type && p == proto,
	       "%s: expected SO_DOMAIN %d SO_TYPE %d SO_PROTOCOL %d, got %d "
	       "%d %d",
	       what, domain, type, proto, d, t, p);
	pass("%s: SO_DOMAIN %d, SO_TYPE %d, SO_PROTOCOL %d", what, d, t, p);
}

static void check_rcvtimeo(int c)
{
	struct timeval tv = {.tv_sec = 0, .tv_usec = 300000};
	int r = setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	EXPECT(r == 0, "setsockopt(SO_RCVTIMEO): expected 0, got %s", res(r));
	char b;
	long t0 = now_ms();
	r = (int)recv(c, &b, 1, 0);
	int e = errno;
	long dt = now_ms() - t0;
	EXPECT(r < 0 && (e == EAGAIN || e == EWOULDBLOCK),
	       "recv with SO_RCVTIMEO 300 ms and no data: expected -1 EAGAIN, "
	       "got %s",
	       r < 0	? errstr(e)
	       : r == 0 ? "0 (EOF)"
			: "data");
	EXPECT(dt >= 250 && dt < 3000,
	       "recv with SO_RCVTIMEO 300 ms: expected to wait ~300 ms, "
	       "waited %ld ms",
	       dt);
	pass("SO_RCVTIMEO 300 ms: recv -1 EAGAIN after %ld ms", dt);
}

static void check_tcp_options(int s)
{
	check_identity(s, AF_INET, SOCK_STREAM, IPPROTO_TCP, "TCP socket");
	int ac = get_int(s, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN");
	EXPECT(ac == 0, "SO_ACCEPTCONN before listen: expected 0, got %d", ac);
	pass("SO_ACCEPTCONN 0 before listen");
	set_get(s, IPPROTO_TCP, TCP_NODELAY, 1, true, "TCP_NODELAY");
	set_get(s, IPPROTO_TCP, TCP_NODELAY, 0, true, "TCP_NODELAY");
	set_get(s, SOL_SOCKET, SO_KEEPALIVE, 1, true, "SO_KEEPALIVE");
	set_get(s, SOL_SOCKET, SO_REUSEADDR, 1, true, "SO_REUSEADDR");
	set_get(s, IPPROTO_TCP, TCP_KEEPIDLE, 77, false, "TCP_KEEPIDLE");
	struct linger lg = {.l_onoff = 1, .l_linger = 5};
	int r = setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	EXPECT(r == 0, "setsockopt(SO_LINGER {1, 5}): expected 0, got %s",
	       res(r));
	struct linger lg2 = {.l_onoff = -1, .l_linger = -1};
	socklen_t ll = sizeof(lg2);
	r = getsockopt(s, SOL_SOCKET, SO_LINGER, &lg2, &ll);
	EXPECT(r == 0 && ll == sizeof(lg2) && lg2.l_onoff && lg2.l_linger == 5,
	       "getsockopt(SO_LINGER) after setting {1, 5}: expected {1, 5} "
	       "length %zu, got %s {%d, %d} length %u",
	       sizeof(lg2), res(r), lg2.l_onoff, lg2.l_linger, ll);
	lg.l_onoff = 0;
	r = setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	EXPECT(r == 0, "setsockopt(SO_LINGER {0, 5}): expected 0, got %s",
	       res(r));
	pass("SO_LINGER set {1, 5}, get {%d, %d}, then off", lg2.l_onoff,
	     lg2.l_linger);
	/* No IP options: an empty answer (sshd refuses a connection that
	 * reports some). */
	unsigned char opts[40];
	socklen_t ol = sizeof(opts);
	r = getsockopt(s, IPPROTO_IP, IP_OPTIONS, opts, &ol);
	EXPECT(r == 0 && ol == 0,
	       "getsockopt(IP_OPTIONS): expected 0 with length 0, got %s "
	       "length %u",
	       res(r), ol);
	pass("IP_OPTIONS: empty");
}

static void check_ipv6(void)
{
	int s6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	EXPECT(s6 >= 0,
	       "socket(AF_INET6, SOCK_STREAM|SOCK_CLOEXEC): expected "
	       "an fd, got %s",
	       res(s6));
	check_flags(s6, false, true, "AF_INET6 socket");
	check_identity(s6, AF_INET6, SOCK_STREAM, IPPROTO_TCP,
		       "AF_INET6 socket");
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6,
				  .sin6_addr = IN6ADDR_ANY_INIT};
	int r = bind(s6, (struct sockaddr *)&a6, sizeof(a6));
	EXPECT(r == 0, "bind [::]:0: expected 0, got %s", res(r));
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	r = getsockname(s6, (struct sockaddr *)&ss, &len);
	const struct sockaddr_in6 *g = (const void *)&ss;
	EXPECT(
	    r == 0 && ss.ss_family == AF_INET6 && len == sizeof(a6) &&
		g->sin6_port != 0 && !memcmp(&g->sin6_addr, &in6addr_any, 16),
	    "getsockname after bind [::]:0: expected AF_INET6 [::]:non-zero, "
	    "got %s %s (len %u)",
	    res(r), fmt_addr(&ss, len), len);
	pass("AF_INET6 bound: getsockname %s", fmt_addr(&ss, len));
	close(s6);
}

static void check_passthrough(void)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	EXPECT(u >= 0, "UDP socket: expected an fd, got %s", res(u));
	struct sockaddr_in a = sin4("127.0.0.1", 0);
	int r = bind(u, (struct sockaddr *)&a, sizeof(a));
	EXPECT(r == 0, "UDP bind 127.0.0.1:0: expected 0, got %s", res(r));
	check_local(u, "127.0.0.1", 0, "UDP socket");
	check_identity(u, AF_INET, SOCK_DGRAM, IPPROTO_UDP, "UDP socket");
	close(u);

	int x = socket(AF_UNIX, SOCK_STREAM, 0);
	EXPECT(x >= 0, "AF_UNIX socket: expected an fd, got %s", res(x));
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int n = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
			 "sockcheck-%d", (int)getpid());
	socklen_t sl =
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	r = bind(x, (struct sockaddr *)&sun, sl);
	EXPECT(r == 0, "AF_UNIX bind: expected 0, got %s", res(r));
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	r = getsockname(x, (struct sockaddr *)&ss, &len);
	EXPECT(r == 0 && len == sl && !memcmp(&ss, &sun, sl),
	       "AF_UNIX getsockname: expected %s, got %s %s",
	       fmt_addr((const void *)&sun, sl), res(r), fmt_addr(&ss, len));
	check_identity(x, AF_UNIX, SOCK_STREAM, 0, "AF_UNIX socket");
	pass("AF_UNIX socket: getsockname %s", fmt_addr(&ss, len));
	close(x);
}

static int cmd_sockopts(int argc, char **argv)
{
	(void)argv;
	EXPECT(argc == 0, "usage: sockopts");
	int s = socket(AF_INET, SOCK_STREAM, 0);
	EXPECT(s >= 0, "socket: expected an fd, got %s", res(s));
	/* As on TCP, accept on a socket that does not listen fails at once
	 * (a blocking one would wait for ever: the alarm catches that). */
	alarm(5);
	int na = accept(s, NULL, NULL);
	alarm(0);
	EXPECT(na < 0 && errno == EINVAL,
	       "accept before listen: expected -1 EINVAL, got %s", res(na));
	pass("accept before listen: EINVAL");
	check_tcp_options(s);

	/* s becomes the listener, on a port the daemon picks. */
	struct sockaddr_in a = sin4("127.0.0.1", 0);
	int r = bind(s, (struct sockaddr *)&a, sizeof(a));
	EXPECT(r == 0, "bind 127.0.0.1:0: expected 0, got %s", res(r));
	check_local(s, "127.0.0.1", 0, "bound to port 0");
	r = listen(s, 8);
	EXPECT(r == 0, "listen: expected 0, got %s", res(r));
	int ac = get_int(s, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN");
	EXPECT(ac == 1, "SO_ACCEPTCONN after listen: expected 1, got %d", ac);
	pass("SO_ACCEPTCONN 1 after listen");

	struct sockaddr_in la;
	socklen_t ll = sizeof(la);
	r = getsockname(s, (struct sockaddr *)&la, &ll);
	EXPECT(r == 0, "getsockname: %s", res(r));
	int c = connect_to(ntohs(la.sin_port), "client");
	int acc = accept(s, NULL, NULL);
	EXPECT(acc >= 0, "accept: expected an fd, got %s", res(acc));
	check_identity(acc, AF_INET, SOCK_STREAM, IPPROTO_TCP,
		       "accepted socket");
	ac = get_int(acc, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN");
	EXPECT(ac == 0,
	       "SO_ACCEPTCONN of an accepted socket: expected 0, got %d", ac);
	check_rcvtimeo(c);
	/* The connection still works after the timeout. */
	write_all(acc, "late\n", 5, "accepted socket");
	char b[5];
	read_exact(c, b, 5, "client after the timeout");
	EXPECT(!memcmp(b, "late\n", 5), "expected 'late' after the timeout");
	pass("data after the timed-out recv arrives");
	close(c);
	close(acc);
	close(s);

	check_ipv6();
	check_passthrough();
	return 0;
}

/* ---- tcpinfo ---- */

/* getsockopt(TCP_INFO) with room for len bytes: returns the length the
 * call gave back; the bytes past it must stay untouched. */
static socklen_t tcpinfo_len(int fd, socklen_t len, struct tcp_info *ti,
			     const char *what)
{
	uint8_t buf[sizeof(struct tcp_info) + 64];
	memset(buf, 0xa5, sizeof(buf));
	socklen_t l = len;
	int r = getsockopt(fd, IPPROTO_TCP, TCP_INFO, buf, &l);
	EXPECT(r == 0, "%s: getsockopt(TCP_INFO, %u bytes): expected 0, got %s",
	       what, len, res(r));
	for (size_t i = l; i < sizeof(buf); i++)
		EXPECT(buf[i] == 0xa5,
		       "%s: getsockopt(TCP_INFO, %u bytes) returned length %u "
		       "but wrote byte %zu",
		       what, len, l, i);
	if (ti) {
		memset(ti, 0, sizeof(*ti));
		memcpy(ti, buf, l < sizeof(*ti) ? l : sizeof(*ti));
	}
	return l;
}

/* As the kernel's do_tcp_getsockopt: len = min(len, sizeof(info)). */
static void check_tcpinfo_lengths(int fd, const char *what)
{
	const socklen_t full = sizeof(struct tcp_info);
	const socklen_t lens[] = {
	    0, 1, 7, 104 /* glibc's struct */, full - 1, full, full + 60};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		socklen_t want = lens[i] < full ? lens[i] : full;
		socklen_t got = tcpinfo_len(fd, lens[i], NULL, what);
		EXPECT(got == want,
		       "%s: getsockopt(TCP_INFO) with %u bytes: expected "
		       "length %u, got %u",
		       what, lens[i], want, got);
	}
	pass("%s: TCP_INFO lengths 0, 1, 7, 104, %u, %u give min(len, %u)",
	     what, full - 1, full + 60, full);
}

static int cmd_tcpinfo(int argc, char **argv)
{
	EXPECT(argc == 1, "usage: tcpinfo PORT");
	int port = parse_port(argv[0]);
	struct tcp_info ti;

	/* Not connected yet: CLOSE, and TCP's default MSS. */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	EXPECT(s >= 0, "socket: expected an fd, got %s", res(s));
	tcpinfo_len(s, sizeof(ti), &ti, "new socket");
	int mss = get_int(s, IPPROTO_TCP, TCP_MAXSEG, "TCP_MAXSEG");
	EXPECT(ti.tcpi_state == 7 && mss == 536,
	       "new socket: expected state 7 (CLOSE) and TCP_MAXSEG 536, got "
	       "%u and %d",
	       ti.tcpi_state, mss);
	pass("new socket: state CLOSE, TCP_MAXSEG %d", mss);

	/* A listener: LISTEN, the backlog in tcpi_sacked (the kernel's
	 * alias). */
	struct sockaddr_in a = sin4("127.0.0.1", 0);
	int r = bind(s, (struct sockaddr *)&a, sizeof(a));
	EXPECT(r == 0, "bind 127.0.0.1:0: expected 0, got %s", res(r));
	r = listen(s, 5);
	EXPECT(r == 0, "listen: expected 0, got %s", res(r));
	tcpinfo_len(s, sizeof(ti), &ti, "listener");
	EXPECT(ti.tcpi_state == 10 && ti.tcpi_sacked == 5,
	       "listener: expected state 10 (LISTEN) and tcpi_sacked 5, got "
	       "%u and %u",
	       ti.tcpi_state, ti.tcpi_sacked);
	pass("listener: state LISTEN, backlog %u", ti.tcpi_sacked);
	close(s);

	/* An association that carried data each way. */
	int c = connect_to(port, "client");
	static char msg[20000];
	memset(msg, 'x', sizeof(msg) - 1);
	char *back = malloc(sizeof(msg));
	EXPECT(back != NULL, "malloc");
	write_all(c, msg, sizeof(msg), "client");
	read_exact(c, back, sizeof(msg), "client");
	free(back);
	check_tcpinfo_lengths(c, "client");
	/* The peer's SACK of the last bytes may still be on its way. */
	for (int i = 0; i < 50; i++) {
		tcpinfo_len(c, sizeof(ti), &ti, "client");
		if (ti.tcpi_bytes_acked >= sizeof(msg))
			break;
		usleep(20000);
	}
	mss = get_int(c, IPPROTO_TCP, TCP_MAXSEG, "TCP_MAXSEG");
	EXPECT(ti.tcpi_state == 1,
	       "client: expected state 1 (ESTABLISHED), got %u", ti.tcpi_state);
	EXPECT(ti.tcpi_snd_mss == (unsigned)mss && mss > 500 && mss < 65536,
	       "client: expected tcpi_snd_mss == TCP_MAXSEG in 501..65535, got "
	       "%u and %d",
	       ti.tcpi_snd_mss, mss);
	EXPECT(ti.tcpi_rtt > 0 && ti.tcpi_rtt < 1000000,
	       "client: expected tcpi_rtt in 1..999999 us, got %u",
	       ti.tcpi_rtt);
	EXPECT(ti.tcpi_rto >= 1000 && ti.tcpi_rto <= 120000000,
	       "client: expected tcpi_rto in 1 ms..120 s (in us), got %u",
	       ti.tcpi_rto);
	EXPECT(ti.tcpi_snd_cwnd >= 1 && ti.tcpi_snd_cwnd < 100000,
	       "client: expected tcpi_snd_cwnd in segments, got %u",
	       ti.tcpi_snd_cwnd);
	EXPECT(ti.tcpi_pmtu > (unsigned)mss,
	       "client: expected tcpi_pmtu above the MSS %d, got %u", mss,
	       ti.tcpi_pmtu);
	EXPECT(ti.tcpi_bytes_acked >= sizeof(msg) &&
		   ti.tcpi_bytes_received >= sizeof(msg),
	       "client: expected at least %zu bytes acked and received, got "
	       "%llu and %llu",
	       sizeof(msg), (unsigned long long)ti.tcpi_bytes_acked,
	       (unsigned long long)ti.tcpi_bytes_received);
	EXPECT(ti.tcpi_segs_out > 0 && ti.tcpi_segs_in > 0,
	       "client: expected packets out and in, got %u and %u",
	       ti.tcpi_segs_out, ti.tcpi_segs_in);
	pass(
	    "client: ESTABLISHED, mss %u, rtt %u us, rttvar %u us, rto %u us, "
	    "cwnd %u, pmtu %u, %llu bytes acked, %llu received, %u/%u packets, "
	    "%u retransmitted",
	    ti.tcpi_snd_mss, ti.tcpi_rtt, ti.tcpi_rttvar, ti.tcpi_rto,
	    ti.tcpi_snd_cwnd, ti.tcpi_pmtu,
	    (unsigned long long)ti.tcpi_bytes_acked,
	    (unsigned long long)ti.tcpi_bytes_received, ti.tcpi_segs_out,
	    ti.tcpi_segs_in, ti.tcpi_total_retrans);
	close(c);
	return 0;
}

/* ---- fork-exec ---- */

/* Sockets the program inherited (from the test harness): not the shim's. */
static ino_t inherited[64];
static int ninherited;

static bool is_inherited(ino_t ino)
{
	for (int i = 0; i < ninherited; i++)
		if (inherited[i] == ino)
			return true;
	return false;
}

/* Called before the first socket call, when the shim has opened nothing. */
static void note_inherited(void)
{
	DIR *d = opendir("/proc/self/fd");
	EXPECT(d, "opendir /proc/self/fd: %s", errstr(errno));
	struct dirent *e;
	while ((e = readdir(d)) && ninherited < 64) {
		struct stat st;
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d) &&
		    fstat(atoi(e->d_name), &st) == 0 && S_ISSOCK(st.st_mode))
			inherited[ninherited++] = st.st_ino;
	}
	closedir(d);
}

/* The shim's control connection: the AF_UNIX SOCK_SEQPACKET sockets this
 * program did not make (it makes none) nor inherit.  Returns how many; *fd
 * and *ino of the last. */
static int find_ctl(int *fd, ino_t *ino)
{
	DIR *d = opendir("/proc/self/fd");
	EXPECT(d, "opendir /proc/self/fd: %s", errstr(errno));
	int n = 0, self = dirfd(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		int f = atoi(e->d_name);
		struct stat st;
		if (e->d_name[0] == '.' || f == self || fstat(f, &st) < 0 ||
		    !S_ISSOCK(st.st_mode) || is_inherited(st.st_ino))
			continue;
		int dom = 0, type = 0;
		socklen_t l = sizeof(int);
		if (getsockopt(f, SOL_SOCKET, SO_DOMAIN, &dom, &l) < 0 ||
		    getsockopt(f, SOL_SOCKET, SO_TYPE, &type, &l) < 0)
			continue;
		if (dom == AF_UNIX && type == SOCK_SEQPACKET) {
			n++;
			*fd = f;
			*ino = st.st_ino;
		}
	}
	closedir(d);
	return n;
}

/* Exactly one control connection, at or above floor, close-on-exec. */
static int check_ctl(int floor, ino_t *ino, const char *what)
{
	int fd = -1;
	int n = find_ctl(&fd, ino);
	EXPECT(n == 1,
	       "%s: expected one control connection of the shim (AF_UNIX "
	       "SOCK_SEQPACKET), found %d",
	       what, n);
	EXPECT(fd >= floor,
	       "%s: expected the control fd at %d or above (half the fd "
	       "limit), got fd %d",
	       what, floor, fd);
	int fdfl = fcntl(fd, F_GETFD);
	EXPECT(fdfl >= 0 && (fdfl & FD_CLOEXEC),
	       "%s: expected the control fd %d close-on-exec", what, fd);
	pass("%s: control fd %d (>= %d), close-on-exec", what, fd, floor);
	return fd;
}

/* A forked child without exec makes its own connection. */
static void fork_plain(int port, int floor, ino_t parent_ino)
{
	fflush(stdout);
	pid_t pid = fork();
	EXPECT(pid >= 0, "fork: %s", errstr(errno));
	if (pid == 0) {
		check_who = "fork-exec child";
		int c = connect_to(port, "forked child");
		echo_check(c, c, "from the forked child\n", "forked child");
		ino_t ino = 0;
		check_ctl(floor, &ino, "forked child");
		EXPECT(ino != parent_ino,
		       "forked child: expected its own control connection, "
		       "got the parent's (inode %lu)",
		       (unsigned long)ino);
		close(c);
		exit(0);
	}
	int st;
	EXPECT(waitpid(pid, &st, 0) == pid, "waitpid: %s", errstr(errno));
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "expected the forked child to exit 0, got status %#x", st);
}

/* The socket on fd 3 of /bin/sh, which writes a line through it, reads
 * the echo, and lists its fds on stdout. */
static const char sh_script[] =
    "printf 'from the exec child\\n' >&3 || exit 3\n"
    "IFS= read -r line <&3 || exit 4\n"
    "printf 'child read: %s\\n' \"$line\"\n"
    "for f in /proc/$$/fd/*; do\n"
    "  printf 'fd %s %s\\n' \"${f##*/}\" \"$(readlink \"$f\")\"\n"
    "done\n";

static void fork_exec(int s, ino_t ctl_ino)
{
	int p[2];
	EXPECT(pipe2(p, O_CLOEXEC) == 0, "pipe2: %s", errstr(errno));
	fflush(stdout);
	pid_t pid = fork();
	EXPECT(pid >= 0, "fork: %s", errstr(errno));
	if (pid == 0) {
		if (dup2(p[1], 1) < 0)
			_exit(121);
		if (s == 3) {
			fcntl(3, F_SETFD, 0);
		} else if (dup2(s, 3) < 0) {
			_exit(120);
		} else {
			close(s);
		}
		execl("/bin/sh", "sh", "-c", sh_script, (char *)NULL);
		_exit(122);
	}
	close(p[1]);
	close(s); /* the parent's copy: the child's keeps the association */
	char out[8192];
	size_t n = 0;
	for (;;) {
		EXPECT(wait_fd(p[0], POLLIN, IO_TIMEOUT_MS),
		       "exec child: no output within %d ms", IO_TIMEOUT_MS);
		ssize_t r = read(p[0], out + n, sizeof(out) - 1 - n);
		EXPECT(r >= 0, "read from the exec child: %s", errstr(errno));
		if (r == 0)
			break;
		n += (size_t)r;
	}
	out[n] = '\0';
	close(p[0]);
	int st;
	EXPECT(waitpid(pid, &st, 0) == pid, "waitpid: %s", errstr(errno));
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "expected /bin/sh on the socket to exit 0, got status %#x; it "
	       "said:\n%s",
	       st, out);
	EXPECT(strstr(out, "child read: from the exec child\n"),
	       "expected the exec child to read its line back, it said:\n%s",
	       out);
	pass("exec'd /bin/sh wrote and read through the socket on fd 3");

	char ctl[64];
	snprintf(ctl, sizeof(ctl), "socket:[%lu]", (unsigned long)ctl_ino);
	EXPECT(!strstr(out, ctl),
	       "expected the shim's control connection (%s) closed on exec, "
	       "the child has it:\n%s",
	       ctl, out);
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		int fd;
		unsigned long ino;
		char *sock = strstr(line, "socket:[");
		if (sscanf(line, "fd %d", &fd) != 1 || !sock || fd == 3)
			continue;
		EXPECT(sscanf(sock, "socket:[%lu]", &ino) == 1 &&
			   is_inherited((ino_t)ino),
		       "expected no socket in the exec child but its fd 3 and "
		       "those the test inherited, got '%s'",
		       line);
	}
	pass("no control connection nor other socket leaked into the exec "
	     "child");
}

static int cmd_fork_exec(int argc, char **argv)
{
	EXPECT(argc == 1, "usage: fork-exec PORT");
	int port = parse_port(argv[0]);
	/* A known limit, so that "half the limit" is a known number. */
	struct rlimit rl;
	EXPECT(getrlimit(RLIMIT_NOFILE, &rl) == 0, "getrlimit: %s",
	       errstr(errno));
	if (rl.rlim_cur > 1024)
		rl.rlim_cur = 1024;
	EXPECT(setrlimit(RLIMIT_NOFILE, &rl) == 0, "setrlimit: %s",
	       errstr(errno));
	int floor = (int)rl.rlim_cur / 2;
	note_inherited();

	int s = connect_to(port, "parent");
	echo_check(s, s, "from the parent\n", "parent");
	ino_t ino = 0;
	int ctl = check_ctl(floor, &ino, "parent");

	fork_plain(port, floor, ino);
	fork_exec(s, ino);

	/* Like xinetd: close every fd but 0, 1 and 2... */
	EXPECT(close_range(3, ~0U, 0) == 0, "close_range: %s", errstr(errno));
	int fd = -1;
	ino_t none;
	EXPECT(find_ctl(&fd, &none) == 0, "close_range left fd %d open", fd);
	/* ...and put a file of our own at the number the shim used. */
	int p[2];
	EXPECT(pipe(p) == 0, "pipe: %s", errstr(errno));
	EXPECT(dup2(p[0], ctl) == ctl, "dup2 onto %d: %s", ctl, errstr(errno));
	close(p[0]);
	pass("closed every fd >= 3, put a pipe at fd %d", ctl);

	s = connect_to(port, "after close_range");
	echo_check(s, s, "after closing every fd\n", "after close_range");
	struct stat st;
	EXPECT(fstat(ctl, &st) == 0 && S_ISFIFO(st.st_mode),
	       "expected fd %d to stay our pipe, got %s", ctl,
	       fstat(ctl, &st) < 0 ? errstr(errno) : "another file");
	EXPECT(write(p[1], "p", 1) == 1, "write to our pipe: %s",
	       errstr(errno));
	char c = 0;
	EXPECT(read(ctl, &c, 1) == 1 && c == 'p',
	       "expected our pipe at fd %d to carry our byte", ctl);
	pass("the shim left our pipe at fd %d alone", ctl);
	ino_t ino2;
	check_ctl(floor, &ino2, "reopened");
	close(s);
	return 0;
}

/* ---- dup ---- */

static int cmd_dup(int argc, char **argv)
{
	EXPECT(argc == 1, "usage: dup PORT");
	int port = parse_port(argv[0]);
	int s = connect_to(port, "original");

	int d1 = dup(s);
	EXPECT(d1 >= 0, "dup: expected an fd, got %s", res(d1));
	int d2 = dup2(s, 40);
	EXPECT(d2 == 40, "dup2(s, 40): expected 40, got %s", res(d2));
	int d3 = fcntl(s, F_DUPFD_CLOEXEC, 60);
	EXPECT(d3 >= 60,
	       "fcntl(F_DUPFD_CLOEXEC, 60): expected an fd >= 60, "
	       "got %s",
	       res(d3));
	check_flags(s, false, false, "original");
	check_flags(d2, false, false, "dup2");
	check_flags(d3, false, true, "F_DUPFD_CLOEXEC");

	int dups[3] = {d1, d2, d3};
	const char *names[3] = {"dup", "dup2", "F_DUPFD_CLOEXEC"};
	for (int i = 0; i < 3; i++) {
		char msg[64];
		check_peer(dups[i], "127.0.0.1", port, names[i]);
		check_local(dups[i], "127.0.0.1", 0, names[i]);
		check_identity(dups[i], AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       names[i]);
		snprintf(msg, sizeof(msg), "written through %s\n", names[i]);
		echo_check(dups[i], s, msg,
			   names[i]); /* read on the original */
		snprintf(msg, sizeof(msg), "read through %s\n", names[i]);
		echo_check(s, dups[i], msg, names[i]);
	}

	close(s);
	pass("original closed");
	echo_check(d1, d2, "after the original is gone\n", "dup -> dup2");
	check_peer(d1, "127.0.0.1", port, "dup after close");
	close(d1);
	echo_check(d3, d3, "one fd left\n", "F_DUPFD_CLOEXEC alone");
	check_peer(d3, "127.0.0.1", port, "F_DUPFD_CLOEXEC alone");
	close(d2);
	close(d3);
	return 0;
}

/* ---- bind ---- */

static int cmd_bind(int argc, char **argv)
{
	EXPECT(argc == 2, "usage: bind PORT ok|ERRNO-NAME");
	int port = parse_port(argv[0]);
	int want = 0;
	if (strcmp(argv[1], "ok")) {
		for (int e = 1; e < 200 && !want; e++)
			if (strerrorname_np(e) &&
			    !strcmp(strerrorname_np(e), argv[1]))
				want = e;
		EXPECT(want, "unknown errno name '%s'", argv[1]);
	}
	int s = socket(AF_INET, SOCK_STREAM, 0);
	EXPECT(s >= 0, "socket: expected an fd, got %s", res(s));
	struct sockaddr_in a = sin4("0.0.0.0", port);
	int r = bind(s, (struct sockaddr *)&a, sizeof(a));
	int e = errno;
	if (want) {
		EXPECT(r == -1 && e == want,
		       "bind 0.0.0.0:%d: expected -1 %s, got %s", port,
		       errstr(want), r == 0 ? "0" : errstr(e));
		pass("bind 0.0.0.0:%d: -1 %s", port, strerrorname_np(want));
	} else {
		EXPECT(r == 0, "bind 0.0.0.0:%d: expected 0, got %s", port,
		       errstr(e));
		r = listen(s, 4);
		EXPECT(r == 0, "listen: expected 0, got %s", res(r));
		check_local(s, "0.0.0.0", port, "bound");
		int ac = get_int(s, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN");
		EXPECT(ac == 1,
		       "SO_ACCEPTCONN after listen: expected 1, got %d", ac);
		pass("listening on SCTP port %d", port);
	}
	close(s);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
} cmds[] = {
    {"nbconnect-ok", cmd_nbconnect_ok},
    {"nbconnect-refused", cmd_nbconnect_refused},
    {"nbconnect-timeout", cmd_nbconnect_timeout},
    {"accept4-epoll", cmd_accept4_epoll},
    {"sockopts", cmd_sockopts},
    {"fork-exec", cmd_fork_exec},
    {"dup", cmd_dup},
    {"bind", cmd_bind},
    {"tcpinfo", cmd_tcpinfo},
};

int main(int argc, char **argv)
{
	if (argc >= 2) {
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			if (strcmp(argv[1], cmds[i].name))
				continue;
			check_who = cmds[i].name;
			signal(SIGALRM, on_alarm);
			signal(SIGPIPE, SIG_IGN);
			alarm(60);
			int rc = cmds[i].fn(argc - 2, argv + 2);
			if (rc == 0)
				printf("PASS - %s\n", check_who);
			return rc;
		}
	}
	fprintf(stderr, "usage: sockcheck COMMAND [ARGS] (see the source for "
			"the commands)\n");
	return 2;
}
