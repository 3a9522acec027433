/*
 * host.c - runs engine endpoints over the UDP encapsulation sockets.
 *
 * Data path: recvmmsg batch -> route by destination SCTP port ->
 * esctp_endpoint_input -> events to handlers -> the replies that input
 * provoked straight into the send slots -> (batch done) pump: every
 * endpoint marked dirty has its events dispatched, its handler topped up,
 * its output drained straight into the send slots and its timer re-armed at
 * esctp_endpoint_deadline -> sendmmsg.  Nothing is allocated per packet.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "host.h"

/* Batches read per wake-up before pumping again. */
#define HOST_RX_ROUNDS 8
/* ICMP errors read per wake-up. */
#define HOST_ERR_BATCH 64

struct host_ep {
	host *h;
	esctp_endpoint *ep;
	host_handler *hd;
	uint16_t port;
	bool dirty; /* queued on h->dirty_head */
	bool dead;  /* unregistered; freed when no longer busy nor queued */
	int busy;   /* nesting of host code running for this endpoint */
	host_ep *next_dirty;
	loop_timer timer;
};

struct host {
	loop *l;
	host_config cfg;
	udp_sock udp;
	udp_rx *rx;
	/* The last batch is rx[0..rx_count); the engine has seen those
	 * before rx_next. */
	size_t rx_next, rx_count;
	udp_tx *tx;
	bool tx_blocked;
	host_ep **ports; /* 65536 entries, indexed by local SCTP port */
	host_ep *dirty_head, *dirty_tail;
	esctp_ops ops;
	host_ops_ctx ctx;
	host_stats st;
};

/* ---- esctp_ops ---- */

static void fill_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* The engine's tags and the cookie key need strong
			 * randomness; there is no safe fallback. */
			perror("host: getrandom");
			abort();
		}
		p += n;
		len -= (size_t)n;
	}
}

static void ops_random(void *user, void *buf, size_t len)
{
	host_ops_ctx *ctx = user;
	uint8_t *p = buf;

	if (len > sizeof(ctx->pool)) {
		fill_random(buf, len);
		return;
	}
	while (len) {
		if (!ctx->pool_left) {
			fill_random(ctx->pool, sizeof(ctx->pool));
			ctx->pool_left = sizeof(ctx->pool);
		}
		size_t n = len < ctx->pool_left ? len : ctx->pool_left;
		uint8_t *src = ctx->pool + sizeof(ctx->pool) - ctx->pool_left;
		memcpy(p, src, n);
		/* Handed-out bytes are not kept. */
		memset(src, 0, n);
		ctx->pool_left -= n;
		p += n;
		len -= n;
	}
}

static void ops_cookie_mac(void *user, const void *data, size_t len,
			   uint8_t mac[ESCTP_MAC_LEN])
{
	host_ops_ctx *ctx = user;
	unsigned int maclen = ESCTP_MAC_LEN;

	if (!HMAC(EVP_sha256(), ctx->key, sizeof(ctx->key), data, len, mac,
		  &maclen)) {
		/* A MAC nobody can reproduce makes every cookie invalid, which
		 * fails closed. */
		fill_random(mac, ESCTP_MAC_LEN);
	}
}

/* The counting allocator prefixes each block with its size. */
typedef union mem_hdr {
	size_t size;
	max_align_t align;
} mem_hdr;

static void *ops_alloc(void *user, size_t size)
{
	host_ops_ctx *ctx = user;
	mem_hdr *m = malloc(sizeof(*m) + size);

	if (!m)
		return NULL;
	m->size = size;
	ctx->mem.allocs++;
	ctx->mem.bytes += size;
	if (ctx->mem.bytes > ctx->mem.peak)
		ctx->mem.peak = ctx->mem.bytes;
	return m + 1;
}

static void ops_free(void *user, void *ptr)
{
	host_ops_ctx *ctx = user;

	if (!ptr)
		return;
	mem_hdr *m = (mem_hdr *)ptr - 1;
	ctx->mem.frees++;
	ctx->mem.bytes -= m->size;
	free(m);
}

static void *ops_realloc(void *user, void *ptr, size_t size)
{
	host_ops_ctx *ctx = user;

	if (!ptr)
		return ops_alloc(user, size);
	mem_hdr *old = (mem_hdr *)ptr - 1;
	size_t old_size = old->size;
	mem_hdr *m = realloc(old, sizeof(*m) + size);
	if (!m)
		return NULL;
	m->size = size;
	ctx->mem.bytes = ctx->mem.bytes - old_size + size;
	if (ctx->mem.bytes > ctx->mem.peak)
		ctx->mem.peak = ctx->mem.bytes;
	return m + 1;
}

void host_ops_init(esctp_ops *ops, host_ops_ctx *ctx, bool counting)
{
	memset(ctx, 0, sizeof(*ctx));
	fill_random(ctx->key, sizeof(ctx->key));
	ctx->counting = counting;
	memset(ops, 0, sizeof(*ops));
	ops->user = ctx;
	ops->random = ops_random;
	ops->cookie_mac = ops_cookie_mac;
	if (counting) {
		ops->alloc = ops_alloc;
		ops->realloc = ops_realloc;
		ops->free = ops_free;
	}
}

/* ---- endpoints ---- */

static void ep_mark(host_ep *e)
{
	host *h = e->h;

	if (e->dirty || e->dead)
		return;
	e->dirty = true;
	e->next_dirty = NULL;
	if (h->dirty_tail)
		h->dirty_tail->next_dirty = e;
	else
		h->dirty_head = e;
	h->dirty_tail = e;
}

static void ep_release(host_ep *e)
{
	if (e->dead && !e->busy && !e->dirty)
		free(e);
}

/* The end of a call into an endpoint's engine (counted in e->busy while it
 * runs, so a handler cannot free it under us): what it must send is
 * scheduled (ep_mark), and one deleted meanwhile is freed now. */
static void ep_leave(host_ep *e)
{
	e->busy--;
	ep_mark(e);
	ep_release(e);
}

static bool is_loopback(const esctp_addr *a)
{
	static const uint8_t v6_loop[16] = {[15] = 1};

	if (a->family == ESCTP_AF_INET)
		return a->ip[0] == 127;
	return a->family == ESCTP_AF_INET6 && memcmp(a->ip, v6_loop, 16) == 0;
}

uint16_t host_mtu_for(const host *h, const esctp_addr *peer)
{
	if (h->cfg.mtu)
		return h->cfg.mtu;
	return is_loopback(peer) ? HOST_MTU_LOOPBACK : HOST_MTU_ETHERNET;
}

void host_assoc_fit_mtu(host *h, esctp_assoc *a)
{
	esctp_status st;

	if (h->cfg.mtu)
		return;
	esctp_assoc_status(a, &st);
	uint32_t n = st.npaths < 8 ? st.npaths : 8;
	for (uint32_t i = 0; i < n; i++) {
		const esctp_addr *p = &st.paths[i].addr;
		if (st.paths[i].mtu != host_mtu_for(h, p))
			esctp_assoc_set_mtu(a, p, host_mtu_for(h, p));
	}
}

/* Hands e's pending events to their handlers. */
static void ep_dispatch(host_ep *e)
{
	esctp_event ev;

	while (!e->dead && esctp_endpoint_next_event(e->ep, &ev) == 1) {
		if (ev.type == ESCTP_EV_COMM_UP && ev.assoc)
			host_assoc_fit_mtu(e->h, ev.assoc);
		host_handler *hd =
		    ev.assoc ? esctp_assoc_get_user(ev.assoc) : NULL;
		if (!hd)
			hd = e->hd;
		hd->on_event(hd, e, &ev);
	}
}

static void ep_on_timer(loop *l, loop_timer *t, void *arg)
{
	host_ep *e = arg;

	(void)t;
	e->busy++;
	esctp_endpoint_expire(e->ep, loop_now(l));
	ep_dispatch(e);
	ep_leave(e);
}

host_ep *host_add_endpoint(host *h, esctp_endpoint *ep, uint16_t port,
			   host_handler *hd)
{
	if (h->ports[port]) {
		errno = EADDRINUSE;
		return NULL;
	}
	host_ep *e = calloc(1, sizeof(*e));
	if (!e) {
		errno = ENOMEM;
		return NULL;
	}
	e->h = h;
	e->ep = ep;
	e->hd = hd;
	e->port = port;
	loop_timer_init(&e->timer, ep_on_timer, e);
	h->ports[port] = e;
	ep_mark(e);
	return e;
}

static bool ep_drain(host_ep *e, esctp_tstamp now);

void host_del_endpoint(host_ep *e)
{
	if (e->dead)
		return;
	/* What the endpoint still has to say leaves now: nobody would ask
	 * for it later (the SHUTDOWN COMPLETE or the ABORT of an association
	 * freed just before its endpoint; without it the peer waits for a
	 * retransmission timeout). */
	ep_drain(e, loop_now(e->h->l));
	loop_timer_cancel(e->h->l, &e->timer);
	e->h->ports[e->port] = NULL;
	e->dead = true;
	e->ep = NULL;
	ep_release(e);
}

host_ep *host_lookup(const host *h, uint16_t port)
{
	return h->ports[port];
}

esctp_endpoint *host_ep_endpoint(const host_ep *e)
{
	return e->ep;
}

host *host_ep_host(const host_ep *e)
{
	return e->h;
}

void host_kick(host_ep *e)
{
	ep_mark(e);
}

/* ---- sending ---- */

static void wait_writable(host *h, bool on);

/* Sends what is queued.  Returns true when the kernel would block. */
static bool host_flush(host *h)
{
	if (!udp_tx_pending(h->tx))
		return false;
	if (udp_tx_flush(&h->udp, h->tx) == 0)
		return false;
	if (!h->tx_blocked) {
		h->tx_blocked = true;
		wait_writable(h, true);
	}
	return true;
}

/* Moves e's packets into send slots.  Returns false when sending blocked. */
static bool ep_drain(host_ep *e, esctp_tstamp now)
{
	host *h = e->h;

	for (;;) {
		size_t cap;
		uint8_t *buf = udp_tx_slot(h->tx, &cap);
		if (!buf) {
			if (host_flush(h))
				return false;
			continue;
		}
		esctp_addr src, dst;
		int n = esctp_endpoint_output(e->ep, buf, cap, &src, &dst, now);
		if (n <= 0)
			return true;
		udp_tx_commit(h->tx, (size_t)n, &src, &dst);
	}
}

/* Moves the one-shot replies e's last input provoked (INIT ACKs, ABORTs,
 * HEARTBEAT ACKs, SACKs of back-to-back DATA) into send slots at once.  The
 * engine keeps them in a queue of a few packets that bounds what a flood
 * costs; waiting for the end of the batch to drain it dropped every INIT
 * ACK past the sixth of a batch of 32 INITs, and each of those clients
 * waited a second or more for its retransmission.  Replies the socket has
 * no room for stay in the engine's queue. */
static void ep_drain_replies(host_ep *e)
{
	host *h = e->h;

	while (!e->dead && esctp_endpoint_pending_replies(e->ep)) {
		size_t cap;
		uint8_t *buf = udp_tx_slot(h->tx, &cap);
		if (!buf) {
			if (host_flush(h))
				return;
			continue;
		}
		esctp_addr src, dst;
		int n =
		    esctp_endpoint_output_reply(e->ep, buf, cap, &src, &dst);
		if (n <= 0)
			return;
		udp_tx_commit(h->tx, (size_t)n, &src, &dst);
	}
}

static void ep_rearm(host_ep *e)
{
	esctp_tstamp d = esctp_endpoint_deadline(e->ep);

	if (d == ESCTP_TSTAMP_NEVER)
		loop_timer_cancel(e->h->l, &e->timer);
	else if (!loop_timer_armed(&e->timer) || e->timer.when != d)
		loop_timer_set(e->h->l, &e->timer, d);
}

/* Runs one dirty endpoint.  Returns false when sending blocked (e stays at
 * the head of the dirty list). */
static bool pump_one(host_ep *e, esctp_tstamp now)
{
	bool ok = true;

	e->busy++;
	ep_dispatch(e);
	if (!e->dead && e->hd->on_ready) {
		e->hd->on_ready(e->hd, e);
		ep_dispatch(e);
	}
	if (!e->dead) {
		ok = ep_drain(e, now);
		ep_rearm(e);
	}
	e->busy--;
	return ok;
}

void host_pump(host *h)
{
	esctp_tstamp now = loop_now(h->l);

	while (!h->tx_blocked && h->dirty_head) {
		host_ep *e = h->dirty_head;
		if (!pump_one(e, now))
			break;
		h->dirty_head = e->next_dirty;
		if (!h->dirty_head)
			h->dirty_tail = NULL;
		e->dirty = false;
		ep_release(e);
	}
	if (!h->tx_blocked)
		host_flush(h);
}

static void before_sleep(loop *l, void *arg)
{
	(void)l;
	host_pump(arg);
}

/* ---- receiving ---- */

static void host_ootb(host *h, const uint8_t *pkt, size_t len,
		      const esctp_addr *src, const esctp_addr *dst)
{
	uint16_t sport, dport;
	uint32_t vtag;
	size_t cap;

	if (esctp_packet_peek(pkt, len, &sport, &dport, &vtag) < 0) {
		h->st.rx_bad++;
		return;
	}
	h->st.rx_ootb++;
	uint8_t *buf = udp_tx_slot(h->tx, &cap);
	if (!buf && !host_flush(h))
		buf = udp_tx_slot(h->tx, &cap);
	if (!buf)
		return; /* sending is blocked: the peer will retransmit */
	int n = esctp_packet_ootb_reply(pkt, len, buf, cap);
	if (n > 0) {
		udp_tx_commit(h->tx, (size_t)n, dst, src);
		h->st.ootb_replies++;
	}
}

static void host_input(host *h, const uint8_t *pkt, size_t len,
		       const esctp_addr *src, const esctp_addr *dst,
		       esctp_tstamp now)
{
	char a[64];

	/* A reply to UDP port 0 cannot be sent; such a packet is bogus. */
	if (len < 12 || src->port == 0 || src->family == 0) {
		h->st.rx_bad++;
		if (h->cfg.verbose)
			fprintf(stderr,
				"host: dropped %zu-byte packet from %s\n", len,
				udp_addr_str(src, a, sizeof(a)));
		return;
	}
	/* Route on the destination port without a CRC pass of our own: the
	 * engine verifies the CRC32c in esctp_endpoint_input, and
	 * esctp_packet_peek checks packets that no endpoint claims. */
	host_ep *e = h->ports[(uint16_t)(pkt[2] << 8 | pkt[3])];
	if (!e) {
		host_ootb(h, pkt, len, src, dst);
		return;
	}
	e->busy++;
	if (esctp_endpoint_input(e->ep, pkt, len, src, dst, now) ==
	    ESCTP_ERR_PROTO) {
		h->st.rx_bad++;
		if (h->cfg.verbose)
			fprintf(stderr,
				"host: malformed %zu-byte packet from %s\n",
				len, udp_addr_str(src, a, sizeof(a)));
	}
	ep_dispatch(e);
	ep_drain_replies(e);
	ep_leave(e);
}

/* Gives the engine the datagrams of the last batch it has not seen.  When
 * sending blocks it stops: the rest wait in h->rx until the socket is
 * writable, since the replies they provoke could not leave and only a few
 * fit in the engine's queue. */
static void host_feed(host *h)
{
	esctp_tstamp now = loop_now(h->l);

	while (h->rx_next < h->rx_count && !h->tx_blocked) {
		uint8_t *pkt;
		size_t len;
		esctp_addr src, dst;
		udp_rx_get(h->rx, h->rx_next++, &pkt, &len, &src, &dst);
		host_input(h, pkt, len, &src, &dst, now);
	}
}

/* ICMP errors for what we sent (RFC 6951 §5.5): a Destination Unreachable
 * saying nothing listens at the peer's UDP port ends an association still
 * starting there, as an ABORT would; the engine checks the quoted packet
 * came from that association.  The queue is always drained, since what it
 * holds counts against the socket's receive buffer. */
static void host_errors(host *h, int fam)
{
	uint8_t pkt[512];
	esctp_tstamp now = loop_now(h->l);

	for (int i = 0; i < HOST_ERR_BATCH; i++) {
		size_t len = sizeof(pkt);
		esctp_addr to;
		bool unreach;
		if (udp_recv_error(&h->udp, fam, pkt, &len, &to, &unreach) <= 0)
			return;
		h->st.rx_icmp++;
		if (!unreach || len < 12 || !to.family)
			continue;
		host_ep *e = h->ports[(uint16_t)(pkt[0] << 8 | pkt[1])];
		if (!e)
			continue;
		e->busy++;
		if (esctp_endpoint_unreachable(e->ep, pkt, len, &to, now) > 0)
			h->st.icmp_refused++;
		ep_dispatch(e);
		ep_leave(e);
	}
}

static void on_socket(loop *l, int fd, unsigned events, void *arg)
{
	host *h = arg;
	int fam = fd == h->udp.fd[UDP_V4] ? UDP_V4 : UDP_V6;

	(void)l;
	if (events & LOOP_HANGUP)
		host_errors(h, fam);
	if ((events & LOOP_WRITE) && h->tx_blocked) {
		wait_writable(h, false);
		if (udp_tx_flush(&h->udp, h->tx) == 0) {
			h->tx_blocked = false;
			host_feed(h);
			host_pump(h);
		} else {
			wait_writable(h, true);
		}
	}
	if (!(events & LOOP_READ))
		return;
	/* While the kernel refuses our packets nothing is read: the
	 * datagrams wait in the socket's receive buffer (wait_writable turned
	 * reading off). */
	for (int round = 0; round < HOST_RX_ROUNDS && !h->tx_blocked; round++) {
		int n = udp_recv(&h->udp, fam, h->rx);
		if (n <= 0)
			break;
		h->rx_next = 0;
		h->rx_count = (size_t)n;
		host_feed(h);
		/* Answer (SACKs, more DATA) before reading the next batch. */
		host_pump(h);
		if ((size_t)n < h->cfg.batch)
			break;
	}
}

static void set_interest(host *h, unsigned mask)
{
	for (int i = 0; i < 2; i++)
		if (h->udp.fd[i] >= 0)
			loop_fd_set(h->l, h->udp.fd[i], mask, on_socket, h);
}

/* While blocked: write interest only on the socket the blocked packet
 * waits for, so the other (always writable) one does not spin the loop,
 * and no read interest, since on_socket reads nothing until the queue
 * moves (a level-triggered read event would spin the loop too). */
static void wait_writable(host *h, bool on)
{
	int fam = udp_tx_head_family(h->tx);

	if (!on || fam < 0 || h->udp.fd[fam] < 0) {
		set_interest(h, LOOP_READ);
		return;
	}
	set_interest(h, 0);
	loop_fd_set(h->l, h->udp.fd[fam], LOOP_WRITE, on_socket, h);
}

/* ---- the host ---- */

void host_config_default(host_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	udp_config_default(&cfg->udp);
	cfg->batch = 32;
}

host *host_new(loop *l, const host_config *cfg, char *err, size_t errlen)
{
	host *h = calloc(1, sizeof(*h));

	if (!h) {
		snprintf(err, errlen, "host: out of memory");
		return NULL;
	}
	h->l = l;
	h->cfg = *cfg;
	if (!h->cfg.batch)
		h->cfg.batch = 32;
	host_ops_init(&h->ops, &h->ctx, cfg->counting);
	h->ports = calloc(65536, sizeof(*h->ports));
	h->rx = udp_rx_new(h->cfg.batch);
	h->tx = udp_tx_new(h->cfg.batch, UDP_MAX_DGRAM);
	if (!h->ports || !h->rx || !h->tx) {
		snprintf(err, errlen, "host: out of memory");
		host_free(h);
		return NULL;
	}
	if (udp_open(&h->udp, &cfg->udp, err, errlen) < 0) {
		host_free(h);
		return NULL;
	}
	set_interest(h, LOOP_READ);
	loop_set_before_sleep(l, before_sleep, h);
	return h;
}

void host_free(host *h)
{
	if (!h)
		return;
	for (size_t p = 0; h->ports && p < 65536; p++)
		if (h->ports[p]) {
			h->ports[p]->dirty = false;
			host_del_endpoint(h->ports[p]);
		}
	for (int i = 0; i < 2; i++)
		if (h->udp.fd[i] >= 0)
			loop_fd_del(h->l, h->udp.fd[i]);
	loop_set_before_sleep(h->l, NULL, NULL);
	udp_close(&h->udp);
	udp_rx_free(h->rx);
	udp_tx_free(h->tx);
	free(h->ports);
	free(h);
}

loop *host_loop(const host *h)
{
	return h->l;
}

const esctp_ops *host_ops(const host *h)
{
	return &h->ops;
}

uint16_t host_udp_port(const host *h)
{
	return h->udp.port;
}

const udp_sock *host_udp(const host *h)
{
	return &h->udp;
}

esctp_tstamp host_now(const host *h)
{
	return loop_now(h->l);
}

void host_stats_get(const host *h, host_stats *st)
{
	*st = h->st;
	st->rx_packets = h->udp.rx_packets;
	st->rx_bytes = h->udp.rx_bytes;
	st->rx_bad += h->udp.rx_truncated;
	st->tx_packets = h->udp.tx_packets;
	st->tx_bytes = h->udp.tx_bytes;
	st->tx_dropped = h->udp.tx_dropped;
	st->mem = h->ctx.mem;
}

void host_endpoint_config(const host *h, esctp_config *cfg)
{
	esctp_config_default(cfg);
	cfg->mtu = h->cfg.mtu ? h->cfg.mtu : HOST_MTU_ETHERNET;
	uint32_t limit = (uint32_t)(h->udp.rcvbuf / 2);
	if (limit && cfg->rcvbuf > limit)
		cfg->rcvbuf = limit;
}
