/*
 * sim.h - the A/Z simulator: two libesctp endpoints joined by an in-memory
 * network under a fake clock.  Written only against the public API
 * (lib/esctp/esctp.h), so it proves the whole engine the way a host uses it.
 *
 * Each side has two local addresses (path 0: 127.1.0.x, path 1: 127.2.0.x,
 * A is .1 and Z is .2), UDP encapsulation port 9899 in esctp_addr.port.  The
 * network has one link per direction and per path (the path of a packet is
 * the one its destination address is on) with loss, duplication, reordering,
 * delay, an optional bandwidth limit, link up/down and scripted drops.  All
 * randomness, the network's and the engine's, comes from one seed, so a
 * failing seed replays exactly.
 *
 * The driver (sim_run) advances time to the next event, runs timers, moves
 * packets, pops events into per-side records and callbacks and calls the
 * application hook; every loop is bounded and a bound that is hit returns a
 * failure (sim_error() says which) instead of hanging.
 */
#ifndef ESCTP_SIM_H
#define ESCTP_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/esctp/esctp.h"

#define SIM_A 0
#define SIM_Z 1
#define SIM_NPATHS 2
#define SIM_ENCAP_PORT 9899
#define SIM_PORT_A 5001 /* SCTP port of A's endpoint */
#define SIM_PORT_Z 5002 /* SCTP port of Z's endpoint */
#define SIM_NEVENT_TYPES 16
#define SIM_EVLOG 512 /* non-DATA events kept per side */

/* Results of sim_run(). */
enum {
	SIM_OK = 0,
	SIM_ERR_TIME = -100,  /* simulated time bound reached */
	SIM_ERR_ITERS = -101, /* iteration bound reached: something spins */
	SIM_ERR_IDLE = -102,  /* nothing left to happen and not done */
	SIM_ERR_FAIL =
	    -103, /* a check inside the simulator or the app failed */
};

/* One direction of one path. */
typedef struct sim_link {
	double loss;		  /* probability a packet is dropped */
	double dup;		  /* probability a packet is delivered twice */
	double reorder;		  /* probability of an extra random delay */
	esctp_tstamp delay;	  /* base one-way delay */
	esctp_tstamp reorder_max; /* largest extra delay (uniform) */
	uint64_t bandwidth;	  /* bytes per second, 0 = unlimited */
	uint32_t queue_max; /* bytes waiting before tail drop (bandwidth) */
	bool down;	    /* link cut: everything dropped */
	esctp_tstamp busy_until; /* internal: serialisation of the link */
} sim_link;

/* One packet on the wire (in flight or being offered to the drop hook). */
typedef struct sim_pkt {
	esctp_tstamp at; /* arrival time */
	uint64_t seq;	 /* tie-break: FIFO among equal arrival times */
	int to;		 /* receiving side */
	unsigned path;
	esctp_addr src, dst;
	uint8_t *data;
	size_t len;
} sim_pkt;

/* One recorded event. */
typedef struct sim_evrec {
	esctp_tstamp at;
	esctp_event ev;
} sim_evrec;

/* What one side holds.  Tests read these fields directly. */
typedef struct sim_side {
	esctp_endpoint *ep; /* NULL: no endpoint (packets get the OOTB reply) */
	esctp_config cfg;
	esctp_ops ops;
	esctp_addr addr[SIM_NPATHS];
	esctp_assoc *assoc; /* from connect, ACCEPT, COMM_UP or RESTART */
	bool listen;
	uint64_t rng; /* engine's randomness */

	/* counting allocator */
	size_t live_bytes, peak_bytes, live_blocks;
	uint64_t nallocs;

	/* events */
	unsigned ev_count[SIM_NEVENT_TYPES];
	esctp_tstamp ev_first[SIM_NEVENT_TYPES]; /* NEVER until seen */
	esctp_event ev_last[SIM_NEVENT_TYPES];
	sim_evrec evlog[SIM_EVLOG];
	unsigned nevlog;

	/* wire statistics of what this side sent */
	uint64_t pkts_sent, bytes_sent, pkts_recv;
	uint64_t chunks_sent[256];
	uint64_t data_chunks,
	    data_rtx; /* DATA chunks, of which retransmitted */
	bool tsn_seen;
	uint32_t max_tsn;
	uint64_t input_errors; /* esctp_endpoint_input() < 0 */
} sim_side;

typedef struct sim sim;
typedef struct sim_flow sim_flow;

/* Drop hook: return true to drop the packet.  `from` is the sending side. */
typedef bool (*sim_drop_fn)(sim *s, int from, const sim_pkt *p, void *ctx);
/* Called for every event popped from a side's endpoint (after recording). */
typedef void (*sim_event_fn)(sim *s, int side, const esctp_event *ev,
			     void *ctx);
/* The application: called for both sides at each step to send and read. */
typedef void (*sim_app_fn)(sim *s, int side, void *ctx);
/* Called for every packet as it arrives at its receiver (before input). */
typedef void (*sim_tap_fn)(sim *s, const sim_pkt *p, void *ctx);
/* Completion predicate for sim_run(). */
typedef bool (*sim_done_fn)(sim *s, void *ctx);

/* A scripted drop: the first `count` packets from `from` that carry a chunk
 * of type `type` (after `skip` such packets passed). */
typedef struct sim_drop_rule {
	int from;
	uint8_t type;
	unsigned skip, count;
	unsigned seen, dropped;
} sim_drop_rule;

#define SIM_MAX_RULES 8

struct sim {
	uint64_t seed;
	uint64_t rng; /* the network's randomness */
	esctp_tstamp now;
	sim_side side[2];
	sim_link link[2][SIM_NPATHS]; /* [from][path] */

	sim_pkt *heap; /* packets in flight, min-heap on (at, seq) */
	size_t nheap, capheap;
	uint64_t next_seq;

	sim_drop_fn drop;
	void *drop_ctx;
	sim_drop_rule rules[SIM_MAX_RULES];
	unsigned nrules;
	sim_event_fn on_event;
	void *event_ctx;
	sim_tap_fn tap;
	void *tap_ctx;
	sim_app_fn app;
	void *app_ctx;
	esctp_tstamp app_wake;	   /* app asks to be called at this time */
	struct sim_flow *flows[2]; /* sim_flows_attach(): flow from each side */

	uint64_t max_iters; /* per sim_run() call */
	uint64_t iters;

	/* network statistics */
	uint64_t link_pkts[2][SIM_NPATHS]; /* offered to each link */
	uint64_t lost, duplicated, hooked, link_down_drops, queue_drops;
	uint64_t delivered, misrouted, bad_crc, malformed, ootb_replies;

	char error[256];
	bool failed;
};

/* ---- set-up ---- */

/* The configuration the tests start from: esctp_config_default() with the
 * side's port. */
void sim_config_default(esctp_config *cfg, int side);

/* Creates the pair: endpoints for A and Z from cfg_a / cfg_z (NULL: the
 * default), both local addresses added, Z listening, every link with a 10 ms
 * delay and nothing else.  Returns NULL when an endpoint cannot be made. */
sim *sim_new(uint64_t seed, const esctp_config *cfg_a,
	     const esctp_config *cfg_z);

/* Frees both endpoints and the network.  Returns the bytes the engine still
 * had allocated after esctp_endpoint_free() (leaks; 0 when clean). */
size_t sim_free(sim *s);

/* Frees a side's endpoint (no packet sent) and, when recreate, makes a new
 * one with the same configuration, addresses and listening state; the
 * allocator's counters carry on.  Returns 0 or -1. */
int sim_endpoint_restart(sim *s, int side, bool recreate);

/* Sets Z (or A) listening or not. */
void sim_listen(sim *s, int side, bool on);

/* Sets every link (both directions, both paths) to *l. */
void sim_set_links(sim *s, const sim_link *l);
/* Cuts or restores a path in both directions. */
void sim_path_down(sim *s, unsigned path, bool down);
/* Adds a scripted drop rule (see sim_drop_rule). */
void sim_drop_chunk(sim *s, int from, uint8_t type, unsigned skip,
		    unsigned count);

/* Connects `side` to the other side's two addresses (path 0 first).  Sets
 * side->assoc.  Returns esctp_endpoint_connect()'s result. */
int sim_connect(sim *s, int side);

/* Connects A to Z and runs until both report COMM_UP (bound: 60 s).
 * Returns SIM_OK or an error. */
int sim_establish(sim *s);

/* ---- running ---- */

/* Runs until done(s, ctx) holds (checked after every step), simulated time
 * passes `until`, or a bound is hit.  done may be NULL (run until `until`,
 * which then returns SIM_OK).  Returns SIM_OK or SIM_ERR_*. */
int sim_run(sim *s, sim_done_fn done, void *ctx, esctp_tstamp until);

/* Runs for `d` of simulated time.  Returns SIM_OK or SIM_ERR_*. */
int sim_run_for(sim *s, esctp_tstamp d);

/* Marks the run failed with a message (for app and event hooks); sim_run()
 * then returns SIM_ERR_FAIL. */
void sim_fail(sim *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The last failure, "" when none. */
const char *sim_error(const sim *s);

/* ---- helpers ---- */

/* splitmix64 step on *state. */
uint64_t sim_rand64(uint64_t *state);
/* The network PRNG: uniform in [0, 1). */
double sim_randf(sim *s);

/* True when the packet's chunks (parsed from the bytes) include `type`. */
bool sim_pkt_has_chunk(const uint8_t *pkt, size_t len, uint8_t type);

/* Writes the CRC32c of a packet into its checksum field (RFC 9260
 * appendix B: the CRC's low byte first on the wire). */
void sim_pkt_set_crc(uint8_t *pkt, size_t len);
/* True when the packet's checksum field is right. */
bool sim_pkt_crc_ok(const uint8_t *pkt, size_t len);

/* The other side. */
static inline int sim_peer(int side)
{
	return side ^ 1;
}

/* Count of events of a type on a side. */
static inline unsigned sim_evcount(const sim *s, int side, esctp_event_type t)
{
	return (unsigned)t < SIM_NEVENT_TYPES ? s->side[side].ev_count[t] : 0;
}

/* Finds the n-th (0-based) logged event of a type on a side; NULL if none. */
const sim_evrec *sim_find_event(const sim *s, int side, esctp_event_type t,
				unsigned n);

/* Retransmissions by side, from the engine's status of side->assoc (0 when
 * there is none). */
uint64_t sim_retransmits(const sim *s, int side);

/* One line of wire statistics ("pkts A->Z .. Z->A .. lost .. dup .."). */
void sim_format_stats(const sim *s, char *buf, size_t cap);

/* ---- traffic: a checked stream of user messages ---- */

/* A flow sends messages from `from` to the other side and checks them at
 * the receiver.  Message id i has a size, stream, ordering and lifetime
 * drawn from (seed, i); its bytes are a 20-byte header (magic, id, stream,
 * flags, length, checksum of the body), truncated for short messages, then a
 * body derived from the id.  The PPID carries the id too. */
typedef struct sim_flow_cfg {
	uint64_t total_bytes; /* stop after this many bytes of messages */
	uint32_t max_msg;     /* largest message (>= 1) */
	uint32_t min_msg;     /* smallest message (>= 1) */
	uint16_t nstreams;
	unsigned unordered_pct; /* share of unordered messages */
	unsigned ttl_pct;	/* share of PR-SCTP messages ... */
	uint32_t ttl_ms;    /* ... with this lifetime (under ESCTP_PR_NONE) */
	uint8_t pr_policy;  /* ... or under this policy (ESCTP_PR_*) */
	uint32_t pr_value;  /* ... with this value */
	uint32_t read_size; /* bytes per esctp_assoc_recv() call */
	uint64_t seed;
} sim_flow_cfg;

struct sim_flow {
	sim_flow_cfg cfg;
	int from;
	bool enabled;	/* sending; stops when total_bytes are queued */
	bool reading;	/* the receiver reads (false: it stalls) */
	uint32_t nsent; /* messages accepted by esctp_assoc_send() */
	uint64_t bytes_sent;
	bool all_sent;
	uint8_t *txbuf; /* the message waiting for send space */
	uint32_t tx_id;
	bool tx_ready;

	/* receiver */
	uint8_t *rxbuf;
	size_t rxlen;
	bool rx_in_msg;
	esctp_rcvinfo rx_first;
	bool pd_aborted;
	uint8_t *seen; /* per id: 1 received, 2 send failed, 3 both */
	uint32_t cap_seen;
	uint32_t *last_ordered; /* per stream: 1 + id of the last ordered msg */
	uint32_t nrecv, nfailed, npd_aborted, nexpired_recv;
	uint32_t naccounted; /* ids received or reported failed */
	uint64_t bytes_recv;
	esctp_tstamp done_at;
};

/* Initialises a flow (allocates its buffers); returns 0 or -1. */
int sim_flow_init(sim_flow *f, int from, const sim_flow_cfg *cfg);
void sim_flow_free(sim_flow *f);

/* Installs app and event hooks on s that drive up to two flows (fa from A,
 * fz from Z; either may be NULL).  Previous hooks are replaced. */
void sim_flows_attach(sim *s, sim_flow *fa, sim_flow *fz);

/* The per-side work of the flows: sending for the flow from `side`, reading
 * for the flow into `side`.  For tests that install their own app hook. */
void sim_flows_app(sim *s, int side, void *ctx);
void sim_flows_event(sim *s, int side, const esctp_event *ev, void *ctx);

/* True when every message of the flow was sent and is accounted for at the
 * receiver: received, or (PR-SCTP) reported failed at the sender. */
bool sim_flow_complete(const sim_flow *f);

/* sim_done_fn over the attached flows: all complete. */
bool sim_flows_done(sim *s, void *ctx);

/* Final checks: every reliable message received exactly once; returns 0
 * or -1 with sim_fail() called. */
int sim_flow_verify(sim *s, const sim_flow *f);

/* Describes in buf the first few messages neither received nor reported
 * failed (id, stream, length, ordering, lifetime), for failure reports. */
void sim_flow_describe_missing(const sim_flow *f, char *buf, size_t cap);

/* Sends `bytes` of checked messages each way (small messages, 10 streams,
 * some unordered) and runs until all arrived (bound: 300 s), then restores
 * the hooks it replaced.  Returns SIM_OK or an error. */
int sim_exchange(sim *s, uint64_t bytes, uint64_t seed);

/* ---- for cmocka tests (defined when cmocka.h came first) ---- */
#ifdef fail_msg
/* Fails the test with the simulator's message unless call returns SIM_OK. */
#define SIM_OK_OR_FAIL(s, call)                                                \
	do {                                                                   \
		int rc_ = (call);                                              \
		if (rc_ != SIM_OK)                                             \
			fail_msg("%s: %d: %s", #call, rc_, sim_error(s));      \
	} while (0)
/* Checks the wire was clean (CRC, chunk lengths, addresses), frees the pair
 * and checks the engine freed everything. */
#define SIM_FINISH(s)                                                          \
	do {                                                                   \
		assert_int_equal((s)->bad_crc, 0);                             \
		assert_int_equal((s)->malformed, 0);                           \
		assert_int_equal((s)->misrouted, 0);                           \
		assert_int_equal(sim_free(s), 0);                              \
	} while (0)
#endif

#endif
