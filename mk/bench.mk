# The benchmarks of make bench (tests/bench/run.sh): the engine alone, TCP,
# and bulk transfer under withsctp.  They link the hosting layer.
BENCH_PROGS += tests/bench/bench_engine.c tests/bench/tcp_bench.c tests/bench/ws_bulk.c
