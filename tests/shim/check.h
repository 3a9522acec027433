/*
 * check.h - reporting for the shim's test programs (sockcheck, intruder):
 * one "ok - WHO: ..." line per check that holds, "FAIL - WHO: ..." and exit
 * status 1 at the first that does not.  Each program sets check_who.
 */
#ifndef TESTS_SHIM_CHECK_H
#define TESTS_SHIM_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static const char *check_who = "?";

static void pass(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void report(const char *what, const char *fmt, va_list ap)
{
	printf("%s - %s: ", what, check_who);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
}

static inline void pass(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report("ok", fmt, ap);
	va_end(ap);
}

static inline void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report("FAIL", fmt, ap);
	va_end(ap);
	exit(1);
}

#define EXPECT(cond, ...)                                                      \
	do {                                                                   \
		if (!(cond))                                                   \
			fail(__VA_ARGS__);                                     \
	} while (0)

#endif
