/*
 * sctpcheck_msg.c - messages: sctp_sendmsg/sctp_recvmsg metadata, partial
 * reads, MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT, SO_RCVTIMEO, unordered
 * delivery, read/write; and every errno of the send path
 * (sctp_sendmsg_parse, sctp_sendmsg_to_asoc).
 */
#define _GNU_SOURCE
#include "sctpcheck.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* Subscribes fd to sctp_data_io_event alone (SCTP_EVENTS). */
static void subscribe_io(int fd)
{
	struct sctp_event_subscribe es;
	memset(&es, 0, sizeof(es));
	es.sctp_data_io_event = 1;
	SYS(setsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, &es, sizeof(es)));
}

/* A one-to-many client connected to a one-to-many server on port(0). */
static void o2m_conn(int *srv, int *cli)
{
	*srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	*cli = sk(AF_INET, SOCK_SEQPACKET);
	sk_connect(*cli, AF_INET, 0);
}

static void fill(char *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)((i * 7 + seed + i / 251) & 0xff);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* sctp_ulpevent_read_sndrcvinfo: stream, SSN (per stream, from 0), ppid
 * exactly as the sender gave it (the kernel stores it in network order
 * without converting), the association id; sinfo_context is the
 * receiver's SCTP_CONTEXT (asoc->default_rcv_context), never the
 * sender's. */
void t_msg_sinfo(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	subscribe_io(srv);
	struct sctp_assoc_value ctx = {.assoc_id = 0, .assoc_value = 77};
	SYS(setsockopt(srv, IPPROTO_SCTP, SCTP_CONTEXT, &ctx, sizeof(ctx)));
	for (int i = 0; i < 2; i++)
		EXPECT_EQ(SYS(sctp_sendmsg(cli, "abc", 3, NULL, 0, 0x01020304,
					   0, 3, 0, 42)),
			  3);
	for (int i = 0; i < 2; i++) {
		char buf[64];
		struct sctp_sndrcvinfo si;
		int flags = 0;
		memset(&si, 0xff, sizeof(si));
		int n = SYS(sctp_recvmsg(srv, buf, sizeof(buf), NULL, NULL, &si,
					 &flags));
		EXPECT_EQ(n, 3);
		EXPECT(flags & MSG_EOR, "no MSG_EOR (flags %#x)", flags);
		EXPECT_EQ(si.sinfo_stream, 3);
		EXPECT_EQ(si.sinfo_ssn, i);
		EXPECT_EQ(si.sinfo_ppid, 0x01020304);
		EXPECT_EQ(si.sinfo_flags, 0);
		EXPECT_EQ(si.sinfo_context, 77);
		EXPECT_EQ(si.sinfo_assoc_id, assoc_id(srv));
	}
}

/* sctp_recvmsg: a buffer smaller than the message gets a piece without
 * MSG_EOR and the rest goes back to the head of the queue; the last piece
 * has MSG_EOR; the next message is not mixed in. */
void t_msg_partial(void)
{
	int lis, cli, srv;
	char msg[100], buf[100];
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	fill(msg, sizeof(msg), 1);
	EXPECT_EQ(SYS(send(cli, msg, sizeof(msg), 0)), 100);
	EXPECT_EQ(SYS(send(cli, "next", 4, 0)), 4);
	for (int off = 0; off < 100; off += 30) {
		int want = off + 30 <= 100 ? 30 : 100 - off;
		rmsg m = rcv(srv, buf + off, 30, 0);
		EXPECT(m.n == want, "piece at %d: expected %d bytes, got %zd",
		       off, want, m.n);
		bool last = off + want == 100;
		EXPECT(!!(m.flags & MSG_EOR) == last,
		       "piece at %d: MSG_EOR %s (flags %#x)", off,
		       last ? "missing" : "set", m.flags);
	}
	EXPECT(memcmp(msg, buf, sizeof(msg)) == 0, "the pieces differ");
	expect_msg(srv, "next");
}

/* A 300,000-byte message (under the sender's SO_SNDBUF, else EMSGSIZE)
 * read back in 1,000-byte pieces: partial delivery end to end. */
void t_msg_large(void)
{
	enum { LEN = 300000, PIECE = 1000 };
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	set_int(cli, SOL_SOCKET, SO_SNDBUF, 1 << 20);
	char *msg = malloc(LEN), *got = malloc(LEN);
	EXPECT(msg && got, "out of memory");
	fill(msg, LEN, 3);
	EXPECT_EQ(SYS(send(cli, msg, LEN, 0)), LEN);
	/* A read takes from one queued piece of the message at most (the
	 * partial delivery API hands it over in several), so some reads
	 * may bring less than PIECE: bounded by twice the count. */
	size_t off = 0;
	bool eor = false;
	for (int i = 0; i < 2 * LEN / PIECE && !eor && off < LEN; i++) {
		size_t want = LEN - off < PIECE ? LEN - off : PIECE;
		rmsg m = rcv(srv, got + off, want, 0);
		EXPECT(m.n > 0, "piece %d: %zd bytes", i, m.n);
		off += (size_t)m.n;
		eor = m.flags & MSG_EOR;
	}
	EXPECT_EQ(off, LEN);
	EXPECT(eor, "the last piece without MSG_EOR");
	EXPECT(memcmp(msg, got, LEN) == 0, "the bytes differ");
	free(msg);
	free(got);
}

/* sctp_recvmsg with MSG_PEEK: the message stays queued (a short peek
 * too, without MSG_EOR). */
void t_msg_peek(void)
{
	int lis, cli, srv;
	char buf[64];
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	EXPECT_EQ(SYS(send(cli, "peekaboo", 8, 0)), 8);
	rmsg m = rcv(srv, buf, 4, MSG_PEEK);
	EXPECT_EQ(m.n, 4);
	EXPECT(!(m.flags & MSG_EOR), "short peek with MSG_EOR");
	for (int i = 0; i < 2; i++) {
		m = rcv(srv, buf, sizeof(buf), MSG_PEEK);
		EXPECT(m.n == 8 && memcmp(buf, "peekaboo", 8) == 0,
		       "peek %d: %zd bytes", i, m.n);
		EXPECT(m.flags & MSG_EOR, "whole peek without MSG_EOR");
	}
	expect_msg(srv, "peekaboo");
	EXPECT_ERR(recv(srv, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
}

/* sctp_recvmsg ignores MSG_TRUNC: it returns what it copied, never sets
 * MSG_TRUNC in msg_flags, and leaves the rest for the next call. */
void t_msg_trunc(void)
{
	int lis, cli, srv;
	char msg[100], buf[100];
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	fill(msg, sizeof(msg), 5);
	EXPECT_EQ(SYS(send(cli, msg, sizeof(msg), 0)), 100);
	rmsg m = rcv(srv, buf, 10, MSG_TRUNC);
	EXPECT_EQ(m.n, 10);
	EXPECT(!(m.flags & (MSG_TRUNC | MSG_EOR)),
	       "expected neither MSG_TRUNC nor MSG_EOR, got flags %#x",
	       m.flags);
	m = rcv(srv, buf + 10, 90, 0);
	EXPECT_EQ(m.n, 90);
	EXPECT(m.flags & MSG_EOR, "the rest without MSG_EOR");
	EXPECT(memcmp(msg, buf, sizeof(msg)) == 0, "the bytes differ");
}

/* sctp_skb_recv_datagram with a zero timeout: EAGAIN when nothing is
 * queued (MSG_DONTWAIT, or O_NONBLOCK), on both styles. */
void t_msg_dontwait(void)
{
	int lis, cli, srv;
	char buf[16];
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	EXPECT_ERR(recv(srv, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	int o2m = sk_listen(AF_INET, SOCK_SEQPACKET | SOCK_NONBLOCK, 1);
	EXPECT_ERR(recv(o2m, buf, sizeof(buf), 0), EAGAIN);
	EXPECT_ERR(recv(o2m, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
}

/* sock_rcvtimeo: a blocking read gives up with EAGAIN after SO_RCVTIMEO. */
void t_msg_rcvtimeo(void)
{
	int lis, cli, srv;
	char buf[16];
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	struct timeval tv = {.tv_usec = 300000}, got;
	socklen_t l = sizeof(got);
	SYS(setsockopt(srv, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	SYS(getsockopt(srv, SOL_SOCKET, SO_RCVTIMEO, &got, &l));
	EXPECT(got.tv_sec == 0 && got.tv_usec == 300000,
	       "SO_RCVTIMEO: expected 0.300000, got %ld.%06ld",
	       (long)got.tv_sec, (long)got.tv_usec);
	long t0 = now_ms();
	EXPECT_ERR(recv(srv, buf, sizeof(buf), 0), EAGAIN);
	long dt = now_ms() - t0;
	EXPECT(dt >= 250 && dt < 3000, "EAGAIN after %ld ms, not ~300", dt);
}

/* sctp_ulpevent_make_rcvmsg: a DATA chunk with the U bit reports
 * SCTP_UNORDERED in sinfo_flags; an ordered one 0. */
void t_msg_unordered(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	subscribe_io(srv);
	struct sctp_sndrcvinfo si = {.sinfo_stream = 1,
				     .sinfo_flags = SCTP_UNORDERED};
	EXPECT_EQ(SYS(snd(cli, "u", 1, NULL, 0, &si, 0)), 1);
	char buf[16];
	rmsg m = rcv(srv, buf, sizeof(buf), 0);
	EXPECT(m.n == 1 && m.has_sndrcv, "%zd bytes, SNDRCV %d", m.n,
	       m.has_sndrcv);
	EXPECT_EQ(m.sndrcv.sinfo_flags, SCTP_UNORDERED);
	EXPECT_EQ(m.sndrcv.sinfo_stream, 1);
	si.sinfo_flags = 0;
	EXPECT_EQ(SYS(snd(cli, "o", 1, NULL, 0, &si, 0)), 1);
	m = rcv(srv, buf, sizeof(buf), 0);
	EXPECT(m.n == 1 && m.has_sndrcv, "%zd bytes, SNDRCV %d", m.n,
	       m.has_sndrcv);
	EXPECT_EQ(m.sndrcv.sinfo_flags, 0);
}

/* read/write/readv/writev are recvmsg/sendmsg without name or cmsg: one
 * write is one message, both ways. */
void t_msg_readwrite_o2o(void)
{
	int lis, cli, srv;
	char buf[16];
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	EXPECT_EQ(SYS(write(cli, "w1", 2)), 2);
	EXPECT(wait_ev(srv, POLLIN, WAIT_MS), "nothing to read");
	EXPECT_EQ(SYS(read(srv, buf, sizeof(buf))), 2);
	EXPECT(memcmp(buf, "w1", 2) == 0, "read: not \"w1\"");
	struct iovec iov[2] = {{"ab", 2}, {"cd", 2}};
	EXPECT_EQ(SYS(writev(srv, iov, 2)), 4);
	expect_msg(cli, "abcd");
	EXPECT_EQ(SYS(write(srv, "xyz", 3)), 3);
	char a[2], b[8];
	struct iovec riov[2] = {{a, 2}, {b, 8}};
	EXPECT(wait_ev(cli, POLLIN, WAIT_MS), "nothing to read");
	EXPECT_EQ(SYS(readv(cli, riov, 2)), 3);
	EXPECT(memcmp(a, "xy", 2) == 0 && b[0] == 'z', "readv: not \"xyz\"");
}

/* On one-to-many, read() takes the next message of any association, and
 * write() has no address nor association id: sctp_id2assoc(sk, 0) finds
 * none, EPIPE (SIGPIPE ignored here). */
void t_msg_readwrite_o2m(void)
{
	int srv, cli;
	char buf[16];
	o2m_conn(&srv, &cli);
	EXPECT_ERR(write(cli, "w", 1), EPIPE);
	addr to;
	socklen_t tl = loop_addr(&to, AF_INET, 0);
	EXPECT_EQ(SYS(sendto(cli, "m", 1, 0, &to.sa, tl)), 1);
	EXPECT(wait_ev(srv, POLLIN, WAIT_MS), "nothing to read");
	EXPECT_EQ(SYS(read(srv, buf, sizeof(buf))), 1);
	EXPECT(buf[0] == 'm', "read: not \"m\"");
}

/* sctp_sendmsg_parse: SCTP_EOF with data is EINVAL. */
void t_send_eof_data(void)
{
	int srv, cli;
	o2m_conn(&srv, &cli);
	struct sctp_sndrcvinfo si = {.sinfo_flags = SCTP_EOF,
				     .sinfo_assoc_id = assoc_id(cli)};
	EXPECT_ERR(snd(cli, "x", 1, NULL, 0, &si, 0), EINVAL);
	/* Without data it is the graceful shutdown of that association. */
	EXPECT_EQ(SYS(snd(cli, "", 0, NULL, 0, &si, 0)), 0);
}

/* sctp_sendmsg_parse: zero bytes without SCTP_EOF or SCTP_ABORT is
 * EINVAL, on both styles. */
void t_send_zero_len(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	EXPECT_ERR(send(cli, "", 0, 0), EINVAL);
	int s2, c2;
	s2 = sk_listen(AF_INET, SOCK_SEQPACKET, 1);
	c2 = sk(AF_INET, SOCK_SEQPACKET);
	sk_connect(c2, AF_INET, 1);
	struct sctp_sndrcvinfo si = {.sinfo_assoc_id = assoc_id(c2)};
	EXPECT_ERR(snd(c2, "", 0, NULL, 0, &si, 0), EINVAL);
	close(s2);
}

/* sctp_sendmsg_parse: SCTP_EOF and SCTP_ABORT are one-to-many flags;
 * on SOCK_STREAM they are EINVAL. */
void t_send_eof_stream(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	struct sctp_sndrcvinfo si = {.sinfo_flags = SCTP_EOF};
	EXPECT_ERR(snd(cli, "", 0, NULL, 0, &si, 0), EINVAL);
	si.sinfo_flags = SCTP_ABORT;
	EXPECT_ERR(snd(cli, "", 0, NULL, 0, &si, 0), EINVAL);
	/* The association is still there. */
	EXPECT_EQ(SYS(send(cli, "still", 5, 0)), 5);
	expect_msg(srv, "still");
}

/* sctp_sendmsg_to_asoc: a stream at or past the association's outbound
 * streams (10 by default, sctp_initmsg) is EINVAL; the last one works. */
void t_send_bad_stream(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	subscribe_io(srv);
	struct sctp_sndrcvinfo si = {.sinfo_stream = 10};
	EXPECT_ERR(snd(cli, "x", 1, NULL, 0, &si, 0), EINVAL);
	si.sinfo_stream = 9;
	EXPECT_EQ(SYS(snd(cli, "y", 1, NULL, 0, &si, 0)), 1);
	char buf[8];
	rmsg m = rcv(srv, buf, sizeof(buf), 0);
	EXPECT(m.n == 1 && buf[0] == 'y' && m.has_sndrcv,
	       "expected \"y\" with SNDRCV, got %zd bytes", m.n);
	EXPECT_EQ(m.sndrcv.sinfo_stream, 9);
}

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

/* sctp_sendmsg: on one-to-many, no address and an id that names no
 * association is EPIPE, with SIGPIPE (sctp_error -> sk_stream_error)
 * unless MSG_NOSIGNAL. */
void t_send_unknown_assoc(void)
{
	int srv, cli;
	o2m_conn(&srv, &cli);
	struct sigaction sa = {.sa_handler = on_sigpipe};
	sigemptyset(&sa.sa_mask);
	SYS(sigaction(SIGPIPE, &sa, NULL));
	struct sctp_sndrcvinfo si = {.sinfo_assoc_id = assoc_id(cli) + 1000};
	EXPECT_ERR(snd(cli, "x", 1, NULL, 0, &si, 0), EPIPE);
	EXPECT_EQ(sigpipes, 1);
	EXPECT_ERR(snd(cli, "x", 1, NULL, 0, &si, MSG_NOSIGNAL), EPIPE);
	EXPECT_EQ(sigpipes, 1);
}

/* sctp_sendmsg(): on a one-to-many socket, a send to an association that
 * has ended fails with EPIPE at once (sctp_id2assoc() finds nothing: the
 * ABORT deleted it), before the program reads its COMM_LOST; so does one
 * to an association peeled off (sctp_id2assoc(): another socket's).  The
 * ids were in use just before, so a remembered answer would be wrong. */
void t_send_ended_assoc(void)
{
	int srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	subscribe(srv, SCTP_ASSOC_CHANGE);
	int a = sk(AF_INET, SOCK_STREAM), b = sk(AF_INET, SOCK_STREAM);
	sk_connect(a, AF_INET, 0);
	union sctp_notification *sn =
	    wait_notif(srv, SCTP_ASSOC_CHANGE, SCTP_COMM_UP);
	sctp_assoc_t ida = sn->sn_assoc_change.sac_assoc_id;
	sk_connect(b, AF_INET, 0);
	sn = wait_notif(srv, SCTP_ASSOC_CHANGE, SCTP_COMM_UP);
	sctp_assoc_t idb = sn->sn_assoc_change.sac_assoc_id;
	struct sctp_sndrcvinfo si = {.sinfo_assoc_id = ida};
	struct sctp_sndrcvinfo sib = {.sinfo_assoc_id = idb};
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(SYS(snd(srv, "one", 3, NULL, 0, &si, 0)), 3);
		EXPECT_EQ(SYS(snd(srv, "one", 3, NULL, 0, &sib, 0)), 3);
	}
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	SYS(setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(a);
	/* Its COMM_LOST is queued, unread. */
	EXPECT(wait_ev(srv, POLLIN, WAIT_MS), "no COMM_LOST");
	for (int i = 0; i < 50; i++) {
		struct sctp_assoc_ids *ids = NULL;
		char buf[64];
		socklen_t l = sizeof(buf);
		SYS(getsockopt(srv, IPPROTO_SCTP, SCTP_GET_ASSOC_ID_LIST, buf,
			       &l));
		ids = (struct sctp_assoc_ids *)buf;
		if (ids->gaids_number_of_ids == 1)
			break;
		usleep(20000);
	}
	EXPECT_ERR(snd(srv, "two", 3, NULL, 0, &si, MSG_NOSIGNAL), EPIPE);
	EXPECT_EQ(SYS(snd(srv, "two", 3, NULL, 0, &sib, 0)), 3);
	sn = wait_notif(srv, SCTP_ASSOC_CHANGE, SCTP_COMM_LOST);
	EXPECT_EQ(sn->sn_assoc_change.sac_assoc_id, ida);
	EXPECT_ERR(snd(srv, "two", 3, NULL, 0, &si, MSG_NOSIGNAL), EPIPE);
	/* Peeled off: the id is the new socket's. */
	int p = SYS(sctp_peeloff(srv, idb));
	EXPECT_ERR(snd(srv, "three", 5, NULL, 0, &sib, MSG_NOSIGNAL), EPIPE);
	EXPECT_EQ(SYS(write(p, "four", 4)), 4);
	expect_msg(b, "one");
}

/* A one-to-many listener *srv (ASSOC_CHANGE subscribed) and a one-to-one
 * client *a with a small receive buffer connected to it; returns the
 * association's id at srv. */
static sctp_assoc_t slow_reader(int *srv, int *a)
{
	*srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	subscribe(*srv, SCTP_ASSOC_CHANGE);
	*a = sk(AF_INET, SOCK_STREAM);
	int small = 2048;
	SYS(setsockopt(*a, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)));
	sk_connect(*a, AF_INET, 0);
	union sctp_notification *sn =
	    wait_notif(*srv, SCTP_ASSOC_CHANGE, SCTP_COMM_UP);
	return sn->sn_assoc_change.sac_assoc_id;
}

/* 40 messages of 4 KiB from fd (sinfo: where to, NULL on one-to-one),
 * more than the reader's receive buffer: the peer acknowledges them only
 * as its sctpd moves them to its channel.  Returns the bytes sent, once
 * sctpd has taken them from fd's channel: a peer's SHUTDOWN that arrives
 * first refuses those still there (withsctp-sctp(7), DIFFERENCES). */
static size_t overfill(int fd, const struct sctp_sndrcvinfo *si)
{
	static char blob[4096];
	size_t sent = 0;
	for (int i = 0; i < 40; i++)
		sent += (size_t)SYS(snd(fd, blob, sizeof(blob), NULL, 0, si, 0));
	for (int i = 0; i < 100; i++) {
		int q = 0;
		if (ioctl(fd, SIOCOUTQ, &q) < 0 || q == 0)
			break;
		usleep(10000);
	}
	usleep(100000);
	return sent;
}

/* Reads `sent` bytes from fd. */
static void drain(int fd, size_t sent)
{
	static char blob[4096];
	size_t got = 0;
	for (int i = 0; i < 1000 && got < sent; i++) {
		EXPECT(wait_ev(fd, POLLIN, WAIT_MS), "nothing to read");
		got += (size_t)SYS(recv(fd, blob, sizeof(blob), 0));
	}
	EXPECT_EQ(got, sent);
}

/* sctp_primitive_SEND() in SHUTDOWN-PENDING (sctp_sf_error_shutdown()):
 * after SCTP_EOF, while the peer has not acknowledged everything (it does
 * not read and its window is closed), a send to the association fails
 * with ESHUTDOWN and no SIGPIPE; once the peer has read it all, the
 * SHUTDOWN completes and sends fail with EPIPE. */
void t_send_shutdown_assoc(void)
{
	int srv, a;
	sctp_assoc_t id = slow_reader(&srv, &a);
	struct sctp_sndrcvinfo si = {.sinfo_assoc_id = id};
	size_t sent = overfill(srv, &si);
	si.sinfo_flags = SCTP_EOF;
	EXPECT_EQ(SYS(snd(srv, "", 0, NULL, 0, &si, 0)), 0);
	si.sinfo_flags = 0;
	struct sigaction sa = {.sa_handler = on_sigpipe};
	sigemptyset(&sa.sa_mask);
	SYS(sigaction(SIGPIPE, &sa, NULL));
	sigpipes = 0;
	EXPECT_ERR(snd(srv, "late", 4, NULL, 0, &si, 0), ESHUTDOWN);
	EXPECT_ERR(snd(srv, "late", 4, NULL, 0, &si, 0), ESHUTDOWN);
	EXPECT_EQ(sigpipes, 0);
	/* The peer reads everything; then the association ends. */
	drain(a, sent);
	wait_notif(srv, SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_COMP);
	EXPECT_ERR(snd(srv, "later", 5, NULL, 0, &si, MSG_NOSIGNAL), EPIPE);
}

/* The same in SHUTDOWN-RECEIVED: the peer shut its side (SHUT_WR) while
 * it has not read what this side sent; sends fail with ESHUTDOWN until the
 * association is over. */
void t_send_peer_shutdown(void)
{
	int srv, a;
	sctp_assoc_t id = slow_reader(&srv, &a);
	subscribe(srv, SCTP_SHUTDOWN_EVENT);
	struct sctp_sndrcvinfo si = {.sinfo_assoc_id = id};
	size_t sent = overfill(srv, &si);
	SYS(shutdown(a, SHUT_WR));
	union sctp_notification *sn = wait_notif(srv, SCTP_SHUTDOWN_EVENT, -1);
	EXPECT_EQ(sn->sn_shutdown_event.sse_assoc_id, id);
	/* ESHUTDOWN while the association shuts down; EPIPE if the peer's
	 * channel took everything and it ended already, never 4. */
	errno = 0;
	long r = (long)snd(srv, "late", 4, NULL, 0, &si, MSG_NOSIGNAL);
	EXPECT(r == -1 && (errno == ESHUTDOWN || errno == EPIPE),
	       "send after the peer's SHUTDOWN: %ld %s", r, ename(errno));
	drain(a, sent);
	wait_notif(srv, SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_COMP);
}

/* A one-to-one socket in SHUTDOWN-RECEIVED (the peer shut its side while
 * it has not read what this side sent): write() fails with ESHUTDOWN. */
void t_send_o2o_peer_shutdown(void)
{
	int lis = sk_listen(AF_INET, SOCK_STREAM, 0);
	subscribe(lis, SCTP_SHUTDOWN_EVENT);
	int cli = sk(AF_INET, SOCK_STREAM);
	int small = 2048;
	SYS(setsockopt(cli, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)));
	sk_connect(cli, AF_INET, 0);
	int srv = SYS(accept(lis, NULL, NULL));
	size_t sent = overfill(srv, NULL);
	SYS(shutdown(cli, SHUT_WR));
	wait_notif(srv, SCTP_SHUTDOWN_EVENT, -1);
	/* ESHUTDOWN while the association shuts down; EPIPE if the peer's
	 * channel took everything and it ended already, never 4. */
	errno = 0;
	long r = (long)send(srv, "late", 4, MSG_NOSIGNAL);
	EXPECT(r == -1 && (errno == ESHUTDOWN || errno == EPIPE),
	       "send after the peer's SHUTDOWN: %ld %s", r, ename(errno));
	drain(cli, sent);
}

/* sctp_sendmsg_update_sinfo(): a send without SNDRCV/SNDINFO takes the
 * association's default stream, which SCTP_DEFAULT_SEND_PARAM set before
 * it began (sp->default_stream); sctp_sendmsg_to_asoc(): one the
 * association has not (the peer takes 2) is EINVAL. */
void t_send_dflt_stream(void)
{
	int lis = sk_listen(AF_INET, SOCK_STREAM, 0);
	struct sctp_initmsg im = {.sinit_max_instreams = 2};
	SYS(setsockopt(lis, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof(im)));
	int cli = sk(AF_INET, SOCK_STREAM);
	struct sctp_sndrcvinfo d = {.sinfo_stream = 5};
	SYS(setsockopt(cli, IPPROTO_SCTP, SCTP_DEFAULT_SEND_PARAM, &d,
		       sizeof(d)));
	sk_connect(cli, AF_INET, 0);
	int srv = SYS(accept(lis, NULL, NULL));
	EXPECT_ERR(write(cli, "x", 1), EINVAL);
	struct sctp_sndrcvinfo si = {.sinfo_stream = 1};
	EXPECT_EQ(SYS(snd(cli, "y", 1, NULL, 0, &si, 0)), 1);
	expect_msg(srv, "y");
	d.sinfo_stream = 1;
	SYS(setsockopt(cli, IPPROTO_SCTP, SCTP_DEFAULT_SEND_PARAM, &d,
		       sizeof(d)));
	EXPECT_EQ(SYS(write(cli, "z", 1)), 1);
	expect_msg(srv, "z");
}

/* sctp_recvmsg(): the control messages follow the subscriptions when
 * the message is read (sctp_ulpevent_read_sndrcvinfo() under
 * sctp_ulpevent_type_enabled(), sp->recvrcvinfo): a message that arrived
 * before SCTP_EVENTS turned data_io on carries SCTP_SNDRCV, one that
 * arrived before it was turned off carries none. */
void t_cmsg_late_subscribe(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	EXPECT_EQ(SYS(sctp_sendmsg(cli, "ping", 4, NULL, 0, htonl(3), 0, 0, 0,
				   0)),
		  4);
	EXPECT(wait_ev(srv, POLLIN, WAIT_MS), "nothing to read");
	usleep(100000);
	struct sctp_event_subscribe ev = {.sctp_data_io_event = 1};
	SYS(setsockopt(srv, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof(ev)));
	set_int(srv, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1);
	char buf[16], cbuf[256];
	struct iovec v = {buf, sizeof(buf)};
	struct msghdr m = {.msg_iov = &v,
			   .msg_iovlen = 1,
			   .msg_control = cbuf,
			   .msg_controllen = sizeof(cbuf)};
	EXPECT_EQ(SYS(recvmsg(srv, &m, 0)), 4);
	int sndrcv = 0, rcvinfo = 0;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
		if (h->cmsg_level == IPPROTO_SCTP && h->cmsg_type == SCTP_SNDRCV) {
			struct sctp_sndrcvinfo si;
			memcpy(&si, CMSG_DATA(h), sizeof(si));
			EXPECT_EQ(si.sinfo_ppid, htonl(3));
			sndrcv++;
		}
		if (h->cmsg_level == IPPROTO_SCTP && h->cmsg_type == SCTP_RCVINFO)
			rcvinfo++;
	}
	EXPECT_EQ(sndrcv, 1);
	EXPECT_EQ(rcvinfo, 1);
	/* Turned off before the next one is read. */
	EXPECT_EQ(SYS(write(cli, "pong", 4)), 4);
	EXPECT(wait_ev(srv, POLLIN, WAIT_MS), "nothing to read");
	usleep(100000);
	ev.sctp_data_io_event = 0;
	SYS(setsockopt(srv, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof(ev)));
	set_int(srv, IPPROTO_SCTP, SCTP_RECVRCVINFO, 0);
	m.msg_controllen = sizeof(cbuf);
	EXPECT_EQ(SYS(recvmsg(srv, &m, 0)), 4);
	EXPECT_EQ(m.msg_controllen, 0);
}

/* sctp_sendmsg_parse: a message longer than sk_sndbuf is EMSGSIZE before
 * anything else (no association is started for it). */
void t_send_emsgsize(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	int sndbuf = get_int(cli, SOL_SOCKET, SO_SNDBUF);
	char *big = calloc(1, (size_t)sndbuf + 1);
	EXPECT(big, "out of memory");
	EXPECT_ERR(send(cli, big, (size_t)sndbuf + 1, MSG_DONTWAIT), EMSGSIZE);
	int o2m = sk(AF_INET, SOCK_SEQPACKET);
	sndbuf = get_int(o2m, SOL_SOCKET, SO_SNDBUF);
	big = realloc(big, (size_t)sndbuf + 1);
	EXPECT(big, "out of memory");
	addr to;
	socklen_t tl = loop_addr(&to, AF_INET, 1);
	EXPECT_ERR(
	    sendto(o2m, big, (size_t)sndbuf + 1, MSG_DONTWAIT, &to.sa, tl),
	    EMSGSIZE);
	uint32_t n = 99;
	socklen_t l = sizeof(n);
	SYS(getsockopt(o2m, IPPROTO_SCTP, SCTP_GET_ASSOC_NUMBER, &n, &l));
	EXPECT_EQ(n, 0);
	free(big);
}
