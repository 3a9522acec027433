/*
 * host.h - hosting glue between the sans-I/O engine (lib/esctp/esctp.h), the event
 * loop (loop.h) and the UDP encapsulation sockets (udp.h).
 *
 * The host owns the sockets and a registry of endpoints keyed by local SCTP
 * port.  It routes every received packet to its endpoint (or answers it as
 * out of the blue), drains the endpoints' output into batched sends, keeps a
 * loop timer at each endpoint's deadline and dispatches the engine's events
 * to handlers.  Endpoints and associations stay owned by the application.
 *
 * Typical use:
 *   host_config hc; host_config_default(&hc);
 *   host *h = host_new(l, &hc, err, sizeof err);
 *   esctp_config cfg; host_endpoint_config(h, &cfg); cfg.local_port = 7;
 *   esctp_endpoint *ep = esctp_endpoint_new(&cfg, host_ops(h));
 *   host_add_endpoint(h, ep, 7, &my_handler);
 *   loop_run(l);
 */
#ifndef CLI_HOST_H
#define CLI_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "esctp.h"
#include "loop.h"
#include "udp.h"

/* Largest SCTP packet on a loopback path: the IPv4 UDP payload limit less a
 * margin for IP options, so a 64 KiB message takes two packets. */
#define HOST_MTU_LOOPBACK (UDP_MAX_PAYLOAD4 - 20)
/* Elsewhere: 1500 less an IPv6 header (40) and the UDP header (8). */
#define HOST_MTU_ETHERNET (1500 - 40 - 8)

typedef struct host host;
typedef struct host_ep host_ep; /* an endpoint's registration */
typedef struct host_handler host_handler;

/* A callback carried by a pointer (embed it first in your own struct).  An
 * association whose esctp_assoc_get_user() is non-NULL must point at one: its
 * events go there; every other event goes to its endpoint's handler. */
struct host_handler {
	/* One engine event of endpoint e. */
	void (*on_event)(host_handler *self, host_ep *e, const esctp_event *ev);
	/* Optional, endpoint handlers only: e had input, a timer or a kick and
	 * its output is about to be drained: top up send queues here. */
	void (*on_ready)(host_handler *self, host_ep *e);
};

/* Memory accounting of the engine's allocations through the ops. */
typedef struct host_mem {
	uint64_t allocs, frees;
	size_t bytes, peak; /* live bytes requested, and their maximum */
} host_mem;

/* What esctp_ops.user points at (host_ops_init). */
typedef struct host_ops_ctx {
	uint8_t key[32]; /* cookie MAC key, random per process */
	bool counting;
	host_mem mem;
	/* getrandom() output not handed out yet: the engine asks for a few
	 * bytes at a time (tags, TSNs), one system call per 256 bytes. */
	uint8_t pool[256];
	size_t pool_left;
} host_ops_ctx;

/* Fills ops for the engine: getrandom() randomness, HMAC-SHA-256 cookie MAC
 * keyed by a fresh random key in ctx, and with counting a malloc wrapper that
 * keeps ctx->mem.  Exits with a message if the kernel has no getrandom. */
void host_ops_init(esctp_ops *ops, host_ops_ctx *ctx, bool counting);

typedef struct host_config {
	udp_config udp;
	/* Largest SCTP packet: 0 chooses per path (HOST_MTU_LOOPBACK on
	 * loopback addresses, HOST_MTU_ETHERNET elsewhere); any other value is
	 * used for every path. */
	uint16_t mtu;
	size_t batch;  /* datagrams per recvmmsg/sendmmsg (32) */
	bool counting; /* count engine allocations (host_stats) */
	bool verbose;  /* one line on stderr per dropped packet */
} host_config;

typedef struct host_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t rx_bad;       /* malformed, bad CRC32c, truncated */
	uint64_t rx_ootb;      /* for a port with no endpoint */
	uint64_t ootb_replies; /* ABORTs sent for them */
	uint64_t rx_icmp;      /* ICMP errors read (IP_RECVERR) */
	uint64_t icmp_refused; /* associations they ended (nobody there) */
	uint64_t tx_packets, tx_bytes, tx_dropped;
	host_mem mem;
} host_stats;

void host_config_default(host_config *cfg);

/* Opens the UDP sockets and registers them with the loop, and installs the
 * loop's before-sleep hook to run host_pump() (an application that needs the
 * hook for itself calls host_pump() from its own).  On failure returns NULL
 * with one line naming the cause and the fix in err. */
host *host_new(loop *l, const host_config *cfg, char *err, size_t errlen);
/* Closes the sockets and forgets the endpoints (the caller frees them). */
void host_free(host *h);

loop *host_loop(const host *h);
const esctp_ops *host_ops(const host *h);
uint16_t host_udp_port(const host *h);
const udp_sock *host_udp(const host *h);
esctp_tstamp host_now(const host *h);
void host_stats_get(const host *h, host_stats *st);

/* esctp_config_default() adjusted for this host: the MTU, and a receive
 * buffer no larger than the UDP socket can absorb (keep any larger value
 * below host_udp(h)->rcvbuf / 2 so a full window is never dropped). */
void host_endpoint_config(const host *h, esctp_config *cfg);

/* Registers ep for local SCTP port `port` with handler hd (not NULL) and
 * returns the registration, or NULL when the port is taken (errno EADDRINUSE)
 * or memory is short (ENOMEM). */
host_ep *host_add_endpoint(host *h, esctp_endpoint *ep, uint16_t port,
			   host_handler *hd);
/* Sends what e's endpoint still has to say, then unregisters; safe inside
 * e's own handler.  The host never touches the endpoint again, so the
 * caller may free it once its handler returned. */
void host_del_endpoint(host_ep *e);
/* The registration on port, or NULL. */
host_ep *host_lookup(const host *h, uint16_t port);
esctp_endpoint *host_ep_endpoint(const host_ep *e);
host *host_ep_host(const host_ep *e);

/* Runs every endpoint marked by input, a timer or host_kick(): dispatches
 * its events, calls its on_ready, drains its output into sendmmsg batches
 * and re-arms its timer at esctp_endpoint_deadline().  Stops early while
 * the socket would block (it resumes when writable). */
void host_pump(host *h);

/* Tells the host that the application changed e's endpoint (sent, read,
 * connected, shut down) so its output and deadline are refreshed before the
 * loop sleeps.  Handlers need not call it for the endpoint they run for. */
void host_kick(host_ep *e);

/* The MTU for a path to peer under cfg.mtu: a client that knows its peer
 * should create its endpoint with it, so that the initial congestion window
 * (RFC 9260 §7.2.1, a few MTUs) is sized for the path from the start. */
uint16_t host_mtu_for(const host *h, const esctp_addr *peer);

/* Raises or lowers the MTU of a's paths following cfg.mtu (see above).  The
 * host does this itself on COMM_UP; call it after adding paths. */
void host_assoc_fit_mtu(host *h, esctp_assoc *a);

#endif
