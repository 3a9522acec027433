/*
 * test_pair_paths.c - multihoming in the simulator: the primary path dies
 * in the middle of a transfer and comes back, and the whole peer goes
 * silent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../sim/sim.h"

static esctp_tstamp ms(uint64_t v)
{
	return v * ESCTP_MS;
}

static void flow_cfg(sim_flow_cfg *fc, uint64_t bytes, uint64_t seed)
{
	memset(fc, 0, sizeof *fc);
	fc->total_bytes = bytes;
	fc->max_msg = 64 * 1024;
	fc->min_msg = 1;
	fc->nstreams = 10;
	fc->unordered_pct = 30;
	fc->seed = seed;
}

/* The n-th PEER_ADDR_CHANGE on `side` for the peer's address on `path`
 * with state `st`, or NULL. */
static const sim_evrec *addr_change(const sim *s, int side, unsigned path,
				    int st)
{
	const esctp_addr *want = &s->side[sim_peer(side)].addr[path];
	for (unsigned i = 0;; i++) {
		const sim_evrec *r =
		    sim_find_event(s, side, ESCTP_EV_PEER_ADDR_CHANGE, i);
		if (!r)
			return NULL;
		if (r->ev.path_state == st &&
		    esctp_addr_same_ip(&r->ev.addr, want))
			return r;
	}
}

static bool a_sees_available(sim *s, void *ctx)
{
	const esctp_tstamp *since = ctx;
	for (unsigned i = 0;; i++) {
		const sim_evrec *r =
		    sim_find_event(s, SIM_A, ESCTP_EV_PEER_ADDR_CHANGE, i);
		if (!r)
			return false;
		if (r->at >= *since &&
		    r->ev.path_state == ESCTP_ADDR_AVAILABLE &&
		    esctp_addr_same_ip(&r->ev.addr, &s->side[SIM_Z].addr[0]))
			return true;
	}
}

/* RFC 9260 §8.2: the primary's error count passes Path.Max.Retrans, the
 * path becomes inactive and the user is told; §6.4.1 retransmissions and
 * then new data go to the other path; §8.3: heartbeats to the inactive
 * address, once answered, make it active again. */
static void test_primary_path_failure(void **state)
{
	(void)state;
	esctp_config c;
	sim_config_default(&c, SIM_A);
	c.hb_interval_ms = 1000;
	c.rto_max_ms = 4000;
	c.path_max_retrans = 3;
	esctp_config cz = c;
	cz.local_port = SIM_PORT_Z;
	sim *s = sim_new(2001, &c, &cz);
	assert_non_null(s);
	SIM_OK_OR_FAIL(s, sim_establish(s));

	sim_flow_cfg fc;
	flow_cfg(&fc, 6 * 1024 * 1024, 77);
	sim_flow fa;
	assert_int_equal(sim_flow_init(&fa, SIM_A, &fc), 0);
	sim_flows_attach(s, &fa, NULL);
	SIM_OK_OR_FAIL(s, sim_run_for(s, ms(500)));
	assert_true(fa.nrecv > 0);
	assert_false(sim_flow_complete(&fa));

	esctp_tstamp cut = s->now;
	uint64_t on_path1 = s->link_pkts[SIM_A][1];
	sim_path_down(s, 0, true);
	int rc = sim_run(s, sim_flows_done, NULL, s->now + 600 * ESCTP_SECOND);
	if (rc == SIM_OK && sim_flow_verify(s, &fa) != 0)
		rc = SIM_ERR_FAIL;
	char stats[256];
	sim_format_stats(s, stats, sizeof stats);
	printf("failover: %.2f MB in %u msgs, done at %.2f s (cut at %.2f s), "
	       "%s\n",
	       (double)fa.bytes_recv / 1048576.0, fa.nrecv,
	       (double)s->now / 1e9, (double)cut / 1e9, stats);
	if (rc != SIM_OK)
		fail_msg("seed 2001: %s", sim_error(s));
	const sim_evrec *down =
	    addr_change(s, SIM_A, 0, ESCTP_ADDR_UNREACHABLE);
	assert_non_null(down);
	assert_true(down->at > cut);
	/* Path 0 may be counted down only after its error count passes
	 * Path.Max.Retrans: at least 4 backed-off timeouts of >= 1 s. */
	assert_true(down->at >= cut + ms(1000 + 2000 + 4000));
	assert_null(addr_change(s, SIM_A, 1, ESCTP_ADDR_UNREACHABLE));
	assert_true(s->link_pkts[SIM_A][1] - on_path1 > 1000);
	assert_int_equal(sim_evcount(s, SIM_A, ESCTP_EV_COMM_LOST), 0);
	assert_int_equal(sim_evcount(s, SIM_Z, ESCTP_EV_COMM_LOST), 0);

	/* The link comes back: heartbeats find it.  An inactive path is
	 * probed every RTO (<= 4 s, +-50% jitter) + HB.interval (1 s). */
	esctp_tstamp back = s->now;
	sim_path_down(s, 0, false);
	SIM_OK_OR_FAIL(
	    s, sim_run(s, a_sees_available, &back, back + 20 * ESCTP_SECOND));
	printf("failover: path 0 unreachable at %.2f s, available again "
	       "%.2f s after the link came back\n",
	       (double)down->at / 1e9, (double)(s->now - back) / 1e9);
	esctp_status st;
	esctp_assoc_status(s->side[SIM_A].assoc, &st);
	assert_int_equal(st.state, ESCTP_ESTABLISHED);
	assert_int_equal(st.paths[0].state, ESCTP_ADDR_AVAILABLE);
	/* The association still carries data. */
	SIM_OK_OR_FAIL(s, sim_exchange(s, 256 * 1024, 78));
	sim_flow_free(&fa);
	SIM_FINISH(s);
}

static bool a_lost(sim *s, void *ctx)
{
	(void)ctx;
	return sim_evcount(s, SIM_A, ESCTP_EV_COMM_LOST) > 0;
}

/* Time of the n-th T3-rtx expiry when every expiry doubles its path's RTO
 * (§6.3.3 E2) and the timers of `paths` paths run at once from time 0:
 * the n-th smallest of the paths' expiry times. */
static esctp_tstamp nth_expiry(esctp_tstamp rto, esctp_tstamp max, unsigned n,
			       unsigned paths)
{
	esctp_tstamp at[2] = {0, 0}, r[2] = {rto, rto}, t = 0;
	for (unsigned k = 0; k < n; k++) {
		unsigned p = paths > 1 && at[1] + r[1] < at[0] + r[0] ? 1 : 0;
		at[p] += r[p];
		t = at[p];
		r[p] = r[p] * 2 > max ? max : r[p] * 2;
	}
	return t;
}

/* RFC 9260 §8.1: "An endpoint shall keep a counter on the total number of
 * consecutive retransmissions to its peer ... If the value of this counter
 * exceeds the limit indicated in the protocol parameter
 * 'Association.Max.Retrans', the endpoint shall consider the peer endpoint
 * unreachable and shall stop transmitting any more data to it".  With
 * heartbeats off, only T3-rtx expiries count; each backs off its path's
 * RTO (§6.3.3 E2), so the end comes after AMR + 1 expiries: no sooner than
 * with both paths' timers running side by side from the cut (less the RTO
 * a timer may have run before it), no later than one path alone. */
static void test_peer_silent(void **state)
{
	(void)state;
	esctp_config c;
	sim_config_default(&c, SIM_A);
	c.hb_interval_ms = 0;
	c.assoc_max_retrans = 4;
	c.path_max_retrans = 2;
	c.rto_min_ms = 1000;
	c.rto_initial_ms = 1000;
	c.rto_max_ms = 8000;
	esctp_config cz = c;
	cz.local_port = SIM_PORT_Z;
	sim *s = sim_new(2002, &c, &cz);
	assert_non_null(s);
	SIM_OK_OR_FAIL(s, sim_establish(s));
	sim_flow_cfg fc;
	flow_cfg(&fc, 4 * 1024 * 1024, 79);
	sim_flow fa;
	assert_int_equal(sim_flow_init(&fa, SIM_A, &fc), 0);
	sim_flows_attach(s, &fa, NULL);
	SIM_OK_OR_FAIL(s, sim_run_for(s, ms(300)));
	assert_false(sim_flow_complete(&fa));

	esctp_status st;
	esctp_assoc_status(s->side[SIM_A].assoc, &st);
	esctp_tstamp rto_lo = ESCTP_TSTAMP_NEVER, rto_hi = 0;
	for (unsigned i = 0; i < st.npaths && i < 8; i++) {
		esctp_tstamp r = ms(st.paths[i].rto_ms);
		rto_lo = r < rto_lo ? r : rto_lo;
		rto_hi = r > rto_hi ? r : rto_hi;
	}
	esctp_tstamp cut = s->now;
	sim_path_down(s, 0, true);
	sim_path_down(s, 1, true);
	SIM_OK_OR_FAIL(s, sim_run(s, a_lost, NULL, cut + 600 * ESCTP_SECOND));
	unsigned n = c.assoc_max_retrans + 1u;
	esctp_tstamp lo = nth_expiry(rto_lo, ms(c.rto_max_ms), n, 2) - rto_hi;
	esctp_tstamp hi = nth_expiry(rto_hi, ms(c.rto_max_ms), n, 1) + ms(100);
	esctp_tstamp took = s->now - cut;
	printf("peer silent: COMM_LOST %.3f s after the cut (bounds %.3f .. "
	       "%.3f s, RTO %u..%u ms, AMR %u)\n",
	       (double)took / 1e9, (double)lo / 1e9, (double)hi / 1e9,
	       (unsigned)(rto_lo / ESCTP_MS), (unsigned)(rto_hi / ESCTP_MS),
	       c.assoc_max_retrans);
	assert_true(took >= lo);
	assert_true(took <= hi);
	assert_int_equal(sim_evcount(s, SIM_A, ESCTP_EV_COMM_LOST), 1);
	assert_int_equal(esctp_assoc_state(s->side[SIM_A].assoc), ESCTP_CLOSED);
	/* No message vanishes: each one was delivered or reported failed. */
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));
	assert_true(fa.nfailed > 0);
	for (uint32_t id = 0; id < fa.nsent; id++)
		if (!fa.seen[id])
			fail_msg("message %u neither delivered nor failed", id);
	/* And nothing more is sent to the lost peer. */
	uint64_t sent = s->side[SIM_A].pkts_sent;
	SIM_OK_OR_FAIL(s, sim_run_for(s, 60 * ESCTP_SECOND));
	assert_int_equal(s->side[SIM_A].pkts_sent, sent);
	sim_flow_free(&fa);
	SIM_FINISH(s);
}

/* esctp_assoc_heartbeat_now() (SPP_HB_DEMAND): with heartbeats off, one
 * HEARTBEAT goes at once and is answered; before the association is up,
 * or to an address that is no path, it is refused. */
static void test_heartbeat_on_demand(void **state)
{
	(void)state;
	sim *s = sim_new(777, NULL, NULL);
	assert_non_null(s);
	esctp_assoc *early = NULL;
	SIM_OK_OR_FAIL(s, sim_establish(s));
	early = s->side[SIM_A].assoc;
	esctp_assoc_set_hb_interval(early, 0);
	esctp_assoc_set_hb_interval(s->side[SIM_Z].assoc, 0);
	SIM_OK_OR_FAIL(s, sim_run_for(s, 5 * ESCTP_SECOND));
	uint64_t hb = s->side[SIM_A].chunks_sent[4];
	uint64_t ack = s->side[SIM_Z].chunks_sent[5];
	/* One path: one HEARTBEAT; NULL: one per path. */
	assert_int_equal(
	    esctp_assoc_heartbeat_now(early, &s->side[SIM_Z].addr[0]), 0);
	SIM_OK_OR_FAIL(s, sim_run_for(s, 100 * ESCTP_MS));
	assert_int_equal(s->side[SIM_A].chunks_sent[4], hb + 1);
	assert_int_equal(s->side[SIM_Z].chunks_sent[5], ack + 1);
	esctp_status st;
	esctp_assoc_status(early, &st);
	assert_int_equal(esctp_assoc_heartbeat_now(early, NULL), 0);
	SIM_OK_OR_FAIL(s, sim_run_for(s, 100 * ESCTP_MS));
	assert_int_equal(s->side[SIM_A].chunks_sent[4], hb + 1 + st.npaths);
	esctp_addr nowhere = s->side[SIM_Z].addr[0];
	nowhere.ip[3] ^= 0x55;
	assert_int_equal(esctp_assoc_heartbeat_now(early, &nowhere),
			 ESCTP_ERR_INVAL);
	assert_int_equal(esctp_assoc_heartbeat_now(NULL, NULL),
			 ESCTP_ERR_INVAL);
	SIM_FINISH(s);
}

/* The path of each packet with DATA that A sent, in order. */
typedef struct path_log {
	unsigned path[16];
	unsigned n;
} path_log;

static bool log_data_path(sim *s, int from, const sim_pkt *p, void *ctx)
{
	(void)s;
	path_log *l = ctx;
	if (from == SIM_A && sim_pkt_has_chunk(p->data, p->len, 0) && l->n < 16)
		l->path[l->n++] = p->path;
	return false;
}

static void send_one(sim *s, const esctp_sndinfo *info)
{
	static const uint8_t msg[200];
	assert_int_equal(esctp_assoc_send(s->side[SIM_A].assoc, info, msg,
					  sizeof msg, s->now),
			 0);
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));
}

/* ESCTP_ADDR_OVER (SCTP_ADDR_OVER): with path 0 primary, a message sent to
 * Z's second address leaves on path 1, the messages around it on path 0;
 * an address that is no path of the association is refused. */
static void test_addr_over(void **state)
{
	(void)state;
	sim *s = sim_new(778, NULL, NULL);
	assert_non_null(s);
	SIM_OK_OR_FAIL(s, sim_establish(s));
	SIM_OK_OR_FAIL(s, sim_run_for(s, 5 * ESCTP_SECOND));
	esctp_assoc *a = s->side[SIM_A].assoc;
	esctp_status st;
	esctp_assoc_status(a, &st);
	assert_int_equal(st.npaths, 2);
	assert_true(st.paths[0].primary && st.paths[1].confirmed);
	path_log l = {0};
	s->drop = log_data_path;
	s->drop_ctx = &l;

	esctp_sndinfo plain = {.stream = 0};
	esctp_sndinfo over = {.stream = 0, .flags = ESCTP_ADDR_OVER};
	over.addr = s->side[SIM_Z].addr[1];
	over.addr.port = 0; /* ports ignored */
	send_one(s, &plain);
	send_one(s, &over);
	send_one(s, &plain);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.path[0], 0);
	assert_int_equal(l.path[1], 1);
	assert_int_equal(l.path[2], 0);

	/* Queued together: each message still goes to its own path, in
	 * order. */
	l.n = 0;
	static const uint8_t msg[200];
	esctp_assoc_set_nodelay(a, true);
	assert_int_equal(esctp_assoc_send(a, &over, msg, 200, s->now), 0);
	assert_int_equal(esctp_assoc_send(a, &plain, msg, 200, s->now), 0);
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));
	assert_int_equal(l.n, 2);
	assert_int_equal(l.path[0], 1);
	assert_int_equal(l.path[1], 0);

	esctp_sndinfo bad = over;
	bad.addr.ip[3] ^= 0x55;
	assert_int_equal(esctp_assoc_send(a, &bad, msg, 200, s->now),
			 ESCTP_ERR_INVAL);
	uint8_t buf[256];
	unsigned got = 0;
	while (esctp_assoc_recv(s->side[SIM_Z].assoc, buf, sizeof buf, NULL) >=
	       0)
		got++;
	assert_int_equal(got, 5);
	SIM_FINISH(s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_primary_path_failure),
	    cmocka_unit_test(test_peer_silent),
	    cmocka_unit_test(test_heartbeat_on_demand),
	    cmocka_unit_test(test_addr_over),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
