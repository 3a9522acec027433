/*
 * hooks.c - the only symbols libwithsctp.so exports: one-line wrappers
 * with libc's names, each calling the shim's logic.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "shim.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT int socket(int domain, int type, int protocol)
{
	return shim_socket(domain, type, protocol);
}

EXPORT int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	return shim_bind(fd, sa, len);
}

EXPORT int listen(int fd, int backlog)
{
	return shim_listen(fd, backlog);
}

EXPORT int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	return shim_connect(fd, sa, len);
}

EXPORT int accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	return shim_accept4(fd, sa, len, 0, false);
}

EXPORT int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	return shim_accept4(fd, sa, len, flags, true);
}

EXPORT int shutdown(int fd, int how)
{
	return shim_shutdown(fd, how);
}

EXPORT int getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	return shim_getname(fd, sa, len, false);
}

EXPORT int getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	return shim_getname(fd, sa, len, true);
}

EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	return shim_getsockopt(fd, level, name, val, len);
}

EXPORT int setsockopt(int fd, int level, int name, const void *val,
		      socklen_t len)
{
	return shim_setsockopt(fd, level, name, val, len);
}

EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
	int rc = shim_libc.socketpair(domain, type, protocol, sv);
	if (rc == 0) {
		shim_fd_set(sv[0], SHIM_FD_PLAIN);
		shim_fd_set(sv[1], SHIM_FD_PLAIN);
	}
	return rc;
}

EXPORT int close(int fd)
{
	shim_fd_set(fd, SHIM_FD_UNKNOWN);
	return shim_libc.close(fd);
}

/* dup() gives the lowest free number, whose entry a close the shim did
 * not see (fclose) may have left: the new fd is what the old one is. */
EXPORT int dup(int fd)
{
	int rc = shim_libc.dup(fd);
	if (rc >= 0)
		shim_fd_set(rc, shim_fd_get(fd));
	return rc;
}

EXPORT int dup2(int oldfd, int newfd)
{
	int rc = shim_libc.dup2(oldfd, newfd);
	if (rc >= 0 && oldfd != newfd)
		shim_fd_set(newfd, shim_fd_get(oldfd));
	return rc;
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	int rc = shim_libc.dup3(oldfd, newfd, flags);
	if (rc >= 0)
		shim_fd_set(newfd, shim_fd_get(oldfd));
	return rc;
}

/* ---- native message path (msg.c) ---- */

EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return shim_sendmsg(fd, msg, flags);
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	return shim_recvmsg(fd, msg, flags);
}

EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	return shim_send(fd, buf, len, flags);
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags,
		      const struct sockaddr *sa, socklen_t salen)
{
	return shim_sendto(fd, buf, len, flags, sa, salen);
}

EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	return shim_recv(fd, buf, len, flags);
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
			struct sockaddr *sa, socklen_t *salen)
{
	return shim_recvfrom(fd, buf, len, flags, sa, salen);
}

EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	return shim_read(fd, buf, len);
}

EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	return shim_write(fd, buf, len);
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	return shim_readv(fd, iov, iovcnt);
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	return shim_writev(fd, iov, iovcnt);
}

EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	return shim_sendmmsg(fd, vec, vlen, flags);
}

EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
		    struct timespec *timeout)
{
	return shim_recvmmsg(fd, vec, vlen, flags, timeout);
}

/* The fortified forms glibc 2.36 exports for these (<bits/unistd.h>,
 * <bits/socket2.h>): programs built with _FORTIFY_SOURCE call them.  Its
 * headers declare them only under _FORTIFY_SOURCE. */
EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen);
EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen,
			  int flags);
EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen,
			      int flags, struct sockaddr *sa, socklen_t *salen);

EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	return shim_read_chk(fd, buf, len, buflen);
}

EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen,
			  int flags)
{
	return shim_recv_chk(fd, buf, len, buflen, flags);
}

EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen,
			      int flags, struct sockaddr *sa, socklen_t *salen)
{
	return shim_recvfrom_chk(fd, buf, len, buflen, flags, sa, salen);
}
