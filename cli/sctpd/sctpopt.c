/*
 * sctpopt.c - SOL_SCTP options of native sockets, with the Linux kernel's
 * struct layouts, checks and errors (net/sctp/socket.c,
 * sctp_setsockopt_* and sctp_getsockopt_*).
 *
 * A getsockopt arrives with the program's buffer (its input: most carry an
 * association id first) and length in val/len; the answer goes back in the
 * same buffer, *len set to its length.  The options of features the
 * embedded engine lacks (AUTH, ASCONF, stream reconfiguration, I-DATA,
 * ECN, PLPMTUD...) are sctpopt_more.c's.
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

/* Linux sctp_id2assoc() (sctpopt.h). */
nassoc *sd_opt_assoc(wsock *s, int32_t id)
{
	if (s->kind != WSP_K_SCTP_SEQPACKET) {
		nassoc *na = s->nat->assocs;
		if (!na || !na->a || na->state == WSP_ST_CONNECTING ||
		    na->state == WSP_ST_CLOSED)
			return NULL;
		return na;
	}
	if (id <= SCTP_ALL_ASSOC)
		return NULL;
	nassoc *na = sd_native_find(s, id);
	return na && na->a && na->state != WSP_ST_CLOSED ? na : NULL;
}

/* For the options a one-to-many socket takes per association or for the
 * socket (SCTP_FUTURE_ASSOC): EINVAL for an id that names neither, as
 * the kernel's "if (!asoc && id > SCTP_ALL_ASSOC && UDP style)". */
int sd_opt_assoc_or_any(wsock *s, int32_t id, nassoc **na)
{
	*na = sd_opt_assoc(s, id);
	if (!*na && id > SCTP_ALL_ASSOC && s->kind == WSP_K_SCTP_SEQPACKET)
		return EINVAL;
	return 0;
}

static int32_t id_of(const void *val, uint32_t len)
{
	int32_t id = 0;
	if (len >= sizeof(id))
		memcpy(&id, val, sizeof(id));
	return id;
}

int sd_opt_put(void *val, uint32_t *len, const void *v, uint32_t n)
{
	if (*len < n)
		return EINVAL;
	memcpy(val, v, n);
	*len = n;
	return 0;
}

static int put_int(void *val, uint32_t *len, int v)
{
	/* Linux: an int option wants at least an int. */
	return sd_opt_put(val, len, &v, sizeof(v));
}

static int get_int(const void *val, uint32_t len, int *v)
{
	if (len < sizeof(int))
		return EINVAL;
	memcpy(v, val, sizeof(int));
	return 0;
}

static void to_storage(const wsp_addr *w, struct sockaddr_storage *ss,
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

/* struct sctp_paddrinfo of path i (Linux sctp_getsockopt_peer_addr_info).
 */
static void paddrinfo(const wsock *s, const nassoc *na, const esctp_status *st,
		      int i, struct sctp_paddrinfo *pi)
{
	const esctp_path_info *p = &st->paths[i];
	memset(pi, 0, sizeof(*pi));
	pi->spinfo_assoc_id = na->id;
	wsp_addr w;
	sd_native_addr(s, &p->addr, st->peer_port, &w);
	struct sockaddr_storage ss;
	uint32_t alen;
	to_storage(&w, &ss, &alen);
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

/* ---- the engine's settings ---- */

static void reconfigure(wsock *s)
{
	sd_native_reconfigure(s, NULL);
}

/* ---- setsockopt ---- */

static int set_events(wsock *s, const void *val, uint32_t len)
{
	struct sctp_event_subscribe ev;
	/* Linux: any length up to the struct (older ABIs pass less), not
	 * more. */
	if (len > sizeof(ev))
		return -1;
	memset(&ev, 0, sizeof(ev));
	memcpy(&ev, val, len);
	const uint8_t *f = (const uint8_t *)&ev;
	uint16_t old = s->nat->subscribe, sub = 0;
	for (unsigned i = 0; i < sizeof(ev) && i < 16; i++)
		if (f[i])
			sub |= (uint16_t)(1u << i);
	s->nat->subscribe = sub;
	return (sub & ~old) ? 1 : 0;
}

/* RFC 6458 §6.1.9 and Linux: subscribing to SENDER_DRY when nothing is
 * outstanding queues the event at once. */
static void dry_now(wsock *s)
{
	if (!sd_notif_on(s, SCTP_SENDER_DRY_EVENT))
		return;
	for (nassoc *na = s->nat->assocs; na; na = na->next) {
		if (!na->a || na->state != WSP_ST_ESTABLISHED)
			continue;
		esctp_status st;
		esctp_assoc_status(na->a, &st);
		if (!st.unacked && !st.pending)
			sd_notif_sender_dry(na);
	}
	sd_nchan_pump(s);
}

static int set_event(wsock *s, const void *val, uint32_t len)
{
	struct sctp_event ev;
	if (len < sizeof(ev))
		return EINVAL;
	memcpy(&ev, val, sizeof(ev));
	unsigned bit = (unsigned)ev.se_type - SCTP_SN_TYPE_BASE;
	if (ev.se_type < SCTP_SN_TYPE_BASE || bit >= 14)
		return EINVAL;
	if (ev.se_on)
		s->nat->subscribe |= (uint16_t)(1u << bit);
	else
		s->nat->subscribe &= (uint16_t) ~(1u << bit);
	if (ev.se_on && ev.se_type == SCTP_SENDER_DRY_EVENT)
		dry_now(s);
	return 0;
}

static int set_peer_addr_params(wsock *s, const void *val, uint32_t len)
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
	 * has one per endpoint, so the socket's (sctpopt_more.c). */
	if (pp.spp_pathmaxrxt) {
		s->nat->pathmaxrxt = pp.spp_pathmaxrxt;
		reconfigure(s);
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
			reconfigure(s);
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

static int set_rtoinfo(wsock *s, const void *val, uint32_t len)
{
	struct sctp_rtoinfo ri;
	if (len != sizeof(ri))
		return EINVAL;
	memcpy(&ri, val, sizeof(ri));
	nassoc *na;
	int e = sd_opt_assoc_or_any(s, ri.srto_assoc_id, &na);
	if (e)
		return e;
	uint32_t ini =
	    ri.srto_initial ? ri.srto_initial : s->params.rto_initial;
	uint32_t min = ri.srto_min ? ri.srto_min : s->params.rto_min;
	uint32_t max = ri.srto_max ? ri.srto_max : s->params.rto_max;
	/* Linux: min <= initial <= max, when given. */
	if ((min && max && min > max) || (ini && max && ini > max) ||
	    (ini && min && ini < min))
		return EINVAL;
	s->params.rto_initial = ini;
	s->params.rto_min = min;
	s->params.rto_max = max;
	reconfigure(s);
	return 0;
}

static int bindx(wsock *s, const void *val, uint32_t len, bool add, uid_t uid)
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

/* The options that are an int flag of the socket and nothing more. */
static bool *flag_of(nsock *n, int name)
{
	switch (name) {
	case SCTP_RECVRCVINFO:
		return &n->recvrcvinfo;
	case SCTP_RECVNXTINFO:
		return &n->recvnxtinfo;
	case SCTP_I_WANT_MAPPED_V4_ADDR:
		return &n->mapped_v4;
	case SCTP_DISABLE_FRAGMENTS:
		return &n->disable_fragments;
	case SCTP_FRAGMENT_INTERLEAVE:
		return &n->frag_interleave;
	}
	return NULL;
}

int sd_sctpopt_set(wsock *s, int name, const void *val, uint32_t len, uid_t uid)
{
	nsock *n = s->nat;
	int v;
	bool *flag = flag_of(n, name);
	if (flag) {
		if (get_int(val, len, &v))
			return EINVAL;
		*flag = v != 0;
		return 0;
	}
	switch (name) {
	case SCTP_SOCKOPT_BINDX_ADD:
		return bindx(s, val, len, true, uid);
	case SCTP_SOCKOPT_BINDX_REM:
		return bindx(s, val, len, false, uid);
	case SCTP_INITMSG: {
		struct sctp_initmsg im;
		if (len != sizeof(im))
			return EINVAL;
		memcpy(&im, val, sizeof(im));
		if (im.sinit_num_ostreams)
			n->initmsg.sinit_num_ostreams = im.sinit_num_ostreams;
		if (im.sinit_max_instreams)
			n->initmsg.sinit_max_instreams = im.sinit_max_instreams;
		if (im.sinit_max_attempts) {
			n->initmsg.sinit_max_attempts = im.sinit_max_attempts;
			s->params.max_init_retrans = im.sinit_max_attempts;
		}
		if (im.sinit_max_init_timeo)
			n->initmsg.sinit_max_init_timeo =
			    im.sinit_max_init_timeo;
		s->params.out_streams = n->initmsg.sinit_num_ostreams;
		s->params.max_in_streams = n->initmsg.sinit_max_instreams;
		reconfigure(s);
		return 0;
	}
	case SCTP_EVENTS: {
		int r = set_events(s, val, len);
		if (r < 0)
			return EINVAL;
		if (r)
			dry_now(s);
		return 0;
	}
	case SCTP_EVENT:
		return set_event(s, val, len);
	case SCTP_NODELAY:
		if (get_int(val, len, &v))
			return EINVAL;
		n->nodelay = v != 0;
		for (nassoc *na = n->assocs; na; na = na->next)
			esctp_assoc_set_nodelay(na->a, n->nodelay);
		return 0;
	case SCTP_AUTOCLOSE:
		if (get_int(val, len, &v))
			return EINVAL;
		/* Linux: one-to-many only. */
		if (s->kind != WSP_K_SCTP_SEQPACKET)
			return EOPNOTSUPP;
		n->autoclose = (uint32_t)v;
		sd_native_autoclose(s->d);
		return 0;
	case SCTP_ADAPTATION_LAYER: {
		struct sctp_setadaptation a;
		if (len != sizeof(a))
			return EINVAL;
		memcpy(&a, val, sizeof(a));
		n->adaptation_ind = a.ssb_adaptation_ind;
		n->adaptation_set = true;
		reconfigure(s);
		return 0;
	}
	case SCTP_CONTEXT: {
		struct sctp_assoc_value av;
		if (len != sizeof(av))
			return EINVAL;
		memcpy(&av, val, sizeof(av));
		nassoc *na;
		if (sd_opt_assoc_or_any(s, av.assoc_id, &na))
			return EINVAL;
		n->context = (int32_t)av.assoc_value;
		return 0;
	}
	case SCTP_MAXSEG: {
		struct sctp_assoc_value av;
		/* Linux: an int (deprecated) or at least the struct. */
		if (len == sizeof(int)) {
			memset(&av, 0, sizeof(av));
			memcpy(&av.assoc_value, val, sizeof(int));
		} else if (len >= sizeof(av)) {
			memcpy(&av, val, sizeof(av));
		} else {
			return EINVAL;
		}
		/* Linux: 0 or 512..65535 (sctp_setsockopt_maxseg). */
		if (av.assoc_value &&
		    (av.assoc_value < 512 || av.assoc_value > 65535))
			return EINVAL;
		n->maxseg = av.assoc_value;
		return 0;
	}
	case SCTP_PARTIAL_DELIVERY_POINT: {
		if (get_int(val, len, &v))
			return EINVAL;
		/* Linux: at most half the receive buffer. */
		esctp_config cfg;
		sd_engine_config(s->d, &s->params, &cfg);
		if ((uint32_t)v > cfg.rcvbuf / 2)
			return EINVAL;
		n->pd_point = (uint32_t)v;
		for (nassoc *na = n->assocs; na; na = na->next)
			esctp_assoc_set_pd_point(na->a, n->pd_point);
		return 0;
	}
	case SCTP_MAX_BURST: {
		struct sctp_assoc_value av = {0};
		if (len == sizeof(int))
			memcpy(&av.assoc_value, val, sizeof(int));
		else if (len == sizeof(av))
			memcpy(&av, val, sizeof(av));
		else
			return EINVAL;
		n->max_burst = av.assoc_value;
		return 0;
	}
	case SCTP_DEFAULT_SEND_PARAM: {
		struct sctp_sndrcvinfo si;
		if (len != sizeof(si))
			return EINVAL;
		memcpy(&si, val, sizeof(si));
		if (si.sinfo_flags &
		    ~(SCTP_UNORDERED | SCTP_ADDR_OVER | SCTP_ABORT | SCTP_EOF))
			return EINVAL;
		n->dflt = si;
		return 0;
	}
	case SCTP_DEFAULT_SNDINFO: {
		struct sctp_sndinfo si;
		if (len != sizeof(si))
			return EINVAL;
		memcpy(&si, val, sizeof(si));
		if (si.snd_flags &
		    ~(SCTP_UNORDERED | SCTP_ADDR_OVER | SCTP_ABORT | SCTP_EOF))
			return EINVAL;
		n->dflt.sinfo_stream = si.snd_sid;
		n->dflt.sinfo_flags = si.snd_flags;
		n->dflt.sinfo_ppid = si.snd_ppid;
		n->dflt.sinfo_context = si.snd_context;
		return 0;
	}
	case SCTP_DEFAULT_PRINFO: {
		struct sctp_default_prinfo pi;
		if (len != sizeof(pi))
			return EINVAL;
		memcpy(&pi, val, sizeof(pi));
		if (pi.pr_policy > SCTP_PR_SCTP_MAX)
			return EINVAL;
		n->dflt.sinfo_flags =
		    (n->dflt.sinfo_flags & ~(uint16_t)SCTP_PR_SCTP_MASK) |
		    (uint16_t)pi.pr_policy;
		n->dflt.sinfo_timetolive = pi.pr_value;
		return 0;
	}
	case SCTP_PEER_ADDR_PARAMS:
		return set_peer_addr_params(s, val, len);
	case SCTP_RTOINFO:
		return set_rtoinfo(s, val, len);
	case SCTP_PRIMARY_ADDR: {
		struct sctp_prim pr;
		if (len != sizeof(pr))
			return EINVAL;
		memcpy(&pr, val, sizeof(pr));
		nassoc *na = sd_opt_assoc(s, pr.ssp_assoc_id);
		wsp_addr w;
		if (!na ||
		    !sd_opt_addr_in(&pr.ssp_addr, sizeof(pr.ssp_addr), &w))
			return EINVAL;
		esctp_addr ea;
		sd_addr_to_esctp(&w, 0, &ea);
		return esctp_assoc_set_primary(na->a, &ea) < 0 ? EINVAL : 0;
	}
	case SCTP_ASSOCINFO: {
		struct sctp_assocparams ap;
		if (len != sizeof(ap))
			return EINVAL;
		memcpy(&ap, val, sizeof(ap));
		nassoc *na;
		if (sd_opt_assoc_or_any(s, ap.sasoc_assoc_id, &na))
			return EINVAL;
		if (ap.sasoc_asocmaxrxt)
			n->assoc_max_retrans = ap.sasoc_asocmaxrxt;
		if (ap.sasoc_cookie_life)
			n->cookie_life = ap.sasoc_cookie_life;
		reconfigure(s);
		return 0;
	}
	case SCTP_DELAYED_SACK: {
		struct sctp_sack_info si;
		/* Linux: struct sctp_sack_info, or the deprecated
		 * sctp_assoc_value (its value the delay). */
		if (len == sizeof(si)) {
			memcpy(&si, val, sizeof(si));
		} else if (len == sizeof(struct sctp_assoc_value)) {
			struct sctp_assoc_value av;
			memcpy(&av, val, sizeof(av));
			si.sack_assoc_id = av.assoc_id;
			si.sack_delay = av.assoc_value;
			si.sack_freq = av.assoc_value ? 0 : 1;
		} else {
			return EINVAL;
		}
		if (si.sack_delay > 500)
			return EINVAL;
		nassoc *na;
		if (sd_opt_assoc_or_any(s, si.sack_assoc_id, &na))
			return EINVAL;
		if (si.sack_delay)
			n->sack_delay = si.sack_delay;
		if (si.sack_freq)
			n->sack_freq = si.sack_freq;
		reconfigure(s);
		return 0;
	}
	case SCTP_PR_SUPPORTED: {
		struct sctp_assoc_value av;
		if (len != sizeof(av))
			return EINVAL;
		memcpy(&av, val, sizeof(av));
		nassoc *na;
		if (sd_opt_assoc_or_any(s, av.assoc_id, &na))
			return EINVAL;
		n->prsctp = av.assoc_value != 0;
		reconfigure(s);
		return 0;
	}
	case SCTP_REUSE_PORT:
		if (get_int(val, len, &v))
			return EINVAL;
		s->reuseport = v != 0;
		return 0;
	}
	return sd_sctpopt_more_set(s, name, val, len);
}

/* ---- getsockopt ---- */

static int get_status(wsock *s, void *val, uint32_t *len)
{
	struct sctp_status st;
	if (*len < sizeof(st))
		return EINVAL;
	memset(&st, 0, sizeof(st));
	nassoc *na = sd_opt_assoc(s, id_of(val, *len));
	if (!na)
		return EINVAL;
	esctp_status es;
	esctp_assoc_status(na->a, &es);
	st.sstat_assoc_id = na->id;
	st.sstat_state = (int32_t)es.state + 1; /* enum sctp_sstat_state */
	st.sstat_rwnd = es.peer_rwnd;
	st.sstat_unackdata = (uint16_t)es.unacked;
	st.sstat_penddata = (uint16_t)(es.pending ? 1 : 0);
	st.sstat_instrms = es.in_streams;
	st.sstat_outstrms = es.out_streams;
	int prim = 0;
	for (uint32_t i = 0; i < es.npaths && i < 8; i++)
		if (es.paths[i].primary)
			prim = (int)i;
	st.sstat_fragmentation_point =
	    s->nat->maxseg ? s->nat->maxseg
			   : (es.npaths ? es.paths[prim].mtu - 12 - 16 : 0);
	if (es.npaths)
		paddrinfo(s, na, &es, prim, &st.sstat_primary);
	return sd_opt_put(val, len, &st, sizeof(st));
}

static int get_paddr_info(wsock *s, void *val, uint32_t *len)
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
	paddrinfo(s, na, &es, i, &pi);
	return sd_opt_put(val, len, &pi, sizeof(pi));
}

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
		to_storage(&ws[i], &ss, &alen);
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

static int get_peer_addrs(wsock *s, void *val, uint32_t *len)
{
	if (*len < sizeof(struct sctp_getaddrs))
		return EINVAL;
	nassoc *na = sd_opt_assoc(s, id_of(val, *len));
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

static int get_local_addrs(wsock *s, void *val, uint32_t *len)
{
	if (*len < sizeof(struct sctp_getaddrs))
		return EINVAL;
	int32_t id = id_of(val, *len);
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

static int get_id_list(wsock *s, void *val, uint32_t *len)
{
	if (s->kind == WSP_K_SCTP_STREAM)
		return EOPNOTSUPP;
	uint32_t n = 0;
	for (nassoc *na = s->nat->assocs; na; na = na->next)
		n++;
	uint32_t need = (uint32_t)sizeof(struct sctp_assoc_ids) +
			n * (uint32_t)sizeof(sctp_assoc_t);
	if (*len < need)
		return EINVAL;
	uint8_t *out = val;
	uint32_t i = 0;
	memcpy(out, &n, sizeof(n));
	for (nassoc *na = s->nat->assocs; na; na = na->next, i++)
		memcpy(out + sizeof(struct sctp_assoc_ids) +
			   i * sizeof(sctp_assoc_t),
		       &na->id, sizeof(na->id));
	*len = need;
	return 0;
}

static int get_paddr_params(wsock *s, void *val, uint32_t *len)
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

/* Linux sctp_getsockopt_pr_assocstatus(): one policy's abandoned
 * messages, or every policy's with SCTP_PR_SCTP_ALL. */
static int get_pr_status(wsock *s, void *val, uint32_t *len)
{
	struct sctp_prstatus ps;
	if (*len < sizeof(ps))
		return EINVAL;
	memcpy(&ps, val, sizeof(ps));
	unsigned policy = ps.sprstat_policy;
	if (!policy ||
	    (policy & ~(unsigned)(SCTP_PR_SCTP_MASK | SCTP_PR_SCTP_ALL)) ||
	    ((policy & SCTP_PR_SCTP_ALL) && (policy & SCTP_PR_SCTP_MASK)))
		return EINVAL;
	nassoc *na = sd_opt_assoc(s, ps.sprstat_assoc_id);
	if (!na)
		return EINVAL;
	esctp_status es;
	esctp_assoc_status(na->a, &es);
	ps.sprstat_abandoned_unsent = ps.sprstat_abandoned_sent = 0;
	/* A timetolive without a policy is Linux's TTL (the engine counts
	 * it apart, under ESCTP_PR_NONE). */
	for (unsigned i = ESCTP_PR_NONE; i < ESCTP_PR_POLICIES; i++) {
		unsigned as = i == ESCTP_PR_NONE ? ESCTP_PR_TTL : i;
		if (policy != SCTP_PR_SCTP_ALL && as != (policy >> 4))
			continue;
		ps.sprstat_abandoned_unsent += es.abandoned_unsent[i];
		ps.sprstat_abandoned_sent += es.abandoned_sent[i];
	}
	return sd_opt_put(val, len, &ps, sizeof(ps));
}

/* Linux sctp_getsockopt_primary_addr(): the primary path's address. */
static int get_primary(wsock *s, void *val, uint32_t *len)
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
		to_storage(&w, &ss, &alen);
		memcpy(&pr.ssp_addr, &ss, sizeof(ss));
		pr.ssp_assoc_id = na->id;
		return sd_opt_put(val, len, &pr, sizeof(pr));
	}
	return EINVAL;
}

int sd_sctpopt_get(wsock *s, int name, void *val, uint32_t *len)
{
	nsock *n = s->nat;
	const bool *flag = flag_of(n, name);
	if (flag)
		return put_int(val, len, *flag);
	switch (name) {
	case SCTP_STATUS:
		return get_status(s, val, len);
	case SCTP_GET_PEER_ADDR_INFO:
		return get_paddr_info(s, val, len);
	case SCTP_GET_PEER_ADDRS:
		return get_peer_addrs(s, val, len);
	case SCTP_GET_LOCAL_ADDRS:
		return get_local_addrs(s, val, len);
	case SCTP_GET_ASSOC_ID_LIST:
		return get_id_list(s, val, len);
	case SCTP_GET_ASSOC_NUMBER: {
		if (s->kind == WSP_K_SCTP_STREAM)
			return EOPNOTSUPP;
		int c = 0;
		for (nassoc *na = n->assocs; na; na = na->next)
			c++;
		return put_int(val, len, c);
	}
	case SCTP_INITMSG:
		return sd_opt_put(val, len, &n->initmsg, sizeof(n->initmsg));
	case SCTP_EVENTS: {
		struct sctp_event_subscribe ev;
		uint8_t *f = (uint8_t *)&ev;
		memset(&ev, 0, sizeof(ev));
		for (unsigned i = 0; i < sizeof(ev) && i < 16; i++)
			f[i] = (n->subscribe >> i) & 1;
		/* Linux: min(len, sizeof): programs probe the size; 0 is
		 * EINVAL. */
		if (!*len)
			return EINVAL;
		uint32_t l = *len < sizeof(ev) ? *len : (uint32_t)sizeof(ev);
		memcpy(val, &ev, l);
		*len = l;
		return 0;
	}
	case SCTP_EVENT: {
		struct sctp_event ev;
		if (*len < sizeof(ev))
			return EINVAL;
		memcpy(&ev, val, sizeof(ev));
		ev.se_on = sd_notif_on(s, ev.se_type);
		return sd_opt_put(val, len, &ev, sizeof(ev));
	}
	case SCTP_NODELAY:
		return put_int(val, len, n->nodelay);
	case SCTP_PARTIAL_DELIVERY_POINT:
		return put_int(val, len, (int)n->pd_point);
	case SCTP_AUTOCLOSE:
		if (s->kind != WSP_K_SCTP_SEQPACKET)
			return EOPNOTSUPP;
		return put_int(val, len, (int)n->autoclose);
	case SCTP_ADAPTATION_LAYER: {
		struct sctp_setadaptation a = {n->adaptation_ind};
		return sd_opt_put(val, len, &a, sizeof(a));
	}
	case SCTP_CONTEXT:
	case SCTP_MAXSEG:
	case SCTP_MAX_BURST: {
		struct sctp_assoc_value av;
		if (*len < sizeof(av))
			return name == SCTP_MAXSEG && *len == sizeof(int)
				   ? put_int(val, len, (int)n->maxseg)
				   : EINVAL;
		memcpy(&av, val, sizeof(av));
		nassoc *na;
		if (sd_opt_assoc_or_any(s, av.assoc_id, &na))
			return EINVAL;
		av.assoc_value = name == SCTP_CONTEXT  ? (uint32_t)n->context
				 : name == SCTP_MAXSEG ? n->maxseg
						       : n->max_burst;
		return sd_opt_put(val, len, &av, sizeof(av));
	}
	case SCTP_DEFAULT_SEND_PARAM:
		return sd_opt_put(val, len, &n->dflt, sizeof(n->dflt));
	case SCTP_DEFAULT_SNDINFO: {
		struct sctp_sndinfo si = {
		    .snd_sid = n->dflt.sinfo_stream,
		    .snd_flags = n->dflt.sinfo_flags,
		    .snd_ppid = n->dflt.sinfo_ppid,
		    .snd_context = n->dflt.sinfo_context,
		};
		if (*len < sizeof(si))
			return EINVAL;
		memcpy(&si.snd_assoc_id, val, sizeof(si.snd_assoc_id));
		return sd_opt_put(val, len, &si, sizeof(si));
	}
	case SCTP_DEFAULT_PRINFO: {
		struct sctp_default_prinfo pi;
		if (*len < sizeof(pi))
			return EINVAL;
		memcpy(&pi, val, sizeof(pi));
		pi.pr_policy = n->dflt.sinfo_flags & SCTP_PR_SCTP_MASK;
		pi.pr_value = n->dflt.sinfo_timetolive;
		return sd_opt_put(val, len, &pi, sizeof(pi));
	}
	case SCTP_PEER_ADDR_PARAMS:
		return get_paddr_params(s, val, len);
	case SCTP_RTOINFO: {
		struct sctp_rtoinfo ri;
		if (*len < sizeof(ri))
			return EINVAL;
		memcpy(&ri, val, sizeof(ri));
		esctp_config cfg;
		sd_engine_config(s->d, &s->params, &cfg);
		ri.srto_initial = cfg.rto_initial_ms;
		ri.srto_min = cfg.rto_min_ms;
		ri.srto_max = cfg.rto_max_ms;
		return sd_opt_put(val, len, &ri, sizeof(ri));
	}
	case SCTP_ASSOCINFO: {
		struct sctp_assocparams ap;
		if (*len < sizeof(ap))
			return EINVAL;
		memcpy(&ap, val, sizeof(ap));
		nassoc *na;
		int e = sd_opt_assoc_or_any(s, ap.sasoc_assoc_id, &na);
		if (e)
			return e;
		esctp_config cfg;
		sd_engine_config(s->d, &s->params, &cfg);
		ap.sasoc_asocmaxrxt = n->assoc_max_retrans
					  ? (uint16_t)n->assoc_max_retrans
					  : cfg.assoc_max_retrans;
		ap.sasoc_local_rwnd = cfg.rcvbuf;
		ap.sasoc_cookie_life =
		    n->cookie_life ? n->cookie_life : cfg.cookie_life_ms;
		if (na) {
			esctp_status es;
			esctp_assoc_status(na->a, &es);
			ap.sasoc_number_peer_destinations = (uint16_t)es.npaths;
			ap.sasoc_peer_rwnd = es.peer_rwnd;
		}
		return sd_opt_put(val, len, &ap, sizeof(ap));
	}
	case SCTP_DELAYED_SACK: {
		struct sctp_sack_info si;
		if (*len < sizeof(si))
			return EINVAL;
		memcpy(&si, val, sizeof(si));
		si.sack_delay = n->sack_delay;
		si.sack_freq = n->sack_freq;
		return sd_opt_put(val, len, &si, sizeof(si));
	}
	case SCTP_PR_SUPPORTED: {
		struct sctp_assoc_value av;
		if (*len < sizeof(av))
			return EINVAL;
		memcpy(&av, val, sizeof(av));
		nassoc *na;
		int e = sd_opt_assoc_or_any(s, av.assoc_id, &na);
		if (e)
			return e;
		esctp_status es = {0};
		if (na)
			esctp_assoc_status(na->a, &es);
		av.assoc_value = na ? es.prsctp : n->prsctp;
		return sd_opt_put(val, len, &av, sizeof(av));
	}
	case SCTP_REUSE_PORT:
		return put_int(val, len, s->reuseport);
	case SCTP_PR_ASSOC_STATUS:
		return get_pr_status(s, val, len);
	case SCTP_PRIMARY_ADDR:
		return get_primary(s, val, len);
	}
	return sd_sctpopt_more_get(s, name, val, len);
}
