/*
 * real.c - the libc functions the shim wraps (shim_libc in shim.h).
 *
 * A hook can run before this library's constructors: the constructors of
 * the libraries a program links run before those of a preloaded library
 * (ld.so initialises dependencies first, and a preloaded library comes
 * before the program's own in the search list), and libcap-ng's calls
 * close() in its own.  So shim_libc is a constant table, filled at link
 * time, of trampolines that bind their libc function on first use; the
 * constructor below only binds them all early so that later calls never
 * reach dlsym.
 *
 * Binding takes no lock of ours: every thread that races to bind a
 * function finds the same address and stores it atomically, so nothing
 * can be left held by a fork, in a constructor or anywhere else.  dlsym
 * takes ld.so's own recursive lock and may call malloc; should anything it
 * runs come back into a hook in the same thread (a malloc interposer that
 * closes a file, a signal handler), or should the function not be found,
 * the trampoline makes the system call itself instead of calling an
 * unbound pointer.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "shim.h"

enum {
	R_SOCKET,
	R_BIND,
	R_LISTEN,
	R_CONNECT,
	R_ACCEPT,
	R_ACCEPT4,
	R_GETSOCKNAME,
	R_GETPEERNAME,
	R_GETSOCKOPT,
	R_SETSOCKOPT,
	R_SOCKETPAIR,
	R_CLOSE,
	R_SHUTDOWN,
	R_DUP2,
	R_DUP3,
	R_DUP,
	R_READ,
	R_WRITE,
	R_READV,
	R_WRITEV,
	R_SEND,
	R_SENDTO,
	R_RECV,
	R_RECVFROM,
	R_SENDMSG,
	R_RECVMSG,
	R_SENDMMSG,
	R_RECVMMSG,
	R_READ_CHK,
	R_RECV_CHK,
	R_RECVFROM_CHK,
	R_COUNT
};

static const char *const names[R_COUNT] = {
    [R_SOCKET] = "socket",
    [R_BIND] = "bind",
    [R_LISTEN] = "listen",
    [R_CONNECT] = "connect",
    [R_ACCEPT] = "accept",
    [R_ACCEPT4] = "accept4",
    [R_GETSOCKNAME] = "getsockname",
    [R_GETPEERNAME] = "getpeername",
    [R_GETSOCKOPT] = "getsockopt",
    [R_SETSOCKOPT] = "setsockopt",
    [R_SOCKETPAIR] = "socketpair",
    [R_CLOSE] = "close",
    [R_SHUTDOWN] = "shutdown",
    [R_DUP2] = "dup2",
    [R_DUP3] = "dup3",
    [R_DUP] = "dup",
    [R_READ] = "read",
    [R_WRITE] = "write",
    [R_READV] = "readv",
    [R_WRITEV] = "writev",
    [R_SEND] = "send",
    [R_SENDTO] = "sendto",
    [R_RECV] = "recv",
    [R_RECVFROM] = "recvfrom",
    [R_SENDMSG] = "sendmsg",
    [R_RECVMSG] = "recvmsg",
    [R_SENDMMSG] = "sendmmsg",
    [R_RECVMMSG] = "recvmmsg",
    [R_READ_CHK] = "__read_chk",
    [R_RECV_CHK] = "__recv_chk",
    [R_RECVFROM_CHK] = "__recvfrom_chk",
};

static void *bound[R_COUNT];

/* Set while this thread is inside dlsym/dlopen for us.  initial-exec: a
 * library loaded with the program has its TLS in the static block, so
 * reaching it never calls malloc (__tls_get_addr may). */
static __thread bool binding __attribute__((tls_model("initial-exec")));

static void *lookup(const char *name)
{
	/* RTLD_NEXT: the definition after ours, libc's or that of another
	 * preloaded wrapper, which then keeps working. */
	void *p = dlsym(RTLD_NEXT, name);
	if (!p) {
		/* libc itself preloaded before the shim comes earlier in
		 * the lookup order than RTLD_NEXT searches. */
		void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
		if (libc)
			p = dlsym(libc, name);
	}
	return p;
}

/* libc's function i, bound now if it is not yet; NULL when it cannot be
 * (not found, or asked again from inside the binding). */
static void *fn(int i)
{
	void *p = __atomic_load_n(&bound[i], __ATOMIC_ACQUIRE);
	if (p || binding)
		return p;
	binding = true;
	p = lookup(names[i]);
	binding = false;
	if (p)
		__atomic_store_n(&bound[i], p, __ATOMIC_RELEASE);
	return p;
}

/* ---- the trampolines: libc's function, else the system call ---- */

static int t_socket(int domain, int type, int protocol)
{
	int (*f)(int, int, int) = fn(R_SOCKET);
	return f ? f(domain, type, protocol)
		 : (int)syscall(SYS_socket, domain, type, protocol);
}

static int t_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	int (*f)(int, const struct sockaddr *, socklen_t) = fn(R_BIND);
	return f ? f(fd, sa, len) : (int)syscall(SYS_bind, fd, sa, len);
}

static int t_listen(int fd, int backlog)
{
	int (*f)(int, int) = fn(R_LISTEN);
	return f ? f(fd, backlog) : (int)syscall(SYS_listen, fd, backlog);
}

static int t_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	int (*f)(int, const struct sockaddr *, socklen_t) = fn(R_CONNECT);
	return f ? f(fd, sa, len) : (int)syscall(SYS_connect, fd, sa, len);
}

static int t_accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	int (*f)(int, struct sockaddr *, socklen_t *) = fn(R_ACCEPT);
	/* accept4 with no flags: accept has no system call of its own on
	 * every architecture. */
	return f ? f(fd, sa, len) : (int)syscall(SYS_accept4, fd, sa, len, 0);
}

static int t_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	int (*f)(int, struct sockaddr *, socklen_t *, int) = fn(R_ACCEPT4);
	return f ? f(fd, sa, len, flags)
		 : (int)syscall(SYS_accept4, fd, sa, len, flags);
}

static int t_getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	int (*f)(int, struct sockaddr *, socklen_t *) = fn(R_GETSOCKNAME);
	return f ? f(fd, sa, len) : (int)syscall(SYS_getsockname, fd, sa, len);
}

static int t_getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	int (*f)(int, struct sockaddr *, socklen_t *) = fn(R_GETPEERNAME);
	return f ? f(fd, sa, len) : (int)syscall(SYS_getpeername, fd, sa, len);
}

static int t_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	int (*f)(int, int, int, void *, socklen_t *) = fn(R_GETSOCKOPT);
	return f ? f(fd, level, name, val, len)
		 : (int)syscall(SYS_getsockopt, fd, level, name, val, len);
}

static int t_setsockopt(int fd, int level, int name, const void *val,
			socklen_t len)
{
	int (*f)(int, int, int, const void *, socklen_t) = fn(R_SETSOCKOPT);
	return f ? f(fd, level, name, val, len)
		 : (int)syscall(SYS_setsockopt, fd, level, name, val, len);
}

static int t_socketpair(int domain, int type, int protocol, int sv[2])
{
	int (*f)(int, int, int, int[2]) = fn(R_SOCKETPAIR);
	return f ? f(domain, type, protocol, sv)
		 : (int)syscall(SYS_socketpair, domain, type, protocol, sv);
}

static int t_close(int fd)
{
	int (*f)(int) = fn(R_CLOSE);
	return f ? f(fd) : (int)syscall(SYS_close, fd);
}

static int t_shutdown(int fd, int how)
{
	int (*f)(int, int) = fn(R_SHUTDOWN);
	return f ? f(fd, how) : (int)syscall(SYS_shutdown, fd, how);
}

static int t_dup2(int oldfd, int newfd)
{
	int (*f)(int, int) = fn(R_DUP2);
	if (f)
		return f(oldfd, newfd);
#ifdef SYS_dup2
	return (int)syscall(SYS_dup2, oldfd, newfd);
#else
	/* dup2(2): with equal numbers, only check that oldfd is open. */
	if (oldfd == newfd)
		return syscall(SYS_fcntl, oldfd, F_GETFD) < 0 ? -1 : newfd;
	return (int)syscall(SYS_dup3, oldfd, newfd, 0);
#endif
}

static int t_dup3(int oldfd, int newfd, int flags)
{
	int (*f)(int, int, int) = fn(R_DUP3);
	return f ? f(oldfd, newfd, flags)
		 : (int)syscall(SYS_dup3, oldfd, newfd, flags);
}

static int t_dup(int fd)
{
	int (*f)(int) = fn(R_DUP);
	return f ? f(fd) : (int)syscall(SYS_dup, fd);
}

static ssize_t t_read(int fd, void *buf, size_t len)
{
	ssize_t (*f)(int, void *, size_t) = fn(R_READ);
	return f ? f(fd, buf, len) : syscall(SYS_read, fd, buf, len);
}

static ssize_t t_write(int fd, const void *buf, size_t len)
{
	ssize_t (*f)(int, const void *, size_t) = fn(R_WRITE);
	return f ? f(fd, buf, len) : syscall(SYS_write, fd, buf, len);
}

static ssize_t t_readv(int fd, const struct iovec *iov, int n)
{
	ssize_t (*f)(int, const struct iovec *, int) = fn(R_READV);
	return f ? f(fd, iov, n) : syscall(SYS_readv, fd, iov, n);
}

static ssize_t t_writev(int fd, const struct iovec *iov, int n)
{
	ssize_t (*f)(int, const struct iovec *, int) = fn(R_WRITEV);
	return f ? f(fd, iov, n) : syscall(SYS_writev, fd, iov, n);
}

static ssize_t t_send(int fd, const void *buf, size_t len, int flags)
{
	ssize_t (*f)(int, const void *, size_t, int) = fn(R_SEND);
	return f ? f(fd, buf, len, flags)
		 : syscall(SYS_sendto, fd, buf, len, flags, NULL, 0);
}

static ssize_t t_sendto(int fd, const void *buf, size_t len, int flags,
			const struct sockaddr *sa, socklen_t salen)
{
	ssize_t (*f)(int, const void *, size_t, int, const struct sockaddr *,
		     socklen_t) = fn(R_SENDTO);
	return f ? f(fd, buf, len, flags, sa, salen)
		 : syscall(SYS_sendto, fd, buf, len, flags, sa, salen);
}

static ssize_t t_recv(int fd, void *buf, size_t len, int flags)
{
	ssize_t (*f)(int, void *, size_t, int) = fn(R_RECV);
	return f ? f(fd, buf, len, flags)
		 : syscall(SYS_recvfrom, fd, buf, len, flags, NULL, NULL);
}

static ssize_t t_recvfrom(int fd, void *buf, size_t len, int flags,
			  struct sockaddr *sa, socklen_t *salen)
{
	ssize_t (*f)(int, void *, size_t, int, struct sockaddr *, socklen_t *) =
	    fn(R_RECVFROM);
	return f ? f(fd, buf, len, flags, sa, salen)
		 : syscall(SYS_recvfrom, fd, buf, len, flags, sa, salen);
}

static ssize_t t_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	ssize_t (*f)(int, const struct msghdr *, int) = fn(R_SENDMSG);
	return f ? f(fd, msg, flags) : syscall(SYS_sendmsg, fd, msg, flags);
}

static ssize_t t_recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t (*f)(int, struct msghdr *, int) = fn(R_RECVMSG);
	return f ? f(fd, msg, flags) : syscall(SYS_recvmsg, fd, msg, flags);
}

static int t_sendmmsg(int fd, struct mmsghdr *vec, unsigned int n, int flags)
{
	int (*f)(int, struct mmsghdr *, unsigned int, int) = fn(R_SENDMMSG);
	return f ? f(fd, vec, n, flags)
		 : (int)syscall(SYS_sendmmsg, fd, vec, n, flags);
}

static int t_recvmmsg(int fd, struct mmsghdr *vec, unsigned int n, int flags,
		      struct timespec *timeout)
{
	int (*f)(int, struct mmsghdr *, unsigned int, int, struct timespec *) =
	    fn(R_RECVMMSG);
	return f ? f(fd, vec, n, flags, timeout)
		 : (int)syscall(SYS_recvmmsg, fd, vec, n, flags, timeout);
}

/* The fortified forms: glibc's own check (a buffer smaller than the
 * length asked for ends the process), else ours. */
static ssize_t t_read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	ssize_t (*f)(int, void *, size_t, size_t) = fn(R_READ_CHK);
	if (f)
		return f(fd, buf, len, buflen);
	if (len > buflen)
		abort();
	return syscall(SYS_read, fd, buf, len);
}

static ssize_t t_recv_chk(int fd, void *buf, size_t len, size_t buflen,
			  int flags)
{
	ssize_t (*f)(int, void *, size_t, size_t, int) = fn(R_RECV_CHK);
	if (f)
		return f(fd, buf, len, buflen, flags);
	if (len > buflen)
		abort();
	return syscall(SYS_recvfrom, fd, buf, len, flags, NULL, NULL);
}

static ssize_t t_recvfrom_chk(int fd, void *buf, size_t len, size_t buflen,
			      int flags, struct sockaddr *sa, socklen_t *salen)
{
	ssize_t (*f)(int, void *, size_t, size_t, int, struct sockaddr *,
		     socklen_t *) = fn(R_RECVFROM_CHK);
	if (f)
		return f(fd, buf, len, buflen, flags, sa, salen);
	if (len > buflen)
		abort();
	return syscall(SYS_recvfrom, fd, buf, len, flags, sa, salen);
}

const shim_real shim_libc = {
    .socket = t_socket,
    .bind = t_bind,
    .listen = t_listen,
    .connect = t_connect,
    .accept = t_accept,
    .accept4 = t_accept4,
    .getsockname = t_getsockname,
    .getpeername = t_getpeername,
    .getsockopt = t_getsockopt,
    .setsockopt = t_setsockopt,
    .socketpair = t_socketpair,
    .close = t_close,
    .shutdown = t_shutdown,
    .dup2 = t_dup2,
    .dup3 = t_dup3,
    .dup = t_dup,
    .read = t_read,
    .write = t_write,
    .readv = t_readv,
    .writev = t_writev,
    .send = t_send,
    .sendto = t_sendto,
    .recv = t_recv,
    .recvfrom = t_recvfrom,
    .sendmsg = t_sendmsg,
    .recvmsg = t_recvmsg,
    .sendmmsg = t_sendmmsg,
    .recvmmsg = t_recvmmsg,
    .read_chk = t_read_chk,
    .recv_chk = t_recv_chk,
    .recvfrom_chk = t_recvfrom_chk,
};

/* Binds everything at load when no hook came first, so that the calls
 * of a running program never wait for ld.so's lock (another thread's
 * dlopen holds it while that library's constructors run). */
__attribute__((constructor)) static void real_init(void)
{
	for (int i = 0; i < R_COUNT; i++)
		fn(i);
}
