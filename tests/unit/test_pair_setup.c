/*
 * test_pair_setup.c - association set-up between A and Z in the simulator:
 * each handshake chunk lost, INIT collision, peer restart, refused and
 * unanswered connects, the Adaptation Layer Indication (RFC 5061) each side
 * learns, and the memory an idle association costs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../sim/sim.h"

enum { CT_INIT = 1, CT_INIT_ACK = 2, CT_COOKIE_ECHO = 10, CT_COOKIE_ACK = 11 };

static esctp_tstamp ms(uint64_t v)
{
	return v * ESCTP_MS;
}

/* Runs the handshake with the first packet carrying `type` from `from`
 * dropped, and checks it completes after one T1 retransmission. */
static void lost_handshake_chunk(int from, uint8_t type)
{
	sim *s = sim_new(101 + type, NULL, NULL);
	assert_non_null(s);
	sim_drop_chunk(s, from, type, 0, 1);
	SIM_OK_OR_FAIL(s, sim_establish(s));
	assert_int_equal(s->rules[0].dropped, 1);
	assert_int_equal(s->side[from].chunks_sent[type], 2);
	/* RFC 9260 §5.1: the lost chunk comes back when T1 (RTO.Initial,
	 * 1 s) expires, not before and not much later. */
	esctp_tstamp up = s->side[SIM_A].ev_first[ESCTP_EV_COMM_UP];
	assert_true(up >= ms(1000));
	assert_true(up <= ms(1000 + 200));
	assert_int_equal(sim_evcount(s, SIM_A, ESCTP_EV_COMM_UP), 1);
	assert_int_equal(sim_evcount(s, SIM_Z, ESCTP_EV_COMM_UP), 1);
	assert_int_equal(esctp_assoc_state(s->side[SIM_A].assoc),
			 ESCTP_ESTABLISHED);
	assert_int_equal(esctp_assoc_state(s->side[SIM_Z].assoc),
			 ESCTP_ESTABLISHED);
	SIM_OK_OR_FAIL(s, sim_exchange(s, 64 * 1024, 7));
	SIM_FINISH(s);
}

static void test_init_lost(void **state)
{
	(void)state;
	lost_handshake_chunk(SIM_A, CT_INIT);
}

static void test_init_ack_lost(void **state)
{
	(void)state;
	lost_handshake_chunk(SIM_Z, CT_INIT_ACK);
}

static void test_cookie_echo_lost(void **state)
{
	(void)state;
	lost_handshake_chunk(SIM_A, CT_COOKIE_ECHO);
}

static void test_cookie_ack_lost(void **state)
{
	(void)state;
	lost_handshake_chunk(SIM_Z, CT_COOKIE_ACK);
}

static bool both_up(sim *s, void *ctx)
{
	(void)ctx;
	return sim_evcount(s, SIM_A, ESCTP_EV_COMM_UP) &&
	       sim_evcount(s, SIM_Z, ESCTP_EV_COMM_UP);
}

/* RFC 9260 §5.2.1: both send INIT at once; each answers the other's INIT
 * from COOKIE-WAIT and the association forms once on each side.  Neither
 * side listens, so nothing may come from a listener. */
static void test_init_collision(void **state)
{
	(void)state;
	sim *s = sim_new(202, NULL, NULL);
	assert_non_null(s);
	sim_listen(s, SIM_Z, false);
	assert_int_equal(sim_connect(s, SIM_A), 0);
	assert_int_equal(sim_connect(s, SIM_Z), 0);
	esctp_assoc *a = s->side[SIM_A].assoc, *z = s->side[SIM_Z].assoc;
	SIM_OK_OR_FAIL(s, sim_run(s, both_up, NULL, 30 * ESCTP_SECOND));
	SIM_OK_OR_FAIL(s, sim_run_for(s, 5 * ESCTP_SECOND));
	assert_int_equal(sim_evcount(s, SIM_A, ESCTP_EV_COMM_UP), 1);
	assert_int_equal(sim_evcount(s, SIM_Z, ESCTP_EV_COMM_UP), 1);
	assert_int_equal(sim_evcount(s, SIM_A, ESCTP_EV_ACCEPT), 0);
	assert_int_equal(sim_evcount(s, SIM_Z, ESCTP_EV_ACCEPT), 0);
	assert_int_equal(sim_evcount(s, SIM_A, ESCTP_EV_COMM_LOST), 0);
	assert_int_equal(sim_evcount(s, SIM_Z, ESCTP_EV_COMM_LOST), 0);
	assert_ptr_equal(s->side[SIM_A].ev_last[ESCTP_EV_COMM_UP].assoc, a);
	assert_ptr_equal(s->side[SIM_Z].ev_last[ESCTP_EV_COMM_UP].assoc, z);
	esctp_status sa, sz;
	esctp_assoc_status(a, &sa);
	esctp_assoc_status(z, &sz);
	assert_int_equal(sa.state, ESCTP_ESTABLISHED);
	assert_int_equal(sz.state, ESCTP_ESTABLISHED);
	assert_int_equal(sa.peer_vtag, sz.local_vtag);
	assert_int_equal(sz.peer_vtag, sa.local_vtag);
	SIM_OK_OR_FAIL(s, sim_exchange(s, 256 * 1024, 8));
	SIM_FINISH(s);
}

static bool restarted(sim *s, void *ctx)
{
	(void)ctx;
	return sim_evcount(s, SIM_A, ESCTP_EV_RESTART) &&
	       sim_evcount(s, SIM_Z, ESCTP_EV_COMM_UP);
}

/* RFC 9260 §5.2.4 action A: Z loses all state and connects again; A keeps
 * its association, learns the new tags and reports a restart. */
static void test_peer_restart(void **state)
{
	(void)state;
	sim *s = sim_new(303, NULL, NULL);
	assert_non_null(s);
	SIM_OK_OR_FAIL(s, sim_establish(s));
	esctp_assoc *a = s->side[SIM_A].assoc;
	SIM_OK_OR_FAIL(s, sim_exchange(s, 128 * 1024, 9));
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));
	assert_int_equal(sim_endpoint_restart(s, SIM_Z, true), 0);
	assert_int_equal(sim_connect(s, SIM_Z), 0);
	esctp_assoc *z = s->side[SIM_Z].assoc;
	SIM_OK_OR_FAIL(s,
		       sim_run(s, restarted, NULL, s->now + 30 * ESCTP_SECOND));
	assert_ptr_equal(s->side[SIM_A].ev_last[ESCTP_EV_RESTART].assoc, a);
	assert_ptr_equal(s->side[SIM_A].assoc, a);
	assert_ptr_equal(s->side[SIM_Z].assoc, z);
	assert_int_equal(sim_evcount(s, SIM_A, ESCTP_EV_COMM_LOST), 0);
	esctp_status sa, sz;
	esctp_assoc_status(a, &sa);
	esctp_assoc_status(z, &sz);
	assert_int_equal(sa.state, ESCTP_ESTABLISHED);
	assert_int_equal(sa.peer_vtag, sz.local_vtag);
	assert_int_equal(sz.peer_vtag, sa.local_vtag);
	SIM_OK_OR_FAIL(s, sim_exchange(s, 256 * 1024, 10));
	assert_int_equal(sim_evcount(s, SIM_A, ESCTP_EV_COMM_LOST), 0);
	SIM_FINISH(s);
}

static bool a_failed(sim *s, void *ctx)
{
	(void)ctx;
	return sim_evcount(s, SIM_A, ESCTP_EV_CANT_START) ||
	       sim_evcount(s, SIM_A, ESCTP_EV_COMM_LOST);
}

/* A refused connect ends at the ABORT, before any retransmission. */
static void refused(sim *s)
{
	assert_int_equal(sim_connect(s, SIM_A), 0);
	esctp_assoc *a = s->side[SIM_A].assoc;
	SIM_OK_OR_FAIL(s, sim_run(s, a_failed, NULL, ms(900)));
	assert_true(s->now < ms(1000));
	assert_int_equal(s->side[SIM_A].chunks_sent[CT_INIT], 1);
	assert_int_equal(sim_evcount(s, SIM_A, ESCTP_EV_CANT_START) +
			     sim_evcount(s, SIM_A, ESCTP_EV_COMM_LOST),
			 1);
	assert_int_equal(sim_evcount(s, SIM_A, ESCTP_EV_COMM_UP), 0);
	assert_int_equal(esctp_assoc_state(a), ESCTP_CLOSED);
	SIM_OK_OR_FAIL(s, sim_run_for(s, 10 * ESCTP_SECOND));
	assert_int_equal(s->side[SIM_A].chunks_sent[CT_INIT], 1);
	assert_int_equal(sim_evcount(s, SIM_Z, ESCTP_EV_ACCEPT), 0);
	assert_int_equal(sim_evcount(s, SIM_Z, ESCTP_EV_COMM_UP), 0);
}

/* Z's endpoint exists but does not listen: its INIT is answered by ABORT. */
static void test_connect_not_listening(void **state)
{
	(void)state;
	sim *s = sim_new(404, NULL, NULL);
	assert_non_null(s);
	sim_listen(s, SIM_Z, false);
	refused(s);
	assert_int_equal(s->side[SIM_Z].chunks_sent[6], 1); /* ABORT */
	SIM_FINISH(s);
}

/* No endpoint on Z's port at all: the host's OOTB reply (RFC 9260 §8.4
 * rule 8, from esctp_packet_ootb_reply) refuses it. */
static void test_connect_no_endpoint(void **state)
{
	(void)state;
	sim *s = sim_new(405, NULL, NULL);
	assert_non_null(s);
	assert_int_equal(sim_endpoint_restart(s, SIM_Z, false), 0);
	refused(s);
	assert_int_equal(s->ootb_replies, 1);
	SIM_FINISH(s);
}

/* Records when A sends each INIT. */
typedef struct init_log {
	esctp_tstamp at[32];
	unsigned n;
} init_log;

static bool log_init(sim *s, int from, const sim_pkt *p, void *ctx)
{
	init_log *l = ctx;
	if (from == SIM_A && sim_pkt_has_chunk(p->data, p->len, CT_INIT) &&
	    l->n < 32)
		l->at[l->n++] = s->now;
	return true; /* nothing gets through */
}

/* RFC 9260 §5.1: "If the timer expires, the endpoint MUST retransmit INIT
 * and restart the T1-init timer ... This MUST be repeated up to
 * 'Max.Init.Retransmits' times.  After that, the endpoint MUST abort the
 * initialization process and report the error"; §6.3.3 E2 doubles the RTO
 * each time, up to RTO.Max. */
static void test_connect_to_nothing(void **state)
{
	(void)state;
	esctp_config c;
	sim_config_default(&c, SIM_A);
	c.max_init_retrans = 8;
	c.rto_initial_ms = 1000;
	c.rto_max_ms = 60000;
	sim *s = sim_new(505, &c, NULL);
	assert_non_null(s);
	init_log l = {0};
	s->drop = log_init;
	s->drop_ctx = &l;
	assert_int_equal(sim_connect(s, SIM_A), 0);
	esctp_assoc *a = s->side[SIM_A].assoc;
	SIM_OK_OR_FAIL(s, sim_run(s, a_failed, NULL, 3600 * ESCTP_SECOND));
	assert_int_equal(sim_evcount(s, SIM_A, ESCTP_EV_CANT_START), 1);
	assert_int_equal(sim_evcount(s, SIM_A, ESCTP_EV_COMM_LOST), 0);
	assert_int_equal(l.n, c.max_init_retrans + 1u);
	esctp_tstamp t = 0, rto = ms(c.rto_initial_ms);
	for (unsigned i = 0; i <= c.max_init_retrans; i++) {
		if (l.at[i] + ms(1) < t || l.at[i] > t + ms(1))
			fail_msg("INIT %u sent at %.3f s, expected %.3f s", i,
				 (double)l.at[i] / 1e9, (double)t / 1e9);
		t += rto;
		rto = rto * 2 > ms(c.rto_max_ms) ? ms(c.rto_max_ms) : rto * 2;
	}
	esctp_tstamp end = s->side[SIM_A].ev_first[ESCTP_EV_CANT_START];
	printf("connect to nothing: %u INITs, CANT_START at %.3f s "
	       "(expected %.3f s)\n",
	       l.n, (double)end / 1e9, (double)t / 1e9);
	assert_true(end + ms(1) >= t && end <= t + ms(1));
	assert_int_equal(esctp_assoc_state(a), ESCTP_CLOSED);
	SIM_OK_OR_FAIL(s, sim_run_for(s, 600 * ESCTP_SECOND));
	assert_int_equal(l.n, c.max_init_retrans + 1u);
	SIM_FINISH(s);
}

static bool second_up(sim *s, void *ctx)
{
	(void)ctx;
	return sim_evcount(s, SIM_A, ESCTP_EV_COMM_UP) >= 2 &&
	       sim_evcount(s, SIM_Z, ESCTP_EV_COMM_UP) >= 2;
}

/* ---- Adaptation Layer Indication (RFC 5061) ---- */

/* What one run saw: on the wire, the code point in each side's INIT or
 * INIT ACK and any Unrecognized Parameter; at COMM_UP, each side's status. */
typedef struct ali_log {
	bool sent[2];	  /* side put an Adaptation Layer Indication out */
	uint32_t code[2]; /* ... with this code point */
	unsigned unrec;	  /* Unrecognized Parameter parameters seen */
	bool up[2];
	esctp_status st[2]; /* status read in the COMM_UP event */
} ali_log;

/* Walks the parameters of an INIT or INIT ACK that is the packet's first
 * chunk (the sim delivers only well-formed packets). */
static void ali_tap(sim *s, const sim_pkt *p, void *ctx)
{
	ali_log *l = ctx;
	(void)s;
	if (p->len < 32 ||
	    (p->data[12] != CT_INIT && p->data[12] != CT_INIT_ACK))
		return;
	size_t end = 12 + (size_t)((p->data[14] << 8) | p->data[15]);
	if (end > p->len)
		return;
	for (size_t o = 32; o + 4 <= end;) {
		const uint8_t *t = p->data + o;
		unsigned type = (unsigned)(t[0] << 8 | t[1]);
		size_t len = (size_t)(t[2] << 8 | t[3]);
		if (len < 4 || o + len > end)
			fail_msg("bad parameter at %zu", o);
		if (type == 0xC006) {
			assert_int_equal(len, 8);
			int from = sim_peer(p->to);
			l->sent[from] = true;
			l->code[from] = (uint32_t)t[4] << 24 |
					(uint32_t)t[5] << 16 |
					(uint32_t)t[6] << 8 | t[7];
		}
		if (type == 8) /* Unrecognized Parameter */
			l->unrec++;
		o += (len + 3) & ~(size_t)3;
	}
}

static void ali_event(sim *s, int side, const esctp_event *ev, void *ctx)
{
	ali_log *l = ctx;
	(void)s;
	if (ev->type != ESCTP_EV_COMM_UP)
		return;
	l->up[side] = true;
	esctp_assoc_status(ev->assoc, &l->st[side]);
}

typedef struct ali_case {
	bool on[2];	 /* config.adaptation of A and Z */
	uint32_t ind[2]; /* config.adaptation_ind */
	bool collide;	 /* both connect at once (RFC 9260 §5.2.1) */
} ali_case;

/* Runs the handshake for c and checks that each side's status, at COMM_UP
 * and after, reports exactly what the other side sent. */
static void adaptation_pair(uint64_t seed, const ali_case *c)
{
	esctp_config cfg[2];
	ali_log l;
	memset(&l, 0, sizeof l);
	for (int i = 0; i < 2; i++) {
		sim_config_default(&cfg[i], i);
		cfg[i].adaptation = c->on[i];
		cfg[i].adaptation_ind = c->ind[i];
	}
	sim *s = sim_new(seed, &cfg[SIM_A], &cfg[SIM_Z]);
	assert_non_null(s);
	s->tap = ali_tap;
	s->tap_ctx = &l;
	s->on_event = ali_event;
	s->event_ctx = &l;
	if (c->collide) {
		sim_listen(s, SIM_Z, false);
		assert_int_equal(sim_connect(s, SIM_A), 0);
		assert_int_equal(sim_connect(s, SIM_Z), 0);
		SIM_OK_OR_FAIL(s, sim_run(s, both_up, NULL, 30 * ESCTP_SECOND));
	} else {
		SIM_OK_OR_FAIL(s, sim_establish(s));
	}
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));
	assert_int_equal(l.unrec, 0);
	for (int i = 0; i < 2; i++) {
		int peer = sim_peer(i);
		assert_true(l.up[i]);
		assert_int_equal(l.sent[i], c->on[i]);
		if (c->on[i])
			assert_int_equal(l.code[i], c->ind[i]);
		esctp_status now;
		esctp_assoc_status(s->side[i].assoc, &now);
		const esctp_status *st[2] = {&l.st[i], &now};
		for (int k = 0; k < 2; k++) {
			assert_int_equal(st[k]->state, ESCTP_ESTABLISHED);
			assert_int_equal(st[k]->peer_adaptation_present,
					 c->on[peer]);
			assert_int_equal(st[k]->peer_adaptation,
					 c->on[peer] ? c->ind[peer] : 0);
		}
		/* Nothing reported it as unrecognized (no ERROR chunk). */
		assert_int_equal(s->side[i].chunks_sent[9], 0);
	}
	SIM_OK_OR_FAIL(s, sim_exchange(s, 16 * 1024, seed));
	SIM_FINISH(s);
}

/* Both ends send one: A, the client, learns Z's from the INIT ACK; Z, the
 * server, learns A's from the INIT, carried through the state cookie. */
static void test_adaptation_both(void **state)
{
	(void)state;
	ali_case c = {.on = {true, true}, .ind = {0x57534354, 0xA5000001}};
	adaptation_pair(707, &c);
	/* The same when the INITs cross and each side answers the other's. */
	c.collide = true;
	adaptation_pair(708, &c);
}

/* One end sends none: the other sees present = false, while a code point
 * of 0 still counts as present. */
static void test_adaptation_one_side(void **state)
{
	(void)state;
	ali_case a_only = {.on = {true, false}, .ind = {0, 0x1234}};
	ali_case z_only = {.on = {false, true}, .ind = {0x1234, 7}};
	ali_case none = {.on = {false, false}};
	adaptation_pair(709, &a_only);
	adaptation_pair(710, &z_only);
	adaptation_pair(711, &none);
}

/* One association that carried data and went idle; returns the bytes each
 * side's engine then holds above `base`. */
static void idle_assoc(sim *s, const size_t base[2], size_t out[2])
{
	SIM_OK_OR_FAIL(s, sim_exchange(s, 32 * 1024, 11));
	SIM_OK_OR_FAIL(s, sim_run_for(s, 5 * ESCTP_SECOND));
	esctp_status st;
	esctp_assoc_status(s->side[SIM_A].assoc, &st);
	assert_int_equal(st.state, ESCTP_ESTABLISHED);
	assert_int_equal(st.out_streams, 10);
	assert_int_equal(st.in_streams, 10);
	assert_int_equal(st.unacked, 0);
	for (int i = 0; i < 2; i++)
		out[i] = s->side[i].live_bytes - base[i];
}

/* Bytes the engine holds for one idle established association with 10
 * streams each way.  The first association also grows what the endpoint
 * keeps for all of its associations (reply buffers, event queue, lookup
 * tables); the second, made once the first is gone, shows what one more
 * association costs, which is the figure bounded here. */
static void test_memory_idle_assoc(void **state)
{
	(void)state;
	sim *s = sim_new(606, NULL, NULL);
	assert_non_null(s);
	size_t bare[2] = {s->side[0].live_bytes, s->side[1].live_bytes};
	size_t first[2], warm[2], second[2];
	SIM_OK_OR_FAIL(s, sim_establish(s));
	idle_assoc(s, bare, first);
	for (int i = 0; i < 2; i++) {
		esctp_assoc_free(s->side[i].assoc);
		s->side[i].assoc = NULL;
		SIM_OK_OR_FAIL(s, sim_run_for(s, 5 * ESCTP_SECOND));
	}
	for (int i = 0; i < 2; i++)
		warm[i] = s->side[i].live_bytes;
	assert_int_equal(sim_connect(s, SIM_A), 0);
	SIM_OK_OR_FAIL(s,
		       sim_run(s, second_up, NULL, s->now + 60 * ESCTP_SECOND));
	idle_assoc(s, warm, second);
	printf("memory: idle association, 10 streams: A %zu bytes, Z %zu "
	       "bytes (the first one, with what the endpoint keeps: A %zu, "
	       "Z %zu; bare endpoints %zu, %zu; peaks %zu, %zu)\n",
	       second[0], second[1], first[0], first[1], bare[0], bare[1],
	       s->side[SIM_A].peak_bytes, s->side[SIM_Z].peak_bytes);
	assert_true(second[0] <= 8192);
	assert_true(second[1] <= 8192);
	SIM_FINISH(s);
}

/* esctp_endpoint_reconfigure(): a socket's SCTP_INITMSG set after bind
 * decides the streams of the next association, on both sides; the port
 * and the MTU cannot change. */
static void test_reconfigure_streams(void **state)
{
	(void)state;
	sim *s = sim_new(4242, NULL, NULL);
	assert_non_null(s);
	esctp_config c;
	sim_config_default(&c, SIM_A);
	c.out_streams = 3;
	c.max_in_streams = 3;
	assert_int_equal(esctp_endpoint_reconfigure(s->side[SIM_A].ep, &c), 0);
	sim_config_default(&c, SIM_Z);
	c.out_streams = 5;
	c.max_in_streams = 2;
	assert_int_equal(esctp_endpoint_reconfigure(s->side[SIM_Z].ep, &c), 0);
	SIM_OK_OR_FAIL(s, sim_establish(s));
	esctp_status st;
	esctp_assoc_status(s->side[SIM_A].assoc, &st);
	assert_int_equal(st.out_streams, 2); /* MIN(A's OS 3, Z's MIS 2) */
	assert_int_equal(st.in_streams, 3);  /* MIN(A's MIS 3, Z's OS 5) */
	esctp_assoc_status(s->side[SIM_Z].assoc, &st);
	assert_int_equal(st.out_streams, 3);
	assert_int_equal(st.in_streams, 2);
	esctp_config bad = c;
	bad.local_port++;
	assert_int_equal(esctp_endpoint_reconfigure(s->side[SIM_Z].ep, &bad),
			 ESCTP_ERR_INVAL);
	bad = c;
	bad.mtu -= 100;
	assert_int_equal(esctp_endpoint_reconfigure(s->side[SIM_Z].ep, &bad),
			 ESCTP_ERR_INVAL);
	bad = c;
	bad.out_streams = 0;
	assert_int_equal(esctp_endpoint_reconfigure(s->side[SIM_Z].ep, &bad),
			 ESCTP_ERR_INVAL);
	SIM_FINISH(s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_lost),
	    cmocka_unit_test(test_init_ack_lost),
	    cmocka_unit_test(test_cookie_echo_lost),
	    cmocka_unit_test(test_cookie_ack_lost),
	    cmocka_unit_test(test_init_collision),
	    cmocka_unit_test(test_peer_restart),
	    cmocka_unit_test(test_connect_not_listening),
	    cmocka_unit_test(test_connect_no_endpoint),
	    cmocka_unit_test(test_connect_to_nothing),
	    cmocka_unit_test(test_adaptation_both),
	    cmocka_unit_test(test_adaptation_one_side),
	    cmocka_unit_test(test_memory_idle_assoc),
	    cmocka_unit_test(test_reconfigure_streams),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
