# Native SCTP sockets (issue 11): the seed programs (tests/seeds, built
# unmodified as their articles say: cc -w ... -lsctp) and the test
# drivers of tests/native, run by tests/bats/native.bats.  Built without
# the sanitizers even under SANITIZE=1: they run with libwithsctp.so
# preloaded, and ASan's runtime must come first in a process.
SEED_PROGS := echo_server echo_client sctpserver sctpclient chat_server
SEED_BINS := $(SEED_PROGS:%=$(BUILD)/tests/seeds/%)
NATIVE_PROGS := bigmsg chatclient interleave forkread forkwrite
NATIVE_BINS := $(NATIVE_PROGS:%=$(BUILD)/tests/native/%)

$(BUILD)/tests/seeds/%: tests/seeds/%.c
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) -w -o $@ $< -lsctp

$(BUILD)/tests/native/%: tests/native/%.c
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -O0 -g -w -MMD -MP $(LDFLAGS) -o $@ $< -lsctp

EXTRA_TARGETS += $(SEED_BINS) $(NATIVE_BINS)
BATS_SUITES += tests/bats/native.bats tests/bats/native_programs.bats
BATS_SUITES += tests/bats/telecom.bats tests/bats/runtimes.bats tests/bats/diameter.bats

# make bench's native SCTP figures (tests/bench/native.sh): manyassoc runs
# preloaded, so it is built as the drivers are, without the sanitizers.
$(BUILD)/bench/manyassoc: tests/bench/manyassoc.c
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -O2 -g $(WARN) $(LDFLAGS) -o $@ $<
EXTRA_TARGETS += $(BUILD)/bench/manyassoc
