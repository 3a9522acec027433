/*
 * tx_queue.c - the send queue: creating the sender, queueing user messages
 * (copied once), the outstanding-chunk ring, SEND_FAILED notices and the
 * counters.
 */
#include "tx_impl.h"

#define RING_INITIAL 64u
/* Default fragment: a 1452-byte packet (1500 less IPv6 and UDP) less the
 * common header and the DATA chunk header. */
#define FRAG_DEFAULT (1452u - PKT_HEADER_LEN - DATA_HEADER_LEN)

tx *tx_new(const esctp_mem *m, const tx_params *p)
{
	tx *t = mem_calloc(m, 1, sizeof(*t));
	if (!t)
		return NULL;
	t->mem = *m;
	t->p = *p;
	if (t->p.nstreams == 0)
		t->p.nstreams = 1;
	t->next_ssn = mem_calloc(m, t->p.nstreams, sizeof(uint16_t));
	t->ring = mem_calloc(m, RING_INITIAL, sizeof(tx_chunk));
	if (!t->next_ssn || !t->ring) {
		tx_free(t);
		return NULL;
	}
	t->mask = RING_INITIAL - 1;
	t->frag_size = FRAG_DEFAULT;
	t->next_tsn = p->initial_tsn;
	t->cum = p->initial_tsn - 1;
	t->adv = t->cum;
	t->fwd_sent = t->cum;
	t->gap_hi = t->cum;
	t->fast_lo = t->t3_lo = p->initial_tsn;
	t->rwnd = p->peer_rwnd;
	t->min_expiry = ESCTP_TSTAMP_NEVER;
	t->route_path = TX_NO_DEST;
	return t;
}

static void free_all_msgs(tx *t)
{
	tx_msg *m = t->head;
	while (m) {
		tx_msg *n = m->next;
		mem_free(&t->mem, m);
		m = n;
	}
	t->head = t->tail = t->cursor = NULL;
}

void tx_free(tx *t)
{
	if (!t)
		return;
	free_all_msgs(t);
	mem_free(&t->mem, t->next_ssn);
	mem_free(&t->mem, t->ring);
	for (unsigned i = 0; i < t->notes_len; i++)
		mem_free(&t->mem,
			 t->notes[(t->notes_head + i) % t->notes_cap].buf);
	mem_free(&t->mem, t->notes);
	mem_free(&t->mem, t);
}

int tx_check_msg(const tx *t, const esctp_sndinfo *info, size_t len)
{
	if (info->stream >= t->p.nstreams)
		return ESCTP_ERR_STREAM;
	if (len > t->p.max_message || len > UINT32_MAX - sizeof(tx_msg))
		return ESCTP_ERR_MSGSIZE;
	if (len == 0)
		return ESCTP_ERR_INVAL; /* a DATA chunk cannot be empty */
	if (info->pr_policy > ESCTP_PR_PRIO)
		return ESCTP_ERR_INVAL;
	return 0;
}

/* The message's PR-SCTP policy.  Without the peer's support it stays fully
 * reliable: as Linux (sctp_chunk_abandoned() checks prsctp_capable first),
 * nothing is abandoned that a peer cannot be told to skip. */
static void set_policy(tx *t, tx_msg *m, const esctp_sndinfo *info,
		       esctp_tstamp now)
{
	m->expires = ESCTP_TSTAMP_NEVER;
	if (!t->p.prsctp)
		return;
	m->policy = info->pr_policy;
	m->pr_value = tx_sndinfo_value(info);
	switch (m->policy) {
	case ESCTP_PR_NONE:
	case ESCTP_PR_TTL:
		if (m->pr_value == 0)
			break;
		m->expires = ts_add(now, ms_to_ts(m->pr_value));
		t->nttl++;
		t->min_expiry = ts_min(t->min_expiry, m->expires);
		break;
	case ESCTP_PR_RTX:
		t->nrtx++;
		break;
	default:
		if (t->nprio++ == 0 || m->pr_value > t->prio_max)
			t->prio_max = m->pr_value;
		break;
	}
}

int tx_enqueue(tx *t, const esctp_sndinfo *info, const void *data, size_t len,
	       esctp_tstamp now)
{
	return tx_enqueue_to(t, info, data, len, TX_NO_DEST, now);
}

int tx_enqueue_to(tx *t, const esctp_sndinfo *info, const void *data,
		  size_t len, unsigned dest, esctp_tstamp now)
{
	int rc = tx_check_msg(t, info, len);
	if (rc < 0)
		return rc;
	if (!tx_fits(t, len))
		return ESCTP_ERR_AGAIN;
	tx_msg *m = mem_alloc(&t->mem, sizeof(*m) + len);
	if (!m)
		return ESCTP_ERR_NOMEM;
	memset(m, 0, sizeof(*m));
	memcpy(m->data, data, len);
	m->len = (uint32_t)len;
	m->ppid = info->ppid;
	m->context = info->context;
	m->stream = info->stream;
	m->flags = (info->flags & ESCTP_UNORDERED) ? MSG_UNORDERED : 0;
	if (info->flags & ESCTP_SACK_NOW)
		m->flags |= MSG_SACK_NOW;
	m->dest = dest < TX_NO_DEST ? (uint8_t)dest : TX_NO_DEST;
	set_policy(t, m, info, now);
	m->prev = t->tail;
	if (t->tail)
		t->tail->next = m;
	else
		t->head = m;
	t->tail = m;
	if (!t->cursor)
		t->cursor = m;
	t->queued += len;
	t->buffered += len;
	return 0;
}

size_t tx_space(const tx *t)
{
	if (t->buffered == 0)
		return t->p.max_message;
	return t->buffered < t->p.sndbuf ? t->p.sndbuf - t->buffered : 0;
}

void tx_route(tx *t, unsigned data_path, uint32_t usable)
{
	t->route_path =
	    data_path < TX_NO_DEST ? (uint8_t)data_path : TX_NO_DEST;
	t->route_usable = usable;
}

void tx_set_frag_size(tx *t, uint32_t bytes)
{
	t->frag_size = bytes ? bytes : 1;
}

void tx_msg_unlink(tx *t, tx_msg *m)
{
	if (t->cursor == m)
		t->cursor = m->next;
	if (m->prev)
		m->prev->next = m->next;
	else
		t->head = m->next;
	if (m->next)
		m->next->prev = m->prev;
	else
		t->tail = m->prev;
	/* min_expiry is only a lower bound (tx_expire() makes it exact); with
	 * no lifetime left it resets. */
	if (m->expires != ESCTP_TSTAMP_NEVER && --t->nttl == 0)
		t->min_expiry = ESCTP_TSTAMP_NEVER;
	if (m->policy == ESCTP_PR_RTX)
		t->nrtx--;
	else if (m->policy == ESCTP_PR_PRIO)
		t->nprio--;
}

/* Called when a ring entry stops referencing m.  The message is freed once
 * every byte has a TSN and no fragment is left in the ring. */
void tx_msg_release(tx *t, tx_msg *m)
{
	m->refs--;
	if (m->refs == 0 && m->sent == m->len) {
		tx_msg_unlink(t, m);
		mem_free(&t->mem, m);
	}
}

/* Grows the ring when it is full.  Returns 0 or ESCTP_ERR_NOMEM. */
int tx_ring_reserve(tx *t)
{
	uint32_t count = t->next_tsn - t->cum - 1;
	if (count <= t->mask)
		return 0;
	uint32_t cap = (t->mask + 1) * 2;
	if (cap == 0)
		return ESCTP_ERR_NOMEM;
	tx_chunk *r = mem_alloc(&t->mem, (size_t)cap * sizeof(*r));
	if (!r)
		return ESCTP_ERR_NOMEM;
	for (uint32_t tsn = t->cum + 1; tsn != t->next_tsn; tsn++)
		r[tsn & (cap - 1)] = *tx_slot(t, tsn);
	mem_free(&t->mem, t->ring);
	t->ring = r;
	t->mask = cap - 1;
	return 0;
}

void tx_cancel_rtt(tx *t, uint32_t tsn)
{
	/* RFC 9260 §6.3.1 C5: "RTT measurements SHOULD only be made using a
	 * chunk with TSN r if no chunk with TSN less than or equal to r is
	 * retransmitted since r is first sent." */
	for (unsigned i = 0; i < ESCTP_MAX_PATHS; i++)
		if (t->rtt_pending[i] && tsn_le(tsn, t->rtt_tsn[i]))
			t->rtt_pending[i] = false;
}

void tx_take_from_flight(tx *t, path *paths, unsigned npaths, tx_chunk *x)
{
	uint32_t sz = tx_csize(x->len);
	if (x->pi < npaths) {
		path *p = &paths[x->pi];
		p->flight = p->flight > sz ? p->flight - sz : 0;
	}
	t->outstanding = t->outstanding > x->len ? t->outstanding - x->len : 0;
}

/* ---- notices ---- */

void tx_add_notice(tx *t, tx_msg *m, int error)
{
	if (t->notes_len == t->notes_cap) {
		unsigned cap = t->notes_cap ? t->notes_cap * 2 : 16;
		tx_notice *n = mem_alloc(&t->mem, cap * sizeof(*n));
		if (!n) {
			/* out of memory: the notice is lost, not the tx */
			mem_free(&t->mem, m);
			return;
		}
		for (unsigned i = 0; i < t->notes_len; i++)
			n[i] = t->notes[(t->notes_head + i) % t->notes_cap];
		mem_free(&t->mem, t->notes);
		t->notes = n;
		t->notes_cap = cap;
		t->notes_head = 0;
	}
	tx_notice *n = &t->notes[(t->notes_head + t->notes_len) % t->notes_cap];
	n->error = error;
	n->stream = m->stream;
	n->ppid = m->ppid;
	n->len = m->len;
	n->context = m->context;
	n->sent = m->nfrags > 0;
	/* RFC 6458 §6.1.11: ssf_data is "The undelivered message or part
	 * of undelivered message"; Linux gives the fragments still queued
	 * or unacknowledged, which here is what follows the cumulatively
	 * acknowledged prefix. */
	n->buf = m;
	n->data = m->data + m->acked;
	n->dlen = m->len - m->acked;
	t->notes_len++;
}

bool tx_next_notice(tx *t, tx_notice *n)
{
	if (t->notes_len == 0)
		return false;
	*n = t->notes[t->notes_head];
	t->notes_head = (t->notes_head + 1) % t->notes_cap;
	t->notes_len--;
	return true;
}

void tx_fail_all(tx *t)
{
	tx_msg *m = t->head;
	t->head = t->tail = t->cursor = NULL;
	while (m) {
		tx_msg *next = m->next;
		tx_add_notice(t, m, ESCTP_ERR_CLOSED);
		m = next;
	}
	t->cum = t->next_tsn - 1;
	t->adv = t->fwd_sent = t->gap_hi = t->cum;
	t->ngap = t->nfast = t->nt3 = t->nabandoned = 0;
	t->queued = t->buffered = t->outstanding = 0;
	t->nttl = t->nrtx = t->nprio = 0;
	t->min_expiry = ESCTP_TSTAMP_NEVER;
	t->fast_recovery = t->fast_allowance = t->fwd_resend = false;
	memset(t->rtt_pending, 0, sizeof(t->rtt_pending));
}

/* ---- counters ---- */

bool tx_empty(const tx *t)
{
	return !t->head && tx_ring_empty(t);
}

bool tx_nothing_outstanding(const tx *t)
{
	return tx_ring_empty(t);
}

uint32_t tx_cum_ack(const tx *t)
{
	return t->cum;
}

uint32_t tx_peer_rwnd(const tx *t)
{
	return t->rwnd;
}

uint32_t tx_outstanding_chunks(const tx *t)
{
	return (t->next_tsn - 1 - t->cum) - t->ngap - t->nabandoned;
}

size_t tx_queued_bytes(const tx *t)
{
	return t->queued;
}

uint64_t tx_retransmits(const tx *t)
{
	return t->retransmits;
}

uint64_t tx_msgs_sent(const tx *t)
{
	return t->msgs_sent;
}

uint64_t tx_bytes_sent(const tx *t)
{
	return t->bytes_sent;
}

void tx_abandoned(const tx *t, uint64_t unsent[ESCTP_PR_POLICIES],
		  uint64_t sent[ESCTP_PR_POLICIES])
{
	for (unsigned i = 0; i < ESCTP_PR_POLICIES; i++) {
		unsent[i] = t->abandoned[0][i];
		sent[i] = t->abandoned[1][i];
	}
}
