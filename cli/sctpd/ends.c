/*
 * ends.c - the association-end counters of one-to-many sockets, shared
 * read-only with the programs (WSP_ENDS, wsproto.h).
 *
 * A program's shim remembers which association ids of a one-to-many
 * socket exist, so that a send to one costs no question to the daemon.
 * The kernel fails a send to an association that has ended (or was
 * peeled off) with EPIPE at once, before the program reads any
 * notification (sctp_sendmsg(): sctp_id2assoc() finds nothing): the shim
 * learns that it must ask again from a counter the daemon moves whenever
 * one of the socket's associations goes.  One page of counters serves
 * every socket, indexed by the socket's cookie; sockets that share a
 * counter only cost each other a question now and then.
 *
 * The page is a memfd mapped shared here; programs get a read-only
 * descriptor of it (reopened through /proc) and map it read-only, so
 * they can neither write the counters nor resize the file under the
 * daemon's mapping (F_SEAL_SHRINK as well).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ends.h"
#include "log.h"
#include "wsproto.h"
#include "sctpd.h"

#define ENDS_BYTES (WSP_ENDS_SLOTS * sizeof(uint32_t))

static int ends_open(sctpd *d)
{
	int fd = memfd_create("sctpd-ends", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)ENDS_BYTES) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0) {
		close(fd);
		return -1;
	}
	void *m = mmap(NULL, ENDS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);
	if (m == MAP_FAILED) {
		close(fd);
		return -1;
	}
	d->ends = m;
	d->ends_fd = fd;
	return 0;
}

int sd_ends_fd(sctpd *d)
{
	if (!d->ends && ends_open(d) < 0) {
		sd_log(d, LOG_WARN_, "association-end counters: %s",
		       strerror(errno));
		return -1;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", d->ends_fd);
	return open(path, O_RDONLY | O_CLOEXEC);
}

uint32_t sd_ends_slot(uint64_t cookie)
{
	return (uint32_t)(cookie % WSP_ENDS_SLOTS) + 1;
}

void sd_ends_bump(sctpd *d, uint64_t cookie)
{
	if (d->ends)
		__atomic_add_fetch(&d->ends[sd_ends_slot(cookie) - 1], 1,
				   __ATOMIC_RELEASE);
}

void sd_ends_close(sctpd *d)
{
	if (d->ends)
		munmap(d->ends, ENDS_BYTES);
	if (d->ends)
		close(d->ends_fd);
	d->ends = NULL;
	d->ends_fd = -1;
}
