/*
 * assoc_output.c - packet assembly: one packet for one path per call.
 *
 * Order of chunks (RFC 9260 §6.10 bundling, §5.1 and §6.2 placement):
 * COOKIE ECHO (first, DATA may follow it), COOKIE ACK (first), SACK,
 * SHUTDOWN / SHUTDOWN ACK, FORWARD TSN, HEARTBEAT, then DATA from tx_fill.
 * INIT goes alone.  ABORT, SHUTDOWN COMPLETE, HEARTBEAT ACK and ERROR are
 * one-shot replies and leave through the endpoint's reply queue.
 *
 * Path choice: a COOKIE ECHO follows the handshake path; a SACK goes where
 * the DATA came from (§6.4); DATA to the primary when it is active and
 * confirmed, otherwise another such path, and retransmissions after a T3
 * expiry to the alternate chosen then (§6.4.1); HEARTBEATs to their path.
 */
#include "assoc.h"

void out_header(const esctp_assoc *a, wbuf *w)
{
	pkt_put_header(w, a->ep->cfg.local_port, a->peer_port, a->peer_vtag);
}

static bool data_state(const esctp_assoc *a)
{
	return a->state == ESCTP_ESTABLISHED ||
	       a->state == ESCTP_SHUTDOWN_PENDING ||
	       a->state == ESCTP_SHUTDOWN_RECEIVED;
}

static bool data_due(esctp_assoc *a, unsigned dp, esctp_tstamp now)
{
	if (!a->tx || !data_state(a))
		return false;
	return (a->prsctp && tx_fwdtsn_due(a->tx, now)) ||
	       tx_has_sendable(a->tx, a->paths, dp, now);
}

static int hb_path(const esctp_assoc *a)
{
	for (unsigned i = 0; i < a->npaths; i++)
		if (a->paths[i].hb_pending)
			return (int)i;
	return -1;
}

bool assoc_wants_output(esctp_assoc *a, esctp_tstamp now)
{
	if (!assoc_live(a) || !a->npaths)
		return false;
	if (a->state == ESCTP_COOKIE_WAIT)
		return a->ctl & CTL_INIT;
	/* §5.1: "until the COOKIE ACK chunk is returned, the sender MUST NOT
	 * send any other packets to the peer." */
	if (a->state == ESCTP_COOKIE_ECHOED)
		return a->ctl & CTL_COOKIE_ECHO;
	if (a->ctl)
		return true;
	if (a->rx && rx_sack_now(a->rx))
		return true;
	if (hb_path(a) >= 0)
		return true;
	return data_due(a, assoc_send_path(a, now), now);
}

/* The source address to suggest.  A single-homed endpoint names the
 * address the peer knows it by; a multihomed one lets the host route, as
 * the source must then match the outgoing interface (§6.4: replies come
 * back to where the peer sees us sending from). */
static const esctp_addr *local_for(const esctp_assoc *a, const path *p)
{
	static const esctp_addr any;
	unsigned nlocal = a->has_local ? a->local.naddrs : a->ep->nlocal;
	if (nlocal > 1 || a->local_addr.family != p->addr.family)
		return &any;
	return &a->local_addr;
}

static int finish(esctp_assoc *a, wbuf *w, unsigned pi, esctp_addr *src,
		  esctp_addr *dst)
{
	pkt_finish(w);
	*dst = a->paths[pi].addr;
	*src = *local_for(a, &a->paths[pi]);
	a->packets_sent++;
	return (int)w->len;
}

static int out_init(esctp_assoc *a, uint8_t *buf, size_t cap, esctp_addr *src,
		    esctp_addr *dst)
{
	const path *p = &a->paths[a->hs_path];
	wbuf w;
	wbuf_init(&w, buf, MIN(cap, p->mtu));
	hs_put_init(a, &w);
	if (w.err)
		return cap < p->mtu ? ESCTP_ERR_NOBUF : 0;
	a->ctl &= (uint8_t)~CTL_INIT;
	return finish(a, &w, a->hs_path, src, dst);
}

/* The path this packet goes to, from what is most urgent. */
static unsigned pick_path(esctp_assoc *a, unsigned dp, esctp_tstamp now)
{
	if (a->ctl & CTL_COOKIE_ECHO)
		return a->hs_path;
	if (a->rx && rx_sack_now(a->rx) && a->sack_path < a->npaths)
		return a->sack_path;
	if (a->ctl & (CTL_COOKIE_ACK | CTL_SHUTDOWN | CTL_SHUTDOWN_ACK))
		return dp;
	if (data_due(a, dp, now))
		return dp;
	int h = hb_path(a);
	return h >= 0 ? (unsigned)h : dp;
}

static void put_cookie_echo(esctp_assoc *a, wbuf *w, esctp_tstamp now)
{
	chunk_put_cookie_echo(w, a->cookie, a->cookie_len);
	/* §3.2.2: the ERROR with the INIT ACK's unrecognized parameters
	 * "SHOULD" be bundled with the COOKIE ECHO. */
	if (a->cookie_err_len &&
	    wbuf_room(w) >= (size_t)a->cookie_err_len + 4) {
		size_t off = chunk_open(w, CT_ERROR, 0);
		wbuf_put(w, a->cookie + a->cookie_len, a->cookie_err_len);
		chunk_close(w, off);
	}
	a->cookie_sent = now;
	a->ctl &= (uint8_t)~CTL_COOKIE_ECHO;
}

/* Control chunks, each only when it fits whole. */
static void put_control(esctp_assoc *a, wbuf *w, unsigned p, bool other,
			esctp_tstamp now)
{
	if ((a->ctl & CTL_COOKIE_ECHO) && p == a->hs_path)
		put_cookie_echo(a, w, now);
	if ((a->ctl & CTL_COOKIE_ACK) && wbuf_room(w) >= 4) {
		chunk_put_empty(w, CT_COOKIE_ACK, 0);
		a->ctl &= (uint8_t)~CTL_COOKIE_ACK;
	}
	if (a->rx && a->state >= ESCTP_ESTABLISHED && wbuf_room(w) >= 16) {
		/* A SACK that is due goes now; a delayed one rides along
		 * with anything else sent to where the DATA came from. */
		bool delayed = rx_sack_deadline(a->rx) != ESCTP_TSTAMP_NEVER;
		bool shut = a->ctl & CTL_SHUTDOWN;
		if (rx_sack_now(a->rx) ||
		    ((delayed || (shut && !rx_no_gaps(a->rx))) && other &&
		     p == a->sack_path))
			rx_put_sack(a->rx, w);
	}
	if ((a->ctl & CTL_SHUTDOWN) && a->rx && wbuf_room(w) >= 8) {
		chunk_put_u32(w, CT_SHUTDOWN, 0, rx_cum_tsn(a->rx));
		a->ctl &= (uint8_t)~CTL_SHUTDOWN;
	}
	if ((a->ctl & CTL_SHUTDOWN_ACK) && wbuf_room(w) >= 4) {
		chunk_put_empty(w, CT_SHUTDOWN_ACK, 0);
		a->ctl &= (uint8_t)~CTL_SHUTDOWN_ACK;
	}
}

/* FORWARD TSN may not fit: it is rolled back rather than letting the
 * sticky error spoil the packet. */
static void put_fwdtsn(esctp_assoc *a, wbuf *w, esctp_tstamp now)
{
	if (!a->prsctp || !tx_fwdtsn_due(a->tx, now) || wbuf_room(w) < 8)
		return;
	size_t len = w->len;
	tx_put_fwdtsn(a->tx, w, now);
	if (w->err) {
		w->err = 0;
		w->len = len;
	}
}

int assoc_output(esctp_assoc *a, uint8_t *buf, size_t cap, esctp_addr *src,
		 esctp_addr *dst, esctp_tstamp now)
{
	if (!assoc_live(a) || !a->npaths || !assoc_wants_output(a, now))
		return 0;
	if (cap < 512)
		return ESCTP_ERR_NOBUF;
	if (a->ctl & CTL_INIT)
		return out_init(a, buf, cap, src, dst);
	unsigned dp = assoc_send_path(a, now);
	unsigned p = pick_path(a, dp, now);
	bool data = p == dp && (data_due(a, dp, now) ||
				(a->state == ESCTP_COOKIE_ECHOED && a->tx));
	bool other = data || a->paths[p].hb_pending ||
		     (a->ctl & (CTL_COOKIE_ACK | CTL_SHUTDOWN |
				CTL_SHUTDOWN_ACK | CTL_COOKIE_ECHO));
	wbuf w;
	wbuf_init(&w, buf, MIN(cap, a->paths[p].mtu));
	out_header(a, &w);
	put_control(a, &w, p, other, now);
	if (data && data_state(a))
		put_fwdtsn(a, &w, now);
	if (a->paths[p].hb_pending)
		path_put_heartbeat(a, p, &w, now);
	if (data) {
		tx_fill(a->tx, a->paths, a->npaths, p, &w, now);
		/* Messages it abandoned instead of sending (PR-SCTP). */
		assoc_drain_notices(a);
	}
	if (w.err)
		return cap < a->paths[p].mtu ? ESCTP_ERR_NOBUF : 0;
	if (w.len == PKT_HEADER_LEN)
		return 0;
	return finish(a, &w, p, src, dst);
}
