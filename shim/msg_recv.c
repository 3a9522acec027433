/*
 * msg_recv.c - recvmsg and its relatives on native SCTP sockets, as
 * net/sctp/socket.c sctp_recvmsg() answers: partial delivery by peeking
 * the head datagram (msg.c, top comment), msg_name, msg_flags and the
 * control messages (cmsg.c).
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
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"

/* ---- receiving ---- */

/* Slices of one receive, and the scratch area the part of the head
 * datagram already read is peeked into (several iovecs over the same
 * bytes). */
#define RECV_IOV_CAP 256
#define SCRATCH 2048

/* What one receive found: the first and last headers read. */
typedef struct got_msg {
	wsp_msg first, last;
	bool any, eor, from_start;
} got_msg;

static void seen(got_msg *g, const wsp_msg *h, bool from_start)
{
	if (!g->any) {
		g->first = *h;
		g->from_start = from_start;
	}
	g->last = *h;
	g->any = true;
}

static bool ends_message(const wsp_msg *h)
{
	/* A notification is always whole (MSG_NOTIFICATION | MSG_EOR). */
	return h->flags & (WSP_MF_EOR | WSP_MF_NOTIFY);
}

/* Drops the head datagram (a short read of a SEQPACKET socket discards
 * the rest of it). */
static void consume(int fd)
{
	wsp_msg h;
	shim_libc.recv(fd, &h, sizeof(h), MSG_DONTWAIT);
}

/* The head datagram read whole into [header, the program's iovecs]: for
 * a window of at least WSP_PIECE_MAX bytes, which any piece fits.
 * Returns the bytes of payload, 0 at EOF, -1 with errno. */
static ssize_t read_whole(int fd, wsp_msg *h, struct iovec *v, int k)
{
	v[0] = (struct iovec){h, sizeof(*h)};
	struct msghdr mh = {.msg_iov = v, .msg_iovlen = (size_t)k};
	ssize_t r = shim_libc.recvmsg(fd, &mh, MSG_DONTWAIT);
	if (r <= 0)
		return r;
	if ((size_t)r < sizeof(*h) || (mh.msg_flags & MSG_TRUNC)) {
		errno = EPROTO;
		return -1;
	}
	return r;
}

/* One receive without waiting, under fd's receive lock: data of the
 * message at the head into msg's iovecs (total bytes of room).  Returns
 * the bytes, or -1 with errno (EAGAIN: nothing queued); *eof when the
 * channel ended before anything was read. */
/* The rest of a message the daemon is writing (the last piece read had
 * WSP_MF_MORE) is not in the channel yet: waits for it, briefly (the
 * daemon writes it at once; a daemon too busy costs a piece without
 * EOR, which a program must take anyway).  true: go on reading. */
static bool wait_more(int fd, const got_msg *g, int *waits)
{
	if (!g->any || !(g->last.flags & WSP_MF_MORE) || errno != EAGAIN ||
	    ++*waits > 2)
		return false;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 500) > 0;
}

static ssize_t take_message(int fd, nat *n, struct msghdr *msg, int flags,
			    size_t total, got_msg *g, bool *eof)
{
	bool peek = flags & MSG_PEEK;
	uint32_t off = n->roff, seq = n->rseq;
	iov_cursor c = {.iov = msg->msg_iov, .n = msg->msg_iovlen};
	unsigned char scratch[SCRATCH];
	size_t got = 0;
	int waits = 0;

	*eof = false;
	for (;;) {
		size_t room = total - got;
		struct iovec v[RECV_IOV_CAP];
		int k = 1;
		wsp_msg h;
		iov_cursor save = c;
		ssize_t r;

		/* A continuation is peeked first: it must be the same
		 * association's (with FRAGMENT_INTERLEAVE another's may
		 * come between two pieces). */
		if (!peek && !off && !g->any && room >= WSP_PIECE_MAX &&
		    iov_take(&c, v, &k, RECV_IOV_CAP, room) >= WSP_PIECE_MAX) {
			r = read_whole(fd, &h, v, k);
			c = save;
			if (r <= 0) {
				if (r < 0 && wait_more(fd, g, &waits))
					continue;
				if (g->any)
					break;
				*eof = r == 0;
				return r;
			}
			size_t plen = (size_t)r - sizeof(h);
			if (h.flags & WSP_MF_FILLER)
				continue;
			iov_advance(&c, plen);
			seen(g, &h, true);
			got += plen;
			if (ends_message(&h)) {
				g->eor = true;
				break;
			}
			if (got == total)
				break;
			continue;
		}
		c = save;
		k = 1;

		/* Peek [header, the part already read into scratch, the
		 * window]; MSG_TRUNC returns the datagram's whole length. */
		for (size_t skip = off; skip;) {
			size_t s = skip < SCRATCH ? skip : SCRATCH;
			v[k++] = (struct iovec){scratch, s};
			skip -= s;
		}
		size_t win = iov_take(&c, v, &k, RECV_IOV_CAP, room);
		c = save;
		v[0] = (struct iovec){&h, sizeof(h)};
		struct msghdr mh = {.msg_iov = v, .msg_iovlen = (size_t)k};
		r = shim_libc.recvmsg(fd, &mh,
				      MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);
		if (r <= 0) {
			if (r < 0 && !peek && wait_more(fd, g, &waits))
				continue;
			if (g->any)
				break;
			*eof = r == 0;
			return r;
		}
		if ((size_t)r < sizeof(h)) {
			consume(fd);
			errno = EPROTO;
			return -1;
		}
		size_t plen = (size_t)r - sizeof(h);
		if (h.flags & WSP_MF_FILLER) {
			consume(fd);
			continue;
		}
		if (g->any &&
		    (h.assoc != g->first.assoc || (h.flags & WSP_MF_NOTIFY)))
			break; /* another association's turn */
		if (off && (h.seq != seq || off > plen)) {
			/* Someone else consumed the datagram we had begun:
			 * this one starts at 0. */
			off = 0;
			continue;
		}
		size_t part = plen - off < win ? plen - off : win;
		iov_advance(&c, part);
		seen(g, &h, off == 0);
		got += part;
		if (peek) {
			g->eor = off + part == plen && ends_message(&h);
			break;
		}
		if (off + part < plen) {
			off += (uint32_t)part;
			seq = h.seq;
			break;
		}
		consume(fd);
		off = 0;
		if (ends_message(&h)) {
			g->eor = true;
			break;
		}
		if (got == total)
			break;
	}
	if (!peek) {
		n->roff = off;
		n->rseq = seq;
	}
	return (ssize_t)got;
}

/* Whether a blocking receive that finds nothing would fail with ENOTCONN
 * (sctp_recvmsg() on a one-to-one socket; sctp_wait_for_packet(): no
 * association and not listening). */
static bool would_enotconn(int fd, int kind)
{
	view v;
	if (kind == SHIM_FD_NATIVE)
		return nat_info(fd, kind, &v, false) == 0 && !v.settled &&
		       (v.state == WSP_ST_NEW || v.state == WSP_ST_BOUND);
	if (nat_info(fd, kind, &v, false) == 0 && v.have_native &&
	    v.info.listening)
		return false;
	return nat_info(fd, kind, &v, true) == 0 && v.have_native &&
	       !v.info.nassocs && !v.info.listening;
}

/* The end of the channel.  One-to-one: the association ended (0), or
 * failed (its error, once, as sock_error() gives it).  The others are
 * not shut by the daemon while they live.  A daemon that cannot be
 * asked is gone: ECONNRESET, never a clean end. */
static ssize_t at_eof(int fd, int kind)
{
	int err;
	if (kind == SHIM_FD_NATIVE) {
		if (nat_so_error(fd, &err) < 0) {
			errno = ECONNRESET;
			return -1;
		}
		if (err) {
			errno = err;
			return -1;
		}
		return 0;
	}
	view v;
	if (nat_info(fd, kind, &v, true) < 0) {
		errno = ECONNRESET;
		return -1;
	}
	if (v.have_native && !v.info.nassocs && !v.info.listening) {
		errno = ENOTCONN;
		return -1;
	}
	return 0;
}

/* msg_name, msg_flags and the control messages of a receive. */
static void finish_recv(int fd, int kind, struct msghdr *msg, int flags,
			const got_msg *g, size_t got)
{
	const wsp_msg *f = &g->first;
	bool notify = f->flags & WSP_MF_NOTIFY;
	if (msg->msg_name) {
		if (f->addr.family)
			shim_wsp_to_sa(&f->addr, f->addr.family, msg->msg_name,
				       &msg->msg_namelen);
		else
			msg->msg_namelen = 0;
	}
	msg->msg_flags = (flags & MSG_CMSG_CLOEXEC) | (g->eor ? MSG_EOR : 0) |
			 (notify ? MSG_NOTIFICATION : 0);
	shim_cmsg_recv(msg, f, &g->last);

	struct sctp_assoc_change ac;
	if (notify && !(flags & MSG_PEEK) && g->from_start &&
	    got >= offsetof(struct sctp_assoc_change, sac_info)) {
		iov_gather(msg->msg_iov, msg->msg_iovlen, &ac,
			   offsetof(struct sctp_assoc_change, sac_info));
		if (ac.sac_type == SCTP_ASSOC_CHANGE)
			nat_assoc_note(fd, kind, &ac);
	}
}

/* SCTP_RECVNXTINFO (the daemon flags each message with WSP_MF_NXTINFO
 * while it is on): Linux sctp_ulpevent_read_nxtinfo() describes the
 * message at the head of the receive queue once one was read whole, if
 * any: here the next datagram, peeked. */
static void next_info(int fd, got_msg *g)
{
	if (!(g->last.flags & WSP_MF_NXTINFO))
		return;
	g->last.flags &= ~(uint32_t)WSP_MF_NXTINFO;
	if (!g->eor)
		return;
	wsp_msg h;
	ssize_t r = shim_libc.recv(fd, &h, sizeof(h),
				   MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);
	if (r < (ssize_t)sizeof(h) || (h.flags & WSP_MF_FILLER))
		return;
	g->last.flags |= WSP_MF_NXTINFO;
	g->last.nxt_stream = h.stream;
	g->last.nxt_ppid = h.ppid;
	g->last.nxt_assoc = h.assoc;
	g->last.nxt_length = (uint32_t)((size_t)r - sizeof(h));
	g->last.nxt_flags = (uint16_t)(h.sflags & SCTP_UNORDERED);
	if (h.flags & WSP_MF_NOTIFY)
		g->last.nxt_flags |= SCTP_NOTIFICATION;
}

/* Another process reading the same socket (forked workers share one
 * one-to-many socket: Kamailio's SCTP receivers) must not take the
 * datagram this one peeked and is about to consume, nor a piece of the
 * message it is gathering: the kernel dequeues a message under the socket
 * lock.  A POSIX record lock on the channel excludes the other processes
 * (the fd's mutex, the other threads); a socket no other process has
 * skips it. */
static void xlock(int fd, nat *n, bool on)
{
	if (!nat_shared(n))
		return;
	struct flock f = {.l_type = on ? F_WRLCK : F_UNLCK,
			  .l_whence = SEEK_SET,
			  .l_len = 1};
	while (fcntl(fd, on ? F_SETLKW : F_SETLK, &f) < 0 && errno == EINTR)
		;
}

/* The control messages a receive carries follow the subscriptions as
 * they are when it reads (sctp_recvmsg() checks them then), not as they
 * were when the message arrived. */
static void rcv_cmsgs(const view *v, got_msg *g)
{
	if (!v->have_native)
		return;
	const uint32_t all = WSP_MF_SNDRCV | WSP_MF_RCVINFO | WSP_MF_NXTINFO;
	uint32_t on = (v->info.rcv_cmsgs & 1 ? WSP_MF_SNDRCV : 0) |
		      (v->info.rcv_cmsgs & 2 ? WSP_MF_RCVINFO : 0) |
		      (v->info.rcv_cmsgs & 4 ? WSP_MF_NXTINFO : 0);
	g->first.flags = (g->first.flags & ~all) | on;
	g->last.flags = (g->last.flags & ~all) | on;
}

ssize_t msg_recv_native(int fd, int kind, struct msghdr *msg, int flags)
{
	if (!msg) {
		errno = EFAULT;
		return -1;
	}
	/* ip_recv_error() with nothing in the error queue. */
	if (flags & MSG_ERRQUEUE) {
		errno = EAGAIN;
		return -1;
	}
	ssize_t t = iov_total(msg->msg_iov, msg->msg_iovlen, EMSGSIZE);
	if (t < 0)
		return -1;
	if (msg->msg_name && (int)msg->msg_namelen < 0) {
		errno = EINVAL;
		return -1;
	}
	nat *n = nat_of(fd, true);
	if (!n)
		return -1;
	/* sctp_recvmsg(): a one-to-one socket must be connected (or have
	 * been); its listener's channel carries accept records, not data. */
	view v;
	if (kind == SHIM_FD_NATIVE && nat_info(fd, kind, &v, false) == 0 &&
	    !v.settled &&
	    (v.state == WSP_ST_LISTEN || (v.have_native && v.info.listening))) {
		errno = ENOTCONN;
		return -1;
	}
	for (;;) {
		got_msg g = {0};
		bool eof;
		view cv;
		bool have_cv = nat_info(fd, kind, &cv, false) == 0;
		pthread_mutex_lock(&n->rlock);
		xlock(fd, n, true);
		ssize_t r =
		    take_message(fd, n, msg, flags, (size_t)t, &g, &eof);
		if (r >= 0 && !eof && have_cv)
			rcv_cmsgs(&cv, &g);
		if (r >= 0 && !eof)
			next_info(fd, &g);
		xlock(fd, n, false);
		pthread_mutex_unlock(&n->rlock);
		if (r >= 0 && eof) {
			/* ____sys_recvmsg(): nothing returned, nothing set. */
			msg->msg_namelen = 0;
			msg->msg_controllen = 0;
			msg->msg_flags = 0;
			return at_eof(fd, kind);
		}
		if (r >= 0) {
			finish_recv(fd, kind, msg, flags, &g, (size_t)r);
			return r;
		}
		if (errno != EAGAIN || (flags & MSG_DONTWAIT) ||
		    nat_nonblocking(fd))
			return -1;
		/* The association's last notification may have come while
		 * the daemon was asked: the queue decides first
		 * (sctp_wait_for_packet()). */
		if (would_enotconn(fd, kind)) {
			wsp_msg h;
			if (shim_libc.recv(fd, &h, sizeof(h),
					   MSG_PEEK | MSG_DONTWAIT) > 0)
				continue;
			errno = ENOTCONN;
			return -1;
		}
		/* Wait as the program's own receive would: its SO_RCVTIMEO
		 * (EAGAIN), signals (EINTR, or a restart with SA_RESTART). */
		wsp_msg h;
		if (shim_libc.recv(fd, &h, sizeof(h), MSG_PEEK) < 0)
			return -1;
	}
}

/* A send of one datagram to the daemon, whole, waiting for room. */
static void hand_back(int fd, const wsp_msg *h, const void *pay, size_t len)
{
	struct iovec v[2] = {{(void *)h, sizeof(*h)}, {(void *)pay, len}};
	struct msghdr mh = {.msg_iov = v, .msg_iovlen = len ? 2 : 1};
	for (int tries = 0; tries < 100; tries++) {
		if (shim_libc.sendmsg(fd, &mh, MSG_NOSIGNAL) >= 0 ||
		    (errno != EINTR && errno != EAGAIN))
			return;
		/* A non-blocking channel the daemon has not read yet. */
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		if (errno == EAGAIN)
			poll(&p, 1, 100);
	}
}

void shim_native_migrate(int lfd, int pfd, int32_t id)
{
	const wsp_msg done = {.flags = WSP_MF_REDELIVER | WSP_MF_FILLER};
	nat *n = nat_of(lfd, true);
	size_t cap = sizeof(wsp_msg) + WSP_PIECE_MAX;
	uint8_t *buf = malloc(cap);
	if (n && buf) {
		pthread_mutex_lock(&n->slock);
		pthread_mutex_lock(&n->rlock);
		xlock(lfd, n, true);
		/* What the daemon wrote to the old channel, in order: the
		 * association's goes to the new socket (its unread part
		 * only, when the program has begun it), the rest back to
		 * the old one, where it was.  Bounded by what the channel
		 * holds. */
		for (;;) {
			ssize_t r = shim_libc.recv(lfd, buf, cap, MSG_DONTWAIT);
			if (r < (ssize_t)sizeof(wsp_msg))
				break;
			wsp_msg h;
			memcpy(&h, buf, sizeof(h));
			const uint8_t *pay = buf + sizeof(h);
			size_t plen = (size_t)r - sizeof(h);
			bool mine = h.assoc == id && !(h.flags & WSP_MF_FILLER);
			if (mine && n->roff && h.seq == n->rseq &&
			    n->roff <= plen) {
				pay += n->roff;
				plen -= n->roff;
				n->roff = n->rseq = 0;
			}
			h.flags |= WSP_MF_REDELIVER;
			hand_back(mine ? pfd : lfd, &h, pay, plen);
		}
		xlock(lfd, n, false);
		pthread_mutex_unlock(&n->rlock);
		pthread_mutex_unlock(&n->slock);
	}
	free(buf);
	hand_back(lfd, &done, NULL, 0);
	hand_back(pfd, &done, NULL, 0);
}
