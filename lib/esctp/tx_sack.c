/*
 * tx_sack.c - processing a SACK (RFC 9260 §6.2.1): the cumulative ack, gap
 * ack blocks, reneging, RTT measurement (§6.3.1), the T3-rtx rules R2-R4
 * (§6.3.2), slow start and congestion avoidance (§7.2.1, §7.2.2) and fast
 * retransmit / fast recovery (§7.2.4).
 *
 * Work per SACK is bounded by the newly acked range plus the gap-acked
 * region (cum, highest gap-acked TSN]; nothing scans the whole ring.
 */
#include "tx_impl.h"

typedef struct ack_ctx {
	path *paths;
	unsigned npaths;
	esctp_tstamp now;
	uint32_t gen;
	uint32_t acked[ESCTP_MAX_PATHS];  /* flight bytes newly acked */
	uint32_t before[ESCTP_MAX_PATHS]; /* flight when the SACK arrived */
	esctp_tstamp rtt[ESCTP_MAX_PATHS];
	uint8_t rtt_mask; /* paths with an RTT sample */
	uint8_t seen;	  /* paths whose earliest outstanding chunk was met */
	uint8_t restart;  /* R3: that chunk was acked */
	uint8_t renege;	  /* R4 */
	bool have_htna;
	uint32_t htna; /* highest TSN newly acked */
	bool cand;     /* chunks reached 3 miss indications */
	uint32_t cand_lo, cand_hi;
	tx_ack *out;
} ack_ctx;

static void ctx_init(ack_ctx *c, tx *t, path *paths, unsigned npaths,
		     esctp_tstamp now, tx_ack *out)
{
	memset(c, 0, sizeof(*c));
	memset(out, 0, sizeof(*out));
	c->paths = paths;
	c->npaths = MIN(npaths, ESCTP_MAX_PATHS);
	c->now = now;
	c->out = out;
	c->gen = ++t->sack_gen;
	for (unsigned i = 0; i < c->npaths; i++)
		c->before[i] = paths[i].flight;
}

/* RFC 9260 §6.3.2 R3: "Whenever a SACK chunk is received that acknowledges
 * the DATA chunk with the earliest outstanding TSN for that address, restart
 * the T3-rtx timer for that address with its current RTO (if there is still
 * outstanding data on that address)."  Chunks are met in TSN order, so the
 * first outstanding chunk met for a path is its earliest. */
static void note_earliest(ack_ctx *c, const tx_chunk *x, bool acked_now)
{
	if (x->pi >= c->npaths || (c->seen & (1u << x->pi)))
		return;
	c->seen |= (uint8_t)(1u << x->pi);
	if (acked_now)
		c->restart |= (uint8_t)(1u << x->pi);
}

/* x was not acked before this SACK and is now. */
static void newly_acked(tx *t, ack_ctx *c, tx_chunk *x)
{
	if (x->state == CS_OUT) {
		tx_take_from_flight(t, c->paths, c->npaths, x);
		if (x->pi < c->npaths)
			c->acked[x->pi] += tx_csize(x->len);
	} else if (x->state == CS_FAST) {
		t->nfast--;
	} else if (x->state == CS_T3) {
		t->nt3--;
	}
	if (x->pi < c->npaths)
		c->out->acked_paths |= 1u << x->pi;
	c->out->new_ack = true;
	if (!c->have_htna || tsn_gt(x->tsn, c->htna))
		c->htna = x->tsn;
	c->have_htna = true;
	x->new_gen = c->gen;
	/* RFC 9260 §6.3.1 C5: "RTT measurements MUST NOT be made using
	 * packets that were retransmitted". */
	unsigned pi = x->pi;
	if (pi < c->npaths && t->rtt_pending[pi] && t->rtt_tsn[pi] == x->tsn) {
		t->rtt_pending[pi] = false;
		if (x->ntx == 1 && c->now >= x->sent_at) {
			c->rtt[pi] = c->now - x->sent_at;
			c->rtt_mask |= (uint8_t)(1u << pi);
		}
	}
}

/* Moves the Cumulative TSN Ack Point to cum, releasing the chunks. */
static void ack_cum(tx *t, ack_ctx *c, uint32_t cum)
{
	for (uint32_t tsn = t->cum + 1; tsn_le(tsn, cum); tsn++) {
		tx_chunk *x = tx_slot(t, tsn);
		switch (x->state) {
		case CS_GAP:
			t->ngap--;
			break;
		case CS_ABANDONED:
			t->nabandoned--;
			break;
		default:
			note_earliest(c, x, true);
			newly_acked(t, c, x);
			break;
		}
		if (x->msg) {
			/* abandoned chunks (msg NULL) left the buffer count
			 * when they were abandoned */
			t->buffered -= x->len;
			x->msg->acked += x->len;
			tx_msg_release(t, x->msg);
		}
		x->msg = NULL;
	}
	if (tsn_gt(cum, t->cum))
		c->out->cum_advanced = true;
	t->cum = cum;
}

/* Marks the TSNs of the SACK's Gap Ack Blocks.  Blocks must be in ascending,
 * non-overlapping order (RFC 9260 §3.3.4); processing stops at the first
 * block that is not, so a hostile SACK cannot make us walk a range twice.
 * Returns the highest TSN covered, or the cum TSN when none. */
static uint32_t ack_gaps(tx *t, ack_ctx *c, const chunk_sack *s)
{
	uint32_t hi = s->cum_tsn;
	uint32_t prev_end = 0;
	for (unsigned i = 0; i < s->ngaps; i++) {
		uint16_t start, end;
		chunk_sack_gap(s, i, &start, &end);
		if (start == 0 || end < start || start <= prev_end)
			break;
		prev_end = end;
		for (uint32_t off = start; off <= end; off++) {
			uint32_t tsn = s->cum_tsn + off;
			if (!tsn_lt(tsn, t->next_tsn))
				return hi; /* never sent: ignore the rest */
			tx_chunk *x = tx_slot(t, tsn);
			hi = tsn;
			if (x->state == CS_ABANDONED)
				continue;
			if (x->state != CS_GAP) {
				newly_acked(t, c, x);
				x->state = CS_GAP;
				t->ngap++;
			}
			x->ack_gen = c->gen;
		}
	}
	return hi;
}

static void miss(ack_ctx *c, tx_chunk *x)
{
	if (x->misses < UINT8_MAX)
		x->misses++;
	if (x->misses >= 3 && !x->fast_done) {
		if (!c->cand || tsn_lt(x->tsn, c->cand_lo))
			c->cand_lo = x->tsn;
		if (!c->cand || tsn_gt(x->tsn, c->cand_hi))
			c->cand_hi = x->tsn;
		c->cand = true;
	}
}

/* RFC 9260 §6.2.1 D iii: "If the SACK chunk is missing a TSN that was
 * previously acknowledged via a Gap Ack Block (e.g., the data receiver
 * reneged on the data), then consider the corresponding DATA that might be
 * possibly missing: Count one miss indication towards Fast Retransmit as
 * described in Section 7.2.4, and if no retransmit timer is running for the
 * destination address to which the DATA chunk was originally transmitted,
 * then T3-rtx is started for that destination address." */
static void renege(tx *t, ack_ctx *c, tx_chunk *x)
{
	x->state = CS_OUT;
	t->ngap--;
	t->outstanding += x->len;
	if (x->pi < c->npaths) {
		c->paths[x->pi].flight += tx_csize(x->len);
		c->renege |= (uint8_t)(1u << x->pi);
	}
	note_earliest(c, x, false);
	miss(c, x);
}

/* Walks (cum, hi]: R3 bookkeeping, reneging and miss indications for TSNs
 * below miss_limit. */
static void walk_gaps(tx *t, ack_ctx *c, uint32_t hi, uint32_t miss_limit)
{
	uint32_t gap_hi = t->cum;
	for (uint32_t tsn = t->cum + 1; tsn_le(tsn, hi); tsn++) {
		tx_chunk *x = tx_slot(t, tsn);
		switch (x->state) {
		case CS_GAP:
			if (x->ack_gen != c->gen) {
				renege(t, c, x);
				break;
			}
			if (x->new_gen == c->gen)
				note_earliest(c, x, true);
			gap_hi = tsn;
			break;
		case CS_OUT:
			note_earliest(c, x, false);
			/* RFC 9260 §7.2.4: "miss indications are incremented
			 * only for missing TSNs prior to the highest TSN newly
			 * acknowledged in the SACK chunk." */
			if (tsn_lt(tsn, miss_limit))
				miss(c, x);
			break;
		case CS_FAST:
		case CS_T3:
			note_earliest(c, x, false);
			break;
		default:
			break;
		}
	}
	t->gap_hi = gap_hi;
}

/* Slow start and congestion avoidance for one path. */
static void raise_cwnd(tx *t, path *p, uint32_t acked, uint32_t before,
		       bool cum_advanced)
{
	uint32_t mss = path_mss(p);
	if (p->cwnd <= p->ssthresh) {
		/* RFC 9260 §7.2.1: "When cwnd is less than or equal to
		 * ssthresh, an SCTP endpoint MUST use the slow-start algorithm
		 * to increase cwnd only if the current congestion window is
		 * being fully utilized and the data sender is not in Fast
		 * Recovery. ... cwnd MUST be increased by, at most, the lesser
		 * of 1) the total size of the previously outstanding DATA
		 * chunk(s) acknowledged and 2) the destination's path MTU."
		 * and: "if the received SACK chunk does not advance the
		 * Cumulative TSN Ack Point, the endpoint MUST NOT adjust the
		 * cwnd of any of the destination addresses." */
		if (cum_advanced && !t->fast_recovery && before >= p->cwnd)
			p->cwnd += MIN(acked, mss);
		return;
	}
	/* RFC 9260 §7.2.2: "Whenever cwnd is greater than ssthresh, upon each
	 * SACK chunk arrival, increase partial_bytes_acked by the total
	 * number of bytes of all new chunks acknowledged in that SACK chunk,
	 * including chunks acknowledged by the new Cumulative TSN Ack and by
	 * Gap Ack Blocks." */
	p->partial_bytes_acked += acked;
	if (p->partial_bytes_acked < p->cwnd)
		return;
	if (before < p->cwnd) {
		/* "When partial_bytes_acked is greater than cwnd and before
		 * the arrival of the SACK chunk the sender had less than cwnd
		 * bytes of data outstanding ..., partial_bytes_acked is set to
		 * cwnd." */
		p->partial_bytes_acked = p->cwnd;
	} else if (cum_advanced && !t->fast_recovery) {
		/* "... partial_bytes_acked is reset to (partial_bytes_acked -
		 * cwnd).  Next, cwnd is increased by MTU." */
		p->partial_bytes_acked -= p->cwnd;
		p->cwnd += mss;
	}
}

static void update_cwnd(tx *t, ack_ctx *c)
{
	for (unsigned i = 0; i < c->npaths; i++) {
		path *p = &c->paths[i];
		if (c->acked[i])
			raise_cwnd(t, p, c->acked[i], c->before[i],
				   c->out->cum_advanced);
		/* RFC 9260 §7.2.2: "When all of the data transmitted by the
		 * sender has been acknowledged by the receiver,
		 * partial_bytes_acked is initialized to 0." */
		if (p->flight == 0)
			p->partial_bytes_acked = 0;
	}
}

/* RFC 9260 §7.2.4: "When the third consecutive miss indication is received
 * for a TSN(s), the data sender shall do the following:
 * 1) Mark the DATA chunk(s) with three miss indications for retransmission.
 * 2) If not in Fast Recovery, adjust the ssthresh and cwnd of the
 *    destination address(es) to which the missing DATA chunks were last
 *    sent, according to the formula described in Section 7.2.3.
 * ...
 * 5) Mark the DATA chunk(s) as being fast retransmitted and thus ineligible
 *    for a subsequent Fast Retransmit. ...
 * 6) If not in Fast Recovery, enter Fast Recovery and mark the highest
 *    outstanding TSN as the Fast Recovery exit point. ... While in Fast
 *    Recovery, the ssthresh and cwnd SHOULD NOT change for any destinations
 *    due to a subsequent Fast Recovery event" */
static void fast_retransmit(tx *t, ack_ctx *c)
{
	uint8_t paths_hit = 0;
	for (uint32_t tsn = c->cand_lo; tsn_le(tsn, c->cand_hi); tsn++) {
		tx_chunk *x = tx_slot(t, tsn);
		if (x->state != CS_OUT || x->misses < 3 || x->fast_done)
			continue;
		tx_take_from_flight(t, c->paths, c->npaths, x);
		/* §6.2.1 C: "Any time a DATA chunk is marked for
		 * retransmission, ... add the data size of those chunks to the
		 * rwnd." */
		t->rwnd += x->len;
		x->state = CS_FAST;
		x->fast_done = true;
		t->nfast++;
		if (tsn_lt(tsn, t->fast_lo) || t->nfast == 1)
			t->fast_lo = tsn;
		if (x->pi < c->npaths)
			paths_hit |= (uint8_t)(1u << x->pi);
	}
	if (!paths_hit || t->fast_recovery)
		return;
	for (unsigned i = 0; i < c->npaths; i++) {
		if (!(paths_hit & (1u << i)))
			continue;
		path *p = &c->paths[i];
		/* RFC 9260 §7.2.3: "ssthresh = max(cwnd/2, 4*MTU), cwnd =
		 * ssthresh, partial_bytes_acked = 0" */
		p->ssthresh = MAX(p->cwnd / 2, 4 * path_mss(p));
		p->cwnd = p->ssthresh;
		p->partial_bytes_acked = 0;
	}
	t->fast_recovery = true;
	t->fr_exit = t->next_tsn - 1;
	t->fast_allowance = true;
}

/* RFC 9260 §6.1 D (Max.Burst): the limit is taken when a SACK arrives, from
 * the flight it leaves, not when output runs.  A host that reads a batch of
 * packets processes several SACKs before it asks for output; measured then,
 * the flight of an ack-compressed batch is 0 and the limit would shrink the
 * sender to Max.Burst packets per round trip whatever cwnd is.  Within one
 * batch (no new data sent between the SACKs) the most generous limit wins,
 * which is what a sender transmitting after each SACK would have reached. */
static void burst_from_sack(tx *t, const path *p, unsigned i)
{
	uint64_t cap =
	    (uint64_t)p->flight + (uint64_t)t->p.max_burst * path_mss(p);
	uint32_t c = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
	if (!t->burst_set[i] || t->burst_used[i] || c > t->burst_cap[i])
		t->burst_cap[i] = c;
	t->burst_set[i] = true;
	t->burst_used[i] = false;
}

static void update_timers(tx *t, ack_ctx *c)
{
	for (unsigned i = 0; i < c->npaths; i++) {
		path *p = &c->paths[i];
		uint8_t bit = (uint8_t)(1u << i);
		if (c->rtt_mask & bit) {
			path_rtt_sample(p, c->rtt[i], t->rto_min, t->rto_max);
			t->srtt_hint = p->srtt;
		}
		if (p->flight == 0) {
			/* R2: "Whenever all outstanding data sent to an
			 * address have been acknowledged, turn off the T3-rtx
			 * timer of that address." */
			p->t3 = ESCTP_TSTAMP_NEVER;
		} else if (c->restart & bit) {
			p->t3 = ts_add(c->now, p->rto);
		} else if (p->t3 == ESCTP_TSTAMP_NEVER) {
			/* R4 (reneged data), and R1's invariant that data in
			 * flight always has a running timer. */
			p->t3 = ts_add(c->now, p->rto);
		}
		if (i < ESCTP_MAX_PATHS)
			burst_from_sack(t, p, i);
	}
}

/* The steps shared by SACK and SHUTDOWN: checks, cumulative ack, fast
 * recovery exit.  Returns false when the ack must be ignored. */
static bool ack_start(tx *t, ack_ctx *c, uint32_t cum)
{
	/* RFC 9260 §6.2.1 D i: "If Cumulative TSN Ack is less than the
	 * Cumulative TSN Ack Point, then drop the SACK chunk." */
	if (tsn_lt(cum, t->cum)) {
		c->out->ignored = true;
		return false;
	}
	if (tsn_ge(cum, t->next_tsn)) {
		c->out->protocol_violation = true;
		return false;
	}
	ack_cum(t, c, cum);
	/* §6.2.1 D iv: "If the Cumulative TSN Ack matches or exceeds the Fast
	 * Recovery exitpoint (Section 7.2.4), Fast Recovery is exited." */
	if (t->fast_recovery && tsn_ge(cum, t->fr_exit)) {
		t->fast_recovery = false;
		t->fast_allowance = false;
	}
	return true;
}

static void ack_finish(tx *t, ack_ctx *c)
{
	update_timers(t, c);
	/* RFC 3758 §3.5 C1: "Let SackCumAck be the Cumulative TSN ACK carried
	 * in the received SACK.  If (Advanced.Peer.Ack.Point < SackCumAck),
	 * then update Advanced.Peer.Ack.Point to be equal to SackCumAck." */
	if (t->p.prsctp) {
		tx_adv_advance(t);
		tx_fwd_after_ack(t, c->now);
		tx_fwd_timer(t, c->paths, c->npaths, c->now);
	}
}

void tx_on_sack(tx *t, const chunk_sack *s, path *paths, unsigned npaths,
		esctp_tstamp rto_min, esctp_tstamp rto_max, esctp_tstamp now,
		tx_ack *out)
{
	ack_ctx c;
	ctx_init(&c, t, paths, npaths, now, out);
	if (!ack_start(t, &c, s->cum_tsn))
		return;
	t->rto_min = rto_min;
	t->rto_max = rto_max;
	uint32_t sack_hi = ack_gaps(t, &c, s);
	uint32_t walk_hi = sack_hi;
	if (t->ngap && tsn_gt(t->gap_hi, walk_hi))
		walk_hi = t->gap_hi;
	/* §7.2.4: "If an endpoint is in Fast Recovery and a SACK chunk arrives
	 * that advances the Cumulative TSN Ack Point, the miss indications
	 * are incremented for all TSNs reported missing in the SACK chunk." */
	uint32_t limit = c.have_htna ? c.htna : t->cum + 1;
	if (t->fast_recovery && out->cum_advanced)
		limit = sack_hi;
	walk_gaps(t, &c, walk_hi, limit);
	/* §6.2.1 D ii: "Set rwnd equal to the newly received a_rwnd minus the
	 * number of bytes still outstanding after processing the Cumulative
	 * TSN Ack and the Gap Ack Blocks." */
	t->rwnd = s->a_rwnd > t->outstanding
		      ? (uint32_t)(s->a_rwnd - t->outstanding)
		      : 0;
	/* §7.2.4: "Before the above adjustments, if the received SACK chunk
	 * also acknowledges new DATA chunks and advances the Cumulative TSN
	 * Ack Point, the cwnd adjustment rules defined in Section 7.2.1 and
	 * Section 7.2.2 MUST be applied first." */
	update_cwnd(t, &c);
	if (c.cand)
		fast_retransmit(t, &c);
	ack_finish(t, &c);
}

void tx_on_cum_ack(tx *t, uint32_t cum_tsn, path *paths, unsigned npaths,
		   esctp_tstamp now, tx_ack *out)
{
	ack_ctx c;
	ctx_init(&c, t, paths, npaths, now, out);
	if (!ack_start(t, &c, cum_tsn))
		return;
	if (t->rto_min == 0 && t->rto_max == 0)
		c.rtt_mask = 0; /* no RTO bounds known yet: no sample */
	update_cwnd(t, &c);
	ack_finish(t, &c);
}
