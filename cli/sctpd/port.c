/*
 * port.c - local SCTP ports: one engine endpoint per port, shared by
 * every socket that holds it, with TCP's rules for who may share
 * (DESIGN.md §3, "Bound addresses are honoured"):
 *
 *   - bind: sockets whose addresses overlap may hold one port only when
 *     both set SO_REUSEADDR and the other one does not listen, or both set
 *     SO_REUSEPORT under the same user (Linux inet_csk_bind_conflict());
 *   - an INIT is for the listener whose address it was sent to: an exact
 *     address before a wildcard, an AF_INET socket before a dual-stack
 *     AF_INET6 one for IPv4, a SO_REUSEPORT group spread by the peer's
 *     address and port; with none, the INIT is refused (ABORT), as TCP
 *     answers a SYN with RST; with the listener's queue full it is ignored
 *     (the peer retransmits), as TCP drops the SYN;
 *   - an association advertises only what its socket bound.
 *
 * A listener's accepted sockets travel through its channel as records
 * (wsp_accept with the app end as SCM_RIGHTS); those the channel has no
 * room for wait in the listener's queue, bounded by its backlog.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "native.h"
#include "port.h"
#include "sctpd.h"
#include "wsock.h"

#define EPHEMERAL_LO 32768
#define EPHEMERAL_HI 60999
/* Accepted associations a listener's queue holds beyond its backlog: the
 * ones whose INIT was let in before the queue filled (cookies live 60 s),
 * so a peer that collected cookies cannot grow it without bound. */
#define ACQ_SLACK 64

/* ---- what a socket bound ---- */

/* The addresses a socket covers, as the kernel sees them for bind
 * conflicts and for demultiplexing (inet_rcv_saddr_equal()). */
typedef struct span {
	bool v4, v6;	 /* covers addresses of that family */
	bool any4, any6; /* ... all of them */
	uint8_t ip4[4];	 /* ... or this one */
	uint8_t ip6[16];
} span;

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static bool is_v4_mapped(const uint8_t ip[16])
{
	static const uint8_t pfx[12] = {[10] = 0xff, [11] = 0xff};
	return !memcmp(ip, pfx, 12);
}

static void span_of(const wsock *s, span *sp)
{
	const wsp_addr *b = &s->bound;
	memset(sp, 0, sizeof(*sp));
	if (s->family == AF_INET) {
		sp->v4 = true;
		sp->any4 = !b->family || all_zero(b->ip, 4);
		memcpy(sp->ip4, b->ip, 4);
		return;
	}
	if (b->family && is_v4_mapped(b->ip)) {
		/* An AF_INET6 socket bound to ::ffff:a.b.c.d is an IPv4
		 * socket for everyone else. */
		sp->v4 = true;
		memcpy(sp->ip4, b->ip + 12, 4);
		sp->any4 = all_zero(sp->ip4, 4);
		return;
	}
	sp->v6 = true;
	sp->any6 = !b->family || all_zero(b->ip, 16);
	memcpy(sp->ip6, b->ip, 16);
	if (sp->any6 && !s->v6only)
		sp->v4 = sp->any4 = true;
}

static bool span_overlap(const span *a, const span *b)
{
	if (a->v4 && b->v4 &&
	    (a->any4 || b->any4 || !memcmp(a->ip4, b->ip4, 4)))
		return true;
	return a->v6 && b->v6 &&
	       (a->any6 || b->any6 || !memcmp(a->ip6, b->ip6, 16));
}

/* 0: the span does not take packets to dst; 1: as a wildcard; 2: as its
 * very address. */
static int span_match(const span *sp, const esctp_addr *dst)
{
	if (dst->family == ESCTP_AF_INET && sp->v4) {
		if (!memcmp(sp->ip4, dst->ip, 4) && !sp->any4)
			return 2;
		return sp->any4 ? 1 : 0;
	}
	if (dst->family == ESCTP_AF_INET6 && sp->v6) {
		if (!memcmp(sp->ip6, dst->ip, 16) && !sp->any6)
			return 2;
		return sp->any6 ? 1 : 0;
	}
	return 0;
}

/* ---- holders and conflicts ---- */

/* Linux inet_csk_bind_conflict(): may s share its port with h?  Only when
 * their addresses do not overlap, or both set SO_REUSEADDR and h does not
 * listen (two listeners on one address need SO_REUSEPORT, and so does a
 * bind next to a listener), or both set SO_REUSEPORT under one user. */
static bool may_share(const wsock *s, const wsock *h)
{
	span a, b;
	span_of(s, &a);
	span_of(h, &b);
	if (!span_overlap(&a, &b))
		return true;
	if (s->reuseaddr && h->reuseaddr && h->state != WSP_ST_LISTEN)
		return true;
	return s->reuseport && h->reuseport && s->uid == h->uid;
}

static bool conflict(const wsport *p, const wsock *s)
{
	for (const wsock *h = p->holders; h; h = h->pnext)
		if (h != s && !may_share(s, h))
			return true;
	return false;
}

static void holder_link(wsport *p, wsock *s)
{
	s->pprev = NULL;
	s->pnext = p->holders;
	if (p->holders)
		p->holders->pprev = s;
	p->holders = s;
	s->port = p;
	s->holds_port = true;
	p->refs++;
}

/* ---- the endpoint ---- */

static void port_on_event(host_handler *self, host_ep *e,
			  const esctp_event *ev);
static void port_on_ready(host_handler *self, host_ep *e);
static esctp_init_verdict port_on_init(esctp_init_filter *self,
				       const esctp_addr *src, uint16_t sport,
				       const esctp_addr *dst,
				       esctp_local *local);

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

void sd_engine_config(const sctpd *d, const wsp_params *p, esctp_config *cfg)
{
	engine_config(d, p, 1, cfg);
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
	p->hd.on_event = port_on_event;
	p->hd.on_ready = port_on_ready;
	p->filter.on_init = port_on_init;
	esctp_endpoint_set_init_filter(p->ep, &p->filter);
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
	p->prev = NULL;
	p->next = d->ports;
	if (d->ports)
		d->ports->prev = p;
	d->ports = p;
	return p;
}

static wsport *port_find(sctpd *d, uint16_t port)
{
	for (wsport *p = d->ports; p; p = p->next)
		if (p->port == port)
			return p;
	return NULL;
}

void sd_port_ref(wsport *p)
{
	p->refs++;
}

void sd_port_put(sctpd *d, wsport *p)
{
	if (!p || --p->refs)
		return;
	if (p->prev)
		p->prev->next = p->next;
	else
		d->ports = p->next;
	if (p->next)
		p->next->prev = p->prev;
	/* The host sends what the endpoint still has to say (the SHUTDOWN
	 * COMPLETE or ABORT of the association just freed) and forgets it;
	 * the host may be running this endpoint's handler: free it before
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

/* A free ephemeral port for s, with its endpoint. */
static wsport *port_ephemeral(sctpd *d, const wsock *s)
{
	uint32_t r;
	esctp_ops ops = *host_ops(d->h);
	ops.random(ops.user, &r, sizeof(r));
	unsigned n = EPHEMERAL_HI - EPHEMERAL_LO + 1;
	for (unsigned i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(EPHEMERAL_LO + (r + i) % n);
		if (host_lookup(d->h, port))
			continue;
		return port_new(d, port, s);
	}
	errno = EADDRNOTAVAIL;
	return NULL;
}

int sd_port_hold(wsock *s, uint16_t port)
{
	sctpd *d = s->d;
	wsport *p;

	if (!port) {
		p = port_ephemeral(d, s);
		if (!p)
			return errno;
	} else if ((p = port_find(d, port)) != NULL) {
		if (conflict(p, s))
			return EADDRINUSE;
	} else if (host_lookup(d->h, port)) {
		return EADDRINUSE; /* a port freed just now, still draining */
	} else if (!(p = port_new(d, port, s))) {
		return errno;
	}
	holder_link(p, s);
	return 0;
}

void sd_port_release(wsock *s)
{
	wsport *p = s->port;
	if (!p)
		return;
	if (s->state == WSP_ST_LISTEN || s->acq_head)
		sd_port_unlisten(s);
	sd_port_unqueue(s);
	if (s->holds_port) {
		if (s->pprev)
			s->pprev->pnext = s->pnext;
		else if (p->holders == s)
			p->holders = s->pnext;
		if (s->pnext)
			s->pnext->pprev = s->pprev;
		s->pnext = s->pprev = NULL;
		s->holds_port = false;
	}
	s->port = NULL;
	sd_port_put(s->d, p);
}

void sd_port_local_side(const wsock *s, esctp_local *out)
{
	span sp;
	span_of(s, &sp);
	memset(out, 0, sizeof(*out));
	out->no_ipv4 = !sp.v4;
	out->no_ipv6 = !sp.v6;
	if (!sp.any4 && sp.v4) {
		out->addrs[0].family = ESCTP_AF_INET;
		memcpy(out->addrs[0].ip, sp.ip4, 4);
		out->naddrs = 1;
		return;
	}
	if (!sp.any6 && sp.v6) {
		out->addrs[0].family = ESCTP_AF_INET6;
		memcpy(out->addrs[0].ip, sp.ip6, 16);
		out->addrs[0].scope_id = s->bound.scope;
		out->naddrs = 1;
		return;
	}
	/* A wildcard: the addresses the configuration names for
	 * multihoming (withsctp.conf(5) local_addresses), of the families
	 * the socket takes. */
	for (unsigned i = 0; i < s->params.nlocal && i < WSP_MAX_LOCAL; i++) {
		esctp_addr e;
		sd_addr_to_esctp(&s->params.local[i], 0, &e);
		if ((e.family == ESCTP_AF_INET && sp.v4) ||
		    (e.family == ESCTP_AF_INET6 && sp.v6))
			out->addrs[out->naddrs++] = e;
	}
}

/* ---- listeners ---- */

int sd_port_listen(wsock *s)
{
	wsport *p = s->port;
	if (conflict(p, s))
		return EADDRINUSE;
	s->lnext = p->listeners;
	p->listeners = s;
	esctp_endpoint_listen(p->ep, true);
	return 0;
}

void sd_port_unlisten(wsock *s)
{
	wsport *p = s->port;
	for (wsock **pp = &p->listeners; *pp; pp = &(*pp)->lnext)
		if (*pp == s) {
			*pp = s->lnext;
			break;
		}
	s->lnext = NULL;
	if (!p->listeners)
		esctp_endpoint_listen(p->ep, false);
	/* What it had not accepted yet is refused now, as the kernel
	 * resets the connections of a listener's queue at close. */
	while (s->acq_head) {
		wsock *a = s->acq_head;
		sd_port_unqueue(a);
		s->d->port_owner->reset(a, "listener closed");
	}
}

/* The listener for a packet to dst from src:sport, or NULL. */
/* span_match() for listener l, counting the addresses a native socket
 * added with sctp_bindx() as its very own. */
static int listener_match(const wsock *l, const esctp_addr *dst)
{
	span sp;
	span_of(l, &sp);
	int m = span_match(&sp, dst);
	if (m || !l->nat)
		return m;
	for (unsigned i = 0; i < l->nat->nextra; i++) {
		esctp_addr e;
		sd_addr_to_esctp(&l->nat->extra[i], 0, &e);
		if (esctp_addr_same_ip(&e, dst))
			return 2;
	}
	return 0;
}

static wsock *listener_for(wsport *p, const esctp_addr *src, uint16_t sport,
			   const esctp_addr *dst)
{
	int best = 0;
	unsigned ties = 0;
	for (wsock *l = p->listeners; l; l = l->lnext) {
		int m = listener_match(l, dst);
		if (!m)
			continue;
		/* compute_score(): the very address first, then a socket of
		 * the packet's own family. */
		bool same_family =
		    (dst->family == ESCTP_AF_INET) == (l->family == AF_INET);
		int score = m * 2 + same_family;
		if (score > best) {
			best = score;
			ties = 1;
		} else if (score == best) {
			ties++;
		}
	}
	if (!best)
		return NULL;
	/* SO_REUSEPORT: the group shares the load by the peer's address
	 * and port, so one peer keeps meeting the same socket. */
	uint32_t h = sport * 2654435761u;
	for (unsigned i = 0; i < 16; i++)
		h = (h ^ src->ip[i]) * 16777619u;
	unsigned pick = ties > 1 ? h % ties : 0;
	for (wsock *l = p->listeners; l; l = l->lnext) {
		int m = listener_match(l, dst);
		bool same_family =
		    (dst->family == ESCTP_AF_INET) == (l->family == AF_INET);
		if (m && m * 2 + same_family == best && pick-- == 0)
			return l;
	}
	return NULL;
}

static bool queue_full(const wsock *l, unsigned slack)
{
	return l->acq_len >= (unsigned)l->backlog + slack;
}

static esctp_init_verdict port_on_init(esctp_init_filter *self,
				       const esctp_addr *src, uint16_t sport,
				       const esctp_addr *dst,
				       esctp_local *local)
{
	wsport *p = (wsport *)((char *)self - offsetof(wsport, filter));
	wsock *l = listener_for(p, src, sport, dst);
	if (!l)
		return ESCTP_INIT_REFUSE;
	if (queue_full(l, 0))
		return ESCTP_INIT_IGNORE;
	sd_port_local_side(l, local);
	return ESCTP_INIT_ACCEPT;
}

/* The listener an association was meant for (the address its INIT
 * reached), or NULL. */
static wsock *listener_of(wsport *p, esctp_assoc *a, esctp_addr *local)
{
	esctp_status st;
	esctp_assoc_status(a, &st);
	*local = st.local_addr;
	if (!st.npaths)
		return NULL;
	return listener_for(p, &st.paths[0].addr, st.peer_port, &st.local_addr);
}

/* A new association: the listener it was meant for takes it. */
static void port_accept(wsport *p, esctp_assoc *a)
{
	esctp_addr local;
	wsock *l = listener_of(p, a, &local);
	if (!l || queue_full(l, ACQ_SLACK)) {
		char b[64];
		wsp_addr w;
		sd_addr_from_esctp(&local, p->port, AF_INET6, &w);
		sd_log(p->d, LOG_INFO_, "port %u: association to %s: %s",
		       p->port, sd_addr_str(&w, b, sizeof(b)),
		       l ? "listener's queue full: aborted"
			 : "nobody listens there any more: aborted");
		esctp_assoc_abort(a, l ? "backlog full" : "no listener",
				  host_now(p->d->h));
		esctp_assoc_free(a);
		return;
	}
	p->d->port_owner->accept(l, a);
}

bool sd_port_take_restart(wsport *p, esctp_assoc *a)
{
	esctp_addr local;
	wsock *l = listener_of(p, a, &local);
	if (!l)
		return false;
	p->d->port_owner->accept(l, a);
	return true;
}

void sd_port_adopt(wsock *s, wsport *p)
{
	holder_link(p, s);
}

static void port_on_event(host_handler *self, host_ep *e, const esctp_event *ev)
{
	wsport *p = (wsport *)self;

	(void)e;
	if (ev->type == ESCTP_EV_ACCEPT && ev->assoc) {
		port_accept(p, ev->assoc);
		return;
	}
	if (ev->assoc && (ev->type == ESCTP_EV_COMM_LOST ||
			  ev->type == ESCTP_EV_SHUTDOWN_COMP ||
			  ev->type == ESCTP_EV_CANT_START))
		esctp_assoc_free(ev->assoc); /* orphaned (socket freed) */
}

/* Tops up the sockets whose association changed (esctp_endpoint_next_
 * touched), not every holder: a listener's port holds every accepted
 * socket, and visiting 10,000 of them after each packet of a burst took
 * most of the daemon's time.  A socket that needs a pump without any change
 * of its association (a channel read cut short to be fair) did send on it,
 * which lists it again: it comes back in the next round. */
static void port_on_ready(host_handler *self, host_ep *e)
{
	wsport *p = (wsport *)self;

	(void)e;
	p->refs++; /* a socket freed below must not free p under us */
	size_t n = esctp_endpoint_touched_count(p->ep);
	esctp_assoc *a;
	while (n-- && (a = esctp_endpoint_next_touched(p->ep)) != NULL) {
		wsock *s = esctp_assoc_get_user(a);
		if (s && s->tag == SD_USER_NASSOC)
			p->d->port_owner->touched(s);
		else if (s && s->a == a && s->port == p)
			p->d->port_owner->touched(s);
	}
	sd_port_put(p->d, p);
}

/* ---- the accept queue ---- */

static bool send_accept(wsock *l, wsock *s)
{
	wsp_accept rec = {
	    .magic = WSP_MAGIC, .peer = s->peer, .local = s->local};
	return l->fd >= 0 &&
	       wsp_send_fd(l->fd, &rec, sizeof(rec), s->appdup,
			   MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)sizeof(rec);
}

bool sd_port_deliver(wsock *l, wsock *s)
{
	if (!l->acq_head && send_accept(l, s))
		return true;
	if (queue_full(l, ACQ_SLACK))
		return false;
	s->acq_listener = l;
	s->acq_next = NULL;
	if (l->acq_tail)
		l->acq_tail->acq_next = s;
	else
		l->acq_head = s;
	l->acq_tail = s;
	l->acq_len++;
	return true;
}

void sd_port_unqueue(wsock *s)
{
	wsock *l = s->acq_listener;
	if (!l)
		return;
	wsock *prev = NULL;
	for (wsock *q = l->acq_head; q; prev = q, q = q->acq_next) {
		if (q != s)
			continue;
		if (prev)
			prev->acq_next = s->acq_next;
		else
			l->acq_head = s->acq_next;
		if (l->acq_tail == s)
			l->acq_tail = prev;
		l->acq_len--;
		break;
	}
	s->acq_listener = NULL;
	s->acq_next = NULL;
}

void sd_port_flush_accepts(wsock *l)
{
	while (l->acq_head) {
		wsock *s = l->acq_head;
		if (!send_accept(l, s))
			return;
		sd_port_unqueue(s);
		l->d->port_owner->handed_over(s);
	}
}
