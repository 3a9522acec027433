/*
 * burst.c - many TCP connections at once, for the connection-burst benchmark
 * and test (issue 9, item 5).  A plain TCP program: it knows nothing of SCTP,
 * so it runs unchanged under withsctp and over plain TCP for the comparison.
 *
 *   burst server [-a ADDR] [-b BACKLOG] [-d SECONDS] [-n N] PORT
 *       accepts on PORT (all addresses, or ADDR) with accept4 under epoll,
 *       starting SECONDS after it listens with -d (a slow server: the
 *       connections wait in the listen backlog meanwhile),
 *       echoes what each connection sends and closes it at EOF; prints
 *       "listening" once ready.  With -n it exits once N connections were
 *       accepted and closed; SIGTERM or SIGINT end it too.  Prints
 *       "accepted=... closed=... max_open=... accept_errors=..." at the end.
 *   burst client [-e BYTES] [-t SECONDS] HOST PORT N
 *       opens N non-blocking connections at once (connect on each, then
 *       epoll until every one is connected or failed, or SECONDS passed,
 *       60 by default); with -e writes BYTES on each once connected and
 *       reads them back.  Connections are held until the end.  Prints
 *
 *         total_s=... issue_s=... connected=... failed=... over900=...
 *         connect_ms median=... p99=... max=...
 *         errors: ECONNREFUSED=3 ...            (when some failed)
 *         echo ok=... failed=... ms median=... p99=... max=...   (with -e)
 *
 *       A connection's connect time runs from just before its connect()
 *       call to the moment it is found writable (completions are collected
 *       between connect() calls too, so an early one is not counted late).
 *       issue_s is the time the N connect() calls took.
 *       "over900" counts connects that took over 900 ms: one that needed a
 *       retransmitted SYN or INIT took at least the initial RTO, 1 s.
 *       Exits 0 when all N connected (and echoed), else 1.
 *
 * Both raise RLIMIT_NOFILE as far as they need (the client one descriptor
 * per connection) and the hard limit allows.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "burst_report.h"

#define MAX_ECHO 4096
#define EV_BATCH 256
/* connect() calls between two looks at completions. */
#define HARVEST_EVERY 64

static void die(const char *what)
{
	fprintf(stderr, "burst: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: burst server [-a ADDR] [-b BACKLOG] [-d SECONDS] "
		"[-n N] PORT\n"
		"       burst client [-e BYTES] [-t SECONDS] HOST PORT "
		"N\n");
	exit(2);
}

/* Raises the soft descriptor limit to want (or the hard limit, if lower). */
static void raise_nofile(rlim_t want)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (want > rl.rlim_max)
		want = rl.rlim_max;
	if (rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		perror("burst: setrlimit(RLIMIT_NOFILE)");
}

static int parse_addr(const char *host, const char *port,
		      struct sockaddr_storage *ss, socklen_t *len)
{
	char *end;
	unsigned long p = strtoul(port, &end, 10);
	if (*port == '\0' || *end || p > 65535)
		return -1;
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

/* ---- server ---- */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

typedef struct server {
	int ep, lfd;
	bool listening; /* the listener is in the epoll set */
	long accepted, closed, open, max_open, accept_errors, limit;
	int last_accept_errno;
} server;

static void srv_accept(server *s)
{
	for (;;) {
		int c =
		    accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			s->accept_errors++;
			s->last_accept_errno = errno;
			/* Out of descriptors: stop accepting (the listener is
			 * level-triggered) until a connection closes. */
			if (errno == EMFILE || errno == ENFILE) {
				epoll_ctl(s->ep, EPOLL_CTL_DEL, s->lfd, NULL);
				s->listening = false;
			}
			return;
		}
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = c};
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, c, &ev) < 0)
			die("epoll_ctl");
		s->accepted++;
		if (++s->open > s->max_open)
			s->max_open = s->open;
	}
}

static void srv_close(server *s, int fd)
{
	close(fd);
	s->closed++;
	s->open--;
	if (!s->listening) {
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = s->lfd};
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &ev) == 0)
			s->listening = true;
	}
}

/* Echoes what arrived; a connection that cannot take its echo at once
 * (it sends more than it reads) loses the rest: the client sends a few
 * bytes and reads them back, so it never happens with burst's client. */
static void srv_echo(server *s, int fd)
{
	char buf[MAX_ECHO];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			srv_close(s, fd);
			return;
		}
		if (write(fd, buf, (size_t)n) < 0 && errno != EAGAIN) {
			srv_close(s, fd);
			return;
		}
	}
}

static int do_server(int argc, char **argv)
{
	const char *addr = "0.0.0.0";
	int backlog = 65535, opt;
	double delay = 0;
	server s = {.limit = -1};
	while ((opt = getopt(argc, argv, "a:b:d:n:")) != -1) {
		switch (opt) {
		case 'a':
			addr = optarg;
			break;
		case 'b':
			backlog = atoi(optarg);
			break;
		case 'd':
			delay = atof(optarg);
			break;
		case 'n':
			s.limit = atol(optarg);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	raise_nofile(RLIM_INFINITY);
	struct sockaddr_storage ss;
	socklen_t sl;
	if (parse_addr(addr, argv[optind], &ss, &sl) < 0)
		usage();
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	int one = 1;
	s.lfd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s.lfd < 0)
		die("socket");
	setsockopt(s.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s.lfd, (struct sockaddr *)&ss, sl) < 0)
		die("bind");
	if (listen(s.lfd, backlog) < 0)
		die("listen");
	s.ep = epoll_create1(EPOLL_CLOEXEC);
	if (s.ep < 0)
		die("epoll_create1");
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = s.lfd};
	if (epoll_ctl(s.ep, EPOLL_CTL_ADD, s.lfd, &ev) < 0)
		die("epoll_ctl");
	s.listening = true;
	printf("listening\n");
	fflush(stdout);
	if (delay > 0) {
		struct timespec ts = {
		    .tv_sec = (time_t)delay,
		    .tv_nsec = (long)((delay - (double)(time_t)delay) * 1e9)};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !stop)
			;
	}
	struct epoll_event evs[EV_BATCH];
	while (!stop && (s.limit < 0 || s.closed < s.limit)) {
		int n = epoll_wait(s.ep, evs, EV_BATCH, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == s.lfd)
				srv_accept(&s);
			else
				srv_echo(&s, evs[i].data.fd);
		}
	}
	printf("accepted=%ld closed=%ld max_open=%ld accept_errors=%ld",
	       s.accepted, s.closed, s.max_open, s.accept_errors);
	if (s.accept_errors)
		printf(" last_accept_error=%s",
		       strerrorname_np(s.last_accept_errno));
	printf("\n");
	return 0;
}

/* ---- client ---- */

enum { C_CONNECTING, C_ECHOING, C_DONE, C_FAILED };

typedef struct conn {
	int fd;
	int state;
	int err;
	uint16_t got;
	double t_start, t_conn, t_echo;
} conn;

typedef struct client {
	int ep;
	long n, pending, connected, failed, echo_ok, echo_failed;
	size_t echo;
	conn *c;
	int errs[256]; /* failures by errno (the rest in errs[0]) */
	char pattern[MAX_ECHO];
} client;

static void cl_fail(client *cl, conn *c, int err)
{
	if (c->state == C_CONNECTING)
		cl->failed++;
	else
		cl->echo_failed++;
	c->err = err;
	c->state = C_FAILED;
	cl->errs[err > 0 && err < 256 ? err : 0]++;
	cl->pending--;
	if (c->fd >= 0) {
		epoll_ctl(cl->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
}

static void cl_connected(client *cl, conn *c, double t)
{
	c->t_conn = t;
	cl->connected++;
	if (!cl->echo) {
		c->state = C_DONE;
		cl->pending--;
		epoll_ctl(cl->ep, EPOLL_CTL_DEL, c->fd, NULL);
		return;
	}
	c->state = C_ECHOING;
	ssize_t w = write(c->fd, cl->pattern, cl->echo);
	if (w != (ssize_t)cl->echo) {
		cl_fail(cl, c, w < 0 ? errno : EMSGSIZE);
		return;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
	if (epoll_ctl(cl->ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		cl_fail(cl, c, errno);
}

static void cl_read(client *cl, conn *c, double t)
{
	char buf[MAX_ECHO];
	for (;;) {
		ssize_t n = read(c->fd, buf, cl->echo - c->got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			cl_fail(cl, c, n < 0 ? errno : EPIPE);
			return;
		}
		if (memcmp(buf, cl->pattern + c->got, (size_t)n)) {
			cl_fail(cl, c, EBADMSG);
			return;
		}
		c->got = (uint16_t)(c->got + n);
		if (c->got == cl->echo) {
			c->t_echo = t;
			c->state = C_DONE;
			cl->echo_ok++;
			cl->pending--;
			epoll_ctl(cl->ep, EPOLL_CTL_DEL, c->fd, NULL);
			return;
		}
	}
}

static void cl_event(client *cl, conn *c, uint32_t events, double t)
{
	if (c->state == C_CONNECTING) {
		int err = 0;
		socklen_t l = sizeof(err);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
			err = errno;
		if (err)
			cl_fail(cl, c, err);
		else if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			cl_connected(cl, c, t);
		return;
	}
	if (c->state == C_ECHOING)
		cl_read(cl, c, t);
}

/* Handles what epoll has, waiting at most ms. */
static void cl_harvest(client *cl, int ms)
{
	struct epoll_event evs[EV_BATCH];
	int n = epoll_wait(cl->ep, evs, EV_BATCH, ms);
	if (n < 0 && errno != EINTR)
		die("epoll_wait");
	double t = burst_now_s();
	for (int i = 0; i < n; i++)
		cl_event(cl, evs[i].data.ptr, evs[i].events, t);
}

static void cl_start(client *cl, conn *c, const struct sockaddr_storage *ss,
		     socklen_t sl)
{
	c->t_start = burst_now_s();
	c->state = C_CONNECTING;
	c->fd = socket(ss->ss_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	cl->pending++;
	if (c->fd < 0) {
		cl_fail(cl, c, errno);
		return;
	}
	int rc = connect(c->fd, (const struct sockaddr *)ss, sl);
	if (rc < 0 && errno != EINPROGRESS) {
		cl_fail(cl, c, errno);
		return;
	}
	struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
	if (epoll_ctl(cl->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		cl_fail(cl, c, errno);
		return;
	}
	if (rc == 0)
		cl_connected(cl, c, burst_now_s());
}

static void cl_report(client *cl, double total, double issue)
{
	double *v = malloc(sizeof(double) * (size_t)(cl->n ? cl->n : 1));
	long k = 0, over = 0;
	if (!v)
		die("malloc");
	for (long i = 0; i < cl->n; i++) {
		conn *c = &cl->c[i];
		if (c->t_conn == 0)
			continue;
		v[k] = c->t_conn - c->t_start;
		over += v[k] > 0.9;
		k++;
	}
	long unfinished = 0;
	for (long i = 0; i < cl->n; i++)
		unfinished += cl->c[i].state == C_CONNECTING;
	printf("total_s=%.3f issue_s=%.3f connected=%ld failed=%ld "
	       "over900=%ld\n",
	       total, issue, cl->connected, cl->failed + unfinished, over);
	burst_print_dist("connect_ms", v, k);
	if (cl->failed + cl->echo_failed + unfinished) {
		printf("errors:");
		for (int e = 0; e < 256; e++)
			if (cl->errs[e])
				printf(" %s=%d",
				       e ? strerrorname_np(e) : "other",
				       cl->errs[e]);
		if (unfinished)
			printf(" unfinished=%ld", unfinished);
		printf("\n");
	}
	if (cl->echo) {
		k = 0;
		for (long i = 0; i < cl->n; i++)
			if (cl->c[i].t_echo != 0)
				v[k++] = cl->c[i].t_echo - cl->c[i].t_conn;
		printf("echo ok=%ld failed=%ld", cl->echo_ok,
		       cl->echo_failed +
			   (cl->connected - cl->echo_ok - cl->echo_failed));
		burst_print_dist(" ms", v, k);
	}
	free(v);
}

static int do_client(int argc, char **argv)
{
	client cl = {0};
	double limit = 60;
	int opt;
	while ((opt = getopt(argc, argv, "e:t:")) != -1) {
		switch (opt) {
		case 'e':
			cl.echo = (size_t)atol(optarg);
			if (cl.echo > MAX_ECHO)
				usage();
			break;
		case 't':
			limit = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 3)
		usage();
	struct sockaddr_storage ss;
	socklen_t sl;
	if (parse_addr(argv[optind], argv[optind + 1], &ss, &sl) < 0)
		usage();
	cl.n = atol(argv[optind + 2]);
	if (cl.n <= 0)
		usage();
	for (size_t i = 0; i < sizeof(cl.pattern); i++)
		cl.pattern[i] = (char)('a' + i % 26);
	signal(SIGPIPE, SIG_IGN);
	/* One descriptor per connection, plus stdio, epoll and whatever a
	 * preloaded library keeps. */
	raise_nofile((rlim_t)cl.n + 256);
	cl.c = calloc((size_t)cl.n, sizeof(conn));
	cl.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!cl.c || cl.ep < 0)
		die("setup");
	double t0 = burst_now_s(), end = t0 + limit;
	for (long i = 0; i < cl.n; i++) {
		cl_start(&cl, &cl.c[i], &ss, sl);
		if (i % HARVEST_EVERY == HARVEST_EVERY - 1)
			cl_harvest(&cl, 0);
	}
	double issue = burst_now_s() - t0;
	while (cl.pending > 0) {
		double left = end - burst_now_s();
		if (left <= 0)
			break;
		cl_harvest(&cl, (int)(left * 1e3) + 1);
	}
	double total = burst_now_s() - t0;
	cl_report(&cl, total, issue);
	bool ok = cl.connected == cl.n && (!cl.echo || cl.echo_ok == cl.n);
	for (long i = 0; i < cl.n; i++)
		if (cl.c[i].fd >= 0)
			close(cl.c[i].fd);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "server"))
		return do_server(argc - 1, argv + 1);
	if (!strcmp(argv[1], "client"))
		return do_client(argc - 1, argv + 1);
	usage();
	return 2;
}
