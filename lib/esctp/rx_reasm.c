/*
 * rx_reasm.c - reassembly of fragmented messages (RFC 9260 §6.9), partial
 * delivery of messages that the buffer cannot hold whole, reneging when
 * the window is full (§6.2), and FORWARD TSN (RFC 3758 §3.6).
 *
 * Fragments of one message have consecutive TSNs, B on the first and E on
 * the last.  Each pending fragment points at the B chunk of the run of
 * consecutive fragments it belongs to (p.head), and that B chunk knows the
 * run's last fragment and byte count, so in-order arrival extends a run
 * and detects completion in O(1); a fragment that fills a hole walks only
 * the fragments behind it of the same message.
 */
#include "rx_priv.h"

static void pend_unlink(rx *r, rxc *c)
{
	if (c->p.prev)
		c->p.prev->next = c->next;
	else
		r->pend_first = c->next;
	if (c->next)
		c->next->p.prev = c->p.prev;
	else
		r->pend_last = c->p.prev;
}

/* Sorted insert, scanning from the end whose TSN is nearer: new fragments
 * land at the tail, retransmissions near the head. */
static void pend_insert(rx *r, rxc *c)
{
	rxc *p = r->pend_last, *n;

	if (p && tsn_lt(c->tsn, p->tsn) &&
	    (tsn_lt(c->tsn, r->pend_first->tsn) ||
	     c->tsn - r->pend_first->tsn < p->tsn - c->tsn)) {
		n = r->pend_first;
		while (n && tsn_lt(n->tsn, c->tsn))
			n = n->next;
		p = n ? n->p.prev : r->pend_last;
	} else {
		while (p && tsn_gt(p->tsn, c->tsn))
			p = p->p.prev;
	}
	n = p ? p->next : r->pend_first;
	c->p.prev = p;
	c->next = n;
	if (p)
		p->next = c;
	else
		r->pend_first = c;
	if (n)
		n->p.prev = c;
	else
		r->pend_last = c;
}

/* Whether b can follow a in one message. */
static bool same_msg(const rxc *a, const rxc *b)
{
	return a->tsn + 1 == b->tsn && !(a->flags & DATA_FLAG_E) &&
	       !(b->flags & DATA_FLAG_B) && a->stream == b->stream &&
	       !((a->flags ^ b->flags) & DATA_FLAG_U) &&
	       ((a->flags & DATA_FLAG_U) || a->ssn == b->ssn);
}

/* Removes the run h .. h->last from the pending list. */
static void run_unlink(rx *r, rxc *h)
{
	rxc *a = h->p.prev, *z = h->last->next;

	if (a)
		a->next = z;
	else
		r->pend_first = z;
	if (z)
		z->p.prev = a;
	else
		r->pend_last = a;
	h->last->next = NULL;
}

/* ---- partial delivery ---- */

static bool pd_continues(const rx *r, const rxc *c)
{
	return r->pd && c->tsn == r->pd_next && !(c->flags & DATA_FLAG_B) &&
	       c->stream == r->pd_stream &&
	       !((c->flags ^ r->pd_flags) & DATA_FLAG_U) &&
	       ((c->flags & DATA_FLAG_U) || c->ssn == r->pd_ssn);
}

static void pd_finish(rx *r)
{
	rxc *behind = r->pd_last->next;

	r->pd = false;
	r->pd_last = NULL;
	r->blocked = 0;
	rx_notice_msgs(r, behind);
}

/* Moves c and the pending fragments that follow it in sequence behind the
 * partially delivered message's last fragment, where they are readable. */
static void pd_extend(rx *r, rxc *c)
{
	while (c && pd_continues(r, c)) {
		rxc *n = c->next;
		pend_unlink(r, c);
		c->next = r->pd_last ? r->pd_last->next : r->rq_head;
		if (r->pd_last)
			r->pd_last->next = c;
		else
			r->rq_head = c;
		if (!c->next)
			r->rq_tail = c;
		r->pd_last = c;
		r->ready += c->len;
		r->pd_next++;
		if (c->flags & DATA_FLAG_E) {
			pd_finish(r);
			return;
		}
		c = n;
	}
}

/* The first fragments of the next deliverable message are made readable
 * when the buffer is half full, so that a message larger than the buffer
 * (or one that fills it with others) can never stall the association; and
 * once they reach the host's partial delivery point (the socket API's
 * SCTP_PARTIAL_DELIVERY_POINT, RFC 6458 §8.1.21). */
static void pd_start(rx *r)
{
	rxc *h = r->pend_first;

	if (r->pd || !h || h->p.head != h)
		return;
	if (r->held < r->rcvbuf / 2 && !(r->pd_point && h->bytes >= r->pd_point))
		return;
	if (!(h->flags & DATA_FLAG_U) && h->ssn != r->next_ssn[h->stream])
		return;
	rxc *z = h->last;
	size_t bytes = h->bytes;
	run_unlink(r, h);
	rx_notice_push(r, RX_NOTICE_DATA, h, 0, (uint32_t)bytes);
	rx_ready_append(r, h, z, bytes);
	r->pd = true;
	r->pd_last = z;
	r->pd_first = h->tsn;
	r->pd_next = z->tsn + 1;
	r->pd_stream = h->stream;
	r->pd_ssn = h->ssn;
	r->pd_flags = h->flags;
	if (!(h->flags & DATA_FLAG_U)) {
		/* Its successors queue behind it, blocked until it ends. */
		r->next_ssn[h->stream]++;
		rx_drain(r, h->stream);
	}
}

/* Drops the unread rest of the partially delivered message; what was
 * queued behind it becomes readable. */
static void pd_abort(rx *r)
{
	rxc *behind = r->pd_last ? r->pd_last->next : r->rq_head;
	rxc *prev = NULL, *c = r->rq_head;

	/* Its fragments are the ones in its TSN range: messages do not
	 * overlap. */
	while (r->pd_last && c &&
	       !(tsn_ge(c->tsn, r->pd_first) && tsn_lt(c->tsn, r->pd_next))) {
		prev = c;
		c = c->next;
	}
	while (r->pd_last && c != behind) {
		rxc *n = c->next;
		size_t unread = c->len - (c == r->rq_head ? r->rd_off : 0);
		if (c == r->rq_head)
			r->rd_off = 0;
		r->held -= unread;
		r->ready -= unread;
		rx_chunk_free(r, c);
		c = n;
	}
	if (r->pd_last) {
		if (prev)
			prev->next = behind;
		else
			r->rq_head = behind;
		if (!behind)
			r->rq_tail = prev;
	}
	rxc note = {.stream = r->pd_stream,
		    .ssn = r->pd_ssn,
		    .flags = r->pd_flags,
		    .tsn = r->pd_next};
	rx_notice_push(r, RX_NOTICE_PD_ABORTED, &note, 0, 0);
	r->pd = false;
	r->pd_last = NULL;
	r->blocked = 0;
	rx_notice_msgs(r, behind);
}

/* ---- reassembly ---- */

/* Links c, just inserted, to the run before it and the fragments after
 * it; delivers the message when the run now goes from B to E. */
static void link(rx *r, rxc *c)
{
	rxc *p = c->p.prev, *h = NULL, *q = c, *n;

	if (c->flags & DATA_FLAG_B) {
		h = c;
		c->bytes = 0;
	} else if (p && same_msg(p, c)) {
		h = p->p.head;
	}
	c->p.head = h;
	if (!h)
		return;
	h->last = c;
	h->bytes += c->len;
	while ((n = q->next) && same_msg(q, n)) {
		n->p.head = h;
		h->last = n;
		h->bytes += n->len;
		q = n;
	}
	if (h->last->flags & DATA_FLAG_E) {
		run_unlink(r, h);
		rx_deliver(r, h);
	}
}

void rx_reasm_add(rx *r, rxc *c)
{
	pend_insert(r, c);
	if (pd_continues(r, c))
		pd_extend(r, c);
	else
		link(r, c);
}

void rx_renege(rx *r, uint32_t tsn)
{
	rxc *t;

	while (r->held >= r->rcvbuf && (t = r->pend_last) &&
	       tsn_gt(t->tsn, tsn) && tsn_gt(t->tsn, r->cum)) {
		if (rx_tsn_remove(r, t->tsn) < 0)
			return;
		rxc *h = t->p.head;
		if (h && h != t) {
			h->last = t->p.prev;
			h->bytes -= t->len;
		}
		pend_unlink(r, t);
		r->held -= t->len;
		rx_chunk_free(r, t);
	}
}

/* Frees the pending fragments at or below upto from the head of the list,
 * and the members of any run whose head it freed. */
static void pend_drop_front(rx *r, uint32_t upto)
{
	rxc *dead = NULL, *cut = NULL, *p;

	while ((p = r->pend_first) &&
	       (tsn_le(p->tsn, upto) || (cut && p->p.head == cut))) {
		cut = p->p.head;
		pend_unlink(r, p);
		r->held -= p->len;
		p->next = dead; /* freed last: cut must stay comparable */
		dead = p;
	}
	while (dead) {
		p = dead->next;
		rx_chunk_free(r, dead);
		dead = p;
	}
}

/* Fragments at or below cum can only be waiting for cum + 1, as the first
 * fragments of a run that reaches cum.  Any other is a leftover that can
 * never complete (a FORWARD TSN cut it, or the peer broke the rules), and
 * so is a partial delivery whose next fragment is at or below cum. */
static void prune(rx *r)
{
	rxc *p;

	for (;;) {
		if (r->pd && tsn_le(r->pd_next, r->cum))
			pd_abort(r);
		p = r->pend_first;
		if (!p || tsn_gt(p->tsn, r->cum))
			return;
		if (p->p.head == p && tsn_ge(p->last->tsn, r->cum))
			return;
		pend_drop_front(r, p->p.head == p ? p->last->tsn : p->tsn);
	}
}

void rx_settle(rx *r)
{
	prune(r);
	pd_start(r);
}

void rx_pend_free_all(rx *r)
{
	while (r->pend_first) {
		rxc *c = r->pend_first;
		pend_unlink(r, c);
		rx_chunk_free(r, c);
	}
}

/* ---- FORWARD TSN ---- */

/* RFC 3758 §3.6: the stream's messages up to ssn are skipped; the
 * complete ones that waited for a skipped one are delivered first. */
static void stream_skip(rx *r, uint16_t s, uint16_t ssn)
{
	rxc *h;

	if (r->pd && !(r->pd_flags & DATA_FLAG_U) && r->pd_stream == s &&
	    ssn_le(r->pd_ssn, ssn))
		pd_abort(r);
	if (ssn_lt(ssn, r->next_ssn[s]))
		return;
	while (r->wait && (h = r->wait[s]) && ssn_le(h->ssn, ssn)) {
		rx_wait_pop(r, s);
		r->next_ssn[s] = h->ssn;
		rx_deliver(r, h);
	}
	r->next_ssn[s] = (uint16_t)(ssn + 1);
	rx_drain(r, s);
}

void rx_forward_tsn(rx *r, const chunk_fwdtsn *f, esctp_tstamp now)
{
	uint32_t ahead = f->new_cum_tsn - r->cum;

	(void)now;
	/* RFC 3758 §3.6: "if the 'New Cumulative TSN' value carried in the
	 * arrived FORWARD TSN chunk is found to be behind or at the current
	 * cumulative TSN point, the data receiver MUST treat this FORWARD TSN
	 * as out-of-date and MUST NOT update its Cumulative TSN.  The receiver
	 * SHOULD send a SACK to its peer". */
	r->sack_now = true;
	bool stale = tsn_le(f->new_cum_tsn, r->cum);
	if (!stale && ahead > r->tsn_limit)
		return;
	/* "the data receiver MUST first update its cumulative TSN point to
	 * the value carried in the FORWARD TSN chunk, and then MUST further
	 * advance its cumulative TSN point locally if possible" */
	if (!stale)
		rx_tsn_forward(r, f->new_cum_tsn);
	/* An out-of-date FORWARD TSN still says that everything up to its
	 * New Cumulative TSN was abandoned, and its stream list still counts:
	 * a message whose first fragments all arrived and whose tail never got
	 * a TSN is announced with the receiver's own cumulative TSN.  Ignoring
	 * it would leave those fragments held and the stream waiting forever
	 * for the skipped SSN; the Linux kernel processes the list too. */
	pend_drop_front(r, f->new_cum_tsn);
	for (unsigned i = 0; i < f->nstreams; i++) {
		uint16_t s, ssn;
		chunk_fwdtsn_stream(f, i, &s, &ssn);
		if (s < r->nstreams)
			stream_skip(r, s, ssn);
	}
	rx_settle(r);
}
