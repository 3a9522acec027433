#!/usr/bin/env bats
# Native SCTP sockets (issue 11): the seed programs of the project's
# articles (tests/seeds, built unmodified with cc -w ... -lsctp) run under
# withsctp on this kernel, which has no SCTP, and every packet they make
# decodes cleanly.
#
# The seeds use fixed SCTP ports (2013, 29008); P1 (ports_init) is the
# daemon's UDP port.

load helpers

SEEDS="$BUILD/tests/seeds"
NATIVE="$BUILD/tests/native"

setup() {
	ports_init
	ws_init
	T=$BATS_TEST_TMPDIR
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/asan"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$T/ubsan"
	local f
	for f in "$WITHSCTP" "$SCTPD" "$SHIM" "$SEEDS/echo_server" \
		"$NATIVE/bigmsg"; do
		[ -e "$f" ] || {
			echo "missing: $f (run make)" >&2
			return 1
		}
	done
}

# daemon_idle: once the programs are done, this test's sctpd uses next to
# no CPU (a busy loop once went unnoticed: every test passed while the
# daemon spun at 80 % CPU after its associations ended).
daemon_idle() {
	local pid t0 t1
	pid=$(ws_daemon_pid)
	[ -n "$pid" ] || return 0
	t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	sleep 1
	t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	echo "sctpd CPU over 1 s: $((t1 - t0)) ticks"
	[ $((t1 - t0)) -le 10 ]
}

teardown() {
	[ -z "${BATS_TEST_COMPLETED:-}" ] && dump_logs
	[ -z "${BATS_TEST_COMPLETED:-}" ] && [ -f "$T/sctpd.log" ] &&
		{ echo "--- sctpd.log (last lines)"; tail -25 "$T/sctpd.log"; }
	kill_all
	ws_stop
}

@test "seed echo_server and echo_client (one-to-one) exchange hello" {
	capture_start 0 "$P1"
	bg server 20 "$WITHSCTP" "$SEEDS/echo_server"
	ws_wait_listen 2013
	run timeout 10 "$WITHSCTP" "$SEEDS/echo_client" 127.0.0.1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "hello" ]
	wait_for "$T/server.out" "hello" 5
	check_capture
	daemon_idle
}

@test "seed sctpserver and sctpclient: Message #1/#2/#3 on streams 0, 1, 2" {
	capture_start 0 "$P1"
	bg server 20 "$WITHSCTP" "$SEEDS/sctpserver"
	ws_wait_listen 29008
	run timeout 10 "$WITHSCTP" "$SEEDS/sctpclient" 127.0.0.1
	echo "$output"
	[ "$status" -eq 0 ]
	# "Received following data on stream N", a blank line, the message.
	[ "$(echo "$output" | awk '/on stream/ {s = $NF} /^Message #/ {print s, $2}' | tr '\n' ' ')" = "0 #1 1 #2 2 #3 " ]
	check_capture
	# Three streams each way, as both asked (SCTP_INITMSG).
	[ "$(tshark_sctp -Y 'sctp.chunk_type == 1' -T fields -e sctp.init_nr_out_streams)" = 3 ]
	[ "$(tshark_sctp -Y 'sctp.data_sid == 2' | wc -l)" -ge 1 ]
	daemon_idle
}

@test "seed chat_server (one-to-many, SCTP_SENDALL) relays every line to three clients" {
	capture_start 0 "$P1"
	bg server 30 "$WITHSCTP" "$SEEDS/chat_server"
	ws_wait_listen 2013
	# Each client sends its line once all three are connected (after
	# 1.5 s), then expects the three lines.
	bg c1 20 "$WITHSCTP" "$NATIVE/chatclient" 2013 alpha 1500 3 15
	bg c2 20 "$WITHSCTP" "$NATIVE/chatclient" 2013 bravo 1500 3 15
	bg c3 20 "$WITHSCTP" "$NATIVE/chatclient" 2013 charlie 1500 3 15
	local c
	for c in c1 c2 c3; do
		bg_status $c
		cat "$T/$c.out"
		[ "$status" -eq 0 ]
		[ "$(sort "$T/$c.out" | tr '\n' ' ')" = "alpha bravo charlie " ]
	done
	check_capture
	daemon_idle
}

@test "seed read_sctp_msg reads a 300,000-byte message whole in an 8 KiB receive buffer" {
	local style
	for style in one many; do
		bg server$style 30 "$WITHSCTP" "$NATIVE/bigmsg" server "$P2" \
			"$([ $style = many ] && echo many)"
		wait_for "$T/server$style.out" listening 10
		run timeout 20 "$WITHSCTP" "$NATIVE/bigmsg" client "$P2" 300000
		echo "$output"
		[ "$status" -eq 0 ]
		bg_status server$style
		cat "$T/server$style.out"
		[ "$status" -eq 0 ]
		local sent got
		sent=$(echo "$output" | sed -n 's/^sent \(.*\)$/\1/p')
		got=$(sed -n 's/^got \(.*\)$/\1/p' "$T/server$style.out")
		[ -n "$sent" ]
		[ "$sent" = "$got" ]
		# The seed reads piece by piece until MSG_EOR.
		[ "$(grep -c Trimming "$T/server$style.out")" -eq 1 ]
	done
	daemon_idle
}

@test "SCTP_FRAGMENT_INTERLEAVE: 0 holds other associations behind a partly delivered message (until it is aborted), 1 lets them through" {
	# interleave.c: esctp-peer (its own engine and UDP port) sends a
	# 4 MB message and is stopped after its first piece was read; a
	# second association sends a short message meanwhile.
	local level port
	for level in 0 1 2; do
		port=$((P2 + level))
		run timeout 40 "$WITHSCTP" "$NATIVE/interleave" $level $port \
			"$P1" "$PEER"
		echo "level $level: $output"
		[ "$status" -eq 0 ]
		if [ $level -eq 0 ]; then
			echo "$output" | grep -qx "second: waits"
			echo "$output" | grep -qx "second after the abort: read"
		else
			echo "$output" | grep -qx "second: interleaved"
		fi
		echo "$output" | grep -q "no end"
	done
}

@test "two forked processes reading one one-to-many socket each get whole messages, none twice or lost" {
	# Kamailio's SCTP receivers share one socket this way.  Buffers
	# below, at and above the channel's piece size (64 KiB).
	local b i=0
	for b in 1000 65535 65536; do
		run timeout 60 "$WITHSCTP" "$NATIVE/forkread" $((P2 + i)) 2000 $b
		echo "$output"
		[ "$status" -eq 0 ]
		echo "$output" | grep -q "2000 sent, 2000 reads, 0 lost, 0 duplicated, 0 cut"
		i=$((i + 1))
	done
	daemon_idle
}

@test "two forked processes sending 150 KB messages on one one-to-many socket: each arrives whole, unmixed" {
	run timeout 60 "$WITHSCTP" "$NATIVE/forkwrite" "$P2" 30 150000
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q "60 sent, 60 whole, 0 mixed or cut"
	daemon_idle
}

@test "a program that outlives its sctpd: after a restart its new sockets work, and a send to an aborted association still fails at once" {
	bg prog 60 "$WITHSCTP" python3 "$BATS_TEST_DIRNAME/../native/restart.py" \
		"$P2" "$T/go"
	wait_for "$T/prog.out" restart 20
	ws_stop
	# withsctp starts a new daemon when none answers.
	run timeout 10 "$WITHSCTP" true
	[ "$status" -eq 0 ]
	touch "$T/go"
	bg_status prog
	cat "$T/prog.out" "$T/prog.err"
	[ "$status" -eq 0 ]
	[ "$(grep -c "received hi sent 3" "$T/prog.out")" -eq 2 ]
	[ "$(grep -c "after the abort: Broken pipe" "$T/prog.out")" -eq 2 ]
}

@test "engine = kernel leaves a program's own SCTP sockets to the kernel (which has none here)" {
	# With the embedded engine the seed client connects (a server is
	# needed for that); with -e kernel the kernel's socket() answers, as
	# on a kernel with SCTP, here: "Protocol not supported".
	run timeout 10 "$WITHSCTP" -e kernel "$SEEDS/echo_client" 127.0.0.1
	echo "$output"
	[ "$status" -ne 0 ]
	echo "$output" | grep -q "Protocol not supported"
	run timeout 10 "$WITHSCTP" -e embedded "$SEEDS/echo_client" 127.0.0.1
	echo "$output"
	echo "$output" | grep -q "Connection refused"
}
