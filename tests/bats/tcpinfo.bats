#!/usr/bin/env bats
# TCP_INFO and TCP_MAXSEG on converted sockets (cli/sctpd/tcpinfo.c): the
# kernel's struct tcp_info filled from the SCTP association, read by real
# programs.  tests/shim/sockcheck checks the lengths and figures against an
# echo server (socat); iperf3, client and server under withsctp, shows the
# Cwnd and Retr columns and its --json tcp_info figures.  Every test has its
# own sctpd (ws_init) on UDP port P1; P2 is the service port.

load helpers

SOCKCHECK="$BUILD/tests/shim/sockcheck"

setup() {
	ports_init
	ws_init
	local f
	for f in "$WITHSCTP" "$SCTPD" "$SHIM" "$SOCKCHECK"; do
		[ -e "$f" ] || {
			echo "missing: $f (run make)" >&2
			return 1
		}
	done
	for f in iperf3 socat python3; do
		command -v "$f" >/dev/null || {
			echo "missing: $f (run make deps)" >&2
			return 1
		}
	done
}

teardown() {
	[ -z "${BATS_TEST_COMPLETED:-}" ] && dump_logs
	[ -z "${BATS_TEST_COMPLETED:-}" ] && [ -f "$BATS_TEST_TMPDIR/sctpd.log" ] &&
		{ echo "--- sctpd.log (last lines)"; tail -25 "$BATS_TEST_TMPDIR/sctpd.log"; }
	kill_all
	ws_stop
	return 0
}

@test "TCP_INFO: the kernel's struct, truncated to the caller's length, figures from the association" {
	bg echo 60 "$WITHSCTP" socat -d -d "TCP-LISTEN:$P2,reuseaddr,fork" PIPE
	wait_for "$BATS_TEST_TMPDIR/echo.err" "listening on" 10
	run timeout 60 "$WITHSCTP" "$SOCKCHECK" tcpinfo "$P2"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q '^PASS - tcpinfo$'
}

# iperf3's report (text): every interval line of the sender has a Retr
# count and a Cwnd in bytes that are sane (4 zero bytes of TCP_INFO made
# them 0.00 Bytes and 4294934871).
check_iperf_text() {
	awk '
	/sec/ && /bits\/sec/ && !/sender|receiver/ {
		n++
		# ... Gbits/sec  RETR  CWND UNIT
		for (i = 1; i <= NF; i++)
			if ($i ~ /bits\/sec$/) break
		retr = $(i + 1); cwnd = $(i + 2); unit = $(i + 3)
		if (retr !~ /^[0-9]+$/ || retr + 0 > 1000000) {
			print "bad Retr: " $0; bad = 1
		}
		if (unit !~ /^[KMG]?Bytes$/ || cwnd + 0 <= 0) {
			print "bad Cwnd: " $0; bad = 1
		}
		if (unit == "Bytes" || (unit == "GBytes" && cwnd + 0 > 1)) {
			print "implausible Cwnd: " $0; bad = 1
		}
	}
	END {
		if (n < 3) { print "expected 3 interval lines, got " n; bad = 1 }
		exit bad
	}' "$1"
}

# iperf3 --json: the figures it takes from tcp_info are plausible.
check_iperf_json() {
	python3 - "$1" <<'EOF'
import json, sys

j = json.load(open(sys.argv[1]))
errors = []

def within(what, v, lo, hi):
    if not (lo <= v <= hi):
        errors.append(f"{what} = {v}, expected {lo}..{hi}")

within("start.tcp_mss_default", j["start"]["tcp_mss_default"], 500, 65535)
for n, iv in enumerate(j["intervals"]):
    s = iv["streams"][0]
    within(f"interval {n} snd_cwnd (bytes)", s["snd_cwnd"], 1000, 64 << 20)
    within(f"interval {n} rtt (us)", s["rtt"], 1, 999999)
    within(f"interval {n} rttvar (us)", s["rttvar"], 0, 999999)
    within(f"interval {n} pmtu", s["pmtu"], 576, 65535 + 100)
    within(f"interval {n} retransmits", s["retransmits"], 0, 1000000)
    if "snd_wnd" in s:  # the peer's window: 0 while its buffer is full
        within(f"interval {n} snd_wnd", s["snd_wnd"], 0, 1 << 31)
snd = j["end"]["streams"][0]["sender"]
within("max_snd_cwnd", snd["max_snd_cwnd"], 1000, 64 << 20)
within("max_rtt", snd["max_rtt"], 1, 999999)
within("min_rtt", snd["min_rtt"], 1, snd["max_rtt"])
within("mean_rtt", snd["mean_rtt"], snd["min_rtt"], snd["max_rtt"])
within("retransmits", snd["retransmits"], 0, 1000000)
if "max_snd_wnd" in snd:
    within("max_snd_wnd", snd["max_snd_wnd"], 1, 1 << 31)
print("tcp_mss_default %d, max_snd_cwnd %d, rtt %d..%d us (mean %d), "
      "retransmits %d, %d intervals" % (
          j["start"]["tcp_mss_default"], snd["max_snd_cwnd"], snd["min_rtt"],
          snd["max_rtt"], snd["mean_rtt"], snd["retransmits"],
          len(j["intervals"])))
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
EOF
}

@test "iperf3 under withsctp: Cwnd and Retr columns and --json tcp_info figures are sane" {
	bg server 60 "$WITHSCTP" iperf3 -s -p "$P2"
	ws_wait_listen "$P2"

	run timeout 30 "$WITHSCTP" iperf3 -c 127.0.0.1 -p "$P2" -t 3
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" >"$BATS_TEST_TMPDIR/client.txt"
	grep -q 'Retr  Cwnd' "$BATS_TEST_TMPDIR/client.txt"
	check_iperf_text "$BATS_TEST_TMPDIR/client.txt"

	timeout 30 "$WITHSCTP" iperf3 -c 127.0.0.1 -p "$P2" -t 2 --json \
		>"$BATS_TEST_TMPDIR/client.json"
	run check_iperf_json "$BATS_TEST_TMPDIR/client.json"
	echo "$output"
	[ "$status" -eq 0 ]
}
