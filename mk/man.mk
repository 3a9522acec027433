# Manual pages: installed by make install into $(PREFIX)/share/man/man{1,3}.
MAN1_PAGES += man/esctp-peer.1
MAN3_PAGES += man/libesctp.3
