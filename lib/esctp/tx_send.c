/*
 * tx_send.c - putting DATA into packets (RFC 9260 §6.1): retransmissions
 * first, then new data fragmented lazily (FCFS across streams), under the
 * path's cwnd, the peer's rwnd, Max.Burst and Nagle.
 */
#include "tx_impl.h"

/* RFC 9260 §7.2.1: "When the endpoint does not transmit data on a given
 * transport address, the cwnd of the transport address SHOULD be adjusted to
 * max(cwnd/2, 4*MTU) per RTO."  Applied when the path comes out of an idle
 * period (nothing in flight, nothing sent for more than an RTO), once per
 * RTO that elapsed.  A cwnd already at or below 4*MTU is left alone: the
 * rule is a reduction, never an increase.  last_send == 0 means never. */
static void idle_reduce(path *p, esctp_tstamp now)
{
	if (p->flight || p->last_send == 0 || p->rto == 0 ||
	    now <= p->last_send || now - p->last_send <= p->rto)
		return;
	uint32_t floor = 4 * path_mss(p);
	uint64_t n = (now - p->last_send) / p->rto;
	while (n-- > 0 && p->cwnd > floor)
		p->cwnd = MAX(p->cwnd / 2, floor);
}

/* RFC 9260 §6.1 D: "When the time comes for the sender to transmit new DATA
 * chunks, the protocol parameter Max.Burst SHOULD be used to limit the
 * number of packets sent.  The limit MAY be applied by adjusting cwnd
 * temporarily, as follows:
 *     if ((flightsize + Max.Burst * MTU) < cwnd)
 *        cwnd = flightsize + Max.Burst * MTU"
 * The temporary limit is taken at the start of a burst: the first send after
 * a SACK or a T3-rtx expiry, or when the path is idle.  Returns the flight
 * limit for new data, UINT32_MAX when Max.Burst does not bind. */
static uint32_t burst_cap(const tx *t, const path *p, unsigned pi)
{
	if (t->p.max_burst == 0 || pi >= ESCTP_MAX_PATHS)
		return UINT32_MAX;
	uint64_t cap = t->burst_cap[pi];
	if (!t->burst_set[pi])
		cap = (uint64_t)p->flight +
		      (uint64_t)t->p.max_burst * path_mss(p);
	return cap < p->cwnd ? (uint32_t)cap : UINT32_MAX;
}

static void burst_start(tx *t, const path *p, unsigned pi)
{
	if (pi >= ESCTP_MAX_PATHS)
		return;
	if (!t->burst_set[pi]) {
		uint64_t cap = (uint64_t)p->flight +
			       (uint64_t)t->p.max_burst * path_mss(p);
		t->burst_cap[pi] =
		    cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
		t->burst_set[pi] = true;
	}
}

/* Nagle (as the Linux kernel applies it): hold back a small message while
 * data is in flight, unless the packet already carries other chunks, a full
 * fragment's worth is queued, or the piece is the tail of a fragmented
 * message. */
static bool nagle_holds(const tx *t, const tx_msg *m, uint32_t flen,
			bool pkt_empty)
{
	return !t->p.nodelay && pkt_empty && t->outstanding > 0 &&
	       m->sent == 0 && flen == m->len && flen < t->frag_size &&
	       t->queued < t->frag_size;
}

/* RFC 9260 §6.1 A: "At any given time, the data sender MUST NOT transmit new
 * data to any destination transport address if its peer's rwnd indicates
 * that the peer has no buffer space (i.e., rwnd is smaller than the size of
 * the next DATA chunk ...).  However, regardless of the value of rwnd
 * (including if it is 0), the data sender can always have one DATA chunk in
 * flight to the receiver if allowed by cwnd."  And: "a zero window probe
 * SHOULD only be sent when all outstanding DATA chunks have been cumulatively
 * acknowledged and no DATA chunks are in flight." */
static bool rwnd_allows(const tx *t, uint32_t flen)
{
	return flen <= t->rwnd || tx_ring_empty(t);
}

static void start_t3(path *p, esctp_tstamp now)
{
	/* RFC 9260 §6.3.2 R1: "Every time a DATA chunk is sent to any address
	 * (including a retransmission), if the T3-rtx timer of that address
	 * is not running, start it running so that it will expire after the
	 * RTO of that address." */
	if (p->t3 == ESCTP_TSTAMP_NEVER)
		p->t3 = ts_add(now, p->rto);
}

static void put_chunk(const tx *t, wbuf *w, const tx_chunk *x)
{
	chunk_data d = {
	    .flags =
		(uint8_t)(x->flags | (t->sack_immediately ? DATA_FLAG_I : 0)),
	    .tsn = x->tsn,
	    .stream = x->stream,
	    .ssn = x->ssn,
	    .ppid = x->ppid,
	    .payload = x->msg->data + x->off,
	    .len = x->len,
	};
	chunk_put_data(w, &d);
}

/* Bookkeeping common to every transmission of x on paths[pi]. */
static void on_transmit(tx *t, path *p, unsigned pi, tx_chunk *x,
			esctp_tstamp now)
{
	x->state = CS_OUT;
	x->pi = (uint8_t)pi;
	x->sent_at = now;
	x->misses = 0;
	if (x->ntx < UINT16_MAX)
		x->ntx++;
	p->flight += tx_csize(x->len);
	p->last_send = now;
	t->outstanding += x->len;
	/* RFC 9260 §6.2.1 B: "Any time a DATA chunk is transmitted (or
	 * retransmitted) to a peer, the endpoint subtracts the data size of
	 * the chunk from the rwnd of that peer." */
	t->rwnd = t->rwnd > x->len ? t->rwnd - x->len : 0;
}

/* Sends chunks in state `kind` (CS_FAST or CS_T3) in TSN order while the
 * packet has room.  The caller has checked cwnd. */
static unsigned send_marked(tx *t, path *paths, unsigned npaths, unsigned pi,
			    wbuf *w, uint8_t kind, esctp_tstamp now)
{
	uint32_t *lo = kind == CS_FAST ? &t->fast_lo : &t->t3_lo;
	uint32_t *count = kind == CS_FAST ? &t->nfast : &t->nt3;
	uint32_t tsn = tsn_gt(*lo, t->cum) ? *lo : t->cum + 1;
	uint32_t left = *count;
	unsigned n = 0;
	path *p = &paths[pi];

	for (; left && tsn != t->next_tsn; tsn++) {
		tx_chunk *x = tx_slot(t, tsn);
		if (x->state != kind)
			continue;
		if (tx_marked_abandon_due(x, now)) {
			/* RFC 3758 §3.5 / timed reliability, RFC 7496 §3.1
			 * limited retransmissions: abandon rather than
			 * retransmit. */
			uint32_t before = *count;
			tx_abandon_msg(t, x->msg, paths, npaths);
			left -= MIN(left, before - *count);
			continue;
		}
		if (chunk_data_size(x->len) > wbuf_room(w))
			break;
		put_chunk(t, w, x);
		(*count)--;
		left--;
		t->retransmits++;
		tx_cancel_rtt(t, tsn);
		/* RFC 9260 §7.2.4 (4): "Restart the T3-rtx timer only if ...
		 * the endpoint is retransmitting the first outstanding DATA
		 * chunk sent to that address." */
		if (kind == CS_FAST && tsn == t->cum + 1)
			p->t3 = ts_add(now, p->rto);
		on_transmit(t, p, pi, x, now);
		start_t3(p, now);
		n++;
	}
	*lo = tsn;
	/* The scan stopped early: a marked chunk may remain at or after tsn;
	 * none is below it. */
	return n;
}

/* Gives the next fragment of the cursor message a TSN and writes it. */
static void send_fragment(tx *t, path *p, unsigned pi, wbuf *w, tx_msg *m,
			  uint32_t flen, esctp_tstamp now)
{
	uint32_t tsn = t->next_tsn++;
	tx_chunk *x = tx_slot(t, tsn);
	memset(x, 0, sizeof(*x));
	if (m->sent == 0) {
		m->first_tsn = tsn;
		/* SSNs are assigned at the first send so that a message
		 * abandoned before it was sent leaves no hole in the stream. */
		if (!(m->flags & MSG_UNORDERED))
			m->ssn = t->next_ssn[m->stream]++;
		x->flags |= DATA_FLAG_B;
	}
	if (m->sent + flen == m->len) {
		x->flags |= DATA_FLAG_E;
		/* RFC 9260 §3.3.1 (RFC 7053): the I bit MAY be set whenever
		 * the sender benefits from an undelayed SACK; the user asks
		 * for it per message (SCTP_SACK_IMMEDIATELY) and, as Linux,
		 * it goes on the message's last fragment.  Kept in x->flags,
		 * a retransmission carries it again. */
		if (m->flags & MSG_SACK_NOW)
			x->flags |= DATA_FLAG_I;
	}
	if (m->flags & MSG_UNORDERED)
		x->flags |= DATA_FLAG_U;
	x->msg = m;
	x->tsn = tsn;
	x->off = m->sent;
	x->len = flen;
	x->ppid = m->ppid;
	x->stream = m->stream;
	x->ssn = (m->flags & MSG_UNORDERED) ? 0 : m->ssn;
	put_chunk(t, w, x);
	on_transmit(t, p, pi, x, now);
	start_t3(p, now);
	m->refs++;
	m->nfrags++;
	m->sent += flen;
	t->queued -= flen;
	t->bytes_sent += flen;
	if (m->sent == m->len) {
		t->cursor = m->next;
		t->msgs_sent++;
	}
	/* RFC 9260 §6.3.1 C4: "new RTT measurements SHOULD be made no more
	 * than once per round trip for a given destination transport
	 * address": one chunk per path is timed at a time. */
	if (pi < ESCTP_MAX_PATHS && !t->rtt_pending[pi]) {
		t->rtt_pending[pi] = true;
		t->rtt_tsn[pi] = tsn;
	}
}

/* The length of the cursor message's next fragment, after abandoning expired
 * messages at the head of the queue. */
static tx_msg *next_msg(tx *t, path *paths, unsigned npaths, esctp_tstamp now)
{
	while (t->cursor && tx_msg_expired(t->cursor, now))
		tx_abandon_msg(t, t->cursor, paths, npaths);
	return t->cursor;
}

static unsigned send_new(tx *t, path *paths, unsigned npaths, unsigned pi,
			 wbuf *w, bool pkt_empty, esctp_tstamp now)
{
	path *p = &paths[pi];
	burst_start(t, p, pi);
	uint32_t cap = burst_cap(t, p, pi);
	unsigned n = 0;
	tx_msg *m;

	while ((m = next_msg(t, paths, npaths, now)) != NULL) {
		/* FCFS: a message bound for another path waits for a
		 * packet to that path, and so does what follows it. */
		unsigned mp = tx_msg_path(t, m);
		if (mp != TX_NO_DEST && mp != pi)
			break;
		uint32_t flen = MIN(m->len - m->sent, t->frag_size);
		size_t room = wbuf_room(w);
		if (chunk_data_size(flen) > room) {
			/* Cut a fragment to fit only an otherwise empty packet
			 * (the fragment size is larger than the path allows).
			 */
			if (n || !pkt_empty || room < DATA_HEADER_LEN + 4)
				break;
			flen =
			    (uint32_t)((room - DATA_HEADER_LEN) & ~(size_t)3);
		}
		if (!rwnd_allows(t, flen))
			break;
		if (cap != UINT32_MAX && p->flight + tx_csize(flen) > cap)
			break;
		if (n == 0 && nagle_holds(t, m, flen, pkt_empty))
			break;
		if (tx_ring_reserve(t))
			break;
		send_fragment(t, p, pi, w, m, flen, now);
		n++;
	}
	if (n && pi < ESCTP_MAX_PATHS)
		t->burst_used[pi] = true;
	return n;
}

/* RFC 7053 §4.2: the I bit "SHOULD" be set on DATA "when the sender is in
 * the SHUTDOWN-PENDING state", so that the last SACK, which the SHUTDOWN
 * waits for, is not delayed: a program that writes and closes (a daytime
 * service) would otherwise wait for the peer's delayed-SACK timer. */
void tx_set_sack_immediately(tx *t, bool on)
{
	t->sack_immediately = on;
}

void tx_set_nodelay(tx *t, bool on)
{
	t->p.nodelay = on;
}

unsigned tx_fill(tx *t, path *paths, unsigned npaths, unsigned pi, wbuf *w,
		 esctp_tstamp now)
{
	if (pi >= npaths)
		return 0;
	path *p = &paths[pi];
	bool pkt_empty = w->len <= PKT_HEADER_LEN;
	unsigned n = 0;

	idle_reduce(p, now);
	/* RFC 9260 §6.1 B: "At any given time, the sender MUST NOT transmit
	 * new data to a given transport address if it has cwnd + (PMTU - 1)
	 * or more bytes of data outstanding to that transport address.  If
	 * data is available, the sender SHOULD exceed cwnd by up to (PMTU - 1)
	 * bytes on a new data transmission if the flightsize does not
	 * currently reach cwnd.  The breach of cwnd MUST constitute one packet
	 * only."  Checked once per packet. */
	bool cwnd_ok = p->flight < p->cwnd;

	/* RFC 9260 §7.2.4 (3): "When a Fast Retransmit is being performed, the
	 * sender SHOULD ignore the value of cwnd and SHOULD NOT delay
	 * retransmission for this single packet." */
	if (t->nfast && (cwnd_ok || t->fast_allowance)) {
		unsigned k = send_marked(t, paths, npaths, pi, w, CS_FAST, now);
		if (k)
			t->fast_allowance = false;
		n += k;
	}
	/* RFC 9260 §6.1 C: "When the time comes for the sender to transmit,
	 * before sending new DATA chunks, the sender MUST first transmit any
	 * outstanding DATA chunks that are marked for retransmission (limited
	 * by the current cwnd)." */
	if (t->nt3 && cwnd_ok && !t->nfast)
		n += send_marked(t, paths, npaths, pi, w, CS_T3, now);
	if (cwnd_ok && !t->nfast && !t->nt3)
		n +=
		    send_new(t, paths, npaths, pi, w, pkt_empty && n == 0, now);
	tx_fwd_timer(t, paths, npaths, now);
	return n;
}

/* The cursor message tx_fill() would send next (expired ones skipped). */
static const tx_msg *peek_msg(const tx *t, esctp_tstamp now)
{
	const tx_msg *m = t->cursor;
	while (m && tx_msg_expired(m, now))
		m = m->next;
	return m;
}

bool tx_has_sendable(const tx *t, const path *paths, unsigned pi,
		     esctp_tstamp now)
{
	const path *p = &paths[pi];
	if (t->nfast && t->fast_allowance)
		return true;
	if (p->flight >= p->cwnd)
		return false;
	if (t->nfast || t->nt3)
		return true;
	const tx_msg *m = peek_msg(t, now);
	if (!m)
		return false;
	unsigned mp = tx_msg_path(t, m);
	if (mp != TX_NO_DEST && mp != pi)
		return false;
	uint32_t flen = MIN(m->len - m->sent, t->frag_size);
	if (!rwnd_allows(t, flen))
		return false;
	uint32_t cap = burst_cap(t, p, pi);
	if (cap != UINT32_MAX && p->flight + tx_csize(flen) > cap)
		return false;
	return !nagle_holds(t, m, flen, true);
}

int tx_next_path(const tx *t, esctp_tstamp now)
{
	const tx_msg *m = peek_msg(t, now);
	unsigned mp = m ? tx_msg_path(t, m) : TX_NO_DEST;
	return mp == TX_NO_DEST ? -1 : (int)mp;
}

bool tx_has_retransmits(const tx *t)
{
	return t->nfast || t->nt3;
}
