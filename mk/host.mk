# The hosting layer shared by the cli programs (event loop, RFC 6951 UDP
# sockets, engine glue), esctp-peer, its unit test, the interop suite and the
# benchmarks.
CLI_COMMON_SRCS += cli/loop.c cli/udp.c cli/host.c
CLI_PROGS += esctp-peer
CLI_SRCS_esctp-peer := cli/esctp-peer.c
INSTALL_PROGS += esctp-peer
UNIT_TESTS += tests/unit/test_host.c
BATS_SUITES += tests/bats/interop.bats

# test_host exercises loop.c, udp.c and host.c (an endpoint answering
# bursts of INITs over loopback; HMAC from libcrypto).
$(BUILD)/tests/test_host: $(BUILD)/cli/loop.o $(BUILD)/cli/udp.o \
	$(BUILD)/cli/host.o
UNIT_LIBS_test_host := -lcrypto
BENCH_PROGS += tests/bench/bench_engine.c tests/bench/tcp_bench.c tests/bench/ws_bulk.c
