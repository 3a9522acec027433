/*
 * tx_prsctp.c - partial reliability, RFC 3758 §3.5 and the policies of
 * RFC 7496: abandoning messages whose lifetime ended (timed reliability),
 * whose retransmissions ran out (limited retransmissions) or that make room
 * for a message of higher priority (priority), the Advanced.Peer.Ack.Point
 * and the FORWARD TSN chunk.
 */
#include "tx_impl.h"

#define FWD_MAX_STREAMS 256

/* A message abandoned after its first fragments left but before its tail got
 * a TSN: the tail gets one now, abandoned at once and never sent.  Without
 * it, once the sent fragments are acknowledged (by gap blocks, then by a
 * cumulative ack when an earlier loss is repaired) the Advanced.Peer.Ack.Point
 * never passes the cumulative ack, no FORWARD TSN is sent (RFC 3758 §3.5 C3)
 * and the receiver holds the fragments and waits for their SSN forever.
 * With it, the FORWARD TSN that skips the message is always ahead of the
 * receiver's cumulative TSN, which every stack honours (usrsctp does the
 * same).  The message is the send cursor, so the TSN follows its last
 * fragment. */
static void reserve_tail(tx *t, const tx_msg *m)
{
	if (!t->p.prsctp || m->sent == 0 || m->sent == m->len ||
	    tx_ring_reserve(t) != 0)
		return;
	uint32_t tsn = t->next_tsn++;
	tx_chunk *x = tx_slot(t, tsn);
	memset(x, 0, sizeof(*x));
	x->tsn = tsn;
	x->off = m->sent;
	x->ppid = m->ppid;
	x->stream = m->stream;
	x->flags = DATA_FLAG_E;
	if (m->flags & MSG_UNORDERED)
		x->flags |= DATA_FLAG_U;
	else
		x->ssn = m->ssn;
	x->state = CS_ABANDONED;
	t->nabandoned++;
}

/* Abandons every fragment of m, sent or not, and frees it.  RFC 3758 §3.5
 * A3: "When a TSN is "abandoned", if it is part of a fragmented message,
 * all other TSN's within that fragmented message MUST be abandoned at the
 * same time." */
void tx_abandon_msg(tx *t, tx_msg *m, path *paths, unsigned npaths)
{
	for (uint32_t i = 0; i < m->nfrags; i++) {
		uint32_t tsn = m->first_tsn + i;
		if (!tsn_gt(tsn, t->cum))
			continue; /* cumulatively acked: already released */
		tx_chunk *x = tx_slot(t, tsn);
		if (x->msg != m)
			continue;
		switch (x->state) {
		case CS_OUT:
			tx_take_from_flight(t, paths, npaths, x);
			break;
		case CS_GAP:
			t->ngap--;
			break;
		case CS_FAST:
			t->nfast--;
			break;
		case CS_T3:
			t->nt3--;
			break;
		default:
			break;
		}
		if (x->pi < ESCTP_MAX_PATHS && t->rtt_pending[x->pi] &&
		    t->rtt_tsn[x->pi] == tsn)
			t->rtt_pending[x->pi] = false;
		x->state = CS_ABANDONED;
		x->msg = NULL;
		t->nabandoned++;
		m->refs--;
	}
	reserve_tail(t, m);
	t->abandoned[m->nfrags > 0][m->policy]++;
	t->buffered -= m->len - m->acked;
	t->queued -= m->len - m->sent;
	tx_msg_unlink(t, m);
	tx_add_notice(t, m, ESCTP_ERR_AGAIN);
	tx_adv_advance(t);
}

/* Abandons the messages of chunks marked for retransmission whose lifetime
 * ended or whose retransmissions ran out.  RFC 7496 §3.1: "The sender MUST
 * abandon a user message if the number of retransmissions of any of the
 * DATA chunks of the user message would exceed the provided limit.  The
 * sender MUST perform all other actions required for processing abandoned
 * user messages as specified in Section 3 of [RFC3758].  The number of
 * retransmissions includes both fast and timed retransmissions."  Fast
 * retransmissions are checked when they would leave (tx_fill()). */
void tx_abandon_marked(tx *t, path *paths, unsigned npaths, esctp_tstamp now)
{
	if (!t->nttl && !t->nrtx)
		return;
	for (uint32_t tsn = t->cum + 1;
	     (t->nfast || t->nt3) && tsn != t->next_tsn; tsn++) {
		tx_chunk *x = tx_slot(t, tsn);
		if ((x->state == CS_FAST || x->state == CS_T3) &&
		    tx_marked_abandon_due(x, now))
			tx_abandon_msg(t, x->msg, paths, npaths);
	}
}

void tx_adv_advance(tx *t)
{
	if (!t->p.prsctp)
		return;
	if (tsn_lt(t->adv, t->cum))
		t->adv = t->cum;
	/* RFC 3758 §3.5 C2: "Try to further advance the
	 * "Advanced.Peer.Ack.Point" locally, that is, to move
	 * "Advanced.Peer.Ack.Point" up as long as the chunk next in the
	 * out-queue space is marked as "abandoned"" */
	while (tsn_lt(t->adv + 1, t->next_tsn) &&
	       tx_slot(t, t->adv + 1)->state == CS_ABANDONED)
		t->adv++;
}

/* RFC 3758 §3.5 C3: "If, after step C1 and C2, the "Advanced.Peer.Ack.Point"
 * is greater than the Cumulative TSN ACK carried in the received SACK, the
 * data sender MUST send the data receiver a FORWARD TSN chunk containing the
 * latest value of the "Advanced.Peer.Ack.Point"."  One already sent less
 * than an SRTT ago is still on its way, so it is not repeated yet. */
void tx_fwd_after_ack(tx *t, esctp_tstamp now)
{
	if (!tsn_gt(t->adv, t->cum))
		return;
	if (now >= t->fwd_time && now - t->fwd_time >= t->srtt_hint)
		t->fwd_resend = true;
}

/* RFC 3758 §3.5 C5: "If a FORWARD TSN is sent, the sender MUST assure that
 * at least one T3-rtx timer is running."  Kept running while the peer has
 * not acknowledged the Advanced.Peer.Ack.Point. */
void tx_fwd_timer(tx *t, path *paths, unsigned npaths, esctp_tstamp now)
{
	if (!t->p.prsctp || !tsn_gt(t->adv, t->cum) || npaths == 0)
		return;
	for (unsigned i = 0; i < npaths; i++)
		if (paths[i].t3 != ESCTP_TSTAMP_NEVER)
			return;
	unsigned pi = tx_slot(t, t->cum + 1)->pi;
	if (pi >= npaths)
		pi = 0;
	paths[pi].t3 = ts_add(now, paths[pi].rto);
}

bool tx_fwdtsn_due(const tx *t, esctp_tstamp now)
{
	(void)now;
	return t->p.prsctp && tsn_gt(t->adv, t->cum) &&
	       (tsn_gt(t->adv, t->fwd_sent) || t->fwd_resend);
}

/* Adds (stream, ssn) to pairs, keeping the highest SSN per stream.  Returns
 * false when a new stream does not fit. */
static bool add_pair(uint16_t *pairs, unsigned *n, unsigned max,
		     uint16_t stream, uint16_t ssn)
{
	for (unsigned j = 0; j < *n; j++) {
		if (pairs[2 * j] == stream) {
			if (ssn_gt(ssn, pairs[2 * j + 1]))
				pairs[2 * j + 1] = ssn;
			return true;
		}
	}
	if (*n == max)
		return false;
	pairs[2 * *n] = stream;
	pairs[2 * *n + 1] = ssn;
	(*n)++;
	return true;
}

void tx_put_fwdtsn(tx *t, wbuf *w, esctp_tstamp now)
{
	if (!tsn_gt(t->adv, t->cum))
		return;
	/* RFC 3758 §3.5 C4: "For each "abandoned" TSN the sender of the
	 * FORWARD TSN SHOULD examine the "Stream Sequence Number" field and
	 * the "Unordered" flag.  If the TSN is for a stream that is ordered,
	 * the sender SHOULD include in the FORWARD TSN a stream and sequence
	 * number pair for each stream that is being skipped.  Note that each
	 * stream only needs to be reported once in the FORWARD TSN chunk with
	 * the highest SSN that is being skipped." */
	uint16_t pairs[2 * FWD_MAX_STREAMS];
	size_t room = wbuf_room(w);
	unsigned max =
	    room > 8 ? (unsigned)MIN((room - 8) / 4, (size_t)FWD_MAX_STREAMS)
		     : 0;
	unsigned n = 0;
	uint32_t new_cum = t->adv;
	for (uint32_t tsn = t->cum + 1; tsn_le(tsn, t->adv); tsn++) {
		const tx_chunk *x = tx_slot(t, tsn);
		if (x->flags & DATA_FLAG_U)
			continue;
		if (!add_pair(pairs, &n, max, x->stream, x->ssn)) {
			/* The rest goes in the next FORWARD TSN. */
			new_cum = tsn - 1;
			break;
		}
	}
	if (new_cum == t->cum) {
		/* Not even one stream fits. */
		if (!w->err)
			w->err = ESCTP_ERR_NOBUF;
		return;
	}
	chunk_put_fwdtsn(w, new_cum, pairs, n);
	if (w->err)
		return;
	t->fwd_sent = new_cum;
	t->fwd_time = now;
	t->fwd_resend = false;
}

esctp_tstamp tx_deadline(const tx *t)
{
	return t->nttl ? t->min_expiry : ESCTP_TSTAMP_NEVER;
}

/* A fragment of m is marked for retransmission. */
static bool has_marked(const tx *t, const tx_msg *m)
{
	for (uint32_t i = 0; i < m->nfrags; i++) {
		uint32_t tsn = m->first_tsn + i;
		if (!tsn_gt(tsn, t->cum))
			continue;
		uint8_t s = tx_slot(t, tsn)->state;
		if (s == CS_FAST || s == CS_T3)
			return true;
	}
	return false;
}

/* A message still needs the network: bytes unsent or fragments marked for
 * retransmission.  Messages merely in flight are left to be acked. */
static bool needs_send(const tx *t, const tx_msg *m)
{
	return m->sent < m->len || has_marked(t, m);
}

void tx_expire(tx *t, path *paths, unsigned npaths, esctp_tstamp now)
{
	if (!t->nttl || now < t->min_expiry)
		return;
	esctp_tstamp next = ESCTP_TSTAMP_NEVER;
	tx_msg *m = t->head;
	while (m) {
		tx_msg *n = m->next;
		if (m->expires != ESCTP_TSTAMP_NEVER && needs_send(t, m)) {
			if (tx_msg_expired(m, now))
				tx_abandon_msg(t, m, paths, npaths);
			else if (m->sent < m->len)
				next = ts_min(next, m->expires);
		}
		m = n;
	}
	t->min_expiry = next;
	tx_fwd_timer(t, paths, npaths, now);
}

/* ---- the priority policy, RFC 7496 §3.2 ---- */

/* RFC 7496 §4.2: "The value of zero is the highest priority, and larger
 * numbers in pr_value denote lower priorities."  As Linux
 * (sctp_prsctp_prune_sent/unsent), a message of the same priority stays. */
static bool prio_victim(const tx_msg *m, uint32_t rank)
{
	return m->policy == ESCTP_PR_PRIO && m->pr_value > rank;
}

/* Send-buffer bytes that abandoning victims would free, counted up to
 * `need`. */
static size_t victim_bytes(const tx *t, uint32_t rank, size_t need)
{
	size_t n = 0;
	for (const tx_msg *m = t->head; m && n < need; m = m->next)
		if (prio_victim(m, rank))
			n += m->len - m->acked;
	return n;
}

/* Abandons victims in enqueue order (sent messages come before unsent
 * ones) until len fits; only those with chunks marked for retransmission
 * when marked_only. */
static void prune(tx *t, uint32_t rank, size_t len, bool marked_only,
		  path *paths, unsigned npaths)
{
	tx_msg *m = t->head;
	while (m && !tx_fits(t, len)) {
		tx_msg *next = m->next;
		if (prio_victim(m, rank) && (!marked_only || has_marked(t, m)))
			tx_abandon_msg(t, m, paths, npaths);
		m = next;
	}
}

/* RFC 7496 §3.2: "When storing a user message in the send buffer while
 * there is not enough available space, the SCTP stack at the sender side
 * MAY abandon other user message(s) of the same SCTP association (with the
 * same or a different stream) with a priority lower than the provided one.
 * User messages sent reliably are considered to have a priority higher
 * than all messages sent with the Priority Policy."  The new message's
 * rank is its value whatever its policy, as Linux compares
 * sinfo_timetolive: a reliable message (value 0) pushes out every
 * priority but 0.  Linux's order: the retransmit queue, then the chunks in
 * flight, then the unsent ones. */
bool tx_make_room(tx *t, const esctp_sndinfo *info, size_t len, path *paths,
		  unsigned npaths, esctp_tstamp now)
{
	uint32_t rank = tx_sndinfo_value(info);
	/* A host may retry a send that found no room on every event: the
	 * common cases cost no walk over the queue. */
	if (!t->p.prsctp || !t->nprio || rank >= t->prio_max ||
	    tx_check_msg(t, info, len) < 0 || tx_fits(t, len))
		return false;
	/* Unlike Linux, which prunes what it can and then makes the sender
	 * wait, nothing is abandoned for a message that still would not fit:
	 * the sender retries, and acknowledgements may make room by then.
	 * Freeing all that is buffered makes room for any message. */
	size_t need = MIN(t->buffered + len - t->p.sndbuf, t->buffered);
	if (victim_bytes(t, rank, need) < need)
		return false;
	prune(t, rank, len, true, paths, npaths);
	prune(t, rank, len, false, paths, npaths);
	tx_fwd_timer(t, paths, npaths, now);
	return true;
}
