/*
 * ctl.c - the process's control connection to sctpd (wsproto.h).
 *
 * DESIGN.md §3: it must survive programs that close every fd they did not
 * open (xinetd does) or dup2 over it, so it is checked by its SO_COOKIE
 * before each use and reopened when the number now holds something else;
 * after fork the child opens its own.  It is close-on-exec and lives high
 * in the fd table, away from the numbers programs expect to get.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "shim.h"

#define CTL_TIMEOUT_MS 10000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int ctl_fd = -1;
static pid_t ctl_daemon; /* the daemon's pid, from the last connection */
static pid_t ctl_pid;
static uint64_t ctl_cookie;
static bool warned;

static void atfork_prepare(void)
{
	pthread_mutex_lock(&mu);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&mu);
}

static void atfork_child(void)
{
	pthread_mutex_init(&mu, NULL);
	ctl_pid = 0; /* the connection is the parent's */
}

static void atfork_register(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* The handlers must be in place before the first connection exists: a
 * constructor that runs before the shim's may open one and then fork. */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

__attribute__((constructor)) static void ctl_init(void)
{
	pthread_once(&atfork_once, atfork_register);
}

static uint64_t cookie_of(int fd)
{
	uint64_t c = 0;
	socklen_t l = sizeof(c);
	if (shim_libc.getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &l) < 0)
		return 0;
	return c;
}

/* The lowest number the connection may take: half the fd limit. */
static int fd_floor(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < 128)
		return 64;
	rlim_t f = rl.rlim_cur / 2;
	return f > 4096 ? 4096 : (int)f;
}

static int ctl_open(void)
{
	const shim_conf *sc = shim_conf_get();
	const char *control = sc->c.control;
	struct sockaddr_un sun;
	socklen_t len = wsp_control_sockaddr(control, &sun);
	int fd = shim_libc.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (shim_libc.connect(fd, (struct sockaddr *)&sun, len) < 0) {
		int e = errno;
		close(fd);
		if (!warned) {
			warned = true;
			char msg[400];
			snprintf(msg, sizeof(msg),
				 "cannot reach sctpd at %s: %s; start it with "
				 "withsctp(1) or sctpd(8), or set "
				 "WITHSCTP_CONTROL to where it listens",
				 control, strerror(e));
			shim_warn(msg);
		}
		errno = ECONNREFUSED;
		return -1;
	}
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, fd_floor());
	if (hi >= 0) {
		close(fd);
		fd = hi;
	}
	/* An answer takes microseconds: the timeout only bounds a wedged
	 * daemon. */
	struct timeval tv = {CTL_TIMEOUT_MS / 1000, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ctl_fd = fd;
	ctl_pid = getpid();
	ctl_cookie = cookie_of(fd);
	struct ucred uc;
	socklen_t ul = sizeof(uc);
	if (shim_libc.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &ul) == 0)
		__atomic_store_n(&ctl_daemon, uc.pid, __ATOMIC_RELAXED);
	return 0;
}

pid_t shim_ctl_daemon(void)
{
	return __atomic_load_n(&ctl_daemon, __ATOMIC_RELAXED);
}

static int ctl_ensure(void)
{
	if (ctl_fd >= 0) {
		bool mine = cookie_of(ctl_fd) == ctl_cookie;
		if (mine && ctl_pid != 0)
			return 0;
		/* After fork the inherited copy is the parent's: drop ours
		 * of it, unless the number now holds the program's file. */
		if (mine)
			close(ctl_fd);
		ctl_fd = -1;
	}
	return ctl_open();
}

static int exchange(wsp_req *q, int fd_in, wsp_rep *rep, int *fd_out,
		    bool cloexec)
{
	ssize_t n;
	do
		n = wsp_send_fd(ctl_fd, q, sizeof(*q), fd_in, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EPIPE || errno == ECONNRESET ? -2 : -1;
	int got;
	do
		n = wsp_recv_fd(ctl_fd, rep, sizeof(*rep), &got,
				cloexec ? MSG_CMSG_CLOEXEC : 0, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		errno = ETIMEDOUT;
	if (n != (ssize_t)sizeof(*rep) || rep->magic != WSP_MAGIC) {
		if (got >= 0)
			close(got);
		if (n >= 0)
			errno = n == 0 ? ECONNRESET : EPROTO;
		return -1;
	}
	if (fd_out)
		*fd_out = got;
	else if (got >= 0)
		close(got);
	return 0;
}

int shim_ctl_call(wsp_req *q, int fd_in, wsp_rep *rep, int *fd_out,
		  bool cloexec)
{
	int saved = errno;
	int rc;

	q->magic = WSP_MAGIC;
	snprintf(q->comm, sizeof(q->comm), "%s", program_invocation_short_name);
	if (fd_out)
		*fd_out = -1;
	pthread_once(&atfork_once, atfork_register);
	pthread_mutex_lock(&mu);
	rc = ctl_ensure();
	if (rc == 0) {
		rc = exchange(q, fd_in, rep, fd_out, cloexec);
		if (rc == -2) {
			/* The request never left: the daemon that held the
			 * connection is gone (a restart).  Once more, on a
			 * new connection. */
			close(ctl_fd);
			ctl_fd = -1;
			rc = ctl_open();
			if (rc == 0)
				rc = exchange(q, fd_in, rep, fd_out, cloexec);
		}
		if (rc < 0 && ctl_fd >= 0) {
			/* The daemon went away: forget the connection so the
			 * next call reconnects (or says it cannot). */
			int e = errno;
			close(ctl_fd);
			ctl_fd = -1;
			char msg[200];
			snprintf(msg, sizeof(msg), "lost sctpd: %s",
				 strerror(e));
			shim_warn(msg);
			errno = e == EPIPE ? ECONNRESET : e;
		}
	}
	pthread_mutex_unlock(&mu);
	if (rc == 0)
		errno = saved;
	return rc < 0 ? -1 : 0;
}
