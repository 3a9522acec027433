/*
 * sctpcheck_conn.c - sockets and associations: socket(), one-to-one
 * (SOCK_STREAM) connect/accept/shutdown and one-to-many (SOCK_SEQPACKET)
 * implicit associations, SCTP_SENDALL and peeloff.
 */
#define _GNU_SOURCE
#include "sctpcheck.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const int fams[] = {AF_INET, AF_INET6};
static const int types[] = {SOCK_STREAM, SOCK_SEQPACKET};

/* "127.0.0.1:5000" or "[::1]:5000". */
static const char *astr(const addr *a)
{
	static char bufs[4][80];
	static int n;
	char *b = bufs[n++ % 4], ip[64];
	if (a->sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->in6.sin6_addr, ip, sizeof(ip));
		snprintf(b, 80, "[%s]:%d", ip, ntohs(a->in6.sin6_port));
	} else if (a->sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &a->in.sin_addr, ip, sizeof(ip));
		snprintf(b, 80, "%s:%d", ip, ntohs(a->in.sin_port));
	} else {
		snprintf(b, 80, "family %d", a->sa.sa_family);
	}
	return b;
}

static void expect_addr(const char *what, const addr *got, const addr *want)
{
	EXPECT(strcmp(astr(got), astr(want)) == 0, "%s: expected %s, got %s",
	       what, astr(want), astr(got));
}

/* socket() in inet_create/inet6_create, and sctp_init_sock: both styles
 * in both families; SO_TYPE is the type asked for. */
void t_socket_types(void)
{
	for (int f = 0; f < 2; f++) {
		for (int t = 0; t < 2; t++) {
			int fd = sk(fams[f], types[t]);
			EXPECT_EQ(get_int(fd, SOL_SOCKET, SO_TYPE), types[t]);
			close(fd);
		}
	}
}

/* __sys_socket: SOCK_NONBLOCK and SOCK_CLOEXEC become O_NONBLOCK and
 * FD_CLOEXEC on the file, for every socket type. */
void t_socket_flags(void)
{
	for (int f = 0; f < 2; f++) {
		for (int t = 0; t < 2; t++) {
			int fd = sk(fams[f], types[t]);
			EXPECT(!(fcntl(fd, F_GETFL) & O_NONBLOCK),
			       "O_NONBLOCK without SOCK_NONBLOCK");
			EXPECT(!(fcntl(fd, F_GETFD) & FD_CLOEXEC),
			       "FD_CLOEXEC without SOCK_CLOEXEC");
			close(fd);
			fd = sk(fams[f], types[t] | SOCK_NONBLOCK);
			EXPECT(fcntl(fd, F_GETFL) & O_NONBLOCK,
			       "SOCK_NONBLOCK: no O_NONBLOCK");
			EXPECT(!(fcntl(fd, F_GETFD) & FD_CLOEXEC),
			       "SOCK_NONBLOCK: FD_CLOEXEC set");
			close(fd);
			fd = sk(fams[f],
				types[t] | SOCK_NONBLOCK | SOCK_CLOEXEC);
			EXPECT(fcntl(fd, F_GETFL) & O_NONBLOCK,
			       "SOCK_NONBLOCK|SOCK_CLOEXEC: no O_NONBLOCK");
			EXPECT(fcntl(fd, F_GETFD) & FD_CLOEXEC,
			       "SOCK_NONBLOCK|SOCK_CLOEXEC: no FD_CLOEXEC");
			close(fd);
		}
	}
}

/* sk_getsockopt: SO_PROTOCOL is sk_protocol (IPPROTO_SCTP, 132), SO_DOMAIN
 * the family. */
void t_socket_opts(void)
{
	for (int f = 0; f < 2; f++) {
		for (int t = 0; t < 2; t++) {
			int fd = sk(fams[f], types[t]);
			EXPECT_EQ(get_int(fd, SOL_SOCKET, SO_PROTOCOL),
				  IPPROTO_SCTP);
			EXPECT_EQ(get_int(fd, SOL_SOCKET, SO_DOMAIN), fams[f]);
			close(fd);
		}
	}
}

/* sctp_connect waits for ESTABLISHED (sctp_wait_for_connect); sctp_accept
 * hands over the association; accept4's flags apply to the new socket.
 * Data goes both ways. */
void t_o2o_blocking(void)
{
	for (int f = 0; f < 2; f++) {
		int lis = sk_listen(fams[f], SOCK_STREAM, f);
		int cli = sk(fams[f], SOCK_STREAM);
		sk_connect(cli, fams[f], f);
		int srv = SYS(accept4(lis, NULL, NULL, SOCK_NONBLOCK));
		EXPECT(fcntl(srv, F_GETFL) & O_NONBLOCK,
		       "accept4(SOCK_NONBLOCK): no O_NONBLOCK");
		EXPECT_EQ(get_int(srv, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
		EXPECT_EQ(SYS(send(cli, "ping", 4, 0)), 4);
		expect_msg(srv, "ping");
		EXPECT_EQ(SYS(send(srv, "pong", 4, 0)), 4);
		expect_msg(cli, "pong");
		close(srv);
		close(cli);
		close(lis);
	}
}

/* sctp_getname / inet_getname: the listener and the accepted socket show
 * the bound address; the client its (auto-bound) source address, which
 * the server sees as its peer. */
void t_o2o_names(void)
{
	for (int f = 0; f < 2; f++) {
		int lis, cli, srv;
		addr want, a, b;
		socklen_t l;
		o2o_pair(fams[f], f, &lis, &cli, &srv);
		loop_addr(&want, fams[f], f);
		l = sizeof(a);
		SYS(getsockname(lis, &a.sa, &l));
		expect_addr("listener getsockname", &a, &want);
		l = sizeof(a);
		SYS(getsockname(srv, &a.sa, &l));
		expect_addr("accepted getsockname", &a, &want);
		l = sizeof(a);
		SYS(getpeername(cli, &a.sa, &l));
		expect_addr("client getpeername", &a, &want);
		l = sizeof(a);
		SYS(getsockname(cli, &a.sa, &l));
		l = sizeof(b);
		SYS(getpeername(srv, &b.sa, &l));
		expect_addr("accepted getpeername (the client's name)", &b, &a);
		EXPECT(ntohs(a.in.sin_port) != 0, "client port 0");
		EXPECT_ERR(getpeername(lis, &a.sa, &l), ENOTCONN);
		close(srv);
		close(cli);
		close(lis);
	}
}

/* sctp_wait_for_connect with a zero timeout: EINPROGRESS; the socket
 * becomes writable when ESTABLISHED (sctp_poll) and SO_ERROR is 0. */
void t_o2o_nonblock_connect(void)
{
	int lis = sk_listen(AF_INET, SOCK_STREAM, 0);
	int cli = sk(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
	addr a;
	socklen_t l = loop_addr(&a, AF_INET, 0);
	EXPECT_ERR(connect(cli, &a.sa, l), EINPROGRESS);
	EXPECT(wait_ev(cli, POLLOUT, WAIT_MS), "no POLLOUT after connect");
	EXPECT_EQ(get_int(cli, SOL_SOCKET, SO_ERROR), 0);
	int srv = SYS(accept(lis, NULL, NULL));
	EXPECT_EQ(SYS(send(cli, "x", 1, 0)), 1);
	expect_msg(srv, "x");
}

/* An INIT to a port without an endpoint is answered with ABORT
 * (sctp_sf_tabort_8_4_8); sctp_sf_cookie_wait_abort fails the connect
 * with ECONNREFUSED; a non-blocking one reports it through POLLERR and
 * SO_ERROR. */
void t_o2o_refused(void)
{
	int cli = sk(AF_INET, SOCK_STREAM);
	addr a;
	socklen_t l = loop_addr(&a, AF_INET, 1);
	EXPECT_ERR(connect(cli, &a.sa, l), ECONNREFUSED);
	close(cli);
	cli = sk(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
	EXPECT_ERR(connect(cli, &a.sa, l), EINPROGRESS);
	short re = revents(cli, POLLIN | POLLOUT, WAIT_MS);
	EXPECT(re & POLLERR, "no POLLERR after refusal (revents %#x)", re);
	EXPECT_EQ(get_int(cli, SOL_SOCKET, SO_ERROR), ECONNREFUSED);
	close(cli);
}

/* sctp_recvmsg: a one-to-one socket neither ESTABLISHED nor CLOSING reads
 * ENOTCONN at once, even blocking: a new socket and a listener. */
void t_o2o_recv_enotconn(void)
{
	char buf[16];
	int fd = sk(AF_INET, SOCK_STREAM);
	EXPECT_ERR(recv(fd, buf, sizeof(buf), 0), ENOTCONN);
	close(fd);
	fd = sk_listen(AF_INET, SOCK_STREAM, 0);
	EXPECT_ERR(recv(fd, buf, sizeof(buf), 0), ENOTCONN);
	EXPECT_ERR(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), ENOTCONN);
	close(fd);
}

/* sctp_sendmsg: a one-to-one listener has no association to send on
 * (NATIVE-API.md "sendmsg on a one-to-one listener → EPIPE"); so has a
 * new socket given no address. */
void t_o2o_send_listener(void)
{
	int fd = sk_listen(AF_INET, SOCK_STREAM, 0);
	EXPECT_ERR(send(fd, "x", 1, MSG_NOSIGNAL), EPIPE);
	close(fd);
	fd = sk(AF_INET, SOCK_STREAM);
	EXPECT_ERR(send(fd, "x", 1, MSG_NOSIGNAL), EPIPE);
	close(fd);
}

/* sctp_shutdown: SHUT_WR starts the SHUTDOWN; the peer reads what was
 * queued, then 0 (RCV_SHUTDOWN, sctp_skb_recv_datagram).  inet_shutdown:
 * a socket in CLOSED gives ENOTCONN. */
void t_o2o_shut_wr(void)
{
	int lis, cli, srv;
	char buf[16];
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	EXPECT_EQ(SYS(send(cli, "bye", 3, 0)), 3);
	SYS(shutdown(cli, SHUT_WR));
	expect_msg(srv, "bye");
	rmsg m = rcv(srv, buf, sizeof(buf), 0);
	EXPECT_EQ(m.n, 0);
	int fd = sk(AF_INET, SOCK_STREAM);
	EXPECT_ERR(shutdown(fd, SHUT_WR), ENOTCONN);
	close(fd);
}

/* sctp_sendmsg to a new address on one-to-many: sctp_sendmsg_new_asoc
 * starts the association with the data queued; the listening server gets
 * COMM_UP (sctp_sf_do_5_1D_ce) before the data, the data's msg_name is
 * the packet's source (sctp_inet_skb_msgname), the notification's the
 * peer (sctp_inet_event_msgname). */
void t_o2m_implicit(void)
{
	int srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	subscribe_assoc_io(srv);
	int cli = sk_bound(AF_INET, SOCK_SEQPACKET, 1);
	addr to, from;
	socklen_t tl = loop_addr(&to, AF_INET, 0);
	loop_addr(&from, AF_INET, 1);
	EXPECT_EQ(SYS(sctp_sendmsg(cli, "hello", 5, &to.sa, tl, 0, 0, 0, 0, 0)),
		  5);
	char buf[256];
	rmsg m = rcv(srv, buf, sizeof(buf), 0);
	EXPECT(m.flags & MSG_NOTIFICATION, "data before COMM_UP");
	union sctp_notification *sn = (void *)buf;
	EXPECT_EQ(sn->sn_header.sn_type, SCTP_ASSOC_CHANGE);
	EXPECT_EQ(sn->sn_assoc_change.sac_state, SCTP_COMM_UP);
	expect_addr("COMM_UP msg_name", &m.from, &from);
	sctp_assoc_t id = sn->sn_assoc_change.sac_assoc_id;
	m = rcv(srv, buf, sizeof(buf), 0);
	EXPECT(!(m.flags & MSG_NOTIFICATION), "a second notification");
	EXPECT(m.n == 5 && memcmp(buf, "hello", 5) == 0,
	       "expected \"hello\", got %zd bytes", m.n);
	EXPECT_EQ(m.fromlen, sizeof(struct sockaddr_in));
	expect_addr("data msg_name", &m.from, &from);
	EXPECT(m.has_sndrcv, "no SCTP_SNDRCV with sctp_data_io_event");
	EXPECT_EQ(m.sndrcv.sinfo_assoc_id, id);
}

/* sctp_getsockopt_assoc_number: one-to-many counts its associations (two
 * connects from one socket); one-to-one is EOPNOTSUPP, a short buffer
 * EINVAL. */
void t_o2m_assoc_number(void)
{
	int s0 = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	int s1 = sk_listen(AF_INET, SOCK_SEQPACKET, 1);
	int cli = sk(AF_INET, SOCK_SEQPACKET);
	uint32_t n = 99;
	socklen_t l = sizeof(n);
	SYS(getsockopt(cli, IPPROTO_SCTP, SCTP_GET_ASSOC_NUMBER, &n, &l));
	EXPECT_EQ(n, 0);
	sk_connect(cli, AF_INET, 0);
	sk_connect(cli, AF_INET, 1);
	l = sizeof(n);
	SYS(getsockopt(cli, IPPROTO_SCTP, SCTP_GET_ASSOC_NUMBER, &n, &l));
	EXPECT_EQ(n, 2);
	EXPECT_EQ(l, sizeof(n));
	l = 2;
	EXPECT_ERR(getsockopt(cli, IPPROTO_SCTP, SCTP_GET_ASSOC_NUMBER, &n, &l),
		   EINVAL);
	int o2o = sk(AF_INET, SOCK_STREAM);
	l = sizeof(n);
	EXPECT_ERR(getsockopt(o2o, IPPROTO_SCTP, SCTP_GET_ASSOC_NUMBER, &n, &l),
		   EOPNOTSUPP);
	close(o2o);
	close(s0);
	close(s1);
}

/* sctp_wait_for_packet: a one-to-many socket with no association that is
 * not listening has nothing to wait for: ENOTCONN at once (blocking). */
void t_o2m_recv_enotconn(void)
{
	char buf[16];
	struct timeval tv = {.tv_sec = 2};
	int fd = sk(AF_INET, SOCK_SEQPACKET);
	/* Were the wait to happen, EAGAIN after 2 s rather than a hang. */
	SYS(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	EXPECT_ERR(recv(fd, buf, sizeof(buf), 0), ENOTCONN);
	close(fd);
	fd = sk_bound(AF_INET, SOCK_SEQPACKET, 0);
	SYS(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	EXPECT_ERR(recv(fd, buf, sizeof(buf), 0), ENOTCONN);
	close(fd);
}

/* sctp_sendmsg, SCTP_SENDALL on one-to-many: the message goes on every
 * association (here three), and the call returns its length. */
void t_o2m_sendall(void)
{
	int srv[3];
	int cli = sk(AF_INET, SOCK_SEQPACKET);
	for (int i = 0; i < 3; i++) {
		srv[i] = sk_listen(AF_INET, SOCK_SEQPACKET, i);
		sk_connect(cli, AF_INET, i);
	}
	struct sctp_sndrcvinfo si = {.sinfo_flags = SCTP_SENDALL};
	EXPECT_EQ(SYS(snd(cli, "to all", 6, NULL, 0, &si, 0)), 6);
	for (int i = 0; i < 3; i++)
		expect_msg(srv[i], "to all");
}

/* sctp_sock_migrate(): what the association has queued on the socket
 * moves with it at a peeloff, the rest of a message the program began
 * included; the other associations' messages stay, in order. */
void t_o2m_peeloff_queued(void)
{
	int srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	subscribe(srv, SCTP_ASSOC_CHANGE);
	int x = sk(AF_INET, SOCK_STREAM), y = sk(AF_INET, SOCK_STREAM);
	sk_connect(x, AF_INET, 0);
	union sctp_notification *sn =
	    wait_notif(srv, SCTP_ASSOC_CHANGE, SCTP_COMM_UP);
	sctp_assoc_t idx = sn->sn_assoc_change.sac_assoc_id;
	sk_connect(y, AF_INET, 0);
	sn = wait_notif(srv, SCTP_ASSOC_CHANGE, SCTP_COMM_UP);
	EXPECT_EQ(SYS(write(x, "x-first-message", 15)), 15);
	usleep(100000);
	EXPECT_EQ(SYS(write(y, "y1", 2)), 2);
	usleep(100000);
	EXPECT_EQ(SYS(write(x, "x2", 2)), 2);
	usleep(100000);
	EXPECT_EQ(SYS(write(y, "y2", 2)), 2);
	usleep(200000);
	/* The program begins x's first message: 7 bytes of it. */
	char buf[64];
	rmsg m = rcv(srv, buf, 7, 0);
	EXPECT_EQ(m.n, 7);
	EXPECT(!(m.flags & MSG_EOR), "a piece with MSG_EOR");
	int p = SYS(sctp_peeloff(srv, idx));
	m = rcv(p, buf, sizeof(buf), 0);
	EXPECT_EQ(m.n, 8);
	EXPECT(memcmp(buf, "-message", 8) == 0, "not the rest of x's message");
	EXPECT(m.flags & MSG_EOR, "no MSG_EOR");
	expect_msg(p, "x2");
	expect_msg(srv, "y1");
	expect_msg(srv, "y2");
	EXPECT(!wait_ev(srv, POLLIN, 200), "more on the one-to-many socket");
	EXPECT_EQ(SYS(write(p, "back", 4)), 4);
	expect_msg(x, "back");
}

/* sctp_do_peeloff: a new SOCK_SEQPACKET socket (sctp_copy_sock) with the
 * association alone; its data no longer reaches the parent; it cannot
 * listen (sctp_inet_listen: neither UDP nor TCP style); an unknown id
 * and a one-to-one socket are EINVAL. */
void t_o2m_peeloff(void)
{
	int srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	subscribe_assoc_io(srv);
	int cli = sk(AF_INET, SOCK_SEQPACKET);
	sk_connect(cli, AF_INET, 0);
	union sctp_notification *sn =
	    wait_notif(srv, SCTP_ASSOC_CHANGE, SCTP_COMM_UP);
	sctp_assoc_t id = sn->sn_assoc_change.sac_assoc_id;
	EXPECT_ERR(sctp_peeloff(srv, id + 1000), EINVAL);
	int p = SYS(sctp_peeloff(srv, id));
	EXPECT_EQ(get_int(p, SOL_SOCKET, SO_TYPE), SOCK_SEQPACKET);
	uint32_t n = 99;
	socklen_t l = sizeof(n);
	SYS(getsockopt(srv, IPPROTO_SCTP, SCTP_GET_ASSOC_NUMBER, &n, &l));
	EXPECT_EQ(n, 0);
	addr to;
	socklen_t tl = loop_addr(&to, AF_INET, 0);
	EXPECT_EQ(
	    SYS(sctp_sendmsg(cli, "peeled", 6, &to.sa, tl, 0, 0, 0, 0, 0)), 6);
	expect_msg(p, "peeled");
	EXPECT(!wait_ev(srv, POLLIN, 300),
	       "the parent is readable after the peeloff");
	EXPECT_EQ(SYS(write(p, "back", 4)), 4);
	expect_msg(cli, "back");
	EXPECT(listen(p, 1) == -1, "listen() on a peeled-off socket worked");
	int o2o = sk_listen(AF_INET, SOCK_STREAM, 1);
	EXPECT_ERR(sctp_peeloff(o2o, 1), EINVAL);
}
