# helpers.bash - shared by the Bats suites: programs, distinct UDP ports per
# test, background processes that teardown always ends, and packet capture
# on lo checked by tshark (CRC32c verified, nothing malformed, no ABORT).

: "${BUILD:=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/build}"
PEER="$BUILD/bin/esctp-peer"
USRSCTP_DIR="${USRSCTP_DIR:-/usr/lib/usrsctp}"

# Two or more UDP ports no other test (nor a parallel run) uses: P1, P2, P3.
# Below the kernel's ephemeral range, away from 9899.
ports_init() {
	local base=$((20000 + ($$ % 50) * 160 + BATS_TEST_NUMBER * 6))
	P1=$base P2=$((base + 1)) P3=$((base + 2)) P4=$((base + 3))
}

# bg NAME SECONDS CMD... : starts CMD bounded by `timeout`, output in
# $BATS_TEST_TMPDIR/NAME.out (stdout) and NAME.err; remembers its pid.
bg() {
	local name=$1 secs=$2
	shift 2
	# fd 3 is Bats' own: a process that kept it would hold Bats up.
	timeout "$secs" "$@" >"$BATS_TEST_TMPDIR/$name.out" \
		2>"$BATS_TEST_TMPDIR/$name.err" 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/$name.pid"
	echo $! >>"$BATS_TEST_TMPDIR/all.pids"
}

# bg_wait NAME: waits for a background command; returns its exit status.
bg_wait() {
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/$1.pid")
	wait "$pid"
}

# bg_status NAME: waits for a background command and sets $status to its
# exit status (not through `run`: its subshell cannot wait for our child).
bg_status() {
	status=0
	bg_wait "$1" || status=$?
}

# wait_for FILE PATTERN [SECONDS]: polls until FILE contains PATTERN.
wait_for() {
	local i=0 n=$((${3:-5} * 10))
	while [ $i -lt $n ]; do
		grep -aq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "timed out waiting for '$2' in $1" >&2
	return 1
}

# wait_until SECONDS WHAT CMD...: polls CMD every 0.1 s until it succeeds;
# after SECONDS, says it timed out waiting for WHAT and fails.
wait_until() {
	local n=$(($1 * 10)) what=$2 i=0
	shift 2
	while [ $i -lt $n ]; do
		"$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "timed out after $n tenths of a second waiting for $what" >&2
	return 1
}

udp_bound() { ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; }

# A usrsctp server has no readiness message: wait until its UDP port is bound.
wait_udp_port() {
	wait_until 5 "something to bind UDP port $1" udp_bound "$1"
}

# capture_start SNAPLEN PORT...: dumpcap on lo for those UDP ports.
capture_start() {
	local snap=$1 filter="" p
	shift
	CAPTURE_PORTS="$*"
	for p in "$@"; do
		filter="${filter:+$filter or }udp port $p"
	done
	CAPTURE="$BATS_TEST_TMPDIR/capture.pcapng"
	timeout 300 dumpcap -q -i lo -s "$snap" -f "$filter" -w "$CAPTURE" \
		2>"$BATS_TEST_TMPDIR/dumpcap.err" &
	CAPTURE_PID=$!
	echo $CAPTURE_PID >>"$BATS_TEST_TMPDIR/all.pids"
	# dumpcap reports on stderr once it captures.
	wait_for "$BATS_TEST_TMPDIR/dumpcap.err" "Capturing on" 10
}

capture_stop() {
	[ -n "${CAPTURE_PID:-}" ] || return 0
	sleep 0.3 # the last packets
	kill -INT "$CAPTURE_PID" 2>/dev/null
	wait "$CAPTURE_PID" 2>/dev/null
	CAPTURE_PID=""
}

# tshark over the capture with SCTP decoded on the test's ports and CRC32c
# verification on; extra arguments are passed on (e.g. -Y FILTER).
tshark_sctp() {
	local args=() p
	for p in $CAPTURE_PORTS; do
		args+=(-d "udp.port==$p,sctp")
	done
	timeout 120 tshark -n -r "$CAPTURE" "${args[@]}" \
		-o 'sctp.checksum:CRC 32c' "$@" 2>/dev/null
}

count_packets() {
	tshark_sctp -Y "$1" | wc -l
}

# check_capture [abort-ok | late-abort-ok]: every SCTP packet decodes
# cleanly with a good CRC32c (when fully captured), and there is no ABORT
# unless allowed.  late-abort-ok allows only ABORTs with the T bit after a
# SHUTDOWN COMPLETE: the answer to a packet that crossed the end of the
# association (RFC 9260 §8.4 rule 8; the peer's SACK after its SHUTDOWN
# ACK, say).
check_capture() {
	capture_stop
	local total bad good aborts
	total=$(count_packets sctp)
	good=$(count_packets 'sctp.checksum.status == 1')
	bad=$(count_packets 'sctp.checksum.status == 0 || _ws.malformed || _ws.expert.severity == error')
	aborts=$(count_packets 'sctp.chunk_type == 6')
	if [ "${1:-}" = late-abort-ok ] && [ "$aborts" -ne 0 ]; then
		local end
		end=$(tshark_sctp -Y 'sctp.chunk_type == 14' -T fields \
			-e frame.number | head -1)
		[ -n "$end" ] &&
			aborts=$(count_packets "sctp.chunk_type == 6 && (frame.number < $end || !(sctp.chunk_flags & 1))")
		echo "capture: ABORTs with the T bit after the SHUTDOWN COMPLETE allowed; $aborts other"
	fi
	echo "capture: $total SCTP packets, $good with verified CRC32c, $bad bad, $aborts ABORT"
	if [ "$bad" -ne 0 ]; then
		tshark_sctp -Y 'sctp.checksum.status == 0 || _ws.malformed || _ws.expert.severity == error' -V | head -80
	fi
	[ "$total" -gt 0 ]
	[ "$good" -gt 0 ]
	[ "$bad" -eq 0 ]
	if [ "${1:-}" != abort-ok ] && [ "$aborts" -ne 0 ]; then
		tshark_sctp -Y 'sctp.chunk_type == 6' -V | grep -A6 -i 'abort' | head -40
		# Who sent it, and the packets just before (which side's
		# packet came after the other had forgotten the association).
		local n
		n=$(tshark_sctp -Y 'sctp.chunk_type == 6' -T fields -e frame.number | head -1)
		tshark_sctp -Y "frame.number >= $((n - 12)) && frame.number <= $((n + 2))" \
			-T fields -e frame.number -e frame.time_relative -e udp.srcport \
			-e udp.dstport -e sctp.verification_tag -e sctp.chunk_type \
			-e sctp.chunk_flags
		return 1
	fi
}

# teardown: every background process of the test, then the capture.
kill_all() {
	local p i=0 alive
	capture_stop
	[ -f "$BATS_TEST_TMPDIR/all.pids" ] || return 0
	for p in $(cat "$BATS_TEST_TMPDIR/all.pids"); do
		kill "$p" 2>/dev/null
	done
	# Bounded: whatever still runs after 5 s (a process stuck on its
	# way out, e.g. a sanitizer's exit check) is killed with its
	# children.
	while [ $i -lt 50 ]; do
		alive=0
		for p in $(cat "$BATS_TEST_TMPDIR/all.pids"); do
			kill -0 "$p" 2>/dev/null && alive=1
		done
		[ $alive -eq 0 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	for p in $(cat "$BATS_TEST_TMPDIR/all.pids"); do
		if kill -0 "$p" 2>/dev/null; then
			echo "kill_all: $p still runs after 5 s: killed" >&2
			pkill -9 -P "$p" 2>/dev/null
			kill -9 "$p" 2>/dev/null
		fi
	done
	for p in $(cat "$BATS_TEST_TMPDIR/all.pids"); do
		wait "$p" 2>/dev/null
	done
	rm -f "$BATS_TEST_TMPDIR/all.pids"
}

# need_built FILE...: each exists (else "run make"); need_cmds CMD...:
# each is on PATH (else "run make deps").  For a suite's setup.
need_built() {
	local f
	for f in "$@"; do
		[ -e "$f" ] || {
			echo "missing: $f (run make)" >&2
			return 1
		}
	done
}

need_cmds() {
	local f
	for f in "$@"; do
		command -v "$f" >/dev/null || {
			echo "missing: $f (run make deps)" >&2
			return 1
		}
	done
}

# On failure show what the programs said.
dump_logs() {
	local f
	for f in "$BATS_TEST_TMPDIR"/*.out "$BATS_TEST_TMPDIR"/*.err; do
		[ -f "$f" ] || continue
		echo "--- $(basename "$f") (last lines)"
		grep -av '^\[S\]' "$f" | tail -15
	done
}

# ---- withsctp: a private daemon per test ----

WITHSCTP="$BUILD/bin/withsctp"
SCTPD="$BUILD/bin/sctpd"
SHIM="$BUILD/lib/libwithsctp.so"

# ws_init: this test's own control address and UDP port (P1), exported so
# that every withsctp it runs talks to its own sctpd, started on demand and
# logged to $BATS_TEST_TMPDIR/sctpd.log.  Call after ports_init.
ws_init() {
	export WITHSCTP_CONTROL="@bats-$$-$BATS_TEST_NUMBER"
	export WITHSCTP_UDP_PORT="$P1"
	export WITHSCTP_LOG_FILE="$BATS_TEST_TMPDIR/sctpd.log"
	export WITHSCTP_LOG_LEVEL=debug
	unset WITHSCTP_CONFIG
	export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/xdg" # no user file
}

# ws_daemon_pid: the pid of this test's sctpd, if it runs.
ws_daemon_pid() {
	pgrep -f -- "--control $WITHSCTP_CONTROL " | head -1
}

# ws_stop: stops this test's sctpd (SIGTERM, then SIGKILL after 6 s).
ws_stop() {
	local pid i=0
	[ -n "${WITHSCTP_CONTROL:-}" ] || return 0
	pid=$(ws_daemon_pid)
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	# A daemon that exited is a zombie until whoever adopted it reaps
	# it (init: not at once in every container): gone all the same.
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 60 ] &&
		[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$pid" 2>/dev/null
	return 0
}

tcp_listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# wait_tcp_listen PORT: until something listens on TCP PORT (plain TCP: an
# emulated listener has no TCP socket).
wait_tcp_listen() {
	wait_until 5 "a TCP listener on port $1" tcp_listening "$1"
}

sctp_listening() { "$BUILD/bin/sctpstat" -l 2>/dev/null | grep -q ":$1 "; }

# ws_wait_listen PORT: until this test's sctpd has a listener on SCTP PORT.
ws_wait_listen() {
	wait_until 5 "an SCTP listener on port $1" sctp_listening "$1"
}
