# The hosting layer (lib/host/): the engine on real sockets, i.e. event
# loop, RFC 6951 UDP sockets, engine glue (clock, random, HMAC cookies,
# endpoint registry).  It may use lib/esctp only.  Linked into every cli
# program through CLI_COMMON_SRCS, and into the benchmarks.
HOST_SRCS := lib/host/loop.c lib/host/udp.c lib/host/host.c
CLI_COMMON_SRCS += $(HOST_SRCS)

# test_host exercises loop.c, udp.c and host.c (an endpoint answering
# bursts of INITs over loopback; HMAC from libcrypto).
UNIT_TESTS += tests/unit/test_host.c
$(BUILD)/tests/test_host: $(HOST_SRCS:%.c=$(BUILD)/%.o)
UNIT_LIBS_test_host := -lcrypto
