/*
 * test_rx.c - the receiver: TSN tracking and SACK contents, duplicates,
 * reassembly, ordered / unordered delivery, partial delivery without
 * deadlock, the window and its updates, SACK timing, FORWARD TSN, serial
 * number wraparound, and a randomised lossy transfer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rx_priv.h"

#define MS ESCTP_MS

/* ---- a counting allocator: leaks and the idle footprint ---- */

static size_t live_bytes;
static int fail_after = -1; /* allocations that succeed; -1: all */

static void *cnt_alloc(void *u, size_t n)
{
	(void)u;
	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	size_t *p = malloc(sizeof(size_t) * 2 + n);
	if (!p)
		return NULL;
	p[0] = n;
	live_bytes += n;
	return p + 2;
}

static void cnt_free(void *u, void *ptr)
{
	(void)u;
	size_t *p = (size_t *)ptr - 2;
	live_bytes -= p[0];
	free(p);
}

static void *cnt_realloc(void *u, void *ptr, size_t n)
{
	if (!ptr)
		return cnt_alloc(u, n);
	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	size_t *p = (size_t *)ptr - 2;
	size_t old = p[0];
	size_t *q = realloc(p, sizeof(size_t) * 2 + n);
	if (!q)
		return NULL;
	q[0] = n;
	live_bytes = live_bytes - old + n;
	return q + 2;
}

static const esctp_mem mem = {NULL, cnt_alloc, cnt_realloc, cnt_free};

static int setup(void **state)
{
	(void)state;
	live_bytes = 0;
	fail_after = -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(live_bytes, 0); /* rx_free released everything */
	return 0;
}

/* ---- helpers ---- */

static uint8_t pat(uint32_t id, size_t i)
{
	return (uint8_t)(id * 131u + i * 7u + 1u);
}

static int put(rx *r, uint32_t tsn, uint16_t s, uint16_t ssn, uint8_t flags,
	       const uint8_t *p, size_t len)
{
	chunk_data d = {.flags = flags,
			.tsn = tsn,
			.stream = s,
			.ssn = ssn,
			.ppid = 0x01020304,
			.payload = p,
			.len = len};
	return rx_data(r, &d, 0);
}

#define BE (DATA_FLAG_B | DATA_FLAG_E)

/* One whole message whose payload is a pattern of id. */
static int msg(rx *r, uint32_t tsn, uint16_t s, uint16_t ssn, uint8_t flags,
	       uint32_t id, size_t len)
{
	uint8_t buf[2048];
	for (size_t i = 0; i < len; i++)
		buf[i] = pat(id, i);
	return put(r, tsn, s, ssn, flags, buf, len);
}

typedef struct sack {
	uint32_t cum, rwnd;
	unsigned ngaps, ndups;
	uint16_t gaps[2 * 512];
	uint32_t dups[512];
} sack;

static void get_sack(rx *r, sack *s)
{
	uint8_t buf[4096];
	wbuf w;
	wbuf_init(&w, buf, sizeof(buf));
	rx_put_sack(r, &w);
	assert_int_equal(w.err, 0);
	assert_int_equal(buf[0], CT_SACK);
	assert_int_equal(get16(buf + 2), w.len);
	s->cum = get32(buf + 4);
	s->rwnd = get32(buf + 8);
	s->ngaps = get16(buf + 12);
	s->ndups = get16(buf + 14);
	assert_int_equal(16 + 4 * (s->ngaps + s->ndups), w.len);
	for (unsigned i = 0; i < 2 * s->ngaps; i++)
		s->gaps[i] = get16(buf + 16 + 2 * i);
	for (unsigned i = 0; i < s->ndups; i++)
		s->dups[i] = get32(buf + 16 + 4 * s->ngaps + 4 * i);
}

/* Reads one whole message (asserting EOR) and checks it is pattern id. */
static void read_msg(rx *r, uint32_t id, size_t len, uint16_t s, uint16_t ssn)
{
	uint8_t buf[4096];
	esctp_rcvinfo info;
	int n = rx_read(r, buf, sizeof(buf), &info);
	assert_int_equal(n, len);
	assert_true(info.flags & ESCTP_EOR);
	assert_int_equal(info.stream, s);
	assert_int_equal(info.ssn, ssn);
	assert_int_equal(info.ppid, 0x01020304);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(buf[i], pat(id, i));
}

static void assert_empty(rx *r)
{
	uint8_t b[16];
	assert_int_equal(rx_readable(r), 0);
	assert_int_equal(rx_read(r, b, sizeof(b), NULL), ESCTP_ERR_AGAIN);
}

/* ---- tests ---- */

static void test_in_order(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 100, 4, 65536);
	rx_notice n;
	assert_int_equal(rx_cum_tsn(r), 99);
	for (uint32_t i = 0; i < 10; i++)
		assert_int_equal(msg(r, 100 + i, 1, (uint16_t)i, BE, i, 10 + i),
				 RX_NEW);
	assert_int_equal(rx_cum_tsn(r), 109);
	assert_true(rx_no_gaps(r));
	assert_int_equal(rx_readable(r), 145);
	assert_int_equal(rx_a_rwnd(r), 65536 - 145);
	for (uint32_t i = 0; i < 10; i++) {
		assert_true(rx_next_notice(r, &n));
		assert_int_equal(n.type, RX_NOTICE_DATA);
		assert_int_equal(n.tsn, 100 + i);
		assert_int_equal(n.len, 10 + i);
		read_msg(r, i, 10 + i, 1, (uint16_t)i);
	}
	assert_false(rx_next_notice(r, &n));
	assert_empty(r);
	assert_int_equal(rx_held(r), 0);
	assert_int_equal(rx_a_rwnd(r), 65536);
	rx_free(r);
}

static void test_out_of_order_gaps(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 1, 65536);
	sack s;
	uint32_t tsns[] = {1, 3, 4, 7, 9};
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(msg(r, tsns[i], 0, (uint16_t)(tsns[i] - 1), BE,
				     tsns[i], 20),
				 RX_NEW);
	assert_false(rx_no_gaps(r));
	get_sack(r, &s);
	assert_int_equal(s.cum, 1);
	assert_int_equal(s.ngaps, 3);
	assert_int_equal(s.gaps[0], 2); /* TSN 3..4 */
	assert_int_equal(s.gaps[1], 3);
	assert_int_equal(s.gaps[2], 6); /* TSN 7 */
	assert_int_equal(s.gaps[3], 6);
	assert_int_equal(s.gaps[4], 8); /* TSN 9 */
	assert_int_equal(s.gaps[5], 8);
	assert_int_equal(s.ndups, 0);
	assert_int_equal(s.rwnd, 65536 - 100);
	/* Only SSN 0 is deliverable. */
	read_msg(r, 1, 20, 0, 0);
	assert_empty(r);
	assert_int_equal(msg(r, 2, 0, 1, BE, 2, 20), RX_NEW);
	get_sack(r, &s);
	assert_int_equal(s.cum, 4);
	assert_int_equal(s.ngaps, 2);
	assert_int_equal(s.gaps[0], 3);
	assert_int_equal(s.gaps[1], 3);
	assert_int_equal(s.gaps[2], 5);
	assert_int_equal(s.gaps[3], 5);
	for (uint32_t t = 2; t <= 4; t++)
		read_msg(r, t, 20, 0, (uint16_t)(t - 1));
	assert_empty(r);
	/* Filling 8 joins 7..9; 5 and 6 finish it. */
	assert_int_equal(msg(r, 8, 0, 7, BE, 8, 20), RX_NEW);
	get_sack(r, &s);
	assert_int_equal(s.ngaps, 1);
	assert_int_equal(s.gaps[0], 3);
	assert_int_equal(s.gaps[1], 5);
	assert_int_equal(msg(r, 6, 0, 5, BE, 6, 20), RX_NEW);
	assert_int_equal(msg(r, 5, 0, 4, BE, 5, 20), RX_NEW);
	assert_true(rx_no_gaps(r));
	assert_int_equal(rx_cum_tsn(r), 9);
	for (uint32_t t = 5; t <= 9; t++)
		read_msg(r, t, 20, 0, (uint16_t)(t - 1));
	assert_empty(r);
	rx_free(r);
}

static void test_duplicates(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 1, 65536);
	sack s;
	assert_int_equal(msg(r, 1, 0, 0, BE | DATA_FLAG_U, 1, 5), RX_NEW);
	assert_int_equal(msg(r, 2, 0, 0, BE | DATA_FLAG_U, 2, 5), RX_NEW);
	assert_int_equal(msg(r, 5, 0, 0, BE | DATA_FLAG_U, 5, 5), RX_NEW);
	assert_int_equal(msg(r, 2, 0, 0, BE | DATA_FLAG_U, 2, 5), RX_DUP);
	assert_int_equal(msg(r, 1, 0, 0, BE | DATA_FLAG_U, 1, 5), RX_DUP);
	assert_int_equal(msg(r, 5, 0, 0, BE | DATA_FLAG_U, 5, 5), RX_DUP);
	assert_int_equal(rx_held(r), 15); /* duplicates are not stored */
	rx_packet_done(r, true, false, 2, 200 * MS, 0);
	assert_true(rx_sack_now(r));
	get_sack(r, &s);
	assert_int_equal(s.ndups, 3);
	assert_int_equal(s.dups[0], 2);
	assert_int_equal(s.dups[1], 1);
	assert_int_equal(s.dups[2], 5);
	assert_false(rx_sack_now(r));
	get_sack(r, &s);
	assert_int_equal(s.ndups, 0); /* reported once, then cleared */
	/* The list is bounded. */
	for (int i = 0; i < 100; i++)
		msg(r, 1, 0, 0, BE | DATA_FLAG_U, 1, 5);
	get_sack(r, &s);
	assert_int_equal(s.ndups, RX_MAX_DUPS);
	rx_free(r);
}

static void frag(rx *r, uint32_t tsn0, unsigned k, unsigned nfrag, uint16_t s,
		 uint16_t ssn, uint8_t uflag, uint32_t id, size_t fl, int want)
{
	uint8_t buf[2048];
	uint8_t f = uflag;
	if (k == 0)
		f |= DATA_FLAG_B;
	if (k == nfrag - 1)
		f |= DATA_FLAG_E;
	for (size_t i = 0; i < fl; i++)
		buf[i] = pat(id, k * fl + i);
	assert_int_equal(put(r, tsn0 + k, s, ssn, f, buf, fl), want);
}

static void test_fragmented_reordered(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 10, 1, 65536);
	unsigned order[] = {2, 4, 0, 3, 1};
	uint8_t buf[4096];
	esctp_rcvinfo info;
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(rx_readable(r), 0);
		frag(r, 10, order[i], 5, 0, 0, 0, 77, 100, RX_NEW);
	}
	assert_int_equal(rx_readable(r), 500);
	/* Read in two pieces: EOR only on the last. */
	assert_int_equal(rx_read(r, buf, 120, &info), 120);
	assert_false(info.flags & ESCTP_EOR);
	assert_int_equal(info.tsn, 10);
	assert_int_equal(rx_read(r, buf + 120, 4096, &info), 380);
	assert_true(info.flags & ESCTP_EOR);
	assert_int_equal(info.tsn, 11); /* the piece began in TSN 11 */
	for (size_t i = 0; i < 500; i++)
		assert_int_equal(buf[i], pat(77, i));
	assert_empty(r);
	assert_int_equal(rx_held(r), 0);
	rx_free(r);
}

static void test_unordered(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 2, 65536);
	uint8_t buf[4096];
	esctp_rcvinfo info;
	/* TSN 1 (stream 0, SSN 0) is missing: ordered SSN 1 waits, the
	 * unordered messages do not. */
	assert_int_equal(msg(r, 2, 0, 1, BE, 2, 10), RX_NEW);
	assert_int_equal(msg(r, 3, 0, 0, BE | DATA_FLAG_U, 3, 10), RX_NEW);
	assert_int_equal(rx_readable(r), 10);
	assert_int_equal(rx_read(r, buf, sizeof(buf), &info), 10);
	assert_true(info.flags & ESCTP_UNORDERED);
	assert_true(info.flags & ESCTP_EOR);
	/* A fragmented unordered message, fragments reversed. */
	frag(r, 4, 2, 3, 1, 0, DATA_FLAG_U, 4, 50, RX_NEW);
	frag(r, 4, 1, 3, 1, 0, DATA_FLAG_U, 4, 50, RX_NEW);
	assert_int_equal(rx_readable(r), 0);
	frag(r, 4, 0, 3, 1, 0, DATA_FLAG_U, 4, 50, RX_NEW);
	assert_int_equal(rx_read(r, buf, sizeof(buf), &info), 150);
	assert_true(info.flags & ESCTP_UNORDERED);
	for (size_t i = 0; i < 150; i++)
		assert_int_equal(buf[i], pat(4, i));
	assert_empty(r);
	assert_int_equal(msg(r, 1, 0, 0, BE, 1, 10), RX_NEW);
	read_msg(r, 1, 10, 0, 0);
	read_msg(r, 2, 10, 0, 1);
	assert_empty(r);
	rx_free(r);
}

static void test_streams_independent(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 3, 65536);
	/* Stream 0: SSN 0 at TSN 1 (late), SSN 1 at TSN 4.
	 * Stream 2: SSN 0, 1, 2 at TSN 2, 3, 5. */
	assert_int_equal(msg(r, 2, 2, 0, BE, 2, 8), RX_NEW);
	assert_int_equal(msg(r, 4, 0, 1, BE, 4, 8), RX_NEW);
	assert_int_equal(msg(r, 3, 2, 1, BE, 3, 8), RX_NEW);
	assert_int_equal(msg(r, 5, 2, 2, BE, 5, 8), RX_NEW);
	read_msg(r, 2, 8, 2, 0);
	read_msg(r, 3, 8, 2, 1);
	read_msg(r, 5, 8, 2, 2);
	assert_empty(r);
	assert_int_equal(msg(r, 1, 0, 0, BE, 1, 8), RX_NEW);
	read_msg(r, 1, 8, 0, 0);
	read_msg(r, 4, 8, 0, 1);
	assert_empty(r);
	rx_free(r);
}

/* ---- a simulated sender: window, loss, reordering, duplication ---- */

typedef struct sim_chunk {
	uint32_t tsn, off, len, msg;
	uint16_t stream, ssn;
	uint8_t flags;
	bool sent;
} sim_chunk;

typedef struct sim_msg {
	uint32_t len, got, tsn0;
	uint16_t stream, ssn;
	bool unordered, done;
} sim_msg;

typedef struct sim {
	rx *r;
	sim_chunk *c;
	unsigned nc;
	sim_msg *m;
	unsigned nm;
	uint32_t rnd;
	uint32_t rwnd;
	sack s;
	/* options */
	unsigned loss_pct, dup_pct, per_pkt, read_len;
	uint32_t overrun; /* bytes sent beyond the peer's window */
	bool shuffle;
	/* reading */
	sim_msg *cur;
	int pieces, eors;
	uint16_t next_ssn[8];
} sim;

static uint32_t rnd(sim *x)
{
	x->rnd ^= x->rnd << 13;
	x->rnd ^= x->rnd >> 17;
	x->rnd ^= x->rnd << 5;
	return x->rnd;
}

/* Cuts messages into fragments of at most fl bytes, TSNs from tsn0. */
static void sim_build(sim *x, uint32_t tsn0, size_t fl)
{
	unsigned cap = 0;
	uint16_t ssn[8] = {0};
	for (unsigned i = 0; i < x->nm; i++)
		cap += (unsigned)(x->m[i].len + fl - 1) / (unsigned)fl;
	x->c = calloc(cap, sizeof(*x->c));
	x->nc = 0;
	for (unsigned i = 0; i < x->nm; i++) {
		sim_msg *m = &x->m[i];
		m->tsn0 = tsn0 + x->nc;
		if (!m->unordered)
			m->ssn = ssn[m->stream]++;
		for (uint32_t off = 0; off < m->len; off += (uint32_t)fl) {
			sim_chunk *c = &x->c[x->nc];
			c->tsn = tsn0 + x->nc++;
			c->off = off;
			c->len = (uint32_t)MIN(fl, m->len - off);
			c->msg = i;
			c->stream = m->stream;
			c->ssn = m->ssn;
			c->flags =
			    (uint8_t)((off == 0 ? DATA_FLAG_B : 0) |
				      (off + fl >= m->len ? DATA_FLAG_E : 0) |
				      (m->unordered ? DATA_FLAG_U : 0));
		}
	}
}

static bool sim_acked(const sim *x, uint32_t tsn)
{
	if (tsn_le(tsn, x->s.cum))
		return true;
	for (unsigned i = 0; i < x->s.ngaps; i++)
		if (tsn_ge(tsn, x->s.cum + x->s.gaps[2 * i]) &&
		    tsn_le(tsn, x->s.cum + x->s.gaps[2 * i + 1]))
			return true;
	return false;
}

static void sim_feed(sim *x, const sim_chunk *c)
{
	uint8_t buf[4096];
	sim_msg *m = &x->m[c->msg];
	for (uint32_t i = 0; i < c->len; i++)
		buf[i] = pat(c->msg, c->off + i);
	chunk_data d = {.flags = c->flags,
			.tsn = c->tsn,
			.stream = c->stream,
			.ssn = c->ssn,
			.ppid = c->msg,
			.payload = buf,
			.len = c->len};
	(void)m;
	int rc = rx_data(x->r, &d, 0);
	assert_true(rc == RX_NEW || rc == RX_DUP || rc == RX_DROPPED);
}

/* One round: what the sender transmits (retransmissions of everything
 * unacked that was sent, plus new data within the window), scrambled. */
static void sim_send(sim *x)
{
	unsigned *batch = malloc(sizeof(unsigned) * (x->nc * 2 + 1));
	unsigned nb = 0;
	uint32_t flight = 0;
	for (unsigned i = 0; i < x->nc; i++)
		if (x->c[i].sent && !sim_acked(x, x->c[i].tsn)) {
			batch[nb++] = i;
			flight += x->c[i].len;
		}
	for (unsigned i = 0; i < x->nc; i++) {
		if (x->c[i].sent)
			continue;
		if (flight + x->c[i].len > x->rwnd + x->overrun && flight > 0)
			break;
		x->c[i].sent = true;
		batch[nb++] = i;
		flight += x->c[i].len;
	}
	if (x->shuffle)
		for (unsigned i = nb; i > 1; i--) {
			unsigned j = rnd(x) % i, t = batch[i - 1];
			batch[i - 1] = batch[j];
			batch[j] = t;
		}
	unsigned in_pkt = 0;
	for (unsigned i = 0; i < nb; i++) {
		if (rnd(x) % 100 < x->loss_pct)
			continue;
		sim_feed(x, &x->c[batch[i]]);
		if (rnd(x) % 100 < x->dup_pct)
			sim_feed(x, &x->c[batch[i]]);
		if (++in_pkt == x->per_pkt) {
			rx_packet_done(x->r, true, false, 2, 200 * MS, 0);
			in_pkt = 0;
		}
	}
	if (in_pkt)
		rx_packet_done(x->r, true, false, 2, 200 * MS, 0);
	free(batch);
}

/* Reads everything readable; checks bytes, order and EOR placement. */
static void sim_read(sim *x)
{
	uint8_t buf[8192];
	esctp_rcvinfo info;
	int n;
	size_t len = x->read_len ? x->read_len : sizeof(buf);
	while ((n = rx_read(x->r, buf, len, &info)) >= 0) {
		assert_true(n > 0);
		sim_msg *m = x->cur;
		if (!m) {
			assert_true(info.ppid < x->nm);
			m = x->cur = &x->m[info.ppid];
			assert_false(m->done);
			assert_int_equal(info.tsn, m->tsn0);
			if (!m->unordered) {
				assert_int_equal(info.ssn,
						 x->next_ssn[m->stream]);
				x->next_ssn[m->stream]++;
			}
		}
		assert_int_equal(info.stream, m->stream);
		assert_int_equal(!!(info.flags & ESCTP_UNORDERED),
				 m->unordered);
		for (int i = 0; i < n; i++)
			assert_int_equal(buf[i],
					 pat((uint32_t)(m - x->m), m->got + i));
		m->got += (uint32_t)n;
		x->pieces++;
		if (info.flags & ESCTP_EOR) {
			assert_int_equal(m->got, m->len);
			m->done = true;
			x->cur = NULL;
			x->eors++;
		} else {
			assert_true(m->got < m->len);
		}
	}
	assert_int_equal(n, ESCTP_ERR_AGAIN);
}

/* Runs rounds until every message was read; returns the round count. */
static unsigned sim_run(sim *x, unsigned max_rounds)
{
	x->rwnd = rx_a_rwnd(x->r);
	memset(&x->s, 0, sizeof(x->s));
	x->s.cum = rx_cum_tsn(x->r);
	for (unsigned round = 1; round <= max_rounds; round++) {
		sim_send(x);
		sim_read(x);
		get_sack(x->r, &x->s);
		x->rwnd = x->s.rwnd;
		assert_true(rx_held(x->r) <= 3 * (size_t)x->r->rcvbuf + 65536);
		if ((unsigned)x->eors == x->nm) {
			assert_int_equal(rx_held(x->r), 0);
			assert_int_equal(x->s.cum, x->c[x->nc - 1].tsn);
			return round;
		}
	}
	fail_msg("no progress after %u rounds: %d of %u messages", max_rounds,
		 x->eors, x->nm);
	return 0;
}

static void sim_done(sim *x)
{
	rx_free(x->r);
	free(x->c);
	free(x->m);
}

/* A message of 4 x rcvbuf through a 4000-byte buffer, in order and then
 * scrambled with loss and duplicates, the reader taking small bites. */
static void big_message(bool scrambled, uint32_t seed)
{
	sim x = {0};
	x.r = rx_new(&mem, 1000, 1, 4000);
	x.nm = 2;
	x.m = calloc(x.nm, sizeof(*x.m));
	x.m[0].len = 16000;
	x.m[1].len = 300;
	sim_build(&x, 1000, 200);
	x.rnd = seed;
	x.per_pkt = 3;
	x.read_len = 700;
	if (scrambled) {
		x.shuffle = true;
		x.loss_pct = 15;
		x.dup_pct = 10;
		x.overrun = seed % 2 ? 2000 : 0;
	}
	sim_run(&x, 2000);
	assert_true(x.pieces > 2); /* delivered in pieces, EOR at the end */
	assert_int_equal(x.eors, 2);
	sim_done(&x);
}

static void test_partial_delivery(void **state)
{
	(void)state;
	big_message(false, 1);
	for (uint32_t seed = 1; seed <= 20; seed++)
		big_message(true, seed * 7919);
}

/* Partial delivery: pieces without EOR, exclusive reading, and a window
 * that stays open. */
/* The partial delivery point (SCTP_PARTIAL_DELIVERY_POINT): the first
 * fragments become readable once they reach it, long before the buffer
 * is half full; below it, nothing. */
static void test_partial_delivery_point(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 2, 100000);
	uint8_t buf[4096];
	esctp_rcvinfo info;
	rx_set_pd_point(r, 500);
	frag(r, 1, 0, 10, 0, 0, 0, 9, 300, RX_NEW);
	assert_int_equal(rx_readable(r), 0); /* 300 < 500 */
	frag(r, 1, 1, 10, 0, 0, 0, 9, 300, RX_NEW);
	assert_int_equal(rx_readable(r), 600);
	assert_int_equal(rx_read(r, buf, sizeof(buf), &info), 600);
	assert_false(info.flags & ESCTP_EOR);
	rx_free(r);
	/* Without a point the same fragments wait for the whole message. */
	r = rx_new(&mem, 1, 2, 100000);
	frag(r, 1, 0, 10, 0, 0, 0, 9, 300, RX_NEW);
	frag(r, 1, 1, 10, 0, 0, 0, 9, 300, RX_NEW);
	assert_int_equal(rx_readable(r), 0);
	rx_free(r);
}

static void test_partial_delivery_pieces(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 2, 1000);
	uint8_t buf[4096];
	esctp_rcvinfo info;
	rx_notice n;
	frag(r, 1, 0, 10, 0, 0, 0, 9, 300, RX_NEW);
	assert_int_equal(rx_readable(r), 0); /* 300 < rcvbuf / 2 */
	frag(r, 1, 1, 10, 0, 0, 0, 9, 300, RX_NEW);
	assert_int_equal(rx_readable(r), 600);
	assert_true(rx_next_notice(r, &n));
	assert_int_equal(n.type, RX_NOTICE_DATA);
	assert_int_equal(n.len, 600);
	assert_false(n.flags & ESCTP_EOR);
	/* A message on another stream queues behind the partial one. */
	assert_int_equal(msg(r, 11, 1, 0, BE, 50, 10), RX_NEW);
	assert_int_equal(rx_readable(r), 600);
	assert_int_equal(rx_read(r, buf, 4096, &info), 600);
	assert_false(info.flags & ESCTP_EOR);
	assert_int_equal(rx_read(r, buf, 4096, &info), ESCTP_ERR_AGAIN);
	size_t got = 600;
	for (unsigned k = 2; k < 10; k++) {
		frag(r, 1, k, 10, 0, 0, 0, 9, 300, RX_NEW);
		int m = rx_read(r, buf + got, 4096 - got, &info);
		assert_int_equal(m, 300);
		got += 300;
		assert_int_equal(!!(info.flags & ESCTP_EOR), k == 9);
		assert_int_equal(info.tsn, 1 + k);
	}
	for (size_t i = 0; i < 3000; i++)
		assert_int_equal(buf[i], pat(9, i));
	read_msg(r, 50, 10, 1, 0);
	assert_empty(r);
	rx_free(r);
}

static void fwd(rx *r, uint32_t cum, const uint16_t *pairs, unsigned n)
{
	uint8_t raw[256];
	for (unsigned i = 0; i < 2 * n; i++)
		put16(raw + 2 * i, pairs[i]);
	chunk_fwdtsn f = {
	    .new_cum_tsn = cum, .nstreams = (uint16_t)n, .streams = raw};
	rx_forward_tsn(r, &f, 0);
}

static void test_forward_tsn(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 2, 100000);
	sack s;
	rx_notice n;
	/* Ordered: SSN 0 (TSN 1) abandoned, SSN 1 (TSN 2) waits for it. */
	assert_int_equal(msg(r, 2, 0, 1, BE, 2, 10), RX_NEW);
	assert_empty(r);
	fwd(r, 1, (uint16_t[]){0, 0}, 1);
	assert_true(rx_sack_now(r));
	assert_int_equal(rx_cum_tsn(r), 2);
	read_msg(r, 2, 10, 0, 1);
	/* Unordered: fragments 3 and 5 of a message 3..5 held, 4 abandoned;
	 * an ordered message at 6 waits for SSN 2 at TSN 7 (skipped too). */
	frag(r, 3, 0, 3, 1, 0, DATA_FLAG_U, 3, 100, RX_NEW);
	frag(r, 3, 2, 3, 1, 0, DATA_FLAG_U, 3, 100, RX_NEW);
	assert_int_equal(msg(r, 8, 0, 3, BE, 8, 10), RX_NEW);
	assert_int_equal(rx_held(r), 210);
	fwd(r, 7, (uint16_t[]){0, 2}, 1);
	assert_int_equal(rx_held(r), 10);
	assert_int_equal(rx_cum_tsn(r), 8);
	get_sack(r, &s);
	assert_int_equal(s.cum, 8);
	assert_int_equal(s.ngaps, 0);
	read_msg(r, 8, 10, 0, 3);
	assert_empty(r);
	/* Late retransmissions of skipped TSNs are duplicates. */
	assert_int_equal(msg(r, 4, 1, 0, DATA_FLAG_U, 4, 10), RX_DUP);
	/* Out of date: no change, but a SACK is due. */
	get_sack(r, &s);
	fwd(r, 5, NULL, 0);
	assert_true(rx_sack_now(r));
	assert_int_equal(rx_cum_tsn(r), 8);
	while (rx_next_notice(r, &n))
		assert_int_equal(n.type, RX_NOTICE_DATA);
	rx_free(r);
}

/* The sender abandons a message whose first fragments all arrived and whose
 * tail never got a TSN: its FORWARD TSN carries the receiver's own
 * cumulative TSN.  Out of date, so the cumulative TSN stays, but the held
 * fragments go and the stream skips the SSN, or SSN 1 waits forever. */
static void test_forward_tsn_stale_skips_stream(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 2, 100000);
	frag(r, 1, 0, 5, 0, 0, 0, 1, 100, RX_NEW);
	frag(r, 1, 1, 5, 0, 0, 0, 1, 100, RX_NEW);
	assert_int_equal(msg(r, 3, 0, 1, BE, 3, 10), RX_NEW);
	assert_int_equal(rx_cum_tsn(r), 3);
	assert_int_equal(rx_readable(r), 0);
	fwd(r, 2, (uint16_t[]){0, 0}, 1);
	assert_int_equal(rx_cum_tsn(r), 3);
	assert_int_equal(rx_held(r), 10);
	read_msg(r, 3, 10, 0, 1);
	assert_empty(r);
	rx_free(r);
}

static void test_forward_tsn_cuts_partial(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 2, 1000);
	uint8_t buf[4096];
	esctp_rcvinfo info;
	rx_notice n;
	/* Stream 0 SSN 0 at TSN 1..10 (300 bytes each): 1..3 arrive. */
	for (unsigned k = 0; k < 3; k++)
		frag(r, 1, k, 10, 0, 0, 0, 1, 300, RX_NEW);
	/* Stream 0 SSN 1 at TSN 11 and stream 1 at TSN 12 queue behind. */
	assert_int_equal(msg(r, 11, 0, 1, BE, 11, 10), RX_NEW);
	assert_int_equal(msg(r, 12, 1, 0, BE, 12, 10), RX_NEW);
	assert_int_equal(rx_read(r, buf, 400, &info), 400);
	assert_false(info.flags & ESCTP_EOR);
	while (rx_next_notice(r, &n))
		;
	/* The sender abandons the rest of SSN 0. */
	fwd(r, 10, (uint16_t[]){0, 0}, 1);
	assert_true(rx_next_notice(r, &n));
	assert_int_equal(n.type, RX_NOTICE_PD_ABORTED);
	assert_int_equal(n.stream, 0);
	assert_int_equal(n.ssn, 0);
	assert_true(rx_next_notice(r, &n));
	assert_int_equal(n.type, RX_NOTICE_DATA);
	assert_int_equal(n.tsn, 11);
	/* Reading resumes with the next message. */
	read_msg(r, 11, 10, 0, 1);
	read_msg(r, 12, 10, 1, 0);
	assert_empty(r);
	assert_int_equal(rx_held(r), 0);
	assert_int_equal(rx_cum_tsn(r), 12);
	while (rx_next_notice(r, &n))
		;
	/* An unordered partial delivery cut by a FORWARD TSN that lists no
	 * stream. */
	for (unsigned k = 0; k < 3; k++)
		frag(r, 13, k, 5, 1, 0, DATA_FLAG_U, 2, 300, RX_NEW);
	assert_int_equal(rx_readable(r), 900);
	fwd(r, 17, NULL, 0);
	assert_true(rx_next_notice(r, &n));
	assert_int_equal(n.type, RX_NOTICE_DATA);
	assert_true(rx_next_notice(r, &n));
	assert_int_equal(n.type, RX_NOTICE_PD_ABORTED);
	assert_true(n.flags & ESCTP_UNORDERED);
	assert_empty(r);
	assert_int_equal(rx_held(r), 0);
	rx_free(r);
}

/* A partial delivery cut while an earlier one is still being read: only
 * the cut message is dropped. */
static void test_forward_tsn_cuts_second_partial(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 2, 1000);
	uint8_t buf[4096];
	esctp_rcvinfo info;
	for (unsigned k = 0; k < 4; k++) /* partial at 3, complete at 4 */
		frag(r, 1, k, 4, 0, 0, 0, 1, 200, RX_NEW);
	assert_int_equal(rx_read(r, buf, 100, &info), 100);
	frag(r, 5, 0, 5, 1, 0, DATA_FLAG_U, 2, 100, RX_NEW);
	frag(r, 5, 1, 5, 1, 0, DATA_FLAG_U, 2, 100, RX_NEW);
	assert_int_equal(rx_readable(r), 900);
	fwd(r, 9, NULL, 0);
	assert_int_equal(rx_held(r), 700);
	assert_int_equal(rx_read(r, buf + 100, 4096, &info), 700);
	assert_true(info.flags & ESCTP_EOR);
	for (size_t i = 0; i < 800; i++)
		assert_int_equal(buf[i], pat(1, i));
	assert_empty(r);
	rx_free(r);
}

static void test_bad_stream(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 2, 65536);
	sack s;
	assert_int_equal(msg(r, 1, 2, 0, BE, 1, 10), RX_BAD_STREAM);
	assert_int_equal(msg(r, 2, 65535, 0, BE, 1, 10), RX_BAD_STREAM);
	assert_int_equal(rx_cum_tsn(r), 2);
	assert_int_equal(rx_held(r), 0);
	assert_empty(r);
	get_sack(r, &s);
	assert_int_equal(s.cum, 2);
	assert_int_equal(msg(r, 2, 2, 0, BE, 1, 10), RX_DUP);
	assert_int_equal(msg(r, 3, 1, 0, BE, 3, 10), RX_NEW);
	read_msg(r, 3, 10, 1, 0);
	rx_free(r);
}

static void test_window(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 1, 1000);
	sack s;
	uint8_t buf[4096];
	assert_int_equal(rx_a_rwnd(r), 1000);
	for (uint32_t t = 1; t <= 4; t++)
		assert_int_equal(msg(r, t, 0, (uint16_t)(t - 1), BE, t, 200),
				 RX_NEW);
	assert_int_equal(rx_a_rwnd(r), 200);
	assert_int_equal(msg(r, 5, 0, 4, BE, 5, 300), RX_NEW);
	assert_int_equal(rx_held(r), 1100);
	assert_int_equal(rx_a_rwnd(r), 0); /* saturates */
	/* Window 0: a TSN above the highest is dropped, SACK at once. */
	assert_int_equal(msg(r, 6, 0, 5, BE, 6, 10), RX_DROPPED);
	rx_packet_done(r, true, false, 2, 200 * MS, 0);
	assert_true(rx_sack_now(r));
	get_sack(r, &s);
	assert_int_equal(s.cum, 5);
	assert_int_equal(s.rwnd, 0);
	/* Reads reopen it; a window update is due at rcvbuf / 4. */
	assert_int_equal(rx_read(r, buf, sizeof(buf), NULL), 200);
	assert_false(rx_sack_now(r));
	assert_int_equal(rx_read(r, buf, sizeof(buf), NULL), 200);
	assert_int_equal(rx_a_rwnd(r), 300);
	assert_true(rx_sack_now(r));
	get_sack(r, &s);
	assert_int_equal(s.rwnd, 300);
	/* 300 < 500 still counts as small: the next quarter triggers too. */
	assert_int_equal(rx_read(r, buf, sizeof(buf), NULL), 200);
	assert_false(rx_sack_now(r));
	assert_int_equal(rx_read(r, buf, sizeof(buf), NULL), 200);
	assert_true(rx_sack_now(r));
	get_sack(r, &s);
	assert_int_equal(s.rwnd, 700);
	assert_int_equal(rx_read(r, buf, sizeof(buf), NULL), 300);
	assert_false(rx_sack_now(r)); /* 700 was not small */
	rx_free(r);
}

static void test_window_renege(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 1, 1000);
	sack s;
	/* A message 1..10 of 200-byte fragments, 1 missing: 2..6 fill the
	 * window, held for reordering. */
	for (unsigned k = 1; k <= 5; k++)
		frag(r, 1, k, 10, 0, 0, 0, 1, 200, RX_NEW);
	assert_int_equal(rx_a_rwnd(r), 0);
	frag(r, 1, 6, 10, 0, 0, 0, 1, 200, RX_DROPPED); /* above highest */
	get_sack(r, &s);
	assert_int_equal(s.ngaps, 1);
	assert_int_equal(s.gaps[0], 2);
	assert_int_equal(s.gaps[1], 6);
	/* TSN 1 arrives: the highest held TSN (6) is dropped for it. */
	frag(r, 1, 0, 10, 0, 0, 0, 1, 200, RX_NEW);
	assert_int_equal(rx_cum_tsn(r), 5);
	get_sack(r, &s);
	assert_int_equal(s.cum, 5);
	assert_int_equal(s.ngaps, 0);
	/* Partial delivery started: reading keeps it moving. */
	assert_int_equal(rx_readable(r), 1000);
	rx_free(r);
}

static void test_sack_delayed(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 1, 65536);
	sack s;
	assert_int_equal(rx_sack_deadline(r), ESCTP_TSTAMP_NEVER);
	msg(r, 1, 0, 0, BE, 1, 10);
	rx_packet_done(r, true, false, 2, 200 * MS, 1000 * MS);
	assert_false(rx_sack_now(r));
	assert_int_equal(rx_sack_deadline(r), 1200 * MS);
	/* A packet without data changes nothing; the timer is not pushed
	 * back by more data. */
	rx_packet_done(r, false, false, 3, 200 * MS, 1050 * MS);
	msg(r, 2, 0, 1, BE, 2, 10);
	rx_packet_done(r, true, false, 3, 200 * MS, 1100 * MS);
	assert_false(rx_sack_now(r));
	assert_int_equal(rx_sack_deadline(r), 1200 * MS);
	rx_sack_timer(r, 1199 * MS);
	assert_false(rx_sack_now(r));
	rx_sack_timer(r, 1200 * MS);
	assert_true(rx_sack_now(r));
	get_sack(r, &s);
	assert_false(rx_sack_now(r));
	assert_int_equal(rx_sack_deadline(r), ESCTP_TSTAMP_NEVER);
	rx_free(r);
}

static void test_sack_every_second_packet(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 1, 65536);
	sack s;
	msg(r, 1, 0, 0, BE, 1, 10);
	msg(r, 2, 0, 1, BE, 2, 10); /* two chunks, one packet */
	rx_packet_done(r, true, false, 2, 200 * MS, 0);
	assert_false(rx_sack_now(r));
	msg(r, 3, 0, 2, BE, 3, 10);
	rx_packet_done(r, true, false, 2, 200 * MS, 0);
	assert_true(rx_sack_now(r));
	get_sack(r, &s);
	assert_int_equal(s.cum, 3);
	/* sack_freq 1: every packet. */
	msg(r, 4, 0, 3, BE, 4, 10);
	rx_packet_done(r, true, false, 1, 200 * MS, 0);
	assert_true(rx_sack_now(r));
	rx_free(r);
}

static void test_sack_gap_immediate(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 1, 65536);
	sack s;
	msg(r, 2, 0, 1, BE, 2, 10); /* gap: 1 missing */
	rx_packet_done(r, true, false, 2, 200 * MS, 0);
	assert_true(rx_sack_now(r));
	get_sack(r, &s);
	msg(r, 4, 0, 3, BE, 4, 10); /* still gaps */
	rx_packet_done(r, true, false, 2, 200 * MS, 0);
	assert_true(rx_sack_now(r));
	get_sack(r, &s);
	msg(r, 1, 0, 0, BE, 1, 10);
	rx_packet_done(r, true, false, 2, 200 * MS, 0);
	assert_true(rx_sack_now(r));
	get_sack(r, &s);
	msg(r, 3, 0, 2, BE, 3, 10); /* fills the last gap */
	rx_packet_done(r, true, false, 2, 200 * MS, 0);
	assert_true(rx_sack_now(r));
	get_sack(r, &s);
	assert_int_equal(s.cum, 4);
	msg(r, 5, 0, 4, BE, 5, 10); /* in sequence again: delayed */
	rx_packet_done(r, true, false, 2, 200 * MS, 0);
	assert_false(rx_sack_now(r));
	rx_free(r);
}

static void test_sack_dup_and_i_bit(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 1, 65536);
	sack s;
	msg(r, 1, 0, 0, BE, 1, 10);
	rx_packet_done(r, true, false, 2, 200 * MS, 0);
	assert_false(rx_sack_now(r));
	msg(r, 1, 0, 0, BE, 1, 10);
	rx_packet_done(r, true, false, 2, 200 * MS, 0);
	assert_true(rx_sack_now(r));
	get_sack(r, &s);
	assert_int_equal(s.ndups, 1);
	msg(r, 2, 0, 1, BE | DATA_FLAG_I, 2, 10);
	rx_packet_done(r, true, false, 2, 200 * MS, 0);
	assert_true(rx_sack_now(r));
	get_sack(r, &s);
	msg(r, 3, 0, 2, BE, 3, 10);
	rx_packet_done(r, true, true, 2, 200 * MS, 0); /* caller saw I */
	assert_true(rx_sack_now(r));
	get_sack(r, &s);
	/* A SACK that does not fit leaves the state untouched. */
	msg(r, 3, 0, 2, BE, 3, 10);
	rx_packet_done(r, true, false, 2, 200 * MS, 0);
	uint8_t small[12];
	wbuf w;
	wbuf_init(&w, small, sizeof(small));
	rx_put_sack(r, &w);
	assert_int_not_equal(w.err, 0);
	assert_true(rx_sack_now(r));
	get_sack(r, &s);
	assert_int_equal(s.ndups, 1);
	rx_free(r);
}

static void test_sack_room(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 1, 1 << 20);
	uint8_t buf[64];
	wbuf w;
	/* 10 gaps and 3 dups; a 40-byte room holds 16 + 6 entries. */
	for (uint32_t t = 0; t < 10; t++)
		msg(r, 3 + 2 * t, 0, 0, BE | DATA_FLAG_U, t, 1);
	for (int i = 0; i < 3; i++)
		msg(r, 3, 0, 0, BE | DATA_FLAG_U, 0, 1);
	wbuf_init(&w, buf, 40);
	rx_put_sack(r, &w);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, 40);
	assert_int_equal(get16(buf + 12), 6);
	assert_int_equal(get16(buf + 14), 0);
	assert_int_equal(get16(buf + 16 + 4 * 5), 3 + 2 * 5); /* lowest kept */
	while (rx_read(r, buf, sizeof(buf), NULL) > 0)
		;
	rx_free(r);
}

static void test_tsn_wrap(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 0xFFFFFFFE, 1, 65536);
	sack s;
	assert_int_equal(rx_cum_tsn(r), 0xFFFFFFFD);
	/* TSNs FFFFFFFE, FFFFFFFF, 0, 1, 2 carry SSN 0..4. */
	assert_int_equal(msg(r, 1, 0, 3, BE, 3, 10), RX_NEW);
	assert_int_equal(msg(r, 0xFFFFFFFF, 0, 1, BE, 1, 10), RX_NEW);
	get_sack(r, &s);
	assert_int_equal(s.cum, 0xFFFFFFFD);
	assert_int_equal(s.ngaps, 2);
	assert_int_equal(s.gaps[0], 2);
	assert_int_equal(s.gaps[1], 2);
	assert_int_equal(s.gaps[2], 4);
	assert_int_equal(s.gaps[3], 4);
	assert_int_equal(msg(r, 0xFFFFFFFE, 0, 0, BE, 0, 10), RX_NEW);
	assert_int_equal(msg(r, 0, 0, 2, BE, 2, 10), RX_NEW);
	assert_int_equal(rx_cum_tsn(r), 1);
	assert_int_equal(msg(r, 0xFFFFFFFF, 0, 1, BE, 1, 10), RX_DUP);
	assert_int_equal(msg(r, 2, 0, 4, BE, 4, 10), RX_NEW);
	for (uint16_t i = 0; i < 5; i++)
		read_msg(r, i, 10, 0, i);
	assert_empty(r);
	rx_free(r);

	r = rx_new(&mem, 0xFFFFFFF0, 1, 65536);
	for (unsigned k = 0; k < 40; k++) /* fragments FFFFFFF0 .. 0x17 */
		frag(r, 0xFFFFFFF0, 39 - k, 40, 0, 0, 0, 5, 20, RX_NEW);
	assert_int_equal(rx_cum_tsn(r), 0x17);
	read_msg(r, 5, 800, 0, 0);
	/* Too far ahead or 2^31 away: dropped; far behind: duplicate. */
	assert_int_equal(msg(r, 0x17 + 0x40000000u, 0, 1, BE, 1, 1),
			 RX_DROPPED);
	assert_int_equal(msg(r, 0x17 + 0x80000000u, 0, 1, BE, 1, 1),
			 RX_DROPPED);
	assert_int_equal(msg(r, 0x17 + 0x80000001u, 0, 1, BE, 1, 1), RX_DUP);
	assert_int_equal(msg(r, 0x17 + 65536 + 65536 + 1, 0, 1, BE, 1, 1),
			 RX_DROPPED);
	rx_free(r);
}

static void test_ssn_wrap(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 1, 65536);
	/* Skip to SSN 65534 (cheaper than 65534 messages), in steps of less
	 * than 2^15 as serial arithmetic wants. */
	fwd(r, 1, (uint16_t[]){0, 19999}, 1);
	fwd(r, 2, (uint16_t[]){0, 39999}, 1);
	fwd(r, 3, (uint16_t[]){0, 65533}, 1);
	/* SSN 65534, 65535, 0, 1 at TSN 4..7, arriving 7, 6, 5, 4. */
	assert_int_equal(msg(r, 7, 0, 1, BE, 7, 3), RX_NEW);
	assert_int_equal(msg(r, 6, 0, 0, BE, 6, 3), RX_NEW);
	assert_int_equal(msg(r, 5, 0, 65535, BE, 5, 3), RX_NEW);
	assert_empty(r);
	assert_int_equal(msg(r, 4, 0, 65534, BE, 4, 3), RX_NEW);
	read_msg(r, 4, 3, 0, 65534);
	read_msg(r, 5, 3, 0, 65535);
	read_msg(r, 6, 3, 0, 0);
	read_msg(r, 7, 3, 0, 1);
	assert_empty(r);
	/* A FORWARD TSN skipping SSN 2 and 3 (TSN 8, 9). */
	assert_int_equal(msg(r, 10, 0, 4, BE, 10, 3), RX_NEW);
	fwd(r, 9, (uint16_t[]){0, 3}, 1);
	read_msg(r, 10, 3, 0, 4);
	assert_empty(r);
	rx_free(r);
}

/* Many messages on several streams, ordered and unordered, fragmented or
 * not, through a lossy, reordering, duplicating channel and a window that
 * matters: each comes out exactly once, intact, in SSN order. */
static void random_run(uint32_t seed, uint32_t itsn, uint32_t rcvbuf)
{
	sim x = {0};
	x.rnd = seed;
	x.nm = 400;
	x.m = calloc(x.nm, sizeof(*x.m));
	for (unsigned i = 0; i < x.nm; i++) {
		x.m[i].stream = (uint16_t)(rnd(&x) % 5);
		x.m[i].unordered = rnd(&x) % 4 == 0;
		x.m[i].len =
		    rnd(&x) % 4 == 0 ? 1 + rnd(&x) % 6000 : 1 + rnd(&x) % 400;
	}
	x.r = rx_new(&mem, itsn, 5, rcvbuf);
	sim_build(&x, itsn, 500);
	x.shuffle = true;
	x.loss_pct = 10;
	x.dup_pct = 10;
	x.per_pkt = 4;
	x.read_len = rnd(&x) % 2 ? 0 : 333;
	x.overrun = seed % 2 ? rcvbuf / 2 : 0;
	sim_run(&x, 5000);
	sim_done(&x);
}

static void test_random(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= 12; seed++)
		random_run(seed * 2654435761u, seed * 0x1fffffffu,
			   seed % 3 ? 20000 : 3000);
	random_run(99, 0xFFFFFF00, 8000); /* across the TSN wrap */
}

static void check_invariants(const rx *r)
{
	size_t pend = 0, ready = 0, wait = 0;
	const rxc *p, *prev = NULL;
	for (p = r->pend_first; p; prev = p, p = p->next) {
		assert_ptr_equal(p->p.prev, prev);
		if (prev)
			assert_true(tsn_lt(prev->tsn, p->tsn));
		pend += p->len;
	}
	assert_ptr_equal(r->pend_last, prev);
	prev = NULL;
	bool seen_pd_last = false;
	size_t behind = 0;
	for (p = r->rq_head; p; prev = p, p = p->next) {
		ready += p->len;
		if (r->pd && (seen_pd_last || !r->pd_last))
			behind += p->len;
		if (p == r->pd_last)
			seen_pd_last = true;
	}
	assert_ptr_equal(r->rq_tail, prev);
	if (r->pd_last)
		assert_true(seen_pd_last && r->pd);
	for (unsigned s = 0; r->wait && s < r->nstreams; s++) {
		const rxc *h = r->wait[s];
		if (!h)
			continue;
		const rxc *w = h;
		do {
			assert_true(ssn_gt(w->ssn, r->next_ssn[s]));
			for (p = w; p; p = p->next)
				wait += p->len;
			w = w->w.next;
		} while (w != h);
	}
	assert_int_equal(ready - r->rd_off, r->ready);
	assert_int_equal(behind, r->blocked);
	assert_int_equal(pend + ready - r->rd_off + wait, r->held);
	for (unsigned i = 0; i < r->ngaps; i++) {
		assert_true(tsn_le(r->gaps[i].start, r->gaps[i].end));
		assert_true(tsn_gt(r->gaps[i].start,
				   i ? r->gaps[i - 1].end + 1 : r->cum + 1));
	}
}

static void test_gap_limits(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 1, 1 << 20);
	sack s;
	/* RX_MAX_GAPS isolated TSNs are kept, one more range is not. */
	for (uint32_t i = 0; i < RX_MAX_GAPS; i++)
		assert_int_equal(
		    msg(r, 2 + 2 * i, 0, 0, BE | DATA_FLAG_U, i, 1), RX_NEW);
	assert_int_equal(
	    msg(r, 2 + 2 * RX_MAX_GAPS, 0, 0, BE | DATA_FLAG_U, 0, 1),
	    RX_DROPPED);
	/* Extending or joining ranges still works. */
	assert_int_equal(
	    msg(r, 1 + 2 * RX_MAX_GAPS, 0, 0, BE | DATA_FLAG_U, 0, 1), RX_NEW);
	assert_int_equal(msg(r, 3, 0, 0, BE | DATA_FLAG_U, 0, 1), RX_NEW);
	assert_int_equal(msg(r, 1, 0, 0, BE | DATA_FLAG_U, 0, 1), RX_NEW);
	assert_int_equal(rx_cum_tsn(r), 4);
	get_sack(r, &s);
	assert_int_equal(s.ngaps, RX_MAX_GAPS - 2);
	rx_free(r);

	/* Ranges more than 65535 TSNs above cum cannot be reported. */
	r = rx_new(&mem, 1, 1, 1 << 20);
	assert_int_equal(msg(r, 10, 0, 0, BE | DATA_FLAG_U, 0, 1), RX_NEW);
	assert_int_equal(msg(r, 70000, 0, 0, BE | DATA_FLAG_U, 0, 1), RX_NEW);
	get_sack(r, &s);
	assert_int_equal(s.ngaps, 1);
	assert_int_equal(s.gaps[0], 10);
	rx_free(r);
}

/* Allocation failures drop the chunk (not acked) and lose nothing else. */
static void test_alloc_failure(void **state)
{
	(void)state;
	for (int fa = 0; fa < 12; fa++) {
		fail_after = fa;
		rx *r = rx_new(&mem, 1, 2, 1 << 20);
		if (!r)
			continue;
		int rc[8];
		rc[0] = msg(r, 2, 0, 1, BE, 2, 10); /* waits: list heads */
		rc[1] = msg(r, 4, 0, 0, BE | DATA_FLAG_U, 4, 10); /* gaps */
		rc[2] = msg(r, 6, 0, 3, BE, 6, 10);
		rc[3] = msg(r, 1, 0, 0, BE, 1, 10);
		rc[4] = msg(r, 3, 0, 2, BE, 3, 10);
		rc[5] = msg(r, 5, 1, 0, BE, 5, 10);
		for (int i = 0; i < 6; i++)
			assert_true(rc[i] == RX_NEW || rc[i] == RX_DROPPED);
		check_invariants(r);
		fail_after = -1;
		/* Retransmissions of what was dropped complete the set. */
		msg(r, 1, 0, 0, BE, 1, 10);
		msg(r, 2, 0, 1, BE, 2, 10);
		msg(r, 3, 0, 2, BE, 3, 10);
		msg(r, 4, 0, 0, BE | DATA_FLAG_U, 4, 10);
		msg(r, 5, 1, 0, BE, 5, 10);
		msg(r, 6, 0, 3, BE, 6, 10);
		assert_int_equal(rx_cum_tsn(r), 6);
		assert_int_equal(rx_readable(r), 60);
		check_invariants(r);
		rx_free(r);
	}
}

/* A peer that breaks every rule: random TSNs near the cumulative TSN,
 * random B/E/U flags, streams and SSNs, FORWARD TSNs, reads of any size.
 * Nothing may crash, leak or lose count. */
static void test_garbage(void **state)
{
	(void)state;
	sim x = {0};
	x.rnd = 12345;
	for (int run = 0; run < 20; run++) {
		rx *r = rx_new(&mem, rnd(&x), 3, 500 + rnd(&x) % 3000);
		uint8_t buf[2048];
		memset(buf, 0xab, sizeof(buf));
		for (int op = 0; op < 3000; op++) {
			uint32_t k = rnd(&x) % 100;
			if (k < 70) {
				chunk_data d = {
				    .flags = (uint8_t)(rnd(&x) % 16),
				    .tsn = rx_cum_tsn(r) - 3 + rnd(&x) % 40,
				    .stream = (uint16_t)(rnd(&x) % 4),
				    .ssn = (uint16_t)(r->next_ssn[0] - 1 +
						      rnd(&x) % 4),
				    .payload = buf,
				    .len = 1 + rnd(&x) % 700};
				rx_data(r, &d, 0);
				rx_packet_done(r, true, false, 2, MS, 0);
			} else if (k < 90) {
				while (rx_read(r, buf, 1 + rnd(&x) % 900,
					       NULL) > 0 &&
				       rnd(&x) % 4)
					;
			} else if (k < 95) {
				uint16_t sp[4] = {(uint16_t)(rnd(&x) % 4),
						  (uint16_t)(rnd(&x) % 8),
						  (uint16_t)(rnd(&x) % 4),
						  (uint16_t)(rnd(&x) % 8)};
				fwd(r, rx_cum_tsn(r) + rnd(&x) % 30, sp, 2);
			} else {
				sack s;
				get_sack(r, &s);
				assert_int_equal(s.rwnd, rx_a_rwnd(r));
			}
			check_invariants(r);
			assert_true(rx_held(r) <=
				    2 * (size_t)r->rcvbuf + 65536 + 700);
			rx_notice n;
			while (rx_next_notice(r, &n))
				;
		}
		rx_free(r);
	}
}

static void test_idle_footprint(void **state)
{
	(void)state;
	rx *r = rx_new(&mem, 1, 10, 65536);
	size_t idle = live_bytes;
	print_message("rx idle footprint, 10 streams: %zu bytes\n", idle);
	assert_true(idle < 1024 + 4 * 10);
	rx_free(r);
	r = rx_new(&mem, 1, 1000, 65536);
	assert_true(live_bytes < 1024 + 4 * 1000);
	rx_free(r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_in_order),
	    T(test_out_of_order_gaps),
	    T(test_duplicates),
	    T(test_fragmented_reordered),
	    T(test_unordered),
	    T(test_streams_independent),
	    T(test_partial_delivery),
	    T(test_partial_delivery_point),
	    T(test_partial_delivery_pieces),
	    T(test_forward_tsn),
	    T(test_forward_tsn_stale_skips_stream),
	    T(test_forward_tsn_cuts_partial),
	    T(test_forward_tsn_cuts_second_partial),
	    T(test_bad_stream),
	    T(test_window),
	    T(test_window_renege),
	    T(test_sack_delayed),
	    T(test_sack_every_second_packet),
	    T(test_sack_gap_immediate),
	    T(test_sack_dup_and_i_bit),
	    T(test_sack_room),
	    T(test_tsn_wrap),
	    T(test_ssn_wrap),
	    T(test_random),
	    T(test_gap_limits),
	    T(test_alloc_failure),
	    T(test_garbage),
	    T(test_idle_footprint),
#undef T
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
