/*
 * test_pair_transfer.c - bulk transfers between A and Z in the simulator:
 * 10 MB of checked messages (1 byte to 256 KB, 10 streams, ordered and
 * unordered) at several loss rates, with duplication and reordering, in
 * both directions at once, and with a receive buffer smaller than the
 * largest message (partial delivery).  Every message must arrive exactly
 * once, intact, and in order per stream when ordered.  Also Nagle turned
 * off and on again on a live association (esctp_assoc_set_nodelay), and
 * the user's fragment point (esctp_assoc_set_maxseg).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../sim/sim.h"

#define MB (1024 * 1024)

typedef struct transfer {
	const char *name;
	uint64_t seed;
	sim_link link;
	bool both_ways;
	uint32_t read_size;    /* 0: whole messages */
	uint32_t rcvbuf;       /* 0: default */
	esctp_tstamp max_time; /* 0: no bound on the simulated duration */
} transfer;

static void summary(const transfer *t, sim *s, const sim_flow *fa,
		    const sim_flow *fz)
{
	char stats[256];
	sim_format_stats(s, stats, sizeof stats);
	printf("%s: A->Z %.2f MB %u msgs", t->name, (double)fa->bytes_recv / MB,
	       fa->nrecv);
	if (fz)
		printf(", Z->A %.2f MB %u msgs", (double)fz->bytes_recv / MB,
		       fz->nrecv);
	printf(", sim time %.2f s, %s, engine rtx A %llu Z %llu\n",
	       (double)s->now / 1e9, stats,
	       (unsigned long long)sim_retransmits(s, SIM_A),
	       (unsigned long long)sim_retransmits(s, SIM_Z));
}

/* Fills why when the finished transfer is wrong. */
static void check_result(const transfer *t, sim *s, const sim_flow *fa,
			 const sim_flow *fz, char *why, size_t cap)
{
	if (fa->bytes_recv < 10 * MB || fa->nfailed ||
	    (t->both_ways && (fz->bytes_recv < 10 * MB || fz->nfailed))) {
		snprintf(why, cap, "not everything arrived");
		return;
	}
	if (t->max_time && s->now > t->max_time) {
		snprintf(why, cap,
			 "took %.2f s of simulated time, more than %.2f s",
			 (double)s->now / 1e9, (double)t->max_time / 1e9);
		return;
	}
	for (int i = 0; i < 2; i++)
		if (sim_evcount(s, i, ESCTP_EV_COMM_LOST) ||
		    esctp_assoc_state(s->side[i].assoc) != ESCTP_ESTABLISHED) {
			snprintf(why, cap, "side %c: association ended",
				 "AZ"[i]);
			return;
		}
}

static void run_transfer(const transfer *t)
{
	esctp_config ca, cz;
	sim_config_default(&ca, SIM_A);
	sim_config_default(&cz, SIM_Z);
	if (t->rcvbuf)
		ca.rcvbuf = cz.rcvbuf = t->rcvbuf;
	sim *s = sim_new(t->seed, &ca, &cz);
	assert_non_null(s);
	sim_set_links(s, &t->link);
	SIM_OK_OR_FAIL(s, sim_establish(s));

	sim_flow_cfg fc = {0};
	fc.total_bytes = 10 * MB;
	fc.max_msg = 256 * 1024;
	fc.min_msg = 1;
	fc.nstreams = 10;
	fc.unordered_pct = 30;
	fc.read_size = t->read_size;
	fc.seed = t->seed * 31 + 1;
	sim_flow fa, fz;
	assert_int_equal(sim_flow_init(&fa, SIM_A, &fc), 0);
	fc.seed ^= 0xabcdef;
	assert_int_equal(sim_flow_init(&fz, SIM_Z, &fc), 0);
	sim_flows_attach(s, &fa, t->both_ways ? &fz : NULL);

	int rc =
	    sim_run(s, sim_flows_done, NULL, s->now + 4 * 3600 * ESCTP_SECOND);
	if (rc == SIM_OK && sim_flow_verify(s, &fa) != 0)
		rc = SIM_ERR_FAIL;
	if (rc == SIM_OK && t->both_ways && sim_flow_verify(s, &fz) != 0)
		rc = SIM_ERR_FAIL;
	summary(t, s, &fa, t->both_ways ? &fz : NULL);
	/* Checked before anything is freed, reported after, so that a
	 * failure does not leak into the sanitizer's report. */
	char why[1024] = "";
	if (rc != SIM_OK) {
		char ma[400], mz[400] = "";
		sim_flow_describe_missing(&fa, ma, sizeof ma);
		if (t->both_ways)
			sim_flow_describe_missing(&fz, mz, sizeof mz);
		snprintf(why, sizeof why, "seed %llu: %s; A->Z: %s%s%s",
			 (unsigned long long)t->seed, sim_error(s), ma,
			 t->both_ways ? "; Z->A: " : "", mz);
	} else
		check_result(t, s, &fa, &fz, why, sizeof why);
	sim_flow_free(&fa);
	sim_flow_free(&fz);
	uint64_t wire = s->bad_crc + s->malformed + s->misrouted;
	size_t leaked = sim_free(s);
	if (why[0])
		fail_msg("%s: %s", t->name, why);
	assert_int_equal(wire, 0);
	assert_int_equal(leaked, 0);
}

static sim_link lossy(double loss)
{
	sim_link l = {0};
	l.delay = 10 * ESCTP_MS;
	l.loss = loss;
	return l;
}

static void test_transfer_no_loss(void **state)
{
	(void)state;
	transfer t = {
	    .name = "transfer loss 0%", .seed = 1001, .link = lossy(0)};
	/* 20 ms RTT and a 256 KB window allow 12.8 MB/s once slow start
	 * (RFC 9260 §7.2.1) has opened cwnd, a few RTTs: 10 MB must take
	 * well under 10 s. */
	t.max_time = 10 * ESCTP_SECOND;
	run_transfer(&t);
}

/* Also the partial-delivery test: the receive buffer (128 KB) and each
 * read (10000 bytes) are smaller than the largest message (256 KB). */
static void test_transfer_loss_1(void **state)
{
	(void)state;
	transfer t = {.name = "transfer loss 1%, 128K rcvbuf, 10000-byte reads",
		      .seed = 1002,
		      .link = lossy(0.01),
		      .read_size = 10000,
		      .rcvbuf = 128 * 1024};
	run_transfer(&t);
}

static void test_transfer_loss_5(void **state)
{
	(void)state;
	transfer t = {
	    .name = "transfer loss 5%", .seed = 1005, .link = lossy(0.05)};
	run_transfer(&t);
}

static void test_transfer_loss_20(void **state)
{
	(void)state;
	transfer t = {
	    .name = "transfer loss 20%", .seed = 1020, .link = lossy(0.20)};
	run_transfer(&t);
}

static void test_transfer_dup_reorder(void **state)
{
	(void)state;
	transfer t = {.name = "transfer dup 5% reorder 20% delay 30+50ms",
		      .seed = 1100,
		      .link = lossy(0)};
	t.link.delay = 30 * ESCTP_MS;
	t.link.dup = 0.05;
	t.link.reorder = 0.20;
	t.link.reorder_max = 50 * ESCTP_MS;
	run_transfer(&t);
}

/* Both directions at once over a 4 MB/s link with a 200 KB queue (tail
 * drops) and 2% random loss. */
static void test_transfer_both_ways(void **state)
{
	(void)state;
	transfer t = {.name = "transfer both ways, 4 MB/s, loss 2%",
		      .seed = 1200,
		      .link = lossy(0.02),
		      .both_ways = true};
	t.link.bandwidth = 4 * MB;
	t.link.queue_max = 200 * 1024;
	run_transfer(&t);
}

/* ---- Nagle per association ---- */

static bool both_up(sim *s, void *ctx)
{
	(void)ctx;
	return sim_evcount(s, SIM_A, ESCTP_EV_COMM_UP) &&
	       sim_evcount(s, SIM_Z, ESCTP_EV_COMM_UP);
}

/* When A put each packet carrying DATA on the wire. */
typedef struct data_log {
	esctp_tstamp at[32];
	unsigned n;
} data_log;

static bool log_a_data(sim *s, int from, const sim_pkt *p, void *ctx)
{
	data_log *l = ctx;
	if (from == SIM_A && sim_pkt_has_chunk(p->data, p->len, 0) && l->n < 32)
		l->at[l->n++] = s->now;
	return false; /* nothing is dropped */
}

/* Queues a 100-byte message on A and runs the output of this instant. */
static void send_small(sim *s)
{
	static const uint8_t msg[100];
	esctp_sndinfo info = {.stream = 1};
	assert_int_equal(esctp_assoc_send(s->side[SIM_A].assoc, &info, msg,
					  sizeof msg, s->now),
			 0);
	SIM_OK_OR_FAIL(s, sim_run_for(s, 0));
}

/* Reads every message waiting at Z; returns how many. */
static unsigned read_all_z(sim *s)
{
	uint8_t buf[256];
	esctp_rcvinfo ri;
	unsigned n = 0;
	int rc;
	while ((rc = esctp_assoc_recv(s->side[SIM_Z].assoc, buf, sizeof buf,
				      &ri)) >= 0) {
		assert_int_equal(rc, 100);
		assert_true(ri.flags & ESCTP_EOR);
		n++;
	}
	assert_int_equal(rc, ESCTP_ERR_AGAIN);
	return n;
}

/* Nagle starts on (config.nodelay false) and holds a small message while
 * one is unacknowledged; esctp_assoc_set_nodelay(true) releases it at once
 * and lets the next ones leave without waiting; set back to false, Nagle
 * holds again until the SACK comes (Z's is delayed up to 200 ms, the link
 * takes 10 ms each way). */
static void test_set_nodelay(void **state)
{
	(void)state;
	sim *s = sim_new(1300, NULL, NULL);
	assert_non_null(s);
	assert_false(s->side[SIM_A].cfg.nodelay);
	SIM_OK_OR_FAIL(s, sim_establish(s));
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));
	data_log l = {0};
	s->drop = log_a_data;
	s->drop_ctx = &l;

	esctp_tstamp t0 = s->now;
	send_small(s); /* nothing outstanding: it goes */
	assert_int_equal(l.n, 1);
	send_small(s); /* held behind the first */
	SIM_OK_OR_FAIL(s, sim_run_for(s, 50 * ESCTP_MS));
	assert_int_equal(l.n, 1);

	esctp_tstamp t1 = s->now;
	esctp_assoc_set_nodelay(s->side[SIM_A].assoc, true);
	SIM_OK_OR_FAIL(s, sim_run_for(s, 0));
	assert_int_equal(l.n, 2); /* the held message left at once */
	assert_true(l.at[1] == t1);
	send_small(s); /* two unacknowledged, and still it goes */
	assert_int_equal(l.n, 3);
	assert_true(l.at[2] == t1);

	esctp_assoc_set_nodelay(s->side[SIM_A].assoc, false);
	send_small(s);
	assert_int_equal(l.n, 3); /* Nagle again: held */
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));
	assert_int_equal(l.n, 4); /* after the SACK */
	assert_true(l.at[3] >= t1 + 20 * ESCTP_MS);
	assert_true(l.at[3] < t1 + 300 * ESCTP_MS);
	assert_int_equal(s->side[SIM_A].data_rtx, 0);
	assert_int_equal(read_all_z(s), 4);
	printf("nodelay: DATA at +%.0f, +%.0f (set_nodelay at +%.0f), "
	       "+%.0f, +%.0f ms\n",
	       (double)(l.at[0] - t0) / 1e6, (double)(l.at[1] - t0) / 1e6,
	       (double)(t1 - t0) / 1e6, (double)(l.at[2] - t0) / 1e6,
	       (double)(l.at[3] - t0) / 1e6);
	SIM_FINISH(s);
}

/* Set before the handshake completes, the choice applies once the
 * association is up. */
static void test_set_nodelay_before_up(void **state)
{
	(void)state;
	sim *s = sim_new(1301, NULL, NULL);
	assert_non_null(s);
	assert_int_equal(sim_connect(s, SIM_A), 0);
	esctp_assoc_set_nodelay(s->side[SIM_A].assoc, true);
	SIM_OK_OR_FAIL(s, sim_run(s, both_up, NULL, 30 * ESCTP_SECOND));
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));
	data_log l = {0};
	s->drop = log_a_data;
	s->drop_ctx = &l;
	for (unsigned i = 1; i <= 3; i++) {
		send_small(s);
		assert_int_equal(l.n, i);
	}
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));
	assert_int_equal(read_all_z(s), 3);
	SIM_FINISH(s);
}

/* ---- the user's fragment point (SCTP_MAXSEG) ---- */

/* The user data of each DATA chunk A put on the wire. */
typedef struct frag_log {
	uint32_t payload[64];
	unsigned n;
} frag_log;

static bool log_frags(sim *s, int from, const sim_pkt *p, void *ctx)
{
	(void)s;
	frag_log *l = ctx;
	for (size_t off = 12; off + 4 <= p->len;) {
		uint8_t type = p->data[off];
		size_t clen = (size_t)p->data[off + 2] << 8 | p->data[off + 3];
		if (clen < 4)
			break;
		if (from == SIM_A && type == 0 && clen >= 16 && l->n < 64)
			l->payload[l->n++] = (uint32_t)(clen - 16);
		off += (clen + 3) & ~(size_t)3;
	}
	return false;
}

/* Sends a 10,000-byte patterned message from A, checks that it arrives
 * whole at Z, and returns the log of its DATA chunks. */
static frag_log send_10k(sim *s, uint8_t seed)
{
	static uint8_t msg[10000], got[12000];
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)(i * 7 + seed);
	frag_log l = {0};
	s->drop = log_frags;
	s->drop_ctx = &l;
	esctp_sndinfo info = {.stream = 1};
	assert_int_equal(esctp_assoc_send(s->side[SIM_A].assoc, &info, msg,
					  sizeof msg, s->now),
			 0);
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));
	s->drop = NULL;
	esctp_rcvinfo ri;
	int rc = esctp_assoc_recv(s->side[SIM_Z].assoc, got, sizeof got, &ri);
	assert_int_equal(rc, sizeof msg);
	assert_true(ri.flags & ESCTP_EOR);
	assert_memory_equal(got, msg, sizeof msg);
	uint32_t sum = 0;
	for (unsigned i = 0; i < l.n; i++)
		sum += l.payload[i];
	assert_int_equal(sum, sizeof msg); /* nothing sent twice */
	return l;
}

static uint32_t largest(const frag_log *l)
{
	uint32_t m = 0;
	for (unsigned i = 0; i < l->n; i++)
		m = l->payload[i] > m ? l->payload[i] : m;
	return m;
}

static uint32_t frag_point(sim *s)
{
	esctp_status st;
	esctp_assoc_status(s->side[SIM_A].assoc, &st);
	return st.frag_point;
}

/* Set before the handshake (no sender yet), 1000 bytes cut a 10,000-byte
 * message into ten DATA chunks of 1000; 0 gives the path MTU's fragments
 * back; a limit not a multiple of 4 is rounded down; one above what the
 * MTU allows changes nothing. */
static void test_set_maxseg(void **state)
{
	(void)state;
	sim *s = sim_new(1303, NULL, NULL);
	assert_non_null(s);
	assert_int_equal(esctp_assoc_set_maxseg(NULL, 1000), ESCTP_ERR_INVAL);
	assert_int_equal(sim_connect(s, SIM_A), 0);
	esctp_assoc *a = s->side[SIM_A].assoc;
	uint32_t mtu_point = frag_point(s);
	assert_true(mtu_point > 1000);
	assert_int_equal(esctp_assoc_set_maxseg(a, 3), ESCTP_ERR_INVAL);
	assert_int_equal(esctp_assoc_set_maxseg(a, 1000), 0);
	assert_int_equal(frag_point(s), 1000);
	SIM_OK_OR_FAIL(s, sim_run(s, both_up, NULL, 30 * ESCTP_SECOND));
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));

	frag_log l = send_10k(s, 1);
	assert_int_equal(l.n, 10);
	assert_int_equal(largest(&l), 1000);

	assert_int_equal(esctp_assoc_set_maxseg(a, 0), 0);
	assert_int_equal(frag_point(s), mtu_point);
	l = send_10k(s, 2);
	assert_int_equal(largest(&l), mtu_point);
	assert_int_equal(l.n, (10000 + mtu_point - 1) / mtu_point);

	assert_int_equal(esctp_assoc_set_maxseg(a, 1001), 0);
	assert_int_equal(frag_point(s), 1000);
	l = send_10k(s, 3);
	assert_int_equal(largest(&l), 1000);
	assert_int_equal(esctp_assoc_set_maxseg(a, 65535), 0);
	assert_int_equal(frag_point(s), mtu_point);
	printf("maxseg: 10,000 bytes in %u DATA chunks at 1000, %u at the "
	       "MTU's %u\n",
	       10u, (10000 + mtu_point - 1) / mtu_point, mtu_point);
	SIM_FINISH(s);
}

/* SCTP_PARTIAL_DELIVERY_POINT set before the handshake (the receive side
 * does not exist yet) holds: with a 10,000-byte message's packets lost
 * from the third on, the first two fragments are readable before the
 * retransmissions bring the rest; then the rest, once. */
static void test_pd_point_before_setup(void **state)
{
	(void)state;
	sim *s = sim_new(1304, NULL, NULL);
	assert_non_null(s);
	assert_int_equal(sim_connect(s, SIM_A), 0);
	esctp_assoc *a = s->side[SIM_A].assoc;
	esctp_assoc_set_pd_point(a, 1000);
	SIM_OK_OR_FAIL(s, sim_run(s, both_up, NULL, 30 * ESCTP_SECOND));
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));
	static uint8_t msg[10000], got[12000];
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)(i * 13 + 5);
	sim_drop_chunk(s, SIM_Z, 0 /* DATA */, 2, 6);
	esctp_sndinfo info = {0};
	assert_int_equal(esctp_assoc_send(s->side[SIM_Z].assoc, &info, msg,
					  sizeof msg, s->now),
			 0);
	SIM_OK_OR_FAIL(s, sim_run_for(s, 50 * ESCTP_MS));
	size_t early = esctp_assoc_recv_pending(a);
	assert_true(early >= 1000 && early < sizeof msg);
	esctp_rcvinfo ri;
	int rc = esctp_assoc_recv(a, got, sizeof got, &ri);
	assert_int_equal(rc, (int)early);
	assert_false(ri.flags & ESCTP_EOR);
	SIM_OK_OR_FAIL(s, sim_run_for(s, 10 * ESCTP_SECOND));
	assert_true(s->rules[0].dropped >= 1);
	int rest = esctp_assoc_recv(a, got + early, sizeof got - early, &ri);
	assert_int_equal((size_t)rest, sizeof msg - early);
	assert_true(ri.flags & ESCTP_EOR);
	assert_memory_equal(got, msg, sizeof msg);
	SIM_FINISH(s);
}

/* ---- the I bit (RFC 7053), per message ---- */

/* What crossed the wire: DATA chunk flags from A, SACK times from Z. */
typedef struct ibit_log {
	uint8_t data_flags[16];
	unsigned ndata;
	esctp_tstamp sack_at[16];
	unsigned nsack;
} ibit_log;

static bool log_ibit(sim *s, int from, const sim_pkt *p, void *ctx)
{
	ibit_log *l = ctx;
	for (size_t off = 12; off + 4 <= p->len;) {
		uint8_t type = p->data[off], flags = p->data[off + 1];
		size_t clen = (size_t)p->data[off + 2] << 8 | p->data[off + 3];
		if (clen < 4)
			break;
		if (from == SIM_A && type == 0 && l->ndata < 16)
			l->data_flags[l->ndata++] = flags;
		if (from == SIM_Z && type == 3 && l->nsack < 16)
			l->sack_at[l->nsack++] = s->now;
		off += (clen + 3) & ~(size_t)3;
	}
	return false;
}

/* Without ESCTP_SACK_NOW a lone message is acknowledged after Z's 200 ms
 * SACK delay and its DATA has no I bit; with it, the last DATA chunk of
 * the message (and only that one) carries the I bit and Z's SACK leaves as
 * the chunk arrives (one 10 ms link away). */
static void test_sack_now(void **state)
{
	(void)state;
	sim *s = sim_new(1302, NULL, NULL);
	assert_non_null(s);
	SIM_OK_OR_FAIL(s, sim_establish(s));
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));
	esctp_assoc *a = s->side[SIM_A].assoc;
	esctp_assoc_set_nodelay(a, true);
	ibit_log l = {0};
	s->drop = log_ibit;
	s->drop_ctx = &l;
	static uint8_t msg[3000];

	esctp_sndinfo plain = {.stream = 1};
	esctp_tstamp t0 = s->now;
	assert_int_equal(esctp_assoc_send(a, &plain, msg, 100, s->now), 0);
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));
	assert_int_equal(l.ndata, 1);
	assert_int_equal(l.data_flags[0] & 0x08, 0);
	assert_int_equal(l.nsack, 1);
	assert_true(l.sack_at[0] >= t0 + 200 * ESCTP_MS);
	esctp_tstamp delayed = l.sack_at[0] - t0;

	esctp_sndinfo now = {.stream = 1, .flags = ESCTP_SACK_NOW};
	t0 = s->now;
	assert_int_equal(esctp_assoc_send(a, &now, msg, 100, s->now), 0);
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));
	assert_int_equal(l.ndata, 2);
	assert_int_equal(l.data_flags[1] & 0x08, 0x08);
	assert_int_equal(l.nsack, 2);
	assert_true(l.sack_at[1] == t0 + 10 * ESCTP_MS);

	/* A fragmented message: the I bit on its last fragment only. */
	l.ndata = l.nsack = 0;
	t0 = s->now;
	assert_int_equal(esctp_assoc_send(a, &now, msg, sizeof msg, s->now), 0);
	SIM_OK_OR_FAIL(s, sim_run_for(s, ESCTP_SECOND));
	assert_true(l.ndata >= 3);
	for (unsigned i = 0; i + 1 < l.ndata; i++)
		assert_int_equal(l.data_flags[i] & 0x08, 0);
	assert_int_equal(l.data_flags[l.ndata - 1] & 0x09, 0x09); /* I, E */
	assert_true(l.nsack >= 1);
	assert_true(l.sack_at[l.nsack - 1] <= t0 + 20 * ESCTP_MS);
	printf("sack_now: SACK after %.0f ms without the I bit, %.0f ms "
	       "with it\n",
	       (double)delayed / 1e6, 10.0);
	SIM_FINISH(s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_transfer_no_loss),
	    cmocka_unit_test(test_transfer_loss_1),
	    cmocka_unit_test(test_transfer_loss_5),
	    cmocka_unit_test(test_transfer_loss_20),
	    cmocka_unit_test(test_transfer_dup_reorder),
	    cmocka_unit_test(test_transfer_both_ways),
	    cmocka_unit_test(test_set_nodelay),
	    cmocka_unit_test(test_set_nodelay_before_up),
	    cmocka_unit_test(test_set_maxseg),
	    cmocka_unit_test(test_pd_point_before_setup),
	    cmocka_unit_test(test_sack_now),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
