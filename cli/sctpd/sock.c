/*
 * sock.c - emulated sockets: creation and end, bind, listen,
 * connect, accept, the engine events of their associations, options.
 * Ports and listeners are port.c's; the data path chan.c's.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "addr.h"
#include "chan.h"
#include "limit.h"
#include "log.h"
#include "port.h"
#include "sctpd.h"
#include "native.h"
#include "sock.h"
#include "tcpinfo.h"

/* ---- addresses ---- */

static bool addr_is_any(const wsp_addr *a)
{
	static const uint8_t zero[16];
	return a->family == 0 ||
	       !memcmp(a->ip, zero, a->family == AF_INET ? 4 : 16);
}

/* The local address the kernel would use towards peer (a connected UDP
 * socket tells), with `port`: what getsockname() shows on TCP while the
 * association comes up. */
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
	struct sockaddr_storage ss;
	socklen_t len = udp_addr_to_sockaddr(&e, &ss);
	esctp_addr src = {.family = e.family};
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&ss, len) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    udp_addr_from_sockaddr(&src, (struct sockaddr *)&ss, len) == 0) {
		sd_route *r = &d->routes[d->route_next++ % SD_ROUTE_CACHE];
		r->peer = e;
		r->src = src;
		r->at = now;
	}
	if (fd >= 0)
		close(fd);
	sd_addr_from_esctp(&src, port, family, out);
}

/* Whether an address of this host: TCP's bind() of any other fails with
 * EADDRNOTAVAIL.  A UDP socket asks the kernel the same question. */
static bool addr_is_local(const wsp_addr *a)
{
	esctp_addr e;
	sd_addr_to_esctp(a, 0, &e);
	struct sockaddr_storage ss;
	socklen_t len = udp_addr_to_sockaddr(&e, &ss);
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true; /* cannot tell: let the engine find out */
	bool ok = bind(fd, (struct sockaddr *)&ss, len) == 0 ||
		  errno != EADDRNOTAVAIL;
	close(fd);
	return ok;
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

/* ---- sockets ---- */

static void sock_on_event(host_handler *self, host_ep *e,
			  const esctp_event *ev);

/* Names the app end "\0wsctp:PID:SEQ", or "\0wsnat:K:PID:SEQ" for a
 * native socket of kind K (3: peeled off), see wsproto.h. */
static int name_app_end(sctpd *d, int fd, int kind, uint64_t seq)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int n = kind == WSP_K_TCP
		    ? snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
			       WSP_SOCK_PREFIX "%d:%llu", (int)d->pid,
			       (unsigned long long)seq)
		    : snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
			       WSP_NATIVE_PREFIX "%d:%d:%llu", kind,
			       (int)d->pid, (unsigned long long)seq);
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

static void sock_link(sctpd *d, wsock *s)
{
	s->next = d->socks;
	if (d->socks)
		d->socks->prev = s;
	d->socks = s;
	size_t h = hslot(d, s->cookie);
	s->hnext = d->hash[h];
	d->hash[h] = s;
	d->nsocks++;
}

wsock *sd_sock_new(sctpd *d, int family, int kind, const wsp_params *p,
		   uid_t uid, pid_t pid, const char *comm, int *app_fd)
{
	int sv[2];
	bool native = kind != WSP_K_TCP;
	int lim = sd_limit_check(d, uid);
	if (lim) {
		errno = lim;
		return NULL;
	}
	/* The app end stays blocking unless the program asks otherwise; its
	 * close-on-exec flag is the receiver's (MSG_CMSG_CLOEXEC). */
	if (socketpair(AF_UNIX,
		       (native ? SOCK_SEQPACKET : SOCK_STREAM) | SOCK_CLOEXEC, 0,
		       sv) < 0)
		return NULL;
	chan_buffers(sv);
	wsock *s = calloc(1, sizeof(*s));
	uint64_t cookie = 0;
	socklen_t cl = sizeof(cookie);
	if (!s || fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0 ||
	    name_app_end(d, sv[1], kind, d->seq + 1) < 0 ||
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
	s->kind = kind;
	s->tag = SD_USER_WSOCK;
	s->fd = sv[0];
	s->appdup = -1;
	if (p)
		s->params = *p;
	s->nodelay = s->params.nodelay;
	s->hd.on_event = sock_on_event;
	int e = native ? sd_native_init(s, kind) : 0;
	if (e || (native ? sd_nchan_open(s) : sd_chan_open(s, sv[1])) < 0) {
		e = e ? e : errno;
		if (s->nat)
			sd_native_free(s);
		close(sv[0]);
		close(sv[1]);
		free(s);
		errno = e;
		return NULL;
	}
	sock_link(d, s);
	sd_limit_add(d, uid, 1);
	*app_fd = sv[1];
	return s;
}

static void kick(wsock *s)
{
	if (s->port)
		host_kick(s->port->he);
}

void sd_sock_free(wsock *s)
{
	sctpd *d = s->d;

	sd_port_unqueue(s);
	if (s->nat)
		sd_native_free(s);
	if (s->a) {
		esctp_assoc_set_user(s->a, NULL);
		esctp_assoc_free(s->a);
		s->a = NULL;
		kick(s);
	}
	if (s->kind == WSP_K_TCP)
		sd_chan_close(s);
	else
		sd_nchan_close(s);
	if (s->appdup >= 0)
		close(s->appdup);
	sd_port_release(s);
	hash_del(s);
	if (s->prev)
		s->prev->next = s->next;
	else
		d->socks = s->next;
	if (s->next)
		s->next->prev = s->prev;
	sd_limit_add(d, s->uid, -1);
	free(s->obuf);
	free(s);
	d->nsocks--;
}

void sd_sock_reset(wsock *s, const char *why)
{
	s->reset = true;
	if (s->a && esctp_assoc_state(s->a) != ESCTP_CLOSED) {
		esctp_assoc_abort(s->a, why, host_now(s->d->h));
		kick(s);
	}
	sd_sock_free(s);
}

/* ---- bind, listen, connect ---- */

static int somaxconn(void)
{
	static int v;
	if (!v) {
		FILE *f = fopen("/proc/sys/net/core/somaxconn", "re");
		if (!f || fscanf(f, "%d", &v) != 1 || v <= 0)
			v = 4096;
		if (f)
			fclose(f);
	}
	return v;
}

/* The address families a socket of `family` may name (Linux: an AF_INET
 * socket takes sockaddr_in only, an AF_INET6 one sockaddr_in6 only). */
static int family_check(const wsock *s, const wsp_addr *addr)
{
	if (addr->family != s->family)
		return EAFNOSUPPORT;
	return 0;
}

static bool is_v4_mapped(const wsp_addr *a)
{
	static const uint8_t pfx[12] = {[10] = 0xff, [11] = 0xff};
	return a->family == AF_INET6 && !memcmp(a->ip, pfx, 12);
}

int sd_sock_bind(wsock *s, const wsp_addr *addr, uid_t uid)
{
	sctpd *d = s->d;

	if (s->port)
		return EINVAL; /* already bound */
	int e = family_check(s, addr);
	if (e)
		return e;
	/* Linux inet6_bind(): an IPv6-only socket takes no IPv4 address. */
	if (s->v6only && is_v4_mapped(addr))
		return EINVAL;
	if (addr->port && addr->port < d->unpriv_port && uid != 0)
		return EACCES;
	if (!addr_is_any(addr) && !addr_is_local(addr))
		return EADDRNOTAVAIL;
	s->bound = *addr;
	e = sd_port_hold(s, addr->port);
	if (e) {
		memset(&s->bound, 0, sizeof(s->bound));
		return e;
	}
	s->local = *addr;
	s->local.port = s->port->port;
	s->state = WSP_ST_BOUND;
	if (s->nat)
		sd_native_reconfigure(s, NULL);
	return 0;
}

int sd_sock_listen(wsock *s, int backlog)
{
	/* listen(2): a backlog is capped at net.core.somaxconn. */
	int max = somaxconn();
	backlog = backlog < 1 ? 1 : backlog > max ? max : backlog;
	if (s->state == WSP_ST_LISTEN) {
		s->backlog = backlog;
		return 0;
	}
	if (s->state != WSP_ST_NEW && s->state != WSP_ST_BOUND)
		return EINVAL;
	if (!s->port) {
		/* Linux listen() without bind takes an ephemeral port. */
		memset(&s->bound, 0, sizeof(s->bound));
		int e = sd_port_hold(s, 0);
		if (e)
			return e;
		s->local.family = (uint16_t)s->family;
		s->local.port = s->port->port;
	}
	s->backlog = backlog;
	int e = sd_port_listen(s);
	if (e)
		return e;
	s->state = WSP_ST_LISTEN;
	return 0;
}

/* DESIGN.md §3: the app end stays unwritable until the outcome: a tiny
 * send buffer, filled from the app end into ours, which we leave unread
 * until then.  The daemon keeps no copy of the app end (a program that
 * exits while connecting must hang the channel up), so the app's own
 * SO_SNDBUF comes back through the next request that carries it. */
void sd_sock_fill(wsock *s, int app_fd, const void *unit, size_t len)
{
	socklen_t l = sizeof(s->app_sndbuf);
	if (getsockopt(app_fd, SOL_SOCKET, SO_SNDBUF, &s->app_sndbuf, &l) < 0)
		s->app_sndbuf = 0;
	int one = 1;
	setsockopt(app_fd, SOL_SOCKET, SO_SNDBUF, &one, sizeof(one));
	/* One unit at a time: each is a buffer of its own, so that once the
	 * filler is gone the held byte left in the queue (wsock.held) is a
	 * small one, and the tiny send buffer is writable again (Linux
	 * unix_writable(): a quarter of it free). */
	for (int i = 0; i < 64; i++) {
		if (send(app_fd, unit, len, MSG_DONTWAIT | MSG_NOSIGNAL) !=
		    (ssize_t)len)
			break;
		s->filler++;
	}
}

int sd_sock_connect(wsock *s, const wsp_addr *addr, int app_fd)
{
	sctpd *d = s->d;

	switch (s->state) {
	case WSP_ST_CONNECTING:
		return EALREADY;
	case WSP_ST_ESTABLISHED:
	case WSP_ST_CLOSING:
		return EISCONN;
	case WSP_ST_LISTEN:
	case WSP_ST_CLOSED:
		return EINVAL;
	}
	int e = family_check(s, addr);
	if (e)
		return e;
	/* Linux tcp_v6_connect(): an IPv6-only socket reaches no IPv4
	 * peer. */
	if (s->v6only && is_v4_mapped(addr))
		return ENETUNREACH;
	if (!s->port) {
		memset(&s->bound, 0, sizeof(s->bound));
		e = sd_port_hold(s, 0);
		if (e)
			return e;
	}
	esctp_addr peer;
	sd_addr_to_esctp(addr, d->udp_port, &peer);
	esctp_assoc *a;
	int rc = esctp_endpoint_connect(s->port->ep, &peer, 1, addr->port,
					host_now(d->h), &a);
	if (rc < 0)
		return rc == ESCTP_ERR_EXIST ? EADDRNOTAVAIL : EINVAL;
	esctp_local loc;
	sd_port_local_side(s, &loc);
	esctp_assoc_set_local(a, &loc);
	s->a = a;
	esctp_assoc_set_user(a, s);
	if (s->nodelay != s->params.nodelay)
		esctp_assoc_set_nodelay(a, s->nodelay);
	if (s->keepalive && !s->params.hb_interval)
		esctp_assoc_set_hb_interval(a, 30000);
	s->peer = *addr;
	s->state = WSP_ST_CONNECTING;
	if (addr_is_any(&s->bound))
		route_src(d, addr, s->family, s->port->port, &s->local);
	else
		s->local = s->bound, s->local.port = s->port->port;
	sd_sock_fill(s, app_fd, "", 1);
	kick(s);
	return 0;
}

void sd_sock_touch_app(wsock *s, int app_fd)
{
	if (!s->sndbuf_restore || s->state == WSP_ST_CONNECTING)
		return;
	s->sndbuf_restore = false;
	if (s->app_sndbuf <= 0)
		return;
	int v = s->app_sndbuf / 2; /* Linux doubles what is set */
	if (setsockopt(app_fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(app_fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
}

/* ---- engine events ---- */

/* getsockname/getpeername of an association, in the socket's family: the
 * primary path if the socket can show it, else the first it can. */
static void fill_addrs(wsock *s)
{
	esctp_status st;
	esctp_assoc_status(s->a, &st);
	s->peer_ws =
	    st.peer_adaptation_present && st.peer_adaptation == WSP_ADAPTATION;
	int pick = -1;
	for (uint32_t i = 0; i < st.npaths && i < 8; i++) {
		bool shows = s->family == AF_INET6 ||
			     st.paths[i].addr.family == ESCTP_AF_INET;
		if (shows && (pick < 0 || st.paths[i].primary))
			pick = (int)i;
	}
	if (pick >= 0)
		sd_addr_from_esctp(&st.paths[pick].addr, st.peer_port,
				   s->family, &s->peer);
	if (st.local_addr.family &&
	    (s->family == AF_INET6 || st.local_addr.family == ESCTP_AF_INET))
		sd_addr_from_esctp(&st.local_addr, s->port->port, s->family,
				   &s->local);
	else if (addr_is_any(&s->local))
		route_src(s->d, &s->peer, s->family, s->port->port, &s->local);
}

static void sock_handed_over(wsock *s)
{
	close(s->appdup);
	s->appdup = -1;
	if (s->nat)
		sd_nchan_pump(s);
	else
		sd_chan_pump(s);
}

static void sock_accept(wsock *l, esctp_assoc *a)
{
	sctpd *d = l->d;
	int app_fd;
	if (l->nat) {
		sd_native_accept(l, a);
		return;
	}
	wsock *s = sd_sock_new(d, l->family, WSP_K_TCP, &l->params, l->uid,
			       l->pid, l->comm, &app_fd);
	if (!s) {
		sd_log(d, LOG_WARN_, "port %u: cannot accept: %s",
		       l->port->port, strerror(errno));
		esctp_assoc_abort(a, "out of resources", host_now(d->h));
		esctp_assoc_free(a);
		return;
	}
	s->appdup = app_fd;
	s->accepted = true;
	s->a = a;
	s->nodelay = l->nodelay;
	s->keepalive = l->keepalive;
	s->linger0 = l->linger0;
	s->reuseaddr = l->reuseaddr;
	s->reuseport = l->reuseport;
	s->v6only = l->v6only;
	s->state = WSP_ST_ESTABLISHED;
	esctp_assoc_set_user(a, s);
	esctp_local loc;
	sd_port_local_side(l, &loc);
	esctp_assoc_set_local(a, &loc);
	if (s->nodelay != s->params.nodelay)
		esctp_assoc_set_nodelay(a, s->nodelay);
	if (s->keepalive && !s->params.hb_interval)
		esctp_assoc_set_hb_interval(a, 30000);
	sd_port_adopt(s, l->port);
	fill_addrs(s);
	/* As the kernel's child socket: bound to the address it was
	 * reached at. */
	s->bound = s->local;
	char b1[64], b2[64];
	sd_log(d, LOG_INFO_, "%s[%d]: association %s <- %s accepted%s", s->comm,
	       (int)s->pid, sd_addr_str(&s->local, b1, sizeof(b1)),
	       sd_addr_str(&s->peer, b2, sizeof(b2)),
	       s->peer_ws ? " (withsctp peer)" : "");
	if (!sd_port_deliver(l, s)) {
		sd_log(d, LOG_WARN_,
		       "port %u: the listener's queue is full (backlog %d): "
		       "association from %s aborted",
		       l->port->port, l->backlog, b2);
		sd_sock_reset(s, "backlog full");
		return;
	}
	if (!s->acq_listener)
		sock_handed_over(s);
}

static int lost_errno(const esctp_event *ev)
{
	return ev->error == 0 ? ETIMEDOUT : ECONNREFUSED;
}

static void on_up(wsock *s)
{
	char b1[64], b2[64];

	if (s->accepted)
		return; /* up since it was accepted */
	fill_addrs(s);
	sd_log(s->d, LOG_INFO_, "%s[%d]: association %s -> %s up%s", s->comm,
	       (int)s->pid, sd_addr_str(&s->local, b1, sizeof(b1)),
	       sd_addr_str(&s->peer, b2, sizeof(b2)),
	       s->peer_ws ? " (withsctp peer)" : "");
	s->state = WSP_ST_ESTABLISHED;
	sd_chan_up(s);
}

static void on_failed(wsock *s, const esctp_event *ev)
{
	char b[64];
	bool starting = ev->type == ESCTP_EV_CANT_START;

	sd_log(s->d, LOG_INFO_, "%s[%d]: association with %s %s: %s", s->comm,
	       (int)s->pid, sd_addr_str(&s->peer, b, sizeof(b)),
	       starting ? "could not start" : "lost",
	       strerror(starting	 ? lost_errno(ev)
			: ev->error == 0 ? ETIMEDOUT
					 : ECONNRESET));
	if ((s->accepted && s->appdup >= 0) || s->app_gone) {
		sd_sock_free(s); /* nobody will read it */
		return;
	}
	s->state = WSP_ST_CLOSED;
	if (starting) {
		/* As on TCP: reads see EOF, writes EPIPE, SO_ERROR the cause;
		 * the socket is kept a while for SO_ERROR (sd_sweep). */
		s->so_error = lost_errno(ev);
		s->connect_failed = true;
		sd_chan_failed(s);
		sd_reap_at(s, host_now(s->d->h) + SD_REAP_DELAY);
		return;
	}
	/* What arrived is delivered, then the program reads ECONNRESET
	 * (DESIGN.md §3: a cut-off stream never looks complete) and its
	 * writes fail with EPIPE. */
	s->so_error = ev->error == 0 ? ETIMEDOUT : ECONNRESET;
	s->reset = true; /* before the pump: no EOF passed on (deliver) */
	sd_chan_pump(s);
	sd_sock_free(s);
}

/* RFC 9260 §5.2.4: the peer restarted (lost its state and came back from
 * the same address and port).  For a converted TCP socket that is a new
 * connection (DESIGN.md §3): the old socket is reset, and the association
 * goes to the listener it is addressed to, if any, as a new one. */
static void on_restart(wsock *s)
{
	sctpd *d = s->d; /* s is freed before the port is let go */
	esctp_assoc *a = s->a;
	wsport *p = s->port;
	char b[64];

	sd_log(s->d, LOG_INFO_, "%s[%d]: peer %s restarted: connection reset",
	       s->comm, (int)s->pid, sd_addr_str(&s->peer, b, sizeof(b)));
	esctp_assoc_set_user(a, NULL);
	s->a = NULL;
	sd_port_ref(p); /* the old socket may hold the port alone */
	if (!sd_port_take_restart(p, a)) {
		esctp_assoc_abort(a, "restart: nobody listens",
				  host_now(s->d->h));
		esctp_assoc_free(a);
	}
	s->so_error = ECONNRESET;
	s->reset = true;
	sd_sock_free(s);
	host_kick(p->he);
	sd_port_put(d, p);
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
		on_restart(s);
		break;
	case ESCTP_EV_SEND_FAILED:
		sd_log(s->d, LOG_DEBUG_, "%s[%d]: %u bytes not delivered",
		       s->comm, (int)s->pid, ev->len);
		break;
	default:
		break;
	}
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
	if (len > SD_OPT_VAL_MAX)
		return EINVAL;
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_REUSEADDR:
			s->reuseaddr = int_of(val, len) != 0;
			break;
		case SO_REUSEPORT:
			s->reuseport = int_of(val, len) != 0;
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
	} else if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY) {
		/* Linux do_ipv6_setsockopt(): IPv6 sockets only, and not
		 * once bound. */
		if (s->family != AF_INET6)
			return ENOPROTOOPT;
		if (s->port)
			return EINVAL;
		s->v6only = int_of(val, len) != 0;
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
			/* Read: a converted socket goes now; a native one
			 * stays for its SCTP questions until the reap. */
			if (s->reap_at && e && !s->nat)
				sd_reap_at(s, 1);
			return put_int(e, val, len);
		}
		case SO_DOMAIN:
			return put_int(s->family, val, len);
		case SO_TYPE:
			return put_int(s->kind == WSP_K_TCP ||
					       s->kind == WSP_K_SCTP_STREAM
					   ? SOCK_STREAM
					   : SOCK_SEQPACKET,
				       val, len);
		case SO_PROTOCOL:
			return put_int(s->kind == WSP_K_TCP ? IPPROTO_TCP
							    : IPPROTO_SCTP,
				       val, len);
		case SO_ACCEPTCONN:
			return put_int(s->state == WSP_ST_LISTEN, val, len);
		case SO_REUSEADDR:
			return put_int(s->reuseaddr, val, len);
		case SO_REUSEPORT:
			return put_int(s->reuseport, val, len);
		case SO_KEEPALIVE:
			return put_int(s->keepalive, val, len);
		}
	} else if (level == IPPROTO_TCP && name == TCP_NODELAY) {
		return put_int(s->nodelay, val, len);
	} else if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY) {
		if (s->family != AF_INET6)
			return ENOPROTOOPT;
		return put_int(s->v6only, val, len);
	} else if (level == IPPROTO_TCP &&
		   (name == TCP_INFO || name == TCP_MAXSEG)) {
		return sd_tcpinfo_getopt(s, name, val, len);
	}
	sd_opt *o = opt_slot(s, level, name, false);
	if (o) {
		memcpy(val, o->val, o->len);
		*len = o->len;
		return 0;
	}
	if (level == SOL_SOCKET && (name == SO_SNDBUF || name == SO_RCVBUF)) {
		esctp_config cfg;
		sd_engine_config(s->d, &s->params, &cfg);
		return put_int(
		    (int)(name == SO_SNDBUF ? cfg.sndbuf : cfg.rcvbuf), val,
		    len);
	}
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
	st->kind = s->kind;
	if (s->nat) {
		sd_native_stat(s, s->kind == WSP_K_SCTP_SEQPACKET
				      ? NULL
				      : s->nat->assocs, st);
		return;
	}
	if (!s->a)
		return;
	sd_stat_assoc(s->a, st);
}

void sd_stat_assoc(const esctp_assoc *a, wsp_stat *st)
{
	esctp_status es;
	esctp_assoc_status(a, &es);
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
		if (s->state == WSP_ST_LISTEN && !s->nat) {
			sd_sock_free(s);
			continue;
		}
		if (s->nat) {
			/* Every association ends gracefully; the program reads
			 * ECONNRESET (the channel closes with data unread). */
			s->app_gone = true;
			sd_nchan_close(s);
			if (s->state == WSP_ST_LISTEN)
				sd_port_unlisten(s);
			for (nassoc *na = s->nat->assocs; na; na = na->next)
				sd_native_shutdown(na);
			if (!s->nat->assocs)
				sd_sock_free(s);
			continue;
		}
		if (!s->a) {
			sd_sock_free(s);
			continue;
		}
		/* The program's stream is cut off (ECONNRESET); the peer's
		 * ends gracefully. */
		s->app_gone = true;
		s->reset = true;
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

/* ---- what the channels and the ports report: sock.c owns the lives ---- */

/* The program closed every copy of its end (or shut down both ways). */
static void chan_app_gone(wsock *s)
{
	int err = 0;
	socklen_t el = sizeof(err);
	bool unread = getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 &&
		      err == ECONNRESET;

	s->app_gone = true;
	sd_chan_close(s);
	free(s->obuf);
	s->obuf = NULL;
	s->olen = s->ooff = 0;
	if (!s->a || s->state == WSP_ST_CLOSED || s->state == WSP_ST_LISTEN ||
	    s->state == WSP_ST_NEW || s->state == WSP_ST_BOUND) {
		sd_sock_free(s);
		return;
	}
	/* Like TCP's RST: SO_LINGER {1, 0}, a close with data the program
	 * never read (the kernel then flags our end ECONNRESET), or a
	 * program gone while its connect was still under way (the engine
	 * sends the ABORT only once the peer has answered). */
	if (s->linger0 || unread || s->state == WSP_ST_CONNECTING) {
		sd_sock_reset(s, s->linger0 ? "SO_LINGER 0"
				 : unread   ? "closed with unread data"
					    : "closed while connecting");
		return;
	}
	s->state = WSP_ST_CLOSING;
	sd_chan_shutdown(s);
}

/* Both directions are over: kept a while for the program's last questions
 * (getpeername, SO_ERROR), then reaped. */
static void chan_done(wsock *s)
{
	sd_reap_at(s, host_now(s->d->h) + SD_ZOMBIE_DELAY);
}

static void port_touched(void *user)
{
	if (((const wsock *)user)->tag == SD_USER_NASSOC) {
		sd_native_touched(user);
		return;
	}
	wsock *s = user;
	if (sd_chan_wants_pump(s))
		sd_chan_pump(s);
}

static const sd_chan_owner chan_owner = {
    .app_gone = chan_app_gone,
    .done = chan_done,
    .listener_writable = sd_port_flush_accepts,
};

static const sd_port_owner port_owner = {
    .accept = sock_accept,
    .handed_over = sock_handed_over,
    .reset = sd_sock_reset,
    .touched = port_touched,
};

void sd_sock_init(sctpd *d)
{
	d->chan_owner = &chan_owner;
	d->port_owner = &port_owner;
	sd_native_setup(d);
}
