/* ends.h - association-end counters of one-to-many sockets (ends.c). */
#ifndef SCTPD_ENDS_H
#define SCTPD_ENDS_H

#include <stdint.h>

typedef struct sctpd sctpd;

/* A new read-only descriptor of the counters' page for a program (the
 * caller sends and closes it), the page made on first use; -1 with errno
 * when it cannot be made (logged). */
int sd_ends_fd(sctpd *d);
/* The counter of the socket with this cookie: 1..WSP_ENDS_SLOTS (what
 * wsp_native.ends_slot carries). */
uint32_t sd_ends_slot(uint64_t cookie);
/* One of that socket's associations ended or left (peeloff): its counter
 * moves.  Nothing before a program asked for the page. */
void sd_ends_bump(sctpd *d, uint64_t cookie);
/* Unmaps and closes the page (the daemon's exit). */
void sd_ends_close(sctpd *d);

#endif
