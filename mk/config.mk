# The configuration (lib/config/, the wsconf module): files, environment,
# options, port rules; libc only.  Linked into the launcher withsctp, the
# tools and the LD_PRELOAD shim libwithsctp.so through $(CONFIG_SRCS).
CONFIG_SRCS := lib/config/wsconf.c lib/config/wsconf_values.c lib/config/wsconf_ports.c
$(BUILD)/lib/config/%.o: INC =
MAN5_PAGES += man/withsctp.conf.5

# test_config needs the module's objects (no engine, no libcrypto).
UNIT_TESTS += tests/unit/test_config.c
$(BUILD)/tests/test_config: $(CONFIG_SRCS:%.c=$(BUILD)/%.o)
