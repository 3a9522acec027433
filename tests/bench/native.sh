#!/bin/sh
# Native SCTP sockets (make bench; issue 11, proof 6), in one run, medians
# of BENCH_RUNS runs of BENCH_SECONDS:
#   - bulk throughput on loopback: iperf3 --sctp under withsctp (the native
#     path), iperf3 over TCP under withsctp (the converted path), iperf3
#     over plain TCP, and usrsctp's tsctp, with 64 KiB messages;
#   - messages per second of 64-byte messages into one one-to-many socket
#     from 100 associations (manyassoc), beside 100 TCP connections, and
#     tsctp's one association with 64-byte messages.
# Goal (issue 11): native within 10 % of converted-TCP throughput.
# Figures are reported, not asserted.
set -u
BUILD=${BUILD:-build}
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-5}
TSCTP=${TSCTP:-/usr/lib/usrsctp/tsctp}
WS="$BUILD/bin/withsctp"
MANY="$BUILD/bench/manyassoc"
TMP=$(mktemp -d)
export WITHSCTP_CONTROL="@wsnative-$$"
export WITHSCTP_UDP_PORT=$((25000 + $$ % 1000))
export WITHSCTP_LOG_FILE="$TMP/sctpd.log"
PORT=$((26000 + $$ % 1000))

cleanup() {
	pkill -f -- "--control $WITHSCTP_CONTROL " 2>/dev/null
	pkill -f -- "iperf3 -s -1 -p $PORT" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

median() { sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print 0}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a/b; else print "n/a"}'; }

# iperf KIND: Mbit/s received in one run (KIND: native, converted, tcp).
iperf() {
	pre="" opt=""
	[ "$1" = tcp ] || pre="$WS"
	[ "$1" = native ] && opt="--sctp -l 65536"
	[ "$1" = native ] || opt="-l 65536"
	PORT=$((PORT + 1))
	timeout $((SECS + 30)) $pre iperf3 -s -1 -p $PORT >/dev/null 2>&1 &
	sleep 0.5
	timeout $((SECS + 30)) $pre iperf3 -c 127.0.0.1 -p $PORT $opt \
		-t "$SECS" -J 2>/dev/null |
		python3 -c 'import json,sys
try: print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))
except Exception: pass'
	wait 2>/dev/null
}

# tsctp LEN: Mbit/s of usrsctp's tsctp with LEN-byte messages, and the
# messages per second, "MBITS MSGS".
tsctp_run() {
	p1=$((WITHSCTP_UDP_PORT + 500)) p2=$((WITHSCTP_UDP_PORT + 501))
	timeout $((SECS + 20)) "$TSCTP" -E $p1 -U $p2 -l "$1" >"$TMP/tsrv" 2>&1 &
	srv=$!
	sleep 0.3
	timeout $((SECS + 20)) "$TSCTP" -E $p2 -U $p1 -l "$1" -T "$SECS" \
		127.0.0.1 2>&1 | grep -a '^Throughput was' >"$TMP/tcli"
	sleep 0.3
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
	awk -v len="$1" '{printf "%.0f %.0f\n", $3 * 8 / 1e6, $3 / len}' "$TMP/tcli"
}

many() { # sctp|tcp
	PORT=$((PORT + 1))
	pre=""
	[ "$1" = sctp ] && pre="$WS"
	timeout $((SECS + 30)) $pre "$MANY" "$1" $PORT "$SECS" 100 64 2>/dev/null |
		sed -n 's/.*msgs\/s=\([0-9]*\).*/\1/p'
}

echo "== native SCTP sockets: iperf3, 64 KiB writes (Mbit/s, median of $RUNS x ${SECS}s)"
for k in native converted tcp usrsctp; do : >"$TMP/$k"; done
i=0
while [ $i -lt "$RUNS" ]; do
	for k in native converted tcp; do
		v=$(iperf $k)
		[ -n "$v" ] && echo "$v" >>"$TMP/$k"
	done
	v=$(tsctp_run 65536 | awk '{print $1}')
	[ -n "$v" ] && echo "$v" >>"$TMP/usrsctp"
	i=$((i + 1))
done
n=$(median <"$TMP/native") c=$(median <"$TMP/converted")
t=$(median <"$TMP/tcp") u=$(median <"$TMP/usrsctp")
printf '%-22s %10s %12s %10s %10s %12s %12s\n' "" native converted tcp usrsctp native/conv native/tcp
printf '%-22s %10s %12s %10s %10s %12s %12s\n' "iperf3 (Mbit/s)" "$n" "$c" "$t" "$u" \
	"$(ratio "$n" "$c")" "$(ratio "$n" "$t")"
for k in native converted tcp usrsctp; do
	printf '  %s runs: %s\n' $k "$(tr '\n' ' ' <"$TMP/$k")"
done

echo "== 64-byte messages into one socket from 100 associations (msgs/s, median of $RUNS x ${SECS}s)"
for k in sctp tcp usrsctp; do : >"$TMP/m$k"; done
i=0
while [ $i -lt "$RUNS" ]; do
	for k in sctp tcp; do
		v=$(many $k)
		[ -n "$v" ] && echo "$v" >>"$TMP/m$k"
	done
	v=$(tsctp_run 64 | awk '{print $2}')
	[ -n "$v" ] && echo "$v" >>"$TMP/musrsctp"
	i=$((i + 1))
done
s=$(median <"$TMP/msctp") t=$(median <"$TMP/mtcp") u=$(median <"$TMP/musrsctp")
printf '%-22s %12s %12s %16s %10s\n' "" "native 1:N" "tcp (100)" "usrsctp (1 assoc)" native/tcp
printf '%-22s %12s %12s %16s %10s\n' "msgs/s" "$s" "$t" "$u" "$(ratio "$s" "$t")"
for k in sctp tcp usrsctp; do
	printf '  %s runs: %s\n' $k "$(tr '\n' ' ' <"$TMP/m$k")"
done
