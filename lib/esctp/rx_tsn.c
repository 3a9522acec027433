/*
 * rx_tsn.c - which TSNs were received: the cumulative TSN plus a sorted
 * array of ranges above it (the future gap ack blocks), the duplicate list,
 * and when and how to send a SACK (RFC 9260 §6.2, §6.7, §3.3.4).
 */
#include "rx_priv.h"

/* Index of the first range whose end is at or after tsn. */
static unsigned range_search(const rx *r, uint32_t tsn)
{
	unsigned lo = 0, hi = r->ngaps;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (tsn_lt(r->gaps[mid].end, tsn))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool rx_tsn_seen(const rx *r, uint32_t tsn)
{
	if (tsn_le(tsn, r->cum))
		return true;
	unsigned i = range_search(r, tsn);
	return i < r->ngaps && tsn_ge(tsn, r->gaps[i].start);
}

uint32_t rx_tsn_highest(const rx *r)
{
	return r->ngaps ? r->gaps[r->ngaps - 1].end : r->cum;
}

/* Absorbs into cum every range that starts at or below cum + 1. */
static void cum_merge(rx *r)
{
	unsigned i = 0;

	while (i < r->ngaps && tsn_le(r->gaps[i].start, r->cum + 1)) {
		if (tsn_gt(r->gaps[i].end, r->cum))
			r->cum = r->gaps[i].end;
		i++;
	}
	if (i) {
		r->ngaps = (uint16_t)(r->ngaps - i);
		memmove(r->gaps, r->gaps + i, r->ngaps * sizeof(*r->gaps));
	}
}

/* Opens a hole at index i for one more range. */
static int range_insert(rx *r, unsigned i, uint32_t start, uint32_t end)
{
	if (r->ngaps == r->gcap) {
		if (r->gcap >= RX_MAX_GAPS)
			return -1;
		uint16_t cap = r->gcap ? (uint16_t)(r->gcap * 2) : 8;
		rx_range *g = mem_realloc(&r->mem, r->gaps, cap * sizeof(*g));
		if (!g)
			return -1;
		r->gaps = g;
		r->gcap = cap;
	}
	memmove(r->gaps + i + 1, r->gaps + i,
		(r->ngaps - i) * sizeof(*r->gaps));
	r->gaps[i].start = start;
	r->gaps[i].end = end;
	r->ngaps++;
	return 0;
}

static void range_delete(rx *r, unsigned i)
{
	r->ngaps--;
	memmove(r->gaps + i, r->gaps + i + 1,
		(r->ngaps - i) * sizeof(*r->gaps));
}

int rx_tsn_add(rx *r, uint32_t tsn)
{
	if (tsn == r->cum + 1) {
		r->cum = tsn;
		cum_merge(r);
		return 0;
	}
	unsigned i = range_search(r, tsn - 1);
	if (i == r->ngaps)
		return range_insert(r, i, tsn, tsn);
	rx_range *g = r->gaps + i;
	if (g->end == tsn - 1) {
		g->end = tsn;
		if (i + 1 < r->ngaps && g[1].start == tsn + 1) {
			g->end = g[1].end;
			range_delete(r, i + 1);
		}
		return 0;
	}
	if (g->start == tsn + 1) {
		g->start = tsn;
		return 0;
	}
	return range_insert(r, i, tsn, tsn);
}

int rx_tsn_remove(rx *r, uint32_t tsn)
{
	unsigned i = range_search(r, tsn);
	if (i >= r->ngaps || tsn_lt(tsn, r->gaps[i].start))
		return 0;
	rx_range *g = r->gaps + i;
	if (g->start == g->end) {
		range_delete(r, i);
	} else if (tsn == g->start) {
		g->start++;
	} else if (tsn == g->end) {
		g->end--;
	} else {
		uint32_t end = g->end;
		if (range_insert(r, i + 1, tsn + 1, end) < 0)
			return -1;
		r->gaps[i].end = tsn - 1;
	}
	return 0;
}

void rx_tsn_forward(rx *r, uint32_t new_cum)
{
	r->cum = new_cum;
	cum_merge(r);
}

void rx_dup_add(rx *r, uint32_t tsn)
{
	/* RFC 9260 §6.2: "When a packet arrives with duplicate DATA chunk(s)
	 * and with no new DATA chunk(s), the endpoint MUST immediately send a
	 * SACK chunk with no delay. ... The duplicate TSN number(s) SHOULD be
	 * reported in the SACK chunk as duplicate."  Past the bound they still
	 * make the SACK immediate. */
	if (r->ndups < RX_MAX_DUPS)
		r->dups[r->ndups++] = tsn;
	r->imm = true;
}

/* ---- SACK timing ---- */

void rx_packet_done(rx *r, bool had_data, bool immediate, uint16_t sack_freq,
		    esctp_tstamp sack_delay, esctp_tstamp now)
{
	if (immediate || r->imm)
		r->sack_now = true;
	r->imm = false;
	if (!had_data)
		return;
	/* RFC 9260 §6.2: "the SACK SHOULD be generated for at least every
	 * second packet (not every second DATA chunk) received, and SHOULD be
	 * generated within 200 ms of the arrival of any unacknowledged DATA
	 * chunk." sack_freq and sack_delay are those two figures. */
	r->pkts++;
	if (r->pkts >= MAX(sack_freq, 1) || sack_delay == 0)
		r->sack_now = true;
	else if (r->sack_deadline == ESCTP_TSTAMP_NEVER)
		r->sack_deadline = ts_add(now, sack_delay);
}

bool rx_sack_now(const rx *r)
{
	return r->sack_now;
}

esctp_tstamp rx_sack_deadline(const rx *r)
{
	return r->sack_deadline;
}

void rx_sack_timer(rx *r, esctp_tstamp now)
{
	if (r->sack_deadline != ESCTP_TSTAMP_NEVER && now >= r->sack_deadline)
		r->sack_now = true;
}

/* ---- SACK building ---- */

/*
 * SACK (3), RFC 9260 §3.3.4:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 3    |Chunk  Flags   |      Chunk Length             |
 * |                      Cumulative TSN Ack                       |
 * |          Advertised Receiver Window Credit (a_rwnd)           |
 * | Number of Gap Ack Blocks = N  |  Number of Duplicate TSNs = M |
 * |    Gap Ack Block #1 Start     |   Gap Ack Block #1 End        |
 * /                              ...                              /
 * |                       Duplicate TSN 1..M                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Gap block offsets are 16 bits from the cumulative TSN: ranges farther
 * away cannot be reported (they are simply not acked yet).
 */
void rx_put_sack(rx *r, wbuf *w)
{
	uint16_t gb[2 * RX_MAX_GAPS];
	size_t room = wbuf_room(w);
	size_t slots = room > 16 ? (room - 16) / 4 : 0;
	unsigned ng = 0, nd;

	slots = MIN(slots, (size_t)(UINT16_MAX - 16) / 4);
	/* RFC 9260 §6.2: "The SCTP endpoint MUST report as many Gap Ack Blocks
	 * as can fit in a single SACK chunk": gaps first, then duplicates. */
	while (ng < r->ngaps && ng < slots) {
		uint32_t s = r->gaps[ng].start - r->cum;
		uint32_t e = r->gaps[ng].end - r->cum;
		if (e > UINT16_MAX)
			break;
		gb[2 * ng] = (uint16_t)s;
		gb[2 * ng + 1] = (uint16_t)e;
		ng++;
	}
	nd = (unsigned)MIN((size_t)r->ndups, slots - ng);
	chunk_put_sack(w, r->cum, rx_a_rwnd(r), gb, ng, r->dups, nd);
	if (w->err)
		return;
	r->ndups = 0;
	r->sack_now = false;
	r->pkts = 0;
	r->sack_deadline = ESCTP_TSTAMP_NEVER;
	r->last_rwnd = rx_a_rwnd(r);
}

uint32_t rx_cum_tsn(const rx *r)
{
	return r->cum;
}

uint32_t rx_a_rwnd(const rx *r)
{
	return r->held < r->rcvbuf ? (uint32_t)(r->rcvbuf - r->held) : 0;
}

bool rx_no_gaps(const rx *r)
{
	return r->ngaps == 0;
}
