/*
 * ctl.c - the control server: one SOCK_SEQPACKET connection per
 * client process, one wsp_req per datagram, one answer each (wsproto.h).
 *
 * DESIGN.md §3, capability: a request about a socket carries that socket's
 * fd; the daemon identifies it by the fd's SO_COOKIE, so a client acts only
 * on sockets it holds.  Policy: SO_PEERCRED at connection; by default the
 * daemon's own user and root are served, everyone with --allow-all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "ends.h"
#include "limit.h"
#include "log.h"
#include "native.h"
#include "sctpd.h"
#include "sock.h"

typedef struct client {
	sctpd *d;
	int fd;
	uid_t uid;
	pid_t pid;
	bool refused;
} client;

static int send_rep(client *c, wsp_rep *rep, int fd)
{
	rep->magic = WSP_MAGIC;
	return wsp_send_fd(c->fd, rep, sizeof(*rep), fd,
			   MSG_DONTWAIT | MSG_NOSIGNAL) < 0
		   ? -1
		   : 0;
}

static void client_close(client *c)
{
	sctpd *d = c->d;
	loop_fd_del(d->l, c->fd);
	close(c->fd);
	free(c);
	d->nclients--;
}

static bool send_stat(client *c, const wsp_stat *st, wsp_rep *rep)
{
	if (send(c->fd, st, sizeof(*st), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return true;
	rep->err = EMSGSIZE;
	snprintf(rep->msg, sizeof(rep->msg), "list truncated: %s",
		 strerror(errno));
	return false;
}

static void do_list(client *c, wsp_rep *rep)
{
	for (wsock *s = c->d->socks; s; s = s->next) {
		if (c->uid != 0 && s->uid != c->uid)
			continue;
		wsp_stat st;
		sd_sock_stat(s, &st);
		if (!send_stat(c, &st, rep))
			return;
		/* A one-to-many socket: a row per association. */
		if (s->kind != WSP_K_SCTP_SEQPACKET)
			continue;
		for (nassoc *na = s->nat->assocs; na; na = na->next) {
			sd_sock_stat(s, &st);
			sd_native_stat(s, na, &st);
			if (!send_stat(c, &st, rep))
				return;
		}
	}
}

/* Requests about a native SCTP socket (native.h). */
static void do_native(client *c, wsock *s, const wsp_req *q, int fd,
		      wsp_rep *rep, int *fd_out)
{
	uint32_t len = q->len > WSP_OPT_MAX ? WSP_OPT_MAX : q->len;
	/* About an association: what the program sent before asking (a
	 * SCTP_EOF, an ABORT) counts. */
	if ((q->op == WSP_ASSOC || (q->op == WSP_CONNECTX && q->arg == 1)) &&
	    !sd_nchan_take_input(s)) {
		rep->err = ENOTSOCK;
		return;
	}
	switch (q->op) {
	case WSP_BIND:
		rep->err = sd_sock_bind(s, &q->addr, c->uid);
		break;
	case WSP_LISTEN:
		rep->err = sd_sock_listen(s, q->arg);
		break;
	case WSP_CONNECTX:
		if (q->arg == 1) {
			/* An implicit setup for a send (arg 1). */
			wsp_native nq;
			rep->err = sd_native_implicit_req(
			    s, &q->addrs[0],
			    q->len >= sizeof(struct sctp_initmsg) ? q->val
								  : NULL,
			    &nq);
			memcpy(rep->val_buf, &nq, sizeof(nq));
			rep->len = sizeof(nq);
			rep->val = nq.assoc;
			break;
		}
		/* fall through */
	case WSP_CONNECT: {
		int32_t id = 0;
		bool x = q->op == WSP_CONNECTX;
		rep->err = sd_native_connect(s, x ? q->addrs : &q->addr,
					     x ? q->naddrs : 1, fd, &id,
					     fd_out);
		rep->val = id;
		rep->len = (uint32_t)s->app_sndbuf; /* to restore */
		break;
	}
	case WSP_PEELOFF:
		rep->err = sd_native_peeloff(s, q->assoc, q->arg == 1, fd_out);
		break;
	case WSP_ASSOC: {
		wsp_native nq;
		rep->err = sd_native_assoc_state(s, q->assoc, &nq);
		memcpy(rep->val_buf, &nq, sizeof(nq));
		rep->len = sizeof(nq);
		rep->state = nq.state;
		rep->val = nq.assoc;
		return;
	}
	case WSP_SETOPT:
		rep->err = q->arg == SOL_SCTP
			       ? sd_sctpopt_set(s, q->name, q->val, len, c->uid)
			       : sd_sock_setopt(s, q->arg, q->name, q->val,
						len);
		/* Other processes holding the socket cached what it said
		 * (subscriptions, default stream...): they ask again. */
		if (!rep->err)
			sd_ends_bump(c->d, s->cookie);
		break;
	case WSP_GETOPT:
		memcpy(rep->val_buf, q->val, len);
		/* SOL_SCTP: the program's length decides (0 is EINVAL for
		 * most); the others answer as for a converted socket. */
		rep->len = q->arg == SOL_SCTP ? len : len ? len : WSP_OPT_MAX;
		rep->err =
		    q->arg == SOL_SCTP
			? sd_sctpopt_get(s, q->name, rep->val_buf, &rep->len)
			: sd_sock_getopt(s, q->arg, q->name, rep->val_buf,
					 &rep->len);
		break;
	case WSP_QUERY: {
		wsp_native nq;
		sd_native_query(s, &nq);
		memcpy(rep->val_buf, &nq, sizeof(nq));
		rep->len = sizeof(nq);
		break;
	}
	default:
		rep->err = EOPNOTSUPP;
	}
	rep->state = s->state;
	rep->local = s->local;
	rep->peer = s->peer;
	if (s->connect_failed)
		rep->flags |= WSP_RF_CONNECT_FAILED;
	if (q->op != WSP_CONNECT && q->op != WSP_CONNECTX)
		rep->val = s->so_error;
}

/* Requests about one socket: fd is the caller's copy of its app end. */
static void do_sock(client *c, const wsp_req *q, int fd, wsp_rep *rep,
		    int *fd_out)
{
	uint64_t cookie = 0;
	socklen_t cl = sizeof(cookie);
	wsock *s = NULL;

	if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &cl) == 0)
		s = sd_sock_find(c->d, cookie);
	if (!s) {
		rep->err = ENOTSOCK;
		snprintf(rep->msg, sizeof(rep->msg),
			 "not a withsctp socket of this daemon");
		return;
	}
	rep->family = s->family;
	sd_sock_touch_app(s, fd);
	if (s->nat) {
		do_native(c, s, q, fd, rep, fd_out);
		return;
	}
	switch (q->op) {
	case WSP_BIND:
		rep->err = sd_sock_bind(s, &q->addr, c->uid);
		break;
	case WSP_LISTEN:
		rep->err = sd_sock_listen(s, q->arg);
		break;
	case WSP_CONNECT:
		rep->err = sd_sock_connect(s, &q->addr, fd);
		rep->val = s->app_sndbuf; /* for the caller to restore */
		break;
	case WSP_SETOPT:
		rep->err =
		    sd_sock_setopt(s, q->arg, q->name, q->val,
				   q->len > WSP_OPT_MAX ? WSP_OPT_MAX : q->len);
		break;
	case WSP_GETOPT:
		rep->len = WSP_OPT_MAX;
		rep->err =
		    sd_sock_getopt(s, q->arg, q->name, rep->val_buf, &rep->len);
		break;
	case WSP_QUERY:
		break;
	}
	rep->state = s->state;
	rep->local = s->local;
	rep->peer = s->peer;
	if (s->connect_failed)
		rep->flags |= WSP_RF_CONNECT_FAILED;
	if (q->op != WSP_CONNECT)
		rep->val = s->so_error;
}

static void handle(client *c, const wsp_req *q, int fd)
{
	sctpd *d = c->d;
	wsp_rep rep = {.op = q->op, .udp_port = d->udp_port};
	int app_fd = -1;

	rep.val = (int32_t)d->pid;
	switch (q->op) {
	case WSP_HELLO:
		snprintf(rep.msg, sizeof(rep.msg),
			 "sctpd %d on %s, UDP port %u", (int)d->pid, d->control,
			 d->udp_port);
		break;
	case WSP_SOCKET: {
		if (q->family != AF_INET && q->family != AF_INET6) {
			rep.err = EAFNOSUPPORT;
			break;
		}
		char comm[16];
		snprintf(comm, sizeof(comm), "%.15s", q->comm);
		if (q->kind < WSP_K_TCP || q->kind > WSP_K_SCTP_SEQPACKET) {
			rep.err = EPROTONOSUPPORT;
			break;
		}
		wsock *s = sd_sock_new(d, q->family, q->kind, &q->params,
				       c->uid, c->pid, comm, &app_fd);
		if (s && q->kind == WSP_K_SCTP_STREAM)
			sd_native_fill(s, app_fd);
		if (!s)
			rep.err = errno ? errno : ENOMEM;
		if (!s && rep.err == ENFILE)
			sd_limit_message(d, c->uid, rep.msg, sizeof(rep.msg));
		break;
	}
	case WSP_LIST:
		do_list(c, &rep);
		break;
	case WSP_ENDS:
		app_fd = sd_ends_fd(d);
		if (app_fd < 0)
			rep.err = errno ? errno : ENOMEM;
		break;
	case WSP_STOP:
		if (c->uid != 0 && c->uid != d->uid) {
			rep.err = EPERM;
			break;
		}
		sd_log(d, LOG_INFO_, "stop requested by uid %u pid %d",
		       (unsigned)c->uid, (int)c->pid);
		d->stop_requested = true;
		break;
	case WSP_BIND:
	case WSP_LISTEN:
	case WSP_CONNECT:
	case WSP_QUERY:
	case WSP_GETOPT:
	case WSP_SETOPT:
	case WSP_PEELOFF:
	case WSP_CONNECTX:
	case WSP_ASSOC:
		do_sock(c, q, fd, &rep, &app_fd);
		break;
	default:
		rep.err = EOPNOTSUPP;
		snprintf(rep.msg, sizeof(rep.msg), "unknown request %u", q->op);
	}
	if (rep.err && !rep.msg[0])
		snprintf(rep.msg, sizeof(rep.msg), "%s", strerror(rep.err));
	send_rep(c, &rep, app_fd);
	if (app_fd >= 0)
		close(app_fd);
}

static void refuse(client *c)
{
	wsp_rep rep = {.err = EACCES};
	snprintf(rep.msg, sizeof(rep.msg),
		 "sctpd (uid %u) does not serve uid %u: ask its owner to run "
		 "it with --allow-all, or run your own (WITHSCTP_CONTROL="
		 "@withsctp-%u and another WITHSCTP_UDP_PORT)",
		 (unsigned)c->d->uid, (unsigned)c->uid, (unsigned)c->uid);
	send_rep(c, &rep, -1);
}

/* Requests that act on a socket the caller holds (and passes).  A user
 * the daemon does not serve may still use a socket handed to it, as xinetd
 * hands accepted sockets to services running as another user: holding the
 * fd is what the kernel asks too. */
static bool held_socket_op(uint32_t op)
{
	return op == WSP_BIND || op == WSP_LISTEN || op == WSP_CONNECT ||
	       op == WSP_QUERY || op == WSP_GETOPT || op == WSP_SETOPT ||
	       op == WSP_PEELOFF || op == WSP_CONNECTX || op == WSP_ASSOC;
}

static void on_client(loop *l, int fd, unsigned events, void *arg)
{
	client *c = arg;
	wsp_req q;
	int fd_in, mflags;

	(void)l;
	(void)fd;
	(void)events;
	ssize_t n = wsp_recv_fd(c->fd, &q, sizeof(q), &fd_in,
				MSG_DONTWAIT | MSG_CMSG_CLOEXEC, &mflags);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (fd_in >= 0)
			close(fd_in);
		client_close(c);
		return;
	}
	if (c->refused &&
	    !(fd_in >= 0 && held_socket_op(q.op) && (size_t)n == sizeof(q))) {
		refuse(c);
	} else if ((size_t)n != sizeof(q) || q.magic != WSP_MAGIC ||
		   (mflags & (MSG_TRUNC | MSG_CTRUNC))) {
		wsp_rep rep = {.err = EPROTO};
		snprintf(rep.msg, sizeof(rep.msg),
			 "malformed request (%zd bytes): a libwithsctp.so of "
			 "another version? restart the daemon",
			 n);
		send_rep(c, &rep, -1);
	} else {
		handle(c, &q, fd_in);
	}
	if (fd_in >= 0)
		close(fd_in);
}

static void on_accept(loop *l, int fd, unsigned events, void *arg)
{
	sctpd *d = arg;

	(void)events;
	for (int i = 0; i < 64; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0)
			return;
		struct ucred cr;
		socklen_t len = sizeof(cr);
		client *c = calloc(1, sizeof(*c));
		if (!c ||
		    getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
			free(c);
			close(cfd);
			continue;
		}
		c->d = d;
		c->fd = cfd;
		c->uid = cr.uid;
		c->pid = cr.pid;
		c->refused = !d->allow_all && cr.uid != 0 && cr.uid != d->uid;
		if (c->refused)
			sd_log(d, LOG_DEBUG_,
			       "uid %u (pid %d) is not served: only sockets it "
			       "holds",
			       (unsigned)cr.uid, (int)cr.pid);
		/* Room for a long sctpstat listing. */
		int big = 4 << 20;
		setsockopt(cfd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
		if (loop_fd_set(l, cfd, LOOP_READ, on_client, c) < 0) {
			free(c);
			close(cfd);
			continue;
		}
		d->nclients++;
	}
}

int sd_ctl_open(sctpd *d, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	socklen_t len = wsp_control_sockaddr(d->control, &sun);

	int fd =
	    socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		return -1;
	}
	if (d->control[0] != '@') {
		/* A stale socket file from a dead daemon is replaced; a live
		 * one answers connect(). */
		int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (probe >= 0 &&
		    connect(probe, (struct sockaddr *)&sun, len) < 0 &&
		    errno == ECONNREFUSED)
			unlink(d->control);
		if (probe >= 0)
			close(probe);
	}
	if (bind(fd, (struct sockaddr *)&sun, len) < 0) {
		int e = errno;
		close(fd);
		if (e == EADDRINUSE)
			snprintf(err, errlen,
				 "control address %s is in use: another sctpd "
				 "is running (sctpstat or checksctp -v tell "
				 "which); stop it or choose another --control",
				 d->control);
		else
			snprintf(err, errlen, "control address %s: %s",
				 d->control, strerror(e));
		return -1;
	}
	if (listen(fd, 128) < 0 ||
	    loop_fd_set(d->l, fd, LOOP_READ, on_accept, d) < 0) {
		snprintf(err, errlen, "control address %s: %s", d->control,
			 strerror(errno));
		close(fd);
		return -1;
	}
	d->ctl_fd = fd;
	return 0;
}

void sd_ctl_close(sctpd *d)
{
	if (d->ctl_fd < 0)
		return;
	loop_fd_del(d->l, d->ctl_fd);
	close(d->ctl_fd);
	d->ctl_fd = -1;
	if (d->control[0] != '@')
		unlink(d->control);
}
