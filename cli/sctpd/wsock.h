/*
 * wsock.h - the emulated socket (struct wsock), the one structure every
 * part of the daemon works on.  Its life (sock.c) is decided by one owner;
 * the channel (chan.c) and the ports (port.c) read and fill it and report
 * back through their owner interfaces (chan.h, port.h).
 */
#ifndef CLI_SCTPD_WSOCK_H
#define CLI_SCTPD_WSOCK_H

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
	uint32_t tag;	 /* SD_USER_WSOCK (native.h) */
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
	int kind;	 /* enum wsp_kind */
	struct nsock *nat; /* native SCTP state (native.h), NULL for TCP */
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
	bool again;    /* native: listed in sctpd.again */
	bool app_unread; /* native: the program closed with data unread */
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

#endif
