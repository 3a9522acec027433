/*
 * fdtab.c - what the shim knows of each fd number, so that calls on the
 * sockets it does not convert cost nothing (DESIGN.md §3: "Everything else
 * passes through untouched and cheaply").
 *
 * An entry is set when the shim sees the fd made (socket, socketpair,
 * accept: plain or emulated) and cleared when it sees it closed (close,
 * and dup2/dup3 over it).  An unknown fd (inherited across exec, received
 * with SCM_RIGHTS, made by dup or fcntl) is probed with getsockname().  An
 * fd closed behind the shim's back (fclose of a socket, a raw syscall)
 * leaves a stale entry: a stale "emulated" is corrected when the daemon
 * does not know the socket (the caller clears it and passes the call to
 * libc); a stale "plain" on a number the program reused for an emulated
 * socket it received by SCM_RIGHTS would hide it, which needs both an
 * unseen close and an unseen creation of the same number.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/un.h>

#include "shim.h"

#define FDTAB_MAX 65536

static uint8_t tab[FDTAB_MAX];

void shim_fd_set(int fd, int kind)
{
	if (fd >= 0 && fd < FDTAB_MAX)
		__atomic_store_n(&tab[fd], (uint8_t)kind, __ATOMIC_RELAXED);
}

int shim_fd_get(int fd)
{
	if (fd < 0 || fd >= FDTAB_MAX)
		return SHIM_FD_UNKNOWN;
	return __atomic_load_n(&tab[fd], __ATOMIC_RELAXED);
}

/* The probe: the daemon names every app end "\0wsctp:PID:SEQ", or
 * "\0wsnat:K:PID:SEQ" for a native socket of kind K (wsproto.h).
 * Returns the fd table kind, or SHIM_FD_UNKNOWN. */
static int probe(int fd)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);
	int saved = errno;
	int kind = SHIM_FD_UNKNOWN;

	if (shim_libc.getsockname(fd, (struct sockaddr *)&sun, &len) == 0 &&
	    sun.sun_family == AF_UNIX &&
	    len >= offsetof(struct sockaddr_un, sun_path) + 1 +
		       WSP_SOCK_PREFIX_LEN + 1 &&
	    sun.sun_path[0] == '\0') {
		const char *n = sun.sun_path + 1;
		if (!memcmp(n, WSP_SOCK_PREFIX, WSP_SOCK_PREFIX_LEN))
			kind = SHIM_FD_EMULATED;
		else if (!memcmp(n, WSP_NATIVE_PREFIX, WSP_SOCK_PREFIX_LEN))
			switch (n[WSP_SOCK_PREFIX_LEN]) {
			case '0' + WSP_K_SCTP_STREAM:
				kind = SHIM_FD_NATIVE;
				break;
			case '0' + WSP_K_SCTP_SEQPACKET:
				kind = SHIM_FD_NATIVE_MANY;
				break;
			case '0' + WSP_K_SCTP_PEELED:
				kind = SHIM_FD_NATIVE_PEELED;
				break;
			}
	}
	errno = saved;
	return kind;
}

static int known_or_probed(int fd)
{
	int kind = shim_fd_get(fd);
	if (kind != SHIM_FD_UNKNOWN)
		return kind;
	kind = probe(fd);
	/* Only an emulated answer is cached: "not a socket" may become one
	 * through a call the shim does not see. */
	if (kind != SHIM_FD_UNKNOWN)
		shim_fd_set(fd, kind);
	return kind;
}

bool shim_is_emulated(int fd)
{
	int kind = known_or_probed(fd);
	return kind == SHIM_FD_EMULATED || kind >= SHIM_FD_NATIVE;
}

int shim_native_kind(int fd)
{
	int kind = known_or_probed(fd);
	return kind >= SHIM_FD_NATIVE ? kind : 0;
}
