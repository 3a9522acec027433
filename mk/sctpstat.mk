# sctpstat(8) (cli/sctpstat.c): lists a daemon's sockets and associations;
# a client of sctpd's control protocol.
CLI_PROGS += sctpstat
CLI_SRCS_sctpstat := cli/sctpstat.c $(CLIOPT_SRCS) $(CONTROL_SRCS) $(CONFIG_SRCS)
INSTALL_PROGS += sctpstat
MAN8_PAGES += man/sctpstat.8
