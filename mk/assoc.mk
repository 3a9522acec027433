# The association core: endpoint, state machine, state cookie, paths and
# heartbeats, packet assembly.
LIB_SRCS += lib/endpoint.c lib/event.c lib/cookie.c lib/assoc.c \
            lib/assoc_index.c lib/assoc_input.c lib/assoc_handshake.c \
            lib/assoc_cookie.c lib/assoc_data.c lib/assoc_shutdown.c \
            lib/assoc_path.c lib/assoc_output.c
UNIT_TESTS += tests/unit/test_cookie.c tests/unit/test_endpoint.c
