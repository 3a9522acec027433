/*
 * sctpcheck_life.c - libsctp's private entry points (bindx, connectx,
 * getpaddrs/getladdrs, opt_info), poll readiness (sctp_poll) and closing
 * (sctp_close, fork).
 */
#define _GNU_SOURCE
#include "sctpcheck.h"

#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* 127.0.0.x at port(n). */
static struct sockaddr_in v4(int x, int n)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port(n)),
				.sin_addr.s_addr =
				    htonl(0x7f000000u | (uint32_t)x)};
	return a;
}

static bool has_addr(const struct sockaddr *addrs, int n,
		     const struct sockaddr_in *want)
{
	const struct sockaddr_in *a = (const void *)addrs;
	for (int i = 0; i < n; i++)
		if (a[i].sin_family == AF_INET &&
		    a[i].sin_port == want->sin_port &&
		    a[i].sin_addr.s_addr == want->sin_addr.s_addr)
			return true;
	return false;
}

/* sctp_bindx(SCTP_BINDX_ADD_ADDR) -> sctp_bindx_add -> sctp_do_bind: a
 * second address on the bound port (another port is EINVAL); the
 * endpoint lists both (getladdrs with id 0) and accepts on both. */
void t_lib_bindx(void)
{
	int srv = sk_bound(AF_INET, SOCK_SEQPACKET, 0);
	struct sockaddr_in two = v4(2, 0), one = v4(1, 0), other = v4(3, 1);
	SYS(sctp_bindx(srv, (struct sockaddr *)&two, 1, SCTP_BINDX_ADD_ADDR));
	EXPECT_ERR(
	    sctp_bindx(srv, (struct sockaddr *)&other, 1, SCTP_BINDX_ADD_ADDR),
	    EINVAL);
	struct sockaddr *addrs = NULL;
	int n = SYS(sctp_getladdrs(srv, 0, &addrs));
	EXPECT_EQ(n, 2);
	EXPECT(has_addr(addrs, n, &one) && has_addr(addrs, n, &two),
	       "getladdrs: not 127.0.0.1 and 127.0.0.2 on port %d", port(0));
	sctp_freeladdrs(addrs);
	SYS(listen(srv, 4));
	int cli = sk(AF_INET, SOCK_SEQPACKET);
	SYS(connect(cli, (struct sockaddr *)&two, sizeof(two)));
	EXPECT_EQ(
	    SYS(sendto(cli, "b", 1, 0, (struct sockaddr *)&two, sizeof(two))),
	    1);
	expect_msg(srv, "b");
}

/* sctp_connectx (SCTP_SOCKOPT_CONNECTX3): the association id comes back;
 * addresses with different ports are EINVAL (__sctp_connect). */
void t_lib_connectx(void)
{
	int srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	int cli = sk(AF_INET, SOCK_SEQPACKET);
	struct sockaddr_in bad[2] = {v4(1, 0), v4(2, 1)};
	sctp_assoc_t id = 0;
	EXPECT_ERR(sctp_connectx(cli, (struct sockaddr *)bad, 2, &id), EINVAL);
	struct sockaddr_in to = v4(1, 0);
	SYS(sctp_connectx(cli, (struct sockaddr *)&to, 1, &id));
	EXPECT(id != 0, "sctp_connectx: association id 0");
	struct sctp_status st;
	memset(&st, 0, sizeof(st));
	st.sstat_assoc_id = id;
	socklen_t l = sizeof(st);
	SYS(getsockopt(cli, IPPROTO_SCTP, SCTP_STATUS, &st, &l));
	EXPECT_EQ(st.sstat_state, SCTP_ESTABLISHED);
	EXPECT_EQ(assoc_id(cli), id);
	close(srv);
}

/* sctp_getsockopt_peer_addrs / _local_addrs: without an association
 * EINVAL (-1 from libsctp); with one, the peer's address, and local
 * addresses on the socket's port. */
void t_lib_getaddrs(void)
{
	struct sockaddr *addrs = NULL;
	int o2m = sk(AF_INET, SOCK_SEQPACKET);
	EXPECT_ERR(sctp_getpaddrs(o2m, 0, &addrs), EINVAL);
	int fresh = sk(AF_INET, SOCK_STREAM);
	EXPECT_ERR(sctp_getpaddrs(fresh, 0, &addrs), EINVAL);
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	struct sockaddr_in peer = v4(1, 0);
	int n = SYS(sctp_getpaddrs(cli, 0, &addrs));
	EXPECT_EQ(n, 1);
	EXPECT(has_addr(addrs, n, &peer), "getpaddrs: not 127.0.0.1:%d",
	       port(0));
	sctp_freepaddrs(addrs);
	addr me;
	socklen_t l = sizeof(me);
	SYS(getsockname(cli, &me.sa, &l));
	struct sockaddr_in mine = v4(1, 0);
	mine.sin_port = me.in.sin_port;
	n = SYS(sctp_getladdrs(cli, assoc_id(cli), &addrs));
	EXPECT(n >= 1, "getladdrs: %d addresses", n);
	EXPECT(has_addr(addrs, n, &mine), "getladdrs: no 127.0.0.1:%d",
	       ntohs(me.in.sin_port));
	sctp_freeladdrs(addrs);
	n = SYS(sctp_getpaddrs(srv, 0, &addrs));
	EXPECT_EQ(n, 1);
	EXPECT(has_addr(addrs, n, &mine), "server's getpaddrs: not %d",
	       ntohs(me.in.sin_port));
	sctp_freepaddrs(addrs);
}

/* sctp_opt_info writes the id into the option's first field: one-to-one
 * ignores it, one-to-many needs the right one (0 is EINVAL). */
void t_lib_opt_info(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	struct sctp_status st;
	socklen_t l = sizeof(st);
	SYS(sctp_opt_info(cli, 0, SCTP_STATUS, &st, &l));
	EXPECT_EQ(st.sstat_state, SCTP_ESTABLISHED);
	EXPECT_EQ(l, sizeof(st));
	int s2 = sk_listen(AF_INET, SOCK_SEQPACKET, 1);
	int c2 = sk(AF_INET, SOCK_SEQPACKET);
	sk_connect(c2, AF_INET, 1);
	l = sizeof(st);
	EXPECT_ERR(sctp_opt_info(c2, 0, SCTP_STATUS, &st, &l), EINVAL);
	l = sizeof(st);
	SYS(sctp_opt_info(c2, assoc_id(c2), SCTP_STATUS, &st, &l));
	EXPECT_EQ(st.sstat_state, SCTP_ESTABLISHED);
	close(s2);
}

/* sctp_poll: one-to-many is writable with send space and no
 * association, bound or not; a one-to-one socket in CLOSED reports
 * nothing. */
void t_poll_o2m_writable(void)
{
	int fd = sk(AF_INET, SOCK_SEQPACKET);
	short re = revents(fd, POLLIN | POLLOUT, 0);
	EXPECT(re == POLLOUT, "new one-to-many: revents %#x, not POLLOUT", re);
	close(fd);
	fd = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	re = revents(fd, POLLIN | POLLOUT, 0);
	EXPECT(re == POLLOUT, "listening one-to-many: revents %#x", re);
	fd = sk(AF_INET, SOCK_STREAM);
	re = revents(fd, POLLIN | POLLOUT, 0);
	EXPECT(re == 0, "new one-to-one: revents %#x, not 0", re);
}

/* sctp_poll: a queued notification makes the socket readable. */
void t_poll_notif(void)
{
	int srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	subscribe(srv, SCTP_ASSOC_CHANGE);
	EXPECT(!wait_ev(srv, POLLIN, 100), "readable before an association");
	int cli = sk(AF_INET, SOCK_SEQPACKET);
	sk_connect(cli, AF_INET, 0);
	EXPECT(wait_ev(srv, POLLIN, WAIT_MS), "no POLLIN for COMM_UP");
	union sctp_notification *sn = rcv_notif(srv);
	EXPECT_EQ(sn->sn_header.sn_type, SCTP_ASSOC_CHANGE);
	EXPECT(!wait_ev(srv, POLLIN, 0), "still readable after reading it");
}

/* The rest of a partly read message stays at the head of the receive
 * queue (sctp_recvmsg): still POLLIN, on both styles. */
void t_poll_partial(void)
{
	int lis, cli, srv;
	char msg[100], buf[100];
	memset(msg, 'p', sizeof(msg));
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	EXPECT_EQ(SYS(send(cli, msg, sizeof(msg), 0)), 100);
	rmsg m = rcv(srv, buf, 10, 0);
	EXPECT(m.n == 10 && !(m.flags & MSG_EOR), "%zd bytes, flags %#x", m.n,
	       m.flags);
	EXPECT(wait_ev(srv, POLLIN, 0), "one-to-one: no POLLIN after a piece");
	m = rcv(srv, buf, sizeof(buf), 0);
	EXPECT(m.n == 90 && (m.flags & MSG_EOR), "rest: %zd bytes, flags %#x",
	       m.n, m.flags);
	EXPECT(!wait_ev(srv, POLLIN, 0), "one-to-one: POLLIN after the rest");
	int s2 = sk_listen(AF_INET, SOCK_SEQPACKET, 1);
	int c2 = sk(AF_INET, SOCK_SEQPACKET);
	sk_connect(c2, AF_INET, 1);
	addr to;
	socklen_t tl = loop_addr(&to, AF_INET, 1);
	EXPECT_EQ(SYS(sendto(c2, msg, sizeof(msg), 0, &to.sa, tl)), 100);
	m = rcv(s2, buf, 10, 0);
	EXPECT(m.n == 10 && !(m.flags & MSG_EOR), "%zd bytes, flags %#x", m.n,
	       m.flags);
	EXPECT(wait_ev(s2, POLLIN, 0), "one-to-many: no POLLIN after a piece");
}

/* sctp_poll: a one-to-one listener is readable (only) while an
 * association waits for accept. */
void t_poll_listener(void)
{
	int lis = sk_listen(AF_INET, SOCK_STREAM, 0);
	short re = revents(lis, POLLIN | POLLOUT, 100);
	EXPECT(re == 0, "idle listener: revents %#x, not 0", re);
	int cli = sk(AF_INET, SOCK_STREAM);
	sk_connect(cli, AF_INET, 0);
	re = revents(lis, POLLIN | POLLOUT, WAIT_MS);
	EXPECT(re == POLLIN, "listener with an association: revents %#x", re);
	int srv = SYS(accept(lis, NULL, NULL));
	re = revents(lis, POLLIN | POLLOUT, 0);
	EXPECT(re == 0, "listener after accept: revents %#x, not 0", re);
	close(srv);
}

/* sctp_close: each association of a one-to-many socket is shut down
 * gracefully (sctp_primitive_SHUTDOWN): the peer gets SHUTDOWN_COMP. */
void t_close_o2m_graceful(void)
{
	int srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	subscribe(srv, SCTP_ASSOC_CHANGE);
	int cli = sk(AF_INET, SOCK_SEQPACKET);
	sk_connect(cli, AF_INET, 0);
	union sctp_notification *sn = rcv_notif(srv);
	EXPECT_EQ(sn->sn_assoc_change.sac_state, SCTP_COMM_UP);
	close(cli);
	sn = rcv_notif(srv);
	EXPECT_EQ(sn->sn_header.sn_type, SCTP_ASSOC_CHANGE);
	EXPECT_EQ(sn->sn_assoc_change.sac_state, SCTP_SHUTDOWN_COMP);
}

/* sctp_close: data unread in the receive queue means ABORT
 * (sctp_make_abort_user): the peer gets COMM_LOST. */
void t_close_o2m_unread(void)
{
	int srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	subscribe(srv, SCTP_ASSOC_CHANGE);
	int cli = sk(AF_INET, SOCK_SEQPACKET);
	sk_connect(cli, AF_INET, 0);
	union sctp_notification *sn = rcv_notif(srv);
	EXPECT_EQ(sn->sn_assoc_change.sac_state, SCTP_COMM_UP);
	struct sctp_sndrcvinfo si = {.sinfo_assoc_id =
					 sn->sn_assoc_change.sac_assoc_id};
	EXPECT_EQ(SYS(snd(srv, "unread", 6, NULL, 0, &si, 0)), 6);
	EXPECT(wait_ev(cli, POLLIN, WAIT_MS), "the data did not arrive");
	close(cli);
	sn = rcv_notif(srv);
	EXPECT_EQ(sn->sn_header.sn_type, SCTP_ASSOC_CHANGE);
	EXPECT_EQ(sn->sn_assoc_change.sac_state, SCTP_COMM_LOST);
}

/* A socket is one file shared by fork: after the parent closed its
 * descriptor, the child still sends and receives on the association. */
void t_close_fork(void)
{
	int lis, cli, srv, go[2];
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	SYS(pipe(go));
	fflush(stdout);
	pid_t pid = SYS(fork());
	if (pid == 0) {
		char c;
		alarm(10);
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			fail("child: the parent did not say go");
		EXPECT_EQ(SYS(send(cli, "from child", 10, 0)), 10);
		expect_msg(cli, "reply");
		_exit(0);
	}
	close(go[0]);
	close(cli);
	EXPECT_EQ(SYS(write(go[1], "g", 1)), 1);
	expect_msg(srv, "from child");
	EXPECT_EQ(SYS(send(srv, "reply", 5, 0)), 5);
	int st;
	SYS(waitpid(pid, &st, 0));
	EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child failed");
}
