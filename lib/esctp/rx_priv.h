/*
 * rx_priv.h - the receiver's internals, shared by its three files:
 *   rx.c        creation, DATA intake, delivery to the ready list, reading
 *   rx_tsn.c    TSN ranges above the cumulative TSN, duplicates, SACK
 *   rx_reasm.c  reassembly, partial delivery, reneging, FORWARD TSN
 * Nothing here is used outside those files.
 *
 * Where a received chunk lives (each payload is one allocation, rxc):
 *   pending   fragments of messages not yet complete, sorted by TSN;
 *   waiting   complete ordered messages whose SSN is not yet next, one
 *             list per stream sorted by SSN (array allocated on first use);
 *   ready     readable chunks in delivery order, messages contiguous; while
 *             a message is partially delivered, what follows its last
 *             received fragment (pd_last) is "blocked".
 */
#ifndef ESCTP_RX_PRIV_H
#define ESCTP_RX_PRIV_H

#include "rx.h"

#define RX_MAX_DUPS 32	   /* duplicate TSNs kept for the next SACK */
#define RX_MAX_GAPS 256	   /* TSN ranges kept above the cumulative TSN */
#define RX_MAX_NOTICES 32  /* bounded notice queue */
#define RX_TSN_SLACK 65536 /* TSNs accepted beyond rcvbuf ahead of cum */

typedef struct rxc rxc;
struct rxc {
	rxc *next; /* pending: by TSN; message chain; ready list */
	union {
		struct {
			rxc *prev; /* previous by TSN */
			rxc *head; /* B chunk of the contiguous run, or NULL */
		} p;		   /* while in the pending list */
		struct {
			rxc *prev, *next;
		} w; /* message head in a (circular) waiting list */
	};
	rxc *last;	/* run head / message head: last fragment */
	uint32_t bytes; /* run head / message head: payload bytes to last */
	uint32_t tsn;
	uint32_t ppid;
	uint32_t len;
	uint16_t stream, ssn;
	uint8_t flags; /* DATA_FLAG_B, _E, _U */
	uint8_t data[];
};

typedef struct rx_range {
	uint32_t start, end; /* inclusive, both above cum + 1 */
} rx_range;

struct rx {
	esctp_mem mem;
	uint32_t cum; /* cumulative TSN ack point */
	uint32_t rcvbuf;
	uint32_t pd_point; /* partial delivery from this many bytes; 0: none */
	uint32_t tsn_limit; /* farthest plausible TSN ahead of cum */
	size_t held;	    /* payload bytes stored and unread */
	size_t ready;	    /* unread bytes in the ready list */
	size_t blocked;	    /* of those, bytes behind the partial delivery */

	rx_range *gaps; /* sorted, disjoint, not adjacent; NULL until needed */
	uint16_t ngaps, gcap;
	uint8_t ndups;
	uint32_t dups[RX_MAX_DUPS];

	rxc *pend_first, *pend_last;
	rxc *rq_head, *rq_tail;
	uint32_t rd_off; /* bytes of rq_head already read */
	rxc **wait;	 /* nstreams list heads, NULL until needed */

	/* partial delivery of one message */
	bool pd;
	uint8_t pd_flags;
	uint16_t pd_stream, pd_ssn;
	uint32_t pd_first; /* TSN of its first fragment */
	uint32_t pd_next;  /* TSN of its next fragment */
	rxc *pd_last;	   /* its last fragment in the ready list, NULL once
			      read (it is then at the front) */

	rx_notice *nq; /* ring of RX_MAX_NOTICES, NULL until needed */
	uint8_t nq_head, nq_len;

	/* SACK state */
	bool sack_now;
	bool imm;      /* this packet asks for an immediate SACK */
	uint16_t pkts; /* packets with DATA since the last SACK */
	uint32_t last_rwnd;
	esctp_tstamp sack_deadline;

	uint16_t nstreams;
	uint16_t next_ssn[]; /* per inbound stream */
};

/* rx_tsn.c */
bool rx_tsn_seen(const rx *r, uint32_t tsn);
/* Records tsn (above cum, not seen) as received; 0, or -1 when it would
 * need one range more than RX_MAX_GAPS (or memory). */
int rx_tsn_add(rx *r, uint32_t tsn);
/* Forgets tsn (reneging); 0, or -1 when the range split does not fit. */
int rx_tsn_remove(rx *r, uint32_t tsn);
/* Moves cum to new_cum (ahead of cum) and absorbs the ranges it reaches. */
void rx_tsn_forward(rx *r, uint32_t new_cum);
uint32_t rx_tsn_highest(const rx *r);
void rx_dup_add(rx *r, uint32_t tsn);

/* rx.c */
void rx_chunk_free(rx *r, rxc *c);
void rx_free_chain(rx *r, rxc *c);
/* A complete message (chain h .. h->last, h->bytes) to deliver now, to
 * keep waiting for its SSN, or to drop when its SSN is behind. */
void rx_deliver(rx *r, rxc *h);
/* Appends a chain to the ready list without any notice. */
void rx_ready_append(rx *r, rxc *h, rxc *z, size_t bytes);
/* Moves the waiting messages of stream s that are next to the ready list. */
void rx_drain(rx *r, uint16_t s);
rxc *rx_wait_pop(rx *r, uint16_t s);
void rx_notice_push(rx *r, int type, const rxc *c, uint32_t flags,
		    uint32_t len);
/* Emits DATA notices for the complete messages from c to the list end. */
void rx_notice_msgs(rx *r, rxc *c);

/* rx_reasm.c */
void rx_reasm_add(rx *r, rxc *c);
/* Drops pending fragments from the highest TSN down while the window is
 * full and they are above tsn (RFC 9260 §6.2). */
void rx_renege(rx *r, uint32_t tsn);
/* Discards what can no longer complete, then starts a partial delivery
 * when one is due.  Called after every change. */
void rx_settle(rx *r);
void rx_pend_free_all(rx *r);

#endif
