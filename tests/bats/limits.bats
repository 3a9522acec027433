#!/usr/bin/env bats
# sctpd's per-user cap on emulated sockets (sctpd(8), --max-sockets-per-user):
# through a daemon that serves every user, user nobody's sockets beyond the
# cap fail with ENFILE and one line naming the limit, accepted associations
# count against the listener's owner and are aborted past the cap, and
# root's sockets are not capped.  Each test runs its own daemon (ws_init's
# control address, UDP port P1) in the foreground, as root.

load helpers

CAP=3

setup() {
	ports_init
	ws_init
	local f
	for f in "$WITHSCTP" "$SCTPD" "$SHIM"; do
		[ -e "$f" ] || {
			echo "missing: $f (run make)" >&2
			return 1
		}
	done
	[ "$(id -u)" -eq 0 ] || {
		echo "needs root to run programs as nobody" >&2
		return 1
	}
	T=$BATS_TEST_TMPDIR
	bg sctpd 90 "$SCTPD" --foreground --control "$WITHSCTP_CONTROL" \
		--udp-port "$P1" --log-level debug --allow-all \
		--max-sockets-per-user "$CAP"
	wait_for "$T/sctpd.err" "started" 10
}

teardown() {
	[ -z "${BATS_TEST_COMPLETED:-}" ] && dump_logs
	kill_all
	ws_stop
	return 0
}

# As user nobody, with no user configuration file; followed by a command.
AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups
	env XDG_CONFIG_HOME=/nonexistent HOME=/nonexistent)

# has_lines FILE N: FILE has N lines.
has_lines() { [ "$(wc -l <"$1")" -eq "$2" ]; }

# Makes N TCP sockets (converted) and prints "ok" or the errno's name for
# each; with a file name as second argument, keeps them open until that
# file exists (30 s at most).
SOCKETS='
import errno, os, socket, sys, time
held = []
for i in range(int(sys.argv[1])):
    try:
        held.append(socket.socket())
        print("ok", flush=True)
    except OSError as e:
        print(errno.errorcode[e.errno], flush=True)
if len(sys.argv) > 2:
    end = time.monotonic() + 30
    while not os.path.exists(sys.argv[2]) and time.monotonic() < end:
        time.sleep(0.05)
'

@test "nobody's sockets past the cap fail with ENFILE and a line naming the limit; root's do not" {
	# nobody: CAP sockets, then two refused; it keeps them meanwhile.
	bg nobody 40 "${AS_NOBODY[@]}" "$WITHSCTP" --no-start python3 -c "$SOCKETS" \
		$((CAP + 2)) "$T/release"
	wait_until 10 "nobody's sockets" has_lines "$T/nobody.out" $((CAP + 2))
	cat "$T/nobody.out" "$T/nobody.err"
	[ "$(cat "$T/nobody.out")" = "ok
ok
ok
ENFILE
ENFILE" ]
	# One line per refused socket, from the library, naming the cap and
	# how to raise it.
	want="withsctp: uid 65534 holds $CAP sockets, the most sctpd (uid 0) allows a user (--max-sockets-per-user $CAP): close some, or ask the daemon's owner to raise it"
	[ "$(grep -c . "$T/nobody.err")" -eq 2 ]
	[ "$(grep -cxF -- "$want" "$T/nobody.err")" -eq 2 ]
	# The daemon logged it once.
	[ "$(grep -c "uid 65534 holds $CAP sockets, its limit" "$T/sctpd.err")" -eq 1 ]

	# Root, meanwhile: not capped.
	run timeout 20 "$WITHSCTP" --no-start python3 -c "$SOCKETS" $((CAP * 4))
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -cx ok)" -eq $((CAP * 4)) ]

	# Once nobody's sockets are closed, it may make them again.
	touch "$T/release"
	bg_wait nobody
	run timeout 20 "${AS_NOBODY[@]}" "$WITHSCTP" --no-start python3 -c '
import socket, sys, time
end = time.monotonic() + 5
while True:
    try:
        socket.socket()
        break
    except OSError:
        if time.monotonic() > end:
            raise
        time.sleep(0.05)
held = [socket.socket() for i in range(int(sys.argv[1]) - 1)]
print("again", 1 + len(held))' "$CAP"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "again $CAP" ]
}

@test "associations accepted for nobody's listener count against nobody: past the cap they are aborted and logged" {
	local port=$P2
	# nobody's server holds each connection open; its listener is one of
	# its CAP sockets.
	bg server 60 "${AS_NOBODY[@]}" "$WITHSCTP" --no-start socat \
		"TCP-LISTEN:$port,reuseaddr,fork" SYSTEM:'cat'
	ws_wait_listen "$port"
	# Root's clients: CAP - 1 are served, the next is refused (the
	# association aborted while it came up) and the line says so.
	run timeout 30 "$WITHSCTP" --no-start python3 -c '
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
held = []
for i in range(n):
    s = socket.socket()
    s.settimeout(10)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(b"ping %d\n" % i)
        print("served" if s.recv(100) else "EOF", flush=True)
    except OSError as e:
        print(type(e).__name__, flush=True)
    held.append(s)' "$port" $((CAP + 1))
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = served ]
	[ "${lines[1]}" = served ]
	[[ "${lines[2]}" =~ ^(ConnectionRefusedError|ConnectionResetError)$ ]]
	[[ "${lines[3]}" =~ ^(ConnectionRefusedError|ConnectionResetError)$ ]]
	grep "uid 65534 holds $CAP sockets, its limit" "$T/sctpd.err"
	[ "$(grep -c "port $port: cannot accept: " "$T/sctpd.err")" -eq 2 ]
}
