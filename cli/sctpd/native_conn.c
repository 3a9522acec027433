/*
 * native_conn.c - native SCTP sockets: the associations they start and
 * move: connect (and sctp_connectx), implicit setup by a send, accept,
 * peeloff, and the answers about them (native.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "ends.h"
#include "log.h"
#include "native.h"
#include "port.h"
#include "sctpd.h"
#include "sock.h"

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
	nassoc *na = sd_native_assoc_new(s, a);
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
		s->local.family =
		    s->local.family ? s->local.family : (uint16_t)s->family;
		s->local.port = s->port->port;
	}
	sd_native_kick(s);
	*out = na;
	return 0;
}

int sd_native_connect(wsock *s, const wsp_addr *addrs, unsigned n, int app_fd,
		      int32_t *id, int *wait_fd)
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

/* What every wsp_native answer says of the socket. */
static void native_common(const wsock *s, wsp_native *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = s->kind;
	out->ends_slot = sd_ends_slot(s->cookie);
	const nsock *n = s->nat;
	if (!n)
		return;
	out->dflt_stream = n->dflt.sinfo_stream;
	out->rcv_cmsgs = ((n->subscribe & 1) ? 1u : 0) |
			 (n->recvrcvinfo ? 2u : 0) | (n->recvnxtinfo ? 4u : 0);
}

int sd_native_implicit_req(wsock *s, const wsp_addr *addr, const void *init,
			   wsp_native *out)
{
	native_common(s, out);
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
	native_common(s, out);
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

/* The largest message a send with SCTP_DISABLE_FRAGMENTS takes, as
 * sctp_sendmsg_to_asoc() checks it against asoc->frag_point: a one-to-one
 * socket's association's fragment point; else the one a new association
 * of the socket starts with (one path of the configured MTU, the socket's
 * SCTP_MAXSEG), which an association of a one-to-many socket keeps unless
 * SCTP_MAXSEG is set for it alone. */
static uint32_t frag_point(const nsock *n, const nassoc *one,
			   const esctp_config *cfg)
{
	if (one && one->a) {
		esctp_status es;
		esctp_assoc_status(one->a, &es);
		if (es.frag_point)
			return es.frag_point;
	}
	uint32_t f = (uint32_t)cfg->mtu - 12 - 16;
	if (n->maxseg && n->maxseg < f)
		f = n->maxseg;
	return f & ~3u;
}

void sd_native_query(const wsock *s, wsp_native *out)
{
	const nsock *n = s->nat;
	native_common(s, out);
	out->listening = s->state == WSP_ST_LISTEN;
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
	out->frag_point = frag_point(n, one, &cfg);
	out->disable_fragments = n->disable_fragments;
	out->init_ostreams = n->initmsg.sinit_num_ostreams;
}

/* sctp_copy_sock(): a new socket (accepted, peeled off) gets the options
 * of `from`; its own associations, channel state and counters stay. */
static void copy_options(nsock *to, const nsock *from)
{
	uint32_t seq = to->seq;
	nassoc *list = to->assocs;
	unsigned count = to->nassocs;
	*to = *from;
	to->assocs = list;
	to->nassocs = count;
	to->seq = seq;
	to->rd_cur = to->rr = NULL;
	to->stage = to->in_buf = to->rbuf = NULL;
	to->stage_len = to->in_len = to->in_cap = 0;
	to->in_ready = false;
	to->last_gone_id = 0;
	to->unread = (sd_unread){0};
	to->redo_head = to->redo_tail = NULL;
	to->hold = false;
}

/* ---- accept ---- */

void sd_native_accept(wsock *l, esctp_assoc *a)
{
	sctpd *d = l->d;
	esctp_local loc;
	local_side(l, &loc);
	esctp_assoc_set_local(a, &loc);
	if (l->kind == WSP_K_SCTP_SEQPACKET) {
		nassoc *na = sd_native_assoc_new(l, a);
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
	nassoc *na = s ? sd_native_assoc_new(s, a) : NULL;
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
	copy_options(keep, l->nat);
	/* The association began on the listener (sctp_association_init()
	 * copies its endpoint's values). */
	na->strreset = keep->strreset;
	na->pf_expose = keep->pf_expose;
	esctp_assoc_set_maxseg(a, keep->maxseg);
	esctp_assoc_set_pd_point(a, keep->pd_point);
	s->appdup = app_fd;
	s->accepted = true;
	s->linger0 = l->linger0;
	s->v6only = l->v6only;
	s->reuseaddr = l->reuseaddr;
	s->reuseport = l->reuseport;
	s->state = WSP_ST_ESTABLISHED;
	na->state = WSP_ST_CONNECTING; /* COMM_UP follows */
	sd_port_adopt(s, l->port);
	s->bound = l->bound;
	s->local = l->bound;
	s->local.port = l->port->port;
	/* The peer's addresses are known from its INIT. */
	sd_native_assoc_fill(na);
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

int sd_native_peeloff(wsock *s, int32_t id, bool migrate, int *app_fd)
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
	copy_options(keep, s->nat);
	/* The kernel moves the association's queued events with it
	 * (sctp_sock_migrate): those not yet written move here; those in
	 * the old channel the program hands back (migrate: both channels
	 * wait for them, WSP_MF_REDELIVER). */
	if (migrate) {
		esctp_tstamp now = host_now(s->d->h);
		s->nat->hold = keep->hold = true;
		s->nat->hold_since = keep->hold_since = now;
		if (!loop_timer_armed(&s->d->hold_t))
			loop_timer_set(s->d->l, &s->d->hold_t,
				       now + SD_HOLD_MAX);
	}
	nrec *rq_head = na->rq_head, *rq_tail = na->rq_tail;
	na->rq_head = na->rq_tail = NULL;
	sd_nchan_forget(na);
	sd_native_assoc_move(na, p);
	sd_ends_bump(s->d, s->cookie); /* the id is no longer s's */
	na->rq_head = rq_head;
	na->rq_tail = rq_tail;
	p->state = WSP_ST_ESTABLISHED;
	/* sctp_copy_sock(): sk_reuse and sp->reuse come along (a listener
	 * restarted on the port may share it with the peeled sockets). */
	p->linger0 = s->linger0;
	p->reuseaddr = s->reuseaddr;
	p->reuseport = s->reuseport;
	sd_port_adopt(p, s->port);
	p->bound = s->bound;
	p->local = s->local;
	p->peer = na->peer;
	sd_nchan_pump(p);
	sd_nchan_pump(s);
	return 0;
}
