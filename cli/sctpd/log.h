/*
 * log.h - sctpd's log: the lines (sd_log, log.c) and, for a daemonized
 * sctpd without --log, the file they go to.
 */
#ifndef CLI_SCTPD_LOG_H
#define CLI_SCTPD_LOG_H

#include <stddef.h>
#include <sys/types.h>

typedef struct sctpd sctpd;

enum { LOG_ERR_, LOG_WARN_, LOG_INFO_, LOG_DEBUG_ };

/* The level a name means ("error", "warn", "info", "debug"), or -1. */
int sd_log_level(const char *s);
/* Writes one log line "TIME LEVEL text" when level is enabled. */
void sd_log(sctpd *d, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Opens the log of a daemonized sctpd run by uid when --log names none:
 * sctpd.log in /var/log (root only), $XDG_RUNTIME_DIR, ~/.cache (made when
 * missing) or $TMPDIR/withsctp-UID (/tmp when TMPDIR is unset; made 0700,
 * refused unless a real directory of uid's closed to others), the first
 * that works.  Returns the fd (O_APPEND, close-on-exec) with its path in
 * path, or -1 with one line in err naming each place's failure and the
 * settings that choose a file. */
int sd_log_open_default(uid_t uid, char *path, size_t pathlen, char *err,
			size_t errlen);

#endif
