/*
 * esctp.h - libesctp, the embedded SCTP engine (RFC 9260, RFC 3758, RFC 6951).
 *
 * A sans-I/O library: it never touches a socket, never reads a clock, starts no
 * thread and keeps no global mutable state.  The host
 *
 *   - passes every received packet in with esctp_endpoint_input(),
 *   - pulls packets to send with esctp_endpoint_output() into its own buffers
 *     (and, when it reads packets in batches, the replies each input
 *     provoked with esctp_endpoint_output_reply() right after that input),
 *   - asks esctp_endpoint_deadline() when to call esctp_endpoint_expire(),
 *   - pulls events with esctp_endpoint_next_event(),
 *   - supplies randomness, the state-cookie MAC and (optionally) an allocator
 *     through esctp_ops.
 *
 * Time is a monotonic count of nanoseconds (esctp_tstamp) chosen by the host.
 *
 * One esctp_endpoint is one local SCTP port (a socket, in kernel terms); it owns
 * the associations on that port and demultiplexes packets between them.
 */
#ifndef ESCTP_H
#define ESCTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Monotonic time in nanoseconds, supplied by the host. */
typedef uint64_t esctp_tstamp;
#define ESCTP_TSTAMP_NEVER UINT64_MAX
#define ESCTP_MS ((esctp_tstamp)1000000)
#define ESCTP_SECOND ((esctp_tstamp)1000000000)

/* Errors: every fallible function returns 0 (or a length) on success and one of
 * these negative values on failure. */
enum {
	ESCTP_ERR_NOMEM = -1,   /* allocation failed */
	ESCTP_ERR_INVAL = -2,   /* bad argument */
	ESCTP_ERR_AGAIN = -3,   /* try later: send buffer full, nothing to read */
	ESCTP_ERR_STATE = -4,   /* not allowed in the association's state */
	ESCTP_ERR_MSGSIZE = -5, /* message larger than config.max_message */
	ESCTP_ERR_PROTO = -6,   /* malformed packet (input) */
	ESCTP_ERR_NOBUF = -7,   /* caller's buffer too small */
	ESCTP_ERR_STREAM = -8,  /* stream id out of range */
	ESCTP_ERR_CLOSED = -9,  /* association closed (aborted, lost, shut down) */
	ESCTP_ERR_EXIST = -10,  /* an association to that peer already exists */
};

/* Returns a static English description of an ESCTP_ERR_* code. */
const char *esctp_strerror(int err);

/* An IP address plus the port of the transport below SCTP: the UDP
 * encapsulation port (RFC 6951), or 0 when SCTP runs directly over IP. */
typedef struct esctp_addr {
	uint8_t family; /* ESCTP_AF_INET, ESCTP_AF_INET6, or 0 for "unspecified" */
	uint8_t reserved;
	uint16_t port;     /* UDP encapsulation port, host byte order */
	uint32_t scope_id; /* IPv6 scope, 0 otherwise */
	uint8_t ip[16];    /* network byte order; IPv4 uses ip[0..3] */
} esctp_addr;

#define ESCTP_AF_INET 4
#define ESCTP_AF_INET6 6

/* True when both addresses have the same family, IP and encapsulation port. */
bool esctp_addr_equal(const esctp_addr *a, const esctp_addr *b);
/* True when both addresses have the same family and IP (ports ignored). */
bool esctp_addr_same_ip(const esctp_addr *a, const esctp_addr *b);

#define ESCTP_MAC_LEN 32 /* bytes of state-cookie MAC (HMAC-SHA-256 size) */

/* What the host supplies.  All callbacks receive `user`. */
typedef struct esctp_ops {
	void *user;
	/* Fill buf with len cryptographically strong random bytes (tags, TSNs,
	 * heartbeat nonces).  Required. */
	void (*random)(void *user, void *buf, size_t len);
	/* Compute a keyed MAC (e.g. HMAC-SHA-256 with a host secret) of data into
	 * mac.  Used to sign and verify state cookies.  Required. */
	void (*cookie_mac)(void *user, const void *data, size_t len,
	                   uint8_t mac[ESCTP_MAC_LEN]);
	/* Optional allocator; NULL means malloc/realloc/free. */
	void *(*alloc)(void *user, size_t size);
	void *(*realloc)(void *user, void *ptr, size_t size);
	void (*free)(void *user, void *ptr);
} esctp_ops;

/* Protocol parameters.  Fill with esctp_config_default() then adjust. */
typedef struct esctp_config {
	uint16_t local_port;       /* SCTP port of the endpoint (non-zero) */
	uint16_t out_streams;      /* outbound streams requested (OS), >= 1 */
	uint16_t max_in_streams;   /* inbound streams accepted (MIS), >= 1 */
	uint16_t max_init_retrans; /* Max.Init.Retransmits (8) */
	uint16_t assoc_max_retrans; /* Association.Max.Retrans (10) */
	uint16_t path_max_retrans;  /* Path.Max.Retrans (5) */
	uint16_t pf_retrans;       /* potentially-failed threshold; 0xffff = off */
	uint16_t max_burst;        /* Max.Burst (4) */
	uint16_t mtu;              /* largest SCTP packet (common header + chunks)
	                              the host can send in one datagram */
	uint16_t sack_freq;        /* SACK every Nth packet with DATA (2) */
	uint32_t rto_initial_ms;   /* RTO.Initial (1000) */
	uint32_t rto_min_ms;       /* RTO.Min (1000) */
	uint32_t rto_max_ms;       /* RTO.Max (60000) */
	uint32_t cookie_life_ms;   /* Valid.Cookie.Life (60000) */
	uint32_t hb_interval_ms;   /* HB.interval (30000); 0 disables heartbeats */
	uint32_t sack_delay_ms;    /* delayed SACK (200), at most 500 */
	uint32_t rcvbuf;           /* receive buffer bytes: initial a_rwnd */
	uint32_t sndbuf;           /* send buffer bytes (queued + in flight) */
	uint32_t max_message;      /* largest user message esctp_assoc_send()
	                              accepts; received messages are bounded
	                              by rcvbuf, with partial delivery */
	uint16_t encap_overhead;   /* bytes the host adds per packet below SCTP
	                              (informational only: the engine does not
	                              read it; mtu already excludes it) */
	bool prsctp;               /* offer Forward-TSN (RFC 3758) support */
	bool nodelay;              /* send small messages without waiting (Nagle off) */
	bool adaptation;           /* send an Adaptation Layer Indication
	                              (RFC 5061, type 0xC006) in our INIT and
	                              INIT ACK */
	uint32_t adaptation_ind;   /* its Adaptation Code Point, host byte order
	                              (SCTP_ADAPTATION_LAYER) */
} esctp_config;

/* Defaults of RFC 9260 §16 and the Linux kernel where the RFC leaves a choice. */
void esctp_config_default(esctp_config *cfg);

typedef struct esctp_endpoint esctp_endpoint;
typedef struct esctp_assoc esctp_assoc;

/* Association states, RFC 9260 §4. */
typedef enum esctp_state {
	ESCTP_CLOSED = 0,
	ESCTP_COOKIE_WAIT,
	ESCTP_COOKIE_ECHOED,
	ESCTP_ESTABLISHED,
	ESCTP_SHUTDOWN_PENDING,
	ESCTP_SHUTDOWN_SENT,
	ESCTP_SHUTDOWN_RECEIVED,
	ESCTP_SHUTDOWN_ACK_SENT,
} esctp_state;

const char *esctp_state_name(esctp_state s);

/* ---- endpoint ---------------------------------------------------------- */

/* Creates an endpoint for cfg->local_port.  cfg and ops are copied.
 * Returns NULL when the allocation fails or the config is invalid. */
esctp_endpoint *esctp_endpoint_new(const esctp_config *cfg, const esctp_ops *ops);

/* Replaces the endpoint's configuration (a socket's options set after it
 * was bound: SCTP_INITMSG, SCTP_RTOINFO...).  Associations started from
 * now on take it whole: their INIT or INIT ACK (streams, a_rwnd,
 * Max.Init.Retransmits, adaptation) and their receive buffer; those that
 * exist keep their streams and receive buffer but follow the rest (RTO
 * bounds, send buffer, heartbeats, delayed SACK).  local_port and mtu
 * cannot change.  Returns 0, or ESCTP_ERR_INVAL (invalid cfg, another
 * port or MTU). */
int esctp_endpoint_reconfigure(esctp_endpoint *ep, const esctp_config *cfg);

/* Frees the endpoint and every association on it (no packets are sent: call
 * esctp_assoc_abort() or esctp_assoc_shutdown() first for a graceful end). */
void esctp_endpoint_free(esctp_endpoint *ep);

/* Adds a local address advertised in INIT/INIT ACK (multihoming).  With none,
 * the packet's destination address is the only local address.  The port
 * field is ignored. Returns 0, ESCTP_ERR_INVAL, or ESCTP_ERR_NOMEM when the
 * table (8 addresses) is full. */
int esctp_endpoint_add_local_addr(esctp_endpoint *ep, const esctp_addr *addr);

/* Accepts (on) or refuses (off) incoming associations.  When off, an INIT is
 * answered with ABORT, as a port with no listener is. */
void esctp_endpoint_listen(esctp_endpoint *ep, bool on);

#define ESCTP_MAX_LOCAL 8

/* The local side of one association, as the socket that owns it bound it.
 * addrs: the local addresses its INIT or INIT ACK advertises (none: the
 * peer knows it by the packet's own address only); a single one is also
 * the source of every packet it sends to a path of its family.  Loopback
 * addresses are never advertised to a peer that is not itself on
 * loopback.  no_ipv4 / no_ipv6: peer addresses of that family are neither
 * asked for (Supported Address Types) nor taken from the peer's INIT or
 * INIT ACK, as a kernel socket of the other family does.  All zero: no
 * address advertised, any family.  An association given no local side
 * (no esctp_assoc_set_local(), an INIT accepted without a filter) has the
 * endpoint's addresses (esctp_endpoint_add_local_addr), any family. */
typedef struct esctp_local {
	uint8_t naddrs;
	bool no_ipv4;
	bool no_ipv6;
	esctp_addr addrs[ESCTP_MAX_LOCAL]; /* ports ignored */
} esctp_local;

/* What the host answers about an INIT that matches no association. */
typedef enum esctp_init_verdict {
	ESCTP_INIT_ACCEPT = 0, /* answer with an INIT ACK */
	ESCTP_INIT_REFUSE,     /* answer with an ABORT, as a port where
				  nobody listens does (the peer sees
				  ECONNREFUSED) */
	ESCTP_INIT_IGNORE,     /* discard it: the peer retransmits, as TCP
				  drops a SYN when the backlog is full */
} esctp_init_verdict;

/* A host's say on who may start an association with a listening endpoint
 * (several sockets may listen on one port, each on its own addresses). */
typedef struct esctp_init_filter esctp_init_filter;
struct esctp_init_filter {
	/* An INIT came from src (peer IP, UDP port), SCTP port src_port, to
	 * the local address dst (family 0 when the host could not tell).
	 * *local arrives zeroed; on ESCTP_INIT_ACCEPT it says what the INIT
	 * ACK advertises and which peer addresses the association takes.
	 * Runs inside esctp_endpoint_input(): it must not call the engine. */
	esctp_init_verdict (*on_init)(esctp_init_filter *self,
				      const esctp_addr *src, uint16_t src_port,
				      const esctp_addr *dst, esctp_local *local);
};

/* Installs f (NULL removes it): every INIT that reaches a listening
 * endpoint and matches no association is put to it first.  Without one,
 * every such INIT is accepted with the endpoint's addresses.  f must
 * outlive the endpoint or be removed first. */
void esctp_endpoint_set_init_filter(esctp_endpoint *ep, esctp_init_filter *f);

/* Starts an association to peer_port at the given peer addresses (the first is
 * the primary path).  Sends INIT at the next output.  On success stores the
 * new association in *out and returns 0.  ESCTP_ERR_EXIST when one to that
 * peer exists already. */
int esctp_endpoint_connect(esctp_endpoint *ep, const esctp_addr *peers,
                           size_t npeers, uint16_t peer_port, esctp_tstamp now,
                           esctp_assoc **out);

/* Processes one received SCTP packet (common header onwards; the UDP header
 * stripped).  src carries the peer's IP and UDP source port, dst the local
 * IP.  Malformed packets are discarded (ESCTP_ERR_PROTO, nothing else
 * happens); the engine never trusts a length, a count or a cookie.
 * Returns 0 or a negative error. */
int esctp_endpoint_input(esctp_endpoint *ep, const uint8_t *pkt, size_t len,
                         const esctp_addr *src, const esctp_addr *dst,
                         esctp_tstamp now);

/* An ICMP or ICMPv6 Destination Unreachable came back for a packet this
 * endpoint sent to `to` (peer IP and UDP port): pkt is that packet as the
 * message quotes it (common header onwards).  RFC 6951 §5.5 reads a Port
 * Unreachable (nothing at the peer's UDP port) as a Protocol Unreachable,
 * which RFC 9260 Appendix C lets an endpoint treat as an ABORT.  Only an
 * association still starting is ended (ESCTP_EV_CANT_START with error
 * ESCTP_ERR_CLOSED, as when an ABORT refuses the INIT), and only when the
 * quoted packet proves it came from it: its verification tag is the peer's
 * or, for an INIT (tag 0), the INIT's Initiate Tag is ours (ICMP5, ICMP6).
 * Anything else is ignored: an established association does not rely on
 * ICMP (RFC 6951 §5.5).  Returns 1 when an association ended, 0 when the
 * message was ignored, or ESCTP_ERR_INVAL. */
int esctp_endpoint_unreachable(esctp_endpoint *ep, const uint8_t *pkt,
                               size_t len, const esctp_addr *to,
                               esctp_tstamp now);

/* Writes the next packet to send into buf (cap bytes, at least cfg.mtu
 * recommended) and its destination into *dst (*src gets the preferred local
 * address, family 0 when the host should choose).  Returns the packet length,
 * 0 when there is nothing to send now, or ESCTP_ERR_NOBUF. */
int esctp_endpoint_output(esctp_endpoint *ep, uint8_t *buf, size_t cap,
                          esctp_addr *src, esctp_addr *dst, esctp_tstamp now);

/* Writes the next one-shot reply into buf, like esctp_endpoint_output(),
 * but only those: the packets built while a packet was input (INIT ACK,
 * ABORT, ERROR, SHUTDOWN COMPLETE, HEARTBEAT ACK, the SACKs of
 * back-to-back DATA, the answers to out-of-the-blue packets), never an
 * association's own output.  It runs no association and needs no time, so
 * it costs a copy.
 *
 * Replies wait in a small queue (8 packets, of which at most 6 answer
 * unauthenticated packets such as INIT) that bounds what a flood can cost;
 * a reply that finds it full is dropped and the peer retransmits after its
 * RTO (a second or more).  A host that gives the engine several packets
 * before it calls esctp_endpoint_output() (recvmmsg batches) calls this
 * after each esctp_endpoint_input() until it returns 0, so that a burst of
 * INITs from legitimate clients is answered in full, then sends the
 * packets before it reads the next batch.
 *
 * Returns the packet length, 0 when no reply waits, ESCTP_ERR_NOBUF when
 * cap is too small for it (it stays queued) or ESCTP_ERR_INVAL. */
int esctp_endpoint_output_reply(esctp_endpoint *ep, uint8_t *buf, size_t cap,
                                esctp_addr *src, esctp_addr *dst);

/* How many one-shot replies wait for esctp_endpoint_output_reply() or
 * esctp_endpoint_output(); 0 for a NULL ep. */
size_t esctp_endpoint_pending_replies(const esctp_endpoint *ep);

/* Counters of an endpoint, for hosts that report them. */
typedef struct esctp_endpoint_stats {
	uint64_t replies_sent;    /* one-shot replies output */
	uint64_t replies_dropped; /* ... not sent: the reply queue was full
	                             (a flood, or a host that reads many
	                             packets before it drains replies) or
	                             memory ran out */
	uint64_t events_dropped;  /* events lost with memory short (DATA
	                             events are merged, never lost) */
	uint32_t replies_queued;  /* replies waiting now */
	uint32_t reply_buffers;   /* buffers of cfg.mtu bytes the reply queue
	                             holds (at most 8, kept once allocated) */
} esctp_endpoint_stats;

/* Fills *st (zeroes for a NULL ep). */
void esctp_endpoint_stats_get(const esctp_endpoint *ep,
                              esctp_endpoint_stats *st);

/* The associations that may have changed since this last returned them:
 * each one that had input, a timer, output, a send or a connect since then,
 * once, oldest first; NULL when none is left (or for a NULL ep).  For a host
 * that, after the endpoint ran, tops up what no event announces (send space
 * a SACK gave back, later pieces of a partly delivered message) without
 * visiting every association of the endpoint (a listening one may hold
 * thousands).  A host that never calls it loses nothing: an association is
 * listed once however often it changes, and leaves the list when freed.
 * Calls the host makes on an association while it visits the ones taken
 * (esctp_assoc_send) list it again: take at most
 * esctp_endpoint_touched_count() of them per round so that a round ends. */
esctp_assoc *esctp_endpoint_next_touched(esctp_endpoint *ep);

/* How many associations esctp_endpoint_next_touched() has to return now;
 * 0 for a NULL ep. */
size_t esctp_endpoint_touched_count(const esctp_endpoint *ep);

/* The earliest time at which esctp_endpoint_expire() has work to do, or
 * ESCTP_TSTAMP_NEVER. */
esctp_tstamp esctp_endpoint_deadline(const esctp_endpoint *ep);

/* Runs every timer due at `now` (retransmissions, heartbeats, delayed SACK,
 * shutdown guards).  Packets they produce come out of esctp_endpoint_output(). */
void esctp_endpoint_expire(esctp_endpoint *ep, esctp_tstamp now);

/* ---- events ------------------------------------------------------------ */

typedef enum esctp_event_type {
	ESCTP_EV_NONE = 0,
	ESCTP_EV_COMM_UP,        /* association established */
	ESCTP_EV_COMM_LOST,      /* association failed: retransmissions exhausted
	                            or peer ABORT (error says which) */
	ESCTP_EV_RESTART,        /* peer restarted (RFC 9260 §5.2.4 action A) */
	ESCTP_EV_SHUTDOWN_COMP,  /* graceful shutdown complete */
	ESCTP_EV_CANT_START,     /* INIT retransmissions exhausted or refused */
	ESCTP_EV_PEER_ADDR_CHANGE, /* path state changed: addr, path_state */
	ESCTP_EV_SEND_FAILED,    /* a message was abandoned unsent/unacked:
	                            stream, ppid, len, error */
	ESCTP_EV_PARTIAL_DELIVERY_ABORTED, /* stream, ssn */
	ESCTP_EV_DATA,           /* a message became readable (or the first
	                            piece of one under partial delivery):
	                            stream, ssn, ppid, tsn, flags, len.  A hint:
	                            read with esctp_assoc_recv() until
	                            ESCTP_ERR_AGAIN; later pieces of a partly
	                            delivered message raise no event, and when
	                            the queue overflows events are merged into
	                            one that carries only len */
	ESCTP_EV_SHUTDOWN,       /* peer started a graceful shutdown (it will
	                            send no more) */
	ESCTP_EV_REMOTE_ERROR,   /* peer sent an ERROR chunk: cause */
	ESCTP_EV_SENDER_DRY,     /* everything sent has been acknowledged */
	ESCTP_EV_ACCEPT,         /* a new association arrived on a listening
	                            endpoint (followed by COMM_UP) */
} esctp_event_type;

/* Path states for ESCTP_EV_PEER_ADDR_CHANGE (values of SCTP_PEER_ADDR_CHANGE). */
enum {
	ESCTP_ADDR_AVAILABLE = 0,
	ESCTP_ADDR_UNREACHABLE = 1,
	ESCTP_ADDR_REMOVED = 2, /* not emitted: no dynamic addresses (RFC 5061) */
	ESCTP_ADDR_ADDED = 3,   /* not emitted either */
	ESCTP_ADDR_MADE_PRIM = 4,
	ESCTP_ADDR_CONFIRMED = 5,
	ESCTP_ADDR_POTENTIALLY_FAILED = 6,
};

/* Flags on received messages and events. */
#define ESCTP_UNORDERED 0x01 /* message sent/received unordered (U bit) */
#define ESCTP_EOR 0x02       /* last piece of the message */
#define ESCTP_NOTIFY 0x04    /* reserved for hosts: piece is a notification */
#define ESCTP_SENT 0x08      /* SEND_FAILED: the message had been given TSNs
                                (some or all of it was sent), Linux's
                                SCTP_DATA_SENT; unset: SCTP_DATA_UNSENT */
/* Send flags (esctp_sndinfo.flags), besides ESCTP_UNORDERED. */
#define ESCTP_SACK_NOW 0x10  /* the message's last DATA chunk carries the I
                                bit (RFC 7053): the peer acknowledges it at
                                once, not after its delayed-SACK timer
                                (SCTP_SACK_IMMEDIATELY) */
#define ESCTP_ADDR_OVER 0x20 /* the message's first transmission goes to
                                esctp_sndinfo.addr instead of the primary
                                path (SCTP_ADDR_OVER) */

typedef struct esctp_event {
	esctp_event_type type;
	esctp_assoc *assoc;
	int error;          /* COMM_LOST/CANT_START: 0 when retransmissions
	                       ran out (ETIMEDOUT), ESCTP_ERR_CLOSED on an
	                       ABORT from the peer or the user (ECONNREFUSED),
	                       ESCTP_ERR_PROTO for a malformed INIT ACK;
	                       SEND_FAILED: ESCTP_ERR_CLOSED (the
	                       association ended), ESCTP_ERR_AGAIN
	                       (abandoned by PR-SCTP: lifetime over,
	                       retransmissions exhausted, or pushed out by
	                       a message of higher priority) or
	                       ESCTP_ERR_STREAM (queued before the handshake
	                       on a stream the peer did not grant) */
	uint16_t stream;    /* DATA, SEND_FAILED, PARTIAL_DELIVERY_ABORTED */
	uint16_t ssn;
	uint32_t ppid;      /* network byte order, as on the wire */
	uint32_t tsn;
	uint32_t flags;     /* DATA: ESCTP_UNORDERED, ESCTP_EOR;
	                       SEND_FAILED: ESCTP_SENT */
	uint32_t len;       /* DATA: bytes readable now; SEND_FAILED: bytes */
	uint16_t cause;     /* REMOTE_ERROR, COMM_LOST, CANT_START: first cause
	                       code of the ERROR or ABORT, received or sent
	                       (13 when retransmissions ran out, 12 for a user
	                       abort), 0 when none */
	int path_state;     /* PEER_ADDR_CHANGE: ESCTP_ADDR_* */
	esctp_addr addr;    /* PEER_ADDR_CHANGE: the path */
	uint32_t context;   /* SEND_FAILED: the context given at send */
} esctp_event;

/* Pops the oldest pending event into *ev.  Returns 1 when one was popped, 0
 * when the queue is empty.  Events of an association freed with
 * esctp_assoc_free() are dropped. */
int esctp_endpoint_next_event(esctp_endpoint *ep, esctp_event *ev);

/* The bytes of the message an ESCTP_EV_SEND_FAILED event reports (RFC 6458
 * ssf_data): ev must be the event the last esctp_endpoint_next_event()
 * returned.  Stores in *data a pointer to the engine's copy, valid until
 * the next esctp_endpoint_next_event() or esctp_endpoint_free() call, and
 * returns its length: the message's last n bytes, all ev->len of them for
 * a message never sent or not acknowledged at all; for a message partly
 * acknowledged (cumulatively), only what follows the acknowledged part (n <
 * ev->len: the missing head reached the peer), as Linux gives the
 * fragments still queued.  Returns 0 (and NULL) for another event, or when
 * the bytes were not kept: memory was short, or more than cfg.sndbuf +
 * cfg.max_message bytes of failed messages were waiting to be popped. */
size_t esctp_event_failed_data(const esctp_endpoint *ep, const esctp_event *ev,
                               const uint8_t **data);

/* The error causes of the ABORT chunk that ended an association (a
 * COMM_LOST or CANT_START event with error ESCTP_ERR_CLOSED and the peer's
 * ABORT): the chunk's value, its cause TLVs as received (what Linux puts in
 * sac_info).  Same rules as esctp_event_failed_data(): ev must be the event
 * the last esctp_endpoint_next_event() returned, *data points to the
 * engine's copy until the next pop, 0 (and NULL) for another event, an
 * ABORT without causes, one sent by this side, or bytes not kept. */
size_t esctp_event_abort_causes(const esctp_endpoint *ep,
                                const esctp_event *ev, const uint8_t **data);

/* ---- associations ------------------------------------------------------ */

/* PR-SCTP policies (RFC 3758 §3, RFC 7496 §3), esctp_sndinfo.pr_policy.
 * Each is Linux's SCTP_PR_SCTP_* value shifted right by 4 (SCTP_PR_SCTP_TTL
 * 0x10 is ESCTP_PR_TTL).  They apply only when both ends support PR-SCTP
 * (esctp_status.prsctp); otherwise every message is fully reliable and
 * none is abandoned, as on Linux. */
enum {
	ESCTP_PR_NONE = 0, /* fully reliable, unless ttl_ms is set */
	ESCTP_PR_TTL = 1,  /* timed reliability: abandoned when not fully
	                      acknowledged pr_value ms after it was queued
	                      (0: no lifetime) */
	ESCTP_PR_RTX = 2,  /* limited retransmissions: abandoned when a
	                      chunk of it would be retransmitted more than
	                      pr_value times, fast or timed (0: sent once,
	                      never retransmitted; 65535 and up: no limit) */
	ESCTP_PR_PRIO = 3, /* priority pr_value (0 highest): abandoned, sent
	                      or not, to make room in a full send buffer for
	                      a message whose value is lower (see
	                      esctp_assoc_send()) */
};
#define ESCTP_PR_POLICIES 4

typedef struct esctp_sndinfo {
	uint16_t stream;
	uint32_t ppid;       /* network byte order */
	uint32_t flags;      /* ESCTP_UNORDERED, ESCTP_SACK_NOW,
	                        ESCTP_ADDR_OVER */
	uint32_t ttl_ms;     /* under ESCTP_PR_NONE, a non-zero ttl_ms is
	                        timed reliability (the older form of
	                        ESCTP_PR_TTL); ignored under other policies */
	uint32_t context;    /* returned in SEND_FAILED */
	uint8_t pr_policy;   /* ESCTP_PR_*; 0 (NONE) in zeroed structs */
	uint32_t pr_value;   /* the policy's value: lifetime in ms (TTL),
	                        most retransmissions (RTX), priority (PRIO);
	                        read for the other policies too as the
	                        message's rank when it needs room (Linux's
	                        sinfo_timetolive) */
	esctp_addr addr;     /* with ESCTP_ADDR_OVER: the peer address
	                        (ports ignored) whose path carries the
	                        message's first transmission while that
	                        path is active and confirmed (otherwise,
	                        as on Linux, the usual data path does);
	                        retransmissions may go elsewhere (RFC 9260
	                        §6.4); read only with that flag */
} esctp_sndinfo;

typedef struct esctp_rcvinfo {
	uint16_t stream;
	uint16_t ssn;
	uint32_t ppid;       /* network byte order */
	uint32_t tsn;        /* TSN of the piece's first fragment */
	uint32_t cumtsn;
	uint32_t flags;      /* ESCTP_UNORDERED, ESCTP_EOR */
} esctp_rcvinfo;

/* Queues one user message of len bytes (copied) for sending, also before
 * the association is up (it leaves after the handshake).
 *
 * When the send buffer has no room for it and PR-SCTP is on, queued
 * ESCTP_PR_PRIO messages whose pr_value is larger than the new message's
 * value (pr_value, or ttl_ms under ESCTP_PR_NONE: Linux compares
 * sinfo_timetolive whatever the policy) are abandoned to make room, as
 * Linux's sctp_prsctp_prune() does: first those with chunks waiting for
 * retransmission, then the others that were sent, oldest first, then the
 * unsent ones in queue order, until the message fits.  Each gets
 * ESCTP_EV_SEND_FAILED (error ESCTP_ERR_AGAIN) and, when sent, is skipped
 * with a FORWARD TSN.  Nothing is abandoned unless that makes room.
 *
 * Returns 0; ESCTP_ERR_INVAL for len 0, a pr_policy above
 * ESCTP_PR_PRIO or, with ESCTP_ADDR_OVER, an addr that is no path of a; ESCTP_ERR_AGAIN when the send buffer has no room for it
 * (retry when esctp_assoc_send_space() grows); ESCTP_ERR_MSGSIZE;
 * ESCTP_ERR_STREAM; ESCTP_ERR_STATE when shutting down or closed. */
int esctp_assoc_send(esctp_assoc *a, const esctp_sndinfo *info,
                     const void *data, size_t len, esctp_tstamp now);

/* Bytes that esctp_assoc_send() accepts now without abandoning anything
 * (a message of a higher priority than queued ESCTP_PR_PRIO ones may be
 * accepted beyond it: a host that gates its sends on this value should
 * still try such a message). */
size_t esctp_assoc_send_space(const esctp_assoc *a);

/* Copies up to len bytes of the next readable message into buf and fills
 * *info (may be NULL).  A message longer than len is returned in several
 * calls; info->flags has ESCTP_EOR on its last piece.  Returns the byte count,
 * ESCTP_ERR_AGAIN when nothing is readable, ESCTP_ERR_CLOSED when closed and
 * drained. */
int esctp_assoc_recv(esctp_assoc *a, void *buf, size_t len, esctp_rcvinfo *info);

/* Bytes of complete (or partially deliverable) messages waiting to be read. */
size_t esctp_assoc_recv_pending(const esctp_assoc *a);

/* Graceful shutdown (RFC 9260 §9.2): sends what is queued, then SHUTDOWN.
 * Before the association is up (COOKIE-WAIT, COOKIE-ECHOED) it closes at
 * once without telling the peer, as the Linux kernel does: queued messages
 * get SEND_FAILED, then SHUTDOWN_COMP follows. */
int esctp_assoc_shutdown(esctp_assoc *a, esctp_tstamp now);

/* Sends ABORT with a User-Initiated Abort cause carrying reason (may be NULL)
 * and closes the association at once. */
int esctp_assoc_abort(esctp_assoc *a, const char *reason, esctp_tstamp now);

/* Frees a closed association, or aborts and frees a live one.  Its pending
 * events are dropped. */
void esctp_assoc_free(esctp_assoc *a);

/* The host's pointer, kept for it. */
void esctp_assoc_set_user(esctp_assoc *a, void *user);
void *esctp_assoc_get_user(const esctp_assoc *a);

esctp_state esctp_assoc_state(const esctp_assoc *a);

/* Sets the local side of a (see esctp_local): call it right after
 * esctp_endpoint_connect(), before the INIT leaves, or on an accepted
 * association (ESCTP_EV_ACCEPT) for the INIT ACKs it may still send (INIT
 * collision, restart).  A single address becomes the source of a's
 * packets.  Returns 0, or ESCTP_ERR_INVAL (NULL, naddrs too large, both
 * families refused, or an address of a refused family). */
int esctp_assoc_set_local(esctp_assoc *a, const esctp_local *local);

/* Sets the primary path to the peer address equal to addr (ports ignored). */
int esctp_assoc_set_primary(esctp_assoc *a, const esctp_addr *addr);

/* Sets the largest SCTP packet for the path to addr (NULL: all paths). */
int esctp_assoc_set_mtu(esctp_assoc *a, const esctp_addr *addr, uint16_t mtu);

/* The fragment point's user limit (the socket API's SCTP_MAXSEG, RFC 6458
 * §8.1.16): no DATA chunk carries more than `bytes` of user data; 0 (the
 * default) leaves the path MTU's limit alone.  The point used is the
 * smaller of the two, rounded down to a multiple of 4
 * (esctp_status.frag_point).  Messages are cut into fragments as they are
 * given TSNs, so the new point applies to every byte not yet sent:
 * messages queued after the call and the unsent rest of those queued
 * before; DATA already sent keeps its size, in retransmissions too.  May
 * be called at any time, before the handshake as well; it lasts across a
 * peer's restart.  Returns 0, or ESCTP_ERR_INVAL (NULL a, bytes 1..3). */
int esctp_assoc_set_maxseg(esctp_assoc *a, uint32_t bytes);

/* The partial delivery point (RFC 6458 §8.1.21): a message whose first
 * in-order fragments reach `bytes` becomes readable in pieces before it is
 * whole, as one larger than half the receive buffer always does; 0 (the
 * default) leaves only that rule.  Applies to messages not yet readable,
 * and may be called before the handshake ends (it is kept for the receive
 * side made then, and again at a restart); a NULL a is ignored. */
void esctp_assoc_set_pd_point(esctp_assoc *a, uint32_t bytes);

/* Sends a HEARTBEAT on the path to addr (ports ignored; NULL: every
 * path) at the next output, whatever the interval (the socket API's
 * SPP_HB_DEMAND).  Returns 0, ESCTP_ERR_INVAL (no such path) or
 * ESCTP_ERR_STATE (not established). */
int esctp_assoc_heartbeat_now(esctp_assoc *a, const esctp_addr *addr);

/* Enables (ms > 0) or disables heartbeats on every path. */
void esctp_assoc_set_hb_interval(esctp_assoc *a, uint32_t ms);

/* Turns Nagle off (on = true) or back on for this association only, at any
 * time (TCP_NODELAY set after connect); it starts as config.nodelay.  With
 * Nagle off, a small message leaves at the next esctp_endpoint_output()
 * even while earlier data is unacknowledged, and so do small messages
 * Nagle is holding when it is turned off.  A NULL a is ignored. */
void esctp_assoc_set_nodelay(esctp_assoc *a, bool on);

/* Association status, the fields of SCTP_STATUS / sctpstat. */
typedef struct esctp_path_info {
	esctp_addr addr;
	int state;            /* ESCTP_ADDR_AVAILABLE / UNREACHABLE / POTENTIALLY_FAILED */
	bool confirmed;
	bool primary;
	uint32_t cwnd, ssthresh, flight, srtt_ms, rto_ms, mtu;
	uint32_t error_count;
	/* SRTT and RTTVAR (RFC 9260 §6.3.1) in microseconds, for hosts that
	 * report them as TCP does (TCP_INFO); 0 before the first measurement,
	 * UINT32_MAX when larger. */
	uint32_t srtt_us, rttvar_us;
} esctp_path_info;

typedef struct esctp_status {
	esctp_state state;
	esctp_addr local_addr; /* the local address the peer reached (the
				  destination of its INIT, or of our INIT's
				  answer); family 0 when unknown */
	uint32_t local_vtag, peer_vtag;
	uint16_t local_port, peer_port;
	uint16_t in_streams, out_streams;
	uint32_t peer_rwnd, local_rwnd;
	uint32_t unacked, pending;  /* chunks in flight; bytes queued unsent */
	uint32_t frag_point;        /* user data per DATA chunk at most: the
	                               smallest path MTU's room or
	                               esctp_assoc_set_maxseg()'s, whichever
	                               is smaller (SCTP_STATUS
	                               sstat_fragmentation_point) */
	uint64_t bytes_sent, bytes_received;
	uint64_t msgs_sent, msgs_received;
	uint64_t packets_sent, packets_received;
	uint64_t retransmits;      /* chunks retransmitted */
	uint32_t npaths;
	esctp_path_info paths[8]; /* the first min(npaths, 8) paths */
	bool peer_adaptation_present; /* the peer's INIT (we are the server) or
	                                 INIT ACK (client) carried an Adaptation
	                                 Layer Indication (RFC 5061) ... */
	bool prsctp;                  /* both ends support PR-SCTP (Forward-TSN,
	                                 RFC 3758) */
	uint32_t peer_adaptation;     /* ... with this Adaptation Code Point,
	                                 host byte order; 0 when absent
	                                 (SCTP_ADAPTATION_INDICATION) */
	/* Messages abandoned by PR-SCTP, indexed by ESCTP_PR_* policy, before
	 * any part of them was sent or after (given TSNs): Linux's
	 * SCTP_PR_ASSOC_STATUS sprstat_abandoned_unsent / _sent, whose
	 * SCTP_PR_INDEX(policy) is ESCTP_PR_<policy> - 1.  Index
	 * ESCTP_PR_NONE counts messages sent with ttl_ms and no policy, which
	 * Linux does not count.  Linux counts PRIO abandonments per chunk, the
	 * engine per message.  0 before the handshake and once closed. */
	uint64_t abandoned_unsent[ESCTP_PR_POLICIES];
	uint64_t abandoned_sent[ESCTP_PR_POLICIES];
} esctp_status;

void esctp_assoc_status(const esctp_assoc *a, esctp_status *st);

/* ---- stateless helpers -------------------------------------------------- */

/* Checks the common header and CRC32c of a packet and reads its ports and
 * verification tag.  Returns 0 or ESCTP_ERR_PROTO.  Hosts use it to route a
 * packet to the endpoint of its destination port. */
int esctp_packet_peek(const uint8_t *pkt, size_t len, uint16_t *src_port,
                      uint16_t *dst_port, uint32_t *vtag);

/* Writes into buf the answer to a packet for a port with no endpoint
 * (RFC 9260 §8.4): an ABORT with the T bit where the rules call for one.
 * Returns its length, or 0 when the packet must be silently discarded. */
int esctp_packet_ootb_reply(const uint8_t *pkt, size_t len, uint8_t *buf,
                            size_t cap);

/* CRC32c (Castagnoli) of len bytes, continuing from crc (start with 0). */
uint32_t esctp_crc32c(uint32_t crc, const void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
