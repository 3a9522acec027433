/*
 * native.h - native SCTP sockets (DESIGN.md §3, "Native SCTP socket"): a
 * program's own IPPROTO_SCTP sockets, one-to-one (SOCK_STREAM) and
 * one-to-many (SOCK_SEQPACKET), served with the Linux kernel's semantics.
 *
 * A native socket is a wsock whose kind is not WSP_K_TCP, with a struct
 * nsock: its associations (struct nassoc, any number on a one-to-many
 * socket, at most one on a one-to-one or peeled-off socket), its SCTP
 * options and the records waiting for room in its channel.  Its channel is
 * an AF_UNIX SOCK_SEQPACKET pair carrying wsp_msg datagrams (wsproto.h):
 * native.c owns the associations' lives and events (native_conn.c starts
 * and moves them, native_send.c sends on them), nchan.c moves the
 * messages, notif.c builds the notifications, sctpopt.c (and the files
 * of sctpopt.h) serves the SOL_SCTP options.
 */
#ifndef CLI_SCTPD_NATIVE_H
#define CLI_SCTPD_NATIVE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <linux/sctp.h>

#ifndef SOL_SCTP
#define SOL_SCTP IPPROTO_SCTP /* <netinet/sctp.h>'s name */
#endif

#include "unread.h"
#include "wsock.h"

typedef struct nassoc nassoc;
typedef struct nrec nrec;

/* How long a peeloff's hand-back may hold its sockets' output (a program
 * takes microseconds; one that died half-way must not stall the socket
 * for its other holders). */
#define SD_HOLD_MAX (2 * ESCTP_SECOND)

/* Tells what an association's user pointer is (both start with a
 * host_handler): a converted socket or a native association. */
enum { SD_USER_WSOCK = 0x57534f43, SD_USER_NASSOC = 0x4e415353 };

/* A datagram waiting for room in the channel: a notification. */
struct nrec {
	nrec *next;
	bool after_data; /* only once the association's data is read */
	uint32_t len;	 /* payload bytes */
	wsp_msg h;
	uint8_t data[];
};

/* One association of a native socket. */
struct nassoc {
	host_handler hd; /* first: the association's user pointer */
	uint32_t tag;	 /* SD_USER_NASSOC */
	wsock *s;	 /* the socket it belongs to (peeloff moves it) */
	nassoc *next, *prev;
	esctp_assoc *a; /* NULL once freed by the engine's end */
	int32_t id;
	int state;	       /* WSP_ST_CONNECTING, ESTABLISHED, CLOSING,
				  CLOSED */
	int error;	       /* what ended it (errno), 0 while it lives */
	wsp_addr peer;	       /* primary path, in the socket's family */
	esctp_addr peer_e;     /* ... as the engine has it (family 0 until
				  known), shown per SCTP_I_WANT_MAPPED_V4_ADDR
				  when a message is written */
	uint16_t peer_port;
	uint16_t in_streams, out_streams;
	uint32_t hb_interval; /* SCTP_PEER_ADDR_PARAMS of this association */
	int waitfd;	       /* one-to-many connect: pipe write end */
	esctp_tstamp last_use; /* AUTOCLOSE: user data either way */
	bool shutdown_sent;
	bool shutdown_on_up; /* the program closed while it started */
	bool drained; /* closed, and every byte and record delivered */
	bool mid;     /* a message of its is partly in the channel: the
			 rest comes before its notifications */
	/* SCTP_ENABLE_STREAM_RESET and SCTP_EXPOSE_POTENTIALLY_FAILED_STATE,
	 * from the socket's when it began (sctpopt_more.c, sctpopt_path.c);
	 * the paths whose entry into the potentially-failed state went
	 * unreported (bit i: path i of esctp_status). */
	uint8_t strreset, pf_expose, pf_hidden;
	nrec *rq_head, *rq_tail; /* notifications not yet in the channel */
};

/* Per-socket SCTP state of a native socket. */
typedef struct nsock {
	nassoc *assocs;
	unsigned nassocs;
	nassoc *rd_cur; /* whose message is partly in the channel */
	nassoc *rr;	/* where the next round of reads starts */
	uint32_t seq;	/* datagrams written to the channel */
	/* Datagrams the program handed back at a peeloff (WSP_MF_REDELIVER),
	 * written before anything else; `hold`: nothing else until the
	 * last one came. */
	nrec *redo_head, *redo_tail;
	bool hold;
	esctp_tstamp hold_since;
	/* A datagram built but refused by a full channel. */
	uint8_t *stage;
	size_t stage_len;
	bool stage_data;
	sd_unread unread; /* what the program has not read (unread.h) */
	/* The program's message being assembled from its pieces, and
	 * whether it waits for send space. */
	wsp_msg in_h;
	uint8_t *in_buf;
	size_t in_len, in_cap;
	bool in_started; /* in_h holds the first piece's header */
	bool in_ready;	 /* complete (EOR seen), not sent yet */
	uint8_t *rbuf; /* one piece as read from the channel */
	/* Options (sctpopt.c). */
	uint16_t subscribe; /* bit i: sctp_event_subscribe field i */
	bool recvrcvinfo, recvnxtinfo;
	bool mapped_v4; /* SCTP_I_WANT_MAPPED_V4_ADDR, default on */
	bool disable_fragments;
	bool frag_interleave;
	struct sctp_initmsg initmsg;
	struct sctp_sndrcvinfo dflt; /* SCTP_DEFAULT_SEND_PARAM */
	uint32_t autoclose;	     /* seconds, 0: off */
	uint32_t adaptation_ind;
	bool adaptation_set;
	uint32_t maxseg;
	uint32_t pd_point;
	uint32_t max_burst;
	uint32_t sack_delay, sack_freq;
	int32_t context;
	bool nodelay;
	bool prsctp; /* SCTP_PR_SUPPORTED for new associations (on) */
	uint32_t assoc_max_retrans, cookie_life; /* SCTP_ASSOCINFO, 0: default */
	/* sctpopt_path.c: SCTP_PEER_ADDR_THLDS (Path.Max.Retrans, 0: the
	 * engine's; the potentially-failed threshold, 0xffff: off), the
	 * remote UDP encapsulation port of the associations it starts (0:
	 * sctpd's own); sctpopt_more.c: values kept only to be read back. */
	uint16_t pathmaxrxt, pf_retrans;
	uint16_t encap_port;
	uint8_t strreset, pf_expose;
	bool auto_asconf;
	/* Addresses added by sctp_bindx() beyond the bound one. */
	unsigned nextra;
	wsp_addr extra[WSP_MAX_LOCAL];
	/* The last association that ended, for WSP_ASSOC after it went. */
	int32_t last_gone_id;
	int last_gone_err;
} nsock;

/* Creates the native state of s (kind WSP_K_SCTP_*).  0 or an errno. */
int sd_native_init(wsock *s, int kind);
/* Frees the native state of s: every association aborted or let go. */
void sd_native_free(wsock *s);

/* Gives the engine endpoint of s's port the socket's settings (its
 * SCTP_INITMSG, or im for one INIT; SO_SNDBUF, RTO...), for the
 * associations it starts or accepts from now on. */
void sd_native_reconfigure(wsock *s, const struct sctp_initmsg *im);
/* A new one-to-one socket: its app end app_fd (the caller's copy) made
 * unwritable until the association is up; once. */
void sd_native_fill(wsock *s, int app_fd);
/* Connects s to addrs (sctp_connectx; connect is one address).  *id gets
 * the new association's id; on a one-to-many socket *wait_fd gets a fd
 * that reads EOF once it is up or failed.  0 or an errno. */
int sd_native_connect(wsock *s, const wsp_addr *addrs, unsigned n,
		      int app_fd, int32_t *id, int *wait_fd);
/* WSP_CONNECTX for a send to addr (implicit setup): the association to
 * addr, started now if there is none (init: a struct sctp_initmsg from an
 * SCTP_INIT cmsg, or NULL).  Fills out (assoc, state, out_streams).  0 or
 * an errno. */
int sd_native_implicit_req(wsock *s, const wsp_addr *addr, const void *init,
			   wsp_native *out);
/* WSP_ASSOC: association id of s as a wsp_native: its state, its
 * outbound streams, and in `assoc` the errno that ended it (0 while it
 * lives, ENOENT for an id never seen).  0 or an errno. */
int sd_native_assoc_state(wsock *s, int32_t id, wsp_native *out);
/* A peeled-off socket for association id of s: its app end in *app_fd. */
int sd_native_peeloff(wsock *s, int32_t id, bool migrate, int *app_fd);
/* Fills the wsp_native answer of WSP_QUERY. */
void sd_native_query(const wsock *s, wsp_native *out);
/* A new association for listener l (port.c's accept report). */
void sd_native_accept(wsock *l, esctp_assoc *a);
/* The association's state changed: top up both directions. */
void sd_native_touched(nassoc *na);
/* A restart came for an association no socket holds any more. */
/* The program closed every copy of the app end. */
void sd_native_app_gone(wsock *s);
/* The association of s with this id, or NULL (one-to-one and peeled-off
 * sockets: id is ignored, their one association). */
nassoc *sd_native_find(wsock *s, int32_t id);
/* The association of s whose primary or any path is addr, or NULL. */
nassoc *sd_native_find_addr(wsock *s, const wsp_addr *addr);
/* Starts an association to addr for a send (implicit association).  The
 * message header h may carry SCTP_INIT values.  0 or an errno. */
int sd_native_implicit(wsock *s, const wsp_msg *h, nassoc **out);
/* Ends na: gracefully (SHUTDOWN) or with an ABORT carrying `why`. */
void sd_native_shutdown(nassoc *na);
void sd_native_abort(nassoc *na, const void *why, size_t len);
/* Frees na now (its events dropped). */
void sd_native_assoc_free(nassoc *na);

/* Shared by native.c, native_conn.c and native_send.c. */
/* Wakes the engine host of s's port: what changed goes out now. */
void sd_native_kick(wsock *s);
/* A new association of s for engine association a (the user pointer set,
 * linked into s's table, an id given); NULL when out of memory. */
nassoc *sd_native_assoc_new(wsock *s, esctp_assoc *a);
/* Moves na from its socket's table to to's (peeloff). */
void sd_native_assoc_move(nassoc *na, wsock *to);
/* Fills na's streams and primary peer address (and a one-to-one socket's
 * peer and local address) from the engine once they are known. */
void sd_native_assoc_fill(nassoc *na);
/* The channel's report: ended association na has nothing left to deliver
 * (may free na, or finish and reap a one-to-one socket). */
void sd_native_drained(nassoc *na);
/* The socket address a peer's esctp_addr shows as on s (v4-mapped on an
 * AF_INET6 socket unless SCTP_I_WANT_MAPPED_V4_ADDR is off). */
void sd_native_addr(const wsock *s, const esctp_addr *ea, uint16_t port,
		    wsp_addr *out);
/* The native part of a listing row of s: the socket's own (na NULL) or
 * association na's (sctpstat). */
void sd_native_stat(const wsock *s, const nassoc *na, wsp_stat *st);
/* Closes what the sweep timer found idle (AUTOCLOSE); re-arms. */
void sd_native_autoclose(sctpd *d);
/* Lets the output of sockets go on whose peeloff hand-back did not end
 * within HOLD_MAX (the program died half-way); re-arms while any waits. */
void sd_native_hold_expire(sctpd *d);

/* What a native channel reports to the owner of its associations
 * (native_send.c installs it in sctpd.nchan_owner, sd_native_setup). */
typedef struct sd_nchan_owner {
	/* A whole message from the program (h: its first piece's header).
	 * Returns 0 when it is done with it (sent, or dropped with a
	 * notification), EAGAIN when it waits for send space: the channel
	 * offers it again at the next pump. */
	int (*send)(wsock *s, const wsp_msg *h, const uint8_t *data,
		    size_t len);
	/* The program shut its end for writing (shutdown SHUT_WR). */
	void (*app_eof)(wsock *s);
	/* The program closed every copy of its end (may free s). */
	void (*app_gone)(wsock *s);
	/* Ended association na has delivered everything (may free na). */
	void (*drained)(nassoc *na);
} sd_nchan_owner;

/* Installs native_send.c as the owner of native channels; once, at start. */
void sd_native_setup(sctpd *d);

/* ---- the channel (nchan.c) ---- */

/* Registers the daemon end s->fd with the loop.  0 or -1 with errno. */
int sd_nchan_open(wsock *s);
/* Closes the daemon end (the program reads EOF, or ECONNRESET when it
 * left data unread). */
void sd_nchan_close(wsock *s);

/* The channel fd's loop callback. */
void sd_nchan_event(loop *l, int fd, unsigned events, void *arg);
/* Moves what can move both ways. */
void sd_nchan_pump(wsock *s);
/* Pumps the channels whose last pump stopped at its budget (the
 * again_t timer). */
void sd_nchan_run_again(sctpd *d);
/* Queues a notification (payload len bytes) for association na. */
void sd_nchan_notify(nassoc *na, const void *payload, uint32_t len,
		     bool after_data);
/* Takes what the program has written to s's channel so far (its sends
 * happen before a question about them is answered, as in the kernel where
 * both are one call).  false: s was freed. */
bool sd_nchan_take_input(wsock *s);
/* Drops what is queued for na (it is being freed or moved). */
void sd_nchan_forget(nassoc *na);
/* The message na had partly in the channel will not go on (its partial
 * delivery was aborted, or the association ended): the channel no longer
 * waits for its rest. */
void sd_nchan_message_over(nassoc *na);
/* One-to-one: the association is over and the program has everything:
 * it reads EOF and its sends fail with EPIPE (after a failed connect, the
 * channel closes: ECONNRESET, POLLERR).  The channel leaves the loop;
 * the caller reaps the socket later. */
void sd_nchan_finish(wsock *s);

/* ---- notifications (notif.c) ---- */

/* Whether s subscribed to notification type (SCTP_ASSOC_CHANGE...). */
bool sd_notif_on(const wsock *s, uint16_t type);
void sd_notif_assoc_change(nassoc *na, uint16_t state, uint16_t error,
			   const uint8_t *info, size_t len);
void sd_notif_paddr_change(nassoc *na, const esctp_addr *addr, int state,
			   int error);
void sd_notif_remote_error(nassoc *na, uint16_t cause);
void sd_notif_shutdown(nassoc *na);
void sd_notif_adaptation(nassoc *na, uint32_t ind);
void sd_notif_sender_dry(nassoc *na);
/* e: the endpoint the event came from (its unsent bytes, RFC 6458
 * ssf_data). */
void sd_notif_send_failed(nassoc *na, const esctp_event *ev, host_ep *e);
/* A message that reached the daemon after its association ended (the
 * program sent it before it could know): SEND_FAILED(_EVENT) with
 * SCTP_DATA_UNSENT and its bytes, as Linux reports what was queued on an
 * association it aborts. */
void sd_notif_unsent(nassoc *na, const esctp_sndinfo *si, const uint8_t *data,
		     size_t len);
void sd_notif_pdapi(nassoc *na, uint16_t stream, uint16_t ssn);

/* ---- SOL_SCTP options (sctpopt.c, sctpopt_path.c) ---- */

/* uid: the caller's (bindx binds: privileged ports). */
int sd_sctpopt_set(wsock *s, int name, const void *val, uint32_t len,
		   uid_t uid);
int sd_sctpopt_get(wsock *s, int name, void *val, uint32_t *len);
/* Whether a path change of na (ESCTP_EV_PEER_ADDR_CHANGE) is reported:
 * Linux sctp_assoc_control_transport() hides a path's entry into the
 * potentially-failed state, and its way back, unless
 * SCTP_EXPOSE_POTENTIALLY_FAILED_STATE enables them. */
bool sd_sctpopt_paddr_notify(nassoc *na, const esctp_event *ev);

#endif
