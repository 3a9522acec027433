/*
 * native_send.c - native SCTP sockets: the program's messages sent on
 * their associations (SCTP_SNDINFO, PR-SCTP policies, SCTP_SENDALL,
 * SCTP_EOF, SCTP_ABORT, implicit setup), and the owner interface of
 * native channels (sd_nchan_owner, native.h).
 */
#include <errno.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "native.h"
#include "sctpd.h"

/* ---- sends ---- */

/* The PR-SCTP policy of a send (RFC 3758, RFC 7496): the engine's
 * ESCTP_PR_* are Linux's SCTP_PR_SCTP_* shifted right by 4.  RFC 6458
 * §5.3.2: with no policy, sinfo_timetolive still limits the message's
 * life (the old SCTP_SNDRCV meaning), as in Linux. */
static void policy_of(uint32_t sflags, uint32_t value, esctp_sndinfo *si)
{
	uint32_t policy = (sflags & SCTP_PR_SCTP_MASK) >> 4;
	si->pr_policy = (uint8_t)policy;
	si->pr_value = value;
	if (policy == ESCTP_PR_NONE)
		si->ttl_ms = value;
}

/* 0 when done with the message (sent, or dropped), EAGAIN to retry. */
static int send_one(nassoc *na, const esctp_sndinfo *si, uint32_t sflags,
		    const uint8_t *data, size_t len)
{
	wsock *s = na->s;
	esctp_tstamp now = host_now(s->d->h);
	if (!na->a || na->state == WSP_ST_CLOSED) {
		if (len && !(sflags & (SCTP_ABORT | SCTP_EOF)))
			sd_notif_unsent(na, si, data, len);
		return 0;
	}
	if (sflags & SCTP_ABORT) {
		sd_native_abort(na, data, len);
		return 0;
	}
	/* After our SHUTDOWN the engine takes nothing more (Linux:
	 * ESHUTDOWN, which the shim answers when it knows in time). */
	if (na->shutdown_sent) {
		if (len && !(sflags & SCTP_EOF))
			sd_notif_unsent(na, si, data, len);
		return 0;
	}
	if (len) {
		int rc = esctp_assoc_send(na->a, si, data, len, now);
		if (rc == ESCTP_ERR_AGAIN)
			return EAGAIN;
		if (rc < 0) {
			sd_log(s->d, LOG_DEBUG_,
			       "%s[%d]: association %d: %zu bytes not sent: %s",
			       s->comm, (int)s->pid, (int)na->id, len,
			       esctp_strerror(rc));
			sd_notif_unsent(na, si, data, len);
			return 0;
		}
		na->last_use = now;
		s->bytes_out += len;
		s->msgs_out++;
	}
	if (sflags & SCTP_EOF)
		sd_native_shutdown(na);
	sd_native_kick(s);
	return 0;
}

static int sendall(wsock *s, const esctp_sndinfo *si, uint32_t sflags,
		   const uint8_t *data, size_t len)
{
	/* Every association that is up gets it, or none yet: wait until
	 * each has room. */
	for (nassoc *na = s->nat->assocs; na; na = na->next)
		if (na->a && na->state == WSP_ST_ESTABLISHED && len &&
		    !(sflags & SCTP_ABORT) &&
		    esctp_assoc_send_space(na->a) < len)
			return EAGAIN;
	for (nassoc *na = s->nat->assocs, *next; na; na = next) {
		next = na->next;
		if (na->state == WSP_ST_ESTABLISHED)
			send_one(na, si, sflags, data, len);
	}
	return 0;
}

static int native_send(wsock *s, const wsp_msg *h, const uint8_t *data,
		       size_t len)
{
	nsock *n = s->nat;
	esctp_sndinfo si = {0};
	uint32_t sflags, ttl;
	if (h->flags & WSP_MF_SNDINFO) {
		si.stream = h->stream;
		si.ppid = h->ppid;
		si.context = h->context;
		sflags = h->sflags;
		ttl = h->ttl;
	} else {
		si.stream = n->dflt.sinfo_stream;
		si.ppid = n->dflt.sinfo_ppid;
		si.context = n->dflt.sinfo_context;
		sflags = n->dflt.sinfo_flags;
		ttl = n->dflt.sinfo_timetolive;
		/* Flags of the call itself (sendmsg's SCTP_EOF...) still
		 * apply. */
		sflags |= h->sflags;
	}
	if (h->flags & WSP_MF_PRINFO) {
		sflags = (sflags & ~(uint32_t)SCTP_PR_SCTP_MASK) |
			 (h->sflags & SCTP_PR_SCTP_MASK);
		ttl = h->ttl;
	}
	if (sflags & SCTP_UNORDERED)
		si.flags |= ESCTP_UNORDERED;
	/* RFC 7053: the I bit asks the peer for its SACK at once. */
	if (sflags & SCTP_SACK_IMMEDIATELY)
		si.flags |= ESCTP_SACK_NOW;
	/* SCTP_ADDR_OVER: the message's first transmission to the address
	 * given (the shim refuses the flag without one). */
	if ((sflags & SCTP_ADDR_OVER) && h->addr.family) {
		si.flags |= ESCTP_ADDR_OVER;
		sd_addr_to_esctp(&h->addr, s->d->udp_port, &si.addr);
	}
	policy_of(sflags, ttl, &si);
	nassoc *na = NULL;
	if (s->kind == WSP_K_SCTP_SEQPACKET) {
		if (sflags & SCTP_SENDALL)
			return sendall(s, &si, sflags, data, len);
		if (h->addr.family)
			na = sd_native_find_addr(s, &h->addr);
		else
			na = sd_native_find(s, h->assoc);
	} else {
		na = n->assocs;
	}
	if (!na && h->addr.family && s->kind != WSP_K_SCTP_PEELED &&
	    s->state != WSP_ST_LISTEN && !(sflags & (SCTP_ABORT | SCTP_EOF))) {
		int e = sd_native_implicit(s, h, &na);
		if (e) {
			char b[64];
			sd_log(s->d, LOG_INFO_,
			       "%s[%d]: cannot start an association to %s: %s",
			       s->comm, (int)s->pid,
			       sd_addr_str(&h->addr, b, sizeof(b)),
			       strerror(e));
			return 0;
		}
	}
	if (!na)
		return 0;
	return send_one(na, &si, sflags, data, len);
}

/* shutdown(SHUT_WR) of a one-to-one socket starts the SHUTDOWN (sctp(7):
 * no half-close); elsewhere it changes nothing here. */
static void native_app_eof(wsock *s)
{
	if (s->kind == WSP_K_SCTP_STREAM && s->nat->assocs)
		sd_native_shutdown(s->nat->assocs);
}

static const sd_nchan_owner nchan_owner = {
    .send = native_send,
    .app_eof = native_app_eof,
    .app_gone = sd_native_app_gone,
    .drained = sd_native_drained,
};

void sd_native_setup(sctpd *d)
{
	d->nchan_owner = &nchan_owner;
}
