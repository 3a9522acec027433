#!/bin/sh
# make demo: the main job.  Until the daemon and the shim exist (issue 3), the
# demo runs the engine alone: a client and a server of esctp-peer talk real
# SCTP over UDP encapsulation on loopback.
set -e
BUILD=${1:-build}
peer="$BUILD/bin/esctp-peer"
if [ ! -x "$peer" ]; then
	echo "demo: not yet: the withsctp launcher and daemon arrive with issue 3"
	exit 0
fi
sport=$((20000 + $$ % 20000)); cport=$((sport + 1))
echo "demo: esctp-peer echo server on SCTP port 7 over UDP $sport"
"$peer" server -m echo -E "$sport" -p 7 -t 20 &
srv=$!
trap 'kill $srv 2>/dev/null || true' EXIT
sleep 0.3
echo "demo: client sends 5 messages of 1000 bytes and checks they come back"
"$peer" client -m echo -E "$cport" -U "$sport" -l 1000 -n 5 -v 127.0.0.1 7
echo "demo: not yet: withsctp xinetd / telnet arrive with issue 3"
