# esctp-peer (cli/esctp-peer.c, esctp-peer(1)): a plain SCTP/UDP peer on the
# hosting layer, and the interop suite that runs it against usrsctp.
CLI_PROGS += esctp-peer
CLI_SRCS_esctp-peer := cli/esctp-peer.c
INSTALL_PROGS += esctp-peer
BATS_SUITES += tests/bats/interop.bats
