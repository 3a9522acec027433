/*
 * port.h - local SCTP ports: one engine endpoint per port, shared by the
 * sockets that hold it; listeners and their queues of accepted sockets
 * (port.c).
 */
#ifndef CLI_SCTPD_PORT_H
#define CLI_SCTPD_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "esctp.h"
#include "host.h"
#include "wsproto.h"

typedef struct sctpd sctpd;
typedef struct wsock wsock;
typedef struct wsport wsport;

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

/* Makes s hold port `port` (0: a free ephemeral one) at its bound address,
 * as TCP's bind() would allow it.  Returns 0 or an errno value
 * (EADDRINUSE, EADDRNOTAVAIL, ENOMEM). */
/* What a port reports to the owner of its sockets' lives (sock.c
 * installs it in sctpd.port_owner): the port routes associations to
 * listeners and keeps their accept queues, and decides nothing about a
 * socket itself. */
typedef struct sd_port_owner {
	/* A new association for listener l: a socket for it. */
	void (*accept)(wsock *l, esctp_assoc *a);
	/* Accepted socket s went through its listener's channel. */
	void (*handed_over)(wsock *s);
	/* s must end as a reset (its listener closed before accepting it;
	 * may free s). */
	void (*reset)(wsock *s, const char *why);
	/* The association whose user pointer is `user` changed (input, a
	 * timer, a send): top it up.  user is a wsock or a native socket's
	 * nassoc (native.h: both begin with a handler and a tag). */
	void (*touched)(void *user);
} sd_port_owner;

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

#endif
