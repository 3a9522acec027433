/*
 * hint.c - when a converted connect fails, say whether the other side is
 * probably a plain TCP server (issue 9, item 8).
 *
 * A converted client that meets a server not running under withsctp gets
 * no SCTP answer: ECONNREFUSED (the peer's stack or daemon refused the
 * INIT, or its UDP port is closed) or ETIMEDOUT.  Left there, the user sees
 * "Connection refused" from a server that works for everyone else.  So the
 * shim tries the same address and port once over TCP; if a TCP server
 * answers, one line on standard error says so and how to leave the port on
 * TCP.  The probe is a plain connect, closed at once (the server may log a
 * short connection), made at most once per destination per process and
 * never for a connect that succeeded.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shim.h"

/* A TCP server on a reachable host answers a SYN within a round trip;
 * this bounds the wait when nothing answers at all. */
#define PROBE_MS 1000
#define SEEN_MAX 16

static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static wsp_addr seen[SEEN_MAX];
static unsigned nseen;

/* True the first time dest is asked about. */
static bool first_time(const wsp_addr *dest)
{
	bool first = true;
	pthread_mutex_lock(&seen_lock);
	for (unsigned i = 0; i < nseen && i < SEEN_MAX; i++)
		if (memcmp(&seen[i], dest, sizeof(*dest)) == 0)
			first = false;
	if (first)
		seen[nseen++ % SEEN_MAX] = *dest;
	pthread_mutex_unlock(&seen_lock);
	return first;
}

/* True when a TCP server accepts a connection at sa within PROBE_MS. */
static bool tcp_answers(const struct sockaddr *sa, socklen_t len)
{
	int fd = shim_libc.socket(sa->sa_family,
				  SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
				  IPPROTO_TCP);
	if (fd < 0)
		return false;
	shim_fd_set(fd, SHIM_FD_PLAIN);
	bool up = false;
	if (shim_libc.connect(fd, sa, len) == 0) {
		up = true;
	} else if (errno == EINPROGRESS) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int err = 1;
		socklen_t el = sizeof(err);
		if (poll(&p, 1, PROBE_MS) == 1 &&
		    shim_libc.getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) ==
			0)
			up = err == 0;
	}
	shim_libc.close(fd);
	shim_fd_set(fd, SHIM_FD_UNKNOWN);
	return up;
}

void shim_hint_failed_connect(const wsp_addr *dest, int err)
{
	if ((err != ECONNREFUSED && err != ETIMEDOUT) || !dest->family ||
	    !dest->port || !first_time(dest))
		return;
	int saved = errno;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	shim_wsp_to_sa(dest, dest->family, (struct sockaddr *)&ss, &len);
	if (tcp_answers((struct sockaddr *)&ss, len)) {
		char host[INET6_ADDRSTRLEN] = "?";
		inet_ntop(dest->family, dest->ip, host, sizeof(host));
		unsigned port = dest->port;
		char msg[500];
		snprintf(msg, sizeof(msg),
			 "%s port %u: no SCTP answer (%s), but a TCP server "
			 "answers there: it is probably not running under "
			 "withsctp. To reach it over TCP, leave the port out: "
			 "withsctp -p 'all,!%u' (or WITHSCTP_PORTS, or ports "
			 "in withsctp.conf)",
			 host, port, strerror(err), port);
		shim_warn(msg);
	}
	errno = saved;
}
