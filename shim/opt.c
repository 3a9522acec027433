/*
 * opt.c - getsockname, getpeername, getsockopt and setsockopt on emulated
 * sockets (DESIGN.md §3, addresses and options).  The daemon holds the
 * answers; timeouts stay on the app end, where the kernel applies them to
 * the program's own reads and writes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <netinet/tcp.h>
#include <string.h>

#include "shim.h"

/* Options the kernel applies to the app end itself. */
static bool native_opt(int level, int name)
{
	return level == SOL_SOCKET &&
	       (name == SO_RCVTIMEO_OLD || name == SO_SNDTIMEO_OLD ||
		name == SO_RCVTIMEO_NEW || name == SO_SNDTIMEO_NEW ||
		name == SO_RCVLOWAT || name == SO_SNDLOWAT ||
		name == SO_PASSCRED || name == SO_PEERCRED ||
		name == SO_COOKIE || name == SO_BINDTODEVICE ||
		name == SO_TIMESTAMP_OLD || name == SO_PRIORITY ||
		name == SO_MARK);
}

int shim_getname(int fd, struct sockaddr *sa, socklen_t *len, bool peer)
{
	if (!shim_is_emulated(fd))
		return peer ? shim_libc.getpeername(fd, sa, len)
			    : shim_libc.getsockname(fd, sa, len);
	wsp_req q = {.op = WSP_QUERY};
	wsp_rep rep;
	if (shim_ctl_call(&q, fd, &rep, NULL, false) < 0)
		return -1;
	if (rep.err == ENOTSOCK) {
		/* A stale entry of the fd table (fdtab.c), or a socket the
		 * daemon forgot after its peer closed: then, as on a closed
		 * TCP socket, there is no peer. */
		shim_fd_set(fd, SHIM_FD_UNKNOWN);
		if (peer && shim_is_emulated(fd)) {
			errno = ENOTCONN;
			return -1;
		}
		return peer ? shim_libc.getpeername(fd, sa, len)
			    : shim_libc.getsockname(fd, sa, len);
	}
	if (rep.err) {
		errno = rep.err;
		return -1;
	}
	const wsp_addr *a = peer ? &rep.peer : &rep.local;
	if (peer &&
	    (rep.state != WSP_ST_ESTABLISHED && rep.state != WSP_ST_CLOSING)) {
		errno = ENOTCONN;
		return -1;
	}
	if (!len) {
		errno = EFAULT;
		return -1;
	}
	shim_wsp_to_sa(a, rep.family, sa, len);
	return 0;
}

/* Kernel-engine sockets: TCP_NODELAY means SCTP_NODELAY there. */
static int kernel_opt(int *level, int *name)
{
	if (*level == IPPROTO_TCP && *name == TCP_NODELAY) {
		*level = IPPROTO_SCTP;
		*name = SCTP_NODELAY;
		return 1;
	}
	return 0;
}

/* Whether fd is a kernel SCTP socket: known from the fd table, probed
 * only for an fd the shim has not seen made (inherited, received). */
static bool is_kernel_sctp(int fd)
{
	int kind = shim_fd_get(fd);
	if (kind != SHIM_FD_UNKNOWN)
		return kind == SHIM_FD_KERNEL;
	int proto = 0;
	socklen_t l = sizeof(proto);
	int saved = errno;
	bool yes = shim_libc.getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto,
					&l) == 0 &&
		   proto == IPPROTO_SCTP;
	errno = saved;
	return yes;
}

int shim_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	if (level == SOL_SCTP && shim_native_kind(fd))
		return shim_native_getsockopt(fd, name, val, len);
	if (level == IPPROTO_TCP && name == TCP_NODELAY && is_kernel_sctp(fd))
		kernel_opt(&level, &name);
	if (native_opt(level, name) || !shim_is_emulated(fd))
		return shim_libc.getsockopt(fd, level, name, val, len);
	if (!len || !val) {
		errno = EFAULT;
		return -1;
	}
	wsp_req q = {.op = WSP_GETOPT, .arg = level, .name = name};
	wsp_rep rep;
	if (shim_ctl_call(&q, fd, &rep, NULL, false) < 0)
		return -1;
	if (rep.err == ENOTSOCK) {
		/* A native socket the daemon forgot once its association
		 * ended: its SO_ERROR was given; the kernel's on the channel
		 * (ECONNRESET from the close) is not the program's. */
		bool was_native = shim_native_kind(fd) != 0;
		shim_fd_set(fd, SHIM_FD_UNKNOWN);
		int r = shim_libc.getsockopt(fd, level, name, val, len);
		if (r == 0 && was_native && level == SOL_SOCKET &&
		    name == SO_ERROR && *len >= sizeof(int)) {
			int zero = 0;
			memcpy(val, &zero, sizeof(zero));
		}
		return r;
	}
	if (rep.err) {
		errno = rep.err;
		return -1;
	}
	socklen_t n = rep.len < *len ? rep.len : *len;
	memcpy(val, rep.val_buf, n);
	*len = n;
	if (level == SOL_SOCKET && name == SO_ERROR &&
	    (rep.flags & WSP_RF_CONNECT_FAILED) && rep.len == sizeof(int)) {
		int err;
		memcpy(&err, rep.val_buf, sizeof(err));
		shim_hint_failed_connect(&rep.peer, err);
	}
	return 0;
}

int shim_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	if (level == SOL_SCTP && shim_native_kind(fd))
		return shim_native_setsockopt(fd, name, val, len);
	if (level == IPPROTO_TCP && name == TCP_NODELAY && is_kernel_sctp(fd))
		kernel_opt(&level, &name);
	if (native_opt(level, name) || !shim_is_emulated(fd))
		return shim_libc.setsockopt(fd, level, name, val, len);
	if (shim_native_kind(fd))
		shim_native_forget(fd); /* SO_SNDBUF... */
	if (len > WSP_OPT_MAX || (len && !val)) {
		errno = len > WSP_OPT_MAX ? EINVAL : EFAULT;
		return -1;
	}
	wsp_req q = {.op = WSP_SETOPT, .arg = level, .name = name, .len = len};
	memcpy(q.val, val, len);
	wsp_rep rep;
	if (shim_ctl_call(&q, fd, &rep, NULL, false) < 0)
		return -1;
	if (rep.err == ENOTSOCK) {
		shim_fd_set(fd, SHIM_FD_UNKNOWN);
		return shim_libc.setsockopt(fd, level, name, val, len);
	}
	if (rep.err) {
		errno = rep.err;
		return -1;
	}
	return 0;
}
