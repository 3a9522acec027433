/*
 * tx_rtx.c - retransmission timer expiry (RFC 9260 §6.3.3, §7.2.3) and
 * moving data off a failed path (§6.4.1).
 */
#include "tx_impl.h"

/* Marks every chunk in flight on paths[pi] for T3 retransmission. */
static void mark_path(tx *t, path *paths, unsigned npaths, unsigned pi)
{
	for (uint32_t tsn = t->cum + 1; tsn != t->next_tsn; tsn++) {
		tx_chunk *x = tx_slot(t, tsn);
		if (x->state != CS_OUT || x->pi != pi)
			continue;
		tx_take_from_flight(t, paths, npaths, x);
		/* RFC 9260 §6.2.1 C: "Any time a DATA chunk is marked for
		 * retransmission, either via T3-rtx timer expiration
		 * (Section 6.3.3) or via Fast Retransmit (Section 7.2.4), add
		 * the data size of those chunks to the rwnd." */
		t->rwnd += x->len;
		x->state = CS_T3;
		/* A retransmission that is lost again may be fast
		 * retransmitted again. */
		x->fast_done = false;
		x->misses = 0;
		if (t->nt3 == 0 || tsn_lt(tsn, t->t3_lo))
			t->t3_lo = tsn;
		t->nt3++;
	}
	paths[pi].flight = 0;
}

void tx_on_t3(tx *t, path *paths, unsigned npaths, unsigned pi,
	      esctp_tstamp rto_max, esctp_tstamp now)
{
	if (pi >= npaths)
		return;
	path *p = &paths[pi];
	uint32_t mss = path_mss(p);
	/* RFC 9260 §6.3.3 E1: "For the destination address for which the
	 * timer expires, adjust its ssthresh with rules defined in
	 * Section 7.2.3 and set the cwnd <- MTU."  §7.2.3: "ssthresh =
	 * max(cwnd/2, 4*MTU), cwnd = 1*MTU, partial_bytes_acked = 0" */
	p->ssthresh = MAX(p->cwnd / 2, 4 * mss);
	p->cwnd = mss;
	p->partial_bytes_acked = 0;
	/* E2: "set RTO <- RTO * 2 ("back off the timer")" */
	path_backoff(p, rto_max);
	p->t3 = ESCTP_TSTAMP_NEVER;
	/* §6.3.3: "Any DATA chunks that were sent to the address for which
	 * the T3-rtx timer expired but did not fit in an SCTP packet of size
	 * smaller than or equal to the MTU (rule E3) SHOULD be marked for
	 * retransmission and sent as soon as cwnd allows".  With cwnd = 1*MTU
	 * and the flight emptied, the next tx_fill() sends exactly the E3
	 * packet. */
	mark_path(t, paths, npaths, pi);
	/* As the Linux kernel does: a timeout ends Fast Recovery. */
	t->fast_recovery = false;
	t->fast_allowance = false;
	if (pi < ESCTP_MAX_PATHS)
		t->burst_set[pi] = false;
	if (!t->p.prsctp)
		return;
	/* RFC 3758 §3.5 A5: "Any time the T3-rtx timer expires, on any
	 * destination, the sender SHOULD try to advance the
	 * "Advanced.Peer.Ack.Point" by following the procedures outlined in
	 * C2 - C5." */
	tx_abandon_marked(t, paths, npaths, now);
	tx_adv_advance(t);
	if (tsn_gt(t->adv, t->cum))
		t->fwd_resend = true;
	tx_fwd_timer(t, paths, npaths, now);
}

void tx_path_failed(tx *t, path *paths, unsigned npaths, unsigned pi)
{
	if (pi >= npaths)
		return;
	mark_path(t, paths, npaths, pi);
	paths[pi].t3 = ESCTP_TSTAMP_NEVER;
}
