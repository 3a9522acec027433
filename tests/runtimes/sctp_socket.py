#!/usr/bin/env python3
"""Python's socket module with IPPROTO_SCTP: one-to-one (SOCK_STREAM) and
one-to-many (SOCK_SEQPACKET) sockets exchange messages with sendmsg/recvmsg
and the SCTP_SNDRCV control message (stream, PPID), send/recv,
sendto/recvfrom, notifications (SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_EVENT).
Usage: sctp_socket.py 4|6 PORT"""
import socket as S
import struct
import sys

SOL_SCTP = 132
SCTP_INITMSG, SCTP_EVENTS, SCTP_STATUS = 2, 11, 14
SCTP_SNDRCV = 1
SCTP_EOF = 0x200  # sinfo_flags
SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_EVENT = 0x8001, 0x8005
MSG_NOTIFICATION = 0x8000
# struct sctp_sndrcvinfo: stream, ssn, flags (u16), ppid, context,
# timetolive, tsn, cumtsn (u32), assoc_id (s32): 32 bytes.
SNDRCV = struct.Struct("=HHHxxIIIIIi")

fam = S.AF_INET6 if sys.argv[1] == "6" else S.AF_INET
host = "::1" if fam == S.AF_INET6 else "127.0.0.1"
port = int(sys.argv[2])


def sndrcv(stream=0, ppid=0, flags=0, assoc=0):
    return [(SOL_SCTP, SCTP_SNDRCV,
             SNDRCV.pack(stream, 0, flags, S.htonl(ppid), 0, 0, 0, 0, assoc))]


def subscribe(s):
    # struct sctp_event_subscribe: data_io, association, address,
    # send_failure, peer_error, shutdown, ...
    s.setsockopt(SOL_SCTP, SCTP_EVENTS, bytes([1, 1, 0, 0, 0, 1]))


def recv(s, n=65536):
    """One message: (data, flags, addr, sndrcvinfo or None)."""
    data, anc, flags, addr = s.recvmsg(n, S.CMSG_SPACE(SNDRCV.size))
    info = None
    for lvl, typ, d in anc:
        if lvl == SOL_SCTP and typ == SCTP_SNDRCV:
            info = SNDRCV.unpack(d[:SNDRCV.size])
    return data, flags, addr, info


def notif(data):
    typ, _, length = struct.unpack("=HHI", data[:8])
    if typ == SCTP_ASSOC_CHANGE:
        state, err, outs, ins, assoc = struct.unpack("=HHHHi", data[8:20])
        return ("ASSOC_CHANGE", state, outs, ins, assoc)
    if typ == SCTP_SHUTDOWN_EVENT:
        return ("SHUTDOWN_EVENT", struct.unpack("=i", data[8:12])[0])
    return ("type", hex(typ))


def recv_data(s):
    while True:
        data, flags, addr, info = recv(s)
        if flags & MSG_NOTIFICATION:
            print("  notification", notif(data))
            continue
        return data, flags, addr, info


def one_to_one():
    lst = S.socket(fam, S.SOCK_STREAM, S.IPPROTO_SCTP)
    lst.setsockopt(S.SOL_SOCKET, S.SO_REUSEADDR, 1)
    lst.bind((host, port))
    lst.listen(1)
    cli = S.socket(fam, S.SOCK_STREAM, S.IPPROTO_SCTP)
    # struct sctp_initmsg: num_ostreams, max_instreams, max_attempts, max_init_timeo
    cli.setsockopt(SOL_SCTP, SCTP_INITMSG, struct.pack("=HHHH", 6, 6, 0, 0))
    subscribe(cli)
    cli.connect((host, port))
    srv, peer = lst.accept()
    subscribe(srv)
    print("one-to-one: accepted", peer[:2], "proto", srv.getsockopt(S.SOL_SOCKET, S.SO_PROTOCOL),
          "type", srv.getsockopt(S.SOL_SOCKET, S.SO_TYPE))
    # SCTP_STATUS: assoc id, state, rwnd, unackdata, penddata, instrms, outstrms
    st = cli.getsockopt(SOL_SCTP, SCTP_STATUS, 184)
    _, state, _, _, _, ins, outs = struct.unpack("=iiIHHHH", st[:20])
    print("  client status state", state, "in", ins, "out", outs)
    assert (ins, outs) == (6, 6), (ins, outs)
    for stream in range(1, 6):
        msg = b"one-to-one %d" % stream
        cli.sendmsg([msg], sndrcv(stream, 1000 + stream))
        data, flags, _, info = recv_data(srv)
        assert data == msg and flags & S.MSG_EOR, (data, flags)
        assert info[0] == stream and S.ntohl(info[3]) == 1000 + stream, info
        srv.sendmsg([data.upper()], sndrcv(info[0], S.ntohl(info[3]) + 1))
        data, _, _, info = recv_data(cli)
        assert data == msg.upper() and info[0] == stream and S.ntohl(info[3]) == 1001 + stream
    print("  5 messages echoed on streams 1-5 with their PPID")
    # Plain send/recv: stream 0, whole messages.
    cli.send(b"plain")
    data, _, _, info = recv_data(srv)
    assert data == b"plain" and info[0] == 0
    big = bytes(range(256)) * 400  # 102400 bytes
    cli.send(big)
    got, flags, _, _ = recv_data(srv)
    while not flags & S.MSG_EOR:
        more, flags, _, _ = recv(srv)
        got += more
    assert got == big, len(got)
    print("  102400-byte message received whole")
    cli.shutdown(S.SHUT_WR)
    # The server reads the peer's SHUTDOWN, then end of file.
    # (No control buffer here: recvmsg_eof.py checks what the end returns.)
    while True:
        data, _, flags, _ = srv.recvmsg(65536)
        if not data:
            break
        if flags & MSG_NOTIFICATION:
            print("  server notification", notif(data))
    print("  server read end of file")
    srv.close()
    cli.close()
    lst.close()


def one_to_many():
    srv = S.socket(fam, S.SOCK_SEQPACKET, S.IPPROTO_SCTP)
    srv.bind((host, port + 1))
    srv.listen(5)
    subscribe(srv)
    clients = []
    for i in range(2):
        c = S.socket(fam, S.SOCK_SEQPACKET, S.IPPROTO_SCTP)
        subscribe(c)
        # A send to a new address sets the association up.
        c.sendto(b"hello %d" % i, (host, port + 1))
        clients.append(c)
    assocs = {}
    for _ in range(2):
        data, flags, addr, info = recv_data(srv)
        print("one-to-many: server got", data, "from", addr[:2], "assoc", info[8])
        assocs[data[-1:]] = (addr, info[8])
    assert len(set(a for _, a in assocs.values())) == 2
    # Answer by association id (sinfo_assoc_id) and by address (sendto).
    srv.sendmsg([b"by assoc"], sndrcv(2, 4242, 0, assocs[b"0"][1]))
    srv.sendto(b"by address", assocs[b"1"][0])
    data, _, addr, info = recv_data(clients[0])
    assert data == b"by assoc" and info[0] == 2 and S.ntohl(info[3]) == 4242, (data, info)
    data, addr = clients[1].recvfrom(100)
    while data[:2] == struct.pack("=H", SCTP_ASSOC_CHANGE):  # a notification
        data, addr = clients[1].recvfrom(100)
    assert data == b"by address", data
    assert addr[1] == port + 1, addr
    print("  answered by association id and by address")
    # SCTP_EOF on one association: it ends, the other goes on.
    srv.sendmsg([], sndrcv(0, 0, SCTP_EOF, assocs[b"0"][1]))
    # (Its SCTP_SHUTDOWN_COMP on the client's side: seqpacket_end.py.)
    while True:
        data, flags, _, _ = recv(clients[0])
        n = notif(data)
        print("  client0 notification", n)
        if n[0] == "SHUTDOWN_EVENT":
            break
    while True:
        data, flags, _, _ = recv(srv)
        n = notif(data)
        if n[0] == "ASSOC_CHANGE" and n[1] == 3:  # SCTP_SHUTDOWN_COMP
            print("  server notification", n)
            break
    clients[1].sendto(b"still here", (host, port + 1))
    data, _, _, info = recv_data(srv)
    assert data == b"still here" and info[8] == assocs[b"1"][1]
    print("  the other association goes on")
    for c in clients:
        c.close()
    srv.close()


one_to_one()
one_to_many()
print("python", "IPv6" if fam == S.AF_INET6 else "IPv4", "done")
