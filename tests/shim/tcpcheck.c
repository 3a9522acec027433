/*
 * tcpcheck.c - TCP semantics a converted socket must share with the
 * kernel's TCP (issue 9).  A plain TCP program: each command prints what
 * it observed, one line per fact, so that tests/bats/tcp.bats can run it
 * once on the kernel's TCP and once under withsctp(1) and compare.
 *
 * tcpcheck COMMAND [ARGS], COMMAND one of:
 *   binds PORT            bind/listen sharing rules on PORT..PORT+15
 *   route PORT            which listener gets which connection, and the
 *                         addresses each end shows (PORT..PORT+4)
 *   cycles PORT N         N x (connect, 1-byte echo, close) to a child
 *                         echo server; the slowest cycle
 *   reset PORT linger0|unread
 *                         the peer of a socket closed with SO_LINGER
 *                         {1, 0}, or with unread data, reads ECONNRESET
 *                         and writes EPIPE at once
 *   serve-once PORT       accepts one connection, reads to the end, says
 *                         how it ended (eof or the errno) and how many
 *                         bytes came
 *   send-from LPORT HOST PORT MSG
 *                         connects from local port LPORT, sends MSG, says
 *                         "sent", then waits (up to 60 s) to be killed
 *   restart-server PORT   accepts, reads a message; then expects that
 *                         connection to be reset and a new one to bring
 *                         the next message
 *   connect-exit HOST PORT MS
 *                         starts a non-blocking connect, waits MS ms
 *                         (the handshake goes on) and exits
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 5000

typedef union {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
} addr;

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "?";
}

static void die(const char *what)
{
	printf("error: %s: %s\n", what, ename(errno));
	exit(2);
}

static socklen_t mk(addr *a, const char *ip, int port)
{
	memset(a, 0, sizeof(*a));
	if (strchr(ip, ':')) {
		a->in6.sin6_family = AF_INET6;
		a->in6.sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, ip, &a->in6.sin6_addr);
		return sizeof(a->in6);
	}
	a->in.sin_family = AF_INET;
	a->in.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &a->in.sin_addr);
	return sizeof(a->in);
}

static const char *str(const addr *a)
{
	static char buf[4][80];
	static int n;
	char *b = buf[n++ % 4], ip[64];
	if (a->sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->in6.sin6_addr, ip, sizeof(ip));
		snprintf(b, 80, "[%s]", ip);
	} else if (a->sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &a->in.sin_addr, ip, sizeof(ip));
		snprintf(b, 80, "%s", ip);
	} else {
		snprintf(b, 80, "family-%d", a->sa.sa_family);
	}
	return b;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_int(int fd, int level, int name, int v)
{
	if (setsockopt(fd, level, name, &v, sizeof(v)) < 0)
		die("setsockopt");
}

/* A socket of family (4 or 6) with the options named in opts: r
 * SO_REUSEADDR, p SO_REUSEPORT, o IPV6_V6ONLY on, d IPV6_V6ONLY off. */
static int sock(int fam, const char *opts)
{
	int fd = socket(fam == 6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	for (const char *o = opts; *o; o++) {
		if (*o == 'r')
			set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
		if (*o == 'p')
			set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1);
		if (*o == 'o' || *o == 'd')
			set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, *o == 'o');
	}
	return fd;
}

static const char *do_bind(int fd, const char *ip, int port)
{
	addr a;
	socklen_t l = mk(&a, ip, port);
	return bind(fd, &a.sa, l) == 0 ? "ok" : ename(errno);
}

static const char *do_listen(int fd)
{
	return listen(fd, 16) == 0 ? "ok" : ename(errno);
}

/* ---- binds ---- */

typedef struct bcase {
	const char *name;
	int fam1;
	const char *opt1, *ip1;
	int fam2;
	const char *opt2, *ip2;
} bcase;

static const bcase bcases[] = {
    {"127.0.0.1 and 127.0.0.2", 4, "", "127.0.0.1", 4, "", "127.0.0.2"},
    {"127.0.0.1 and [::1] v6only", 4, "", "127.0.0.1", 6, "o", "::1"},
    {"0.0.0.0 and [::] v6only", 4, "", "0.0.0.0", 6, "o", "::"},
    {"0.0.0.0 and [::] dual-stack", 4, "", "0.0.0.0", 6, "d", "::"},
    {"0.0.0.0 twice", 4, "", "0.0.0.0", 4, "", "0.0.0.0"},
    {"0.0.0.0 twice, SO_REUSEADDR", 4, "r", "0.0.0.0", 4, "r", "0.0.0.0"},
    {"127.0.0.1 then 0.0.0.0", 4, "", "127.0.0.1", 4, "", "0.0.0.0"},
    {"127.0.0.1 then 0.0.0.0, SO_REUSEADDR", 4, "r", "127.0.0.1", 4, "r",
     "0.0.0.0"},
    {"127.0.0.1 twice, SO_REUSEPORT", 4, "p", "127.0.0.1", 4, "p",
     "127.0.0.1"},
    {"127.0.0.1 twice, SO_REUSEPORT on one", 4, "p", "127.0.0.1", 4, "",
     "127.0.0.1"},
    {"[::1] v6only and [::] v6only", 6, "o", "::1", 6, "o", "::"},
    {"[::ffff:127.0.0.1] and 127.0.0.1", 6, "d", "::ffff:127.0.0.1", 4, "",
     "127.0.0.1"},
};

static int cmd_binds(int port)
{
	for (size_t i = 0; i < sizeof(bcases) / sizeof(bcases[0]); i++) {
		const bcase *c = &bcases[i];
		int p = port + (int)i;
		int a = sock(c->fam1, c->opt1), b = sock(c->fam2, c->opt2);
		const char *ba = do_bind(a, c->ip1, p);
		const char *bb = do_bind(b, c->ip2, p);
		const char *la = strcmp(ba, "ok") ? "-" : do_listen(a);
		const char *lb = strcmp(bb, "ok") ? "-" : do_listen(b);
		printf("%s: bind %s %s, listen %s %s\n", c->name, ba, bb, la,
		       lb);
		close(a);
		close(b);
	}
	/* A bind next to a listener, both with SO_REUSEADDR. */
	int p = port + 12;
	int a = sock(4, "r"), b = sock(4, "r");
	do_bind(a, "0.0.0.0", p);
	do_listen(a);
	printf("bind next to a listener, SO_REUSEADDR: %s\n",
	       do_bind(b, "127.0.0.1", p));
	close(a);
	close(b);
	/* Options and addresses a socket may not take. */
	a = sock(6, "o");
	printf("v4-mapped on a v6only socket: %s\n",
	       do_bind(a, "::ffff:127.0.0.1", port + 13));
	printf("IPV6_V6ONLY after bind: ");
	do_bind(a, "::1", port + 13);
	int one = 1;
	puts(setsockopt(a, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == 0
		 ? "ok"
		 : ename(errno));
	close(a);
	a = sock(4, "");
	printf("an address not of this host: %s\n",
	       do_bind(a, "192.0.2.1", port + 14));
	printf("an IPv6 address on an AF_INET socket: %s\n",
	       do_bind(a, "::1", port + 14));
	close(a);
	a = sock(4, "");
	addr got;
	socklen_t gl = sizeof(got);
	listen(a, 4);
	getsockname(a, &got.sa, &gl);
	printf("listen without bind: %s port %s\n", str(&got),
	       ntohs(got.in.sin_port) ? "chosen" : "0");
	close(a);
	return 0;
}

/* ---- route ---- */

static int listener(int fam, const char *opts, const char *ip, int port)
{
	int fd = sock(fam, opts);
	addr a;
	socklen_t l = mk(&a, ip, port);
	if (bind(fd, &a.sa, l) < 0)
		die("bind");
	if (listen(fd, 64) < 0)
		die("listen");
	return fd;
}

/* Connects to ip:port; returns the fd, or -1 with errno. */
static int dial(const char *ip, int port)
{
	addr a;
	socklen_t l = mk(&a, ip, port);
	int fd = socket(a.sa.sa_family, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, &a.sa, l) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static bool readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) == 1;
}

/* Which of the listeners takes a connection to ip:port, and what each end
 * shows. */
static void probe(const char *what, const int *ls, int n, const char *ip,
		  int port)
{
	int c = dial(ip, port);
	if (c < 0) {
		printf("%s: connect %s\n", what, ename(errno));
		return;
	}
	for (int i = 0; i < n; i++) {
		if (!readable(ls[i], 200))
			continue;
		addr peer, local, cl, cp;
		socklen_t pl = sizeof(peer), ll = sizeof(local);
		socklen_t cll = sizeof(cl), cpl = sizeof(cp);
		int s = accept(ls[i], &peer.sa, &pl);
		if (s < 0)
			die("accept");
		getsockname(s, &local.sa, &ll);
		getsockname(c, &cl.sa, &cll);
		getpeername(c, &cp.sa, &cpl);
		printf("%s: listener %d accepts from %s at %s; the client is "
		       "%s talking to %s\n",
		       what, i + 1, str(&peer), str(&local), str(&cl),
		       str(&cp));
		close(c); /* the client first: no TIME_WAIT on the port */
		close(s);
		return;
	}
	printf("%s: connected, nobody accepted\n", what);
	close(c);
}

static int cmd_route(int port)
{
	int ls[2];
	ls[0] = listener(4, "", "127.0.0.1", port);
	ls[1] = listener(6, "o", "::1", port);
	probe("127.0.0.1 and [::1]: to 127.0.0.1", ls, 2, "127.0.0.1", port);
	probe("127.0.0.1 and [::1]: to ::1", ls, 2, "::1", port);
	close(ls[0]);
	probe("[::1] alone: to 127.0.0.1", ls + 1, 1, "127.0.0.1", port);
	close(ls[1]);

	ls[0] = listener(4, "", "0.0.0.0", port + 1);
	ls[1] = listener(6, "o", "::", port + 1);
	probe("0.0.0.0 and [::]: to 127.0.0.1", ls, 2, "127.0.0.1", port + 1);
	probe("0.0.0.0 and [::]: to ::1", ls, 2, "::1", port + 1);
	probe("0.0.0.0 and [::]: to 127.0.0.2", ls, 2, "127.0.0.2", port + 1);
	close(ls[0]);
	close(ls[1]);

	ls[0] = listener(6, "d", "::", port + 2);
	probe("[::] dual-stack: to 127.0.0.1", ls, 1, "127.0.0.1", port + 2);
	close(ls[0]);
	ls[0] = listener(4, "", "127.0.0.1", port + 3);
	ls[1] = listener(4, "", "127.0.0.2", port + 3);
	probe("127.0.0.1 and 127.0.0.2: to 127.0.0.2", ls, 2, "127.0.0.2",
	      port + 3);
	probe("127.0.0.1 and 127.0.0.2: to 127.0.0.3", ls, 2, "127.0.0.3",
	      port + 3);
	close(ls[0]);
	close(ls[1]);

	/* SO_REUSEPORT spreads connections over the group. */
	ls[0] = listener(4, "p", "127.0.0.1", port + 4);
	ls[1] = listener(4, "p", "127.0.0.1", port + 4);
	int got[2] = {0, 0};
	for (int k = 0; k < 24; k++) {
		int c = dial("127.0.0.1", port + 4);
		if (c < 0)
			die("connect");
		for (int i = 0; i < 2; i++)
			if (readable(ls[i], 100)) {
				int s = accept(ls[i], NULL, NULL);
				got[i]++;
				close(s);
				break;
			}
		close(c);
	}
	printf("SO_REUSEPORT group of 2, 24 connections: %s\n",
	       got[0] + got[1] != 24 ? "some not accepted"
	       : got[0] && got[1]    ? "both listeners take some"
				     : "one listener takes all");
	close(ls[0]);
	close(ls[1]);
	return 0;
}

/* ---- cycles ---- */

static void echo_server(int l)
{
	for (;;) {
		int s = accept(l, NULL, NULL);
		if (s < 0)
			_exit(0);
		char b[64];
		ssize_t n;
		while ((n = read(s, b, sizeof(b))) > 0)
			if (write(s, b, (size_t)n) != n)
				break;
		close(s);
	}
}

static int cmd_cycles(int port, int n)
{
	int l = listener(4, "r", "127.0.0.1", port);
	pid_t pid = fork();
	if (pid == 0)
		echo_server(l);
	close(l);
	long worst = 0, start = now_ms();
	int slow = 0;
	for (int i = 0; i < n; i++) {
		long t0 = now_ms();
		int c = dial("127.0.0.1", port);
		char b = 'x';
		if (c < 0 || write(c, &b, 1) != 1 || !readable(c, WAIT_MS) ||
		    read(c, &b, 1) != 1) {
			printf("cycle %d failed: %s\n", i, ename(errno));
			kill(pid, SIGTERM);
			return 1;
		}
		close(c);
		long dt = now_ms() - t0;
		worst = dt > worst ? dt : worst;
		slow += dt > 100;
	}
	long total = now_ms() - start;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	printf("cycles: %d in %ld ms (%.0f/s), slowest %ld ms, %d over "
	       "100 ms\n",
	       n, total, total ? n * 1000.0 / (double)total : 0.0, worst,
	       slow);
	return slow ? 1 : 0;
}

/* ---- reset ---- */

static int cmd_reset(int port, const char *mode)
{
	int l = listener(4, "r", "127.0.0.1", port);
	int c = dial("127.0.0.1", port);
	if (c < 0)
		die("connect");
	int s = accept(l, NULL, NULL);
	if (s < 0)
		die("accept");
	close(l);
	if (!strcmp(mode, "linger0")) {
		struct linger lg = {1, 0};
		if (setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
			die("SO_LINGER");
	} else {
		/* Data the client never reads. */
		if (write(s, "unread", 6) != 6 || !readable(c, WAIT_MS))
			die("write");
	}
	long t0 = now_ms();
	close(c);
	char b[16];
	bool came = readable(s, WAIT_MS);
	ssize_t n = read(s, b, sizeof(b));
	long dt = now_ms() - t0;
	printf("read after the peer's close: %s%s\n",
	       n < 0 ? ename(errno) : n == 0 ? "EOF" : "data",
	       came && dt < 1000 ? ", at once" : ", late");
	signal(SIGPIPE, SIG_IGN);
	n = write(s, "x", 1);
	if (n == 1) /* TCP: the first write may still go out */
		n = write(s, "x", 1);
	printf("write after: %s\n", n < 0 ? ename(errno) : "ok");
	close(s);
	return 0;
}

/* ---- serve-once, send-from, restart-server, connect-exit ---- */

/* Reads s to its end: "eof" or the errno, and the byte count. */
static void read_to_end(int s, const char *label)
{
	char b[65536];
	long total = 0;
	for (;;) {
		if (!readable(s, 60000)) {
			printf("%s: nothing for 60 s after %ld bytes\n", label,
			       total);
			return;
		}
		ssize_t n = read(s, b, sizeof(b));
		if (n > 0) {
			total += n;
			continue;
		}
		printf("%s: %s after %ld bytes\n", label,
		       n == 0 ? "eof" : ename(errno), total);
		fflush(stdout);
		return;
	}
}

static int cmd_serve_once(int port)
{
	int l = listener(4, "r", "0.0.0.0", port);
	printf("listening\n");
	fflush(stdout);
	int s = accept(l, NULL, NULL);
	if (s < 0)
		die("accept");
	read_to_end(s, "end");
	return 0;
}

static int cmd_send_from(int lport, const char *host, int port,
			 const char *msg)
{
	addr la, a;
	socklen_t ll = mk(&la, "0.0.0.0", lport), l = mk(&a, host, port);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	set_int(c, SOL_SOCKET, SO_REUSEADDR, 1);
	if (bind(c, &la.sa, ll) < 0)
		die("bind");
	if (connect(c, &a.sa, l) < 0)
		die("connect");
	if (write(c, msg, strlen(msg)) != (ssize_t)strlen(msg))
		die("write");
	printf("sent\n");
	fflush(stdout);
	sleep(60);
	return 0;
}

static int cmd_restart_server(int port)
{
	int l = listener(4, "r", "0.0.0.0", port);
	printf("listening\n");
	fflush(stdout);
	int s = accept(l, NULL, NULL);
	char b[256];
	ssize_t n = read(s, b, sizeof(b) - 1);
	if (n <= 0)
		die("read");
	b[n] = '\0';
	printf("first connection: %s\n", b);
	fflush(stdout);
	if (!readable(s, 60000))
		die("no news from the first connection");
	n = read(s, b, sizeof(b) - 1);
	printf("first connection then: %s\n",
	       n < 0 ? ename(errno) : n == 0 ? "EOF" : "more data");
	fflush(stdout);
	if (!readable(l, 30000))
		die("no second connection");
	int s2 = accept(l, NULL, NULL);
	n = readable(s2, WAIT_MS) ? read(s2, b, sizeof(b) - 1) : -1;
	if (n <= 0)
		die("read");
	b[n] = '\0';
	printf("second connection: %s\n", b);
	return 0;
}

static int cmd_connect_exit(const char *host, int port, int ms)
{
	addr a;
	socklen_t l = mk(&a, host, port);
	int c = socket(a.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (connect(c, &a.sa, l) == 0 || errno != EINPROGRESS)
		die("connect");
	printf("connecting\n");
	usleep((useconds_t)ms * 1000);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *c = argc > 1 ? argv[1] : "";
	if (!strcmp(c, "binds") && argc == 3)
		return cmd_binds(atoi(argv[2]));
	if (!strcmp(c, "route") && argc == 3)
		return cmd_route(atoi(argv[2]));
	if (!strcmp(c, "cycles") && argc == 4)
		return cmd_cycles(atoi(argv[2]), atoi(argv[3]));
	if (!strcmp(c, "reset") && argc == 4)
		return cmd_reset(atoi(argv[2]), argv[3]);
	if (!strcmp(c, "serve-once") && argc == 3)
		return cmd_serve_once(atoi(argv[2]));
	if (!strcmp(c, "send-from") && argc == 6)
		return cmd_send_from(atoi(argv[2]), argv[3], atoi(argv[4]),
				     argv[5]);
	if (!strcmp(c, "restart-server") && argc == 3)
		return cmd_restart_server(atoi(argv[2]));
	if (!strcmp(c, "connect-exit") && argc == 5)
		return cmd_connect_exit(argv[2], atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: tcpcheck COMMAND [ARGS] (see the source)\n");
	return 2;
}
