/*
 * assoc.h - the association core: the endpoint, the association (TCB) and
 * the internal functions shared by endpoint.c, event.c and assoc_*.c.
 *
 * Ownership: an endpoint owns its associations (list ep->all), a reply
 * queue of one-shot packets, the event queue, the peer-address table, the
 * timer heap and the output queue.  An association owns its paths, its rx
 * and tx, and the handshake buffers.  Nothing here is exported.
 *
 * Cost model (the daemon hosts thousands of associations per endpoint):
 *   - demux: an open-addressing hash table keyed on (peer IP, peer SCTP
 *     port), one entry per peer address of every live association, linear
 *     probing with tombstones, kept at most 3/4 full: O(1) per packet, 16
 *     bytes per entry;
 *   - timers: a binary min-heap of associations keyed on each one's
 *     earliest deadline: deadline() is O(1), expire() O(k log n) for k due
 *     associations, and every association change re-keys it in O(log n);
 *   - output: a FIFO of associations that have something to send, so
 *     output() never scans idle ones;
 *   - what changed: a FIFO of the associations touched since the host last
 *     took them (esctp_endpoint_next_touched), so a host that tops up send
 *     queues after every input visits those, not every association.
 */
#ifndef ESCTP_ASSOC_H
#define ESCTP_ASSOC_H

#include "cookie.h"
#include "internal.h"
#include "path.h"
#include "pkt.h"
#include "rx.h"
#include "tx.h"

#define EP_MAX_LOCAL 8 /* local addresses advertised */
#define EP_REPLY_SLOTS 8
/* One-shot replies provoked by unauthenticated input (INIT ACK, OOTB
 * ABORT) may fill only this many slots, so an INIT flood cannot crowd out
 * the ABORTs and SHUTDOWN COMPLETEs of real associations. */
#define EP_REPLY_SLOTS_INPUT 6
#define NO_PATH 0xff

/* A one-shot packet waiting for output(): built at input time. */
typedef struct ep_reply {
	esctp_addr to;
	esctp_addr from;
	uint16_t len;
	uint8_t *buf; /* cfg.mtu bytes from the endpoint's pool */
} ep_reply;

/* Peer-address table entry: the association and the index of the path
 * whose address is the key. */
typedef struct ep_slot {
	esctp_assoc *a;
	uint32_t hash;
	uint8_t pi;
	uint8_t used; /* 0 empty, 1 in use, 2 tombstone */
} ep_slot;

/* The bytes of a failed message kept for esctp_event_failed_data(): data
 * (len bytes) inside buf, an allocation of the endpoint's allocator. */
typedef struct ev_data {
	void *buf;
	const uint8_t *data;
	uint32_t len;
} ev_data;

struct esctp_endpoint {
	esctp_config cfg;
	esctp_ops ops;
	esctp_mem mem;
	bool listening;
	esctp_init_filter *filter; /* the host's say on new INITs, or NULL */
	uint8_t nlocal;
	esctp_addr local[EP_MAX_LOCAL];
	uint32_t hash_seed;

	ep_slot *slots; /* nslots is 0 or a power of two */
	uint32_t nslots, nused, ntombs;

	esctp_assoc *all; /* every association, live or closed */

	esctp_assoc *outq_head, *outq_tail;

	esctp_assoc *touched_head, *touched_tail;
	size_t ntouched;

	esctp_assoc **heap;
	uint32_t nheap, heap_cap;
	uint32_t expire_gen;

	/* Reply queue: a ring of EP_REPLY_SLOTS descriptors, each holding a
	 * buffer of cfg.mtu bytes while queued.  Buffers are allocated when
	 * more replies wait at once than ever before and are then kept in
	 * reply_pool, so a flood allocates nothing after its first moment
	 * and a quiet endpoint holds one buffer at most. */
	ep_reply replies[EP_REPLY_SLOTS];
	uint8_t *reply_pool[EP_REPLY_SLOTS];
	uint8_t reply_head, reply_count, npool;
	uint64_t replies_sent, replies_dropped;

	/* Event queue: a ring that grows by doubling. */
	esctp_event *evq;
	ev_data *evdata; /* parallel to evq: a SEND_FAILED's message */
	uint32_t ev_cap, ev_head, ev_count;
	size_t ev_held;	   /* bytes of failed messages kept in evdata */
	ev_data failed;	   /* the last popped event's bytes ... */
	esctp_event failed_ev; /* ... and that event */
	esctp_assoc *owed_head; /* DATA events coalesced while full */
	uint64_t events_dropped;
};

/* A message queued before the handshake told us the peer's limits. */
typedef struct pre_msg {
	struct pre_msg *next;
	esctp_sndinfo info;
	uint32_t len;
	uint8_t data[];
} pre_msg;

/* Control chunks waiting for the next packet. */
enum {
	CTL_INIT = 0x01,
	CTL_COOKIE_ECHO = 0x02,
	CTL_COOKIE_ACK = 0x04,
	CTL_SHUTDOWN = 0x08,
	CTL_SHUTDOWN_ACK = 0x10,
};

struct esctp_assoc {
	esctp_endpoint *ep;
	esctp_assoc *prev, *next; /* ep->all */
	esctp_assoc *outq_next;	  /* ep->outq */
	esctp_assoc *owed_next;	  /* ep->owed_head */
	uint32_t heap_idx;	  /* UINT32_MAX: not in the heap */
	/* ep->touched_head */
	esctp_assoc *touched_prev, *touched_next;
	uint32_t expire_gen;
	esctp_tstamp deadline; /* cached earliest timer */
	esctp_tstamp now_seen; /* latest time the host passed in */
	void *user;
	bool in_outq, data_owed, in_table, in_touched;

	esctp_state state;
	uint8_t ctl;	/* CTL_* */
	bool prsctp;	/* both ends support FORWARD TSN */
	bool dry_armed; /* data sent since the last SENDER_DRY */
	bool nodelay;	/* Nagle off; from cfg.nodelay, then the setter */
	bool peer_adaptation_present; /* the peer's Adaptation Layer */
	uint32_t peer_adaptation;     /* Indication (RFC 5061), if any */
	uint16_t peer_port;
	uint16_t in_streams, out_streams;
	uint32_t local_vtag, peer_vtag;
	uint32_t local_tsn;   /* our Initial TSN */
	uint32_t error_count; /* §8.1 association error counter */
	uint32_t hb_interval_ms;
	uint32_t pd_point; /* SCTP_PARTIAL_DELIVERY_POINT, 0: none; given to
			      each rx the association makes */
	uint32_t maxseg; /* user data per DATA chunk at most (SCTP_MAXSEG),
			    0: the path MTU's limit only */

	path *paths;
	uint8_t npaths, primary;
	uint8_t hs_path;       /* where INIT / COOKIE ECHO / T2 go */
	uint8_t sack_path;     /* where the last DATA came from */
	uint8_t rtx_path;      /* retransmissions after T3, or NO_PATH */
	esctp_addr local_addr; /* where the peer reached us */
	bool has_local;	       /* local was set (esctp_assoc_set_local) */
	esctp_local local;     /* what the owning socket bound */

	rx *rx;
	tx *tx;
	pre_msg *pre_head, *pre_tail; /* COOKIE-WAIT send queue */
	uint32_t pre_bytes;

	/* handshake */
	esctp_tstamp t1, t1_rto;
	uint16_t init_retrans;
	uint32_t cookie_preserve_ms; /* §5.2.6, for the next INIT */
	esctp_tstamp cookie_sent;
	uint8_t *cookie; /* COOKIE ECHO value, then the Unrecognized
			    Parameters causes to report with it */
	uint16_t cookie_len, cookie_err_len;

	/* shutdown */
	esctp_tstamp t2, t5;

	/* counters */
	uint64_t packets_sent, packets_received;
	uint64_t bytes_received, msgs_received;
};

/* What the handlers of one received packet share. */
typedef struct in_ctx {
	const pkt_header *h;
	const esctp_addr *src, *dst;
	uint8_t pi; /* path of src, or NO_PATH */
	esctp_tstamp now;
	bool had_data, immediate, stop;
	bool single;	  /* the packet has one chunk */
	size_t nerr;	  /* bytes of error causes in err */
	uint8_t err_pad;  /* padding after the last cause */
	uint8_t err[512]; /* causes for one ERROR chunk sent at the end */
} in_ctx;

/* ---- endpoint.c: replies and the packet entry points ---- */

/* Opens a reply slot as a wbuf of cfg.mtu bytes.  from_input: provoked by
 * unauthenticated input (limited to EP_REPLY_SLOTS_INPUT).  Returns false
 * when the queue is full or cannot be allocated (the reply is dropped). */
bool ep_reply_begin(esctp_endpoint *ep, wbuf *w, bool from_input);
/* Queues the packet written in w (finished with pkt_finish()) to `to`,
 * from the local address `from` (may be NULL).  Drops it if w->err. */
void ep_reply_commit(esctp_endpoint *ep, wbuf *w, const esctp_addr *to,
		     const esctp_addr *from);
/* Queues an ABORT (with cause TLV code/value when code != 0).  tbit: the
 * tag is reflected.  from_input as for ep_reply_begin(). */
void ep_reply_abort(esctp_endpoint *ep, const esctp_addr *to,
		    const esctp_addr *from, uint16_t peer_port, uint32_t vtag,
		    bool tbit, uint16_t code, const void *val, size_t len,
		    bool from_input);
/* Queues the §8.4 answer to a packet matching no association. */
void ep_ootb(esctp_endpoint *ep, const uint8_t *pkt, size_t len,
	     const pkt_header *h, const esctp_addr *src, const esctp_addr *dst);
/* Random bytes through the host. */
uint32_t ep_random32(const esctp_endpoint *ep);
uint32_t ep_random_tag(const esctp_endpoint *ep); /* never 0 */

/* ---- assoc_index.c: peer-address table, timer heap, output queue ---- */

int ep_table_add(esctp_endpoint *ep, esctp_assoc *a, uint8_t pi);
void ep_table_del_assoc(esctp_endpoint *ep, esctp_assoc *a);
esctp_assoc *ep_table_find(const esctp_endpoint *ep, const esctp_addr *addr,
			   uint16_t port, uint8_t *pi);
/* Re-keys a in the heap from a->deadline (removes it when NEVER). */
void ep_heap_update(esctp_endpoint *ep, esctp_assoc *a);
void ep_heap_remove(esctp_endpoint *ep, esctp_assoc *a);
void ep_outq_add(esctp_endpoint *ep, esctp_assoc *a);
void ep_outq_remove(esctp_endpoint *ep, esctp_assoc *a);
void ep_touched_add(esctp_endpoint *ep, esctp_assoc *a);
void ep_touched_remove(esctp_endpoint *ep, esctp_assoc *a);

/* ---- event.c ---- */

/* Queues an event; a DATA event that finds the queue full is coalesced
 * (owed, delivered once the queue drains).  Never fails. */
void ev_post(esctp_endpoint *ep, const esctp_event *ev);
/* ev_post() for an event with bytes that takes d->buf (NULL: none): a
 * SEND_FAILED's message, the error causes of the ABORT that ended an
 * association.  Kept with the event for esctp_event_failed_data() and
 * esctp_event_abort_causes(), or freed when the event is lost or too many
 * bytes are held already. */
void ev_post_with(esctp_endpoint *ep, const esctp_event *ev, ev_data *d);
/* Drops every queued event of a (esctp_assoc_free). */
void ev_drop_assoc(esctp_endpoint *ep, esctp_assoc *a);
void ev_free(esctp_endpoint *ep);
/* Shorthand for the association events without payload. */
void assoc_event(esctp_assoc *a, esctp_event_type type, int error,
		 uint16_t cause);
/* assoc_event() with bytes (ev_post_with(); d NULL: none). */
void assoc_event_with(esctp_assoc *a, esctp_event_type type, int error,
		      uint16_t cause, ev_data *d);

/* ---- assoc.c: life cycle, timers, API ---- */

esctp_assoc *assoc_new(esctp_endpoint *ep, uint16_t peer_port);
/* Frees a and everything it owns, without sending anything. */
void assoc_destroy(esctp_assoc *a);
/* Frees the stored cookie (after COOKIE ACK, or on close). */
void assoc_free_handshake(esctp_assoc *a);
/* Creates rx and tx for the negotiated parameters and moves the pre-queue
 * into tx.  Returns 0 or ESCTP_ERR_NOMEM. */
int assoc_setup_data(esctp_assoc *a, uint32_t peer_tsn, uint32_t peer_rwnd,
		     esctp_tstamp now);
/* Ends the association: state CLOSED, timers off, queued data failed
 * (SEND_FAILED), out of the table and queues, then the event `type`. */
void assoc_close(esctp_assoc *a, esctp_event_type type, int error,
		 uint16_t cause);
/* assoc_close() whose event carries the error causes of the ABORT that
 * ended a (causes, len: the chunk's value, copied). */
void assoc_close_causes(esctp_assoc *a, esctp_event_type type, int error,
			uint16_t cause, const uint8_t *causes, size_t len);
/* Sends an ABORT (cause code/value when code != 0) and closes with event
 * `type`. */
void assoc_abort_with(esctp_assoc *a, uint16_t code, const void *val,
		      size_t len, esctp_event_type type, int error);
/* Recomputes a's deadline and its place in the heap and output queue,
 * and lists it as touched for the host.  Call after anything that may
 * have changed a. */
void assoc_touch(esctp_assoc *a, esctp_tstamp now);
/* Every queued and unacknowledged message fails with SEND_FAILED (posted
 * now) and the sender half is freed: on close and on a peer restart. */
void assoc_fail_sends(esctp_assoc *a);
bool assoc_wants_output(esctp_assoc *a, esctp_tstamp now);
void assoc_expire(esctp_assoc *a, esctp_tstamp now);
/* Moves tx notices to SEND_FAILED events and rx notices to DATA /
 * PARTIAL_DELIVERY_ABORTED events. */
void assoc_drain_notices(esctp_assoc *a);
static inline bool assoc_live(const esctp_assoc *a)
{
	return a->state != ESCTP_CLOSED;
}

/* ---- assoc_input.c ---- */

/* Processes a packet whose source maps to a (pi may be NO_PATH when it
 * was matched through the addresses inside it). */
void assoc_input(esctp_assoc *a, const uint8_t *pkt, size_t len,
		 const pkt_header *h, uint8_t pi, const esctp_addr *src,
		 const esctp_addr *dst, esctp_tstamp now);
/* Runs the chunks after `it` through a's handlers (COOKIE ECHO bundles). */
void assoc_input_chunks(esctp_assoc *a, pkt_iter *it, in_ctx *cx);
/* Appends an error cause to the ERROR chunk sent after the packet. */
void in_add_cause(in_ctx *cx, uint16_t code, const void *v1, size_t l1,
		  const void *v2, size_t l2);

/* ---- assoc_handshake.c ---- */

/* A packet matching no association: INIT, INIT ACK, COOKIE ECHO or OOTB. */
void hs_input_no_tcb(esctp_endpoint *ep, const uint8_t *pkt, size_t len,
		     const pkt_header *h, const esctp_addr *src,
		     const esctp_addr *dst, esctp_tstamp now);
void hs_on_init(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx);
void hs_on_init_ack(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx);
/* COOKIE ECHO for an existing TCB (§5.2.4).  Returns false when the rest
 * of the packet must be dropped. */
bool hs_on_cookie_echo(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx);
void hs_on_cookie_ack(esctp_assoc *a, in_ctx *cx);
void hs_on_stale_cookie(esctp_assoc *a, uint32_t staleness_us,
			esctp_tstamp now);
void hs_t1_expire(esctp_assoc *a, esctp_tstamp now);
/* Builds an INIT ACK answering ci/ip into the reply queue.  a is the
 * existing TCB (§5.2.1, §5.2.2) or NULL; loc the local side to advertise
 * (NULL: a's, else the endpoint's). */
void hs_send_init_ack(esctp_endpoint *ep, const esctp_assoc *a,
		      const chunk_init *ci, const init_params *ip,
		      const in_ctx *cx, const esctp_local *loc);
/* Whether loc takes peer addresses of family (ESCTP_AF_*). */
bool hs_family_taken(const esctp_local *loc, uint8_t family);
/* The COOKIE ECHO of a packet matching no association (§5.1.5). */
void hs_cookie_no_tcb(esctp_endpoint *ep, const uint8_t *pkt, size_t len,
		      const pkt_header *h, const esctp_addr *src,
		      const esctp_addr *dst, esctp_tstamp now);
void hs_put_init(esctp_assoc *a, wbuf *w);

/* ---- assoc_data.c ---- */

void data_on_data(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx);
void data_on_sack(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx);
void data_on_fwdtsn(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx);
void data_packet_done(esctp_assoc *a, in_ctx *cx);
/* After an ack: SHUTDOWN progress, SENDER_DRY. */
void data_after_ack(esctp_assoc *a, const tx_ack *ack, esctp_tstamp now);
void data_pre_fail(esctp_assoc *a);

/* ---- assoc_shutdown.c ---- */

void sd_on_shutdown(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx);
void sd_on_shutdown_ack(esctp_assoc *a, in_ctx *cx);
void sd_on_shutdown_complete(esctp_assoc *a, in_ctx *cx);
void sd_on_abort(esctp_assoc *a, const pkt_chunk *c);
void sd_on_error(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx);
/* SHUTDOWN-PENDING / SHUTDOWN-RECEIVED: sends SHUTDOWN / SHUTDOWN ACK
 * once everything sent is acked. */
void sd_progress(esctp_assoc *a, esctp_tstamp now);
void sd_t2_expire(esctp_assoc *a, esctp_tstamp now);
void sd_t5_expire(esctp_assoc *a, esctp_tstamp now);
/* §8.1: counts one error; returns false when the association was closed
 * for exceeding Association.Max.Retrans. */
bool sd_count_error(esctp_assoc *a);

/* ---- assoc_path.c ---- */

/* Adds a path (or returns the existing one with that IP).  Returns its
 * index or ESCTP_ERR_NOMEM / ESCTP_ERR_INVAL (bad family, too many). */
int assoc_add_path(esctp_assoc *a, const esctp_addr *addr, bool confirmed,
		   esctp_tstamp now);
int assoc_find_path(const esctp_assoc *a, const esctp_addr *addr);
/* The path new DATA (or pending retransmissions) go to. */
unsigned assoc_data_path(esctp_assoc *a);
/* The path of the next packet with new DATA: the data path, or the
 * destination the next message was sent to (ESCTP_ADDR_OVER) while that
 * path is usable; tells tx the route (tx_route()). */
unsigned assoc_send_path(esctp_assoc *a, esctp_tstamp now);
/* The path index for info's ESCTP_ADDR_OVER (TX_NO_DEST without it), or
 * ESCTP_ERR_INVAL when its address is no path of a. */
int assoc_msg_dest(const esctp_assoc *a, const esctp_sndinfo *info);
/* RFC 6951: remembers the UDP encapsulation port the peer uses on pi. */
void path_learn_port(esctp_assoc *a, uint8_t pi, const esctp_addr *src);
/* The fragment point: user data per DATA chunk at most, from the
 * smallest path MTU and a->maxseg; 0 without a path. */
uint32_t path_frag_point(const esctp_assoc *a);
void path_update_frag(esctp_assoc *a);
void path_on_heartbeat(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx);
void path_on_heartbeat_ack(esctp_assoc *a, const pkt_chunk *c, in_ctx *cx);
/* Acks of DATA sent on the paths in mask (§8.3). */
void path_on_acked(esctp_assoc *a, uint32_t mask, esctp_tstamp now);
void path_t3_expire(esctp_assoc *a, unsigned pi, esctp_tstamp now);
/* §8.2: one more error on path pi (RTO backed off by the caller); marks
 * it INACTIVE past Path.Max.Retrans and moves its data elsewhere. */
void path_strike(esctp_assoc *a, unsigned pi, esctp_tstamp now);
void path_hb_expire(esctp_assoc *a, unsigned pi, esctp_tstamp now);
/* (Re)arms every path's heartbeat timer (ESTABLISHED, set_hb_interval). */
void path_hb_start(esctp_assoc *a, esctp_tstamp now);
void path_hb_schedule(esctp_assoc *a, unsigned pi, esctp_tstamp now);
void path_put_heartbeat(esctp_assoc *a, unsigned pi, wbuf *w, esctp_tstamp now);
/* Resets congestion state and error counts (restart, §5.2.4 A). */
void path_reset_all(esctp_assoc *a, esctp_tstamp now);

/* ---- assoc_output.c ---- */

/* Writes a's next packet.  Returns its length, 0 or ESCTP_ERR_NOBUF. */
int assoc_output(esctp_assoc *a, uint8_t *buf, size_t cap, esctp_addr *src,
		 esctp_addr *dst, esctp_tstamp now);
/* Header for a packet of a to its peer. */
void out_header(const esctp_assoc *a, wbuf *w);

#endif
