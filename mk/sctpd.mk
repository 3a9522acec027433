# The daemon sctpd (cli/sctpd*.c): hosts the engine for every converted
# socket of a network namespace (DESIGN.md §2, §3).
CLI_PROGS += sctpd
CLI_SRCS_sctpd := cli/sctpd.c cli/sctpd_ctl.c cli/sctpd_sock.c cli/sctpd_chan.c \
	cli/wsproto.c
INSTALL_PROGS += sctpd
MAN8_PAGES += man/sctpd.8
