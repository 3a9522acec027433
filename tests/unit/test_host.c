/*
 * test_host.c - the hosting layer's loop (timers under a fake clock, fd
 * callbacks), UDP transport (address conversions, batched send and
 * receive over loopback with the destination address learned, bind errors),
 * and the host itself answering bursts and floods of INITs over loopback.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lib/host/host.h"
#include "../../lib/host/loop.h"
#include "../../lib/host/udp.h"

/* ---- loop ---- */

static esctp_tstamp fake_now;

static esctp_tstamp fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static char fired[16];
static size_t nfired;

static void note_timer(loop *l, loop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	fired[nfired++] = *(const char *)arg;
}

static void test_timers_fire_in_order(void **state)
{
	(void)state;
	loop *l = loop_new();
	loop_timer a, b, c, d;
	assert_non_null(l);
	loop_set_clock(l, fake_clock, NULL);
	fake_now = 1000;
	nfired = 0;
	loop_timer_init(&a, note_timer, "a");
	loop_timer_init(&b, note_timer, "b");
	loop_timer_init(&c, note_timer, "c");
	loop_timer_init(&d, note_timer, "d");
	loop_timer_set(l, &c, 3000);
	loop_timer_set(l, &a, 1500);
	loop_timer_set(l, &d, 2500);
	loop_timer_set(l, &b, 2000);
	loop_timer_cancel(l, &d);
	assert_false(loop_timer_armed(&d));
	loop_timer_set(l, &a, 2200); /* re-arm later: now after b */

	assert_int_equal(loop_run_once(l, 0), 0);
	fake_now = 2300;
	assert_int_equal(loop_run_once(l, 0), 2);
	fake_now = 5000;
	assert_int_equal(loop_run_once(l, 0), 1);
	assert_int_equal(nfired, 3);
	assert_memory_equal(fired, "bac", 3);
	assert_false(loop_timer_armed(&a));
	loop_free(l);
}

static int rearms;

static void rearm_timer(loop *l, loop_timer *t, void *arg)
{
	(void)arg;
	if (++rearms < 3)
		loop_timer_set(l, t, fake_now); /* due again at once */
}

static void test_timer_rearm_in_callback_ends(void **state)
{
	(void)state;
	loop *l = loop_new();
	loop_timer t;
	loop_set_clock(l, fake_clock, NULL);
	fake_now = 10;
	rearms = 0;
	loop_timer_init(&t, rearm_timer, NULL);
	loop_timer_set(l, &t, 5);
	/* One run fires it once; the re-armed timer waits for the next. */
	assert_int_equal(loop_run_once(l, 0), 1);
	assert_int_equal(rearms, 1);
	assert_true(loop_timer_armed(&t));
	loop_run_once(l, 0);
	loop_run_once(l, 0);
	assert_int_equal(rearms, 3);
	assert_false(loop_timer_armed(&t));
	loop_free(l);
}

static void test_many_timers_heap(void **state)
{
	(void)state;
	loop *l = loop_new();
	static loop_timer ts[200];
	static char tags[200];
	loop_set_clock(l, fake_clock, NULL);
	fake_now = 0;
	nfired = 0;
	for (int i = 0; i < 200; i++) {
		tags[i] = (char)i;
		loop_timer_init(&ts[i], note_timer, &tags[i]);
		/* A scrambled order: 73 is coprime with 200. */
		loop_timer_set(l, &ts[i], 1 + (esctp_tstamp)((i * 73) % 200));
	}
	for (int i = 0; i < 200; i += 2)
		loop_timer_cancel(l, &ts[i]);
	esctp_tstamp last = 0;
	for (fake_now = 1; fake_now <= 200; fake_now++) {
		nfired = 0;
		loop_run_once(l, 0);
		for (size_t k = 0; k < nfired; k++) {
			int i = (unsigned char)fired[k];
			assert_int_equal(i % 2, 1);
			assert_true(ts[i].when >= last);
			last = ts[i].when;
		}
	}
	for (int i = 0; i < 200; i++)
		assert_false(loop_timer_armed(&ts[i]));
	loop_free(l);
}

static int fd_calls;
static unsigned fd_events;

static void on_fd(loop *l, int fd, unsigned events, void *arg)
{
	char c;
	(void)l;
	(void)arg;
	fd_calls++;
	fd_events = events;
	if (events & LOOP_READ)
		assert_int_equal(read(fd, &c, 1), 1);
}

static void test_fd_read_and_delete(void **state)
{
	(void)state;
	loop *l = loop_new();
	int p[2];
	assert_int_equal(pipe(p), 0);
	fd_calls = 0;
	assert_int_equal(loop_fd_set(l, p[0], LOOP_READ, on_fd, NULL), 0);
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_run_once(l, 100), 1);
	assert_int_equal(fd_calls, 1);
	assert_int_equal(fd_events, LOOP_READ);
	/* Write interest on the write end fires at once. */
	assert_int_equal(loop_fd_set(l, p[1], LOOP_WRITE, on_fd, NULL), 0);
	assert_int_equal(loop_run_once(l, 100), 1);
	assert_int_equal(fd_events, LOOP_WRITE);
	loop_fd_del(l, p[1]);
	assert_int_equal(write(p[1], "y", 1), 1);
	loop_fd_del(l, p[0]);
	assert_int_equal(loop_run_once(l, 0), 0);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

/* ---- addresses ---- */

static void test_addr_v4_roundtrip(void **state)
{
	(void)state;
	esctp_addr a, b;
	struct sockaddr_storage ss;
	char buf[64];
	assert_int_equal(udp_addr_parse(&a, "192.0.2.7", 9899), 0);
	assert_int_equal(a.family, ESCTP_AF_INET);
	assert_int_equal(a.port, 9899);
	assert_memory_equal(a.ip, "\xc0\x00\x02\x07", 4);
	socklen_t len = udp_addr_to_sockaddr(&a, &ss);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	assert_int_equal(ntohs(sin->sin_port), 9899);
	assert_int_equal(
	    udp_addr_from_sockaddr(&b, (struct sockaddr *)&ss, len), 0);
	assert_true(esctp_addr_equal(&a, &b));
	assert_string_equal(udp_addr_str(&b, buf, sizeof(buf)),
			    "192.0.2.7:9899");
}

static void test_addr_v6_and_mapped(void **state)
{
	(void)state;
	esctp_addr a, b;
	struct sockaddr_storage ss;
	char buf[80];
	assert_int_equal(udp_addr_parse(&a, "2001:db8::1", 1234), 0);
	assert_int_equal(a.family, ESCTP_AF_INET6);
	socklen_t len = udp_addr_to_sockaddr(&a, &ss);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(
	    udp_addr_from_sockaddr(&b, (struct sockaddr *)&ss, len), 0);
	assert_true(esctp_addr_equal(&a, &b));
	assert_string_equal(udp_addr_str(&b, buf, sizeof(buf)),
			    "[2001:db8::1]:1234");
	/* A v4-mapped address becomes plain IPv4. */
	struct sockaddr_in6 m = {.sin6_family = AF_INET6,
				 .sin6_port = htons(5)};
	inet_pton(AF_INET6, "::ffff:10.1.2.3", &m.sin6_addr);
	assert_int_equal(
	    udp_addr_from_sockaddr(&b, (struct sockaddr *)&m, sizeof(m)), 0);
	assert_int_equal(b.family, ESCTP_AF_INET);
	assert_memory_equal(b.ip, "\x0a\x01\x02\x03", 4);
	assert_int_equal(b.port, 5);
	/* Scopes, and garbage. */
	assert_int_equal(udp_addr_parse(&a, "fe80::1%7", 1), 0);
	assert_int_equal(a.scope_id, 7);
	assert_int_equal(udp_addr_parse(&a, "fe80::1%", 1), -1);
	assert_int_equal(udp_addr_parse(&a, "not-an-ip", 1), -1);
	a.family = 0;
	assert_int_equal(udp_addr_to_sockaddr(&a, &ss), 0);
	struct sockaddr un = {.sa_family = AF_UNIX};
	assert_int_equal(udp_addr_from_sockaddr(&b, &un, sizeof(un)), -1);
}

/* ---- sockets ---- */

static void roundtrip(udp_sock *u, const char *ip)
{
	udp_tx *tx = udp_tx_new(4, 2048);
	udp_rx *rx = udp_rx_new(8);
	esctp_addr dst, src, got_src, got_dst;
	size_t cap;
	assert_non_null(tx);
	assert_non_null(rx);
	assert_int_equal(udp_addr_parse(&dst, ip, u->port), 0);
	memset(&src, 0, sizeof(src));
	for (int i = 0; i < 3; i++) {
		uint8_t *buf = udp_tx_slot(tx, &cap);
		assert_non_null(buf);
		assert_int_equal(cap, 2048);
		memset(buf, 'a' + i, 100 + (size_t)i);
		udp_tx_commit(tx, 100 + (size_t)i, i == 1 ? &dst : &src, &dst);
	}
	assert_int_equal(udp_tx_pending(tx), 3);
	assert_int_equal(udp_tx_flush(u, tx), 0);
	assert_int_equal(udp_tx_pending(tx), 0);
	int fam = dst.family == ESCTP_AF_INET ? UDP_V4 : UDP_V6;
	int n = 0;
	for (int tries = 0; n < 3 && tries < 100; tries++) {
		int r = udp_recv(u, fam, rx);
		assert_true(r >= 0);
		for (int i = 0; i < r; i++, n++) {
			uint8_t *p;
			size_t len;
			udp_rx_get(rx, (size_t)i, &p, &len, &got_src, &got_dst);
			assert_int_equal(len, 100 + (size_t)n);
			assert_int_equal(p[0], 'a' + n);
			/* From our own socket, to the address we used. */
			assert_true(esctp_addr_equal(&got_src, &dst));
			assert_true(esctp_addr_equal(&got_dst, &dst));
		}
		if (n < 3)
			usleep(1000);
	}
	assert_int_equal(n, 3);
	assert_int_equal(udp_recv(u, fam, rx), 0);
	udp_tx_free(tx);
	udp_rx_free(rx);
}

static void test_udp_loopback_batches(void **state)
{
	(void)state;
	udp_config cfg;
	udp_sock u;
	char err[256];
	udp_config_default(&cfg);
	cfg.port = 0;
	cfg.bufsize = 1 << 20;
	assert_int_equal(udp_open(&u, &cfg, err, sizeof(err)), 0);
	assert_true(u.port != 0);
	assert_true(u.rcvbuf > 0);
	roundtrip(&u, "127.0.0.1");
	if (u.fd[UDP_V6] >= 0)
		roundtrip(&u, "::1");
	assert_int_equal(u.tx_packets, u.fd[UDP_V6] >= 0 ? 6 : 3);
	udp_close(&u);
}

static void test_udp_bind_conflict_message(void **state)
{
	(void)state;
	udp_config cfg;
	udp_sock a, b;
	char err[256];
	udp_config_default(&cfg);
	cfg.port = 0;
	assert_int_equal(udp_open(&a, &cfg, err, sizeof(err)), 0);
	cfg.port = a.port;
	assert_int_equal(udp_open(&b, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Address already in use"));
	assert_non_null(strstr(err, "--udp-port"));
	assert_int_equal(b.fd[UDP_V4], -1);
	udp_close(&a);
}

static void test_udp_unsendable_is_dropped(void **state)
{
	(void)state;
	udp_config cfg;
	udp_sock u;
	char err[256];
	esctp_addr dst;
	size_t cap;
	udp_config_default(&cfg);
	cfg.port = 0;
	cfg.no_ipv6 = true;
	assert_int_equal(udp_open(&u, &cfg, err, sizeof(err)), 0);
	assert_int_equal(u.fd[UDP_V6], -1);
	udp_tx *tx = udp_tx_new(2, 64);
	/* IPv6 destination without an IPv6 socket, then port 0. */
	udp_addr_parse(&dst, "::1", 9);
	udp_tx_slot(tx, &cap);
	udp_tx_commit(tx, 10, NULL, &dst);
	udp_addr_parse(&dst, "127.0.0.1", 0);
	udp_tx_slot(tx, &cap);
	udp_tx_commit(tx, 10, NULL, &dst);
	assert_null(udp_tx_slot(tx, &cap));
	assert_int_equal(udp_tx_flush(&u, tx), 0);
	assert_int_equal(u.tx_dropped, 2);
	assert_int_equal(udp_tx_pending(tx), 0);
	udp_tx_free(tx);
	udp_close(&u);
}

/* ---- the host: bursts of INITs ---- */

#define BURST_PORT 5000 /* the listening endpoint's SCTP port */

typedef struct rig {
	loop *l;
	host *h;
	esctp_endpoint *ep;
	host_handler hd;
	int fd; /* the clients' UDP socket */
	struct sockaddr_in to;
} rig;

static void no_event(host_handler *self, host_ep *e, const esctp_event *ev)
{
	(void)self;
	(void)e;
	(void)ev;
}

static void rig_open(rig *r)
{
	host_config hc;
	char err[256];
	esctp_config cfg;
	memset(r, 0, sizeof(*r));
	r->l = loop_new();
	assert_non_null(r->l);
	host_config_default(&hc);
	hc.udp.port = 0;
	hc.udp.no_ipv6 = true;
	hc.counting = true;
	r->h = host_new(r->l, &hc, err, sizeof(err));
	assert_non_null(r->h);
	host_endpoint_config(r->h, &cfg);
	cfg.local_port = BURST_PORT;
	r->ep = esctp_endpoint_new(&cfg, host_ops(r->h));
	assert_non_null(r->ep);
	esctp_endpoint_listen(r->ep, true);
	r->hd.on_event = no_event;
	assert_non_null(host_add_endpoint(r->h, r->ep, BURST_PORT, &r->hd));
	r->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(r->fd >= 0);
	/* Room for every INIT ACK of a round. */
	int big = 8 << 20;
	if (setsockopt(r->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	struct sockaddr_in me = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(r->fd, (struct sockaddr *)&me, sizeof(me)), 0);
	r->to = me;
	r->to.sin_port = htons(host_udp_port(r->h));
}

static void rig_close(rig *r)
{
	close(r->fd);
	/* The endpoint's memory comes from the host's allocator: the host
	 * goes last (host_free only unhooks it). */
	host_del_endpoint(host_lookup(r->h, BURST_PORT));
	esctp_endpoint_free(r->ep);
	host_free(r->h);
	loop_free(r->l);
}

static void put32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Sends n INITs at once, from SCTP ports 3000 + first... with Initiate Tag
 * 0x1000 + the port offset (RFC 9260 §3.3.2: common header with tag 0,
 * the INIT chunk's fixed part, CRC32c stored little-endian). */
static void send_inits(rig *r, unsigned first, unsigned n)
{
	for (unsigned i = first; i < first + n; i++) {
		uint8_t b[32] = {0};
		uint16_t k = (uint16_t)(i % 4000);
		uint16_t sport = (uint16_t)(3000 + k);
		b[0] = (uint8_t)(sport >> 8);
		b[1] = (uint8_t)sport;
		b[2] = BURST_PORT >> 8;
		b[3] = BURST_PORT & 0xff;
		b[12] = 1; /* INIT */
		b[15] = 20;
		put32be(b + 16, 0x1000u + k);
		put32be(b + 20, 65536);
		b[25] = 10; /* OS */
		b[27] = 10; /* MIS */
		put32be(b + 28, 77);
		uint32_t c = esctp_crc32c(0, b, sizeof(b));
		for (int j = 0; j < 4; j++)
			b[8 + j] = (uint8_t)(c >> (8 * j));
		assert_int_equal(sendto(r->fd, b, sizeof(b), 0,
					(struct sockaddr *)&r->to,
					sizeof(r->to)),
				 sizeof(b));
	}
}

/* Runs the host until `want` INIT ACKs arrived or 2 s passed; returns how
 * many came, each checked against its INIT. */
static unsigned recv_init_acks(rig *r, unsigned want)
{
	uint8_t b[2048];
	unsigned got = 0;
	for (int round = 0; round < 200 && got < want; round++) {
		loop_run_once(r->l, 10);
		ssize_t n;
		while ((n = recv(r->fd, b, sizeof(b), 0)) > 0) {
			assert_true(n > 20);
			assert_int_equal(b[12], 2); /* INIT ACK */
			uint16_t sport = (uint16_t)(b[2] << 8 | b[3]);
			assert_int_equal(get32be(b + 4),
					 0x1000u + sport - 3000);
			got++;
		}
	}
	return got;
}

/* 32 INITs from 32 clients land in one recvmmsg batch: each gets its INIT
 * ACK at once.  (The host used to drain replies only after the batch, and
 * the engine's queue kept 6 of 32: the other clients retransmitted after
 * their RTO, a second or more later.) */
static void test_host_init_burst(void **state)
{
	(void)state;
	rig r;
	rig_open(&r);
	send_inits(&r, 0, 32);
	assert_int_equal(recv_init_acks(&r, 32), 32);
	/* Nothing late either. */
	assert_int_equal(recv_init_acks(&r, 1), 0);
	esctp_endpoint_stats st;
	esctp_endpoint_stats_get(r.ep, &st);
	assert_int_equal(st.replies_sent, 32);
	assert_int_equal(st.replies_dropped, 0);
	rig_close(&r);
}

/* A flood of 10,000 INITs, 250 at a time: all answered, and the engine's
 * memory, counted by the host's allocator, does not move after the first
 * round (no state before a valid COOKIE ECHO; reply buffers reused). */
static void test_host_init_flood_memory(void **state)
{
	(void)state;
	rig r;
	host_stats hs;
	rig_open(&r);
	size_t bytes = 0, peak = 0;
	unsigned got = 0;
	for (unsigned i = 0; i < 10000; i += 250) {
		send_inits(&r, i, 250);
		got += recv_init_acks(&r, 250);
		host_stats_get(r.h, &hs);
		if (i == 0) {
			bytes = hs.mem.bytes;
			peak = hs.mem.peak;
		}
		assert_int_equal(hs.mem.bytes, bytes);
		assert_int_equal(hs.mem.peak, peak);
	}
	assert_int_equal(got, 10000);
	/* The engine's reply queue holds a few mtu-sized buffers at most. */
	esctp_endpoint_stats st;
	esctp_endpoint_stats_get(r.ep, &st);
	assert_true(st.reply_buffers <= 8);
	assert_true(bytes <= 8 * (size_t)HOST_MTU_ETHERNET + 4096);
	assert_int_equal(st.replies_sent, 10000);
	assert_int_equal(st.replies_dropped, 0);
	assert_int_equal(hs.rx_packets, 10000);
	assert_int_equal(hs.tx_packets, 10000);
	rig_close(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timers_fire_in_order),
	    cmocka_unit_test(test_timer_rearm_in_callback_ends),
	    cmocka_unit_test(test_many_timers_heap),
	    cmocka_unit_test(test_fd_read_and_delete),
	    cmocka_unit_test(test_addr_v4_roundtrip),
	    cmocka_unit_test(test_addr_v6_and_mapped),
	    cmocka_unit_test(test_udp_loopback_batches),
	    cmocka_unit_test(test_udp_bind_conflict_message),
	    cmocka_unit_test(test_udp_unsendable_is_dropped),
	    cmocka_unit_test(test_host_init_burst),
	    cmocka_unit_test(test_host_init_flood_memory),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
