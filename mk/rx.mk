# The receiving half of an association (lib/rx.h): TSN tracking and SACK,
# reassembly, ordered delivery, partial delivery, FORWARD TSN.
LIB_SRCS += lib/rx.c lib/rx_tsn.c lib/rx_reasm.c
UNIT_TESTS += tests/unit/test_rx.c
