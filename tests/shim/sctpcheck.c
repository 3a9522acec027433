/*
 * sctpcheck.c - the Linux kernel's SCTP socket API, one named test per
 * behaviour (issue 11, proof 4; /work/shared/NATIVE-API.md), for the native
 * sockets withsctp(1) emulates.  A plain libsctp program: run under
 * withsctp, each test prints "ok NAME" or "FAIL NAME: what differed".
 *
 *   sctpcheck list          the tests' names
 *   sctpcheck NAME PORT     runs one test, SCTP ports PORT..PORT+9
 *   sctpcheck all PORT      runs every test, each in its own process and
 *                           on its own ports (test i: PORT+10*i..), since
 *                           an association closing after a test's exit
 *                           keeps its port a while
 *
 * Exit status: 0 when every test run passed, 1 otherwise, 2 on bad usage.
 * Each test is bounded by alarm(10) and waits with poll timeouts; without
 * an SCTP socket (a kernel without SCTP, not under withsctp) each fails at
 * once with the errno of socket().  The tests are in sctpcheck_*.c.
 */
#define _GNU_SOURCE
#include "sctpcheck.h"

#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_SECONDS 10

static const char *test_name = "?";
static int base_port;

typedef struct test {
	const char *name;
	void (*fn)(void);
} test;

#define SCTPCHECK_ENTRY(n) {#n, t_##n},
static const test tests[] = {SCTPCHECK_TESTS(SCTPCHECK_ENTRY)};
#define NTESTS (sizeof(tests) / sizeof(tests[0]))

void fail(const char *fmt, ...)
{
	va_list ap;
	printf("FAIL %s: ", test_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

const char *ename(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "?";
}

long sys_(long r, const char *what)
{
	if (r < 0)
		fail("%s: %s", what, ename(errno));
	return r;
}

static void on_alarm(int sig)
{
	static const char msg[] = ": timed out after 10 s\n";
	(void)sig;
	/* Only async-signal-safe calls here. */
	if (write(1, "FAIL ", 5) < 0 ||
	    write(1, test_name, strlen(test_name)) < 0 ||
	    write(1, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

/* ---- sockets ---- */

int port(int n)
{
	return base_port + n;
}

socklen_t loop_addr(addr *a, int fam, int n)
{
	memset(a, 0, sizeof(*a));
	if (fam == AF_INET6) {
		a->in6.sin6_family = AF_INET6;
		a->in6.sin6_port = htons((uint16_t)port(n));
		a->in6.sin6_addr = in6addr_loopback;
		return sizeof(a->in6);
	}
	a->in.sin_family = AF_INET;
	a->in.sin_port = htons((uint16_t)port(n));
	a->in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(a->in);
}

int sk(int fam, int type)
{
	int fd = socket(fam, type, IPPROTO_SCTP);
	if (fd < 0)
		fail("socket(%s, %s, IPPROTO_SCTP): %s",
		     fam == AF_INET6 ? "AF_INET6" : "AF_INET",
		     (type & 0xf) == SOCK_STREAM ? "SOCK_STREAM"
						 : "SOCK_SEQPACKET",
		     ename(errno));
	return fd;
}

int sk_bound(int fam, int type, int n)
{
	int fd = sk(fam, type);
	addr a;
	socklen_t l = loop_addr(&a, fam, n);
	if (bind(fd, &a.sa, l) < 0)
		fail("bind to port %d: %s", port(n), ename(errno));
	return fd;
}

int sk_listen(int fam, int type, int n)
{
	int fd = sk_bound(fam, type, n);
	SYS(listen(fd, 16));
	return fd;
}

void sk_connect(int fd, int fam, int n)
{
	addr a;
	socklen_t l = loop_addr(&a, fam, n);
	if (connect(fd, &a.sa, l) < 0)
		fail("connect to port %d: %s", port(n), ename(errno));
}

void o2o_pair(int fam, int n, int *lis, int *cli, int *srv)
{
	*lis = sk_listen(fam, SOCK_STREAM, n);
	*cli = sk(fam, SOCK_STREAM);
	sk_connect(*cli, fam, n);
	*srv = SYS(accept(*lis, NULL, NULL));
}

int get_int(int fd, int level, int name)
{
	int v = -1;
	socklen_t l = sizeof(v);
	SYS(getsockopt(fd, level, name, &v, &l));
	EXPECT_EQ(l, sizeof(v));
	return v;
}

void set_int(int fd, int level, int name, int v)
{
	SYS(setsockopt(fd, level, name, &v, sizeof(v)));
}

void subscribe(int fd, uint16_t type)
{
	struct sctp_event ev = {.se_assoc_id = 0, .se_type = type, .se_on = 1};
	SYS(setsockopt(fd, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev)));
}

void subscribe_assoc_io(int fd)
{
	struct sctp_event_subscribe es;
	memset(&es, 0, sizeof(es));
	es.sctp_data_io_event = 1;
	es.sctp_association_event = 1;
	SYS(setsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, &es, sizeof(es)));
}

short revents(int fd, short ev, int ms)
{
	struct pollfd p = {.fd = fd, .events = ev};
	int r = poll(&p, 1, ms);
	if (r < 0)
		fail("poll: %s", ename(errno));
	return r > 0 ? p.revents : 0;
}

bool wait_ev(int fd, short ev, int ms)
{
	return revents(fd, ev, ms) & ev;
}

sctp_assoc_t assoc_id(int fd)
{
	int type = get_int(fd, SOL_SOCKET, SO_TYPE);
	if (type == SOCK_STREAM) {
		struct sctp_status st;
		socklen_t l = sizeof(st);
		memset(&st, 0, sizeof(st));
		SYS(getsockopt(fd, IPPROTO_SCTP, SCTP_STATUS, &st, &l));
		return st.sstat_assoc_id;
	}
	struct {
		struct sctp_assoc_ids ids;
		sctp_assoc_t more[8];
	} u;
	socklen_t l = sizeof(u);
	SYS(getsockopt(fd, IPPROTO_SCTP, SCTP_GET_ASSOC_ID_LIST, &u, &l));
	EXPECT(u.ids.gaids_number_of_ids == 1, "expected 1 association, got %u",
	       u.ids.gaids_number_of_ids);
	return u.ids.gaids_assoc_id[0];
}

rmsg rcv(int fd, void *buf, size_t len, int flags)
{
	rmsg m;
	char cbuf[512];
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr h = {
	    .msg_name = &m.from,
	    .msg_namelen = sizeof(m.from),
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	    .msg_control = cbuf,
	    .msg_controllen = sizeof(cbuf),
	};
	memset(&m, 0, sizeof(m));
	if (!(flags & MSG_DONTWAIT) && !wait_ev(fd, POLLIN, WAIT_MS))
		fail("nothing to read after %d ms", WAIT_MS);
	m.n = recvmsg(fd, &h, flags);
	if (m.n < 0)
		fail("recvmsg: %s", ename(errno));
	m.flags = h.msg_flags;
	m.fromlen = h.msg_namelen;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
		m.ncmsg++;
		if (c->cmsg_level != IPPROTO_SCTP)
			continue;
		if (c->cmsg_type == SCTP_SNDRCV) {
			EXPECT_EQ(c->cmsg_len, CMSG_LEN(sizeof(m.sndrcv)));
			memcpy(&m.sndrcv, CMSG_DATA(c), sizeof(m.sndrcv));
			m.has_sndrcv = true;
		} else if (c->cmsg_type == SCTP_RCVINFO) {
			EXPECT_EQ(c->cmsg_len, CMSG_LEN(sizeof(m.rcv)));
			memcpy(&m.rcv, CMSG_DATA(c), sizeof(m.rcv));
			m.has_rcvinfo = true;
		} else if (c->cmsg_type == SCTP_NXTINFO) {
			EXPECT_EQ(c->cmsg_len, CMSG_LEN(sizeof(m.nxt)));
			memcpy(&m.nxt, CMSG_DATA(c), sizeof(m.nxt));
			m.has_nxtinfo = true;
		}
	}
	return m;
}

union sctp_notification *rcv_notif(int fd)
{
	static char buf[4096];
	rmsg m = rcv(fd, buf, sizeof(buf), 0);
	EXPECT(m.flags & MSG_NOTIFICATION,
	       "expected a notification, got %zd bytes of data", m.n);
	/* sctp_recvmsg in net/sctp/socket.c: a notification read whole
	 * carries MSG_NOTIFICATION|MSG_EOR. */
	EXPECT(m.flags & MSG_EOR, "notification without MSG_EOR (flags %#x)",
	       m.flags);
	union sctp_notification *sn = (void *)buf;
	EXPECT_EQ(m.n, sn->sn_header.sn_length);
	return sn;
}

union sctp_notification *wait_notif(int fd, uint16_t type, int state)
{
	char seen[256] = "";
	for (int i = 0; i < 10; i++) {
		union sctp_notification *sn = rcv_notif(fd);
		if (sn->sn_header.sn_type == type &&
		    (state < 0 || sn->sn_assoc_change.sac_state == state))
			return sn;
		size_t l = strlen(seen);
		snprintf(seen + l, sizeof(seen) - l, " %#x",
			 sn->sn_header.sn_type);
		if (sn->sn_header.sn_type == SCTP_ASSOC_CHANGE) {
			l = strlen(seen);
			snprintf(seen + l, sizeof(seen) - l, "/state %d",
				 sn->sn_assoc_change.sac_state);
		}
	}
	fail("notification %#x (state %d) not among the next 10:%s", type,
	     state, seen);
}

ssize_t snd(int fd, const void *buf, size_t len, const addr *to,
	    socklen_t tolen, const struct sctp_sndrcvinfo *sinfo, int flags)
{
	char cbuf[CMSG_SPACE(sizeof(*sinfo))];
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr h = {
	    .msg_name = (void *)to,
	    .msg_namelen = to ? tolen : 0,
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	};
	if (sinfo) {
		memset(cbuf, 0, sizeof(cbuf));
		h.msg_control = cbuf;
		h.msg_controllen = sizeof(cbuf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&h);
		c->cmsg_level = IPPROTO_SCTP;
		c->cmsg_type = SCTP_SNDRCV;
		c->cmsg_len = CMSG_LEN(sizeof(*sinfo));
		memcpy(CMSG_DATA(c), sinfo, sizeof(*sinfo));
	}
	return sendmsg(fd, &h, flags);
}

void expect_msg(int fd, const char *want)
{
	char buf[4096];
	size_t wl = strlen(want);
	rmsg m = rcv(fd, buf, sizeof(buf), 0);
	EXPECT(!(m.flags & MSG_NOTIFICATION),
	       "expected data \"%s\", got a notification", want);
	EXPECT(m.n == (ssize_t)wl && memcmp(buf, want, wl) == 0,
	       "expected \"%s\", got %zd bytes \"%.*s\"", want, m.n,
	       (int)(m.n > 0 ? m.n : 0), buf);
	EXPECT(m.flags & MSG_EOR, "\"%s\" without MSG_EOR (flags %#x)", want,
	       m.flags);
}

/* ---- driver ---- */

static const test *find(const char *name)
{
	for (size_t i = 0; i < NTESTS; i++)
		if (strcmp(tests[i].name, name) == 0)
			return &tests[i];
	return NULL;
}

static int run_one(const test *t)
{
	test_name = t->name;
	/* A send on a broken association raises SIGPIPE; the tests that
	 * check it install their own handler. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm(TEST_SECONDS);
	t->fn();
	alarm(0);
	printf("ok %s\n", t->name);
	fflush(stdout);
	return 0;
}

/* Every test in its own process (this program again, so that each starts
 * with the shim's state fresh), one after the other. */
static int run_all(int first_port)
{
	int failed = 0;
	for (size_t i = 0; i < NTESTS; i++) {
		char portstr[16];
		snprintf(portstr, sizeof(portstr), "%d",
			 first_port + 10 * (int)i);
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			char *argv[] = {"sctpcheck", (char *)tests[i].name,
					portstr, NULL};
			execv("/proc/self/exe", argv);
			_exit(127);
		}
		int st;
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0) {
			if (!WIFEXITED(st))
				printf("FAIL %s: killed by signal %d\n",
				       tests[i].name, WTERMSIG(st));
			failed++;
		}
	}
	printf("%zu tests, %d failed\n", NTESTS, failed);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		for (size_t i = 0; i < NTESTS; i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	if (argc != 3 || atoi(argv[2]) <= 0 || atoi(argv[2]) > 65526) {
		fprintf(stderr,
			"usage: sctpcheck list | NAME PORT | all PORT\n");
		return 2;
	}
	base_port = atoi(argv[2]);
	if (strcmp(argv[1], "all") == 0) {
		if (base_port + 10 * (int)NTESTS > 65535) {
			fprintf(stderr, "sctpcheck: all needs %zu ports\n",
				10 * NTESTS);
			return 2;
		}
		return run_all(base_port);
	}
	const test *t = find(argv[1]);
	if (!t) {
		fprintf(stderr, "sctpcheck: no test %s (sctpcheck list)\n",
			argv[1]);
		return 2;
	}
	return run_one(t);
}
