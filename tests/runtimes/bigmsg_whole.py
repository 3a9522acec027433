#!/usr/bin/env python3
"""Messages of 100,000 bytes, within the receive window and below any
partial delivery point (SCTP_PARTIAL_DELIVERY_POINT 0), are each returned
whole by one blocking recvmsg with room for them, with MSG_EOR, as Linux's
sctp_recvmsg() returns a reassembled message.
Usage: bigmsg_whole.py PORT [COUNT]"""
import socket as S
import struct
import sys

port = int(sys.argv[1])
count = int(sys.argv[2]) if len(sys.argv) > 2 else 20
size = 100000
lst = S.socket(S.AF_INET, S.SOCK_STREAM, S.IPPROTO_SCTP)
lst.bind(("127.0.0.1", port))
lst.listen(1)
cli = S.socket(S.AF_INET, S.SOCK_STREAM, S.IPPROTO_SCTP)
cli.connect(("127.0.0.1", port))
srv, _ = lst.accept()
pd_point = struct.unpack("I", srv.getsockopt(132, 19, 4))[0]  # SCTP_PARTIAL_DELIVERY_POINT
print("receive buffer", srv.getsockopt(S.SOL_SOCKET, S.SO_RCVBUF), "partial delivery point", pd_point)
split = 0
for i in range(count):
    cli.send(bytes([i]) * size)
    data, _, flags, _ = srv.recvmsg(size + 1000)
    reads, first = 1, len(data)
    while not flags & S.MSG_EOR:
        more, _, flags, _ = srv.recvmsg(size + 1000)
        data += more
        reads += 1
    assert data == bytes([i]) * size
    if reads > 1:
        split += 1
        print("message %d: %d reads, the first %d bytes" % (i, reads, first))
for s in (srv, cli, lst):
    s.close()
print("%d of %d messages of %d bytes split over several reads" % (split, count, size))
sys.exit(1 if split else 0)
