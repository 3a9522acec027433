/*
 * tcpinfo.c - struct tcp_info for a converted TCP socket, from its
 * SCTP association (DESIGN.md §3, addresses and options).  Programs read
 * TCP_INFO to report on a connection (iperf3's Cwnd and Retr columns, ss,
 * web servers' $tcpinfo_rtt): the figures keep the kernel's meaning and
 * units (tcp_get_info in net/ipv4/tcp.c), mapped from the association's
 * status; what SCTP or the engine does not have is zero.
 *
 * The layout is the kernel's full one from <linux/tcp.h> of the build
 * machine, not glibc's shorter one in <netinet/tcp.h>: a program compiled
 * against either gets its prefix, as the kernel's own min(len, sizeof)
 * truncation gives it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include "sock.h"
#include "tcpinfo.h"

_Static_assert(sizeof(struct tcp_info) <= WSP_OPT_MAX,
	       "struct tcp_info must fit in a wsp_rep's value");

/* TCP states as tcpi_state reports them (the kernel's include/net/
 * tcp_states.h: not in the UAPI headers, and <netinet/tcp.h>, which has
 * them, clashes with <linux/tcp.h>). */
enum {
	TI_ESTABLISHED = 1,
	TI_SYN_SENT,
	TI_SYN_RECV,
	TI_FIN_WAIT1,
	TI_FIN_WAIT2,
	TI_TIME_WAIT,
	TI_CLOSE,
	TI_CLOSE_WAIT,
	TI_LAST_ACK,
	TI_LISTEN,
	TI_CLOSING,
};

/* RFC 9260 §7.2.4: fast retransmit after three miss indications, TCP's
 * dupack threshold (tcpi_reordering, net.ipv4.tcp_reordering = 3). */
#define SCTP_MISS_THRESHOLD 3u
/* ssthresh that TCP reports as "not set yet" (TCP_INFINITE_SSTHRESH). */
#define TI_INFINITE_SSTHRESH 0x7fffffffu

static const esctp_path_info *primary_path(const esctp_status *st)
{
	if (!st)
		return NULL;
	uint32_t n = st->npaths < 8 ? st->npaths : 8;
	for (uint32_t i = 0; i < n; i++)
		if (st->paths[i].primary)
			return &st->paths[i];
	return n ? &st->paths[0] : NULL;
}

uint32_t sd_tcpinfo_mss(const esctp_status *st, const sd_tcpinfo_sock *sk)
{
	const esctp_path_info *p = primary_path(st);
	if (!p || p->mtu <= SD_SCTP_DATA_OVERHEAD)
		return sk->user_mss ? sk->user_mss : SD_TCP_MSS_DEFAULT;
	return p->mtu - SD_SCTP_DATA_OVERHEAD;
}

/* Whether something we sent (our half-close included) is not yet
 * acknowledged: TCP's FIN not acked. */
static bool send_side_busy(const esctp_status *st, const sd_tcpinfo_sock *sk)
{
	return st->unacked || st->pending || sk->eof_unsent;
}

/* SCTP has no half-closed states: a converted socket's half-close travels
 * in-band between two withsctp daemons (app_eof, peer_eof) while the
 * association stays ESTABLISHED, and SCTP SHUTDOWN closes both directions
 * at once.  The nearest TCP state:
 *
 *   COOKIE_WAIT, COOKIE_ECHOED      SYN_SENT (INIT or COOKIE ECHO out)
 *   ESTABLISHED, not yet accepted   SYN_RECV
 *   ESTABLISHED                     ESTABLISHED; after the program's
 *                                   half-close FIN_WAIT1 until all it sent
 *                                   is acked, FIN_WAIT2 then; after the
 *                                   peer's CLOSE_WAIT; after both CLOSING
 *                                   until all is acked, then CLOSE (the
 *                                   kernel too reports CLOSE to the owner
 *                                   of a socket both FINs have closed)
 *   SHUTDOWN_PENDING, _SENT         FIN_WAIT1 (our SHUTDOWN is TCP's FIN
 *                                   not acked), LAST_ACK after the peer's
 *                                   in-band half-close
 *   SHUTDOWN_RECEIVED               CLOSE_WAIT (the peer closed; we still
 *                                   send what is queued)
 *   SHUTDOWN_ACK_SENT               LAST_ACK
 *   CLOSED (aborted, lost, done)    CLOSE
 *
 * Without an association: LISTEN for a listener, else CLOSE. */
static uint8_t tcp_state(const esctp_status *st, const sd_tcpinfo_sock *sk)
{
	if (sk->state == WSP_ST_LISTEN)
		return TI_LISTEN;
	if (!st)
		return TI_CLOSE;
	switch (st->state) {
	case ESCTP_COOKIE_WAIT:
	case ESCTP_COOKIE_ECHOED:
		return TI_SYN_SENT;
	case ESCTP_ESTABLISHED:
		if (sk->state == WSP_ST_CONNECTING)
			return TI_SYN_RECV;
		if (sk->app_eof && sk->peer_eof)
			return send_side_busy(st, sk) ? TI_CLOSING : TI_CLOSE;
		if (sk->app_eof)
			return send_side_busy(st, sk) ? TI_FIN_WAIT1
						      : TI_FIN_WAIT2;
		return sk->peer_eof ? TI_CLOSE_WAIT : TI_ESTABLISHED;
	case ESCTP_SHUTDOWN_PENDING:
	case ESCTP_SHUTDOWN_SENT:
		return sk->peer_eof ? TI_LAST_ACK : TI_FIN_WAIT1;
	case ESCTP_SHUTDOWN_RECEIVED:
		return TI_CLOSE_WAIT;
	case ESCTP_SHUTDOWN_ACK_SENT:
		return TI_LAST_ACK;
	case ESCTP_CLOSED:
		break;
	}
	return TI_CLOSE;
}

/* bytes / mss rounded to the nearest segment, at least 1 when bytes is not
 * 0: TCP counts cwnd and ssthresh in segments, and iperf3 shows
 * tcpi_snd_cwnd * tcpi_snd_mss as the window in bytes. */
static uint32_t segments(uint32_t bytes, uint32_t mss)
{
	if (!bytes)
		return 0;
	uint32_t n = (uint32_t)(((uint64_t)bytes + mss / 2) / mss);
	return n ? n : 1;
}

static uint8_t cap8(uint32_t v)
{
	return v > UINT8_MAX ? UINT8_MAX : (uint8_t)v;
}

static uint32_t cap32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* The kernel reports times in microseconds (jiffies_to_usecs). */
static uint32_t ms_to_us(uint32_t ms)
{
	return cap32((uint64_t)ms * 1000u);
}

/* The IP MTU under the path: SCTP packets of p->mtu bytes in UDP (RFC
 * 6951, a non-zero encapsulation port) or directly in IP. */
static uint32_t ip_mtu(const esctp_path_info *p)
{
	uint32_t ip = p->addr.family == ESCTP_AF_INET6 ? 40u : 20u;
	return p->mtu + ip + (p->addr.port ? 8u : 0u);
}

/* The figures of an association (tcp_get_info past its listener case). */
static void fill_assoc(const esctp_status *st, const sd_tcpinfo_sock *sk,
		       struct tcp_info *ti)
{
	const esctp_path_info *p = primary_path(st);
	uint32_t mss = sd_tcpinfo_mss(st, sk);

	ti->tcpi_options = TCPI_OPT_SACK; /* SCTP always acks selectively */
	ti->tcpi_ato = ms_to_us(sk->sack_delay_ms);
	ti->tcpi_snd_mss = mss;
	ti->tcpi_rcv_mss = mss;
	ti->tcpi_advmss = mss;
	/* Chunks in flight: TCP's packets_out.  Gap-acked, lost and
	 * retransmitted-in-flight counts are not kept: 0. */
	ti->tcpi_unacked = st->unacked;
	ti->tcpi_total_retrans = cap32(st->retransmits);
	/* The window we offer stands for TCP's receive-side clamps. */
	ti->tcpi_rcv_ssthresh = st->local_rwnd;
	ti->tcpi_rcv_space = st->local_rwnd;
	ti->tcpi_notsent_bytes = st->pending;
	ti->tcpi_segs_out =
	    (uint32_t)st->packets_sent; /* u32 wraps, as TCP's */
	ti->tcpi_segs_in = (uint32_t)st->packets_received;
	ti->tcpi_bytes_received = st->bytes_received;
	/* bytes_sent counts each byte once (retransmissions are counted in
	 * chunks only); what is still in flight is not acked yet.  The
	 * flight counts chunk headers (16 bytes) and padding: less the
	 * headers, it is the payload within 3 bytes a chunk. */
	uint64_t flight = 0;
	for (uint32_t i = 0; i < st->npaths && i < 8; i++)
		flight += st->paths[i].flight;
	uint64_t hdrs = (uint64_t)st->unacked * 16u;
	uint64_t out = flight > hdrs ? flight - hdrs : 0;
	ti->tcpi_bytes_sent = st->bytes_sent;
	/* TCP's snd_wnd is the window the peer last advertised.  The
	 * engine's peer_rwnd has what is in flight taken off (RFC 9260
	 * §6.2.1 B, D); added back, it is the last a_rwnd. */
	ti->tcpi_snd_wnd = cap32(st->peer_rwnd + out);
	ti->tcpi_bytes_acked = st->bytes_sent > out ? st->bytes_sent - out : 0;
	/* TCP's delivered counts segments acked: full chunks' worth. */
	ti->tcpi_delivered = cap32((ti->tcpi_bytes_acked + mss - 1) / mss);
	if (!p)
		return;
	ti->tcpi_rto = ms_to_us(p->rto_ms);
	ti->tcpi_rtt = p->srtt_us;
	ti->tcpi_rttvar = p->rttvar_us;
	ti->tcpi_pmtu = ip_mtu(p);
	ti->tcpi_snd_cwnd = segments(p->cwnd, mss);
	uint32_t ssthresh = segments(p->ssthresh, mss);
	ti->tcpi_snd_ssthresh =
	    ssthresh < TI_INFINITE_SSTHRESH ? ssthresh : TI_INFINITE_SSTHRESH;
	/* RFC 9260 §6.3.3 E2 and §8.3: each T3-rtx or heartbeat timeout
	 * counts an error against the path and doubles its RTO, and an ack
	 * clears it: TCP's timeouts of the same segment (icsk_retransmits),
	 * its RTO backoff, and its Loss state until recovered. */
	ti->tcpi_retransmits = cap8(p->error_count);
	ti->tcpi_backoff = cap8(p->error_count);
	ti->tcpi_ca_state = p->error_count ? TCP_CA_Loss : TCP_CA_Open;
}

void sd_tcpinfo_fill(const esctp_status *st, const sd_tcpinfo_sock *sk,
		     struct tcp_info *ti)
{
	memset(ti, 0, sizeof(*ti));
	ti->tcpi_state = tcp_state(st, sk);
	/* The engine does not pace: no limit, as the kernel reports one. */
	ti->tcpi_pacing_rate = UINT64_MAX;
	ti->tcpi_max_pacing_rate = UINT64_MAX;
	ti->tcpi_reordering = SCTP_MISS_THRESHOLD;
	if (ti->tcpi_state == TI_LISTEN) {
		/* The kernel's listener aliases: tcpi_unacked is the accept
		 * queue (not counted here: the records wait in the
		 * listener's channel), tcpi_sacked the backlog. */
		ti->tcpi_sacked = sk->backlog;
		return;
	}
	if (!st) {
		/* As tcp_get_info for a socket not connected yet. */
		ti->tcpi_rto = ms_to_us(sk->rto_initial_ms);
		ti->tcpi_snd_mss = sd_tcpinfo_mss(NULL, sk);
		return;
	}
	fill_assoc(st, sk, ti);
}

/* The program's TCP_MAXSEG, if it set one (recorded by sd_sock_setopt). */
static uint32_t user_mss(const wsock *s)
{
	for (unsigned i = 0; i < s->nopts; i++) {
		const sd_opt *o = &s->opts[i];
		if (o->level == IPPROTO_TCP && o->name == TCP_MAXSEG) {
			int v = 0;
			memcpy(&v, o->val,
			       o->len < sizeof(v) ? o->len : sizeof(v));
			return v > 0 ? (uint32_t)v : 0;
		}
	}
	return 0;
}

int sd_tcpinfo_getopt(wsock *s, int name, void *val, uint32_t *len)
{
	esctp_config cfg;
	esctp_config_default(&cfg);
	sd_tcpinfo_sock sk = {
	    .state = s->state,
	    .app_eof = s->app_eof,
	    .peer_eof = s->peer_eof,
	    .eof_unsent = s->marker_due,
	    .backlog = s->backlog > 0 ? (uint32_t)s->backlog : 0,
	    .user_mss = user_mss(s),
	    .rto_initial_ms = s->params.rto_initial ? s->params.rto_initial
						    : cfg.rto_initial_ms,
	    .sack_delay_ms = cfg.sack_delay_ms,
	};
	esctp_status st;
	if (s->a)
		esctp_assoc_status(s->a, &st);

	if (name == TCP_MAXSEG) {
		int mss = (int)sd_tcpinfo_mss(s->a ? &st : NULL, &sk);
		memcpy(val, &mss, sizeof(mss));
		*len = sizeof(mss);
		return 0;
	}
	if (name != TCP_INFO)
		return ENOPROTOOPT;
	struct tcp_info ti;
	sd_tcpinfo_fill(s->a ? &st : NULL, &sk, &ti);
	memcpy(val, &ti, sizeof(ti));
	*len = sizeof(ti);
	return 0;
}
