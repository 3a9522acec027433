/*
 * test_tcpinfo.c - TCP_INFO and TCP_MAXSEG of converted sockets
 * (cli/sctpd/tcpinfo.c): the kernel's struct tcp_info and units from an
 * esctp_status (MSS, cwnd in segments, microseconds, the TCP state each
 * SCTP state maps to, listeners and unconnected sockets), then from real
 * associations of the A/Z simulator, through the daemon's getsockopt hook.
 */
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../cli/sctpd/sock.h"
#include "../../cli/sctpd/tcpinfo.h"
#include "../sim/sim.h"

/* The kernel's TCP states (include/net/tcp_states.h). */
enum {
	ST_ESTABLISHED = 1,
	ST_SYN_SENT = 2,
	ST_SYN_RECV = 3,
	ST_FIN_WAIT1 = 4,
	ST_FIN_WAIT2 = 5,
	ST_CLOSE = 7,
	ST_CLOSE_WAIT = 8,
	ST_LAST_ACK = 9,
	ST_LISTEN = 10,
	ST_CLOSING = 11,
};

/* An established association over UDP on IPv4 with a 1452-byte path
 * (HOST_MTU_ETHERNET): 20 ms SRTT, 5 ms RTTVAR, 1 s RTO. */
static esctp_status status_v4(void)
{
	esctp_status st = {0};
	st.state = ESCTP_ESTABLISHED;
	st.npaths = 1;
	st.peer_rwnd = 200000;
	st.local_rwnd = 150000;
	st.bytes_sent = 1000000;
	st.bytes_received = 4242;
	st.packets_sent = 800;
	st.packets_received = 500;
	st.retransmits = 7;
	esctp_path_info *p = &st.paths[0];
	p->addr.family = ESCTP_AF_INET;
	p->addr.port = 9899;
	p->primary = true;
	p->mtu = 1452;
	p->cwnd = 4 * 1424;
	p->ssthresh = 100 * 1424 + 800; /* 100.56 segments: rounds up */
	p->srtt_ms = 20;
	p->srtt_us = 20345;
	p->rttvar_us = 5000;
	p->rto_ms = 1000;
	return st;
}

static const sd_tcpinfo_sock est_sock = {
    .state = WSP_ST_ESTABLISHED, .rto_initial_ms = 1000, .sack_delay_ms = 200};

static void test_mss(void **state)
{
	(void)state;
	esctp_status st = status_v4();
	/* 1452 - 12 (common header) - 16 (DATA chunk header). */
	assert_int_equal(sd_tcpinfo_mss(&st, &est_sock), 1424);
	/* The primary path decides, not the first. */
	st.npaths = 2;
	st.paths[1] = st.paths[0];
	st.paths[0].primary = false;
	st.paths[0].mtu = 1200;
	assert_int_equal(sd_tcpinfo_mss(&st, &est_sock), 1424);
	/* No path: the kernel's default, or what the program set. */
	assert_int_equal(sd_tcpinfo_mss(NULL, &est_sock), 536);
	sd_tcpinfo_sock sk = est_sock;
	sk.user_mss = 1000;
	assert_int_equal(sd_tcpinfo_mss(NULL, &sk), 1000);
	st.npaths = 0;
	assert_int_equal(sd_tcpinfo_mss(&st, &sk), 1000);
}

static void test_established(void **state)
{
	(void)state;
	esctp_status st = status_v4();
	struct tcp_info ti;
	memset(&ti, 0xa5, sizeof(ti));
	sd_tcpinfo_fill(&st, &est_sock, &ti);
	assert_int_equal(ti.tcpi_state, ST_ESTABLISHED);
	assert_int_equal(ti.tcpi_ca_state, TCP_CA_Open);
	assert_int_equal(ti.tcpi_options, TCPI_OPT_SACK);
	assert_int_equal(ti.tcpi_snd_mss, 1424);
	assert_int_equal(ti.tcpi_rcv_mss, 1424);
	assert_int_equal(ti.tcpi_advmss, 1424);
	/* Microseconds, as the kernel's jiffies_to_usecs and srtt_us >> 3. */
	assert_int_equal(ti.tcpi_rto, 1000000);
	assert_int_equal(ti.tcpi_rtt, 20345);
	assert_int_equal(ti.tcpi_rttvar, 5000);
	assert_int_equal(ti.tcpi_ato, 200000);
	/* cwnd and ssthresh in segments; iperf3's Cwnd is cwnd * mss. */
	assert_int_equal(ti.tcpi_snd_cwnd, 4);
	assert_int_equal(ti.tcpi_snd_ssthresh, 101);
	/* The IP MTU: SCTP packet + UDP + IPv4 header. */
	assert_int_equal(ti.tcpi_pmtu, 1452 + 8 + 20);
	assert_int_equal(ti.tcpi_reordering, 3);
	assert_int_equal(ti.tcpi_total_retrans, 7);
	assert_int_equal(ti.tcpi_retransmits, 0);
	assert_int_equal(ti.tcpi_snd_wnd, 200000);
	assert_int_equal(ti.tcpi_rcv_space, 150000);
	assert_int_equal(ti.tcpi_segs_out, 800);
	assert_int_equal(ti.tcpi_segs_in, 500);
	assert_true(ti.tcpi_bytes_received == 4242);
	/* Nothing in flight: every byte sent is acked. */
	assert_true(ti.tcpi_bytes_acked == 1000000);
	assert_true(ti.tcpi_bytes_sent == 1000000);
	assert_int_equal(ti.tcpi_delivered, (1000000 + 1423) / 1424);
	assert_true(ti.tcpi_max_pacing_rate == UINT64_MAX);
	/* What SCTP or the engine does not have is zero, not stale. */
	assert_int_equal(ti.tcpi_lost, 0);
	assert_int_equal(ti.tcpi_sacked, 0);
	assert_int_equal(ti.tcpi_last_data_sent, 0);
	assert_int_equal(ti.tcpi_min_rtt, 0);
	assert_int_equal(ti.tcpi_snd_wscale, 0);
	assert_true(ti.tcpi_busy_time == 0);
	assert_int_equal(ti.tcpi_dsack_dups, 0);
}

static void test_in_flight_and_loss(void **state)
{
	(void)state;
	esctp_status st = status_v4();
	/* 3 chunks of 1000 bytes in flight: 3 * (16 + 1000) on the path. */
	st.unacked = 3;
	st.paths[0].flight = 3 * 1016;
	st.paths[0].cwnd = 1452; /* after a T3-rtx: one MTU */
	st.paths[0].error_count = 2;
	st.paths[0].rto_ms = 4000;
	struct tcp_info ti;
	sd_tcpinfo_fill(&st, &est_sock, &ti);
	assert_int_equal(ti.tcpi_unacked, 3);
	assert_true(ti.tcpi_bytes_acked == 1000000 - 3000);
	/* The peer's advertised window: what the engine has left plus what
	 * it took off for the chunks in flight. */
	assert_int_equal(ti.tcpi_snd_wnd, 200000 + 3000);
	assert_int_equal(ti.tcpi_snd_cwnd, 1);
	/* Two timeouts on the path: TCP's icsk_retransmits and backoff. */
	assert_int_equal(ti.tcpi_retransmits, 2);
	assert_int_equal(ti.tcpi_backoff, 2);
	assert_int_equal(ti.tcpi_ca_state, TCP_CA_Loss);
	assert_int_equal(ti.tcpi_rto, 4000000);
	/* An IPv6 path without UDP (raw IP protocol 132). */
	st.paths[0].addr.family = ESCTP_AF_INET6;
	st.paths[0].addr.port = 0;
	sd_tcpinfo_fill(&st, &est_sock, &ti);
	assert_int_equal(ti.tcpi_pmtu, 1452 + 40);
	/* A huge ssthresh stays under TCP's "infinite". */
	st.paths[0].ssthresh = UINT32_MAX;
	sd_tcpinfo_fill(&st, &est_sock, &ti);
	assert_true(ti.tcpi_snd_ssthresh <= 0x7fffffff);
	assert_true(ti.tcpi_snd_ssthresh > 1000);
}

static uint8_t state_of(esctp_state es, int ws, bool app_eof, bool peer_eof,
			uint32_t unacked)
{
	esctp_status st = status_v4();
	st.state = es;
	st.unacked = unacked;
	sd_tcpinfo_sock sk = est_sock;
	sk.state = ws;
	sk.app_eof = app_eof;
	sk.peer_eof = peer_eof;
	struct tcp_info ti;
	sd_tcpinfo_fill(&st, &sk, &ti);
	return ti.tcpi_state;
}

static void test_states(void **state)
{
	(void)state;
	int E = WSP_ST_ESTABLISHED;
	assert_int_equal(
	    state_of(ESCTP_COOKIE_WAIT, WSP_ST_CONNECTING, 0, 0, 0),
	    ST_SYN_SENT);
	assert_int_equal(
	    state_of(ESCTP_COOKIE_ECHOED, WSP_ST_CONNECTING, 0, 0, 0),
	    ST_SYN_SENT);
	assert_int_equal(
	    state_of(ESCTP_ESTABLISHED, WSP_ST_CONNECTING, 0, 0, 0),
	    ST_SYN_RECV);
	assert_int_equal(state_of(ESCTP_ESTABLISHED, E, 0, 0, 0),
			 ST_ESTABLISHED);
	/* The in-band half-close between withsctp daemons. */
	assert_int_equal(state_of(ESCTP_ESTABLISHED, E, 1, 0, 1), ST_FIN_WAIT1);
	assert_int_equal(state_of(ESCTP_ESTABLISHED, E, 1, 0, 0), ST_FIN_WAIT2);
	assert_int_equal(state_of(ESCTP_ESTABLISHED, E, 0, 1, 0),
			 ST_CLOSE_WAIT);
	assert_int_equal(state_of(ESCTP_ESTABLISHED, E, 1, 1, 2), ST_CLOSING);
	assert_int_equal(state_of(ESCTP_ESTABLISHED, E, 1, 1, 0), ST_CLOSE);
	/* SCTP SHUTDOWN. */
	assert_int_equal(state_of(ESCTP_SHUTDOWN_PENDING, E, 1, 0, 1),
			 ST_FIN_WAIT1);
	assert_int_equal(state_of(ESCTP_SHUTDOWN_SENT, E, 1, 0, 0),
			 ST_FIN_WAIT1);
	assert_int_equal(state_of(ESCTP_SHUTDOWN_SENT, E, 1, 1, 0),
			 ST_LAST_ACK);
	assert_int_equal(
	    state_of(ESCTP_SHUTDOWN_RECEIVED, WSP_ST_CLOSING, 0, 1, 0),
	    ST_CLOSE_WAIT);
	assert_int_equal(
	    state_of(ESCTP_SHUTDOWN_ACK_SENT, WSP_ST_CLOSING, 1, 1, 0),
	    ST_LAST_ACK);
	assert_int_equal(state_of(ESCTP_CLOSED, WSP_ST_CLOSED, 0, 0, 0),
			 ST_CLOSE);
	/* The half-close marker not yet handed to the engine. */
	esctp_status st = status_v4();
	sd_tcpinfo_sock sk = est_sock;
	sk.app_eof = sk.eof_unsent = true;
	struct tcp_info ti;
	sd_tcpinfo_fill(&st, &sk, &ti);
	assert_int_equal(ti.tcpi_state, ST_FIN_WAIT1);
}

static void test_no_association(void **state)
{
	(void)state;
	struct tcp_info ti;
	memset(&ti, 0xa5, sizeof(ti));
	sd_tcpinfo_sock sk = {
	    .state = WSP_ST_LISTEN, .backlog = 128, .rto_initial_ms = 1000};
	sd_tcpinfo_fill(NULL, &sk, &ti);
	/* The kernel's listener aliases: tcpi_sacked is the backlog. */
	assert_int_equal(ti.tcpi_state, ST_LISTEN);
	assert_int_equal(ti.tcpi_sacked, 128);
	assert_int_equal(ti.tcpi_unacked, 0);
	assert_int_equal(ti.tcpi_rto, 0);
	assert_int_equal(ti.tcpi_snd_mss, 0);
	assert_int_equal(ti.tcpi_reordering, 3);

	sk.state = WSP_ST_NEW;
	sd_tcpinfo_fill(NULL, &sk, &ti);
	assert_int_equal(ti.tcpi_state, ST_CLOSE);
	assert_int_equal(ti.tcpi_rto, 1000000);
	assert_int_equal(ti.tcpi_snd_mss, 536);
	assert_int_equal(ti.tcpi_rtt, 0);
	assert_int_equal(ti.tcpi_snd_cwnd, 0);
	assert_true(ti.tcpi_bytes_acked == 0);
}

/* ---- the getsockopt hook on sockets of the A/Z simulator ---- */

static wsock *sock_new(esctp_assoc *a, int state)
{
	wsock *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	s->a = a;
	s->state = state;
	s->fd = s->appdup = -1;
	return s;
}

static struct tcp_info getopt_info(wsock *s)
{
	uint8_t buf[WSP_OPT_MAX];
	uint32_t len = sizeof(buf);
	struct tcp_info ti;
	assert_int_equal(sd_tcpinfo_getopt(s, TCP_INFO, buf, &len), 0);
	/* The kernel's full layout, every byte. */
	assert_int_equal(len, sizeof(struct tcp_info));
	memcpy(&ti, buf, sizeof(ti));
	return ti;
}

static int getopt_mss(wsock *s)
{
	int mss = -1;
	uint32_t len = WSP_OPT_MAX;
	uint8_t buf[WSP_OPT_MAX];
	assert_int_equal(sd_tcpinfo_getopt(s, TCP_MAXSEG, buf, &len), 0);
	assert_int_equal(len, sizeof(int));
	memcpy(&mss, buf, sizeof(mss));
	return mss;
}

static void test_getopt_unconnected(void **state)
{
	(void)state;
	wsock *s = sock_new(NULL, WSP_ST_NEW);
	assert_int_equal(getopt_mss(s), 536);
	/* TCP_MAXSEG the program set is what it reads back before the
	 * path is known, as on TCP. */
	s->opts[0] = (sd_opt){
	    .level = IPPROTO_TCP, .name = TCP_MAXSEG, .len = sizeof(int)};
	int v = 1200;
	memcpy(s->opts[0].val, &v, sizeof(v));
	s->nopts = 1;
	assert_int_equal(getopt_mss(s), 1200);
	s->params.rto_initial = 3000;
	struct tcp_info ti = getopt_info(s);
	assert_int_equal(ti.tcpi_state, ST_CLOSE);
	assert_int_equal(ti.tcpi_rto, 3000000);
	uint32_t len = WSP_OPT_MAX;
	uint8_t buf[WSP_OPT_MAX];
	assert_int_equal(sd_tcpinfo_getopt(s, TCP_CORK, buf, &len),
			 ENOPROTOOPT);
	free(s);
}

static void send_bytes(sim *s, size_t n)
{
	static uint8_t chunk[4000];
	esctp_sndinfo si = {0};
	for (size_t sent = 0; sent < n; sent += sizeof(chunk))
		assert_int_equal(esctp_assoc_send(s->side[SIM_A].assoc, &si,
						  chunk, sizeof(chunk), s->now),
				 0);
}

static void test_getopt_simulated(void **state)
{
	(void)state;
	sim *s = sim_new(77, NULL, NULL);
	assert_non_null(s);
	assert_int_equal(sim_establish(s), SIM_OK);
	wsock *ws = sock_new(s->side[SIM_A].assoc, WSP_ST_ESTABLISHED);
	/* 40 messages of 4000 bytes, every one acked after 2 s. */
	send_bytes(s, 40 * 4000);
	assert_int_equal(sim_run_for(s, 2 * ESCTP_SECOND), SIM_OK);
	esctp_status es;
	esctp_assoc_status(s->side[SIM_A].assoc, &es);
	uint32_t mss = es.paths[0].mtu - 28;

	struct tcp_info ti = getopt_info(ws);
	assert_int_equal(ti.tcpi_state, ST_ESTABLISHED);
	assert_int_equal(getopt_mss(ws), (int)mss);
	assert_int_equal(ti.tcpi_snd_mss, mss);
	/* 10 ms each way: an SRTT of at least 20 ms, below the 200 ms
	 * delayed SACK plus the link, and the same in milliseconds. */
	assert_in_range(ti.tcpi_rtt, 20000, 230000);
	assert_int_equal(ti.tcpi_rtt / 1000, es.paths[0].srtt_ms);
	assert_in_range(ti.tcpi_rto, 1000000, 60000000);
	assert_in_range(ti.tcpi_snd_cwnd, 1, 1000);
	assert_true(ti.tcpi_bytes_acked == 160000);
	assert_true(ti.tcpi_bytes_sent == 160000);
	assert_int_equal(ti.tcpi_unacked, 0);
	assert_int_equal(ti.tcpi_total_retrans, 0);
	assert_true(ti.tcpi_segs_out >= 40000 / mss);
	assert_true(ti.tcpi_segs_in > 0);

	/* Z reads nothing: its window shrinks by what it holds. */
	wsock *wz = sock_new(s->side[SIM_Z].assoc, WSP_ST_ESTABLISHED);
	struct tcp_info tz = getopt_info(wz);
	assert_true(tz.tcpi_bytes_received == 160000);
	assert_true(tz.tcpi_rcv_space <= s->side[SIM_Z].cfg.rcvbuf - 160000);
	/* ... and that is the window A sees advertised. */
	assert_int_equal(ti.tcpi_snd_wnd, tz.tcpi_rcv_space);

	/* A shuts down: FIN_WAIT1 until the SHUTDOWN ACK, CLOSE after. */
	ws->app_eof = true;
	assert_int_equal(esctp_assoc_shutdown(ws->a, s->now), 0);
	ti = getopt_info(ws);
	assert_int_equal(ti.tcpi_state, ST_FIN_WAIT1);
	assert_int_equal(sim_run_for(s, 2 * ESCTP_SECOND), SIM_OK);
	ti = getopt_info(ws);
	assert_int_equal(ti.tcpi_state, ST_CLOSE);
	free(ws);
	free(wz);
	assert_int_equal(sim_free(s), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mss),
	    cmocka_unit_test(test_established),
	    cmocka_unit_test(test_in_flight_and_loss),
	    cmocka_unit_test(test_states),
	    cmocka_unit_test(test_no_association),
	    cmocka_unit_test(test_getopt_unconnected),
	    cmocka_unit_test(test_getopt_simulated),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
