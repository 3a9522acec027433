#!/usr/bin/env python3
"""restart.py PORT GOFILE - a program that outlives its sctpd (native.bats).

Round 1 on one-to-many socket PORT: a one-to-one client connects and
aborts (SO_LINGER 0); a send to its association must then fail with
EPIPE at once, as in Linux.  The program says "restart" and waits (at most
30 s) for GOFILE, while the test restarts the daemon; round 2 does the
same on PORT+1 with the new daemon.  Prints one line per step.
"""
import os
import socket
import struct
import sys
import time

IPPROTO_SCTP = SOL_SCTP = 132
SCTP_EVENTS, SCTP_SNDRCV = 11, 1
SNDRCV = "HHHxxIIIIIi"  # struct sctp_sndrcvinfo


def one_round(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_SEQPACKET, IPPROTO_SCTP)
    s.bind(("127.0.0.1", port))
    s.listen(5)
    s.setsockopt(SOL_SCTP, SCTP_EVENTS, bytes([1] + [0] * 13))  # data_io
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_SCTP)
    c.connect(("127.0.0.1", port))
    c.send(b"hi")
    data, anc, _, _ = s.recvmsg(100, 256)
    aid = [struct.unpack(SNDRCV, d[:32])[-1] for lvl, typ, d in anc
           if lvl == SOL_SCTP and typ == SCTP_SNDRCV][0]
    cm = [(SOL_SCTP, SCTP_SNDRCV, struct.pack(SNDRCV, *[0] * 8, aid))]
    print("received", data.decode(), "sent", s.sendmsg([b"one"], cm),
          flush=True)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    time.sleep(0.5)
    try:
        s.sendmsg([b"two"], cm, socket.MSG_NOSIGNAL)
        print("after the abort: sent", flush=True)
    except OSError as e:
        print("after the abort:", os.strerror(e.errno), flush=True)
    return s


port, go = int(sys.argv[1]), sys.argv[2]
keep = one_round(port)
print("restart", flush=True)
for _ in range(300):
    if os.path.exists(go):
        break
    time.sleep(0.1)
keep = one_round(port + 1)
