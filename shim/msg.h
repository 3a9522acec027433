/*
 * msg.h - the native message path of the shim, shared by its files: nat.c
 * (what each fd remembers, and what the daemon says of its socket),
 * msg_send.c (sendmsg and relatives), msg_recv.c (recvmsg and relatives)
 * and msg.c (the calls, the iovec helpers).  DESIGN.md §3 "Native SCTP
 * socket"; the wire format is wsproto.h's wsp_msg.
 */
#ifndef SHIM_MSG_H
#define SHIM_MSG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "shim.h"

/* import_iovec()'s cap on the bytes of one call (include/linux/fs.h). */
#define MAX_RW_COUNT ((size_t)INT_MAX & ~(size_t)4095)

/* Records exist for the fd numbers of the fd table, in pages mapped on
 * first use: nothing is allocated with malloc, which a hook called from
 * a signal handler must not do.  Zeroed memory is a free glibc mutex
 * (PTHREAD_MUTEX_INITIALIZER). */
#define NAT_MAX SHIM_FD_MAX
#define NAT_PAGE 256
#define NAT_ASSOCS 8

typedef struct nat_assoc {
	int32_t id;
	uint16_t out; /* outbound streams, 0: not known */
	uint8_t used;
} nat_assoc;

/* Each lock is the fd's own, so that a call never waits for another
 * socket: the send lock keeps the pieces of one message together, the
 * receive lock the partly read head datagram, the info lock the cached
 * answers.  None is held across a wait for the program's data, except
 * the send lock once a message is half sent (`swaiting` then says so). */
typedef struct nat {
	pthread_mutex_t slock, rlock, ilock;
	bool swaiting; /* the send lock's holder waits for room */
	/* Under ilock. */
	bool have;	  /* family, state (and info when have_native) */
	bool have_native; /* the daemon's answer had a wsp_native */
	bool settled;	  /* one-to-one: its association was up: what
			     happens to it next shows on the channel */
	int32_t family, state;
	wsp_native info;
	nat_assoc assoc[NAT_ASSOCS]; /* one-to-many: ids that exist */
	uint8_t victim;
	uint32_t ends_gen; /* the socket's association-end counter when
			      assoc[] was last known right */
	uint32_t view_gen; /* ... when the daemon last answered WSP_QUERY */
	/* Under rlock: the head datagram, partly read. */
	uint32_t rseq, roff;
	bool own; /* made by this process, which has not forked since: no
		     other process reads it */
} nat;

/* What the daemon said of a native socket (WSP_QUERY), cached per fd. */
typedef struct view {
	int family, state;
	bool have_native, settled;
	wsp_native info;
} view;

typedef struct iov_cursor {
	const struct iovec *iov;
	size_t n, i, off;
} iov_cursor;

/* ---- nat.c ---- */

/* fd's record, its page mapped when `create`; NULL with errno ENOBUFS. */
nat *nat_of(int fd, bool create);
/* What is known of native socket fd: the cached answer, else (or when
 * `fresh`, or for a one-to-one socket whose association has not been up
 * yet) the daemon's.  -1 with errno (ENOTSOCK: the daemon does not know
 * the socket). */
int nat_info(int fd, int kind, view *v, bool fresh);
/* Whether association `id` of one-to-many socket fd exists (1, its
 * outbound streams in *out, 0 when not known; 2 when it is shutting down)
 * or not (0); -1 with errno when the daemon cannot say. */
int nat_assoc_lookup(int fd, int32_t id, uint16_t *out);
/* Forgets association `id` of fd: the program just shut or aborted it. */
void nat_assoc_forget(int fd, int32_t id);
/* An SCTP_ASSOC_CHANGE the program read: keeps the ids in step. */
void nat_assoc_note(int fd, int kind, const struct sctp_assoc_change *ac);
/* The socket's SO_ERROR as the daemon keeps it (read clears it): 0 with
 * *err, -1 when the daemon cannot be asked. */
int nat_so_error(int fd, int *err);
/* EPIPE as sctp_error() gives it: a pending socket error first, SIGPIPE
 * unless MSG_NOSIGNAL.  Returns -1. */
ssize_t nat_fail_epipe(int fd, int flags);
/* Whether fd is in non-blocking mode (O_NONBLOCK). */
bool nat_nonblocking(int fd);
/* Whether another process may read the socket (not made here, or a fork
 * since): its receives then take the channel's lock. */
bool nat_shared(const nat *n);

/* ---- msg.c: iovecs ---- */

/* import_iovec(): the bytes of n iovecs, capped at MAX_RW_COUNT; -1 with
 * errno `too_many` past UIO_MAXIOV, EFAULT, EINVAL. */
ssize_t iov_total(const struct iovec *iov, size_t n, int too_many);
/* Appends to out[*k..cap) the slices of the cursor's next `want` bytes
 * and moves past them; returns the bytes covered. */
size_t iov_take(iov_cursor *c, struct iovec *out, int *k, int cap, size_t want);
/* Moves the cursor n bytes on. */
void iov_advance(iov_cursor *c, size_t n);
/* Copies the first len bytes the iovecs hold to dst. */
void iov_gather(const struct iovec *iov, size_t n, void *dst, size_t len);

/* ---- msg_send.c, msg_recv.c ---- */

/* sendmsg() on native socket fd of this kind (SHIM_FD_NATIVE*), as
 * net/sctp/socket.c sctp_sendmsg() answers; `sendto_form`: the name
 * comes from sendto() (any length, judged by the address checks). */
ssize_t msg_send_native(int fd, int kind, const struct msghdr *msg, int flags,
			bool sendto_form);
/* recvmsg() on native socket fd, as sctp_recvmsg() answers. */
ssize_t msg_recv_native(int fd, int kind, struct msghdr *msg, int flags);

#endif
