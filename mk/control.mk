# The control protocol between the shim, the daemon and the tools
# (lib/control/wsproto.h); libc only.  Linked into its users through
# $(CONTROL_SRCS).
CONTROL_SRCS := lib/control/wsproto.c
$(BUILD)/lib/control/%.o: INC =
