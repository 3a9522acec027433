/*
 * fuzz_assoc.c - libFuzzer target for whole associations fed hostile
 * packets.  Two endpoints, A and Z, joined by a FIFO; the input is
 *
 *   byte 0     flags: bit 0 establish first, bit 1 PR-SCTP, bit 2 nodelay,
 *              bit 3 small buffers, bit 4 A listens too
 *   bytes 1-8  seed of the engine's randomness (tags, TSNs, nonces)
 *   the rest   operations, one byte each plus their arguments: advance the
 *              clock, exchange queued packets, deliver a packet built from
 *              input bytes to A or Z (half the time with ports, tag and
 *              CRC32c patched so it reaches the state machine), mutate a
 *              real packet, send, receive, shut down, abort, connect, free
 *              an association, restart an endpoint.
 *
 * Everything is bounded; the engine must never crash, leak (the counting
 * allocator must be back at zero once both endpoints are freed) or spin.
 * Self-contained: the fuzz build links only this file and the library.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/esctp/esctp.h"

#define MAX_OPS 400
#define QCAP 64
#define PKT_CAP 2048
#define MAX_ASSOCS 16
#define PORT_A 5001
#define PORT_Z 5002
#define ENCAP 9899

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct reader {
	const uint8_t *p;
	size_t n, off;
} reader;

static uint8_t rd8(reader *r)
{
	return r->off < r->n ? r->p[r->off++] : 0;
}

static uint16_t rd16(reader *r)
{
	uint16_t hi = rd8(r);
	return (uint16_t)(hi << 8 | rd8(r));
}

static bool rd_done(const reader *r)
{
	return r->off >= r->n;
}

typedef struct qpkt {
	int to;
	esctp_addr src, dst;
	size_t len;
	uint8_t data[PKT_CAP];
} qpkt;

typedef struct side {
	esctp_endpoint *ep;
	esctp_config cfg;
	esctp_ops ops;
	esctp_addr addr[2];
	esctp_assoc *assocs[MAX_ASSOCS];
	unsigned nassocs;
	size_t live;
	uint64_t rng;
	bool listen;
} side;

typedef struct world {
	side s[2];
	esctp_tstamp now;
	qpkt q[QCAP];
	unsigned qhead, qlen;
	qpkt last[2]; /* the last packet each side sent, for mutation */
	qpkt scratch; /* the packet being built */
	bool have_last[2];
	uint8_t buf[PKT_CAP];
	reader in;
} world;

/* ---- host callbacks ---- */

static uint64_t mix64(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void f_random(void *user, void *buf, size_t len)
{
	side *sd = user;
	uint8_t *p = buf;
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)mix64(&sd->rng);
}

static void f_mac(void *user, const void *data, size_t len,
		  uint8_t mac[ESCTP_MAC_LEN])
{
	const side *sd = user;
	const uint8_t *p = data;
	uint64_t h = 0xcbf29ce484222325ull ^ sd->cfg.local_port;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	for (unsigned i = 0; i < ESCTP_MAC_LEN / 8; i++) {
		uint64_t v = mix64(&h);
		memcpy(mac + 8 * i, &v, 8);
	}
}

static void *f_alloc(void *user, size_t size)
{
	side *sd = user;
	size_t *h = malloc(sizeof(size_t) * 2 + size);
	if (!h)
		return NULL;
	h[0] = size;
	sd->live += size;
	return h + 2;
}

static void f_free(void *user, void *ptr)
{
	side *sd = user;
	if (!ptr)
		return;
	size_t *h = (size_t *)ptr - 2;
	sd->live -= h[0];
	free(h);
}

static void *f_realloc(void *user, void *ptr, size_t size)
{
	side *sd = user;
	if (!ptr)
		return f_alloc(user, size);
	size_t *h = (size_t *)ptr - 2;
	size_t old = h[0];
	size_t *n = realloc(h, sizeof(size_t) * 2 + size);
	if (!n)
		return NULL;
	n[0] = size;
	sd->live = sd->live - old + size;
	return n + 2;
}

/* ---- endpoints and associations ---- */

static void mkaddr(esctp_addr *a, uint8_t net, uint8_t host)
{
	memset(a, 0, sizeof *a);
	a->family = ESCTP_AF_INET;
	a->port = ENCAP;
	a->ip[0] = 127;
	a->ip[1] = net;
	a->ip[3] = host;
}

static void side_open(side *sd)
{
	sd->ep = esctp_endpoint_new(&sd->cfg, &sd->ops);
	sd->nassocs = 0;
	if (!sd->ep)
		return;
	for (int i = 0; i < 2; i++)
		esctp_endpoint_add_local_addr(sd->ep, &sd->addr[i]);
	esctp_endpoint_listen(sd->ep, sd->listen);
}

static void side_init(world *w, int i, uint8_t flags, uint64_t seed)
{
	side *sd = &w->s[i];
	esctp_config_default(&sd->cfg);
	sd->cfg.local_port = i ? PORT_Z : PORT_A;
	sd->cfg.mtu = 1200;
	sd->cfg.prsctp = flags & 2;
	sd->cfg.nodelay = flags & 4;
	if (flags & 8) {
		sd->cfg.rcvbuf = 4096;
		sd->cfg.sndbuf = 8192;
		sd->cfg.max_message = 65536;
	}
	sd->cfg.rto_min_ms = 200;
	sd->cfg.rto_initial_ms = 500;
	sd->cfg.rto_max_ms = 4000;
	sd->cfg.hb_interval_ms = 2000;
	sd->cfg.cookie_life_ms = 10000;
	sd->ops.user = sd;
	sd->ops.random = f_random;
	sd->ops.cookie_mac = f_mac;
	sd->ops.alloc = f_alloc;
	sd->ops.realloc = f_realloc;
	sd->ops.free = f_free;
	sd->rng = seed ^ (uint64_t)(i + 1) * 0x1234567ull;
	sd->listen = i == 1 || (flags & 16);
	mkaddr(&sd->addr[0], 1, (uint8_t)(i + 1));
	mkaddr(&sd->addr[1], 2, (uint8_t)(i + 1));
	side_open(sd);
}

static void track(side *sd, esctp_assoc *a)
{
	for (unsigned i = 0; i < sd->nassocs; i++)
		if (sd->assocs[i] == a)
			return;
	if (sd->nassocs < MAX_ASSOCS)
		sd->assocs[sd->nassocs++] = a;
}

static esctp_assoc *pick(world *w, int i)
{
	side *sd = &w->s[i];
	uint8_t k = rd8(&w->in);
	return sd->nassocs ? sd->assocs[k % sd->nassocs] : NULL;
}

/* ---- moving packets ---- */

static void drain_events(world *w)
{
	for (int i = 0; i < 2; i++) {
		esctp_event ev;
		for (int n = 0; w->s[i].ep && n < 4096; n++) {
			if (esctp_endpoint_next_event(w->s[i].ep, &ev) != 1)
				break;
			if (ev.assoc && (ev.type == ESCTP_EV_ACCEPT ||
					 ev.type == ESCTP_EV_COMM_UP ||
					 ev.type == ESCTP_EV_RESTART))
				track(&w->s[i], ev.assoc);
		}
	}
}

static int addr_side(const world *w, const esctp_addr *a, int *path)
{
	for (int i = 0; i < 2; i++)
		for (int p = 0; p < 2; p++)
			if (esctp_addr_same_ip(&w->s[i].addr[p], a)) {
				*path = p;
				return i;
			}
	return -1;
}

/* Pulls what both sides have to send into the queue (bounded; packets to
 * unknown addresses and overflow are dropped, as a network would). */
static void pump(world *w)
{
	for (int i = 0; i < 2; i++) {
		side *sd = &w->s[i];
		for (int n = 0; sd->ep && n < 256; n++) {
			esctp_addr src, dst;
			memset(&src, 0, sizeof src);
			memset(&dst, 0, sizeof dst);
			int len = esctp_endpoint_output(
			    sd->ep, w->buf, sizeof w->buf, &src, &dst, w->now);
			if (len <= 0)
				break;
			int path = 0, to = addr_side(w, &dst, &path);
			qpkt *last = &w->last[i];
			last->to = to < 0 ? 1 - i : to;
			last->src = src.family ? src : sd->addr[path];
			last->src.port = ENCAP;
			last->dst = dst;
			last->len = (size_t)len;
			memcpy(last->data, w->buf, (size_t)len);
			w->have_last[i] = true;
			if (to < 0 || to == i || w->qlen == QCAP)
				continue;
			w->q[(w->qhead + w->qlen++) % QCAP] = *last;
		}
	}
	drain_events(w);
}

static void deliver(world *w, const qpkt *p)
{
	side *sd = &w->s[p->to];
	if (sd->ep)
		esctp_endpoint_input(sd->ep, p->data, p->len, &p->src, &p->dst,
				     w->now);
	drain_events(w);
}

static void exchange(world *w, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		pump(w);
		if (!w->qlen)
			break;
		qpkt *p = &w->q[w->qhead];
		w->qhead = (w->qhead + 1) % QCAP;
		w->qlen--;
		deliver(w, p);
	}
	pump(w);
}

static void advance(world *w, esctp_tstamp dt)
{
	w->now += dt;
	for (int i = 0; i < 2; i++)
		if (w->s[i].ep && esctp_endpoint_deadline(w->s[i].ep) <= w->now)
			esctp_endpoint_expire(w->s[i].ep, w->now);
	pump(w);
}

/* ---- hostile packets ---- */

static void set_crc(uint8_t *p, size_t len)
{
	memset(p + 8, 0, 4);
	uint32_t c = esctp_crc32c(0, p, len);
	p[8] = (uint8_t)c;
	p[9] = (uint8_t)(c >> 8);
	p[10] = (uint8_t)(c >> 16);
	p[11] = (uint8_t)(c >> 24);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Patches the header so the packet reaches the state machine of `to`. */
static void patch(world *w, qpkt *p, uint8_t mode)
{
	if (p->len < 12) {
		memset(p->data + p->len, 0, 12 - p->len);
		p->len = 12;
	}
	int to = p->to;
	p->data[0] = (uint8_t)((to ? PORT_A : PORT_Z) >> 8);
	p->data[1] = (uint8_t)(to ? PORT_A : PORT_Z);
	p->data[2] = (uint8_t)((to ? PORT_Z : PORT_A) >> 8);
	p->data[3] = (uint8_t)(to ? PORT_Z : PORT_A);
	esctp_assoc *a = pick(w, to);
	esctp_status st;
	memset(&st, 0, sizeof st);
	if (a)
		esctp_assoc_status(a, &st);
	switch ((mode >> 1) & 3) {
	case 0:
		put32(p->data + 4, st.local_vtag);
		break;
	case 1:
		put32(p->data + 4, 0);
		break;
	case 2:
		put32(p->data + 4, st.peer_vtag);
		break;
	default:
		break;
	}
	set_crc(p->data, p->len);
}

static void hostile(world *w, int to)
{
	qpkt *p = &w->scratch;
	size_t len = rd16(&w->in) % 1400u;
	uint8_t mode = rd8(&w->in);
	p->to = to;
	p->len = len;
	for (size_t i = 0; i < len; i++)
		p->data[i] = rd8(&w->in);
	int from = 1 - to;
	switch ((mode >> 3) & 3) {
	case 0:
	case 1:
		p->src = w->s[from].addr[(mode >> 3) & 1];
		break;
	case 2:
		mkaddr(&p->src, 3, 3);
		break;
	default:
		memset(&p->src, 0, sizeof p->src);
		p->src.family = ESCTP_AF_INET6;
		p->src.port = ENCAP;
		p->src.ip[15] = 1;
		break;
	}
	p->dst = w->s[to].addr[(mode >> 5) & 1];
	if (mode & 1)
		patch(w, p, mode);
	deliver(w, p);
	pump(w);
}

/* Edits a real packet a few bytes at a time, then delivers it. */
static void mutate(world *w)
{
	uint8_t mode = rd8(&w->in);
	int from = mode & 1;
	if (!w->have_last[from])
		return;
	qpkt *p = &w->scratch;
	*p = w->last[from];
	unsigned edits = 1 + rd8(&w->in) % 4;
	for (unsigned k = 0; k < edits; k++) {
		size_t at = rd16(&w->in) % (p->len + 4);
		uint8_t v = rd8(&w->in);
		if (at < p->len)
			p->data[at] ^= v;
		else if (v & 1 && p->len > 12)
			p->len -= 1 + v % (p->len - 12); /* truncate */
	}
	if (mode & 2)
		set_crc(p->data, p->len);
	deliver(w, p);
	pump(w);
}

/* ---- the application ---- */

static void app_send(world *w)
{
	uint8_t m = rd8(&w->in);
	esctp_assoc *a = pick(w, m & 1);
	uint8_t payload[4096];
	esctp_sndinfo si = {0};
	si.stream = rd8(&w->in) % 12;
	si.flags = m & 2 ? ESCTP_UNORDERED : 0;
	/* Bit 6: the I bit; bit 7: a destination of its own, one of the
	 * peer's two addresses (the pick's side decides which). */
	if (m & 0x40)
		si.flags |= ESCTP_SACK_NOW;
	if (m & 0x80) {
		si.flags |= ESCTP_ADDR_OVER;
		si.addr = w->s[1 - (m & 1)].addr[(m >> 2) & 1];
	}
	/* Bits 4-5: the PR-SCTP policy, whose value is the byte that is the
	 * lifetime without one (RTX and PRIO want small values). */
	uint32_t v = m & 4 ? rd8(&w->in) : 0;
	si.pr_policy = (uint8_t)((m >> 4) & 3);
	if (si.pr_policy == ESCTP_PR_NONE)
		si.ttl_ms = v * 4u;
	else
		si.pr_value = si.pr_policy == ESCTP_PR_TTL ? v * 4u : v % 8;
	si.context = m;
	size_t len = rd16(&w->in) % sizeof payload;
	memset(payload, m, len);
	if (m & 8)
		len = 70000; /* larger than max_message with small buffers */
	if (a) {
		if (len > sizeof payload) {
			uint8_t *big = calloc(1, len);
			if (big) {
				esctp_assoc_send(a, &si, big, len, w->now);
				free(big);
			}
		} else {
			esctp_assoc_send(a, &si, payload, len, w->now);
		}
	}
	pump(w);
}

static void app_recv(world *w)
{
	uint8_t m = rd8(&w->in);
	esctp_assoc *a = pick(w, m & 1);
	uint8_t buf[4096];
	size_t len = 1 + rd16(&w->in) % sizeof buf;
	for (int n = 0; a && n < 64; n++) {
		esctp_rcvinfo ri;
		if (esctp_assoc_recv(a, buf, len, m & 2 ? &ri : NULL) <= 0)
			break;
	}
	pump(w);
}

static void app_misc(world *w, uint8_t op)
{
	uint8_t m = rd8(&w->in);
	int i = m & 1;
	side *sd = &w->s[i];
	esctp_assoc *a = pick(w, i);
	esctp_status st;
	switch (op) {
	case 7:
		if (a)
			esctp_assoc_shutdown(a, w->now);
		break;
	case 8:
		if (a)
			esctp_assoc_abort(a, m & 2 ? "fuzz" : NULL, w->now);
		break;
	case 9:
		if (sd->ep) {
			esctp_assoc *n = NULL;
			if (esctp_endpoint_connect(
				sd->ep, w->s[1 - i].addr, 1 + (m >> 1 & 1),
				w->s[1 - i].cfg.local_port, w->now, &n) == 0)
				track(sd, n);
		}
		break;
	case 11:
		for (unsigned k = 0; a && k < sd->nassocs; k++)
			if (sd->assocs[k] == a) {
				esctp_assoc_free(a);
				sd->assocs[k] = sd->assocs[--sd->nassocs];
				break;
			}
		break;
	case 12:
		esctp_endpoint_free(sd->ep);
		side_open(sd);
		break;
	default:
		if (!a)
			break;
		esctp_assoc_status(a, &st);
		esctp_assoc_send_space(a);
		esctp_assoc_recv_pending(a);
		esctp_assoc_set_primary(a, &w->s[1 - i].addr[m >> 1 & 1]);
		esctp_assoc_set_mtu(a, m & 4 ? NULL : &w->s[1 - i].addr[0],
				    (uint16_t)(500 + rd8(&w->in) * 4));
		esctp_assoc_set_hb_interval(a, m & 8 ? 0 : 1000);
		break;
	}
	pump(w);
}

static void run_op(world *w, uint8_t op)
{
	switch (op % 14) {
	case 0:
		advance(w, (esctp_tstamp)rd16(&w->in) * 4 * ESCTP_MS + 1);
		break;
	case 1:
		exchange(w, 1 + rd8(&w->in) % 32);
		break;
	case 2:
		hostile(w, 0);
		break;
	case 3:
		hostile(w, 1);
		break;
	case 4:
		mutate(w);
		break;
	case 5:
		app_send(w);
		break;
	case 6:
		app_recv(w);
		break;
	case 10:
		if (w->qlen) {
			w->qhead = (w->qhead + 1) % QCAP;
			w->qlen--;
		}
		break;
	default:
		app_misc(w, (uint8_t)(op % 14));
		break;
	}
}

static void establish(world *w)
{
	side *a = &w->s[0];
	esctp_assoc *n = NULL;
	if (!a->ep || esctp_endpoint_connect(a->ep, w->s[1].addr, 2, PORT_Z,
					     w->now, &n) != 0)
		return;
	track(a, n);
	for (int k = 0; k < 16 && esctp_assoc_state(n) != ESCTP_ESTABLISHED;
	     k++) {
		exchange(w, 8);
		advance(w, 10 * ESCTP_MS);
	}
	exchange(w, 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static world w; /* large: keep it off the stack */
	memset(&w, 0, sizeof w);
	w.in.p = data;
	w.in.n = size;
	uint8_t flags = rd8(&w.in);
	uint64_t seed = 0;
	for (int i = 0; i < 8; i++)
		seed = seed << 8 | rd8(&w.in);
	w.now = ESCTP_SECOND;
	side_init(&w, 0, flags, seed);
	side_init(&w, 1, flags, seed);
	if (flags & 1)
		establish(&w);
	for (int n = 0; n < MAX_OPS && !rd_done(&w.in); n++)
		run_op(&w, rd8(&w.in));
	for (int i = 0; i < 2; i++) {
		esctp_endpoint_free(w.s[i].ep);
		w.s[i].ep = NULL;
		if (w.s[i].live != 0)
			abort(); /* the engine leaked */
	}
	return 0;
}
