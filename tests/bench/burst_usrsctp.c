/*
 * burst_usrsctp.c - burst's client and server on usrsctp (Debian
 * libusrsctp-dev), so that the connection-burst benchmark (burst.sh) can
 * put another user-space SCTP stack beside withsctp and TCP.  The same
 * work and the same report as burst.c, over one-to-one SCTP sockets
 * carried in UDP (RFC 6951): both ends use UDP port 9899 unless told.
 *
 *   burst_usrsctp server [-b BACKLOG] [-n N] [-u UDP] [-U PEER_UDP] PORT
 *   burst_usrsctp client [-e BYTES] [-t SECONDS] [-u UDP] [-U PEER_UDP]
 *                        HOST PORT N
 *
 * The server accepts on PORT, echoes and closes at EOF, and exits once N
 * connections closed (or on SIGTERM); it prints "listening" when ready and
 * "accepted=... closed=... max_open=... accept_errors=0" at the end.  The
 * client opens N non-blocking associations at once and prints burst.c's
 * lines (total_s, connect_ms, echo).  The initial RTO is set to 1 s, as
 * RFC 9260 and withsctp have it (FreeBSD's stack, and so usrsctp, use
 * 3 s), so "over900" means a retransmission here too.
 *
 * usrsctp reports socket readiness through upcalls on its own threads:
 * they only queue the socket, and the main thread does the work.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <usrsctp.h>

#include "burst_report.h"

#define MAX_ECHO 4096
#define HARVEST_EVERY 64
#define SERVER_MAX 65536 /* connections a server without -n serves */

static void die(const char *what)
{
	fprintf(stderr, "burst_usrsctp: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void usage(void)
{
	fprintf(stderr, "usage: burst_usrsctp server [-b BACKLOG] [-n N] "
			"[-u UDP] [-U PEER_UDP] PORT\n"
			"       burst_usrsctp client [-e BYTES] [-t SECONDS] "
			"[-u UDP] [-U PEER_UDP] HOST PORT N\n");
	exit(2);
}

/* ---- what the upcalls queue ---- */

enum { C_FREE, C_CONNECTING, C_ECHOING, C_DONE, C_FAILED, C_OPEN };

typedef struct conn {
	struct socket *so;
	int state;
	bool queued; /* under q.lock */
	uint16_t got;
	double t_start, t_conn, t_echo;
} conn;

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	long *ring; /* conn indexes; -1 is the listener */
	size_t cap, head, count;
	bool listener_queued;
} q = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static conn *conns;
static long nconns;

static void q_init(size_t cap)
{
	q.cap = cap + 1;
	q.ring = calloc(q.cap, sizeof(*q.ring));
	if (!q.ring)
		die("calloc");
}

/* Each socket is queued once until the main thread takes it, so the ring
 * never holds more than the sockets plus the listener. */
static void upcall(struct socket *so, void *arg, int flags)
{
	long i = (long)(intptr_t)arg;
	(void)so;
	(void)flags;
	pthread_mutex_lock(&q.lock);
	bool *queued = i < 0 ? &q.listener_queued : &conns[i].queued;
	if (!*queued && q.count < q.cap) {
		*queued = true;
		q.ring[(q.head + q.count++) % q.cap] = i;
		pthread_cond_signal(&q.cond);
	}
	pthread_mutex_unlock(&q.lock);
}

/* Takes one queued index, waiting up to ms (0: not at all).  Returns
 * false when none came. */
static bool q_take(long *out, int ms)
{
	pthread_mutex_lock(&q.lock);
	if (!q.count && ms > 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += ms / 1000;
		ts.tv_nsec += (long)(ms % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		while (!q.count &&
		       pthread_cond_timedwait(&q.cond, &q.lock, &ts) == 0)
			;
	}
	bool got = q.count > 0;
	if (got) {
		*out = q.ring[q.head];
		q.head = (q.head + 1) % q.cap;
		q.count--;
		if (*out < 0)
			q.listener_queued = false;
		else
			conns[*out].queued = false;
	}
	pthread_mutex_unlock(&q.lock);
	return got;
}

/* ---- common setup ---- */

static uint16_t udp_port = 9899, peer_udp = 9899;

static void stack_init(void)
{
	usrsctp_init(udp_port, NULL, NULL);
	usrsctp_sysctl_set_sctp_rto_initial_default(1000);
	usrsctp_sysctl_set_sctp_blackhole(2);
}

/* Waits (bounded) for the associations still closing, then stops. */
static void stack_finish(void)
{
	for (int i = 0; i < 100 && usrsctp_finish() != 0; i++)
		usleep(100000);
}

static struct socket *new_socket(long idx)
{
	struct socket *so = usrsctp_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP,
					   NULL, NULL, 0, NULL);
	if (!so)
		return NULL;
	struct sctp_udpencaps enc = {.sue_port = htons(peer_udp)};
	enc.sue_address.ss_family = AF_INET;
	if (usrsctp_set_non_blocking(so, 1) < 0 ||
	    usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT,
			       &enc, sizeof(enc)) < 0 ||
	    usrsctp_set_upcall(so, upcall, (void *)(intptr_t)idx) < 0) {
		usrsctp_close(so);
		return NULL;
	}
	return so;
}

static int parse_v4(const char *host, const char *port, struct sockaddr_in *sin)
{
	char *end;
	unsigned long p = strtoul(port, &end, 10);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)p);
	if (*port == '\0' || *end || p > 65535 ||
	    inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -1;
	return 0;
}

static bool common_opt(int opt)
{
	switch (opt) {
	case 'u':
		udp_port = (uint16_t)atoi(optarg);
		return true;
	case 'U':
		peer_udp = (uint16_t)atoi(optarg);
		return true;
	default:
		return false;
	}
}

/* ---- server ---- */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static struct {
	struct socket *lso;
	long accepted, closed, open, max_open, accept_errors, limit;
} srv = {.limit = -1};

static void srv_echo(long i)
{
	conn *c = &conns[i];
	char buf[MAX_ECHO];
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from), il = 0;
		unsigned int it = 0;
		int mf = 0;
		ssize_t n = usrsctp_recvv(c->so, buf, sizeof(buf),
					  (struct sockaddr *)&from, &fl, NULL,
					  &il, &it, &mf);
		if (n < 0 && (errno == EWOULDBLOCK || errno == EAGAIN))
			return;
		if (n <= 0) {
			usrsctp_set_upcall(c->so, NULL, NULL);
			usrsctp_close(c->so);
			c->so = NULL;
			c->state = C_DONE;
			srv.closed++;
			srv.open--;
			return;
		}
		usrsctp_sendv(c->so, buf, (size_t)n, NULL, 0, NULL, 0,
			      SCTP_SENDV_NOINFO, 0);
	}
}

static void srv_accept(void)
{
	while (nconns < SERVER_MAX) {
		struct socket *so = usrsctp_accept(srv.lso, NULL, NULL);
		if (!so) {
			if (errno != EWOULDBLOCK && errno != EAGAIN)
				srv.accept_errors++;
			return;
		}
		long i = nconns++;
		conns[i].so = so;
		conns[i].state = C_OPEN;
		srv.accepted++;
		if (++srv.open > srv.max_open)
			srv.max_open = srv.open;
		usrsctp_set_non_blocking(so, 1);
		usrsctp_set_upcall(so, upcall, (void *)(intptr_t)i);
		/* Data may have come before the upcall was set. */
		upcall(so, (void *)(intptr_t)i, 0);
	}
}

static int do_server(int argc, char **argv)
{
	int backlog = 65535, opt;
	while ((opt = getopt(argc, argv, "b:n:u:U:")) != -1) {
		if (common_opt(opt))
			continue;
		if (opt == 'b')
			backlog = atoi(optarg);
		else if (opt == 'n')
			srv.limit = atol(optarg);
		else
			usage();
	}
	if (argc - optind != 1)
		usage();
	struct sockaddr_in sin;
	if (parse_v4("0.0.0.0", argv[optind], &sin) < 0)
		usage();
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	size_t cap = srv.limit > 0 && srv.limit < SERVER_MAX ? (size_t)srv.limit
							     : SERVER_MAX;
	conns = calloc(cap, sizeof(*conns));
	if (!conns)
		die("calloc");
	q_init(cap + 1);
	stack_init();
	srv.lso = new_socket(-1);
	if (!srv.lso)
		die("usrsctp_socket");
	if (usrsctp_bind(srv.lso, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("usrsctp_bind");
	if (usrsctp_listen(srv.lso, backlog) < 0)
		die("usrsctp_listen");
	printf("listening\n");
	fflush(stdout);
	upcall(srv.lso, (void *)(intptr_t)-1, 0);
	while (!stop && (srv.limit < 0 || srv.closed < srv.limit)) {
		long i;
		if (!q_take(&i, 200))
			continue;
		if (i < 0)
			srv_accept();
		else if (conns[i].so)
			srv_echo(i);
	}
	printf("accepted=%ld closed=%ld max_open=%ld accept_errors=%ld\n",
	       srv.accepted, srv.closed, srv.max_open, srv.accept_errors);
	fflush(stdout);
	usrsctp_close(srv.lso);
	for (long i = 0; i < nconns; i++)
		if (conns[i].so)
			usrsctp_close(conns[i].so);
	stack_finish();
	return 0;
}

/* ---- client ---- */

static struct {
	long n, pending, connected, failed, echo_ok, echo_failed;
	size_t echo;
	char pattern[MAX_ECHO];
} cl;

static void cl_fail(conn *c)
{
	if (c->state == C_CONNECTING)
		cl.failed++;
	else
		cl.echo_failed++;
	c->state = C_FAILED;
	cl.pending--;
}

static void cl_read(conn *c, double t)
{
	char buf[MAX_ECHO];
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from), il = 0;
		unsigned int it = 0;
		int mf = 0;
		ssize_t n = usrsctp_recvv(c->so, buf, cl.echo - c->got,
					  (struct sockaddr *)&from, &fl, NULL,
					  &il, &it, &mf);
		if (n < 0 && (errno == EWOULDBLOCK || errno == EAGAIN))
			return;
		if (n <= 0 || memcmp(buf, cl.pattern + c->got, (size_t)n)) {
			cl_fail(c);
			return;
		}
		c->got = (uint16_t)(c->got + n);
		if (c->got == cl.echo) {
			c->t_echo = t;
			c->state = C_DONE;
			cl.echo_ok++;
			cl.pending--;
			return;
		}
	}
}

static void cl_event(long i)
{
	conn *c = &conns[i];
	double t = burst_now_s();
	int ev = usrsctp_get_events(c->so);
	if (c->state == C_CONNECTING) {
		if (ev & SCTP_EVENT_ERROR) {
			cl_fail(c);
			return;
		}
		if (!(ev & SCTP_EVENT_WRITE))
			return;
		c->t_conn = t;
		cl.connected++;
		if (!cl.echo) {
			c->state = C_DONE;
			cl.pending--;
			return;
		}
		c->state = C_ECHOING;
		if (usrsctp_sendv(c->so, cl.pattern, cl.echo, NULL, 0, NULL, 0,
				  SCTP_SENDV_NOINFO, 0) != (ssize_t)cl.echo) {
			cl_fail(c);
			return;
		}
	}
	if (c->state == C_ECHOING &&
	    (ev & (SCTP_EVENT_READ | SCTP_EVENT_ERROR)))
		cl_read(c, t);
}

static void cl_harvest(int ms)
{
	long i;
	while (q_take(&i, ms)) {
		cl_event(i);
		ms = 0;
	}
}

static void cl_start(long i, const struct sockaddr_in *to)
{
	conn *c = &conns[i];
	c->t_start = burst_now_s();
	c->state = C_CONNECTING;
	cl.pending++;
	c->so = new_socket(i);
	if (!c->so) {
		cl_fail(c);
		return;
	}
	if (usrsctp_connect(c->so, (struct sockaddr *)to, sizeof(*to)) < 0 &&
	    errno != EINPROGRESS) {
		cl_fail(c);
		return;
	}
	upcall(c->so, (void *)(intptr_t)i, 0);
}

static void cl_report(double total, double issue)
{
	double *v = malloc(sizeof(double) * (size_t)cl.n);
	long k = 0, over = 0, unfinished = 0;
	if (!v)
		die("malloc");
	for (long i = 0; i < cl.n; i++) {
		unfinished += conns[i].state == C_CONNECTING;
		if (conns[i].t_conn == 0)
			continue;
		v[k] = conns[i].t_conn - conns[i].t_start;
		over += v[k] > 0.9;
		k++;
	}
	printf("total_s=%.3f issue_s=%.3f connected=%ld failed=%ld "
	       "over900=%ld\n",
	       total, issue, cl.connected, cl.failed + unfinished, over);
	burst_print_dist("connect_ms", v, k);
	if (cl.failed + cl.echo_failed + unfinished)
		printf("errors: failed=%ld echo_failed=%ld unfinished=%ld\n",
		       cl.failed, cl.echo_failed, unfinished);
	if (cl.echo) {
		k = 0;
		for (long i = 0; i < cl.n; i++)
			if (conns[i].t_echo != 0)
				v[k++] = conns[i].t_echo - conns[i].t_conn;
		printf("echo ok=%ld failed=%ld", cl.echo_ok,
		       cl.echo_failed +
			   (cl.connected - cl.echo_ok - cl.echo_failed));
		burst_print_dist(" ms", v, k);
	}
	fflush(stdout);
	free(v);
}

static int do_client(int argc, char **argv)
{
	double limit = 60;
	int opt;
	while ((opt = getopt(argc, argv, "e:t:u:U:")) != -1) {
		if (common_opt(opt))
			continue;
		if (opt == 'e') {
			cl.echo = (size_t)atol(optarg);
			if (cl.echo > MAX_ECHO)
				usage();
		} else if (opt == 't') {
			limit = atof(optarg);
		} else {
			usage();
		}
	}
	if (argc - optind != 3)
		usage();
	struct sockaddr_in to;
	if (parse_v4(argv[optind], argv[optind + 1], &to) < 0)
		usage();
	cl.n = atol(argv[optind + 2]);
	if (cl.n <= 0)
		usage();
	for (size_t i = 0; i < sizeof(cl.pattern); i++)
		cl.pattern[i] = (char)('a' + i % 26);
	conns = calloc((size_t)cl.n, sizeof(*conns));
	if (!conns)
		die("calloc");
	nconns = cl.n;
	q_init((size_t)cl.n);
	stack_init();
	double t0 = burst_now_s(), end = t0 + limit;
	for (long i = 0; i < cl.n; i++) {
		cl_start(i, &to);
		if (i % HARVEST_EVERY == HARVEST_EVERY - 1)
			cl_harvest(0);
	}
	double issue = burst_now_s() - t0;
	while (cl.pending > 0) {
		double left = end - burst_now_s();
		if (left <= 0)
			break;
		cl_harvest(left > 0.2 ? 200 : (int)(left * 1e3) + 1);
	}
	cl_report(burst_now_s() - t0, issue);
	bool ok = cl.connected == cl.n && (!cl.echo || cl.echo_ok == cl.n);
	for (long i = 0; i < cl.n; i++)
		if (conns[i].so) {
			usrsctp_set_upcall(conns[i].so, NULL, NULL);
			usrsctp_close(conns[i].so);
		}
	stack_finish();
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(argv[1], "server"))
		return do_server(argc - 1, argv + 1);
	if (!strcmp(argv[1], "client"))
		return do_client(argc - 1, argv + 1);
	usage();
	return 2;
}
