/*
 * msg_send.c - sendmsg and its relatives on native SCTP sockets: the
 * checks net/sctp/socket.c sctp_sendmsg() makes before it queues
 * anything, in its order, from the control messages (cmsg.c) and from
 * what the daemon said of the socket (nat.c); then the message as
 * pieces under the fd's send lock (msg.c, top comment).
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

/* ---- sending ---- */

/* Slices of one datagram: pieces of programs with many small iovecs are
 * smaller than WSP_PIECE_MAX rather than costing a big stack. */
#define SEND_IOV_CAP 64
/* What a datagram costs the channel's send buffer beyond its bytes (an
 * sk_buff's truesize: its head and struct skb_shared_info), rounded up. */
#define SKB_COST 1024

/* Whether the channel's send buffer has room for every piece of a
 * message of `total` bytes in `pieces` datagrams.  af_unix allocates a
 * datagram while the bytes in flight are below SO_SNDBUF
 * (sock_alloc_send_pskb()), so all but the last piece must fit under it.
 * An empty channel takes anything: a message larger than the buffer
 * would otherwise never go. */
static bool channel_fits(int fd, size_t total, size_t pieces)
{
	int outq = 0, sndbuf = 0;
	socklen_t l = sizeof(sndbuf);
	if (ioctl(fd, SIOCOUTQ, &outq) < 0 ||
	    shim_libc.getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &l) < 0 ||
	    outq <= 0)
		return true;
	size_t last = total - (pieces - 1) * WSP_PIECE_MAX;
	size_t need =
	    total - last + (pieces - 1) * (sizeof(wsp_msg) + SKB_COST);
	return (size_t)outq + need < (size_t)sndbuf;
}

/* Takes n's send lock.  A blocking caller waits for it, as a sender
 * waits for lock_sock(); a non-blocking one only while the holder is busy
 * for an instant: when the holder waits for room in the channel (the
 * kernel's sctp_wait_for_sndbuf() releases the socket lock), there is no
 * room for this caller either: EAGAIN.  Never an EAGAIN while the
 * channel has room: an edge-triggered epoll would then wait forever. */
static bool send_lock(int fd, nat *n, bool dontwait)
{
	if (!pthread_mutex_trylock(&n->slock))
		return true;
	if (!dontwait && !nat_nonblocking(fd)) {
		pthread_mutex_lock(&n->slock);
		return true;
	}
	while (pthread_mutex_trylock(&n->slock)) {
		if (__atomic_load_n(&n->swaiting, __ATOMIC_ACQUIRE))
			return false;
		sched_yield();
	}
	return true;
}

/* One datagram, waiting for room when the call may: the first piece as
 * the program's own send would (SO_SNDTIMEO, signals); a later one
 * whatever happens, as the message must go whole. */
static int put_piece(int fd, nat *n, struct msghdr *mh, bool first,
		     bool dontwait)
{
	while (shim_libc.sendmsg(fd, mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || (first && dontwait))
			return -1;
		__atomic_store_n(&n->swaiting, true, __ATOMIC_RELEASE);
		int rc = 0;
		if (first) {
			rc = shim_libc.sendmsg(fd, mh, MSG_NOSIGNAL) < 0 ? -1
									 : 1;
		} else {
			struct pollfd p = {.fd = fd, .events = POLLOUT};
			poll(&p, 1, -1);
		}
		__atomic_store_n(&n->swaiting, false, __ATOMIC_RELEASE);
		if (rc)
			return rc < 0 ? -1 : 0;
	}
	return 0;
}

/* Sends a message of `total` bytes from iov with header *m as pieces,
 * under fd's send lock.  0, or -1 with errno (nothing sent when the
 * first piece failed; the socket is dead when a later one did). */
/* The pieces of one message must not mix with another process's (forked
 * senders on one socket): the kernel queues a message whole under the
 * socket lock.  A POSIX record lock (byte 1 of the channel; receives use
 * byte 0) excludes the other processes while a message that takes
 * several datagrams goes; false when it is held and the call must not
 * wait (EAGAIN). */
static bool multi_lock(int fd, bool on, bool dontwait)
{
	struct flock f = {.l_type = on ? F_WRLCK : F_UNLCK,
			  .l_whence = SEEK_SET,
			  .l_start = 1,
			  .l_len = 1};
	int cmd = on && !dontwait ? F_SETLKW : F_SETLK;
	while (fcntl(fd, cmd, &f) < 0)
		if (errno != EINTR)
			return false;
	return true;
}

static int put_message(int fd, nat *n, wsp_msg *m, const struct iovec *iov,
		       size_t niov, size_t total, int flags)
{
	size_t pieces = total ? (total + WSP_PIECE_MAX - 1) / WSP_PIECE_MAX : 1;
	bool dontwait = flags & MSG_DONTWAIT, xl = false;
	int cs, rc = -1, err = 0;

	/* No cancellation with the lock held: a thread cancelled there
	 * would leave it held, or half a message sent. */
	pthread_testcancel();
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cs);
	if (!send_lock(fd, n, dontwait)) {
		pthread_setcancelstate(cs, NULL);
		errno = EAGAIN;
		return -1;
	}
	if (pieces > 1 && (dontwait || nat_nonblocking(fd)) &&
	    !channel_fits(fd, total, pieces)) {
		err = EAGAIN;
		goto out;
	}
	/* Several datagrams: over WSP_PIECE_MAX, or more iovecs than one
	 * datagram takes. */
	xl = nat_shared(n) && (pieces > 1 || niov >= SEND_IOV_CAP);
	if (xl && !multi_lock(fd, true, dontwait || nat_nonblocking(fd))) {
		xl = false;
		err = EAGAIN;
		goto out;
	}
	iov_cursor c = {.iov = iov, .n = niov};
	size_t sent = 0;
	bool first = true;
	do {
		struct iovec v[SEND_IOV_CAP];
		int k = 1;
		v[0] = (struct iovec){m, sizeof(*m)};
		size_t want = total - sent;
		if (want > WSP_PIECE_MAX)
			want = WSP_PIECE_MAX;
		size_t got = iov_take(&c, v, &k, SEND_IOV_CAP, want);
		if (!got && want) {
			err = EFAULT; /* the iovecs changed under us */
			goto out;
		}
		sent += got;
		if (sent == total)
			m->flags |= WSP_MF_EOR;
		else
			m->flags &= ~(uint32_t)WSP_MF_EOR;
		struct msghdr mh = {.msg_iov = v, .msg_iovlen = (size_t)k};
		if (put_piece(fd, n, &mh, first, dontwait) < 0) {
			err = errno;
			goto out;
		}
		first = false;
	} while (sent < total);
	rc = 0;
out:
	if (xl)
		multi_lock(fd, false, true);
	pthread_mutex_unlock(&n->slock);
	pthread_setcancelstate(cs, NULL);
	if (rc < 0)
		errno = err;
	return rc;
}

/* The association a send without a destination goes to, as
 * sctp_sendmsg() finds it: 0 with its outbound streams in *out (0 when
 * not known), 1 when there is none (EPIPE), 2 when it is shutting down
 * (ESHUTDOWN, once the other checks passed), -1 with errno. */
static int which_assoc(int fd, int kind, const view *v, int32_t id,
		       uint16_t *out)
{
	*out = 0;
	if (kind == SHIM_FD_NATIVE_MANY) {
		int r = nat_assoc_lookup(fd, id, out);
		return r < 0 ? -1 : r == 0 ? 1 : r == 2 ? 2 : 0;
	}
	/* sctp_id2assoc() on a one-to-one socket: its association, once
	 * up; one that ended shows as EPIPE from the channel itself. */
	if (kind == SHIM_FD_NATIVE && !v->settled)
		return 1;
	*out = v->have_native ? (uint16_t)v->info.out_streams : 0;
	return 0;
}

/* The association a send to m->addr goes to: asks the daemon, which
 * starts one if none is there (WSP_CONNECTX, implicit: an existing one is
 * no error).  Sets m->assoc; *out gets its outbound streams when known.
 * 0, 2 when that association is shutting down, or -1 with errno (the
 * setup's: EADDRNOTAVAIL, EINVAL...). */
static int implicit_assoc(int fd, int kind, wsp_msg *m, uint16_t *out)
{
	wsp_req q = {.op = WSP_CONNECTX, .naddrs = 1, .arg = 1};
	wsp_rep rep;
	q.addrs[0] = m->addr;
	if (m->flags & WSP_MF_INIT) {
		struct sctp_initmsg im = {
		    .sinit_num_ostreams = m->init_ostreams,
		    .sinit_max_instreams = m->init_maxin,
		    .sinit_max_attempts = m->init_attempts,
		    .sinit_max_init_timeo = m->init_timeo,
		};
		memcpy(q.val, &im, sizeof(im));
		q.len = sizeof(im);
	}
	if (shim_ctl_call(&q, fd, &rep, NULL, false) < 0)
		return -1;
	if (rep.err) {
		errno = rep.err;
		return -1;
	}
	m->assoc = rep.val;
	int state = 0;
	if (rep.len >= sizeof(wsp_native)) {
		wsp_native w;
		memcpy(&w, rep.val_buf, sizeof(w));
		*out = (uint16_t)w.out_streams;
		state = w.state;
	}
	(void)kind;
	return state == WSP_ST_CLOSING ? 2 : 0;
}

ssize_t msg_send_native(int fd, int kind, const struct msghdr *msg, int flags,
			bool sendto_form)
{
	if (!msg) {
		errno = EFAULT;
		return -1;
	}
	ssize_t t = iov_total(msg->msg_iov, msg->msg_iovlen, EMSGSIZE);
	if (t < 0)
		return -1;
	size_t len = (size_t)t;
	if (msg->msg_controllen > INT_MAX) {
		errno = ENOBUFS;
		return -1;
	}
	if (msg->msg_controllen && !msg->msg_control) {
		errno = EFAULT;
		return -1;
	}
	/* sendto() takes a name of any length (sctp_verify_addr() judges
	 * it); sendmsg() drops a name of length 0 (__copy_msghdr()). */
	const struct sockaddr *name = msg->msg_name;
	socklen_t nlen = msg->msg_namelen;
	if (name && (int)nlen < 0) {
		errno = EINVAL;
		return -1;
	}
	if (sendto_form && name && nlen > sizeof(struct sockaddr_storage)) {
		errno = EINVAL;
		return -1;
	}
	if (nlen > sizeof(struct sockaddr_storage))
		nlen = sizeof(struct sockaddr_storage);
	if (!sendto_form && !nlen)
		name = NULL;

	nat *n = nat_of(fd, true);
	if (!n)
		return -1;
	view v;
	if (nat_info(fd, kind, &v, false) < 0)
		return errno == ENOTSOCK ? nat_fail_epipe(fd, flags) : -1;
	/* sctp_sendmsg_parse(), in its order. */
	if (kind == SHIM_FD_NATIVE &&
	    (v.state == WSP_ST_LISTEN || (v.have_native && v.info.listening)))
		return nat_fail_epipe(fd, flags);
	if (v.have_native && v.info.sndbuf && len > v.info.sndbuf) {
		errno = EMSGSIZE;
		return -1;
	}
	shim_sndcmsgs c;
	wsp_msg m = {0};
	int err = shim_cmsg_parse(msg, &c);
	if (!err)
		err = shim_sndinfo_build(&c, len, kind == SHIM_FD_NATIVE,
					 name != NULL, &m);
	/* sctp_sendmsg_get_daddr(): a peeled-off socket ignores the name. */
	if (!err && name && kind != SHIM_FD_NATIVE_PEELED)
		err = shim_sctp_daddr(name, nlen, v.family, &m.addr);
	if (err) {
		errno = err;
		return -1;
	}

	uint16_t sflags = (uint16_t)m.sflags, out = 0;
	int shutting = 0;
	if ((sflags & SCTP_SENDALL) && kind == SHIM_FD_NATIVE_MANY) {
		/* Every established association, the name ignored; with
		 * none at all the kernel returns 0. */
		view f;
		if (nat_info(fd, kind, &f, true) < 0)
			return -1;
		if (f.have_native && f.info.nassocs == 0)
			return 0;
		m.addr.family = 0;
	} else {
		/* SCTP_SENDALL means nothing to the other kinds. */
		m.sflags &= ~(uint32_t)SCTP_SENDALL;
		sflags = (uint16_t)m.sflags;
		if (!m.addr.family) {
			int r = which_assoc(fd, kind, &v, m.assoc, &out);
			if (r < 0 || r == 1)
				return r < 0 && errno != ENOTSOCK
					   ? -1
					   : nat_fail_epipe(fd, flags);
			shutting = r == 2;
		}
		/* With a destination: the association it names, or a new
		 * one set up now (implicit setup, with SCTP_INIT), as the
		 * kernel's sctp_sendmsg_new_asoc() does before sendmsg()
		 * returns; a receive right after it sees the association. */
		else if (!(sflags & (SCTP_EOF | SCTP_ABORT))) {
			int r = implicit_assoc(fd, kind, &m, &out);
			if (r < 0)
				return errno == EPIPE ? nat_fail_epipe(fd, flags)
						      : -1;
			shutting = r == 2;
		}
	}
	/* sctp_sendmsg_check_sflags(): SHUTDOWN or ABORT (its payload the
	 * abort reason), and 0 returned. */
	if (sflags & (SCTP_EOF | SCTP_ABORT)) {
		if (put_message(fd, n, &m, msg->msg_iov, msg->msg_iovlen, len,
				flags) < 0)
			return errno == EPIPE ? nat_fail_epipe(fd, flags) : -1;
		/* Its next send asks the daemon, which reads this message
		 * before it answers. */
		if (kind == SHIM_FD_NATIVE_MANY && m.assoc)
			nat_assoc_forget(fd, m.assoc);
		return 0;
	}
	/* sctp_sendmsg_to_asoc(): a stream the association has not (the
	 * default send parameters' without SNDINFO), and a message over the
	 * fragment point when fragmenting is off. */
	uint32_t stream = (m.flags & WSP_MF_SNDINFO) ? m.stream
			  : v.have_native    ? v.info.dflt_stream
					     : 0;
	if (out && stream >= out) {
		errno = EINVAL;
		return -1;
	}
	if (v.have_native && v.info.disable_fragments && v.info.frag_point &&
	    len > v.info.frag_point) {
		errno = EMSGSIZE;
		return -1;
	}
	/* sctp_primitive_SEND() in SHUTDOWN-PENDING, -SENT, -RECEIVED or
	 * -ACK-SENT: sctp_sf_error_shutdown(), no SIGPIPE.  A one-to-one or
	 * peeled-off socket's view says its association's state. */
	if (kind != SHIM_FD_NATIVE_MANY && v.have_native &&
	    v.info.state == WSP_ST_CLOSING)
		shutting = 1;
	if (shutting) {
		errno = ESHUTDOWN;
		return -1;
	}
	if (put_message(fd, n, &m, msg->msg_iov, msg->msg_iovlen, len, flags) <
	    0)
		return errno == EPIPE ? nat_fail_epipe(fd, flags) : -1;
	return (ssize_t)len;
}
