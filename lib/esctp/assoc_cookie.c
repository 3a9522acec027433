/*
 * assoc_cookie.c - the second half of setup: COOKIE ECHO creating an
 * association (§5.1.5), COOKIE ECHO for an existing one (§5.2.4: restart
 * and collisions), COOKIE ACK (§5.1 E, §5.2.5) and Stale Cookie (§5.2.6).
 */
#include "assoc.h"

/*
 * Stale Cookie Error (3):
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Cause Code = 3            |       Cause Length = 8        |
 * |                 Measure of Staleness (usec.)                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static void send_stale(esctp_endpoint *ep, const cookie *ck,
		       const esctp_addr *src, const esctp_addr *dst,
		       uint32_t us, bool from_input)
{
	wbuf w;
	uint8_t v[4];
	if (!ep_reply_begin(ep, &w, from_input))
		return;
	put32(v, us);
	pkt_put_header(&w, ep->cfg.local_port, ck->peer_port, ck->peer_vtag);
	size_t off = chunk_open(&w, CT_ERROR, 0);
	tlv_put(&w, CAUSE_STALE_COOKIE, v, 4);
	chunk_close(&w, off);
	pkt_finish(&w);
	ep_reply_commit(ep, &w, src, dst);
}

/* §5.1.5 steps 1-4.  Returns 0 when the cookie may be used, a negative
 * value when the packet is to be dropped (a Stale Cookie error queued when
 * that is the reason). */
static int check_cookie(esctp_endpoint *ep, const pkt_chunk *c,
			const pkt_header *h, const esctp_addr *src,
			const esctp_addr *dst, esctp_tstamp now, cookie *ck,
			bool from_input)
{
	if (cookie_decode(c->value, c->value_len, &ep->ops, ck) < 0)
		return ESCTP_ERR_PROTO;
	/* §5.1.5: "3) Compare the port numbers and the Verification Tag
	 * contained within the COOKIE ECHO chunk to the actual port numbers
	 * and the Verification Tag within the SCTP common header of the
	 * received packet. If these values do not match, the packet MUST be
	 * silently discarded." */
	if (ck->local_port != h->dst_port || ck->peer_port != h->src_port ||
	    ck->local_vtag != h->vtag)
		return ESCTP_ERR_PROTO;
	/* "4) ... If the elapsed time is longer than the lifespan carried in
	 * the State Cookie, then the packet, including the COOKIE ECHO and
	 * any attached DATA chunks, SHOULD be discarded, and the endpoint
	 * MUST transmit an ERROR chunk with a 'Stale Cookie' error cause to
	 * the peer endpoint." */
	uint32_t stale = cookie_staleness(ck, now);
	if (stale) {
		send_stale(ep, ck, src, dst, stale, from_input);
		return ESCTP_ERR_PROTO;
	}
	return 0;
}

static void established(esctp_assoc *a, esctp_tstamp now)
{
	a->state = ESCTP_ESTABLISHED;
	a->t1 = ESCTP_TSTAMP_NEVER;
	a->ctl &= (uint8_t) ~(CTL_INIT | CTL_COOKIE_ECHO);
	a->init_retrans = 0;
	assoc_free_handshake(a);
	path_hb_start(a, now);
}

static void take_cookie_params(esctp_assoc *a, const cookie *ck)
{
	a->local_vtag = ck->local_vtag;
	a->peer_vtag = ck->peer_vtag;
	a->local_tsn = ck->local_tsn;
	a->out_streams = ck->out_streams;
	a->in_streams = ck->in_streams;
	a->prsctp = ck->prsctp;
	a->peer_adaptation_present = ck->peer_adaptation_present;
	a->peer_adaptation = ck->peer_adaptation;
}

/* §5.1.5 step 5: "create an association to the sender of the COOKIE ECHO
 * chunk with the information in the TCB data carried in the COOKIE ECHO".
 * The INIT's source is the one confirmed address (§5.4: "the only
 * CONFIRMED address is the one to which the INIT ACK was sent"). */
static esctp_assoc *from_cookie(esctp_endpoint *ep, const cookie *ck,
				const esctp_addr *src, const esctp_addr *dst,
				esctp_tstamp now)
{
	esctp_assoc *a = assoc_new(ep, ck->peer_port);
	if (!a)
		return NULL;
	take_cookie_params(a, ck);
	a->local_addr = ck->dst.family ? ck->dst : *dst;
	a->local_addr.port = 0;
	if (assoc_add_path(a, &ck->src, true, now) < 0)
		goto fail;
	for (unsigned i = 0; i < ck->naddrs; i++)
		assoc_add_path(a, &ck->addrs[i], false, now);
	int pi = assoc_find_path(a, src);
	if (pi < 0)
		pi = assoc_add_path(a, src, false, now);
	if (pi >= 0)
		path_learn_port(a, (uint8_t)pi, src);
	if (assoc_setup_data(a, ck->peer_tsn, ck->peer_rwnd, now) < 0)
		goto fail;
	established(a, now);
	return a;
fail:
	assoc_destroy(a);
	return NULL;
}

void hs_cookie_no_tcb(esctp_endpoint *ep, const uint8_t *pkt, size_t len,
		      const pkt_header *h, const esctp_addr *src,
		      const esctp_addr *dst, esctp_tstamp now)
{
	pkt_iter it;
	pkt_chunk c;
	cookie ck;
	uint8_t pi;
	pkt_iter_init(&it, pkt, len);
	pkt_iter_next(&it, &c);
	if (cookie_decode(c.value, c.value_len, &ep->ops, &ck) < 0)
		return;
	/* A TCB may exist under another address of the peer (§5.2.4). */
	esctp_assoc *a = ep_table_find(ep, &ck.src, h->src_port, &pi);
	for (unsigned i = 0; !a && i < ck.naddrs; i++)
		a = ep_table_find(ep, &ck.addrs[i], h->src_port, &pi);
	if (a) {
		assoc_input(a, pkt, len, h, NO_PATH, src, dst, now);
		assoc_touch(a, now);
		return;
	}
	/* Not listening: the kernel answers as §8.4 does. */
	if (!ep->listening) {
		ep_ootb(ep, pkt, len, h, src, dst);
		return;
	}
	if (check_cookie(ep, &c, h, src, dst, now, &ck, true) < 0)
		return;
	a = from_cookie(ep, &ck, src, dst, now);
	if (!a)
		return; /* the peer retransmits its COOKIE ECHO */
	assoc_event(a, ESCTP_EV_ACCEPT, 0, 0);
	assoc_event(a, ESCTP_EV_COMM_UP, 0, 0);
	/* §5.1 D: "send a COOKIE ACK chunk to the peer acknowledging receipt
	 * of the COOKIE ECHO chunk.  The COOKIE ACK chunk MAY be bundled with
	 * any pending DATA chunks (and/or SACK chunks), but the COOKIE ACK
	 * chunk MUST be the first chunk in the packet." */
	a->ctl |= CTL_COOKIE_ACK;
	in_ctx cx;
	memset(&cx, 0, sizeof cx);
	cx.h = h;
	cx.src = src;
	cx.dst = dst;
	cx.now = now;
	int p = assoc_find_path(a, src);
	cx.pi = p < 0 ? NO_PATH : (uint8_t)p;
	a->packets_received++;
	assoc_input_chunks(a, &it, &cx);
	assoc_touch(a, now);
}

/* ---- §5.2.4: a COOKIE ECHO when a TCB exists ---- */

enum dupcook { DUP_A, DUP_B, DUP_C, DUP_D, DUP_E };

/* §5.2.4 Table 2 ("X: no match, M: match, 0: no tie-tag in the cookie, A:
 * all or any"):
 *   Local Tag | Peer's Tag | Local-Tie-Tag | Peer's-Tie-Tag | Action
 *       X     |     X      |       M       |       M        |  (A)
 *       M     |     X      |       A       |       A        |  (B)
 *       M     |     0      |       A       |       A        |  (B)
 *       X     |     M      |       0       |       0        |  (C)
 *       M     |     M      |       A       |       A        |  (D)
 *   anything else: (E) silently discard. */
static enum dupcook classify(const esctp_assoc *a, const cookie *ck)
{
	bool lm = ck->local_vtag == a->local_vtag;
	bool pm = ck->peer_vtag == a->peer_vtag;
	bool no_ties = !ck->local_tie && !ck->peer_tie;
	if (!lm && !pm && !no_ties && ck->local_tie == a->local_vtag &&
	    ck->peer_tie == a->peer_vtag)
		return DUP_A;
	if (lm && !pm)
		return DUP_B;
	if (!lm && pm && no_ties)
		return DUP_C;
	if (lm && pm)
		return DUP_D;
	return DUP_E;
}

/* §5.2.4 (A) in SHUTDOWN-ACK-SENT: the endpoint "MUST NOT set up a new
 * association but instead resend the SHUTDOWN ACK and send an ERROR chunk
 * with a 'Cookie Received While Shutting Down' error cause to its peer." */
static void restart_while_shutting(esctp_assoc *a, const cookie *ck,
				   const in_ctx *cx)
{
	wbuf w;
	if (!ep_reply_begin(a->ep, &w, false))
		return;
	pkt_put_header(&w, a->ep->cfg.local_port, a->peer_port, ck->peer_vtag);
	chunk_put_empty(&w, CT_SHUTDOWN_ACK, 0);
	size_t off = chunk_open(&w, CT_ERROR, 0);
	tlv_put(&w, CAUSE_COOKIE_WHILE_SHUTDOWN, ck, 0);
	chunk_close(&w, off);
	pkt_finish(&w);
	ep_reply_commit(a->ep, &w, cx->src, cx->dst);
}

/* §5.2.4 (A): "the existing session is treated the same as if it received
 * an ABORT followed by a new COOKIE ECHO with the following exceptions ...
 * A notification of RESTART SHOULD be sent to the ULP instead of a
 * 'COMMUNICATION LOST' notification.  All the congestion control
 * parameters (e.g., cwnd, ssthresh) related to this peer MUST be reset to
 * their initial values (after the restart)."  Queued data is not kept: it
 * was meant for the peer's previous incarnation. */
static bool restart(esctp_assoc *a, const cookie *ck, in_ctx *cx)
{
	if (a->state == ESCTP_SHUTDOWN_ACK_SENT) {
		restart_while_shutting(a, ck, cx);
		return false;
	}
	assoc_fail_sends(a);
	take_cookie_params(a, ck);
	a->error_count = 0;
	a->t2 = a->t5 = ESCTP_TSTAMP_NEVER;
	a->ctl = 0;
	a->rtx_path = NO_PATH;
	path_reset_all(a, cx->now);
	if (assoc_setup_data(a, ck->peer_tsn, ck->peer_rwnd, cx->now) < 0) {
		assoc_close(a, ESCTP_EV_COMM_LOST, ESCTP_ERR_NOMEM, 0);
		return false;
	}
	established(a, cx->now);
	assoc_event(a, ESCTP_EV_RESTART, 0, 0);
	return true;
}

/* §5.2.4 (B): "the endpoint should stay in or enter the ESTABLISHED
 * state, but it MUST update its peer's Verification Tag from the State
 * Cookie, stop any init or cookie timers that may be running, and send a
 * COOKIE ACK." */
static bool action_b(esctp_assoc *a, const cookie *ck, in_ctx *cx)
{
	a->peer_vtag = ck->peer_vtag;
	a->t1 = ESCTP_TSTAMP_NEVER;
	if (a->state == ESCTP_COOKIE_WAIT || a->state == ESCTP_COOKIE_ECHOED) {
		/* Nothing has been received yet: the peer's parameters come
		 * from the cookie. */
		a->out_streams = ck->out_streams;
		a->in_streams = ck->in_streams;
		a->prsctp = ck->prsctp;
		a->peer_adaptation_present = ck->peer_adaptation_present;
		a->peer_adaptation = ck->peer_adaptation;
		if (assoc_setup_data(a, ck->peer_tsn, ck->peer_rwnd, cx->now) <
		    0) {
			assoc_close(a, ESCTP_EV_CANT_START, ESCTP_ERR_NOMEM, 0);
			return false;
		}
		established(a, cx->now);
		assoc_event(a, ESCTP_EV_COMM_UP, 0, 0);
	}
	return true;
}

bool hs_on_cookie_echo(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx)
{
	cookie ck;
	if (check_cookie(a->ep, c, cx->h, cx->src, cx->dst, cx->now, &ck,
			 false) < 0)
		return false;
	switch (classify(a, &ck)) {
	case DUP_A:
		if (!restart(a, &ck, cx))
			return false;
		break;
	case DUP_B:
		if (!action_b(a, &ck, cx))
			return false;
		break;
	case DUP_D:
		/* "(D) When both local and remote tags match, the endpoint
		 * should enter the ESTABLISHED state, if it is in the
		 * COOKIE-ECHOED state. It should stop any cookie timer that
		 * may be running and send a COOKIE ACK." */
		if (a->state == ESCTP_COOKIE_ECHOED) {
			established(a, cx->now);
			assoc_event(a, ESCTP_EV_COMM_UP, 0, 0);
		}
		break;
	case DUP_C:
		/* "(C) ... The cookie should be silently discarded." */
	case DUP_E:
		return false;
	}
	a->ctl |= CTL_COOKIE_ACK;
	return true;
}

void hs_on_cookie_ack(esctp_assoc *a, in_ctx *cx)
{
	/* §5.2.5: "At any state other than COOKIE-ECHOED, an endpoint SHOULD
	 * silently discard a received COOKIE ACK chunk." */
	if (a->state != ESCTP_COOKIE_ECHOED)
		return;
	const esctp_config *cfg = &a->ep->cfg;
	/* Karn: an unretransmitted COOKIE ECHO gives a first RTT. */
	if (a->init_retrans == 0 && a->cookie_sent && cx->now >= a->cookie_sent)
		path_rtt_sample(&a->paths[a->hs_path], cx->now - a->cookie_sent,
				ms_to_ts(cfg->rto_min_ms),
				ms_to_ts(cfg->rto_max_ms));
	established(a, cx->now);
	assoc_event(a, ESCTP_EV_COMM_UP, 0, 0);
}

/* §5.2.6: "Upon the reception of the ERROR chunk with a 'Stale Cookie'
 * error cause, the sender of the COOKIE ECHO chunk ... may elect to 1)
 * send a new INIT chunk to the endpoint to try again ... 2) discard the
 * TCB and report to the upper layer the inability to set up the
 * association."  We retry, within Max.Init.Retransmits, with a Cookie
 * Preservative that "SHOULD add no more than 1 second beyond the measured
 * RTT". */
void hs_on_stale_cookie(esctp_assoc *a, uint32_t staleness_us, esctp_tstamp now)
{
	const esctp_config *cfg = &a->ep->cfg;
	if (a->state != ESCTP_COOKIE_ECHOED)
		return;
	if (a->init_retrans >= cfg->max_init_retrans) {
		assoc_close(a, ESCTP_EV_CANT_START, 0, CAUSE_STALE_COOKIE);
		return;
	}
	a->init_retrans++;
	uint32_t rtt_ms = 0;
	if (a->cookie_sent && now >= a->cookie_sent)
		rtt_ms = ts_to_ms(now - a->cookie_sent);
	a->cookie_preserve_ms = rtt_ms + MIN(staleness_us / 1000 + 1, 1000u);
	assoc_free_handshake(a);
	a->peer_vtag = 0;
	a->state = ESCTP_COOKIE_WAIT;
	a->ctl = (uint8_t)((a->ctl & ~CTL_COOKIE_ECHO) | CTL_INIT);
	a->t1_rto = ms_to_ts(cfg->rto_initial_ms);
	a->t1 = ts_add(now, a->t1_rto);
}
