/*
 * nchan.c - the channel of a native SCTP socket: wsp_msg datagrams on an
 * AF_UNIX SOCK_SEQPACKET pair (wsproto.h).  The program's messages arrive
 * in pieces and leave as SCTP user messages once whole; received messages
 * and notifications are written back one piece per datagram.
 *
 * Backpressure runs both ways, as on the converted channel (chan.c): a
 * message the association has no send space for stops the reading of the
 * channel (the program's sends block once the channel is full), and a full
 * channel stops the reading of the engines (their receive windows close).
 *
 * Order, as Linux's sctp_ulpq_tail_event() queues events: once the first
 * piece of a message is in the channel, its other pieces follow before
 * the association's notifications.  With SCTP_FRAGMENT_INTERLEAVE 0 (the
 * default) nothing else comes between them either: while the rest of a
 * partly delivered message is still on its way, the other associations
 * wait (Linux's pd_lobby).  With 1 (Linux stores any non-zero value as 1:
 * without I-DATA there is no interleaving within an association) the
 * other associations go on meanwhile, a whole message still written at
 * once when it is there, and the program tells the pieces apart by their
 * association.  An association's notifications keep their place among
 * its data: COMM_UP before the first message (DATA may come bundled with
 * the COOKIE ECHO), the end of the association (SHUTDOWN_EVENT,
 * SHUTDOWN_COMP, COMM_LOST) after the last.
 *
 * The channel is watched edge-triggered: rd_ready and out_blocked remember
 * what the last events said.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "native.h"
#include "port.h"
#include "sctpd.h"
#include "sock.h"

/* Datagrams read or written per wake-up, so one busy socket cannot starve
 * the others; a socket cut short comes back through its association
 * (esctp_endpoint_next_touched) or the next event. */
#define BUDGET 64
/* The largest message assembled from the program's pieces: the largest
 * send buffer a program can ask for (SO_SNDBUF is doubled, wmem_max is 4
 * MiB here) with room to spare; the shim refuses larger ones (EMSGSIZE). */
#define MAX_MESSAGE (64u << 20)

/* One datagram built here (the daemon is single-threaded). */
static uint8_t piece[sizeof(wsp_msg) + WSP_PIECE_MAX];

/* The pump of s stopped at its budget with work left: no event may come
 * for it (the channel is edge-triggered), so it runs again at once. */
static void again(wsock *s)
{
	sctpd *d = s->d;
	if (s->again)
		return;
	if (d->nagain == d->again_cap) {
		size_t cap = d->again_cap ? d->again_cap * 2 : 64;
		uint64_t *a = realloc(d->again, cap * sizeof(*a));
		if (!a)
			return;
		d->again = a;
		d->again_cap = cap;
	}
	d->again[d->nagain++] = s->cookie;
	s->again = true;
	if (!loop_timer_armed(&d->again_t))
		loop_timer_set(d->l, &d->again_t, host_now(d->h));
}

void sd_nchan_run_again(sctpd *d)
{
	size_t n = d->nagain;
	uint64_t *list = d->again;
	d->again = NULL;
	d->nagain = d->again_cap = 0;
	for (size_t i = 0; i < n; i++) {
		/* By cookie: a socket freed meanwhile is not found. */
		wsock *s = sd_sock_find(d, list[i]);
		if (!s)
			continue;
		s->again = false;
		sd_nchan_pump(s);
	}
	free(list);
}

int sd_nchan_open(wsock *s)
{
	if (loop_fd_set(s->d->l, s->fd, LOOP_READ | LOOP_WRITE | LOOP_EDGE,
			sd_nchan_event, s) < 0)
		return -1;
	s->registered = true;
	s->rd_ready = true;
	return 0;
}

void sd_nchan_close(wsock *s)
{
	if (s->fd < 0)
		return;
	if (s->registered)
		loop_fd_del(s->d->l, s->fd);
	s->registered = false;
	close(s->fd);
	s->fd = -1;
}

void sd_nchan_finish(wsock *s)
{
	if (s->fd < 0 || s->eof_to_app)
		return;
	s->eof_to_app = true;
	if (s->connect_failed) {
		/* Closed with the connect filler unread: the kernel sets
		 * ECONNRESET on the program's end, which polls POLLERR and
		 * POLLHUP (as a refused SCTP connect does) and is writable
		 * again; SO_ERROR still comes from us (the socket stays for
		 * the reap delay). */
		sd_nchan_close(s);
		return;
	}
	/* The program reads what is queued, then EOF; its sends fail with
	 * EPIPE (Linux unix_dgram_sendmsg: the peer's RCV_SHUTDOWN).  Both
	 * shut, our end hangs up for good: it leaves the loop, and the
	 * socket waits for the program's last questions (the reap). */
	shutdown(s->fd, SHUT_WR);
	shutdown(s->fd, SHUT_RD);
	if (s->registered)
		loop_fd_del(s->d->l, s->fd);
	s->registered = false;
}

/* ---- program -> engine ---- */

static bool grow(nsock *n, size_t need)
{
	if (need <= n->in_cap)
		return true;
	size_t cap = n->in_cap ? n->in_cap : WSP_PIECE_MAX;
	while (cap < need)
		cap *= 2;
	uint8_t *b = realloc(n->in_buf, cap);
	if (!b)
		return false;
	n->in_buf = b;
	n->in_cap = cap;
	return true;
}

/* Sends the assembled message; false while it waits for send space. */
static bool dispatch(wsock *s)
{
	nsock *n = s->nat;
	if (s->d->nchan_owner->send(s, &n->in_h, n->in_buf, n->in_len) ==
	    EAGAIN)
		return false;
	n->in_len = 0;
	n->in_ready = false;
	n->in_started = false;
	return true;
}

/* The program shut its end for writing (0 from recv, no hang-up yet) or
 * closed it (hang-up). */
static void app_eof(wsock *s)
{
	s->rd_ready = false;
	if (s->hup) {
		s->d->nchan_owner->app_gone(s);
		return;
	}
	if (!s->app_eof) {
		s->app_eof = true;
		s->d->nchan_owner->app_eof(s);
	}
}

/* A datagram the program handed back after a peeloff (piece: its
 * payload): queued to be written again ahead of anything new; the last
 * one (FILLER, no payload) lets the output go on. */
static void redeliver(wsock *s, const wsp_msg *h, size_t len)
{
	nsock *n = s->nat;
	if (h->flags & WSP_MF_FILLER) {
		n->hold = false;
		return;
	}
	nrec *r = malloc(sizeof(*r) + len);
	if (!r)
		return; /* lost; memory is short */
	memset(r, 0, sizeof(*r));
	r->h = *h;
	r->h.flags &= ~(uint32_t)WSP_MF_REDELIVER;
	r->len = (uint32_t)len;
	memcpy(r->data, piece, len);
	if (n->redo_tail)
		n->redo_tail->next = r;
	else
		n->redo_head = r;
	n->redo_tail = r;
}

/* false: s was freed. */
static bool pump_in(wsock *s)
{
	nsock *n = s->nat;
	/* A connecting one-to-one socket: the filler keeps the program's
	 * end unwritable until the outcome. */
	/* A one-to-one socket not connected yet (new, bound, listening,
	 * connecting) or whose connect failed: the filler keeps the
	 * program's end unwritable (Linux sctp_poll(): no POLLOUT before
	 * the association is up). */
	if (s->kind == WSP_K_SCTP_STREAM &&
	    (s->state == WSP_ST_NEW || s->state == WSP_ST_BOUND ||
	     s->state == WSP_ST_LISTEN || s->state == WSP_ST_CONNECTING ||
	     s->connect_failed)) {
		/* ... unless the program is gone: nothing but filler is
		 * there to read. */
		if (!s->hup)
			return true;
		s->d->nchan_owner->app_gone(s);
		return false;
	}
	for (int i = 0; i < BUDGET; i++) {
		if (n->in_ready && !dispatch(s))
			return true;
		if (!s->rd_ready || s->fd < 0)
			return true;
		wsp_msg h;
		struct iovec iov[2] = {{&h, sizeof(h)},
				       {piece, WSP_PIECE_MAX}};
		struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
		ssize_t r = recvmsg(s->fd, &mh, MSG_DONTWAIT);
		if (r < 0) {
			/* ECONNRESET: the program closed its end with data
			 * unread (Linux unix_release_sock()); reading it
			 * cleared SO_ERROR, so it is remembered. */
			if (errno == ECONNRESET) {
				/* ... and comes first: Linux
				 * __skb_try_recv_datagram() reports sk_err
				 * before the datagrams still queued. */
				s->app_unread = true;
				continue;
			}
			s->rd_ready = errno == EINTR;
			if (!s->rd_ready && s->hup) {
				app_eof(s);
				return false;
			}
			return true;
		}
		if (r == 0) {
			bool gone = s->hup;
			app_eof(s);
			return !gone;
		}
		if ((size_t)r < sizeof(h))
			continue;
		if (h.flags & WSP_MF_REDELIVER) {
			redeliver(s, &h, (size_t)r - sizeof(h));
			continue;
		}
		if (h.flags & WSP_MF_FILLER)
			continue;
		size_t len = (size_t)r - sizeof(h);
		if (!n->in_started) {
			n->in_h = h;
			n->in_started = true;
			n->in_len = 0;
		}
		if (n->in_len + len > MAX_MESSAGE || !grow(n, n->in_len + len)) {
			sd_log(s->d, LOG_WARN_,
			       "%s[%d]: message over %u bytes dropped", s->comm,
			       (int)s->pid, MAX_MESSAGE);
			n->in_started = false;
			n->in_len = 0;
			continue;
		}
		if (len) /* an empty SCTP_EOF or SCTP_ABORT may be first */
			memcpy(n->in_buf + n->in_len, piece, len);
		n->in_len += len;
		if (h.flags & WSP_MF_EOR)
			n->in_ready = true;
	}
	again(s);
	return true;
}

/* ---- engine -> program ---- */

/* Sends one datagram, keeping count of what the program has not read. */
static ssize_t send_dgram(wsock *s, const void *buf, size_t len, bool data)
{
	nsock *n = s->nat;
	int q0 = sd_unread_outq(s->fd);
	ssize_t w = send(s->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (w == (ssize_t)len)
		sd_unread_sent(&n->unread, s->fd, q0, data);
	return w;
}

/* Writes one datagram of len bytes from piece; false when the channel is
 * full (then it waits in the stage). */
static bool put(wsock *s, size_t len, bool data)
{
	nsock *n = s->nat;
	ssize_t w = send_dgram(s, piece, len, data);
	if (w == (ssize_t)len)
		return true;
	if (w < 0 && errno != EAGAIN && errno != ENOBUFS) {
		/* The program is gone (EPIPE); the hang-up event follows. */
		return true;
	}
	uint8_t *b = n->stage ? n->stage : malloc(sizeof(piece));
	if (!b)
		return true; /* lost; memory is short */
	n->stage = b;
	memcpy(b, piece, len);
	n->stage_len = len;
	n->stage_data = data;
	s->out_blocked = true;
	return false;
}

static bool flush_stage(wsock *s)
{
	nsock *n = s->nat;
	if (!n->stage_len)
		return true;
	ssize_t w = send_dgram(s, n->stage, n->stage_len, n->stage_data);
	if (w < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
		s->out_blocked = true;
		return false;
	}
	n->stage_len = 0;
	return true;
}

/* Writes the datagrams handed back at a peeloff; false while the
 * channel is full. */
static bool flush_redo(wsock *s)
{
	nsock *n = s->nat;
	while (n->redo_head && s->fd >= 0) {
		nrec *r = n->redo_head;
		memcpy(piece, &r->h, sizeof(r->h));
		memcpy(piece + sizeof(r->h), r->data, r->len);
		size_t len = sizeof(r->h) + r->len;
		ssize_t w =
		    send_dgram(s, piece, len, !(r->h.flags & WSP_MF_NOTIFY));
		if (w < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
			s->out_blocked = true;
			return false;
		}
		n->redo_head = r->next;
		if (!n->redo_head)
			n->redo_tail = NULL;
		free(r);
	}
	return true;
}

static void put_header(wsock *s, nassoc *na, wsp_msg *h)
{
	h->seq = ++s->nat->seq;
	h->assoc = na->id;
	/* Linux decides the form at read time (sctp_inet6_skb_msgname),
	 * by SCTP_I_WANT_MAPPED_V4_ADDR as it is then: here, when the
	 * datagram is written. */
	if (na->peer_e.family)
		sd_native_addr(s, &na->peer_e, na->peer_port, &h->addr);
	else
		h->addr = na->peer;
	memcpy(piece, h, sizeof(*h));
}

static bool write_record(wsock *s, nassoc *na)
{
	nrec *r = na->rq_head;
	na->rq_head = r->next;
	if (!na->rq_head)
		na->rq_tail = NULL;
	wsp_msg h = r->h;
	put_header(s, na, &h);
	uint32_t len = r->len;
	memcpy(piece + sizeof(h), r->data, len);
	free(r);
	return put(s, sizeof(h) + len, false);
}

static bool data_pending(const nassoc *na)
{
	return na->a && esctp_assoc_recv_pending(na->a) > 0;
}

static bool write_data(wsock *s, nassoc *na)
{
	nsock *n = s->nat;
	esctp_rcvinfo ri;
	int got = esctp_assoc_recv(na->a, piece + sizeof(wsp_msg),
				   WSP_PIECE_MAX, &ri);
	if (got < 0)
		return true;
	/* The window reopens: the engine's window update (SACK) leaves at
	 * the endpoint's next output, which a kick brings before the loop
	 * sleeps; without it the peer waits for its zero-window probe. */
	if (s->port)
		host_kick(s->port->he);
	else if (na->s->port)
		host_kick(na->s->port->he);
	bool eor = (ri.flags & ESCTP_EOR) != 0;
	/* Without EOR, more of this message readable now: its rest is
	 * here, the piece was cut at WSP_PIECE_MAX. */
	bool more = !eor && data_pending(na);
	wsp_msg h = {
	    .flags = (eor ? WSP_MF_EOR : 0) | (more ? WSP_MF_MORE : 0) |
		     ((n->subscribe & 1) ? WSP_MF_SNDRCV : 0) |
		     (n->recvrcvinfo ? WSP_MF_RCVINFO : 0) |
		     (n->recvnxtinfo ? WSP_MF_NXTINFO : 0),
	    .stream = ri.stream,
	    .ssn = ri.ssn,
	    .sflags = (ri.flags & ESCTP_UNORDERED) ? SCTP_UNORDERED : 0,
	    .ppid = ri.ppid,
	    .context = (uint32_t)n->context,
	    .tsn = ri.tsn,
	    .cumtsn = ri.cumtsn,
	};
	put_header(s, na, &h);
	na->mid = !eor;
	n->rd_cur = eor ? NULL : na;
	s->bytes_in += (uint64_t)got;
	if (eor)
		s->msgs_in++;
	return put(s, sizeof(h) + (size_t)got, true);
}

/* What na can put in the channel now: 1 a record, 2 data, 3 it is over
 * and drained, 0 nothing. */
static int next_of(const nassoc *na)
{
	bool data = data_pending(na);
	/* Once the association ended, nothing more of it can come. */
	if (na->mid && (data || na->state != WSP_ST_CLOSED))
		return data ? 2 : 0;
	if (na->rq_head && (!na->rq_head->after_data || !data))
		return 1;
	if (data)
		return 2;
	if (na->state == WSP_ST_CLOSED && !na->rq_head && !na->drained)
		return 3;
	return 0;
}

static nassoc *pick(wsock *s, int *what)
{
	nsock *n = s->nat;
	nassoc *cur = n->rd_cur;
	*what = 0;
	if (cur && data_pending(cur)) {
		*what = 2;
		return cur;
	}
	if (cur && cur->state == WSP_ST_CLOSED)
		sd_nchan_message_over(cur);
	else if (cur && !n->frag_interleave)
		return NULL;
	nassoc *start = n->rr ? n->rr : n->assocs;
	for (nassoc *na = start; na; na = na->next)
		if ((*what = next_of(na)) != 0)
			return na;
	for (nassoc *na = n->assocs; na && na != start; na = na->next)
		if ((*what = next_of(na)) != 0)
			return na;
	return NULL;
}

static void pump_out(wsock *s)
{
	nsock *n = s->nat;
	if (s->state == WSP_ST_LISTEN && s->kind == WSP_K_SCTP_STREAM) {
		sd_port_flush_accepts(s);
		return;
	}
	/* Handed back at a peeloff: first, as they were (they were in the
	 * channel before anything staged since). */
	if (!flush_redo(s) || n->hold || !flush_stage(s))
		return;
	for (int i = 0; i < BUDGET && s->fd >= 0; i++) {
		int what;
		nassoc *na = pick(s, &what);
		if (!na)
			return;
		n->rr = na->next;
		bool ok = true;
		if (what == 1)
			ok = write_record(s, na);
		else if (what == 2)
			ok = write_data(s, na);
		else {
			na->drained = true;
			s->d->nchan_owner->drained(na); /* may free na */
		}
		if (!ok)
			return;
	}
	again(s);
}

bool sd_nchan_take_input(wsock *s)
{
	if (s->fd < 0 || !s->nat)
		return true;
	s->rd_ready = true; /* its event may not have been handled yet */
	return pump_in(s);
}

void sd_nchan_pump(wsock *s)
{
	if (s->fd < 0 || !s->nat)
		return;
	if (!pump_in(s))
		return;
	if (s->fd >= 0)
		pump_out(s);
}

void sd_nchan_event(loop *l, int fd, unsigned events, void *arg)
{
	wsock *s = arg;

	(void)l;
	(void)fd;
	if (events & LOOP_READ)
		s->rd_ready = true;
	if (events & LOOP_WRITE)
		s->out_blocked = false;
	if (events & LOOP_HANGUP) {
		s->hup = true;
		s->rd_ready = true;
	} else if (s->nat && s->nat->unread.len) {
		/* The program read (our end became writable): forget what it
		 * took.  Not after a hang-up: its queue is gone then. */
		sd_unread_sample(&s->nat->unread, s->fd);
	}
	sd_nchan_pump(s);
}

void sd_nchan_notify(nassoc *na, const void *payload, uint32_t len,
		     bool after_data)
{
	if (len > WSP_PIECE_MAX)
		len = WSP_PIECE_MAX;
	nrec *r = malloc(sizeof(*r) + len);
	if (!r)
		return;
	memset(r, 0, sizeof(*r));
	r->after_data = after_data;
	r->len = len;
	r->h.flags = WSP_MF_NOTIFY | WSP_MF_EOR;
	memcpy(r->data, payload, len);
	if (na->rq_tail)
		na->rq_tail->next = r;
	else
		na->rq_head = r;
	na->rq_tail = r;
}

void sd_nchan_message_over(nassoc *na)
{
	na->mid = false;
	if (na->s && na->s->nat && na->s->nat->rd_cur == na)
		na->s->nat->rd_cur = NULL;
}

void sd_nchan_forget(nassoc *na)
{
	while (na->rq_head) {
		nrec *r = na->rq_head;
		na->rq_head = r->next;
		free(r);
	}
	na->rq_tail = NULL;
	if (na->s && na->s->nat && na->s->nat->rd_cur == na)
		na->s->nat->rd_cur = NULL;
}
