# Manual pages: installed by make install into $(PREFIX)/share/man/manN.
MAN1_PAGES += man/esctp-peer.1
MAN3_PAGES += man/libesctp.3
# The SCTP socket API of native sockets (issue 11).
MAN7_PAGES += man/withsctp-sctp.7
