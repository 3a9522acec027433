#!/bin/sh
# Connection bursts (part of make bench; issue 9, item 5): N clients in one
# network namespace connect at once (non-blocking, one process) to a server
# in another, over a veth pair, then each echoes 64 bytes; the same plain
# TCP program (tests/bench/burst) over TCP and under withsctp (one sctpd per
# namespace, started afresh for each run), and usrsctp
# (tests/bench/burst_usrsctp), interleaved, BENCH_RUNS runs each.  Prints,
# per kind: total time, the connect time distribution, how many connects
# took over 900 ms (with an initial RTO of 1 s, those needed a retransmitted
# SYN, INIT or COOKIE ECHO), failures, the UDP datagrams the kernel dropped
# for a full receive buffer, and for withsctp the daemons' CPU time.
# Figures are reported, not asserted (tests/bats/burst.bats asserts 1,000).
set -u
BUILD=${BUILD:-build}
RUNS=${BENCH_RUNS:-3}
SIZES=${BENCH_BURST_SIZES:-"1000 10000"}
BACKLOG=${BENCH_BURST_BACKLOG:-4096}
WS="$BUILD/bin/withsctp"
BURST="$BUILD/bench/burst"
UBURST="$BUILD/bench/burst_usrsctp"
TMP=$(mktemp -d)
NSS=wsburst-s-$$
NSC=wsburst-c-$$
SRV=10.203.0.1
PORT=5001
UPORT=9899
export WITHSCTP_CONTROL="@wsburst-$$"
export WITHSCTP_LOG_FILE="$TMP/sctpd.log"
export WITHSCTP_LOG_LEVEL=warn
export XDG_CONFIG_HOME="$TMP/xdg" # no user configuration file
unset WITHSCTP_CONFIG

# Ends every process of namespace $1, each by its pid (the namespace is
# ours: all of them are this script's), bounded.
ns_kill() {
	for p in $(ip netns pids "$1" 2>/dev/null); do kill "$p" 2>/dev/null; done
	i=0
	while [ -n "$(ip netns pids "$1" 2>/dev/null)" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	for p in $(ip netns pids "$1" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
}

cleanup() {
	for ns in $NSS $NSC; do
		ns_kill $ns
		ip netns del $ns 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

median() { sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "-"}'; }
maxof() { sort -n | tail -1; }
val() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" "$2" | head -1; }
# CPU seconds (user + system) a process has used so far.
proc_cpu() {
	[ -r "/proc/$1/stat" ] || { echo 0; return; }
	awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"
}
ns_daemons() {
	for p in $(ip netns pids "$1" 2>/dev/null); do
		grep -qx sctpd "/proc/$p/comm" 2>/dev/null && echo "$p"
	done
}
# UDP datagrams namespace $1's kernel dropped for a full receive buffer.
udp_drops() {
	ip netns exec "$1" awk '/^Udp:/ {if (!h) {for (i = 1; i <= NF; i++) c[$i] = i; h = 1} else print $c["RcvbufErrors"]}' /proc/net/snmp
}

# run KIND N: one burst; appends its figures to $TMP/KIND.N
run() {
	kind=$1 n=$2
	PORT=$((PORT + 1))
	case $kind in
	tcp) srv="$BURST server -b $BACKLOG -n $n $PORT"
		cli="$BURST client -e 64 -t 60 $SRV $PORT $n" ;;
	withsctp) srv="$WS $BURST server -b $BACKLOG -n $n $PORT"
		cli="$WS $BURST client -e 64 -t 60 $SRV $PORT $n" ;;
	usrsctp) srv="$UBURST server -b $BACKLOG -n $n -u $UPORT -U $UPORT $PORT"
		cli="$UBURST client -e 64 -t 60 -u $UPORT -U $UPORT $SRV $PORT $n" ;;
	esac
	d0=$(($(udp_drops $NSS) + $(udp_drops $NSC)))
	# shellcheck disable=SC2086
	ip netns exec $NSS timeout 300 $srv >"$TMP/srv" 2>&1 &
	spid=$!
	i=0
	while ! grep -q listening "$TMP/srv" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	ip netns exec $NSC timeout 300 $cli >"$TMP/cli" 2>&1
	# The server ends once every connection closed; one whose peer gave
	# up closing (the usrsctp client stops after 10 s) would hold it.
	i=0
	while kill -0 $spid 2>/dev/null && [ $i -lt 150 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill $spid 2>/dev/null
	wait $spid
	cpu=0
	if [ $kind = withsctp ]; then
		for p in $(ns_daemons $NSS) $(ns_daemons $NSC); do
			cpu=$(awk -v a="$cpu" -v b="$(proc_cpu "$p")" 'BEGIN {print a + b}')
		done
		ns_kill $NSS
		ns_kill $NSC
	fi
	drops=$(($(udp_drops $NSS) + $(udp_drops $NSC) - d0))
	t=$(val total_s "$TMP/cli")
	if [ -z "$t" ]; then
		echo "  $kind run failed:" "$(tr '\n' ' ' <"$TMP/cli" | cut -c1-300)"
		return
	fi
	ok=$(sed -n 's/^echo ok=\([0-9]*\).*/\1/p' "$TMP/cli")
	printf '%s %s %s %s %s %s %s %s %s\n' "$t" "$(val median "$TMP/cli")" \
		"$(val p99 "$TMP/cli")" "$(val max "$TMP/cli")" \
		"$(val over900 "$TMP/cli")" "$(val failed "$TMP/cli")" \
		"${ok:-0}" "$drops" "$cpu" >>"$TMP/$kind.$n"
	grep -q '^errors:' "$TMP/cli" && echo "  $kind:" "$(grep '^errors:' "$TMP/cli")"
	return 0
}

col() { cut -d' ' -f"$1" "$2"; }

report() {
	n=$1
	printf '%-9s %8s %8s %8s %8s %10s %7s %8s %9s %8s   %s\n' kind total_s \
		"con_med" "con_p99" "con_max" over900ms failed echo_ok udp_drops \
		daemon_s "runs: total_s/over900"
	for kind in tcp withsctp usrsctp; do
		f="$TMP/$kind.$n"
		if [ ! -s "$f" ]; then
			why=${skip_why:-no run succeeded}
			[ $kind = usrsctp ] && [ -n "$usr_why" ] && why=$usr_why
			printf '%-9s %s\n' $kind "$why"
			continue
		fi
		d="-"
		[ $kind = withsctp ] && d=$(col 9 "$f" | median)
		printf '%-9s %8s %8s %8s %8s %10s %7s %8s %9s %8s   %s\n' $kind \
			"$(col 1 "$f" | median)" "$(col 2 "$f" | median)" \
			"$(col 3 "$f" | median)" "$(col 4 "$f" | maxof)" \
			"$(col 5 "$f" | maxof)" "$(col 6 "$f" | maxof)" \
			"$(col 7 "$f" | median)" "$(col 8 "$f" | maxof)" "$d" \
			"$(awk '{printf "%s/%s ", $1, $5}' "$f")"
	done
}

echo "== connection burst: N clients in one namespace connect at once to a server in another (veth), echo 64 bytes; backlog $BACKLOG; $RUNS runs"
if ! ip netns add $NSS 2>/dev/null || ! ip netns add $NSC; then
	echo "skipped: cannot create network namespaces (not root?)"
	exit 0
fi
ip link add wsbu-s-$$ type veth peer name wsbu-c-$$
ip link set wsbu-s-$$ netns $NSS
ip link set wsbu-c-$$ netns $NSC
ip -n $NSS addr add $SRV/24 dev wsbu-s-$$
ip -n $NSC addr add 10.203.0.2/24 dev wsbu-c-$$
for ns in $NSS $NSC; do
	ip -n $ns link set lo up
	# listen(2) caps a backlog at the namespace's somaxconn (so does
	# sctpd, reading it in its own namespace).
	ip netns exec $ns sysctl -qw net.core.somaxconn="$BACKLOG"
done
# Three runs of 10,000 TCP clients leave 30,000 ports in TIME-WAIT.
ip netns exec $NSC sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
ip netns exec $NSC sysctl -qw net.ipv4.tcp_tw_reuse=1
ip -n $NSS link set wsbu-s-$$ up
ip -n $NSC link set wsbu-c-$$ up
ulimit -n "$(ulimit -Hn)" 2>/dev/null
nofile=$(ulimit -n)
usr_why=""
[ -x "$UBURST" ] || usr_why="skipped: $UBURST not built (it needs libusrsctp-dev: make deps, then make)"
echo "con_*: connect() to writable, ms (median of the runs' medians and p99s, largest max);" \
	"over900ms, failed and udp_drops: the most in one run; daemon_s: CPU seconds of both sctpd"
echo "udp_drops: datagrams the kernel dropped for a full socket receive buffer (sctpd asks for" \
	"a large one; usrsctp sets 128 KiB on its UDP socket): their senders retransmit them"
for n in $SIZES; do
	echo "-- $n clients"
	skip_why=""
	if [ "$nofile" != unlimited ] && [ "$nofile" -lt $((n + 512)) ]; then
		skip_why="skipped: $n clients need $((n + 512)) descriptors, RLIMIT_NOFILE allows $nofile"
		report "$n"
		continue
	fi
	r=0
	while [ $r -lt "$RUNS" ]; do
		run tcp "$n"
		run withsctp "$n"
		[ -z "$usr_why" ] && run usrsctp "$n"
		r=$((r + 1))
	done
	report "$n"
done
