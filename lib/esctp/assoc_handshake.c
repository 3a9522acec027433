/*
 * assoc_handshake.c - association setup, RFC 9260 §5.1: INIT and INIT ACK
 * (built, validated and answered), T1-init / T1-cookie, INIT collisions
 * (§5.2.1, §5.2.2), unexpected INIT ACK (§5.2.3), and packets that match no
 * association.  The state cookie side is in assoc_cookie.c.
 */
#include "assoc.h"

static bool family_listed(const init_params *ip, const esctp_addr *src,
			  uint8_t family)
{
	/* §5.1.2: "If the Supported Address Types parameter is absent, the
	 * peer may use any address type"; the family the INIT came over
	 * counts as supported as well. */
	if (!ip || !ip->has_supported_types || family == src->family)
		return true;
	return family == ESCTP_AF_INET ? ip->has_ipv4_type : ip->has_ipv6_type;
}

static bool is_loopback(const esctp_addr *a)
{
	static const uint8_t v6_loop[16] = {[15] = 1};
	if (a->family == ESCTP_AF_INET)
		return a->ip[0] == 127;
	return a->family == ESCTP_AF_INET6 && !memcmp(a->ip, v6_loop, 16);
}

/* The local side that applies: the association's own, else what the
 * endpoint was given (any family). */
static void local_of(const esctp_endpoint *ep, const esctp_assoc *a,
		     esctp_local *out)
{
	if (a && a->has_local) {
		*out = a->local;
		return;
	}
	memset(out, 0, sizeof *out);
	out->naddrs = ep->nlocal;
	memcpy(out->addrs, ep->local, ep->nlocal * sizeof ep->local[0]);
}

bool hs_family_taken(const esctp_local *loc, uint8_t family)
{
	return family == ESCTP_AF_INET ? !loc->no_ipv4 : !loc->no_ipv6;
}

/* The address parameters of an INIT or INIT ACK sent to peer.  Loopback
 * addresses reach no other host: advertised to one, they would name the
 * peer's own loopback (RFC 9260 §5.1.2 leaves the choice of addresses to
 * the sender; the Linux kernel leaves loopback out unless the peer is on
 * loopback too, sctp_in_scope()). */
static void put_local_addrs(const esctp_local *loc, wbuf *w,
			    const init_params *ip, const esctp_addr *peer)
{
	bool peer_loop = is_loopback(peer);
	for (unsigned i = 0; i < loc->naddrs; i++) {
		const esctp_addr *l = &loc->addrs[i];
		if (is_loopback(l) && !peer_loop)
			continue;
		if (!ip || family_listed(ip, peer, l->family))
			param_put_addr(w, l);
	}
}

static const uint8_t no_value[1];

/* Our Adaptation Layer Indication (RFC 5061; layout in pkt_param.c), in
 * INIT and INIT ACK alike when the host configured one. */
static void put_adaptation(const esctp_config *cfg, wbuf *w)
{
	uint8_t v[4];
	if (!cfg->adaptation)
		return;
	put32(v, cfg->adaptation_ind);
	tlv_put(w, PT_ADAPTATION_LAYER, v, 4);
}

/*
 * INIT (1):
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 1    |  Chunk Flags  |      Chunk Length             |
 * |                         Initiate Tag                          |
 * |           Advertised Receiver Window Credit (a_rwnd)          |
 * |  Number of Outbound Streams   |  Number of Inbound Streams    |
 * |                          Initial TSN                          |
 * \              Optional/Variable-Length Parameters              \
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
void hs_put_init(esctp_assoc *a, wbuf *w)
{
	const esctp_config *cfg = &a->ep->cfg;
	chunk_init ci = {
	    .init_tag = a->local_vtag,
	    .a_rwnd = cfg->rcvbuf,
	    .os = cfg->out_streams,
	    .mis = cfg->max_in_streams,
	    .initial_tsn = a->local_tsn,
	};
	uint8_t v[4];
	/* §8.5.1 (A): "The sender MUST set the Verification Tag of the
	 * packet to 0." */
	pkt_put_header(w, cfg->local_port, a->peer_port, 0);
	size_t off = chunk_open(w, CT_INIT, 0);
	chunk_put_init_fixed(w, &ci);
	esctp_local loc;
	local_of(a->ep, a, &loc);
	put_local_addrs(&loc, w, NULL, &a->paths[a->hs_path].addr);
	/* §5.1.2: the Supported Address Types name what we can take: a
	 * socket of one family takes addresses of that family only. */
	size_t nt = 0;
	if (!loc.no_ipv4)
		put16(v + 2 * nt++, PT_IPV4);
	if (!loc.no_ipv6)
		put16(v + 2 * nt++, PT_IPV6);
	tlv_put(w, PT_SUPPORTED_ADDR_TYPES, v, 2 * nt);
	if (a->cookie_preserve_ms) {
		/* §5.2.6: the new INIT "SHOULD include a Cookie Preservative
		 * parameter with a suggested cookie life span". */
		put32(v, a->cookie_preserve_ms);
		tlv_put(w, PT_COOKIE_PRESERVATIVE, v, 4);
	}
	if (cfg->prsctp)
		tlv_put(w, PT_FORWARD_TSN_SUPPORTED, no_value, 0);
	put_adaptation(cfg, w);
	chunk_close(w, off);
}

/* ---- answering an INIT ---- */

static void fill_cookie(esctp_endpoint *ep, const esctp_assoc *a,
			const chunk_init *ci, const init_params *ip,
			const in_ctx *cx, const esctp_local *loc, cookie *ck)
{
	const esctp_config *cfg = &ep->cfg;
	memset(ck, 0, sizeof *ck);
	if (a && (a->state == ESCTP_COOKIE_WAIT ||
		  a->state == ESCTP_COOKIE_ECHOED)) {
		/* §5.2.1: "the endpoint MUST respond with an INIT ACK using
		 * the same parameters it sent in its original INIT chunk
		 * (including its Initiate Tag, unchanged)". */
		ck->local_vtag = a->local_vtag;
		ck->local_tsn = a->local_tsn;
		ck->local_tie = a->local_vtag;
		ck->peer_tie = a->peer_vtag;
	} else {
		/* §5.2.2: "the INIT ACK MUST contain a new Initiate Tag";
		 * the tie-tags let §5.2.4 recognise the restart. */
		ck->local_vtag = ep_random_tag(ep);
		ck->local_tsn = ep_random32(ep);
		if (a) {
			ck->local_tie = a->local_vtag;
			ck->peer_tie = a->peer_vtag;
		}
	}
	ck->peer_vtag = ci->init_tag;
	ck->peer_tsn = ci->initial_tsn;
	ck->peer_rwnd = ci->a_rwnd;
	/* §5.1.1: the number of outbound streams is limited by the peer's
	 * MIS, and what we accept inbound by its OS. */
	ck->out_streams = MIN(cfg->out_streams, ci->mis);
	ck->in_streams = MIN(cfg->max_in_streams, ci->os);
	ck->local_port = cfg->local_port;
	ck->peer_port = cx->h->src_port;
	/* RFC 3758 §3.3: PR-SCTP only when both ends offer it. */
	ck->prsctp = cfg->prsctp && ip->forward_tsn;
	/* The peer's indication rides in the cookie to the association the
	 * COOKIE ECHO creates. */
	ck->peer_adaptation_present = ip->has_adaptation;
	ck->peer_adaptation = ip->adaptation;
	ck->created = cx->now;
	/* §5.2.6: the receiver "MAY choose to ignore the suggested cookie
	 * life span increase for its own security reasons": at most one
	 * more Valid.Cookie.Life. */
	ck->life_ms = cfg->cookie_life_ms +
		      MIN(ip->cookie_preservative_ms, cfg->cookie_life_ms);
	ck->src = *cx->src;
	ck->dst = *cx->dst;
	for (unsigned i = 0; i < ip->naddrs && ck->naddrs < COOKIE_MAX_ADDRS;
	     i++) {
		if (esctp_addr_same_ip(&ip->addrs[i], cx->src) ||
		    !hs_family_taken(loc, ip->addrs[i].family))
			continue;
		ck->addrs[ck->naddrs] = ip->addrs[i];
		ck->addrs[ck->naddrs].port = cx->src->port;
		ck->naddrs++;
	}
}

/* §3.3.3: "Unrecognized Parameter ... This field contains an unrecognized
 * parameter copied from the INIT chunk complete with Parameter Type,
 * Length, and Value fields."  Those that do not fit are left out. */
static void put_unrecognized(wbuf *w, const init_params *ip)
{
	for (unsigned i = 0; i < ip->nunrec; i++) {
		uint16_t len = get16(ip->unrec[i] + 2);
		if (wbuf_room(w) >= PAD4((size_t)len + 4) + PAD4(len))
			tlv_put(w, PT_UNRECOGNIZED, ip->unrec[i], len);
	}
}

void hs_send_init_ack(esctp_endpoint *ep, const esctp_assoc *a,
		      const chunk_init *ci, const init_params *ip,
		      const in_ctx *cx, const esctp_local *given)
{
	cookie ck;
	uint8_t cbuf[COOKIE_MAX_LEN];
	wbuf w;
	esctp_local loc;
	if (given)
		loc = *given;
	else
		local_of(ep, a, &loc);
	fill_cookie(ep, a, ci, ip, cx, &loc, &ck);
	size_t clen = cookie_encode(&ck, &ep->ops, cbuf, sizeof cbuf);
	if (!clen || !ep_reply_begin(ep, &w, a == NULL))
		return;
	chunk_init ack = {
	    .init_tag = ck.local_vtag,
	    .a_rwnd = ep->cfg.rcvbuf,
	    .os = ck.out_streams,
	    .mis = ep->cfg.max_in_streams,
	    .initial_tsn = ck.local_tsn,
	};
	/* §8.5.1: the INIT ACK goes with the INIT's Initiate Tag. */
	pkt_put_header(&w, ep->cfg.local_port, cx->h->src_port, ci->init_tag);
	size_t off = chunk_open(&w, CT_INIT_ACK, 0);
	chunk_put_init_fixed(&w, &ack);
	tlv_put(&w, PT_STATE_COOKIE, cbuf, clen);
	put_local_addrs(&loc, &w, ip, cx->src);
	if (ep->cfg.prsctp)
		tlv_put(&w, PT_FORWARD_TSN_SUPPORTED, no_value, 0);
	put_adaptation(&ep->cfg, &w);
	put_unrecognized(&w, ip);
	chunk_close(&w, off);
	pkt_finish(&w);
	ep_reply_commit(ep, &w, cx->src, cx->dst);
}

/* The raw Host Name Address parameter, for the Unresolvable Address
 * cause. */
static const uint8_t *find_param(const chunk_init *ci, uint16_t type,
				 size_t *len)
{
	tlv_iter it;
	tlv t;
	tlv_iter_init(&it, ci->params, ci->params_len);
	while (tlv_iter_next(&it, &t)) {
		if (t.type == type) {
			*len = t.length;
			return t.raw;
		}
	}
	return NULL;
}

/* Validates an INIT (§3.3.2).  Returns true when it may be answered with
 * an INIT ACK; otherwise it was discarded or answered with an ABORT. */
static bool init_valid(esctp_endpoint *ep, const pkt_chunk *c, const in_ctx *cx,
		       chunk_init *ci, init_params *ip, bool from_input)
{
	if (chunk_init_decode(c, ci) < 0 ||
	    init_params_decode(ci->params, ci->params_len, ip) < 0)
		return false;
	/* §3.3.2: "If the value of the Initiate Tag in a received INIT chunk
	 * is found to be 0, the receiver MUST silently discard the
	 * packet." */
	if (ci->init_tag == 0)
		return false;
	/* §3.3.2: "A receiver of an INIT chunk with the OS value set to 0
	 * MUST discard the packet, SHOULD send a packet in response
	 * containing an ABORT chunk and using the Initiate Tag as the
	 * Verification Tag, and MUST NOT change the state of any existing
	 * association."  The same is said of MIS. */
	if (ci->os == 0 || ci->mis == 0) {
		ep_reply_abort(ep, cx->src, cx->dst, cx->h->src_port,
			       ci->init_tag, false, CAUSE_INVALID_PARAM, NULL,
			       0, from_input);
		return false;
	}
	/* §3.3.2.1: a receiver of a Host Name Address "MUST send an ABORT
	 * chunk with the error cause 'Unresolvable Address'". */
	if (ip->has_host_name) {
		size_t len = 0;
		const uint8_t *hn = find_param(ci, PT_HOST_NAME, &len);
		ep_reply_abort(ep, cx->src, cx->dst, cx->h->src_port,
			       ci->init_tag, false, CAUSE_UNRESOLVABLE_ADDR, hn,
			       hn ? len : 0, from_input);
		return false;
	}
	return true;
}

/* Addresses of the INIT (and its source) that are not paths of a, as
 * address parameters for the "Restart of an Association with New
 * Addresses" cause.  Returns their byte length. */
static size_t new_addrs(const esctp_assoc *a, const init_params *ip,
			const esctp_addr *src, uint8_t *buf, size_t cap)
{
	wbuf w;
	wbuf_init(&w, buf, cap);
	if (assoc_find_path(a, src) < 0)
		param_put_addr(&w, src);
	for (unsigned i = 0; i < ip->naddrs; i++)
		if (assoc_find_path(a, &ip->addrs[i]) < 0)
			param_put_addr(&w, &ip->addrs[i]);
	return w.err ? cap : w.len;
}

/* RFC 6951 §5.4: an INIT from a known address but another UDP port is a
 * restart the peer cannot have meant for this association. */
static bool encap_port_changed(const esctp_assoc *a, const in_ctx *cx)
{
	if (cx->pi == NO_PATH || a->state < ESCTP_ESTABLISHED)
		return false;
	return a->paths[cx->pi].addr.port != cx->src->port;
}

void hs_on_init(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx)
{
	esctp_endpoint *ep = a->ep;
	chunk_init ci;
	init_params ip;
	uint8_t buf[(INIT_MAX_ADDRS + 1) * 20];
	if (!init_valid(ep, c, cx, &ci, &ip, false))
		return;
	if (a->state == ESCTP_SHUTDOWN_ACK_SENT) {
		/* §9.2: "it SHOULD discard the INIT chunk and retransmit the
		 * SHUTDOWN ACK chunk." */
		a->ctl |= CTL_SHUTDOWN_ACK;
		return;
	}
	/* §5.2.1 and §5.2.2: an INIT that adds addresses "MUST be
	 * discarded"; the ABORT with "Restart of an Association with New
	 * Addresses" tells the peer why. */
	size_t n = new_addrs(a, &ip, cx->src, buf, sizeof buf);
	if (n) {
		ep_reply_abort(ep, cx->src, cx->dst, cx->h->src_port,
			       ci.init_tag, false, CAUSE_RESTART_NEW_ADDRS, buf,
			       MIN(n, sizeof buf), false);
		return;
	}
	if (encap_port_changed(a, cx)) {
		uint8_t v[4];
		put16(v, a->paths[cx->pi].addr.port);
		put16(v + 2, cx->src->port);
		ep_reply_abort(ep, cx->src, cx->dst, cx->h->src_port,
			       ci.init_tag, false, CAUSE_RESTART_NEW_ENCAP_PORT,
			       v, 4, false);
		return;
	}
	/* The existing association, its state and timers stay untouched
	 * (§5.2.1: "the endpoint shall not change state"). */
	hs_send_init_ack(ep, a, &ci, &ip, cx, NULL);
}

/* ---- receiving the INIT ACK ---- */

static void init_ack_fail(esctp_assoc *a, const chunk_init *ci, uint16_t code,
			  const void *val, size_t len)
{
	/* §3.3.3: "the receiver MUST destroy the association discarding its
	 * TCB. The receiver MAY send an ABORT for debugging purpose." */
	if (ci->init_tag) {
		const path *p = &a->paths[a->hs_path];
		ep_reply_abort(a->ep, &p->addr, &a->local_addr, a->peer_port,
			       ci->init_tag, false, code, val, len, false);
	}
	assoc_close(a, ESCTP_EV_CANT_START, ESCTP_ERR_PROTO, code);
}

/* Keeps the cookie, and the Unrecognized Parameters cause that §3.2.2
 * wants bundled with the COOKIE ECHO. */
static int keep_cookie(esctp_assoc *a, const init_params *ip)
{
	size_t elen = 0;
	for (unsigned i = 0; i < ip->nunrec; i++)
		elen += PAD4(get16(ip->unrec[i] + 2));
	if (elen)
		elen += 4;
	uint8_t *p = mem_alloc(&a->ep->mem, ip->cookie_len + elen);
	if (!p)
		return ESCTP_ERR_NOMEM;
	assoc_free_handshake(a);
	memcpy(p, ip->cookie, ip->cookie_len);
	if (elen) {
		uint8_t *e = p + ip->cookie_len;
		put16(e, CAUSE_UNRECOGNIZED_PARAMS);
		put16(e + 2, (uint16_t)elen);
		e += 4;
		for (unsigned i = 0; i < ip->nunrec; i++) {
			uint16_t l = get16(ip->unrec[i] + 2);
			memset(e, 0, PAD4(l));
			memcpy(e, ip->unrec[i], l);
			e += PAD4(l);
		}
	}
	a->cookie = p;
	a->cookie_len = (uint16_t)ip->cookie_len;
	a->cookie_err_len = (uint16_t)elen;
	return 0;
}

static void add_peer_addrs(esctp_assoc *a, const init_params *ip, in_ctx *cx)
{
	if (cx->pi == NO_PATH) {
		/* A reply from an address we did not send to, but carrying
		 * our tag: the peer owns it. */
		int pi = assoc_add_path(a, cx->src, true, cx->now);
		cx->pi = pi < 0 ? NO_PATH : (uint8_t)pi;
	}
	if (cx->pi != NO_PATH)
		path_learn_port(a, cx->pi, cx->src);
	for (unsigned i = 0; i < ip->naddrs; i++) {
		esctp_addr ad = ip->addrs[i];
		if (a->has_local && !hs_family_taken(&a->local, ad.family))
			continue;
		ad.port = cx->src->port;
		if (assoc_find_path(a, &ad) < 0)
			assoc_add_path(a, &ad, false, cx->now);
	}
}

void hs_on_init_ack(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx)
{
	const esctp_config *cfg = &a->ep->cfg;
	chunk_init ci;
	init_params ip;
	/* §5.2.3: "If an INIT ACK is received by an endpoint in any state
	 * other than the COOKIE-WAIT or CLOSED state, the endpoint SHOULD
	 * discard the INIT ACK chunk." */
	if (a->state != ESCTP_COOKIE_WAIT)
		return;
	if (chunk_init_decode(c, &ci) < 0 ||
	    init_params_decode(ci.params, ci.params_len, &ip) < 0)
		return;
	if (!ci.init_tag || !ci.os || !ci.mis) {
		init_ack_fail(a, &ci, CAUSE_INVALID_PARAM, NULL, 0);
		return;
	}
	if (!ip.cookie || !ip.cookie_len || ip.cookie_len > cfg->mtu) {
		/* Missing Mandatory Parameter: one missing, the cookie. */
		uint8_t v[6];
		put32(v, 1);
		put16(v + 4, PT_STATE_COOKIE);
		init_ack_fail(a, &ci, CAUSE_MISSING_PARAM, v, 6);
		return;
	}
	if (ip.has_host_name) {
		size_t len = 0;
		const uint8_t *hn = find_param(&ci, PT_HOST_NAME, &len);
		init_ack_fail(a, &ci, CAUSE_UNRESOLVABLE_ADDR, hn,
			      hn ? len : 0);
		return;
	}
	a->peer_vtag = ci.init_tag;
	if (cx->dst->family)
		a->local_addr = *cx->dst;
	a->out_streams = MIN(cfg->out_streams, ci.mis);
	a->in_streams = MIN(cfg->max_in_streams, ci.os);
	a->prsctp = cfg->prsctp && ip.forward_tsn;
	a->peer_adaptation_present = ip.has_adaptation;
	a->peer_adaptation = ip.adaptation;
	add_peer_addrs(a, &ip, cx);
	if (keep_cookie(a, &ip) < 0 ||
	    assoc_setup_data(a, ci.initial_tsn, ci.a_rwnd, cx->now) < 0) {
		assoc_close(a, ESCTP_EV_CANT_START, ESCTP_ERR_NOMEM, 0);
		return;
	}
	/* §5.1 C: "stop the T1-init timer and leave the COOKIE-WAIT state.
	 * It SHOULD then send the State Cookie received in the INIT ACK
	 * chunk in a COOKIE ECHO chunk, start the T1-cookie timer, and
	 * enter the COOKIE-ECHOED state." */
	a->state = ESCTP_COOKIE_ECHOED;
	a->ctl = (uint8_t)((a->ctl & ~CTL_INIT) | CTL_COOKIE_ECHO);
	a->init_retrans = 0;
	a->t1_rto = ms_to_ts(cfg->rto_initial_ms);
	a->t1 = ts_add(cx->now, a->t1_rto);
}

/* ---- T1 ---- */

/* §6.4: "an endpoint SHOULD try to retransmit a chunk that timed out to an
 * active destination transport address that is different from the last
 * destination address to which the DATA chunk was sent" -- applied to
 * INIT as the kernel does, among the addresses the user gave. */
static void next_hs_path(esctp_assoc *a)
{
	for (unsigned k = 1; k < a->npaths; k++) {
		unsigned i = (a->hs_path + k) % a->npaths;
		if (a->paths[i].confirmed) {
			a->hs_path = (uint8_t)i;
			return;
		}
	}
}

void hs_t1_expire(esctp_assoc *a, esctp_tstamp now)
{
	const esctp_config *cfg = &a->ep->cfg;
	a->t1 = ESCTP_TSTAMP_NEVER;
	if (a->state != ESCTP_COOKIE_WAIT && a->state != ESCTP_COOKIE_ECHOED)
		return;
	/* §5.1: "This MUST be repeated up to 'Max.Init.Retransmits' times.
	 * After that, the endpoint MUST abort the initialization process and
	 * report the error to the SCTP user."  Error 0: timed out. */
	if (a->init_retrans >= cfg->max_init_retrans) {
		assoc_close(a, ESCTP_EV_CANT_START, 0, 0);
		return;
	}
	a->init_retrans++;
	/* §6.3.3 E2, as for T3: the timer backs off. */
	a->t1_rto = MIN(a->t1_rto * 2, ms_to_ts(cfg->rto_max_ms));
	a->t1 = ts_add(now, a->t1_rto);
	if (a->state == ESCTP_COOKIE_WAIT) {
		next_hs_path(a);
		a->ctl |= CTL_INIT;
	} else {
		a->ctl |= CTL_COOKIE_ECHO;
	}
}

/* ---- packets matching no association ---- */

/* An INIT or INIT ACK from an address we do not know may still belong to
 * an association through the addresses it lists (a multihomed peer). */
static esctp_assoc *find_by_params(esctp_endpoint *ep, const pkt_chunk *c,
				   uint16_t port)
{
	chunk_init ci;
	init_params ip;
	uint8_t pi;
	if (chunk_init_decode(c, &ci) < 0 ||
	    init_params_decode(ci.params, ci.params_len, &ip) < 0)
		return NULL;
	for (unsigned i = 0; i < ip.naddrs; i++) {
		esctp_assoc *a = ep_table_find(ep, &ip.addrs[i], port, &pi);
		if (a)
			return a;
	}
	return NULL;
}

static void new_init(esctp_endpoint *ep, const pkt_chunk *c, in_ctx *cx,
		     const uint8_t *pkt, size_t len)
{
	chunk_init ci;
	init_params ip;
	esctp_local loc;
	memset(&loc, 0, sizeof loc);
	if (!ep->filter) {
		local_of(ep, NULL, &loc);
	} else {
		switch (ep->filter->on_init(ep->filter, cx->src,
					    cx->h->src_port, cx->dst, &loc)) {
		case ESCTP_INIT_ACCEPT:
			break;
		case ESCTP_INIT_REFUSE:
			/* As a port where nobody listens (§8.4). */
			ep_ootb(ep, pkt, len, cx->h, cx->src, cx->dst);
			return;
		default:
			return;
		}
		if (loc.naddrs > ESCTP_MAX_LOCAL)
			loc.naddrs = ESCTP_MAX_LOCAL;
	}
	if (init_valid(ep, c, cx, &ci, &ip, true))
		hs_send_init_ack(ep, NULL, &ci, &ip, cx, &loc);
}

void hs_input_no_tcb(esctp_endpoint *ep, const uint8_t *pkt, size_t len,
		     const pkt_header *h, const esctp_addr *src,
		     const esctp_addr *dst, esctp_tstamp now)
{
	pkt_iter it;
	pkt_chunk c, extra;
	pkt_iter_init(&it, pkt, len);
	if (!pkt_iter_next(&it, &c))
		return;
	bool alone = !pkt_iter_next(&it, &extra);
	esctp_assoc *a = NULL;
	if ((c.type == CT_INIT || c.type == CT_INIT_ACK) && alone)
		a = find_by_params(ep, &c, h->src_port);
	if (a && (c.type == CT_INIT || h->vtag == a->local_vtag)) {
		assoc_input(a, pkt, len, h, NO_PATH, src, dst, now);
		assoc_touch(a, now);
		return;
	}
	if (c.type == CT_COOKIE_ECHO) {
		hs_cookie_no_tcb(ep, pkt, len, h, src, dst, now);
		return;
	}
	if (c.type == CT_INIT && ep->listening) {
		/* §8.5.1 (A): the tag is 0 and the INIT alone, or the packet
		 * is silently discarded. */
		if (h->vtag != 0 || !alone)
			return;
		in_ctx cx;
		memset(&cx, 0, sizeof cx);
		cx.h = h;
		cx.src = src;
		cx.dst = dst;
		cx.pi = NO_PATH;
		cx.now = now;
		new_init(ep, &c, &cx, pkt, len);
		return;
	}
	/* §8.4; an INIT on a port that does not listen gets the ABORT of
	 * rule 3, as the kernel answers with ECONNREFUSED. */
	ep_ootb(ep, pkt, len, h, src, dst);
}
