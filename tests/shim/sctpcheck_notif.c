/*
 * sctpcheck_notif.c - control messages (SCTP_SNDRCV, SCTP_RCVINFO,
 * SCTP_SNDINFO, sctp_sendv/sctp_recvv) and notifications (SCTP_EVENTS,
 * SCTP_EVENT and the events a socket gets).  Every notification is read by
 * rcv_notif, which checks MSG_NOTIFICATION|MSG_EOR and sn_length.
 */
#define _GNU_SOURCE
#include "sctpcheck.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* sctp_recvmsg: SCTP_SNDRCV only when sctp_data_io_event is on. */
void t_cmsg_sndrcv(void)
{
	int lis, cli, srv;
	char buf[16];
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	EXPECT_EQ(SYS(send(cli, "a", 1, 0)), 1);
	rmsg m = rcv(srv, buf, sizeof(buf), 0);
	EXPECT(m.n == 1 && m.ncmsg == 0,
	       "unsubscribed: expected 1 byte and no cmsg, got %zd and %d", m.n,
	       m.ncmsg);
	struct sctp_event_subscribe es;
	memset(&es, 0, sizeof(es));
	es.sctp_data_io_event = 1;
	SYS(setsockopt(srv, IPPROTO_SCTP, SCTP_EVENTS, &es, sizeof(es)));
	struct sctp_sndrcvinfo si = {.sinfo_stream = 2, .sinfo_ppid = 9};
	EXPECT_EQ(SYS(snd(cli, "b", 1, NULL, 0, &si, 0)), 1);
	m = rcv(srv, buf, sizeof(buf), 0);
	EXPECT(m.n == 1 && m.ncmsg == 1 && m.has_sndrcv,
	       "subscribed: expected 1 byte and one SCTP_SNDRCV, got %zd "
	       "and %d cmsg",
	       m.n, m.ncmsg);
	EXPECT_EQ(m.sndrcv.sinfo_stream, 2);
	EXPECT_EQ(m.sndrcv.sinfo_ppid, 9);
}

/* sctp_recvmsg: SCTP_RCVINFO only with SCTP_RECVRCVINFO
 * (sctp_ulpevent_read_rcvinfo), and no SCTP_SNDRCV then. */
void t_cmsg_rcvinfo(void)
{
	int lis, cli, srv;
	char buf[16];
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	EXPECT_EQ(SYS(send(cli, "a", 1, 0)), 1);
	rmsg m = rcv(srv, buf, sizeof(buf), 0);
	EXPECT(m.ncmsg == 0, "without RECVRCVINFO: %d cmsg", m.ncmsg);
	set_int(srv, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1);
	struct sctp_sndrcvinfo si = {.sinfo_stream = 5, .sinfo_ppid = 0x11};
	EXPECT_EQ(SYS(snd(cli, "b", 1, NULL, 0, &si, 0)), 1);
	m = rcv(srv, buf, sizeof(buf), 0);
	EXPECT(m.ncmsg == 1 && m.has_rcvinfo,
	       "with RECVRCVINFO: expected one SCTP_RCVINFO, got %d cmsg "
	       "(RCVINFO %d, SNDRCV %d)",
	       m.ncmsg, m.has_rcvinfo, m.has_sndrcv);
	EXPECT_EQ(m.rcv.rcv_sid, 5);
	EXPECT_EQ(m.rcv.rcv_ssn, 0);
	EXPECT_EQ(m.rcv.rcv_ppid, 0x11);
	EXPECT_EQ(m.rcv.rcv_flags, 0);
	EXPECT_EQ(m.rcv.rcv_assoc_id, assoc_id(srv));
}

/* sctp_msghdr_parse: an SCTP_SNDINFO cmsg gives stream, flags and ppid
 * like SCTP_SNDRCV. */
void t_cmsg_sndinfo(void)
{
	int lis, cli, srv;
	char buf[16], cbuf[CMSG_SPACE(sizeof(struct sctp_sndinfo))];
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	set_int(srv, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1);
	struct sctp_sndinfo sn = {
	    .snd_sid = 4, .snd_flags = SCTP_UNORDERED, .snd_ppid = 0xabcdef01};
	struct iovec iov = {.iov_base = "si", .iov_len = 2};
	struct msghdr h = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = cbuf,
			   .msg_controllen = sizeof(cbuf)};
	memset(cbuf, 0, sizeof(cbuf));
	struct cmsghdr *c = CMSG_FIRSTHDR(&h);
	c->cmsg_level = IPPROTO_SCTP;
	c->cmsg_type = SCTP_SNDINFO;
	c->cmsg_len = CMSG_LEN(sizeof(sn));
	memcpy(CMSG_DATA(c), &sn, sizeof(sn));
	EXPECT_EQ(SYS(sendmsg(cli, &h, 0)), 2);
	rmsg m = rcv(srv, buf, sizeof(buf), 0);
	EXPECT(m.n == 2 && m.has_rcvinfo, "%zd bytes, RCVINFO %d", m.n,
	       m.has_rcvinfo);
	EXPECT_EQ(m.rcv.rcv_sid, 4);
	EXPECT_EQ(m.rcv.rcv_flags, SCTP_UNORDERED);
	EXPECT_EQ(m.rcv.rcv_ppid, 0xabcdef01);
}

/* libsctp's sctp_sendv (SCTP_SENDV_SNDINFO) and sctp_recvv
 * (SCTP_RECVV_RCVINFO when SCTP_RECVRCVINFO is on). */
void t_cmsg_sendv_recvv(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	set_int(srv, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1);
	struct sctp_sndinfo sn = {.snd_sid = 2, .snd_ppid = 5};
	struct iovec iov[2] = {{"se", 2}, {"ndv", 3}};
	EXPECT_EQ(SYS(sctp_sendv(cli, iov, 2, NULL, 0, &sn, sizeof(sn),
				 SCTP_SENDV_SNDINFO, 0)),
		  5);
	char buf[16];
	struct iovec riov = {buf, sizeof(buf)};
	struct sctp_rcvinfo ri;
	socklen_t ril = sizeof(ri);
	unsigned int type = 99;
	int flags = 0;
	EXPECT(wait_ev(srv, POLLIN, WAIT_MS), "nothing to read");
	EXPECT_EQ(SYS(sctp_recvv(srv, &riov, 1, NULL, NULL, &ri, &ril, &type,
				 &flags)),
		  5);
	EXPECT(memcmp(buf, "sendv", 5) == 0, "not \"sendv\"");
	EXPECT_EQ(type, SCTP_RECVV_RCVINFO);
	EXPECT_EQ(ril, sizeof(ri));
	EXPECT_EQ(ri.rcv_sid, 2);
	EXPECT_EQ(ri.rcv_ppid, 5);
	EXPECT(flags & MSG_EOR, "no MSG_EOR (flags %#x)", flags);
}

/* sctp_ulpevent_make_assoc_change (COMM_UP, from sctp_sf_do_5_1E_ca and
 * sctp_sf_do_5_1D_ce): the streams are each side's outbound streams
 * capped by the peer's max inbound (sctp_process_init).  A one-to-one
 * socket gets it too.  Client: 5 out, 7 max in; server: the defaults (10
 * out, 65535 max in). */
void t_notif_comm_up(void)
{
	int srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	subscribe(srv, SCTP_ASSOC_CHANGE);
	int cli = sk(AF_INET, SOCK_STREAM);
	subscribe(cli, SCTP_ASSOC_CHANGE);
	struct sctp_initmsg im = {.sinit_num_ostreams = 5,
				  .sinit_max_instreams = 7};
	SYS(setsockopt(cli, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof(im)));
	sk_connect(cli, AF_INET, 0);
	union sctp_notification *sn = rcv_notif(cli);
	struct sctp_assoc_change *ac = &sn->sn_assoc_change;
	EXPECT_EQ(ac->sac_type, SCTP_ASSOC_CHANGE);
	EXPECT_EQ(ac->sac_state, SCTP_COMM_UP);
	EXPECT_EQ(ac->sac_error, 0);
	EXPECT_EQ(ac->sac_outbound_streams, 5);
	EXPECT_EQ(ac->sac_inbound_streams, 7);
	EXPECT(ac->sac_length >= sizeof(*ac), "sac_length %u", ac->sac_length);
	EXPECT_EQ(ac->sac_assoc_id, assoc_id(cli));
	sn = rcv_notif(srv);
	ac = &sn->sn_assoc_change;
	EXPECT_EQ(ac->sac_type, SCTP_ASSOC_CHANGE);
	EXPECT_EQ(ac->sac_state, SCTP_COMM_UP);
	EXPECT_EQ(ac->sac_outbound_streams, 7);
	EXPECT_EQ(ac->sac_inbound_streams, 5);
	EXPECT_EQ(ac->sac_assoc_id, assoc_id(srv));
}

/* An ABORT (the peer closed with SO_LINGER {1, 0}, sctp_close: its
 * ABORT has one User-Initiated Abort cause, sctp_make_abort_user(asoc,
 * NULL, 0)): __sctp_sf_do_9_1_abort gives COMM_LOST (sctp_cmd_assoc_failed)
 * whose sac_error is the first cause code as it is on the wire (__be16)
 * and whose sac_info is the chunk's causes; sk_err ECONNRESET, which a
 * read returns once the queue is empty. */
void t_notif_comm_lost(void)
{
	int lis, cli, srv;
	char buf[16];
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	subscribe(cli, SCTP_ASSOC_CHANGE);
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	SYS(setsockopt(srv, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(srv);
	union sctp_notification *sn = rcv_notif(cli);
	struct sctp_assoc_change *ac = &sn->sn_assoc_change;
	static const uint8_t cause[] = {0, 12, 0, 4};
	EXPECT_EQ(ac->sac_type, SCTP_ASSOC_CHANGE);
	EXPECT_EQ(ac->sac_state, SCTP_COMM_LOST);
	EXPECT_EQ(ac->sac_error, htons(12));
	EXPECT_EQ(ac->sac_length, sizeof(*ac) + sizeof(cause));
	EXPECT(memcmp(ac->sac_info, cause, sizeof(cause)) == 0,
	       "sac_info %02x %02x %02x %02x", ac->sac_info[0],
	       ac->sac_info[1], ac->sac_info[2], ac->sac_info[3]);
	EXPECT_ERR(recv(cli, buf, sizeof(buf), MSG_DONTWAIT), ECONNRESET);
}

/* SCTP_ABORT with a reason on a one-to-many socket
 * (sctp_sendmsg_check_sflags: sctp_make_abort_user(asoc, msg, len)): the
 * peer's COMM_LOST carries the User-Initiated Abort cause with the reason
 * in sac_info; the aborting side's own COMM_LOST (a primitive, no chunk)
 * has only the struct, sac_error SCTP_ERROR_USER_ABORT. */
void t_notif_comm_lost_reason(void)
{
	int srv = sk_listen(AF_INET, SOCK_SEQPACKET, 0);
	subscribe(srv, SCTP_ASSOC_CHANGE);
	int cli = sk(AF_INET, SOCK_STREAM);
	subscribe(cli, SCTP_ASSOC_CHANGE);
	sk_connect(cli, AF_INET, 0);
	wait_notif(cli, SCTP_ASSOC_CHANGE, SCTP_COMM_UP);
	union sctp_notification *sn =
	    wait_notif(srv, SCTP_ASSOC_CHANGE, SCTP_COMM_UP);
	struct sctp_sndrcvinfo si = {.sinfo_flags = SCTP_ABORT,
				     .sinfo_assoc_id =
					 sn->sn_assoc_change.sac_assoc_id};
	EXPECT_EQ(SYS(snd(srv, "bye!!", 5, NULL, 0, &si, 0)), 0);
	sn = wait_notif(srv, SCTP_ASSOC_CHANGE, SCTP_COMM_LOST);
	EXPECT_EQ(sn->sn_assoc_change.sac_length,
		  sizeof(struct sctp_assoc_change));
	EXPECT_EQ(sn->sn_assoc_change.sac_error, htons(12));
	sn = wait_notif(cli, SCTP_ASSOC_CHANGE, SCTP_COMM_LOST);
	struct sctp_assoc_change *ac = &sn->sn_assoc_change;
	static const uint8_t cause[] = {0, 12, 0, 9, 'b', 'y', 'e', '!', '!'};
	EXPECT_EQ(ac->sac_error, htons(12));
	EXPECT_EQ(ac->sac_length, sizeof(*ac) + sizeof(cause));
	EXPECT(memcmp(ac->sac_info, cause, sizeof(cause)) == 0,
	       "sac_info not the cause with the reason");
}

/* The peer's graceful close: SHUTDOWN, then SHUTDOWN_COMP when the
 * SHUTDOWN COMPLETE comes (sctp_sf_do_4_C); then reads give 0. */
void t_notif_shutdown_comp(void)
{
	int lis, cli, srv;
	char buf[16];
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	subscribe(cli, SCTP_ASSOC_CHANGE);
	close(srv);
	union sctp_notification *sn = rcv_notif(cli);
	EXPECT_EQ(sn->sn_header.sn_type, SCTP_ASSOC_CHANGE);
	EXPECT_EQ(sn->sn_assoc_change.sac_state, SCTP_SHUTDOWN_COMP);
	rmsg m = rcv(cli, buf, sizeof(buf), 0);
	EXPECT_EQ(m.n, 0);
}

/* An INIT answered by ABORT (no endpoint on the port): connect fails
 * with ECONNREFUSED (sctp_wait_for_connect) and sctp_cmd_init_failed
 * queues ASSOC_CHANGE CANT_STR_ASSOC on the one-to-many socket. */
void t_notif_cant_str_assoc(void)
{
	int fd = sk(AF_INET, SOCK_SEQPACKET);
	subscribe(fd, SCTP_ASSOC_CHANGE);
	addr a;
	socklen_t l = loop_addr(&a, AF_INET, 1);
	EXPECT_ERR(connect(fd, &a.sa, l), ECONNREFUSED);
	union sctp_notification *sn = rcv_notif(fd);
	EXPECT_EQ(sn->sn_header.sn_type, SCTP_ASSOC_CHANGE);
	EXPECT_EQ(sn->sn_assoc_change.sac_state, SCTP_CANT_STR_ASSOC);
}

/* sctp_sf_do_9_2_shutdown: the peer's SHUTDOWN gives SHUTDOWN_EVENT
 * (struct sctp_shutdown_event, 12 bytes). */
void t_notif_shutdown_event(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	subscribe(cli, SCTP_SHUTDOWN_EVENT);
	sctp_assoc_t id = assoc_id(cli);
	close(srv);
	union sctp_notification *sn = rcv_notif(cli);
	EXPECT_EQ(sn->sn_header.sn_type, SCTP_SHUTDOWN_EVENT);
	EXPECT_EQ(sn->sn_header.sn_length, sizeof(struct sctp_shutdown_event));
	EXPECT_EQ(sn->sn_shutdown_event.sse_assoc_id, id);
}

/* sctp_setsockopt_events: subscribing to SENDER_DRY with nothing
 * outstanding queues the event at once (sctp_id2assoc(sk, 0): the
 * one-to-one socket's association). */
void t_notif_sender_dry(void)
{
	int lis, cli, srv;
	o2o_pair(AF_INET, 0, &lis, &cli, &srv);
	EXPECT(!wait_ev(cli, POLLIN, 100), "readable before subscribing");
	struct sctp_event_subscribe es;
	memset(&es, 0, sizeof(es));
	es.sctp_sender_dry_event = 1;
	SYS(setsockopt(cli, IPPROTO_SCTP, SCTP_EVENTS, &es, sizeof(es)));
	EXPECT(wait_ev(cli, POLLIN, 1000), "no SENDER_DRY within 1 s");
	union sctp_notification *sn = rcv_notif(cli);
	EXPECT_EQ(sn->sn_header.sn_type, SCTP_SENDER_DRY_EVENT);
	EXPECT_EQ(sn->sn_header.sn_length,
		  sizeof(struct sctp_sender_dry_event));
	EXPECT_EQ(sn->sn_sender_dry_event.sender_dry_assoc_id, assoc_id(cli));
}

/* sctp_sf_do_5_1E_ca: after COMM_UP, ADAPTATION_INDICATION with the
 * indication the peer set with SCTP_ADAPTATION_LAYER (16 bytes). */
void t_notif_adaptation(void)
{
	int lis = sk_bound(AF_INET, SOCK_STREAM, 0);
	struct sctp_setadaptation ad = {.ssb_adaptation_ind = 0x01020304};
	SYS(setsockopt(lis, IPPROTO_SCTP, SCTP_ADAPTATION_LAYER, &ad,
		       sizeof(ad)));
	memset(&ad, 0, sizeof(ad));
	socklen_t l = sizeof(ad);
	SYS(getsockopt(lis, IPPROTO_SCTP, SCTP_ADAPTATION_LAYER, &ad, &l));
	EXPECT_EQ(ad.ssb_adaptation_ind, 0x01020304);
	SYS(listen(lis, 4));
	int cli = sk(AF_INET, SOCK_STREAM);
	subscribe(cli, SCTP_ASSOC_CHANGE);
	subscribe(cli, SCTP_ADAPTATION_INDICATION);
	sk_connect(cli, AF_INET, 0);
	union sctp_notification *sn = rcv_notif(cli);
	EXPECT_EQ(sn->sn_header.sn_type, SCTP_ASSOC_CHANGE);
	sn = rcv_notif(cli);
	EXPECT_EQ(sn->sn_header.sn_type, SCTP_ADAPTATION_INDICATION);
	EXPECT_EQ(sn->sn_header.sn_length,
		  sizeof(struct sctp_adaptation_event));
	EXPECT_EQ(sn->sn_adaptation_event.sai_adaptation_ind, 0x01020304);
}

/* sctp_setsockopt_events takes any length up to the kernel's struct (old
 * programs pass shorter ones), longer is EINVAL; sctp_getsockopt_events
 * reports min(len, sizeof(struct sctp_event_subscribe)), 0 is EINVAL. */
void t_notif_events_len(void)
{
	int fd = sk(AF_INET, SOCK_SEQPACKET);
	const socklen_t full = sizeof(struct sctp_event_subscribe);
	uint8_t ev[32];
	memset(ev, 1, 9);
	SYS(setsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, ev, 9));
	memset(ev, 0xee, sizeof(ev));
	socklen_t l = sizeof(ev);
	SYS(getsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, ev, &l));
	EXPECT_EQ(l, full);
	for (socklen_t i = 0; i < full; i++)
		EXPECT(ev[i] == (i < 9), "byte %u: expected %d, got %d", i,
		       i < 9, ev[i]);
	EXPECT_EQ(ev[full], 0xee);
	l = 9;
	SYS(getsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, ev, &l));
	EXPECT_EQ(l, 9);
	l = 0;
	EXPECT_ERR(getsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, ev, &l), EINVAL);
	memset(ev, 0, sizeof(ev));
	EXPECT_ERR(setsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, ev, full + 1),
		   EINVAL);
}

/* sctp_setsockopt_event / sctp_getsockopt_event: every type from
 * SCTP_SN_TYPE_BASE (data io) to SCTP_SN_TYPE_MAX, on and off, seen
 * through SCTP_EVENTS too; a type out of range is EINVAL. */
void t_notif_event_types(void)
{
	int fd = sk(AF_INET, SOCK_SEQPACKET);
	for (int t = SCTP_SN_TYPE_BASE; t <= SCTP_SN_TYPE_MAX; t++) {
		for (int on = 1; on >= 0; on--) {
			struct sctp_event ev = {.se_assoc_id =
						    SCTP_FUTURE_ASSOC,
						.se_type = (uint16_t)t,
						.se_on = (uint8_t)on};
			if (setsockopt(fd, IPPROTO_SCTP, SCTP_EVENT, &ev,
				       sizeof(ev)) < 0)
				fail("SCTP_EVENT %#x on=%d: %s", t, on,
				     ename(errno));
			ev.se_on = 0xee;
			socklen_t l = sizeof(ev);
			SYS(getsockopt(fd, IPPROTO_SCTP, SCTP_EVENT, &ev, &l));
			EXPECT(ev.se_on == on,
			       "type %#x: expected se_on %d, "
			       "got %d",
			       t, on, ev.se_on);
			uint8_t all[sizeof(struct sctp_event_subscribe)];
			l = sizeof(all);
			SYS(getsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, all, &l));
			EXPECT(all[t - SCTP_SN_TYPE_BASE] == on,
			       "type %#x: SCTP_EVENTS byte %d is %d, not %d", t,
			       t - SCTP_SN_TYPE_BASE,
			       all[t - SCTP_SN_TYPE_BASE], on);
		}
	}
	struct sctp_event ev = {.se_type = SCTP_SN_TYPE_MAX + 1, .se_on = 1};
	EXPECT_ERR(setsockopt(fd, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev)),
		   EINVAL);
	socklen_t l = 4;
	EXPECT_ERR(getsockopt(fd, IPPROTO_SCTP, SCTP_EVENT, &ev, &l), EINVAL);
}
