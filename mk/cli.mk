# The programs in cli/ (one fragment each: mk/NAME.mk) and the daemon
# (cli/sctpd/, mk/sctpd.mk) may include every library's headers.
CLI_INC := -Ilib/esctp -Ilib/host -Ilib/control -Ilib/config
$(BUILD)/cli/%.o: INC = $(CLI_INC)

# The option helper shared by checksctp and sctpstat.
CLIOPT_SRCS := cli/cliopt.c
