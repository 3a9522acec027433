/*
 * sctpd_chan.c - the data path of a converted TCP socket: bytes the program
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
 * shows as hang-up and becomes SHUTDOWN (ABORT with SO_LINGER {1, 0}).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sctpd.h"

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

void sd_chan_interest(wsock *s)
{
	if (s->fd < 0 || s->reap_at)
		return; /* closed, or shut for good after a failed connect */
	unsigned m = 0;
	if (reading(s) && !s->out_blocked)
		m |= LOOP_READ;
	if (s->olen > s->ooff)
		m |= LOOP_WRITE;
	/* A hung-up fd is reported at every wait: while its last bytes
	 * wait for send space, take it out of the loop. */
	if (s->hup && !(m & LOOP_READ)) {
		if (s->registered)
			loop_fd_del(s->d->l, s->fd);
		s->registered = false;
		s->mask = m;
		return;
	}
	if (m != s->mask || !s->registered) {
		if (loop_fd_set(s->d->l, s->fd, m, sd_chan_event, s) == 0) {
			s->mask = m;
			s->registered = true;
		}
	}
}

void sd_chan_close(wsock *s)
{
	if (s->fd < 0)
		return;
	if (s->registered)
		loop_fd_del(s->d->l, s->fd);
	s->registered = false;
	close(s->fd);
	s->fd = -1;
	s->mask = 0;
}

static void kick(wsock *s)
{
	if (s->port)
		host_kick(s->port->he);
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

static void start_shutdown(wsock *s)
{
	if (s->shutdown_sent || !s->a)
		return;
	s->shutdown_sent = true;
	esctp_assoc_shutdown(s->a, host_now(s->d->h));
	kick(s);
}

/* The program closed every copy of its end (or shut down both ways). */
static void app_gone(wsock *s)
{
	int err = 0;
	socklen_t el = sizeof(err);
	bool unread = getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 &&
		      err == ECONNRESET;

	s->app_gone = true;
	sd_chan_close(s);
	free(s->obuf);
	s->obuf = NULL;
	s->olen = s->ooff = 0;
	if (!s->a || s->state == WSP_ST_CLOSED || s->state == WSP_ST_LISTEN ||
	    s->state == WSP_ST_NEW || s->state == WSP_ST_BOUND) {
		sd_sock_free(s);
		return;
	}
	/* Like TCP's RST: SO_LINGER {1, 0}, or a close with data the
	 * program never read (the kernel then flags our end ECONNRESET). */
	if (s->linger0 || unread) {
		esctp_assoc_abort(s->a,
				  s->linger0 ? "SO_LINGER 0"
					     : "closed with unread data",
				  host_now(s->d->h));
		kick(s);
		sd_sock_free(s);
		return;
	}
	s->state = WSP_ST_CLOSING;
	start_shutdown(s);
}

/* True (and s freed or closed) when the program is gone: a stream socket
 * reports POLLHUP once both directions are shut. */
static bool check_gone(wsock *s)
{
	struct pollfd p = {.fd = s->fd, .events = POLLRDHUP};

	if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR))) {
		app_gone(s);
		return true;
	}
	return false;
}

/* EOF on the channel: a half-close, or the program is gone. */
static void app_eof(wsock *s)
{
	if (check_gone(s) || s->app_eof)
		return;
	s->app_eof = true;
	if (s->peer_ws && s->a) {
		s->marker_due = true;
		send_marker(s);
	} else {
		start_shutdown(s);
	}
	sd_chan_interest(s);
}

/* Whether the association still takes new messages. */
static bool can_send(const wsock *s)
{
	return s->a && !s->shutdown_sent &&
	       esctp_assoc_state(s->a) == ESCTP_ESTABLISHED;
}

/* Program -> engine. */
static void chan_read(wsock *s)
{
	sctpd *d = s->d;

	if (!can_send(s)) {
		/* The peer shut down: nobody will read what the program
		 * still writes; read it to see EOF or the hang-up. */
		for (int i = 0; i < READS_PER_EVENT; i++) {
			ssize_t n =
			    recv(s->fd, d->rbuf, d->rbuf_len, MSG_DONTWAIT);
			if (n == 0) {
				app_eof(s); /* may free s */
				return;
			}
			if (n < 0)
				break;
		}
		sd_chan_interest(s);
		return;
	}
	for (int i = 0; i < READS_PER_EVENT && s->a; i++) {
		size_t space = esctp_assoc_send_space(s->a);
		if (space < MIN_SEND_SPACE) {
			s->out_blocked = true;
			break;
		}
		size_t want = space < MAX_MESSAGE ? space : MAX_MESSAGE;
		ssize_t n = recv(s->fd, d->rbuf, want, MSG_DONTWAIT);
		if (n == 0) {
			app_eof(s); /* may free s */
			return;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			app_gone(s);
			return;
		}
		esctp_sndinfo si = {0};
		int rc = esctp_assoc_send(s->a, &si, d->rbuf, (size_t)n,
					  host_now(d->h));
		if (rc < 0) {
			sd_log(d, LOG_WARN_, "%s[%d]: %zd bytes dropped: %s",
			       s->comm, (int)s->pid, n, esctp_strerror(rc));
			break;
		}
		s->bytes_out += (uint64_t)n;
		s->msgs_out++;
		kick(s);
	}
	sd_chan_interest(s);
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
	if (s->peer_eof && s->olen == 0 && !s->eof_to_app) {
		s->eof_to_app = true;
		shutdown(s->fd, SHUT_WR);
	}
	if (s->eof_to_app && s->peer_shutdown && !s->app_eof) {
		/* The peer closed: what the program writes from now on
		 * fails with EPIPE, as after a TCP reset.  Our end then
		 * hangs up for good: out of the loop, and the socket is
		 * kept a while for the program's questions (sd_sweep). */
		shutdown(s->fd, SHUT_RD);
		s->app_eof = true;
		if (s->registered)
			loop_fd_del(s->d->l, s->fd);
		s->registered = false;
		sd_reap_at(s, host_now(s->d->h) + SD_ZOMBIE_DELAY);
	}
}

bool sd_chan_wants_pump(const wsock *s)
{
	/* Engine events pump their own socket; what the endpoint's top-up
	 * hook is for: send space that came back (a SACK), a half-close
	 * marker still to send, and pieces of a partly delivered message
	 * (which raise no event), or an EOF still to pass on. */
	return s->marker_due || s->out_blocked ||
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
	if (s->state != WSP_ST_CONNECTING)
		deliver(s);
	sd_chan_interest(s);
}

void sd_chan_event(loop *l, int fd, unsigned events, void *arg)
{
	wsock *s = arg;

	(void)l;
	(void)fd;
	if (events & LOOP_HANGUP) {
		/* The program closed its end, maybe right after writing:
		 * what it wrote is read first (chan_read ends at EOF and
		 * finds the hang-up there). */
		s->hup = true;
		if (reading(s) && !s->out_blocked)
			chan_read(s);
		else if (!reading(s))
			check_gone(s);
		else
			sd_chan_interest(s);
		return;
	}
	if ((events & LOOP_WRITE) && (s->mask & LOOP_WRITE)) {
		sd_chan_pump(s);
		if (s->fd < 0)
			return;
	}
	if ((events & LOOP_READ) && (s->mask & LOOP_READ))
		chan_read(s);
}

void sd_chan_release_filler(wsock *s)
{
	if (s->appdup < 0)
		return;
	if (s->app_sndbuf > 0) {
		int v = s->app_sndbuf / 2; /* Linux doubles what is set */
		if (setsockopt(s->appdup, SOL_SOCKET, SO_SNDBUFFORCE, &v,
			       sizeof(v)) < 0)
			setsockopt(s->appdup, SOL_SOCKET, SO_SNDBUF, &v,
				   sizeof(v));
	}
	while (s->filler > 0 && s->fd >= 0) {
		size_t want =
		    s->filler < s->d->rbuf_len ? s->filler : s->d->rbuf_len;
		ssize_t n = recv(s->fd, s->d->rbuf, want, MSG_DONTWAIT);
		if (n <= 0)
			break;
		s->filler -= (size_t)n;
	}
	s->filler = 0;
	close(s->appdup);
	s->appdup = -1;
}

void sd_chan_up(wsock *s)
{
	sd_chan_release_filler(s);
	sd_chan_pump(s);
}

void sd_chan_peer_eof(wsock *s)
{
	s->peer_eof = true;
	sd_chan_pump(s);
}
