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

#endif
