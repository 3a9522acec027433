#!/usr/bin/env bats
# Interop over UDP encapsulation (RFC 6951) between esctp-peer (the embedded
# engine) and usrsctp's example programs (Debian libusrsctp-examples), and
# bulk transfers.  Every test captures its traffic on lo and has tshark check
# it: CRC32c verified, nothing malformed, no ABORT in the normal cases.
#
# usrsctp programs used (their sources: sctplab/usrsctp programs/*.c):
#   daytime_server [local_udp [remote_udp]]   SCTP port 13, sends ctime(), closes
#   echo_server    [local_udp [remote_udp]]   SCTP port 7, one-to-many, echoes
#   client ADDR PORT LOCAL_PORT LOCAL_UDP REMOTE_UDP   stdin lines out, echo to stdout
#   tsctp [-E local_udp] [-U remote_udp] [-l len] [-n count] [ADDR]   SCTP port 5001

load helpers

setup() {
	ports_init
	[ -x "$PEER" ] || skip_missing "$PEER (run make)"
	[ -x "$USRSCTP_DIR/tsctp" ] || skip_missing "libusrsctp-examples (run make deps)"
	command -v dumpcap >/dev/null || skip_missing "dumpcap (run make deps)"
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

@test "our client gets the date from usrsctp daytime_server" {
	capture_start 0 "$P1" "$P2"
	bg daytime 30 "$USRSCTP_DIR/daytime_server" "$P1" "$P2"
	wait_udp_port "$P1"
	run timeout 20 "$PEER" -E "$P2" -U "$P1" -t 15 client 127.0.0.1 13 daytime
	echo "$output"
	[ "$status" -eq 0 ]
	# ctime(): "Thu Jan  1 00:00:00 1970"
	echo "$output" | grep -Eq '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [0-9]{4}$'
	check_capture
}

@test "our client gets back from usrsctp echo_server what it sent" {
	capture_start 0 "$P1" "$P2"
	bg echo 40 "$USRSCTP_DIR/echo_server" "$P1" "$P2"
	wait_udp_port "$P1"
	# echo_server reads into 10240 bytes: keep messages below that.
	run timeout 30 "$PEER" -E "$P2" -U "$P1" -t 25 -l 4000 -n 200 -s 3 \
		client 127.0.0.1 7 echo
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q 'sent=200 echoed=200 bytes=800000 mismatches=0'
	check_capture
}

@test "usrsctp client gets its input back from our echo server" {
	capture_start 0 "$P1" "$P2"
	bg server 40 "$PEER" -E "$P1" -1 -t 35 server echo
	wait_for "$BATS_TEST_TMPDIR/server.err" "echo server on SCTP port 7"
	seq 1 40 | sed 's/^/line /' >"$BATS_TEST_TMPDIR/input"
	timeout 30 "$USRSCTP_DIR/client" 127.0.0.1 7 0 "$P2" "$P1" \
		<"$BATS_TEST_TMPDIR/input" >"$BATS_TEST_TMPDIR/client.out" 2>&1
	grep -a '^line ' "$BATS_TEST_TMPDIR/client.out" >"$BATS_TEST_TMPDIR/echoed"
	diff "$BATS_TEST_TMPDIR/input" "$BATS_TEST_TMPDIR/echoed"
	bg_wait server
	grep -q 'echo: peer=127.0.0.1:.* sent=40 echoed=40' "$BATS_TEST_TMPDIR/server.out"
	check_capture
}

@test "usrsctp tsctp sends to our sink server and the byte counts match" {
	capture_start 0 "$P1" "$P2"
	bg server 40 "$PEER" -E "$P1" -1 -t 35 server sink
	wait_for "$BATS_TEST_TMPDIR/server.err" "sink server on SCTP port 5001"
	# Only stdout (see the 100 MB test below).
	timeout 30 "$USRSCTP_DIR/tsctp" -E "$P2" -U "$P1" -l 1000 -n 3000 127.0.0.1 \
		2>"$BATS_TEST_TMPDIR/tsctp.err" >"$BATS_TEST_TMPDIR/tsctp.out"
	grep -q 'Sending of 3000 messages of length 1000' "$BATS_TEST_TMPDIR/tsctp.out"
	bg_wait server
	cat "$BATS_TEST_TMPDIR/server.out"
	grep -q 'sink: .* bytes=3000000 messages=3000 ' "$BATS_TEST_TMPDIR/server.out"
	check_capture
}

@test "our source and sink move 100 MB with matching SHA-256 (IPv4)" {
	capture_start 160 "$P1" "$P2"
	bg server 60 "$PEER" -E "$P1" -1 -t 55 server sink
	wait_for "$BATS_TEST_TMPDIR/server.err" "sink server"
	run timeout 60 "$PEER" -E "$P2" -U "$P1" -t 55 -l 65536 -B 104857600 \
		client 127.0.0.1 5001 source
	echo "$output"
	[ "$status" -eq 0 ]
	bg_wait server
	cat "$BATS_TEST_TMPDIR/server.out"
	sent=$(echo "$output" | grep -o 'bytes=[0-9]* messages=[0-9]*')
	[ "$sent" = "bytes=104857600 messages=1600" ]
	grep -q "$sent" "$BATS_TEST_TMPDIR/server.out"
	sha=$(echo "$output" | grep -o 'sha256=[0-9a-f]\{64\}')
	[ -n "$sha" ]
	grep -q "$sha" "$BATS_TEST_TMPDIR/server.out"
	check_capture
}

@test "our source and sink over IPv6 with small messages on 3 unordered streams" {
	ip -6 addr show dev lo | grep -q '::1' || skip_missing "IPv6 on lo"
	capture_start 0 "$P1" "$P2"
	bg server 40 "$PEER" -E "$P1" -1 -t 35 server sink
	wait_for "$BATS_TEST_TMPDIR/server.err" "sink server"
	run timeout 40 "$PEER" -E "$P2" -U "$P1" -t 35 -l 300 -n 5000 -s 3 -u \
		client ::1 5001 source
	echo "$output"
	[ "$status" -eq 0 ]
	bg_wait server
	cat "$BATS_TEST_TMPDIR/server.out"
	grep -q 'peer=\[::1\]:.* bytes=1500000 messages=5000 ' "$BATS_TEST_TMPDIR/server.out"
	check_capture
}

@test "our source sends 100 MB to usrsctp tsctp and the byte counts match" {
	capture_start 160 "$P1" "$P2"
	bg tsctp 90 "$USRSCTP_DIR/tsctp" -E "$P1" -U "$P2"
	wait_udp_port "$P1"
	run timeout 80 "$PEER" -E "$P2" -U "$P1" -t 75 -l 65536 -B 104857600 \
		client 127.0.0.1 5001 source
	echo "$output"
	[ "$status" -eq 0 ]
	# tsctp prints per association: length, messages, calls, bytes, ...
	wait_for "$BATS_TEST_TMPDIR/tsctp.out" '^65536, 1600, [0-9]*, 104857600, ' 10
	# tsctp may send a SACK after its SHUTDOWN ACK; arriving after our
	# SHUTDOWN COMPLETE it is out of the blue (ABORT, T bit).
	check_capture late-abort-ok
}

@test "usrsctp tsctp sends 100 MB to our sink and the byte counts match" {
	capture_start 160 "$P1" "$P2"
	bg server 90 "$PEER" -E "$P1" -1 -t 85 server sink
	wait_for "$BATS_TEST_TMPDIR/server.err" "sink server"
	# Only stdout: Debian's tsctp logs from usrsctp's threads on stderr,
	# and those writes can split its final stdout line if both share a pipe.
	timeout 80 "$USRSCTP_DIR/tsctp" -E "$P2" -U "$P1" -l 65536 -n 1600 127.0.0.1 \
		2>"$BATS_TEST_TMPDIR/tsctp.err" >"$BATS_TEST_TMPDIR/tsctp.out"
	grep -q 'Sending of 1600 messages of length 65536' "$BATS_TEST_TMPDIR/tsctp.out"
	bg_wait server
	cat "$BATS_TEST_TMPDIR/server.out"
	grep -q 'sink: .* bytes=104857600 messages=1600 ' "$BATS_TEST_TMPDIR/server.out"
	check_capture
}

@test "an INIT for a port with no endpoint is answered with ABORT" {
	capture_start 0 "$P1" "$P2"
	bg server 20 "$PEER" -E "$P1" -1 -t 15 server discard
	wait_for "$BATS_TEST_TMPDIR/server.err" "discard server"
	# Our client to SCTP port 4444, where nothing listens: INIT -> ABORT.
	run timeout 15 "$PEER" -E "$P2" -U "$P1" -t 10 client 127.0.0.1 4444 echo
	echo "$output"
	[ "$status" -ne 0 ]
	echo "$output" | grep -q 'could not start'
	check_capture abort-ok
	# RFC 9260 §8.4 (3): the ABORT carries the INIT's Initiate Tag.
	itag=$(tshark_sctp -Y 'sctp.chunk_type == 1' -T fields -e sctp.init_initiate_tag | head -1)
	vtag=$(tshark_sctp -Y 'sctp.chunk_type == 6' -T fields -e sctp.verification_tag | head -1)
	[ -n "$itag" ] && [ "$itag" = "$vtag" ]
}

@test "esctp-peer explains a UDP port in use and bad usage" {
	bg server 20 "$PEER" -E "$P1" -t 10 server discard
	wait_for "$BATS_TEST_TMPDIR/server.err" "discard server"
	run timeout 5 "$PEER" -E "$P1" server echo
	[ "$status" -eq 2 ]
	echo "$output" | grep -q "cannot bind IPv4 UDP port $P1: Address already in use (another sctpd running? use --udp-port)"
	run timeout 5 "$PEER" client 127.0.0.1
	[ "$status" -eq 2 ]
	echo "$output" | grep -q '^usage: esctp-peer'
	run timeout 5 "$PEER" --help
	[ "$status" -eq 0 ]
	echo "$output" | grep -q -- '--timeout'
}
