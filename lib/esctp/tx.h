/*
 * tx.h - the sending half of an association: the send queue (user messages
 * copied once, fragmented lazily when sent), TSN assignment, outstanding
 * DATA and its retransmission (T3-rtx §6.3, fast retransmit §7.2.4),
 * SACK processing (§6.2.1), congestion control per path (§7.2), peer
 * receive window and zero-window probing (§6.1), and partial reliability
 * (RFC 3758: abandoning expired messages and FORWARD TSN).
 *
 * tx never decides which path to use: the association passes the path for
 * each packet.  Outstanding chunks remember the index of the path they were
 * last sent on, into the paths array the association passes in.
 */
#ifndef ESCTP_TX_H
#define ESCTP_TX_H

#include "internal.h"
#include "path.h"
#include "pkt.h"

typedef struct tx tx;

typedef struct tx_params {
	uint32_t initial_tsn; /* our Initial TSN */
	uint16_t nstreams;    /* outbound streams negotiated */
	uint32_t sndbuf;      /* bytes queued + outstanding accepted */
	uint32_t max_message; /* largest message accepted */
	uint32_t peer_rwnd;   /* the peer's initial a_rwnd */
	uint16_t max_burst;
	bool prsctp;  /* the peer supports FORWARD TSN */
	bool nodelay; /* Nagle off */
} tx_params;

tx *tx_new(const esctp_mem *m, const tx_params *p);
void tx_free(tx *t);

/* Queues a message (copied).  Returns 0, ESCTP_ERR_AGAIN (no room in the
 * send buffer: queued + outstanding + len > sndbuf, except that an empty
 * buffer accepts any message up to max_message), ESCTP_ERR_MSGSIZE,
 * ESCTP_ERR_STREAM, ESCTP_ERR_INVAL (len 0, unknown pr_policy).  When the
 * peer supports PR-SCTP the message takes info's policy (esctp.h): a
 * lifetime (ESCTP_PR_TTL, or ttl_ms > 0 under ESCTP_PR_NONE), a limit of
 * retransmissions (ESCTP_PR_RTX) or a priority (ESCTP_PR_PRIO); without it
 * the message is fully reliable. */
int tx_enqueue(tx *t, const esctp_sndinfo *info, const void *data, size_t len,
	       esctp_tstamp now);

/* No destination of its own: the message follows the data path. */
#define TX_NO_DEST 0xff

/* tx_enqueue() for a message whose first transmission goes to paths[dest]
 * (TX_NO_DEST: none) rather than to the data path, while that path is in
 * the mask tx_route() gives (SCTP_ADDR_OVER).  Retransmissions go wherever
 * the association sends them (RFC 9260 §6.4). */
int tx_enqueue_to(tx *t, const esctp_sndinfo *info, const void *data,
		  size_t len, unsigned dest, esctp_tstamp now);

/* Where new data goes: a message without a destination (or whose
 * destination is not in `usable`, bit i for paths[i]) on paths[data_path]
 * only.  Until it is called, every message may leave on any path. */
void tx_route(tx *t, unsigned data_path, uint32_t usable);

/* The path the next new message would leave on under tx_route(), or -1
 * when none is queued or no route was given. */
int tx_next_path(const tx *t, esctp_tstamp now);

/* Called before tx_enqueue(): when the message (info, len) is valid but does
 * not fit in the send buffer, abandons ESCTP_PR_PRIO messages of a lower
 * priority (a larger pr_value than the message's value) until it fits, as
 * RFC 7496 §3.2 allows, in Linux's order (sent ones with chunks marked for
 * retransmission, then the other sent ones, then unsent ones).  Abandons
 * nothing when that cannot make room, or without PR-SCTP.  Returns true
 * when it abandoned something: notices wait, and a FORWARD TSN may be due
 * (its T3-rtx timer is started, RFC 3758 §3.5 C5). */
bool tx_make_room(tx *t, const esctp_sndinfo *info, size_t len, path *paths,
		  unsigned npaths, esctp_tstamp now);

/* Bytes tx_enqueue() accepts now. */
size_t tx_space(const tx *t);

/* Sets the largest DATA payload per fragment (from the smallest path MTU).
 * Applies to fragments not yet given a TSN. */
void tx_set_frag_size(tx *t, uint32_t bytes);

/* Appends DATA chunks to w for path paths[pi] in this order: chunks marked
 * for retransmission (fast retransmit first, then T3), then new data.  Obeys
 * the path's cwnd (§6.1 rules B-D, with the one-packet allowance for fast
 * retransmit), the peer's rwnd (rule A, with a single zero-window probe when
 * nothing is outstanding), Nagle unless nodelay, and abandons expired
 * PR-SCTP messages instead of sending them.  Starts the path's T3-rtx when
 * it sends and it is not running.  Updates flight size, last_send, RTT probe
 * selection.  Returns the number of DATA chunks written. */
unsigned tx_fill(tx *t, path *paths, unsigned npaths, unsigned pi, wbuf *w,
		 esctp_tstamp now);

/* Sets the I bit (RFC 7053) on every DATA chunk sent from now on: the
 * association asks for it in SHUTDOWN-PENDING. */
void tx_set_sack_immediately(tx *t, bool on);

/* Turns Nagle off (on = true) or back on, from the next tx_fill(). */
void tx_set_nodelay(tx *t, bool on);

/* True when tx_fill() would write something on paths[pi] now (cwnd/rwnd
 * allow it and data is queued or marked). */
bool tx_has_sendable(const tx *t, const path *paths, unsigned pi,
		     esctp_tstamp now);

/* True when chunks are marked for retransmission (after a T3 expiry the
 * association sends them on an alternate path when one exists, §6.4.1). */
bool tx_has_retransmits(const tx *t);

/* Result of a SACK. */
typedef struct tx_ack {
	uint32_t acked_paths; /* bit i: a chunk sent on path i was newly acked
				 (§8.3: clear its error counter) */
	bool new_ack;	      /* any TSN newly acked (§8.1: clear the
				 association error counter) */
	bool cum_advanced;
	bool ignored;		 /* stale SACK (cum TSN behind), nothing done */
	bool protocol_violation; /* cum TSN acks a TSN never sent */
} tx_ack;

/* Processes a SACK: advances the cumulative ack point, marks gap-acked
 * chunks, computes the peer's rwnd (a_rwnd - outstanding), takes an RTT
 * sample (Karn's rule), updates cwnd / ssthresh / partial_bytes_acked per
 * path (slow start, congestion avoidance, fast recovery), counts miss
 * indications and marks chunks for fast retransmit at 3 (§7.2.4), restarts
 * or stops T3-rtx per path (§6.3.2 R2/R3), frees acked messages, and
 * advances the PR-SCTP Advanced.Peer.Ack.Point (RFC 3758 §3.5). */
void tx_on_sack(tx *t, const chunk_sack *s, path *paths, unsigned npaths,
		esctp_tstamp rto_min, esctp_tstamp rto_max, esctp_tstamp now,
		tx_ack *out);

/* A cumulative TSN ack without a SACK (from SHUTDOWN, §9.2). */
void tx_on_cum_ack(tx *t, uint32_t cum_tsn, path *paths, unsigned npaths,
		   esctp_tstamp now, tx_ack *out);

/* T3-rtx expired on paths[pi] (§6.3.3): ssthresh = max(cwnd/2, 4*MTU),
 * cwnd = 1 MTU, RTO backed off, all chunks outstanding on that path marked
 * for retransmission (flight moved out), abandons expired PR-SCTP chunks.
 * The association counts the error and picks the path to retransmit on. */
void tx_on_t3(tx *t, path *paths, unsigned npaths, unsigned pi,
	      esctp_tstamp rto_max, esctp_tstamp now);

/* Moves everything outstanding on a failed path to retransmission (so it
 * goes out on another path, §6.4.1) without touching congestion state. */
void tx_path_failed(tx *t, path *paths, unsigned npaths, unsigned pi);

/* PR-SCTP: true when a FORWARD TSN should be sent (the Advanced.Peer.Ack.Point
 * is ahead of the cumulative ack point and it was not sent in the last RTT,
 * RFC 3758 §3.5 C1-C3); tx_put_fwdtsn() writes it. */
bool tx_fwdtsn_due(const tx *t, esctp_tstamp now);
void tx_put_fwdtsn(tx *t, wbuf *w, esctp_tstamp now);

/* Counters and state for status, shutdown and events. */
bool tx_empty(const tx *t); /* nothing queued, nothing outstanding */
bool tx_nothing_outstanding(const tx *t);
uint32_t tx_cum_ack(const tx *t); /* highest TSN cumulatively acked */
uint32_t tx_peer_rwnd(const tx *t);
uint32_t tx_outstanding_chunks(const tx *t);
size_t tx_queued_bytes(const tx *t); /* bytes not yet sent */
uint64_t tx_retransmits(const tx *t);
uint64_t tx_msgs_sent(const tx *t); /* messages fully acked or sent */
uint64_t tx_bytes_sent(const tx *t);
/* Messages abandoned by PR-SCTP, per policy (ESCTP_PR_*), before and after
 * they were given TSNs. */
void tx_abandoned(const tx *t, uint64_t unsent[ESCTP_PR_POLICIES],
		  uint64_t sent[ESCTP_PR_POLICIES]);

/* Notices for the host's SEND_FAILED events: messages abandoned (PR-SCTP,
 * error ESCTP_ERR_AGAIN) or discarded when the association ends
 * (tx_fail_all, error ESCTP_ERR_CLOSED). */
typedef struct tx_notice {
	int error;
	uint16_t stream;
	uint32_t ppid, len, context;
	bool sent; /* the message had been given TSNs */
	/* The bytes not cumulatively acknowledged (the message's last
	 * dlen bytes) inside buf, an allocation of t's allocator that the
	 * caller of tx_next_notice() owns (NULL: none kept). */
	void *buf;
	const uint8_t *data;
	uint32_t dlen;
} tx_notice;
/* Pops the oldest notice; its buf is then the caller's to free. */
bool tx_next_notice(tx *t, tx_notice *n);
/* Discards every queued and outstanding message, producing notices (for
 * messages never fully acked). */
void tx_fail_all(tx *t);

/* Earliest expiry of a queued PR-SCTP message, so the association can
 * abandon it even when nothing is sent (NEVER when none). */
esctp_tstamp tx_deadline(const tx *t);
/* Abandons queued / outstanding PR-SCTP messages whose lifetime ended. */
void tx_expire(tx *t, path *paths, unsigned npaths, esctp_tstamp now);

#endif
