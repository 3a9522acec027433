/*
 * msg.c - the message calls on native SCTP sockets (DESIGN.md §3 "Native
 * SCTP socket", shim.h "native message path").
 *
 * The app end of a native socket is an AF_UNIX SOCK_SEQPACKET socket
 * whose datagrams are a wsp_msg header and one piece (at most
 * WSP_PIECE_MAX bytes) of a user message (wsproto.h).  Here every
 * sendmsg/recvmsg and their relatives on such an fd get the kernel's SCTP
 * answers (net/sctp/socket.c sctp_sendmsg(), sctp_recvmsg()); any other
 * fd goes to libc after one fd-table lookup (fdtab.c).
 *
 * Sending: the checks the kernel makes before it queues anything, in its
 * order, from the control messages (cmsg.c) and from what the daemon
 * said of the socket (WSP_QUERY: a wsp_native, cached per fd; WSP_ASSOC
 * for an association of a one-to-many socket, cached per id); then the
 * message as pieces, under a per-fd lock so that threads never interleave
 * them.  The kernel takes a whole message or nothing: a non-blocking send
 * of several pieces first checks that the channel's send buffer has room
 * for all of them (EAGAIN otherwise), and once the first piece went the
 * rest is sent whatever happens, waiting for room without a timeout and
 * through signals: the daemon cannot take a first piece back, and half a
 * message would merge with the next.
 *
 * Receiving: the head datagram is peeked, copied from where the program
 * stopped in it (an offset kept per fd with the datagram's seq, so that a
 * datagram someone else consumed meanwhile restarts at 0) and consumed
 * once the program has all of it; a buffer larger than what is left
 * keeps filling from the next pieces of the same message already queued,
 * as the kernel returns a reassembled message.  A buffer of WSP_PIECE_MAX
 * bytes or more takes a whole datagram directly with one recvmsg.
 * Blocking waits are a blocking MSG_PEEK of the channel, so that
 * SO_RCVTIMEO, O_NONBLOCK, signals and SA_RESTART act as on any socket.
 *
 * Where this still differs from the kernel (the daemon or the protocol
 * would have to say more): shim/README.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sockios.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"

extern void __chk_fail(void) __attribute__((noreturn));

/* ---- iovecs ---- */

/* import_iovec(): at most UIO_MAXIOV entries (`too_many`), no length
 * above SSIZE_MAX (EINVAL); the total is capped at MAX_RW_COUNT. */
ssize_t iov_total(const struct iovec *iov, size_t n, int too_many)
{
	if (n > UIO_MAXIOV) {
		errno = too_many;
		return -1;
	}
	if (n && !iov) {
		errno = EFAULT;
		return -1;
	}
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if ((ssize_t)iov[i].iov_len < 0) {
			errno = EINVAL;
			return -1;
		}
		if (iov[i].iov_len > MAX_RW_COUNT - total)
			total = MAX_RW_COUNT;
		else
			total += iov[i].iov_len;
	}
	return (ssize_t)total;
}

/* Appends to out[*k..cap) the slices of the iov_cursor's next `want` bytes
 * and moves past them; returns the bytes covered (fewer when out is
 * full or the iovecs end). */
size_t iov_take(iov_cursor *c, struct iovec *out, int *k, int cap, size_t want)
{
	size_t got = 0;
	while (got < want && c->i < c->n && *k < cap) {
		const struct iovec *v = &c->iov[c->i];
		size_t avail = v->iov_len - c->off;
		if (!avail) {
			c->i++;
			c->off = 0;
			continue;
		}
		size_t t = avail < want - got ? avail : want - got;
		out[(*k)++] = (struct iovec){(char *)v->iov_base + c->off, t};
		got += t;
		c->off += t;
		if (c->off == v->iov_len) {
			c->i++;
			c->off = 0;
		}
	}
	return got;
}

void iov_advance(iov_cursor *c, size_t n)
{
	while (n && c->i < c->n) {
		size_t avail = c->iov[c->i].iov_len - c->off;
		size_t t = avail < n ? avail : n;
		c->off += t;
		n -= t;
		if (c->off == c->iov[c->i].iov_len) {
			c->i++;
			c->off = 0;
		}
	}
}

/* The first len bytes the iovecs hold. */
void iov_gather(const struct iovec *iov, size_t n, void *dst, size_t len)
{
	char *d = dst;
	for (size_t i = 0; i < n && len; i++) {
		size_t t = iov[i].iov_len < len ? iov[i].iov_len : len;
		memcpy(d, iov[i].iov_base, t);
		d += t;
		len -= t;
	}
}

/* ---- the calls ---- */

void shim_fd_received(const struct msghdr *msg)
{
	if (!msg || !msg->msg_control ||
	    msg->msg_controllen < sizeof(struct cmsghdr))
		return;
	for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)msg); c;
	     c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfds; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			shim_fd_set(fd, SHIM_FD_UNKNOWN);
		}
	}
}

ssize_t shim_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	int kind = shim_native_kind(fd);
	if (!kind)
		return shim_libc.sendmsg(fd, msg, flags);
	return msg_send_native(fd, kind, msg, flags, false);
}

ssize_t shim_recvmsg(int fd, struct msghdr *msg, int flags)
{
	int kind = shim_native_kind(fd);
	if (!kind) {
		ssize_t r = shim_libc.recvmsg(fd, msg, flags);
		if (r >= 0 && msg && msg->msg_controllen)
			shim_fd_received(msg);
		return r;
	}
	return msg_recv_native(fd, kind, msg, flags);
}

ssize_t shim_send(int fd, const void *buf, size_t len, int flags)
{
	int kind = shim_native_kind(fd);
	if (!kind)
		return shim_libc.send(fd, buf, len, flags);
	struct iovec iov = {(void *)buf, len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	return msg_send_native(fd, kind, &m, flags, true);
}

ssize_t shim_sendto(int fd, const void *buf, size_t len, int flags,
		    const struct sockaddr *sa, socklen_t salen)
{
	int kind = shim_native_kind(fd);
	if (!kind)
		return shim_libc.sendto(fd, buf, len, flags, sa, salen);
	struct iovec iov = {(void *)buf, len};
	struct msghdr m = {.msg_name = (void *)sa,
			   .msg_namelen = sa ? salen : 0,
			   .msg_iov = &iov,
			   .msg_iovlen = 1};
	return msg_send_native(fd, kind, &m, flags, true);
}

ssize_t shim_recv(int fd, void *buf, size_t len, int flags)
{
	int kind = shim_native_kind(fd);
	if (!kind)
		return shim_libc.recv(fd, buf, len, flags);
	struct iovec iov = {buf, len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	return msg_recv_native(fd, kind, &m, flags);
}

ssize_t shim_recvfrom(int fd, void *buf, size_t len, int flags,
		      struct sockaddr *sa, socklen_t *salen)
{
	int kind = shim_native_kind(fd);
	if (!kind)
		return shim_libc.recvfrom(fd, buf, len, flags, sa, salen);
	if (sa && !salen) {
		errno = EFAULT;
		return -1;
	}
	struct iovec iov = {buf, len};
	struct msghdr m = {.msg_name = sa,
			   .msg_namelen = sa ? *salen : 0,
			   .msg_iov = &iov,
			   .msg_iovlen = 1};
	ssize_t r = msg_recv_native(fd, kind, &m, flags);
	if (r >= 0 && sa)
		*salen = m.msg_namelen;
	return r;
}

ssize_t shim_read(int fd, void *buf, size_t len)
{
	int kind = shim_native_kind(fd);
	if (!kind)
		return shim_libc.read(fd, buf, len);
	/* sock_read_iter(): nothing asked, nothing done. */
	if (!len)
		return 0;
	struct iovec iov = {buf, len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	return msg_recv_native(fd, kind, &m, 0);
}

ssize_t shim_write(int fd, const void *buf, size_t len)
{
	int kind = shim_native_kind(fd);
	if (!kind)
		return shim_libc.write(fd, buf, len);
	struct iovec iov = {(void *)buf, len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	return msg_send_native(fd, kind, &m, 0, false);
}

ssize_t shim_readv(int fd, const struct iovec *iov, int iovcnt)
{
	int kind = shim_native_kind(fd);
	if (!kind)
		return shim_libc.readv(fd, iov, iovcnt);
	ssize_t t = iov_total(iov, (size_t)(unsigned)iovcnt, EINVAL);
	if (t <= 0)
		return t;
	struct msghdr m = {.msg_iov = (struct iovec *)iov,
			   .msg_iovlen = (size_t)iovcnt};
	return msg_recv_native(fd, kind, &m, 0);
}

ssize_t shim_writev(int fd, const struct iovec *iov, int iovcnt)
{
	int kind = shim_native_kind(fd);
	if (!kind)
		return shim_libc.writev(fd, iov, iovcnt);
	if (iov_total(iov, (size_t)(unsigned)iovcnt, EINVAL) < 0)
		return -1;
	struct msghdr m = {.msg_iov = (struct iovec *)iov,
			   .msg_iovlen = (size_t)iovcnt};
	return msg_send_native(fd, kind, &m, 0, false);
}

/* __sys_sendmmsg(): one sendmsg per entry until one fails; the count
 * sent, or the error when none was. */
int shim_sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	int kind = shim_native_kind(fd);
	if (!kind)
		return shim_libc.sendmmsg(fd, vec, vlen, flags);
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	unsigned int i;
	for (i = 0; i < vlen; i++) {
		ssize_t r =
		    msg_send_native(fd, kind, &vec[i].msg_hdr, flags, false);
		if (r < 0)
			break;
		vec[i].msg_len = (unsigned int)r;
	}
	return i ? (int)i : (vlen ? -1 : 0);
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* do_recvmmsg(): one recvmsg per entry, MSG_WAITFORONE turning the rest
 * non-blocking, the timeout looked at between entries and written back
 * with what is left of it. */
int shim_recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
		  struct timespec *timeout)
{
	int kind = shim_native_kind(fd);
	if (!kind) {
		int r = shim_libc.recvmmsg(fd, vec, vlen, flags, timeout);
		for (int i = 0; i < r; i++)
			if (vec[i].msg_hdr.msg_controllen)
				shim_fd_received(&vec[i].msg_hdr);
		return r;
	}
	int64_t end = 0;
	if (timeout) {
		if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 ||
		    timeout->tv_nsec >= 1000000000) {
			errno = EINVAL;
			return -1;
		}
		end = now_ns() + (int64_t)timeout->tv_sec * 1000000000 +
		      timeout->tv_nsec;
	}
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	unsigned int i = 0;
	int err = 0;
	while (i < vlen) {
		ssize_t r = msg_recv_native(fd, kind, &vec[i].msg_hdr,
					    flags & ~MSG_WAITFORONE);
		if (r < 0) {
			err = errno;
			break;
		}
		vec[i++].msg_len = (unsigned int)r;
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		if (timeout) {
			int64_t left = end - now_ns();
			if (left < 0)
				left = 0;
			timeout->tv_sec = left / 1000000000;
			timeout->tv_nsec = left % 1000000000;
			if (!left)
				break;
		}
	}
	if (i)
		return (int)i;
	if (!err)
		return 0;
	errno = err;
	return -1;
}

ssize_t shim_read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (!shim_native_kind(fd))
		return shim_libc.read_chk(fd, buf, len, buflen);
	if (len > buflen)
		__chk_fail();
	return shim_read(fd, buf, len);
}

ssize_t shim_recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	if (!shim_native_kind(fd))
		return shim_libc.recv_chk(fd, buf, len, buflen, flags);
	if (len > buflen)
		__chk_fail();
	return shim_recv(fd, buf, len, flags);
}

ssize_t shim_recvfrom_chk(int fd, void *buf, size_t len, size_t buflen,
			  int flags, struct sockaddr *sa, socklen_t *salen)
{
	if (!shim_native_kind(fd))
		return shim_libc.recvfrom_chk(fd, buf, len, buflen, flags, sa,
					      salen);
	if (len > buflen)
		__chk_fail();
	return shim_recvfrom(fd, buf, len, flags, sa, salen);
}
