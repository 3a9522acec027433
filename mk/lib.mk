# The engine's shared utilities.
LIB_SRCS += lib/util.c
