/*
 * test_crc32c.c - CRC32c: RFC 3720 vectors, every length and alignment
 * against a bit-at-a-time reference, chained calls, both implementations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crc32c.h"
#include "esctp.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);

static const crc_fn impls[] = {esctp_crc32c, crc32c_sw, crc32c_hw};

/* The definition: reflected polynomial, one bit at a time. */
static uint32_t crc_ref(uint32_t crc, const uint8_t *p, size_t len)
{
	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ ((crc & 1) ? 0x82F63B78u : 0);
	}
	return ~crc;
}

/* Deterministic test data (xorshift). */
static void fill(uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t x = seed ? seed : 1;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

/* RFC 3720 appendix B.4 (iSCSI uses the same CRC32c as SCTP). */
static void test_rfc3720_vectors(void **state)
{
	(void)state;
	uint8_t buf[32];
	for (size_t f = 0; f < NELEM(impls); f++) {
		memset(buf, 0, 32);
		assert_int_equal(impls[f](0, buf, 32), 0x8A9136AA);
		memset(buf, 0xff, 32);
		assert_int_equal(impls[f](0, buf, 32), 0x62A8AB43);
		for (int i = 0; i < 32; i++)
			buf[i] = (uint8_t)i;
		assert_int_equal(impls[f](0, buf, 32), 0x46DD794E);
		for (int i = 0; i < 32; i++)
			buf[i] = (uint8_t)(31 - i);
		assert_int_equal(impls[f](0, buf, 32), 0x113FDB5C);
	}
}

static void test_check_string(void **state)
{
	(void)state;
	for (size_t f = 0; f < NELEM(impls); f++) {
		assert_int_equal(impls[f](0, "123456789", 9), 0xE3069283);
		assert_int_equal(impls[f](0, "", 0), 0);
		assert_int_equal(impls[f](0, NULL, 0), 0);
	}
	assert_int_equal(crc_ref(0, (const uint8_t *)"123456789", 9),
			 0xE3069283);
}

/* Every length 0..1100 at eight alignments: covers the byte head and
 * tail of the 8-byte loops and the 3 x 256-byte interleaved rounds. */
static void test_every_length_and_alignment(void **state)
{
	(void)state;
	static uint8_t buf[1100 + 8];
	fill(buf, sizeof buf, 7);
	for (size_t off = 0; off < 8; off++) {
		for (size_t len = 0; len <= 1100; len++) {
			uint32_t want = crc_ref(0, buf + off, len);
			for (size_t f = 0; f < NELEM(impls); f++)
				if (impls[f](0, buf + off, len) != want)
					fail_msg("impl %zu off %zu len %zu", f,
						 off, len);
		}
	}
}

/* Lengths around the 3 x 4096-byte rounds, on a 64 KiB buffer. */
static void test_large_buffers(void **state)
{
	(void)state;
	static uint8_t buf[65536 + 64];
	static const size_t lens[] = {767,   768,   769,       12287, 12288,
				      12289, 13055, 13056,     24576, 40000,
				      65535, 65536, 65536 + 61};
	fill(buf, sizeof buf, 99);
	for (size_t i = 0; i < NELEM(lens); i++) {
		for (size_t off = 0; off < 3; off++) {
			uint32_t want = crc_ref(0, buf + off, lens[i]);
			assert_int_equal(crc32c_sw(0, buf + off, lens[i]),
					 want);
			assert_int_equal(crc32c_hw(0, buf + off, lens[i]),
					 want);
			assert_int_equal(esctp_crc32c(0, buf + off, lens[i]),
					 want);
		}
	}
}

/* Chaining: crc(a || b) == crc(crc(a), b) at every split point, and in
 * three pieces across the interleaved block boundaries. */
static void test_incremental(void **state)
{
	(void)state;
	static uint8_t buf[30000];
	fill(buf, sizeof buf, 3);
	for (size_t f = 0; f < NELEM(impls); f++) {
		uint32_t whole = impls[f](0, buf, 400);
		for (size_t cut = 0; cut <= 400; cut++) {
			uint32_t c = impls[f](0, buf, cut);
			assert_int_equal(impls[f](c, buf + cut, 400 - cut),
					 whole);
		}
		whole = impls[f](0, buf, sizeof buf);
		assert_int_equal(whole, crc_ref(0, buf, sizeof buf));
		for (size_t a = 1; a < sizeof buf; a += 4999) {
			size_t b = a + (sizeof buf - a) / 3;
			uint32_t c = impls[f](0, buf, a);
			c = impls[f](c, buf + a, b - a);
			c = impls[f](c, buf + b, sizeof buf - b);
			assert_int_equal(c, whole);
		}
	}
}

/* Says which path the other tests exercised as crc32c_hw. */
static void test_hw_detected(void **state)
{
	(void)state;
	print_message("crc32c: hardware path %s\n",
		      crc32c_hw_available() ? "in use" : "not available");
	assert_int_equal(crc32c_hw(0, "123456789", 9), 0xE3069283);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc3720_vectors),
	    cmocka_unit_test(test_check_string),
	    cmocka_unit_test(test_every_length_and_alignment),
	    cmocka_unit_test(test_large_buffers),
	    cmocka_unit_test(test_incremental),
	    cmocka_unit_test(test_hw_detected),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
