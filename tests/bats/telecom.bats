#!/usr/bin/env bats
# Telecom programs written for the kernel's SCTP run unmodified under
# withsctp on this kernel, which has no SCTP: Osmocom's STP speaking M3UA
# (SIGTRAN) between an ASP and the STP on two hosts, and Kamailio as a SIP
# proxy over SCTP (one-to-many) with SIPp at both ends.  Every test checks
# the wire with tshark (CRC32c, nothing malformed, the protocol's own
# messages).  Configurations: tests/telecom/.
#
# WITHSCTP_PORTS=none: the programs' own TCP (osmo-stp's VTY) stays TCP.
# Ports: P1 (ports_init) is the daemons' UDP port; Kamailio and SIPp use
# the SCTP ports SP..SP+9.

load helpers

setup() {
	ports_init
	ws_init
	T=$BATS_TEST_TMPDIR
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/asan"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$T/ubsan"
	export WITHSCTP_PORTS=none
	CFG="$BATS_TEST_DIRNAME/../telecom"
	SP=$((36000 + ($$ % 40) * 100 + BATS_TEST_NUMBER * 10))
	NSA="" NSB=""
	need_built "$WITHSCTP" "$SCTPD" "$SHIM" || return 1
	need_cmds osmo-stp kamailio sipp telnet dumpcap tshark || return 1
}

teardown() {
	[ -z "${BATS_TEST_COMPLETED:-}" ] && dump_logs
	local f
	for f in "$T"/sctpd*.log; do
		[ -z "${BATS_TEST_COMPLETED:-}" ] && [ -f "$f" ] &&
			{ echo "--- $(basename "$f") (last lines)"; tail -15 "$f"; }
	done
	kill_all
	ws_stop
	local ns p
	for ns in $NSA $NSB; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$p" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# ---- two hosts: network namespaces joined by a veth pair ----

# hosts_init: NSA (10.99.1.1, interface $IFA) and NSB (10.99.1.2), as the
# osmo-stp configurations expect.  Each namespace has its own loopback
# (osmo-stp's VTY port, 4239, cannot be changed), its own abstract
# sockets, so its own sctpd started by withsctp there.
hosts_init() {
	NSA="wta$$" NSB="wtb$$" IFA="wt$$a"
	ip netns add "$NSA"
	ip netns add "$NSB"
	ip link add "$IFA" netns "$NSA" type veth peer name "wt$$b" netns "$NSB"
	ip -n "$NSA" addr add 10.99.1.1/24 dev "$IFA"
	ip -n "$NSB" addr add 10.99.1.2/24 dev "wt$$b"
	local ns
	for ns in "$NSA" "$NSB"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$NSA" link set "$IFA" up
	ip -n "$NSB" link set "wt$$b" up
}

# capture_host NS IFACE PORT: capture_start's capture, on IFACE in NS.
capture_host() {
	CAPTURE_PORTS=$3
	CAPTURE="$T/capture.pcapng"
	timeout 300 ip netns exec "$1" dumpcap -q -i "$2" -s 0 \
		-f "udp port $3" -w "$CAPTURE" 2>"$T/dumpcap.err" &
	CAPTURE_PID=$!
	echo $CAPTURE_PID >>"$T/all.pids"
	wait_for "$T/dumpcap.err" "Capturing on" 10
}

# on NS NAME SECONDS CMD...: bg in NS, its sctpd logging to sctpd-NS.log.
on() {
	local ns=$1 name=$2 secs=$3
	shift 3
	bg "$name" "$secs" ip netns exec "$ns" \
		env WITHSCTP_LOG_FILE="$T/sctpd-$ns.log" "$@"
}

# vty NS COMMAND: the answer of the osmo-stp in NS to a VTY command.
vty() {
	(
		echo "$2"
		sleep 0.5
	) | ip netns exec "$1" timeout 5 telnet 127.0.0.1 4239 2>/dev/null
}

# asp_state NS ASP STATE: the ASP is in STATE at the osmo-stp in NS.
asp_state() {
	vty "$1" "show cs7 instance 0 asp" | grep -aEq "^$2 .* $3 "
}

# m3ua CLASS TYPE: how many M3UA messages of that class and type crossed.
m3ua() {
	tshark_sctp -Y "m3ua" -T fields -e m3ua.message_class \
		-e m3ua.message_type -E occurrence=a -E aggregator=' ' |
		awk -F '\t' -v c="$1" -v t="$2" '
			{ n = split($1, cs, " "); split($2, ts, " ")
			  for (i = 1; i <= n; i++) if (cs[i] == c && ts[i] == t) k++ }
			END { print k + 0 }'
}

@test "osmo-stp: an ASP on another host goes ASP_ACTIVE at the STP over M3UA, and again after the STP restarts" {
	hosts_init
	capture_host "$NSA" "$IFA" "$P1"
	on "$NSA" stp 60 "$WITHSCTP" osmo-stp -c "$CFG/osmo-stp.cfg"
	wait_until 10 "the STP's M3UA listener" eval \
		"ip netns exec $NSA '$BUILD/bin/sctpstat' -l 2>/dev/null | grep -q ':2905 '"
	on "$NSB" asp 60 "$WITHSCTP" osmo-stp -c "$CFG/osmo-asp.cfg"
	wait_until 15 "asp-client ASP_ACTIVE at the STP" \
		asp_state "$NSA" asp-client ASP_ACTIVE
	wait_until 5 "asp-to-stp ASP_ACTIVE at the ASP" \
		asp_state "$NSB" asp-to-stp ASP_ACTIVE
	grep -aq "matched connection to ASP asp-client" "$T/stp.err"
	grep -aq "r=10.99.1.2:2906<->l=10.99.1.1:2905" "$T/stp.err"
	grep -aq "Client connected (r=10.99.1.1:2905<->l=10.99.1.2:2906)" \
		"$T/asp.err"
	# The STP stops (its association shut down), the ASP notices and
	# connects again, from the same port, once the STP is back.
	kill "$(cat "$T/stp.pid")"
	wait_until 10 "asp-to-stp ASP_DOWN at the ASP" \
		asp_state "$NSB" asp-to-stp ASP_DOWN
	on "$NSA" stp2 60 "$WITHSCTP" osmo-stp -c "$CFG/osmo-stp.cfg"
	wait_until 30 "asp-client ASP_ACTIVE at the new STP" \
		asp_state "$NSA" asp-client ASP_ACTIVE
	wait_until 5 "asp-to-stp ASP_ACTIVE at the ASP again" \
		asp_state "$NSB" asp-to-stp ASP_ACTIVE
	check_capture
	# Twice: ASPUP (3/1), ASPUP_ACK (3/4), ASPAC (4/1), ASPAC_ACK (4/3),
	# carried with PPID 3 (M3UA); the first STP's end was a SHUTDOWN.
	local m
	for m in "3 1" "3 4" "4 1" "4 3"; do
		echo "M3UA $m: $(m3ua $m)"
	done
	for m in "3 1" "3 4" "4 1" "4 3"; do
		[ "$(m3ua $m)" -eq 2 ]
	done
	[ "$(count_packets 'm3ua && sctp.data_payload_proto_id != 3')" -eq 0 ]
	[ "$(count_packets 'sctp.chunk_type == 14')" -eq 1 ]
}

# ---- Kamailio ----

# kamailio_start [OPTIONS...]: Kamailio on SCTP port SP, in the
# foreground, its runtime files in the test's directory.
kamailio_start() {
	mkdir -p "$T/run"
	bg kam 90 env WS_UAS="sip:127.0.0.1:$((SP + 1));transport=sctp" \
		"$WITHSCTP" kamailio -DD -E -f "$CFG/kamailio.cfg" -Y "$T/run" \
		-l "sctp:127.0.0.1:$SP" "$@"
	ws_wait_listen "$SP"
}

# sipp_ok N ARGS...: a SIPp client run of N calls to Kamailio over SCTP,
# every one successful.
sipp_ok() {
	local n=$1
	shift
	run timeout 60 "$WITHSCTP" sipp -t s1 -i 127.0.0.1 "127.0.0.1:$SP" \
		-m "$n" -r 20 -nostdin "$@"
	echo "$output" | grep -aE "Successful call|Failed call"
	[ "$status" -eq 0 ]
	echo "$output" | grep -aEq "Successful call +\| +0 +\| +$n "
}

# sip_fields FILTER FIELD: FIELD of every SIP message in the packets that
# match FILTER, one a line (a packet may bundle several messages).
sip_fields() {
	tshark_sctp -Y "$1 && sip" -T fields -e "$2" -E occurrence=a \
		-E aggregator=' ' | tr ' ' '\n' | grep -v '^$'
}

@test "Kamailio over SCTP (one-to-many) answers 20 OPTIONS and 20 REGISTER from SIPp" {
	cd "$T"
	capture_start 0 "$P1"
	kamailio_start
	sipp_ok 20 -sf "$CFG/options.xml" -p $((SP + 2))
	sipp_ok 20 -sf "$CFG/register.xml" -p $((SP + 3))
	[ "$(grep -ac "OPTIONS from 127.0.0.1:$((SP + 2)) over sctp" kam.err)" -eq 20 ]
	[ "$(grep -ac "REGISTER from 127.0.0.1:$((SP + 3)) over sctp" kam.err)" -eq 20 ]
	check_capture
	local req ok
	req=$(sip_fields "sctp.dstport == $SP" sip.Method | grep -Ecx 'OPTIONS|REGISTER')
	ok=$(sip_fields "sctp.srcport == $SP" sip.Status-Code | grep -cx 200)
	echo "on the wire: $req requests to Kamailio, $ok 200s from it"
	[ "$req" -eq 40 ]
	[ "$ok" -eq 40 ]
}

@test "Kamailio relays 20 SIPp calls (INVITE, ACK, BYE) from a UAC to a UAS, all over SCTP" {
	cd "$T"
	capture_start 0 "$P1"
	kamailio_start
	bg uas 60 "$WITHSCTP" sipp -sn uas -t s1 -i 127.0.0.1 -p $((SP + 1)) \
		-nostdin
	ws_wait_listen $((SP + 1))
	sipp_ok 20 -sn uac -p $((SP + 2))
	[ "$(grep -ac "INVITE from 127.0.0.1:$((SP + 2)) over sctp" kam.err)" -eq 20 ]
	[ "$(grep -ac "BYE from 127.0.0.1:$((SP + 2)) over sctp" kam.err)" -eq 20 ]
	check_capture
	# Kamailio set up its own association to the UAS (a send to a new
	# address on its one-to-many socket) and relayed every request.
	[ "$(count_packets "sctp.chunk_type == 1 && sctp.dstport == $((SP + 1))")" -ge 1 ]
	local m
	for m in INVITE ACK BYE; do
		[ "$(sip_fields "sctp.dstport == $((SP + 1))" sip.Method | grep -cx $m)" -eq 20 ]
	done
}

@test "Kamailio with two SCTP receiver processes (-Q 2) relays 200 SIPp calls" {
	# Kamailio forks sctp_children receivers (by default as many as its
	# children) that read one one-to-many socket: each message must
	# reach one of them, whole and once.
	cd "$T"
	kamailio_start -Q 2
	bg uas 60 "$WITHSCTP" sipp -sf "$CFG/uas-no180.xml" -t s1 \
		-i 127.0.0.1 -p $((SP + 1)) -nostdin
	ws_wait_listen $((SP + 1))
	sipp_ok 200 -sn uac -p $((SP + 2)) -r 50
	# Each request read once, by one receiver or the other.
	[ "$(grep -ac "INVITE from 127.0.0.1:$((SP + 2)) over sctp" kam.err)" -eq 200 ]
	[ "$(grep -ac "BYE from 127.0.0.1:$((SP + 2)) over sctp" kam.err)" -eq 200 ]
}
