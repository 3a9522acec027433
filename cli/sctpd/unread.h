/*
 * unread.h - which datagrams of a native channel the program has not read
 * yet, and whether user data is among them (unread.c).
 *
 * Linux sctp_close() aborts the associations of a socket closed with user
 * data unread, and shuts them down gracefully otherwise: unread
 * notifications do not count (sctp_queue_purge_ulpevents() counts data
 * only).  The kernel tells the daemon only that the program's end went with
 * something unread (ECONNRESET), so the daemon remembers what it wrote: the
 * program reads in order, so what it has not read is the newest written,
 * and SIOCOUTQ on the daemon end (the bytes the program's queue still
 * holds of ours) says how much.
 */
#ifndef CLI_SCTPD_UNREAD_H
#define CLI_SCTPD_UNREAD_H

#include <stdbool.h>
#include <stdint.h>

typedef struct sd_unread_rec {
	uint32_t size; /* what the datagram counts in SIOCOUTQ */
	bool data;
} sd_unread_rec;

typedef struct sd_unread {
	sd_unread_rec *ring;
	unsigned head, len, cap;
	uint64_t sum;	/* size of the records held */
	unsigned ndata; /* data records held */
	bool lost;	/* a record could not be kept: assume data */
} sd_unread;

/* The bytes of fd's datagrams its peer has not read (SIOCOUTQ), 0 on
 * error. */
int sd_unread_outq(int fd);
/* Forgets what the program has read since: fd is the daemon end. */
void sd_unread_sample(sd_unread *u, int fd);
/* A datagram was sent on fd; q_before is sd_unread_outq() just before. */
void sd_unread_sent(sd_unread *u, int fd, int q_before, bool data);
/* Whether user data may be unread, as of the last sample. */
bool sd_unread_data(const sd_unread *u);
void sd_unread_free(sd_unread *u);

#endif
