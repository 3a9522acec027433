/*
 * wsconf.h - withsctp's configuration: the effective settings for one
 * program, merged from (lowest to highest precedence) built-in defaults, the
 * system file /etc/withsctp.conf, the user file
 * $XDG_CONFIG_HOME/withsctp.conf (~/.config/withsctp.conf), the file named by
 * WITHSCTP_CONFIG, WITHSCTP_* environment variables and launcher options.
 * The file format and every setting are described in withsctp.conf(5).
 *
 * Linked into the launcher and into the LD_PRELOAD shim, so it keeps no
 * global mutable state, opens no stdio stream, never exits or aborts, reads
 * files with open/read/close (O_CLOEXEC, at most WSCONF_FILE_MAX bytes) and
 * reads the environment only through an envp the caller passes (wsconf_load
 * passes environ).  A wsconf is a plain fixed-size value (about 13 KiB): it
 * owns no memory, may be copied with memcpy and needs no cleanup.  Parsing
 * mallocs temporary copies of the text and frees them before returning; the
 * loaders use about 32 KiB of stack.  Every function is safe to
 * call from several threads on different wsconf values.
 *
 * Errors are one line in the caller's buffer, "WHERE: REASON", where WHERE is
 * "FILE:LINE: KEY" for a file, the variable's name for the environment
 * ("WITHSCTP_PORTS") and "option KEY" for a launcher option, e.g.
 *   /etc/withsctp.conf:12: ports: '70000' is not a port (1-65535)
 * Nothing is ever silently ignored: unknown keys, sections and WITHSCTP_*
 * variables are errors, and a failing call leaves the wsconf unchanged.
 */
#ifndef CLI_WSCONF_H
#define CLI_WSCONF_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WSCONF_SYSTEM_FILE "/etc/withsctp.conf"
#define WSCONF_FILE_NAME "withsctp.conf" /* in the user's config directory */
#define WSCONF_ENV_PREFIX "WITHSCTP_"
#define WSCONF_ENV_CONFIG "WITHSCTP_CONFIG"
/* Variables starting with this prefix are reserved for withsctp's own
 * components (launcher to shim); the configuration ignores them. */
#define WSCONF_ENV_RESERVED "WITHSCTP__"

#define WSCONF_FILE_MAX (1024 * 1024) /* a larger file is an error */
#define WSCONF_MAX_ADDRS 8	      /* local_addresses */
#define WSCONF_PATH_MAX 1024	      /* daemon, log_file, with the NUL */
#define WSCONF_CONTROL_MAX 108	      /* sizeof(sun_path), with the NUL */
#define WSCONF_ORIGIN_MAX 128	      /* wsconf_origin(), truncated */
#define WSCONF_NKEYS 18

#define WSCONF_DEFAULT_CONTROL "@withsctp"
#define WSCONF_DEFAULT_UDP_PORT 9899

typedef enum wsconf_engine {
	WSCONF_ENGINE_AUTO,	/* kernel SCTP when it works, else embedded */
	WSCONF_ENGINE_EMBEDDED, /* always the daemon's engine */
	WSCONF_ENGINE_KERNEL,	/* always kernel SCTP (IPPROTO_SCTP) */
} wsconf_engine;

typedef enum wsconf_log_level {
	WSCONF_LOG_ERROR,
	WSCONF_LOG_WARN,
	WSCONF_LOG_INFO,
	WSCONF_LOG_DEBUG,
} wsconf_log_level;

/* A local address to bind (multihoming).  Its port is always 0; the user of
 * the address fills it in.  sa.sa_family is AF_INET or AF_INET6. */
typedef union wsconf_addr {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
} wsconf_addr;

/* The effective settings.  Fields are read directly; write them only
 * through wsconf_set() (or the loaders) so that values stay valid. */
typedef struct wsconf {
	wsconf_engine engine;
	/* Bit p set: TCP port p is converted (read it with
	 * wsconf_port_converted).  Bit 0 stands for sockets with no port yet
	 * (bound to port 0): set only by the keyword "all". */
	uint64_t ports[65536 / 64];
	uint32_t streams;	 /* outbound streams, 1-65535 */
	uint32_t max_in_streams; /* 1-65535 */
	size_t nlocal;		 /* entries used in local[] */
	wsconf_addr local[WSCONF_MAX_ADDRS];
	uint32_t udp_port;		  /* the daemon's RFC 6951 port */
	char control[WSCONF_CONTROL_MAX]; /* "@NAME" abstract, or a path */
	char daemon[WSCONF_PATH_MAX]; /* sctpd to start; "" next to launcher */
	bool nodelay;
	uint32_t heartbeat_interval; /* ms, 0 = no heartbeats */
	uint32_t rto_initial;	     /* ms */
	uint32_t rto_min;	     /* ms */
	uint32_t rto_max;	     /* ms */
	uint32_t max_init_retransmits;
	uint32_t sndbuf; /* bytes, 0 = engine default */
	uint32_t rcvbuf; /* bytes, 0 = engine default */
	wsconf_log_level log_level;
	char log_file[WSCONF_PATH_MAX]; /* "" = standard error */
	/* Where each setting came from, by key index ("" = default):
	 * "FILE:LINE", "WITHSCTP_KEY" or "option KEY".  Read with
	 * wsconf_origin(). */
	char origin[WSCONF_NKEYS][WSCONF_ORIGIN_MAX];
} wsconf;

/* Where wsconf_load_env() reads from. */
typedef struct wsconf_sources {
	/* The system file; NULL means WSCONF_SYSTEM_FILE.  Missing is fine. */
	const char *system_file;
	/* NULL-terminated "NAME=VALUE" strings (like environ) giving
	 * WITHSCTP_CONFIG, WITHSCTP_*, XDG_CONFIG_HOME and HOME; NULL means an
	 * empty environment. */
	const char *const *envp;
	/* Launcher options, "key=value" each, applied in order. */
	const char *const *options;
	size_t noptions;
} wsconf_sources;

/* Fills c with the built-in defaults (see withsctp.conf(5)). */
void wsconf_defaults(wsconf *c);

/* Builds the effective settings for `program` (its path or name; [program
 * NAME] sections match its base name; NULL or "" matches no section) from
 * every layer, lowest precedence first: defaults, src->system_file, the
 * user file ($XDG_CONFIG_HOME/withsctp.conf, or $HOME/.config/withsctp.conf
 * when XDG_CONFIG_HOME is unset, empty or relative; skipped when neither is
 * usable), the file named by WITHSCTP_CONFIG (which must exist), WITHSCTP_*
 * variables, then src->options.  Finally checks the merged result with
 * wsconf_check().  Returns 0 with *c filled, or -1 with a message in err
 * (errlen bytes, always NUL-terminated when errlen > 0) and *c unchanged. */
int wsconf_load_env(wsconf *c, const wsconf_sources *src, const char *program,
		    char *err, size_t errlen);

/* wsconf_load_env() with the real environment (environ) and the system
 * file WSCONF_SYSTEM_FILE. */
int wsconf_load(wsconf *c, const char *program, const char *const *options,
		size_t noptions, char *err, size_t errlen);

/* Applies one file on top of *c: its [global] sections first, then the
 * [program NAME] sections matching `program`, in file order.  Every line is
 * checked, including those of sections that do not match, before anything
 * is applied.  A file that does not exist is an error only when must_exist.
 * The file must be at most WSCONF_FILE_MAX bytes.  Returns 0, or -1 with
 * err filled ("PATH: REASON" or "PATH:LINE: ...") and *c unchanged.  Does
 * not call wsconf_check(). */
int wsconf_parse_file(wsconf *c, const char *path, const char *program,
		      bool must_exist, char *err, size_t errlen);

/* wsconf_parse_file() on NUL-terminated text already in memory; errors and
 * origins name it `name_for_errors`. */
int wsconf_parse_string(wsconf *c, const char *text,
			const char *name_for_errors, const char *program,
			char *err, size_t errlen);

/* Applies every WITHSCTP_<KEY>=VALUE in envp (NULL-terminated; NULL means
 * none), in order.  WITHSCTP_CONFIG and WITHSCTP__* are skipped; any other
 * WITHSCTP_* name must be a known key ("WITHSCTP_PORTS: unknown setting").
 * Returns 0, or -1 with err filled and *c unchanged. */
int wsconf_apply_env(wsconf *c, const char *const *envp, char *err,
		     size_t errlen);

/* Applies launcher options, each "key=value" (spaces around key and value
 * are trimmed), in order.  Errors read "option KEY: REASON".  Returns 0, or
 * -1 with err filled and *c unchanged. */
int wsconf_apply_options(wsconf *c, const char *const *options, size_t noptions,
			 char *err, size_t errlen);

/* Sets one setting.  key is case-insensitive with '-' and '_' equivalent;
 * value is the text as written in a file (surrounding blanks are ignored).
 * where names the source: it prefixes error messages ("WHERE: REASON") and
 * is recorded as the setting's origin; NULL means "option KEY".  Returns 0,
 * or -1 with err filled and *c unchanged (unknown key, bad value). */
int wsconf_set(wsconf *c, const char *key, const char *value, const char *where,
	       char *err, size_t errlen);

/* Checks the rules that involve several settings, which hold only after
 * every layer is merged: rto_min <= rto_initial <= rto_max.  Returns 0, or -1
 * with err naming the values and where they came from. */
int wsconf_check(const wsconf *c, char *err, size_t errlen);

/* True when a TCP socket on `port` is converted (the peer's port for
 * connect, the local one for bind/listen; 0 for a socket that has none). */
static inline bool wsconf_port_converted(const wsconf *c, uint16_t port)
{
	return (c->ports[port >> 6] >> (port & 63)) & 1;
}

/* True when every TCP socket is converted whatever its port: the list is
 * "all" with no exclusion.  Only then may a socket be converted when it is
 * made; otherwise its fate waits for its port (bind, connect, or listen
 * without a bind: wsconf_port_converted with port 0) so that an exclusion
 * keeps it plain TCP.  Scans the map: callers on a hot path keep the
 * answer. */
bool wsconf_ports_every(const wsconf *c);

/* Flags for wsconf_format(). */
#define WSCONF_FORMAT_ORIGINS 1u /* "# KEY from ORIGIN" comments */

/* Writes the settings as an INI text with one [global] section, every key
 * in a canonical form, so that wsconf_parse_string() of the text on top of
 * any wsconf gives settings equal (wsconf_equal) to *c.  Like snprintf:
 * writes at most cap bytes including the NUL and returns the length of the
 * whole text (excluding the NUL), so a return >= cap means truncation. */
int wsconf_format(const wsconf *c, unsigned flags, char *buf, size_t cap);

/* True when a and b hold the same settings (origins are not compared). */
bool wsconf_equal(const wsconf *a, const wsconf *b);

/* Where the setting `key` came from: "default", "FILE:LINE",
 * "WITHSCTP_KEY" or "option KEY"; NULL for an unknown key. */
const char *wsconf_origin(const wsconf *c, const char *key);

/* Names of enum values as written in the file ("auto", "warn", ...). */
const char *wsconf_engine_name(wsconf_engine e);
const char *wsconf_log_level_name(wsconf_log_level l);

#endif
