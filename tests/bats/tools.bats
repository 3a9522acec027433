#!/usr/bin/env bats
# checksctp(8) and sctpstat(8) against a real sctpd: each test starts its own
# daemon on a private control address and UDP port, and socat under
# libwithsctp.so (TCP converted to SCTP) where it needs sockets to list.

load helpers
bats_require_minimum_version 1.5.0

CHECK="$BUILD/bin/checksctp"
STAT="$BUILD/bin/sctpstat"
SCTPD="$BUILD/bin/sctpd"
SHIM="$BUILD/lib/libwithsctp.so"

setup() {
	ports_init
	local p
	for p in "$CHECK" "$STAT" "$SCTPD" "$SHIM"; do
		[ -e "$p" ] || skip_missing "$p (run make)"
	done
	command -v socat >/dev/null || skip_missing "socat (run make deps)"
	# Only this test's settings: no user file, no WITHSCTP_* from outside.
	unset XDG_CONFIG_HOME $(env | sed -n 's/^\(WITHSCTP_[A-Za-z0-9_]*\)=.*/\1/p')
	export HOME="$BATS_TEST_TMPDIR"
	CTL="@tools-$$-$BATS_TEST_NUMBER"
	ME=$(id -un)
	TCP_PORT=$P2
}

# Missing tools are a failure, not a skip: `make check` installs them.
skip_missing() {
	echo "missing: $1" >&2
	return 1
}

teardown() {
	[ -z "${BATS_TEST_COMPLETED:-}" ] && dump_logs
	kill_all
}

# start_daemon [OPTION...]: this test's sctpd, in the foreground, logging.
start_daemon() {
	bg sctpd 60 "$SCTPD" -f -c "$CTL" -u "$P1" "$@"
	wait_for "$BATS_TEST_TMPDIR/sctpd.err" "started: control $CTL" 5
}

# shimmed NAME SECONDS CMD...: CMD in the background with its TCP sockets
# converted and served by this test's daemon.
shimmed() {
	local name=$1 secs=$2
	shift 2
	bg "$name" "$secs" env LD_PRELOAD="$SHIM" WITHSCTP_CONTROL="$CTL" \
		WITHSCTP_UDP_PORT="$P1" "$@"
}

# wait_stat COUNT PATTERN [OPTION...]: polls sctpstat until COUNT of its
# lines match PATTERN (5 s at most).
wait_stat() {
	local want=$1 pat=$2 i=0
	shift 2
	while [ $i -lt 50 ]; do
		[ "$("$STAT" -c "$CTL" "$@" | grep -Ec "$pat")" -eq "$want" ] &&
			return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "sctpstat never showed $want lines matching '$pat':" >&2
	"$STAT" -c "$CTL" "$@" >&2
	return 1
}

# An echo server, and a client that sends "hello" and stays connected for
# 20 s.
start_pair() {
	shimmed server 40 socat "TCP-LISTEN:$TCP_PORT,reuseaddr,fork" SYSTEM:cat
	wait_stat 1 "^LISTEN +tcp +0\.0\.0\.0:$TCP_PORT "
	shimmed client 40 sh -c \
		"(echo hello; sleep 20) | socat - TCP:127.0.0.1:$TCP_PORT"
	wait_stat 2 '^ESTAB '
	wait_for "$BATS_TEST_TMPDIR/client.out" hello 5
}

@test "sctpstat shows the listener and both ends of an association" {
	start_daemon
	start_pair
	local srv cli
	srv=$(pgrep -P "$(cat "$BATS_TEST_TMPDIR/server.pid")")
	cli=$(pgrep -f "^socat - TCP:127.0.0.1:$TCP_PORT\$")
	[[ "$srv" =~ ^[0-9]+$ && "$cli" =~ ^[0-9]+$ ]]
	run "$STAT" -c "$CTL"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "${lines[0]}" | grep -Eq '^State +Type +Local Address:Port +Peer Address:Port +Streams +Process +User$'
	[ "${#lines[@]}" -eq 4 ]
	echo "$output" | grep -Eq "^LISTEN +tcp +0\.0\.0\.0:$TCP_PORT +\*:\* +- +socat\[$srv\] +$ME$"
	# The accepted end belongs to the listener's process, the other to the
	# client's; each names the other's port.
	local cport
	cport=$(echo "$output" | sed -n "s/^ESTAB  *tcp  *127\.0\.0\.1:$TCP_PORT  *127\.0\.0\.1:\([0-9]*\) .*/\1/p")
	[ -n "$cport" ]
	echo "$output" | grep -Eq "^ESTAB +tcp +127\.0\.0\.1:$TCP_PORT +127\.0\.0\.1:$cport +[0-9]+/[0-9]+ +socat\[$srv\] +$ME$"
	echo "$output" | grep -Eq "^ESTAB +tcp +127\.0\.0\.1:$cport +127\.0\.0\.1:$TCP_PORT +[0-9]+/[0-9]+ +socat\[$cli\] +$ME$"
}

@test "sctpstat -l lists the listener only, -e adds the counters" {
	start_daemon
	start_pair
	run "$STAT" -c "$CTL" -l
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	echo "${lines[1]}" | grep -Eq "^LISTEN +tcp +0\.0\.0\.0:$TCP_PORT "
	run "$STAT" -c "$CTL" -e -n
	echo "$output"
	[ "$status" -eq 0 ]
	# Both ends moved "hello\n" each way.
	[ "$(echo "$output" | grep -Ec '^	 bytes_in:6 bytes_out:6 msgs_in:[0-9]+ msgs_out:[0-9]+ retrans:[0-9]+ rto:[0-9]+ srtt:[0-9]+ cwnd:[1-9][0-9]* flight:[0-9]+ rwnd:[1-9][0-9]* paths:1$')" -eq 2 ]
}

@test "sctpstat -a also lists NEW and BOUND sockets; IPv6 in brackets" {
	command -v python3 >/dev/null || skip_missing python3
	ip -6 addr show dev lo | grep -q '::1' || skip_missing "IPv6 on lo"
	start_daemon
	shimmed py 30 python3 -c "
import socket, time
a = socket.socket()
b = socket.socket(); b.bind(('127.0.0.1', $P3))
c = socket.socket(socket.AF_INET6); c.bind(('::1', $P4)); c.listen()
time.sleep(25)"
	wait_stat 1 '^LISTEN '
	run "$STAT" -c "$CTL"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	echo "${lines[1]}" | grep -Eq "^LISTEN +tcp +\[::1\]:$P4 +\*:\* +- +python3\[[0-9]+\] +$ME$"
	run "$STAT" -c "$CTL" -a
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	echo "$output" | grep -Eq "^NEW +tcp +\*:\* +\*:\* +- +python3\[[0-9]+\] +$ME$"
	echo "$output" | grep -Eq "^BOUND +tcp +127\.0\.0\.1:$P3 +\*:\* +- +python3\[[0-9]+\] +$ME$"
	echo "$output" | grep -Eq "^LISTEN +tcp +\[::1\]:$P4 "
}

@test "sctpstat with no daemon: one clear line and exit 1" {
	run "$STAT" -c "$CTL"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "sctpstat: no sctpd at $CTL: Connection refused (is a withsctp program running? see sctpd(8))" ]
}

@test "sctpstat with an empty daemon prints the header and exits 0" {
	start_daemon
	WITHSCTP_CONTROL="$CTL" run "$STAT"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	echo "${lines[0]}" | grep -q '^State '
}

@test "checksctp: 0 while a daemon answers, 1 once it is gone" {
	start_daemon
	local pid
	pid=$(pgrep -P "$(cat "$BATS_TEST_TMPDIR/sctpd.pid")")
	run "$CHECK" -c "$CTL"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "${lines[0]}" | grep -q '^kernel SCTP: '
	[ "${lines[1]}" = "embedded engine: sctpd $pid answers on $CTL, UDP port $P1" ]
	kill "$pid"
	bg_wait sctpd
	run "$CHECK" -c "$CTL"
	echo "$output"
	if echo "${lines[0]}" | grep -q 'kernel SCTP: available'; then
		[ "$status" -eq 0 ]
	else
		[ "$status" -eq 1 ]
	fi
	[ "${lines[1]}" = "embedded engine: no daemon at $CTL (withsctp starts one; or run sctpd)" ]
}

@test "checksctp -q prints nothing; -v tells where the control address came from" {
	start_daemon
	WITHSCTP_CONTROL="$CTL" run "$CHECK" -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	WITHSCTP_CONTROL="$CTL" run "$CHECK" -v
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -qx "  control address: $CTL (from WITHSCTP_CONTROL)"
	echo "$output" | grep -qx "  daemon: process [0-9]*, UDP port $P1"
	echo "$output" | grep -qx "  serves this user (uid $(id -u)): yes"
	echo "$output" | grep -q "^  configuration files: /etc/withsctp.conf "
	printf '[global]\ncontrol = %s\n' "$CTL" >"$BATS_TEST_TMPDIR/c.conf"
	WITHSCTP_CONFIG="$BATS_TEST_TMPDIR/c.conf" run "$CHECK" -v
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -qx "  control address: $CTL (from $BATS_TEST_TMPDIR/c.conf:2)"
}

@test "checksctp finds a daemon on a filesystem control path" {
	CTL="$BATS_TEST_TMPDIR/ctl"
	start_daemon
	run "$CHECK" -c "$CTL"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "${lines[1]}" | grep -q "^embedded engine: sctpd [0-9]* answers on $CTL, UDP port $P1$"
}

@test "checksctp as nobody: a root daemon without --allow-all refuses, exit 1" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to switch to nobody"
	start_daemon
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env HOME=/nonexistent "$CHECK" -c "$CTL"
	echo "$output"
	[ "$status" -eq 1 ]
	echo "${lines[1]}" | grep -q "^embedded engine: $CTL: sctpd (uid 0) does not serve uid 65534: "
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env HOME=/nonexistent "$STAT" -c "$CTL"
	echo "$output"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q "^sctpstat: $CTL: sctpd (uid 0) does not serve uid 65534: "
}

@test "checksctp as nobody: a daemon with --allow-all serves, exit 0" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to switch to nobody"
	start_daemon --allow-all
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env HOME=/nonexistent "$CHECK" -v -c "$CTL"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -qx "  serves this user (uid 65534): yes"
}

@test "checksctp and sctpstat: a stopped daemon is reported within the bound" {
	start_daemon
	local pid
	pid=$(pgrep -P "$(cat "$BATS_TEST_TMPDIR/sctpd.pid")")
	kill -STOP "$pid"
	run timeout 10 "$CHECK" -c "$CTL"
	echo "$output"
	[ "$status" -eq 1 ] || { kill -CONT "$pid"; false; }
	[ "${lines[1]}" = "embedded engine: the daemon at $CTL does not answer within 2 s (stopped? see sctpd(8))" ]
	run timeout 10 "$STAT" -c "$CTL"
	kill -CONT "$pid"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "sctpstat: sctpd at $CTL does not answer within 5 s (stopped? see sctpd(8))" ]
}

@test "bad usage and a bad configuration exit 2 with the reason" {
	run "$CHECK" -x
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "checksctp: unknown option '-x'" ]
	run "$STAT" extra
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "sctpstat: unexpected argument 'extra'" ]
	run "$STAT" -c
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "sctpstat: option '-c' needs an argument" ]
	WITHSCTP_UDP_PORT=70000 run "$CHECK"
	[ "$status" -eq 2 ]
	[ "$output" = "checksctp: WITHSCTP_UDP_PORT: '70000' is not a port (1-65535)" ]
	printf '[global]\nprots = 1\n' >"$BATS_TEST_TMPDIR/bad.conf"
	WITHSCTP_CONFIG="$BATS_TEST_TMPDIR/bad.conf" run "$STAT"
	[ "$status" -eq 2 ]
	echo "$output" | grep -q "^sctpstat: $BATS_TEST_TMPDIR/bad.conf:2: prots: unknown setting"
}

@test "--help and -h print the usage on stdout and exit 0; an unknown option is named, exit 2" {
	local tool name flag
	for tool in "$STAT" "$CHECK"; do
		name=$(basename "$tool")
		flag=-l
		[ "$name" = checksctp ] && flag=-q
		for opt in -h --help; do
			run --separate-stderr "$tool" "$opt"
			echo "$name $opt: $status: $output / $stderr"
			[ "$status" -eq 0 ]
			[ -z "$stderr" ]
			[[ "${lines[0]}" == "usage: $name "* ]]
			[[ "$output" == *"--control ADDR"* ]]
			[[ "$output" == *"See $name(8)."* ]]
		done
		run --separate-stderr "$tool" --version
		[ "$status" -eq 0 ]
		[ "$output" = "$name (withsctp) 0.3" ]
		# The option as written, long or short, even inside a cluster.
		run --separate-stderr "$tool" --frob
		echo "$stderr"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[ "${stderr_lines[0]}" = "$name: unknown option '--frob'" ]
		[ "${stderr_lines[1]}" = "usage: $name ${stderr_lines[1]#usage: $name }" ]
		run --separate-stderr "$tool" --frob=1
		[ "${stderr_lines[0]}" = "$name: unknown option '--frob'" ]
		run --separate-stderr "$tool" "${flag}z"
		[ "$status" -eq 2 ]
		[ "${stderr_lines[0]}" = "$name: unknown option '-z'" ]
		run --separate-stderr "$tool" --control
		[ "$status" -eq 2 ]
		[ "${stderr_lines[0]}" = "$name: option '--control' needs an argument" ]
		run --separate-stderr "$tool" --help=yes
		[ "$status" -eq 2 ]
		[ "${stderr_lines[0]}" = "$name: option '--help' takes no argument" ]
	done
	# Long forms work: a daemon listed through --control, quietly checked.
	start_daemon
	run "$STAT" --control "$CTL" --listening --extended
	[ "$status" -eq 0 ]
	run "$CHECK" --quiet --control "$CTL"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
