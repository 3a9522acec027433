/*
 * tx_impl.h - private to lib/esctp/tx_*.c: the sender's data structures and the
 * helpers its files share.  Nothing outside tx_*.c includes this.
 *
 * Messages are copied once into one allocation (tx_msg + payload) and kept
 * on the "live" list in enqueue order until every fragment is cumulatively
 * acked or the message is abandoned.  Because sending is FCFS and a message
 * is given TSNs before the next one starts, a message's fragments have
 * consecutive TSNs starting at first_tsn.
 *
 * Chunks with a TSN live in a power-of-two ring indexed by TSN: the TSNs
 * (cum, next_tsn) are at ring[tsn & mask], so lookup is O(1).
 *
 * Byte units: cwnd and path flight count DATA chunks as they occupy the
 * packet (header + padded payload), so a full packet is exactly path_mss()
 * bytes, which is what the MTU-based formulas of RFC 9260 §7.2 assume.  The
 * peer's rwnd and t->outstanding count payload bytes, as a_rwnd does.
 */
#ifndef ESCTP_TX_IMPL_H
#define ESCTP_TX_IMPL_H

#include "tx.h"

#define MSG_UNORDERED 0x01
#define MSG_SACK_NOW 0x02 /* I bit on the last fragment (RFC 7053) */

typedef struct tx_msg {
	struct tx_msg *prev, *next; /* live list, enqueue order */
	esctp_tstamp expires;	    /* end of the PR-SCTP lifetime, or NEVER */
	uint32_t len;
	uint32_t sent;	    /* bytes given a TSN (lazy fragmentation cursor) */
	uint32_t acked;	    /* bytes cumulatively acked */
	uint32_t refs;	    /* ring entries pointing here */
	uint32_t first_tsn; /* TSN of the first fragment, once sent */
	uint32_t nfrags;    /* fragments given a TSN */
	uint32_t ppid, context;
	uint32_t pr_value; /* RTX: most retransmissions; PRIO: priority */
	uint16_t stream, ssn;
	uint8_t flags;	/* MSG_* */
	uint8_t policy; /* ESCTP_PR_*, NONE without PR-SCTP */
	uint8_t dest;	/* path of its first transmission, or TX_NO_DEST */
	uint8_t data[];
} tx_msg;

enum chunk_state {
	CS_OUT = 0,   /* outstanding, counted in its path's flight */
	CS_GAP,	      /* acked by a Gap Ack Block (may be reneged) */
	CS_FAST,      /* marked for fast retransmit (not in flight) */
	CS_T3,	      /* marked for retransmission by T3-rtx (not in flight) */
	CS_ABANDONED, /* PR-SCTP: skipped by FORWARD TSN */
};

typedef struct tx_chunk {
	tx_msg *msg;	      /* NULL once abandoned */
	esctp_tstamp sent_at; /* last transmission */
	uint32_t tsn;
	uint32_t off, len; /* payload within msg->data */
	uint32_t ppid;
	uint32_t ack_gen; /* SACK (t->sack_gen) that last gap-acked it */
	uint32_t new_gen; /* SACK that newly acked it */
	uint16_t stream, ssn;
	uint8_t flags;	/* DATA_FLAG_B/E/U */
	uint8_t state;	/* enum chunk_state */
	uint8_t pi;	/* path last sent on */
	uint8_t misses; /* miss indications, §7.2.4 */
	bool fast_done; /* fast-retransmitted: ineligible for another */
	uint16_t ntx;	/* transmissions, saturating at UINT16_MAX */
} tx_chunk;

struct tx {
	esctp_mem mem;
	tx_params p;
	uint32_t frag_size;

	/* messages */
	tx_msg *head, *tail;	 /* live list */
	tx_msg *cursor;		 /* first message with bytes not yet sent */
	uint16_t *next_ssn;	 /* per outbound stream */
	size_t queued;		 /* bytes not yet given a TSN */
	size_t buffered;	 /* queued + sent and not cumulatively acked */
	uint32_t nttl;		 /* live messages with a lifetime */
	uint32_t nrtx, nprio;	 /* ... with ESCTP_PR_RTX, ESCTP_PR_PRIO */
	uint32_t prio_max;	 /* upper bound of their priority values */
	esctp_tstamp min_expiry; /* lower bound of the earliest queued expiry */

	/* outstanding chunks: TSNs (cum, next_tsn) */
	tx_chunk *ring;
	uint32_t mask;
	uint32_t cum;	   /* Cumulative TSN Ack Point */
	uint32_t next_tsn; /* next TSN to assign */
	uint32_t gap_hi;   /* highest gap-acked TSN, when ngap > 0 */
	uint32_t ngap, nfast, nt3, nabandoned;
	uint32_t fast_lo, t3_lo; /* no marked chunk below these */
	uint32_t sack_gen;

	/* flow and congestion control */
	uint32_t rwnd;	    /* peer's receive window, §6.2.1 */
	size_t outstanding; /* payload bytes in flight, all paths */
	bool fast_recovery;
	bool fast_allowance; /* §7.2.4 (3): next packet of fast rtx ignores cwnd
			      */
	uint32_t fr_exit;
	uint32_t
	    burst_cap[ESCTP_MAX_PATHS]; /* §6.1 D: flight limit of the burst */
	bool burst_set[ESCTP_MAX_PATHS];
	/* new data sent under burst_cap since the last SACK */
	bool burst_used[ESCTP_MAX_PATHS];
	/* tx_route(): the data path (TX_NO_DEST: any) and the paths a
	 * message's own destination may be */
	uint8_t route_path;
	uint32_t route_usable;
	/* RFC 7053 I bit on every DATA chunk (SHUTDOWN-PENDING) */
	bool sack_immediately;
	bool rtt_pending[ESCTP_MAX_PATHS]; /* §6.3.1 C4: one probe per path */
	uint32_t rtt_tsn[ESCTP_MAX_PATHS];
	esctp_tstamp rto_min, rto_max; /* from the last SACK, 0: unknown */

	/* PR-SCTP, RFC 3758 §3.5 */
	uint32_t adv;	   /* Advanced.Peer.Ack.Point */
	uint32_t fwd_sent; /* new cumulative TSN of the last FORWARD TSN */
	bool fwd_resend;
	esctp_tstamp fwd_time;
	esctp_tstamp srtt_hint; /* last SRTT measured on any path */

	/* SEND_FAILED notices, a ring */
	tx_notice *notes;
	unsigned notes_cap, notes_head, notes_len;

	uint64_t retransmits, msgs_sent, bytes_sent;
	/* messages abandoned by PR-SCTP: [0] unsent, [1] sent; by policy */
	uint64_t abandoned[2][ESCTP_PR_POLICIES];
};

static inline tx_chunk *tx_slot(const tx *t, uint32_t tsn)
{
	return &t->ring[tsn & t->mask];
}

/* Flight/cwnd size of a chunk with len payload bytes. */
static inline uint32_t tx_csize(uint32_t len)
{
	return (uint32_t)chunk_data_size(len);
}

/* True when no TSN is outstanding (everything cumulatively acked). */
static inline bool tx_ring_empty(const tx *t)
{
	return t->next_tsn - 1 == t->cum;
}

/* The room rule of tx_enqueue(): an empty buffer takes any message. */
static inline bool tx_fits(const tx *t, size_t len)
{
	return t->buffered == 0 || t->buffered + len <= t->p.sndbuf;
}

/* A message's PR-SCTP value: ttl_ms under ESCTP_PR_NONE (the older form of
 * timed reliability), pr_value otherwise.  Linux keeps both in
 * sinfo_timetolive. */
static inline uint32_t tx_sndinfo_value(const esctp_sndinfo *info)
{
	return info->pr_policy == ESCTP_PR_NONE ? info->ttl_ms : info->pr_value;
}

/* The path a message's new fragments leave on, TX_NO_DEST for any. */
static inline unsigned tx_msg_path(const tx *t, const tx_msg *m)
{
	if (m->dest != TX_NO_DEST && m->dest < 32 &&
	    (t->route_usable >> m->dest & 1))
		return m->dest;
	return t->route_path;
}

/* tx_queue.c */
int tx_check_msg(const tx *t, const esctp_sndinfo *info, size_t len);
int tx_ring_reserve(tx *t);
void tx_msg_release(tx *t, tx_msg *m); /* frees m when done */
void tx_msg_unlink(tx *t, tx_msg *m);
/* Takes m, unlinked: kept with the notice for its data, or freed. */
void tx_add_notice(tx *t, tx_msg *m, int error);
void tx_cancel_rtt(tx *t, uint32_t tsn); /* Karn: tsn retransmitted */

/* tx_prsctp.c */
static inline bool tx_msg_expired(const tx_msg *m, esctp_tstamp now)
{
	return m->expires != ESCTP_TSTAMP_NEVER && now >= m->expires;
}

/* RFC 7496 §3.1 for chunk x about to be retransmitted: its transmissions so
 * far are the retransmissions it would then have had (Linux:
 * chunk->sent_count > max_retrans). */
static inline bool tx_rtx_exhausted(const tx_chunk *x)
{
	return x->msg->policy == ESCTP_PR_RTX && x->ntx > x->msg->pr_value;
}

/* A chunk marked for retransmission whose message is to be abandoned. */
static inline bool tx_marked_abandon_due(const tx_chunk *x, esctp_tstamp now)
{
	return tx_msg_expired(x->msg, now) || tx_rtx_exhausted(x);
}

void tx_abandon_msg(tx *t, tx_msg *m, path *paths, unsigned npaths);
void tx_abandon_marked(tx *t, path *paths, unsigned npaths, esctp_tstamp now);
void tx_adv_advance(tx *t);
void tx_fwd_after_ack(tx *t, esctp_tstamp now);
void tx_fwd_timer(tx *t, path *paths, unsigned npaths, esctp_tstamp now);

/* tx_send.c */
void tx_take_from_flight(tx *t, path *paths, unsigned npaths, tx_chunk *x);

#endif
