#!/usr/bin/env bats
# End to end: unmodified TCP programs (xinetd, telnet, socat, ncat, curl,
# python3's http.server) run under withsctp, so their TCP sockets become SCTP
# associations carried by a private sctpd (helpers.bash: ws_init) over UDP
# port $P1 (RFC 6951).  Real programs on both ends; traffic captured on lo and
# checked by tshark where the wire is the point.
#
# Ports: P1 is the daemon's UDP port.  The TCP/SCTP service ports of a test
# are P1..P4 and P1+4, P1+5 (ports_init keeps 6 numbers per test), so
# parallel runs and other tests do not collide.
#
# Readiness of an emulated listener: nothing shows in ss(8), so
# tests/e2e/wait_connect.py (run under withsctp) connects until one is
# accepted; used only for servers that survive an empty connection (fork
# servers, xinetd, http.server).  Single-shot servers are reached with socat's
# retry= option instead.
#
# usrsctp programs (see interop.bats):
#   client ADDR PORT LOCAL_PORT LOCAL_UDP REMOTE_UDP   stdin lines out, echo to stdout
#   tsctp [-E local_udp] [-U remote_udp] [-l len] [-n count] [ADDR]   SCTP port 5001
# Our daemon sends to the peer's UDP port it learned from received packets,
# so the usrsctp end is the client, with REMOTE_UDP = $P1.

load helpers

E2E="$BATS_TEST_DIRNAME/../e2e"

setup() {
	ports_init
	local t
	for t in "$WITHSCTP" "$SCTPD" "$SHIM"; do
		[ -e "$t" ] || missing "$t (run make)"
	done
	for t in xinetd telnet socat ncat curl python3 dumpcap tshark ss; do
		command -v "$t" >/dev/null || missing "$t (run make deps)"
	done
	[ -x "$USRSCTP_DIR/tsctp" ] || missing "libusrsctp-examples (run make deps)"
	ws_init
	T=$BATS_TEST_TMPDIR
	# tshark stops dissecting (and calls the packet malformed) past 500
	# protocol layers; a packet bundling hundreds of small DATA chunks (as
	# xinetd's chargen makes) has one "data" layer per chunk.  ws_init
	# pointed XDG_CONFIG_HOME at this test's directory.
	mkdir -p "$XDG_CONFIG_HOME/wireshark"
	echo 'gui.max_tree_depth: 5000' >"$XDG_CONFIG_HOME/wireshark/preferences"
}

# Missing tools are a failure, not a skip: `make check` installs them.
missing() {
	echo "missing: $1" >&2
	return 1
}

teardown() {
	[ -z "${BATS_TEST_COMPLETED:-}" ] && dump_logs
	[ -z "${BATS_TEST_COMPLETED:-}" ] && [ -f "$T/sctpd.log" ] &&
		{ echo "--- sctpd.log (last lines)"; tail -25 "$T/sctpd.log"; }
	tcp_capture_stop
	kill_all
	ws_stop
	# A shared temporary directory a test made for another user.
	[ -z "${SHARED_TMP:-}" ] || rm -rf "$SHARED_TMP"
}

# ws_wait_accept PORT [WITHSCTP OPTIONS]: until an emulated listener on PORT
# accepts a connection (bounded: 10 s).
ws_wait_accept() {
	local port=$1
	shift
	timeout 15 "$WITHSCTP" "$@" python3 "$E2E/wait_connect.py" "$port" 10
}

# tcp_capture_start PORT...: a second dumpcap on lo, for TCP on those ports.
tcp_capture_start() {
	local filter="" p
	for p in "$@"; do
		filter="${filter:+$filter or }tcp port $p"
	done
	TCP_CAPTURE="$T/tcp.pcapng"
	timeout 300 dumpcap -q -i lo -s 128 -f "$filter" -w "$TCP_CAPTURE" \
		2>"$T/dumpcap-tcp.err" &
	TCP_CAPTURE_PID=$!
	echo $TCP_CAPTURE_PID >>"$T/all.pids"
	wait_for "$T/dumpcap-tcp.err" "Capturing on" 10
}

tcp_capture_stop() {
	[ -n "${TCP_CAPTURE_PID:-}" ] || return 0
	sleep 0.3
	kill -INT "$TCP_CAPTURE_PID" 2>/dev/null
	wait "$TCP_CAPTURE_PID" 2>/dev/null
	TCP_CAPTURE_PID=""
}

# tcp_count [FILTER]: TCP segments in the TCP capture (matching FILTER).
tcp_count() {
	timeout 60 tshark -n -r "$TCP_CAPTURE" ${1:+-Y "$1"} 2>/dev/null | wc -l
}

# ended_within NAME SECONDS: the background command NAME has ended by then.
ended_within() {
	local pid i=0 n=$(($2 * 10))
	pid=$(cat "$T/$1.pid")
	while kill -0 "$pid" 2>/dev/null && [ $i -lt $n ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "$1 still runs after $2 s" >&2
		return 1
	fi
	echo "$1 ended after $((i / 10)).$((i % 10)) s (bound $2 s)"
}

# file_reaches FILE BYTES [SECONDS]: until FILE has at least BYTES.
file_reaches() {
	local i=0 n=$((${3:-10} * 10)) size
	while [ $i -lt $n ]; do
		size=$(stat -c %s "$1" 2>/dev/null || echo 0)
		[ "$size" -ge "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "$1 has $size bytes, not $2, after ${3:-10} s" >&2
	return 1
}

# xinetd_service NAME TYPE PORT USER [EXTRA LINE...]
xinetd_service() {
	local name=$1 type=$2 port=$3 user=$4 line
	shift 4
	printf 'service %s\n{\n' "$name"
	printf '\ttype = %s\n' "$type"
	case $type in
	*INTERNAL*) printf '\tid = %s-stream\n' "$name" ;;
	*) printf '\tid = %s\n' "$name" ;;
	esac
	printf '\tsocket_type = stream\n\tprotocol = tcp\n\tport = %s\n' "$port"
	printf '\twait = no\n\tuser = %s\n\tbind = 127.0.0.1\n' "$user"
	for line in "$@"; do
		printf '\t%s\n' "$line"
	done
	printf '}\n'
}

@test "xinetd: daytime, echo, chargen, discard and an external service over SCTP to telnet, socat and ncat" {
	local daytime=$P1 echo=$P2 chargen=$P3 discard=$P4 upper=$((P1 + 4))
	{
		printf 'defaults\n{\n\tinstances = 50\n}\n'
		xinetd_service daytime "INTERNAL UNLISTED" "$daytime" root
		xinetd_service echo "INTERNAL UNLISTED" "$echo" root
		xinetd_service chargen "INTERNAL UNLISTED" "$chargen" root
		xinetd_service discard "INTERNAL UNLISTED" "$discard" root
		xinetd_service upper UNLISTED "$upper" nobody \
			"server = /usr/bin/tr" "server_args = a-z A-Z"
	} >"$T/xinetd.conf"
	# The reference: chargen over plain TCP, from xinetd without withsctp.
	local plain=$((P1 + 5))
	{
		printf 'defaults\n{\n\tinstances = 5\n}\n'
		xinetd_service chargen "INTERNAL UNLISTED" "$plain" root
	} >"$T/xinetd-tcp.conf"
	bg xinetd 60 "$WITHSCTP" xinetd -dontfork -f "$T/xinetd.conf" \
		-pidfile "$T/xinetd.pidfile"
	bg xinetd-tcp 60 xinetd -dontfork -f "$T/xinetd-tcp.conf" \
		-pidfile "$T/xinetd-tcp.pidfile"
	ws_wait_accept "$daytime"
	wait_tcp_listen "$plain"
	capture_start 0 "$P1"
	tcp_capture_start "$daytime" "$echo" "$chargen" "$discard" "$upper"

	# daytime with telnet: "25 NOV 2026 12:08:49 UTC"
	(sleep 1) | timeout 10 "$WITHSCTP" telnet 127.0.0.1 "$daytime" \
		>"$T/telnet.out" 2>"$T/telnet.err" || true
	cat "$T/telnet.out"
	tr -d '\r' <"$T/telnet.out" |
		grep -Eq "^[0-9]{1,2} [A-Z]{3} $(date +%Y) [0-9]{2}:[0-9]{2}:[0-9]{2} [A-Z]+$"
	grep -q 'Connection closed by foreign host' "$T/telnet.out" "$T/telnet.err"

	# echo with socat: 256 KiB of random bytes come back identical.
	head -c 256K /dev/urandom >"$T/echo.in"
	timeout 20 "$WITHSCTP" socat -t 10 - "TCP:127.0.0.1:$echo" \
		<"$T/echo.in" >"$T/echo.out"
	cmp "$T/echo.in" "$T/echo.out"

	# chargen with ncat: the same bytes as xinetd's chargen gives over
	# plain TCP (its output is the same for every connection): lines of 72
	# characters, each one the previous one rotated by one.
	timeout 10 "$WITHSCTP" ncat --recv-only 127.0.0.1 "$chargen" \
		2>"$T/ncat-chargen.err" | head -n 300 >"$T/chargen.out" || true
	timeout 10 ncat --recv-only 127.0.0.1 "$plain" 2>/dev/null |
		head -n 300 >"$T/chargen.tcp" || true
	[ "$(wc -l <"$T/chargen.tcp")" -eq 300 ]
	grep -Eqx $'[!-}]{72}\r' "$T/chargen.tcp"
	cmp "$T/chargen.tcp" "$T/chargen.out"

	# discard with ncat: 1 MiB accepted, ncat ends cleanly.
	head -c 1M /dev/urandom |
		timeout 20 "$WITHSCTP" ncat --send-only 127.0.0.1 "$discard"

	# The external service (tr run by xinetd as nobody, the socket as its
	# stdin and stdout), with socat and with ncat.
	run timeout 10 "$WITHSCTP" socat -t 5 - "TCP:127.0.0.1:$upper" \
		<<<"hello over sctp"
	echo "socat: $output"
	[ "$status" -eq 0 ]
	[ "$output" = "HELLO OVER SCTP" ]
	run timeout 10 "$WITHSCTP" ncat 127.0.0.1 "$upper" <<<"ncat was here"
	echo "ncat: $output"
	[ "$status" -eq 0 ]
	[ "$output" = "NCAT WAS HERE" ]

	# The wire: SCTP in UDP on $P1, an INIT to every service, no TCP.
	check_capture abort-ok # ncat's chargen reader quits with unread data
	local p
	for p in "$daytime" "$echo" "$chargen" "$discard" "$upper"; do
		n=$(count_packets "sctp.dstport == $p && sctp.chunk_type == 1")
		echo "INITs to SCTP port $p: $n"
		[ "$n" -ge 1 ]
		n=$(count_packets "sctp.srcport == $p && sctp.chunk_type == 0")
		echo "DATA from SCTP port $p: $n"
		[ "$p" = "$discard" ] || [ "$n" -ge 1 ]
	done
	n=$(count_packets "sctp.dstport == $discard && sctp.chunk_type == 0")
	echo "DATA to discard: $n"
	[ "$n" -ge 1 ]
	tcp_capture_stop
	n=$(tcp_count)
	echo "TCP segments on the service ports: $n"
	[ "$n" -eq 0 ]
}

@test "sctpd goes idle and exits after xinetd daytime connections end" {
	local daytime=$P1
	# Our own daemon, as withsctp would start it but with --idle 2.
	"$SCTPD" --control "$WITHSCTP_CONTROL" --udp-port "$P1" --idle 2 \
		--log-level debug --log "$WITHSCTP_LOG_FILE"
	pid=$(ws_daemon_pid)
	[ -n "$pid" ]
	xinetd_service daytime "INTERNAL UNLISTED" "$daytime" root >"$T/xinetd.conf"
	bg xinetd 30 "$WITHSCTP" xinetd -dontfork -f "$T/xinetd.conf" \
		-pidfile "$T/xinetd.pidfile"
	ws_wait_accept "$daytime"
	# The server writes and closes; the client only reads to end of file.
	run timeout 10 "$WITHSCTP" socat -u "TCP:127.0.0.1:$daytime" -
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9]{1,2}\ [A-Z]{3}\ [0-9]{4}\  ]]
	kill "$(cat "$T/xinetd.pid")"
	ended_within xinetd 5
	# No socket and no client left: sctpd(8) --idle 2 exits 2 s later.
	local i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 60 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "sctpd still runs 6 s after its last program ended:"
		ls -l "/proc/$pid/fd" | grep socket
		kill "$pid"
		sleep 0.5
		grep 'shutting' "$WITHSCTP_LOG_FILE"
		return 1
	fi
}

@test "http.server and curl move 100 MB each way with matching SHA-256" {
	local down=$P1 up=$P2
	mkdir -p "$T/www" "$T/uploads"
	head -c 100M /dev/urandom >"$T/www/file"
	want=$(sha256sum <"$T/www/file" | cut -d' ' -f1)
	bg http 150 "$WITHSCTP" python3 -m http.server "$down" --bind 127.0.0.1 \
		--directory "$T/www"
	bg upload 150 "$WITHSCTP" python3 "$E2E/upload_server.py" "$up" "$T/uploads"
	ws_wait_accept "$down"
	ws_wait_accept "$up"
	capture_start 160 "$P1"

	timeout 120 "$WITHSCTP" curl -sS --fail -o "$T/got" \
		"http://127.0.0.1:$down/file"
	got=$(sha256sum <"$T/got" | cut -d' ' -f1)
	echo "download: want $want got $got"
	[ "$got" = "$want" ]

	run timeout 120 "$WITHSCTP" curl -sS --fail -T "$T/www/file" \
		"http://127.0.0.1:$up/file"
	echo "upload: $output"
	[ "$status" -eq 0 ]
	[ "$output" = "sha256=$want bytes=104857600" ]
	[ "$(sha256sum <"$T/uploads/file" | cut -d' ' -f1)" = "$want" ]

	check_capture
	n=$(count_packets "sctp.chunk_type == 0")
	echo "packets with DATA: $n"
	[ "$n" -ge 1600 ] # 200 MB in packets of at most 64 KiB
}

@test "half-close: socat and ncat send, shut down writing, and still get the whole reply" {
	local port=$P1
	# Replies only after reading end of file.  -t 10: socat would stop the
	# reply 0.5 s after the client's end of file otherwise.
	bg server 60 "$WITHSCTP" socat -t 10 "TCP-LISTEN:$port,reuseaddr,fork" \
		SYSTEM:'sha256sum; sleep 0.5; echo done'
	ws_wait_accept "$port"
	capture_start 0 "$P1"
	head -c 1M /dev/urandom >"$T/in"
	want="$(sha256sum <"$T/in")"

	# socat half-closes when its stdin ends, then waits up to 10 s.
	timeout 20 "$WITHSCTP" socat -t 10 - "TCP:127.0.0.1:$port" \
		<"$T/in" >"$T/socat.reply"
	cat "$T/socat.reply"
	[ "$(cat "$T/socat.reply")" = "$want
done" ]

	# ncat shuts its write side down on EOF of stdin and keeps reading.
	timeout 20 "$WITHSCTP" ncat 127.0.0.1 "$port" \
		<"$T/in" >"$T/ncat.reply"
	cat "$T/ncat.reply"
	[ "$(cat "$T/ncat.reply")" = "$want
done" ]

	# A client that half-closes with nothing sent still gets the reply.
	run timeout 20 "$WITHSCTP" socat -t 10 - "TCP:127.0.0.1:$port" </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "$(sha256sum </dev/null)
done" ]
	check_capture
}

@test "usrsctp client and tsctp talk to socat servers under withsctp" {
	local port=$((P1 + 4))
	bg echo 60 "$WITHSCTP" socat "TCP-LISTEN:$port,reuseaddr,fork" SYSTEM:cat
	bg sink 60 "$WITHSCTP" socat -u TCP-LISTEN:5001,reuseaddr,fork \
		"OPEN:$T/sink.data,creat,append"
	ws_wait_accept "$port"
	ws_wait_accept 5001
	capture_start 0 "$P1" "$P2"

	# Lines paced and stdin held open a moment: the client sends SCTP
	# SHUTDOWN at EOF, after which SCTP delivers no more echoes.
	seq 1 40 | sed 's/^/line /' >"$T/input"
	(
		while read -r l; do
			echo "$l"
			sleep 0.02
		done <"$T/input"
		sleep 1
	) | timeout 30 "$USRSCTP_DIR/client" 127.0.0.1 "$port" 0 "$P2" "$P1" \
		>"$T/client.out" 2>&1
	grep -a '^line ' "$T/client.out" >"$T/echoed" || true
	diff "$T/input" "$T/echoed"

	# Only stdout: Debian's tsctp logs from usrsctp's threads on stderr.
	timeout 30 "$USRSCTP_DIR/tsctp" -E "$P2" -U "$P1" -l 1000 -n 1000 \
		127.0.0.1 2>"$T/tsctp.err" >"$T/tsctp.out"
	grep -q 'Sending of 1000 messages of length 1000' "$T/tsctp.out"
	file_reaches "$T/sink.data" 1000000 10
	[ "$(stat -c %s "$T/sink.data")" -eq 1000000 ]

	check_capture
	# Both associations with usrsctp (not only our own probes) on the wire.
	n=$(count_packets "udp.srcport == $P2 && sctp.chunk_type == 1 && sctp.dstport == $port")
	[ "$n" -ge 1 ]
	n=$(count_packets "udp.srcport == $P2 && sctp.chunk_type == 0 && sctp.dstport == 5001")
	echo "DATA from tsctp: $n"
	[ "$n" -ge 1 ]
}

@test "port rules: under withsctp -p A, port A is SCTP and port B stays TCP" {
	local a=$P3 b=$P4
	bg srva 60 "$WITHSCTP" -p "$a" socat "TCP-LISTEN:$a,reuseaddr,fork" \
		SYSTEM:'echo via-A'
	bg srvb 60 socat "TCP-LISTEN:$b,reuseaddr,fork" SYSTEM:'echo via-B'
	wait_tcp_listen "$b"
	ws_wait_accept "$a" -p "$a"
	# The SCTP server has no TCP listener.
	[ -z "$(ss -Hltn "sport = :$a")" ]
	capture_start 0 "$P1"
	tcp_capture_start "$a" "$b"

	# One program, both connections, the port rule from -p ...
	run timeout 20 "$WITHSCTP" -p "$a" python3 -c '
import socket, sys
for port in map(int, sys.argv[1:]):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    data = b""
    while True:
        d = s.recv(100)
        if not d:
            break
        data += d
    print(port, data.decode().strip())
    s.close()' "$a" "$b"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$a via-A
$b via-B" ]
	# ... and from WITHSCTP_PORTS, with socat.
	run timeout 10 env WITHSCTP_PORTS="$a" "$WITHSCTP" socat -u \
		"TCP:127.0.0.1:$a" -
	[ "$output" = "via-A" ]
	run timeout 10 env WITHSCTP_PORTS="$a" "$WITHSCTP" socat -u \
		"TCP:127.0.0.1:$b" -
	[ "$output" = "via-B" ]

	check_capture
	n=$(count_packets "sctp.dstport == $a && sctp.chunk_type == 1")
	echo "SCTP INITs to A: $n"
	[ "$n" -ge 2 ]
	n=$(count_packets "sctp.dstport == $b || sctp.srcport == $b")
	echo "SCTP packets on B: $n"
	[ "$n" -eq 0 ]
	tcp_capture_stop
	n=$(tcp_count "tcp.port == $b && tcp.flags.syn == 1 && tcp.flags.ack == 0")
	echo "TCP SYNs to B: $n"
	[ "$n" -eq 2 ]
	n=$(tcp_count "tcp.port == $a")
	echo "TCP segments on A: $n"
	[ "$n" -eq 0 ]
}

@test "port rules: exclusions ('all,!B', '!C', '!B, !C') keep B and C plain TCP while A is converted" {
	local a=$P3 b=$P4 c=$((P1 + 4))
	# Three socat servers, each under one form of exclusion.
	bg srva 60 "$WITHSCTP" -p "!$b, !$c" socat \
		"TCP-LISTEN:$a,reuseaddr,fork" SYSTEM:'echo via-A'
	bg srvb 60 "$WITHSCTP" -p "all,!$b" socat \
		"TCP-LISTEN:$b,reuseaddr,fork" SYSTEM:'echo via-B'
	bg srvc 60 env WITHSCTP_PORTS="!$c" "$WITHSCTP" socat \
		"TCP-LISTEN:$c,reuseaddr,fork" SYSTEM:'echo via-C'
	# The excluded ports are kernel TCP listeners ...
	wait_tcp_listen "$b"
	wait_tcp_listen "$c"
	ss -Hltn "sport = :$b or sport = :$c"
	# ... the other one an SCTP listener of the daemon, and no TCP.
	ws_wait_listen "$a"
	[ -z "$(ss -Hltn "sport = :$a")" ]
	run "$BUILD/bin/sctpstat" -l
	echo "$output"
	[[ "$output" == *":$a "* ]]
	[[ "$output" != *":$b "* ]]
	[[ "$output" != *":$c "* ]]
	capture_start 0 "$P1"
	tcp_capture_start "$a" "$b" "$c"

	# One client program under 'all,!B': A over SCTP, B over TCP.
	run timeout 20 "$WITHSCTP" -p "all,!$b" python3 -c '
import socket, sys
for port in map(int, sys.argv[1:]):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    data = b""
    while True:
        d = s.recv(100)
        if not d:
            break
        data += d
    print(port, data.decode().strip())
    s.close()' "$a" "$b"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$a via-A
$b via-B" ]
	# socat under '!B, !C' reaches C over TCP; a plain client reaches B.
	run timeout 10 "$WITHSCTP" -p "!$b, !$c" socat -u "TCP:127.0.0.1:$c" -
	[ "$output" = "via-C" ]
	run timeout 10 socat -u "TCP:127.0.0.1:$b" -
	[ "$output" = "via-B" ]

	check_capture
	n=$(count_packets "sctp.dstport == $a && sctp.chunk_type == 1")
	echo "SCTP INITs to A: $n"
	[ "$n" -ge 1 ]
	n=$(count_packets "sctp.dstport == $b || sctp.srcport == $b || sctp.dstport == $c || sctp.srcport == $c")
	echo "SCTP packets on B and C: $n"
	[ "$n" -eq 0 ]
	tcp_capture_stop
	n=$(tcp_count "tcp.port == $b && tcp.flags.syn == 1 && tcp.flags.ack == 0")
	echo "TCP SYNs to B: $n"
	[ "$n" -eq 2 ]
	n=$(tcp_count "tcp.port == $c && tcp.flags.syn == 1 && tcp.flags.ack == 0")
	echo "TCP SYNs to C: $n"
	[ "$n" -eq 1 ]
	n=$(tcp_count "tcp.port == $a")
	echo "TCP segments on A: $n"
	[ "$n" -eq 0 ]
}

@test "mismatch: a converted client that meets a plain TCP server is told the server is probably not on SCTP and how to leave the port out" {
	local a=$P3 b=$P4
	# A plain TCP server (not under withsctp) on A; nothing at all on B.
	bg tcpsrv 60 socat "TCP-LISTEN:$a,reuseaddr,fork" SYSTEM:'echo plain'
	wait_tcp_listen "$a"
	run timeout 20 "$WITHSCTP" socat -u "TCP:127.0.0.1:$a" -
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"127.0.0.1 port $a: no SCTP answer (Connection refused), but a TCP server answers there"* ]]
	[[ "$output" == *"withsctp -p 'all,!$a'"* ]]
	# A non-blocking client (curl) learns it through SO_ERROR: same line.
	run timeout 20 "$WITHSCTP" curl -sS "http://127.0.0.1:$a/"
	echo "$output"
	[ "$status" -eq 7 ]
	[[ "$output" == *"port $a: no SCTP answer"*"TCP server answers there"* ]]
	# Nothing listens on B over either protocol: refused, and no hint.
	run timeout 20 "$WITHSCTP" socat -u "TCP:127.0.0.1:$b" -
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Connection refused"* ]]
	[[ "$output" != *"TCP server answers"* ]]
	# The advice works: with A left out, the same client gets the reply.
	run timeout 20 "$WITHSCTP" -p "all,!$a" socat -u "TCP:127.0.0.1:$a" -
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "plain" ]
}

# As user nobody, whose home (/nonexistent) has no ~/.cache and cannot have
# one, with no user configuration and no log file named: sctpd picks its
# own log place.  Followed by VAR=VALUE... and the command.
AS_NOBODY=(runuser -u nobody -- env -u WITHSCTP_LOG_FILE -u XDG_RUNTIME_DIR
	-u XDG_CONFIG_HOME HOME=/nonexistent)

@test "log place: a user with no home (nobody) gets a daemon, its log in a private \$TMPDIR/withsctp-UID; a planted one is refused with the setting to use" {
	local a=$P3 uid dir
	uid=$(id -u nobody)
	# A world-writable sticky directory standing for /tmp.
	SHARED_TMP=$(mktemp -d /tmp/ws-shared.XXXXXX)
	chmod 1777 "$SHARED_TMP"
	dir="$SHARED_TMP/withsctp-$uid"

	# Someone else made the name first: a symlink, then a directory of
	# root's.  The daemon refuses both and withsctp says which setting
	# names a log file.
	mkdir "$SHARED_TMP/elsewhere"
	chown nobody "$SHARED_TMP/elsewhere"
	ln -s "$SHARED_TMP/elsewhere" "$dir"
	run timeout 20 "${AS_NOBODY[@]}" TMPDIR="$SHARED_TMP" "$WITHSCTP" socat -V
	echo "$output"
	[ "$status" -eq 125 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"withsctp-$uid is a symlink: refused"* ]]
	[[ "$output" == *"WITHSCTP_LOG_FILE=PATH"* ]]
	[[ "$output" == *"log_file"* ]]
	[ -z "$(ls -A "$SHARED_TMP/elsewhere")" ]
	rm "$dir"
	mkdir -m 700 "$dir"
	run timeout 20 "${AS_NOBODY[@]}" TMPDIR="$SHARED_TMP" "$WITHSCTP" socat -V
	echo "$output"
	[ "$status" -eq 125 ]
	[[ "$output" == *"withsctp-$uid belongs to uid 0, not $uid: refused"* ]]
	[[ "$output" == *"WITHSCTP_LOG_FILE=PATH"* ]]
	[ -z "$(ls -A "$dir")" ]
	[ -z "$(ws_daemon_pid)" ]
	rmdir "$dir"

	# XDG_RUNTIME_DIR when it is set and usable.
	mkdir -m 700 "$SHARED_TMP/run"
	chown nobody "$SHARED_TMP/run"
	run timeout 20 "${AS_NOBODY[@]}" TMPDIR="$SHARED_TMP" \
		XDG_RUNTIME_DIR="$SHARED_TMP/run" "$WITHSCTP" socat -V
	[ "$status" -eq 0 ]
	[ -f "$SHARED_TMP/run/sctpd.log" ]
	[ ! -e "$dir" ]
	ws_stop || true
	[ -z "$(ws_daemon_pid)" ]

	# Nothing else: withsctp starts nobody's daemon, whose log goes to
	# a directory it makes, 0700, and a converted exchange works.
	bg server 40 "${AS_NOBODY[@]}" TMPDIR="$SHARED_TMP" "$WITHSCTP" socat \
		"TCP-LISTEN:$a,reuseaddr,fork" SYSTEM:'echo hello-nobody'
	wait_until 10 "nobody's daemon" ws_daemon_pid >/dev/null
	ws_wait_listen "$a"
	run timeout 20 "${AS_NOBODY[@]}" TMPDIR="$SHARED_TMP" "$WITHSCTP" socat -u \
		"TCP:127.0.0.1:$a" -
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "hello-nobody" ]
	[ -z "$(ss -Hltn "sport = :$a")" ]
	ps -o user= -p "$(ws_daemon_pid)" | grep -qx nobody
	stat -c '%U %a %F' "$dir"
	[ "$(stat -c '%U %a %F' "$dir")" = "nobody 700 directory" ]
	[ "$(stat -c '%U %a' "$dir/sctpd.log")" = "nobody 600" ]
	grep "association .*:$a up" "$dir/sctpd.log"
}

@test "failure: no daemon and none can start: withsctp exits 125, a preloaded program says how to start sctpd" {
	local port=$P1
	# The daemon program does not exist.
	SECONDS=0
	run timeout 30 env WITHSCTP_DAEMON=/nonexistent "$WITHSCTP" socat - \
		"TCP:127.0.0.1:$port"
	echo "$output (after $SECONDS s)"
	[ "$status" -eq 125 ]
	[[ "$output" == *"withsctp: "*"/nonexistent"* ]]
	[ "$SECONDS" -le 15 ]

	# The daemon program fails at once.
	SECONDS=0
	run timeout 30 "$WITHSCTP" -o daemon=/bin/false socat - "TCP:127.0.0.1:$port"
	echo "$output (after $SECONDS s)"
	[ "$status" -eq 125 ]
	[[ "$output" == *"sctpd"*"$WITHSCTP_CONTROL"* ]]
	[ "$SECONDS" -le 15 ]

	# --no-start: at once.
	SECONDS=0
	run timeout 30 "$WITHSCTP" --no-start socat - "TCP:127.0.0.1:$port"
	echo "$output (after $SECONDS s)"
	[ "$status" -eq 125 ]
	[[ "$output" == *"$WITHSCTP_CONTROL"* ]]
	[ "$SECONDS" -le 2 ]

	# Nothing started a daemon.
	[ -z "$(ws_daemon_pid)" ]

	# The library preloaded by hand, no daemon: the socket call fails, with
	# one line naming sctpd and how to start it.
	SECONDS=0
	run timeout 10 env LD_PRELOAD="$SHIM" socat - "TCP:127.0.0.1:$port" </dev/null
	echo "$output (after $SECONDS s)"
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ]
	[ "$SECONDS" -le 2 ]
	line=$(echo "$output" | grep -v ' socat\[[0-9]*\] ')
	[ "$(echo "$line" | wc -l)" -eq 1 ]
	[[ "$line" == *sctpd* ]]
	[[ "$line" == *"start it"* ]]
	[[ "$line" == *"$WITHSCTP_CONTROL"* ]]
	[ -z "$(ws_daemon_pid)" ]
}

@test "failure: sctpd killed mid-transfer: client and server end, no hang" {
	local port=$P1
	bg server 60 "$WITHSCTP" socat -u "TCP-LISTEN:$port,reuseaddr" \
		"CREATE:$T/recv"
	bg client 60 "$WITHSCTP" socat -u /dev/zero \
		"TCP:127.0.0.1:$port,retry=100,interval=0.1"
	file_reaches "$T/recv" 1000000 15
	pid=$(ws_daemon_pid)
	[ -n "$pid" ]
	kill -9 "$pid"
	ended_within client 10
	ended_within server 10
	bg_status client
	echo "client: $status"
	[ "$status" -ne 0 ] # it was still writing: an error, not success
	[ "$status" -ne 124 ]
	bg_status server
	echo "server: $status"
	[ "$status" -ne 124 ]
}

@test "failure: server killed mid-transfer: the writing client ends with an error" {
	local port=$P1
	bg server 60 "$WITHSCTP" socat -u "TCP-LISTEN:$port,reuseaddr" \
		"CREATE:$T/recv"
	bg client 60 "$WITHSCTP" socat -u /dev/zero \
		"TCP:127.0.0.1:$port,retry=100,interval=0.1"
	file_reaches "$T/recv" 1000000 15
	capture_start 0 "$P1"
	kill -9 "$(pgrep -P "$(cat "$T/server.pid")")" # socat, not timeout
	ended_within client 10
	bg_status client
	echo "writing client: $status"
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ]
	check_capture abort-ok
}

@test "failure: server killed mid-transfer: the reading client ends" {
	local port=$P1
	bg server 60 "$WITHSCTP" socat -u /dev/zero "TCP-LISTEN:$port,reuseaddr"
	bg client 60 "$WITHSCTP" socat -u \
		"TCP:127.0.0.1:$port,retry=100,interval=0.1" "CREATE:$T/recv"
	file_reaches "$T/recv" 1000000 15
	capture_start 0 "$P1"
	kill -9 "$(pgrep -P "$(cat "$T/server.pid")")" # socat, not timeout
	ended_within client 10
	bg_status client
	echo "reading client: $status"
	[ "$status" -ne 124 ]
	check_capture abort-ok
}

@test "failure: a bad configuration file: withsctp exits 125 naming the file, line 3 and the reason" {
	printf '# withsctp.conf for a test\n[global]\nports = 70000\n' >"$T/bad.conf"
	run timeout 10 env WITHSCTP_CONFIG="$T/bad.conf" "$WITHSCTP" true
	echo "$output"
	[ "$status" -eq 125 ]
	[[ "$output" == *"$T/bad.conf"* ]]
	[[ "$output" == *"bad.conf:3:"* ]]
	[[ "$output" == *70000* ]]
	[[ "$output" == *"not a port"* ]]
	run timeout 10 "$WITHSCTP" -c "$T/bad.conf" true
	echo "$output"
	[ "$status" -eq 125 ]
	[[ "$output" == *"$T/bad.conf:3:"*70000* ]]
	[ -z "$(ws_daemon_pid)" ]
}
