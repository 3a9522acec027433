/*
 * sctpopt_addr.c - the SOL_SCTP options about addresses, with the Linux
 * kernel's struct layouts, checks and errors (net/sctp/socket.c): bindx
 * (SCTP_SOCKOPT_BINDX_ADD/_REM), SCTP_PRIMARY_ADDR,
 * SCTP_PEER_ADDR_PARAMS, SCTP_GET_PEER_ADDR_INFO, the peer and local
 * address lists, and the sockaddr <-> wsp_addr conversions the options
 * share.  sctpopt.c dispatches to them.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "native.h"
#include "port.h"
#include "sctpd.h"
#include "sctpopt.h"
#include "sock.h"

/* ---- helpers ---- */

void sd_opt_sockaddr(const wsp_addr *w, struct sockaddr_storage *ss,
		     uint32_t *alen)
{
	memset(ss, 0, sizeof(*ss));
	if (w->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(w->port);
		memcpy(&in->sin_addr, w->ip, 4);
		*alen = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(w->port);
		in6->sin6_scope_id = w->scope;
		memcpy(&in6->sin6_addr, w->ip, 16);
		*alen = sizeof(*in6);
	}
}

bool sd_opt_addr_in(const void *sa, uint32_t len, wsp_addr *w)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, len < sizeof(ss) ? len : sizeof(ss));
	memset(w, 0, sizeof(*w));
	if (ss.ss_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)&ss;
		w->family = AF_INET;
		w->port = ntohs(in->sin_port);
		memcpy(w->ip, &in->sin_addr, 4);
		return true;
	}
	if (ss.ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)&ss;
		w->family = AF_INET6;
		w->port = ntohs(in6->sin6_port);
		w->scope = in6->sin6_scope_id;
		memcpy(w->ip, &in6->sin6_addr, 16);
		return true;
	}
	return false;
}

/* sctpopt.h */
int sd_opt_path(const esctp_status *st, const wsp_addr *addr)
{
	for (uint32_t i = 0; i < st->npaths && i < 8; i++) {
		wsp_addr w4, w6;
		sd_addr_from_esctp(&st->paths[i].addr, 0, AF_INET, &w4);
		sd_addr_from_esctp(&st->paths[i].addr, 0, AF_INET6, &w6);
		const wsp_addr *w = addr->family == AF_INET ? &w4 : &w6;
		if (!memcmp(w->ip, addr->ip, addr->family == AF_INET ? 4 : 16))
			return (int)i;
	}
	return -1;
}

/* Linux sctp_is_any(): the wildcard of the address's family, or of the
 * socket's when the family is AF_UNSPEC; an unknown family is not. */
bool sd_opt_is_any(const wsock *s, const struct sockaddr_storage *ss)
{
	int fam = ss->ss_family ? ss->ss_family : s->family;
	if (fam == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr ==
		       htonl(INADDR_ANY);
	if (fam == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(
		    &((const struct sockaddr_in6 *)ss)->sin6_addr);
	return false;
}

/* Linux sctp_addr_id2transport(): the path to an option's address (its
 * port included), in the association id names when it names one.  Its
 * index in *st, or -1. */
int sd_opt_find_path(wsock *s, const struct sockaddr_storage *ss, int32_t id,
		     nassoc **na, esctp_status *st)
{
	wsp_addr w;
	if (!sd_opt_addr_in(ss, sizeof(*ss), &w))
		return -1;
	*na = sd_native_find_addr(s, &w);
	if (!*na)
		return -1;
	nassoc *by_id = sd_opt_assoc(s, id);
	if (by_id && by_id != *na)
		return -1;
	esctp_assoc_status((*na)->a, st);
	return sd_opt_path(st, &w);
}

/* sctpopt.h */
int sd_opt_path_or_assoc(wsock *s, const struct sockaddr_storage *ss,
			 int32_t id, int nopath)
{
	nassoc *na;
	esctp_status st;
	if (!sd_opt_is_any(s, ss))
		return sd_opt_find_path(s, ss, id, &na, &st) < 0 ? nopath : 0;
	return sd_opt_assoc_or_future(s, id, &na);
}

/* struct sctp_paddrinfo of path i (Linux sctp_getsockopt_peer_addr_info).
 */
void sd_opt_paddrinfo(const wsock *s, const nassoc *na, const esctp_status *st,
		      int i, struct sctp_paddrinfo *pi)
{
	const esctp_path_info *p = &st->paths[i];
	memset(pi, 0, sizeof(*pi));
	pi->spinfo_assoc_id = na->id;
	wsp_addr w;
	sd_native_addr(s, &p->addr, st->peer_port, &w);
	struct sockaddr_storage ss;
	uint32_t alen;
	sd_opt_sockaddr(&w, &ss, &alen);
	memcpy(&pi->spinfo_address, &ss, sizeof(ss));
	if (!p->confirmed)
		pi->spinfo_state = SCTP_UNCONFIRMED;
	else if (p->state == ESCTP_ADDR_UNREACHABLE)
		pi->spinfo_state = SCTP_INACTIVE;
	else if (p->state == ESCTP_ADDR_POTENTIALLY_FAILED)
		pi->spinfo_state = SCTP_PF;
	else
		pi->spinfo_state = SCTP_ACTIVE;
	pi->spinfo_cwnd = p->cwnd;
	pi->spinfo_srtt = p->srtt_ms;
	pi->spinfo_rto = p->rto_ms;
	pi->spinfo_mtu = p->mtu;
}

/* ---- bindx ---- */

int sd_opt_bindx(wsock *s, const void *val, uint32_t len, bool add, uid_t uid)
{
	const uint8_t *p = val;
	uint32_t off = 0;
	unsigned n = 0;
	if (!len)
		return EINVAL;
	while (off < len) {
		wsp_addr w;
		sa_family_t fam;
		if (len - off < sizeof(fam))
			return EINVAL;
		memcpy(&fam, p + off, sizeof(fam));
		uint32_t alen = fam == AF_INET	  ? sizeof(struct sockaddr_in)
				: fam == AF_INET6 ? sizeof(struct sockaddr_in6)
						  : 0;
		if (!alen || len - off < alen ||
		    !sd_opt_addr_in(p + off, alen, &w))
			return EINVAL;
		if (!add) {
			/* sctp_bindx_rem(): an address added before goes;
			 * the last one cannot (and without ASCONF nothing
			 * changes for associations that exist). */
			nsock *ns = s->nat;
			for (unsigned i = 0; i < ns->nextra; i++)
				if (!memcmp(ns->extra[i].ip, w.ip, 16)) {
					ns->extra[i] = ns->extra[--ns->nextra];
					return 0;
				}
			return EINVAL;
		}
		bool first = n == 0 && !s->port;
		int e = first ? sd_sock_bind(s, &w, uid) : 0;
		if (e)
			return e;
		e = first ? 1 : 0; /* the bound address is not an extra */
		if (n > 0 || e == 0) {
			/* More addresses on the same port: the socket's own
			 * too (listeners take INITs to them, associations
			 * advertise them). */
			if (w.port && w.port != s->port->port)
				return EINVAL;
			nsock *ns = s->nat;
			bool known = !memcmp(&w.ip, &s->bound.ip, 16);
			for (unsigned i = 0; i < ns->nextra && !known; i++)
				known = !memcmp(w.ip, ns->extra[i].ip, 16);
			if (!known && ns->nextra == WSP_MAX_LOCAL)
				return ENOMEM;
			if (!known) {
				w.port = s->port->port;
				ns->extra[ns->nextra++] = w;
			}
		}
		off += alen;
		n++;
	}
	return 0;
}

/* ---- the primary path ---- */

int sd_opt_set_primary(wsock *s, const void *val, uint32_t len)
{
	struct sctp_prim pr;
	if (len != sizeof(pr))
		return EINVAL;
	memcpy(&pr, val, sizeof(pr));
	nassoc *na = sd_opt_assoc(s, pr.ssp_assoc_id);
	wsp_addr w;
	if (!na || !sd_opt_addr_in(&pr.ssp_addr, sizeof(pr.ssp_addr), &w))
		return EINVAL;
	esctp_addr ea;
	sd_addr_to_esctp(&w, 0, &ea);
	return esctp_assoc_set_primary(na->a, &ea) < 0 ? EINVAL : 0;
}

/* Linux sctp_getsockopt_primary_addr(): the primary path's address. */
int sd_opt_get_primary(wsock *s, void *val, uint32_t *len)
{
	struct sctp_prim pr;
	if (*len < sizeof(pr))
		return EINVAL;
	memcpy(&pr, val, sizeof(pr));
	nassoc *na = sd_opt_assoc(s, pr.ssp_assoc_id);
	if (!na)
		return EINVAL;
	esctp_status es;
	esctp_assoc_status(na->a, &es);
	for (uint32_t i = 0; i < es.npaths && i < 8; i++) {
		if (!es.paths[i].primary)
			continue;
		wsp_addr w;
		struct sockaddr_storage ss;
		uint32_t alen;
		sd_native_addr(s, &es.paths[i].addr, es.peer_port, &w);
		sd_opt_sockaddr(&w, &ss, &alen);
		memcpy(&pr.ssp_addr, &ss, sizeof(ss));
		pr.ssp_assoc_id = na->id;
		return sd_opt_put(val, len, &pr, sizeof(pr));
	}
	return EINVAL;
}

/* ---- peer address parameters ---- */

int sd_opt_set_paddr_params(wsock *s, const void *val, uint32_t len)
{
	struct sctp_paddrparams pp;
	/* Linux accepts the struct without its last fields (the old ABI). */
	if (len < offsetof(struct sctp_paddrparams, spp_ipv6_flowlabel))
		return EINVAL;
	memset(&pp, 0, sizeof(pp));
	memcpy(&pp, val, len < sizeof(pp) ? len : sizeof(pp));
	if ((pp.spp_flags & SPP_HB_ENABLE) && (pp.spp_flags & SPP_HB_DISABLE))
		return EINVAL;
	if ((pp.spp_flags & SPP_PMTUD_ENABLE) &&
	    (pp.spp_flags & SPP_PMTUD_DISABLE))
		return EINVAL;
	nassoc *na;
	int e = sd_opt_assoc_or_any(s, pp.spp_assoc_id, &na);
	if (e)
		return e;
	/* sctp_apply_peer_addr_params(): SPP_HB_DEMAND sends a HEARTBEAT
	 * now, to the address given or every path; it needs an
	 * association. */
	if (pp.spp_flags & SPP_HB_DEMAND) {
		if (!na)
			return EINVAL;
		wsp_addr w;
		esctp_addr ea;
		bool one =
		    sd_opt_addr_in(&pp.spp_address, sizeof(pp.spp_address), &w);
		if (one)
			sd_addr_to_esctp(&w, 0, &ea);
		if (esctp_assoc_heartbeat_now(na->a, one ? &ea : NULL) < 0)
			return EINVAL;
		sd_native_touched(na);
	}
	/* "if (params->spp_pathmaxrxt) ... pathmaxrxt = ...": the engine
	 * has one per endpoint, so the socket's (sctpopt_path.c). */
	if (pp.spp_pathmaxrxt) {
		s->nat->pathmaxrxt = pp.spp_pathmaxrxt;
		sd_native_reconfigure(s, NULL);
	}
	uint32_t hb = (uint32_t)-1;
	if (pp.spp_flags & SPP_HB_DISABLE)
		hb = 0;
	else if ((pp.spp_flags & SPP_HB_ENABLE) || pp.spp_hbinterval)
		hb = pp.spp_hbinterval ? pp.spp_hbinterval : 30000;
	if (hb != (uint32_t)-1) {
		if (na) {
			na->hb_interval = hb;
			esctp_assoc_set_hb_interval(na->a, hb);
		} else {
			s->params.hb_interval = hb;
			for (nassoc *x = s->nat->assocs; x; x = x->next) {
				x->hb_interval = hb;
				if (x->a)
					esctp_assoc_set_hb_interval(x->a, hb);
			}
			sd_native_reconfigure(s, NULL);
		}
	}
	if (na && (pp.spp_flags & SPP_PMTUD_DISABLE) && pp.spp_pathmtu) {
		wsp_addr w;
		esctp_addr ea, *pa = NULL;
		if (sd_opt_addr_in(&pp.spp_address, sizeof(pp.spp_address),
				   &w)) {
			sd_addr_to_esctp(&w, 0, &ea);
			pa = &ea;
		}
		esctp_assoc_set_mtu(na->a, pa, (uint16_t)pp.spp_pathmtu);
	}
	return 0;
}

int sd_opt_get_paddr_params(wsock *s, void *val, uint32_t *len)
{
	struct sctp_paddrparams pp;
	if (*len < offsetof(struct sctp_paddrparams, spp_ipv6_flowlabel))
		return EINVAL;
	memset(&pp, 0, sizeof(pp));
	memcpy(&pp, val, *len < sizeof(pp) ? *len : sizeof(pp));
	nassoc *na;
	int e = sd_opt_assoc_or_any(s, pp.spp_assoc_id, &na);
	if (e)
		return e;
	uint32_t hb = na ? na->hb_interval : s->params.hb_interval;
	pp.spp_hbinterval = hb ? hb : 30000;
	pp.spp_pathmaxrxt = sd_sctpopt_pathmaxrxt(s);
	pp.spp_flags = (hb ? SPP_HB_ENABLE : SPP_HB_DISABLE) | SPP_PMTUD_ENABLE;
	if (na) {
		esctp_status es;
		esctp_assoc_status(na->a, &es);
		pp.spp_pathmtu = es.npaths ? es.paths[0].mtu : 0;
	}
	uint32_t n = *len < sizeof(pp) ? *len : (uint32_t)sizeof(pp);
	memcpy(val, &pp, n);
	*len = n;
	return 0;
}

/* ---- one path ---- */

int sd_opt_get_paddr_info(wsock *s, void *val, uint32_t *len)
{
	struct sctp_paddrinfo pi;
	if (*len < sizeof(pi))
		return EINVAL;
	memcpy(&pi, val, sizeof(pi));
	nassoc *na = sd_opt_assoc(s, pi.spinfo_assoc_id);
	wsp_addr w;
	if (!sd_opt_addr_in(&pi.spinfo_address, sizeof(pi.spinfo_address), &w))
		return EINVAL;
	if (!na) {
		/* Linux looks the transport up by address alone. */
		na = sd_native_find_addr(s, &w);
		if (!na)
			return EINVAL;
	}
	esctp_status es;
	esctp_assoc_status(na->a, &es);
	int i = sd_opt_path(&es, &w);
	/* sctp_assoc_lookup_paddr(): the address with its port. */
	if (i < 0 || w.port != es.peer_port)
		return EINVAL;
	/* "if (transport->state == SCTP_PF && transport->asoc->pf_expose ==
	 * SCTP_PF_EXPOSE_DISABLE) retval = -EACCES;" */
	if (es.paths[i].state == ESCTP_ADDR_POTENTIALLY_FAILED &&
	    na->pf_expose == PF_EXPOSE_DISABLE)
		return EACCES;
	sd_opt_paddrinfo(s, na, &es, i, &pi);
	return sd_opt_put(val, len, &pi, sizeof(pi));
}

/* ---- address lists ---- */

/* The kernel's buffer protocol (sctp_getsockopt_peer_addrs): ENOMEM when
 * the addresses do not fit; *len the bytes used. */
static int put_addrs(const wsp_addr *ws, unsigned n, int32_t id, void *val,
		     uint32_t *len)
{
	struct sctp_getaddrs ga;
	if (*len < sizeof(ga))
		return EINVAL;
	uint8_t *out = val;
	uint32_t off = sizeof(ga);
	for (unsigned i = 0; i < n; i++) {
		struct sockaddr_storage ss;
		uint32_t alen;
		sd_opt_sockaddr(&ws[i], &ss, &alen);
		if (*len - off < alen)
			return ENOMEM;
		memcpy(out + off, &ss, alen);
		off += alen;
	}
	ga.assoc_id = id;
	ga.addr_num = n;
	memcpy(out, &ga, sizeof(ga));
	*len = off;
	return 0;
}

int sd_opt_get_peer_addrs(wsock *s, void *val, uint32_t *len)
{
	if (*len < sizeof(struct sctp_getaddrs))
		return EINVAL;
	nassoc *na = sd_opt_assoc(s, sd_opt_id(val, *len));
	if (!na)
		return EINVAL;
	esctp_status es;
	esctp_assoc_status(na->a, &es);
	wsp_addr ws[8];
	unsigned n = 0;
	for (uint32_t i = 0; i < es.npaths && i < 8; i++)
		sd_native_addr(s, &es.paths[i].addr, es.peer_port, &ws[n++]);
	return put_addrs(ws, n, na->id, val, len);
}

static bool is_any(const wsp_addr *a)
{
	static const uint8_t zero[16];
	return !a->family ||
	       !memcmp(a->ip, zero, a->family == AF_INET ? 4 : 16);
}

/* Linux sctp_copy_laddrs(): a wildcard socket lists every address of the
 * host it could use. */
static unsigned host_addrs(const wsock *s, uint16_t port, wsp_addr *ws,
			   unsigned max)
{
	struct ifaddrs *ifa, *i;
	unsigned n = 0;
	if (getifaddrs(&ifa) < 0)
		return 0;
	for (i = ifa; i && n < max; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		int fam = i->ifa_addr->sa_family;
		if (fam != AF_INET && (fam != AF_INET6 || s->family == AF_INET))
			continue;
		wsp_addr w = {0};
		socklen_t l = fam == AF_INET ? sizeof(struct sockaddr_in)
					     : sizeof(struct sockaddr_in6);
		if (!sd_opt_addr_in(i->ifa_addr, l, &w))
			continue;
		w.port = port;
		if (fam == AF_INET && s->family == AF_INET6 &&
		    s->nat->mapped_v4) {
			uint8_t v4[4];
			memcpy(v4, w.ip, 4);
			memset(w.ip, 0, 16);
			w.ip[10] = w.ip[11] = 0xff;
			memcpy(w.ip + 12, v4, 4);
			w.family = AF_INET6;
		}
		ws[n++] = w;
	}
	freeifaddrs(ifa);
	return n;
}

int sd_opt_get_local_addrs(wsock *s, void *val, uint32_t *len)
{
	if (*len < sizeof(struct sctp_getaddrs))
		return EINVAL;
	int32_t id = sd_opt_id(val, *len);
	nassoc *na = id ? sd_opt_assoc(s, id) : NULL;
	if (id && !na && s->kind == WSP_K_SCTP_SEQPACKET)
		return EINVAL;
	wsp_addr ws[64];
	unsigned n = 0;
	uint16_t port = s->port ? s->port->port : 0;
	if (na && na->a) {
		esctp_status es;
		esctp_assoc_status(na->a, &es);
		if (es.local_addr.family && is_any(&s->bound)) {
			sd_native_addr(s, &es.local_addr, port, &ws[n++]);
			return put_addrs(ws, n, na->id, val, len);
		}
	}
	if (!s->port)
		return put_addrs(ws, 0, id, val, len);
	if (is_any(&s->bound)) {
		n = host_addrs(s, port, ws, 64);
	} else {
		ws[n] = s->bound;
		ws[n++].port = port;
		for (unsigned i = 0; i < s->nat->nextra && n < 64; i++)
			ws[n++] = s->nat->extra[i];
	}
	return put_addrs(ws, n, na ? na->id : id, val, len);
}
