# The programs in cli/ (one fragment each: mk/NAME.mk) and the daemon
# (cli/sctpd/, mk/sctpd.mk) may include every library's headers.
$(BUILD)/cli/%.o: INC = -Ilib/esctp -Ilib/host
