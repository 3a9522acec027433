#!/usr/bin/env bats
# Programs written for the SCTP socket API run unmodified under withsctp on
# this kernel, which has no SCTP (issue 11, proofs 2, 3 and 5): the
# lksctp-tools, iperf3 --sctp, socat and ncat in their SCTP modes,
# stress-ng's SCTP stressor, SIPp over SCTP, Erlang's gen_sctp; a native
# program against usrsctp's example programs both ways, and against a TCP
# program converted by withsctp both ways.  Every test checks the wire
# with tshark (CRC32c, nothing malformed).
#
# Ports: P1 (ports_init) is the daemon's UDP port, P2 usrsctp's; the SCTP
# ports of a test are SP..SP+9.

load helpers

setup() {
	ports_init
	ws_init
	T=$BATS_TEST_TMPDIR
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/asan"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$T/ubsan"
	SP=$((33000 + ($$ % 40) * 100 + BATS_TEST_NUMBER * 10))
	NS=""
	need_built "$WITHSCTP" "$SCTPD" "$SHIM" || return 1
	need_cmds sctp_test sctp_darn sctp_status iperf3 socat ncat stress-ng \
		sipp escript dumpcap tshark || return 1
}

teardown() {
	[ -z "${BATS_TEST_COMPLETED:-}" ] && dump_logs
	[ -z "${BATS_TEST_COMPLETED:-}" ] && [ -f "$T/sctpd.log" ] &&
		{ echo "--- sctpd.log (last lines)"; tail -25 "$T/sctpd.log"; }
	kill_all
	ws_stop
	if [ -n "$NS" ]; then
		local p
		for p in $(ip netns pids "$NS" 2>/dev/null); do
			kill -9 "$p" 2>/dev/null
		done
		ip netns del "$NS" 2>/dev/null
	fi
	return 0
}


# ---- lksctp-tools ----

@test "sctp_test: one-to-many and one-to-one (-T), 60,000-byte messages on five streams" {
	capture_start 0 "$P1"
	local style
	for style in "" -T; do
		bg srv$style 60 "$WITHSCTP" sctp_test -H 127.0.0.1 -P "$SP" -l $style
		ws_wait_listen "$SP"
		run timeout 60 "$WITHSCTP" sctp_test -H 127.0.0.1 -P $((SP + 1)) \
			-h 127.0.0.1 -p "$SP" -s $style -c -60000 -x 4 -M 5 -t 1
		[ "$status" -eq 0 ]
		sent=$(echo "$output" | grep -c 'sendmsg(sk=[0-9]*, assoc=[0-9]*) 60000 bytes' || true)
		wait_until 10 "the server to read every message" \
			eval '[ "$(grep -ac "Data 60000 bytes" "$T/srv$style.out")" -ge '"$sent"' ]'
		echo "style '${style:-one-to-many}': $sent messages sent, all read"
		[ "$sent" -ge 20 ]
		# Several streams were used.
		[ "$(grep -ao 'stream=[0-9]' "$T/srv$style.out" | sort -u | wc -l)" -ge 3 ]
		kill "$(cat "$T/srv$style.pid")" 2>/dev/null
		SP=$((SP + 2))
	done
	check_capture
}

@test "sctp_test: small messages (-c 1 and -c 4) arrive whole" {
	bg srv 60 "$WITHSCTP" sctp_test -H 127.0.0.1 -P "$SP" -l
	ws_wait_listen "$SP"
	local c
	for c in 1 4; do
		run timeout 60 "$WITHSCTP" sctp_test -H 127.0.0.1 -P $((SP + 1)) \
			-h 127.0.0.1 -p "$SP" -s -c $c -x 2
		[ "$status" -eq 0 ]
	done
	wait_for "$T/srv.out" "Data 32768 bytes" 10
	# -c 1: multiples of 1452 bytes; -c 4: 1 to 32768 bytes.
	grep -aq "Data 1452 bytes" "$T/srv.out"
	grep -aq "Data 1 bytes" "$T/srv.out"
	! grep -aEi "recvmsg: |sendmsg: |failed" "$T/srv.out" || false
}

@test "sctp_darn: both roles, interactive snd, heartbeat, nodelay, maxseg, primary, rcvbuf, abort; and shutdown" {
	capture_start 0 "$P1"
	bg srv 30 "$WITHSCTP" stdbuf -oL sctp_darn -H 127.0.0.1 -P "$SP" -l
	ws_wait_listen "$SP"
	(
		sleep 0.3
		echo "snd=10"
		sleep 0.3
		echo "heartbeat=127.0.0.1"
		echo "nodelay=1"
		echo "nodelay?"
		echo "maxseg=1000"
		echo "maxseg?"
		echo "primary=127.0.0.1"
		echo "rcvbuf=65536"
		echo "rcvbuf?"
		echo "snd=20"
		sleep 0.5
		echo "abort"
		sleep 0.5
	) | timeout 20 "$WITHSCTP" sctp_darn -H 127.0.0.1 -P $((SP + 1)) \
		-h 127.0.0.1 -p "$SP" -s -I >"$T/cli.out" 2>&1 || true
	cat "$T/cli.out"
	grep -q "Received SCTP_COMM_UP" "$T/cli.out"
	grep -q "nodelay is 1" "$T/cli.out"
	grep -q "maxseg is 1000" "$T/cli.out"
	grep -q "rcvbuf is 131072" "$T/cli.out"
	grep -q "Successfully ABORT" "$T/cli.out"
	! grep -qi "error" "$T/cli.out" || false
	wait_for "$T/srv.out" "COMM_LOST" 5
	grep -q "DATA(10)" "$T/srv.out"
	grep -q "DATA(20)" "$T/srv.out"
	# A graceful end the second time.
	(
		sleep 0.3
		echo "snd=5"
		sleep 0.3
		echo "shutdown"
		sleep 0.5
	) | timeout 20 "$WITHSCTP" sctp_darn -H 127.0.0.1 -P $((SP + 2)) \
		-h 127.0.0.1 -p "$SP" -s -I >"$T/cli2.out" 2>&1 || true
	grep -q "Successfully SHUTDOWN" "$T/cli2.out"
	wait_for "$T/srv.out" "SHUTDOWN_COMP" 5
	check_capture abort-ok
	# The one ABORT is the user's (cause 12), with its reason.
	[ "$(count_packets 'sctp.chunk_type == 6')" -eq 1 ]
}

@test "sctp_status: a client reports its association's status" {
	bg srv 30 "$WITHSCTP" sctp_status -H 127.0.0.1 -P "$SP" -l
	ws_wait_listen "$SP"
	run timeout 30 "$WITHSCTP" sctp_status -H 127.0.0.1 -P $((SP + 1)) \
		-h 127.0.0.1 -p "$SP" -s -c 1000 -x 1
	echo "$output" | tail -20
	[ "$status" -eq 0 ]
	echo "$output" | grep -qi "assoc"
}

# ---- iperf3, socat, ncat ----

# iperf_ok OPTS...: a 2-second iperf3 --sctp run with OPTS; the receiver
# counted bytes.
iperf_ok() {
	bg srv 30 "$WITHSCTP" iperf3 -s -1 -p "$SP"
	ws_wait_listen "$SP"
	run timeout 30 "$WITHSCTP" iperf3 -c 127.0.0.1 -p "$SP" --sctp -t 2 -J "$@"
	[ "$status" -eq 0 ]
	local bytes
	bytes=$(echo "$output" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bytes"]))')
	echo "iperf3 --sctp $*: $bytes bytes received"
	[ "$bytes" -gt 1000000 ]
	bg_wait srv
	SP=$((SP + 1))
}

@test "iperf3 --sctp: plain, -P 4, -R, --nstreams 4, -N" {
	iperf_ok
	iperf_ok -P 4
	iperf_ok -R
	# iperf3's --nstreams falls through to -b (its own bug, on a kernel
	# too): -b 0 after it restores an unlimited rate.
	iperf_ok --nstreams 4 -b 0
	iperf_ok -N
}

@test "socat SCTP4-LISTEN / SCTP4 and SCTP6-LISTEN / SCTP6" {
	capture_start 0 "$P1"
	bg srv4 20 "$WITHSCTP" socat "SCTP4-LISTEN:$SP,reuseaddr" SYSTEM:cat
	bg srv6 20 "$WITHSCTP" socat "SCTP6-LISTEN:$((SP + 1)),reuseaddr" SYSTEM:cat
	ws_wait_listen "$SP"
	ws_wait_listen $((SP + 1))
	run sh -c "(echo four; sleep 1) | timeout 10 '$WITHSCTP' socat -t 2 - SCTP4:127.0.0.1:$SP"
	[ "$output" = four ]
	run sh -c "(echo six; sleep 1) | timeout 10 '$WITHSCTP' socat -t 2 - SCTP6:[::1]:$((SP + 1))"
	[ "$output" = six ]
	check_capture
}

@test "ncat --sctp over IPv4 and IPv6" {
	bg srv4 20 sh -c "sleep 4 | '$WITHSCTP' ncat --sctp -l $SP"
	bg srv6 20 sh -c "sleep 4 | '$WITHSCTP' ncat -6 --sctp -l $((SP + 1))"
	ws_wait_listen "$SP"
	ws_wait_listen $((SP + 1))
	(echo "ncat four"; sleep 1) | timeout 10 "$WITHSCTP" ncat --sctp 127.0.0.1 "$SP"
	(echo "ncat six"; sleep 1) | timeout 10 "$WITHSCTP" ncat --sctp ::1 $((SP + 1))
	wait_for "$T/srv4.out" "ncat four" 5
	wait_for "$T/srv6.out" "ncat six" 5
}

# ---- stress-ng, SIPp, Erlang ----

@test "stress-ng --sctp 2 --sctp-ops 20000, IPv4 and IPv6" {
	local dom
	for dom in ipv4 ipv6; do
		run timeout 120 "$WITHSCTP" stress-ng --sctp 2 --sctp-ops 20000 \
			--sctp-port "$SP" --sctp-domain $dom --metrics-brief
		echo "$output" | tail -3
		[ "$status" -eq 0 ]
		! echo "$output" | grep -q "skipping stressor" || false
		echo "$output" | grep -Eq "sctp +[0-9]{5,}"
		SP=$((SP + 5))
	done
}

@test "SIPp over SCTP (-t s1): uas and uac, 20 calls" {
	cd "$T"
	bg uas 60 "$WITHSCTP" sipp -sn uas -t s1 -i 127.0.0.1 -p "$SP" -nostdin
	ws_wait_listen "$SP"
	run timeout 60 "$WITHSCTP" sipp -sn uac -t s1 -i 127.0.0.1 \
		-p $((SP + 1)) "127.0.0.1:$SP" -m 20 -r 10 -nostdin
	echo "$output" | grep -E "Successful call|Failed call"
	[ "$status" -eq 0 ]
	echo "$output" | grep -Eq "Successful call +\| +0 +\| +20"
}

@test "Erlang gen_sctp: one-to-many and one-to-one exchange messages" {
	cat >"$T/sctp.escript" <<'EOF'
#!/usr/bin/env escript
%%! -noshell
main([CType, PortS]) ->
    Port = list_to_integer(PortS),
    Type = list_to_atom(CType),
    {ok, S} = gen_sctp:open(Port, [{ip, {127,0,0,1}}, {active, false}]),
    ok = gen_sctp:listen(S, true),
    {ok, C} = gen_sctp:open(0, [{ip, {127,0,0,1}}, {type, Type}, {active, false}]),
    {ok, A} = gen_sctp:connect(C, {127,0,0,1}, Port, [{sctp_initmsg, {sctp_initmsg, 5, 5, 0, 0}}]),
    ok = gen_sctp:send(C, A, 2, <<"ping">>),
    {Stream, Data, SA} = recv_data(S),
    io:format("server got ~p on stream ~p~n", [Data, Stream]),
    ok = gen_sctp:send(S, SA, 1, <<"pong">>),
    {Stream2, Data2, _} = recv_data(C),
    io:format("client got ~p on stream ~p~n", [Data2, Stream2]),
    ok = gen_sctp:close(C), ok = gen_sctp:close(S).

recv_data(S) ->
    case gen_sctp:recv(S, 5000) of
        {ok, {_, _, [{sctp_sndrcvinfo, Stream, _, _, _, _, _, _, _, Assoc}], Data}}
          when is_binary(Data) -> {Stream, Data, Assoc};
        {ok, {_, _, _, Data}} when is_binary(Data) -> {none, Data, 0};
        {ok, {_, _, _, _Event}} -> recv_data(S);
        Err -> erlang:error(Err)
    end.
EOF
	run timeout 60 "$WITHSCTP" escript "$T/sctp.escript" seqpacket "$SP"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q 'server got <<"ping">> on stream 2'
	echo "$output" | grep -q 'client got <<"pong">> on stream 1'
	run timeout 60 "$WITHSCTP" escript "$T/sctp.escript" stream $((SP + 1))
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q 'server got <<"ping">> on stream 2'
	echo "$output" | grep -q 'client got <<"pong">>'
}

# ---- interop ----

@test "usrsctp client talks to a native server (socat SCTP-LISTEN) under withsctp" {
	capture_start 0 "$P1" "$P2"
	bg echo 30 "$WITHSCTP" socat "SCTP4-LISTEN:$SP,reuseaddr" SYSTEM:cat
	ws_wait_listen "$SP"
	seq 1 20 | sed 's/^/line /' >"$T/input"
	(
		while read -r l; do
			echo "$l"
			sleep 0.02
		done <"$T/input"
		sleep 1
	) | timeout 30 "$USRSCTP_DIR/client" 127.0.0.1 "$SP" 0 "$P2" "$P1" \
		>"$T/client.out" 2>&1
	grep -a '^line ' "$T/client.out" >"$T/echoed" || true
	diff "$T/input" "$T/echoed"
	check_capture
	[ "$(count_packets "udp.srcport == $P2 && sctp.chunk_type == 1")" -ge 1 ]
}

@test "a native client talks to usrsctp's echo_server on another host (two namespaces)" {
	NS="wsn$$"
	ip netns add "$NS"
	ip link add "v$$a" type veth peer name "v$$b"
	ip link set "v$$b" netns "$NS"
	ip addr add 10.99.0.1/24 dev "v$$a"
	ip link set "v$$a" up
	ip -n "$NS" addr add 10.99.0.2/24 dev "v$$b"
	ip -n "$NS" link set "v$$b" up
	ip -n "$NS" link set lo up
	# usrsctp's echo_server (SCTP port 7, one-to-many) on the other host,
	# on the daemon's UDP port: each side sends to its own port number.
	bg usr 30 ip netns exec "$NS" "$USRSCTP_DIR/echo_server" "$P1" "$P1"
	wait_until 5 "echo_server's UDP port" \
		eval "ip netns exec $NS ss -Hlun 'sport = :$P1' | grep -q ."
	run timeout 20 "$WITHSCTP" "$BUILD/tests/native/chatclient" 7 \
		"hello usrsctp" 0 1 10 10.99.0.2
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "hello usrsctp" ]
	ip link del "v$$a" 2>/dev/null || true
}

@test "a native program and a converted TCP program talk both ways" {
	capture_start 0 "$P1"
	# Native server (the seed echo_server, port 2013) <- converted client.
	bg echo 20 "$WITHSCTP" "$BUILD/tests/seeds/echo_server"
	ws_wait_listen 2013
	run sh -c "(echo tcp-to-native; sleep 1) | timeout 10 '$WITHSCTP' socat -t 2 - TCP:127.0.0.1:2013"
	echo "$output"
	[ "$output" = tcp-to-native ]
	# Converted TCP server <- native client (chatclient: one message,
	# then what comes back).
	bg cat 20 "$WITHSCTP" socat "TCP-LISTEN:$SP,reuseaddr" SYSTEM:cat
	ws_wait_listen "$SP"
	run timeout 10 "$WITHSCTP" "$BUILD/tests/native/chatclient" "$SP" \
		native-to-tcp 0 1 5
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = native-to-tcp ]
	check_capture
}
