/*
 * burst_report.h - the clock and the figures both burst clients use
 * (burst.c over the kernel's TCP or withsctp, burst_usrsctp.c over
 * usrsctp), so that tests/bench/burst.sh reads one format.
 */
#ifndef TESTS_BENCH_BURST_REPORT_H
#define TESTS_BENCH_BURST_REPORT_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Seconds on the monotonic clock. */
static double burst_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int burst_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* "WHAT median=... p99=... max=..." of v[0..n) seconds, in ms (sorts v). */
static void burst_print_dist(const char *what, double *v, long n)
{
	if (n == 0) {
		printf("%s median=0 p99=0 max=0\n", what);
		return;
	}
	qsort(v, (size_t)n, sizeof(*v), burst_cmp_double);
	long p99 = (n * 99 + 99) / 100 - 1;
	printf("%s median=%.1f p99=%.1f max=%.1f\n", what, v[(n - 1) / 2] * 1e3,
	       v[p99] * 1e3, v[n - 1] * 1e3);
}

#endif
