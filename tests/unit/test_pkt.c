/*
 * test_pkt.c - the packet codec: real captured packets, an encode/decode
 * round trip of every chunk of RFC 9260 §3.3 (plus FORWARD TSN and PAD)
 * inside whole packets with CRC32c, bundling, INIT parameter handling,
 * every error cause, rejection of malformed input and NOBUF behaviour.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pkt.h"

#define BUFSZ 2048

/* ---- helpers ---- */

static void start(wbuf *w, uint8_t *buf, uint32_t vtag)
{
	wbuf_init(w, buf, BUFSZ);
	pkt_put_header(w, 5000, 5001, vtag);
}

/* Finishes the packet, parses it and returns its chunk count. */
static int finish_parse(wbuf *w, pkt_header *h)
{
	assert_int_equal(w->err, 0);
	pkt_finish(w);
	assert_int_equal(w->len % 4, 0);
	int n = pkt_parse(w->p, w->len, h);
	assert_true(n >= 0);
	assert_int_equal(h->src_port, 5000);
	assert_int_equal(h->dst_port, 5001);
	return n;
}

/* The only chunk of a freshly built packet. */
static void only_chunk(wbuf *w, pkt_chunk *c)
{
	pkt_header h;
	pkt_iter it;
	pkt_chunk extra;
	assert_int_equal(finish_parse(w, &h), 1);
	pkt_iter_init(&it, w->p, w->len);
	assert_true(pkt_iter_next(&it, c));
	assert_false(pkt_iter_next(&it, &extra));
}

/* Packet from raw chunk bytes with a correct CRC. */
static size_t raw_packet(uint8_t *buf, const void *chunks, size_t len)
{
	wbuf w;
	start(&w, buf, 0x01020304);
	wbuf_put(&w, chunks, len);
	pkt_finish(&w);
	return w.len;
}

/* ---- real packets ---- */

/* An INIT captured from a browser's SCTP stack (Wireshark: checksum
 * 0xaa019d33), as published with WebRTC's dcSCTP tests. */
static const uint8_t capture_init[] = {
    0x13, 0x88, 0x13, 0x88, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x01, 0x9d, 0x33,
    0x01, 0x00, 0x00, 0x5a, 0x0e, 0xdd, 0xca, 0x08, 0x00, 0x02, 0x00, 0x00,
    0x03, 0xe8, 0x03, 0xe8, 0x55, 0x08, 0x36, 0x37, 0x80, 0x00, 0x00, 0x04,
    0xc0, 0x00, 0x00, 0x04, 0x80, 0x08, 0x00, 0x09, 0xc0, 0x0f, 0xc1, 0x80,
    0x82, 0x00, 0x00, 0x00, 0x80, 0x02, 0x00, 0x24, 0xc5, 0xa8, 0x61, 0x55,
    0x09, 0x0e, 0x6f, 0x42, 0x00, 0x50, 0x63, 0x4c, 0xc8, 0xd6, 0xb9, 0x08,
    0xdf, 0xd5, 0x3e, 0x17, 0xc9, 0x9c, 0xb1, 0x43, 0x28, 0x4e, 0xaf, 0x64,
    0x68, 0x2a, 0xc2, 0x97, 0x80, 0x04, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00,
    0x80, 0x03, 0x00, 0x06, 0x80, 0xc1, 0x00, 0x00};

/* COOKIE ACK + SACK, same source (checksum 0xc06e8b36). */
static const uint8_t capture_two[] = {
    0x04, 0xd2, 0x10, 0xe1, 0x69, 0x7e, 0x3a, 0x4e, 0xc0, 0x6e, 0x8b,
    0x36, 0x0b, 0x00, 0x00, 0x04, 0x03, 0x00, 0x00, 0x10, 0xae, 0xa9,
    0x52, 0x52, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

static void test_capture_init(void **state)
{
	(void)state;
	pkt_header h;
	pkt_iter it;
	pkt_chunk c;
	chunk_init ci;
	init_params ip;

	assert_int_equal(pkt_parse(capture_init, sizeof capture_init, &h), 1);
	assert_int_equal(h.src_port, 5000);
	assert_int_equal(h.vtag, 0);
	/* The wire bytes aa 01 9d 33 are the CRC's little-endian bytes. */
	assert_int_equal(h.checksum, 0x339d01aa);
	pkt_iter_init(&it, capture_init, sizeof capture_init);
	assert_true(pkt_iter_next(&it, &c));
	assert_int_equal(c.type, CT_INIT);
	assert_int_equal(c.length, 90);
	assert_int_equal(chunk_init_decode(&c, &ci), 0);
	assert_int_equal(ci.init_tag, 0x0eddca08);
	assert_int_equal(ci.a_rwnd, 131072);
	assert_int_equal(ci.os, 1000);
	assert_int_equal(ci.mis, 1000);
	assert_int_equal(ci.initial_tsn, 1426601527);
	assert_int_equal(init_params_decode(ci.params, ci.params_len, &ip), 0);
	assert_true(ip.forward_tsn);
	assert_false(ip.stop);
	assert_int_equal(ip.nunrec, 0); /* AUTH params are 10: skip quietly */
	assert_int_equal(ip.naddrs, 0);
	assert_false(pkt_iter_next(&it, &c));

	/* Our writers produce the same bytes, checksum included. */
	uint8_t buf[BUFSZ];
	wbuf w;
	wbuf_init(&w, buf, sizeof buf);
	pkt_put_header(&w, 5000, 5000, 0);
	size_t off = chunk_open(&w, CT_INIT, 0);
	chunk_put_init_fixed(&w, &ci);
	tlv_put(&w, PT_ECN_CAPABLE, NULL, 0);
	tlv_put(&w, PT_FORWARD_TSN_SUPPORTED, NULL, 0);
	tlv_put(&w, PT_SUPPORTED_EXTENSIONS, "\xc0\x0f\xc1\x80\x82", 5);
	tlv_put(&w, 0x8002, capture_init + 56, 32);
	tlv_put(&w, 0x8004, "\x00\x01", 2);
	tlv_put(&w, 0x8003, "\x80\xc1", 2);
	chunk_close(&w, off);
	pkt_finish(&w);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, sizeof capture_init);
	assert_memory_equal(buf, capture_init, sizeof capture_init);
}

static void test_capture_two_chunks(void **state)
{
	(void)state;
	pkt_header h;
	pkt_iter it;
	pkt_chunk c;
	chunk_sack s;

	assert_int_equal(pkt_parse(capture_two, sizeof capture_two, &h), 2);
	assert_int_equal(h.vtag, 0x697e3a4e);
	pkt_iter_init(&it, capture_two, sizeof capture_two);
	assert_true(pkt_iter_next(&it, &c));
	assert_int_equal(c.type, CT_COOKIE_ACK);
	assert_true(pkt_iter_next(&it, &c));
	assert_int_equal(c.type, CT_SACK);
	assert_int_equal(chunk_sack_decode(&c, &s), 0);
	assert_int_equal(s.cum_tsn, 2930332242u);
	assert_int_equal(s.a_rwnd, 131072);
	assert_int_equal(s.ngaps + s.ndups, 0);

	uint8_t buf[64];
	wbuf w;
	wbuf_init(&w, buf, sizeof buf);
	pkt_put_header(&w, 1234, 4321, 0x697e3a4e);
	chunk_put_empty(&w, CT_COOKIE_ACK, 0);
	chunk_put_sack(&w, 2930332242u, 131072, NULL, 0, NULL, 0);
	pkt_finish(&w);
	assert_int_equal(w.len, sizeof capture_two);
	assert_memory_equal(buf, capture_two, sizeof capture_two);
}

static void test_bad_crc(void **state)
{
	(void)state;
	uint8_t buf[sizeof capture_two];
	pkt_header h;
	for (size_t i = 0; i < sizeof buf; i++) {
		memcpy(buf, capture_two, sizeof buf);
		buf[i] ^= 0x10;
		assert_int_equal(pkt_parse(buf, sizeof buf, &h),
				 ESCTP_ERR_PROTO);
	}
	/* A CRC stored big-endian (the classic mistake) is wrong too. */
	memcpy(buf, capture_two, sizeof buf);
	buf[8] = 0x36, buf[9] = 0x8b, buf[10] = 0x6e, buf[11] = 0xc0;
	assert_int_equal(pkt_parse(buf, sizeof buf, &h), ESCTP_ERR_PROTO);
	assert_int_equal(pkt_parse_nocrc(buf, sizeof buf, &h), 2);
	assert_int_equal(esctp_packet_peek(buf, sizeof buf, NULL, NULL, NULL),
			 ESCTP_ERR_PROTO);
	uint16_t sp, dp;
	uint32_t tag;
	assert_int_equal(
	    esctp_packet_peek(capture_two, sizeof capture_two, &sp, &dp, &tag),
	    0);
	assert_int_equal(sp, 1234);
	assert_int_equal(dp, 4321);
	assert_int_equal(tag, 0x697e3a4e);
}

/* ---- every chunk type ---- */

static void test_data(void **state)
{
	(void)state;
	uint8_t buf[BUFSZ], payload[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	for (size_t len = 0; len <= sizeof payload; len++) {
		wbuf w;
		pkt_chunk c;
		chunk_data d = {.flags = DATA_FLAG_B | DATA_FLAG_E |
					 DATA_FLAG_U | DATA_FLAG_I,
				.tsn = 0xfffffff0u + (uint32_t)len,
				.stream = 7,
				.ssn = 65535,
				.payload = payload,
				.len = len};
		memcpy(&d.ppid, "\x00\x00\x00\x33", 4);
		start(&w, buf, 42);
		chunk_put_data(&w, &d);
		assert_int_equal(w.len, PKT_HEADER_LEN + chunk_data_size(len));
		only_chunk(&w, &c);
		assert_int_equal(c.type, CT_DATA);
		assert_int_equal(c.length, DATA_HEADER_LEN + len);
		chunk_data e;
		assert_int_equal(chunk_data_decode(&c, &e), 0);
		assert_int_equal(e.flags, d.flags);
		assert_int_equal(e.tsn, d.tsn);
		assert_int_equal(e.stream, 7);
		assert_int_equal(e.ssn, 65535);
		assert_memory_equal(&e.ppid, "\x00\x00\x00\x33", 4);
		assert_int_equal(e.len, len);
		if (len)
			assert_memory_equal(e.payload, payload, len);
		/* Padding is zero. */
		for (size_t i = PKT_HEADER_LEN + 16 + len; i < w.len; i++)
			assert_int_equal(buf[i], 0);
	}
	/* Shorter than the DATA header. */
	pkt_chunk c = {
	    .type = CT_DATA, .length = 15, .value = buf, .value_len = 11};
	chunk_data e;
	assert_int_equal(chunk_data_decode(&c, &e), ESCTP_ERR_PROTO);
}

static void put_init(wbuf *w, uint8_t type)
{
	chunk_init ci = {.init_tag = 0xdeadbeef,
			 .a_rwnd = 65536,
			 .os = 10,
			 .mis = 65535,
			 .initial_tsn = 0x80000000u};
	chunk_put_init_fixed(w, &ci);
	(void)type;
}

static void check_init_fixed(const pkt_chunk *c, chunk_init *ci)
{
	assert_int_equal(chunk_init_decode(c, ci), 0);
	assert_int_equal(ci->init_tag, 0xdeadbeef);
	assert_int_equal(ci->a_rwnd, 65536);
	assert_int_equal(ci->os, 10);
	assert_int_equal(ci->mis, 65535);
	assert_int_equal(ci->initial_tsn, 0x80000000u);
}

static void test_init_all_params(void **state)
{
	(void)state;
	uint8_t buf[BUFSZ];
	wbuf w;
	pkt_chunk c;
	chunk_init ci;
	init_params ip;
	esctp_addr v4 = {.family = ESCTP_AF_INET, .ip = {192, 0, 2, 1}};
	esctp_addr v6 = {.family = ESCTP_AF_INET6,
			 .ip = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
	uint8_t types[4] = {0, PT_IPV4, 0, PT_IPV6};
	uint8_t life[4] = {0, 0, 0x13, 0x88};

	start(&w, buf, 0);
	size_t off = chunk_open(&w, CT_INIT, 0);
	put_init(&w, CT_INIT);
	param_put_addr(&w, &v4);
	param_put_addr(&w, &v6);
	tlv_put(&w, PT_COOKIE_PRESERVATIVE, life, 4);
	tlv_put(&w, PT_SUPPORTED_ADDR_TYPES, types, 4);
	tlv_put(&w, PT_ECN_CAPABLE, NULL, 0);
	tlv_put(&w, PT_FORWARD_TSN_SUPPORTED, NULL, 0);
	chunk_close(&w, off);
	only_chunk(&w, &c);
	assert_int_equal(c.type, CT_INIT);
	check_init_fixed(&c, &ci);
	assert_int_equal(init_params_decode(ci.params, ci.params_len, &ip), 0);
	assert_int_equal(ip.naddrs, 2);
	assert_true(esctp_addr_equal(&ip.addrs[0], &v4));
	assert_true(esctp_addr_equal(&ip.addrs[1], &v6));
	assert_false(ip.addrs_truncated);
	assert_true(ip.has_supported_types);
	assert_true(ip.has_ipv4_type);
	assert_true(ip.has_ipv6_type);
	assert_int_equal(ip.cookie_preservative_ms, 5000);
	assert_true(ip.forward_tsn);
	assert_false(ip.has_host_name);
	assert_null(ip.cookie);
	assert_int_equal(ip.nunrec, 0);
	assert_false(ip.stop);
}

static void test_init_host_name(void **state)
{
	(void)state;
	uint8_t buf[BUFSZ];
	wbuf w;
	pkt_chunk c;
	chunk_init ci;
	init_params ip;
	uint8_t only4[2] = {0, PT_IPV4};

	start(&w, buf, 0);
	size_t off = chunk_open(&w, CT_INIT, 0);
	put_init(&w, CT_INIT);
	tlv_put(&w, PT_HOST_NAME, "example.org", 12);
	tlv_put(&w, PT_SUPPORTED_ADDR_TYPES, only4, 2); /* padded */
	chunk_close(&w, off);
	only_chunk(&w, &c);
	check_init_fixed(&c, &ci);
	assert_int_equal(init_params_decode(ci.params, ci.params_len, &ip), 0);
	assert_true(ip.has_host_name);
	assert_true(ip.has_ipv4_type);
	assert_false(ip.has_ipv6_type);
	assert_false(ip.forward_tsn);
}

/* Decodes params built by fn into ip. */
static int decode_params(void (*fn)(wbuf *), init_params *ip, uint8_t *buf)
{
	wbuf w;
	wbuf_init(&w, buf, BUFSZ);
	fn(&w);
	assert_int_equal(w.err, 0);
	return init_params_decode(buf, w.len, ip);
}

static const esctp_addr addr1 = {.family = ESCTP_AF_INET, .ip = {10, 0, 0, 1}};

/* RFC 5061 Adaptation Layer Indication (0xC006): recognised, so its
 * action bits (11: skip and report) no longer apply; an unknown parameter
 * beside it is still reported. */
static void test_init_adaptation(void **state)
{
	(void)state;
	uint8_t buf[BUFSZ];
	wbuf w;
	pkt_chunk c;
	chunk_init ci;
	init_params ip;
	uint8_t code[4] = {0x57, 0x53, 0x43, 0x54};

	start(&w, buf, 0);
	size_t off = chunk_open(&w, CT_INIT, 0);
	put_init(&w, CT_INIT);
	param_put_addr(&w, &addr1);
	tlv_put(&w, PT_ADAPTATION_LAYER, code, 4);
	tlv_put(&w, 0xC123, "xyz", 3);
	tlv_put(&w, PT_FORWARD_TSN_SUPPORTED, NULL, 0);
	chunk_close(&w, off);
	only_chunk(&w, &c);
	check_init_fixed(&c, &ci);
	assert_int_equal(init_params_decode(ci.params, ci.params_len, &ip), 0);
	assert_true(ip.has_adaptation);
	assert_int_equal(ip.adaptation, 0x57534354);
	assert_int_equal(ip.naddrs, 1);
	assert_true(ip.forward_tsn);
	assert_false(ip.stop);
	assert_int_equal(ip.nunrec, 1);
	assert_int_equal(get16(ip.unrec[0]), 0xC123);

	/* Absent: not present, code point 0. */
	start(&w, buf, 0);
	off = chunk_open(&w, CT_INIT, 0);
	put_init(&w, CT_INIT);
	param_put_addr(&w, &addr1);
	chunk_close(&w, off);
	only_chunk(&w, &c);
	check_init_fixed(&c, &ci);
	assert_int_equal(init_params_decode(ci.params, ci.params_len, &ip), 0);
	assert_false(ip.has_adaptation);
	assert_int_equal(ip.adaptation, 0);

	/* The value is exactly 4 bytes: header-only or longer is malformed. */
	static const uint8_t short_ali[] = {0xC0, 0x06, 0x00, 0x04};
	static const uint8_t long_ali[12] = {0xC0, 0x06, 0x00, 0x0c};
	assert_int_equal(init_params_decode(short_ali, sizeof short_ali, &ip),
			 ESCTP_ERR_PROTO);
	assert_int_equal(init_params_decode(long_ali, sizeof long_ali, &ip),
			 ESCTP_ERR_PROTO);
}

static void params_action_10(wbuf *w)
{
	tlv_put(w, 0x8123, "x", 1);
	param_put_addr(w, &addr1);
}
static void params_action_11(wbuf *w)
{
	tlv_put(w, 0xC123, "xyz", 3);
	param_put_addr(w, &addr1);
}
static void params_action_01(wbuf *w)
{
	tlv_put(w, 0x4123, NULL, 0);
	param_put_addr(w, &addr1);
}
static void params_action_00(wbuf *w)
{
	tlv_put(w, 0x0123, "ab", 2);
	param_put_addr(w, &addr1);
}

/* RFC 9260 §3.2.1: the action bits of unrecognized parameters. */
static void test_init_unrecognized_actions(void **state)
{
	(void)state;
	uint8_t buf[BUFSZ];
	init_params ip;

	assert_int_equal(decode_params(params_action_10, &ip, buf), 0);
	assert_false(ip.stop);
	assert_int_equal(ip.nunrec, 0);
	assert_int_equal(ip.naddrs, 1);

	assert_int_equal(decode_params(params_action_11, &ip, buf), 0);
	assert_false(ip.stop);
	assert_int_equal(ip.nunrec, 1);
	assert_ptr_equal(ip.unrec[0], buf);
	assert_int_equal(get16(ip.unrec[0]), 0xC123);
	assert_int_equal(get16(ip.unrec[0] + 2), 7);
	assert_int_equal(ip.naddrs, 1);

	assert_int_equal(decode_params(params_action_01, &ip, buf), 0);
	assert_true(ip.stop);
	assert_int_equal(ip.nunrec, 1);
	assert_int_equal(ip.naddrs, 0);

	assert_int_equal(decode_params(params_action_00, &ip, buf), 0);
	assert_true(ip.stop);
	assert_int_equal(ip.nunrec, 0);
	assert_int_equal(ip.naddrs, 0);
}

static void params_many(wbuf *w)
{
	for (unsigned i = 0; i < INIT_MAX_ADDRS + 3; i++) {
		esctp_addr a = {.family = ESCTP_AF_INET,
				.ip = {10, 0, 0, (uint8_t)i}};
		param_put_addr(w, &a);
		tlv_put(w, (uint16_t)(0xC200 + i), NULL, 0);
	}
}

static void test_init_limits(void **state)
{
	(void)state;
	uint8_t buf[BUFSZ];
	init_params ip;
	assert_int_equal(decode_params(params_many, &ip, buf), 0);
	assert_int_equal(ip.naddrs, INIT_MAX_ADDRS);
	assert_true(ip.addrs_truncated);
	assert_int_equal(ip.addrs[INIT_MAX_ADDRS - 1].ip[3],
			 INIT_MAX_ADDRS - 1);
	assert_int_equal(ip.nunrec, ARRAY_LEN(ip.unrec));
	assert_false(ip.stop);
}

static void test_init_ack_cookie_and_report(void **state)
{
	(void)state;
	uint8_t buf[BUFSZ], cookie[37];
	wbuf w;
	pkt_chunk c;
	chunk_init ci;
	init_params ip;
	for (size_t i = 0; i < sizeof cookie; i++)
		cookie[i] = (uint8_t)(i * 13);

	/* The INIT's parameter 0xC123 reported back inside an Unrecognized
	 * Parameter parameter, as §3.3.3 asks. */
	uint8_t unrec[8];
	put16(unrec, 0xC123);
	put16(unrec + 2, 7);
	memcpy(unrec + 4, "xyz", 3);
	unrec[7] = 0;

	start(&w, buf, 0x11223344);
	size_t off = chunk_open(&w, CT_INIT_ACK, 0);
	put_init(&w, CT_INIT_ACK);
	tlv_put(&w, PT_STATE_COOKIE, cookie, sizeof cookie);
	size_t u = tlv_open(&w, PT_UNRECOGNIZED);
	wbuf_put(&w, unrec, 7);
	tlv_close(&w, u);
	param_put_addr(&w, &addr1);
	chunk_close(&w, off);
	only_chunk(&w, &c);
	assert_int_equal(c.type, CT_INIT_ACK);
	check_init_fixed(&c, &ci);
	assert_int_equal(init_params_decode(ci.params, ci.params_len, &ip), 0);
	assert_non_null(ip.cookie);
	assert_int_equal(ip.cookie_len, sizeof cookie);
	assert_memory_equal(ip.cookie, cookie, sizeof cookie);
	assert_int_equal(ip.naddrs, 1);
	assert_false(ip.stop);
	assert_int_equal(ip.nunrec, 0);

	/* The report's content is a TLV list of its own. */
	tlv_iter it, inner;
	tlv t, r;
	tlv_iter_init(&it, ci.params, ci.params_len);
	assert_true(tlv_iter_next(&it, &t));
	assert_int_equal(t.type, PT_STATE_COOKIE);
	assert_true(tlv_iter_next(&it, &t));
	assert_int_equal(t.type, PT_UNRECOGNIZED);
	tlv_iter_init(&inner, t.value, t.value_len);
	assert_true(tlv_iter_next(&inner, &r));
	assert_int_equal(r.type, 0xC123);
	assert_int_equal(r.value_len, 3);
	assert_memory_equal(r.value, "xyz", 3);
	assert_false(tlv_iter_next(&inner, &r));
	assert_false(inner.bad);
}

static void test_sack(void **state)
{
	(void)state;
	uint8_t buf[BUFSZ];
	wbuf w;
	pkt_chunk c;
	chunk_sack s;
	uint16_t gaps[6] = {2, 3, 5, 9, 100, 65535};
	uint32_t dups[3] = {1, 0xffffffffu, 77};

	start(&w, buf, 9);
	chunk_put_sack(&w, 0xfffffffeu, 12345, gaps, 3, dups, 3);
	only_chunk(&w, &c);
	assert_int_equal(c.type, CT_SACK);
	assert_int_equal(c.length, 16 + 12 + 12);
	assert_int_equal(chunk_sack_decode(&c, &s), 0);
	assert_int_equal(s.cum_tsn, 0xfffffffeu);
	assert_int_equal(s.a_rwnd, 12345);
	assert_int_equal(s.ngaps, 3);
	assert_int_equal(s.ndups, 3);
	for (unsigned i = 0; i < 3; i++) {
		uint16_t a, b;
		chunk_sack_gap(&s, i, &a, &b);
		assert_int_equal(a, gaps[2 * i]);
		assert_int_equal(b, gaps[2 * i + 1]);
		assert_int_equal(chunk_sack_dup(&s, i), dups[i]);
	}
	/* Out-of-range accessors stay total. */
	uint16_t a = 1, b = 1;
	chunk_sack_gap(&s, 3, &a, &b);
	assert_int_equal(a + b, 0);
	assert_int_equal(chunk_sack_dup(&s, 3), 0);
}

/* SACK counts that do not account for the length exactly. */
static void test_sack_bad_counts(void **state)
{
	(void)state;
	uint8_t v[32] = {0};
	pkt_chunk c = {.type = CT_SACK, .value = v};
	chunk_sack s;
	c.value_len = 11;
	assert_int_equal(chunk_sack_decode(&c, &s), ESCTP_ERR_PROTO);
	c.value_len = 12;
	assert_int_equal(chunk_sack_decode(&c, &s), 0);
	v[9] = 2; /* two gaps, room for one */
	c.value_len = 16;
	assert_int_equal(chunk_sack_decode(&c, &s), ESCTP_ERR_PROTO);
	c.value_len = 20;
	assert_int_equal(chunk_sack_decode(&c, &s), 0);
	v[11] = 1; /* and a dup that is missing */
	assert_int_equal(chunk_sack_decode(&c, &s), ESCTP_ERR_PROTO);
	c.value_len = 24;
	assert_int_equal(chunk_sack_decode(&c, &s), 0);
	c.value_len = 28; /* trailing bytes */
	assert_int_equal(chunk_sack_decode(&c, &s), ESCTP_ERR_PROTO);
	v[8] = 0xff; /* huge counts */
	v[10] = 0xff;
	assert_int_equal(chunk_sack_decode(&c, &s), ESCTP_ERR_PROTO);
}

static void test_heartbeat(void **state)
{
	(void)state;
	uint8_t buf[BUFSZ];
	const uint8_t info[13] = "sender-info!";
	for (int type = CT_HEARTBEAT; type <= CT_HEARTBEAT_ACK; type++) {
		wbuf w;
		pkt_chunk c;
		const uint8_t *got;
		size_t len;
		start(&w, buf, 1);
		chunk_put_heartbeat(&w, (uint8_t)type, info, sizeof info);
		only_chunk(&w, &c);
		assert_int_equal(c.type, type);
		assert_int_equal(c.length, 4 + 4 + 13);
		assert_int_equal(chunk_heartbeat_decode(&c, &got, &len), 0);
		assert_int_equal(len, sizeof info);
		assert_memory_equal(got, info, sizeof info);
	}
	/* Not a Heartbeat Info parameter, or none at all. */
	uint8_t v[8] = {0, 2, 0, 8, 1, 2, 3, 4};
	pkt_chunk c = {.type = CT_HEARTBEAT, .value = v, .value_len = 8};
	const uint8_t *got;
	size_t len;
	assert_int_equal(chunk_heartbeat_decode(&c, &got, &len),
			 ESCTP_ERR_PROTO);
	c.value_len = 0;
	assert_int_equal(chunk_heartbeat_decode(&c, &got, &len),
			 ESCTP_ERR_PROTO);
	v[1] = 1;
	v[3] = 9; /* past the end */
	c.value_len = 8;
	assert_int_equal(chunk_heartbeat_decode(&c, &got, &len),
			 ESCTP_ERR_PROTO);
}

/* One realistic error cause of each code of RFC 9260 §3.3.10 and
 * RFC 6951 §4.3, written into w. */
static void put_cause(wbuf *w, uint16_t code)
{
	size_t off = tlv_open(w, code);
	switch (code) {
	case CAUSE_INVALID_STREAM:
		wbuf_put16(w, 17);
		wbuf_put16(w, 0);
		break;
	case CAUSE_MISSING_PARAM:
		wbuf_put32(w, 1);
		wbuf_put16(w, PT_STATE_COOKIE);
		break;
	case CAUSE_STALE_COOKIE:
	case CAUSE_NO_USER_DATA:
		wbuf_put32(w, 123456);
		break;
	case CAUSE_UNRESOLVABLE_ADDR:
		tlv_put(w, PT_HOST_NAME, "h.example", 10);
		break;
	case CAUSE_UNRECOGNIZED_CHUNK:
		wbuf_put(w, "\x3f\x00\x00\x05\x99", 5);
		break;
	case CAUSE_UNRECOGNIZED_PARAMS:
		tlv_put(w, 0x4001, "zz", 2);
		break;
	case CAUSE_RESTART_NEW_ADDRS:
		param_put_addr(w, &addr1);
		break;
	case CAUSE_USER_ABORT:
		wbuf_put(w, "bye", 3);
		break;
	case CAUSE_PROTOCOL_VIOLATION:
		wbuf_put(w, "bad TSN", 7);
		break;
	case CAUSE_RESTART_NEW_ENCAP_PORT:
		wbuf_put16(w, 9899);
		wbuf_put16(w, 9900);
		break;
	default: /* 4, 7, 10: no information */
		break;
	}
	tlv_close(w, off);
}

static void check_causes(const pkt_chunk *c, uint16_t first, uint16_t last)
{
	uint8_t ref[256];
	tlv_iter it;
	tlv t;
	tlv_iter_init(&it, c->value, c->value_len);
	for (uint16_t code = first; code <= last; code++) {
		wbuf w;
		wbuf_init(&w, ref, sizeof ref);
		put_cause(&w, code);
		assert_true(tlv_iter_next(&it, &t));
		assert_int_equal(t.type, code);
		assert_int_equal(t.length, get16(ref + 2));
		assert_memory_equal(t.raw, ref, t.length);
		assert_string_not_equal(cause_name(code), "Unknown Cause");
	}
	assert_false(tlv_iter_next(&it, &t));
	assert_false(it.bad);
	assert_int_equal(tlv_validate(c->value, c->value_len), 0);
}

static void test_abort_each_cause(void **state)
{
	(void)state;
	uint8_t buf[BUFSZ];
	for (uint16_t code = 1; code <= CAUSE_RESTART_NEW_ENCAP_PORT; code++) {
		wbuf w;
		pkt_chunk c;
		start(&w, buf, 5);
		size_t off =
		    chunk_open(&w, CT_ABORT, code & 1 ? CHUNK_FLAG_T : 0);
		put_cause(&w, code);
		chunk_close(&w, off);
		only_chunk(&w, &c);
		assert_int_equal(c.type, CT_ABORT);
		assert_int_equal(c.flags, code & 1 ? CHUNK_FLAG_T : 0);
		check_causes(&c, code, code);
	}
	/* And without any cause. */
	wbuf w;
	pkt_chunk c;
	start(&w, buf, 5);
	chunk_put_empty(&w, CT_ABORT, CHUNK_FLAG_T);
	only_chunk(&w, &c);
	assert_int_equal(c.length, 4);
	assert_int_equal(c.flags, CHUNK_FLAG_T);
}

static void test_error_every_cause(void **state)
{
	(void)state;
	uint8_t buf[BUFSZ];
	wbuf w;
	pkt_chunk c;
	start(&w, buf, 6);
	size_t off = chunk_open(&w, CT_ERROR, 0);
	for (uint16_t code = 1; code <= CAUSE_RESTART_NEW_ENCAP_PORT; code++)
		put_cause(&w, code);
	chunk_close(&w, off);
	only_chunk(&w, &c);
	assert_int_equal(c.type, CT_ERROR);
	check_causes(&c, 1, CAUSE_RESTART_NEW_ENCAP_PORT);
}

static void test_u32_chunks(void **state)
{
	(void)state;
	static const uint8_t types[] = {CT_SHUTDOWN, CT_ECNE, CT_CWR};
	uint8_t buf[BUFSZ];
	for (size_t i = 0; i < sizeof types; i++) {
		wbuf w;
		pkt_chunk c;
		uint32_t v;
		start(&w, buf, 7);
		chunk_put_u32(&w, types[i], 0, 0xabcdef01u + (uint32_t)i);
		only_chunk(&w, &c);
		assert_int_equal(c.type, types[i]);
		assert_int_equal(c.length, 8);
		assert_int_equal(chunk_u32_decode(&c, &v), 0);
		assert_int_equal(v, 0xabcdef01u + i);
		c.value_len = 3;
		assert_int_equal(chunk_u32_decode(&c, &v), ESCTP_ERR_PROTO);
	}
}

static void test_empty_chunks(void **state)
{
	(void)state;
	static const uint8_t types[] = {CT_SHUTDOWN_ACK, CT_COOKIE_ACK,
					CT_SHUTDOWN_COMPLETE};
	uint8_t buf[BUFSZ];
	for (size_t i = 0; i < sizeof types; i++) {
		for (uint8_t t = 0; t <= CHUNK_FLAG_T; t++) {
			wbuf w;
			pkt_chunk c;
			start(&w, buf, 8);
			chunk_put_empty(&w, types[i], t);
			only_chunk(&w, &c);
			assert_int_equal(c.type, types[i]);
			assert_int_equal(c.flags, t);
			assert_int_equal(c.length, 4);
			assert_int_equal(c.value_len, 0);
		}
	}
}

static void test_cookie_echo(void **state)
{
	(void)state;
	uint8_t buf[BUFSZ], cookie[53];
	wbuf w;
	pkt_chunk c;
	for (size_t i = 0; i < sizeof cookie; i++)
		cookie[i] = (uint8_t)(0xa5 ^ i);
	start(&w, buf, 10);
	chunk_put_cookie_echo(&w, cookie, sizeof cookie);
	only_chunk(&w, &c);
	assert_int_equal(c.type, CT_COOKIE_ECHO);
	assert_int_equal(c.value_len, sizeof cookie);
	assert_memory_equal(c.value, cookie, sizeof cookie);
	assert_int_equal(w.len, PKT_HEADER_LEN + PAD4(4 + sizeof cookie));
}

static void test_forward_tsn(void **state)
{
	(void)state;
	uint8_t buf[BUFSZ];
	uint16_t streams[4] = {1, 65535, 9, 0};
	wbuf w;
	pkt_chunk c;
	chunk_fwdtsn f;
	start(&w, buf, 11);
	chunk_put_fwdtsn(&w, 0x7fffffffu, streams, 2);
	only_chunk(&w, &c);
	assert_int_equal(c.type, CT_FORWARD_TSN);
	assert_int_equal(chunk_fwdtsn_decode(&c, &f), 0);
	assert_int_equal(f.new_cum_tsn, 0x7fffffffu);
	assert_int_equal(f.nstreams, 2);
	for (unsigned i = 0; i < 2; i++) {
		uint16_t s, n;
		chunk_fwdtsn_stream(&f, i, &s, &n);
		assert_int_equal(s, streams[2 * i]);
		assert_int_equal(n, streams[2 * i + 1]);
	}
	c.value_len = 6;
	assert_int_equal(chunk_fwdtsn_decode(&c, &f), ESCTP_ERR_PROTO);
	c.value_len = 3;
	assert_int_equal(chunk_fwdtsn_decode(&c, &f), ESCTP_ERR_PROTO);
	c.value_len = 4;
	assert_int_equal(chunk_fwdtsn_decode(&c, &f), 0);
	assert_int_equal(f.nstreams, 0);
}

/* PAD (RFC 4820): padding data the receiver ignores. */
static void test_pad(void **state)
{
	(void)state;
	uint8_t buf[BUFSZ], zeros[17] = {0};
	wbuf w;
	pkt_chunk c;
	start(&w, buf, 12);
	size_t off = chunk_open(&w, CT_PAD, 0);
	wbuf_put(&w, zeros, sizeof zeros);
	chunk_close(&w, off);
	only_chunk(&w, &c);
	assert_int_equal(c.type, CT_PAD);
	assert_int_equal(c.length, 4 + sizeof zeros);
}

static void test_bundling(void **state)
{
	(void)state;
	uint8_t buf[BUFSZ];
	wbuf w;
	pkt_header h;
	pkt_iter it;
	pkt_chunk c;
	static const uint8_t want[] = {CT_COOKIE_ECHO, CT_DATA, CT_DATA,
				       CT_DATA,	       CT_SACK, CT_FORWARD_TSN};
	start(&w, buf, 13);
	chunk_put_cookie_echo(&w, "cookie", 6);
	for (uint32_t i = 0; i < 3; i++) {
		chunk_data d = {.tsn = 100 + i,
				.payload = (const uint8_t *)"abcde",
				.len = 1 + i,
				.flags = DATA_FLAG_B | DATA_FLAG_E};
		chunk_put_data(&w, &d);
	}
	chunk_put_sack(&w, 5, 6, NULL, 0, NULL, 0);
	chunk_put_fwdtsn(&w, 7, NULL, 0);
	assert_int_equal(finish_parse(&w, &h), 6);
	pkt_iter_init(&it, buf, w.len);
	for (size_t i = 0; i < sizeof want; i++) {
		assert_true(pkt_iter_next(&it, &c));
		assert_int_equal(c.type, want[i]);
		if (c.type == CT_DATA) {
			chunk_data d;
			assert_int_equal(chunk_data_decode(&c, &d), 0);
			assert_int_equal(d.tsn, 100 + (i - 1));
			assert_int_equal(d.len, i);
			assert_memory_equal(d.payload, "abcde", d.len);
		}
	}
	assert_false(pkt_iter_next(&it, &c));
}

/* ---- malformed packets ---- */

static void test_truncated_header(void **state)
{
	(void)state;
	pkt_header h;
	for (size_t len = 0; len < PKT_HEADER_LEN; len++) {
		assert_int_equal(pkt_parse(capture_two, len, &h),
				 ESCTP_ERR_PROTO);
		assert_int_equal(pkt_parse_nocrc(capture_two, len, &h),
				 ESCTP_ERR_PROTO);
	}
	assert_int_equal(pkt_parse(NULL, 0, &h), ESCTP_ERR_PROTO);
	/* A bare header is a packet without chunks. */
	uint8_t buf[BUFSZ];
	assert_int_equal(pkt_parse(buf, raw_packet(buf, NULL, 0), &h), 0);
}

static void test_chunk_length_below_4(void **state)
{
	(void)state;
	uint8_t buf[BUFSZ], ch[8] = {CT_COOKIE_ACK, 0, 0, 0, 0, 0, 0, 0};
	pkt_header h;
	for (uint8_t l = 0; l < 4; l++) {
		ch[3] = l;
		assert_int_equal(pkt_parse(buf, raw_packet(buf, ch, 8), &h),
				 ESCTP_ERR_PROTO);
	}
	/* A chunk header cut short. */
	ch[3] = 4;
	for (size_t n = 1; n < 4; n++)
		assert_int_equal(pkt_parse(buf, raw_packet(buf, ch, n), &h),
				 ESCTP_ERR_PROTO);
}

static void test_chunk_length_past_end(void **state)
{
	(void)state;
	uint8_t buf[BUFSZ],
	    ch[12] = {CT_SHUTDOWN, 0, 0, 9, 1, 2, 3, 4, 5, 0, 0, 0};
	pkt_header h;
	assert_int_equal(pkt_parse(buf, raw_packet(buf, ch, 9), &h), 1);
	assert_int_equal(pkt_parse(buf, raw_packet(buf, ch, 8), &h),
			 ESCTP_ERR_PROTO);
	ch[2] = 0xff;
	assert_int_equal(pkt_parse(buf, raw_packet(buf, ch, 12), &h),
			 ESCTP_ERR_PROTO);
}

static void test_padding_rules(void **state)
{
	(void)state;
	uint8_t buf[BUFSZ];
	pkt_header h;
	/* A 5-byte chunk: its padding may be absent, partial or whole when
	 * it is the last one. */
	uint8_t ch[16] = {0x3f,		 0, 0, 5, 0xaa, 0, 0, 0,
			  CT_COOKIE_ACK, 0, 0, 4, 0,	0, 0, 0};
	for (size_t n = 5; n <= 8; n++)
		assert_int_equal(pkt_parse(buf, raw_packet(buf, ch, n), &h), 1);
	/* Stray bytes after the padding are no chunk. */
	for (size_t n = 9; n < 12; n++)
		assert_int_equal(pkt_parse(buf, raw_packet(buf, ch, n), &h),
				 ESCTP_ERR_PROTO);
	assert_int_equal(pkt_parse(buf, raw_packet(buf, ch, 12), &h), 2);
	/* A chunk that is not the last one must be padded: without its
	 * padding the next chunk is misframed. */
	uint8_t bad[9] = {0x3f, 0, 0, 5, 0xaa, CT_COOKIE_ACK, 0, 0, 4};
	assert_int_equal(pkt_parse(buf, raw_packet(buf, bad, 9), &h),
			 ESCTP_ERR_PROTO);
}

static void test_init_too_short(void **state)
{
	(void)state;
	uint8_t v[16] = {0};
	pkt_chunk c = {.type = CT_INIT, .value = v};
	chunk_init ci;
	for (c.value_len = 0; c.value_len < 16; c.value_len++)
		assert_int_equal(chunk_init_decode(&c, &ci), ESCTP_ERR_PROTO);
	assert_int_equal(chunk_init_decode(&c, &ci), 0);
	assert_int_equal(ci.params_len, 0);
}

static void test_bad_address_lengths(void **state)
{
	(void)state;
	uint8_t p[24] = {0};
	init_params ip;
	tlv t;
	esctp_addr a;
	/* IPv4 with 3, 5 and 16 bytes; IPv6 with 4 and 15. */
	static const struct {
		uint16_t type;
		uint16_t len;
	} cases[] = {{PT_IPV4, 7}, {PT_IPV4, 9},  {PT_IPV4, 20},
		     {PT_IPV6, 8}, {PT_IPV6, 19}, {PT_IPV6, 4}};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		put16(p, cases[i].type);
		put16(p + 2, cases[i].len);
		assert_int_equal(init_params_decode(p, PAD4(cases[i].len), &ip),
				 ESCTP_ERR_PROTO);
		t = (tlv){.type = cases[i].type,
			  .length = cases[i].len,
			  .value = p + 4,
			  .value_len = cases[i].len - 4u,
			  .raw = p};
		assert_int_equal(param_addr_decode(&t, &a), ESCTP_ERR_PROTO);
	}
	/* Other fixed-size parameters of the wrong size. */
	put16(p, PT_COOKIE_PRESERVATIVE);
	put16(p + 2, 6);
	assert_int_equal(init_params_decode(p, 8, &ip), ESCTP_ERR_PROTO);
	put16(p, PT_SUPPORTED_ADDR_TYPES);
	put16(p + 2, 7);
	assert_int_equal(init_params_decode(p, 8, &ip), ESCTP_ERR_PROTO);
}

static void test_tlv_malformed(void **state)
{
	(void)state;
	uint8_t p[16] = {0, 5, 0, 8, 1, 2, 3, 4, 0x80, 0, 0, 4, 0, 0, 0, 0};
	init_params ip;
	tlv_iter it;
	tlv t;
	assert_int_equal(tlv_validate(p, 12), 0);
	assert_int_equal(tlv_validate(p, 0), 0);
	assert_int_equal(tlv_validate(NULL, 0), 0);
	for (uint8_t l = 0; l < 4; l++) {
		p[11] = l; /* second TLV shorter than its header */
		assert_int_equal(tlv_validate(p, 12), ESCTP_ERR_PROTO);
		assert_int_equal(init_params_decode(p, 12, &ip),
				 ESCTP_ERR_PROTO);
		tlv_iter_init(&it, p, 12);
		assert_true(tlv_iter_next(&it, &t));
		assert_false(tlv_iter_next(&it, &t));
		assert_true(it.bad);
	}
	p[11] = 5; /* past the end */
	assert_int_equal(tlv_validate(p, 12), ESCTP_ERR_PROTO);
	p[11] = 4;
	for (size_t n = 9; n < 12; n++) /* a cut header */
		assert_int_equal(tlv_validate(p, n), ESCTP_ERR_PROTO);
	/* And inside an INIT chunk. */
	uint8_t v[28] = {0};
	memcpy(v + 16, p, 12);
	v[16 + 11] = 2;
	pkt_chunk c = {.type = CT_INIT, .value = v, .value_len = 28};
	chunk_init ci;
	assert_int_equal(chunk_init_decode(&c, &ci), ESCTP_ERR_PROTO);
}

/* The iterator stays total on bytes pkt_parse() never checked. */
static void test_iter_total(void **state)
{
	(void)state;
	uint8_t junk[12 + 9] = {0};
	pkt_iter it;
	pkt_chunk c;
	junk[12] = 1;
	junk[15] = 200;
	pkt_iter_init(&it, junk, sizeof junk);
	assert_false(pkt_iter_next(&it, &c));
	pkt_iter_init(&it, junk, 5);
	assert_false(pkt_iter_next(&it, &c));
}

/* ---- NOBUF ---- */

static void test_nobuf(void **state)
{
	(void)state;
	uint8_t buf[64];
	wbuf w;
	memset(buf, 0xee, sizeof buf);
	wbuf_init(&w, buf, 20);
	pkt_put_header(&w, 1, 2, 3);
	chunk_put_u32(&w, CT_SHUTDOWN, 0, 9);
	assert_int_equal(w.err, 0);
	assert_int_equal(wbuf_room(&w), 0);
	chunk_put_empty(&w, CT_COOKIE_ACK, 0);
	assert_int_equal(w.err, ESCTP_ERR_NOBUF);
	assert_int_equal(w.len, 20);
	assert_int_equal(buf[20], 0xee);
	/* Sticky: nothing more is written, even what would fit. */
	w.cap = 64;
	wbuf_put8(&w, 1);
	wbuf_put16(&w, 1);
	wbuf_put32(&w, 1);
	wbuf_put(&w, "x", 1);
	wbuf_pad(&w);
	assert_int_equal(w.len, 20);
	assert_int_equal(wbuf_room(&w), 0);
	uint8_t before[20];
	memcpy(before, buf, 20);
	pkt_finish(&w);
	assert_memory_equal(before, buf, 20);

	/* Every writer, one byte short. */
	chunk_data d = {.payload = buf, .len = 5};
	wbuf_init(&w, buf, chunk_data_size(5) - 1);
	chunk_put_data(&w, &d);
	assert_int_equal(w.err, ESCTP_ERR_NOBUF);
	assert_int_equal(w.len, 0);
	wbuf_init(&w, buf, 15);
	chunk_put_sack(&w, 1, 2, NULL, 0, NULL, 0);
	assert_int_equal(w.err, ESCTP_ERR_NOBUF);
	wbuf_init(&w, buf, 7);
	chunk_put_fwdtsn(&w, 1, NULL, 0);
	assert_int_equal(w.err, ESCTP_ERR_NOBUF);
	wbuf_init(&w, buf, 11);
	chunk_put_heartbeat(&w, CT_HEARTBEAT, "1234", 4);
	assert_int_equal(w.err, ESCTP_ERR_NOBUF);
	wbuf_init(&w, buf, 7);
	chunk_put_cookie_echo(&w, "1234", 4);
	assert_int_equal(w.err, ESCTP_ERR_NOBUF);
	wbuf_init(&w, buf, 7);
	param_put_addr(&w, &addr1);
	assert_int_equal(w.err, ESCTP_ERR_NOBUF);
	wbuf_init(&w, buf, 6);
	tlv_put(&w, 1, "ab", 2); /* fits, but its padding does not */
	assert_int_equal(w.err, ESCTP_ERR_NOBUF);
	wbuf_init(&w, buf, 11);
	pkt_put_header(&w, 1, 2, 3);
	assert_int_equal(w.err, ESCTP_ERR_NOBUF);
	wbuf_init(&w, NULL, 100);
	wbuf_put8(&w, 1);
	assert_int_equal(w.err, ESCTP_ERR_NOBUF);
}

/* Chunks too long for the 16-bit length field. */
static void test_chunk_too_long(void **state)
{
	(void)state;
	static uint8_t big[70000], src[70000];
	wbuf w;
	chunk_data d = {.payload = src, .len = 65535 - 16};
	wbuf_init(&w, big, sizeof big);
	chunk_put_data(&w, &d);
	assert_int_equal(w.err, 0);
	assert_int_equal(get16(big + 2), 65535);
	d.len++;
	wbuf_init(&w, big, sizeof big);
	chunk_put_data(&w, &d);
	assert_int_equal(w.err, ESCTP_ERR_NOBUF);
	wbuf_init(&w, big, sizeof big);
	size_t off = chunk_open(&w, CT_ERROR, 0);
	wbuf_put(&w, src, 65533);
	chunk_close(&w, off);
	assert_int_equal(w.err, ESCTP_ERR_NOBUF);
	wbuf_init(&w, big, sizeof big);
	chunk_put_sack(&w, 1, 2, NULL, 0, NULL, 70000);
	assert_int_equal(w.err, ESCTP_ERR_NOBUF);
	wbuf_init(&w, big, sizeof big);
	chunk_put_fwdtsn(&w, 1, NULL, 16382);
	assert_int_equal(w.err, ESCTP_ERR_NOBUF);
}

static void test_names(void **state)
{
	(void)state;
	static const char *const want[] = {
	    "DATA",  "INIT",	    "INIT ACK",
	    "SACK",  "HEARTBEAT",   "HEARTBEAT ACK",
	    "ABORT", "SHUTDOWN",    "SHUTDOWN ACK",
	    "ERROR", "COOKIE ECHO", "COOKIE ACK",
	    "ECNE",  "CWR",	    "SHUTDOWN COMPLETE"};
	for (unsigned t = 0; t < ARRAY_LEN(want); t++)
		assert_string_equal(chunk_type_name((uint8_t)t), want[t]);
	assert_string_equal(chunk_type_name(CT_FORWARD_TSN), "FORWARD TSN");
	assert_string_equal(chunk_type_name(CT_PAD), "PAD");
	assert_string_equal(chunk_type_name(0x3f), "UNKNOWN");
	assert_string_equal(cause_name(CAUSE_STALE_COOKIE),
			    "Stale Cookie Error");
	assert_string_equal(cause_name(0), "Unknown Cause");
	assert_string_equal(cause_name(15), "Unknown Cause");
	assert_string_equal(cause_name(0xffff), "Unknown Cause");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_capture_init),
	    cmocka_unit_test(test_capture_two_chunks),
	    cmocka_unit_test(test_bad_crc),
	    cmocka_unit_test(test_data),
	    cmocka_unit_test(test_init_all_params),
	    cmocka_unit_test(test_init_host_name),
	    cmocka_unit_test(test_init_adaptation),
	    cmocka_unit_test(test_init_unrecognized_actions),
	    cmocka_unit_test(test_init_limits),
	    cmocka_unit_test(test_init_ack_cookie_and_report),
	    cmocka_unit_test(test_sack),
	    cmocka_unit_test(test_sack_bad_counts),
	    cmocka_unit_test(test_heartbeat),
	    cmocka_unit_test(test_abort_each_cause),
	    cmocka_unit_test(test_error_every_cause),
	    cmocka_unit_test(test_u32_chunks),
	    cmocka_unit_test(test_empty_chunks),
	    cmocka_unit_test(test_cookie_echo),
	    cmocka_unit_test(test_forward_tsn),
	    cmocka_unit_test(test_pad),
	    cmocka_unit_test(test_bundling),
	    cmocka_unit_test(test_truncated_header),
	    cmocka_unit_test(test_chunk_length_below_4),
	    cmocka_unit_test(test_chunk_length_past_end),
	    cmocka_unit_test(test_padding_rules),
	    cmocka_unit_test(test_init_too_short),
	    cmocka_unit_test(test_bad_address_lengths),
	    cmocka_unit_test(test_tlv_malformed),
	    cmocka_unit_test(test_iter_total),
	    cmocka_unit_test(test_nobuf),
	    cmocka_unit_test(test_chunk_too_long),
	    cmocka_unit_test(test_names),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
