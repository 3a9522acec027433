/*
 * test_shim_msg.c - the message path of native SCTP sockets in the shim:
 * the control messages (shim/cmsg.c, pure functions: sctp_msghdr_parse(),
 * sctp_sendmsg_parse(), sctp_verify_addr(), put_cmsg() and the receive
 * cmsgs of net/sctp/ulpevent.c), then shim/msg.c end to end against a
 * fake daemon end: an AF_UNIX SOCK_SEQPACKET pair whose app end is named
 * as sctpd names native sockets, so that the shim's probe recognises it.
 * What the test writes on the other end are the daemon's datagrams; the
 * WSP_QUERY / WSP_ASSOC / WSP_GETOPT answers come from a table below (the
 * daemon's answers, shim_ctl_call() replaced).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../shim/shim.h"

/* ---- the daemon's answers ---- */

typedef struct fake_assoc {
	int32_t id;
	int state;
	uint32_t out;
} fake_assoc;

static struct {
	int family, state;
	bool with_native;
	wsp_native nat;
	int so_error;
	fake_assoc assocs[4];
	int nqueries, nassocq, ngetopt, nimplicit;
} D;

pid_t shim_ctl_daemon(void)
{
	return 0;
}

int shim_ctl_call(wsp_req *q, int fd_in, wsp_rep *rep, int *fd_out,
		  bool cloexec)
{
	(void)fd_in;
	(void)cloexec;
	memset(rep, 0, sizeof(*rep));
	rep->magic = WSP_MAGIC;
	rep->op = q->op;
	if (fd_out)
		*fd_out = -1;
	switch (q->op) {
	case WSP_QUERY:
		D.nqueries++;
		rep->family = D.family;
		rep->state = D.state;
		if (D.with_native) {
			rep->len = sizeof(wsp_native);
			memcpy(rep->val_buf, &D.nat, sizeof(D.nat));
		}
		return 0;
	case WSP_ASSOC:
		D.nassocq++;
		for (int i = 0; i < 4; i++) {
			if (D.assocs[i].id && D.assocs[i].id == q->assoc) {
				wsp_native w = {.kind = WSP_K_SCTP_SEQPACKET,
						.assoc = q->assoc,
						.out_streams = D.assocs[i].out};
				rep->state = D.assocs[i].state;
				rep->len = sizeof(w);
				memcpy(rep->val_buf, &w, sizeof(w));
				return 0;
			}
		}
		rep->err = EINVAL;
		return 0;
	case WSP_CONNECTX:
		/* The implicit setup of a send with a destination: the
		 * daemon answers with the association's id (here 42). */
		if (q->arg != 1 || q->naddrs != 1)
			break;
		D.nimplicit++;
		rep->val = 42;
		return 0;
	case WSP_GETOPT:
		D.ngetopt++;
		if (q->arg == SOL_SOCKET && q->name == SO_ERROR) {
			rep->len = sizeof(int);
			memcpy(rep->val_buf, &D.so_error, sizeof(int));
			D.so_error = 0;
			return 0;
		}
		rep->err = ENOPROTOOPT;
		return 0;
	}
	rep->err = EOPNOTSUPP;
	return 0;
}

static void daemon_reset(int kind, int state)
{
	memset(&D, 0, sizeof(D));
	D.family = AF_INET;
	D.state = state;
	D.with_native = true;
	D.nat.kind = kind;
	D.nat.sndbuf = 1 << 20;
	D.nat.frag_point = 1452;
	D.nat.out_streams = 10;
	D.nat.nassocs = 1;
	D.nat.assoc = 3;
}

/* ---- a native socket and its daemon end ---- */

typedef struct pair {
	int app, d;
} pair;

static pair mkpair(char k)
{
	static int seq;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int n = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
			 WSP_NATIVE_PREFIX "%c:%d:%d", k, (int)getpid(), ++seq);
	assert_int_equal(
	    bind(sv[0], (struct sockaddr *)&sun,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			     (size_t)n)),
	    0);
	/* A bug must fail the test, not hang it. */
	struct timeval tv = {2, 0};
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return (pair){sv[0], sv[1]};
}

static void unpair(pair p)
{
	/* What the close hook does. */
	shim_fd_set(p.app, SHIM_FD_UNKNOWN);
	shim_fd_set(p.d, SHIM_FD_UNKNOWN);
	close(p.app);
	close(p.d);
}

/* The daemon writes one datagram. */
static void dsend(int d, const wsp_msg *proto, uint32_t seq, uint32_t flags,
		  const void *data, size_t len)
{
	wsp_msg h = proto ? *proto : (wsp_msg){0};
	h.seq = seq;
	h.flags = flags;
	struct iovec v[2] = {{&h, sizeof(h)}, {(void *)data, len}};
	struct msghdr m = {.msg_iov = v, .msg_iovlen = 2};
	assert_int_equal(sendmsg(d, &m, 0), (ssize_t)(sizeof(h) + len));
}

/* The daemon reads one datagram: its payload bytes, -1 when none. */
static ssize_t drecv(int d, wsp_msg *h, void *buf, size_t cap)
{
	struct iovec v[2] = {{h, sizeof(*h)}, {buf, cap}};
	struct msghdr m = {.msg_iov = v, .msg_iovlen = 2};
	ssize_t r = recvmsg(d, &m, MSG_DONTWAIT);
	if (r < 0)
		return -1;
	assert_true((size_t)r >= sizeof(*h));
	return r - (ssize_t)sizeof(*h);
}

static int sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static int setup(void **state)
{
	(void)state;
	sigpipes = 0;
	return 0;
}

/* ---- cmsg.c: sendmsg's control messages ---- */

/* A control buffer of up to three cmsgs. */
typedef struct ctl {
	union {
		char buf[512];
		struct cmsghdr align;
	} u;
	size_t len;
} ctl;

static void ctl_add(ctl *c, int level, int type, const void *data, size_t len)
{
	struct cmsghdr *h = (struct cmsghdr *)(c->u.buf + c->len);
	h->cmsg_len = CMSG_LEN(len);
	h->cmsg_level = level;
	h->cmsg_type = type;
	memcpy(CMSG_DATA(h), data, len);
	c->len += CMSG_SPACE(len);
}

static struct msghdr ctl_msg(ctl *c)
{
	return (struct msghdr){.msg_control = c->u.buf,
			       .msg_controllen = c->len};
}

static void test_parse_kinds(void **state)
{
	(void)state;
	ctl c = {0};
	struct sctp_sndrcvinfo sr = {
	    .sinfo_stream = 2, .sinfo_flags = SCTP_UNORDERED, .sinfo_ppid = 7};
	struct sctp_prinfo pr = {.pr_policy = SCTP_PR_SCTP_TTL,
				 .pr_value = 500};
	struct sctp_authinfo au = {.auth_keynumber = 9};
	int ttl = 64;
	ctl_add(&c, IPPROTO_SCTP, SCTP_SNDRCV, &sr, sizeof(sr));
	ctl_add(&c, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)); /* skipped */
	ctl_add(&c, IPPROTO_SCTP, SCTP_PRINFO, &pr, sizeof(pr));
	ctl_add(&c, IPPROTO_SCTP, SCTP_AUTHINFO, &au, sizeof(au));
	struct msghdr m = ctl_msg(&c);
	shim_sndcmsgs s;
	assert_int_equal(shim_cmsg_parse(&m, &s), 0);
	assert_true(s.srinfo && s.prinfo && s.authinfo);
	assert_false(s.sinfo || s.init || s.dstaddr);
	assert_int_equal(s.srinfo_v.sinfo_stream, 2);
	assert_int_equal(s.prinfo_v.pr_value, 500);

	/* SCTP_PR_SCTP_NONE drops the value; DSTADDR lengths are not
	 * judged here. */
	ctl d = {0};
	pr.pr_policy = SCTP_PR_SCTP_NONE;
	ctl_add(&d, IPPROTO_SCTP, SCTP_PRINFO, &pr, sizeof(pr));
	ctl_add(&d, IPPROTO_SCTP, SCTP_DSTADDRV4, "ab", 2);
	m = ctl_msg(&d);
	assert_int_equal(shim_cmsg_parse(&m, &s), 0);
	assert_int_equal(s.prinfo_v.pr_value, 0);
	assert_true(s.dstaddr);

	/* No control buffer, or one too short for a header. */
	m = (struct msghdr){0};
	assert_int_equal(shim_cmsg_parse(&m, &s), 0);
	m = ctl_msg(&c);
	m.msg_controllen = sizeof(struct cmsghdr) - 1;
	assert_int_equal(shim_cmsg_parse(&m, &s), 0);
	assert_false(s.srinfo);
}

static void test_parse_errors(void **state)
{
	(void)state;
	shim_sndcmsgs s;
	struct sctp_sndrcvinfo sr = {0};
	struct sctp_sndinfo si = {0};
	struct sctp_prinfo pr = {0};
	char im[sizeof(struct sctp_initmsg) + 4] = {0};
	struct msghdr m;

	/* Exact lengths. */
	ctl a = {0};
	ctl_add(&a, IPPROTO_SCTP, SCTP_SNDRCV, &sr, sizeof(sr) - 4);
	m = ctl_msg(&a);
	assert_int_equal(shim_cmsg_parse(&m, &s), EINVAL);
	ctl b = {0};
	ctl_add(&b, IPPROTO_SCTP, SCTP_INIT, im, sizeof(im));
	m = ctl_msg(&b);
	assert_int_equal(shim_cmsg_parse(&m, &s), EINVAL);
	/* Flags outside what a send may carry; a PR policy out of range. */
	ctl c = {0};
	si.snd_flags = SCTP_NOTIFICATION;
	ctl_add(&c, IPPROTO_SCTP, SCTP_SNDINFO, &si, sizeof(si));
	m = ctl_msg(&c);
	assert_int_equal(shim_cmsg_parse(&m, &s), EINVAL);
	ctl d = {0};
	sr.sinfo_flags = SCTP_PR_SCTP_ALL;
	ctl_add(&d, IPPROTO_SCTP, SCTP_SNDRCV, &sr, sizeof(sr));
	m = ctl_msg(&d);
	assert_int_equal(shim_cmsg_parse(&m, &s), EINVAL);
	ctl e = {0};
	pr.pr_policy = 0x40;
	ctl_add(&e, IPPROTO_SCTP, SCTP_PRINFO, &pr, sizeof(pr));
	m = ctl_msg(&e);
	assert_int_equal(shim_cmsg_parse(&m, &s), EINVAL);
	/* An SCTP type a send has no use for. */
	ctl f = {0};
	struct sctp_rcvinfo ri = {0};
	ctl_add(&f, IPPROTO_SCTP, SCTP_RCVINFO, &ri, sizeof(ri));
	m = ctl_msg(&f);
	assert_int_equal(shim_cmsg_parse(&m, &s), EINVAL);
	/* CMSG_OK: a length under the header's, or past the buffer. */
	ctl g = {0};
	sr.sinfo_flags = 0;
	ctl_add(&g, IPPROTO_SCTP, SCTP_SNDRCV, &sr, sizeof(sr));
	m = ctl_msg(&g);
	m.msg_controllen -= 8;
	assert_int_equal(shim_cmsg_parse(&m, &s), EINVAL);
	((struct cmsghdr *)g.u.buf)->cmsg_len = 4;
	m = ctl_msg(&g);
	assert_int_equal(shim_cmsg_parse(&m, &s), EINVAL);
}

static void test_sndinfo_build(void **state)
{
	(void)state;
	shim_sndcmsgs c = {0};
	wsp_msg m = {0};

	/* SNDINFO over SNDRCV; the lifetime from SNDRCV; PRINFO's policy
	 * and value; INIT's fields. */
	c.srinfo = c.sinfo = c.prinfo = c.init = true;
	c.srinfo_v = (struct sctp_sndrcvinfo){.sinfo_stream = 1,
					      .sinfo_ppid = 11,
					      .sinfo_timetolive = 99,
					      .sinfo_assoc_id = 5};
	c.sinfo_v = (struct sctp_sndinfo){.snd_sid = 4,
					  .snd_flags = SCTP_UNORDERED,
					  .snd_ppid = 44,
					  .snd_context = 45,
					  .snd_assoc_id = 6};
	c.prinfo_v =
	    (struct sctp_prinfo){.pr_policy = SCTP_PR_SCTP_RTX, .pr_value = 3};
	c.initmsg = (struct sctp_initmsg){20, 21, 4, 1000};
	assert_int_equal(shim_sndinfo_build(&c, 10, false, false, &m), 0);
	assert_int_equal(m.stream, 4);
	assert_int_equal(m.ppid, 44);
	assert_int_equal(m.context, 45);
	assert_int_equal(m.assoc, 6);
	assert_int_equal(m.ttl, 3);
	assert_int_equal(m.sflags, SCTP_UNORDERED | SCTP_PR_SCTP_RTX);
	assert_int_equal(m.flags, WSP_MF_SNDINFO | WSP_MF_PRINFO | WSP_MF_INIT);
	assert_int_equal(m.init_ostreams, 20);
	assert_int_equal(m.init_timeo, 1000);

	/* Nothing given: the defaults apply (no flag). */
	shim_sndcmsgs none = {0};
	wsp_msg n = {0};
	assert_int_equal(shim_sndinfo_build(&none, 1, true, false, &n), 0);
	assert_int_equal(n.flags, 0);
}

static void test_sndinfo_flags(void **state)
{
	(void)state;
	shim_sndcmsgs c = {.sinfo = true};
	wsp_msg m = {0};

	/* Data with SCTP_EOF; nothing to send without EOF or ABORT. */
	c.sinfo_v.snd_flags = SCTP_EOF;
	assert_int_equal(shim_sndinfo_build(&c, 1, false, false, &m), EINVAL);
	assert_int_equal(shim_sndinfo_build(&c, 0, false, false, &m), 0);
	shim_sndcmsgs none = {0};
	assert_int_equal(shim_sndinfo_build(&none, 0, false, false, &m),
			 EINVAL);
	/* ABORT with a reason, on one-to-many only. */
	c.sinfo_v.snd_flags = SCTP_ABORT;
	assert_int_equal(shim_sndinfo_build(&c, 5, false, false, &m), 0);
	assert_int_equal(shim_sndinfo_build(&c, 5, true, false, &m), EINVAL);
	c.sinfo_v.snd_flags = SCTP_EOF;
	assert_int_equal(shim_sndinfo_build(&c, 0, true, false, &m), EINVAL);
	/* ADDR_OVER wants a destination. */
	c.sinfo_v.snd_flags = SCTP_ADDR_OVER;
	assert_int_equal(shim_sndinfo_build(&c, 5, false, false, &m), EINVAL);
	assert_int_equal(shim_sndinfo_build(&c, 5, false, true, &m), 0);
}

static void test_daddr(void **state)
{
	(void)state;
	struct sockaddr_in s4 = {.sin_family = AF_INET,
				 .sin_port = htons(5000)};
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6,
				  .sin6_port = htons(5001)};
	wsp_addr w;

	inet_pton(AF_INET, "127.0.0.1", &s4.sin_addr);
	assert_int_equal(shim_sctp_daddr((void *)&s4, sizeof(s4), AF_INET, &w),
			 0);
	assert_int_equal(w.family, AF_INET);
	assert_int_equal(w.port, 5000);
	assert_int_equal(
	    shim_sctp_daddr((void *)&s4, sizeof(s4) - 1, AF_INET, &w), EINVAL);
	const char *bad4[] = {"0.1.2.3", "224.0.0.1", "255.255.255.255",
			      "198.19.0.1", "192.88.99.1"};
	for (size_t i = 0; i < sizeof(bad4) / sizeof(bad4[0]); i++) {
		inet_pton(AF_INET, bad4[i], &s4.sin_addr);
		assert_int_equal(
		    shim_sctp_daddr((void *)&s4, sizeof(s4), AF_INET, &w),
		    EINVAL);
	}

	/* IPv6 only on AF_INET6 sockets; v4-mapped becomes IPv4. */
	inet_pton(AF_INET6, "::1", &s6.sin6_addr);
	assert_int_equal(shim_sctp_daddr((void *)&s6, sizeof(s6), AF_INET, &w),
			 EINVAL);
	assert_int_equal(shim_sctp_daddr((void *)&s6, sizeof(s6), AF_INET6, &w),
			 0);
	assert_int_equal(w.family, AF_INET6);
	assert_int_equal(shim_sctp_daddr((void *)&s6, 24, AF_INET6, &w),
			 EINVAL);
	inet_pton(AF_INET6, "::ffff:10.1.2.3", &s6.sin6_addr);
	assert_int_equal(shim_sctp_daddr((void *)&s6, sizeof(s6), AF_INET6, &w),
			 0);
	assert_int_equal(w.family, AF_INET);
	assert_memory_equal(w.ip, "\x0a\x01\x02\x03", 4);
	const char *bad6[] = {"::", "ff02::1", "fe80::1", "::ffff:224.0.0.1"};
	for (size_t i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++) {
		inet_pton(AF_INET6, bad6[i], &s6.sin6_addr);
		assert_int_equal(
		    shim_sctp_daddr((void *)&s6, sizeof(s6), AF_INET6, &w),
		    EINVAL);
	}
	s6.sin6_scope_id = 1; /* fe80:: with its interface */
	inet_pton(AF_INET6, "fe80::1", &s6.sin6_addr);
	assert_int_equal(shim_sctp_daddr((void *)&s6, sizeof(s6), AF_INET6, &w),
			 0);
	struct sockaddr un = {.sa_family = AF_UNIX};
	assert_int_equal(shim_sctp_daddr(&un, sizeof(un), AF_INET6, &w),
			 EINVAL);
}

/* ---- cmsg.c: recvmsg's control messages ---- */

static void test_cmsg_put(void **state)
{
	(void)state;
	union {
		char b[64];
		struct cmsghdr a;
	} u;
	uint32_t v[4] = {1, 2, 3, 4};
	struct msghdr m = {.msg_control = u.b, .msg_controllen = 64};
	size_t used = 0;

	shim_cmsg_put(&m, &used, IPPROTO_SCTP, 1, v, 16);
	assert_int_equal(used, CMSG_SPACE(16));
	assert_int_equal(m.msg_flags, 0);
	/* 32 bytes left: a 16-byte header and 16 of the 24 bytes. */
	shim_cmsg_put(&m, &used, IPPROTO_SCTP, 2, v, 24);
	assert_int_equal(used, 64);
	assert_true(m.msg_flags & MSG_CTRUNC);
	struct cmsghdr h;
	memcpy(&h, u.b + 32, sizeof(h));
	assert_int_equal(h.cmsg_len, 32);
	assert_int_equal(h.cmsg_type, 2);
	/* Nothing left, or no buffer at all: only MSG_CTRUNC. */
	m.msg_flags = 0;
	shim_cmsg_put(&m, &used, IPPROTO_SCTP, 3, v, 4);
	assert_int_equal(used, 64);
	assert_true(m.msg_flags & MSG_CTRUNC);
	struct msghdr z = {0};
	used = 0;
	shim_cmsg_put(&z, &used, IPPROTO_SCTP, 3, v, 4);
	assert_int_equal(used, 0);
	assert_true(z.msg_flags & MSG_CTRUNC);
}

static void test_cmsg_recv(void **state)
{
	(void)state;
	union {
		char b[256];
		struct cmsghdr a;
	} u;
	wsp_msg f = {.flags = WSP_MF_SNDRCV | WSP_MF_RCVINFO,
		     .assoc = 7,
		     .stream = 3,
		     .ssn = 9,
		     .sflags = SCTP_UNORDERED,
		     .ppid = 0x01020304,
		     .context = 77,
		     .tsn = 1000,
		     .cumtsn = 999};
	wsp_msg l = {.flags = WSP_MF_NXTINFO,
		     .nxt_stream = 5,
		     .nxt_flags = SCTP_NOTIFICATION,
		     .nxt_ppid = 8,
		     .nxt_length = 20,
		     .nxt_assoc = 7};
	struct msghdr m = {.msg_control = u.b, .msg_controllen = sizeof(u.b)};
	shim_cmsg_recv(&m, &f, &l);
	assert_int_equal(m.msg_controllen,
			 CMSG_SPACE(sizeof(struct sctp_nxtinfo)) +
			     CMSG_SPACE(sizeof(struct sctp_rcvinfo)) +
			     CMSG_SPACE(sizeof(struct sctp_sndrcvinfo)));
	assert_int_equal(m.msg_flags, 0);
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	assert_int_equal(c->cmsg_type, SCTP_NXTINFO);
	struct sctp_nxtinfo nx;
	memcpy(&nx, CMSG_DATA(c), sizeof(nx));
	assert_int_equal(nx.nxt_sid, 5);
	assert_int_equal(nx.nxt_length, 20);
	c = CMSG_NXTHDR(&m, c);
	assert_int_equal(c->cmsg_type, SCTP_RCVINFO);
	struct sctp_rcvinfo ri;
	memcpy(&ri, CMSG_DATA(c), sizeof(ri));
	assert_int_equal(ri.rcv_sid, 3);
	assert_int_equal(ri.rcv_ssn, 9);
	assert_int_equal(ri.rcv_context, 77);
	assert_int_equal(ri.rcv_assoc_id, 7);
	c = CMSG_NXTHDR(&m, c);
	assert_int_equal(c->cmsg_level, IPPROTO_SCTP);
	assert_int_equal(c->cmsg_type, SCTP_SNDRCV);
	struct sctp_sndrcvinfo si;
	memcpy(&si, CMSG_DATA(c), sizeof(si));
	assert_int_equal(si.sinfo_ppid, 0x01020304);
	assert_int_equal(si.sinfo_flags, SCTP_UNORDERED);
	assert_int_equal(si.sinfo_tsn, 1000);
	assert_int_equal(si.sinfo_timetolive, 0);
	assert_null(CMSG_NXTHDR(&m, c));

	/* A notification: neither RCVINFO nor SNDRCV. */
	f.flags |= WSP_MF_NOTIFY;
	l.flags = 0;
	m = (struct msghdr){.msg_control = u.b, .msg_controllen = sizeof(u.b)};
	shim_cmsg_recv(&m, &f, &l);
	assert_int_equal(m.msg_controllen, 0);
	/* Room for the first only. */
	f.flags = WSP_MF_RCVINFO | WSP_MF_SNDRCV;
	m = (struct msghdr){.msg_control = u.b,
			    .msg_controllen =
				CMSG_SPACE(sizeof(struct sctp_rcvinfo))};
	shim_cmsg_recv(&m, &f, &l);
	assert_int_equal(m.msg_controllen,
			 CMSG_SPACE(sizeof(struct sctp_rcvinfo)));
	assert_true(m.msg_flags & MSG_CTRUNC);
}

/* ---- fdtab.c: the probe and its mark ---- */

static void test_probe(void **state)
{
	(void)state;
	pair a = mkpair('1'), b = mkpair('2'), c = mkpair('3');
	assert_int_equal(shim_native_kind(a.app), SHIM_FD_NATIVE);
	assert_int_equal(shim_native_kind(b.app), SHIM_FD_NATIVE_MANY);
	assert_int_equal(shim_native_kind(c.app), SHIM_FD_NATIVE_PEELED);
	assert_int_equal(shim_native_kind(a.d), 0);
	assert_int_equal(shim_fd_get(a.app), SHIM_FD_NATIVE);
	/* A request to the daemon serves it as any socket of the daemon's. */
	assert_true(shim_is_emulated(a.app));

	/* A pipe is marked "not native" and never probed again: put a
	 * native socket on its number behind the shim's back and it stays
	 * unseen, until the entry is cleared. */
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(shim_native_kind(p[0]), 0);
	assert_int_equal(shim_fd_get(p[0]), SHIM_FD_UNKNOWN);
	assert_int_equal(dup2(b.app, p[0]), p[0]);
	assert_int_equal(shim_native_kind(p[0]), 0);
	shim_fd_set(p[0], SHIM_FD_UNKNOWN);
	assert_int_equal(shim_native_kind(p[0]), SHIM_FD_NATIVE_MANY);

	/* Entries of fds received with SCM_RIGHTS are cleared. */
	shim_fd_set(p[1], SHIM_FD_PLAIN);
	union {
		char b[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr a;
	} u;
	struct msghdr m = {.msg_control = u.b, .msg_controllen = sizeof(u.b)};
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(2 * sizeof(int));
	int fds[2] = {p[1], p[0]};
	memcpy(CMSG_DATA(h), fds, sizeof(fds));
	shim_fd_received(&m);
	assert_int_equal(shim_fd_get(p[1]), SHIM_FD_UNKNOWN);
	assert_int_equal(shim_fd_get(p[0]), SHIM_FD_UNKNOWN);

	shim_fd_set(p[0], SHIM_FD_UNKNOWN);
	shim_fd_set(p[1], SHIM_FD_UNKNOWN);
	close(p[0]);
	close(p[1]);
	unpair(a);
	unpair(b);
	unpair(c);
}

/* ---- msg.c: receiving ---- */

static void test_recv_partial(void **state)
{
	(void)state;
	daemon_reset(WSP_K_SCTP_STREAM, WSP_ST_ESTABLISHED);
	pair p = mkpair('1');
	wsp_msg proto = {.assoc = 3, .stream = 1, .ppid = 42};
	dsend(p.d, &proto, 1, WSP_MF_EOR, "hello, world", 12);
	dsend(p.d, &proto, 2, WSP_MF_EOR, "next", 4);

	char buf[16] = {0};
	struct iovec iov = {buf, 5};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	assert_int_equal(shim_recvmsg(p.app, &m, 0), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(m.msg_flags & MSG_EOR, 0);
	/* MSG_PEEK from where the program stopped, consuming nothing. */
	iov.iov_len = 3;
	assert_int_equal(shim_recvmsg(p.app, &m, MSG_PEEK), 3);
	assert_memory_equal(buf, ", w", 3);
	assert_int_equal(m.msg_flags & MSG_EOR, 0);
	iov.iov_len = 16;
	assert_int_equal(shim_recvmsg(p.app, &m, MSG_PEEK), 7);
	assert_true(m.msg_flags & MSG_EOR);
	/* The rest, with MSG_EOR; the next message stays apart. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(shim_recvmsg(p.app, &m, 0), 7);
	assert_memory_equal(buf, ", world", 7);
	assert_true(m.msg_flags & MSG_EOR);
	assert_int_equal(shim_read(p.app, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "next", 4);
	/* A zero-length read asks nothing. */
	assert_int_equal(shim_read(p.app, buf, 0), 0);
	unpair(p);
}

static void test_recv_seq_changed(void **state)
{
	(void)state;
	daemon_reset(WSP_K_SCTP_STREAM, WSP_ST_ESTABLISHED);
	pair p = mkpair('1');
	dsend(p.d, NULL, 1, WSP_MF_EOR, "abcdef", 6);
	dsend(p.d, NULL, 2, WSP_MF_EOR, "uvwxyz", 6);
	char buf[8];
	assert_int_equal(shim_recv(p.app, buf, 2, 0), 2);
	/* Another process consumed the head meanwhile. */
	wsp_msg h;
	assert_int_equal(recv(p.app, &h, sizeof(h), 0), sizeof(h));
	assert_int_equal(shim_recv(p.app, buf, 3, 0), 3);
	assert_memory_equal(buf, "uvw", 3);
	assert_int_equal(shim_recv(p.app, buf, 8, 0), 3);
	assert_memory_equal(buf, "xyz", 3);
	unpair(p);
}

static void test_recv_pieces(void **state)
{
	(void)state;
	daemon_reset(WSP_K_SCTP_SEQPACKET, WSP_ST_LISTEN);
	pair p = mkpair('2');
	/* A 140,000-byte message in three pieces, then another (what the
	 * daemon end's send buffer holds unread). */
	size_t total = 140000;
	char *msg = malloc(total), *buf = malloc(total + 100);
	for (size_t i = 0; i < total; i++)
		msg[i] = (char)(i * 7 + i / 251);
	wsp_msg proto = {.assoc = 9, .stream = 2};
	uint32_t seq = 0;
	for (size_t o = 0; o < total; o += WSP_PIECE_MAX) {
		size_t n =
		    total - o < WSP_PIECE_MAX ? total - o : WSP_PIECE_MAX;
		dsend(p.d, &proto, ++seq, o + n == total ? WSP_MF_EOR : 0,
		      msg + o, n);
	}
	dsend(p.d, &proto, ++seq, WSP_MF_EOR, "tail", 4);

	/* Small reads across the pieces: no MSG_EOR until the last byte. */
	size_t got = 0;
	int flags = 0;
	while (got < 70000) {
		struct iovec iov = {buf + got, 999};
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
		ssize_t r = shim_recvmsg(p.app, &m, 0);
		assert_true(r > 0);
		assert_int_equal(m.msg_flags & MSG_EOR, 0);
		got += (size_t)r;
	}
	/* A buffer larger than the rest of the head piece goes on into
	 * the next ones, through the fast path for whole pieces. */
	struct iovec iov = {buf + got, total + 100 - got};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t r = shim_recvmsg(p.app, &m, 0);
	assert_int_equal((size_t)r, total - got);
	flags = m.msg_flags;
	assert_true(flags & MSG_EOR);
	assert_memory_equal(buf, msg, total);
	assert_int_equal(shim_recv(p.app, buf, 100, 0), 4);

	/* Whole reads with a large buffer, message by message. */
	seq = 0;
	for (size_t o = 0; o < total; o += WSP_PIECE_MAX) {
		size_t n =
		    total - o < WSP_PIECE_MAX ? total - o : WSP_PIECE_MAX;
		dsend(p.d, &proto, ++seq, o + n == total ? WSP_MF_EOR : 0,
		      msg + o, n);
	}
	dsend(p.d, &proto, ++seq, WSP_MF_EOR, "tail", 4);
	memset(buf, 0, total);
	assert_int_equal(shim_recv(p.app, buf, total + 100, 0), (ssize_t)total);
	assert_memory_equal(buf, msg, total);
	assert_int_equal(shim_recv(p.app, buf, total + 100, 0), 4);
	/* A piece not yet there: what is queued, without MSG_EOR (the
	 * kernel's partial delivery). */
	dsend(p.d, &proto, ++seq, 0, "part", 4);
	iov = (struct iovec){buf, 100};
	m = (struct msghdr){.msg_iov = &iov, .msg_iovlen = 1};
	assert_int_equal(shim_recvmsg(p.app, &m, MSG_DONTWAIT), 4);
	assert_int_equal(m.msg_flags & MSG_EOR, 0);
	dsend(p.d, &proto, ++seq, WSP_MF_EOR, "ial", 3);
	assert_int_equal(shim_recvmsg(p.app, &m, 0), 3);
	assert_true(m.msg_flags & MSG_EOR);
	free(msg);
	free(buf);
	unpair(p);
}

static void test_recv_meta(void **state)
{
	(void)state;
	daemon_reset(WSP_K_SCTP_SEQPACKET, WSP_ST_LISTEN);
	D.nat.rcv_cmsgs = 1; /* subscribed to sctp_data_io_event */
	pair p = mkpair('2');
	wsp_msg proto = {.assoc = 4,
			 .stream = 6,
			 .ssn = 2,
			 .ppid = 99,
			 .addr = {.family = AF_INET6, .port = 5000}};
	proto.addr.ip[15] = 1;
	dsend(p.d, &proto, 1, WSP_MF_EOR | WSP_MF_SNDRCV, "data", 4);
	/* An SCTP_ASSOC_CHANGE notification. */
	struct sctp_assoc_change ac = {.sac_type = SCTP_ASSOC_CHANGE,
				       .sac_length = sizeof(ac),
				       .sac_state = SCTP_COMM_UP,
				       .sac_outbound_streams = 5,
				       .sac_assoc_id = 4};
	dsend(p.d, &proto, 2, WSP_MF_EOR | WSP_MF_NOTIFY | WSP_MF_SNDRCV, &ac,
	      sizeof(ac));

	char buf[64];
	struct sockaddr_in6 from;
	union {
		char b[256];
		struct cmsghdr a;
	} u;
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr m = {.msg_name = &from,
			   .msg_namelen = sizeof(from),
			   .msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.b,
			   .msg_controllen = sizeof(u.b)};
	assert_int_equal(shim_recvmsg(p.app, &m, MSG_CMSG_CLOEXEC), 4);
	assert_int_equal(m.msg_flags, MSG_EOR | MSG_CMSG_CLOEXEC);
	assert_int_equal(m.msg_namelen, sizeof(from));
	assert_int_equal(from.sin6_family, AF_INET6);
	assert_int_equal(ntohs(from.sin6_port), 5000);
	assert_int_equal(m.msg_controllen,
			 CMSG_SPACE(sizeof(struct sctp_sndrcvinfo)));
	struct sctp_sndrcvinfo si;
	memcpy(&si, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(si));
	assert_int_equal(si.sinfo_stream, 6);
	assert_int_equal(si.sinfo_assoc_id, 4);

	m.msg_controllen = sizeof(u.b);
	m.msg_namelen = sizeof(from);
	assert_int_equal(shim_recvmsg(p.app, &m, 0), sizeof(ac));
	assert_int_equal(m.msg_flags, MSG_EOR | MSG_NOTIFICATION);
	assert_int_equal(m.msg_controllen, 0);
	/* The COMM_UP told the shim association 4 and its 5 streams: a
	 * send to stream 5 fails without asking the daemon. */
	struct sctp_sndrcvinfo sr = {.sinfo_stream = 5, .sinfo_assoc_id = 4};
	ctl c = {0};
	ctl_add(&c, IPPROTO_SCTP, SCTP_SNDRCV, &sr, sizeof(sr));
	iov.iov_len = 1;
	struct msghdr s = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = c.u.buf,
			   .msg_controllen = c.len};
	errno = 0;
	assert_int_equal(shim_sendmsg(p.app, &s, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(D.nassocq, 0);
	unpair(p);
}

static void test_recv_enotconn(void **state)
{
	(void)state;
	char buf[8];
	/* One-to-one never connected: EAGAIN when it would not wait,
	 * ENOTCONN when it would; a listener: ENOTCONN even with records
	 * on its channel. */
	daemon_reset(WSP_K_SCTP_STREAM, WSP_ST_NEW);
	pair p = mkpair('1');
	errno = 0;
	assert_int_equal(shim_recv(p.app, buf, 8, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(shim_recv(p.app, buf, 8, 0), -1);
	assert_int_equal(errno, ENOTCONN);
	D.state = WSP_ST_LISTEN;
	D.nat.listening = 1;
	dsend(p.d, NULL, 1, WSP_MF_EOR, "x", 1);
	assert_int_equal(shim_recv(p.app, buf, 8, MSG_DONTWAIT), -1);
	assert_int_equal(errno, ENOTCONN);
	unpair(p);

	/* One-to-many without associations, not listening. */
	daemon_reset(WSP_K_SCTP_SEQPACKET, WSP_ST_NEW);
	D.nat.nassocs = 0;
	p = mkpair('2');
	assert_int_equal(shim_recv(p.app, buf, 8, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(shim_recv(p.app, buf, 8, 0), -1);
	assert_int_equal(errno, ENOTCONN);
	/* Listening: it waits, for SO_RCVTIMEO. */
	D.nat.listening = 1;
	struct timeval tv = {0, 100000};
	setsockopt(p.app, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(shim_recv(p.app, buf, 8, 0), -1);
	assert_int_equal(errno, EAGAIN);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_true(ms >= 90 && ms < 1500);
	/* O_NONBLOCK: EAGAIN without asking. */
	fcntl(p.app, F_SETFL, O_NONBLOCK);
	int before = D.nqueries;
	assert_int_equal(shim_recv(p.app, buf, 8, 0), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(D.nqueries, before);
	unpair(p);
}

static void test_recv_eof(void **state)
{
	(void)state;
	char buf[8];
	daemon_reset(WSP_K_SCTP_STREAM, WSP_ST_ESTABLISHED);
	pair p = mkpair('1');
	dsend(p.d, NULL, 1, WSP_MF_EOR, "bye", 3);
	shutdown(p.d, SHUT_WR);
	assert_int_equal(shim_read(p.app, buf, 8), 3);
	assert_int_equal(shim_read(p.app, buf, 8), 0);
	/* An association that failed: its error once, then the end. */
	D.so_error = ECONNRESET;
	errno = 0;
	assert_int_equal(shim_read(p.app, buf, 8), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_int_equal(shim_read(p.app, buf, 8), 0);
	unpair(p);
}

/* ---- msg.c: sending ---- */

static void test_send_one_to_one(void **state)
{
	(void)state;
	daemon_reset(WSP_K_SCTP_STREAM, WSP_ST_ESTABLISHED);
	pair p = mkpair('1');
	assert_int_equal(shim_write(p.app, "hello", 5), 5);
	wsp_msg h;
	char buf[70000];
	assert_int_equal(drecv(p.d, &h, buf, sizeof(buf)), 5);
	assert_int_equal(h.flags, WSP_MF_EOR);
	assert_memory_equal(buf, "hello", 5);
	/* The answer is kept: no question for the next sends. */
	assert_int_equal(D.nqueries, 1);

	/* sctp_send(): SCTP_SNDRCV's fields in the header of every piece;
	 * a 150,000-byte message in three pieces, MSG_EOR on the last. */
	size_t total = 150000;
	char *msg = malloc(total);
	for (size_t i = 0; i < total; i++)
		msg[i] = (char)(i % 253);
	struct sctp_sndrcvinfo sr = {.sinfo_stream = 3,
				     .sinfo_ppid = htonl(77),
				     .sinfo_context = 5,
				     .sinfo_flags = SCTP_UNORDERED};
	ctl c = {0};
	ctl_add(&c, IPPROTO_SCTP, SCTP_SNDRCV, &sr, sizeof(sr));
	struct iovec iov[3] = {
	    {msg, 1000}, {msg + 1000, 100000}, {msg + 101000, total - 101000}};
	struct msghdr m = {.msg_iov = iov,
			   .msg_iovlen = 3,
			   .msg_control = c.u.buf,
			   .msg_controllen = c.len};
	assert_int_equal(shim_sendmsg(p.app, &m, 0), (ssize_t)total);
	size_t got = 0;
	for (int i = 0; i < 3; i++) {
		ssize_t n = drecv(p.d, &h, buf, sizeof(buf));
		assert_true(n > 0 && n <= WSP_PIECE_MAX);
		assert_memory_equal(buf, msg + got, (size_t)n);
		got += (size_t)n;
		assert_int_equal(h.flags & WSP_MF_EOR,
				 got == total ? WSP_MF_EOR : 0);
		assert_true(h.flags & WSP_MF_SNDINFO);
		assert_int_equal(h.stream, 3);
		assert_int_equal(h.ppid, htonl(77));
		assert_int_equal(h.context, 5);
		assert_int_equal(h.sflags, SCTP_UNORDERED);
	}
	assert_int_equal(got, total);
	assert_int_equal(drecv(p.d, &h, buf, sizeof(buf)), -1);

	/* writev, and the errors decided here. */
	struct iovec two[2] = {{"ab", 2}, {"cd", 2}};
	assert_int_equal(shim_writev(p.app, two, 2), 4);
	assert_int_equal(drecv(p.d, &h, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "abcd", 4);
	errno = 0;
	assert_int_equal(shim_write(p.app, "", 0), -1);
	assert_int_equal(errno, EINVAL);
	sr = (struct sctp_sndrcvinfo){.sinfo_stream = 10};
	memcpy(CMSG_DATA((struct cmsghdr *)c.u.buf), &sr, sizeof(sr));
	m.msg_iovlen = 1;
	assert_int_equal(shim_sendmsg(p.app, &m, 0), -1);
	assert_int_equal(errno, EINVAL);
	sr.sinfo_flags = SCTP_EOF;
	memcpy(CMSG_DATA((struct cmsghdr *)c.u.buf), &sr, sizeof(sr));
	iov[0].iov_len = 0;
	assert_int_equal(shim_sendmsg(p.app, &m, 0), -1);
	assert_int_equal(errno, EINVAL);
	D.nat.sndbuf = 1000;
	D.nat.disable_fragments = 1;
	shim_native_forget(p.app);
	iov[0].iov_len = 1001;
	m.msg_controllen = 0;
	assert_int_equal(shim_sendmsg(p.app, &m, 0), -1);
	assert_int_equal(errno, EMSGSIZE);
	D.nat.sndbuf = 100000;
	shim_native_forget(p.app);
	iov[0].iov_len = 1453;
	assert_int_equal(shim_sendmsg(p.app, &m, 0), -1);
	assert_int_equal(errno, EMSGSIZE); /* over the fragment point */
	assert_int_equal(drecv(p.d, &h, buf, sizeof(buf)), -1);
	free(msg);
	unpair(p);
}

static void test_send_epipe(void **state)
{
	(void)state;
	/* Not connected yet: EPIPE and SIGPIPE, asking each time. */
	daemon_reset(WSP_K_SCTP_STREAM, WSP_ST_CONNECTING);
	pair p = mkpair('1');
	errno = 0;
	assert_int_equal(shim_send(p.app, "x", 1, 0), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(sigpipes, 1);
	assert_int_equal(shim_send(p.app, "x", 1, MSG_NOSIGNAL), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(sigpipes, 1);
	assert_int_equal(D.nqueries, 2);
	/* A failed connect: its error instead, once. */
	D.so_error = ECONNREFUSED;
	assert_int_equal(shim_send(p.app, "x", 1, 0), -1);
	assert_int_equal(errno, ECONNREFUSED);
	assert_int_equal(sigpipes, 1);
	/* A listener. */
	D.state = WSP_ST_LISTEN;
	D.nat.listening = 1;
	assert_int_equal(shim_send(p.app, "x", 1, MSG_NOSIGNAL), -1);
	assert_int_equal(errno, EPIPE);
	/* Up; then the daemon shuts the channel's read side when the
	 * association dies: EPIPE from the channel itself. */
	D.state = WSP_ST_ESTABLISHED;
	D.nat.listening = 0;
	assert_int_equal(shim_send(p.app, "x", 1, 0), 1);
	shutdown(p.d, SHUT_RD);
	assert_int_equal(shim_send(p.app, "x", 1, 0), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(sigpipes, 2);
	unpair(p);
}

static void test_send_one_to_many(void **state)
{
	(void)state;
	daemon_reset(WSP_K_SCTP_SEQPACKET, WSP_ST_LISTEN);
	D.family = AF_INET6;
	D.assocs[0] =
	    (fake_assoc){.id = 7, .state = WSP_ST_ESTABLISHED, .out = 2};
	pair p = mkpair('2');
	wsp_msg h;
	char buf[64];

	/* send(): association 0 does not exist. */
	errno = 0;
	assert_int_equal(shim_send(p.app, "x", 1, MSG_NOSIGNAL), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(D.nassocq, 0);
	/* An id the daemon knows, asked once; its streams decide. */
	struct sctp_sndinfo si = {.snd_sid = 1, .snd_assoc_id = 7};
	ctl c = {0};
	ctl_add(&c, IPPROTO_SCTP, SCTP_SNDINFO, &si, sizeof(si));
	struct iovec iov = {"data", 4};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = c.u.buf,
			   .msg_controllen = c.len};
	assert_int_equal(shim_sendmsg(p.app, &m, 0), 4);
	assert_int_equal(shim_sendmsg(p.app, &m, 0), 4);
	assert_int_equal(D.nassocq, 1);
	assert_int_equal(drecv(p.d, &h, buf, sizeof(buf)), 4);
	assert_int_equal(h.assoc, 7);
	assert_int_equal(h.stream, 1);
	assert_int_equal(h.addr.family, 0);
	drecv(p.d, &h, buf, sizeof(buf));
	si.snd_sid = 2;
	memcpy(CMSG_DATA((struct cmsghdr *)c.u.buf), &si, sizeof(si));
	assert_int_equal(shim_sendmsg(p.app, &m, 0), -1);
	assert_int_equal(errno, EINVAL);
	/* An unknown id: EPIPE. */
	si.snd_assoc_id = 8;
	memcpy(CMSG_DATA((struct cmsghdr *)c.u.buf), &si, sizeof(si));
	assert_int_equal(shim_sendmsg(p.app, &m, MSG_NOSIGNAL), -1);
	assert_int_equal(errno, EPIPE);

	/* A destination: implicit setup with SCTP_INIT, the address as
	 * IPv4 when v4-mapped. */
	struct sockaddr_in6 to = {.sin6_family = AF_INET6,
				  .sin6_port = htons(6000)};
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &to.sin6_addr);
	struct sctp_initmsg im = {.sinit_num_ostreams = 12};
	ctl i = {0};
	ctl_add(&i, IPPROTO_SCTP, SCTP_INIT, &im, sizeof(im));
	m = (struct msghdr){.msg_name = &to,
			    .msg_namelen = sizeof(to),
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = i.u.buf,
			    .msg_controllen = i.len};
	assert_int_equal(shim_sendmsg(p.app, &m, 0), 4);
	assert_int_equal(drecv(p.d, &h, buf, sizeof(buf)), 4);
	assert_int_equal(h.addr.family, AF_INET);
	assert_int_equal(h.addr.port, 6000);
	assert_int_equal(h.flags, WSP_MF_EOR | WSP_MF_INIT);
	assert_int_equal(h.init_ostreams, 12);
	/* The association was asked for before the message went. */
	assert_true(D.nimplicit >= 1);
	assert_int_equal(h.assoc, 42);
	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	assert_int_equal(shim_sendmsg(p.app, &m, 0), -1);
	assert_int_equal(errno, EINVAL);

	/* SCTP_EOF: 0 returned, the flag passed on. */
	struct sctp_sndrcvinfo sr = {.sinfo_flags = SCTP_EOF,
				     .sinfo_assoc_id = 7};
	ctl e = {0};
	ctl_add(&e, IPPROTO_SCTP, SCTP_SNDRCV, &sr, sizeof(sr));
	iov.iov_len = 0;
	m = (struct msghdr){.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = e.u.buf,
			    .msg_controllen = e.len};
	assert_int_equal(shim_sendmsg(p.app, &m, 0), 0);
	assert_int_equal(drecv(p.d, &h, buf, sizeof(buf)), 0);
	assert_int_equal(h.sflags, SCTP_EOF);
	assert_int_equal(h.flags, WSP_MF_EOR | WSP_MF_SNDINFO);

	/* SCTP_SENDALL: 0 and nothing sent without associations. */
	sr = (struct sctp_sndrcvinfo){.sinfo_flags = SCTP_SENDALL};
	memcpy(CMSG_DATA((struct cmsghdr *)e.u.buf), &sr, sizeof(sr));
	iov.iov_len = 4;
	assert_int_equal(shim_sendmsg(p.app, &m, 0), 4);
	assert_int_equal(drecv(p.d, &h, buf, sizeof(buf)), 4);
	assert_int_equal(h.sflags, SCTP_SENDALL);
	D.nat.nassocs = 0;
	assert_int_equal(shim_sendmsg(p.app, &m, 0), 0);
	assert_int_equal(drecv(p.d, &h, buf, sizeof(buf)), -1);

	/* An association that ended, told by SCTP_ASSOC_CHANGE: asked
	 * again. */
	struct sctp_assoc_change ac = {.sac_type = SCTP_ASSOC_CHANGE,
				       .sac_length = sizeof(ac),
				       .sac_state = SCTP_COMM_LOST,
				       .sac_assoc_id = 7};
	dsend(p.d, NULL, 1, WSP_MF_EOR | WSP_MF_NOTIFY, &ac, sizeof(ac));
	assert_int_equal(shim_recv(p.app, buf, sizeof(buf), 0), sizeof(ac));
	D.assocs[0].state = WSP_ST_CLOSED;
	si = (struct sctp_sndinfo){.snd_assoc_id = 7};
	memcpy(CMSG_DATA((struct cmsghdr *)c.u.buf), &si, sizeof(si));
	m = (struct msghdr){.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = c.u.buf,
			    .msg_controllen = c.len};
	int before = D.nassocq;
	assert_int_equal(shim_sendmsg(p.app, &m, MSG_NOSIGNAL), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(D.nassocq, before + 1);
	unpair(p);
}

static void test_send_peeled(void **state)
{
	(void)state;
	daemon_reset(WSP_K_SCTP_SEQPACKET, WSP_ST_ESTABLISHED);
	D.nat.kind = WSP_K_SCTP_PEELED;
	pair p = mkpair('3');
	/* The name is ignored, even an invalid one. */
	struct sockaddr_in to = {.sin_family = AF_INET};
	assert_int_equal(
	    shim_sendto(p.app, "abc", 3, 0, (void *)&to, sizeof(to)), 3);
	wsp_msg h;
	char buf[8];
	assert_int_equal(drecv(p.d, &h, buf, sizeof(buf)), 3);
	assert_int_equal(h.addr.family, 0);
	unpair(p);
}

/* The daemon reading one message, as it comes. */
static void *drain(void *arg)
{
	int d = *(int *)arg;
	static char buf[WSP_PIECE_MAX];
	size_t got = 0;
	for (;;) {
		wsp_msg h;
		struct iovec v[2] = {{&h, sizeof(h)}, {buf, sizeof(buf)}};
		struct msghdr m = {.msg_iov = v, .msg_iovlen = 2};
		ssize_t r = recvmsg(d, &m, 0);
		if (r < (ssize_t)sizeof(h))
			return NULL;
		got += (size_t)r - sizeof(h);
		if (h.flags & WSP_MF_EOR)
			return (void *)got;
	}
}

/* A non-blocking message of several pieces goes whole or not at all. */
static void test_send_whole_or_nothing(void **state)
{
	(void)state;
	daemon_reset(WSP_K_SCTP_STREAM, WSP_ST_ESTABLISHED);
	pair p = mkpair('1');
	int sb = 100000; /* 200,000 once the kernel doubled it */
	setsockopt(p.app, SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb));
	static char big[300000];
	/* 60,000 bytes in flight: the first three 64 KiB pieces of a
	 * 200,000-byte message would not find room for the fourth. */
	assert_int_equal(shim_write(p.app, big, 60000), 60000);
	errno = 0;
	assert_int_equal(shim_send(p.app, big, 200000, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	fcntl(p.app, F_SETFL, O_NONBLOCK);
	assert_int_equal(shim_send(p.app, big, 200000, 0), -1);
	assert_int_equal(errno, EAGAIN);
	wsp_msg h;
	assert_int_equal(drecv(p.d, &h, big, sizeof(big)), 60000);
	assert_int_equal(drecv(p.d, &h, big, sizeof(big)), -1);
	/* A message that fits goes at once. */
	assert_int_equal(shim_send(p.app, big, 130000, 0), 130000);
	assert_int_equal(drecv(p.d, &h, big, sizeof(big)), WSP_PIECE_MAX);
	assert_int_equal(drecv(p.d, &h, big, sizeof(big)),
			 130000 - WSP_PIECE_MAX);
	assert_true(h.flags & WSP_MF_EOR);
	/* An empty channel takes a message larger than its buffer whole,
	 * the shim waiting for the daemon to read the later pieces. */
	pthread_t t;
	void *got;
	pthread_create(&t, NULL, drain, &p.d);
	assert_int_equal(shim_send(p.app, big, 300000, 0), 300000);
	pthread_join(t, &got);
	assert_int_equal((size_t)got, 300000);
	unpair(p);
}

typedef struct big_writer {
	int fd;
	size_t len;
	ssize_t rc;
} big_writer;

static void *write_big(void *arg)
{
	big_writer *w = arg;
	char *b = calloc(1, w->len);
	w->rc = shim_write(w->fd, b, w->len);
	free(b);
	return NULL;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* A thread waits for room in the middle of a message: a non-blocking
 * send from another thread is EAGAIN at once (the kernel's socket lock is
 * free while a sender waits for send buffer), a blocking one waits for
 * the message to be whole; the daemon sees both whole, in order. */
static void test_send_wait_for_room(void **state)
{
	(void)state;
	daemon_reset(WSP_K_SCTP_STREAM, WSP_ST_ESTABLISHED);
	pair p = mkpair('1');
	struct timeval none = {0, 0};
	setsockopt(p.app, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof(none));
	big_writer w = {.fd = p.app, .len = 400000};
	pthread_t t;
	pthread_create(&t, NULL, write_big, &w);
	usleep(200000);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	errno = 0;
	assert_int_equal(shim_send(p.app, "x", 1, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	assert_true(ms_since(&t0) < 100);

	/* The daemon reads: the big message, whole, then nothing. */
	void *got;
	pthread_t d;
	pthread_create(&d, NULL, drain, &p.d);
	pthread_join(d, &got);
	pthread_join(t, NULL);
	assert_int_equal(w.rc, 400000);
	assert_int_equal((size_t)got, 400000);
	wsp_msg h;
	char b[4];
	assert_int_equal(drecv(p.d, &h, b, sizeof(b)), -1);
	unpair(p);
}

/* A blocking send that finds no room: SO_SNDTIMEO, and nothing sent. */
static void test_send_timeout(void **state)
{
	(void)state;
	daemon_reset(WSP_K_SCTP_STREAM, WSP_ST_ESTABLISHED);
	pair p = mkpair('1');
	static char big[WSP_PIECE_MAX];
	int n = 0;
	while (shim_send(p.app, big, sizeof(big), MSG_DONTWAIT) > 0)
		n++;
	assert_int_equal(errno, EAGAIN);
	struct timeval tv = {0, 100000};
	setsockopt(p.app, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(shim_send(p.app, big, 100, 0), -1);
	assert_int_equal(errno, EAGAIN);
	double ms = ms_since(&t0);
	assert_true(ms >= 90 && ms < 1500);
	wsp_msg h;
	for (int i = 0; i < n; i++)
		assert_int_equal(drecv(p.d, &h, big, sizeof(big)),
				 WSP_PIECE_MAX);
	assert_int_equal(drecv(p.d, &h, big, sizeof(big)), -1);
	unpair(p);
}

/* Threads sending messages of several pieces at once: the daemon sees
 * each message whole, never interleaved. */
typedef struct writer {
	int fd;
	char tag;
} writer;

static void *write_loop(void *arg)
{
	writer *w = arg;
	size_t len = 150000;
	char *msg = malloc(len);
	void *rc = NULL;
	memset(msg, w->tag, len);
	for (int i = 0; i < 20 && !rc; i++)
		if (shim_write(w->fd, msg, len) != (ssize_t)len)
			rc = (void *)1;
	free(msg);
	return rc;
}

static void *read_loop(void *arg)
{
	int d = *(int *)arg;
	static char buf[WSP_PIECE_MAX];
	char tag = 0;
	size_t in_msg = 0;
	for (int n = 0; n < 40;) {
		wsp_msg h;
		struct iovec v[2] = {{&h, sizeof(h)}, {buf, sizeof(buf)}};
		struct msghdr m = {.msg_iov = v, .msg_iovlen = 2};
		ssize_t r = recvmsg(d, &m, 0);
		if (r < (ssize_t)sizeof(h))
			return (void *)1;
		size_t len = (size_t)r - sizeof(h);
		if (!in_msg)
			tag = buf[0];
		for (size_t i = 0; i < len; i++)
			if (buf[i] != tag)
				return (void *)2;
		in_msg += len;
		if (h.flags & WSP_MF_EOR) {
			if (in_msg != 150000)
				return (void *)3;
			in_msg = 0;
			n++;
		}
	}
	return NULL;
}

static void test_send_threads(void **state)
{
	(void)state;
	daemon_reset(WSP_K_SCTP_STREAM, WSP_ST_ESTABLISHED);
	pair p = mkpair('1');
	pthread_t r, a, b;
	writer wa = {p.app, 'a'}, wb = {p.app, 'b'};
	void *ra, *rb, *rr;
	pthread_create(&r, NULL, read_loop, &p.d);
	pthread_create(&a, NULL, write_loop, &wa);
	pthread_create(&b, NULL, write_loop, &wb);
	pthread_join(a, &ra);
	pthread_join(b, &rb);
	pthread_join(r, &rr);
	assert_null(ra);
	assert_null(rb);
	assert_null(rr);
	unpair(p);
}

static void test_mmsg(void **state)
{
	(void)state;
	daemon_reset(WSP_K_SCTP_STREAM, WSP_ST_ESTABLISHED);
	pair p = mkpair('1');
	struct iovec out[3] = {{"one", 3}, {"two", 3}, {"three", 5}};
	struct mmsghdr vec[3] = {0};
	for (int i = 0; i < 3; i++) {
		vec[i].msg_hdr.msg_iov = &out[i];
		vec[i].msg_hdr.msg_iovlen = 1;
	}
	assert_int_equal(shim_sendmmsg(p.app, vec, 3, 0), 3);
	assert_int_equal(vec[2].msg_len, 5);
	/* The daemon echoes them back. */
	for (int i = 0; i < 3; i++) {
		wsp_msg h;
		char b[8];
		ssize_t n = drecv(p.d, &h, b, sizeof(b));
		dsend(p.d, NULL, (uint32_t)i + 1, WSP_MF_EOR, b, (size_t)n);
	}
	char in[3][8];
	struct iovec iv[3] = {{in[0], 8}, {in[1], 8}, {in[2], 8}};
	struct mmsghdr rv[3] = {0};
	for (int i = 0; i < 3; i++) {
		rv[i].msg_hdr.msg_iov = &iv[i];
		rv[i].msg_hdr.msg_iovlen = 1;
	}
	/* MSG_WAITFORONE: the first waits, the rest do not. */
	assert_int_equal(shim_recvmmsg(p.app, rv, 3, MSG_WAITFORONE, NULL), 3);
	assert_int_equal(rv[2].msg_len, 5);
	assert_memory_equal(in[2], "three", 5);
	assert_true(rv[0].msg_hdr.msg_flags & MSG_EOR);
	dsend(p.d, NULL, 4, WSP_MF_EOR, "four", 4);
	assert_int_equal(shim_recvmmsg(p.app, rv, 3, MSG_WAITFORONE, NULL), 1);
	unpair(p);
}

/* A new socket on a number keeps nothing of the old one's partly read
 * message. */
static void test_reset(void **state)
{
	(void)state;
	daemon_reset(WSP_K_SCTP_STREAM, WSP_ST_ESTABLISHED);
	pair p = mkpair('1');
	dsend(p.d, NULL, 1, WSP_MF_EOR, "abcdef", 6);
	char buf[8];
	assert_int_equal(shim_recv(p.app, buf, 2, 0), 2);
	pair q = mkpair('1');
	dsend(q.d, NULL, 1, WSP_MF_EOR, "uvwxyz", 6);
	/* What dup2(q.app, p.app) does through the hook. */
	assert_int_equal(dup2(q.app, p.app), p.app);
	shim_fd_set(p.app, shim_fd_get(q.app));
	assert_int_equal(shim_recv(p.app, buf, 8, 0), 6);
	assert_memory_equal(buf, "uvwxyz", 6);
	unpair(p);
	unpair(q);
}

int main(void)
{
	/* Counted, never fatal: a wrong EPIPE fails a test, not the run. */
	struct sigaction sa = {.sa_handler = on_sigpipe};
	sigaction(SIGPIPE, &sa, NULL);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_kinds),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_sndinfo_build),
	    cmocka_unit_test(test_sndinfo_flags),
	    cmocka_unit_test(test_daddr),
	    cmocka_unit_test(test_cmsg_put),
	    cmocka_unit_test(test_cmsg_recv),
	    cmocka_unit_test(test_probe),
	    cmocka_unit_test(test_recv_partial),
	    cmocka_unit_test(test_recv_seq_changed),
	    cmocka_unit_test(test_recv_pieces),
	    cmocka_unit_test(test_recv_meta),
	    cmocka_unit_test(test_recv_enotconn),
	    cmocka_unit_test(test_recv_eof),
	    cmocka_unit_test_setup(test_send_one_to_one, setup),
	    cmocka_unit_test_setup(test_send_epipe, setup),
	    cmocka_unit_test_setup(test_send_one_to_many, setup),
	    cmocka_unit_test(test_send_peeled),
	    cmocka_unit_test(test_send_whole_or_nothing),
	    cmocka_unit_test(test_send_wait_for_room),
	    cmocka_unit_test(test_send_timeout),
	    cmocka_unit_test(test_send_threads),
	    cmocka_unit_test(test_mmsg),
	    cmocka_unit_test(test_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
