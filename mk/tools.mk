# The diagnostic tools checksctp(8) and sctpstat(8) (cli/checksctp.c,
# cli/sctpstat.c): clients of sctpd's control protocol (wsproto.h).
CLI_PROGS += checksctp sctpstat
CLI_SRCS_checksctp := cli/checksctp.c cli/cliopt.c $(CONTROL_SRCS) $(CONFIG_SRCS)
CLI_SRCS_sctpstat := cli/sctpstat.c cli/cliopt.c $(CONTROL_SRCS) $(CONFIG_SRCS)
INSTALL_PROGS += checksctp sctpstat
MAN8_PAGES += man/checksctp.8 man/sctpstat.8
BATS_SUITES += tests/bats/tools.bats
