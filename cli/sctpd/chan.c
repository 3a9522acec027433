/*
 * chan.c - the data path of a converted TCP socket: bytes the program
 * writes into its end of the channel become SCTP user messages on stream 0,
 * and received messages are written back as bytes.  Backpressure runs both
 * ways: a full engine send buffer stops reading the channel (the program's
 * writes block), and a channel the program does not read stops reading the
 * engine (the receive window closes and the peer slows down).
 *
 * End of stream (DESIGN.md §3): the program's shutdown(SHUT_WR) shows here
 * as EOF without hang-up; between two withsctp daemons it travels in-band
 * as a marker message (WSP_PPID_EOF) so the peer program reads EOF and can
 * still send; against other stacks it becomes an SCTP SHUTDOWN.  close()
 * shows as hang-up and becomes SHUTDOWN, or ABORT as TCP would send RST:
 * SO_LINGER {1, 0}, or unread data left behind.
 *
 * The held byte (wsock.held): the daemon end's receive queue always keeps
 * the last byte the daemon passed on (a sentinel at first), so that the
 * kernel turns a close of our end, or the daemon's death, into ECONNRESET
 * for the program (Linux unix_release_sock(): closing a stream socket with
 * unread data sets ECONNRESET on its peer).  Reading therefore takes all
 * the new bytes but leaves the last one in the queue, and a graceful end
 * consumes it before closing.  The queue is never empty, so the channel is
 * watched edge-triggered: every arrival is one event.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "chan.h"
#include "log.h"
#include "port.h"
#include "sctpd.h"
#include "wsock.h"

/* Below this much send space, wait for more rather than cut the stream
 * into tiny messages. */
#define MIN_SEND_SPACE 1024
/* Reads of the channel per wake-up, so one busy socket cannot starve the
 * others. */
#define READS_PER_EVENT 16
#define MAX_MESSAGE 65536

static bool reading(const wsock *s)
{
	return s->state == WSP_ST_ESTABLISHED && s->a && !s->app_eof &&
	       !s->shutdown_sent;
}

int sd_chan_open(wsock *s, int app_fd)
{
	if (send(app_fd, "", 1, MSG_DONTWAIT | MSG_NOSIGNAL) != 1)
		return -1;
	s->held = true;
	if (loop_fd_set(s->d->l, s->fd, LOOP_READ | LOOP_WRITE | LOOP_EDGE,
			sd_chan_event, s) < 0)
		return -1;
	s->registered = true;
	return 0;
}

static void unregister(wsock *s)
{
	if (s->registered)
		loop_fd_del(s->d->l, s->fd);
	s->registered = false;
}

void sd_chan_close(wsock *s)
{
	if (s->fd < 0)
		return;
	unregister(s);
	if (!s->reset && s->held) {
		/* A graceful end: the program reads EOF, not a reset.  What
		 * it wrote that nobody read still makes it a reset. */
		uint8_t b;
		if (recv(s->fd, &b, 1, MSG_DONTWAIT) == 1)
			s->held = false;
	}
	close(s->fd);
	s->fd = -1;
}

static void kick(wsock *s)
{
	if (s->port)
		host_kick(s->port->he);
}

/* Takes up to max new bytes of the channel into buf, leaving the last one
 * in the queue as the held byte.  Returns their count, 0 when nothing new
 * is there, or -1 with errno set. */
static ssize_t take(wsock *s, uint8_t *buf, size_t max)
{
	int q = 0;
	if (ioctl(s->fd, FIONREAD, &q) < 0)
		return -1;
	size_t fresh = q > 0 ? (size_t)q - (s->held ? 1 : 0) : 0;
	size_t n = fresh < max ? fresh : max;
	if (n == 0)
		return 0;
	/* One call consumes the held byte and n - 1 new ones; the n-th is
	 * peeked: it stays, passed on, as the next held byte. */
	uint8_t old;
	struct iovec iov[2] = {{&old, 1}, {buf, n - 1}};
	struct msghdr mh = {.msg_iov = s->held ? iov : iov + 1,
			    .msg_iovlen = s->held ? 2 : 1};
	size_t want = n - 1 + (s->held ? 1 : 0);
	if (want) {
		ssize_t r = recvmsg(s->fd, &mh, MSG_DONTWAIT);
		if (r < 0)
			return -1;
		if ((size_t)r != want) {
			errno = EIO; /* the kernel said it had them */
			return -1;
		}
	}
	if (recv(s->fd, buf + n - 1, 1, MSG_DONTWAIT | MSG_PEEK) != 1)
		return -1;
	s->held = true;
	return (ssize_t)n;
}

static void send_marker(wsock *s)
{
	esctp_sndinfo si = {.ppid = htonl(WSP_PPID_EOF)};
	int rc = esctp_assoc_send(s->a, &si, "", 1, host_now(s->d->h));
	if (rc == ESCTP_ERR_AGAIN)
		return; /* retried from sd_chan_pump */
	s->marker_due = false;
	kick(s);
}

void sd_chan_shutdown(wsock *s)
{
	if (s->shutdown_sent || !s->a)
		return;
	s->shutdown_sent = true;
	esctp_assoc_shutdown(s->a, host_now(s->d->h));
	kick(s);
}

/* The program closed every copy of its end (or shut down both ways): its
 * socket's owner decides (may free s). */
static void app_gone(wsock *s)
{
	s->d->chan_owner->app_gone(s);
}

/* EOF on the channel: a half-close, or the program is gone. */
static void app_eof(wsock *s)
{
	if (s->app_eof)
		return;
	s->app_eof = true;
	if (s->peer_ws && s->a && !s->shutdown_sent) {
		s->marker_due = true;
		send_marker(s);
	} else {
		sd_chan_shutdown(s);
	}
}

/* Nothing new to read: the program has shut its end, closed it, or just
 * not written yet.  Returns true when s was freed. */
static bool check_end(wsock *s)
{
	struct pollfd p = {.fd = s->fd, .events = POLLRDHUP};

	s->rd_ready = false;
	if (poll(&p, 1, 0) != 1)
		return false;
	if (p.revents & (POLLHUP | POLLERR)) {
		app_gone(s);
		return true;
	}
	if (p.revents & POLLRDHUP)
		app_eof(s);
	return false;
}

/* Whether the association still takes new messages. */
static bool can_send(const wsock *s)
{
	return s->a && !s->shutdown_sent &&
	       esctp_assoc_state(s->a) == ESCTP_ESTABLISHED;
}

/* What the program writes once nobody will read it: read to find its EOF
 * or hang-up.  Returns true when s was freed. */
static bool discard(wsock *s)
{
	for (int i = 0; i < READS_PER_EVENT; i++) {
		ssize_t n = take(s, s->d->rbuf, s->d->rbuf_len);
		if (n > 0)
			continue;
		return check_end(s);
	}
	kick(s);
	return false;
}

/* Program -> engine. */
static void chan_read(wsock *s)
{
	sctpd *d = s->d;

	if (!s->rd_ready || s->fd < 0 || s->state == WSP_ST_CONNECTING)
		return;
	if (s->state == WSP_ST_LISTEN || s->app_eof || !can_send(s)) {
		discard(s);
		return;
	}
	for (int i = 0; i < READS_PER_EVENT; i++) {
		size_t space = esctp_assoc_send_space(s->a);
		if (space < MIN_SEND_SPACE) {
			s->out_blocked = true;
			return;
		}
		size_t want = space < MAX_MESSAGE ? space : MAX_MESSAGE;
		ssize_t n = take(s, d->rbuf, want);
		if (n == 0) {
			check_end(s); /* may free s */
			return;
		}
		if (n < 0) {
			app_gone(s);
			return;
		}
		esctp_sndinfo si = {0};
		int rc = esctp_assoc_send(s->a, &si, d->rbuf, (size_t)n,
					  host_now(d->h));
		if (rc < 0) {
			sd_log(d, LOG_WARN_, "%s[%d]: %zd bytes dropped: %s",
			       s->comm, (int)s->pid, n, esctp_strerror(rc));
			return;
		}
		s->bytes_out += (uint64_t)n;
		s->msgs_out++;
		kick(s);
	}
	/* More may wait: the endpoint's top-up hook comes back for it. */
	kick(s);
}

/* Writes what the channel takes; keeps the rest in obuf.  Returns false
 * when the program can no longer read (EPIPE). */
static bool chan_write(wsock *s, const uint8_t *p, size_t len)
{
	ssize_t w = send(s->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (w < 0) {
		if (errno != EAGAIN && errno != EINTR)
			return false;
		w = 0;
	}
	if ((size_t)w == len)
		return true;
	size_t rest = len - (size_t)w;
	uint8_t *nb = realloc(s->obuf, rest);
	if (!nb)
		return false;
	memcpy(nb, p + w, rest);
	s->obuf = nb;
	s->olen = rest;
	s->ooff = 0;
	return true;
}

static bool flush_obuf(wsock *s)
{
	while (s->ooff < s->olen) {
		ssize_t w = send(s->fd, s->obuf + s->ooff, s->olen - s->ooff,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return true;
			return false;
		}
		s->ooff += (size_t)w;
	}
	free(s->obuf);
	s->obuf = NULL;
	s->olen = s->ooff = 0;
	return true;
}

/* The peer closed and the program has everything: what it writes from
 * now on fails with EPIPE, as after a TCP reset.  Our end then hangs up
 * for good, and the socket is kept a while for the program's questions
 * (sd_sweep). */
static void peer_closed(wsock *s)
{
	shutdown(s->fd, SHUT_RD);
	s->app_eof = true;
	unregister(s);
	s->d->chan_owner->done(s);
}

/* Engine -> program. */
static void deliver(wsock *s)
{
	sctpd *d = s->d;
	esctp_rcvinfo info;

	if (s->fd < 0) {
		/* Nobody reads any more: keep the window open. */
		while (s->a &&
		       esctp_assoc_recv(s->a, d->rbuf, d->rbuf_len, NULL) > 0)
			;
		return;
	}
	if (!flush_obuf(s)) {
		s->olen = s->ooff = 0;
		s->peer_eof = true; /* the program shut down its read side */
	}
	while (s->a && s->olen == 0) {
		int n = esctp_assoc_recv(s->a, d->rbuf, d->rbuf_len, &info);
		if (n == ESCTP_ERR_CLOSED) {
			s->peer_eof = true;
			break;
		}
		if (n < 0)
			break;
		if (s->peer_ws && info.ppid == htonl(WSP_PPID_EOF)) {
			s->peer_eof = true; /* the peer's in-band half-close */
			continue;
		}
		s->bytes_in += (uint64_t)n;
		if (info.flags & ESCTP_EOR)
			s->msgs_in++;
		if (!chan_write(s, d->rbuf, (size_t)n)) {
			s->peer_eof = true;
			break;
		}
		kick(s); /* the window reopens: SACK */
	}
	/* A reset is not an end of stream: shutting our end here would let
	 * the program read EOF before the close that turns its next read
	 * into ECONNRESET (sd_chan_close). */
	if (s->peer_eof && s->olen == 0 && !s->eof_to_app && !s->reset) {
		s->eof_to_app = true;
		shutdown(s->fd, SHUT_WR);
	}
	if (s->eof_to_app && s->peer_shutdown && !s->app_eof)
		peer_closed(s);
}

bool sd_chan_wants_pump(const wsock *s)
{
	/* Engine events pump their own socket; what the endpoint's top-up
	 * hook is for: send space that came back (a SACK), channel reads cut
	 * short to be fair, a half-close marker still to send, and pieces of
	 * a partly delivered message (which raise no event), or an EOF still
	 * to pass on. */
	return s->marker_due || s->out_blocked || (s->rd_ready && reading(s)) ||
	       (s->peer_eof && !s->eof_to_app) ||
	       (s->a && s->olen == 0 && esctp_assoc_recv_pending(s->a) > 0);
}

void sd_chan_pump(wsock *s)
{
	if (s->marker_due && s->a)
		send_marker(s);
	if (s->out_blocked && s->a &&
	    esctp_assoc_send_space(s->a) >= MIN_SEND_SPACE)
		s->out_blocked = false;
	if (s->state == WSP_ST_CONNECTING || s->fd < 0)
		return;
	deliver(s);
	/* A closed association takes nothing more from the program (and
	 * its caller still needs s). */
	if (s->state != WSP_ST_CLOSED && s->fd >= 0 && !s->out_blocked &&
	    s->registered)
		chan_read(s); /* may free s */
}

void sd_chan_event(loop *l, int fd, unsigned events, void *arg)
{
	wsock *s = arg;

	(void)l;
	(void)fd;
	if (events & LOOP_HANGUP) {
		/* The program closed its end, maybe right after writing:
		 * what it wrote is read first (chan_read ends at the
		 * hang-up). */
		s->hup = true;
		s->rd_ready = true;
		if (s->state == WSP_ST_CONNECTING ||
		    s->state == WSP_ST_LISTEN || s->state == WSP_ST_NEW ||
		    s->state == WSP_ST_BOUND)
			check_end(s);
		else if (!s->out_blocked)
			chan_read(s);
		return;
	}
	if (events & LOOP_WRITE) {
		if (s->state == WSP_ST_LISTEN)
			s->d->chan_owner->listener_writable(s);
		else if (s->olen)
			sd_chan_pump(s);
		if (s->fd < 0)
			return;
	}
	if (events & LOOP_READ) {
		s->rd_ready = true;
		if (s->state == WSP_ST_LISTEN || s->state == WSP_ST_NEW ||
		    s->state == WSP_ST_BOUND)
			check_end(s);
		else if (!s->out_blocked)
			chan_read(s);
	}
}

/* Drops the connect filler (DESIGN.md §3): the app end becomes writable. */
static void drop_filler(wsock *s)
{
	while (s->filler > 0 && s->fd >= 0) {
		size_t want =
		    s->filler < s->d->rbuf_len ? s->filler : s->d->rbuf_len;
		ssize_t n = take(s, s->d->rbuf, want);
		if (n <= 0)
			break;
		s->filler -= (size_t)n;
	}
	s->filler = 0;
}

void sd_chan_up(wsock *s)
{
	drop_filler(s);
	s->sndbuf_restore = true;
	s->rd_ready = true;
	sd_chan_pump(s);
}

void sd_chan_failed(wsock *s)
{
	/* The order matters: EOF first (the shim reads "writable and nothing
	 * else" as success, and a program polling for POLLOUT alone is not
	 * woken by it), then writable, then the write side shut.  The
	 * channel then hangs up for good, so it leaves the loop. */
	shutdown(s->fd, SHUT_WR);
	s->eof_to_app = true;
	drop_filler(s);
	shutdown(s->fd, SHUT_RD);
	unregister(s);
}

void sd_chan_peer_eof(wsock *s)
{
	s->peer_eof = true;
	sd_chan_pump(s);
}
