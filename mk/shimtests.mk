# Checks of the LD_PRELOAD shim's emulated sockets (DESIGN.md §3), run by
# tests/bats/shim.bats: sockcheck, a plain sockets program run under
# withsctp, and intruder, which tries another user's sockets through the
# daemon's control socket (it speaks lib/control/wsproto.h).
SHIMTEST_PROGS := sockcheck intruder tcpcheck
SHIMTEST_BINS := $(SHIMTEST_PROGS:%=$(BUILD)/tests/shim/%)

# Built without the sanitizers even under SANITIZE=1: sockcheck runs with
# libwithsctp.so preloaded, and ASan's runtime must come first in a process.
SHIMTEST_CFLAGS = -std=gnu11 -O2 -g $(WARN) -MMD -MP $(CFLAGS)

$(BUILD)/tests/shim/%: tests/shim/%.c
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SHIMTEST_CFLAGS) -Ilib/control $(LDFLAGS) -o $@ $(filter %.c,$^)

# intruder speaks the control protocol with the project's own helpers.
$(BUILD)/tests/shim/intruder: $(CONTROL_SRCS)

# ctorcheck links libctor.so, whose constructor uses sockets before the
# shim's constructors run, and which dlopens libctor_dl.so from a thread
# (tests/shim/ctorlib.c).  Found beside ctorcheck through its RUNPATH.
CTORLIB_SOS := $(BUILD)/tests/shim/libctor.so $(BUILD)/tests/shim/libctor_dl.so

$(BUILD)/tests/shim/libctor.so: tests/shim/ctorlib.c
	$(call say,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SHIMTEST_CFLAGS) -fPIC -shared $(LDFLAGS) -o $@ $< -ldl -lpthread

$(BUILD)/tests/shim/libctor_dl.so: tests/shim/ctorlib.c
	$(call say,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SHIMTEST_CFLAGS) -DCTORLIB_DLOPENED -fPIC -shared $(LDFLAGS) \
		-o $@ $< -ldl -lpthread

$(BUILD)/tests/shim/ctorcheck: tests/shim/ctorcheck.c $(CTORLIB_SOS)
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SHIMTEST_CFLAGS) $(LDFLAGS) -o $@ $< -L$(@D) -lctor \
		-Wl,-rpath,'$$ORIGIN'

# sctpcheck: the kernel's SCTP socket API, one test per behaviour, for the
# native sockets (tests/bats/native_api.bats); its tests in several files.
SCTPCHECK_SRCS := $(wildcard tests/shim/sctpcheck*.c)

$(BUILD)/tests/shim/sctpcheck: $(SCTPCHECK_SRCS) tests/shim/sctpcheck.h
	$(call say,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SHIMTEST_CFLAGS) $(LDFLAGS) -o $@ $(SCTPCHECK_SRCS) -lsctp

EXTRA_TARGETS += $(SHIMTEST_BINS) $(CTORLIB_SOS) $(BUILD)/tests/shim/ctorcheck
EXTRA_TARGETS += $(BUILD)/tests/shim/sctpcheck
BATS_SUITES += tests/bats/shim.bats
# TCP's semantics on converted sockets, tcpcheck on TCP and under withsctp.
BATS_SUITES += tests/bats/tcp.bats
# The native SCTP socket API, one @test per sctpcheck test (issue 11).
BATS_SUITES += tests/bats/native_api.bats
