/*
 * nat.c - what the shim remembers of each native SCTP socket's fd, and
 * what the daemon says of the socket: its state and family (WSP_QUERY, a
 * wsp_native), the association ids of a one-to-many socket that exist
 * (WSP_ASSOC, kept in step with the notifications the program reads and
 * with the daemon's association-end counters), its SO_ERROR.
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

static nat *pages[NAT_MAX / NAT_PAGE];

/* After a fork every socket is shared with the other process. */
static void atfork_parent(void)
{
	for (size_t i = 0; i < NAT_MAX / NAT_PAGE; i++) {
		nat *p = pages[i];
		for (int j = 0; p && j < NAT_PAGE; j++)
			__atomic_store_n(&p[j].own, false, __ATOMIC_RELAXED);
	}
}

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
			p[j].own = false;
		}
	}
}

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void atfork_register(void)
{
	pthread_atfork(NULL, atfork_parent, atfork_child);
}

__attribute__((constructor)) static void msg_init(void)
{
	pthread_once(&atfork_once, atfork_register);
}

nat *nat_of(int fd, bool create)
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
	n->ends_gen = n->view_gen = 0;
	pthread_mutex_unlock(&n->ilock);
}

void shim_native_own(int fd)
{
	nat *n = nat_of(fd, true);
	if (n)
		__atomic_store_n(&n->own, true, __ATOMIC_RELAXED);
}

bool nat_shared(const nat *n)
{
	return !__atomic_load_n(&n->own, __ATOMIC_RELAXED);
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
	__atomic_store_n(&n->own, false, __ATOMIC_RELAXED);
}

/* ---- what the daemon says ---- */

static bool up_or_over(int state)
{
	return state == WSP_ST_ESTABLISHED || state == WSP_ST_CLOSING ||
	       state == WSP_ST_CLOSED;
}

/* The daemon's association-end counters (WSP_ENDS), mapped read-only
 * once per process (a fork inherits the mapping) and again when another
 * daemon answers (a restart: the old page is left mapped, another thread
 * may still read it); NULL while they cannot be had, and for good from a
 * daemon that has none. */
static const uint32_t *ends_page;
static pid_t ends_daemon;
static bool ends_none;

static const uint32_t *ends_map(void)
{
	const uint32_t *p = __atomic_load_n(&ends_page, __ATOMIC_ACQUIRE);
	pid_t d = shim_ctl_daemon();
	if (p && (!d || __atomic_load_n(&ends_daemon, __ATOMIC_RELAXED) == d))
		return p;
	if (!p && __atomic_load_n(&ends_none, __ATOMIC_RELAXED))
		return NULL;
	wsp_req q = {.op = WSP_ENDS};
	wsp_rep rep;
	int fd;
	if (shim_ctl_call(&q, -1, &rep, &fd, true) < 0)
		return p;
	if (rep.err || fd < 0) {
		if (fd >= 0)
			shim_libc.close(fd);
		__atomic_store_n(&ends_none, true, __ATOMIC_RELAXED);
		return p;
	}
	void *m = mmap(NULL, WSP_ENDS_SLOTS * sizeof(uint32_t), PROT_READ,
		       MAP_SHARED, fd, 0);
	shim_libc.close(fd);
	if (m == MAP_FAILED)
		return p;
	const uint32_t *old = p;
	if (!__atomic_compare_exchange_n(&ends_page, &old, m, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		munmap(m, WSP_ENDS_SLOTS * sizeof(uint32_t));
		return old;
	}
	__atomic_store_n(&ends_daemon, shim_ctl_daemon(), __ATOMIC_RELAXED);
	return m;
}

/* The counter of the socket n's cached view names, into *g; false when
 * there is none to read. */
static bool ends_read(const nat *n, const uint32_t *page, uint32_t *g)
{
	uint32_t slot = n->have_native ? n->info.ends_slot : 0;
	if (!page || slot < 1 || slot > WSP_ENDS_SLOTS)
		return false;
	*g = __atomic_load_n(&page[slot - 1], __ATOMIC_ACQUIRE);
	return true;
}

/* WSP_QUERY on fd into *v and the cache.  -1 with errno: the daemon's
 * error, or ENOTSOCK when it does not know the socket. */
static int query(int fd, nat *n, view *v)
{
	wsp_req q = {.op = WSP_QUERY};
	wsp_rep rep;
	/* The counter before the question: a change after it shows. */
	const uint32_t *page = ends_map();
	uint32_t g = 0;
	pthread_mutex_lock(&n->ilock);
	bool known = ends_read(n, page, &g);
	pthread_mutex_unlock(&n->ilock);
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
	if (!known) /* the first answer named the counter */
		ends_read(n, page, &g);
	n->view_gen = g;
	pthread_mutex_unlock(&n->ilock);
	return 0;
}

/* What is known of native socket fd: the cached answer, else (or when
 * `fresh`, or for a one-to-one socket whose association has not been up
 * yet: its state decides) a new one.  -1 with errno. */
int nat_info(int fd, int kind, view *v, bool fresh)
{
	nat *n = nat_of(fd, true);
	if (!n)
		return -1;
	if (!fresh) {
		/* An association of the socket ended or began its shutdown
		 * since the answer: ask again. */
		const uint32_t *page = ends_map();
		uint32_t g;
		pthread_mutex_lock(&n->ilock);
		bool ok = n->have && (kind != SHIM_FD_NATIVE || n->settled) &&
			  !(ends_read(n, page, &g) && g != n->view_gen);
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

/* Forgets the cached ids of n (under its ilock) when one of the socket's
 * associations ended or left since they were learnt: a send to a gone id
 * must ask, and fail with EPIPE. */
static void ends_check(nat *n, const uint32_t *page)
{
	uint32_t g;
	if (ends_read(n, page, &g) && g != n->ends_gen) {
		memset(n->assoc, 0, sizeof(n->assoc));
		n->ends_gen = g;
	}
}

/* Whether association `id` of one-to-many socket fd exists (1, with its
 * outbound streams in *out, 0 when not known) or not (0); -1 with errno
 * when the daemon cannot say. */
int nat_assoc_lookup(int fd, int32_t id, uint16_t *out)
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
	/* Shutting down: not remembered, each send asks (it ends soon). */
	if (rep.state == WSP_ST_CLOSING)
		return 2;
	assoc_put(n, id, *out);
	return 1;
}

void nat_assoc_forget(int fd, int32_t id)
{
	nat *n = nat_of(fd, false);
	if (n)
		assoc_drop(n, id);
}

/* An SCTP_ASSOC_CHANGE the program read: keeps the cache in step without
 * asking (a new association's streams, one that ended). */
void nat_assoc_note(int fd, int kind, const struct sctp_assoc_change *ac)
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
int nat_so_error(int fd, int *err)
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
ssize_t nat_fail_epipe(int fd, int flags)
{
	int err;
	if (nat_so_error(fd, &err) == 0 && err) {
		errno = err;
		return -1;
	}
	if (!(flags & MSG_NOSIGNAL))
		raise(SIGPIPE);
	errno = EPIPE;
	return -1;
}

bool nat_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK);
}
