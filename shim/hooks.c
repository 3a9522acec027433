/*
 * hooks.c - the only symbols libwithsctp.so exports: one-line wrappers
 * with libc's names, each calling the shim's logic.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/socket.h>
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
