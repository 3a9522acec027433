/*
 * chan.h - the data path of an emulated socket: bytes of the app end <->
 * SCTP messages of its association (chan.c).
 */
#ifndef CLI_SCTPD_CHAN_H
#define CLI_SCTPD_CHAN_H

#include <stdbool.h>

#include "loop.h"

typedef struct wsock wsock;

#define SD_CHAN_BUF (1024 * 1024) /* SO_SNDBUF of both channel ends */

/* Sets up the daemon end of a new channel: the held byte (written from
 * the app end app_fd before the program has it), edge-triggered events.
 * Returns 0 or -1 with errno set. */
/* What a channel reports to the owner of its sockets' lives (sock.c
 * installs it in sctpd.chan_owner): the channel moves bytes between the
 * program and the association and decides nothing about the socket. */
typedef struct sd_chan_owner {
	/* The program closed every copy of its end (may free s). */
	void (*app_gone)(wsock *s);
	/* Both directions are over and the program has everything: the
	 * channel left the loop; s may go once the program had time for its
	 * last questions. */
	void (*done)(wsock *s);
	/* A listening socket's channel has room again for accept records. */
	void (*listener_writable)(wsock *s);
} sd_chan_owner;

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
/* Starts the association's graceful end (SCTP SHUTDOWN), once. */
void sd_chan_shutdown(wsock *s);

#endif
