# The A/Z simulator (tests/sim/), linked into every unit test, its scenario
# tests, and the stateful fuzz target.  Its corpus holds the seeds written by
# tests/fuzz/gen_assoc_seeds.c (seed-*) and a few inputs libFuzzer found
# (found-*).
UNIT_EXTRA_SRCS += tests/sim/sim.c tests/sim/sim_net.c tests/sim/sim_flow.c
UNIT_TESTS += tests/unit/test_pair_setup.c tests/unit/test_pair_transfer.c \
	tests/unit/test_pair_paths.c tests/unit/test_pair_shutdown.c \
	tests/unit/test_pair_prsctp.c
FUZZ_TARGETS += tests/fuzz/fuzz_assoc.c
