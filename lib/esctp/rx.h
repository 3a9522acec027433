/*
 * rx.h - the receiving half of an association: TSN tracking and SACK
 * generation (RFC 9260 §6.2, §6.7), duplicate detection, reassembly of
 * fragments (§6.9), ordered delivery per stream and unordered delivery
 * (§6.5, §6.6), receive window accounting, partial delivery of messages
 * larger than the buffer, and FORWARD TSN (RFC 3758 §3.6).
 *
 * rx stores copies of received payloads (the host's packet buffer is
 * transient) until the user reads them.
 */
#ifndef ESCTP_RX_H
#define ESCTP_RX_H

#include "internal.h"
#include "pkt.h"

typedef struct rx rx;

/* Creates the receiver.  peer_initial_tsn is the Initial TSN from the peer's
 * INIT / INIT ACK (so the cumulative TSN starts at peer_initial_tsn - 1);
 * nstreams is the number of inbound streams negotiated; rcvbuf the bytes the
 * receiver may buffer (initial a_rwnd).  Returns NULL on allocation failure. */
rx *rx_new(const esctp_mem *m, uint32_t peer_initial_tsn, uint16_t nstreams,
           uint32_t rcvbuf);
void rx_free(rx *r);

/* Outcome of rx_data(). */
enum rx_result {
	RX_NEW = 0,     /* stored; will be acked */
	RX_DUP = 1,     /* duplicate (≤ cum TSN or already held): recorded for
	                   the next SACK's duplicate list, not stored */
	RX_DROPPED = 2, /* no buffer space: not stored and not acked (§6.2:
	                   the sender will retransmit) */
	RX_BAD_STREAM = 3, /* stream id ≥ nstreams: the TSN is acked (so it is
	                      never retransmitted) but the data discarded; the
	                      caller sends an "Invalid Stream Identifier" ERROR */
};

/* Processes one DATA chunk (d->len > 0; the caller handles No User Data).
 * Returns an enum rx_result.  Newly complete messages become readable. */
int rx_data(rx *r, const chunk_data *d, esctp_tstamp now);

/* Call once after all chunks of a received packet were processed.
 * had_data: the packet carried DATA; immediate: the I bit was set or a gap,
 * duplicate or window problem was seen (rx also tracks the latter itself).
 * Decides between an immediate and a delayed SACK (§6.2: at least every
 * sack_freq packets with DATA, at most sack_delay after the first unacked
 * DATA; immediately when a gap exists or a duplicate arrived). */
void rx_packet_done(rx *r, bool had_data, bool immediate, uint16_t sack_freq,
                    esctp_tstamp sack_delay, esctp_tstamp now);

/* True when a SACK must go out at the next output. */
bool rx_sack_now(const rx *r);
/* Deadline of the delayed-SACK timer, ESCTP_TSTAMP_NEVER when off. */
esctp_tstamp rx_sack_deadline(const rx *r);
/* Delayed-SACK timer expiry: makes rx_sack_now() true when it was due. */
void rx_sack_timer(rx *r, esctp_tstamp now);

/* Writes a SACK chunk (cum TSN, a_rwnd, gap blocks, duplicate TSNs) that fits
 * in the room of w, dropping the highest gap blocks / dups when it must (at
 * least the 16-byte fixed part is needed).  Clears the duplicate list and the
 * pending-SACK state. */
void rx_put_sack(rx *r, wbuf *w);

/* Cumulative TSN ack point (the highest TSN received in sequence). */
uint32_t rx_cum_tsn(const rx *r);
/* Advertised receiver window: rcvbuf minus bytes held, never negative. */
uint32_t rx_a_rwnd(const rx *r);
/* True when every TSN up to the highest received has arrived (no gaps). */
bool rx_no_gaps(const rx *r);

/* RFC 3758 §3.6: moves the cumulative TSN to f->new_cum_tsn (if ahead),
 * discards fragments at or below it, advances the listed streams' expected
 * SSN past the given SSN, and delivers what becomes deliverable.  A message
 * being partially delivered that is cut off produces a PD_ABORTED notice.
 * Makes a SACK due (immediately). */
void rx_forward_tsn(rx *r, const chunk_fwdtsn *f, esctp_tstamp now);

/* Reading.  Messages are read in the order they became deliverable. */

/* Bytes readable now (whole messages, or a partial-delivery piece). */
size_t rx_readable(const rx *r);
/* Copies up to len bytes of the head message; *info gets its stream, SSN,
 * PPID, TSN and flags; ESCTP_EOR is set on the piece that ends the message.
 * Returns the byte count, or ESCTP_ERR_AGAIN when nothing is readable.
 * Reading frees buffer space, which may make a window-update SACK due
 * (rx_sack_now()) when a_rwnd grew by at least rcvbuf/4 since it was last
 * advertised. */
int rx_read(rx *r, void *buf, size_t len, esctp_rcvinfo *info);

/* Notices for the host's events, produced by rx_data / rx_forward_tsn. */
enum rx_notice_type {
	RX_NOTICE_DATA = 1,       /* a message (or the first partial-delivery
	                             piece) became readable */
	RX_NOTICE_PD_ABORTED = 2, /* a partially delivered message was dropped */
};
typedef struct rx_notice {
	int type;
	uint16_t stream, ssn;
	uint32_t ppid, tsn, flags, len;
} rx_notice;
/* Pops the oldest notice; false when none.  At most a bounded number are
 * kept (the oldest are dropped first, never data). */
bool rx_next_notice(rx *r, rx_notice *n);

/* Bytes of payload held (buffered and unread). */
size_t rx_held(const rx *r);

/* Makes a message's first fragments readable (partial delivery) once
 * they hold `bytes` (0: only when the buffer is half full). */
void rx_set_pd_point(rx *r, uint32_t bytes);

#endif
