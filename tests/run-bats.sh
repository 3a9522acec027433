#!/bin/sh
# Runs the Bats suites and prints one closing "N passed, N failed" line.
pass=0; failn=0; skip=0
out=$(mktemp)
for s in "$@"; do
	bats --tap "$s" | tee "$out"
	p=$(grep -c '^ok ' "$out" | tr -d ' '); f=$(grep -c '^not ok ' "$out" | tr -d ' ')
	k=$(grep -c '^ok .*# skip' "$out" | tr -d ' ')
	pass=$((pass + p - k)); failn=$((failn + f)); skip=$((skip + k))
done
rm -f "$out"
echo "bats: $pass passed, $failn failed, $skip skipped"
[ "$failn" -eq 0 ]
