/*
 * sctpcheck_more.c - the options of SCTP extensions the embedded engine
 * does not have (SCTP-AUTH, ASCONF, stream reconfiguration, I-DATA, ECN,
 * PLPMTUD, schedulers), which must answer as Linux does with the
 * net.sctp sysctls auth_enable, addip_enable, reconf_enable, intl_enable
 * at their default 0 (and ecn_enable 0), and the few it serves: path
 * thresholds, the UDP encapsulation port, association statistics,
 * potentially-failed exposure.  Where Linux would let a socket turn an
 * extension on, withsctp refuses with EPERM (withsctp-sctp(7)); those
 * checks say so.
 */
#define _GNU_SOURCE
#include "sctpcheck.h"

#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* include/net/sctp/constants.h */
enum { PF_EXPOSE_UNSET, PF_EXPOSE_DISABLE, PF_EXPOSE_ENABLE };

static int get_opt(int fd, int name, void *v, socklen_t *len)
{
	return getsockopt(fd, IPPROTO_SCTP, name, v, len);
}

static int set_opt(int fd, int name, const void *v, socklen_t len)
{
	return setsockopt(fd, IPPROTO_SCTP, name, v, len);
}

/* getsockopt of a struct sctp_assoc_value: its value, the length 8. */
static uint32_t get_av(int fd, int name, sctp_assoc_t id)
{
	struct sctp_assoc_value av = {.assoc_id = id, .assoc_value = 0xdead};
	socklen_t l = sizeof(av);
	if (get_opt(fd, name, &av, &l) < 0)
		fail("getsockopt(%d, id %d): %s", name, id, ename(errno));
	EXPECT_EQ(l, sizeof(av));
	return av.assoc_value;
}

static int set_av(int fd, int name, sctp_assoc_t id, uint32_t v)
{
	struct sctp_assoc_value av = {.assoc_id = id, .assoc_value = v};
	return set_opt(fd, name, &av, sizeof(av));
}

static int get_av_err(int fd, int name, sctp_assoc_t id)
{
	struct sctp_assoc_value av = {.assoc_id = id};
	socklen_t l = sizeof(av);
	return get_opt(fd, name, &av, &l);
}

/* A one-to-many pair on port(n): the server, the client, the client's
 * association id. */
static sctp_assoc_t o2m_pair(int n, int *srv, int *cli)
{
	*srv = sk_listen(AF_INET, SOCK_SEQPACKET, n);
	*cli = sk(AF_INET, SOCK_SEQPACKET);
	sk_connect(*cli, AF_INET, n);
	return assoc_id(*cli);
}

/* sctp_setsockopt_{asconf,auth,ecn,reconfig}_supported: the length must
 * be exactly 8, a one-to-many id must name an association or be
 * SCTP_FUTURE_ASSOC (else EINVAL); they read 0 (the sysctls off, and no
 * peer ever offered them), 0 is accepted, 1 refused (EPERM).
 * _interleaving_supported: "if (!sock_net(sk)->sctp.intl_enable ||
 * !sp->frag_interleave) return -EPERM;", whatever the value. */
void t_opt_supported(void)
{
	static const int names[] = {SCTP_ASCONF_SUPPORTED, SCTP_AUTH_SUPPORTED,
				    SCTP_ECN_SUPPORTED,
				    SCTP_RECONFIG_SUPPORTED};
	int srv, cli;
	sctp_assoc_t id = o2m_pair(0, &srv, &cli);
	int o2o = sk(AF_INET, SOCK_STREAM);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int n = names[i];
		EXPECT_EQ(get_av(cli, n, SCTP_FUTURE_ASSOC), 0);
		EXPECT_EQ(get_av(cli, n, id), 0);
		EXPECT_EQ(get_av(o2o, n, 0), 0);
		SYS(set_av(cli, n, SCTP_FUTURE_ASSOC, 0));
		SYS(set_av(o2o, n, 0, 0));
		EXPECT_ERR(set_av(cli, n, SCTP_FUTURE_ASSOC, 1), EPERM);
		EXPECT_ERR(set_av(o2o, n, 0, 1), EPERM);
		EXPECT_ERR(set_av(cli, n, 4242, 0), EINVAL);
		EXPECT_ERR(set_av(cli, n, SCTP_CURRENT_ASSOC, 0), EINVAL);
		EXPECT_ERR(get_av_err(cli, n, 4242), EINVAL);
		struct sctp_assoc_value av = {0};
		EXPECT_ERR(set_opt(cli, n, &av, sizeof(av) - 1), EINVAL);
		EXPECT_ERR(set_opt(cli, n, &av, sizeof(av) + 1), EINVAL);
		socklen_t l = sizeof(av) - 1;
		EXPECT_ERR(get_opt(cli, n, &av, &l), EINVAL);
	}
	EXPECT_EQ(get_av(cli, SCTP_INTERLEAVING_SUPPORTED, 0), 0);
	EXPECT_ERR(set_av(cli, SCTP_INTERLEAVING_SUPPORTED, 0, 1), EPERM);
	EXPECT_ERR(set_av(cli, SCTP_INTERLEAVING_SUPPORTED, 0, 0), EPERM);
	set_int(cli, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, 2);
	EXPECT_ERR(set_av(cli, SCTP_INTERLEAVING_SUPPORTED, 0, 1), EPERM);
	EXPECT_ERR(set_av(cli, SCTP_INTERLEAVING_SUPPORTED, 4242, 1), EINVAL);
	/* PR-SCTP is the extension the engine has: on. */
	EXPECT_EQ(get_av(cli, SCTP_PR_SUPPORTED, id), 1);
	close(srv);
}

/* SCTP-AUTH with auth_enable 0: AUTH_CHUNK and HMAC_IDENT fail with
 * EACCES before anything else; the key options check their length, the
 * id, then EACCES (sctp_auth_set_key() and the others: "if
 * (!ep->auth_enable)" / "if (!asoc->peer.auth_capable)"), except
 * SCTP_CURRENT_ASSOC on a socket with no association (nothing to walk:
 * 0); getsockopt of the set-only ones is EOPNOTSUPP. */
void t_opt_auth(void)
{
	int fd = sk(AF_INET, SOCK_SEQPACKET);
	struct sctp_authchunk ch = {.sauth_chunk = 0}; /* DATA */
	EXPECT_ERR(set_opt(fd, SCTP_AUTH_CHUNK, &ch, sizeof(ch)), EACCES);
	EXPECT_ERR(set_opt(fd, SCTP_AUTH_CHUNK, &ch, 0), EACCES);
	struct {
		struct sctp_hmacalgo h;
		uint16_t ids[2];
	} hm = {{.shmac_num_idents = 1}, {SCTP_AUTH_HMAC_ID_SHA1, 0}};
	EXPECT_ERR(set_opt(fd, SCTP_HMAC_IDENT, &hm, sizeof(hm)), EACCES);
	socklen_t l = sizeof(hm);
	EXPECT_ERR(get_opt(fd, SCTP_HMAC_IDENT, &hm, &l), EACCES);

	struct {
		struct sctp_authkey k;
		uint8_t key[4];
	} key = {{.sca_assoc_id = SCTP_FUTURE_ASSOC,
		  .sca_keynumber = 1,
		  .sca_keylength = 4},
		 {1, 2, 3, 4}};
	EXPECT_EQ(sizeof(key.k), 8);
	EXPECT_ERR(set_opt(fd, SCTP_AUTH_KEY, &key, sizeof(key)), EACCES);
	EXPECT_ERR(set_opt(fd, SCTP_AUTH_KEY, &key, sizeof(key.k)), EINVAL);
	key.k.sca_keylength = 5;
	EXPECT_ERR(set_opt(fd, SCTP_AUTH_KEY, &key, sizeof(key)), EINVAL);
	key.k.sca_keylength = 4;
	key.k.sca_assoc_id = 4242;
	EXPECT_ERR(set_opt(fd, SCTP_AUTH_KEY, &key, sizeof(key)), EINVAL);
	key.k.sca_assoc_id = SCTP_CURRENT_ASSOC;
	SYS(set_opt(fd, SCTP_AUTH_KEY, &key, sizeof(key)));
	key.k.sca_assoc_id = SCTP_ALL_ASSOC;
	EXPECT_ERR(set_opt(fd, SCTP_AUTH_KEY, &key, sizeof(key)), EACCES);

	static const int ids[] = {SCTP_AUTH_ACTIVE_KEY, SCTP_AUTH_DELETE_KEY,
				  SCTP_AUTH_DEACTIVATE_KEY};
	for (size_t i = 0; i < 3; i++) {
		struct sctp_authkeyid k = {.scact_assoc_id = 0,
					   .scact_keynumber = 1};
		EXPECT_EQ(sizeof(k), 8);
		EXPECT_ERR(set_opt(fd, ids[i], &k, sizeof(k)), EACCES);
		EXPECT_ERR(set_opt(fd, ids[i], &k, sizeof(k) - 1), EINVAL);
		k.scact_assoc_id = SCTP_CURRENT_ASSOC;
		SYS(set_opt(fd, ids[i], &k, sizeof(k)));
	}
	static const int setonly[] = {SCTP_AUTH_KEY, SCTP_AUTH_CHUNK,
				      SCTP_AUTH_DELETE_KEY,
				      SCTP_AUTH_DEACTIVATE_KEY};
	for (size_t i = 0; i < 4; i++) {
		char buf[64] = {0};
		l = sizeof(buf);
		EXPECT_ERR(get_opt(fd, setonly[i], buf, &l), EOPNOTSUPP);
	}
	struct sctp_authkeyid ak = {.scact_assoc_id = 0};
	l = sizeof(ak);
	EXPECT_ERR(get_opt(fd, SCTP_AUTH_ACTIVE_KEY, &ak, &l), EACCES);
	ak.scact_assoc_id = SCTP_CURRENT_ASSOC; /* not 0 on one-to-many */
	EXPECT_ERR(get_opt(fd, SCTP_AUTH_ACTIVE_KEY, &ak, &l), EINVAL);
	l = sizeof(ak) - 1;
	EXPECT_ERR(get_opt(fd, SCTP_AUTH_ACTIVE_KEY, &ak, &l), EINVAL);

	struct {
		struct sctp_authchunks c;
		uint8_t chunks[16];
	} ac;
	memset(&ac, 0, sizeof(ac));
	l = sizeof(ac);
	EXPECT_ERR(get_opt(fd, SCTP_LOCAL_AUTH_CHUNKS, &ac, &l), EACCES);
	EXPECT_ERR(get_opt(fd, SCTP_PEER_AUTH_CHUNKS, &ac, &l), EINVAL);

	/* With an association: EACCES for it, and for CURRENT now. */
	int srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	sk_connect(fd, AF_INET, 0);
	sctp_assoc_t id = assoc_id(fd);
	key.k.sca_assoc_id = SCTP_CURRENT_ASSOC;
	EXPECT_ERR(set_opt(fd, SCTP_AUTH_KEY, &key, sizeof(key)), EACCES);
	key.k.sca_assoc_id = id;
	EXPECT_ERR(set_opt(fd, SCTP_AUTH_KEY, &key, sizeof(key)), EACCES);
	ak.scact_assoc_id = id;
	l = sizeof(ak);
	EXPECT_ERR(get_opt(fd, SCTP_AUTH_ACTIVE_KEY, &ak, &l), EACCES);
	ac.c.gauth_assoc_id = id;
	l = sizeof(ac);
	EXPECT_ERR(get_opt(fd, SCTP_PEER_AUTH_CHUNKS, &ac, &l), EACCES);
	EXPECT_ERR(get_opt(fd, SCTP_LOCAL_AUTH_CHUNKS, &ac, &l), EACCES);
	close(srv);
}

/* ASCONF with addip_enable 0: SET_PEER_PRIMARY_ADDR is EPERM first
 * ("if (!sp->ep->asconf_enable) return -EPERM;"); AUTO_ASCONF is kept
 * (nothing follows from it), on only for a socket bound to the wildcard
 * alone ("if (!sctp_is_ep_boundall(sk) && *val) return -EINVAL;"). */
void t_opt_asconf(void)
{
	int fd = sk(AF_INET, SOCK_SEQPACKET);
	struct sctp_setpeerprim pp;
	memset(&pp, 0, sizeof(pp));
	EXPECT_ERR(set_opt(fd, SCTP_SET_PEER_PRIMARY_ADDR, &pp, sizeof(pp)),
		   EPERM);
	EXPECT_ERR(set_opt(fd, SCTP_SET_PEER_PRIMARY_ADDR, &pp, 1), EPERM);
	EXPECT_EQ(get_int(fd, IPPROTO_SCTP, SCTP_AUTO_ASCONF), 0);
	EXPECT_ERR(setsockopt(fd, IPPROTO_SCTP, SCTP_AUTO_ASCONF, &(int){1},
			      sizeof(int)),
		   EINVAL);
	set_int(fd, IPPROTO_SCTP, SCTP_AUTO_ASCONF, 0);
	int lo = sk_bound(AF_INET, SOCK_SEQPACKET, 0);
	EXPECT_ERR(setsockopt(lo, IPPROTO_SCTP, SCTP_AUTO_ASCONF, &(int){1},
			      sizeof(int)),
		   EINVAL);
	struct sockaddr_in any = {.sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port(1))};
	SYS(bind(fd, (struct sockaddr *)&any, sizeof(any)));
	set_int(fd, IPPROTO_SCTP, SCTP_AUTO_ASCONF, 1);
	EXPECT_EQ(get_int(fd, IPPROTO_SCTP, SCTP_AUTO_ASCONF), 1);
	EXPECT_ERR(setsockopt(fd, IPPROTO_SCTP, SCTP_AUTO_ASCONF, &(int){1},
			      sizeof(int) - 1),
		   EINVAL);
	socklen_t l = sizeof(int) - 1;
	int v;
	EXPECT_ERR(get_opt(fd, SCTP_AUTO_ASCONF, &v, &l), EINVAL);
}

/* Stream reconfiguration with reconf_enable 0: ENABLE_STREAM_RESET is
 * kept and read back (flags within SCTP_ENABLE_STRRESET_MASK; a new
 * association takes the socket's), the requests need an association and
 * then fail with stream.c's ENOPROTOOPT (the peer is not
 * reconf_capable). */
void t_opt_stream_reset(void)
{
	int srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	int fd = sk(AF_INET, SOCK_SEQPACKET);
	EXPECT_EQ(get_av(fd, SCTP_ENABLE_STREAM_RESET, 0), 0);
	SYS(set_av(fd, SCTP_ENABLE_STREAM_RESET, 0,
		   SCTP_ENABLE_RESET_STREAM_REQ |
		       SCTP_ENABLE_CHANGE_ASSOC_REQ));
	EXPECT_EQ(get_av(fd, SCTP_ENABLE_STREAM_RESET, 0), 5);
	EXPECT_ERR(set_av(fd, SCTP_ENABLE_STREAM_RESET, 0, 8), EINVAL);
	EXPECT_ERR(set_av(fd, SCTP_ENABLE_STREAM_RESET, 4242, 1), EINVAL);
	EXPECT_ERR(get_av_err(fd, SCTP_ENABLE_STREAM_RESET, 4242), EINVAL);

	struct {
		struct sctp_reset_streams r;
		uint16_t list[2];
	} rs = {{.srs_assoc_id = 0,
		 .srs_flags = SCTP_STREAM_RESET_OUTGOING,
		 .srs_number_streams = 1},
		{0, 0}};
	EXPECT_ERR(set_opt(fd, SCTP_RESET_STREAMS, &rs, sizeof(rs)), EINVAL);
	sctp_assoc_t none = 0;
	EXPECT_ERR(set_opt(fd, SCTP_RESET_ASSOC, &none, sizeof(none)), EINVAL);

	sk_connect(fd, AF_INET, 0);
	sctp_assoc_t id = assoc_id(fd);
	EXPECT_EQ(get_av(fd, SCTP_ENABLE_STREAM_RESET, id), 5);
	SYS(set_av(fd, SCTP_ENABLE_STREAM_RESET, id, 2));
	EXPECT_EQ(get_av(fd, SCTP_ENABLE_STREAM_RESET, id), 2);
	EXPECT_EQ(get_av(fd, SCTP_ENABLE_STREAM_RESET, 0), 5);
	EXPECT_EQ(get_av(fd, SCTP_RECONFIG_SUPPORTED, id), 0);

	rs.r.srs_assoc_id = id;
	EXPECT_ERR(set_opt(fd, SCTP_RESET_STREAMS, &rs, sizeof(rs)),
		   ENOPROTOOPT);
	rs.r.srs_number_streams = 3; /* more than the list holds */
	EXPECT_ERR(set_opt(fd, SCTP_RESET_STREAMS, &rs, sizeof(rs)), EINVAL);
	EXPECT_ERR(set_opt(fd, SCTP_RESET_STREAMS, &rs, sizeof(rs.r) - 1),
		   EINVAL);
	EXPECT_ERR(set_opt(fd, SCTP_RESET_ASSOC, &id, sizeof(id)), ENOPROTOOPT);
	EXPECT_ERR(set_opt(fd, SCTP_RESET_ASSOC, &id, sizeof(id) - 1), EINVAL);
	struct sctp_add_streams as = {.sas_assoc_id = id, .sas_outstrms = 1};
	EXPECT_ERR(set_opt(fd, SCTP_ADD_STREAMS, &as, sizeof(as)), ENOPROTOOPT);
	as.sas_assoc_id = 4242;
	EXPECT_ERR(set_opt(fd, SCTP_ADD_STREAMS, &as, sizeof(as)), EINVAL);
	close(srv);
}

/* Schedulers: first come, first served only (SCTP_SS_FCFS, Linux's
 * default, reads 0); another fails with EINVAL, as a value above
 * SCTP_SS_MAX does.  SCHEDULER_VALUE: FCFS ignores it, the stream must be
 * below the association's outbound streams, and getsockopt needs an
 * association. */
void t_opt_scheduler(void)
{
	int srv, cli;
	sctp_assoc_t id = o2m_pair(0, &srv, &cli);
	EXPECT_EQ(get_av(cli, SCTP_STREAM_SCHEDULER, 0), SCTP_SS_FCFS);
	EXPECT_EQ(get_av(cli, SCTP_STREAM_SCHEDULER, id), SCTP_SS_FCFS);
	SYS(set_av(cli, SCTP_STREAM_SCHEDULER, 0, SCTP_SS_FCFS));
	SYS(set_av(cli, SCTP_STREAM_SCHEDULER, id, SCTP_SS_FCFS));
	SYS(set_av(cli, SCTP_STREAM_SCHEDULER, SCTP_ALL_ASSOC, SCTP_SS_FCFS));
	EXPECT_ERR(set_av(cli, SCTP_STREAM_SCHEDULER, 0, SCTP_SS_PRIO), EINVAL);
	EXPECT_ERR(set_av(cli, SCTP_STREAM_SCHEDULER, id, SCTP_SS_RR), EINVAL);
	EXPECT_ERR(set_av(cli, SCTP_STREAM_SCHEDULER, 0, 99), EINVAL);
	EXPECT_ERR(set_av(cli, SCTP_STREAM_SCHEDULER, 4242, 0), EINVAL);
	EXPECT_ERR(get_av_err(cli, SCTP_STREAM_SCHEDULER, 4242), EINVAL);

	struct sctp_stream_value sv = {
	    .assoc_id = id, .stream_id = 3, .stream_value = 7};
	EXPECT_EQ(sizeof(sv), 8);
	SYS(set_opt(cli, SCTP_STREAM_SCHEDULER_VALUE, &sv, sizeof(sv)));
	socklen_t l = sizeof(sv);
	SYS(get_opt(cli, SCTP_STREAM_SCHEDULER_VALUE, &sv, &l));
	EXPECT_EQ(sv.stream_value, 0);
	sv.stream_id = 10; /* 10 outbound streams: 0..9 */
	EXPECT_ERR(set_opt(cli, SCTP_STREAM_SCHEDULER_VALUE, &sv, sizeof(sv)),
		   EINVAL);
	EXPECT_ERR(get_opt(cli, SCTP_STREAM_SCHEDULER_VALUE, &sv, &l), EINVAL);
	sv.assoc_id = SCTP_CURRENT_ASSOC;
	EXPECT_ERR(set_opt(cli, SCTP_STREAM_SCHEDULER_VALUE, &sv, sizeof(sv)),
		   EINVAL);
	sv.stream_id = 1;
	SYS(set_opt(cli, SCTP_STREAM_SCHEDULER_VALUE, &sv, sizeof(sv)));
	sv.assoc_id = 0;
	EXPECT_ERR(set_opt(cli, SCTP_STREAM_SCHEDULER_VALUE, &sv, sizeof(sv)),
		   EINVAL);
	EXPECT_ERR(get_opt(cli, SCTP_STREAM_SCHEDULER_VALUE, &sv, &l), EINVAL);
	close(srv);
}

/* SCTP_EXPOSE_POTENTIALLY_FAILED_STATE: 0 (unset) by default, at most
 * SCTP_PF_EXPOSE_ENABLE; a new association takes the socket's. */
void t_opt_pf_expose(void)
{
	int srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	int fd = sk(AF_INET, SOCK_SEQPACKET);
	EXPECT_EQ(get_av(fd, SCTP_EXPOSE_POTENTIALLY_FAILED_STATE, 0),
		  PF_EXPOSE_UNSET);
	SYS(set_av(fd, SCTP_EXPOSE_POTENTIALLY_FAILED_STATE, 0,
		   PF_EXPOSE_ENABLE));
	EXPECT_ERR(set_av(fd, SCTP_EXPOSE_POTENTIALLY_FAILED_STATE, 0, 3),
		   EINVAL);
	sk_connect(fd, AF_INET, 0);
	sctp_assoc_t id = assoc_id(fd);
	EXPECT_EQ(get_av(fd, SCTP_EXPOSE_POTENTIALLY_FAILED_STATE, id),
		  PF_EXPOSE_ENABLE);
	SYS(set_av(fd, SCTP_EXPOSE_POTENTIALLY_FAILED_STATE, id,
		   PF_EXPOSE_DISABLE));
	EXPECT_EQ(get_av(fd, SCTP_EXPOSE_POTENTIALLY_FAILED_STATE, id),
		  PF_EXPOSE_DISABLE);
	EXPECT_EQ(get_av(fd, SCTP_EXPOSE_POTENTIALLY_FAILED_STATE, 0),
		  PF_EXPOSE_ENABLE);
	EXPECT_ERR(set_av(fd, SCTP_EXPOSE_POTENTIALLY_FAILED_STATE,
			  SCTP_CURRENT_ASSOC, 0),
		   EINVAL);
	/* An active path still answers GET_PEER_ADDR_INFO. */
	struct sctp_paddrinfo pi;
	memset(&pi, 0, sizeof(pi));
	addr a;
	loop_addr(&a, AF_INET, 0);
	memcpy(&pi.spinfo_address, &a.in, sizeof(a.in));
	pi.spinfo_assoc_id = id;
	socklen_t l = sizeof(pi);
	SYS(get_opt(fd, SCTP_GET_PEER_ADDR_INFO, &pi, &l));
	EXPECT_EQ(pi.spinfo_state, SCTP_ACTIVE);
	close(srv);
}

/* SCTP_PEER_ADDR_THLDS(_V2), 144 bytes either: Path.Max.Retrans 5, the
 * PF threshold 65535 (the engine's default: no potentially-failed state;
 * Linux's is 0), switchover off (65535).  What is set reads back, in
 * SCTP_PEER_ADDR_PARAMS too; pf above cp is EINVAL, an address that is
 * no path ENOENT, a switchover threshold EPERM (no such thing here). */
void t_opt_thresholds(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	struct sctp_paddrthlds_v2 t;
	EXPECT_EQ(sizeof(t), 144);
	EXPECT_EQ(sizeof(struct sctp_paddrthlds), 144);
	memset(&t, 0, sizeof(t));
	socklen_t l = sizeof(t);
	SYS(get_opt(cli, SCTP_PEER_ADDR_THLDS_V2, &t, &l));
	EXPECT_EQ(l, sizeof(t));
	EXPECT_EQ(t.spt_pathmaxrxt, 5);
	EXPECT_EQ(t.spt_pathpfthld, 65535);
	EXPECT_EQ(t.spt_pathcpthld, 65535);
	memset(&t, 0, sizeof(t));
	t.spt_pathmaxrxt = 3;
	t.spt_pathpfthld = 1;
	SYS(set_opt(cli, SCTP_PEER_ADDR_THLDS, &t,
		    sizeof(struct sctp_paddrthlds)));
	memset(&t, 0, sizeof(t));
	l = sizeof(struct sctp_paddrthlds);
	SYS(get_opt(cli, SCTP_PEER_ADDR_THLDS, &t, &l));
	EXPECT_EQ(t.spt_pathmaxrxt, 3);
	EXPECT_EQ(t.spt_pathpfthld, 1);
	struct sctp_paddrparams pp;
	memset(&pp, 0, sizeof(pp));
	l = sizeof(pp);
	SYS(get_opt(cli, SCTP_PEER_ADDR_PARAMS, &pp, &l));
	EXPECT_EQ(pp.spp_pathmaxrxt, 3);
	/* pathmaxrxt 0: unchanged; the PF threshold always taken. */
	memset(&t, 0, sizeof(t));
	t.spt_pathpfthld = 2;
	t.spt_pathcpthld = 65535;
	SYS(set_opt(cli, SCTP_PEER_ADDR_THLDS_V2, &t, sizeof(t)));
	l = sizeof(t);
	SYS(get_opt(cli, SCTP_PEER_ADDR_THLDS_V2, &t, &l));
	EXPECT_EQ(t.spt_pathmaxrxt, 3);
	EXPECT_EQ(t.spt_pathpfthld, 2);
	t.spt_pathpfthld = 9;
	t.spt_pathcpthld = 8;
	EXPECT_ERR(set_opt(cli, SCTP_PEER_ADDR_THLDS_V2, &t, sizeof(t)),
		   EINVAL);
	t.spt_pathcpthld = 20;
	EXPECT_ERR(set_opt(cli, SCTP_PEER_ADDR_THLDS_V2, &t, sizeof(t)), EPERM);
	/* By address: the peer's is a path, another address is not. */
	memset(&t, 0, sizeof(t));
	addr a;
	loop_addr(&a, AF_INET, 0);
	memcpy(&t.spt_address, &a.in, sizeof(a.in));
	l = sizeof(t);
	SYS(get_opt(cli, SCTP_PEER_ADDR_THLDS_V2, &t, &l));
	EXPECT_EQ(t.spt_pathmaxrxt, 3);
	loop_addr(&a, AF_INET, 5);
	memcpy(&t.spt_address, &a.in, sizeof(a.in));
	EXPECT_ERR(get_opt(cli, SCTP_PEER_ADDR_THLDS_V2, &t, &l), ENOENT);
	EXPECT_ERR(set_opt(cli, SCTP_PEER_ADDR_THLDS_V2, &t, sizeof(t)),
		   ENOENT);
	l = sizeof(t) - 1;
	EXPECT_ERR(get_opt(cli, SCTP_PEER_ADDR_THLDS_V2, &t, &l), EINVAL);
	EXPECT_ERR(set_opt(cli, SCTP_PEER_ADDR_THLDS, &t, sizeof(t) - 1),
		   EINVAL);
	/* PEER_ADDR_PARAMS sets the same Path.Max.Retrans. */
	memset(&pp, 0, sizeof(pp));
	pp.spp_pathmaxrxt = 7;
	SYS(set_opt(cli, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp)));
	memset(&t, 0, sizeof(t));
	l = sizeof(t);
	SYS(get_opt(cli, SCTP_PEER_ADDR_THLDS_V2, &t, &l));
	EXPECT_EQ(t.spt_pathmaxrxt, 7);
	/* One-to-many: an id that names nothing. */
	int o2m = sk(AF_INET, SOCK_SEQPACKET);
	memset(&t, 0, sizeof(t));
	t.spt_assoc_id = 4242;
	l = sizeof(t);
	EXPECT_ERR(get_opt(o2m, SCTP_PEER_ADDR_THLDS_V2, &t, &l), EINVAL);
}

/* The daemon's UDP port (withsctp(1): WITHSCTP_UDP_PORT, 9899). */
static uint16_t udp_port(void)
{
	const char *p = getenv("WITHSCTP_UDP_PORT");
	return (uint16_t)(p && *p ? atoi(p) : 9899);
}

/* SCTP_REMOTE_UDP_ENCAPS_PORT (144 bytes): every association runs over
 * UDP, so an association reads its peer's UDP port (sctpd's) and keeps
 * it (another fails with EPERM); the socket's setting, 0 by default,
 * is where the associations it starts send their packets: an INIT
 * reaches a UDP socket of this test. */
void t_opt_encaps_port(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	struct sctp_udpencaps u;
	EXPECT_EQ(sizeof(u), 144);
	memset(&u, 0, sizeof(u));
	socklen_t l = sizeof(u);
	SYS(get_opt(cli, SCTP_REMOTE_UDP_ENCAPS_PORT, &u, &l));
	EXPECT_EQ(l, sizeof(u));
	EXPECT_EQ(ntohs(u.sue_port), udp_port());
	SYS(set_opt(cli, SCTP_REMOTE_UDP_ENCAPS_PORT, &u, sizeof(u)));
	u.sue_port = htons((uint16_t)(udp_port() + 1));
	EXPECT_ERR(set_opt(cli, SCTP_REMOTE_UDP_ENCAPS_PORT, &u, sizeof(u)),
		   EPERM);
	addr a;
	loop_addr(&a, AF_INET, 0);
	memcpy(&u.sue_address, &a.in, sizeof(a.in));
	l = sizeof(u);
	SYS(get_opt(cli, SCTP_REMOTE_UDP_ENCAPS_PORT, &u, &l));
	EXPECT_EQ(ntohs(u.sue_port), udp_port());
	loop_addr(&a, AF_INET, 5);
	memcpy(&u.sue_address, &a.in, sizeof(a.in));
	EXPECT_ERR(get_opt(cli, SCTP_REMOTE_UDP_ENCAPS_PORT, &u, &l), EINVAL);
	l = sizeof(u) - 1;
	EXPECT_ERR(get_opt(cli, SCTP_REMOTE_UDP_ENCAPS_PORT, &u, &l), EINVAL);
	EXPECT_ERR(set_opt(cli, SCTP_REMOTE_UDP_ENCAPS_PORT, &u, sizeof(u) - 1),
		   EINVAL);

	/* The socket's setting: where a new association sends. */
	int udp = SYS(socket(AF_INET, SOCK_DGRAM, 0));
	struct sockaddr_in ua = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	SYS(bind(udp, (struct sockaddr *)&ua, sizeof(ua)));
	socklen_t ul = sizeof(ua);
	SYS(getsockname(udp, (struct sockaddr *)&ua, &ul));
	int fd = sk(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
	memset(&u, 0, sizeof(u));
	l = sizeof(u);
	SYS(get_opt(fd, SCTP_REMOTE_UDP_ENCAPS_PORT, &u, &l));
	EXPECT_EQ(u.sue_port, 0);
	u.sue_port = ua.sin_port;
	SYS(set_opt(fd, SCTP_REMOTE_UDP_ENCAPS_PORT, &u, sizeof(u)));
	memset(&u, 0, sizeof(u));
	SYS(get_opt(fd, SCTP_REMOTE_UDP_ENCAPS_PORT, &u, &l));
	EXPECT_EQ(u.sue_port, ua.sin_port);
	loop_addr(&a, AF_INET, 0);
	EXPECT_ERR(connect(fd, &a.sa, sizeof(a.in)), EINPROGRESS);
	EXPECT(wait_ev(udp, POLLIN, WAIT_MS), "no INIT at UDP port %u",
	       ntohs(ua.sin_port));
	uint8_t pkt[2048];
	ssize_t n = SYS(recv(udp, pkt, sizeof(pkt), 0));
	/* RFC 9260 §3: the common header (ports, tag 0, CRC), then INIT
	 * (chunk type 1). */
	EXPECT(n >= 16 && pkt[12] == 1, "not an INIT (%zd bytes, type %u)", n,
	       n > 12 ? pkt[12] : 0);
	EXPECT_EQ((pkt[2] << 8) | pkt[3], port(0));
}

/* SCTP_PLPMTUD_PROBE_INTERVAL (144 bytes): 0, off (Linux's default);
 * an interval below SCTP_PROBE_TIMER_MIN (5000 ms) is EINVAL, a valid
 * one EPERM (the engine does no PLPMTUD). */
void t_opt_probe_interval(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	struct sctp_probeinterval p;
	EXPECT_EQ(sizeof(p), 144);
	memset(&p, 0, sizeof(p));
	p.spi_interval = 77;
	socklen_t l = sizeof(p);
	SYS(get_opt(cli, SCTP_PLPMTUD_PROBE_INTERVAL, &p, &l));
	EXPECT_EQ(p.spi_interval, 0);
	SYS(set_opt(cli, SCTP_PLPMTUD_PROBE_INTERVAL, &p, sizeof(p)));
	p.spi_interval = 1000;
	EXPECT_ERR(set_opt(cli, SCTP_PLPMTUD_PROBE_INTERVAL, &p, sizeof(p)),
		   EINVAL);
	p.spi_interval = 6000;
	EXPECT_ERR(set_opt(cli, SCTP_PLPMTUD_PROBE_INTERVAL, &p, sizeof(p)),
		   EPERM);
	addr a;
	loop_addr(&a, AF_INET, 5);
	memcpy(&p.spi_address, &a.in, sizeof(a.in));
	p.spi_interval = 0;
	EXPECT_ERR(set_opt(cli, SCTP_PLPMTUD_PROBE_INTERVAL, &p, sizeof(p)),
		   EINVAL);
	EXPECT_ERR(get_opt(cli, SCTP_PLPMTUD_PROBE_INTERVAL, &p, &l), EINVAL);
	EXPECT_ERR(set_opt(cli, SCTP_PLPMTUD_PROBE_INTERVAL, &p, sizeof(p) - 1),
		   EINVAL);
}

/* SCTP_GET_ASSOC_STATS (256 bytes, or any length from the id's 4 up):
 * packets both ways and the largest RTO with its path after a message
 * each way; no association is EINVAL. */
void t_opt_assoc_stats(void)
{
	int srv, cli;
	sctp_assoc_t id = o2m_pair(0, &srv, &cli);
	addr a;
	socklen_t al = loop_addr(&a, AF_INET, 0);
	EXPECT(snd(cli, "ping", 4, &a, al, NULL, 0) == 4, "send: %s",
	       ename(errno));
	char buf[64];
	rmsg m = rcv(srv, buf, sizeof(buf), 0);
	EXPECT_EQ(m.n, 4);
	EXPECT(snd(srv, "pong", 4, &m.from, m.fromlen, NULL, 0) == 4,
	       "reply: %s", ename(errno));
	expect_msg(cli, "pong");

	struct sctp_assoc_stats sas;
	EXPECT_EQ(sizeof(sas), 256);
	memset(&sas, 0, sizeof(sas));
	sas.sas_assoc_id = id;
	socklen_t l = sizeof(sas);
	SYS(getsockopt(cli, IPPROTO_SCTP, SCTP_GET_ASSOC_STATS, &sas, &l));
	EXPECT_EQ(l, sizeof(sas));
	EXPECT_EQ(sas.sas_assoc_id, id);
	EXPECT(sas.sas_opackets >= 2, "sas_opackets %llu",
	       (unsigned long long)sas.sas_opackets);
	EXPECT(sas.sas_ipackets >= 2, "sas_ipackets %llu",
	       (unsigned long long)sas.sas_ipackets);
	EXPECT(sas.sas_maxrto > 0, "sas_maxrto 0");
	struct sockaddr_in *o = (void *)&sas.sas_obs_rto_ipaddr;
	EXPECT(o->sin_family == AF_INET &&
		   o->sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
		   ntohs(o->sin_port) == port(0),
	       "sas_obs_rto_ipaddr: not 127.0.0.1:%d", port(0));
	/* A shorter struct (an older ABI): what fits. */
	memset(&sas, 0, sizeof(sas));
	sas.sas_assoc_id = id;
	l = offsetof(struct sctp_assoc_stats, sas_isacks);
	SYS(getsockopt(cli, IPPROTO_SCTP, SCTP_GET_ASSOC_STATS, &sas, &l));
	EXPECT_EQ(l, offsetof(struct sctp_assoc_stats, sas_isacks));
	EXPECT(sas.sas_maxrto > 0, "short: sas_maxrto 0");
	EXPECT_EQ(sas.sas_opackets, 0);
	l = sizeof(sctp_assoc_t) - 1;
	EXPECT_ERR(
	    getsockopt(cli, IPPROTO_SCTP, SCTP_GET_ASSOC_STATS, &sas, &l),
	    EINVAL);
	sas.sas_assoc_id = 4242;
	l = sizeof(sas);
	EXPECT_ERR(
	    getsockopt(cli, IPPROTO_SCTP, SCTP_GET_ASSOC_STATS, &sas, &l),
	    EINVAL);
	close(srv);
}

/* sctp_ulpevent_make_send_failed_event(): the notification carries the
 * unsent data after the struct (ssf_length counts it).  Messages whose
 * PR-SCTP lifetime (10 ms) ends while a peer that does not read keeps the
 * window shut are abandoned with their bytes. */
void t_notif_send_failed_data(void)
{
	int srv = sk(AF_INET, SOCK_SEQPACKET);
	int small = 4096;
	SYS(setsockopt(srv, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)));
	addr a;
	socklen_t al = loop_addr(&a, AF_INET, 0);
	SYS(bind(srv, &a.sa, al));
	SYS(listen(srv, 4));
	int cli = sk(AF_INET, SOCK_SEQPACKET);
	subscribe(cli, SCTP_SEND_FAILED_EVENT);
	char msg[1000];
	for (int i = 0; i < 40; i++) {
		memset(msg, 'a' + i % 26, sizeof(msg));
		struct sctp_sndrcvinfo si = {.sinfo_flags = SCTP_PR_SCTP_TTL,
					     .sinfo_timetolive = 10};
		EXPECT(snd(cli, msg, sizeof(msg), &a, al, &si, 0) ==
			   (ssize_t)sizeof(msg),
		       "send %d: %s", i, ename(errno));
	}
	union sctp_notification *sn = rcv_notif(cli);
	EXPECT_EQ(sn->sn_header.sn_type, SCTP_SEND_FAILED_EVENT);
	struct sctp_send_failed_event *f = &sn->sn_send_failed_event;
	EXPECT_EQ(f->ssf_length, sizeof(*f) + sizeof(msg));
	const uint8_t *d = f->ssf_data;
	bool same = true;
	for (size_t i = 1; i < sizeof(msg); i++)
		same = same && d[i] == d[0];
	EXPECT(same && d[0] >= 'a' && d[0] <= 'z',
	       "ssf_data is not one of the messages sent");
	close(srv);
}

/* The send flags that act on the wire: SCTP_SACK_IMMEDIATELY (the I bit,
 * RFC 7053) and SCTP_ADDR_OVER (the address given is the path); the
 * Bats test around it finds the I bit in its capture. */
void t_send_flags_wire(void)
{
	int srv, cli;
	o2m_pair(0, &srv, &cli);
	addr a;
	socklen_t al = loop_addr(&a, AF_INET, 0);
	struct sctp_sndrcvinfo si = {.sinfo_flags = SCTP_SACK_IMMEDIATELY};
	EXPECT(snd(cli, "now", 3, &a, al, &si, 0) == 3, "send: %s",
	       ename(errno));
	expect_msg(srv, "now");
	si.sinfo_flags = SCTP_ADDR_OVER;
	EXPECT(snd(cli, "over", 4, &a, al, &si, 0) == 4, "send: %s",
	       ename(errno));
	expect_msg(srv, "over");
	/* ADDR_OVER without an address: EINVAL (sctp_sendmsg_check_sflags). */
	EXPECT_ERR(snd(cli, "x", 1, NULL, 0, &si, 0), EINVAL);
}
