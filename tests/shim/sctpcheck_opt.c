/*
 * sctpcheck_opt.c - SOL_SCTP options: set, get back, the kernel's struct
 * size, a buffer one byte short (EINVAL), and where it matters the effect
 * on an association.  Defaults are the kernel's (sctp_init_sock and the
 * net.sctp sysctls at their defaults).
 */
#define _GNU_SOURCE
#include "sctpcheck.h"

#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* getsockopt(name) into v of size len: the size the kernel reports must
 * be len. */
static void get_opt(int fd, int name, void *v, socklen_t len)
{
	socklen_t l = len;
	if (getsockopt(fd, IPPROTO_SCTP, name, v, &l) < 0)
		fail("getsockopt(%d): %s", name, ename(errno));
	EXPECT(l == len, "getsockopt(%d): length %u, not %u", name, l, len);
}

static void set_opt(int fd, int name, const void *v, socklen_t len)
{
	if (setsockopt(fd, IPPROTO_SCTP, name, v, len) < 0)
		fail("setsockopt(%d): %s", name, ename(errno));
}

/* getsockopt with a buffer of len (shorter than the struct): EINVAL. */
static void short_get(int fd, int name, socklen_t len)
{
	char buf[512];
	socklen_t l = len;
	memset(buf, 0, sizeof(buf));
	errno = 0;
	int r = getsockopt(fd, IPPROTO_SCTP, name, buf, &l);
	EXPECT(r == -1 && errno == EINVAL,
	       "getsockopt(%d) with %u bytes: expected EINVAL, got %d %s", name,
	       len, r, r ? ename(errno) : "");
}

static void short_set(int fd, int name, socklen_t len)
{
	char buf[512];
	memset(buf, 0, sizeof(buf));
	errno = 0;
	int r = setsockopt(fd, IPPROTO_SCTP, name, buf, len);
	EXPECT(r == -1 && errno == EINVAL,
	       "setsockopt(%d) with %u bytes: expected EINVAL, got %d %s", name,
	       len, r, r ? ename(errno) : "");
}

static struct sctp_status status(int fd, sctp_assoc_t id)
{
	struct sctp_status st;
	memset(&st, 0, sizeof(st));
	st.sstat_assoc_id = id;
	get_opt(fd, SCTP_STATUS, &st, sizeof(st));
	return st;
}

static struct sctp_assoc_value get_av(int fd, int name, sctp_assoc_t id)
{
	struct sctp_assoc_value av = {.assoc_id = id, .assoc_value = 0xdead};
	get_opt(fd, name, &av, sizeof(av));
	return av;
}

static void set_av(int fd, int name, sctp_assoc_t id, uint32_t v)
{
	struct sctp_assoc_value av = {.assoc_id = id, .assoc_value = v};
	set_opt(fd, name, &av, sizeof(av));
}

/* sctp_setsockopt_initmsg / sctp_getsockopt_initmsg (8 bytes, exactly on
 * set); defaults 10 out, 65535 max in; the association's streams are the
 * ones asked for (sctp_process_init caps by the peer's). */
void t_opt_initmsg(void)
{
	int fd = sk(AF_INET, SOCK_STREAM);
	struct sctp_initmsg im;
	EXPECT_EQ(sizeof(im), 8);
	get_opt(fd, SCTP_INITMSG, &im, sizeof(im));
	EXPECT_EQ(im.sinit_num_ostreams, 10);
	EXPECT_EQ(im.sinit_max_instreams, 65535);
	struct sctp_initmsg set = {5, 7, 3, 1000};
	set_opt(fd, SCTP_INITMSG, &set, sizeof(set));
	get_opt(fd, SCTP_INITMSG, &im, sizeof(im));
	EXPECT(memcmp(&im, &set, sizeof(im)) == 0,
	       "expected {5, 7, 3, 1000}, got {%u, %u, %u, %u}",
	       im.sinit_num_ostreams, im.sinit_max_instreams,
	       im.sinit_max_attempts, im.sinit_max_init_timeo);
	short_get(fd, SCTP_INITMSG, sizeof(im) - 1);
	short_set(fd, SCTP_INITMSG, sizeof(im) - 1);
	int srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	sk_connect(fd, AF_INET, 0);
	struct sctp_status st = status(fd, 0);
	EXPECT_EQ(st.sstat_outstrms, 5);
	EXPECT_EQ(st.sstat_instrms, 7);
	close(srv);
}

/* sctp_setsockopt_nodelay: an int, 0 by default. */
void t_opt_nodelay(void)
{
	int fd = sk(AF_INET, SOCK_STREAM);
	EXPECT_EQ(get_int(fd, IPPROTO_SCTP, SCTP_NODELAY), 0);
	set_int(fd, IPPROTO_SCTP, SCTP_NODELAY, 1);
	EXPECT_EQ(get_int(fd, IPPROTO_SCTP, SCTP_NODELAY), 1);
	short_get(fd, SCTP_NODELAY, sizeof(int) - 1);
	short_set(fd, SCTP_NODELAY, sizeof(int) - 1);
}

/* sctp_setsockopt_autoclose: one-to-many only (EOPNOTSUPP on
 * SOCK_STREAM, both ways); seconds; an idle association is shut down
 * when it expires (SCTP_EVENT_TIMEOUT_AUTOCLOSE): SHUTDOWN_COMP. */
void t_opt_autoclose(void)
{
	int o2o = sk(AF_INET, SOCK_STREAM);
	int one = 1;
	socklen_t l = sizeof(one);
	EXPECT_ERR(
	    setsockopt(o2o, IPPROTO_SCTP, SCTP_AUTOCLOSE, &one, sizeof(one)),
	    EOPNOTSUPP);
	EXPECT_ERR(getsockopt(o2o, IPPROTO_SCTP, SCTP_AUTOCLOSE, &one, &l),
		   EOPNOTSUPP);
	close(o2o);
	int srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	int cli = sk(AF_INET, SOCK_SEQPACKET);
	EXPECT_EQ(get_int(cli, IPPROTO_SCTP, SCTP_AUTOCLOSE), 0);
	set_int(cli, IPPROTO_SCTP, SCTP_AUTOCLOSE, 1);
	EXPECT_EQ(get_int(cli, IPPROTO_SCTP, SCTP_AUTOCLOSE), 1);
	short_get(cli, SCTP_AUTOCLOSE, sizeof(int) - 1);
	subscribe(cli, SCTP_ASSOC_CHANGE);
	sk_connect(cli, AF_INET, 0);
	union sctp_notification *sn = rcv_notif(cli);
	EXPECT_EQ(sn->sn_assoc_change.sac_state, SCTP_COMM_UP);
	sn = rcv_notif(cli);
	EXPECT_EQ(sn->sn_header.sn_type, SCTP_ASSOC_CHANGE);
	EXPECT_EQ(sn->sn_assoc_change.sac_state, SCTP_SHUTDOWN_COMP);
	close(srv);
}

/* sctp_setsockopt_default_send_param (struct sctp_sndrcvinfo, 32 bytes):
 * a plain send uses its stream and ppid. */
void t_opt_default_send_param(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	struct sctp_sndrcvinfo si = {.sinfo_stream = 4, .sinfo_ppid = 99};
	EXPECT_EQ(sizeof(si), 32);
	set_opt(cli, SCTP_DEFAULT_SEND_PARAM, &si, sizeof(si));
	memset(&si, 0, sizeof(si));
	get_opt(cli, SCTP_DEFAULT_SEND_PARAM, &si, sizeof(si));
	EXPECT_EQ(si.sinfo_stream, 4);
	EXPECT_EQ(si.sinfo_ppid, 99);
	short_get(cli, SCTP_DEFAULT_SEND_PARAM, sizeof(si) - 1);
	short_set(cli, SCTP_DEFAULT_SEND_PARAM, sizeof(si) - 1);
	subscribe_assoc_io(srv);
	EXPECT_EQ(SYS(send(cli, "d", 1, 0)), 1);
	char buf[8];
	rmsg m = rcv(srv, buf, sizeof(buf), 0);
	EXPECT(m.n == 1 && m.has_sndrcv, "%zd bytes, SNDRCV %d", m.n,
	       m.has_sndrcv);
	EXPECT_EQ(m.sndrcv.sinfo_stream, 4);
	EXPECT_EQ(m.sndrcv.sinfo_ppid, 99);
}

/* sctp_setsockopt_default_sndinfo (struct sctp_sndinfo, 16 bytes). */
void t_opt_default_sndinfo(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	struct sctp_sndinfo sn = {.snd_sid = 3, .snd_ppid = 55};
	EXPECT_EQ(sizeof(sn), 16);
	set_opt(cli, SCTP_DEFAULT_SNDINFO, &sn, sizeof(sn));
	memset(&sn, 0, sizeof(sn));
	get_opt(cli, SCTP_DEFAULT_SNDINFO, &sn, sizeof(sn));
	EXPECT_EQ(sn.snd_sid, 3);
	EXPECT_EQ(sn.snd_ppid, 55);
	short_get(cli, SCTP_DEFAULT_SNDINFO, sizeof(sn) - 1);
	short_set(cli, SCTP_DEFAULT_SNDINFO, sizeof(sn) - 1);
	set_int(srv, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1);
	EXPECT_EQ(SYS(send(cli, "d", 1, 0)), 1);
	char buf[8];
	rmsg m = rcv(srv, buf, sizeof(buf), 0);
	EXPECT(m.n == 1 && m.has_rcvinfo, "%zd bytes, RCVINFO %d", m.n,
	       m.has_rcvinfo);
	EXPECT_EQ(m.rcv.rcv_sid, 3);
	EXPECT_EQ(m.rcv.rcv_ppid, 55);
}

/* sctp_setsockopt_maxseg: user_frag, 0 by default; below the minimum
 * fragment (sctp_min_frag_point) EINVAL; an association's fragment point
 * is capped by it (sctp_assoc_update_frag_point). */
void t_opt_maxseg(void)
{
	int fd = sk(AF_INET, SOCK_STREAM);
	EXPECT_EQ(get_av(fd, SCTP_MAXSEG, 0).assoc_value, 0);
	set_av(fd, SCTP_MAXSEG, 0, 1000);
	EXPECT_EQ(get_av(fd, SCTP_MAXSEG, 0).assoc_value, 1000);
	struct sctp_assoc_value av = {.assoc_value = 100};
	EXPECT_ERR(setsockopt(fd, IPPROTO_SCTP, SCTP_MAXSEG, &av, sizeof(av)),
		   EINVAL);
	short_get(fd, SCTP_MAXSEG, sizeof(av) - 1);
	short_set(fd, SCTP_MAXSEG, sizeof(av) - 1);
	int srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	sk_connect(fd, AF_INET, 0);
	EXPECT_EQ(get_av(fd, SCTP_MAXSEG, 0).assoc_value, 1000);
	EXPECT_EQ(status(fd, 0).sstat_fragmentation_point, 1000);
	close(srv);
}

/* SCTP_MAXSEG per association (sctp_setsockopt_maxseg,
 * sctp_getsockopt_maxseg): an association starts with its socket's
 * user_frag; its own value is set by id, and read back as its fragment
 * point (asoc->frag_point: rounded down to 4, capped by the path MTU),
 * the socket's staying as it was; on a one-to-many socket an id naming no
 * association, SCTP_CURRENT_ASSOC and SCTP_ALL_ASSOC included, is EINVAL;
 * on a connected one-to-one socket every id, and the int form, is its
 * association. */
void t_opt_maxseg_assoc(void)
{
	int srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	int cli = sk(AF_INET, SOCK_SEQPACKET);
	set_av(cli, SCTP_MAXSEG, SCTP_FUTURE_ASSOC, 1200);
	sk_connect(cli, AF_INET, 0);
	sctp_assoc_t id = assoc_id(cli);
	EXPECT_EQ(get_av(cli, SCTP_MAXSEG, id).assoc_value, 1200);
	EXPECT_EQ(status(cli, id).sstat_fragmentation_point, 1200);
	set_av(cli, SCTP_MAXSEG, id, 1001);
	EXPECT_EQ(get_av(cli, SCTP_MAXSEG, id).assoc_value, 1000);
	EXPECT_EQ(status(cli, id).sstat_fragmentation_point, 1000);
	EXPECT_EQ(get_av(cli, SCTP_MAXSEG, SCTP_FUTURE_ASSOC).assoc_value,
		  1200);
	set_av(cli, SCTP_MAXSEG, id, 0);
	uint32_t pmtu = get_av(cli, SCTP_MAXSEG, id).assoc_value;
	EXPECT(pmtu > 1200 && pmtu < 65535, "path MTU's fragment point %u",
	       pmtu);
	EXPECT_EQ(status(cli, id).sstat_fragmentation_point, pmtu);
	set_av(cli, SCTP_MAXSEG, id, 65535);
	EXPECT_EQ(get_av(cli, SCTP_MAXSEG, id).assoc_value, pmtu);
	sctp_assoc_t bad[] = {SCTP_CURRENT_ASSOC, SCTP_ALL_ASSOC, id + 100};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sctp_assoc_value av = {.assoc_id = bad[i],
					      .assoc_value = 1000};
		EXPECT_ERR(
		    setsockopt(cli, IPPROTO_SCTP, SCTP_MAXSEG, &av, sizeof(av)),
		    EINVAL);
		socklen_t l = sizeof(av);
		EXPECT_ERR(getsockopt(cli, IPPROTO_SCTP, SCTP_MAXSEG, &av, &l),
			   EINVAL);
	}
	EXPECT_EQ(get_av(cli, SCTP_MAXSEG, id).assoc_value, pmtu);
	close(cli);
	close(srv);

	int lis, c, a;
	o2o_pair(AF_INET, 1, &lis, &c, &a);
	set_av(c, SCTP_MAXSEG, 0, 800);
	EXPECT_EQ(get_av(c, SCTP_MAXSEG, 0).assoc_value, 800);
	EXPECT_EQ(get_av(c, SCTP_MAXSEG, 12345).assoc_value, 800);
	EXPECT_EQ(status(c, 0).sstat_fragmentation_point, 800);
	int v = 0;
	socklen_t l = sizeof(v);
	SYS(getsockopt(c, IPPROTO_SCTP, SCTP_MAXSEG, &v, &l));
	EXPECT_EQ(l, sizeof(v));
	EXPECT_EQ(v, 800);
	EXPECT_EQ(get_av(a, SCTP_MAXSEG, 0).assoc_value, pmtu);
}

/* Reads one whole message of len bytes from fd (in pieces if it comes in
 * pieces, notifications skipped), compares it with want, and gives where
 * it came from. */
static addr recv_whole(int fd, const char *want, size_t len)
{
	char *got = malloc(len + 1);
	EXPECT(got, "out of memory");
	size_t off = 0;
	bool eor = false;
	addr from;
	memset(&from, 0, sizeof(from));
	for (int i = 0; i < 100 && !eor; i++) {
		rmsg m = rcv(fd, got + off, len + 1 - off, 0);
		if (m.flags & MSG_NOTIFICATION)
			continue;
		EXPECT(m.n > 0, "piece %d: %zd bytes", i, m.n);
		off += (size_t)m.n;
		eor = m.flags & MSG_EOR;
		from = m.from;
	}
	EXPECT(eor, "no MSG_EOR after %zu bytes", off);
	EXPECT_EQ(off, len);
	EXPECT(memcmp(got, want, len) == 0, "the bytes differ");
	free(got);
	return from;
}

static void fill_msg(char *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)(i * 31 + seed);
}

/* SCTP_MAXSEG 1000 on the wire: 10,000-byte messages arrive whole from
 * associations that took the value from a one-to-one listener (accept),
 * from their socket once connected, from a one-to-many socket's future
 * associations (implicit setup) and from a one-to-many listener's
 * (accept); the Bats test around it checks that no DATA chunk of its
 * capture carries more than 1000 bytes. */
void t_msg_maxseg_wire(void)
{
	enum { LEN = 10000 };
	static char msg[LEN];
	int lis = sk_listen(AF_INET, SOCK_STREAM, 0);
	set_av(lis, SCTP_MAXSEG, 0, 1000);
	int cli = sk(AF_INET, SOCK_STREAM);
	sk_connect(cli, AF_INET, 0);
	int srv = SYS(accept(lis, NULL, NULL));
	set_av(cli, SCTP_MAXSEG, 0, 1000);
	EXPECT_EQ(status(cli, 0).sstat_fragmentation_point, 1000);
	EXPECT_EQ(status(srv, 0).sstat_fragmentation_point, 1000);
	fill_msg(msg, LEN, 1);
	EXPECT_EQ(SYS(send(cli, msg, LEN, 0)), LEN);
	recv_whole(srv, msg, LEN);
	fill_msg(msg, LEN, 2);
	EXPECT_EQ(SYS(send(srv, msg, LEN, 0)), LEN);
	recv_whole(cli, msg, LEN);

	int ml = sk_listen(AF_INET, SOCK_SEQPACKET, 1);
	set_av(ml, SCTP_MAXSEG, SCTP_FUTURE_ASSOC, 1000);
	int mc = sk(AF_INET, SOCK_SEQPACKET);
	set_av(mc, SCTP_MAXSEG, SCTP_FUTURE_ASSOC, 1000);
	addr to;
	socklen_t tl = loop_addr(&to, AF_INET, 1);
	fill_msg(msg, LEN, 3);
	EXPECT_EQ(SYS(sendto(mc, msg, LEN, 0, &to.sa, tl)), LEN);
	addr back = recv_whole(ml, msg, LEN);
	EXPECT_EQ(status(mc, assoc_id(mc)).sstat_fragmentation_point, 1000);
	EXPECT_EQ(status(ml, assoc_id(ml)).sstat_fragmentation_point, 1000);
	fill_msg(msg, LEN, 4);
	EXPECT_EQ(SYS(sendto(ml, msg, LEN, 0, &back.sa, sizeof(back.in))), LEN);
	recv_whole(mc, msg, LEN);
}

/* sctp_getsockopt_sctp_status (176 bytes): ESTABLISHED, 10 streams each
 * way, the peer as primary; no association (one-to-one not connected,
 * one-to-many id 0) is EINVAL. */
void t_opt_status(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	EXPECT_EQ(sizeof(struct sctp_status), 176);
	struct sctp_status st = status(cli, 0);
	EXPECT_EQ(st.sstat_state, SCTP_ESTABLISHED);
	EXPECT_EQ(st.sstat_instrms, 10);
	EXPECT_EQ(st.sstat_outstrms, 10);
	EXPECT(st.sstat_assoc_id != 0, "sstat_assoc_id 0");
	EXPECT(st.sstat_rwnd > 0, "sstat_rwnd 0");
	struct sockaddr_in *p = (void *)&st.sstat_primary.spinfo_address;
	EXPECT(p->sin_family == AF_INET && ntohs(p->sin_port) == port(0) &&
		   p->sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	       "primary: not 127.0.0.1:%d", port(0));
	EXPECT_EQ(st.sstat_primary.spinfo_state, SCTP_ACTIVE);
	short_get(cli, SCTP_STATUS, sizeof(st) - 1);
	int fresh = sk(AF_INET, SOCK_STREAM);
	socklen_t l = sizeof(st);
	EXPECT_ERR(getsockopt(fresh, IPPROTO_SCTP, SCTP_STATUS, &st, &l),
		   EINVAL);
	int s2 = sk_listen(AF_INET, SOCK_SEQPACKET, 1);
	int c2 = sk(AF_INET, SOCK_SEQPACKET);
	sk_connect(c2, AF_INET, 1);
	memset(&st, 0, sizeof(st));
	l = sizeof(st);
	EXPECT_ERR(getsockopt(c2, IPPROTO_SCTP, SCTP_STATUS, &st, &l), EINVAL);
	EXPECT_EQ(status(c2, assoc_id(c2)).sstat_state, SCTP_ESTABLISHED);
	/* sctp_getsockopt_primary_addr: the same primary as the status's;
	 * no association is EINVAL. */
	struct sctp_prim pr;
	memset(&pr, 0, sizeof(pr));
	get_opt(cli, SCTP_PRIMARY_ADDR, &pr, sizeof(pr));
	struct sockaddr_in *pp = (void *)&pr.ssp_addr;
	EXPECT(pp->sin_family == AF_INET && ntohs(pp->sin_port) == port(0) &&
		   pp->sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	       "SCTP_PRIMARY_ADDR: not 127.0.0.1:%d", port(0));
	l = sizeof(pr);
	EXPECT_ERR(getsockopt(fresh, IPPROTO_SCTP, SCTP_PRIMARY_ADDR, &pr, &l),
		   EINVAL);
	close(s2);
}

/* sctp_getsockopt_peer_addr_info (152 bytes): the peer's address is
 * ACTIVE with a path MTU; an address that is not the peer's is EINVAL. */
void t_opt_peer_addr_info(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	struct sctp_paddrinfo pi;
	EXPECT_EQ(sizeof(pi), 152);
	memset(&pi, 0, sizeof(pi));
	addr a;
	loop_addr(&a, AF_INET, 0);
	memcpy(&pi.spinfo_address, &a.in, sizeof(a.in));
	get_opt(cli, SCTP_GET_PEER_ADDR_INFO, &pi, sizeof(pi));
	EXPECT_EQ(pi.spinfo_state, SCTP_ACTIVE);
	EXPECT(pi.spinfo_mtu > 0, "spinfo_mtu 0");
	EXPECT(pi.spinfo_rto > 0, "spinfo_rto 0");
	short_get(cli, SCTP_GET_PEER_ADDR_INFO, sizeof(pi) - 1);
	memset(&pi, 0, sizeof(pi));
	loop_addr(&a, AF_INET, 5);
	memcpy(&pi.spinfo_address, &a.in, sizeof(a.in));
	socklen_t l = sizeof(pi);
	EXPECT_ERR(
	    getsockopt(cli, IPPROTO_SCTP, SCTP_GET_PEER_ADDR_INFO, &pi, &l),
	    EINVAL);
}

/* sctp_setsockopt_peer_addr_params (156 bytes, or 152 without the
 * flowlabel/dscp: others EINVAL): heartbeats on, every 30 s and 5 path
 * retransmissions by default; the interval set is the one read back. */
void t_opt_peer_addr_params(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	struct sctp_paddrparams pp;
	EXPECT_EQ(sizeof(pp), 156);
	memset(&pp, 0, sizeof(pp));
	get_opt(cli, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp));
	EXPECT_EQ(pp.spp_hbinterval, 30000);
	EXPECT_EQ(pp.spp_pathmaxrxt, 5);
	EXPECT(pp.spp_flags & SPP_HB_ENABLE, "heartbeats off (flags %#x)",
	       pp.spp_flags);
	memset(&pp, 0, sizeof(pp));
	pp.spp_hbinterval = 5000;
	pp.spp_flags = SPP_HB_ENABLE;
	set_opt(cli, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp));
	memset(&pp, 0, sizeof(pp));
	get_opt(cli, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp));
	EXPECT_EQ(pp.spp_hbinterval, 5000);
	short_get(cli, SCTP_PEER_ADDR_PARAMS, 100);
	short_set(cli, SCTP_PEER_ADDR_PARAMS, 100);
}

/* sctp_setsockopt_rtoinfo (16 bytes): defaults initial/max/min; min
 * above max is EINVAL.  Linux's RTO.Initial is 3000 ms (RFC 4960); the
 * embedded engine takes RFC 9260 §16's 1000 ms, a documented difference
 * (withsctp-sctp(7)): the wire follows the RFC. */
void t_opt_rtoinfo(void)
{
	int fd = sk(AF_INET, SOCK_STREAM);
	struct sctp_rtoinfo ri;
	EXPECT_EQ(sizeof(ri), 16);
	memset(&ri, 0, sizeof(ri));
	get_opt(fd, SCTP_RTOINFO, &ri, sizeof(ri));
	EXPECT_EQ(ri.srto_initial, 1000);
	EXPECT_EQ(ri.srto_max, 60000);
	EXPECT_EQ(ri.srto_min, 1000);
	struct sctp_rtoinfo set = {0, 2000, 9000, 500};
	set_opt(fd, SCTP_RTOINFO, &set, sizeof(set));
	get_opt(fd, SCTP_RTOINFO, &ri, sizeof(ri));
	EXPECT(ri.srto_initial == 2000 && ri.srto_max == 9000 &&
		   ri.srto_min == 500,
	       "expected 2000/9000/500, got %u/%u/%u", ri.srto_initial,
	       ri.srto_max, ri.srto_min);
	struct sctp_rtoinfo bad = {0, 0, 1000, 5000};
	EXPECT_ERR(
	    setsockopt(fd, IPPROTO_SCTP, SCTP_RTOINFO, &bad, sizeof(bad)),
	    EINVAL);
	short_get(fd, SCTP_RTOINFO, sizeof(ri) - 1);
	short_set(fd, SCTP_RTOINFO, sizeof(ri) - 1);
}

/* sctp_setsockopt_associnfo (20 bytes): defaults 10 retransmissions and a
 * 60 s cookie life. */
void t_opt_associnfo(void)
{
	int fd = sk(AF_INET, SOCK_STREAM);
	struct sctp_assocparams ap;
	EXPECT_EQ(sizeof(ap), 20);
	memset(&ap, 0, sizeof(ap));
	get_opt(fd, SCTP_ASSOCINFO, &ap, sizeof(ap));
	EXPECT_EQ(ap.sasoc_asocmaxrxt, 10);
	EXPECT_EQ(ap.sasoc_cookie_life, 60000);
	memset(&ap, 0, sizeof(ap));
	ap.sasoc_asocmaxrxt = 7;
	ap.sasoc_cookie_life = 30000;
	set_opt(fd, SCTP_ASSOCINFO, &ap, sizeof(ap));
	memset(&ap, 0, sizeof(ap));
	get_opt(fd, SCTP_ASSOCINFO, &ap, sizeof(ap));
	EXPECT_EQ(ap.sasoc_asocmaxrxt, 7);
	EXPECT_EQ(ap.sasoc_cookie_life, 30000);
	short_get(fd, SCTP_ASSOCINFO, sizeof(ap) - 1);
	short_set(fd, SCTP_ASSOCINFO, sizeof(ap) - 1);
}

/* sctp_setsockopt_delayed_ack (struct sctp_sack_info, 12 bytes; the
 * deprecated 8-byte sctp_assoc_value too): 200 ms and every 2nd packet by
 * default; a delay above 500 ms is EINVAL. */
void t_opt_delayed_sack(void)
{
	int fd = sk(AF_INET, SOCK_STREAM);
	struct sctp_sack_info si;
	EXPECT_EQ(sizeof(si), 12);
	memset(&si, 0, sizeof(si));
	get_opt(fd, SCTP_DELAYED_SACK, &si, sizeof(si));
	EXPECT_EQ(si.sack_delay, 200);
	EXPECT_EQ(si.sack_freq, 2);
	struct sctp_sack_info set = {0, 100, 3};
	set_opt(fd, SCTP_DELAYED_SACK, &set, sizeof(set));
	memset(&si, 0, sizeof(si));
	get_opt(fd, SCTP_DELAYED_SACK, &si, sizeof(si));
	EXPECT_EQ(si.sack_delay, 100);
	EXPECT_EQ(si.sack_freq, 3);
	set.sack_delay = 600;
	EXPECT_ERR(
	    setsockopt(fd, IPPROTO_SCTP, SCTP_DELAYED_SACK, &set, sizeof(set)),
	    EINVAL);
	short_get(fd, SCTP_DELAYED_SACK, sizeof(si) - 1);
	short_set(fd, SCTP_DELAYED_SACK, sizeof(si) - 1);
}

/* sctp_setsockopt_context: SCTP_FUTURE_ASSOC sets the socket's value,
 * which new associations take (asoc->default_rcv_context) and report in
 * sinfo_context; an unknown id on one-to-many is EINVAL. */
void t_opt_context(void)
{
	int srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	EXPECT_EQ(get_av(srv, SCTP_CONTEXT, SCTP_FUTURE_ASSOC).assoc_value, 0);
	set_av(srv, SCTP_CONTEXT, SCTP_FUTURE_ASSOC, 0x1234);
	EXPECT_EQ(get_av(srv, SCTP_CONTEXT, SCTP_FUTURE_ASSOC).assoc_value,
		  0x1234);
	struct sctp_assoc_value av = {.assoc_id = 999, .assoc_value = 1};
	EXPECT_ERR(setsockopt(srv, IPPROTO_SCTP, SCTP_CONTEXT, &av, sizeof(av)),
		   EINVAL);
	short_get(srv, SCTP_CONTEXT, sizeof(av) - 1);
	short_set(srv, SCTP_CONTEXT, sizeof(av) - 1);
	subscribe_assoc_io(srv);
	int cli = sk(AF_INET, SOCK_SEQPACKET);
	sk_connect(cli, AF_INET, 0);
	addr to;
	socklen_t tl = loop_addr(&to, AF_INET, 0);
	EXPECT_EQ(SYS(sendto(cli, "c", 1, 0, &to.sa, tl)), 1);
	char buf[256];
	rmsg m;
	do
		m = rcv(srv, buf, sizeof(buf), 0);
	while (m.flags & MSG_NOTIFICATION);
	EXPECT(m.has_sndrcv, "no SCTP_SNDRCV");
	EXPECT_EQ(m.sndrcv.sinfo_context, 0x1234);
	EXPECT_EQ(
	    get_av(srv, SCTP_CONTEXT, m.sndrcv.sinfo_assoc_id).assoc_value,
	    0x1234);
}

/* sctp_setsockopt_fragment_interleave: an int stored as 0 or 1. */
void t_opt_fragment_interleave(void)
{
	int fd = sk(AF_INET, SOCK_SEQPACKET);
	EXPECT_EQ(get_int(fd, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE), 0);
	set_int(fd, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, 2);
	EXPECT_EQ(get_int(fd, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE), 1);
	set_int(fd, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, 0);
	EXPECT_EQ(get_int(fd, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE), 0);
	short_get(fd, SCTP_FRAGMENT_INTERLEAVE, sizeof(int) - 1);
	short_set(fd, SCTP_FRAGMENT_INTERLEAVE, sizeof(int) - 1);
}

/* sctp_setsockopt_partial_delivery_point: a u32, 0 by default, at most
 * half of SO_RCVBUF (else EINVAL). */
void t_opt_partial_delivery_point(void)
{
	int fd = sk(AF_INET, SOCK_SEQPACKET);
	uint32_t v = 99;
	get_opt(fd, SCTP_PARTIAL_DELIVERY_POINT, &v, sizeof(v));
	EXPECT_EQ(v, 0);
	v = 1000;
	set_opt(fd, SCTP_PARTIAL_DELIVERY_POINT, &v, sizeof(v));
	v = 0;
	get_opt(fd, SCTP_PARTIAL_DELIVERY_POINT, &v, sizeof(v));
	EXPECT_EQ(v, 1000);
	v = (uint32_t)get_int(fd, SOL_SOCKET, SO_RCVBUF);
	EXPECT_ERR(setsockopt(fd, IPPROTO_SCTP, SCTP_PARTIAL_DELIVERY_POINT, &v,
			      sizeof(v)),
		   EINVAL);
	short_get(fd, SCTP_PARTIAL_DELIVERY_POINT, sizeof(v) - 1);
	short_set(fd, SCTP_PARTIAL_DELIVERY_POINT, sizeof(v) - 1);
}

/* sctp_setsockopt_maxburst: struct sctp_assoc_value, 4 by default. */
void t_opt_max_burst(void)
{
	int fd = sk(AF_INET, SOCK_STREAM);
	EXPECT_EQ(get_av(fd, SCTP_MAX_BURST, 0).assoc_value, 4);
	set_av(fd, SCTP_MAX_BURST, 0, 8);
	EXPECT_EQ(get_av(fd, SCTP_MAX_BURST, 0).assoc_value, 8);
	short_get(fd, SCTP_MAX_BURST, sizeof(struct sctp_assoc_value) - 1);
	short_set(fd, SCTP_MAX_BURST, sizeof(struct sctp_assoc_value) - 1);
}

/* sctp_getsockopt_assoc_ids: the count and every id (each one answers
 * SCTP_STATUS); a buffer too small for them is EINVAL; one-to-one is
 * EOPNOTSUPP. */
void t_opt_assoc_id_list(void)
{
	int s0 = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	int s1 = sk_listen(AF_INET, SOCK_SEQPACKET, 1);
	int cli = sk(AF_INET, SOCK_SEQPACKET);
	sk_connect(cli, AF_INET, 0);
	sk_connect(cli, AF_INET, 1);
	struct {
		struct sctp_assoc_ids ids;
		sctp_assoc_t more[4];
	} u;
	socklen_t l = sizeof(u);
	SYS(getsockopt(cli, IPPROTO_SCTP, SCTP_GET_ASSOC_ID_LIST, &u, &l));
	EXPECT_EQ(u.ids.gaids_number_of_ids, 2);
	EXPECT_EQ(l, sizeof(struct sctp_assoc_ids) + 2 * sizeof(sctp_assoc_t));
	EXPECT(u.ids.gaids_assoc_id[0] != u.ids.gaids_assoc_id[1],
	       "the same id twice");
	int ports = 0;
	for (int i = 0; i < 2; i++) {
		struct sctp_status st = status(cli, u.ids.gaids_assoc_id[i]);
		EXPECT_EQ(st.sstat_state, SCTP_ESTABLISHED);
		struct sockaddr_in *p =
		    (void *)&st.sstat_primary.spinfo_address;
		ports |= 1 << (ntohs(p->sin_port) - port(0));
	}
	EXPECT_EQ(ports, 3);
	l = sizeof(struct sctp_assoc_ids) + sizeof(sctp_assoc_t);
	EXPECT_ERR(
	    getsockopt(cli, IPPROTO_SCTP, SCTP_GET_ASSOC_ID_LIST, &u, &l),
	    EINVAL);
	int o2o = sk(AF_INET, SOCK_STREAM);
	l = sizeof(u);
	EXPECT_ERR(
	    getsockopt(o2o, IPPROTO_SCTP, SCTP_GET_ASSOC_ID_LIST, &u, &l),
	    EOPNOTSUPP);
	close(s0);
	close(s1);
}

/* sctp_setsockopt_pr_supported: the endpoint's PR-SCTP (on with the
 * default net.sctp.prsctp_enable); an association reports the peer's. */
void t_opt_pr_supported(void)
{
	int fd = sk(AF_INET, SOCK_STREAM);
	EXPECT_EQ(get_av(fd, SCTP_PR_SUPPORTED, 0).assoc_value, 1);
	set_av(fd, SCTP_PR_SUPPORTED, 0, 0);
	EXPECT_EQ(get_av(fd, SCTP_PR_SUPPORTED, 0).assoc_value, 0);
	set_av(fd, SCTP_PR_SUPPORTED, 0, 1);
	EXPECT_EQ(get_av(fd, SCTP_PR_SUPPORTED, 0).assoc_value, 1);
	short_get(fd, SCTP_PR_SUPPORTED, sizeof(struct sctp_assoc_value) - 1);
	short_set(fd, SCTP_PR_SUPPORTED, sizeof(struct sctp_assoc_value) - 1);
	int srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	sk_connect(fd, AF_INET, 0);
	EXPECT_EQ(get_av(fd, SCTP_PR_SUPPORTED, 0).assoc_value, 1);
	close(srv);
}

/* sctp_setsockopt_recvrcvinfo: an int, off by default (its effect:
 * cmsg_rcvinfo). */
void t_opt_recvrcvinfo(void)
{
	int fd = sk(AF_INET, SOCK_STREAM);
	EXPECT_EQ(get_int(fd, IPPROTO_SCTP, SCTP_RECVRCVINFO), 0);
	set_int(fd, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1);
	EXPECT_EQ(get_int(fd, IPPROTO_SCTP, SCTP_RECVRCVINFO), 1);
	short_get(fd, SCTP_RECVRCVINFO, sizeof(int) - 1);
	short_set(fd, SCTP_RECVRCVINFO, sizeof(int) - 1);
}

/* sctp_setsockopt_recvnxtinfo, and sctp_ulpevent_read_nxtinfo: with a
 * second message queued, reading the first brings SCTP_NXTINFO about it
 * (stream, ppid, length); the last brings none. */
void t_opt_recvnxtinfo(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	EXPECT_EQ(get_int(srv, IPPROTO_SCTP, SCTP_RECVNXTINFO), 0);
	set_int(srv, IPPROTO_SCTP, SCTP_RECVNXTINFO, 1);
	EXPECT_EQ(get_int(srv, IPPROTO_SCTP, SCTP_RECVNXTINFO), 1);
	short_get(srv, SCTP_RECVNXTINFO, sizeof(int) - 1);
	short_set(srv, SCTP_RECVNXTINFO, sizeof(int) - 1);
	EXPECT_EQ(SYS(sctp_sendmsg(cli, "one", 3, NULL, 0, 7, 0, 1, 0, 0)), 3);
	EXPECT_EQ(SYS(sctp_sendmsg(cli, "three", 5, NULL, 0, 8, 0, 2, 0, 0)),
		  5);
	EXPECT(wait_ev(srv, POLLIN, WAIT_MS), "nothing to read");
	/* Both messages in the receive queue before the first read. */
	usleep(500000);
	char buf[16];
	rmsg m = rcv(srv, buf, sizeof(buf), 0);
	EXPECT_EQ(m.n, 3);
	EXPECT(m.has_nxtinfo, "no SCTP_NXTINFO with a message queued");
	EXPECT_EQ(m.nxt.nxt_sid, 2);
	EXPECT_EQ(m.nxt.nxt_ppid, 8);
	EXPECT_EQ(m.nxt.nxt_length, 5);
	EXPECT(!(m.nxt.nxt_flags & SCTP_NOTIFICATION), "nxt_flags %#x",
	       m.nxt.nxt_flags);
	m = rcv(srv, buf, sizeof(buf), 0);
	EXPECT_EQ(m.n, 5);
	EXPECT(!m.has_nxtinfo, "SCTP_NXTINFO with nothing queued");
}

/* sctp_inet6_skb_msgname / sctp_v6_addr_to_user at read time: an IPv4
 * peer appears v4-mapped on an AF_INET6 socket (SCTP_I_WANT_MAPPED_V4_ADDR
 * 1 by default), as AF_INET (16 bytes) after setting it to 0. */
void t_opt_mapped_v4(void)
{
	int srv = sk(AF_INET6, SOCK_SEQPACKET);
	struct sockaddr_in6 any = {.sin6_family = AF_INET6,
				   .sin6_port = htons((uint16_t)port(0)),
				   .sin6_addr = IN6ADDR_ANY_INIT};
	SYS(bind(srv, (struct sockaddr *)&any, sizeof(any)));
	SYS(listen(srv, 4));
	EXPECT_EQ(get_int(srv, IPPROTO_SCTP, SCTP_I_WANT_MAPPED_V4_ADDR), 1);
	int cli = sk_bound(AF_INET, SOCK_SEQPACKET, 1);
	addr to;
	socklen_t tl = loop_addr(&to, AF_INET, 0);
	char buf[16];
	EXPECT_EQ(SYS(sendto(cli, "m1", 2, 0, &to.sa, tl)), 2);
	rmsg m = rcv(srv, buf, sizeof(buf), 0);
	EXPECT_EQ(m.n, 2);
	EXPECT_EQ(m.fromlen, sizeof(struct sockaddr_in6));
	EXPECT_EQ(m.from.sa.sa_family, AF_INET6);
	char ip[64];
	inet_ntop(AF_INET6, &m.from.in6.sin6_addr, ip, sizeof(ip));
	EXPECT(strcmp(ip, "::ffff:127.0.0.1") == 0 &&
		   ntohs(m.from.in6.sin6_port) == port(1),
	       "expected [::ffff:127.0.0.1]:%d, got [%s]:%d", port(1), ip,
	       ntohs(m.from.in6.sin6_port));
	set_int(srv, IPPROTO_SCTP, SCTP_I_WANT_MAPPED_V4_ADDR, 0);
	EXPECT_EQ(get_int(srv, IPPROTO_SCTP, SCTP_I_WANT_MAPPED_V4_ADDR), 0);
	EXPECT_EQ(SYS(sendto(cli, "m2", 2, 0, &to.sa, tl)), 2);
	m = rcv(srv, buf, sizeof(buf), 0);
	EXPECT_EQ(m.n, 2);
	EXPECT_EQ(m.fromlen, sizeof(struct sockaddr_in));
	EXPECT_EQ(m.from.sa.sa_family, AF_INET);
	EXPECT(m.from.in.sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
		   ntohs(m.from.in.sin_port) == port(1),
	       "expected 127.0.0.1:%d", port(1));
}

/* sock_setsockopt: SO_RCVBUF and SO_SNDBUF are doubled (bookkeeping
 * overhead), below net.core.rmem_max/wmem_max. */
void t_opt_bufs(void)
{
	for (int t = 0; t < 2; t++) {
		int fd = sk(AF_INET, t ? SOCK_SEQPACKET : SOCK_STREAM);
		set_int(fd, SOL_SOCKET, SO_RCVBUF, 100000);
		EXPECT_EQ(get_int(fd, SOL_SOCKET, SO_RCVBUF), 200000);
		set_int(fd, SOL_SOCKET, SO_SNDBUF, 100000);
		EXPECT_EQ(get_int(fd, SOL_SOCKET, SO_SNDBUF), 200000);
		close(fd);
	}
}
