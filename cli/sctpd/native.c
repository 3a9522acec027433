/*
 * native.c - native SCTP sockets: their associations' table and lives
 * (init and free, link and unlink, find), their endings and the engine's
 * events, the listing and AUTOCLOSE (native.h).  native_conn.c starts and
 * moves associations (connect, implicit setup, accept, peeloff);
 * native_send.c sends the program's messages.
 *
 * The reference is the Linux kernel's SCTP (net/sctp/socket.c): a
 * one-to-one socket holds at most one association and reads EOF when it
 * ends; a one-to-many socket holds any number, takes new ones by listen()
 * and by sends to new addresses (implicit association), and reports their
 * lives as notifications; a peeled-off socket holds one association taken
 * from a one-to-many socket.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "ends.h"
#include "log.h"
#include "native.h"
#include "port.h"
#include "sctpd.h"
#include "sock.h"

/* The kernel's defaults (net/sctp/protocol.c, socket.c sctp_init_sock). */
#define DEFAULT_OUTSTREAMS 10
#define DEFAULT_INSTREAMS 65535

/* Association ids: as the kernel's idr, above SCTP_ALL_ASSOC (2), unique
 * in the daemon. */
static int32_t new_assoc_id(sctpd *d)
{
	if (d->next_assoc_id <= SCTP_ALL_ASSOC)
		d->next_assoc_id = SCTP_ALL_ASSOC + 1;
	return d->next_assoc_id++;
}

void sd_native_kick(wsock *s)
{
	if (s->port)
		host_kick(s->port->he);
}

int sd_native_init(wsock *s, int kind)
{
	nsock *n = calloc(1, sizeof(*n));
	if (!n)
		return ENOMEM;
	s->nat = n;
	s->kind = kind;
	n->mapped_v4 = true;
	n->initmsg.sinit_num_ostreams = DEFAULT_OUTSTREAMS;
	n->initmsg.sinit_max_instreams = DEFAULT_INSTREAMS;
	n->initmsg.sinit_max_attempts =
	    s->params.max_init_retrans ? (uint16_t)s->params.max_init_retrans
				       : 8;
	n->initmsg.sinit_max_init_timeo =
	    s->params.rto_max ? (uint16_t)s->params.rto_max : 60000;
	s->params.out_streams = DEFAULT_OUTSTREAMS;
	s->params.max_in_streams = DEFAULT_INSTREAMS;
	n->max_burst = 4;
	n->sack_delay = 200;
	n->sack_freq = 2;
	n->prsctp = true;
	n->pf_retrans = 0xffff; /* the engine's default: no PF state */
	/* sctp(7): heartbeats every 30 s unless the configuration says. */
	if (!s->params.hb_interval)
		s->params.hb_interval = 30000;
	return 0;
}

static void assoc_unlink(nassoc *na)
{
	nsock *n = na->s->nat;
	if (na->prev)
		na->prev->next = na->next;
	else
		n->assocs = na->next;
	if (na->next)
		na->next->prev = na->prev;
	na->next = na->prev = NULL;
	n->nassocs--;
	if (n->rd_cur == na)
		n->rd_cur = NULL;
	if (n->rr == na)
		n->rr = NULL;
}

static void assoc_link(wsock *s, nassoc *na)
{
	nsock *n = s->nat;
	na->s = s;
	na->prev = NULL;
	na->next = n->assocs;
	if (n->assocs)
		n->assocs->prev = na;
	n->assocs = na;
	n->nassocs++;
}

void sd_native_assoc_move(nassoc *na, wsock *to)
{
	assoc_unlink(na);
	assoc_link(to, na);
}

static void close_wait(nassoc *na)
{
	if (na->waitfd >= 0)
		close(na->waitfd);
	na->waitfd = -1;
}

void sd_native_assoc_free(nassoc *na)
{
	sd_nchan_forget(na);
	close_wait(na);
	if (na->a) {
		esctp_assoc_set_user(na->a, NULL);
		esctp_assoc_free(na->a);
		na->a = NULL;
		sd_native_kick(na->s);
	}
	assoc_unlink(na);
	free(na);
}

void sd_native_free(wsock *s)
{
	nsock *n = s->nat;
	if (!n)
		return;
	while (n->assocs)
		sd_native_assoc_free(n->assocs);
	while (n->redo_head) {
		nrec *r = n->redo_head;
		n->redo_head = r->next;
		free(r);
	}
	free(n->stage);
	sd_unread_free(&n->unread);
	free(n->in_buf);
	free(n->rbuf);
	free(n);
	s->nat = NULL;
}

static void assoc_events(host_handler *self, host_ep *e,
			 const esctp_event *ev);

nassoc *sd_native_assoc_new(wsock *s, esctp_assoc *a)
{
	nassoc *na = calloc(1, sizeof(*na));
	if (!na)
		return NULL;
	na->hd.on_event = assoc_events;
	na->tag = SD_USER_NASSOC;
	na->a = a;
	na->id = new_assoc_id(s->d);
	na->waitfd = -1;
	na->hb_interval = s->params.hb_interval;
	na->strreset = s->nat->strreset;
	na->pf_expose = s->nat->pf_expose;
	na->last_use = host_now(s->d->h);
	if (s->nat->pd_point)
		esctp_assoc_set_pd_point(a, s->nat->pd_point);
	/* sctp_association_init(): asoc->user_frag = sp->user_frag. */
	esctp_assoc_set_maxseg(a, s->nat->maxseg);
	esctp_assoc_set_user(a, na);
	assoc_link(s, na);
	return na;
}

nassoc *sd_native_find(wsock *s, int32_t id)
{
	if (!s->nat)
		return NULL;
	if (s->kind != WSP_K_SCTP_SEQPACKET)
		return s->nat->assocs;
	for (nassoc *na = s->nat->assocs; na; na = na->next)
		if (na->id == id)
			return na;
	return NULL;
}

void sd_native_addr(const wsock *s, const esctp_addr *ea, uint16_t port,
		    wsp_addr *out)
{
	int fam = s->family;
	if (fam == AF_INET6 && ea->family == ESCTP_AF_INET &&
	    !s->nat->mapped_v4)
		fam = AF_INET;
	sd_addr_from_esctp(ea, port, fam, out);
}

static bool same_ip(const wsp_addr *a, const wsp_addr *b)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0,
					   0, 0, 0, 0, 0xff, 0xff};
	const uint8_t *ia = a->ip, *ib = b->ip;
	/* Compare as IPv4 when either is v4-mapped. */
	if (a->family == AF_INET6 && !memcmp(a->ip, mapped, 12))
		ia = a->ip + 12;
	if (b->family == AF_INET6 && !memcmp(b->ip, mapped, 12))
		ib = b->ip + 12;
	bool a4 = ia != a->ip || a->family == AF_INET;
	bool b4 = ib != b->ip || b->family == AF_INET;
	if (a4 != b4)
		return false;
	return !memcmp(ia, ib, a4 ? 4 : 16);
}

nassoc *sd_native_find_addr(wsock *s, const wsp_addr *addr)
{
	for (nassoc *na = s->nat->assocs; na; na = na->next) {
		if (!na->a || na->state == WSP_ST_CLOSED)
			continue;
		esctp_status st;
		esctp_assoc_status(na->a, &st);
		if (st.peer_port != addr->port)
			continue;
		for (uint32_t i = 0; i < st.npaths && i < 8; i++) {
			wsp_addr w;
			sd_addr_from_esctp(&st.paths[i].addr, st.peer_port,
					   AF_INET6, &w);
			if (same_ip(&w, addr))
				return na;
		}
	}
	return NULL;
}

/* Streams and addresses once the association is up. */
void sd_native_assoc_fill(nassoc *na)
{
	wsock *s = na->s;
	esctp_status st;
	esctp_assoc_status(na->a, &st);
	na->in_streams = st.in_streams;
	na->out_streams = st.out_streams;
	for (uint32_t i = 0; i < st.npaths && i < 8; i++)
		if (st.paths[i].primary || i == 0) {
			sd_native_addr(s, &st.paths[i].addr, st.peer_port,
				       &na->peer);
			na->peer_e = st.paths[i].addr;
			na->peer_port = st.peer_port;
		}
	if (s->kind != WSP_K_SCTP_SEQPACKET) {
		s->peer = na->peer;
		if (st.local_addr.family)
			sd_native_addr(s, &st.local_addr, s->port->port,
				       &s->local);
	}
}

/* ---- ending ---- */

void sd_native_shutdown(nassoc *na)
{
	if (!na->a || na->shutdown_sent)
		return;
	na->shutdown_sent = true;
	if (na->state == WSP_ST_ESTABLISHED)
		na->state = WSP_ST_CLOSING;
	/* Sends to it now fail (ESHUTDOWN): the shims ask again. */
	sd_ends_bump(na->s->d, na->s->cookie);
	esctp_assoc_shutdown(na->a, host_now(na->s->d->h));
	sd_native_kick(na->s);
}

void sd_native_abort(nassoc *na, const void *why, size_t len)
{
	if (!na->a)
		return;
	char reason[256];
	size_t n = len < sizeof(reason) - 1 ? len : sizeof(reason) - 1;
	if (why)
		memcpy(reason, why, n);
	reason[why ? n : 0] = '\0';
	esctp_assoc_abort(na->a, why ? reason : NULL, host_now(na->s->d->h));
	sd_native_kick(na->s);
}

static bool queued(const nassoc *na)
{
	esctp_status st;
	esctp_assoc_status(na->a, &st);
	return st.pending || st.unacked;
}

/* The program closed its socket: sctp_close() shuts every association
 * down, or aborts them with unread data or SO_LINGER {1, 0}. */
void sd_native_app_gone(wsock *s)
{
	int err = 0;
	socklen_t el = sizeof(err);
	/* Linux sctp_close(): unread user data means ABORT, unread
	 * notifications do not (unread.h). */
	bool unread = (s->app_unread ||
		       (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 &&
			err == ECONNRESET)) &&
		      sd_unread_data(&s->nat->unread);
	s->app_gone = true;
	sd_nchan_close(s);
	if (s->state == WSP_ST_LISTEN)
		sd_port_unlisten(s);
	for (nassoc *na = s->nat->assocs, *next; na; na = next) {
		next = na->next;
		sd_nchan_forget(na);
		if (!na->a || na->state == WSP_ST_CLOSED) {
			sd_native_assoc_free(na);
		} else if (s->linger0 || unread) {
			sd_native_abort(na, NULL, 0);
			sd_native_assoc_free(na);
		} else if (na->state == WSP_ST_CONNECTING) {
			/* The kernel's handshake on loopback is over before
			 * sendmsg() returns, so a program that sends and
			 * closes at once has its messages delivered: here
			 * the handshake may still run.  Messages queued:
			 * SHUTDOWN once it is up; none: gone at once, as
			 * Linux deletes an association still in COOKIE-WAIT
			 * (sctp_sf_cookie_wait_prm_shutdown). */
			if (queued(na)) {
				na->shutdown_on_up = true;
			} else {
				sd_native_abort(na, NULL, 0);
				sd_native_assoc_free(na);
			}
		} else {
			sd_native_shutdown(na);
		}
	}
	if (!s->nat->assocs)
		sd_sock_free(s);
}

/* An association's end: its last notification is queued; what arrived is
 * still readable from the engine. */
static void assoc_ended(nassoc *na, int error)
{
	wsock *s = na->s;
	na->state = WSP_ST_CLOSED;
	na->error = error;
	s->nat->last_gone_id = na->id;
	s->nat->last_gone_err = error;
	sd_ends_bump(s->d, s->cookie);
	close_wait(na);
	if (s->app_gone) {
		sd_native_assoc_free(na);
		if (!s->nat->assocs)
			sd_sock_free(s);
		return;
	}
	if (s->kind != WSP_K_SCTP_SEQPACKET) {
		s->state = WSP_ST_CLOSED;
		s->so_error = error == ECONNRESET || error == ETIMEDOUT ||
				      error == ECONNREFUSED
				  ? error
				  : 0;
	}
	sd_nchan_pump(s);
}

/* The channel's report: an ended association has nothing left to
 * deliver. */
void sd_native_drained(nassoc *na)
{
	wsock *s = na->s;
	if (s->kind == WSP_K_SCTP_SEQPACKET) {
		sd_native_assoc_free(na);
		return;
	}
	/* One-to-one and peeled: the association goes, the socket stays
	 * for the program's questions; it reads EOF and its sends fail. */
	if (na->a) {
		esctp_assoc_set_user(na->a, NULL);
		esctp_assoc_free(na->a);
		na->a = NULL;
		sd_native_kick(s);
	}
	sd_nchan_finish(s);
	sd_reap_at(s, host_now(s->d->h) +
			  (s->connect_failed ? SD_REAP_DELAY : SD_ZOMBIE_DELAY));
}

/* ---- engine events ---- */

static int ended_errno(const esctp_event *ev)
{
	if (ev->type == ESCTP_EV_CANT_START)
		return ev->error == 0 ? ETIMEDOUT : ECONNREFUSED;
	return ev->error == 0 ? ETIMEDOUT : ECONNRESET;
}

/* sac_error as Linux fills it: the ABORT's first cause code, received
 * or sent (the user's abort: 12, a protocol violation: 13), raw from the
 * wire (__be16, in network order); 0 when the retransmissions ran out
 * (SCTP_ERROR_NO_ERROR, sctp_sf_do_6_3_3_rtx()). */
static uint16_t sac_error(const esctp_event *ev)
{
	return ev->error == 0 ? 0 : htons(ev->cause);
}

static void on_up(nassoc *na)
{
	wsock *s = na->s;
	char b[64];
	bool restart = na->state == WSP_ST_ESTABLISHED;
	na->state = WSP_ST_ESTABLISHED;
	sd_native_assoc_fill(na);
	sd_log(s->d, LOG_INFO_, "%s[%d]: SCTP association %d with %s up",
	       s->comm, (int)s->pid, (int)na->id,
	       sd_addr_str(&na->peer, b, sizeof(b)));
	sd_notif_assoc_change(na, restart ? SCTP_RESTART : SCTP_COMM_UP, 0,
			      NULL, 0);
	esctp_status st;
	esctp_assoc_status(na->a, &st);
	if (st.peer_adaptation_present)
		sd_notif_adaptation(na, st.peer_adaptation);
	close_wait(na);
	if (na->shutdown_on_up) {
		sd_native_shutdown(na);
		return;
	}
	na->last_use = host_now(s->d->h);
	if (s->nat->autoclose)
		sd_native_autoclose(s->d);
	if (s->kind == WSP_K_SCTP_STREAM && s->state == WSP_ST_CONNECTING) {
		s->state = WSP_ST_ESTABLISHED;
		s->sndbuf_restore = true;
	}
	sd_nchan_pump(s);
}

static void assoc_events(host_handler *self, host_ep *e, const esctp_event *ev)
{
	nassoc *na = (nassoc *)self;
	wsock *s = na->s;

	(void)e;
	switch (ev->type) {
	case ESCTP_EV_COMM_UP:
		on_up(na);
		break;
	case ESCTP_EV_RESTART:
		na->state = WSP_ST_ESTABLISHED;
		on_up(na);
		break;
	case ESCTP_EV_DATA:
		na->last_use = host_now(s->d->h);
		sd_nchan_pump(s);
		break;
	case ESCTP_EV_SENDER_DRY:
		sd_notif_sender_dry(na);
		sd_nchan_pump(s);
		break;
	case ESCTP_EV_SHUTDOWN:
		if (na->state == WSP_ST_ESTABLISHED)
			na->state = WSP_ST_CLOSING;
		sd_ends_bump(s->d, s->cookie);
		sd_notif_shutdown(na);
		sd_nchan_pump(s);
		break;
	case ESCTP_EV_SHUTDOWN_COMP:
		sd_notif_assoc_change(na, SCTP_SHUTDOWN_COMP, 0, NULL, 0);
		assoc_ended(na, 0);
		break;
	case ESCTP_EV_COMM_LOST: {
		/* Only a COMM_LOST from the peer's ABORT carries the chunk
		 * (sctp_cmd_assoc_failed()); CANT_STR_ASSOC never does. */
		const uint8_t *info = NULL;
		size_t len = e ? esctp_event_abort_causes(host_ep_endpoint(e),
							  ev, &info)
			       : 0;
		sd_notif_assoc_change(na, SCTP_COMM_LOST, sac_error(ev), info,
				      len);
		assoc_ended(na, ended_errno(ev));
		break;
	}
	case ESCTP_EV_CANT_START:
		sd_notif_assoc_change(na, SCTP_CANT_STR_ASSOC, sac_error(ev),
				      NULL, 0);
		if (s->kind == WSP_K_SCTP_STREAM)
			s->connect_failed = true;
		assoc_ended(na, ended_errno(ev));
		break;
	case ESCTP_EV_PEER_ADDR_CHANGE:
		if (sd_sctpopt_paddr_notify(na, ev))
			sd_notif_paddr_change(na, &ev->addr, ev->path_state, 0);
		sd_nchan_pump(s);
		break;
	case ESCTP_EV_REMOTE_ERROR:
		sd_notif_remote_error(na, ev->cause);
		sd_nchan_pump(s);
		break;
	case ESCTP_EV_SEND_FAILED:
		sd_notif_send_failed(na, ev, e);
		sd_nchan_pump(s);
		break;
	case ESCTP_EV_PARTIAL_DELIVERY_ABORTED:
		sd_nchan_message_over(na);
		sd_notif_pdapi(na, ev->stream, ev->ssn);
		sd_nchan_pump(s);
		break;
	default:
		break;
	}
}

void sd_native_touched(nassoc *na)
{
	sd_nchan_pump(na->s);
}

/* ---- listing ---- */

void sd_native_stat(const wsock *s, const nassoc *na, wsp_stat *st)
{
	st->subscribe = s->nat->subscribe;
	if (!na)
		return;
	st->assoc = na->id;
	st->peer = na->peer;
	if (s->kind == WSP_K_SCTP_SEQPACKET)
		st->state = na->state;
	if (na->a)
		sd_stat_assoc(na->a, st);
}

/* ---- peeloff hand-backs ---- */

void sd_native_hold_expire(sctpd *d)
{
	esctp_tstamp now = host_now(d->h), next = ESCTP_TSTAMP_NEVER;
	for (wsock *s = d->socks, *nx; s; s = nx) {
		nx = s->next;
		if (!s->nat || !s->nat->hold)
			continue;
		if (s->nat->hold_since + SD_HOLD_MAX <= now) {
			sd_log(d, LOG_WARN_,
			       "%s[%d]: a peeloff's hand-back never ended; "
			       "output goes on",
			       s->comm, (int)s->pid);
			s->nat->hold = false;
			sd_nchan_pump(s); /* may free s */
		} else if (s->nat->hold_since + SD_HOLD_MAX < next) {
			next = s->nat->hold_since + SD_HOLD_MAX;
		}
	}
	if (next != ESCTP_TSTAMP_NEVER)
		loop_timer_set(d->l, &d->hold_t, next);
}

/* ---- AUTOCLOSE ---- */

void sd_native_autoclose(sctpd *d)
{
	esctp_tstamp now = host_now(d->h), next = ESCTP_TSTAMP_NEVER;
	for (wsock *s = d->socks; s; s = s->next) {
		if (!s->nat || !s->nat->autoclose)
			continue;
		esctp_tstamp idle =
		    (esctp_tstamp)s->nat->autoclose * ESCTP_SECOND;
		for (nassoc *na = s->nat->assocs; na; na = na->next) {
			if (na->state != WSP_ST_ESTABLISHED || na->shutdown_sent)
				continue;
			/* sctp(7): "the number of seconds an association
			 * may be idle" (no user data either way) before it
			 * is shut down. */
			if (na->last_use + idle <= now)
				sd_native_shutdown(na);
			else if (na->last_use + idle < next)
				next = na->last_use + idle;
		}
	}
	if (next != ESCTP_TSTAMP_NEVER)
		loop_timer_set(d->l, &d->autoclose_t, next);
}
