/*
 * sctpopt_path.c - the SOL_SCTP options about paths that the embedded
 * engine serves in part, with the Linux kernel's checks and errors
 * (net/sctp/socket.c): the path thresholds (SCTP_PEER_ADDR_THLDS and
 * _V2, per socket: the engine has one Path.Max.Retrans and one PF
 * threshold per endpoint), whether the potentially-failed state is
 * exposed (SCTP_EXPOSE_POTENTIALLY_FAILED_STATE, RFC 7829) and the remote
 * UDP encapsulation port (SCTP_REMOTE_UDP_ENCAPS_PORT, RFC 6951: every
 * association is encapsulated).  Primary-path switchover, which the
 * engine lacks, is refused with EPERM, as sctpopt_more.c refuses the
 * other features it lacks.  sctpopt.c dispatches to them.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "native.h"
#include "port.h"
#include "sctpopt.h"

/* Linux's ps_retrans default: primary-path switchover off. */
#define PS_RETRANS_OFF 0xffff

/* ---- potentially-failed state (RFC 7829) ---- */

/* sctp_setsockopt_pf_expose(): "if (params->assoc_value >
 * SCTP_PF_EXPOSE_MAX)" and the id check; the association's or the
 * socket's (new associations take it). */
int sd_opt_set_pf_expose(wsock *s, const void *val, uint32_t len)
{
	struct sctp_assoc_value av;
	if (len != sizeof(av))
		return EINVAL;
	memcpy(&av, val, sizeof(av));
	if (av.assoc_value > PF_EXPOSE_ENABLE)
		return EINVAL;
	nassoc *na;
	if (sd_opt_assoc_or_future(s, av.assoc_id, &na))
		return EINVAL;
	if (na)
		na->pf_expose = (uint8_t)av.assoc_value;
	else
		s->nat->pf_expose = (uint8_t)av.assoc_value;
	return 0;
}

int sd_opt_get_pf_expose(wsock *s, void *val, uint32_t *len)
{
	struct sctp_assoc_value av;
	nassoc *na;
	if (sd_opt_av_in(s, val, *len, &av, &na))
		return EINVAL;
	av.assoc_value = na ? na->pf_expose : s->nat->pf_expose;
	return sd_opt_put(val, len, &av, sizeof(av));
}

bool sd_sctpopt_paddr_notify(nassoc *na, const esctp_event *ev)
{
	esctp_status st;
	esctp_assoc_status(na->a, &st);
	uint8_t bit = 0;
	for (uint32_t i = 0; i < st.npaths && i < 8; i++)
		if (esctp_addr_equal(&st.paths[i].addr, &ev->addr))
			bit = (uint8_t)(1u << i);
	bool shown = na->pf_expose == PF_EXPOSE_ENABLE;
	/* sctp_assoc_control_transport(), SCTP_TRANSPORT_PF: "if (ulp_notify
	 * && asoc->pf_expose == SCTP_PF_EXPOSE_ENABLE) spc_state =
	 * SCTP_ADDR_POTENTIALLY_FAILED; else ulp_notify = false;" */
	if (ev->path_state == ESCTP_ADDR_POTENTIALLY_FAILED) {
		if (!shown)
			na->pf_hidden |= bit;
		return shown;
	}
	bool was_hidden = na->pf_hidden & bit;
	na->pf_hidden &= (uint8_t)~bit;
	/* SCTP_TRANSPORT_UP: "if (transport->state == SCTP_PF &&
	 * asoc->pf_expose != SCTP_PF_EXPOSE_ENABLE) ulp_notify = false;" */
	return !(ev->path_state == ESCTP_ADDR_AVAILABLE && was_hidden);
}

/* ---- thresholds (SCTP_PEER_ADDR_THLDS, _V2) ---- */

/* sctp_setsockopt_paddr_thresholds(): "if (v2 && val->spt_pathpfthld >
 * val->spt_pathcpthld) return -EINVAL;"; an address must be a path
 * ("if (!trans) return -ENOENT;"), an id an association.  The engine
 * keeps Path.Max.Retrans and the PF threshold per endpoint: whatever the
 * address or association, the socket's whole set changes. */
int sd_opt_set_thresholds(wsock *s, const void *val, uint32_t len, bool v2)
{
	struct sctp_paddrthlds_v2 t;
	uint32_t need = v2 ? sizeof(t) : sizeof(struct sctp_paddrthlds);
	if (len < need)
		return EINVAL;
	memset(&t, 0, sizeof(t));
	memcpy(&t, val, need);
	if (!v2)
		t.spt_pathcpthld = PS_RETRANS_OFF;
	if (t.spt_pathpfthld > t.spt_pathcpthld)
		return EINVAL;
	int e = sd_opt_path_or_assoc(s, &t.spt_address, t.spt_assoc_id, ENOENT);
	if (e)
		return e;
	/* Primary-path switchover: the engine has none. */
	if (t.spt_pathcpthld != PS_RETRANS_OFF)
		return EPERM;
	if (t.spt_pathmaxrxt)
		s->nat->pathmaxrxt = t.spt_pathmaxrxt;
	s->nat->pf_retrans = t.spt_pathpfthld;
	sd_native_reconfigure(s, NULL);
	return 0;
}

uint16_t sd_sctpopt_pathmaxrxt(wsock *s)
{
	if (s->nat->pathmaxrxt)
		return s->nat->pathmaxrxt;
	esctp_config cfg;
	sd_engine_config(s->d, &s->params, &cfg);
	return cfg.path_max_retrans;
}

int sd_opt_get_thresholds(wsock *s, void *val, uint32_t *len, bool v2)
{
	struct sctp_paddrthlds_v2 t;
	uint32_t need = v2 ? sizeof(t) : sizeof(struct sctp_paddrthlds);
	if (*len < need)
		return EINVAL;
	memset(&t, 0, sizeof(t));
	memcpy(&t, val, need);
	int e = sd_opt_path_or_assoc(s, &t.spt_address, t.spt_assoc_id, ENOENT);
	if (e)
		return e;
	t.spt_pathmaxrxt = sd_sctpopt_pathmaxrxt(s);
	t.spt_pathpfthld = s->nat->pf_retrans;
	t.spt_pathcpthld = PS_RETRANS_OFF;
	return sd_opt_put(val, len, &t, need);
}

/* ---- UDP encapsulation (RFC 6951) ---- */

/* sctp_setsockopt_encap_port(): the port to send an association's
 * packets to.  The socket's (host order here, network order in the
 * struct) is where the associations it starts later send, 0 meaning
 * sctpd's own port (the engine always encapsulates: Linux's 0, plain
 * SCTP over IP, it cannot do).  A path or an association keeps the port
 * it has: the same value succeeds, another fails with EPERM. */
int sd_opt_set_encap_port(wsock *s, const void *val, uint32_t len)
{
	struct sctp_udpencaps u;
	if (len != sizeof(u))
		return EINVAL;
	memcpy(&u, val, sizeof(u));
	uint16_t port = ntohs(u.sue_port);
	nassoc *na;
	esctp_status st;
	if (!sd_opt_is_any(s, &u.sue_address)) {
		int i = sd_opt_find_path(s, &u.sue_address, u.sue_assoc_id, &na,
					 &st);
		if (i < 0)
			return EINVAL;
		return st.paths[i].addr.port == port ? 0 : EPERM;
	}
	if (sd_opt_assoc_or_future(s, u.sue_assoc_id, &na))
		return EINVAL;
	if (!na) {
		s->nat->encap_port = port;
		return 0;
	}
	esctp_assoc_status(na->a, &st);
	for (uint32_t i = 0; i < st.npaths && i < 8; i++)
		if (st.paths[i].addr.port != port)
			return EPERM;
	return 0;
}

/* sctp_getsockopt_encap_port(): a path's port, an association's (its
 * primary path's: the peer's UDP port), or the socket's setting. */
int sd_opt_get_encap_port(wsock *s, void *val, uint32_t *len)
{
	struct sctp_udpencaps u;
	if (*len < sizeof(u))
		return EINVAL;
	memcpy(&u, val, sizeof(u));
	nassoc *na;
	esctp_status st;
	if (!sd_opt_is_any(s, &u.sue_address)) {
		int i = sd_opt_find_path(s, &u.sue_address, u.sue_assoc_id, &na,
					 &st);
		if (i < 0)
			return EINVAL;
		u.sue_port = htons(st.paths[i].addr.port);
		return sd_opt_put(val, len, &u, sizeof(u));
	}
	if (sd_opt_assoc_or_future(s, u.sue_assoc_id, &na))
		return EINVAL;
	u.sue_port = htons(s->nat->encap_port);
	if (na) {
		esctp_assoc_status(na->a, &st);
		for (uint32_t i = 0; i < st.npaths && i < 8; i++)
			if (st.paths[i].primary || i == 0)
				u.sue_port = htons(st.paths[i].addr.port);
	}
	return sd_opt_put(val, len, &u, sizeof(u));
}
