#!/usr/bin/env python3
"""A one-to-many socket (not listening) whose only association the peer
shuts down reads SCTP_SHUTDOWN_EVENT, then SCTP_ASSOC_CHANGE
SCTP_SHUTDOWN_COMP, never ENOTCONN before it: Linux queues that
notification before it frees the association (sctp_sf_do_4_C), and
sctp_wait_for_packet() fails with ENOTCONN only on an empty queue.
Usage: seqpacket_end.py PORT [ROUNDS]"""
import errno
import socket as S
import struct
import sys

SOL_SCTP, SCTP_EVENTS, SCTP_SNDRCV, SCTP_EOF = 132, 11, 1, 0x200
port = int(sys.argv[1])
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 30
srv = S.socket(S.AF_INET, S.SOCK_SEQPACKET, S.IPPROTO_SCTP)
srv.bind(("127.0.0.1", port))
srv.listen(5)
srv.setsockopt(SOL_SCTP, SCTP_EVENTS, bytes([1]))
enotconn = 0
for i in range(rounds):
    c = S.socket(S.AF_INET, S.SOCK_SEQPACKET, S.IPPROTO_SCTP)
    c.setsockopt(SOL_SCTP, SCTP_EVENTS, bytes([1, 1, 0, 0, 0, 1]))
    c.sendto(b"hello", ("127.0.0.1", port))
    _, anc, _, _ = srv.recvmsg(100, 64)
    assoc = struct.unpack("=HHHxxIIIIIi", anc[0][2][:32])[-1]
    srv.sendmsg([b"answer"], [(SOL_SCTP, SCTP_SNDRCV,
                  struct.pack("=HHHxxIIIIIi", 0, 0, 0, 0, 0, 0, 0, 0, assoc))])
    data = c.recv(100)
    while data[:2] == b"\x01\x80":  # SCTP_ASSOC_CHANGE (COMM_UP)
        data = c.recv(100)
    assert data == b"answer", data
    # SCTP_EOF on that association (struct sctp_sndrcvinfo).
    srv.sendmsg([], [(SOL_SCTP, SCTP_SNDRCV,
                      struct.pack("=HHHxxIIIIIi", 0, 0, SCTP_EOF, 0, 0, 0, 0, 0, assoc))])
    while True:
        try:
            data, _, _, _ = c.recvmsg(100, 64)
        except OSError as e:
            if e.errno != errno.ENOTCONN:
                raise
            enotconn += 1
            print("round %d: ENOTCONN before SCTP_SHUTDOWN_COMP" % i)
            break
        typ, _, _, state = struct.unpack("=HHIH", data[:10])
        if typ == 0x8001 and state == 0:  # SCTP_COMM_UP
            continue
        if typ == 0x8005:  # SCTP_SHUTDOWN_EVENT
            continue
        assert typ == 0x8001 and state == 3, (hex(typ), state)  # SCTP_SHUTDOWN_COMP
        break
    c.close()
srv.close()
print("%d of %d rounds failed with ENOTCONN" % (enotconn, rounds))
sys.exit(1 if enotconn else 0)
