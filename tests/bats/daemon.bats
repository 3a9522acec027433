#!/usr/bin/env bats
# sctpd and the withsctp launcher as processes: start on demand (also by
# two launchers at once), graceful SIGTERM, idle exit, the launcher's exit
# statuses, LD_PRELOAD handling and error messages.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	ports_init
	ws_init
	command -v socat >/dev/null || skip_missing socat
}

skip_missing() {
	echo "missing: $1 (run make deps)" >&2
	return 1
}

teardown() {
	[ -z "${BATS_TEST_COMPLETED:-}" ] && dump_logs && cat "$WITHSCTP_LOG_FILE" 2>/dev/null | tail -20
	kill_all
	ws_stop
}

@test "withsctp starts sctpd once, even when two launchers race" {
	[ -z "$(ws_daemon_pid)" ]
	bg a 20 "$WITHSCTP" socat -T 5 TCP-LISTEN:$P2,reuseaddr SYSTEM:'echo one'
	bg b 20 "$WITHSCTP" socat -T 5 TCP-LISTEN:$P3,reuseaddr SYSTEM:'echo two'
	ws_wait_listen $P2
	ws_wait_listen $P3
	[ "$(pgrep -fc -- "--control $WITHSCTP_CONTROL ")" -eq 1 ]
	run timeout 10 "$WITHSCTP" socat -T 5 - TCP:127.0.0.1:$P2
	[ "$output" = one ]
	run timeout 10 "$WITHSCTP" socat -T 5 - TCP:127.0.0.1:$P3
	[ "$output" = two ]
}

@test "SIGTERM shuts associations down gracefully: the peer reads EOF, SHUTDOWN on the wire, no ABORT" {
	capture_start 0 "$P1"
	bg srv 30 "$WITHSCTP" socat -T 20 TCP-LISTEN:$P2,reuseaddr SYSTEM:'echo hi; sleep 20'
	ws_wait_listen $P2
	bg cli 30 "$WITHSCTP" socat -T 20 - TCP:127.0.0.1:$P2
	wait_for "$BATS_TEST_TMPDIR/cli.out" hi 10
	pid=$(ws_daemon_pid)
	kill -TERM "$pid"
	# Bounded: the daemon exits within its 5 s grace, the client at EOF.
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 80 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! kill -0 "$pid" 2>/dev/null || false
	# (bg_wait outside `run`: the client is this shell's child)
	st=0
	bg_wait cli || st=$?
	echo "client exit $st"
	[ "$st" -ne 124 ] # ended by EOF, not by its timeout
	check_capture
	[ "$(count_packets 'sctp.chunk_type == 7')" -ge 1 ] # SHUTDOWN
	grep -q 'signal 15' "$WITHSCTP_LOG_FILE"
}

@test "sctpd exits by itself after its idle time" {
	"$SCTPD" --control "$WITHSCTP_CONTROL" -u "$P1" -i 1 -L "$WITHSCTP_LOG_FILE"
	pid=$(ws_daemon_pid)
	[ -n "$pid" ]
	# A socket keeps it alive; its close starts the idle time.
	run timeout 10 "$WITHSCTP" --no-start python3 -c 'import socket, time; s = socket.socket(); time.sleep(1.5); print("held")'
	[ "$output" = held ]
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! kill -0 "$pid" 2>/dev/null || false
	grep -q 'idle for 1 s: exiting' "$WITHSCTP_LOG_FILE"
}

@test "sctpd refuses a second daemon on the same control address, naming the cause" {
	"$SCTPD" --control "$WITHSCTP_CONTROL" -u "$P1" -L "$WITHSCTP_LOG_FILE"
	run "$SCTPD" -c "$WITHSCTP_CONTROL" -u "$P2" -f
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"control address $WITHSCTP_CONTROL is in use: another sctpd"* ]]
	run "$SCTPD" -c "@other-$$" -u "$P1" -f
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"UDP port $P1"* ]]
}

@test "withsctp: exit statuses, --help, --print-config origins" {
	run "$WITHSCTP" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"usage: withsctp"* ]]
	run "$WITHSCTP"
	[ "$status" -eq 125 ]
	run -127 "$WITHSCTP" /nonexistent/program
	echo "$output"
	[ "$status" -eq 127 ]
	[[ "$output" == *"/nonexistent/program"* ]]
	echo data >"$BATS_TEST_TMPDIR/not-executable"
	chmod 644 "$BATS_TEST_TMPDIR/not-executable"
	run -126 "$WITHSCTP" "$BATS_TEST_TMPDIR/not-executable"
	run "$WITHSCTP" -p 13,80 --print-config telnet
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ports = 13, 80"* ]]
	[[ "$output" == *"option ports"* ]]
	[[ "$output" == *"WITHSCTP_UDP_PORT"* ]]
	run "$WITHSCTP" -e kernel true
	echo "$output"
	[ "$status" -eq 125 ]
	[[ "$output" == *"no SCTP"*"engine = embedded"* ]]
	run "$WITHSCTP" -o bogus=1 true
	[ "$status" -eq 125 ]
	[[ "$output" == *"bogus"* ]]
}

@test "withsctp appends to LD_PRELOAD and its options reach the program's children" {
	# A library already preloaded stays, first.
	libm=$(ldd /usr/bin/python3 | awk '/libm.so/ {print $3}')
	# (an ASan build of withsctp itself wants its runtime first)
	run env ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD="$libm" "$WITHSCTP" -p 7000-7010 sh -c 'echo "$LD_PRELOAD"; echo "$WITHSCTP_PORTS"'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$libm:$(realpath "$SHIM")" ]
	[ "${lines[1]}" = 7000-7010 ]
}

@test "a program preloaded by hand with no daemon gets a clear error, no hang" {
	run timeout 10 env LD_PRELOAD="$SHIM" socat -T 2 - TCP:127.0.0.1:$P2
	echo "$output"
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ]
	[[ "$output" == *"cannot reach sctpd at $WITHSCTP_CONTROL"*"withsctp"* ]]
}

@test "IPv6: a TCP6 server and client under withsctp talk over ::1, and sctpstat shows it" {
	bg srv 20 "$WITHSCTP" socat -T 5 TCP6-LISTEN:$P2,reuseaddr SYSTEM:'echo v6; cat'
	ws_wait_listen $P2
	bg cli 20 sh -c "(echo ping; sleep 2) | '$WITHSCTP' socat -T 5 - TCP6:[::1]:$P2"
	wait_for "$BATS_TEST_TMPDIR/cli.out" ping 10
	run "$BUILD/bin/sctpstat"
	echo "$output"
	[[ "$output" == *"ESTAB"*"[::1]:$P2"* ]]
	bg_wait cli
	[ "$(cat "$BATS_TEST_TMPDIR/cli.out")" = "$(printf 'v6\nping')" ]
}
