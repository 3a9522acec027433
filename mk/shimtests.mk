# Checks of the LD_PRELOAD shim's emulated sockets (DESIGN.md §3), run by
# tests/bats/shim.bats: sockcheck, a plain sockets program run under
# withsctp, and intruder, which tries another user's sockets through the
# daemon's control socket (it speaks cli/wsproto.h).
SHIMTEST_PROGS := sockcheck intruder tcpcheck
SHIMTEST_BINS := $(SHIMTEST_PROGS:%=$(BUILD)/tests/shim/%)

# Built without the sanitizers even under SANITIZE=1: sockcheck runs with
# libwithsctp.so preloaded, and ASan's runtime must come first in a process.
SHIMTEST_CFLAGS = -std=gnu11 -O2 -g $(WARN) -MMD -MP $(CFLAGS)

$(BUILD)/tests/shim/%: tests/shim/%.c
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SHIMTEST_CFLAGS) -Icli $(LDFLAGS) -o $@ $(filter %.c,$^)

# intruder speaks the control protocol with the project's own helpers.
$(BUILD)/tests/shim/intruder: cli/wsproto.c

EXTRA_TARGETS += $(SHIMTEST_BINS)
BATS_SUITES += tests/bats/shim.bats
