/*
 * bench_engine.c - the engine alone, in memory: two endpoints wired directly
 * (every packet one endpoint writes is the other's input, no loss, real
 * monotonic time).  Prints
 *   - A->Z throughput of delivered payload for 64 KiB and 1 KiB messages,
 *   - association setup + graceful teardown time,
 *   - bytes allocated per idle association (counting allocator).
 * Usage: bench_engine [seconds-per-throughput-run (default 2)]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../lib/host/host.h"

#define PKT_CAP 65536
#define NET_MAX 1024 /* endpoints on the in-memory wire */

static esctp_tstamp now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (esctp_tstamp)ts.tv_sec * ESCTP_SECOND +
	       (esctp_tstamp)ts.tv_nsec;
}

/* The wire: endpoints indexed by SCTP port, all at 127.0.0.1 with the UDP
 * encapsulation port equal to the SCTP port (so paths are distinct). */
typedef struct net {
	esctp_endpoint *by_port[65536];
	esctp_endpoint *list[NET_MAX];
	size_t n;
	uint8_t pkt[PKT_CAP];
	uint64_t packets;
} net;

static net *net_new(void)
{
	net *n = calloc(1, sizeof(*n));

	if (!n) {
		fprintf(stderr, "bench_engine: out of memory\n");
		exit(1);
	}
	return n;
}

static esctp_addr addr_of(uint16_t port)
{
	esctp_addr a = {.family = ESCTP_AF_INET, .port = port};

	a.ip[0] = 127;
	a.ip[3] = 1;
	return a;
}

static esctp_endpoint *net_add(net *n, uint16_t port, uint16_t mtu,
			       uint32_t buf, const esctp_ops *ops)
{
	esctp_config cfg;

	esctp_config_default(&cfg);
	cfg.local_port = port;
	cfg.mtu = mtu;
	cfg.rcvbuf = buf;
	cfg.sndbuf = buf;
	cfg.nodelay = true;
	cfg.hb_interval_ms = 0;
	esctp_endpoint *ep = esctp_endpoint_new(&cfg, ops);
	if (!ep) {
		fprintf(stderr, "bench_engine: esctp_endpoint_new failed\n");
		exit(1);
	}
	n->by_port[port] = ep;
	n->list[n->n++] = ep;
	return ep;
}

/* Moves packets until every endpoint is quiet; runs due timers.  Returns the
 * number of packets moved. */
static uint64_t net_run(net *n, esctp_tstamp now)
{
	uint64_t moved = 0;
	bool again = true;

	while (again) {
		again = false;
		for (size_t i = 0; i < n->n; i++) {
			esctp_endpoint *ep = n->list[i];
			esctp_addr src, dst;
			if (esctp_endpoint_deadline(ep) <= now)
				esctp_endpoint_expire(ep, now);
			int len;
			while ((len = esctp_endpoint_output(ep, n->pkt, PKT_CAP,
							    &src, &dst, now)) >
			       0) {
				uint16_t port =
				    (uint16_t)(n->pkt[2] << 8 | n->pkt[3]);
				uint16_t sport =
				    (uint16_t)(n->pkt[0] << 8 | n->pkt[1]);
				esctp_addr from = addr_of(sport),
					   to = addr_of(port);
				if (n->by_port[port])
					esctp_endpoint_input(
					    n->by_port[port], n->pkt,
					    (size_t)len, &from, &to, now);
				moved++;
				again = true;
			}
		}
	}
	n->packets += moved;
	return moved;
}

/* Pops events; returns how many of type t were seen. */
static int drain_events(esctp_endpoint *ep, esctp_event_type t)
{
	esctp_event ev;
	int seen = 0;

	while (esctp_endpoint_next_event(ep, &ev) == 1)
		seen += ev.type == t;
	return seen;
}

static esctp_assoc *accept_one(esctp_endpoint *ep)
{
	esctp_event ev;
	esctp_assoc *a = NULL;

	while (esctp_endpoint_next_event(ep, &ev) == 1)
		if (ev.type == ESCTP_EV_COMM_UP)
			a = ev.assoc;
	return a;
}

/* Connects a (port pa) to z (port pz, listening).  Returns a's association
 * and stores z's in *za, or exits. */
static esctp_assoc *establish(net *n, esctp_endpoint *a, uint16_t pz,
			      esctp_endpoint *z, esctp_assoc **za)
{
	esctp_addr peer = addr_of(pz);
	esctp_assoc *aa;

	if (esctp_endpoint_connect(a, &peer, 1, pz, now_ns(), &aa) < 0) {
		fprintf(stderr, "bench_engine: connect failed\n");
		exit(1);
	}
	for (int i = 0; i < 10 && esctp_assoc_state(aa) != ESCTP_ESTABLISHED;
	     i++)
		net_run(n, now_ns());
	*za = accept_one(z);
	drain_events(a, ESCTP_EV_NONE);
	if (esctp_assoc_state(aa) != ESCTP_ESTABLISHED || !*za) {
		fprintf(stderr,
			"bench_engine: association did not come up "
			"(state %s)\n",
			esctp_state_name(esctp_assoc_state(aa)));
		exit(1);
	}
	return aa;
}

/* ---- throughput ---- */

static double bench_transfer(size_t msg_len, uint16_t mtu, double seconds)
{
	net *n = net_new();
	host_ops_ctx ctx;
	esctp_ops ops;
	host_ops_init(&ops, &ctx, false);
	esctp_endpoint *a = net_add(n, 5000, mtu, 4u << 20, &ops);
	esctp_endpoint *z = net_add(n, 5001, mtu, 4u << 20, &ops);
	esctp_assoc *za, *aa;
	uint8_t *msg = calloc(1, msg_len), *rbuf = malloc(PKT_CAP);
	esctp_sndinfo si = {0};
	uint64_t delivered = 0, sent = 0;

	esctp_endpoint_listen(z, true);
	aa = establish(n, a, 5001, z, &za);
	esctp_tstamp start = now_ns(),
		     end = start + (esctp_tstamp)(seconds * 1e9);
	esctp_tstamp t = start;
	while (t < end) {
		for (;;) {
			memcpy(msg, &sent,
			       sizeof(sent) < msg_len ? sizeof(sent) : msg_len);
			if (esctp_assoc_send(aa, &si, msg, msg_len, t) < 0)
				break;
			sent++;
		}
		net_run(n, t);
		int r;
		while ((r = esctp_assoc_recv(za, rbuf, PKT_CAP, NULL)) > 0)
			delivered += (uint64_t)r;
		drain_events(a, ESCTP_EV_NONE);
		drain_events(z, ESCTP_EV_NONE);
		net_run(n, t); /* window updates */
		t = now_ns();
	}
	double s = (double)(t - start) / 1e9;
	double mbps = (double)delivered / s / 1e6;
	printf("  %6zu-byte messages, mtu %5u: %9.1f MB/s delivered "
	       "(%llu messages, %.2f packets both ways per message)\n",
	       msg_len, mtu, mbps, (unsigned long long)(delivered / msg_len),
	       delivered
		   ? (double)n->packets * (double)msg_len / (double)delivered
		   : 0.0);
	esctp_endpoint_free(a);
	esctp_endpoint_free(z);
	free(msg);
	free(rbuf);
	free(n);
	return mbps;
}

/* ---- setup and teardown ---- */

static void bench_setup(int rounds)
{
	net *n = net_new();
	host_ops_ctx ctx;
	esctp_ops ops;
	host_ops_init(&ops, &ctx, false); /* real HMAC cookies */
	esctp_endpoint *a = net_add(n, 6000, 1452, 256 * 1024, &ops);
	esctp_endpoint *z = net_add(n, 6001, 1452, 256 * 1024, &ops);
	esctp_assoc *za;

	esctp_endpoint_listen(z, true);
	esctp_tstamp start = now_ns();
	for (int i = 0; i < rounds; i++) {
		esctp_assoc *aa = establish(n, a, 6001, z, &za);
		esctp_assoc_shutdown(aa, now_ns());
		net_run(n, now_ns());
		int done = drain_events(a, ESCTP_EV_SHUTDOWN_COMP);
		drain_events(z, ESCTP_EV_NONE);
		if (!done || esctp_assoc_state(aa) != ESCTP_CLOSED) {
			fprintf(stderr,
				"bench_engine: shutdown did not complete\n");
			exit(1);
		}
		esctp_assoc_free(aa);
		esctp_assoc_free(za);
	}
	double us = (double)(now_ns() - start) / 1e3 / rounds;
	printf("association setup + graceful teardown (4-way handshake with "
	       "HMAC cookie, 3-way shutdown): %.1f us (%d rounds)\n",
	       us, rounds);
	esctp_endpoint_free(a);
	esctp_endpoint_free(z);
	free(n);
}

/* ---- memory ---- */

static void bench_memory(int count)
{
	net *n = net_new();
	host_ops_ctx zctx, actx;
	esctp_ops zops, aops;
	host_ops_init(&zops, &zctx, true);
	host_ops_init(&aops, &actx, true);
	esctp_endpoint *z = net_add(n, 7000, 1452, 256 * 1024, &zops);
	esctp_assoc *za;

	esctp_endpoint_listen(z, true);
	size_t z0 = zctx.mem.bytes;
	for (int i = 0; i < count; i++) {
		esctp_endpoint *a =
		    net_add(n, (uint16_t)(10000 + i), 1452, 256 * 1024, &aops);
		establish(n, a, 7000, z, &za);
	}
	net_run(n, now_ns());
	double zb = (double)(zctx.mem.bytes - z0) / count;
	double ab = (double)actx.mem.bytes / count;
	printf("bytes per idle association (established, nothing queued; "
	       "default 256 KiB buffers): %.0f (server side), %.0f (client "
	       "side incl. its endpoint); %d associations\n",
	       zb, ab, count);
	for (size_t i = 0; i < n->n; i++)
		esctp_endpoint_free(n->list[i]);
	free(n);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2.0;

	if (seconds <= 0)
		seconds = 2.0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("engine A->Z in memory (no sockets, no loss), %.0f s each:\n",
	       seconds);
	bench_transfer(65536, HOST_MTU_LOOPBACK, seconds);
	bench_transfer(1024, HOST_MTU_LOOPBACK, seconds);
	bench_transfer(65536, HOST_MTU_ETHERNET, seconds);
	bench_transfer(1024, HOST_MTU_ETHERNET, seconds);
	bench_setup(2000);
	bench_memory(1000);
	return 0;
}
