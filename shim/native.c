/*
 * native.c - native SCTP sockets in the shim (DESIGN.md §3, "Native SCTP
 * socket"): socket(..., IPPROTO_SCTP) when the kernel has no SCTP, the
 * connect of one-to-many sockets, and the SOL_SCTP options, with the
 * private ones libsctp calls (sctp_connectx, sctp_peeloff, sctp_getpaddrs
 * and sctp_getladdrs are getsockopt/setsockopt calls: NATIVE-API.md).
 * The daemon keeps the state and decides (cli/sctpd/native.c); the
 * message calls are msg.c's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <poll.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "shim.h"

bool shim_is_sctp_type(int domain, int type, int protocol)
{
	int t = type & 0xf;
	return (domain == AF_INET || domain == AF_INET6) &&
	       (t == SOCK_STREAM || t == SOCK_SEQPACKET) &&
	       protocol == IPPROTO_SCTP;
}

int shim_native_socket(int domain, int type)
{
	bool stream = (type & 0xf) == SOCK_STREAM;
	return shim_daemon_socket(
	    domain, type, stream ? WSP_K_SCTP_STREAM : WSP_K_SCTP_SEQPACKET,
	    stream ? SHIM_FD_NATIVE : SHIM_FD_NATIVE_MANY);
}

/* The socket's SO_SNDTIMEO in ms, -1 for none (the kernel's
 * sock_sndtimeo() bounds a blocking connect with it). */
static int sndtimeo_ms(int fd)
{
	struct timeval tv = {0};
	socklen_t l = sizeof(tv);
	if (shim_libc.getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &l) == 0 &&
	    (tv.tv_sec || tv.tv_usec))
		return (int)(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
	return -1;
}

/* Linux sctp_wait_for_connect() on a one-to-many socket: waits on the
 * daemon's wait fd, then asks how it ended.  Returns 0 or -1 with errno
 * (EINPROGRESS after SO_SNDTIMEO, EINTR, the connect's error). */
static int wait_assoc(int fd, int wfd, int32_t id)
{
	struct pollfd p = {.fd = wfd, .events = POLLIN};
	int r = poll(&p, 1, sndtimeo_ms(fd));
	int e = errno;
	close(wfd);
	if (r < 0) {
		errno = e;
		return -1;
	}
	if (r == 0) {
		errno = EINPROGRESS;
		return -1;
	}
	wsp_req q = {.op = WSP_ASSOC, .assoc = id};
	wsp_rep rep;
	if (shim_ctl_call(&q, fd, &rep, NULL, false) < 0)
		return -1;
	if (rep.err) {
		errno = rep.err;
		return -1;
	}
	if (rep.state == WSP_ST_ESTABLISHED || rep.state == WSP_ST_CLOSING)
		return 0;
	errno = rep.val ? rep.val : ECONNREFUSED;
	return -1;
}

/* connect() and sctp_connectx() of a native socket to n addresses.  *id
 * (may be NULL) gets the association id, also with EINPROGRESS. */
static int native_connectx(int fd, const wsp_addr *addrs, unsigned n,
			   int32_t *id)
{
	wsp_req q = {.op = WSP_CONNECTX, .naddrs = n};
	wsp_rep rep;
	int wfd = -1;
	memcpy(q.addrs, addrs, n * sizeof(*addrs));
	shim_native_forget(fd); /* msg.c's cached view of the socket */
	if (shim_ctl_call(&q, fd, &rep, &wfd, true) < 0)
		return -1;
	if (rep.err) {
		if (wfd >= 0)
			close(wfd);
		errno = rep.err;
		return -1;
	}
	if (id)
		*id = rep.val;
	int fl = fcntl(fd, F_GETFL);
	bool nonblock = fl >= 0 && (fl & O_NONBLOCK);
	if (wfd < 0) {
		/* One-to-one: the app end is writable once it is up or
		 * failed, as after a converted connect. */
		if (nonblock) {
			errno = EINPROGRESS;
			return -1;
		}
		return shim_connect_wait(fd, (int)rep.len);
	}
	if (nonblock) {
		close(wfd);
		errno = EINPROGRESS;
		return -1;
	}
	return wait_assoc(fd, wfd, rep.val);
}

int shim_native_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	wsp_addr w;
	if (shim_sa_to_wsp(sa, len, &w) < 0)
		return -1;
	return native_connectx(fd, &w, 1, NULL);
}

/* Packed sockaddrs of sctp_connectx/sctp_bindx (bytes in all). */
static int parse_addrs(const void *buf, size_t bytes, wsp_addr *out,
		       unsigned *n)
{
	const uint8_t *p = buf;
	size_t off = 0;
	*n = 0;
	while (off < bytes) {
		sa_family_t fam;
		if (bytes - off < sizeof(fam))
			break;
		memcpy(&fam, p + off, sizeof(fam));
		size_t alen = fam == AF_INET	? sizeof(struct sockaddr_in)
			      : fam == AF_INET6 ? sizeof(struct sockaddr_in6)
						: 0;
		if (!alen || bytes - off < alen || *n == WSP_MAX_PEERS) {
			errno = EINVAL;
			return -1;
		}
		struct sockaddr_storage ss;
		memcpy(&ss, p + off, alen);
		if (shim_sa_to_wsp((struct sockaddr *)&ss, (socklen_t)alen,
				   &out[*n]) < 0)
			return -1;
		(*n)++;
		off += alen;
	}
	if (!*n) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static int connectx_opt(int fd, const void *addrs, size_t bytes, int32_t *id)
{
	wsp_addr w[WSP_MAX_PEERS];
	unsigned n;
	if (!addrs || parse_addrs(addrs, bytes, w, &n) < 0) {
		errno = addrs ? errno : EFAULT;
		return -1;
	}
	return native_connectx(fd, w, n, id);
}

static int peeloff(int fd, void *val, socklen_t *len, bool with_flags)
{
	sctp_peeloff_flags_arg_t a;
	size_t need = with_flags ? sizeof(a) : sizeof(a.p_arg);
	if (*len < need) {
		errno = EINVAL;
		return -1;
	}
	memset(&a, 0, sizeof(a));
	memcpy(&a, val, need);
	if (with_flags &&
	    (a.flags & ~(unsigned)(SOCK_CLOEXEC | SOCK_NONBLOCK))) {
		errno = EINVAL;
		return -1;
	}
	shim_native_forget(fd);
	wsp_req q = {.op = WSP_PEELOFF, .assoc = a.p_arg.associd, .arg = 1};
	wsp_rep rep;
	int nfd = -1;
	bool cloexec = with_flags && (a.flags & SOCK_CLOEXEC);
	if (shim_ctl_call(&q, fd, &rep, &nfd, cloexec) < 0)
		return -1;
	if (rep.err || nfd < 0) {
		if (nfd >= 0)
			close(nfd);
		errno = rep.err ? rep.err : EPROTO;
		return -1;
	}
	shim_fd_set(nfd, SHIM_FD_NATIVE_PEELED);
	shim_native_own(nfd);
	/* sctp_sock_migrate(): what is queued for it moves along. */
	shim_native_migrate(fd, nfd, a.p_arg.associd);
	if (with_flags && (a.flags & SOCK_NONBLOCK))
		fcntl(nfd, F_SETFL, O_NONBLOCK);
	a.p_arg.sd = nfd;
	memcpy(val, &a, need);
	*len = (socklen_t)need;
	return 0;
}

int shim_native_getsockopt(int fd, int name, void *val, socklen_t *len)
{
	if (!len || !val) {
		errno = EFAULT;
		return -1;
	}
	switch (name) {
	case SCTP_SOCKOPT_PEELOFF:
		return peeloff(fd, val, len, false);
	case SCTP_SOCKOPT_PEELOFF_FLAGS:
		return peeloff(fd, val, len, true);
	case SCTP_SOCKOPT_CONNECTX3: {
		/* libsctp's sctp_connectx(): {id, bytes, addresses}; the id
		 * comes back with EINPROGRESS too. */
		struct sctp_getaddrs_old p;
		if (*len < sizeof(p)) {
			errno = EINVAL;
			return -1;
		}
		memcpy(&p, val, sizeof(p));
		int32_t id = 0;
		int rc = connectx_opt(fd, p.addrs, (size_t)p.addr_num, &id);
		int e = errno;
		if (rc == 0 || e == EINPROGRESS) {
			p.assoc_id = id;
			memcpy(val, &p, sizeof(p));
		}
		errno = e;
		return rc;
	}
	}
	wsp_req q = {.op = WSP_GETOPT, .arg = SOL_SCTP, .name = name};
	wsp_rep rep;
	q.len = *len > WSP_OPT_MAX ? WSP_OPT_MAX : *len;
	memcpy(q.val, val, q.len);
	if (shim_ctl_call(&q, fd, &rep, NULL, false) < 0)
		return -1;
	if (rep.err) {
		errno = rep.err;
		return -1;
	}
	socklen_t n = rep.len < *len ? rep.len : *len;
	memcpy(val, rep.val_buf, n);
	*len = n;
	return 0;
}

int shim_native_setsockopt(int fd, int name, const void *val, socklen_t len)
{
	if (len && !val) {
		errno = EFAULT;
		return -1;
	}
	switch (name) {
	case SCTP_SOCKOPT_CONNECTX:
	case SCTP_SOCKOPT_CONNECTX_OLD: {
		int32_t id = 0;
		int rc = connectx_opt(fd, val, len, &id);
		/* Linux: CONNECTX returns the new id, EINPROGRESS or not
		 * (libsctp takes a positive return as the id). */
		if (name == SCTP_SOCKOPT_CONNECTX && rc == 0)
			return id;
		return rc;
	}
	}
	if (len > WSP_OPT_MAX) {
		errno = EINVAL;
		return -1;
	}
	shim_native_forget(fd);
	wsp_req q = {
	    .op = WSP_SETOPT, .arg = SOL_SCTP, .name = name, .len = len};
	memcpy(q.val, val, len);
	wsp_rep rep;
	if (shim_ctl_call(&q, fd, &rep, NULL, false) < 0)
		return -1;
	if (rep.err) {
		errno = rep.err;
		return -1;
	}
	return 0;
}

/* Linux inet_shutdown(): a socket that is not connected answers
 * ENOTCONN; a listener ignores SHUT_WR.  sctp_shutdown() acts on
 * one-to-one sockets only: SHUT_WR starts the association's SHUTDOWN (the
 * daemon reads EOF on the channel: nchan.c); one-to-many and peeled-off
 * sockets change nothing, so their channel is left open. */
int shim_native_shutdown(int fd, int kind, int how)
{
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) {
		errno = EINVAL;
		return -1;
	}
	wsp_req q = {.op = WSP_QUERY};
	wsp_rep rep;
	if (shim_ctl_call(&q, fd, &rep, NULL, false) < 0)
		return -1;
	if (rep.err) {
		errno = rep.err;
		return -1;
	}
	wsp_native nq = {0};
	if (rep.len >= sizeof(nq))
		memcpy(&nq, rep.val_buf, sizeof(nq));
	if (kind == SHIM_FD_NATIVE_PEELED)
		return 0;
	if (kind == SHIM_FD_NATIVE_MANY) {
		if (nq.listening)
			return 0;
		errno = ENOTCONN;
		return -1;
	}
	if (rep.state == WSP_ST_LISTEN)
		return 0;
	if (rep.state != WSP_ST_ESTABLISHED && rep.state != WSP_ST_CLOSING &&
	    rep.state != WSP_ST_CONNECTING) {
		errno = ENOTCONN;
		return -1;
	}
	return shim_libc.shutdown(fd, how);
}
