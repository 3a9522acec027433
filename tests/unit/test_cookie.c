/*
 * test_cookie.c - the state cookie: round trip, tampering, staleness and
 * truncation (lib/esctp/cookie.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cookie.h"

/* A keyed toy MAC: enough to see every byte matter (not cryptography). */
static void toy_mac(void *user, const void *data, size_t len,
		    uint8_t mac[ESCTP_MAC_LEN])
{
	const uint8_t *p = data;
	uint64_t h = 1469598103934665603ull ^ (uintptr_t)user;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	for (size_t i = 0; i < ESCTP_MAC_LEN; i++) {
		h = (h ^ i) * 1099511628211ull;
		mac[i] = (uint8_t)(h >> 56);
	}
}

static void no_random(void *user, void *buf, size_t len)
{
	(void)user;
	memset(buf, 7, len);
}

static esctp_ops ops = {
    .user = (void *)0x1234,
    .random = no_random,
    .cookie_mac = toy_mac,
};

static void sample(cookie *c)
{
	memset(c, 0, sizeof *c);
	c->local_vtag = 0x11111111;
	c->peer_vtag = 0x22222222;
	c->local_tie = 0x33333333;
	c->peer_tie = 0x44444444;
	c->local_tsn = 0x55555555;
	c->peer_tsn = 0xfffffff0;
	c->peer_rwnd = 65536;
	c->out_streams = 10;
	c->in_streams = 7;
	c->local_port = 5000;
	c->peer_port = 6000;
	c->prsctp = true;
	c->created = 123 * ESCTP_SECOND;
	c->life_ms = 60000;
	c->src.family = ESCTP_AF_INET;
	c->src.port = 9899;
	memcpy(c->src.ip, "\x0a\x00\x00\x01", 4);
	c->dst.family = ESCTP_AF_INET6;
	c->dst.ip[15] = 1;
	c->naddrs = 2;
	c->addrs[0].family = ESCTP_AF_INET;
	memcpy(c->addrs[0].ip, "\x0a\x00\x01\x01", 4);
	c->addrs[1].family = ESCTP_AF_INET6;
	c->addrs[1].scope_id = 3;
	c->addrs[1].ip[0] = 0xfe;
	c->peer_adaptation_present = true;
	c->peer_adaptation = 0x57534354;
}

static void test_round_trip(void **state)
{
	(void)state;
	cookie c, d;
	uint8_t buf[COOKIE_MAX_LEN];
	sample(&c);
	size_t n = cookie_encode(&c, &ops, buf, sizeof buf);
	assert_int_equal(n, COOKIE_FIXED_LEN + 2 * COOKIE_ADDR_LEN +
				ESCTP_MAC_LEN);
	assert_int_equal(cookie_decode(buf, n, &ops, &d), 0);
	assert_int_equal(d.local_vtag, c.local_vtag);
	assert_int_equal(d.peer_vtag, c.peer_vtag);
	assert_int_equal(d.local_tie, c.local_tie);
	assert_int_equal(d.peer_tie, c.peer_tie);
	assert_int_equal(d.local_tsn, c.local_tsn);
	assert_int_equal(d.peer_tsn, c.peer_tsn);
	assert_int_equal(d.peer_rwnd, c.peer_rwnd);
	assert_int_equal(d.out_streams, 10);
	assert_int_equal(d.in_streams, 7);
	assert_int_equal(d.local_port, 5000);
	assert_int_equal(d.peer_port, 6000);
	assert_true(d.prsctp);
	assert_true(d.created == c.created);
	assert_int_equal(d.life_ms, 60000);
	assert_true(esctp_addr_equal(&d.src, &c.src));
	assert_true(esctp_addr_equal(&d.dst, &c.dst));
	assert_int_equal(d.naddrs, 2);
	assert_true(esctp_addr_equal(&d.addrs[0], &c.addrs[0]));
	assert_true(esctp_addr_equal(&d.addrs[1], &c.addrs[1]));
	assert_int_equal(d.addrs[1].scope_id, 3);
	assert_true(d.peer_adaptation_present);
	assert_int_equal(d.peer_adaptation, 0x57534354);
}

/* No Adaptation Layer Indication in the INIT: none out of the cookie, and
 * a code point of 0 is told apart from an absent one. */
static void test_adaptation(void **state)
{
	(void)state;
	cookie c, d;
	uint8_t buf[COOKIE_MAX_LEN];
	sample(&c);
	c.peer_adaptation_present = false;
	c.peer_adaptation = 0;
	size_t n = cookie_encode(&c, &ops, buf, sizeof buf);
	assert_int_equal(cookie_decode(buf, n, &ops, &d), 0);
	assert_false(d.peer_adaptation_present);
	assert_int_equal(d.peer_adaptation, 0);
	assert_true(d.prsctp);
	c.peer_adaptation_present = true;
	n = cookie_encode(&c, &ops, buf, sizeof buf);
	assert_int_equal(cookie_decode(buf, n, &ops, &d), 0);
	assert_true(d.peer_adaptation_present);
	assert_int_equal(d.peer_adaptation, 0);
}

static void test_encode_limits(void **state)
{
	(void)state;
	cookie c;
	uint8_t buf[COOKIE_MAX_LEN];
	sample(&c);
	assert_int_equal(cookie_encode(&c, &ops, buf, 100), 0);
	c.naddrs = COOKIE_MAX_ADDRS + 1;
	assert_int_equal(cookie_encode(&c, &ops, buf, sizeof buf), 0);
	c.naddrs = COOKIE_MAX_ADDRS;
	for (unsigned i = 0; i < COOKIE_MAX_ADDRS; i++)
		c.addrs[i] = c.src;
	assert_int_equal(cookie_encode(&c, &ops, buf, sizeof buf),
			 COOKIE_MAX_LEN);
}

/* Every single flipped bit, anywhere, makes the cookie invalid. */
static void test_tampered(void **state)
{
	(void)state;
	cookie c, d;
	uint8_t buf[COOKIE_MAX_LEN];
	sample(&c);
	size_t n = cookie_encode(&c, &ops, buf, sizeof buf);
	for (size_t i = 0; i < n; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(cookie_decode(buf, n, &ops, &d),
					 ESCTP_ERR_PROTO);
			buf[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* Another key does not verify either. */
	esctp_ops other = ops;
	other.user = (void *)0x4321;
	assert_int_equal(cookie_decode(buf, n, &other, &d), ESCTP_ERR_PROTO);
	assert_int_equal(cookie_decode(buf, n, &ops, &d), 0);
}

/* Correctly signed but malformed inside (an old or future version, an
 * unknown flag, a code point without its flag, a bad family, a count that
 * disagrees with the length): still rejected. */
static void test_signed_but_bad(void **state)
{
	(void)state;
	cookie c, d;
	uint8_t buf[COOKIE_MAX_LEN];
	sample(&c);
	size_t n = cookie_encode(&c, &ops, buf, sizeof buf);
	size_t body = n - ESCTP_MAC_LEN;
	static const struct {
		size_t off;
		uint8_t val;
	} bad[] = {{0, 1}, {0, 3}, {1, 0x05}, {1, 0x01}, {2, 3},
		   {2, 1}, {3, 1}, {52, 9},   {104, 0}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t copy[COOKIE_MAX_LEN];
		memcpy(copy, buf, n);
		copy[bad[i].off] = bad[i].val;
		toy_mac(ops.user, copy, body, copy + body);
		assert_int_equal(cookie_decode(copy, n, &ops, &d),
				 ESCTP_ERR_PROTO);
	}
}

static void test_truncated(void **state)
{
	(void)state;
	cookie c, d;
	uint8_t buf[COOKIE_MAX_LEN + 8];
	sample(&c);
	size_t n = cookie_encode(&c, &ops, buf, sizeof buf);
	for (size_t len = 0; len < n; len++)
		assert_int_equal(cookie_decode(buf, len, &ops, &d),
				 ESCTP_ERR_PROTO);
	memset(buf + n, 0, 8);
	assert_int_equal(cookie_decode(buf, n + 4, &ops, &d), ESCTP_ERR_PROTO);
	assert_int_equal(cookie_decode(buf, COOKIE_MAX_LEN + 8, &ops, &d),
			 ESCTP_ERR_PROTO);
}

static void test_staleness(void **state)
{
	(void)state;
	cookie c;
	sample(&c);
	esctp_tstamp expiry = c.created + 60 * ESCTP_SECOND;
	assert_int_equal(cookie_staleness(&c, c.created), 0);
	assert_int_equal(cookie_staleness(&c, expiry), 0);
	/* The measure of staleness is in microseconds (§3.3.10.3). */
	assert_int_equal(cookie_staleness(&c, expiry + 5 * ESCTP_MS), 5000);
	assert_int_equal(cookie_staleness(&c, expiry + 1), 1);
	assert_int_equal(cookie_staleness(&c, expiry + 7200 * ESCTP_SECOND),
			 UINT32_MAX);
	/* Made under a clock that went back since: unusable. */
	assert_int_equal(cookie_staleness(&c, c.created - 1), UINT32_MAX);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_adaptation),
	    cmocka_unit_test(test_encode_limits),
	    cmocka_unit_test(test_tampered),
	    cmocka_unit_test(test_signed_but_bad),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_staleness),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
