/*
 * test_path.c - path_init (RFC 9260 §7.2.1 initial cwnd) and the RTO
 * computation of §6.3.1, against hand-computed values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "path.h"

#define MS ESCTP_MS
#define SEC ESCTP_SECOND

static void init_at(path *p, uint16_t mtu)
{
	esctp_addr a = {.family = ESCTP_AF_INET, .ip = {10, 0, 0, 1}};
	path_init(p, &a, mtu, 123456, 3 * SEC);
}

static void test_init_cwnd(void **state)
{
	(void)state;
	path p;
	/* mss 1440: min(5760, max(2880, 4404)) */
	init_at(&p, 1452);
	assert_int_equal(path_mss(&p), 1440);
	assert_int_equal(p.cwnd, 4404);
	assert_int_equal(p.ssthresh, 123456);
	assert_int_equal(p.rto, 3 * SEC);
	assert_true(p.t3 == ESCTP_TSTAMP_NEVER);
	assert_false(p.rtt_measured);
	assert_int_equal(p.flight, 0);
	assert_int_equal(p.state, PATH_ACTIVE);
	/* mss 8988: min(35952, max(17976, 4404)) */
	init_at(&p, 9000);
	assert_int_equal(p.cwnd, 17976);
	/* mss 988: min(3952, max(1976, 4404)) */
	init_at(&p, 1000);
	assert_int_equal(p.cwnd, 3952);
}

static void test_first_sample(void **state)
{
	(void)state;
	path p;
	init_at(&p, 1452);
	path_rtt_sample(&p, 100 * MS, 10 * MS, 60 * SEC);
	assert_true(p.rtt_measured);
	assert_int_equal(p.srtt, 100 * MS);
	assert_int_equal(p.rttvar, 50 * MS);
	assert_int_equal(p.rto, 300 * MS); /* 100 + 4 * 50 */
}

static void test_second_sample(void **state)
{
	(void)state;
	path p;
	init_at(&p, 1452);
	path_rtt_sample(&p, 100 * MS, 10 * MS, 60 * SEC);
	path_rtt_sample(&p, 200 * MS, 10 * MS, 60 * SEC);
	/* RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5 ms (old SRTT used)
	 * SRTT = 7/8 * 100 + 1/8 * 200 = 112.5 ms
	 * RTO = 112.5 + 4 * 62.5 = 362.5 ms */
	assert_int_equal(p.rttvar, 62500000);
	assert_int_equal(p.srtt, 112500000);
	assert_int_equal(p.rto, 362500000);
	/* a third, smaller sample: |112.5 - 40| = 72.5
	 * RTTVAR = 46.875 + 18.125 = 65 ms; SRTT = 98.4375 + 5 = 103.4375 ms
	 * RTO = 103.4375 + 260 = 363.4375 ms */
	path_rtt_sample(&p, 40 * MS, 10 * MS, 60 * SEC);
	assert_int_equal(p.rttvar, 65000000);
	assert_int_equal(p.srtt, 103437500);
	assert_int_equal(p.rto, 363437500);
}

static void test_clamps(void **state)
{
	(void)state;
	path p;
	init_at(&p, 1452);
	/* C6: 300 ms rounds up to RTO.Min = 1 s */
	path_rtt_sample(&p, 100 * MS, 1 * SEC, 60 * SEC);
	assert_int_equal(p.rto, 1 * SEC);
	assert_int_equal(p.srtt, 100 * MS); /* SRTT itself is not clamped */
	/* C7: 30 s + 4 * 15 s = 90 s capped at RTO.Max = 60 s */
	init_at(&p, 1452);
	path_rtt_sample(&p, 30 * SEC, 1 * SEC, 60 * SEC);
	assert_int_equal(p.rto, 60 * SEC);
}

static void test_granularity(void **state)
{
	(void)state;
	path p;
	init_at(&p, 1452);
	/* R = 10 us: 4 * RTTVAR = 20 us < G = 1 ms, so RTO = SRTT + G */
	path_rtt_sample(&p, 10000, 0, 60 * SEC);
	assert_int_equal(p.rto, 10000 + 1 * MS);
}

static void test_backoff(void **state)
{
	(void)state;
	path p;
	init_at(&p, 1452);
	p.rto = 1 * SEC;
	path_backoff(&p, 60 * SEC);
	assert_int_equal(p.rto, 2 * SEC);
	for (int i = 0; i < 10; i++)
		path_backoff(&p, 60 * SEC);
	assert_int_equal(p.rto, 60 * SEC);
	/* a new measurement collapses the backed-off RTO (§6.3.3) */
	path_rtt_sample(&p, 100 * MS, 1 * SEC, 60 * SEC);
	assert_int_equal(p.rto, 1 * SEC);
	/* overflow is saturated */
	p.rto = UINT64_MAX / 2 + 1;
	path_backoff(&p, 0);
	assert_true(p.rto == UINT64_MAX);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_cwnd),
	    cmocka_unit_test(test_first_sample),
	    cmocka_unit_test(test_second_sample),
	    cmocka_unit_test(test_clamps),
	    cmocka_unit_test(test_granularity),
	    cmocka_unit_test(test_backoff),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
