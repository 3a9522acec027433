/*
 * test_pair_shutdown.c - ending associations in the simulator: graceful
 * shutdown from every state, from both sides at once, with each shutdown
 * chunk lost, and abort.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../sim/sim.h"

enum {
	CT_INIT = 1,
	CT_ABORT = 6,
	CT_SHUTDOWN = 7,
	CT_SHUTDOWN_ACK = 8,
	CT_SHUTDOWN_COMPLETE = 14,
	CAUSE_USER_ABORT = 12,
};

static esctp_tstamp ms(uint64_t v)
{
	return v * ESCTP_MS;
}

static unsigned terminal(const sim *s, int side)
{
	return sim_evcount(s, side, ESCTP_EV_SHUTDOWN_COMP) +
	       sim_evcount(s, side, ESCTP_EV_COMM_LOST) +
	       sim_evcount(s, side, ESCTP_EV_CANT_START);
}

static bool both_shut(sim *s, void *ctx)
{
	(void)ctx;
	return sim_evcount(s, SIM_A, ESCTP_EV_SHUTDOWN_COMP) &&
	       sim_evcount(s, SIM_Z, ESCTP_EV_SHUTDOWN_COMP);
}

static bool a_ended(sim *s, void *ctx)
{
	(void)ctx;
	return terminal(s, SIM_A) > 0;
}

/* A side that came up must have ended too, with exactly one terminal
 * event; a side that never came up must have reported none of them. */
static void check_ended(sim *s, int side)
{
	const sim_side *sd = &s->side[side];
	bool up = sim_evcount(s, side, ESCTP_EV_COMM_UP) > 0;
	if (side == SIM_A || up) {
		assert_int_equal(terminal(s, side), 1);
		assert_int_equal(esctp_assoc_state(sd->assoc), ESCTP_CLOSED);
	} else {
		assert_int_equal(terminal(s, side), 0);
	}
}

/* After the end, the wire goes quiet: nothing sent for a whole minute. */
static void check_quiet(sim *s)
{
	uint64_t a = s->side[SIM_A].pkts_sent, z = s->side[SIM_Z].pkts_sent;
	SIM_OK_OR_FAIL(s, sim_run_for(s, 60 * ESCTP_SECOND));
	assert_int_equal(s->side[SIM_A].pkts_sent, a);
	assert_int_equal(s->side[SIM_Z].pkts_sent, z);
}

/* Shutdown during the handshake: the association ends within a bounded
 * time, A reports one terminal event, and Z is not left half open. */
static void shutdown_in_handshake(sim *s, esctp_state want)
{
	esctp_assoc *a = s->side[SIM_A].assoc;
	assert_int_equal(esctp_assoc_state(a), want);
	assert_int_equal(esctp_assoc_shutdown(a, s->now), 0);
	SIM_OK_OR_FAIL(s,
		       sim_run(s, a_ended, NULL, s->now + 120 * ESCTP_SECOND));
	SIM_OK_OR_FAIL(s, sim_run_for(s, 120 * ESCTP_SECOND));
	check_ended(s, SIM_A);
	check_ended(s, SIM_Z);
	assert_true(esctp_assoc_send(a, &(esctp_sndinfo){0}, "x", 1, s->now) <
		    0);
	check_quiet(s);
}

static void test_shutdown_cookie_wait(void **state)
{
	(void)state;
	sim *s = sim_new(3001, NULL, NULL);
	assert_non_null(s);
	assert_int_equal(sim_connect(s, SIM_A), 0);
	SIM_OK_OR_FAIL(s, sim_run_for(s, ms(1))); /* the INIT is on its way */
	assert_int_equal(s->side[SIM_A].chunks_sent[CT_INIT], 1);
	shutdown_in_handshake(s, ESCTP_COOKIE_WAIT);
	SIM_FINISH(s);
}

static bool a_cookie_echoed(sim *s, void *ctx)
{
	(void)ctx;
	return esctp_assoc_state(s->side[SIM_A].assoc) == ESCTP_COOKIE_ECHOED;
}

static void test_shutdown_cookie_echoed(void **state)
{
	(void)state;
	sim *s = sim_new(3002, NULL, NULL);
	assert_non_null(s);
	assert_int_equal(sim_connect(s, SIM_A), 0);
	SIM_OK_OR_FAIL(s, sim_run(s, a_cookie_echoed, NULL, 10 * ESCTP_SECOND));
	shutdown_in_handshake(s, ESCTP_COOKIE_ECHOED);
	SIM_FINISH(s);
}

/* ---- shutdown with data queued ---- */

typedef struct drain_test {
	sim_flow fa, fz;
	int shut_sides; /* bit i: side i shuts down once its flow sent */
	bool shut_done[2];
	esctp_state state_after[2];
	bool
	    complete_at_comp[2]; /* peer's flow was complete at SHUTDOWN_COMP */
	bool shutdown_ev_before_comp;
} drain_test;

static void drain_app(sim *s, int side, void *ctx)
{
	drain_test *d = ctx;
	sim_flows_app(s, side, NULL);
	sim_flow *f = side == SIM_A ? &d->fa : &d->fz;
	esctp_assoc *a = s->side[side].assoc;
	if (!(d->shut_sides & (1 << side)) || d->shut_done[side] ||
	    !f->all_sent || !a)
		return;
	/* RFC 9260 §9.2: "Upon receipt of the SHUTDOWN primitive from its
	 * upper layer, the endpoint enters the SHUTDOWN-PENDING state and
	 * remains there until all outstanding data has been acknowledged". */
	if (esctp_assoc_shutdown(a, s->now) != 0)
		sim_fail(s, "side %c: shutdown refused", "AZ"[side]);
	d->shut_done[side] = true;
	d->state_after[side] = esctp_assoc_state(a);
	if (esctp_assoc_send(a, &(esctp_sndinfo){0}, "x", 1, s->now) !=
	    ESCTP_ERR_STATE)
		sim_fail(s, "side %c: send accepted after shutdown",
			 "AZ"[side]);
}

static void drain_event(sim *s, int side, const esctp_event *ev, void *ctx)
{
	drain_test *d = ctx;
	sim_flows_event(s, side, ev, NULL);
	if (ev->type != ESCTP_EV_SHUTDOWN_COMP)
		return;
	/* Everything the peer sent must be readable by now: read it. */
	sim_flows_app(s, side, NULL);
	sim_flow *in = side == SIM_A ? &d->fz : &d->fa;
	d->complete_at_comp[side] = !in->enabled || sim_flow_complete(in);
	if (side == SIM_Z)
		d->shutdown_ev_before_comp =
		    sim_evcount(s, SIM_Z, ESCTP_EV_SHUTDOWN) > 0 ||
		    d->shut_done[SIM_Z];
}

static void drain_setup(sim *s, drain_test *d, uint64_t a_bytes,
			uint64_t z_bytes, int shut_sides)
{
	memset(d, 0, sizeof *d);
	sim_flow_cfg fc = {0};
	fc.max_msg = 32 * 1024;
	fc.min_msg = 1;
	fc.nstreams = 10;
	fc.unordered_pct = 30;
	fc.total_bytes = a_bytes;
	fc.seed = 31;
	assert_int_equal(sim_flow_init(&d->fa, SIM_A, &fc), 0);
	fc.total_bytes = z_bytes;
	fc.seed = 32;
	assert_int_equal(sim_flow_init(&d->fz, SIM_Z, &fc), 0);
	d->fa.enabled = a_bytes > 0;
	d->fz.enabled = z_bytes > 0;
	d->shut_sides = shut_sides;
	sim_flows_attach(s, &d->fa, &d->fz);
	s->app = drain_app;
	s->app_ctx = d;
	s->on_event = drain_event;
	s->event_ctx = d;
}

static void drain_check(sim *s, drain_test *d)
{
	for (int i = 0; i < 2; i++) {
		assert_int_equal(sim_evcount(s, i, ESCTP_EV_SHUTDOWN_COMP), 1);
		assert_int_equal(sim_evcount(s, i, ESCTP_EV_COMM_LOST), 0);
		assert_true(d->complete_at_comp[i]);
		assert_int_equal(esctp_assoc_state(s->side[i].assoc),
				 ESCTP_CLOSED);
	}
	assert_true(d->shutdown_ev_before_comp);
	if (d->fa.enabled && sim_flow_verify(s, &d->fa) != 0)
		fail_msg("%s", sim_error(s));
	if (d->fz.enabled && sim_flow_verify(s, &d->fz) != 0)
		fail_msg("%s", sim_error(s));
	sim_flow_free(&d->fa);
	sim_flow_free(&d->fz);
	check_quiet(s);
}

static sim *lossy_pair(uint64_t seed, double loss, uint32_t sndbuf)
{
	esctp_config ca, cz;
	sim_config_default(&ca, SIM_A);
	sim_config_default(&cz, SIM_Z);
	ca.sndbuf = cz.sndbuf = sndbuf;
	sim *s = sim_new(seed, &ca, &cz);
	if (!s)
		return NULL;
	sim_link l = {0};
	l.delay = 10 * ESCTP_MS;
	l.loss = loss;
	sim_set_links(s, &l);
	return s;
}

/* A queues 900 KB and shuts down at once: every message reaches Z before
 * either side reports SHUTDOWN_COMP, despite 2% loss. */
static void test_shutdown_established_with_data(void **state)
{
	(void)state;
	sim *s = lossy_pair(3003, 0.02, 1024 * 1024);
	assert_non_null(s);
	SIM_OK_OR_FAIL(s, sim_establish(s));
	drain_test d;
	drain_setup(s, &d, 900 * 1024, 0, 1 << SIM_A);
	SIM_OK_OR_FAIL(
	    s, sim_run(s, both_shut, NULL, s->now + 600 * ESCTP_SECOND));
	assert_true(d.shut_done[SIM_A]);
	assert_int_equal(d.state_after[SIM_A], ESCTP_SHUTDOWN_PENDING);
	assert_int_equal(sim_evcount(s, SIM_Z, ESCTP_EV_SHUTDOWN), 1);
	printf("shutdown with %u msgs queued: complete at %.2f s\n", d.fa.nsent,
	       (double)s->now / 1e9);
	drain_check(s, &d);
	SIM_FINISH(s);
}

static bool z_flow_done(sim *s, void *ctx)
{
	drain_test *d = ctx;
	(void)s;
	return sim_flow_complete(&d->fz);
}

/* A stays in SHUTDOWN-PENDING while Z does not read (zero window): no
 * SHUTDOWN goes out, A still receives what Z sends; when Z reads again
 * the data drains and the shutdown completes. */
static void test_shutdown_pending(void **state)
{
	(void)state;
	esctp_config ca, cz;
	sim_config_default(&ca, SIM_A);
	sim_config_default(&cz, SIM_Z);
	cz.rcvbuf = 64 * 1024;
	sim *s = sim_new(3004, &ca, &cz);
	assert_non_null(s);
	SIM_OK_OR_FAIL(s, sim_establish(s));
	drain_test d;
	drain_setup(s, &d, 200 * 1024, 0, 1 << SIM_A);
	d.fa.reading = false; /* Z does not read what A sends */
	SIM_OK_OR_FAIL(s, sim_run_for(s, 10 * ESCTP_SECOND));
	esctp_assoc *a = s->side[SIM_A].assoc;
	assert_true(d.shut_done[SIM_A]);
	assert_int_equal(esctp_assoc_state(a), ESCTP_SHUTDOWN_PENDING);
	assert_int_equal(s->side[SIM_A].chunks_sent[CT_SHUTDOWN], 0);
	int again = esctp_assoc_shutdown(a, s->now);
	assert_true(again == 0 || again == ESCTP_ERR_STATE);
	assert_int_equal(esctp_assoc_state(a), ESCTP_SHUTDOWN_PENDING);

	/* Z may still send: A reads it in SHUTDOWN-PENDING. */
	d.fz.enabled = true;
	d.fz.cfg.total_bytes = 100 * 1024;
	SIM_OK_OR_FAIL(s,
		       sim_run(s, z_flow_done, &d, s->now + 60 * ESCTP_SECOND));
	assert_int_equal(esctp_assoc_state(a), ESCTP_SHUTDOWN_PENDING);
	assert_int_equal(s->side[SIM_A].chunks_sent[CT_SHUTDOWN], 0);

	d.fa.reading = true;
	SIM_OK_OR_FAIL(
	    s, sim_run(s, both_shut, NULL, s->now + 120 * ESCTP_SECOND));
	drain_check(s, &d);
	SIM_FINISH(s);
}

/* A program that writes and closes at once (a daytime service): the DATA
 * sent in SHUTDOWN-PENDING carries the I bit (RFC 7053), Z acknowledges it
 * without waiting for its delayed-SACK timer, and the whole shutdown takes
 * a few round trips, not the 200 ms SACK delay. */
static void test_shutdown_after_write_is_prompt(void **state)
{
	(void)state;
	sim *s = sim_new(3010, NULL, NULL);
	assert_non_null(s);
	sim_link l = {0};
	l.delay = 10 * ESCTP_MS;
	sim_set_links(s, &l);
	SIM_OK_OR_FAIL(s, sim_establish(s));
	esctp_assoc *a = s->side[SIM_A].assoc;
	esctp_sndinfo si = {0};
	static const char date[] = "Wed Nov 25 10:48:57 2026\r\n";
	assert_int_equal(
	    esctp_assoc_send(a, &si, date, sizeof date - 1, s->now), 0);
	assert_int_equal(esctp_assoc_shutdown(a, s->now), 0);
	esctp_tstamp t0 = s->now;
	SIM_OK_OR_FAIL(s,
		       sim_run(s, both_shut, NULL, s->now + 5 * ESCTP_SECOND));
	esctp_tstamp took = s->now - t0;
	printf("write then shutdown: complete after %.3f s\n",
	       (double)took / 1e9);
	assert_true(took < 100 * ESCTP_MS);
	SIM_FINISH(s);
}

/* Both users shut down at the same instant with data queued both ways
 * (RFC 9260 §9.2: SHUTDOWN received in SHUTDOWN-SENT is answered with
 * SHUTDOWN ACK). */
static void test_shutdown_both_sides(void **state)
{
	(void)state;
	sim *s = lossy_pair(3005, 0.01, 512 * 1024);
	assert_non_null(s);
	SIM_OK_OR_FAIL(s, sim_establish(s));
	drain_test d;
	drain_setup(s, &d, 300 * 1024, 300 * 1024, 3);
	SIM_OK_OR_FAIL(
	    s, sim_run(s, both_shut, NULL, s->now + 600 * ESCTP_SECOND));
	assert_true(d.shut_done[SIM_A] && d.shut_done[SIM_Z]);
	drain_check(s, &d);
	SIM_FINISH(s);
}

/* Both idle sides shut down at exactly the same time: the SHUTDOWNs
 * cross on the wire. */
static void test_shutdown_simultaneous_idle(void **state)
{
	(void)state;
	sim *s = sim_new(3006, NULL, NULL);
	assert_non_null(s);
	SIM_OK_OR_FAIL(s, sim_establish(s));
	SIM_OK_OR_FAIL(s, sim_exchange(s, 16 * 1024, 33));
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));
	assert_int_equal(esctp_assoc_shutdown(s->side[SIM_A].assoc, s->now), 0);
	assert_int_equal(esctp_assoc_shutdown(s->side[SIM_Z].assoc, s->now), 0);
	SIM_OK_OR_FAIL(s,
		       sim_run(s, both_shut, NULL, s->now + 60 * ESCTP_SECOND));
	assert_int_equal(s->side[SIM_A].chunks_sent[CT_SHUTDOWN], 1);
	assert_int_equal(s->side[SIM_Z].chunks_sent[CT_SHUTDOWN], 1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(sim_evcount(s, i, ESCTP_EV_SHUTDOWN_COMP), 1);
		assert_int_equal(sim_evcount(s, i, ESCTP_EV_COMM_LOST), 0);
		assert_int_equal(esctp_assoc_state(s->side[i].assoc),
				 ESCTP_CLOSED);
	}
	check_quiet(s);
	SIM_FINISH(s);
}

/* One shutdown chunk lost: its T2-shutdown retransmission (RTO >= 1 s)
 * finishes the job; for a lost SHUTDOWN COMPLETE, A has no association
 * left and answers Z's retransmitted SHUTDOWN ACK with SHUTDOWN COMPLETE
 * (RFC 9260 §8.4 rule 5). */
static void shutdown_chunk_lost(uint64_t seed, int from, uint8_t type)
{
	sim *s = sim_new(seed, NULL, NULL);
	assert_non_null(s);
	SIM_OK_OR_FAIL(s, sim_establish(s));
	SIM_OK_OR_FAIL(s, sim_exchange(s, 16 * 1024, seed));
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));
	sim_drop_chunk(s, from, type, 0, 1);
	esctp_tstamp t0 = s->now;
	assert_int_equal(esctp_assoc_shutdown(s->side[SIM_A].assoc, s->now), 0);
	SIM_OK_OR_FAIL(s,
		       sim_run(s, both_shut, NULL, s->now + 60 * ESCTP_SECOND));
	assert_int_equal(s->rules[0].dropped, 1);
	esctp_tstamp end = s->now - t0;
	printf("shutdown, first chunk %u from %c lost: done after %.3f s\n",
	       type, "AZ"[from], (double)end / 1e9);
	assert_true(end >= ms(1000));
	assert_true(end <= ms(1000 + 500));
	for (int i = 0; i < 2; i++) {
		assert_int_equal(sim_evcount(s, i, ESCTP_EV_SHUTDOWN_COMP), 1);
		assert_int_equal(sim_evcount(s, i, ESCTP_EV_COMM_LOST), 0);
	}
	check_quiet(s);
	SIM_FINISH(s);
}

static void test_shutdown_lost(void **state)
{
	(void)state;
	shutdown_chunk_lost(3007, SIM_A, CT_SHUTDOWN);
}

static void test_shutdown_ack_lost(void **state)
{
	(void)state;
	shutdown_chunk_lost(3008, SIM_Z, CT_SHUTDOWN_ACK);
}

static void test_shutdown_complete_lost(void **state)
{
	(void)state;
	shutdown_chunk_lost(3009, SIM_A, CT_SHUTDOWN_COMPLETE);
}

/* The error causes each side's COMM_LOST carried
 * (esctp_event_abort_causes()), and what the other events gave. */
typedef struct causes_log {
	unsigned lost[2], others;
	uint8_t bytes[2][64];
	size_t len[2];
} causes_log;

static void log_causes(sim *s, int side, const esctp_event *ev, void *ctx)
{
	causes_log *l = ctx;
	const uint8_t *d = (const uint8_t *)1;
	size_t n = esctp_event_abort_causes(s->side[side].ep, ev, &d);
	if (ev->type != ESCTP_EV_COMM_LOST) {
		l->others += n != 0 || d != NULL;
		return;
	}
	l->lost[side]++;
	l->len[side] = n;
	if (n && n <= sizeof l->bytes[side])
		memcpy(l->bytes[side], d, n);
}

/* RFC 9260 §9.1: ABORT ends the association at once; the peer reports
 * it (COMM_LOST) with the User-Initiated Abort cause (§3.3.10.12), whose
 * bytes come with the event (Linux's sac_info); the side that aborted
 * has none. */
static void test_abort(void **state)
{
	(void)state;
	sim *s = sim_new(3010, NULL, NULL);
	assert_non_null(s);
	causes_log l = {0};
	s->on_event = log_causes;
	s->event_ctx = &l;
	SIM_OK_OR_FAIL(s, sim_establish(s));
	SIM_OK_OR_FAIL(s, sim_exchange(s, 64 * 1024, 34));
	esctp_assoc *a = s->side[SIM_A].assoc, *z = s->side[SIM_Z].assoc;
	/* Something unread at Z when the ABORT arrives. */
	esctp_sndinfo si = {0};
	assert_int_equal(esctp_assoc_send(a, &si, "ping", 4, s->now), 0);
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));
	assert_int_equal(esctp_assoc_abort(a, "test abort", s->now), 0);
	assert_int_equal(esctp_assoc_state(a), ESCTP_CLOSED);
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));
	assert_int_equal(s->side[SIM_A].chunks_sent[CT_ABORT], 1);
	assert_int_equal(sim_evcount(s, SIM_Z, ESCTP_EV_COMM_LOST), 1);
	assert_int_equal(s->side[SIM_Z].ev_last[ESCTP_EV_COMM_LOST].cause,
			 CAUSE_USER_ABORT);
	assert_ptr_equal(s->side[SIM_Z].ev_last[ESCTP_EV_COMM_LOST].assoc, z);
	/* Cause 12, length 4 + 10 ("test abort"): the value as sent, its
	 * padding not included. */
	static const uint8_t want[] = {0, 12, 0, 14, 't', 'e', 's',
				       't', ' ', 'a', 'b', 'o', 'r', 't'};
	assert_int_equal(l.lost[SIM_Z], 1);
	assert_int_equal(l.len[SIM_Z], sizeof want);
	assert_memory_equal(l.bytes[SIM_Z], want, sizeof want);
	assert_int_equal(l.lost[SIM_A], 1);
	assert_int_equal(l.len[SIM_A], 0);
	assert_int_equal(l.others, 0);
	assert_int_equal(esctp_assoc_state(z), ESCTP_CLOSED);
	assert_int_equal(sim_evcount(s, SIM_Z, ESCTP_EV_SHUTDOWN_COMP), 0);
	assert_int_equal(sim_evcount(s, SIM_A, ESCTP_EV_SHUTDOWN_COMP), 0);
	/* What arrived before the ABORT stays readable, then CLOSED. */
	uint8_t buf[64];
	assert_int_equal(esctp_assoc_recv(z, buf, sizeof buf, NULL), 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(esctp_assoc_recv(z, buf, sizeof buf, NULL),
			 ESCTP_ERR_CLOSED);
	assert_true(esctp_assoc_send(a, &si, "x", 1, s->now) < 0);
	assert_true(esctp_assoc_send(z, &si, "x", 1, s->now) < 0);
	check_quiet(s);
	SIM_FINISH(s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shutdown_cookie_wait),
	    cmocka_unit_test(test_shutdown_cookie_echoed),
	    cmocka_unit_test(test_shutdown_established_with_data),
	    cmocka_unit_test(test_shutdown_pending),
	    cmocka_unit_test(test_shutdown_after_write_is_prompt),
	    cmocka_unit_test(test_shutdown_both_sides),
	    cmocka_unit_test(test_shutdown_simultaneous_idle),
	    cmocka_unit_test(test_shutdown_lost),
	    cmocka_unit_test(test_shutdown_ack_lost),
	    cmocka_unit_test(test_shutdown_complete_lost),
	    cmocka_unit_test(test_abort),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
