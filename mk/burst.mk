# Bursts of connections (issue 9, item 5): the burst tool (a plain TCP
# program run under withsctp and over TCP), its benchmark in make bench
# (tests/bench/burst.sh) and its end-to-end suite across two namespaces.
BENCH_PROGS += tests/bench/burst.c
BATS_SUITES += tests/bats/burst.bats

# Built without the sanitizers even under SANITIZE=1: it runs with
# libwithsctp.so preloaded, and ASan's runtime must come first in a process
# (see mk/shimtests.mk).  It needs nothing of the project's.
BURST_CFLAGS = -std=gnu11 -O2 -g $(WARN) -MMD -MP $(CFLAGS)

$(BUILD)/bench/burst: tests/bench/burst.c
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(BURST_CFLAGS) $(LDFLAGS) -o $@ $<

# usrsctp beside withsctp and TCP in the benchmark (tests/deps.sh installs
# libusrsctp-dev; without its header the benchmark says usrsctp was skipped).
ifneq ($(wildcard /usr/include/usrsctp.h),)
BENCH_PROGS += tests/bench/burst_usrsctp.c
$(BUILD)/bench/burst_usrsctp: $(BUILD)/tests/bench/burst_usrsctp.o
	$(call say,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ -lusrsctp -lpthread
endif
