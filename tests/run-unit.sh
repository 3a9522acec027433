#!/bin/sh
# Runs every cmocka unit test binary given; cmocka prints its own summary per
# binary.  Exits non-zero when any failed.
fail=0
for t in "$@"; do
	echo "== $(basename "$t")"
	"$t" || fail=1
done
exit $fail
