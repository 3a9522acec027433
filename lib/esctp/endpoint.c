/*
 * endpoint.c - one local SCTP port: creation, demultiplexing of received
 * packets to associations, output scheduling, timers, and the queue of
 * one-shot replies (INIT ACK, OOTB answers, ABORT, SHUTDOWN COMPLETE,
 * HEARTBEAT ACK, ERROR) that are built at input time and sent by output().
 */
#include "assoc.h"
#include "ootb.h"

uint32_t ep_random32(const esctp_endpoint *ep)
{
	uint8_t b[4];
	ep->ops.random(ep->ops.user, b, sizeof b);
	return get32(b);
}

uint32_t ep_random_tag(const esctp_endpoint *ep)
{
	/* RFC 9260 §3.3.2: "The Initiate Tag is allowed to have any value
	 * except 0." */
	uint32_t t;
	do
		t = ep_random32(ep);
	while (t == 0);
	return t;
}

static bool config_ok(const esctp_config *c)
{
	return c->local_port && c->out_streams && c->max_in_streams &&
	       c->mtu >= 512 && c->rto_min_ms && c->rto_initial_ms &&
	       c->rto_min_ms <= c->rto_max_ms && c->cookie_life_ms &&
	       c->sack_delay_ms <= 500 && c->rcvbuf && c->sndbuf &&
	       c->max_message;
}

esctp_endpoint *esctp_endpoint_new(const esctp_config *cfg,
				   const esctp_ops *ops)
{
	if (!cfg || !ops || !ops->random || !ops->cookie_mac || !config_ok(cfg))
		return NULL;
	esctp_mem m;
	mem_init(&m, ops);
	esctp_endpoint *ep = mem_calloc(&m, 1, sizeof *ep);
	if (!ep)
		return NULL;
	ep->cfg = *cfg;
	ep->ops = *ops;
	ep->mem = m;
	ep->hash_seed = ep_random32(ep);
	return ep;
}

int esctp_endpoint_reconfigure(esctp_endpoint *ep, const esctp_config *cfg)
{
	if (!ep || !cfg || !config_ok(cfg) ||
	    cfg->local_port != ep->cfg.local_port || cfg->mtu != ep->cfg.mtu)
		return ESCTP_ERR_INVAL;
	ep->cfg = *cfg;
	return 0;
}

void esctp_endpoint_free(esctp_endpoint *ep)
{
	if (!ep)
		return;
	while (ep->all)
		assoc_destroy(ep->all);
	ev_free(ep);
	mem_free(&ep->mem, ep->slots);
	mem_free(&ep->mem, ep->heap);
	for (unsigned i = 0; i < EP_REPLY_SLOTS; i++)
		mem_free(&ep->mem, ep->replies[i].buf);
	for (unsigned i = 0; i < ep->npool; i++)
		mem_free(&ep->mem, ep->reply_pool[i]);
	mem_free(&ep->mem, ep);
}

int esctp_endpoint_add_local_addr(esctp_endpoint *ep, const esctp_addr *addr)
{
	if (!ep || !addr ||
	    (addr->family != ESCTP_AF_INET && addr->family != ESCTP_AF_INET6))
		return ESCTP_ERR_INVAL;
	for (unsigned i = 0; i < ep->nlocal; i++)
		if (esctp_addr_same_ip(&ep->local[i], addr))
			return 0;
	if (ep->nlocal == EP_MAX_LOCAL)
		return ESCTP_ERR_NOMEM;
	ep->local[ep->nlocal] = *addr;
	ep->local[ep->nlocal].port = 0;
	ep->nlocal++;
	return 0;
}

void esctp_endpoint_listen(esctp_endpoint *ep, bool on)
{
	if (ep)
		ep->listening = on;
}

void esctp_endpoint_set_init_filter(esctp_endpoint *ep, esctp_init_filter *f)
{
	if (ep)
		ep->filter = f;
}

static bool family_ok(const esctp_addr *a)
{
	return a->family == ESCTP_AF_INET || a->family == ESCTP_AF_INET6;
}

int esctp_endpoint_connect(esctp_endpoint *ep, const esctp_addr *peers,
			   size_t npeers, uint16_t peer_port, esctp_tstamp now,
			   esctp_assoc **out)
{
	if (!ep || !peers || !npeers || npeers > ESCTP_MAX_PATHS ||
	    !peer_port || !out)
		return ESCTP_ERR_INVAL;
	for (size_t i = 0; i < npeers; i++) {
		uint8_t pi;
		if (!family_ok(&peers[i]))
			return ESCTP_ERR_INVAL;
		if (ep_table_find(ep, &peers[i], peer_port, &pi))
			return ESCTP_ERR_EXIST;
	}
	esctp_assoc *a = assoc_new(ep, peer_port);
	if (!a)
		return ESCTP_ERR_NOMEM;
	a->local_vtag = ep_random_tag(ep);
	a->local_tsn = ep_random32(ep);
	for (size_t i = 0; i < npeers; i++) {
		/* §5.4: "Any addresses passed to the sender of the INIT by
		 * its upper layer in the request to initialize an association
		 * are automatically considered to be CONFIRMED." */
		if (assoc_add_path(a, &peers[i], true, now) < 0) {
			assoc_destroy(a);
			return ESCTP_ERR_NOMEM;
		}
	}
	a->state = ESCTP_COOKIE_WAIT;
	a->ctl = CTL_INIT;
	a->t1_rto = ms_to_ts(ep->cfg.rto_initial_ms);
	a->t1 = ts_add(now, a->t1_rto);
	assoc_touch(a, now);
	*out = a;
	return 0;
}

/* ---- input ---- */

int esctp_endpoint_input(esctp_endpoint *ep, const uint8_t *pkt, size_t len,
			 const esctp_addr *src, const esctp_addr *dst,
			 esctp_tstamp now)
{
	pkt_header h;
	if (!ep || !pkt || !src || !family_ok(src))
		return ESCTP_ERR_INVAL;
	int n = pkt_parse(pkt, len, &h);
	if (n < 0 || h.dst_port != ep->cfg.local_port || h.src_port == 0)
		return ESCTP_ERR_PROTO;
	if (n == 0)
		return 0;
	static const esctp_addr none;
	if (!dst)
		dst = &none;
	uint8_t pi;
	esctp_assoc *a = ep_table_find(ep, src, h.src_port, &pi);
	if (a) {
		assoc_input(a, pkt, len, &h, pi, src, dst, now);
		assoc_touch(a, now);
		return 0;
	}
	hs_input_no_tcb(ep, pkt, len, &h, src, dst, now);
	return 0;
}

int esctp_endpoint_unreachable(esctp_endpoint *ep, const uint8_t *pkt,
			       size_t len, const esctp_addr *to,
			       esctp_tstamp now)
{
	(void)now;
	if (!ep || !pkt || !to || !family_ok(to))
		return ESCTP_ERR_INVAL;
	/* The common header: source port, destination port, tag, checksum. */
	if (len < 12 || get16(pkt) != ep->cfg.local_port)
		return 0;
	uint8_t pi;
	esctp_assoc *a = ep_table_find(ep, to, get16(pkt + 2), &pi);
	if (!a || (a->state != ESCTP_COOKIE_WAIT &&
		   a->state != ESCTP_COOKIE_ECHOED))
		return 0;
	uint32_t vtag = get32(pkt + 4);
	bool ours;
	if (vtag == 0)
		/* An INIT: its Initiate Tag (chunk type 1, then flags, length,
		 * tag) is what proves the sender. */
		ours = len >= 20 && pkt[12] == 1 && get32(pkt + 16) == a->local_vtag;
	else
		ours = a->state == ESCTP_COOKIE_ECHOED && vtag == a->peer_vtag;
	if (!ours)
		return 0;
	assoc_close(a, ESCTP_EV_CANT_START, ESCTP_ERR_CLOSED, 0);
	return 1;
}

/* ---- replies ---- */

bool ep_reply_begin(esctp_endpoint *ep, wbuf *w, bool from_input)
{
	unsigned limit = from_input ? EP_REPLY_SLOTS_INPUT : EP_REPLY_SLOTS;
	if (ep->reply_count >= limit) {
		ep->replies_dropped++;
		return false;
	}
	/* A slot past the tail may still hold the buffer of a reply that
	 * was begun and never committed. */
	ep_reply *r =
	    &ep->replies[(ep->reply_head + ep->reply_count) % EP_REPLY_SLOTS];
	if (!r->buf && ep->npool)
		r->buf = ep->reply_pool[--ep->npool];
	if (!r->buf)
		r->buf = mem_alloc(&ep->mem, ep->cfg.mtu);
	if (!r->buf) {
		ep->replies_dropped++;
		return false;
	}
	wbuf_init(w, r->buf, ep->cfg.mtu);
	return true;
}

void ep_reply_commit(esctp_endpoint *ep, wbuf *w, const esctp_addr *to,
		     const esctp_addr *from)
{
	if (w->err || w->len < PKT_HEADER_LEN + CHUNK_HEADER_LEN) {
		ep->replies_dropped++;
		return;
	}
	ep_reply *r =
	    &ep->replies[(ep->reply_head + ep->reply_count) % EP_REPLY_SLOTS];
	r->to = *to;
	if (from)
		r->from = *from;
	else
		memset(&r->from, 0, sizeof r->from);
	r->len = (uint16_t)w->len;
	ep->reply_count++;
}

void ep_reply_abort(esctp_endpoint *ep, const esctp_addr *to,
		    const esctp_addr *from, uint16_t peer_port, uint32_t vtag,
		    bool tbit, uint16_t code, const void *val, size_t len,
		    bool from_input)
{
	wbuf w;
	if (!ep_reply_begin(ep, &w, from_input))
		return;
	pkt_put_header(&w, ep->cfg.local_port, peer_port, vtag);
	size_t off = chunk_open(&w, CT_ABORT, tbit ? CHUNK_FLAG_T : 0);
	if (code) {
		/* A cause that would not fit is cut rather than dropped: the
		 * ABORT matters more than its detail. */
		size_t room = ep->cfg.mtu - PKT_HEADER_LEN - 8;
		tlv_put(&w, code, val ? val : (const void *)&w, MIN(len, room));
	}
	chunk_close(&w, off);
	pkt_finish(&w);
	ep_reply_commit(ep, &w, to, from);
}

/* RFC 9260 §8.4: "1) If the OOTB packet is to or from a non-unicast
 * address, a receiver SHOULD silently discard the packet." */
static bool unicast(const esctp_addr *a)
{
	static const uint8_t bcast[4] = {255, 255, 255, 255};
	if (a->family == ESCTP_AF_INET)
		return (a->ip[0] & 0xf0) != 0xe0 && memcmp(a->ip, bcast, 4);
	if (a->family == ESCTP_AF_INET6)
		return a->ip[0] != 0xff;
	return true;
}

void ep_ootb(esctp_endpoint *ep, const uint8_t *pkt, size_t len,
	     const pkt_header *h, const esctp_addr *src, const esctp_addr *dst)
{
	wbuf w;
	if (!unicast(src) || !unicast(dst))
		return;
	if (!ep_reply_begin(ep, &w, true))
		return;
	if (ootb_reply(pkt, len, h, &w))
		ep_reply_commit(ep, &w, src, dst);
}

/* ---- output ---- */

int esctp_endpoint_output_reply(esctp_endpoint *ep, uint8_t *buf, size_t cap,
				esctp_addr *src, esctp_addr *dst)
{
	if (!ep || !buf || !src || !dst)
		return ESCTP_ERR_INVAL;
	if (!ep->reply_count)
		return 0;
	ep_reply *r = &ep->replies[ep->reply_head];
	if (cap < r->len)
		return ESCTP_ERR_NOBUF;
	memcpy(buf, r->buf, r->len);
	*dst = r->to;
	*src = r->from;
	ep->reply_pool[ep->npool++] = r->buf;
	r->buf = NULL;
	ep->reply_head = (uint8_t)((ep->reply_head + 1) % EP_REPLY_SLOTS);
	ep->reply_count--;
	ep->replies_sent++;
	return r->len;
}

size_t esctp_endpoint_pending_replies(const esctp_endpoint *ep)
{
	return ep ? ep->reply_count : 0;
}

void esctp_endpoint_stats_get(const esctp_endpoint *ep,
			      esctp_endpoint_stats *st)
{
	if (!st)
		return;
	memset(st, 0, sizeof *st);
	if (!ep)
		return;
	st->replies_sent = ep->replies_sent;
	st->replies_dropped = ep->replies_dropped;
	st->events_dropped = ep->events_dropped;
	st->replies_queued = ep->reply_count;
	st->reply_buffers = ep->npool;
	for (unsigned i = 0; i < EP_REPLY_SLOTS; i++)
		st->reply_buffers += ep->replies[i].buf != NULL;
}

int esctp_endpoint_output(esctp_endpoint *ep, uint8_t *buf, size_t cap,
			  esctp_addr *src, esctp_addr *dst, esctp_tstamp now)
{
	if (!ep || !buf || !src || !dst)
		return ESCTP_ERR_INVAL;
	if (ep->reply_count)
		return esctp_endpoint_output_reply(ep, buf, cap, src, dst);
	esctp_assoc *a;
	while ((a = ep->outq_head) != NULL) {
		ep_outq_remove(ep, a);
		int n = assoc_output(a, buf, cap, src, dst, now);
		if (n == 0) {
			/* Nothing after all (window closed, Nagle): it stays
			 * out of the queue until something changes, so this
			 * loop ends. */
			assoc_touch(a, now);
			if (a->in_outq)
				ep_outq_remove(ep, a);
			continue;
		}
		/* Round robin: back to the tail if it has more. */
		assoc_touch(a, now);
		return n;
	}
	return 0;
}

esctp_assoc *esctp_endpoint_next_touched(esctp_endpoint *ep)
{
	if (!ep || !ep->touched_head)
		return NULL;
	esctp_assoc *a = ep->touched_head;
	ep_touched_remove(ep, a);
	return a;
}

size_t esctp_endpoint_touched_count(const esctp_endpoint *ep)
{
	return ep ? ep->ntouched : 0;
}

/* ---- timers ---- */

esctp_tstamp esctp_endpoint_deadline(const esctp_endpoint *ep)
{
	if (!ep || !ep->nheap)
		return ESCTP_TSTAMP_NEVER;
	return ep->heap[0]->deadline;
}

void esctp_endpoint_expire(esctp_endpoint *ep, esctp_tstamp now)
{
	if (!ep)
		return;
	/* Each association runs at most once per call, so a timer that
	 * re-arms itself in the past cannot spin this loop.  Such an
	 * association is not dropped from the heap (its timers would be lost
	 * until something else touched it): it is retried a millisecond
	 * later, so the host neither spins nor hangs. */
	uint32_t gen = ++ep->expire_gen;
	while (ep->nheap && ep->heap[0]->deadline <= now) {
		esctp_assoc *a = ep->heap[0];
		if (a->expire_gen == gen) {
			a->deadline = ts_add(now, ESCTP_MS);
			ep_heap_update(ep, a);
			continue;
		}
		a->expire_gen = gen;
		assoc_expire(a, now);
		assoc_touch(a, now);
	}
}
