/*
 * fdtab.c - what the shim knows of each fd number, so that calls on the
 * sockets it does not convert cost nothing (DESIGN.md §3: "Everything else
 * passes through untouched and cheaply").
 *
 * An entry is set when the shim sees the fd made (socket, socketpair,
 * accept: plain, emulated or native) and cleared when it sees it closed
 * (close, and dup2/dup3 over it) or received (SCM_RIGHTS through recvmsg).
 * An unknown fd (inherited across exec, received with SCM_RIGHTS, made by
 * dup or fcntl) is probed with getsockname().  An fd closed behind the
 * shim's back (fclose of a socket, a raw syscall) leaves a stale entry: a
 * stale "emulated" is corrected when the daemon does not know the socket
 * (the caller clears it and passes the call to libc); a stale "plain" on a
 * number the program reused for an emulated socket it received by
 * SCM_RIGHTS would hide it, which needs both an unseen close and an unseen
 * creation of the same number.
 *
 * The message calls (read, write, recv...) run on every fd of every
 * program, files and pipes included: shim_native_kind() remembers a "not
 * native" probe in the NOT_NATIVE bit of an unknown entry, so that such an
 * fd costs one table lookup after its first call.  The bit is invisible to
 * shim_fd_get(): converted sockets keep being probed while unknown, as an
 * fd may become one through a call the shim does not see; any
 * shim_fd_set() clears it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/un.h>

#include "shim.h"

#define NOT_NATIVE 0x80
#define KIND_MASK 0x7f

static uint8_t tab[SHIM_FD_MAX];

static bool is_native(int kind)
{
	return kind == SHIM_FD_NATIVE || kind == SHIM_FD_NATIVE_MANY ||
	       kind == SHIM_FD_NATIVE_PEELED;
}

void shim_fd_set(int fd, int kind)
{
	if (fd < 0)
		return;
	if (fd >= SHIM_FD_MAX) {
		/* No entry to tell what it was: forget it anyway. */
		shim_native_reset(fd);
		return;
	}
	int old =
	    __atomic_exchange_n(&tab[fd], (uint8_t)kind, __ATOMIC_RELAXED) &
	    KIND_MASK;
	/* A message partly read, cached answers: they belonged to the socket
	 * that had this number. */
	if (is_native(old) || is_native(kind))
		shim_native_reset(fd);
}

int shim_fd_get(int fd)
{
	if (fd < 0 || fd >= SHIM_FD_MAX)
		return SHIM_FD_UNKNOWN;
	return __atomic_load_n(&tab[fd], __ATOMIC_RELAXED) & KIND_MASK;
}

/* The probe: the daemon names every app end "\0wsctp:PID:SEQ" (converted)
 * or "\0wsnat:K:PID:SEQ" (native).  Returns the kind, or 0 for anything
 * else. */
static int probe(int fd)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);
	int saved = errno;
	int kind = 0;

	if (shim_libc.getsockname(fd, (struct sockaddr *)&sun, &len) == 0 &&
	    sun.sun_family == AF_UNIX &&
	    len >= offsetof(struct sockaddr_un, sun_path) + 1 +
		       WSP_SOCK_PREFIX_LEN &&
	    sun.sun_path[0] == '\0') {
		const char *name = sun.sun_path + 1;
		if (!memcmp(name, WSP_SOCK_PREFIX, WSP_SOCK_PREFIX_LEN))
			kind = SHIM_FD_EMULATED;
		else if (!memcmp(name, WSP_NATIVE_PREFIX,
				 WSP_SOCK_PREFIX_LEN) &&
			 len >= offsetof(struct sockaddr_un, sun_path) + 1 +
				    WSP_SOCK_PREFIX_LEN + 2 &&
			 name[WSP_SOCK_PREFIX_LEN + 1] == ':') {
			switch (name[WSP_SOCK_PREFIX_LEN]) {
			case '1':
				kind = SHIM_FD_NATIVE;
				break;
			case '2':
				kind = SHIM_FD_NATIVE_MANY;
				break;
			case '3':
				kind = SHIM_FD_NATIVE_PEELED;
				break;
			}
		}
	}
	errno = saved;
	return kind;
}

bool shim_is_emulated(int fd)
{
	int kind = shim_fd_get(fd);
	if (kind == SHIM_FD_EMULATED || is_native(kind))
		return true;
	if (kind != SHIM_FD_UNKNOWN)
		return false;
	kind = probe(fd);
	/* Only a socket of the daemon's is cached: "not a socket" may become
	 * one through a call the shim does not see. */
	if (kind)
		shim_fd_set(fd, kind);
	return kind != 0;
}

int shim_native_kind(int fd)
{
	if (fd >= 0 && fd < SHIM_FD_MAX) {
		int v = __atomic_load_n(&tab[fd], __ATOMIC_RELAXED);
		if (v & NOT_NATIVE)
			return 0;
		if (is_native(v))
			return v;
		if (v != SHIM_FD_UNKNOWN)
			return 0;
	} else if (fd < 0) {
		return 0;
	}
	int kind = probe(fd);
	if (kind) {
		shim_fd_set(fd, kind);
	} else if (fd < SHIM_FD_MAX) {
		/* Only an entry still unknown takes the mark: one set
		 * meanwhile (a socket made in another thread) stays. */
		uint8_t unknown = SHIM_FD_UNKNOWN;
		__atomic_compare_exchange_n(&tab[fd], &unknown, NOT_NATIVE,
					    false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
	}
	return is_native(kind) ? kind : 0;
}
