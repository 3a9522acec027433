/*
 * cmsg.c - the SCTP control messages of native sockets (shim.h, "native
 * message path"): what a sendmsg() carries, parsed and checked as
 * net/sctp/socket.c does (sctp_msghdr_parse(), sctp_sendmsg_parse(),
 * sctp_verify_addr()), and what a recvmsg() returns, built as
 * net/sctp/ulpevent.c and net/core/scm.c put_cmsg() do.  Pure functions,
 * unit-tested without preloading (tests/unit/test_shim_msg.c).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "shim.h"

/* The sinfo_flags / snd_flags a sendmsg may carry (sctp_msghdr_parse()):
 * anything else is EINVAL. */
#define SEND_FLAGS                                                             \
	(SCTP_UNORDERED | SCTP_ADDR_OVER | SCTP_SACK_IMMEDIATELY |             \
	 SCTP_SENDALL | SCTP_PR_SCTP_MASK | SCTP_ABORT | SCTP_EOF)

/* One control message of a sendmsg, by type.  The kernel checks every
 * length exactly ("Strictly check lengths following example in SCM
 * code"). */
static int parse_one(const struct cmsghdr *h, const unsigned char *data,
		     shim_sndcmsgs *c)
{
	size_t len = h->cmsg_len;

	switch (h->cmsg_type) {
	case SCTP_INIT:
		if (len != CMSG_LEN(sizeof(struct sctp_initmsg)))
			return EINVAL;
		memcpy(&c->initmsg, data, sizeof(c->initmsg));
		c->init = true;
		return 0;
	case SCTP_SNDRCV:
		if (len != CMSG_LEN(sizeof(struct sctp_sndrcvinfo)))
			return EINVAL;
		memcpy(&c->srinfo_v, data, sizeof(c->srinfo_v));
		c->srinfo = true;
		return (c->srinfo_v.sinfo_flags & ~SEND_FLAGS) ? EINVAL : 0;
	case SCTP_SNDINFO:
		if (len != CMSG_LEN(sizeof(struct sctp_sndinfo)))
			return EINVAL;
		memcpy(&c->sinfo_v, data, sizeof(c->sinfo_v));
		c->sinfo = true;
		return (c->sinfo_v.snd_flags & ~SEND_FLAGS) ? EINVAL : 0;
	case SCTP_PRINFO:
		if (len != CMSG_LEN(sizeof(struct sctp_prinfo)))
			return EINVAL;
		memcpy(&c->prinfo_v, data, sizeof(c->prinfo_v));
		c->prinfo = true;
		if (c->prinfo_v.pr_policy & ~SCTP_PR_SCTP_MASK)
			return EINVAL;
		if (c->prinfo_v.pr_policy == SCTP_PR_SCTP_NONE)
			c->prinfo_v.pr_value = 0;
		return 0;
	case SCTP_AUTHINFO:
		/* Accepted and then unused: without SCTP-AUTH on the
		 * association (the engine has none), the kernel's
		 * sctp_datamsg_from_user() never looks at the key number. */
		if (len != CMSG_LEN(sizeof(struct sctp_authinfo)))
			return EINVAL;
		c->authinfo = true;
		return 0;
	case SCTP_DSTADDRV4:
	case SCTP_DSTADDRV6:
		/* Their lengths are checked only when they make a new
		 * association (sctp_sendmsg_new_asoc()). */
		c->dstaddr = true;
		return 0;
	}
	return EINVAL;
}

int shim_cmsg_parse(const struct msghdr *msg, shim_sndcmsgs *c)
{
	memset(c, 0, sizeof(*c));
	const unsigned char *ctl = msg->msg_control;
	size_t size = msg->msg_controllen;
	if (!ctl || size < sizeof(struct cmsghdr))
		return 0;
	/* The kernel's for_each_cmsghdr (include/linux/socket.h): a next
	 * header exists while a whole struct cmsghdr fits; CMSG_OK then
	 * wants a length that covers the header and stays inside. */
	for (size_t pos = 0; pos + sizeof(struct cmsghdr) <= size;) {
		struct cmsghdr h;
		memcpy(&h, ctl + pos, sizeof(h));
		if (h.cmsg_len < sizeof(struct cmsghdr) ||
		    h.cmsg_len > size - pos)
			return EINVAL;
		if (h.cmsg_level == IPPROTO_SCTP) {
			int err = parse_one(&h, ctl + pos + CMSG_LEN(0), c);
			if (err)
				return err;
		}
		pos += CMSG_ALIGN(h.cmsg_len);
	}
	return 0;
}

int shim_sndinfo_build(const shim_sndcmsgs *c, size_t len, bool one_to_one,
		       bool has_name, wsp_msg *m)
{
	uint16_t stream = 0, flags = 0;
	uint32_t ppid = 0, context = 0, ttl = 0;
	int32_t assoc = 0;

	/* sctp_sendmsg_parse(): SCTP_SNDINFO overrides SCTP_SNDRCV, but
	 * only SCTP_SNDRCV and SCTP_PRINFO carry a lifetime; SCTP_PRINFO
	 * replaces the policy bits. */
	if (c->srinfo) {
		stream = c->srinfo_v.sinfo_stream;
		flags = c->srinfo_v.sinfo_flags;
		ppid = c->srinfo_v.sinfo_ppid;
		context = c->srinfo_v.sinfo_context;
		assoc = c->srinfo_v.sinfo_assoc_id;
		ttl = c->srinfo_v.sinfo_timetolive;
	}
	if (c->sinfo) {
		stream = c->sinfo_v.snd_sid;
		flags = c->sinfo_v.snd_flags;
		ppid = c->sinfo_v.snd_ppid;
		context = c->sinfo_v.snd_context;
		assoc = c->sinfo_v.snd_assoc_id;
	}
	if (c->prinfo) {
		ttl = c->prinfo_v.pr_value;
		flags = (uint16_t)((flags & ~SCTP_PR_SCTP_MASK) |
				   (c->prinfo_v.pr_policy & SCTP_PR_SCTP_MASK));
	}

	if (flags || !len) {
		if (one_to_one && (flags & (SCTP_EOF | SCTP_ABORT)))
			return EINVAL;
		if (((flags & SCTP_EOF) && len > 0) ||
		    (!(flags & (SCTP_EOF | SCTP_ABORT)) && len == 0))
			return EINVAL;
		if ((flags & SCTP_ADDR_OVER) && !has_name)
			return EINVAL;
	}

	m->flags &= ~(uint32_t)(WSP_MF_SNDINFO | WSP_MF_PRINFO | WSP_MF_INIT);
	if (c->srinfo || c->sinfo)
		m->flags |= WSP_MF_SNDINFO;
	if (c->prinfo)
		m->flags |= WSP_MF_PRINFO;
	m->assoc = assoc;
	m->stream = stream;
	m->sflags = flags;
	m->ppid = ppid;
	m->context = context;
	m->ttl = ttl;
	if (c->init) {
		m->flags |= WSP_MF_INIT;
		m->init_ostreams = c->initmsg.sinit_num_ostreams;
		m->init_maxin = c->initmsg.sinit_max_instreams;
		m->init_attempts = c->initmsg.sinit_max_attempts;
		m->init_timeo = c->initmsg.sinit_max_init_timeo;
	}
	return 0;
}

/* IS_IPV4_UNUSABLE_ADDRESS (include/net/sctp/constants.h): broadcast,
 * multicast, 0.0.0.0/8, 198.18.0.0/15, 192.88.99.0/24. */
static bool v4_unusable(const uint8_t *ip)
{
	uint32_t a = (uint32_t)ip[0] << 24 | (uint32_t)ip[1] << 16 |
		     (uint32_t)ip[2] << 8 | ip[3];
	return a == 0xffffffffu || (a & 0xf0000000u) == 0xe0000000u ||
	       (a & 0xff000000u) == 0 || (a & 0xfffe0000u) == 0xc6120000u ||
	       (a & 0xffffff00u) == 0xc0586300u;
}

int shim_sctp_daddr(const struct sockaddr *sa, socklen_t len, int family,
		    wsp_addr *w)
{
	/* sctp_sockaddr_af(): at least a struct sockaddr, a family the
	 * socket supports (an AF_INET socket takes only IPv4), and its
	 * whole sockaddr. */
	if (!sa || len < sizeof(struct sockaddr))
		return EINVAL;
	if (sa->sa_family == AF_INET6 && family != AF_INET6)
		return EINVAL;
	if (shim_sa_to_wsp(sa, len, w) < 0)
		return EINVAL;
	if (w->family == AF_INET6) {
		const struct in6_addr *a = (const struct in6_addr *)w->ip;
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			/* sctp_v6_addr_valid(): a v4-mapped address is
			 * IPv4 from there on. */
			memmove(w->ip, w->ip + 12, 4);
			memset(w->ip + 4, 0, 12);
			w->family = AF_INET;
			w->scope = 0;
		} else if (IN6_IS_ADDR_UNSPECIFIED(a) ||
			   IN6_IS_ADDR_MULTICAST(a)) {
			return EINVAL; /* not IPV6_ADDR_UNICAST */
		} else if (IN6_IS_ADDR_LINKLOCAL(a) && !w->scope) {
			/* sctp_inet6_send_verify(): a link-local address
			 * needs its interface. */
			return EINVAL;
		}
	}
	if (w->family == AF_INET && v4_unusable(w->ip))
		return EINVAL;
	return 0;
}

void shim_cmsg_put(struct msghdr *msg, size_t *used, int level, int type,
		   const void *data, size_t len)
{
	size_t room =
	    msg->msg_controllen > *used ? msg->msg_controllen - *used : 0;
	size_t cmlen = CMSG_LEN(len);

	if (!msg->msg_control || room < sizeof(struct cmsghdr)) {
		msg->msg_flags |= MSG_CTRUNC;
		return;
	}
	if (room < cmlen) {
		msg->msg_flags |= MSG_CTRUNC;
		cmlen = room;
	}
	unsigned char *p = (unsigned char *)msg->msg_control + *used;
	struct cmsghdr h = {
	    .cmsg_len = cmlen, .cmsg_level = level, .cmsg_type = type};
	memcpy(p, &h, sizeof(h));
	memcpy(p + CMSG_LEN(0), data, cmlen - CMSG_LEN(0));
	size_t space = CMSG_SPACE(len);
	*used += space < room ? space : room;
}

void shim_cmsg_recv(struct msghdr *msg, const wsp_msg *first,
		    const wsp_msg *last)
{
	size_t used = 0;
	bool notify = first->flags & WSP_MF_NOTIFY;

	/* sctp_recvmsg(): NXTINFO, RCVINFO, then SNDRCV; the last two
	 * never for a notification (sctp_ulpevent_read_rcvinfo(),
	 * sctp_ulpevent_read_sndrcvinfo()). */
	if (last->flags & WSP_MF_NXTINFO) {
		struct sctp_nxtinfo nx = {
		    .nxt_sid = last->nxt_stream,
		    .nxt_flags = last->nxt_flags,
		    .nxt_ppid = last->nxt_ppid,
		    .nxt_length = last->nxt_length,
		    .nxt_assoc_id = last->nxt_assoc,
		};
		shim_cmsg_put(msg, &used, IPPROTO_SCTP, SCTP_NXTINFO, &nx,
			      sizeof(nx));
	}
	if (!notify && (first->flags & WSP_MF_RCVINFO)) {
		struct sctp_rcvinfo r = {
		    .rcv_sid = first->stream,
		    .rcv_ssn = first->ssn,
		    .rcv_flags = (uint16_t)first->sflags,
		    .rcv_ppid = first->ppid,
		    .rcv_tsn = first->tsn,
		    .rcv_cumtsn = first->cumtsn,
		    .rcv_context = first->context,
		    .rcv_assoc_id = first->assoc,
		};
		shim_cmsg_put(msg, &used, IPPROTO_SCTP, SCTP_RCVINFO, &r,
			      sizeof(r));
	}
	if (!notify && (first->flags & WSP_MF_SNDRCV)) {
		/* sinfo_timetolive is 0 on receive. */
		struct sctp_sndrcvinfo s = {
		    .sinfo_stream = first->stream,
		    .sinfo_ssn = first->ssn,
		    .sinfo_flags = (uint16_t)first->sflags,
		    .sinfo_ppid = first->ppid,
		    .sinfo_context = first->context,
		    .sinfo_tsn = first->tsn,
		    .sinfo_cumtsn = first->cumtsn,
		    .sinfo_assoc_id = first->assoc,
		};
		shim_cmsg_put(msg, &used, IPPROTO_SCTP, SCTP_SNDRCV, &s,
			      sizeof(s));
	}
	msg->msg_controllen = used;
}
