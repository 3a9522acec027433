/*
 * assoc.c - the association's life cycle (creation, data setup, close,
 * free), its timers as one cached deadline, notices turned into events, and
 * the small public accessors.
 */
#include "assoc.h"

esctp_assoc *assoc_new(esctp_endpoint *ep, uint16_t peer_port)
{
	esctp_assoc *a = mem_calloc(&ep->mem, 1, sizeof *a);
	if (!a)
		return NULL;
	a->ep = ep;
	a->peer_port = peer_port;
	a->heap_idx = UINT32_MAX;
	a->deadline = ESCTP_TSTAMP_NEVER;
	a->t1 = a->t2 = a->t5 = ESCTP_TSTAMP_NEVER;
	a->rtx_path = NO_PATH;
	a->hb_interval_ms = ep->cfg.hb_interval_ms;
	a->nodelay = ep->cfg.nodelay;
	a->next = ep->all;
	if (ep->all)
		ep->all->prev = a;
	ep->all = a;
	return a;
}

void assoc_free_handshake(esctp_assoc *a)
{
	mem_free(&a->ep->mem, a->cookie);
	a->cookie = NULL;
	a->cookie_len = a->cookie_err_len = 0;
}

void assoc_destroy(esctp_assoc *a)
{
	esctp_endpoint *ep = a->ep;
	ep_table_del_assoc(ep, a);
	ep_heap_remove(ep, a);
	ep_outq_remove(ep, a);
	ep_touched_remove(ep, a);
	ev_drop_assoc(ep, a);
	if (a->prev)
		a->prev->next = a->next;
	else
		ep->all = a->next;
	if (a->next)
		a->next->prev = a->prev;
	for (pre_msg *m = a->pre_head, *n; m; m = n) {
		n = m->next;
		mem_free(&ep->mem, m);
	}
	assoc_free_handshake(a);
	if (a->rx)
		rx_free(a->rx);
	if (a->tx)
		tx_free(a->tx);
	mem_free(&ep->mem, a->paths);
	mem_free(&ep->mem, a);
}

/* Moves the messages queued in COOKIE-WAIT into tx, in order.  One that
 * no longer fits the negotiated streams fails with SEND_FAILED. */
static void flush_pre(esctp_assoc *a, esctp_tstamp now)
{
	pre_msg *m;
	while ((m = a->pre_head) != NULL) {
		a->pre_head = m->next;
		/* Paths are only ever added: the destination found when
		 * the message was queued is still there. */
		int dest = assoc_msg_dest(a, &m->info);
		int rc =
		    tx_enqueue_to(a->tx, &m->info, m->data, m->len,
				  dest < 0 ? TX_NO_DEST : (unsigned)dest, now);
		if (rc < 0) {
			esctp_event ev;
			memset(&ev, 0, sizeof ev);
			ev.type = ESCTP_EV_SEND_FAILED;
			ev.assoc = a;
			ev.error = rc == ESCTP_ERR_STREAM ? ESCTP_ERR_STREAM
							  : ESCTP_ERR_CLOSED;
			ev.stream = m->info.stream;
			ev.ppid = m->info.ppid;
			ev.len = m->len;
			ev.context = m->info.context;
			ev_data d = {m, m->data, m->len};
			ev_post_with(a->ep, &ev, &d);
		} else {
			a->dry_armed = true;
			mem_free(&a->ep->mem, m);
		}
	}
	a->pre_tail = NULL;
	a->pre_bytes = 0;
}

int assoc_setup_data(esctp_assoc *a, uint32_t peer_tsn, uint32_t peer_rwnd,
		     esctp_tstamp now)
{
	const esctp_config *cfg = &a->ep->cfg;
	if (a->rx)
		rx_free(a->rx);
	a->rx = rx_new(&a->ep->mem, peer_tsn, a->in_streams, cfg->rcvbuf);
	if (!a->rx)
		return ESCTP_ERR_NOMEM;
	if (a->pd_point)
		rx_set_pd_point(a->rx, a->pd_point);
	if (!a->tx) {
		tx_params p = {
		    .initial_tsn = a->local_tsn,
		    .nstreams = a->out_streams,
		    .sndbuf = cfg->sndbuf,
		    .max_message = cfg->max_message,
		    .peer_rwnd = peer_rwnd,
		    .max_burst = cfg->max_burst,
		    .prsctp = a->prsctp,
		    .nodelay = a->nodelay,
		};
		a->tx = tx_new(&a->ep->mem, &p);
		if (!a->tx)
			return ESCTP_ERR_NOMEM;
	}
	path_update_frag(a);
	flush_pre(a, now);
	return 0;
}

void assoc_drain_notices(esctp_assoc *a)
{
	esctp_event ev;
	if (a->tx) {
		tx_notice n;
		while (tx_next_notice(a->tx, &n)) {
			memset(&ev, 0, sizeof ev);
			ev.type = ESCTP_EV_SEND_FAILED;
			ev.assoc = a;
			ev.error = n.error;
			ev.stream = n.stream;
			ev.ppid = n.ppid;
			ev.len = n.len;
			ev.context = n.context;
			ev.flags = n.sent ? ESCTP_SENT : 0;
			ev_data d = {n.buf, n.data, n.dlen};
			ev_post_with(a->ep, &ev, &d);
		}
	}
	if (a->rx) {
		rx_notice n;
		while (rx_next_notice(a->rx, &n)) {
			memset(&ev, 0, sizeof ev);
			ev.type = n.type == RX_NOTICE_PD_ABORTED
				      ? ESCTP_EV_PARTIAL_DELIVERY_ABORTED
				      : ESCTP_EV_DATA;
			ev.assoc = a;
			ev.stream = n.stream;
			ev.ssn = n.ssn;
			ev.ppid = n.ppid;
			ev.tsn = n.tsn;
			ev.flags = n.flags;
			ev.len = n.len;
			if (n.type == RX_NOTICE_DATA)
				a->msgs_received++;
			ev_post(a->ep, &ev);
		}
	}
}

void assoc_fail_sends(esctp_assoc *a)
{
	data_pre_fail(a);
	if (a->tx) {
		tx_fail_all(a->tx);
		assoc_drain_notices(a);
		tx_free(a->tx);
		a->tx = NULL;
	}
}

void assoc_close(esctp_assoc *a, esctp_event_type type, int error,
		 uint16_t cause)
{
	assoc_close_causes(a, type, error, cause, NULL, 0);
}

void assoc_close_causes(esctp_assoc *a, esctp_event_type type, int error,
			uint16_t cause, const uint8_t *causes, size_t len)
{
	if (a->state == ESCTP_CLOSED)
		return;
	esctp_endpoint *ep = a->ep;
	a->state = ESCTP_CLOSED;
	a->ctl = 0;
	a->t1 = a->t2 = a->t5 = ESCTP_TSTAMP_NEVER;
	/* SEND_FAILED events first: the host may free the association on
	 * the terminal event, which drops its later events. */
	assoc_fail_sends(a);
	/* rx stays: what arrived can still be read. */
	for (unsigned i = 0; i < a->npaths; i++) {
		a->paths[i].t3 = ESCTP_TSTAMP_NEVER;
		a->paths[i].hb_due = ESCTP_TSTAMP_NEVER;
		a->paths[i].hb_pending = false;
	}
	assoc_free_handshake(a);
	ep_table_del_assoc(ep, a);
	ep_outq_remove(ep, a);
	a->deadline = ESCTP_TSTAMP_NEVER;
	ep_heap_remove(ep, a);
	/* The peer's error causes stay with the event (a copy: the packet
	 * is gone when the host pops it); without memory, the event alone. */
	ev_data d = {0};
	if (causes && len) {
		d.buf = mem_alloc(&ep->mem, len);
		if (d.buf) {
			memcpy(d.buf, causes, len);
			d.data = d.buf;
			d.len = (uint32_t)len;
		}
	}
	assoc_event_with(a, type, error, cause, &d);
}

void assoc_abort_with(esctp_assoc *a, uint16_t code, const void *val,
		      size_t len, esctp_event_type type, int error)
{
	if (a->state == ESCTP_CLOSED)
		return;
	/* Without the peer's tag (COOKIE-WAIT) no ABORT can reach it. */
	if (a->peer_vtag && a->npaths) {
		const path *p = &a->paths[assoc_data_path(a)];
		ep_reply_abort(a->ep, &p->addr, &a->local_addr, a->peer_port,
			       a->peer_vtag, false, code, val, len, false);
	}
	assoc_close(a, type, error, code);
}

/* ---- timers ---- */

static esctp_tstamp assoc_deadline(const esctp_assoc *a)
{
	esctp_tstamp d = ts_min(a->t1, ts_min(a->t2, a->t5));
	if (a->state == ESCTP_CLOSED)
		return ESCTP_TSTAMP_NEVER;
	for (unsigned i = 0; i < a->npaths; i++)
		d = ts_min(d, ts_min(a->paths[i].t3, a->paths[i].hb_due));
	/* A SACK already due goes with the next output, not a timer. */
	if (a->rx && !rx_sack_now(a->rx))
		d = ts_min(d, rx_sack_deadline(a->rx));
	if (a->tx)
		d = ts_min(d, tx_deadline(a->tx));
	return d;
}

void assoc_touch(esctp_assoc *a, esctp_tstamp now)
{
	esctp_endpoint *ep = a->ep;
	if (now > a->now_seen)
		a->now_seen = now;
	a->deadline = assoc_deadline(a);
	ep_heap_update(ep, a);
	if (assoc_wants_output(a, now))
		ep_outq_add(ep, a);
	ep_touched_add(ep, a);
}

static void expire_data(esctp_assoc *a, esctp_tstamp now)
{
	if (a->rx && rx_sack_deadline(a->rx) <= now)
		rx_sack_timer(a->rx, now);
	if (a->tx && tx_deadline(a->tx) <= now) {
		tx_expire(a->tx, a->paths, a->npaths, now);
		assoc_drain_notices(a);
	}
}

void assoc_expire(esctp_assoc *a, esctp_tstamp now)
{
	if (a->t1 <= now)
		hs_t1_expire(a, now);
	if (assoc_live(a) && a->t5 <= now)
		sd_t5_expire(a, now);
	if (assoc_live(a) && a->t2 <= now)
		sd_t2_expire(a, now);
	for (unsigned i = 0; i < a->npaths && assoc_live(a); i++)
		if (a->paths[i].t3 <= now)
			path_t3_expire(a, i, now);
	for (unsigned i = 0; i < a->npaths && assoc_live(a); i++)
		if (a->paths[i].hb_due <= now)
			path_hb_expire(a, i, now);
	if (assoc_live(a))
		expire_data(a, now);
}

/* ---- public accessors ---- */

void esctp_assoc_set_user(esctp_assoc *a, void *user)
{
	if (a)
		a->user = user;
}

void *esctp_assoc_get_user(const esctp_assoc *a)
{
	return a ? a->user : NULL;
}

esctp_state esctp_assoc_state(const esctp_assoc *a)
{
	return a ? a->state : ESCTP_CLOSED;
}

void esctp_assoc_set_nodelay(esctp_assoc *a, bool on)
{
	if (!a)
		return;
	/* Kept in the association too: tx is made (again) at setup and
	 * restart, and must start with the latest choice. */
	a->nodelay = on;
	if (a->tx)
		tx_set_nodelay(a->tx, on);
	/* Data Nagle was holding may go now.  The call carries no time: the
	 * latest the host gave us serves. */
	if (assoc_live(a))
		assoc_touch(a, a->now_seen);
}

void esctp_assoc_free(esctp_assoc *a)
{
	if (!a)
		return;
	if (assoc_live(a))
		esctp_assoc_abort(a, NULL, 0);
	assoc_destroy(a);
}

static void path_status(const esctp_assoc *a, unsigned i, esctp_path_info *pi)
{
	const path *p = &a->paths[i];
	pi->addr = p->addr;
	pi->state = p->state == PATH_INACTIVE ? ESCTP_ADDR_UNREACHABLE
		    : p->state == PATH_PF     ? ESCTP_ADDR_POTENTIALLY_FAILED
					      : ESCTP_ADDR_AVAILABLE;
	pi->confirmed = p->confirmed;
	pi->primary = i == a->primary;
	pi->cwnd = p->cwnd;
	pi->ssthresh = p->ssthresh;
	pi->flight = p->flight;
	pi->srtt_ms = ts_to_ms(p->srtt);
	pi->srtt_us = ts_to_us(p->srtt);
	pi->rttvar_us = ts_to_us(p->rttvar);
	pi->rto_ms = ts_to_ms(p->rto);
	pi->mtu = p->mtu;
	pi->error_count = p->error_count;
}

int esctp_assoc_set_local(esctp_assoc *a, const esctp_local *local)
{
	if (!a || !local || local->naddrs > ESCTP_MAX_LOCAL ||
	    (local->no_ipv4 && local->no_ipv6))
		return ESCTP_ERR_INVAL;
	for (unsigned i = 0; i < local->naddrs; i++)
		if (local->addrs[i].family != ESCTP_AF_INET &&
		    local->addrs[i].family != ESCTP_AF_INET6)
			return ESCTP_ERR_INVAL;
		else if (!hs_family_taken(local, local->addrs[i].family))
			return ESCTP_ERR_INVAL;
	a->local = *local;
	for (unsigned i = 0; i < local->naddrs; i++)
		a->local.addrs[i].port = 0;
	a->has_local = true;
	/* One bound address is where the peer knows us from: the source of
	 * the INIT already (local_for() in assoc_output.c). */
	if (local->naddrs == 1 && a->state <= ESCTP_COOKIE_WAIT)
		a->local_addr = a->local.addrs[0];
	return 0;
}

void esctp_assoc_status(const esctp_assoc *a, esctp_status *st)
{
	if (!st)
		return;
	memset(st, 0, sizeof *st);
	if (!a)
		return;
	st->state = a->state;
	st->local_addr = a->local_addr;
	st->local_vtag = a->local_vtag;
	st->peer_vtag = a->peer_vtag;
	st->local_port = a->ep->cfg.local_port;
	st->peer_port = a->peer_port;
	st->in_streams = a->in_streams;
	st->out_streams = a->out_streams;
	if (a->rx) {
		st->local_rwnd = rx_a_rwnd(a->rx);
		st->bytes_received = a->bytes_received;
	}
	if (a->tx) {
		st->peer_rwnd = tx_peer_rwnd(a->tx);
		st->unacked = tx_outstanding_chunks(a->tx);
		st->pending = (uint32_t)MIN(tx_queued_bytes(a->tx), UINT32_MAX);
		st->bytes_sent = tx_bytes_sent(a->tx);
		st->msgs_sent = tx_msgs_sent(a->tx);
		st->retransmits = tx_retransmits(a->tx);
		tx_abandoned(a->tx, st->abandoned_unsent, st->abandoned_sent);
	} else {
		st->pending = a->pre_bytes;
	}
	st->msgs_received = a->msgs_received;
	st->packets_sent = a->packets_sent;
	st->packets_received = a->packets_received;
	st->frag_point = path_frag_point(a);
	st->npaths = a->npaths;
	for (unsigned i = 0; i < a->npaths && i < ARRAY_LEN(st->paths); i++)
		path_status(a, i, &st->paths[i]);
	st->peer_adaptation_present = a->peer_adaptation_present;
	st->prsctp = a->prsctp;
	st->peer_adaptation = a->peer_adaptation;
}
