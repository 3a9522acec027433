# withsctp - top-level Makefile.  Plain make: explicit source lists (in mk/*.mk,
# one fragment per area), -MMD dependencies, quiet unless V=1, user CFLAGS last.
#
#   make            build everything          make check   all tests
#   make demo       the main job              make bench   benchmarks
#   make fuzz       libFuzzer (clang)         make deps    install packages
#   make install / uninstall (PREFIX, DESTDIR)            make clean
#   SANITIZE=1      ASan + UBSan build (in build-san/)

# The fragments below define rules of their own: `make` alone builds all.
.DEFAULT_GOAL := all

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60

ifeq ($(SANITIZE),1)
BUILD ?= build-san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD ?= build
SAN_FLAGS :=
endif

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifneq ($(CI),)
WARN += -Werror
endif
ifneq ($(WERROR),)
WARN += -Werror
endif

BASE_CFLAGS := -std=gnu11 -O2 -g $(WARN) -MMD -MP -fPIC $(SAN_FLAGS)
ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)

ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2)
endif

# Filled in by the fragments.
LIB_SRCS :=        # libesctp (lib/esctp/ only): the archive check-purity checks
UNIT_TESTS :=      # tests/unit/test_NAME.c, each a cmocka program
UNIT_EXTRA_SRCS := # helpers linked into every unit test (the A/Z simulator)
CLI_PROGS :=       # program names; each has CLI_SRCS_<name>
CLI_COMMON_SRCS := # the hosting layer shared by cli programs
FUZZ_TARGETS :=    # tests/fuzz/fuzz_NAME.c
BATS_SUITES :=     # tests/bats/*.bats
BENCH_PROGS :=     # tests/bench/NAME.c
INSTALL_PROGS :=   # cli programs installed in bin/
MAN1_PAGES :=
MAN3_PAGES :=
MAN5_PAGES :=
MAN7_PAGES :=
MAN8_PAGES :=
EXTRA_TARGETS :=   # other things `all` builds (the shim)
# Include paths of an object: the engine's by default (its sources, its
# tests); a fragment sets INC for the objects of its folder.
INC = -Ilib/esctp
include $(sort $(wildcard mk/*.mk))

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB_A := $(BUILD)/lib/libesctp.a
CLI_COMMON_OBJS := $(CLI_COMMON_SRCS:%.c=$(BUILD)/%.o)
UNIT_EXTRA_OBJS := $(UNIT_EXTRA_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS := $(UNIT_TESTS:tests/unit/%.c=$(BUILD)/tests/%)
CLI_BINS := $(CLI_PROGS:%=$(BUILD)/bin/%)
REPLAY_BINS := $(FUZZ_TARGETS:tests/fuzz/%.c=$(BUILD)/replay/%)
BENCH_BINS := $(BENCH_PROGS:tests/bench/%.c=$(BUILD)/bench/%)

# Object files of programs are not intermediates to delete.
.SECONDARY:

.PHONY: all lib check check-unit check-purity check-fuzz check-bats demo bench \
        fuzz deps install uninstall clean format

all: $(LIB_A) $(CLI_BINS) $(EXTRA_TARGETS) $(UNIT_BINS) $(REPLAY_BINS) $(BENCH_BINS)

lib: $(LIB_A)

$(BUILD)/%.o: %.c
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(INC) -c -o $@ $<

$(LIB_A): $(LIB_OBJS)
	$(call say,AR,$@)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

# A unit test may add objects (mk/*.mk) that use the engine: the archive
# goes last.  UNIT_LIBS_<name>: libraries it needs besides cmocka.
$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(UNIT_EXTRA_OBJS) $(LIB_A)
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter-out $(LIB_A),$^) $(LIB_A) \
	  -lcmocka $(UNIT_LIBS_$*) -lm

# cli programs: CLI_SRCS_<name> lists their own sources.
define cli_rule
$(BUILD)/bin/$(1): $$(CLI_SRCS_$(1):%.c=$(BUILD)/%.o) $(CLI_COMMON_OBJS) $(LIB_A)
	$$(call say,LINK,$$@)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $$(CLI_LIBS_$(1)) -lcrypto -lm
endef
$(foreach p,$(CLI_PROGS),$(eval $(call cli_rule,$(p))))

# Fuzz targets replayed over their corpus by a plain driver (no clang needed).
$(BUILD)/replay/%: $(BUILD)/tests/fuzz/%.o $(BUILD)/tests/fuzz/replay_main.o $(LIB_A)
	$(call say,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ -lm

$(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(UNIT_EXTRA_OBJS) $(CLI_COMMON_OBJS) $(LIB_A)
	$(call say,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ -lcrypto -lm

# ---- tests ----

check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory check-purity check-unit check-fuzz check-bats

check-unit: $(UNIT_BINS)
	$(Q)sh tests/run-unit.sh $(UNIT_BINS)

# The engine does no I/O, reads no clock, starts no thread (STYLE.md rule 1).
check-purity: $(LIB_A)
	$(Q)sh tests/check-purity.sh $(LIB_A)

check-fuzz: $(REPLAY_BINS)
	$(Q)sh tests/run-replay.sh $(BUILD)/replay tests/fuzz/corpus $(REPLAY_BINS)

check-bats: all
	$(Q)BUILD=$(abspath $(BUILD)) sh tests/run-bats.sh $(BATS_SUITES)

# ---- the rest ----

demo: deps all
	$(Q)sh tests/demo.sh $(BUILD)

bench: deps all
	$(Q)BUILD=$(abspath $(BUILD)) sh tests/bench/run.sh

FUZZ_FLAGS := -std=gnu11 -O1 -g -fsanitize=fuzzer,address,undefined -Ilib/esctp
fuzz: deps
	$(Q)mkdir -p $(BUILD)/fuzz
	$(Q)for t in $(FUZZ_TARGETS:tests/fuzz/%.c=%); do \
	  $(FUZZ_CC) $(FUZZ_FLAGS) -o $(BUILD)/fuzz/$$t tests/fuzz/$$t.c $(LIB_SRCS) || exit 1; \
	  mkdir -p tests/fuzz/corpus/$$t $(BUILD)/fuzz/new-$$t; \
	  echo "fuzzing $$t for $(FUZZ_SECONDS)s"; \
	  $(BUILD)/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=tests/fuzz/corpus/$$t/crash- \
	    $(BUILD)/fuzz/new-$$t tests/fuzz/corpus/$$t || exit 1; \
	done

deps:
	$(Q)sh tests/deps.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man3 \
	  $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7 \
	  $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 lib/esctp/esctp.h $(DESTDIR)$(PREFIX)/include/
	for p in $(INSTALL_PROGS); do install -m 755 $(BUILD)/bin/$$p $(DESTDIR)$(PREFIX)/bin/; done
	install -m 755 $(SHIM_SO) $(DESTDIR)$(PREFIX)/lib/
	for m in $(MAN1_PAGES); do install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man1/; done
	for m in $(MAN3_PAGES); do install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man3/; done
	for m in $(MAN5_PAGES); do install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man5/; done
	for m in $(MAN7_PAGES); do install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man7/; done
	for m in $(MAN8_PAGES); do install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man8/; done

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libesctp.a $(DESTDIR)$(PREFIX)/include/esctp.h
	rm -f $(DESTDIR)$(PREFIX)/lib/libwithsctp.so
	for p in $(INSTALL_PROGS); do rm -f $(DESTDIR)$(PREFIX)/bin/$$p; done
	for m in $(MAN1_PAGES); do rm -f $(DESTDIR)$(PREFIX)/share/man/man1/$${m##*/}; done
	for m in $(MAN3_PAGES); do rm -f $(DESTDIR)$(PREFIX)/share/man/man3/$${m##*/}; done
	for m in $(MAN5_PAGES); do rm -f $(DESTDIR)$(PREFIX)/share/man/man5/$${m##*/}; done
	for m in $(MAN7_PAGES); do rm -f $(DESTDIR)$(PREFIX)/share/man/man7/$${m##*/}; done
	for m in $(MAN8_PAGES); do rm -f $(DESTDIR)$(PREFIX)/share/man/man8/$${m##*/}; done

format:
	clang-format -i $(LIB_SRCS) lib/esctp/*.h $(UNIT_TESTS)

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
