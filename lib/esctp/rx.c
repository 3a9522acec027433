/*
 * rx.c - the receiving half of an association: DATA intake, the receive
 * window, delivery in SSN order per stream, the ready list and reading.
 * See rx_priv.h for where chunks live; rx_tsn.c and rx_reasm.c do the rest.
 */
#include "rx_priv.h"

rx *rx_new(const esctp_mem *m, uint32_t peer_initial_tsn, uint16_t nstreams,
	   uint32_t rcvbuf)
{
	rx *r = mem_calloc(m, 1, sizeof(*r) + nstreams * sizeof(uint16_t));
	if (!r)
		return NULL;
	r->mem = *m;
	r->cum = peer_initial_tsn - 1;
	r->rcvbuf = rcvbuf;
	/* Each outstanding TSN carries at least one byte of a window of at
	 * most rcvbuf, so TSNs much farther ahead are not plausible. */
	r->tsn_limit =
	    (uint32_t)MIN((uint64_t)rcvbuf + RX_TSN_SLACK, (uint64_t)INT32_MAX);
	r->nstreams = nstreams;
	r->last_rwnd = rcvbuf;
	r->sack_deadline = ESCTP_TSTAMP_NEVER;
	return r;
}

void rx_chunk_free(rx *r, rxc *c)
{
	mem_free(&r->mem, c);
}

void rx_free_chain(rx *r, rxc *c)
{
	while (c) {
		rxc *n = c->next;
		r->held -= c->len;
		rx_chunk_free(r, c);
		c = n;
	}
}

void rx_free(rx *r)
{
	if (!r)
		return;
	rx_pend_free_all(r);
	rx_free_chain(r, r->rq_head);
	for (unsigned s = 0; r->wait && s < r->nstreams; s++) {
		rxc *h;
		while ((h = rx_wait_pop(r, (uint16_t)s)))
			rx_free_chain(r, h);
	}
	mem_free(&r->mem, r->wait);
	mem_free(&r->mem, r->gaps);
	mem_free(&r->mem, r->nq);
	mem_free(&r->mem, r);
}

/* ---- notices ---- */

void rx_notice_push(rx *r, int type, const rxc *c, uint32_t flags, uint32_t len)
{
	if (!r->nq) {
		r->nq = mem_alloc(&r->mem, RX_MAX_NOTICES * sizeof(*r->nq));
		if (!r->nq)
			return; /* the data stays readable; only the hint is
				   lost */
	}
	if (r->nq_len == RX_MAX_NOTICES) {
		r->nq_head = (uint8_t)((r->nq_head + 1) % RX_MAX_NOTICES);
		r->nq_len--;
	}
	rx_notice *n = &r->nq[(r->nq_head + r->nq_len) % RX_MAX_NOTICES];
	r->nq_len++;
	n->type = type;
	n->stream = c->stream;
	n->ssn = c->ssn;
	n->ppid = c->ppid;
	n->tsn = c->tsn;
	n->flags = flags | ((c->flags & DATA_FLAG_U) ? ESCTP_UNORDERED : 0);
	n->len = len;
}

void rx_notice_msgs(rx *r, rxc *c)
{
	while (c) {
		rxc *first = c;
		uint32_t len = 0;
		for (;;) {
			len += c->len;
			bool end = c->flags & DATA_FLAG_E;
			c = c->next;
			if (end || !c)
				break;
		}
		rx_notice_push(r, RX_NOTICE_DATA, first, ESCTP_EOR, len);
	}
}

bool rx_next_notice(rx *r, rx_notice *n)
{
	if (!r->nq_len)
		return false;
	*n = r->nq[r->nq_head];
	r->nq_head = (uint8_t)((r->nq_head + 1) % RX_MAX_NOTICES);
	r->nq_len--;
	return true;
}

/* ---- the ready list and the waiting lists ---- */

void rx_ready_append(rx *r, rxc *h, rxc *z, size_t bytes)
{
	z->next = NULL;
	if (r->rq_tail)
		r->rq_tail->next = h;
	else
		r->rq_head = h;
	r->rq_tail = z;
	r->ready += bytes;
}

static void ready_push(rx *r, rxc *h)
{
	rx_ready_append(r, h, h->last, h->bytes);
	if (r->pd) {
		/* Readable once the partial delivery ends (rx_notice_msgs). */
		r->blocked += h->bytes;
		return;
	}
	rx_notice_push(r, RX_NOTICE_DATA, h, ESCTP_EOR, h->bytes);
}

rxc *rx_wait_pop(rx *r, uint16_t s)
{
	rxc *h = r->wait ? r->wait[s] : NULL;
	if (!h)
		return NULL;
	if (h->w.next == h) {
		r->wait[s] = NULL;
	} else {
		h->w.prev->w.next = h->w.next;
		h->w.next->w.prev = h->w.prev;
		r->wait[s] = h->w.next;
	}
	return h;
}

/* Inserts by SSN, searching from the tail: messages usually complete in
 * SSN order behind a missing one. */
static void wait_insert(rx *r, rxc *h)
{
	rxc *hd = r->wait[h->stream];
	if (!hd) {
		h->w.next = h->w.prev = h;
		r->wait[h->stream] = h;
		return;
	}
	rxc *p = hd->w.prev;
	while (ssn_gt(p->ssn, h->ssn)) {
		if (p == hd) {
			r->wait[h->stream] = h;
			p = hd->w.prev;
			break;
		}
		p = p->w.prev;
	}
	h->w.prev = p;
	h->w.next = p->w.next;
	p->w.next->w.prev = h;
	p->w.next = h;
}

void rx_drain(rx *r, uint16_t s)
{
	rxc *h;

	while (r->wait && (h = r->wait[s]) && ssn_le(h->ssn, r->next_ssn[s])) {
		rx_wait_pop(r, s);
		if (h->ssn == r->next_ssn[s]) {
			ready_push(r, h);
			r->next_ssn[s]++;
		} else {
			rx_free_chain(r, h); /* a second copy of an SSN */
		}
	}
}

void rx_deliver(rx *r, rxc *h)
{
	uint16_t s = h->stream;

	/* RFC 9260 §6.6: "When an endpoint receives a DATA chunk with the U
	 * flag set to 1, it MUST bypass the ordering mechanism and immediately
	 * deliver the data to the upper layer (after reassembly if the user
	 * data is fragmented by the data sender)." */
	if (h->flags & DATA_FLAG_U) {
		ready_push(r, h);
		return;
	}
	if (h->ssn == r->next_ssn[s]) {
		ready_push(r, h);
		r->next_ssn[s]++;
		rx_drain(r, s);
	} else if (ssn_lt(h->ssn, r->next_ssn[s]) || !r->wait) {
		rx_free_chain(r, h); /* stale SSN (peer error) */
	} else {
		wait_insert(r, h);
	}
}

/* ---- DATA intake ---- */

/* RFC 9260 §6.2: "When the receiver's advertised window is 0, the receiver
 * MUST drop any new incoming DATA chunk with a TSN larger than the largest
 * TSN received so far.  Also, if the new incoming DATA chunk holds a TSN
 * value less than the largest TSN received so far, then the receiver SHOULD
 * drop the largest TSN held for reordering and accept the new incoming DATA
 * chunk."  One exception keeps the association live: the TSN at cum + 1
 * is taken, up to a hard cap, when nothing is readable, since no read could
 * ever open the window otherwise. */
static bool make_room(rx *r, const chunk_data *d)
{
	if (r->held < r->rcvbuf)
		return true;
	if (tsn_lt(d->tsn, rx_tsn_highest(r))) {
		rx_renege(r, d->tsn);
		if (r->held < r->rcvbuf)
			return true;
	}
	size_t cap = (size_t)r->rcvbuf * 2 + RX_TSN_SLACK;
	return d->tsn == r->cum + 1 && rx_readable(r) == 0 &&
	       r->held + d->len <= cap;
}

/* Ordered chunks whose SSN is not next may need a waiting list: allocate
 * the heads before the TSN is acked, so that acked data is never lost. */
static bool wait_lists_ok(rx *r, const chunk_data *d)
{
	if ((d->flags & DATA_FLAG_U) || r->wait ||
	    d->ssn == r->next_ssn[d->stream])
		return true;
	r->wait = mem_calloc(&r->mem, r->nstreams, sizeof(*r->wait));
	return r->wait != NULL;
}

static rxc *chunk_copy(rx *r, const chunk_data *d)
{
	rxc *c = mem_alloc(&r->mem, sizeof(*c) + d->len);
	if (!c)
		return NULL;
	c->next = NULL;
	c->p.prev = c->p.head = NULL;
	c->last = c;
	c->bytes = (uint32_t)d->len;
	c->tsn = d->tsn;
	c->ppid = d->ppid;
	c->len = (uint32_t)d->len;
	c->stream = d->stream;
	c->ssn = d->ssn;
	c->flags = d->flags & (DATA_FLAG_B | DATA_FLAG_E | DATA_FLAG_U);
	memcpy(c->data, d->payload, d->len);
	return c;
}

/* Records a new TSN.  RFC 9260 §6.7: "If the endpoint detects a gap in the
 * received DATA chunk sequence, it SHOULD send a SACK with Gap Ack Blocks
 * immediately."  The same goes for the packet that fills the gap. */
static int track(rx *r, uint32_t tsn)
{
	bool had_gaps = r->ngaps != 0;
	if (rx_tsn_add(r, tsn) < 0)
		return -1;
	if (had_gaps || r->ngaps)
		r->imm = true;
	return 0;
}

static int drop(rx *r)
{
	/* RFC 9260 §6.2: "if such a DATA chunk is dropped, the receiver MUST
	 * immediately send back a SACK" */
	r->imm = true;
	return RX_DROPPED;
}

int rx_data(rx *r, const chunk_data *d, esctp_tstamp now)
{
	uint32_t ahead = d->tsn - r->cum;

	(void)now;
	if (d->flags & DATA_FLAG_I)
		r->imm = true;
	/* Serial arithmetic cannot order TSNs 2^31 apart: treat as ahead. */
	if (ahead == 0 || ahead > 0x80000000u) {
		rx_dup_add(r, d->tsn);
		return RX_DUP;
	}
	if (ahead > r->tsn_limit || d->len > UINT16_MAX)
		return drop(r);
	if (rx_tsn_seen(r, d->tsn)) {
		rx_dup_add(r, d->tsn);
		return RX_DUP;
	}
	if (d->stream >= r->nstreams) {
		/* RFC 9260 §6.5: "it SHOULD acknowledge the reception of the
		 * DATA chunk following the normal procedure, immediately send
		 * an ERROR chunk with cause set to 'Invalid Stream Identifier'
		 * ... and discard the DATA chunk."  The caller sends the
		 * ERROR. */
		if (track(r, d->tsn) < 0)
			return drop(r);
		rx_settle(r);
		return RX_BAD_STREAM;
	}
	if (!make_room(r, d) || !wait_lists_ok(r, d))
		return drop(r);
	rxc *c = chunk_copy(r, d);
	if (!c)
		return drop(r);
	if (track(r, d->tsn) < 0) {
		rx_chunk_free(r, c);
		return drop(r);
	}
	r->held += c->len;
	if ((c->flags & (DATA_FLAG_B | DATA_FLAG_E)) ==
	    (DATA_FLAG_B | DATA_FLAG_E))
		rx_deliver(r, c);
	else
		rx_reasm_add(r, c);
	rx_settle(r);
	return RX_NEW;
}

/* ---- reading ---- */

size_t rx_readable(const rx *r)
{
	return r->ready - r->blocked;
}

size_t rx_held(const rx *r)
{
	return r->held;
}

/* Frees the fully read chunk at the front of the ready list. */
static void ready_pop(rx *r)
{
	rxc *c = r->rq_head;
	r->rq_head = c->next;
	if (!r->rq_head)
		r->rq_tail = NULL;
	if (c == r->pd_last)
		r->pd_last = NULL;
	r->rd_off = 0;
	rx_chunk_free(r, c);
}

/* SWS avoidance (RFC 9260 §6.2 refers to RFC 1122): tell the peer about a
 * window that reads reopened, once it grew by a quarter of the buffer
 * from a small advertised value. */
static void window_update(rx *r)
{
	uint32_t now_rwnd = rx_a_rwnd(r);
	if (r->last_rwnd < r->rcvbuf / 2 &&
	    now_rwnd >= r->last_rwnd + r->rcvbuf / 4)
		r->sack_now = true;
}

int rx_read(rx *r, void *buf, size_t len, esctp_rcvinfo *info)
{
	rxc *c = r->rq_head;
	size_t n = 0;
	bool eor = false;

	if (!c || rx_readable(r) == 0)
		return ESCTP_ERR_AGAIN;
	if (info) {
		info->stream = c->stream;
		info->ssn = c->ssn;
		info->ppid = c->ppid;
		info->tsn = c->tsn;
		info->cumtsn = r->cum;
		info->flags = (c->flags & DATA_FLAG_U) ? ESCTP_UNORDERED : 0;
	}
	len = MIN(len, (size_t)INT32_MAX);
	while (n < len) {
		size_t k = MIN(len - n, (size_t)(c->len - r->rd_off));
		memcpy((uint8_t *)buf + n, c->data + r->rd_off, k);
		n += k;
		r->rd_off += (uint32_t)k;
		if (r->rd_off < c->len)
			break;
		eor = c->flags & DATA_FLAG_E;
		bool was_pd_last = c == r->pd_last;
		ready_pop(r);
		c = r->rq_head;
		if (eor || !c || (r->pd && was_pd_last))
			break;
	}
	r->ready -= n;
	r->held -= n;
	if (info && eor)
		info->flags |= ESCTP_EOR;
	window_update(r);
	return (int)n;
}

void rx_set_pd_point(rx *r, uint32_t bytes)
{
	r->pd_point = bytes;
}
