/*
 * wsconf_int.h - what the files of the configuration module share (not part
 * of the API): the key table, value parsing per key, the ports list codec and
 * an snprintf-style appender.
 */
#ifndef CLI_WSCONF_INT_H
#define CLI_WSCONF_INT_H

#include <stdarg.h>

#include "wsconf.h"

/* Writes "fmt..." into err (truncating); a no-op when errlen is 0.
 * Always returns -1 so callers can `return errf(...)`. */
int wsconf_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Text appended to a caller buffer the way snprintf writes: never past cap,
 * always NUL-terminated when cap > 0, len counting the whole text. */
typedef struct wsconf_out {
	char *buf;
	size_t cap;
	size_t len;
} wsconf_out;

void wsconf_outf(wsconf_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The index (0..WSCONF_NKEYS-1) of a key spelled in any case with '-' or
 * '_', or -1 when unknown.  len is the key's length. */
int wsconf_key_index(const char *key, size_t len);
/* The canonical spelling ("max_in_streams") of key index i. */
const char *wsconf_key_name(int i);

/* Formats the "unknown setting" error for `key` (len bytes) at `where`,
 * suggesting the nearest known key; env selects the WITHSCTP_KEY spelling
 * for the suggestion.  Returns -1. */
int wsconf_unknown_key(const char *key, size_t len, const char *where, bool env,
		       char *err, size_t errlen);

/* Sets key index i from value, recording origin (NULL: keep ""); errors
 * read "WHERE: REASON".  Returns 0, or -1 with *c unchanged. */
int wsconf_set_index(wsconf *c, int i, const char *value, const char *where,
		     const char *origin, char *err, size_t errlen);

/* Appends key index i's value of c in the form wsconf_set_index() reads. */
void wsconf_format_value(const wsconf *c, int i, wsconf_out *o);

/* Parses a ports list ("13, 8000-8080", "all, !22", "none").  On success
 * writes the resulting bitmap to bits (65536 bits) and returns 0; on error
 * returns -1 with the reason (no WHERE prefix) in err and bits untouched. */
int wsconf_ports_parse(uint64_t *bits, const char *spec, char *err,
		       size_t errlen);
/* Appends the canonical form of a ports bitmap, which parses back to it. */
void wsconf_ports_format(const uint64_t *bits, wsconf_out *o);

#endif
