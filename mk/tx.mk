# The sending half of an association and per-path state (lib/tx_*.c, lib/path.c).
LIB_SRCS += lib/path.c lib/tx_queue.c lib/tx_send.c lib/tx_sack.c lib/tx_rtx.c lib/tx_prsctp.c
UNIT_TESTS += tests/unit/test_tx.c tests/unit/test_path.c
