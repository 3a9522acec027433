/*
 * sctpd_sock.c - emulated sockets, the SCTP ports they use, and the engine
 * events of their associations.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sctpd.h"

#define EPHEMERAL_LO 32768
#define EPHEMERAL_HI 60999

/* ---- addresses ---- */

static bool addr_is_any(const wsp_addr *a)
{
	static const uint8_t zero[16];
	return a->family == 0 ||
	       !memcmp(a->ip, zero, a->family == AF_INET ? 4 : 16);
}

/* The local address the kernel would use towards peer (a connected UDP
 * socket tells), with `port`: what getsockname() shows on TCP. */
static void route_src(sctpd *d, const wsp_addr *peer, int family, uint16_t port,
		      wsp_addr *out)
{
	esctp_addr e;
	sd_addr_to_esctp(peer, 9, &e);
	esctp_tstamp now = host_now(d->h);
	for (unsigned i = 0; i < SD_ROUTE_CACHE; i++) {
		sd_route *r = &d->routes[i];
		if (r->at && now - r->at < SD_ROUTE_TTL &&
		    esctp_addr_same_ip(&r->peer, &e)) {
			sd_addr_from_esctp(&r->src, port, family, out);
			return;
		}
	}
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	} u = {0};
	socklen_t len;
	int af = e.family == ESCTP_AF_INET ? AF_INET : AF_INET6;
	if (af == AF_INET) {
		u.sin.sin_family = AF_INET;
		u.sin.sin_port = htons(9);
		memcpy(&u.sin.sin_addr, e.ip, 4);
		len = sizeof(u.sin);
	} else {
		u.sin6.sin6_family = AF_INET6;
		u.sin6.sin6_port = htons(9);
		memcpy(&u.sin6.sin6_addr, e.ip, 16);
		u.sin6.sin6_scope_id = e.scope_id;
		len = sizeof(u.sin6);
	}
	esctp_addr src = {.family = e.family};
	int fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, &u.sa, len) == 0 &&
	    getsockname(fd, &u.sa, &len) == 0) {
		if (af == AF_INET)
			memcpy(src.ip, &u.sin.sin_addr, 4);
		else
			memcpy(src.ip, &u.sin6.sin6_addr, 16);
		sd_route *r = &d->routes[d->route_next++ % SD_ROUTE_CACHE];
		r->peer = e;
		r->src = src;
		r->at = now;
	}
	if (fd >= 0)
		close(fd);
	sd_addr_from_esctp(&src, port, family, out);
}

/* ---- the cookie hash ---- */

static size_t hslot(const sctpd *d, uint64_t cookie)
{
	return (size_t)((cookie * 0x9e3779b97f4a7c15ull) >> 40) % d->nhash;
}

wsock *sd_sock_find(sctpd *d, uint64_t cookie)
{
	for (wsock *s = d->hash[hslot(d, cookie)]; s; s = s->hnext)
		if (s->cookie == cookie)
			return s;
	return NULL;
}

static void hash_del(wsock *s)
{
	wsock **pp = &s->d->hash[hslot(s->d, s->cookie)];
	while (*pp && *pp != s)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = s->hnext;
}

/* ---- ports ---- */

static void port_on_event(host_handler *self, host_ep *e,
			  const esctp_event *ev);
static void port_on_ready(host_handler *self, host_ep *e);

static void engine_config(const sctpd *d, const wsp_params *p, uint16_t port,
			  esctp_config *cfg)
{
	host_endpoint_config(d->h, cfg);
	cfg->local_port = port;
	if (p->out_streams)
		cfg->out_streams = p->out_streams;
	if (p->max_in_streams)
		cfg->max_in_streams = p->max_in_streams;
	cfg->nodelay = p->nodelay;
	cfg->hb_interval_ms = p->hb_interval;
	if (p->rto_initial)
		cfg->rto_initial_ms = p->rto_initial;
	if (p->rto_min)
		cfg->rto_min_ms = p->rto_min;
	if (p->rto_max)
		cfg->rto_max_ms = p->rto_max;
	if (p->max_init_retrans)
		cfg->max_init_retrans = (uint16_t)p->max_init_retrans;
	if (p->sndbuf)
		cfg->sndbuf = p->sndbuf;
	if (p->rcvbuf && p->rcvbuf < cfg->rcvbuf)
		cfg->rcvbuf = p->rcvbuf;
	cfg->adaptation = true;
	cfg->adaptation_ind = WSP_ADAPTATION;
}

static wsport *port_new(sctpd *d, uint16_t port, const wsock *s)
{
	wsport *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	esctp_config cfg;
	engine_config(d, &s->params, port, &cfg);
	p->ep = esctp_endpoint_new(&cfg, host_ops(d->h));
	if (!p->ep) {
		free(p);
		errno = EINVAL;
		return NULL;
	}
	for (unsigned i = 0; i < s->params.nlocal && i < WSP_MAX_LOCAL; i++) {
		esctp_addr e;
		sd_addr_to_esctp(&s->params.local[i], 0, &e);
		esctp_endpoint_add_local_addr(p->ep, &e);
	}
	p->hd.on_event = port_on_event;
	p->hd.on_ready = port_on_ready;
	p->he = host_add_endpoint(d->h, p->ep, port, &p->hd);
	if (!p->he) {
		int e = errno;
		esctp_endpoint_free(p->ep);
		free(p);
		errno = e;
		return NULL;
	}
	p->d = d;
	p->port = port;
	p->refs = 1;
	p->next = d->ports;
	d->ports = p;
	return p;
}

void sd_port_put(sctpd *d, wsport *p)
{
	if (!p || --p->refs)
		return;
	for (wsport **pp = &d->ports; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	/* The host may be running this endpoint's handler: free it before
	 * the loop sleeps (sd_port_reap). */
	host_del_endpoint(p->he);
	p->next = d->dead_ports;
	d->dead_ports = p;
}

void sd_port_reap(sctpd *d)
{
	while (d->dead_ports) {
		wsport *p = d->dead_ports;
		d->dead_ports = p->next;
		esctp_endpoint_free(p->ep);
		free(p);
	}
}

static wsport *port_find(sctpd *d, uint16_t port)
{
	for (wsport *p = d->ports; p; p = p->next)
		if (p->port == port)
			return p;
	return NULL;
}

/* A free ephemeral port for s, with its endpoint. */
static wsport *port_ephemeral(sctpd *d, const wsock *s)
{
	uint32_t r;
	esctp_ops ops = *host_ops(d->h);
	ops.random(ops.user, &r, sizeof(r));
	unsigned span = EPHEMERAL_HI - EPHEMERAL_LO + 1;
	for (unsigned i = 0; i < span; i++) {
		uint16_t port = (uint16_t)(EPHEMERAL_LO + (r + i) % span);
		if (host_lookup(d->h, port))
			continue;
		return port_new(d, port, s);
	}
	errno = EADDRNOTAVAIL;
	return NULL;
}

static void port_link(wsock *s)
{
	wsport *p = s->port;
	s->pprev = NULL;
	s->pnext = p->socks;
	if (p->socks)
		p->socks->pprev = s;
	p->socks = s;
}

static void port_unlink(wsock *s)
{
	if (!s->port)
		return;
	if (s->pprev)
		s->pprev->pnext = s->pnext;
	else if (s->port->socks == s)
		s->port->socks = s->pnext;
	if (s->pnext)
		s->pnext->pprev = s->pprev;
	s->pnext = s->pprev = NULL;
}

/* ---- sockets ---- */

static void sock_on_event(host_handler *self, host_ep *e,
			  const esctp_event *ev);

/* Names the app end "\0wsctp:PID:SEQ" (see wsproto.h). */
static int name_app_end(sctpd *d, int fd, uint64_t seq)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int n = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
			 WSP_SOCK_PREFIX "%d:%llu", (int)d->pid,
			 (unsigned long long)seq);
	return bind(fd, (struct sockaddr *)&sun,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				(size_t)n));
}

/* Larger channel buffers than the AF_UNIX default (208 KiB) mean fewer
 * wake-ups per byte on both sides; only a root daemon may go past
 * net.core.wmem_max. */
static void chan_buffers(int sv[2])
{
	int v = SD_CHAN_BUF;
	for (int i = 0; i < 2; i++)
		if (setsockopt(sv[i], SOL_SOCKET, SO_SNDBUFFORCE, &v,
			       sizeof(v)) < 0)
			setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
}

wsock *sd_sock_new(sctpd *d, int family, const wsp_params *p, uid_t uid,
		   pid_t pid, const char *comm, int *app_fd)
{
	int sv[2];
	/* The app end stays blocking unless the program asks otherwise; its
	 * close-on-exec flag is the receiver's (MSG_CMSG_CLOEXEC). */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return NULL;
	chan_buffers(sv);
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0) {
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	wsock *s = calloc(1, sizeof(*s));
	uint64_t cookie = 0;
	socklen_t cl = sizeof(cookie);
	if (!s || name_app_end(d, sv[1], d->seq + 1) < 0 ||
	    getsockopt(sv[1], SOL_SOCKET, SO_COOKIE, &cookie, &cl) < 0) {
		int e = errno ? errno : ENOMEM;
		free(s);
		close(sv[0]);
		close(sv[1]);
		errno = e;
		return NULL;
	}
	s->d = d;
	s->seq = ++d->seq;
	s->cookie = cookie;
	s->uid = uid;
	s->pid = pid;
	snprintf(s->comm, sizeof(s->comm), "%s", comm ? comm : "?");
	s->family = family;
	s->fd = sv[0];
	s->appdup = -1;
	s->params = *p;
	s->nodelay = p->nodelay;
	s->hd.on_event = sock_on_event;
	if (loop_fd_set(d->l, s->fd, 0, sd_chan_event, s) < 0) {
		close(sv[0]);
		close(sv[1]);
		free(s);
		return NULL;
	}
	s->registered = true;
	s->next = d->socks;
	if (d->socks)
		d->socks->prev = s;
	d->socks = s;
	size_t h = hslot(d, cookie);
	s->hnext = d->hash[h];
	d->hash[h] = s;
	d->nsocks++;
	sd_idle_check(d);
	*app_fd = sv[1];
	return s;
}

void sd_sock_free(wsock *s)
{
	sctpd *d = s->d;

	if (s->a) {
		esctp_assoc_set_user(s->a, NULL);
		esctp_assoc_free(s->a);
		s->a = NULL;
		if (s->port)
			host_kick(s->port->he);
	}
	sd_chan_close(s);
	if (s->appdup >= 0)
		close(s->appdup);
	if (s->port && s->port->listener == s) {
		s->port->listener = NULL;
		esctp_endpoint_listen(s->port->ep, false);
	}
	port_unlink(s);
	sd_port_put(d, s->port);
	hash_del(s);
	if (s->prev)
		s->prev->next = s->next;
	else
		d->socks = s->next;
	if (s->next)
		s->next->prev = s->prev;
	free(s->obuf);
	free(s);
	d->nsocks--;
	sd_idle_check(d);
}

/* ---- bind, listen, connect ---- */

int sd_sock_bind(wsock *s, const wsp_addr *addr, uid_t uid)
{
	sctpd *d = s->d;

	if (s->port)
		return EINVAL; /* already bound */
	if (addr->port && addr->port < d->unpriv_port && uid != 0)
		return EACCES;
	wsport *p = NULL;
	if (addr->port) {
		p = port_find(d, addr->port);
		if (p) {
			/* Like TCP's SO_REUSEADDR: a port whose sockets all
			 * allow it, and that nobody listens on, is shared. */
			if (!s->reuseaddr || !p->reuse || p->listener)
				return EADDRINUSE;
			p->refs++;
		} else if (host_lookup(d->h, addr->port)) {
			return EADDRINUSE;
		} else {
			p = port_new(d, addr->port, s);
			if (!p)
				return errno;
			p->reuse = s->reuseaddr;
		}
	} else {
		p = port_ephemeral(d, s);
		if (!p)
			return errno;
		p->reuse = s->reuseaddr;
	}
	if (!addr_is_any(addr)) {
		esctp_addr e;
		sd_addr_to_esctp(addr, 0, &e);
		esctp_endpoint_add_local_addr(p->ep, &e);
	}
	s->port = p;
	s->local = *addr;
	s->local.family = (uint16_t)s->family;
	s->local.port = p->port;
	s->state = WSP_ST_BOUND;
	return 0;
}

int sd_sock_listen(wsock *s, int backlog)
{
	static const wsp_addr any;

	if (s->state == WSP_ST_LISTEN) {
		s->backlog = backlog;
		return 0;
	}
	if (s->state != WSP_ST_NEW && s->state != WSP_ST_BOUND)
		return EINVAL;
	if (!s->port) {
		int e = sd_sock_bind(s, &any, 0);
		if (e)
			return e;
	}
	if (s->port->listener)
		return EADDRINUSE;
	s->port->listener = s;
	s->backlog = backlog > 0 ? backlog : 1;
	s->state = WSP_ST_LISTEN;
	esctp_endpoint_listen(s->port->ep, true);
	sd_chan_interest(s);
	return 0;
}

int sd_sock_connect(wsock *s, const wsp_addr *addr, int app_fd)
{
	sctpd *d = s->d;
	static const wsp_addr any;

	switch (s->state) {
	case WSP_ST_CONNECTING:
		close(app_fd);
		return EALREADY;
	case WSP_ST_ESTABLISHED:
	case WSP_ST_CLOSING:
		close(app_fd);
		return EISCONN;
	case WSP_ST_LISTEN:
	case WSP_ST_CLOSED:
		close(app_fd);
		return EINVAL;
	}
	if (!s->port) {
		int e = sd_sock_bind(s, &any, 0);
		if (e) {
			close(app_fd);
			return e;
		}
	}
	esctp_addr peer;
	sd_addr_to_esctp(addr, d->udp_port, &peer);
	esctp_assoc *a;
	int rc = esctp_endpoint_connect(s->port->ep, &peer, 1, addr->port,
					host_now(d->h), &a);
	if (rc < 0) {
		close(app_fd);
		return rc == ESCTP_ERR_EXIST ? EADDRINUSE : EINVAL;
	}
	s->a = a;
	esctp_assoc_set_user(a, s);
	if (s->nodelay != s->params.nodelay)
		esctp_assoc_set_nodelay(a, s->nodelay);
	port_link(s);
	s->peer = *addr;
	s->state = WSP_ST_CONNECTING;
	route_src(d, addr, s->family, s->port->port, &s->local);
	/* DESIGN.md §3: the app end stays unwritable until the outcome.  A
	 * tiny send buffer, filled from the app side into our end, which we
	 * leave unread until then. */
	s->appdup = app_fd;
	socklen_t l = sizeof(s->app_sndbuf);
	if (getsockopt(app_fd, SOL_SOCKET, SO_SNDBUF, &s->app_sndbuf, &l) < 0)
		s->app_sndbuf = 0;
	int one = 1;
	setsockopt(app_fd, SOL_SOCKET, SO_SNDBUF, &one, sizeof(one));
	static const uint8_t fill[2048];
	for (int i = 0; i < 64; i++) {
		ssize_t n = send(app_fd, fill, sizeof(fill),
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n <= 0)
			break;
		s->filler += (size_t)n;
	}
	sd_chan_interest(s);
	host_kick(s->port->he);
	return 0;
}

/* ---- engine events ---- */

static void fill_addrs_from_status(wsock *s)
{
	esctp_status st;
	esctp_assoc_status(s->a, &st);
	s->peer_ws =
	    st.peer_adaptation_present && st.peer_adaptation == WSP_ADAPTATION;
	for (uint32_t i = 0; i < st.npaths && i < 8; i++)
		if (st.paths[i].primary || i == 0)
			sd_addr_from_esctp(&st.paths[i].addr, st.peer_port,
					   s->family, &s->peer);
}

/* Hands an accepted association to the listener's channel as a record
 * carrying the new app end (DESIGN.md §3, listening sockets). */
static void deliver_accept(wsock *s)
{
	wsport *p = s->port;
	wsock *l = p ? p->listener : NULL;
	wsp_accept rec = {
	    .magic = WSP_MAGIC, .peer = s->peer, .local = s->local};
	if (!l || l->fd < 0 ||
	    wsp_send_fd(l->fd, &rec, sizeof(rec), s->appdup,
			MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		char b[64];
		sd_log(s->d, LOG_WARN_,
		       "port %u: no room to queue the association from %s "
		       "(listener gone or backlog full): aborted",
		       p ? p->port : 0, sd_addr_str(&s->peer, b, sizeof(b)));
		sd_sock_free(s);
		return;
	}
	close(s->appdup);
	s->appdup = -1;
	s->state = WSP_ST_ESTABLISHED;
	sd_chan_interest(s);
	sd_chan_pump(s);
}

static void accept_new(wsport *p, esctp_assoc *a)
{
	wsock *l = p->listener;
	int app_fd;

	if (!l) {
		esctp_assoc_abort(a, "no listener", host_now(p->d->h));
		return;
	}
	wsock *s = sd_sock_new(p->d, l->family, &l->params, l->uid, l->pid,
			       l->comm, &app_fd);
	if (!s) {
		sd_log(p->d, LOG_WARN_, "port %u: cannot accept: %s", p->port,
		       strerror(errno));
		esctp_assoc_abort(a, "out of resources", host_now(p->d->h));
		return;
	}
	s->appdup = app_fd;
	s->accepted = true;
	s->a = a;
	s->port = p;
	p->refs++;
	s->nodelay = l->nodelay;
	s->keepalive = l->keepalive;
	s->linger0 = l->linger0;
	s->state = WSP_ST_CONNECTING;
	esctp_assoc_set_user(a, s);
	if (s->nodelay != s->params.nodelay)
		esctp_assoc_set_nodelay(a, s->nodelay);
	port_link(s);
}

static int lost_errno(const esctp_event *ev)
{
	return ev->error == 0 ? ETIMEDOUT : ECONNREFUSED;
}

static void on_up(wsock *s)
{
	char b1[64], b2[64];

	fill_addrs_from_status(s);
	if (addr_is_any(&s->local) || s->accepted)
		route_src(s->d, &s->peer, s->family, s->port->port, &s->local);
	if (s->accepted && s->port->listener &&
	    !addr_is_any(&s->port->listener->local)) {
		s->local = s->port->listener->local;
		s->local.port = s->port->port;
	}
	sd_log(s->d, LOG_INFO_, "%s[%d]: association %s -> %s up%s", s->comm,
	       (int)s->pid, sd_addr_str(&s->local, b1, sizeof(b1)),
	       sd_addr_str(&s->peer, b2, sizeof(b2)),
	       s->peer_ws ? " (withsctp peer)" : "");
	if (s->accepted) {
		deliver_accept(s);
		return;
	}
	s->state = WSP_ST_ESTABLISHED;
	sd_chan_up(s);
}

static void on_failed(wsock *s, const esctp_event *ev)
{
	char b[64];
	bool starting = ev->type == ESCTP_EV_CANT_START;

	sd_log(s->d, LOG_INFO_, "%s[%d]: association with %s %s: %s", s->comm,
	       (int)s->pid, sd_addr_str(&s->peer, b, sizeof(b)),
	       starting ? "could not start" : "lost", strerror(lost_errno(ev)));
	if (s->accepted && s->appdup >= 0) {
		sd_sock_free(s); /* the program never saw it */
		return;
	}
	if (starting) {
		s->so_error = lost_errno(ev);
		s->state = WSP_ST_CLOSED;
		/* As on TCP: reads see EOF and writes EPIPE.  The order
		 * matters: EOF first (the shim reads "writable and nothing
		 * else" as success, and a program polling for POLLOUT alone
		 * is not woken by it), then writable, then the write side
		 * shut.  The channel then hangs up for good, so it leaves
		 * the loop, and the socket is kept a while for SO_ERROR
		 * (sd_sweep). */
		shutdown(s->fd, SHUT_WR);
		s->eof_to_app = true;
		sd_chan_release_filler(s);
		shutdown(s->fd, SHUT_RD);
		if (s->registered)
			loop_fd_del(s->d->l, s->fd);
		s->registered = false;
		sd_reap_at(s, host_now(s->d->h) + SD_REAP_DELAY);
		return;
	}
	s->so_error = ev->error == 0 ? ETIMEDOUT : ECONNRESET;
	s->state = WSP_ST_CLOSED;
	if (s->app_gone) {
		sd_sock_free(s);
		return;
	}
	/* Deliver what fits, then close our end: the program reads what
	 * arrived, then EOF (ECONNRESET when it had unread data in flight
	 * to us), and writing gets EPIPE. */
	sd_chan_pump(s);
	sd_sock_free(s);
}

static void sock_on_event(host_handler *self, host_ep *e, const esctp_event *ev)
{
	wsock *s = (wsock *)self;

	(void)e;
	switch (ev->type) {
	case ESCTP_EV_COMM_UP:
		on_up(s);
		break;
	case ESCTP_EV_DATA:
	case ESCTP_EV_SENDER_DRY:
		sd_chan_pump(s);
		break;
	case ESCTP_EV_SHUTDOWN:
		s->peer_shutdown = true;
		s->state = WSP_ST_CLOSING;
		sd_chan_peer_eof(s);
		break;
	case ESCTP_EV_SHUTDOWN_COMP:
		s->state = WSP_ST_CLOSED;
		if (s->app_gone) {
			sd_sock_free(s);
			break;
		}
		sd_chan_peer_eof(s);
		break;
	case ESCTP_EV_COMM_LOST:
	case ESCTP_EV_CANT_START:
		on_failed(s, ev);
		break;
	case ESCTP_EV_RESTART:
		sd_log(s->d, LOG_INFO_, "%s[%d]: peer restarted", s->comm,
		       (int)s->pid);
		break;
	case ESCTP_EV_SEND_FAILED:
		sd_log(s->d, LOG_DEBUG_, "%s[%d]: %u bytes not delivered",
		       s->comm, (int)s->pid, ev->len);
		break;
	default:
		break;
	}
}

static void port_on_event(host_handler *self, host_ep *e, const esctp_event *ev)
{
	wsport *p = (wsport *)self;

	(void)e;
	if (ev->type == ESCTP_EV_ACCEPT && ev->assoc) {
		accept_new(p, ev->assoc);
		return;
	}
	if (ev->assoc && (ev->type == ESCTP_EV_COMM_LOST ||
			  ev->type == ESCTP_EV_SHUTDOWN_COMP ||
			  ev->type == ESCTP_EV_CANT_START))
		esctp_assoc_free(ev->assoc); /* orphaned (socket freed) */
}

static void port_on_ready(host_handler *self, host_ep *e)
{
	wsport *p = (wsport *)self;

	(void)e;
	p->refs++; /* a socket freed below must not free p under us */
	for (wsock *s = p->socks, *next; s; s = next) {
		next = s->pnext;
		if (sd_chan_wants_pump(s))
			sd_chan_pump(s);
	}
	sd_port_put(p->d, p);
}

/* ---- options ---- */

static sd_opt *opt_slot(wsock *s, int level, int name, bool create)
{
	for (unsigned i = 0; i < s->nopts; i++)
		if (s->opts[i].level == level && s->opts[i].name == name)
			return &s->opts[i];
	if (!create || s->nopts == SD_OPTS_MAX)
		return NULL;
	sd_opt *o = &s->opts[s->nopts++];
	o->level = level;
	o->name = name;
	return o;
}

static int int_of(const void *val, uint32_t len)
{
	int v = 0;
	memcpy(&v, val, len < sizeof(v) ? len : sizeof(v));
	return v;
}

/* Applies the options that have an SCTP meaning (DESIGN.md §3), and
 * records every option so that getsockopt returns it. */
int sd_sock_setopt(wsock *s, int level, int name, const void *val, uint32_t len)
{
	if (len > WSP_OPT_MAX)
		return EINVAL;
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_REUSEADDR:
		case SO_REUSEPORT:
			s->reuseaddr = int_of(val, len) != 0;
			if (s->port && s->port->refs == 1)
				s->port->reuse = s->reuseaddr;
			break;
		case SO_KEEPALIVE:
			s->keepalive = int_of(val, len) != 0;
			if (s->keepalive && s->a && !s->params.hb_interval)
				esctp_assoc_set_hb_interval(s->a, 30000);
			break;
		case SO_LINGER: {
			struct linger lg = {0};
			if (len < sizeof(lg))
				return EINVAL;
			memcpy(&lg, val, sizeof(lg));
			s->linger0 = lg.l_onoff && lg.l_linger == 0;
			break;
		}
		case SO_SNDBUF:
		case SO_RCVBUF: {
			int v = int_of(val, len);
			if (v < 2048)
				v = 2048;
			/* Sizes the engine's buffers of a port not made yet. */
			if (name == SO_SNDBUF)
				s->params.sndbuf = (uint32_t)v * 2;
			else
				s->params.rcvbuf = (uint32_t)v * 2;
			int dbl = v * 2; /* what Linux reports */
			sd_opt *o = opt_slot(s, level, name, true);
			if (o) {
				o->len = sizeof(dbl);
				memcpy(o->val, &dbl, sizeof(dbl));
			}
			return 0;
		}
		}
	} else if (level == IPPROTO_TCP && name == TCP_NODELAY) {
		s->nodelay = int_of(val, len) != 0;
		if (s->a)
			esctp_assoc_set_nodelay(s->a, s->nodelay);
	}
	sd_opt *o = opt_slot(s, level, name, true);
	if (!o)
		return ENOMEM;
	o->len = len;
	memcpy(o->val, val, len);
	return 0;
}

static int put_int(int v, void *val, uint32_t *len)
{
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

int sd_sock_getopt(wsock *s, int level, int name, void *val, uint32_t *len)
{
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_ERROR: {
			int e = s->so_error;
			s->so_error = 0;
			if (s->reap_at && e)
				sd_reap_at(s, 1); /* read: free it now */
			return put_int(e, val, len);
		}
		case SO_DOMAIN:
			return put_int(s->family, val, len);
		case SO_TYPE:
			return put_int(SOCK_STREAM, val, len);
		case SO_PROTOCOL:
			return put_int(IPPROTO_TCP, val, len);
		case SO_ACCEPTCONN:
			return put_int(s->state == WSP_ST_LISTEN, val, len);
		case SO_REUSEADDR:
			return put_int(s->reuseaddr, val, len);
		case SO_KEEPALIVE:
			return put_int(s->keepalive, val, len);
		}
	} else if (level == IPPROTO_TCP && name == TCP_NODELAY) {
		return put_int(s->nodelay, val, len);
	}
	sd_opt *o = opt_slot(s, level, name, false);
	if (o) {
		memcpy(val, o->val, o->len);
		*len = o->len;
		return 0;
	}
	if (level == SOL_SOCKET && (name == SO_SNDBUF || name == SO_RCVBUF)) {
		esctp_config cfg;
		engine_config(s->d, &s->params, 1, &cfg);
		return put_int(
		    (int)(name == SO_SNDBUF ? cfg.sndbuf : cfg.rcvbuf), val,
		    len);
	}
	if (level == IPPROTO_TCP && name == TCP_MAXSEG)
		return put_int(1400, val, len);
	if (level == SOL_SOCKET && name == SO_LINGER) {
		struct linger lg = {0};
		memcpy(val, &lg, sizeof(lg));
		*len = sizeof(lg);
		return 0;
	}
	/* No IP options were set (and none travel with SCTP in UDP): the
	 * kernel answers an empty buffer, which sshd(8) checks for before it
	 * serves a connection (IP_OPTIONS, ip(7)). */
	if (level == IPPROTO_IP && name == IP_OPTIONS) {
		*len = 0;
		return 0;
	}
	/* Never set: the kernel's default for most flags and counts. */
	return put_int(0, val, len);
}

/* ---- listing, stopping ---- */

void sd_sock_stat(const wsock *s, wsp_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->magic = WSP_MAGIC;
	st->state = s->state;
	st->family = s->family;
	st->pid = (int32_t)s->pid;
	st->uid = (uint32_t)s->uid;
	memcpy(st->comm, s->comm, sizeof(st->comm));
	st->local = s->local;
	st->peer = s->peer;
	st->bytes_in = s->bytes_in;
	st->bytes_out = s->bytes_out;
	st->msgs_in = s->msgs_in;
	st->msgs_out = s->msgs_out;
	if (!s->a)
		return;
	esctp_status es;
	esctp_assoc_status(s->a, &es);
	snprintf(st->engine_state, sizeof(st->engine_state), "%s",
		 esctp_state_name(es.state));
	st->in_streams = es.in_streams;
	st->out_streams = es.out_streams;
	st->npaths = es.npaths;
	st->peer_rwnd = es.peer_rwnd;
	st->retransmits = es.retransmits;
	for (uint32_t i = 0; i < es.npaths && i < 8; i++)
		if (es.paths[i].primary) {
			st->rto_ms = es.paths[i].rto_ms;
			st->srtt_ms = es.paths[i].srtt_ms;
			st->cwnd = es.paths[i].cwnd;
			st->flight = es.paths[i].flight;
		}
}

void sd_sock_shutdown_all(sctpd *d)
{
	esctp_tstamp now = host_now(d->h);

	for (wsock *s = d->socks, *next; s; s = next) {
		next = s->next;
		if (s->state == WSP_ST_LISTEN) {
			sd_sock_free(s);
			continue;
		}
		if (!s->a) {
			sd_sock_free(s);
			continue;
		}
		s->app_gone = true;
		sd_chan_close(s);
		if (!s->shutdown_sent) {
			s->shutdown_sent = true;
			esctp_assoc_shutdown(s->a, now);
			host_kick(s->port->he);
		}
	}
}

void sd_sweep(sctpd *d)
{
	esctp_tstamp now = host_now(d->h), next_at = ESCTP_TSTAMP_NEVER;

	for (wsock *s = d->socks, *next; s; s = next) {
		next = s->next;
		if (s->reap_at && s->reap_at <= now)
			sd_sock_free(s);
		else if (s->reap_at && s->reap_at < next_at)
			next_at = s->reap_at;
	}
	if (next_at != ESCTP_TSTAMP_NEVER)
		loop_timer_set(d->l, &d->sweep_t, next_at);
}

void sd_reap_at(wsock *s, esctp_tstamp when)
{
	sctpd *d = s->d;

	s->reap_at = when;
	if (!loop_timer_armed(&d->sweep_t) || d->sweep_t.when > when)
		loop_timer_set(d->l, &d->sweep_t, when);
}

void sd_sock_free_all(sctpd *d)
{
	while (d->socks)
		sd_sock_free(d->socks);
}
