#!/usr/bin/env bats
# Language runtimes' SCTP APIs under withsctp on this kernel, which has no
# SCTP: OpenJDK's com.sun.nio.sctp (it dlopens libsctp.so.1 and calls libc)
# and Python's socket module with IPPROTO_SCTP.  The programs are
# tests/runtimes/; each test checks what they report and the wire (tshark:
# CRC32c, nothing malformed, no ABORT, the streams and PPIDs sent).
#
# -p none (WITHSCTP_PORTS=none): the runtimes' own TCP stays TCP.
# Ports: P1 (ports_init) is the daemon's UDP port; the SCTP ports of a test
# are SP..SP+19.

load helpers

setup() {
	ports_init
	ws_init
	T=$BATS_TEST_TMPDIR
	export WITHSCTP_PORTS=none
	R="$BATS_TEST_DIRNAME/../runtimes"
	SP=$((38000 + ($$ % 40) * 100 + BATS_TEST_NUMBER * 20))
	need_built "$WITHSCTP" "$SCTPD" "$SHIM" || return 1
	need_cmds java python3 dumpcap tshark || return 1
}

teardown() {
	[ -z "${BATS_TEST_COMPLETED:-}" ] && dump_logs
	[ -z "${BATS_TEST_COMPLETED:-}" ] && [ -f "$T/sctpd.log" ] &&
		{ echo "--- sctpd.log (last lines)"; tail -25 "$T/sctpd.log"; }
	kill_all
	ws_stop
	return 0
}

# java_run NAME ARGS...: a single-file Java program of tests/runtimes/,
# bounded; output in $output.
java_run() {
	local name=$1
	shift
	run timeout 60 "$WITHSCTP" -p none java -Xshare:auto -XX:TieredStopAtLevel=1 \
		"$R/$name.java" "$@"
	echo "$output"
}

# The distinct values of a numeric tshark field over the DATA chunks, in
# decimal (tshark shows stream ids in hexadecimal).
data_fields() {
	tshark_sctp -Y 'sctp.chunk_type == 0' -T fields -e "$1" |
		tr ',' '\n' | grep . | xargs printf '%d\n' | sort -un | tr '\n' ' '
}

@test "Java SctpChannel one-to-one: streams and PPIDs, COMM_UP and SHUTDOWN notifications, a 200 KB message whole; IPv4 and IPv6" {
	capture_start 0 "$P1"
	java_run SctpOneToOne 127.0.0.1 "$SP" 200000
	[ "$status" -eq 0 ]
	echo "$output" | grep -q "server assoc-change COMM_UP streams out=5 in=5"
	echo "$output" | grep -q "client assoc-change COMM_UP streams out=5 in=5"
	echo "$output" | grep -q "client echo 'hello on stream 3' stream 3 ppid 3003"
	echo "$output" | grep -q "server got 200000 bytes stream 3 ppid 0 complete true"
	echo "$output" | grep -q "client big echo content ok"
	echo "$output" | grep -q "client assoc-change SHUTDOWN"
	echo "$output" | grep -q "server shutdown-notification"
	echo "$output" | grep -q "one-to-one done"
	java_run SctpOneToOne ::1 $((SP + 1)) 100000
	[ "$status" -eq 0 ]
	# Below half the receive buffer, no partial delivery: whole in one
	# receive, as Linux returns a reassembled message.
	echo "$output" | grep -q "client big echo 100000 bytes complete true stream 3 in 1 receive$"
	echo "$output" | grep -q "one-to-one done"
	check_capture
	# The PPIDs 2000-2003 and their echoes 3000-3003 on streams 0-3 (the
	# large message 0, its echo 1000).
	[ "$(data_fields sctp.data_payload_proto_id)" = "0 1000 2000 2001 2002 2003 3000 3001 3002 3003 " ]
	[ "$(data_fields sctp.data_sid)" = "0 1 2 3 " ]
	# The large messages crossed in fragments (B and E bits apart).
	[ "$(count_packets 'sctp.data_b_bit == 1 && sctp.data_e_bit == 0')" -ge 4 ]
	[ "$(count_packets 'sctp.chunk_type == 7')" -ge 2 ] # SHUTDOWN
}

@test "Java SctpMultiChannel one-to-many: two clients answered by association, branch() and shutdown(association); IPv4 and IPv6" {
	capture_start 0 "$P1"
	local host port=$SP
	for host in 127.0.0.1 ::1; do
		java_run SctpOneToMany "$host" "$port"
		[ "$status" -eq 0 ]
		echo "$output" | grep -q "server got 'hello from client1' stream 2 ppid 101"
		echo "$output" | grep -q "client0 got 'answer to client0' ppid 200"
		echo "$output" | grep -q "client1 got 'answer to client1' ppid 201"
		echo "$output" | grep -q "client0 got 'from the branch' stream 2"
		echo "$output" | grep -q "branch got 'to the branch' stream 1"
		echo "$output" | grep -q "server associations after branch 1"
		echo "$output" | grep -q "client1 shutdown-notification"
		echo "$output" | grep -q "client1 associations left 0"
		echo "$output" | grep -q "server assoc-change SHUTDOWN"
		echo "$output" | grep -q "one-to-many done"
		port=$((port + 1))
	done
	check_capture
	[ "$(count_packets 'sctp.chunk_type == 1')" -eq 4 ] # INIT
	[ "$(data_fields sctp.data_payload_proto_id)" = "0 100 101 200 201 " ]
}

@test "Java non-blocking SctpChannel with a Selector (accept, finishConnect, read, write) and the channel's options" {
	capture_start 0 "$P1"
	java_run SctpNio 127.0.0.1 "$SP"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q "client finishConnect true"
	echo "$output" | grep -q "nio echoed 6"
	echo "$output" | grep -q "client association out 8 in 8"
	echo "$output" | grep -q "SCTP_NODELAY true"
	echo "$output" | grep -q "SCTP_DISABLE_FRAGMENTS true"
	echo "$output" | grep -q "SCTP_PRIMARY_ADDR /127.0.0.1:$SP"
	# As on Linux without ASCONF (EPERM).
	echo "$output" | grep -q "SCTP_SET_PEER_PRIMARY_ADDR: .*Operation not permitted"
	echo "$output" | grep -q "nio done"
	java_run SctpNio ::1 $((SP + 1))
	[ "$status" -eq 0 ]
	echo "$output" | grep -q "nio echoed 6"
	check_capture
	[ "$(data_fields sctp.data_sid)" = "0 1 2 3 4 5 " ]
}

@test "Python socket IPPROTO_SCTP: SOCK_STREAM and SOCK_SEQPACKET with sendmsg/recvmsg (SCTP_SNDRCV), sendto/recvfrom, SCTP_EOF; IPv4 and IPv6" {
	capture_start 0 "$P1"
	run timeout 30 "$WITHSCTP" -p none python3 "$R/sctp_socket.py" 4 "$SP"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q "5 messages echoed on streams 1-5 with their PPID"
	echo "$output" | grep -q "102400-byte message received whole"
	echo "$output" | grep -q "server read end of file"
	echo "$output" | grep -q "answered by association id and by address"
	echo "$output" | grep -q "the other association goes on"
	echo "$output" | grep -q "python IPv4 done"
	! echo "$output" | grep -q Warning || false
	run timeout 30 "$WITHSCTP" -p none python3 "$R/sctp_socket.py" 6 $((SP + 5))
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q "python IPv6 done"
	check_capture
	[ "$(data_fields sctp.data_payload_proto_id)" = "0 1001 1002 1003 1004 1005 1006 4242 " ]
}

@test "Python recvmsg returns a 100,000-byte message whole (MSG_EOR) in one read, as Linux without partial delivery" {
	run timeout 30 "$WITHSCTP" -p none python3 "$R/bigmsg_whole.py" "$SP" 20
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q "0 of 20 messages"
}

@test "Python one-to-many: the peer's SCTP_EOF gives SCTP_SHUTDOWN_EVENT then SHUTDOWN_COMP, never ENOTCONN before it" {
	run timeout 30 "$WITHSCTP" -p none python3 "$R/seqpacket_end.py" "$SP" 30
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q "0 of 30 rounds"
}

@test "Python recvmsg at the end of a one-to-one association: (b'', [], 0, None)" {
	run timeout 30 "$WITHSCTP" -p none python3 "$R/recvmsg_eof.py" "$SP"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q "recvmsg at end of file ok"
}
