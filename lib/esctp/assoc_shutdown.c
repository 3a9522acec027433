/*
 * assoc_shutdown.c - ending an association: graceful shutdown (RFC 9260
 * §9.2) with T2-shutdown and T5-shutdown-guard, ABORT (§9.1) both ways,
 * ERROR chunks, and the association error counter (§8.1).
 */
#include "assoc.h"

static esctp_tstamp t2_rto(esctp_assoc *a)
{
	return a->paths[assoc_data_path(a)].rto;
}

/* The first cause code of an ABORT or ERROR chunk, 0 when none. */
static uint16_t first_cause(const pkt_chunk *c)
{
	tlv_iter it;
	tlv t;
	tlv_iter_init(&it, c->value, c->value_len);
	return tlv_iter_next(&it, &t) ? t.type : 0;
}

bool sd_count_error(esctp_assoc *a)
{
	/* §8.1: "If the value of this counter exceeds the limit indicated in
	 * the protocol parameter 'Association.Max.Retrans', the endpoint
	 * SHOULD consider the peer endpoint unreachable and SHALL stop
	 * transmitting any more data to it (and thus the association enters
	 * the CLOSED state). In addition, the endpoint SHOULD report the
	 * failure to the upper layer".  The ABORT says why, as the kernel's
	 * does; error 0 on the event means "timed out". */
	if (++a->error_count <= a->ep->cfg.assoc_max_retrans)
		return true;
	static const char why[] = "Association exceeded its max_retrans count";
	assoc_abort_with(a, CAUSE_PROTOCOL_VIOLATION, why, sizeof why - 1,
			 ESCTP_EV_COMM_LOST, 0);
	return false;
}

void sd_progress(esctp_assoc *a, esctp_tstamp now)
{
	const esctp_config *cfg = &a->ep->cfg;
	if (!a->tx || !tx_empty(a->tx))
		return;
	if (a->state == ESCTP_SHUTDOWN_PENDING) {
		/* §9.2: "Once all its outstanding data has been acknowledged,
		 * the endpoint shall send a SHUTDOWN chunk to its peer
		 * including in the Cumulative TSN Ack field the last
		 * sequential TSN it has received from the peer. It SHALL then
		 * start the T2-shutdown timer and enter the SHUTDOWN-SENT
		 * state."  And: "If the 'T5-shutdown-guard' timer is used, it
		 * SHOULD be set to the recommended value of 5 times
		 * 'RTO.Max'." */
		a->state = ESCTP_SHUTDOWN_SENT;
		a->ctl |= CTL_SHUTDOWN;
		a->t2 = ts_add(now, t2_rto(a));
		a->t5 = ts_add(now, 5 * ms_to_ts(cfg->rto_max_ms));
	} else if (a->state == ESCTP_SHUTDOWN_RECEIVED) {
		/* "If there are no more outstanding DATA chunks, the
		 * SHUTDOWN receiver MUST send a SHUTDOWN ACK and start a
		 * T2-shutdown timer of its own, entering the
		 * SHUTDOWN-ACK-SENT state." */
		a->state = ESCTP_SHUTDOWN_ACK_SENT;
		a->ctl |= CTL_SHUTDOWN_ACK;
		a->t2 = ts_add(now, t2_rto(a));
	}
}

int esctp_assoc_shutdown(esctp_assoc *a, esctp_tstamp now)
{
	if (!a)
		return ESCTP_ERR_INVAL;
	switch (a->state) {
	case ESCTP_CLOSED:
		return ESCTP_ERR_CLOSED;
	case ESCTP_COOKIE_WAIT:
	case ESCTP_COOKIE_ECHOED:
		/* §9.2 only speaks of established associations.  Like the
		 * Linux kernel (sctp_sf_cookie_wait_prm_shutdown), stop T1
		 * and drop the TCB without a word to the peer, which learns
		 * through §8.4 if it got as far as a TCB.  Queued messages
		 * fail; the host gets SHUTDOWN_COMP as the terminal event. */
		assoc_close(a, ESCTP_EV_SHUTDOWN_COMP, 0, 0);
		return 0;
	case ESCTP_ESTABLISHED:
		/* §9.2: "Upon receipt of the SHUTDOWN primitive from its
		 * upper layer, the endpoint enters the SHUTDOWN-PENDING state
		 * and remains there until all outstanding data has been
		 * acknowledged by its peer." */
		a->state = ESCTP_SHUTDOWN_PENDING;
		tx_set_sack_immediately(a->tx, true);
		sd_progress(a, now);
		assoc_touch(a, now);
		return 0;
	default:
		/* Already under way; §9.2: "Once an endpoint has reached the
		 * SHUTDOWN-RECEIVED state, it MUST NOT send a SHUTDOWN in
		 * response to a ULP request". */
		return 0;
	}
}

int esctp_assoc_abort(esctp_assoc *a, const char *reason, esctp_tstamp now)
{
	if (!a)
		return ESCTP_ERR_INVAL;
	if (!assoc_live(a))
		return ESCTP_ERR_CLOSED;
	/* §9.1: the ABORT carries a "User-Initiated Abort" cause with the
	 * upper layer's reason. */
	size_t len = reason ? strnlen(reason, 256) : 0;
	esctp_event_type ev = a->state <= ESCTP_COOKIE_ECHOED
				  ? ESCTP_EV_CANT_START
				  : ESCTP_EV_COMM_LOST;
	assoc_abort_with(a, CAUSE_USER_ABORT, reason, len, ev,
			 ESCTP_ERR_CLOSED);
	(void)now;
	return 0;
}

static void cum_ack(esctp_assoc *a, uint32_t cum, esctp_tstamp now)
{
	tx_ack ack;
	memset(&ack, 0, sizeof ack);
	tx_on_cum_ack(a->tx, cum, a->paths, a->npaths, now, &ack);
	assoc_drain_notices(a);
	data_after_ack(a, &ack, now);
}

void sd_on_shutdown(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx)
{
	uint32_t cum;
	if (!a->tx || a->state < ESCTP_ESTABLISHED)
		return;
	if (chunk_u32_decode(c, &cum) < 0) {
		cx->stop = true;
		return;
	}
	switch (a->state) {
	case ESCTP_ESTABLISHED:
	case ESCTP_SHUTDOWN_PENDING:
		/* §9.2: "Upon reception of the SHUTDOWN, the peer endpoint
		 * shall enter the SHUTDOWN-RECEIVED state, stop accepting new
		 * data from its SCTP user, and verify, by checking the
		 * Cumulative TSN Ack field of the chunk, that all its
		 * outstanding DATA chunks have been received by the SHUTDOWN
		 * sender." */
		a->state = ESCTP_SHUTDOWN_RECEIVED;
		assoc_event(a, ESCTP_EV_SHUTDOWN, 0, 0);
		cum_ack(a, cum, cx->now);
		break;
	case ESCTP_SHUTDOWN_SENT:
		/* "If an endpoint is in the SHUTDOWN-SENT state and receives
		 * a SHUTDOWN chunk from its peer, the endpoint shall respond
		 * immediately with a SHUTDOWN ACK to its peer and move into
		 * the SHUTDOWN-ACK-SENT state, restarting its T2-shutdown
		 * timer." */
		cum_ack(a, cum, cx->now);
		if (!assoc_live(a))
			break;
		a->state = ESCTP_SHUTDOWN_ACK_SENT;
		a->ctl = (uint8_t)((a->ctl & ~CTL_SHUTDOWN) | CTL_SHUTDOWN_ACK);
		a->t2 = ts_add(cx->now, t2_rto(a));
		assoc_event(a, ESCTP_EV_SHUTDOWN, 0, 0);
		break;
	case ESCTP_SHUTDOWN_RECEIVED:
		cum_ack(a, cum, cx->now);
		break;
	default:
		break;
	}
}

void sd_on_shutdown_ack(esctp_assoc *a, in_ctx *cx)
{
	wbuf w;
	if (a->state != ESCTP_SHUTDOWN_SENT &&
	    a->state != ESCTP_SHUTDOWN_ACK_SENT)
		return;
	/* §9.2: "Upon the receipt of the SHUTDOWN ACK, the SHUTDOWN sender
	 * shall stop the T2-shutdown timer, send a SHUTDOWN COMPLETE chunk
	 * to its peer, and remove all record of the association."  In
	 * SHUTDOWN-ACK-SENT (simultaneous shutdown) the same: "it shall stop
	 * the T2-shutdown timer, send a SHUTDOWN COMPLETE chunk to its peer,
	 * and remove all record of the association." */
	if (ep_reply_begin(a->ep, &w, false)) {
		out_header(a, &w);
		chunk_put_empty(&w, CT_SHUTDOWN_COMPLETE, 0);
		pkt_finish(&w);
		ep_reply_commit(a->ep, &w, cx->src, cx->dst);
	}
	assoc_close(a, ESCTP_EV_SHUTDOWN_COMP, 0, 0);
}

void sd_on_shutdown_complete(esctp_assoc *a, in_ctx *cx)
{
	(void)cx;
	/* §9.2: "the endpoint verifies that it is in the SHUTDOWN-ACK-SENT
	 * state; if it is not, the chunk SHOULD be discarded. If the
	 * endpoint is in the SHUTDOWN-ACK-SENT state, the endpoint SHOULD
	 * stop the T2-shutdown timer and remove all knowledge of the
	 * association". */
	if (a->state == ESCTP_SHUTDOWN_ACK_SENT)
		assoc_close(a, ESCTP_EV_SHUTDOWN_COMP, 0, 0);
}

void sd_on_abort(esctp_assoc *a, const pkt_chunk *c)
{
	/* §9.1: "Upon receipt of the ABORT chunk, the receiving endpoint
	 * MUST NOT send any further ABORT chunks ... and remove the
	 * association" -- an ABORT answering our INIT means refused. */
	esctp_event_type ev = a->state <= ESCTP_COOKIE_ECHOED
				  ? ESCTP_EV_CANT_START
				  : ESCTP_EV_COMM_LOST;
	assoc_close_causes(a, ev, ESCTP_ERR_CLOSED, first_cause(c), c->value,
			   c->value_len);
}

void sd_on_error(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx)
{
	tlv_iter it;
	tlv t;
	tlv_iter_init(&it, c->value, c->value_len);
	while (tlv_iter_next(&it, &t)) {
		if (t.type == CAUSE_STALE_COOKIE && t.value_len >= 4 &&
		    a->state == ESCTP_COOKIE_ECHOED) {
			hs_on_stale_cookie(a, get32(t.value), cx->now);
			return;
		}
	}
	assoc_event(a, ESCTP_EV_REMOTE_ERROR, 0, first_cause(c));
}

/* ---- timers ---- */

void sd_t2_expire(esctp_assoc *a, esctp_tstamp now)
{
	a->t2 = ESCTP_TSTAMP_NEVER;
	if (a->state != ESCTP_SHUTDOWN_SENT &&
	    a->state != ESCTP_SHUTDOWN_ACK_SENT)
		return;
	/* §9.2: "If the timer expires, the endpoint MUST resend the SHUTDOWN
	 * with the updated last sequential TSN received from its peer. The
	 * rules in Section 6.3 MUST be followed to determine the proper
	 * timer value for T2-shutdown."  Its retransmissions count against
	 * Association.Max.Retrans; a strike on the path lets it fail over. */
	unsigned p = assoc_data_path(a);
	path_backoff(&a->paths[p], ms_to_ts(a->ep->cfg.rto_max_ms));
	path_strike(a, p, now);
	if (!assoc_live(a) || !sd_count_error(a))
		return;
	a->ctl |=
	    a->state == ESCTP_SHUTDOWN_SENT ? CTL_SHUTDOWN : CTL_SHUTDOWN_ACK;
	a->t2 = ts_add(now, t2_rto(a));
}

void sd_t5_expire(esctp_assoc *a, esctp_tstamp now)
{
	(void)now;
	a->t5 = ESCTP_TSTAMP_NEVER;
	/* §9.2: "At the expiration of this timer, the sender SHOULD abort
	 * the association by sending an ABORT chunk." */
	if (a->state == ESCTP_SHUTDOWN_SENT ||
	    a->state == ESCTP_SHUTDOWN_ACK_SENT)
		assoc_abort_with(a, 0, NULL, 0, ESCTP_EV_COMM_LOST, 0);
}
