/*
 * assoc_path.c - the peer's transport addresses (RFC 9260 §6.4, §5.4):
 * adding and choosing paths, heartbeats (§8.3), path failure and recovery
 * (§8.2), failover of retransmissions (§6.4.1), and the per-path settings
 * of the public API.
 */
#include "assoc.h"

#define HB_MAGIC 0x65484231u /* "eHB1" */
#define HB_INFO_LEN 24

static const esctp_config *cfg_of(const esctp_assoc *a)
{
	return &a->ep->cfg;
}

int assoc_find_path(const esctp_assoc *a, const esctp_addr *addr)
{
	for (unsigned i = 0; i < a->npaths; i++)
		if (esctp_addr_same_ip(&a->paths[i].addr, addr))
			return (int)i;
	return -1;
}

int assoc_add_path(esctp_assoc *a, const esctp_addr *addr, bool confirmed,
		   esctp_tstamp now)
{
	const esctp_config *cfg = cfg_of(a);
	int found = assoc_find_path(a, addr);
	if (found >= 0)
		return found;
	if ((addr->family != ESCTP_AF_INET && addr->family != ESCTP_AF_INET6) ||
	    a->npaths >= ESCTP_MAX_PATHS)
		return ESCTP_ERR_INVAL;
	path *np =
	    mem_realloc(&a->ep->mem, a->paths, (a->npaths + 1u) * sizeof *np);
	if (!np)
		return ESCTP_ERR_NOMEM;
	a->paths = np;
	unsigned i = a->npaths;
	path *p = &np[i];
	memset(p, 0, sizeof *p);
	path_init(p, addr, cfg->mtu, cfg->rcvbuf,
		  ms_to_ts(cfg->rto_initial_ms));
	p->confirmed = confirmed;
	p->t3 = ESCTP_TSTAMP_NEVER;
	p->hb_due = ESCTP_TSTAMP_NEVER;
	a->npaths++;
	if (ep_table_add(a->ep, a, (uint8_t)i) < 0) {
		a->npaths--;
		return ESCTP_ERR_NOMEM;
	}
	if (a->state >= ESCTP_ESTABLISHED)
		path_hb_schedule(a, i, now);
	path_update_frag(a);
	return (int)i;
}

void path_learn_port(esctp_assoc *a, uint8_t pi, const esctp_addr *src)
{
	/* RFC 6951 §5.4: the remote UDP encapsulation port is what the peer
	 * sends from, per address, and follows it when it changes. */
	if (pi < a->npaths)
		a->paths[pi].addr.port = src->port;
}

uint32_t path_frag_point(const esctp_assoc *a)
{
	if (!a->npaths)
		return 0;
	uint16_t mtu = a->paths[0].mtu;
	for (unsigned i = 1; i < a->npaths; i++)
		mtu = MIN(mtu, a->paths[i].mtu);
	/* One DATA chunk per packet at most: common header and DATA
	 * header off. */
	uint32_t frag = (uint32_t)mtu - PKT_HEADER_LEN - DATA_HEADER_LEN;
	/* RFC 6458 §8.1.16 (SCTP_MAXSEG): "If a message is larger than this
	 * size, it will be fragmented by SCTP into the specified size.  Note
	 * that the underlying SCTP implementation may fragment into smaller
	 * sized chunks when the PMTU of the underlying association is
	 * smaller than the value set by the user."  The smaller wins, as in
	 * Linux's sctp_assoc_update_frag_point(). */
	if (a->maxseg && a->maxseg < frag)
		frag = a->maxseg;
	/* A multiple of 4, so padding never overflows the packet. */
	return frag & ~3u;
}

void path_update_frag(esctp_assoc *a)
{
	if (a->tx && a->npaths)
		tx_set_frag_size(a->tx, path_frag_point(a));
}

static bool usable(const path *p)
{
	return p->confirmed && p->state == PATH_ACTIVE;
}

unsigned assoc_data_path(esctp_assoc *a)
{
	/* §6.4.1: retransmissions after a T3 expiry go to the alternate
	 * path chosen then, while there are any. */
	if (a->rtx_path != NO_PATH && a->rtx_path < a->npaths &&
	    usable(&a->paths[a->rtx_path]) && a->tx &&
	    tx_has_retransmits(a->tx))
		return a->rtx_path;
	/* §6.4: "An endpoint SHOULD transmit DATA chunks to the primary
	 * path" unless it is inactive, then another active one. */
	if (usable(&a->paths[a->primary]))
		return a->primary;
	for (unsigned i = 0; i < a->npaths; i++)
		if (usable(&a->paths[i]))
			return i;
	for (unsigned i = 0; i < a->npaths; i++)
		if (a->paths[i].confirmed && a->paths[i].state == PATH_PF)
			return i;
	/* All down: keep probing the primary with data (T3 backs off). */
	return a->primary;
}

unsigned assoc_send_path(esctp_assoc *a, esctp_tstamp now)
{
	unsigned dp = assoc_data_path(a);
	if (!a->tx)
		return dp;
	/* Linux (sctp_outq_select_transport) keeps a chunk on the
	 * transport its sender named unless that one is inactive,
	 * unconfirmed or potentially failed; then the active path takes
	 * it. */
	uint32_t mask = 0;
	for (unsigned i = 0; i < a->npaths; i++)
		if (usable(&a->paths[i]))
			mask |= 1u << i;
	tx_route(a->tx, dp, mask);
	if (tx_has_retransmits(a->tx))
		return dp;
	int d = tx_next_path(a->tx, now);
	return d >= 0 && (unsigned)d < a->npaths ? (unsigned)d : dp;
}

int assoc_msg_dest(const esctp_assoc *a, const esctp_sndinfo *info)
{
	if (!(info->flags & ESCTP_ADDR_OVER))
		return TX_NO_DEST;
	int i = assoc_find_path(a, &info->addr);
	return i < 0 ? ESCTP_ERR_INVAL : i;
}

static void addr_event(esctp_assoc *a, unsigned pi, int state)
{
	esctp_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = ESCTP_EV_PEER_ADDR_CHANGE;
	ev.assoc = a;
	ev.path_state = state;
	ev.addr = a->paths[pi].addr;
	ev_post(a->ep, &ev);
}

void path_strike(esctp_assoc *a, unsigned pi, esctp_tstamp now)
{
	const esctp_config *cfg = cfg_of(a);
	path *p = &a->paths[pi];
	(void)now;
	p->error_count++;
	/* §8.2: "When the value in the error counter exceeds the protocol
	 * parameter 'Path.Max.Retrans' of that destination address, the
	 * endpoint SHOULD mark the destination transport address as inactive,
	 * and a notification SHOULD be sent to the upper layer." */
	if (p->state != PATH_INACTIVE &&
	    p->error_count > cfg->path_max_retrans) {
		p->state = PATH_INACTIVE;
		addr_event(a, pi, ESCTP_ADDR_UNREACHABLE);
		if (a->tx)
			tx_path_failed(a->tx, a->paths, a->npaths, pi);
		if (a->rtx_path == pi)
			a->rtx_path = NO_PATH;
		return;
	}
	/* RFC 7829: past PotentiallyFailed.Max.Retrans no new data. */
	if (p->state == PATH_ACTIVE && cfg->pf_retrans != 0xffff &&
	    p->error_count > cfg->pf_retrans) {
		p->state = PATH_PF;
		addr_event(a, pi, ESCTP_ADDR_POTENTIALLY_FAILED);
	}
}

/* §8.3: "Upon the receipt of the HEARTBEAT ACK, the sender of the
 * HEARTBEAT SHOULD clear the error counter of the destination transport
 * address to which the HEARTBEAT was sent and mark the destination
 * transport address as active if it is not so marked."  An ack of DATA
 * does the same (§8.2). */
static void path_alive(esctp_assoc *a, unsigned pi)
{
	path *p = &a->paths[pi];
	p->error_count = 0;
	if (p->state != PATH_ACTIVE) {
		p->state = PATH_ACTIVE;
		addr_event(a, pi, ESCTP_ADDR_AVAILABLE);
	}
}

void path_on_acked(esctp_assoc *a, uint32_t mask, esctp_tstamp now)
{
	(void)now;
	for (unsigned i = 0; i < a->npaths; i++)
		if (mask & (1u << i))
			path_alive(a, i);
}

/* An alternate for retransmissions (§6.4.1): "an endpoint SHOULD try to
 * retransmit a chunk that timed out to an active destination transport
 * address that is different from the last destination address to which
 * the DATA chunk was sent." */
static uint8_t alternate(const esctp_assoc *a, unsigned pi)
{
	for (unsigned k = 1; k < a->npaths; k++) {
		unsigned i = (pi + k) % a->npaths;
		if (usable(&a->paths[i]))
			return (uint8_t)i;
	}
	return NO_PATH;
}

void path_t3_expire(esctp_assoc *a, unsigned pi, esctp_tstamp now)
{
	const esctp_config *cfg = cfg_of(a);
	path *p = &a->paths[pi];
	if (!a->tx) {
		p->t3 = ESCTP_TSTAMP_NEVER;
		return;
	}
	tx_on_t3(a->tx, a->paths, a->npaths, pi, ms_to_ts(cfg->rto_max_ms),
		 now);
	if (p->t3 <= now)
		p->t3 = ESCTP_TSTAMP_NEVER;
	assoc_drain_notices(a);
	/* §8.2: "Each time the T3-rtx timer expires on any address ... the
	 * error counter of that destination address will be incremented";
	 * §8.1 counts it for the association too. */
	path_strike(a, pi, now);
	if (!sd_count_error(a))
		return;
	a->rtx_path = alternate(a, pi);
}

/* ---- heartbeats ---- */

static bool hb_state(const esctp_assoc *a)
{
	return a->state >= ESCTP_ESTABLISHED;
}

void path_hb_schedule(esctp_assoc *a, unsigned pi, esctp_tstamp now)
{
	path *p = &a->paths[pi];
	p->hb_due = ESCTP_TSTAMP_NEVER;
	if (!hb_state(a))
		return;
	esctp_tstamp rto = p->rto ? p->rto : ESCTP_MS;
	/* §5.4: "In each RTO, a probe MAY be sent on an active UNCONFIRMED
	 * path in an attempt to move it to the CONFIRMED state. If during
	 * this probing the path becomes inactive, this rate is lowered to the
	 * normal HEARTBEAT rate." */
	if (!p->confirmed && p->state != PATH_INACTIVE) {
		p->hb_due = ts_add(now, rto);
		return;
	}
	if (!a->hb_interval_ms)
		return;
	/* §8.3: "it is RECOMMENDED that a HEARTBEAT chunk is sent once per
	 * RTO of that destination address plus the protocol parameter
	 * 'HB.interval', with jittering of +/- 50% of the RTO value". */
	esctp_tstamp jitter = (esctp_tstamp)ep_random32(a->ep) % rto;
	esctp_tstamp base = ts_add(now, ms_to_ts(a->hb_interval_ms) + rto / 2);
	p->hb_due = ts_add(base, jitter);
}

void path_hb_start(esctp_assoc *a, esctp_tstamp now)
{
	for (unsigned i = 0; i < a->npaths; i++)
		path_hb_schedule(a, i, now);
}

void path_hb_expire(esctp_assoc *a, unsigned pi, esctp_tstamp now)
{
	const esctp_config *cfg = cfg_of(a);
	path *p = &a->paths[pi];
	p->hb_due = ESCTP_TSTAMP_NEVER;
	if (!hb_state(a))
		return;
	if (p->hb_nonce) {
		/* §8.2: "when a HEARTBEAT sent to an idle address is not
		 * acknowledged within an RTO, the error counter of that
		 * destination address will be incremented", with "exponential
		 * backoff of the RTO if the previous HEARTBEAT is
		 * unanswered" (§8.3).  §8.1: it counts for the association
		 * only on "the path that is currently used for data
		 * transfer". */
		p->hb_nonce = 0;
		p->hb_sent = 0;
		path_backoff(p, ms_to_ts(cfg->rto_max_ms));
		bool data_path = pi == assoc_data_path(a);
		path_strike(a, pi, now);
		if (data_path && !sd_count_error(a))
			return;
	}
	/* Only idle paths are probed: one that carried DATA within the
	 * interval is watched by T3-rtx already. */
	if (p->confirmed && p->state == PATH_ACTIVE && p->last_send &&
	    ts_add(p->last_send, ms_to_ts(a->hb_interval_ms)) > now) {
		path_hb_schedule(a, pi, p->last_send);
		if (p->hb_due > now)
			return;
	}
	if (!p->confirmed || a->hb_interval_ms || p->state != PATH_ACTIVE)
		p->hb_pending = true;
}

/*
 * HEARTBEAT (4), with our Heartbeat Information:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Type = 4    | Chunk  Flags  |      Heartbeat Length         |
 * |   Heartbeat Info Type = 1     |   HB Info Length = 28         |
 * |                        Magic "eHB1"                           |
 * |                         Path index                            |
 * |                      Nonce (64 bits)                          |
 * |                  Send time (64 bits, ns)                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
void path_put_heartbeat(esctp_assoc *a, unsigned pi, wbuf *w, esctp_tstamp now)
{
	path *p = &a->paths[pi];
	uint8_t info[HB_INFO_LEN];
	if (wbuf_room(w) < 4 + 4 + HB_INFO_LEN)
		return;
	uint64_t nonce;
	do
		a->ep->ops.random(a->ep->ops.user, &nonce, sizeof nonce);
	while (nonce == 0);
	put32(info, HB_MAGIC);
	put32(info + 4, pi);
	put32(info + 8, (uint32_t)(nonce >> 32));
	put32(info + 12, (uint32_t)nonce);
	put32(info + 16, (uint32_t)(now >> 32));
	put32(info + 20, (uint32_t)now);
	chunk_put_heartbeat(w, CT_HEARTBEAT, info, sizeof info);
	if (w->err)
		return;
	p->hb_pending = false;
	p->hb_nonce = nonce;
	p->hb_sent = now;
	path_hb_schedule(a, pi, now);
}

void path_on_heartbeat(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx)
{
	const uint8_t *info;
	size_t len;
	wbuf w;
	if (!a->peer_vtag)
		return;
	if (chunk_heartbeat_decode(c, &info, &len) < 0) {
		cx->stop = true;
		return;
	}
	/* §8.3: "The receiver of the HEARTBEAT chunk SHOULD immediately
	 * respond with a HEARTBEAT ACK chunk.  The HEARTBEAT ACK chunk is
	 * always sent to the source IP address of the IP datagram containing
	 * the HEARTBEAT chunk to which this HEARTBEAT ACK chunk is
	 * responding"; the Heartbeat Information is copied unchanged. */
	if (!ep_reply_begin(a->ep, &w, false))
		return;
	out_header(a, &w);
	chunk_put_heartbeat(&w, CT_HEARTBEAT_ACK, info, len);
	pkt_finish(&w);
	ep_reply_commit(a->ep, &w, cx->src, cx->dst);
}

void path_on_heartbeat_ack(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx)
{
	const esctp_config *cfg = cfg_of(a);
	const uint8_t *info;
	size_t len;
	if (chunk_heartbeat_decode(c, &info, &len) < 0) {
		cx->stop = true;
		return;
	}
	/* Never trust what comes back: layout, path, nonce and time must be
	 * exactly those of the HEARTBEAT outstanding on that path. */
	if (len != HB_INFO_LEN || get32(info) != HB_MAGIC)
		return;
	uint32_t pi = get32(info + 4);
	if (pi >= a->npaths)
		return;
	path *p = &a->paths[pi];
	uint64_t nonce = ((uint64_t)get32(info + 8) << 32) | get32(info + 12);
	uint64_t sent = ((uint64_t)get32(info + 16) << 32) | get32(info + 20);
	if (!p->hb_nonce || nonce != p->hb_nonce || sent != p->hb_sent ||
	    sent > cx->now)
		return;
	p->hb_nonce = 0;
	p->hb_sent = 0;
	/* §8.3: "the RTT measurement SHOULD be performed on the HEARTBEAT
	 * ACK"; §8.1: the association error counter "SHOULD be reset ... [when]
	 * a HEARTBEAT ACK is received from the peer endpoint." */
	path_rtt_sample(p, cx->now - sent, ms_to_ts(cfg->rto_min_ms),
			ms_to_ts(cfg->rto_max_ms));
	a->error_count = 0;
	if (!p->confirmed) {
		/* §5.4: the nonce echoed from this address confirms it. */
		p->confirmed = true;
		addr_event(a, pi, ESCTP_ADDR_CONFIRMED);
		path_hb_schedule(a, pi, cx->now);
	}
	path_alive(a, pi);
}

void path_reset_all(esctp_assoc *a, esctp_tstamp now)
{
	const esctp_config *cfg = cfg_of(a);
	(void)now;
	for (unsigned i = 0; i < a->npaths; i++) {
		path *p = &a->paths[i];
		esctp_addr addr = p->addr;
		uint16_t mtu = p->mtu;
		bool confirmed = p->confirmed;
		memset(p, 0, sizeof *p);
		path_init(p, &addr, mtu, cfg->rcvbuf,
			  ms_to_ts(cfg->rto_initial_ms));
		p->confirmed = confirmed;
		p->t3 = ESCTP_TSTAMP_NEVER;
		p->hb_due = ESCTP_TSTAMP_NEVER;
	}
}

/* ---- public settings ---- */

int esctp_assoc_set_primary(esctp_assoc *a, const esctp_addr *addr)
{
	if (!a || !addr)
		return ESCTP_ERR_INVAL;
	int i = assoc_find_path(a, addr);
	if (i < 0)
		return ESCTP_ERR_INVAL;
	a->primary = (uint8_t)i;
	addr_event(a, (unsigned)i, ESCTP_ADDR_MADE_PRIM);
	return 0;
}

int esctp_assoc_set_mtu(esctp_assoc *a, const esctp_addr *addr, uint16_t mtu)
{
	/* Below this no INIT or COOKIE ECHO fits. */
	if (!a || mtu < 512)
		return ESCTP_ERR_INVAL;
	int i = addr ? assoc_find_path(a, addr) : -1;
	if (addr && i < 0)
		return ESCTP_ERR_INVAL;
	for (unsigned k = 0; k < a->npaths; k++)
		if (!addr || (int)k == i)
			a->paths[k].mtu = mtu;
	path_update_frag(a);
	return 0;
}

int esctp_assoc_set_maxseg(esctp_assoc *a, uint32_t bytes)
{
	/* Below 4 the rounding would leave no room for data at all. */
	if (!a || (bytes && bytes < 4))
		return ESCTP_ERR_INVAL;
	a->maxseg = bytes;
	path_update_frag(a);
	/* A message Nagle holds because it is shorter than a fragment may
	 * be a full one now.  The call carries no time: the latest the host
	 * gave us serves.  Without a sender nothing is held. */
	if (a->tx && assoc_live(a))
		assoc_touch(a, a->now_seen);
	return 0;
}

/* RFC 9260 §8.3: "the sender MAY also send HEARTBEAT chunks ... upon
 * the request of the upper layer" (SPP_HB_DEMAND). */
int esctp_assoc_heartbeat_now(esctp_assoc *a, const esctp_addr *addr)
{
	if (!a)
		return ESCTP_ERR_INVAL;
	if (!hb_state(a) || !assoc_live(a))
		return ESCTP_ERR_STATE;
	int i = addr ? assoc_find_path(a, addr) : -1;
	if (addr && i < 0)
		return ESCTP_ERR_INVAL;
	for (unsigned k = 0; k < a->npaths; k++)
		if (!addr || (int)k == i)
			a->paths[k].hb_pending = true;
	assoc_touch(a, a->now_seen);
	return 0;
}

void esctp_assoc_set_hb_interval(esctp_assoc *a, uint32_t ms)
{
	if (!a)
		return;
	a->hb_interval_ms = ms;
	if (!assoc_live(a))
		return;
	/* The call carries no time: the latest the host gave us serves. */
	for (unsigned i = 0; i < a->npaths; i++)
		path_hb_schedule(a, i, a->now_seen);
	assoc_touch(a, a->now_seen);
}
