/*
 * test_ootb.c - replies to out-of-the-blue packets, RFC 9260 §8.4 rules 2
 * to 8 and the verification tag rules of §8.5.1.  Rule 1 (non-unicast
 * addresses) needs addresses that ootb_reply() does not get: the host
 * checks it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ootb.h"

#define SRC_PORT 40000
#define DST_PORT 9
#define TAG 0xc0ffee01u

typedef struct pkt_buf {
	uint8_t b[512];
	wbuf w;
} pkt_buf;

static void begin(pkt_buf *p, uint32_t vtag)
{
	wbuf_init(&p->w, p->b, sizeof p->b);
	pkt_put_header(&p->w, SRC_PORT, DST_PORT, vtag);
}

static void put_init(wbuf *w, uint32_t init_tag)
{
	chunk_init ci = {.init_tag = init_tag,
			 .a_rwnd = 1500,
			 .os = 1,
			 .mis = 1,
			 .initial_tsn = 1};
	size_t off = chunk_open(w, CT_INIT, 0);
	chunk_put_init_fixed(w, &ci);
	chunk_close(w, off);
}

static void put_data(wbuf *w)
{
	chunk_data d = {.flags = DATA_FLAG_B | DATA_FLAG_E,
			.tsn = 1,
			.payload = (const uint8_t *)"hi",
			.len = 2};
	chunk_put_data(w, &d);
}

/* Runs ootb_reply() on the packet; returns whether it answered, and
 * checks that the answer is one valid packet to the sender. */
static bool run(pkt_buf *in, pkt_buf *out, pkt_chunk *c, pkt_header *rh)
{
	pkt_header h;
	pkt_finish(&in->w);
	assert_int_equal(in->w.err, 0);
	assert_true(pkt_parse(in->b, in->w.len, &h) >= 0);
	wbuf_init(&out->w, out->b, sizeof out->b);
	bool r = ootb_reply(in->b, in->w.len, &h, &out->w);

	/* The public helper agrees. */
	uint8_t pub[64];
	int n = esctp_packet_ootb_reply(in->b, in->w.len, pub, sizeof pub);
	assert_int_equal(n, r ? (int)out->w.len : 0);
	if (!r)
		return false;
	assert_memory_equal(pub, out->b, out->w.len);

	assert_int_equal(pkt_parse(out->b, out->w.len, rh), 1);
	assert_int_equal(rh->src_port, DST_PORT);
	assert_int_equal(rh->dst_port, SRC_PORT);
	pkt_iter it;
	pkt_iter_init(&it, out->b, out->w.len);
	assert_true(pkt_iter_next(&it, c));
	assert_int_equal(c->length, 4);
	return true;
}

static void expect_abort_t(pkt_buf *in, uint32_t vtag)
{
	pkt_buf out;
	pkt_chunk c;
	pkt_header rh;
	assert_true(run(in, &out, &c, &rh));
	assert_int_equal(c.type, CT_ABORT);
	assert_int_equal(c.flags, CHUNK_FLAG_T);
	assert_int_equal(rh.vtag, vtag);
}

static void expect_discard(pkt_buf *in)
{
	pkt_buf out;
	pkt_chunk c;
	pkt_header rh;
	assert_false(run(in, &out, &c, &rh));
	assert_int_equal(out.w.err, 0);
}

/* Rule 2: "If the OOTB packet contains an ABORT chunk, the receiver MUST
 * silently discard the OOTB packet". */
static void test_rule2_abort(void **state)
{
	(void)state;
	pkt_buf in;
	begin(&in, TAG);
	chunk_put_empty(&in.w, CT_ABORT, 0);
	expect_discard(&in);
	begin(&in, TAG);
	chunk_put_empty(&in.w, CT_ABORT, CHUNK_FLAG_T);
	expect_discard(&in);
	/* Anywhere in the packet. */
	begin(&in, TAG);
	put_data(&in.w);
	chunk_put_empty(&in.w, CT_SHUTDOWN_ACK, 0);
	chunk_put_empty(&in.w, CT_ABORT, 0);
	expect_discard(&in);
	begin(&in, 0);
	put_init(&in.w, 5);
	chunk_put_empty(&in.w, CT_ABORT, 0);
	expect_discard(&in);
}

/* Rule 3: an INIT that cannot be processed (no listener) gets an ABORT
 * with its Initiate Tag and the T bit clear. */
static void test_rule3_init(void **state)
{
	(void)state;
	pkt_buf in, out;
	pkt_chunk c;
	pkt_header rh;
	begin(&in, 0);
	put_init(&in.w, 0x12345678);
	assert_true(run(&in, &out, &c, &rh));
	assert_int_equal(c.type, CT_ABORT);
	assert_int_equal(c.flags, 0);
	assert_int_equal(rh.vtag, 0x12345678);
	assert_int_equal(out.w.len, PKT_HEADER_LEN + 4);
}

static void test_rule3_init_tag_zero(void **state)
{
	(void)state;
	pkt_buf in;
	/* §3.3.2: an Initiate Tag of 0 is silently discarded. */
	begin(&in, 0);
	put_init(&in.w, 0);
	expect_discard(&in);
	/* A malformed INIT is discarded too. */
	begin(&in, 0);
	size_t off = chunk_open(&in.w, CT_INIT, 0);
	wbuf_put32(&in.w, 77);
	chunk_close(&in.w, off);
	expect_discard(&in);
}

/* §8.5.1 (A): a packet with tag 0 must hold one INIT and nothing else. */
static void test_vtag_zero_rules(void **state)
{
	(void)state;
	pkt_buf in;
	begin(&in, 0);
	put_init(&in.w, 9);
	put_data(&in.w);
	expect_discard(&in);
	begin(&in, 0);
	put_data(&in.w);
	expect_discard(&in);
	begin(&in, 0);
	chunk_put_empty(&in.w, CT_SHUTDOWN_ACK, 0);
	expect_discard(&in);
}

/* An INIT in a packet whose tag is not 0 is not rule 3: rule 8 answers. */
static void test_init_with_nonzero_tag(void **state)
{
	(void)state;
	pkt_buf in;
	begin(&in, TAG);
	put_init(&in.w, 0x12345678);
	expect_abort_t(&in, TAG);
}

/* Rule 4: a COOKIE ECHO first is the endpoint's to process (§5.1); one
 * that reaches ootb_reply() had nobody to process it and gets rule 8's
 * reflected ABORT. */
static void test_rule4_cookie_echo(void **state)
{
	(void)state;
	pkt_buf in;
	begin(&in, TAG);
	chunk_put_cookie_echo(&in.w, "cookie!", 7);
	put_data(&in.w);
	expect_abort_t(&in, TAG);
}

/* Rule 5: SHUTDOWN ACK -> SHUTDOWN COMPLETE, tag reflected, T bit set. */
static void test_rule5_shutdown_ack(void **state)
{
	(void)state;
	pkt_buf in, out;
	pkt_chunk c;
	pkt_header rh;
	begin(&in, TAG);
	chunk_put_empty(&in.w, CT_SHUTDOWN_ACK, 0);
	assert_true(run(&in, &out, &c, &rh));
	assert_int_equal(c.type, CT_SHUTDOWN_COMPLETE);
	assert_int_equal(c.flags, CHUNK_FLAG_T);
	assert_int_equal(rh.vtag, TAG);
	/* It comes before rules 6 and 7 ("Otherwise,"). */
	begin(&in, TAG);
	chunk_put_empty(&in.w, CT_COOKIE_ACK, 0);
	chunk_put_empty(&in.w, CT_SHUTDOWN_ACK, 0);
	assert_true(run(&in, &out, &c, &rh));
	assert_int_equal(c.type, CT_SHUTDOWN_COMPLETE);
}

/* Rule 6: SHUTDOWN COMPLETE is silently discarded. */
static void test_rule6_shutdown_complete(void **state)
{
	(void)state;
	pkt_buf in;
	begin(&in, TAG);
	chunk_put_empty(&in.w, CT_SHUTDOWN_COMPLETE, CHUNK_FLAG_T);
	expect_discard(&in);
	begin(&in, TAG);
	put_data(&in.w);
	chunk_put_empty(&in.w, CT_SHUTDOWN_COMPLETE, 0);
	expect_discard(&in);
}

/* Rule 7: an ERROR with "Stale Cookie", or a COOKIE ACK: discarded. */
static void test_rule7_stale_cookie_and_cookie_ack(void **state)
{
	(void)state;
	pkt_buf in;
	begin(&in, TAG);
	size_t off = chunk_open(&in.w, CT_ERROR, 0);
	tlv_put(&in.w, CAUSE_INVALID_STREAM, "\0\1\0\0", 4);
	uint8_t staleness[4] = {0, 0, 1, 0};
	tlv_put(&in.w, CAUSE_STALE_COOKIE, staleness, 4);
	chunk_close(&in.w, off);
	expect_discard(&in);

	begin(&in, TAG);
	chunk_put_empty(&in.w, CT_COOKIE_ACK, 0);
	expect_discard(&in);

	/* An ERROR with another cause falls to rule 8. */
	begin(&in, TAG);
	off = chunk_open(&in.w, CT_ERROR, 0);
	tlv_put(&in.w, CAUSE_OUT_OF_RESOURCE, NULL, 0);
	chunk_close(&in.w, off);
	expect_abort_t(&in, TAG);
}

/* Rule 8: anything else gets an ABORT, tag reflected, T bit set. */
static void test_rule8_abort(void **state)
{
	(void)state;
	pkt_buf in;
	begin(&in, TAG);
	put_data(&in.w);
	expect_abort_t(&in, TAG);
	begin(&in, 0xffffffffu);
	chunk_put_sack(&in.w, 1, 2, NULL, 0, NULL, 0);
	expect_abort_t(&in, 0xffffffffu);
	begin(&in, TAG);
	chunk_put_heartbeat(&in.w, CT_HEARTBEAT, "hb", 2);
	expect_abort_t(&in, TAG);
	begin(&in, TAG);
	chunk_put_u32(&in.w, CT_SHUTDOWN, 0, 5);
	expect_abort_t(&in, TAG);
	/* An unknown chunk type. */
	begin(&in, TAG);
	chunk_put_empty(&in.w, 0x3f, 0);
	expect_abort_t(&in, TAG);
}

static void test_no_chunks(void **state)
{
	(void)state;
	pkt_buf in;
	begin(&in, TAG);
	expect_discard(&in);
}

static void test_small_buffer(void **state)
{
	(void)state;
	pkt_buf in;
	pkt_header h;
	uint8_t out[15];
	wbuf w;
	begin(&in, TAG);
	put_data(&in.w);
	pkt_finish(&in.w);
	assert_int_equal(pkt_parse(in.b, in.w.len, &h), 1);
	wbuf_init(&w, out, sizeof out);
	assert_false(ootb_reply(in.b, in.w.len, &h, &w));
	assert_int_equal(w.err, ESCTP_ERR_NOBUF);
	assert_int_equal(
	    esctp_packet_ootb_reply(in.b, in.w.len, out, sizeof out), 0);
}

/* The public helper discards what pkt_parse() rejects. */
static void test_public_rejects_bad_packets(void **state)
{
	(void)state;
	pkt_buf in;
	uint8_t out[64];
	begin(&in, TAG);
	put_data(&in.w);
	pkt_finish(&in.w);
	in.b[20] ^= 1;
	assert_int_equal(
	    esctp_packet_ootb_reply(in.b, in.w.len, out, sizeof out), 0);
	assert_int_equal(esctp_packet_ootb_reply(in.b, 5, out, sizeof out), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rule2_abort),
	    cmocka_unit_test(test_rule3_init),
	    cmocka_unit_test(test_rule3_init_tag_zero),
	    cmocka_unit_test(test_vtag_zero_rules),
	    cmocka_unit_test(test_init_with_nonzero_tag),
	    cmocka_unit_test(test_rule4_cookie_echo),
	    cmocka_unit_test(test_rule5_shutdown_ack),
	    cmocka_unit_test(test_rule6_shutdown_complete),
	    cmocka_unit_test(test_rule7_stale_cookie_and_cookie_ack),
	    cmocka_unit_test(test_rule8_abort),
	    cmocka_unit_test(test_no_chunks),
	    cmocka_unit_test(test_small_buffer),
	    cmocka_unit_test(test_public_rejects_bad_packets),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
