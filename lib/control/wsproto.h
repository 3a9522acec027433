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

#define WSP_MAGIC 0x57530104u /* "WS", protocol 1, revision 4 */
#define WSP_SOCK_PREFIX "wsctp:"
#define WSP_SOCK_PREFIX_LEN 6
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
 * bytes in Linux 6.x's <linux/tcp.h>, and growing). */
#define WSP_OPT_MAX 256

typedef struct wsp_req {
	uint32_t magic;
	uint32_t op;
	int32_t family; /* WSP_SOCKET */
	int32_t arg;	/* WSP_LISTEN backlog; *OPT level */
	int32_t name;	/* *OPT option name */
	uint32_t len;	/* *OPT value bytes */
	uint8_t val[WSP_OPT_MAX];
	wsp_addr addr; /* WSP_BIND, WSP_CONNECT */
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

#endif
