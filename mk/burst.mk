# Bursts of connections (issue 9, item 5): the burst tool (a plain TCP
# program run under withsctp and over TCP), its benchmark in make bench
# (tests/bench/burst.sh) and its end-to-end suite across two namespaces.
BENCH_PROGS += tests/bench/burst.c
BATS_SUITES += tests/bats/burst.bats
