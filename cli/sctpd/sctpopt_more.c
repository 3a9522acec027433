/*
 * sctpopt_more.c - the SOL_SCTP options of features the embedded engine
 * does not have: SCTP-AUTH (RFC 4895), ASCONF (RFC 5061), stream
 * reconfiguration (RFC 6525), I-DATA interleaving (RFC 8260), ECN,
 * PLPMTUD (RFC 8899), stream schedulers other than first come, first
 * served, and primary-path switchover (RFC 7829).  Each answers as Linux
 * answers with the net.sctp sysctls auth_enable, addip_enable,
 * reconf_enable and intl_enable at their default 0, and ecn_enable 0
 * (net/sctp/socket.c, auth.c, stream.c, stream_sched.c): the same checks
 * in the same order, the same errors, the values reading back 0.
 *
 * Linux lets a socket turn most of these on whatever the sysctl says
 * (SCTP_AUTH_SUPPORTED, SCTP_ASCONF_SUPPORTED, SCTP_ECN_SUPPORTED,
 * SCTP_RECONFIG_SUPPORTED set a per-endpoint flag; a PLPMTUD interval or
 * a switchover threshold just takes effect).  The engine cannot, so
 * asking for it fails with EPERM, the kernel's own answer when a sysctl
 * forbids an extension (sctp_setsockopt_interleaving_supported() with
 * intl_enable 0, sctp_setsockopt_peer_primary_addr() with addip_enable
 * 0), rather than succeeding in pretence.  Turning them off, or leaving
 * them off, succeeds.  withsctp-sctp(7) lists every one.
 *
 * Also here, what the engine serves of: the path thresholds
 * (SCTP_PEER_ADDR_THLDS, per socket: the engine has one Path.Max.Retrans
 * and one PF threshold per endpoint), the remote UDP encapsulation port
 * (RFC 6951: every association is encapsulated), the association
 * statistics, and whether the potentially-failed state is exposed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "native.h"
#include "port.h"
#include "sctpopt.h"
#include "sock.h"

/* include/net/sctp/constants.h: SCTP_PROBE_TIMER_MIN, ms. */
#define PROBE_TIMER_MIN 5000
/* Linux's ps_retrans default: primary-path switchover off. */
#define PS_RETRANS_OFF 0xffff

/* ---- helpers ---- */

static bool one_to_many(const wsock *s)
{
	return s->kind == WSP_K_SCTP_SEQPACKET; /* sctp_style(sk, UDP) */
}

static bool one_to_one(const wsock *s)
{
	return s->kind == WSP_K_SCTP_STREAM; /* sctp_style(sk, TCP) */
}

/* The getsockopt checks most options share: "if (!asoc &&
 * params.assoc_id != SCTP_FUTURE_ASSOC && sctp_style(sk, UDP)) retval =
 * -EINVAL;".  0 or EINVAL; *na the association (or NULL: the socket). */
static int assoc_or_future(wsock *s, int32_t id, nassoc **na)
{
	*na = sd_opt_assoc(s, id);
	if (!*na && id != SCTP_FUTURE_ASSOC && one_to_many(s))
		return EINVAL;
	return 0;
}

/* Linux sctp_is_any(): the wildcard of the address's family, or of the
 * socket's when the family is AF_UNSPEC; an unknown family is not. */
static bool is_any(const wsock *s, const struct sockaddr_storage *ss)
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
static int find_path(wsock *s, const struct sockaddr_storage *ss, int32_t id,
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

/* Linux sctp_is_ep_boundall(): bound, to the wildcard address alone. */
static bool bound_all(const wsock *s)
{
	static const uint8_t zero[16];
	return s->port && !s->nat->nextra &&
	       !memcmp(s->bound.ip, zero, s->bound.family == AF_INET ? 4 : 16);
}

/* ---- SCTP-AUTH (auth_enable 0) ---- */

/* sctp_setsockopt_auth_key/_active_key/_del_key/_deactivate_key after
 * their length checks: auth.c's sctp_auth_set_key() and the others
 * return -EACCES "if (!asoc->peer.auth_capable)" for an association and
 * "if (!ep->auth_enable)" for the socket; SCTP_CURRENT_ASSOC only walks
 * the associations, so it succeeds on a socket that has none. */
static int auth_key_op(wsock *s, int32_t id)
{
	nassoc *na;
	if (sd_opt_assoc_or_any(s, id, &na))
		return EINVAL;
	if (na)
		return EACCES;
	if (one_to_one(s))
		id = SCTP_FUTURE_ASSOC;
	if (id == SCTP_FUTURE_ASSOC || id == SCTP_ALL_ASSOC)
		return EACCES;
	if (id == SCTP_CURRENT_ASSOC && s->nat->assocs)
		return EACCES;
	return 0;
}

static int set_auth_key(wsock *s, const void *val, uint32_t len)
{
	struct sctp_authkey k;
	/* "if (optlen <= sizeof(struct sctp_authkey)) return -EINVAL;" */
	if (len <= sizeof(k))
		return EINVAL;
	memcpy(&k, val, sizeof(k));
	/* "if (authkey->sca_keylength > optlen - sizeof(*authkey))" */
	if (k.sca_keylength > len - sizeof(k))
		return EINVAL;
	return auth_key_op(s, k.sca_assoc_id);
}

static int set_auth_keyid(wsock *s, const void *val, uint32_t len)
{
	struct sctp_authkeyid k;
	/* "if (optlen != sizeof(struct sctp_authkeyid)) return -EINVAL;" */
	if (len != sizeof(k))
		return EINVAL;
	memcpy(&k, val, sizeof(k));
	return auth_key_op(s, k.scact_assoc_id);
}

/* sctp_getsockopt_active_key(): "if (!asoc && val.scact_assoc_id &&
 * sctp_style(sk, UDP)) return -EINVAL;", then -EACCES for the
 * association ("!asoc->peer.auth_capable") or the socket
 * ("!ep->auth_enable"). */
static int get_active_key(wsock *s, const void *val, uint32_t len)
{
	struct sctp_authkeyid k;
	if (len < sizeof(k))
		return EINVAL;
	memcpy(&k, val, sizeof(k));
	if (!sd_opt_assoc(s, k.scact_assoc_id) && k.scact_assoc_id &&
	    one_to_many(s))
		return EINVAL;
	return EACCES;
}

/* sctp_getsockopt_peer_auth_chunks(): an association is required ("if
 * (!asoc) return -EINVAL;"), then "if (!asoc->peer.auth_capable) return
 * -EACCES;".  _local_auth_chunks(): the socket too, -EACCES either way. */
static int get_auth_chunks(wsock *s, const void *val, uint32_t len, bool peer)
{
	struct sctp_authchunks c;
	if (len < sizeof(c))
		return EINVAL;
	memcpy(&c, val, sizeof(c));
	nassoc *na;
	if (peer ? !sd_opt_assoc(s, c.gauth_assoc_id)
		 : assoc_or_future(s, c.gauth_assoc_id, &na) != 0)
		return EINVAL;
	return EACCES;
}

/* ---- the *_SUPPORTED flags ---- */

/* sctp_setsockopt_asconf_supported / _auth_supported / _ecn_supported /
 * _reconfig_supported: "if (optlen != sizeof(*params))", then the id
 * check, then the endpoint's flag.  The flag cannot go on here (EPERM,
 * the file's comment); off is what it is. */
static int set_supported(wsock *s, const void *val, uint32_t len)
{
	struct sctp_assoc_value av;
	if (len != sizeof(av))
		return EINVAL;
	memcpy(&av, val, sizeof(av));
	nassoc *na;
	if (assoc_or_future(s, av.assoc_id, &na))
		return EINVAL;
	return av.assoc_value ? EPERM : 0;
}

/* sctp_setsockopt_interleaving_supported(): "if (optlen <
 * sizeof(*p))", the id check, then "if (!sock_net(sk)->sctp.intl_enable
 * || !sp->frag_interleave) return -EPERM;", whatever the value. */
static int set_interleaving(wsock *s, const void *val, uint32_t len)
{
	struct sctp_assoc_value av;
	if (len < sizeof(av))
		return EINVAL;
	memcpy(&av, val, sizeof(av));
	nassoc *na;
	if (assoc_or_future(s, av.assoc_id, &na))
		return EINVAL;
	return EPERM;
}

/* sctp_getsockopt_*_supported and _scheduler: "if (len <
 * sizeof(params)) -EINVAL", the id check, then the peer's capability for
 * an association or the endpoint's flag (the scheduler: SCTP_SS_FCFS),
 * 0 either way here. */
static int get_zero(wsock *s, void *val, uint32_t *len)
{
	struct sctp_assoc_value av;
	if (*len < sizeof(av))
		return EINVAL;
	memcpy(&av, val, sizeof(av));
	nassoc *na;
	if (assoc_or_future(s, av.assoc_id, &na))
		return EINVAL;
	av.assoc_value = 0;
	return sd_opt_put(val, len, &av, sizeof(av));
}

/* ---- stream reconfiguration (reconf_enable 0) ---- */

/* sctp_setsockopt_enable_strreset(): kept and read back; without
 * RECONFIG support on either side no request is ever sent or granted. */
static int set_strreset(wsock *s, const void *val, uint32_t len)
{
	struct sctp_assoc_value av;
	if (len != sizeof(av))
		return EINVAL;
	memcpy(&av, val, sizeof(av));
	if (av.assoc_value & ~(uint32_t)SCTP_ENABLE_STRRESET_MASK)
		return EINVAL;
	nassoc *na;
	if (sd_opt_assoc_or_any(s, av.assoc_id, &na))
		return EINVAL;
	if (na) {
		na->strreset = (uint8_t)av.assoc_value;
		return 0;
	}
	int32_t id = one_to_one(s) ? SCTP_FUTURE_ASSOC : av.assoc_id;
	if (id == SCTP_FUTURE_ASSOC || id == SCTP_ALL_ASSOC)
		s->nat->strreset = (uint8_t)av.assoc_value;
	if (id == SCTP_CURRENT_ASSOC || id == SCTP_ALL_ASSOC)
		for (nassoc *x = s->nat->assocs; x; x = x->next)
			x->strreset = (uint8_t)av.assoc_value;
	return 0;
}

static int get_strreset(wsock *s, void *val, uint32_t *len)
{
	struct sctp_assoc_value av;
	if (*len < sizeof(av))
		return EINVAL;
	memcpy(&av, val, sizeof(av));
	nassoc *na;
	if (assoc_or_future(s, av.assoc_id, &na))
		return EINVAL;
	av.assoc_value = na ? na->strreset : s->nat->strreset;
	return sd_opt_put(val, len, &av, sizeof(av));
}

/* SCTP_RESET_STREAMS, SCTP_RESET_ASSOC, SCTP_ADD_STREAMS: their length
 * checks, an association required, then stream.c's "if
 * (!asoc->peer.reconf_capable || ...) return -ENOPROTOOPT;". */
static int reconf_request(wsock *s, int name, const void *val, uint32_t len)
{
	int32_t id = 0;
	if (name == SCTP_RESET_STREAMS) {
		struct sctp_reset_streams r;
		if (len < sizeof(r))
			return EINVAL;
		memcpy(&r, val, sizeof(r));
		/* "if (params->srs_number_streams * sizeof(__u16) > optlen -
		 * sizeof(*params))" */
		if (r.srs_number_streams * sizeof(uint16_t) > len - sizeof(r))
			return EINVAL;
		id = r.srs_assoc_id;
	} else if (name == SCTP_RESET_ASSOC) {
		if (len != sizeof(sctp_assoc_t))
			return EINVAL;
		memcpy(&id, val, sizeof(id));
	} else {
		struct sctp_add_streams a;
		if (len != sizeof(a))
			return EINVAL;
		memcpy(&a, val, sizeof(a));
		id = a.sas_assoc_id;
	}
	return sd_opt_assoc(s, id) ? ENOPROTOOPT : EINVAL;
}

/* ---- stream schedulers: first come, first served only ---- */

/* sctp_setsockopt_scheduler(): "if (params->assoc_value > SCTP_SS_MAX)
 * return -EINVAL;" and the id check.  The engine sends in queue order,
 * which is SCTP_SS_FCFS; another scheduler gets the EINVAL of a kernel
 * that does not have it. */
static int set_scheduler(wsock *s, const void *val, uint32_t len)
{
	struct sctp_assoc_value av;
	if (len < sizeof(av))
		return EINVAL;
	memcpy(&av, val, sizeof(av));
	if (av.assoc_value > SCTP_SS_MAX)
		return EINVAL;
	nassoc *na;
	if (sd_opt_assoc_or_any(s, av.assoc_id, &na))
		return EINVAL;
	return av.assoc_value == SCTP_SS_FCFS ? 0 : EINVAL;
}

static uint16_t out_streams(const nassoc *na)
{
	/* Before the handshake, the streams asked for
	 * (sctp_stream_init(asoc->c.sinit_num_ostreams)). */
	return na->out_streams ? na->out_streams
			       : na->s->nat->initmsg.sinit_num_ostreams;
}

/* sctp_setsockopt_scheduler_value(): "if (!asoc && params->assoc_id !=
 * SCTP_CURRENT_ASSOC && sctp_style(sk, UDP))", then per association
 * stream_sched.c's "if (sid >= asoc->stream.outcnt) return -EINVAL;";
 * FCFS's set() ignores the value. */
static int set_sched_value(wsock *s, const void *val, uint32_t len)
{
	struct sctp_stream_value sv;
	if (len < sizeof(sv))
		return EINVAL;
	memcpy(&sv, val, sizeof(sv));
	nassoc *na = sd_opt_assoc(s, sv.assoc_id);
	if (!na && sv.assoc_id != SCTP_CURRENT_ASSOC && one_to_many(s))
		return EINVAL;
	if (na)
		return sv.stream_id >= out_streams(na) ? EINVAL : 0;
	for (nassoc *x = s->nat->assocs; x; x = x->next)
		if (sv.stream_id >= out_streams(x))
			return EINVAL;
	return 0;
}

/* sctp_getsockopt_scheduler_value(): an association required, the
 * stream below its outbound count; FCFS's get() answers 0. */
static int get_sched_value(wsock *s, void *val, uint32_t *len)
{
	struct sctp_stream_value sv;
	if (*len < sizeof(sv))
		return EINVAL;
	memcpy(&sv, val, sizeof(sv));
	nassoc *na = sd_opt_assoc(s, sv.assoc_id);
	if (!na || sv.stream_id >= out_streams(na))
		return EINVAL;
	sv.stream_value = 0;
	return sd_opt_put(val, len, &sv, sizeof(sv));
}

/* ---- ASCONF (addip_enable 0) ---- */

/* sctp_setsockopt_auto_asconf(): "if (!sctp_is_ep_boundall(sk) &&
 * *val) return -EINVAL;", else kept; with ASCONF off nothing follows
 * from it (as on Linux), and getsockopt reads it back while the socket
 * is bound to the wildcard alone. */
static int set_auto_asconf(wsock *s, const void *val, uint32_t len)
{
	int v;
	if (len < sizeof(v))
		return EINVAL;
	memcpy(&v, val, sizeof(v));
	if (v && !bound_all(s))
		return EINVAL;
	s->nat->auto_asconf = v != 0;
	return 0;
}

/* ---- potentially-failed state (RFC 7829) ---- */

/* sctp_setsockopt_pf_expose(): "if (params->assoc_value >
 * SCTP_PF_EXPOSE_MAX)" and the id check; the association's or the
 * socket's (new associations take it). */
static int set_pf_expose(wsock *s, const void *val, uint32_t len)
{
	struct sctp_assoc_value av;
	if (len != sizeof(av))
		return EINVAL;
	memcpy(&av, val, sizeof(av));
	if (av.assoc_value > PF_EXPOSE_ENABLE)
		return EINVAL;
	nassoc *na;
	if (assoc_or_future(s, av.assoc_id, &na))
		return EINVAL;
	if (na)
		na->pf_expose = (uint8_t)av.assoc_value;
	else
		s->nat->pf_expose = (uint8_t)av.assoc_value;
	return 0;
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
static int set_thresholds(wsock *s, const void *val, uint32_t len, bool v2)
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
	nassoc *na;
	if (!is_any(s, &t.spt_address)) {
		esctp_status st;
		if (find_path(s, &t.spt_address, t.spt_assoc_id, &na, &st) < 0)
			return ENOENT;
	} else if (assoc_or_future(s, t.spt_assoc_id, &na)) {
		return EINVAL;
	}
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

static int get_thresholds(wsock *s, void *val, uint32_t *len, bool v2)
{
	struct sctp_paddrthlds_v2 t;
	uint32_t need = v2 ? sizeof(t) : sizeof(struct sctp_paddrthlds);
	if (*len < need)
		return EINVAL;
	memset(&t, 0, sizeof(t));
	memcpy(&t, val, need);
	nassoc *na;
	if (!is_any(s, &t.spt_address)) {
		esctp_status st;
		if (find_path(s, &t.spt_address, t.spt_assoc_id, &na, &st) < 0)
			return ENOENT;
	} else if (assoc_or_future(s, t.spt_assoc_id, &na)) {
		return EINVAL;
	}
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
static int set_encap_port(wsock *s, const void *val, uint32_t len)
{
	struct sctp_udpencaps u;
	if (len != sizeof(u))
		return EINVAL;
	memcpy(&u, val, sizeof(u));
	uint16_t port = ntohs(u.sue_port);
	nassoc *na;
	esctp_status st;
	if (!is_any(s, &u.sue_address)) {
		int i = find_path(s, &u.sue_address, u.sue_assoc_id, &na, &st);
		if (i < 0)
			return EINVAL;
		return st.paths[i].addr.port == port ? 0 : EPERM;
	}
	if (assoc_or_future(s, u.sue_assoc_id, &na))
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
static int get_encap_port(wsock *s, void *val, uint32_t *len)
{
	struct sctp_udpencaps u;
	if (*len < sizeof(u))
		return EINVAL;
	memcpy(&u, val, sizeof(u));
	nassoc *na;
	esctp_status st;
	if (!is_any(s, &u.sue_address)) {
		int i = find_path(s, &u.sue_address, u.sue_assoc_id, &na, &st);
		if (i < 0)
			return EINVAL;
		u.sue_port = htons(st.paths[i].addr.port);
		return sd_opt_put(val, len, &u, sizeof(u));
	}
	if (assoc_or_future(s, u.sue_assoc_id, &na))
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

/* ---- PLPMTUD (RFC 8899): off ---- */

/* sctp_setsockopt_probe_interval(): "if (probe_interval &&
 * probe_interval < SCTP_PROBE_TIMER_MIN) return -EINVAL;", an address
 * must be a path, an id an association.  The engine does no PLPMTUD: 0
 * (off, Linux's default) succeeds, an interval fails with EPERM. */
static int set_probe_interval(wsock *s, const void *val, uint32_t len)
{
	struct sctp_probeinterval p;
	if (len != sizeof(p))
		return EINVAL;
	memcpy(&p, val, sizeof(p));
	if (p.spi_interval && p.spi_interval < PROBE_TIMER_MIN)
		return EINVAL;
	nassoc *na;
	esctp_status st;
	if (!is_any(s, &p.spi_address)) {
		if (find_path(s, &p.spi_address, p.spi_assoc_id, &na, &st) < 0)
			return EINVAL;
	} else if (assoc_or_future(s, p.spi_assoc_id, &na)) {
		return EINVAL;
	}
	return p.spi_interval ? EPERM : 0;
}

static int get_probe_interval(wsock *s, void *val, uint32_t *len)
{
	struct sctp_probeinterval p;
	if (*len < sizeof(p))
		return EINVAL;
	memcpy(&p, val, sizeof(p));
	nassoc *na;
	esctp_status st;
	if (!is_any(s, &p.spi_address)) {
		if (find_path(s, &p.spi_address, p.spi_assoc_id, &na, &st) < 0)
			return EINVAL;
	} else if (assoc_or_future(s, p.spi_assoc_id, &na)) {
		return EINVAL;
	}
	p.spi_interval = 0;
	return sd_opt_put(val, len, &p, sizeof(p));
}

/* ---- association statistics ---- */

/* sctp_getsockopt_assoc_stats(): "if (len < sizeof(sctp_assoc_t))
 * return -EINVAL;", then "len = min_t(size_t, len, sizeof(sas));" (the
 * struct may grow), an association required.  The engine counts packets
 * and retransmitted chunks; the SACK, gap, duplicate, ordered/unordered
 * and control chunk counts it does not keep read 0.  sas_maxrto is the
 * largest RTO of the paths now (ms) and sas_obs_rto_ipaddr that path,
 * where Linux gives the largest RTO computed since the previous call. */
static int get_assoc_stats(wsock *s, void *val, uint32_t *len)
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
		if (w.family == AF_INET) {
			struct sockaddr_in *in =
			    (void *)&sas.sas_obs_rto_ipaddr;
			in->sin_family = AF_INET;
			in->sin_port = htons(w.port);
			memcpy(&in->sin_addr, w.ip, 4);
		} else {
			struct sockaddr_in6 *in6 =
			    (void *)&sas.sas_obs_rto_ipaddr;
			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons(w.port);
			in6->sin6_scope_id = w.scope;
			memcpy(&in6->sin6_addr, w.ip, 16);
		}
		sas.sas_maxrto = st.paths[max].rto_ms;
	}
	sas.sas_opackets = st.packets_sent;
	sas.sas_ipackets = st.packets_received;
	sas.sas_rtxchunks = st.retransmits;
	memcpy(val, &sas, n);
	*len = n;
	return 0;
}

/* ---- entry points ---- */

int sd_sctpopt_more_set(wsock *s, int name, const void *val, uint32_t len)
{
	switch (name) {
	case SCTP_AUTH_CHUNK:
	case SCTP_HMAC_IDENT:
		/* "if (!ep->auth_enable) return -EACCES;", first. */
		return EACCES;
	case SCTP_AUTH_KEY:
		return set_auth_key(s, val, len);
	case SCTP_AUTH_ACTIVE_KEY:
	case SCTP_AUTH_DELETE_KEY:
	case SCTP_AUTH_DEACTIVATE_KEY:
		return set_auth_keyid(s, val, len);
	case SCTP_SET_PEER_PRIMARY_ADDR:
		/* "if (!sp->ep->asconf_enable) return -EPERM;", first. */
		return EPERM;
	case SCTP_AUTO_ASCONF:
		return set_auto_asconf(s, val, len);
	case SCTP_ASCONF_SUPPORTED:
	case SCTP_AUTH_SUPPORTED:
	case SCTP_ECN_SUPPORTED:
	case SCTP_RECONFIG_SUPPORTED:
		return set_supported(s, val, len);
	case SCTP_INTERLEAVING_SUPPORTED:
		return set_interleaving(s, val, len);
	case SCTP_ENABLE_STREAM_RESET:
		return set_strreset(s, val, len);
	case SCTP_RESET_STREAMS:
	case SCTP_RESET_ASSOC:
	case SCTP_ADD_STREAMS:
		return reconf_request(s, name, val, len);
	case SCTP_STREAM_SCHEDULER:
		return set_scheduler(s, val, len);
	case SCTP_STREAM_SCHEDULER_VALUE:
		return set_sched_value(s, val, len);
	case SCTP_EXPOSE_POTENTIALLY_FAILED_STATE:
		return set_pf_expose(s, val, len);
	case SCTP_PEER_ADDR_THLDS:
	case SCTP_PEER_ADDR_THLDS_V2:
		return set_thresholds(s, val, len,
				      name == SCTP_PEER_ADDR_THLDS_V2);
	case SCTP_REMOTE_UDP_ENCAPS_PORT:
		return set_encap_port(s, val, len);
	case SCTP_PLPMTUD_PROBE_INTERVAL:
		return set_probe_interval(s, val, len);
	}
	return ENOPROTOOPT;
}

int sd_sctpopt_more_get(wsock *s, int name, void *val, uint32_t *len)
{
	switch (name) {
	case SCTP_AUTH_KEY:
	case SCTP_AUTH_CHUNK:
	case SCTP_AUTH_DELETE_KEY:
	case SCTP_AUTH_DEACTIVATE_KEY:
		/* sctp_getsockopt(): "retval = -EOPNOTSUPP;" (set only). */
		return EOPNOTSUPP;
	case SCTP_HMAC_IDENT:
		/* "if (!ep->auth_enable) return -EACCES;", first. */
		return EACCES;
	case SCTP_AUTH_ACTIVE_KEY:
		return get_active_key(s, val, *len);
	case SCTP_PEER_AUTH_CHUNKS:
	case SCTP_LOCAL_AUTH_CHUNKS:
		return get_auth_chunks(s, val, *len,
				       name == SCTP_PEER_AUTH_CHUNKS);
	case SCTP_AUTO_ASCONF: {
		/* "if (sctp_sk(sk)->do_auto_asconf &&
		 * sctp_is_ep_boundall(sk)) val = 1;" */
		int v = s->nat->auto_asconf && bound_all(s);
		return sd_opt_put(val, len, &v, sizeof(v));
	}
	case SCTP_ASCONF_SUPPORTED:
	case SCTP_AUTH_SUPPORTED:
	case SCTP_ECN_SUPPORTED:
	case SCTP_RECONFIG_SUPPORTED:
	case SCTP_INTERLEAVING_SUPPORTED:
	case SCTP_STREAM_SCHEDULER:
		return get_zero(s, val, len);
	case SCTP_EXPOSE_POTENTIALLY_FAILED_STATE: {
		struct sctp_assoc_value av;
		if (*len < sizeof(av))
			return EINVAL;
		memcpy(&av, val, sizeof(av));
		nassoc *na;
		if (assoc_or_future(s, av.assoc_id, &na))
			return EINVAL;
		av.assoc_value = na ? na->pf_expose : s->nat->pf_expose;
		return sd_opt_put(val, len, &av, sizeof(av));
	}
	case SCTP_ENABLE_STREAM_RESET:
		return get_strreset(s, val, len);
	case SCTP_STREAM_SCHEDULER_VALUE:
		return get_sched_value(s, val, len);
	case SCTP_PEER_ADDR_THLDS:
	case SCTP_PEER_ADDR_THLDS_V2:
		return get_thresholds(s, val, len,
				      name == SCTP_PEER_ADDR_THLDS_V2);
	case SCTP_REMOTE_UDP_ENCAPS_PORT:
		return get_encap_port(s, val, len);
	case SCTP_PLPMTUD_PROBE_INTERVAL:
		return get_probe_interval(s, val, len);
	case SCTP_GET_ASSOC_STATS:
		return get_assoc_stats(s, val, len);
	}
	return ENOPROTOOPT;
}
