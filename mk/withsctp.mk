# The launcher withsctp (withsctp(1)); it finds sctpd beside itself and the
# shim in ../lib, as laid out in build/ and by make install.
CLI_PROGS += withsctp
CLI_SRCS_withsctp = cli/withsctp.c $(CONTROL_SRCS) $(CONFIG_SRCS)
INSTALL_PROGS += withsctp
BATS_SUITES += tests/bats/daemon.bats
BATS_SUITES += tests/bats/withsctp.bats
