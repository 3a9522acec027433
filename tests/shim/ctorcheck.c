/*
 * ctorcheck.c - a program that links libctor.so (tests/shim/ctorlib.c), so
 * that its sockets are used in constructors that run before the shim's.
 * By the time main() runs they all have: it reports their outcome.
 *
 * CTORCHECK_PORT=P ctorcheck: "PASS - ctorcheck: N checks" and exit 0, or
 * "FAIL - ..." and exit 1.  (A shim that calls an unbound function never
 * gets here: the process dies of SIGSEGV in the constructor.)
 */
#include <stdio.h>

#include "ctorlib.h"

int main(void)
{
	int n = ctorlib_checks(), f = ctorlib_failures();
	if (n == 0) {
		printf("FAIL - ctorcheck: the constructors checked nothing\n");
		return 1;
	}
	if (f) {
		printf("FAIL - ctorcheck: %d of %d checks failed\n", f, n);
		return 1;
	}
	printf("PASS - ctorcheck: %d checks\n", n);
	return 0;
}
