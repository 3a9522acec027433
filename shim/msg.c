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

#include "shim.h"

extern void __chk_fail(void) __attribute__((noreturn));

/* import_iovec()'s cap on the bytes of one call (include/linux/fs.h). */
#define MAX_RW_COUNT ((size_t)INT_MAX & ~(size_t)4095)

/* ---- per-fd state ---- */

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
	/* Under rlock: the head datagram, partly read. */
	uint32_t rseq, roff;
} nat;

static nat *pages[NAT_MAX / NAT_PAGE];

/* The child of a fork has only the thread that forked: a lock another
 * thread held is free there. */
static void atfork_child(void)
{
	for (size_t i = 0; i < NAT_MAX / NAT_PAGE; i++) {
		nat *p = pages[i];
		for (int j = 0; p && j < NAT_PAGE; j++) {
			pthread_mutex_init(&p[j].slock, NULL);
			pthread_mutex_init(&p[j].rlock, NULL);
			pthread_mutex_init(&p[j].ilock, NULL);
			p[j].swaiting = false;
		}
	}
}

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void atfork_register(void)
{
	pthread_atfork(NULL, NULL, atfork_child);
}

__attribute__((constructor)) static void msg_init(void)
{
	pthread_once(&atfork_once, atfork_register);
}

static nat *nat_of(int fd, bool create)
{
	if (fd < 0 || fd >= NAT_MAX) {
		errno = ENOBUFS;
		return NULL;
	}
	nat **slot = &pages[fd / NAT_PAGE];
	nat *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (!p && create) {
		pthread_once(&atfork_once, atfork_register);
		size_t size = NAT_PAGE * sizeof(nat);
		void *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			errno = ENOBUFS;
			return NULL;
		}
		nat *none = NULL;
		if (__atomic_compare_exchange_n(slot, &none, m, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			p = m;
		} else {
			munmap(m, size);
			p = none;
		}
	}
	if (!p) {
		errno = ENOBUFS;
		return NULL;
	}
	return &p[fd % NAT_PAGE];
}

void shim_native_forget(int fd)
{
	nat *n = nat_of(fd, false);
	if (!n)
		return;
	pthread_mutex_lock(&n->ilock);
	n->have = n->have_native = n->settled = false;
	memset(n->assoc, 0, sizeof(n->assoc));
	n->ends_gen = 0;
	pthread_mutex_unlock(&n->ilock);
}

void shim_native_reset(int fd)
{
	nat *n = nat_of(fd, false);
	if (!n)
		return;
	shim_native_forget(fd);
	pthread_mutex_lock(&n->rlock);
	n->rseq = n->roff = 0;
	pthread_mutex_unlock(&n->rlock);
}

/* ---- what the daemon says ---- */

typedef struct view {
	int family, state;
	bool have_native, settled;
	wsp_native info;
} view;

static bool up_or_over(int state)
{
	return state == WSP_ST_ESTABLISHED || state == WSP_ST_CLOSING ||
	       state == WSP_ST_CLOSED;
}

/* WSP_QUERY on fd into *v and the cache.  -1 with errno: the daemon's
 * error, or ENOTSOCK when it does not know the socket. */
static int query(int fd, nat *n, view *v)
{
	wsp_req q = {.op = WSP_QUERY};
	wsp_rep rep;
	if (shim_ctl_call(&q, fd, &rep, NULL, false) < 0)
		return -1;
	if (rep.err) {
		errno = rep.err;
		return -1;
	}
	memset(v, 0, sizeof(*v));
	v->family = rep.family;
	v->state = rep.state;
	if (rep.len >= sizeof(wsp_native)) {
		memcpy(&v->info, rep.val_buf, sizeof(v->info));
		v->have_native = true;
	}
	v->settled = up_or_over(rep.state);
	pthread_mutex_lock(&n->ilock);
	n->have = true;
	n->have_native = v->have_native;
	n->family = v->family;
	n->state = v->state;
	n->info = v->info;
	n->settled = n->settled || v->settled;
	v->settled = n->settled;
	pthread_mutex_unlock(&n->ilock);
	return 0;
}

/* What is known of native socket fd: the cached answer, else (or when
 * `fresh`, or for a one-to-one socket whose association has not been up
 * yet: its state decides) a new one.  -1 with errno. */
static int info_get(int fd, int kind, view *v, bool fresh)
{
	nat *n = nat_of(fd, true);
	if (!n)
		return -1;
	if (!fresh) {
		pthread_mutex_lock(&n->ilock);
		bool ok = n->have && (kind != SHIM_FD_NATIVE || n->settled);
		if (ok) {
			v->family = n->family;
			v->state = n->state;
			v->have_native = n->have_native;
			v->settled = n->settled;
			v->info = n->info;
		}
		pthread_mutex_unlock(&n->ilock);
		if (ok)
			return 0;
	}
	return query(fd, n, v);
}

static void assoc_put(nat *n, int32_t id, uint16_t out)
{
	pthread_mutex_lock(&n->ilock);
	nat_assoc *slot = NULL;
	for (int i = 0; i < NAT_ASSOCS && !slot; i++)
		if (n->assoc[i].used && n->assoc[i].id == id)
			slot = &n->assoc[i];
	for (int i = 0; i < NAT_ASSOCS && !slot; i++)
		if (!n->assoc[i].used)
			slot = &n->assoc[i];
	if (!slot)
		slot = &n->assoc[n->victim++ % NAT_ASSOCS];
	*slot = (nat_assoc){.id = id, .out = out, .used = 1};
	pthread_mutex_unlock(&n->ilock);
}

static void assoc_drop(nat *n, int32_t id)
{
	pthread_mutex_lock(&n->ilock);
	for (int i = 0; i < NAT_ASSOCS; i++)
		if (n->assoc[i].used && n->assoc[i].id == id)
			n->assoc[i].used = 0;
	pthread_mutex_unlock(&n->ilock);
}

/* The daemon's association-end counters (WSP_ENDS), mapped read-only
 * once per process (a fork inherits the mapping); NULL while they cannot
 * be had, and for good from a daemon that has none. */
static const uint32_t *ends_page;
static bool ends_none;

static const uint32_t *ends_map(void)
{
	const uint32_t *p = __atomic_load_n(&ends_page, __ATOMIC_ACQUIRE);
	if (p || __atomic_load_n(&ends_none, __ATOMIC_RELAXED))
		return p;
	wsp_req q = {.op = WSP_ENDS};
	wsp_rep rep;
	int fd;
	if (shim_ctl_call(&q, -1, &rep, &fd, true) < 0)
		return NULL;
	if (rep.err || fd < 0) {
		if (fd >= 0)
			shim_libc.close(fd);
		__atomic_store_n(&ends_none, true, __ATOMIC_RELAXED);
		return NULL;
	}
	void *m = mmap(NULL, WSP_ENDS_SLOTS * sizeof(uint32_t), PROT_READ,
		       MAP_SHARED, fd, 0);
	shim_libc.close(fd);
	if (m == MAP_FAILED)
		return NULL;
	const uint32_t *none = NULL;
	if (!__atomic_compare_exchange_n(&ends_page, &none, m, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		munmap(m, WSP_ENDS_SLOTS * sizeof(uint32_t));
		return none;
	}
	return m;
}

/* Forgets the cached ids of n (under its ilock) when one of the socket's
 * associations ended or left since they were learnt: a send to a gone id
 * must ask, and fail with EPIPE. */
static void ends_check(nat *n, const uint32_t *page)
{
	uint32_t slot = n->have_native ? n->info.ends_slot : 0;
	if (!page || slot < 1 || slot > WSP_ENDS_SLOTS)
		return;
	uint32_t g = __atomic_load_n(&page[slot - 1], __ATOMIC_ACQUIRE);
	if (g != n->ends_gen) {
		memset(n->assoc, 0, sizeof(n->assoc));
		n->ends_gen = g;
	}
}

/* Whether association `id` of one-to-many socket fd exists (1, with its
 * outbound streams in *out, 0 when not known) or not (0); -1 with errno
 * when the daemon cannot say. */
static int assoc_lookup(int fd, int32_t id, uint16_t *out)
{
	*out = 0;
	/* sctp_id2assoc(): ids start above SCTP_ALL_ASSOC. */
	if (id <= SCTP_ALL_ASSOC)
		return 0;
	nat *n = nat_of(fd, true);
	if (!n)
		return -1;
	const uint32_t *page = ends_map();
	pthread_mutex_lock(&n->ilock);
	/* Before the question below: an end after it moves the counter
	 * again. */
	ends_check(n, page);
	int found = 0;
	for (int i = 0; i < NAT_ASSOCS && !found; i++)
		if (n->assoc[i].used && n->assoc[i].id == id) {
			*out = n->assoc[i].out;
			found = 1;
		}
	pthread_mutex_unlock(&n->ilock);
	if (found)
		return 1;

	wsp_req q = {.op = WSP_ASSOC, .assoc = id};
	wsp_rep rep;
	if (shim_ctl_call(&q, fd, &rep, NULL, false) < 0)
		return -1;
	if (rep.err == ENOTSOCK) {
		errno = ENOTSOCK;
		return -1;
	}
	if (rep.err == EINVAL || rep.err == ENOENT || rep.err == ESRCH ||
	    (!rep.err && rep.state == WSP_ST_CLOSED))
		return 0;
	if (rep.err)
		return 1; /* the daemon cannot tell: let it decide */
	if (rep.len >= sizeof(wsp_native)) {
		wsp_native w;
		memcpy(&w, rep.val_buf, sizeof(w));
		*out = (uint16_t)w.out_streams;
	}
	assoc_put(n, id, *out);
	return 1;
}

/* An SCTP_ASSOC_CHANGE the program read: keeps the cache in step without
 * asking (a new association's streams, one that ended). */
static void assoc_note(int fd, int kind, const struct sctp_assoc_change *ac)
{
	nat *n = nat_of(fd, false);
	if (!n)
		return;
	switch (ac->sac_state) {
	case SCTP_COMM_LOST:
	case SCTP_SHUTDOWN_COMP:
	case SCTP_CANT_STR_ASSOC:
		if (kind == SHIM_FD_NATIVE_MANY)
			assoc_drop(n, ac->sac_assoc_id);
		break;
	case SCTP_COMM_UP:
	case SCTP_RESTART:
		if (kind == SHIM_FD_NATIVE_MANY) {
			assoc_put(n, ac->sac_assoc_id,
				  ac->sac_outbound_streams);
		} else {
			pthread_mutex_lock(&n->ilock);
			if (n->have_native)
				n->info.out_streams = ac->sac_outbound_streams;
			pthread_mutex_unlock(&n->ilock);
		}
		break;
	}
}

/* The socket's pending error (SO_ERROR, which reading clears), as
 * sock_error() gives it to a send or receive that found nothing to do;
 * 0 when none.  -1 with errno when the daemon cannot be asked. */
static int so_error(int fd, int *err)
{
	wsp_req q = {.op = WSP_GETOPT, .arg = SOL_SOCKET, .name = SO_ERROR};
	wsp_rep rep;
	*err = 0;
	if (shim_ctl_call(&q, fd, &rep, NULL, false) < 0)
		return -1;
	if (!rep.err && rep.len >= sizeof(int))
		memcpy(err, rep.val_buf, sizeof(int));
	return 0;
}

/* sctp_error(): EPIPE gives way to a pending socket error, else comes
 * with SIGPIPE to the calling thread unless MSG_NOSIGNAL. */
static ssize_t fail_epipe(int fd, int flags)
{
	int err;
	if (so_error(fd, &err) == 0 && err) {
		errno = err;
		return -1;
	}
	if (!(flags & MSG_NOSIGNAL))
		raise(SIGPIPE);
	errno = EPIPE;
	return -1;
}

/* ---- iovecs ---- */

/* import_iovec(): at most UIO_MAXIOV entries (`too_many`), no length
 * above SSIZE_MAX (EINVAL); the total is capped at MAX_RW_COUNT. */
static ssize_t iov_total(const struct iovec *iov, size_t n, int too_many)
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

typedef struct cursor {
	const struct iovec *iov;
	size_t n, i, off;
} cursor;

/* Appends to out[*k..cap) the slices of the cursor's next `want` bytes
 * and moves past them; returns the bytes covered (fewer when out is
 * full or the iovecs end). */
static size_t take(cursor *c, struct iovec *out, int *k, int cap, size_t want)
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

static void advance(cursor *c, size_t n)
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
static void gather(const struct iovec *iov, size_t n, void *dst, size_t len)
{
	char *d = dst;
	for (size_t i = 0; i < n && len; i++) {
		size_t t = iov[i].iov_len < len ? iov[i].iov_len : len;
		memcpy(d, iov[i].iov_base, t);
		d += t;
		len -= t;
	}
}

/* ---- sending ---- */

/* Slices of one datagram: pieces of programs with many small iovecs are
 * smaller than WSP_PIECE_MAX rather than costing a big stack. */
#define SEND_IOV_CAP 64
/* What a datagram costs the channel's send buffer beyond its bytes (an
 * sk_buff's truesize: its head and struct skb_shared_info), rounded up. */
#define SKB_COST 1024

static bool nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK);
}

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
	if (!dontwait && !nonblocking(fd)) {
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
static int put_message(int fd, nat *n, wsp_msg *m, const struct iovec *iov,
		       size_t niov, size_t total, int flags)
{
	size_t pieces = total ? (total + WSP_PIECE_MAX - 1) / WSP_PIECE_MAX : 1;
	bool dontwait = flags & MSG_DONTWAIT;
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
	if (pieces > 1 && (dontwait || nonblocking(fd)) &&
	    !channel_fits(fd, total, pieces)) {
		err = EAGAIN;
		goto out;
	}
	cursor c = {.iov = iov, .n = niov};
	size_t sent = 0;
	bool first = true;
	do {
		struct iovec v[SEND_IOV_CAP];
		int k = 1;
		v[0] = (struct iovec){m, sizeof(*m)};
		size_t want = total - sent;
		if (want > WSP_PIECE_MAX)
			want = WSP_PIECE_MAX;
		size_t got = take(&c, v, &k, SEND_IOV_CAP, want);
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
	pthread_mutex_unlock(&n->slock);
	pthread_setcancelstate(cs, NULL);
	if (rc < 0)
		errno = err;
	return rc;
}

/* The association a send without a destination goes to, as
 * sctp_sendmsg() finds it: 0 with its outbound streams in *out (0 when
 * not known), 1 when there is none (EPIPE), -1 with errno. */
static int which_assoc(int fd, int kind, const view *v, int32_t id,
		       uint16_t *out)
{
	*out = 0;
	if (kind == SHIM_FD_NATIVE_MANY) {
		int r = assoc_lookup(fd, id, out);
		return r < 0 ? -1 : r == 0;
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
 * 0, or -1 with errno (the setup's: EADDRNOTAVAIL, EINVAL...). */
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
	if (rep.len >= sizeof(wsp_native)) {
		wsp_native w;
		memcpy(&w, rep.val_buf, sizeof(w));
		*out = (uint16_t)w.out_streams;
	}
	(void)kind;
	return 0;
}

static ssize_t native_send(int fd, int kind, const struct msghdr *msg,
			   int flags, bool sendto_form)
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
	if (info_get(fd, kind, &v, false) < 0)
		return errno == ENOTSOCK ? fail_epipe(fd, flags) : -1;
	/* sctp_sendmsg_parse(), in its order. */
	if (kind == SHIM_FD_NATIVE &&
	    (v.state == WSP_ST_LISTEN || (v.have_native && v.info.listening)))
		return fail_epipe(fd, flags);
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
	if ((sflags & SCTP_SENDALL) && kind == SHIM_FD_NATIVE_MANY) {
		/* Every established association, the name ignored; with
		 * none at all the kernel returns 0. */
		view f;
		if (info_get(fd, kind, &f, true) < 0)
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
			if (r)
				return r < 0 && errno != ENOTSOCK
					   ? -1
					   : fail_epipe(fd, flags);
		}
		/* With a destination: the association it names, or a new
		 * one set up now (implicit setup, with SCTP_INIT), as the
		 * kernel's sctp_sendmsg_new_asoc() does before sendmsg()
		 * returns; a receive right after it sees the association. */
		else if (!(sflags & (SCTP_EOF | SCTP_ABORT)) &&
			 implicit_assoc(fd, kind, &m, &out) < 0)
			return errno == EPIPE ? fail_epipe(fd, flags) : -1;
	}
	/* sctp_sendmsg_check_sflags(): SHUTDOWN or ABORT (its payload the
	 * abort reason), and 0 returned. */
	if (sflags & (SCTP_EOF | SCTP_ABORT)) {
		if (put_message(fd, n, &m, msg->msg_iov, msg->msg_iovlen, len,
				flags) < 0)
			return errno == EPIPE ? fail_epipe(fd, flags) : -1;
		return 0;
	}
	/* sctp_sendmsg_to_asoc(): a stream the association has not, and a
	 * message over the fragment point when fragmenting is off. */
	if ((m.flags & WSP_MF_SNDINFO) && out && m.stream >= out) {
		errno = EINVAL;
		return -1;
	}
	if (v.have_native && v.info.disable_fragments && v.info.frag_point &&
	    len > v.info.frag_point) {
		errno = EMSGSIZE;
		return -1;
	}
	if (put_message(fd, n, &m, msg->msg_iov, msg->msg_iovlen, len, flags) <
	    0)
		return errno == EPIPE ? fail_epipe(fd, flags) : -1;
	return (ssize_t)len;
}

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
static ssize_t take_message(int fd, nat *n, struct msghdr *msg, int flags,
			    size_t total, got_msg *g, bool *eof)
{
	bool peek = flags & MSG_PEEK;
	uint32_t off = n->roff, seq = n->rseq;
	cursor c = {.iov = msg->msg_iov, .n = msg->msg_iovlen};
	unsigned char scratch[SCRATCH];
	size_t got = 0;

	*eof = false;
	for (;;) {
		size_t room = total - got;
		struct iovec v[RECV_IOV_CAP];
		int k = 1;
		wsp_msg h;
		cursor save = c;
		ssize_t r;

		/* A continuation is peeked first: it must be the same
		 * association's (with FRAGMENT_INTERLEAVE another's may
		 * come between two pieces). */
		if (!peek && !off && !g->any && room >= WSP_PIECE_MAX &&
		    take(&c, v, &k, RECV_IOV_CAP, room) >= WSP_PIECE_MAX) {
			r = read_whole(fd, &h, v, k);
			c = save;
			if (r <= 0) {
				if (g->any)
					break;
				*eof = r == 0;
				return r;
			}
			size_t plen = (size_t)r - sizeof(h);
			if (h.flags & WSP_MF_FILLER)
				continue;
			advance(&c, plen);
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
		size_t win = take(&c, v, &k, RECV_IOV_CAP, room);
		c = save;
		v[0] = (struct iovec){&h, sizeof(h)};
		struct msghdr mh = {.msg_iov = v, .msg_iovlen = (size_t)k};
		r = shim_libc.recvmsg(fd, &mh,
				      MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);
		if (r <= 0) {
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
		advance(&c, part);
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
		return info_get(fd, kind, &v, false) == 0 && !v.settled &&
		       (v.state == WSP_ST_NEW || v.state == WSP_ST_BOUND);
	if (info_get(fd, kind, &v, false) == 0 && v.have_native &&
	    v.info.listening)
		return false;
	return info_get(fd, kind, &v, true) == 0 && v.have_native &&
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
		if (so_error(fd, &err) < 0) {
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
	if (info_get(fd, kind, &v, true) < 0) {
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
		gather(msg->msg_iov, msg->msg_iovlen, &ac,
		       offsetof(struct sctp_assoc_change, sac_info));
		if (ac.sac_type == SCTP_ASSOC_CHANGE)
			assoc_note(fd, kind, &ac);
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

static ssize_t native_recv(int fd, int kind, struct msghdr *msg, int flags)
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
	if (kind == SHIM_FD_NATIVE && info_get(fd, kind, &v, false) == 0 &&
	    !v.settled &&
	    (v.state == WSP_ST_LISTEN || (v.have_native && v.info.listening))) {
		errno = ENOTCONN;
		return -1;
	}
	for (;;) {
		got_msg g = {0};
		bool eof;
		pthread_mutex_lock(&n->rlock);
		ssize_t r =
		    take_message(fd, n, msg, flags, (size_t)t, &g, &eof);
		if (r >= 0 && !eof)
			next_info(fd, &g);
		pthread_mutex_unlock(&n->rlock);
		if (r >= 0 && eof)
			return at_eof(fd, kind);
		if (r >= 0) {
			finish_recv(fd, kind, msg, flags, &g, (size_t)r);
			return r;
		}
		if (errno != EAGAIN || (flags & MSG_DONTWAIT) ||
		    nonblocking(fd))
			return -1;
		if (would_enotconn(fd, kind)) {
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
	return native_send(fd, kind, msg, flags, false);
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
	return native_recv(fd, kind, msg, flags);
}

ssize_t shim_send(int fd, const void *buf, size_t len, int flags)
{
	int kind = shim_native_kind(fd);
	if (!kind)
		return shim_libc.send(fd, buf, len, flags);
	struct iovec iov = {(void *)buf, len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	return native_send(fd, kind, &m, flags, true);
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
	return native_send(fd, kind, &m, flags, true);
}

ssize_t shim_recv(int fd, void *buf, size_t len, int flags)
{
	int kind = shim_native_kind(fd);
	if (!kind)
		return shim_libc.recv(fd, buf, len, flags);
	struct iovec iov = {buf, len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	return native_recv(fd, kind, &m, flags);
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
	ssize_t r = native_recv(fd, kind, &m, flags);
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
	return native_recv(fd, kind, &m, 0);
}

ssize_t shim_write(int fd, const void *buf, size_t len)
{
	int kind = shim_native_kind(fd);
	if (!kind)
		return shim_libc.write(fd, buf, len);
	struct iovec iov = {(void *)buf, len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	return native_send(fd, kind, &m, 0, false);
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
	return native_recv(fd, kind, &m, 0);
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
	return native_send(fd, kind, &m, 0, false);
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
		    native_send(fd, kind, &vec[i].msg_hdr, flags, false);
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
		ssize_t r = native_recv(fd, kind, &vec[i].msg_hdr,
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
