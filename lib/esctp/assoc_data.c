/*
 * assoc_data.c - glue between the association and its rx / tx halves:
 * DATA, SACK and FORWARD TSN chunks in, the user's send / recv calls, the
 * messages queued before the handshake finished, and SENDER_DRY.
 */
#include "assoc.h"

static bool can_receive(const esctp_assoc *a)
{
	return a->rx && a->state >= ESCTP_COOKIE_ECHOED;
}

/* Where a reply to this packet goes (§6.4). */
static uint8_t reply_path(const esctp_assoc *a, const in_ctx *cx)
{
	return cx->pi != NO_PATH ? cx->pi : a->primary;
}

/* The ack clock with a batching host.  A host reads several packets before
 * it asks for output; left alone, the SACK that became due after the second
 * of them (§6.2: "a SACK chunk SHOULD be generated for at least every
 * second packet ... received") would be folded into one SACK for the whole
 * batch, and the sender, whose cwnd grows by at most one MTU per SACK
 * (§7.2.1) and whose bursts are limited per SACK (§6.1 D), would be held to
 * a few packets per round trip.  So when DATA arrives while a SACK is due
 * and unsent, that SACK leaves now, as the kernel's would have, through the
 * reply queue; the last one of a batch still waits for output, where it can
 * ride with DATA. */
static void sack_if_due(esctp_assoc *a, const in_ctx *cx)
{
	wbuf w;
	if (cx->had_data || a->state < ESCTP_ESTABLISHED ||
	    !rx_sack_now(a->rx) || a->sack_path >= a->npaths)
		return;
	if (!ep_reply_begin(a->ep, &w, false))
		return;
	out_header(a, &w);
	rx_put_sack(a->rx, &w);
	pkt_finish(&w);
	ep_reply_commit(a->ep, &w, &a->paths[a->sack_path].addr, NULL);
	a->packets_sent++;
}

void data_on_data(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx)
{
	chunk_data d;
	if (!can_receive(a))
		return;
	if (chunk_data_decode(c, &d) < 0) {
		cx->stop = true;
		return;
	}
	/* §6.2: "If an endpoint receives a DATA chunk with no user data
	 * (i.e., the Length field is set to 16), it MUST send an ABORT with
	 * an error cause set to 'No User Data'." */
	if (d.len == 0) {
		uint8_t v[4];
		put32(v, d.tsn);
		assoc_abort_with(a, CAUSE_NO_USER_DATA, v, 4,
				 ESCTP_EV_COMM_LOST, ESCTP_ERR_PROTO);
		cx->stop = true;
		return;
	}
	sack_if_due(a, cx);
	cx->had_data = true;
	a->sack_path = reply_path(a, cx);
	if (d.flags & DATA_FLAG_I)
		cx->immediate = true;
	switch (rx_data(a->rx, &d, cx->now)) {
	case RX_NEW:
		a->bytes_received += d.len;
		break;
	case RX_BAD_STREAM: {
		/* §6.5: "it SHOULD acknowledge the reception of the DATA
		 * chunk following the normal procedure, immediately send an
		 * ERROR chunk with cause set to 'Invalid Stream Identifier'
		 * ... and discard the DATA chunk." */
		uint8_t v[4];
		put16(v, d.stream);
		put16(v + 2, 0);
		in_add_cause(cx, CAUSE_INVALID_STREAM, v, 4, NULL, 0);
		cx->immediate = true;
		break;
	}
	default: /* RX_DUP, RX_DROPPED: report at once */
		cx->immediate = true;
		break;
	}
	assoc_drain_notices(a);
}

void data_on_sack(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx)
{
	const esctp_config *cfg = &a->ep->cfg;
	chunk_sack s;
	tx_ack ack;
	if (!a->tx || a->state < ESCTP_COOKIE_ECHOED)
		return;
	if (chunk_sack_decode(c, &s) < 0) {
		cx->stop = true;
		return;
	}
	memset(&ack, 0, sizeof ack);
	tx_on_sack(a->tx, &s, a->paths, a->npaths, ms_to_ts(cfg->rto_min_ms),
		   ms_to_ts(cfg->rto_max_ms), cx->now, &ack);
	assoc_drain_notices(a);
	if (ack.protocol_violation) {
		/* The peer acked a TSN we never sent: nothing it says can
		 * be trusted any more. */
		static const char why[] = "SACK acks a TSN never sent";
		assoc_abort_with(a, CAUSE_PROTOCOL_VIOLATION, why,
				 sizeof why - 1, ESCTP_EV_COMM_LOST,
				 ESCTP_ERR_PROTO);
		cx->stop = true;
		return;
	}
	data_after_ack(a, &ack, cx->now);
}

void data_after_ack(esctp_assoc *a, const tx_ack *ack, esctp_tstamp now)
{
	if (ack->ignored)
		return;
	/* §8.1: the association error counter "SHOULD be reset each time a
	 * DATA chunk sent to that peer endpoint is acknowledged". */
	if (ack->new_ack)
		a->error_count = 0;
	if (ack->acked_paths)
		path_on_acked(a, ack->acked_paths, now);
	if (a->rtx_path != NO_PATH && !tx_has_retransmits(a->tx))
		a->rtx_path = NO_PATH;
	if (a->dry_armed && tx_empty(a->tx)) {
		a->dry_armed = false;
		assoc_event(a, ESCTP_EV_SENDER_DRY, 0, 0);
	}
	sd_progress(a, now);
}

void data_on_fwdtsn(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx)
{
	chunk_fwdtsn f;
	if (!can_receive(a))
		return;
	if (chunk_fwdtsn_decode(c, &f) < 0) {
		cx->stop = true;
		return;
	}
	a->sack_path = reply_path(a, cx);
	rx_forward_tsn(a->rx, &f, cx->now);
	cx->had_data = true;
	assoc_drain_notices(a);
}

void data_packet_done(esctp_assoc *a, in_ctx *cx)
{
	const esctp_config *cfg = &a->ep->cfg;
	if (!a->rx || !cx->had_data)
		return;
	rx_packet_done(a->rx, true, cx->immediate, cfg->sack_freq,
		       ms_to_ts(cfg->sack_delay_ms), cx->now);
	/* §9.2: "While in the SHUTDOWN-SENT state, the SHUTDOWN sender MUST
	 * immediately respond to each received packet containing one or
	 * more DATA chunks with a SHUTDOWN chunk and restart the
	 * T2-shutdown timer." */
	if (a->state == ESCTP_SHUTDOWN_SENT) {
		a->ctl |= CTL_SHUTDOWN;
		a->t2 = ts_add(cx->now, a->paths[a->hs_path].rto);
	}
}

/* ---- messages queued before the peer's limits are known ---- */

void data_pre_fail(esctp_assoc *a)
{
	pre_msg *m;
	while ((m = a->pre_head) != NULL) {
		a->pre_head = m->next;
		esctp_event ev;
		memset(&ev, 0, sizeof ev);
		ev.type = ESCTP_EV_SEND_FAILED;
		ev.assoc = a;
		ev.error = ESCTP_ERR_CLOSED;
		ev.stream = m->info.stream;
		ev.ppid = m->info.ppid;
		ev.len = m->len;
		ev.context = m->info.context;
		ev_data d = {m, m->data, m->len};
		ev_post_with(a->ep, &ev, &d);
	}
	a->pre_tail = NULL;
	a->pre_bytes = 0;
}

static int pre_enqueue(esctp_assoc *a, const esctp_sndinfo *info,
		       const void *data, size_t len)
{
	const esctp_config *cfg = &a->ep->cfg;
	if (info->stream >= cfg->out_streams)
		return ESCTP_ERR_STREAM;
	/* The same rule as tx: an empty buffer takes any message. */
	if (a->pre_bytes && a->pre_bytes + len > cfg->sndbuf)
		return ESCTP_ERR_AGAIN;
	pre_msg *m = mem_alloc(&a->ep->mem, sizeof *m + len);
	if (!m)
		return ESCTP_ERR_NOMEM;
	m->next = NULL;
	m->info = *info;
	m->len = (uint32_t)len;
	if (len)
		memcpy(m->data, data, len);
	if (a->pre_tail)
		a->pre_tail->next = m;
	else
		a->pre_head = m;
	a->pre_tail = m;
	a->pre_bytes += (uint32_t)len;
	return 0;
}

/* ---- the user's side ---- */

int esctp_assoc_send(esctp_assoc *a, const esctp_sndinfo *info,
		     const void *data, size_t len, esctp_tstamp now)
{
	if (!a || !info || (!data && len))
		return ESCTP_ERR_INVAL;
	/* §9.2: after SHUTDOWN is asked for or received, the endpoint
	 * "MUST NOT accept new data from its SCTP user". */
	if (a->state != ESCTP_COOKIE_WAIT && a->state != ESCTP_COOKIE_ECHOED &&
	    a->state != ESCTP_ESTABLISHED)
		return ESCTP_ERR_STATE;
	if (len == 0)
		return ESCTP_ERR_INVAL; /* DATA must carry user data (§6.2) */
	if (len > a->ep->cfg.max_message)
		return ESCTP_ERR_MSGSIZE;
	if (info->pr_policy > ESCTP_PR_PRIO)
		return ESCTP_ERR_INVAL;
	int dest = assoc_msg_dest(a, info);
	if (dest < 0)
		return ESCTP_ERR_INVAL;
	/* Before the handshake PR-SCTP is not known to be on: nothing is
	 * abandoned for room (Linux's prsctp_capable is false then too). */
	bool pruned =
	    a->tx && tx_make_room(a->tx, info, len, a->paths, a->npaths, now);
	if (pruned)
		assoc_drain_notices(a);
	int rc =
	    a->tx ? tx_enqueue_to(a->tx, info, data, len, (unsigned)dest, now)
		  : pre_enqueue(a, info, data, len);
	if (rc == 0)
		a->dry_armed = true;
	if (rc == 0 || pruned)
		assoc_touch(a, now);
	return rc;
}

size_t esctp_assoc_send_space(const esctp_assoc *a)
{
	if (!a || a->state == ESCTP_CLOSED || a->state > ESCTP_ESTABLISHED)
		return 0;
	if (a->tx)
		return tx_space(a->tx);
	uint32_t sndbuf = a->ep->cfg.sndbuf;
	return a->pre_bytes >= sndbuf ? 0 : sndbuf - a->pre_bytes;
}

int esctp_assoc_recv(esctp_assoc *a, void *buf, size_t len, esctp_rcvinfo *info)
{
	if (!a)
		return ESCTP_ERR_INVAL;
	if (!a->rx || !rx_readable(a->rx))
		return a->state == ESCTP_CLOSED ? ESCTP_ERR_CLOSED
						: ESCTP_ERR_AGAIN;
	if (!buf && len)
		return ESCTP_ERR_INVAL;
	esctp_rcvinfo tmp;
	int n = rx_read(a->rx, buf, len, info ? info : &tmp);
	if (n >= 0 && info)
		info->cumtsn = rx_cum_tsn(a->rx);
	/* Reading may have opened the window enough for an update SACK;
	 * the host's next output() sends it. */
	if (n >= 0 && assoc_live(a) && rx_sack_now(a->rx))
		ep_outq_add(a->ep, a);
	return n;
}

size_t esctp_assoc_recv_pending(const esctp_assoc *a)
{
	return a && a->rx ? rx_readable(a->rx) : 0;
}

void esctp_assoc_set_pd_point(esctp_assoc *a, uint32_t bytes)
{
	if (!a)
		return;
	/* Kept: the receive side is made when the handshake ends (and made
	 * again at a restart). */
	a->pd_point = bytes;
	if (a->rx)
		rx_set_pd_point(a->rx, bytes);
}
