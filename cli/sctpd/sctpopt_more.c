/*
 * sctpopt_more.c - the SOL_SCTP options of features the embedded engine
 * does not have: SCTP-AUTH (RFC 4895), ASCONF (RFC 5061), stream
 * reconfiguration (RFC 6525), I-DATA interleaving (RFC 8260), ECN,
 * PLPMTUD (RFC 8899), stream schedulers other than first come, first
 * served, and primary-path switchover (RFC 7829: sctpopt_path.c's
 * thresholds refuse it).  Each answers as Linux
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
 * What the engine serves in part of the path options (the thresholds,
 * whether the potentially-failed state is exposed, the remote UDP
 * encapsulation port) is sctpopt_path.c's, the association statistics
 * sctpopt_assoc.c's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "native.h"
#include "port.h"
#include "sctpopt.h"
#include "sock.h"

/* include/net/sctp/constants.h: SCTP_PROBE_TIMER_MIN, ms. */
#define PROBE_TIMER_MIN 5000

/* ---- helpers ---- */

static bool one_to_many(const wsock *s)
{
	return s->kind == WSP_K_SCTP_SEQPACKET; /* sctp_style(sk, UDP) */
}

static bool one_to_one(const wsock *s)
{
	return s->kind == WSP_K_SCTP_STREAM; /* sctp_style(sk, TCP) */
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
		 : sd_opt_assoc_or_future(s, c.gauth_assoc_id, &na) != 0)
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
	if (sd_opt_assoc_or_future(s, av.assoc_id, &na))
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
	if (sd_opt_assoc_or_future(s, av.assoc_id, &na))
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
	nassoc *na;
	if (sd_opt_av_in(s, val, *len, &av, &na))
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
	nassoc *na;
	if (sd_opt_av_in(s, val, *len, &av, &na))
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
	if (sd_opt_path_or_assoc(s, &p.spi_address, p.spi_assoc_id, EINVAL))
		return EINVAL;
	return p.spi_interval ? EPERM : 0;
}

static int get_probe_interval(wsock *s, void *val, uint32_t *len)
{
	struct sctp_probeinterval p;
	if (*len < sizeof(p))
		return EINVAL;
	memcpy(&p, val, sizeof(p));
	if (sd_opt_path_or_assoc(s, &p.spi_address, p.spi_assoc_id, EINVAL))
		return EINVAL;
	p.spi_interval = 0;
	return sd_opt_put(val, len, &p, sizeof(p));
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
	case SCTP_ENABLE_STREAM_RESET:
		return get_strreset(s, val, len);
	case SCTP_STREAM_SCHEDULER_VALUE:
		return get_sched_value(s, val, len);
	case SCTP_PLPMTUD_PROBE_INTERVAL:
		return get_probe_interval(s, val, len);
	}
	return ENOPROTOOPT;
}
