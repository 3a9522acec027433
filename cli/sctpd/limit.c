/*
 * limit.c - how many emulated sockets each user may hold in a daemon
 * that serves several users (sctpd(8), --max-sockets-per-user).
 *
 * Every socket costs the daemon one descriptor (two while it connects or
 * waits to be accepted), all drawn from the daemon's one RLIMIT_NOFILE:
 * without a cap, one user's program could take them all and every other
 * user's socket() would fail.  A socket counts against the user who made
 * it; one made by accept counts against the listener's owner, since that
 * user's listener is what brings it in.  It counts until the daemon frees
 * it, after the program closed it too (the association may still be
 * shutting down, holding the descriptor).
 *
 * Root and the daemon's own user are not capped.  Root is trusted by the
 * kernel in the same way (CAP_SYS_ADMIN may go past fs.file-max) and could
 * stop the daemon anyway; the daemon's owner owns the descriptors being
 * shared, and a daemon without --allow-all serves only these two, so a
 * user's private daemon (the one withsctp starts) never limits its user.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "limit.h"
#include "log.h"
#include "sctpd.h"

struct sd_usage {
	uid_t uid;
	unsigned n;  /* sockets held */
	bool warned; /* logged since it reached the cap */
};

static bool capped(const sctpd *d, uid_t uid)
{
	return d->max_user_socks && uid != 0 && uid != d->uid;
}

static sd_usage *find(const sctpd *d, uid_t uid)
{
	for (size_t i = 0; i < d->nusage; i++)
		if (d->usage[i].uid == uid)
			return &d->usage[i];
	return NULL;
}

unsigned sd_limit_default(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return 1024;
	rlim_t q = rl.rlim_cur / 4;
	return q < 1 ? 1 : q > UINT_MAX ? UINT_MAX : (unsigned)q;
}

int sd_limit_check(sctpd *d, uid_t uid)
{
	if (!capped(d, uid))
		return 0;
	sd_usage *u = find(d, uid);
	if (u && u->n >= d->max_user_socks) {
		/* Once per time at the cap: a program retrying in a loop
		 * must not flood the log. */
		if (!u->warned)
			sd_log(d, LOG_WARN_,
			       "uid %u holds %u sockets, its limit "
			       "(--max-sockets-per-user): new sockets and "
			       "associations accepted for it are refused "
			       "until it closes some",
			       (unsigned)uid, u->n);
		u->warned = true;
		return ENFILE;
	}
	if (u)
		return 0;
	/* The entry is made now, so that sd_limit_add() cannot fail. */
	if (d->nusage == d->usage_cap) {
		size_t cap = d->usage_cap ? 2 * d->usage_cap : 8;
		sd_usage *v = realloc(d->usage, cap * sizeof(*v));
		if (!v)
			return ENOMEM;
		d->usage = v;
		d->usage_cap = cap;
	}
	d->usage[d->nusage++] = (sd_usage){.uid = uid, .n = 0};
	return 0;
}

void sd_limit_add(sctpd *d, uid_t uid, int delta)
{
	if (!capped(d, uid))
		return;
	sd_usage *u = find(d, uid);
	if (!u)
		return; /* never: sd_limit_check() made it */
	if (delta > 0)
		u->n++;
	else if (u->n > 0)
		u->n--;
	if (u->n < d->max_user_socks)
		u->warned = false;
	if (u->n == 0)
		*u = d->usage[--d->nusage];
}

bool sd_limit_message(const sctpd *d, uid_t uid, char *buf, size_t len)
{
	const sd_usage *u = capped(d, uid) ? find(d, uid) : NULL;

	if (!u || u->n < d->max_user_socks)
		return false;
	snprintf(buf, len,
		 "uid %u holds %u sockets, the most sctpd (uid %u) allows a "
		 "user (--max-sockets-per-user %u): close some, or ask the "
		 "daemon's owner to raise it",
		 (unsigned)uid, u->n, (unsigned)d->uid, d->max_user_socks);
	return true;
}

void sd_limit_free(sctpd *d)
{
	free(d->usage);
	d->usage = NULL;
	d->nusage = d->usage_cap = 0;
}
