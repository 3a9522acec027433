/*
 * limit.h - how many emulated sockets each user may hold (limit.c).
 */
#ifndef CLI_SCTPD_LIMIT_H
#define CLI_SCTPD_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct sctpd sctpd;
typedef struct sd_usage sd_usage;

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

#endif
