/*
 * log.c - the log lines (sd_log), and where a daemonized sctpd writes them
 * when no --log names a file (sctpd(8), Log).  The daemon must start for users
 * whose home has no ~/.cache and cannot have one (nobody: HOME=/nonexistent;
 * system accounts), so it tries, in order: /var/log (root only),
 * $XDG_RUNTIME_DIR, ~/.cache (made when missing), then a private
 * directory $TMPDIR/withsctp-UID (/tmp when TMPDIR is unset).  The last
 * one sits in a directory every user may write: anyone could have made
 * that name first, as a symlink to a file of ours or as a directory they
 * can read, so it is used only when it is a real directory that belongs
 * to us and that nobody else may enter, and the log in it is never
 * reached through a symlink.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sctpd.h"

#define LOG_NAME "sctpd.log"

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int sd_log_level(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, level_names[i]))
			return i;
	return -1;
}

void sd_log(sctpd *d, int level, const char *fmt, ...)
{
	if (level > d->log_level || d->log_fd < 0)
		return;
	char line[1024];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	int n = (int)strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S", &tm);
	n += snprintf(line + n, sizeof(line) - (size_t)n,
		      ".%03ld sctpd[%d] %s: ", ts.tv_nsec / 1000000,
		      (int)d->pid, level_names[level]);
	va_list ap;
	va_start(ap, fmt);
	if (n < (int)sizeof(line))
		n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	ssize_t w = write(d->log_fd, line, (size_t)n);
	(void)w;
}

/* Why each place failed, "; "-separated, for the one error line. */
typedef struct why {
	char text[360];
	size_t len;
} why;

__attribute__((format(printf, 2, 3))) static void note(why *w, const char *fmt,
						       ...)
{
	va_list ap;

	if (w->len + 3 >= sizeof(w->text))
		return;
	if (w->len) {
		memcpy(w->text + w->len, "; ", 3);
		w->len += 2;
	}
	va_start(ap, fmt);
	int n = vsnprintf(w->text + w->len, sizeof(w->text) - w->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		w->len += (size_t)n;
	if (w->len >= sizeof(w->text))
		w->len = sizeof(w->text) - 1;
}

/* The checks a directory in a place shared with other users (/tmp) calls
 * for: a real directory (st from lstat or fstat), ours, closed to everyone
 * else.  0 or -1 with a note. */
static int private_enough(const struct stat *st, const char *dir, uid_t uid,
			  why *w)
{
	if (S_ISLNK(st->st_mode)) {
		note(w, "%.100s is a symlink: refused", dir);
		return -1;
	}
	if (!S_ISDIR(st->st_mode)) {
		note(w, "%.100s is not a directory: refused", dir);
		return -1;
	}
	if (st->st_uid != uid) {
		note(w, "%.100s belongs to uid %u, not %u: refused", dir,
		     (unsigned)st->st_uid, (unsigned)uid);
		return -1;
	}
	if (st->st_mode & 077) {
		note(w, "%.100s has mode %03o, not 700: refused", dir,
		     (unsigned)(st->st_mode & 0777));
		return -1;
	}
	return 0;
}

/* Opens dir, making it 0700 first when `make`; a `shared` one must pass
 * private_enough() before and after it is opened (it could be swapped in
 * between).  The fd, or -1 with a note. */
static int open_dir(const char *dir, bool make, bool shared, uid_t uid, why *w)
{
	struct stat st;

	if (make && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		note(w, "%.100s: %s", dir, strerror(errno));
		return -1;
	}
	if (shared && lstat(dir, &st) < 0) {
		note(w, "%.100s: %s", dir, strerror(errno));
		return -1;
	}
	if (shared && private_enough(&st, dir, uid, w) < 0)
		return -1;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
				(shared ? O_NOFOLLOW : 0));
	if (dfd < 0) {
		note(w, "%.100s: %s", dir, strerror(errno));
		return -1;
	}
	if (shared &&
	    (fstat(dfd, &st) < 0 || private_enough(&st, dir, uid, w) < 0)) {
		close(dfd);
		return -1;
	}
	return dfd;
}

/* Opens LOG_NAME in dir (see open_dir) for appending.  In a shared place
 * the log is never reached through a symlink and must be a file of ours.
 * Returns the fd with path filled, or -1 with a note. */
static int try_dir(const char *dir, bool make, bool shared, uid_t uid,
		   char *path, size_t pathlen, why *w)
{
	int dfd = open_dir(dir, make, shared, uid, w);
	if (dfd < 0)
		return -1;
	/* O_NONBLOCK: a FIFO planted there must not block the open. */
	int fd = openat(dfd, LOG_NAME,
			O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY |
			    O_NONBLOCK | (shared ? O_NOFOLLOW : 0),
			0600);
	int e = errno;
	close(dfd);
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
			(shared && st.st_uid != uid))) {
		close(fd);
		fd = -1;
		e = EPERM;
	}
	if (fd < 0) {
		note(w, "%.100s/" LOG_NAME ": %s", dir,
		     e == ELOOP ? "a symlink, refused" : strerror(e));
		return -1;
	}
	fcntl(fd, F_SETFL, O_APPEND);
	if ((size_t)snprintf(path, pathlen, "%s/" LOG_NAME, dir) >= pathlen) {
		close(fd);
		note(w, "%.100s: path too long", dir);
		return -1;
	}
	return fd;
}

static const char *abs_env(const char *name)
{
	const char *v = getenv(name);
	return v && v[0] == '/' ? v : NULL;
}

int sd_log_open_default(uid_t uid, char *path, size_t pathlen, char *err,
			size_t errlen)
{
	why w = {.len = 0};
	char dir[900];
	int fd;

	if (uid == 0 && (fd = try_dir("/var/log", false, false, uid, path,
				      pathlen, &w)) >= 0)
		return fd;
	const char *rt = abs_env("XDG_RUNTIME_DIR");
	if (!rt)
		note(&w, "XDG_RUNTIME_DIR is not set");
	else if ((fd = try_dir(rt, false, false, uid, path, pathlen, &w)) >= 0)
		return fd;
	const char *home = abs_env("HOME");
	if (!home) {
		note(&w, "HOME is not set");
	} else {
		snprintf(dir, sizeof(dir), "%s/.cache", home);
		fd = try_dir(dir, true, false, uid, path, pathlen, &w);
		if (fd >= 0)
			return fd;
	}
	const char *tmp = abs_env("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/withsctp-%u", tmp ? tmp : "/tmp",
		 (unsigned)uid);
	fd = try_dir(dir, true, true, uid, path, pathlen, &w);
	if (fd >= 0)
		return fd;
	snprintf(err, errlen,
		 "no place for the log (%s): name a file with log_file "
		 "(WITHSCTP_LOG_FILE=PATH, or withsctp -o log_file=PATH) "
		 "or sctpd --log FILE",
		 w.text);
	return -1;
}
