/*
 * intruder.c - a user that tries to act, through sctpd's control socket
 * (lib/control/wsproto.h), on sockets it does not hold (DESIGN.md §3, capability).
 * Run as another user than the daemon's by tests/bats/shim.bats.
 *
 *   intruder CONTROL refused        the daemon does not serve this user:
 *                                   WSP_SOCKET, WSP_LIST and WSP_STOP are
 *                                   refused with EACCES and a clear message
 *   intruder CONTROL foreign NAME   the daemon serves everyone (--allow-all);
 *                                   NAME ("wsctp:PID:SEQ", from
 *                                   /proc/net/unix) is another user's socket:
 *                                   requests with no fd, with a socketpair
 *                                   end, or with a socket bound to a
 *                                   look-alike name are answered ENOTSOCK;
 *                                   connect() to NAME fails; WSP_LIST shows
 *                                   none of the other user's sockets;
 *                                   WSP_STOP is refused.
 *
 * CONTROL is "@NAME" (abstract) or a path.  One line per check; the first
 * failed check prints "FAIL - ..." and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "wsproto.h"

static const char *ename(int e)
{
	const char *n = e ? strerrorname_np(e) : "0";
	return n ? n : "?";
}

static const char *op_name(uint32_t op)
{
	static const char *const names[] = {
	    "?",	  "WSP_HELLO",	 "WSP_SOCKET", "WSP_BIND",
	    "WSP_LISTEN", "WSP_CONNECT", "WSP_QUERY",  "WSP_GETOPT",
	    "WSP_SETOPT", "WSP_LIST",	 "WSP_STOP"};
	return op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

static int ctl_connect(const char *control)
{
	int fd = wsp_control_connect(control, 0);
	EXPECT(fd >= 0, "connect to the control socket %s: %s", control,
	       strerror(errno));
	return fd;
}

/* Sends q (with fd_in as SCM_RIGHTS unless -1) and reads datagrams until
 * the wsp_rep; *nstat counts the wsp_stat datagrams before it and
 * *foreign those of another uid.  A returned fd goes to *fd_out, or is
 * closed when fd_out is NULL. */
static void call(int ctl, wsp_req *q, int fd_in, wsp_rep *rep, int *nstat,
		 int *foreign, int *fd_out)
{
	q->magic = WSP_MAGIC;
	snprintf(q->comm, sizeof(q->comm), "intruder");
	EXPECT(wsp_send_fd(ctl, q, sizeof(*q), fd_in, MSG_NOSIGNAL) ==
		   (ssize_t)sizeof(*q),
	       "sendmsg %s: %s", op_name(q->op), strerror(errno));
	for (;;) {
		union {
			wsp_rep rep;
			wsp_stat st;
		} u;
		int got;
		ssize_t n = wsp_recv_fd(ctl, &u, sizeof(u), &got,
					MSG_CMSG_CLOEXEC, NULL);
		EXPECT(n > 0, "%s: expected an answer, got %s", op_name(q->op),
		       n == 0 ? "EOF" : strerror(errno));
		if (got >= 0) {
			if (fd_out)
				*fd_out = got;
			else
				close(got);
		}
		if (n == (ssize_t)sizeof(wsp_stat)) { /* != sizeof(wsp_rep) */
			if (nstat)
				(*nstat)++;
			if (foreign && u.st.uid != getuid())
				(*foreign)++;
			continue;
		}
		EXPECT(n == (ssize_t)sizeof(*rep) && u.rep.magic == WSP_MAGIC,
		       "%s: expected a wsp_rep of %zu bytes, got %zd bytes",
		       op_name(q->op), sizeof(*rep), n);
		*rep = u.rep;
		rep->msg[sizeof(rep->msg) - 1] = '\0';
		return;
	}
}

/* The request op is refused with want (EACCES, EPERM) and a message. */
static void expect_refused(int ctl, uint32_t op, int want)
{
	wsp_req q = {.op = op, .family = AF_INET};
	wsp_rep rep;
	call(ctl, &q, -1, &rep, NULL, NULL, NULL);
	EXPECT(rep.err == want, "%s: expected %s, got %s (%s)", op_name(op),
	       ename(want), ename(rep.err), rep.msg);
	EXPECT(rep.msg[0], "%s: expected a message with %s", op_name(op),
	       ename(want));
	pass("%s refused: %s: %s", op_name(op), ename(rep.err), rep.msg);
}

static int cmd_refused(int ctl)
{
	expect_refused(ctl, WSP_SOCKET, EACCES);
	expect_refused(ctl, WSP_LIST, EACCES);
	expect_refused(ctl, WSP_STOP, EACCES);
	return 0;
}

/* Every request about a socket, with fd (or none): ENOTSOCK. */
static void expect_notsock(int ctl, int fd, const char *what)
{
	static const uint32_t ops[] = {WSP_QUERY, WSP_GETOPT, WSP_SETOPT,
				       WSP_BIND,  WSP_LISTEN, WSP_CONNECT};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		wsp_req q = {
		    .op = ops[i], .arg = SOL_SOCKET, .name = SO_LINGER};
		wsp_rep rep;
		/* SO_LINGER {1, 0} would abort; bind/connect a real port. */
		if (ops[i] == WSP_SETOPT) {
			int lg[2] = {1, 0};
			q.len = sizeof(lg);
			memcpy(q.val, lg, sizeof(lg));
		}
		q.addr.family = AF_INET;
		q.addr.port = 9;
		q.addr.ip[0] = 127;
		q.addr.ip[3] = 1;
		call(ctl, &q, fd, &rep, NULL, NULL, NULL);
		EXPECT(rep.err == ENOTSOCK,
		       "%s %s: expected ENOTSOCK, got %s (%s)", op_name(ops[i]),
		       what, ename(rep.err), rep.msg);
		EXPECT(rep.state == 0 && rep.local.family == 0 &&
			   rep.peer.family == 0,
		       "%s %s: expected no socket state in the answer, got "
		       "state %d, local family %u, peer family %u",
		       op_name(ops[i]), what, rep.state, rep.local.family,
		       rep.peer.family);
	}
	pass("requests %s: all ENOTSOCK", what);
}

_Static_assert(sizeof(wsp_stat) != sizeof(wsp_rep),
	       "a listing tells its records from the answer by size");

static int cmd_foreign(int ctl, const char *name)
{
	EXPECT(!strncmp(name, WSP_SOCK_PREFIX, WSP_SOCK_PREFIX_LEN),
	       "'%s' is not a withsctp socket name (" WSP_SOCK_PREFIX
	       "PID:SEQ)",
	       name);
	/* Served: it gets its own sockets, so what follows is not a
	 * refusal of the user. */
	wsp_req q = {.op = WSP_SOCKET, .family = AF_INET};
	wsp_rep rep;
	int mine = -1;
	call(ctl, &q, -1, &rep, NULL, NULL, &mine);
	EXPECT(rep.err == 0 && mine >= 0,
	       "WSP_SOCKET with --allow-all: expected 0 and an fd, got %s (%s)",
	       ename(rep.err), rep.msg);
	pass("served: WSP_SOCKET gives this user a socket");

	expect_notsock(ctl, -1, "with no fd");

	int sv[2];
	EXPECT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair: %s",
	       strerror(errno));
	expect_notsock(ctl, sv[0], "with a socketpair end");

	/* The other user's name itself is taken; a look-alike of the same
	 * daemon (same PID, another SEQ) is not. */
	char at[120];
	struct sockaddr_un sun;
	snprintf(at, sizeof(at), "@%s", name);
	socklen_t len = wsp_control_sockaddr(at, &sun);
	int x = socket(AF_UNIX, SOCK_STREAM, 0);
	EXPECT(x >= 0, "socket: %s", strerror(errno));
	int r = bind(x, (struct sockaddr *)&sun, len);
	EXPECT(r < 0 && errno == EADDRINUSE,
	       "bind to the other user's name @%s: expected EADDRINUSE, got %s",
	       name, r == 0 ? "0" : ename(errno));
	pass("bind to @%s: EADDRINUSE", name);
	char pid[32] = "0";
	sscanf(name + WSP_SOCK_PREFIX_LEN, "%31[0-9]", pid);
	snprintf(at, sizeof(at), "@" WSP_SOCK_PREFIX "%s:%d", pid,
		 900000 + (int)getpid());
	len = wsp_control_sockaddr(at, &sun);
	r = bind(x, (struct sockaddr *)&sun, len);
	EXPECT(r == 0, "bind to the look-alike name %s: %s", at,
	       strerror(errno));
	char what[160];
	snprintf(what, sizeof(what), "with a socket bound to %s", at);
	expect_notsock(ctl, x, what);

	/* Nobody can connect to an emulated socket's name. */
	snprintf(at, sizeof(at), "@%s", name);
	len = wsp_control_sockaddr(at, &sun);
	static const int types[] = {SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int c = socket(AF_UNIX, types[i], 0);
		EXPECT(c >= 0, "socket: %s", strerror(errno));
		r = connect(c, (struct sockaddr *)&sun, len);
		EXPECT(r < 0,
		       "connect (type %d) to the other user's socket "
		       "@%s: expected to fail, it succeeded",
		       types[i], name);
		pass("connect (type %d) to @%s: %s", types[i], name,
		     ename(errno));
		close(c);
	}

	/* The listing shows only this user's sockets. */
	int nstat = 0, foreign = 0;
	wsp_req l = {.op = WSP_LIST};
	call(ctl, &l, -1, &rep, &nstat, &foreign, NULL);
	EXPECT(rep.err == 0, "WSP_LIST: expected 0, got %s (%s)",
	       ename(rep.err), rep.msg);
	EXPECT(nstat - foreign >= 1,
	       "WSP_LIST: expected this user's own socket listed, got %d "
	       "records",
	       nstat);
	EXPECT(foreign == 0,
	       "WSP_LIST: expected none of another user's sockets, got %d of "
	       "%d",
	       foreign, nstat);
	pass("WSP_LIST: %d socket(s), all this user's", nstat);

	expect_refused(ctl, WSP_STOP, EPERM);
	return 0;
}

int main(int argc, char **argv)
{
	check_who = "intruder";
	if (argc >= 3 && !strcmp(argv[2], "refused") && argc == 3)
		return cmd_refused(ctl_connect(argv[1]));
	if (argc == 4 && !strcmp(argv[2], "foreign"))
		return cmd_foreign(ctl_connect(argv[1]), argv[3]);
	fprintf(stderr, "usage: intruder CONTROL refused\n"
			"       intruder CONTROL foreign wsctp:PID:SEQ\n");
	return 2;
}
