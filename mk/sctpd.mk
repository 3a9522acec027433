# The daemon sctpd (cli/sctpd*.c): hosts the engine for every converted
# socket of a network namespace (DESIGN.md §2, §3).
CLI_PROGS += sctpd
CLI_SRCS_sctpd := cli/sctpd.c cli/sctpd_ctl.c cli/sctpd_sock.c cli/sctpd_port.c \
	cli/sctpd_chan.c cli/sctpd_tcpinfo.c cli/sctpd_log.c cli/sctpd_limit.c \
	cli/sctpd_addr.c \
	$(CONTROL_SRCS)
INSTALL_PROGS += sctpd
MAN8_PAGES += man/sctpd.8

# The address conversions of the shim and the daemon, tested without a
# preload or a daemon.
UNIT_TESTS += tests/unit/test_wsaddr.c
$(BUILD)/tests/unit/test_wsaddr.o $(BUILD)/shim/addr.o: INC = $(CLI_INC)
$(BUILD)/tests/test_wsaddr: $(BUILD)/shim/addr.o $(BUILD)/cli/sctpd_addr.o

# TCP_INFO and TCP_MAXSEG of converted sockets from the association's
# status, tested without a daemon.
UNIT_TESTS += tests/unit/test_tcpinfo.c
$(BUILD)/tests/unit/test_tcpinfo.o: INC = $(CLI_INC)
$(BUILD)/tests/test_tcpinfo: $(BUILD)/cli/sctpd_tcpinfo.o
BATS_SUITES += tests/bats/tcpinfo.bats
BATS_SUITES += tests/bats/limits.bats
