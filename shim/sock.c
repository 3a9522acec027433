/*
 * sock.c - socket, bind, listen, connect and accept for converted TCP
 * sockets (DESIGN.md §3).  Everything else passes to libc untouched: a
 * socket() that is not TCP costs one comparison, and calls on other fds
 * one getsockname() to tell them from emulated sockets.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "shim.h"

/* ---- helpers ---- */

static bool is_tcp_type(int domain, int type, int protocol)
{
	return (domain == AF_INET || domain == AF_INET6) &&
	       (type & 0xf) == SOCK_STREAM &&
	       (protocol == 0 || protocol == IPPROTO_TCP);
}

/* A new socket of the daemon's, of `kind` (enum wsp_kind), with the
 * flags of `type`; fd_kind is its entry in the fd table. */
int shim_daemon_socket(int domain, int type, int kind, int fd_kind)
{
	const shim_conf *sc = shim_conf_get();
	wsp_req q = {.op = WSP_SOCKET,
		     .family = domain,
		     .kind = kind,
		     .params = sc->params};
	wsp_rep rep;
	int fd;

	if (shim_ctl_call(&q, -1, &rep, &fd, (type & SOCK_CLOEXEC) != 0) < 0)
		return -1;
	if (rep.err || fd < 0) {
		if (fd >= 0)
			close(fd);
		/* The daemon does not serve us, or is out of descriptors
		 * for us (its per-user cap): nothing the program could
		 * know or fix from the errno alone. */
		if (rep.err == EACCES || rep.err == ENFILE)
			shim_warn(rep.msg);
		errno = rep.err ? rep.err : EPROTO;
		return -1;
	}
	if ((type & SOCK_NONBLOCK) && fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	shim_fd_set(fd, fd_kind);
	if (kind != WSP_K_TCP)
		shim_native_own(fd);
	return fd;
}

static int emulated_socket(int domain, int type)
{
	return shim_daemon_socket(domain, type, WSP_K_TCP, SHIM_FD_EMULATED);
}

/* A socket the shim leaves alone. */
static int plain_socket(int domain, int type, int protocol)
{
	int fd = shim_libc.socket(domain, type, protocol);
	shim_fd_set(fd, SHIM_FD_PLAIN);
	return fd;
}

int shim_socket(int domain, int type, int protocol)
{
	/* A program's own SCTP socket: the kernel's when it has SCTP and the
	 * configuration lets it (engine auto or kernel), else native. */
	if (shim_is_sctp_type(domain, type, protocol) &&
	    shim_conf_get()->mode == SHIM_EMBEDDED)
		return shim_native_socket(domain, type);
	if (!is_tcp_type(domain, type, protocol))
		return plain_socket(domain, type, protocol);
	const shim_conf *sc = shim_conf_get();
	if (sc->mode == SHIM_OFF) {
		errno = EINVAL;
		return -1;
	}
	/* With port rules (exclusions included: "all, !22") the port is not
	 * known yet: a plain TCP socket, replaced at bind, connect or listen
	 * when its port matches. */
	if (!sc->convert_at_socket) {
		int fd = shim_libc.socket(domain, type, protocol);
		shim_fd_set(fd, SHIM_FD_CANDIDATE);
		return fd;
	}
	if (sc->mode == SHIM_KERNEL) {
		int fd = shim_libc.socket(domain, type, IPPROTO_SCTP);
		shim_fd_set(fd, SHIM_FD_KERNEL);
		return fd;
	}
	return emulated_socket(domain, type);
}

/* A plain TCP socket not yet bound nor connected, created before its port
 * was known: the one case where the file behind the number is swapped
 * (DESIGN.md §3). */
static bool convertible(int fd)
{
	int v[3] = {0};
	socklen_t l = sizeof(int);
	int saved = errno;
	bool ok =
	    shim_libc.getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v[0], &l) == 0 &&
	    shim_libc.getsockopt(fd, SOL_SOCKET, SO_TYPE, &v[1], &l) == 0 &&
	    shim_libc.getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v[2], &l) == 0 &&
	    is_tcp_type(v[0], v[1], v[2]);
	if (ok) {
		struct sockaddr_in6 a;
		socklen_t al = sizeof(a);
		ok = shim_libc.getsockname(fd, (struct sockaddr *)&a, &al) ==
			 0 &&
		     a.sin6_port == 0;
	}
	errno = saved;
	return ok;
}

static int convert(int fd)
{
	const shim_conf *sc = shim_conf_get();
	int domain = 0;
	socklen_t l = sizeof(domain);
	shim_libc.getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &l);
	int fdfl = fcntl(fd, F_GETFD);
	int fl = fcntl(fd, F_GETFL);
	int type = SOCK_STREAM;
	if (fdfl >= 0 && (fdfl & FD_CLOEXEC))
		type |= SOCK_CLOEXEC;
	if (fl >= 0 && (fl & O_NONBLOCK))
		type |= SOCK_NONBLOCK;
	int nfd = sc->mode == SHIM_KERNEL
		      ? shim_libc.socket(domain, type, IPPROTO_SCTP)
		      : emulated_socket(domain, type);
	if (nfd < 0)
		return -1;
	int rc = shim_libc.dup3(nfd, fd, (type & SOCK_CLOEXEC) ? O_CLOEXEC : 0);
	int e = errno;
	shim_libc.close(nfd);
	shim_fd_set(nfd, SHIM_FD_UNKNOWN);
	shim_fd_set(fd, sc->mode == SHIM_KERNEL ? SHIM_FD_KERNEL
						: SHIM_FD_EMULATED);
	errno = e;
	return rc < 0 ? -1 : 0;
}

/* 1: fd is (now) emulated; 0: leave it to libc; -1: error. */
static int claim(int fd, const struct sockaddr *sa, socklen_t len)
{
	if (!sa || len < sizeof(sa_family_t) ||
	    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return shim_is_emulated(fd) ? 1 : 0;
	/* A socket seen made as anything but a TCP socket awaiting its port
	 * (UDP, a kernel SCTP socket...) is never converted: no question
	 * asked, no system call. */
	int known = shim_fd_get(fd);
	if (known == SHIM_FD_PLAIN || known == SHIM_FD_KERNEL)
		return 0;
	if (known != SHIM_FD_CANDIDATE && shim_is_emulated(fd))
		return 1;
	const shim_conf *sc = shim_conf_get();
	wsp_addr w;
	if (sc->mode == SHIM_OFF || shim_sa_to_wsp(sa, len, &w) < 0 ||
	    !wsconf_port_converted(&sc->c, w.port) || !convertible(fd))
		return 0;
	if (convert(fd) < 0)
		return -1;
	return sc->mode == SHIM_EMBEDDED ? 1 : 0;
}

static int sock_call(int fd, wsp_req *q, wsp_rep *rep)
{
	if (shim_ctl_call(q, fd, rep, NULL, false) < 0)
		return -1;
	if (rep->err) {
		errno = rep->err;
		return -1;
	}
	return 0;
}

/* ---- the calls ---- */

int shim_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	int c = claim(fd, sa, len);
	if (c <= 0)
		return c < 0 ? -1 : shim_libc.bind(fd, sa, len);
	wsp_req q = {.op = WSP_BIND};
	wsp_rep rep;
	if (shim_sa_to_wsp(sa, len, &q.addr) < 0)
		return -1;
	return sock_call(fd, &q, &rep);
}

/* listen() on a TCP socket awaiting its port and never bound: the kernel
 * would give it an ephemeral port, so it is converted when the rules
 * convert sockets with no port yet (port 0: "all", "all, !22").  Same
 * answers as claim(). */
static int claim_unbound(int fd)
{
	const shim_conf *sc = shim_conf_get();
	if (shim_fd_get(fd) != SHIM_FD_CANDIDATE || sc->mode == SHIM_OFF ||
	    !wsconf_port_converted(&sc->c, 0) || !convertible(fd))
		return 0;
	if (convert(fd) < 0)
		return -1;
	return sc->mode == SHIM_EMBEDDED ? 1 : 0;
}

int shim_listen(int fd, int backlog)
{
	int c = shim_is_emulated(fd) ? 1 : claim_unbound(fd);
	if (c <= 0)
		return c < 0 ? -1 : shim_libc.listen(fd, backlog);
	wsp_req q = {.op = WSP_LISTEN, .arg = backlog};
	wsp_rep rep;
	if (shim_native_kind(fd))
		shim_native_forget(fd);
	return sock_call(fd, &q, &rep);
}

/* The connect made the app end's send buffer tiny so that it stays
 * unwritable until the outcome (DESIGN.md §3): give the program its own
 * back.  The daemon does it too at the next request carrying the fd, with
 * the privilege to go past net.core.wmem_max. */
static void restore_sndbuf(int fd, int app_sndbuf)
{
	int v = app_sndbuf / 2; /* Linux doubles what is set */
	if (v <= 0)
		return;
	if (shim_libc.setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v,
				 sizeof(v)) < 0)
		shim_libc.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
}

/* Waits for the outcome of a connect on a blocking socket: the app end
 * becomes writable once the association is up or has failed.  Like the
 * kernel, honours SO_SNDTIMEO (EINPROGRESS) and signals (EINTR). */
int shim_connect_wait(int fd, int app_sndbuf)
{
	struct timeval tv = {0};
	socklen_t l = sizeof(tv);
	int ms = -1;
	if (shim_libc.getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &l) == 0 &&
	    (tv.tv_sec || tv.tv_usec))
		ms = (int)(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
	struct pollfd p = {.fd = fd, .events = POLLOUT | POLLRDHUP};
	int r = poll(&p, 1, ms);
	if (r < 0)
		return -1; /* EINTR: the association keeps coming up */
	if (r == 0) {
		errno = EINPROGRESS;
		return -1;
	}
	/* On failure the daemon shuts our read side before it makes the
	 * socket writable: writable alone means up, without asking. */
	if (p.revents == POLLOUT) {
		restore_sndbuf(fd, app_sndbuf);
		return 0;
	}
	int err = 0;
	socklen_t el = sizeof(err);
	if (shim_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		return -1;
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

int shim_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	if (shim_native_kind(fd))
		return shim_native_connect(fd, sa, len);
	int c = claim(fd, sa, len);
	if (c <= 0)
		return c < 0 ? -1 : shim_libc.connect(fd, sa, len);
	wsp_req q = {.op = WSP_CONNECT};
	wsp_rep rep;
	if (shim_sa_to_wsp(sa, len, &q.addr) < 0)
		return -1;
	if (sock_call(fd, &q, &rep) < 0)
		return -1;
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK)) {
		errno = EINPROGRESS;
		return -1;
	}
	return shim_connect_wait(fd, rep.val);
}

/* True when the emulated socket fd listens; else false with errno
 * EINVAL (or the control call's error). */
static bool listening(int fd)
{
	wsp_req q = {.op = WSP_QUERY};
	wsp_rep rep;
	if (sock_call(fd, &q, &rep) < 0)
		return false;
	if (rep.state != WSP_ST_LISTEN) {
		errno = EINVAL;
		return false;
	}
	return true;
}

int shim_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags,
		 bool is_accept4)
{
	if (!shim_is_emulated(fd)) {
		int nfd = is_accept4 ? shim_libc.accept4(fd, sa, len, flags)
				     : shim_libc.accept(fd, sa, len);
		/* Accepted from a kernel SCTP listener: kernel SCTP too. */
		shim_fd_set(nfd, shim_fd_get(fd) == SHIM_FD_KERNEL
				     ? SHIM_FD_KERNEL
				     : SHIM_FD_PLAIN);
		return nfd;
	}
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
		errno = EINVAL;
		return -1;
	}
	/* Linux sctp_accept(): one-to-one sockets only. */
	int nk = shim_native_kind(fd);
	if (nk == SHIM_FD_NATIVE_MANY || nk == SHIM_FD_NATIVE_PEELED) {
		errno = EOPNOTSUPP;
		return -1;
	}
	wsp_accept rec;
	int nfd;
	int cloexec = (flags & SOCK_CLOEXEC) ? MSG_CMSG_CLOEXEC : 0;
	/* libc's recvmsg: the shim's own serves native messages. */
	ssize_t n =
	    wsp_recv_fd_via(shim_libc.recvmsg, fd, &rec, sizeof(rec), &nfd,
			    MSG_DONTWAIT | MSG_WAITALL | cloexec, NULL);
	if (n < 0 && errno == EAGAIN) {
		/* Nothing queued: only now ask whether the socket listens
		 * at all (accept on one that does not is EINVAL, at once). */
		if (!listening(fd))
			return -1;
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0 && (fl & O_NONBLOCK)) {
			errno = EAGAIN;
			return -1;
		}
		/* The listener's own SO_RCVTIMEO and signals apply, as they
		 * do to accept(). */
		n = wsp_recv_fd_via(shim_libc.recvmsg, fd, &rec, sizeof(rec),
				    &nfd, MSG_WAITALL | cloexec, NULL);
	}
	if (n < 0)
		return -1;
	if (n != (ssize_t)sizeof(rec) || rec.magic != WSP_MAGIC || nfd < 0) {
		if (nfd >= 0)
			close(nfd);
		/* EOF: the daemon is gone. */
		errno = n == 0 ? ECONNABORTED : EPROTO;
		return -1;
	}
	if ((flags & SOCK_NONBLOCK) && fcntl(nfd, F_SETFL, O_NONBLOCK) < 0) {
		close(nfd);
		return -1;
	}
	bool native = shim_native_kind(fd) != 0;
	shim_fd_set(nfd, native ? SHIM_FD_NATIVE : SHIM_FD_EMULATED);
	if (native)
		shim_native_own(nfd);
	/* The daemon writes the peer in the listener's family (IPv4
	 * v4-mapped on an AF_INET6 socket). */
	if (sa && len)
		shim_wsp_to_sa(&rec.peer, rec.peer.family, sa, len);
	return nfd;
}

int shim_shutdown(int fd, int how)
{
	int kind = shim_native_kind(fd);
	if (!kind)
		return shim_libc.shutdown(fd, how);
	return shim_native_shutdown(fd, kind, how);
}
