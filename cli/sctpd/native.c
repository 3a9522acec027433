/*
 * native.c - native SCTP sockets: their associations' lives, connect,
 * accept, peeloff, sends and the engine's events (native.h).
 *
 * The reference is the Linux kernel's SCTP (net/sctp/socket.c): a
 * one-to-one socket holds at most one association and reads EOF when it
 * ends; a one-to-many socket holds any number, takes new ones by listen()
 * and by sends to new addresses (implicit association), and reports their
 * lives as notifications; a peeled-off socket holds one association taken
 * from a one-to-many socket.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "ends.h"
#include "log.h"
#include "native.h"
#include "port.h"
#include "sctpd.h"
#include "sock.h"

/* The kernel's defaults (net/sctp/protocol.c, socket.c sctp_init_sock). */
#define DEFAULT_OUTSTREAMS 10
#define DEFAULT_INSTREAMS 65535

/* Association ids: as the kernel's idr, above SCTP_ALL_ASSOC (2), unique
 * in the daemon. */
static int32_t new_assoc_id(sctpd *d)
{
	if (d->next_assoc_id <= SCTP_ALL_ASSOC)
		d->next_assoc_id = SCTP_ALL_ASSOC + 1;
	return d->next_assoc_id++;
}

static void kick(wsock *s)
{
	if (s->port)
		host_kick(s->port->he);
}

int sd_native_init(wsock *s, int kind)
{
	nsock *n = calloc(1, sizeof(*n));
	if (!n)
		return ENOMEM;
	s->nat = n;
	s->kind = kind;
	n->mapped_v4 = true;
	n->initmsg.sinit_num_ostreams = DEFAULT_OUTSTREAMS;
	n->initmsg.sinit_max_instreams = DEFAULT_INSTREAMS;
	n->initmsg.sinit_max_attempts =
	    s->params.max_init_retrans ? (uint16_t)s->params.max_init_retrans
				       : 8;
	n->initmsg.sinit_max_init_timeo =
	    s->params.rto_max ? (uint16_t)s->params.rto_max : 60000;
	s->params.out_streams = DEFAULT_OUTSTREAMS;
	s->params.max_in_streams = DEFAULT_INSTREAMS;
	n->max_burst = 4;
	n->sack_delay = 200;
	n->sack_freq = 2;
	n->prsctp = true;
	n->pf_retrans = 0xffff; /* the engine's default: no PF state */
	/* sctp(7): heartbeats every 30 s unless the configuration says. */
	if (!s->params.hb_interval)
		s->params.hb_interval = 30000;
	return 0;
}

static void assoc_unlink(nassoc *na)
{
	nsock *n = na->s->nat;
	if (na->prev)
		na->prev->next = na->next;
	else
		n->assocs = na->next;
	if (na->next)
		na->next->prev = na->prev;
	na->next = na->prev = NULL;
	n->nassocs--;
	if (n->rd_cur == na)
		n->rd_cur = NULL;
	if (n->rr == na)
		n->rr = NULL;
}

static void assoc_link(wsock *s, nassoc *na)
{
	nsock *n = s->nat;
	na->s = s;
	na->prev = NULL;
	na->next = n->assocs;
	if (n->assocs)
		n->assocs->prev = na;
	n->assocs = na;
	n->nassocs++;
}

static void close_wait(nassoc *na)
{
	if (na->waitfd >= 0)
		close(na->waitfd);
	na->waitfd = -1;
}

void sd_native_assoc_free(nassoc *na)
{
	sd_nchan_forget(na);
	close_wait(na);
	if (na->a) {
		esctp_assoc_set_user(na->a, NULL);
		esctp_assoc_free(na->a);
		na->a = NULL;
		kick(na->s);
	}
	assoc_unlink(na);
	free(na);
}

void sd_native_free(wsock *s)
{
	nsock *n = s->nat;
	if (!n)
		return;
	while (n->assocs)
		sd_native_assoc_free(n->assocs);
	free(n->stage);
	sd_unread_free(&n->unread);
	free(n->in_buf);
	free(n->rbuf);
	free(n);
	s->nat = NULL;
}

static void assoc_events(host_handler *self, host_ep *e,
			 const esctp_event *ev);

static nassoc *assoc_new(wsock *s, esctp_assoc *a)
{
	nassoc *na = calloc(1, sizeof(*na));
	if (!na)
		return NULL;
	na->hd.on_event = assoc_events;
	na->tag = SD_USER_NASSOC;
	na->a = a;
	na->id = new_assoc_id(s->d);
	na->waitfd = -1;
	na->hb_interval = s->params.hb_interval;
	na->strreset = s->nat->strreset;
	na->pf_expose = s->nat->pf_expose;
	na->last_use = host_now(s->d->h);
	if (s->nat->pd_point)
		esctp_assoc_set_pd_point(a, s->nat->pd_point);
	esctp_assoc_set_user(a, na);
	assoc_link(s, na);
	return na;
}

nassoc *sd_native_find(wsock *s, int32_t id)
{
	if (!s->nat)
		return NULL;
	if (s->kind != WSP_K_SCTP_SEQPACKET)
		return s->nat->assocs;
	for (nassoc *na = s->nat->assocs; na; na = na->next)
		if (na->id == id)
			return na;
	return NULL;
}

void sd_native_addr(const wsock *s, const esctp_addr *ea, uint16_t port,
		    wsp_addr *out)
{
	int fam = s->family;
	if (fam == AF_INET6 && ea->family == ESCTP_AF_INET &&
	    !s->nat->mapped_v4)
		fam = AF_INET;
	sd_addr_from_esctp(ea, port, fam, out);
}

static bool same_ip(const wsp_addr *a, const wsp_addr *b)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0,
					   0, 0, 0, 0, 0xff, 0xff};
	const uint8_t *ia = a->ip, *ib = b->ip;
	/* Compare as IPv4 when either is v4-mapped. */
	if (a->family == AF_INET6 && !memcmp(a->ip, mapped, 12))
		ia = a->ip + 12;
	if (b->family == AF_INET6 && !memcmp(b->ip, mapped, 12))
		ib = b->ip + 12;
	bool a4 = ia != a->ip || a->family == AF_INET;
	bool b4 = ib != b->ip || b->family == AF_INET;
	if (a4 != b4)
		return false;
	return !memcmp(ia, ib, a4 ? 4 : 16);
}

nassoc *sd_native_find_addr(wsock *s, const wsp_addr *addr)
{
	for (nassoc *na = s->nat->assocs; na; na = na->next) {
		if (!na->a || na->state == WSP_ST_CLOSED)
			continue;
		esctp_status st;
		esctp_assoc_status(na->a, &st);
		if (st.peer_port != addr->port)
			continue;
		for (uint32_t i = 0; i < st.npaths && i < 8; i++) {
			wsp_addr w;
			sd_addr_from_esctp(&st.paths[i].addr, st.peer_port,
					   AF_INET6, &w);
			if (same_ip(&w, addr))
				return na;
		}
	}
	return NULL;
}

/* Streams and addresses once the association is up. */
static void assoc_fill(nassoc *na)
{
	wsock *s = na->s;
	esctp_status st;
	esctp_assoc_status(na->a, &st);
	na->in_streams = st.in_streams;
	na->out_streams = st.out_streams;
	for (uint32_t i = 0; i < st.npaths && i < 8; i++)
		if (st.paths[i].primary || i == 0) {
			sd_native_addr(s, &st.paths[i].addr, st.peer_port,
				       &na->peer);
			na->peer_e = st.paths[i].addr;
			na->peer_port = st.peer_port;
		}
	if (s->kind != WSP_K_SCTP_SEQPACKET) {
		s->peer = na->peer;
		if (st.local_addr.family)
			sd_native_addr(s, &st.local_addr, s->port->port,
				       &s->local);
	}
}

/* The local side of the associations of s: its bound address and those
 * sctp_bindx() added. */
static void local_side(const wsock *s, esctp_local *loc)
{
	sd_port_local_side(s, loc);
	if (!loc->naddrs)
		return; /* a wildcard: every address */
	for (unsigned i = 0;
	     i < s->nat->nextra && loc->naddrs < ESCTP_MAX_LOCAL; i++)
		sd_addr_to_esctp(&s->nat->extra[i], 0,
				 &loc->addrs[loc->naddrs++]);
}

/* ---- connect ---- */

static int family_ok(const wsock *s, const wsp_addr *a)
{
	if (s->family == AF_INET && a->family != AF_INET)
		return EAFNOSUPPORT;
	return 0;
}

void sd_native_reconfigure(wsock *s, const struct sctp_initmsg *im)
{
	if (!s->port)
		return;
	const nsock *n = s->nat;
	if (!im)
		im = &n->initmsg;
	esctp_config cfg;
	wsp_params p = s->params;
	if (im->sinit_num_ostreams)
		p.out_streams = im->sinit_num_ostreams;
	if (im->sinit_max_instreams)
		p.max_in_streams = im->sinit_max_instreams;
	if (im->sinit_max_attempts)
		p.max_init_retrans = im->sinit_max_attempts;
	sd_engine_config(s->d, &p, &cfg);
	cfg.local_port = s->port->port;
	/* A program's own socket announces its own Adaptation Layer
	 * Indication (SCTP_ADAPTATION_LAYER), never withsctp's: the peer of
	 * a native socket must not take it for a converted TCP socket. */
	cfg.adaptation = n->adaptation_set;
	cfg.adaptation_ind = n->adaptation_ind;
	cfg.prsctp = n->prsctp;
	if (n->assoc_max_retrans)
		cfg.assoc_max_retrans = (uint16_t)n->assoc_max_retrans;
	if (n->cookie_life)
		cfg.cookie_life_ms = n->cookie_life;
	cfg.sack_delay_ms = n->sack_delay;
	cfg.sack_freq = (uint16_t)n->sack_freq;
	cfg.max_burst = (uint16_t)n->max_burst;
	if (n->pathmaxrxt)
		cfg.path_max_retrans = n->pathmaxrxt;
	cfg.pf_retrans = n->pf_retrans;
	esctp_endpoint_reconfigure(s->port->ep, &cfg);
}

/* DESIGN.md §3: a one-to-one socket's app end stays unwritable until its
 * association is up, as Linux sctp_poll() reports no POLLOUT before: a
 * tiny send buffer filled with filler datagrams the channel discards once
 * the association is up (nchan.c).  Done when the socket is made. */
void sd_native_fill(wsock *s, int app_fd)
{
	if (s->filler)
		return; /* filled when it was made */
	wsp_msg f = {.flags = WSP_MF_FILLER};
	sd_sock_fill(s, app_fd, &f, sizeof(f));
}

static int start_assoc(wsock *s, const wsp_addr *addrs, unsigned n,
		       const struct sctp_initmsg *im, nassoc **out)
{
	sctpd *d = s->d;
	if (!n || n > WSP_MAX_PEERS)
		return EINVAL;
	for (unsigned i = 0; i < n; i++) {
		int e = family_ok(s, &addrs[i]);
		if (e)
			return e;
		/* sctp_connectx: every address on one port. */
		if (addrs[i].port != addrs[0].port || !addrs[i].port)
			return EINVAL;
	}
	if (!s->port) {
		memset(&s->bound, 0, sizeof(s->bound));
		int e = sd_port_hold(s, 0);
		if (e)
			return e;
		sd_native_reconfigure(s, NULL);
	}
	if (sd_native_find_addr(s, &addrs[0]))
		return EALREADY;
	esctp_addr peers[WSP_MAX_PEERS];
	for (unsigned i = 0; i < n; i++)
		sd_addr_to_esctp(&addrs[i],
				 s->nat->encap_port ? s->nat->encap_port
						    : d->udp_port,
				 &peers[i]);
	sd_native_reconfigure(s, im);
	esctp_assoc *a;
	int rc = esctp_endpoint_connect(s->port->ep, peers, n, addrs[0].port,
					host_now(d->h), &a);
	if (im)
		sd_native_reconfigure(s, NULL);
	if (rc < 0)
		return rc == ESCTP_ERR_EXIST ? EALREADY : EINVAL;
	esctp_local loc;
	local_side(s, &loc);
	esctp_assoc_set_local(a, &loc);
	nassoc *na = assoc_new(s, a);
	if (!na) {
		esctp_assoc_free(a);
		return ENOMEM;
	}
	if (s->nat->nodelay)
		esctp_assoc_set_nodelay(a, true);
	na->state = WSP_ST_CONNECTING;
	na->peer = addrs[0];
	if (s->kind != WSP_K_SCTP_SEQPACKET) {
		s->state = WSP_ST_CONNECTING;
		s->peer = addrs[0];
	}
	if (!s->local.port) {
		s->local = s->bound;
		s->local.family = s->local.family ? s->local.family
						  : (uint16_t)s->family;
		s->local.port = s->port->port;
	}
	kick(s);
	*out = na;
	return 0;
}

int sd_native_connect(wsock *s, const wsp_addr *addrs, unsigned n,
		      int app_fd, int32_t *id, int *wait_fd)
{
	*wait_fd = -1;
	if (s->kind == WSP_K_SCTP_PEELED)
		return EISCONN;
	if (s->state == WSP_ST_LISTEN && s->kind == WSP_K_SCTP_STREAM)
		return EISCONN;
	if (s->kind == WSP_K_SCTP_STREAM && s->nat->assocs) {
		nassoc *na = s->nat->assocs;
		return na->state == WSP_ST_CONNECTING ? EALREADY : EISCONN;
	}
	nassoc *na = sd_native_find_addr(s, &addrs[0]);
	if (na)
		return na->state == WSP_ST_CONNECTING ? EALREADY : EISCONN;
	int e = start_assoc(s, addrs, n, NULL, &na);
	if (e)
		return e;
	*id = na->id;
	if (s->kind == WSP_K_SCTP_STREAM) {
		sd_native_fill(s, app_fd);
		return 0;
	}
	int pv[2];
	if (pipe2(pv, O_CLOEXEC | O_NONBLOCK) == 0) {
		na->waitfd = pv[1];
		*wait_fd = pv[0];
	}
	return 0;
}

int sd_native_implicit(wsock *s, const wsp_msg *h, nassoc **out)
{
	struct sctp_initmsg im = s->nat->initmsg;
	if (h->flags & WSP_MF_INIT) {
		if (h->init_ostreams)
			im.sinit_num_ostreams = h->init_ostreams;
		if (h->init_maxin)
			im.sinit_max_instreams = h->init_maxin;
		if (h->init_attempts)
			im.sinit_max_attempts = h->init_attempts;
		if (h->init_timeo)
			im.sinit_max_init_timeo = h->init_timeo;
	}
	return start_assoc(s, &h->addr, 1, &im, out);
}

int sd_native_implicit_req(wsock *s, const wsp_addr *addr, const void *init,
			   wsp_native *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = s->kind;
	/* A peeled-off socket ignores the name; a one-to-one listener
	 * sends nothing (sctp_sendmsg_parse(): EPIPE).  A listening
	 * one-to-many socket answers its peers by address like any. */
	if (s->kind == WSP_K_SCTP_PEELED)
		return 0;
	if (s->kind == WSP_K_SCTP_STREAM && s->state == WSP_ST_LISTEN)
		return EPIPE;
	nassoc *na = s->kind == WSP_K_SCTP_SEQPACKET
			 ? sd_native_find_addr(s, addr)
			 : s->nat->assocs;
	if (!na) {
		struct sctp_initmsg im = s->nat->initmsg;
		if (init) {
			struct sctp_initmsg g;
			memcpy(&g, init, sizeof(g));
			if (g.sinit_num_ostreams)
				im.sinit_num_ostreams = g.sinit_num_ostreams;
			if (g.sinit_max_instreams)
				im.sinit_max_instreams = g.sinit_max_instreams;
			if (g.sinit_max_attempts)
				im.sinit_max_attempts = g.sinit_max_attempts;
		}
		int e = start_assoc(s, addr, 1, &im, &na);
		if (e)
			return e;
	}
	out->assoc = na->id;
	out->state = na->state;
	out->out_streams = na->state == WSP_ST_CONNECTING ? 0 : na->out_streams;
	return 0;
}

int sd_native_assoc_state(wsock *s, int32_t id, wsp_native *out)
{
	nsock *n = s->nat;
	memset(out, 0, sizeof(*out));
	out->kind = s->kind;
	if (!n)
		return EINVAL;
	nassoc *na = sd_native_find(s, id);
	if (!na || (s->kind == WSP_K_SCTP_SEQPACKET && na->id != id)) {
		/* Gone: what ended it is in the socket's memory of ids. */
		out->state = WSP_ST_CLOSED;
		out->assoc = n->last_gone_id == id ? n->last_gone_err : ENOENT;
		return 0;
	}
	out->state = na->state;
	out->assoc = na->error;
	out->out_streams = na->state == WSP_ST_CONNECTING ? 0 : na->out_streams;
	return 0;
}

void sd_native_query(const wsock *s, wsp_native *out)
{
	const nsock *n = s->nat;
	memset(out, 0, sizeof(*out));
	out->kind = s->kind;
	out->listening = s->state == WSP_ST_LISTEN;
	if (s->kind == WSP_K_SCTP_SEQPACKET)
		out->ends_slot = sd_ends_slot(s->cookie);
	for (const nassoc *na = n->assocs; na; na = na->next)
		if (na->state != WSP_ST_CLOSED)
			out->nassocs++;
	const nassoc *one = s->kind != WSP_K_SCTP_SEQPACKET ? n->assocs : NULL;
	if (one) {
		out->assoc = one->id;
		out->out_streams =
		    one->state == WSP_ST_CONNECTING ? 0 : one->out_streams;
		out->state = one->state;
	} else {
		out->state = s->state;
	}
	esctp_config cfg;
	sd_engine_config(s->d, &s->params, &cfg);
	out->sndbuf = cfg.sndbuf;
	out->frag_point = n->maxseg ? n->maxseg : (uint32_t)cfg.mtu - 12 - 16;
	out->disable_fragments = n->disable_fragments;
	out->init_ostreams = n->initmsg.sinit_num_ostreams;
}

/* ---- accept ---- */

void sd_native_accept(wsock *l, esctp_assoc *a)
{
	sctpd *d = l->d;
	esctp_local loc;
	local_side(l, &loc);
	esctp_assoc_set_local(a, &loc);
	if (l->kind == WSP_K_SCTP_SEQPACKET) {
		nassoc *na = assoc_new(l, a);
		if (!na) {
			esctp_assoc_abort(a, "out of resources",
					  host_now(d->h));
			esctp_assoc_free(a);
			return;
		}
		na->state = WSP_ST_CONNECTING; /* COMM_UP follows */
		return;
	}
	int app_fd;
	wsock *s = sd_sock_new(d, l->family, WSP_K_SCTP_STREAM, &l->params,
			       l->uid, l->pid, l->comm, &app_fd);
	nassoc *na = s ? assoc_new(s, a) : NULL;
	if (!na) {
		sd_log(d, LOG_WARN_, "port %u: cannot accept: %s",
		       l->port->port, strerror(errno ? errno : ENOMEM));
		if (s)
			sd_sock_free(s);
		esctp_assoc_abort(a, "out of resources", host_now(d->h));
		esctp_assoc_free(a);
		return;
	}
	/* The listener's options go to the accepted socket, as the kernel's
	 * sctp_copy_sock() does. */
	nsock *keep = s->nat;
	uint32_t seq = keep->seq;
	nassoc *list = keep->assocs;
	unsigned count = keep->nassocs;
	*keep = *l->nat;
	keep->assocs = list;
	keep->nassocs = count;
	keep->seq = seq;
	keep->rd_cur = keep->rr = NULL;
	keep->stage = keep->in_buf = keep->rbuf = NULL;
	keep->stage_len = keep->in_len = keep->in_cap = 0;
	keep->in_ready = false;
	keep->last_gone_id = 0;
	keep->unread = (sd_unread){0};
	/* The association began on the listener (sctp_association_init()
	 * copies its endpoint's values). */
	na->strreset = keep->strreset;
	na->pf_expose = keep->pf_expose;
	s->appdup = app_fd;
	s->accepted = true;
	s->linger0 = l->linger0;
	s->v6only = l->v6only;
	s->state = WSP_ST_ESTABLISHED;
	na->state = WSP_ST_CONNECTING; /* COMM_UP follows */
	sd_port_adopt(s, l->port);
	s->bound = l->bound;
	s->local = l->bound;
	s->local.port = l->port->port;
	assoc_fill(na); /* the peer's addresses are known from its INIT */
	if (!sd_port_deliver(l, s)) {
		sd_log(d, LOG_WARN_,
		       "port %u: the listener's queue is full (backlog %d): "
		       "association aborted",
		       l->port->port, l->backlog);
		sd_sock_reset(s, "backlog full");
		return;
	}
	if (!s->acq_listener) {
		close(s->appdup);
		s->appdup = -1;
	}
}

/* ---- peeloff ---- */

int sd_native_peeloff(wsock *s, int32_t id, int *app_fd)
{
	if (s->kind != WSP_K_SCTP_SEQPACKET)
		return EINVAL;
	nassoc *na = sd_native_find(s, id);
	if (!na || !na->a)
		return EINVAL;
	wsock *p = sd_sock_new(s->d, s->family, WSP_K_SCTP_PEELED, &s->params,
			       s->uid, s->pid, s->comm, app_fd);
	if (!p)
		return errno ? errno : ENOMEM;
	/* sctp_do_peeloff() -> sctp_copy_sock(): the options come along. */
	nsock *keep = p->nat;
	uint32_t seq = keep->seq;
	*keep = *s->nat;
	keep->assocs = NULL;
	keep->nassocs = 0;
	keep->seq = seq;
	keep->rd_cur = keep->rr = NULL;
	keep->stage = keep->in_buf = keep->rbuf = NULL;
	keep->stage_len = keep->in_len = keep->in_cap = 0;
	keep->in_ready = false;
	keep->last_gone_id = 0;
	keep->unread = (sd_unread){0};
	/* What is queued for na in the old channel stays there: the kernel
	 * moves the association's queued events with it
	 * (sctp_sock_migrate), we move those not yet written. */
	nrec *rq_head = na->rq_head, *rq_tail = na->rq_tail;
	na->rq_head = na->rq_tail = NULL;
	sd_nchan_forget(na);
	assoc_unlink(na);
	assoc_link(p, na);
	sd_ends_bump(s->d, s->cookie); /* the id is no longer s's */
	na->rq_head = rq_head;
	na->rq_tail = rq_tail;
	p->state = WSP_ST_ESTABLISHED;
	p->linger0 = s->linger0;
	sd_port_adopt(p, s->port);
	p->bound = s->bound;
	p->local = s->local;
	p->peer = na->peer;
	sd_nchan_pump(p);
	sd_nchan_pump(s);
	return 0;
}

/* ---- ending ---- */

void sd_native_shutdown(nassoc *na)
{
	if (!na->a || na->shutdown_sent)
		return;
	na->shutdown_sent = true;
	if (na->state == WSP_ST_ESTABLISHED)
		na->state = WSP_ST_CLOSING;
	esctp_assoc_shutdown(na->a, host_now(na->s->d->h));
	kick(na->s);
}

void sd_native_abort(nassoc *na, const void *why, size_t len)
{
	if (!na->a)
		return;
	char reason[256];
	size_t n = len < sizeof(reason) - 1 ? len : sizeof(reason) - 1;
	if (why)
		memcpy(reason, why, n);
	reason[why ? n : 0] = '\0';
	esctp_assoc_abort(na->a, why ? reason : NULL, host_now(na->s->d->h));
	kick(na->s);
}

static bool queued(const nassoc *na)
{
	esctp_status st;
	esctp_assoc_status(na->a, &st);
	return st.pending || st.unacked;
}

/* The program closed its socket: sctp_close() shuts every association
 * down, or aborts them with unread data or SO_LINGER {1, 0}. */
void sd_native_app_gone(wsock *s)
{
	int err = 0;
	socklen_t el = sizeof(err);
	/* Linux sctp_close(): unread user data means ABORT, unread
	 * notifications do not (unread.h). */
	bool unread = (s->app_unread ||
		       (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 &&
			err == ECONNRESET)) &&
		      sd_unread_data(&s->nat->unread);
	s->app_gone = true;
	sd_nchan_close(s);
	if (s->state == WSP_ST_LISTEN)
		sd_port_unlisten(s);
	for (nassoc *na = s->nat->assocs, *next; na; na = next) {
		next = na->next;
		sd_nchan_forget(na);
		if (!na->a || na->state == WSP_ST_CLOSED) {
			sd_native_assoc_free(na);
		} else if (s->linger0 || unread) {
			sd_native_abort(na, NULL, 0);
			sd_native_assoc_free(na);
		} else if (na->state == WSP_ST_CONNECTING) {
			/* The kernel's handshake on loopback is over before
			 * sendmsg() returns, so a program that sends and
			 * closes at once has its messages delivered: here
			 * the handshake may still run.  Messages queued:
			 * SHUTDOWN once it is up; none: gone at once, as
			 * Linux deletes an association still in COOKIE-WAIT
			 * (sctp_sf_cookie_wait_prm_shutdown). */
			if (queued(na)) {
				na->shutdown_on_up = true;
			} else {
				sd_native_abort(na, NULL, 0);
				sd_native_assoc_free(na);
			}
		} else {
			sd_native_shutdown(na);
		}
	}
	if (!s->nat->assocs)
		sd_sock_free(s);
}

/* An association's end: its last notification is queued; what arrived is
 * still readable from the engine. */
static void assoc_ended(nassoc *na, int error)
{
	wsock *s = na->s;
	na->state = WSP_ST_CLOSED;
	na->error = error;
	s->nat->last_gone_id = na->id;
	s->nat->last_gone_err = error;
	if (s->kind == WSP_K_SCTP_SEQPACKET)
		sd_ends_bump(s->d, s->cookie);
	close_wait(na);
	if (s->app_gone) {
		sd_native_assoc_free(na);
		if (!s->nat->assocs)
			sd_sock_free(s);
		return;
	}
	if (s->kind != WSP_K_SCTP_SEQPACKET) {
		s->state = WSP_ST_CLOSED;
		s->so_error = error == ECONNRESET || error == ETIMEDOUT ||
				      error == ECONNREFUSED
				  ? error
				  : 0;
	}
	sd_nchan_pump(s);
}

/* The channel's report: an ended association has nothing left to
 * deliver. */
static void native_drained(nassoc *na)
{
	wsock *s = na->s;
	if (s->kind == WSP_K_SCTP_SEQPACKET) {
		sd_native_assoc_free(na);
		return;
	}
	/* One-to-one and peeled: the association goes, the socket stays
	 * for the program's questions; it reads EOF and its sends fail. */
	if (na->a) {
		esctp_assoc_set_user(na->a, NULL);
		esctp_assoc_free(na->a);
		na->a = NULL;
		kick(s);
	}
	sd_nchan_finish(s);
	sd_reap_at(s, host_now(s->d->h) +
			  (s->connect_failed ? SD_REAP_DELAY : SD_ZOMBIE_DELAY));
}

/* ---- engine events ---- */

static int ended_errno(const esctp_event *ev)
{
	if (ev->type == ESCTP_EV_CANT_START)
		return ev->error == 0 ? ETIMEDOUT : ECONNREFUSED;
	return ev->error == 0 ? ETIMEDOUT : ECONNRESET;
}

/* sac_error as Linux fills it: the ABORT's first cause code, received
 * or sent (the user's abort: 12, a protocol violation: 13), raw from the
 * wire (__be16, in network order); 0 when the retransmissions ran out
 * (SCTP_ERROR_NO_ERROR, sctp_sf_do_6_3_3_rtx()). */
static uint16_t sac_error(const esctp_event *ev)
{
	return ev->error == 0 ? 0 : htons(ev->cause);
}

static void on_up(nassoc *na)
{
	wsock *s = na->s;
	char b[64];
	bool restart = na->state == WSP_ST_ESTABLISHED;
	na->state = WSP_ST_ESTABLISHED;
	assoc_fill(na);
	sd_log(s->d, LOG_INFO_, "%s[%d]: SCTP association %d with %s up",
	       s->comm, (int)s->pid, (int)na->id,
	       sd_addr_str(&na->peer, b, sizeof(b)));
	sd_notif_assoc_change(na, restart ? SCTP_RESTART : SCTP_COMM_UP, 0,
			      NULL, 0);
	esctp_status st;
	esctp_assoc_status(na->a, &st);
	if (st.peer_adaptation_present)
		sd_notif_adaptation(na, st.peer_adaptation);
	close_wait(na);
	if (na->shutdown_on_up) {
		sd_native_shutdown(na);
		return;
	}
	na->last_use = host_now(s->d->h);
	if (s->nat->autoclose)
		sd_native_autoclose(s->d);
	if (s->kind == WSP_K_SCTP_STREAM && s->state == WSP_ST_CONNECTING) {
		s->state = WSP_ST_ESTABLISHED;
		s->sndbuf_restore = true;
	}
	sd_nchan_pump(s);
}

static void assoc_events(host_handler *self, host_ep *e, const esctp_event *ev)
{
	nassoc *na = (nassoc *)self;
	wsock *s = na->s;

	(void)e;
	switch (ev->type) {
	case ESCTP_EV_COMM_UP:
		on_up(na);
		break;
	case ESCTP_EV_RESTART:
		na->state = WSP_ST_ESTABLISHED;
		on_up(na);
		break;
	case ESCTP_EV_DATA:
		na->last_use = host_now(s->d->h);
		sd_nchan_pump(s);
		break;
	case ESCTP_EV_SENDER_DRY:
		sd_notif_sender_dry(na);
		sd_nchan_pump(s);
		break;
	case ESCTP_EV_SHUTDOWN:
		if (na->state == WSP_ST_ESTABLISHED)
			na->state = WSP_ST_CLOSING;
		sd_notif_shutdown(na);
		sd_nchan_pump(s);
		break;
	case ESCTP_EV_SHUTDOWN_COMP:
		sd_notif_assoc_change(na, SCTP_SHUTDOWN_COMP, 0, NULL, 0);
		assoc_ended(na, 0);
		break;
	case ESCTP_EV_COMM_LOST: {
		/* Only a COMM_LOST from the peer's ABORT carries the chunk
		 * (sctp_cmd_assoc_failed()); CANT_STR_ASSOC never does. */
		const uint8_t *info = NULL;
		size_t len = e ? esctp_event_abort_causes(host_ep_endpoint(e),
							  ev, &info)
			       : 0;
		sd_notif_assoc_change(na, SCTP_COMM_LOST, sac_error(ev), info,
				      len);
		assoc_ended(na, ended_errno(ev));
		break;
	}
	case ESCTP_EV_CANT_START:
		sd_notif_assoc_change(na, SCTP_CANT_STR_ASSOC, sac_error(ev),
				      NULL, 0);
		if (s->kind == WSP_K_SCTP_STREAM)
			s->connect_failed = true;
		assoc_ended(na, ended_errno(ev));
		break;
	case ESCTP_EV_PEER_ADDR_CHANGE:
		if (sd_sctpopt_paddr_notify(na, ev))
			sd_notif_paddr_change(na, &ev->addr, ev->path_state, 0);
		sd_nchan_pump(s);
		break;
	case ESCTP_EV_REMOTE_ERROR:
		sd_notif_remote_error(na, ev->cause);
		sd_nchan_pump(s);
		break;
	case ESCTP_EV_SEND_FAILED:
		sd_notif_send_failed(na, ev, e);
		sd_nchan_pump(s);
		break;
	case ESCTP_EV_PARTIAL_DELIVERY_ABORTED:
		sd_nchan_message_over(na);
		sd_notif_pdapi(na, ev->stream, ev->ssn);
		sd_nchan_pump(s);
		break;
	default:
		break;
	}
}

void sd_native_touched(nassoc *na)
{
	sd_nchan_pump(na->s);
}

/* ---- sends ---- */

/* The PR-SCTP policy of a send (RFC 3758, RFC 7496): the engine's
 * ESCTP_PR_* are Linux's SCTP_PR_SCTP_* shifted right by 4.  RFC 6458
 * §5.3.2: with no policy, sinfo_timetolive still limits the message's
 * life (the old SCTP_SNDRCV meaning), as in Linux. */
static void policy_of(uint32_t sflags, uint32_t value, esctp_sndinfo *si)
{
	uint32_t policy = (sflags & SCTP_PR_SCTP_MASK) >> 4;
	si->pr_policy = (uint8_t)policy;
	si->pr_value = value;
	if (policy == ESCTP_PR_NONE)
		si->ttl_ms = value;
}

/* 0 when done with the message (sent, or dropped), EAGAIN to retry. */
static int send_one(nassoc *na, const esctp_sndinfo *si, uint32_t sflags,
		    const uint8_t *data, size_t len)
{
	wsock *s = na->s;
	esctp_tstamp now = host_now(s->d->h);
	if (!na->a || na->state == WSP_ST_CLOSED) {
		if (len && !(sflags & (SCTP_ABORT | SCTP_EOF)))
			sd_notif_unsent(na, si, data, len);
		return 0;
	}
	if (sflags & SCTP_ABORT) {
		sd_native_abort(na, data, len);
		return 0;
	}
	if (na->shutdown_sent)
		return 0;
	if (len) {
		int rc = esctp_assoc_send(na->a, si, data, len, now);
		if (rc == ESCTP_ERR_AGAIN)
			return EAGAIN;
		if (rc < 0) {
			sd_log(s->d, LOG_DEBUG_,
			       "%s[%d]: association %d: %zu bytes not sent: %s",
			       s->comm, (int)s->pid, (int)na->id, len,
			       esctp_strerror(rc));
			return 0;
		}
		na->last_use = now;
		s->bytes_out += len;
		s->msgs_out++;
	}
	if (sflags & SCTP_EOF)
		sd_native_shutdown(na);
	kick(s);
	return 0;
}

static int sendall(wsock *s, const esctp_sndinfo *si, uint32_t sflags,
		   const uint8_t *data, size_t len)
{
	/* Every association that is up gets it, or none yet: wait until
	 * each has room. */
	for (nassoc *na = s->nat->assocs; na; na = na->next)
		if (na->a && na->state == WSP_ST_ESTABLISHED && len &&
		    !(sflags & SCTP_ABORT) &&
		    esctp_assoc_send_space(na->a) < len)
			return EAGAIN;
	for (nassoc *na = s->nat->assocs, *next; na; na = next) {
		next = na->next;
		if (na->state == WSP_ST_ESTABLISHED)
			send_one(na, si, sflags, data, len);
	}
	return 0;
}

static int native_send(wsock *s, const wsp_msg *h, const uint8_t *data,
		       size_t len)
{
	nsock *n = s->nat;
	esctp_sndinfo si = {0};
	uint32_t sflags, ttl;
	if (h->flags & WSP_MF_SNDINFO) {
		si.stream = h->stream;
		si.ppid = h->ppid;
		si.context = h->context;
		sflags = h->sflags;
		ttl = h->ttl;
	} else {
		si.stream = n->dflt.sinfo_stream;
		si.ppid = n->dflt.sinfo_ppid;
		si.context = n->dflt.sinfo_context;
		sflags = n->dflt.sinfo_flags;
		ttl = n->dflt.sinfo_timetolive;
		/* Flags of the call itself (sendmsg's SCTP_EOF...) still
		 * apply. */
		sflags |= h->sflags;
	}
	if (h->flags & WSP_MF_PRINFO) {
		sflags = (sflags & ~(uint32_t)SCTP_PR_SCTP_MASK) |
			 (h->sflags & SCTP_PR_SCTP_MASK);
		ttl = h->ttl;
	}
	if (sflags & SCTP_UNORDERED)
		si.flags |= ESCTP_UNORDERED;
	/* RFC 7053: the I bit asks the peer for its SACK at once. */
	if (sflags & SCTP_SACK_IMMEDIATELY)
		si.flags |= ESCTP_SACK_NOW;
	/* SCTP_ADDR_OVER: the message's first transmission to the address
	 * given (the shim refuses the flag without one). */
	if ((sflags & SCTP_ADDR_OVER) && h->addr.family) {
		si.flags |= ESCTP_ADDR_OVER;
		sd_addr_to_esctp(&h->addr, s->d->udp_port, &si.addr);
	}
	policy_of(sflags, ttl, &si);
	nassoc *na = NULL;
	if (s->kind == WSP_K_SCTP_SEQPACKET) {
		if (sflags & SCTP_SENDALL)
			return sendall(s, &si, sflags, data, len);
		if (h->addr.family)
			na = sd_native_find_addr(s, &h->addr);
		else
			na = sd_native_find(s, h->assoc);
	} else {
		na = n->assocs;
	}
	if (!na && h->addr.family && s->kind != WSP_K_SCTP_PEELED &&
	    s->state != WSP_ST_LISTEN && !(sflags & (SCTP_ABORT | SCTP_EOF))) {
		int e = sd_native_implicit(s, h, &na);
		if (e) {
			char b[64];
			sd_log(s->d, LOG_INFO_,
			       "%s[%d]: cannot start an association to %s: %s",
			       s->comm, (int)s->pid,
			       sd_addr_str(&h->addr, b, sizeof(b)),
			       strerror(e));
			return 0;
		}
	}
	if (!na)
		return 0;
	return send_one(na, &si, sflags, data, len);
}

/* shutdown(SHUT_WR) of a one-to-one socket starts the SHUTDOWN (sctp(7):
 * no half-close); elsewhere it changes nothing here. */
static void native_app_eof(wsock *s)
{
	if (s->kind == WSP_K_SCTP_STREAM && s->nat->assocs)
		sd_native_shutdown(s->nat->assocs);
}

static const sd_nchan_owner nchan_owner = {
    .send = native_send,
    .app_eof = native_app_eof,
    .app_gone = sd_native_app_gone,
    .drained = native_drained,
};

void sd_native_setup(sctpd *d)
{
	d->nchan_owner = &nchan_owner;
}

/* ---- listing ---- */

void sd_native_stat(const wsock *s, const nassoc *na, wsp_stat *st)
{
	st->subscribe = s->nat->subscribe;
	if (!na)
		return;
	st->assoc = na->id;
	st->peer = na->peer;
	if (s->kind == WSP_K_SCTP_SEQPACKET)
		st->state = na->state;
	if (na->a)
		sd_stat_assoc(na->a, st);
}

/* ---- AUTOCLOSE ---- */

void sd_native_autoclose(sctpd *d)
{
	esctp_tstamp now = host_now(d->h), next = ESCTP_TSTAMP_NEVER;
	for (wsock *s = d->socks; s; s = s->next) {
		if (!s->nat || !s->nat->autoclose)
			continue;
		esctp_tstamp idle =
		    (esctp_tstamp)s->nat->autoclose * ESCTP_SECOND;
		for (nassoc *na = s->nat->assocs; na; na = na->next) {
			if (na->state != WSP_ST_ESTABLISHED || na->shutdown_sent)
				continue;
			/* sctp(7): "the number of seconds an association
			 * may be idle" (no user data either way) before it
			 * is shut down. */
			if (na->last_use + idle <= now)
				sd_native_shutdown(na);
			else if (na->last_use + idle < next)
				next = na->last_use + idle;
		}
	}
	if (next != ESCTP_TSTAMP_NEVER)
		loop_timer_set(d->l, &d->autoclose_t, next);
}
