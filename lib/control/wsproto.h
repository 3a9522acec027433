/*
 * wsproto.h - the control protocol between sctpd and its clients: the
 * LD_PRELOAD shim (libwithsctp.so), withsctp, checksctp and sctpstat.
 *
 * Transport: an AF_UNIX SOCK_SEQPACKET connection to the daemon's control
 * address ("@NAME" abstract, per network namespace, or a filesystem path).
 * Every request is one wsp_req datagram; a request about a socket carries
 * that socket's fd as SCM_RIGHTS, as proof that the caller holds it (socket
 * cookies are never accepted alone).  Every request gets exactly one wsp_rep
 * datagram, sent at once (the daemon never waits on the network to answer),
 * possibly carrying one fd; WSP_LIST answers with wsp_stat datagrams ended by
 * a wsp_rep.  Both sides are the same build: a magic mismatch is refused.
 *
 * Emulated socket ("app end"): one end of an AF_UNIX SOCK_STREAM pair whose
 * other end the daemon keeps.  The daemon binds the app end to the abstract
 * name "\0" WSP_SOCK_PREFIX "PID:SEQ", so the shim recognises an emulated
 * socket with one getsockname() call, and nobody can connect to it (it never
 * listens).  A listening socket's app end receives wsp_accept records, each
 * carrying the accepted socket's app end as SCM_RIGHTS.
 */
#ifndef CLI_WSPROTO_H
#define CLI_WSPROTO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#define WSP_MAGIC 0x57530105u /* "WS", protocol 1, revision 5 */
#define WSP_SOCK_PREFIX "wsctp:"
#define WSP_SOCK_PREFIX_LEN 6
/* A native socket's app end is named "\0" WSP_NATIVE_PREFIX "PID:SEQ". */
#define WSP_NATIVE_PREFIX "wsnat:"
#define WSP_MAX_LOCAL 8

/* Half-close marker between two withsctp endpoints: a 1-byte message on
 * stream 0 with this PPID (network order on the wire) means "the peer shut
 * down its write side".  Sent only to peers that announced WSP_ADAPTATION. */
#define WSP_PPID_EOF 0x57534546u /* "WSEF" */
/* Adaptation Layer Indication (RFC 5061 §4.2.7) withsctp daemons put in
 * INIT and INIT ACK, so each learns the peer can take the marker. */
#define WSP_ADAPTATION 0x57534354u /* "WSCT" */

enum wsp_op {
	WSP_HELLO = 1, /* -> rep.val = daemon pid, rep.udp_port, rep.msg */
	WSP_SOCKET,    /* family, params -> fd (app end) */
	WSP_BIND,      /* fd, addr */
	WSP_LISTEN,    /* fd, arg = backlog */
	WSP_CONNECT,   /* fd, addr -> err 0: in progress (or up) */
	WSP_QUERY,     /* fd -> family, state, local, peer */
	WSP_GETOPT,    /* fd, level, name -> val, len (SO_ERROR clears) */
	WSP_SETOPT,    /* fd, level, name, val, len */
	WSP_LIST,      /* -> wsp_stat datagrams, then a wsp_rep */
	WSP_STOP,      /* stop the daemon (its own user and root only) */
	/* Native SCTP sockets (wsp_req.kind != WSP_K_TCP): */
	WSP_PEELOFF,   /* fd, assoc -> fd (the association's own socket);
			  arg 1: both sockets' output waits until the
			  program has handed back (WSP_MF_REDELIVER) what
			  the old channel held, the association's to the
			  new socket, as sctp_sock_migrate() moves queued
			  events */
	WSP_CONNECTX,  /* fd, addrs[naddrs] (connect, sctp_connectx) ->
			  err, val = the association id; on a one-to-many
			  socket also a wait fd, which reads EOF once the
			  association is up or failed (WSP_ASSOC tells
			  which); a one-to-one socket is filled as by
			  WSP_CONNECT and becomes writable instead
			  (rep.len: its SO_SNDBUF, to restore then).
			  arg 1: the implicit setup of a send to addrs[0]
			  (an association there is no error; val: its id;
			  val_buf: a wsp_native; SCTP_INIT in val) */
	WSP_ASSOC,     /* fd, assoc -> state (WSP_ST_*), val = the error
			  that ended it (0 while it lives), and a wsp_native
			  in val_buf (its out_streams, state) */
	WSP_ENDS,      /* -> fd: the association-end counters, read-only
			  (WSP_ENDS_SLOTS uint32_t; wsp_native.ends_slot) */
};

/* The association-end counters (WSP_ENDS): the counter of a native
 * socket moves each time one of its associations ends, starts its
 * shutdown or is peeled off, so a program that remembers what the daemon
 * said knows when to ask again (a send to a gone association fails with
 * EPIPE at once, one shutting down with ESHUTDOWN, as in Linux). */
#define WSP_ENDS_SLOTS 4096u

/* What WSP_SOCKET makes. */
enum wsp_kind {
	WSP_K_TCP = 0,		 /* a converted TCP socket: byte channel */
	WSP_K_SCTP_STREAM = 1,	 /* native one-to-one (SOCK_STREAM) */
	WSP_K_SCTP_SEQPACKET = 2, /* native one-to-many (SOCK_SEQPACKET) */
	WSP_K_SCTP_PEELED = 3	  /* one association peeled off a
				     one-to-many socket (WSP_PEELOFF only) */
};

typedef struct wsp_addr {
	uint16_t family; /* AF_INET, AF_INET6, 0 = none */
	uint16_t port;	 /* host order */
	uint32_t scope;
	uint8_t ip[16]; /* network order; IPv4 in ip[0..3] */
} wsp_addr;

/* Engine settings from the program's configuration, fixed at socket(). */
typedef struct wsp_params {
	uint16_t out_streams, max_in_streams;
	uint8_t nodelay;
	uint8_t nlocal;
	uint16_t reserved;
	uint32_t hb_interval, rto_initial, rto_min, rto_max;
	uint32_t max_init_retrans, sndbuf, rcvbuf;
	wsp_addr local[WSP_MAX_LOCAL];
} wsp_params;

/* Bytes of an option value: room for the kernel's struct tcp_info (232
 * bytes in Linux 6.x's <linux/tcp.h>, and growing) and for the SCTP
 * options with address lists (sctp_getpaddrs' first 4 KiB). */
#define WSP_OPT_MAX 4096
/* Addresses of a WSP_CONNECTX (sctp_connectx), as the engine's paths. */
#define WSP_MAX_PEERS 8

typedef struct wsp_req {
	uint32_t magic;
	uint32_t op;
	int32_t family; /* WSP_SOCKET */
	int32_t kind;	/* WSP_SOCKET: enum wsp_kind */
	int32_t assoc;	/* WSP_PEELOFF, WSP_ASSOC: association id */
	int32_t arg;	/* WSP_LISTEN backlog; *OPT level */
	int32_t name;	/* *OPT option name */
	uint32_t len;	/* *OPT value bytes */
	uint8_t val[WSP_OPT_MAX];
	wsp_addr addr; /* WSP_BIND, WSP_CONNECT */
	uint32_t naddrs; /* WSP_CONNECTX */
	wsp_addr addrs[WSP_MAX_PEERS];
	wsp_params params;
	char comm[16]; /* the caller's program name, for sctpstat */
} wsp_req;

/* Socket states reported by WSP_QUERY and WSP_LIST. */
enum wsp_state {
	WSP_ST_NEW = 0,
	WSP_ST_BOUND,
	WSP_ST_LISTEN,
	WSP_ST_CONNECTING,
	WSP_ST_ESTABLISHED,
	WSP_ST_CLOSING, /* shutting down, app side may be gone */
	WSP_ST_CLOSED,	/* failed or finished */
};

typedef struct wsp_rep {
	uint32_t magic;
	uint32_t op;
	int32_t err; /* 0 or an errno value */
	int32_t val;
	uint32_t len; /* bytes of val_buf used */
	uint8_t val_buf[WSP_OPT_MAX];
	int32_t family;
	int32_t state;
	uint16_t udp_port;
	uint16_t flags; /* WSP_RF_* */
	wsp_addr local, peer;
	char msg[200]; /* NUL-terminated explanation of err */
} wsp_rep;

/* rep.flags: the socket's connect failed (its SO_ERROR is the cause). */
#define WSP_RF_CONNECT_FAILED 0x1

/*
 * Native SCTP sockets (DESIGN.md §3).  The app end is one end of an
 * AF_UNIX SOCK_SEQPACKET pair.  Every datagram either way is one wsp_msg
 * header followed by at most WSP_PIECE_MAX bytes: one piece of a user
 * message (or a whole notification, in the kernel's union
 * sctp_notification layout, built by the daemon for the socket's family).
 *
 * App -> daemon: a user message is sent as consecutive pieces, the last
 * with WSP_MF_EOR; the header of the first piece decides (assoc, stream,
 * flags...), later pieces repeat it.  The shim sends the pieces of one
 * message under a lock, so that threads of one process never interleave
 * them.  A datagram with WSP_MF_FILLER and no payload is the connect
 * filler (see wsock.filler) and is discarded.
 *
 * Daemon -> app: the pieces of one message follow each other with nothing
 * between them (FRAGMENT_INTERLEAVE 0); the last has WSP_MF_EOR; a
 * notification is one datagram with WSP_MF_NOTIFY | WSP_MF_EOR.  seq counts
 * the datagrams the daemon wrote on this channel, so that a shim that read
 * part of one (it peeks, and consumes the datagram only when the program
 * has all of it) can tell that someone else consumed it meanwhile.
 */
#define WSP_PIECE_MAX 65536

/* wsp_msg.flags */
#define WSP_MF_EOR 0x0001	/* last piece of the message */
#define WSP_MF_NOTIFY 0x0002	/* the payload is a notification */
#define WSP_MF_FILLER 0x0004	/* connect filler: no payload, discarded */
#define WSP_MF_MORE 0x0008	/* daemon -> app, a piece without EOR: the
				   next piece of the message is already in
				   the daemon and follows at once (a reader
				   that wants the whole message waits for
				   it, as the kernel returns a reassembled
				   message whole) */
#define WSP_MF_REDELIVER 0x1000 /* app -> daemon, after WSP_PEELOFF with
				   arg 1: a datagram the daemon wrote to
				   this socket (header and payload as read),
				   to be written back to this channel ahead
				   of anything new; with no payload and
				   WSP_MF_FILLER: the last one, output goes
				   on */
#define WSP_MF_SNDRCV 0x0010	/* deliver an SCTP_SNDRCV cmsg (data_io) */
#define WSP_MF_RCVINFO 0x0020	/* deliver SCTP_RCVINFO (RECVRCVINFO on) */
#define WSP_MF_NXTINFO 0x0040	/* RECVNXTINFO on: the shim delivers
				   SCTP_NXTINFO about the next datagram
				   queued, if any (it fills the nxt_ fields) */
#define WSP_MF_INIT 0x0100	/* app -> daemon: the init_ fields are set
				   (an SCTP_INIT cmsg) */
#define WSP_MF_SNDINFO 0x0200	/* app -> daemon: an SCTP_SNDRCV or
				   SCTP_SNDINFO cmsg set assoc, stream,
				   sflags, ppid, context, ttl; without it
				   the socket's default send parameters
				   apply (SCTP_DEFAULT_SEND_PARAM) */
#define WSP_MF_PRINFO 0x0400	/* app -> daemon: an SCTP_PRINFO cmsg set
				   the policy bits of sflags and ttl */

typedef struct wsp_msg {
	uint32_t seq;	   /* daemon -> app: datagram count, from 1 */
	uint32_t flags;	   /* WSP_MF_* */
	int32_t assoc;	   /* association id (sctp_assoc_t) */
	uint16_t stream;   /* sinfo_stream */
	uint16_t ssn;	   /* sinfo_ssn (daemon -> app) */
	uint32_t sflags;   /* sinfo_flags: app -> daemon SCTP_UNORDERED,
			      SCTP_ADDR_OVER, SCTP_ABORT, SCTP_EOF,
			      SCTP_SENDALL, SCTP_SACK_IMMEDIATELY and the
			      PR-SCTP policy bits; daemon -> app
			      SCTP_UNORDERED */
	uint32_t ppid;	   /* sinfo_ppid, as the program gave it */
	uint32_t context;  /* sinfo_context */
	uint32_t ttl;	   /* sinfo_timetolive / pr_value */
	uint32_t tsn, cumtsn; /* daemon -> app */
	wsp_addr addr;	   /* app -> daemon: destination (msg_name,
			      SCTP_DSTADDRV4/V6), family 0 when none;
			      daemon -> app: the source of the message */
	/* app -> daemon, WSP_MF_INIT: struct sctp_initmsg's fields */
	uint16_t init_ostreams, init_maxin, init_attempts, init_timeo;
	/* daemon -> app, WSP_MF_NXTINFO: struct sctp_nxtinfo's fields */
	uint16_t nxt_stream, nxt_flags;
	uint32_t nxt_ppid, nxt_length;
	int32_t nxt_assoc;
} wsp_msg;

/* WSP_QUERY's answer about a native socket, in wsp_rep.val_buf: what the
 * shim needs to decide a send's errors as the kernel does without asking
 * the daemon for every message. */
typedef struct wsp_native {
	int32_t kind;	   /* enum wsp_kind */
	uint32_t ends_slot; /* its association-end counter,
			       1..WSP_ENDS_SLOTS (0: none) */
	int32_t assoc;	   /* one-to-one, peeled: its association's id
			      (0: none yet) */
	int32_t nassocs;   /* live associations */
	uint32_t out_streams; /* one-to-one, peeled: outbound streams of the
				 association (0 before it is up) */
	uint32_t sndbuf;      /* largest message a send takes (EMSGSIZE) */
	uint32_t frag_point;  /* largest message with DISABLE_FRAGMENTS */
	int32_t disable_fragments;
	int32_t listening;
	int32_t state;	       /* one-to-one, peeled: the association's
				  (WSP_ST_*), else the socket's */
	uint32_t init_ostreams; /* SCTP_INITMSG's sinit_num_ostreams */
	uint32_t dflt_stream;	/* the stream of a send without SNDINFO
				   (SCTP_DEFAULT_SEND_PARAM) */
	uint32_t rcv_cmsgs;	/* what a receive carries now: 1 SNDRCV
				   (sctp_data_io_event), 2 RCVINFO, 4
				   NXTINFO (SCTP_RECVRCVINFO, _RECVNXTINFO) */
} wsp_native;

/* One record on a listening socket's channel per accepted association. */
typedef struct wsp_accept {
	uint32_t magic;
	uint32_t reserved;
	wsp_addr peer, local;
} wsp_accept;

/* One socket or association, for sctpstat. */
typedef struct wsp_stat {
	uint32_t magic;
	int32_t state;
	int32_t family;
	int32_t pid; /* process that created the socket */
	uint32_t uid;
	char comm[16];
	char engine_state[20]; /* esctp_state_name(), "" without assoc */
	wsp_addr local, peer;
	uint16_t in_streams, out_streams;
	uint32_t npaths;
	uint32_t rto_ms, srtt_ms, cwnd, flight, peer_rwnd;
	uint64_t bytes_in, bytes_out, msgs_in, msgs_out;
	uint64_t retransmits;
	int32_t kind;	    /* enum wsp_kind */
	int32_t assoc;	    /* native: the association's id, 0 for a
			       one-to-many socket's own row */
	uint32_t subscribe; /* native: bit i = sctp_event_subscribe field i */
} wsp_stat;

/* Fills *sun with the control address `control` ("@NAME" abstract, else a
 * path; truncated to fit) and returns the length to pass to bind/connect. */
socklen_t wsp_control_sockaddr(const char *control, struct sockaddr_un *sun);

/* A SOCK_SEQPACKET connection to the daemon at `control` (flags: more
 * SOCK_* flags, e.g. SOCK_NONBLOCK).  Returns the fd (close-on-exec), or
 * -1 with errno set (ECONNREFUSED, ENOENT: nobody there). */
int wsp_control_connect(const char *control, int flags);

/* sendmsg() of len bytes of buf with fd attached as SCM_RIGHTS when fd >= 0;
 * returns what sendmsg returns. */
ssize_t wsp_send_fd(int sock, const void *buf, size_t len, int fd, int flags);

/* Asks the daemon at `control` who it is (WSP_HELLO, comm naming the
 * caller), waiting at most timeout_ms for the answer.  Returns 0 with *rep
 * filled (rep->err may say that it refuses us), or -1 with errno:
 * ECONNREFUSED or ENOENT (nobody listens there), ETIMEDOUT, ECONNRESET
 * (closed without answering), EPROTO (an answer of another build). */
int wsp_hello(const char *control, const char *comm, wsp_rep *rep,
	      int timeout_ms);

#define WSP_RECV_FDS 4 /* fds read per message; all but the first closed */

/* recvmsg() into buf: the first fd received goes to *fd (-1 when none),
 * any other is closed.  msg_flags (may be NULL) gets the message's flags
 * (MSG_TRUNC, MSG_CTRUNC).  Returns what recvmsg returns. */
ssize_t wsp_recv_fd(int sock, void *buf, size_t len, int *fd, int flags,
		    int *msg_flags);
/* The same through rcv instead of recvmsg() (the shim's libc binding: its
 * own recvmsg() serves native sockets' messages). */
ssize_t wsp_recv_fd_via(ssize_t (*rcv)(int, struct msghdr *, int), int sock,
			void *buf, size_t len, int *fd, int flags,
			int *msg_flags);

#endif
