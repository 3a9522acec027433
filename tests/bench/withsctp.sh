#!/bin/sh
# withsctp benchmarks (part of make bench; issue 3): the same plain TCP
# program (ws_bulk) run under withsctp, run plainly over TCP, and usrsctp's
# tsctp, in one run, medians of BENCH_RUNS:
#   - bulk transfer on loopback, and between two network namespaces over a
#     veth pair with MTU 1500 (one sctpd each): MB/s and CPU seconds per GB
#     (client + server + daemon);
#   - connect + accept + close cycles per second;
#   - the cost of the preload on sockets it does not convert (UDP and
#     AF_UNIX calls with and without LD_PRELOAD).
# Figures are reported, not asserted.
set -u
BUILD=${BUILD:-build}
RUNS=${BENCH_RUNS:-3}
BYTES=${BENCH_WS_BYTES:-1000000000}
CYCLES=${BENCH_WS_CYCLES:-2000}
TSCTP=${TSCTP:-/usr/lib/usrsctp/tsctp}
WS="$BUILD/bin/withsctp"
BULK="$BUILD/bench/ws_bulk"
SHIM="$BUILD/lib/libwithsctp.so"
TMP=$(mktemp -d)
NSA=wsbench-a-$$
NSB=wsbench-b-$$
export WITHSCTP_CONTROL="@wsbench-$$"
export WITHSCTP_UDP_PORT=$((23000 + $$ % 1000))
export WITHSCTP_LOG_FILE="$TMP/sctpd.log"
TPORT=$((24000 + $$ % 1000))

cleanup() {
	pkill -f -- "--control $WITHSCTP_CONTROL " 2>/dev/null
	pkill -f -- "tsctp -E $((WITHSCTP_UDP_PORT + 500)) " 2>/dev/null
	for ns in $NSA $NSB; do
		ip netns pids $ns 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del $ns 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

median() { sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print 0}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a/b; else print "n/a"}'; }
val() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$2" | head -1; }
# CPU seconds (user + system) a process has used so far.
proc_cpu() {
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || { echo 0; return; }
	awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"
}
daemon_pid() { # [netns]
	if [ -n "${1:-}" ]; then
		ip netns pids "$1" | while read -r p; do
			grep -q sctpd "/proc/$p/comm" 2>/dev/null && echo "$p"
		done | head -1
	else
		pgrep -f -- "--control $WITHSCTP_CONTROL " | head -1
	fi
}

# bulk KIND ADDR [NS_SERVER NS_CLIENT]: one transfer; prints "MB/s CPU_S_PER_GB".
bulk() {
	kind=$1 addr=$2 nss=${3:-} nsc=${4:-}
	exs="" exc=""
	[ -n "$nss" ] && exs="ip netns exec $nss" && exc="ip netns exec $nsc"
	TPORT=$((TPORT + 1))
	case $kind in
	withsctp) pre="$WS" ;;
	tcp) pre="" ;;
	esac
	if [ "$kind" = usrsctp ]; then
		bulk_usrsctp "$addr" "$exs" "$exc"
		return
	fi
	$exs timeout 120 $pre "$BULK" server $TPORT >"$TMP/srv" 2>&1 &
	spid=$!
	i=0
	while ! grep -q listening "$TMP/srv" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
	d1=$(daemon_pid "$nss") d2=$(daemon_pid "$nsc")
	c1=$(proc_cpu "$d1"); c2=0
	[ "$d2" != "$d1" ] && c2=$(proc_cpu "$d2")
	$exc timeout 120 $pre "$BULK" client "$addr" $TPORT "$BYTES" >"$TMP/cli" 2>&1
	wait $spid
	e1=$(proc_cpu "$d1"); e2=0
	[ "$d2" != "$d1" ] && e2=$(proc_cpu "$d2")
	mbs=$(val 'MB\/s' "$TMP/cli")
	[ -n "$mbs" ] || { cat "$TMP/cli" "$TMP/srv" >&2; return; }
	awk -v m="$mbs" -v a="$(val cpu "$TMP/cli")" -v b="$(val cpu "$TMP/srv")" \
		-v d="$(awk "BEGIN{print $e1 - $c1 + $e2 - $c2}")" -v n="$BYTES" \
		'BEGIN {printf "%s %.2f\n", m, (a + b + d) / (n / 1e9)}'
}

bulk_usrsctp() {
	addr=$1 exs=$2 exc=$3
	u1=$((WITHSCTP_UDP_PORT + 500)) u2=$((WITHSCTP_UDP_PORT + 501))
	len=65536
	n=$((BYTES / len))
	$exs timeout 120 "$BULK" cpu "$TMP/scpu" "$TSCTP" -E $u1 -U $u2 -l $len \
		>/dev/null 2>&1 &
	spid=$!
	sleep 0.5
	$exc timeout 120 "$BULK" cpu "$TMP/ccpu" "$TSCTP" -E $u2 -U $u1 -l $len \
		-n $n "$addr" 2>&1 | grep -a '^Throughput was' >"$TMP/tcli"
	sleep 0.3
	# The server runs under timeout and ws_bulk: stop it by its own
	# arguments, which only it has.
	pkill -f -- "tsctp -E $u1 -U $u2" 2>/dev/null
	wait $spid 2>/dev/null
	[ -s "$TMP/tcli" ] || return
	awk -v a="$(cat "$TMP/ccpu" 2>/dev/null || echo 0)" \
		-v b="$(cat "$TMP/scpu" 2>/dev/null || echo 0)" -v n="$BYTES" \
		'{printf "%.1f %.2f\n", $3 / 1e6, (a + b) / (n / 1e9)}' "$TMP/tcli"
}

# table TITLE ADDR [NSS NSC]
table() {
	echo "== $1 (median of $RUNS x $((BYTES / 1000000)) MB)"
	for kind in withsctp tcp usrsctp; do
		: >"$TMP/$kind.mbs"
		: >"$TMP/$kind.cpu"
		i=0
		while [ $i -lt "$RUNS" ]; do
			r=$(bulk $kind "$2" "${3:-}" "${4:-}")
			if [ -n "$r" ]; then
				echo "$r" | cut -d' ' -f1 >>"$TMP/$kind.mbs"
				echo "$r" | cut -d' ' -f2 >>"$TMP/$kind.cpu"
			fi
			i=$((i + 1))
		done
	done
	printf '%-10s %10s %14s   %s\n' "" "MB/s" "CPU s per GB" runs
	for kind in withsctp tcp usrsctp; do
		printf '%-10s %10s %14s   %s\n' $kind "$(median <"$TMP/$kind.mbs")" \
			"$(median <"$TMP/$kind.cpu")" "$(tr '\n' ' ' <"$TMP/$kind.mbs")"
	done
	w=$(median <"$TMP/withsctp.mbs") t=$(median <"$TMP/tcp.mbs") u=$(median <"$TMP/usrsctp.mbs")
	echo "withsctp/tcp = $(ratio "$w" "$t"), withsctp/usrsctp = $(ratio "$w" "$u")"
}

table "withsctp bulk on loopback" 127.0.0.1

if ip netns add $NSA 2>/dev/null && ip netns add $NSB; then
	ip link add wsb-a-$$ type veth peer name wsb-b-$$
	ip link set wsb-a-$$ netns $NSA
	ip link set wsb-b-$$ netns $NSB
	ip -n $NSA addr add 10.201.0.1/24 dev wsb-a-$$
	ip -n $NSB addr add 10.201.0.2/24 dev wsb-b-$$
	for ns in $NSA $NSB; do
		ip -n $ns link set lo up
	done
	ip -n $NSA link set wsb-a-$$ mtu 1500 up
	ip -n $NSB link set wsb-b-$$ mtu 1500 up
	table "withsctp bulk between two namespaces, veth MTU 1500" 10.201.0.2 $NSB $NSA
else
	echo "== namespaces: cannot create (not root?): skipped"
fi

echo "== connect + accept + close cycles ($CYCLES, median of $RUNS)"
for kind in withsctp tcp; do
	: >"$TMP/$kind.cyc"
	pre=""
	[ $kind = withsctp ] && pre="$WS"
	i=0
	while [ $i -lt "$RUNS" ]; do
		TPORT=$((TPORT + 1))
		timeout 120 $pre "$BULK" acceptor $TPORT "$CYCLES" >"$TMP/acc" 2>&1 &
		apid=$!
		j=0
		while ! grep -q listening "$TMP/acc" 2>/dev/null && [ $j -lt 100 ]; do
			sleep 0.05; j=$((j + 1))
		done
		timeout 120 $pre "$BULK" cycles 127.0.0.1 $TPORT "$CYCLES" >"$TMP/cyc" 2>&1
		wait $apid
		val 'cycles\/s' "$TMP/cyc" >>"$TMP/$kind.cyc"
		i=$((i + 1))
	done
done
w=$(median <"$TMP/withsctp.cyc") t=$(median <"$TMP/tcp.cyc")
echo "withsctp $w/s, tcp $t/s: withsctp/tcp = $(ratio "$w" "$t")" \
	"(runs: $(tr '\n' ' ' <"$TMP/withsctp.cyc")/ $(tr '\n' ' ' <"$TMP/tcp.cyc"))"

echo "== unconverted sockets: UDP and AF_UNIX calls, ns per iteration (median of $((RUNS * 4)), order alternated)"
: >"$TMP/plain"
: >"$TMP/pre"
calls_plain() { "$BULK" calls 50000 | sed -n 's/ns\/iter=//p' >>"$TMP/plain"; }
calls_pre() { LD_PRELOAD="$SHIM" "$BULK" calls 50000 | sed -n 's/ns\/iter=//p' >>"$TMP/pre"; }
i=0
while [ $i -lt $((RUNS * 4)) ]; do
	# Whichever runs second tends to run warmer: take turns.
	if [ $((i % 2)) -eq 0 ]; then
		calls_plain
		calls_pre
	else
		calls_pre
		calls_plain
	fi
	i=$((i + 1))
done
p=$(median <"$TMP/plain") q=$(median <"$TMP/pre")
echo "without preload $p ns, with $q ns: ratio $(ratio "$q" "$p")"
