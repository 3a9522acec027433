/*
 * sock.h - emulated sockets: the wsock, its creation and end, bind,
 * listen, connect, options, and its association's events (sock.c).
 */
#ifndef CLI_SCTPD_SOCK_H
#define CLI_SCTPD_SOCK_H

#include "wsock.h"

/* Creates a socket of kind (enum wsp_kind; a peeled-off socket is made
 * by native_conn.c) for a client (uid, pid, comm) with the program's
 * engine settings; stores the app end in *app_fd.  Returns the socket or
 * NULL with errno set. */
wsock *sd_sock_new(sctpd *d, int family, int kind, const wsp_params *p,
		   uid_t uid, pid_t pid, const char *comm, int *app_fd);
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
/* The association's part of a listing row (status, streams, paths). */
void sd_stat_assoc(const esctp_assoc *a, wsp_stat *st);
/* DESIGN.md §3: the app end stays unwritable until the outcome of a
 * connect: a tiny send buffer, filled from the app end app_fd (the
 * caller's copy; the daemon keeps none, so that a program that exits while
 * connecting hangs the channel up) with units of len bytes the channel
 * discards; the app's SO_SNDBUF comes back through the next request that
 * carries the app end (sd_sock_touch_app). */
void sd_sock_fill(wsock *s, int app_fd, const void *unit, size_t len);
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
/* Makes sock.c the owner the channels and ports report to (chan.h,
 * port.h): call once before any socket exists. */
void sd_sock_init(sctpd *d);

#endif
