#!/usr/bin/env bats
# Bursts of connections (issue 9, item 5): tests/bench/burst (a plain TCP
# program) opens 1,000 non-blocking connections at once from one network
# namespace to a server in another, both under withsctp, so each namespace
# has its own sctpd (the control address is abstract, hence per namespace)
# and the INITs cross a veth pair as UDP on port $P1 (RFC 6951).  Every
# connection must come up without a retransmitted INIT or COOKIE ECHO: the
# initial RTO is 1 s, so "over900" (connects that took over 900 ms) counts
# the ones that needed one.  make bench runs the same with 10,000 clients,
# beside plain TCP and usrsctp (tests/bench/burst.sh).

load helpers

BURST="$BUILD/bench/burst"

setup() {
	ports_init
	ws_init
	# One line per connection at debug level is not what this test is
	# about, and would slow the daemons down.
	export WITHSCTP_LOG_LEVEL=info
	T=$BATS_TEST_TMPDIR
	NS=""
	local f
	for f in "$WITHSCTP" "$SCTPD" "$SHIM" "$BURST"; do
		[ -e "$f" ] || {
			echo "missing: $f (run make)" >&2
			return 1
		}
	done
}

# ns_daemons NS: the sctpd processes running in namespace NS.
ns_daemons() {
	local p
	for p in $(ip netns pids "$1" 2>/dev/null); do
		grep -qx sctpd "/proc/$p/comm" 2>/dev/null && echo "$p"
	done
}

# ns_stop NS: ends what still runs in NS (each process by its pid: only
# this test started processes there), then deletes NS.
ns_stop() {
	local p i=0
	for p in $(ip netns pids "$1" 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
	while [ -n "$(ip netns pids "$1" 2>/dev/null)" ] && [ $i -lt 60 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	for p in $(ip netns pids "$1" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null
	done
	ip netns del "$1" 2>/dev/null
	return 0
}

teardown() {
	if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		dump_logs
		[ -f "$T/sctpd.log" ] && {
			echo "--- sctpd.log (last lines)"
			tail -25 "$T/sctpd.log"
		}
	fi
	kill_all
	if [ -n "$NS" ]; then
		ns_stop "$NS-srv"
		ns_stop "$NS-cli"
	fi
	return 0
}

# two_namespaces: $NS-srv (10.232.0.1) and $NS-cli (10.232.0.2) joined by a
# veth pair.
two_namespaces() {
	NS="wsburst-$$-$BATS_TEST_NUMBER"
	ip netns add "$NS-srv"
	ip netns add "$NS-cli"
	ip link add "wsb$$s" netns "$NS-srv" type veth peer name "wsb$$c" \
		netns "$NS-cli"
	ip -n "$NS-srv" addr add 10.232.0.1/24 dev "wsb$$s"
	ip -n "$NS-cli" addr add 10.232.0.2/24 dev "wsb$$c"
	local ns
	for ns in "$NS-srv" "$NS-cli"; do
		ip -n "$ns" link set lo up
		# listen(2) caps the backlog at the namespace's own somaxconn,
		# and so does sctpd, which reads it in its namespace.
		ip netns exec "$ns" sysctl -qw net.core.somaxconn=4096
	done
	ip -n "$NS-srv" link set "wsb$$s" up
	ip -n "$NS-cli" link set "wsb$$c" up
}

# val NAME FILE: the number after NAME= in FILE.
val() {
	sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" "$2" | head -1
}

@test "1,000 clients connect at once across two namespaces under withsctp: all up, none retransmitted, all echo, under 10 s" {
	two_namespaces
	local port=$P2 n=1000
	bg server 120 ip netns exec "$NS-srv" "$WITHSCTP" "$BURST" server \
		-b 4096 -n $n "$port"
	wait_for "$T/server.out" listening 10
	# Converted: no kernel TCP listener, an SCTP one in the daemon.
	run ip netns exec "$NS-srv" ss -Hltn "sport = :$port"
	[ -z "$output" ]
	ip netns exec "$NS-srv" "$BUILD/bin/sctpstat" -l | grep -q ":$port "
	run timeout 120 ip netns exec "$NS-cli" "$WITHSCTP" "$BURST" client \
		-e 64 -t 60 10.232.0.1 "$port" $n
	echo "$output"
	echo "$output" >"$T/client.out"
	[ "$status" -eq 0 ]
	[ "$(val connected "$T/client.out")" -eq $n ]
	[ "$(val failed "$T/client.out")" -eq 0 ]
	[ "$(val over900 "$T/client.out")" -eq 0 ]
	grep -q "^echo ok=$n failed=0 " "$T/client.out"
	awk -v t="$(val total_s "$T/client.out")" 'BEGIN { exit !(t < 10) }'
	# The server saw every connection open and close.
	bg_status server
	cat "$T/server.out"
	[ "$status" -eq 0 ]
	grep -q "^accepted=$n closed=$n .*accept_errors=0" "$T/server.out"
	# One daemon in each namespace did the work.
	[ -n "$(ns_daemons "$NS-srv")" ]
	[ -n "$(ns_daemons "$NS-cli")" ]
}
