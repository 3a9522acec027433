/*
 * path.c - per-path congestion window initialisation and the RTO
 * computation of RFC 9260 §6.3.1.
 */
#include "path.h"

/* Clock granularity G of RFC 9260 §6.3.1 / RFC 6298: timestamps are in
 * nanoseconds, but hosts read clocks and schedule timers at about a
 * millisecond. */
#define RTO_GRANULARITY ESCTP_MS

void path_init(path *p, const esctp_addr *addr, uint16_t mtu, uint32_t ssthresh,
	       esctp_tstamp rto_initial)
{
	memset(p, 0, sizeof(*p));
	p->addr = *addr;
	p->mtu = mtu;
	p->state = PATH_ACTIVE;
	/* RFC 9260 §7.2.1: "The initial cwnd before data transmission MUST be
	 * set to min(4*MTU, max (2*MTU, 4404 bytes))."  4404 is three
	 * 1468-byte packets (1500 less IPv4 and the common header), so MTU
	 * here is the room for chunks in a packet: path_mss(). */
	uint32_t mss = path_mss(p);
	p->cwnd = MIN(4 * mss, MAX(2 * mss, 4404u));
	/* "The initial value of ssthresh SHOULD be arbitrarily high (e.g., the
	 * size of the largest possible advertised window)." */
	p->ssthresh = ssthresh;
	/* §6.3.1 C1: "Until an RTT measurement has been made for a packet
	 * sent to the given destination transport address, set RTO to the
	 * protocol parameter 'RTO.Initial'." */
	p->rto = rto_initial;
	p->t3 = ESCTP_TSTAMP_NEVER;
	p->hb_due = ESCTP_TSTAMP_NEVER;
}

static esctp_tstamp clamp(esctp_tstamp v, esctp_tstamp lo, esctp_tstamp hi)
{
	/* C6: "Whenever RTO is computed, if it is less than RTO.Min seconds,
	 * then it is rounded up to RTO.Min seconds."  C7: "A maximum value
	 * MAY be placed on RTO provided it is at least RTO.max seconds." */
	if (v < lo)
		v = lo;
	if (hi && v > hi)
		v = hi;
	return v;
}

void path_rtt_sample(path *p, esctp_tstamp r, esctp_tstamp rto_min,
		     esctp_tstamp rto_max)
{
	if (!p->rtt_measured) {
		/* C2: "When the first RTT measurement R is made, set SRTT <- R,
		 * RTTVAR <- R/2, and RTO <- SRTT + 4 * RTTVAR." */
		p->srtt = r;
		p->rttvar = r / 2;
		p->rtt_measured = true;
	} else {
		/* C3: "When a new RTT measurement R' is made, set
		 *   RTTVAR <- (1 - RTO.Beta) * RTTVAR + RTO.Beta * |SRTT - R'|
		 * and
		 *   SRTT <- (1 - RTO.Alpha) * SRTT + RTO.Alpha * R'"
		 * with RTO.Alpha = 1/8 and RTO.Beta = 1/4; "the value of SRTT
		 * used in the update to RTTVAR is its value before updating
		 * SRTT itself". */
		esctp_tstamp d = p->srtt > r ? p->srtt - r : r - p->srtt;
		p->rttvar = p->rttvar - p->rttvar / 4 + d / 4;
		p->srtt = p->srtt - p->srtt / 8 + r / 8;
	}
	/* RTO <- SRTT + 4 * RTTVAR, with RFC 6298's floor of the clock
	 * granularity on the variance term so that RTO never equals SRTT. */
	esctp_tstamp var =
	    p->rttvar > UINT64_MAX / 8 ? UINT64_MAX / 2 : 4 * p->rttvar;
	var = MAX(var, RTO_GRANULARITY);
	esctp_tstamp rto =
	    p->srtt > UINT64_MAX - var ? UINT64_MAX : p->srtt + var;
	p->rto = clamp(rto, rto_min, rto_max);
}

void path_backoff(path *p, esctp_tstamp rto_max)
{
	/* RFC 9260 §6.3.3 E2: "set RTO <- RTO * 2 ("back off the timer").  The
	 * maximum value discussed in rule C7 above (RTO.max) MAY be used to
	 * provide an upper bound to this doubling operation." */
	esctp_tstamp rto = p->rto > UINT64_MAX / 2 ? UINT64_MAX : p->rto * 2;
	p->rto = rto_max && rto > rto_max ? rto_max : rto;
}
