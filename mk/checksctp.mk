# checksctp(8) (cli/checksctp.c): tells whether programs can use SCTP on
# this host, a client of sctpd's control protocol; tools.bats covers it
# and sctpstat.
# Recursive `=`: mk/cli.mk (CLIOPT_SRCS) is read after this fragment.
CLI_PROGS += checksctp
CLI_SRCS_checksctp = cli/checksctp.c $(CLIOPT_SRCS) $(CONTROL_SRCS) $(CONFIG_SRCS)
INSTALL_PROGS += checksctp
MAN8_PAGES += man/checksctp.8
BATS_SUITES += tests/bats/tools.bats
