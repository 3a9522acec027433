#!/usr/bin/env bats
# The LD_PRELOAD shim's emulated sockets (DESIGN.md §3): tests/shim/sockcheck
# checks one contract per subcommand under withsctp, against echo servers
# that are socat under withsctp; tests/shim/intruder checks, as user nobody,
# that the daemon's control socket gives nobody another user's sockets.
# Every test has its own sctpd (ws_init); P1 is its UDP port, P2..P4 SCTP
# service ports.

load helpers

SOCKCHECK="$BUILD/tests/shim/sockcheck"
INTRUDER="$BUILD/tests/shim/intruder"
CTORCHECK="$BUILD/tests/shim/ctorcheck"

setup() {
	ports_init
	ws_init
	NETNS=""
	local f
	for f in "$WITHSCTP" "$SCTPD" "$SHIM" "$SOCKCHECK" "$INTRUDER" "$CTORCHECK"; do
		[ -x "$f" ] || [ -f "$f" ] || {
			echo "missing: $f (run make)" >&2
			return 1
		}
	done
}

teardown() {
	[ -z "${BATS_TEST_COMPLETED:-}" ] && dump_logs
	kill_all
	ws_stop
	if [ -n "$NETNS" ]; then
		ip netns del "$NETNS" 2>/dev/null
		ip netns del "$NETNS-far" 2>/dev/null
	fi
	return 0
}

# echo_server PORT [PREFIX...]: socat under withsctp echoing on SCTP PORT,
# started through PREFIX (e.g. ip netns exec NS); no kernel TCP listener.
echo_server() {
	local port=$1
	shift
	bg echo 90 "$@" "$WITHSCTP" socat -d -d \
		"TCP-LISTEN:$port,reuseaddr,fork" PIPE
	wait_for "$BATS_TEST_TMPDIR/echo.err" "listening on" 10
	if ss -Hltn "sport = :$port" | grep -q .; then
		echo "socat listens on kernel TCP port $port: not converted" >&2
		return 1
	fi
}

# check NAME ARGS...: sockcheck NAME under withsctp passes every check.
check() {
	run timeout 60 "$WITHSCTP" "$SOCKCHECK" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q "^PASS - $1\$"
}

# as_nobody CMD...: CMD as user nobody, with no user configuration file.
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env XDG_CONFIG_HOME=/nonexistent HOME=/nonexistent "$@"
}

# own_daemon [OPTIONS...]: this test's sctpd started by the test itself (in
# the foreground, logging to sctpd.err), on WITHSCTP_CONTROL and P1.
own_daemon() {
	bg sctpd 90 "$SCTPD" --foreground --control "$WITHSCTP_CONTROL" \
		--udp-port "$P1" --log-level debug "$@"
	wait_for "$BATS_TEST_TMPDIR/sctpd.err" "started" 10
}

@test "non-blocking connect: EINPROGRESS, POLLOUT, SO_ERROR 0, IP addresses, data" {
	echo_server "$P2"
	check nbconnect-ok "$P2"
}

@test "non-blocking connect to a port nobody listens on: ECONNREFUSED" {
	check nbconnect-refused "$P3"
}

@test "non-blocking connect to an address that never answers: ETIMEDOUT after the INIT retries" {
	# Namespace NETNS reaches 192.0.2.0/24 through a veth whose far end
	# (in NETNS-far, which does not forward) drops every packet.
	NETNS="wsct-$$-$BATS_TEST_NUMBER"
	ip netns add "$NETNS"
	ip netns add "$NETNS-far"
	ip -n "$NETNS" link set lo up
	ip link add wsnear netns "$NETNS" type veth peer name wsfar netns "$NETNS-far"
	ip -n "$NETNS" addr add 10.231.0.1/24 dev wsnear
	ip -n "$NETNS" link set wsnear up
	ip -n "$NETNS-far" addr add 10.231.0.2/24 dev wsfar
	ip -n "$NETNS-far" link set wsfar up
	ip netns exec "$NETNS-far" sysctl -qw net.ipv4.ip_forward=0
	ip -n "$NETNS" route add 192.0.2.0/24 via 10.231.0.2
	# INIT at 0 s, again at 0.5, 1.5 and 2.5 s, given up at 3.5 s.
	export WITHSCTP_RTO_INITIAL=500 WITHSCTP_RTO_MIN=500 \
		WITHSCTP_RTO_MAX=1000 WITHSCTP_MAX_INIT_RETRANSMITS=3
	run timeout 60 ip netns exec "$NETNS" "$WITHSCTP" "$SOCKCHECK" \
		nbconnect-timeout 192.0.2.1 "$P2"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q '^PASS - nbconnect-timeout$'
	grep -q 'could not start' "$WITHSCTP_LOG_FILE"
}

@test "a peer host with no SCTP at all: the INIT's ICMP Port Unreachable refuses the connect at once (IPv4, IPv6), and its TCP server is named" {
	# NETNS-far has addresses but no sctpd: its kernel answers the INIT
	# (UDP to port P1) with an ICMP Port Unreachable (RFC 6951 5.5).
	NETNS="wsct-$$-$BATS_TEST_NUMBER"
	ip netns add "$NETNS"
	ip netns add "$NETNS-far"
	ip -n "$NETNS" link set lo up
	ip -n "$NETNS-far" link set lo up
	ip link add wsnear netns "$NETNS" type veth peer name wsfar netns "$NETNS-far"
	ip -n "$NETNS" addr add 10.232.0.1/24 dev wsnear
	ip -n "$NETNS" addr add fd00:232::1/64 dev wsnear nodad
	ip -n "$NETNS-far" addr add 10.232.0.2/24 dev wsfar
	ip -n "$NETNS-far" addr add fd00:232::2/64 dev wsfar nodad
	ip -n "$NETNS" link set wsnear up
	ip -n "$NETNS-far" link set wsfar up
	# A plain TCP server on P2 over both families; nothing on P3.
	bg tcp4 60 ip netns exec "$NETNS-far" socat \
		"TCP4-LISTEN:$P2,reuseaddr,fork" SYSTEM:'echo plain'
	bg tcp6 60 ip netns exec "$NETNS-far" socat \
		"TCP6-LISTEN:$P2,reuseaddr,fork,ipv6only" SYSTEM:'echo plain'
	wait_until 5 "TCP listeners in $NETNS-far" \
		sh -c "[ \$(ip netns exec $NETNS-far ss -Hltn 'sport = :$P2' | wc -l) -eq 2 ]"
	local dest start ms
	for dest in 10.232.0.2 '[fd00:232::2]'; do
		start=$(date +%s%N)
		run timeout 20 ip netns exec "$NETNS" "$WITHSCTP" socat -u \
			"TCP:$dest:$P3" -
		ms=$((($(date +%s%N) - start) / 1000000))
		echo "$dest:$P3 (nothing): status $status in $ms ms: $output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"Connection refused"* ]]
		[[ "$output" != *"TCP server answers"* ]]
		# Without ICMP it would take the INIT retries (over a minute).
		[ "$ms" -lt 3000 ]
		run timeout 20 ip netns exec "$NETNS" "$WITHSCTP" curl -sS -g \
			"http://$dest:$P2/"
		echo "$dest:$P2 (plain TCP): status $status: $output"
		[ "$status" -eq 7 ]
		[[ "$output" == *"port $P2: no SCTP answer (Connection refused), but a TCP server answers there"* ]]
	done
	grep -q 'could not start' "$WITHSCTP_LOG_FILE"
}

@test "accept4(SOCK_NONBLOCK|SOCK_CLOEXEC) on an epoll-driven listener serves 20 clients" {
	check accept4-epoll "$P4"
}

@test "socket options, AF_INET6, and UDP and AF_UNIX sockets left alone" {
	check sockopts
}

@test "fork, exec and closing every fd: the socket works, the control fd stays out of the way" {
	echo_server "$P2"
	check fork-exec "$P2"
}

@test "dup, dup2 and F_DUPFD_CLOEXEC of a connected socket" {
	echo_server "$P2"
	check dup "$P2"
}

@test "security: a daemon without --allow-all refuses another user with a clear message" {
	own_daemon
	run as_nobody "$INTRUDER" "$WITHSCTP_CONTROL" refused
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q 'WSP_SOCKET refused: EACCES: .*does not serve uid 65534.*--allow-all.*WITHSCTP_CONTROL'
	# withsctp says so and stops before running the program.
	run as_nobody "$WITHSCTP" --no-start "$SOCKCHECK" bind "$P3" ok
	echo "$output"
	[ "$status" -eq 125 ]
	echo "$output" | grep -q '^withsctp: .*does not serve uid 65534'
	! echo "$output" | grep -q '^ok - '
}

@test "security: through an --allow-all daemon, another user cannot act on or connect to root's sockets" {
	own_daemon --allow-all
	echo_server "$P2"
	local pid name
	pid=$(sed -n 's/.*sctpd\[\([0-9]*\)\] info: started.*/\1/p' \
		"$BATS_TEST_TMPDIR/sctpd.err")
	[ -n "$pid" ]
	# The app end of root's listener, named by this test's daemon.
	name=$(grep -o "@wsctp:$pid:[0-9]*" /proc/net/unix | head -1)
	echo "root's socket: $name"
	[ -n "$name" ]
	run as_nobody "$INTRUDER" "$WITHSCTP_CONTROL" foreign "${name#@}"
	echo "$output"
	[ "$status" -eq 0 ]
	# Nothing was done to root's listener: it still echoes.
	check nbconnect-ok "$P2"
	kill -0 "$pid"
}

@test "security: an unprivileged user cannot bind an SCTP port below 1024" {
	own_daemon --allow-all
	run as_nobody "$WITHSCTP" --no-start "$SOCKCHECK" bind 80 EACCES
	echo "$output"
	[ "$status" -eq 0 ]
	run as_nobody "$WITHSCTP" --no-start "$SOCKCHECK" bind "$P3" ok
	echo "$output"
	[ "$status" -eq 0 ]
	# Root may.
	check bind 80 ok
}

@test "sockets used in constructors that run before the shim's: threads racing, dlopen from a thread, fork" {
	# ctorcheck links libctor.so, whose constructor (tests/shim/ctorlib.c)
	# does what libcap-ng's does (close) and more; first over plain TCP,
	# which shows the checks are TCP's, then under withsctp.
	run timeout 60 env CTORCHECK_PORT="$P2" "$CTORCHECK"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q '^PASS - ctorcheck'
	run timeout 60 "$WITHSCTP" env CTORCHECK_PORT="$P2" LD_DEBUG=files \
		LD_DEBUG_OUTPUT="$BATS_TEST_TMPDIR/ld" "$CTORCHECK"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q '^PASS - ctorcheck'
	# The order that makes the test: ld.so called libctor.so's constructor
	# (and libctor_dl.so's, loaded by it) before the shim's.
	local pid ld order
	pid=$(echo "$output" | sed -n 's/.*fork child pid \([0-9]*\)$/\1/p')
	[ -n "$pid" ]
	ld=$(grep -l 'libctor.so' "$BATS_TEST_TMPDIR"/ld.* | head -1)
	order=$(grep -o 'calling init: .*/\(libctor\|libctor_dl\|libwithsctp\)\.so' "$ld" |
		sed 's|.*/||' | head -3 | tr '\n' ' ')
	echo "constructors called in this order: $order"
	[ "$order" = "libctor.so libctor_dl.so libwithsctp.so " ]
	# Every round trip was SCTP, and the fork child spoke to sctpd on its
	# own control connection: its associations carry its pid, not the
	# parent's.
	local p
	for p in "$P2" $((P2 + 1)) $((P2 + 2)) $((P2 + 3)); do
		grep -q "association 127.0.0.1:[0-9]* -> 127.0.0.1:$p up" \
			"$WITHSCTP_LOG_FILE"
	done
	grep "127.0.0.1:$((P2 + 2)) up" "$WITHSCTP_LOG_FILE" | head -2
	[ "$(grep -c "ctorcheck\[$pid\]: association .* -> 127.0.0.1:$((P2 + 2)) up" \
		"$WITHSCTP_LOG_FILE")" -eq 10 ]
}

@test "programs linked to libcap-ng start under withsctp: setpriv, postgres, sshd" {
	local pg
	run timeout 10 "$WITHSCTP" setpriv --version
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "setpriv from util-linux"* ]]
	pg=$(ls /usr/lib/postgresql/*/bin/postgres | sort -V | tail -1)
	[ -x "$pg" ] || { echo "missing: postgresql (run make deps)"; return 1; }
	run timeout 10 "$WITHSCTP" "$pg" --version
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "postgres (PostgreSQL) "* ]]
	run timeout 10 "$WITHSCTP" /usr/sbin/sshd -V
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "OpenSSH_"* ]]
}
