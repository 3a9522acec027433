/*
 * sctpopt_assoc.c - the SOL_SCTP options of an association's protocol
 * parameters (SCTP_RTOINFO, SCTP_ASSOCINFO, SCTP_DELAYED_SACK,
 * SCTP_PR_SUPPORTED) and of its state (SCTP_STATUS, SCTP_PR_ASSOC_STATUS,
 * SCTP_GET_ASSOC_STATS, the association ids), with the Linux kernel's struct
 * layouts, checks and errors (net/sctp/socket.c).  sctpopt.c dispatches to
 * them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "native.h"
#include "port.h"
#include "sctpd.h"
#include "sctpopt.h"

/* ---- protocol parameters ---- */

int sd_opt_set_rtoinfo(wsock *s, const void *val, uint32_t len)
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
	sd_native_reconfigure(s, NULL);
	return 0;
}

int sd_opt_get_rtoinfo(wsock *s, void *val, uint32_t *len)
{
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

int sd_opt_set_associnfo(wsock *s, const void *val, uint32_t len)
{
	nsock *n = s->nat;
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
	sd_native_reconfigure(s, NULL);
	return 0;
}

int sd_opt_get_associnfo(wsock *s, void *val, uint32_t *len)
{
	nsock *n = s->nat;
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

int sd_opt_set_delayed_sack(wsock *s, const void *val, uint32_t len)
{
	nsock *n = s->nat;
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
	sd_native_reconfigure(s, NULL);
	return 0;
}

int sd_opt_get_delayed_sack(wsock *s, void *val, uint32_t *len)
{
	nsock *n = s->nat;
	struct sctp_sack_info si;
	if (*len < sizeof(si))
		return EINVAL;
	memcpy(&si, val, sizeof(si));
	si.sack_delay = n->sack_delay;
	si.sack_freq = n->sack_freq;
	return sd_opt_put(val, len, &si, sizeof(si));
}

int sd_opt_set_pr_supported(wsock *s, const void *val, uint32_t len)
{
	struct sctp_assoc_value av;
	if (len != sizeof(av))
		return EINVAL;
	memcpy(&av, val, sizeof(av));
	nassoc *na;
	if (sd_opt_assoc_or_any(s, av.assoc_id, &na))
		return EINVAL;
	s->nat->prsctp = av.assoc_value != 0;
	sd_native_reconfigure(s, NULL);
	return 0;
}

int sd_opt_get_pr_supported(wsock *s, void *val, uint32_t *len)
{
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
	av.assoc_value = na ? es.prsctp : s->nat->prsctp;
	return sd_opt_put(val, len, &av, sizeof(av));
}

/* ---- state ---- */

int sd_opt_get_status(wsock *s, void *val, uint32_t *len)
{
	struct sctp_status st;
	if (*len < sizeof(st))
		return EINVAL;
	memset(&st, 0, sizeof(st));
	nassoc *na = sd_opt_assoc(s, sd_opt_id(val, *len));
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
	/* asoc->frag_point: what the engine fragments at. */
	st.sstat_fragmentation_point = es.frag_point;
	if (es.npaths)
		sd_opt_paddrinfo(s, na, &es, prim, &st.sstat_primary);
	return sd_opt_put(val, len, &st, sizeof(st));
}

/* Linux sctp_getsockopt_pr_assocstatus(): one policy's abandoned
 * messages, or every policy's with SCTP_PR_SCTP_ALL. */
int sd_opt_get_pr_status(wsock *s, void *val, uint32_t *len)
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

/* sctp_getsockopt_assoc_stats(): "if (len < sizeof(sctp_assoc_t))
 * return -EINVAL;", then "len = min_t(size_t, len, sizeof(sas));" (the
 * struct may grow), an association required.  The engine counts packets
 * and retransmitted chunks; the SACK, gap, duplicate, ordered/unordered
 * and control chunk counts it does not keep read 0.  sas_maxrto is the
 * largest RTO of the paths now (ms) and sas_obs_rto_ipaddr that path,
 * where Linux gives the largest RTO computed since the previous call. */
int sd_opt_get_assoc_stats(wsock *s, void *val, uint32_t *len)
{
	struct sctp_assoc_stats sas;
	if (*len < sizeof(sctp_assoc_t))
		return EINVAL;
	uint32_t n = *len < sizeof(sas) ? *len : (uint32_t)sizeof(sas);
	memset(&sas, 0, sizeof(sas));
	memcpy(&sas, val, n);
	nassoc *na = sd_opt_assoc(s, sas.sas_assoc_id);
	if (!na)
		return EINVAL;
	esctp_status st;
	esctp_assoc_status(na->a, &st);
	int max = -1;
	for (uint32_t i = 0; i < st.npaths && i < 8; i++)
		if (max < 0 || st.paths[i].rto_ms > st.paths[max].rto_ms)
			max = (int)i;
	memset(&sas.sas_obs_rto_ipaddr, 0, sizeof(sas.sas_obs_rto_ipaddr));
	if (max >= 0) {
		/* The transport's own address (sctp_max_rto() copies
		 * trans->ipaddr): IPv4 stays AF_INET on an AF_INET6
		 * socket. */
		const esctp_addr *ea = &st.paths[max].addr;
		wsp_addr w;
		sd_addr_from_esctp(
		    ea, st.peer_port,
		    ea->family == ESCTP_AF_INET ? AF_INET : AF_INET6, &w);
		uint32_t alen;
		sd_opt_sockaddr(&w, &sas.sas_obs_rto_ipaddr, &alen);
		sas.sas_maxrto = st.paths[max].rto_ms;
	}
	sas.sas_opackets = st.packets_sent;
	sas.sas_ipackets = st.packets_received;
	sas.sas_rtxchunks = st.retransmits;
	memcpy(val, &sas, n);
	*len = n;
	return 0;
}

int sd_opt_get_id_list(wsock *s, void *val, uint32_t *len)
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

int sd_opt_get_assoc_number(wsock *s, void *val, uint32_t *len)
{
	if (s->kind == WSP_K_SCTP_STREAM)
		return EOPNOTSUPP;
	int c = 0;
	for (nassoc *na = s->nat->assocs; na; na = na->next)
		c++;
	return sd_opt_put_int(val, len, c);
}
