#!/bin/sh
# make demo: the main job.  Until the daemon, shim and launcher exist
# (issue 3), the demo runs the embedded engine alone: esctp-peer servers and
# clients talk real SCTP over UDP encapsulation (RFC 6951) on loopback, with
# default settings, and tshark shows what went over the wire.
set -e
BUILD=${1:-build}
peer="$BUILD/bin/esctp-peer"
[ -x "$peer" ] || { echo "demo: $peer is missing: run make" >&2; exit 1; }
sport=$((20000 + $$ % 20000)); cport=$((sport + 1))
pcap=$(mktemp /tmp/withsctp-demo.XXXXXX.pcap)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -f "$pcap"; }
trap cleanup EXIT INT TERM

if command -v dumpcap >/dev/null 2>&1; then
	dumpcap -q -i lo -f "udp port $sport or udp port $cport" -w "$pcap" 2>/dev/null &
	pids="$pids $!"
	sleep 1
fi

echo "== daytime server (SCTP port 13 over UDP $sport), client asks for the date"
"$peer" server daytime -E "$sport" -p 13 -1 -t 20 &
pids="$pids $!"
sleep 0.3
"$peer" client -E "$cport" -U "$sport" -t 20 127.0.0.1 13 daytime

echo "== echo server (SCTP port 7), client sends 5 messages of 1000 bytes"
"$peer" server echo -E "$sport" -p 7 -1 -t 20 &
pids="$pids $!"
sleep 0.3
"$peer" client -E "$cport" -U "$sport" -l 1000 -n 5 -t 20 127.0.0.1 7 echo

echo "== bulk: 100 MB from source to sink, SHA-256 on both sides"
"$peer" server sink -E "$sport" -p 5001 -1 -t 60 &
pids="$pids $!"
sleep 0.3
"$peer" client -E "$cport" -U "$sport" -l 65536 -B 100000000 -t 60 127.0.0.1 5001 source
sleep 0.5

if [ -s "$pcap" ]; then
	sleep 1
	echo "== the wire (tshark, first packets of the daytime exchange)"
	tshark -r "$pcap" -d "udp.port==$sport,sctp" -o 'sctp.checksum:CRC 32c' \
		-c 12 2>/dev/null || true
fi
echo "== demo: withsctp xinetd / telnet (TCP programs over SCTP) arrive with issue 3"
