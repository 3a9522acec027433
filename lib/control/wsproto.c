/*
 * wsproto.c - helpers shared by sctpd and its clients (wsproto.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "wsproto.h"

socklen_t wsp_control_sockaddr(const char *control, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	size_t n = strlen(control);
	if (n >= sizeof(sun->sun_path))
		n = sizeof(sun->sun_path) - 1;
	memcpy(sun->sun_path, control, n);
	bool abstract = control[0] == '@';
	if (abstract)
		sun->sun_path[0] = '\0';
	/* An abstract name is exactly its bytes; a path includes its NUL. */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
			   (abstract ? 0 : 1));
}

int wsp_control_connect(const char *control, int flags)
{
	struct sockaddr_un sun;
	socklen_t len = wsp_control_sockaddr(control, &sun);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | flags, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, len) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

ssize_t wsp_send_fd(int sock, const void *buf, size_t len, int fd, int flags)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = {(void *)buf, len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	if (fd >= 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, flags);
}

ssize_t wsp_recv_fd(int sock, void *buf, size_t len, int *fd, int flags,
		    int *msg_flags)
{
	return wsp_recv_fd_via(recvmsg, sock, buf, len, fd, flags, msg_flags);
}

ssize_t wsp_recv_fd_via(ssize_t (*rcv)(int, struct msghdr *, int), int sock,
			void *buf, size_t len, int *fd, int flags,
			int *msg_flags)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(WSP_RECV_FDS * sizeof(int))];
	} cm;
	struct iovec iov = {buf, len};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cm.buf,
			    .msg_controllen = sizeof(cm.buf)};

	*fd = -1;
	ssize_t n = rcv(sock, &mh, flags);
	if (msg_flags)
		*msg_flags = n < 0 ? 0 : mh.msg_flags;
	if (n < 0)
		return n;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h;
	     h = CMSG_NXTHDR(&mh, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int f;
			memcpy(&f, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
			if (*fd < 0)
				*fd = f;
			else
				close(f); /* never more than one is meant */
		}
	}
	return n;
}

int wsp_hello(const char *control, const char *comm, wsp_rep *rep,
	      int timeout_ms)
{
	/* Non-blocking connect: a full backlog fails with EAGAIN instead of
	 * hanging. */
	int fd = wsp_control_connect(control, SOCK_NONBLOCK);
	if (fd < 0)
		return -1;
	wsp_req q = {.magic = WSP_MAGIC, .op = WSP_HELLO};
	snprintf(q.comm, sizeof(q.comm), "%s", comm);
	/* One byte more than a wsp_rep, to see a longer answer. */
	char buf[sizeof(wsp_rep) + 1];
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r = -1;
	ssize_t n = -1;
	if (send(fd, &q, sizeof(q), MSG_NOSIGNAL) == (ssize_t)sizeof(q)) {
		while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
			;
		if (r == 0)
			errno = ETIMEDOUT;
		if (r > 0)
			n = recv(fd, buf, sizeof(buf), 0);
	}
	int e = errno;
	close(fd);
	if (n < 0) {
		errno = e;
		return -1;
	}
	if (n == 0) {
		errno = ECONNRESET;
		return -1;
	}
	memcpy(rep, buf, (size_t)n < sizeof(*rep) ? (size_t)n : sizeof(*rep));
	if ((size_t)n != sizeof(*rep) || rep->magic != WSP_MAGIC) {
		errno = EPROTO;
		return -1;
	}
	rep->msg[sizeof(rep->msg) - 1] = '\0';
	return 0;
}
