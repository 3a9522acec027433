#!/bin/sh
# STYLE.md rule 1: the engine does no I/O, reads no clock, starts no thread,
# never exits and never touches errno.  Fails when an object of the engine
# references such a symbol.
lib="$1"
bad='^(socket|bind|connect|send|sendto|sendmsg|recv|recvfrom|recvmsg|read|write|open|close|poll|select|epoll_.*|clock_gettime|gettimeofday|time|pthread_.*|exit|_exit|abort|__errno_location|rand|random|srand|printf|fprintf|puts|fopen|getenv)$'
syms=$(nm -u "$lib" 2>/dev/null | awk '{print $2}' | sed 's/@.*//' | sort -u)
found=$(printf '%s\n' "$syms" | grep -E "$bad" || true)
if [ -n "$found" ]; then
	echo "purity: the engine references forbidden symbols:" $found >&2
	exit 1
fi
echo "purity: libesctp references no I/O, clock, thread, exit or errno symbol"
