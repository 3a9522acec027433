#!/bin/sh
# The benchmarks (make bench): the engine alone in memory, then loopback
# throughput over UDP encapsulation for esctp-peer -> esctp-peer and usrsctp
# tsctp -> tsctp, beside plain TCP, at 64 KiB and 1 KiB messages.  Each
# loopback figure is the median of BENCH_RUNS runs of BENCH_SECONDS.
# Benchmarks are reported, not asserted.
set -u
BUILD=${BUILD:-build}
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-5}
SIZES=${BENCH_SIZES:-"65536 1024"}
TSCTP=${TSCTP:-/usr/lib/usrsctp/tsctp}
PEER=$BUILD/bin/esctp-peer
TMP=$(mktemp -d)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

median() { sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print 0}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a/b; else print "n/a"}'; }
# Distinct UDP ports per run, away from 9899.
PORT=$((21000 + $$ % 2000 * 4))
next_ports() { PORT=$((PORT + 2)); P1=$PORT; P2=$((PORT + 1)); }

echo "== engine in memory"
"$BUILD/bench/bench_engine" 2 || echo "bench_engine failed"

# One run each; prints MB/s (10^6 bytes per second) or nothing on failure.
run_ours() {
	next_ports
	timeout $((SECS + 30)) "$PEER" -E $P1 -1 -H -t $((SECS + 25)) server sink \
		>"$TMP/srv" 2>&1 &
	srv=$!
	PIDS="$PIDS $srv"
	sleep 0.2
	timeout $((SECS + 30)) "$PEER" -E $P2 -U $P1 -l "$1" -T "$SECS" -H \
		-t $((SECS + 25)) client 127.0.0.1 5001 source >"$TMP/cli" 2>&1
	wait $srv
	sed -n 's/.*MB\/s=\([0-9.]*\).*/\1/p' "$TMP/cli" | head -1
}

run_usrsctp() {
	next_ports
	# Debian's tsctp logs every packet: send that to /dev/null.
	timeout $((SECS + 20)) "$TSCTP" -E $P1 -U $P2 -l "$1" >"$TMP/tsrv" 2>&1 &
	srv=$!
	PIDS="$PIDS $srv"
	sleep 0.3
	timeout $((SECS + 20)) "$TSCTP" -E $P2 -U $P1 -l "$1" -T "$SECS" \
		127.0.0.1 2>&1 | grep -a '^Throughput was' >"$TMP/tcli"
	sleep 0.5
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
	awk '{printf "%.1f\n", $3 / 1e6}' "$TMP/tcli"
}

run_tcp() {
	"$BUILD/bench/tcp_bench" "$1" "$SECS" | sed -n 's/.*MB\/s=\([0-9.]*\).*/\1/p'
}

echo "== loopback over UDP encapsulation (MB/s of payload, median of $RUNS x ${SECS}s)"
printf '%-8s %12s %12s %12s %10s %12s\n' size esctp-peer usrsctp tcp ours/tcp ours/usrsctp
for len in $SIZES; do
	for kind in ours usrsctp tcp; do
		: >"$TMP/$kind.vals"
		i=0
		while [ $i -lt "$RUNS" ]; do
			v=$(run_$kind "$len")
			[ -n "$v" ] && echo "$v" >>"$TMP/$kind.vals"
			i=$((i + 1))
		done
	done
	o=$(median <"$TMP/ours.vals")
	u=$(median <"$TMP/usrsctp.vals")
	t=$(median <"$TMP/tcp.vals")
	printf '%-8s %12s %12s %12s %10s %12s\n' "$len" "$o" "$u" "$t" \
		"$(ratio "$o" "$t")" "$(ratio "$o" "$u")"
	for kind in ours usrsctp tcp; do
		printf '  %s runs: %s\n' $kind "$(tr '\n' ' ' <"$TMP/$kind.vals")"
	done
done

# withsctp: TCP programs under the launcher, beside TCP and usrsctp.
BUILD="$BUILD" BENCH_RUNS="$RUNS" sh "$(dirname "$0")/withsctp.sh"

# Connection bursts across two namespaces: withsctp beside TCP and usrsctp.
BUILD="$BUILD" BENCH_RUNS="$RUNS" sh "$(dirname "$0")/burst.sh"

# Native SCTP sockets: iperf3 --sctp beside converted TCP, TCP and usrsctp;
# small messages from 100 associations.
BUILD="$BUILD" BENCH_RUNS="$RUNS" sh "$(dirname "$0")/native.sh"
