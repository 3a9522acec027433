/*
 * test_endpoint.c - the association core through the public API: two
 * endpoints A and Z wired by hand under a fake clock (output of one, input
 * of the other, any packet droppable), plus hand-made packets for the
 * verification-tag and out-of-the-blue rules, and the memory figure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "assoc.h"
#include "pkt.h"

#define PORT_A 1000
#define PORT_Z 2000
#define ENCAP 9899
#define MAXEV 256

/* ---- host side: counting allocator, randomness, MAC ---- */

typedef struct host {
	uint64_t rng;
	size_t live, peak;
} host;

static void *h_alloc(void *user, size_t n)
{
	host *h = user;
	size_t *p = malloc(n + sizeof(size_t) * 2);
	if (!p)
		return NULL;
	p[0] = n;
	h->live += n;
	if (h->live > h->peak)
		h->peak = h->live;
	return p + 2;
}

static void h_free(void *user, void *ptr)
{
	host *h = user;
	if (!ptr)
		return;
	size_t *p = (size_t *)ptr - 2;
	h->live -= p[0];
	free(p);
}

static void *h_realloc(void *user, void *ptr, size_t n)
{
	if (!ptr)
		return h_alloc(user, n);
	size_t old = ((size_t *)ptr - 2)[0];
	void *np = h_alloc(user, n);
	if (!np)
		return NULL;
	memcpy(np, ptr, old < n ? old : n);
	h_free(user, ptr);
	return np;
}

static void h_random(void *user, void *buf, size_t len)
{
	host *h = user;
	uint8_t *b = buf;
	for (size_t i = 0; i < len; i++) {
		h->rng ^= h->rng << 13;
		h->rng ^= h->rng >> 7;
		h->rng ^= h->rng << 17;
		b[i] = (uint8_t)(h->rng >> 24);
	}
}

static void h_mac(void *user, const void *data, size_t len,
		  uint8_t mac[ESCTP_MAC_LEN])
{
	(void)user;
	const uint8_t *p = data;
	uint64_t x = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++)
		x = (x ^ p[i]) * 0x100000001b3ull;
	for (size_t i = 0; i < ESCTP_MAC_LEN; i++) {
		x = (x ^ i) * 0x100000001b3ull;
		mac[i] = (uint8_t)(x >> 56);
	}
}

/* ---- the wire ---- */

typedef struct side {
	host h;
	esctp_ops ops;
	esctp_config cfg;
	esctp_endpoint *ep;
	esctp_addr addr;
	esctp_addr addr2; /* second address (10.1.0.x), family 0 if none */
	esctp_assoc *assoc;
	esctp_event ev[MAXEV];
	unsigned nev;
	unsigned chunks[256]; /* chunks sent, by type */
} side;

typedef bool (*drop_fn)(int from, const uint8_t *pkt, size_t len,
			const esctp_addr *dst, void *ctx);

typedef struct net {
	esctp_tstamp now;
	side s[2];
	drop_fn drop;
	void *drop_ctx;
	uint8_t last[2][2048]; /* last packet each side sent */
	size_t last_len[2];
} net;

enum { A = 0, Z = 1 };

static void side_init(side *sd, uint16_t port, uint8_t ip, uint64_t seed)
{
	memset(sd, 0, sizeof *sd);
	sd->h.rng = seed;
	sd->ops.user = &sd->h;
	sd->ops.random = h_random;
	sd->ops.cookie_mac = h_mac;
	sd->ops.alloc = h_alloc;
	sd->ops.realloc = h_realloc;
	sd->ops.free = h_free;
	esctp_config_default(&sd->cfg);
	sd->cfg.local_port = port;
	sd->cfg.max_in_streams = 10;
	sd->addr.family = ESCTP_AF_INET;
	sd->addr.port = ENCAP;
	sd->addr.ip[0] = 10;
	sd->addr.ip[3] = ip;
}

static void add_addr2(side *sd)
{
	sd->addr2 = sd->addr;
	sd->addr2.ip[1] = 1;
	assert_int_equal(esctp_endpoint_add_local_addr(sd->ep, &sd->addr), 0);
	assert_int_equal(esctp_endpoint_add_local_addr(sd->ep, &sd->addr2), 0);
}

static void net_open(net *n, side *sd)
{
	(void)n;
	sd->ep = esctp_endpoint_new(&sd->cfg, &sd->ops);
	assert_non_null(sd->ep);
}

static net *net_new(void)
{
	net *n = calloc(1, sizeof *n);
	assert_non_null(n);
	side_init(&n->s[A], PORT_A, 1, 0x1234567);
	side_init(&n->s[Z], PORT_Z, 2, 0x7654321);
	net_open(n, &n->s[A]);
	net_open(n, &n->s[Z]);
	esctp_endpoint_listen(n->s[Z].ep, true);
	return n;
}

static void net_free(net *n)
{
	esctp_endpoint_free(n->s[A].ep);
	esctp_endpoint_free(n->s[Z].ep);
	assert_int_equal(n->s[A].h.live, 0);
	assert_int_equal(n->s[Z].h.live, 0);
	free(n);
}

static void drain_events(side *sd)
{
	esctp_event ev;
	while (sd->ep && esctp_endpoint_next_event(sd->ep, &ev) == 1) {
		if (sd->nev < MAXEV)
			sd->ev[sd->nev++] = ev;
		if (ev.type == ESCTP_EV_ACCEPT || ev.type == ESCTP_EV_COMM_UP)
			sd->assoc = ev.assoc;
	}
}

static unsigned nevents(const side *sd, esctp_event_type t)
{
	unsigned k = 0;
	for (unsigned i = 0; i < sd->nev; i++)
		k += sd->ev[i].type == t;
	return k;
}

static const esctp_event *find_event(const side *sd, esctp_event_type t)
{
	for (unsigned i = 0; i < sd->nev; i++)
		if (sd->ev[i].type == t)
			return &sd->ev[i];
	return NULL;
}

static void count_chunks(side *sd, const uint8_t *pkt, size_t len)
{
	pkt_iter it;
	pkt_chunk c;
	pkt_iter_init(&it, pkt, len);
	while (pkt_iter_next(&it, &c))
		sd->chunks[c.type]++;
}

static bool has_chunk(const uint8_t *pkt, size_t len, uint8_t type)
{
	pkt_iter it;
	pkt_chunk c;
	pkt_iter_init(&it, pkt, len);
	while (pkt_iter_next(&it, &c))
		if (c.type == type)
			return true;
	return false;
}

/* The sender's source: the one it asked for, else its address on the
 * destination's subnet (10.x.0.y: x is the subnet). */
static void deliver(net *n, int from, const uint8_t *buf, size_t len,
		    const esctp_addr *src, const esctp_addr *dst)
{
	side *sd = &n->s[from], *peer = &n->s[!from];
	const esctp_addr *me = &sd->addr;
	if (src->family)
		me = esctp_addr_same_ip(src, &sd->addr2) ? &sd->addr2
							 : &sd->addr;
	else if (dst->ip[1] == 1)
		me = &sd->addr2;
	if (!peer->ep)
		return;
	if (esctp_addr_same_ip(dst, &peer->addr) ||
	    (peer->addr2.family && esctp_addr_same_ip(dst, &peer->addr2)))
		esctp_endpoint_input(peer->ep, buf, len, me, dst, n->now);
}

/* Moves packets until both sides are quiet. */
static void pump(net *n)
{
	uint8_t buf[2048];
	for (unsigned round = 0; round < 10000; round++) {
		bool moved = false;
		for (int from = 0; from < 2; from++) {
			side *sd = &n->s[from];
			esctp_addr src, dst;
			if (!sd->ep)
				continue;
			int len = esctp_endpoint_output(sd->ep, buf, sizeof buf,
							&src, &dst, n->now);
			assert_true(len >= 0);
			if (len == 0)
				continue;
			moved = true;
			assert_int_equal(
			    pkt_parse(buf, (size_t)len, &(pkt_header){0}) >= 0,
			    1);
			memcpy(n->last[from], buf, (size_t)len);
			n->last_len[from] = (size_t)len;
			count_chunks(sd, buf, (size_t)len);
			if (n->drop &&
			    n->drop(from, buf, (size_t)len, &dst, n->drop_ctx))
				continue;
			deliver(n, from, buf, (size_t)len, &src, &dst);
		}
		drain_events(&n->s[A]);
		drain_events(&n->s[Z]);
		if (!moved)
			return;
	}
	fail_msg("pump never settles");
}

/* Runs timers and packets until `until`. */
static void run_until(net *n, esctp_tstamp until)
{
	for (unsigned i = 0; i < 100000; i++) {
		pump(n);
		esctp_tstamp d = ESCTP_TSTAMP_NEVER;
		for (int k = 0; k < 2; k++)
			if (n->s[k].ep)
				d = ts_min(d,
					   esctp_endpoint_deadline(n->s[k].ep));
		if (d > until) {
			n->now = until;
			return;
		}
		if (d > n->now)
			n->now = d;
		for (int k = 0; k < 2; k++)
			if (n->s[k].ep)
				esctp_endpoint_expire(n->s[k].ep, n->now);
	}
	fail_msg("timers never settle");
}

static void run_for(net *n, esctp_tstamp d)
{
	run_until(n, n->now + d);
}

static void connect_az(net *n)
{
	esctp_assoc *a = NULL;
	assert_int_equal(esctp_endpoint_connect(n->s[A].ep, &n->s[Z].addr, 1,
						PORT_Z, n->now, &a),
			 0);
	n->s[A].assoc = a;
}

static void establish(net *n)
{
	connect_az(n);
	run_for(n, ESCTP_SECOND / 10);
	assert_int_equal(esctp_assoc_state(n->s[A].assoc), ESCTP_ESTABLISHED);
	assert_non_null(n->s[Z].assoc);
	assert_int_equal(esctp_assoc_state(n->s[Z].assoc), ESCTP_ESTABLISHED);
}

static void send_str(net *n, int from, uint16_t stream, const char *msg)
{
	esctp_sndinfo si = {.stream = stream, .ppid = 0x01020304};
	assert_int_equal(
	    esctp_assoc_send(n->s[from].assoc, &si, msg, strlen(msg), n->now),
	    0);
}

static void recv_str(net *n, int at, const char *want)
{
	char buf[256];
	esctp_rcvinfo ri;
	int len = esctp_assoc_recv(n->s[at].assoc, buf, sizeof buf, &ri);
	assert_int_equal(len, (int)strlen(want));
	assert_memory_equal(buf, want, strlen(want));
	assert_true(ri.flags & ESCTP_EOR);
}

/* ---- handshake and data ---- */

static void test_handshake(void **state)
{
	(void)state;
	net *n = net_new();
	establish(n);
	side *a = &n->s[A], *z = &n->s[Z];
	assert_int_equal(a->chunks[CT_INIT], 1);
	assert_int_equal(z->chunks[CT_INIT_ACK], 1);
	assert_int_equal(a->chunks[CT_COOKIE_ECHO], 1);
	assert_int_equal(z->chunks[CT_COOKIE_ACK], 1);
	assert_int_equal(nevents(a, ESCTP_EV_COMM_UP), 1);
	assert_int_equal(nevents(z, ESCTP_EV_ACCEPT), 1);
	assert_int_equal(nevents(z, ESCTP_EV_COMM_UP), 1);
	/* ACCEPT comes before COMM_UP. */
	assert_int_equal(z->ev[0].type, ESCTP_EV_ACCEPT);
	esctp_status sa, sz;
	esctp_assoc_status(a->assoc, &sa);
	esctp_assoc_status(z->assoc, &sz);
	assert_int_equal(sa.peer_vtag, sz.local_vtag);
	assert_int_equal(sz.peer_vtag, sa.local_vtag);
	/* §5.1.1: A offers 10 outbound, Z accepts 10 inbound. */
	assert_int_equal(sa.out_streams, 10);
	assert_int_equal(sz.in_streams, 10);
	assert_int_equal(sa.in_streams, 10);
	assert_int_equal(sa.local_port, PORT_A);
	assert_int_equal(sa.peer_port, PORT_Z);
	assert_int_equal(sa.npaths, 1);
	assert_true(sa.paths[0].confirmed);
	assert_true(sa.paths[0].primary);
	assert_int_equal(sz.paths[0].addr.port, ENCAP); /* RFC 6951 */
	/* One association per peer address and port. */
	esctp_assoc *dup = NULL;
	assert_int_equal(
	    esctp_endpoint_connect(a->ep, &z->addr, 1, PORT_Z, n->now, &dup),
	    ESCTP_ERR_EXIST);
	net_free(n);
}

static void test_data_both_ways(void **state)
{
	(void)state;
	net *n = net_new();
	establish(n);
	send_str(n, A, 3, "hello from A");
	send_str(n, Z, 1, "hello from Z");
	run_for(n, ESCTP_SECOND);
	const esctp_event *ev = find_event(&n->s[Z], ESCTP_EV_DATA);
	assert_non_null(ev);
	assert_int_equal(ev->stream, 3);
	assert_int_equal(ev->len, 12);
	assert_int_equal(ev->ppid, 0x01020304);
	recv_str(n, Z, "hello from A");
	recv_str(n, A, "hello from Z");
	assert_int_equal(esctp_assoc_recv(n->s[A].assoc, (char[8]){0}, 8, NULL),
			 ESCTP_ERR_AGAIN);
	/* Everything acked: SENDER_DRY on both sides, nothing unacked. */
	assert_int_equal(nevents(&n->s[A], ESCTP_EV_SENDER_DRY), 1);
	assert_int_equal(nevents(&n->s[Z], ESCTP_EV_SENDER_DRY), 1);
	esctp_status st;
	esctp_assoc_status(n->s[A].assoc, &st);
	assert_int_equal(st.unacked, 0);
	assert_true(st.bytes_received == 12);
	assert_true(st.msgs_received == 1);
	assert_true(st.packets_sent >= 3 && st.packets_received >= 3);
	/* A stream the peer never negotiated is refused at once. */
	esctp_sndinfo si = {.stream = 10};
	assert_int_equal(esctp_assoc_send(n->s[A].assoc, &si, "x", 1, n->now),
			 ESCTP_ERR_STREAM);
	net_free(n);
}

/* Data queued before the handshake is sent once it completes, the first
 * of it bundled after the COOKIE ECHO. */
static void test_data_before_established(void **state)
{
	(void)state;
	net *n = net_new();
	connect_az(n);
	send_str(n, A, 0, "early");
	assert_true(esctp_assoc_send_space(n->s[A].assoc) > 0);
	run_for(n, ESCTP_SECOND);
	assert_int_equal(esctp_assoc_state(n->s[A].assoc), ESCTP_ESTABLISHED);
	recv_str(n, Z, "early");
	net_free(n);
}

/* ---- shutdown and abort ---- */

static void test_shutdown(void **state)
{
	(void)state;
	net *n = net_new();
	establish(n);
	send_str(n, A, 0, "last words");
	assert_int_equal(esctp_assoc_shutdown(n->s[A].assoc, n->now), 0);
	/* §9.2: no new data once shutting down. */
	esctp_sndinfo si = {0};
	assert_int_equal(esctp_assoc_send(n->s[A].assoc, &si, "x", 1, n->now),
			 ESCTP_ERR_STATE);
	run_for(n, ESCTP_SECOND);
	assert_int_equal(n->s[A].chunks[CT_SHUTDOWN], 1);
	assert_int_equal(n->s[Z].chunks[CT_SHUTDOWN_ACK], 1);
	assert_int_equal(n->s[A].chunks[CT_SHUTDOWN_COMPLETE], 1);
	assert_int_equal(nevents(&n->s[Z], ESCTP_EV_SHUTDOWN), 1);
	assert_int_equal(nevents(&n->s[A], ESCTP_EV_SHUTDOWN_COMP), 1);
	assert_int_equal(nevents(&n->s[Z], ESCTP_EV_SHUTDOWN_COMP), 1);
	assert_int_equal(esctp_assoc_state(n->s[A].assoc), ESCTP_CLOSED);
	assert_int_equal(esctp_assoc_state(n->s[Z].assoc), ESCTP_CLOSED);
	/* What arrived is still readable, then the end is reported. */
	recv_str(n, Z, "last words");
	assert_int_equal(esctp_assoc_recv(n->s[Z].assoc, (char[8]){0}, 8, NULL),
			 ESCTP_ERR_CLOSED);
	assert_true(esctp_endpoint_deadline(n->s[A].ep) == ESCTP_TSTAMP_NEVER);
	assert_true(esctp_endpoint_deadline(n->s[Z].ep) == ESCTP_TSTAMP_NEVER);
	esctp_assoc_free(n->s[A].assoc);
	esctp_assoc_free(n->s[Z].assoc);
	net_free(n);
}

static void test_shutdown_simultaneous(void **state)
{
	(void)state;
	net *n = net_new();
	establish(n);
	assert_int_equal(esctp_assoc_shutdown(n->s[A].assoc, n->now), 0);
	assert_int_equal(esctp_assoc_shutdown(n->s[Z].assoc, n->now), 0);
	run_for(n, 2 * ESCTP_SECOND);
	assert_int_equal(nevents(&n->s[A], ESCTP_EV_SHUTDOWN_COMP), 1);
	assert_int_equal(nevents(&n->s[Z], ESCTP_EV_SHUTDOWN_COMP), 1);
	assert_int_equal(esctp_assoc_state(n->s[A].assoc), ESCTP_CLOSED);
	assert_int_equal(esctp_assoc_state(n->s[Z].assoc), ESCTP_CLOSED);
	net_free(n);
}

static bool drop_shutdown_ack(int from, const uint8_t *pkt, size_t len,
			      const esctp_addr *dst, void *ctx)
{
	(void)dst;
	unsigned *left = ctx;
	if (from == Z && has_chunk(pkt, len, CT_SHUTDOWN_ACK) && *left) {
		(*left)--;
		return true;
	}
	return false;
}

/* A lost SHUTDOWN ACK: T2 resends SHUTDOWN, with backoff. */
static void test_shutdown_t2(void **state)
{
	(void)state;
	net *n = net_new();
	establish(n);
	unsigned left = 2;
	n->drop = drop_shutdown_ack;
	n->drop_ctx = &left;
	assert_int_equal(esctp_assoc_shutdown(n->s[A].assoc, n->now), 0);
	run_for(n, 10 * ESCTP_SECOND);
	assert_int_equal(n->s[A].chunks[CT_SHUTDOWN], 3);
	assert_int_equal(nevents(&n->s[A], ESCTP_EV_SHUTDOWN_COMP), 1);
	assert_int_equal(nevents(&n->s[Z], ESCTP_EV_SHUTDOWN_COMP), 1);
	net_free(n);
}

static void test_abort(void **state)
{
	(void)state;
	net *n = net_new();
	establish(n);
	send_str(n, A, 0, "never acked");
	assert_int_equal(esctp_assoc_abort(n->s[A].assoc, "bye", n->now), 0);
	assert_int_equal(esctp_assoc_state(n->s[A].assoc), ESCTP_CLOSED);
	run_for(n, ESCTP_SECOND);
	assert_int_equal(n->s[A].chunks[CT_ABORT], 1);
	const esctp_event *ev = find_event(&n->s[Z], ESCTP_EV_COMM_LOST);
	assert_non_null(ev);
	assert_int_equal(ev->error, ESCTP_ERR_CLOSED);
	assert_int_equal(ev->cause, CAUSE_USER_ABORT);
	/* The unsent message failed before the terminal event. */
	const esctp_event *sf = find_event(&n->s[A], ESCTP_EV_SEND_FAILED);
	assert_non_null(sf);
	assert_int_equal(sf->error, ESCTP_ERR_CLOSED);
	assert_true(sf < find_event(&n->s[A], ESCTP_EV_COMM_LOST));
	/* The reason travels in the User-Initiated Abort cause. */
	const uint8_t *p = n->last[A];
	assert_int_equal(p[12], CT_ABORT);
	assert_int_equal(get16(p + 16), CAUSE_USER_ABORT);
	assert_int_equal(get16(p + 18), 4 + 3);
	assert_memory_equal(p + 20, "bye", 3);
	assert_int_equal(esctp_assoc_abort(n->s[A].assoc, NULL, n->now),
			 ESCTP_ERR_CLOSED);
	net_free(n);
}

/* Freeing a live association aborts it and drops its events. */
static void test_free_live(void **state)
{
	(void)state;
	net *n = net_new();
	establish(n);
	esctp_assoc_free(n->s[A].assoc);
	n->s[A].assoc = NULL;
	run_for(n, ESCTP_SECOND);
	assert_int_equal(n->s[A].chunks[CT_ABORT], 1);
	assert_int_equal(nevents(&n->s[Z], ESCTP_EV_COMM_LOST), 1);
	assert_int_equal(nevents(&n->s[A], ESCTP_EV_COMM_LOST), 0);
	net_free(n);
}

/* ---- setup failures ---- */

/* An INIT to an endpoint that does not listen is answered by an ABORT
 * (§8.4 rule 3), which ends the attempt with CANT_START and
 * ESCTP_ERR_CLOSED: the kernel's ECONNREFUSED, reported as
 * SCTP_CANT_STR_ASSOC. */
static void test_not_listening(void **state)
{
	(void)state;
	net *n = net_new();
	esctp_endpoint_listen(n->s[Z].ep, false);
	connect_az(n);
	run_for(n, ESCTP_SECOND / 2);
	assert_int_equal(n->s[Z].chunks[CT_ABORT], 1);
	const esctp_event *ev = find_event(&n->s[A], ESCTP_EV_CANT_START);
	assert_non_null(ev);
	assert_int_equal(ev->error, ESCTP_ERR_CLOSED);
	assert_int_equal(nevents(&n->s[A], ESCTP_EV_COMM_LOST), 0);
	assert_int_equal(esctp_assoc_state(n->s[A].assoc), ESCTP_CLOSED);
	assert_int_equal(n->s[A].chunks[CT_INIT], 1);
	assert_null(n->s[Z].assoc);
	net_free(n);
}

/* ---- the host's say on new INITs, and what an association binds ---- */

typedef struct filt {
	esctp_init_filter f;
	esctp_init_verdict verdict;
	unsigned calls, ignore_first;
	esctp_addr src, dst;
	uint16_t src_port;
	esctp_local give;
} filt;

static esctp_init_verdict filt_on_init(esctp_init_filter *self,
				       const esctp_addr *src, uint16_t src_port,
				       const esctp_addr *dst,
				       esctp_local *local)
{
	filt *f = (filt *)self;
	f->calls++;
	f->src = *src;
	f->dst = *dst;
	f->src_port = src_port;
	if (f->calls <= f->ignore_first)
		return ESCTP_INIT_IGNORE;
	*local = f->give;
	return f->verdict;
}

static void filt_install(net *n, filt *f, esctp_init_verdict v)
{
	memset(f, 0, sizeof *f);
	f->f.on_init = filt_on_init;
	f->verdict = v;
	esctp_endpoint_set_init_filter(n->s[Z].ep, &f->f);
}

/* REFUSE: an ABORT as from a port where nobody listens; the host saw who
 * asked and where. */
static void test_init_filter_refuse(void **state)
{
	(void)state;
	net *n = net_new();
	filt f;
	filt_install(n, &f, ESCTP_INIT_REFUSE);
	connect_az(n);
	run_for(n, ESCTP_SECOND / 2);
	assert_int_equal(f.calls, 1);
	assert_true(esctp_addr_same_ip(&f.src, &n->s[A].addr));
	assert_true(esctp_addr_same_ip(&f.dst, &n->s[Z].addr));
	assert_int_equal(f.src_port, PORT_A);
	assert_int_equal(n->s[Z].chunks[CT_ABORT], 1);
	assert_int_equal(n->s[Z].chunks[CT_INIT_ACK], 0);
	const esctp_event *ev = find_event(&n->s[A], ESCTP_EV_CANT_START);
	assert_non_null(ev);
	assert_int_equal(ev->error, ESCTP_ERR_CLOSED);
	assert_null(n->s[Z].assoc);
	net_free(n);
}

static bool drop_from_a(int from, const uint8_t *pkt, size_t len,
			const esctp_addr *dst, void *ctx)
{
	(void)pkt, (void)len, (void)dst, (void)ctx;
	return from == A;
}

/* RFC 6951 §5.5 / RFC 9260 Appendix C: nothing at the peer's UDP port
 * (ICMP Port Unreachable quoting our INIT) refuses a starting association;
 * a quote that does not prove it came from it, or one for an established
 * association, changes nothing. */
static void test_unreachable(void **state)
{
	(void)state;
	net *n = net_new();
	n->drop = drop_from_a;
	connect_az(n);
	run_for(n, ESCTP_SECOND / 10);
	assert_int_equal(n->s[A].chunks[CT_INIT], 1);
	uint8_t init[2048];
	size_t len = n->last_len[A];
	memcpy(init, n->last[A], len);
	esctp_endpoint *ep = n->s[A].ep;
	const esctp_addr *z = &n->s[Z].addr;

	/* Too short, another port, another Initiate Tag, another peer. */
	assert_int_equal(esctp_endpoint_unreachable(ep, init, 11, z, n->now), 0);
	uint8_t bad[2048];
	memcpy(bad, init, len);
	bad[3] ^= 1;
	assert_int_equal(esctp_endpoint_unreachable(ep, bad, len, z, n->now), 0);
	memcpy(bad, init, len);
	bad[19] ^= 1;
	assert_int_equal(esctp_endpoint_unreachable(ep, bad, len, z, n->now), 0);
	esctp_addr other = *z;
	other.ip[3] ^= 0x40;
	assert_int_equal(esctp_endpoint_unreachable(ep, init, len, &other, n->now),
			 0);
	assert_int_equal(esctp_endpoint_unreachable(NULL, init, len, z, n->now),
			 ESCTP_ERR_INVAL);
	drain_events(&n->s[A]);
	assert_null(find_event(&n->s[A], ESCTP_EV_CANT_START));

	/* The INIT as sent (only its first 20 bytes quoted): refused. */
	assert_int_equal(esctp_endpoint_unreachable(ep, init, 20, z, n->now), 1);
	drain_events(&n->s[A]);
	const esctp_event *ev = find_event(&n->s[A], ESCTP_EV_CANT_START);
	assert_non_null(ev);
	assert_int_equal(ev->error, ESCTP_ERR_CLOSED);
	net_free(n);

	/* Established: ICMP is not relied on (RFC 6951 §5.5). */
	n = net_new();
	establish(n);
	send_str(n, A, 0, "x");
	uint8_t data[2048];
	esctp_addr src, dst;
	int dl = esctp_endpoint_output(n->s[A].ep, data, sizeof(data), &src,
				       &dst, n->now);
	assert_true(dl > 12);
	assert_int_equal(esctp_endpoint_unreachable(n->s[A].ep, data,
						    (size_t)dl, &dst, n->now),
			 0);
	assert_int_equal(esctp_assoc_state(n->s[A].assoc), ESCTP_ESTABLISHED);
	net_free(n);
}

/* IGNORE: no answer at all; the INIT's retransmission gets through. */
static void test_init_filter_ignore(void **state)
{
	(void)state;
	net *n = net_new();
	filt f;
	filt_install(n, &f, ESCTP_INIT_ACCEPT);
	f.ignore_first = 1;
	connect_az(n);
	run_for(n, ESCTP_SECOND / 2);
	assert_int_equal(n->s[Z].chunks[CT_INIT_ACK], 0);
	assert_int_equal(n->s[Z].chunks[CT_ABORT], 0);
	run_for(n, 2 * ESCTP_SECOND);
	assert_int_equal(f.calls, 2);
	assert_int_equal(n->s[A].chunks[CT_INIT], 2);
	assert_int_equal(esctp_assoc_state(n->s[A].assoc), ESCTP_ESTABLISHED);
	net_free(n);
}

/* The address parameters of the last packet `from` sent (an INIT or INIT
 * ACK), decoded. */
static void last_init_params(net *n, int from, init_params *ip)
{
	pkt_iter it;
	pkt_chunk c;
	chunk_init ci;
	pkt_iter_init(&it, n->last[from], n->last_len[from]);
	assert_true(pkt_iter_next(&it, &c));
	assert_true(c.type == CT_INIT || c.type == CT_INIT_ACK);
	assert_int_equal(chunk_init_decode(&c, &ci), 0);
	assert_int_equal(init_params_decode(ci.params, ci.params_len, ip), 0);
}

static bool keep_init_ack(int from, const uint8_t *pkt, size_t len,
			  const esctp_addr *dst, void *ctx)
{
	(void)dst;
	(void)ctx;
	/* Dropped, it stays the last packet Z sent (n->last[Z]). */
	return from == Z && has_chunk(pkt, len, CT_INIT_ACK);
}

/* ACCEPT with a local side: the INIT ACK advertises those addresses and
 * no loopback one to a peer that is not on loopback; the new association
 * knows where it was reached. */
static void test_init_filter_local_addrs(void **state)
{
	(void)state;
	net *n = net_new();
	filt f;
	filt_install(n, &f, ESCTP_INIT_ACCEPT);
	/* The endpoint-wide list must not leak into this answer. */
	esctp_addr other = n->s[Z].addr;
	other.ip[2] = 9;
	esctp_endpoint_add_local_addr(n->s[Z].ep, &other);
	f.give.naddrs = 2;
	f.give.addrs[0] = n->s[Z].addr;
	f.give.addrs[1].family = ESCTP_AF_INET;
	f.give.addrs[1].ip[0] = 127;
	f.give.addrs[1].ip[3] = 1;
	n->drop = keep_init_ack;
	connect_az(n);
	pump(n);
	init_params ip;
	last_init_params(n, Z, &ip);
	assert_int_equal(ip.naddrs, 1);
	assert_true(esctp_addr_same_ip(&ip.addrs[0], &n->s[Z].addr));
	n->drop = NULL;
	run_for(n, 2 * ESCTP_SECOND);
	assert_int_equal(esctp_assoc_state(n->s[A].assoc), ESCTP_ESTABLISHED);
	esctp_status st;
	esctp_assoc_status(n->s[Z].assoc, &st);
	assert_true(esctp_addr_same_ip(&st.local_addr, &n->s[Z].addr));
	assert_int_equal(st.npaths, 1);
	net_free(n);
}

/* A socket of one family: its INIT asks for that family only, and the
 * peer's addresses of the other family are not taken. */
static void test_local_family(void **state)
{
	(void)state;
	net *n = net_new();
	esctp_addr v6 = {.family = ESCTP_AF_INET6, .port = ENCAP};
	v6.ip[0] = 0x20;
	v6.ip[1] = 0x01;
	v6.ip[15] = 2;
	esctp_endpoint_add_local_addr(n->s[Z].ep, &n->s[Z].addr);
	esctp_endpoint_add_local_addr(n->s[Z].ep, &v6);
	connect_az(n);
	esctp_local loc = {.no_ipv6 = true};
	assert_int_equal(esctp_assoc_set_local(n->s[A].assoc, &loc), 0);
	esctp_local bad = {.no_ipv4 = true, .no_ipv6 = true};
	assert_int_equal(esctp_assoc_set_local(n->s[A].assoc, &bad),
			 ESCTP_ERR_INVAL);
	pump(n);
	run_for(n, ESCTP_SECOND / 2);
	assert_int_equal(esctp_assoc_state(n->s[A].assoc), ESCTP_ESTABLISHED);
	esctp_status st;
	esctp_assoc_status(n->s[A].assoc, &st);
	assert_int_equal(st.npaths, 1);
	assert_int_equal(st.paths[0].addr.family, ESCTP_AF_INET);
	net_free(n);
}

static bool look_at_init(int from, const uint8_t *pkt, size_t len,
			 const esctp_addr *dst, void *ctx)
{
	(void)dst;
	init_params *ip = ctx;
	pkt_iter it;
	pkt_chunk c;
	chunk_init ci;
	pkt_iter_init(&it, pkt, len);
	if (from == A && pkt_iter_next(&it, &c) && c.type == CT_INIT &&
	    chunk_init_decode(&c, &ci) == 0)
		init_params_decode(ci.params, ci.params_len, ip);
	return false;
}

/* A bound address is the source of the association's packets and is
 * advertised; the Supported Address Types follow the family. */
static void test_local_source(void **state)
{
	(void)state;
	net *n = net_new();
	add_addr2(&n->s[A]);
	init_params ip;
	memset(&ip, 0, sizeof ip);
	n->drop = look_at_init;
	n->drop_ctx = &ip;
	connect_az(n);
	esctp_local loc = {.naddrs = 1, .no_ipv6 = true};
	loc.addrs[0] = n->s[A].addr2;
	assert_int_equal(esctp_assoc_set_local(n->s[A].assoc, &loc), 0);
	run_for(n, ESCTP_SECOND / 2);
	assert_true(ip.has_ipv4_type);
	assert_false(ip.has_ipv6_type);
	assert_int_equal(ip.naddrs, 1);
	assert_true(esctp_addr_same_ip(&ip.addrs[0], &n->s[A].addr2));
	assert_int_equal(esctp_assoc_state(n->s[A].assoc), ESCTP_ESTABLISHED);
	esctp_status st;
	esctp_assoc_status(n->s[Z].assoc, &st);
	assert_int_equal(st.npaths, 1);
	assert_true(esctp_addr_same_ip(&st.paths[0].addr, &n->s[A].addr2));
	net_free(n);
}

static bool drop_all_from_a(int from, const uint8_t *pkt, size_t len,
			    const esctp_addr *dst, void *ctx)
{
	(void)dst;
	(void)pkt;
	(void)len;
	(void)ctx;
	return from == A;
}

static bool drop_all_from_z(int from, const uint8_t *pkt, size_t len,
			    const esctp_addr *dst, void *ctx)
{
	(void)pkt;
	(void)len;
	(void)dst;
	(void)ctx;
	return from == Z;
}

/* T1-init: retransmitted with backoff Max.Init.Retransmits times, then
 * CANT_START with error 0 (timed out). */
static void test_t1_cant_start(void **state)
{
	(void)state;
	net *n = net_new();
	n->drop = drop_all_from_a;
	connect_az(n);
	run_for(n, 2 * ESCTP_SECOND + ESCTP_SECOND / 2);
	assert_int_equal(n->s[A].chunks[CT_INIT], 2); /* t=0, 1 s */
	run_for(n, 1000 * ESCTP_SECOND);
	unsigned max = n->s[A].cfg.max_init_retrans;
	assert_int_equal(n->s[A].chunks[CT_INIT], max + 1);
	const esctp_event *ev = find_event(&n->s[A], ESCTP_EV_CANT_START);
	assert_non_null(ev);
	assert_int_equal(ev->error, 0);
	assert_int_equal(esctp_assoc_state(n->s[A].assoc), ESCTP_CLOSED);
	assert_int_equal(nevents(&n->s[Z], ESCTP_EV_ACCEPT), 0);
	net_free(n);
}

static bool drop_first_cookie_echo(int from, const uint8_t *pkt, size_t len,
				   const esctp_addr *dst, void *ctx)
{
	(void)dst;
	unsigned *left = ctx;
	if (from == A && has_chunk(pkt, len, CT_COOKIE_ECHO) && *left) {
		(*left)--;
		return true;
	}
	return false;
}

/* T1-cookie resends the COOKIE ECHO. */
static void test_t1_cookie(void **state)
{
	(void)state;
	net *n = net_new();
	unsigned left = 1;
	n->drop = drop_first_cookie_echo;
	n->drop_ctx = &left;
	connect_az(n);
	run_for(n, 3 * ESCTP_SECOND);
	assert_int_equal(n->s[A].chunks[CT_COOKIE_ECHO], 2);
	assert_int_equal(esctp_assoc_state(n->s[A].assoc), ESCTP_ESTABLISHED);
	assert_int_equal(nevents(&n->s[Z], ESCTP_EV_ACCEPT), 1);
	net_free(n);
}

static bool hold_cookie(int from, const uint8_t *pkt, size_t len,
			const esctp_addr *dst, void *ctx)
{
	(void)dst;
	net *n = ctx;
	/* The first COOKIE ECHO is late: delivered after its lifetime. */
	if (from == A && has_chunk(pkt, len, CT_COOKIE_ECHO) &&
	    n->s[A].chunks[CT_COOKIE_ECHO] == 1) {
		n->now += 3 * ESCTP_SECOND;
		return false;
	}
	return false;
}

/* §5.1.5 step 4 and §5.2.6: a stale cookie gets an ERROR with the
 * staleness; the initiator starts again with a Cookie Preservative. */
static void test_stale_cookie(void **state)
{
	(void)state;
	net *n = net_new();
	esctp_endpoint_free(n->s[Z].ep);
	n->s[Z].cfg.cookie_life_ms = 1000;
	net_open(n, &n->s[Z]);
	esctp_endpoint_listen(n->s[Z].ep, true);
	n->drop = hold_cookie;
	n->drop_ctx = n;
	connect_az(n);
	run_for(n, 5 * ESCTP_SECOND);
	assert_int_equal(n->s[Z].chunks[CT_ERROR], 1);
	assert_int_equal(n->s[A].chunks[CT_INIT], 2);
	assert_int_equal(n->s[A].chunks[CT_COOKIE_ECHO], 2);
	assert_int_equal(esctp_assoc_state(n->s[A].assoc), ESCTP_ESTABLISHED);
	assert_int_equal(nevents(&n->s[Z], ESCTP_EV_ACCEPT), 1);
	assert_int_equal(nevents(&n->s[A], ESCTP_EV_COMM_UP), 1);
	net_free(n);
}

/* §5.2.1: both sides send INIT at once; each answers the other's INIT
 * and both end up with one association. */
static void test_init_collision(void **state)
{
	(void)state;
	net *n = net_new();
	esctp_endpoint_listen(n->s[A].ep, true);
	esctp_assoc *za = NULL;
	connect_az(n);
	assert_int_equal(esctp_endpoint_connect(n->s[Z].ep, &n->s[A].addr, 1,
						PORT_A, n->now, &za),
			 0);
	run_for(n, 2 * ESCTP_SECOND);
	assert_int_equal(esctp_assoc_state(n->s[A].assoc), ESCTP_ESTABLISHED);
	assert_int_equal(esctp_assoc_state(za), ESCTP_ESTABLISHED);
	assert_int_equal(nevents(&n->s[A], ESCTP_EV_COMM_UP), 1);
	assert_int_equal(nevents(&n->s[Z], ESCTP_EV_COMM_UP), 1);
	assert_int_equal(nevents(&n->s[A], ESCTP_EV_ACCEPT), 0);
	assert_int_equal(nevents(&n->s[Z], ESCTP_EV_ACCEPT), 0);
	n->s[Z].assoc = za;
	send_str(n, Z, 0, "after collision");
	run_for(n, ESCTP_SECOND);
	recv_str(n, A, "after collision");
	net_free(n);
}

/* ---- restart, §5.2.2 and §5.2.4 (A) ---- */

static void test_restart(void **state)
{
	(void)state;
	net *n = net_new();
	establish(n);
	esctp_assoc *z = n->s[Z].assoc;
	esctp_status before;
	esctp_assoc_status(z, &before);
	/* A's host dies without a word; Z still sends to it. */
	esctp_endpoint_free(n->s[A].ep);
	n->s[A].ep = NULL;
	n->s[A].nev = 0;
	memset(n->s[A].chunks, 0, sizeof n->s[A].chunks);
	send_str(n, Z, 0, "into the void");
	pump(n);
	/* A comes back on the same address and port. */
	net_open(n, &n->s[A]);
	connect_az(n);
	run_for(n, ESCTP_SECOND / 2);
	assert_int_equal(esctp_assoc_state(n->s[A].assoc), ESCTP_ESTABLISHED);
	assert_int_equal(nevents(&n->s[Z], ESCTP_EV_RESTART), 1);
	assert_int_equal(nevents(&n->s[Z], ESCTP_EV_ACCEPT), 1);
	assert_int_equal(nevents(&n->s[Z], ESCTP_EV_COMM_LOST), 0);
	const esctp_event *sf = find_event(&n->s[Z], ESCTP_EV_SEND_FAILED);
	assert_non_null(sf);
	assert_int_equal(sf->len, strlen("into the void"));
	/* The same TCB, new tags. */
	esctp_status after, sa;
	esctp_assoc_status(z, &after);
	esctp_assoc_status(n->s[A].assoc, &sa);
	assert_int_not_equal(after.local_vtag, before.local_vtag);
	assert_int_equal(after.peer_vtag, sa.local_vtag);
	assert_int_equal(sa.peer_vtag, after.local_vtag);
	send_str(n, A, 0, "back");
	send_str(n, Z, 0, "welcome");
	run_for(n, ESCTP_SECOND);
	recv_str(n, Z, "back");
	recv_str(n, A, "welcome");
	net_free(n);
}

/* §5.2.2: a restart that brings an address the association does not
 * have is refused with "Restart of an Association with New Addresses". */
static void test_restart_new_address(void **state)
{
	(void)state;
	net *n = net_new();
	establish(n);
	esctp_endpoint_free(n->s[A].ep);
	n->s[A].nev = 0;
	net_open(n, &n->s[A]);
	add_addr2(&n->s[A]);
	connect_az(n);
	run_for(n, ESCTP_SECOND / 2);
	const esctp_event *ev = find_event(&n->s[A], ESCTP_EV_CANT_START);
	assert_non_null(ev);
	assert_int_equal(ev->cause, CAUSE_RESTART_NEW_ADDRS);
	assert_int_equal(nevents(&n->s[Z], ESCTP_EV_RESTART), 0);
	assert_int_equal(esctp_assoc_state(n->s[Z].assoc), ESCTP_ESTABLISHED);
	net_free(n);
}

/* ---- verification tags and out-of-the-blue packets ---- */

static size_t make_data(uint8_t *buf, uint16_t sport, uint16_t dport,
			uint32_t vtag, uint32_t tsn, uint16_t stream,
			size_t len)
{
	wbuf w;
	static const uint8_t payload[64] = "payload";
	wbuf_init(&w, buf, 256);
	pkt_put_header(&w, sport, dport, vtag);
	chunk_data d = {.flags = DATA_FLAG_B | DATA_FLAG_E,
			.tsn = tsn,
			.stream = stream,
			.payload = payload,
			.len = len};
	chunk_put_data(&w, &d);
	pkt_finish(&w);
	return w.len;
}

static size_t make_chunk(uint8_t *buf, uint16_t sport, uint16_t dport,
			 uint32_t vtag, uint8_t type, uint8_t flags)
{
	wbuf w;
	wbuf_init(&w, buf, 256);
	pkt_put_header(&w, sport, dport, vtag);
	chunk_put_empty(&w, type, flags);
	pkt_finish(&w);
	return w.len;
}

static int input_z(net *n, const uint8_t *pkt, size_t len,
		   const esctp_addr *src)
{
	return esctp_endpoint_input(n->s[Z].ep, pkt, len, src, &n->s[Z].addr,
				    n->now);
}

static void test_bad_vtag(void **state)
{
	(void)state;
	net *n = net_new();
	establish(n);
	esctp_status sz;
	esctp_assoc_status(n->s[Z].assoc, &sz);
	uint8_t pkt[256];
	unsigned sacks = n->s[Z].chunks[CT_SACK];
	unsigned nev = n->s[Z].nev;
	/* §8.5: a wrong tag and the packet is discarded, silently. */
	size_t len = make_data(pkt, PORT_A, PORT_Z, sz.local_vtag + 1,
			       sz.peer_vtag, 0, 5);
	assert_int_equal(input_z(n, pkt, len, &n->s[A].addr), 0);
	len =
	    make_chunk(pkt, PORT_A, PORT_Z, sz.local_vtag ^ 0x100, CT_ABORT, 0);
	assert_int_equal(input_z(n, pkt, len, &n->s[A].addr), 0);
	/* §8.5.1 (B): the T bit asks for the peer's tag, not ours. */
	len = make_chunk(pkt, PORT_A, PORT_Z, sz.local_vtag, CT_ABORT,
			 CHUNK_FLAG_T);
	assert_int_equal(input_z(n, pkt, len, &n->s[A].addr), 0);
	/* A bad CRC never gets that far. */
	len = make_data(pkt, PORT_A, PORT_Z, sz.local_vtag, 1, 0, 5);
	pkt[len - 1] ^= 1;
	assert_int_equal(input_z(n, pkt, len, &n->s[A].addr), ESCTP_ERR_PROTO);
	pump(n);
	assert_int_equal(n->s[Z].chunks[CT_SACK], sacks);
	assert_int_equal(n->s[Z].nev, nev);
	assert_int_equal(esctp_assoc_state(n->s[Z].assoc), ESCTP_ESTABLISHED);
	/* The right tag with the T bit set to the peer's tag: accepted. */
	len = make_chunk(pkt, PORT_A, PORT_Z, sz.peer_vtag, CT_ABORT,
			 CHUNK_FLAG_T);
	assert_int_equal(input_z(n, pkt, len, &n->s[A].addr), 0);
	pump(n);
	assert_int_equal(esctp_assoc_state(n->s[Z].assoc), ESCTP_CLOSED);
	const esctp_event *ev = find_event(&n->s[Z], ESCTP_EV_COMM_LOST);
	assert_non_null(ev);
	assert_int_equal(ev->error, ESCTP_ERR_CLOSED);
	net_free(n);
}

/* Reads the single reply Z has queued. */
static size_t z_reply(net *n, uint8_t *buf, esctp_addr *dst)
{
	esctp_addr src;
	int len =
	    esctp_endpoint_output(n->s[Z].ep, buf, 2048, &src, dst, n->now);
	assert_true(len >= 0);
	return (size_t)len;
}

static void test_ootb(void **state)
{
	(void)state;
	net *n = net_new();
	esctp_addr stranger = n->s[A].addr;
	stranger.ip[3] = 9;
	uint8_t pkt[256], out[2048];
	esctp_addr dst;
	/* §8.4 rule 8: ABORT, tag reflected, T bit set. */
	size_t len = make_data(pkt, 3000, PORT_Z, 0x42424242, 1, 0, 5);
	assert_int_equal(input_z(n, pkt, len, &stranger), 0);
	size_t r = z_reply(n, out, &dst);
	assert_int_equal(r, 16);
	assert_true(esctp_addr_same_ip(&dst, &stranger));
	assert_int_equal(get16(out), PORT_Z);
	assert_int_equal(get16(out + 2), 3000);
	assert_int_equal(get32(out + 4), 0x42424242);
	assert_int_equal(out[12], CT_ABORT);
	assert_int_equal(out[13], CHUNK_FLAG_T);
	/* Rule 2: never answer an ABORT. */
	len = make_chunk(pkt, 3000, PORT_Z, 0x42424242, CT_ABORT, 0);
	assert_int_equal(input_z(n, pkt, len, &stranger), 0);
	assert_int_equal(z_reply(n, out, &dst), 0);
	/* Rule 5: SHUTDOWN ACK gets SHUTDOWN COMPLETE with the T bit. */
	len = make_chunk(pkt, 3000, PORT_Z, 0x42424242, CT_SHUTDOWN_ACK, 0);
	assert_int_equal(input_z(n, pkt, len, &stranger), 0);
	assert_int_equal(z_reply(n, out, &dst), 16);
	assert_int_equal(out[12], CT_SHUTDOWN_COMPLETE);
	assert_int_equal(out[13], CHUNK_FLAG_T);
	/* Rule 6/7: COOKIE ACK and SHUTDOWN COMPLETE: silence. */
	len = make_chunk(pkt, 3000, PORT_Z, 0x42424242, CT_COOKIE_ACK, 0);
	assert_int_equal(input_z(n, pkt, len, &stranger), 0);
	assert_int_equal(z_reply(n, out, &dst), 0);
	/* A COOKIE ECHO with a forged cookie: silence (§5.1.5). */
	wbuf w;
	wbuf_init(&w, pkt, sizeof pkt);
	pkt_put_header(&w, 3000, PORT_Z, 0x42424242);
	chunk_put_cookie_echo(&w, out, 160);
	pkt_finish(&w);
	assert_int_equal(input_z(n, pkt, w.len, &stranger), 0);
	assert_int_equal(z_reply(n, out, &dst), 0);
	assert_int_equal(n->s[Z].h.live, n->s[Z].h.live);
	/* A flood of INITs costs no allocation once the reply buffers
	 * exist, and overflow is dropped. */
	esctp_assoc *tmp = NULL;
	assert_int_equal(esctp_endpoint_connect(n->s[A].ep, &n->s[Z].addr, 1,
						PORT_Z, n->now, &tmp),
			 0);
	esctp_addr s2, d2;
	uint8_t init[2048];
	int ilen = esctp_endpoint_output(n->s[A].ep, init, sizeof init, &s2,
					 &d2, n->now);
	assert_true(ilen > 0 && init[12] == CT_INIT);
	for (int i = 0; i < 8; i++)
		input_z(n, init, (size_t)ilen, &stranger);
	size_t live = n->s[Z].h.live;
	for (int i = 0; i < 100; i++)
		input_z(n, init, (size_t)ilen, &stranger);
	assert_int_equal(n->s[Z].h.live, live);
	unsigned acks = 0;
	while (z_reply(n, out, &dst))
		acks++;
	assert_int_equal(acks, EP_REPLY_SLOTS_INPUT);
	net_free(n);
}

/* An INIT to Z from SCTP port sport, with Initiate Tag tag. */
static size_t make_init(uint8_t *buf, uint16_t sport, uint32_t tag)
{
	wbuf w;
	wbuf_init(&w, buf, 256);
	pkt_put_header(&w, sport, PORT_Z, 0);
	size_t off = chunk_open(&w, CT_INIT, 0);
	chunk_init ci = {.init_tag = tag,
			 .a_rwnd = 65536,
			 .os = 10,
			 .mis = 10,
			 .initial_tsn = tag ^ 0x5a5a5a5a};
	chunk_put_init_fixed(&w, &ci);
	chunk_close(&w, off);
	pkt_finish(&w);
	return w.len;
}

/* Moves every queued one-shot reply of Z out the new way; counts the INIT
 * ACKs and checks each goes back to `to` with the Initiate Tag of an INIT
 * sent from port 3000 + k with tag 0x1000 + k. */
static unsigned drain_init_acks(net *n, const esctp_addr *to)
{
	uint8_t out[2048];
	esctp_addr src, dst;
	unsigned acks = 0;
	int len;
	while ((len = esctp_endpoint_output_reply(n->s[Z].ep, out, sizeof out,
						  &src, &dst)) > 0) {
		assert_true(esctp_addr_equal(&dst, to));
		assert_int_equal(out[12], CT_INIT_ACK);
		uint16_t k = (uint16_t)(get16(out + 2) - 3000);
		assert_int_equal(get32(out + 4), 0x1000u + k);
		acks++;
	}
	assert_int_equal(len, 0);
	return acks;
}

/* A batch of INITs from 32 legitimate clients read before any output (one
 * recvmmsg of the daemon): drained after each input, every one gets its
 * INIT ACK; left for one output() at the end of the batch, all but
 * EP_REPLY_SLOTS_INPUT are dropped, and the clients wait for their T1
 * (issue 9: 131 s for a burst of 10,000). */
static void test_init_burst_replies(void **state)
{
	(void)state;
	net *n = net_new();
	esctp_addr client = n->s[A].addr;
	client.ip[3] = 9;
	uint8_t pkt[256], out[2048];
	esctp_addr src, dst;
	unsigned acks = 0;
	for (uint16_t k = 0; k < 32; k++) {
		size_t len = make_init(pkt, (uint16_t)(3000 + k), 0x1000u + k);
		assert_int_equal(input_z(n, pkt, len, &client), 0);
		acks += drain_init_acks(n, &client);
	}
	assert_int_equal(acks, 32);
	esctp_endpoint_stats st;
	esctp_endpoint_stats_get(n->s[Z].ep, &st);
	assert_int_equal(st.replies_sent, 32);
	assert_int_equal(st.replies_dropped, 0);
	assert_int_equal(st.replies_queued, 0);
	assert_int_equal(esctp_endpoint_pending_replies(n->s[Z].ep), 0);
	/* No state before a valid COOKIE ECHO (RFC 9260 §5.1.3). */
	assert_null(n->s[Z].ep->all);
	/* The old way: the whole batch in, then output. */
	for (uint16_t k = 0; k < 32; k++) {
		size_t len = make_init(pkt, (uint16_t)(3000 + k), 0x1000u + k);
		assert_int_equal(input_z(n, pkt, len, &client), 0);
	}
	assert_int_equal(esctp_endpoint_pending_replies(n->s[Z].ep),
			 EP_REPLY_SLOTS_INPUT);
	esctp_endpoint_stats_get(n->s[Z].ep, &st);
	assert_int_equal(st.replies_dropped, 32 - EP_REPLY_SLOTS_INPUT);
	assert_int_equal(drain_init_acks(n, &client), EP_REPLY_SLOTS_INPUT);
	/* Replies only: an association's own packets wait for output(). */
	connect_az(n);
	assert_int_equal(esctp_endpoint_pending_replies(n->s[A].ep), 0);
	assert_int_equal(esctp_endpoint_output_reply(n->s[A].ep, out,
						     sizeof out, &src, &dst),
			 0);
	int len = esctp_endpoint_output(n->s[A].ep, out, sizeof out, &src, &dst,
					n->now);
	assert_true(len > 0 && out[12] == CT_INIT);
	/* Arguments and a buffer too small: the reply stays queued. */
	size_t ilen = make_init(pkt, 3000, 0x1000);
	input_z(n, pkt, ilen, &client);
	assert_int_equal(
	    esctp_endpoint_output_reply(n->s[Z].ep, out, 16, &src, &dst),
	    ESCTP_ERR_NOBUF);
	assert_int_equal(esctp_endpoint_pending_replies(n->s[Z].ep), 1);
	assert_int_equal(
	    esctp_endpoint_output_reply(NULL, out, sizeof out, &src, &dst),
	    ESCTP_ERR_INVAL);
	assert_int_equal(esctp_endpoint_pending_replies(NULL), 0);
	assert_int_equal(drain_init_acks(n, &client), 1);
	net_free(n);
}

/* A flood of 10,000 INITs, answered as they come: the engine allocates
 * one reply buffer for the first and nothing after it, keeps no state for
 * any of them, and the work per INIT stays one INIT ACK.  Unanswered (no
 * draining at all), it costs the 6 buffers of the queue and no more. */
static void test_init_flood_memory(void **state)
{
	(void)state;
	net *n = net_new();
	esctp_addr flooder = n->s[A].addr;
	flooder.ip[3] = 66;
	uint8_t pkt[256];
	size_t live = 0;
	unsigned acks = 0;
	for (unsigned i = 0; i < 10000; i++) {
		uint16_t k = (uint16_t)(i % 4000);
		size_t len = make_init(pkt, (uint16_t)(3000 + k), 0x1000u + k);
		assert_int_equal(input_z(n, pkt, len, &flooder), 0);
		acks += drain_init_acks(n, &flooder);
		if (i == 0)
			live = n->s[Z].h.live;
		assert_int_equal(n->s[Z].h.live, live);
	}
	assert_int_equal(acks, 10000);
	assert_null(n->s[Z].ep->all);
	esctp_endpoint_stats st;
	esctp_endpoint_stats_get(n->s[Z].ep, &st);
	assert_int_equal(st.replies_sent, 10000);
	assert_int_equal(st.replies_dropped, 0);
	assert_int_equal(st.reply_buffers, 1);
	/* Nobody drains: the queue fills, then everything is dropped. */
	for (unsigned i = 0; i < 10000; i++) {
		uint16_t k = (uint16_t)(i % 4000);
		size_t len = make_init(pkt, (uint16_t)(3000 + k), 0x1000u + k);
		input_z(n, pkt, len, &flooder);
		if (i == EP_REPLY_SLOTS_INPUT)
			live = n->s[Z].h.live;
		if (i >= EP_REPLY_SLOTS_INPUT)
			assert_int_equal(n->s[Z].h.live, live);
	}
	esctp_endpoint_stats_get(n->s[Z].ep, &st);
	assert_int_equal(st.reply_buffers, EP_REPLY_SLOTS_INPUT);
	assert_int_equal(st.replies_dropped, 10000 - EP_REPLY_SLOTS_INPUT);
	assert_int_equal(drain_init_acks(n, &flooder), EP_REPLY_SLOTS_INPUT);
	assert_null(n->s[Z].ep->all);
	net_free(n);
}

/* §6.2: DATA without user data ends the association. */
static void test_no_user_data(void **state)
{
	(void)state;
	net *n = net_new();
	establish(n);
	esctp_status sz;
	esctp_assoc_status(n->s[Z].assoc, &sz);
	uint8_t pkt[256];
	size_t len =
	    make_data(pkt, PORT_A, PORT_Z, sz.local_vtag, sz.peer_vtag, 0, 0);
	assert_int_equal(input_z(n, pkt, len, &n->s[A].addr), 0);
	pump(n);
	assert_int_equal(n->s[Z].chunks[CT_ABORT], 1);
	const esctp_event *ev = find_event(&n->s[A], ESCTP_EV_COMM_LOST);
	assert_non_null(ev);
	assert_int_equal(ev->cause, CAUSE_NO_USER_DATA);
	net_free(n);
}

/* §6.5: a stream beyond the negotiated count is acked, discarded and
 * reported; §3.2: unknown chunk types by their action bits. */
static void test_bad_stream_and_unknown_chunks(void **state)
{
	(void)state;
	net *n = net_new();
	establish(n);
	esctp_status sz;
	esctp_assoc_status(n->s[Z].assoc, &sz);
	uint8_t pkt[256], out[2048];
	esctp_addr dst;
	/* The TSNs are A's own next ones; Z's SACKs for data A never sent
	 * must not reach A. */
	uint32_t tsn = n->s[A].assoc->local_tsn;
	n->drop = drop_all_from_z;
	size_t len = make_data(pkt, PORT_A, PORT_Z, sz.local_vtag, tsn, 50, 4);
	assert_int_equal(input_z(n, pkt, len, &n->s[A].addr), 0);
	size_t r = z_reply(n, out, &dst);
	assert_true(r > 0);
	assert_int_equal(out[12], CT_ERROR);
	assert_int_equal(get16(out + 16), CAUSE_INVALID_STREAM);
	assert_int_equal(get16(out + 20), 50);
	pump(n);
	assert_int_equal(esctp_assoc_recv_pending(n->s[Z].assoc), 0);
	/* 0xC1: skip and report; 0x41: stop and report, the DATA behind it
	 * is not processed. */
	uint8_t types[2] = {0xC1, 0x41};
	for (int i = 0; i < 2; i++) {
		wbuf w;
		static const uint8_t payload[4] = "abcd";
		wbuf_init(&w, pkt, sizeof pkt);
		pkt_put_header(&w, PORT_A, PORT_Z, sz.local_vtag);
		chunk_put_empty(&w, types[i], 0);
		chunk_data d = {.flags = DATA_FLAG_B | DATA_FLAG_E,
				.tsn = tsn + 1 + (uint32_t)i,
				.stream = 1,
				.payload = payload,
				.len = 4};
		chunk_put_data(&w, &d);
		pkt_finish(&w);
		assert_int_equal(input_z(n, pkt, w.len, &n->s[A].addr), 0);
		r = z_reply(n, out, &dst);
		assert_true(r > 0);
		assert_int_equal(out[12], CT_ERROR);
		assert_int_equal(get16(out + 16), CAUSE_UNRECOGNIZED_CHUNK);
		assert_int_equal(out[20], types[i]);
		pump(n);
	}
	assert_int_equal(esctp_assoc_state(n->s[Z].assoc), ESCTP_ESTABLISHED);
	assert_int_equal(nevents(&n->s[Z], ESCTP_EV_DATA), 1);
	net_free(n);
}

/* ---- heartbeats, path failure, multihoming ---- */

static void test_heartbeat(void **state)
{
	(void)state;
	net *n = net_new();
	establish(n);
	esctp_assoc_set_hb_interval(n->s[A].assoc, 1000);
	run_for(n, 10 * ESCTP_SECOND);
	/* Every interval + RTO (1 s + 1 s +/- 0.5 s): about 4 in 10 s. */
	unsigned hb = n->s[A].chunks[CT_HEARTBEAT];
	assert_true(hb >= 3 && hb <= 6);
	assert_int_equal(n->s[Z].chunks[CT_HEARTBEAT_ACK], hb);
	/* Z's default interval is 30 s: none from it yet. */
	assert_int_equal(n->s[Z].chunks[CT_HEARTBEAT], 0);
	esctp_status st;
	esctp_assoc_status(n->s[A].assoc, &st);
	assert_int_equal(st.paths[0].error_count, 0);
	assert_int_equal(st.state, ESCTP_ESTABLISHED);
	/* Off again: no more. */
	esctp_assoc_set_hb_interval(n->s[A].assoc, 0);
	hb = n->s[A].chunks[CT_HEARTBEAT];
	run_for(n, 100 * ESCTP_SECOND);
	assert_int_equal(n->s[A].chunks[CT_HEARTBEAT], hb);
	net_free(n);
}

/* Unanswered heartbeats: the path goes UNREACHABLE past Path.Max.Retrans
 * (§8.2), the association is lost past Association.Max.Retrans (§8.1)
 * with an ABORT that says why. */
static void test_heartbeat_loss(void **state)
{
	(void)state;
	net *n = net_new();
	establish(n);
	esctp_assoc_set_hb_interval(n->s[A].assoc, 1000);
	n->drop = drop_all_from_z;
	run_for(n, 1000 * ESCTP_SECOND);
	const esctp_event *ev = find_event(&n->s[A], ESCTP_EV_PEER_ADDR_CHANGE);
	assert_non_null(ev);
	assert_int_equal(ev->path_state, ESCTP_ADDR_UNREACHABLE);
	ev = find_event(&n->s[A], ESCTP_EV_COMM_LOST);
	assert_non_null(ev);
	assert_int_equal(ev->error, 0);
	assert_int_equal(n->s[A].chunks[CT_HEARTBEAT],
			 n->s[A].cfg.assoc_max_retrans + 1u);
	assert_int_equal(n->s[A].chunks[CT_ABORT], 1);
	assert_int_equal(nevents(&n->s[Z], ESCTP_EV_COMM_LOST), 1);
	net_free(n);
}

static bool drop_to_first(int from, const uint8_t *pkt, size_t len,
			  const esctp_addr *dst, void *ctx)
{
	(void)pkt;
	(void)len;
	bool *on = ctx;
	return *on && from == A && dst->ip[1] == 0;
}

/* Z is multihomed: A learns its second address from the INIT ACK,
 * confirms it by heartbeat (§5.4), and fails over to it when the first
 * one dies (§8.2, §6.4.1). */
static void test_multihoming_failover(void **state)
{
	(void)state;
	net *n = net_new();
	add_addr2(&n->s[Z]);
	bool cut = false;
	n->drop = drop_to_first;
	n->drop_ctx = &cut;
	establish(n);
	esctp_status st;
	esctp_assoc_status(n->s[A].assoc, &st);
	assert_int_equal(st.npaths, 2);
	assert_false(st.paths[1].confirmed);
	run_for(n, 5 * ESCTP_SECOND);
	esctp_assoc_status(n->s[A].assoc, &st);
	assert_true(st.paths[1].confirmed);
	const esctp_event *ev = find_event(&n->s[A], ESCTP_EV_PEER_ADDR_CHANGE);
	assert_non_null(ev);
	assert_int_equal(ev->path_state, ESCTP_ADDR_CONFIRMED);
	cut = true;
	for (int i = 0; i < 20; i++) {
		send_str(n, A, 0, "over the other path");
		run_for(n, ESCTP_SECOND);
	}
	/* Five strikes pass Path.Max.Retrans only at the sixth; T3 and
	 * heartbeats back off to tens of seconds by then. */
	run_for(n, 200 * ESCTP_SECOND);
	esctp_assoc_status(n->s[A].assoc, &st);
	assert_int_equal(st.paths[0].state, ESCTP_ADDR_UNREACHABLE);
	assert_int_equal(nevents(&n->s[A], ESCTP_EV_COMM_LOST), 0);
	assert_int_equal(st.state, ESCTP_ESTABLISHED);
	for (int i = 0; i < 20; i++)
		recv_str(n, Z, "over the other path");
	assert_int_equal(st.unacked, 0);
	net_free(n);
}

/* ---- memory ---- */

/* Bytes one idle established association with 10 streams each way costs
 * its endpoint, every allocation counted: the association, its paths, rx,
 * tx, its table slot, and the endpoint buffers it made grow (event ring,
 * timer heap, reply buffer).  Measured against a bare listening endpoint
 * after a handshake, a few messages both ways and 5 s idle. */
static void test_memory(void **state)
{
	(void)state;
	net *n = net_new();
	size_t base_a = n->s[A].h.live, base_z = n->s[Z].h.live;
	establish(n);
	for (int i = 0; i < 10; i++) {
		send_str(n, A, (uint16_t)i, "some data from A");
		send_str(n, Z, (uint16_t)i, "and some from Z");
	}
	run_for(n, ESCTP_SECOND);
	for (int i = 0; i < 10; i++) {
		recv_str(n, Z, "some data from A");
		recv_str(n, A, "and some from Z");
	}
	run_for(n, 5 * ESCTP_SECOND);
	size_t a = n->s[A].h.live - base_a, z = n->s[Z].h.live - base_z;
	const esctp_endpoint *ez = n->s[Z].ep;
	const esctp_assoc *az = n->s[Z].assoc;
	/* Endpoint buffers: shared by all its associations, grown once. */
	size_t shared =
	    ez->ev_cap * sizeof(esctp_event) + ez->heap_cap * sizeof(void *) +
	    ez->nslots * sizeof(ep_slot) + (size_t)ez->npool * ez->cfg.mtu;
	size_t own = z - shared + sizeof(ep_slot); /* + its table slot */
	printf("memory per idle association (10+10 streams): %zu bytes "
	       "(struct %zu, paths %zu, table slot %zu, rx + tx %zu); with "
	       "the endpoint buffers the first one grows: A %zu, Z %zu\n",
	       own, sizeof *az, az->npaths * sizeof(path), sizeof(ep_slot),
	       own - sizeof *az - az->npaths * sizeof(path) - sizeof(ep_slot),
	       a, z);
	assert_true(own <= 8192);
	assert_true(a <= 8192 + 2048 && z <= 8192 + 2048);
	net_free(n);
}

/* ---- what changed ---- */

static void drain_touched(esctp_endpoint *ep)
{
	for (unsigned i = 0; i < 100 && esctp_endpoint_next_touched(ep); i++)
		;
	assert_int_equal(esctp_endpoint_touched_count(ep), 0);
	assert_null(esctp_endpoint_next_touched(ep));
}

/* esctp_endpoint_next_touched(): an association that had input, a send or
 * output is listed once however often it changed, idle ones are not, and
 * a freed one leaves the list. */
static void test_touched(void **state)
{
	(void)state;
	net *n = net_new();
	assert_int_equal(esctp_endpoint_touched_count(NULL), 0);
	assert_null(esctp_endpoint_next_touched(NULL));
	establish(n);
	side *a = &n->s[A], *z = &n->s[Z];
	assert_true(esctp_endpoint_touched_count(z->ep) >= 1);
	drain_touched(a->ep);
	drain_touched(z->ep);
	/* Time passing with nothing due touches nobody. */
	run_for(n, ESCTP_SECOND / 10);
	assert_int_equal(esctp_endpoint_touched_count(a->ep), 0);
	assert_int_equal(esctp_endpoint_touched_count(z->ep), 0);
	/* Three sends list A's association once. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(esctp_assoc_send(a->assoc, &(esctp_sndinfo){0},
						  "x", 1, n->now),
				 0);
	assert_int_equal(esctp_endpoint_touched_count(a->ep), 1);
	assert_ptr_equal(esctp_endpoint_next_touched(a->ep), a->assoc);
	assert_null(esctp_endpoint_next_touched(a->ep));
	/* A send while the host visits it lists it again. */
	assert_int_equal(
	    esctp_assoc_send(a->assoc, &(esctp_sndinfo){0}, "y", 1, n->now), 0);
	assert_int_equal(esctp_endpoint_touched_count(a->ep), 1);
	/* The DATA reaches Z: Z's association is listed (input), and the
	 * SACK back lists A's again. */
	run_for(n, ESCTP_SECOND);
	assert_int_equal(esctp_endpoint_touched_count(z->ep), 1);
	assert_ptr_equal(esctp_endpoint_next_touched(z->ep), z->assoc);
	assert_int_equal(esctp_endpoint_touched_count(a->ep), 1);
	/* Freed while listed: it leaves the list. */
	esctp_assoc_free(a->assoc);
	a->assoc = NULL;
	assert_int_equal(esctp_endpoint_touched_count(a->ep), 0);
	assert_null(esctp_endpoint_next_touched(a->ep));
	net_free(n);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_handshake),
	    cmocka_unit_test(test_data_both_ways),
	    cmocka_unit_test(test_data_before_established),
	    cmocka_unit_test(test_shutdown),
	    cmocka_unit_test(test_shutdown_simultaneous),
	    cmocka_unit_test(test_shutdown_t2),
	    cmocka_unit_test(test_abort),
	    cmocka_unit_test(test_free_live),
	    cmocka_unit_test(test_not_listening),
	    cmocka_unit_test(test_init_filter_refuse),
	    cmocka_unit_test(test_unreachable),
	    cmocka_unit_test(test_init_filter_ignore),
	    cmocka_unit_test(test_init_filter_local_addrs),
	    cmocka_unit_test(test_local_family),
	    cmocka_unit_test(test_local_source),
	    cmocka_unit_test(test_t1_cant_start),
	    cmocka_unit_test(test_t1_cookie),
	    cmocka_unit_test(test_stale_cookie),
	    cmocka_unit_test(test_init_collision),
	    cmocka_unit_test(test_restart),
	    cmocka_unit_test(test_restart_new_address),
	    cmocka_unit_test(test_bad_vtag),
	    cmocka_unit_test(test_ootb),
	    cmocka_unit_test(test_init_burst_replies),
	    cmocka_unit_test(test_init_flood_memory),
	    cmocka_unit_test(test_no_user_data),
	    cmocka_unit_test(test_bad_stream_and_unknown_chunks),
	    cmocka_unit_test(test_heartbeat),
	    cmocka_unit_test(test_heartbeat_loss),
	    cmocka_unit_test(test_multihoming_failover),
	    cmocka_unit_test(test_memory),
	    cmocka_unit_test(test_touched),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
