# withsctp's configuration module (cli/wsconf*.c): linked into the launcher
# withsctp and the LD_PRELOAD shim libwithsctp.so; their fragments list
# $(WSCONF_SRCS) among their sources.
WSCONF_SRCS := cli/wsconf.c cli/wsconf_values.c cli/wsconf_ports.c
UNIT_TESTS += tests/unit/test_wsconf.c
MAN5_PAGES += man/withsctp.conf.5

# test_wsconf needs the module's objects (no engine, no libcrypto).
$(BUILD)/tests/test_wsconf: $(WSCONF_SRCS:%.c=$(BUILD)/%.o)
