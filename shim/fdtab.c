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

/* The probe: the daemon names every app end "\0wsctp:PID:SEQ". */
static bool probe(int fd)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);
	int saved = errno;

	bool yes =
	    shim_libc.getsockname(fd, (struct sockaddr *)&sun, &len) == 0 &&
	    sun.sun_family == AF_UNIX &&
	    len >= offsetof(struct sockaddr_un, sun_path) + 1 +
		       WSP_SOCK_PREFIX_LEN &&
	    sun.sun_path[0] == '\0' &&
	    !memcmp(sun.sun_path + 1, WSP_SOCK_PREFIX, WSP_SOCK_PREFIX_LEN);
	errno = saved;
	return yes;
}

bool shim_is_emulated(int fd)
{
	switch (shim_fd_get(fd)) {
	case SHIM_FD_PLAIN:
	case SHIM_FD_CANDIDATE:
	case SHIM_FD_KERNEL:
		return false;
	case SHIM_FD_EMULATED:
		return true;
	}
	bool yes = probe(fd);
	/* Only an emulated answer is cached: "not a socket" may become one
	 * through a call the shim does not see. */
	if (yes)
		shim_fd_set(fd, SHIM_FD_EMULATED);
	return yes;
}
