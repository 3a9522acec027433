/*
 * sctpopt.c - SOL_SCTP options of native sockets, with the Linux kernel's
 * struct layouts, checks and errors (net/sctp/socket.c,
 * sctp_setsockopt_* and sctp_getsockopt_*): the entry points, which
 * dispatch every option to its handler, the helpers the handlers share,
 * and the options of the socket (flags, notifications, association setup,
 * the defaults of sends).
 *
 * A getsockopt arrives with the program's buffer (its input: most carry an
 * association id first) and length in val/len; the answer goes back in the
 * same buffer, *len set to its length.  The options about addresses are
 * sctpopt_addr.c's, those of an association's parameters and state
 * sctpopt_assoc.c's, those of paths the engine serves in part
 * sctpopt_path.c's; those of features the embedded engine lacks (AUTH,
 * ASCONF, stream reconfiguration, I-DATA, ECN, PLPMTUD...) are
 * sctpopt_more.c's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "native.h"
#include "port.h"
#include "sctpd.h"
#include "sctpopt.h"

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

/* The getsockopt checks most options share: "if (!asoc &&
 * params.assoc_id != SCTP_FUTURE_ASSOC && sctp_style(sk, UDP)) retval =
 * -EINVAL;".  0 or EINVAL; *na the association (or NULL: the socket). */
int sd_opt_assoc_or_future(wsock *s, int32_t id, nassoc **na)
{
	*na = sd_opt_assoc(s, id);
	if (!*na && id != SCTP_FUTURE_ASSOC && s->kind == WSP_K_SCTP_SEQPACKET)
		return EINVAL;
	return 0;
}

/* sctpopt.h */
int sd_opt_av_in(wsock *s, const void *val, uint32_t len,
		 struct sctp_assoc_value *av, nassoc **na)
{
	if (len < sizeof(*av))
		return EINVAL;
	memcpy(av, val, sizeof(*av));
	return sd_opt_assoc_or_future(s, av->assoc_id, na);
}

int32_t sd_opt_id(const void *val, uint32_t len)
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

int sd_opt_put_int(void *val, uint32_t *len, int v)
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

/* ---- notifications ---- */

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

static int set_events(wsock *s, const void *val, uint32_t len)
{
	struct sctp_event_subscribe ev;
	/* Linux: any length up to the struct (older ABIs pass less), not
	 * more. */
	if (len > sizeof(ev))
		return EINVAL;
	memset(&ev, 0, sizeof(ev));
	memcpy(&ev, val, len);
	const uint8_t *f = (const uint8_t *)&ev;
	uint16_t old = s->nat->subscribe, sub = 0;
	for (unsigned i = 0; i < sizeof(ev) && i < 16; i++)
		if (f[i])
			sub |= (uint16_t)(1u << i);
	s->nat->subscribe = sub;
	if (sub & ~old)
		dry_now(s);
	return 0;
}

static int get_events(wsock *s, void *val, uint32_t *len)
{
	struct sctp_event_subscribe ev;
	uint8_t *f = (uint8_t *)&ev;
	memset(&ev, 0, sizeof(ev));
	for (unsigned i = 0; i < sizeof(ev) && i < 16; i++)
		f[i] = (s->nat->subscribe >> i) & 1;
	/* Linux: min(len, sizeof): programs probe the size; 0 is
	 * EINVAL. */
	if (!*len)
		return EINVAL;
	uint32_t l = *len < sizeof(ev) ? *len : (uint32_t)sizeof(ev);
	memcpy(val, &ev, l);
	*len = l;
	return 0;
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

static int get_event(wsock *s, void *val, uint32_t *len)
{
	struct sctp_event ev;
	if (*len < sizeof(ev))
		return EINVAL;
	memcpy(&ev, val, sizeof(ev));
	ev.se_on = sd_notif_on(s, ev.se_type);
	return sd_opt_put(val, len, &ev, sizeof(ev));
}

/* ---- association setup ---- */

static int set_initmsg(wsock *s, const void *val, uint32_t len)
{
	nsock *n = s->nat;
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
		n->initmsg.sinit_max_init_timeo = im.sinit_max_init_timeo;
	s->params.out_streams = n->initmsg.sinit_num_ostreams;
	s->params.max_in_streams = n->initmsg.sinit_max_instreams;
	sd_native_reconfigure(s, NULL);
	return 0;
}

static int set_adaptation(wsock *s, const void *val, uint32_t len)
{
	nsock *n = s->nat;
	struct sctp_setadaptation a;
	if (len != sizeof(a))
		return EINVAL;
	memcpy(&a, val, sizeof(a));
	n->adaptation_ind = a.ssb_adaptation_ind;
	n->adaptation_set = true;
	sd_native_reconfigure(s, NULL);
	return 0;
}

static int get_adaptation(wsock *s, void *val, uint32_t *len)
{
	struct sctp_setadaptation a = {s->nat->adaptation_ind};
	return sd_opt_put(val, len, &a, sizeof(a));
}

static int set_autoclose(wsock *s, const void *val, uint32_t len)
{
	int v;
	if (get_int(val, len, &v))
		return EINVAL;
	/* Linux: one-to-many only. */
	if (s->kind != WSP_K_SCTP_SEQPACKET)
		return EOPNOTSUPP;
	s->nat->autoclose = (uint32_t)v;
	sd_native_autoclose(s->d);
	return 0;
}

static int get_autoclose(wsock *s, void *val, uint32_t *len)
{
	if (s->kind != WSP_K_SCTP_SEQPACKET)
		return EOPNOTSUPP;
	return sd_opt_put_int(val, len, (int)s->nat->autoclose);
}

/* ---- sends and receives ---- */

static int set_nodelay(wsock *s, const void *val, uint32_t len)
{
	nsock *n = s->nat;
	int v;
	if (get_int(val, len, &v))
		return EINVAL;
	n->nodelay = v != 0;
	for (nassoc *na = n->assocs; na; na = na->next)
		esctp_assoc_set_nodelay(na->a, n->nodelay);
	return 0;
}

static int set_default_send_param(wsock *s, const void *val, uint32_t len)
{
	struct sctp_sndrcvinfo si;
	if (len != sizeof(si))
		return EINVAL;
	memcpy(&si, val, sizeof(si));
	if (si.sinfo_flags &
	    ~(SCTP_UNORDERED | SCTP_ADDR_OVER | SCTP_ABORT | SCTP_EOF))
		return EINVAL;
	s->nat->dflt = si;
	return 0;
}

static int set_default_sndinfo(wsock *s, const void *val, uint32_t len)
{
	nsock *n = s->nat;
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

static int get_default_sndinfo(wsock *s, void *val, uint32_t *len)
{
	nsock *n = s->nat;
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

static int set_default_prinfo(wsock *s, const void *val, uint32_t len)
{
	nsock *n = s->nat;
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

static int get_default_prinfo(wsock *s, void *val, uint32_t *len)
{
	nsock *n = s->nat;
	struct sctp_default_prinfo pi;
	if (*len < sizeof(pi))
		return EINVAL;
	memcpy(&pi, val, sizeof(pi));
	pi.pr_policy = n->dflt.sinfo_flags & SCTP_PR_SCTP_MASK;
	pi.pr_value = n->dflt.sinfo_timetolive;
	return sd_opt_put(val, len, &pi, sizeof(pi));
}

static int set_context(wsock *s, const void *val, uint32_t len)
{
	struct sctp_assoc_value av;
	if (len != sizeof(av))
		return EINVAL;
	memcpy(&av, val, sizeof(av));
	nassoc *na;
	if (sd_opt_assoc_or_any(s, av.assoc_id, &na))
		return EINVAL;
	s->nat->context = (int32_t)av.assoc_value;
	return 0;
}

static int set_maxseg(wsock *s, const void *val, uint32_t len)
{
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
	if (av.assoc_value && (av.assoc_value < 512 || av.assoc_value > 65535))
		return EINVAL;
	/* Linux: the association's user_frag (a one-to-one socket's once it
	 * is up, whatever the id), else the socket's, which its future
	 * associations start with; on a one-to-many socket an id that names
	 * no association, SCTP_CURRENT_ASSOC and SCTP_ALL_ASSOC included, is
	 * EINVAL ("if (!asoc && assoc_id != SCTP_FUTURE_ASSOC && UDP
	 * style)"). */
	nassoc *na;
	if (sd_opt_assoc_or_future(s, av.assoc_id, &na))
		return EINVAL;
	if (na)
		esctp_assoc_set_maxseg(na->a, av.assoc_value);
	else
		s->nat->maxseg = av.assoc_value;
	return 0;
}

/* Linux sctp_getsockopt_maxseg(): an association's fragment point in use
 * (asoc->frag_point: the path MTU's room or its user_frag, the smaller),
 * else the socket's SCTP_MAXSEG; an int asks about SCTP_FUTURE_ASSOC,
 * which on a one-to-one socket is its association. */
static int get_maxseg(wsock *s, void *val, uint32_t *len)
{
	struct sctp_assoc_value av = {.assoc_id = SCTP_FUTURE_ASSOC};
	if (*len >= sizeof(av))
		memcpy(&av, val, sizeof(av));
	else if (*len != sizeof(int))
		return EINVAL;
	nassoc *na;
	if (sd_opt_assoc_or_future(s, av.assoc_id, &na))
		return EINVAL;
	av.assoc_value = s->nat->maxseg;
	if (na) {
		esctp_status es;
		esctp_assoc_status(na->a, &es);
		av.assoc_value = es.frag_point;
	}
	if (*len < sizeof(av))
		return sd_opt_put_int(val, len, (int)av.assoc_value);
	return sd_opt_put(val, len, &av, sizeof(av));
}

static int set_max_burst(wsock *s, const void *val, uint32_t len)
{
	struct sctp_assoc_value av = {0};
	if (len == sizeof(int))
		memcpy(&av.assoc_value, val, sizeof(int));
	else if (len == sizeof(av))
		memcpy(&av, val, sizeof(av));
	else
		return EINVAL;
	s->nat->max_burst = av.assoc_value;
	return 0;
}

static int get_assoc_value(wsock *s, int name, void *val, uint32_t *len)
{
	nsock *n = s->nat;
	struct sctp_assoc_value av;
	if (*len < sizeof(av))
		return EINVAL;
	memcpy(&av, val, sizeof(av));
	nassoc *na;
	if (sd_opt_assoc_or_any(s, av.assoc_id, &na))
		return EINVAL;
	av.assoc_value =
	    name == SCTP_CONTEXT ? (uint32_t)n->context : n->max_burst;
	return sd_opt_put(val, len, &av, sizeof(av));
}

static int set_pd_point(wsock *s, const void *val, uint32_t len)
{
	nsock *n = s->nat;
	int v;
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

static int set_reuse_port(wsock *s, const void *val, uint32_t len)
{
	int v;
	if (get_int(val, len, &v))
		return EINVAL;
	s->reuseport = v != 0;
	return 0;
}

/* ---- entry points ---- */

int sd_sctpopt_set(wsock *s, int name, const void *val, uint32_t len, uid_t uid)
{
	int v;
	bool *flag = flag_of(s->nat, name);
	if (flag) {
		if (get_int(val, len, &v))
			return EINVAL;
		*flag = v != 0;
		return 0;
	}
	switch (name) {
	case SCTP_SOCKOPT_BINDX_ADD:
		return sd_opt_bindx(s, val, len, true, uid);
	case SCTP_SOCKOPT_BINDX_REM:
		return sd_opt_bindx(s, val, len, false, uid);
	case SCTP_INITMSG:
		return set_initmsg(s, val, len);
	case SCTP_EVENTS:
		return set_events(s, val, len);
	case SCTP_EVENT:
		return set_event(s, val, len);
	case SCTP_NODELAY:
		return set_nodelay(s, val, len);
	case SCTP_AUTOCLOSE:
		return set_autoclose(s, val, len);
	case SCTP_ADAPTATION_LAYER:
		return set_adaptation(s, val, len);
	case SCTP_CONTEXT:
		return set_context(s, val, len);
	case SCTP_MAXSEG:
		return set_maxseg(s, val, len);
	case SCTP_PARTIAL_DELIVERY_POINT:
		return set_pd_point(s, val, len);
	case SCTP_MAX_BURST:
		return set_max_burst(s, val, len);
	case SCTP_DEFAULT_SEND_PARAM:
		return set_default_send_param(s, val, len);
	case SCTP_DEFAULT_SNDINFO:
		return set_default_sndinfo(s, val, len);
	case SCTP_DEFAULT_PRINFO:
		return set_default_prinfo(s, val, len);
	case SCTP_PEER_ADDR_PARAMS:
		return sd_opt_set_paddr_params(s, val, len);
	case SCTP_RTOINFO:
		return sd_opt_set_rtoinfo(s, val, len);
	case SCTP_PRIMARY_ADDR:
		return sd_opt_set_primary(s, val, len);
	case SCTP_ASSOCINFO:
		return sd_opt_set_associnfo(s, val, len);
	case SCTP_DELAYED_SACK:
		return sd_opt_set_delayed_sack(s, val, len);
	case SCTP_PR_SUPPORTED:
		return sd_opt_set_pr_supported(s, val, len);
	case SCTP_REUSE_PORT:
		return set_reuse_port(s, val, len);
	case SCTP_EXPOSE_POTENTIALLY_FAILED_STATE:
		return sd_opt_set_pf_expose(s, val, len);
	case SCTP_PEER_ADDR_THLDS:
	case SCTP_PEER_ADDR_THLDS_V2:
		return sd_opt_set_thresholds(s, val, len,
					     name == SCTP_PEER_ADDR_THLDS_V2);
	case SCTP_REMOTE_UDP_ENCAPS_PORT:
		return sd_opt_set_encap_port(s, val, len);
	}
	return sd_sctpopt_more_set(s, name, val, len);
}

int sd_sctpopt_get(wsock *s, int name, void *val, uint32_t *len)
{
	nsock *n = s->nat;
	const bool *flag = flag_of(n, name);
	if (flag)
		return sd_opt_put_int(val, len, *flag);
	switch (name) {
	case SCTP_STATUS:
		return sd_opt_get_status(s, val, len);
	case SCTP_GET_PEER_ADDR_INFO:
		return sd_opt_get_paddr_info(s, val, len);
	case SCTP_GET_PEER_ADDRS:
		return sd_opt_get_peer_addrs(s, val, len);
	case SCTP_GET_LOCAL_ADDRS:
		return sd_opt_get_local_addrs(s, val, len);
	case SCTP_GET_ASSOC_ID_LIST:
		return sd_opt_get_id_list(s, val, len);
	case SCTP_GET_ASSOC_NUMBER:
		return sd_opt_get_assoc_number(s, val, len);
	case SCTP_INITMSG:
		return sd_opt_put(val, len, &n->initmsg, sizeof(n->initmsg));
	case SCTP_EVENTS:
		return get_events(s, val, len);
	case SCTP_EVENT:
		return get_event(s, val, len);
	case SCTP_NODELAY:
		return sd_opt_put_int(val, len, n->nodelay);
	case SCTP_PARTIAL_DELIVERY_POINT:
		return sd_opt_put_int(val, len, (int)n->pd_point);
	case SCTP_AUTOCLOSE:
		return get_autoclose(s, val, len);
	case SCTP_ADAPTATION_LAYER:
		return get_adaptation(s, val, len);
	case SCTP_MAXSEG:
		return get_maxseg(s, val, len);
	case SCTP_CONTEXT:
	case SCTP_MAX_BURST:
		return get_assoc_value(s, name, val, len);
	case SCTP_DEFAULT_SEND_PARAM:
		return sd_opt_put(val, len, &n->dflt, sizeof(n->dflt));
	case SCTP_DEFAULT_SNDINFO:
		return get_default_sndinfo(s, val, len);
	case SCTP_DEFAULT_PRINFO:
		return get_default_prinfo(s, val, len);
	case SCTP_PEER_ADDR_PARAMS:
		return sd_opt_get_paddr_params(s, val, len);
	case SCTP_RTOINFO:
		return sd_opt_get_rtoinfo(s, val, len);
	case SCTP_ASSOCINFO:
		return sd_opt_get_associnfo(s, val, len);
	case SCTP_DELAYED_SACK:
		return sd_opt_get_delayed_sack(s, val, len);
	case SCTP_PR_SUPPORTED:
		return sd_opt_get_pr_supported(s, val, len);
	case SCTP_REUSE_PORT:
		return sd_opt_put_int(val, len, s->reuseport);
	case SCTP_PR_ASSOC_STATUS:
		return sd_opt_get_pr_status(s, val, len);
	case SCTP_PRIMARY_ADDR:
		return sd_opt_get_primary(s, val, len);
	case SCTP_GET_ASSOC_STATS:
		return sd_opt_get_assoc_stats(s, val, len);
	case SCTP_EXPOSE_POTENTIALLY_FAILED_STATE:
		return sd_opt_get_pf_expose(s, val, len);
	case SCTP_PEER_ADDR_THLDS:
	case SCTP_PEER_ADDR_THLDS_V2:
		return sd_opt_get_thresholds(s, val, len,
					     name == SCTP_PEER_ADDR_THLDS_V2);
	case SCTP_REMOTE_UDP_ENCAPS_PORT:
		return sd_opt_get_encap_port(s, val, len);
	}
	return sd_sctpopt_more_get(s, name, val, len);
}
