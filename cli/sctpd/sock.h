/*
 * sock.h - emulated sockets: the wsock, its creation and end, bind,
 * listen, connect, options, and its association's events (sock.c).
 */
#ifndef CLI_SCTPD_SOCK_H
#define CLI_SCTPD_SOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "esctp.h"
#include "host.h"
#include "wsproto.h"

typedef struct sctpd sctpd;
typedef struct wsock wsock;
typedef struct wsport wsport;

#define SD_OPTS_MAX 16 /* options recorded per socket */
/* How long a socket whose channel is shut for good (failed connect, peer
 * closed) stays for the program's questions (SO_ERROR, getpeername). */
#define SD_REAP_DELAY (10 * ESCTP_SECOND)
/* ... and after the peer closed, when the program has all it can get:
 * long enough for a last getpeername(), short enough for idle exit. */
#define SD_ZOMBIE_DELAY (2 * ESCTP_SECOND)

/* Bytes of a recorded option value: what programs set fits; a larger
 * WSP_OPT_MAX (getsockopt answers: struct tcp_info) need not cost every
 * socket SD_OPTS_MAX times as much. */
#define SD_OPT_VAL_MAX 64

typedef struct sd_opt {
	int level, name;
	uint32_t len;
	uint8_t val[SD_OPT_VAL_MAX];
} sd_opt;

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
	bool app_eof;	     /* the program shut down its write side */
	bool app_gone;	     /* ... or closed every copy of its end */
	bool peer_eof;	     /* the peer will send no more */
	bool peer_shutdown;  /* ... and will not read either: SCTP SHUTDOWN */
	bool eof_to_app;     /* shutdown(fd, SHUT_WR) done */
	bool marker_due;     /* in-band half-close not sent yet */
	bool shutdown_sent;  /* esctp_assoc_shutdown() called */
	bool peer_ws;	     /* the peer is a withsctp daemon */
	bool accepted;	     /* came from a listener */
	bool connect_failed; /* its connect never came up (SO_ERROR says why) */
	bool reuseaddr, reuseport, v6only, keepalive, linger0, nodelay;
	bool out_blocked; /* waiting for send space in the engine */
	uint8_t *obuf;	  /* received bytes the channel did not take */
	size_t olen, ooff;
	uint64_t bytes_in, bytes_out, msgs_in, msgs_out;
	unsigned nopts;
	sd_opt opts[SD_OPTS_MAX];
};

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
/* An association arrived for listener l (port.c): a new socket for
 * it, handed to l once it is up. */
void sd_sock_accept(wsock *l, esctp_assoc *a);
/* Accepted socket s went through its listener's channel. */
void sd_sock_handed_over(wsock *s);

#endif
