#!/usr/bin/env python3
"""recvmsg at the end of a one-to-one association: Linux returns 0 bytes
with msg_namelen, msg_controllen and msg_flags set to 0, so Python's
socket.recvmsg gives (b'', [], 0, None) without a warning.
Usage: recvmsg_eof.py PORT"""
import socket as S
import sys
import warnings

# A malformed control message fails.
warnings.simplefilter("error", RuntimeWarning)
port = int(sys.argv[1])
lst = S.socket(S.AF_INET, S.SOCK_STREAM, S.IPPROTO_SCTP)
lst.bind(("127.0.0.1", port))
lst.listen(1)
cli = S.socket(S.AF_INET, S.SOCK_STREAM, S.IPPROTO_SCTP)
cli.connect(("127.0.0.1", port))
srv, _ = lst.accept()
srv.setsockopt(132, 11, bytes([1]))  # SCTP_EVENTS: sctp_data_io_event
cli.send(b"last")
cli.shutdown(S.SHUT_WR)
print("data:", srv.recvmsg(100, 64))
end = srv.recvmsg(100, 64)
print("end:", end)
for s in (srv, cli, lst):
    s.close()
assert end == (b"", [], 0, None), end
print("recvmsg at end of file ok")
