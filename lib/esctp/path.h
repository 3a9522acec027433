/*
 * path.h - one destination transport address of the peer (RFC 9260 §6.4) and
 * what is kept per path: congestion control (§7.2), RTO (§6.3), the T3-rtx
 * timer, error counting and heartbeats (§8.2, §8.3).
 *
 * The association owns an array of paths.  tx.c updates the congestion,
 * RTO and T3 fields; assoc.c owns state, error_count and heartbeats.
 */
#ifndef ESCTP_PATH_H
#define ESCTP_PATH_H

#include "internal.h"

#define ESCTP_MAX_PATHS 8

enum path_state {
	PATH_ACTIVE = 0,
	PATH_PF = 1,       /* potentially failed (RFC 7829): not used for new data */
	PATH_INACTIVE = 2, /* failed: error_count exceeded Path.Max.Retrans */
};

typedef struct path {
	esctp_addr addr;      /* peer IP + learned UDP encapsulation port */
	uint16_t mtu;         /* largest SCTP packet on this path */
	uint8_t state;        /* enum path_state */
	bool confirmed;       /* §5.4: address confirmed by HEARTBEAT ACK or
	                         the handshake */

	/* congestion control, §7.2 (bytes) */
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t partial_bytes_acked;
	uint32_t flight;      /* bytes of DATA outstanding on this path */

	/* RTO, §6.3 */
	bool rtt_measured;    /* SRTT/RTTVAR hold a first measurement */
	esctp_tstamp srtt;
	esctp_tstamp rttvar;
	esctp_tstamp rto;     /* current RTO, including backoff */

	esctp_tstamp t3;      /* T3-rtx deadline, ESCTP_TSTAMP_NEVER when off */
	esctp_tstamp last_send; /* time DATA was last sent on the path */

	/* failure detection, §8.2 (assoc.c) */
	uint32_t error_count;
	esctp_tstamp hb_due;  /* next HEARTBEAT, NEVER when off */
	esctp_tstamp hb_sent; /* when the outstanding HEARTBEAT left; 0: none */
	uint64_t hb_nonce;    /* nonce of the outstanding HEARTBEAT */
	bool hb_pending;      /* a HEARTBEAT is waiting for the next output */
} path;

/* Initialises a path to addr with the given MTU and RFC 9260 §7.2.1 initial
 * cwnd = min(4*MTU, max(2*MTU, 4404)), ssthresh = peer's a_rwnd (pass it),
 * RTO = rto_initial. */
void path_init(path *p, const esctp_addr *addr, uint16_t mtu,
               uint32_t ssthresh, esctp_tstamp rto_initial);

/* The MSS used for congestion accounting (RFC 9260 §7.2: MTU less the
 * common header). */
static inline uint32_t path_mss(const path *p)
{
	return (uint32_t)p->mtu - 12u;
}

/* RFC 9260 §6.3.1 rules C2/C3: a new RTT measurement R.  Updates SRTT,
 * RTTVAR and RTO, clamped to [rto_min, rto_max]. */
void path_rtt_sample(path *p, esctp_tstamp r, esctp_tstamp rto_min,
                     esctp_tstamp rto_max);

/* §6.3.3 E2: RTO = min(RTO * 2, RTO.max) after a T3-rtx expiry (or a
 * heartbeat / T1 timeout). */
void path_backoff(path *p, esctp_tstamp rto_max);

#endif
