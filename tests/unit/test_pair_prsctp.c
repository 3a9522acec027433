/*
 * test_pair_prsctp.c - partial reliability (RFC 3758 timed reliability and
 * the policies of RFC 7496) in the simulator: under heavy loss, messages
 * with a lifetime expire, run out of retransmissions or make room for
 * reliable ones, the sender reports them, FORWARD TSN moves the receiver
 * on, the receiver never sees a corrupted or partial message, and the
 * reliable messages still all arrive, in order per stream.  Then each
 * policy message by message, with scripted losses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../sim/sim.h"

#define CT_FORWARD_TSN 192

typedef struct pr_test {
	sim_flow fa;
	unsigned bad_errors;
} pr_test;

static void pr_event(sim *s, int side, const esctp_event *ev, void *ctx)
{
	pr_test *t = ctx;
	sim_flows_event(s, side, ev, NULL);
	/* Abandoned by PR-SCTP, not by the association ending. */
	if (ev->type == ESCTP_EV_SEND_FAILED && ev->error != ESCTP_ERR_AGAIN)
		t->bad_errors++;
}

static bool drained(sim *s, void *ctx)
{
	pr_test *t = ctx;
	esctp_status st;
	if (!sim_flow_complete(&t->fa))
		return false;
	esctp_assoc_status(s->side[SIM_A].assoc, &st);
	return st.unacked == 0 && st.pending == 0;
}

typedef struct pr_params {
	uint64_t seed, flow_seed;
	double loss, dup, reorder;
	bool lossy_handshake; /* links set before the handshake */
	uint64_t total;
	uint32_t max_msg, rcvbuf, read_size; /* rcvbuf 0: default */
	uint32_t sndbuf;		     /* A's; 0: default */
	unsigned ttl_pct;  /* share of PR-SCTP messages: 300 ms lifetime... */
	uint8_t pr_policy; /* ... or this policy (ESCTP_PR_*) */
	uint32_t pr_value; /* ... with this value */
} pr_params;

/* Fills why when the finished run is wrong. */
static void pr_check(sim *s, const pr_test *t, char *why, size_t cap)
{
	if (t->fa.nfailed == 0)
		snprintf(why, cap, "no message abandoned");
	else if (t->bad_errors)
		snprintf(why, cap,
			 "SEND_FAILED with an error other than AGAIN");
	else if (s->side[SIM_A].chunks_sent[CT_FORWARD_TSN] == 0)
		snprintf(why, cap, "no FORWARD TSN on the wire");
	else if (t->fa.rx_in_msg)
		snprintf(why, cap, "a message was left half delivered");
	else if (esctp_assoc_recv_pending(s->side[SIM_Z].assoc))
		snprintf(why, cap, "data left unread");
	for (int i = 0; i < 2 && !why[0]; i++)
		if (sim_evcount(s, i, ESCTP_EV_COMM_LOST) ||
		    esctp_assoc_state(s->side[i].assoc) != ESCTP_ESTABLISHED)
			snprintf(why, cap, "side %c: association ended",
				 "AZ"[i]);
}

static void run_prsctp(const pr_params *p)
{
	esctp_config ca, cz;
	sim_config_default(&ca, SIM_A);
	sim_config_default(&cz, SIM_Z);
	ca.prsctp = cz.prsctp = true;
	if (p->rcvbuf)
		ca.rcvbuf = cz.rcvbuf = p->rcvbuf;
	if (p->sndbuf)
		ca.sndbuf = p->sndbuf;
	sim *s = sim_new(p->seed, &ca, &cz);
	assert_non_null(s);
	sim_link l = {0};
	l.delay = 10 * ESCTP_MS;
	l.loss = p->loss;
	l.dup = p->dup;
	l.reorder = p->reorder;
	l.reorder_max = 40 * ESCTP_MS;
	if (p->lossy_handshake)
		sim_set_links(s, &l);
	SIM_OK_OR_FAIL(s, sim_establish(s));
	sim_set_links(s, &l);

	pr_test t;
	memset(&t, 0, sizeof t);
	sim_flow_cfg fc = {0};
	fc.total_bytes = p->total;
	fc.max_msg = p->max_msg;
	fc.min_msg = 1;
	fc.nstreams = 10;
	fc.unordered_pct = 30;
	fc.ttl_pct = p->ttl_pct;
	fc.ttl_ms = p->pr_policy ? 0 : 300;
	fc.pr_policy = p->pr_policy;
	fc.pr_value = p->pr_value;
	fc.read_size = p->read_size;
	fc.seed = p->flow_seed;
	assert_int_equal(sim_flow_init(&t.fa, SIM_A, &fc), 0);
	sim_flows_attach(s, &t.fa, NULL);
	s->on_event = pr_event;
	s->event_ctx = &t;

	int rc = sim_run(s, drained, &t, s->now + 8 * 3600 * ESCTP_SECOND);
	/* Late copies must still not be delivered twice. */
	if (rc == SIM_OK)
		rc = sim_run_for(s, 30 * ESCTP_SECOND);
	if (rc == SIM_OK && sim_flow_verify(s, &t.fa) != 0)
		rc = SIM_ERR_FAIL;
	char stats[256];
	sim_format_stats(s, stats, sizeof stats);
	static const char *const names[] = {"ttl_ms", "TTL", "RTX", "PRIO"};
	esctp_status st;
	esctp_assoc_status(s->side[SIM_A].assoc, &st);
	printf("prsctp %s, loss %.0f%%: %u msgs sent, %u delivered, %u "
	       "abandoned (%llu unsent, %llu sent; %u of them delivered "
	       "anyway), %u partial deliveries aborted, %llu FORWARD TSN, sim "
	       "time %.1f s, %s\n",
	       names[p->pr_policy & 3], p->loss * 100, t.fa.nsent, t.fa.nrecv,
	       t.fa.nfailed,
	       (unsigned long long)st.abandoned_unsent[p->pr_policy & 3],
	       (unsigned long long)st.abandoned_sent[p->pr_policy & 3],
	       t.fa.nexpired_recv, t.fa.npd_aborted,
	       (unsigned long long)s->side[SIM_A].chunks_sent[CT_FORWARD_TSN],
	       (double)s->now / 1e9, stats);
	char why[768] = "";
	if (rc != SIM_OK) {
		char missing[400];
		sim_flow_describe_missing(&t.fa, missing, sizeof missing);
		snprintf(why, sizeof why, "%s; %s", sim_error(s), missing);
	} else
		pr_check(s, &t, why, sizeof why);
	sim_flow_free(&t.fa);
	uint64_t wire = s->bad_crc + s->malformed + s->misrouted;
	size_t leaked = sim_free(s);
	if (why[0])
		fail_msg("seed %llu: %s", (unsigned long long)p->seed, why);
	assert_int_equal(wire, 0);
	assert_int_equal(leaked, 0);
}

/* Half the messages (up to 16 KB, so most are fragmented) live 300 ms;
 * 30% of packets are lost each way. */
static void test_prsctp_heavy_loss(void **state)
{
	(void)state;
	pr_params p = {.seed = 4001,
		       .flow_seed = 4006,
		       .loss = 0.30,
		       .total = 2 * 1024 * 1024,
		       .max_msg = 16 * 1024,
		       .ttl_pct = 50};
	run_prsctp(&p);
}

/* Messages up to 128 KB into a 64 KB receive buffer read 4 KB at a time:
 * expiries cut messages that are being delivered in pieces. */
static void test_prsctp_partial_delivery(void **state)
{
	(void)state;
	pr_params p = {.seed = 4002,
		       .flow_seed = 4007,
		       .loss = 0.20,
		       .total = 2 * 1024 * 1024,
		       .max_msg = 128 * 1024,
		       .read_size = 4096,
		       .ttl_pct = 70};
	p.rcvbuf = 64 * 1024;
	run_prsctp(&p);
}

/* 25% loss with duplicates and reordering, messages up to 256 KB into
 * 64 KB receive buffers: large messages with a lifetime are abandoned
 * after some of their fragments got TSNs and were acknowledged. */
static void test_prsctp_large_messages(void **state)
{
	(void)state;
	pr_params p = {.seed = 448,
		       .flow_seed = 448 * 7,
		       .loss = 0.25,
		       .dup = 0.02,
		       .reorder = 0.10,
		       .lossy_handshake = true,
		       .total = 3 * 1024 * 1024,
		       .max_msg = 256 * 1024,
		       .read_size = 5000,
		       .ttl_pct = 50};
	p.rcvbuf = 64 * 1024;
	run_prsctp(&p);
}

/* Half the messages may be retransmitted once (RFC 7496 limited
 * retransmissions), under 30% loss each way. */
static void test_prsctp_rtx_heavy_loss(void **state)
{
	(void)state;
	pr_params p = {.seed = 4011,
		       .flow_seed = 4016,
		       .loss = 0.30,
		       .total = 1024 * 1024,
		       .max_msg = 16 * 1024,
		       .ttl_pct = 50,
		       .pr_policy = ESCTP_PR_RTX,
		       .pr_value = 1};
	run_prsctp(&p);
}

/* Half the messages have priority 5 in a 64 KB send buffer: every reliable
 * message that finds the buffer full pushes some of them out, sent
 * (skipped with FORWARD TSN) or not, under 10% loss. */
static void test_prsctp_prio_full_buffer(void **state)
{
	(void)state;
	pr_params p = {.seed = 4012,
		       .flow_seed = 4017,
		       .loss = 0.10,
		       .total = 2 * 1024 * 1024,
		       .max_msg = 16 * 1024,
		       .sndbuf = 64 * 1024,
		       .ttl_pct = 50,
		       .pr_policy = ESCTP_PR_PRIO,
		       .pr_value = 5};
	run_prsctp(&p);
}

typedef struct tail_test {
	uint8_t buf[128 * 1024];
	size_t len;
	bool got_after, got_first, got_other;
	unsigned failed;
} tail_test;

static void tail_event(sim *s, int side, const esctp_event *ev, void *ctx)
{
	tail_test *t = ctx;
	(void)s;
	if (side == SIM_A && ev->type == ESCTP_EV_SEND_FAILED)
		t->failed++;
}

/* Reads whole messages at Z; only "after" may arrive. */
static void tail_app(sim *s, int side, void *ctx)
{
	tail_test *t = ctx;
	esctp_assoc *z = s->side[SIM_Z].assoc;
	if (side != SIM_Z || !z)
		return;
	for (int n = 0; n < 64; n++) {
		esctp_rcvinfo ri;
		int rc = esctp_assoc_recv(z, t->buf + t->len,
					  sizeof t->buf - t->len, &ri);
		if (rc <= 0)
			return;
		t->len += (size_t)rc;
		if (!(ri.flags & ESCTP_EOR))
			continue;
		if (t->len == 5 && memcmp(t->buf, "after", 5) == 0)
			t->got_after = true;
		else if (t->len == 5 && memcmp(t->buf, "first", 5) == 0)
			t->got_first = true;
		else
			t->got_other = true;
		t->len = 0;
	}
}

static bool got_after(sim *s, void *ctx)
{
	(void)s;
	return ((tail_test *)ctx)->got_after;
}

/* A message with a lifetime whose first fragments all reached Z expires
 * before its last fragments get a TSN: the FORWARD TSN then carries a New
 * Cumulative TSN equal to Z's cumulative TSN.  RFC 3758 §3.6 forbids only
 * moving the cumulative TSN in that case; the stream's SSN must still skip
 * the abandoned message (and its fragments be dropped), or every later
 * ordered message on that stream waits forever.  (As Linux does: it
 * processes the stream list of an out-of-date FORWARD TSN.) */
static void test_prsctp_abandoned_tail(void **state)
{
	(void)state;
	sim *s = sim_new(4003, NULL, NULL);
	assert_non_null(s);
	SIM_OK_OR_FAIL(s, sim_establish(s));
	tail_test t;
	memset(&t, 0, sizeof t);
	s->app = tail_app;
	s->app_ctx = &t;
	s->on_event = tail_event;
	s->event_ctx = &t;
	static uint8_t big[64 * 1024];
	memset(big, 0x5a, sizeof big);
	esctp_assoc *a = s->side[SIM_A].assoc;
	esctp_sndinfo si = {0};
	si.stream = 3;
	si.ttl_ms = 5; /* expires before the SACK opens cwnd for the rest */
	assert_int_equal(esctp_assoc_send(a, &si, big, sizeof big, s->now), 0);
	si.ttl_ms = 0;
	assert_int_equal(esctp_assoc_send(a, &si, "after", 5, s->now), 0);
	int rc = sim_run(s, got_after, &t, s->now + 30 * ESCTP_SECOND);
	printf("abandoned tail: %llu DATA chunks, %llu FORWARD TSN, %u "
	       "SEND_FAILED, \"after\" %s\n",
	       (unsigned long long)s->side[SIM_A].data_chunks,
	       (unsigned long long)s->side[SIM_A].chunks_sent[CT_FORWARD_TSN],
	       t.failed, t.got_after ? "delivered" : "NOT delivered");
	bool fwd = s->side[SIM_A].chunks_sent[CT_FORWARD_TSN] > 0;
	char why[300];
	snprintf(why, sizeof why, "%s", sim_error(s));
	uint64_t wire = s->bad_crc + s->malformed + s->misrouted;
	size_t leaked = sim_free(s);
	if (!t.got_after)
		fail_msg("the reliable message queued after the expired one on "
			 "stream 3 never arrived (%s)",
			 why);
	assert_int_equal(rc, SIM_OK);
	assert_false(t.got_other);
	assert_int_equal(t.failed, 1);
	assert_true(fwd);
	assert_int_equal(wire, 0);
	assert_int_equal(leaked, 0);
}

/* The same with the abandoned fragments received but acknowledged only by
 * gap blocks: a reliable DATA before them is lost, so the cumulative ack
 * stays behind them until its retransmission, and then jumps past them.
 * The Advanced.Peer.Ack.Point (RFC 3758 §3.5 C1-C3) never gets ahead of the
 * cumulative ack, yet Z holds the first fragments of stream 3's SSN 0 and
 * waits for the rest: the sender must still tell it to skip that SSN, or
 * "after" (SSN 1) is never delivered. */
static void test_prsctp_abandoned_gap_acked(void **state)
{
	(void)state;
	sim *s = sim_new(4004, NULL, NULL);
	assert_non_null(s);
	SIM_OK_OR_FAIL(s, sim_establish(s));
	tail_test t;
	memset(&t, 0, sizeof t);
	s->app = tail_app;
	s->app_ctx = &t;
	s->on_event = tail_event;
	s->event_ctx = &t;
	esctp_assoc *a = s->side[SIM_A].assoc;
	esctp_sndinfo si = {0};
	sim_drop_chunk(s, SIM_A, 0, 0, 1); /* the packet with "first" */
	assert_int_equal(esctp_assoc_send(a, &si, "first", 5, s->now), 0);
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_MS));
	static uint8_t big[64 * 1024];
	memset(big, 0xa5, sizeof big);
	si.stream = 3;
	si.ttl_ms = 15; /* expires before the first SACK comes back */
	assert_int_equal(esctp_assoc_send(a, &si, big, sizeof big, s->now), 0);
	si.ttl_ms = 0;
	assert_int_equal(esctp_assoc_send(a, &si, "after", 5, s->now), 0);
	int rc = sim_run(s, got_after, &t, s->now + 30 * ESCTP_SECOND);
	printf("abandoned, gap-acked: %llu DATA chunks, %llu FORWARD TSN, %u "
	       "SEND_FAILED, \"first\" %s, \"after\" %s\n",
	       (unsigned long long)s->side[SIM_A].data_chunks,
	       (unsigned long long)s->side[SIM_A].chunks_sent[CT_FORWARD_TSN],
	       t.failed, t.got_first ? "delivered" : "NOT delivered",
	       t.got_after ? "delivered" : "NOT delivered");
	uint64_t dropped = s->rules[0].dropped;
	uint64_t wire = s->bad_crc + s->malformed + s->misrouted;
	size_t leaked = sim_free(s);
	assert_int_equal(dropped, 1);
	if (!t.got_after)
		fail_msg("the reliable message queued after the expired one on "
			 "stream 3 never arrived");
	assert_int_equal(rc, SIM_OK);
	assert_true(t.got_first);
	assert_false(t.got_other);
	assert_int_equal(t.failed, 1);
	assert_int_equal(wire, 0);
	assert_int_equal(leaked, 0);
}

/* ---- RFC 7496 policies, message by message ---- */

#define POL_MAX 16

/* Message id is len bytes of id, sent with context id. */
typedef struct pol_test {
	uint8_t buf[16384];
	size_t len;
	unsigned got[POL_MAX]; /* deliveries at Z, by id */
	int last[4];	       /* per stream: the last id delivered, or -1 */
	bool disorder, corrupt;
	int mark; /* message whose transmissions are dropped */
	unsigned drops_left, dropped;
	bool blackhole; /* drop every packet from A with DATA */
	esctp_event failed[POL_MAX];
	unsigned nfailed;
} pol_test;

static void pol_check(pol_test *t, const esctp_rcvinfo *ri)
{
	uint8_t id = t->buf[0];
	for (size_t i = 0; i < t->len; i++)
		if (t->buf[i] != id)
			t->corrupt = true;
	if (id >= POL_MAX || ri->stream >= 4) {
		t->corrupt = true;
		return;
	}
	t->got[id]++;
	if (t->last[ri->stream] >= id)
		t->disorder = true;
	t->last[ri->stream] = id;
}

/* Z reads whole messages and checks them. */
static void pol_app(sim *s, int side, void *ctx)
{
	pol_test *t = ctx;
	esctp_assoc *z = s->side[SIM_Z].assoc;
	if (side != SIM_Z || !z)
		return;
	for (int n = 0; n < 64; n++) {
		esctp_rcvinfo ri;
		int rc = esctp_assoc_recv(z, t->buf + t->len,
					  sizeof t->buf - t->len, &ri);
		if (rc <= 0)
			return;
		t->len += (size_t)rc;
		if (!(ri.flags & ESCTP_EOR))
			continue;
		pol_check(t, &ri);
		t->len = 0;
	}
}

static void pol_event(sim *s, int side, const esctp_event *ev, void *ctx)
{
	pol_test *t = ctx;
	(void)s;
	if (side == SIM_A && ev->type == ESCTP_EV_SEND_FAILED &&
	    t->nfailed < POL_MAX)
		t->failed[t->nfailed++] = *ev;
}

/* True when a DATA chunk of the packet belongs to message id. */
static bool pkt_has_msg(const sim_pkt *p, int id)
{
	size_t off = 12;
	while (off + 4 <= p->len) {
		const uint8_t *c = p->data + off;
		size_t clen = (size_t)c[2] << 8 | c[3];
		if (clen < 4 || clen > p->len - off)
			return false;
		if (c[0] == 0 && clen > 16 && c[16] == id)
			return true;
		off += (clen + 3) & ~(size_t)3;
	}
	return false;
}

static bool pol_drop(sim *s, int from, const sim_pkt *p, void *ctx)
{
	pol_test *t = ctx;
	(void)s;
	if (from != SIM_A)
		return false;
	if (t->blackhole && sim_pkt_has_chunk(p->data, p->len, 0))
		return true;
	if (t->drops_left && pkt_has_msg(p, t->mark)) {
		t->drops_left--;
		t->dropped++;
		return true;
	}
	return false;
}

/* An established pair whose A sends without Nagle (each message in its own
 * packet, so that drops hit one message), with the hooks above. */
static sim *pol_setup(uint64_t seed, const esctp_config *ca, pol_test *t)
{
	memset(t, 0, sizeof *t);
	t->mark = -1;
	for (int i = 0; i < 4; i++)
		t->last[i] = -1;
	sim *s = sim_new(seed, ca, NULL);
	assert_non_null(s);
	int rc = sim_establish(s);
	if (rc != SIM_OK)
		fail_msg("establish: %s", sim_error(s));
	esctp_assoc_set_nodelay(s->side[SIM_A].assoc, true);
	s->app = pol_app;
	s->app_ctx = t;
	s->on_event = pol_event;
	s->event_ctx = t;
	s->drop = pol_drop;
	s->drop_ctx = t;
	return s;
}

static int pol_send(sim *s, uint8_t id, uint16_t stream, size_t len,
		    uint8_t policy, uint32_t value)
{
	static uint8_t buf[16384];
	memset(buf, id, len);
	esctp_sndinfo si = {.stream = stream,
			    .context = id,
			    .pr_policy = policy,
			    .pr_value = value};
	return esctp_assoc_send(s->side[SIM_A].assoc, &si, buf, len, s->now);
}

static bool got_2(sim *s, void *ctx)
{
	(void)s;
	return ((pol_test *)ctx)->got[2] > 0;
}

/* Message 1 (stream 3, RTX rtx) loses its first `losses` transmissions;
 * message 2 (reliable) follows on the same stream and must arrive, after
 * message 1 when that is delivered. */
static void run_rtx(uint64_t seed, uint32_t rtx, unsigned losses)
{
	pol_test t;
	sim *s = pol_setup(seed, NULL, &t);
	esctp_assoc *a = s->side[SIM_A].assoc;
	t.mark = 1;
	t.drops_left = losses;
	assert_int_equal(pol_send(s, 1, 3, 100, ESCTP_PR_RTX, rtx), 0);
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_MS));
	assert_int_equal(pol_send(s, 2, 3, 100, ESCTP_PR_NONE, 0), 0);
	int rc = sim_run(s, got_2, &t, s->now + 60 * ESCTP_SECOND);
	/* Anything still to come (a late retransmission) shows up now. */
	if (rc == SIM_OK)
		rc = sim_run_for(s, 10 * ESCTP_SECOND);
	esctp_status st;
	esctp_assoc_status(a, &st);
	uint64_t fwd = s->side[SIM_A].chunks_sent[CT_FORWARD_TSN];
	printf("RTX %u, %u losses: %u dropped, %llu retransmitted, %u "
	       "SEND_FAILED, %llu FORWARD TSN, message 1 %s\n",
	       rtx, losses, t.dropped, (unsigned long long)st.retransmits,
	       t.nfailed, (unsigned long long)fwd,
	       t.got[1] ? "delivered" : "abandoned");
	char why[300];
	snprintf(why, sizeof why, "%s", sim_error(s));
	uint64_t wire = s->bad_crc + s->malformed + s->misrouted;
	esctp_state a_state = esctp_assoc_state(a);
	size_t leaked = sim_free(s);
	if (rc != SIM_OK)
		fail_msg("seed %llu: %s", (unsigned long long)seed, why);
	bool abandoned = losses > rtx;
	assert_false(t.corrupt);
	assert_false(t.disorder);
	assert_int_equal(t.got[2], 1);
	assert_int_equal(t.got[1], abandoned ? 0 : 1);
	assert_int_equal(t.dropped, abandoned ? rtx + 1 : losses);
	assert_int_equal(st.retransmits, abandoned ? rtx : losses);
	assert_int_equal(t.nfailed, abandoned ? 1 : 0);
	assert_int_equal(st.abandoned_sent[ESCTP_PR_RTX], abandoned ? 1 : 0);
	assert_int_equal(st.abandoned_unsent[ESCTP_PR_RTX], 0);
	if (abandoned) {
		assert_int_equal(t.failed[0].error, ESCTP_ERR_AGAIN);
		assert_int_equal(t.failed[0].flags, ESCTP_SENT);
		assert_int_equal(t.failed[0].context, 1);
		assert_int_equal(t.failed[0].stream, 3);
		assert_int_equal(t.failed[0].len, 100);
		assert_true(fwd > 0);
	} else {
		assert_int_equal(fwd, 0);
	}
	assert_int_equal(a_state, ESCTP_ESTABLISHED);
	assert_int_equal(wire, 0);
	assert_int_equal(leaked, 0);
}

/* RTX 0 whose only transmission is lost: abandoned at the T3 expiry,
 * SEND_FAILED, FORWARD TSN; Z skips its SSN and delivers the next one. */
static void test_prsctp_rtx0_lost(void **state)
{
	(void)state;
	run_rtx(4020, 0, 1);
}

/* RTX 2 survives two losses: the second retransmission arrives. */
static void test_prsctp_rtx2_two_losses(void **state)
{
	(void)state;
	run_rtx(4021, 2, 2);
}

/* ... and a third loss abandons it. */
static void test_prsctp_rtx2_three_losses(void **state)
{
	(void)state;
	run_rtx(4022, 2, 3);
}

static bool got_4_to_9(sim *s, void *ctx)
{
	pol_test *t = ctx;
	(void)s;
	for (int id = 4; id <= 9; id++)
		if (!t->got[id])
			return false;
	return true;
}

/* A full 8000-byte send buffer of priority-5 messages 1..8 (streams 1, 0,
 * 1, 0...), the first five in flight and lost: another priority-5 and a
 * priority-9 message find no room; a priority-1 message of 3000 bytes gets
 * in by abandoning 1, 2 and 3 (sent: reported with ESCTP_SENT, skipped by
 * FORWARD TSN).  Once the network works again everything else arrives. */
static void test_prsctp_prio_pair(void **state)
{
	(void)state;
	esctp_config ca;
	sim_config_default(&ca, SIM_A);
	ca.sndbuf = 8000;
	pol_test t;
	sim *s = pol_setup(4023, &ca, &t);
	esctp_assoc *a = s->side[SIM_A].assoc;
	t.blackhole = true;
	for (uint8_t id = 1; id <= 8; id++)
		assert_int_equal(
		    pol_send(s, id, id % 2, 1000, ESCTP_PR_PRIO, 5), 0);
	assert_int_equal(pol_send(s, 9, 1, 1000, ESCTP_PR_PRIO, 5),
			 ESCTP_ERR_AGAIN);
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_MS));
	esctp_status st;
	esctp_assoc_status(a, &st);
	assert_true(st.unacked >= 3);
	assert_int_equal(esctp_assoc_send_space(a), 0);
	assert_int_equal(pol_send(s, 9, 0, 3000, ESCTP_PR_PRIO, 9),
			 ESCTP_ERR_AGAIN);
	assert_int_equal(pol_send(s, 9, 0, 3000, ESCTP_PR_PRIO, 1), 0);
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_MS));
	assert_int_equal(t.nfailed, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(t.failed[i].context, i + 1);
		assert_int_equal(t.failed[i].error, ESCTP_ERR_AGAIN);
		assert_int_equal(t.failed[i].flags, ESCTP_SENT);
		assert_int_equal(t.failed[i].len, 1000);
	}
	esctp_assoc_status(a, &st);
	assert_int_equal(st.abandoned_sent[ESCTP_PR_PRIO], 3);
	assert_int_equal(st.abandoned_unsent[ESCTP_PR_PRIO], 0);
	t.blackhole = false;
	int rc = sim_run(s, got_4_to_9, &t, s->now + 60 * ESCTP_SECOND);
	if (rc == SIM_OK)
		rc = sim_run_for(s, 10 * ESCTP_SECOND);
	uint64_t fwd = s->side[SIM_A].chunks_sent[CT_FORWARD_TSN];
	printf("PRIO: 3 abandoned, %llu FORWARD TSN, delivered:",
	       (unsigned long long)fwd);
	for (int id = 1; id <= 9; id++)
		if (t.got[id])
			printf(" %d", id);
	printf("\n");
	char why[300];
	snprintf(why, sizeof why, "%s", sim_error(s));
	uint64_t wire = s->bad_crc + s->malformed + s->misrouted;
	esctp_state a_state = esctp_assoc_state(a);
	size_t leaked = sim_free(s);
	if (rc != SIM_OK)
		fail_msg("%s", why);
	assert_false(t.corrupt);
	assert_false(t.disorder);
	for (int id = 1; id <= 9; id++)
		assert_int_equal(t.got[id], id <= 3 ? 0 : 1);
	assert_int_equal(t.nfailed, 3);
	assert_true(fwd > 0);
	assert_int_equal(a_state, ESCTP_ESTABLISHED);
	assert_int_equal(wire, 0);
	assert_int_equal(leaked, 0);
}

/* ---- the bytes of failed messages (ssf_data) ---- */

/* Each SEND_FAILED on A: its message's bytes as esctp_event_failed_data()
 * gives them, checked against what was sent (message i is len_i bytes of
 * value i + 1, ppid i). */
typedef struct failed_log {
	unsigned n, ok;
	int error[8];
	uint32_t dlen[8];
} failed_log;

static void check_failed(sim *s, int side, const esctp_event *ev, void *ctx)
{
	failed_log *l = ctx;
	const uint8_t *d = (const uint8_t *)1;
	if (side != SIM_A || ev->type != ESCTP_EV_SEND_FAILED) {
		assert_int_equal(
		    esctp_event_failed_data(s->side[side].ep, ev, &d), 0);
		assert_null(d);
		return;
	}
	size_t n = esctp_event_failed_data(s->side[side].ep, ev, &d);
	if (l->n < 8) {
		l->error[l->n] = ev->error;
		l->dlen[l->n] = (uint32_t)n;
	}
	l->n++;
	uint32_t id = ev->ppid;
	bool same = n == ev->len && d != NULL;
	for (size_t i = 0; same && i < n; i++)
		same = d[i] == (uint8_t)(id + 1);
	if (same)
		l->ok++;
}

static void send_marked(sim *s, uint32_t id, size_t len,
			const esctp_sndinfo *base)
{
	static uint8_t buf[20000];
	memset(buf, (int)(id + 1), len);
	esctp_sndinfo si = *base;
	si.ppid = id;
	assert_int_equal(
	    esctp_assoc_send(s->side[SIM_A].assoc, &si, buf, len, s->now), 0);
}

/* An abort with messages in flight and queued: each SEND_FAILED gives
 * exactly the bytes sent in, sent (in flight) or not. */
static void test_failed_data_abort(void **state)
{
	(void)state;
	sim *s = sim_new(4100, NULL, NULL);
	assert_non_null(s);
	SIM_OK_OR_FAIL(s, sim_establish(s));
	failed_log l = {0};
	s->on_event = check_failed;
	s->event_ctx = &l;
	sim_path_down(s, 0, true);
	sim_path_down(s, 1, true);
	esctp_sndinfo si = {0};
	send_marked(s, 0, 100, &si);
	send_marked(s, 1, 5000, &si); /* fragmented */
	send_marked(s, 2, 7, &si);
	SIM_OK_OR_FAIL(s, sim_run_for(s, 50 * ESCTP_MS));
	assert_int_equal(esctp_assoc_abort(s->side[SIM_A].assoc, NULL, s->now),
			 0);
	SIM_OK_OR_FAIL(s, sim_run_for(s, 10 * ESCTP_MS));
	assert_int_equal(l.n, 3);
	assert_int_equal(l.ok, 3);
	assert_int_equal(l.dlen[1], 5000);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(l.error[i], ESCTP_ERR_CLOSED);
	SIM_FINISH(s);
}

/* PR-SCTP timed reliability: a message whose lifetime ends unsent, and
 * one sent but never acknowledged, each give their bytes. */
static void test_failed_data_ttl(void **state)
{
	(void)state;
	sim *s = sim_new(4101, NULL, NULL);
	assert_non_null(s);
	SIM_OK_OR_FAIL(s, sim_establish(s));
	esctp_status st;
	esctp_assoc_status(s->side[SIM_A].assoc, &st);
	assert_true(st.prsctp);
	failed_log l = {0};
	s->on_event = check_failed;
	s->event_ctx = &l;
	sim_path_down(s, 0, true);
	sim_path_down(s, 1, true);
	esctp_sndinfo si = {.pr_policy = ESCTP_PR_TTL, .pr_value = 100};
	send_marked(s, 0, 300, &si);
	send_marked(s, 1, 20000, &si); /* more than the cwnd: partly unsent */
	SIM_OK_OR_FAIL(s, sim_run_for(s, 5 * ESCTP_SECOND));
	assert_int_equal(l.n, 2);
	assert_int_equal(l.ok, 2);
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(l.error[i], ESCTP_ERR_AGAIN);
	SIM_FINISH(s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prsctp_heavy_loss),
	    cmocka_unit_test(test_failed_data_abort),
	    cmocka_unit_test(test_failed_data_ttl),
	    cmocka_unit_test(test_prsctp_partial_delivery),
	    cmocka_unit_test(test_prsctp_large_messages),
	    cmocka_unit_test(test_prsctp_abandoned_tail),
	    cmocka_unit_test(test_prsctp_abandoned_gap_acked),
	    cmocka_unit_test(test_prsctp_rtx_heavy_loss),
	    cmocka_unit_test(test_prsctp_prio_full_buffer),
	    cmocka_unit_test(test_prsctp_rtx0_lost),
	    cmocka_unit_test(test_prsctp_rtx2_two_losses),
	    cmocka_unit_test(test_prsctp_rtx2_three_losses),
	    cmocka_unit_test(test_prsctp_prio_pair),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
