#!/usr/bin/env bats
# Converted sockets keep TCP's semantics (issue 9): binding and routing,
# closing (SHUTDOWN COMPLETE at once, ABORT where TCP sends RST), a restarted
# peer, a dying daemon and a program that exits while it connects.
# tests/shim/tcpcheck is a plain TCP program that prints what it observes;
# each test runs it on the kernel's TCP and under withsctp and compares, or
# checks the wire with tshark.
#
# Ports: P1 (ports_init) is the daemons' UDP port.  The TCP and SCTP ports
# are TP..TP+15, below the ephemeral range (32768) and above ports_init's
# range, 16 per test (tcpcheck binds takes 16).  Cross-host tests run two
# network namespaces joined by a veth pair, each with its own sctpd (the
# control socket is abstract, so one per namespace under the same name).

load helpers

TCPCHECK="$BUILD/tests/shim/tcpcheck"

# Wireshark dissects SCTP payloads by port, and some of its protocols have
# ports in the ephemeral range the daemon picks client ports from (NGAP
# 38412, F1AP 38472...): a one-byte echo from such a port would be called
# a malformed NGAP message.  Only SCTP is checked here, so those
# dissectors are off (helpers.bash's tshark_sctp passes options on).
setup_file() {
	EPHEMERAL_SCTP_DISSECTORS=$(tshark -G decodes 2>/dev/null |
		awk -F'\t' '$1 == "sctp.port" && $2 >= 32768 && $2 <= 60999 {
			print $3 }' | sort -u | tr '\n' ' ')
	export EPHEMERAL_SCTP_DISSECTORS
}

eval "helpers_$(declare -f tshark_sctp)"
tshark_sctp() {
	local off=() p
	for p in $EPHEMERAL_SCTP_DISSECTORS; do
		off+=(--disable-protocol "$p")
	done
	helpers_tshark_sctp "${off[@]}" "$@"
}

setup() {
	ports_init
	ws_init
	T=$BATS_TEST_TMPDIR
	# SANITIZE=1: the reports of every sanitized program (the daemons
	# too, daemonized or not) in files that teardown reads.
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/asan"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$T/ubsan"
	TP=$((28200 + ($$ % 20) * 200 + (BATS_TEST_NUMBER - 1) * 16))
	NSA="" NSB=""
	local f
	for f in "$WITHSCTP" "$SCTPD" "$SHIM" "$TCPCHECK"; do
		[ -e "$f" ] || {
			echo "missing: $f (run make)" >&2
			return 1
		}
	done
	for f in dumpcap tshark nft ss socat; do
		command -v "$f" >/dev/null || {
			echo "missing: $f (run make deps)" >&2
			return 1
		}
	done
}

teardown() {
	if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		dump_logs
		[ -f "$T/sctpd.log" ] &&
			{ echo "--- sctpd.log (last lines)"; tail -25 "$T/sctpd.log"; }
	fi
	kill_all
	ws_stop
	if [ -n "$NSA" ]; then
		ip netns exec "$NSA" nft delete table inet "$NFT_TABLE" 2>/dev/null
		ip netns del "$NSA" 2>/dev/null
		ip netns del "$NSB" 2>/dev/null
	fi
	# A sanitizer's report fails the test, even after its checks passed.
	if ls "$T"/asan.* "$T"/ubsan.* >/dev/null 2>&1; then
		head -60 "$T"/asan.* "$T"/ubsan.* 2>/dev/null
		return 1
	fi
	return 0
}

# ---- two hosts ----

# ns_pair: namespaces NSA and NSB joined by a veth pair (wsa in A, wsb in
# B): A is ADDR_A (IPv4) and ADDR6_A, B is ADDR_B and ADDR6_B; lo is up in
# both (127.0.0.1 and ::1).  A does not forward.
ns_pair() {
	local x=$((($$ + BATS_TEST_NUMBER) % 250))
	NSA="wstcp-$$-$BATS_TEST_NUMBER-a" NSB="wstcp-$$-$BATS_TEST_NUMBER-b"
	NFT_TABLE="wstcp$$"
	ADDR_A=10.77.$x.1 ADDR_B=10.77.$x.2
	ADDR6_A=fd77:$x::1 ADDR6_B=fd77:$x::2
	ip netns add "$NSA"
	ip netns add "$NSB"
	ip -n "$NSA" link set lo up
	ip -n "$NSB" link set lo up
	ip link add wsa netns "$NSA" type veth peer name wsb netns "$NSB"
	ip -n "$NSA" addr add "$ADDR_A/24" dev wsa
	ip -n "$NSB" addr add "$ADDR_B/24" dev wsb
	# nodad: usable at once, no duplicate address detection to wait for.
	ip -n "$NSA" addr add "$ADDR6_A/64" dev wsa nodad
	ip -n "$NSB" addr add "$ADDR6_B/64" dev wsb nodad
	ip -n "$NSA" link set wsa up
	ip -n "$NSB" link set wsb up
	ip netns exec "$NSA" sysctl -qw net.ipv4.ip_forward=0
	# The namespaces' daemons are the test's own (ns_daemon): withsctp
	# must not start one of its own there, which would outlive the test.
	export WITHSCTP_DAEMON=/bin/false
}

# ns_daemon NAME NS [OPTIONS...]: an sctpd in namespace NS, in the
# foreground (its log in NAME.err), on this test's control name and P1.
ns_daemon() {
	local name=$1 ns=$2
	shift 2
	bg "$name" 120 ip netns exec "$ns" "$SCTPD" --foreground \
		--control "$WITHSCTP_CONTROL" --udp-port "$P1" \
		--log-level debug "$@"
	wait_for "$T/$name.err" "started" 10
}

# child_of NAME: the process `bg NAME` started under timeout (ip netns exec
# and withsctp exec the program, so it is timeout's only child).
child_of() {
	pgrep -P "$(cat "$T/$1.pid")" | head -1
}

# ns_capture_start NS IFACE: dumpcap in NS on IFACE for UDP port P1, read
# back with tshark_sctp (helpers.bash).
ns_capture_start() {
	CAPTURE_PORTS=$P1
	CAPTURE="$T/capture.pcapng"
	timeout 300 ip netns exec "$1" dumpcap -q -i "$2" -f "udp port $P1" \
		-w "$CAPTURE" 2>"$T/dumpcap.err" &
	CAPTURE_PID=$!
	echo $CAPTURE_PID >>"$T/all.pids"
	wait_for "$T/dumpcap.err" "Capturing on" 10
}

# gone PID: the process has ended (a zombie not yet waited for counts).
gone() {
	case $(ps -o stat= -p "$1") in
	"" | Z*) return 0 ;;
	esac
	return 1
}

# in_ns NS CMD...: sctpstat and friends in NS, bounded.
in_ns() {
	local ns=$1
	shift
	timeout 10 ip netns exec "$ns" "$@"
}

# ns_wait_listen NS ADDRESS:PORT: until NS's sctpd has that listener.
ns_wait_listen() {
	local ns=$1 addr=$2
	wait_until 5 "an SCTP listener on $addr in $ns" \
		eval 'in_ns "$ns" "$BUILD/bin/sctpstat" -l | grep -qF " $addr "'
}

# no_assoc NS: the namespace's sctpd lists no socket at all.
no_assoc() {
	[ "$(in_ns "$1" "$BUILD/bin/sctpstat" -a | wc -l)" -eq 1 ]
}

# ---- chunk counts ----

# chunk_counts: "TYPE COUNT" per SCTP chunk type in the capture (every
# chunk of every packet, not packets).
chunk_counts() {
	tshark_sctp -T fields -e sctp.chunk_type | tr ',' '\n' |
		grep . | sort -n | uniq -c | awk '{ print $2, $1 }'
}

# chunks TYPE: how many chunks of that type chunk_counts found.
chunks() {
	awk -v t="$1" '$1 == t { n = $2 } END { print n + 0 }' "$T/chunks"
}

# ---- binding ----

@test "bind sharing (addresses, SO_REUSEADDR, SO_REUSEPORT, IPV6_V6ONLY): as on TCP" {
	"$TCPCHECK" binds "$TP" >"$T/tcp.out"
	cat "$T/tcp.out"
	# A kernel TCP listener on 127.0.0.1:TP during the withsctp run: a
	# socket left on TCP would meet it (EADDRINUSE), a converted one,
	# on SCTP ports, does not.
	bg holder 60 socat "TCP-LISTEN:$TP,bind=127.0.0.1" PIPE
	wait_tcp_listen "$TP"
	timeout 60 "$WITHSCTP" "$TCPCHECK" binds "$TP" >"$T/sctp.out"
	diff -u "$T/tcp.out" "$T/sctp.out"
	[ "$(wc -l <"$T/tcp.out")" -eq 18 ]
}

@test "which listener takes a connection, and the addresses both ends show: as on TCP" {
	"$TCPCHECK" route "$TP" >"$T/tcp.out"
	cat "$T/tcp.out"
	bg holder 60 socat "TCP-LISTEN:$TP,bind=127.0.0.1" PIPE
	wait_tcp_listen "$TP"
	timeout 60 "$WITHSCTP" "$TCPCHECK" route "$TP" >"$T/sctp.out"
	diff -u "$T/tcp.out" "$T/sctp.out"
	grep -q 'association 127.0.0.1:.* accepted' "$WITHSCTP_LOG_FILE"
}

@test "an IPv4 listener is not reached through ::1: ECONNREFUSED, as on TCP" {
	bg tcp-server 60 socat "TCP4-LISTEN:$TP,bind=127.0.0.1,reuseaddr" PIPE
	bg server 60 "$WITHSCTP" socat "TCP4-LISTEN:$((TP + 1)),bind=127.0.0.1,reuseaddr" PIPE
	wait_tcp_listen "$TP"
	ws_wait_listen "$((TP + 1))"
	run timeout 10 socat -u /dev/null "TCP6:[::1]:$TP"
	echo "TCP: $output"
	[ "$status" -ne 0 ]
	echo "$output" | grep -q 'Connection refused'
	run timeout 10 "$WITHSCTP" socat -u /dev/null "TCP6:[::1]:$((TP + 1))"
	echo "withsctp: $output"
	[ "$status" -ne 0 ]
	echo "$output" | grep -q 'Connection refused'
	# Over 127.0.0.1 it is reached.
	run timeout 10 "$WITHSCTP" socat -u /dev/null "TCP4:127.0.0.1:$((TP + 1))"
	[ "$status" -eq 0 ]
}

@test "two hosts: a server bound to 127.0.0.1 is refused from the other (ABORT, ECONNREFUSED), one bound to the external address is reached and advertises only it" {
	ns_pair
	ns_daemon sctpd-a "$NSA"
	ns_daemon sctpd-b "$NSB"
	ns_capture_start "$NSA" wsa
	# The reference: kernel TCP in A, bound to 127.0.0.1, from B.
	bg tcp-local 60 ip netns exec "$NSA" socat \
		"TCP-LISTEN:$((TP + 2)),bind=127.0.0.1,reuseaddr,fork" PIPE
	bg local 60 ip netns exec "$NSA" "$WITHSCTP" socat \
		"TCP-LISTEN:$TP,bind=127.0.0.1,reuseaddr,fork" PIPE
	bg external 60 ip netns exec "$NSA" "$WITHSCTP" socat \
		"TCP-LISTEN:$((TP + 1)),bind=$ADDR_A,reuseaddr,fork" PIPE
	# All three listen before anyone connects: a refusal must not come
	# from a server not up yet.
	wait_until 5 "the TCP listener in A" \
		eval 'in_ns "$NSA" ss -Hltn "sport = :$((TP + 2))" | grep -q .'
	ns_wait_listen "$NSA" "127.0.0.1:$TP"
	ns_wait_listen "$NSA" "$ADDR_A:$((TP + 1))"
	in_ns "$NSA" "$BUILD/bin/sctpstat" -l

	run in_ns "$NSB" "$TCPCHECK" send-from "$((TP + 3))" "$ADDR_A" "$((TP + 2))" x
	echo "TCP, bound to 127.0.0.1, from B: $output"
	[ "$output" = "error: connect: ECONNREFUSED" ]
	run in_ns "$NSB" "$WITHSCTP" "$TCPCHECK" send-from "$((TP + 3))" \
		"$ADDR_A" "$TP" x
	echo "withsctp, bound to 127.0.0.1, from B: $output"
	[ "$output" = "error: connect: ECONNREFUSED" ]
	# In A, over loopback, the same server is reached.
	run bash -c "echo local | timeout 10 ip netns exec '$NSA' '$WITHSCTP' \
		socat -t 5 - TCP:127.0.0.1:$TP"
	[ "$output" = local ]
	# The server bound to A's external address is reached from B.
	run bash -c "echo external | timeout 10 ip netns exec '$NSB' \
		'$WITHSCTP' socat -t 5 - TCP:$ADDR_A:$((TP + 1))"
	[ "$output" = external ]
	check_capture abort-ok

	# The refusal is an ABORT from A (to the INIT B sent to TP).
	local aborts
	aborts=$(count_packets "ip.src == $ADDR_A && sctp.chunk_type == 6 && sctp.srcport == $TP")
	echo "ABORT from A's port $TP: $aborts"
	[ "$aborts" -eq 1 ]
	# One INIT ACK (the external server's), advertising A's external
	# address and nothing else: no loopback, nothing it did not bind.
	[ "$(count_packets 'sctp.chunk_type == 2')" -eq 1 ]
	tshark_sctp -Y 'sctp.chunk_type == 2' -T fields \
		-e sctp.parameter_ipv4_address -e sctp.parameter_ipv6_address \
		>"$T/initack.addrs"
	echo "INIT ACK addresses: $(cat "$T/initack.addrs")"
	[ "$(tr -s '\t,' '\n\n' <"$T/initack.addrs" | grep . | sort -u)" = "$ADDR_A" ]
}

@test "two hosts: a wildcard server with local_addresses that include loopback advertises no loopback address off loopback" {
	ns_pair
	ns_daemon sctpd-a "$NSA"
	ns_daemon sctpd-b "$NSB"
	ns_capture_start "$NSA" wsa
	bg server 60 ip netns exec "$NSA" \
		env WITHSCTP_LOCAL_ADDRESSES="127.0.0.1 ::1 $ADDR_A $ADDR6_A" \
		"$WITHSCTP" socat "TCP6-LISTEN:$TP,reuseaddr,fork" PIPE
	ns_wait_listen "$NSA" "[::]:$TP"
	# From B over IPv4 and over IPv6.
	run bash -c "echo v4 | timeout 10 ip netns exec '$NSB' '$WITHSCTP' \
		socat -t 5 - TCP:$ADDR_A:$TP"
	[ "$output" = v4 ]
	run bash -c "echo v6 | timeout 10 ip netns exec '$NSB' '$WITHSCTP' \
		socat -t 5 - TCP6:[$ADDR6_A]:$TP"
	[ "$output" = v6 ]
	# Over loopback in A, loopback addresses may be advertised.
	run bash -c "echo lo | timeout 10 ip netns exec '$NSA' '$WITHSCTP' \
		socat -t 5 - TCP:127.0.0.1:$TP"
	[ "$output" = lo ]
	check_capture
	[ "$(count_packets 'sctp.chunk_type == 2')" -eq 2 ]
	tshark_sctp -Y 'sctp.chunk_type == 2' -T fields \
		-e sctp.parameter_ipv4_address -e sctp.parameter_ipv6_address \
		>"$T/initack.addrs"
	cat "$T/initack.addrs"
	tr -s '\t,' '\n\n' <"$T/initack.addrs" | grep . | sort -u >"$T/advertised"
	# (Bats ignores the status of a negated command: test the output.)
	[ -z "$(grep -E '^(127\.|::1$)' "$T/advertised")" ]
	grep -qx "$ADDR_A" "$T/advertised"
	grep -qx "$ADDR6_A" "$T/advertised"
}

# ---- closing ----

@test "1,000 connect/echo/close cycles: one INIT, COOKIE ECHO, SHUTDOWN, SHUTDOWN ACK and SHUTDOWN COMPLETE (T=0) each, no retransmission, no cycle over 100 ms" {
	local n=1000
	capture_start 0 "$P1"
	run timeout 120 "$WITHSCTP" "$TCPCHECK" cycles "$TP" "$n"
	echo "$output"
	echo "# withsctp $output" >&3
	"$TCPCHECK" cycles "$((TP + 1))" "$n" | sed 's/^/# kernel TCP /' >&3
	[ "$status" -eq 0 ]
	echo "$output" | grep -q ", 0 over 100 ms$"
	check_capture
	grep -E 'Packets (received|captured)|dropped' "$T/dumpcap.err" || true
	chunk_counts >"$T/chunks"
	cat "$T/chunks"
	# INIT 1, INIT ACK 2, COOKIE ECHO 10, COOKIE ACK 11, SHUTDOWN 7,
	# SHUTDOWN ACK 8, SHUTDOWN COMPLETE 14: once per cycle each; DATA 0
	# twice (the byte and its echo); no ABORT (6).
	local t
	for t in 1 2 10 11 7 8 14; do
		[ "$(chunks $t)" -eq "$n" ] || {
			echo "chunk type $t: $(chunks $t), not $n" >&2
			return 1
		}
	done
	[ "$(chunks 0)" -eq $((2 * n)) ]
	[ "$(chunks 6)" -eq 0 ]
	# RFC 9260 §9.2: the SHUTDOWN COMPLETE answers a SHUTDOWN ACK of an
	# association the sender has, so its T bit is clear.
	[ "$(count_packets 'sctp.shutdown_complete_t_bit == 0')" -eq "$n" ]
}

# reset_like_tcp MODE: tcpcheck reset MODE says the same on TCP and under
# withsctp, the withsctp run sent exactly one ABORT, and 30 more runs say
# the same.
reset_like_tcp() {
	"$TCPCHECK" reset "$TP" "$1" >"$T/tcp.out"
	cat "$T/tcp.out"
	grep -qx "read after the peer's close: ECONNRESET, at once" "$T/tcp.out"
	capture_start 0 "$P1"
	timeout 30 "$WITHSCTP" "$TCPCHECK" reset "$TP" "$1" >"$T/sctp.out"
	diff -u "$T/tcp.out" "$T/sctp.out"
	check_capture abort-ok
	[ "$(count_packets 'sctp.chunk_type == 6')" -eq 1 ]
	# Nothing closed gracefully instead.
	[ "$(count_packets 'sctp.chunk_type == 7')" -eq 0 ]
	# Every time: the daemon once shut the program's end (EOF) just
	# before the close that makes the next read ECONNRESET, and a fast
	# reader read EOF about once in 10 runs.
	local i
	for i in $(seq 30); do
		timeout 30 "$WITHSCTP" "$TCPCHECK" reset "$TP" "$1" >"$T/sctp.out"
		diff -u "$T/tcp.out" "$T/sctp.out" || {
			echo "run $i of 30 differs" >&2
			return 1
		}
	done
}

@test "SO_LINGER {1, 0} then close: ABORT, the peer reads ECONNRESET and writes EPIPE at once, as on TCP" {
	reset_like_tcp linger0
}

@test "close with unread data: ABORT, the peer reads ECONNRESET and writes EPIPE at once, as on TCP" {
	reset_like_tcp unread
}

# ---- restart, daemon death, exit while connecting ----

@test "restart: a client host's daemon killed, a new client from the same port: the old connection reads ECONNRESET, the new one is accepted" {
	ns_pair
	ns_daemon sctpd-a "$NSA"
	ns_daemon sctpd-b "$NSB"
	ns_capture_start "$NSA" wsa
	local lport=$((TP + 1))
	bg server 90 ip netns exec "$NSA" "$WITHSCTP" "$TCPCHECK" \
		restart-server "$TP"
	wait_for "$T/server.out" listening 10
	bg client1 90 ip netns exec "$NSB" "$WITHSCTP" "$TCPCHECK" \
		send-from "$lport" "$ADDR_A" "$TP" msg1
	wait_for "$T/client1.out" sent 10
	wait_for "$T/server.out" "first connection: msg1" 10
	# A's (delayed) SACK is in: nothing of the first association is on
	# its way to B, whose next daemon would answer it with an ABORT (out
	# of the blue, RFC 9260 §8.4) and spare A the restart.
	wait_until 5 "A's SACK of msg1" eval 'in_ns "$NSB" "$BUILD/bin/sctpstat" -e |
		grep -q "bytes_out:4 .*flight:0 "'
	# B loses its state: its daemon and the client die at once.
	kill -9 "$(child_of sctpd-b)" "$(child_of client1)"
	wait_until 5 "B's first daemon to go" gone "$(cat "$T/sctpd-b.pid")"
	ns_daemon sctpd-b2 "$NSB"
	bg client2 90 ip netns exec "$NSB" "$WITHSCTP" "$TCPCHECK" \
		send-from "$lport" "$ADDR_A" "$TP" msg2
	wait_for "$T/client2.out" sent 10
	bg_status server
	cat "$T/server.out"
	[ "$status" -eq 0 ]
	diff -u - "$T/server.out" <<-EOF
		listening
		first connection: msg1
		first connection then: ECONNRESET
		second connection: msg2
	EOF
	# A restart (RFC 9260 §5.2.4): the second INIT came from the same
	# port to the same association, and nothing aborted the first one.
	capture_stop
	tshark_sctp -T fields -e frame.time_relative -e ip.src -e sctp.srcport \
		-e sctp.chunk_type -e sctp.verification_tag -e sctp.initiate_tag
	check_capture
	[ "$(count_packets "sctp.chunk_type == 1 && sctp.srcport == $lport")" -eq 2 ]
	[ "$(count_packets 'sctp.chunk_type == 10')" -eq 2 ]
	grep -q "peer $ADDR_B:$lport restarted: connection reset" "$T/sctpd-a.err"
}

@test "the daemon dies under an established connection: the reader gets ECONNRESET, not EOF" {
	bg server 60 "$WITHSCTP" "$TCPCHECK" serve-once "$TP"
	wait_for "$T/server.out" listening 10
	bg client 60 "$WITHSCTP" "$TCPCHECK" send-from "$((TP + 1))" \
		127.0.0.1 "$TP" hello
	wait_for "$T/client.out" sent 10
	# The 5 bytes reached the server's association.
	wait_until 5 "the server's association to receive 5 bytes" \
		eval '"$BUILD/bin/sctpstat" -e | grep -q "bytes_in:5 "'
	local pid
	pid=$(ws_daemon_pid)
	[ -n "$pid" ]
	kill -9 "$pid"
	bg_status server
	cat "$T/server.out"
	[ "$status" -eq 0 ]
	grep -qx 'end: ECONNRESET after 5 bytes' "$T/server.out"
}

@test "a program that exits while its INIT goes unanswered: the association goes at once and the daemon idles out" {
	ns_pair
	# B reaches 192.0.2.0/24 through A, which does not forward: the
	# INITs are lost.
	ip -n "$NSB" route add 192.0.2.0/24 via "$ADDR_A"
	ns_daemon sctpd-b "$NSB" --idle 2
	run in_ns "$NSB" "$WITHSCTP" "$TCPCHECK" connect-exit 192.0.2.1 "$TP" 300
	echo "$output"
	[ "$output" = connecting ]
	# Without the fix the INIT would be retried for a minute.
	wait_until 1 "B's sctpd to list no association" no_assoc "$NSB"
	local pid
	pid=$(cat "$T/sctpd-b.pid")
	wait_until 6 "B's sctpd (--idle 2) to exit" gone "$pid"
	grep -q 'idle for 2 s: exiting' "$T/sctpd-b.err"
}

@test "a program that exits after the INIT ACK came but before the handshake ended: ABORT" {
	ns_pair
	ns_daemon sctpd-a "$NSA"
	ns_daemon sctpd-b "$NSB"
	# A drops every COOKIE ECHO: the first chunk's type is the first
	# byte after the UDP header (8 bytes) and SCTP's common header (12):
	# transport header bit 160.
	ip netns exec "$NSA" nft add table inet "$NFT_TABLE"
	ip netns exec "$NSA" nft add chain inet "$NFT_TABLE" in \
		'{ type filter hook input priority 0; }'
	ip netns exec "$NSA" nft add rule inet "$NFT_TABLE" in \
		udp dport "$P1" @th,160,8 10 counter drop
	bg server 60 ip netns exec "$NSA" "$WITHSCTP" "$TCPCHECK" serve-once "$TP"
	wait_for "$T/server.out" listening 10
	ns_capture_start "$NSB" wsb
	run in_ns "$NSB" "$WITHSCTP" "$TCPCHECK" connect-exit "$ADDR_A" "$TP" 500
	echo "$output"
	[ "$output" = connecting ]
	wait_until 2 "B's sctpd to list no association" no_assoc "$NSB"
	check_capture abort-ok
	tshark_sctp -T fields -e frame.time_relative -e ip.src -e sctp.chunk_type
	ip netns exec "$NSA" nft list table inet "$NFT_TABLE" | grep counter
	# The COOKIE ECHO was sent and dropped, then B aborted.
	ip netns exec "$NSA" nft list table inet "$NFT_TABLE" |
		grep -Eq 'counter packets [1-9]'
	[ "$(count_packets 'sctp.chunk_type == 2')" -eq 1 ]
	[ "$(count_packets "ip.src == $ADDR_B && sctp.chunk_type == 6")" -eq 1 ]
	# The ABORT came after the COOKIE ECHO.
	tshark_sctp -T fields -e sctp.chunk_type | tr ',' '\n' | grep -E '^(10|6)$' |
		tail -1 | grep -qx 6
}
