# The daemon sctpd (cli/sctpd/): hosts the engine for every converted
# socket of a network namespace (DESIGN.md §2, §3).  It may use every
# library (lib/*).
SCTPD_SRCS := cli/sctpd/sctpd.c cli/sctpd/ctl.c cli/sctpd/sock.c cli/sctpd/port.c \
	cli/sctpd/chan.c cli/sctpd/tcpinfo.c cli/sctpd/log.c cli/sctpd/limit.c \
	cli/sctpd/addr.c cli/sctpd/native.c cli/sctpd/native_conn.c \
	cli/sctpd/native_send.c cli/sctpd/nchan.c cli/sctpd/notif.c \
	cli/sctpd/sctpopt.c cli/sctpd/sctpopt_addr.c cli/sctpd/sctpopt_assoc.c \
	cli/sctpd/sctpopt_path.c cli/sctpd/sctpopt_more.c cli/sctpd/unread.c \
	cli/sctpd/ends.c
CLI_PROGS += sctpd
CLI_SRCS_sctpd := $(SCTPD_SRCS) $(CONTROL_SRCS)
INSTALL_PROGS += sctpd
MAN8_PAGES += man/sctpd.8

# The address conversions of the shim (shim/addr.c, mk/shim.mk adds its
# object) and the daemon (cli/sctpd/addr.c), tested without a preload or
# a daemon.
UNIT_TESTS += tests/unit/test_addr.c
$(BUILD)/tests/unit/test_addr.o: INC = $(CLI_INC)
$(BUILD)/tests/test_addr: $(BUILD)/cli/sctpd/addr.o

# TCP_INFO and TCP_MAXSEG of converted sockets from the association's
# status, tested without a daemon.
UNIT_TESTS += tests/unit/test_tcpinfo.c
$(BUILD)/tests/unit/test_tcpinfo.o: INC = $(CLI_INC)
$(BUILD)/tests/test_tcpinfo: $(BUILD)/cli/sctpd/tcpinfo.o
BATS_SUITES += tests/bats/tcpinfo.bats
BATS_SUITES += tests/bats/limits.bats
