/*
 * sctpd.h - the withsctp daemon's internal interfaces.
 *
 * sctpd hosts one libesctp engine per local SCTP port (host.c) and owns
 * every association.  Each emulated socket (wsock) is an AF_UNIX stream pair:
 * the daemon keeps one end (fd) and hands the other (the "app end") to the
 * program.  Bytes written by the program become SCTP user messages on stream
 * 0; received messages are written back as bytes (chan.c).  The
 * control server (ctl.c) creates sockets and answers the calls the
 * shim cannot do natively; sockets, ports and engine events live in
 * sock.c; the process, logging and signals in sctpd.c.
 */
#ifndef CLI_SCTPD_H
#define CLI_SCTPD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "host.h"
#include "loop.h"
#include "wsproto.h"

typedef struct sctpd sctpd;
typedef struct wsock wsock;
typedef struct wsport wsport;
typedef struct sd_usage sd_usage;

enum { LOG_ERR_, LOG_WARN_, LOG_INFO_, LOG_DEBUG_ };

/* Writes one log line "TIME LEVEL text" when level is enabled. */
void sd_log(sctpd *d, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define SD_CONTROL_MAX 108 /* sizeof(sun_path) */
#define SD_OPTS_MAX 16
/* How long a socket whose channel is shut for good (failed connect, peer
 * closed) stays for the program's questions (SO_ERROR, getpeername). */
#define SD_REAP_DELAY (10 * ESCTP_SECOND)
/* ... and after the peer closed, when the program has all it can get:
 * long enough for a last getpeername(), short enough for idle exit. */
#define SD_ZOMBIE_DELAY (2 * ESCTP_SECOND)
#define SD_CHAN_BUF                                                            \
	(1024 * 1024) /* SO_SNDBUF of both channel ends */ /* options recorded \
							      per socket */

/* Bytes of a recorded option value: what programs set fits; a larger
 * WSP_OPT_MAX (getsockopt answers: struct tcp_info) need not cost every
 * socket SD_OPTS_MAX times as much. */
#define SD_OPT_VAL_MAX 64

typedef struct sd_opt {
	int level, name;
	uint32_t len;
	uint8_t val[SD_OPT_VAL_MAX];
} sd_opt;

/* One local SCTP port: an engine endpoint and the sockets that hold it
 * (port.c).  Several sockets may hold one port, as on TCP: listeners
 * on different addresses, SO_REUSEADDR and SO_REUSEPORT sharers, and every
 * association accepted on it. */
struct wsport {
	host_handler hd;	  /* endpoint events: ACCEPT, top-up hook */
	esctp_init_filter filter; /* which listener an INIT is for */
	sctpd *d;
	host_ep *he;
	esctp_endpoint *ep;
	uint16_t port;
	unsigned refs;	  /* holders, plus handlers running for it */
	wsock *holders;	  /* sockets holding the port (pnext/pprev) */
	wsock *listeners; /* the listening ones among them (lnext) */
	/* sctpd.ports, both ways: every client socket has a port of its
	 * own, and freeing one must not walk them all. */
	wsport *next, *prev;
};

/* One emulated socket. */
struct wsock {
	host_handler hd; /* its association's events */
	sctpd *d;
	wsock *next, *prev;   /* all sockets */
	wsock *hnext;	      /* cookie hash chain */
	wsock *pnext, *pprev; /* port->holders */
	wsock *lnext;	      /* port->listeners */
	uint64_t cookie;      /* SO_COOKIE of the app end */
	uint64_t seq;
	uid_t uid;
	pid_t pid;
	char comm[16];
	int family;	 /* AF_INET or AF_INET6, as the program asked */
	int state;	 /* enum wsp_state */
	int fd;		 /* daemon end, -1 once closed */
	bool registered; /* fd is in the loop (edge-triggered) */
	bool hup;	 /* the loop reported a hang-up on fd */
	/* The daemon end's receive queue always holds one byte the daemon
	 * has already passed on (at first a sentinel), so that when the
	 * daemon closes it, or dies, with that byte unread, the kernel makes
	 * the program's next read fail with ECONNRESET: a stream cut off
	 * never looks complete (DESIGN.md §3).  A graceful end consumes it
	 * first. */
	bool held;
	bool rd_ready; /* the program may have written: read the channel */
	bool reset;    /* the stream ends in a reset, not an EOF */
	/* Non-blocking connect (DESIGN.md §3): the filler bytes that keep
	 * the app end unwritable until the outcome, and its SO_SNDBUF, which
	 * the next request carrying the app end restores. */
	size_t filler;
	int app_sndbuf;
	bool sndbuf_restore;
	int appdup; /* accepted: the app end, until handed to the listener */
	wsport *port;
	bool holds_port;
	esctp_assoc *a;
	wsp_addr bound;	      /* what the program bound (any: implicit) */
	wsp_addr local, peer; /* what getsockname/getpeername show */
	wsp_params params;
	int so_error;
	esctp_tstamp reap_at; /* freed then (sd_sweep) */
	/* A listener's queue of accepted sockets its channel had no room
	 * for yet, and its length bound (the listen backlog). */
	wsock *acq_head, *acq_tail, *acq_next;
	wsock *acq_listener; /* the listener whose queue holds this one */
	unsigned acq_len;
	int backlog;
	bool app_eof;	    /* the program shut down its write side */
	bool app_gone;	    /* ... or closed every copy of its end */
	bool peer_eof;	    /* the peer will send no more */
	bool peer_shutdown; /* ... and will not read either: SCTP SHUTDOWN */
	bool eof_to_app;    /* shutdown(fd, SHUT_WR) done */
	bool marker_due;    /* in-band half-close not sent yet */
	bool shutdown_sent; /* esctp_assoc_shutdown() called */
	bool peer_ws;	    /* the peer is a withsctp daemon */
	bool accepted;	    /* came from a listener */
	bool connect_failed; /* its connect never came up (SO_ERROR says why) */
	bool reuseaddr, reuseport, v6only, keepalive, linger0, nodelay;
	bool out_blocked; /* waiting for send space in the engine */
	uint8_t *obuf;	  /* received bytes the channel did not take */
	size_t olen, ooff;
	uint64_t bytes_in, bytes_out, msgs_in, msgs_out;
	unsigned nopts;
	sd_opt opts[SD_OPTS_MAX];
};

#define SD_ROUTE_CACHE 8
#define SD_ROUTE_TTL (2 * ESCTP_SECOND)

/* The source address the kernel picks towards a peer (getsockname shows
 * it), remembered briefly: asking costs four system calls. */
typedef struct sd_route {
	esctp_addr peer, src;
	esctp_tstamp at;
} sd_route;

struct sctpd {
	loop *l;
	host *h;
	int log_level;
	int log_fd;
	char log_path[1024];
	bool log_default; /* no --log: sd_log_open_default() chooses */
	char control[SD_CONTROL_MAX];
	int ctl_fd;
	uint16_t udp_port;
	uid_t uid;
	bool allow_all;
	unsigned max_user_socks; /* --max-sockets-per-user, 0: no cap */
	sd_usage *usage;	 /* sockets per capped user (limit.c) */
	size_t nusage, usage_cap;
	int unpriv_port; /* net.ipv4.ip_unprivileged_port_start */
	unsigned idle_secs;
	loop_timer idle_t;
	loop_timer stop_t;
	loop_timer sweep_t;
	sd_route routes[SD_ROUTE_CACHE];
	unsigned route_next;
	pid_t pid;
	bool stopping;
	int sig_fd;
	unsigned nclients;
	unsigned nsocks;
	uint64_t seq;
	wsock *socks;
	wsock **hash; /* by cookie */
	size_t nhash;
	wsport *ports;
	wsport *dead_ports; /* freed before the loop sleeps */
	uint8_t *rbuf;	    /* shared receive buffer */
	size_t rbuf_len;
};

/* ---- sock.c ---- */

/* Creates a socket for a client (uid, pid, comm) with the program's engine
 * settings; stores the app end in *app_fd.  Returns the socket or NULL with
 * errno set. */
wsock *sd_sock_new(sctpd *d, int family, const wsp_params *p, uid_t uid,
		   pid_t pid, const char *comm, int *app_fd);
/* The socket whose app end has this cookie, or NULL. */
wsock *sd_sock_find(sctpd *d, uint64_t cookie);
/* Each returns 0 or an errno value; uid is the caller's (privileged
 * ports).  sd_sock_connect fills the app end app_fd (the caller's copy,
 * not kept) so that it stays unwritable until the outcome. */
int sd_sock_bind(wsock *s, const wsp_addr *addr, uid_t uid);
int sd_sock_listen(wsock *s, int backlog);
int sd_sock_connect(wsock *s, const wsp_addr *addr, int app_fd);
int sd_sock_setopt(wsock *s, int level, int name, const void *val,
		   uint32_t len);
int sd_sock_getopt(wsock *s, int level, int name, void *val, uint32_t *len);
void sd_sock_stat(const wsock *s, wsp_stat *st);
/* A request carrying the app end app_fd arrived: restores what the
 * connect changed on it (its SO_SNDBUF). */
void sd_sock_touch_app(wsock *s, int app_fd);
/* Frees the socket and its association (aborting a live one). */
void sd_sock_free(wsock *s);
/* Ends the association of s as a reset: ABORT to the peer (when it is
 * live), ECONNRESET to the program, s freed. */
void sd_sock_reset(wsock *s, const char *why);
/* SIGTERM: shuts every association down gracefully. */
void sd_sock_shutdown_all(sctpd *d);
/* Aborts and frees every socket (the stop timer ran out). */
void sd_sock_free_all(sctpd *d);
/* Frees the sockets whose reap time passed; re-arms for the next. */
void sd_sweep(sctpd *d);
/* Frees s at `when` (the sweep timer runs then). */
void sd_reap_at(wsock *s, esctp_tstamp when);
/* Starts a graceful stop (SIGTERM, WSP_STOP). */
void sd_stop(sctpd *d);
/* Re-evaluates the idle timer. */
void sd_idle_check(sctpd *d);
/* An association arrived for listener l (port.c): a new socket for
 * it, handed to l once it is up. */
void sd_sock_accept(wsock *l, esctp_assoc *a);
/* Accepted socket s went through its listener's channel. */
void sd_sock_handed_over(wsock *s);

/* ---- port.c ---- */

/* Makes s hold port `port` (0: a free ephemeral one) at its bound address,
 * as TCP's bind() would allow it.  Returns 0 or an errno value
 * (EADDRINUSE, EADDRNOTAVAIL, ENOMEM). */
int sd_port_hold(wsock *s, uint16_t port);
/* Releases s's hold on its port; the port goes when nobody holds it,
 * after sending what its endpoint still has to say. */
void sd_port_release(wsock *s);
/* Makes s one of its port's listeners.  Returns 0 or EADDRINUSE (another
 * listener on an overlapping address, and not both SO_REUSEPORT). */
int sd_port_listen(wsock *s);
/* Takes s out of its port's listeners, aborting what its queue held. */
void sd_port_unlisten(wsock *s);
/* The engine settings of p for a socket's options (any port). */
void sd_engine_config(const sctpd *d, const wsp_params *p, esctp_config *cfg);
/* The local side (esctp_local) of the associations of s. */
void sd_port_local_side(const wsock *s, esctp_local *out);
/* Holds p while a handler runs for it (sd_port_put releases). */
void sd_port_ref(wsport *p);
void sd_port_put(sctpd *d, wsport *p);
/* Frees the endpoints of released ports (call when no handler runs). */
void sd_port_reap(sctpd *d);
/* Hands accepted socket s to listener l: through l's channel, or queued
 * there until it has room.  Returns false when l's queue is full (the
 * caller aborts). */
bool sd_port_deliver(wsock *l, wsock *s);
/* The listener's channel has room again: flushes its queue. */
void sd_port_flush_accepts(wsock *l);
/* Forgets accepted socket s in its listener's queue, if it waits there. */
void sd_port_unqueue(wsock *s);
/* Makes accepted socket s one of p's holders. */
void sd_port_adopt(wsock *s, wsport *p);
/* A restarted association (RFC 9260 §5.2.4) goes to the listener it is
 * addressed to, as a new connection.  Returns false when none takes it. */
bool sd_port_take_restart(wsport *p, esctp_assoc *a);

/* ---- chan.c ---- */

/* Sets up the daemon end of a new channel: the held byte (written from
 * the app end app_fd before the program has it), edge-triggered events.
 * Returns 0 or -1 with errno set. */
int sd_chan_open(wsock *s, int app_fd);
/* The channel fd's loop callback. */
void sd_chan_event(loop *l, int fd, unsigned events, void *arg);
/* Moves what can move: engine -> app, app -> engine. */
void sd_chan_pump(wsock *s);
/* Whether s has something for sd_chan_pump() that no event announces
 * (cheap: no system call, no copy). */
bool sd_chan_wants_pump(const wsock *s);
/* The association is up: release the connect filler, start reading. */
void sd_chan_up(wsock *s);
/* Connect failed: the program reads EOF and its writes fail (EPIPE). */
void sd_chan_failed(wsock *s);
/* The peer will send no more: after delivering what is left, EOF. */
void sd_chan_peer_eof(wsock *s);
/* Closes the daemon end: gracefully (the held byte consumed, the program
 * reads EOF) unless s->reset, when the program reads ECONNRESET. */
void sd_chan_close(wsock *s);

/* ---- log.c ---- */

/* Opens the log of a daemonized sctpd run by uid when --log names none:
 * sctpd.log in /var/log (root only), $XDG_RUNTIME_DIR, ~/.cache (made when
 * missing) or $TMPDIR/withsctp-UID (/tmp when TMPDIR is unset; made 0700,
 * refused unless a real directory of uid's closed to others), the first
 * that works.  Returns the fd (O_APPEND, close-on-exec) with its path in
 * path, or -1 with one line in err naming each place's failure and the
 * settings that choose a file. */
int sd_log_open_default(uid_t uid, char *path, size_t pathlen, char *err,
			size_t errlen);

/* ---- limit.c: sockets per user ---- */

/* The default --max-sockets-per-user: a quarter of the daemon's
 * RLIMIT_NOFILE (call after raising it), so that no user holds more than
 * about half the daemon's descriptors even while all its sockets connect. */
unsigned sd_limit_default(void);
/* Before uid gets a new socket (sd_sock_new): 0 when it may, ENFILE when
 * it holds d->max_user_socks already (logged once per time at the cap),
 * ENOMEM.  Root and the daemon's own user are never capped. */
int sd_limit_check(sctpd *d, uid_t uid);
/* Counts a socket of uid made (delta 1, after sd_limit_check() said 0) or
 * freed (delta -1). */
void sd_limit_add(sctpd *d, uid_t uid, int delta);
/* When uid is at its cap, writes the message a program is shown (names
 * the limit and how to raise it) and returns true; else false. */
bool sd_limit_message(const sctpd *d, uid_t uid, char *buf, size_t len);
void sd_limit_free(sctpd *d);

/* ---- ctl.c ---- */

/* Opens the control socket at d->control.  Returns 0 or -1 with a message
 * in err. */
int sd_ctl_open(sctpd *d, char *err, size_t errlen);
void sd_ctl_close(sctpd *d);

/* ---- addresses ---- */
void sd_addr_to_esctp(const wsp_addr *w, uint16_t udp_port, esctp_addr *e);
/* e's IP with `port` (host order) as seen by a socket of `family` (IPv4 is
 * shown v4-mapped in an AF_INET6 socket). */
void sd_addr_from_esctp(const esctp_addr *e, uint16_t port, int family,
			wsp_addr *w);
const char *sd_addr_str(const wsp_addr *a, char *buf, size_t len);

#endif
