# The hosting layer shared by the cli programs (event loop, RFC 6951 UDP
# sockets, engine glue), esctp-peer, its unit test, the interop suite and the
# benchmarks.
CLI_COMMON_SRCS += cli/loop.c cli/udp.c cli/host.c
CLI_PROGS += esctp-peer
CLI_SRCS_esctp-peer := cli/esctp-peer.c
INSTALL_PROGS += esctp-peer
UNIT_TESTS += tests/unit/test_host.c
BATS_SUITES += tests/bats/interop.bats

# test_host exercises loop.c and udp.c only (no engine, no libcrypto).
$(BUILD)/tests/test_host: $(BUILD)/cli/loop.o $(BUILD)/cli/udp.o
BENCH_PROGS += tests/bench/bench_engine.c tests/bench/tcp_bench.c tests/bench/ws_bulk.c
