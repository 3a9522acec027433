# The LD_PRELOAD shim libwithsctp.so (shim/): only the wrapped libc names
# are exported (-fvisibility=hidden, hooks.c marks them).
# It uses lib/control and lib/config, whose sources it compiles with its own
# flags (below) from the lists their fragments define.
SHIM_SRCS := shim/real.c shim/fdtab.c shim/addr.c shim/conf.c shim/ctl.c shim/sock.c shim/opt.c shim/hint.c shim/native.c \
	shim/cmsg.c shim/msg.c shim/nat.c shim/msg_send.c shim/msg_recv.c shim/hooks.c $(CONTROL_SRCS) $(CONFIG_SRCS)
SHIM_SO := $(BUILD)/lib/libwithsctp.so
MAN1_PAGES += man/withsctp.1

# Its objects are built apart: hidden visibility, and under SANITIZE=1 only
# UBSan, since ASan's runtime must be the first library of a process and a
# preloaded shim lives in programs built without it.
ifeq ($(SANITIZE),1)
SHIM_SAN := -fsanitize=undefined -fno-sanitize-recover=undefined
else
SHIM_SAN :=
endif
SHIM_CFLAGS = -std=gnu11 -O2 -g $(WARN) -MMD -MP -fPIC -fvisibility=hidden \
	$(SHIM_SAN) -Ilib/control -Ilib/config $(CFLAGS)
SHIM_OBJS := $(SHIM_SRCS:%.c=$(BUILD)/shim-obj/%.o)

$(BUILD)/shim-obj/%.o: %.c
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(SHIM_CFLAGS) -c -o $@ $<

$(SHIM_SO): $(SHIM_OBJS)
	$(call say,LINK,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -shared $(SHIM_SAN) $(LDFLAGS) -Wl,-z,defs -o $@ $^ -ldl -lpthread

EXTRA_TARGETS += $(SHIM_SO)

# tests/unit/test_addr (mk/sctpd.mk) checks the shim's address conversions
# with a plain build of addr.c.
$(BUILD)/shim/%.o: INC = -Ilib/control -Ilib/config
$(BUILD)/tests/test_addr: $(BUILD)/shim/addr.o

# tests/unit/test_shim_msg: the native message path (cmsg.c, msg.c) with
# plain builds of the shim's objects, against a fake daemon end.
UNIT_TESTS += tests/unit/test_shim_msg.c
$(BUILD)/tests/unit/test_shim_msg.o: INC = -Ilib/control -Ilib/config
$(BUILD)/tests/test_shim_msg: $(addprefix $(BUILD)/shim/,real.o fdtab.o \
	addr.o cmsg.o msg.o nat.o msg_send.o msg_recv.o)
UNIT_LIBS_test_shim_msg := -ldl -lpthread
