#!/bin/sh
# make demo: the main job.  xinetd, an unmodified TCP server, runs under
# withsctp and serves its internal daytime and echo services; telnet, an
# unmodified TCP client, talks to them under withsctp.  Their TCP sockets
# are SCTP associations of the embedded engine (sctpd, started by withsctp
# with the default settings: control @withsctp, UDP port 9899), so the
# wire carries SCTP inside UDP (RFC 6951) and no TCP at all, as tshark
# shows at the end.  Everything the demo started is stopped when it ends.
set -e
BUILD=${1:-build}
BIN="$BUILD/bin"
for p in withsctp sctpd sctpstat; do
	[ -x "$BIN/$p" ] || { echo "demo: $BIN/$p is missing: run make" >&2; exit 1; }
done
DAYTIME=10013
ECHO=10007
dir=$(mktemp -d /tmp/withsctp-demo.XXXXXX)
pids=""
control=$("$BIN/withsctp" --print-config true | sed -n 's/^control = //p')
udp=$("$BIN/withsctp" --print-config true | sed -n 's/^udp_port = //p')
daemon_before=$(pgrep -f -- "sctpd --control $control " || true)

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	if [ -z "$daemon_before" ]; then
		# The demo started this daemon: stop it (SIGTERM shuts its
		# associations down gracefully).
		pkill -f -- "sctpd --control $control " 2>/dev/null || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

cat >"$dir/xinetd.conf" <<EOF
defaults
{
	instances = 20
}
service daytime
{
	type = INTERNAL UNLISTED
	id = daytime-stream
	socket_type = stream
	protocol = tcp
	port = $DAYTIME
	bind = 127.0.0.1
	wait = no
	user = root
}
service echo
{
	type = INTERNAL UNLISTED
	id = echo-stream
	socket_type = stream
	protocol = tcp
	port = $ECHO
	bind = 127.0.0.1
	wait = no
	user = root
}
EOF

if command -v dumpcap >/dev/null 2>&1; then
	dumpcap -q -i lo -f "udp port $udp or tcp port $DAYTIME or tcp port $ECHO" \
		-w "$dir/wire.pcapng" 2>"$dir/dumpcap.err" &
	pids="$pids $!"
	i=0
	while ! grep -q Capturing "$dir/dumpcap.err" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
fi

echo "== withsctp xinetd: daytime on $DAYTIME, echo on $ECHO (sctpd: $control, UDP $udp)"
"$BIN/withsctp" xinetd -dontfork -f "$dir/xinetd.conf" -pidfile "$dir/xinetd.pid" \
	>"$dir/xinetd.log" 2>&1 &
pids="$pids $!"
i=0
while [ "$("$BIN/sctpstat" -l 2>/dev/null | grep -c ":$ECHO \|:$DAYTIME ")" -lt 2 ]; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "demo: xinetd did not start listening:" >&2
		cat "$dir/xinetd.log" >&2
		exit 1
	fi
	sleep 0.1
done

echo
echo "== withsctp telnet 127.0.0.1 $DAYTIME"
(sleep 1) | timeout 10 "$BIN/withsctp" telnet 127.0.0.1 "$DAYTIME" 2>&1 || true

echo
echo "== withsctp telnet 127.0.0.1 $ECHO, typing two lines"
(printf 'hello over SCTP\r\n'; sleep 0.5; printf 'bye\r\n'; sleep 3) |
	timeout 10 "$BIN/withsctp" telnet 127.0.0.1 "$ECHO" >"$dir/echo.out" 2>&1 &
pids="$pids $!"
sleep 1.5
echo "(while it is connected, sctpstat:)"
"$BIN/sctpstat"
wait $! 2>/dev/null || true
cat "$dir/echo.out"

if [ -s "$dir/wire.pcapng" ]; then
	sleep 0.5
	kill -INT $(echo $pids | awk '{print $1}') 2>/dev/null || true
	sleep 0.5
	echo
	echo "== the wire: first packets of the daytime exchange (tshark)"
	tshark -n -r "$dir/wire.pcapng" -d "udp.port==$udp,sctp" \
		-o 'sctp.checksum:CRC 32c' -c 12 2>/dev/null || true
	sctp=$(tshark -n -r "$dir/wire.pcapng" -d "udp.port==$udp,sctp" -Y sctp 2>/dev/null | wc -l)
	tcp=$(tshark -n -r "$dir/wire.pcapng" -Y tcp 2>/dev/null | wc -l)
	echo "== $sctp SCTP packets over UDP $udp, $tcp TCP segments to ports $DAYTIME/$ECHO"
fi
echo "== demo done: stopping xinetd and the daemon"
