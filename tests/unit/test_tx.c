/*
 * test_tx.c - the sending half (lib/esctp/tx_*.c) against a fake clock, with
 * SACKs built as chunk_sack structs over big-endian gap arrays and the
 * packets tx_fill() writes decoded by the real codec.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tx.h"

#define MS ESCTP_MS
#define SEC ESCTP_SECOND
#define MTU 1452
#define FRAG (MTU - 12 - 16) /* 1424 */
#define CSZ (FRAG + 16)	     /* 1440: a full DATA chunk = path_mss */
#define ITSN 1000u

typedef struct got {
	uint8_t flags;
	uint32_t tsn;
	uint16_t stream, ssn;
	uint32_t ppid;
	size_t len;
	uint8_t data[MTU];
} got;

typedef struct fx {
	esctp_mem mem;
	tx *t;
	path paths[2];
	esctp_tstamp now;
	got out[128]; /* chunks of the last fill / drain */
	unsigned nout;
} fx;

static tx_params params(void)
{
	tx_params p = {
	    .initial_tsn = ITSN,
	    .nstreams = 4,
	    .sndbuf = 1u << 22,
	    .max_message = 1u << 22,
	    .peer_rwnd = 1u << 22,
	    .max_burst = 0,
	    .prsctp = false,
	    .nodelay = true,
	};
	return p;
}

static fx *fx_open(const tx_params *p)
{
	fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	mem_init(&f->mem, NULL);
	f->t = tx_new(&f->mem, p);
	assert_non_null(f->t);
	esctp_addr a = {.family = ESCTP_AF_INET};
	for (unsigned i = 0; i < 2; i++)
		path_init(&f->paths[i], &a, MTU, 1u << 30, 1 * SEC);
	f->now = 1 * SEC;
	return f;
}

static void fx_close(fx *f)
{
	tx_free(f->t);
	free(f);
}

static void enq(fx *f, uint16_t stream, size_t len, uint32_t flags,
		uint32_t ttl_ms)
{
	static uint8_t buf[1 << 21];
	for (size_t i = 0; i < len && i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + stream);
	esctp_sndinfo in = {.stream = stream,
			    .ppid = 0x01020304,
			    .flags = flags,
			    .ttl_ms = ttl_ms,
			    .context = 77};
	assert_int_equal(tx_enqueue(f->t, &in, buf, len, f->now), 0);
}

/* Decodes the DATA chunks of a packet into f->out from index f->nout. */
static unsigned decode(fx *f, const uint8_t *pkt, size_t len)
{
	pkt_iter it;
	pkt_chunk c;
	unsigned n = 0;
	pkt_iter_init(&it, pkt, len);
	while (pkt_iter_next(&it, &c)) {
		if (c.type != CT_DATA)
			continue;
		chunk_data d;
		assert_int_equal(chunk_data_decode(&c, &d), 0);
		assert_true(f->nout < ARRAY_LEN(f->out));
		got *g = &f->out[f->nout++];
		g->flags = d.flags;
		g->tsn = d.tsn;
		g->stream = d.stream;
		g->ssn = d.ssn;
		g->ppid = d.ppid;
		g->len = d.len;
		memcpy(g->data, d.payload, d.len);
		n++;
	}
	return n;
}

/* One packet on path pi (with `pre` bytes of another chunk first). */
static unsigned fill_pre(fx *f, unsigned pi, size_t pre)
{
	uint8_t buf[MTU];
	wbuf w;
	wbuf_init(&w, buf, sizeof(buf));
	pkt_put_header(&w, 1, 2, 3);
	if (pre)
		chunk_put_heartbeat(&w, CT_HEARTBEAT, buf, pre - 8);
	unsigned n = tx_fill(f->t, f->paths, 2, pi, &w, f->now);
	assert_int_equal(w.err, 0);
	assert_int_equal(decode(f, buf, w.len), n);
	return n;
}

static unsigned fill(fx *f, unsigned pi)
{
	f->nout = 0;
	return fill_pre(f, pi, 0);
}

/* Packets until tx_fill() writes nothing; chunks accumulate in f->out. */
static unsigned drain(fx *f, unsigned pi)
{
	unsigned pkts = 0;
	f->nout = 0;
	while (fill_pre(f, pi, 0) > 0)
		pkts++;
	assert_false(tx_has_sendable(f->t, f->paths, pi, f->now));
	return pkts;
}

/* A SACK; gaps are (start, end) offset pairs. */
static void sack(fx *f, uint32_t cum, uint32_t a_rwnd, const uint16_t *gaps,
		 unsigned ngaps, tx_ack *out)
{
	uint8_t g[4 * 32];
	assert_true(ngaps <= 32);
	for (unsigned i = 0; i < ngaps; i++) {
		put16(g + 4 * i, gaps[2 * i]);
		put16(g + 4 * i + 2, gaps[2 * i + 1]);
	}
	chunk_sack s = {.cum_tsn = cum,
			.a_rwnd = a_rwnd,
			.ngaps = (uint16_t)ngaps,
			.gaps = g};
	tx_ack tmp;
	tx_on_sack(f->t, &s, f->paths, 2, 10 * MS, 60 * SEC, f->now,
		   out ? out : &tmp);
}

static void ack_all(fx *f, uint32_t cum)
{
	sack(f, cum, 1u << 22, NULL, 0, NULL);
}

/* ---- fragmentation and ordering ---- */

static void test_fragmentation(void **state)
{
	(void)state;
	tx_params p = params();
	fx *f = fx_open(&p);
	enq(f, 1, 5000, 0, 0);
	enq(f, 1, 100, 0, 0);
	enq(f, 2, 100, 0, 0);
	assert_int_equal(tx_queued_bytes(f->t), 5200);
	/* cwnd 4404: four full packets (the fourth overbooks, rule B) */
	assert_int_equal(drain(f, 0), 4);
	assert_int_equal(f->nout, 6); /* the small ones fill the 4th */
	size_t lens[] = {FRAG, FRAG, FRAG, 5000 - 3 * FRAG};
	uint8_t whole[5000];
	size_t off = 0;
	for (unsigned i = 0; i < 4; i++) {
		got *g = &f->out[i];
		assert_int_equal(g->tsn, ITSN + i);
		assert_int_equal(g->stream, 1);
		assert_int_equal(g->ssn, 0);
		assert_int_equal(g->ppid, 0x01020304);
		assert_int_equal(g->len, lens[i]);
		uint8_t want =
		    (i == 0 ? DATA_FLAG_B : 0) | (i == 3 ? DATA_FLAG_E : 0);
		assert_int_equal(g->flags, want);
		memcpy(whole + off, g->data, g->len);
		off += g->len;
	}
	assert_int_equal(off, 5000);
	for (size_t i = 0; i < 5000; i++)
		assert_int_equal(whole[i], (uint8_t)(i * 7 + 1));
	assert_int_equal(f->paths[0].flight,
			 3 * CSZ + 16 + 728 + 2 * (16 + 100));
	assert_int_equal(tx_outstanding_chunks(f->t), 6);
	/* FCFS: the next message of stream 1 has SSN 1, then stream 2's */
	assert_int_equal(f->out[4].tsn, ITSN + 4);
	assert_int_equal(f->out[4].stream, 1);
	assert_int_equal(f->out[4].ssn, 1);
	assert_int_equal(f->out[4].flags, DATA_FLAG_B | DATA_FLAG_E);
	assert_int_equal(f->out[5].stream, 2);
	assert_int_equal(f->out[5].ssn, 0);
	assert_int_equal(tx_msgs_sent(f->t), 3);
	assert_int_equal(tx_bytes_sent(f->t), 5200);
	/* a smaller fragment size applies to fragments not yet sent */
	ack_all(f, ITSN + 5);
	tx_set_frag_size(f->t, 500);
	enq(f, 3, 1200, 0, 0);
	assert_int_equal(fill(f, 0), 3);
	assert_int_equal(f->out[0].len, 500);
	assert_int_equal(f->out[2].len, 200);
	assert_int_equal(f->out[2].flags, DATA_FLAG_E);
	fx_close(f);
}

static void test_unordered(void **state)
{
	(void)state;
	tx_params p = params();
	fx *f = fx_open(&p);
	enq(f, 0, 10, 0, 0);
	enq(f, 0, 3000, ESCTP_UNORDERED, 0);
	enq(f, 0, 10, 0, 0);
	drain(f, 0);
	assert_int_equal(f->nout, 5);
	assert_int_equal(f->out[0].ssn, 0);
	for (unsigned i = 1; i < 4; i++) {
		assert_true(f->out[i].flags & DATA_FLAG_U);
		assert_int_equal(f->out[i].ssn, 0);
	}
	assert_int_equal(f->out[1].flags, DATA_FLAG_U | DATA_FLAG_B);
	assert_int_equal(f->out[3].flags, DATA_FLAG_U | DATA_FLAG_E);
	/* the unordered message takes no SSN */
	assert_int_equal(f->out[4].ssn, 1);
	assert_false(f->out[4].flags & DATA_FLAG_U);
	fx_close(f);
}

/* ---- congestion control ---- */

static void test_cwnd_limits(void **state)
{
	(void)state;
	tx_params p = params();
	fx *f = fx_open(&p);
	enq(f, 0, 50000, 0, 0);
	assert_true(tx_has_sendable(f->t, f->paths, 0, f->now));
	assert_int_equal(drain(f, 0), 4);
	assert_int_equal(f->paths[0].flight, 4 * CSZ);
	/* T3 started by the first send (R1) */
	assert_true(f->paths[0].t3 == f->now + 1 * SEC);
	/* the other path has its own cwnd */
	assert_int_equal(drain(f, 1), 4);
	fx_close(f);
}

static void test_slow_start(void **state)
{
	(void)state;
	tx_params p = params();
	fx *f = fx_open(&p);
	enq(f, 0, 100000, 0, 0);
	drain(f, 0); /* 1000..1003: flight 5760 >= cwnd */
	/* cum over 1000..1002 (3 chunks newly acked, cwnd fully used):
	 * + min(3 * 1440, MTU) */
	ack_all(f, ITSN + 2);
	assert_int_equal(f->paths[0].cwnd, 4404 + CSZ);
	assert_int_equal(drain(f, 0), 4); /* 1004..1007: flight 7200 */
	ack_all(f, ITSN + 4);		  /* 2 chunks: + 1440 */
	assert_int_equal(f->paths[0].cwnd, 4404 + 2 * CSZ);
	/* a gap ack does not advance the cum TSN: no growth */
	sack(f, ITSN + 4, 1u << 22, (uint16_t[]){2, 2}, 1, NULL);
	assert_int_equal(f->paths[0].cwnd, 4404 + 2 * CSZ);
	ack_all(f, ITSN + 7);
	assert_int_equal(f->paths[0].flight, 0);
	assert_true(f->paths[0].t3 == ESCTP_TSTAMP_NEVER); /* R2 */
	fx_close(f);

	/* cwnd not fully used: no growth */
	f = fx_open(&p);
	enq(f, 0, 100, 0, 0);
	drain(f, 0);
	ack_all(f, ITSN);
	assert_int_equal(f->paths[0].cwnd, 4404);
	fx_close(f);
}

static void test_congestion_avoidance(void **state)
{
	(void)state;
	tx_params p = params();
	fx *f = fx_open(&p);
	path *pa = &f->paths[0];
	pa->ssthresh = 2000; /* cwnd 4404 > ssthresh */
	enq(f, 0, 1 << 20, 0, 0);
	assert_int_equal(drain(f, 0), 4); /* 1000..1003, flight 5760 */
	ack_all(f, ITSN + 1);		  /* 2 chunks: pba 2880 < cwnd */
	assert_int_equal(pa->cwnd, 4404);
	assert_int_equal(pa->partial_bytes_acked, 2 * CSZ);
	assert_int_equal(drain(f, 0), 2); /* 2880 -> 5760 */
	ack_all(f, ITSN + 3);		  /* pba 5760 >= cwnd, flight was */
	assert_int_equal(pa->cwnd, 4404 + CSZ); /* >= cwnd: + MTU */
	assert_int_equal(pa->partial_bytes_acked, 4 * CSZ - 4404);
	/* flight below cwnd before the SACK: pba is capped at cwnd */
	ack_all(f, ITSN + 5);
	assert_int_equal(pa->flight, 0);
	assert_int_equal(pa->partial_bytes_acked, 0); /* all acked */
	assert_int_equal(pa->cwnd, 4404 + CSZ);
	drain(f, 0); /* 5 packets: 1006..1010 */
	assert_int_equal(f->nout, 5);
	pa->cwnd = 20000; /* flight 7200 < cwnd */
	ack_all(f, ITSN + 6);
	assert_int_equal(pa->partial_bytes_acked, CSZ);
	pa->partial_bytes_acked = 19000;
	ack_all(f, ITSN + 7);
	assert_int_equal(pa->partial_bytes_acked, 20000);
	assert_int_equal(pa->cwnd, 20000);
	fx_close(f);
}

/* ---- peer receive window ---- */

static void test_rwnd_and_zero_window_probe(void **state)
{
	(void)state;
	tx_params p = params();
	p.peer_rwnd = 3000;
	fx *f = fx_open(&p);
	enq(f, 0, 20000, 0, 0);
	assert_int_equal(drain(f, 0), 2);
	assert_int_equal(tx_peer_rwnd(f->t), 3000 - 2 * FRAG);
	/* a_rwnd minus what is still outstanding */
	sack(f, ITSN, 3000, NULL, 0, NULL);
	assert_int_equal(tx_peer_rwnd(f->t), 3000 - FRAG);
	assert_int_equal(drain(f, 0), 1);
	/* window closed, everything acked: one zero-window probe */
	sack(f, ITSN + 2, 0, NULL, 0, NULL);
	assert_int_equal(tx_peer_rwnd(f->t), 0);
	assert_true(tx_has_sendable(f->t, f->paths, 0, f->now));
	assert_int_equal(drain(f, 0), 1);
	assert_int_equal(f->nout, 1);
	assert_int_equal(f->out[0].tsn, ITSN + 3);
	/* probe still outstanding: nothing more */
	sack(f, ITSN + 2, 0, NULL, 0, NULL);
	assert_int_equal(drain(f, 0), 0);
	/* probe acked, window still 0: the next probe */
	sack(f, ITSN + 3, 0, NULL, 0, NULL);
	assert_int_equal(drain(f, 0), 1);
	/* window opens */
	sack(f, ITSN + 4, 100000, NULL, 0, NULL);
	assert_true(drain(f, 0) >= 3);
	fx_close(f);
}

/* ---- retransmission timer ---- */

static void test_t3_expiry(void **state)
{
	(void)state;
	tx_params p = params();
	fx *f = fx_open(&p);
	path *pa = &f->paths[0];
	enq(f, 0, 4 * FRAG, 0, 0);
	drain(f, 0);
	enq(f, 1, 100, 0, 0);
	f->now += 1 * SEC;
	tx_on_t3(f->t, f->paths, 2, 0, 60 * SEC, f->now);
	/* E1 / §7.2.3 */
	assert_int_equal(pa->ssthresh, 4 * CSZ); /* max(4404/2, 4*MTU) */
	assert_int_equal(pa->cwnd, CSZ);
	assert_int_equal(pa->partial_bytes_acked, 0);
	assert_int_equal(pa->rto, 2 * SEC); /* E2 */
	assert_int_equal(pa->flight, 0);
	assert_true(pa->t3 == ESCTP_TSTAMP_NEVER);
	assert_true(tx_has_retransmits(f->t));
	assert_int_equal(tx_peer_rwnd(f->t), p.peer_rwnd);
	/* E3: one packet with the earliest chunk, before new data */
	assert_int_equal(drain(f, 0), 1);
	assert_int_equal(f->out[0].tsn, ITSN);
	assert_int_equal(tx_retransmits(f->t), 1);
	assert_true(pa->t3 == f->now + 2 * SEC); /* R1 with backed-off RTO */
	/* the ack grows cwnd by one MTU (slow start) */
	f->now += 100 * MS;
	ack_all(f, ITSN);
	assert_int_equal(pa->cwnd, 2 * CSZ);
	assert_int_equal(drain(f, 0), 2);
	assert_int_equal(f->out[0].tsn, ITSN + 1);
	assert_int_equal(f->out[1].tsn, ITSN + 2);
	ack_all(f, ITSN + 2);
	drain(f, 0);
	assert_int_equal(f->out[0].tsn, ITSN + 3); /* last retransmission */
	assert_int_equal(f->out[1].tsn, ITSN + 4); /* then the new message */
	assert_int_equal(f->out[1].stream, 1);
	assert_false(tx_has_retransmits(f->t));
	fx_close(f);
}

static void test_karn(void **state)
{
	(void)state;
	tx_params p = params();
	fx *f = fx_open(&p);
	path *pa = &f->paths[0];
	enq(f, 0, 100, 0, 0);
	drain(f, 0);
	f->now += 1 * SEC;
	tx_on_t3(f->t, f->paths, 2, 0, 60 * SEC, f->now);
	drain(f, 0); /* retransmitted */
	f->now += 50 * MS;
	ack_all(f, ITSN);
	assert_false(pa->rtt_measured); /* C5 */
	assert_int_equal(pa->rto, 2 * SEC);
	pa->cwnd = 20 * CSZ;
	/* a chunk sent once gives a sample */
	enq(f, 0, 100, 0, 0);
	drain(f, 0);
	f->now += 40 * MS;
	ack_all(f, ITSN + 1);
	assert_true(pa->rtt_measured);
	assert_int_equal(pa->srtt, 40 * MS);
	assert_int_equal(pa->rto, 120 * MS);
	/* C4: one measurement per round trip: only the first of a flight */
	enq(f, 0, 3 * FRAG, 0, 0);
	drain(f, 0); /* 1002 (timed) .. 1004 */
	f->now += 80 * MS;
	sack(f, ITSN + 2, 1u << 22, NULL, 0, NULL); /* 80 ms */
	assert_int_equal(pa->srtt, 45 * MS);	    /* 35 + 10 */
	f->now += 1 * MS;
	ack_all(f, ITSN + 4); /* no new sample */
	assert_int_equal(pa->srtt, 45 * MS);
	/* C5: a retransmitted chunk gives no sample */
	enq(f, 0, 2 * FRAG, 0, 0);
	drain(f, 0); /* 1005 (timed), 1006 */
	f->now += 10 * MS;
	sack(f, ITSN + 4, 1u << 22, (uint16_t[]){2, 2}, 1, NULL);
	assert_int_equal(pa->srtt, 45 * MS);
	tx_on_t3(f->t, f->paths, 2, 0, 60 * SEC, f->now);
	drain(f, 0);
	assert_int_equal(f->out[0].tsn, ITSN + 5);
	f->now += 10 * MS;
	ack_all(f, ITSN + 6);
	assert_int_equal(pa->srtt, 45 * MS);
	/* ... nor does a chunk above one that was retransmitted */
	path *pb = &f->paths[1];
	pa->cwnd = 20 * CSZ;
	enq(f, 0, 10, 0, 0);
	drain(f, 0); /* 1007 on path 0 */
	enq(f, 0, 10, 0, 0);
	drain(f, 1); /* 1008 on path 1, timed there */
	tx_on_t3(f->t, f->paths, 2, 0, 60 * SEC, f->now);
	drain(f, 0); /* 1007 again */
	f->now += 10 * MS;
	ack_all(f, ITSN + 8);
	assert_false(pb->rtt_measured);
	fx_close(f);
}

/* ---- fast retransmit ---- */

static void test_fast_retransmit(void **state)
{
	(void)state;
	tx_params p = params();
	fx *f = fx_open(&p);
	path *pa = &f->paths[0];
	pa->cwnd = 8 * CSZ;
	enq(f, 0, 8 * FRAG, 0, 0);
	assert_int_equal(drain(f, 0), 8); /* 1000..1007, 1000 lost */
	tx_ack a;
	sack(f, ITSN - 1, 1u << 22, (uint16_t[]){2, 2}, 1, &a);
	assert_true(a.new_ack);
	assert_false(a.cum_advanced);
	/* the same SACK again acks nothing new: no miss indication (HTNA) */
	sack(f, ITSN - 1, 1u << 22, (uint16_t[]){2, 2}, 1, &a);
	assert_false(a.new_ack);
	sack(f, ITSN - 1, 1u << 22, (uint16_t[]){2, 3}, 1, NULL);
	assert_false(tx_has_retransmits(f->t));
	assert_int_equal(pa->cwnd, 8 * CSZ);
	sack(f, ITSN - 1, 1u << 22, (uint16_t[]){2, 4}, 1, NULL);
	/* third miss indication: marked, cwnd halved, Fast Recovery */
	assert_true(tx_has_retransmits(f->t));
	assert_int_equal(pa->ssthresh, 4 * CSZ);
	assert_int_equal(pa->cwnd, 4 * CSZ);
	assert_int_equal(pa->flight, 4 * CSZ); /* 1004..1007 */
	/* flight == cwnd, yet the fast retransmission goes out at once */
	assert_true(tx_has_sendable(f->t, f->paths, 0, f->now));
	assert_int_equal(fill(f, 0), 1);
	assert_int_equal(f->out[0].tsn, ITSN);
	assert_int_equal(fill(f, 0), 0);
	assert_int_equal(tx_retransmits(f->t), 1);
	/* 1005 is lost too, and 1000 is lost again */
	sack(f, ITSN - 1, 1u << 22, (uint16_t[]){2, 5, 7, 7}, 2, NULL);
	sack(f, ITSN - 1, 1u << 22, (uint16_t[]){2, 5, 7, 8}, 2, NULL);
	sack(f, ITSN - 1, 1u << 22, (uint16_t[]){2, 5, 7, 8}, 2, NULL);
	assert_false(tx_has_retransmits(f->t)); /* 2 misses each (HTNA) */
	enq(f, 0, 1000, 0, 0);
	assert_int_equal(fill(f, 0), 1); /* 1008 */
	sack(f, ITSN - 1, 1u << 22, (uint16_t[]){2, 5, 7, 9}, 2, NULL);
	/* third miss for both: 1000 was fast retransmitted already, so only
	 * 1005 is; inside Fast Recovery cwnd is not reduced again */
	assert_true(tx_has_retransmits(f->t));
	assert_int_equal(pa->cwnd, 4 * CSZ);
	assert_int_equal(pa->ssthresh, 4 * CSZ);
	assert_int_equal(fill(f, 0), 1);
	assert_int_equal(f->out[0].tsn, ITSN + 5);
	assert_false(tx_has_retransmits(f->t));
	assert_int_equal(tx_retransmits(f->t), 2);
	fx_close(f);
}

static void test_fast_recovery_exit(void **state)
{
	(void)state;
	tx_params p = params();
	fx *f = fx_open(&p);
	path *pa = &f->paths[0];
	pa->cwnd = 10 * CSZ;
	enq(f, 0, 10 * FRAG, 0, 0);
	assert_int_equal(drain(f, 0), 10); /* 1000..1009 */
	/* 1000 and 1005 lost */
	sack(f, ITSN - 1, 1u << 22, (uint16_t[]){2, 2}, 1, NULL);
	sack(f, ITSN - 1, 1u << 22, (uint16_t[]){2, 3}, 1, NULL);
	sack(f, ITSN - 1, 1u << 22, (uint16_t[]){2, 4}, 1, NULL);
	assert_int_equal(pa->cwnd, 5 * CSZ); /* exit point 1009 */
	assert_int_equal(fill(f, 0), 1);
	/* the retransmission of 1000 arrives; 1005 now misses (in Fast
	 * Recovery with the cum TSN advancing: all missing TSNs count) */
	sack(f, ITSN + 4, 1u << 22, (uint16_t[]){2, 2}, 1, NULL);
	sack(f, ITSN + 4, 1u << 22, (uint16_t[]){2, 3}, 1, NULL);
	sack(f, ITSN + 4, 1u << 22, (uint16_t[]){2, 4}, 1, NULL);
	assert_true(tx_has_retransmits(f->t)); /* 1005 marked */
	assert_int_equal(pa->cwnd, 5 * CSZ);   /* no second reduction */
	assert_int_equal(pa->ssthresh, 5 * CSZ);
	assert_int_equal(fill(f, 0), 1);
	assert_int_equal(f->out[0].tsn, ITSN + 5);
	/* cum reaches the exit point 1009: Fast Recovery ends and slow start
	 * resumes (cwnd <= ssthresh) */
	uint32_t before = pa->cwnd;
	ack_all(f, ITSN + 9);
	assert_int_equal(pa->cwnd, before); /* flight was below cwnd */
	assert_int_equal(tx_outstanding_chunks(f->t), 0);
	/* a new loss now reduces cwnd again */
	pa->cwnd = 8 * CSZ;
	enq(f, 0, 8 * FRAG, 0, 0);
	drain(f, 0); /* 1010.. */
	uint32_t b = ITSN + 9;
	sack(f, b, 1u << 22, (uint16_t[]){2, 2}, 1, NULL);
	sack(f, b, 1u << 22, (uint16_t[]){2, 3}, 1, NULL);
	sack(f, b, 1u << 22, (uint16_t[]){2, 4}, 1, NULL);
	assert_int_equal(pa->cwnd, 4 * CSZ);
	fx_close(f);
}

/* ---- SACK validity ---- */

static void test_stale_and_violation(void **state)
{
	(void)state;
	tx_params p = params();
	fx *f = fx_open(&p);
	enq(f, 0, 3 * FRAG, 0, 0);
	drain(f, 0);
	tx_ack a;
	sack(f, ITSN + 1, 50000, NULL, 0, &a);
	assert_true(a.cum_advanced);
	assert_true(a.new_ack);
	assert_int_equal(a.acked_paths, 1);
	uint32_t rwnd = tx_peer_rwnd(f->t);
	sack(f, ITSN, 99999, (uint16_t[]){2, 2}, 1, &a);
	assert_true(a.ignored);
	assert_false(a.new_ack);
	assert_int_equal(tx_peer_rwnd(f->t), rwnd);
	assert_int_equal(tx_cum_ack(f->t), ITSN + 1);
	sack(f, ITSN + 3, 50000, NULL, 0, &a); /* 1003 never sent */
	assert_true(a.protocol_violation);
	assert_int_equal(tx_cum_ack(f->t), ITSN + 1);
	/* gap blocks out of order are not trusted */
	sack(f, ITSN + 1, 50000, (uint16_t[]){1, 1, 1, 1}, 2, &a);
	assert_true(a.new_ack);
	assert_int_equal(tx_outstanding_chunks(f->t), 0);
	fx_close(f);
}

static void test_reneging(void **state)
{
	(void)state;
	tx_params p = params();
	fx *f = fx_open(&p);
	path *pa = &f->paths[0];
	enq(f, 0, 4 * FRAG, 0, 0);
	drain(f, 0);
	sack(f, ITSN - 1, 100000, (uint16_t[]){2, 3}, 1, NULL);
	assert_int_equal(tx_outstanding_chunks(f->t), 2);
	assert_int_equal(pa->flight, 2 * CSZ);
	assert_int_equal(tx_peer_rwnd(f->t), 100000 - 2 * FRAG);
	/* the peer drops 1001 and 1002 */
	f->now += 10 * MS;
	pa->t3 = ESCTP_TSTAMP_NEVER;
	sack(f, ITSN - 1, 100000, NULL, 0, NULL);
	assert_int_equal(tx_outstanding_chunks(f->t), 4);
	assert_int_equal(pa->flight, 4 * CSZ);
	assert_int_equal(tx_peer_rwnd(f->t), 100000 - 4 * FRAG);
	assert_true(pa->t3 == f->now + pa->rto); /* R4 */
	/* T3 now resends them all, 1001 and 1002 included */
	tx_on_t3(f->t, f->paths, 2, 0, 60 * SEC, f->now);
	pa->cwnd = 10 * CSZ;
	assert_int_equal(drain(f, 0), 4);
	assert_int_equal(f->out[1].tsn, ITSN + 1);
	fx_close(f);
}

/* ---- Max.Burst and Nagle ---- */

static void test_max_burst(void **state)
{
	(void)state;
	tx_params p = params();
	p.max_burst = 4;
	fx *f = fx_open(&p);
	path *pa = &f->paths[0];
	pa->cwnd = 100 * CSZ;
	enq(f, 0, 100 * FRAG, 0, 0);
	assert_int_equal(drain(f, 0), 4);
	assert_int_equal(pa->cwnd, 100 * CSZ); /* only temporarily limited */
	ack_all(f, ITSN);		       /* a new burst: flight 3 + 4 */
	assert_int_equal(drain(f, 0), 4);
	assert_int_equal(pa->flight, 7 * CSZ);
	fx_close(f);
	/* Max.Burst 0: only cwnd limits */
	p.max_burst = 0;
	f = fx_open(&p);
	f->paths[0].cwnd = 10 * CSZ;
	enq(f, 0, 100 * FRAG, 0, 0);
	assert_int_equal(drain(f, 0), 10);
	fx_close(f);
}

static void test_nagle(void **state)
{
	(void)state;
	tx_params p = params();
	p.nodelay = false;
	fx *f = fx_open(&p);
	enq(f, 0, 100, 0, 0);
	assert_int_equal(fill(f, 0), 1); /* nothing outstanding: goes */
	enq(f, 0, 100, 0, 0);
	assert_false(tx_has_sendable(f->t, f->paths, 0, f->now));
	assert_int_equal(fill(f, 0), 0); /* held */
	/* bundled behind another chunk it goes */
	f->nout = 0;
	assert_int_equal(fill_pre(f, 0, 16), 1);
	enq(f, 0, 100, 0, 0);
	assert_int_equal(fill(f, 0), 0);
	/* acked: nothing outstanding, it goes */
	ack_all(f, ITSN + 1);
	assert_int_equal(fill(f, 0), 1);
	/* a full fragment's worth queued: sent despite outstanding data */
	for (int i = 0; i < 15; i++)
		enq(f, 0, 100, 0, 0);
	assert_true(tx_has_sendable(f->t, f->paths, 0, f->now));
	assert_int_equal(fill(f, 0), 12); /* 12 * 116 bytes fill a packet */
	assert_int_equal(fill(f, 0), 0);  /* 3 left: held again */
	/* the tail of a fragmented message is never held */
	ack_all(f, ITSN + 14);
	assert_int_equal(fill(f, 0), 3);
	enq(f, 0, FRAG + 10, 0, 0);
	assert_int_equal(fill(f, 0), 1);
	assert_int_equal(fill(f, 0), 1);
	assert_int_equal(f->out[0].len, 10);
	fx_close(f);

	p.nodelay = true;
	f = fx_open(&p);
	enq(f, 0, 100, 0, 0);
	assert_int_equal(fill(f, 0), 1);
	enq(f, 0, 100, 0, 0);
	assert_int_equal(fill(f, 0), 1);
	/* switched at run time (esctp_assoc_set_nodelay) */
	tx_set_nodelay(f->t, false);
	enq(f, 0, 100, 0, 0);
	assert_false(tx_has_sendable(f->t, f->paths, 0, f->now));
	assert_int_equal(fill(f, 0), 0);
	tx_set_nodelay(f->t, true);
	assert_true(tx_has_sendable(f->t, f->paths, 0, f->now));
	assert_int_equal(fill(f, 0), 1);
	fx_close(f);
}

/* ---- send buffer ---- */

static void test_sndbuf(void **state)
{
	(void)state;
	tx_params p = params();
	p.sndbuf = 3000;
	p.max_message = 10000;
	fx *f = fx_open(&p);
	esctp_sndinfo in = {.stream = 0};
	static uint8_t buf[20000];
	assert_int_equal(tx_space(f->t), 10000); /* empty: any message */
	assert_int_equal(tx_enqueue(f->t, &in, buf, 10001, f->now),
			 ESCTP_ERR_MSGSIZE);
	in.stream = 4;
	assert_int_equal(tx_enqueue(f->t, &in, buf, 10, f->now),
			 ESCTP_ERR_STREAM);
	in.stream = 0;
	assert_int_equal(tx_enqueue(f->t, &in, buf, 5000, f->now), 0);
	assert_int_equal(tx_space(f->t), 0);
	assert_int_equal(tx_enqueue(f->t, &in, buf, 1, f->now),
			 ESCTP_ERR_AGAIN);
	drain(f, 0);
	assert_int_equal(tx_enqueue(f->t, &in, buf, 1, f->now),
			 ESCTP_ERR_AGAIN); /* sent is not acked */
	ack_all(f, ITSN + 1);		   /* 2848 of 5000 acked */
	assert_int_equal(tx_space(f->t), 3000 - (5000 - 2 * FRAG));
	assert_int_equal(tx_enqueue(f->t, &in, buf, 1000, f->now),
			 ESCTP_ERR_AGAIN);
	assert_int_equal(tx_enqueue(f->t, &in, buf, 800, f->now), 0);
	ack_all(f, ITSN + 3);
	assert_int_equal(tx_space(f->t), 2200);
	assert_false(tx_empty(f->t));
	drain(f, 0);
	ack_all(f, ITSN + 4);
	assert_true(tx_empty(f->t));
	assert_int_equal(tx_space(f->t), 10000);
	fx_close(f);
}

/* ---- PR-SCTP ---- */

static void expect_notice(fx *f, int err, uint16_t stream, uint32_t len)
{
	tx_notice n;
	assert_true(tx_next_notice(f->t, &n));
	assert_int_equal(n.error, err);
	assert_int_equal(n.stream, stream);
	assert_int_equal(n.len, len);
	assert_int_equal(n.ppid, 0x01020304);
	assert_int_equal(n.context, 77);
	/* The notice owns the message's unacknowledged bytes. */
	assert_non_null(n.buf);
	assert_true(n.dlen <= n.len);
	mem_free(&f->mem, n.buf);
}

static void test_prsctp_expire_unsent(void **state)
{
	(void)state;
	tx_params p = params();
	p.prsctp = true;
	fx *f = fx_open(&p);
	enq(f, 1, 300, 0, 100);
	enq(f, 2, 300, 0, 0);
	assert_true(tx_deadline(f->t) == f->now + 100 * MS);
	f->now += 200 * MS;
	assert_int_equal(drain(f, 0), 1); /* only the reliable one */
	assert_int_equal(f->out[0].stream, 2);
	assert_int_equal(f->out[0].tsn, ITSN); /* no TSN was used */
	expect_notice(f, ESCTP_ERR_AGAIN, 1, 300);
	tx_notice n;
	assert_false(tx_next_notice(f->t, &n));
	/* never sent: no FORWARD TSN, and stream 1 keeps SSN 0 */
	assert_false(tx_fwdtsn_due(f->t, f->now));
	enq(f, 1, 10, 0, 0);
	drain(f, 0);
	assert_int_equal(f->out[0].ssn, 0);
	/* tx_expire() abandons without a send */
	assert_true(tx_deadline(f->t) == ESCTP_TSTAMP_NEVER);
	enq(f, 3, 10, 0, 50);
	assert_true(tx_deadline(f->t) == f->now + 50 * MS);
	f->now += 49 * MS;
	tx_expire(f->t, f->paths, 2, f->now);
	assert_false(tx_next_notice(f->t, &n));
	f->now += 1 * MS;
	tx_expire(f->t, f->paths, 2, f->now);
	expect_notice(f, ESCTP_ERR_AGAIN, 3, 10);
	assert_true(tx_deadline(f->t) == ESCTP_TSTAMP_NEVER);
	/* without PR-SCTP a lifetime is ignored */
	fx_close(f);
	p.prsctp = false;
	f = fx_open(&p);
	enq(f, 1, 300, 0, 100);
	f->now += 1 * SEC;
	assert_int_equal(drain(f, 0), 1);
	fx_close(f);
}

/* Decodes a FORWARD TSN written by tx_put_fwdtsn(). */
static void put_fwd(fx *f, chunk_fwdtsn *fw, uint8_t *buf, size_t cap)
{
	wbuf w;
	wbuf_init(&w, buf, cap);
	pkt_put_header(&w, 1, 2, 3);
	tx_put_fwdtsn(f->t, &w, f->now);
	assert_int_equal(w.err, 0);
	pkt_iter it;
	pkt_chunk c;
	pkt_iter_init(&it, buf, w.len);
	assert_true(pkt_iter_next(&it, &c));
	assert_int_equal(c.type, CT_FORWARD_TSN);
	assert_int_equal(chunk_fwdtsn_decode(&c, fw), 0);
}

static void test_prsctp_expire_sent(void **state)
{
	(void)state;
	tx_params p = params();
	p.prsctp = true;
	fx *f = fx_open(&p);
	f->paths[0].cwnd = 20 * CSZ;
	enq(f, 1, 10, 0, 0);		     /* 1000 s1 ssn0, reliable */
	enq(f, 1, 3 * FRAG, 0, 100);	     /* 1001..1003 s1 ssn1 */
	enq(f, 2, 10, 0, 100);		     /* 1004 s2 ssn0 */
	enq(f, 1, 10, 0, 100);		     /* 1005 s1 ssn2 */
	enq(f, 3, 10, ESCTP_UNORDERED, 100); /* 1006 s3 U */
	enq(f, 0, 10, 0, 0);		     /* 1007 s0, reliable */
	drain(f, 0);
	assert_int_equal(f->nout, 8);
	/* 1000 arrives, the rest is lost; the lifetimes end; T3 fires */
	ack_all(f, ITSN);
	f->now += 1 * SEC;
	tx_on_t3(f->t, f->paths, 2, 0, 60 * SEC, f->now);
	expect_notice(f, ESCTP_ERR_AGAIN, 1, 3 * FRAG);
	expect_notice(f, ESCTP_ERR_AGAIN, 2, 10);
	expect_notice(f, ESCTP_ERR_AGAIN, 1, 10);
	expect_notice(f, ESCTP_ERR_AGAIN, 3, 10);
	assert_true(tx_fwdtsn_due(f->t, f->now));
	uint8_t buf[MTU];
	chunk_fwdtsn fw;
	put_fwd(f, &fw, buf, sizeof(buf));
	assert_int_equal(fw.new_cum_tsn, ITSN + 6);
	assert_int_equal(fw.nstreams, 2);
	uint16_t st, ssn;
	chunk_fwdtsn_stream(&fw, 0, &st, &ssn);
	assert_int_equal(st, 1);
	assert_int_equal(ssn, 2); /* highest SSN skipped on stream 1 */
	chunk_fwdtsn_stream(&fw, 1, &st, &ssn);
	assert_int_equal(st, 2);
	assert_int_equal(ssn, 0);
	assert_false(tx_fwdtsn_due(f->t, f->now));
	/* only the reliable 1007 is retransmitted */
	assert_int_equal(drain(f, 0), 1);
	assert_int_equal(f->out[0].tsn, ITSN + 7);
	/* C3: a SACK still behind the Advanced.Peer.Ack.Point: send again */
	f->now += 10 * MS;
	ack_all(f, ITSN);
	assert_true(tx_fwdtsn_due(f->t, f->now));
	put_fwd(f, &fw, buf, sizeof(buf));
	assert_int_equal(fw.new_cum_tsn, ITSN + 6);
	/* C5: a T3-rtx timer runs while it is unacknowledged */
	assert_true(f->paths[0].t3 != ESCTP_TSTAMP_NEVER);
	/* the peer skips to 1006 and acks 1007 */
	ack_all(f, ITSN + 7);
	assert_false(tx_fwdtsn_due(f->t, f->now));
	assert_true(tx_empty(f->t));
	tx_notice n;
	assert_false(tx_next_notice(f->t, &n));
	fx_close(f);
}

/* A message abandoned after its first fragments were sent (and acked) but
 * before its tail got a TSN: the tail takes one TSN, never sent, so the
 * FORWARD TSN is ahead of the peer's cumulative TSN and names the stream. */
static void test_prsctp_abandon_partly_sent(void **state)
{
	(void)state;
	tx_params p = params();
	p.prsctp = true;
	fx *f = fx_open(&p);
	f->paths[0].cwnd = 2 * CSZ;
	enq(f, 1, 5 * FRAG, 0, 100); /* 1000.. s1 ssn0, 5 fragments */
	assert_int_equal(drain(f, 0), 2);
	ack_all(f, ITSN + 1);
	assert_false(tx_fwdtsn_due(f->t, f->now));
	f->now += 200 * MS;
	tx_expire(f->t, f->paths, 2, f->now);
	expect_notice(f, ESCTP_ERR_AGAIN, 1, 5 * FRAG);
	assert_true(tx_fwdtsn_due(f->t, f->now));
	uint8_t buf[MTU];
	chunk_fwdtsn fw;
	put_fwd(f, &fw, buf, sizeof(buf));
	assert_int_equal(fw.new_cum_tsn, ITSN + 2);
	assert_int_equal(fw.nstreams, 1);
	uint16_t st, ssn;
	chunk_fwdtsn_stream(&fw, 0, &st, &ssn);
	assert_int_equal(st, 1);
	assert_int_equal(ssn, 0);
	/* the next message follows the reserved TSN, with the next SSN */
	enq(f, 1, 10, 0, 0);
	assert_int_equal(drain(f, 0), 1);
	assert_int_equal(f->out[0].tsn, ITSN + 3);
	assert_int_equal(f->out[0].ssn, 1);
	ack_all(f, ITSN + 3);
	assert_false(tx_fwdtsn_due(f->t, f->now));
	assert_true(tx_empty(f->t));
	fx_close(f);
}

static void test_prsctp_fast_rtx_abandon(void **state)
{
	(void)state;
	tx_params p = params();
	p.prsctp = true;
	fx *f = fx_open(&p);
	f->paths[0].cwnd = 20 * CSZ;
	enq(f, 2, 10, 0, 100); /* 1000, lost */
	for (int i = 0; i < 4; i++)
		enq(f, 0, 10, ESCTP_UNORDERED, 0);
	drain(f, 0);
	f->now += 200 * MS;
	sack(f, ITSN - 1, 1u << 22, (uint16_t[]){2, 2}, 1, NULL);
	sack(f, ITSN - 1, 1u << 22, (uint16_t[]){2, 3}, 1, NULL);
	sack(f, ITSN - 1, 1u << 22, (uint16_t[]){2, 4}, 1, NULL);
	assert_true(tx_has_retransmits(f->t));
	/* expired: abandoned instead of fast retransmitted */
	assert_int_equal(fill(f, 0), 0);
	expect_notice(f, ESCTP_ERR_AGAIN, 2, 10);
	assert_true(tx_fwdtsn_due(f->t, f->now));
	uint8_t buf[64];
	chunk_fwdtsn fw;
	put_fwd(f, &fw, buf, sizeof(buf));
	/* C2 moves over abandoned TSNs only: 1001.. are gap-acked */
	assert_int_equal(fw.new_cum_tsn, ITSN);
	assert_int_equal(fw.nstreams, 1);
	uint16_t st, ssn;
	chunk_fwdtsn_stream(&fw, 0, &st, &ssn);
	assert_int_equal(st, 2);
	assert_int_equal(ssn, 0);
	fx_close(f);
}

/* ---- PR-SCTP policies (RFC 7496) ---- */

/* Queues a message with a PR-SCTP policy as esctp_assoc_send() does: room
 * first, then the queue.  Returns tx_enqueue()'s result; *pruned (may be
 * NULL) tells whether tx_make_room() abandoned something. */
static int send_pr(fx *f, uint16_t stream, size_t len, uint8_t policy,
		   uint32_t value, bool *pruned)
{
	static uint8_t buf[1 << 16];
	assert_true(len <= sizeof(buf));
	esctp_sndinfo in = {.stream = stream,
			    .ppid = 0x01020304,
			    .context = 77,
			    .pr_policy = policy,
			    .pr_value = value};
	bool p = tx_make_room(f->t, &in, len, f->paths, 2, f->now);
	if (pruned)
		*pruned = p;
	return tx_enqueue(f->t, &in, buf, len, f->now);
}

/* The next notice is a PR-SCTP abandonment of this message. */
static void expect_abandoned(fx *f, uint16_t stream, uint32_t len, bool sent)
{
	tx_notice n;
	assert_true(tx_next_notice(f->t, &n));
	assert_int_equal(n.error, ESCTP_ERR_AGAIN);
	assert_int_equal(n.stream, stream);
	assert_int_equal(n.len, len);
	assert_int_equal(n.sent, sent);
	assert_int_equal(n.context, 77);
	assert_non_null(n.buf);
	assert_true(n.dlen <= n.len);
	mem_free(&f->mem, n.buf);
}

static void expect_no_notice(fx *f)
{
	tx_notice n;
	assert_false(tx_next_notice(f->t, &n));
}

/* The counters of tx_abandoned() for one policy. */
static void expect_counts(fx *f, uint8_t policy, uint64_t unsent, uint64_t sent)
{
	uint64_t u[ESCTP_PR_POLICIES], s[ESCTP_PR_POLICIES];
	tx_abandoned(f->t, u, s);
	assert_int_equal(u[policy], unsent);
	assert_int_equal(s[policy], sent);
}

/* Limited retransmissions through T3-rtx: RTX 0 is sent once, RTX 1 is
 * retransmitted once, the reliable message as often as needed. */
static void test_prsctp_rtx_t3(void **state)
{
	(void)state;
	tx_params p = params();
	p.prsctp = true;
	fx *f = fx_open(&p);
	f->paths[0].cwnd = 20 * CSZ;
	assert_int_equal(send_pr(f, 1, 100, ESCTP_PR_RTX, 0, NULL), 0);
	assert_int_equal(send_pr(f, 2, 100, ESCTP_PR_RTX, 1, NULL), 0);
	assert_int_equal(send_pr(f, 3, 100, ESCTP_PR_NONE, 0, NULL), 0);
	drain(f, 0);
	assert_int_equal(f->nout, 3); /* 1000..1002, all lost */
	f->now += 1 * SEC;
	tx_on_t3(f->t, f->paths, 2, 0, 60 * SEC, f->now);
	expect_abandoned(f, 1, 100, true);
	expect_no_notice(f);
	assert_true(tx_fwdtsn_due(f->t, f->now));
	uint8_t buf[MTU];
	chunk_fwdtsn fw;
	put_fwd(f, &fw, buf, sizeof(buf));
	assert_int_equal(fw.new_cum_tsn, ITSN);
	drain(f, 0);
	assert_int_equal(f->nout, 2);
	assert_int_equal(f->out[0].tsn, ITSN + 1);
	assert_int_equal(f->out[1].tsn, ITSN + 2);
	/* lost again: RTX 1 has had its retransmission */
	f->now += 2 * SEC;
	tx_on_t3(f->t, f->paths, 2, 0, 60 * SEC, f->now);
	expect_abandoned(f, 2, 100, true);
	expect_no_notice(f);
	put_fwd(f, &fw, buf, sizeof(buf));
	assert_int_equal(fw.new_cum_tsn, ITSN + 1);
	assert_int_equal(fw.nstreams, 2);
	drain(f, 0);
	assert_int_equal(f->nout, 1);
	assert_int_equal(f->out[0].tsn, ITSN + 2);
	ack_all(f, ITSN + 2);
	assert_true(tx_empty(f->t));
	expect_counts(f, ESCTP_PR_RTX, 0, 2);
	expect_counts(f, ESCTP_PR_TTL, 0, 0);
	fx_close(f);
}

/* Three miss indications for TSN 1000. */
static void three_misses(fx *f)
{
	sack(f, ITSN - 1, 1u << 22, (uint16_t[]){2, 2}, 1, NULL);
	sack(f, ITSN - 1, 1u << 22, (uint16_t[]){2, 3}, 1, NULL);
	sack(f, ITSN - 1, 1u << 22, (uint16_t[]){2, 4}, 1, NULL);
	assert_true(tx_has_retransmits(f->t));
}

/* A fast retransmission counts as a retransmission (RFC 7496 §3.1). */
static void test_prsctp_rtx_fast(void **state)
{
	(void)state;
	tx_params p = params();
	p.prsctp = true;
	/* RTX 0: abandoned instead of fast retransmitted */
	fx *f = fx_open(&p);
	f->paths[0].cwnd = 20 * CSZ;
	assert_int_equal(send_pr(f, 2, 10, ESCTP_PR_RTX, 0, NULL), 0);
	for (int i = 0; i < 4; i++)
		enq(f, 0, 10, ESCTP_UNORDERED, 0);
	drain(f, 0);
	three_misses(f);
	assert_int_equal(fill(f, 0), 0);
	expect_abandoned(f, 2, 10, true);
	assert_true(tx_fwdtsn_due(f->t, f->now));
	assert_int_equal(tx_retransmits(f->t), 0);
	fx_close(f);
	/* RTX 1: fast retransmitted, then abandoned at the T3 expiry */
	f = fx_open(&p);
	f->paths[0].cwnd = 20 * CSZ;
	assert_int_equal(send_pr(f, 2, 10, ESCTP_PR_RTX, 1, NULL), 0);
	for (int i = 0; i < 4; i++)
		enq(f, 0, 10, ESCTP_UNORDERED, 0);
	drain(f, 0);
	three_misses(f);
	assert_int_equal(fill(f, 0), 1);
	assert_int_equal(f->out[0].tsn, ITSN);
	expect_no_notice(f);
	f->now += 2 * SEC;
	tx_on_t3(f->t, f->paths, 2, 0, 60 * SEC, f->now);
	expect_abandoned(f, 2, 10, true);
	/* 1001..1003 are gap-acked: only the reliable 1004 goes again */
	drain(f, 0);
	assert_int_equal(f->nout, 1);
	assert_int_equal(f->out[0].tsn, ITSN + 4);
	expect_counts(f, ESCTP_PR_RTX, 0, 1);
	fx_close(f);
}

/* Without PR-SCTP the policies do nothing: the message is reliable. */
static void test_prsctp_policy_needs_peer(void **state)
{
	(void)state;
	tx_params p = params();
	p.sndbuf = 2000;
	fx *f = fx_open(&p);
	assert_int_equal(send_pr(f, 1, 100, ESCTP_PR_RTX, 0, NULL), 0);
	assert_int_equal(send_pr(f, 1, 1500, ESCTP_PR_PRIO, 5, NULL), 0);
	drain(f, 0);
	f->now += 1 * SEC;
	tx_on_t3(f->t, f->paths, 2, 0, 60 * SEC, f->now);
	drain(f, 0);
	assert_int_equal(f->out[0].tsn, ITSN); /* RTX 0 retransmitted */
	bool pruned = true;
	assert_int_equal(send_pr(f, 2, 1000, ESCTP_PR_PRIO, 1, &pruned),
			 ESCTP_ERR_AGAIN);
	assert_false(pruned);
	expect_no_notice(f);
	assert_false(tx_fwdtsn_due(f->t, f->now));
	/* an unknown policy is refused, with or without PR-SCTP */
	assert_int_equal(send_pr(f, 2, 10, ESCTP_PR_PRIO + 1, 0, NULL),
			 ESCTP_ERR_INVAL);
	fx_close(f);
}

/* ESCTP_PR_TTL reads pr_value; ttl_ms is the lifetime only without a
 * policy, and is counted apart. */
static void test_prsctp_ttl_policy(void **state)
{
	(void)state;
	tx_params p = params();
	p.prsctp = true;
	fx *f = fx_open(&p);
	assert_int_equal(send_pr(f, 1, 10, ESCTP_PR_TTL, 100, NULL), 0);
	enq(f, 2, 10, 0, 100);
	esctp_sndinfo in = {.stream = 3,
			    .ttl_ms = 50,
			    .pr_policy = ESCTP_PR_RTX,
			    .pr_value = 3};
	assert_int_equal(tx_enqueue(f->t, &in, "x", 1, f->now), 0);
	in.pr_policy = ESCTP_PR_TTL;
	in.pr_value = 0; /* TTL 0: no lifetime, whatever ttl_ms says */
	assert_int_equal(tx_enqueue(f->t, &in, "x", 1, f->now), 0);
	assert_true(tx_deadline(f->t) == f->now + 100 * MS);
	f->now += 200 * MS;
	tx_expire(f->t, f->paths, 2, f->now);
	expect_abandoned(f, 1, 10, false);
	expect_abandoned(f, 2, 10, false);
	expect_no_notice(f);
	assert_int_equal(drain(f, 0), 1);
	assert_int_equal(f->nout, 2);
	assert_int_equal(f->out[0].stream, 3);
	expect_counts(f, ESCTP_PR_TTL, 1, 0);
	expect_counts(f, ESCTP_PR_NONE, 1, 0);
	fx_close(f);
}

/* The priority policy (RFC 7496 §3.2): a full buffer of priority-5
 * messages (lengths 1000..1004 tell them apart), 1000 sent on path 0, 1001
 * on path 1 and marked for retransmission there, the rest unsent. */
static void test_prsctp_prio(void **state)
{
	(void)state;
	tx_params p = params();
	p.prsctp = true;
	p.sndbuf = 5010;
	fx *f = fx_open(&p);
	for (uint16_t i = 0; i < 5; i++)
		assert_int_equal(
		    send_pr(f, i % 4, 1000 + i, ESCTP_PR_PRIO, 5, NULL), 0);
	assert_int_equal(tx_space(f->t), 0);
	assert_int_equal(fill(f, 0), 1);
	assert_int_equal(fill(f, 1), 1);
	f->now += 1 * SEC;
	tx_on_t3(f->t, f->paths, 2, 1, 60 * SEC, f->now);
	/* a lower or the same priority does not push anything out */
	bool pruned = true;
	assert_int_equal(send_pr(f, 0, 1000, ESCTP_PR_PRIO, 9, &pruned),
			 ESCTP_ERR_AGAIN);
	assert_false(pruned);
	assert_int_equal(send_pr(f, 0, 1000, ESCTP_PR_PRIO, 5, &pruned),
			 ESCTP_ERR_AGAIN);
	assert_false(pruned);
	expect_no_notice(f);
	/* priority 1 needs 1500 bytes: the marked one first, then the other
	 * sent one, as Linux (retransmit queue, then transmitted) */
	assert_int_equal(send_pr(f, 2, 1500, ESCTP_PR_PRIO, 1, &pruned), 0);
	assert_true(pruned);
	expect_abandoned(f, 1, 1001, true);
	expect_abandoned(f, 0, 1000, true);
	expect_no_notice(f);
	assert_int_equal(tx_space(f->t), 5010 - (1002 + 1003 + 1004 + 1500));
	assert_int_equal(f->paths[0].flight, 0);
	assert_true(tx_fwdtsn_due(f->t, f->now));
	uint8_t buf[MTU];
	chunk_fwdtsn fw;
	put_fwd(f, &fw, buf, sizeof(buf));
	assert_int_equal(fw.new_cum_tsn, ITSN + 1);
	assert_int_equal(fw.nstreams, 2);
	expect_counts(f, ESCTP_PR_PRIO, 0, 2);
	/* a reliable message ranks 0: it pushes out unsent ones, in order */
	assert_int_equal(send_pr(f, 3, 2000, ESCTP_PR_NONE, 0, &pruned), 0);
	assert_true(pruned);
	expect_abandoned(f, 2, 1002, false);
	expect_abandoned(f, 3, 1003, false);
	expect_no_notice(f);
	expect_counts(f, ESCTP_PR_PRIO, 2, 2);
	/* room that the victims cannot make: nothing is abandoned */
	assert_int_equal(send_pr(f, 0, 6000, ESCTP_PR_PRIO, 4, &pruned),
			 ESCTP_ERR_AGAIN);
	assert_false(pruned);
	expect_no_notice(f);
	/* what is left goes: 1004 (SSN 0 of stream 0 was skipped), the
	 * priority-1 and the reliable message */
	f->paths[0].cwnd = 20 * CSZ;
	drain(f, 0);
	assert_int_equal(f->nout, 5);
	assert_int_equal(f->out[0].tsn, ITSN + 2);
	assert_int_equal(f->out[0].len, 1004);
	assert_int_equal(f->out[0].stream, 0);
	assert_int_equal(f->out[0].ssn, 1);
	ack_all(f, ITSN + 6);
	assert_true(tx_empty(f->t));
	assert_false(tx_fwdtsn_due(f->t, f->now));
	fx_close(f);
}

/* Emptying the buffer makes room for any message, even one larger than it,
 * and the PRIO messages abandoned before the first send take no TSN. */
static void test_prsctp_prio_empties(void **state)
{
	(void)state;
	tx_params p = params();
	p.prsctp = true;
	p.sndbuf = 3000;
	fx *f = fx_open(&p);
	assert_int_equal(send_pr(f, 1, 2000, ESCTP_PR_PRIO, 7, NULL), 0);
	assert_int_equal(send_pr(f, 1, 1000, ESCTP_PR_PRIO, 8, NULL), 0);
	bool pruned = false;
	assert_int_equal(send_pr(f, 2, 4000, ESCTP_PR_PRIO, 6, &pruned), 0);
	assert_true(pruned);
	expect_abandoned(f, 1, 2000, false);
	expect_abandoned(f, 1, 1000, false);
	expect_counts(f, ESCTP_PR_PRIO, 2, 0);
	drain(f, 0);
	assert_int_equal(f->out[0].tsn, ITSN);
	assert_int_equal(f->out[0].stream, 2);
	assert_int_equal(f->out[0].ssn, 0);
	assert_false(tx_fwdtsn_due(f->t, f->now));
	fx_close(f);
}

/* ---- failure ---- */

static void test_fail_all(void **state)
{
	(void)state;
	tx_params p = params();
	fx *f = fx_open(&p);
	enq(f, 0, 2 * FRAG, 0, 0);
	enq(f, 1, 50, 0, 0);
	enq(f, 2, 60, 0, 0);
	fill(f, 0);
	ack_all(f, ITSN); /* first message half acked */
	tx_fail_all(f->t);
	expect_notice(f, ESCTP_ERR_CLOSED, 0, 2 * FRAG);
	expect_notice(f, ESCTP_ERR_CLOSED, 1, 50);
	expect_notice(f, ESCTP_ERR_CLOSED, 2, 60);
	tx_notice n;
	assert_false(tx_next_notice(f->t, &n));
	assert_true(tx_empty(f->t));
	assert_int_equal(tx_queued_bytes(f->t), 0);
	fx_close(f);
}

static void test_path_failed(void **state)
{
	(void)state;
	tx_params p = params();
	fx *f = fx_open(&p);
	enq(f, 0, 2 * FRAG, 0, 0);
	assert_int_equal(drain(f, 0), 2);
	enq(f, 0, FRAG, 0, 0);
	assert_int_equal(fill(f, 1), 1);
	uint32_t cwnd = f->paths[0].cwnd;
	tx_path_failed(f->t, f->paths, 2, 0);
	assert_int_equal(f->paths[0].flight, 0);
	assert_int_equal(f->paths[0].cwnd, cwnd);
	assert_true(f->paths[0].t3 == ESCTP_TSTAMP_NEVER);
	assert_true(tx_has_retransmits(f->t));
	assert_int_equal(drain(f, 1), 2);
	assert_int_equal(f->out[0].tsn, ITSN);
	assert_int_equal(f->out[1].tsn, ITSN + 1);
	assert_int_equal(f->paths[1].flight, 3 * CSZ);
	tx_ack a;
	ack_all(f, ITSN + 2);
	sack(f, ITSN + 2, 1000, NULL, 0, &a);
	assert_int_equal(tx_outstanding_chunks(f->t), 0);
	fx_close(f);
}

/* ---- serial arithmetic, idle, growth ---- */

static void test_tsn_wrap(void **state)
{
	(void)state;
	tx_params p = params();
	p.initial_tsn = 0xfffffffeu;
	fx *f = fx_open(&p);
	f->paths[0].cwnd = 10 * CSZ;
	enq(f, 0, 4 * FRAG, 0, 0);
	drain(f, 0);
	assert_int_equal(f->out[0].tsn, 0xfffffffeu);
	assert_int_equal(f->out[1].tsn, 0xffffffffu);
	assert_int_equal(f->out[2].tsn, 0);
	assert_int_equal(f->out[3].tsn, 1);
	tx_ack a;
	sack(f, 0xfffffffeu, 1u << 22, (uint16_t[]){2, 3}, 1, &a);
	assert_true(a.cum_advanced);
	assert_int_equal(tx_outstanding_chunks(f->t), 1);
	sack(f, 0xfffffffdu, 1u << 22, NULL, 0, &a);
	assert_true(a.ignored);
	ack_all(f, 1);
	assert_int_equal(tx_cum_ack(f->t), 1);
	assert_true(tx_empty(f->t));
	fx_close(f);
}

static void test_idle_cwnd(void **state)
{
	(void)state;
	tx_params p = params();
	fx *f = fx_open(&p);
	path *pa = &f->paths[0];
	enq(f, 0, 10, 0, 0);
	drain(f, 0);
	ack_all(f, ITSN);
	pa->cwnd = 40000;
	f->now += pa->rto / 2; /* not idle long enough */
	enq(f, 0, 10, 0, 0);
	drain(f, 0);
	assert_int_equal(pa->cwnd, 40000);
	ack_all(f, ITSN + 1);
	f->now += 2 * pa->rto + 1; /* two RTOs: 40000 -> 20000 -> 10000 */
	enq(f, 0, 10, 0, 0);
	drain(f, 0);
	assert_int_equal(pa->cwnd, 10000);
	ack_all(f, ITSN + 2);
	f->now += 10 * pa->rto; /* floor 4 * MTU */
	enq(f, 0, 10, 0, 0);
	drain(f, 0);
	assert_int_equal(pa->cwnd, 4 * CSZ);
	fx_close(f);
}

static void test_ring_growth(void **state)
{
	(void)state;
	tx_params p = params();
	fx *f = fx_open(&p);
	f->paths[0].cwnd = 1u << 20;
	for (int i = 0; i < 500; i++)
		enq(f, (uint16_t)(i % 4), 4, 0, 0);
	unsigned sent = 0;
	while (fill(f, 0))
		sent += f->nout;
	assert_int_equal(sent, 500);
	assert_int_equal(tx_outstanding_chunks(f->t), 500);
	/* ack every other chunk through gap blocks, then everything */
	uint16_t gaps[2 * 32];
	for (unsigned i = 0; i < 32; i++) {
		gaps[2 * i] = (uint16_t)(2 + 2 * i);
		gaps[2 * i + 1] = (uint16_t)(2 + 2 * i);
	}
	sack(f, ITSN - 1, 1u << 22, gaps, 32, NULL);
	assert_int_equal(tx_outstanding_chunks(f->t), 468);
	ack_all(f, ITSN + 499);
	assert_int_equal(tx_outstanding_chunks(f->t), 0);
	assert_true(tx_empty(f->t));
	fx_close(f);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fragmentation),
	    cmocka_unit_test(test_unordered),
	    cmocka_unit_test(test_cwnd_limits),
	    cmocka_unit_test(test_slow_start),
	    cmocka_unit_test(test_congestion_avoidance),
	    cmocka_unit_test(test_rwnd_and_zero_window_probe),
	    cmocka_unit_test(test_t3_expiry),
	    cmocka_unit_test(test_karn),
	    cmocka_unit_test(test_fast_retransmit),
	    cmocka_unit_test(test_fast_recovery_exit),
	    cmocka_unit_test(test_stale_and_violation),
	    cmocka_unit_test(test_reneging),
	    cmocka_unit_test(test_max_burst),
	    cmocka_unit_test(test_nagle),
	    cmocka_unit_test(test_sndbuf),
	    cmocka_unit_test(test_prsctp_expire_unsent),
	    cmocka_unit_test(test_prsctp_expire_sent),
	    cmocka_unit_test(test_prsctp_abandon_partly_sent),
	    cmocka_unit_test(test_prsctp_fast_rtx_abandon),
	    cmocka_unit_test(test_prsctp_rtx_t3),
	    cmocka_unit_test(test_prsctp_rtx_fast),
	    cmocka_unit_test(test_prsctp_policy_needs_peer),
	    cmocka_unit_test(test_prsctp_ttl_policy),
	    cmocka_unit_test(test_prsctp_prio),
	    cmocka_unit_test(test_prsctp_prio_empties),
	    cmocka_unit_test(test_fail_all),
	    cmocka_unit_test(test_path_failed),
	    cmocka_unit_test(test_tsn_wrap),
	    cmocka_unit_test(test_idle_cwnd),
	    cmocka_unit_test(test_ring_growth),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
